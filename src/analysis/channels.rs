//! The channel view: for each process, the product of its states and the channel the
//! customer is currently on.
//!
//! Edges, from (state, channel):
//! - a `handoff` of the state from that channel: to (state, new channel), costing the new
//!   channel's `replies within` (contacting a channel costs its response time);
//! - an `on` transition the current channel can perform, for some reachable data: to
//!   (target, same channel);
//! - `do`, `await`, `after`, `call`, `all` transitions that can fire for some reachable data:
//!   to (target, same channel); a timeout costs its duration, a sub-process its own fastest
//!   success.
//!
//! Entering on an entry channel costs that channel's `replies within`.

use super::explore::Explorer;
use super::hash::HashMap;
use super::semantics::Performer;
use super::{Analysis, cached};
use crate::model::{ActionId, ChannelId, ProcessId, StateId, StateKind, Transition};
use crate::source::Span;
use crate::syntax::ast::FinalKind;
use biodivine_lib_bdd::Bdd;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::rc::Rc;

/// A node of the channel view.
pub type Node = (StateId, ChannelId);

/// An edge of the channel view. Its words are written only for the edges a witness shows
/// ([`ChannelView::describe`]): most edges are only searched.
#[derive(Clone, Debug)]
pub struct Edge {
    /// Where it leaves from.
    pub from: Node,
    /// Where it leads.
    pub to: Node,
    /// Minutes it costs.
    pub minutes: u64,
    /// The index of the transition that takes it, in the state it leaves.
    pub transition: usize,
    /// For `call`/`all`: the `else` edge.
    pub failure: bool,
    /// The transition that takes it.
    pub span: Span,
    /// Whether it is a handoff.
    pub handoff: bool,
}

/// A path through the channel view, with its total time.
#[derive(Clone, Debug)]
pub struct Path {
    /// Where it starts.
    pub start: Node,
    /// The edges taken.
    pub edges: Vec<Edge>,
    /// Total minutes, entry included.
    pub minutes: u64,
}

/// A node's best cost so far in a search for the fastest path, and the node and edge (its
/// index among that node's edges) it came by; none at the start.
type Best = (u64, Option<(Node, usize)>);

/// The edges out of one node of the channel view, shared.
type EdgeList = Rc<[Edge]>;

/// What the channel view remembers between checks (kept in `Analysis`, shared by every
/// check's view).
#[derive(Default)]
pub struct ChannelMemo {
    /// Per `on` transition: whether it can be taken on each channel (by channel index).
    on_fires: super::PerTransition<Rc<[bool]>>,
    /// Per action: each channel's class, the first channel (by index) on which the action
    /// completes in the same data (see [`ChannelView::completion_classes`]).
    classes: RefCell<HashMap<ActionId, Rc<[u32]>>>,
    fastest: RefCell<HashMap<(ProcessId, ChannelId), Option<Path>>>,
    edges: RefCell<HashMap<(ProcessId, Node), EdgeList>>,
}

/// The channel view of one policy.
pub struct ChannelView<'a, 'm> {
    analysis: &'a Analysis<'m>,
    explorer: Explorer<'a, 'm>,
    fastest_callee: std::cell::RefCell<HashMap<ProcessId, Option<u64>>>,
}

impl<'a, 'm> ChannelView<'a, 'm> {
    /// The channel view over an analysis.
    pub fn new(analysis: &'a Analysis<'m>) -> Self {
        ChannelView {
            analysis,
            explorer: analysis.explorer(),
            fastest_callee: std::cell::RefCell::new(HashMap::default()),
        }
    }

    /// The explorer the view asks.
    pub fn explorer(&self) -> &Explorer<'a, 'm> {
        &self.explorer
    }

    /// Whether a customer on `channel` can perform some `on` transition of `state` for some
    /// reachable data.
    pub fn can_act(&self, process: ProcessId, state: StateId, channel: ChannelId) -> bool {
        let transitions = &self
            .analysis
            .model()
            .process(process)
            .state(state)
            .transitions;
        (0..transitions.len()).any(|index| {
            matches!(transitions[index].node, Transition::On { .. })
                && self.explorer.open_to(&transitions[index].node, channel)
                && self.on_fires(process, state, index, channel)
        })
    }

    /// The channels a `handoff` of `state` sends a customer on `channel` to.
    pub fn handoffs(
        &self,
        process: ProcessId,
        state: StateId,
        channel: ChannelId,
    ) -> Vec<(ChannelId, Span)> {
        let model = self.analysis.model();
        model
            .process(process)
            .state(state)
            .transitions
            .iter()
            .filter_map(|t| match &t.node {
                Transition::Handoff { from, to } if from.iter().any(|c| c.node == channel) => {
                    Some((to.node, t.span))
                }
                _ => None,
            })
            .collect()
    }

    fn replies(&self, channel: ChannelId) -> u64 {
        self.analysis
            .model()
            .channel(channel)
            .replies_within
            .as_ref()
            .map_or(0, |d| d.node.minutes())
    }

