//! The PyTorch oracle: values and gradients of the real binary against
//! PyTorch (float64 autograd), case by case.
//!
//! `tests/oracle/vectors.json` is written by `tests/oracle/generate.py` (see
//! `tests/oracle/README.md`); this test only reads it, so it needs no Python.
//! Each case is {"expr", "at", "value", "gradient"}. Cases that share an
//! expression run in one process with several `--at` points (the JSON output
//! is then an array, one object per point).
//!
//! Every mismatch is collected and reported together: expression, point,
//! quantity, expected (PyTorch) and actual (autograd-cli).

use assert_cmd::Command;
use serde_json::Value;
use std::collections::HashMap;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/vectors.json");

/// Relative tolerance. Two numbers agree when
/// `|a - b| <= 1e-9 * max(|a|, |b|)`, or when `|a - b| <= 1e-12`: an absolute
/// floor, so that values near zero (where a relative test means nothing, e.g.
/// 1e-17 against 0 after cancellation) are not failures.
const REL_TOL: f64 = 1e-9;
const ABS_FLOOR: f64 = 1e-12;

/// At most this many points in one process.
const POINTS_PER_RUN: usize = 16;

struct Case {
    expr: String,
    at: String,
    value: f64,
    /// ∂output/∂v in order of first appearance.
    gradient: Vec<(String, f64)>,
}

fn agree(expected: f64, actual: f64) -> bool {
    let diff = (expected - actual).abs();
    diff <= REL_TOL * expected.abs().max(actual.abs()) || diff <= ABS_FLOOR
}

fn load() -> Vec<Case> {
    let text = std::fs::read_to_string(VECTORS)
        .unwrap_or_else(|e| panic!("cannot read {VECTORS}: {e} (run tests/oracle/generate.py)"));
    let raw: Vec<Value> = serde_json::from_str(&text).expect("vectors.json is a JSON list");
    raw.iter()
        .enumerate()
        .map(|(i, c)| {
            let field = |k: &str| c.get(k).unwrap_or_else(|| panic!("case {i} has no `{k}`"));
            let gradient = field("gradient")
                .as_object()
                .unwrap_or_else(|| panic!("case {i}: gradient is not an object"))
                .iter()
                .map(|(k, v)| (k.clone(), v.as_f64().expect("gradient number")))
                .collect();
            Case {
                expr: field("expr").as_str().expect("expr string").to_string(),
                at: field("at").as_str().expect("at string").to_string(),
                value: field("value").as_f64().expect("value number"),
                gradient,
            }
        })
        .collect()
}

/// Runs the binary on `expr` at the points of `cases`; one JSON object per
/// point, or the reason there is none.
fn run(expr: &str, cases: &[&Case]) -> Result<Vec<Value>, String> {
    let mut cmd = Command::cargo_bin("autograd-cli").expect("the binary is built");
    cmd.args(["--format", "json"]);
    for c in cases {
        cmd.args(["--at", &c.at]);
    }
    // `--` so that an expression starting with `-` is never read as an option.
    cmd.arg("--").arg(expr);
    let out = cmd.output().map_err(|e| format!("cannot run: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "exit code {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let json: Value =
        serde_json::from_str(&stdout).map_err(|e| format!("output is not JSON ({e}): {stdout}"))?;
    let points = match json {
        Value::Array(items) if cases.len() > 1 => items,
        obj @ Value::Object(_) if cases.len() == 1 => vec![obj],
        other => return Err(format!("expected {} point(s), got: {other}", cases.len())),
    };
    if points.len() != cases.len() {
        return Err(format!("{} points in, {} out", cases.len(), points.len()));
    }
    Ok(points)
}

/// Compares one point's output with the expected case.
fn compare(case: &Case, out: &Value, mismatches: &mut Vec<String>) {
    let mut report = |quantity: &str, expected: String, actual: String| {
        mismatches.push(format!(
            "expr {:?} at {}: {quantity}: expected {expected}, actual {actual}",
            case.expr, case.at
        ));
    };
    let show = |v: Option<&Value>| v.map_or("missing".to_string(), Value::to_string);

    match out.get("value").and_then(Value::as_f64) {
        Some(v) if agree(case.value, v) => {}
        _ => report("value", case.value.to_string(), show(out.get("value"))),
    }
    let Some(gradient) = out.get("gradient").and_then(Value::as_object) else {
        report("gradient", "an object".into(), show(out.get("gradient")));
        return;
    };
    for (name, expected) in &case.gradient {
        match gradient.get(name).and_then(Value::as_f64) {
            Some(v) if agree(*expected, v) => {}
            _ => report(
                &format!("d/d{name}"),
                expected.to_string(),
                show(gradient.get(name)),
            ),
        }
    }
    let expected_names: Vec<&str> = case.gradient.iter().map(|(n, _)| n.as_str()).collect();
    let actual_names: Vec<&str> = gradient.keys().map(String::as_str).collect();
    if expected_names != actual_names {
        report(
            "gradient variables (in order of first appearance)",
            format!("{expected_names:?}"),
            format!("{actual_names:?}"),
        );
    }
}

#[test]
fn values_and_gradients_match_pytorch() {
    let cases = load();
    assert!(
        cases.len() >= 1000,
        "only {} cases in {VECTORS}",
        cases.len()
    );

    // Group the cases by expression, keeping the file's order.
    let mut groups: Vec<(&str, Vec<&Case>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for case in &cases {
        let i = *index.entry(&case.expr).or_insert_with(|| {
            groups.push((&case.expr, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(case);
    }

    let mut mismatches = Vec::new();
    let mut runs = 0;
    for (expr, group) in &groups {
        for batch in group.chunks(POINTS_PER_RUN) {
            runs += 1;
            match run(expr, batch) {
                Ok(points) => {
                    for (case, out) in batch.iter().zip(&points) {
                        compare(case, out, &mut mismatches);
                    }
                }
                Err(why) => {
                    for case in batch {
                        mismatches.push(format!("expr {:?} at {}: {why}", case.expr, case.at));
                    }
                }
            }
        }
    }

    assert!(
        mismatches.is_empty(),
        "{} mismatch(es) with PyTorch over {} cases ({} runs of the binary):\n{}",
        mismatches.len(),
        cases.len(),
        runs,
        mismatches.join("\n")
    );
    eprintln!(
        "oracle: {} cases, {} expressions, {} runs: all agree with PyTorch",
        cases.len(),
        groups.len(),
        runs
    );
}
