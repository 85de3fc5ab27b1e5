//! `Engine::decide` latency: on the telecom policy (the stories), and on a generated policy
//! with 1,000 rules. Criterion measures the median; each group also prints the p50 and p99 of
//! single calls, timed one by one over 100,000 calls.
//!
//! ```sh
//! cargo bench --bench decide
//! cargo bench --bench decide --features bench-cedar   # and Cedar, side by side
//! ```
//!
//! With `bench-cedar`, Cedar (`cedar-policy`) decides the equivalent channel-permission
//! question on an equivalent policy in the same run: channels are principals, the customer
//! is the resource with the fields as attributes, capabilities are permits, forbids and
//! invariants are forbids. Cedar has no effects or triggers, so omnilint does strictly more
//! per request (the transition, the effects, the invariants after them, the triggers). The
//! setup asserts that both give the same answer to every request measured.

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
    let fields = telecom_fields();
    let requests = TELECOM_REQUESTS
        .iter()
        .map(|(p, s, c, a, params)| {
            serde_json::from_value(serde_json::json!({
                "process": p, "state": s, "channel": c, "action": a,
                "params": serde_json::from_str::<serde_json::Value>(params).expect("JSON"),
                "fields": fields,
            }))
            .expect("a valid request")
        })
        .collect();
    (engine, requests)
}

/// (process, state, channel, action, parameters): an allowed request with a trigger (the
/// penalty of story 4), and one refused on the channel, with reasons and alternatives
/// (story 3).
const TELECOM_REQUESTS: [(&str, &str, &str, &str, &str); 2] = [
    (
        "multisim_request",
        "reconfigure",
        "phone",
        "cancel_data_plan",
        "{}",
    ),
    (
        "billing_address_change",
        "request",
        "web",
        "request_billing_change",
        r#"{"new": "B"}"#,
    ),
];

fn telecom_fields() -> serde_json::Value {
    serde_json::json!({
        "customer.billing_address": "A", "customer.installation_address": "A",
        "customer.new_billing_address": "A", "customer.in_commitment": true,
        "customer.claim_open": false, "customer.line": "active",
        "customer.data_plan": "multisim", "customer.penalty_charged": false,
        "installation.exchange": "old_exchange", "installation.adsl": true,
        "installation.incoming_calls": true, "installation.outgoing_calls": true,
    })
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
        let (a, ch, f, g, k) = forbid_shape(r);
        text.push_str(&format!(
            "rule forbid{r}: forbid a{a} via ch{ch} when c.f{f} and not c.f{g} and c.n > {k}\n"
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
        fields.insert(format!("c.f{i}"), serde_json::json!(flag(i)));
    }
    fields.insert("c.n".into(), serde_json::json!(N));
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

/// The `r`-th forbid of the generated policy: (action, channel, field that must hold, field
/// that must not, the bound `n` must exceed).
fn forbid_shape(r: usize) -> (usize, usize, usize, usize, usize) {
    (r % 40, r % 6, r % 12, (r * 7 + 3) % 12, r % 9)
}

/// The generated policy's requests' field values: `f{i}` and `n`.
fn flag(i: usize) -> bool {
    i % 3 == 0
}
const N: i64 = 5;

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
        let (ours, p99) = percentiles(prepared.len(), |i| {
            black_box(engine.decide_prepared(black_box(&prepared[i])));
        });
        println!(
            "decide-prepared/{name}: p50 {ours:.2} µs, p99 {p99:.2} µs (single calls, 100,000 of them)"
        );

        #[cfg(feature = "bench-cedar")]
        {
            let cedar = match name {
                "telecom" => cedar::telecom(),
                _ => cedar::thousand_rules(),
            };
            let allowed: Vec<bool> = prepared
                .iter()
                .map(|p| engine.decide_prepared(p).allowed)
                .collect();
            assert_eq!(
                cedar.answers(),
                allowed,
                "Cedar and omnilint answer the {name} requests alike"
            );
            c.bench_function(&format!("cedar/{name}"), |b| {
                b.iter(|| {
                    i = (i + 1) % cedar.requests.len();
                    black_box(cedar.is_authorized(black_box(i)))
                })
            });
            let (theirs, p99) = percentiles(cedar.requests.len(), |i| {
                black_box(cedar.is_authorized(black_box(i)));
            });
            println!(
                "cedar/{name}: p50 {theirs:.2} µs, p99 {p99:.2} µs (single calls, 100,000 of them); \
                 Cedar p50 / decide-prepared p50 = {:.1}",
                theirs / ours
            );
        }
    }
}

