//! The syntax tree both syntaxes (`.omni` and `.omni.yaml`) are read into.
//!
//! Every node that a diagnostic may point at is a [`Node`], which carries its span; equality
//! ignores spans, so the same policy written in both syntaxes gives equal trees.

use crate::source::{Ident, Name, Node};
use std::fmt;

/// One source file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    /// `policy NAME`; `None` when the file has no header (E006).
    pub policy: Option<Ident>,
    /// The items that could be read.
    pub items: Vec<Node<Item>>,
    /// Names of items that could not be read because of a syntax error. References to them are
    /// not reported as unknown: the syntax error already explains them.
    pub unreadable: Vec<String>,
}

/// A top-level item.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `type NAME [= a | b]`.
    Type(TypeDef),
    /// `entity NAME { fields }`.
    Entity(EntityDef),
    /// `channel NAME { ... }`.
    Channel(ChannelDef),
    /// `[external] event NAME`.
    Event(EventDef),
    /// `action NAME(params) { ... }`.
    Action(ActionDef),
    /// `rule NAME: clause`.
    Rule(RuleDef),
    /// `process NAME { ... }`.
    Process(ProcessDef),
}

impl Item {
    /// The item's name.
    pub fn name(&self) -> &Ident {
        match self {
            Item::Type(t) => &t.name,
            Item::Entity(e) => &e.name,
            Item::Channel(c) => &c.name,
            Item::Event(e) => &e.name,
            Item::Action(a) => &a.name,
            Item::Rule(r) => &r.name,
            Item::Process(p) => &p.name,
        }
    }

    /// What kind of item it is, in words ("channel").
    pub fn kind(&self) -> &'static str {
        match self {
            Item::Type(_) => "type",
            Item::Entity(_) => "entity",
            Item::Channel(_) => "channel",
            Item::Event(_) => "event",
            Item::Action(_) => "action",
            Item::Rule(_) => "rule",
            Item::Process(_) => "process",
        }
    }
}

/// `type NAME` (opaque) or `type NAME = a | b` (enumeration).
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDef {
    /// The type's name.
    pub name: Ident,
    /// The variants; `None` for an opaque type.
    pub variants: Option<Vec<Ident>>,
}

/// A type as written after `:`.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    /// `bool`.
    Bool,
    /// `text`, opaque.
    Text,
    /// `int LO..HI`, inclusive.
    Int {
        /// Lowest value.
        lo: Node<i64>,
        /// Highest value.
        hi: Node<i64>,
    },
    /// A named type.
    Named(Ident),
    /// An inline enumeration `a | b | c`.
    Enum(Vec<Ident>),
}

/// `entity NAME { field: type ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityDef {
    /// The entity's name.
    pub name: Ident,
    /// Its fields.
    pub fields: Vec<Node<FieldDef>>,
}

/// `name: type`, a field of an entity or a parameter of an action.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDef {
    /// The field's name.
    pub name: Ident,
    /// Its type.
    pub ty: Node<TypeExpr>,
}

/// `channel NAME { can ...; replies within D; records case }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChannelDef {
    /// The channel's name.
    pub name: Ident,
    /// The actions it can perform, from all its `can` statements.
    pub can: Vec<Ident>,
    /// Each `replies within` given (more than one is an error).
    pub replies_within: Vec<Node<Duration>>,
    /// Each `records case` given.
    pub records_case: Vec<Node<()>>,
}

/// `[external] event NAME`.
#[derive(Clone, Debug, PartialEq)]
pub struct EventDef {
    /// The event's name.
    pub name: Ident,
    /// Whether it comes from outside the organisation.
    pub external: bool,
}

/// `action NAME(params) { requires ...; set ...; emit ... }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActionDef {
    /// The action's name.
    pub name: Ident,
    /// Its parameters.
    pub params: Vec<Node<FieldDef>>,
    /// Its preconditions, all of which must hold.
    pub requires: Vec<Node<Cond>>,
    /// Its effects, applied together.
    pub sets: Vec<Node<Set>>,
    /// The events it emits.
    pub emits: Vec<Ident>,
}

/// `set entity.field = value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Set {
    /// The field assigned.
    pub field: Node<FieldRef>,
    /// The value: a literal, a parameter or another field.
    pub value: Node<Term>,
}

/// `entity.field`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRef {
    /// The entity.
    pub entity: Ident,
    /// The field.
    pub field: Ident,
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.entity, self.field)
    }
}

/// `rule NAME: clause`.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDef {
    /// The rule's name.
    pub name: Ident,
    /// What it says.
    pub clause: Node<Clause>,
}

/// The one clause of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    /// `invariant COND`.
    Invariant(Node<Cond>),
    /// `forbid ACTION [via CHANNELS] [when COND]`.
    Forbid {
        /// The action blocked.
        action: Ident,
        /// The channels it is blocked on; `None` means everywhere.
        via: Option<Vec<Ident>>,
        /// When it is blocked; `None` means always.
        when: Option<Node<Cond>>,
    },
    /// `on ACTION|EVENT [when COND] then ACTION`.
    Trigger {
        /// The action or event that sets it off.
        on: Ident,
        /// The condition, evaluated after `on`.
        when: Option<Node<Cond>>,
        /// The action run automatically.
        then: Ident,
    },
}

