//! Shared engines the checks ask, computed once per policy: the data domain, the semantics of
//! actions, the exploration of every process, and witnesses.
//!
//! Checks never build their own graphs or solvers: they read [`Analysis`] ("which data reach
//! this state?", "can this transition fire here?") and ask it for witnesses.

pub(crate) mod apply;
pub mod cascade;
pub mod channels;
pub mod domain;
pub mod explore;
pub(crate) mod hash;
pub(crate) mod nodes;
pub mod semantics;

use crate::diagnostic::{Binding, Step, StepKind, Witness};
use crate::model::{ActionId, EventId, FieldId, Model, ProcessId, StateId, Transition};
use biodivine_lib_bdd::{Bdd, BddValuation};
use domain::Sets;
use explore::{Exploration, Explorer, Firing, Memo, Move, Tuple};
use hash::{HashMap, HashSet};
use semantics::{Performer, Semantics};
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;

/// A cache of answers about one transition: (process, state, index in the state).
type PerTransition<T> = std::cell::RefCell<HashMap<(ProcessId, StateId, usize), T>>;

/// What the exploration found about one process, over every context it runs in (started on
/// its own, or called).
#[derive(Clone, Debug, Default)]
pub struct ProcessFacts {
    /// The data that reach each state: united from several explorations, or shared with
    /// its only context (`None`, or an empty BDD: unreachable). Indexed by state, as every
    /// check asks for every state: a lookup in the context's map by tuple was 0.7% of a
    /// run with rules.
    by_state: Vec<Option<Arc<Bdd>>>,
    /// The explorations of this process on its own (its own start, and each call context).
    pub contexts: Vec<Arc<Exploration>>,
    /// The transitions that fire from some reached data, by (state, index in the state),
    /// and how, read off the explorations; `None` where they cannot tell: the process also
    /// runs beside others in an `all` (whose explorations stop at the first failure, with
    /// data in its states that no step was taken from), or an exploration was cut short.
    pub fired: Option<BTreeSet<(StateId, usize, Firing)>>,
}

impl ProcessFacts {
    /// The data that reach `state`; `None` when no exploration reaches it.
    fn reach(&self, state: StateId) -> Option<&Bdd> {
        self.by_state.get(state.index()).and_then(Option::as_deref)
    }
}

/// An analysis, copied to be rebuilt on another thread: see [`Analysis::fork`].
pub struct Fork {
    explored: explore::Explored,
    facts: Arc<Vec<ProcessFacts>>,
    available: BTreeSet<EventId>,
    ran: BTreeSet<ActionId>,
    emitted: BTreeSet<EventId>,
    cut_short: bool,
    is_root: Vec<bool>,
    shared: semantics::Shared,
}

impl Fork {
    /// The analysis this fork was copied from, of `model`, with empty caches.
    pub fn analysis(self, model: &Model) -> Analysis<'_> {
        let sem = Semantics::sharing(model, self.shared);
        let nothing = sem.dom.vars().mk_false();
        let memo = Memo::merged(vec![self.explored]);
        Analysis {
            sem,
            available: self.available,
            ran: self.ran,
            emitted: self.emitted,
            cut_short: self.cut_short,
            facts: self.facts,
            memo,
            caches: Caches::default(),
            is_root: self.is_root,
            nothing,
        }
    }
}

/// Per process: its explorations on its own (not with others in an `all`), in the
/// explorations' order.
fn contexts(model: &Model, explorations: &[Arc<Exploration>]) -> Vec<Vec<Arc<Exploration>>> {
    let mut contexts: Vec<Vec<Arc<Exploration>>> = vec![Vec::new(); model.processes.len()];
    for exploration in explorations {
        if let [process] = exploration.components[..] {
            contexts[process.index()].push(Arc::clone(exploration));
        }
    }
    contexts
}

/// What is known of each process, from every exploration and the data reaching its states;
/// with `split`, on every core (each process's facts are its own: on 10,000 processes,
/// gathering what fired in 42,000 explorations one insertion at a time on one thread took
/// 56–77 ms).
fn facts(
    model: &Model,
    explorations: &[Arc<Exploration>],
    contexts: Vec<Vec<Arc<Exploration>>>,
    reach: Vec<Option<Vec<Bdd>>>,
    split: bool,
) -> Vec<ProcessFacts> {
    let mut beside_others = vec![false; contexts.len()];
    for exploration in explorations.iter().filter(|e| e.components.len() > 1) {
        for process in &exploration.components {
            beside_others[process.index()] = true;
        }
    }
    let per_process: Vec<_> = reach
        .into_iter()
        .zip(contexts)
        .zip(beside_others)
        .zip(&model.processes)
        .collect();
    let of_part = |part: Vec<_>| -> Vec<ProcessFacts> {
        part.into_iter()
            .map(|(((united, contexts), beside_others), process)| {
                process_facts(united, contexts, beside_others, process)
            })
            .collect()
    };
    if split {
        crate::parallel::map_owned_parts(per_process, of_part)
            .into_iter()
            .flatten()
            .collect()
    } else {
        of_part(per_process)
    }
}

/// The facts of one process, from the data reaching its states (`None`: read off its only
/// context), its contexts, and whether it also runs beside others in an `all`.
fn process_facts(
    united: Option<Vec<Bdd>>,
    contexts: Vec<Arc<Exploration>>,
    beside_others: bool,
    process: &crate::model::Process,
) -> ProcessFacts {
    let fired = (!beside_others && !contexts.iter().any(|c| c.cut_short)).then(|| {
        contexts
            .iter()
            .flat_map(|c| {
                c.fired
                    .iter()
                    .map(|(_, state, index, how)| (*state, *index, *how))
            })
            .collect()
    });
    let by_state = match united {
        Some(united) => united
            .into_iter()
            .map(|data| Some(Arc::new(data)))
            .collect(),
        None => {
            let only = contexts.first();
            process
                .state_ids()
                .map(|state| only?.reached.get(&[state][..]).map(Arc::clone))
                .collect()
        }
    };
    ProcessFacts {
        by_state,
        contexts,
        fired,
    }
}

/// The data a witness leads to, at one state. Every set it is asked about lies within the
/// data reaching that state.
#[derive(Clone, Copy)]
enum Bad<'a> {
    /// These data.
    Set(&'a Bdd),
    /// The data reaching the state outside these (D107's stuck customers: the data outside
    /// the state's exits), named so that they need not be built.
    Outside(&'a Bdd),
}

impl Bad<'_> {
    /// Whether some of `data` are bad.
    fn holds_some_of(self, data: &Bdd) -> bool {
        match self {
            Bad::Set(bad) => domain::intersects(data, bad),
            Bad::Outside(kept) => !domain::within(data, kept),
        }
    }

    /// `data` less the bad data.
    fn rest_of(self, data: &Bdd) -> Bdd {
        match self {
            Bad::Set(bad) => data.minus(bad),
            Bad::Outside(kept) => data.meet(kept),
        }
    }
}

/// The analysis of one policy.
pub struct Analysis<'m> {
    /// The semantics (and data domain) everything is computed with.
    pub sem: Semantics<'m>,
    /// Events that can arrive: external ones and internal ones some action emits.
    pub available: BTreeSet<EventId>,
    /// Actions that complete somewhere (transitions and triggers).
    pub ran: BTreeSet<ActionId>,
    /// Internal and external events emitted by some action that completes.
    pub emitted: BTreeSet<EventId>,
    /// Some budget was hit: the verdicts below are incomplete.
    pub cut_short: bool,
    /// Per process, by `ProcessId`; shared with forks.
    pub facts: Arc<Vec<ProcessFacts>>,
    memo: Memo,
    caches: Caches,
    is_root: Vec<bool>,
    /// The empty set, for states nothing reaches.
    nothing: Bdd,
}

/// What an analysis remembers between the checks' questions; a fork starts with none.
#[derive(Default)]
struct Caches {
    fires: PerTransition<Rc<Bdd>>,
    can_fire: PerTransition<bool>,
    movable: std::cell::RefCell<HashMap<(ProcessId, StateId), Rc<Bdd>>>,
    /// The exits of states with only `on`, `do`, `await` and handoffs, by their transitions'
    /// enabled sets (which the explorer shares between equal sets, and keeps): on
    /// corpus-r-1000, 7,104 of 13,208 such states repeat another's.
    exits: std::cell::RefCell<HashMap<Vec<usize>, KnownExits>>,
    call_outcomes: PerTransition<(bool, bool)>,
    channel_memo: channels::ChannelMemo,
    /// The moves between the reached states of the exploration a witness last walked back
    /// through (by its address: the analysis holds every exploration it walks), for the
    /// next: a check asks for the witnesses of one process's states in turn.
    last_moves: std::cell::RefCell<Option<(usize, Rc<[ReachedMove]>)>>,
}

