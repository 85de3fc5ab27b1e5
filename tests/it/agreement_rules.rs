//! The R verdicts as the brute-force reference sees them: every valuation the fields' types
//! and the invariants allow, every parameter choice, the rules applied one valuation at a
//! time. Compared with the analysis by `agreement.rs`.

use super::reference::{Reference, Valuation, product};
use omnilint::model::{
    ActionId, Cond, EventId, FieldId, Model, Never, ProcessId, RuleId, RuleKind, StateId, Term,
    Transition, TriggerSource, Value,
};
use std::collections::{BTreeMap, BTreeSet};

type Verdicts = BTreeSet<(String, u32)>;

/// Data with the parameters of the action that set the triggers off.
type Situations = BTreeSet<(Valuation, Vec<Value>)>;

/// Every R verdict, as (code, byte offset of the span the check reports at).
pub fn verdicts(model: &Model, r: &mut Reference<'_>) -> Verdicts {
    let mut out = BTreeSet::new();
    let everything: Vec<Valuation> = product(
        model,
        &model.fields.iter().map(|f| f.ty.node).collect::<Vec<_>>(),
    );
    let allowed: Vec<Valuation> = everything
        .iter()
        .filter(|v| r.invariants(v))
        .cloned()
        .collect();
    contradictory_invariants(model, r, &everything, &mut out);
    trigger_cycles(model, &mut out);
    never_assertions(model, r, &mut out);
    if allowed.is_empty() {
        return out; // the data checks say nothing when no data is allowed
    }
    breaks_invariant(model, r, &allowed, &mut out);
    trigger_forbidden(model, r, &allowed, &mut out);
    forbids(model, r, &allowed, &mut out);
    unsatisfiable(model, r, &allowed, &mut out);
    out
}

fn fields_of(cond: &Cond) -> BTreeSet<FieldId> {
    let mut fields = BTreeSet::new();
    cond.terms(&mut |t| {
        if let Term::Field(f) = t {
            fields.insert(*f);
        }
    });
    fields
}

fn invariants(model: &Model) -> Vec<(RuleId, &Cond)> {
    model
        .rules
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| match &rule.kind.node {
            RuleKind::Invariant(c) => Some((RuleId(i as u32), &c.node)),
            _ => None,
        })
        .collect()
}

