//! C206: a handoff to a channel that can do nothing in that state.

use super::{Context, declare_check};
use crate::analysis::channels::ChannelView;
use crate::diagnostic::Diagnostic;
use crate::model::Transition;

declare_check! {
    /// ## What it finds
    ///
    /// A `handoff` to a channel that cannot perform any transition of that state (for any
    /// reachable data) and hands the customer off nowhere from there.
    ///
    /// ## Why it hurts customers
    ///
    /// "You need to call the technicians' line." The technicians' line cannot book the
    /// visit either, and sends the customer nowhere: the handoff is a dead end.
    ///
    /// ## Example
    ///
    /// ```omni
    /// channel scheduling { replies within 1d }          # can do nothing
    /// state reported { handoff installation -> scheduling }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Hand off to a channel that can take a step of this state, or give the target channel
    /// that capability.
    pub static HANDOFF_DEAD_END = {
        code: "C206",
        name: "handoff-dead-end",
        severity: Error,
        summary: "a handoff to a channel that cannot perform any transition of that state (and hands off nowhere)",
    };
}

/// Reports every handoff whose target channel can do nothing there.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let view = ChannelView::new(cx.analysis);
    for (id, state_id) in cx.reached_states() {
        let process = cx.model.process(id);
        let state = process.state(state_id);
        for t in &state.transitions {
            let Transition::Handoff { to, .. } = &t.node else {
                continue;
            };
            if view.can_act(id, state_id, to.node)
                || !view.handoffs(id, state_id, to.node).is_empty()
            {
                continue;
            }
            let name = &cx.model.channel(to.node).name;
            out.push(
                Diagnostic::new(
                    &HANDOFF_DEAD_END,
                    to.span,
                    format!("customers handed off to `{name}` in `{}` can do nothing there", state.name),
                )
                .with_note(format!("`{name}` can perform no step of `{}` and hands off nowhere", state.name))
                .with_help("hand off to a channel that can take a step here, or give this one the capability"),
            );
        }
    }
}
