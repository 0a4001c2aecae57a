//! `--hessian --at`: second derivatives by the graph's own double backward
//! (src/hessian.rs), against PyTorch's (tests/hessian/parity.json, written
//! by tests/hessian/generate.py), and from the command line.

mod common;

use autograd::Graph;
use common::run;
use serde_json::Value;

/// A number of the parity file: a JSON number, or "nan", "inf", "-inf".
fn number(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("not a number: {other}"),
        },
        _ => v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")),
    }
}

/// Equal to 1e-9 of the larger magnitude; NaN and infinities exactly as
/// PyTorch's. Two values that are zero up to rounding agree: within 1e-13
/// of the largest entry of the Hessian's row, or of 1 (the expressions'
/// constants and points are of order 1), for an exact 0 reached by a
/// cancellation (`x/x`, `log(2^y, 2)`) that PyTorch's order of operations
/// and the tool's round differently.
fn agrees(got: f64, want: f64, scale: f64) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if want.is_infinite() || got.is_infinite() {
        return got == want;
    }
    let diff = (got - want).abs();
    diff <= 1e-9 * got.abs().max(want.abs()) || diff <= 1e-13 * scale.max(1.0)
}

/// Every cell of every case of the parity file: at least 2,000 expressions,
/// 300 of them at kinks, ties and saturating arguments.
#[test]
fn hessians_agree_with_pytorchs_double_backward() {
    let text = std::fs::read_to_string("tests/hessian/parity.json").expect("the parity file");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("JSON");
    assert!(cases.len() >= 2000, "{} cases", cases.len());
    let special = cases.iter().filter(|c| c["kind"] != "random").count();
    assert!(special >= 300, "{special} special cases");
    for f in ["logsigmoid(", "log1p("] {
        let n = cases
            .iter()
            .filter(|c| c["expr"].as_str().is_some_and(|e| e.contains(f)))
            .count();
        assert!(n >= 30, "{n} cases of {f}…)");
    }
    let mut failures = Vec::new();
    let mut cells = 0;
    let mut nonfinite = 0;
    for case in &cases {
        let source = case["expr"].as_str().expect("expr");
        let graph = autograd::parse::parse_program(source)
            .and_then(|p| Graph::lower(p, None))
            .unwrap_or_else(|e| panic!("{source}: {e:?}"));
        let point: Vec<f64> = graph
            .variables()
            .iter()
            .map(|v| number(&case["at"][v]))
            .collect();
        let e = graph
            .evaluate(&point, false)
            .unwrap_or_else(|e| panic!("{source}: {e:?}"));
        let h = autograd::hessian::matrix(&graph, &e);
        for (i, u) in graph.variables().iter().enumerate() {
            let want_row: Vec<f64> = graph
                .variables()
                .iter()
                .map(|v| number(&case["hessian"][u][v]))
                .collect();
            let scale = want_row
                .iter()
                .chain(&h[i])
                .filter(|x| x.is_finite())
                .fold(0.0f64, |m, x| m.max(x.abs()));
            for (j, v) in graph.variables().iter().enumerate() {
                let (got, want) = (h[i][j], want_row[j]);
                cells += 1;
                nonfinite += usize::from(!want.is_finite());
                if !agrees(got, want, scale) {
                    failures.push(format!(
                        "[{}] {source} at {}: ∂²f/∂{u}∂{v} = {got}, PyTorch {want}",
                        case["kind"], case["at"]
                    ));
                }
            }
        }
    }
    assert!(nonfinite > 0, "no NaN or infinite cell is checked");
    assert!(
        failures.is_empty(),
        "{} of {cells} cells:\n{}",
        failures.len(),
        failures[..failures.len().min(25)].join("\n")
    );
}

