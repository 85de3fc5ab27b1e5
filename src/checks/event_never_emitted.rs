//! D105: `await E` of an internal event nothing emits.

use super::{Context, declare_check};
use crate::diagnostic::Diagnostic;
use crate::model::Transition;

declare_check! {
    /// ## What it finds
    ///
    /// An `await E` where `E` is an internal event (not declared `external`) that no action
    /// emits in any reachable transition or trigger of the policy.
    ///
    /// ## Why it hurts customers
    ///
    /// "You will get an SMS: reply to it and everything starts." The SMS never comes, because
    /// no step of any process sends it, and the customer waits for it forever.
    ///
    /// ## Example
    ///
    /// ```omni
    /// event activation_sms
    /// state activation {
    ///   await activation_sms -> done     # no action has `emit activation_sms`
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Add the step that sends it (`action send_activation_sms { emit activation_sms }` and a
    /// `do send_activation_sms` where it belongs), or declare the event `external` if it comes
    /// from outside the organisation.
    pub static EVENT_NEVER_EMITTED = {
        code: "D105",
        name: "event-never-emitted",
        severity: Error,
        summary: "`await E` where E is internal and no reachable action or trigger emits it",
    };
}

/// Reports every `await` of an internal event that is never emitted.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.analysis.cut_short {
        return;
    }
    for process in &cx.model.processes {
        for state in &process.states {
            for t in &state.transitions {
                let Transition::Await { event, .. } = &t.node else {
                    continue;
                };
                let def = cx.model.event(event.node);
                if def.external || cx.analysis.emitted.contains(&event.node) {
                    continue;
                }
                let emitters = &cx.model.index.emitters[event.node.index()];
                let note = if emitters.is_empty() {
                    "no action emits it".to_owned()
                } else {
                    let names: Vec<String> = emitters
                        .iter()
                        .map(|a| format!("`{}`", cx.model.action(*a).name))
                        .collect();
                    format!(
                        "{} emit it, but never complete in any reachable step",
                        names.join(", ")
                    )
                };
                out.push(
                    Diagnostic::new(
                        &EVENT_NEVER_EMITTED,
                        event.span,
                        format!("`{}` waits for `{}`, which is never emitted", state.name, def.name),
                    )
                    .with_label(def.name.span, "an internal event: some action must emit it")
                    .with_note(note)
                    .with_help(format!(
                        "add a step that emits `{}`, or declare it `external event {}` if it comes from outside",
                        def.name, def.name
                    )),
                );
            }
        }
    }
}
