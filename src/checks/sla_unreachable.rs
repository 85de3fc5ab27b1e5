//! C205: a process whose fastest success from some entry channel exceeds its `sla`.

use super::{Context, declare_check};
use crate::analysis::channels::ChannelView;
use crate::diagnostic::{Diagnostic, Step, StepKind, Witness};

declare_check! {
    /// ## What it finds
    ///
    /// A process with an `sla` whose fastest success path, starting on some entry channel,
    /// takes longer than the `sla`. Every channel contacted costs its `replies within` (the
    /// entry channel, and each channel a handoff sends the customer to); timeouts on the path
    /// add their duration. The witness is the fastest path and its time.
    ///
    /// ## Why it hurts customers
    ///
    /// A boiler service promised within 7 days, asked for by email: the email team answers
    /// after 35 days, with a letter saying "please call". The promise was broken by design.
    ///
    /// ## Example
    ///
    /// ```omni
    /// channel email { replies within 35d }
    /// process boiler_service {
    ///   entry email, phone
    ///   sla 7d
    ///   ...
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Shorten the slow channel's response time, let it complete the request itself, or drop
    /// it from `entry`.
    pub static SLA_UNREACHABLE = {
        code: "C205",
        name: "sla-unreachable",
        severity: Warning,
        summary: "a process with `sla` whose fastest success path from some entry channel exceeds it",
    };
}

/// Minutes as the largest units that divide them: `35d 15m`.
pub fn format_minutes(minutes: u64) -> String {
    if minutes == 0 {
        return "0m".into();
    }
    let mut parts = Vec::new();
    let mut rest = minutes;
    for (unit, size) in [("d", 24 * 60), ("h", 60), ("m", 1)] {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    parts.join(" ")
}

/// Reports every entry channel whose fastest success exceeds the process's `sla`.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let view = ChannelView::new(cx.analysis);
    for (id, process) in cx.processes() {
        let Some(sla) = &process.sla else { continue };
        let limit = sla.node.minutes();
        for entry in &process.entry {
            let Some(path) = view.fastest_success(id, entry.node) else {
                continue;
            };
            if path.minutes <= limit {
                continue;
            }
            let channel = cx.model.channel(entry.node);
            let mut steps = vec![Step {
                kind: StepKind::Start,
                text: format!(
                    "start on `{}` ({})",
                    channel.name,
                    channel.replies_within.as_ref().map_or_else(
                        || "no stated response time".to_owned(),
                        |d| format!("replies within {}", d.node)
                    )
                ),
                span: Some(entry.span),
            }];
            for edge in &path.edges {
                steps.push(Step {
                    kind: if edge.handoff {
                        StepKind::Handoff
                    } else {
                        StepKind::Perform
                    },
                    text: if edge.minutes > 0 {
                        format!(
                            "{} (+{})",
                            view.describe(id, edge),
                            format_minutes(edge.minutes)
                        )
                    } else {
                        view.describe(id, edge)
                    },
                    span: Some(edge.span),
                });
            }
            out.push(
                Diagnostic::new(
                    &SLA_UNREACHABLE,
                    entry.span,
                    format!(
                        "starting on `{}`, `{}` takes at least {}, over its `sla` of {}",
                        channel.name,
                        process.name,
                        format_minutes(path.minutes),
                        sla.node
                    ),
                )
                .with_label(sla.span, "the promised time")
                .with_help("shorten the channel's response time, let it complete the request itself, or drop it from `entry`")
                .with_witness(Witness { path: steps, values: Vec::new() }),
            );
        }
    }
}
