//! What cascades from an action or an event, for the rule checks: the data in which each
//! trigger is evaluated (R303), and the data from which some action ends up running (R307).
//!
//! Both follow `Semantics::post` step for step (effects, then the triggers in rule order, each
//! triggered action cascading in turn, then the emitted events), so that what the rule checks
//! prove is what the exploration and the runtime do.

use super::domain::MAX_CASCADE;
use super::semantics::{Performer, Semantics};
use crate::model::{ActionId, EventId, Model, RuleId, RuleKind, TriggerSource};
use biodivine_lib_bdd::Bdd;
use std::collections::{HashMap, VecDeque};

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
    /// All data every field type and every invariant allows.
    pub fn allowed(&self) -> Bdd {
        self.dom.valid.and(&self.invariant)
    }

    /// For each of the first `count` triggers set off by `source`, the data in which it
    /// fires, when `source` completes (an action, as the system would run it, for some
    /// parameters) or arrives (an event) from data in `from`. Earlier triggers of the same
    /// source have already run.
    pub fn trigger_situations(
        &self,
        source: TriggerSource,
        from: &Bdd,
        count: usize,
    ) -> Vec<Situation> {
        let model = self.model();
        let (mut data, rules, frames, depth) = match source {
            TriggerSource::Action(action) => (
                self.effects_image(
                    &from.and(&self.completes(action, Performer::System, 0)),
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
        for rule in rules.iter().take(count) {
            let RuleKind::Trigger { when, then, .. } = &model.rule(*rule).kind.node else {
                continue;
            };
            let when = when
                .as_ref()
                .map_or_else(|| self.dom.vars.mk_true(), |w| self.dom.cond(w, &frames));
            let fires = data.and(&when);
            data = data
                .and_not(&when)
                .or(&self.triggered_post(&fires, then.node, depth));
            out.push(Situation {
                rule: *rule,
                fires,
                depth,
            });
        }
        out
    }

    /// The data and parameters (of `action`, at `depth`) from which completing `action` runs
    /// `goal`: `action` is `goal`, or its cascade runs `goal`, or the data it leaves are in
    /// `after` (from which something later runs `goal`).
    pub fn runs_pre(&self, action: ActionId, goal: ActionId, depth: usize, after: &Bdd) -> Bdd {
        if action == goal {
            return self.dom.vars.mk_true();
        }
        let model = self.model();
        let mut hit = after.clone();
        for event in model.action(action).emits.iter().rev() {
            hit = self.event_runs_pre(event.node, goal, depth + 1, &hit);
        }
        for rule in model.index.triggers_by_action[action.index()].iter().rev() {
            hit = self.trigger_runs_pre(*rule, goal, depth + 1, &[(action, depth)], &hit);
        }
        self.effects_pre(&hit, action, depth)
    }

    /// The data from which delivering `event` runs `goal`, or leaves data in `after`.
    pub fn event_runs_pre(&self, event: EventId, goal: ActionId, depth: usize, after: &Bdd) -> Bdd {
        let mut hit = after.clone();
        for rule in self.model().index.triggers_by_event[event.index()]
            .iter()
            .rev()
        {
            hit = self.trigger_runs_pre(*rule, goal, depth, &[], &hit);
        }
        hit
    }

    /// One trigger, backwards: where its `when` fails, nothing happens; where it holds, the
    /// triggered action runs (for some parameters) or is rejected and changes nothing.
    fn trigger_runs_pre(
        &self,
        rule: RuleId,
        goal: ActionId,
        depth: usize,
        frames: &[super::domain::Frame],
        after: &Bdd,
    ) -> Bdd {
        let RuleKind::Trigger { when, then, .. } = &self.model().rule(rule).kind.node else {
            return after.clone();
        };
        let when = when
            .as_ref()
            .map_or_else(|| self.dom.vars.mk_true(), |w| self.dom.cond(w, frames));
        let then = then.node;
        let triggered = if depth > MAX_CASCADE {
            after.clone() // cut short, like `triggered_post`
        } else {
            let valid = self.dom.params_valid(then, depth);
            let completes = self.completes(then, Performer::System, depth);
            let applied = completes.and(&self.runs_pre(then, goal, depth, after));
            let rejected = valid.and_not(&completes).and(after);
            applied
                .or(&rejected)
                .exists(&self.dom.param_vars(then, depth))
        };
        after.and_not(&when).or(&when.and(&triggered))
    }
}

/// The shortest chain of triggers through which `from` (an action completing, or an event
/// arriving) can run `goal`, following only the rules' structure (not their conditions): the
/// rules in order. Empty when `from` is `goal` itself; `None` when no chain exists.
pub fn trigger_chain(model: &Model, from: TriggerSource, goal: ActionId) -> Option<Vec<RuleId>> {
    if from == TriggerSource::Action(goal) {
        return Some(Vec::new());
    }
    let mut previous: HashMap<TriggerSource, (TriggerSource, Option<RuleId>)> = HashMap::new();
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
