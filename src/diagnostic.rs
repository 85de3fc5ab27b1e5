//! The one diagnostic type every part of omnilint reports through.

use crate::checks::CheckMeta;
use crate::source::{FileId, Sources, Span};
use std::fmt;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; never fails a run by default.
    Note,
    /// Probably a problem.
    Warning,
    /// A customer will meet this failure, or the policy cannot be read.
    Error,
}

impl Severity {
    /// The lowercase name used in output (`error`, `warning`, `note`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location with a short explanation ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What it has to do with the finding.
    pub message: String,
}

/// What kind of step a witness path takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepKind {
    /// The customer starts the process on an entry channel.
    Start,
    /// A customer or agent performs an action on a channel (`on`).
    Perform,
    /// The system performs an action (`do`).
    System,
    /// An event arrives (`await`).
    Event,
    /// Time passes (`after`).
    Timeout,
    /// A sub-process runs (`call`, `all`).
    Call,
    /// An agent sends the customer to another channel (`handoff`).
    Handoff,
    /// A rule runs an action automatically (`on ... then ...`).
    Trigger,
}

impl StepKind {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Start => "start",
            StepKind::Perform => "perform",
            StepKind::System => "system",
            StepKind::Event => "event",
            StepKind::Timeout => "timeout",
            StepKind::Call => "call",
            StepKind::Handoff => "handoff",
            StepKind::Trigger => "trigger",
        }
    }
}

/// One step of a witness path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What kind of step.
    pub kind: StepKind,
    /// The step in words, e.g. "`change_billing_address` via `store` -> `applied`".
    pub text: String,
    /// The transition or rule that takes the step.
    pub span: Option<Span>,
}

/// A concrete value of a field or parameter in a witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// `entity.field` or a parameter name.
    pub name: String,
    /// The value as it would be written in a policy.
    pub value: String,
}

/// The concrete evidence for a finding: a path from `start` and the data that takes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Witness {
    /// The steps, in order.
    pub path: Vec<Step>,
    /// The field and parameter values that matter, sorted by name.
    pub values: Vec<Binding>,
}

/// A finding about a policy, or a problem reading one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The check that found it: code, name, documentation.
    pub check: &'static CheckMeta,
    /// Its severity (the check's default unless configured otherwise).
    pub severity: Severity,
    /// What is wrong: lowercase, no trailing period, names in backticks.
    pub message: String,
    /// The smallest piece of source at fault.
    pub span: Span,
    /// Other places that explain the finding.
    pub labels: Vec<Label>,
    /// Context that has no place in the source.
    pub notes: Vec<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// The path and data that show it can happen.
    pub witness: Option<Witness>,
    /// The name of the policy the finding is about, when known.
    pub policy: Option<String>,
}

impl Diagnostic {
    /// A finding of `check` at `span`, with the check's default severity.
    pub fn new(check: &'static CheckMeta, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            check,
            severity: check.severity,
            message: message.into(),
            span,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
            witness: None,
            policy: None,
        }
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help text when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Attaches a witness.
    pub fn with_witness(mut self, witness: Witness) -> Self {
        self.witness = Some(witness);
        self
    }

    /// The check's stable code, e.g. `E002`.
    pub fn code(&self) -> &'static str {
        self.check.code
    }
}

/// Sorts diagnostics by file name, position, code and message: the one order every output
/// uses, independent of the order files were read or checks ran in.
pub fn sort(diagnostics: &mut [Diagnostic], sources: &Sources) {
    // Each file's rank by name, so that comparing two findings copies no name.
    let mut by_name: Vec<(FileId, &str)> = sources
        .iter()
        .map(|(id, f)| (id, f.name.as_str()))
        .collect();
    by_name.sort_by(|a, b| a.1.cmp(b.1));
    let mut rank = vec![0; sources.len()];
    for (position, (id, _)) in by_name.iter().enumerate() {
        rank[id.0 as usize] = position;
    }
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                rank[d.span.file.0 as usize],
                d.span.start,
                d.span.end,
                d.check.code,
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.message.cmp(&b.message))
            .then_with(|| a.labels.len().cmp(&b.labels.len()))
    });
}
