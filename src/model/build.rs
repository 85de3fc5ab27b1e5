//! AST -> Model: name resolution (E002, E003), process shape (E005), and, through
//! [`super::typing`], type checking (E004). Every problem is collected; a model is returned
//! only when there are none.

use super::names::{Kind, suggest};
use super::*;
use crate::checks::{
    duplicate_definition::DUPLICATE_DEFINITION, malformed_process::MALFORMED_PROCESS,
    unknown_name::UNKNOWN_NAME,
};
use crate::diagnostic::Diagnostic;
use crate::source::{Name, Span};
use crate::syntax::ast;
use std::collections::{HashMap, HashSet};

/// Builds the model of the policy `name` from the syntax trees of all its files, which it
/// consumes: each process's tree is freed as soon as the process is defined, on the core
/// that defined it, rather than all of them after the build (on 10,000 processes the trees
/// are some 600 MB, the model 270 MB).
///
/// Returns every E002–E005 diagnostic found when there is any.
pub fn build(name: &Ident, files: Vec<ast::File>) -> Result<Model, Vec<Diagnostic>> {
    let mut r = Resolver::new(name.clone());
    r.poisoned = files
        .iter()
        .flat_map(|f| f.unreadable.iter().cloned())
        .collect();
    let items: Vec<Node<ast::Item>> = files.into_iter().flat_map(|f| f.items).collect();
    let refs: Vec<&Node<ast::Item>> = items.iter().collect();
    r.declare(&refs);
    r.define_types(&refs);
    r.define_entities(&refs);
    r.define_signatures(&refs);
    r.define_bodies(&refs);
    // Processes last, each from its own tree, taken out of the items (a duplicate's tree is
    // freed with the rest).
    drop(refs);
    let mut processes = Vec::new();
    let mut rest = Vec::new();
    for item in items {
        let declared = r.is_declared(&item.node);
        match item.node {
            ast::Item::Process(def) if declared => processes.push(def),
            _ => rest.push(item),
        }
    }
    r.define_processes(processes);
    crate::parallel::drop_all(rest);
    r.check_call_cycles();
    if r.diags.is_empty() {
        r.model.index = index(&r.model);
        Ok(r.model)
    } else {
        Err(r.diags)
    }
}

/// Below this many processes, they are defined on the calling thread: a copy of the
/// resolver and a thread cost more than they save.
const MIN_PROCESSES_TO_SPLIT: usize = 64;

/// A top-level name: what it is and which entry of its table it is.
#[derive(Clone, Copy)]
struct Declared {
    kind: Kind,
    span: Span,
    id: usize,
}

pub(super) struct Resolver {
    pub(super) model: Model,
    pub(super) diags: Vec<Diagnostic>,
    top: HashMap<Name, Declared>,
    /// Names of items that could not be read; references to them are not reported.
    poisoned: HashSet<String>,
    /// Named types: enumerations and opaques.
    named_types: HashMap<Name, Ty>,
}

impl Resolver {
    fn new(name: Ident) -> Self {
        Resolver {
            model: Model {
                name,
                enums: Vec::new(),
                opaques: Vec::new(),
                entities: Vec::new(),
                fields: Vec::new(),
                channels: Vec::new(),
                events: Vec::new(),
                actions: Vec::new(),
                rules: Vec::new(),
                processes: Vec::new(),
                index: Index::default(),
            },
            diags: Vec::new(),
            top: HashMap::new(),
            poisoned: HashSet::new(),
            named_types: HashMap::new(),
        }
    }

