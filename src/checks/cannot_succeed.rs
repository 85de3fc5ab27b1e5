//! D104: a process in which no success `final` is reachable.

use super::{Context, declare_check};
use crate::diagnostic::Diagnostic;
use crate::model::StateKind;
use crate::syntax::ast::FinalKind;

declare_check! {
    /// ## What it finds
    ///
    /// A process that customers can start (it has `entry`) or that another process calls, in
    /// which no success `final` is reachable: every path ends in failure, or never ends. A
    /// called process is judged with the data it is called with: a step that needs the old
    /// exchange cannot succeed after the caller moved the line.
    ///
    /// ## Why it hurts customers
    ///
    /// The service the process stands for is never delivered: every customer who asks for it
    /// is let down, however many times they call.
    ///
    /// ## Example
    ///
    /// ```omni
    /// action route_outgoing_calls { requires installation.exchange == old_exchange }
    /// process configure_outgoing_calls {        # called after the line moved exchange
    ///   start routing
    ///   state routing { do route_outgoing_calls -> done }
    ///   final done
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Follow the process from `start` and find the step that can never be taken; the other
    /// findings (dead transitions, dead ends) usually point at it.
    pub static CANNOT_SUCCEED = {
        code: "D104",
        name: "cannot-succeed",
        severity: Error,
        summary: "a process (with `entry`, or called) in which no success `final` is reachable",
    };
}

/// Reports every started or called process that cannot succeed.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.analysis.cut_short {
        return;
    }
    let called = cx.model.called();
    for (id, process) in cx.processes() {
        if process.entry.is_empty() && !called.contains(&id) {
            continue;
        }
        if !cx.analysis.is_reached(id, process.start.node) {
            continue;
        }
        let succeeds = process.state_ids().any(|s| {
            process.state(s).kind == StateKind::Final(FinalKind::Success)
                && cx.analysis.is_reached(id, s)
        });
        if succeeds {
            continue;
        }
        let how = if called.contains(&id) && process.entry.is_empty() {
            "with the data it is called with, "
        } else {
            ""
        };
        out.push(
            Diagnostic::new(
                &CANNOT_SUCCEED,
                process.name.span,
                format!(
                    "process `{}` can never succeed: {how}no success `final` is reachable",
                    process.name
                ),
            )
            .with_help("follow it from `start` to the step that can never be taken"),
        );
    }
}
