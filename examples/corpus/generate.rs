//! Writes a policy repository of N processes of realistic shape, deterministically from a
//! seed: a dozen customer fields, six channels, a pool of actions with guards and effects,
//! shared sub-processes, and processes of 10 to 40 states with branches on the data,
//! handoffs, timeouts and calls. Used by the `corpus` example and the benchmarks.

/// A small deterministic generator (64-bit LCG), so that no dependency is needed and every
/// run writes the same corpus.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const CHANNELS: [&str; 6] = ["web", "app", "store", "phone", "email", "chat"];
const ACTIONS: usize = 40;
const SUBS: usize = 10;
const INVARIANTS: usize = 24;
const FORBIDS: usize = 150;
const TRIGGERS: usize = 100;

/// A guard over the customer's fields, and its complement.
fn guard(rng: &mut Lcg) -> (String, String) {
    match rng.below(4) {
        0 => {
            let f = rng.below(3);
            (format!("customer.flag{f}"), format!("not customer.flag{f}"))
        }
        1 => {
            let f = rng.below(2);
            (
                format!("customer.tier{f} == gold"),
                format!("customer.tier{f} != gold"),
            )
        }
        2 => {
            let f = rng.below(2);
            let c = 10 * (1 + rng.below(9));
            (
                format!("customer.amount{f} > {c}"),
                format!("customer.amount{f} <= {c}"),
            )
        }
        _ => {
            let (a, b) = (rng.below(3), rng.below(2));
            (
                format!("customer.flag{a} and customer.tier{b} in {{ silver, gold }}"),
                format!("not customer.flag{a} or customer.tier{b} == bronze"),
            )
        }
    }
}

/// The policy-wide rules: dozens of invariants, hundreds of forbids and triggers. Triggers
/// only run higher-numbered actions, in bands of ten, so cascades stay at most three deep.
fn rules(rng: &mut Lcg) -> String {
    let mut out = String::from("policy corpus\n\n");
    for i in 0..INVARIANTS {
        let (a, b) = (rng.below(6), rng.below(3));
        let text = match i % 3 {
            0 => format!(
                "not customer.flag{a} or customer.amount{b} <= {}",
                60 + rng.below(41)
            ),
            1 => format!(
                "customer.tier{b} != bronze or customer.amount{b} < {}",
                80 + rng.below(21)
            ),
            _ => format!("customer.flag{a} or customer.tier{b} in {{ bronze, silver, gold }}"),
        };
        out.push_str(&format!("rule invariant{i}: invariant {text}\n"));
    }
    for i in 0..FORBIDS {
        let action = rng.below(ACTIONS);
        // Most forbids concern one channel; the few that apply everywhere are narrow.
        let rule = if rng.below(5) == 0 {
            format!(
                "forbid act{action} when customer.amount{} > {}",
                rng.below(3),
                90 + rng.below(10)
            )
        } else {
            let (when, _) = guard(rng);
            format!(
                "forbid act{action} via {} when {when}",
                CHANNELS[rng.below(CHANNELS.len())]
            )
        };
        out.push_str(&format!("rule forbid{i}: {rule}\n"));
    }
    for i in 0..TRIGGERS {
        let from = rng.below(30);
        let band = (from / 10 + 1) * 10;
        let to = band + rng.below(ACTIONS - band);
        let (when, _) = guard(rng);
        out.push_str(&format!(
            "rule trigger{i}: on act{from} when {when} then act{to}\n"
        ));
    }
    out
}

