//! Exploration: which (state, data) a process can reach from its start, breadth-first over
//! control states with sets of valuations as BDDs.
//!
//! A control state is a tuple of states, one per component: one component for a process on
//! its own, several for the processes of an `all`, which run interleaved on shared data. A
//! `call`/`all` step is a macro step: the sub-process is explored from the caller's data (and
//! memoised), its success outcomes continue to the first target, its failure outcomes to
//! `else` (without `else`, a failed sub-process leads nowhere). Events that can arrive (the
//! external ones, and internal ones some action emits) fire `await`s, and also run their
//! triggers in any state without moving it.
//!
//! Layers (the data first reached at each breadth-first step) are kept, so that a witness can
//! walk back from any reached data to the start along shortest paths.

use super::domain::{Sets, forget, union_all, union_of};
use super::hash::HashMap;
use super::semantics::{Performer, Semantics};
use crate::model::{ActionId, ChannelId, EventId, ProcessId, StateId, StateKind, Transition};
use crate::source::Node;
use crate::syntax::ast::FinalKind;
use biodivine_lib_bdd::Bdd;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

/// One state per component.
pub type Tuple = Vec<StateId>;

/// How many control tuples one exploration may reach before it is cut short.
pub const MAX_TUPLES: usize = 20_000;

/// How many explorations (sub-process contexts included) one process started on its own may
/// need. The budget bounds the work for one process, not the size of the repository.
pub const MAX_EXPLORATIONS: usize = 5_000;

/// A step from one control tuple to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Move {
    /// Component `component` takes transition `transition` of its current state; for `call`
    /// and `all`, `failure` tells which outcome.
    Transition {
        /// Which component.
        component: usize,
        /// The index of the transition in its state.
        transition: usize,
        /// For `call`/`all`: the failure (`else`) outcome.
        failure: bool,
    },
    /// An event arrives and its triggers run; no state changes.
    Event(EventId),
}

/// The result of exploring some components from some data.
#[derive(Clone, Debug)]
pub struct Exploration {
    /// The processes explored together.
    pub components: Vec<ProcessId>,
    /// The data they started from.
    pub init: Arc<Bdd>,
    /// The data reached in each control tuple; a set equal to another that the same memo's
    /// runs keep is shared with it, not copied.
    pub reached: BTreeMap<Tuple, Arc<Bdd>>,
    /// The data first reached at each breadth-first step, by tuple; empty unless asked for
    /// (see [`Explorer::layers`]): only witnesses need them.
    pub layers: Vec<BTreeMap<Tuple, Bdd>>,
    /// The transitions that fired from some reached data, and how.
    pub fired: Fired,
    /// The data at success outcomes ([`Self::success`]), and at failure outcomes.
    outcomes: [Outcome; 2],
    /// The exploration hit a budget and is incomplete.
    pub cut_short: bool,
    /// The order this exploration was started in, for a stable listing.
    pub serial: usize,
}

/// The data at one kind of outcome of an exploration. Most processes have one `final` of
/// each kind, and then they are that state's reached data: a copy of them in every
/// exploration was 70 MB on 10,000 processes with rules.
#[derive(Clone, Debug)]
enum Outcome {
    /// The data reached at this control tuple, the only one of its kind reached.
    At(Tuple),
    /// The union of the data reached at the tuples of its kind (none, or several).
    United(Bdd),
}

impl Exploration {
    /// The data at success outcomes.
    pub fn success(&self) -> &Bdd {
        self.outcome(&self.outcomes[0])
    }

    /// The data at failure outcomes.
    pub fn failure(&self) -> &Bdd {
        self.outcome(&self.outcomes[1])
    }

    fn outcome<'e>(&'e self, outcome: &'e Outcome) -> &'e Bdd {
        match outcome {
            Outcome::At(tuple) => &self.reached[tuple],
            Outcome::United(data) => data,
        }
    }
}

/// How a transition fired from some data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Firing {
    /// It moved on to its target; for `call` and `all`: the callees succeeded.
    Moved,
    /// A `call` or `all` whose callees failed, whether or not it has `else` to go to.
    CalleesFailed,
}

/// Transitions, by (component, state, index of the transition in the state), and how they
/// fired.
pub type Fired = BTreeSet<(usize, StateId, usize, Firing)>;

/// (components, initial data): one exploration.
type RunKey = (Vec<ProcessId>, Arc<Bdd>);

/// Explorations by (components, initial data). An exploration holds both, so it is its own
/// key: a map keyed by a copy of them held every initial set twice, and every snapshot for
/// a fork (and every merge) copied them again, 6 MB each time on the 1,000-process corpus
/// with rules. Here the map is keyed by their hash, and a lookup compares the explorations
/// under it.
#[derive(Default)]
struct Runs {
    hasher: foldhash::fast::RandomState,
    by_hash: HashMap<u64, Vec<Arc<Exploration>>>,
}

/// A hash of `components` and a sample of `set`'s nodes: its size, and at most 16 nodes
/// spread over it. Hashing every node of every call's input was 1% of a run with rules, and
/// a lookup compares whole sets anyway.
fn sample_hash(state: &foldhash::fast::RandomState, components: &[ProcessId], set: &Bdd) -> u64 {
    use biodivine_lib_bdd::BddPointer;
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = state.build_hasher();
    components.hash(&mut hasher);
    let size = set.size();
    hasher.write_usize(size);
    for i in (0..size).step_by(size.div_ceil(16).max(1)) {
        let node = BddPointer::from_index(i);
        // One word per node: a variable index fits 16 bits, and the links' high bits
        // only matter to the hash.
        hasher.write_u64(
            (set.var_of(node).to_index() as u64) << 48
                ^ (set.low_link_of(node).to_index() as u64) << 24
                ^ set.high_link_of(node).to_index() as u64,
        );
    }
    hasher.finish()
}

