//! What the library's unit tests share.

use proptest::prelude::ProptestConfig;

/// A property test's configuration: `cases` random cases, and no file of failures written
/// into the source tree (a failure prints its minimal case; CI clones start clean).
pub fn proptest_cases(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
