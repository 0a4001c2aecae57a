//! Formula answers against SymPy (`tests/formulas/cases.json`, written by
//! `tests/formulas/generate.py`): every equivalent rewrite of a derivative
//! passes, every perturbed one (a factor 2, a sign, a dropped term, a
//! dropped chain factor) fails. One run of the binary a case, its answers
//! each a check; every mismatch is reported at once.

mod common;

use serde_json::Value;

#[test]
fn sympy_rewrites_pass_and_perturbations_fail() {
    let text = include_str!("formulas/cases.json");
    let cases: Vec<Value> = serde_json::from_str(text).unwrap_or_default();
    assert!(cases.len() > 100, "the cases are read");
    let (mut rewritten, mut perturbed) = (0, 0);
    let mut wrong = Vec::new();
    for case in &cases {
        let s = |k: &str| case[k].as_str().unwrap_or_default().to_string();
        let (program, at, target) = (s("program"), s("at"), s("target"));
        let answers = |k: &str| case[k].as_array().cloned().unwrap_or_default();
        let mut list: Vec<(String, String, bool)> = Vec::new();
        for (key, should_pass) in [("equivalent", true), ("perturbed", false)] {
            for a in answers(key) {
                let how = a["how"].as_str().unwrap_or_default().to_string();
                list.push((
                    a["formula"].as_str().unwrap_or_default().to_string(),
                    how,
                    should_pass,
                ));
            }
        }
        let mut args = vec![
            program.clone(),
            "--at".into(),
            at.clone(),
            "--format".into(),
            "json".into(),
        ];
        for (formula, _, _) in &list {
            args.push("--expect".into());
            args.push(format!("{target} = {formula}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = common::run(&args);
        let out: Value = serde_json::from_str(&r.stdout).unwrap_or_default();
        let checks = out["checks"].as_array().cloned().unwrap_or_default();
        if checks.len() != list.len() || !matches!(r.code, 0 | 1) {
            wrong.push(format!("{program} at {at}: exit {} {}", r.code, r.stderr));
            continue;
        }
        for ((formula, how, should_pass), check) in list.iter().zip(&checks) {
            let passed = check["passed"].as_bool();
            if passed != Some(*should_pass) {
                wrong.push(format!(
                    "{program} at {at}: {target} = {formula} ({how}) should {}: {}",
                    if *should_pass { "pass" } else { "fail" },
                    check["reason"]
                ));
            }
            if *should_pass && how != "SymPy's derivative" {
                rewritten += 1;
            }
            perturbed += usize::from(!should_pass);
        }
    }
    assert!(
        rewritten >= 200 && perturbed >= 200,
        "{rewritten} rewrites, {perturbed} perturbations"
    );
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
