//! The library's front door: files in, models and sorted diagnostics out. No I/O here; the
//! caller reads the files (the CLI does, a backend or an editor may hold them in memory).

use crate::analysis::Analysis;
use crate::checks::analysis_incomplete::ANALYSIS_INCOMPLETE;
use crate::checks::syntax_error::SYNTAX_ERROR;
use crate::checks::{Check, Context, REGISTRY, Scope, Shard};
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::model::{self, Model};
use crate::source::{FileId, SourceFile, Sources, Span};
use crate::suppress;
use crate::syntax::{self, Syntax, ast};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Files larger than this are not read: no real policy file comes close, and reading one
/// would only make the run slow.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// One file to check: its name (as given by the user) and its raw contents.
#[derive(Clone, Debug)]
pub struct Input {
    /// The path as given, used in every diagnostic.
    pub name: String,
    /// The file's bytes; they need not be valid UTF-8 (that is reported, not assumed).
    pub contents: Vec<u8>,
}

/// One policy: the files that share its header, and its model when it could be built.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The policy's name.
    pub name: String,
    /// Its files, sorted by name.
    pub files: Vec<FileId>,
    /// The typed model; `None` when the policy has E-findings.
    pub model: Option<Model>,
}

/// The outcome of checking a set of files.
#[derive(Clone, Debug)]
pub struct Report {
    /// Every file read, for rendering snippets.
    pub sources: Sources,
    /// The policies found, sorted by name.
    pub policies: Vec<Policy>,
    /// All findings, sorted by file, line, column and code.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// How many findings have this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// The policy with this name.
    pub fn policy(&self, name: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.name == name)
    }
}

/// Reads, resolves and checks `inputs`, grouping files into policies by their header.
pub fn check(inputs: Vec<Input>) -> Report {
    let mut inputs = inputs;
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    inputs.dedup_by(|a, b| a.name == b.name);

    let mut sources = Sources::new();
    let mut diagnostics = Vec::new();
    // Decoding numbers the files, in order; parsing is independent per file and runs on
    // every core.
    let mut readable: Vec<(FileId, Syntax)> = Vec::new();
    for input in inputs {
        let syntax = Syntax::of_path(&input.name);
        let (file, problem) = decode(&mut sources, input);
        match problem {
            Some(problem) => diagnostics.push(problem),
            None => readable.push((file, syntax)),
        }
    }
    let results = crate::parallel::map(&readable, |&(file, syntax)| {
        let text = &sources.get(file).text;
        let (tree, mut found) = syntax::parse(file, text, syntax);
        let suppressions = suppress::scan(file, text, syntax, &tree, &mut found);
        (file, tree, found, suppressions)
    });
    // Each tree is taken when its policy's model is built, and dropped before the analysis.
    let mut parsed: Vec<(FileId, Option<ast::File>)> = Vec::with_capacity(results.len());
    let mut suppressions: BTreeMap<FileId, suppress::FileSuppressions> = BTreeMap::new();
    for (file, tree, mut found, in_file) in results {
        diagnostics.append(&mut found);
        if !in_file.is_empty() {
            suppressions.insert(file, in_file);
        }
        parsed.push((file, Some(tree)));
    }

    let mut by_policy: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (_, tree)) in parsed.iter().enumerate() {
        if let Some(name) = tree.as_ref().and_then(|t| t.policy.as_ref()) {
            by_policy.entry(name.node.to_string()).or_default().push(i);
        }
    }
    let mut policies = Vec::new();
    for (name, members) in by_policy {
        let files: Vec<FileId> = members.iter().map(|&i| parsed[i].0).collect();
        let trees: Vec<ast::File> = members.iter().filter_map(|&i| parsed[i].1.take()).collect();
        let header = trees
            .iter()
            .find_map(|t| t.policy.clone())
            .unwrap_or_default();
        let has_read_errors = diagnostics
            .iter()
            .any(|d| files.contains(&d.span.file) && d.severity == Severity::Error);
        // The model holds all the checks need: building it frees the trees, each process's
        // as soon as it is defined, on every core, and their memory goes to the analysis.
        let built = model::build(&header, trees);
        let model = match built {
            Ok(model) if !has_read_errors => Some(model),
            Ok(_) => None,
            Err(mut found) => {
                diagnostics.append(&mut found);
                None
            }
        };
        if let Some(model) = &model {
            diagnostics.append(&mut run_checks(model));
        }
        policies.push(Policy { name, files, model });
    }

    apply_suppressions(&mut diagnostics, suppressions, &policies);
    let mut policy_of: Vec<Option<&str>> = vec![None; sources.len()];
    for policy in &policies {
        for file in &policy.files {
            policy_of[file.0 as usize] = Some(&policy.name);
        }
    }
    for d in &mut diagnostics {
        d.policy = policy_of[d.span.file.0 as usize].map(str::to_owned);
    }
    diagnostic::sort(&mut diagnostics, &sources);
    Report {
        sources,
        policies,
        diagnostics,
    }
}

