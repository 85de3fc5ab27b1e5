//! The data view: every field's finite domain encoded in BDD variables, and conditions as
//! BDDs over them.
//!
//! Encoding (exact, no abstraction):
//! - `bool`: one variable.
//! - `int`: the value minus one policy-wide base, in binary, so that any two ints compare
//!   bit by bit whatever their ranges.
//! - enumerations: the variant's index, in binary.
//! - opaque types (and `text`): an index into the type's table of string literals used in the
//!   policy, followed by enough fresh values for every pattern of equality among the fields
//!   and parameters of that type. Opaque values only compare with `==` and `!=`, so this is
//!   exact.
//!
//! Parameters are chosen anew each time an action runs. They live in a small pool of slots
//! per trigger-cascade depth (an action at depth `d` uses the pool's row `d`), so the number
//! of BDD variables does not grow with the number of actions.
//!
//! Variable order: the fields in declaration order, unless the invariants read fields
//! declared far apart (then an order that brings them together: see `coupled_order`);
//! each field bit just after its origin (see `Semantics`' relations); the parameters of a
//! pool position bit by bit beside the field they are most often assigned to or compared
//! with, at every depth (an equality between the two is then a few nodes per bit, not one
//! per value: −6% instructions on a generated policy without rules, −3.7% with); shadow
//! copies, then the other parameters, last.

use super::apply;
use super::hash::HashMap;
use super::nodes;
use crate::model::{ActionId, CmpOp, Cond, EnumId, FieldId, Model, OpaqueId, Term, Ty, Value};
use biodivine_lib_bdd::{Bdd, BddValuation, BddVariable, BddVariableSet};
use std::cell::RefCell;
use std::sync::Arc;

/// How deep trigger cascades are followed; deeper cascades are reported as cut short.
pub const MAX_CASCADE: usize = 8;

/// The type key of an opaque table: a declared opaque type or `text`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpaqueKey {
    /// `type NAME`.
    Named(OpaqueId),
    /// `text`.
    Text,
}

/// What a slot holds, for domain constraints and decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `bool`.
    Bool,
    /// `int lo..hi`.
    Int {
        /// Lowest value.
        lo: i64,
        /// Highest value.
        hi: i64,
    },
    /// An enumeration of this many variants.
    Enum(EnumId, u64),
    /// An opaque type.
    Opaque(OpaqueKey),
}

impl Kind {
    fn of(ty: Ty, model: &Model) -> Kind {
        match ty {
            Ty::Bool => Kind::Bool,
            Ty::Int { lo, hi } => Kind::Int { lo, hi },
            Ty::Enum(e) => Kind::Enum(e, model.enumeration(e).variants.len() as u64),
            Ty::Opaque(o) => Kind::Opaque(OpaqueKey::Named(o)),
            Ty::Text => Kind::Opaque(OpaqueKey::Text),
        }
    }
}

/// A slot's bits, most significant first, and what it holds.
#[derive(Clone, Debug)]
pub struct Slot {
    /// The variables, most significant bit first.
    pub bits: Vec<BddVariable>,
    /// The kind of value.
    pub kind: Kind,
}

/// The most BDD variables one policy may use (the BDD library indexes them with `u16`).
pub const MAX_VARIABLES: usize = 60_000;

/// A policy whose data need more BDD variables than [`MAX_VARIABLES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// How many variables it would need.
    pub variables: usize,
}

/// Where a parameter's bits are: the action and the cascade depth it runs at.
pub type Frame = (ActionId, usize);

/// `slot OP constant`: the slot's bits, OP, the constant.
type Comparison = (Vec<BddVariable>, CmpOp, u64);

/// The encoding of one policy's data: its [`Layout`], shared by every thread's copy, and
/// this copy's cache of comparisons.
pub struct Domain<'m> {
    model: &'m Model,
    layout: Arc<Layout>,
    /// `slot OP constant`, by (the slot's bits, OP, the constant): the same comparisons
    /// recur in guard after guard, and each costs a BDD operation per bit.
    comparisons: RefCell<HashMap<Comparison, Bdd>>,
}

/// Which BDD variables hold what, for one policy. Working it out walks every condition
/// of the policy (70 to 100 ms on 10,000 processes), so it is done once per policy and
/// shared by the domains of every thread (see [`Domain::sharing`]).
pub struct Layout {
    vars: BddVariableSet,
    fields: Vec<Slot>,
    /// Every field's bits, in the variable order.
    field_bits: Vec<BddVariable>,
    /// `pool[depth][index]`: bits for the `index`-th parameter of an action at `depth`.
    pool: Vec<Vec<Vec<BddVariable>>>,
    shadows: HashMap<FieldId, Slot>,
    /// Every field bit's origin: a copy of the field bit, the variable just before it,
    /// which holds the data an action starts from in its relation (see
    /// `Semantics::relation`). Nothing else reads or writes origin bits.
    origins: Vec<Vec<BddVariable>>,
    int_base: i64,
    opaque_tables: HashMap<OpaqueKey, (Vec<String>, u64)>,
    /// Every field within its domain.
    valid: Bdd,
}

/// What the layout of a policy's variables needs to know, whatever the order of its fields:
/// the kinds and widths of fields and parameters, and where parameters live. Working it
/// out walks every condition of the policy once.
struct Survey {
    int_base: i64,
    opaque_tables: HashMap<OpaqueKey, (Vec<String>, u64)>,
    field_kinds: Vec<Kind>,
    /// Per field: how many bits it takes (none when nothing reads or writes it).
    field_widths: Vec<usize>,
    shadow_fields: Vec<FieldId>,
    /// Per parameter position: the widest parameter there.
    pool_widths: Vec<usize>,
    /// Per parameter position: the field its bits go beside.
    homes: Vec<Option<usize>>,
}

impl Survey {
    fn of(model: &Model) -> Survey {
        // The policy-wide base of int encodings, and the widest int.
        let int_kinds = model.fields.iter().map(|f| f.ty.node).chain(
            model
                .actions
                .iter()
                .flat_map(|a| a.params.iter().map(|p| p.ty.node)),
        );
        let mut int_base = i64::MAX;
        let mut int_top = i64::MIN;
        for ty in int_kinds {
            if let Ty::Int { lo, hi } = ty {
                int_base = int_base.min(lo);
                int_top = int_top.max(hi);
            }
        }
        if int_base > int_top {
            int_base = 0;
        }
        let max_params = model
            .actions
            .iter()
            .map(|a| a.params.len())
            .max()
            .unwrap_or(0);
        let reading = Reading::of(model, max_params);
        let opaque_tables = opaque_tables(model, reading.literals);
        let field_kinds: Vec<Kind> = model
            .fields
            .iter()
            .map(|f| Kind::of(f.ty.node, model))
            .collect();
        let width = |kind: Kind| kind_width(kind, int_base, &opaque_tables);
        // Fields nothing reads or writes need no variables.
        let field_widths = (0..field_kinds.len())
            .map(|i| {
                if reading.used[i] {
                    width(field_kinds[i])
                } else {
                    0
                }
            })
            .collect();
        let mut pool_widths = vec![0usize; max_params];
        for action in &model.actions {
            for (i, p) in action.params.iter().enumerate() {
                pool_widths[i] = pool_widths[i].max(width(Kind::of(p.ty.node, model)));
            }
        }
        Survey {
            int_base,
            field_kinds,
            field_widths,
            shadow_fields: shadowed_fields(model),
            pool_widths,
            homes: param_homes(&reading.ties),
            opaque_tables,
        }
    }

    fn width(&self, kind: Kind) -> usize {
        kind_width(kind, self.int_base, &self.opaque_tables)
    }

