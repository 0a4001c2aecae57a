//! The command line through the real binary: sharing, folding, `--of`,
//! several points, display options, stdin and files, deep inputs, pipes,
//! and the look of errors (snapshots). Bad input case by case is in
//! `catalogue.rs`; the language's values in `values.rs`.

mod common;
use common::{assert_contains, assert_fails, json, node, num, run, run_with_stdin};

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
fn broken_pipe_ends_quietly() {
    // Far more output than a pipe holds (64 KiB).
    let terms: Vec<String> = (0..5_000).map(|i| format!("sin(x*{i})")).collect();
    let args = [terms.join("+"), "--at".into(), "x=1".into()];
    let (code, err) = common::run_closing_stdout_early(&args);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

/// `… --expect … | head -1` under `set -o pipefail`: the reader leaves after
/// one line, and the exit code must still be the verdict of every check.
#[test]
fn the_exit_code_is_the_verdict_even_when_stdout_closes_early() {
    let mut args = vec!["x^2".to_string()];
    // Many points, so the output outgrows the pipe and the reader leaves early.
    for i in 0..3_000 {
        args.extend(["--at".to_string(), format!("x={i}")]);
    }
    args.extend(["--expect".to_string(), "f=0".to_string()]);
    let (code, err) = common::run_closing_stdout_early(&args);
    assert_eq!(code, Some(1), "every check but x=0 fails: {err}");
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
fn unknown_function_suggests_the_nearest() {
    let r = run(&["sine(x)", "--at", "x=1"]);
    assert_fails(&r, 2, &["unknown function `sine`", "did you mean `sin`?"]);
    let r = run(&["sigmod(x)", "--at", "x=1"]);
    assert_fails(&r, 2, &["did you mean `sigmoid`?"]);
    insta::assert_snapshot!(r.stderr);
}

#[test]
fn allow_nonfinite_keeps_going() {
    let r = run(&["ln(x)", "--at", "x=-1", "--allow-nonfinite"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["f = NaN"]);
    assert_contains(&r.stderr, &["warning: f is NaN: ln is undefined at x = -1"]);
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

/// Messages that say what is allowed and which convention was used:
/// (arguments, exit code, what the output or the error must say).
#[test]
fn messages_name_what_applies() {
    let cases: &[(&[&str], i32, &[&str])] = &[
        (
            &["x^y", "--at", "x=-2,y=0.5"],
            3,
            &["((-2)^0.5 is not a real number)"],
        ),
        (
            &["x^2", "--at", "x=1", "--expect", "dg/dx=1"],
            2,
            &["gradients are of `f` (write df/dNODE)"],
        ),
        (
            &["relu(x)*y", "--at", "x=0,y=2", "--explain"],
            0,
            &["g1 is at its kink: at 0 the derivative is taken as 0, as PyTorch does"],
        ),
        (
            &["max(x, y)", "--at", "x=1,y=1", "--explain"],
            0,
            &["f is at its kink: tied arguments share the gradient equally, as PyTorch does"],
        ),
        (
            &["relu(x)", "--at", "x=0", "--gradcheck"],
            0,
            &["no variable compared: each sits at a kink"],
        ),
        (
            &["x", "--at", "x=1", "--tol", "1e-3"],
            0,
            &["warning: --tol is the tolerance of --expect and --gradcheck; neither is given"],
        ),
        (
            &["x", "--at", "x=1", "--digits", "3", "--format", "json"],
            0,
            &["warning: --digits rounds the table"],
        ),
        (
            &["x", "--at", "x=1", "--sig", "3"],
            0,
            &["warning: --sig is the precision asked of --expect"],
        ),
        (
            &["x^2", "--at", "x=1", "--at", "x=2", "--format", "dot"],
            0,
            &[
                "label=\"at x=1\"; labelloc=t;",
                "label=\"at x=2\"; labelloc=t;",
            ],
        ),
        (
            &["x^2", "--at", "x=1", "--at", "x=2", "--format", "mermaid"],
            0,
            &[
                "---\ntitle: \"at x=1\"\n---\nflowchart LR\n",
                "\n\n---\ntitle: \"at x=2\"\n---\nflowchart LR\n",
            ],
        ),
        (
            &["x/3", "--at", "x=1", "--digits", "3", "--format", "mermaid"],
            0,
            &["value 0.333<br/>"],
        ),
    ];
    for (args, code, needles) in cases {
        let r = run(args);
        assert_eq!(r.code, *code, "{args:?}: {}{}", r.stdout, r.stderr);
        assert_contains(&format!("{}{}", r.stdout, r.stderr), needles);
    }
}

/// Text pasted from slides, chat or a Windows editor reads as typed.
#[test]
fn pasted_text_reads_as_typed() {
    // `ŷ` decomposed (y + U+0302) in the expression, composed in --at.
    let r = run(&["2*y\u{302}", "--at", "ŷ=3", "--format", "csv"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "ŷ,f,df/dŷ\n3,6,2\n"),
        "{}",
        r.stderr
    );
    let r = run_with_stdin(
        &["2*ŷ", "--points", "-", "--format", "csv"],
        Some("y\u{302}\n3\n".as_bytes()),
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "ŷ,f,df/dŷ\n3,6,2\n"),
        "{}",
        r.stderr
    );
    // A byte-order mark before a program file.
    let dir = std::env::temp_dir().join(format!("autograd-cli-bom-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("bom.txt");
    let _ = std::fs::write(&path, b"\xEF\xBB\xBFx^2\n");
    let path = path.to_string_lossy().into_owned();
    let r = run(&["-f", &path, "--at", "x=3", "--format", "csv"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "x,f,df/dx\n3,9,6\n"),
        "{}",
        r.stderr
    );
}

/// logsigmoid and log1p through every engine: many points (the batch
/// engine) give what one point at a time gives, bit for bit, out in the
/// tails too; `--symbolic` writes their derivatives σ(-x) and 1/(1 + y).
#[test]
fn logsigmoid_and_log1p_in_batches_and_formulas() {
    let expr = "logsigmoid(x) + log1p(y)";
    let rows = [
        ("-800", "0.5"),
        ("1.5", "1e-17"),
        ("30", "-0.5"),
        ("0", "0"),
    ];
    let csv: String = std::iter::once("x,y".to_string())
        .chain(rows.iter().map(|(x, y)| format!("{x},{y}")))
        .collect::<Vec<_>>()
        .join("\n");
    let r = run_with_stdin(
        &[expr, "--points", "-", "--format", "csv"],
        Some(csv.as_bytes()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().skip(1).collect();
    assert_eq!(lines.len(), rows.len());
    for (line, (x, y)) in lines.iter().zip(rows) {
        let one = json(expr, &format!("x={x},y={y}"));
        let cells: Vec<f64> = line
            .split(',')
            .map(|c| c.parse().unwrap_or(f64::NAN))
            .collect();
        assert_eq!(
            cells[2],
            one["value"].as_f64().unwrap_or(f64::NAN),
            "{line}"
        );
        assert_eq!(
            cells[3],
            one["gradient"]["x"].as_f64().unwrap_or(f64::NAN),
            "{line}"
        );
        assert_eq!(
            cells[4],
            one["gradient"]["y"].as_f64().unwrap_or(f64::NAN),
            "{line}"
        );
    }
    assert!(
        lines[0].starts_with("-800,0.5,-799.5945348918918,1,"),
        "{}",
        lines[0]
    );
    let r = run(&[expr, "--symbolic"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["∂f/∂x = sigmoid(-x)", "∂f/∂y = 1/(1 + y)"]);
    let r = run(&[expr, "--symbolic", "--format", "latex"]);
    assert_contains(&r.stdout, &["\\sigma\\left(-x\\right)", "\\frac{1}{1 + y}"]);
    // Outside log1p's domain: the error names it, as for ln.
    let r = run(&["log1p(y - 3)", "--at", "y=1"]);
    assert_fails(
        &r,
        3,
        &["log1p is undefined at y - 3 = -2 (needs y - 3 > -1)"],
    );
}
