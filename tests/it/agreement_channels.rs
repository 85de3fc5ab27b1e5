//! The C verdicts of the reference: its own channel view (states x the customer's channel),
//! with Bellman-Ford relaxation for C205 where the analysis uses Dijkstra.

use super::reference::Reference;
use omnilint::model::{
    ChannelId, Model, ProcessId, RuleKind, StateId, StateKind, Transition, TriggerSource,
};
use omnilint::syntax::ast::FinalKind;
use std::collections::{BTreeMap, BTreeSet};

type Node = (StateId, ChannelId);

fn replies(model: &Model, c: ChannelId) -> u64 {
    model
        .channel(c)
        .replies_within
        .as_ref()
        .map_or(0, |d| d.node.minutes())
}

/// Edges out of (state, channel): (next node, minutes).
fn edges(
    model: &Model,
    r: &mut Reference<'_>,
    p: ProcessId,
    (s, c): Node,
    fastest: &mut BTreeMap<ProcessId, Option<u64>>,
) -> Vec<(Node, u64)> {
    let state = model.process(p).state(s);
    let reach = r.reached(p, s);
    if state.is_final() || reach.is_empty() {
        return vec![];
    }
    let mut out = Vec::new();
    for t in &state.transitions {
        match &t.node {
            Transition::Handoff { from, to } => {
                if from.iter().any(|f| f.node == c) {
                    out.push(((s, to.node), replies(model, to.node)));
                }
            }
            Transition::On {
                action,
                when,
                target,
                ..
            } => {
                if !r.channels(&t.node).contains(&c) {
                    continue;
                }
                let params = r.params_of(action.node);
                let fires = reach.iter().any(|v| {
                    params.iter().any(|pv| {
                        let scope = vec![(action.node, pv.clone())];
                        when.as_ref().is_none_or(|w| r.eval(w, v, &scope))
                            && r.fire(v, action.node, Some(c), pv, 0).is_some()
                    })
                });
                if fires {
                    out.push(((target.node, c), 0));
                }
            }
            Transition::Call { .. } | Transition::All { .. } => {
                let (callees, target, otherwise): (Vec<ProcessId>, StateId, Option<StateId>) =
                    match &t.node {
                        Transition::Call {
                            process,
                            target,
                            otherwise,
                        } => (
                            vec![process.node],
                            target.node,
                            otherwise.as_ref().map(|o| o.node),
                        ),
                        Transition::All {
                            processes,
                            target,
                            otherwise,
                        } => (
                            processes.iter().map(|p| p.node).collect(),
                            target.node,
                            otherwise.as_ref().map(|o| o.node),
                        ),
                        _ => continue,
                    };
                if reach.iter().any(|v| r.can_succeed(&callees, v)) {
                    let time = callees
                        .iter()
                        .filter_map(|q| fastest_of(model, r, *q, fastest))
                        .max()
                        .unwrap_or(0);
                    out.push(((target, c), time));
                }
                if let Some(o) = otherwise {
                    if reach.iter().any(|v| r.can_fail(&callees, v)) {
                        out.push(((o, c), 0));
                    }
                }
            }
            other => {
                if reach.iter().any(|v| r.fires(other, v)) {
                    let minutes = match other {
                        Transition::After { duration, .. } => duration.node.minutes(),
                        _ => 0,
                    };
                    for target in other.targets() {
                        out.push(((target, c), minutes));
                    }
                }
            }
        }
    }
    out
}

/// Shortest distances from `start` by relaxing every edge until nothing changes.
fn distances(
    model: &Model,
    r: &mut Reference<'_>,
    p: ProcessId,
    start: Node,
    entry: u64,
    fastest: &mut BTreeMap<ProcessId, Option<u64>>,
) -> BTreeMap<Node, u64> {
    let mut dist: BTreeMap<Node, u64> = BTreeMap::from([(start, entry)]);
    loop {
        let mut changed = false;
        let nodes: Vec<(Node, u64)> = dist.iter().map(|(n, d)| (*n, *d)).collect();
        for (node, d) in nodes {
            for (next, w) in edges(model, r, p, node, fastest) {
                let candidate = d + w;
                if dist.get(&next).is_none_or(|old| candidate < *old) {
                    dist.insert(next, candidate);
                    changed = true;
                }
            }
        }
        if !changed {
            return dist;
        }
    }
}

fn best_success(model: &Model, dist: &BTreeMap<Node, u64>, p: ProcessId) -> Option<u64> {
    dist.iter()
        .filter(|((s, _), _)| {
            model.process(p).state(*s).kind == StateKind::Final(FinalKind::Success)
        })
        .map(|(_, d)| *d)
        .min()
}

