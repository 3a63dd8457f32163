//! cargo-fuzz target for the terminal input decoder.
//!
//! Input layout, so the fuzzer itself steers the split points:
//! - byte 0: low 4 bits = how many chunk-length bytes follow; bit 4 set =
//!   use a tiny paste cap (bits 5..8 * 3 bytes) to exercise truncation;
//! - then that many chunk lengths (each byte + 1), cycled;
//! - the rest is the terminal byte stream.
//!
//! Checks: no panics, the same events however the stream is split, and the
//! decoder's output invariants. Only mid-stream `flush_pending` depends on
//! timing, so each run flushes once at the very end, where every run has
//! seen the same bytes and must agree.
#![no_main]

use camp::tui::input::{Decoder, Input, Key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&header, rest)) = data.split_first() else {
        return;
    };
    let count = usize::from(header & 0x0f).min(rest.len());
    let (lengths, bytes) = rest.split_at(count);
    let limit = if header & 0x10 != 0 {
        usize::from(header >> 5) * 3
    } else {
        64 * 1024
    };

    let whole = run(limit, &[bytes]);
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(run(limit, &singles), whole, "byte by byte");
    assert_eq!(
        run(limit, &split(bytes, lengths)),
        whole,
        "split {lengths:?}"
    );
});

/// Splits `bytes` into chunks whose sizes cycle through `lengths`, with an
/// empty chunk before each one since callers may well feed nothing.
fn split<'a>(bytes: &'a [u8], lengths: &[u8]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut rest = bytes;
    let mut sizes = lengths.iter().map(|&l| usize::from(l) + 1).cycle();
    while !rest.is_empty() {
        let size = sizes.next().unwrap_or(rest.len()).min(rest.len());
        let (head, tail) = rest.split_at(size);
        chunks.push(&[][..]);
        chunks.push(head);
        rest = tail;
    }
    chunks
}

fn run(limit: usize, chunks: &[&[u8]]) -> Vec<Input> {
    let mut decoder = Decoder::with_paste_limit(limit);
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk, &mut out);
    }
    decoder.flush_pending(&mut out);
    assert!(!decoder.has_pending(), "flush must resolve everything");
    for input in &out {
        match input {
            Input::Paste(text) => assert!(text.len() <= limit, "paste over cap"),
            Input::Key(event) => {
                if let Key::Char(c) = event.key {
                    assert!(!c.is_control(), "control char {c:?} as Key::Char");
                }
            }
        }
    }
    out
}
