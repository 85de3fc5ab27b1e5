//! The typed model of one policy: names resolved to ids, types checked.
//!
//! The model is what the checks, the analyses and the runtime decision engine read. It is
//! built from the syntax trees of all the files of one policy by [`build`], which reports every
//! E002–E005 problem it finds in one pass; a model exists only for a policy without them.

mod build;
pub(crate) mod names;
mod typing;

pub use crate::syntax::ast::{CmpOp, Duration, FinalKind, TimeUnit};
pub use build::build;

use crate::source::{Ident, Node};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index into its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            pub(crate) fn from_index(index: usize) -> Self {
                $name(u32::try_from(index).unwrap_or(u32::MAX))
            }
        }
    )*};
}

id_type! {
    /// An enumeration (named with `type`, or written inline in a field or parameter).
    EnumId,
    /// An opaque type declared with `type NAME`.
    OpaqueId,
    /// An entity.
    EntityId,
    /// A field of an entity; field ids are global to the policy.
    FieldId,
    /// A channel.
    ChannelId,
    /// An event.
    EventId,
    /// An action.
    ActionId,
    /// A rule.
    RuleId,
    /// A process.
    ProcessId,
    /// A state of one process (indexes that process's `states`).
    StateId,
}

/// A type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// `bool`.
    Bool,
    /// `int LO..HI`, inclusive.
    Int {
        /// Lowest value.
        lo: i64,
        /// Highest value.
        hi: i64,
    },
    /// An enumeration.
    Enum(EnumId),
    /// An opaque type: values compare only with `==` and `!=`.
    Opaque(OpaqueId),
    /// The built-in opaque type `text`.
    Text,
}

/// An enumeration and its variants.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDef {
    /// The type's name, or where it was first written for an inline enumeration
    /// (`entity.field`, `action(param)`).
    pub name: Ident,
    /// Whether it was written inline. Inline enumerations with the same variants, in the same
    /// order, are one type; named ones are distinct even when their variants agree.
    pub inline: bool,
    /// The variants, in the order written.
    pub variants: Vec<Ident>,
}

/// An opaque type.
#[derive(Clone, Debug, PartialEq)]
pub struct OpaqueDef {
    /// The type's name.
    pub name: Ident,
}

/// A literal value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A variant: the enumeration and the variant's index in it.
    Variant(EnumId, u32),
    /// A quoted string, for opaque types and `text`.
    Str(String),
}

/// An entity: one value of it per process instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// Its name.
    pub name: Ident,
    /// Its fields, in the order written.
    pub fields: Vec<FieldId>,
}

/// A field of an entity.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The entity it belongs to.
    pub entity: EntityId,
    /// The field's own name.
    pub name: Ident,
    /// `entity.field`.
    pub qualified: String,
    /// Its type, spanning the type as written.
    pub ty: Node<Ty>,
}

/// A channel customers use.
#[derive(Clone, Debug, PartialEq)]
pub struct Channel {
    /// Its name.
    pub name: Ident,
    /// The actions it can perform.
    pub can: Vec<Node<ActionId>>,
    /// Its worst-case response time.
    pub replies_within: Option<Node<Duration>>,
    /// Whether its contacts land in the shared case record.
    pub records_case: bool,
}

/// An event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Its name.
    pub name: Ident,
    /// Whether it comes from outside (otherwise some action must emit it).
    pub external: bool,
}

/// A parameter of an action.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Its name.
    pub name: Ident,
    /// Its type.
    pub ty: Node<Ty>,
}

/// An action.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// Its name.
    pub name: Ident,
    /// Its parameters.
    pub params: Vec<Param>,
    /// Its preconditions (all must hold).
    pub requires: Vec<Node<Cond>>,
    /// Its effects, applied together.
    pub effects: Vec<Node<Effect>>,
    /// The events it emits.
    pub emits: Vec<Node<EventId>>,
}

/// `set field = value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    /// The field assigned.
    pub field: Node<FieldId>,
    /// The value assigned.
    pub value: Node<Term>,
}

/// A value in a condition or effect.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Term {
    /// A field's current value.
    Field(FieldId),
    /// A parameter of an action: the action and the parameter's index.
    Param(ActionId, u32),
    /// A literal.
    Value(Value),
}

/// A typed condition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// All hold.
    And(Vec<Node<Cond>>),
    /// At least one holds.
    Or(Vec<Node<Cond>>),
    /// Does not hold.
    Not(Box<Node<Cond>>),
    /// `lhs op rhs`, both sides of one type (ints for ordering).
    Compare {
        /// Left side.
        lhs: Node<Term>,
        /// The operator.
        op: CmpOp,
        /// Right side.
        rhs: Node<Term>,
    },
    /// `term in { values }`.
    In {
        /// The value tested.
        term: Node<Term>,
        /// The set, each of the term's type.
        values: Vec<Node<Value>>,
    },
    /// A bool field, parameter or literal.
    Truth(Node<Term>),
}

