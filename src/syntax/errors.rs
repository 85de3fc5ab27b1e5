//! Syntax errors in words: pest's "expected rules" turned into "expected `->` or `when`,
//! found `=>`", pointing at the token found.

use super::omni::Rule;
use crate::checks::syntax_error::SYNTAX_ERROR;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use pest::error::{ErrorVariant, InputLocation};

/// How deeply parentheses may nest in a condition.
pub const MAX_NESTING: usize = 64;

/// How many syntax errors one file reports before omnilint stops reading it.
pub const MAX_SYNTAX_ERRORS: usize = 100;

/// Whether `word` is a reserved word of the language: the words of the grammar's `kw_*`
/// rules, which a test keeps equal to this list. Asked of every name read, hence a `match`.
pub fn is_reserved(word: &str) -> bool {
    matches!(
        word,
        "policy"
            | "type"
            | "entity"
            | "channel"
            | "event"
            | "external"
            | "action"
            | "rule"
            | "process"
            | "state"
            | "final"
            | "failure"
            | "can"
            | "replies"
            | "within"
            | "records"
            | "case"
            | "requires"
            | "set"
            | "emit"
            | "invariant"
            | "forbid"
            | "via"
            | "when"
            | "on"
            | "then"
            | "entry"
            | "sla"
            | "start"
            | "never"
            | "do"
            | "await"
            | "after"
            | "call"
            | "all"
            | "else"
            | "handoff"
            | "and"
            | "or"
            | "not"
            | "in"
            | "true"
            | "false"
            | "bool"
            | "int"
            | "text"
    )
}

/// The diagnostic for parentheses nested deeper than [`MAX_NESTING`].
pub fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(
        &SYNTAX_ERROR,
        span,
        format!("conditions are nested more than {MAX_NESTING} levels deep"),
    )
    .with_help("split the condition into simpler rules or conditions")
}

/// A token of the source, for "found ..." in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'t> {
    /// Its text; empty at the end of the file.
    pub text: &'t str,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// The token at or after `offset` (skipping whitespace and comments).
pub fn token_at(text: &str, offset: usize) -> Token<'_> {
    let bytes = text.as_bytes();
    let mut i = offset.min(bytes.len());
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else {
            break;
        }
    }
    let start = i;
    let rest = &text[start..];
    let len = if rest.is_empty() {
        0
    } else if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else if ["->", "=>", "==", "!=", "<=", ">=", ".."]
        .iter()
        .any(|op| rest.starts_with(op))
    {
        2
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    Token {
        text: &rest[..len],
        start,
        end: start + len,
    }
}

/// Converts a pest error (its variant and location) into a diagnostic. The parsed text
/// starts at `offset` in `context` (which may extend past it, so that "found" can name the
/// next item's keyword), and `context` itself starts at byte `shift` of the file.
pub fn from_pest(
    variant: &ErrorVariant<Rule>,
    location: &InputLocation,
    file: FileId,
    context: &str,
    offset: usize,
    shift: usize,
) -> Diagnostic {
    let position = match *location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let found = token_at(context, offset + position);
    let span = Span::new(file, shift + found.start, shift + found.end);
    let expected = match variant {
        ErrorVariant::ParsingError { positives, .. } => expected_list(positives),
        ErrorVariant::CustomError { message } => {
            return Diagnostic::new(&SYNTAX_ERROR, span, message.clone());
        }
    };
    let found_text = if found.text.is_empty() {
        "end of file".to_owned()
    } else if is_reserved(found.text) {
        format!("keyword `{}`", found.text)
    } else {
        format!("`{}`", found.text)
    };
    let message = if expected.is_empty() {
        format!("unexpected {found_text}")
    } else {
        format!("expected {expected}, found {found_text}")
    };
    let diagnostic = Diagnostic::new(&SYNTAX_ERROR, span, message);
    if is_reserved(found.text) && expected.contains("a name") {
        with_reserved_help(diagnostic, found.text)
    } else if is_reserved(found.text) && expected.contains("`}`") {
        diagnostic.with_help(format!("a `}}` may be missing before `{}`", found.text))
    } else if found.text == "=>" && expected.contains("`->`") {
        diagnostic.with_help("transitions use `->`")
    } else if found.text == "=" && expected.contains("comparison") {
        diagnostic.with_help("compare with `==`")
    } else {
        diagnostic
    }
}

/// The error for a reserved word read as a name, worded as the grammar's own errors are:
/// for a text the strict parser reads whole nonetheless (see `Lower::parse`).
pub fn reserved_as_name(span: Span, word: &str) -> Diagnostic {
    let message = format!("expected a name, found keyword `{word}`");
    with_reserved_help(Diagnostic::new(&SYNTAX_ERROR, span, message), word)
}