    /// The domain whose fields take their variables in `order` (a permutation of the
    /// fields' indices).
    fn domain<'m>(&self, model: &'m Model, order: &[usize]) -> Result<Domain<'m>, TooLarge> {
        let (field_kinds, pool_widths) = (&self.field_kinds, &self.pool_widths);
        let max_params = pool_widths.len();
        // Every field bit comes with its origin bit (see `Domain::origin`).
        let total: usize = 2 * self.field_widths.iter().sum::<usize>()
            + self
                .shadow_fields
                .iter()
                .map(|f| self.width(field_kinds[f.index()]))
                .sum::<usize>()
            + pool_widths.iter().sum::<usize>() * (MAX_CASCADE + 1);
        if total > MAX_VARIABLES {
            return Err(TooLarge { variables: total });
        }
        let vars = BddVariableSet::new_anonymous(u16::try_from(total.max(1)).unwrap_or(1));
        let all = vars.variables();
        let mut next = 0usize;
        let mut take = || -> BddVariable {
            let var = all
                .get(next)
                .copied()
                .unwrap_or_else(|| BddVariable::from_index(0));
            next += 1;
            var
        };
        // `pool[depth][index]`, filled in below.
        let mut pool: Vec<Vec<Vec<Option<BddVariable>>>> = (0..=MAX_CASCADE)
            .map(|_| pool_widths.iter().map(|w| vec![None; *w]).collect())
            .collect();
        // A field's bits from the most significant: each with its origin just before it
        // (so that renaming one into the other keeps the variable order, see
        // `Domain::to_origin`), then the bits of the same weight of the parameters that
        // have the field as their home, at every depth. An equality between a field and a
        // parameter then takes a few nodes per bit, where all of one before all of the
        // other would take a node per value.
        let mut placed: Vec<Option<(Slot, Vec<BddVariable>)>> = vec![None; field_kinds.len()];
        for &i in order {
            let width = self.field_widths[i];
            let homed: Vec<usize> = (0..max_params)
                .filter(|p| self.homes[*p] == Some(i))
                .collect();
            let rows = homed
                .iter()
                .map(|p| pool_widths[*p])
                .fold(width, usize::max);
            let (mut bits, mut origins) = (Vec::new(), Vec::new());
            for row in 0..rows {
                let weight = rows - 1 - row;
                if weight < width {
                    origins.push(take());
                    bits.push(take());
                }
                for p in &homed {
                    if weight < pool_widths[*p] {
                        let bit = pool_widths[*p] - 1 - weight;
                        for depth in &mut pool {
                            depth[*p][bit] = Some(take());
                        }
                    }
                }
            }
            placed[i] = Some((
                Slot {
                    bits,
                    kind: field_kinds[i],
                },
                origins,
            ));
        }
        let (fields, origins): (Vec<Slot>, Vec<Vec<BddVariable>>) =
            placed.into_iter().flatten().unzip();
        let shadows = self
            .shadow_fields
            .iter()
            .map(|f| {
                let kind = field_kinds[f.index()];
                let bits = (0..self.width(kind)).map(|_| take()).collect();
                (*f, Slot { bits, kind })
            })
            .collect();
        // The parameters without a home last, depth by depth.
        let pool = pool
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|bits| {
                        bits.into_iter()
                            .map(|b| b.unwrap_or_else(&mut take))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        debug_assert_eq!(next, total, "every variable counted is placed once");
        let mut field_bits: Vec<BddVariable> =
            fields.iter().flat_map(|s| s.bits.iter().copied()).collect();
        field_bits.sort();
        let layout = Layout {
            valid: vars.mk_true(),
            vars,
            fields,
            field_bits,
            origins,
            pool,
            shadows,
            int_base: self.int_base,
            opaque_tables: self.opaque_tables.clone(),
        };
        let slots: Vec<Slot> = layout
            .fields
            .iter()
            .filter(|s| !s.bits.is_empty())
            .cloned()
            .collect();
        let mut domain = Domain::sharing(model, Arc::new(layout));
        let mut valid = domain.vars().mk_true();
        for slot in &slots {
            valid = valid.meet(&domain.in_domain(slot));
        }
        // Not shared yet: the domain holds the only reference.
        if let Some(layout) = Arc::get_mut(&mut domain.layout) {
            layout.valid = valid;
        }
        Ok(domain)
    }
}

/// An order of `fields` fields (a permutation of their indices) in which the fields each
/// invariant reads (`coupled`, by index) lie closer together: the FORCE heuristic of
/// Aloul, Markov and Sakallah (2003). Each round moves every field to the mean of the
/// centres of the invariants that read it, the others staying where they are; the order
/// whose invariants span the fewest positions in all is kept, and the declaration order
/// itself unless another is strictly better.
///
/// Why: every set of data the analysis builds lies within the invariants, and a BDD
/// carries a field's value down from its variables to those of every field it is related
/// to. A flag and the amount one invariant bounds for it, declared far apart, make every
/// node in between twice: on the generated policy with rules, −17% instructions in all.
fn coupled_order(fields: usize, coupled: &[Vec<usize>]) -> Vec<usize> {
    /// Rounds: the order settles in a few, and each costs a pass over the invariants.
    const ROUNDS: usize = 32;
    let declared: Vec<usize> = (0..fields).collect();
    if coupled.is_empty() {
        return declared;
    }
    let span = |position: &[usize]| -> usize {
        coupled
            .iter()
            .map(|fields| {
                let at = fields.iter().map(|f| position[*f]);
                at.clone().max().unwrap_or(0) - at.min().unwrap_or(0)
            })
            .sum()
    };
    let mut position = declared.clone();
    let mut best = (span(&position), declared.clone());
    let mut order = declared;
    for _ in 0..ROUNDS {
        let mut pull: Vec<(f64, usize)> = vec![(0.0, 0); fields];
        for fields in coupled {
            let centre =
                fields.iter().map(|f| position[*f] as f64).sum::<f64>() / fields.len() as f64;
            for f in fields {
                pull[*f].0 += centre;
                pull[*f].1 += 1;
            }
        }
        let target = |f: usize| match pull[f] {
            (_, 0) => position[f] as f64,
            (sum, n) => sum / n as f64,
        };
        order.sort_by(|a, b| {
            target(*a)
                .total_cmp(&target(*b))
                .then(position[*a].cmp(&position[*b]))
        });
        for (at, f) in order.iter().enumerate() {
            position[*f] = at;
        }
        let spanned = span(&position);
        if spanned < best.0 {
            best = (spanned, order.clone());
        }
    }
    best.1
}

/// How many bits a value of `kind` takes.
fn kind_width(
    kind: Kind,
    int_base: i64,
    opaque_tables: &HashMap<OpaqueKey, (Vec<String>, u64)>,
) -> usize {
    match kind {
        Kind::Bool => 1,
        Kind::Int { hi, .. } => {
            bits_for((hi as i128 - int_base as i128 + 1).clamp(1, u64::MAX as i128) as u64)
        }
        Kind::Enum(_, n) => bits_for(n),
        Kind::Opaque(key) => opaque_tables
            .get(&key)
            .map_or(1, |(lits, fresh)| bits_for(lits.len() as u64 + fresh)),
    }
}

fn bits_for(count: u64) -> usize {
    (64 - count.saturating_sub(1).leading_zeros()) as usize
}

