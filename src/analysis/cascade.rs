//! What cascades from an action or an event, for the rule checks: the data in which each
//! trigger is evaluated (R303, through `Semantics::post`'s own trigger loop), and the chain of
//! triggers from one action to another (witnesses of R307, R308). The data from which an
//! action ends up running (R307) is `Semantics::pre_or_running`.

use super::domain::Sets;
use super::hash::{HashMap, HashSet};
use super::semantics::{Performer, Semantics};
use crate::model::{ActionId, EventId, FieldId, Model, RuleId, RuleKind, TriggerSource};
use biodivine_lib_bdd::Bdd;
use std::collections::{BTreeSet, VecDeque};

/// Where a trigger is evaluated: the rule, and the data (with the parameters of the action
/// that sets it off, at `depth`) in which its `when` holds at that moment.
pub struct Situation {
    /// The trigger.
    pub rule: RuleId,
    /// The data in which it fires.
    pub fires: Bdd,
    /// The cascade depth of the action it runs.
    pub depth: usize,
}

impl Semantics<'_> {
    /// For each of the first `count` triggers set off by `source`, the data in which it
    /// fires, when `source` completes (an action, as the system would run it, for some
    /// parameters) or arrives (an event) from data in `from`. Earlier triggers of the same
    /// source have already run: this is `Semantics::post`'s own trigger loop, watched.
    pub fn trigger_situations(
        &self,
        source: TriggerSource,
        from: &Bdd,
        count: usize,
    ) -> Vec<Situation> {
        let model = self.model();
        let (data, rules, frames, depth) = match source {
            TriggerSource::Action(action) => (
                self.effects_image(
                    &from.meet(&self.completes(action, Performer::System, 0)),
                    action,
                    0,
                ),
                &model.index.triggers_by_action[action.index()],
                vec![(action, 0)],
                1,
            ),
            TriggerSource::Event(event) => (
                from.clone(),
                &model.index.triggers_by_event[event.index()],
                Vec::new(),
                0,
            ),
        };
        let mut out = Vec::new();
        self.run_triggers(
            data,
            &rules[..count.min(rules.len())],
            &frames,
            depth,
            &mut |rule, fires| {
                out.push(Situation {
                    rule,
                    fires: fires.clone(),
                    depth,
                })
            },
        );
        out
    }
}

/// The shortest chain of triggers through which `from` (an action completing, or an event
/// arriving) can run `goal`, following only the rules' structure (not their conditions): the
/// rules in order. Empty when `from` is `goal` itself; `None` when no chain exists.
pub fn trigger_chain(model: &Model, from: TriggerSource, goal: ActionId) -> Option<Vec<RuleId>> {
    if from == TriggerSource::Action(goal) {
        return Some(Vec::new());
    }
    let mut previous: HashMap<TriggerSource, (TriggerSource, Option<RuleId>)> = HashMap::default();
    let mut queue = VecDeque::from([from]);
    while let Some(node) = queue.pop_front() {
        for (rule, next) in trigger_successors(model, node) {
            if next == from || previous.contains_key(&next) {
                continue;
            }
            previous.insert(next, (node, rule));
            if next == TriggerSource::Action(goal) {
                let mut rules = Vec::new();
                let mut at = next;
                while at != from {
                    let (before, rule) = previous[&at];
                    rules.extend(rule);
                    at = before;
                }
                rules.reverse();
                return Some(rules);
            }
            queue.push_back(next);
        }
    }
    None
}

/// The fields `source` or anything its cascade runs may assign, in order: every other
/// field keeps its value through the cascade, whatever the data.
pub fn assignable_fields(model: &Model, source: TriggerSource) -> Vec<FieldId> {
    let mut fields = BTreeSet::new();
    for node in reachable_sources(model, source) {
        if let TriggerSource::Action(action) = node {
            fields.extend(
                model
                    .action(action)
                    .effects
                    .iter()
                    .map(|e| e.node.field.node),
            );
        }
    }
    fields.into_iter().collect()
}

/// `source` and every action and event its cascade can set off, following only the rules'
/// structure, in breadth-first order.
pub fn reachable_sources(model: &Model, source: TriggerSource) -> Vec<TriggerSource> {
    let mut seen: HashSet<TriggerSource> = [source].into_iter().collect();
    let mut queue = VecDeque::from([source]);
    let mut reached = Vec::new();
    while let Some(node) = queue.pop_front() {
        reached.push(node);
        for (_, next) in trigger_successors(model, node) {
            if seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    reached
}

/// What an action completing or an event arriving sets off directly: the actions its
/// triggers run (with the rule), and, for an action, the events it emits (no rule).
pub fn trigger_successors(
    model: &Model,
    node: TriggerSource,
) -> Vec<(Option<RuleId>, TriggerSource)> {
    let (rules, emits): (&[RuleId], &[crate::source::Node<EventId>]) = match node {
        TriggerSource::Action(a) => (
            &model.index.triggers_by_action[a.index()],
            &model.action(a).emits,
        ),
        TriggerSource::Event(e) => (&model.index.triggers_by_event[e.index()], &[]),
    };
    let mut out: Vec<(Option<RuleId>, TriggerSource)> = rules
        .iter()
        .filter_map(|r| match &model.rule(*r).kind.node {
            RuleKind::Trigger { then, .. } => Some((Some(*r), TriggerSource::Action(then.node))),
            _ => None,
        })
        .collect();
    out.extend(emits.iter().map(|e| (None, TriggerSource::Event(e.node))));
    out
}