/// The exits of a state, with the enabled sets whose addresses key them (held, so that
/// no other set takes an address while the key is kept).
type KnownExits = (Vec<Arc<Bdd>>, Rc<Bdd>);

/// A move between reached states of an exploration: (from, the move, where it leads).
type ReachedMove = (Tuple, Move, Tuple);

impl<'m> Analysis<'m> {
    /// Analyses `model`: explores every process that customers can start (and every internal
    /// process no one calls), with sub-processes explored in the contexts they are called in.
    pub fn new(model: &'m Model) -> Result<Analysis<'m>, domain::TooLarge> {
        let sem = Semantics::new(model)?;
        let external: BTreeSet<EventId> = (0..model.events.len())
            .map(|i| EventId(i as u32))
            .filter(|e| model.event(*e).external)
            .collect();
        let is_root = is_root(model);
        let roots = roots(&is_root);

        // Internal events can arrive once some action that runs emits them: explore until
        // the set of available events stops growing.
        let mut available = external.clone();
        let (memo, log, cut_short) = loop {
            let (memo, log) = explore_roots(&sem, &roots, &available);
            let next: BTreeSet<EventId> =
                external.iter().chain(log.emitted.iter()).copied().collect();
            if next == available {
                let cut_short = memo.cut_short.get() || log.cut_short;
                let explorations = memo.explorations();
                break ((memo, explorations), log, cut_short);
            }
            available = next;
        };

        let (memo, explorations) = memo;
        let contexts = contexts(model, &explorations);
        let reach = reach_of_every_state(&sem, &explorations, &contexts, &available, &roots);
        let split = roots.len() >= MIN_ROOTS_TO_SPLIT;
        let facts = Arc::new(facts(model, &explorations, contexts, reach, split));
        let nothing = sem.dom.vars().mk_false();
        Ok(Analysis {
            sem,
            available,
            ran: log.ran,
            emitted: log.emitted,
            cut_short,
            facts,
            memo,
            caches: Caches::default(),
            is_root,
            nothing,
        })
    }

    /// The model analysed.
    pub fn model(&self) -> &'m Model {
        self.sem.model()
    }

    /// Whether the policy is large enough that its checks are worth running on two threads
    /// (see [`Self::fork`]); it depends on the policy only.
    pub fn worth_splitting(&self) -> bool {
        self.is_root.iter().filter(|r| **r).count() >= MIN_ROOTS_TO_SPLIT
    }

    /// Frees the analysis on every core. Its explorations and what reaches each state are
    /// millions of small allocations: freeing them on one thread took a third of a second
    /// on 10,000 processes, as long as the checks' slowest few.
    pub fn dispose(self) {
        let Analysis { memo, facts, .. } = self;
        // Shared with a fork still alive: then only this reference goes.
        let facts = Arc::try_unwrap(facts).unwrap_or_default();
        crate::parallel::drop_all(facts);
        crate::parallel::drop_all(memo.into_runs());
    }

    /// What it takes to rebuild this analysis on another thread (see [`Fork::analysis`]),
    /// so that checks can run on two cores: its explorations and what it found of each process,
    /// shared; its caches, which later questions fill, are left behind.
    pub fn fork(&self) -> Fork {
        Fork {
            explored: self.memo.snapshot(),
            facts: Arc::clone(&self.facts),
            available: self.available.clone(),
            ran: self.ran.clone(),
            emitted: self.emitted.clone(),
            cut_short: self.cut_short,
            is_root: self.is_root.clone(),
            shared: self.sem.shared(),
        }
    }

    /// An explorer with this analysis's available events, sharing its memo of sub-process
    /// runs with every other query.
    pub fn explorer(&self) -> Explorer<'_, 'm> {
        Explorer::new(&self.sem, self.available.clone(), &self.memo)
    }

    /// The data that reach `state` of `process`.
    pub fn reach(&self, process: ProcessId, state: StateId) -> &Bdd {
        self.facts[process.index()]
            .reach(state)
            .unwrap_or(&self.nothing)
    }

    /// Whether some exploration was cut short: during the analysis, or while a check asked
    /// a question afterwards. Verdicts that something can never happen are then unreliable.
    pub fn was_cut_short(&self) -> bool {
        self.cut_short || self.memo.cut_short.get()
    }

    /// What channel views remember, shared by every check's view.
    pub(crate) fn channel_memo(&self) -> &channels::ChannelMemo {
        &self.caches.channel_memo
    }

    /// Whether a process runs on its own: customers can start it, or no process calls it.
    pub fn is_root(&self, process: ProcessId) -> bool {
        self.is_root.get(process.index()).copied().unwrap_or(false)
    }

