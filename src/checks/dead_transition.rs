//! D106: a transition that can never fire.

use super::{Context, declare_check};
use crate::analysis::domain::Sets;
use crate::analysis::semantics::Performer;
use crate::diagnostic::Diagnostic;
use crate::model::{RuleKind, Transition};

declare_check! {
    /// ## What it finds
    ///
    /// A transition of a reachable state that can never fire, and why: its guard contradicts
    /// the invariants or `requires` in that state, no channel it names can perform the action,
    /// a forbid blocks the action wherever it would fire, the action's effects always break
    /// an invariant, or the process it calls can never succeed from there.
    ///
    /// ## Why it hurts customers
    ///
    /// The path the designer drew does not exist. Customers are told about it ("the store can
    /// do that for you") and find out the hard way that it cannot.
    ///
    /// ## Example
    ///
    /// ```omni
    /// rule same_address: invariant customer.billing_address == customer.installation_address
    /// action change_billing_address { set customer.billing_address = customer.new_billing_address }
    /// state back_office {
    ///   do change_billing_address when customer.new_billing_address != customer.installation_address -> done
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Read the reason in the finding: relax the guard, let a channel perform the action,
    /// narrow the forbid, or change the invariant the step contradicts.
    pub static DEAD_TRANSITION = {
        code: "D106",
        name: "dead-transition",
        severity: Error,
        summary: "a transition that can never fire",
    };
}

/// Reports every transition of a reachable state that can never fire.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.analysis.cut_short {
        return; // a "can never" verdict needs the whole state space
    }
    let explorer = cx.analysis.explorer();
    for (id, state_id) in cx.reached_states() {
        let process = cx.model.process(id);
        let state = process.state(state_id);
        let reach = cx.analysis.reach(id, state_id);
        for (index, t) in state.transitions.iter().enumerate() {
            if matches!(
                t.node,
                Transition::Handoff { .. } | Transition::After { .. }
            ) {
                continue;
            }
            if cx.analysis.can_fire(&explorer, id, state_id, index) {
                continue;
            }
            let (message, notes, labels) = reason(cx, &explorer, reach, &t.node);
            let mut d = Diagnostic::new(&DEAD_TRANSITION, t.span, message)
                .with_help("relax what blocks it, or remove the transition");
            for note in notes {
                d = d.with_note(note);
            }
            for (span, label) in labels {
                d = d.with_label(span, label);
            }
            out.push(d);
        }
    }
}

type Reason = (String, Vec<String>, Vec<(crate::source::Span, String)>);

/// Why a transition never fires, found by adding its conditions one at a time.
fn reason(
    cx: &Context<'_, '_>,
    explorer: &crate::analysis::explore::Explorer<'_, '_>,
    reach: &biodivine_lib_bdd::Bdd,
    t: &Transition,
) -> Reason {
    let sem = &cx.analysis.sem;
    let dom = &sem.dom;
    let model = cx.model;
    match t {
        Transition::On { action, when, .. } | Transition::Do { action, when, .. } => {
            let a = action.node;
            let name = &model.action(a).name;
            let performers: Vec<Performer> = match t {
                Transition::On { .. } => explorer
                    .channels(t)
                    .into_iter()
                    .map(Performer::Channel)
                    .collect(),
                _ => vec![Performer::System],
            };
            if performers.is_empty() {
                return (
                    format!(
                        "`{name}` can never be performed here: no channel it names can perform it"
                    ),
                    vec!["a channel must list the action under `can`".into()],
                    vec![],
                );
            }
            let params = dom.params_valid(a, 0);
            let guard = when
                .as_ref()
                .map_or_else(|| dom.vars().mk_true(), |w| dom.cond(w, &[(a, 0)]));
            let mut at = reach.meet(&params).meet(&guard);
            if at.is_false() {
                let span = when.as_ref().map(|w| w.span);
                return (
                    "this transition never fires: its guard never holds in this state".to_owned(),
                    vec!["the guard contradicts the invariants, the process's `requires`, or what the earlier steps set".into()],
                    span.into_iter().map(|s| (s, "never holds here".to_owned())).collect(),
                );
            }
            at = at.meet(&sem.requires(a, 0));
            if at.is_false() {
                return (
                    format!("`{name}` is always rejected here: its `requires` never hold"),
                    vec![],
                    model
                        .action(a)
                        .requires
                        .iter()
                        .map(|r| (r.span, "never holds here".to_owned()))
                        .collect(),
                );
            }
            let allowed = performers.iter().fold(dom.vars().mk_false(), |acc, p| {
                acc.join(&at.minus(&sem.forbidden(a, *p, 0)))
            });
            if allowed.is_false() {
                let labels = model.index.forbids_by_action[a.index()]
                    .iter()
                    .map(|r| {
                        (
                            model.rule(*r).name.span,
                            format!("`{}` forbids it", model.rule(*r).name),
                        )
                    })
                    .collect();
                return (
                    format!("`{name}` is forbidden wherever this transition would fire"),
                    vec![],
                    labels,
                );
            }
            let labels = model
                .index
                .invariants
                .iter()
                .filter_map(|r| match &model.rule(*r).kind.node {
                    RuleKind::Invariant(_) => {
                        Some((model.rule(*r).name.span, "this invariant".to_owned()))
                    }
                    _ => None,
                })
                .collect();
            (
                format!("`{name}` is always rejected here: its effects break an invariant"),
                vec![],
                labels,
            )
        }
        Transition::Await { event, .. } => {
            let def = model.event(event.node);
            if !cx.analysis.available.contains(&event.node) {
                (
                    format!(
                        "`{}` never arrives, so this transition never fires",
                        def.name
                    ),
                    vec![],
                    vec![],
                )
            } else {
                (
                    "this transition never fires: its guard never holds in this state".into(),
                    vec![],
                    vec![],
                )
            }
        }
        Transition::Call {
            process, otherwise, ..
        } => {
            let what = if otherwise.is_some() {
                "can never end"
            } else {
                "can never succeed"
            };
            (
                format!(
                    "`{}` {what} from here, so this step never completes",
                    model.process(process.node).name
                ),
                vec![],
                vec![],
            )
        }
        Transition::All { otherwise, .. } => {
            let what = if otherwise.is_some() {
                "never all end"
            } else {
                "never all succeed"
            };
            (
                format!("these processes {what} from here, so this step never completes"),
                vec![],
                vec![],
            )
        }
        Transition::After { .. } | Transition::Handoff { .. } => (String::new(), vec![], vec![]),
    }
}
