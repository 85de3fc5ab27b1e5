//! Human output: rustc-style snippets (annotate-snippets), the notes, witness and help under
//! them.

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::Report;
use crate::source::{FileId, Sources, Span};
use annotate_snippets::{AnnotationKind, Group, Level, Padding, Renderer, Snippet};
use std::borrow::Cow;

/// Renders every diagnostic of the report followed by a summary line. `styled` adds ANSI
/// colours (the CLI asks for them when the terminal, `--color` and `NO_COLOR` say so).
/// Diagnostics are rendered on every core, each on its own, and joined in order.
pub fn human(report: &Report, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let rendered = crate::parallel::map(&report.diagnostics, |d| {
        render_one(&renderer, styled, &report.sources, d)
    });
    let mut out = String::with_capacity(rendered.iter().map(|r| r.len() + 2).sum::<usize>() + 80);
    for one in rendered {
        out.push_str(&one);
        out.push_str("\n\n");
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

/// "3 errors, 1 warning in 4 files (2 policies)".
pub fn summary_line(report: &Report) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let files = plural(report.sources.len(), "file");
    let policies = plural(report.policies.len(), "policy").replace("policys", "policies");
    let counts: Vec<String> = [
        (report.count(Severity::Error), "error"),
        (report.count(Severity::Warning), "warning"),
        (report.count(Severity::Note), "note"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| plural(n, w))
    .collect();
    if counts.is_empty() {
        format!("no problems found in {files} ({policies})")
    } else {
        format!("found {} in {files} ({policies})", counts.join(", "))
    }
}

/// The lines of a file that a set of spans touches, as one excerpt: the excerpt's text, its
/// first line number, and its byte offset in the file. Keeps rendering cheap in huge files.
fn excerpt(sources: &Sources, file: FileId, spans: &[Span]) -> (String, usize, usize) {
    let source = sources.get(file);
    let text = &source.text;
    let start = spans
        .iter()
        .map(|s| s.start as usize)
        .min()
        .unwrap_or(0)
        .min(text.len());
    let end = spans
        .iter()
        .map(|s| s.end as usize)
        .max()
        .unwrap_or(0)
        .min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let (first_line, _) = source.line_col(u32::try_from(line_start).unwrap_or(u32::MAX));
    (
        text[line_start..line_end].to_owned(),
        first_line,
        line_start,
    )
}

fn render_one(renderer: &Renderer, styled: bool, sources: &Sources, d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    // Group the primary span and the labels by file, the primary's file first.
    let mut files: Vec<FileId> = vec![d.span.file];
    for l in &d.labels {
        if !files.contains(&l.span.file) {
            files.push(l.span.file);
        }
    }
    let excerpts: Vec<(FileId, String, usize, usize)> = files
        .iter()
        .map(|&file| {
            let mut spans: Vec<Span> = d
                .labels
                .iter()
                .filter(|l| l.span.file == file)
                .map(|l| l.span)
                .collect();
            if file == d.span.file {
                spans.push(d.span);
            }
            let (text, line, offset) = excerpt(sources, file, &spans);
            (file, text, line, offset)
        })
        .collect();

    let mut group = Group::with_title(level.primary_title(d.message.as_str()).id(d.check.code));
    for (file, text, line, offset) in &excerpts {
        let local = |span: Span| (span.start as usize - offset)..(span.end as usize - offset);
        let mut snippet = Snippet::source(text.as_str())
            .line_start(*line)
            .path(sources.get(*file).name.as_str())
            .fold(true);
        if *file == d.span.file {
            snippet = snippet.annotation(AnnotationKind::Primary.span(local(d.span)));
        }
        for l in d.labels.iter().filter(|l| l.span.file == *file) {
            snippet = snippet.annotation(
                AnnotationKind::Context
                    .span(local(l.span))
                    .label(l.message.as_str()),
            );
        }
        group = group.element(snippet);
    }
    let messages = messages(sources, d);
    if styled {
        for (kind, text) in &messages {
            group = group.element(kind.level().message(text.as_ref()));
        }
        return renderer.render(&[group]);
    }
    plain_with_messages(renderer, group, &messages)
}

/// What is printed under a finding's snippets, in order: its notes, its witness, its help.
fn messages<'d>(sources: &Sources, d: &'d Diagnostic) -> Vec<(Message, Cow<'d, str>)> {
    let notes = d
        .notes
        .iter()
        .map(|note| (Message::Note, Cow::from(note.as_str())));
    let witness = d
        .witness
        .iter()
        .map(|w| (Message::Note, Cow::from(witness_text(sources, w))));
    let help = d
        .help
        .iter()
        .map(|help| (Message::Help, Cow::from(help.as_str())));
    notes.chain(witness).chain(help).collect()
}

/// The kinds of message under a finding's snippets.
#[derive(Clone, Copy)]
enum Message {
    Note,
    Help,
}

impl Message {
    fn level(self) -> Level<'static> {
        match self {
            Message::Note => Level::NOTE,
            Message::Help => Level::HELP,
        }
    }

    /// The label annotate-snippets prints for it.
    fn label(self) -> &'static str {
        match self {
            Message::Note => "note",
            Message::Help => "help",
        }
    }
}

/// Plain output, the messages laid out under the snippets as annotate-snippets lays them
/// out (`= note: ` in the gutter's last column, later lines aligned after the label), but
/// written whole: annotate-snippets stores each of their characters with a style and
/// writes them one by one, and the witnesses' lines cost 5% of a run's instructions on
/// 1,000 processes with rules. A padding element after the snippets ends them as they end
/// when messages follow: with the gutter's separator line, which shows the column of the
/// messages' `=`. A test compares this with annotate-snippets' own rendering.
fn plain_with_messages(
    renderer: &Renderer,
    group: Group<'_>,
    messages: &[(Message, Cow<'_, str>)],
) -> String {
    if messages.is_empty() {
        return renderer.render(&[group]);
    }
    let mut out = renderer.render(&[group.element(Padding)]);
    let last_line = out.rfind('\n').map_or(0, |newline| newline + 1);
    let separator = out[last_line..].find('|').unwrap_or(0);
    for (kind, text) in messages {
        let label = kind.label();
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', separator));
        out.push_str("= ");
        out.push_str(label);
        out.push_str(": ");
        // Aligned with the text after `= note: `.
        let indent = separator + 2 + label.len() + 2;
        for (j, line) in text.split('\n').enumerate() {
            if j > 0 {
                out.push('\n');
                out.extend(std::iter::repeat_n(' ', indent));
            }
            out.push_str(line);
        }
    }
    out
}

/// The witness as the lines printed under a finding.
pub(crate) fn witness_text(sources: &Sources, w: &crate::diagnostic::Witness) -> String {
    use std::fmt::Write as _;
    // Writing to a `String` cannot fail.
    let mut text = String::from("witness:");
    for (i, step) in w.path.iter().enumerate() {
        let _ = write!(text, "\n  {}. {}", i + 1, step.text);
        if let Some(span) = step.span {
            let source = sources.get(span.file);
            let (line, column) = source.line_col(span.start);
            let _ = write!(text, "  ({}:{line}:{column})", source.name);
        }
    }
    for (i, binding) in w.values.iter().enumerate() {
        text.push_str(if i == 0 { "\n  with " } else { ", " });
        let _ = write!(text, "{} = {}", binding.name, binding.value);
    }
    text
}
