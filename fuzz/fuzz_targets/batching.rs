//! Chunked parsing (the path for big inputs) must build exactly the program
//! a whole parse builds, or fail with exactly the same error: checked with
//! tiny chunks so that 4 KiB inputs go through the batching code.
#![no_main]

use autograd::parse::parse_program_chunked;
use libfuzzer_sys::fuzz_target;


fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let whole = parse_program_chunked(source, usize::MAX);
    if let Err(e) = &whole {
        let _ = e.render(source, "expression");
    }
    for chunk in [1, 8, 64] {
        let chunked = parse_program_chunked(source, chunk);
        match (&whole, &chunked) {
            (Ok(w), Ok(c)) => assert_eq!(w, c, "chunk_bytes = {chunk}: {source:?}"),
            // The same kind of error at the same place with the same hint;
            // the wording of "expected …" may differ with where a piece starts.
            (Err(w), Err(c)) => assert!(
                std::mem::discriminant(&w.kind) == std::mem::discriminant(&c.kind)
                    && w.span == c.span
                    && w.help == c.help,
                "chunk_bytes = {chunk}: {source:?}: {w:?} vs {c:?}"
            ),
            _ => panic!("chunk_bytes = {chunk}: {source:?}: {whole:?} vs {chunked:?}"),
        }
    }
});
