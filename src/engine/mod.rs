//! The runtime decision engine: may this channel do this now?
//!
//! An [`Engine`] is compiled once from a policy that reads without errors. It answers
//! [`Engine::decide`] (one request: allowed or not, and why) and [`Engine::available`] (what
//! can be done now) on concrete field values, with exactly the semantics the analysis proves
//! things about (LANGUAGE.md, "What firing a transition means"): the guard, the channel's
//! capability, forbids, `requires`, the invariants after the effects, then the triggers and
//! the events, cascading as deep as the analysis follows them.
//!
//! The engine does no I/O and no parsing per request: names are resolved into ids once, when
//! it is compiled, and a request is evaluated over plain vectors. It is `Send + Sync` and
//! cloning it is cheap (an `Arc`), so one engine serves every thread of a backend.

mod eval;
mod json;
pub mod request;
mod verdict;

pub use json::answer_json;
pub use verdict::{Prepared, Refusal, TriggerRun, Verdict};

pub use request::{
    Alternatives, Available, Decision, Offered, Place, Reason, Request, RequestError, Triggered,
};

use crate::analysis::domain::MAX_CASCADE;
use crate::lint::{self, Input, Report};
use crate::model::{
    ActionId, ChannelId, FieldId, Model, ProcessId, RuleId, RuleKind, StateId, Transition, Value,
};
use crate::source::{Sources, Span};
use eval::{Frame, Run};
use std::collections::HashMap;
use std::sync::Arc;

/// A policy compiled for decisions. Cheap to clone and to share across threads.
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    model: Model,
    sources: Sources,
    processes: HashMap<String, ProcessId>,
    states: Vec<HashMap<String, StateId>>,
    channels: HashMap<String, ChannelId>,
    actions: HashMap<String, ActionId>,
    fields: HashMap<String, FieldId>,
    /// Per action: the invariants that read a field it writes (see `Run::breakable`).
    breakable: Vec<Vec<RuleId>>,
}

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The files hold no policy of that name (or none at all).
    #[error("no policy named `{0}` in the files given")]
    NoPolicy(String),
    /// The policy has errors that stop it from being read; they are in the report.
    #[error("policy `{policy}` cannot be read: {errors} error{}", if *errors == 1 { "" } else { "s" })]
    Unreadable {
        /// The policy.
        policy: String,
        /// How many E findings it has.
        errors: usize,
    },
    /// More than one policy in the files, and none was named.
    #[error("the files hold {0} policies; name the one to decide with")]
    Ambiguous(usize),
}

impl Engine {
    /// Checks `inputs` and compiles the policy named `policy` (or the only one, when `None`).
    pub fn load(inputs: Vec<Input>, policy: Option<&str>) -> Result<Engine, EngineError> {
        Engine::from_report(lint::check(inputs), policy)
    }

    /// Compiles a policy of an existing report (or its only one, when `policy` is `None`).
    pub fn from_report(report: Report, policy: Option<&str>) -> Result<Engine, EngineError> {
        let chosen = match policy {
            Some(name) => report
                .policies
                .iter()
                .find(|p| p.name == name)
                .ok_or_else(|| EngineError::NoPolicy(name.to_owned()))?,
            None => match report.policies.as_slice() {
                [only] => only,
                [] => return Err(EngineError::NoPolicy(String::new())),
                many => return Err(EngineError::Ambiguous(many.len())),
            },
        };
        let Some(model) = chosen.model.clone() else {
            let errors = report
                .diagnostics
                .iter()
                .filter(|d| {
                    chosen.files.contains(&d.span.file)
                        && d.check.group == crate::checks::Group::Read
                })
                .count();
            return Err(EngineError::Unreadable {
                policy: chosen.name.clone(),
                errors,
            });
        };
        Ok(Engine::new(model, report.sources))
    }

