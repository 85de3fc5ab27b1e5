//! A backend in miniature: load a policy once, then answer decisions for every request that
//! comes in (here: a few, as a service would receive them).
//!
//! ```sh
//! cargo run --example backend -- policies/telecom telecom
//! ```

use omnilint::engine::{Engine, Request};
use omnilint::lint::Input;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "policies/telecom".to_owned());
    let policy = args.next().unwrap_or_else(|| "telecom".to_owned());

    // Loading reads and checks the files once; every decision afterwards is pure computation.
    let mut inputs = Vec::new();
    for entry in std::fs::read_dir(Path::new(&dir))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "omni") {
            inputs.push(Input {
                name: path.display().to_string(),
                contents: std::fs::read(&path)?,
            });
        }
    }
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    let engine = Engine::load(inputs, Some(&policy))?;

    let customer = serde_json::json!({
        "customer.billing_address": "A", "customer.installation_address": "A",
        "customer.new_billing_address": "A", "customer.in_commitment": true,
        "customer.claim_open": false, "customer.line": "active",
        "customer.data_plan": "multisim", "customer.penalty_charged": false,
        "installation.exchange": "old_exchange", "installation.adsl": true,
        "installation.incoming_calls": true, "installation.outgoing_calls": true,
    });
    let asks = [
        (
            "billing_address_change",
            "request",
            "web",
            "request_billing_change",
            serde_json::json!({"new": "B"}),
        ),
        (
            "multisim_request",
            "reconfigure",
            "phone",
            "cancel_data_plan",
            serde_json::json!({}),
        ),
    ];
    for (process, state, channel, action, params) in asks {
        let request: Request = serde_json::from_value(serde_json::json!({
            "process": process, "state": state, "channel": channel,
            "action": action, "params": params, "fields": customer,
        }))?;
        let decision = engine.decide(&request)?;
        if decision.allowed {
            println!(
                "{action} via {channel}: allowed, next `{}`; triggers: {:?}",
                decision.next_state.unwrap_or_default(),
                decision
                    .triggered
                    .iter()
                    .map(|t| &t.action)
                    .collect::<Vec<_>>()
            );
        } else {
            println!("{action} via {channel}: refused");
            for reason in &decision.reasons {
                println!("  because {}", serde_json::to_string(reason)?);
            }
            if let Some(alternatives) = decision.alternatives {
                println!(
                    "  instead: channels {:?}, handoffs {:?}",
                    alternatives.channels, alternatives.handoffs
                );
            }
        }
    }

    // The critical path: resolve a request once, then decide it in ids (here, on every
    // channel) without naming the answer.
    let request: Request = serde_json::from_value(serde_json::json!({
        "process": "billing_address_change", "state": "request", "channel": "web",
        "action": "request_billing_change", "params": {"new": "B"}, "fields": customer,
    }))?;
    let prepared = engine.prepare(&request)?;
    for channel in &engine.model().channels {
        let Some(id) = engine.channel_id(&channel.name.node) else {
            continue;
        };
        let verdict = engine.decide_prepared(&prepared.on_channel(id));
        println!(
            "request_billing_change via {}: {}",
            channel.name.node,
            if verdict.allowed {
                "allowed"
            } else {
                "refused"
            }
        );
    }
    Ok(())
}
