//! `--format github`: one GitHub Actions workflow command per finding, which the runner turns
//! into an annotation on the pull request's diff.

use super::Position;
use super::human::witness_text;
use crate::diagnostic::Severity;
use crate::lint::Report;

/// One `::error`/`::warning`/`::notice` line per finding, in the report's order.
pub fn github(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let p = Position::of(&report.sources, d.span);
        let file = &report.sources.get(d.span.file).name;
        let mut message = d.message.clone();
        for note in &d.notes {
            message.push_str(&format!("\nnote: {note}"));
        }
        if let Some(w) = &d.witness {
            message.push('\n');
            message.push_str(&witness_text(&report.sources, w));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}\n",
            property(file),
            p.line,
            p.end_line,
            p.column,
            p.end_column,
            property(&format!("{} {}", d.code(), d.check.name)),
            data(&message),
        ));
    }
    out
}

/// Escapes a command's message, as the Actions runner expects.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property's value: a message's escapes, plus `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
