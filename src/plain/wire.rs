//! The one way out of the line mode: text to bytes a screen reader can take.
//!
//! Whatever produced the text (our own lines, a verb's output, a post), what leaves is
//! printable characters and CR LF: the last output guard removes every control and
//! escape introducer, a tab becomes a space (a tab stop moves the cursor), and each
//! newline becomes CR LF. So no cursor movement, colour or redraw can reach the client
//! from this mode, whatever a bug upstream lets through.

/// `text` as the bytes sent to the client: printable characters, and CR LF for '\n'.
pub fn encode(text: &str) -> Vec<u8> {
    let guarded = crate::text::guard_output(text);
    let mut out = Vec::with_capacity(guarded.len() + guarded.len() / 16);
    let mut utf8 = [0u8; 4];
    for c in guarded.chars() {
        match c {
            '\n' => out.extend_from_slice(b"\r\n"),
            '\t' => out.push(b' '),
            // The guard has removed these already; never rely on a single net.
            c if c.is_control() => {}
            c => out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes()),
        }
    }
    out
}

/// True when `bytes` hold nothing but what [`encode`] may send: valid UTF-8 with no
/// control character except CR directly followed by LF, and LF. For tests and checks.
pub fn is_plain(bytes: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {}
            c if c.is_control() => return false,
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_in_cr_lf_and_tabs_become_spaces() {
        assert_eq!(encode("a\tb\nc\n"), b"a b\r\nc\r\n");
        assert_eq!(encode("☃ ok"), "☃ ok".as_bytes());
    }

    #[test]
    fn no_control_or_escape_gets_out() {
        let hostile = "\x1b[2J\x1b]0;title\x07red\x1b[31m\r\x08\x7f\u{9b}1m\u{202e}txt\x00";
        let bytes = encode(hostile);
        assert!(is_plain(&bytes), "{bytes:?}");
        assert!(!bytes.contains(&0x1b));
        assert!(!bytes.contains(&0x08));
        assert_eq!(String::from_utf8(bytes).unwrap(), "[2J]0;titlered[31m1mtxt");
    }

    #[test]
    fn the_check_refuses_controls_and_lone_carriage_returns() {
        assert!(is_plain(b"a\r\nb\n"));
        assert!(!is_plain(b"a\rb"));
        assert!(!is_plain(b"\x1b[A"));
        assert!(!is_plain(b"a\x08"));
        assert!(!is_plain(b"a\tb"));
        assert!(!is_plain(b"\xff"));
    }
}
