//! Finding and reading the configuration and the baseline for `omnilint check`.

use super::CliError;
use super::files::unreadable;
use omnilint::baseline::Baseline;
use omnilint::config::{CONFIG_FILE, Config};
use std::path::{Path, PathBuf};

/// The configuration in force: `--config FILE`, or the first `omnilint.yaml` found from
/// `start` upwards, or none.
pub fn config(explicit: Option<&Path>, start: &Path) -> Result<Config, CliError> {
    let file = match explicit {
        Some(file) => Some(file.to_owned()),
        None => discover(start),
    };
    let Some(file) = file else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(&file).map_err(|e| unreadable(&file, &e))?;
    let root = canonical(&file)
        .and_then(|f| f.parent().map(Path::to_owned))
        .unwrap_or_default();
    Config::parse(&shown(&file), &text, &root).map_err(CliError::Config)
}

/// A path as messages show it: relative to the working directory when it is inside it.
fn shown(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| canonical(&cwd))
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_owned));
    relative.as_deref().unwrap_or(path).display().to_string()
}

fn discover(start: &Path) -> Option<PathBuf> {
    let start = canonical(start)?;
    let dir = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    dir.ancestors()
        .map(|d| d.join(CONFIG_FILE))
        .find(|f| f.is_file())
}

/// `path` relative to the configuration's root, when it is inside it.
pub fn relative(config: &Config, path: &Path) -> Option<PathBuf> {
    let path = canonical(path)?;
    path.strip_prefix(config.root()).ok().map(Path::to_owned)
}

fn canonical(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Reads `--baseline FILE`.
pub fn baseline(file: &Path) -> Result<Baseline, CliError> {
    let text = std::fs::read_to_string(file).map_err(|e| unreadable(file, &e))?;
    Baseline::parse(&text).map_err(|e| CliError::Baseline(file.display().to_string(), e))
}
