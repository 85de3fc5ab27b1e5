//! D103: reachable states from which no `final` can be reached.

use super::{Context, declare_check};
use crate::analysis::domain::Sets;
use crate::diagnostic::Diagnostic;
use crate::model::StateId;

declare_check! {
    /// ## What it finds
    ///
    /// A trap: a reachable state from which, for some reachable data, no `final` (success or
    /// failure) can be reached any more, while the customer keeps moving: an endless loop, or
    /// a region of states that only lead to each other. The first such state on a shortest
    /// path is reported once per process, with the path into it. (Where the customer ends up
    /// unable to move at all, the dead end or stuck customers are reported instead, D102 and
    /// D107.)
    ///
    /// ## Why it hurts customers
    ///
    /// The customer is passed from step to step, each one "in progress", and the case never
    /// closes: not with the service, not even with a clear "no".
    ///
    /// ## Example
    ///
    /// ```omni
    /// state review { do ask_documents -> waiting }
    /// state waiting { on upload_documents -> review }   # review and waiting, forever
    /// ```
    ///
    /// ## How to fix
    ///
    /// Give the loop an exit: a decision that leads to a `final`, or a timeout to an
    /// escalation that does.
    pub static NO_WAY_OUT = {
        code: "D103",
        name: "no-way-out",
        severity: Error,
        summary: "reachable states from which no `final` is reachable",
    };
}

/// Reports the first trap state of every process started on its own, with the path into it.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.analysis.cut_short {
        return;
    }
    let explorer = cx.analysis.explorer();
    for (id, process) in cx.processes() {
        // Moving forever without finishing needs a cycle of states: skip acyclic processes.
        if !has_cycle(process) {
            continue;
        }
        let mut found: Option<(usize, StateId, biodivine_lib_bdd::Bdd)> = None;
        // Only where the process runs on its own (customers start it, or no one calls it):
        // a trap inside a sub-process shows in its caller as a call that never completes
        // (a dead end or stuck customers there).
        if !cx.analysis.is_root(id) {
            continue;
        }
        let own_start = crate::analysis::own_start(&cx.analysis.sem, id);
        for context in cx.analysis.facts[id.index()]
            .contexts
            .iter()
            .filter(|c| *c.init == own_start)
        {
            // Data that can reach a final, or a point where nothing can happen (reported as a
            // dead end or stuck customers): what remains can only go round forever.
            let goal = |tuple: &Vec<StateId>| {
                let state = tuple[0];
                if process.state(state).is_final() {
                    return Some(cx.analysis.sem.dom.vars().mk_true());
                }
                Some(cx.analysis.movable(&explorer, id, state).not())
            };
            let back = explorer.backward(context, &goal);
            for (layer_index, layer) in explorer.layers(context).iter().enumerate() {
                for (tuple, data) in layer {
                    let state = tuple[0];
                    if process.state(state).is_final() {
                        continue;
                    }
                    let can_finish = back
                        .get(tuple)
                        .cloned()
                        .unwrap_or_else(|| cx.analysis.sem.dom.vars().mk_false());
                    let bad = data.minus(&can_finish);
                    if bad.is_false() {
                        continue;
                    }
                    if found
                        .as_ref()
                        .is_none_or(|(l, s, _)| (layer_index, state) < (*l, *s))
                    {
                        found = Some((layer_index, state, bad));
                    }
                }
            }
        }
        let Some((_, state_id, bad)) = found else {
            continue;
        };
        let state = process.state(state_id);
        let mut d = Diagnostic::new(
            &NO_WAY_OUT,
            state.name.span,
            format!("customers who reach `{}` can never finish `{}`", state.name, process.name),
        )
        .with_note("every path from here goes round forever: none leads to a `final`")
        .with_help("give the loop an exit: a step to a `final`, or a timeout to an escalation that leads to one");
        if let Some(witness) = cx.analysis.witness(id, state_id, &bad) {
            d = d.with_witness(witness);
        }
        out.push(d);
    }
}

/// Whether some state can lead back to itself through the process's transitions.
fn has_cycle(process: &crate::model::Process) -> bool {
    use petgraph::graph::DiGraph;
    let mut graph: DiGraph<(), ()> = DiGraph::new();
    let nodes: Vec<_> = process.states.iter().map(|_| graph.add_node(())).collect();
    for (i, state) in process.states.iter().enumerate() {
        for t in &state.transitions {
            for target in t.node.targets() {
                graph.add_edge(nodes[i], nodes[target.index()], ());
            }
        }
    }
    petgraph::algo::is_cyclic_directed(&graph)
}
