//! D102: a reachable state where no transition can ever fire.

use super::{Context, declare_check};
use crate::diagnostic::Diagnostic;
use crate::model::{ProcessId, StateId};

declare_check! {
    /// ## What it finds
    ///
    /// A reachable state, not a `final`, where no transition can ever fire, whatever the
    /// data: every action is impossible there (forbidden, rejected, no channel can perform
    /// it), every awaited event never comes or its guard never holds, every sub-process it
    /// calls can never end, and there is no timeout. A state with only `handoff`s is a dead
    /// end too: handoffs move the customer between channels, not the process forward.
    ///
    /// ## Why it hurts customers
    ///
    /// Every customer who gets here stays here: the case is open forever and every channel
    /// they try says "it's in progress".
    ///
    /// ## Example
    ///
    /// ```omni
    /// state activation {
    ///   await activation_sms -> done     # no action ever emits `activation_sms`
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Make one of its transitions possible, and add a timeout (`after 14d -> escalated`)
    /// so that a customer is never left waiting on something that may not happen.
    pub static DEAD_END_STATE = {
        code: "D102",
        name: "dead-end-state",
        severity: Error,
        summary: "a reachable non-final state where no transition can ever fire",
    };
}

/// Whether no transition of a reachable, non-final state can fire for any reachable data.
pub fn is_dead_end(
    cx: &Context<'_, '_>,
    explorer: &crate::analysis::explore::Explorer<'_, '_>,
    process: ProcessId,
    state: StateId,
) -> bool {
    let s = cx.model.process(process).state(state);
    !s.is_final()
        && cx.analysis.is_reached(process, state)
        && !cx.analysis.can_move(explorer, process, state)
}

/// Reports every dead-end state.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.analysis.cut_short {
        return; // a "can never" verdict needs the whole state space
    }
    let explorer = cx.analysis.explorer();
    for (id, state_id) in cx.reached_states() {
        let process = cx.model.process(id);
        if !is_dead_end(cx, &explorer, id, state_id) {
            continue;
        }
        let state = process.state(state_id);
        let reach = cx.analysis.reach(id, state_id);
        let mut d = Diagnostic::new(
            &DEAD_END_STATE,
            state.name.span,
            format!(
                "no transition of `{}` can ever fire: customers who get here stay here",
                state.name
            ),
        )
        .with_help(
            "make one of its transitions possible, and add a timeout such as `after 14d -> ...`",
        );
        for t in &state.transitions {
            d = d.with_label(t.span, "can never fire");
        }
        if let Some(witness) = cx.analysis.witness(id, state_id, reach) {
            d = d.with_witness(witness);
        }
        out.push(d);
    }
}
