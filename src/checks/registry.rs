//! The declarative registry: one line per check, and the metadata each check declares.

use crate::diagnostic::Severity;

/// The family a check belongs to, named by the first letter of its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// E: the policy cannot be read.
    Read,
    /// D: dead ends, where a customer can get stuck.
    DeadEnd,
    /// C: a channel is asked to do what it cannot.
    Channel,
    /// R: rules that contradict each other or the processes.
    Rule,
    /// A: about the analysis itself.
    Analysis,
}

impl Group {
    /// The group a code belongs to, by its first letter.
    pub const fn of_code(code: &str) -> Group {
        match code.as_bytes().first() {
            Some(b'D') => Group::DeadEnd,
            Some(b'C') => Group::Channel,
            Some(b'R') => Group::Rule,
            Some(b'A') => Group::Analysis,
            _ => Group::Read,
        }
    }

    /// The group a one-letter name (`D`, `C`, ...) stands for.
    pub fn from_letter(name: &str) -> Option<Group> {
        let mut chars = name.chars();
        let (Some(letter), None) = (chars.next(), chars.next()) else {
            return None;
        };
        [
            Group::Read,
            Group::DeadEnd,
            Group::Channel,
            Group::Rule,
            Group::Analysis,
        ]
        .into_iter()
        .find(|g| g.letter() == letter)
    }

    /// The group's letter.
    pub fn letter(self) -> char {
        match self {
            Group::Read => 'E',
            Group::DeadEnd => 'D',
            Group::Channel => 'C',
            Group::Rule => 'R',
            Group::Analysis => 'A',
        }
    }

    /// The group's name in words.
    pub fn title(self) -> &'static str {
        match self {
            Group::Read => "the policy cannot be read",
            Group::DeadEnd => "dead ends: a customer can get stuck",
            Group::Channel => "channels: a channel is asked to do what it cannot",
            Group::Rule => "rules that contradict each other or the processes",
            Group::Analysis => "the analysis itself",
        }
    }
}

/// What a check is: its stable code, name, default severity and documentation.
#[derive(Debug, PartialEq, Eq)]
pub struct CheckMeta {
    /// Stable code, e.g. `D102`. Never reused.
    pub code: &'static str,
    /// Kebab-case name, e.g. `dead-end-state`.
    pub name: &'static str,
    /// The family, derived from the code's letter.
    pub group: Group,
    /// The severity when nothing is configured.
    pub severity: Severity,
    /// One line: what it finds.
    pub summary: &'static str,
    /// The documentation page (What it finds / Why it hurts customers / Example / How to
    /// fix), taken from the check's doc comment.
    docs: &'static str,
}

impl CheckMeta {
    #[doc(hidden)]
    pub const fn new(
        code: &'static str,
        name: &'static str,
        severity: Severity,
        summary: &'static str,
        docs: &'static str,
    ) -> Self {
        CheckMeta {
            code,
            name,
            group: Group::of_code(code),
            severity,
            summary,
            docs,
        }
    }

    /// The documentation page as Markdown, with the doc comments' leading space removed.
    pub fn docs(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim_end().to_owned() + "\n"
    }
}

/// Declares a check's metadata; the doc comment above it becomes its `omnilint explain` page.
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            severity: $severity:ident,
            summary: $summary:literal $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        $vis static $ident: $crate::checks::CheckMeta = $crate::checks::CheckMeta::new(
            $code,
            $name,
            $crate::diagnostic::Severity::$severity,
            $summary,
            concat!($($doc, "\n"),*),
        );
    };
}
pub(crate) use declare_check;

/// What a policy check reads: the model and its analysis.
pub struct Context<'a, 'm> {
    /// The policy.
    pub model: &'m crate::model::Model,
    /// The analysis of the policy, computed once for all checks.
    pub analysis: &'a crate::analysis::Analysis<'m>,
}

/// A check's entry point: appends its findings.
pub type Run = fn(&Context<'_, '_>, &mut Vec<crate::diagnostic::Diagnostic>);

/// A registered check: its metadata and, for checks that run on a model, its entry point
/// (the E checks are reported by the front end while a policy is read).
pub struct Check {
    /// Code, name, severity, documentation.
    pub meta: &'static CheckMeta,
    /// The entry point; `None` for the front end's checks.
    pub run: Option<Run>,
}

impl std::ops::Deref for Check {
    type Target = CheckMeta;
    fn deref(&self) -> &CheckMeta {
        self.meta
    }
}

