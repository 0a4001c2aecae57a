//! The two-thread reader: inputs of [`TWO_READERS_BYTES`] and more.

use super::builder::Builder;
use super::piece::{read_pieces, Place, Reader, Step, Token};
use super::wording::internal;
use super::{PARSER_STACK_BYTES, TIGHT_BYTES};
use crate::ast::Program;
use crate::error::{Error, Result};

/// Inputs at least this long are read by two readers: the second starts at
/// an operator in the middle (found by pest: the first that begins a piece),
/// and its pieces are used when the first reader's pieces end exactly there
/// inside a statement, which proves it an operator of the statement's top
/// level. Otherwise its work is dropped.
pub(super) const TWO_READERS_BYTES: usize = 1 << 20;

/// What the second reader read: its pieces, and why it stopped.
struct Second {
    pieces: Vec<Vec<Token>>,
    stop: Result<Option<Reader>>,
}

/// The second reader: from the first `+` after the middle that begins a
/// piece, to the end or to a term it cannot place.
fn read_second(
    source: &str,
    start: &std::sync::atomic::AtomicUsize,
    cancel: &std::sync::atomic::AtomicBool,
) -> Second {
    use std::sync::atomic::Ordering;
    let mut from = source.len() / 2;
    let mut pieces = Vec::new();
    let mut reader = None;
    for _ in 0..16 {
        let Some(s) = source
            .get(from..)
            .and_then(|rest| rest.find('+'))
            .map(|i| from + i)
        else {
            break;
        };
        let mut r = Reader::new();
        r.pos = s;
        r.last_end = s;
        r.place = Place::More;
        r.open = true;
        if let Ok(Step::Tokens(tokens)) = r.next(source, None, None) {
            if !tokens.is_empty() {
                pieces.push(tokens);
                start.store(s, Ordering::Release);
                reader = Some(r);
                break;
            }
        }
        from = s + 1;
    }
    let Some(mut reader) = reader else {
        start.store(usize::MAX, Ordering::Release);
        return Second {
            pieces,
            stop: Ok(None),
        };
    };
    // Stopped when the first reader fails or passes the start without
    // using it.
    while !reader.done && !cancel.load(Ordering::Relaxed) {
        match reader.next(source, None, None) {
            Ok(Step::Tokens(tokens)) => pieces.push(tokens),
            Ok(_) => {
                return Second {
                    pieces,
                    stop: Ok(Some(reader)),
                }
            }
            Err(e) => {
                return Second {
                    pieces,
                    stop: Err(e),
                }
            }
        }
    }
    Second {
        pieces,
        stop: Ok(None),
    }
}

pub(super) fn read_program(source: &str) -> Result<Program<'_>> {
    let two = source.len() >= TWO_READERS_BYTES
        && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    read_program_with(source, two)
}

pub(super) fn read_program_with(source: &str, two: bool) -> Result<Program<'_>> {
    let mut builder = Builder::new(source);
    // About one expression per two bytes of a long sum; reserving it up front
    // saves copying a 100 MB arena as it grows (untouched pages cost nothing).
    if source.len() > TIGHT_BYTES {
        builder.exprs.reserve(source.len() / 2);
    }
    if !two {
        read_pieces(source, &mut builder, Reader::new(), None)?;
        return builder.finish_program();
    }
    let start = std::sync::atomic::AtomicUsize::new(0);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let second = std::thread::Builder::new()
            .name("autograd-parse-2".into())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || read_second(source, &start, &cancel))
            .map_err(|_| internal("parser thread"))?;
        let reached = read_pieces(source, &mut builder, Reader::new(), Some(&start));
        if !matches!(reached, Ok(Some(()))) {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let reached = reached?;
        let second = second.join().map_err(|_| internal("parser thread"))?;
        if let Some(()) = reached {
            let mut done = false;
            for piece in second.pieces {
                builder.feed(&mut piece.into_iter().peekable(), &mut done)?;
            }
            if let Some(reader) = second.stop? {
                read_pieces(source, &mut builder, reader, None)?;
            }
        }
        Ok::<_, Error>(())
    })?;
    builder.finish_program()
}
