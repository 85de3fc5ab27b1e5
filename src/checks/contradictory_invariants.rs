//! R301: invariants that no data can satisfy together.

use super::{Context, declare_check};
use crate::analysis::domain::Sets;
use crate::diagnostic::Diagnostic;
use crate::model::{FieldId, RuleId, RuleKind};
use biodivine_lib_bdd::Bdd;
use std::collections::BTreeSet;

declare_check! {
    /// ## What it finds
    ///
    /// Invariants that no data can satisfy together, given the fields' types: the smallest
    /// set of them that conflicts is named, one set per group of invariants that share
    /// fields. A single invariant no value of its fields satisfies is a set of one.
    ///
    /// ## Why it hurts customers
    ///
    /// An invariant must hold in every state; when they cannot all hold, no customer record
    /// is valid and every action that writes the fields involved is rejected. Nothing else
    /// omnilint says about such a policy means much until this is fixed.
    ///
    /// ## Example
    ///
    /// ```omni
    /// rule vip_has_manager: invariant customer.vip == customer.has_manager
    /// rule no_managers: invariant not customer.has_manager
    /// rule all_vip: invariant customer.vip           # the three cannot hold together
    /// ```
    ///
    /// ## How to fix
    ///
    /// Decide which rule is wrong. An invariant that only holds in some situations is usually
    /// a `forbid` of the actions that would break it, or a process's `requires`.
    pub static CONTRADICTORY_INVARIANTS = {
        code: "R301",
        name: "contradictory-invariants",
        severity: Error,
        summary: "invariants (with the field types) that no data can satisfy together; names the smallest conflicting set",
    };
}

/// How many subsets of one group are tried smallest first; beyond that the conflict is
/// shrunk by deleting invariants one at a time (minimal, maybe not the smallest).
const MAX_SUBSETS: usize = 20_000;

/// Reports the smallest conflicting set of each group of invariants that conflicts.
pub fn check(cx: &Context<'_, '_>, out: &mut Vec<Diagnostic>) {
    let sem = &cx.analysis.sem;
    let rules: Vec<(RuleId, Bdd, BTreeSet<FieldId>)> = cx
        .model
        .index
        .invariants
        .iter()
        .filter_map(|id| match &cx.model.rule(*id).kind.node {
            RuleKind::Invariant(c) => Some((*id, sem.dom.cond(c, &[]), c.node.fields())),
            _ => None,
        })
        .collect();
    for group in groups(&rules) {
        let satisfiable = |subset: &[usize]| {
            !subset
                .iter()
                .fold(sem.dom.valid().clone(), |acc, i| {
                    acc.meet(&rules[group[*i]].1)
                })
                .is_false()
        };
        let all: Vec<usize> = (0..group.len()).collect();
        if satisfiable(&all) {
            continue;
        }
        let conflict: Vec<RuleId> = smallest_conflict(group.len(), &satisfiable)
            .into_iter()
            .map(|i| rules[group[i]].0)
            .collect();
        out.push(report(cx, &conflict));
    }
}

/// The invariants (indices into `rules`) in groups connected by shared fields, in rule
/// order: a smallest conflicting set always lies within one group.
fn groups(rules: &[(RuleId, Bdd, BTreeSet<FieldId>)]) -> Vec<Vec<usize>> {
    let mut sets = petgraph::unionfind::UnionFind::<usize>::new(rules.len());
    let mut first_with: std::collections::HashMap<FieldId, usize> = Default::default();
    for (i, (_, _, fields)) in rules.iter().enumerate() {
        for f in fields {
            let first = *first_with.entry(*f).or_insert(i);
            sets.union(first, i);
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..rules.len() {
        groups.entry(sets.find(i)).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort();
    groups
}

/// The first (in rule order) of the smallest subsets of `0..n` that is not satisfiable.
fn smallest_conflict(n: usize, satisfiable: &dyn Fn(&[usize]) -> bool) -> Vec<usize> {
    let mut tried = 0usize;
    for size in 1..=n {
        let mut subset: Vec<usize> = (0..size).collect();
        loop {
            if !satisfiable(&subset) {
                return subset;
            }
            tried += 1;
            if tried > MAX_SUBSETS || !next_combination(&mut subset, n) {
                break;
            }
        }
        if tried > MAX_SUBSETS {
            break;
        }
    }
    // Too many to try: drop each invariant whose removal keeps the conflict.
    let mut kept: Vec<usize> = (0..n).collect();
    for i in 0..n {
        let without: Vec<usize> = kept.iter().copied().filter(|k| *k != i).collect();
        if !satisfiable(&without) {
            kept = without;
        }
    }
    kept
}

/// Advances `subset` (sorted indices below `n`) to the next combination of its size in
/// lexicographic order; false after the last.
fn next_combination(subset: &mut [usize], n: usize) -> bool {
    let k = subset.len();
    for i in (0..k).rev() {
        if subset[i] < n - k + i {
            subset[i] += 1;
            for j in i + 1..k {
                subset[j] = subset[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

fn report(cx: &Context<'_, '_>, conflict: &[RuleId]) -> Diagnostic {
    let names: Vec<String> = conflict
        .iter()
        .map(|r| format!("`{}`", cx.model.rule(*r).name))
        .collect();
    let first = cx.model.rule(conflict[0]);
    let message = if conflict.len() == 1 {
        format!(
            "invariant `{}` can never hold: no value of its fields satisfies it",
            first.name
        )
    } else {
        format!("invariants {} can never hold together", names.join(", "))
    };
    let help = if conflict.len() == 1 {
        "write the condition that was meant: check the comparison and the field's type"
    } else {
        "remove or relax one of them; a rule that holds only sometimes is a `forbid` or a `requires`"
    };
    let mut d =
        Diagnostic::new(&CONTRADICTORY_INVARIANTS, first.name.span, message).with_help(help);
    for r in &conflict[1..] {
        d = d.with_label(cx.model.rule(*r).name.span, "conflicts with it");
    }
    if conflict.len() > 1 {
        d = d.with_note(format!(
            "any {} of them can hold together, but not all {}",
            conflict.len() - 1,
            conflict.len()
        ));
    }
    d
}
