//! C208: a channel capability that nothing uses.

use super::{Context, declare_check};
use crate::diagnostic::Diagnostic;
use crate::model::{ActionId, RuleKind, TriggerSource};

declare_check! {
    /// ## What it finds
    ///
    /// A channel that lists an action under `can` when no process performs that action (in
    /// an `on` or `do` step) and no trigger uses it (as what sets it off or what it runs).
    ///
    /// ## Why it hurts customers
    ///
    /// A capability on paper that no process uses is usually a step someone forgot to draw:
    /// the channel could help, but no path leads a customer to it.
    ///
    /// ## Example
    ///
    /// ```omni
    /// channel twitter { can acknowledge }      # no process has a step `on acknowledge`
    /// ```
    ///
    /// ## How to fix
    ///
    /// Add the step that uses it where it belongs, or remove it from `can`.
    pub static UNUSED_CAPABILITY = {
        code: "C208",
        name: "unused-capability",
        severity: Note,
        summary: "a channel lists an action under `can` that no process or trigger uses",
    };
}

/// Reports every capability whose action nothing uses.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let mut used = vec![false; cx.model.actions.len()];
    let mut mark = |a: ActionId| used[a.index()] = true;
    for process in &cx.model.processes {
        for state in &process.states {
            for t in &state.transitions {
                match &t.node {
                    crate::model::Transition::On { action, .. }
                    | crate::model::Transition::Do { action, .. } => mark(action.node),
                    _ => {}
                }
            }
        }
    }
    for rule in &cx.model.rules {
        if let RuleKind::Trigger { on, then, .. } = &rule.kind.node {
            if let TriggerSource::Action(a) = on.node {
                mark(a);
            }
            mark(then.node);
        }
    }
    for channel in &cx.model.channels {
        for action in &channel.can {
            if used[action.node.index()] {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &UNUSED_CAPABILITY,
                    action.span,
                    format!(
                        "`{}` can perform `{}`, but no process or trigger uses it",
                        channel.name,
                        cx.model.action(action.node).name
                    ),
                )
                .with_help("add the step that uses it, or remove it from `can`"),
            );
        }
    }
}
