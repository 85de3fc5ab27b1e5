//! R302: an action whose effects can break an invariant.

use super::{Context, declare_check};
use crate::analysis::domain::Sets;
use crate::analysis::semantics::Performer;
use crate::diagnostic::{Diagnostic, Step, StepKind};
use crate::model::{ActionId, RuleKind};

declare_check! {
    /// ## What it finds
    ///
    /// An action whose effects make an invariant false for some allowed data (every field
    /// within its type, every invariant holding) and parameters, where the action is not
    /// already refused: its `requires` hold and no `forbid` without `via` blocks it. The
    /// witness gives those values.
    ///
    /// ## Why it hurts customers
    ///
    /// The action is rejected exactly then (LANGUAGE.md, step 4): the customer asked on one
    /// channel, an agent said yes, and the change silently never happens. The invariant and
    /// the action disagree about what the business allows.
    ///
    /// ## Example
    ///
    /// ```omni
    /// rule same_address: invariant customer.billing_address == customer.installation_address
    /// action change_billing_address(new: address) {
    ///   set customer.billing_address = new        # breaks it whenever new differs
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// If the invariant is right, say when the action is allowed (`requires new ==
    /// customer.installation_address`) so that channels can tell the customer. If the action
    /// is right, drop or relax the invariant.
    pub static ACTION_BREAKS_INVARIANT = {
        code: "R302",
        name: "action-breaks-invariant",
        severity: Error,
        summary: "an action whose effects can violate an invariant for some allowed data and parameters; witness: the values",
    };
}

/// Reports each (action, invariant) pair where the action's effects can break the invariant.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let sem = &cx.analysis.sem;
    let allowed = &sem.allowed;
    if allowed.is_false() {
        return; // contradictory invariants (R301): no data to speak of
    }
    // Each invariant with the fields it reads, once.
    let invariants: Vec<_> = cx
        .model
        .index
        .invariants
        .iter()
        .filter_map(|rule| match &cx.model.rule(*rule).kind.node {
            RuleKind::Invariant(cond) => Some((*rule, cond, cond.node.fields())),
            _ => None,
        })
        .collect();
    for (a, action) in cx.model.actions.iter().enumerate() {
        let id = ActionId(a as u32);
        if action.effects.is_empty() {
            continue;
        }
        let before = allowed
            .meet(&sem.dom.params_valid(id, 0))
            .meet(&sem.requires(id, 0))
            .minus(&sem.forbidden(id, Performer::System, 0));
        for (rule, cond, reads) in &invariants {
            let writes: Vec<_> = action
                .effects
                .iter()
                .filter(|e| reads.contains(&e.field.node))
                .collect();
            if writes.is_empty() {
                continue; // it held before and the action does not touch it
            }
            let broken = sem.effects_pre(&sem.dom.cond(cond, &[]).not(), id, 0);
            let bad = before.meet(&broken);
            if bad.is_false() {
                continue;
            }
            let invariant = cx.model.rule(*rule);
            let step = Step {
                kind: StepKind::System,
                text: format!(
                    "`{}` runs: afterwards `{}` is false, so it is rejected",
                    action.name, invariant.name
                ),
                span: Some(action.name.span),
            };
            let mut d = Diagnostic::new(
                &ACTION_BREAKS_INVARIANT,
                action.name.span,
                format!(
                    "`{}` can break invariant `{}`: it is rejected for these data",
                    action.name, invariant.name
                ),
            )
            .with_label(invariant.kind.span, "this invariant fails after the action")
            .with_help(format!(
                "add a `requires` to `{}` saying when it is allowed, or relax `{}`",
                action.name, invariant.name
            ));
            for effect in writes {
                d = d.with_label(effect.span, "changes a field the invariant reads");
            }
            if let Some(witness) = cx
                .analysis
                .data_witness(&before, &bad, &[(id, 0)], vec![step])
            {
                d = d.with_witness(witness);
            }
            out.push(d);
        }
    }
}