    /// The edges out of a node.
    pub fn edges(&self, process: ProcessId, node: Node) -> Rc<[Edge]> {
        cached(&self.analysis.channel_memo().edges, (process, node), || {
            self.compute_edges(process, node).into()
        })
    }

    fn compute_edges(&self, process: ProcessId, (state, channel): Node) -> Vec<Edge> {
        let model = self.analysis.model();
        let p = model.process(process);
        let s = p.state(state);
        if s.is_final() || !self.analysis.is_reached(process, state) {
            return Vec::new();
        }
        let mut edges = Vec::new();
        for (index, t) in s.transitions.iter().enumerate() {
            let edge = |to: Node, minutes: u64| Edge {
                from: (state, channel),
                to,
                minutes,
                transition: index,
                failure: false,
                span: t.span,
                handoff: false,
            };
            match &t.node {
                Transition::Handoff { from, to } => {
                    if from.iter().any(|c| c.node == channel) {
                        edges.push(Edge {
                            handoff: true,
                            ..edge((state, to.node), self.replies(to.node))
                        });
                    }
                }
                Transition::On { target, .. } => {
                    if self.explorer.open_to(&t.node, channel)
                        && self.on_fires(process, state, index, channel)
                    {
                        edges.push(edge((target.node, channel), 0));
                    }
                }
                Transition::Call {
                    target, otherwise, ..
                }
                | Transition::All {
                    target, otherwise, ..
                } => {
                    let callees = t.node.callees();
                    let time = callees
                        .iter()
                        .filter_map(|c| self.fastest_success_of(*c))
                        .max()
                        .unwrap_or(0);
                    let (can_succeed, can_fail) =
                        self.analysis
                            .call_outcomes(&self.explorer, process, state, index);
                    if can_succeed {
                        edges.push(edge((target.node, channel), time));
                    }
                    if let Some(otherwise) = otherwise.as_ref().filter(|_| can_fail) {
                        edges.push(Edge {
                            failure: true,
                            ..edge((otherwise.node, channel), 0)
                        });
                    }
                }
                other => {
                    if !self
                        .analysis
                        .can_fire(&self.explorer, process, state, index)
                    {
                        continue;
                    }
                    let (minutes, target) = match other {
                        Transition::After { duration, target } => {
                            (duration.node.minutes(), target.node)
                        }
                        Transition::Do { target, .. } | Transition::Await { target, .. } => {
                            (0, target.node)
                        }
                        _ => continue,
                    };
                    edges.push(edge((target, channel), minutes));
                }
            }
        }
        edges
    }

    /// An edge of `process` in words, as a witness shows it.
    pub fn describe(&self, process: ProcessId, edge: &Edge) -> String {
        let model = self.analysis.model();
        let p = model.process(process);
        let target = || format!("`{}`", p.state(edge.to.0).name);
        match &p.state(edge.from.0).transitions[edge.transition].node {
            Transition::Handoff { .. } => format!(
                "`{}` hands off to `{}`",
                model.channel(edge.from.1).name,
                model.channel(edge.to.1).name
            ),
            Transition::On { action, .. } => format!(
                "`{}` via `{}` -> {}",
                model.action(action.node).name,
                model.channel(edge.from.1).name,
                target()
            ),
            t @ (Transition::Call { .. } | Transition::All { .. }) => {
                let outcome = match (t.callees().as_slice(), edge.failure) {
                    ([one], false) => format!("`{}` succeeds", model.process(*one).name),
                    ([one], true) => format!("`{}` fails", model.process(*one).name),
                    (_, false) => "the parallel processes succeed".to_owned(),
                    (_, true) => "one of the parallel processes fails".to_owned(),
                };
                format!("{outcome} -> {}", target())
            }
            Transition::After { duration, .. } => {
                format!("after {} -> {}", duration.node, target())
            }
            Transition::Do { action, .. } => format!(
                "the system does `{}` -> {}",
                model.action(action.node).name,
                target()
            ),
            Transition::Await { event, .. } => {
                format!("`{}` arrives -> {}", model.event(event.node).name, target())
            }
        }
    }

    /// Whether the `index`-th transition (an `on`) can be taken on `channel` for some data
    /// reaching `state`.
    fn on_fires(
        &self,
        process: ProcessId,
        state: StateId,
        index: usize,
        channel: ChannelId,
    ) -> bool {
        let per_channel = cached(
            &self.analysis.channel_memo().on_fires,
            (process, state, index),
            || self.compute_on_fires(process, state, index),
        );
        per_channel.get(channel.index()).copied().unwrap_or(false)
    }

