//! The BDD operations the analysis runs most, on `biodivine-lib-bdd`'s own BDDs: meet, join,
//! minus, a meeting that forgets variables as it goes (the relational product of every
//! image with rules), forgetting, a meeting with one bit of the first operand forgotten
//! (the image of a step that assigns a one-bit field), the walks that ask whether a meeting
//! or a difference has a point, and the walk to a meeting's first point (where witnesses
//! pick their values). Each gives exactly the library's result, node for node, in about
//! half the library's time.
//!
//! Why not the library's own: each of its operations allocates two hash maps, a memo of the
//! pairs of nodes it has visited and a table of the nodes it has built, and hashes every
//! pair. A check of 1,000 processes with rules runs some 250,000 operations on BDDs of a few
//! dozen to a few thousand nodes, so the hashing and the allocations are most of its cost.
//! Here the memo is a dense table indexed by the pair of node indices, and the node table
//! an open-addressing table of ids; both belong to the thread and are reused from one
//! operation to the next (the memo is cleared by a generation stamp, not rewritten).
//!
//! The results are built in the library's order (the high branch before the low one, as
//! its work stack pops them), so they are equal as values (`==`, hashes) to the library's,
//! not only as sets: memo keys, witnesses and reports stay what they were. A property test
//! compares every operation with the library's on random BDDs.
//!
//! Operands whose pairs would not fit the dense memo ([`MAX_PAIRS`]) are remembered in an
//! open-addressing table instead; operands with so many variables that the recursion could
//! overrun a thread's stack ([`MAX_DEPTH`]) go to the library.

use super::nodes;
use biodivine_lib_bdd::{Bdd, BddPointer, BddValuation, BddVariable, BddVariableSet, op_function};
use std::cell::RefCell;

/// The most pairs of nodes the dense memo holds (8 bytes each: 2 MB per thread at most).
/// Larger products, under 1% of the operations, are remembered by hashing. A larger memo
/// saves little: each thread maps its pages anew (8 MB: 45% more page faults on
/// corpus-1000, and no faster on corpus-r-1000).
const MAX_PAIRS: usize = 1 << 18;

/// The most variables for which the recursion runs: one frame per variable on a path, a
/// few hundred kilobytes of stack at most. Policies need a few hundred.
const MAX_DEPTH: u16 = 4096;

/// `a ∧ b`.
pub fn and(a: &Bdd, b: &Bdd) -> Bdd {
    binary(a, b, And).unwrap_or_else(|| a.and(b))
}

/// `a ∨ b`.
pub fn or(a: &Bdd, b: &Bdd) -> Bdd {
    binary(a, b, Or).unwrap_or_else(|| a.or(b))
}

/// `a ∧ ¬b`.
pub fn and_not(a: &Bdd, b: &Bdd) -> Bdd {
    binary(a, b, AndNot).unwrap_or_else(|| a.and_not(b))
}

/// `∃ vars. a ∧ b`, in one pass.
pub fn and_exists(a: &Bdd, b: &Bdd, vars: &[BddVariable]) -> Bdd {
    fused(a, b, vars).unwrap_or_else(|| Bdd::binary_op_with_exists(a, b, op_function::and, vars))
}

/// `(∃ var. a) ∧ b`, in one pass: forgetting `var` is `a ∨ a[var ↦ ¬var]`, the second
/// operand being `a` read with `var`'s branches swapped, so the pass walks triples of nodes
/// (two of `a`, one of `b`). The library's ternary operation gives the same, with two hash
/// maps allocated and grown per call: 48,000 instructions a call on corpus-r-1000 (3.3% of
/// the run), against 23,500 here.
pub fn forget_one_and(a: &Bdd, var: BddVariable, b: &Bdd) -> Bdd {
    flip_meet(a, var, b).unwrap_or_else(|| library_flip_meet(a, var, b))
}

/// [`forget_one_and`] by the library's ternary operation.
fn library_flip_meet(a: &Bdd, var: BddVariable, b: &Bdd) -> Bdd {
    Bdd::fused_ternary_flip_op(
        (a, None),
        (a, Some(var)),
        (b, None),
        None,
        |x, flipped, y| match (x, flipped, y) {
            (_, _, Some(false)) | (Some(false), Some(false), _) => Some(false),
            (Some(true), _, Some(true)) | (_, Some(true), Some(true)) => Some(true),
            _ => None,
        },
    )
}

/// `∃ vars. a`.
pub fn exists(a: &Bdd, vars: &[BddVariable]) -> Bdd {
    constant(true, a.num_vars())
        .and_then(|all| fused(a, &all, vars))
        .unwrap_or_else(|| a.exists(vars))
}

/// Whether `a ∧ b` has a point, without building it.
pub fn meet_somewhere(a: &Bdd, b: &Bdd) -> bool {
    somewhere(a, b, And).unwrap_or_else(|| !a.and(b).is_false())
}

/// Whether `a ∧ ¬b` has a point, without building it.
pub fn minus_somewhere(a: &Bdd, b: &Bdd) -> bool {
    somewhere(a, b, AndNot).unwrap_or_else(|| !a.and_not(b).is_false())
}

/// The first point of `a ∧ b` (the library's [`Bdd::first_valuation`] of it: the least in
/// the order where the first variable weighs most and `false` comes first), without
/// building the meeting; `None` when they do not meet.
pub fn first_of_meeting(a: &Bdd, b: &Bdd) -> Option<BddValuation> {
    first_point(a, b, And).unwrap_or_else(|| a.and(b).first_valuation())
}

