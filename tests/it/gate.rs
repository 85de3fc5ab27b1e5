//! omnilint as a CI gate: `omnilint.yaml`, inline suppressions, baselines, failing levels and
//! the CI formats (SARIF, GitHub annotations, JUnit).

use super::support::{omnilint, omnilint_in, root, stderr, stdout};
use std::path::Path;

/// One C204 finding (a warning) and nothing else.
const HANDOFF: &str = "policy p
action open_claim
channel phone { can open_claim; records case }
channel twitter { replies within 2h }

process bill_claim {
  entry phone, twitter
  start open
  state open {
    on open_claim via phone -> claimed
    handoff twitter -> phone
  }
  final claimed
}
";

/// A C201 error (twitter cannot close a claim), a D106 error, and the C204 warning.
const MIXED: &str = "policy p
action open_claim
action close_claim
channel phone { can open_claim, close_claim; records case }
channel twitter { replies within 2h }

process bill_claim {
  entry phone, twitter
  start open
  state open {
    on open_claim via phone -> claimed
    handoff twitter -> phone
    on close_claim via twitter -> claimed
  }
  final claimed
}
";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn codes_of(output: &std::process::Output) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&stdout(output)).unwrap();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {} {}",
                d["file"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["severity"].as_str().unwrap()
            )
        })
        .collect()
}

// ---- formats ----

const WITNESS_FIXTURE: &str = "tests/fixtures/R307-assertion-violated/invalid.omni";

#[test]
fn github_annotations_snapshot() {
    let output = omnilint(&["check", WITNESS_FIXTURE, "--format", "github"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn junit_snapshot() {
    let output = omnilint(&["check", WITNESS_FIXTURE, "--format", "junit"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn junit_fails_a_warning_only_under_deny_warnings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni", HANDOFF);
    let lenient = stdout(&omnilint_in(dir.path(), &["check", "--format", "junit"]));
    assert!(lenient.contains("failures=\"0\""), "{lenient}");
    assert!(
        lenient.contains("<system-out>p.omni:11:13: warning: this handoff"),
        "{lenient}"
    );
    let strict = omnilint_in(
        dir.path(),
        &["check", "--format", "junit", "--deny", "warnings"],
    );
    assert_eq!(strict.status.code(), Some(1));
    assert!(stdout(&strict).contains("<failure type=\"C204\" message=\"1 finding\">"));
}

/// The SARIF log with each rule reduced to its id: the rules' documentation is `explain`'s,
/// snapshotted elsewhere, and would bury the results.
#[test]
fn sarif_snapshot() {
    let output = omnilint(&["check", WITNESS_FIXTURE, "--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let mut log: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let rules = &mut log["runs"][0]["tool"]["driver"]["rules"];
    let ids: Vec<serde_json::Value> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    *rules = serde_json::Value::Array(ids);
    log["runs"][0]["tool"]["driver"]["semanticVersion"] = "(version)".into();
    insta::assert_snapshot!(serde_json::to_string_pretty(&log).unwrap());
}

fn assert_valid_sarif(args: &[&str]) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let output = omnilint(args);
    let log: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{args:?}: the SARIF log is not valid:\n{}",
        errors.join("\n")
    );
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn sarif_validates_against_the_official_schema() {
    // Every kind of finding: witnesses with paths and values, labels, syntax errors.
    assert_valid_sarif(&["check", "policies/telecom", "--format", "sarif"]);
    assert_valid_sarif(&[
        "check",
        "tests/fixtures/E001-syntax-error",
        "tests/fixtures/A002-invalid-suppression",
        "--format",
        "sarif",
    ]);
}

#[test]
fn a_broken_schema_check_would_notice_an_invalid_log() {
    // The validation above can fail: a log without `version` is rejected.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut log: serde_json::Value = serde_json::from_str(&stdout(&omnilint(&[
        "check",
        WITNESS_FIXTURE,
        "--format",
        "sarif",
    ])))
    .unwrap();
    log.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&log));
}

// ---- failing levels ----

#[test]
fn fail_level_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni", HANDOFF);
    let run = |args: &[&str]| omnilint_in(dir.path(), args).status.code();
    assert_eq!(
        run(&["check"]),
        Some(0),
        "a warning does not fail by default"
    );
    assert_eq!(run(&["check", "--deny", "warnings"]), Some(1));
    assert_eq!(run(&["check", "--fail-level", "warning"]), Some(1));
    assert_eq!(run(&["check", "--fail-level", "note"]), Some(1));
    assert_eq!(run(&["check", "--fail-level", "error"]), Some(0));
    assert_eq!(run(&["check", "--fail-level", "fatal"]), Some(2));
    assert_eq!(
        run(&["check", "--deny", "warnings", "--fail-level", "note"]),
        Some(2)
    );
}

