//! Homework checking and teaching through the real binary: --expect,
//! --gradcheck, --explain, batches of points (CSV in and out), Graphviz,
//! completions and the manual page.

mod common;
use common::{assert_contains, assert_fails, run, run_with_stdin};

const LECTURE: &str = "(2*x+y^2)*z^3";
const LOGISTIC: &str = "z = w*x + b; yhat = σ(z); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";

#[test]
fn expect_passes_the_lectures_answers() {
    let r = run(&[
        LECTURE,
        "--at",
        "x=4,y=3,z=2",
        "--expect",
        "f=136, df/dx=16, ∂f/∂y=48, df/dz=204, g4=17, df/dg1=8",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout.matches("passed").count(), 6, "{}", r.stdout);
    assert_contains(&r.stdout, &["passed  f       expected 136  actual 136\n"]);
    assert_contains(&r.stdout, &["passed  df/dg1  expected 8    actual 8\n"]);
    assert!(
        r.stdout.ends_with("checks: 6 of 6 correct\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_wrong_answer_fails_with_exit_1_and_the_reason() {
    let r = run(&[
        LECTURE,
        "--at",
        "x=4,y=3,z=2",
        "--expect",
        "f=136, df/dz=208",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &["FAILED  df/dz  expected 208  actual 204  (off by more than one unit of the last digit: 208 vs the true 204)"],
    );
    assert_contains(&r.stdout, &["checks: 1 of 2 correct"]);
}

#[test]
fn decimals_written_decide_the_tolerance() {
    let at = ["--at", "w=0.5,b=1,x=2,y=1"];
    let pass = run(&[
        LOGISTIC,
        at[0],
        at[1],
        "--expect",
        "L=0.1269, yhat=0.881, dL/dw=-0.2384, ∂L/∂yhat=-1.135",
    ]);
    assert_eq!(pass.code, 0, "{}", pass.stdout);
    // 0.880 is 0.8808 truncated (one unit of its last digit), 0.879 is not.
    let truncated = run(&[LOGISTIC, at[0], at[1], "--expect", "yhat=0.880"]);
    assert_eq!(truncated.code, 0, "{}", truncated.stdout);
    let fail = run(&[LOGISTIC, at[0], at[1], "--expect", "yhat=0.879"]);
    assert_eq!(fail.code, 1, "{}", fail.stdout);
    // Integers and expressions must match to 1e-9: 1/(1+e^-2) is σ(2), and
    // dL/dy = -1.9999999999999987 is -2 to 1e-9; 88/100 is not σ(2).
    let expr = run(&[
        LOGISTIC,
        at[0],
        at[1],
        "--expect",
        "yhat=1/(1+e^-2), dL/dy=-2, yhat=88/100",
    ]);
    assert_eq!(expr.code, 1, "{}", expr.stdout);
    assert!(
        expr.stdout.contains("passed  yhat   expected 1/(1+e^-2)"),
        "{}",
        expr.stdout
    );
    assert!(expr.stdout.contains("passed  dL/dy"), "{}", expr.stdout);
    assert!(
        expr.stdout.contains("FAILED  yhat   expected 88/100"),
        "{}",
        expr.stdout
    );
    let tol = run(&[
        LOGISTIC,
        at[0],
        at[1],
        "--expect",
        "yhat=88/100",
        "--tol",
        "1e-3",
    ]);
    assert_eq!(tol.code, 0, "{}", tol.stdout);
    let tol = run(&[
        LOGISTIC, at[0], at[1], "--expect", "dL/dy=-2", "--tol", "1e-16",
    ]);
    assert_eq!(tol.code, 1, "{}", tol.stdout);
    let tol = run(&[
        LOGISTIC,
        at[0],
        at[1],
        "--expect",
        "yhat=0.88",
        "--tol",
        "1e-6",
    ]);
    assert_eq!(
        tol.code, 1,
        "--tol overrides the decimals too: {}",
        tol.stdout
    );
}

#[test]
fn expect_at_several_points() {
    let r = run(&[
        "x^2",
        "--at",
        "x=1",
        "--at",
        "x=2",
        "--expect",
        "f=1, df/dx=2",
    ]);
    assert_eq!(r.code, 1);
    assert_contains(&r.stdout, &["at x=1\npassed"]);
    assert_contains(&r.stdout, &["at x=2\nFAILED  f      expected 1  actual 4"]);
    assert_contains(&r.stdout, &["checks: 2 of 4 correct"]);
}

#[test]
fn bad_expectations_are_bad_input() {
    let r = run(&[LECTURE, "--at", "x=4,y=3,z=2", "--expect", "g9=1"]);
    assert_fails(
        &r,
        2,
        &[
            "no node named `g9`",
            "known: x, y, z, g1 = 2*x, g2 = y^2, g3 = z^3, g4 = g1 + g2, f = g4*g3",
            "--> --expect:1:1",
        ],
    );
    let r = run(&[LECTURE, "--at", "x=4,y=3,z=2", "--expect", "df/dq=1"]);
    assert_fails(&r, 2, &["no node named `q`"]);
    let r = run(&[LECTURE, "--at", "x=4,y=3,z=2", "--expect", "f=136, df/dx"]);
    assert_fails(&r, 2, &["bad check `df/dx`: no `=`"]);
    // A name makes the answer a formula: an unknown one is bad input.
    let r = run(&[LECTURE, "--at", "x=4,y=3,z=2", "--expect", "f=abc"]);
    assert_fails(&r, 2, &["no node named `abc`", "--> --expect:1:3"]);
    let r = run(&[
        LECTURE,
        "--at",
        "x=4,y=3,z=2",
        "--expect",
        "f=1",
        "--tol=-1",
    ]);
    assert_fails(&r, 2, &["not a tolerance"]);
}

#[test]
fn gradcheck_agrees_on_smooth_functions() {
    let r = run(&[LOGISTIC, "--at", "w=0.5,b=1,x=2,y=1", "--gradcheck"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    for v in ["w", "b", "x", "y"] {
        assert_contains(&r.stdout, &[&format!("\n  {v}  analytic")]);
    }
    assert_eq!(r.stdout.matches("  ok\n").count(), 4, "{}", r.stdout);
    let r = run(&["sin(x)*y + exp(x/y)", "--at", "x=1.5,y=-2", "--gradcheck"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn gradcheck_fails_above_the_tolerance() {
    let r = run(&[
        "sin(x)*y",
        "--at",
        "x=1,y=2",
        "--gradcheck",
        "--tol",
        "1e-14",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_contains(&r.stdout, &["FAILED"]);
}

#[test]
fn gradcheck_reports_kinks_rather_than_failing() {
    let r = run(&[
        "relu(x) + abs(y)*w + max(u, v)",
        "--at",
        "x=0,y=0,w=3,u=1,v=1",
        "--gradcheck",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("not compared (at a kink: g1 = relu(x) at 0)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("not compared (at a kink: g2 = abs(y) at 0)"),
        "{}",
        r.stdout
    );
    assert_contains(&r.stdout, &["at a kink: g3 = max(u, v) at a tie"]);
    assert_contains(&r.stdout, &["  w  analytic 0  numeric 0  error 0  ok"]);
}

#[test]
fn explain_writes_the_lectures_passes() {
    let r = run(&[LECTURE, "--at", "x=4,y=3,z=2", "--explain"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "  g1 = 2*x = 2·4 = 8",
        "  g4 = g1 + g2 = 8 + 9 = 17",
        "  f = g4*g3 = 17·8 = 136",
        "  ∂f/∂g4 = g3 = 8   [mul swaps]",
        "  ∂f/∂g1 = ∂f/∂g4 · ∂g4/∂g1 = 8 · 1 = 8   [add distributes]",
        "  ∂f/∂x = ∂f/∂g1 · ∂g1/∂x = 8 · 2 = 16   [mul swaps]",
        "  ∂f/∂z = ∂f/∂g3 · ∂g3/∂z = 17 · 12 = 204   [power rule]",
    ] {
        assert!(
            r.stdout.contains(&format!("{line}\n")),
            "missing {line:?} in\n{}",
            r.stdout
        );
    }
    insta::assert_snapshot!(r.stdout);
}

#[test]
fn explain_sums_the_uses_of_a_copied_value() {
    let r = run(&[LOGISTIC, "--at", "w=0.5,b=1,x=2,y=1", "--explain"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(&r.stdout, &["  ∂L/∂yhat = ∂L/∂g4 · ∂g4/∂yhat + ∂L/∂g5 · ∂g5/∂yhat = -1 · 1.1353352832366128 + 0 · (-1) = -1.1353352832366128   [copy gate: the uses add up]\n"]);
    assert_contains(&r.stdout, &["[σ' = σ(1-σ)]"]);
    insta::assert_snapshot!(r.stdout);
}

#[test]
fn explain_is_linear_on_a_big_graph() {
    let terms: Vec<String> = (1..=3000).map(|i| format!("sin(x*{i})*y")).collect();
    let r = run(&[&terms.join("+"), "--at", "x=0.5,y=2", "--explain"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.lines().count() > 4 * 3000,
        "every node is explained"
    );
}

fn temp_file(name: &str, contents: &str) -> String {
    let dir = std::env::temp_dir().join(format!("autograd-cli-teaching-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    let _ = std::fs::write(&path, contents);
    path.to_string_lossy().into_owned()
}

#[test]
fn csv_points_in_csv_rows_out() {
    // Columns in any order; the output keeps the file's order.
    let points = temp_file("logistic.csv", "y,x,b,w\n1,2,1,0.5\n0,1,0,1\n");
    let r = run(&[LOGISTIC, "--points", &points, "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "y,x,b,w,L,dL/dy,dL/dx,dL/db,dL/dw\n\
         1,2,1,0.5,0.12692801104297263,-1.9999999999999987,-0.05960146101105884,-0.11920292202211769,-0.23840584404423537\n\
         0,1,0,1,1.3132616875182228,-1,0.7310585786300049,0.7310585786300049,0.7310585786300049\n"
    );
}

#[test]
fn points_from_stdin_as_a_json_array_and_with_at_as_csv() {
    let r = run_with_stdin(
        &["x*y", "--points", "-", "--format", "json"],
        Some(b"x,y\n1,2\n3,4\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("a JSON array");
    let values: Vec<f64> = out
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["value"].as_f64()).collect())
        .unwrap_or_default();
    assert_eq!(values, [2.0, 12.0]);
    let r = run(&[
        "x*y", "--at", "x=1,y=2", "--at", "x=3,y=4", "--format", "csv",
    ]);
    assert_eq!(r.stdout, "x,y,f,df/dx,df/dy\n1,2,2,2,1\n3,4,12,4,3\n");
}

#[test]
fn expect_over_a_batch_of_points() {
    let r = run_with_stdin(
        &["x^2", "--points", "-", "--expect", "df/dx=2"],
        Some(b"x\n1\n2\n"),
    );
    assert_eq!(r.code, 1);
    assert_contains(&r.stdout, &["checks: 1 of 2 correct"]);
}

#[test]
fn bad_points_name_the_line_and_column() {
    let r = run_with_stdin(
        &["x*y", "--points", "-", "--format", "csv"],
        Some(b"x,y\n1,2\n4,abc\n"),
    );
    assert_fails(
        &r,
        2,
        &["stdin, line 3: column 2 (`y`): `abc` is not a number"],
    );
    let r = run_with_stdin(
        &["x*y", "--points", "-", "--format", "csv"],
        Some(b"x,y\n1,2\n4\n"),
    );
    assert_fails(&r, 2, &["stdin, line 3: 1 fields, but the header has 2"]);
    let r = run_with_stdin(
        &["x*y", "--points", "-", "--format", "csv"],
        Some(b"x,y\n1,2,3\n"),
    );
    assert_fails(&r, 2, &["line 2: 3 fields, but the header has 2"]);
    let r = run_with_stdin(&["x*y*z", "--points", "-"], Some(b"x\n1\n"));
    assert_fails(
        &r,
        2,
        &[
            "no value for `y` and `z`",
            "the header row must name every variable (it has: x)",
        ],
    );
    let r = run_with_stdin(&["x", "--points", "-"], Some(b""));
    assert_fails(&r, 2, &["no header row"]);
    let r = run_with_stdin(&["x", "--points", "-"], Some(b"x,x\n1,2\n"));
    assert_fails(&r, 2, &["column `x` appears twice"]);
    assert_fails(
        &run(&["x", "--points", "/nonexistent.csv"]),
        2,
        &["cannot read `/nonexistent.csv`"],
    );
    let r = run_with_stdin(&["-", "--points", "-"], Some(b"x\n"));
    assert_fails(&r, 2, &["cannot both come from stdin"]);
    // --at with --points gives the values every row shares: not a column's.
    let r = run_with_stdin(&["x", "--points", "-", "--at", "x=1"], Some(b"x\n1\n"));
    assert_fails(&r, 2, &["`x` is given by --at and is a column of stdin"]);
}

#[test]
fn a_non_finite_row_is_named_or_kept() {
    let r = run_with_stdin(
        &["ln(x)", "--points", "-", "--format", "csv"],
        Some(b"x\n1\n0\n2\n"),
    );
    assert_fails(&r, 3, &["ln(0) is -infinity", "at: stdin, line 3"]);
    let r = run_with_stdin(
        &[
            "ln(x)",
            "--points",
            "-",
            "--format",
            "csv",
            "--allow-nonfinite",
        ],
        Some(b"x\n1\n-1\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "x,f,df/dx\n1,0,1\n-1,NaN,-1\n");
    assert_contains(
        &r.stderr,
        &["f is NaN: ln is undefined at x = -1 (needs x > 0) (at: stdin, line 3)"],
    );
}

#[test]
fn other_columns_pass_through_in_the_files_order() {
    let r = run_with_stdin(
        &["x*y", "--points", "-", "--format", "csv"],
        Some(b"id,y,note,x\n7,2,\"a, b\",3\n"),
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(
        r.stdout,
        "id,y,note,x,f,df/dy,df/dx\n7,2,\"a, b\",3,6,3,2\n"
    );
    let r = run_with_stdin(
        &["x*y", "--points", "-", "--format", "json"],
        Some(b"id,y,x\nann,2,3\n"),
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v[0]["columns"], serde_json::json!({"id": "ann"}));
}

/// Renders `dot` output with Graphviz. CI installs it; elsewhere a missing
/// `dot` skips the rendering (said on stderr), never the DOT checks.
fn render_with_graphviz(dot_source: &str) -> Option<bool> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("graphviz `dot` is not installed: rendering not checked");
            return None;
        }
        Err(e) => panic!("CI must have graphviz installed (.ci/run does): {e}"),
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(dot_source.as_bytes());
    }
    let out = child.wait_with_output().ok()?;
    let svg = String::from_utf8_lossy(&out.stdout);
    Some(out.status.success() && svg.contains("<svg") && out.stderr.is_empty())
}

#[test]
fn dot_output_renders_with_graphviz() {
    for (expr, at, nodes) in [
        (LECTURE, "x=4,y=3,z=2", 8),
        (LOGISTIC, "w=0.5,b=1,x=2,y=1", 15),
    ] {
        let r = run(&[expr, "--at", at, "--format", "dot"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.starts_with("digraph autograd {\n") && r.stdout.ends_with("}\n"),
            "{}",
            r.stdout
        );
        assert_eq!(r.stdout.matches("[label=").count(), nodes, "{}", r.stdout);
        if let Some(ok) = render_with_graphviz(&r.stdout) {
            assert!(ok, "dot -Tsvg failed on\n{}", r.stdout);
        }
    }
    let r = run(&[LECTURE, "--at", "x=4,y=3,z=2", "--format", "dot"]);
    assert_contains(
        &r.stdout,
        &["\"g1\" [label=\"g1 | mul: 2*x | value 8 | ∂f/∂g1 = 8\"];"],
    );
    assert_contains(&r.stdout, &["\"g4\" -> \"f\";"]);
}

/// Checks what a Mermaid renderer relies on, without a browser: one
/// `flowchart LR` after an optional title, every node line `  nK["…"]`
/// with no raw quote in its label, every edge between declared nodes, and
/// the output styled. Returns the nodes' labels.
fn mermaid_structure(chart: &str) -> Vec<String> {
    let body = match chart.strip_prefix("---\n") {
        Some(rest) => match rest.split_once("\n---\n") {
            Some((front, body)) => {
                assert!(front.starts_with("title: \""), "{chart}");
                body
            }
            None => panic!("unclosed front matter:\n{chart}"),
        },
        None => chart,
    };
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some("flowchart LR"), "{chart}");
    let is_id = |s: &str| {
        s.strip_prefix('n')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut ids: Vec<&str> = Vec::new();
    let mut labels = Vec::new();
    let mut styled = false;
    for line in lines {
        let line = line.strip_prefix("  ").unwrap_or_else(|| panic!("{line}"));
        if let Some((a, b)) = line.split_once(" --> ") {
            assert!(ids.contains(&a) && ids.contains(&b), "{line}");
        } else if let Some(class) = line.strip_prefix("class ") {
            let id = class
                .strip_suffix(" output")
                .unwrap_or_else(|| panic!("{line}"));
            assert!(ids.contains(&id), "{line}");
            styled = true;
        } else if line != "classDef output stroke-width:3px" {
            let (id, label) = line.split_once("[\"").unwrap_or_else(|| panic!("{line}"));
            let label = label
                .strip_suffix("\"]")
                .unwrap_or_else(|| panic!("{line}"));
            assert!(is_id(id) && !ids.contains(&id), "{line}");
            assert!(!label.contains('"'), "{line}");
            ids.push(id);
            labels.push(label.to_string());
        }
    }
    assert!(styled, "{chart}");
    labels
}

#[test]
fn mermaid_output_is_a_well_formed_flowchart() {
    for (expr, at, nodes) in [
        (LECTURE, "x=4,y=3,z=2", 8),
        (LOGISTIC, "w=0.5,b=1,x=2,y=1", 15),
    ] {
        let r = run(&[expr, "--at", at, "--format", "mermaid"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(mermaid_structure(&r.stdout).len(), nodes, "{}", r.stdout);
    }
    let r = run(&[LECTURE, "--at", "x=4,y=3,z=2", "--format", "mermaid"]);
    assert_contains(
        &r.stdout,
        &["[\"g1<br/>mul: 2*x<br/>value 8<br/>∂f/∂g1 = 8\"]"],
    );
    // Several points: one chart each, titled, a blank line between.
    let r = run(&[
        LOGISTIC,
        "--at",
        "w=0.5,b=1,x=2,y=1",
        "--at",
        "w=1,b=0,x=1,y=0",
        "--format",
        "mermaid",
        "--digits",
        "4",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    let charts: Vec<&str> = r.stdout.split("\n\n").collect();
    assert_eq!(charts.len(), 2, "{}", r.stdout);
    assert!(
        charts[0].starts_with("---\ntitle: \"at w=0.5, x=2, b=1, y=1\"\n---\n"),
        "{}",
        r.stdout
    );
    for chart in charts {
        let labels = mermaid_structure(chart);
        assert!(
            labels.iter().any(|l| l.starts_with("yhat<br/>sigmoid")),
            "{labels:?}"
        );
    }
}

#[test]
fn completions_and_manual_page() {
    for (shell, marker) in [
        ("bash", "_autograd__cli()"),
        ("zsh", "#compdef autograd-cli"),
        ("fish", "complete -c autograd-cli"),
        ("elvish", "autograd-cli"),
        ("powershell", "autograd-cli"),
    ] {
        let r = run(&["--completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(
            r.stdout.contains(marker),
            "{shell}: {}",
            &r.stdout[..r.stdout.len().min(300)]
        );
        assert!(r.stdout.contains("--expect"), "{shell} completes the flags");
    }
    let r = run(&["--man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH autograd-cli 1"),
        "{}",
        &r.stdout[..200]
    );
    assert!(
        r.stdout.contains("\\-\\-gradcheck"),
        "the flags are documented"
    );
}

#[test]
fn big_batches_keep_the_order_and_name_the_bad_line() {
    // More rows than one batch (16,384), so several batches and parts run.
    let mut csv = String::from("x\n");
    for i in 0..40_000 {
        csv.push_str(&format!("{}\n", i as f64 / 1000.0 + 0.5));
    }
    let r = run_with_stdin(
        &["x^2", "--points", "-", "--format", "csv"],
        Some(csv.as_bytes()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 40_001);
    for (i, line) in lines.iter().enumerate().skip(1).step_by(997) {
        let x = (i - 1) as f64 / 1000.0 + 0.5;
        let want = format!(
            "{},{},{}",
            autograd::number::format(x),
            autograd::number::format(x * x),
            autograd::number::format(2.0 * x)
        );
        assert_eq!(*line, want, "row {i}");
    }
    // A bad value in a late batch: it is written with empty computed cells,
    // the error names its line, and the rows after it go on.
    let mut csv = String::from("x\n");
    for i in 0..40_000 {
        csv.push_str(if i == 30_000 { "-1\n" } else { "2\n" });
    }
    let r = run_with_stdin(
        &["ln(x)", "--points", "-", "--format", "csv"],
        Some(csv.as_bytes()),
    );
    assert_fails(
        &r,
        3,
        &[
            "error: f = ln(x): ln is undefined at x = -1",
            "at: stdin, line 30002",
        ],
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 40_001, "the header and every row");
    assert_eq!(
        (lines[30_000], lines[30_001]),
        ("2,0.6931471805599453,0.5", "-1,,")
    );
}

// ---- verdicts a script can read ----

#[test]
fn json_carries_each_check_and_the_points_verdict() {
    let r = run(&[
        LOGISTIC,
        "--at",
        "w=0.5,b=1,x=2,y=1",
        "--expect",
        "L=0.127, dL/dw=-0.5",
        "--gradcheck",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let checks = v["checks"].as_array().cloned().unwrap_or_default();
    assert_eq!(checks.len(), 2, "{}", r.stdout);
    assert_eq!(checks[0]["target"], "L");
    assert_eq!(checks[0]["expected"], 0.127);
    assert_eq!(checks[0]["passed"], true);
    assert_eq!(checks[0]["reason"], serde_json::Value::Null);
    assert_eq!(checks[1]["target"], "dL/dw");
    assert_eq!(checks[1]["actual"], -0.23840584404423537);
    assert_eq!(checks[1]["passed"], false);
    assert_contains(
        checks[1]["reason"].as_str().unwrap_or(""),
        &["off by more than one unit of the last digit: -0.5 vs the true -0.2384…"],
    );
    assert_eq!(v["gradcheck"]["variables"][0]["variable"], "w");
    assert_eq!(v["gradcheck"]["variables"][0]["passed"], true);
    assert_eq!(v["passed"], false);
}

#[test]
fn explain_has_a_json_form() {
    let r = run(&[
        "(2*x+y^2)*z^3",
        "--at",
        "x=4,y=3,z=2",
        "--explain",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["explain"]["forward"][3], "g1 = 2*x = 2·4 = 8");
    assert_eq!(v["explain"]["backward"][0], "∂f/∂f = 1");
    assert_eq!(v.get("passed"), None, "no checks, no verdict");
}

#[test]
fn csv_adds_a_pass_column_per_check_and_a_verdict() {
    let r = run_with_stdin(
        &[
            "x*y",
            "--points",
            "-",
            "--expect",
            "f=2, df/dx=3",
            "--format",
            "csv",
        ],
        Some(b"x,y\n1,2\n2,3\n"),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "x,y,f,df/dx,df/dy,pass:f,pass:df/dx,passed\n1,2,2,2,1,true,false,false\n2,3,6,3,2,false,true,false\n"
    );
}

#[test]
fn quiet_prints_nothing_and_the_exit_code_is_the_verdict() {
    let r = run(&["x^2", "--at", "x=2", "--expect", "f=4", "-q"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let r = run(&["x^2", "--at", "x=2", "--expect", "f=5", "--quiet"]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
}

#[test]
fn summary_is_one_line_naming_the_failed_rows() {
    let r = run_with_stdin(
        &["x*y", "--points", "-", "--expect", "f=6", "--summary"],
        Some(b"x,y\n1,2\n2,3\n3,2\n4,4\n"),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "checks: 2 of 4 rows passed; failed rows: 1, 4\n  f: 2 of 4; 2 × \"off by more than one unit of the last digit\"\n"
    );
    let r = run(&[
        "x^2",
        "--at",
        "x=2",
        "--at",
        "x=-2",
        "--expect",
        "f=4",
        "--summary",
    ]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "checks: 2 of 2 points passed\n")
    );
}

#[test]
fn an_answer_is_as_precise_as_written_in_any_notation() {
    let at = ["--at", "w=0.5,b=1,x=2,y=1"];
    for answers in [
        "yhat=0.881, dL/dw=-0.2384",
        "yhat=.881, dL/dw=-2.384e-1",
        "yhat=8.81e-1, dL/dw=-23.84e-2",
        "yhat=881e-3, dL/dw=-2384e-4",
        "yhat=0.8808, dL/dw=−2.384·10⁻¹",
        "yhat=8.81×10^-1, dL/dw=- 0.2384",
        "yhat=(0.881), dL/dw=–0.2384",
        "yhat=8.81*10^(-1), dL/dw=-(0.2384)",
    ] {
        let r = run(&[LOGISTIC, at[0], at[1], "--expect", answers]);
        assert_eq!(r.code, 0, "{answers}: {}", r.stdout);
    }
    // 3.059e-7 is checked at the 10th decimal, not at an absolute 1e-9.
    let r = run(&["exp(-x)", "--at", "x=15", "--expect", "f=3.059e-7"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run(&["exp(-x)", "--at", "x=15", "--expect", "f=3.052e-7"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
}

#[test]
fn sig_is_the_teachers_minimum_and_f_is_always_the_output() {
    let at = ["--at", "w=0.5,b=1,x=2,y=1"];
    let r = run(&[
        LOGISTIC, at[0], at[1], "--expect", "f=0.1", "--sig", "3", "--format", "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(
        v["checks"][0]["reason"],
        "not precise enough: 1 significant digit, at least 3"
    );
    let r = run(&[LOGISTIC, at[0], at[1], "--expect", "f=0.13", "--sig", "2"]);
    assert_eq!(r.code, 0, "--sig 2 lowers the floor: {}", r.stdout);
    let r = run(&[
        LOGISTIC,
        at[0],
        at[1],
        "--expect",
        "f=0.127, L=0.1269, df/dw=-0.238",
        "--sig",
        "3",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn checks_may_repeat_and_end_in_a_comma() {
    let r = run(&[
        "x^2", "--at", "x=3", "--expect", "f=9,", "--expect", "df/dx=6",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, &["checks: 2 of 2 correct"]);
}

/// A class in one CSV: each row a student, their data and their answers.
const CLASS: &[u8] = b"student,x,ans_f,ans_d\n\
ann,3,9,6\n\
ben,0.5,.25,1.0\n\
cho,2,4,5\n\
dan,1,,2\n\
eve,-1,one,-2\n\
fay,0,0,0\n";

#[test]
fn per_row_answers_grade_a_class() {
    // x^3/x is x^2 but at 0, where it is 0/0.
    let args = [
        "x^3/x",
        "--points",
        "-",
        "--expect",
        "f=@ans_f, df/dx=@ans_d",
    ];
    let csv = [&args[..], &["--format", "csv"]].concat();
    let r = run_with_stdin(&csv, Some(CLASS));
    // fay's row cannot be evaluated (0/0): exit 3 wins over the failed checks.
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "student,x,ans_f,ans_d,f,df/dx,pass:f,pass:df/dx,passed\n\
         ann,3,9,6,9,6,true,true,true\n\
         ben,0.5,.25,1.0,0.25,1,true,true,true\n\
         cho,2,4,5,4,4,true,false,false\n\
         dan,1,,2,1,2,false,true,false\n\
         eve,-1,one,-2,1,-2,false,true,false\n\
         fay,0,0,0,,,false,false,false\n"
    );
    assert_contains(
        &r.stderr,
        &["error: f = g1/x: 0/0 is undefined (at: stdin, line 7, fay)"],
    );
    let summary = [&args[..], &["--summary"]].concat();
    let r = run_with_stdin(&summary, Some(CLASS));
    assert_eq!(
        r.stdout,
        "checks: 2 of 6 rows passed; failed: cho, dan, eve, fay\n  \
         f: 3 of 6; 1 × \"the answer is empty\", 1 × \"the answer `one` is not a number\"\n  \
         df/dx: 4 of 6; 1 × \"not precise enough\"\n"
    );
    assert_eq!(r.code, 3);
}

#[test]
fn an_answer_cell_that_is_empty_or_not_a_number_fails_its_check() {
    let class = b"student,x,ans\nann,3,9\nben,2,\ncho,1,one\ndan,2,4.0\n";
    let r = run_with_stdin(
        &[
            "x^2", "--points", "-", "--expect", "f=@ans", "--format", "json",
        ],
        Some(class),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let verdicts: Vec<(serde_json::Value, serde_json::Value)> = (0..4)
        .map(|i| {
            (
                v[i]["checks"][0]["passed"].clone(),
                v[i]["checks"][0]["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(verdicts[0], (true.into(), serde_json::Value::Null));
    assert_eq!(verdicts[1], (false.into(), "the answer is empty".into()));
    assert_eq!(
        verdicts[2],
        (false.into(), "the answer `one` is not a number".into())
    );
    assert_eq!(verdicts[3].0, true, "4.0 is 4 at one decimal");
    assert_eq!(
        v[1]["columns"],
        serde_json::json!({"student": "ben", "ans": ""})
    );
    let r = run_with_stdin(
        &["x^2", "--points", "-", "--expect", "f=@answer"],
        Some(class),
    );
    assert_fails(
        &r,
        2,
        &["no column `answer` in stdin (it has: student, x, ans)"],
    );
    let r = run(&["x^2", "--at", "x=1", "--expect", "f=@ans"]);
    assert_fails(
        &r,
        2,
        &["`@ans` takes each row's answer from a column of --points"],
    );
}

/// A variable the point binds but the program does not use keeps its value,
/// has gradient 0, and can be checked.
#[test]
fn a_bound_but_unused_variable_can_be_checked() {
    let r = run(&[
        "x^2",
        "--at",
        "x=3,q=7",
        "--expect",
        "q=7, ∂f/∂q=0, df/dq=0, f=9",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, &["checks: 4 of 4 correct"]);
    assert_contains(
        &r.stderr,
        &["`q` is bound by --at but the expression does not use it"],
    );
    let r = run(&["x^2", "--at", "x=3,q=7", "--expect", "df/dq=1"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    // Not bound at this point: the target is unknown (exit 2, before any output).
    let r = run(&["x^2", "--at", "x=3,q=7", "--at", "x=1", "--expect", "q=7"]);
    assert_fails(&r, 2, &["no node named `q`", "known: x, f"]);
    assert_eq!(r.stdout, "");
    let r = run_with_stdin(
        &["x^2", "--points", "-", "--expect", "df/dq=0, q=2"],
        Some(b"x,q\n3,2\n"),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn second_derivatives_are_targets_of_expect() {
    // f = (2x + y²)z³: f_zz = 6z(2x + y²), f_xz = 6z², f_yz = 6yz², f_yy = 2z³.
    let (x, y, z) = (4.0_f64, 3.0_f64, 2.0_f64);
    let cells = [
        ("d2f/dz2", 6.0 * z * (2.0 * x + y * y)),
        ("∂²f/∂x∂z", 6.0 * z * z),
        ("d2f/dydz", 6.0 * y * z * z),
        ("d2f/dy2", 2.0 * z.powi(3)),
        ("d2f/dx2", 0.0),
    ];
    let list: Vec<String> = cells.iter().map(|(t, v)| format!("{t}={v}")).collect();
    let r = run(&[LECTURE, "--at", "x=4,y=3,z=2", "--expect", &list.join(", ")]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.ends_with("checks: 5 of 5 correct\n"),
        "{}",
        r.stdout
    );

    // The lecture's loss: ∂²L/∂w² = x²·σ(z)(1 − σ(z)), as a decimal answer.
    let s = 1.0 / (1.0 + (-2.0_f64).exp());
    let r = run(&[
        LOGISTIC,
        "--at",
        "w=0.5,b=1,x=2,y=1",
        "--expect",
        &format!(
            "d2L/dw2={:.6}, d2L/dwdb={:.6}",
            4.0 * s * (1.0 - s),
            2.0 * s * (1.0 - s)
        ),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // A wrong cell fails (exit 1) in JSON too; a row's answer may come from a column.
    let r = run(&[
        LECTURE,
        "--at",
        "x=4,y=3,z=2",
        "--expect",
        "d2f/dz2=200",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1);
    assert_contains(
        &r.stdout,
        &["\"target\": \"d2f/dz2\", \"expected\": 200, \"actual\": 204, \"passed\": false"],
    );
    let csv = "x,y,z,ans\n4,3,2,204\n1,1,1,18\n1,1,1,17\n";
    let r = run_with_stdin(
        &[
            LECTURE,
            "--points",
            "-",
            "--expect",
            "d2f/dz2=@ans",
            "--format",
            "csv",
        ],
        Some(csv.as_bytes()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_contains(&r.stdout, &[",true,true\n", ",false,false\n"]);
}

#[test]
fn a_second_derivative_target_must_name_variables() {
    let r = run(&[LECTURE, "--at", "x=4,y=3,z=2", "--expect", "d2f/dq2=1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_contains(
        &r.stderr,
        &["with x and y among the variables: x, y, z", "^^^"],
    );
}

/// Second derivatives take formula answers (SPEC §6), checked at the point
/// and the random points, and a number without a point is a constant
/// formula.
#[test]
fn a_second_derivative_takes_a_formula() {
    let r = run(&[
        LECTURE,
        "--at",
        "x=4,y=3,z=2",
        "--expect",
        "d2f/dz2=6*z*(2*x+y^2), d2f/dxdz = 6*z^2",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(&[LECTURE, "--expect", "d2f/dz2=6*z"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, &["missing a factor of g4 = 2*x + y^2"]);
    let r = run(&["x*y", "--expect", "d2f/dxdy = 1, d2f/dx2 = 0"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}
