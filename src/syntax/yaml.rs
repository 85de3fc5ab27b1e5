//! `.omni.yaml` text -> the same AST as `.omni`.
//!
//! serde-saphyr reads the YAML into the structs below, keeping the location of every scalar
//! (`Spanned`) and bounding what aliases may expand to. Names come from mapping keys and
//! scalars; conditions, types, durations and values stay strings in the `.omni` syntax and
//! are parsed by the same grammar, with spans shifted to where the string is in the YAML.
//! The mapping is documented in `docs/yaml.md`.

use super::ast::*;
use super::omni;
use crate::checks::{policy_header::POLICY_HEADER, syntax_error::SYNTAX_ERROR};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Ident, Node, SourceFile, Span};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::fmt;
use std::marker::PhantomData;

type S = Spanned<String>;

/// One of the `omni::parse_*` fragment parsers: file, offset, text, diagnostics.
type FragmentParser<T> = fn(FileId, usize, &str, &mut Vec<Diagnostic>) -> Option<Node<T>>;

/// A YAML mapping read in order, keeping each key's location.
pub(crate) struct Entries<V>(pub(crate) Vec<(S, V)>);

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<'a, V> IntoIterator for &'a Entries<V> {
    type Item = &'a (S, V);
    type IntoIter = std::slice::Iter<'a, (S, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of names")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(Entries(Vec::new()))
            }
        }
        deserializer.deserialize_map(Visitor(PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlPolicy {
    policy: Option<S>,
    #[serde(default)]
    types: Entries<S>,
    #[serde(default)]
    entities: Entries<Entries<S>>,
    #[serde(default)]
    channels: Entries<Option<YamlChannel>>,
    #[serde(default)]
    events: Entries<S>,
    #[serde(default)]
    actions: Entries<Option<YamlAction>>,
    #[serde(default)]
    rules: Entries<YamlRule>,
    #[serde(default)]
    processes: Entries<YamlProcess>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlChannel {
    #[serde(default)]
    can: Vec<S>,
    replies_within: Option<S>,
    records_case: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlAction {
    #[serde(default)]
    params: Entries<S>,
    #[serde(default)]
    requires: Vec<S>,
    #[serde(default)]
    set: Entries<S>,
    #[serde(default)]
    emit: Vec<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlRule {
    invariant: Option<S>,
    forbid: Option<S>,
    on: Option<S>,
    via: Option<Vec<S>>,
    when: Option<S>,
    then: Option<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlProcess {
    #[serde(default)]
    entry: Vec<S>,
    #[serde(default)]
    requires: Vec<S>,
    sla: Option<S>,
    start: Option<S>,
    #[serde(default)]
    never: Vec<S>,
    #[serde(default)]
    states: Entries<Option<Vec<Spanned<YamlTransition>>>>,
    #[serde(default)]
    finals: Entries<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlTransition {
    on: Option<S>,
    #[serde(rename = "do")]
    do_: Option<S>,
    #[serde(rename = "await")]
    await_: Option<S>,
    after: Option<S>,
    call: Option<S>,
    all: Option<Vec<S>>,
    handoff: Option<Vec<S>>,
    via: Option<Vec<S>>,
    when: Option<S>,
    to: Option<S>,
    #[serde(rename = "else")]
    else_: Option<S>,
}

/// Parses a whole `.omni.yaml` file.
pub fn parse_file(file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let source = SourceFile::new("", text);
    let mut reader = Reader {
        file,
        text,
        source: &source,
        diags: Vec::new(),
    };
    if text.trim().is_empty() {
        reader.diags.push(
            Diagnostic::new(
                &POLICY_HEADER,
                Span::new(file, 0, 0),
                "the file is empty: it has no `policy:` key",
            )
            .with_help("start the file with `policy: NAME`, the name its policy's other files use"),
        );
        return (File::default(), reader.diags);
    }
    let options = || {
        serde_saphyr::options! {
            budget: Some(serde_saphyr::Budget::default()),
        }
    };
    // A first pass over the whole document under the budget: deserializing into the policy
    // structs stops at the first shape error, before an alias bomb further on is expanded.
    if let Err(error) =
        serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(text, options())
    {
        reader.diags.push(reader.yaml_error(&error));
        return (File::default(), reader.diags);
    }
    let policy: YamlPolicy = match serde_saphyr::from_str_with_options(text, options()) {
        Ok(policy) => policy,
        Err(error) => {
            reader.diags.push(reader.yaml_error(&error));
            return (File::default(), reader.diags);
        }
    };
    let out = reader.lower(policy);
    (out, reader.diags)
}

/// serde-saphyr's message without its location (the caller shows it) and without advice
/// about its own options.
pub(crate) fn error_message(error: &serde_saphyr::Error) -> String {
    let raw = error.without_snippet().to_string();
    let message = raw.split(" at line ").next().unwrap_or(&raw).trim();
    let message = message
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(message);
    message.to_owned()
}

struct Reader<'t> {
    file: FileId,
    text: &'t str,
    source: &'t SourceFile,
    diags: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn yaml_error(&self, error: &serde_saphyr::Error) -> Diagnostic {
        let span = match error.location() {
            Some(location) if location.line() > 0 => {
                let start = self.source.offset_of(
                    usize::try_from(location.line()).unwrap_or(usize::MAX),
                    usize::try_from(location.column()).unwrap_or(usize::MAX),
                );
                let token = super::errors::token_at(self.text, start);
                Span::new(self.file, token.start, token.end)
            }
            _ => Span::new(self.file, 0, 0),
        };
        let message = error_message(error);
        let (message, help) = if message.starts_with("budget breached") {
            (
                "the YAML document grows too large when its aliases are expanded".to_owned(),
                Some(
                    "a policy does not need deeply nested aliases: write the values out".to_owned(),
                ),
            )
        } else {
            (message, None)
        };
        Diagnostic::new(&SYNTAX_ERROR, span, message).with_help_opt(help)
    }

    /// The span of a scalar's value: inside the quotes when it is quoted.
    fn span_of<T>(&self, scalar: &Spanned<T>) -> Span {
        let location = scalar.referenced;
        let start = match location
            .span()
            .byte_offset()
            .and_then(|o| usize::try_from(o).ok())
        {
            Some(offset) => offset,
            None => self.source.offset_of(
                usize::try_from(location.line()).unwrap_or(usize::MAX),
                usize::try_from(location.column()).unwrap_or(usize::MAX),
            ),
        };
        let len = location
            .span()
            .byte_len()
            .and_then(|l| usize::try_from(l).ok())
            .unwrap_or(0);
        let start = start.min(self.text.len());
        let end = (start + len).min(self.text.len());
        let raw = self.text.get(start..end).unwrap_or("");
        if raw.len() >= 2 && (raw.starts_with('"') || raw.starts_with('\'')) {
            Span::new(self.file, start + 1, end - 1)
        } else {
            Span::new(self.file, start, end)
        }
    }

    fn ident(&self, scalar: &S) -> Ident {
        Node::new(scalar.value.as_str().into(), self.span_of(scalar))
    }

    fn idents(&self, scalars: &[S]) -> Vec<Ident> {
        scalars.iter().map(|s| self.ident(s)).collect()
    }

    /// Where the text of `scalar` starts in the file, when its value is written verbatim
    /// (plain or quoted without escapes); otherwise `None`, and spans fall on the scalar.
    fn verbatim_base(&self, scalar: &S) -> Option<usize> {
        let span = self.span_of(scalar);
        (self.text.get(span.range()) == Some(scalar.value.as_str())).then_some(span.start as usize)
    }

    /// Parses a fragment of `.omni` syntax held in a scalar.
    fn fragment<T>(&mut self, scalar: &S, parse: FragmentParser<T>) -> Option<Node<T>> {
        match self.verbatim_base(scalar) {
            Some(base) => parse(self.file, base, &scalar.value, &mut self.diags),
            None => {
                // Escapes moved the text: parse it on its own and point at the whole scalar.
                let mut found = Vec::new();
                let result = parse(self.file, 0, &scalar.value, &mut found);
                let span = self.span_of(scalar);
                for mut d in found {
                    d.span = span;
                    d.labels.clear();
                    self.diags.push(d);
                }
                result.map(|mut node| {
                    node.span = span;
                    node
                })
            }
        }
    }

    fn cond(&mut self, scalar: &S) -> Option<Node<Cond>> {
        self.fragment(scalar, omni::parse_cond)
    }

    fn missing(&mut self, span: Span, message: String) {
        self.diags
            .push(Diagnostic::new(&SYNTAX_ERROR, span, message));
    }

    fn lower(&mut self, policy: YamlPolicy) -> File {
        let mut out = File {
            policy: policy.policy.as_ref().map(|p| self.ident(p)),
            ..File::default()
        };
        if out.policy.is_none() {
            self.diags.push(
                Diagnostic::new(
                    &POLICY_HEADER,
                    Span::new(self.file, 0, 0),
                    "the file has no `policy:` key",
                )
                .with_help("add `policy: NAME` at the top, the name its policy's other files use"),
            );
        }
        for (name, spec) in &policy.types {
            let item = self.type_def(name, spec);
            out.push(name, self.ident(name).span, item);
        }
        for (name, fields) in &policy.entities {
            let fields = fields
                .0
                .iter()
                .filter_map(|(f, ty)| self.field_def(f, ty))
                .collect();
            let item = Some(Item::Entity(EntityDef {
                name: self.ident(name),
                fields,
            }));
            out.push(name, self.ident(name).span, item);
        }
        for (name, channel) in &policy.channels {
            let item = self.channel_def(name, channel.as_ref());
            out.push(name, self.ident(name).span, item);
        }
        for (name, kind) in &policy.events {
            let external = match kind.value.as_str() {
                "external" => Some(true),
                "internal" => Some(false),
                other => {
                    self.missing(
                        self.span_of(kind),
                        format!("expected `internal` or `external`, found `{other}`"),
                    );
                    None
                }
            };
            let item = external.map(|external| {
                Item::Event(EventDef {
                    name: self.ident(name),
                    external,
                })
            });
            out.push(name, self.ident(name).span, item);
        }
        for (name, action) in &policy.actions {
            let item = self.action_def(name, action.as_ref());
            out.push(name, self.ident(name).span, item);
        }
        for (name, rule) in &policy.rules {
            let item = self.rule_def(name, rule);
            out.push(name, self.ident(name).span, item);
        }
        for (name, process) in &policy.processes {
            let item = self.process_def(name, process);
            out.push(name, self.ident(name).span, item);
        }
        out
    }

    fn type_def(&mut self, name: &S, spec: &S) -> Option<Item> {
        let variants = if spec.value == "opaque" {
            None
        } else {
            match self.fragment(spec, omni::parse_type)?.node {
                TypeExpr::Enum(variants) => Some(variants),
                TypeExpr::Named(variant) => Some(vec![variant]),
                _ => {
                    self.missing(
                        self.span_of(spec),
                        "a named type is `opaque` or an enumeration `a | b | c`".to_owned(),
                    );
                    return None;
                }
            }
        };
        Some(Item::Type(TypeDef {
            name: self.ident(name),
            variants,
        }))
    }

    fn field_def(&mut self, name: &S, ty: &S) -> Option<Node<FieldDef>> {
        let ty = self.fragment(ty, omni::parse_type)?;
        let name = self.ident(name);
        let span = name.span.to(ty.span);
        Some(Node::new(FieldDef { name, ty }, span))
    }

    fn channel_def(&mut self, name: &S, channel: Option<&YamlChannel>) -> Option<Item> {
        let mut def = ChannelDef {
            name: self.ident(name),
            ..ChannelDef::default()
        };
        if let Some(channel) = channel {
            def.can = self.idents(&channel.can);
            if let Some(d) = &channel.replies_within {
                def.replies_within
                    .push(self.fragment(d, omni::parse_duration)?);
            }
            if let Some(records) = &channel.records_case {
                if records.value {
                    def.records_case.push(Node::new((), self.span_of(records)));
                }
            }
        }
        Some(Item::Channel(def))
    }

    fn action_def(&mut self, name: &S, action: Option<&YamlAction>) -> Option<Item> {
        let mut def = ActionDef {
            name: self.ident(name),
            ..ActionDef::default()
        };
        let Some(action) = action else {
            return Some(Item::Action(def));
        };
        let mut ok = true;
        for (param, ty) in &action.params {
            match self.field_def(param, ty) {
                Some(p) => def.params.push(p),
                None => ok = false,
            }
        }
        for r in &action.requires {
            match self.cond(r) {
                Some(c) => def.requires.push(c),
                None => ok = false,
            }
        }
        for (field, value) in &action.set {
            let field_term = self.fragment(field, omni::parse_term);
            let value = self.fragment(value, omni::parse_term);
            match (field_term, value) {
                (
                    Some(Node {
                        node: Term::Field(f),
                        span,
                    }),
                    Some(value),
                ) => {
                    let field = Node::new(f, span);
                    let whole = span.to(value.span);
                    def.sets.push(Node::new(Set { field, value }, whole));
                }
                (Some(other), _) => {
                    self.missing(
                        other.span,
                        "expected a field (`entity.field`) to set".to_owned(),
                    );
                    ok = false;
                }
                _ => ok = false,
            }
        }
        def.emits = self.idents(&action.emit);
        ok.then_some(Item::Action(def))
    }

    fn rule_def(&mut self, name: &S, rule: &YamlRule) -> Option<Item> {
        let name_ident = self.ident(name);
        let kinds = [
            rule.invariant.is_some(),
            rule.forbid.is_some(),
            rule.on.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            self.missing(
                name_ident.span,
                format!("rule `{name_ident}` needs exactly one of `invariant`, `forbid` or `on`"),
            );
            return None;
        }
        let when = match &rule.when {
            Some(w) => Some(self.cond(w)?),
            None => None,
        };
        let (clause, span) = if let Some(inv) = &rule.invariant {
            let cond = self.cond(inv)?;
            let span = cond.span;
            (Clause::Invariant(cond), span)
        } else if let Some(action) = &rule.forbid {
            let action = self.ident(action);
            let span = action.span;
            let via = rule.via.as_ref().map(|v| self.idents(v));
            (Clause::Forbid { action, via, when }, span)
        } else {
            let on = rule.on.as_ref().map(|o| self.ident(o))?;
            let Some(then) = rule.then.as_ref().map(|t| self.ident(t)) else {
                self.missing(
                    on.span,
                    format!("trigger `{name_ident}` needs `then: ACTION`"),
                );
                return None;
            };
            let span = on.span.to(then.span);
            (Clause::Trigger { on, when, then }, span)
        };
        Some(Item::Rule(RuleDef {
            name: name_ident,
            clause: Node::new(clause, span),
        }))
    }

    fn process_def(&mut self, name: &S, process: &YamlProcess) -> Option<Item> {
        let mut def = ProcessDef {
            name: self.ident(name),
            entry: self.idents(&process.entry),
            ..ProcessDef::default()
        };
        let mut ok = true;
        for r in &process.requires {
            match self.cond(r) {
                Some(c) => def.requires.push(c),
                None => ok = false,
            }
        }
        if let Some(sla) = &process.sla {
            def.sla.push(self.fragment(sla, omni::parse_duration)?);
        }
        def.start
            .extend(process.start.as_ref().map(|s| self.ident(s)));
        for n in &process.never {
            match self.fragment(n, omni::parse_never) {
                Some(never) => def.nevers.push(never),
                None => ok = false,
            }
        }
        for (state, transitions) in &process.states {
            let name = self.ident(state);
            let mut list = Vec::new();
            for t in transitions.iter().flatten() {
                match self.transition(t) {
                    Some(t) => list.push(t),
                    None => ok = false,
                }
            }
            let span = list
                .iter()
                .fold(name.span, |s, t: &Node<Transition>| s.to(t.span));
            def.states.push(Node::new(
                StateDef {
                    name,
                    final_kind: None,
                    transitions: list,
                },
                span,
            ));
        }
        for (state, kind) in &process.finals {
            let final_kind = match kind.value.as_str() {
                "success" => FinalKind::Success,
                "failure" => FinalKind::Failure,
                other => {
                    self.missing(
                        self.span_of(kind),
                        format!("expected `success` or `failure`, found `{other}`"),
                    );
                    ok = false;
                    continue;
                }
            };
            let name = self.ident(state);
            let span = name.span;
            def.states.push(Node::new(
                StateDef {
                    name,
                    final_kind: Some(final_kind),
                    transitions: Vec::new(),
                },
                span,
            ));
        }
        ok.then_some(Item::Process(def))
    }

    fn transition(&mut self, t: &Spanned<YamlTransition>) -> Option<Node<Transition>> {
        let at = self.span_of(t);
        let y = &t.value;
        let kinds = [
            y.on.is_some(),
            y.do_.is_some(),
            y.await_.is_some(),
            y.after.is_some(),
            y.call.is_some(),
            y.all.is_some(),
            y.handoff.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            self.missing(
                at,
                "a transition needs exactly one of `on`, `do`, `await`, `after`, `call`, `all` or `handoff`".to_owned(),
            );
            return None;
        }
        let Some(to) = y.to.as_ref().map(|s| self.ident(s)) else {
            self.missing(
                at,
                "a transition needs `to:`, the state it leads to".to_owned(),
            );
            return None;
        };
        let when = match &y.when {
            Some(w) => Some(self.cond(w)?),
            None => None,
        };
        let otherwise = y.else_.as_ref().map(|s| self.ident(s));
        let via = y.via.as_ref().map(|v| self.idents(v));
        let transition = if let Some(action) = &y.on {
            Transition::On {
                action: self.ident(action),
                via,
                when,
                target: to.clone(),
            }
        } else if let Some(action) = &y.do_ {
            Transition::Do {
                action: self.ident(action),
                when,
                target: to.clone(),
            }
        } else if let Some(event) = &y.await_ {
            Transition::Await {
                event: self.ident(event),
                when,
                target: to.clone(),
            }
        } else if let Some(duration) = &y.after {
            Transition::After {
                duration: self.fragment(duration, omni::parse_duration)?,
                target: to.clone(),
            }
        } else if let Some(process) = &y.call {
            Transition::Call {
                process: self.ident(process),
                target: to.clone(),
                otherwise,
            }
        } else if let Some(processes) = &y.all {
            Transition::All {
                processes: self.idents(processes),
                target: to.clone(),
                otherwise,
            }
        } else {
            Transition::Handoff {
                from: self.idents(y.handoff.as_deref().unwrap_or_default()),
                to: to.clone(),
            }
        };
        Some(Node::new(transition, at.to(to.span)))
    }
}

impl File {
    /// Adds an item read from YAML, or records its name as unreadable.
    fn push(&mut self, name: &S, span: Span, item: Option<Item>) {
        match item {
            Some(item) => self.items.push(Node::new(item, span)),
            None => self.unreadable.push(name.value.clone()),
        }
    }
}