    /// The reached states of `process`, in order.
    pub fn reached_states_of(
        &self,
        process: ProcessId,
    ) -> impl Iterator<Item = (ProcessId, StateId)> + '_ {
        self.model()
            .process(process)
            .state_ids()
            .filter(move |s| self.is_reached(process, *s))
            .map(move |s| (process, s))
    }

    /// Whether `state` of `process` is reached for some data.
    pub fn is_reached(&self, process: ProcessId, state: StateId) -> bool {
        self.facts[process.index()]
            .reach(state)
            .is_some_and(|data| !data.is_false())
    }

    /// The data reaching `state` from which its `index`-th transition can fire (for `call`
    /// and `all`: lead somewhere, success to the target or failure to `else`). A handoff
    /// never fires; a timeout always can.
    pub fn fires(
        &self,
        explorer: &Explorer<'_, 'm>,
        process: ProcessId,
        state: StateId,
        index: usize,
    ) -> Rc<Bdd> {
        cached(&self.caches.fires, (process, state, index), || {
            Rc::new(self.compute_fires(explorer, process, state, index))
        })
    }

    fn compute_fires(
        &self,
        explorer: &Explorer<'_, 'm>,
        process: ProcessId,
        state: StateId,
        index: usize,
    ) -> Bdd {
        let reach = self.reach(process, state);
        let t = &self.model().process(process).state(state).transitions[index].node;
        match t {
            Transition::On { .. } | Transition::Do { .. } | Transition::Await { .. } => explorer
                .enabled(t)
                .map_or_else(|| self.sem.dom.vars().mk_false(), |e| e.meet(reach)),
            Transition::After { .. } => reach.clone(),
            Transition::Call { otherwise, .. } | Transition::All { otherwise, .. } => {
                explorer.sub_can_end(&t.callees(), reach, otherwise.is_some())
            }
            Transition::Handoff { .. } => self.sem.dom.vars().mk_false(),
        }
    }

    /// Whether [`Self::fires`] is not empty, without building it where that can be avoided.
    pub fn can_fire(
        &self,
        explorer: &Explorer<'_, 'm>,
        process: ProcessId,
        state: StateId,
        index: usize,
    ) -> bool {
        let key = (process, state, index);
        if let Some(fires) = self.caches.fires.borrow().get(&key) {
            return !fires.is_false();
        }
        let t = &self.model().process(process).state(state).transitions[index].node;
        if let Some(fired) = &self.facts[process.index()].fired {
            // A call without `else` moves on only when its callees succeed.
            let has = |how| fired.contains(&(state, index, how));
            let has_else = matches!(
                t,
                Transition::Call {
                    otherwise: Some(_),
                    ..
                } | Transition::All {
                    otherwise: Some(_),
                    ..
                }
            );
            return has(Firing::Moved) || has_else && has(Firing::CalleesFailed);
        }
        cached(&self.caches.can_fire, key, || {
            let reach = self.reach(process, state);
            match t {
                Transition::On { .. } | Transition::Do { .. } | Transition::Await { .. } => {
                    explorer
                        .enabled(t)
                        .is_some_and(|e| domain::intersects(&e, reach))
                }
                Transition::After { .. } => !reach.is_false(),
                Transition::Handoff { .. } => false,
                Transition::Call { .. } | Transition::All { .. } => {
                    !self.fires(explorer, process, state, index).is_false()
                }
            }
        })
    }

    /// The data reaching `state` for which some transition of it can fire: where the
    /// customer can move on.
    pub fn movable(
        &self,
        explorer: &Explorer<'_, 'm>,
        process: ProcessId,
        state: StateId,
    ) -> Rc<Bdd> {
        cached(&self.caches.movable, (process, state), || {
            Rc::new(
                self.reach(process, state)
                    .meet(&self.exits(explorer, process, state)),
            )
        })
    }

    /// The data for which some transition of `state` can fire, wherever they come from:
    /// [`Self::movable`] is these data met with the reached data. Cheaper to build than
    /// `movable`, and enough to ask whether all reached data can move on.
    pub fn exits(
        &self,
        explorer: &Explorer<'_, 'm>,
        process: ProcessId,
        state: StateId,
    ) -> Rc<Bdd> {
        let transitions = &self.model().process(process).state(state).transitions;
        // A state with a call or a timeout: its exits are not kept.
        let only_steps = transitions.iter().all(|t| {
            matches!(
                t.node,
                Transition::On { .. }
                    | Transition::Do { .. }
                    | Transition::Await { .. }
                    | Transition::Handoff { .. }
            )
        });
        if !only_steps {
            return Rc::new(self.exits_of(explorer, transitions));
        }
        // The enabled sets of the steps (a handoff has none).
        let sets: Vec<Arc<Bdd>> = transitions
            .iter()
            .filter_map(|t| explorer.enabled(&t.node))
            .collect();
        let key: Vec<usize> = sets.iter().map(|set| Arc::as_ptr(set) as usize).collect();
        if let Some((_, known)) = self.caches.exits.borrow().get(&key) {
            return Rc::clone(known);
        }
        let exits = Rc::new(self.exits_of(explorer, transitions));
        self.caches
            .exits
            .borrow_mut()
            .insert(key, (sets, Rc::clone(&exits)));
        exits
    }

    /// [`Self::exits`] of a state with `transitions`, worked out: for steps alone, the
    /// union of their enabled sets.
    fn exits_of(
        &self,
        explorer: &Explorer<'_, 'm>,
        transitions: &[crate::source::Node<Transition>],
    ) -> Bdd {
        let mut exits = self.sem.dom.vars().mk_false();
        for t in transitions {
            match &t.node {
                Transition::On { .. } | Transition::Do { .. } | Transition::Await { .. } => {
                    if let Some(enabled) = explorer.enabled(&t.node) {
                        exits = exits.join(&enabled);
                    }
                }
                Transition::After { .. } => return self.sem.dom.vars().mk_true(),
                Transition::Handoff { .. } => {}
                Transition::Call { otherwise, .. } | Transition::All { otherwise, .. } => {
                    let callees = t.node.callees();
                    exits =
                        exits.join(&explorer.sub_can_end_anywhere(&callees, otherwise.is_some()));
                }
            }
        }
        exits
    }

    /// Whether some transition of `state` can fire for some data reaching it: `movable` is
    /// not empty, without building it.
    pub fn can_move(
        &self,
        explorer: &Explorer<'_, 'm>,
        process: ProcessId,
        state: StateId,
    ) -> bool {
        let count = self.model().process(process).state(state).transitions.len();
        (0..count).any(|t| self.can_fire(explorer, process, state, t))
    }

    /// For the `index`-th transition of `state`, a `call` or `all`: whether the sub-processes
    /// can succeed, and whether they can fail, from some data reaching the state.
    pub fn call_outcomes(
        &self,
        explorer: &Explorer<'_, 'm>,
        process: ProcessId,
        state: StateId,
        index: usize,
    ) -> (bool, bool) {
        if let Some(fired) = &self.facts[process.index()].fired {
            let has = |how| fired.contains(&(state, index, how));
            return (has(Firing::Moved), has(Firing::CalleesFailed));
        }
        cached(&self.caches.call_outcomes, (process, state, index), || {
            let callees = self.model().process(process).state(state).transitions[index]
                .node
                .callees();
            let reach = self.reach(process, state);
            if callees.is_empty() {
                return (false, false);
            }
            (
                !explorer.sub_can_end(&callees, reach, false).is_false(),
                !explorer.sub_can_fail(&callees, reach).is_false(),
            )
        })
    }

    /// The first valuation in both `set` and `other`, and its point: the valuation restricted
    /// to the field variables (parameters free). The meeting is walked, not built: a witness
    /// picks points of meetings with large reached sets at every step.
    pub fn pick_point(&self, set: &Bdd, other: &Bdd) -> Option<(BddValuation, Bdd)> {
        self.pick_bad_point(set, Bad::Set(other))
    }

    /// [`Self::pick_point`] of `set` and the data `bad` names at the state `set` is at.
    fn pick_bad_point(&self, set: &Bdd, bad: Bad<'_>) -> Option<(BddValuation, Bdd)> {
        let valuation = match bad {
            Bad::Set(bad) => apply::first_of_meeting(set, bad),
            Bad::Outside(kept) => apply::first_of_minus(set, kept),
        };
        valuation.map(|valuation| {
            let point = self.sem.dom.point(&valuation);
            (valuation, point)
        })
    }

    /// A minimal set of fields whose values in `valuation` alone put the data in `bad`,
    /// given that it is in `context`: each field is dropped in turn when the others suffice.
    pub fn explaining_fields(
        &self,
        valuation: &BddValuation,
        context: &Bdd,
        bad: &Bdd,
    ) -> Vec<FieldId> {
        self.fields_apart_from(valuation, &Bad::Set(bad).rest_of(context))
    }

    /// [`Self::explaining_fields`], given the rest of the context, `outside`.
    fn fields_apart_from(&self, valuation: &BddValuation, outside: &Bdd) -> Vec<FieldId> {
        let dom = &self.sem.dom;
        let all: Vec<FieldId> = (0..self.model().fields.len())
            .map(|f| FieldId(f as u32))
            .collect();
        // Per variable: the value the kept fields fix, if any.
        let mut fixed = vec![None; usize::from(dom.vars().num_vars())];
        for f in &all {
            for bit in &dom.field(*f).bits {
                fixed[bit.to_index()] = Some(valuation.value(*bit));
            }
        }
        let mut kept = all.clone();
        for field in all {
            let bits = &dom.field(field).bits;
            for bit in bits {
                fixed[bit.to_index()] = None;
            }
            if domain::meets(outside, &fixed) {
                for bit in bits {
                    fixed[bit.to_index()] = Some(valuation.value(*bit));
                }
            } else {
                kept.retain(|f| *f != field);
            }
        }
        kept
    }

    /// The fields a set of data constrains.
    pub fn support_fields(&self, sets: &[&Bdd]) -> Vec<FieldId> {
        let mut support = HashSet::default();
        for set in sets {
            support.extend(set.support_set());
        }
        (0..self.model().fields.len())
            .map(|f| FieldId(f as u32))
            .filter(|f| {
                self.sem
                    .dom
                    .field(*f)
                    .bits
                    .iter()
                    .any(|b| support.contains(b))
            })
            .collect()
    }

    /// Concrete values for a data finding: a point of `bad` (within `context`), its parameters
    /// of `frames` fixed, and only the fields needed to tell it from the rest of `context`.
    pub fn data_witness(
        &self,
        context: &Bdd,
        bad: &Bdd,
        frames: &[domain::Frame],
        path: Vec<Step>,
    ) -> Option<Witness> {
        let dom = &self.sem.dom;
        let valuation = bad.first_valuation()?;
        let mut params = Vec::new();
        let mut literals = Vec::new();
        for (action, depth) in frames {
            for (i, param) in self.model().action(*action).params.iter().enumerate() {
                let slot = dom.param(*action, i as u32, *depth);
                literals.extend(slot.bits.iter().map(|b| (*b, valuation.value(*b))));
                params.push(Binding {
                    name: param.name.node.to_string(),
                    value: dom.display(slot.kind, dom.read(&slot, &valuation)),
                });
            }
        }
        literals.sort_by_key(|(var, _)| *var);
        let fixed = apply::cube(dom.vars(), &literals);
        let fields = self.explaining_fields(&valuation, &context.meet(&fixed), &bad.meet(&fixed));
        let mut values: Vec<Binding> = dom
            .describe_fields(&valuation, &fields)
            .into_iter()
            .map(|(name, value)| Binding { name, value })
            .collect();
        values.extend(params);
        values.sort_by(|a, b| a.name.cmp(&b.name));
        Some(Witness { path, values })
    }

    /// A shortest path from the start of `process` (on its own, in any of its contexts) to
    /// data in `bad` at `state`, with the values of the fields that matter.
    pub fn witness(&self, process: ProcessId, state: StateId, bad: &Bdd) -> Option<Witness> {
        self.witness_of(process, state, Bad::Set(bad))
    }

    /// [`Self::witness`] of the data reaching `state` outside `kept`, without building them.
    pub fn witness_outside(
        &self,
        process: ProcessId,
        state: StateId,
        kept: &Bdd,
    ) -> Option<Witness> {
        self.witness_of(process, state, Bad::Outside(kept))
    }

    fn witness_of(&self, process: ProcessId, state: StateId, bad: Bad<'_>) -> Option<Witness> {
        let explorer = self.explorer();
        for context in &self.facts[process.index()].contexts {
            let tuple = vec![state];
            let Some(reached) = context.reached.get(&tuple) else {
                continue;
            };
            if !bad.holds_some_of(reached) {
                continue;
            }
            return self
                .trace_acyclic(&explorer, context, &tuple, bad)
                .or_else(|| self.trace(&explorer, context, &tuple, bad));
        }
        None
    }

    /// A path to data in `bad` at `tuple`, for a process whose states form no cycle, read
    /// off the reached sets backwards: from a point of `bad`, step to a predecessor state
    /// (the earliest in topological order) whose reached data lead to it, until the start.
    /// Its exploration keeps no breadth-first layers, and recomputing them costs far more
    /// than this walk. The path is not always the shortest. `None` when the process has a
    /// cycle, or the walk goes round among the data events change (then the layers decide).
    fn trace_acyclic(
        &self,
        explorer: &Explorer<'_, 'm>,
        exploration: &Exploration,
        tuple: &Tuple,
        bad: Bad<'_>,
    ) -> Option<Witness> {
        let [process] = exploration.components[..] else {
            return None;
        };
        if !exploration.layers.is_empty() {
            return None;
        }
        let order = explorer.topological_order(process)?;
        let start: Tuple = vec![self.model().process(process).start.node];
        let (end_valuation, mut point) =
            self.pick_bad_point(exploration.reached.get(tuple)?, bad)?;
        let moves = self.moves_between_reached(explorer, exploration, &order);
        let mut current = tuple.clone();
        let mut steps: Vec<Step> = Vec::new();
        // Every state once, plus room for the events that change data within a state.
        for _ in 0..order.len() * 4 + 16 {
            if current == start && domain::intersects(&point, &exploration.init) {
                return Some(self.finish_trace(
                    exploration,
                    &current,
                    steps,
                    &end_valuation,
                    tuple,
                    bad,
                ));
            }
            // A move from another state first; an event within this one last.
            let here = &current;
            let into = |within: bool| {
                moves
                    .iter()
                    .filter(move |(from, _, target)| target == here && (from == here) == within)
            };
            let found = into(false).chain(into(true)).find_map(|(from, mv, _)| {
                let data = exploration.reached.get(from)?;
                let (previous, step) =
                    self.step_back(explorer, exploration, from, *mv, data, &point)?;
                Some((from.clone(), previous, step))
            });
            let (from, previous, step) = found?;
            steps.push(step);
            current = from;
            point = previous;
        }
        None
    }

    /// Every move between the reached states of an acyclic `exploration`, once, real moves
    /// from states earlier in `order` first (in the exploration's order within a state).
    fn moves_between_reached(
        &self,
        explorer: &Explorer<'_, 'm>,
        exploration: &Exploration,
        order: &[StateId],
    ) -> Rc<[ReachedMove]> {
        let address = std::ptr::from_ref(exploration) as usize;
        if let Some((known, moves)) = &*self.caches.last_moves.borrow()
            && *known == address
        {
            return Rc::clone(moves);
        }
        let mut rank =
            vec![usize::MAX; self.model().process(exploration.components[0]).states.len()];
        for (position, state) in order.iter().enumerate() {
            rank[state.index()] = position;
        }
        let mut moves: Vec<ReachedMove> = exploration
            .reached
            .keys()
            .flat_map(|from| {
                explorer
                    .structural_moves(&exploration.components, from)
                    .into_iter()
                    .map(move |(mv, target)| (from.clone(), mv, target))
            })
            .collect();
        moves.sort_by_key(|(from, _, _)| rank[from[0].index()]);
        let moves: Rc<[ReachedMove]> = moves.into();
        *self.caches.last_moves.borrow_mut() = Some((address, Rc::clone(&moves)));
        moves
    }

    fn trace(
        &self,
        explorer: &Explorer<'_, 'm>,
        exploration: &Exploration,
        tuple: &Tuple,
        bad: Bad<'_>,
    ) -> Option<Witness> {
        let layers = explorer.layers(exploration);
        let layer = layers
            .iter()
            .position(|l| l.get(tuple).is_some_and(|d| bad.holds_some_of(d)))?;
        let (end_valuation, mut point) = self.pick_bad_point(&layers[layer][tuple], bad)?;
        let mut current = tuple.clone();
        let mut steps: Vec<Step> = Vec::new();
        for depth in (0..layer).rev() {
            let mut found = None;
            'search: for (from, data) in &layers[depth] {
                for (mv, target) in explorer.structural_moves(&exploration.components, from) {
                    if target != current {
                        continue;
                    }
                    if let Some((previous, step)) =
                        self.step_back(explorer, exploration, from, mv, data, &point)
                    {
                        found = Some((from.clone(), previous, step));
                        break 'search;
                    }
                }
            }
            let (from, previous, step) = found?;
            steps.push(step);
            current = from;
            point = previous;
        }
        Some(self.finish_trace(exploration, &current, steps, &end_valuation, tuple, bad))
    }

    /// A witness from the steps after the start (collected from the end backwards): the
    /// start step first, and the values of the fields that matter at the end.
    fn finish_trace(
        &self,
        exploration: &Exploration,
        current: &Tuple,
        mut steps: Vec<Step>,
        end_valuation: &BddValuation,
        tuple: &Tuple,
        bad: Bad<'_>,
    ) -> Witness {
        let model = self.model();
        let dom = &self.sem.dom;
        let components = &exploration.components;
        let start_names: Vec<String> = components
            .iter()
            .zip(current)
            .map(|(p, s)| format!("`{}`", model.process(*p).state(*s).name))
            .collect();
        steps.push(Step {
            kind: StepKind::Start,
            text: format!(
                "start `{}` in {}",
                components
                    .iter()
                    .map(|p| model.process(*p).name.node.as_str())
                    .collect::<Vec<_>>()
                    .join("`, `"),
                start_names.join(", ")
            ),
            span: Some(model.process(components[0]).start.span),
        });
        steps.reverse();
        let fields =
            self.fields_apart_from(end_valuation, &bad.rest_of(&exploration.reached[tuple]));
        let values = dom
            .describe_fields(end_valuation, &fields)
            .into_iter()
            .map(|(name, value)| Binding { name, value })
            .collect();
        Witness {
            path: steps,
            values,
        }
    }

    /// A point of `data` in `from` from which `mv` leads to `point`, and the move in words.
    fn step_back(
        &self,
        explorer: &Explorer<'_, 'm>,
        exploration: &Exploration,
        from: &Tuple,
        mv: Move,
        data: &Bdd,
        point: &Bdd,
    ) -> Option<(Bdd, Step)> {
        let (pre, how) = explorer.pre_and_how(exploration, from, mv, point);
        let (_, previous) = self.pick_point(&pre, data)?;
        let step = self.describe_move(explorer, exploration, from, mv, &previous, how.as_ref());
        Some((previous, step))
    }

    /// A move in words, with the parameters and channel that take it from `before`; for `on`
    /// and `do`, `how` holds the data and parameters from which it completes where it
    /// leads (see [`Explorer::pre_and_how`]).
    fn describe_move(
        &self,
        explorer: &Explorer<'_, 'm>,
        exploration: &Exploration,
        from: &Tuple,
        mv: Move,
        before: &Bdd,
        how: Option<&Bdd>,
    ) -> Step {
        let model = self.model();
        let sem = &self.sem;
        let (component, transition, failure) = match mv {
            Move::Event(event) => {
                return Step {
                    kind: StepKind::Event,
                    text: format!("event `{}` arrives", model.event(event).name),
                    span: None,
                };
            }
            Move::Transition {
                component,
                transition,
                failure,
            } => (component, transition, failure),
        };
        let process = model.process(exploration.components[component]);
        let t = &process.state(from[component]).transitions[transition];
        let target_name = |s: StateId| format!("`{}`", process.state(s).name);
        let targets = t.node.targets();
        let to = if failure {
            targets.get(1)
        } else {
            targets.first()
        };
        let to = to.map(|s| target_name(*s)).unwrap_or_default();
        // For `on` and `do`: the data and parameters the step is taken with. `before` is a
        // point; within `how` (as for an action without parameters), it is their meeting.
        let reaching = || {
            how.map_or_else(
                || sem.dom.vars().mk_false(),
                |h| {
                    if domain::within(before, h) {
                        before.clone()
                    } else {
                        before.meet(h)
                    }
                },
            )
        };
        let (kind, text) = match &t.node {
            Transition::On { action, .. } => {
                let a = action.node;
                let reaching = reaching();
                let channel = explorer.channels(&t.node).into_iter().find(|c| {
                    domain::intersects(&reaching, &sem.completes(a, Performer::Channel(*c), 0))
                });
                let chosen = || {
                    channel.map_or_else(
                        || reaching.clone(),
                        |c| reaching.meet(&sem.completes(a, Performer::Channel(c), 0)),
                    )
                };
                let via = channel
                    .map(|c| format!(" via `{}`", model.channel(c).name))
                    .unwrap_or_default();
                (
                    StepKind::Perform,
                    format!("{}{via} -> {to}", self.call_text(a, chosen)),
                )
            }
            Transition::Do { action, .. } => {
                let a = action.node;
                (
                    StepKind::System,
                    format!("the system does {} -> {to}", self.call_text(a, reaching)),
                )
            }
            Transition::Await { event, .. } => (
                StepKind::Event,
                format!("`{}` arrives -> {to}", model.event(event.node).name),
            ),
            Transition::After { duration, .. } => (
                StepKind::Timeout,
                format!("after {} -> {to}", duration.node),
            ),
            Transition::Call {
                process: callee, ..
            } => (
                StepKind::Call,
                format!(
                    "`{}` {} -> {to}",
                    model.process(callee.node).name,
                    if failure { "fails" } else { "succeeds" }
                ),
            ),
            Transition::All { processes, .. } => (
                StepKind::Call,
                format!(
                    "all of {} {} -> {to}",
                    processes
                        .iter()
                        .map(|p| format!("`{}`", model.process(p.node).name))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if failure { "fail" } else { "succeed" }
                ),
            ),
            Transition::Handoff { .. } => (StepKind::Handoff, String::new()),
        };
        Step {
            kind,
            text,
            span: Some(t.span),
        }
    }

    /// `action(p = v, ...)` with parameter values from some valuation of what `set` gives,
    /// asked for only when the action has parameters.
    fn call_text(&self, action: ActionId, set: impl FnOnce() -> Bdd) -> String {
        let model = self.model();
        let params = &model.action(action).params;
        if params.is_empty() {
            return format!("`{}`", model.action(action).name);
        }
        let Some(valuation) = set().first_valuation() else {
            return format!("`{}`", model.action(action).name);
        };
        let values: Vec<String> = params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let slot = self.sem.dom.param(action, i as u32, 0);
                format!(
                    "{} = {}",
                    p.name,
                    self.sem
                        .dom
                        .display(slot.kind, self.sem.dom.read(&slot, &valuation))
                )
            })
            .collect();
        format!("`{}({})`", model.action(action).name, values.join(", "))
    }
}