/// Drops the findings the files' suppressions silence, then reports the suppressions that
/// silenced nothing, in policies analysed in full (elsewhere findings may be missing).
fn apply_suppressions(
    diagnostics: &mut Vec<Diagnostic>,
    mut suppressions: BTreeMap<FileId, suppress::FileSuppressions>,
    policies: &[Policy],
) {
    if suppressions.is_empty() {
        return;
    }
    diagnostics.retain(|d| {
        suppressions
            .get_mut(&d.span.file)
            .is_none_or(|s| !s.silences(d))
    });
    for policy in policies {
        let cut_short = diagnostics
            .iter()
            .any(|d| d.check == &ANALYSIS_INCOMPLETE && policy.files.contains(&d.span.file));
        if policy.model.is_none() || cut_short {
            continue;
        }
        for file in &policy.files {
            if let Some(s) = suppressions.get(file) {
                diagnostics.extend(s.unused());
            }
        }
    }
}

/// The checks whose findings claim that something can never happen.
const NEVER_VERDICTS: &[&str] = &["D101", "D102", "D103", "D104", "D105", "D106", "D107"];

/// Analyses a policy once and runs every registered check on it.
pub fn run_checks(model: &Model) -> Vec<Diagnostic> {
    let analysis = match Analysis::new(model) {
        Ok(analysis) => analysis,
        Err(too_large) => {
            return vec![
                Diagnostic::new(
                    &ANALYSIS_INCOMPLETE,
                    model.name.span,
                    format!("`{}` was not analysed: its data need {} BDD variables, more than the {} omnilint can use", model.name, too_large.variables, crate::analysis::domain::MAX_VARIABLES),
                )
                .with_note("only the checks of the E group ran on this policy")
                .with_help("split the policy into smaller ones, or narrow the ranges of its `int` fields"),
            ];
        }
    };
    let (mut found, cut_short) = findings(model, &analysis, analysis.worth_splitting());
    analysis.dispose();
    if cut_short {
        // A budget was hit (possibly while a check asked a question): "can never" verdicts
        // could be wrong, so they are withdrawn and the policy is said to be incomplete.
        found.retain(|d| !NEVER_VERDICTS.contains(&d.code()));
        found.push(
            Diagnostic::new(
                &ANALYSIS_INCOMPLETE,
                model.name.span,
                format!("the analysis of `{}` was cut short: its state space exceeds omnilint's budgets", model.name),
            )
            .with_note("checks that prove something cannot happen (D101 to D107) were skipped")
            .with_help("split long parallel `all` calls into stages, and break long trigger chains"),
        );
    }
    found
}

/// Every registered check's findings on `analysis`, by place, and whether a budget was hit
/// meanwhile. With `split`, the work runs on two cores, the second on a copy of the
/// analysis: each runs the per-process checks on half of the processes (see [`Shard`]),
/// then takes whole-policy checks from a shared list until none is left, so that neither
/// waits long for the other. Whether to split depends on the policy only, and each
/// outermost question has a budget of its own, so the findings never depend on the machine
/// or on which thread ran what.
fn findings(model: &Model, analysis: &Analysis<'_>, split: bool) -> (Vec<Diagnostic>, bool) {
    let run_scope = |analysis: &Analysis<'_>, scope: Scope, shard: Shard, found: &mut Vec<_>| {
        for check in REGISTRY.iter().filter(|check| check.scope == scope) {
            run_one(model, analysis, check, shard, found);
        }
    };
    if !split {
        let mut found = Vec::new();
        run_scope(analysis, Scope::Process, Shard::WHOLE, &mut found);
        run_scope(analysis, Scope::Policy, Shard::WHOLE, &mut found);
        return (by_place(found), analysis.was_cut_short());
    }
    let whole_policy: Vec<&Check> = REGISTRY
        .iter()
        .filter(|check| check.scope == Scope::Policy)
        .collect();
    let next = AtomicUsize::new(0);
    let share = |analysis: &Analysis<'_>, index: usize| {
        let mut found = Vec::new();
        run_scope(
            analysis,
            Scope::Process,
            Shard { index, count: 2 },
            &mut found,
        );
        while let Some(check) = whole_policy.get(next.fetch_add(1, Ordering::Relaxed)) {
            run_one(model, analysis, check, Shard::WHOLE, &mut found);
        }
        found
    };
    let fork = analysis.fork();
    let (mut found, (others, others_cut_short)) = crate::parallel::beside(
        || share(analysis, 0),
        || {
            let copy = fork.analysis(model);
            (share(&copy, 1), copy.was_cut_short())
        },
    );
    found.extend(others);
    (
        by_place(found),
        analysis.was_cut_short() || others_cut_short,
    )
}

