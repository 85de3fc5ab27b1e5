//! R309 asks each distinct condition once per action whose parameters it reads: the same
//! guard over two actions' parameters is one BDD (parameters share their variables by
//! position), but each action's parameters have their own range.

use super::support::check_texts;

#[test]
fn a_condition_shared_by_two_actions_is_judged_in_each_ones_parameters() {
    let text = "policy shared
entity customer { vip: bool }
channel web { can small, large }
action small(k: int 0..2) { requires k > 2 }
action large(k: int 0..3) { requires k > 2 }
process p {
  entry web
  start s
  state s {
    on small -> done
    on large -> done
  }
  final done
}
";
    let report = check_texts(&[("shared.omni", text.as_bytes())]);
    let never: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.code() == "R309")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        never,
        ["this `requires` of `small` can never hold: no allowed data satisfies it"]
    );
}
