//! The analysis's hash maps and sets. Their keys are its own values (BDDs, ids, transition
//! addresses), not text a policy chooses, and the memo tables hash whole BDDs: SipHash, the
//! standard library's default, cost about 4% of a run on the 1,000-process corpus.

/// A `HashMap` with foldhash's fast hasher (seeded per process, like the default).
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` with foldhash's fast hasher.
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
