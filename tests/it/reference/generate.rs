//! Random small policies, valid by construction, that exercise every kind of transition,
//! rule and condition the D checks look at: guards, requires, forbids (with and without
//! `via`), invariants, triggers on actions and events (cascading, acyclic), parameters,
//! internal and external events, sub-process calls with and without `else`, handoffs.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

/// A condition over the fields (and, when `param` is set, the action's parameter `p`).
fn cond(param: bool) -> BoxedStrategy<String> {
    let mut atoms = vec![
        "e.b",
        "not e.c",
        "e.n == 1",
        "e.n < 2",
        "e.n >= 1",
        "e.k == x",
        "e.k in { x, y }",
        "e.k != z",
        "e.c",
    ];
    if param {
        atoms.extend(["p", "not p", "e.b == p"]);
    }
    let atom = proptest::sample::select(atoms).prop_map(str::to_owned);
    atom.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
    .boxed()
}

/// An effect `set e.F = V`, reading the parameter when the action has one.
fn effect(param: bool) -> BoxedStrategy<String> {
    let mut options = vec![
        "set e.b = true",
        "set e.b = false",
        "set e.c = true",
        "set e.n = 0",
        "set e.n = 2",
        "set e.k = y",
        "set e.k = z",
        "set e.b = e.c",
        "set e.n = 1",
    ];
    if param {
        options.extend(["set e.b = p", "set e.c = p"]);
    }
    proptest::sample::select(options)
        .prop_map(str::to_owned)
        .boxed()
}

fn action(index: usize) -> BoxedStrategy<String> {
    (
        any::<bool>(),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(any::<bool>(), 0..1),
    )
        .prop_flat_map(move |(param, has_requires, _)| {
            let requires = match has_requires {
                Some(true) => cond(param)
                    .prop_map(|c| format!("  requires {c}\n"))
                    .boxed(),
                _ => Just(String::new()).boxed(),
            };
            let effects = proptest::collection::vec(effect(param), 0..3);
            // Only a0 and a1 emit `sig`; event triggers run a2/a3, so cascades stay acyclic.
            let emits = if index < 2 {
                any::<bool>().boxed()
            } else {
                Just(false).boxed()
            };
            (Just(param), requires, effects, emits)
        })
        .prop_map(move |(param, requires, effects, emits)| {
            let mut seen = Vec::new();
            let mut body = requires;
            for e in effects {
                let field = e.split('=').next().unwrap_or("").to_owned();
                if !seen.contains(&field) {
                    body.push_str(&format!("  {e}\n"));
                    seen.push(field);
                }
            }
            if emits {
                body.push_str("  emit sig\n");
            }
            let params = if param { "(p: bool)" } else { "" };
            format!("action a{index}{params} {{\n{body}}}\n")
        })
        .boxed()
}

