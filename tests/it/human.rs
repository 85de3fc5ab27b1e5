//! Plain human output writes the messages under a finding (notes, witness, help) itself,
//! where coloured output leaves all of it to annotate-snippets (`render/human.rs`). Without
//! its colours, the coloured output is what annotate-snippets prints plain: the two must be
//! the same text, on every finding.

use super::support::{check_paths, root};
use omnilint::diagnostic::{Step, StepKind, Witness};
use omnilint::lint::Report;
use omnilint::render::human;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn without_colours(styled: &str) -> String {
    anstream::adapter::strip_str(styled).to_string()
}

fn assert_plain_is_annotate_snippets(report: &Report, what: &str) {
    let plain = human(report, false);
    let styled = human(report, true);
    if !report.diagnostics.is_empty() {
        assert_ne!(plain, styled, "{what}: the coloured output has no colours");
    }
    assert_eq!(plain, without_colours(&styled), "{what}");
}

/// The files under `dir`, named relative to the repository's root, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root().join(dir)];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path.strip_prefix(root()).unwrap().to_owned());
            }
        }
    }
    files.sort();
    files
}

fn check_dir(dir: &str) -> Report {
    let files = files_under(Path::new(dir));
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    check_paths(&paths)
}

#[test]
fn plain_output_is_annotate_snippets_on_every_policy_and_fixture() {
    let mut dirs: Vec<String> = ["policies", "tests/fixtures"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root().join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| {
            path.strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    dirs.push("docs/examples".to_owned());
    dirs.sort();
    let mut findings = 0;
    for dir in &dirs {
        let report = check_dir(dir);
        findings += report.diagnostics.len();
        assert_plain_is_annotate_snippets(&report, dir);
    }
    // The comparison is worth something only over findings with every kind of message.
    assert!(findings > 100, "only {findings} findings");
}

/// Texts with what a message's layout could trip on: empty lines, leading and trailing
/// spaces, tabs, wide and combining characters, a lone carriage return.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("\n"),
            Just(" "),
            Just("\t"),
            Just("word"),
            Just("`name`"),
            Just("漢字"),
            Just("e\u{301}"),
            Just("\r"),
            Just("= note:"),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any notes, witness steps and help, under findings whose line numbers have one to
    /// three digits (the story policies' files are long).
    #[test]
    fn plain_messages_are_annotate_snippets_whatever_their_text(
        notes in prop::collection::vec(text(), 0..3),
        steps in prop::collection::vec(text(), 0..3),
        help in prop::option::of(text()),
    ) {
        let mut report = check_dir("policies/telecom");
        prop_assert!(!report.diagnostics.is_empty());
        for d in &mut report.diagnostics {
            d.notes.clone_from(&notes);
            d.help.clone_from(&help);
            d.witness = (!steps.is_empty()).then(|| Witness {
                path: steps
                    .iter()
                    .map(|text| Step {
                        kind: StepKind::Perform,
                        text: text.clone(),
                        span: Some(d.span),
                    })
                    .collect(),
                values: Vec::new(),
            });
        }
        let plain = human(&report, false);
        prop_assert_eq!(plain, without_colours(&human(&report, true)));
    }
}
