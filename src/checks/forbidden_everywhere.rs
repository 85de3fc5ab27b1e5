//! R306: an action offered on a channel but forbidden there for all data.

use super::{Context, declare_check};
use crate::analysis::domain::Sets;
use crate::analysis::semantics::Performer;
use crate::diagnostic::Diagnostic;
use crate::model::{ActionId, ChannelId, Transition};

declare_check! {
    /// ## What it finds
    ///
    /// An `on ACTION` transition offered on a channel (listed in its `via`, or, without
    /// `via`, any channel that `can` perform it) where forbids of the action block it on
    /// that channel for every allowed data (every field within its type, every invariant
    /// holding) and every parameter.
    ///
    /// ## Why it hurts customers
    ///
    /// The process draws a door on that channel that a rule has bricked up: customers are
    /// sent to the channel, ask, and are always refused.
    ///
    /// ## Example
    ///
    /// ```omni
    /// rule no_cancel_on_social: forbid cancel_plan via twitter
    /// state open { on cancel_plan via twitter, phone -> cancelled }   # never on twitter
    /// ```
    ///
    /// ## How to fix
    ///
    /// Take the channel out of the transition's `via` (and hand the customer off to one that
    /// can), or narrow the forbid with a `when`.
    pub static FORBIDDEN_EVERYWHERE = {
        code: "R306",
        name: "forbidden-everywhere",
        severity: Error,
        summary: "an action offered on a channel (by a transition) but forbidden there for every allowed data",
    };
}

/// Reports each `on` transition with channels on which its action is always forbidden.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let sem = &cx.analysis.sem;
    let allowed = &sem.allowed;
    if allowed.is_false() {
        return;
    }
    let explorer = cx.analysis.explorer();
    // Whether an action is forbidden on a channel for all data: asked once per pair, not once
    // per transition.
    let mut always: std::collections::HashMap<(ActionId, ChannelId), bool> = Default::default();
    for process in &cx.model.processes {
        for state in &process.states {
            for t in &state.transitions {
                let Transition::On { action, .. } = &t.node else {
                    continue;
                };
                let action = action.node;
                if cx.model.index.forbids_by_action[action.index()].is_empty() {
                    continue;
                }
                let blocked: Vec<_> = explorer
                    .channels(&t.node)
                    .into_iter()
                    .filter(|c| {
                        *always.entry((action, *c)).or_insert_with(|| {
                            allowed
                                .meet(&sem.dom.params_valid(action, 0))
                                .minus(&sem.forbidden(action, Performer::Channel(*c), 0))
                                .is_false()
                        })
                    })
                    .collect();
                if blocked.is_empty() {
                    continue;
                }
                let names: Vec<String> = blocked
                    .iter()
                    .map(|c| format!("`{}`", cx.model.channel(*c).name))
                    .collect();
                let mut d = Diagnostic::new(
                    &FORBIDDEN_EVERYWHERE,
                    t.span,
                    format!(
                        "`{}` is offered on {} but always forbidden there",
                        cx.model.action(action).name,
                        names.join(", ")
                    ),
                )
                .with_help("take the channel out of the transition (hand the customer off instead), or narrow the forbid with a `when`");
                for rule in &cx.model.index.forbids_by_action[action.index()] {
                    let r = cx.model.rule(*rule);
                    if blocked
                        .iter()
                        .any(|c| r.kind.node.forbid_applies_on(Some(*c)))
                    {
                        d = d.with_label(r.kind.span, "forbids it there");
                    }
                }
                out.push(d);
            }
        }
    }
}
