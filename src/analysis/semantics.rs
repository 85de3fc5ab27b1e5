//! What firing an action does to the data (LANGUAGE.md, "What firing a transition means"),
//! on sets of valuations: forward images for exploration, preimages for "can still reach"
//! questions and for walking witnesses back to `start`.
//!
//! For an action `A` run on channel `C` (or as the system) with parameters `p` in data `v`:
//! 1. the caller checks the transition's guard;
//! 2. no forbid of `A` that applies to `C` holds in `v` (as the system, only forbids without
//!    `via` apply);
//! 3. `A`'s `requires` hold in `v` with `p`;
//! 4. the effects give `v'`; if an invariant fails in `v'`, the action is rejected and nothing
//!    changes (for a transition: it does not fire);
//! 5. the triggers on `A` whose `when` holds in `v'` run, in rule order, each through 2–5 as
//!    the system with freely chosen parameters (a rejected triggered action changes nothing);
//!    then each event `A` emits is delivered, running the triggers on it the same way.
//!
//! Cascades are followed [`MAX_CASCADE`] deep; deeper ones are recorded as cut short.

use super::domain::{Domain, Frame, MAX_CASCADE};
use crate::model::{ActionId, ChannelId, Effect, EventId, FieldId, Model, RuleId, RuleKind, Term};
use biodivine_lib_bdd::{Bdd, BddVariable};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

/// Who performs an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Performer {
    /// A customer or agent on a channel.
    Channel(ChannelId),
    /// The system (`do` steps and triggers).
    System,
}

/// What happened while computing images: the actions that ran and the events emitted.
#[derive(Clone, Debug, Default)]
pub struct Log {
    /// Actions that completed for some data.
    pub ran: BTreeSet<ActionId>,
    /// Events emitted by actions that completed.
    pub emitted: BTreeSet<EventId>,
    /// A trigger cascade went deeper than [`MAX_CASCADE`].
    pub cut_short: bool,
}

/// An action's effects, prepared once (see `Semantics::effects_of`).
#[derive(Clone)]
struct EffectsPlan {
    none: bool,
    bits: Vec<BddVariable>,
    copy: Option<Bdd>,
    shadow_vars: Vec<BddVariable>,
    assign: Bdd,
}

/// The semantics of one policy's actions over its data domain.
pub struct Semantics<'m> {
    /// The data encoding.
    pub dom: Domain<'m>,
    /// All invariants, over the fields (domain validity not included: see `Domain::valid`).
    pub invariant: Bdd,
    /// The data every field type and every invariant allows.
    pub allowed: Bdd,
    /// Per action: the invariants that mention a field it writes, the only ones it can break.
    breakable: Vec<Bdd>,
    completes: RefCell<HashMap<(ActionId, Performer, usize), Bdd>>,
    effects: RefCell<HashMap<(ActionId, usize), EffectsPlan>>,
    log: RefCell<Log>,
}

impl<'m> Semantics<'m> {
    /// Builds the semantics of `model`, or says why its data cannot be encoded.
    pub fn new(model: &'m Model) -> Result<Self, super::domain::TooLarge> {
        let dom = Domain::new(model)?;
        let mut invariant = dom.vars.mk_true();
        let mut each: Vec<Bdd> = Vec::new();
        for rule in &model.index.invariants {
            if let RuleKind::Invariant(cond) = &model.rule(*rule).kind.node {
                let bdd = dom.cond(cond, &[]);
                invariant = invariant.and(&bdd);
                each.push(bdd);
            }
        }
        let breakable = model
            .actions
            .iter()
            .map(|action| {
                let written: Vec<BddVariable> = action
                    .effects
                    .iter()
                    .flat_map(|e| dom.field(e.field.node).bits.iter().copied())
                    .collect();
                each.iter()
                    .filter(|inv| written.iter().any(|b| inv.support_set().contains(b)))
                    .fold(dom.vars.mk_true(), |acc, inv| acc.and(inv))
            })
            .collect();
        Ok(Semantics {
            allowed: dom.valid.and(&invariant),
            dom,
            invariant,
            breakable,
            completes: RefCell::new(HashMap::new()),
            effects: RefCell::new(HashMap::new()),
            log: RefCell::new(Log::default()),
        })
    }

