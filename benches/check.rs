//! `omnilint check` on generated policy repositories (see `examples/corpus`), in memory:
//! parsing, resolution, analysis and every check, as the CLI runs them.
//!
//! ```sh
//! cargo bench --bench check
//! ```

#[path = "../examples/corpus/generate.rs"]
mod generate;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use omnilint::lint::{Input, check};
use std::hint::black_box;

fn inputs(processes: usize, with_rules: bool) -> Vec<Input> {
    generate::corpus(processes, 7, with_rules, None)
        .into_iter()
        .map(|(name, text)| Input {
            name,
            contents: text.into_bytes(),
        })
        .collect()
}

fn bench_check(c: &mut Criterion) {
    bench_corpus(c, "check", false);
    bench_corpus(c, "check-with-rules", true);
}

fn bench_corpus(c: &mut Criterion, name: &str, with_rules: bool) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for processes in [1, 10, 100] {
        let files = inputs(processes, with_rules);
        group.throughput(Throughput::Elements(processes as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(processes),
            &files,
            |b, files| {
                b.iter(|| check(black_box(files.clone())));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