/// The first point of `a ∧ ¬b`, as [`first_of_meeting`], without building it.
pub fn first_of_minus(a: &Bdd, b: &Bdd) -> Option<BddValuation> {
    first_point(a, b, AndNot).unwrap_or_else(|| a.and_not(b).first_valuation())
}

/// A binary operation, by its result on constant operands. Each is a type of its own, so
/// that every pass is compiled for its operation and decides the constant cases without
/// asking which operation it runs (asking at every pair cost 1.2% of a run's
/// instructions with rules).
trait Op: Copy {
    /// The result of the operation on nodes `a` and `b`, when it needs no pass: one decides
    /// it alone, or both are constants. Node 0 is `false` and node 1 `true`, in operands
    /// and result alike.
    fn settled(self, a: u32, b: u32) -> Option<u32>;
}

/// [`Op::settled`] for the operation where the first operand's value `first`, or the
/// second's `second`, decides the result alone, as `decided`; the other two constants
/// give the other result.
#[inline(always)]
fn settled_by(a: u32, b: u32, (first, second, decided): (u32, u32, u32)) -> Option<u32> {
    if a == first || b == second {
        Some(decided)
    } else {
        (a == 1 - first && b == 1 - second).then_some(1 - decided)
    }
}

/// `a ∧ b`: `false` on either side decides it.
#[derive(Clone, Copy)]
struct And;

/// `a ∨ b`: `true` on either side decides it.
#[derive(Clone, Copy)]
struct Or;

/// `a ∧ ¬b`: `false` first or `true` second decides it.
#[derive(Clone, Copy)]
struct AndNot;

impl Op for And {
    #[inline(always)]
    fn settled(self, a: u32, b: u32) -> Option<u32> {
        settled_by(a, b, (0, 0, 0))
    }
}

impl Op for Or {
    #[inline(always)]
    fn settled(self, a: u32, b: u32) -> Option<u32> {
        settled_by(a, b, (1, 1, 1))
    }
}

impl Op for AndNot {
    #[inline(always)]
    fn settled(self, a: u32, b: u32) -> Option<u32> {
        settled_by(a, b, (0, 1, 0))
    }
}

/// The set of the one assignment `literals` make (distinct variables, in increasing order)
/// over a set of `vars` variables: a chain of nodes, each with `false` on the side its
/// literal rules out, in the library's order (the last variable's node first). What
/// `mk_conjunctive_clause` builds, without its sorting and checks: witnesses make one per
/// step they take back.
pub fn cube(vars: &BddVariableSet, literals: &[(BddVariable, bool)]) -> Bdd {
    let count = vars.num_vars();
    let in_order = literals.windows(2).all(|pair| pair[0].0 < pair[1].0)
        && literals
            .last()
            .is_none_or(|(var, _)| var.to_index() < usize::from(count));
    let chain = literals.iter().rev().enumerate().map(|(i, &(var, value))| {
        let below = (i + 1) as u32;
        let (low, high) = if value { (0, below) } else { (below, 0) };
        (var.to_index() as u16, low, high)
    });
    let constants = [(count, 0, 0), (count, 1, 1)];
    // Out of order, the nodes are no BDD: the library sorts them.
    in_order
        .then(|| nodes::bdd(constants.into_iter().chain(chain)))
        .flatten()
        .unwrap_or_else(|| {
            vars.mk_conjunctive_clause(&biodivine_lib_bdd::BddPartialValuation::from_values(
                literals,
            ))
        })
}

/// A node of an operand: its variable (the variable count for the constants) and children.
#[inline]
fn node(bdd: &Bdd, index: u32) -> nodes::Node {
    let pointer = BddPointer::from_index(index as usize);
    (
        bdd.var_of(pointer).to_index() as u16,
        bdd.low_link_of(pointer).to_index() as u32,
        bdd.high_link_of(pointer).to_index() as u32,
    )
}

/// The nodes built by one operation, each `(variable, low, high)`, 0 and 1 the constants.
struct Built {
    nodes: Vec<nodes::Node>,
    /// Open addressing over `nodes` by content: ids, `FREE` for a free slot. An operation
    /// uses the first `mask + 1` slots, sized to its operands, and the room for more
    /// stays allocated for the next.
    slots: Vec<u32>,
    mask: usize,
    /// The slots the operation filled: the next frees only those. Every other slot is free
    /// between operations, and most operations fill a small part of a table sized to their
    /// operands (filling it all anew was 3% of a run with rules).
    filled: Vec<u32>,
    /// Room for [`Self::reachable`]'s walk and the result's nodes, kept between operations.
    out: Vec<nodes::Node>,
    renumbered: Vec<u32>,
    stack: Vec<u32>,
}

impl Built {
    /// A free slot. Not 0: a table of zeros is allocated as untouched memory, whose pages
    /// the system maps to its one page of zeros when they are read and copies when they
    /// are first written, with a flush of the other core's address cache each time (2% of
    /// a run's CPU with rules, in `perf`); a table filled with this is written at once.
    const FREE: u32 = u32::MAX;

