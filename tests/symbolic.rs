//! `--symbolic`, `--inline`, `--hessian`, `--format latex` and `--explain
//! --symbolic` through the real binary: the lecture's forms exactly, sizes
//! against SymPy, kinks, errors and exit codes.

mod common;
use common::run;
use serde_json::Value;

const LOSS: &str = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
const LECTURE: &str = "(2*x+y^2)*z^3";

fn lines(args: &[&str]) -> Vec<String> {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.stdout.lines().map(str::to_string).collect()
}

#[test]
fn the_lectures_expression_as_formulas() {
    assert_eq!(
        lines(&[LECTURE, "--symbolic"]),
        [
            "∂f/∂x = 2*z^3",
            "∂f/∂y = 2*y*z^3",
            "∂f/∂z = 3*z^2*(2*x + y^2)"
        ]
    );
    assert_eq!(
        lines(&[LECTURE, "--symbolic", "--at", "x=4,y=3,z=2"]),
        [
            "∂f/∂x = 2*z^3 = 16",
            "∂f/∂y = 2*y*z^3 = 48",
            "∂f/∂z = 3*z^2*(2*x + y^2) = 204"
        ]
    );
}

#[test]
fn the_lectures_loss_names_its_steps() {
    let out = lines(&[LOSS, "--symbolic"]);
    for want in [
        "z = w*x + b",
        "yhat = sigmoid(z)",
        "∂L/∂w = x*(yhat - y)",
        "∂L/∂b = yhat - y",
    ] {
        assert!(out.iter().any(|l| l == want), "{want} in {out:?}");
    }
    let inline = lines(&[LOSS, "--symbolic", "--inline"]);
    assert!(
        inline.contains(&"∂L/∂w = x*(sigmoid(w*x + b) - y)".to_string()),
        "{inline:?}"
    );
    assert!(!inline.iter().any(|l| l.contains("yhat")), "{inline:?}");
}

