//! `omnilint decide` and the engine behind it: answers on the telecom policy's stories, and
//! a precise error for every kind of bad request.

use super::support::{omnilint, stderr, stdout};
use omnilint::engine::{Engine, Refusal, Request, RequestError};
use std::io::Write;
use std::process::{Command, Stdio};

const FIELDS: &str = r#"{"customer.billing_address":"A","customer.installation_address":"A","customer.new_billing_address":"A","customer.in_commitment":true,"customer.claim_open":true,"customer.line":"active","customer.data_plan":"multisim","customer.penalty_charged":false,"installation.exchange":"old_exchange","installation.adsl":true,"installation.incoming_calls":true,"installation.outgoing_calls":true}"#;

fn request(
    process: &str,
    state: &str,
    channel: &str,
    action: Option<&str>,
    params: &str,
) -> String {
    let action = action.map_or(String::new(), |a| format!(r#""action":"{a}","#));
    format!(
        r#"{{"process":"{process}","state":"{state}","channel":"{channel}",{action}"params":{params},"fields":{FIELDS}}}"#
    )
}

fn decide(stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_omnilint"))
        .args(["decide", "policies/telecom", "--policy", "telecom"])
        .current_dir(super::support::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_stories_decided() {
    let requests = [
        // Story 3: the store takes the request the web cannot...
        request(
            "billing_address_change",
            "request",
            "store",
            Some("request_billing_change"),
            r#"{"new":"B"}"#,
        ),
        request(
            "billing_address_change",
            "request",
            "web",
            Some("request_billing_change"),
            r#"{"new":"B"}"#,
        ),
        // Story 4: the agent's intermediate step charges the penalty.
        request(
            "multisim_request",
            "reconfigure",
            "phone",
            Some("cancel_data_plan"),
            "{}",
        ),
        // What a Twitter agent can do for the customer there.
        request("multisim_request", "reconfigure", "twitter", None, "{}"),
    ];
    let output = decide(&format!("[{}]", requests.join(",")));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn bad_requests_get_precise_errors() {
    let cases = [
        (
            "{",
            "invalid request: line 1, column 1: EOF while parsing an object",
        ),
        (
            "[1, 2",
            "invalid request: line 1, column 5: EOF while parsing a list",
        ),
        (
            r#"{"process":"x"}"#,
            "invalid request: missing field `state`",
        ),
        (
            r#"{"process":"x","state":"y","channel":"z","colour":1}"#,
            "unknown field `colour`",
        ),
        (
            &request(
                "multisim_requst",
                "reconfigure",
                "phone",
                Some("cancel_data_plan"),
                "{}",
            ),
            "unknown process `multisim_requst` (did you mean `multisim_request`?)",
        ),
        (
            &request(
                "multisim_request",
                "reconfig",
                "phone",
                Some("cancel_data_plan"),
                "{}",
            ),
            "unknown state `reconfig`",
        ),
        (
            &request(
                "multisim_request",
                "reconfigure",
                "fax",
                Some("cancel_data_plan"),
                "{}",
            ),
            "unknown channel `fax`",
        ),
        (
            &request(
                "multisim_request",
                "reconfigure",
                "phone",
                Some("cancel_plan"),
                "{}",
            ),
            "unknown action `cancel_plan`",
        ),
        (
            &request(
                "billing_address_change",
                "request",
                "store",
                Some("request_billing_change"),
                "{}",
            ),
            "missing value for parameter `new`",
        ),
        (
            &request(
                "billing_address_change",
                "request",
                "store",
                Some("request_billing_change"),
                r#"{"new":"B","old":"A"}"#,
            ),
            "unknown parameter `old`",
        ),
        (
            &request(
                "billing_address_change",
                "request",
                "store",
                Some("request_billing_change"),
                r#"{"new":3}"#,
            ),
            "`new`: 3 is not a value of type a string",
        ),
        (
            &request(
                "multisim_request",
                "reconfigure",
                "phone",
                Some("cancel_data_plan"),
                "{}",
            )
            .replace(r#""customer.line":"active""#, r#""customer.line":"frozen""#),
            "`customer.line`: \"frozen\" is not a value of type `active | suspended | cancelled`",
        ),
        (
            &request(
                "multisim_request",
                "reconfigure",
                "phone",
                Some("cancel_data_plan"),
                "{}",
            )
            .replace(
                r#""customer.in_commitment":true"#,
                r#""customer.in_commitment":"yes""#,
            ),
            "`customer.in_commitment`: \"yes\" is not a value of type `bool`",
        ),
        (
            &request(
                "multisim_request",
                "reconfigure",
                "phone",
                Some("cancel_data_plan"),
                "{}",
            )
            .replace(r#""customer.claim_open":true,"#, ""),
            "missing value for field `customer.claim_open`",
        ),
        (
            &request(
                "multisim_request",
                "reconfigure",
                "phone",
                Some("cancel_data_plan"),
                "{}",
            )
            .replace("customer.line", "customer.lines"),
            "unknown field `customer.lines` (did you mean `customer.line`?)",
        ),
    ];
    for (input, expected) in cases {
        let output = decide(input);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{input}: {err}");
        assert!(
            err.contains(expected),
            "{input}:\n{err}\nexpected: {expected}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

#[test]
fn a_bad_request_in_a_batch_is_answered_with_its_error() {
    let good = request(
        "multisim_request",
        "reconfigure",
        "phone",
        Some("cancel_data_plan"),
        "{}",
    );
    let output = decide(&format!(r#"[{good}, {{"process": 1}}]"#));
    assert_eq!(output.status.code(), Some(0));
    let answers: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(answers[0]["allowed"], true);
    assert!(
        answers[1]["error"]
            .as_str()
            .unwrap()
            .contains("invalid type")
    );
}

#[test]
fn decide_needs_a_readable_policy() {
    let output = omnilint(&["decide", "tests/fixtures/E002-unknown-name/invalid.omni"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot be read"),
        "{}",
        stderr(&output)
    );
    let output = omnilint(&["decide", "policies/telecom"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("name the one to decide with"));
    let output = omnilint(&["decide", "policies/telecom", "--policy", "telcom"]);
    assert!(stderr(&output).contains("no policy named `telcom`"));
}

fn telecom() -> Engine {
    let inputs = ["policies/telecom"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(super::support::root().join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "omni"))
        .map(|p| omnilint::lint::Input {
            name: p.display().to_string(),
            contents: std::fs::read(&p).unwrap(),
        })
        .collect();
    Engine::load(inputs, Some("telecom")).unwrap()
}

#[test]
fn a_prepared_request_is_decided_in_ids_as_decide_decides_it() {
    let engine = telecom();
    let on_web: Request = serde_json::from_str(&request(
        "billing_address_change",
        "request",
        "web",
        Some("request_billing_change"),
        r#"{"new":"B"}"#,
    ))
    .unwrap();
    let prepared = engine.prepare(&on_web).unwrap();
    let refused = engine.decide_prepared(&prepared);
    assert!(!refused.allowed);
    assert!(refused.fields.is_empty() && refused.next_state.is_none());
    assert_eq!(
        refused.refusals,
        [Refusal::MissingCapability],
        "story 3: the web form cannot change the billing address"
    );

    let store = engine.channel_id("store").unwrap();
    let allowed = engine.decide_prepared(&prepared.on_channel(store));
    let named = engine
        .decide(&Request {
            channel: "store".into(),
            ..on_web
        })
        .unwrap();
    assert!(allowed.allowed && named.allowed);
    assert!(allowed.refusals.is_empty());
    let next = allowed.next_state.unwrap();
    let process = engine
        .model()
        .processes
        .iter()
        .find(|p| p.name.node == "billing_address_change")
        .unwrap();
    assert_eq!(
        Some(process.state(next).name.node.as_str()),
        named.next_state.as_deref()
    );
    assert_eq!(allowed.fields.len(), engine.model().fields.len());
    assert_eq!(engine.channel_id("fax"), None);
}

#[test]
fn the_engine_is_shared_across_threads() {
    let engine = telecom();
    let request: Request = serde_json::from_str(&request(
        "multisim_request",
        "reconfigure",
        "phone",
        Some("cancel_data_plan"),
        "{}",
    ))
    .unwrap();
    let answers: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let engine = engine.clone();
                let request = request.clone();
                s.spawn(move || engine.decide(&request).map(|d| d.allowed))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    assert_eq!(
        answers, [true; 4],
        "cancel_data_plan via phone is allowed, on every thread"
    );
    let no_action = Request {
        action: None,
        ..request
    };
    assert_eq!(engine.decide(&no_action), Err(RequestError::MissingAction));
}
