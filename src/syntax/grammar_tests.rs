//! Each grammar rule on its own: inputs it must consume entirely, and inputs it must reject.
//! A rule added to the grammar without a line here fails `every_rule_is_tested`.

use super::omni::{OmniParser, Rule};
use pest::Parser;

/// (rule, inputs it consumes whole, inputs it does not consume whole)
const CASES: &[(Rule, &[&str], &[&str])] = &[
    (
        Rule::ident,
        &[
            "customer",
            "_x1",
            "in_commitment",
            "policyholder",
            "policy",
            "in",
        ],
        &["1x", "a-b"],
    ),
    (
        Rule::unreserved,
        &["customer", "_x1", "in_commitment", "policyholder"],
        &["1x", "policy", "in", "a-b"],
    ),
    (
        Rule::keyword,
        &["policy", "text", "in"],
        &["policyholder", "x"],
    ),
    (Rule::int_lit, &["0", "-42", "10000"], &["1.5", "12a", "-"]),
    (
        Rule::string,
        &[r#""Main St""#, r#""say \"hi\"""#, r#""""#],
        &[r#""open"#, "'x'"],
    ),
    (
        Rule::duration,
        &["2h", "30d", "15m", "1w"],
        &["2", "2 h", "2y", "h"],
    ),
    (Rule::ident_list, &["a", "a, b", "a b; c"], &["a,", ", a"]),
    (Rule::header, &["policy telecom"], &["policy", "policy 1"]),
    (
        Rule::header_only,
        &["policy telecom", "policy telecom;"],
        &["policy telecom extra"],
    ),
    (
        Rule::type_def,
        &["type address", "type segment = a | b | c"],
        &["type", "type x = "],
    ),
    (Rule::variants, &["a", "a | b"], &["a |", "| a"]),
    (
        Rule::type_expr,
        &["bool", "text", "int 0..9", "address", "a | b"],
        &["int", "int 0..", "0..9"],
    ),
    (Rule::type_only, &["int -5..5"], &["bool bool"]),
    (
        Rule::int_type,
        &["int 0..10000", "int -3 .. 3"],
        &["int 0", "int ..3"],
    ),
    (
        Rule::entity_def,
        &[
            "entity c { }",
            "entity c { a: bool b: int 0..1, c: x | y; }",
        ],
        &["entity c", "entity c { a }"],
    ),
    (
        Rule::field_def,
        &["a: bool", "line: active | suspended"],
        &["a bool", "a:"],
    ),
    (
        Rule::channel_def,
        &[
            "channel web",
            "channel web { can a, b replies within 2h records case }",
        ],
        &["channel { }", "channel web { can }"],
    ),
    (Rule::can_stmt, &["can a", "can a, b"], &["can"]),
    (
        Rule::replies_stmt,
        &["replies within 2h"],
        &["replies 2h", "replies within"],
    ),
    (
        Rule::records_stmt,
        &["records case"],
        &["records", "records cases"],
    ),
    (
        Rule::event_def,
        &["event e", "external event e"],
        &["external e", "event"],
    ),
    (
        Rule::action_def,
        &[
            "action a",
            "action a()",
            "action a(x: bool, y: text) { requires x set c.f = y emit e1, e2 }",
        ],
        &["action", "action a(x)"],
    ),
    (
        Rule::params,
        &["()", "(a: bool)", "(a: bool, b: int 0..3,)"],
        &["(a)", "(a: bool"],
    ),
    (Rule::param_def, &["new: address"], &["new address"]),
    (Rule::requires_stmt, &["requires c.f == 1"], &["requires"]),
    (
        Rule::set_stmt,
        &["set c.f = new", "set c.f = true"],
        &["set c.f == x", "set f = x"],
    ),
    (Rule::emit_stmt, &["emit e", "emit e, f"], &["emit"]),
    (
        Rule::rule_def,
        &[
            "rule r: invariant c.f",
            "rule r: forbid a via web when c.f",
            "rule r: on a when c.f then b",
        ],
        &["rule r invariant c.f", "rule r: c.f"],
    ),
    (Rule::invariant, &["invariant c.a == c.b"], &["invariant"]),
    (
        Rule::forbid,
        &["forbid a", "forbid a via web, email", "forbid a when c.f"],
        &["forbid", "forbid a via"],
    ),
    (
        Rule::trigger,
        &["on a then b", "on e when c.f then b"],
        &["on a b", "on a then"],
    ),
    (Rule::via, &["via web", "via web, store"], &["via"]),
    (
        Rule::when,
        &["when c.f", "when not (c.a or c.b)"],
        &["when"],
    ),
    (
        Rule::process_def,
        &[
            "process p { start s state s { do a -> t } final t }",
            "process p { entry web requires c.f sla 2d never a never c.f == x final t }",
        ],
        &["process p", "process p { state }"],
    ),
    (Rule::entry_stmt, &["entry web, store"], &["entry"]),
    (Rule::sla_stmt, &["sla 2d"], &["sla", "sla two"]),
    (Rule::start_stmt, &["start request"], &["start"]),
    (
        Rule::never_stmt,
        &[
            "never charge_penalty",
            "never c.line == suspended",
            "never not c.ok",
        ],
        &["never"],
    ),
    (Rule::never_action, &["charge_penalty"], &["c.f"]),
    (Rule::never_only, &["charge_penalty", "c.f == x"], &["a b"]),
    (
        Rule::state_def,
        &["state s { }", "state s { on a -> t handoff web -> store }"],
        &["state s", "state { }"],
    ),
    (
        Rule::final_def,
        &[
            "final done",
            "final failed failure",
            "final x { do a -> y }",
        ],
        &["final", "final x failure failure"],
    ),
    (
        Rule::on_tr,
        &[
            "on a -> s",
            "on a via web when c.f -> s",
            "on a when x != c.f -> s",
        ],
        &["on a", "on a => s", "on a when -> s"],
    ),
    (
        Rule::do_tr,
        &["do a -> s", "do a when c.f -> s"],
        &["do a", "do a via web -> s"],
    ),
    (
        Rule::await_tr,
        &["await e -> s", "await e when c.f -> s"],
        &["await -> s"],
    ),
    (
        Rule::after_tr,
        &["after 30d -> s"],
        &["after s", "after 30 -> s"],
    ),
    (
        Rule::call_tr,
        &["call p -> s", "call p -> s else -> f"],
        &["call p", "call p -> s else f"],
    ),
    (
        Rule::all_tr,
        &["all p, q -> s", "all p q -> s else -> f"],
        &["all -> s"],
    ),
    (Rule::else_arm, &["else -> f"], &["else f"]),
    (
        Rule::handoff_tr,
        &["handoff twitter, email -> store"],
        &["handoff -> store", "handoff web"],
    ),
    (
        Rule::cond,
        &[
            "c.f",
            "a or b and not c",
            "(c.f == 1 or c.g) and x in { a, b }",
        ],
        &["a or", "(a", "a and and b"],
    ),
    (Rule::cond_only, &["c.f >= 3"], &["c.f >= "]),
    (Rule::conj, &["a and b", "a"], &["and b"]),
    (Rule::negation, &["not a", "not not a", "a"], &["not"]),
    (Rule::paren, &["(a)", "((a or b))"], &["(a", "()"]),
    (
        Rule::predicate,
        &[
            "c.f == 1",
            "x != \"s\"",
            "c.n <= -2",
            "c.f in { a, b }",
            "c.f in {}",
            "c.f in { 1; 2 }",
            "c.f",
            "true",
        ],
        &["c.f =", "c.f == ", "c.f in a", "c.f in { a", "c."],
    ),
    (Rule::compared, &["== 1", ">= c.g"], &["==", "= 1"]),
    (Rule::listed, &["in { a }", "in {}"], &["in a", "{ a }"]),
    (
        Rule::term,
        &["c.f", "true", "false", "3", "\"x\"", "new"],
        &["c.", ".f"],
    ),
    (Rule::term_only, &["c.f"], &["c.f c.g"]),
    (
        Rule::field_ref,
        &["customer.line", "c . f"],
        &["customer", "customer."],
    ),
    (
        Rule::cmp_op,
        &["==", "!=", "<", "<=", ">", ">="],
        &["=", "=>"],
    ),
    (Rule::duration_only, &["2h"], &["2h 3h"]),
    (
        Rule::item_only,
        &["type t", "action a;"],
        &["type t type u", "policy p"],
    ),
];

/// Rules that are helpers or single tokens, covered through the rules that use them.
const COVERED_ELSEWHERE: &[Rule] = &[
    Rule::WHITESPACE,
    Rule::EOI,
    Rule::arrow,
    Rule::lbrace,
    Rule::rbrace,
    Rule::lparen,
    Rule::rparen,
    Rule::colon,
    Rule::dot,
    Rule::dotdot,
    Rule::pipe,
    Rule::assign,
    // Silent rules produce no pair of their own: tested through their parents.
    Rule::ident_start,  // ident
    Rule::ident_char,   // ident, keyword
    Rule::sep,          // ident_list, entity_def, params, membership
    Rule::item,         // item_only
    Rule::channel_stmt, // channel_def
    Rule::action_stmt,  // action_def
    Rule::process_stmt, // process_def
    Rule::never_target, // never_stmt, never_only
    Rule::transition,   // state_def, final_def
    Rule::atom,         // negation, cond
];

fn consumes_whole(rule: Rule, input: &str) -> bool {
    match OmniParser::parse(rule, input) {
        Ok(mut pairs) => {
            pairs
                .next()
                .is_some_and(|p| p.as_span().end() == input.len())
                && pairs.next().is_none()
        }
        Err(_) => false,
    }
}

#[test]
fn each_rule_accepts_and_rejects_on_its_own() {
    for (rule, good, bad) in CASES {
        for input in *good {
            assert!(
                consumes_whole(*rule, input),
                "{rule:?} should consume {input:?}"
            );
        }
        for input in *bad {
            assert!(
                !consumes_whole(*rule, input),
                "{rule:?} should not consume {input:?}"
            );
        }
    }
}

#[test]
fn every_rule_is_tested() {
    let untested: Vec<Rule> = Rule::all_rules()
        .iter()
        .copied()
        .filter(|r| !CASES.iter().any(|(c, _, _)| c == r))
        .filter(|r| !COVERED_ELSEWHERE.contains(r))
        .filter(|r| !format!("{r:?}").starts_with("kw_"))
        .collect();
    assert!(
        untested.is_empty(),
        "grammar rules without a test: {untested:?}"
    );
}

#[test]
fn the_keyword_trie_holds_exactly_the_reserved_words() {
    // Every kw_* rule's word is a keyword, reserved, and no unreserved name.
    let words: Vec<String> = Rule::all_rules()
        .iter()
        .filter_map(|rule| format!("{rule:?}").strip_prefix("kw_").map(str::to_owned))
        .collect();
    for word in &words {
        assert!(
            consumes_whole(Rule::keyword, word),
            "`{word}` is missing from `keyword`"
        );
        assert!(
            !consumes_whole(Rule::unreserved, word),
            "`{word}` is accepted as a name"
        );
        assert!(
            super::is_reserved(word),
            "`{word}` is missing from the reserved list"
        );
    }
    // Near misses of every reserved word (its prefixes, extensions and one-letter changes)
    // are keywords, and reserved, exactly when they are one of the kw_* words: neither the
    // trie nor the list holds a word more.
    for word in &words {
        let mut candidates: Vec<String> = (1..=word.len()).map(|n| word[..n].to_owned()).collect();
        for c in 'a'..='z' {
            candidates.push(format!("{word}{c}"));
            candidates.push(format!("{}{c}", &word[..word.len() - 1]));
        }
        for candidate in candidates {
            let reserved = words.contains(&candidate);
            assert_eq!(
                consumes_whole(Rule::keyword, &candidate),
                reserved,
                "`{candidate}`"
            );
            assert_eq!(super::is_reserved(&candidate), reserved, "`{candidate}`");
        }
    }
}

#[test]
fn keywords_need_a_word_boundary() {
    assert!(consumes_whole(Rule::kw_in, "in"));
    assert!(!consumes_whole(Rule::kw_in, "int"));
    assert!(consumes_whole(Rule::unreserved, "internal"));
    for near in [
        "intx", "inn", "ons", "actions", "stat", "sets", "tex", "doo", "int_", "ruler", "via2",
    ] {
        assert!(
            consumes_whole(Rule::unreserved, near),
            "`{near}` is a name, not a keyword"
        );
    }
}

#[test]
fn the_strict_parser_has_the_same_rules_in_the_same_order() {
    use super::omni::strict;
    let mut omni: Vec<String> = Rule::all_rules().iter().map(|r| format!("{r:?}")).collect();
    let strict: Vec<String> = strict::Rule::all_rules()
        .iter()
        .map(|r| format!("{r:?}"))
        .collect();
    // And then comments, which the reading parser is given blanked out.
    omni.push("COMMENT".to_owned());
    assert_eq!(omni, strict);
    assert_eq!(strict::to_omni(strict::Rule::COMMENT), None);
    for (index, rule) in strict::Rule::all_rules()
        .iter()
        .enumerate()
        .filter(|(_, rule)| **rule != strict::Rule::COMMENT)
    {
        let omni = strict::to_omni(*rule);
        assert_eq!(format!("{omni:?}"), format!("Some({rule:?})"), "{index}");
        assert_eq!(omni.and_then(strict::from_omni), Some(*rule), "{index}");
    }
    // "end of file" is a rule of errors, but not among `all_rules`.
    assert_eq!(strict::to_omni(strict::Rule::EOI), Some(Rule::EOI));
    assert_eq!(strict::from_omni(Rule::EOI), Some(strict::Rule::EOI));
}

/// The reading grammar as it was with a comment rule: the reference for blanking comments
/// out (`split::without_comments`) instead.
mod commented {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/names.pest"]
    #[grammar = "../grammar/omni.pest"]
    #[grammar = "../grammar/comments.pest"]
    pub(super) struct CommentedParser;
}

/// Items with quoted strings, escapes and every kind of statement, to put comments into.
const COMMENTED_SEEDS: &[&str] = &[
    "process p {\n  entry web, phone\n  start s\n  state s {\n    on act via web when c.x == \"a # b\" and not c.f -> t\n    after 2h -> t\n  }\n  final t\n}",
    "action a(n: int 0..10) {\n  requires c.n < n\n  set c.addr = \"x\\\"#y\"\n  emit e\n}",
    "rule r: forbid a via web when c.tier in { gold, \"#silver\" }",
    "entity c { x: bool, n: int 0..5 }",
    "channel web { can a, b\n  replies within 2h }",
];

/// What may be put into a seed: comments, and the characters that start or end one.
const COMMENT_FRAGMENTS: &[&str] = &[
    "# note\n",
    "#\n",
    "# \"quoted\" # again\n",
    "# é ✓ ()\n",
    "#",
    "\"",
    "\\",
    " ",
    "\n",
    "(",
];

/// The tokens whose text lowering reads. Other pairs may run on over the whitespace, or
/// comment, after their last token, so only their place is compared.
const TOKENS_READ: &[&str] = &[
    "ident",
    "unreserved",
    "int_lit",
    "string",
    "duration",
    "cmp_op",
];

/// A pair's rule, start, end and, for a token lowering reads, its text.
type PairSeen = (String, usize, usize, Option<String>);

/// Every pair of a parse; `None` when the text does not parse.
fn pairs_of<R: pest::RuleType>(
    parsed: Result<pest::iterators::Pairs<'_, R>, pest::error::Error<R>>,
) -> Option<Vec<PairSeen>> {
    let pairs = parsed.ok()?;
    Some(
        pairs
            .flatten()
            .map(|p| {
                let rule = format!("{:?}", p.as_rule());
                let span = p.as_span();
                let text = TOKENS_READ
                    .contains(&rule.as_str())
                    .then(|| p.as_str().to_owned());
                (rule, span.start(), span.end(), text)
            })
            .collect(),
    )
}

/// Parses `text` both ways: blanked out for the reading parser, as it is for the grammar
/// with comments. Whether it parses, and then every pair, must be the same.
fn parses_as_with_comments(text: &str) -> Option<bool> {
    let blanked = super::split::without_comments(text);
    let read = pairs_of(OmniParser::parse(Rule::item_only, &blanked));
    let reference = pairs_of(commented::CommentedParser::parse(
        commented::Rule::item_only,
        text,
    ));
    (read == reference).then_some(read.is_some())
}

#[test]
fn blanked_comments_read_as_the_grammar_with_comments_reads_them() {
    let (mut read, mut refused) = (0, 0);
    for seed in COMMENTED_SEEDS {
        for at in 0..=seed.len() {
            for fragment in COMMENT_FRAGMENTS {
                let text = format!("{}{fragment}{}", &seed[..at], &seed[at..]);
                match parses_as_with_comments(&text) {
                    Some(true) => read += 1,
                    Some(false) => refused += 1,
                    None => panic!("read differently with comments blanked: {text:?}"),
                }
            }
        }
    }
    // Both sides of the comparison are exercised.
    assert!(
        read > 1_000 && refused > 1_000,
        "{read} read, {refused} refused"
    );
}

proptest::proptest! {
    #![proptest_config(crate::testing::proptest_cases(512))]

    /// Several fragments at once, anywhere in a seed.
    #[test]
    fn blanked_comments_read_the_same_wherever_they_are(
        seed in 0..COMMENTED_SEEDS.len(),
        insertions in proptest::collection::vec((0.0..=1.0f64, 0..COMMENT_FRAGMENTS.len()), 1..5),
    ) {
        let mut text = COMMENTED_SEEDS[seed].to_owned();
        for (place, fragment) in insertions {
            // Fragments may hold characters of several bytes: step back to the start of one.
            let mut at = (place * text.len() as f64) as usize;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, COMMENT_FRAGMENTS[fragment]);
        }
        proptest::prop_assert!(parses_as_with_comments(&text).is_some(), "{:?}", text);
    }
}