    /// Compiles a model; `sources` are the files its spans point into.
    pub fn new(model: Model, sources: Sources) -> Engine {
        let processes = index(
            model.processes.iter().map(|p| p.name.node.as_str()),
            ProcessId,
        );
        let states = model
            .processes
            .iter()
            .map(|p| index(p.states.iter().map(|s| s.name.node.as_str()), StateId))
            .collect();
        let channels = index(
            model.channels.iter().map(|c| c.name.node.as_str()),
            ChannelId,
        );
        let actions = index(model.actions.iter().map(|a| a.name.node.as_str()), ActionId);
        let fields = index(model.fields.iter().map(|f| f.qualified.as_str()), FieldId);
        let breakable = breakable_invariants(&model);
        Engine {
            inner: Arc::new(Compiled {
                breakable,
                model,
                sources,
                processes,
                states,
                channels,
                actions,
                fields,
            }),
        }
    }

    /// The policy's model.
    pub fn model(&self) -> &Model {
        &self.inner.model
    }

    /// The id of the channel named `name`, for [`Prepared::on_channel`].
    pub fn channel_id(&self, name: &str) -> Option<ChannelId> {
        self.inner.channels.get(name).copied()
    }

    /// Decides `request`: whether its channel may perform its action now, and what follows,
    /// with names, source places and, when refused, the alternatives.
    pub fn decide(&self, request: &Request) -> Result<Decision, RequestError> {
        let prepared = self.prepare(request)?;
        let verdict = self.decide_prepared(&prepared);
        Ok(self.decision(&prepared.resolved, prepared.action, verdict))
    }

    /// Resolves `request` once (names into ids, values typed), for
    /// [`Engine::decide_prepared`]: the same checks and errors as [`Engine::decide`].
    pub fn prepare(&self, request: &Request) -> Result<Prepared, RequestError> {
        let resolved = request::resolve(&self.inner, request, true)?;
        let action = resolved.action.ok_or(RequestError::MissingAction)?;
        Ok(Prepared { resolved, action })
    }

    /// Decides a prepared request: the same decision as [`Engine::decide`], in ids, without
    /// the alternatives. This is the path for a backend on a customer's critical path.
    pub fn decide_prepared(&self, prepared: &Prepared) -> Verdict {
        let r = &prepared.resolved;
        self.verdict(r, r.channel, prepared.action, &r.params)
    }

    /// What the customer can do now in the request's state on its channel (its `action` and
    /// `params` are ignored): every action offered there, allowed or not, with the reasons.
    pub fn available(&self, request: &Request) -> Result<Available, RequestError> {
        let c = &self.inner;
        let resolved = request::resolve(c, request, false)?;
        let state = c.model.process(resolved.process).state(resolved.state);
        let mut seen = Vec::new();
        let mut offered = Vec::new();
        for t in &state.transitions {
            let Transition::On { action, .. } = &t.node else {
                continue;
            };
            if seen.contains(&action.node) {
                continue;
            }
            seen.push(action.node);
            let a = c.model.action(action.node);
            if !a.params.is_empty() {
                offered.push(Offered {
                    action: a.name.node.to_string(),
                    allowed: None,
                    parameters: a.params.iter().map(|p| p.name.node.to_string()).collect(),
                    reasons: Vec::new(),
                });
                continue;
            }
            let verdict = self.verdict(&resolved, resolved.channel, action.node, &[]);
            offered.push(Offered {
                action: a.name.node.to_string(),
                allowed: Some(verdict.allowed),
                parameters: Vec::new(),
                reasons: self.reasons(&resolved, &verdict.refusals),
            });
        }
        offered.sort_by(|a, b| a.action.cmp(&b.action));
        Ok(Available {
            process: request.process.clone(),
            state: request.state.clone(),
            channel: request.channel.clone(),
            handoffs: self.handoffs(&resolved),
            actions: offered,
        })
    }

    fn place(&self, span: Span) -> Place {
        let file = self.inner.sources.get(span.file);
        let (line, column) = file.line_col(span.start);
        Place {
            file: file.name.clone(),
            line,
            column,
        }
    }

