//! A002: an `# omnilint: allow` comment that is malformed, names no known check, or gives no
//! reason.

use super::declare_check;

declare_check! {
    /// ## What it finds
    ///
    /// A suppression comment that cannot be taken as written: one without a reason after
    /// `--`, one that names a check omnilint does not have (or an E check, which cannot be
    /// silenced), or an `# omnilint:` comment that is not an `allow`. A suppression without a
    /// reason still silences what it names; the others silence nothing.
    ///
    /// ## Why it hurts customers
    ///
    /// A silenced finding is a decision that a failure customers could meet is acceptable.
    /// Without its reason, the next designer cannot tell a considered exception from a
    /// finding someone wanted gone; a misspelt code silences nothing while looking as if it
    /// did.
    ///
    /// ## Example
    ///
    /// ```omni
    /// # omnilint: allow C204
    /// handoff -> store.resume
    /// ```
    ///
    /// ## How to fix
    ///
    /// Say why after `--`: `# omnilint: allow C204 -- the shop scans the DM into the case`.
    /// Spell codes as `omnilint list` prints them.
    pub static INVALID_SUPPRESSION = {
        code: "A002",
        name: "invalid-suppression",
        severity: Warning,
        summary: "a suppression comment without a reason, with an unknown code, or malformed",
    };
}
