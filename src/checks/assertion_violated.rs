//! R307: a process `never` assertion that some path violates.

use super::{Context, declare_check};
use crate::analysis::cascade::trigger_chain;
use crate::analysis::domain::{Sets, forget};
use crate::diagnostic::{Diagnostic, Step, StepKind, Witness};
use crate::model::{ActionId, Never, ProcessId, StateId, Transition, TriggerSource};
use biodivine_lib_bdd::Bdd;

declare_check! {
    /// ## What it finds
    ///
    /// A `never` assertion of a process that some path from its start violates:
    ///
    /// - `never ACTION`: in a reachable state, a step of the process (`on`, `do`, an awaited
    ///   event), or an event that may arrive at any time, runs the action, directly or
    ///   through a cascade of triggers;
    /// - `never COND`: the condition holds in the data of some reachable state.
    ///
    /// The witness is the path from `start` and the values. Steps inside called
    /// sub-processes are checked against the sub-process's own assertions.
    ///
    /// ## Why it hurts customers
    ///
    /// An assertion is a promise ("sharing a plan never costs a penalty", "we won't cut your
    /// line"). A path that breaks it is a customer who was promised one thing and got the
    /// other, often through a rule nobody on the process's team knew about.
    ///
    /// ## Example
    ///
    /// ```omni
    /// rule commitment_penalty: on cancel_data_plan when customer.in_commitment then charge_penalty
    /// process multisim_request {
    ///   never charge_penalty
    ///   state reconfigure { on cancel_data_plan via phone -> reactivate }   # in commitment: penalty
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Change the path (a step that does not set off the rule), narrow the rule (`when not
    /// ...`), or, if the promise cannot be kept, stop making it.
    pub static ASSERTION_VIOLATED = {
        code: "R307",
        name: "assertion-violated",
        severity: Error,
        summary: "a process `never` assertion that some path violates, including through triggers; witness: the path and values",
    };
}

/// A violation found: where, the data (over fields), and the step that violates.
struct Violation {
    state: StateId,
    data: Bdd,
    step: Option<Step>,
}

/// Reports each `never` assertion some path violates, with the first violation found.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    for (id, process) in cx.processes() {
        for never in &process.nevers {
            let found = match &never.node {
                Never::Cond(cond) => {
                    let holds = cx.analysis.sem.dom.cond(cond, &[]);
                    process.state_ids().find_map(|s| {
                        let data = cx.analysis.reach(id, s).meet(&holds);
                        (!data.is_false()).then_some(Violation {
                            state: s,
                            data,
                            step: None,
                        })
                    })
                }
                Never::Action(goal) => runs(cx, id, *goal),
            };
            let Some(violation) = found else {
                continue;
            };
            let state = process.state(violation.state);
            let message = match &never.node {
                Never::Cond(_) => format!(
                    "`{}` promises this never holds, but it does in `{}`",
                    process.name, state.name
                ),
                Never::Action(a) => format!(
                    "`{}` promises `{}` never runs, but it can in `{}`",
                    process.name,
                    cx.model.action(*a).name,
                    state.name
                ),
            };
            let mut d = Diagnostic::new(&ASSERTION_VIOLATED, never.span, message)
                .with_label(state.name.span, "violated here")
                .with_help(
                    "change the path or the rule that breaks the promise, or stop making it",
                );
            let witness = cx
                .analysis
                .witness(id, violation.state, &violation.data)
                .map(|mut w: Witness| {
                    w.path.extend(violation.step);
                    w
                });
            if let Some(witness) = witness {
                d = d.with_witness(witness);
            }
            out.push(d);
        }
    }
}

/// The first reachable state (in order) where a step of the process, or an event that may
/// arrive, runs `goal`.
fn runs(cx: &Context<'_, '_>, process: ProcessId, goal: ActionId) -> Option<Violation> {
    let sem = &cx.analysis.sem;
    let model = cx.model;
    let explorer = cx.analysis.explorer();
    let none = sem.dom.vars().mk_false();
    let def = model.process(process);
    for s in def.state_ids() {
        let reach = cx.analysis.reach(process, s);
        let state = def.state(s);
        if reach.is_false() || state.is_final() {
            continue;
        }
        for t in &state.transitions {
            let (source, data) = match &t.node {
                Transition::On { action, .. } | Transition::Do { action, .. } => {
                    let Some(enabled) = explorer.enabled_with_params(&t.node) else {
                        continue;
                    };
                    let data = forget(
                        &enabled.meet(reach).meet(&sem.pre_or_running(
                            &none,
                            action.node,
                            0,
                            Some(goal),
                        )),
                        &sem.dom.param_vars(action.node, 0),
                    );
                    (TriggerSource::Action(action.node), data)
                }
                Transition::Await { event, .. } => {
                    let Some(enabled) = explorer.enabled(&t.node) else {
                        continue;
                    };
                    let data = enabled.meet(reach).meet(&sem.event_pre_or_running(
                        &none,
                        event.node,
                        0,
                        Some(goal),
                    ));
                    (TriggerSource::Event(event.node), data)
                }
                _ => continue,
            };
            if !data.is_false() {
                let text = format!("{}{}", step_text(cx, &t.node), runs_text(cx, source, goal));
                return Some(Violation {
                    state: s,
                    data,
                    step: Some(Step {
                        kind: if matches!(t.node, Transition::On { .. }) {
                            StepKind::Perform
                        } else {
                            StepKind::System
                        },
                        text,
                        span: Some(t.span),
                    }),
                });
            }
        }
        for event in &cx.analysis.available {
            if model.index.triggers_by_event[event.index()].is_empty() {
                continue;
            }
            let data = reach.meet(&sem.event_pre_or_running(&none, *event, 0, Some(goal)));
            if !data.is_false() {
                let source = TriggerSource::Event(*event);
                return Some(Violation {
                    state: s,
                    data,
                    step: Some(Step {
                        kind: StepKind::Event,
                        text: format!(
                            "event `{}` arrives{}",
                            model.event(*event).name,
                            runs_text(cx, source, goal)
                        ),
                        span: None,
                    }),
                });
            }
        }
    }
    None
}

fn step_text(cx: &Context<'_, '_>, t: &Transition) -> String {
    match t {
        Transition::On { action, .. } => {
            format!("`{}` is performed", cx.model.action(action.node).name)
        }
        Transition::Do { action, .. } => {
            format!("the system does `{}`", cx.model.action(action.node).name)
        }
        Transition::Await { event, .. } => format!("`{}` arrives", cx.model.event(event.node).name),
        _ => String::new(),
    }
}

/// ": rule `r` runs `goal`" (through the chain of triggers), or nothing when the step is
/// `goal` itself.
fn runs_text(cx: &Context<'_, '_>, source: TriggerSource, goal: ActionId) -> String {
    let rules = trigger_chain(cx.model, source, goal).unwrap_or_default();
    if rules.is_empty() {
        return String::new();
    }
    let names: Vec<String> = rules
        .iter()
        .map(|r| format!("`{}`", cx.model.rule(*r).name))
        .collect();
    format!(
        ", and rule {} runs `{}`",
        names.join(" then "),
        cx.model.action(goal).name
    )
}
