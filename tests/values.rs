//! The language's values (README, "The language"): precedence, implicit
//! multiplication, aliases, functions and programs, each a line of a table
//! evaluated in-process: parse → lower → bind → forward.

use autograd::{bindings, parse, Graph};

/// The output's value of `expr` at `at` (`""`: no bindings).
#[track_caller]
fn value(expr: &str, at: &str) -> f64 {
    let graph = parse::parse_program(expr)
        .and_then(|p| Graph::lower(p, None))
        .unwrap_or_else(|e| panic!("{}", e.render(expr, "expression")));
    let bound = if at.is_empty() {
        Vec::new()
    } else {
        bindings::parse(at).unwrap_or_else(|e| panic!("{}", e.render(at, "--at")))
    };
    let point =
        bindings::resolve(&graph, &bound).unwrap_or_else(|e| panic!("{}", e.render(at, "--at")));
    let e = graph
        .evaluate(&point.values, true)
        .unwrap_or_else(|e| panic!("{}", e.render(expr, "expression")));
    e.values[graph.output() as usize]
}

/// `values!(name, expr, at, expected)`: one test per line, as in jaq's
/// `give`, run in-process through the library.
macro_rules! values {
    ($($name:ident: $expr:expr, $at:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let got = value($expr, $at);
            let want: f64 = $want;
            assert!(
                got == want || (got - want).abs() <= 1e-12 * want.abs(),
                "{} at {}: got {got}, want {want}", $expr, $at
            );
        }
    )*};
}