/// Per process, the data that reach each of its states: the union of what reaches it in
/// every context its process runs in; `None` for a process explored in one context at most
/// (and never beside others), whose data are read off that context.
///
/// A process called from many places (a sub-process) has one exploration per distinct
/// caller data, often hundreds, and uniting them state by state costs a BDD operation per
/// context and state. Exploring it once more, from the union of its contexts' starting data,
/// reaches the same sets, since every step's image distributes over union; the union of
/// the starts is the only wide union left. That run has a memo of its own (its explorations
/// are no one's context), and if a budget cuts it short, the state-by-state union decides.
fn reach_of_every_state(
    sem: &Semantics<'_>,
    explorations: &[Arc<Exploration>],
    contexts: &[Vec<Arc<Exploration>>],
    available: &BTreeSet<EventId>,
    roots: &[ProcessId],
) -> Vec<Option<Vec<Bdd>>> {
    let model = sem.model();
    // What reaches each state from explorations of several processes together (`all`);
    // in the explorations' stable order.
    let mut together: Vec<Vec<Vec<&Bdd>>> = model
        .processes
        .iter()
        .map(|p| vec![Vec::new(); p.states.len()])
        .collect();
    for exploration in explorations.iter().filter(|e| e.components.len() > 1) {
        for (tuple, data) in &exploration.reached {
            for (process, state) in exploration.components.iter().zip(tuple) {
                together[process.index()][state.index()].push(&**data);
            }
        }
    }
    let called_often: Vec<ProcessId> = (0..model.processes.len())
        .filter(|p| contexts[*p].len() > 1)
        .map(|p| ProcessId(p as u32))
        .collect();
    let rerun = |sem: &Semantics<'_>, part: &[ProcessId]| -> Vec<(ProcessId, Arc<Exploration>)> {
        let memo = Memo::default();
        let explorer = Explorer::new(sem, available.clone(), &memo);
        part.iter()
            .filter_map(|process| {
                let starts: Vec<&Bdd> =
                    contexts[process.index()].iter().map(|c| &*c.init).collect();
                let init = domain::union_all(&starts)?;
                let run = explorer.explore(&[*process], &init);
                (!run.cut_short && !memo.cut_short.get()).then_some((*process, run))
            })
            .collect()
    };
    let split = roots.len() >= MIN_ROOTS_TO_SPLIT;
    let mut per_process: Vec<(ProcessId, Option<Arc<Exploration>>)> = (0..model.processes.len())
        .map(|p| (ProcessId(p as u32), None))
        .collect();
    for (process, run) in in_parts(sem, &called_often, split, rerun)
        .into_iter()
        .flatten()
    {
        per_process[process.index()].1 = Some(run);
    }
    let empty = sem.dom.vars().mk_false();
    crate::parallel::map(&per_process, |(process, rerun)| {
        let states = model.process(*process).states.len();
        let beside_others = together[process.index()].iter().any(|s| !s.is_empty());
        if rerun.is_none() && contexts[process.index()].len() <= 1 && !beside_others {
            return None; // read off its only context, if any
        }
        // One exploration per context, or the re-run from all their starts together.
        let single: Vec<&Exploration> = match rerun {
            Some(run) => vec![&**run],
            None => contexts[process.index()].iter().map(|c| &**c).collect(),
        };
        (0..states)
            .map(|state| {
                let tuple = vec![StateId(state as u32)];
                let arriving: Vec<&Bdd> = single
                    .iter()
                    .filter_map(|e| e.reached.get(&tuple).map(|data| &**data))
                    .chain(together[process.index()][state].iter().copied())
                    .collect();
                domain::union_all(&arriving).unwrap_or_else(|| empty.clone())
            })
            .collect::<Vec<Bdd>>()
            .into()
    })
}

