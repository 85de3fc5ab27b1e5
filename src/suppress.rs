//! Inline suppressions: `# omnilint: allow C204, C205 -- the shop scans the DM into the case`.
//!
//! A suppression comment alone on its line applies to the next line with code; at the end of
//! a line, to that line. It silences the findings of the checks it names whose primary span
//! starts on that line or, when an item or a state starts there, anywhere inside it. A
//! suppression without a reason, with an unknown code or malformed is reported (A002); a code
//! that silences nothing is reported too (A003).

use crate::checks::invalid_suppression::INVALID_SUPPRESSION;
use crate::checks::unused_suppression::UNUSED_SUPPRESSION;
use crate::checks::{self, CheckMeta, Group};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::{Syntax, ast};
use std::ops::Range;

/// One `allow` comment, read.
#[derive(Clone, Debug)]
pub struct Suppression {
    /// The byte range of the file it applies to.
    scope: Range<u32>,
    /// The checks it names, with where each is written and whether it silenced something.
    codes: Vec<Named>,
}

#[derive(Clone, Debug)]
struct Named {
    check: &'static CheckMeta,
    span: Span,
    used: bool,
}

/// The suppressions of one file.
#[derive(Clone, Debug)]
pub struct FileSuppressions {
    file: FileId,
    suppressions: Vec<Suppression>,
}

/// The spans suppressions above them cover whole: top-level items and states.
fn blocks(tree: &ast::File) -> Vec<Span> {
    let mut spans = Vec::new();
    for item in &tree.items {
        spans.push(item.span);
        if let ast::Item::Process(process) = &item.node {
            spans.extend(process.states.iter().map(|s| s.span));
        }
    }
    spans
}

/// Reads the suppression comments of a file's `text`, parsed as `tree`. Malformed
/// suppressions are reported into `diagnostics`.
pub fn scan(
    file: FileId,
    text: &str,
    syntax: Syntax,
    tree: &ast::File,
    diagnostics: &mut Vec<Diagnostic>,
) -> FileSuppressions {
    // Most files have no suppression: one substring search spares them the line scan.
    if !text.contains("omnilint:") {
        return FileSuppressions {
            file,
            suppressions: Vec::new(),
        };
    }
    let blocks = blocks(tree);
    let lines = line_ranges(text);
    let mut suppressions = Vec::new();
    for (index, range) in lines.iter().enumerate() {
        let line = &text[range.clone()];
        let Some(comment) = comment_start(line, syntax) else {
            continue;
        };
        // The directive may follow other comment text: `# "call us" # omnilint: allow ...`.
        let Some(directive) = line[comment..].match_indices('#').find_map(|(i, _)| {
            line[comment + i + 1..]
                .trim_start()
                .strip_prefix("omnilint:")
        }) else {
            continue;
        };
        let directive_at = range.start + line.len() - directive.len();
        let span_of = |start: usize, len: usize| Span::new(file, start, start + len);
        let Some(codes) = read_directive(directive, directive_at, &span_of, diagnostics) else {
            continue;
        };
        let own_line = line[..comment].trim().is_empty();
        let target = if own_line {
            lines[index + 1..].iter().find(|r| {
                let next = text[(*r).clone()].trim_start();
                !next.is_empty() && comment_start(next, syntax) != Some(0)
            })
        } else {
            Some(range)
        };
        let Some(target) = target else {
            // Nothing follows the comment: it applies to nothing, which A003 reports.
            suppressions.push(Suppression { scope: 0..0, codes });
            continue;
        };
        let start = u32::try_from(target.start).unwrap_or(u32::MAX);
        let line_end = u32::try_from(target.end).unwrap_or(u32::MAX);
        let end = blocks
            .iter()
            .filter(|b| b.start >= start && b.start < line_end)
            .map(|b| b.end)
            .fold(line_end, u32::max);
        suppressions.push(Suppression {
            scope: start..end,
            codes,
        });
    }
    FileSuppressions { file, suppressions }
}