impl Cond {
    /// Calls `f` on this condition and every condition inside it, parents first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Cond)) {
        f(self);
        match self {
            Cond::And(parts) | Cond::Or(parts) => parts.iter().for_each(|p| p.node.walk(f)),
            Cond::Not(inner) => inner.node.walk(f),
            Cond::Compare { .. } | Cond::In { .. } | Cond::Truth(_) => {}
        }
    }

    /// Calls `f` on every term the condition reads.
    pub fn terms<'a>(&'a self, f: &mut impl FnMut(&'a Term)) {
        self.walk(&mut |c| match c {
            Cond::Compare { lhs, rhs, .. } => {
                f(&lhs.node);
                f(&rhs.node);
            }
            Cond::In { term, .. } | Cond::Truth(term) => f(&term.node),
            Cond::And(_) | Cond::Or(_) | Cond::Not(_) => {}
        });
    }

    /// The fields the condition reads.
    pub fn fields(&self) -> std::collections::BTreeSet<FieldId> {
        let mut fields = std::collections::BTreeSet::new();
        self.terms(&mut |t| {
            if let Term::Field(f) = t {
                fields.insert(*f);
            }
        });
        fields
    }
}

/// A rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Its name.
    pub name: Ident,
    /// What it says.
    pub kind: Node<RuleKind>,
}

/// The clause of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleKind {
    /// Must hold in every reachable state.
    Invariant(Node<Cond>),
    /// Blocks an action.
    Forbid {
        /// The action blocked.
        action: Node<ActionId>,
        /// The channels it is blocked on; `None`: everywhere, system steps and triggers too.
        via: Option<Vec<Node<ChannelId>>>,
        /// When, evaluated before the action; `None`: always.
        when: Option<Node<Cond>>,
    },
    /// Runs an action automatically.
    Trigger {
        /// What sets it off.
        on: Node<TriggerSource>,
        /// When, evaluated after `on`.
        when: Option<Node<Cond>>,
        /// The action run as the system.
        then: Node<ActionId>,
    },
}

impl RuleKind {
    /// For a forbid: whether it applies on `channel`, or, for `None`, to the system (which
    /// only forbids without `via` bind). False for other rules.
    pub fn forbid_applies_on(&self, channel: Option<ChannelId>) -> bool {
        match (self, channel) {
            (RuleKind::Forbid { via: None, .. }, _) => true,
            (
                RuleKind::Forbid {
                    via: Some(list), ..
                },
                Some(c),
            ) => list.iter().any(|x| x.node == c),
            _ => false,
        }
    }
}

/// What sets a trigger off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TriggerSource {
    /// An action completing.
    Action(ActionId),
    /// An event arriving.
    Event(EventId),
}

/// A process: a state machine whose transitions are performed through channels.
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    /// Its name.
    pub name: Ident,
    /// The channels a customer can start it on; empty for an internal process.
    pub entry: Vec<Node<ChannelId>>,
    /// Which customers it is for (all must hold).
    pub requires: Vec<Node<Cond>>,
    /// Its end-to-end deadline.
    pub sla: Option<Node<Duration>>,
    /// The first state.
    pub start: Node<StateId>,
    /// Assertions checked on every path.
    pub nevers: Vec<Node<Never>>,
    /// Its states and finals.
    pub states: Vec<State>,
}

impl Process {
    /// The state with this id.
    pub fn state(&self, id: StateId) -> &State {
        &self.states[id.index()]
    }

    /// Calls `f` on every condition written in the process: its `requires` and `never`
    /// assertions, and its guards.
    pub fn conditions<'a>(&'a self, mut f: impl FnMut(&'a Cond)) {
        self.requires.iter().for_each(|c| f(&c.node));
        for never in &self.nevers {
            if let Never::Cond(c) = &never.node {
                f(&c.node);
            }
        }
        for state in &self.states {
            for guard in state.transitions.iter().filter_map(|t| t.guard()) {
                f(&guard.node);
            }
        }
    }

    /// The ids of all states, in order.
    pub fn state_ids(&self) -> impl Iterator<Item = StateId> + use<> {
        (0..self.states.len()).map(StateId::from_index)
    }
}

/// A `never` assertion.
#[derive(Clone, Debug, PartialEq)]
pub enum Never {
    /// The action must never run.
    Action(ActionId),
    /// The condition must never hold.
    Cond(Node<Cond>),
}

/// What a state is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateKind {
    /// A state that takes transitions.
    Normal,
    /// A final state; its kind of outcome.
    Final(FinalKind),
}

