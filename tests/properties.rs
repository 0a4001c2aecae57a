//! Property tests: every local derivative and every gradient of random
//! expressions against central finite differences, and the big-input parser
//! against the plain one.

use autograd::ops::{Op, ALL};
use autograd::parse::{parse_program, parse_program_chunked};
use autograd::Graph;
use proptest::prelude::*;

/// Central difference of `f` at `x`, with a step scaled to `x`'s magnitude.
fn central(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6 * x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Agreement of an analytic and a numeric derivative: the numeric one is
/// good to about 1e-8 of the function's scale.
fn close(analytic: f64, numeric: f64) -> bool {
    (analytic - numeric).abs() <= 1e-5 * analytic.abs().max(numeric.abs()).max(1.0)
}

/// Points inside each operation's domain, away from its kinks.
fn domain(op: Op) -> Vec<(f64, f64)> {
    let any = (-3.0, 3.0);
    match op {
        Op::Asin | Op::Acos => vec![(-0.9, 0.9)],
        Op::Ln | Op::Log2 | Op::Log10 | Op::Sqrt => vec![(0.1, 10.0)],
        Op::Log => vec![(0.1, 10.0), (1.5, 10.0)],
        Op::Pow => vec![(0.2, 3.0), (-2.5, 2.5)],
        Op::Div => vec![any, (0.5, 3.0)],
        Op::Tan => vec![(-1.2, 1.2)],
        Op::Max | Op::Min => vec![any, any, any],
        _ if op.def().arity.min == 2 => vec![any, any],
        _ => vec![(-5.0, 5.0)],
    }
}

fn has_kink_near(op: Op, a: &[f64]) -> bool {
    match op {
        Op::Abs | Op::Relu => a[0].abs() < 1e-3,
        Op::Max | Op::Min => {
            let mut sorted = a.to_vec();
            sorted.sort_by(f64::total_cmp);
            sorted.windows(2).any(|w| w[1] - w[0] < 1e-3)
        }
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The op table's local derivatives, each operation, each argument.
    #[test]
    fn local_derivatives_match_central_differences(
        which in 0..ALL.len() - 1,
        u in proptest::collection::vec(0.0f64..1.0, 3),
    ) {
        let op = ALL[which];
        let ranges = domain(op);
        let a: Vec<f64> = ranges.iter().zip(&u).map(|(&(lo, hi), t)| lo + (hi - lo) * t).collect();
        prop_assume!(!has_kink_near(op, &a));
        let y = op.forward(&a);
        prop_assume!(y.is_finite());
        let mut d = vec![0.0; a.len()];
        op.local(&a, y, &mut d);
        for i in 0..a.len() {
            let numeric = central(|t| {
                let mut b = a.clone();
                b[i] = t;
                op.forward(&b)
            }, a[i]);
            prop_assert!(close(d[i], numeric), "{}'s ∂/∂a{i} at {a:?}: analytic {}, numeric {numeric}", op.name(), d[i]);
        }
    }
}

/// A random smooth expression over x, y, z, rendered as text: every
/// operator, smooth functions on safe domains, and the syntax's shortcuts.
fn smooth_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        Just("z".to_string()),
        (1u32..9).prop_map(|n| n.to_string()),
        Just("0.5".to_string()),
        Just("pi".to_string()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})*({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})/(1 + ({b})^2)")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("2({a})")),
            inner.clone().prop_map(|a| format!("({a})²")),
            inner.clone().prop_map(|a| format!("sin({a})")),
            inner.clone().prop_map(|a| format!("cos({a})")),
            inner.clone().prop_map(|a| format!("tanh({a})")),
            inner.clone().prop_map(|a| format!("atan({a})")),
            inner.clone().prop_map(|a| format!("σ({a})")),
            inner.clone().prop_map(|a| format!("softplus({a})")),
            inner.clone().prop_map(|a| format!("exp(sin({a}))")),
            inner.clone().prop_map(|a| format!("ln(1 + ({a})^2)")),
            inner.clone().prop_map(|a| format!("sqrt(1 + ({a})^2)")),
            inner.clone().prop_map(|a| format!("log(2 + cos({a}), 3)")),
            inner.clone().prop_map(|a| format!("(1 + σ({a}))^(σ({a}))")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("max({a}, {b}, -10)")),
        ]
    })
}