/// The checks' findings by place (file, offsets, code, message): the same order however
/// the work was divided. (The report sorts them again by file name, after suppressions.)
fn by_place(mut found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    found.sort_by(|a, b| {
        let place = |d: &Diagnostic| (d.span.file, d.span.start, d.span.end, d.check.code);
        place(a)
            .cmp(&place(b))
            .then_with(|| a.message.cmp(&b.message))
    });
    found
}

/// Runs `check` on `analysis` (a per-process check on the processes of `shard` only).
fn run_one(
    model: &Model,
    analysis: &Analysis<'_>,
    check: &Check,
    shard: Shard,
    found: &mut Vec<Diagnostic>,
) {
    let Some(run) = check.run else { return };
    let cx = Context {
        model,
        analysis,
        shard,
    };
    run(&cx, found);
}

/// Adds the file to `sources`, with the reason it cannot be read as text if so.
fn decode(sources: &mut Sources, input: Input) -> (FileId, Option<Diagnostic>) {
    let Input { name, contents } = input;
    if contents.len() > MAX_FILE_BYTES {
        let file = sources.add(SourceFile::new(name, ""));
        let problem = Diagnostic::new(
            &SYNTAX_ERROR,
            Span::new(file, 0, 0),
            format!(
                "the file is too large to be a policy ({} MiB; the limit is {} MiB)",
                contents.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        );
        return (file, Some(problem));
    }
    if let Some(nul) = contents.iter().take(8192).position(|&b| b == 0) {
        let text = String::from_utf8_lossy(&contents[..nul]).into_owned();
        let end = text.len();
        let file = sources.add(SourceFile::new(name, text));
        let problem = Diagnostic::new(
            &SYNTAX_ERROR,
            Span::new(file, end, end),
            "this is a binary file, not a policy (it contains a NUL byte)",
        );
        return (file, Some(problem));
    }
    match String::from_utf8(contents) {
        Ok(text) => (sources.add(SourceFile::new(name, text)), None),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let file = sources.add(SourceFile::new(name, text));
            let problem = Diagnostic::new(
                &SYNTAX_ERROR,
                Span::new(file, at, at + 1),
                "the file is not valid UTF-8",
            )
            .with_note(format!("the first invalid byte is at offset {at}"))
            .with_help("save the file as UTF-8");
            (file, Some(problem))
        }
    }
}

/// Whether a file name is one `omnilint check DIR` reads: `*.omni`, `*.omni.yaml`, `*.omni.yml`.
pub fn is_policy_file(name: &str) -> bool {
    name.ends_with(".omni") || name.ends_with(".omni.yaml") || name.ends_with(".omni.yml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Group;
    use std::collections::BTreeSet;

    /// Enough root processes for the analysis to be split, with dead-end, channel and rule
    /// findings.
    fn large_policy() -> String {
        let mut text = String::from(
            "policy split\nentity c {\n  n: int 0..9\n  f: bool\n}\n\
             channel web { can go, pay\n replies within 1h }\n\
             channel chat { can pay\n replies within 1h }\n\
             rule low: invariant c.n <= 5\n\
             rule no_chat: forbid pay via chat\n\
             action go\naction pay { set c.f = true }\naction bump { set c.n = 9 }\n",
        );
        for i in 0..70 {
            let entry = if i % 2 == 0 { "web" } else { "chat" };
            text.push_str(&format!(
                "process p{i} {{\n  entry {entry}\n  start s\n  state s {{\n    on go when c.n == {} -> t\n    on pay -> done\n  }}\n  state t {{\n    do bump -> done\n  }}\n  final done\n}}\n",
                i % 6
            ));
        }
        text
    }

    #[test]
    fn checks_on_two_threads_find_what_one_thread_finds() {
        let report = check(vec![Input {
            name: "split.omni".into(),
            contents: large_policy().into_bytes(),
        }]);
        let model = report.policies[0].model.as_ref().expect("the policy reads");
        let one = Analysis::new(model).unwrap();
        let two = Analysis::new(model).unwrap();
        assert!(two.worth_splitting(), "the split path runs");
        let (sequential, sequential_cut_short) = findings(model, &one, false);
        let (split, split_cut_short) = findings(model, &two, true);
        assert_eq!(split, sequential);
        assert_eq!(split_cut_short, sequential_cut_short);
        let groups: BTreeSet<Group> = split.iter().map(|d| Group::of_code(d.code())).collect();
        assert!(
            groups.contains(&Group::DeadEnd)
                && groups.contains(&Group::Channel)
                && groups.contains(&Group::Rule),
            "{groups:?}"
        );
    }
}
