//! `--train` on tensor parameters (SPEC §9, issue 21): a 2-8-1 network
//! (tanh hidden layer, logits loss softplus(z) - y*z) trained by SGD and
//! Adam against torch.optim in float64 (tests/tensor_train/generate.py),
//! every step's loss, parameters and gradient to 1e-9 relative.

mod common;

use common::run;
use serde_json::Value;

#[track_caller]
fn close(actual: f64, expected: f64, what: &str) {
    let scale = expected.abs().max(1e-12);
    assert!(
        (actual - expected).abs() <= 1e-9 * scale || actual == expected,
        "{what}: {actual} against torch's {expected} (relative error {:e})",
        (actual - expected).abs() / scale
    );
}

/// A number or nested arrays, flattened row-major.
fn flat(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| flat(i, out)),
        other => out.push(other.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Same keys in the same order, and each tensor's shape and entries.
#[track_caller]
fn compare(actual: &Value, expected: &Value, what: &str) {
    let (Some(a), Some(e)) = (actual.as_object(), expected.as_object()) else {
        panic!("{what}: not an object: {actual}");
    };
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        e.keys().collect::<Vec<_>>(),
        "{what}: the parameters, in --train's order"
    );
    for (k, ev) in e {
        let av = &a[k];
        // Nested as torch's: a matrix's rows, a vector, a number.
        let shape = |v: &Value| match v {
            Value::Array(rows) => match rows.first() {
                Some(Value::Array(cols)) => vec![rows.len(), cols.len()],
                _ => vec![rows.len()],
            },
            _ => vec![],
        };
        assert_eq!(shape(av), shape(ev), "{what}.{k}: shape");
        let (mut x, mut y) = (Vec::new(), Vec::new());
        flat(av, &mut x);
        flat(ev, &mut y);
        assert_eq!(x.len(), y.len(), "{what}.{k}");
        for (i, (p, q)) in x.iter().zip(&y).enumerate() {
            close(*p, *q, &format!("{what}.{k}[{i}]"));
        }
    }
}

#[test]
fn a_2_8_1_network_trains_as_torch_optim() {
    let text = std::fs::read_to_string("tests/tensor_train/trajectories.json").expect("committed");
    let all: Value = serde_json::from_str(&text).expect("JSON");
    let cases = all["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 4);
    let mut optimizers = Vec::new();
    for case in cases {
        let name = case["name"].as_str().expect("a name");
        let mut args: Vec<&str> = case["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(|a| a.as_str().expect("text"))
            .collect();
        optimizers.push(args[args.iter().position(|a| *a == "--optim").expect("--optim") + 1]);
        args.extend(["--format", "json"]);
        let r = run(&args);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let out: Value = serde_json::from_str(&r.stdout).expect("JSON");
        let want = case["steps"].as_array().expect("steps");
        let got = out["steps"].as_array().expect("steps");
        assert!(want.len() >= 100, "{name}: {} steps", want.len());
        assert_eq!(got.len(), want.len(), "{name}: the number of steps");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let at = format!("{name}, step {}", i + 1);
            close(
                g["loss"].as_f64().unwrap_or(f64::NAN),
                w["loss"].as_f64().unwrap_or(0.0),
                &format!("{at}: loss"),
            );
            compare(&g["params"], &w["params"], &format!("{at}: params"));
            compare(&g["gradient"], &w["gradient"], &format!("{at}: gradient"));
        }
        compare(
            &out["params"],
            &case["params"],
            &format!("{name}: final params"),
        );
        close(
            out["loss"].as_f64().unwrap_or(f64::NAN),
            case["loss"].as_f64().unwrap_or(0.0),
            &format!("{name}: final loss"),
        );
    }
    optimizers.sort_unstable();
    optimizers.dedup();
    assert_eq!(optimizers, ["adam", "sgd"]);
}

/// examples/two_moons/run.sh: the 2-8-1 network on a two-moons CSV it
/// generates, trained with Adam, reaches the accuracy the README states
/// (200 of 200 training points, 197 of 200 unseen points with this awk;
/// another awk's last-digit rounding may move a point or two, so the test
/// asks for at least 97%).
#[test]
fn the_two_moons_example_reaches_its_accuracy() {
    let dir = std::env::temp_dir().join(format!("autograd-cli-two-moons-{}", std::process::id()));
    let out = std::process::Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/two_moons/run.sh"
        ))
        .arg(&dir)
        .env("AUTOGRAD_CLI", env!("CARGO_BIN_EXE_autograd-cli"))
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let right = |set: &str| -> u32 {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{set} accuracy: ")))
            .unwrap_or_else(|| panic!("no {set} accuracy in {stdout}"));
        let of = line.split_whitespace().nth(2).unwrap_or_default();
        assert!(line.contains(" of 200 "), "{line}");
        of.parse().unwrap_or(0)
    };
    assert!(right("train") >= 198, "{stdout}");
    assert!(right("test") >= 194, "{stdout}");
    // The saved weights read back with --at @FILE.
    let trained = std::fs::read_to_string(dir.join("trained.txt")).expect("saved");
    assert!(trained.starts_with("W=[["), "{trained}");
    let _ = std::fs::remove_dir_all(&dir);
}
