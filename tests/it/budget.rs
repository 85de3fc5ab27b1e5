//! The exploration budget bounds one question, not the whole run: thousands of separate
//! questions (as the checks ask after the analysis) are never cut short. A global budget once
//! made every question after the 5,000th return nothing, and the checks reported dead ends
//! that did not exist.

use super::support::check_texts;
use omnilint::analysis::Analysis;
use omnilint::analysis::explore::MAX_EXPLORATIONS;
use omnilint::model::{FieldId, ProcessId};

#[test]
fn thousands_of_separate_questions_are_each_answered_in_full() {
    let mut text = String::from("policy p\nentity e {\n");
    for f in 0..13 {
        text.push_str(&format!("  f{f}: bool\n"));
    }
    // The fields must be read somewhere to be encoded at all.
    let reads: Vec<String> = (0..13).map(|f| format!("(e.f{f} or not e.f{f})")).collect();
    text.push_str(&format!(
        "}}\naction step {{ requires {} }}\nprocess sub {{\n  start s\n  state s {{ do step -> done }}\n  final done\n}}\n",
        reads.join(" and ")
    ));
    let report = check_texts(&[("p.omni", text.as_bytes())]);
    let model = report.policies[0].model.as_ref().unwrap();
    let analysis = Analysis::new(model).unwrap();
    let explorer = analysis.explorer();
    let dom = &analysis.sem.dom;
    let sub = ProcessId(0);
    // More distinct starting data than the budget allows explorations in one question.
    for i in 0..(MAX_EXPLORATIONS as u64 + 1_000) {
        let mut init = dom.vars().mk_true();
        for f in 0..13u32 {
            init = init.and(&dom.eq_const(dom.field(FieldId(f)), (i >> f) & 1));
        }
        let exploration = explorer.explore(&[sub], &init);
        assert!(!exploration.cut_short, "question {i} was cut short");
        assert!(
            !exploration.success().is_false(),
            "question {i} found no success"
        );
    }
    assert!(!analysis.was_cut_short());
}
