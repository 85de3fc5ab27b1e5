//! `omnilint.yaml`: per-check severities, excluded files, and per-file overrides.
//!
//! ```yaml
//! severity:            # per code, check name or group letter: error | warning | note | off
//!   C204: off
//!   D: error
//! exclude: ["generated/**"]
//! overrides:
//!   - files: ["legacy/**"]
//!     severity: { C205: off }
//! ```
//!
//! Patterns are gitignore globs relative to the directory of the configuration file. A code
//! beats its group letter whatever their order; overrides apply after the top-level
//! severities, in order, to the files they match. The E checks cannot be configured: a
//! policy that cannot be read is always an error.

use crate::checks::{self, CheckMeta, Group};
use crate::diagnostic::Severity;
use crate::lint::Report;
use crate::syntax::yaml::Entries;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};

/// The name omnilint looks for, from the checked path upwards.
pub const CONFIG_FILE: &str = "omnilint.yaml";

/// A configuration that cannot be used, with the place that says why.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    /// The configuration file, as named.
    pub file: String,
    /// 1-based line (0 when the problem has no place, like an empty file).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, naming the key.
    pub message: String,
}

/// A read configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The directory patterns are relative to.
    root: PathBuf,
    severity: Levels,
    exclude: Gitignore,
    overrides: Vec<Override>,
}