/// The files of a corpus with `processes` processes (and, `with_rules`, the policy-wide
/// rules of [`rules`]): (relative path, contents). With `shuffle_fields`, the customer's
/// fields are declared in an order shuffled from that seed, and every other file is the
/// same: how much the order of a policy's declarations moves the cost of a check (see
/// BENCHMARKS.md).
pub fn corpus(
    processes: usize,
    seed: u64,
    with_rules: bool,
    shuffle_fields: Option<u64>,
) -> Vec<(String, String)> {
    let mut rng = Lcg(seed);
    let mut files = Vec::new();

    let mut fields: Vec<String> = (0..6).map(|f| format!("flag{f}: bool")).collect();
    for f in 0..3 {
        fields.extend([format!("tier{f}: tier"), format!("amount{f}: int 0..100")]);
    }
    if let Some(shuffle) = shuffle_fields {
        let mut order = Lcg(shuffle);
        for i in (1..fields.len()).rev() {
            fields.swap(i, order.below(i + 1));
        }
    }
    let mut data =
        String::from("policy corpus\n\ntype tier = bronze | silver | gold\n\nentity customer {\n");
    for field in &fields {
        data.push_str(&format!("  {field}\n"));
    }
    data.push_str("}\n\nrule amounts_bounded: invariant customer.amount0 <= 100\n");
    files.push(("data.omni".to_owned(), data));

    let mut actions = String::from("policy corpus\n\n");
    for a in 0..ACTIONS {
        // Guards read flag0-2, tier0-1 and amount0-1; actions write only the other fields,
        // as a real process's decisions rarely depend on what its own steps just recorded.
        let body = match a % 4 {
            0 => format!("  set customer.flag{} = true\n", 3 + a % 3),
            1 => "  set customer.tier2 = silver\n".to_owned(),
            2 => "  set customer.amount2 = amount\n".to_owned(),
            _ => String::new(),
        };
        let params = if a % 4 == 2 {
            "(amount: int 0..100)"
        } else {
            ""
        };
        actions.push_str(&format!("action act{a}{params} {{\n{body}}}\n"));
    }
    actions.push_str("action escalate\n\nrule no_refund_on_chat: forbid act3 via chat\nrule review: on act0 when customer.flag0 then act7\n");
    files.push(("actions.omni".to_owned(), actions));

    if with_rules {
        // A generator of its own, so that the processes are the same with and without rules.
        files.push(("rules.omni".to_owned(), rules(&mut Lcg(seed ^ 0x5eed))));
    }

    let mut channels = String::from("policy corpus\n\n");
    for (c, name) in CHANNELS.iter().enumerate() {
        let can: Vec<String> = (0..ACTIONS)
            .filter(|a| (a + c) % 3 != 0)
            .map(|a| format!("act{a}"))
            .collect();
        let replies = ["1h", "30m", "1h", "15m", "1d", "10m"][c];
        channels.push_str(&format!(
            "channel {name} {{\n  can {}\n  replies within {replies}\n  records case\n}}\n",
            can.join(", ")
        ));
    }
    files.push(("channels.omni".to_owned(), channels));

    let mut subs = String::from("policy corpus\n\n");
    for s in 0..SUBS {
        subs.push_str(&format!(
            "process sub{s} {{\n  start s0\n  state s0 {{ do act{} -> s1 }}\n  state s1 {{\n    do act{} when customer.flag{} -> done\n    do escalate when not customer.flag{} -> failed\n  }}\n  final done\n  final failed failure\n}}\n",
            (s * 4) % ACTIONS,
            (s * 4 + 3) % ACTIONS,
            s % 3,
            s % 3
        ));
    }
    files.push(("subprocesses.omni".to_owned(), subs));

    for chunk in 0..processes.div_ceil(100) {
        let mut text = String::from("policy corpus\n\n");
        for p in chunk * 100..((chunk + 1) * 100).min(processes) {
            text.push_str(&process(&mut rng, p));
        }
        files.push((format!("processes/p{chunk:04}.omni"), text));
    }
    files
}

fn process(rng: &mut Lcg, index: usize) -> String {
    let states = 10 + rng.below(31);
    let first = rng.below(CHANNELS.len());
    let second = (first + 1 + rng.below(CHANNELS.len() - 1)) % CHANNELS.len();
    let mut out = format!(
        "process proc{index} {{\n  entry {}, {}\n  sla 60d\n  start s0\n",
        CHANNELS[first], CHANNELS[second]
    );
    for s in 0..states {
        let next = if s + 1 < states {
            format!("s{}", s + 1)
        } else {
            "done".to_owned()
        };
        let skip = if s + 2 < states {
            format!("s{}", s + 2)
        } else {
            "done".to_owned()
        };
        out.push_str(&format!("  state s{s} {{\n"));
        match rng.below(5) {
            0 | 1 => {
                // A customer step on the entry channels, branching on the data.
                let action = pick_action(rng, first, second);
                let (yes, no) = guard(rng);
                out.push_str(&format!(
                    "    on act{action} via {}, {} when {yes} -> {next}\n    on act{action} via {}, {} when {no} -> {skip}\n",
                    CHANNELS[first], CHANNELS[second], CHANNELS[first], CHANNELS[second]
                ));
            }
            2 => {
                let action = rng.below(ACTIONS);
                out.push_str(&format!("    do act{action} -> {next}\n"));
            }
            3 => {
                out.push_str(&format!(
                    "    call sub{} -> {next} else -> escalated\n",
                    rng.below(SUBS)
                ));
            }
            _ => {
                let action = pick_action(rng, first, second);
                out.push_str(&format!(
                    "    on act{action} via {} -> {next}\n    handoff {} -> {}\n    after 7d -> escalated\n",
                    CHANNELS[first], CHANNELS[second], CHANNELS[first]
                ));
            }
        }
        out.push_str("  }\n");
    }
    out.push_str("  state escalated {\n    on escalate -> done\n    after 14d -> done\n  }\n  final done\n}\n");
    out
}

/// An action both entry channels can perform.
fn pick_action(rng: &mut Lcg, first: usize, second: usize) -> usize {
    loop {
        let a = rng.below(ACTIONS);
        if (a + first) % 3 != 0 && (a + second) % 3 != 0 && a % 4 != 2 {
            return a;
        }
    }
}
