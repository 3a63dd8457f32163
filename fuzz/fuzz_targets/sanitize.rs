//! Fuzzes `text::sanitize` and the layout functions with arbitrary bytes.
//!
//! Run with
//! `cargo +nightly fuzz run sanitize`. The first byte picks the width so
//! the fuzzer explores narrow layouts as eagerly as hostile text.
#![no_main]

use camp::text::{char_count, fit, sanitize, sanitize_line, truncate, width, wrap};
use libfuzzer_sys::fuzz_target;

/// The one overflow `wrap` allows: a lone double-width grapheme at width 1.
fn line_fits(line: &str, max: usize) -> bool {
    let w = width(line);
    w <= max || (max == 1 && w <= 2 && char_count(line) == 1)
}

fn without_whitespace(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn check_wrap(text: &str, w: usize) {
    let lines = wrap(text, w);
    assert!(!lines.is_empty());
    assert!(lines.len() >= text.split('\n').count());
    for line in &lines {
        assert!(!line.contains('\n'), "{line:?}");
        assert!(!line.contains('\t'), "{line:?}");
        assert!(
            line_fits(line, w.max(1)),
            "line {line:?} is {} cells, width {w}, input {text:?}",
            width(line)
        );
    }
    assert_eq!(
        without_whitespace(&lines.concat()),
        without_whitespace(text),
        "wrap lost content at width {w}, input {text:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let (w, bytes) = match data.split_first() {
        Some((&first, rest)) => (usize::from(first % 48), rest),
        None => (0, data),
    };
    let input = String::from_utf8_lossy(bytes);

    let clean = sanitize(&input);
    for c in clean.chars() {
        assert!(
            c == '\n' || c == '\t' || !c.is_control(),
            "control {c:?} survived in {clean:?} from {input:?}"
        );
        assert!(
            !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'),
            "bidi/BOM {c:?} survived in {clean:?} from {input:?}"
        );
    }
    assert_eq!(sanitize(&clean), clean, "sanitize is not idempotent");

    let line = sanitize_line(&input);
    assert!(!line.contains(['\n', '\t']), "{line:?}");
    assert_eq!(line.trim(), line);

    // Layout must hold on sanitised text and must not panic or overflow on
    // raw text either, since a caller may forget to sanitise.
    check_wrap(&clean, w);
    check_wrap(&input, w);

    for text in [&*line, &*input] {
        let t = truncate(text, w);
        assert!(width(&t) <= w, "truncate({text:?}, {w}) = {t:?}");
        let f = fit(text, w);
        assert_eq!(width(&f), w, "fit({text:?}, {w}) = {f:?}");
    }
});
