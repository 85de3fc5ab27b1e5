//! A brute-force reference for the analysis: enumerates every valuation of every field,
//! every parameter value and every channel, and follows LANGUAGE.md's firing rules one
//! valuation at a time. Slow and simple on purpose: the property test compares its verdicts
//! with the BDD-based analysis on many small random policies.

pub mod generate;

use omnilint::model::{
    ActionId, ChannelId, CmpOp, Cond, EventId, Model, ProcessId, RuleKind, StateId, StateKind,
    Term, Transition, Ty, Value,
};
use omnilint::syntax::ast::FinalKind;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One value per field.
pub type Valuation = Vec<Value>;

const MAX_CASCADE: usize = 8;

/// The data at success outcomes and at failure outcomes.
type Outcomes = (BTreeSet<Valuation>, BTreeSet<Valuation>);

/// Every value of a type (small types only).
fn values(model: &Model, ty: Ty) -> Vec<Value> {
    match ty {
        Ty::Bool => vec![Value::Bool(false), Value::Bool(true)],
        Ty::Int { lo, hi } => (lo..=hi).map(Value::Int).collect(),
        Ty::Enum(e) => (0..model.enumeration(e).variants.len() as u32)
            .map(|v| Value::Variant(e, v))
            .collect(),
        Ty::Opaque(_) | Ty::Text => vec![Value::Str("#1".into()), Value::Str("#2".into())],
    }
}

/// Every combination of values for these types.
pub fn product(model: &Model, types: &[Ty]) -> Vec<Vec<Value>> {
    let mut all = vec![Vec::new()];
    for ty in types {
        let mut next = Vec::new();
        for prefix in &all {
            for v in values(model, *ty) {
                let mut row = prefix.clone();
                row.push(v);
                next.push(row);
            }
        }
        all = next;
    }
    all
}

/// The reference explorer of one policy.
pub struct Reference<'m> {
    model: &'m Model,
    /// Events that can arrive.
    pub available: BTreeSet<EventId>,
    /// Events emitted by actions that completed.
    pub emitted: BTreeSet<EventId>,
    memo: HashMap<(Vec<ProcessId>, Valuation), Outcomes>,
    /// Valuations reaching each (process, state), over all contexts.
    pub reach: BTreeMap<(ProcessId, StateId), BTreeSet<Valuation>>,
    /// Every action that completed, in order (cleared by whoever reads it).
    pub ran: Vec<ActionId>,
}

impl<'m> Reference<'m> {
    /// Explores the policy like the analysis does (roots, then sub-process contexts, until
    /// the set of available events is stable).
    pub fn new(model: &'m Model) -> Self {
        let external: BTreeSet<EventId> = (0..model.events.len())
            .map(|i| EventId(i as u32))
            .filter(|e| model.event(*e).external)
            .collect();
        let called = model.called();
        let mut available = external.clone();
        loop {
            let mut r = Reference {
                model,
                available: available.clone(),
                emitted: BTreeSet::new(),
                memo: HashMap::new(),
                reach: BTreeMap::new(),
                ran: Vec::new(),
            };
            let all: Vec<Valuation> = product(
                model,
                &model.fields.iter().map(|f| f.ty.node).collect::<Vec<_>>(),
            );
            for (i, p) in model.processes.iter().enumerate() {
                let pid = ProcessId(i as u32);
                if p.entry.is_empty() && called.contains(&pid) {
                    continue;
                }
                let init: BTreeSet<Valuation> = all
                    .iter()
                    .filter(|v| r.invariants(v) && r.process_requires(pid, v))
                    .cloned()
                    .collect();
                r.explore(&[pid], init);
            }
            let next: BTreeSet<EventId> =
                external.iter().chain(r.emitted.iter()).copied().collect();
            if next == available {
                return r;
            }
            available = next;
        }
    }

    /// The value of a term.
    pub fn term(&self, term: &Term, v: &Valuation, params: &[(ActionId, Vec<Value>)]) -> Value {
        match term {
            Term::Field(f) => v[f.index()].clone(),
            Term::Param(a, i) => params
                .iter()
                .rev()
                .find(|(x, _)| x == a)
                .map(|(_, p)| p[*i as usize].clone())
                .unwrap_or(Value::Bool(false)),
            Term::Value(value) => value.clone(),
        }
    }

