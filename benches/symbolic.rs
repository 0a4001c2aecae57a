//! `cargo bench --bench symbolic`: `--symbolic` on the 10,000-term sum
//! (target: under 1 s, output linear in the input) and on the lecture's
//! logistic loss, from the text to the printed formulas.

use autograd::symbolic::differentiate;
use autograd::{parse, Graph};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

const LOGISTIC: &str = "z = w*x + b\nyhat = σ(z)\nL = -y*ln(yhat) - (1-y)*ln(1-yhat)\n";

/// The benchmark sum with fixed constants (benches/gen_sum.py's shape).
fn big_sum(terms: usize) -> String {
    (0..terms)
        .map(|i| {
            let a = 1.0 + (i % 997) as f64 * 1e-6;
            let b = (i % 991) as f64 * 1e-5;
            let k = 1.0 + (i % 983) as f64 * 0.009;
            format!("sin(x*{a:.7}+y*{b:.7})*z^2/({k:.5}+x*x)")
        })
        .collect::<Vec<_>>()
        .join("+")
}

/// Parse, lower, differentiate, print every formula: what `--symbolic` does.
fn formulas(text: &str) -> usize {
    let program = parse::parse_program(text).expect("the bench's text parses");
    let graph = Graph::lower(program, None).expect("and lowers");
    let f = differentiate(&graph, false, true).expect("and differentiates");
    f.gradient.iter().map(|&g| f.text(g).len()).sum()
}

fn bench(c: &mut Criterion) {
    let sum = big_sum(10_000);
    let mut group = c.benchmark_group("symbolic");
    group.sample_size(10);
    group.bench_function("sum of 10,000 terms", |b| {
        b.iter(|| formulas(black_box(&sum)))
    });
    group.bench_function("logistic loss", |b| {
        b.iter(|| formulas(black_box(LOGISTIC)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
