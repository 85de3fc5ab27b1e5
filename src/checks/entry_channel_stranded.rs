//! C202: an entry channel on which the customer can do nothing in the start state.

use super::{Context, declare_check};
use crate::analysis::channels::ChannelView;
use crate::diagnostic::Diagnostic;
use crate::model::ProcessId;

declare_check! {
    /// ## What it finds
    ///
    /// A channel listed in a process's `entry` on which, in the start state, the customer can
    /// do nothing: no `on` transition there can be performed on that channel (for any
    /// allowed data), no `handoff` sends the customer on from it, and nothing happens by
    /// itself either (no system step, awaited event, timeout or sub-process that can fire).
    ///
    /// ## Why it hurts customers
    ///
    /// "We're on it, but we can't do more from here." The Twitter team answers, acknowledges,
    /// and the request goes nowhere, because nothing connects that channel to the process.
    ///
    /// ## Example
    ///
    /// ```omni
    /// channel twitter { can acknowledge }
    /// process line_move {
    ///   entry phone, twitter
    ///   start requested
    ///   state requested { on request_line_move via phone -> moving }   # nothing for twitter
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Let the channel take the first step (`can request_line_move`), or add a `handoff
    /// twitter -> phone` in the start state; or remove it from `entry`.
    pub static ENTRY_CHANNEL_STRANDED = {
        code: "C202",
        name: "entry-channel-stranded",
        severity: Error,
        summary: "an `entry` channel on which a customer can do nothing in the start state",
    };
}

/// Whether nothing can happen for a customer entering on `channel`: no step they can take
/// there, no handoff, and no step the system takes by itself.
pub fn is_stranded(
    view: &ChannelView<'_, '_>,
    process: ProcessId,
    start: crate::model::StateId,
    channel: crate::model::ChannelId,
) -> bool {
    !view.can_act(process, start, channel) && view.edges(process, (start, channel)).is_empty()
}

/// Reports every stranded entry channel.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let view = ChannelView::new(cx.analysis);
    for (id, process) in cx.processes() {
        let start = process.start.node;
        if !cx.analysis.is_reached(id, start) {
            continue;
        }
        for entry in &process.entry {
            if !is_stranded(&view, id, start, entry.node) {
                continue;
            }
            let name = &cx.model.channel(entry.node).name;
            out.push(
                Diagnostic::new(
                    &ENTRY_CHANNEL_STRANDED,
                    entry.span,
                    format!("customers who start `{}` on `{name}` can do nothing there", process.name),
                )
                .with_label(
                    process.state(start).name.span,
                    format!("no step of the start state can be taken on `{name}`, and none hands off from it"),
                )
                .with_help(format!("let `{name}` take the first step, add a `handoff {name} -> ...` in the start state, or remove it from `entry`")),
            );
        }
    }
}
