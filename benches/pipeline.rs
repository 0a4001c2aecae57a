//! `cargo bench`: each stage of the pipeline on the lecture's example and on
//! a big sum, and the batch engine on a million points.
//!
//! The big sum is the issue's `sin(x*a_i+y*b_i)*z^2/(k_i+x*x)` with distinct
//! constants (generated here with a fixed seed, as benches/gen_sum.py does for
//! the end-to-end script). Targets: backward within 3× of forward on the big
//! sum; the batch's compute within 2× of PyTorch's vectorized 0.09 s.

use autograd::{parse, Graph};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

const LECTURE: &str = "(2*x+y^2)*z^3";
const LOGISTIC: &str = "z = w*x + b\nyhat = σ(z)\nL = -y*ln(yhat) - (1-y)*ln(1-yhat)\n";

/// A tiny deterministic generator (SplitMix64), so the bench needs no data files.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn big_sum(terms: usize) -> String {
    let mut rng = Rng(42);
    (0..terms)
        .map(|_| {
            let a = 1.0 + rng.next() * 0.001;
            let b = rng.next() * 0.01;
            let k = 1.0 + rng.next() * 9.0;
            format!("sin(x*{a:.7}+y*{b:.7})*z^2/({k:.5}+x*x)")
        })
        .collect::<Vec<_>>()
        .join("+")
}

fn graph_of(source: &str) -> Graph {
    let program = parse::parse_program(source).expect("the bench's program parses");
    Graph::lower(program, None).expect("the bench's program lowers")
}

fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("lecture");
    group.bench_function("parse", |b| {
        b.iter(|| parse::parse_program(black_box(LECTURE)))
    });
    group.bench_function("parse+lower", |b| {
        b.iter(|| {
            Graph::lower(
                parse::parse_program(black_box(LECTURE)).expect("parses"),
                None,
            )
        })
    });
    let graph = graph_of(LECTURE);
    group.bench_function("forward+backward", |b| {
        b.iter(|| graph.evaluate(black_box(&[4.0, 3.0, 2.0]), true))
    });
    group.finish();

    for terms in [10_000, 100_000] {
        let source = big_sum(terms);
        let mut group = c.benchmark_group(format!("sum of {terms}"));
        group.sample_size(10);
        group.throughput(Throughput::Bytes(source.len() as u64));
        group.bench_function("parse", |b| {
            b.iter(|| parse::parse_program(black_box(&source)))
        });
        group.bench_function("lower", |b| {
            b.iter_batched(
                || parse::parse_program(&source).expect("parses"),
                |program| Graph::lower(program, None),
                BatchSize::PerIteration,
            )
        });
        let graph = graph_of(&source);
        let point = [1.0, 2.0, 3.0];
        let mut values = Vec::new();
        group.bench_function("forward", |b| {
            b.iter(|| graph.forward(black_box(&point), &mut values, true))
        });
        let mut grads = Vec::new();
        let mut nonfinite = Vec::new();
        group.bench_function("backward", |b| {
            b.iter(|| graph.backward(black_box(&values), &mut grads, &mut nonfinite))
        });
        group.finish();
    }
}

fn batch(c: &mut Criterion) {
    let graph = graph_of(LOGISTIC);
    let rows = 1_000_000;
    let mut rng = Rng(7);
    // In the graph's variable order (w, x, b, y).
    let points: Vec<f64> = (0..rows)
        .flat_map(|_| {
            let (w, x, b) = (
                rng.next() * 4.0 - 2.0,
                rng.next() * 6.0 - 3.0,
                rng.next() * 2.0 - 1.0,
            );
            let y = (rng.next() < 0.5) as u8 as f64;
            [w, x, b, y]
        })
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("batch of 1M logistic points");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows as u64));
    for t in [1, threads] {
        group.bench_function(format!("compute, {t} threads"), |b| {
            b.iter(|| autograd::batch::run(&graph, black_box(&points), rows, true, t, |_, _| {}))
        });
    }
    let order: Vec<usize> = (0..graph.variables().len()).collect();
    group.bench_function(format!("compute and format CSV, {threads} threads"), |b| {
        b.iter(|| {
            autograd::batch::run(
                &graph,
                black_box(&points),
                rows,
                true,
                threads,
                |row, text| autograd::report::csv::push_row(text, row, &order),
            )
        })
    });
    group.finish();

    // A negative base under constant exponents: ln(base) is NaN, but it is
    // the constants' local derivative, and constants have no gradient, so
    // every block stays on the column path.
    let source = (1..=30)
        .map(|i| format!("({i}*x)^2*y"))
        .collect::<Vec<_>>()
        .join(" + ");
    let graph = graph_of(&source);
    let rows = 400_000;
    let points: Vec<f64> = (0..rows)
        .flat_map(|_| [-0.1 - rng.next() * 3.0, rng.next() * 4.0 - 2.0])
        .collect();
    let mut group = c.benchmark_group("batch of 400k points, 30 terms (i*x)^2*y, x < 0");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function(format!("compute, {threads} threads"), |b| {
        b.iter(|| autograd::batch::run(&graph, black_box(&points), rows, true, threads, |_, _| {}))
    });
    group.finish();
}

/// `--expect` at one point: numbers, then formulas (the point and 20
/// random ones), then `--of p1,p2,p3` on softmax.
fn answers(c: &mut Criterion) {
    use autograd::pipeline::{Job, Options, PointSource};
    let mut group = c.benchmark_group("answers");
    let at = vec!["w=0.5,b=1,x=2,y=1".to_string()];
    let run = |source: &str, of: Option<&str>, expect: &str, at: &[String]| {
        let options = Options {
            of: of.map(str::to_string),
            expect: vec![expect.to_string()],
            quiet: true,
            ..Options::default()
        };
        let job = Job::new(source, "bench", options).expect("the bench's job builds");
        let points = PointSource::at(at).expect("the bench's point parses");
        job.run(points, &mut std::io::sink(), &mut |_| {})
    };
    group.bench_function("numbers", |b| {
        b.iter(|| {
            run(
                LOGISTIC,
                None,
                black_box("dL/dz=-0.1192, dL/dw=-0.2384"),
                &at,
            )
        })
    });
    group.bench_function("formulas", |b| {
        b.iter(|| {
            run(
                LOGISTIC,
                None,
                black_box("dL/dz = yhat - y, dL/dw = x*(yhat - y)"),
                &at,
            )
        })
    });
    group.bench_function("a wrong formula (slip search)", |b| {
        b.iter(|| run(LOGISTIC, None, black_box("dL/dw = yhat - y"), &at))
    });
    let softmax = "e1 = exp(a1); e2 = exp(a2); e3 = exp(a3); s = e1 + e2 + e3; p1 = e1/s; p2 = e2/s; p3 = e3/s";
    let at = vec!["a1=1,a2=2,a3=3".to_string()];
    group.bench_function("softmax --of p1,p2,p3", |b| {
        b.iter(|| {
            run(
                softmax,
                Some("p1,p2,p3"),
                black_box("dp2/da1 = -p1*p2"),
                &at,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, stages, batch, answers);
criterion_main!(benches);