/// `process NAME { ... }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProcessDef {
    /// The process's name.
    pub name: Ident,
    /// Its entry channels, from all its `entry` statements.
    pub entry: Vec<Ident>,
    /// Which customers it is for.
    pub requires: Vec<Node<Cond>>,
    /// Each `sla` given (more than one is an error).
    pub sla: Vec<Node<Duration>>,
    /// Each `start` given (exactly one is expected).
    pub start: Vec<Ident>,
    /// Its `never` assertions.
    pub nevers: Vec<Node<Never>>,
    /// Its states and finals, in order.
    pub states: Vec<Node<StateDef>>,
}

/// A `never` assertion.
#[derive(Clone, Debug, PartialEq)]
pub enum Never {
    /// `never ACTION`: the action must never run.
    Action(Ident),
    /// `never COND`: the condition must never hold.
    Cond(Node<Cond>),
}

/// `state NAME { ... }` or `final NAME [failure]`.
#[derive(Clone, Debug, PartialEq)]
pub struct StateDef {
    /// The state's name.
    pub name: Ident,
    /// `None` for a state; `Some(failure)` for a final.
    pub final_kind: Option<FinalKind>,
    /// Its transitions.
    pub transitions: Vec<Node<Transition>>,
}

/// The outcome a final state stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FinalKind {
    /// `final NAME`.
    Success,
    /// `final NAME failure`.
    Failure,
}

/// A transition of a state.
#[derive(Clone, Debug, PartialEq)]
pub enum Transition {
    /// `on ACTION [via CHANNELS] [when COND] -> STATE`.
    On {
        /// The action performed.
        action: Ident,
        /// The channels; `None` means every channel that can perform it.
        via: Option<Vec<Ident>>,
        /// The guard.
        when: Option<Node<Cond>>,
        /// The next state.
        target: Ident,
    },
    /// `do ACTION [when COND] -> STATE`.
    Do {
        /// The action the system performs.
        action: Ident,
        /// The guard.
        when: Option<Node<Cond>>,
        /// The next state.
        target: Ident,
    },
    /// `await EVENT [when COND] -> STATE`.
    Await {
        /// The event waited for.
        event: Ident,
        /// The guard.
        when: Option<Node<Cond>>,
        /// The next state.
        target: Ident,
    },
    /// `after DURATION -> STATE`.
    After {
        /// How long.
        duration: Node<Duration>,
        /// The next state.
        target: Ident,
    },
    /// `call PROCESS -> STATE [else -> STATE]`.
    Call {
        /// The sub-process.
        process: Ident,
        /// Where success leads.
        target: Ident,
        /// Where failure leads.
        otherwise: Option<Ident>,
    },
    /// `all PROCESS, ... -> STATE [else -> STATE]`.
    All {
        /// The sub-processes, run in parallel.
        processes: Vec<Ident>,
        /// Where success of all leads.
        target: Ident,
        /// Where any failure leads.
        otherwise: Option<Ident>,
    },
    /// `handoff CHANNELS -> CHANNEL`.
    Handoff {
        /// The channels whose agents send the customer on.
        from: Vec<Ident>,
        /// Where they send the customer.
        to: Ident,
    },
}

/// A duration as written: an amount and a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    /// How many units.
    pub amount: u64,
    /// Which unit.
    pub unit: TimeUnit,
}

/// The unit of a duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// `m`.
    Minutes,
    /// `h`.
    Hours,
    /// `d`.
    Days,
    /// `w`.
    Weeks,
}

impl Duration {
    /// The duration in minutes (saturating).
    pub fn minutes(self) -> u64 {
        let factor = match self.unit {
            TimeUnit::Minutes => 1,
            TimeUnit::Hours => 60,
            TimeUnit::Days => 60 * 24,
            TimeUnit::Weeks => 60 * 24 * 7,
        };
        self.amount.saturating_mul(factor)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            TimeUnit::Minutes => "m",
            TimeUnit::Hours => "h",
            TimeUnit::Days => "d",
            TimeUnit::Weeks => "w",
        };
        write!(f, "{}{unit}", self.amount)
    }
}

/// A condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    /// `a or b or ...` (two or more).
    Or(Vec<Node<Cond>>),
    /// `a and b and ...` (two or more).
    And(Vec<Node<Cond>>),
    /// `not a`.
    Not(Box<Node<Cond>>),
    /// `lhs OP rhs`.
    Compare {
        /// Left side.
        lhs: Node<Term>,
        /// The operator.
        op: Node<CmpOp>,
        /// Right side.
        rhs: Node<Term>,
    },
    /// `term in { v, ... }`.
    In {
        /// The value tested.
        term: Node<Term>,
        /// The set.
        values: Vec<Node<Term>>,
    },
    /// A bool field or parameter on its own.
    Truth(Node<Term>),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl CmpOp {
    /// Whether the operator orders values (and so needs ints).
    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A value in a condition or `set`.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// `entity.field`.
    Field(FieldRef),
    /// `true` or `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A quoted string, for opaque types.
    Str(String),
    /// A bare name: a parameter, or a variant of the other side's enumeration.
    Name(Name),
}
