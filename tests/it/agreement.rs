//! The analysis and the brute-force reference agree on every D, C and R verdict, on many
//! random small policies.

use super::reference::{Reference, generate};
use omnilint::lint::{Input, check};
use omnilint::model::{Model, ProcessId, StateId, StateKind, Transition};
use omnilint::syntax::ast::FinalKind;
use proptest::prelude::*;
use std::collections::BTreeSet;

const CODES: &[&str] = &[
    "D101", "D102", "D103", "D104", "D105", "D106", "D107", "D108", "D109", "C201", "C202", "C203",
    "C204", "C205", "C206", "C207", "C208", "R301", "R302", "R303", "R304", "R305", "R306", "R307",
    "R308", "R309",
];

/// The D verdicts of the reference, as (code, byte offset of the span the check reports at).
fn reference_verdicts(model: &Model) -> BTreeSet<(String, u32)> {
    let mut r = Reference::new(model);
    let mut out = BTreeSet::new();
    let called = model.called();
    for (i, process) in model.processes.iter().enumerate() {
        let pid = ProcessId(i as u32);
        let runs = !r.reached(pid, process.start.node).is_empty();
        for (si, state) in process.states.iter().enumerate() {
            let sid = StateId(si as u32);
            let reach = r.reached(pid, sid);
            if runs && reach.is_empty() {
                out.insert(("D101".into(), state.name.span.start));
            }
            if reach.is_empty() || state.is_final() {
                continue;
            }
            let mut dead: Vec<bool> = Vec::new();
            let mut some_stuck = false;
            for v in &reach {
                let fires: Vec<bool> = state
                    .transitions
                    .iter()
                    .map(|t| r.fires(&t.node, v))
                    .collect();
                if !fires.iter().any(|f| *f) {
                    some_stuck = true;
                }
                if dead.is_empty() {
                    dead = vec![true; fires.len()];
                }
                for (d, f) in dead.iter_mut().zip(&fires) {
                    *d &= !f;
                }
            }
            let all_dead = dead.iter().all(|d| *d);
            if all_dead {
                out.insert(("D102".into(), state.name.span.start));
            }
            let has_after = state
                .transitions
                .iter()
                .any(|t| matches!(t.node, Transition::After { .. }));
            if some_stuck && !all_dead && !has_after {
                out.insert(("D107".into(), state.name.span.start));
            }
            for (t, is_dead) in state.transitions.iter().zip(&dead) {
                if *is_dead
                    && !matches!(
                        t.node,
                        Transition::Handoff { .. } | Transition::After { .. }
                    )
                {
                    out.insert(("D106".into(), t.span.start));
                }
                let callees: Vec<ProcessId> = match &t.node {
                    Transition::Call {
                        process,
                        otherwise: None,
                        ..
                    } => vec![process.node],
                    Transition::All {
                        processes,
                        otherwise: None,
                        ..
                    } => processes.iter().map(|p| p.node).collect(),
                    _ => vec![],
                };
                if !callees.is_empty() && reach.iter().any(|v| r.can_fail(&callees, v)) {
                    out.insert(("D109".into(), t.span.start));
                }
            }
            for (a, first) in state.transitions.iter().enumerate() {
                for second in &state.transitions[a + 1..] {
                    if ambiguous(&mut r, &first.node, &second.node, &reach) {
                        out.insert(("D108".into(), second.span.start));
                    }
                }
            }
        }
        let succeeds = process.states.iter().enumerate().any(|(si, s)| {
            s.kind == StateKind::Final(FinalKind::Success)
                && !r.reached(pid, StateId(si as u32)).is_empty()
        });
        if runs && !succeeds && (!process.entry.is_empty() || called.contains(&pid)) {
            out.insert(("D104".into(), process.name.span.start));
        }
        for state in &process.states {
            for t in &state.transitions {
                if let Transition::Await { event, .. } = &t.node {
                    if !model.event(event.node).external && !r.emitted.contains(&event.node) {
                        out.insert(("D105".into(), event.span.start));
                    }
                }
            }
        }
    }
    out
}

