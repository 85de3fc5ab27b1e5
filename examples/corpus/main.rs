//! Writes a generated policy repository for benchmarks:
//!
//! ```sh
//! cargo run --release --example corpus -- 1000 target/corpus-1000
//! target/release/omnilint check target/corpus-1000
//! ```
//!
//! `--rules` adds dozens of invariants and hundreds of forbids and triggers;
//! `--shuffle-fields=SEED` declares the customer's fields in an order shuffled from `SEED`.

mod generate;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let with_rules = args.iter().any(|a| a == "--rules");
    args.retain(|a| a != "--rules");
    let shuffle = args
        .iter()
        .find_map(|a| a.strip_prefix("--shuffle-fields="))
        .map(str::parse::<u64>);
    args.retain(|a| !a.starts_with("--shuffle-fields="));
    let (Some(count), Some(dir)) = (
        args.first().and_then(|n| n.parse::<usize>().ok()),
        args.get(1),
    ) else {
        eprintln!("usage: corpus PROCESSES DIR [SEED] [--rules] [--shuffle-fields=SEED]");
        return ExitCode::from(2);
    };
    let shuffle = match shuffle.transpose() {
        Ok(shuffle) => shuffle,
        Err(e) => {
            eprintln!("corpus: --shuffle-fields needs a number: {e}");
            return ExitCode::from(2);
        }
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(7);
    let root = std::path::Path::new(dir);
    for (path, text) in generate::corpus(count, seed, with_rules, shuffle) {
        let file = root.join(path);
        let written = file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&file, text));
        if let Err(e) = written {
            eprintln!("corpus: cannot write {}: {e}", file.display());
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
