//! Formula answers in `--expect` (SPEC §6, "Formula answers") through the
//! real binary: every format, the slips named, per-row formulas, `--domain`,
//! and bad input.

mod common;
use common::{assert_contains, assert_fails, run, run_with_stdin};
use serde_json::Value;

const LECTURE: &str = "(2*x+y^2)*z^3";
const LOGISTIC: &str = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
const AT: &str = "w=0.5,b=1,x=2,y=1";

#[test]
fn the_lectures_formulas_pass() {
    let r = run(&[
        LOGISTIC,
        "--at",
        AT,
        "--expect",
        "dL/dyhat = -y/yhat + (1-y)/(1-yhat), dL/dz = yhat - y, dL/dw = x*(yhat - y), dL/db = yhat - y, yhat = σ(z)",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "passed  dL/dz     expected yhat - y",
            "actual -0.11920292202211769, and equal at every point compared\n",
            "checks: 5 of 5 correct\n",
        ],
    );
}

/// `w₁` and `w_1` are two names in a program and one in an answer: a
/// program written with subscripts is checked against answers typed
/// without, targets and formulas alike, and a wrong one still fails.
#[test]
fn subscripted_names_are_one_name_in_an_answer() {
    let program = "z = w₁*x₁ + w₂*x₂; L = (z - y)^2";
    let at = "w₁=0.5,x₁=2,w₂=-1,x₂=3,y=1";
    let r = run(&[
        program,
        "--at",
        at,
        "--expect",
        "dL/dw_1 = 2*(z - y)*x_1, dL/dw₂ = 2*(z - y)*x_2",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, &["checks: 2 of 2 correct\n"]);
    let r = run(&[program, "--at", at, "--expect", "dL/dw_1 = 2*(z - y)*x_2"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
}

/// Each row: the check, and what its failure says (the slip, then the
/// point and both values).
#[test]
fn a_failure_names_the_slip_and_shows_a_point() {
    for (check, needles) in [
        (
            "dL/dz = 2*(yhat - y)",
            &["twice the true value: at w=0.5, x=2, b=1, y=1, your formula gives -0.23840584404423537, the true value is -0.11920292202211769"][..],
        ),
        ("dL/dz = y - yhat", &["the sign is flipped: at w=0.5"][..]),
        ("dL/dw = yhat - y", &["missing a factor of x (this is ∂L/∂b, not ∂L/∂w): at"][..]),
        ("dL/dz = (yhat - y)/2", &["missing a factor of 2: at"][..]),
        ("dL/dw = x*(yhat - y)*yhat*(1 - yhat)", &["an extra factor of yhat*(1 - yhat) (σ′ twice): at"][..]),
        ("dL/dyhat = -1/yhat", &["right only where y = 1: is y 0 or 1? (--domain 'y=0|1'): at"][..]),
        ("dL/dz = yht - y", &["your formula depends on yht, which the problem does not have (did you mean `yhat`?): at w=0.5"][..]),
        ("dL/dw = w*x*(yhat - y)", &["an extra factor of w: at"][..]),
        ("dL/dw = -3*x*(yhat - y)", &["3 times the true value, and the sign is flipped: at"][..]),
        ("dL/dw = x*yhat", &["FAILED  dL/dw  expected x*yhat  right only where y = 0: is y 0 or 1? (--domain 'y=0|1'): at w=0.5, x=2, b=1, y=1, your formula gives 1.7615941559557646, the true value is -0.23840584404423537"][..]),
    ] {
        let r = run(&[LOGISTIC, "--at", AT, "--expect", check]);
        assert_eq!(r.code, 1, "{check}: {}{}", r.stdout, r.stderr);
        assert_contains(&r.stdout, needles);
    }
}

/// A formula right at the given point only is caught at the random points.
#[test]
fn random_points_catch_a_formula_right_at_one_point() {
    // At x=4, y=3, z=2: ∂f/∂z = 204 = 3*z^2*17, and 12*g4 = 204 too.
    let r = run(&[LECTURE, "--at", "x=4,y=3,z=2", "--expect", "df/dz = 12*g4"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_contains(&r.stdout, &["FAILED  df/dz  expected 12*g4  at x="]);
    assert!(!r.stdout.contains("at x=4, y=3, z=2,"), "{}", r.stdout);
}

#[test]
fn json_csv_summary_and_quiet_carry_the_verdicts() {
    let checks = "dL/dz = yhat - y, dL/dw = yhat - y";
    let r = run(&[LOGISTIC, "--at", AT, "--expect", checks, "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    let c = &v["checks"];
    assert_eq!(c[0]["formula"], "yhat - y");
    assert_eq!(c[0]["passed"], true);
    assert_eq!(c[0]["expected"], c[0]["actual"]);
    assert_eq!(c[1]["passed"], false);
    let reason = c[1]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("missing a factor of x (this is ∂L/∂b, not ∂L/∂w): at w=0.5"),
        "{reason}"
    );
    assert_eq!(v["passed"], false);

    let r = run(&[LOGISTIC, "--at", AT, "--expect", checks, "--format", "csv"]);
    assert_eq!(r.code, 1);
    assert_contains(
        &r.stdout,
        &["pass:dL/dz,pass:dL/dw,passed\n", ",true,false,false\n"],
    );

    let r = run(&[
        LOGISTIC,
        "--at",
        AT,
        "--at",
        "w=1,b=0,x=1,y=0",
        "--expect",
        "dL/dz = yhat - y",
        "--summary",
    ]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "checks: 2 of 2 points passed\n")
    );
    let r = run(&[LOGISTIC, "--at", AT, "--expect", checks, "--quiet"]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
}

#[test]
fn without_a_point_the_domain_decides() {
    let r = run(&[
        LECTURE,
        "--expect",
        "df/dz = 3*z^2*(2*x + y^2), df/dx = 2*z^3",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(&[
        "ln(x)",
        "--expect",
        "df/dx = 1/x",
        "--domain",
        "x=1..5",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    let x = v["gradient"]["x"]
        .as_f64()
        .map(|g| 1.0 / g)
        .unwrap_or_default();
    assert!(
        (1.0..=5.0).contains(&x),
        "the point shown is in the domain: {x}"
    );
    // y=0|1: the labels of a logistic loss.
    let r = run(&[
        LOGISTIC,
        "--expect",
        "dL/dw = x*(yhat - y)",
        "--domain",
        "y=0|1",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    // The same command, the same points.
    let again = run(&[
        LOGISTIC,
        "--expect",
        "dL/dw = x*(yhat - y)",
        "--domain",
        "y=0|1",
    ]);
    assert_eq!(r.stdout, again.stdout);
}

#[test]
fn too_few_usable_points_is_a_failure_that_says_so() {
    let r = run(&["ln(x)", "--at", "x=1", "--expect", "df/dx = sqrt(-x-1)"]);
    assert_eq!(r.code, 1);
    assert_contains(
        &r.stdout,
        &["your formula has no real value at any of the 21 points compared"],
    );
    // Undefined on [-2, 2]: the point given is the only one.
    let r = run(&[
        "sqrt(x-5)",
        "--at",
        "x=7",
        "--expect",
        "df/dx = 1/(2*sqrt(x-5))",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_contains(
        &r.stdout,
        &["too few points to compare: the true value is defined at only 1 (at least 10 are needed"],
    );
    let r = run(&[
        "sqrt(x-5)",
        "--at",
        "x=7",
        "--expect",
        "df/dx = 1/(2*sqrt(x-5))",
        "--domain",
        "x=5..9",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn rows_of_points_are_points_and_cells_may_be_formulas() {
    let csv = "student,w,b,x,y,ans\nann,0.5,1,2,1,x*(yhat - y)\nben,0.5,1,2,1,yhat - y\ncat,1,0,1,0,x*(yhat-y)\ndan,0.5,1,2,1,yht - y\neve,0.5,1,2,1,-0.2384\n";
    let r = run_with_stdin(
        &[
            LOGISTIC,
            "--points",
            "-",
            "--expect",
            "dL/dw = @ans, dL/dz = yhat - y",
            "--format",
            "json",
        ],
        Some(csv.as_bytes()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    let passed: Vec<bool> = (0..5)
        .map(|i| v[i]["checks"][0]["passed"] == true)
        .collect();
    assert_eq!(passed, [true, false, true, false, true]);
    assert!(v
        .as_array()
        .is_some_and(|a| a.iter().all(|p| p["checks"][1]["passed"] == true)));
    let dan = v[3]["checks"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        dan.contains("depends on yht, which the problem does not have")
            && dan.contains("did you mean `yhat`?"),
        "{dan}"
    );
}

#[test]
fn bad_formulas_and_domains_are_bad_input() {
    let r = run(&[LOGISTIC, "--at", AT, "--expect", "dL/dz = yht"]);
    assert_fails(
        &r,
        2,
        &[
            "no node named `yht`",
            "1 | dL/dz = yht\n  |         ^^^",
            "did you mean `yhat`?",
        ],
    );
    let r = run(&[LOGISTIC, "--at", AT, "--expect", "dL/dz = (yhat - y"]);
    assert_fails(&r, 2, &["--expect"]);
    let r = run(&["x*y", "--expect", "df/dx = y", "--domain", "x=1..2, q=0|1"]);
    assert_fails(
        &r,
        2,
        &[
            "`q` is not a variable of the program (its variables: x, y)",
            "--domain",
        ],
    );
    let r = run(&["x*y", "--expect", "df/dx = y", "--domain", "x=3..1"]);
    assert_fails(&r, 2, &["the range is empty"]);
    let r = run(&["x", "--at", "x=1", "--domain", "x=1..2"]);
    assert_eq!(r.code, 0);
    assert_contains(&r.stderr, &["warning: --domain is where formula answers"]);
}

// ---- several outputs: --of p1,p2,p3 ----

const SOFTMAX: &str =
    "e1 = exp(a1); e2 = exp(a2); e3 = exp(a3); s = e1 + e2 + e3; p1 = e1/s; p2 = e2/s; p3 = e3/s";

/// softmax(a) and its Jacobian in closed form: ∂p_i/∂a_j = p_i (δ_ij − p_j).
fn softmax(a: [f64; 3]) -> ([f64; 3], [[f64; 3]; 3]) {
    let m = a.iter().cloned().fold(f64::MIN, f64::max);
    let e = a.map(|x| (x - m).exp());
    let sum: f64 = e.iter().sum();
    let p = e.map(|x| x / sum);
    let mut jac = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            jac[i][j] = p[i] * (f64::from(u8::from(i == j)) - p[j]);
        }
    }
    (p, jac)
}

#[test]
fn the_softmax_jacobian_matches_its_closed_form() {
    let points = [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.5, 0.25, 2.0]];
    let at: Vec<String> = points
        .iter()
        .map(|a| format!("a1={},a2={},a3={}", a[0], a[1], a[2]))
        .collect();
    let mut args = vec![SOFTMAX, "--of", "p1,p2,p3", "--format", "json"];
    for a in &at {
        args.extend(["--at", a.as_str()]);
    }
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    for (k, a) in points.iter().enumerate() {
        let (p, jac) = softmax(*a);
        let outputs = v[k]["outputs"].as_array().cloned().unwrap_or_default();
        assert_eq!(outputs.len(), 3, "{}", r.stdout);
        for (i, o) in outputs.iter().enumerate() {
            assert_eq!(o["output"], format!("p{}", i + 1));
            let close = |x: &Value, want: f64| {
                let x = x.as_f64().unwrap_or(f64::NAN);
                (x - want).abs() <= 1e-12 * want.abs().max(1e-3)
            };
            assert!(
                close(&o["value"], p[i]),
                "p{} at {a:?}: {}",
                i + 1,
                o["value"]
            );
            for j in 0..3 {
                let g = &o["gradient"][format!("a{}", j + 1)];
                assert!(
                    close(g, jac[i][j]),
                    "∂p{}/∂a{} at {a:?}: {g} vs {}",
                    i + 1,
                    j + 1,
                    jac[i][j]
                );
            }
        }
    }
}

#[test]
fn several_outputs_in_the_table_csv_dot_and_mermaid() {
    let at = ["--at", "a1=1,a2=2,a3=3"];
    let r = run(&[SOFTMAX, "--of", "p1, p2", at[0], at[1]]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "output p1:\nnode  op",
            "∂p1/∂a1 = 0.08192506906499324\n",
            "\noutput p2:\nnode",
            "∂p2/∂a1 = -0.0220330445201743\n",
        ],
    );
    assert!(
        r.stderr.is_empty(),
        "no warning: every output uses a1, a2, a3: {}",
        r.stderr
    );
    let r = run(&[SOFTMAX, "--of", "p1,p2", at[0], at[1], "--format", "csv"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "a1,a2,a3,p1,dp1/da1,dp1/da2,dp1/da3,p2,dp2/da1,dp2/da2,dp2/da3"
    );
    let (p, jac) = softmax([1.0, 2.0, 3.0]);
    let cells: Vec<f64> = lines[1].split(',').filter_map(|c| c.parse().ok()).collect();
    let want = [
        1.0, 2.0, 3.0, p[0], jac[0][0], jac[0][1], jac[0][2], p[1], jac[1][0], jac[1][1], jac[1][2],
    ];
    assert_eq!(cells.len(), want.len());
    for (c, w) in cells.iter().zip(want) {
        assert!((c - w).abs() <= 1e-12 * w.abs().max(1e-3), "{c} vs {w}");
    }
    let r = run(&[SOFTMAX, "--of", "p1,p2", at[0], at[1], "--format", "dot"]);
    assert_eq!(r.stdout.matches("digraph").count(), 2, "{}", r.stdout);
    let r = run(&[
        SOFTMAX, "--of", "p1,p2", at[0], at[1], "--format", "mermaid",
    ]);
    assert_eq!(r.stdout.matches("flowchart").count(), 2, "{}", r.stdout);
    assert_contains(&r.stdout, &["∂p1/∂a1 = ", "∂p2/∂a1 = "]);
}

#[test]
fn one_name_in_of_keeps_todays_output() {
    let at = ["--at", "a1=1,a2=2,a3=3"];
    for format in ["table", "json", "csv"] {
        let plain = run(&[SOFTMAX, at[0], at[1], "--format", format]);
        let of = run(&[SOFTMAX, "--of", "p3", at[0], at[1], "--format", format]);
        assert_eq!(plain.stdout, of.stdout, "{format}");
    }
}

#[test]
fn checks_name_their_output() {
    let at = ["--at", "a1=1,a2=2,a3=3", "--at", "a1=0,a2=0,a3=0"];
    let mut args = vec![SOFTMAX, "--of", "p1,p2,p3"];
    args.extend(at);
    let expect = "dp1/da1 = p1*(1 - p1), dp2/da1 = -p1*p2, dp3/da3 = p3 - p3^2, s = e1 + e2 + e3";
    let r = run(&[&args[..], &["--expect", expect, "--format", "json"]].concat());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    assert_eq!(v[1]["passed"], true);
    assert_eq!(v[1]["outputs"][1]["checks"][0]["target"], "dp2/da1");
    let r = run(&[&args[..], &["--expect", "dp2/da1 = p1*p2", "--summary"]].concat());
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (1, "checks: 0 of 2 points passed; failed points: 1, 2\n")
    );
    let r = run(&[&args[..], &["--expect", "dp2/da1 = p1*p2"]].concat());
    assert_contains(&r.stdout, &["the sign is flipped"]);
    let r = run(&[&args[..], &["--expect", "df/da1 = 1"]].concat());
    assert_fails(
        &r,
        2,
        &[
            "with several outputs a gradient names its output",
            "the outputs: p1, p2, p3",
        ],
    );
}

#[test]
fn bad_lists_of_outputs() {
    let at = ["--at", "a1=1,a2=2,a3=3"];
    assert_fails(
        &run(&[SOFTMAX, "--of", "p1,,p2", at[0], at[1]]),
        2,
        &["has an empty one"],
    );
    assert_fails(
        &run(&[SOFTMAX, "--of", "p1,p1", at[0], at[1]]),
        2,
        &["names `p1` twice"],
    );
    assert_fails(
        &run(&[SOFTMAX, "--of", "p1,q", at[0], at[1]]),
        2,
        &["no node named `q`"],
    );
}

/// `--of p,q --points FILE`: the file read once, each row written with a
/// block of columns an output; a row one output cannot evaluate keeps the
/// other's numbers and has that output's cells empty (exit 3).
#[test]
fn several_outputs_over_the_rows_of_points() {
    let program = "p = x*y; q = x/z";
    let file = b"id,x,y,z,note\na,1,2,4,hi\nb,3,5,0,yo\n";
    let args = [program, "--of", "p,q", "--points", "-", "--format"];
    let r = run_with_stdin(&[&args[..], &["csv"]].concat(), Some(file));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "id,x,y,z,note,p,dp/dx,dp/dy,dp/dz,q,dq/dx,dq/dy,dq/dz\n\
         a,1,2,4,hi,2,2,1,0,0.25,0.25,0,-0.0625\n\
         b,3,5,0,yo,15,5,3,0,,,,\n"
    );
    assert_eq!(
        r.stderr.trim_end(),
        "error: q = x/z: division by zero (at: stdin, line 3, b)"
    );
    let r = run_with_stdin(&[&args[..], &["json"]].concat(), Some(file));
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    assert_eq!(v[0]["outputs"][1]["gradient"]["z"], -0.0625);
    assert_eq!(v[0]["columns"]["note"], "hi");
    assert_eq!(v[1]["outputs"][0]["value"], 15);
    assert_eq!(v[1]["outputs"][1]["error"], "q = x/z: division by zero");
    assert_eq!(v[1]["outputs"][1]["point"]["z"], 0);
    let r = run_with_stdin(&[&args[..], &["table"]].concat(), Some(file));
    assert_contains(
        &r.stdout,
        &[
            "a: at x=1, y=2, z=4\noutput p:\n",
            "\n\noutput q:\nerror: q = x/z: division by zero\n",
        ],
    );
}

/// A class graded on two outputs: per-row answers (`@COLUMN`) and fixed
/// ones, each routed to its output; `--summary` counts a row as passed
/// when every output's checks pass.
#[test]
fn several_outputs_grade_rows() {
    let program = "p = x*y; q = x/z";
    let file = b"student,x,y,z,ans\nann,1,2,4,2\nbob,3,5,1,4\n";
    let expect = "dp/dx=@ans, dq/dx=1/z";
    let args = [program, "--of", "p,q", "--points", "-", "--expect", expect];
    let r = run_with_stdin(&[&args[..], &["--format", "csv"]].concat(), Some(file));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "student,x,y,z,ans,p,dp/dx,dp/dy,dp/dz,pass:dp/dx,q,dq/dx,dq/dy,dq/dz,pass:dq/dx,passed\n\
         ann,1,2,4,2,2,2,1,0,true,0.25,0.25,0,-0.0625,true,true\n\
         bob,3,5,1,4,15,5,3,0,false,3,1,0,-3,true,false\n"
    );
    let r = run_with_stdin(&[&args[..], &["--summary"]].concat(), Some(file));
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (1, "checks: 1 of 2 points passed; failed points: 2\n")
    );
    let r = run_with_stdin(&[&args[..], &["--at", "y=3"]].concat(), Some(file));
    assert_fails(&r, 2, &["`y` is given by --at and is a column of stdin"]);
}

/// With `--at`, the CSV's variables are every output's (the Jacobian's
/// columns): a variable one output does not use has its value and a 0.
#[test]
fn several_outputs_csv_has_every_variable() {
    let r = run(&[
        "p = x*y; q = x+z",
        "--of",
        "p,q",
        "--at",
        "x=1,y=2,z=3",
        "--format",
        "csv",
    ]);
    assert_eq!(
        r.stdout,
        "x,y,z,p,dp/dx,dp/dy,dp/dz,q,dq/dx,dq/dy,dq/dz\n1,2,3,2,2,1,0,4,1,0,1\n"
    );
}

/// The formula examples of issue 17, each with the verdict SPEC §6 gives.
#[test]
fn the_issues_formula_examples() {
    type Case<'a> = (&'a str, &'a [&'a str], i32, &'a [&'a str]);
    let cases: &[Case] = &[
        // Points spread over [-2, 2], not clustered around the first.
        ("abs(x+2)-2", &["--expect", "f = abs(x+1)-1"], 1, &["FAILED"]),
        ("x*y*z", &["--expect", "f = sqrt(x^2)*y*z"], 1, &["FAILED"]),
        // Relative, with no absolute floor.
        ("1e-50*cos(x)", &["--expect", "f = 1e-50*sin(x)"], 1, &["FAILED"]),
        ("1e-50*cos(x)", &["--expect", "f = 1e-50*cos(-x)"], 0, &["passed"]),
        // Undefined only in the answer.
        ("ln(x^2)", &["--expect", "f = 2*ln(x)"], 1, &["your formula is undefined at x=", "where the true value is"]),
        ("2*ln(x)", &["--expect", "f = ln(x^2)"], 0, &["passed"]),
        // Names the problem does not have.
        ("1", &["--expect", "f = cos(x)^2 + sin(x)^2"], 0, &["passed"]),
        ("1", &["--expect", "f = 1 + k"], 1, &["your formula depends on k, which the problem does not have: at k="]),
        // Constant answers to derivatives without a point; no real value.
        ("x*y", &["--expect", "d2f/dxdy = 1, df/dx = y"], 0, &["checks: 2 of 2 correct"]),
        ("x*y", &["--expect", "df/dx = (1 - 2*sqrt(2))^(7/4)"], 1, &["your formula has no real value at any of the 21 points compared"]),
        ("x*y", &["--at", "x=1,y=2", "--expect", "df/dx = (1 - 2*sqrt(2))^(7/4)"], 1, &["no real value"]),
        // Second derivatives; ŷ, y_hat and σ; superscripts after a name.
        (LOGISTIC, &["--expect", "d2L/dw2 = x^2*yhat*(1-yhat), dL/dw = x*(ŷ-y), dL/dz = y_hat - y, yhat = sigmoid(z)"], 0, &["checks: 4 of 4 correct"]),
        (LECTURE, &["--expect", "df/dz = 3z²(2x+y²)"], 0, &["passed"]),
        // Slips in a teacher's words, only when the ratio is constant.
        ("2*x+1E9", &["--expect", "f = x+1E9"], 1, &["FAILED  f  expected x+1E9  at x="]),
        (LECTURE, &["--expect", "df/dx = z^3"], 1, &["missing a factor of 2:"]),
        (LECTURE, &["--expect", "df/dz = 3*z^2"], 1, &["missing a factor of g4 = 2*x + y^2:"]),
        (LECTURE, &["--expect", "df/dx = -2*z^3 + 0.01*x"], 1, &["FAILED  df/dx  expected -2*z^3 + 0.01*x  at x="]),
        (LOGISTIC, &["--expect", "dL/dw = x*(yhat-y)*yhat*(1-yhat)"], 1, &["an extra factor of yhat*(1 - yhat) (σ′ twice):"]),
        (LOGISTIC, &["--expect", "dL/dw = yhat - y"], 1, &["(this is ∂L/∂b, not ∂L/∂w)"]),
        (LOGISTIC, &["--expect", "dL/dyhat = -1/yhat"], 1, &["right only where y = 1: is y 0 or 1? (--domain 'y=0|1')"]),
        (LOGISTIC, &["--expect", "dL/dyhat = -y/yhat + (1-y)/(1-yhat)", "--domain", "y=0|1"], 0, &["passed"]),
    ];
    for &(program, args, code, needles) in cases {
        let r = run(&[&[program][..], args].concat());
        assert_eq!(r.code, code, "{program} {args:?}: {}{}", r.stdout, r.stderr);
        assert_contains(&r.stdout, needles);
        assert!(!r.stdout.contains("off by a factor of 1"), "{}", r.stdout);
    }
}