impl Runs {
    fn hash(&self, components: &[ProcessId], init: &Bdd) -> u64 {
        sample_hash(&self.hasher, components, init)
    }

    fn get(&self, components: &[ProcessId], init: &Bdd) -> Option<&Arc<Exploration>> {
        self.by_hash
            .get(&self.hash(components, init))?
            .iter()
            .find(|e| e.components == components && *e.init == *init)
    }

    /// Adds `exploration` unless one of the same components and initial data is there.
    fn insert(&mut self, exploration: Arc<Exploration>) {
        self.insert_numbered(exploration, None);
    }

    /// [`Self::insert`], numbering the exploration `serial` (when given) if it is added;
    /// whether it was. One hash and one look into its bucket, where a lookup followed by an
    /// insertion took two (merging the parts' runs hashes each of them).
    fn insert_numbered(
        &mut self,
        mut exploration: Arc<Exploration>,
        serial: Option<usize>,
    ) -> bool {
        let hash = self.hash(&exploration.components, &exploration.init);
        let same = self.by_hash.entry(hash).or_default();
        if same
            .iter()
            .any(|e| e.components == exploration.components && e.init == exploration.init)
        {
            return false;
        }
        if let Some(serial) = serial
            && exploration.serial != serial
        {
            Arc::make_mut(&mut exploration).serial = serial;
        }
        same.push(exploration);
        true
    }

    fn iter(&self) -> impl Iterator<Item = &Arc<Exploration>> {
        self.by_hash.values().flatten()
    }

    fn into_vec(self) -> Vec<Arc<Exploration>> {
        self.by_hash.into_values().flatten().collect()
    }
}

/// The sets explorations keep, each stored once: of the 37,000 sets the explorations of the
/// 1,000-process corpus with rules keep, a quarter of the nodes are in sets equal to another
/// of the same exploration (the data a step leaves as they are, the start's data and the
/// input) and another quarter in sets equal to another exploration's (a sub-process run
/// from different inputs that converge). Equal means node for node (`==`), as the
/// operations build them.
#[derive(Default)]
struct StoredOnce {
    hasher: foldhash::fast::RandomState,
    by_hash: HashMap<u64, Vec<Arc<Bdd>>>,
}

impl StoredOnce {
    /// `set`, shared with an equal set stored before, or stored.
    fn store(&mut self, set: Bdd) -> Arc<Bdd> {
        let same = self.by_hash.entry(self.hash(&set)).or_default();
        if let Some(stored) = same.iter().find(|stored| ***stored == set) {
            return Arc::clone(stored);
        }
        let stored = Arc::new(set);
        same.push(Arc::clone(&stored));
        stored
    }

    fn hash(&self, set: &Bdd) -> u64 {
        sample_hash(&self.hasher, &[], set)
    }
}

/// The breadth-first layers of an exploration: the data first reaching each tuple at each
/// depth.
pub type Layers = Rc<Vec<BTreeMap<Tuple, Bdd>>>;

/// (callees, caller data, failure?, target): a question about how sub-processes end.
type SubPreKey = (Vec<ProcessId>, bool, Bdd);

/// What explorations remember between queries: sub-process runs and their preimages.
#[derive(Default)]
pub struct Memo {
    runs: RefCell<Runs>,
    /// The explorations' sets, stored once.
    sets: RefCell<StoredOnce>,
    sub_pre: RefCell<HashMap<SubPreKey, Rc<Bdd>>>,
    /// Breadth-first layers recomputed for witnesses, by (components, initial data): every
    /// finding in the same process shares them.
    layers: RefCell<HashMap<RunKey, Layers>>,
    /// Each process's states in topological order, when they form no cycle.
    order: RefCell<HashMap<ProcessId, Option<Arc<[StateId]>>>>,
    /// A transition (by address: the model outlives every explorer) -> where it completes:
    /// the set of its action, performers and guard, which every step with the same three
    /// shares ([`Semantics::step_enabled`]: 9,576 sets for the steps of the 1,000-process
    /// corpus with rules).
    enabled: RefCell<HashMap<usize, Option<Arc<Bdd>>>>,
    /// A shared enabled set (by address: this memo's maps of enabled sets keep it alive) ->
    /// [`Semantics::enabled_assigning`] of it, for the action the set belongs to.
    assigning: RefCell<HashMap<usize, Option<Arc<Bdd>>>>,
    /// A transition (by address) -> [`Explorer::enabled`], in this memo's events.
    enabled_data: RefCell<HashMap<usize, Option<Arc<Bdd>>>>,
    /// The same, for `on` and `do`, by the address of the shared set it is made of.
    enabled_data_by_set: RefCell<HashMap<usize, Arc<Bdd>>>,
    count: Cell<usize>,
    /// How deep in nested explorations (sub-processes) the current query is.
    depth: Cell<usize>,
    serial: Cell<usize>,
    /// Some exploration was cut short.
    pub cut_short: Cell<bool>,
}

