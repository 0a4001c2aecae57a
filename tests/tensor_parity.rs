//! PyTorch parity of random tensor programs (issue 21, SPEC §9).
//!
//! `tests/tensor_parity/generate.py` drew 1,000 random programs of what the
//! tensor lowering does (literals, `@` in its four forms, transposes,
//! broadcasting `+ - * / ^`, every elementwise function, the reductions,
//! softmax and logsumexp also near ±800, constant indexing, named
//! statements, a scalar loss) and kept PyTorch float64's loss and the
//! gradient of every element of every input variable (`cases.json`). Each
//! test here runs the real binary on every program (`--format json`, two
//! at a time) and compares.
//!
//! The rule: a number passes when |got − want| ≤ 1e-9·|want| (relative),
//! or when |got − want| ≤ 1e-12·max(1, M), M the largest magnitude among
//! the case's value and gradients (absolute, at the case's scale, for what
//! cancels to about 0: ∂/∂x of `sum(softmax(x))` is 0 exactly, ±1e-17 in
//! both PyTorch and the tool). A variable element missing from the tool's
//! gradient (pruned: the loss does not reach it) counts as 0. A failure
//! prints the program, its `--at` and each number that differs.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const RELATIVE: f64 = 1e-9;
const ABSOLUTE: f64 = 1e-12;

struct Case {
    program: String,
    at: String,
    /// ("value" or an element's name as the tool writes it, PyTorch's number).
    want: Vec<(String, f64)>,
    /// Integer index variables (`p[y]`): no gradient, or 0.
    index: Vec<String>,
}

fn load(file: &str) -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tensor_parity")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run tests/tensor_parity/generate.py)",
            path.display()
        )
    });
    let data: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let cases = data["cases"].as_array().cloned().unwrap_or_default();
    cases
        .iter()
        .map(|c| {
            let mut want = vec![("value".to_string(), number(&c["value"]))];
            if let Some(grad) = c["grad"].as_object() {
                for (name, g) in grad {
                    elements(name, g, &mut want);
                }
            }
            let index = c["index"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            Case {
                program: text_of(&c["program"]),
                at: text_of(&c["at"]),
                want,
                index,
            }
        })
        .collect()
}

fn text_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// A gradient as nested arrays, as the tool names its elements: `c`,
/// `x[2]`, `W[1,0]`.
fn elements(name: &str, g: &Value, out: &mut Vec<(String, f64)>) {
    match g {
        Value::Array(rows) => {
            for (i, row) in rows.iter().enumerate() {
                match row {
                    Value::Array(cols) => {
                        for (j, v) in cols.iter().enumerate() {
                            out.push((format!("{name}[{i},{j}]"), number(v)));
                        }
                    }
                    v => out.push((format!("{name}[{i}]"), number(v))),
                }
            }
        }
        v => out.push((name.to_string(), number(v))),
    }
}

fn close(got: f64, want: f64, scale: f64) -> bool {
    let diff = (got - want).abs();
    diff <= RELATIVE * want.abs() || diff <= ABSOLUTE * scale.max(1.0)
}

/// What is wrong with the tool's answer to `case`, if anything.
fn judge(case: &Case, bin: &Path) -> Option<String> {
    let out = Command::new(bin)
        .args([&case.program, "--at", &case.at, "--format", "json"])
        .env_remove("NO_COLOR")
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) => return Some(format!("could not run the binary: {e}")),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Some(format!("exit {:?}: {}", out.status.code(), stderr.trim()));
    }
    let json: Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => return Some(format!("not JSON ({e})")),
    };
    let gradient = json["gradient"].as_object().cloned().unwrap_or_default();
    let scale = case.want.iter().map(|(_, w)| w.abs()).fold(0.0, f64::max);
    let mut wrong = Vec::new();
    for (name, want) in &case.want {
        let got = match name.as_str() {
            "value" => json["value"].as_f64(),
            _ => gradient.get(name).map_or(Some(0.0), Value::as_f64),
        };
        match got {
            Some(got) if close(got, *want, scale) => {}
            Some(got) => wrong.push(format!(
                "{name}: tool {got:?}, PyTorch {want:?} (difference {:.3e})",
                got - want
            )),
            None => wrong.push(format!("{name}: tool null, PyTorch {want:?}")),
        }
    }
    for (name, got) in &gradient {
        let known = case.want.iter().any(|(n, _)| n == name);
        if known {
            continue;
        }
        if case.index.contains(name) {
            if got.as_f64() != Some(0.0) {
                wrong.push(format!("{name} is an index: its gradient is 0, tool {got}"));
            }
        } else {
            wrong.push(format!("{name}: a gradient PyTorch does not have ({got})"));
        }
    }
    (!wrong.is_empty()).then(|| wrong.join("\n    "))
}