    fn handoffs(&self, r: &request::Resolved) -> Vec<String> {
        let model = &self.inner.model;
        let mut to: Vec<String> = model
            .process(r.process)
            .state(r.state)
            .transitions
            .iter()
            .filter_map(|t| match &t.node {
                Transition::Handoff { from, to } if from.iter().any(|f| f.node == r.channel) => {
                    Some(model.channel(to.node).name.node.to_string())
                }
                _ => None,
            })
            .collect();
        to.sort();
        to.dedup();
        to
    }

    /// The decision on `action` with `params` in `r`'s state and data, on `channel`, in ids.
    fn verdict(
        &self,
        r: &request::Resolved,
        channel: ChannelId,
        action: ActionId,
        params: &[Value],
    ) -> Verdict {
        let model = &self.inner.model;
        let state = model.process(r.process).state(r.state);
        let run = Run::new(model, &self.inner.breakable);
        let frame = Frame::new(action, params);
        let refused = |refusals: Vec<Refusal>| Verdict {
            allowed: false,
            next_state: None,
            fields: Vec::new(),
            emitted: Vec::new(),
            triggered: Vec::new(),
            refusals,
        };

        // The transition taken: the first `on` of the action open to this channel whose
        // guard holds; else the first open to this channel; else the first of the action.
        let open = |t: &Transition| match t {
            Transition::On { via, .. } => via
                .as_ref()
                .is_none_or(|list| list.iter().any(|c| c.node == channel)),
            _ => false,
        };
        let guard_holds = |t: &Transition| match t {
            Transition::On { when, .. } => when
                .as_ref()
                .is_none_or(|w| run.eval(&w.node, &r.fields, std::slice::from_ref(&frame))),
            _ => false,
        };
        let mut candidates = state
            .transitions
            .iter()
            .filter(|t| matches!(&t.node, Transition::On { action: a, .. } if a.node == action));
        let Some(first) = candidates.clone().next() else {
            return refused(vec![Refusal::NotOffered]);
        };
        let chosen = candidates
            .clone()
            .find(|t| open(&t.node) && guard_holds(&t.node))
            .or_else(|| candidates.find(|t| open(&t.node)))
            .unwrap_or(first);
        let Transition::On {
            via, when, target, ..
        } = &chosen.node
        else {
            return refused(vec![Refusal::NotOffered]);
        };
        let mut refusals = Vec::new();
        if !open(&chosen.node) {
            refusals.push(Refusal::NotOnThisChannel {
                via: via.iter().flatten().map(|c| c.node).collect(),
                transition: chosen.span,
            });
        }
        if let Some(w) = when.as_ref().filter(|_| !guard_holds(&chosen.node)) {
            refusals.push(Refusal::GuardFalse { guard: w.span });
        }
        if !model.can_perform(channel, action) {
            refusals.push(Refusal::MissingCapability);
        }
        // The request's own values may break any invariant, whatever the action writes.
        let checked = run.check(
            &r.fields,
            action,
            Some(channel),
            params,
            &model.index.invariants,
        );
        refusals.extend(checked.forbidden.into_iter().map(Refusal::Forbidden));
        refusals.extend(checked.unmet.into_iter().map(Refusal::RequiresUnmet));
        refusals.extend(checked.broken.into_iter().map(Refusal::InvariantBroken));
        if !refusals.is_empty() {
            return refused(refusals);
        }
        let outcome = run.complete(checked.after, action, params, 0);
        Verdict {
            allowed: true,
            next_state: Some(target.node),
            fields: outcome.fields,
            emitted: outcome.emitted,
            triggered: outcome.triggered,
            refusals: Vec::new(),
        }
    }