/// The explorations a memo holds, made to move to another thread and be merged there (see
/// [`Memo::merged`]), with what it knows of each transition and process, which every
/// question asks again; its caches of answers to the checks' questions are left behind.
pub struct Explored {
    /// In the order they were started.
    runs: Vec<Arc<Exploration>>,
    enabled: HashMap<usize, Option<Arc<Bdd>>>,
    enabled_data: HashMap<usize, Option<Arc<Bdd>>>,
    order: HashMap<ProcessId, Option<Arc<[StateId]>>>,
    cut_short: bool,
}

impl Memo {
    /// Every exploration made so far, in a stable order: by components, then by the order
    /// they were started.
    pub fn explorations(&self) -> Vec<Arc<Exploration>> {
        let runs = self.runs.borrow();
        let mut all: Vec<&Arc<Exploration>> = runs.iter().collect();
        // Compared in place: a key that copied the components allocated twice per comparison.
        // Serials are unique, so no two keys are equal and an unstable sort orders them the
        // same.
        all.sort_unstable_by(|a, b| (&a.components, a.serial).cmp(&(&b.components, b.serial)));
        all.into_iter().cloned().collect()
    }

    /// This memo's explorations (shared, not copied), to be merged elsewhere.
    pub fn snapshot(&self) -> Explored {
        Explored {
            runs: self.runs_in_order(),
            enabled: HashMap::default(),
            enabled_data: HashMap::default(),
            order: HashMap::default(),
            cut_short: self.cut_short.get(),
        }
    }

    /// All this memo knows that holds on any thread: its explorations, and what it knows of
    /// each transition and process, which a merged memo would otherwise compute again.
    pub fn into_explored(self) -> Explored {
        Explored {
            runs: self.runs_in_order(),
            enabled: self.enabled.into_inner(),
            enabled_data: self.enabled_data.into_inner(),
            order: self.order.into_inner(),
            cut_short: self.cut_short.get(),
        }
    }

    /// The explorations, in no order: for freeing them elsewhere.
    pub fn into_runs(self) -> Vec<Arc<Exploration>> {
        self.runs.into_inner().into_vec()
    }

    /// The explorations, in the order they were started.
    fn runs_in_order(&self) -> Vec<Arc<Exploration>> {
        let mut runs: Vec<Arc<Exploration>> = self.runs.borrow().iter().cloned().collect();
        // Serials are unique: the unstable sort orders them as a stable one would.
        runs.sort_unstable_by_key(|exploration| exploration.serial);
        runs
    }

    /// One memo of the explorations of `parts`, made in that order by separate memos: where
    /// two parts explored the same run, the earlier part's is kept, and runs are renumbered in
    /// order, so the merged memo lists explorations as one memo exploring the parts one after
    /// the other would (a later part only re-explores what an earlier one had already).
    pub fn merged(parts: Vec<Explored>) -> Memo {
        let memo = Memo::default();
        let mut runs = Runs::default();
        runs.by_hash
            .reserve(parts.iter().map(|part| part.runs.len()).sum());
        let mut serial = 0;
        for part in parts {
            if part.cut_short {
                memo.cut_short.set(true);
            }
            adopt(&memo.enabled, part.enabled);
            adopt(&memo.enabled_data, part.enabled_data);
            adopt(&memo.order, part.order);
            for exploration in part.runs {
                if runs.insert_numbered(exploration, Some(serial)) {
                    serial += 1;
                }
            }
        }
        memo.serial.set(serial);
        *memo.runs.borrow_mut() = runs;
        memo
    }
}

/// Adds to `into` what `from` knows and it does not. The same transition's (or process's)
/// answers are the same in every part, so the first part's are kept, and its map is taken
/// whole: on 10,000 processes each part knows of some 250,000 transitions.
fn adopt<K: Eq + std::hash::Hash, V>(into: &RefCell<HashMap<K, V>>, from: HashMap<K, V>) {
    let mut into = into.borrow_mut();
    if into.is_empty() {
        *into = from;
        return;
    }
    into.reserve(from.len());
    for (key, known) in from {
        into.entry(key).or_insert(known);
    }
}

/// Explores processes of one policy, memoising sub-process runs.
pub struct Explorer<'s, 'm> {
    /// The semantics.
    pub sem: &'s Semantics<'m>,
    /// Events that can arrive.
    pub available: BTreeSet<EventId>,
    memo: &'s Memo,
}

impl<'s, 'm> Explorer<'s, 'm> {
    /// An explorer in which `available` events can arrive, remembering in `memo`.
    pub fn new(sem: &'s Semantics<'m>, available: BTreeSet<EventId>, memo: &'s Memo) -> Self {
        Explorer {
            sem,
            available,
            memo,
        }
    }

    /// The channels an `on` transition can be performed on: its `via` (or every channel),
    /// keeping those that list the action under `can`.
    pub fn channels(&self, transition: &Transition) -> Vec<ChannelId> {
        let model = self.sem.model();
        match transition {
            Transition::On { action, via, .. } => match via {
                Some(via) => via
                    .iter()
                    .map(|c| c.node)
                    .filter(|c| model.can_perform(*c, action.node))
                    .collect(),
                None => model.index.performers[action.node.index()].clone(),
            },
            _ => Vec::new(),
        }
    }

    /// Whether `channel` is among [`Explorer::channels`] of `transition`, without listing
    /// them.
    pub fn open_to(&self, transition: &Transition, channel: ChannelId) -> bool {
        match transition {
            Transition::On { action, via, .. } => {
                via.as_ref()
                    .is_none_or(|via| via.iter().any(|c| c.node == channel))
                    && self.sem.model().can_perform(channel, action.node)
            }
            _ => false,
        }
    }