fn rules() -> BoxedStrategy<String> {
    let invariant = proptest::collection::vec(cond(false), 0..4).prop_map(|conds| {
        conds
            .iter()
            .enumerate()
            .map(|(i, c)| format!("rule inv{i}: invariant {c}\n"))
            .collect::<String>()
    });
    let forbid = (
        0..4usize,
        proptest::option::of(0..2usize),
        proptest::option::of(cond(false)),
    )
        .prop_map(|(a, via, when)| {
            let via = via.map(|c| format!(" via c{c}")).unwrap_or_default();
            let when = when.map(|c| format!(" when {c}")).unwrap_or_default();
            format!("forbid a{a}{via}{when}")
        });
    // Action triggers go from a lower to a higher action; event triggers run a2 or a3.
    // Mostly acyclic; now and then a trigger back to an earlier (or the same) action makes a
    // loop (R308), which the analysis cuts short (A001).
    let trigger = prop_oneof![
        8 => (0..3usize, 1..4usize, proptest::option::of(cond(false)))
            .prop_filter("acyclic", |(a, b, _)| a < b)
            .prop_map(|(a, b, when)| format!(
                "on a{a}{} then a{b}",
                when.map(|c| format!(" when {c}")).unwrap_or_default()
            )),
        8 => (
            proptest::sample::select(vec!["ext", "sig"]),
            2..4usize,
            proptest::option::of(cond(false))
        )
            .prop_map(|(e, b, when)| format!(
                "on {e}{} then a{b}",
                when.map(|c| format!(" when {c}")).unwrap_or_default()
            )),
        1 => (0..4usize, 0..4usize)
            .prop_filter("a loop", |(a, b)| a >= b)
            .prop_map(|(a, b)| format!("on a{a} then a{b}")),
    ];
    (
        invariant,
        proptest::collection::vec(forbid, 0..3),
        proptest::collection::vec(trigger, 0..3),
    )
        .prop_map(|(inv, forbids, triggers)| {
            let mut out = inv;
            for (i, f) in forbids.iter().enumerate() {
                out.push_str(&format!("rule f{i}: {f}\n"));
            }
            for (i, t) in triggers.iter().enumerate() {
                out.push_str(&format!("rule t{i}: {t}\n"));
            }
            out
        })
        .boxed()
}

/// A transition of process `p` (0 may call process 1), leading to one of `targets`.
fn transition(p: usize, targets: Vec<String>) -> BoxedStrategy<String> {
    let target = proptest::sample::select(targets);
    let on = (
        0..4usize,
        proptest::option::of(proptest::sample::select(vec!["c0", "c1", "c0, c1"])),
        proptest::option::of(cond(false)),
        target.clone(),
    )
        .prop_map(|(a, via, when, t)| {
            format!(
                "on a{a}{}{} -> {t}",
                via.map(|v| format!(" via {v}")).unwrap_or_default(),
                when.map(|c| format!(" when {c}")).unwrap_or_default()
            )
        });
    let on_param = (target.clone(),).prop_map(|(t,)| format!("on a0 when e.b -> {t}"));
    let do_ =
        (0..4usize, proptest::option::of(cond(false)), target.clone()).prop_map(|(a, when, t)| {
            format!(
                "do a{a}{} -> {t}",
                when.map(|c| format!(" when {c}")).unwrap_or_default()
            )
        });
    let await_ = (
        proptest::sample::select(vec!["ext", "sig"]),
        proptest::option::of(cond(false)),
        target.clone(),
    )
        .prop_map(|(e, when, t)| {
            format!(
                "await {e}{} -> {t}",
                when.map(|c| format!(" when {c}")).unwrap_or_default()
            )
        });
    let after = target.clone().prop_map(|t| format!("after 1h -> {t}"));
    let handoff = proptest::sample::select(vec![
        "handoff c0 -> c1",
        "handoff c1 -> c0",
        "handoff c1 -> c2",
        "handoff c2 -> c1",
        "handoff c2 -> c0",
    ])
    .prop_map(str::to_owned);
    if p == 0 {
        let call = (target.clone(), proptest::option::of(target.clone())).prop_map(|(t, o)| {
            format!(
                "call q -> {t}{}",
                o.map(|o| format!(" else -> {o}")).unwrap_or_default()
            )
        });
        let all = (target.clone(), proptest::option::of(target)).prop_map(|(t, o)| {
            format!(
                "all q, r -> {t}{}",
                o.map(|o| format!(" else -> {o}")).unwrap_or_default()
            )
        });
        prop_oneof![4 => on, 1 => on_param, 3 => do_, 2 => await_, 1 => after, 2 => handoff, 2 => call, 1 => all].boxed()
    } else {
        prop_oneof![4 => on, 1 => on_param, 3 => do_, 2 => await_, 1 => after, 1 => handoff].boxed()
    }
}

/// A `never` assertion: an action, or a condition on the fields.
fn never() -> BoxedStrategy<String> {
    prop_oneof![(0..4usize).prop_map(|a| format!("a{a}")), cond(false),].boxed()
}

