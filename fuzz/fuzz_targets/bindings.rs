//! The small parsers of command-line values, on arbitrary text: each must
//! return a value or an error that renders, never panic.
//!
//! To add a parser (e.g. `--expect`), write a `check_…` function below and
//! call it from the fuzz target.
#![no_main]

use autograd::Error;
use libfuzzer_sys::fuzz_target;


fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_at(text);
    check_constant(text);
    check_expect(text);
});

/// `--expect 'f=136, df/dx=16'`, for an output named `f` and one named `L`.
fn check_expect(text: &str) {
    for output in ["f", "L"] {
        match autograd::check::parse_expectations(text, output) {
            Ok(checks) => {
                for c in &checks {
                    assert!(c.span.end <= text.len() && text.is_char_boundary(c.span.start));
                    let _ = c.accepts(c.expected, None);
                }
            }
            Err(e) => render(&e, text, "--expect"),
        }
    }
}

/// `--at x=4,y=3`.
fn check_at(text: &str) {
    match autograd::bindings::parse(text) {
        Ok(bindings) => {
            for b in &bindings {
                assert!(!b.name.is_empty(), "empty name from {text:?}");
                assert!(b.span.start <= b.span.end && b.span.end <= text.len());
                assert!(text.is_char_boundary(b.span.start) && text.is_char_boundary(b.span.end));
            }
        }
        Err(e) => render(&e, text, "--at"),
    }
}

/// A constant expression such as `1/3` or `-pi/2` (the value of a binding).
fn check_constant(text: &str) {
    if let Err(e) = autograd::constant_value(text) {
        render(&e, text, "--at");
    }
}

fn render(e: &Error, source: &str, origin: &str) {
    let _ = e.render(source, origin);
    let _ = e.exit_code();
}
