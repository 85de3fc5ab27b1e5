//! A001: the analysis hit a budget and some verdicts are missing.

use super::declare_check;

declare_check! {
    /// ## What it finds
    ///
    /// A policy whose state space is too large to explore within omnilint's budgets: more
    /// than 20,000 combinations of states in one exploration (long chains of parallel `all`
    /// calls multiply), more than 5,000 sub-process contexts for one process, or trigger
    /// cascades more than 8 deep. The exploration stops there, and this finding says so; the checks that prove
    /// something cannot happen (unreachable states, events never emitted, processes that
    /// cannot succeed) are not reported for that policy, since they could be wrong.
    ///
    /// ## Why it hurts customers
    ///
    /// A check that silently gave up would pass a policy it never finished reading.
    ///
    /// ## Example
    ///
    /// ```omni
    /// state provisioning {
    ///   all step_1, step_2, step_3, step_4, step_5, step_6 -> done   # 6 processes interleaved
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Split long parallel `all` calls into stages (`all a, b -> next` then `all c, d -> done`),
    /// and break trigger chains that run into each other.
    pub static ANALYSIS_INCOMPLETE = {
        code: "A001",
        name: "analysis-incomplete",
        severity: Warning,
        summary: "the state space exceeded a budget: the analysis was cut short",
    };
}
