//! R303: a trigger whose action a forbid blocks where the trigger fires.

use super::{Context, declare_check};
use crate::analysis::domain::Sets;
use crate::diagnostic::{Diagnostic, Step, StepKind};
use crate::model::{ActionId, EventId, RuleKind, TriggerSource};

declare_check! {
    /// ## What it finds
    ///
    /// A trigger `on X [when W] then Y`, and a `forbid Y` that applies to the system (one
    /// without `via`), such that for some allowed data where the trigger fires, the forbid
    /// holds: the automatic action is blocked. "Where the trigger fires" is the data right
    /// after `X` completes (for any data and parameters it accepts) or, for an event, any
    /// allowed data when it arrives, once the earlier triggers of the same `X` have run, and
    /// where `W` holds. The witness gives those values.
    ///
    /// ## Why it hurts customers
    ///
    /// Two teams wrote two rules that disagree: one promised "we won't cut your line while
    /// your claim is open", the other cuts it when a bill is returned. Which one wins is an
    /// accident of the implementation, and the customer finds out.
    ///
    /// ## Example
    ///
    /// ```omni
    /// rule dunning: on bill_returned then suspend_line
    /// rule claim_protection: forbid suspend_line when customer.claim_open
    /// ```
    ///
    /// ## How to fix
    ///
    /// Decide which rule wins, and say it in the trigger: `on bill_returned when not
    /// customer.claim_open then suspend_line`.
    pub static TRIGGER_FORBIDDEN = {
        code: "R303",
        name: "trigger-forbidden",
        severity: Error,
        summary: "a trigger whose action a forbid blocks in some situation where the trigger fires; witness: the values",
    };
}

/// Reports each (trigger, forbid) pair where the forbid blocks what the trigger runs.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let sem = &cx.analysis.sem;
    let allowed = &sem.allowed;
    if allowed.is_false() {
        return;
    }
    let sources = (0..cx.model.actions.len())
        .map(|a| TriggerSource::Action(ActionId(a as u32)))
        .chain((0..cx.model.events.len()).map(|e| TriggerSource::Event(EventId(e as u32))));
    for source in sources {
        let triggers = match source {
            TriggerSource::Action(a) => &cx.model.index.triggers_by_action[a.index()],
            TriggerSource::Event(e) => &cx.model.index.triggers_by_event[e.index()],
        };
        // Only triggers whose action a forbid without `via` can block need their situation,
        // and only the triggers up to the last of those need to run.
        let blockable = |rule: &crate::model::RuleId| match &cx.model.rule(*rule).kind.node {
            RuleKind::Trigger { then, .. } => cx.model.index.forbids_by_action[then.node.index()]
                .iter()
                .any(|f| cx.model.rule(*f).kind.node.forbid_applies_on(None)),
            _ => false,
        };
        let Some(last) = triggers.iter().rposition(blockable) else {
            continue;
        };
        let from = match source {
            TriggerSource::Action(a) => allowed.meet(&sem.dom.params_valid(a, 0)),
            TriggerSource::Event(_) => allowed.clone(),
        };
        for situation in sem.trigger_situations(source, &from, last + 1) {
            let trigger = cx.model.rule(situation.rule);
            let RuleKind::Trigger { then, .. } = &trigger.kind.node else {
                continue;
            };
            let then = then.node;
            for forbid_id in &cx.model.index.forbids_by_action[then.index()] {
                let forbid = cx.model.rule(*forbid_id);
                let RuleKind::Forbid { when, .. } = &forbid.kind.node else {
                    continue;
                };
                if !forbid.kind.node.forbid_applies_on(None) {
                    continue; // a forbid with `via` never applies to the system
                }
                let frame = (then, situation.depth);
                let holds = when
                    .as_ref()
                    .map_or_else(|| sem.dom.vars().mk_true(), |w| sem.dom.cond(w, &[frame]));
                let blocked = situation
                    .fires
                    .meet(&holds)
                    .meet(&sem.dom.params_valid(then, situation.depth));
                if blocked.is_false() {
                    continue;
                }
                out.push(report(
                    cx,
                    source,
                    situation.rule,
                    *forbid_id,
                    &situation.fires,
                    &blocked,
                    frame,
                ));
            }
        }
    }
}

fn report(
    cx: &Context<'_, '_>,
    source: TriggerSource,
    trigger_id: crate::model::RuleId,
    forbid_id: crate::model::RuleId,
    fires: &biodivine_lib_bdd::Bdd,
    blocked: &biodivine_lib_bdd::Bdd,
    frame: crate::analysis::domain::Frame,
) -> Diagnostic {
    let model = cx.model;
    let trigger = model.rule(trigger_id);
    let forbid = model.rule(forbid_id);
    let then = &model.action(frame.0).name;
    let (first, frames) = match source {
        TriggerSource::Action(a) => (
            Step {
                kind: StepKind::System,
                text: format!("`{}` completes", model.action(a).name),
                span: None,
            },
            vec![(a, 0), frame],
        ),
        TriggerSource::Event(e) => (
            Step {
                kind: StepKind::Event,
                text: format!("event `{}` arrives", model.event(e).name),
                span: None,
            },
            vec![frame],
        ),
    };
    let path = vec![
        first,
        Step {
            kind: StepKind::Trigger,
            text: format!("rule `{}` runs `{then}`", trigger.name),
            span: Some(trigger.kind.span),
        },
        Step {
            kind: StepKind::Trigger,
            text: format!(
                "rule `{}` forbids `{then}`: it does not happen",
                forbid.name
            ),
            span: Some(forbid.kind.span),
        },
    ];
    let mut d = Diagnostic::new(
        &TRIGGER_FORBIDDEN,
        trigger.name.span,
        format!(
            "trigger `{}` runs `{then}`, but `{}` forbids it in some of the situations where it fires",
            trigger.name, forbid.name
        ),
    )
    .with_label(forbid.kind.span, "blocks the triggered action")
    .with_help(format!(
        "decide which rule wins, and say so in the trigger: `when not (...)` with `{}`'s condition",
        forbid.name
    ));
    if let Some(witness) = cx.analysis.data_witness(fires, blocked, &frames, path) {
        d = d.with_witness(witness);
    }
    d
}