    /// `verdict` with names and source places; when refused, where the customer could be
    /// sent instead.
    fn decision(&self, r: &request::Resolved, action: ActionId, verdict: Verdict) -> Decision {
        let model = &self.inner.model;
        if !verdict.allowed {
            let offered = !verdict.refusals.contains(&Refusal::NotOffered);
            let mut channels: Vec<String> = Vec::new();
            if offered {
                for (i, channel) in model.channels.iter().enumerate() {
                    let other = ChannelId(u32::try_from(i).unwrap_or(u32::MAX));
                    if other != r.channel && self.verdict(r, other, action, &r.params).allowed {
                        channels.push(channel.name.node.to_string());
                    }
                }
            }
            channels.sort();
            return Decision {
                allowed: false,
                next_state: None,
                fields: None,
                emitted: Vec::new(),
                triggered: Vec::new(),
                reasons: self.reasons(r, &verdict.refusals),
                alternatives: Some(Alternatives {
                    channels,
                    handoffs: self.handoffs(r),
                }),
            };
        }
        Decision {
            allowed: true,
            next_state: verdict
                .next_state
                .map(|s| model.process(r.process).state(s).name.node.to_string()),
            fields: Some(request::show_fields(model, &verdict.fields)),
            emitted: verdict
                .emitted
                .iter()
                .map(|e| model.event(*e).name.node.to_string())
                .collect(),
            triggered: verdict
                .triggered
                .iter()
                .map(|t| Triggered {
                    rule: model.rule(t.rule).name.node.to_string(),
                    action: model.action(t.action).name.node.to_string(),
                    ran: t.ran,
                    needs_parameters: t.needs_parameters,
                })
                .collect(),
            reasons: Vec::new(),
            alternatives: None,
        }
    }

    /// `refusals` with names and source places.
    fn reasons(&self, r: &request::Resolved, refusals: &[Refusal]) -> Vec<Reason> {
        let model = &self.inner.model;
        refusals
            .iter()
            .map(|refusal| match refusal {
                Refusal::NotOffered => Reason::NotOffered {
                    state: model
                        .process(r.process)
                        .state(r.state)
                        .name
                        .node
                        .to_string(),
                },
                Refusal::NotOnThisChannel { via, transition } => Reason::NotOnThisChannel {
                    channels: via
                        .iter()
                        .map(|c| model.channel(*c).name.node.to_string())
                        .collect(),
                    at: self.place(*transition),
                },
                Refusal::GuardFalse { guard } => Reason::GuardFalse {
                    at: self.place(*guard),
                },
                Refusal::MissingCapability => Reason::MissingCapability {
                    channel: model.channel(r.channel).name.node.to_string(),
                    at: self.place(model.channel(r.channel).name.span),
                },
                Refusal::Forbidden(rule) => Reason::Forbidden {
                    rule: model.rule(*rule).name.node.to_string(),
                    at: self.place(model.rule(*rule).kind.span),
                },
                Refusal::RequiresUnmet(span) => Reason::RequiresUnmet {
                    at: self.place(*span),
                },
                Refusal::InvariantBroken(rule) => Reason::InvariantBroken {
                    rule: model.rule(*rule).name.node.to_string(),
                    at: self.place(model.rule(*rule).kind.span),
                },
            })
            .collect()
    }
}