    /// The data (over fields) in which a transition's action or event step can happen, for
    /// `on`, `do` and `await`; `None` for the other kinds.
    pub fn enabled(&self, transition: &Transition) -> Option<Arc<Bdd>> {
        let key = std::ptr::from_ref(transition) as usize;
        super::cached(&self.memo.enabled_data, key, || {
            self.compute_enabled(transition)
        })
    }

    fn compute_enabled(&self, transition: &Transition) -> Option<Arc<Bdd>> {
        let sem = self.sem;
        let dom = &sem.dom;
        match transition {
            Transition::On { action, .. } | Transition::Do { action, .. } => {
                let enabled = self.enabled_with_params(transition)?;
                let params = dom.param_vars(action.node, 0);
                if params.is_empty() {
                    // Nothing to forget: the same set, shared rather than copied.
                    return Some(enabled);
                }
                let set = Arc::as_ptr(&enabled) as usize;
                Some(super::cached(&self.memo.enabled_data_by_set, set, || {
                    Arc::new(forget(&enabled, &params))
                }))
            }
            Transition::Await { event, when, .. } => {
                if !self.available.contains(&event.node) {
                    return Some(Arc::new(dom.vars().mk_false()));
                }
                Some(Arc::new(
                    when.as_ref()
                        .map_or_else(|| dom.vars().mk_true(), |w| dom.cond(w, &[])),
                ))
            }
            _ => None,
        }
    }

    /// The requirement of running `processes` as sub-processes.
    fn requires(&self, processes: &[ProcessId]) -> Bdd {
        let dom = &self.sem.dom;
        let mut req = dom.vars().mk_true();
        for p in processes {
            for r in &self.sem.model().process(*p).requires {
                req = req.meet(&dom.cond(r, &[]));
            }
        }
        req
    }

    /// Explores `components` from `init` (memoised on both).
    pub fn explore(&self, components: &[ProcessId], init: &Bdd) -> Arc<Exploration> {
        if let Some(found) = self.memo.runs.borrow().get(components, init) {
            return Arc::clone(found);
        }
        // The budget bounds the explorations one outermost query needs (a process started on
        // its own, or a check's question), however many queries came before.
        if self.memo.depth.get() == 0 {
            self.memo.count.set(0);
        }
        self.memo.depth.set(self.memo.depth.get() + 1);
        let init = self.store(init.clone());
        let exploration = Arc::new(self.run(components, &init, false));
        self.memo.depth.set(self.memo.depth.get() - 1);
        self.memo.runs.borrow_mut().insert(Arc::clone(&exploration));
        exploration
    }

    fn outcome(&self, components: &[ProcessId], tuple: &Tuple) -> Option<FinalKind> {
        let model = self.sem.model();
        let mut kinds = components
            .iter()
            .zip(tuple)
            .map(|(p, s)| model.process(*p).state(*s).kind);
        if kinds
            .clone()
            .any(|k| k == StateKind::Final(FinalKind::Failure))
        {
            Some(FinalKind::Failure)
        } else if kinds.all(|k| k == StateKind::Final(FinalKind::Success)) {
            Some(FinalKind::Success)
        } else {
            None
        }
    }

    /// The tuples and data one move leads to from `data` in `tuple`; the transitions that
    /// fire from `data` are added to `fired`.
    fn successors(
        &self,
        components: &[ProcessId],
        tuple: &Tuple,
        data: &Bdd,
        fired: &mut Fired,
    ) -> Vec<(Move, Tuple, Bdd)> {
        let model = self.sem.model();
        let sem = self.sem;
        let mut out = Vec::new();
        for (component, index, t) in self.transitions_of(components, tuple) {
            let mv = |failure| Move::Transition {
                component,
                transition: index,
                failure,
            };
            let with = |target: StateId| {
                let mut next = tuple.clone();
                next[component] = target;
                next
            };
            let fired_as = |how| (component, tuple[component], index, how);
            match &t.node {
                Transition::On { action, target, .. } | Transition::Do { action, target, .. } => {
                    let Some(enabled) = self.enabled_with_params(&t.node) else {
                        continue;
                    };
                    let assigning = self.enabled_assigning(action.node, &enabled);
                    let image =
                        match sem.post_within(data, &enabled, assigning.as_deref(), action.node) {
                            Some(image) => {
                                fired.insert(fired_as(Firing::Moved));
                                image
                            }
                            None => sem.dom.vars().mk_false(),
                        };
                    out.push((mv(false), with(target.node), image));
                }
                Transition::Await { event, target, .. } => {
                    let Some(enabled) = self.enabled(&t.node) else {
                        continue;
                    };
                    let start = data.meet(&enabled);
                    if !start.is_false() {
                        fired.insert(fired_as(Firing::Moved));
                    }
                    let image = sem.event_post(&start, event.node, 0);
                    out.push((mv(false), with(target.node), image));
                }
                Transition::After { target, .. } => {
                    if !data.is_false() {
                        fired.insert(fired_as(Firing::Moved));
                    }
                    out.push((mv(false), with(target.node), data.clone()))
                }
                Transition::Call {
                    target, otherwise, ..
                }
                | Transition::All {
                    target, otherwise, ..
                } => {
                    let callees = t.node.callees();
                    let input = data.meet(&self.requires(&callees));
                    if input.is_false() {
                        continue;
                    }
                    let sub = self.explore(&callees, &input);
                    if !sub.success().is_false() {
                        fired.insert(fired_as(Firing::Moved));
                    }
                    if !sub.failure().is_false() {
                        fired.insert(fired_as(Firing::CalleesFailed));
                    }
                    out.push((mv(false), with(target.node), sub.success().clone()));
                    if let Some(otherwise) = otherwise {
                        out.push((mv(true), with(otherwise.node), sub.failure().clone()));
                    }
                }
                Transition::Handoff { .. } => {}
            }
        }
        for event in &self.available {
            if model.index.triggers_by_event[event.index()].is_empty() {
                continue;
            }
            out.push((
                Move::Event(*event),
                tuple.clone(),
                sem.event_post(data, *event, 0),
            ));
        }
        out
    }

