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
