//! `--format sarif`: SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure
//! DevOps) read. Every check is a rule; every finding a result with its labels as related
//! locations, its witness as a code flow, and its fingerprint.

use super::Position;
use crate::baseline::fingerprints;
use crate::checks::REGISTRY;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::Report;
use crate::source::{Sources, Span};
use serde_json::{Value, json};

/// The report as one SARIF 2.1.0 log with one run, newline-terminated.
pub fn sarif(report: &Report) -> String {
    let rules: Vec<Value> = REGISTRY
        .iter()
        .map(|check| {
            json!({
                "id": check.code,
                "name": check.name,
                "shortDescription": { "text": check.summary },
                "fullDescription": { "text": check.summary },
                "help": { "text": check.docs(), "markdown": check.docs() },
                "defaultConfiguration": { "level": level(check.severity) },
                "properties": { "group": check.group.title() },
            })
        })
        .collect();
    let prints = fingerprints(report);
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .zip(&prints)
        .map(|(d, print)| result(&report.sources, d, print))
        .collect();
    let artifacts: Vec<Value> = report
        .sources
        .iter()
        .map(|(_, file)| json!({ "location": { "uri": file.name } }))
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "omnilint",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "artifacts": artifacts,
            "results": results,
        }]
    });
    // A tree of strings and numbers: serializing cannot fail.
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn location(sources: &Sources, span: Span) -> Value {
    let p = Position::of(sources, span);
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": sources.get(span.file).name },
            "region": {
                "startLine": p.line,
                "startColumn": p.column,
                "endLine": p.end_line,
                "endColumn": p.end_column,
            }
        }
    })
}

fn with_message(mut location: Value, text: &str) -> Value {
    if let Some(object) = location.as_object_mut() {
        object.insert("message".to_owned(), json!({ "text": text }));
    }
    location
}

fn result(sources: &Sources, d: &Diagnostic, fingerprint: &str) -> Value {
    let rule_index = REGISTRY
        .iter()
        .position(|c| c.code == d.code())
        .unwrap_or_default();
    let mut text = d.message.clone();
    for note in &d.notes {
        text.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<Value> = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut location = with_message(location(sources, l.span), &l.message);
            if let Some(object) = location.as_object_mut() {
                object.insert("id".to_owned(), json!(i));
            }
            location
        })
        .collect();
    let mut result = json!({
        "ruleId": d.code(),
        "ruleIndex": rule_index,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [location(sources, d.span)],
        "partialFingerprints": { "omnilint/v1": fingerprint },
    });
    let Some(object) = result.as_object_mut() else {
        return result;
    };
    if !related.is_empty() {
        object.insert("relatedLocations".to_owned(), json!(related));
    }
    if let Some(policy) = &d.policy {
        object.insert("properties".to_owned(), json!({ "policy": policy }));
    }
    if let Some(w) = &d.witness {
        // Steps without a place in the source (a timeout, say) are anchored at the finding.
        let steps: Vec<Value> = w
            .path
            .iter()
            .map(|step| {
                let place = location(sources, step.span.unwrap_or(d.span));
                json!({ "location": with_message(place, &format!("{}: {}", step.kind.as_str(), step.text)) })
            })
            .collect();
        let values: serde_json::Map<String, Value> = w
            .values
            .iter()
            .map(|b| (b.name.clone(), json!(b.value)))
            .collect();
        if !steps.is_empty() {
            object.insert(
                "codeFlows".to_owned(),
                json!([{ "threadFlows": [{ "locations": steps }] }]),
            );
        }
        if !values.is_empty() {
            let properties = object.entry("properties").or_insert_with(|| json!({}));
            if let Some(properties) = properties.as_object_mut() {
                properties.insert("witnessValues".to_owned(), Value::Object(values));
            }
        }
    }
    result
}