    /// For `on` and `do`: the data and parameters (depth 0) with which the step completes.
    pub fn enabled_with_params(&self, transition: &Transition) -> Option<Arc<Bdd>> {
        let key = std::ptr::from_ref(transition) as usize;
        super::cached(&self.memo.enabled, key, || {
            self.compute_enabled_with_params(transition)
        })
    }

    /// [`Semantics::enabled_assigning`] of `enabled`, a set this memo shares among the
    /// steps performing `action` with one guard: computed once per set, not per transition.
    fn enabled_assigning(&self, action: ActionId, enabled: &Arc<Bdd>) -> Option<Arc<Bdd>> {
        let set = Arc::as_ptr(enabled) as usize;
        super::cached(&self.memo.assigning, set, || {
            self.sem.enabled_assigning(enabled, action).map(Arc::new)
        })
    }

    fn compute_enabled_with_params(&self, transition: &Transition) -> Option<Arc<Bdd>> {
        let (action, when, performers) = match transition {
            Transition::On { action, when, .. } => (
                action.node,
                when,
                self.channels(transition)
                    .into_iter()
                    .map(Performer::Channel)
                    .collect::<Vec<_>>(),
            ),
            Transition::Do { action, when, .. } => (action.node, when, vec![Performer::System]),
            _ => return None,
        };
        Some(
            self.sem
                .step_enabled(action, performers, when.as_ref().map(|w| &w.node)),
        )
    }

    /// The breadth-first layers of an exploration, recomputed (exploration is deterministic,
    /// and its sub-process runs are memoised) when it did not keep them.
    pub fn layers(&self, exploration: &Exploration) -> Layers {
        let key = (exploration.components.clone(), exploration.init.clone());
        super::cached(&self.memo.layers, key, || {
            if exploration.layers.is_empty() {
                Rc::new(
                    self.run(&exploration.components, &exploration.init, true)
                        .layers,
                )
            } else {
                Rc::new(exploration.layers.clone())
            }
        })
    }

    /// A process's states in an order where every transition leads forward, if its states
    /// form no cycle (memoised).
    pub(crate) fn topological_order(&self, process: ProcessId) -> Option<Arc<[StateId]>> {
        if let Some(known) = self.memo.order.borrow().get(&process) {
            return known.clone();
        }
        use petgraph::graph::DiGraph;
        let p = self.sem.model().process(process);
        let mut graph: DiGraph<StateId, ()> = DiGraph::new();
        let nodes: Vec<_> = p.state_ids().map(|s| graph.add_node(s)).collect();
        for (i, state) in p.states.iter().enumerate() {
            for t in &state.transitions {
                for target in t.node.targets() {
                    graph.add_edge(nodes[i], nodes[target.index()], ());
                }
            }
        }
        let order: Option<Arc<[StateId]>> = petgraph::algo::toposort(&graph, None)
            .ok()
            .map(|o| o.into_iter().map(|n| graph[n]).collect());
        self.memo.order.borrow_mut().insert(process, order.clone());
        order
    }

    /// Exploration of one acyclic process: each state is expanded once, with all the data that
    /// reach it (closed under the events that can arrive there), in topological order. This is
    /// the same least fixpoint as the breadth-first search, without expanding a state (and
    /// running its sub-processes) once per layer its data arrive in.
    fn run_acyclic(
        &self,
        process: ProcessId,
        order: &[StateId],
        init: &Arc<Bdd>,
        serial: usize,
    ) -> Exploration {
        let components = [process];
        let start = vec![self.sem.model().process(process).start.node];
        let mut reached: BTreeMap<Tuple, Arc<Bdd>> = BTreeMap::new();
        let mut fired = Fired::new();
        // What arrives at each state, united once the state's turn comes (every state
        // leading to it has had its turn by then) by `union_all`.
        let mut arriving: BTreeMap<Tuple, Vec<Bdd>> = BTreeMap::new();
        if !init.is_false() {
            arriving.insert(start, vec![Bdd::clone(init)]);
        }
        for state in order {
            let tuple = vec![*state];
            let Some(images) = arriving.remove(&tuple) else {
                continue;
            };
            let Some(data) = union_of(images) else {
                continue;
            };
            let data = self.event_closure(data);
            if self.outcome(&components, &tuple).is_none() {
                for (mv, target, image) in self.successors(&components, &tuple, &data, &mut fired) {
                    if matches!(mv, Move::Event(_)) || image.is_false() {
                        continue;
                    }
                    arriving.entry(target).or_default().push(image);
                }
            }
            reached.insert(tuple, self.store(data));
        }
        let outcomes = self.outcomes(&components, &reached);
        Exploration {
            components: components.to_vec(),
            init: Arc::clone(init),
            reached,
            layers: Vec::new(),
            fired,
            outcomes,
            cut_short: false,
            serial,
        }
    }

