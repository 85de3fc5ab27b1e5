//! `--format junit`: JUnit XML, which most CI systems show as a test report. Each file is a
//! test suite and each check a test case in it: a check fails in a file when it has a finding
//! there at or above the failing severity; findings below it are printed as the case's output.

use crate::checks::REGISTRY;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::Report;
use crate::source::FileId;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The report as a JUnit XML document; `fail_level` is the least severity that fails.
pub fn junit(report: &Report, fail_level: Severity) -> String {
    let mut by_file: BTreeMap<&str, (FileId, BTreeMap<&str, Vec<&Diagnostic>>)> = BTreeMap::new();
    for (id, file) in report.sources.iter() {
        by_file.insert(&file.name, (id, BTreeMap::new()));
    }
    for d in &report.diagnostics {
        let name = report.sources.get(d.span.file).name.as_str();
        if let Some((_, checks)) = by_file.get_mut(name) {
            checks.entry(d.code()).or_default().push(d);
        }
    }
    let failing = |ds: &[&Diagnostic]| ds.iter().any(|d| d.severity >= fail_level);
    let total_cases = by_file.len() * REGISTRY.len();
    let total_failures: usize = by_file
        .values()
        .map(|(_, checks)| checks.values().filter(|ds| failing(ds)).count())
        .sum();

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"omnilint\" tests=\"{total_cases}\" failures=\"{total_failures}\">"
    );
    for (name, (file, checks)) in &by_file {
        let failures = checks.values().filter(|ds| failing(ds)).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
            escape(name),
            REGISTRY.len()
        );
        for check in REGISTRY {
            let _ = write!(
                out,
                "    <testcase name=\"{} {}\" classname=\"{}\"",
                check.code,
                check.name,
                escape(name)
            );
            let Some(found) = checks.get(check.code) else {
                out.push_str("/>\n");
                continue;
            };
            out.push_str(">\n");
            let text: Vec<String> = found.iter().map(|d| line(report, *file, d)).collect();
            let text = escape(&text.join("\n"));
            if failing(found) {
                let _ = writeln!(
                    out,
                    "      <failure type=\"{}\" message=\"{}\">{text}</failure>",
                    check.code,
                    escape(&format!(
                        "{} finding{}",
                        found.len(),
                        if found.len() == 1 { "" } else { "s" }
                    )),
                );
            } else {
                let _ = writeln!(out, "      <system-out>{text}</system-out>");
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// `file:line:column: severity: message`, the compiler-style line a CI log can link.
fn line(report: &Report, file: FileId, d: &Diagnostic) -> String {
    let source = report.sources.get(file);
    let (line, column) = source.line_col(d.span.start);
    format!(
        "{}:{line}:{column}: {}: {}",
        source.name, d.severity, d.message
    )
}

/// Escapes text for XML attributes and content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
