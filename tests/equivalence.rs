//! The equivalence table (`tests/answers/equivalence.tsv`, written by
//! `tests/answers/generate.py` from STACK's answer-test fixtures, each pair
//! both ways) through the real binary: `autograd-cli TRUE --expect 'f =
//! ANSWER'` passes exactly when the table says the answer is equivalent as
//! a real-valued formula (README, "Formula answers";
//! `tests/answers/real_vs_complex.md` lists where that differs from a
//! complex-valued checker such as STACK's).

mod common;

use serde_json::Value;

#[test]
fn public_equivalence_pairs_get_the_real_valued_verdict() {
    let text = include_str!("answers/equivalence.tsv");
    let mut rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert!(rows.len() >= 300, "{} rows", rows.len());
    // One run of the binary for every answer to the same true formula.
    rows.sort_by_key(|r| r[4]);
    let (mut wrong, mut checked) = (Vec::new(), 0);
    for group in rows.chunk_by(|a, b| a[4] == b[4]) {
        let truth = group[0][4];
        let mut args = vec![truth.to_string(), "--format".into(), "json".into()];
        for row in group {
            args.push("--expect".into());
            args.push(format!("f = {}", row[5]));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = common::run(&args);
        let out: Value = serde_json::from_str(&r.stdout).unwrap_or_default();
        let checks = out["checks"].as_array().cloned().unwrap_or_default();
        // A true formula undefined on all of [-2, 2] has no point to show:
        // a usage error that asks for --domain (the table: not equivalent).
        let nowhere = group
            .iter()
            .all(|row| row[7].contains("undefined almost everywhere"));
        if nowhere && r.code == 2 && r.stderr.contains("range with --domain") {
            checked += group.len();
            continue;
        }
        if checks.len() != group.len() || !matches!(r.code, 0 | 1) {
            wrong.push(format!("{truth}: exit {} {}", r.code, r.stderr));
            continue;
        }
        for (row, check) in group.iter().zip(&checks) {
            checked += 1;
            let want = row[6] == "yes";
            if check["passed"].as_bool() != Some(want) {
                wrong.push(format!(
                    "{} ({}): f = {truth}, answer {}: the table says {}, the tool: {}",
                    row[0], row[3], row[5], row[6], check["reason"]
                ));
            }
        }
    }
    assert!(checked >= 300, "{checked} checked");
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