    /// The model.
    pub fn model(&self) -> &'m Model {
        self.dom.model()
    }

    /// Takes the log of what ran since the last call.
    pub fn take_log(&self) -> Log {
        std::mem::take(&mut *self.log.borrow_mut())
    }

    /// The data in which some forbid of `action` applying to `performer` holds.
    pub fn forbidden(&self, action: ActionId, performer: Performer, depth: usize) -> Bdd {
        let model = self.model();
        let mut forbidden = self.dom.vars.mk_false();
        for rule in &model.index.forbids_by_action[action.index()] {
            let kind = &model.rule(*rule).kind.node;
            let channel = match performer {
                Performer::Channel(c) => Some(c),
                Performer::System => None,
            };
            if let RuleKind::Forbid { when, .. } = kind
                && kind.forbid_applies_on(channel)
            {
                let cond = when.as_ref().map_or_else(
                    || self.dom.vars.mk_true(),
                    |w| self.dom.cond(w, &[(action, depth)]),
                );
                forbidden = forbidden.or(&cond);
            }
        }
        forbidden
    }

    /// `action`'s `requires`, with its parameters at `depth`.
    pub fn requires(&self, action: ActionId, depth: usize) -> Bdd {
        let frames = [(action, depth)];
        self.model()
            .action(action)
            .requires
            .iter()
            .fold(self.dom.vars.mk_true(), |acc, r| {
                acc.and(&self.dom.cond(r, &frames))
            })
    }

    /// The data and parameters (at `depth`) for which `action` completes when `performer`
    /// runs it: not forbidden, `requires` hold, parameters valid, invariants hold afterwards.
    pub fn completes(&self, action: ActionId, performer: Performer, depth: usize) -> Bdd {
        let key = (action, performer, depth);
        if let Some(cached) = self.completes.borrow().get(&key) {
            return cached.clone();
        }
        let admissible = self
            .dom
            .params_valid(action, depth)
            .and(&self.requires(action, depth))
            .and_not(&self.forbidden(action, performer, depth));
        // Invariants that do not mention a field the action writes held before and still do.
        let result =
            admissible.and(&self.effects_pre(&self.breakable[action.index()], action, depth));
        self.completes.borrow_mut().insert(key, result.clone());
        result
    }

    /// The value an effect assigns, as a constraint `target == value`, reading fields that
    /// the same action assigns from their shadows.
    fn assign(&self, action: ActionId, depth: usize, effect: &Effect, assigned: &[FieldId]) -> Bdd {
        let target = self.dom.field(effect.field.node);
        let frames: [Frame; 1] = [(action, depth)];
        match &effect.value.node {
            Term::Field(source) if assigned.contains(source) => match self.dom.shadow(*source) {
                Some(shadow) => self.dom.eq_slots(target, shadow),
                None => self.dom.vars.mk_false(),
            },
            Term::Value(value) => match self.dom.index_of(target.kind, value) {
                Some(index) => self.dom.eq_const(target, index),
                None => self.dom.vars.mk_false(),
            },
            term => match self.dom.term_slot(term, &frames) {
                Some(source) => self.dom.eq_slots(target, &source),
                None => self.dom.vars.mk_false(),
            },
        }
    }

    /// Shadow copies (`shadow == field`) for fields this action both reads and assigns, and
    /// the shadow variables to quantify away afterwards.
    fn shadow_copies(&self, action: ActionId, assigned: &[FieldId]) -> (Bdd, Vec<BddVariable>) {
        let mut copy = self.dom.vars.mk_true();
        let mut vars = Vec::new();
        for effect in &self.model().action(action).effects {
            if let Term::Field(source) = effect.value.node {
                if assigned.contains(&source) {
                    if let Some(shadow) = self.dom.shadow(source) {
                        copy = copy.and(&self.dom.eq_slots(shadow, self.dom.field(source)));
                        vars.extend(shadow.bits.iter().copied());
                    }
                }
            }
        }
        (copy, vars)
    }

    fn assigned(&self, action: ActionId) -> (Vec<FieldId>, Vec<BddVariable>) {
        let fields: Vec<_> = self
            .model()
            .action(action)
            .effects
            .iter()
            .map(|e| e.field.node)
            .collect();
        let bits = fields
            .iter()
            .flat_map(|f| self.dom.field(*f).bits.iter().copied())
            .collect();
        (fields, bits)
    }

    /// What `action`'s effects need, computed once per cascade depth: the assigned fields'
    /// bits, the shadow copies (and their bits) for fields it reads while assigning, and the
    /// constraint `field == value` of all its effects together.
    fn effects_of(&self, action: ActionId, depth: usize) -> EffectsPlan {
        if let Some(plan) = self.effects.borrow().get(&(action, depth)) {
            return plan.clone();
        }
        let (assigned, bits) = self.assigned(action);
        let (copy, shadow_vars) = self.shadow_copies(action, &assigned);
        let assign = self
            .model()
            .action(action)
            .effects
            .iter()
            .fold(self.dom.vars.mk_true(), |acc, e| {
                acc.and(&self.assign(action, depth, e, &assigned))
            });
        let plan = EffectsPlan {
            none: assigned.is_empty(),
            bits,
            copy: (!shadow_vars.is_empty()).then_some(copy),
            shadow_vars,
            assign,
        };
        self.effects
            .borrow_mut()
            .insert((action, depth), plan.clone());
        plan
    }

    /// The data after `action`'s effects, from `set` (fields and its parameters at `depth`).
    pub fn effects_image(&self, set: &Bdd, action: ActionId, depth: usize) -> Bdd {
        let plan = self.effects_of(action, depth);
        if plan.none {
            return set.clone();
        }
        let copied = match &plan.copy {
            Some(copy) => set.and(copy),
            None => set.clone(),
        };
        let result = copied.exists(&plan.bits).and(&plan.assign);
        if plan.shadow_vars.is_empty() {
            result
        } else {
            result.exists(&plan.shadow_vars)
        }
    }

    /// The data (and parameters at `depth`) from which `action`'s effects lead into `target`.
    pub fn effects_pre(&self, target: &Bdd, action: ActionId, depth: usize) -> Bdd {
        let plan = self.effects_of(action, depth);
        if plan.none {
            return target.clone();
        }
        let result = target.and(&plan.assign).exists(&plan.bits);
        match &plan.copy {
            Some(copy) => result.and(copy).exists(&plan.shadow_vars),
            None => result,
        }
    }

    fn trigger_when(&self, rule: RuleId, frames: &[Frame]) -> Bdd {
        match &self.model().rule(rule).kind.node {
            RuleKind::Trigger { when: Some(w), .. } => self.dom.cond(w, frames),
            _ => self.dom.vars.mk_true(),
        }
    }

    fn trigger_then(&self, rule: RuleId) -> Option<ActionId> {
        match &self.model().rule(rule).kind.node {
            RuleKind::Trigger { then, .. } => Some(then.node),
            _ => None,
        }
    }

    /// The data after `action` completes from `set` (which must lie within
    /// [`Self::completes`]): effects, triggers, events. The action's parameters are
    /// quantified away.
    pub fn post(&self, set: &Bdd, action: ActionId, depth: usize) -> Bdd {
        if set.is_false() {
            return set.clone();
        }
        self.log.borrow_mut().ran.insert(action);
        let model = self.model();
        let mut data = self.run_triggers(
            self.effects_image(set, action, depth),
            &model.index.triggers_by_action[action.index()],
            &[(action, depth)],
            depth + 1,
            &mut |_, _| {},
        );
        for event in &model.action(action).emits {
            self.log.borrow_mut().emitted.insert(event.node);
            data = self.event_post(&data, event.node, depth + 1);
        }
        let params = self.dom.param_vars(action, depth);
        if params.is_empty() {
            data
        } else {
            data.exists(&params)
        }
    }

    /// The data after `event` is delivered: the triggers on it run at `depth`.
    pub fn event_post(&self, set: &Bdd, event: EventId, depth: usize) -> Bdd {
        self.run_triggers(
            set.clone(),
            &self.model().index.triggers_by_event[event.index()],
            &[],
            depth,
            &mut |_, _| {},
        )
    }

    /// Runs `rules` (triggers, in rule order) on `data`: each runs its action at `depth`
    /// where its `when` (read with `frames`) holds in the data the previous ones left.
    /// `fired` is told where each one fires, before it runs.
    pub(crate) fn run_triggers(
        &self,
        mut data: Bdd,
        rules: &[RuleId],
        frames: &[Frame],
        depth: usize,
        fired: &mut dyn FnMut(RuleId, &Bdd),
    ) -> Bdd {
        for rule in rules {
            let when = self.trigger_when(*rule, frames);
            if let Some(then) = self.trigger_then(*rule) {
                let fires = data.and(&when);
                fired(*rule, &fires);
                data = data
                    .and_not(&when)
                    .or(&self.triggered_post(&fires, then, depth));
            }
        }
        data
    }

    /// A triggered action: it completes (for some parameters) or is rejected and changes
    /// nothing.
    fn triggered_post(&self, set: &Bdd, action: ActionId, depth: usize) -> Bdd {
        if set.is_false() {
            return set.clone();
        }
        if depth > MAX_CASCADE {
            self.log.borrow_mut().cut_short = true;
            return set.clone();
        }
        let valid = self.dom.params_valid(action, depth);
        let completes = self.completes(action, Performer::System, depth);
        let params = self.dom.param_vars(action, depth);
        let applied = self.post(&set.and(&completes), action, depth);
        let rejected = set.and(&valid).and_not(&completes).exists(&params);
        applied.or(&rejected)
    }

    /// The data and parameters (at `depth`) from which `action`, once it completes, leads
    /// into `target`.
    pub fn pre(&self, target: &Bdd, action: ActionId, depth: usize) -> Bdd {
        self.pre_or_running(target, action, depth, None)
    }

    /// The data from which delivering `event` leads into `target`.
    pub fn event_pre(&self, target: &Bdd, event: EventId, depth: usize) -> Bdd {
        self.event_pre_or_running(target, event, depth, None)
    }

    /// [`Self::pre`], and, with a `goal`, also the data and parameters from which completing
    /// `action` runs `goal` on the way: `action` is `goal`, or its cascade runs it.
    pub fn pre_or_running(
        &self,
        target: &Bdd,
        action: ActionId,
        depth: usize,
        goal: Option<ActionId>,
    ) -> Bdd {
        if goal == Some(action) {
            return self.dom.vars.mk_true();
        }
        let model = self.model();
        let mut data = target.clone();
        for event in model.action(action).emits.iter().rev() {
            data = self.event_pre_or_running(&data, event.node, depth + 1, goal);
        }
        for rule in model.index.triggers_by_action[action.index()].iter().rev() {
            data = self.trigger_pre(*rule, &[(action, depth)], depth + 1, &data, goal);
        }
        self.effects_pre(&data, action, depth)
    }

    /// [`Self::event_pre`], and, with a `goal`, the data from which the event's triggers
    /// run `goal`.
    pub fn event_pre_or_running(
        &self,
        target: &Bdd,
        event: EventId,
        depth: usize,
        goal: Option<ActionId>,
    ) -> Bdd {
        let mut data = target.clone();
        for rule in self.model().index.triggers_by_event[event.index()]
            .iter()
            .rev()
        {
            data = self.trigger_pre(*rule, &[], depth, &data, goal);
        }
        data
    }

    /// One trigger, backwards: where its `when` fails nothing happens; where it holds, the
    /// triggered action runs (for some parameters) or is rejected and changes nothing.
    fn trigger_pre(
        &self,
        rule: RuleId,
        frames: &[Frame],
        depth: usize,
        target: &Bdd,
        goal: Option<ActionId>,
    ) -> Bdd {
        let Some(then) = self.trigger_then(rule) else {
            return target.clone();
        };
        if depth > MAX_CASCADE {
            return target.clone(); // cut short, like `triggered_post`
        }
        let when = self.trigger_when(rule, frames);
        let valid = self.dom.params_valid(then, depth);
        let completes = self.completes(then, Performer::System, depth);
        let applied = completes.and(&self.pre_or_running(target, then, depth, goal));
        let rejected = valid.and_not(&completes).and(target);
        let triggered = applied
            .or(&rejected)
            .exists(&self.dom.param_vars(then, depth));
        target.and_not(&when).or(&when.and(&triggered))
    }
}
