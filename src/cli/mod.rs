//! Argument parsing, file reading, rendering and exit codes. Thin: the decisions live in the
//! library.

mod args;
mod files;

use anstream::AutoStream;
use args::{Cli, ColorArg, Command, Format};
use clap::Parser;
use omnilint::checks::{self, Group};
use std::io::Write;
use std::process::ExitCode;

/// A failure of the tool itself (not a finding): printed on one line, exit 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A path that does not exist or cannot be read.
    #[error("cannot read `{path}`: {reason}")]
    Unreadable {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Paths that hold no policy files.
    #[error("no policy files (`*.omni`, `*.omni.yaml`) found in {0}")]
    NoPolicies(String),
    /// `explain` of a code that does not exist.
    #[error("unknown check `{0}`{1}; `omnilint list` shows them all")]
    UnknownCheck(String, String),
    /// Writing the output failed (a closed pipe, a full disk).
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

/// Runs the command line; `Ok` carries the exit code for findings (0 or 1).
pub fn run() -> Result<ExitCode, CliError> {
    let cli = Cli::parse();
    let choice = match cli.color {
        ColorArg::Auto => anstream::ColorChoice::Auto,
        ColorArg::Always => anstream::ColorChoice::Always,
        ColorArg::Never => anstream::ColorChoice::Never,
    };
    let mut out = AutoStream::new(std::io::stdout(), choice);
    match cli.command {
        Command::Check(args) => {
            let inputs = files::collect(&args.paths)?;
            let report = omnilint::lint::check(inputs);
            let text = match args.format {
                Format::Human => omnilint::render::human(&report, true),
                Format::Json => omnilint::render::json(&report),
            };
            write_all(&mut out, &text)?;
            let failed = report.count(omnilint::diagnostic::Severity::Error) > 0;
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Explain { check } => {
            let Some(meta) = checks::lookup(&check) else {
                let names = checks::REGISTRY.iter().flat_map(|c| [c.code, c.name]);
                let hint = strsim_hint(&check, names);
                return Err(CliError::UnknownCheck(check, hint));
            };
            let text = format!(
                "# {} {} ({}, {})\n\n{}",
                meta.code,
                meta.name,
                meta.severity,
                meta.group.title(),
                meta.docs()
            );
            write_all(&mut out, &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::List => {
            let mut text = String::new();
            let mut group: Option<Group> = None;
            for meta in checks::REGISTRY {
                if group != Some(meta.group) {
                    if group.is_some() {
                        text.push('\n');
                    }
                    text.push_str(&format!(
                        "{} — {}\n",
                        meta.group.letter(),
                        meta.group.title()
                    ));
                    group = Some(meta.group);
                }
                text.push_str(&format!(
                    "  {}  {:<28} {:<8} {}\n",
                    meta.code,
                    meta.name,
                    meta.severity.as_str(),
                    meta.summary
                ));
            }
            write_all(&mut out, &text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write_all(out: &mut impl Write, text: &str) -> Result<(), CliError> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn strsim_hint<'a>(given: &str, names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| {
            (
                strsim::damerau_levenshtein(&given.to_ascii_lowercase(), &n.to_ascii_lowercase()),
                n,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default()
}