/// Reads `allow CODE, CODE -- reason`; reports what is wrong with it. `None` when it
/// silences nothing.
fn read_directive(
    directive: &str,
    at: usize,
    span_of: &impl Fn(usize, usize) -> Span,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<Named>> {
    let trimmed = directive.trim_start();
    let offset = at + directive.len() - trimmed.len();
    let word = trimmed.split_whitespace().next().unwrap_or("");
    let Some(rest) = trimmed.strip_prefix("allow").filter(|_| word == "allow") else {
        diagnostics.push(
            Diagnostic::new(
                &INVALID_SUPPRESSION,
                span_of(offset, word.len()),
                format!("unknown omnilint directive `{word}`"),
            )
            .with_help("write `# omnilint: allow CODE -- reason`"),
        );
        return None;
    };
    let rest_at = offset + "allow".len();
    let (list, reason) = match rest.split_once("--") {
        Some((list, reason)) => (list, Some(reason.trim())),
        None => (rest, None),
    };
    let mut codes = Vec::new();
    let mut position = rest_at;
    for part in list.split(',') {
        let name = part.trim();
        let start = position + part.len() - part.trim_start().len();
        position += part.len() + 1;
        if name.is_empty() {
            continue;
        }
        let span = span_of(start, name.len());
        match checks::lookup(name) {
            Some(check) if check.group == Group::Read => diagnostics.push(
                Diagnostic::new(
                    &INVALID_SUPPRESSION,
                    span,
                    format!("`{}` cannot be silenced", check.code),
                )
                .with_note("a policy that cannot be read is always an error"),
            ),
            Some(check) => codes.push(Named {
                check,
                span,
                used: false,
            }),
            None => diagnostics.push(
                Diagnostic::new(
                    &INVALID_SUPPRESSION,
                    span,
                    format!("unknown check `{name}`{}", checks::did_you_mean(name)),
                )
                .with_help("`omnilint list` shows every check's code"),
            ),
        }
    }
    if codes.is_empty() {
        if list.trim().is_empty() {
            diagnostics.push(
                Diagnostic::new(
                    &INVALID_SUPPRESSION,
                    span_of(offset, "allow".len()),
                    "this suppression names no check",
                )
                .with_help("write `# omnilint: allow CODE -- reason`"),
            );
        }
        return None;
    }
    if reason.is_none_or(str::is_empty) {
        let first = codes[0].span;
        let last = codes[codes.len() - 1].span;
        diagnostics.push(
            Diagnostic::new(
                &INVALID_SUPPRESSION,
                first.to(last),
                "suppression without a reason",
            )
            .with_help("say why after `--`: `# omnilint: allow C204 -- the shop scans the DM into the case`"),
        );
    }
    Some(codes)
}

/// The byte ranges of the lines of `text`, without their line breaks.
fn line_ranges(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        ranges.push(start..start + content.len());
        start += line.len();
    }
    ranges
}

/// Where the comment of `line` starts (the `#`), outside string literals.
fn comment_start(line: &str, syntax: Syntax) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' => quote = Some('"'),
                '\'' if syntax == Syntax::Yaml && previous.is_whitespace() => quote = Some('\''),
                // In YAML, `#` starts a comment only after whitespace (`a#b` is a scalar).
                '#' if syntax == Syntax::Omni || previous.is_whitespace() => return Some(i),
                _ => {}
            },
        }
        previous = c;
    }
    None
}

impl FileSuppressions {
    /// Whether the file has no suppressions.
    pub fn is_empty(&self) -> bool {
        self.suppressions.is_empty()
    }

    /// Whether a suppression silences `diagnostic`; marks it used if so.
    pub fn silences(&mut self, diagnostic: &Diagnostic) -> bool {
        if self.file != diagnostic.span.file || diagnostic.check.group == Group::Read {
            return false;
        }
        let mut silenced = false;
        for s in &mut self.suppressions {
            if !s.scope.contains(&diagnostic.span.start) {
                continue;
            }
            for named in &mut s.codes {
                if std::ptr::eq(named.check, diagnostic.check) {
                    named.used = true;
                    silenced = true;
                }
            }
        }
        silenced
    }

    /// The A003 findings: every named check that silenced nothing.
    pub fn unused(&self) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        for s in &self.suppressions {
            for named in s.codes.iter().filter(|n| !n.used) {
                found.push(
                    Diagnostic::new(
                        &UNUSED_SUPPRESSION,
                        named.span,
                        format!(
                            "`{}` is allowed here, but nothing reports it",
                            named.check.code
                        ),
                    )
                    .with_help(format!(
                        "remove `{}` from the suppression",
                        named.check.code
                    )),
                );
            }
        }
        found
    }
}