/// The cases, from the command line: 0 where PyTorch gives 0.
#[test]
fn saturation_and_relu_powers_give_pytorchs_zero() {
    let r = run(&["tanh(a^10)", "--hessian", "--at", "a=2.36"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("∂²f  a\na    0\n"), "{}", r.stdout);
    let r = run(&[
        "(3-cosh(z))*relu(u)**1.5",
        "--hessian",
        "--at",
        "z=0.5,u=-2.86",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).expect("JSON");
    for u in ["z", "u"] {
        for v in ["z", "u"] {
            assert_eq!(doc["hessian"][u][v].as_f64(), Some(0.0), "{u}{v}: {doc}");
        }
    }
}

/// A non-finite second derivative is printed with a warning, as a
/// non-finite gradient is.
#[test]
fn a_nonfinite_second_derivative_is_warned_about() {
    let r = run(&["sqrt(x)", "--hessian", "--at", "x=0"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("x    -inf"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("non-finite second derivative: ∂²f/∂x² = -inf"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("sqrt'(0) = +inf"), "{}", r.stderr);
    // A finite Hessian: no warning.
    let r = run(&["sqrt(x)", "--hessian", "--at", "x=4"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}

/// `--allow-nonfinite` lets the numbers go on through a non-finite value;
/// without it the value is an evaluation error, as without `--hessian`.
#[test]
fn nonfinite_values_follow_allow_nonfinite() {
    let r = run(&["k / (0.)", "--hessian", "--at", "k=1"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.stderr.contains("division by zero"), "{}", r.stderr);
    let r = run(&["k / (0.)", "--hessian", "--at", "k=1", "--allow-nonfinite"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("∂f/∂k = inf"), "{}", r.stdout);
    assert!(r.stdout.contains("k    0"), "{}", r.stdout);
}

/// A tower of powers 24 deep with no named steps: two passes over the graph
/// per variable, where the formulas grew exponentially (8.5 s before). Its
/// speed is `cargo bench --bench hessian`'s, not a timed test's.
#[test]
fn a_deep_power_tower_is_answered() {
    let tower = vec!["x"; 24].join("^");
    let r = run(&[&tower, "--hessian", "--at", "x=1.1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("x    3.28849906658816"), "{}", r.stdout);
}

/// `--expect d2f/dxdy` targets are judged by the same double backward.
#[test]
fn second_derivative_checks_use_the_double_backward() {
    let r = run(&[
        "tanh(a^10) + a*b",
        "--at",
        "a=2.36,b=1",
        "--expect",
        "d2f/da2 = 0, d2f/dadb = 1",
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let r = run(&["x^3", "--at", "x=2", "--expect", "d2f/dx2 = 11"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    // With --quiet the exit code is the whole answer (it was 0 before the
    // checks were judged apart from the writing).
    let r = run(&["x^3", "--at", "x=2", "--expect", "d2f/dx2 = 11", "--quiet"]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{}", r.stderr);
}

/// Derivative forms that stay finite where the function does: tanh' in
/// terms of tanh (never `1/cosh(u)^2`, which overflows at a = 2.36), σ' in
/// terms of σ, and no `ln(0)` at a constant zero base (PyTorch's
/// convention gives the exponent nothing there). Each reads back to the
/// numeric gradient.
#[test]
fn derivative_forms_stay_finite() {
    let r = run(&["tanh(a^10)", "--symbolic", "--at", "a=2.36"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("∂f/∂a = 10*a^9*(1 - tanh(a^10)^2) = 0\n"),
        "{}",
        r.stdout
    );
    let r = run(&[
        "((log(log2(a),10) + tanh(a^10))^a)^2",
        "--symbolic",
        "--at",
        "a=2.36",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("cosh"), "{}", r.stdout);
    // PyTorch: 1.6787656311135986.
    let value: f64 = r
        .stdout
        .trim_end()
        .rsplit(" = ")
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    assert!((value - 1.6787656311135986).abs() < 1e-14, "{}", r.stdout);
    let r = run(&["sigmoid(w*x + b)", "--symbolic"]);
    assert!(
        r.stdout
            .contains("∂f/∂b = sigmoid(w*x + b)*(1 - sigmoid(w*x + b))\n"),
        "{}",
        r.stdout
    );
    for point in ["a=1.5", "a=0"] {
        let r = run(&["a*(a-a)^a", "--symbolic", "--at", point]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!r.stdout.contains("ln(0)"), "{}", r.stdout);
        let numeric = run(&["a*(a-a)^a", "--at", point]);
        let want = if point == "a=0" { "1" } else { "0" };
        assert!(
            r.stdout.contains(&format!("∂f/∂a = 0^a = {want}\n")),
            "{}",
            r.stdout
        );
        assert!(
            numeric.stdout.contains(&format!("∂f/∂a = {want}\n")),
            "{}",
            numeric.stdout
        );
    }
}