// ---- configuration ----

#[test]
fn the_configuration_is_found_upwards_and_sets_severities() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "omnilint.yaml",
        "severity:\n  C204: error\n  C: note\n",
    );
    write(dir.path(), "policies/p.omni", MIXED);
    let output = omnilint_in(
        &dir.path().join("policies"),
        &["check", ".", "--format", "json"],
    );
    // The code beats its group letter, whatever the order.
    assert_eq!(
        codes_of(&output),
        ["p.omni C204 error", "p.omni D106 error", "p.omni C201 note"]
    );
    let isolated = omnilint_in(
        &dir.path().join("policies"),
        &["check", "--no-config", "--format", "json"],
    );
    assert_eq!(
        codes_of(&isolated),
        [
            "p.omni C204 warning",
            "p.omni D106 error",
            "p.omni C201 error"
        ]
    );
}

#[test]
fn overrides_and_excludes_apply_to_the_files_they_match() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "omnilint.yaml",
        "severity: { D: warning }\nexclude: [\"generated/**\"]\noverrides:\n  - files: [\"legacy/**\"]\n    severity: { C201: off, C204: off }\n",
    );
    write(dir.path(), "legacy/p.omni", MIXED);
    write(
        dir.path(),
        "current/p.omni",
        &MIXED.replace("policy p", "policy q"),
    );
    write(
        dir.path(),
        "generated/p.omni",
        "this is not a policy at all",
    );
    let output = omnilint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(
        codes_of(&output),
        [
            "current/p.omni C204 warning",
            "current/p.omni D106 warning",
            "current/p.omni C201 error",
            "legacy/p.omni D106 warning",
        ]
    );
}

#[test]
fn an_explicit_config_file_is_used() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ci/strict.yaml",
        "severity:\n  handoff-loses-context: error\n",
    );
    write(dir.path(), "p.omni", HANDOFF);
    let output = omnilint_in(
        dir.path(),
        &["check", "--config", "ci/strict.yaml", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(codes_of(&output), ["p.omni C204 error"]);
}

#[test]
fn a_bad_configuration_is_one_line_naming_the_key_and_its_line() {
    let cases = [
        (
            "severity:\n  C204: off\nexclud: [x]\n",
            "omnilint.yaml:3:1:",
            "unknown field `exclud`",
        ),
        (
            "severity:\n  C999: off\n",
            "omnilint.yaml:2:3:",
            "`severity`: unknown check `C999`",
        ),
        (
            "severity:\n  C24: off\n",
            "omnilint.yaml:2:3:",
            "(did you mean `C204`?)",
        ),
        (
            "severity:\n  C204: loud\n",
            "omnilint.yaml:2:9:",
            "`severity.C204`: `loud` is not a severity",
        ),
        (
            "severity:\n  E001: off\n",
            "omnilint.yaml:2:3:",
            "`E001` cannot be configured",
        ),
        (
            "severity:\n  E: off\n",
            "omnilint.yaml:2:3:",
            "the E checks cannot be configured",
        ),
        (
            "overrides:\n  - severity: { C204: off }\n",
            "omnilint.yaml:2:5:",
            "missing field `files`",
        ),
        (
            "overrides:\n  - files: [\"a\"]\n    severity: { X1: off }\n",
            "omnilint.yaml:3:17:",
            "`overrides[0].severity`: unknown check `X1`",
        ),
        (
            "severity: [C204]\n",
            "omnilint.yaml:1:11:",
            "expected mapping",
        ),
        ("severity:\n  C204: off\n  - x\n", "omnilint.yaml:", ""),
    ];
    for (config, place, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "omnilint.yaml", config);
        write(dir.path(), "p.omni", HANDOFF);
        let output = omnilint_in(dir.path(), &["check"]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{config}: {err}");
        assert!(
            err.starts_with("omnilint: error: invalid configuration: "),
            "{err}"
        );
        assert!(
            err.contains(place) && err.contains(message),
            "{config}:\n{err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(stdout(&output).is_empty());
    }
}

#[test]
fn an_unreadable_config_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni", HANDOFF);
    let output = omnilint_in(dir.path(), &["check", "--config", "missing.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read `missing.yaml`: no such file or directory"));
}

// ---- suppressions ----

#[test]
fn a_suppression_silences_only_what_it_names_where_it_stands() {
    let dir = tempfile::tempdir().unwrap();
    let suppressed = MIXED.replace(
        "    handoff twitter -> phone\n",
        "    handoff twitter -> phone  # omnilint: allow C204 -- the shop scans the DM into the case\n",
    );
    write(dir.path(), "p.omni", &suppressed);
    let output = omnilint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(
        codes_of(&output),
        ["p.omni D106 error", "p.omni C201 error"]
    );
}

#[test]
fn suppressions_work_in_yaml_policies() {
    let policy = "policy: p
actions:
  open_claim: {}
channels:
  phone: { can: [open_claim], records_case: true }
  twitter: { replies_within: 2h }
processes:
  bill_claim:
    entry: [phone, twitter]
    start: open
    states:
      open:
        - { on: open_claim, via: [phone], to: claimed }
        # omnilint: allow C204 -- the shop scans the DM into the case
        - { handoff: [twitter], to: phone }
    finals: { claimed: success }
";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni.yaml", policy);
    let output = omnilint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(
        codes_of(&output),
        Vec::<String>::new(),
        "{}",
        stdout(&output)
    );
    write(
        dir.path(),
        "p.omni.yaml",
        &policy.replace("C204 -- the", "C205 -- the"),
    );
    let output = omnilint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(
        codes_of(&output),
        ["p.omni.yaml A003 warning", "p.omni.yaml C204 warning"]
    );
}

