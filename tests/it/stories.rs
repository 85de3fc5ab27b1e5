//! The five stories of the spec's STORIES.md, as `policies/telecom` models them: each finding
//! the story lists is reported, in the file of that story; the fixed policies report nothing.

use super::support::check_dir;

fn telecom() -> omnilint::lint::Report {
    check_dir("policies/telecom")
}

fn found(report: &omnilint::lint::Report, file: &str, code: &str) -> bool {
    report
        .diagnostics
        .iter()
        .any(|d| d.code() == code && report.sources.get(d.span.file).name.ends_with(file))
}

#[test]
fn each_story_is_caught() {
    let report = telecom();
    let expected = [
        // 1. The line transfer that never finishes.
        ("line_move.omni", "D104"),
        ("line_move.omni", "D106"),
        ("line_move.omni", "D105"),
        ("line_move.omni", "C202"),
        // 2. The boiler service booked by email.
        ("boiler_service.omni", "C205"),
        ("boiler_service.omni", "C204"),
        // 3. The billing address that cannot differ.
        ("billing_address.omni", "C201"),
        ("billing_address.omni", "D107"),
        ("billing_address.omni", "R302"),
        // 4. The multi-SIM: the promise made on Twitter.
        ("multisim.omni", "C204"),
        ("multisim.omni", "R307"),
        ("multisim.omni", "R303"),
        // 5. Nobody shares the CRM.
        ("cable.omni", "C204"),
        ("cable.omni", "C206"),
        ("cable.omni", "C207"),
    ];
    for (file, code) in expected {
        assert!(
            found(&report, file, code),
            "{code} is not reported in {file}"
        );
    }
}

#[test]
fn the_witnesses_name_the_data_of_the_stories() {
    let report = telecom();
    let billing = report
        .diagnostics
        .iter()
        .find(|d| d.code() == "D107" && d.message.contains("back_office"))
        .expect("story 3's stuck customers");
    let witness = billing.witness.as_ref().unwrap();
    let values: Vec<(&str, &str)> = witness
        .values
        .iter()
        .map(|b| (b.name.as_str(), b.value.as_str()))
        .collect();
    assert_eq!(values.len(), 2, "only the two addresses matter: {values:?}");
    assert_eq!(values[0].0, "customer.installation_address");
    assert_eq!(values[1].0, "customer.new_billing_address");
    assert_ne!(
        values[0].1, values[1].1,
        "the new address differs from the installation address"
    );
    assert!(witness.path.iter().any(|s| s.text.contains("via `store`")));
}

/// The values a finding's witness names, as (name, value).
fn witness_values<'r>(
    report: &'r omnilint::lint::Report,
    code: &str,
    message: &str,
) -> Vec<(&'r str, &'r str)> {
    let finding = report
        .diagnostics
        .iter()
        .find(|d| d.code() == code && d.message.contains(message))
        .unwrap_or_else(|| panic!("no {code} about {message}"));
    finding
        .witness
        .as_ref()
        .expect("a witness")
        .values
        .iter()
        .map(|b| (b.name.as_str(), b.value.as_str()))
        .collect()
}

#[test]
fn the_rule_findings_name_the_data_of_the_stories() {
    let report = telecom();
    // Story 3: the change is rejected whenever the new address differs.
    let values = witness_values(&report, "R302", "change_billing_address");
    assert_eq!(values.len(), 2, "{values:?}");
    assert_eq!(values[0].0, "customer.installation_address");
    assert_eq!(values[1].0, "customer.new_billing_address");
    assert_ne!(values[0].1, values[1].1);
    // Story 4: the penalty, for customers in commitment, on the path cancel -> penalty.
    let values = witness_values(&report, "R307", "charge_penalty");
    assert_eq!(values, [("customer.in_commitment", "true")]);
    let penalty = report
        .diagnostics
        .iter()
        .find(|d| d.code() == "R307" && d.message.contains("charge_penalty"))
        .unwrap();
    let last = penalty.witness.as_ref().unwrap().path.last().unwrap();
    assert!(
        last.text.contains("cancel_data_plan") && last.text.contains("commitment_penalty"),
        "{}",
        last.text
    );
    // Story 4: the dunning rule against the promise, with a claim open.
    let values = witness_values(&report, "R303", "dunning");
    assert_eq!(values, [("customer.claim_open", "true")]);
}

#[test]
fn the_full_telecom_report() {
    insta::assert_snapshot!(omnilint::render::human(&telecom(), false));
}