/// A state of a process.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Its name.
    pub name: Ident,
    /// Normal or final.
    pub kind: StateKind,
    /// Its transitions (none for a final).
    pub transitions: Vec<Node<Transition>>,
}

impl State {
    /// Whether this is a final state.
    pub fn is_final(&self) -> bool {
        matches!(self.kind, StateKind::Final(_))
    }
}

/// A resolved transition.
#[derive(Clone, Debug, PartialEq)]
pub enum Transition {
    /// A customer or agent performs an action on a channel.
    On {
        /// The action.
        action: Node<ActionId>,
        /// The channels; `None`: every channel that can perform the action.
        via: Option<Vec<Node<ChannelId>>>,
        /// The guard, evaluated before the action.
        when: Option<Node<Cond>>,
        /// The next state.
        target: Node<StateId>,
    },
    /// The system performs an action.
    Do {
        /// The action.
        action: Node<ActionId>,
        /// The guard.
        when: Option<Node<Cond>>,
        /// The next state.
        target: Node<StateId>,
    },
    /// Continue when an event occurs.
    Await {
        /// The event.
        event: Node<EventId>,
        /// The guard.
        when: Option<Node<Cond>>,
        /// The next state.
        target: Node<StateId>,
    },
    /// Continue when time passes.
    After {
        /// How long.
        duration: Node<Duration>,
        /// The next state.
        target: Node<StateId>,
    },
    /// Run a sub-process to its end.
    Call {
        /// The sub-process.
        process: Node<ProcessId>,
        /// Where its success outcomes lead.
        target: Node<StateId>,
        /// Where its failure outcomes lead.
        otherwise: Option<Node<StateId>>,
    },
    /// Run sub-processes in parallel; all must succeed.
    All {
        /// The sub-processes.
        processes: Vec<Node<ProcessId>>,
        /// Where success of all leads.
        target: Node<StateId>,
        /// Where any failure leads.
        otherwise: Option<Node<StateId>>,
    },
    /// Agents on some channels send the customer to another (not a move).
    Handoff {
        /// The channels whose agents hand off.
        from: Vec<Node<ChannelId>>,
        /// Where they send the customer.
        to: Node<ChannelId>,
    },
}

impl Transition {
    /// The states this transition can lead to (none for a handoff).
    pub fn targets(&self) -> Vec<StateId> {
        match self {
            Transition::On { target, .. }
            | Transition::Do { target, .. }
            | Transition::Await { target, .. }
            | Transition::After { target, .. } => vec![target.node],
            Transition::Call {
                target, otherwise, ..
            }
            | Transition::All {
                target, otherwise, ..
            } => std::iter::once(target.node)
                .chain(otherwise.as_ref().map(|o| o.node))
                .collect(),
            Transition::Handoff { .. } => Vec::new(),
        }
    }

    /// The sub-processes a `call` or `all` runs (none for other transitions).
    pub fn callees(&self) -> Vec<ProcessId> {
        match self {
            Transition::Call { process, .. } => vec![process.node],
            Transition::All { processes, .. } => processes.iter().map(|p| p.node).collect(),
            _ => Vec::new(),
        }
    }

    /// The guard, for transitions that have one.
    pub fn guard(&self) -> Option<&Node<Cond>> {
        match self {
            Transition::On { when, .. }
            | Transition::Do { when, .. }
            | Transition::Await { when, .. } => when.as_ref(),
            _ => None,
        }
    }
}

/// Lookups the checks and the engine need often, computed once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Index {
    /// Forbid rules, by the action they block.
    pub forbids_by_action: Vec<Vec<RuleId>>,
    /// Trigger rules, by the action that sets them off.
    pub triggers_by_action: Vec<Vec<RuleId>>,
    /// Trigger rules, by the event that sets them off.
    pub triggers_by_event: Vec<Vec<RuleId>>,
    /// Invariant rules.
    pub invariants: Vec<RuleId>,
    /// The actions that emit each event.
    pub emitters: Vec<Vec<ActionId>>,
    /// The channels that can perform each action.
    pub performers: Vec<Vec<ChannelId>>,
}

/// One policy, resolved and typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The policy's name (from the header of its first file).
    pub name: Ident,
    /// Enumerations, named and inline.
    pub enums: Vec<EnumDef>,
    /// Opaque types.
    pub opaques: Vec<OpaqueDef>,
    /// Entities.
    pub entities: Vec<Entity>,
    /// Fields of all entities.
    pub fields: Vec<Field>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Events.
    pub events: Vec<Event>,
    /// Actions.
    pub actions: Vec<Action>,
    /// Rules.
    pub rules: Vec<Rule>,
    /// Processes.
    pub processes: Vec<Process>,
    /// Derived lookups.
    pub index: Index,
}

