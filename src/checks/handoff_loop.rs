//! C207: handoffs that send the customer round in a circle of channels none of which can act.

use super::{Context, declare_check};
use crate::analysis::channels::ChannelView;
use crate::diagnostic::{Diagnostic, Step, StepKind, Witness};
use crate::model::{ChannelId, Transition};
use crate::source::Span;

declare_check! {
    /// ## What it finds
    ///
    /// Handoffs in one state that send the customer round a circle of channels, none of which
    /// can take a step of that state: each one says "that's the other team's business". The
    /// witness is the circle.
    ///
    /// ## Why it hurts customers
    ///
    /// Customer care sends the customer to maintenance, maintenance to sales, sales back to
    /// customer care. Every call is answered; nothing is ever done.
    ///
    /// ## Example
    ///
    /// ```omni
    /// state reported {
    ///   handoff customer_care -> maintenance
    ///   handoff maintenance -> sales
    ///   handoff sales -> customer_care
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Give one channel of the circle the capability to act, or hand off out of the circle
    /// to a channel that can.
    pub static HANDOFF_LOOP = {
        code: "C207",
        name: "handoff-loop",
        severity: Error,
        summary: "handoffs that send the customer round in a circle of channels none of which can act",
    };
}

/// Reports every circle of handoffs among channels that cannot act, once.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let view = ChannelView::new(cx.analysis);
    for (id, state_id) in cx.reached_states() {
        let process = cx.model.process(id);
        let state = process.state(state_id);
        // Handoff edges among channels that cannot act here.
        let mut edges: Vec<(ChannelId, ChannelId, Span)> = Vec::new();
        for t in &state.transitions {
            let Transition::Handoff { from, to } = &t.node else {
                continue;
            };
            for f in from {
                if !view.can_act(id, state_id, f.node) && !view.can_act(id, state_id, to.node) {
                    edges.push((f.node, to.node, t.span));
                }
            }
        }
        let mut reported: Vec<ChannelId> = Vec::new();
        let mut starts: Vec<ChannelId> = edges.iter().map(|e| e.0).collect();
        starts.sort();
        starts.dedup();
        for start in starts {
            if reported.contains(&start) {
                continue;
            }
            let Some(cycle) = shortest_cycle(&edges, start) else {
                continue;
            };
            reported.extend(cycle.iter().map(|(c, _)| *c));
            let names: Vec<String> = cycle
                .iter()
                .map(|(c, _)| format!("`{}`", cx.model.channel(*c).name))
                .collect();
            let mut steps = Vec::new();
            for (k, (c, span)) in cycle.iter().enumerate() {
                let next = cycle[(k + 1) % cycle.len()].0;
                steps.push(Step {
                    kind: StepKind::Handoff,
                    text: format!(
                        "`{}` hands off to `{}`",
                        cx.model.channel(*c).name,
                        cx.model.channel(next).name
                    ),
                    span: Some(*span),
                });
            }
            out.push(
                Diagnostic::new(
                    &HANDOFF_LOOP,
                    cycle[0].1,
                    format!(
                        "in `{}`, customers are sent round {} -> {}, and none of them can act",
                        state.name,
                        names.join(" -> "),
                        names[0]
                    ),
                )
                .with_help(
                    "give one of these channels the capability to act, or hand off to one that can",
                )
                .with_witness(Witness {
                    path: steps,
                    values: Vec::new(),
                }),
            );
        }
    }
}

/// The shortest circle of handoffs through `start`: each channel with the handoff leaving it.
fn shortest_cycle(
    edges: &[(ChannelId, ChannelId, Span)],
    start: ChannelId,
) -> Option<Vec<(ChannelId, Span)>> {
    let mut parent: std::collections::HashMap<ChannelId, (ChannelId, Span)> =
        std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for (from, to, span) in edges.iter().filter(|e| e.0 == at) {
            if *to == start {
                let mut cycle = vec![(*from, *span)];
                let mut c = *from;
                while c != start {
                    let (p, s) = parent.get(&c)?;
                    cycle.push((*p, *s));
                    c = *p;
                }
                cycle.reverse();
                return Some(cycle);
            }
            if *to != start && !parent.contains_key(to) {
                parent.insert(*to, (*from, *span));
                queue.push_back(*to);
            }
        }
    }
    None
}
