//! D103 as the reference sees it: from a process's own start, explicit breadth-first search
//! over (state, valuation); the data that can reach neither a final nor a point where nothing
//! can happen go round forever; the first such state (by distance from the start, then by
//! state) is reported.

use super::reference::{Reference, Valuation, product};
use omnilint::model::{Model, ProcessId, StateId};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

type Node = (StateId, Valuation);

fn has_cycle(model: &Model, p: ProcessId) -> bool {
    let process = model.process(p);
    let n = process.states.len();
    let next = |s: usize| -> Vec<usize> {
        process.states[s]
            .transitions
            .iter()
            .flat_map(|t| t.node.targets())
            .map(|t| t.0 as usize)
            .collect()
    };
    (0..n).any(|start| {
        let mut seen = BTreeSet::new();
        let mut stack = next(start);
        while let Some(s) = stack.pop() {
            if s == start {
                return true;
            }
            if seen.insert(s) {
                stack.extend(next(s));
            }
        }
        false
    })
}

/// The (code, offset) D103 verdicts.
pub fn verdicts(model: &Model, r: &mut Reference<'_>) -> BTreeSet<(String, u32)> {
    let mut out = BTreeSet::new();
    let called = model.called();
    let types: Vec<_> = model.fields.iter().map(|f| f.ty.node).collect();
    let all = product(model, &types);
    for (i, process) in model.processes.iter().enumerate() {
        let p = ProcessId(i as u32);
        if (process.entry.is_empty() && called.contains(&p)) || !has_cycle(model, p) {
            continue;
        }
        // Breadth-first distances and the edges between nodes.
        let mut distance: BTreeMap<Node, usize> = BTreeMap::new();
        let mut edges: BTreeMap<Node, Vec<Node>> = BTreeMap::new();
        let mut queue: VecDeque<Node> = VecDeque::new();
        for v in all
            .iter()
            .filter(|v| r.invariants(v) && r.process_requires(p, v))
        {
            let node = (process.start.node, v.clone());
            distance.insert(node.clone(), 0);
            queue.push_back(node);
        }
        while let Some(node) = queue.pop_front() {
            let (s, v) = node.clone();
            let state = process.state(s);
            if state.is_final() {
                continue;
            }
            let mut next: Vec<Node> = Vec::new();
            for t in &state.transitions {
                next.extend(r.step(&t.node, &v));
            }
            for event in r.available.clone() {
                if !model.index.triggers_by_event[event.index()].is_empty() {
                    next.extend(r.event_post(&v, event, 0).into_iter().map(|w| (s, w)));
                }
            }
            let d = distance[&node];
            for n in &next {
                if !distance.contains_key(n) {
                    distance.insert(n.clone(), d + 1);
                    queue.push_back(n.clone());
                }
            }
            edges.insert(node, next);
        }
        // Goal: a final, or a point where no transition of the process can fire.
        let mut good: BTreeSet<Node> = BTreeSet::new();
        for node in distance.keys() {
            let state = process.state(node.0);
            let stuck =
                !state.is_final() && !state.transitions.iter().any(|t| r.fires(&t.node, &node.1));
            if state.is_final() || stuck {
                good.insert(node.clone());
            }
        }
        loop {
            let before = good.len();
            for (node, next) in &edges {
                if !good.contains(node) && next.iter().any(|n| good.contains(n)) {
                    good.insert(node.clone());
                }
            }
            if good.len() == before {
                break;
            }
        }
        let first = distance
            .iter()
            .filter(|(node, _)| !good.contains(*node))
            .map(|(node, d)| (*d, node.0))
            .min();
        if let Some((_, s)) = first {
            out.insert(("D103".into(), process.state(s).name.span.start));
        }
    }
    out
}