    /// The data reaching the successful ends, and the failed ones, of an exploration.
    fn outcomes(
        &self,
        components: &[ProcessId],
        reached: &BTreeMap<Tuple, Arc<Bdd>>,
    ) -> [Outcome; 2] {
        let ending = |kind: FinalKind| -> Outcome {
            let ends: Vec<(&Tuple, &Bdd)> = reached
                .iter()
                .filter(|(tuple, _)| self.outcome(components, tuple) == Some(kind))
                .map(|(tuple, data)| (tuple, &**data))
                .collect();
            match ends[..] {
                [(tuple, _)] => Outcome::At(tuple.clone()),
                _ => Outcome::United(
                    union_all(&ends.iter().map(|(_, data)| *data).collect::<Vec<_>>())
                        .unwrap_or_else(|| self.sem.dom.vars().mk_false()),
                ),
            }
        };
        [ending(FinalKind::Success), ending(FinalKind::Failure)]
    }

    /// `data` and everything the triggers of arriving events can make of it.
    fn event_closure(&self, data: Bdd) -> Bdd {
        let model = self.sem.model();
        let events: Vec<EventId> = self
            .available
            .iter()
            .copied()
            .filter(|e| !model.index.triggers_by_event[e.index()].is_empty())
            .collect();
        if events.is_empty() {
            return data;
        }
        let mut frontier = data.clone();
        let mut closed = data;
        while !frontier.is_false() {
            let mut next = self.sem.dom.vars().mk_false();
            for event in &events {
                next = next.join(&self.sem.event_post(&frontier, *event, 0));
            }
            frontier = next.minus(&closed);
            closed = closed.join(&frontier);
        }
        closed
    }

    /// `set`, shared with an equal set this memo's explorations keep, or stored.
    fn store(&self, set: Bdd) -> Arc<Bdd> {
        self.memo.sets.borrow_mut().store(set)
    }

    fn run(&self, components: &[ProcessId], init: &Arc<Bdd>, keep_layers: bool) -> Exploration {
        let model = self.sem.model();
        if !keep_layers && components.len() == 1 && self.memo.count.get() < MAX_EXPLORATIONS {
            if let Some(order) = self.topological_order(components[0]) {
                self.memo.count.set(self.memo.count.get() + 1);
                let serial = self.memo.serial.get();
                self.memo.serial.set(serial + 1);
                return self.run_acyclic(components[0], &order, init, serial);
            }
        }
        if !keep_layers {
            self.memo.count.set(self.memo.count.get() + 1);
        }
        let start: Tuple = components
            .iter()
            .map(|p| model.process(*p).start.node)
            .collect();
        let mut reached: BTreeMap<Tuple, Bdd> = BTreeMap::new();
        let mut frontier: BTreeMap<Tuple, Bdd> = BTreeMap::new();
        let mut fired = Fired::new();
        let mut cut_short = self.memo.count.get() > MAX_EXPLORATIONS;
        if !init.is_false() && !cut_short {
            reached.insert(start.clone(), Bdd::clone(init));
            frontier.insert(start, Bdd::clone(init));
        }
        let serial = self.memo.serial.get();
        self.memo.serial.set(serial + 1);
        let mut layers: Vec<BTreeMap<Tuple, Bdd>> = Vec::new();
        while !frontier.is_empty() {
            let mut next: BTreeMap<Tuple, Bdd> = BTreeMap::new();
            for (tuple, data) in &frontier {
                if self.outcome(components, tuple).is_some() {
                    continue;
                }
                for (_, target, image) in self.successors(components, tuple, data, &mut fired) {
                    let known = reached.get(&target);
                    let new = match known {
                        Some(k) => image.minus(k),
                        None => image,
                    };
                    if new.is_false() {
                        continue;
                    }
                    let merged = reached
                        .get(&target)
                        .map_or_else(|| new.clone(), |k| k.join(&new));
                    reached.insert(target.clone(), merged);
                    match next.get_mut(&target) {
                        Some(entry) => *entry = entry.join(&new),
                        None => {
                            next.insert(target, new);
                        }
                    }
                }
            }
            if keep_layers {
                layers.push(std::mem::take(&mut frontier));
            }
            if reached.len() > MAX_TUPLES {
                cut_short = true;
                break;
            }
            frontier = next;
        }
        // A run for its layers is a witness's, thrown away once they are read: its sets
        // are not kept for later runs to share.
        let reached: BTreeMap<Tuple, Arc<Bdd>> = reached
            .into_iter()
            .map(|(tuple, data)| {
                let data = if keep_layers {
                    Arc::new(data)
                } else {
                    self.store(data)
                };
                (tuple, data)
            })
            .collect();
        let outcomes = self.outcomes(components, &reached);
        if cut_short {
            self.memo.cut_short.set(true);
        }
        Exploration {
            components: components.to_vec(),
            init: Arc::clone(init),
            reached,
            layers,
            fired,
            outcomes,
            cut_short,
            serial,
        }
    }

    /// The data from which one move leads into `target` (over fields, parameters quantified).
    pub fn pre(&self, exploration: &Exploration, tuple: &Tuple, mv: Move, target: &Bdd) -> Bdd {
        self.pre_and_how(exploration, tuple, mv, target).0
    }

