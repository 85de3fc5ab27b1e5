//! R305: a forbid entirely covered by another forbid.

use super::forbid_never_applies::applies;
use super::{Context, declare_check};
use crate::analysis::domain::Sets;
use crate::diagnostic::Diagnostic;
use crate::model::{ChannelId, RuleId, RuleKind};

declare_check! {
    /// ## What it finds
    ///
    /// A `forbid` of an action that another forbid of the same action already covers: the
    /// other applies on every channel this one does (a forbid without `via` applies
    /// everywhere), and for all allowed data and parameters where this one holds. Of two
    /// forbids that cover each other, the later one is reported.
    ///
    /// ## Why it hurts customers
    ///
    /// Not directly; but two rules saying the same thing drift apart. The day one is relaxed
    /// and the other is forgotten, customers are still blocked and nobody knows why.
    ///
    /// ## Example
    ///
    /// ```omni
    /// rule no_cancel_in_claim: forbid cancel_plan when customer.claim_open
    /// rule no_social_cancel_in_claim: forbid cancel_plan via twitter when customer.claim_open
    /// ```
    ///
    /// ## How to fix
    ///
    /// Remove the covered rule, or narrow the broader one if it says more than was meant.
    pub static REDUNDANT_FORBID = {
        code: "R305",
        name: "redundant-forbid",
        severity: Warning,
        summary: "a forbid entirely covered by another forbid",
    };
}

/// Reports each forbid another forbid of the same action covers. Only forbids of one action
/// are compared with each other.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let allowed = &cx.analysis.sem.allowed;
    if allowed.is_false() {
        return;
    }
    for rules in &cx.model.index.forbids_by_action {
        if rules.len() < 2 {
            continue;
        }
        let sets: Vec<_> = rules
            .iter()
            .map(|r| applies(cx, allowed, *r).unwrap_or_else(|| allowed.clone()))
            .collect();
        for (i, rule) in rules.iter().enumerate() {
            if sets[i].is_false() {
                continue; // it never applies (R304)
            }
            let cover = rules.iter().enumerate().find(|(j, other)| {
                *j != i
                    && channels_cover(cx, **other, *rule)
                    && sets[i].minus(&sets[*j]).is_false()
                    // Of two that cover each other, the earlier one stays.
                    && !(*j > i
                        && channels_cover(cx, *rule, **other)
                        && sets[*j].minus(&sets[i]).is_false())
            });
            if let Some((_, other)) = cover {
                let (this, other) = (cx.model.rule(*rule), cx.model.rule(*other));
                out.push(
                    Diagnostic::new(
                        &REDUNDANT_FORBID,
                        this.name.span,
                        format!("forbid `{}` is covered by `{}`: it never blocks anything `{}` does not", this.name, other.name, other.name),
                    )
                    .with_label(other.kind.span, "already blocks every case")
                    .with_help("remove it, or narrow the broader rule if it says more than was meant"),
                );
            }
        }
    }
}

/// The channels a forbid applies on; `None`: everywhere, the system included.
fn channels(cx: &Context<'_, '_>, rule: RuleId) -> Option<Vec<ChannelId>> {
    match &cx.model.rule(rule).kind.node {
        RuleKind::Forbid { via, .. } => via.as_ref().map(|v| v.iter().map(|c| c.node).collect()),
        _ => Some(Vec::new()),
    }
}

/// Whether `wide` applies on every channel (and to the system) `narrow` applies to.
fn channels_cover(cx: &Context<'_, '_>, wide: RuleId, narrow: RuleId) -> bool {
    match (channels(cx, wide), channels(cx, narrow)) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(w), Some(n)) => n.iter().all(|c| w.contains(c)),
    }
}
