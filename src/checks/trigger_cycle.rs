//! R308: triggers that fire each other in a loop.

use super::{Context, declare_check};
use crate::analysis::cascade::{trigger_chain, trigger_successors};
use crate::diagnostic::{Diagnostic, Step, StepKind, Witness};
use crate::model::{ActionId, EventId, RuleId, TriggerSource};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;

declare_check! {
    /// ## What it finds
    ///
    /// Triggers that set each other off in a loop: an action's trigger runs an action (or
    /// the action emits an event) whose triggers, in turn, lead back to the first. The loop
    /// is found from the rules' structure; their `when` conditions are not consulted, so a
    /// loop that conditions break in practice is still reported: nothing in the policy
    /// guarantees that they always will.
    ///
    /// ## Why it hurts customers
    ///
    /// A loop of automatic actions either runs until something gives up (omnilint follows
    /// cascades 8 deep, a real system may not stop at all) or depends on an accident of data
    /// to stop: letters sent in a loop, a line suspended and restored forever.
    ///
    /// ## Example
    ///
    /// ```omni
    /// rule remind: on payment_missed then send_reminder
    /// rule escalate: on send_reminder then mark_payment_missed   # which emits payment_missed
    /// ```
    ///
    /// ## How to fix
    ///
    /// Break the loop: one of the automatic steps should be a process step, or its trigger
    /// should have a `when` that the loop itself makes false.
    pub static TRIGGER_CYCLE = {
        code: "R308",
        name: "trigger-cycle",
        severity: Error,
        summary: "triggers that fire each other in a loop",
    };
}

/// Reports each group of triggers that set each other off, once, at its first rule.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let model = cx.model;
    let mut graph: DiGraph<TriggerSource, Option<RuleId>> = DiGraph::new();
    let mut index: HashMap<TriggerSource, NodeIndex> = HashMap::new();
    let nodes = (0..model.actions.len())
        .map(|a| TriggerSource::Action(ActionId(a as u32)))
        .chain((0..model.events.len()).map(|e| TriggerSource::Event(EventId(e as u32))));
    for node in nodes {
        index.insert(node, graph.add_node(node));
    }
    for (&node, &from) in &index {
        for (rule, next) in trigger_successors(model, node) {
            graph.add_edge(from, index[&next], rule);
        }
    }
    let mut loops: Vec<Vec<RuleId>> = Vec::new();
    for component in petgraph::algo::tarjan_scc(&graph) {
        let in_loop = |n: &NodeIndex| component.contains(n);
        let mut rules: Vec<RuleId> = graph
            .edge_indices()
            .filter(|e| {
                graph
                    .edge_endpoints(*e)
                    .is_some_and(|(a, b)| in_loop(&a) && in_loop(&b))
            })
            .filter_map(|e| graph[e])
            .collect();
        rules.sort_unstable();
        rules.dedup();
        if !rules.is_empty() {
            loops.push(rules);
        }
    }
    loops.sort();
    for rules in loops {
        out.push(report(cx, &rules));
    }
}

fn report(cx: &Context<'_, '_>, rules: &[RuleId]) -> Diagnostic {
    let model = cx.model;
    let first = model.rule(rules[0]);
    let crate::model::RuleKind::Trigger { on, then, .. } = &first.kind.node else {
        return Diagnostic::new(
            &TRIGGER_CYCLE,
            first.name.span,
            "triggers fire each other in a loop",
        );
    };
    // The loop through the first rule: its action, then back to what set it off.
    let back = back_to(model, then.node, on.node).unwrap_or_default();
    let mut path = vec![Step {
        kind: StepKind::Trigger,
        text: format!(
            "rule `{}` runs `{}`",
            first.name,
            model.action(then.node).name
        ),
        span: Some(first.kind.span),
    }];
    for rule in &back {
        let r = model.rule(*rule);
        if let crate::model::RuleKind::Trigger { then, .. } = &r.kind.node {
            path.push(Step {
                kind: StepKind::Trigger,
                text: format!("rule `{}` runs `{}`", r.name, model.action(then.node).name),
                span: Some(r.kind.span),
            });
        }
    }
    path.push(Step {
        kind: StepKind::Trigger,
        text: format!("which sets off `{}` again", first.name),
        span: Some(first.kind.span),
    });
    let mut d = Diagnostic::new(
        &TRIGGER_CYCLE,
        first.name.span,
        format!("trigger `{}` sets itself off again through a loop of triggers", first.name),
    )
    .with_note("every action on the loop runs again and again, as long as the conditions let it")
    .with_help("break the loop: make one step a process step, or give a trigger a `when` the loop makes false");
    for rule in &rules[1..] {
        d = d.with_label(model.rule(*rule).name.span, "part of the loop");
    }
    d.with_witness(Witness {
        path,
        values: Vec::new(),
    })
}

/// The triggers from `action` completing back to `source` (an action or an event) happening
/// again.
fn back_to(
    model: &crate::model::Model,
    action: ActionId,
    source: TriggerSource,
) -> Option<Vec<RuleId>> {
    match source {
        TriggerSource::Action(a) => trigger_chain(model, TriggerSource::Action(action), a),
        TriggerSource::Event(e) => {
            // Some action on the way emits the event: find the closest one that does.
            (0..model.actions.len())
                .map(|a| ActionId(a as u32))
                .filter(|a| model.action(*a).emits.iter().any(|x| x.node == e))
                .filter_map(|emitter| trigger_chain(model, TriggerSource::Action(action), emitter))
                .min_by_key(Vec::len)
        }
    }
}