/// How many parts the roots are explored in, each with a memo of its own, on as many cores
/// as there are. It is fixed, not the number of cores, so that the results (which budgets
/// are hit where) never depend on the machine; a later part re-explores the sub-process runs
/// an earlier part had already made (224 of 5,024 on the 1,000-process corpus).
const ROOT_PARTS: usize = 2;

/// Below this many roots, they are explored in one part, on the calling thread, with the
/// analysis's own semantics: a part's `Semantics` and thread cost more than they save.
const MIN_ROOTS_TO_SPLIT: usize = 64;

/// Explores every root in `available` events: the roots are split into [`ROOT_PARTS`]
/// parts, explored in parallel, and the parts' memos merged as if they had been explored one
/// after the other. Both the split and the threshold depend on the policy only.
fn explore_roots(
    sem: &Semantics<'_>,
    roots: &[ProcessId],
    available: &BTreeSet<EventId>,
) -> (Memo, semantics::Log) {
    if roots.len() < MIN_ROOTS_TO_SPLIT {
        return explore_part(sem, roots, available);
    }
    let explored = in_parts(sem, roots, true, |part_sem, part| {
        let (memo, log) = explore_part(part_sem, part, available);
        (memo.into_explored(), log)
    });
    let mut log = semantics::Log::default();
    let mut memos = Vec::with_capacity(explored.len());
    for (memo, part_log) in explored {
        log.ran.extend(part_log.ran);
        log.emitted.extend(part_log.emitted);
        log.cut_short |= part_log.cut_short;
        memos.push(memo);
    }
    (Memo::merged(memos), log)
}

/// With `split`, `work` on each of [`ROOT_PARTS`] parts of `processes`, in parallel, each
/// with a `Semantics` of its own that shares what `sem` worked out once ([`semantics::Shared`]);
/// the results in part order.
/// Without, `work` on all of them at once, on this thread, with `sem`.
fn in_parts<R: Send>(
    sem: &Semantics<'_>,
    processes: &[ProcessId],
    split: bool,
    work: impl Fn(&Semantics<'_>, &[ProcessId]) -> R + Sync,
) -> Vec<R> {
    if !split {
        return vec![work(sem, processes)];
    }
    let model = sem.model();
    let parts = balanced_parts(model, processes);
    let shared = sem.shared();
    crate::parallel::map(&parts, |part| {
        work(&Semantics::sharing(model, shared.clone()), part)
    })
}

/// `processes` cut into [`ROOT_PARTS`] contiguous runs of about the same size, by their
/// transitions: the work of exploring a process grows with them, and on a corpus of
/// processes of 10 to 40 states, halves by count kept one thread 7% longer at work than
/// the other (3% by size).
fn balanced_parts<'p>(model: &Model, processes: &'p [ProcessId]) -> Vec<&'p [ProcessId]> {
    let sizes: Vec<usize> = processes.iter().map(|p| process_size(model, *p)).collect();
    let total: usize = sizes.iter().sum();
    let mut parts = Vec::with_capacity(ROOT_PARTS);
    let (mut start, mut done) = (0, 0);
    for (i, size) in sizes.iter().enumerate() {
        done += size;
        if parts.len() + 1 < ROOT_PARTS && done * ROOT_PARTS >= total * (parts.len() + 1) {
            parts.push(&processes[start..=i]);
            start = i + 1;
        }
    }
    parts.push(&processes[start..]);
    parts.retain(|part| !part.is_empty());
    parts
}

