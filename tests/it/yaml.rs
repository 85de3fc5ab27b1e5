//! The YAML syntax maps onto the same model as `.omni`, and its diagnostics point into the YAML.

use super::support::{check_paths, check_texts, codes};
use omnilint::render::Position;
use std::path::Path;

#[test]
fn the_car_rental_policy_gives_the_identical_model_in_both_syntaxes() {
    let omni = check_paths(&[Path::new("policies/car-rental/rental.omni")]);
    let yaml = check_paths(&[Path::new("docs/examples/car_rental.omni.yaml")]);
    assert!(omni.diagnostics.is_empty() && yaml.diagnostics.is_empty());
    let omni_model = omni.policy("car_rental").unwrap().model.as_ref().unwrap();
    let yaml_model = yaml.policy("car_rental").unwrap().model.as_ref().unwrap();
    assert_eq!(omni_model, yaml_model);
    assert_eq!(
        omni_model.processes[0].states.len(),
        6,
        "the model is not trivially empty"
    );
}

#[test]
fn a_changed_yaml_policy_gives_a_different_model() {
    let omni = check_paths(&[Path::new("policies/car-rental/rental.omni")]);
    let text =
        std::fs::read_to_string(super::support::root().join("docs/examples/car_rental.omni.yaml"))
            .unwrap();
    let changed = text.replace(
        "renter.age < 25 and category == van",
        "renter.age < 26 and category == van",
    );
    let yaml = check_texts(&[("changed.omni.yaml", changed.as_bytes())]);
    assert_ne!(
        omni.policy("car_rental").unwrap().model,
        yaml.policy("car_rental").unwrap().model
    );
}

#[test]
fn diagnostics_in_yaml_point_at_yaml_lines_and_columns() {
    let text = "policy: p\nchannels:\n  web:\n    can: [acknowledge]\nactions:\n  acknowledge:\n    requires:\n      - \"customer.vip\"\nprocesses:\n  p:\n    entry: [wbe]\n    start: s\n    states:\n      s:\n        - on: acknowledge\n          to: done\n    finals:\n      done: success\n";
    let report = check_texts(&[("p.omni.yaml", text.as_bytes())]);
    assert_eq!(codes(&report), ["E002", "E002"]);
    let at = |i: usize| {
        let p = Position::of(&report.sources, report.diagnostics[i].span);
        (p.line, p.column, report.diagnostics[i].message.clone())
    };
    assert_eq!(at(0), (8, 10, "unknown entity `customer`".to_owned()));
    assert_eq!(at(1), (11, 13, "unknown channel `wbe`".to_owned()));
    assert_eq!(
        report.diagnostics[1].help.as_deref(),
        Some("did you mean `web`?")
    );
}

#[test]
fn yaml_structure_errors_name_the_key_and_its_line() {
    let report = check_texts(&[(
        "p.omni.yaml",
        b"policy: p\nchannels:\n  web:\n    kan: [a]\n",
    )]);
    assert_eq!(codes(&report), ["E001"]);
    let d = &report.diagnostics[0];
    assert!(
        d.message.starts_with("unknown field `kan`"),
        "{}",
        d.message
    );
    assert_eq!(Position::of(&report.sources, d.span).line, 4);
}