    /// [`Self::pre`], and for `on` and `do`, the data and parameters from which the step
    /// completes into `target`: a witness names the parameters and channel from them.
    pub fn pre_and_how(
        &self,
        exploration: &Exploration,
        tuple: &Tuple,
        mv: Move,
        target: &Bdd,
    ) -> (Bdd, Option<Bdd>) {
        let sem = self.sem;
        let dom = &sem.dom;
        let (component, transition, failure) = match mv {
            Move::Event(event) => return (sem.event_pre(target, event, 0), None),
            Move::Transition {
                component,
                transition,
                failure,
            } => (component, transition, failure),
        };
        let model = sem.model();
        let process = model.process(exploration.components[component]);
        let t = &process.state(tuple[component]).transitions[transition].node;
        let pre = match t {
            Transition::On { action, .. } | Transition::Do { action, .. } => {
                let pre = sem.pre(target, action.node, 0);
                let how = self
                    .enabled_with_params(t)
                    .map_or_else(|| dom.vars().mk_false(), |enabled| enabled.meet(&pre));
                return (forget(&how, &dom.param_vars(action.node, 0)), Some(how));
            }
            Transition::Await { event, .. } => {
                let pre = sem.event_pre(target, event.node, 0);
                self.enabled(t)
                    .map_or_else(|| dom.vars().mk_false(), |enabled| enabled.meet(&pre))
            }
            Transition::After { .. } => target.clone(),
            Transition::Call { .. } | Transition::All { .. } => self.sub_pre(
                &t.callees(),
                exploration.reached.get(tuple).map(|data| &**data),
                failure,
                target,
            ),
            Transition::Handoff { .. } => dom.vars().mk_false(),
        };
        (pre, None)
    }

    /// The caller's data (within `at`) from which the sub-processes end in success, or, when
    /// `or_failure`, in failure.
    pub fn sub_can_end(&self, callees: &[ProcessId], at: &Bdd, or_failure: bool) -> Bdd {
        if at.is_false() {
            return at.clone();
        }
        self.sub_can_end_anywhere(callees, or_failure).meet(at)
    }

    /// Whether the sub-processes can end in failure from some of the data `at`.
    pub fn sub_can_fail(&self, callees: &[ProcessId], at: &Bdd) -> Bdd {
        let input = at.meet(&self.requires(callees));
        if input.is_false() {
            return input;
        }
        self.explore(callees, &input).failure().clone()
    }

    /// The caller's data (within `at`) from which the sub-processes end (in success, or in
    /// failure) with data in `target`.
    ///
    /// Whether a run from some data can end in `target` does not depend on where the call is
    /// made, so the preimage is computed once per (callees, outcome, target), from every
    /// allowed input, and only then narrowed to `at`: one backward pass serves every call site.
    fn sub_pre(&self, callees: &[ProcessId], at: Option<&Bdd>, failure: bool, target: &Bdd) -> Bdd {
        let Some(at) = at else {
            return self.sem.dom.vars().mk_false();
        };
        if at.is_false() {
            return at.clone();
        }
        self.sub_pre_anywhere(callees, failure, target).meet(at)
    }

    /// The data, wherever the call is made, from which the sub-processes end (in success, or
    /// in failure) with data in `target` (memoised).
    fn sub_pre_anywhere(&self, callees: &[ProcessId], failure: bool, target: &Bdd) -> Rc<Bdd> {
        let dom = &self.sem.dom;
        let key = (callees.to_vec(), failure, target.clone());
        let known = self.memo.sub_pre.borrow().get(&key).cloned();
        known.unwrap_or_else(|| {
            let input = self.requires(callees);
            let sub = self.explore(callees, &input);
            let goal = |tuple: &Tuple| {
                let kind = self.outcome(callees, tuple)?;
                (kind
                    == if failure {
                        FinalKind::Failure
                    } else {
                        FinalKind::Success
                    })
                .then(|| target.clone())
            };
            let back = self.backward(&sub, &goal);
            let start: Tuple = callees
                .iter()
                .map(|p| self.sem.model().process(*p).start.node)
                .collect();
            let summary = Rc::new(
                back.get(&start)
                    .cloned()
                    .unwrap_or_else(|| dom.vars().mk_false())
                    .meet(&input),
            );
            self.memo
                .sub_pre
                .borrow_mut()
                .insert(key, Rc::clone(&summary));
            summary
        })
    }

    /// The data, wherever the call is made, from which the sub-processes end in success, or,
    /// when `or_failure`, in failure: [`Self::sub_can_end`] before it is narrowed to the
    /// caller's data.
    pub fn sub_can_end_anywhere(&self, callees: &[ProcessId], or_failure: bool) -> Bdd {
        let all = self.sem.dom.vars().mk_true();
        let success = self.sub_pre_anywhere(callees, false, &all);
        if or_failure {
            success.join(&self.sub_pre_anywhere(callees, true, &all))
        } else {
            (*success).clone()
        }
    }