    /// Evaluates a condition; `params` are the actions whose parameters are in scope.
    pub fn eval(&self, cond: &Cond, v: &Valuation, params: &[(ActionId, Vec<Value>)]) -> bool {
        match cond {
            Cond::And(parts) => parts.iter().all(|p| self.eval(p, v, params)),
            Cond::Or(parts) => parts.iter().any(|p| self.eval(p, v, params)),
            Cond::Not(inner) => !self.eval(inner, v, params),
            Cond::Compare { lhs, op, rhs } => {
                let (a, b) = (self.term(lhs, v, params), self.term(rhs, v, params));
                match op {
                    CmpOp::Eq => a == b,
                    CmpOp::Ne => a != b,
                    CmpOp::Lt => a < b,
                    CmpOp::Le => a <= b,
                    CmpOp::Gt => a > b,
                    CmpOp::Ge => a >= b,
                }
            }
            Cond::In { term, values } => {
                let a = self.term(term, v, params);
                values.iter().any(|x| x.node == a)
            }
            Cond::Truth(term) => self.term(term, v, params) == Value::Bool(true),
        }
    }

    /// Whether every invariant holds.
    pub fn invariants(&self, v: &Valuation) -> bool {
        self.model.rules.iter().all(|r| match &r.kind.node {
            RuleKind::Invariant(c) => self.eval(c, v, &[]),
            _ => true,
        })
    }

    /// Whether a process's `requires` hold.
    pub fn process_requires(&self, p: ProcessId, v: &Valuation) -> bool {
        self.model
            .process(p)
            .requires
            .iter()
            .all(|c| self.eval(c, v, &[]))
    }

    fn param_choices(&self, a: ActionId) -> Vec<Vec<Value>> {
        product(
            self.model,
            &self
                .model
                .action(a)
                .params
                .iter()
                .map(|p| p.ty.node)
                .collect::<Vec<_>>(),
        )
    }

    /// Runs `a` (performer: a channel, or the system when `None`) with parameters `p`:
    /// `None` when it is rejected, otherwise every data it can end in.
    pub fn fire(
        &mut self,
        v: &Valuation,
        a: ActionId,
        channel: Option<ChannelId>,
        p: &[Value],
        depth: usize,
    ) -> Option<BTreeSet<Valuation>> {
        let model = self.model;
        let scope = vec![(a, p.to_vec())];
        let forbidden = model.index.forbids_by_action[a.index()].iter().any(|r| {
            match &model.rule(*r).kind.node {
                RuleKind::Forbid { via, when, .. } => {
                    let applies = match (via, channel) {
                        (None, _) => true,
                        (Some(list), Some(c)) => list.iter().any(|x| x.node == c),
                        (Some(_), None) => false,
                    };
                    applies && when.as_ref().is_none_or(|w| self.eval(w, v, &scope))
                }
                _ => false,
            }
        });
        if forbidden
            || !model
                .action(a)
                .requires
                .iter()
                .all(|r| self.eval(r, v, &scope))
        {
            return None;
        }
        let mut next = v.clone();
        for effect in &model.action(a).effects {
            next[effect.field.node.index()] = self.term(&effect.value, v, &scope);
        }
        if !self.invariants(&next) {
            return None;
        }
        self.ran.push(a);
        let mut results: BTreeSet<Valuation> = BTreeSet::from([next]);
        for rule in model.index.triggers_by_action[a.index()].clone() {
            let RuleKind::Trigger { when, then, .. } = &model.rule(rule).kind.node else {
                continue;
            };
            let mut out = BTreeSet::new();
            for r in &results {
                if when.as_ref().is_none_or(|w| self.eval(w, r, &scope)) {
                    out.extend(self.triggered(r, then.node, depth + 1));
                } else {
                    out.insert(r.clone());
                }
            }
            results = out;
        }
        for event in model.action(a).emits.clone() {
            self.emitted.insert(event.node);
            let mut out = BTreeSet::new();
            for r in &results {
                out.extend(self.event_post(r, event.node, depth + 1));
            }
            results = out;
        }
        Some(results)
    }

    /// A triggered action at `depth`, for every parameter choice: completed or rejected.
    pub fn triggered(&mut self, v: &Valuation, b: ActionId, depth: usize) -> BTreeSet<Valuation> {
        if depth > MAX_CASCADE {
            return BTreeSet::from([v.clone()]);
        }
        let mut out = BTreeSet::new();
        for p in self.param_choices(b) {
            match self.fire(v, b, None, &p, depth) {
                Some(results) => out.extend(results),
                None => {
                    out.insert(v.clone());
                }
            }
        }
        out
    }

    /// Delivers `event`: its triggers run at `depth`.
    pub fn event_post(
        &mut self,
        v: &Valuation,
        event: EventId,
        depth: usize,
    ) -> BTreeSet<Valuation> {
        let model = self.model;
        let mut results = BTreeSet::from([v.clone()]);
        for rule in model.index.triggers_by_event[event.index()].clone() {
            let RuleKind::Trigger { when, then, .. } = &model.rule(rule).kind.node else {
                continue;
            };
            let mut out = BTreeSet::new();
            for r in &results {
                if when.as_ref().is_none_or(|w| self.eval(w, r, &[])) {
                    out.extend(self.triggered(r, then.node, depth));
                } else {
                    out.insert(r.clone());
                }
            }
            results = out;
        }
        results
    }

