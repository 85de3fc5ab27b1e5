//! Argument parsing, file reading, rendering and exit codes. Thin: the decisions live in the
//! library.

mod args;
mod files;
mod settings;

use anstream::AutoStream;
use args::{CheckArgs, Cli, ColorArg, Command, DecideArgs, Deny, FailLevel, Format};
use clap::Parser;
use omnilint::baseline::Baseline;
use omnilint::checks::{self, Group};
use omnilint::config::Config;
use omnilint::diagnostic::Severity;
use omnilint::engine::Engine;
use std::io::{Stdout, Write};
use std::path::{Path, PathBuf};
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
    /// A configuration file that cannot be used.
    #[error("invalid configuration: {0}")]
    Config(omnilint::config::ConfigError),
    /// A baseline file that cannot be used.
    #[error("invalid baseline `{0}`: {1}")]
    Baseline(String, omnilint::baseline::BaselineError),
    /// `decide` on a policy that cannot be loaded.
    #[error("{0}")]
    Engine(omnilint::engine::EngineError),
    /// A request that cannot be answered.
    #[error("invalid request: {0}")]
    Request(String),
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
        Command::Check(args) => check(&args, &mut out),
        Command::Decide(args) => decide(&args, &mut out),
        Command::Explain { check } => {
            let Some(meta) = checks::lookup(&check) else {
                let hint = checks::did_you_mean(&check);
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

fn check(args: &CheckArgs, out: &mut AutoStream<Stdout>) -> Result<ExitCode, CliError> {
    let first = args.paths.first().map_or(Path::new("."), PathBuf::as_path);
    let config = if args.no_config {
        Config::default()
    } else {
        settings::config(args.config.as_deref(), first)?
    };
    let baseline = args
        .baseline
        .as_deref()
        .map(settings::baseline)
        .transpose()?;
    let excluded = |path: &Path, is_dir: bool| {
        config.has_exclusions()
            && settings::relative(&config, path).is_some_and(|p| config.excludes(&p, is_dir))
    };
    let inputs = files::collect(&args.paths, &excluded)?;
    let mut report = omnilint::lint::check(inputs);
    config.apply(&mut report, |name| {
        settings::relative(&config, Path::new(name))
    });

    if let Some(file) = &args.write_baseline {
        let written = Baseline::of(&report);
        std::fs::write(file, written.to_json()).map_err(|e| files::unreadable(file, &e))?;
        anstream::eprintln!(
            "omnilint: wrote {} finding{} to `{}`",
            written.findings.len(),
            if written.findings.len() == 1 { "" } else { "s" },
            file.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let known = baseline.map_or(0, |b| b.filter(&mut report));

    let fail_level = match (args.deny, args.fail_level) {
        (Some(Deny::Warnings), _) | (None, FailLevel::Warning) => Severity::Warning,
        (None, FailLevel::Error) => Severity::Error,
        (None, FailLevel::Note) => Severity::Note,
    };
    let text = match args.format {
        Format::Human => {
            let styled = out.current_choice() != anstream::ColorChoice::Never;
            let mut text = omnilint::render::human(&report, styled);
            if known > 0 {
                text.push_str(&format!(
                    "{known} finding{} in the baseline not shown\n",
                    if known == 1 { "" } else { "s" }
                ));
            }
            text
        }
        Format::Json => omnilint::render::json(&report),
        Format::Sarif => omnilint::render::sarif(&report),
        Format::Github => omnilint::render::github(&report),
        Format::Junit => omnilint::render::junit(&report, fail_level),
    };
    write_text(out, &text)?;
    let failed = report.diagnostics.iter().any(|d| d.severity >= fail_level);
    // The process ends next, and the system takes its memory back at once: freeing the
    // report's many small allocations one by one would keep one core busy at the end (about
    // 15 ms per 1,000 processes).
    std::mem::forget(report);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn decide(args: &DecideArgs, out: &mut impl Write) -> Result<ExitCode, CliError> {
    let inputs = files::collect(&args.paths, &|_, _| false)?;
    let engine = Engine::load(inputs, args.policy.as_deref()).map_err(CliError::Engine)?;
    let text = match &args.request {
        Some(file) => std::fs::read_to_string(file).map_err(|e| files::unreadable(file, &e))?,
        None => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(CliError::Output)?;
            text
        }
    };
    let text = omnilint::engine::answer_json(&engine, &text)
        .map_err(|e| CliError::Request(e.to_string()))?;
    write_all(out, &text)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes a report. When colours are off and the report has no escape sequence (it was
/// rendered plain, and nothing it shows, such as a file name, brought one), it goes
/// straight out: the stripping stream would scan every byte for nothing, a quarter of a
/// second on 10,000 processes.
fn write_text(out: &mut AutoStream<Stdout>, text: &str) -> Result<(), CliError> {
    if out.current_choice() == anstream::ColorChoice::Never && !text.contains('\x1b') {
        write_all(&mut std::io::stdout().lock(), text)
    } else {
        write_all(out, text)
    }
}

fn write_all(out: &mut impl Write, text: &str) -> Result<(), CliError> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