    fn clear(&mut self, expected: usize) {
        for &slot in &self.filled {
            self.slots[slot as usize] = Self::FREE;
        }
        self.filled.clear();
        self.nodes.clear();
        self.nodes.extend([(u16::MAX, 0, 0), (u16::MAX, 1, 1)]);
        let size = (2 * expected).next_power_of_two().max(64);
        if self.slots.len() < size {
            self.slots.resize(size, Self::FREE);
        }
        self.mask = size - 1;
    }

    #[inline]
    fn slot_of(var: u16, low: u32, high: u32, mask: usize) -> usize {
        slot(
            (u64::from(var) << 48) ^ (u64::from(low) << 24) ^ u64::from(high),
            mask,
        )
    }

    /// The node `(var, low, high)`, built unless it exists; its low child when both are
    /// the same (a reduced BDD has no such node). Always inlined: every pass ends each pair
    /// here, and as a call (12 million on 1,000 processes with rules) its entry and exit
    /// were over a quarter of its cost.
    #[inline(always)]
    fn node(&mut self, var: u16, low: u32, high: u32) -> u32 {
        if low == high {
            return low;
        }
        let mask = self.mask;
        let mut slot = Self::slot_of(var, low, high, mask);
        loop {
            let id = self.slots[slot];
            if id == Self::FREE {
                break;
            }
            if self.nodes[id as usize] == (var, low, high) {
                return id;
            }
            slot = (slot + 1) & mask;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push((var, low, high));
        self.slots[slot] = id;
        self.filled.push(slot as u32);
        if 2 * self.nodes.len() > mask + 1 {
            self.grow();
        }
        id
    }

    /// Doubles the table (rare: it is sized to the operands), out of [`Self::node`]'s way.
    #[cold]
    fn grow(&mut self) {
        self.mask = free_prefix(&mut self.slots, 2 * (self.mask + 1), Self::FREE);
        self.filled.clear();
        for (id, &(var, low, high)) in self.nodes.iter().enumerate().skip(2) {
            let mut slot = Self::slot_of(var, low, high, self.mask);
            while self.slots[slot] != Self::FREE {
                slot = (slot + 1) & self.mask;
            }
            self.slots[slot] = id as u32;
            self.filled.push(slot as u32);
        }
    }

    /// The BDD rooted at `root`, keeping only the nodes it reaches, in the library's order
    /// (depth first, the high child first, each node after its children).
    fn reachable(&mut self, root: u32, vars: u16) -> Option<Bdd> {
        if root == 0 {
            return constant(false, vars);
        }
        let (out, renumbered, stack) = (&mut self.out, &mut self.renumbered, &mut self.stack);
        renumbered.clear();
        renumbered.resize(self.nodes.len(), u32::MAX);
        renumbered[0] = 0;
        renumbered[1] = 1;
        out.clear();
        out.extend([(vars, 0, 0), (vars, 1, 1)]);
        stack.clear();
        stack.push(root);
        while let Some(&top) = stack.last() {
            if renumbered[top as usize] != u32::MAX {
                stack.pop();
                continue;
            }
            let (var, low, high) = self.nodes[top as usize];
            let (new_low, new_high) = (renumbered[low as usize], renumbered[high as usize]);
            if new_low != u32::MAX && new_high != u32::MAX {
                out.push((var, new_low, new_high));
                renumbered[top as usize] = (out.len() - 1) as u32;
                stack.pop();
            } else {
                if new_low == u32::MAX {
                    stack.push(low);
                }
                if new_high == u32::MAX {
                    stack.push(high);
                }
            }
        }
        nodes::bdd(out.iter().copied())
    }

    /// The BDD rooted at `root` when every built node is reachable from it and the root
    /// was built last (a plain operation builds nothing else).
    fn all(&mut self, root: u32, vars: u16) -> Option<Bdd> {
        if root < 2 {
            return constant(root == 1, vars);
        }
        debug_assert_eq!(root as usize, self.nodes.len() - 1);
        // The constants' variable is the variable count in the library's nodes; the next
        // operation starts the table anew.
        self.nodes[..2].copy_from_slice(&[(vars, 0, 0), (vars, 1, 1)]);
        nodes::bdd(self.nodes.iter().copied())
    }
}

/// The slot of `key` in a table of `mask + 1` slots (a power of two): Fibonacci hashing,
/// the key times 2^64/φ, whose high bits mix all of the key's.
#[inline]
fn slot(key: u64, mask: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

/// Makes the first `size` (a power of two) of `slots` free, allocating them if there are
/// fewer, and returns the mask of their indices. The room beyond stays for larger
/// operations: allocating a table for each operation, sized to it, churned the allocator.
fn free_prefix<T: Copy>(slots: &mut Vec<T>, size: usize, free: T) -> usize {
    if slots.len() < size {
        *slots = vec![free; size];
    } else {
        slots[..size].fill(free);
    }
    size - 1
}

fn constant(value: bool, vars: u16) -> Option<Bdd> {
    let constants = [(vars, 0, 0), (vars, 1, 1)];
    let count = if value { 2 } else { 1 };
    nodes::bdd(constants[..count].iter().copied())
}

/// What one thread keeps between operations.
struct Scratch {
    /// Per pair of operand nodes `(a, b)`, at `a * width + b`: the stamp of the operation
    /// that stored it, and its result. Used when the pairs fit [`MAX_PAIRS`].
    dense: Vec<(u32, u32)>,
    stamp: u32,
    /// `0` when the pairs do not fit `dense`: they are remembered in `hashed`.
    width: usize,
    hashed: Pairs,
    built: Built,
    /// The join of built nodes, inside [`fused`]: `(smaller id, larger id)` to result.
    joined: Pairs,
    /// The memo of [`flip_meet`]'s triples.
    triples: Triples,
}

impl Scratch {
    /// An entry of the dense memo no operation stored: stamp 0 is never an operation's.
    /// Not all zeros, so that a new memo is written when it is allocated (see
    /// `Built::FREE`).
    const EMPTY: (u32, u32) = (0, u32::MAX);

    /// The memo ready for an operation on operands of `a` and `b` nodes.
    fn start(&mut self, a: usize, b: usize) {
        let pairs = a.saturating_mul(b);
        if pairs <= MAX_PAIRS {
            if self.dense.len() < pairs {
                self.dense = vec![Self::EMPTY; pairs.next_power_of_two()];
                self.stamp = 0;
            }
            self.stamp = self.stamp.wrapping_add(1);
            if self.stamp == 0 {
                self.dense.fill(Self::EMPTY);
                self.stamp = 1;
            }
            self.width = b;
        } else {
            self.width = 0;
            self.hashed.clear(4 * (a + b));
        }
    }

    /// Whether the operation's pairs are remembered in `dense`: each pass is compiled for
    /// one memo or the other (asking at every pair cost 3.6% of a run's instructions with
    /// rules).
    fn dense(&self) -> bool {
        self.width != 0
    }

    #[inline]
    fn recall<const DENSE: bool>(&self, a: u32, b: u32) -> Option<u32> {
        if !DENSE {
            return self.hashed.get(a, b);
        }
        let (stamp, result) = self.dense[a as usize * self.width + b as usize];
        (stamp == self.stamp).then_some(result)
    }

    /// For the walks that look for a point: whether `op` has one below the pair `(a, b)`,
    /// when that is known without going further down (a constant, or a pair walked
    /// already, where none was found); otherwise the pair is marked walked. (Always
    /// inlined: the walks' every step runs it, and as a call it cost 0.6% of a run.)
    #[inline(always)]
    fn answered<const DENSE: bool>(&mut self, op: impl Op, a: u32, b: u32) -> Option<bool> {
        if let Some(result) = op.settled(a, b) {
            return Some(result == 1);
        }
        if self.recall::<DENSE>(a, b).is_some() {
            return Some(false);
        }
        self.remember::<DENSE>(a, b, 0);
        None
    }

    #[inline]
    fn remember<const DENSE: bool>(&mut self, a: u32, b: u32, result: u32) {
        if !DENSE {
            self.hashed.insert(a, b, result);
        } else {
            self.dense[a as usize * self.width + b as usize] = (self.stamp, result);
        }
    }
}

/// A map from pairs of node indices to node indices, by open addressing; `u32::MAX` marks
/// a free slot (no node has that index).
struct Pairs {
    /// The first `mask + 1` are in use, as in [`Built`].
    slots: Vec<(u32, u32, u32)>,
    mask: usize,
    len: usize,
}

impl Pairs {
    const FREE: (u32, u32, u32) = (u32::MAX, 0, 0);

    fn clear(&mut self, expected: usize) {
        let size = (2 * expected).next_power_of_two().max(64);
        // Nothing stored since the last clear: its slots are all free still. (Each relational
        // image clears the map of joins, and most store nothing in it.)
        if self.len == 0 && !self.slots.is_empty() && size <= self.mask + 1 {
            self.mask = size - 1;
            return;
        }
        self.use_slots(size);
        self.len = 0;
    }

    /// The first `size` slots, all free.
    fn use_slots(&mut self, size: usize) {
        self.mask = free_prefix(&mut self.slots, size, Self::FREE);
    }

    #[inline]
    fn slot_of(&self, a: u32, b: u32) -> usize {
        slot((u64::from(a) << 32) | u64::from(b), self.mask)
    }

    #[inline]
    fn get(&self, a: u32, b: u32) -> Option<u32> {
        let mask = self.mask;
        let mut slot = self.slot_of(a, b);
        loop {
            let (key_a, key_b, value) = self.slots[slot];
            if key_a == u32::MAX {
                return None;
            }
            if (key_a, key_b) == (a, b) {
                return Some(value);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Stores the value of a pair not stored yet.
    fn insert(&mut self, a: u32, b: u32, value: u32) {
        let mask = self.mask;
        let mut slot = self.slot_of(a, b);
        while self.slots[slot].0 != u32::MAX {
            slot = (slot + 1) & mask;
        }
        self.slots[slot] = (a, b, value);
        self.len += 1;
        if 2 * self.len > mask + 1 {
            let stored: Vec<(u32, u32, u32)> = self.slots[..=mask]
                .iter()
                .copied()
                .filter(|slot| slot.0 != u32::MAX)
                .collect();
            self.use_slots(2 * (mask + 1));
            self.len = 0;
            for (a, b, value) in stored {
                self.insert(a, b, value);
            }
        }
    }
}

/// A map from triples of node indices to node indices, by open addressing, as [`Pairs`].
struct Triples {
    slots: Vec<(u32, u32, u32, u32)>,
    mask: usize,
    len: usize,
}

impl Triples {
    const FREE: (u32, u32, u32, u32) = (u32::MAX, 0, 0, 0);

    fn clear(&mut self, expected: usize) {
        self.mask = free_prefix(
            &mut self.slots,
            (2 * expected).next_power_of_two().max(64),
            Self::FREE,
        );
        self.len = 0;
    }

    #[inline]
    fn slot_of(&self, (a, b, c): (u32, u32, u32)) -> usize {
        slot(
            (u64::from(a) << 42) ^ (u64::from(b) << 21) ^ u64::from(c),
            self.mask,
        )
    }

    #[inline]
    fn get(&self, key: (u32, u32, u32)) -> Option<u32> {
        let mut slot = self.slot_of(key);
        loop {
            let (a, b, c, value) = self.slots[slot];
            if a == u32::MAX {
                return None;
            }
            if (a, b, c) == key {
                return Some(value);
            }
            slot = (slot + 1) & self.mask;
        }
    }

    /// Stores the value of a triple not stored yet.
    fn insert(&mut self, key: (u32, u32, u32), value: u32) {
        let mut slot = self.slot_of(key);
        while self.slots[slot].0 != u32::MAX {
            slot = (slot + 1) & self.mask;
        }
        self.slots[slot] = (key.0, key.1, key.2, value);
        self.len += 1;
        if 2 * self.len > self.mask + 1 {
            let stored: Vec<(u32, u32, u32, u32)> = self.slots[..=self.mask]
                .iter()
                .copied()
                .filter(|slot| slot.0 != u32::MAX)
                .collect();
            self.mask = free_prefix(&mut self.slots, 2 * (self.mask + 1), Self::FREE);
            self.len = 0;
            for (a, b, c, value) in stored {
                self.insert((a, b, c), value);
            }
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch {
        dense: Vec::new(),
        stamp: 0,
        width: 0,
        hashed: Pairs { slots: Vec::new(), mask: 0, len: 0 },
        built: Built {
            nodes: Vec::new(),
            slots: Vec::new(),
            mask: 0,
            filled: Vec::new(),
            out: Vec::new(),
            renumbered: Vec::new(),
            stack: Vec::new(),
        },
        joined: Pairs { slots: Vec::new(), mask: 0, len: 0 },
        triples: Triples { slots: Vec::new(), mask: 0, len: 0 },
    }) };
}

/// Runs `run` with this thread's scratch, its memo ready for `a` and `b`; `None`, for the
/// library to answer, when they have more variables than the recursion may follow.
fn with_scratch<T>(a: &Bdd, b: &Bdd, run: impl FnOnce(&mut Scratch) -> Option<T>) -> Option<T> {
    assert_eq!(a.num_vars(), b.num_vars(), "BDDs over different variables");
    if a.num_vars() > MAX_DEPTH {
        return None;
    }
    SCRATCH.with(|scratch| {
        // An operation never starts another on this thread, so the scratch is free.
        let mut scratch = scratch.try_borrow_mut().ok()?;
        scratch.start(a.size(), b.size());
        run(&mut scratch)
    })
}

/// `pass(scratch, args...)`, compiled for the memo `scratch` uses for this operation (the
/// pass's last type parameter, `DENSE`): chosen once per operation, not asked per pair.
macro_rules! for_memo {
    ($scratch:ident, $pass:ident $(::<$op:ty>)? ($($arg:expr),* $(,)?)) => {
        if $scratch.dense() {
            $pass::<$($op,)? true>($scratch, $($arg),*)
        } else {
            $pass::<$($op,)? false>($scratch, $($arg),*)
        }
    };
}

/// Whether `op` is true for some point: a walk over the pairs of nodes that builds nothing
/// and stops at the first pair where `op` is `true`. In reduced BDDs every pair the walk
/// reaches lies on a path some point takes. (The library's dry run walks every pair, to
/// count them.)
fn somewhere(a: &Bdd, b: &Bdd, op: impl Op) -> Option<bool> {
    #[inline(always)]
    fn walk<O: Op, const DENSE: bool>(
        s: &mut Scratch,
        a: &Bdd,
        b: &Bdd,
        op: O,
        x: u32,
        y: u32,
    ) -> bool {
        s.answered::<DENSE>(op, x, y)
            .unwrap_or_else(|| walk_pair::<O, DENSE>(s, a, b, op, x, y))
    }
    fn walk_pair<O: Op, const DENSE: bool>(
        s: &mut Scratch,
        a: &Bdd,
        b: &Bdd,
        op: O,
        x: u32,
        y: u32,
    ) -> bool {
        let (_, (x_low, x_high), (y_low, y_high)) = split(a, b, x, y);
        walk::<O, DENSE>(s, a, b, op, x_high, y_high) || walk::<O, DENSE>(s, a, b, op, x_low, y_low)
    }
    with_scratch(a, b, |scratch| {
        let (x, y) = (root(a), root(b));
        Some(for_memo!(scratch, walk::<_>(a, b, op, x, y)))
    })
}

/// [`first_of_meeting`] and [`first_of_minus`]: [`somewhere`]'s walk for `op`, the low
/// branch first, which sets the variables it takes the high branch of. The first pair it
/// finds `true` at ends the least point; every pair it leaves has none.
fn first_point(a: &Bdd, b: &Bdd, op: impl Op) -> Option<Option<BddValuation>> {
    #[inline(always)]
    fn walk<O: Op, const DENSE: bool>(
        s: &mut Scratch,
        (a, b, op): (&Bdd, &Bdd, O),
        x: u32,
        y: u32,
        point: &mut BddValuation,
    ) -> bool {
        s.answered::<DENSE>(op, x, y)
            .unwrap_or_else(|| walk_pair::<O, DENSE>(s, (a, b, op), x, y, point))
    }
    fn walk_pair<O: Op, const DENSE: bool>(
        s: &mut Scratch,
        (a, b, op): (&Bdd, &Bdd, O),
        x: u32,
        y: u32,
        point: &mut BddValuation,
    ) -> bool {
        let (var, (x_low, x_high), (y_low, y_high)) = split(a, b, x, y);
        if walk::<O, DENSE>(s, (a, b, op), x_low, y_low, point) {
            return true;
        }
        let found = walk::<O, DENSE>(s, (a, b, op), x_high, y_high, point);
        if found {
            point.set(BddVariable::from_index(usize::from(var)));
        }
        found
    }
    with_scratch(a, b, |scratch| {
        let mut point = BddValuation::all_false(a.num_vars());
        let (x, y) = (root(a), root(b));
        let found = for_memo!(scratch, walk::<_>((a, b, op), x, y, &mut point));
        Some(found.then_some(point))
    })
}

fn root(bdd: &Bdd) -> u32 {
    bdd.root_pointer().to_index() as u32
}

fn binary(a: &Bdd, b: &Bdd, op: impl Op) -> Option<Bdd> {
    with_scratch(a, b, |scratch| {
        scratch.built.clear(a.size() + b.size());
        let (x, y) = (root(a), root(b));
        let result = for_memo!(scratch, apply::<_>(a, b, op, x, y));
        scratch.built.all(result, a.num_vars())
    })
}

/// The result for the pair `(x, y)`: settled, remembered, or worked out by [`apply_pair`].
/// Always inlined, so that the pairs that need no pass (most of them) cost no call.
#[inline(always)]
fn apply<O: Op, const DENSE: bool>(
    s: &mut Scratch,
    a: &Bdd,
    b: &Bdd,
    op: O,
    x: u32,
    y: u32,
) -> u32 {
    if let Some(result) = op.settled(x, y) {
        return result;
    }
    if let Some(result) = s.recall::<DENSE>(x, y) {
        return result;
    }
    apply_pair::<O, DENSE>(s, a, b, op, x, y)
}

/// [`apply`]'s pass below a pair neither settled nor remembered.
fn apply_pair<O: Op, const DENSE: bool>(
    s: &mut Scratch,
    a: &Bdd,
    b: &Bdd,
    op: O,
    x: u32,
    y: u32,
) -> u32 {
    let (var, (x_low, x_high), (y_low, y_high)) = split(a, b, x, y);
    let high = apply::<O, DENSE>(s, a, b, op, x_high, y_high);
    let low = apply::<O, DENSE>(s, a, b, op, x_low, y_low);
    let result = s.built.node(var, low, high);
    s.remember::<DENSE>(x, y, result);
    result
}

/// The top variable of nodes `x` of `a` and `y` of `b`, and each one's children on it.
#[inline]
fn split(a: &Bdd, b: &Bdd, x: u32, y: u32) -> (u16, (u32, u32), (u32, u32)) {
    let (x_node, y_node) = (node(a, x), node(b, y));
    let var = x_node.0.min(y_node.0);
    (
        var,
        children_on(var, x, x_node),
        children_on(var, y, y_node),
    )
}

/// The children of node `id`, `(variable, low, high)`, on `var`: its own when it decides
/// `var`, itself on both sides when its variable is lower down.
#[inline]
fn children_on(var: u16, id: u32, (node_var, low, high): (u16, u32, u32)) -> (u32, u32) {
    if node_var == var {
        (low, high)
    } else {
        (id, id)
    }
}

/// [`forget_one_and`]: the walk over `(x, x', y)`, `x` and `x'` nodes of `a` (`x'` read with
/// `var`'s branches swapped) and `y` of `b`, for `(x ∨ x') ∧ y`, the high branch first as
/// the library's ternary operation builds it. Above `var` the two nodes of `a` are the
/// same, and below it their union is symmetric, so a triple is remembered with the two in
/// order (28% fewer instructions than in the order met); the memo is hashed, the
/// triples being too many for a dense table.
fn flip_meet(a: &Bdd, var: BddVariable, b: &Bdd) -> Option<Bdd> {
    #[inline(always)]
    fn walk(s: &mut Scratch, (a, b, var): (&Bdd, &Bdd, u16), x: u32, flipped: u32, y: u32) -> u32 {
        if y == 0 || (x == 0 && flipped == 0) {
            return 0;
        }
        if y == 1 && (x == 1 || flipped == 1) {
            return 1;
        }
        // The two nodes of `a` differ only below `var`, where the union is symmetric: in
        // order, swapped pairs share their memo entry.
        let (x, flipped) = (x.min(flipped), x.max(flipped));
        if let Some(result) = s.triples.get((x, flipped, y)) {
            return result;
        }
        walk_triple(s, (a, b, var), x, flipped, y)
    }
    fn walk_triple(
        s: &mut Scratch,
        (a, b, var): (&Bdd, &Bdd, u16),
        x: u32,
        flipped: u32,
        y: u32,
    ) -> u32 {
        let (x_node, flipped_node, y_node) = (node(a, x), node(a, flipped), node(b, y));
        let top = x_node.0.min(flipped_node.0).min(y_node.0);
        let (x_low, x_high) = children_on(top, x, x_node);
        let (flipped_low, flipped_high) = match children_on(top, flipped, flipped_node) {
            (low, high) if top == var && flipped_node.0 == var => (high, low),
            children => children,
        };
        let (y_low, y_high) = children_on(top, y, y_node);
        let high = walk(s, (a, b, var), x_high, flipped_high, y_high);
        let low = walk(s, (a, b, var), x_low, flipped_low, y_low);
        let result = s.built.node(top, low, high);
        s.triples.insert((x, flipped, y), result);
        result
    }
    let var = var.to_index() as u16;
    with_scratch(a, b, |scratch| {
        scratch.built.clear(a.size() + b.size());
        scratch.triples.clear(a.size() + b.size());
        let result = walk(scratch, (a, b, var), root(a), root(a), root(b));
        scratch.built.all(result, a.num_vars())
    })
}

fn fused(a: &Bdd, b: &Bdd, vars: &[BddVariable]) -> Option<Bdd> {
    let mut forgotten = vec![false; usize::from(a.num_vars())];
    for var in vars {
        forgotten[var.to_index()] = true;
    }
    with_scratch(a, b, |scratch| {
        scratch.built.clear(a.size() + b.size());
        scratch.joined.clear(64);
        let (x, y) = (root(a), root(b));
        let result = for_memo!(scratch, and_forget(a, b, &forgotten, x, y));
        // Branches united at a forgotten variable are left behind in `built`.
        scratch.built.reachable(result, a.num_vars())
    })
}

/// [`fused`]'s result for the pair `(x, y)`, as [`apply`].
#[inline(always)]
fn and_forget<const DENSE: bool>(
    s: &mut Scratch,
    a: &Bdd,
    b: &Bdd,
    forgotten: &[bool],
    x: u32,
    y: u32,
) -> u32 {
    if let Some(result) = And.settled(x, y) {
        return result;
    }
    if let Some(result) = s.recall::<DENSE>(x, y) {
        return result;
    }
    and_forget_pair::<DENSE>(s, a, b, forgotten, x, y)
}

/// [`and_forget`]'s pass below a pair neither settled nor remembered.
fn and_forget_pair<const DENSE: bool>(
    s: &mut Scratch,
    a: &Bdd,
    b: &Bdd,
    forgotten: &[bool],
    x: u32,
    y: u32,
) -> u32 {
    let (var, (x_low, x_high), (y_low, y_high)) = split(a, b, x, y);
    let result = if forgotten[usize::from(var)] {
        let low = and_forget::<DENSE>(s, a, b, forgotten, x_low, y_low);
        if low == 1 {
            1 // true whatever the other branch
        } else {
            let high = and_forget::<DENSE>(s, a, b, forgotten, x_high, y_high);
            join_built(s, low, high)
        }
    } else {
        let high = and_forget::<DENSE>(s, a, b, forgotten, x_high, y_high);
        let low = and_forget::<DENSE>(s, a, b, forgotten, x_low, y_low);
        s.built.node(var, low, high)
    };
    s.remember::<DENSE>(x, y, result);
    result
}

/// `x ∨ y` for nodes already built.
#[inline(always)]
fn join_built(s: &mut Scratch, x: u32, y: u32) -> u32 {
    if let Some(result) = Or.settled(x, y) {
        return result;
    }
    // Built nodes are unique: `false ∨ y` is `y` itself, without walking it.
    if x == 0 || x == y {
        return y;
    }
    if y == 0 {
        return x;
    }
    let (smaller, larger) = (x.min(y), x.max(y));
    if let Some(result) = s.joined.get(smaller, larger) {
        return result;
    }
    join_built_pair(s, x, y, (smaller, larger))
}

/// [`join_built`]'s pass below a pair it could not answer at once.
fn join_built_pair(s: &mut Scratch, x: u32, y: u32, (smaller, larger): (u32, u32)) -> u32 {
    let (x_node, y_node) = (s.built.nodes[x as usize], s.built.nodes[y as usize]);
    let var = x_node.0.min(y_node.0);
    let ((x_low, x_high), (y_low, y_high)) =
        (children_on(var, x, x_node), children_on(var, y, y_node));
    let high = join_built(s, x_high, y_high);
    let low = join_built(s, x_low, y_low);
    let result = s.built.node(var, low, high);
    s.joined.insert(smaller, larger, result);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use biodivine_lib_bdd::BddVariableSet;
    use proptest::prelude::*;

    const VARS: u16 = 7;

    /// A random set: a union of `cubes`, each fixing some variables (0: false, 1: true,
    /// otherwise free), built with the library's own operations.
    fn set(vars: &BddVariableSet, cubes: &[Vec<u8>]) -> Bdd {
        let all = vars.variables();
        cubes.iter().fold(vars.mk_false(), |union, cube| {
            let clause =
                all.iter()
                    .zip(cube)
                    .fold(vars.mk_true(), |clause, (var, pick)| match pick {
                        0 => clause.and(&vars.mk_literal(*var, false)),
                        1 => clause.and(&vars.mk_literal(*var, true)),
                        _ => clause,
                    });
            union.or(&clause)
        })
    }

    fn cubes() -> impl Strategy<Value = Vec<Vec<u8>>> {
        prop::collection::vec(prop::collection::vec(0u8..4, usize::from(VARS)), 0..6)
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_cases(512))]

        /// A cube is the library's conjunctive clause, node for node, in or out of order.
        #[test]
        fn cube_is_the_librarys_clause(
            picks in prop::collection::vec(0u8..3, usize::from(VARS)),
            reversed in any::<bool>(),
        ) {
            let vars = BddVariableSet::new_anonymous(VARS);
            let mut literals: Vec<(BddVariable, bool)> = vars
                .variables()
                .into_iter()
                .zip(&picks)
                .filter(|(_, pick)| **pick < 2)
                .map(|(var, pick)| (var, *pick == 1))
                .collect();
            if reversed {
                literals.reverse();
            }
            let expected = vars.mk_conjunctive_clause(
                &biodivine_lib_bdd::BddPartialValuation::from_values(&literals),
            );
            prop_assert_eq!(cube(&vars, &literals), expected);
        }

        /// Each operation gives the library's BDD, node for node.
        #[test]
        fn every_operation_is_the_librarys(
            left in cubes(),
            right in cubes(),
            forgotten in prop::collection::vec(any::<bool>(), usize::from(VARS)),
        ) {
            let vars = BddVariableSet::new_anonymous(VARS);
            let (a, b) = (set(&vars, &left), set(&vars, &right));
            let forgotten: Vec<BddVariable> = vars
                .variables()
                .into_iter()
                .zip(&forgotten)
                .filter_map(|(var, forget)| forget.then_some(var))
                .collect();
            for (x, y) in [(&a, &b), (&b, &a), (&a, &a)] {
                prop_assert_eq!(binary(x, y, And).unwrap(), x.and(y));
                prop_assert_eq!(binary(x, y, Or).unwrap(), x.or(y));
                prop_assert_eq!(binary(x, y, AndNot).unwrap(), x.and_not(y));
                prop_assert_eq!(
                    fused(x, y, &forgotten).unwrap(),
                    Bdd::binary_op_with_exists(x, y, op_function::and, &forgotten)
                );
                prop_assert_eq!(somewhere(x, y, And).unwrap(), !x.and(y).is_false());
                prop_assert_eq!(somewhere(x, y, AndNot).unwrap(), !x.and_not(y).is_false());
                prop_assert_eq!(first_point(x, y, And).unwrap(), x.and(y).first_valuation());
                prop_assert_eq!(
                    first_point(x, y, AndNot).unwrap(),
                    x.and_not(y).first_valuation()
                );
                for var in vars.variables() {
                    prop_assert_eq!(flip_meet(x, var, y).unwrap(), library_flip_meet(x, var, y));
                }
            }
            prop_assert_eq!(exists(&a, &forgotten), a.exists(&forgotten));
        }
    }

    /// `x == y` for two numbers of `bits` bits, all of `x`'s bits before `y`'s: a BDD of
    /// about `2^(bits + 1)` nodes.
    fn equal_numbers(vars: &BddVariableSet, bits: usize, offset: usize) -> Bdd {
        let all = vars.variables();
        (0..bits).fold(vars.mk_true(), |equal, bit| {
            let (x, y) = (all[offset + bit], all[offset + bits + bit]);
            equal.and(&vars.mk_var(x).iff(&vars.mk_var(y)))
        })
    }

    /// Operands whose pairs do not fit the dense memo are remembered by hashing, with the
    /// library's results all the same.
    #[test]
    fn large_products_are_the_librarys() {
        let vars = BddVariableSet::new_anonymous(24);
        let all = vars.variables();
        let a = equal_numbers(&vars, 11, 0);
        let b = equal_numbers(&vars, 11, 1).or(&vars.mk_var(all[23]));
        assert!(a.size() * b.size() > MAX_PAIRS);
        let forgotten = [all[3], all[15], all[23]];
        assert_eq!(and(&a, &b), a.and(&b));
        assert_eq!(or(&a, &b), a.or(&b));
        assert_eq!(and_not(&a, &b), a.and_not(&b));
        assert_eq!(
            and_exists(&a, &b, &forgotten),
            Bdd::binary_op_with_exists(&a, &b, op_function::and, &forgotten)
        );
        assert_eq!(meet_somewhere(&a, &b), !a.and(&b).is_false());
        assert_eq!(minus_somewhere(&a, &b), !a.and_not(&b).is_false());
        assert_eq!(first_of_meeting(&a, &b), a.and(&b).first_valuation());
        // Its triples outgrow the memo's first table several times over.
        for var in [all[0], all[5], all[11], all[23]] {
            assert_eq!(forget_one_and(&a, var, &b), a.var_exists(var).and(&b));
        }
    }

    /// Operands with more variables than the recursion may follow go to the library.
    #[test]
    fn operands_too_deep_for_the_recursion_go_to_the_library() {
        let vars = BddVariableSet::new_anonymous(MAX_DEPTH + 1);
        let all = vars.variables();
        let a = vars
            .mk_literal(all[0], true)
            .or(&vars.mk_literal(all[4096], true));
        let b = vars.mk_literal(all[1], false);
        assert!(binary(&a, &b, And).is_none());
        assert!(somewhere(&a, &b, And).is_none());
        assert!(first_point(&a, &b, And).is_none());
        assert_eq!(first_of_meeting(&a, &b), a.and(&b).first_valuation());
        assert_eq!(and(&a, &b), a.and(&b));
        assert_eq!(
            and_exists(&a, &b, &all[..1]),
            Bdd::binary_op_with_exists(&a, &b, op_function::and, &all[..1])
        );
        assert!(meet_somewhere(&a, &b));
    }
}