impl Default for Config {
    /// No configuration: every check at its default severity, nothing excluded.
    fn default() -> Self {
        Config {
            root: PathBuf::new(),
            severity: Levels::default(),
            exclude: Gitignore::empty(),
            overrides: Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
struct Override {
    files: Gitignore,
    severity: Levels,
}

/// Severities set by group and by check; `None` turns the check off.
#[derive(Clone, Debug, Default)]
struct Levels {
    groups: Vec<(Group, Option<Severity>)>,
    codes: Vec<(&'static str, Option<Severity>)>,
}

impl Levels {
    fn apply(&self, check: &CheckMeta, level: &mut Option<Severity>) {
        if let Some((_, l)) = self.groups.iter().rev().find(|(g, _)| *g == check.group) {
            *level = *l;
        }
        if let Some((_, l)) = self.codes.iter().rev().find(|(c, _)| *c == check.code) {
            *level = *l;
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    severity: Entries<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    files: Vec<Spanned<String>>,
    #[serde(default)]
    severity: Entries<Spanned<String>>,
}

impl Config {
    /// Reads the configuration `text` of the file `name`, whose patterns are relative to
    /// `root` (the file's directory).
    pub fn parse(name: &str, text: &str, root: &Path) -> Result<Config, ConfigError> {
        let error = |line: u64, column: u64, message: String| ConfigError {
            file: name.to_owned(),
            line: usize::try_from(line).unwrap_or(usize::MAX),
            column: usize::try_from(column).unwrap_or(usize::MAX),
            message,
        };
        let at = |s: &Spanned<String>, message: String| {
            error(s.referenced.line(), s.referenced.column(), message)
        };
        if text.trim().is_empty() {
            return Ok(Config {
                root: root.to_owned(),
                ..Config::default()
            });
        }
        let options = serde_saphyr::options! {
            budget: Some(serde_saphyr::Budget::default()),
        };
        let raw: RawConfig = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            error(line, column, crate::syntax::yaml::error_message(&e))
        })?;
        let severity = levels(&raw.severity, "severity", &at)?;
        let exclude = globs(root, &raw.exclude, "exclude", &at)?;
        let overrides = raw
            .overrides
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let key = format!("overrides[{i}]");
                Ok(Override {
                    files: globs(root, &o.files, &format!("{key}.files"), &at)?,
                    severity: levels(&o.severity, &format!("{key}.severity"), &at)?,
                })
            })
            .collect::<Result<_, ConfigError>>()?;
        Ok(Config {
            root: root.to_owned(),
            severity,
            exclude,
            overrides,
        })
    }

    /// The directory the patterns are relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the configuration excludes anything: when not, paths need not be computed.
    pub fn has_exclusions(&self) -> bool {
        !self.exclude.is_empty()
    }

    /// Whether `path` (relative to [`Config::root`]) is excluded; a file inside an excluded
    /// directory is excluded too.
    pub fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        matches(&self.exclude, path, is_dir)
    }

    /// The severity of `check` in the file at `path` (relative to [`Config::root`], `None`
    /// when the file is outside it); `None` when the check is off there.
    pub fn severity(&self, check: &CheckMeta, path: Option<&Path>) -> Option<Severity> {
        let mut level = Some(check.severity);
        if check.group == Group::Read {
            return level;
        }
        self.severity.apply(check, &mut level);
        for o in &self.overrides {
            if path.is_some_and(|p| matches(&o.files, p, false)) {
                o.severity.apply(check, &mut level);
            }
        }
        level
    }

    /// Applies the severities to `report`: findings of checks that are off in their file are
    /// dropped, the others take their configured severity. `relative` gives a file's path
    /// relative to [`Config::root`], when it is inside it.
    pub fn apply(&self, report: &mut Report, relative: impl Fn(&str) -> Option<PathBuf>) {
        // Only overrides depend on the file: without them, no path is computed.
        let paths: Vec<Option<PathBuf>> = if self.overrides.is_empty() {
            Vec::new()
        } else {
            report
                .sources
                .iter()
                .map(|(_, file)| relative(&file.name))
                .collect()
        };
        report.diagnostics.retain_mut(|d| {
            let path = paths.get(d.span.file.0 as usize).and_then(Option::as_deref);
            match self.severity(d.check, path) {
                Some(severity) => {
                    d.severity = severity;
                    true
                }
                None => false,
            }
        });
    }
}

fn matches(patterns: &Gitignore, path: &Path, is_dir: bool) -> bool {
    // `Gitignore` insists on relative paths below its root.
    if path.has_root()
        || path
            .components()
            .any(|c| c == std::path::Component::ParentDir)
    {
        return false;
    }
    patterns
        .matched_path_or_any_parents(path, is_dir)
        .is_ignore()
}

fn levels(
    entries: &Entries<Spanned<String>>,
    key: &str,
    at: &impl Fn(&Spanned<String>, String) -> ConfigError,
) -> Result<Levels, ConfigError> {
    let mut levels = Levels::default();
    for (selector, value) in &entries.0 {
        let name = selector.value.trim();
        let level = match value.value.trim() {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            "off" => None,
            other => {
                return Err(at(
                    value,
                    format!(
                        "`{key}.{name}`: `{other}` is not a severity; expected `error`, `warning`, `note` or `off`"
                    ),
                ));
            }
        };
        let read_only = |what: &str| {
            at(
                selector,
                format!(
                    "`{key}.{name}`: {what} cannot be configured: a policy that cannot be read is always an error"
                ),
            )
        };
        if let Some(group) = Group::from_letter(name) {
            if group == Group::Read {
                return Err(read_only("the E checks"));
            }
            levels.groups.push((group, level));
        } else if let Some(check) = checks::lookup(name) {
            if check.group == Group::Read {
                return Err(read_only(&format!("`{}`", check.code)));
            }
            levels.codes.push((check.code, level));
        } else {
            let hint = checks::did_you_mean(name);
            return Err(at(
                selector,
                format!("`{key}`: unknown check `{name}`{hint}; `omnilint list` shows them all"),
            ));
        }
    }
    Ok(levels)
}

fn globs(
    root: &Path,
    patterns: &[Spanned<String>],
    key: &str,
    at: &impl Fn(&Spanned<String>, String) -> ConfigError,
) -> Result<Gitignore, ConfigError> {
    let Some(first) = patterns.first() else {
        return Ok(Gitignore::empty());
    };
    let mut builder = GitignoreBuilder::new(root);
    for pattern in patterns {
        builder.add_line(None, &pattern.value).map_err(|e| {
            at(
                pattern,
                format!("`{key}`: bad pattern `{}`: {e}", pattern.value),
            )
        })?;
    }
    // Building compiles the patterns added above, so a failure belongs to one of them.
    builder
        .build()
        .map_err(|e| at(first, format!("`{key}`: {e}")))
}