impl<'m> Domain<'m> {
    /// Builds the encoding for `model`, or says how many variables it would need when that
    /// is more than a BDD can index. The fields are laid out in declaration order, unless
    /// another order keeps the fields the invariants read together closer (see
    /// [`coupled_order`]).
    pub fn new(model: &'m Model) -> Result<Domain<'m>, TooLarge> {
        let survey = Survey::of(model);
        let declared: Vec<usize> = (0..model.fields.len()).collect();
        let domain = survey.domain(model, &declared)?;
        let order = coupled_order(declared.len(), &domain.invariant_fields());
        if order == declared {
            Ok(domain)
        } else {
            survey.domain(model, &order)
        }
    }

    /// For each invariant reading two fields or more: the fields it reads (by the support
    /// of its BDD, so that a part that always holds, like `tier in { every variant }`,
    /// couples nothing).
    fn invariant_fields(&self) -> Vec<Vec<usize>> {
        let mut field_of = vec![None; usize::from(self.vars().num_vars())];
        for (f, slot) in self.layout.fields.iter().enumerate() {
            for bit in &slot.bits {
                field_of[bit.to_index()] = Some(f);
            }
        }
        let fields_of = |set: &Bdd| -> Vec<usize> {
            let mut fields: Vec<usize> = set
                .support_set()
                .iter()
                .filter_map(|var| field_of[var.to_index()])
                .collect();
            fields.sort_unstable();
            fields.dedup();
            fields
        };
        let mut coupled = Vec::new();
        for rule in &self.model.index.invariants {
            let crate::model::RuleKind::Invariant(cond) = &self.model.rule(*rule).kind.node else {
                continue;
            };
            let holds = self.cond(cond, &[]);
            // The fields it reads are those of where it fails within their domains (a set
            // and its complement read the same variables): out-of-domain values never
            // occur, so `k in { every variant }`, failing nowhere, reads nothing.
            let in_domain = fields_of(&holds)
                .iter()
                .fold(self.vars().mk_true(), |acc, f| {
                    acc.meet(&self.in_domain(&self.layout.fields[*f]))
                });
            let fields = fields_of(&in_domain.minus(&holds));
            if fields.len() >= 2 {
                coupled.push(fields);
            }
        }
        coupled
    }

    /// A domain of `model` with the layout of another domain of it (see [`Self::layout`]),
    /// and a cache of its own.
    pub fn sharing(model: &'m Model, layout: Arc<Layout>) -> Domain<'m> {
        Domain {
            model,
            layout,
            comparisons: RefCell::default(),
        }
    }

    /// This domain's layout, to share with a domain of the same policy on another thread.
    pub fn layout(&self) -> Arc<Layout> {
        Arc::clone(&self.layout)
    }

    /// The BDD variables.
    pub fn vars(&self) -> &BddVariableSet {
        &self.layout.vars
    }

    /// Every field within its domain.
    pub fn valid(&self) -> &Bdd {
        &self.layout.valid
    }

    /// A field's origin bits.
    pub fn origin(&self, f: FieldId) -> &[BddVariable] {
        &self.layout.origins[f.index()]
    }

    /// `f` equal to its origin.
    pub fn unchanged(&self, f: FieldId) -> Bdd {
        let vars = self.vars();
        self.field(f)
            .bits
            .iter()
            .zip(self.origin(f))
            .fold(vars.mk_true(), |acc, (bit, from)| {
                acc.meet(&vars.mk_var(*bit).iff(&vars.mk_var(*from)))
            })
    }

    /// The relation "nothing changed" over `fields`: each equal to its origin.
    pub fn identity_of(&self, fields: &[FieldId]) -> Bdd {
        fields.iter().fold(self.vars().mk_true(), |acc, f| {
            acc.meet(&self.unchanged(*f))
        })
    }

    /// Every bit of `fields`, as a mask over variable indices (for [`Self::to_origin`]).
    pub fn field_mask(&self, fields: &[FieldId]) -> Vec<bool> {
        let mut mask = vec![false; usize::from(self.vars().num_vars())];
        for f in fields {
            for bit in &self.field(*f).bits {
                mask[bit.to_index()] = true;
            }
        }
        mask
    }

    /// `set` with the field bits in `mask` renamed to their origin bits; `None` if `set`
    /// already reads one of those origin bits.
    pub fn to_origin(&self, set: &Bdd, mask: &[bool]) -> Option<Bdd> {
        self.renamed(set, mask, true)
    }

    /// `set` with the origin bits of the field bits in `mask` renamed to those field bits;
    /// `None` if `set` also reads one of those field bits.
    pub fn from_origin(&self, set: &Bdd, mask: &[bool]) -> Option<Bdd> {
        self.renamed(set, mask, false)
    }

    /// Renames between field bits and their origins by relabelling nodes: an origin is the
    /// variable just before its field bit, so when a set reads only one of the two, the
    /// renamed set keeps the variable order and stays a reduced BDD.
    fn renamed(&self, set: &Bdd, mask: &[bool], to_origin: bool) -> Option<Bdd> {
        let masked = |index: usize| mask.get(index).copied().unwrap_or(false);
        let mut nodes = set.clone().to_nodes();
        // The first two nodes are the terminals.
        for node in nodes.iter_mut().skip(2) {
            let index = node.var.to_index();
            let (field, origin) = (masked(index), masked(index + 1));
            node.var = match (to_origin, field, origin) {
                (true, true, _) => BddVariable::from_index(index - 1),
                (false, _, true) => BddVariable::from_index(index + 1),
                (true, _, true) | (false, true, _) => return None,
                _ => node.var,
            };
        }
        nodes::bdd(nodes.iter().map(nodes::of_node))
    }

    /// The constant `true` or `false`.
    pub fn constant(&self, value: bool) -> Bdd {
        if value {
            self.vars().mk_true()
        } else {
            self.vars().mk_false()
        }
    }

    /// The model this domain encodes.
    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// The data of `valuation` (its fields' values; parameters and origins free), as a set
    /// of one point.
    pub fn point(&self, valuation: &BddValuation) -> Bdd {
        let literals: Vec<(BddVariable, bool)> = self
            .layout
            .field_bits
            .iter()
            .map(|bit| (*bit, valuation.value(*bit)))
            .collect();
        apply::cube(self.vars(), &literals)
    }

    /// The slot of a field.
    pub fn field(&self, f: FieldId) -> &Slot {
        &self.layout.fields[f.index()]
    }

    /// The shadow copy of a field, for actions that read a field they also assign.
    pub fn shadow(&self, f: FieldId) -> Option<&Slot> {
        self.layout.shadows.get(&f)
    }

    /// The slot of a parameter of an action running at cascade depth `depth`.
    pub fn param(&self, action: ActionId, index: u32, depth: usize) -> Slot {
        let ty = self.model.action(action).params[index as usize].ty.node;
        let kind = Kind::of(ty, self.model);
        let bits = self
            .layout
            .pool
            .get(depth.min(MAX_CASCADE))
            .and_then(|row| row.get(index as usize))
            .cloned()
            .unwrap_or_default();
        // A parameter narrower than its pool row leaves the top bits at zero.
        let width = bits.len().min(self.width_of(kind));
        Slot {
            bits: bits[bits.len() - width..].to_vec(),
            kind,
        }
    }

    /// Every parameter variable of an action at `depth`, for quantifying them away.
    pub fn param_vars(&self, action: ActionId, depth: usize) -> Vec<BddVariable> {
        let count = self.model.action(action).params.len();
        self.layout
            .pool
            .get(depth.min(MAX_CASCADE))
            .map(|row| row.iter().take(count).flatten().copied().collect())
            .unwrap_or_default()
    }

    /// The domain constraint of an action's parameters at `depth` (including the unused top
    /// bits of their pool rows, which stay zero).
    pub fn params_valid(&self, action: ActionId, depth: usize) -> Bdd {
        let mut valid = self.vars().mk_true();
        for index in 0..self.model.action(action).params.len() {
            let slot = self.param(action, index as u32, depth);
            valid = valid.meet(&self.in_domain(&slot));
            if let Some(row) = self
                .layout
                .pool
                .get(depth.min(MAX_CASCADE))
                .and_then(|r| r.get(index))
            {
                for bit in &row[..row.len() - slot.bits.len()] {
                    valid = valid.meet(&self.vars().mk_literal(*bit, false));
                }
            }
        }
        valid
    }

    fn width_of(&self, kind: Kind) -> usize {
        match kind {
            Kind::Bool => 1,
            Kind::Int { hi, .. } => bits_for(
                (hi as i128 - self.layout.int_base as i128 + 1).clamp(1, u64::MAX as i128) as u64,
            ),
            Kind::Enum(_, n) => bits_for(n),
            Kind::Opaque(key) => self.opaque_size(key).map_or(1, bits_for),
        }
    }

    fn opaque_size(&self, key: OpaqueKey) -> Option<u64> {
        self.layout
            .opaque_tables
            .get(&key)
            .map(|(lits, fresh)| lits.len() as u64 + fresh)
    }

    /// The range of valid indices of a slot.
    fn index_range(&self, kind: Kind) -> (u64, u64) {
        match kind {
            Kind::Bool => (0, 1),
            Kind::Int { lo, hi } => (
                (lo - self.layout.int_base) as u64,
                (hi - self.layout.int_base) as u64,
            ),
            Kind::Enum(_, n) => (0, n.saturating_sub(1)),
            Kind::Opaque(key) => (0, self.opaque_size(key).unwrap_or(1).saturating_sub(1)),
        }
    }

    /// The constraint that a slot holds a valid value.
    pub fn in_domain(&self, slot: &Slot) -> Bdd {
        let (lo, hi) = self.index_range(slot.kind);
        self.cmp_const(slot, CmpOp::Ge, lo)
            .meet(&self.cmp_const(slot, CmpOp::Le, hi))
    }

    /// The index that encodes `value` in a slot of `kind`, if it has one.
    pub fn index_of(&self, kind: Kind, value: &Value) -> Option<u64> {
        match (kind, value) {
            (Kind::Bool, Value::Bool(b)) => Some(u64::from(*b)),
            (Kind::Int { .. }, Value::Int(i)) => {
                u64::try_from(i128::from(*i) - i128::from(self.layout.int_base)).ok()
            }
            (Kind::Enum(..), Value::Variant(_, v)) => Some(u64::from(*v)),
            (Kind::Opaque(key), Value::Str(s)) => {
                let (lits, _) = self.layout.opaque_tables.get(&key)?;
                lits.iter().position(|l| l == s).map(|i| i as u64)
            }
            _ => None,
        }
    }

    /// The value an index stands for, as written in a policy (fresh opaque values are shown
    /// as quoted letters distinct from every literal of the type).
    pub fn display(&self, kind: Kind, index: u64) -> String {
        match kind {
            Kind::Bool => (index == 1).to_string(),
            Kind::Int { .. } => (i128::from(self.layout.int_base) + i128::from(index)).to_string(),
            Kind::Enum(e, _) => self.model.display_value(&Value::Variant(e, index as u32)),
            Kind::Opaque(key) => {
                let (lits, _) = self
                    .layout
                    .opaque_tables
                    .get(&key)
                    .map_or((&[][..], 0), |(l, f)| (l.as_slice(), *f));
                match lits.get(index as usize) {
                    Some(lit) => format!("{lit:?}"),
                    None => {
                        let fresh = index as usize - lits.len();
                        let mut n = 0;
                        let mut names = (0..)
                            .map(|i: usize| fresh_name(i))
                            .filter(|name| !lits.contains(name));
                        let mut name = String::new();
                        while n <= fresh {
                            name = names.next().unwrap_or_default();
                            n += 1;
                        }
                        format!("{name:?}")
                    }
                }
            }
        }
    }

    /// The index a valuation gives a slot.
    pub fn read(&self, slot: &Slot, valuation: &BddValuation) -> u64 {
        slot.bits
            .iter()
            .fold(0u64, |acc, b| (acc << 1) | u64::from(valuation.value(*b)))
    }

    /// `slot == index`.
    pub fn eq_const(&self, slot: &Slot, index: u64) -> Bdd {
        let width = slot.bits.len();
        if width < 64 && index >> width != 0 {
            return self.vars().mk_false();
        }
        let literals: Vec<(BddVariable, bool)> = slot
            .bits
            .iter()
            .enumerate()
            .map(|(i, b)| (*b, (index >> (width - 1 - i)) & 1 == 1))
            .collect();
        apply::cube(self.vars(), &literals)
    }

    /// `slot OP index`, unsigned on the encoding.
    pub fn cmp_const(&self, slot: &Slot, op: CmpOp, index: u64) -> Bdd {
        let key = (slot.bits.clone(), op, index);
        if let Some(known) = self.comparisons.borrow().get(&key) {
            return known.clone();
        }
        let computed = self.compute_cmp_const(slot, op, index);
        self.comparisons.borrow_mut().insert(key, computed.clone());
        computed
    }

    fn compute_cmp_const(&self, slot: &Slot, op: CmpOp, index: u64) -> Bdd {
        match op {
            CmpOp::Eq => self.eq_const(slot, index),
            CmpOp::Ne => self.eq_const(slot, index).not(),
            CmpOp::Lt => self.less_than_const(slot, index),
            CmpOp::Ge => self.less_than_const(slot, index).not(),
            CmpOp::Le => index
                .checked_add(1)
                .map_or_else(|| self.vars().mk_true(), |i| self.less_than_const(slot, i)),
            CmpOp::Gt => index.checked_add(1).map_or_else(
                || self.vars().mk_false(),
                |i| self.less_than_const(slot, i).not(),
            ),
        }
    }

    fn less_than_const(&self, slot: &Slot, index: u64) -> Bdd {
        let width = slot.bits.len();
        if width < 64 && index >> width != 0 {
            return self.vars().mk_true();
        }
        // From the least significant bit up: lt = (!a & c) | ((a == c) & lt_below).
        let mut lt = self.vars().mk_false();
        for (i, bit) in slot.bits.iter().enumerate().rev() {
            let c = (index >> (width - 1 - i)) & 1 == 1;
            let a = self.vars().mk_var(*bit);
            lt = if c {
                a.not().join(&lt)
            } else {
                a.not().meet(&lt)
            };
        }
        lt
    }

    /// `a OP b` for two slots of one encoding (ints zero-extended to a common width).
    pub fn cmp_slots(&self, a: &Slot, op: CmpOp, b: &Slot) -> Bdd {
        match op {
            CmpOp::Eq => self.eq_slots(a, b),
            CmpOp::Ne => self.eq_slots(a, b).not(),
            CmpOp::Lt => self.less_than_slots(a, b),
            CmpOp::Gt => self.less_than_slots(b, a),
            CmpOp::Le => self.less_than_slots(b, a).not(),
            CmpOp::Ge => self.less_than_slots(a, b).not(),
        }
    }

    /// Bit `i` from the least significant end, or `false` beyond the slot's width.
    fn bit_from_lsb(&self, slot: &Slot, i: usize) -> Bdd {
        match slot
            .bits
            .len()
            .checked_sub(1 + i)
            .and_then(|j| slot.bits.get(j))
        {
            Some(b) => self.vars().mk_var(*b),
            None => self.vars().mk_false(),
        }
    }

    /// `a == b`.
    pub fn eq_slots(&self, a: &Slot, b: &Slot) -> Bdd {
        let width = a.bits.len().max(b.bits.len());
        let mut eq = self.vars().mk_true();
        for i in 0..width {
            eq = eq.meet(&self.bit_from_lsb(a, i).iff(&self.bit_from_lsb(b, i)));
        }
        eq
    }

    fn less_than_slots(&self, a: &Slot, b: &Slot) -> Bdd {
        let width = a.bits.len().max(b.bits.len());
        let mut lt = self.vars().mk_false();
        for i in 0..width {
            let (x, y) = (self.bit_from_lsb(a, i), self.bit_from_lsb(b, i));
            lt = x.not().meet(&y).join(&x.iff(&y).meet(&lt));
        }
        lt
    }

    /// The slot a term reads, or `None` for a literal.
    pub fn term_slot(&self, term: &Term, frames: &[Frame]) -> Option<Slot> {
        match term {
            Term::Field(f) => Some(self.field(*f).clone()),
            Term::Param(action, index) => {
                let depth = frames
                    .iter()
                    .rev()
                    .find(|(a, _)| a == action)
                    .map_or(0, |(_, d)| *d);
                Some(self.param(*action, *index, depth))
            }
            Term::Value(_) => None,
        }
    }

    /// A condition as a BDD. `frames` says at which depth each action's parameters are.
    pub fn cond(&self, cond: &Cond, frames: &[Frame]) -> Bdd {
        match cond {
            Cond::And(parts) => parts.iter().fold(self.vars().mk_true(), |acc, p| {
                acc.meet(&self.cond(p, frames))
            }),
            Cond::Or(parts) => parts.iter().fold(self.vars().mk_false(), |acc, p| {
                acc.join(&self.cond(p, frames))
            }),
            Cond::Not(inner) => self.cond(inner, frames).not(),
            Cond::Compare { lhs, op, rhs } => self.compare(&lhs.node, *op, &rhs.node, frames),
            Cond::In { term, values } => values.iter().fold(self.vars().mk_false(), |acc, v| {
                acc.join(&self.compare(&term.node, CmpOp::Eq, &Term::Value(v.node.clone()), frames))
            }),
            Cond::Truth(term) => self.compare(
                &term.node,
                CmpOp::Eq,
                &Term::Value(Value::Bool(true)),
                frames,
            ),
        }
    }

    fn compare(&self, lhs: &Term, op: CmpOp, rhs: &Term, frames: &[Frame]) -> Bdd {
        match (self.term_slot(lhs, frames), self.term_slot(rhs, frames)) {
            (Some(a), Some(b)) => self.cmp_slots(&a, op, &b),
            (Some(a), None) => self.cmp_value(&a, op, rhs),
            (None, Some(b)) => self.cmp_value(&b, flip(op), lhs),
            (None, None) => match (lhs, rhs) {
                (Term::Value(a), Term::Value(b)) => self.constant(holds(a, op, b)),
                _ => self.vars().mk_false(),
            },
        }
    }

    fn cmp_value(&self, slot: &Slot, op: CmpOp, value: &Term) -> Bdd {
        let Term::Value(value) = value else {
            return self.vars().mk_false();
        };
        match self.index_of(slot.kind, value) {
            Some(index) => self.cmp_const(slot, op, index),
            // A literal of an opaque type missing from the table cannot happen (the table
            // holds every literal); keep `!=` true and everything else false regardless.
            None => self.constant(op == CmpOp::Ne),
        }
    }

    /// The concrete values of the given fields in a valuation: `(entity.field, value)`.
    pub fn describe_fields(
        &self,
        valuation: &BddValuation,
        fields: &[FieldId],
    ) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|f| {
                let slot = self.field(*f);
                (
                    self.model.field(*f).qualified.clone(),
                    self.display(slot.kind, self.read(slot, valuation)),
                )
            })
            .collect()
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// Compares two literals.
pub fn holds(a: &Value, op: CmpOp, b: &Value) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
    }
}

