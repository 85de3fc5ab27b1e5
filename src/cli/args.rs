//! The command line, as clap sees it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Finds the dead ends, channel mismatches and contradictory rules in customer-service
/// policies, before customers do.
#[derive(Debug, Parser)]
#[command(name = "omnilint", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, global = true)]
    pub color: ColorArg,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check policies: files, or directories searched for *.omni and *.omni.yaml files.
    ///
    /// Exit status: 0 when nothing at or above the failing severity (`--fail-level`, errors
    /// by default) is found, 1 when something is, 2 when omnilint could not run (a path that
    /// cannot be read, bad arguments, a bad configuration or baseline).
    Check(CheckArgs),
    /// Print the documentation of a check (by code, like E002, or by name).
    Explain {
        /// The check's code or name.
        check: String,
    },
    /// List every check with its code, name and default severity.
    List,
    /// Decide requests against a policy, as a backend would: JSON in (standard input or
    /// `--request`), JSON out.
    ///
    /// A request is `{"process", "state", "channel", "action", "params", "fields"}`; without
    /// `action` it asks what can be done now. An array of requests gets an array of answers,
    /// with `{"error": ...}` for a request that cannot be answered. Exit status: 0 when
    /// answered (allowed or not), 2 when the policy cannot be read or a single request is
    /// malformed.
    Decide(DecideArgs),
}

/// Arguments of `omnilint decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The policy's files and directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// The policy to decide with, when the files hold several.
    #[arg(long)]
    pub policy: Option<String>,

    /// Read the request from this file instead of standard input.
    #[arg(long, value_name = "FILE")]
    pub request: Option<PathBuf>,
}

/// Arguments of `omnilint check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files and directories to check (directories are searched, honouring .gitignore).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// The configuration file; by default `omnilint.yaml`, looked for from the first path
    /// upwards.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore every `omnilint.yaml`: default severities, nothing excluded.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// The least severity that fails the run (exit 1).
    #[arg(long, value_enum, default_value_t = FailLevel::Error, value_name = "LEVEL")]
    pub fail_level: FailLevel,

    /// `--deny warnings` is `--fail-level warning`.
    #[arg(long, value_enum, value_name = "WHAT", conflicts_with = "fail_level")]
    pub deny: Option<Deny>,

    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record today's findings in this baseline file and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
}

/// `--fail-level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailLevel {
    /// Fail on errors only.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Note,
}

/// `--deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Warnings fail the run, as errors do.
    Warnings,
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with the findings, for people.
    Human,
    /// One JSON document (see the README), for programs.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// JUnit XML: one test case per check per file.
    Junit,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}
