//! The declarative registry: one line per check, and the metadata each check declares.

use crate::diagnostic::Severity;
use crate::model::{Process, ProcessId, StateId};

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

/// What a policy check reads: the model, its analysis, and which of its processes this run
/// covers.
pub struct Context<'a, 'm> {
    /// The policy.
    pub model: &'m crate::model::Model,
    /// The analysis of the policy, computed once for all checks.
    pub analysis: &'a crate::analysis::Analysis<'m>,
    /// The processes a per-process check looks at in this run ([`Shard::WHOLE`] for every
    /// other check).
    pub shard: Shard,
}

impl<'m> Context<'_, 'm> {
    /// The processes this run covers, with their ids.
    pub fn processes(&self) -> impl Iterator<Item = (ProcessId, &'m Process)> + '_ {
        self.model
            .processes
            .iter()
            .enumerate()
            .map(|(i, process)| (ProcessId(i as u32), process))
            .filter(|(id, _)| self.shard.covers(*id))
    }

    /// The states some data reach, of the processes this run covers (the others' are not
    /// looked at).
    pub fn reached_states(&self) -> impl Iterator<Item = (ProcessId, StateId)> + '_ {
        self.processes()
            .flat_map(|(id, _)| self.analysis.reached_states_of(id))
    }
}

/// One of `count` disjoint parts of a policy's processes, by index modulo `count`: the
/// per-process checks of a large policy run on each part on a core of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which part.
    pub index: usize,
    /// Into how many parts the processes are divided.
    pub count: usize,
}

impl Shard {
    /// Every process.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Whether `process` belongs to this part.
    pub fn covers(self, process: ProcessId) -> bool {
        process.index() % self.count == self.index
    }
}

/// A check's entry point: appends its findings.
pub type Run = fn(&Context<'_, '_>, &mut Vec<crate::diagnostic::Diagnostic>);

/// What a check's findings depend on, which decides how its work may be divided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Read while the policy is read (the E checks): the front end reports them.
    FrontEnd,
    /// The whole policy: it runs once, over everything.
    Policy,
    /// One process at a time: what it finds about a process depends on that process (and
    /// the processes it calls) alone, so it may run on parts of the processes
    /// ([`Context::processes`]) and find, together, what it finds on all of them.
    Process,
}

/// A registered check: its metadata and, for checks that run on a model, its entry point.
pub struct Check {
    /// Code, name, severity, documentation.
    pub meta: &'static CheckMeta,
    /// The entry point; `None` for the front end's checks.
    pub run: Option<Run>,
    /// What its findings depend on.
    pub scope: Scope,
}

impl Check {
    const fn front_end(meta: &'static CheckMeta) -> Check {
        Check {
            meta,
            run: None,
            scope: Scope::FrontEnd,
        }
    }

    const fn policy(meta: &'static CheckMeta, run: Run) -> Check {
        Check {
            meta,
            run: Some(run),
            scope: Scope::Policy,
        }
    }

    const fn per_process(meta: &'static CheckMeta, run: Run) -> Check {
        Check {
            meta,
            run: Some(run),
            scope: Scope::Process,
        }
    }
}

impl std::ops::Deref for Check {
    type Target = CheckMeta;
    fn deref(&self) -> &CheckMeta {
        self.meta
    }
}

