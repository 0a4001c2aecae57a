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
        assert_eq!(
            whole, chunked,
            "chunk_bytes = {chunk} differs from a whole parse of {source:?}"
        );
    }
});
