//! The command line through the real binary: the language, the conventions,
//! the output formats, and bad input with its exit code and message.

mod common;
use common::{assert_contains, assert_fails, json, node, num, run, run_with_stdin, value};

/// `values!(name, expr, at, expected)`: one test per line, as in jaq.
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
    constant_bindings: "x + y", "x=1/3,y=-pi/2" => 1.0 / 3.0 - std::f64::consts::FRAC_PI_2;
    program_with_semicolons: "a = 2*x; b = a^2; b + 1", "x=3" => 37.0;
    program_with_newlines_and_comments: "a = 2*x   # double\n\nb = a^2\n# result\nb + 1\n", "x=3" => 37.0;
    last_named_statement_is_the_output: "a = 2*x; b = a + 1", "x=3" => 7.0;
}

/// ∂f/∂v for every variable, from `--format json`.
#[track_caller]
fn gradient(expr: &str, at: &str) -> Vec<(String, f64)> {
    let out = json(expr, at);
    out["gradient"]
        .as_object()
        .expect("gradient")
        .iter()
        .map(|(k, v)| (k.clone(), num(v)))
        .collect()
}

#[track_caller]
fn assert_gradient(expr: &str, at: &str, want: &[(&str, f64)]) {
    let got = gradient(expr, at);
    let want: Vec<(String, f64)> = want.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(got, want, "{expr} at {at}");
}

