//! Time and peak memory of each stage on one input, for profiling:
//!
//!     cargo run --release --example stage_times -- FILE [x=1,y=2,z=3]

use anyhow::{anyhow, Context};
use std::time::Instant;

fn peak_rss_kb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().context("usage: stage_times FILE [BINDINGS]")?;
    let at = args.next().unwrap_or_else(|| "x=1,y=2,z=3".into());
    let source = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let show = |e: autograd::Error| anyhow!("{}", e.render(&source, &path));

    let t = Instant::now();
    let program = autograd::parse::parse_program(&source).map_err(show)?;
    let parse = t.elapsed();
    let exprs = program.exprs.len();
    eprintln!("after parse: peak {} KB", peak_rss_kb());
    let graph = autograd::Graph::lower(program, None).map_err(show)?;
    let lower = t.elapsed() - parse;
    eprintln!("after lower: peak {} KB", peak_rss_kb());
    let bindings = autograd::bindings::parse(&at).map_err(|e| anyhow!("{e}"))?;
    let point = autograd::bindings::resolve(&graph, &bindings).map_err(|e| anyhow!("{e}"))?;
    let t = Instant::now();
    let mut values = Vec::new();
    graph
        .forward(&point.values, &mut values, true)
        .map_err(show)?;
    let forward = t.elapsed();
    let mut eval = autograd::Evaluation {
        values,
        ..Default::default()
    };
    graph.backward(&eval.values, &mut eval.grads, &mut eval.nonfinite_locals);
    let backward = t.elapsed() - forward;
    eprintln!("after passes: peak {} KB", peak_rss_kb());
    let t = Instant::now();
    let view = autograd::report::View {
        graph: &graph,
        eval: &eval,
        digits: None,
    };
    let colors = autograd::report::table::Colors::new(false);
    autograd::report::table::write(&mut std::io::sink(), &view, &colors)?;
    let table = t.elapsed();
    println!(
        "{exprs} expressions, {} nodes: parse {parse:.0?}, lower {lower:.0?}, forward {forward:.1?}, \
         backward {backward:.1?}, table {table:.0?}; peak RSS {} KB",
        graph.len(),
        peak_rss_kb()
    );
    Ok(())
}
