//! D101: a state no path from `start` reaches.

use super::{Context, declare_check};
use crate::diagnostic::Diagnostic;

declare_check! {
    /// ## What it finds
    ///
    /// A state (or final) of a process that no path from `start` reaches, for any allowed
    /// initial data, taking guards, `requires`, forbids, invariants, triggers and the outcomes
    /// of sub-processes into account. A called process is judged in the contexts it is called
    /// from.
    ///
    /// ## Why it hurts customers
    ///
    /// An unreachable state is a promise the process cannot keep: the step a designer drew,
    /// say "activation", never happens for any customer, so whatever depended on it does not
    /// either.
    ///
    /// ## Example
    ///
    /// ```omni
    /// state provisioning {
    ///   all configure_adsl, configure_outgoing_calls -> activation   # never all succeed
    /// }
    /// state activation { ... }                                      # never reached
    /// ```
    ///
    /// ## How to fix
    ///
    /// Find the transition that should lead there and see why it cannot fire (omnilint
    /// usually reports it as a dead transition), or remove the state.
    pub static UNREACHABLE_STATE = {
        code: "D101",
        name: "unreachable-state",
        severity: Warning,
        summary: "a state no path from `start` reaches",
    };
}

/// Reports the unreachable states of every process that runs at all.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.analysis.cut_short {
        return;
    }
    for (id, process) in cx.processes() {
        if !cx.analysis.is_reached(id, process.start.node) {
            continue; // never runs: reported where it is called, or as unsatisfiable
        }
        for state_id in process.state_ids() {
            if cx.analysis.is_reached(id, state_id) {
                continue;
            }
            let state = process.state(state_id);
            out.push(
                Diagnostic::new(
                    &UNREACHABLE_STATE,
                    state.name.span,
                    format!("state `{}` of `{}` is never reached", state.name, process.name),
                )
                .with_note("no path from `start` leads here, for any allowed data")
                .with_help("find the transition meant to lead here and see why it cannot fire, or remove the state"),
            );
        }
    }
}