    /// The channels an `on` transition can be performed on.
    pub fn channels(&self, t: &Transition) -> Vec<ChannelId> {
        let Transition::On { action, via, .. } = t else {
            return vec![];
        };
        let all = (0..self.model.channels.len()).map(|c| ChannelId(c as u32));
        all.filter(|c| self.model.can_perform(*c, action.node))
            .filter(|c| {
                via.as_ref()
                    .is_none_or(|list| list.iter().any(|x| x.node == *c))
            })
            .collect()
    }

    /// Where transition `t` leads from `v`: (target, data) pairs; for `call`, failure
    /// outcomes go to `else`.
    pub fn step(&mut self, t: &Transition, v: &Valuation) -> Vec<(StateId, Valuation)> {
        let mut out = Vec::new();
        match t {
            Transition::On {
                action,
                when,
                target,
                ..
            }
            | Transition::Do {
                action,
                when,
                target,
            } => {
                let performers: Vec<Option<ChannelId>> = match t {
                    Transition::On { .. } => self.channels(t).into_iter().map(Some).collect(),
                    _ => vec![None],
                };
                for p in self.param_choices(action.node) {
                    let scope = vec![(action.node, p.clone())];
                    if when.as_ref().is_some_and(|w| !self.eval(w, v, &scope)) {
                        continue;
                    }
                    for performer in &performers {
                        if let Some(results) = self.fire(v, action.node, *performer, &p, 0) {
                            out.extend(results.into_iter().map(|r| (target.node, r)));
                        }
                    }
                }
            }
            Transition::Await {
                event,
                when,
                target,
            } => {
                if self.available.contains(&event.node)
                    && when.as_ref().is_none_or(|w| self.eval(w, v, &[]))
                {
                    out.extend(
                        self.event_post(v, event.node, 0)
                            .into_iter()
                            .map(|r| (target.node, r)),
                    );
                }
            }
            Transition::After { target, .. } => out.push((target.node, v.clone())),
            Transition::Call {
                process,
                target,
                otherwise,
            } => {
                self.call(
                    &[process.node],
                    target.node,
                    otherwise.as_ref().map(|o| o.node),
                    v,
                    &mut out,
                );
            }
            Transition::All {
                processes,
                target,
                otherwise,
            } => {
                let ps: Vec<ProcessId> = processes.iter().map(|p| p.node).collect();
                self.call(
                    &ps,
                    target.node,
                    otherwise.as_ref().map(|o| o.node),
                    v,
                    &mut out,
                );
            }
            Transition::Handoff { .. } => {}
        }
        out
    }

    /// A `call` or `all` from `v`: the sub-processes run (interleaved, on shared data); all
    /// ending in success leads to `target`, any ending in failure to `otherwise`.
    fn call(
        &mut self,
        ps: &[ProcessId],
        target: StateId,
        otherwise: Option<StateId>,
        v: &Valuation,
        out: &mut Vec<(StateId, Valuation)>,
    ) {
        if !ps.iter().all(|p| self.process_requires(*p, v)) {
            return;
        }
        let (success, failure) = self.sub(ps, v);
        out.extend(success.into_iter().map(|r| (target, r)));
        if let Some(o) = otherwise {
            out.extend(failure.into_iter().map(|r| (o, r)));
        }
    }

    fn sub(
        &mut self,
        ps: &[ProcessId],
        v: &Valuation,
    ) -> (BTreeSet<Valuation>, BTreeSet<Valuation>) {
        if let Some(known) = self.memo.get(&(ps.to_vec(), v.clone())) {
            return known.clone();
        }
        let outcome = self.explore(ps, BTreeSet::from([v.clone()]));
        self.memo.insert((ps.to_vec(), v.clone()), outcome.clone());
        outcome
    }

