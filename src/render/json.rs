//! `--format json`: one document, keys in the order of the output contract.

use super::Position;
use crate::diagnostic::{Diagnostic, Severity, Witness};
use crate::lint::Report;
use crate::source::{Sources, Span};
use serde::Serialize;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    policy: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
    notes: Vec<String>,
    witness: Option<JsonWitness<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JsonWitness<'a> {
    path: Vec<JsonStep<'a>>,
    values: Vec<JsonBinding<'a>>,
}

#[derive(Serialize)]
struct JsonStep<'a> {
    kind: &'static str,
    text: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
}

#[derive(Serialize)]
struct JsonBinding<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    policies: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

/// The report as the JSON document of the output contract (pretty-printed, newline-terminated).
pub fn json(report: &Report) -> String {
    let sources = &report.sources;
    let document = Document {
        version: 1,
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| diagnostic(sources, d))
            .collect(),
        summary: Summary {
            files: sources.len(),
            policies: report.policies.len(),
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            notes: report.count(Severity::Note),
        },
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}

fn label<'a>(sources: &'a Sources, span: Span, message: &'a str) -> JsonLabel<'a> {
    let p = Position::of(sources, span);
    JsonLabel {
        message,
        file: &sources.get(span.file).name,
        line: p.line,
        column: p.column,
        end_line: p.end_line,
        end_column: p.end_column,
    }
}

fn diagnostic<'a>(sources: &'a Sources, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let p = Position::of(sources, d.span);
    let mut notes = d.notes.clone();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    JsonDiagnostic {
        code: d.check.code,
        name: d.check.name,
        severity: d.severity.as_str(),
        message: &d.message,
        file: &sources.get(d.span.file).name,
        line: p.line,
        column: p.column,
        end_line: p.end_line,
        end_column: p.end_column,
        policy: d.policy.as_deref(),
        labels: d
            .labels
            .iter()
            .map(|l| label(sources, l.span, &l.message))
            .collect(),
        notes,
        witness: d.witness.as_ref().map(|w| witness(sources, w)),
    }
}

fn witness<'a>(sources: &'a Sources, w: &'a Witness) -> JsonWitness<'a> {
    JsonWitness {
        path: w
            .path
            .iter()
            .map(|step| {
                let position = step
                    .span
                    .map(|s| (Position::of(sources, s), &sources.get(s.file).name));
                JsonStep {
                    kind: step.kind.as_str(),
                    text: &step.text,
                    file: position.map(|(_, f)| f.as_str()),
                    line: position.map(|(p, _)| p.line),
                    column: position.map(|(p, _)| p.column),
                }
            })
            .collect(),
        values: w
            .values
            .iter()
            .map(|b| JsonBinding {
                name: &b.name,
                value: &b.value,
            })
            .collect(),
    }
}
