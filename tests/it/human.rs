//! Plain human output writes the messages under a finding (notes, witness, help) itself,
//! where coloured output leaves all of it to annotate-snippets (`render/human.rs`). Without
//! its colours, the coloured output is what annotate-snippets prints plain: the two must be
//! the same text, on every finding.

use super::support::{check_dir, check_paths, policy_files, root};
use omnilint::diagnostic::{Step, StepKind, Witness};
use omnilint::lint::Report;
use omnilint::render::human;
use proptest::prelude::*;

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

/// The directories directly in `dir`, a directory of the repository, sorted.
fn subdirectories(dir: &str) -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| {
            path.strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn plain_output_is_annotate_snippets_on_every_policy_and_fixture() {
    // Each bundled policy and the example as `omnilint check` reads them, each fixture alone
    // as its snapshot test does.
    let mut reports: Vec<(String, Report)> = subdirectories("policies")
        .into_iter()
        .chain(["docs/examples".to_owned()])
        .map(|dir| {
            let report = check_dir(&dir);
            (dir, report)
        })
        .collect();
    for fixture in subdirectories("tests/fixtures") {
        for file in policy_files(&fixture) {
            let report = check_paths(&[file.as_path()]);
            reports.push((file.display().to_string(), report));
        }
    }
    let mut findings = 0;
    for (what, report) in &reports {
        findings += report.diagnostics.len();
        assert_plain_is_annotate_snippets(report, what);
    }
    // The comparison is worth something only over many findings, with every kind of message.
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
    #![proptest_config(super::support::proptest_cases(64))]

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
