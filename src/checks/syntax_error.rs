//! E001: text that is not the language.

use super::declare_check;

declare_check! {
    /// ## What it finds
    ///
    /// Text that is not the `.omni` language (or, in an `.omni.yaml` file, YAML that does not
    /// have the shape of a policy): a misspelt keyword, a missing `->`, an unclosed `{`, an
    /// unterminated string, a file that is not UTF-8 text. The message says what was
    /// expected at that point and what was found instead.
    ///
    /// ## Why it hurts customers
    ///
    /// A policy that cannot be read cannot be checked: every dead end and contradiction in it
    /// stays hidden until a customer meets it.
    ///
    /// ## Example
    ///
    /// ```omni
    /// policy telecom
    /// process move_line {
    ///   start request
    ///   state request {
    ///     on request_move => done      # `=>` is not an arrow
    ///   }
    ///   final done
    /// }
    /// ```
    ///
    /// ## How to fix
    ///
    /// Write what the message says was expected: here `on request_move -> done`. omnilint
    /// reads every other item of the file on its own, so the remaining findings are still
    /// reported; fix the first syntax error of an item before reading too much into the
    /// findings about it.
    pub static SYNTAX_ERROR = {
        code: "E001",
        name: "syntax-error",
        severity: Error,
        summary: "text that is not the language; says what was expected",
    };
}