/// D108 as the reference sees it: same trigger, different targets, both fire for some
/// reachable data and the same parameters (on some shared channel, for `on`).
fn ambiguous(
    r: &mut Reference<'_>,
    first: &Transition,
    second: &Transition,
    reach: &[Vec<omnilint::model::Value>],
) -> bool {
    if first.targets() == second.targets() {
        return false;
    }
    match (first, second) {
        (Transition::On { action: a, .. }, Transition::On { action: b, .. })
            if a.node == b.node =>
        {
            let (ca, cb) = (r.channels(first), r.channels(second));
            if !ca.iter().any(|c| cb.contains(c)) {
                return false;
            }
            let params = r.params_of(a.node);
            reach.iter().any(|v| {
                params
                    .iter()
                    .any(|p| r.fires_with(first, v, p) && r.fires_with(second, v, p))
            })
        }
        (Transition::Do { action: a, .. }, Transition::Do { action: b, .. })
            if a.node == b.node =>
        {
            let params = r.params_of(a.node);
            reach.iter().any(|v| {
                params
                    .iter()
                    .any(|p| r.fires_with(first, v, p) && r.fires_with(second, v, p))
            })
        }
        (Transition::Await { event: a, .. }, Transition::Await { event: b, .. })
            if a.node == b.node =>
        {
            reach
                .iter()
                .any(|v| r.fires(first, v) && r.fires(second, v))
        }
        _ => false,
    }
}

/// Where a verdict is compared: C207 at its state (which handoff names a loop first is a
/// presentation choice), everything else at the span the check reports.
fn at(model: &Model, code: &str, start: u32) -> u32 {
    if code != "C207" {
        return start;
    }
    model
        .processes
        .iter()
        .flat_map(|p| p.states.iter())
        .find(|s| s.transitions.iter().any(|t| t.span.start == start))
        .map_or(start, |s| s.name.span.start)
}

fn agree(text: &str) -> Result<(), TestCaseError> {
    let report = check(vec![Input {
        name: "random.omni".into(),
        contents: text.as_bytes().to_vec(),
    }]);
    let read_errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.code().starts_with('E'))
        .map(|d| d.message.clone())
        .collect();
    prop_assert!(
        read_errors.is_empty(),
        "the generator wrote an invalid policy: {read_errors:?}\n{text}"
    );
    let Some(model) = report.policies.first().and_then(|p| p.model.as_ref()) else {
        return Err(TestCaseError::fail("no model"));
    };
    if report.diagnostics.iter().any(|d| d.code() == "A001") {
        // Cut short: only the structural verdict (trigger loops) is exact.
        let loops = |set: BTreeSet<(String, u32)>| -> BTreeSet<(String, u32)> {
            set.into_iter().filter(|(c, _)| c == "R308").collect()
        };
        let analysis = report
            .diagnostics
            .iter()
            .map(|d| (d.code().to_owned(), d.span.start))
            .collect();
        let mut r = Reference::new(model);
        let reference = super::agreement_rules::verdicts(model, &mut r);
        prop_assert_eq!(
            loops(analysis),
            loops(reference),
            "on this policy:\n{}",
            text
        );
        return Ok(());
    }
    let analysis: BTreeSet<(String, u32)> = report
        .diagnostics
        .iter()
        .filter(|d| CODES.contains(&d.code()))
        .map(|d| (d.code().to_owned(), at(model, d.code(), d.span.start)))
        .collect();
    let mut reference = reference_verdicts(model);
    let mut r = Reference::new(model);
    reference.extend(super::agreement_channels::verdicts(model, &mut r));
    reference.extend(super::agreement_loops::verdicts(model, &mut r));
    reference.extend(super::agreement_rules::verdicts(model, &mut r));
    prop_assert_eq!(analysis, reference, "on this policy:\n{}", text);
    Ok(())
}

proptest! {
    #![proptest_config(super::support::proptest_cases(2048))]

    #[test]
    fn the_analysis_agrees_with_the_reference(text in generate::policy()) {
        agree(&text)?;
    }
}
