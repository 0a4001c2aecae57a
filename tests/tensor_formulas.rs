//! `--symbolic` on vectors and matrices (SPEC §9): one formula per element,
//! in the elements' names (`∂L/∂W[0,1]`), its steps a tensor's elements
//! (`h[0] = tanh(…)`). The printed formulas are read back as a program to
//! give their values, so each value is compared here with the numeric
//! backward pass of the same program: a formula that read back wrong, or
//! was built wrong, shows as a different number.

mod common;
use common::*;
use serde_json::Value;

const LAYER: &str = "h = tanh(W@x + b); yhat = σ(v@h + c); L = -y*ln(yhat) - (1-y)*ln(1-yhat)";
const LAYER_AT: &str = "W=[[0.5,-0.5],[1,0.25]], x=[2,1], b=[0,-1], v=[1,-2], c=0.5, y=1";

fn symbolic_json(program: &str, at: &str, extra: &[&str]) -> Value {
    let mut args = vec![program, "--at", at, "--symbolic", "--format", "json"];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    serde_json::from_str(&r.stdout).expect("JSON")
}

/// Every formula's value agrees with the backward pass's number.
#[track_caller]
fn agrees_with_backward(program: &str, at: &str, extra: &[&str]) -> Value {
    let formulas = symbolic_json(program, at, extra);
    let numbers = json(program, at);
    let values = formulas["points"][0]["gradient"]
        .as_object()
        .expect("gradient values");
    assert!(!values.is_empty());
    for (name, got) in values {
        let want = num(&numbers["gradient"][name]);
        let got = num(got);
        assert!(
            (got - want).abs() <= 1e-14 * want.abs().max(1.0),
            "{program}: ∂/∂{name} formula gives {got:?}, the backward pass {want:?}"
        );
    }
    formulas
}

#[test]
fn hidden_layer_formulas_per_element() {
    let r = run(&[LAYER, "--at", LAYER_AT, "--symbolic"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "h[0] = tanh(W[0,0]*x[0] + W[0,1]*x[1] + b[0])\n",
            "h[1] = tanh(W[1,0]*x[0] + W[1,1]*x[1] + b[1])\n",
            "yhat = sigmoid(v[0]*h[0] + v[1]*h[1] + c)\n",
            "∂L/∂W[0,0] = x[0]*v[0]*(yhat - y)*(1 - h[0]^2) = -1.0629329663166258\n",
            "∂L/∂W[1,1] = x[1]*v[1]*(yhat - y)*(1 - h[1]^2) = 0.3789981113994265\n",
            "∂L/∂b[1] = v[1]*(yhat - y)*(1 - h[1]^2) = 0.3789981113994265\n",
            "∂L/∂v[0] = h[0]*(yhat - y) = -0.31229002269466133\n",
            "∂L/∂c = yhat - y = -0.6757810606866338\n",
        ],
    );
    let out = agrees_with_backward(LAYER, LAYER_AT, &[]);
    assert_eq!(
        out["steps"]["h[1]"],
        "tanh(W[1,0]*x[0] + W[1,1]*x[1] + b[1])"
    );
}

#[test]
fn softmax_cross_entropy_formulas_read_back() {
    // Only p[2] is used by L; the formulas read back all the same.
    let program = "z = V@x; p = softmax(z); L = -ln(p[2])";
    let at = "V=[[1,0],[0,1],[1,1]], x=[2,1]";
    let out = agrees_with_backward(program, at, &[]);
    assert_eq!(out["steps"]["z[0]"], "V[0,0]*x[0] + V[0,1]*x[1]");
    assert!(out["steps"]["p[2]"]
        .as_str()
        .is_some_and(|f| f.contains("exp(z[2]")));
    // Unnamed, the same gradients as formulas in the variables alone.
    agrees_with_backward("L = -ln(softmax(V@x)[2])", at, &[]);
    agrees_with_backward(program, at, &["--inline"]);
}

#[test]
fn matrix_steps_and_broadcasting() {
    // A matrix step (H, 2×2) read back as a list of rows; a vector along
    // a matrix's last axis; a reduction.
    let program = "H = W*s + b; L = sum(H@x) + mean(H^2)";
    let at = "W=[[1,2],[3,4]], s=0.5, b=[0.25,-1], x=[1,-2]";
    let out = agrees_with_backward(program, at, &[]);
    assert_eq!(out["steps"]["H[1,0]"], "W[1,0]*s + b[0]");
}

#[test]
fn hessian_formulas_agree_with_the_double_backward() {
    // Inline, each second derivative is a formula in W's and x's elements
    // alone: evaluated as a program at the point, it must give the double
    // backward's number.
    let program = "h = tanh(W@x); L = dot(h, h)";
    let at = "W=[[0.5,-1],[2,0.25]], x=[1,2]";
    let formulas = symbolic_json(program, at, &["--hessian", "--inline"]);
    let numbers = &formulas["points"][0]["hessian"];
    let rows = formulas["hessian"].as_object().expect("hessian formulas");
    assert_eq!(rows.len(), 6, "W's four elements and x's two");
    let mut nonzero = 0;
    for (u, row) in rows {
        for (v, formula) in row.as_object().expect("row") {
            let formula = formula.as_str().expect("a formula");
            let want = num(&numbers[u][v]);
            let r = run(&[formula, "--at", at, "--format", "json"]);
            assert_eq!(r.code, 0, "∂²L/∂{u}∂{v} = {formula}: {}", r.stderr);
            let got = num(&serde_json::from_str::<Value>(&r.stdout).expect("JSON")["value"]);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "∂²L/∂{u}∂{v} = {formula} = {got}, the double backward says {want}"
            );
            nonzero += usize::from(formula != "0");
        }
    }
    assert!(nonzero >= 20, "{nonzero} nonzero second derivatives");
}

#[test]
fn latex_writes_elements_with_subscripts() {
    let r = run(&[
        "h = tanh(x); yhat = dot(v, h)",
        "--at",
        "v=[1,2], x=[1,1]",
        "--format",
        "latex",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_contains(
        &r.stdout,
        &[
            "h_{0} &= \\tanh\\left(x_{0}\\right)",
            "\\frac{\\partial \\hat{y}}{\\partial x_{1}} &= v_{1} \\left(1 - {h_{1}}^{2}\\right)",
        ],
    );
}

#[test]
fn a_formula_answers_one_element_in_the_elements_names() {
    // The answer is read with the program's shapes, so `x[0]` is x's
    // element (it was "x is a number: `x[0]` has 1 index").
    let at = "W=[[1,2],[3,4]], x=[1,2]";
    let check = |answer: &str| run(&["sum(W@x)", "--at", at, "--expect", answer]);
    let r = check("df/dW[0,0]=x[0], df/dx[1]=W[0,1]+W[1,1]");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_contains(
        &r.stdout,
        &["equal at every point compared", "checks: 2 of 2 correct"],
    );
    // Right at the point, wrong where x[0] < 0: the random points find it.
    let r = check("df/dW[0,0]=abs(x[0])");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, &["FAILED  df/dW[0,0]", "your formula gives"]);
    // Another element's derivative.
    let r = check("df/dW[1,1]=x[0]");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, &["this is ∂f/∂W[0,0], not ∂f/∂W[1,1]"]);
}