fn evaluate(graph: &Graph, point: &[f64]) -> Option<(f64, Vec<f64>)> {
    let e = graph.evaluate(point, true).ok()?;
    let grads = (0..graph.variables().len())
        .map(|v| e.grads[graph.variable_node(v) as usize])
        .collect();
    Some((e.values[graph.output() as usize], grads))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Reverse mode through whole graphs (sharing, copy gates, folding)
    /// agrees with central differences of the forward pass.
    #[test]
    fn gradients_match_central_differences(
        text in smooth_expr(),
        point in proptest::collection::vec(-2.0f64..2.0, 3),
    ) {
        let program = parse_program(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let graph = Graph::lower(program, None).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let vars: Vec<&str> = graph.variables().iter().map(String::as_str).collect();
        let at: Vec<f64> = vars.iter().map(|v| match *v { "x" => point[0], "y" => point[1], _ => point[2] }).collect();
        let Some((_, grads)) = evaluate(&graph, &at) else {
            return Err(TestCaseError::reject("not finite"));
        };
        for (i, name) in vars.iter().enumerate() {
            // max(…) has a kink where two arguments tie; skip points near one.
            let numeric = central(|t| {
                let mut p = at.clone();
                p[i] = t;
                evaluate(&graph, &p).map_or(f64::NAN, |(v, _)| v)
            }, at[i]);
            prop_assume!(numeric.is_finite());
            let h = 1e-3;
            let left = central(|t| { let mut p = at.clone(); p[i] = t; evaluate(&graph, &p).map_or(f64::NAN, |(v, _)| v) }, at[i] - h);
            let right = central(|t| { let mut p = at.clone(); p[i] = t; evaluate(&graph, &p).map_or(f64::NAN, |(v, _)| v) }, at[i] + h);
            prop_assume!(!text.contains("max") || close(left, right) || (left - right).abs() < 1e-2 * left.abs().max(1.0));
            prop_assert!(
                (grads[i] - numeric).abs() <= 1e-4 * grads[i].abs().max(numeric.abs()).max(1.0),
                "∂f/∂{name} of {text} at {at:?}: analytic {}, numeric {numeric}", grads[i]
            );
        }
    }
}

/// The same failure: the same kind of error at the same place with the same
/// hint. The wording of a syntax error may differ (what pest lists as
/// expected depends on where the piece it parsed begins), never the place.
fn same_failure(a: &autograd::Error, b: &autograd::Error) -> bool {
    std::mem::discriminant(&a.kind) == std::mem::discriminant(&b.kind)
        && a.span == b.span
        && a.help == b.help
}

/// Random sums of terms that stress the splitter of long statements: signs
/// after operators, exponents with signs, names with digits and `e`.
fn sum_text() -> impl Strategy<Value = String> {
    let term = prop_oneof![
        Just("x".to_string()),
        Just("2e-3x".to_string()),
        Just("1.5E+2".to_string()),
        Just("x2e".to_string()),
        Just("-y".to_string()),
        Just("x^-2".to_string()),
        Just("x**-y".to_string()),
        Just("sin(x - 1)".to_string()),
        Just("max(x, -y, 1 - x)".to_string()),
        Just("(x + y)(x - y)".to_string()),
        Just("3(x−1)".to_string()),
        Just("x² - 1".to_string()),
        Just("-(x)".to_string()),
        Just("2 x".to_string()),
        Just(".5e1".to_string()),
    ];
    let op = prop_oneof![
        Just(" + "),
        Just("-"),
        Just(" − "),
        Just("+"),
        Just(" - -"),
        Just("*-")
    ];
    (term.clone(), proptest::collection::vec((op, term), 0..12)).prop_map(|(first, rest)| {
        let mut s = first;
        for (op, t) in rest {
            s.push_str(op);
            s.push_str(&t);
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A long statement is parsed a batch of terms at a time; the tree must
    /// be exactly the one a single parse builds.
    #[test]
    fn batched_parsing_builds_the_same_tree(first in sum_text(), second in sum_text(), named in any::<bool>()) {
        let text = if named { format!("a = {first}\nb = a - {second}; b*2") } else { format!("{first} - {second}") };
        let whole = parse_program_chunked(&text, usize::MAX);
        for chunk in [1, 8, 20] {
            let batched = parse_program_chunked(&text, chunk);
            match (&whole, &batched) {
                (Ok(w), Ok(b)) => prop_assert_eq!(w, b, "{} with batches of {}", text, chunk),
                (Err(w), Err(b)) => prop_assert!(same_failure(w, b), "{text:?}: {w:?} vs {b:?}"),
                _ => prop_assert!(false, "{text}: whole {:?}, batched {:?}", whole.is_ok(), batched.is_ok()),
            }
        }
    }
}

#[test]
fn batched_parsing_reports_the_same_errors() {
    for text in [
        "x + * y + 1",
        "x +",
        "1.2.3 + x",
        "a = x +\nb",
        "x + (y",
        "a = 1; b = a + sin(x,) - 2\nb",
        "x - y z + 1",
        "x + y)",
        "a = x\nb = a + - * 2",
    ] {
        let whole = parse_program_chunked(text, usize::MAX).err();
        let batched = parse_program_chunked(text, 1).err();
        assert!(whole.is_some(), "{text}");
        assert!(
            same_failure(
                whole.as_ref().expect("an error"),
                batched.as_ref().expect("an error")
            ),
            "{text}: {whole:?} vs {batched:?}"
        );
    }
}

/// Found by fuzzing the batched parser against the whole one: trailing blanks
/// in a statement's span, a lone `\r` as a line break, a leading unary `+`.
#[test]
fn batched_parsing_regressions() {
    for text in [
        "i ",
        "\re",
        "+x+y",
        "x\ry = 2\r\ny",
        "a = 1   \nb = a + x  ",
        "+(x)+y-z",
        "++x - -y",
    ] {
        let whole = parse_program_chunked(text, usize::MAX);
        for chunk in [1, 2, 8] {
            assert_eq!(
                whole,
                parse_program_chunked(text, chunk),
                "{text:?} in pieces of {chunk}"
            );
        }
    }
}

/// Found by fuzzing: an error at the start of a statement read differently
/// in a statement parsed on its own.
#[test]
fn batched_parsing_error_at_a_statement_start() {
    for text in [
        "\n)",
        "a = 1\n)",
        "a = 1; * 2",
        "x\n=3",
        " + ",
        "a = x +  \nb",
        "x + (  ; y",
    ] {
        let whole = parse_program_chunked(text, usize::MAX).err();
        assert!(whole.is_some(), "{text:?}");
        let batched = parse_program_chunked(text, 1).err();
        assert!(
            same_failure(
                whole.as_ref().expect("an error"),
                batched.as_ref().expect("an error")
            ),
            "{text:?}: {whole:?} vs {batched:?}"
        );
    }
}
