//! Bad input never panics or hangs: each gets a located diagnostic (exit 1) or, when the tool
//! cannot run, one line and exit 2.

use super::support::{check_texts, codes, omnilint_in, stderr, stdout};
use omnilint::render::Position;

fn position(report: &omnilint::lint::Report, index: usize) -> (usize, usize) {
    let p = Position::of(&report.sources, report.diagnostics[index].span);
    (p.line, p.column)
}

#[test]
fn an_empty_file_has_no_header() {
    let report = check_texts(&[("empty.omni", b"")]);
    assert_eq!(codes(&report), ["E006"]);
    assert_eq!(
        report.diagnostics[0].message,
        "the file is empty: it has no `policy NAME` header"
    );
    let yaml = check_texts(&[("empty.omni.yaml", b"\n")]);
    assert_eq!(codes(&yaml), ["E006"]);
}

#[test]
fn invalid_utf8_is_located() {
    let report = check_texts(&[("latin1.omni", b"policy p\n# caf\xe9\n")]);
    assert_eq!(codes(&report), ["E001"]);
    assert_eq!(report.diagnostics[0].message, "the file is not valid UTF-8");
    assert_eq!(position(&report, 0), (2, 6));
}

#[test]
fn a_binary_file_is_reported_not_parsed() {
    let report = check_texts(&[("image.omni", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")]);
    assert_eq!(codes(&report), ["E001"]);
    assert!(report.diagnostics[0].message.contains("binary file"));
}

#[test]
fn ten_thousand_nested_parentheses_are_one_error() {
    let text = format!(
        "policy p\nentity c {{ f: bool }}\nrule r: invariant {}c.f{}\nrule ok: invariant c.f\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let report = check_texts(&[("deep.omni", text.as_bytes())]);
    assert_eq!(codes(&report), ["E001"]);
    assert_eq!(
        report.diagnostics[0].message,
        "conditions are nested more than 64 levels deep"
    );
    assert_eq!(position(&report, 0), (3, 19 + 64));
}

#[test]
fn ten_thousand_nots_do_not_recurse() {
    let text = format!(
        "policy p\nentity c {{ f: bool }}\nrule r: invariant {}c.f\n",
        "not ".repeat(10_000)
    );
    let report = check_texts(&[("nots.omni", text.as_bytes())]);
    assert_eq!(codes(&report), Vec::<&str>::new());
}

#[test]
fn a_yaml_alias_bomb_is_stopped() {
    let mut text = String::from("policy: p\nx0: &a0 [y, y, y, y, y, y, y, y, y, y]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("x{i}: &a{i} [{refs}]\n"));
    }
    let report = check_texts(&[("bomb.omni.yaml", text.as_bytes())]);
    assert_eq!(codes(&report), ["E001"]);
    assert_eq!(
        report.diagnostics[0].message,
        "the YAML document grows too large when its aliases are expanded"
    );
}

#[test]
fn a_thousand_syntax_errors_stop_at_a_hundred() {
    let mut text = String::from("policy p\n");
    for i in 0..1000 {
        text.push_str(&format!("action a{i} {{ set }}\n"));
    }
    let report = check_texts(&[("many.omni", text.as_bytes())]);
    assert_eq!(report.diagnostics.len(), 101);
    assert!(report.diagnostics.iter().all(|d| d.code() == "E001"));
    assert_eq!(
        report.diagnostics[100].message,
        "too many syntax errors: stopped reading the file here"
    );
}

#[test]
fn a_thousand_unknown_names_are_all_reported() {
    let mut text = String::from("policy p\nchannel web { can ");
    for i in 0..1000 {
        text.push_str(&format!("missing_{i} "));
    }
    text.push_str("}\n");
    let report = check_texts(&[("names.omni", text.as_bytes())]);
    assert_eq!(report.diagnostics.len(), 1000);
    assert!(report.diagnostics.iter().all(|d| d.code() == "E002"));
}

#[test]
fn a_ten_megabyte_policy_is_read() {
    let mut text = String::from("policy big\n");
    let mut i = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!(
            "entity e{i} {{ status: open | closed, amount: int 0..1000, vip: bool }}\naction a{i} {{ requires e{i}.status == open and e{i}.amount > 10 set e{i}.vip = true }}\n"
        ));
        i += 1;
    }
    let report = check_texts(&[("big.omni", text.as_bytes())]);
    // Read in full; too many fields for the data analysis, which says so instead of failing.
    assert_eq!(codes(&report), ["A001"]);
    assert!(report.diagnostics[0].message.contains("was not analysed"));
    assert_eq!(report.policies[0].model.as_ref().unwrap().actions.len(), i);
}

#[test]
fn ten_megabytes_of_garbage_end_in_bounded_errors() {
    let text = "policy junk\n".to_owned() + &"}{ -> == ;; @@ type ".repeat(500_000);
    let report = check_texts(&[("junk.omni", text.as_bytes())]);
    assert!(
        report.diagnostics.len() <= 101,
        "{}",
        report.diagnostics.len()
    );
    assert!(report.diagnostics.iter().all(|d| d.code() == "E001"));
}

#[test]
fn an_oversized_file_is_refused_with_a_diagnostic() {
    let text = vec![b'#'; omnilint::lint::MAX_FILE_BYTES + 1];
    let report = check_texts(&[("huge.omni", &text)]);
    assert_eq!(codes(&report), ["E001"]);
    assert!(
        report.diagnostics[0]
            .message
            .starts_with("the file is too large")
    );
}

#[test]
fn an_unreadable_file_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        dir.path().join("gone.omni"),
        dir.path().join("dangling.omni"),
    )
    .unwrap();
    let output = omnilint_in(dir.path(), &["check", "dangling.omni"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "omnilint: error: cannot read `dangling.omni`: no such file or directory\n"
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn a_bad_file_does_not_hide_the_others() {
    let report = check_texts(&[
        ("a.omni", b"policy p\naction ok\nchannel web { can ok }\n"),
        ("b.omni", b"\xff\xfe"),
        ("c.omni", b"policy p\nchannel store { can ok, nope }\n"),
    ]);
    assert_eq!(codes(&report), ["E001", "E002"]);
    assert_eq!(
        report.sources.get(report.diagnostics[1].span.file).name,
        "c.omni"
    );
}

/// The grammar reads any word as a name where no keyword could follow instead; a reserved
/// word used as a name is found in lowering, and the error is the strict grammar's, which
/// stops at it and says what could stand there. A later syntax error in the same item does
/// not take its place.
#[test]
fn reserved_words_as_names_are_syntax_errors() {
    let head = "policy rw\nentity customer {\n  flag: bool\n}\naction go\nchannel web { can go }\n";
    let name = "a name";
    let value = "a value (`entity.field`, a parameter, a variant or a literal)";
    // `@` marks the reserved word to be reported (and is removed).
    let cases = [
        (
            "process p {\n  start s\n  state @on { on go -> done }\n  final done\n}\n",
            name,
        ),
        (
            "process p {\n  start s\n  state s { on go -> @final }\n  final done\n}\n",
            name,
        ),
        (
            "process p {\n  start s\n  state s { on go when customer.@in -> done }\n  final done\n}\n",
            name,
        ),
        (
            "process p {\n  start s\n  state s { on go -> @then }\n  state t { on go => done }\n  final done\n}\n",
            name,
        ),
        ("rule r: forbid go when customer.flag == @state\n", value),
        ("action @set\n", name),
    ];
    for (case, expected) in cases {
        let text = format!("{head}{case}");
        let at = text.find('@').unwrap_or(0);
        let text = text.replacen('@', "", 1);
        let word: String = text[at..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let line = text[..at].matches('\n').count() + 1;
        let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
        let report = check_texts(&[("rw.omni", text.as_bytes())]);
        assert_eq!(codes(&report), ["E001"], "{case}: {:?}", report.diagnostics);
        let d = &report.diagnostics[0];
        assert_eq!(
            d.message,
            format!("expected {expected}, found keyword `{word}`")
        );
        assert_eq!(position(&report, 0), (line, column), "{case}");
        let help = format!("`{word}` is a reserved word and cannot be used as a name");
        assert_eq!(d.help, (expected == name).then_some(help));
    }
    // A list ends at a keyword, so `sla` here starts the next statement.
    let listed = format!(
        "{head}process p {{\n  entry web, sla 60d\n  start s\n  state s {{ on go -> done }}\n  final done\n}}\n"
    );
    let report = check_texts(&[("listed.omni", listed.as_bytes())]);
    assert!(
        !codes(&report).contains(&"E001"),
        "{:?}",
        report.diagnostics
    );
    // Conditions in YAML are read by the same grammar.
    let yaml = "policy: rw\nentities:\n  customer:\n    flag: bool\nactions:\n  go: {}\nrules:\n  r:\n    forbid: go\n    when: customer.flag == state\n";
    let report = check_texts(&[("rw.omni.yaml", yaml.as_bytes())]);
    let expected = format!("expected {value}, found keyword `state`");
    assert!(
        report.diagnostics.iter().any(|d| d.message == expected),
        "{:?}",
        report.diagnostics
    );
}
