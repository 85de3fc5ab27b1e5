//! C204: a handoff from or to a channel that keeps no case record.

use super::{Context, declare_check};
use crate::diagnostic::Diagnostic;
use crate::model::Transition;

declare_check! {
    /// ## What it finds
    ///
    /// A `handoff` from or to a channel without `records case`: what the customer said or was
    /// promised on one side does not reach the other.
    ///
    /// ## Why it hurts customers
    ///
    /// "Return the bill, we won't cut your line", written on Twitter, is not in the case the
    /// phone agent opens; four outsourced teams without a shared CRM each start from zero:
    /// "if it is not recorded, it does not exist".
    ///
    /// ## Example
    ///
    /// ```omni
    /// channel twitter { can open_bill_claim }          # no `records case`
    /// state open { handoff twitter -> phone }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Bring the channel into the shared case record (`records case`), or hand off only
    /// between channels that have it.
    pub static HANDOFF_LOSES_CONTEXT = {
        code: "C204",
        name: "handoff-loses-context",
        severity: Warning,
        summary: "a handoff from or to a channel without `records case`",
    };
}

/// Reports every handoff that involves a channel without a case record.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    for process in &cx.model.processes {
        for state in &process.states {
            for t in &state.transitions {
                let Transition::Handoff { from, to } = &t.node else {
                    continue;
                };
                let unrecorded: Vec<_> = from
                    .iter()
                    .chain(std::iter::once(to))
                    .filter(|c| !cx.model.channel(c.node).records_case)
                    .collect();
                let Some(first) = unrecorded.first() else {
                    continue;
                };
                let mut names: Vec<String> = unrecorded
                    .iter()
                    .map(|c| format!("`{}`", cx.model.channel(c.node).name))
                    .collect();
                names.dedup();
                let verb = if names.len() == 1 { "keeps" } else { "keep" };
                let mut d = Diagnostic::new(
                    &HANDOFF_LOSES_CONTEXT,
                    first.span,
                    format!("this handoff loses the customer's context: {} {verb} no case record", names.join(", ")),
                )
                .with_help("add `records case` to the channel, or hand off only between channels that record the case");
                for c in unrecorded.iter().skip(1) {
                    d = d.with_label(c.span, "no case record either");
                }
                out.push(d);
            }
        }
    }
}