#[test]
fn a_configured_severity_applies_to_the_suppression_checks_too() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "omnilint.yaml", "severity: { A003: off }\n");
    write(
        dir.path(),
        "p.omni",
        &HANDOFF.replace(
            "  final claimed",
            "  final claimed  # omnilint: allow D101 -- stale",
        ),
    );
    let output = omnilint_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(codes_of(&output), ["p.omni C204 warning"]);
    // Without the configuration the stale suppression is reported: the setting is the cause.
    let unconfigured = omnilint_in(dir.path(), &["check", "--no-config", "--format", "json"]);
    assert_eq!(
        codes_of(&unconfigured),
        ["p.omni C204 warning", "p.omni A003 warning"]
    );
}

// ---- baselines ----

#[test]
fn a_baseline_hides_known_findings_across_unrelated_edits() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni", MIXED);
    let written = omnilint_in(dir.path(), &["check", "--write-baseline", "baseline.json"]);
    assert_eq!(written.status.code(), Some(0));
    assert!(stderr(&written).contains("wrote 3 findings to `baseline.json`"));
    let baseline = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(baseline.contains("\"code\": \"C201\""), "{baseline}");

    // Lines shift: a comment and a new action above everything. Nothing is new.
    let shifted = MIXED.replace(
        "action open_claim\n",
        "# billing claims\n\naction open_claim\naction refund\n",
    );
    write(dir.path(), "p.omni", &format!("{shifted}\n"));
    let output = omnilint_in(dir.path(), &["check", "--baseline", "baseline.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("3 findings in the baseline not shown"));

    // A new problem is reported, and only it.
    let worse = shifted.replace(
        "  final claimed",
        "  state limbo { on refund via phone -> claimed }\n  final claimed",
    );
    write(dir.path(), "p.omni", &worse);
    let output = omnilint_in(
        dir.path(),
        &["check", "--baseline", "baseline.json", "--format", "json"],
    );
    assert_eq!(
        codes_of(&output),
        ["p.omni D101 warning", "p.omni C201 error"]
    );
}

#[test]
fn a_baseline_counts_identical_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni", HANDOFF);
    omnilint_in(dir.path(), &["check", "--write-baseline", "b.json"]);
    // The same handoff twice in one state: one is known, the other new.
    let twice = HANDOFF.replace(
        "    handoff twitter -> phone\n",
        "    handoff twitter -> phone\n    handoff twitter -> phone\n",
    );
    write(dir.path(), "p.omni", &twice);
    let output = omnilint_in(
        dir.path(),
        &["check", "--baseline", "b.json", "--format", "json"],
    );
    assert_eq!(
        codes_of(&output)
            .iter()
            .filter(|c| c.contains("C204"))
            .count(),
        1
    );
}

#[test]
fn a_bad_baseline_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.omni", HANDOFF);
    for (text, expected) in [
        (
            "{\"version\": 1, \"findings\": [",
            "invalid baseline `b.json`: line 1, column 28",
        ),
        (
            "{\"version\": 9, \"findings\": []}",
            "baseline version 9 is not supported",
        ),
        (
            "{\"version\": 1, \"findings\": [], \"extra\": 1}",
            "unknown field `extra`",
        ),
    ] {
        write(dir.path(), "b.json", text);
        let output = omnilint_in(dir.path(), &["check", "--baseline", "b.json"]);
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }
}