values! {
    unary_minus_is_looser_than_power: "-x^2", "x=3" => -9.0;
    power_is_right_associative: "2^3^2", "" => 512.0;
    a_sign_may_start_an_exponent: "2^-1", "" => 0.5;
    a_signed_exponent_binds_its_power: "2^-x^2", "x=1" => 0.5;
    double_star_is_power: "x**3", "x=2" => 8.0;
    division_is_left_associative: "x/y/z", "x=8,y=2,z=2" => 2.0;
    minus_is_left_associative: "x-y-z", "x=8,y=2,z=2" => 4.0;
    implicit_multiplication_has_the_level_of_times: "1/2x", "x=4" => 2.0;
    number_name: "2x", "x=3" => 6.0;
    number_paren: "3(x+1)", "x=1" => 6.0;
    paren_paren: "(x+1)(x-1)", "x=3" => 8.0;
    number_call: "2sin(x)", "x=0.5" => 2.0 * 0.5f64.sin();
    number_paren_paren: "2(x)(x+1)", "x=3" => 24.0;
    number_then_power: "2x^2", "x=3" => 18.0;
    number_with_space_then_name: "2 x", "x=3" => 6.0;
    two_letters_are_one_name: "xy + 1", "xy=2" => 3.0;
    number_e_is_times_e: "2e", "" => 2.0 * std::f64::consts::E;
    exponent_notation: "2.5E+4 + 1e-3 + .5", "" => 25000.501;
    pi_and_its_letter: "pi - π + 2pi", "" => 2.0 * std::f64::consts::PI;
    middle_dot_and_times: "2·x × 3", "x=2" => 12.0;
    division_sign_and_minus_sign: "6÷x − 1", "x=2" => 2.0;
    superscripts: "x² + y³", "x=3,y=2" => 17.0;
    superscript_binds_tighter_than_minus: "-x²", "x=3" => -9.0;
    superscript_digits_are_one_exponent: "x¹⁰ + x²³ - x⁰", "x=1.5" => 1.5f64.powi(10) + 1.5f64.powi(23) - 1.0;
    superscript_signs: "x⁻¹ + x⁺²", "x=4" => 16.25;
    superscript_minus_binds_its_power: "2x⁻²", "x=2" => 0.5;
    en_dash_is_minus: "x – 1 + –x", "x=3" => -1.0;
    no_break_spaces_are_spaces: "2\u{a0}x\u{202f}+\u{a0}1", "x=3" => 7.0;
    root_sign: "√x + √(x+5)", "x=4" => 5.0;
    root_takes_powers: "√x^2 + √x²", "x=-3" => 6.0;
    root_after_a_number: "2√x", "x=9" => 6.0;
    root_of_a_number_then_a_name: "√4x", "x=3" => 6.0;
    root_chain: "2√4√x", "x=16" => 16.0;
    root_under_a_sign: "-√x", "x=4" => -2.0;
    number_with_a_trailing_point: "2.*x + 1.", "x=3" => 7.0;
    unicode_names: "α*ŷ", "α=2,ŷ=0.25" => 0.5;
    sigma_alias: "σ(0) + sigmoid(0)", "" => 1.0;
    log_one_argument_is_ln: "log(e^2)", "" => 2.0;
    log_with_a_base: "log(8, 2) + log2(8) + log10(1000)", "" => 9.0;
    max_of_three: "max(x, 5, 3)", "x=1" => 5.0;
    min_of_two: "min(x, y)", "x=1,y=-2" => -2.0;
    pow_function: "pow(2, 10)", "" => 1024.0;
    trig: "sin(x)^2 + cos(x)^2", "x=0.7" => 1.0;
    inverse_trig: "asin(0.5) + acos(0.5) + atan(1)", "" => std::f64::consts::FRAC_PI_2 + std::f64::consts::FRAC_PI_4;
    hyperbolic: "cosh(x)^2 - sinh(x)^2 + tanh(0)", "x=0.3" => 1.0;
    roots_and_logs: "sqrt(x) + ln(exp(x)) + abs(-x)", "x=4" => 10.0;
    relu_softplus: "relu(x) + relu(-x) + softplus(0)", "x=3" => 3.0 + std::f64::consts::LN_2;
    logsigmoid_log1p: "logsigmoid(x) - ln(sigmoid(x)) + log1p(y) - ln(1 + y)", "x=1.5,y=0.25" => 0.0;
    logsigmoid_where_sigma_is_zero: "logsigmoid(x)", "x=-800" => -800.0;
    subscripts_are_part_of_a_name: "w₁*x + w₂*x₁₂ + 2w₁", "w₁=3,w₂=5,x=2,x₁₂=7" => 47.0;
    subscript_and_underscore_are_two_names: "w₁ - w_1 + xᵢ", "w₁=3,w_1=1,xᵢ=10" => 12.0;
    constant_bindings: "x + y", "x=1/3,y=-pi/2" => 1.0 / 3.0 - std::f64::consts::FRAC_PI_2;
    program_with_semicolons: "a = 2*x; b = a^2; b + 1", "x=3" => 37.0;
    program_with_newlines_and_comments: "a = 2*x   # double\n\nb = a^2\n# result\nb + 1\n", "x=3" => 37.0;
    last_named_statement_is_the_output: "a = 2*x; b = a + 1", "x=3" => 7.0;
}

/// Each node of the graph: name, op, definition.
fn nodes(expr: &str) -> Vec<(String, &'static str, String)> {
    let graph = parse::parse_program(expr)
        .and_then(|p| Graph::lower(p, None))
        .unwrap_or_else(|e| panic!("{}", e.render(expr, "expression")));
    graph
        .shown()
        .map(|id| {
            (
                graph.name(id).to_string(),
                graph.op_name(id),
                graph.definition(id),
            )
        })
        .collect()
}

/// `√` is `sqrt`: the same nodes, ops and definitions, so the same output.
#[test]
fn root_sign_is_the_sqrt_node() {
    for (root, call) in [
        ("√x", "sqrt(x)"),
        ("2√x + √(x+1)^2", "2sqrt(x) + sqrt((x+1)^2)"),
        ("a = √x; b = a*√a", "a = sqrt(x); b = a*sqrt(a)"),
    ] {
        let got = nodes(root);
        assert_eq!(got, nodes(call), "{root}");
        assert!(got.iter().any(|n| n.1 == "sqrt"), "{root}: {got:?}");
    }
}
