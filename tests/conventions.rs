//! The conventions at kinks and edges, each against the value PyTorch gives.
//! Figures from PyTorch 2.15, float64 (`torch.relu`, `torch.abs`,
//! `torch.maximum`, `torch.amax`/`amin` of a stack, `**`, `torch.sqrt`,
//! `torch.log`, `softplus`, `sigmoid`; `torch.autograd.grad`).

mod common;
use common::{assert_contains, json, num, run};

/// (expression, point, PyTorch's value, PyTorch's gradient in variable order).
const CASES: &[(&str, &str, f64, &[f64])] = &[
    ("relu(x)", "x=0", 0.0, &[0.0]),
    ("abs(x)", "x=0", 0.0, &[0.0]),
    ("max(x, y)", "x=2,y=2", 2.0, &[0.5, 0.5]),
    ("min(x, y)", "x=-1,y=-1", -1.0, &[0.5, 0.5]),
    ("max(x, y, z)", "x=3,y=1,z=3", 3.0, &[0.5, 0.0, 0.5]),
    (
        "min(x, y, z)",
        "x=1,y=1,z=1",
        1.0,
        &[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
    ),
    ("x^y", "x=0,y=0", 1.0, &[0.0, 0.0]),
    ("x^y", "x=0,y=2", 0.0, &[0.0, 0.0]),
    ("(-2)^3 + x^3", "x=-2", -16.0, &[12.0]),
    ("softplus(x)", "x=800", 800.0, &[1.0]),
    ("softplus(x)", "x=-800", 0.0, &[0.0]),
    ("sigmoid(x)", "x=800", 1.0, &[0.0]),
    ("sigmoid(x)", "x=-800", 0.0, &[0.0]),
];

#[test]
fn finite_conventions() {
    for &(expr, at, value, grads) in CASES {
        let out = json(expr, at);
        assert_eq!(num(&out["value"]), value, "{expr} at {at}");
        let got: Vec<f64> = out["gradient"]
            .as_object()
            .expect("gradient")
            .values()
            .map(num)
            .collect();
        assert_eq!(got, grads, "∇ {expr} at {at}");
    }
}

/// PyTorch: sqrt(0) = 0 with gradient +inf.
#[test]
fn sqrt_at_zero_has_an_infinite_gradient_and_a_warning() {
    let r = run(&["sqrt(x)", "--at", "x=0"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["f = 0\n∂f/∂x = inf\n"]);
    assert_contains(&r.stderr, &["warning: non-finite gradient: ∂f/∂x = inf"]);
}

/// PyTorch: 0^0.5 = 0, ∂/∂x = +inf, ∂/∂y = 0.
#[test]
fn zero_to_a_half() {
    let r = run(&["x^y", "--at", "x=0,y=0.5"]);
    assert_contains(&r.stdout, &["∂f/∂x = inf\n∂f/∂y = 0\n"]);
}

/// PyTorch: (-2)^y at y=3 is -8, ∂/∂x = 12, ∂/∂y = NaN.
#[test]
fn negative_base_with_a_variable_exponent() {
    let r = run(&["x^y", "--at", "x=-2,y=3"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["f = -8\n∂f/∂x = 12\n∂f/∂y = NaN\n"]);
    assert_contains(&r.stderr, &["non-finite gradient: ∂f/∂y = NaN"]);
    let out = json("x^y", "x=-2,y=3");
    assert!(out["gradient"]["y"].is_null(), "NaN is null in JSON: {out}");
}

/// PyTorch: ln(0) = -inf with gradient +inf. The tool stops there (exit 3)
/// unless told to go on, and then prints the same numbers.
#[test]
fn log_of_zero() {
    let r = run(&["ln(x)", "--at", "x=0"]);
    assert_eq!(r.code, 3);
    assert_contains(&r.stderr, &["f = ln(x): ln(0) is -infinity (needs x > 0)"]);
    let r = run(&["ln(x)", "--at", "x=0", "--allow-nonfinite"]);
    assert_eq!(r.code, 0);
    assert_contains(&r.stdout, &["f = -inf\n∂f/∂x = inf\n"]);
}

/// PyTorch routes the gradient through relu and maximum with a select, not
/// a multiplication: sqrt's infinite gradient at 0 does not become
/// inf × 0 = NaN on the side they do not pass.
#[test]
fn routing_gates_select() {
    for expr in ["sqrt(relu(z))", "sqrt(max(z, 0))"] {
        let out = json(expr, "z=-1");
        assert_eq!(num(&out["value"]), 0.0, "{expr}");
        assert_eq!(num(&out["gradient"]["z"]), 0.0, "∇ {expr} at z=-1: {out}");
        let r = run(&[expr, "--at", "z=-1"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_contains(&r.stdout, &["f = 0\n∂f/∂z = 0\n"]);
        assert!(!r.stderr.contains("warning"), "{expr}: {}", r.stderr);
    }
}

/// PyTorch: abs' = sign(x) multiplies, so sqrt(abs(z)) at 0 is inf × 0 = NaN.
#[test]
fn abs_multiplies_by_the_sign() {
    let r = run(&["sqrt(abs(z))", "--at", "z=0", "--allow-nonfinite"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["f = 0\n∂f/∂z = NaN\n"]);
    let r = run(&["sqrt(abs(z))", "--at", "z=0"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["∂f/∂z = NaN\n"]);
    assert_contains(
        &r.stderr,
        &[
            "warning: non-finite gradient: ∂f/∂z = NaN",
            "(sqrt'(0) = +inf)",
        ],
    );
}

/// The batch engine routes as the scalar one: the same numbers from a CSV
/// (at 0, max's tie passes half of sqrt's infinite gradient: inf).
#[test]
fn routing_in_a_batch() {
    let r = common::run_with_stdin(
        &[
            "sqrt(relu(z)) + sqrt(max(z, 0))",
            "--points",
            "-",
            "--format",
            "csv",
        ],
        Some(b"z\n-1\n4\n0\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["-1,0,0\n", "4,4,0.5\n", "0,0,inf"]);
}
