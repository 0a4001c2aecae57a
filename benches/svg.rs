//! `cargo bench --bench svg`: laying out and drawing `--format svg` on the
//! lecture's example and on sums of 22 and 220 terms (about 200 and 2,000
//! nodes, the picture's limit). Target: the limit in well under a second.

use autograd::report::{svg, View};
use autograd::{parse, Graph};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn sum(terms: usize) -> String {
    (0..terms)
        .map(|i| format!("sin(x*{}.5+y*{i})*z^2/({i}.25+x*x)", i + 1))
        .collect::<Vec<_>>()
        .join("+")
}

fn picture(c: &mut Criterion) {
    let mut group = c.benchmark_group("svg");
    for (name, source) in [
        ("lecture", "(2*x+y^2)*z^3".to_string()),
        ("sum22", sum(22)),
        ("sum220", sum(220)),
    ] {
        let program = parse::parse_program(&source).expect("the bench's program parses");
        let graph = Graph::lower(program, None).expect("the bench's program lowers");
        let eval = graph
            .evaluate(&[0.5, 1.5, 2.0], false)
            .expect("the bench's point evaluates");
        let view = View {
            graph: &graph,
            eval: &eval,
            digits: None,
        };
        let nodes = graph.shown().count();
        assert!(nodes <= svg::MAX_NODES, "{name}: {nodes} nodes");
        group.bench_function(format!("{name} ({nodes} nodes)"), |b| {
            b.iter(|| {
                let mut out = Vec::new();
                svg::write_document(&mut out, &[svg::panel(black_box(&view), None, "p0-", None)])
                    .expect("writes to memory");
                out
            })
        });
    }
}

criterion_group!(benches, picture);
criterion_main!(benches);
