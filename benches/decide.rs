//! `Engine::decide` latency: on the telecom policy (the stories), and on a generated policy
//! with 1,000 rules. Criterion measures the median; each group also prints the p50 and p99 of
//! single calls, timed one by one over 100,000 calls.
//!
//! ```sh
//! cargo bench --bench decide
//! ```

// A benchmark's inputs are fixed: failing to build them is a bug to see at once.
#![allow(clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use omnilint::engine::{Engine, Prepared, Request};
use omnilint::lint::Input;
use std::hint::black_box;
use std::time::Instant;

fn telecom() -> (Engine, Vec<Request>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/telecom");
    let mut inputs: Vec<Input> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "omni"))
        .map(|p| Input {
            name: p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            contents: std::fs::read(&p).unwrap_or_default(),
        })
        .collect();
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    let engine = Engine::load(inputs, Some("telecom")).expect("the telecom policy loads");
    let fields = serde_json::json!({
        "customer.billing_address": "A", "customer.installation_address": "A",
        "customer.new_billing_address": "A", "customer.in_commitment": true,
        "customer.claim_open": false, "customer.line": "active",
        "customer.data_plan": "multisim", "customer.penalty_charged": false,
        "installation.exchange": "old_exchange", "installation.adsl": true,
        "installation.incoming_calls": true, "installation.outgoing_calls": true,
    });
    let requests = [
        // Allowed, with a trigger (the penalty).
        (
            "multisim_request",
            "reconfigure",
            "phone",
            "cancel_data_plan",
            serde_json::json!({}),
        ),
        // Refused on the channel: reasons and alternatives.
        (
            "billing_address_change",
            "request",
            "web",
            "request_billing_change",
            serde_json::json!({"new": "B"}),
        ),
    ]
    .into_iter()
    .map(|(p, s, c, a, params)| {
        serde_json::from_value(serde_json::json!({
            "process": p, "state": s, "channel": c, "action": a, "params": params, "fields": fields,
        }))
        .expect("a valid request")
    })
    .collect();
    (engine, requests)
}

/// One process, 40 actions, 6 channels and 1,000 rules: 900 forbids (most on one channel,
/// with conditions on a dozen fields), 60 triggers from lower to higher actions, 40
/// invariants that always hold.
fn thousand_rules() -> (Engine, Vec<Request>) {
    let mut text = String::from("policy big\nentity c {\n");
    for i in 0..12 {
        text.push_str(&format!("  f{i}: bool\n"));
    }
    text.push_str("  n: int 0..9\n}\n");
    for a in 0..40 {
        text.push_str(&format!("action a{a} {{ set c.f{} = true }}\n", a % 12));
    }
    let can: Vec<String> = (0..40).map(|a| format!("a{a}")).collect();
    for ch in 0..6 {
        text.push_str(&format!(
            "channel ch{ch} {{ can {}; records case }}\n",
            can.join(", ")
        ));
    }
    for r in 0..900 {
        let (a, f, g) = (r % 40, r % 12, (r * 7 + 3) % 12);
        text.push_str(&format!(
            "rule forbid{r}: forbid a{a} via ch{} when c.f{f} and not c.f{g} and c.n > {}\n",
            r % 6,
            r % 9
        ));
    }
    for t in 0..60 {
        let a = t % 39;
        text.push_str(&format!(
            "rule trigger{t}: on a{a} when c.n == {} then a{}\n",
            t % 10,
            a + 1 + t % (39 - a).max(1)
        ));
    }
    for i in 0..40 {
        text.push_str(&format!(
            "rule inv{i}: invariant c.n <= 9 or c.f{}\n",
            i % 12
        ));
    }
    text.push_str("process main {\n  entry ch0, ch1, ch2, ch3, ch4, ch5\n  start s\n  state s {\n");
    for a in 0..40 {
        text.push_str(&format!("    on a{a} -> done\n"));
    }
    text.push_str("  }\n  final done\n}\n");
    let engine = Engine::load(
        vec![Input {
            name: "big.omni".into(),
            contents: text.into_bytes(),
        }],
        None,
    )
    .expect("the generated policy loads");
    let mut fields = serde_json::Map::new();
    for i in 0..12 {
        fields.insert(format!("c.f{i}"), serde_json::json!(i % 3 == 0));
    }
    fields.insert("c.n".into(), serde_json::json!(5));
    let requests = (0..40)
        .map(|a| {
            serde_json::from_value(serde_json::json!({
                "process": "main", "state": "s", "channel": format!("ch{}", a % 6),
                "action": format!("a{a}"), "fields": fields,
            }))
            .expect("a valid request")
        })
        .collect();
    (engine, requests)
}

/// p50 and p99 of 100,000 single calls of `call`, timed one by one, cycling through `n`
/// inputs.
fn percentiles(n: usize, call: impl Fn(usize)) -> (f64, f64) {
    let mut times: Vec<u128> = (0..100_000)
        .map(|i| {
            let start = Instant::now();
            call(i % n);
            start.elapsed().as_nanos()
        })
        .collect();
    times.sort_unstable();
    let at =
        |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)] as f64 / 1000.0;
    (at(0.50), at(0.99))
}

fn bench_decide(c: &mut Criterion) {
    for (name, (engine, requests)) in [("telecom", telecom()), ("1000-rules", thousand_rules())] {
        let prepared: Vec<Prepared> = requests
            .iter()
            .map(|r| engine.prepare(r).expect("a valid request"))
            .collect();
        let mut i = 0;
        c.bench_function(&format!("decide/{name}"), |b| {
            b.iter(|| {
                i = (i + 1) % requests.len();
                black_box(engine.decide(black_box(&requests[i])).ok())
            })
        });
        c.bench_function(&format!("decide-prepared/{name}"), |b| {
            b.iter(|| {
                i = (i + 1) % prepared.len();
                black_box(engine.decide_prepared(black_box(&prepared[i])))
            })
        });
        let (p50, p99) = percentiles(requests.len(), |i| {
            black_box(engine.decide(black_box(&requests[i])).ok());
        });
        println!("decide/{name}: p50 {p50:.2} µs, p99 {p99:.2} µs (single calls, 100,000 of them)");
        let (p50, p99) = percentiles(prepared.len(), |i| {
            black_box(engine.decide_prepared(black_box(&prepared[i])));
        });
        println!(
            "decide-prepared/{name}: p50 {p50:.2} µs, p99 {p99:.2} µs (single calls, 100,000 of them)"
        );
    }
}

criterion_group!(benches, bench_decide);
criterion_main!(benches);
