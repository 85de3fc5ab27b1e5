//! The registry is consistent: unique codes and names, documentation with its four sections,
//! and a failing and a passing fixture for every check.

use super::support::{check_paths, root};
use omnilint::checks::REGISTRY;
use std::collections::HashSet;
use std::path::PathBuf;

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for check in REGISTRY {
        assert!(codes.insert(check.code), "duplicate code {}", check.code);
        assert!(names.insert(check.name), "duplicate name {}", check.name);
        let letter = check.code.chars().next().unwrap();
        assert!(
            "EDCRA".contains(letter) && check.code.len() == 4,
            "bad code {}",
            check.code
        );
        assert_eq!(
            check.group.letter(),
            letter,
            "{} is in the wrong group",
            check.code
        );
        assert!(
            check
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'),
            "{} is not kebab-case",
            check.name
        );
    }
}

#[test]
fn every_check_is_documented() {
    for check in REGISTRY {
        let docs = check.docs();
        for section in [
            "## What it finds",
            "## Why it hurts customers",
            "## Example",
            "## How to fix",
        ] {
            assert!(docs.contains(section), "{} lacks `{section}`", check.code);
        }
        assert!(!check.summary.is_empty(), "{} has no summary", check.code);
    }
}

#[test]
fn every_check_has_a_failing_and_a_passing_fixture() {
    for check in REGISTRY {
        let dir = PathBuf::from("tests/fixtures").join(format!("{}-{}", check.code, check.name));
        assert!(
            root().join(&dir).is_dir(),
            "{} has no fixture directory {}",
            check.code,
            dir.display()
        );
        let invalid = dir.join("invalid.omni");
        let report = check_paths(&[&invalid]);
        assert!(
            report.diagnostics.iter().any(|d| d.code() == check.code),
            "{} does not fire on {}",
            check.code,
            invalid.display()
        );
        let valid = dir.join("valid.omni");
        let report = check_paths(&[&valid]);
        assert!(
            report.diagnostics.is_empty(),
            "{} must be clean",
            valid.display()
        );
    }
}