fn fastest_of(
    model: &Model,
    r: &mut Reference<'_>,
    p: ProcessId,
    memo: &mut BTreeMap<ProcessId, Option<u64>>,
) -> Option<u64> {
    if let Some(known) = memo.get(&p) {
        return *known;
    }
    memo.insert(p, None);
    let start = model.process(p).start.node;
    let result = (0..model.channels.len())
        .filter_map(|c| {
            let dist = distances(model, r, p, (start, ChannelId(c as u32)), 0, memo);
            best_success(model, &dist, p)
        })
        .min();
    memo.insert(p, result);
    result
}

/// The C verdicts, as (code, byte offset of the span the check reports at); C207 at the
/// state whose handoffs loop.
pub fn verdicts(model: &Model, r: &mut Reference<'_>) -> BTreeSet<(String, u32)> {
    let mut out = BTreeSet::new();
    let mut fastest = BTreeMap::new();
    let mut used = BTreeSet::new();
    for process in &model.processes {
        for state in &process.states {
            for t in &state.transitions {
                match &t.node {
                    Transition::On {
                        action,
                        via: Some(via),
                        ..
                    } => {
                        used.insert(action.node);
                        for c in via {
                            if !model.can_perform(c.node, action.node) {
                                out.insert(("C201".into(), c.span.start));
                            }
                        }
                    }
                    Transition::On { action, .. } | Transition::Do { action, .. } => {
                        used.insert(action.node);
                    }
                    Transition::Handoff { from, to } => {
                        let first = from
                            .iter()
                            .chain(std::iter::once(to))
                            .find(|c| !model.channel(c.node).records_case);
                        if let Some(c) = first {
                            out.insert(("C204".into(), c.span.start));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    for rule in &model.rules {
        if let RuleKind::Trigger { on, then, .. } = &rule.kind.node {
            if let TriggerSource::Action(a) = on.node {
                used.insert(a);
            }
            used.insert(then.node);
        }
    }
    for channel in &model.channels {
        for a in &channel.can {
            if !used.contains(&a.node) {
                out.insert(("C208".into(), a.span.start));
            }
        }
    }
    for (i, process) in model.processes.iter().enumerate() {
        let p = ProcessId(i as u32);
        let start = process.start.node;
        if r.reached(p, start).is_empty() {
            continue;
        }
        let mut succeeds = Vec::new();
        for entry in &process.entry {
            let c = entry.node;
            let stranded =
                !r.can_act(p, start, c) && edges(model, r, p, (start, c), &mut fastest).is_empty();
            if stranded {
                out.insert(("C202".into(), entry.span.start));
            }
            let dist = distances(model, r, p, (start, c), replies(model, c), &mut fastest);
            let best = best_success(model, &dist, p);
            succeeds.push((entry, stranded, best));
            if let (Some(best), Some(sla)) = (best, &process.sla) {
                if best > sla.node.minutes() {
                    out.insert(("C205".into(), entry.span.start));
                }
            }
        }
        if succeeds.iter().any(|(_, _, b)| b.is_some()) {
            for (entry, stranded, best) in &succeeds {
                if best.is_none() && !stranded {
                    out.insert(("C203".into(), entry.span.start));
                }
            }
        }
        for (si, state) in process.states.iter().enumerate() {
            let s = StateId(si as u32);
            if r.reached(p, s).is_empty() {
                continue;
            }
            let mut loop_edges: Vec<(ChannelId, ChannelId)> = Vec::new();
            for t in &state.transitions {
                let Transition::Handoff { from, to } = &t.node else {
                    continue;
                };
                let hands_on = state.transitions.iter().any(|u| match &u.node {
                    Transition::Handoff { from, .. } => from.iter().any(|f| f.node == to.node),
                    _ => false,
                });
                if !r.can_act(p, s, to.node) && !hands_on {
                    out.insert(("C206".into(), to.span.start));
                }
                for f in from {
                    if !r.can_act(p, s, f.node) && !r.can_act(p, s, to.node) {
                        loop_edges.push((f.node, to.node));
                    }
                }
            }
            // A cycle exists among non-acting channels when some channel reaches itself.
            let has_cycle = loop_edges.iter().any(|(start, _)| {
                let mut seen = BTreeSet::new();
                let mut stack = vec![*start];
                while let Some(c) = stack.pop() {
                    for (f, t) in &loop_edges {
                        if *f == c {
                            if t == start {
                                return true;
                            }
                            if seen.insert(*t) {
                                stack.push(*t);
                            }
                        }
                    }
                }
                false
            });
            if has_cycle {
                out.insert(("C207".into(), state.name.span.start));
            }
        }
    }
    out
}