fn with_reserved_help(diagnostic: Diagnostic, word: &str) -> Diagnostic {
    diagnostic.with_help(format!(
        "`{word}` is a reserved word and cannot be used as a name"
    ))
}

/// "`a`, `b` or `c`", without repetitions, in the grammar's order.
fn expected_list(rules: &[Rule]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    // Inside an item, "end of file" means "end of the item": only worth saying alone.
    let rules: Vec<Rule> = if rules.len() > 1 {
        rules.iter().copied().filter(|r| *r != Rule::EOI).collect()
    } else {
        rules.to_vec()
    };
    for rule in &rules {
        if let Some(text) = describe(*rule) {
            if !seen.contains(&text) {
                seen.push(text);
            }
        }
    }
    match seen.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A rule in the words a policy author knows.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::ident | Rule::unreserved | Rule::ident_list | Rule::variants | Rule::never_action => {
            "a name"
        }
        Rule::int_lit => "an integer",
        Rule::string => "a quoted string",
        Rule::duration | Rule::duration_only => "a duration such as `2h` or `30d`",
        Rule::header | Rule::header_only | Rule::kw_policy => "`policy NAME`",
        Rule::type_def | Rule::kw_type => "`type`",
        Rule::entity_def | Rule::kw_entity => "`entity`",
        Rule::channel_def | Rule::kw_channel => "`channel`",
        Rule::event_def | Rule::kw_event => "`event`",
        Rule::kw_external => "`external`",
        Rule::action_def | Rule::kw_action => "`action`",
        Rule::rule_def | Rule::kw_rule => "`rule`",
        Rule::process_def | Rule::kw_process => "`process`",
        Rule::type_expr | Rule::type_only | Rule::int_type => {
            "a type (`bool`, `text`, `int 0..9`, a type name or `a | b`)"
        }
        Rule::kw_bool => "`bool`",
        Rule::kw_text => "`text`",
        Rule::kw_int => "`int`",
        Rule::field_def => "a field (`name: type`)",
        Rule::param_def | Rule::params => "a parameter (`name: type`)",
        Rule::can_stmt | Rule::kw_can => "`can`",
        Rule::replies_stmt | Rule::kw_replies => "`replies within`",
        Rule::kw_within => "`within`",
        Rule::records_stmt | Rule::kw_records => "`records case`",
        Rule::kw_case => "`case`",
        Rule::requires_stmt | Rule::kw_requires => "`requires`",
        Rule::set_stmt | Rule::kw_set => "`set`",
        Rule::emit_stmt | Rule::kw_emit => "`emit`",
        Rule::invariant | Rule::kw_invariant => "`invariant`",
        Rule::forbid | Rule::kw_forbid => "`forbid`",
        Rule::trigger | Rule::on_tr | Rule::kw_on => "`on`",
        Rule::kw_then => "`then`",
        Rule::via | Rule::kw_via => "`via`",
        Rule::when | Rule::kw_when => "`when`",
        Rule::entry_stmt | Rule::kw_entry => "`entry`",
        Rule::sla_stmt | Rule::kw_sla => "`sla`",
        Rule::start_stmt | Rule::kw_start => "`start`",
        Rule::never_stmt | Rule::kw_never => "`never`",
        Rule::state_def | Rule::kw_state => "`state`",
        Rule::final_def | Rule::kw_final => "`final`",
        Rule::kw_failure => "`failure`",
        Rule::do_tr | Rule::kw_do => "`do`",
        Rule::await_tr | Rule::kw_await => "`await`",
        Rule::after_tr | Rule::kw_after => "`after`",
        Rule::call_tr | Rule::kw_call => "`call`",
        Rule::all_tr | Rule::kw_all => "`all`",
        Rule::else_arm | Rule::kw_else => "`else`",
        Rule::handoff_tr | Rule::kw_handoff => "`handoff`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not => "`not`",
        Rule::kw_in | Rule::listed => "`in`",
        Rule::kw_true => "`true`",
        Rule::kw_false => "`false`",
        Rule::arrow => "`->`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen | Rule::paren => "`(`",
        Rule::rparen => "`)`",
        Rule::colon => "`:`",
        Rule::dot => "`.`",
        Rule::dotdot => "`..`",
        Rule::pipe => "`|`",
        Rule::assign => "`=`",
        Rule::cmp_op | Rule::compared => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
        Rule::cond | Rule::cond_only | Rule::conj | Rule::negation | Rule::predicate => {
            "a condition"
        }
        Rule::term | Rule::term_only => {
            "a value (`entity.field`, a parameter, a variant or a literal)"
        }
        Rule::field_ref => "a field (`entity.field`)",
        Rule::never_only => "an action or a condition",
        _ => return None,
    })
}
