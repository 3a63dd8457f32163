//! The last guard on output: the net under [`sanitize`](super::sanitize).
//!
//! Text is sanitized where it enters, and that stays the rule. But a record written
//! before a sanitizer rule existed, a path that forgot it, or a restored backup can
//! still hold a raw control; once it reaches a terminal it is too late. So every byte
//! of text camp sends goes through one of these at its choke point: the exec output
//! writer ([`guard_output`], or [`guard_json`] for `--json`) and the TUI's frame
//! buffer, cell by cell ([`guard_symbol`]). They only remove: ESC, C0 controls other
//! than newline and tab, DEL, C1 controls, and the bidi embeddings, overrides and
//! isolates (plus U+FEFF) that [`sanitize`](super::sanitize) removes too. What is left
//! of an escape sequence after its ESC is gone is plain, harmless text.
//!
//! Binary output (a future `backup` or `export` verb) is exempt and must not pass here.

use std::borrow::Cow;

/// Whether `c` may never reach a terminal as text.
fn forbidden(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        // C0, DEL and C1.
        c if c.is_control() => true,
        c => super::is_hidden_format(c),
    }
}

/// `s` without any character a terminal could act on (see the module doc); borrowed
/// when there was nothing to remove, which is the common case.
pub fn guard_output(s: &str) -> Cow<'_, str> {
    if !s.chars().any(forbidden) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().filter(|c| !forbidden(*c)).collect())
}

/// [`guard_output`] for JSON text: also drops the escapes that would decode to a
/// forbidden character (`\u001b`, `\b`, `\f`, `\r`, `\u202e`, ...), so a script that
/// prints a decoded string value is as safe as the text output. Escapes for newline,
/// tab, quotes and backslashes stay, so valid JSON stays valid with the same structure.
pub fn guard_json(s: &str) -> Cow<'_, str> {
    let raw = guard_output(s);
    if !raw.contains('\\') {
        return raw;
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw.as_ref();
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let esc = &rest[i..];
        let len = escape_len(esc);
        if !escape_forbidden(&esc[..len]) {
            out.push_str(&esc[..len]);
        }
        rest = &esc[len..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Length in bytes of the escape at the start of `s` (which starts with a backslash):
/// `\uXXXX` is six, any other two (one when the text ends after the backslash).
fn escape_len(s: &str) -> usize {
    let b = s.as_bytes();
    match b.get(1) {
        Some(b'u') if b.len() >= 6 && b[2..6].iter().all(u8::is_ascii_hexdigit) => 6,
        Some(_) => 1 + s[1..].chars().next().map_or(0, char::len_utf8),
        None => 1,
    }
}

/// Whether a JSON escape decodes to a character [`guard_output`] would remove.
fn escape_forbidden(esc: &str) -> bool {
    match esc {
        "\\b" | "\\f" | "\\r" => true,
        e if e.len() == 6 && e.starts_with("\\u") => u32::from_str_radix(&e[2..], 16)
            .ok()
            .and_then(char::from_u32)
            .is_some_and(forbidden),
        _ => false,
    }
}

/// A ratatui cell's symbol made safe: the symbol itself when it is clean (nearly
/// always), otherwise what is left of it, or a space when nothing is, so the cell
/// still fills its one column and the rest of the row stays where it was drawn.
///
/// Inline, so that the plain printable ASCII which fills most screens costs no call
/// (every changed cell of every session's frame passes here).
#[inline]
pub fn guard_symbol(symbol: &str) -> Option<String> {
    if let [b] = symbol.as_bytes()
        && (0x20..0x7f).contains(b)
    {
        return None;
    }
    guard_other_symbol(symbol)
}

/// [`guard_symbol`] for a symbol that is not one printable ASCII byte.
fn guard_other_symbol(symbol: &str) -> Option<String> {
    match guard_output(symbol) {
        Cow::Borrowed(_) => None,
        Cow::Owned(s) if s.is_empty() || s == "\n" || s == "\t" => Some(" ".into()),
        Cow::Owned(s) => Some(s.replace(['\n', '\t'], " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_keeps_text_and_drops_every_control() {
        assert!(matches!(
            guard_output("héllo\n\tworld 🎉 \u{200f}"),
            Cow::Borrowed(_)
        ));
        let hostile = "a\x1b]0;pwn\x07b\u{9b}31mc\u{202e}d\u{2066}e\x7f\r\x00f\u{feff}\u{85}";
        assert_eq!(guard_output(hostile), "a]0;pwnb31mcdef");
    }

    #[test]
    fn json_escapes_of_controls_go_and_the_json_stays_valid() {
        let value = serde_json::json!({
            "text": "x\x1b[2Jy\u{9d}z\u{202e}\r\nq\t\"\\u001b\"",
            "name": "\u{8}\u{c}ok",
        });
        let text = value.to_string();
        assert!(text.contains("\\u001b"), "serde escapes ESC: {text}");
        let guarded = guard_json(&text);
        let back: serde_json::Value = serde_json::from_str(&guarded).unwrap();
        // The literal text `\u001b` typed by someone (an escaped backslash) stays.
        assert_eq!(back["text"], "x[2Jyz\nq\t\"\\u001b\"");
        assert_eq!(back["name"], "ok");
        assert_eq!(guard_json("no escapes"), "no escapes");
        assert_eq!(guard_json("trailing \\"), "trailing \\");
    }

    #[test]
    fn cells_keep_their_column() {
        assert_eq!(guard_symbol("a"), None);
        assert_eq!(guard_symbol("界"), None);
        assert_eq!(guard_symbol("\u{202e}"), Some(" ".into()));
        assert_eq!(guard_symbol("\x1b"), Some(" ".into()));
        assert_eq!(guard_symbol("e\u{301}\u{202e}"), Some("e\u{301}".into()));
    }
}
