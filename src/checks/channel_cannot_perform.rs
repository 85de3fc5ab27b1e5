//! C201: `on A via C` where C cannot perform A.

use super::{Context, declare_check};
use crate::diagnostic::Diagnostic;
use crate::model::Transition;

declare_check! {
    /// ## What it finds
    ///
    /// A transition `on A via C, ...` that names a channel `C` whose `can` list does not
    /// include `A`: the process offers the step on a channel that cannot take it.
    ///
    /// ## Why it hurts customers
    ///
    /// The web portal offers the billing-address change, the drop-down is broken, and the
    /// customer has to find out which channel really can do it.
    ///
    /// ## Example
    ///
    /// ```omni
    /// channel web { can request_line_move }
    /// state request {
    ///   on change_billing_address via web, store -> done   # web cannot change it
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Give the channel the capability (`can change_billing_address`) if it really offers
    /// it, or remove it from `via`.
    pub static CHANNEL_CANNOT_PERFORM = {
        code: "C201",
        name: "channel-cannot-perform",
        severity: Error,
        summary: "`on A via C` where C does not list A under `can`",
    };
}

/// Reports every channel in a `via` that cannot perform the transition's action.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    for process in &cx.model.processes {
        for state in &process.states {
            for t in &state.transitions {
                let Transition::On {
                    action,
                    via: Some(via),
                    ..
                } = &t.node
                else {
                    continue;
                };
                for channel in via {
                    if cx.model.can_perform(channel.node, action.node) {
                        continue;
                    }
                    let def = cx.model.channel(channel.node);
                    out.push(
                        Diagnostic::new(
                            &CHANNEL_CANNOT_PERFORM,
                            channel.span,
                            format!(
                                "`{}` is offered for `{}`, which it cannot perform",
                                def.name,
                                cx.model.action(action.node).name
                            ),
                        )
                        .with_label(
                            def.name.span,
                            format!("`{}` does not list it under `can`", def.name),
                        )
                        .with_help(format!(
                            "add `can {}` to `{}` if it really offers it, or remove it from `via`",
                            cx.model.action(action.node).name,
                            def.name
                        )),
                    );
                }
            }
        }
    }
}