/// Runs every case (two processes at a time) and fails listing the
/// programs that disagree.
fn parity(file: &str, at_least: usize) {
    let cases = load(file);
    assert!(cases.len() >= at_least, "{file}: {} cases", cases.len());
    let bin = assert_cmd::cargo::cargo_bin("autograd-cli");
    let threads = 2;
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (cases, bin) = (&cases, &bin);
                s.spawn(move || {
                    let mut out = Vec::new();
                    for (k, case) in cases.iter().enumerate().skip(t).step_by(threads) {
                        if let Some(why) = judge(case, bin) {
                            out.push((
                                k,
                                format!(
                                    "case {k}: autograd-cli '{}' --at '{}'\n    {why}",
                                    case.program, case.at
                                ),
                            ));
                        }
                    }
                    out
                })
            })
            .collect();
        let mut all: Vec<(usize, String)> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect();
        all.sort();
        all.into_iter().map(|(_, f)| f).collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} programs of {file} disagree with PyTorch (first 20):\n{}",
        failures.len(),
        cases.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

#[test]
fn random_tensor_programs_agree_with_pytorch() {
    parity("cases.json", 1000);
}

#[test]
fn index_variables_and_axis_reductions_agree_with_pytorch() {
    parity("cases_index_axis.json", 300);
}

/// The random programs cover what they claim: every construction appears.
#[test]
fn the_programs_use_every_operation() {
    let programs: Vec<String> = load("cases.json").into_iter().map(|c| c.program).collect();
    let has = |needle: &str| programs.iter().any(|p| p.contains(needle));
    let functions = [
        "sin(",
        "cos(",
        "tan(",
        "asin(",
        "acos(",
        "atan(",
        "sinh(",
        "cosh(",
        "tanh(",
        "exp(",
        "ln(",
        "log(",
        "log2(",
        "log10(",
        "log1p(",
        "sqrt(",
        "abs(",
        "sigmoid(",
        "σ(",
        "relu(",
        "softplus(",
        "logsigmoid(",
        "max(",
        "min(",
        "pow(",
        "step(",
        "sign(",
        "sum(",
        "mean(",
        "dot(",
        "norm(",
        "softmax(",
        "logsumexp(",
        "transpose(",
    ];
    for f in functions {
        assert!(has(f), "no program calls {f}…)");
    }
    for op in [" + ", " - ", " * ", " / ", "^", " @ ", "'", "[[", "; "] {
        assert!(has(op), "no program uses `{op}`");
    }
    // Large arguments of softmax and logsumexp.
    for f in ["softmax(", "logsumexp("] {
        let large = programs
            .iter()
            .any(|p| p.contains(f) && (p.contains("800") || p.contains("1000")));
        assert!(large, "no {f}…) near 800");
    }
    // Constant indexing: `x[2]` or a row `W[1]`, and `W[1, 0]`.
    assert!(programs.iter().any(|p| constant_index(p, 1)));
    assert!(programs.iter().any(|p| constant_index(p, 2)));
}

/// Whether `p` indexes something with `k` constant indices (`x[2]`,
/// `W[1, 0]`).
fn constant_index(p: &str, k: usize) -> bool {
    p.match_indices('[').any(|(i, _)| {
        let before = p[..i].chars().next_back();
        let after = &p[i + 1..];
        let Some(end) = after.find(']') else {
            return false;
        };
        let inside = &after[..end];
        let parts: Vec<&str> = inside.split(", ").collect();
        matches!(before, Some(c) if c.is_alphanumeric() || c == ')' || c == '\'')
            && parts.len() == k
            && parts
                .iter()
                .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
    })
}
