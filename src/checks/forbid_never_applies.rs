//! R304: a forbid whose condition no allowed data satisfies.

use super::{Context, declare_check};
use crate::analysis::domain::Sets;
use crate::diagnostic::Diagnostic;
use crate::model::{Model, RuleId, RuleKind};
use biodivine_lib_bdd::Bdd;

declare_check! {
    /// ## What it finds
    ///
    /// A `forbid ... when COND` where no allowed data (every field within its type, every
    /// invariant holding) and no parameters of the action make `COND` true: the forbid never
    /// blocks anything.
    ///
    /// ## Why it hurts customers
    ///
    /// Someone wrote the rule to protect customers in some situation. As written it protects
    /// no one, and the situation it was meant for is not handled.
    ///
    /// ## Example
    ///
    /// ```omni
    /// rule no_debt_cut: forbid suspend_line when customer.debt_eur < 0   # debt_eur: int 0..10000
    /// ```
    ///
    /// ## How to fix
    ///
    /// Write the condition that was meant (often a comparison the wrong way round, or a
    /// variant of the wrong field), or remove the rule.
    pub static FORBID_NEVER_APPLIES = {
        code: "R304",
        name: "forbid-never-applies",
        severity: Warning,
        summary: "a forbid whose condition no allowed data satisfies",
    };
}

/// The data and parameters (at depth 0) in which a forbid applies, within `allowed`; `None`
/// for a rule that is not a forbid.
pub fn applies(cx: &Context<'_, '_>, allowed: &Bdd, rule: RuleId) -> Option<Bdd> {
    let sem = &cx.analysis.sem;
    let RuleKind::Forbid { action, when, .. } = &cx.model.rule(rule).kind.node else {
        return None;
    };
    let domain = allowed.meet(&sem.dom.params_valid(action.node, 0));
    Some(match when {
        Some(w) => domain.meet(&sem.dom.cond(w, &[(action.node, 0)])),
        None => domain,
    })
}

/// The forbid rules, in rule order.
pub fn forbids(model: &Model) -> impl Iterator<Item = RuleId> + '_ {
    model.index.forbids_by_action.iter().flatten().copied()
}

/// Reports each forbid that can never apply.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let allowed = &cx.analysis.sem.allowed;
    if allowed.is_false() {
        return;
    }
    for rule in forbids(cx.model) {
        let RuleKind::Forbid {
            when: Some(when), ..
        } = &cx.model.rule(rule).kind.node
        else {
            continue;
        };
        if applies(cx, allowed, rule).is_some_and(|a| a.is_false()) {
            let name = &cx.model.rule(rule).name;
            out.push(
                Diagnostic::new(
                    &FORBID_NEVER_APPLIES,
                    when.span,
                    format!(
                        "forbid `{name}` never applies: no allowed data satisfies its condition"
                    ),
                )
                .with_note("the fields' types and the invariants rule out every case it names")
                .with_help("write the condition that was meant, or remove the rule"),
            );
        }
    }
}
