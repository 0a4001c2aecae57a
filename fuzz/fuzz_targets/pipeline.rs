//! The whole pipeline on arbitrary input: parse → lower → bind → evaluate →
//! render, as `autograd-cli EXPR --at …` runs it. Nothing may panic, and
//! every error must render.
//!
//! Invariants checked besides "no panic":
//! - every variable of a graph can be bound with `--at name=…`;
//! - a non-strict evaluation never fails;
//! - a strict evaluation that succeeds equals the non-strict one.
#![no_main]

use autograd::report::{json, table, View};
use autograd::{bindings, parse, Error, Evaluation, Graph};
use libfuzzer_sys::fuzz_target;


fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Some(graph) = lower(source, None) else {
        return;
    };
    // `--of NAME`: the first named statement, and a name that is not there.
    if let Some(first) = graph.statement_names().first().cloned() {
        lower(source, Some(&first));
    }
    lower(source, Some("no_such_node"));

    // Digits for `--digits`, from the input so that runs vary.
    let digits = Some(1 + data.len() % 17);
    for x in [0.5, -1.5] {
        let values = point(&graph, x);
        for strict in [true, false] {
            match graph.evaluate(&values, strict) {
                Ok(eval) => {
                    if strict {
                        let lax = graph.evaluate(&values, false).expect("non-strict");
                        assert!(same(&eval, &lax), "strict and non-strict differ");
                    }
                    render(&graph, &eval, None);
                    render(&graph, &eval, digits);
                }
                Err(e) => {
                    assert!(strict, "a non-strict evaluation failed: {e:?}");
                    render_error(&e, source);
                }
            }
        }
    }
});

/// Parses and lowers, rendering any error.
fn lower(source: &str, of: Option<&str>) -> Option<Graph> {
    let result = parse::parse_program(source).and_then(|p| Graph::lower(p, of));
    match result {
        Ok(graph) => Some(graph),
        Err(e) => {
            render_error(&e, source);
            None
        }
    }
}

/// Every variable = `x`, given as `--at` text and resolved as the CLI does.
fn point(graph: &Graph, x: f64) -> Vec<f64> {
    let at: Vec<String> = graph.variables().iter().map(|v| format!("{v}={x}")).collect();
    let at = at.join(",");
    let parsed = bindings::parse(&at).and_then(|b| bindings::resolve(graph, &b));
    match parsed {
        Ok(p) => {
            assert!(p.unused.is_empty(), "unused: {:?}", p.unused);
            assert!(p.values.iter().all(|&v| v == x), "{at}: {:?}", p.values);
            p.values
        }
        Err(e) => {
            let message = e.render(&at, "--at");
            if graph.variables().is_empty() {
                // `--at ""` is refused as "no bindings given"; the CLI then
                // binds nothing, which is fine for a constant expression.
                return Vec::new();
            }
            panic!("variables {:?} cannot be bound by `--at {at}`:\n{message}", graph.variables());
        }
    }
}

fn render(graph: &Graph, eval: &Evaluation, digits: Option<usize>) {
    let view = View { graph, eval, digits };
    let _ = view.warnings();
    for colored in [false, true] {
        let colors = table::Colors::new(colored);
        table::write(&mut std::io::sink(), &view, &colors).expect("table to a sink");
    }
    let value = json::value(&view);
    json::write_point(&mut std::io::sink(), &value, false).expect("json");
    json::write_point(&mut std::io::sink(), &value, true).expect("json");
}

fn render_error(e: &Error, source: &str) {
    let _ = e.render(source, "expression");
    let _ = e.exit_code();
}

/// Equal bit for bit (NaN equals NaN).
fn same(a: &Evaluation, b: &Evaluation) -> bool {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    bits(&a.values) == bits(&b.values)
        && bits(&a.grads) == bits(&b.grads)
        && a.nonfinite_locals == b.nonfinite_locals
}
