//! `Engine::decide` against the brute-force reference: on random policies, every state, every
//! action a state offers, every channel, every allowed valuation (up to a sample) and every
//! parameter choice, the engine allows exactly what the reference's firing rules allow, moves
//! to one of the states the reference reaches, and ends with the data the reference ends with.

use super::reference::{Reference, Valuation, generate, product};
use omnilint::engine::request::Json;
use omnilint::engine::{Engine, Request};
use omnilint::lint::{Input, check};
use omnilint::model::{ChannelId, Model, ProcessId, StateId, Transition, Value};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn json(model: &Model, value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Int(*i),
        Value::Variant(e, i) => {
            Json::Str(model.enumeration(*e).variants[*i as usize].node.to_string())
        }
        Value::Str(s) => Json::Str(s.clone()),
    }
}

fn fields(model: &Model, v: &Valuation) -> BTreeMap<String, Json> {
    model
        .fields
        .iter()
        .zip(v)
        .map(|(f, x)| (f.qualified.clone(), json(model, x)))
        .collect()
}

fn agree(text: &str) -> Result<(), TestCaseError> {
    let report = check(vec![Input {
        name: "random.omni".into(),
        contents: text.as_bytes().to_vec(),
    }]);
    let Some(model) = report.policies.first().and_then(|p| p.model.clone()) else {
        return Ok(()); // the generator's rare unreadable policy: nothing to decide
    };
    let engine = Engine::from_report(report, None).unwrap();
    let mut r = Reference::new(&model);
    let valuations: Vec<Valuation> = product(
        &model,
        &model.fields.iter().map(|f| f.ty.node).collect::<Vec<_>>(),
    )
    .into_iter()
    .filter(|v| r.invariants(v))
    .collect();
    // Every valuation when there are few, else a spread of them: the policies are small.
    let step = (valuations.len() / 24).max(1);
    for (pi, process) in model.processes.iter().enumerate() {
        for (si, state) in process.states.iter().enumerate() {
            let actions: BTreeSet<_> = state
                .transitions
                .iter()
                .filter_map(|t| match &t.node {
                    Transition::On { action, .. } => Some(action.node),
                    _ => None,
                })
                .collect();
            for &action in &actions {
                for (ci, channel) in model.channels.iter().enumerate() {
                    let c = ChannelId(ci as u32);
                    for v in valuations.iter().step_by(step) {
                        for p in r.params_of(action) {
                            let decl = &model.action(action).params;
                            let request = Request {
                                process: process.name.node.to_string(),
                                state: state.name.node.to_string(),
                                channel: channel.name.node.to_string(),
                                action: Some(model.action(action).name.node.to_string()),
                                params: decl
                                    .iter()
                                    .zip(&p)
                                    .map(|(d, x)| (d.name.node.to_string(), json(&model, x)))
                                    .collect(),
                                fields: fields(&model, v),
                            };
                            let decision = engine.decide(&request).unwrap();
                            let verdict =
                                engine.decide_prepared(&engine.prepare(&request).unwrap());
                            prop_assert_eq!(verdict.allowed, decision.allowed);
                            prop_assert_eq!(verdict.refusals.len(), decision.reasons.len());

                            // The reference: every transition of the action on this channel.
                            let mut targets = BTreeSet::new();
                            let mut results: BTreeSet<Valuation> = BTreeSet::new();
                            for t in &state.transitions {
                                let Transition::On {
                                    action: a,
                                    target,
                                    when,
                                    ..
                                } = &t.node
                                else {
                                    continue;
                                };
                                if a.node != action || !r.channels(&t.node).contains(&c) {
                                    continue;
                                }
                                let scope = [(action, p.clone())];
                                if when.as_ref().is_some_and(|w| !r.eval(w, v, &scope)) {
                                    continue;
                                }
                                if let Some(out) = r.fire(v, action, Some(c), &p, 0) {
                                    targets.insert(
                                        model
                                            .process(ProcessId(pi as u32))
                                            .state(target.node)
                                            .name
                                            .node
                                            .clone(),
                                    );
                                    results.extend(out);
                                }
                            }
                            let context = || {
                                format!(
                                    "{}.{} {} via {} with {:?} {:?}",
                                    process.name.node,
                                    state.name.node,
                                    model.action(action).name.node,
                                    channel.name.node,
                                    v,
                                    p
                                )
                            };
                            prop_assert_eq!(
                                decision.allowed,
                                !targets.is_empty(),
                                "{}: {:?}",
                                context(),
                                decision.reasons
                            );
                            if !decision.allowed {
                                prop_assert!(!decision.reasons.is_empty(), "{}", context());
                                continue;
                            }
                            prop_assert!(
                                targets.contains(decision.next_state.as_deref().unwrap()),
                                "{}",
                                context()
                            );
                            if decision.triggered.iter().any(|t| t.needs_parameters) {
                                continue; // the reference tries every parameter; the engine leaves them to the backend
                            }
                            let expected: BTreeSet<BTreeMap<String, Json>> =
                                results.iter().map(|x| fields(&model, x)).collect();
                            prop_assert_eq!(
                                expected.len(),
                                1,
                                "{}: the reference is deterministic here",
                                context()
                            );
                            prop_assert_eq!(
                                decision.fields.as_ref(),
                                expected.iter().next(),
                                "{}",
                                context()
                            );
                        }
                    }
                }
            }
            let _ = StateId(si as u32);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(super::support::proptest_cases(2048))]

    #[test]
    fn decide_agrees_with_the_reference(text in generate::policy()) {
        agree(&text)?;
    }
}
