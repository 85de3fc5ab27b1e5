//! `.omni` text -> AST. The only module that sees pest's `Pair`s.
//!
//! A file is split into items first (see [`super::split`]); each item is parsed and lowered on
//! its own, so one syntax error costs one item, not the file. Each `lower_*` function handles
//! one grammar rule and returns `None` only if the tree does not have the shape the grammar
//! promises, which would be a bug in this file, reported as an internal syntax error.

use super::ast::*;
use super::errors::{self, MAX_NESTING, MAX_SYNTAX_ERRORS};
use super::split::{self, Chunk};
use crate::checks::{policy_header::POLICY_HEADER, syntax_error::SYNTAX_ERROR, type_mismatch};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Ident, Node, Span};
use pest::Parser;
use pest::Token;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use std::cell::Cell;

/// The parser that reads policies: any word is a name where no keyword could follow, and
/// lowering finds reserved words used as names (see grammar/names.pest). It has no comment
/// rule, and reads texts whose comments are blanked out (see grammar/comments.pest).
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/names.pest"]
#[grammar = "../grammar/omni.pest"]
pub(crate) struct OmniParser;

/// The parser that words syntax errors: the same grammar, with comments, but no name is a
/// reserved word, so its error stops at the first one used as a name (see
/// grammar/names_strict.pest). It runs only on a text that did not parse, or that uses a
/// reserved word as a name.
pub(crate) mod strict {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/names_strict.pest"]
    #[grammar = "../grammar/omni.pest"]
    #[grammar = "../grammar/comments.pest"]
    pub(crate) struct StrictParser;

    /// The reading parser's rule of the same name.
    pub(crate) fn to_omni(rule: Rule) -> Option<super::Rule> {
        match rule {
            // Not among `all_rules`.
            Rule::EOI => Some(super::Rule::EOI),
            _ => same_rule(rule, Rule::all_rules(), super::Rule::all_rules()),
        }
    }

    /// The strict parser's rule of the same name.
    pub(crate) fn from_omni(rule: super::Rule) -> Option<Rule> {
        match rule {
            super::Rule::EOI => Some(Rule::EOI),
            _ => same_rule(rule, super::Rule::all_rules(), Rule::all_rules()),
        }
    }

    /// The rule at `rule`'s place in the other list: the two grammars have the same rules, in
    /// the same order, and then the strict one's `COMMENT` (a test checks it).
    fn same_rule<A: PartialEq, B: Copy>(rule: A, from: &[A], to: &[B]) -> Option<B> {
        let index = from.iter().position(|r| *r == rule)?;
        to.get(index).copied()
    }
}

/// Parses a whole `.omni` file, recovering at item boundaries.
pub fn parse_file(file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let mut out = File::default();
    let mut lower = Lower::new(file, 0);
    let chunks = split::split(text);
    check_header(file, text, &chunks, &mut lower.diags);

    let mut syntax_errors = 0;
    for (index, chunk) in chunks.iter().enumerate() {
        if syntax_errors >= MAX_SYNTAX_ERRORS {
            let span = Span::new(file, chunk.start, chunk.start);
            lower.diags.push(
                Diagnostic::new(
                    &SYNTAX_ERROR,
                    span,
                    "too many syntax errors: stopped reading the file here",
                )
                .with_note(format!(
                    "omnilint reports at most {MAX_SYNTAX_ERRORS} syntax errors per file"
                )),
            );
            break;
        }
        let before = lower.diags.len();
        lower.base = chunk.start;
        let slice = &text[chunk.start..chunk.end];
        match chunk.keyword {
            Some("policy") => {
                if let Some(name) = lower.parse(
                    Rule::header_only,
                    slice,
                    Lower::lower_header_only,
                    (text, chunk.start),
                ) {
                    if out.policy.is_none() && index == 0 {
                        out.policy = Some(name);
                    } else if index > 0 && chunks[0].keyword == Some("policy") {
                        let first = out.policy.as_ref().map(|p| p.span);
                        let mut d = Diagnostic::new(
                            &POLICY_HEADER,
                            name.span,
                            "a second `policy` header in one file",
                        )
                        .with_help(
                            "a file belongs to one policy: move these items to a file of their own",
                        );
                        if let Some(first) = first {
                            d = d.with_label(first, "the file's policy is named here");
                        }
                        lower.diags.push(d);
                    }
                }
            }
            None if index == 0 => {
                // Text before the first keyword: say what a file must start with.
                lower.parse(
                    Rule::header_only,
                    slice,
                    Lower::lower_header_only,
                    (text, chunk.start),
                );
            }
            _ => {
                if let Some(item) = lower.parse(
                    Rule::item_only,
                    slice,
                    Lower::lower_item_only,
                    (text, chunk.start),
                ) {
                    out.items.push(item);
                } else if let Some(name) = &chunk.name {
                    out.unreadable.push(name.clone());
                }
            }
        }
        if lower.diags[before..]
            .iter()
            .any(|d| std::ptr::eq(d.check, &SYNTAX_ERROR))
        {
            syntax_errors += 1;
        }
    }
    (out, lower.diags)
}

