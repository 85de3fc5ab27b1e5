//! E004: a comparison or assignment between incompatible types.

use super::declare_check;

declare_check! {
    /// ## What it finds
    ///
    /// A comparison or assignment between values of incompatible types: an address compared
    /// with a bool, an enumeration variant that belongs to another enumeration, an integer
    /// outside the field's range (or a range `int 10..1` that holds nothing), an ordering
    /// (`<`, `>=`, ...) on something that is not an `int`, a non-bool field used as a
    /// condition, or a `set` whose value may not fit the field.
    ///
    /// ## Why it hurts customers
    ///
    /// A condition that compares unlike things is either always false or always true: the
    /// rule it guards silently never applies, or always does.
    ///
    /// ## Example
    ///
    /// ```omni
    /// entity customer { line: active | suspended | cancelled, debt_eur: int 0..10000 }
    /// rule r: forbid suspend_line when customer.line == business   # not a line state
    /// rule s: forbid suspend_line when customer.debt_eur > 20000   # outside 0..10000
    /// ```
    ///
    /// ## How to fix
    ///
    /// Compare a field with a value of its own type: a variant of its enumeration, an integer
    /// within its range, a quoted string for an opaque type. Widen the field's range if the
    /// value is real.
    pub static TYPE_MISMATCH = {
        code: "E004",
        name: "type-mismatch",
        severity: Error,
        summary: "a comparison or assignment between incompatible types",
    };
}