fn process(p: usize) -> BoxedStrategy<String> {
    let name = ["main", "q", "r"][p];
    let sla = proptest::sample::select(vec![
        "",
        "sla 10m\n",
        "sla 20m\n",
        "sla 1h\n",
        "sla 70m\n",
        "sla 2h\n",
        "sla 4h\n",
    ]);
    // Half the processes only move forward (no cycle of states): the analysis explores those
    // in topological order, the others breadth-first.
    (
        2..4usize,
        any::<bool>(),
        proptest::option::of(cond(false)),
        sla,
        any::<bool>(),
        proptest::collection::vec(never(), 0..3),
    )
        .prop_flat_map(
            move |(states, failure_final, requires, sla, forward, nevers)| {
                let mut finals: Vec<String> = vec!["ok".into()];
                if failure_final {
                    finals.push("ko".into());
                }
                let bodies: Vec<_> = (0..states)
                    .map(|i| {
                        let first = if forward { i + 1 } else { 0 };
                        let mut targets: Vec<String> =
                            (first..states).map(|s| format!("s{s}")).collect();
                        targets.extend(finals.iter().cloned());
                        proptest::collection::vec(transition(p, targets), 0..3)
                    })
                    .collect();
                (
                    Just(failure_final),
                    Just(requires),
                    Just(sla),
                    bodies,
                    Just(nevers),
                )
            },
        )
        .prop_map(move |(failure_final, requires, sla, bodies, nevers)| {
            let mut out = format!("process {name} {{\n");
            if p == 0 {
                out.push_str("  entry c0, c1, c2\n");
                out.push_str(&format!("  {sla}"));
                for never in &nevers {
                    out.push_str(&format!("  never {never}\n"));
                }
            }
            if let Some(r) = requires {
                out.push_str(&format!("  requires {r}\n"));
            }
            out.push_str("  start s0\n");
            for (i, body) in bodies.iter().enumerate() {
                out.push_str(&format!("  state s{i} {{\n"));
                for t in body {
                    out.push_str(&format!("    {t}\n"));
                }
                out.push_str("  }\n");
            }
            out.push_str("  final ok\n");
            if failure_final {
                out.push_str("  final ko failure\n");
            }
            out.push_str("}\n");
            out
        })
        .boxed()
}

/// A whole random policy.
pub fn policy() -> BoxedStrategy<String> {
    let caps = proptest::collection::vec(
        proptest::sample::subsequence(vec!["a0", "a1", "a2", "a3"], 0..4),
        3,
    );
    let replies = proptest::collection::vec(
        proptest::sample::select(vec![
            "",
            "replies within 5m; ",
            "replies within 10m; ",
            "replies within 1h; ",
            "replies within 3h; ",
        ]),
        3,
    );
    let records = proptest::collection::vec(any::<bool>(), 3);
    let processes = (process(0), process(1), process(2));
    (caps, replies, records, action(0), action(1), action(2), action(3), rules(), processes)
        .prop_map(|(caps, replies, records, a0, a1, a2, a3, rules, (p0, p1, p2))| {
            let mut out = String::from(
                "policy random\nentity e {\n  b: bool\n  c: bool\n  n: int 0..2\n  k: x | y | z\n}\nexternal event ext\nevent sig\n",
            );
            for (i, can) in caps.iter().enumerate() {
                let can = if can.is_empty() { String::new() } else { format!("can {}; ", can.join(", ")) };
                let record = if records[i] { "records case " } else { "" };
                out.push_str(&format!("channel c{i} {{ {can}{}{record}}}\n", replies[i]));
            }
            for a in [a0, a1, a2, a3] {
                out.push_str(&a);
            }
            out.push_str(&rules);
            out.push_str(&p0);
            out.push_str(&p1);
            out.push_str(&p2);
            out
        })
        .boxed()
}
