//! D107: a state where, for some reachable data, nothing can happen.

use super::dead_end_state::is_dead_end;
use super::{Context, declare_check};
use crate::diagnostic::Diagnostic;
use crate::model::Transition;

declare_check! {
    /// ## What it finds
    ///
    /// A reachable state, not a `final`, where for some reachable data no transition can fire
    /// and there is no timeout: those customers are stuck, while others pass. The witness
    /// gives the path there and the data that leave the customer with nothing to do.
    /// (A state where no transition can fire for any data is a dead end, D102.)
    ///
    /// ## Why it hurts customers
    ///
    /// The store "makes the change, kindly", the back office rejects it, and a month later the
    /// bills still go to the old address: the customer's case sits in a state no one can move.
    ///
    /// ## Example
    ///
    /// ```omni
    /// rule same_address: invariant customer.billing_address == customer.installation_address
    /// state back_office {
    ///   do change_billing_address -> done    # rejected whenever the new address differs
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Add a transition for the data the witness shows (a rejection path to a `final ...
    /// failure` that tells the customer), or a timeout to an escalation.
    pub static STUCK_CUSTOMERS = {
        code: "D107",
        name: "stuck-customers",
        severity: Error,
        summary: "a reachable non-final state where, for some reachable data, no transition can fire",
    };
}

/// Reports every state where some customers are stuck.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.analysis.cut_short {
        return; // a "can never" verdict needs the whole state space
    }
    let explorer = cx.analysis.explorer();
    for (id, state_id) in cx.reached_states() {
        let process = cx.model.process(id);
        let state = process.state(state_id);
        if state.is_final() {
            continue;
        }
        if state
            .transitions
            .iter()
            .any(|t| matches!(t.node, Transition::After { .. }))
        {
            continue;
        }
        if is_dead_end(cx, &explorer, id, state_id) {
            continue;
        }
        let reach = cx.analysis.reach(id, state_id);
        // Stuck: reached, and no transition can fire (`movable`, without building it).
        let exits = cx.analysis.exits(&explorer, id, state_id);
        if crate::analysis::domain::within(reach, &exits) {
            continue;
        }
        let mut d = Diagnostic::new(
            &STUCK_CUSTOMERS,
            state.name.span,
            format!(
                "some customers are stuck in `{}`: for their data, nothing can happen",
                state.name
            ),
        )
        .with_help(
            "add a transition for these data (a rejection to a failure `final`), or a timeout",
        );
        // The stuck data are those reaching the state outside its exits.
        if let Some(witness) = cx.analysis.witness_outside(id, state_id, &exits) {
            d = d.with_witness(witness);
        }
        out.push(d);
    }
}
