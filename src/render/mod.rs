//! Output formats, one file each. Renderers are pure: they return strings.

mod github;
mod human;
mod json;
mod junit;
mod sarif;

pub use github::github;
pub use human::{human, summary_line};
pub use json::json;
pub use junit::junit;
pub use sarif::sarif;

use crate::source::{Sources, Span};

/// 1-based start and (exclusive) end line and column of a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Line of the first character.
    pub line: usize,
    /// Column of the first character.
    pub column: usize,
    /// Line of the end.
    pub end_line: usize,
    /// Column just after the last character.
    pub end_column: usize,
}

impl Position {
    /// The position of `span` in its file.
    pub fn of(sources: &Sources, span: Span) -> Position {
        let file = sources.get(span.file);
        let (line, column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end);
        Position {
            line,
            column,
            end_line,
            end_column,
        }
    }
}