#[test]
fn shared_subexpressions_are_one_node_whose_gradient_sums_the_uses() {
    let out = json("x*y + x*y", "x=3,y=5");
    let names: Vec<&str> = out["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert_eq!(names, ["x", "y", "g1", "f"]);
    assert_eq!(node(&out, "g1")["expr"], "x*y");
    assert_eq!(node(&out, "f")["expr"], "g1 + g1");
    assert_eq!(num(&node(&out, "g1")["grad"]), 2.0);
    assert_gradient("x*y + x*y", "x=3,y=5", &[("x", 10.0), ("y", 6.0)]);
}

#[test]
fn constants_are_folded_into_their_users() {
    let out = json("2*pi*x + (1/2)*y - -3", "x=1,y=2");
    let exprs: Vec<&str> = out["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["expr"].as_str())
        .collect();
    assert_eq!(
        exprs,
        ["x", "y", "(2*pi)*x", "(1/2)*y", "g1 + g2", "g3 - (-3)"]
    );
    let out = json("2^3^2", "");
    assert_eq!(out["nodes"].as_array().map(Vec::len), Some(1), "{out}");
    assert_eq!(num(&out["value"]), 512.0);
}

#[test]
fn of_picks_another_statement() {
    let r = run(&[
        "z = w*x + b; yhat = σ(z); L = -ln(yhat)",
        "--of",
        "z",
        "--at",
        "w=2,x=3,b=1",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(out["output"], "z");
    assert_eq!(num(&out["value"]), 7.0);
    assert_eq!(
        out["nodes"].as_array().map(Vec::len),
        Some(5),
        "only what z uses: {out}"
    );
    let r = run(&["a = x; b = a", "--of", "c", "--at", "x=1"]);
    assert_fails(&r, 2, &["no node named `c`", "known: a, b"]);
}

#[test]
fn several_points() {
    let r = run(&["x^2", "--at", "x=1", "--at", "x=3", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let values: Vec<f64> = out
        .as_array()
        .expect("an array")
        .iter()
        .map(|p| num(&p["value"]))
        .collect();
    assert_eq!(values, [1.0, 9.0]);
    let r = run(&["x^2", "-a", "x=1", "-a", "x=3"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("at x=1\n") && r.stdout.contains("\nat x=3\n"),
        "{}",
        r.stdout
    );
    assert_contains(&r.stdout, &["∂f/∂x = 6"]);
}

#[test]
fn digits_round_for_display_only() {
    let r = run(&["sigmoid(x)", "--at", "x=2", "--digits", "4"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["f = 0.8808\n"]);
    let r = run(&["sigmoid(x)", "--at", "x=2", "--digits", "0"]);
    assert_fails(&r, 2, &["--digits"]);
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let always = run(&["x+1", "--at", "x=1", "--color", "always"]);
    assert!(always.stdout.contains("\u{1b}["), "{}", always.stdout);
    let never = run(&["x+1", "--at", "x=1", "--color", "never"]);
    assert!(!never.stdout.contains('\u{1b}'));
    // Not a terminal: auto means no colour.
    let auto = run(&["x+1", "--at", "x=1"]);
    assert!(!auto.stdout.contains('\u{1b}'));
    assert_eq!(auto.stdout, never.stdout);
}

#[test]
fn reads_the_program_from_stdin_and_files() {
    let r = run_with_stdin(&["-", "--at", "x=2"], Some(b"a = x^2\na + 1\n"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["f = 5"]);
    let r = run_with_stdin(&["-f", "-", "--at", "x=2"], Some(b"x*3"));
    assert_contains(&r.stdout, &["f = 6"]);
    let dir = std::env::temp_dir().join(format!("autograd-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("loss.txt");
    std::fs::write(&file, "z = w*x + b\nL = z^2\n").expect("write");
    let path = file.to_string_lossy().into_owned();
    let r = run(&["-f", &path, "--at", "w=1,x=2,b=3"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["L = 25"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unused_binding_is_a_warning() {
    let r = run(&["x+1", "--at", "x=1,w=2"]);
    assert_eq!(r.code, 0);
    assert_contains(
        &r.stderr,
        &["warning: `w` is bound by --at but the expression does not use it"],
    );
}

#[test]
fn deep_inputs_work() {
    let n = 20_000;
    let cases = [
        format!("{}x{}", "(".repeat(n), ")".repeat(n)),
        format!("{}x", "-".repeat(n)),
        format!("{}x{}", "sin(".repeat(n), ")".repeat(n)),
        vec!["x"; n].join("^"),
    ];
    for text in &cases {
        let r = run_with_stdin(
            &["-", "--at", "x=0.5", "--format", "json"],
            Some(text.as_bytes()),
        );
        assert_eq!(r.code, 0, "{}…: {}", &text[..20], r.stderr);
        let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        assert!(num(&out["value"]).is_finite());
    }
}

#[test]
fn nesting_past_the_limit_is_refused_with_the_limit_named() {
    let n = autograd::parse::MAX_DEPTH + 1;
    let text = format!("{}x{}", "(".repeat(n), ")".repeat(n));
    let r = run_with_stdin(&["-", "--at", "x=1"], Some(text.as_bytes()));
    assert_fails(&r, 2, &["nested more than 50000 levels deep"]);
}

#[test]
fn broken_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    // Far more output than a pipe holds (64 KiB).
    let terms: Vec<String> = (0..5_000).map(|i| format!("sin(x*{i})")).collect();
    let program = terms.join("+");
    let bin = assert_cmd::cargo::cargo_bin("autograd-cli");
    let mut child = Command::new(bin)
        .args([program.as_str(), "--at", "x=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    if let Some(out) = child.stdout.as_mut() {
        let _ = out.read_exact(&mut first);
    }
    drop(child.stdout.take());
    let status = child.wait().expect("wait");
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

// ---- bad input: exit code and message ----

#[test]
fn syntax_error_shows_the_line_and_a_caret() {
    let r = run(&["(2*x+*y)", "--at", "x=1,y=2"]);
    assert_fails(
        &r,
        2,
        &[
            "syntax error: expected an operand",
            "found `*`",
            "1 | (2*x+*y)\n  |      ^",
        ],
    );
    insta::assert_snapshot!(r.stderr);
}

#[test]
fn syntax_error_in_a_program_names_its_line() {
    let r = run(&["a = x + 1\nb = a *\nb", "--at", "x=1"]);
    assert_fails(&r, 2, &["--> expression:2:8", "2 | b = a *\n  |        ^"]);
}

#[test]
fn unclosed_parenthesis() {
    let r = run(&["(x+1", "--at", "x=1"]);
    assert_fails(
        &r,
        2,
        &["expected an operator or `)`", "one `(` not closed"],
    );
}

#[test]
fn two_names_side_by_side() {
    let r = run(&["x y", "--at", "x=1,y=1"]);
    assert_fails(&r, 2, &["found `y`", "write `*` between factors"]);
}

#[test]
fn bad_number() {
    let r = run(&["1.2.3*x", "--at", "x=1"]);
    assert_fails(&r, 2, &["`1.2.3` is not a number", "^^^^^"]);
}

#[test]
fn unknown_function_suggests_the_nearest() {
    let r = run(&["sine(x)", "--at", "x=1"]);
    assert_fails(&r, 2, &["unknown function `sine`", "did you mean `sin`?"]);
    let r = run(&["sigmod(x)", "--at", "x=1"]);
    assert_fails(&r, 2, &["did you mean `sigmoid`?"]);
    insta::assert_snapshot!(r.stderr);
}

#[test]
fn wrong_arity_names_the_function_and_its_arity() {
    assert_fails(
        &run(&["sin(x, 2)", "--at", "x=1"]),
        2,
        &["`sin` takes 1 argument, but 2 were given"],
    );
    assert_fails(
        &run(&["max(x)", "--at", "x=1"]),
        2,
        &["`max` takes 2 or more arguments, but 1 was given"],
    );
    assert_fails(
        &run(&["log(x, 2, 3)", "--at", "x=1"]),
        2,
        &["`log` takes 1 or 2 arguments, but 3 were given"],
    );
}

#[test]
fn missing_bindings_are_named_together_with_the_fix() {
    let r = run(&["(2*x+y^2)*z^3", "--at", "x=4"]);
    assert_fails(&r, 2, &["no value for `y` and `z`", "--at x=4,y=…,z=…"]);
    let r = run(&["x*y"]);
    assert_fails(&r, 2, &["no value for `x` and `y`"]);
}

#[test]
fn non_finite_value_names_the_node_operation_and_input() {
    let r = run(&["ln(x - 2)", "--at", "x=1"]);
    assert_fails(
        &r,
        3,
        &[
            "f = ln(g1): ln is undefined at -1 (needs x > 0)",
            "--allow-nonfinite",
        ],
    );
    assert_fails(
        &run(&["1/x", "--at", "x=0"]),
        3,
        &["f = 1/x: division by zero"],
    );
    assert_fails(
        &run(&["sqrt(x)", "--at", "x=-4"]),
        3,
        &["sqrt is undefined at -4 (needs x ≥ 0)"],
    );
    assert_fails(
        &run(&["exp(x)", "--at", "x=1000"]),
        3,
        &["exp overflows at 1000"],
    );
    assert_fails(
        &run(&["asin(x)", "--at", "x=2"]),
        3,
        &["asin is undefined at 2 (needs -1 ≤ x ≤ 1)"],
    );
    assert_fails(
        &run(&["x^(1/3)", "--at", "x=-8"]),
        3,
        &["a negative base needs an integer exponent"],
    );
    assert_fails(&run(&["ln(0)"]), 3, &["ln(0) is -infinity"]);
}

#[test]
fn allow_nonfinite_keeps_going() {
    let r = run(&["ln(x)", "--at", "x=-1", "--allow-nonfinite"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["f = NaN"]);
    assert_contains(&r.stderr, &["warning: f is NaN: ln is undefined at -1"]);
}

#[test]
fn names_that_cannot_be_used() {
    assert_fails(
        &run(&["pi = 3; pi*x", "--at", "x=1"]),
        2,
        &["`pi` is a constant"],
    );
    assert_fails(
        &run(&["x*2", "--at", "pi=3,x=1"]),
        2,
        &["`pi` is a constant"],
    );
    assert_fails(
        &run(&["sin = 3; x", "--at", "x=1"]),
        2,
        &["`sin` is a function name"],
    );
    assert_fails(
        &run(&["sin*2", "--at", "x=1"]),
        2,
        &["`sin` is a function: call it with parentheses"],
    );
    assert_fails(
        &run(&["a = x; a = 2*x; a", "--at", "x=1"]),
        2,
        &["`a` is defined twice"],
    );
    assert_fails(
        &run(&["a = b*2; b = x; a", "--at", "x=1"]),
        2,
        &["`b` is used before it is defined"],
    );
    assert_fails(
        &run(&["x = 3; x*2", "--at", "x=1"]),
        2,
        &["`x` is given a value with --at"],
    );
    assert_fails(
        &run(&["x*2; y = x", "--at", "x=1"]),
        2,
        &["only the last statement may be a bare expression"],
    );
}

#[test]
fn bad_bindings() {
    for (at, needle) in [
        ("x", "no `=`"),
        ("x=", "no value after `=`"),
        ("=3", "no variable name"),
        ("x=abc", "`abc` is not a constant"),
        ("x=1,x=2", "`x` is given twice"),
        ("x=1,,y=2", "empty binding"),
        ("x=1/0", "division by zero"),
    ] {
        let r = run(&["x+1", "--at", at]);
        assert_fails(&r, 2, &[needle, "--> --at:1:"]);
    }
}

#[test]
fn bad_files_and_usage() {
    assert_fails(
        &run(&["-f", "/nonexistent/loss.txt"]),
        2,
        &["cannot read `/nonexistent/loss.txt`"],
    );
    assert_fails(&run(&["-f", "/"]), 2, &["cannot read `/`"]);
    assert_fails(
        &run_with_stdin(&["-", "--at", "x=1"], Some(b"x\xff+1")),
        2,
        &["not UTF-8"],
    );
    assert_fails(
        &run_with_stdin(&["-", "--at", "x=1"], Some(b"x+\x001")),
        2,
        &["NUL byte"],
    );
    assert_fails(&run(&["", "--at", "x=1"]), 2, &["the program is empty"]);
    assert_fails(
        &run(&["  # only a comment", "--at", "x=1"]),
        2,
        &["the program is empty"],
    );
    assert_fails(&run(&[]), 2, &["Usage"]);
    assert_fails(
        &run(&["x", "--format", "yaml"]),
        2,
        &["invalid value 'yaml'"],
    );
    assert_fails(&run(&["x", "-f", "a.txt"]), 2, &["cannot be used with"]);
}

#[test]
fn help_and_version() {
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("--at") && r.stdout.contains("Examples:"),
        "{}",
        r.stdout
    );
    let r = run(&["--version"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("autograd-cli "), "{}", r.stdout);
}
