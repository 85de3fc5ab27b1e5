//! A003: an `# omnilint: allow` comment for a check that reports nothing there.

use super::declare_check;

declare_check! {
    /// ## What it finds
    ///
    /// A code in an `# omnilint: allow` comment that silences nothing: no finding of that
    /// check starts on the line the comment applies to (or, for a comment above an item or a
    /// state, anywhere inside it). It is not reported for a policy whose analysis was cut
    /// short (A001) or that could not be read, since findings may then be missing.
    ///
    /// ## Why it hurts customers
    ///
    /// Stale suppressions outlive the problem they excused, and then silence the next real
    /// finding at that place without anyone deciding to.
    ///
    /// ## Example
    ///
    /// ```omni
    /// state waiting {
    ///   on confirm via web -> done   # omnilint: allow C201 -- the web form was fixed since
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Remove the code from the comment, or the comment when it names nothing else.
    pub static UNUSED_SUPPRESSION = {
        code: "A003",
        name: "unused-suppression",
        severity: Warning,
        summary: "a suppression comment that silences nothing",
    };
}
