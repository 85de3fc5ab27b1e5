//! The command line: exit codes, the JSON contract, colour, explain and list.

use super::support::{omnilint, omnilint_in, stderr, stdout};
use omnilint::checks::REGISTRY;

const TYPO: &str = "policy p\naction acknowledge\nchannel twitter { can acknowledge }\nprocess complaint {\n  entry twiter\n  start open\n  state open { on acknowledge -> done }\n  final done\n}\n";

fn temp_policy(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.omni"), text).unwrap();
    dir
}

#[test]
fn the_fixed_telecom_policy_passes() {
    let output = omnilint(&["check", "policies/telecom-fixed"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("no problems found in 7 files (3 policies)"));
}

#[test]
fn the_clean_bundled_policies_have_no_findings() {
    let output = omnilint(&[
        "check",
        "policies/telecom-fixed",
        "policies/bank",
        "policies/insurer",
        "policies/car-rental",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        json["diagnostics"],
        serde_json::json!([]),
        "{}",
        stdout(&output)
    );
    assert_eq!(json["summary"]["policies"], 6);
    let yaml = omnilint(&["check", "docs/examples"]);
    assert_eq!(yaml.status.code(), Some(0), "{}", stdout(&yaml));
}

#[test]
fn a_typo_in_a_channel_name_fails_and_suggests_the_right_name() {
    let dir = temp_policy(TYPO);
    let output = omnilint_in(dir.path(), &["check", "p.omni", "--color", "never"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(
        out.contains("error[E002]: unknown channel `twiter`"),
        "{out}"
    );
    assert!(out.contains("--> p.omni:5:9"), "{out}");
    assert!(out.contains("help: did you mean `twitter`?"), "{out}");
}

#[test]
fn json_output_follows_the_contract() {
    let dir = temp_policy(TYPO);
    let output = omnilint_in(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    // serde_json keeps the document's key order (`preserve_order`): the contract's order.
    assert_eq!(keys(&json), ["version", "diagnostics", "summary"]);
    assert_eq!(json["version"], 1);
    let d = &json["diagnostics"][0];
    let expected = vec![
        "code",
        "name",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "policy",
        "labels",
        "notes",
        "witness",
    ];
    assert_eq!(keys(d), expected);
    assert_eq!(d["code"], "E002");
    assert_eq!(d["name"], "unknown-name");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "p.omni", "relative paths stay relative");
    assert_eq!(
        (d["line"].clone(), d["column"].clone()),
        (5.into(), 9.into())
    );
    assert_eq!(
        (d["end_line"].clone(), d["end_column"].clone()),
        (5.into(), 15.into())
    );
    assert_eq!(d["policy"], "p");
    assert_eq!(
        d["notes"],
        serde_json::json!(["help: did you mean `twitter`?"])
    );
    assert_eq!(d["witness"], serde_json::Value::Null);
    assert_eq!(
        json["summary"],
        serde_json::json!({"files": 1, "policies": 1, "errors": 1, "warnings": 0, "notes": 0})
    );
}

#[test]
fn json_output_is_sorted_and_byte_identical_across_runs() {
    let first = omnilint(&["check", "tests/fixtures", "--format", "json"]);
    let second = omnilint(&["check", "tests/fixtures", "--format", "json"]);
    assert_eq!(first.stdout, second.stdout);
    let json: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let keys: Vec<(String, u64, u64, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(keys.len() > 20, "the fixtures produce many findings");
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let dir = temp_policy(TYPO);
    let always = omnilint_in(dir.path(), &["check", "--color", "always"]);
    assert!(
        stdout(&always).contains("\u{1b}["),
        "--color always colours"
    );
    let never = omnilint_in(dir.path(), &["check", "--color", "never"]);
    assert!(!stdout(&never).contains("\u{1b}["));
    let piped = omnilint_in(dir.path(), &["check"]);
    assert!(
        !stdout(&piped).contains("\u{1b}["),
        "auto does not colour a pipe"
    );
    let no_color = std::process::Command::new(env!("CARGO_BIN_EXE_omnilint"))
        .args(["check"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!stdout(&no_color).contains("\u{1b}["), "NO_COLOR wins");
}

#[cfg(unix)]
#[test]
fn colours_off_strip_escape_sequences_that_come_from_the_input() {
    // A plain report goes straight out, unless something it shows brings an escape sequence
    // (here a file name; snippets and values are escaped already): then it still passes
    // through the stripping stream.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p\u{1b}[31m.omni"), TYPO).unwrap();
    let never = stdout(&omnilint_in(
        dir.path(),
        &["check", ".", "--color", "never"],
    ));
    assert!(never.contains("--> p.omni:5:9"), "{never:?}");
    assert!(!never.contains('\u{1b}'), "{never:?}");
}

#[test]
fn a_missing_path_is_a_one_line_error_with_exit_2() {
    let output = omnilint(&["check", "no/such/dir"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "omnilint: error: cannot read `no/such/dir`: no such file or directory\n"
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn a_directory_without_policies_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a policy").unwrap();
    let output = omnilint_in(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no policy files (`*.omni`, `*.omni.yaml`) found in `.`"));
}

#[test]
fn directories_are_walked_honouring_gitignore() {
    let dir = temp_policy("policy p\n");
    std::fs::create_dir(dir.path().join("generated")).unwrap();
    std::fs::write(
        dir.path().join("generated/broken.omni"),
        "policy p\nthis is not omni\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ignored.txt"), "").unwrap();
    let output = omnilint_in(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(1), "the broken file is read");
    std::fs::write(dir.path().join(".gitignore"), "generated/\n").unwrap();
    let output = omnilint_in(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn bad_arguments_exit_2() {
    let output = omnilint(&["check", "--format", "xml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("invalid value 'xml'"));
    assert_eq!(omnilint(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn explain_prints_the_documentation() {
    let output = omnilint(&["explain", "E002"]);
    assert_eq!(output.status.code(), Some(0));
    let out = stdout(&output);
    assert!(
        out.starts_with("# E002 unknown-name (error, the policy cannot be read)\n"),
        "{out}"
    );
    assert!(out.contains("## How to fix"));
    assert_eq!(
        stdout(&omnilint(&["explain", "unknown-name"])),
        out,
        "by name too"
    );
    assert_eq!(
        stdout(&omnilint(&["explain", "e002"])),
        out,
        "case-insensitive"
    );
}

#[test]
fn explain_of_an_unknown_code_suggests_one() {
    let output = omnilint(&["explain", "E02"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown check `E02` (did you mean `E002`?)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn list_shows_every_check() {
    let output = omnilint(&["list"]);
    assert_eq!(output.status.code(), Some(0));
    let out = stdout(&output);
    for check in REGISTRY {
        assert!(
            out.contains(check.code) && out.contains(check.name),
            "{} missing",
            check.code
        );
    }
}

#[test]
fn help_and_version() {
    let help = omnilint(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Usage: omnilint"));
    let version = omnilint(&["--version"]);
    assert_eq!(
        stdout(&version),
        format!("omnilint {}\n", env!("CARGO_PKG_VERSION"))
    );
}
