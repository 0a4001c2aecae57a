//! Property tests of formula answers (SPEC §6), in process: for random
//! expressions f(x, y, z), the tool's own simplified derivative (what
//! `--symbolic` prints) passes as an answer for ∂f/∂x, and every
//! perturbation of it fails: a factor 2, a flipped sign, a dropped term
//! (the answer for f + x³ without 3x²), and a term that differs only for
//! x < 0 (`abs(x) - x`).

use autograd::formula::{judge, random_points, Domain, Formula, Truth};
use autograd::parse::parse_program;
use autograd::Graph;
use proptest::prelude::*;

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        Just("z".to_string()),
        (1u32..9).prop_map(|n| n.to_string()),
        Just("0.5".to_string()),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})*({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})/(1 + ({b})^2)")),
            inner.clone().prop_map(|a| format!("({a})²")),
            inner.clone().prop_map(|a| format!("sin({a})")),
            inner.clone().prop_map(|a| format!("tanh({a})")),
            inner.clone().prop_map(|a| format!("σ({a})")),
            inner.clone().prop_map(|a| format!("exp(sin({a}))")),
            inner.clone().prop_map(|a| format!("ln(1 + ({a})^2)")),
        ]
    })
}

fn graph(text: &str) -> Graph {
    let program = parse_program(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    Graph::lower(program, None).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The verdict of `answer` for ∂f/∂x of `program`, at the random points.
fn passes(program: &Graph, answer: &str) -> (bool, String) {
    let domain = Domain::default();
    let random = random_points(program, &domain);
    let formula =
        Formula::compile(answer, program, &[]).unwrap_or_else(|e| panic!("{answer}: {e}"));
    let Some(x) = program.find("x") else {
        return (false, "no x".into());
    };
    let v = judge(
        &formula,
        program,
        Truth::Grad(x),
        None,
        &random,
        &domain,
        1e-9,
    );
    (v.passed, v.reason.unwrap_or_default())
}

/// ∂f/∂x as the tool's simplifier writes it.
fn derivative(program: &Graph) -> Option<String> {
    let f = autograd::symbolic::differentiate(program, true, true).ok()?;
    let v = program.variables().iter().position(|n| n == "x")?;
    Some(f.text(f.gradient[v]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_true_derivative_passes_and_perturbations_fail(body in expr()) {
        // x in every program, with a derivative that is not zero anywhere
        // it matters: f = body + x*(2 + sin(y)).
        let text = format!("{body} + x*(2 + sin(y))");
        let g = graph(&text);
        let Some(d) = derivative(&g) else {
            return Err(TestCaseError::reject("no derivative"));
        };
        let (ok, why) = passes(&g, &d);
        prop_assert!(ok, "{text}: ∂f/∂x = {d} should pass: {why}");
        for (answer, what) in [
            (format!("2*({d})"), "a factor 2"),
            (format!("-({d})"), "a flipped sign"),
            (format!("({d}) + abs(x) - x"), "a term that differs only for x < 0"),
        ] {
            let (ok, why) = passes(&g, &answer);
            prop_assert!(!ok, "{text}: {what}, {answer}, should fail: {why}");
        }
        // A dropped term: the answer for f, checked against f + x^3.
        let dropped = graph(&format!("{text} + x^3"));
        let (ok, why) = passes(&dropped, &d);
        prop_assert!(!ok, "{text} + x^3: the answer without 3*x^2 should fail: {why}");
    }
}
