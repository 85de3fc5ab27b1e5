//! R309: a `requires`, guard or trigger `when` that no allowed data satisfies.

use super::{Context, declare_check};
use crate::analysis::domain::{Frame, Sets};
use crate::analysis::hash::HashMap;
use crate::diagnostic::Diagnostic;
use crate::model::{ActionId, Cond, RuleKind, Transition, TriggerSource};
use crate::source::Node;
use biodivine_lib_bdd::Bdd;

declare_check! {
    /// ## What it finds
    ///
    /// A condition that no allowed data (every field within its type, every invariant
    /// holding) and no parameter values satisfy: an action's or a process's `requires`, a
    /// transition's `when`, or a trigger's `when`. (A forbid's `when` is R304; invariants are
    /// R301.)
    ///
    /// ## Why it hurts customers
    ///
    /// A `requires` that never holds means the action or process is always refused; a guard
    /// that never holds is a step no one can take; a trigger whose `when` never holds is an
    /// automatic action that never happens. Each is usually a typo in a comparison or a
    /// variant, and customers meet the result as "the system won't let me".
    ///
    /// ## Example
    ///
    /// ```omni
    /// action refund { requires customer.debt_eur > 10000 }    # debt_eur: int 0..10000
    /// ```
    ///
    /// ## How to fix
    ///
    /// Write the condition that was meant: check the comparison's direction, the range of
    /// the `int`, and the invariants that constrain the fields.
    pub static UNSATISFIABLE_CONDITION = {
        code: "R309",
        name: "unsatisfiable-condition",
        severity: Error,
        summary: "a `requires`, guard or `when` that no allowed data satisfies",
    };
}

/// Reports each condition no allowed data satisfies.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let sem = &cx.analysis.sem;
    let allowed = &sem.allowed;
    if allowed.is_false() {
        return;
    }
    // The data a condition is asked against, once per action whose parameters it may read.
    let mut data_for: HashMap<Option<ActionId>, Bdd> = HashMap::default();
    // The same guard is written on transition after transition, and with invariants the
    // allowed data make each question costly: each is asked once.
    let mut satisfiable: HashMap<(Option<ActionId>, Bdd), bool> = HashMap::default();
    let mut report = |cond: &Node<Cond>, frame: Option<ActionId>, what: &dyn Fn() -> String| {
        let frames: Vec<Frame> = frame.map(|a| (a, 0)).into_iter().collect();
        let data = data_for.entry(frame).or_insert_with(|| {
            frame.map_or_else(
                || allowed.clone(),
                |a| allowed.meet(&sem.dom.params_valid(a, 0)),
            )
        });
        let holds = sem.dom.cond(cond, &frames);
        let can_hold = *satisfiable
            .entry((frame, holds))
            .or_insert_with_key(|(_, holds)| crate::analysis::domain::intersects(data, holds));
        if !can_hold {
            let what = what();
            out.push(
                Diagnostic::new(
                    &UNSATISFIABLE_CONDITION,
                    cond.span,
                    format!("this {what} can never hold: no allowed data satisfies it"),
                )
                .with_note("the fields' types and the invariants rule out every case it names")
                .with_help("write the condition that was meant: check the comparison, the `int` range and the invariants"),
            );
        }
    };
    for (a, action) in cx.model.actions.iter().enumerate() {
        for r in &action.requires {
            report(r, Some(ActionId(a as u32)), &|| {
                format!("`requires` of `{}`", action.name)
            });
        }
    }
    for rule in &cx.model.rules {
        if let RuleKind::Trigger {
            on, when: Some(w), ..
        } = &rule.kind.node
        {
            let frame = match on.node {
                TriggerSource::Action(a) => Some(a),
                TriggerSource::Event(_) => None,
            };
            report(w, frame, &|| format!("`when` of trigger `{}`", rule.name));
        }
    }
    for process in &cx.model.processes {
        for r in &process.requires {
            report(r, None, &|| format!("`requires` of `{}`", process.name));
        }
        for state in &process.states {
            for t in &state.transitions {
                let Some(guard) = t.node.guard() else {
                    continue;
                };
                let frame = match &t.node {
                    Transition::On { action, .. } | Transition::Do { action, .. } => {
                        Some(action.node)
                    }
                    _ => None,
                };
                report(guard, frame, &|| "guard".to_owned());
            }
        }
    }
}