impl Run<'_> {
    /// Steps 2–4 for `action` on `channel` (`None`: the system): the forbids that hold, the
    /// `requires` that do not, the effects, and which of `invariants` they break.
    fn check(
        &self,
        fields: &[Value],
        action: ActionId,
        channel: Option<ChannelId>,
        params: &[Value],
        invariants: &[RuleId],
    ) -> eval::Checked {
        let model = self.model;
        let scope = [Frame::new(action, params)];
        let forbidden = model.index.forbids_by_action[action.index()]
            .iter()
            .copied()
            .filter(|rule| match &model.rule(*rule).kind.node {
                RuleKind::Forbid { when, .. } => {
                    model.rule(*rule).kind.node.forbid_applies_on(channel)
                        && when
                            .as_ref()
                            .is_none_or(|w| self.eval(&w.node, fields, &scope))
                }
                _ => false,
            })
            .collect();
        let unmet = model
            .action(action)
            .requires
            .iter()
            .filter(|c| !self.eval(&c.node, fields, &scope))
            .map(|c| c.span)
            .collect();
        let after = self.apply(fields, action, params);
        let broken = invariants
            .iter()
            .copied()
            .filter(|rule| match &model.rule(*rule).kind.node {
                RuleKind::Invariant(c) => !self.eval(&c.node, &after, &[]),
                _ => false,
            })
            .collect();
        eval::Checked {
            forbidden,
            unmet,
            broken,
            after,
        }
    }

    /// Step 5 for an action that completed with `fields` after its effects: its triggers at
    /// `depth + 1`, then its events.
    fn complete(
        &self,
        fields: Vec<Value>,
        action: ActionId,
        params: &[Value],
        depth: usize,
    ) -> eval::Outcome {
        let model = self.model;
        let scope = [Frame::new(action, params)];
        let mut outcome = eval::Outcome {
            fields,
            ..Default::default()
        };
        for &rule in &model.index.triggers_by_action[action.index()] {
            let RuleKind::Trigger { when, then, .. } = &model.rule(rule).kind.node else {
                continue;
            };
            if when
                .as_ref()
                .is_none_or(|w| self.eval(&w.node, &outcome.fields, &scope))
            {
                self.triggered(&mut outcome, rule, then.node, depth + 1);
            }
        }
        for event in &model.action(action).emits {
            outcome.emitted.push(event.node);
            for &rule in &model.index.triggers_by_event[event.node.index()] {
                let RuleKind::Trigger { when, then, .. } = &model.rule(rule).kind.node else {
                    continue;
                };
                if when
                    .as_ref()
                    .is_none_or(|w| self.eval(&w.node, &outcome.fields, &[]))
                {
                    self.triggered(&mut outcome, rule, then.node, depth + 1);
                }
            }
        }
        outcome
    }

    /// Runs the triggered action `then` as the system, at `depth`, into `outcome`.
    fn triggered(
        &self,
        outcome: &mut eval::Outcome,
        rule: crate::model::RuleId,
        then: ActionId,
        depth: usize,
    ) {
        let needs_parameters = !self.model.action(then).params.is_empty();
        if depth > MAX_CASCADE || needs_parameters {
            outcome.triggered.push(TriggerRun {
                rule,
                action: then,
                ran: false,
                needs_parameters,
            });
            return;
        }
        // Every invariant holds here (the actions before completed only where they held), so
        // only those that read a field `then` writes can break.
        let verdict = self.check(
            &outcome.fields,
            then,
            None,
            &[],
            &self.breakable[then.index()],
        );
        let ran =
            verdict.forbidden.is_empty() && verdict.unmet.is_empty() && verdict.broken.is_empty();
        outcome.triggered.push(TriggerRun {
            rule,
            action: then,
            ran,
            needs_parameters: false,
        });
        if ran {
            let inner = self.complete(verdict.after, then, &[], depth);
            outcome.fields = inner.fields;
            outcome.emitted.extend(inner.emitted);
            outcome.triggered.extend(inner.triggered);
        }
    }
}

/// Per action: the invariants that read a field it writes. The others keep their truth value
/// across it.
fn breakable_invariants(model: &Model) -> Vec<Vec<RuleId>> {
    let reads: Vec<(RuleId, std::collections::BTreeSet<FieldId>)> = model
        .index
        .invariants
        .iter()
        .filter_map(|rule| match &model.rule(*rule).kind.node {
            RuleKind::Invariant(c) => Some((*rule, c.node.fields())),
            _ => None,
        })
        .collect();
    model
        .actions
        .iter()
        .map(|action| {
            reads
                .iter()
                .filter(|(_, read)| action.effects.iter().any(|e| read.contains(&e.field.node)))
                .map(|(rule, _)| *rule)
                .collect()
        })
        .collect()
}

/// Name -> id, for names listed in id order.
fn index<'a, T>(names: impl Iterator<Item = &'a str>, id: fn(u32) -> T) -> HashMap<String, T> {
    names
        .enumerate()
        .map(|(i, name)| (name.to_owned(), id(u32::try_from(i).unwrap_or(u32::MAX))))
        .collect()
}
