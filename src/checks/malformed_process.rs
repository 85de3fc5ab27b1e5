//! E005: a process that is not a well-formed state machine.

use super::declare_check;

declare_check! {
    /// ## What it finds
    ///
    /// A process that is not a well-formed state machine: no `start`, more than one `start`,
    /// a `start` that names no state of the process, transitions inside a `final`, a process
    /// without any `final`, a second `sla`, or a cycle of `call`/`all` (a process that, through
    /// its sub-processes, calls itself).
    ///
    /// ## Why it hurts customers
    ///
    /// Every path a customer can take is computed from `start` to a `final`. Without them there
    /// is no process to check; with a call cycle, the process never ends.
    ///
    /// ## Example
    ///
    /// ```omni
    /// process refund {
    ///   entry web
    ///   state request { on ask_refund -> paid }
    ///   state paid { do pay -> request }
    ///   # no `start`, and no `final`: where does a refund begin, and when is it done?
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Add `start STATE` naming the first state, and `final` states for every outcome (`final
    /// done`, `final rejected failure`). Break call cycles by moving the shared steps into a
    /// process that both call.
    pub static MALFORMED_PROCESS = {
        code: "E005",
        name: "malformed-process",
        severity: Error,
        summary: "no `start`, `start` not a state, transitions in a `final`, no `final`, a `call` cycle",
    };
}
