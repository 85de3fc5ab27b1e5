//! Conditions and effects on concrete values: the engine's one evaluator.

use crate::model::{ActionId, Cond, EventId, Model, RuleId, Term, Value};
use crate::source::Span;

/// The parameters of an action in scope.
#[derive(Clone, Debug)]
pub(super) struct Frame<'p> {
    action: ActionId,
    params: &'p [Value],
}

impl<'p> Frame<'p> {
    pub(super) fn new(action: ActionId, params: &'p [Value]) -> Self {
        Frame { action, params }
    }
}

/// What steps 2–4 found for one action.
pub(super) struct Checked {
    /// Forbids that apply and hold.
    pub forbidden: Vec<RuleId>,
    /// `requires` that do not hold.
    pub unmet: Vec<Span>,
    /// Invariants the effects break.
    pub broken: Vec<RuleId>,
    /// The values after the effects.
    pub after: Vec<Value>,
}

/// The end of a completed action's cascade.
#[derive(Default)]
pub(super) struct Outcome {
    pub fields: Vec<Value>,
    pub emitted: Vec<EventId>,
    pub triggered: Vec<super::TriggerRun>,
}

/// Evaluation over one model.
pub(super) struct Run<'m> {
    pub model: &'m Model,
    /// Per action: the invariants that read a field it writes, the only ones an action run
    /// from data where every invariant holds (a triggered one) can break.
    pub breakable: &'m [Vec<RuleId>],
}

impl<'m> Run<'m> {
    pub(super) fn new(model: &'m Model, breakable: &'m [Vec<RuleId>]) -> Self {
        Run { model, breakable }
    }

    fn term<'v>(
        &self,
        term: &'v Term,
        fields: &'v [Value],
        scope: &'v [Frame<'v>],
    ) -> Option<&'v Value> {
        match term {
            Term::Field(f) => fields.get(f.index()),
            Term::Param(action, i) => scope
                .iter()
                .rev()
                .find(|f| f.action == *action)
                .and_then(|f| f.params.get(*i as usize)),
            Term::Value(value) => Some(value),
        }
    }

    /// Whether `cond` holds. Terms that cannot be read (a parameter out of scope) make a
    /// comparison false; the model's typing rules them out.
    pub(super) fn eval(&self, cond: &Cond, fields: &[Value], scope: &[Frame<'_>]) -> bool {
        match cond {
            Cond::And(parts) => parts.iter().all(|p| self.eval(&p.node, fields, scope)),
            Cond::Or(parts) => parts.iter().any(|p| self.eval(&p.node, fields, scope)),
            Cond::Not(inner) => !self.eval(&inner.node, fields, scope),
            Cond::Compare { lhs, op, rhs } => {
                let (Some(a), Some(b)) = (
                    self.term(&lhs.node, fields, scope),
                    self.term(&rhs.node, fields, scope),
                ) else {
                    return false;
                };
                crate::analysis::domain::holds(a, *op, b)
            }
            Cond::In { term, values } => self
                .term(&term.node, fields, scope)
                .is_some_and(|a| values.iter().any(|v| &v.node == a)),
            Cond::Truth(term) => self.term(&term.node, fields, scope) == Some(&Value::Bool(true)),
        }
    }

    /// The values after `action`'s effects, all read in the state before it.
    pub(super) fn apply(&self, fields: &[Value], action: ActionId, params: &[Value]) -> Vec<Value> {
        let scope = [Frame::new(action, params)];
        let mut after = fields.to_vec();
        for effect in &self.model.action(action).effects {
            if let (Some(slot), Some(value)) = (
                after.get_mut(effect.field.node.index()),
                self.term(&effect.value.node, fields, &scope),
            ) {
                *slot = value.clone();
            }
        }
        after
    }
}