    /// Explores the components `ps` together from `init`; returns the data when all end in
    /// success, and when one ends in failure.
    fn explore(
        &mut self,
        ps: &[ProcessId],
        init: BTreeSet<Valuation>,
    ) -> (BTreeSet<Valuation>, BTreeSet<Valuation>) {
        let model = self.model;
        let start: Vec<StateId> = ps.iter().map(|p| model.process(*p).start.node).collect();
        let mut seen: BTreeSet<(Vec<StateId>, Valuation)> = BTreeSet::new();
        let mut queue: Vec<(Vec<StateId>, Valuation)> =
            init.into_iter().map(|v| (start.clone(), v)).collect();
        let (mut success, mut failure) = (BTreeSet::new(), BTreeSet::new());
        while let Some((tuple, v)) = queue.pop() {
            if !seen.insert((tuple.clone(), v.clone())) {
                continue;
            }
            let kinds: Vec<StateKind> = ps
                .iter()
                .zip(&tuple)
                .map(|(p, s)| model.process(*p).state(*s).kind)
                .collect();
            for (p, s) in ps.iter().zip(&tuple) {
                self.reach.entry((*p, *s)).or_default().insert(v.clone());
            }
            if kinds.contains(&StateKind::Final(FinalKind::Failure)) {
                failure.insert(v);
                continue;
            }
            if kinds
                .iter()
                .all(|k| *k == StateKind::Final(FinalKind::Success))
            {
                success.insert(v);
                continue;
            }
            for (i, (p, s)) in ps.iter().zip(&tuple).enumerate() {
                let state = model.process(*p).state(*s);
                if state.is_final() {
                    continue;
                }
                for t in &state.transitions {
                    for (target, r) in self.step(&t.node, &v) {
                        let mut next = tuple.clone();
                        next[i] = target;
                        queue.push((next, r));
                    }
                }
            }
            for event in self.available.clone() {
                if !model.index.triggers_by_event[event.index()].is_empty() {
                    queue.extend(
                        self.event_post(&v, event, 0)
                            .into_iter()
                            .map(|r| (tuple.clone(), r)),
                    );
                }
            }
        }
        (success, failure)
    }

    /// Whether the sub-processes can end in success from `v`.
    pub fn can_succeed(&mut self, ps: &[ProcessId], v: &Valuation) -> bool {
        ps.iter().all(|p| self.process_requires(*p, v)) && !self.sub(ps, v).0.is_empty()
    }

    /// Whether the sub-processes can end in failure from `v`.
    pub fn can_fail(&mut self, ps: &[ProcessId], v: &Valuation) -> bool {
        ps.iter().all(|p| self.process_requires(*p, v)) && !self.sub(ps, v).1.is_empty()
    }

    /// Whether a customer on `channel` can perform some `on` transition of `state` for some
    /// data reaching it.
    pub fn can_act(&mut self, p: ProcessId, s: StateId, channel: ChannelId) -> bool {
        let reach = self.reached(p, s);
        let transitions = self.model.process(p).state(s).transitions.clone();
        transitions.iter().any(|t| {
            let Transition::On { action, when, .. } = &t.node else {
                return false;
            };
            if !self.channels(&t.node).contains(&channel) {
                return false;
            }
            let params = self.param_choices(action.node);
            reach.iter().any(|v| {
                params.iter().any(|pv| {
                    let scope = vec![(action.node, pv.clone())];
                    when.as_ref().is_none_or(|w| self.eval(w, v, &scope))
                        && self.fire(v, action.node, Some(channel), pv, 0).is_some()
                })
            })
        })
    }

    /// The data reaching a state.
    pub fn reached(&self, p: ProcessId, s: StateId) -> Vec<Valuation> {
        self.reach
            .get(&(p, s))
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether `t` can fire (lead anywhere) from `v`.
    pub fn fires(&mut self, t: &Transition, v: &Valuation) -> bool {
        match t {
            Transition::After { .. } => true,
            Transition::Handoff { .. } => false,
            Transition::Await { event, when, .. } => {
                self.available.contains(&event.node)
                    && when.as_ref().is_none_or(|w| self.eval(w, v, &[]))
            }
            _ => !self.step(t, v).is_empty(),
        }
    }

    /// Whether `t` (an `on` or `do`) fires from `v` with parameters `p`.
    pub fn fires_with(&mut self, t: &Transition, v: &Valuation, p: &[Value]) -> bool {
        let (action, when, performers): (ActionId, _, Vec<Option<ChannelId>>) = match t {
            Transition::On { action, when, .. } => (
                action.node,
                when,
                self.channels(t).into_iter().map(Some).collect(),
            ),
            Transition::Do { action, when, .. } => (action.node, when, vec![None]),
            _ => return false,
        };
        let scope = vec![(action, p.to_vec())];
        if when.as_ref().is_some_and(|w| !self.eval(w, v, &scope)) {
            return false;
        }
        performers
            .into_iter()
            .any(|c| self.fire(v, action, c, p, 0).is_some())
    }

    /// Every parameter choice of an action.
    pub fn params_of(&self, a: ActionId) -> Vec<Vec<Value>> {
        self.param_choices(a)
    }
}
