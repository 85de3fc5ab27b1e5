//! The fixtures of every check: `tests/fixtures/<CODE>-<name>/{invalid,valid}.omni[.yaml]`.
//! Each snapshot holds the source and what omnilint says about it; a valid file says nothing.

use super::support::check_paths;
use std::path::Path;

fn rendered(path: &Path) -> String {
    let relative = path.strip_prefix(super::support::root()).unwrap();
    let report = check_paths(&[relative]);
    let human = omnilint::render::human(&report, false);
    // The last line is the summary; the diagnostics are what the fixture is about.
    let body = human
        .trim_end()
        .rsplit_once('\n')
        .map_or("", |(body, _)| body);
    let is_valid = path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("valid");
    if is_valid {
        assert!(
            report.diagnostics.is_empty(),
            "{} must read without findings:\n{body}",
            relative.display()
        );
    }
    let source = std::fs::read_to_string(path).unwrap();
    format!("{source}\n---- omnilint check ----\n{}", body.trim_end())
}

#[test]
fn fixtures() {
    insta::glob!("../fixtures", "*/*.omni*", |path| {
        insta::assert_snapshot!(rendered(path));
    });
}
