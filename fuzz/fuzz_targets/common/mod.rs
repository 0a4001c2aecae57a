//! Shared by the fuzz targets: workarounds for known findings, so that a run
//! keeps looking for new ones. `AUTOGRAD_FUZZ_STRICT=1` turns every
//! workaround off (use it to check a fix: the regressions must then pass).
#![allow(dead_code)]

use std::sync::OnceLock;

/// True when `AUTOGRAD_FUZZ_STRICT` is set to anything but `0` or empty.
pub fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| {
        std::env::var("AUTOGRAD_FUZZ_STRICT").is_ok_and(|v| !v.is_empty() && v != "0")
    })
}

/// Deepest nesting of "call-like" parentheses let through; see
/// [`too_slow_to_parse`].
pub const MAX_CALL_NESTING: usize = 10;

/// Known finding `pipeline-call-nesting-timeout` (fuzz/README.md): a `(`
/// right after an operand (`f(`, `2(`) that fails to parse inside is parsed
/// again as implicit multiplication, so the time doubles with each level:
/// `f(f(f(…(x` with 20 levels takes many seconds. Inputs nesting such
/// parentheses deeper than [`MAX_CALL_NESTING`] are skipped (plain `((((`
/// nesting is linear and still fuzzed to any depth).
pub fn too_slow_to_parse(text: &str) -> bool {
    if strict() {
        return false;
    }
    // One entry per open parenthesis: whether it follows an operand.
    let mut stack: Vec<bool> = Vec::new();
    let mut calls = 0usize;
    let mut prev: Option<char> = None;
    for c in text.chars() {
        match c {
            '(' => {
                let after_operand = prev.is_some_and(|p| {
                    p.is_alphanumeric() || p == '_' || p == '.' || p == ')' || !p.is_ascii()
                });
                stack.push(after_operand);
                if after_operand {
                    calls += 1;
                    if calls > MAX_CALL_NESTING {
                        return true;
                    }
                }
            }
            ')' => {
                if stack.pop() == Some(true) {
                    calls -= 1;
                }
            }
            // Statements end at newlines and `;`, but an unclosed `(` is an
            // error that pest may still explore; stay conservative and
            // keep counting.
            _ => {}
        }
        if c != ' ' && c != '\t' {
            prev = Some(c);
        }
    }
    false
}

/// Known finding `pipeline-unbindable-mark-name` (fuzz/README.md): the
/// grammar lets a name contain any combining mark (`MARK`), `--at` only
/// those in a few ranges, so `x` + U+0487 is a variable that no `--at` can
/// bind. Unless strict, such a binding error is not a failure.
pub fn unbindable_name(e: &autograd::Error) -> bool {
    !strict()
        && matches!(&e.kind, autograd::ErrorKind::Binding { reason, .. }
            if reason.ends_with("is not a variable name"))
}