#[test]
fn json_has_the_specs_shape() {
    let r = run(&[LOSS, "--symbolic", "--hessian", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["output"], "L");
    assert_eq!(v["steps"]["z"], "w*x + b");
    assert_eq!(v["gradient"]["w"], "x*(yhat - y)");
    assert_eq!(v["gradient"]["b"], "yhat - y");
    assert_eq!(v["hessian"]["b"]["b"], "yhat*(1 - yhat)");
    // The steps stay shorthand in second derivatives too.
    assert_eq!(v["hessian"]["w"]["w"], "x^2*yhat*(1 - yhat)");
    assert_eq!(v["hessian"]["w"]["x"], "w*x*yhat*(1 - yhat) + yhat - y");
    assert_eq!(v["hessian"]["y"]["y"], "0");
}

/// The formulas of `--symbolic --format json`, fed back after the steps as a
/// program, give the engine's own gradient (its table at the same point).
#[test]
fn printed_formulas_read_back_through_the_binary() {
    let at = "w=0.5,b=1,x=2,y=1";
    let r = run(&[LOSS, "--symbolic", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let steps: Vec<String> = v["steps"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, e)| format!("{k} = {}", e.as_str().unwrap()))
        .collect();
    let engine = common::json(LOSS, at);
    for (var, formula) in v["gradient"].as_object().unwrap() {
        let program = format!("{}\nd = {}", steps.join("\n"), formula.as_str().unwrap());
        let r = run(&[&program, "--of", "d", "--at", at, "--format", "json"]);
        assert_eq!(r.code, 0, "{program}: {}", r.stderr);
        let back: Value = serde_json::from_str(&r.stdout).unwrap();
        let (got, want) = (
            common::num(&back["value"]),
            common::num(&engine["gradient"][var]),
        );
        assert!((got - want).abs() <= 1e-12, "{var}: {got} vs {want}");
    }
}

#[test]
fn hessian_at_the_point() {
    let out = lines(&[LECTURE, "--hessian", "--at", "x=4,y=3,z=2"]);
    assert_eq!(
        out[out.len() - 4..],
        [
            "∂²f  x   y   z",
            "x    0   0   24",
            "y    0   16  72",
            "z    24  72  204"
        ]
    );
    let r = run(&[
        LECTURE,
        "--hessian",
        "--at",
        "x=4,y=3,z=2",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["hessian"]["y"]["z"], 72.0);
    assert_eq!(v["hessian"]["z"]["y"], 72.0);
    assert_eq!(v["gradient"]["z"], 204.0);
}

#[test]
fn second_derivative_targets_are_checked() {
    let r = run(&[
        LECTURE,
        "--hessian",
        "--at",
        "x=4,y=3,z=2",
        "--expect",
        "d2f/dy2=16, d2f/dydz=72, ∂²f/∂z²=204",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout.matches("passed").count(), 3, "{}", r.stdout);
    let r = run(&[
        LECTURE,
        "--hessian",
        "--at",
        "x=4,y=3,z=2",
        "--expect",
        "d2f/dxdz=25",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("FAILED d2f/dxdz: expected 25, got 24"),
        "{}",
        r.stdout
    );
    let r = run(&[
        LECTURE,
        "--hessian",
        "--at",
        "x=4,y=3,z=2",
        "--expect",
        "d2f/dqdx=1",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("d2f/dx2 or d2f/dxdy"), "{}", r.stderr);
}

#[test]
fn kinks_follow_pytorch() {
    for (expr, at, want) in [
        ("relu(x)", "x=0", "∂f/∂x = step(x) = 0"),
        ("relu(x)", "x=2", "∂f/∂x = step(x) = 1"),
        ("abs(x)", "x=0", "∂f/∂x = sign(x) = 0"),
        ("abs(x)", "x=-3", "∂f/∂x = sign(x) = -1"),
        ("max(x, y)", "x=1,y=1", "∂f/∂x = (1 + sign(x - y))/2 = 0.5"),
        ("min(x, y)", "x=1,y=2", "∂f/∂x = (1 + sign(y - x))/2 = 1"),
        ("max(x, y, z)", "x=1,y=1,z=0", "∂f/∂z = (1 - sign(max(x, y, z) - z))/(3 - sign(max(x, y, z) - x) - sign(max(x, y, z) - y) - sign(max(x, y, z) - z)) = 0"),
    ] {
        let out = lines(&[expr, "--symbolic", "--at", at]);
        assert!(out.iter().any(|l| l == want), "{expr} at {at}: {out:?}");
    }
    let out = lines(&["max(x, y, z)", "--symbolic", "--at", "x=1,y=1,z=0"]);
    assert!(out[0].ends_with(" = 0.5"), "{out:?}");
    // Second derivatives through a kink are 0, as PyTorch's double backward.
    let out = lines(&["relu(x)*x", "--hessian", "--at", "x=2"]);
    assert_eq!(out.last().unwrap(), "x    2");
}

#[test]
fn step_and_sign_are_functions_of_the_language() {
    for (expr, at, value) in [
        ("step(x)", "x=0", 0.0),
        ("step(x)", "x=0.5", 1.0),
        ("step(x)", "x=-2", 0.0),
        ("sign(x)", "x=-2", -1.0),
        ("sign(x)", "x=0", 0.0),
        ("sign(x)", "x=3", 1.0),
    ] {
        let v = common::json(expr, at);
        assert_eq!(common::num(&v["value"]), value, "{expr} at {at}");
        assert_eq!(common::num(&v["gradient"]["x"]), 0.0, "{expr} at {at}");
    }
}

#[test]
fn latex_is_slide_ready() {
    let out = lines(&[LOSS, "--format", "latex"]);
    let text = out.join("\n");
    assert!(text.starts_with("\\begin{aligned}"), "{text}");
    assert!(
        text.contains("\\hat{y} &= \\sigma\\left(z\\right)"),
        "{text}"
    );
    assert!(
        text.contains("\\frac{\\partial L}{\\partial w} &= x \\left(\\hat{y} - y\\right)"),
        "{text}"
    );
    assert!(text.ends_with("\\end{aligned}"), "{text}");
}

/// Exact constants reach the slide as fractions, never as float digits:
/// `\frac{7}{30}` goes over the factors' numerator, an exponent stays
/// inline (`x^{2/3}`), a sum after a number keeps its parentheses.
#[test]
fn latex_writes_fractions() {
    let cases = [
        (
            "y = 0.7*tanh(x/3)",
            "\\frac{\\partial y}{\\partial x} &= \\frac{7\\,\\left(1 - {\\tanh\\left(\\frac{x}{3}\\right)}^{2}\\right)}{30}",
        ),
        ("y = x^(1/3)", "\\frac{\\partial y}{\\partial x} &= \\frac{1}{3\\,{x}^{2/3}}"),
        ("y = 0.5*(x+1)/(x-1)", "y &= \\frac{0.5\\,\\left(1 + x\\right)}{x - 1}"),
        ("y = x/7 - 1/3", "y &= \\frac{3\\,x - 7}{21}"),
    ];
    for (program, line) in cases {
        let text = lines(&[program, "--format", "latex"]).join("\n");
        assert!(text.contains(line), "{program}:\n{text}");
        assert!(!text.contains("333"), "{program}:\n{text}");
    }
}

#[test]
fn explain_writes_the_chain_rule() {
    let out = lines(&[LOSS, "--symbolic", "--explain"]);
    assert!(
        out.contains(
            &"∂L/∂z = ∂L/∂yhat · ∂yhat/∂z = ∂L/∂yhat · yhat*(1 - yhat) = yhat - y".to_string()
        ),
        "{out:?}"
    );
}

/// With named steps, σ nested eight deep has a gradient that grows by a
/// constant with each level (SymPy, without `cse`, prints 539 operations).
#[test]
fn nested_sigmoid_stays_linear() {
    let mut sizes = Vec::new();
    for depth in 1..=8 {
        let mut program = String::from("s1 = σ(x)");
        for k in 2..=depth {
            program.push_str(&format!("; s{k} = σ(s{})", k - 1));
        }
        let out = lines(&[&program, "--symbolic"]);
        let formula = out.last().unwrap().split(" = ").nth(1).unwrap().to_string();
        sizes.push(autograd::symbolic::print::count_ops(&formula));
    }
    let steps: Vec<usize> = sizes.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(steps.iter().all(|&s| s == steps[0]), "{sizes:?}");
    assert!(sizes[7] < 539 / 10, "{sizes:?}");
}

#[test]
fn refused_combinations_are_usage_errors() {
    for args in [
        vec![LECTURE, "--inline"],
        vec![LECTURE, "--hessian"],
        vec![LECTURE, "--symbolic", "--format", "csv"],
        vec![LECTURE, "--symbolic", "--format", "svg"],
        vec![LECTURE, "--symbolic", "--format", "mermaid"],
        vec![
            "p = x*y; q = x + y",
            "--symbolic",
            "--of",
            "p,q",
            "--format",
            "latex",
        ],
        vec![
            "p = x*y; q = x + y",
            "--symbolic",
            "--of",
            "p,q",
            "--explain",
        ],
        vec![LECTURE, "--symbolic", "--gradcheck", "--at", "x=1,y=1,z=1"],
        vec![LECTURE, "--symbolic", "--points", "p.csv"],
        vec![LECTURE, "--symbolic", "--expect", "df/dx=1"],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("error:"), "{args:?}: {}", r.stderr);
    }
}

/// `--of p1,p2` with `--symbolic` and `--hessian`: each output's formulas
/// in a block of its own (JSON: `outputs`), every check to the output its
/// target names; one failed check makes the exit code 1.
#[test]
fn several_outputs_get_their_formulas() {
    let program = "h = x*y; p1 = h^2; p2 = sin(h) + x";
    let r = run(&[program, "--of", "p1,p2", "--symbolic", "--at", "x=1,y=2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (first, second) = r.stdout.split_once("\noutput p2:\n").expect("two blocks");
    assert!(first.starts_with("output p1:\n"), "{}", r.stdout);
    assert!(first.contains("∂p1/∂x = 2*y*h = 8\n"), "{}", r.stdout);
    assert!(
        second.contains("∂p2/∂y = x*cos(h) = -0.4161468365471424\n"),
        "{}",
        r.stdout
    );
    let r = run(&[
        program,
        "--of",
        "p1,p2",
        "--hessian",
        "--at",
        "x=1,y=2",
        "--expect",
        "d2p1/dx2=8, d2p2/dxdy=1",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("passed d2p1/dx2: expected 8, got 8\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("FAILED d2p2/dxdy: expected 1, got -2.234741690198506\n"),
        "{}",
        r.stdout
    );
    let r = run(&[
        program,
        "--of",
        "p1,p2",
        "--symbolic",
        "--hessian",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(doc["outputs"][0]["output"], "p1");
    assert_eq!(doc["outputs"][1]["gradient"]["x"], "1 + y*cos(h)");
    assert!(
        doc["outputs"][1]["hessian"]["x"]["y"].is_string(),
        "{}",
        r.stdout
    );
    let r = run(&[
        program,
        "--of",
        "p1,p2",
        "--hessian",
        "--at",
        "x=1,y=2",
        "--expect",
        "d2q/dx2=8",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("a second derivative names its output: d2p1/dx2 (the outputs: p1, p2)"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_input_keeps_its_caret_and_code() {
    let r = run(&["2*x +", "--symbolic"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains('^'), "{}", r.stderr);
    let r = run(&[LECTURE, "--symbolic", "--at", "x=1"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no value for `y` and `z`"),
        "{}",
        r.stderr
    );
    let r = run(&["ln(x)", "--symbolic", "--at", "x=-1"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
}

/// The lecturer's table (tests/symbolic/lecturer.tsv: expression, variable,
/// formula, source): `--symbolic` prints exactly that formula, as text.
#[test]
fn lecturer_table() {
    let text = std::fs::read_to_string("tests/symbolic/lecturer.tsv").unwrap();
    let mut rows = 0;
    let mut wrong = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "{line}");
        let (expr, v, want) = (cols[0], cols[1], cols[2]);
        assert!(!cols[3].trim().is_empty(), "no source: {line}");
        rows += 1;
        let r = run(&[expr, "--symbolic"]);
        assert_eq!(r.code, 0, "{expr}: {}", r.stderr);
        let label = format!("/∂{v} = ");
        let got = r
            .stdout
            .lines()
            .find(|l| l.starts_with('∂') && l.contains(&label))
            .and_then(|l| l.split_once(" = "))
            .map(|(_, f)| f.to_string());
        if got.as_deref() != Some(want) {
            wrong.push(format!("{expr} ∂/∂{v}: {got:?}, want {want}"));
        }
    }
    assert!(rows >= 60, "{rows} rows");
    assert!(
        wrong.is_empty(),
        "{} of {rows}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
