//! The engine's fast path: requests resolved into ids once ([`Prepared`]), and answers in ids
//! ([`Verdict`]), with no names, no source places and no allocation beyond the new field
//! values. [`Engine::decide`](super::Engine::decide) is this path plus naming.

use super::request::Resolved;
use crate::model::{ActionId, ChannelId, EventId, RuleId, StateId, Value};
use crate::source::Span;

/// A request resolved against one engine's policy: its process, state, channel and action as
/// ids and its values typed. Made by [`Engine::prepare`](super::Engine::prepare), answered by
/// [`Engine::decide_prepared`](super::Engine::decide_prepared) as often as needed; only
/// meaningful to the engine that made it.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub(super) resolved: Resolved,
    pub(super) action: ActionId,
}

impl Prepared {
    /// The same request on another channel (an id of the same engine's policy).
    pub fn on_channel(&self, channel: ChannelId) -> Prepared {
        let mut other = self.clone();
        other.resolved.channel = channel;
        other
    }
}

/// A decision in ids: what [`Engine::decide_prepared`](super::Engine::decide_prepared)
/// returns. The same answer as a [`Decision`](super::Decision), without the names, the source
/// places and the alternatives, which [`Engine::decide`](super::Engine::decide) adds.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Whether the action may be performed now.
    pub allowed: bool,
    /// When allowed: the state the process moves to.
    pub next_state: Option<StateId>,
    /// When allowed: every field's value after the action and its triggers, in the model's
    /// field order; empty when refused.
    pub fields: Vec<Value>,
    /// When allowed: the events emitted, in order.
    pub emitted: Vec<EventId>,
    /// When allowed: the triggers that fired, in order.
    pub triggered: Vec<TriggerRun>,
    /// When refused: every reason, in the order of LANGUAGE.md's steps.
    pub refusals: Vec<Refusal>,
}

/// A trigger that fired during a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TriggerRun {
    /// The trigger rule.
    pub rule: RuleId,
    /// The action it started.
    pub action: ActionId,
    /// Whether that action completed (it may be forbidden, or its `requires` unmet).
    pub ran: bool,
    /// The action takes parameters, which a trigger cannot supply: it did not run.
    pub needs_parameters: bool,
}

/// Why a request is refused, in ids and spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The state offers no transition on the action.
    NotOffered,
    /// The transitions on the action are open to other channels only (`via`).
    NotOnThisChannel {
        /// The transition's `via` channels.
        via: Vec<ChannelId>,
        /// The transition.
        transition: Span,
    },
    /// The transition's guard does not hold.
    GuardFalse {
        /// The guard.
        guard: Span,
    },
    /// The channel cannot perform the action (`can`).
    MissingCapability,
    /// A forbid holds.
    Forbidden(RuleId),
    /// One of the action's `requires` does not hold.
    RequiresUnmet(Span),
    /// The effects would break an invariant.
    InvariantBroken(RuleId),
}