/// Cedar on the same question: may this channel (the principal) perform this action on this
/// customer (the resource, whose attributes are the fields) now?
#[cfg(feature = "bench-cedar")]
mod cedar {
    use cedar_policy::{Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request};

    pub struct Cedar {
        authorizer: Authorizer,
        policies: PolicySet,
        entities: Entities,
        pub requests: Vec<Request>,
    }

    impl Cedar {
        fn new(policies: &str, attrs: serde_json::Value, requests: &[(String, String)]) -> Self {
            let policies: PolicySet = policies.parse().expect("the Cedar policies parse");
            let entities = Entities::from_json_value(
                serde_json::json!([
                    {"uid": {"type": "Customer", "id": "c"}, "attrs": attrs, "parents": []}
                ]),
                None,
            )
            .expect("the Cedar entities load");
            let uid = |text: String| -> EntityUid { text.parse().expect("an entity uid") };
            let requests = requests
                .iter()
                .map(|(channel, action)| {
                    Request::new(
                        uid(format!(r#"Channel::"{channel}""#)),
                        uid(format!(r#"Action::"{action}""#)),
                        uid(r#"Customer::"c""#.to_owned()),
                        Context::empty(),
                        None,
                    )
                    .expect("a Cedar request")
                })
                .collect();
            Cedar {
                authorizer: Authorizer::new(),
                policies,
                entities,
                requests,
            }
        }

        pub fn is_authorized(&self, i: usize) -> bool {
            self.authorizer
                .is_authorized(&self.requests[i], &self.policies, &self.entities)
                .decision()
                == Decision::Allow
        }

        pub fn answers(&self) -> Vec<bool> {
            (0..self.requests.len())
                .map(|i| self.is_authorized(i))
                .collect()
        }
    }

    /// policies/telecom: the channels' `can` lists as permits, the forbid and the invariant
    /// as forbids.
    pub fn telecom() -> Cedar {
        let policies = r#"
            permit(principal == Channel::"web", action == Action::"request_line_move", resource);
            permit(principal == Channel::"store", action == Action::"request_billing_change", resource);
            permit(principal == Channel::"phone", action in [Action::"request_line_move",
                Action::"request_multisim", Action::"cancel_data_plan", Action::"activate_multisim",
                Action::"open_bill_claim"], resource);
            permit(principal == Channel::"twitter", action in [Action::"acknowledge",
                Action::"open_bill_claim"], resource);
            forbid(principal, action == Action::"suspend_line", resource)
                when { resource.claim_open };
            forbid(principal, action, resource)
                unless { resource.billing_address == resource.installation_address };
        "#;
        let fields = super::telecom_fields();
        let attrs: serde_json::Map<String, serde_json::Value> = fields
            .as_object()
            .expect("an object")
            .iter()
            .map(|(k, v)| (k.split('.').next_back().unwrap_or(k).to_owned(), v.clone()))
            .collect();
        let requests: Vec<(String, String)> = super::TELECOM_REQUESTS
            .iter()
            .map(|(_, _, channel, action, _)| (channel.to_string(), action.to_string()))
            .collect();
        Cedar::new(policies, serde_json::Value::Object(attrs), &requests)
    }

    /// The generated policy: every channel can every action (one permit), 900 forbids, 40
    /// invariants as forbids (Cedar has no triggers).
    pub fn thousand_rules() -> Cedar {
        let mut policies = String::from("permit(principal, action, resource);\n");
        for r in 0..900 {
            let (a, ch, f, g, k) = super::forbid_shape(r);
            policies.push_str(&format!(
                "forbid(principal == Channel::\"ch{ch}\", action == Action::\"a{a}\", resource) \
                 when {{ resource.f{f} && !resource.f{g} && resource.n > {k} }};\n"
            ));
        }
        for i in 0..40 {
            policies.push_str(&format!(
                "forbid(principal, action, resource) unless {{ resource.n <= 9 || resource.f{} }};\n",
                i % 12
            ));
        }
        let mut attrs = serde_json::Map::new();
        for i in 0..12 {
            attrs.insert(format!("f{i}"), serde_json::json!(super::flag(i)));
        }
        attrs.insert("n".into(), serde_json::json!(super::N));
        let requests: Vec<(String, String)> = (0..40)
            .map(|a| (format!("ch{}", a % 6), format!("a{a}")))
            .collect();
        Cedar::new(&policies, serde_json::Value::Object(attrs), &requests)
    }
}

criterion_group!(benches, bench_decide);
criterion_main!(benches);
