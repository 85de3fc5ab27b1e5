//! C203: an entry channel from which no success can be reached, even through handoffs.

use super::entry_channel_stranded::is_stranded;
use super::{Context, declare_check};
use crate::analysis::channels::ChannelView;
use crate::diagnostic::{Diagnostic, Step, StepKind, Witness};
use crate::model::ProcessId;

declare_check! {
    /// ## What it finds
    ///
    /// A channel listed in a process's `entry` from which, following the steps its channels
    /// can take and the handoffs between them, no success `final` is reachable, while from
    /// another entry channel one is. The witness is the path of channels the customer is sent
    /// along. (An entry channel on which nothing at all can be done is C202; a process that
    /// cannot succeed from anywhere is D104.)
    ///
    /// ## Why it hurts customers
    ///
    /// The customer who happened to start on the wrong channel is passed along and never
    /// reaches anyone who can finish the job, while customers who called the right number are
    /// served.
    ///
    /// ## Example
    ///
    /// ```omni
    /// process fault_repair {
    ///   entry customer_care, installation
    ///   start reported
    ///   state reported {
    ///     handoff customer_care -> sales          # sales can do nothing either
    ///     on repair_fault via installation -> repaired
    ///   }
    ///   final repaired
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Add a handoff from the channel (or from where it leads) to a channel that can finish,
    /// or give it the capability itself.
    pub static ENTRY_CHANNEL_CANNOT_COMPLETE = {
        code: "C203",
        name: "entry-channel-cannot-complete",
        severity: Error,
        summary: "an `entry` channel from which, even following handoffs, no success `final` is reachable",
    };
}

/// Reports every entry channel that cannot complete a process others can.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let view = ChannelView::new(cx.analysis);
    for (id, process) in cx.processes() {
        let start = process.start.node;
        if !cx.analysis.is_reached(id, start) {
            continue;
        }
        let outcomes: Vec<_> = process
            .entry
            .iter()
            .map(|e| (e, view.fastest_success(id, e.node).is_some()))
            .collect();
        if !outcomes.iter().any(|(_, ok)| *ok) {
            continue; // no entry succeeds: the process cannot succeed at all (D104)
        }
        for (entry, ok) in outcomes {
            if ok || is_stranded(&view, id, start, entry.node) {
                continue;
            }
            let name = &cx.model.channel(entry.node).name;
            let path = channel_path(&view, cx, id, entry.node);
            out.push(
                Diagnostic::new(
                    &ENTRY_CHANNEL_CANNOT_COMPLETE,
                    entry.span,
                    format!("customers who start `{}` on `{name}` can never get it done", process.name),
                )
                .with_note("wherever the channels they are sent to take them, no success `final` is reachable")
                .with_help("add a handoff to a channel that can finish, or give the channel the capability")
                .with_witness(path),
            );
        }
    }
}

/// The channels a customer starting on `entry` can be sent to, in breadth-first order.
fn channel_path(
    view: &ChannelView<'_, '_>,
    cx: &Context<'_, '_>,
    process: ProcessId,
    entry: crate::model::ChannelId,
) -> Witness {
    let p = cx.model.process(process);
    let mut path = vec![Step {
        kind: StepKind::Start,
        text: format!("start `{}` on `{}`", p.name, cx.model.channel(entry).name),
        span: Some(p.start.span),
    }];
    let mut seen = vec![(p.start.node, entry)];
    let mut queue = std::collections::VecDeque::from([(p.start.node, entry)]);
    while let Some(node) = queue.pop_front() {
        for edge in view.edges(process, node).iter() {
            if seen.contains(&edge.to) {
                continue;
            }
            seen.push(edge.to);
            queue.push_back(edge.to);
            path.push(Step {
                kind: if edge.handoff {
                    StepKind::Handoff
                } else {
                    StepKind::Perform
                },
                text: view.describe(process, edge),
                span: Some(edge.span),
            });
        }
    }
    Witness {
        path,
        values: Vec::new(),
    }
}
