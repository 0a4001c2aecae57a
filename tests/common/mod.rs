//! Running the real binary from the tests.
#![allow(dead_code)]

use assert_cmd::Command;
use autograd::ast::{BinOp, ExprId, ExprKind, Program};
use serde_json::Value;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `autograd-cli` with `args` (and `stdin`, if any).
pub fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::cargo_bin("autograd-cli").expect("the binary is built");
    cmd.args(args).env_remove("NO_COLOR");
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    let out = cmd.output().expect("the binary runs");
    Run {
        // A signal has no exit code: report it as -1, which no test expects.
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn run(args: &[&str]) -> Run {
    run_with_stdin(args, None)
}

/// `--format json` output of `expr` at `at` (no `--at` when `at` is empty).
#[track_caller]
pub fn json(expr: &str, at: &str) -> Value {
    let mut args = vec![expr, "--format", "json"];
    if !at.is_empty() {
        args.extend(["--at", at]);
    }
    let r = run(&args);
    assert_eq!(r.code, 0, "{expr} at {at}: {}", r.stderr);
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{expr}: not JSON ({e}): {}", r.stdout))
}

/// The output value of `expr` at `at`.
#[track_caller]
pub fn value(expr: &str, at: &str) -> f64 {
    num(&json(expr, at)["value"])
}

#[track_caller]
pub fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The node named `name` in a JSON output.
#[track_caller]
pub fn node<'a>(out: &'a Value, name: &str) -> &'a Value {
    out["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["name"] == name))
        .unwrap_or_else(|| panic!("no node {name} in {out}"))
}

/// Asserts that `run` failed with `code` (not a panic, not a signal) and
/// that stderr contains every needle.
#[track_caller]
pub fn assert_fails(r: &Run, code: i32, needles: &[&str]) {
    assert_ne!(r.code, 101, "panicked:\n{}", r.stderr);
    assert_ne!(r.code, -1, "died on a signal");
    assert_eq!(r.code, code, "exit code; stderr:\n{}", r.stderr);
    for needle in needles {
        assert!(
            r.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            r.stderr
        );
    }
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// Asserts that `text` contains every needle, showing `text` when not.
#[track_caller]
pub fn assert_contains(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

/// A compact shape of an expression tree: `(+ a b)`, names and numbers as
/// written, calls as `name(args…)`. (Recursive: for test inputs only.)
pub fn shape(program: &Program<'_>, id: ExprId) -> String {
    match program.expr(id).kind {
        ExprKind::Number(v) => format!("{v}"),
        ExprKind::Name => program.name(id).to_string(),
        ExprKind::Neg(a) => format!("(neg {})", shape(program, a)),
        ExprKind::Binary(op, a, b) => {
            let op = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
                BinOp::Pow => "^",
                BinOp::MatMul => "@",
            };
            format!("({op} {} {})", shape(program, a), shape(program, b))
        }
        ExprKind::Transpose(a) => format!("(T {})", shape(program, a)),
        ExprKind::Call { .. } | ExprKind::List { .. } | ExprKind::Index { .. } => {
            let args: Vec<String> = program
                .call_args(id)
                .iter()
                .map(|&a| shape(program, a))
                .collect();
            match program.expr(id).kind {
                ExprKind::List { .. } => format!("list[{}]", args.join(" ")),
                ExprKind::Index { .. } => format!("index[{}]", args.join(" ")),
                _ => format!("{}({})", program.name(id), args.join(" ")),
            }
        }
    }
}

/// Runs the binary with `args`, reads the first bytes of its output and
/// closes the pipe, as `… | head -c 16` would; its exit code and stderr.
pub fn run_closing_stdout_early(args: &[String]) -> (Option<i32>, String) {
    use std::io::Read;
    use std::process::Stdio;
    let bin = assert_cmd::cargo::cargo_bin("autograd-cli");
    let mut child = std::process::Command::new(bin)
        .args(args)
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
    (status.code(), err)
}