/// Every check omnilint has, in code order: one line each.
pub static REGISTRY: &[Check] = &[
    Check {
        meta: &super::analysis_incomplete::ANALYSIS_INCOMPLETE,
        run: None,
    },
    Check {
        meta: &super::invalid_suppression::INVALID_SUPPRESSION,
        run: None,
    },
    Check {
        meta: &super::unused_suppression::UNUSED_SUPPRESSION,
        run: None,
    },
    Check {
        meta: &super::syntax_error::SYNTAX_ERROR,
        run: None,
    },
    Check {
        meta: &super::unknown_name::UNKNOWN_NAME,
        run: None,
    },
    Check {
        meta: &super::duplicate_definition::DUPLICATE_DEFINITION,
        run: None,
    },
    Check {
        meta: &super::type_mismatch::TYPE_MISMATCH,
        run: None,
    },
    Check {
        meta: &super::malformed_process::MALFORMED_PROCESS,
        run: None,
    },
    Check {
        meta: &super::policy_header::POLICY_HEADER,
        run: None,
    },
    Check {
        meta: &super::unreachable_state::UNREACHABLE_STATE,
        run: Some(super::unreachable_state::check),
    },
    Check {
        meta: &super::dead_end_state::DEAD_END_STATE,
        run: Some(super::dead_end_state::check),
    },
    Check {
        meta: &super::no_way_out::NO_WAY_OUT,
        run: Some(super::no_way_out::check),
    },
    Check {
        meta: &super::cannot_succeed::CANNOT_SUCCEED,
        run: Some(super::cannot_succeed::check),
    },
    Check {
        meta: &super::event_never_emitted::EVENT_NEVER_EMITTED,
        run: Some(super::event_never_emitted::check),
    },
    Check {
        meta: &super::dead_transition::DEAD_TRANSITION,
        run: Some(super::dead_transition::check),
    },
    Check {
        meta: &super::stuck_customers::STUCK_CUSTOMERS,
        run: Some(super::stuck_customers::check),
    },
    Check {
        meta: &super::ambiguous_transition::AMBIGUOUS_TRANSITION,
        run: Some(super::ambiguous_transition::check),
    },
    Check {
        meta: &super::unhandled_failure::UNHANDLED_FAILURE,
        run: Some(super::unhandled_failure::check),
    },
    Check {
        meta: &super::channel_cannot_perform::CHANNEL_CANNOT_PERFORM,
        run: Some(super::channel_cannot_perform::check),
    },
    Check {
        meta: &super::entry_channel_stranded::ENTRY_CHANNEL_STRANDED,
        run: Some(super::entry_channel_stranded::check),
    },
    Check {
        meta: &super::entry_channel_cannot_complete::ENTRY_CHANNEL_CANNOT_COMPLETE,
        run: Some(super::entry_channel_cannot_complete::check),
    },
    Check {
        meta: &super::handoff_loses_context::HANDOFF_LOSES_CONTEXT,
        run: Some(super::handoff_loses_context::check),
    },
    Check {
        meta: &super::sla_unreachable::SLA_UNREACHABLE,
        run: Some(super::sla_unreachable::check),
    },
    Check {
        meta: &super::handoff_dead_end::HANDOFF_DEAD_END,
        run: Some(super::handoff_dead_end::check),
    },
    Check {
        meta: &super::handoff_loop::HANDOFF_LOOP,
        run: Some(super::handoff_loop::check),
    },
    Check {
        meta: &super::unused_capability::UNUSED_CAPABILITY,
        run: Some(super::unused_capability::check),
    },
    Check {
        meta: &super::contradictory_invariants::CONTRADICTORY_INVARIANTS,
        run: Some(super::contradictory_invariants::check),
    },
    Check {
        meta: &super::action_breaks_invariant::ACTION_BREAKS_INVARIANT,
        run: Some(super::action_breaks_invariant::check),
    },
    Check {
        meta: &super::trigger_forbidden::TRIGGER_FORBIDDEN,
        run: Some(super::trigger_forbidden::check),
    },
    Check {
        meta: &super::forbid_never_applies::FORBID_NEVER_APPLIES,
        run: Some(super::forbid_never_applies::check),
    },
    Check {
        meta: &super::redundant_forbid::REDUNDANT_FORBID,
        run: Some(super::redundant_forbid::check),
    },
    Check {
        meta: &super::forbidden_everywhere::FORBIDDEN_EVERYWHERE,
        run: Some(super::forbidden_everywhere::check),
    },
    Check {
        meta: &super::assertion_violated::ASSERTION_VIOLATED,
        run: Some(super::assertion_violated::check),
    },
    Check {
        meta: &super::trigger_cycle::TRIGGER_CYCLE,
        run: Some(super::trigger_cycle::check),
    },
    Check {
        meta: &super::unsatisfiable_condition::UNSATISFIABLE_CONDITION,
        run: Some(super::unsatisfiable_condition::check),
    },
];

/// Finds a check by code (`E002`, case-insensitive) or by name (`unknown-name`).
pub fn lookup(code_or_name: &str) -> Option<&'static CheckMeta> {
    REGISTRY.iter().map(|c| c.meta).find(|c| {
        c.code.eq_ignore_ascii_case(code_or_name) || c.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// " (did you mean `X`?)" when a code or name is close to `given`; empty otherwise.
pub fn did_you_mean(given: &str) -> String {
    let given = given.to_ascii_lowercase();
    REGISTRY
        .iter()
        .flat_map(|c| [c.code, c.name])
        .map(|n| {
            (
                strsim::damerau_levenshtein(&given, &n.to_ascii_lowercase()),
                n,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default()
}