impl Model {
    /// The field with this id.
    pub fn field(&self, id: FieldId) -> &Field {
        &self.fields[id.index()]
    }
    /// The channel with this id.
    pub fn channel(&self, id: ChannelId) -> &Channel {
        &self.channels[id.index()]
    }
    /// The event with this id.
    pub fn event(&self, id: EventId) -> &Event {
        &self.events[id.index()]
    }
    /// The action with this id.
    pub fn action(&self, id: ActionId) -> &Action {
        &self.actions[id.index()]
    }
    /// The rule with this id.
    pub fn rule(&self, id: RuleId) -> &Rule {
        &self.rules[id.index()]
    }
    /// The process with this id.
    pub fn process(&self, id: ProcessId) -> &Process {
        &self.processes[id.index()]
    }
    /// The enumeration with this id.
    pub fn enumeration(&self, id: EnumId) -> &EnumDef {
        &self.enums[id.index()]
    }

    /// The conditions written outside processes: actions' `requires`, invariants, and the
    /// `when` of forbids and triggers.
    pub fn rule_conditions(&self) -> Vec<&Cond> {
        let mut conds: Vec<&Cond> = Vec::new();
        for action in &self.actions {
            conds.extend(action.requires.iter().map(|c| &c.node));
        }
        for rule in &self.rules {
            match &rule.kind.node {
                RuleKind::Invariant(c) => conds.push(&c.node),
                RuleKind::Forbid { when, .. } | RuleKind::Trigger { when, .. } => {
                    conds.extend(when.iter().map(|c| &c.node))
                }
            }
        }
        conds
    }

    /// Every condition written in the policy: [`Self::rule_conditions`], then each
    /// process's ([`Process::conditions`]).
    pub fn conditions(&self) -> Vec<&Cond> {
        let mut conds = self.rule_conditions();
        for process in &self.processes {
            process.conditions(|c| conds.push(c));
        }
        conds
    }

    /// The processes some `call` or `all` runs.
    pub fn called(&self) -> std::collections::BTreeSet<ProcessId> {
        self.processes
            .iter()
            .flat_map(|p| p.states.iter().flat_map(|s| s.transitions.iter()))
            .flat_map(|t| t.node.callees())
            .collect()
    }

    /// Finds a process by name.
    pub fn process_named(&self, name: &str) -> Option<ProcessId> {
        self.processes
            .iter()
            .position(|p| p.name.node == name)
            .map(ProcessId::from_index)
    }
    /// Finds a channel by name.
    pub fn channel_named(&self, name: &str) -> Option<ChannelId> {
        self.channels
            .iter()
            .position(|c| c.name.node == name)
            .map(ChannelId::from_index)
    }
    /// Finds a field by its qualified name (`entity.field`).
    pub fn field_named(&self, qualified: &str) -> Option<FieldId> {
        self.fields
            .iter()
            .position(|f| f.qualified == qualified)
            .map(FieldId::from_index)
    }
    /// Finds an action by name.
    pub fn action_named(&self, name: &str) -> Option<ActionId> {
        self.actions
            .iter()
            .position(|a| a.name.node == name)
            .map(ActionId::from_index)
    }

    /// Whether `channel` lists `action` under `can`.
    pub fn can_perform(&self, channel: ChannelId, action: ActionId) -> bool {
        self.channel(channel).can.iter().any(|a| a.node == action)
    }

    /// A value as it would be written in a policy (`active`, `3`, `"Main St"`).
    pub fn display_value(&self, value: &Value) -> String {
        match value {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Variant(e, v) => self
                .enumeration(*e)
                .variants
                .get(*v as usize)
                .map_or_else(|| format!("#{v}"), |n| n.node.to_string()),
            Value::Str(s) => format!("{s:?}"),
        }
    }

    /// A type as it would be written in a policy.
    pub fn display_ty(&self, ty: Ty) -> String {
        match ty {
            Ty::Bool => "bool".into(),
            Ty::Int { lo, hi } => format!("int {lo}..{hi}"),
            Ty::Enum(e) => {
                let def = self.enumeration(e);
                if def.inline {
                    def.variants
                        .iter()
                        .map(|v| v.node.as_str())
                        .collect::<Vec<_>>()
                        .join(" | ")
                } else {
                    def.name.node.to_string()
                }
            }
            Ty::Opaque(o) => self.opaques[o.index()].name.node.to_string(),
            Ty::Text => "text".into(),
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Bool => f.write_str("bool"),
            Ty::Int { lo, hi } => write!(f, "int {lo}..{hi}"),
            Ty::Enum(_) => f.write_str("an enumeration"),
            Ty::Opaque(_) | Ty::Text => f.write_str("an opaque value"),
        }
    }
}