/// How much exploring `process` takes, roughly: one more than its transitions.
fn process_size(model: &Model, process: ProcessId) -> usize {
    1 + model
        .process(process)
        .states
        .iter()
        .map(|s| s.transitions.len())
        .sum::<usize>()
}

/// Explores `roots` one after the other with one memo, and what they ran (`sem`'s log).
fn explore_part(
    sem: &Semantics<'_>,
    roots: &[ProcessId],
    available: &BTreeSet<EventId>,
) -> (Memo, semantics::Log) {
    sem.take_log();
    let memo = Memo::default();
    let explorer = Explorer::new(sem, available.clone(), &memo);
    for root in roots {
        explorer.explore(&[*root], &own_start(sem, *root));
    }
    drop(explorer);
    (memo, sem.take_log())
}

/// The processes [`is_root`] says are explored on their own, in order.
fn roots(is_root: &[bool]) -> Vec<ProcessId> {
    (0..is_root.len())
        .filter(|i| is_root[*i])
        .map(|i| ProcessId(i as u32))
        .collect()
}

/// Per process: whether it is explored on its own, from its own start: customers can start
/// it (`entry`), or no process calls it.
fn is_root(model: &Model) -> Vec<bool> {
    let called = model.called();
    (0..model.processes.len())
        .map(|i| {
            let id = ProcessId(i as u32);
            !model.process(id).entry.is_empty() || !called.contains(&id)
        })
        .collect()
}

/// The data a process starts from on its own: valid, invariants, its `requires`, projected
/// onto the fields it can read or write (its cone of influence). Fields outside the cone are
/// never read or written while it runs, so dropping them changes no verdict and keeps the
/// sets small.
pub fn own_start(sem: &Semantics<'_>, process: ProcessId) -> Bdd {
    let full = sem.allowed.meet(&process_requires(sem, process));
    let cone = cone_of_influence(sem.model(), sem.influence(), process);
    let outside: Vec<biodivine_lib_bdd::BddVariable> = (0..sem.model().fields.len())
        .filter(|f| !cone.contains(&FieldId(*f as u32)))
        .flat_map(|f| sem.dom.field(FieldId(f as u32)).bits.iter().copied())
        .collect();
    domain::forget(&full, &outside)
}

/// The fields a process can read or write while it runs, or asserts about: in its conditions
/// and `never` assertions, in the actions it performs or that cascade from them (triggers,
/// events, and the triggers of events that may arrive at any time), in its sub-processes, and
/// in the invariants those actions can break.
pub fn cone_of_influence(
    model: &Model,
    influence: &Influence,
    process: ProcessId,
) -> BTreeSet<FieldId> {
    let mut cone = influence.events.clone();
    let mut performed = vec![false; model.actions.len()];
    let mut processes = vec![process];
    let mut seen = BTreeSet::new();
    while let Some(p) = processes.pop() {
        if !seen.insert(p) {
            continue;
        }
        let def = model.process(p);
        def.requires
            .iter()
            .for_each(|r| cond_fields(r, &mut cone.touched));
        // R307 asks whether a `never` condition holds in reached data: keep its fields.
        for never in &def.nevers {
            if let crate::model::Never::Cond(c) = &never.node {
                cond_fields(c, &mut cone.touched);
            }
        }
        for state in &def.states {
            for t in &state.transitions {
                if let Some(g) = t.node.guard() {
                    cond_fields(g, &mut cone.touched);
                }
                match &t.node {
                    Transition::On { action, .. } | Transition::Do { action, .. } => {
                        performed[action.node.index()] = true;
                    }
                    Transition::Call { .. } | Transition::All { .. } => {
                        processes.extend(t.node.callees())
                    }
                    _ => {}
                }
            }
        }
    }
    for (reach, _) in influence.actions.iter().zip(performed).filter(|(_, p)| *p) {
        cone.extend(reach);
    }
    for invariant in &influence.invariants {
        if invariant.iter().any(|f| cone.written[f.index()]) {
            invariant
                .iter()
                .for_each(|f| cone.touched[f.index()] = true);
        }
    }
    (0..model.fields.len())
        .filter(|f| cone.touched[*f])
        .map(|f| FieldId(f as u32))
        .collect()
}

/// What running each action can touch, its cascade included, and what events set off:
/// worked out once per policy for every process's cone of influence (gathering it again
/// for each process, in sets of fields, took 13–20 ms on corpus-r-1000).
#[derive(Debug)]
pub struct Influence {
    /// Per action: what it and the actions its cascade runs touch.
    actions: Vec<Touched>,
    /// What the triggers on events touch, with the actions they run and their cascades:
    /// events may arrive in any state.
    events: Touched,
    /// The fields each invariant reads.
    invariants: Vec<Vec<FieldId>>,
}

/// Per field: whether it is read or written (`touched`), and whether it is written.
#[derive(Clone, Debug)]
struct Touched {
    touched: Vec<bool>,
    written: Vec<bool>,
}

impl Touched {
    fn none(model: &Model) -> Touched {
        Touched {
            touched: vec![false; model.fields.len()],
            written: vec![false; model.fields.len()],
        }
    }

    fn extend(&mut self, other: &Touched) {
        let or = |into: &mut [bool], from: &[bool]| {
            into.iter_mut().zip(from).for_each(|(a, b)| *a |= *b);
        };
        or(&mut self.touched, &other.touched);
        or(&mut self.written, &other.written);
    }
}

impl Influence {
    /// The influence of every action, event and invariant of `model`.
    pub fn of(model: &Model) -> Influence {
        use crate::model::{RuleKind, TriggerSource};
        // What one action touches on its own, and the conditions of the triggers it sets
        // off directly or through the events it emits.
        let direct: Vec<Touched> = (0..model.actions.len())
            .map(|a| {
                let action = model.action(ActionId(a as u32));
                let mut own = Touched::none(model);
                action
                    .requires
                    .iter()
                    .for_each(|r| cond_fields(r, &mut own.touched));
                for effect in &action.effects {
                    own.touched[effect.field.node.index()] = true;
                    own.written[effect.field.node.index()] = true;
                    term_field(&effect.value.node, &mut own.touched);
                }
                for r in &model.index.forbids_by_action[a] {
                    if let RuleKind::Forbid { when: Some(w), .. } = &model.rule(*r).kind.node {
                        cond_fields(w, &mut own.touched);
                    }
                }
                let set_off = model.index.triggers_by_action[a].iter().chain(
                    action
                        .emits
                        .iter()
                        .flat_map(|e| &model.index.triggers_by_event[e.node.index()]),
                );
                for r in set_off {
                    if let RuleKind::Trigger { when: Some(w), .. } = &model.rule(*r).kind.node {
                        cond_fields(w, &mut own.touched);
                    }
                }
                own
            })
            .collect();
        // With the cascade: the union over every action it can run.
        let actions: Vec<Touched> = (0..model.actions.len())
            .map(|a| {
                let mut reach = Touched::none(model);
                let from = TriggerSource::Action(ActionId(a as u32));
                for source in cascade::reachable_sources(model, from) {
                    if let TriggerSource::Action(runs) = source {
                        reach.extend(&direct[runs.index()]);
                    }
                }
                reach
            })
            .collect();
        let mut events = Touched::none(model);
        for rule in &model.rules {
            if let RuleKind::Trigger { on, when, then } = &rule.kind.node
                && matches!(on.node, TriggerSource::Event(_))
            {
                events.extend(&actions[then.node.index()]);
                if let Some(w) = when {
                    cond_fields(w, &mut events.touched);
                }
            }
        }
        let invariants = model
            .index
            .invariants
            .iter()
            .filter_map(|r| match &model.rule(*r).kind.node {
                RuleKind::Invariant(c) => {
                    let mut read = vec![false; model.fields.len()];
                    cond_fields(c, &mut read);
                    Some(
                        (0..model.fields.len())
                            .filter(|f| read[*f])
                            .map(|f| FieldId(f as u32))
                            .collect(),
                    )
                }
                _ => None,
            })
            .collect();
        Influence {
            actions,
            events,
            invariants,
        }
    }
}

/// Marks the fields `cond` reads.
fn cond_fields(cond: &crate::model::Cond, out: &mut [bool]) {
    cond.terms(&mut |t| term_field(t, out));
}