/// R301: per group of invariants sharing fields (by transitive closure), the first smallest
/// subset no valuation satisfies, every subset tried.
fn contradictory_invariants(
    model: &Model,
    r: &Reference<'_>,
    everything: &[Valuation],
    out: &mut Verdicts,
) {
    let all = invariants(model);
    let mut group: Vec<usize> = (0..all.len()).collect();
    loop {
        let mut changed = false;
        for i in 0..all.len() {
            for j in 0..all.len() {
                let shared = !fields_of(all[i].1).is_disjoint(&fields_of(all[j].1));
                if shared && group[j] > group[i] {
                    group[j] = group[i];
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, g) in group.iter().enumerate() {
        groups.entry(*g).or_default().push(i);
    }
    for members in groups.values() {
        let satisfiable = |subset: &[usize]| {
            everything
                .iter()
                .any(|v| subset.iter().all(|i| r.eval(all[members[*i]].1, v, &[])))
        };
        let n = members.len();
        let mut subsets: Vec<Vec<usize>> = (0u32..1 << n)
            .map(|mask| (0..n).filter(|i| mask & (1 << i) != 0).collect())
            .filter(|s: &Vec<usize>| !s.is_empty())
            .collect();
        subsets.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
        if let Some(smallest) = subsets.iter().find(|s| !satisfiable(s)) {
            let first = all[members[smallest[0]]].0;
            out.insert(("R301".into(), model.rule(first).name.span.start));
        }
    }
}

/// R302: the action completes (as the system would run it: no forbid without `via`, its
/// `requires` hold) from allowed data, and an invariant it writes a field of fails after.
fn breaks_invariant(model: &Model, r: &Reference<'_>, allowed: &[Valuation], out: &mut Verdicts) {
    for (a, action) in model.actions.iter().enumerate() {
        let id = ActionId(a as u32);
        let written: BTreeSet<FieldId> = action.effects.iter().map(|e| e.field.node).collect();
        for (_, cond) in invariants(model) {
            if fields_of(cond).is_disjoint(&written) {
                continue;
            }
            let broken = allowed.iter().any(|v| {
                r.params_of(id).iter().any(|p| {
                    let scope = vec![(id, p.clone())];
                    if !admitted_as_system(model, r, id, v, &scope) {
                        return false;
                    }
                    let mut next = v.clone();
                    for e in &action.effects {
                        next[e.field.node.index()] = r.term(&e.value, v, &scope);
                    }
                    !r.eval(cond, &next, &[])
                })
            });
            if broken {
                out.insert(("R302".into(), action.name.span.start));
            }
        }
    }
}

/// No forbid without `via` holds, and the `requires` hold.
fn admitted_as_system(
    model: &Model,
    r: &Reference<'_>,
    a: ActionId,
    v: &Valuation,
    scope: &[(ActionId, Vec<Value>)],
) -> bool {
    let forbidden =
        model.index.forbids_by_action[a.index()]
            .iter()
            .any(|f| match &model.rule(*f).kind.node {
                RuleKind::Forbid {
                    via: None, when, ..
                } => when.as_ref().is_none_or(|w| r.eval(w, v, scope)),
                _ => false,
            });
    !forbidden && model.action(a).requires.iter().all(|c| r.eval(c, v, scope))
}

/// R303: the situations of each trigger, computed by running the triggers before it.
fn trigger_forbidden(
    model: &Model,
    r: &mut Reference<'_>,
    allowed: &[Valuation],
    out: &mut Verdicts,
) {
    let sources = (0..model.actions.len())
        .map(|a| TriggerSource::Action(ActionId(a as u32)))
        .chain((0..model.events.len()).map(|e| TriggerSource::Event(EventId(e as u32))));
    for source in sources {
        // (data, the source action's parameters)
        let (mut data, rules, depth): (Situations, Vec<RuleId>, usize) = match source {
            TriggerSource::Action(a) => {
                let mut data = BTreeSet::new();
                for v in allowed {
                    for p in r.params_of(a) {
                        let scope = vec![(a, p.clone())];
                        if !admitted_as_system(model, r, a, v, &scope) {
                            continue;
                        }
                        let mut next = v.clone();
                        for e in &model.action(a).effects {
                            next[e.field.node.index()] = r.term(&e.value, v, &scope);
                        }
                        if r.invariants(&next) {
                            data.insert((next, p));
                        }
                    }
                }
                (data, model.index.triggers_by_action[a.index()].clone(), 1)
            }
            TriggerSource::Event(e) => (
                allowed.iter().map(|v| (v.clone(), Vec::new())).collect(),
                model.index.triggers_by_event[e.index()].clone(),
                0,
            ),
        };
        for rule in rules {
            let RuleKind::Trigger { when, then, .. } = &model.rule(rule).kind.node else {
                continue;
            };
            let scope_of = |p: &Vec<Value>| match source {
                TriggerSource::Action(a) => vec![(a, p.clone())],
                TriggerSource::Event(_) => Vec::new(),
            };
            let fires: Vec<(Valuation, Vec<Value>)> = data
                .iter()
                .filter(|(v, p)| when.as_ref().is_none_or(|w| r.eval(w, v, &scope_of(p))))
                .cloned()
                .collect();
            let blocked = model.index.forbids_by_action[then.node.index()]
                .iter()
                .any(|f| match &model.rule(*f).kind.node {
                    RuleKind::Forbid {
                        via: None, when, ..
                    } => fires.iter().any(|(v, _)| {
                        r.params_of(then.node).iter().any(|q| {
                            when.as_ref()
                                .is_none_or(|w| r.eval(w, v, &[(then.node, q.clone())]))
                        })
                    }),
                    _ => false,
                });
            if blocked {
                out.insert(("R303".into(), model.rule(rule).name.span.start));
            }
            let mut next: BTreeSet<(Valuation, Vec<Value>)> = data
                .iter()
                .filter(|d| !fires.contains(d))
                .cloned()
                .collect();
            for (v, p) in &fires {
                for after in r.triggered(v, then.node, depth) {
                    next.insert((after, p.clone()));
                }
            }
            data = next;
        }
    }
}

/// R304, R305, R306: forbids over allowed data and parameters.
fn forbids(model: &Model, r: &Reference<'_>, allowed: &[Valuation], out: &mut Verdicts) {
    let holds = |rule: RuleId, v: &Valuation, p: &Vec<Value>| match &model.rule(rule).kind.node {
        RuleKind::Forbid { action, when, .. } => when
            .as_ref()
            .is_none_or(|w| r.eval(w, v, &[(action.node, p.clone())])),
        _ => false,
    };
    for (a, rules) in model.index.forbids_by_action.iter().enumerate() {
        let id = ActionId(a as u32);
        let points: Vec<(Valuation, Vec<Value>)> = allowed
            .iter()
            .flat_map(|v| r.params_of(id).into_iter().map(move |p| (v.clone(), p)))
            .collect();
        let applies: Vec<BTreeSet<usize>> = rules
            .iter()
            .map(|f| {
                (0..points.len())
                    .filter(|i| holds(*f, &points[*i].0, &points[*i].1))
                    .collect()
            })
            .collect();
        let channels = |f: RuleId| match &model.rule(f).kind.node {
            RuleKind::Forbid { via, .. } => via
                .as_ref()
                .map(|v| v.iter().map(|c| c.node).collect::<BTreeSet<_>>()),
            _ => None,
        };
        let covers = |wide: usize, narrow: usize| {
            let on_channels = match (channels(rules[wide]), channels(rules[narrow])) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(w), Some(n)) => n.is_subset(&w),
            };
            on_channels && applies[narrow].is_subset(&applies[wide])
        };
        for (i, rule) in rules.iter().enumerate() {
            let def = model.rule(*rule);
            if applies[i].is_empty() {
                if let RuleKind::Forbid { when: Some(w), .. } = &def.kind.node {
                    out.insert(("R304".into(), w.span.start));
                }
                continue;
            }
            let covered =
                (0..rules.len()).any(|j| j != i && covers(j, i) && !(j > i && covers(i, j)));
            if covered {
                out.insert(("R305".into(), def.name.span.start));
            }
        }
    }
    for process in &model.processes {
        for state in &process.states {
            for t in &state.transitions {
                let Transition::On { action, .. } = &t.node else {
                    continue;
                };
                let a = action.node;
                let always = r.channels(&t.node).into_iter().any(|c| {
                    allowed.iter().all(|v| {
                        r.params_of(a).iter().all(|p| {
                            model.index.forbids_by_action[a.index()].iter().any(|f| {
                                let on_channel = match &model.rule(*f).kind.node {
                                    RuleKind::Forbid { via, .. } => {
                                        via.as_ref().is_none_or(|l| l.iter().any(|x| x.node == c))
                                    }
                                    _ => false,
                                };
                                on_channel && holds(*f, v, p)
                            })
                        })
                    })
                });
                if always {
                    out.insert(("R306".into(), t.span.start));
                }
            }
        }
    }
}

/// R309: requires, guards and trigger `when`s no allowed data and parameters satisfy.
fn unsatisfiable(model: &Model, r: &Reference<'_>, allowed: &[Valuation], out: &mut Verdicts) {
    let mut test = |cond: &omnilint::source::Node<Cond>, frame: Option<ActionId>| {
        let choices = frame.map_or_else(|| vec![Vec::new()], |a| r.params_of(a));
        let satisfied = allowed.iter().any(|v| {
            choices.iter().any(|p| {
                let scope: Vec<(ActionId, Vec<Value>)> =
                    frame.map(|a| (a, p.clone())).into_iter().collect();
                r.eval(cond, v, &scope)
            })
        });
        if !satisfied {
            out.insert(("R309".into(), cond.span.start));
        }
    };
    for (a, action) in model.actions.iter().enumerate() {
        for c in &action.requires {
            test(c, Some(ActionId(a as u32)));
        }
    }
    for rule in &model.rules {
        if let RuleKind::Trigger {
            on, when: Some(w), ..
        } = &rule.kind.node
        {
            let frame = match on.node {
                TriggerSource::Action(a) => Some(a),
                TriggerSource::Event(_) => None,
            };
            test(w, frame);
        }
    }
    for process in &model.processes {
        for c in &process.requires {
            test(c, None);
        }
        for state in &process.states {
            for t in &state.transitions {
                match &t.node {
                    Transition::On {
                        action,
                        when: Some(w),
                        ..
                    }
                    | Transition::Do {
                        action,
                        when: Some(w),
                        ..
                    } => test(w, Some(action.node)),
                    Transition::Await { when: Some(w), .. } => test(w, None),
                    _ => {}
                }
            }
        }
    }
}

/// R307: `never COND` holds in some reached data; `never A`: from some reached data, a step
/// of the process or an event that may arrive runs `A`.
fn never_assertions(model: &Model, r: &mut Reference<'_>, out: &mut Verdicts) {
    for (p, process) in model.processes.iter().enumerate() {
        let pid = ProcessId(p as u32);
        for never in &process.nevers {
            let violated = match &never.node {
                Never::Cond(c) => (0..process.states.len()).any(|s| {
                    r.reached(pid, StateId(s as u32))
                        .iter()
                        .any(|v| r.eval(c, v, &[]))
                }),
                Never::Action(goal) => (0..process.states.len())
                    .any(|s| runs_in_state(model, r, pid, StateId(s as u32), *goal)),
            };
            if violated {
                out.insert(("R307".into(), never.span.start));
            }
        }
    }
}

fn runs_in_state(
    model: &Model,
    r: &mut Reference<'_>,
    process: ProcessId,
    state: StateId,
    goal: ActionId,
) -> bool {
    let def = model.process(process).state(state);
    if def.is_final() {
        return false;
    }
    let hit = |r: &mut Reference<'_>, run: &mut dyn FnMut(&mut Reference<'_>)| {
        r.ran.clear();
        run(r);
        r.ran.contains(&goal)
    };
    for v in r.reached(process, state) {
        for t in &def.transitions {
            let found = match &t.node {
                Transition::On { action, .. } | Transition::Do { action, .. } => {
                    let performers: Vec<Option<omnilint::model::ChannelId>> =
                        if matches!(t.node, Transition::On { .. }) {
                            r.channels(&t.node).into_iter().map(Some).collect()
                        } else {
                            vec![None]
                        };
                    r.params_of(action.node).into_iter().any(|p| {
                        let guard = t.node.guard();
                        let scope = vec![(action.node, p.clone())];
                        guard.is_none_or(|g| r.eval(g, &v, &scope))
                            && performers.iter().any(|c| {
                                hit(r, &mut |r| {
                                    r.fire(&v, action.node, *c, &p, 0);
                                })
                            })
                    })
                }
                Transition::Await { event, when, .. } => {
                    r.available.contains(&event.node)
                        && when.as_ref().is_none_or(|w| r.eval(w, &v, &[]))
                        && hit(r, &mut |r| {
                            r.event_post(&v, event.node, 0);
                        })
                }
                _ => false,
            };
            if found {
                return true;
            }
        }
        for event in r.available.clone() {
            if !model.index.triggers_by_event[event.index()].is_empty()
                && hit(r, &mut |r| {
                    r.event_post(&v, event, 0);
                })
            {
                return true;
            }
        }
    }
    false
}

