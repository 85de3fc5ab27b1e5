//! E003: the same name defined twice in one scope.

use super::declare_check;

declare_check! {
    /// ## What it finds
    ///
    /// The same name defined twice in one scope: two top-level items (types, entities,
    /// channels, events, actions, rules, processes share one namespace per policy, across all
    /// its files), two states of one process, two fields of one entity, two parameters of one
    /// action, two variants of one enumeration, or a channel property given twice. It points
    /// at both definitions.
    ///
    /// ## Why it hurts customers
    ///
    /// Two definitions usually mean two designers, each with their own idea of the item; the
    /// process that references it would follow one of them and surprise the other.
    ///
    /// ## Example
    ///
    /// ```omni
    /// # channels.omni
    /// channel store { can change_billing_address }
    /// # retail.omni, same policy
    /// channel store { can sell_sim }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Merge the two definitions into one, or rename one of them and update its references.
    pub static DUPLICATE_DEFINITION = {
        code: "E003",
        name: "duplicate-definition",
        severity: Error,
        summary: "the same name defined twice in one scope (points at both)",
    };
}