/// Marks the field `term` reads, if any.
fn term_field(term: &crate::model::Term, out: &mut [bool]) {
    if let crate::model::Term::Field(f) = term {
        out[f.index()] = true;
    }
}

/// The value memoised under `key`, computing and storing it the first time. The map is not
/// borrowed while `compute` runs, so computations may ask other memoised questions.
pub(crate) fn cached<K: Eq + std::hash::Hash, V: Clone>(
    map: &std::cell::RefCell<HashMap<K, V>>,
    key: K,
    compute: impl FnOnce() -> V,
) -> V {
    if let Some(known) = map.borrow().get(&key) {
        return known.clone();
    }
    let value = compute();
    map.borrow_mut().insert(key, value.clone());
    value
}

/// A process's `requires`, all together.
pub fn process_requires(sem: &Semantics<'_>, process: ProcessId) -> Bdd {
    sem.model()
        .process(process)
        .requires
        .iter()
        .fold(sem.dom.vars().mk_true(), |acc, r| {
            acc.meet(&sem.dom.cond(r, &[]))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{self, Input};

    /// 80 processes customers can start, each calling one of three shared sub-processes from
    /// data of its own (`requires c.n == i % 10`): both halves of the roots explore some of
    /// the same sub-process runs.
    fn many_roots() -> String {
        let mut text = String::from(
            "policy many\nentity c {\n  n: int 0..9\n  f: bool\n}\n\
             channel web { can go }\naction go\naction mark { set c.f = true }\n",
        );
        for s in 0..3 {
            text.push_str(&format!(
                "process sub{s} {{\n  start a\n  state a {{\n    do mark when c.n > {s} -> done\n    after 1h -> failed\n  }}\n  final done\n  final failed failure\n}}\n"
            ));
        }
        for i in 0..80 {
            text.push_str(&format!(
                "process p{i} {{\n  entry web\n  requires c.n == {}\n  start s\n  state s {{\n    call sub{} -> t else -> x\n  }}\n  state t {{\n    on go -> done\n  }}\n  final done\n  final x failure\n}}\n",
                i % 10,
                i % 3
            ));
        }
        text
    }

    #[test]
    fn exploring_the_roots_in_parts_leaves_what_one_memo_would() {
        let report = lint::check(vec![Input {
            name: "many.omni".into(),
            contents: many_roots().into_bytes(),
        }]);
        let model = report.policies[0].model.as_ref().expect("the policy reads");
        let sem = Semantics::new(model).unwrap();
        let is_root = is_root(model);
        let roots = roots(&is_root);
        assert_eq!(roots.len(), 80);
        assert!(roots.len() >= MIN_ROOTS_TO_SPLIT, "the split path runs");
        let available = BTreeSet::new();

        let (whole, whole_log) = explore_part(&sem, &roots, &available);
        let (split, split_log) = explore_roots(&sem, &roots, &available);

        let (whole, split) = (whole.explorations(), split.explorations());
        assert!(whole.len() > roots.len(), "sub-processes were explored too");
        assert_eq!(whole.len(), split.len());
        for (a, b) in whole.iter().zip(&split) {
            assert_eq!(a.components, b.components);
            assert_eq!(a.serial, b.serial, "{:?}", a.components);
            assert!(
                a.init == b.init && a.reached == b.reached,
                "{:?}",
                a.components
            );
            assert_eq!(
                (a.cut_short, a.success() == b.success()),
                (b.cut_short, true)
            );
        }
        assert_eq!(whole_log.ran, split_log.ran);
        assert_eq!(whole_log.emitted, split_log.emitted);
        assert_eq!(whole_log.cut_short, split_log.cut_short);
    }

    #[test]
    fn roots_are_cut_into_parts_of_about_the_same_size() {
        // Two processes of 12 transitions, then eight of 1.
        let mut text = String::from("policy sizes\nchannel web { can go }\naction go\n");
        for i in 0..10 {
            let states = if i < 2 { 12 } else { 1 };
            text.push_str(&format!("process p{i} {{\n  entry web\n  start s0\n"));
            for s in 0..states {
                text.push_str(&format!("  state s{s} {{ on go -> s{} }}\n", s + 1));
            }
            text.push_str(&format!("  final s{states}\n}}\n"));
        }
        let report = lint::check(vec![Input {
            name: "sizes.omni".into(),
            contents: text.into_bytes(),
        }]);
        let model = report.policies[0].model.as_ref().expect("the policy reads");
        let processes: Vec<ProcessId> = (0..10).map(ProcessId).collect();
        let parts = balanced_parts(model, &processes);
        assert_eq!(
            parts.concat(),
            processes,
            "contiguous, in order, every process once"
        );
        let size =
            |part: &[ProcessId]| -> usize { part.iter().map(|p| process_size(model, *p)).sum() };
        let sizes: Vec<usize> = parts.iter().map(|part| size(part)).collect();
        // Cut by count, the first half would hold 32 of 42; by size, the cut comes after the
        // second large process.
        assert_eq!(sizes, vec![26, 16]);
        // Fewer processes than parts, and none.
        assert_eq!(
            balanced_parts(model, &processes[..1]),
            vec![&processes[..1]]
        );
        assert!(balanced_parts(model, &[]).is_empty());
    }

    /// `many_roots`, and a process run beside another in an `all`: `a` sets `c.f` on its
    /// way to failure, which ends the `all` with `b` still in `s`, now with `c.f` true.
    fn with_all() -> String {
        many_roots()
            + "process a {\n  start s\n  state s {\n    do mark -> failed\n  }\n  final failed failure\n}\n\
               process b {\n  start s\n  state s {\n    do go when c.f -> done\n  }\n  final done\n}\n\
               process both {\n  entry web\n  requires not c.f\n  start s\n  state s {\n    all a, b -> done else -> x\n  }\n  final done\n  final x failure\n}\n"
    }

    fn model_of(text: String) -> Model {
        let report = lint::check(vec![Input {
            name: "policy.omni".into(),
            contents: text.into_bytes(),
        }]);
        assert!(
            report
                .diagnostics
                .iter()
                .all(|d| d.code().starts_with(['D', 'C', 'R']))
        );
        report.policies[0].model.clone().expect("the policy reads")
    }

    /// The cone of influence as first written: everything the process can run, followed
    /// rule by rule from the process itself, with sets of fields.
    fn reference_cone(model: &Model, process: ProcessId) -> BTreeSet<FieldId> {
        use crate::model::{Cond, Never, RuleKind, Term, TriggerSource};
        fn read(cond: &Cond, into: &mut BTreeSet<FieldId>) {
            cond.terms(&mut |t| {
                if let Term::Field(f) = t {
                    into.insert(*f);
                }
            });
        }
        let (mut fields, mut actions, mut written) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let (mut processes, mut seen) = (vec![process], BTreeSet::new());
        while let Some(p) = processes.pop() {
            if !seen.insert(p) {
                continue;
            }
            let def = model.process(p);
            def.requires.iter().for_each(|r| read(r, &mut fields));
            for never in &def.nevers {
                if let Never::Cond(c) = &never.node {
                    read(c, &mut fields);
                }
            }
            for t in def.states.iter().flat_map(|s| &s.transitions) {
                t.node
                    .guard()
                    .into_iter()
                    .for_each(|g| read(g, &mut fields));
                match &t.node {
                    Transition::On { action, .. } | Transition::Do { action, .. } => {
                        actions.insert(action.node);
                    }
                    _ => processes.extend(t.node.callees()),
                }
            }
        }
        fn trigger(
            rule: &crate::model::Rule,
        ) -> Option<(TriggerSource, Option<&crate::source::Node<Cond>>, ActionId)> {
            match &rule.kind.node {
                RuleKind::Trigger { on, when, then } => Some((on.node, when.as_ref(), then.node)),
                _ => None,
            }
        }
        for (on, when, then) in model.rules.iter().filter_map(trigger) {
            if matches!(on, TriggerSource::Event(_)) {
                actions.insert(then);
                when.into_iter().for_each(|w| read(w, &mut fields));
            }
        }
        let mut work: Vec<ActionId> = actions.iter().copied().collect();
        while let Some(a) = work.pop() {
            let events = model
                .action(a)
                .emits
                .iter()
                .map(|e| TriggerSource::Event(e.node));
            let sources: Vec<TriggerSource> = std::iter::once(TriggerSource::Action(a))
                .chain(events)
                .collect();
            for (on, when, then) in model.rules.iter().filter_map(trigger) {
                if sources.contains(&on) {
                    when.into_iter().for_each(|w| read(w, &mut fields));
                    if actions.insert(then) {
                        work.push(then);
                    }
                }
            }
        }
        for a in &actions {
            let action = model.action(*a);
            action.requires.iter().for_each(|r| read(r, &mut fields));
            for effect in &action.effects {
                fields.insert(effect.field.node);
                written.insert(effect.field.node);
                if let Term::Field(f) = &effect.value.node {
                    fields.insert(*f);
                }
            }
            for rule in &model.rules {
                if let RuleKind::Forbid {
                    action: forbidden,
                    when: Some(w),
                    ..
                } = &rule.kind.node
                    && forbidden.node == *a
                {
                    read(w, &mut fields);
                }
            }
        }
        for rule in &model.rules {
            if let RuleKind::Invariant(c) = &rule.kind.node {
                let mut inv = BTreeSet::new();
                read(c, &mut inv);
                if !inv.is_disjoint(&written) {
                    fields.extend(inv);
                }
            }
        }
        fields
    }

    #[test]
    fn the_cone_of_influence_is_what_following_every_rule_finds() {
        let mut models = vec![model_of(with_all())];
        for dir in ["policies/telecom", "policies/bank", "policies/insurer"] {
            let mut inputs: Vec<Input> = std::fs::read_dir(dir)
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.extension().is_some_and(|e| e == "omni"))
                .map(|path| Input {
                    name: path.display().to_string(),
                    contents: std::fs::read(&path).unwrap(),
                })
                .collect();
            inputs.sort_by(|a, b| a.name.cmp(&b.name));
            let report = lint::check(inputs);
            models.extend(report.policies.into_iter().filter_map(|p| p.model));
        }
        let mut compared = 0;
        for model in &models {
            let influence = Influence::of(model);
            for p in 0..model.processes.len() {
                let process = ProcessId(p as u32);
                let cone = cone_of_influence(model, &influence, process);
                assert_eq!(
                    cone,
                    reference_cone(model, process),
                    "{}",
                    model.process(process).name
                );
                compared += usize::from(!cone.is_empty());
            }
        }
        assert!(compared > 20, "{compared} processes with a cone");
    }

    #[test]
    fn equal_sets_the_explorations_reach_are_one_allocation() {
        // One part's runs (the roots of a large policy are explored in parts, each with a
        // memo of its own).
        let model = model_of(with_all());
        let sem = Semantics::new(&model).unwrap();
        let is_root = is_root(&model);
        let roots = roots(&is_root);
        let (memo, _) = explore_part(&sem, &roots, &BTreeSet::new());
        let explorations = memo.explorations();
        let sets: Vec<&Arc<Bdd>> = explorations
            .iter()
            .flat_map(|e| std::iter::once(&e.init).chain(e.reached.values()))
            .collect();
        let mut equal_pairs = 0;
        for (i, a) in sets.iter().enumerate() {
            for b in &sets[i + 1..] {
                if a == b {
                    equal_pairs += 1;
                    assert!(Arc::ptr_eq(a, b), "equal sets stored twice");
                }
            }
        }
        assert!(
            equal_pairs > 10,
            "the policy reaches equal sets ({equal_pairs} pairs)"
        );
    }

    #[test]
    fn the_data_reaching_a_state_are_the_union_over_its_contexts() {
        let model = model_of(with_all());
        let analysis = Analysis::new(&model).unwrap();
        let mut compared = 0;
        for (p, process) in model.processes.iter().enumerate() {
            let facts = &analysis.facts[p];
            for state in process.state_ids() {
                let tuple = vec![state];
                let mut united = analysis.sem.dom.vars().mk_false();
                for context in &facts.contexts {
                    if let Some(data) = context.reached.get(&tuple) {
                        united = united.join(data);
                    }
                }
                let reach = analysis.reach(ProcessId(p as u32), state);
                assert_eq!(
                    analysis.is_reached(ProcessId(p as u32), state),
                    !reach.is_false(),
                    "{} {state:?}",
                    process.name
                );
                if facts.contexts.len() > 1 {
                    compared += 1;
                }
                // `a` and `b` only ever run together: what reaches them comes from the `all`.
                if facts.contexts.is_empty() {
                    assert!(["a", "b"].contains(&process.name.node.as_str()));
                    assert!(!reach.is_false() || process.state(state).is_final());
                    continue;
                }
                assert!(united.iff(reach).is_true(), "{} {state:?}", process.name);
            }
        }
        assert!(compared > 6, "sub-processes in many contexts were compared");
    }

    #[test]
    fn a_call_succeeds_with_the_data_of_every_success_final() {
        // `q` ends in `ok` when `c.f` holds and in `ok2` when it does not: the caller goes on
        // with both, after the `call` and after the `all`.
        let model = model_of(
            "policy two\nentity c {\n  f: bool\n}\nchannel web { can go }\naction go\naction mark\n\
             process q {\n  start a\n  state a {\n    do mark when c.f -> ok\n    do mark when not c.f -> ok2\n  }\n  final ok\n  final ok2\n}\n\
             process r {\n  start a\n  state a {\n    do mark -> ok\n  }\n  final ok\n}\n\
             process main {\n  entry web\n  start s\n  state s {\n    call q -> t\n  }\n  state t {\n    all q, r -> u\n  }\n  state u {\n    on go -> done\n  }\n  final done\n}\n"
                .into(),
        );
        let analysis = Analysis::new(&model).unwrap();
        let main = ProcessId(2);
        let everyone = analysis.reach(main, StateId(0));
        assert!(everyone.is_true(), "every customer starts `main`");
        for state in ["t", "u"] {
            let id = model
                .process(main)
                .state_ids()
                .find(|s| model.process(main).state(*s).name.node == state);
            let reach = analysis.reach(main, id.unwrap());
            assert!(
                reach.iff(everyone).is_true(),
                "both values of `c.f` reach `{state}`"
            );
        }
    }

    #[test]
    fn steps_of_the_same_action_and_guard_share_one_enabled_set() {
        // `p` and `q` do `mark` when `c.f` holds, `r` when it does not.
        let process = |name: &str, guard: &str| {
            format!(
                "process {name} {{\n  entry web\n  start s\n  state s {{\n    do mark when {guard} -> done\n  }}\n  final done\n}}\n"
            )
        };
        let model = model_of(format!(
            "policy shared\nentity c {{\n  f: bool\n}}\nchannel web {{ can go }}\naction go\naction mark\n{}{}{}",
            process("p", "c.f"),
            process("q", "c.f"),
            process("r", "not c.f"),
        ));
        let analysis = Analysis::new(&model).unwrap();
        let explorer = analysis.explorer();
        let step = |p: usize| &model.processes[p].states[0].transitions[0].node;
        let enabled = |p: usize| explorer.enabled_with_params(step(p)).unwrap();
        assert!(Arc::ptr_eq(&enabled(0), &enabled(1)));
        assert!(!Arc::ptr_eq(&enabled(0), &enabled(2)));
        assert!(enabled(0).meet(&enabled(2)).is_false());
        let data = |p: usize| explorer.enabled(step(p)).unwrap();
        assert!(Arc::ptr_eq(&data(0), &data(1)));
        assert!(data(0).iff(&data(2).not()).is_true());
    }

    #[test]
    fn firings_read_off_the_explorations_are_those_of_the_reached_data() {
        let model = model_of(with_all());
        let analysis = Analysis::new(&model).unwrap();
        let mut unread = Analysis::new(&model).unwrap();
        for facts in Arc::make_mut(&mut unread.facts) {
            facts.fired = None;
        }
        let b = model.process_named("b").expect("declared").index();
        assert!(analysis.facts[b].fired.is_none(), "`b` runs beside `a`");
        let (explorer, unread_explorer) = (analysis.explorer(), unread.explorer());
        let mut fire = [0, 0];
        let mut outcomes = BTreeSet::new();
        for (p, process) in model.processes.iter().enumerate() {
            let id = ProcessId(p as u32);
            for state in process.state_ids() {
                for index in 0..process.state(state).transitions.len() {
                    let read = analysis.can_fire(&explorer, id, state, index);
                    let computed = unread.can_fire(&unread_explorer, id, state, index);
                    assert_eq!(read, computed, "{} {state:?} {index}", process.name);
                    fire[usize::from(read)] += 1;
                    if !process.state(state).transitions[index]
                        .node
                        .callees()
                        .is_empty()
                    {
                        let read = analysis.call_outcomes(&explorer, id, state, index);
                        let computed = unread.call_outcomes(&unread_explorer, id, state, index);
                        assert_eq!(read, computed, "{} {state:?} {index}", process.name);
                        outcomes.insert(read);
                    }
                }
            }
        }
        assert!(fire[0] > 0 && fire[1] > 0, "{fire:?}");
        assert!(outcomes.len() >= 2, "{outcomes:?}");
        // `do go when c.f` can fire with the data `a` leaves when the `all` fails.
        assert!(analysis.can_fire(&explorer, ProcessId(b as u32), StateId(0), 0));
    }
}
