//! E002: a reference to something that does not exist.

use super::declare_check;

declare_check! {
    /// ## What it finds
    ///
    /// A reference to a channel, action, event, state, process, entity, field, type, parameter
    /// or enumeration variant that is not defined in the policy. When a defined name is close
    /// to it, the finding suggests it; when the name exists but is something else (an action
    /// where a channel is expected), it says so.
    ///
    /// ## Why it hurts customers
    ///
    /// A misspelt channel in `via` or `entry` silently describes a different process than the
    /// one the designer meant: the channel the customer actually uses is left out of it.
    ///
    /// ## Example
    ///
    /// ```omni
    /// channel twitter { can acknowledge }
    /// process complaint {
    ///   entry twiter                 # not defined: did you mean `twitter`?
    ///   ...
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Correct the spelling, or define the missing item. Names are case-sensitive, and states
    /// are local to their process, fields to their entity, parameters to their action.
    pub static UNKNOWN_NAME = {
        code: "E002",
        name: "unknown-name",
        severity: Error,
        summary: "a reference to a name that does not exist; suggests the closest name",
    };
}