/// R308: the rules on a loop of triggers (and emitted events), one verdict per group of rules
/// that reach each other, at the group's first rule.
fn trigger_cycles(model: &Model, out: &mut Verdicts) {
    // Nodes: actions, then events.
    let n = model.actions.len() + model.events.len();
    let node = |s: TriggerSource| match s {
        TriggerSource::Action(a) => a.index(),
        TriggerSource::Event(e) => model.actions.len() + e.index(),
    };
    let mut reach = vec![vec![false; n]; n];
    let mut edges: Vec<(usize, usize, RuleId)> = Vec::new();
    for (i, rule) in model.rules.iter().enumerate() {
        if let RuleKind::Trigger { on, then, .. } = &rule.kind.node {
            let (from, to) = (node(on.node), node(TriggerSource::Action(then.node)));
            reach[from][to] = true;
            edges.push((from, to, RuleId(i as u32)));
        }
    }
    for (a, action) in model.actions.iter().enumerate() {
        for e in &action.emits {
            reach[a][node(TriggerSource::Event(e.node))] = true;
        }
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                if reach[i][k] && reach[k][j] {
                    reach[i][j] = true;
                }
            }
        }
    }
    // A rule is on a loop when its target leads back to its source.
    let on_loop: Vec<&(usize, usize, RuleId)> = edges
        .iter()
        .filter(|(from, to, _)| from == to || reach[*to][*from])
        .collect();
    let mut firsts = BTreeSet::new();
    for (from, _, rule) in &on_loop {
        let first = on_loop
            .iter()
            .filter(|(f, _, _)| f == from || (reach[*f][*from] && reach[*from][*f]))
            .map(|(_, _, r)| *r)
            .min()
            .unwrap_or(*rule);
        firsts.insert(first);
    }
    for rule in firsts {
        out.insert(("R308".into(), model.rule(rule).name.span.start));
    }
}
