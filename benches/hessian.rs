//! `cargo bench --bench hessian`: `--hessian --at` by double backward
//! (src/hessian.rs) on a tower of powers 24 deep with no named steps (target:
//! well under 0.1 s; its formulas grow exponentially, 8.5 s when the numbers
//! came from them), and on the lecture's logistic loss; from the text to
//! the matrix.

use autograd::{parse, Graph};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

const LOGISTIC: &str = "z = w*x + b\nyhat = σ(z)\nL = -y*ln(yhat) - (1-y)*ln(1-yhat)\n";

/// Parse, lower, evaluate, and the Hessian: what `--hessian --at` computes.
fn hessian(text: &str, point: &[f64]) -> f64 {
    let program = parse::parse_program(text).expect("the bench's text parses");
    let graph = Graph::lower(program, None).expect("and lowers");
    let e = graph.evaluate(point, true).expect("and evaluates");
    autograd::hessian::matrix(&graph, &e)[0][0]
}

fn bench(c: &mut Criterion) {
    let tower = vec!["x"; 24].join("^");
    let mut group = c.benchmark_group("hessian");
    group.sample_size(20);
    group.bench_function("power tower 24 deep", |b| {
        b.iter(|| hessian(black_box(&tower), &[1.1]))
    });
    group.bench_function("logistic loss", |b| {
        b.iter(|| hessian(black_box(LOGISTIC), &[0.5, 2.0, 1.0, 1.0]))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