    pub(super) fn error(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// Reports `name` defined twice in one scope, pointing at both. `what` names it in
    /// words, e.g. "field `line` of `customer`".
    fn duplicate(&mut self, what: &str, name: &Ident, first: Span) {
        self.error(
            Diagnostic::new(
                &DUPLICATE_DEFINITION,
                name.span,
                format!("{what} is defined more than once"),
            )
            .with_label(first, "first defined here")
            .with_help("rename one of them, or merge the two definitions"),
        );
    }

    // ------------------------------------------------------------------ declarations

    /// Gives every top-level item an id, reporting duplicates (E003).
    fn declare(&mut self, items: &[&Node<ast::Item>]) {
        let mut counts: HashMap<Kind, usize> = HashMap::new();
        for item in items {
            let kind = item_kind(&item.node);
            let name = item.name();
            if let Some(first) = self.top.get(&name.node) {
                let first = first.span;
                self.duplicate(&format!("the name `{name}`"), name, first);
                continue;
            }
            let counter = counts.entry(kind).or_default();
            self.top.insert(
                name.node.clone(),
                Declared {
                    kind,
                    span: name.span,
                    id: *counter,
                },
            );
            *counter += 1;
        }
    }

    /// Whether this item is the one its name was declared for (not a duplicate).
    fn is_declared(&self, item: &ast::Item) -> bool {
        let name = item.name();
        self.top
            .get(&name.node)
            .is_some_and(|d| d.span == name.span)
    }

    /// Resolves a top-level name of the expected kind, reporting E002 otherwise.
    pub(super) fn resolve(&mut self, name: &Ident, want: Kind) -> Option<usize> {
        match self.top.get(&name.node).copied() {
            Some(d) if d.kind == want => Some(d.id),
            Some(d) => {
                self.error(
                    Diagnostic::new(
                        &UNKNOWN_NAME,
                        name.span,
                        format!(
                            "`{name}` is {}, not {}",
                            d.kind.with_article(),
                            want.with_article()
                        ),
                    )
                    .with_label(
                        d.span,
                        format!("`{name}` is defined here as {}", d.kind.with_article()),
                    )
                    .with_help_opt(self.did_you_mean(&name.node, want)),
                );
                None
            }
            None if self.poisoned.contains(name.node.as_str()) => None,
            None => {
                let help = self.did_you_mean(&name.node, want);
                self.error(
                    Diagnostic::new(
                        &UNKNOWN_NAME,
                        name.span,
                        format!("unknown {} `{name}`", want.word()),
                    )
                    .with_help_opt(
                        help.or_else(|| Some(format!("define it: `{} {name} ...`", want.word()))),
                    ),
                );
                None
            }
        }
    }

    fn did_you_mean(&self, name: &str, kind: Kind) -> Option<String> {
        let candidates = self
            .top
            .iter()
            .filter(|(_, d)| d.kind == kind)
            .map(|(n, _)| n.as_str());
        suggest(name, candidates).map(|s| format!("did you mean `{s}`?"))
    }

    // ------------------------------------------------------------------ types

    fn define_types(&mut self, items: &[&Node<ast::Item>]) {
        for item in items {
            let ast::Item::Type(def) = &item.node else {
                continue;
            };
            if !self.is_declared(&item.node) {
                continue;
            }
            let ty = match &def.variants {
                Some(variants) => Ty::Enum(self.new_enum(def.name.clone(), variants, false)),
                None => {
                    self.model.opaques.push(OpaqueDef {
                        name: def.name.clone(),
                    });
                    Ty::Opaque(OpaqueId::from_index(self.model.opaques.len() - 1))
                }
            };
            self.named_types.insert(def.name.node.clone(), ty);
        }
    }

    fn new_enum(&mut self, name: Ident, variants: &[Ident], inline: bool) -> EnumId {
        if inline {
            let same = self.model.enums.iter().position(|e| {
                e.inline
                    && e.variants.len() == variants.len()
                    && e.variants
                        .iter()
                        .zip(variants)
                        .all(|(a, b)| a.node == b.node)
            });
            if let Some(existing) = same {
                return EnumId::from_index(existing);
            }
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut kept = Vec::new();
        for v in variants {
            if let Some(first) = seen.get(v.node.as_str()) {
                let first = *first;
                self.duplicate(&format!("variant `{v}`"), v, first);
            } else {
                seen.insert(&v.node, v.span);
                kept.push(v.clone());
            }
        }
        self.model.enums.push(EnumDef {
            name,
            inline,
            variants: kept,
        });
        EnumId::from_index(self.model.enums.len() - 1)
    }

    /// Resolves a written type; `owner` names an inline enumeration (`entity.field`).
    pub(super) fn resolve_type(
        &mut self,
        ty: &Node<ast::TypeExpr>,
        owner: &str,
    ) -> Option<Node<Ty>> {
        let resolved = match &ty.node {
            ast::TypeExpr::Bool => Ty::Bool,
            ast::TypeExpr::Text => Ty::Text,
            ast::TypeExpr::Int { lo, hi } => {
                if lo.node > hi.node {
                    self.error(
                        Diagnostic::new(
                            &crate::checks::type_mismatch::TYPE_MISMATCH,
                            ty.span,
                            format!("the range `{}..{}` holds no value", lo.node, hi.node),
                        )
                        .with_help(format!(
                            "write the lower bound first: `int {}..{}`",
                            hi.node, lo.node
                        )),
                    );
                    return None;
                }
                Ty::Int {
                    lo: lo.node,
                    hi: hi.node,
                }
            }
            ast::TypeExpr::Named(name) => match self.named_types.get(&name.node) {
                Some(ty) => *ty,
                None => {
                    self.resolve(name, Kind::Type);
                    return None;
                }
            },
            ast::TypeExpr::Enum(variants) => {
                Ty::Enum(self.new_enum(Node::new(owner.into(), ty.span), variants, true))
            }
        };
        Some(Node::new(resolved, ty.span))
    }

    fn define_entities(&mut self, items: &[&Node<ast::Item>]) {
        for item in items {
            let ast::Item::Entity(def) = &item.node else {
                continue;
            };
            if !self.is_declared(&item.node) {
                continue;
            }
            let entity = EntityId::from_index(self.model.entities.len());
            let mut fields = Vec::new();
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for field in &def.fields {
                if let Some(first) = seen.get(field.name.node.as_str()) {
                    let first = *first;
                    self.duplicate(
                        &format!("field `{}` of `{}`", field.name, def.name),
                        &field.name,
                        first,
                    );
                    continue;
                }
                seen.insert(&field.name.node, field.name.span);
                let qualified = format!("{}.{}", def.name, field.name);
                let Some(ty) = self.resolve_type(&field.ty, &qualified) else {
                    continue;
                };
                fields.push(FieldId::from_index(self.model.fields.len()));
                self.model.fields.push(Field {
                    entity,
                    name: field.name.clone(),
                    qualified,
                    ty,
                });
            }
            self.model.entities.push(Entity {
                name: def.name.clone(),
                fields,
            });
        }
    }

    /// The field `entity.field`, reporting E002 for an unknown entity or field.
    pub(super) fn resolve_field(&mut self, field: &ast::FieldRef) -> Option<FieldId> {
        let entity = EntityId::from_index(self.resolve(&field.entity, Kind::Entity)?);
        let fields = &self.model.entities.get(entity.index())?.fields;
        if let Some(id) = fields
            .iter()
            .copied()
            .find(|f| self.model.field(*f).name.node == field.field.node)
        {
            return Some(id);
        }
        let names = fields
            .iter()
            .map(|f| self.model.field(*f).name.node.as_str());
        let help = suggest(&field.field.node, names)
            .map(|s| format!("did you mean `{}.{s}`?", field.entity));
        self.error(
            Diagnostic::new(
                &UNKNOWN_NAME,
                field.field.span,
                format!("entity `{}` has no field `{}`", field.entity, field.field),
            )
            .with_help_opt(help),
        );
        None
    }

    // ------------------------------------------------------------------ signatures

    /// Channels, events and action signatures: everything bodies refer to.
    fn define_signatures(&mut self, items: &[&Node<ast::Item>]) {
        for item in items {
            if !self.is_declared(&item.node) {
                continue;
            }
            match &item.node {
                ast::Item::Channel(def) => {
                    for extra in def.replies_within.iter().skip(1) {
                        self.duplicate_property(
                            "replies within",
                            extra.span,
                            def.replies_within[0].span,
                        );
                    }
                    self.model.channels.push(Channel {
                        name: def.name.clone(),
                        can: Vec::new(),
                        replies_within: def.replies_within.first().cloned(),
                        records_case: !def.records_case.is_empty(),
                    });
                }
                ast::Item::Event(def) => self.model.events.push(Event {
                    name: def.name.clone(),
                    external: def.external,
                }),
                ast::Item::Action(def) => {
                    let mut params = Vec::new();
                    let mut seen: HashMap<&str, Span> = HashMap::new();
                    for p in &def.params {
                        if let Some(first) = seen.get(p.name.node.as_str()) {
                            let first = *first;
                            self.duplicate(
                                &format!("parameter `{}` of `{}`", p.name, def.name),
                                &p.name,
                                first,
                            );
                            continue;
                        }
                        seen.insert(&p.name.node, p.name.span);
                        let owner = format!("{}({})", def.name, p.name);
                        if let Some(ty) = self.resolve_type(&p.ty, &owner) {
                            params.push(Param {
                                name: p.name.clone(),
                                ty,
                            });
                        }
                    }
                    self.model.actions.push(Action {
                        name: def.name.clone(),
                        params,
                        requires: Vec::new(),
                        effects: Vec::new(),
                        emits: Vec::new(),
                    });
                }
                _ => {}
            }
        }
    }

    fn duplicate_property(&mut self, what: &str, span: Span, first: Span) {
        self.error(
            Diagnostic::new(
                &DUPLICATE_DEFINITION,
                span,
                format!("`{what}` is given more than once"),
            )
            .with_label(first, "first given here")
            .with_help("keep one of them"),
        );
    }

    fn resolve_list(&mut self, names: &[Ident], kind: Kind) -> Vec<Node<usize>> {
        names
            .iter()
            .filter_map(|n| self.resolve(n, kind).map(|id| Node::new(id, n.span)))
            .collect()
    }

    fn channels(&mut self, names: &[Ident]) -> Vec<Node<ChannelId>> {
        self.resolve_list(names, Kind::Channel)
            .into_iter()
            .map(|n| n.map(ChannelId::from_index))
            .collect()
    }

    fn action(&mut self, name: &Ident) -> Option<Node<ActionId>> {
        self.resolve(name, Kind::Action)
            .map(|id| Node::new(ActionId::from_index(id), name.span))
    }

    // ------------------------------------------------------------------ bodies

    fn define_bodies(&mut self, items: &[&Node<ast::Item>]) {
        let mut channel = 0;
        let mut action = 0;
        for item in items {
            if !self.is_declared(&item.node) {
                continue;
            }
            match &item.node {
                ast::Item::Channel(def) => {
                    let can = self
                        .resolve_list(&def.can, Kind::Action)
                        .into_iter()
                        .map(|n| n.map(ActionId::from_index))
                        .collect();
                    self.model.channels[channel].can = can;
                    channel += 1;
                }
                ast::Item::Action(def) => {
                    self.define_action_body(ActionId::from_index(action), def);
                    action += 1;
                }
                ast::Item::Rule(def) => self.define_rule(def),
                _ => {}
            }
        }
    }

    /// Defines every process, in order. A process's definition reads what was declared and
    /// defined before (names, types, fields, actions' signatures) and changes nothing but
    /// its own process and its own findings, so a large policy's processes are defined on
    /// every core, each part by a copy of this resolver; the processes and findings are
    /// put back in order, as if defined here one after the other. Each tree is freed once its
    /// process is defined.
    fn define_processes(&mut self, defs: Vec<ast::ProcessDef>) {
        if defs.len() < MIN_PROCESSES_TO_SPLIT {
            for def in defs {
                self.define_process(&def);
            }
            return;
        }
        let this = &*self;
        let parts = crate::parallel::map_owned_parts(defs, |part| {
            let mut copy = Resolver {
                model: this.model.clone(),
                diags: Vec::new(),
                top: this.top.clone(),
                poisoned: this.poisoned.clone(),
                named_types: this.named_types.clone(),
            };
            // Processes are defined only here, so the copy starts with none.
            for def in part {
                copy.define_process(&def);
            }
            (copy.model.processes, copy.diags)
        });
        for (processes, diags) in parts {
            self.model.processes.extend(processes);
            self.diags.extend(diags);
        }
    }

    fn define_action_body(&mut self, id: ActionId, def: &ast::ActionDef) {
        let scope = Some(id);
        let requires = def
            .requires
            .iter()
            .filter_map(|c| self.cond(c, scope))
            .collect();
        let effects = def.sets.iter().filter_map(|s| self.effect(s, id)).collect();
        let emits = self
            .resolve_list(&def.emits, Kind::Event)
            .into_iter()
            .map(|n| n.map(EventId::from_index))
            .collect();
        let action = &mut self.model.actions[id.index()];
        action.requires = requires;
        action.effects = effects;
        action.emits = emits;
    }

    fn define_rule(&mut self, def: &ast::RuleDef) {
        let kind = match &def.clause.node {
            ast::Clause::Invariant(cond) => self.cond(cond, None).map(RuleKind::Invariant),
            ast::Clause::Forbid { action, via, when } => {
                let action = self.action(action);
                let via = via.as_ref().map(|v| self.channels(v));
                let when = when
                    .as_ref()
                    .map(|w| self.cond(w, action.as_ref().map(|a| a.node)));
                match (action, when) {
                    (Some(action), None) => Some(RuleKind::Forbid {
                        action,
                        via,
                        when: None,
                    }),
                    (Some(action), Some(Some(when))) => Some(RuleKind::Forbid {
                        action,
                        via,
                        when: Some(when),
                    }),
                    _ => None,
                }
            }
            ast::Clause::Trigger { on, when, then } => {
                let source = match self.top.get(&on.node).map(|d| (d.kind, d.id)) {
                    Some((Kind::Event, id)) => Some(TriggerSource::Event(EventId::from_index(id))),
                    Some((Kind::Action, id)) => {
                        Some(TriggerSource::Action(ActionId::from_index(id)))
                    }
                    Some(_) | None => {
                        self.unknown_trigger_source(on);
                        None
                    }
                };
                let scope = match source {
                    Some(TriggerSource::Action(a)) => Some(a),
                    _ => None,
                };
                let when = when.as_ref().map(|w| self.cond(w, scope));
                let then = self.action(then);
                match (source, when, then) {
                    (Some(source), when, Some(then)) if !matches!(when, Some(None)) => {
                        Some(RuleKind::Trigger {
                            on: Node::new(source, on.span),
                            when: when.flatten(),
                            then,
                        })
                    }
                    _ => None,
                }
            }
        };
        if let Some(kind) = kind {
            self.model.rules.push(Rule {
                name: def.name.clone(),
                kind: Node::new(kind, def.clause.span),
            });
        }
    }

    fn unknown_trigger_source(&mut self, on: &Ident) {
        if self.poisoned.contains(on.node.as_str()) {
            return;
        }
        let help = {
            let candidates = self
                .top
                .iter()
                .filter(|(_, d)| matches!(d.kind, Kind::Action | Kind::Event))
                .map(|(n, _)| n.as_str());
            suggest(&on.node, candidates).map(|s| format!("did you mean `{s}`?"))
        };
        let message = match self.top.get(&on.node) {
            Some(d) => format!(
                "`{on}` is {}, not an action or an event",
                d.kind.with_article()
            ),
            None => format!("unknown action or event `{on}`"),
        };
        self.error(Diagnostic::new(&UNKNOWN_NAME, on.span, message).with_help_opt(help));
    }

    // ------------------------------------------------------------------ processes

    fn define_process(&mut self, def: &ast::ProcessDef) {
        let mut states: Vec<State> = Vec::new();
        let mut by_name: HashMap<&str, StateId> = HashMap::new();
        for s in &def.states {
            if let Some(first) = by_name.get(s.name.node.as_str()) {
                let first = states[first.index()].name.span;
                self.duplicate(
                    &format!("state `{}` of `{}`", s.name, def.name),
                    &s.name,
                    first,
                );
                continue;
            }
            by_name.insert(&s.name.node, StateId::from_index(states.len()));
            states.push(State {
                name: s.name.clone(),
                kind: s.final_kind.map_or(StateKind::Normal, StateKind::Final),
                transitions: Vec::new(),
            });
        }

        let start = self.process_start(def, &by_name);
        if !states.iter().any(State::is_final) {
            self.error(
                Diagnostic::new(
                    &MALFORMED_PROCESS,
                    def.name.span,
                    format!("process `{}` has no `final` state", def.name),
                )
                .with_help(
                    "add the outcomes it can end in: `final done`, `final rejected failure`",
                ),
            );
        }
        for extra in def.sla.iter().skip(1) {
            self.error(
                Diagnostic::new(
                    &MALFORMED_PROCESS,
                    extra.span,
                    "`sla` is given more than once",
                )
                .with_label(def.sla[0].span, "first given here"),
            );
        }

        for s in &def.states {
            let Some(&id) = by_name.get(s.name.node.as_str()) else {
                continue;
            };
            if states[id.index()].name.span != s.name.span {
                continue; // a duplicate, already reported
            }
            if s.final_kind.is_some() {
                if let Some(first) = s.transitions.first() {
                    self.error(
                        Diagnostic::new(
                            &MALFORMED_PROCESS,
                            first.span,
                            format!("final state `{}` has transitions", s.name),
                        )
                        .with_label(s.name.span, "a final state ends the process")
                        .with_help(format!(
                            "make `{}` a `state` if the process goes on from it",
                            s.name
                        )),
                    );
                }
                continue;
            }
            // Room for exactly the state's transitions: collected from a filter, the vector
            // would grow to room for four, most of it unused.
            let mut transitions = Vec::with_capacity(s.transitions.len());
            transitions.extend(
                s.transitions
                    .iter()
                    .filter_map(|t| self.transition(t, &by_name, &def.name)),
            );
            states[id.index()].transitions = transitions;
        }

        let entry = self.channels(&def.entry);
        let requires = def
            .requires
            .iter()
            .filter_map(|c| self.cond(c, None))
            .collect();
        let nevers = def
            .nevers
            .iter()
            .filter_map(|n| {
                let never = match &n.node {
                    ast::Never::Action(a) => Never::Action(self.action(a)?.node),
                    ast::Never::Cond(c) => Never::Cond(self.cond(c, None)?),
                };
                Some(Node::new(never, n.span))
            })
            .collect();
        // Always pushed, so that process ids stay aligned with their declarations; a process
        // without a good `start` has been reported, and the model will not be returned.
        let start = start.unwrap_or_else(|| Node::new(StateId(0), def.name.span));
        self.model.processes.push(Process {
            name: def.name.clone(),
            entry,
            requires,
            sla: def.sla.first().cloned(),
            start,
            nevers,
            states,
        });
    }

    fn process_start(
        &mut self,
        def: &ast::ProcessDef,
        by_name: &HashMap<&str, StateId>,
    ) -> Option<Node<StateId>> {
        let Some(first) = def.start.first() else {
            self.error(
                Diagnostic::new(
                    &MALFORMED_PROCESS,
                    def.name.span,
                    format!("process `{}` has no `start`", def.name),
                )
                .with_help("name the state the process begins in: `start STATE`"),
            );
            return None;
        };
        for extra in def.start.iter().skip(1) {
            self.error(
                Diagnostic::new(
                    &MALFORMED_PROCESS,
                    extra.span,
                    "`start` is given more than once",
                )
                .with_label(first.span, "first given here"),
            );
        }
        if let Some(&id) = by_name.get(first.node.as_str()) {
            return Some(Node::new(id, first.span));
        }
        let help = suggest(&first.node, by_name.keys().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("add `state {first} {{ ... }}` to the process"));
        self.error(
            Diagnostic::new(
                &MALFORMED_PROCESS,
                first.span,
                format!(
                    "`start` names `{first}`, which is not a state of `{}`",
                    def.name
                ),
            )
            .with_help(help),
        );
        None
    }

    fn state_ref(
        &mut self,
        name: &Ident,
        by_name: &HashMap<&str, StateId>,
        process: &Ident,
    ) -> Option<Node<StateId>> {
        if let Some(&id) = by_name.get(name.node.as_str()) {
            return Some(Node::new(id, name.span));
        }
        let help =
            suggest(&name.node, by_name.keys().copied()).map(|s| format!("did you mean `{s}`?"));
        self.error(
            Diagnostic::new(
                &UNKNOWN_NAME,
                name.span,
                format!("process `{process}` has no state `{name}`"),
            )
            .with_help_opt(help),
        );
        None
    }

    fn processes(&mut self, names: &[Ident]) -> Vec<Node<ProcessId>> {
        self.resolve_list(names, Kind::Process)
            .into_iter()
            .map(|n| n.map(ProcessId::from_index))
            .collect()
    }

    fn transition(
        &mut self,
        t: &Node<ast::Transition>,
        by_name: &HashMap<&str, StateId>,
        process: &Ident,
    ) -> Option<Node<Transition>> {
        let resolved = match &t.node {
            ast::Transition::On {
                action,
                via,
                when,
                target,
            } => {
                let action = self.action(action);
                let via = via.as_ref().map(|v| self.channels(v));
                let when = self.guard(when, action.as_ref().map(|a| a.node));
                let target = self.state_ref(target, by_name, process);
                Transition::On {
                    action: action?,
                    via,
                    when: when?,
                    target: target?,
                }
            }
            ast::Transition::Do {
                action,
                when,
                target,
            } => {
                let action = self.action(action);
                let when = self.guard(when, action.as_ref().map(|a| a.node));
                let target = self.state_ref(target, by_name, process);
                Transition::Do {
                    action: action?,
                    when: when?,
                    target: target?,
                }
            }
            ast::Transition::Await {
                event,
                when,
                target,
            } => {
                let event = self
                    .resolve(event, Kind::Event)
                    .map(|id| Node::new(EventId::from_index(id), event.span));
                let when = self.guard(when, None);
                let target = self.state_ref(target, by_name, process);
                Transition::Await {
                    event: event?,
                    when: when?,
                    target: target?,
                }
            }
            ast::Transition::After { duration, target } => Transition::After {
                duration: duration.clone(),
                target: self.state_ref(target, by_name, process)?,
            },
            ast::Transition::Call {
                process: callee,
                target,
                otherwise,
            } => {
                let callee = self
                    .resolve(callee, Kind::Process)
                    .map(|id| Node::new(ProcessId::from_index(id), callee.span));
                let target = self.state_ref(target, by_name, process);
                let otherwise = otherwise
                    .as_ref()
                    .map(|o| self.state_ref(o, by_name, process));
                Transition::Call {
                    process: callee?,
                    target: target?,
                    otherwise: otherwise.map(|o| o.ok_or(())).transpose().ok()?,
                }
            }
            ast::Transition::All {
                processes,
                target,
                otherwise,
            } => {
                let count = processes.len();
                let callees = self.processes(processes);
                let target = self.state_ref(target, by_name, process);
                let otherwise = otherwise
                    .as_ref()
                    .map(|o| self.state_ref(o, by_name, process));
                if callees.len() != count {
                    return None;
                }
                Transition::All {
                    processes: callees,
                    target: target?,
                    otherwise: otherwise.map(|o| o.ok_or(())).transpose().ok()?,
                }
            }
            ast::Transition::Handoff { from, to } => {
                let count = from.len();
                let from = self.channels(from);
                let to = self
                    .resolve(to, Kind::Channel)
                    .map(|id| Node::new(ChannelId::from_index(id), to.span));
                if from.len() != count {
                    return None;
                }
                Transition::Handoff { from, to: to? }
            }
        };
        Some(Node::new(resolved, t.span))
    }

    /// `Some(None)` for no guard, `Some(Some(c))` for a good one, `None` for a bad one.
    fn guard(
        &mut self,
        when: &Option<Node<ast::Cond>>,
        scope: Option<ActionId>,
    ) -> Option<Option<Node<Cond>>> {
        match when {
            None => Some(None),
            Some(c) => self.cond(c, scope).map(Some),
        }
    }

    // ------------------------------------------------------------------ call cycles

    /// Reports each cycle of `call`/`all` once (E005), at a call in its first process.
    fn check_call_cycles(&mut self) {
        use petgraph::graph::{DiGraph, NodeIndex};
        let mut graph: DiGraph<(), Span> = DiGraph::new();
        let nodes: Vec<NodeIndex> = (0..self.model.processes.len())
            .map(|_| graph.add_node(()))
            .collect();
        for (caller, process) in self.model.processes.iter().enumerate() {
            for state in &process.states {
                for t in &state.transitions {
                    let callees: Vec<&Node<ProcessId>> = match &t.node {
                        Transition::Call { process, .. } => vec![process],
                        Transition::All { processes, .. } => processes.iter().collect(),
                        _ => continue,
                    };
                    for callee in callees {
                        graph.add_edge(nodes[caller], nodes[callee.node.index()], callee.span);
                    }
                }
            }
        }
        let mut cycles: Vec<Vec<usize>> = petgraph::algo::tarjan_scc(&graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || graph.contains_edge(scc[0], scc[0]))
            .map(|scc| {
                let mut members: Vec<usize> = scc.iter().map(|n| n.index()).collect();
                members.sort_unstable();
                members
            })
            .collect();
        cycles.sort();
        for members in cycles {
            let path = cycle_path(&graph, &members);
            let names: Vec<String> = path
                .iter()
                .map(|(p, _)| format!("`{}`", self.model.processes[*p].name))
                .collect();
            let first = members[0];
            let Some((_, span)) = path.first().copied() else {
                continue;
            };
            let mut d = Diagnostic::new(
                &MALFORMED_PROCESS,
                span,
                format!(
                    "process `{}` calls itself: {} -> `{}`",
                    self.model.processes[first].name,
                    names.join(" -> "),
                    self.model.processes[first].name
                ),
            )
            .with_help("a process that calls itself never ends; move the shared steps into a process both call");
            for (_, span) in path.iter().skip(1) {
                d = d.with_label(*span, "which calls");
            }
            self.error(d);
        }
    }
}

/// A cycle through `members` (an SCC) starting at its first member: each process with the
/// span of the call that leads to the next.
fn cycle_path(graph: &petgraph::graph::DiGraph<(), Span>, members: &[usize]) -> Vec<(usize, Span)> {
    use petgraph::graph::NodeIndex;
    use petgraph::visit::EdgeRef;
    use std::collections::VecDeque;
    let start = members[0];
    // Breadth-first from `start` inside the SCC, back to `start`: the shortest cycle through it.
    let mut parent: HashMap<usize, (usize, Span)> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    let mut visited: HashSet<usize> = HashSet::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut edges: Vec<_> = graph.edges(NodeIndex::new(node)).collect();
        edges.sort_by_key(|e| (e.target().index(), *e.weight()));
        for edge in edges {
            let next = edge.target().index();
            if !members.contains(&next) {
                continue;
            }
            if next == start {
                let mut path = vec![(node, *edge.weight())];
                let mut at = node;
                while let Some(&(prev, span)) = parent.get(&at) {
                    path.push((prev, span));
                    at = prev;
                }
                path.reverse();
                return path;
            }
            if visited.insert(next) {
                parent.insert(next, (node, *edge.weight()));
                queue.push_back(next);
            }
        }
    }
    Vec::new()
}

fn item_kind(item: &ast::Item) -> Kind {
    match item {
        ast::Item::Type(_) => Kind::Type,
        ast::Item::Entity(_) => Kind::Entity,
        ast::Item::Channel(_) => Kind::Channel,
        ast::Item::Event(_) => Kind::Event,
        ast::Item::Action(_) => Kind::Action,
        ast::Item::Rule(_) => Kind::Rule,
        ast::Item::Process(_) => Kind::Process,
    }
}

/// The lookups of [`Index`], computed from a finished model.
fn index(model: &Model) -> Index {
    let mut index = Index {
        forbids_by_action: vec![Vec::new(); model.actions.len()],
        triggers_by_action: vec![Vec::new(); model.actions.len()],
        triggers_by_event: vec![Vec::new(); model.events.len()],
        invariants: Vec::new(),
        emitters: vec![Vec::new(); model.events.len()],
        performers: vec![Vec::new(); model.actions.len()],
    };
    for (i, rule) in model.rules.iter().enumerate() {
        let id = RuleId::from_index(i);
        match &rule.kind.node {
            RuleKind::Invariant(_) => index.invariants.push(id),
            RuleKind::Forbid { action, .. } => {
                index.forbids_by_action[action.node.index()].push(id)
            }
            RuleKind::Trigger { on, .. } => match on.node {
                TriggerSource::Action(a) => index.triggers_by_action[a.index()].push(id),
                TriggerSource::Event(e) => index.triggers_by_event[e.index()].push(id),
            },
        }
    }
    for (i, action) in model.actions.iter().enumerate() {
        for event in &action.emits {
            let emitters = &mut index.emitters[event.node.index()];
            if !emitters.contains(&ActionId::from_index(i)) {
                emitters.push(ActionId::from_index(i));
            }
        }
    }
    for (i, channel) in model.channels.iter().enumerate() {
        for action in &channel.can {
            let performers = &mut index.performers[action.node.index()];
            if !performers.contains(&ChannelId::from_index(i)) {
                performers.push(ChannelId::from_index(i));
            }
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use crate::lint::{Input, check};

    /// Enough processes for their definitions to be split between cores; every tenth
    /// names a state it does not have, one in each part.
    fn policy(with_mistakes: bool) -> String {
        const PROCESSES: usize = 70;
        // The split path runs.
        const { assert!(PROCESSES >= super::MIN_PROCESSES_TO_SPLIT) };
        let mut text = String::from("policy split\naction go\n");
        for i in 0..PROCESSES {
            let target = if with_mistakes && i % 10 == 3 {
                "nowhere"
            } else {
                "done"
            };
            text.push_str(&format!(
                "process p{i} {{\n  start s\n  state s {{\n    do go -> {target}\n  }}\n  final done\n}}\n"
            ));
        }
        text
    }

    fn read(text: String) -> crate::lint::Report {
        check(vec![Input {
            name: "split.omni".into(),
            contents: text.into_bytes(),
        }])
    }

    #[test]
    fn processes_defined_in_parts_come_back_in_order() {
        let report = read(policy(false));
        let model = report.policies[0].model.as_ref().expect("the policy reads");
        let names: Vec<String> = model
            .processes
            .iter()
            .map(|p| p.name.node.to_string())
            .collect();
        let expected: Vec<String> = (0..70).map(|i| format!("p{i}")).collect();
        assert_eq!(names, expected);
        assert!(
            model
                .processes
                .iter()
                .all(|p| p.states[0].transitions.len() == 1)
        );
    }

    #[test]
    fn every_part_reports_its_mistakes_once() {
        let report = read(policy(true));
        let messages: Vec<&str> = report
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        let expected: Vec<String> = (0..70)
            .filter(|i| i % 10 == 3)
            .map(|i| format!("process `p{i}` has no state `nowhere`"))
            .collect();
        assert_eq!(messages, expected);
    }
}