/// Every check omnilint has, in code order: one line each.
pub static REGISTRY: &[Check] = &[
    Check::front_end(&super::analysis_incomplete::ANALYSIS_INCOMPLETE),
    Check::front_end(&super::invalid_suppression::INVALID_SUPPRESSION),
    Check::front_end(&super::unused_suppression::UNUSED_SUPPRESSION),
    Check::front_end(&super::syntax_error::SYNTAX_ERROR),
    Check::front_end(&super::unknown_name::UNKNOWN_NAME),
    Check::front_end(&super::duplicate_definition::DUPLICATE_DEFINITION),
    Check::front_end(&super::type_mismatch::TYPE_MISMATCH),
    Check::front_end(&super::malformed_process::MALFORMED_PROCESS),
    Check::front_end(&super::policy_header::POLICY_HEADER),
    Check::per_process(
        &super::unreachable_state::UNREACHABLE_STATE,
        super::unreachable_state::check,
    ),
    Check::per_process(
        &super::dead_end_state::DEAD_END_STATE,
        super::dead_end_state::check,
    ),
    Check::per_process(&super::no_way_out::NO_WAY_OUT, super::no_way_out::check),
    Check::per_process(
        &super::cannot_succeed::CANNOT_SUCCEED,
        super::cannot_succeed::check,
    ),
    Check::policy(
        &super::event_never_emitted::EVENT_NEVER_EMITTED,
        super::event_never_emitted::check,
    ),
    Check::per_process(
        &super::dead_transition::DEAD_TRANSITION,
        super::dead_transition::check,
    ),
    Check::per_process(
        &super::stuck_customers::STUCK_CUSTOMERS,
        super::stuck_customers::check,
    ),
    Check::per_process(
        &super::ambiguous_transition::AMBIGUOUS_TRANSITION,
        super::ambiguous_transition::check,
    ),
    Check::per_process(
        &super::unhandled_failure::UNHANDLED_FAILURE,
        super::unhandled_failure::check,
    ),
    Check::policy(
        &super::channel_cannot_perform::CHANNEL_CANNOT_PERFORM,
        super::channel_cannot_perform::check,
    ),
    Check::per_process(
        &super::entry_channel_stranded::ENTRY_CHANNEL_STRANDED,
        super::entry_channel_stranded::check,
    ),
    Check::per_process(
        &super::entry_channel_cannot_complete::ENTRY_CHANNEL_CANNOT_COMPLETE,
        super::entry_channel_cannot_complete::check,
    ),
    Check::policy(
        &super::handoff_loses_context::HANDOFF_LOSES_CONTEXT,
        super::handoff_loses_context::check,
    ),
    Check::per_process(
        &super::sla_unreachable::SLA_UNREACHABLE,
        super::sla_unreachable::check,
    ),
    Check::per_process(
        &super::handoff_dead_end::HANDOFF_DEAD_END,
        super::handoff_dead_end::check,
    ),
    Check::per_process(
        &super::handoff_loop::HANDOFF_LOOP,
        super::handoff_loop::check,
    ),
    Check::policy(
        &super::unused_capability::UNUSED_CAPABILITY,
        super::unused_capability::check,
    ),
    Check::policy(
        &super::contradictory_invariants::CONTRADICTORY_INVARIANTS,
        super::contradictory_invariants::check,
    ),
    Check::policy(
        &super::action_breaks_invariant::ACTION_BREAKS_INVARIANT,
        super::action_breaks_invariant::check,
    ),
    Check::policy(
        &super::trigger_forbidden::TRIGGER_FORBIDDEN,
        super::trigger_forbidden::check,
    ),
    Check::policy(
        &super::forbid_never_applies::FORBID_NEVER_APPLIES,
        super::forbid_never_applies::check,
    ),
    Check::policy(
        &super::redundant_forbid::REDUNDANT_FORBID,
        super::redundant_forbid::check,
    ),
    Check::policy(
        &super::forbidden_everywhere::FORBIDDEN_EVERYWHERE,
        super::forbidden_everywhere::check,
    ),
    Check::per_process(
        &super::assertion_violated::ASSERTION_VIOLATED,
        super::assertion_violated::check,
    ),
    Check::policy(
        &super::trigger_cycle::TRIGGER_CYCLE,
        super::trigger_cycle::check,
    ),
    Check::policy(
        &super::unsatisfiable_condition::UNSATISFIABLE_CONDITION,
        super::unsatisfiable_condition::check,
    ),
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
