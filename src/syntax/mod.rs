//! Text -> AST, for both syntaxes. Parsing never fails: it returns what it could read and
//! the diagnostics for what it could not.

pub mod ast;
mod errors;
mod omni;
mod split;
pub(crate) mod yaml;

#[cfg(test)]
mod grammar_tests;

use crate::diagnostic::Diagnostic;
use crate::source::FileId;

pub use errors::{MAX_NESTING, MAX_SYNTAX_ERRORS, is_reserved};

/// The two ways to write a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// The `.omni` language.
    Omni,
    /// The YAML mapping (`.omni.yaml`, `.omni.yml`).
    Yaml,
}

impl Syntax {
    /// The syntax a file name implies: YAML for `.yaml`/`.yml`, the `.omni` language otherwise.
    pub fn of_path(path: &str) -> Syntax {
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            Syntax::Yaml
        } else {
            Syntax::Omni
        }
    }
}

/// Parses one file's text.
pub fn parse(file: FileId, text: &str, syntax: Syntax) -> (ast::File, Vec<Diagnostic>) {
    match syntax {
        Syntax::Omni => omni::parse_file(file, text),
        Syntax::Yaml => yaml::parse_file(file, text),
    }
}