    /// Every transition of every component not yet in a final state: (component, index of
    /// the transition in its state, the transition).
    fn transitions_of<'t>(
        &self,
        components: &'t [ProcessId],
        tuple: &'t Tuple,
    ) -> impl Iterator<Item = (usize, usize, &'m Node<Transition>)> + 't
    where
        'm: 't,
    {
        let model = self.sem.model();
        components
            .iter()
            .zip(tuple)
            .enumerate()
            .flat_map(move |(component, (process, state))| {
                let state = model.process(*process).state(*state);
                let transitions: &'m [Node<Transition>] = if state.is_final() {
                    &[]
                } else {
                    &state.transitions
                };
                transitions
                    .iter()
                    .enumerate()
                    .map(move |(index, t)| (component, index, t))
            })
    }

    /// The moves out of a tuple and the tuples they lead to, read off the process structure
    /// (no images computed): every transition of every component, and every event with
    /// triggers (which leaves the tuple as it is).
    pub fn structural_moves(&self, components: &[ProcessId], tuple: &Tuple) -> Vec<(Move, Tuple)> {
        let model = self.sem.model();
        let mut out = Vec::new();
        for (component, index, t) in self.transitions_of(components, tuple) {
            let targets = t.node.targets();
            for (k, target) in targets.iter().enumerate() {
                let mut next = tuple.clone();
                next[component] = *target;
                out.push((
                    Move::Transition {
                        component,
                        transition: index,
                        failure: k == 1,
                    },
                    next,
                ));
            }
        }
        for event in &self.available {
            if !model.index.triggers_by_event[event.index()].is_empty() {
                out.push((Move::Event(*event), tuple.clone()));
            }
        }
        out
    }

    /// For each reached tuple, the reached data from which some path leads into `goal`
    /// (the data `goal` gives for a tuple, if any). A worklist fixpoint over the moves.
    pub fn backward(
        &self,
        exploration: &Exploration,
        goal: &dyn Fn(&Tuple) -> Option<Bdd>,
    ) -> BTreeMap<Tuple, Bdd> {
        let dom = &self.sem.dom;
        let mut back: BTreeMap<Tuple, Bdd> = BTreeMap::new();
        for (tuple, data) in &exploration.reached {
            if let Some(g) = goal(tuple) {
                let set = data.meet(&g);
                if !set.is_false() {
                    back.insert(tuple.clone(), set);
                }
            }
        }
        // Moves into each tuple, from reached, non-outcome tuples.
        let mut into: BTreeMap<Tuple, Vec<(Tuple, Move)>> = BTreeMap::new();
        for tuple in exploration.reached.keys() {
            if self.outcome(&exploration.components, tuple).is_some() {
                continue;
            }
            for (mv, target) in self.structural_moves(&exploration.components, tuple) {
                if exploration.reached.contains_key(&target) {
                    into.entry(target).or_default().push((tuple.clone(), mv));
                }
            }
        }
        let mut work: Vec<Tuple> = back.keys().cloned().collect();
        while let Some(to) = work.pop() {
            let Some(target) = back.get(&to).cloned() else {
                continue;
            };
            for (from, mv) in into.get(&to).map(Vec::as_slice).unwrap_or_default() {
                let Some(reached) = exploration.reached.get(from) else {
                    continue;
                };
                let pre = self.pre(exploration, from, *mv, &target).meet(reached);
                let known = back
                    .get(from)
                    .cloned()
                    .unwrap_or_else(|| dom.vars().mk_false());
                let new = pre.minus(&known);
                if !new.is_false() {
                    back.insert(from.clone(), known.join(&new));
                    work.push(from.clone());
                }
            }
        }
        back
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use biodivine_lib_bdd::{BddNode, BddPointer, BddVariable};

    /// A chain over 18 variables (20 nodes, of which [`Runs::hash`] samples every other
    /// one), whose node 5 leads to `low5` when its variable is false.
    fn chain(low5: usize) -> Bdd {
        let node = |var: usize, low: usize, high: usize| {
            BddNode::mk_node(
                BddVariable::from_index(var),
                BddPointer::from_index(low),
                BddPointer::from_index(high),
            )
        };
        let mut nodes = vec![BddNode::mk_zero(18), BddNode::mk_one(18)];
        for i in 2..20 {
            let low = if i == 5 { low5 } else { 0 };
            nodes.push(node(19 - i, low, if i == 2 { 1 } else { i - 1 }));
        }
        Bdd::from_nodes(&nodes).unwrap()
    }

    fn exploration(init: Bdd, serial: usize) -> Arc<Exploration> {
        Arc::new(Exploration {
            components: vec![ProcessId(0)],
            init: Arc::new(init.clone()),
            reached: BTreeMap::new(),
            layers: Vec::new(),
            fired: Fired::new(),
            outcomes: [Outcome::United(init.clone()), Outcome::United(init)],
            cut_short: false,
            serial,
        })
    }

    #[test]
    fn equal_sets_are_stored_once_and_sets_of_the_same_hash_apart() {
        let (a, b) = (chain(0), chain(1));
        let mut sets = StoredOnce::default();
        assert_eq!(sets.hash(&a), sets.hash(&b));
        let first = sets.store(a.clone());
        let other = sets.store(b.clone());
        let again = sets.store(a.clone());
        assert!(Arc::ptr_eq(&first, &again));
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(*first, a);
        assert_eq!(*other, b);
    }

    #[test]
    fn runs_tell_apart_sets_of_the_same_hash() {
        let (a, b) = (chain(0), chain(1));
        assert_ne!(a, b);
        let mut runs = Runs::default();
        assert_eq!(
            runs.hash(&[ProcessId(0)], &a),
            runs.hash(&[ProcessId(0)], &b)
        );
        runs.insert(exploration(a.clone(), 0));
        assert!(runs.get(&[ProcessId(0)], &b).is_none());
        runs.insert(exploration(b.clone(), 1));
        runs.insert(exploration(a.clone(), 2)); // already there: kept as it was
        assert_eq!(runs.get(&[ProcessId(0)], &a).map(|e| e.serial), Some(0));
        assert_eq!(runs.get(&[ProcessId(0)], &b).map(|e| e.serial), Some(1));
        assert!(runs.get(&[ProcessId(1)], &a).is_none());
        assert_eq!(runs.iter().count(), 2);
    }
}