    /// For every channel the transition is open to: whether its guard and the data in which
    /// the action completes there meet the data reaching its state.
    fn compute_on_fires(&self, process: ProcessId, state: StateId, index: usize) -> Rc<[bool]> {
        let sem = &self.analysis.sem;
        let model = self.analysis.model();
        let t = &model.process(process).state(state).transitions[index].node;
        let Transition::On { action, when, .. } = t else {
            return vec![false; model.channels.len()].into();
        };
        let classes = self.completion_classes(action.node);
        // Each channel open to the transition, with its class.
        let open: Vec<(ChannelId, u32)> = (0..model.channels.len())
            .map(|c| ChannelId(c as u32))
            .filter(|c| self.explorer.open_to(t, *c))
            .map(|c| (c, classes[c.index()]))
            .collect();
        let mut fires = vec![false; model.channels.len()];
        // Where the action completes in the same data on every channel open to it (no forbid
        // tells them apart, the usual case), it fires on each where it fires at all, which
        // the exploration has recorded.
        if open.windows(2).all(|pair| pair[0].1 == pair[1].1) {
            if self
                .analysis
                .can_fire(&self.explorer, process, state, index)
            {
                for (channel, _) in &open {
                    fires[channel.index()] = true;
                }
            }
            return fires.into();
        }
        let reach = self.analysis.reach(process, state);
        // The guard met with each channel's `completes` (small BDDs, shared by the steps with
        // the same action and guard), then asked against the reached data (a large one)
        // without building the meeting; channels of one class share the answer.
        let when = when.as_ref().map(|w| &w.node);
        let mut answered: Vec<(u32, bool)> = Vec::new();
        for (channel, class) in &open {
            let known = answered.iter().find(|(c, _)| c == class).map(|(_, f)| *f);
            fires[channel.index()] = known.unwrap_or_else(|| {
                let enabled =
                    sem.step_enabled(action.node, vec![Performer::Channel(*channel)], when);
                let answer = super::domain::intersects(reach, &enabled);
                answered.push((*class, answer));
                answer
            });
        }
        fires.into()
    }

    /// For each channel (by index), the first channel on which `action` completes in the
    /// same data (`==`, node for node): channels of one class tell no step apart. Worked
    /// out once per action; every `on` transition asked it of each open channel, copying
    /// and comparing the completion sets each time.
    fn completion_classes(&self, action: ActionId) -> Rc<[u32]> {
        cached(&self.analysis.channel_memo().classes, action, || {
            let sem = &self.analysis.sem;
            let completes: Vec<Bdd> = (0..self.analysis.model().channels.len())
                .map(|c| sem.completes(action, Performer::Channel(ChannelId(c as u32)), 0))
                .collect();
            (0..completes.len())
                .map(|c| {
                    let first = completes.iter().position(|other| *other == completes[c]);
                    first.unwrap_or(c) as u32
                })
                .collect()
        })
    }

    /// The fastest path from `start` entered on `entry` to a success `final`, if any.
    pub fn fastest_success(&self, process: ProcessId, entry: ChannelId) -> Option<Path> {
        cached(
            &self.analysis.channel_memo().fastest,
            (process, entry),
            || self.compute_fastest_success(process, entry),
        )
    }

    fn compute_fastest_success(&self, process: ProcessId, entry: ChannelId) -> Option<Path> {
        let model = self.analysis.model();
        let p = model.process(process);
        let channels = model.channels.len();
        let slot = |(state, channel): Node| state.index() * channels + channel.index();
        let start = (p.start.node, entry);
        let mut best: Vec<Option<Best>> = vec![None; p.states.len() * channels];
        let mut queue = BinaryHeap::new();
        best[slot(start)] = Some((self.replies(entry), None));
        queue.push(Reverse((self.replies(entry), start)));
        while let Some(Reverse((cost, node))) = queue.pop() {
            if best[slot(node)].is_some_and(|(c, _)| c < cost) {
                continue;
            }
            if p.state(node.0).kind == StateKind::Final(FinalKind::Success) {
                let mut edges = Vec::new();
                let mut at = node;
                while let Some((_, Some((previous, index)))) = best[slot(at)] {
                    edges.push(self.edges(process, previous)[index].clone());
                    at = previous;
                }
                edges.reverse();
                return Some(Path {
                    start,
                    edges,
                    minutes: cost,
                });
            }
            for (index, edge) in self.edges(process, node).iter().enumerate() {
                let next = cost.saturating_add(edge.minutes);
                let known = &mut best[slot(edge.to)];
                if known.is_none_or(|(c, _)| next < c) {
                    *known = Some((next, Some((node, index))));
                    queue.push(Reverse((next, edge.to)));
                }
            }
        }
        None
    }

    /// The fastest success of a sub-process (timeouts only: it runs with no channel).
    fn fastest_success_of(&self, process: ProcessId) -> Option<u64> {
        if let Some(known) = self.fastest_callee.borrow().get(&process) {
            return *known;
        }
        self.fastest_callee.borrow_mut().insert(process, None);
        let model = self.analysis.model();
        // Any channel will do: a sub-process's own `on` steps are performed where it runs;
        // use the first channel that can make progress, or none.
        let result = (0..model.channels.len())
            .map(|c| ChannelId(c as u32))
            .filter_map(|c| {
                self.fastest_success(process, c)
                    .map(|p| p.minutes - self.replies(c))
            })
            .min();
        self.fastest_callee.borrow_mut().insert(process, result);
        result
    }
}
