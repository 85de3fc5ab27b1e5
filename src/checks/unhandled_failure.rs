//! D109: a `call`/`all` that can fail, without `else`.

use super::{Context, declare_check};
use crate::diagnostic::Diagnostic;
use crate::model::Transition;

declare_check! {
    /// ## What it finds
    ///
    /// A `call` or `all` in a reachable state, without `else`, of sub-processes that can end
    /// in a failure `final` with the data they are called with.
    ///
    /// ## Why it hurts customers
    ///
    /// When the sub-process fails, the process has nowhere to go: the customer is neither
    /// served nor told, and no one is asked to act.
    ///
    /// ## Example
    ///
    /// ```omni
    /// state provisioning {
    ///   call configure_line -> active     # configure_line can end in `final failed failure`
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Add `else -> STATE` leading to a recovery step or to a failure `final` that tells the
    /// customer.
    pub static UNHANDLED_FAILURE = {
        code: "D109",
        name: "unhandled-failure",
        severity: Warning,
        summary: "`call`/`all` of a process that can end in failure, with no `else`",
    };
}

/// Reports every call that can fail without an `else`.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let explorer = cx.analysis.explorer();
    for (id, state_id) in cx.reached_states() {
        let process = cx.model.process(id);
        let reach = cx.analysis.reach(id, state_id);
        for t in &process.state(state_id).transitions {
            let (Transition::Call {
                otherwise: None, ..
            }
            | Transition::All {
                otherwise: None, ..
            }) = &t.node
            else {
                continue;
            };
            let callees = t.node.callees();
            if explorer.sub_can_fail(&callees, reach).is_false() {
                continue;
            }
            let names: Vec<String> = callees
                .iter()
                .map(|p| format!("`{}`", cx.model.process(*p).name))
                .collect();
            out.push(
                Diagnostic::new(
                    &UNHANDLED_FAILURE,
                    t.span,
                    format!(
                        "{} can end in failure here, and there is no `else`",
                        names.join(", ")
                    ),
                )
                .with_help("add `else -> STATE` leading to a recovery step or a failure `final`"),
            );
        }
    }
}
