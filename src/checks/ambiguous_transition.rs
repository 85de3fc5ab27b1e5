//! D108: two transitions with the same trigger and overlapping guards.

use super::{Context, declare_check};
use crate::analysis::domain::Sets;
use crate::diagnostic::Diagnostic;
use crate::model::Transition;

declare_check! {
    /// ## What it finds
    ///
    /// Two transitions of one reachable state with the same trigger (the same action on a
    /// channel both allow, the same system action, or the same awaited event) whose guards
    /// both hold for some reachable data and parameters, but which lead to different states.
    /// The witness gives such data.
    ///
    /// ## Why it hurts customers
    ///
    /// Which way the case goes depends on the agent, the channel's implementation, or luck:
    /// two customers in the same situation get different outcomes.
    ///
    /// ## Example
    ///
    /// ```omni
    /// state assessing {
    ///   do decide when claim.amount_eur <= 5000 -> approved
    ///   do decide when claim.amount_eur >= 5000 -> visit       # both hold at exactly 5000
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Make the guards exclusive (`< 5000` and `>= 5000`), or merge the transitions.
    pub static AMBIGUOUS_TRANSITION = {
        code: "D108",
        name: "ambiguous-transition",
        severity: Warning,
        summary: "two transitions of one state with the same trigger whose guards overlap, leading to different states",
    };
}

/// Reports every pair of overlapping transitions with the same trigger.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let explorer = cx.analysis.explorer();
    for (id, state_id) in cx.reached_states() {
        let process = cx.model.process(id);
        let state = process.state(state_id);
        let reach = cx.analysis.reach(id, state_id);
        for (a, first) in state.transitions.iter().enumerate() {
            for second in &state.transitions[a + 1..] {
                let Some(overlap) = overlap(&explorer, &first.node, &second.node) else {
                    continue;
                };
                let both = overlap.meet(reach);
                if both.is_false() {
                    continue;
                }
                let mut d = Diagnostic::new(
                    &AMBIGUOUS_TRANSITION,
                    second.span,
                    format!("this transition and an earlier one of `{}` can both fire, leading to different states", state.name),
                )
                .with_label(first.span, "this one can fire for the same data")
                .with_help("make their guards exclusive, or merge them");
                if let Some(witness) = cx.analysis.witness(id, state_id, &both) {
                    d = d.with_witness(witness);
                }
                out.push(d);
            }
        }
    }
}

/// The data and parameters for which both transitions fire, if they share a trigger and
/// lead to different states.
fn overlap(
    explorer: &crate::analysis::explore::Explorer<'_, '_>,
    first: &Transition,
    second: &Transition,
) -> Option<biodivine_lib_bdd::Bdd> {
    if first.targets() == second.targets() {
        return None;
    }
    match (first, second) {
        (Transition::On { action: a, .. }, Transition::On { action: b, .. })
            if a.node == b.node =>
        {
            let shared: Vec<_> = explorer
                .channels(first)
                .into_iter()
                .filter(|c| explorer.channels(second).contains(c))
                .collect();
            if shared.is_empty() {
                return None;
            }
            Some(
                explorer
                    .enabled_with_params(first)?
                    .meet(&*explorer.enabled_with_params(second)?),
            )
        }
        (Transition::Do { action: a, .. }, Transition::Do { action: b, .. })
            if a.node == b.node =>
        {
            Some(
                explorer
                    .enabled_with_params(first)?
                    .meet(&*explorer.enabled_with_params(second)?),
            )
        }
        (Transition::Await { event: a, .. }, Transition::Await { event: b, .. })
            if a.node == b.node =>
        {
            Some(explorer.enabled(first)?.meet(&*explorer.enabled(second)?))
        }
        _ => None,
    }
}