fn check_header(file: FileId, text: &str, chunks: &[Chunk], diags: &mut Vec<Diagnostic>) {
    let starts_with_header = chunks.first().is_some_and(|c| c.keyword == Some("policy"))
        || (chunks.first().is_some_and(|c| c.keyword.is_none())
            && chunks.get(1).is_some_and(|c| c.keyword == Some("policy")));
    if starts_with_header {
        return;
    }
    let (span, message) = match chunks.first() {
        None => (
            Span::new(file, 0, 0),
            "the file is empty: it has no `policy NAME` header",
        ),
        Some(chunk) => {
            let word = errors::token_at(text, chunk.start);
            (
                Span::new(file, word.start, word.end),
                "the file does not start with a `policy NAME` header",
            )
        }
    };
    diags.push(
        Diagnostic::new(&POLICY_HEADER, span, message)
            .with_help("start the file with `policy NAME`, the name its policy's other files use"),
    );
}

/// Parses a condition written inside another syntax (YAML), `base` being its offset in `file`.
pub(crate) fn parse_cond(
    file: FileId,
    base: usize,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Node<Cond>> {
    fragment(file, base, text, diags, Rule::cond_only, |l, p| {
        l.lower_only(p, Lower::lower_cond)
    })
}

/// Parses a type (`int 0..10`, `a | b`, `address`) written inside another syntax.
pub(crate) fn parse_type(
    file: FileId,
    base: usize,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Node<TypeExpr>> {
    fragment(file, base, text, diags, Rule::type_only, |l, p| {
        l.lower_only(p, Lower::lower_type_expr)
    })
}

/// Parses a duration (`2h`) written inside another syntax.
pub(crate) fn parse_duration(
    file: FileId,
    base: usize,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Node<Duration>> {
    fragment(file, base, text, diags, Rule::duration_only, |l, p| {
        l.lower_only(p, Lower::lower_duration)
    })
}

/// Parses a `never` target (an action name or a condition) written inside another syntax.
pub(crate) fn parse_never(
    file: FileId,
    base: usize,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Node<Never>> {
    fragment(file, base, text, diags, Rule::never_only, |l, p| {
        let span = l.span(&p);
        let inner = p.into_inner().find(|p| p.as_rule() != Rule::EOI)?;
        l.lower_never_target(inner).map(|n| Node::new(n, span))
    })
}

/// Parses a value (`customer.line`, `active`, `"x"`, `3`) written inside another syntax.
pub(crate) fn parse_term(
    file: FileId,
    base: usize,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Node<Term>> {
    fragment(file, base, text, diags, Rule::term_only, |l, p| {
        l.lower_only(p, Lower::lower_term)
    })
}

fn fragment<T>(
    file: FileId,
    base: usize,
    text: &str,
    diags: &mut Vec<Diagnostic>,
    rule: Rule,
    lower_fn: impl FnOnce(&mut Lower, Pair<'_, Rule>) -> Option<T>,
) -> Option<T> {
    let mut lower = Lower::new(file, base);
    if let Some(at) = split::too_deep(text, MAX_NESTING) {
        lower
            .diags
            .push(errors::too_deep(Span::new(file, base + at, base + at + 1)));
        diags.append(&mut lower.diags);
        return None;
    }
    let result = lower.parse(rule, text, lower_fn, (text, 0));
    diags.append(&mut lower.diags);
    result
}

/// Lowering state: the file and offset of the text being parsed, and the diagnostics found.
struct Lower {
    file: FileId,
    base: usize,
    diags: Vec<Diagnostic>,
    /// The first reserved word read as a name in the text being lowered, if any: the grammar
    /// leaves that to lowering (see `ident` in the grammar).
    reserved: Cell<Option<Span>>,
}

type Lowered<T> = Option<T>;

impl Lower {
    fn new(file: FileId, base: usize) -> Self {
        Lower {
            file,
            base,
            diags: Vec::new(),
            reserved: Cell::new(None),
        }
    }

    /// Parses `slice` with `rule` and lowers it; reports a syntax error on failure.
    /// `context` is a text `slice` starts in, at the given offset, for naming what was found
    /// after the slice's end (the next item's keyword).
    fn parse<T>(
        &mut self,
        rule: Rule,
        slice: &str,
        lower_fn: impl FnOnce(&mut Self, Pair<'_, Rule>) -> Option<T>,
        context: (&str, usize),
    ) -> Option<T> {
        if let Some(at) = split::too_deep(slice, MAX_NESTING) {
            let at = self.base + at;
            self.diags
                .push(errors::too_deep(Span::new(self.file, at, at + 1)));
            return None;
        }
        let code = split::without_comments(slice);
        match OmniParser::parse(rule, &code) {
            Ok(mut pairs) => {
                let pair = pairs.next()?;
                let span = self.span(&pair);
                let lowered = lower_fn(self, pair);
                if let Some(name) = self.reserved.take() {
                    // As if the grammar had refused the name: the text is not read.
                    let error = self.strict_error(rule, slice, context).unwrap_or_else(|| {
                        let at = name.range().start - self.base..name.range().end - self.base;
                        errors::reserved_as_name(name, &slice[at])
                    });
                    self.diags.push(error);
                    return None;
                }
                if lowered.is_none() {
                    self.diags.push(Diagnostic::new(
                        &SYNTAX_ERROR,
                        span,
                        "internal error: omnilint could not read this item (please report it)",
                    ));
                }
                lowered
            }
            Err(error) => {
                let error = self
                    .strict_error(rule, slice, context)
                    .unwrap_or_else(|| self.syntax_error(&error.variant, &error.location, context));
                self.diags.push(error);
                None
            }
        }
    }

    /// The syntax error the strict parser finds in `slice`, if it finds one.
    fn strict_error(&self, rule: Rule, slice: &str, context: (&str, usize)) -> Option<Diagnostic> {
        let error = strict::StrictParser::parse(strict::from_omni(rule)?, slice).err()?;
        let variant = match error.variant {
            ErrorVariant::ParsingError {
                positives,
                negatives,
            } => ErrorVariant::ParsingError {
                positives: positives.into_iter().filter_map(strict::to_omni).collect(),
                negatives: negatives.into_iter().filter_map(strict::to_omni).collect(),
            },
            ErrorVariant::CustomError { message } => ErrorVariant::CustomError { message },
        };
        Some(self.syntax_error(&variant, &error.location, context))
    }

    /// A pest error in the text being parsed, which starts in `context` at the given offset.
    fn syntax_error(
        &self,
        variant: &ErrorVariant<Rule>,
        location: &InputLocation,
        (text, offset): (&str, usize),
    ) -> Diagnostic {
        errors::from_pest(
            variant,
            location,
            self.file,
            text,
            offset,
            self.base - offset,
        )
    }

    /// The pair's span, ending at its last token: a rule that ends in an optional or a
    /// repetition has already skipped the whitespace and comments after it, and a label
    /// should not run on to the next line.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        // Backwards from the pair's own end, the ends of its last child, that child's last
        // child, and so on come first; the last of them closes the last token.
        let mut end = s.end();
        for token in pair.clone().tokens().rev() {
            match token {
                Token::End { pos, .. } => end = pos.pos(),
                Token::Start { .. } => break,
            }
        }
        let end = end.clamp(s.start(), s.end());
        Span::new(self.file, self.base + s.start(), self.base + end)
    }

    fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        self.check_unreserved(pair);
        Node::new(pair.as_str().into(), self.span(pair))
    }

    /// Notes `pair` if it is a reserved word read as a name (the first such, by place).
    fn check_unreserved(&self, pair: &Pair<'_, Rule>) {
        if pair.as_rule() == Rule::ident && errors::is_reserved(pair.as_str()) {
            let span = self.span(pair);
            if self
                .reserved
                .get()
                .is_none_or(|first| span.start < first.start)
            {
                self.reserved.set(Some(span));
            }
        }
    }

    /// The names among a pair's children, in order.
    fn idents(&self, pair: &Pair<'_, Rule>) -> Vec<Ident> {
        pair.clone()
            .into_inner()
            .filter(|p| matches!(p.as_rule(), Rule::ident | Rule::unreserved))
            .map(|p| self.ident(&p))
            .collect()
    }

    fn ident_list(&self, pair: Pair<'_, Rule>) -> Vec<Ident> {
        self.idents(&pair)
    }

    fn child<'i>(pair: &Pair<'i, Rule>, rule: Rule) -> Option<Pair<'i, Rule>> {
        pair.clone().into_inner().find(|p| p.as_rule() == rule)
    }

    /// For `*_only` rules: lowers the one meaningful child.
    fn lower_only<T>(
        &mut self,
        pair: Pair<'_, Rule>,
        f: impl FnOnce(&mut Self, Pair<'_, Rule>) -> Option<T>,
    ) -> Option<T> {
        let inner = pair.into_inner().find(|p| p.as_rule() != Rule::EOI)?;
        f(self, inner)
    }

    fn lower_header_only(&mut self, pair: Pair<'_, Rule>) -> Lowered<Ident> {
        let header = Self::child(&pair, Rule::header)?;
        self.idents(&header).into_iter().next()
    }

    fn lower_item_only(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<Item>> {
        let item = pair.into_inner().find(|p| p.as_rule() != Rule::EOI)?;
        let span = self.span(&item);
        let lowered = match item.as_rule() {
            Rule::type_def => Item::Type(self.lower_type_def(item)?),
            Rule::entity_def => Item::Entity(self.lower_entity_def(item)?),
            Rule::channel_def => Item::Channel(self.lower_channel_def(item)?),
            Rule::event_def => Item::Event(self.lower_event_def(item)?),
            Rule::action_def => Item::Action(self.lower_action_def(item)?),
            Rule::rule_def => Item::Rule(self.lower_rule_def(item)?),
            Rule::process_def => Item::Process(self.lower_process_def(item)?),
            _ => return None,
        };
        Some(Node::new(lowered, span))
    }

    fn lower_type_def(&mut self, pair: Pair<'_, Rule>) -> Lowered<TypeDef> {
        let name = self.idents(&pair).into_iter().next()?;
        let variants = Self::child(&pair, Rule::variants).map(|v| self.idents(&v));
        Some(TypeDef { name, variants })
    }

    fn lower_type_expr(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<TypeExpr>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let ty = match inner.as_rule() {
            Rule::kw_bool => TypeExpr::Bool,
            Rule::kw_text => TypeExpr::Text,
            Rule::int_type => {
                let mut bounds = inner.into_inner().filter(|p| p.as_rule() == Rule::int_lit);
                let lo = self.lower_int(bounds.next()?);
                let hi = self.lower_int(bounds.next()?);
                TypeExpr::Int { lo, hi }
            }
            Rule::variants => {
                let mut names = self.idents(&inner);
                if names.len() == 1 {
                    TypeExpr::Named(names.pop()?)
                } else {
                    TypeExpr::Enum(names)
                }
            }
            _ => return None,
        };
        Some(Node::new(ty, span))
    }

    fn lower_int(&mut self, pair: Pair<'_, Rule>) -> Node<i64> {
        let span = self.span(&pair);
        let value = pair.as_str().parse::<i64>().unwrap_or_else(|_| {
            self.diags.push(
                Diagnostic::new(
                    &type_mismatch::TYPE_MISMATCH,
                    span,
                    format!("the integer `{}` is too large", pair.as_str()),
                )
                .with_note("integers range from -9223372036854775808 to 9223372036854775807"),
            );
            0
        });
        Node::new(value, span)
    }

    fn lower_field_def(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<FieldDef>> {
        let span = self.span(&pair);
        let name = self.idents(&pair).into_iter().next()?;
        let ty = self.lower_type_expr(Self::child(&pair, Rule::type_expr)?)?;
        Some(Node::new(FieldDef { name, ty }, span))
    }

    fn lower_entity_def(&mut self, pair: Pair<'_, Rule>) -> Lowered<EntityDef> {
        let name = self.idents(&pair).into_iter().next()?;
        let mut fields = Vec::new();
        for p in pair.into_inner().filter(|p| p.as_rule() == Rule::field_def) {
            fields.push(self.lower_field_def(p)?);
        }
        Some(EntityDef { name, fields })
    }

    fn lower_channel_def(&mut self, pair: Pair<'_, Rule>) -> Lowered<ChannelDef> {
        let name = self.idents(&pair).into_iter().next()?;
        let mut channel = ChannelDef {
            name,
            ..ChannelDef::default()
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::can_stmt => channel
                    .can
                    .extend(self.ident_list(Self::child(&p, Rule::ident_list)?)),
                Rule::replies_stmt => channel
                    .replies_within
                    .push(self.lower_duration(Self::child(&p, Rule::duration)?)?),
                Rule::records_stmt => channel.records_case.push(Node::new((), self.span(&p))),
                _ => {}
            }
        }
        Some(channel)
    }

    fn lower_event_def(&mut self, pair: Pair<'_, Rule>) -> Lowered<EventDef> {
        let external = Self::child(&pair, Rule::kw_external).is_some();
        let name = self.idents(&pair).into_iter().next()?;
        Some(EventDef { name, external })
    }

    fn lower_action_def(&mut self, pair: Pair<'_, Rule>) -> Lowered<ActionDef> {
        let name = self.idents(&pair).into_iter().next()?;
        let mut action = ActionDef {
            name,
            ..ActionDef::default()
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::params => {
                    for param in p.into_inner().filter(|p| p.as_rule() == Rule::param_def) {
                        action.params.push(self.lower_field_def(param)?);
                    }
                }
                Rule::requires_stmt => action
                    .requires
                    .push(self.lower_cond(Self::child(&p, Rule::cond)?)?),
                Rule::set_stmt => {
                    let span = self.span(&p);
                    let field = self.lower_field_ref(Self::child(&p, Rule::field_ref)?)?;
                    let value = self.lower_term(Self::child(&p, Rule::term)?)?;
                    action.sets.push(Node::new(Set { field, value }, span));
                }
                Rule::emit_stmt => action
                    .emits
                    .extend(self.ident_list(Self::child(&p, Rule::ident_list)?)),
                _ => {}
            }
        }
        Some(action)
    }

    fn lower_rule_def(&mut self, pair: Pair<'_, Rule>) -> Lowered<RuleDef> {
        let name = self.idents(&pair).into_iter().next()?;
        let clause_pair = pair
            .into_inner()
            .find(|p| matches!(p.as_rule(), Rule::invariant | Rule::forbid | Rule::trigger))?;
        let span = self.span(&clause_pair);
        let clause = match clause_pair.as_rule() {
            Rule::invariant => {
                Clause::Invariant(self.lower_cond(Self::child(&clause_pair, Rule::cond)?)?)
            }
            Rule::forbid => Clause::Forbid {
                action: self.idents(&clause_pair).into_iter().next()?,
                via: self.lower_via(&clause_pair),
                when: self.lower_when(&clause_pair)?,
            },
            _ => {
                let [on, then] = <[Ident; 2]>::try_from(self.idents(&clause_pair)).ok()?;
                Clause::Trigger {
                    on,
                    when: self.lower_when(&clause_pair)?,
                    then,
                }
            }
        };
        Some(RuleDef {
            name,
            clause: Node::new(clause, span),
        })
    }

    fn lower_via(&mut self, parent: &Pair<'_, Rule>) -> Option<Vec<Ident>> {
        let via = Self::child(parent, Rule::via)?;
        Self::child(&via, Rule::ident_list).map(|l| self.ident_list(l))
    }

    /// `Some(None)` when there is no `when`; `None` only on a malformed tree.
    fn lower_when(&mut self, parent: &Pair<'_, Rule>) -> Option<Option<Node<Cond>>> {
        match Self::child(parent, Rule::when) {
            None => Some(None),
            Some(when) => self.lower_cond(Self::child(&when, Rule::cond)?).map(Some),
        }
    }

    fn lower_process_def(&mut self, pair: Pair<'_, Rule>) -> Lowered<ProcessDef> {
        let name = self.idents(&pair).into_iter().next()?;
        let mut process = ProcessDef {
            name,
            ..ProcessDef::default()
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::entry_stmt => process
                    .entry
                    .extend(self.ident_list(Self::child(&p, Rule::ident_list)?)),
                Rule::requires_stmt => process
                    .requires
                    .push(self.lower_cond(Self::child(&p, Rule::cond)?)?),
                Rule::sla_stmt => process
                    .sla
                    .push(self.lower_duration(Self::child(&p, Rule::duration)?)?),
                Rule::start_stmt => process.start.push(self.idents(&p).into_iter().next()?),
                Rule::never_stmt => {
                    let span = self.span(&p);
                    let target = p.into_inner().find(|p| p.as_rule() != Rule::kw_never)?;
                    process
                        .nevers
                        .push(Node::new(self.lower_never_target(target)?, span));
                }
                Rule::state_def | Rule::final_def => process.states.push(self.lower_state_def(p)?),
                _ => {}
            }
        }
        Some(process)
    }

    fn lower_never_target(&mut self, pair: Pair<'_, Rule>) -> Lowered<Never> {
        match pair.as_rule() {
            Rule::never_action => Some(Never::Action(self.idents(&pair).into_iter().next()?)),
            Rule::cond => Some(Never::Cond(self.lower_cond(pair)?)),
            _ => None,
        }
    }

    fn lower_state_def(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<StateDef>> {
        let span = self.span(&pair);
        let final_kind = match pair.as_rule() {
            Rule::final_def if Self::child(&pair, Rule::kw_failure).is_some() => {
                Some(FinalKind::Failure)
            }
            Rule::final_def => Some(FinalKind::Success),
            _ => None,
        };
        let name = self.idents(&pair).into_iter().next()?;
        let is_transition = |p: &Pair<'_, Rule>| {
            matches!(
                p.as_rule(),
                Rule::on_tr
                    | Rule::do_tr
                    | Rule::await_tr
                    | Rule::after_tr
                    | Rule::call_tr
                    | Rule::all_tr
                    | Rule::handoff_tr
            )
        };
        // Room for exactly the state's transitions, counted first: most states have one or
        // two, and a vector grows to room for four (on 10,000 processes the spare room was a
        // third of the trees' memory); shrinking it afterwards moved every transition again.
        let count = pair.clone().into_inner().filter(is_transition).count();
        let mut transitions = Vec::with_capacity(count);
        for p in pair.into_inner().filter(is_transition) {
            transitions.push(self.lower_transition(p)?);
        }
        Some(Node::new(
            StateDef {
                name,
                final_kind,
                transitions,
            },
            span,
        ))
    }

    fn lower_transition(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<Transition>> {
        let span = self.span(&pair);
        let idents = self.idents(&pair);
        let otherwise =
            Self::child(&pair, Rule::else_arm).and_then(|e| self.idents(&e).into_iter().next());
        let transition = match pair.as_rule() {
            Rule::on_tr => {
                let [action, target] = <[Ident; 2]>::try_from(idents).ok()?;
                Transition::On {
                    action,
                    via: self.lower_via(&pair),
                    when: self.lower_when(&pair)?,
                    target,
                }
            }
            Rule::do_tr => {
                let [action, target] = <[Ident; 2]>::try_from(idents).ok()?;
                Transition::Do {
                    action,
                    when: self.lower_when(&pair)?,
                    target,
                }
            }
            Rule::await_tr => {
                let [event, target] = <[Ident; 2]>::try_from(idents).ok()?;
                Transition::Await {
                    event,
                    when: self.lower_when(&pair)?,
                    target,
                }
            }
            Rule::after_tr => {
                let [target] = <[Ident; 1]>::try_from(idents).ok()?;
                Transition::After {
                    duration: self.lower_duration(Self::child(&pair, Rule::duration)?)?,
                    target,
                }
            }
            Rule::call_tr => {
                let [process, target] = <[Ident; 2]>::try_from(idents).ok()?;
                Transition::Call {
                    process,
                    target,
                    otherwise,
                }
            }
            Rule::all_tr => Transition::All {
                processes: self.ident_list(Self::child(&pair, Rule::ident_list)?),
                target: idents.into_iter().next()?,
                otherwise,
            },
            Rule::handoff_tr => Transition::Handoff {
                from: self.ident_list(Self::child(&pair, Rule::ident_list)?),
                to: idents.into_iter().next()?,
            },
            _ => return None,
        };
        Some(Node::new(transition, span))
    }

    fn lower_duration(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<Duration>> {
        let span = self.span(&pair);
        let text = pair.as_str();
        let (digits, unit) = text.split_at(text.len().checked_sub(1)?);
        let unit = match unit {
            "m" => TimeUnit::Minutes,
            "h" => TimeUnit::Hours,
            "d" => TimeUnit::Days,
            "w" => TimeUnit::Weeks,
            _ => return None,
        };
        let amount = digits.parse::<u64>().unwrap_or_else(|_| {
            self.diags.push(Diagnostic::new(
                &type_mismatch::TYPE_MISMATCH,
                span,
                format!("the duration `{text}` is too long"),
            ));
            0
        });
        Some(Node::new(Duration { amount, unit }, span))
    }

    fn lower_cond(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<Cond>> {
        // A condition's levels (`cond`, `conj`, `negation`) mostly have one child and no
        // node of their own: their spans are worked out only where they make one.
        match pair.as_rule() {
            Rule::cond | Rule::conj => {
                let child_rule = if pair.as_rule() == Rule::cond {
                    Rule::conj
                } else {
                    Rule::negation
                };
                let mut parts = Vec::new();
                for p in pair
                    .clone()
                    .into_inner()
                    .filter(|p| p.as_rule() == child_rule)
                {
                    parts.push(self.lower_cond(p)?);
                }
                if parts.len() == 1 {
                    parts.pop()
                } else if pair.as_rule() == Rule::cond {
                    Some(Node::new(Cond::Or(parts), self.span(&pair)))
                } else {
                    Some(Node::new(Cond::And(parts), self.span(&pair)))
                }
            }
            Rule::negation => {
                // `not not c` is `c`: keep only the parity, so that a long chain of `not`s
                // cannot build a tree deep enough to exhaust the stack later.
                let nots = pair
                    .clone()
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::kw_not)
                    .count();
                let span = (nots % 2 == 1).then(|| self.span(&pair));
                let atom = pair.into_inner().find(|p| p.as_rule() != Rule::kw_not)?;
                let cond = self.lower_cond(atom)?;
                match span {
                    Some(span) => Some(Node::new(Cond::Not(Box::new(cond)), span)),
                    None => Some(cond),
                }
            }
            Rule::paren => self.lower_cond(Self::child(&pair, Rule::cond)?),
            Rule::predicate => {
                let span = self.span(&pair);
                let mut inner = pair.into_inner();
                let term = self.lower_term(inner.next()?)?;
                let Some(rest) = inner.next() else {
                    return Some(Node::new(Cond::Truth(term), span));
                };
                match rest.as_rule() {
                    Rule::compared => {
                        let mut rest = rest.into_inner();
                        let op = rest.next()?;
                        let op = Node::new(cmp_op(op.as_str())?, self.span(&op));
                        let rhs = self.lower_term(rest.next()?)?;
                        Some(Node::new(Cond::Compare { lhs: term, op, rhs }, span))
                    }
                    Rule::listed => {
                        let mut values = Vec::new();
                        for p in rest.into_inner().filter(|p| p.as_rule() == Rule::term) {
                            values.push(self.lower_term(p)?);
                        }
                        Some(Node::new(Cond::In { term, values }, span))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn lower_field_ref(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<FieldRef>> {
        let span = self.span(&pair);
        let [entity, field] = <[Ident; 2]>::try_from(self.idents(&pair)).ok()?;
        Some(Node::new(FieldRef { entity, field }, span))
    }

    fn lower_term(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<Term>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let term = match inner.as_rule() {
            Rule::field_ref => Term::Field(self.lower_field_ref(inner)?.node),
            Rule::kw_true => Term::Bool(true),
            Rule::kw_false => Term::Bool(false),
            Rule::int_lit => Term::Int(self.lower_int(inner).node),
            Rule::string => Term::Str(unescape(inner.as_str())),
            Rule::ident => {
                self.check_unreserved(&inner);
                Term::Name(inner.as_str().into())
            }
            _ => return None,
        };
        Some(Node::new(term, span))
    }
}

fn cmp_op(text: &str) -> Option<CmpOp> {
    Some(match text {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => return None,
    })
}

/// The value of a quoted string literal: quotes removed, `\x` read as `x`.
fn unescape(quoted: &str) -> String {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(quoted);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}