/// "A", "B", ..., "Z", "AA", ...: names for fresh opaque values.
fn fresh_name(i: usize) -> String {
    let mut n = i;
    let mut name = String::new();
    loop {
        name.insert(0, char::from(b'A' + (n % 26) as u8));
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    name
}

/// Each opaque type's string literals (sorted) and how many fresh values it needs.
fn opaque_tables(
    model: &Model,
    literals: Vec<(OpaqueKey, String)>,
) -> HashMap<OpaqueKey, (Vec<String>, u64)> {
    let mut tables: HashMap<OpaqueKey, (Vec<String>, u64)> = HashMap::default();
    for field in &model.fields {
        if let Some(k) = opaque_key(field.ty.node) {
            tables.entry(k).or_default().1 += 1;
        }
    }
    let mut per_action: HashMap<OpaqueKey, u64> = HashMap::default();
    for action in &model.actions {
        let mut counts: HashMap<OpaqueKey, u64> = HashMap::default();
        for p in &action.params {
            if let Some(k) = opaque_key(p.ty.node) {
                *counts.entry(k).or_default() += 1;
            }
        }
        for (k, n) in counts {
            let max = per_action.entry(k).or_default();
            *max = (*max).max(n);
        }
    }
    for (k, n) in per_action {
        // Parameters of actions at every cascade depth can be live at once.
        tables.entry(k).or_default().1 += n * (MAX_CASCADE as u64 + 1);
    }
    let mut by_key: HashMap<OpaqueKey, Vec<String>> = HashMap::default();
    for (k, literal) in literals {
        by_key.entry(k).or_default().push(literal);
    }
    for (k, mut lits) in by_key {
        lits.sort();
        lits.dedup();
        tables.entry(k).or_default().0 = lits;
    }
    for table in tables.values_mut() {
        table.1 = table.1.max(1);
    }
    tables
}

/// The opaque table a type's literals go to: a declared opaque type's, or `text`'s.
fn opaque_key(ty: Ty) -> Option<OpaqueKey> {
    match ty {
        Ty::Opaque(o) => Some(OpaqueKey::Named(o)),
        Ty::Text => Some(OpaqueKey::Text),
        _ => None,
    }
}

/// What the layout needs from the policy's conditions and effects, read in one walk of
/// each condition: the fields something reads or writes, the literals compared with or
/// assigned to opaque terms, and how often a parameter at each position meets each field.
/// The processes' conditions are read on every core: on 10,000 processes, collecting every
/// condition and walking them three times took 34 ms of one core, the other idle, before
/// the analysis began.
struct Reading {
    /// Per field: whether some condition or effect reads or writes it.
    used: Vec<bool>,
    /// Every string literal compared with or assigned to an opaque term, with its table.
    literals: Vec<(OpaqueKey, String)>,
    /// `ties[position][field]`: how often a parameter at `position` is assigned to the
    /// field (`set field = param`) or compared with it.
    ties: Vec<Vec<usize>>,
}

impl Reading {
    fn of(model: &Model, positions: usize) -> Reading {
        let mut reading = Reading::empty(model, positions);
        reading.read_effects(model);
        for cond in model.rule_conditions() {
            reading.read(model, cond);
        }
        let read = crate::parallel::map_ranges(model.processes.len(), |range| {
            let mut part = Reading::empty(model, positions);
            for process in &model.processes[range] {
                process.conditions(|cond| part.read(model, cond));
            }
            part
        });
        for part in read {
            reading.merge(part);
        }
        reading
    }

    fn empty(model: &Model, positions: usize) -> Reading {
        Reading {
            used: vec![false; model.fields.len()],
            literals: Vec::new(),
            ties: vec![vec![0; model.fields.len()]; positions],
        }
    }

    /// What the actions' `set`s say: the fields they write and read, the literals they
    /// assign, the parameters they assign.
    fn read_effects(&mut self, model: &Model) {
        for action in &model.actions {
            for effect in &action.effects {
                let field = Term::Field(effect.field.node);
                self.mark(&field);
                self.mark(&effect.value.node);
                if let Term::Value(value) = &effect.value.node {
                    self.literal(model.field(effect.field.node).ty.node, value);
                }
                self.tie(&field, &effect.value.node);
            }
        }
    }

    fn read(&mut self, model: &Model, cond: &Cond) {
        let ty_of = |term: &Term| match term {
            Term::Field(id) => Some(model.field(*id).ty.node),
            Term::Param(a, i) => Some(model.action(*a).params[*i as usize].ty.node),
            Term::Value(_) => None,
        };
        cond.walk(&mut |c| match c {
            Cond::Compare { lhs, rhs, .. } => {
                self.mark(&lhs.node);
                self.mark(&rhs.node);
                if let (t, Term::Value(v)) | (Term::Value(v), t) = (&lhs.node, &rhs.node)
                    && let Some(ty) = ty_of(t)
                {
                    self.literal(ty, v);
                }
                self.tie(&lhs.node, &rhs.node);
            }
            Cond::In { term, values } => {
                self.mark(&term.node);
                if let Some(ty) = ty_of(&term.node) {
                    values.iter().for_each(|v| self.literal(ty, &v.node));
                }
            }
            Cond::Truth(term) => self.mark(&term.node),
            Cond::And(_) | Cond::Or(_) | Cond::Not(_) => {}
        });
    }

    fn mark(&mut self, term: &Term) {
        if let Term::Field(f) = term {
            self.used[f.index()] = true;
        }
    }

    fn literal(&mut self, ty: Ty, value: &Value) {
        if let (Some(key), Value::Str(s)) = (opaque_key(ty), value) {
            self.literals.push((key, s.clone()));
        }
    }

    fn tie(&mut self, a: &Term, b: &Term) {
        if let (Term::Param(_, index), Term::Field(field))
        | (Term::Field(field), Term::Param(_, index)) = (a, b)
        {
            self.ties[*index as usize][field.index()] += 1;
        }
    }

    fn merge(&mut self, other: Reading) {
        for (used, other) in self.used.iter_mut().zip(other.used) {
            *used |= other;
        }
        self.literals.extend(other.literals);
        for (ties, other) in self.ties.iter_mut().zip(other.ties) {
            for (n, m) in ties.iter_mut().zip(other) {
                *n += m;
            }
        }
    }
}

/// Per parameter position, the field a parameter at that position is most often tied to
/// (see [`Reading::ties`]); the first such field on a tie, `None` when no parameter there
/// meets a field.
fn param_homes(ties: &[Vec<usize>]) -> Vec<Option<usize>> {
    ties.iter()
        .map(|per_field| {
            let best = per_field.iter().copied().max().filter(|n| *n > 0)?;
            per_field.iter().position(|n| *n == best)
        })
        .collect()
}

/// Fields that some action reads (in a `set` value) while also assigning them.
fn shadowed_fields(model: &Model) -> Vec<FieldId> {
    let mut shadowed = Vec::new();
    for action in &model.actions {
        let assigned: Vec<FieldId> = action.effects.iter().map(|e| e.field.node).collect();
        for effect in &action.effects {
            if let Term::Field(source) = effect.value.node {
                if assigned.contains(&source) && !shadowed.contains(&source) {
                    shadowed.push(source);
                }
            }
        }
    }
    shadowed.sort();
    shadowed
}

/// Intersection, union and difference of sets, answered without a BDD pass when an operand
/// settles the result: `true`, `false`, or both the same set. A pass would still walk the
/// other operand then, and most operations of a run are of that kind (folds
/// that start from `true` or `false`, guards that are `true`, unions with nothing).
pub trait Sets {
    /// `self ∧ other`.
    fn meet(&self, other: &Bdd) -> Bdd;
    /// `self ∨ other`.
    fn join(&self, other: &Bdd) -> Bdd;
    /// `self ∧ ¬other`.
    fn minus(&self, other: &Bdd) -> Bdd;
}

impl Sets for Bdd {
    fn meet(&self, other: &Bdd) -> Bdd {
        settled(self, other, false).map_or_else(|| apply::and(self, other), Bdd::clone)
    }

    fn join(&self, other: &Bdd) -> Bdd {
        settled(self, other, true).map_or_else(|| apply::or(self, other), Bdd::clone)
    }

    fn minus(&self, other: &Bdd) -> Bdd {
        if self.is_false() || other.is_false() {
            self.clone()
        } else if other.is_true() {
            other.not() // empty: two nodes, without naming the variables again
        } else {
            apply::and_not(self, other)
        }
    }
}

/// For `∧` (`absorbing` is `false`) or `∨` (`true`): the operand that is the result without
/// a pass, if one is. An operand equal to the absorbing constant, or the other operand when
/// one is the identity, or either when they are the same set.
fn settled<'a>(a: &'a Bdd, b: &'a Bdd, absorbing: bool) -> Option<&'a Bdd> {
    let is = |set: &Bdd, value: bool| if value { set.is_true() } else { set.is_false() };
    if is(a, absorbing) || is(b, !absorbing) || a == b {
        Some(a)
    } else if is(b, absorbing) || is(a, !absorbing) {
        Some(b)
    } else {
        None
    }
}

/// `left ∧ right` with `vars` quantified away, in one fused pass. With none to forget,
/// [`Sets::meet`]: the fused pass unites branches in a second memo and copies its result
/// to drop what they leave behind, and most steps have no parameters to forget.
pub fn meet_forgetting(left: &Bdd, right: &Bdd, vars: &[BddVariable]) -> Bdd {
    if vars.is_empty() {
        left.meet(right)
    } else {
        apply::and_exists(left, right, vars)
    }
}

/// `set` with `var` quantified away, met with `other`, in one pass (`apply::forget_one_and`):
/// forgetting `var` is `set ∨ set[var ↦ ¬var]`, the second operand being `set` read with
/// `var`'s branches swapped. Two passes otherwise (forget, then meet).
pub fn forget_one_meeting(set: &Bdd, var: BddVariable, other: &Bdd) -> Bdd {
    apply::forget_one_and(set, var, other)
}

/// Whether `set` reads any of `vars`.
pub fn reads_any(set: &Bdd, vars: &[BddVariable]) -> bool {
    vars.iter().any(|var| set.support_set_contains(var))
}

/// `set` with `vars` quantified away. With none to forget, `set` itself: the library would
/// still rebuild it in a full pass (`x ∧ x`), and most actions have no parameters.
pub fn forget(set: &Bdd, vars: &[BddVariable]) -> Bdd {
    if vars.is_empty() {
        set.clone()
    } else {
        apply::exists(set, vars)
    }
}

/// Whether `a` and `b` share a point, without building their intersection.
pub fn intersects(a: &Bdd, b: &Bdd) -> bool {
    apply::meet_somewhere(a, b)
}

/// Whether every point of `a` is in `b`, without building `a` minus `b`.
pub fn within(a: &Bdd, b: &Bdd) -> bool {
    !apply::minus_somewhere(a, b)
}

/// Whether `set` holds a point that agrees with `fixed` (per variable index, the value it
/// must have, if any): a walk over the BDD's nodes that builds no BDD. In a reduced BDD
/// every path to `true` can be taken, so reaching `true` through choices `fixed` allows
/// suffices.
pub fn meets(set: &Bdd, fixed: &[Option<bool>]) -> bool {
    let mut visited = vec![false; set.size()];
    let mut stack = vec![set.root_pointer()];
    while let Some(node) = stack.pop() {
        if node.is_one() {
            return true;
        }
        if node.is_zero() || std::mem::replace(&mut visited[node.to_index()], true) {
            continue;
        }
        let (low, high) = (set.low_link_of(node), set.high_link_of(node));
        match fixed.get(set.var_of(node).to_index()).copied().flatten() {
            Some(true) => stack.push(high),
            Some(false) => stack.push(low),
            None => stack.extend([low, high]),
        }
    }
    false
}

/// The union of `sets` (`None` when there are none), folded in turn, skipping each set
/// already within the union so far. Where paths meet, and across the inputs of a sub-process
/// called from many places, most sets add nothing to those before them, and a walk that
/// finds so builds nothing. A balanced tree of joins, which built every pair's union anew,
/// took 98 ms of CPU for the unions of the 1,000-process corpus with rules, against 62 ms
/// (BENCHMARKS.md).
pub fn union_all(sets: &[&Bdd]) -> Option<Bdd> {
    let (first, rest) = sets.split_first()?;
    Some(united((*first).clone(), rest.iter().copied()))
}

/// [`union_all`] of sets it may consume: the first is where the union starts, not a copy
/// of it (most states of a process are reached from one other).
pub fn union_of(sets: Vec<Bdd>) -> Option<Bdd> {
    let mut sets = sets.into_iter();
    let first = sets.next()?;
    Some(united(first, sets.as_slice().iter()))
}

/// `union` joined with each of `rest` that is not within it already.
fn united<'a>(mut union: Bdd, rest: impl Iterator<Item = &'a Bdd>) -> Bdd {
    for set in rest {
        if !within(set, &union) {
            union = union.join(set);
        }
    }
    union
}

