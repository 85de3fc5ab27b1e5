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
    /// Exit status: 0 when there is no error, 1 when there is at least one, 2 when omnilint
    /// could not run (a path that cannot be read, bad arguments).
    Check(CheckArgs),
    /// Print the documentation of a check (by code, like E002, or by name).
    Explain {
        /// The check's code or name.
        check: String,
    },
    /// List every check with its code, name and default severity.
    List,
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
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with the findings, for people.
    Human,
    /// One JSON document (see the README), for programs.
    Json,
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
