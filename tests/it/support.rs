//! Helpers shared by the test modules.

use omnilint::lint::{self, Input, Report};
use proptest::prelude::ProptestConfig;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (tests run from it, but say so explicitly).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Checks files given as (name, contents) pairs.
pub fn check_texts(files: &[(&str, &[u8])]) -> Report {
    lint::check(
        files
            .iter()
            .map(|(name, contents)| Input {
                name: (*name).to_owned(),
                contents: contents.to_vec(),
            })
            .collect(),
    )
}

/// Checks files of the repository, named relative to its root.
pub fn check_paths(paths: &[&Path]) -> Report {
    let inputs = paths
        .iter()
        .map(|p| Input {
            name: p.to_string_lossy().replace('\\', "/"),
            contents: std::fs::read(root().join(p)).unwrap(),
        })
        .collect();
    lint::check(inputs)
}

/// The policy files (`.omni`, `.omni.yaml`) directly in `dir`, named relative to the
/// repository's root, sorted.
pub fn policy_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".omni") || name.ends_with(".omni.yaml")
        })
        .map(|p| p.strip_prefix(root()).unwrap().to_path_buf())
        .collect();
    files.sort();
    files
}

/// Checks the policy files directly in `dir`, a directory of the repository.
pub fn check_dir(dir: &str) -> Report {
    let files = policy_files(dir);
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    check_paths(&paths)
}

/// The codes of a report's diagnostics, in order.
pub fn codes(report: &Report) -> Vec<&'static str> {
    report.diagnostics.iter().map(|d| d.code()).collect()
}

/// Runs the `omnilint` binary in the repository root, without colour settings leaking in.
pub fn omnilint(args: &[&str]) -> Output {
    omnilint_in(&root(), args)
}

/// Runs the `omnilint` binary in `dir`.
pub fn omnilint_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_omnilint"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .output()
        .unwrap()
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A property test's configuration: `cases` random cases, and no file of failures written
/// into the source tree (a failure prints its minimal case; CI clones start clean).
pub fn proptest_cases(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