#[cfg(test)]
mod tests {
    use super::*;
    use biodivine_lib_bdd::BddVariableSet;
    use proptest::prelude::*;

    const VARS: u16 = 6;

    /// A random formula over [`VARS`] variables: `ops` folds literals with and / or / xor.
    fn formula(vars: &BddVariableSet, ops: &[(u8, u16, bool)]) -> Bdd {
        let all = vars.variables();
        ops.iter().fold(vars.mk_false(), |acc, (op, var, value)| {
            let literal = vars.mk_literal(all[usize::from(*var)], *value);
            // The library's own operations, so that the sets do not depend on `Sets`.
            match op % 3 {
                0 => acc.and(&literal),
                1 => acc.or(&literal),
                _ => acc.xor(&literal),
            }
        })
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_cases(512))]

        /// `meets` against every valuation, one by one.
        #[test]
        fn meets_is_having_a_point_that_agrees(
            ops in prop::collection::vec((0u8..3, 0..VARS, any::<bool>()), 0..12),
            fixed in prop::collection::vec(prop::option::of(any::<bool>()), usize::from(VARS)),
        ) {
            let vars = BddVariableSet::new_anonymous(VARS);
            let set = formula(&vars, &ops);
            let expected = (0u32..1 << VARS).any(|bits| {
                let values: Vec<bool> = (0..VARS).map(|i| bits >> i & 1 == 1).collect();
                let agrees = fixed.iter().zip(&values).all(|(f, v)| f.is_none_or(|f| f == *v));
                agrees && set.eval_in(&BddValuation::new(values))
            });
            prop_assert_eq!(meets(&set, &fixed), expected);
        }

        /// `union_all` and `union_of` are the library's own fold of `or`, node for node,
        /// whatever the sets (some within others, some repeated) and however many.
        #[test]
        fn union_all_and_union_of_are_the_librarys_union(
            sets in prop::collection::vec(prop::collection::vec((0u8..3, 0..VARS, any::<bool>()), 0..8), 0..10),
            repeat in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        ) {
            let vars = BddVariableSet::new_anonymous(VARS);
            let mut sets: Vec<Bdd> = sets.iter().map(|ops| formula(&vars, ops)).collect();
            if !sets.is_empty() {
                let again: Vec<Bdd> = repeat.iter().map(|i| sets[i.index(sets.len())].clone()).collect();
                sets.extend(again);
            }
            let expected = sets.iter().skip(1).fold(sets.first().cloned(), |acc, s| acc.map(|a| a.or(s)));
            let refs: Vec<&Bdd> = sets.iter().collect();
            prop_assert_eq!(union_all(&refs), expected.clone());
            prop_assert_eq!(union_of(sets), expected);
        }

        /// The binary set operations against the library's own, on random sets, on each
        /// with itself, and with `true` and `false` on either side: `meet`, `join` and
        /// `minus` give its results node for node, and `intersects` and `within` say
        /// whether the intersection and the difference it builds are empty.
        #[test]
        fn set_operations_agree_with_the_library(
            left in prop::collection::vec((0u8..3, 0..VARS, any::<bool>()), 0..12),
            right in prop::collection::vec((0u8..3, 0..VARS, any::<bool>()), 0..12),
        ) {
            let vars = BddVariableSet::new_anonymous(VARS);
            let operands =
                [formula(&vars, &left), formula(&vars, &right), vars.mk_true(), vars.mk_false()];
            for x in &operands {
                for y in &operands {
                    prop_assert_eq!(x.meet(y), x.and(y));
                    prop_assert_eq!(x.join(y), x.or(y));
                    prop_assert_eq!(x.minus(y), x.and_not(y));
                    prop_assert_eq!(intersects(x, y), !x.and(y).is_false());
                    prop_assert_eq!(within(x, y), x.and_not(y).is_false());
                }
            }
        }

        /// `forget_one_meeting` against forgetting, then meeting, with the library's own
        /// operations; and `reads_any` against the support.
        #[test]
        fn forgetting_one_variable_while_meeting(
            left in prop::collection::vec((0u8..3, 0..VARS, any::<bool>()), 0..12),
            right in prop::collection::vec((0u8..3, 0..VARS, any::<bool>()), 0..12),
            var in 0..VARS,
        ) {
            let vars = BddVariableSet::new_anonymous(VARS);
            let var = vars.variables()[usize::from(var)];
            let operands =
                [formula(&vars, &left), formula(&vars, &right), vars.mk_true(), vars.mk_false()];
            for x in &operands {
                prop_assert_eq!(reads_any(x, &[var]), x.support_set().contains(&var));
                for y in &operands {
                    prop_assert_eq!(forget_one_meeting(x, var, y), x.var_exists(var).and(y));
                }
            }
        }

        /// `forget` against the definition: a valuation is in the result when flipping
        /// the forgotten variables some way puts it in the set.
        #[test]
        fn forget_is_existential_quantification(
            ops in prop::collection::vec((0u8..3, 0..VARS, any::<bool>()), 0..12),
            forgotten in prop::collection::btree_set(0..VARS, 0..3),
        ) {
            let vars = BddVariableSet::new_anonymous(VARS);
            let set = formula(&vars, &ops);
            let all = vars.variables();
            let forgotten: Vec<BddVariable> =
                forgotten.iter().map(|i| all[usize::from(*i)]).collect();
            let result = forget(&set, &forgotten);
            for bits in 0u32..1 << VARS {
                let values: Vec<bool> = (0..VARS).map(|i| bits >> i & 1 == 1).collect();
                let expected = (0u32..1 << forgotten.len()).any(|choice| {
                    let mut moved = values.clone();
                    for (k, var) in forgotten.iter().enumerate() {
                        moved[var.to_index()] = choice >> k & 1 == 1;
                    }
                    set.eval_in(&BddValuation::new(moved))
                });
                prop_assert_eq!(result.eval_in(&BddValuation::new(values)), expected);
            }
        }
    }

    /// The reading of a policy with more processes than one thread reads at once (its
    /// parts read on every core and merged) is the reading of every condition in turn, on
    /// one thread, as the three surveys first walked them.
    #[test]
    fn conditions_read_in_parts_are_read_as_one() {
        let mut text = String::from(
            "policy many\nentity e {\n  n: int 0..9\n  m: int 0..9\n  a: text\n  f: bool\n}\n\
             channel web { can go, put }\naction go\naction put(x: int 0..9) {\n  requires x > e.m\n  set e.n = x\n}\n\
             rule r: invariant e.a != \"z\" or e.f\n",
        );
        for i in 0..3 * crate::parallel::ITEMS_PER_RANGE / 2 {
            text.push_str(&format!(
                "process p{i} {{\n  entry web\n  start s\n  state s {{\n    on go when e.a in {{ \"v{}\", \"w\" }} -> t\n    on put when e.f -> t\n  }}\n  final t\n}}\n",
                i % 7
            ));
        }
        let report = crate::lint::check(vec![crate::lint::Input {
            name: "many.omni".into(),
            contents: text.into_bytes(),
        }]);
        let model = report.policies[0].model.clone().expect("the policy reads");
        let positions = 1;
        let parts = Reading::of(&model, positions);
        let mut whole = Reading::empty(&model, positions);
        whole.read_effects(&model);
        for cond in model.conditions() {
            whole.read(&model, cond);
        }
        let sorted = |mut literals: Vec<(OpaqueKey, String)>| {
            literals.sort();
            literals
        };
        assert_eq!(parts.used, whole.used);
        assert_eq!(parts.ties, whole.ties);
        assert_eq!(sorted(parts.literals), sorted(whole.literals));
        // The walk saw what the policy says: nine distinct literals, `x` tied to `e.n`.
        let mut distinct = sorted(Reading::of(&model, positions).literals);
        distinct.dedup();
        assert_eq!(distinct.len(), 9);
        assert_eq!(param_homes(&whole.ties), vec![Some(0)]);
    }

    /// The variable layout: every variable used once, each origin just before its field
    /// bit, each parameter's bits beside those of the field its position is most often
    /// assigned to or compared with (of either width), and equalities between them still
    /// exact.
    #[test]
    fn parameters_sit_beside_the_fields_assigned_from_them() {
        let text = "policy layout
entity e {
  n: int 0..100
  m: int 0..100
  b: bool
  x: int 0..100
}
action a(v: int 0..3) { set e.m = v }
action b(w: int 0..100, u: bool) {
  set e.m = w
  set e.b = u
}
action c(z: int 0..100) { requires z > 3 and e.x > 0 }
action d(y: bool, t: int 0..100) { requires t != e.x and t < e.x }
action swap {
  set e.n = e.m
  set e.m = e.n
}
";
        let report = crate::lint::check(vec![crate::lint::Input {
            name: "layout.omni".into(),
            contents: text.as_bytes().to_vec(),
        }]);
        let model = report.policies[0].model.clone().expect("the policy reads");
        let dom = Domain::new(&model).expect("small enough");
        let layout = dom.layout();
        let mut seen: Vec<usize> = layout
            .fields
            .iter()
            .flat_map(|s| &s.bits)
            .chain(layout.origins.iter().flatten())
            .chain(layout.shadows.values().flat_map(|s| &s.bits))
            .chain(layout.pool.iter().flatten().flatten())
            .map(|v| v.to_index())
            .collect();
        seen.sort_unstable();
        let every: Vec<usize> = (0..usize::from(dom.vars().num_vars())).collect();
        assert_eq!(seen, every, "each variable belongs to exactly one slot");
        for (slot, origins) in layout.fields.iter().zip(&layout.origins) {
            assert_eq!(slot.bits.len(), origins.len());
            for (bit, origin) in slot.bits.iter().zip(origins) {
                assert_eq!(origin.to_index() + 1, bit.to_index());
            }
        }
        let field = |name: &str| {
            dom.field(model.field_named(name).expect("declared"))
                .clone()
        };
        let action = |name: &str| model.action_named(name).expect("declared");
        let (m, b, x) = (field("e.m"), field("e.b"), field("e.x"));
        assert_eq!(layout.shadows.len(), 2);
        let span = |slot: &Slot| {
            let indices = slot.bits.iter().map(|v| v.to_index());
            (indices.clone().min().unwrap(), indices.max().unwrap())
        };
        for depth in 0..=MAX_CASCADE {
            // Position 0 is assigned to `m` twice: its bits lie among `m`'s, before `b`.
            for param in [
                dom.param(action("a"), 0, depth),
                dom.param(action("b"), 0, depth),
            ] {
                assert!(span(&param).0 > span(&m).0 && span(&param).1 < span(&b).0);
            }
            // Position 1 is assigned to `b` once but compared with `x` twice: among `x`'s
            // bits, before the shadow copies that follow the fields.
            let shadows = layout
                .shadows
                .values()
                .map(span)
                .map(|s| s.0)
                .min()
                .unwrap();
            for param in [
                dom.param(action("b"), 1, depth),
                dom.param(action("d"), 1, depth),
            ] {
                assert!(span(&param).0 > span(&x).0 && span(&param).1 < shadows);
            }
        }
        // Equality between a field and a parameter of either width, value by value.
        for (param, top) in [
            (dom.param(action("a"), 0, 1), 3),
            (dom.param(action("b"), 0, 0), 100),
        ] {
            let eq = dom.eq_slots(&m, &param);
            for value in 0..=100u64 {
                for arg in (0..=top).step_by(7).chain([value.min(top)]) {
                    let point = dom.eq_const(&m, value).meet(&dom.eq_const(&param, arg));
                    assert_eq!(
                        intersects(&point, &eq),
                        value == arg,
                        "m = {value}, param = {arg}"
                    );
                }
            }
        }
    }

    /// How many positions the invariants of `coupled` span in all, in `order`.
    fn spanned(order: &[usize], coupled: &[Vec<usize>]) -> usize {
        let at = |f: usize| order.iter().position(|g| *g == f).expect("placed");
        coupled
            .iter()
            .map(|fields| {
                let at: Vec<usize> = fields.iter().map(|f| at(*f)).collect();
                at.iter().max().unwrap() - at.iter().min().unwrap()
            })
            .sum()
    }

    #[test]
    fn fields_an_invariant_reads_are_brought_together() {
        let declared: Vec<usize> = (0..6).collect();
        // Nothing coupled, or only neighbours: the declaration order stays.
        assert_eq!(coupled_order(6, &[]), declared);
        assert_eq!(coupled_order(6, &[vec![0, 1], vec![4, 5]]), declared);
        // A flag declared first, bounding the amount declared last.
        let order = coupled_order(6, &[vec![0, 5], vec![1, 2]]);
        assert_eq!(spanned(&order, &[vec![0, 5]]), 1, "{order:?}");
        assert_eq!(spanned(&order, &[vec![1, 2]]), 1, "{order:?}");
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_cases(256))]

        /// The order is a permutation of the fields, never spans more than the declaration
        /// order does, and is the same every time.
        #[test]
        fn coupled_order_is_a_permutation_no_worse_than_declared(
            count in 1usize..12,
            coupled in prop::collection::vec(prop::collection::btree_set(0usize..12, 2..5), 0..8),
        ) {
            let declared: Vec<usize> = (0..count).collect();
            let coupled: Vec<Vec<usize>> = coupled
                .into_iter()
                .map(|fields| fields.into_iter().filter(|f| *f < count).collect::<Vec<_>>())
                .filter(|fields| fields.len() >= 2)
                .collect();
            let order = coupled_order(count, &coupled);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(&sorted, &declared);
            prop_assert!(spanned(&order, &coupled) <= spanned(&declared, &coupled));
            prop_assert_eq!(coupled_order(count, &coupled), order);
        }
    }

    #[test]
    fn an_invariant_brings_a_flag_beside_the_amount_it_bounds() {
        let text = "policy order
entity e {
  late: bool
  a: int 0..100
  b: int 0..100
  amount: int 0..100
  k: tier
}
type tier = bronze | silver | gold
rule bounded: invariant not e.late or e.amount <= 70
rule always: invariant e.a > 3 or e.k in { bronze, silver, gold }
action pay(v: int 0..100) { set e.amount = v }
action touch {
  set e.a = 1
  set e.b = 2
  set e.k = gold
}
";
        let report = crate::lint::check(vec![crate::lint::Input {
            name: "order.omni".into(),
            contents: text.as_bytes().to_vec(),
        }]);
        let model = report.policies[0].model.clone().expect("the policy reads");
        let dom = Domain::new(&model).expect("small enough");
        let field = |name: &str| {
            dom.field(model.field_named(name).expect("declared"))
                .clone()
        };
        let first = |slot: &Slot| slot.bits.iter().map(|v| v.to_index()).min().unwrap();
        let last = |slot: &Slot| slot.bits.iter().map(|v| v.to_index()).max().unwrap();
        let (late, a, b, amount, k) = (
            field("e.late"),
            field("e.a"),
            field("e.b"),
            field("e.amount"),
            field("e.k"),
        );
        // `late` and `amount` are next to each other, with nothing of `a` or `b` between.
        let (low, high) = if last(&late) < first(&amount) {
            (last(&late), first(&amount))
        } else {
            (last(&amount), first(&late))
        };
        for other in [&a, &b] {
            assert!(last(other) < low || first(other) > high);
        }
        // `always` holds for every `k`: it couples nothing, and `a`, `b`, `k` keep their
        // declared order.
        assert!(last(&a) < first(&b) && last(&b) < first(&k));
        // The sets are the same: the invariant, value by value.
        let bounded = model
            .index
            .invariants
            .iter()
            .find_map(|r| match &model.rule(*r).kind.node {
                crate::model::RuleKind::Invariant(cond)
                    if model.rule(*r).name.node == "bounded" =>
                {
                    Some(dom.cond(cond, &[]))
                }
                _ => None,
            })
            .expect("declared");
        for value in 0..=100u64 {
            for flag in [false, true] {
                let point = dom
                    .eq_const(&amount, value)
                    .meet(&dom.eq_const(&late, u64::from(flag)));
                assert_eq!(
                    intersects(&point, &bounded),
                    !flag || value <= 70,
                    "late = {flag}, amount = {value}"
                );
            }
        }
    }
}
