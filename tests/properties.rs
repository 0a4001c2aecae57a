//! Property tests: every local derivative and every gradient of random
//! expressions against central finite differences, and the reader of long
//! programs against the grammar's program rule.

mod common;
use autograd::ast::{BinOp, Span};
use autograd::ops::{Op, ALL};
use autograd::parse::{parse_expression, parse_program, Rule};
use autograd::ErrorKind;
use autograd::Graph;
use common::shape;
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

/// Terms of a long sum (no top-level `+` or `-` of their own): signs after
/// operators, exponents with signs, names with digits and `e`, calls.
fn term() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("x".to_string()),
        Just("2e-3x".to_string()),
        Just("1.5E+2".to_string()),
        Just("x2e".to_string()),
        Just("x^-2".to_string()),
        Just("x**-y".to_string()),
        Just("sin(x - 1)".to_string()),
        Just("max(x, -y, 1 - x)".to_string()),
        Just("(x + y)(x - y)".to_string()),
        Just("3(x−1)".to_string()),
        Just("(x² - 1)".to_string()),
        Just("2 x".to_string()),
        Just(".5e1".to_string()),
        Just("x*y/z".to_string()),
        Just("z^2/(3.5+x*x)".to_string()),
    ]
}

fn join_op() -> impl Strategy<Value = (&'static str, BinOp)> {
    prop_oneof![
        Just((" + ", BinOp::Add)),
        Just(("-", BinOp::Sub)),
        Just((" − ", BinOp::Sub)),
        Just(("+", BinOp::Add)),
        Just(("\t- ", BinOp::Sub)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A long sum (up to 1,500 terms: three pieces of the reader and more)
    /// parsed as one program is the left fold of its terms, each parsed on
    /// its own: pieces end between operators and the stacks carry on.
    #[test]
    fn a_long_sum_is_the_left_fold_of_its_terms(
        first in term(),
        rest in proptest::collection::vec((join_op(), term()), 0..1500),
        named in any::<bool>(),
    ) {
        let mut text = if named { format!("a = {first}") } else { first.clone() };
        let term_shape = |t: &str| {
            let p = parse_expression(t).map_err(|e| TestCaseError::fail(format!("{t}: {e}")))?;
            Ok::<_, TestCaseError>(shape(&p, p.statements[0].root))
        };
        let mut expected = term_shape(&first)?;
        for ((op_text, op), t) in &rest {
            text.push_str(op_text);
            text.push_str(t);
            let op = if *op == BinOp::Add { "+" } else { "-" };
            expected = format!("({op} {expected} {})", term_shape(t)?);
        }
        if named {
            text.push_str("\na");
        }
        let program = parse_program(&text).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(program.statements.len(), 1 + named as usize);
        let statement = &program.statements[0];
        prop_assert_eq!(shape(&program, statement.root), expected);
        // The statement's span runs from its first byte to its last token.
        let end = if named { text.len() - 2 } else { text.len() };
        prop_assert_eq!(statement.span, Span::new(0, end));
    }

    /// Whatever the text, spans land inside it on character boundaries, and
    /// the reader accepts exactly what the grammar's program rule accepts,
    /// failing where it fails.
    #[test]
    fn the_reader_accepts_and_fails_as_the_program_rule(
        head in proptest::collection::vec((join_op(), term()), 0..700),
        noise in "[-+*/^(),;= \n.#x1e²]{0,8}",
        tail in proptest::collection::vec((join_op(), term()), 0..3),
    ) {
        let mut text = String::from("x");
        for ((op, _), t) in &head {
            text.push_str(op);
            text.push_str(t);
        }
        text.push_str(&noise);
        for ((op, _), t) in &tail {
            text.push_str(op);
            text.push_str(t);
        }
        let whole = {
            use pest::Parser as _;
            autograd::parse::grammar::ExprParser::parse(Rule::program, &text)
        };
        match (parse_program(&text), whole) {
            (Ok(program), Ok(_)) => {
                for e in &program.exprs {
                    let s = e.span();
                    prop_assert!(s.start <= s.end && s.end <= text.len());
                    prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                }
            }
            (Err(e), Ok(_)) => prop_assert!(
                matches!(e.kind, ErrorKind::BadNumber(_) | ErrorKind::NumberOverflow(_) | ErrorKind::Empty),
                "{text:?}: {e:?}"
            ),
            (Err(e), Err(pest_error)) => {
                let at = match pest_error.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((s, _)) => s,
                };
                let span = e.span.ok_or_else(|| TestCaseError::fail(format!("{text:?}: no span")))?;
                prop_assert_eq!(span.start, at, "{:?}: {:?}", text, e);
                prop_assert!(span.end <= text.len() && text.is_char_boundary(span.end));
            }
            (Ok(_), Err(e)) => prop_assert!(false, "{text:?}: the program rule fails: {e}"),
        }
    }
}
