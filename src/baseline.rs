//! Fingerprints and baselines: which findings are already known, so that CI reports only new
//! ones.
//!
//! A fingerprint hashes what a finding *is* — its code, its file, its message and the source
//! text at its primary span — and not where it is, so edits elsewhere that shift lines keep
//! it. Identical findings in one file are told apart by their order of occurrence.

use crate::lint::Report;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The version of the baseline file format this omnilint writes and reads.
pub const BASELINE_VERSION: u32 = 1;

/// The fingerprint of every diagnostic of `report`, in the report's order.
pub fn fingerprints(report: &Report) -> Vec<String> {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = &report.sources.get(d.span.file).name;
            let text = report.sources.text(d.span);
            let mut hash = Fnv::default();
            for part in [d.code(), file.as_str(), d.message.as_str()] {
                hash.write(part.as_bytes());
                hash.write(&[0]);
            }
            // Whitespace is collapsed: re-indenting a statement does not make it new.
            for word in text.split_whitespace().take(64) {
                hash.write(word.as_bytes());
                hash.write(b" ");
            }
            let occurrence = seen.entry(hash.0).or_default();
            let fingerprint = format!("{:016x}-{occurrence}", hash.0);
            *occurrence += 1;
            fingerprint
        })
        .collect()
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms, unlike `std`'s hasher, which
/// matters for fingerprints stored in files.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// serde_json's message without its location (callers show the line and column their way).
pub(crate) fn json_error_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned()
}

/// A baseline file: the findings known when it was written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// [`BASELINE_VERSION`].
    pub version: u32,
    /// The known findings, sorted by file, code and fingerprint.
    pub findings: Vec<KnownFinding>,
}

/// One known finding. Only the fingerprint is matched; the rest is for the people reading
/// the file in a review.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFinding {
    /// The file, as it was named on the command line.
    pub file: String,
    /// The check's code.
    pub code: String,
    /// The fingerprint (see [`fingerprints`]).
    pub fingerprint: String,
    /// The message, for readers.
    pub message: String,
}

/// Why a baseline file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Not a baseline document.
    #[error("line {line}, column {column}: {message}")]
    Malformed {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Written by another version of the format.
    #[error(
        "baseline version {0} is not supported (this omnilint reads version {BASELINE_VERSION})"
    )]
    Version(u32),
}

impl Baseline {
    /// The baseline of every finding in `report`.
    pub fn of(report: &Report) -> Baseline {
        let mut findings: Vec<KnownFinding> = report
            .diagnostics
            .iter()
            .zip(fingerprints(report))
            .map(|(d, fingerprint)| KnownFinding {
                file: report.sources.get(d.span.file).name.clone(),
                code: d.code().to_owned(),
                fingerprint,
                message: d.message.clone(),
            })
            .collect();
        findings.sort();
        Baseline {
            version: BASELINE_VERSION,
            findings,
        }
    }

    /// Reads a baseline written by [`Baseline::to_json`].
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let baseline: Baseline =
            serde_json::from_str(text).map_err(|e| BaselineError::Malformed {
                line: e.line(),
                column: e.column(),
                message: json_error_message(&e),
            })?;
        if baseline.version != BASELINE_VERSION {
            return Err(BaselineError::Version(baseline.version));
        }
        Ok(baseline)
    }

    /// The baseline as a pretty-printed JSON document, newline-terminated.
    pub fn to_json(&self) -> String {
        // Plain strings and numbers: serializing cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Removes from `report` the findings this baseline knows (each known finding hides at
    /// most one); returns how many were removed.
    pub fn filter(&self, report: &mut Report) -> usize {
        let mut known: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for f in &self.findings {
            *known.entry((&f.file, &f.fingerprint)).or_default() += 1;
        }
        let prints = fingerprints(report);
        let before = report.diagnostics.len();
        let mut keep = Vec::with_capacity(before);
        for (d, print) in report.diagnostics.drain(..).zip(&prints) {
            let file = report.sources.get(d.span.file).name.as_str();
            match known.get_mut(&(file, print.as_str())) {
                Some(n) if *n > 0 => *n -= 1,
                _ => keep.push(d),
            }
        }
        report.diagnostics = keep;
        before - report.diagnostics.len()
    }
}
