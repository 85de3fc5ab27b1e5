//! Turning the paths on the command line into the files to check.

use super::CliError;
use omnilint::lint::{Input, MAX_FILE_BYTES, is_policy_file};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Reads every file named, and every policy file under every directory named that
/// `excluded` (given a path and whether it is a directory) does not rule out. Files named
/// explicitly are always read.
pub fn collect(
    paths: &[PathBuf],
    excluded: &dyn Fn(&Path, bool) -> bool,
) -> Result<Vec<Input>, CliError> {
    let mut inputs = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|e| unreadable(path, &e))?;
        if metadata.is_dir() {
            let before = inputs.len();
            walk(path, excluded, &mut inputs)?;
            if inputs.len() == before && paths.len() == 1 {
                return Err(CliError::NoPolicies(format!("`{}`", path.display())));
            }
        } else {
            inputs.push(read(path)?);
        }
    }
    if inputs.is_empty() {
        let list: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
        return Err(CliError::NoPolicies(list.join(", ")));
    }
    Ok(inputs)
}

fn walk(
    dir: &Path,
    excluded: &dyn Fn(&Path, bool) -> bool,
    inputs: &mut Vec<Input>,
) -> Result<(), CliError> {
    let walker = ignore::WalkBuilder::new(dir)
        .require_git(false)
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| CliError::Unreadable {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let is_file = entry.file_type().is_some_and(|t| t.is_file());
        // A file is excluded by its own pattern or by one of its directories'.
        if is_file
            && is_policy_file(&entry.file_name().to_string_lossy())
            && !excluded(entry.path(), false)
        {
            inputs.push(read(entry.path())?);
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Input, CliError> {
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, &e))?;
    // Read one byte past the limit, so that an oversized file is reported, not read whole.
    let limit = u64::try_from(MAX_FILE_BYTES + 1).unwrap_or(u64::MAX);
    // `take` hides the file's size from `read_to_end`, which would then grow the buffer by
    // doubling, copying a large file several times over.
    let size = file.metadata().map_or(0, |m| m.len().min(limit));
    let mut contents = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit)
        .read_to_end(&mut contents)
        .map_err(|e| unreadable(path, &e))?;
    Ok(Input {
        name: display_name(path),
        contents,
    })
}

/// The path as the user would write it: as given, `/` separated, without a leading `./`.
fn display_name(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

pub(super) fn unreadable(path: &Path, error: &std::io::Error) -> CliError {
    let reason = match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    };
    CliError::Unreadable {
        path: path.display().to_string(),
        reason,
    }
}
