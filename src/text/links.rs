//! Links in post text, and the two terminal sequences that carry text out of camp's
//! own drawing: OSC 8 (a hyperlink around cells) and OSC 52 (put text on the reader's
//! clipboard).
//!
//! Both sequences end at a BEL or an ST (`ESC \`, or the C1 ST), and some terminals
//! end them at any control. A URL from a remote post that carried one of those could
//! close the sequence early and smuggle the rest to the terminal as commands. So a
//! link is only what [`extract`] finds: printable ASCII without spaces, quotes or
//! angle brackets, at most [`MAX_URL`] bytes; [`osc8_open`] checks that again before it
//! writes anything (refusing, not repairing), and [`osc52`] sends only base64 of
//! guarded text, capped at [`MAX_COPY`] bytes. A URL with characters outside ASCII ends
//! where they start (it is not a link past that point): camp never shows a link whose
//! target differs from its text.

use base64ct::{Base64, Encoding};

/// Longest URL that becomes a link (longer ones stay plain text).
pub const MAX_URL: usize = 2048;
/// Most links taken from one post.
pub const MAX_LINKS: usize = 32;
/// Most bytes of text one copy puts on the clipboard (before base64).
pub const MAX_COPY: usize = 16 * 1024;

/// Whether `b` may be part of a link: printable ASCII minus space and the characters
/// that delimit URLs in text (RFC 3986 leaves them out too).
fn url_byte(b: u8) -> bool {
    (0x21..0x7f).contains(&b)
        && !matches!(
            b,
            b'<' | b'>' | b'"' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^'
        )
}

/// The `http://` and `https://` links in `text`, in order, each at most once per
/// position, at most [`MAX_LINKS`]. Trailing punctuation that usually ends a sentence
/// (`.`, `,`, `)` without its `(`, ...) is not part of the link.
pub fn extract(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < MAX_LINKS {
        let rest = &bytes[i..];
        let scheme = if starts_with_ci(rest, b"https://") {
            8
        } else if starts_with_ci(rest, b"http://") {
            7
        } else {
            i += 1;
            continue;
        };
        // Inside a word ("xhttp://") is not a link.
        if i > 0 && bytes[i - 1].is_ascii_alphanumeric() {
            i += scheme;
            continue;
        }
        let len = rest.iter().take_while(|b| url_byte(**b)).count();
        let end = trim_end(&rest[..len]);
        let host_ok = rest.get(scheme).is_some_and(|b| b.is_ascii_alphanumeric());
        if host_ok && end > scheme && end <= MAX_URL {
            // Bytes are ASCII here, so this is a char boundary.
            out.push(text[i..i + end].to_string());
        }
        i += len.max(scheme);
    }
    out
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Length of `url` without the punctuation that ends the sentence around it.
fn trim_end(url: &[u8]) -> usize {
    let mut end = url.len();
    while end > 0 {
        let b = url[end - 1];
        let drop = match b {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'*' => true,
            b')' => count(&url[..end], b'(') < count(&url[..end], b')'),
            b']' => count(&url[..end], b'[') < count(&url[..end], b']'),
            _ => false,
        };
        if !drop {
            break;
        }
        end -= 1;
    }
    end
}

fn count(s: &[u8], c: u8) -> usize {
    s.iter().filter(|b| **b == c).count()
}

/// Whether `url` may go inside an OSC 8 sequence: what [`extract`] allows, checked
/// again at the point of writing.
pub fn safe_url(url: &str) -> bool {
    !url.is_empty() && url.len() <= MAX_URL && url.bytes().all(url_byte)
}

/// The bytes that open a hyperlink to `url` (cells written after it belong to it),
/// or None when `url` is not [`safe_url`]. `id` joins the pieces of a link that wraps
/// over several lines into one hyperlink.
pub fn osc8_open(url: &str) -> Option<Vec<u8>> {
    if !safe_url(url) {
        return None;
    }
    let mut out = Vec::with_capacity(url.len() + 32);
    out.extend_from_slice(format!("\x1b]8;id=c{:x};", fnv(url)).as_bytes());
    out.extend_from_slice(url.as_bytes());
    out.extend_from_slice(b"\x1b\\");
    Some(out)
}

/// The bytes that end a hyperlink.
pub const OSC8_CLOSE: &[u8] = b"\x1b]8;;\x1b\\";

/// A stable short id for a URL (the same link keeps its id from frame to frame).
fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Why a copy was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CopyError {
    /// More than [`MAX_COPY`] bytes.
    #[error("too long to copy (more than {MAX_COPY} bytes)")]
    TooLong,
    /// Nothing left to copy.
    #[error("nothing to copy")]
    Empty,
}

/// The OSC 52 sequence that puts `text` on the clipboard: the text passes the output
/// guard first (no control but newline and tab survives), and only its base64 goes
/// inside the sequence, so nothing in it can end the sequence early.
pub fn osc52(text: &str) -> Result<Vec<u8>, CopyError> {
    let clean = super::guard_output(text);
    if clean.trim().is_empty() {
        return Err(CopyError::Empty);
    }
    if clean.len() > MAX_COPY {
        return Err(CopyError::TooLong);
    }
    let mut out = b"\x1b]52;c;".to_vec();
    out.extend_from_slice(Base64::encode_string(clean.as_bytes()).as_bytes());
    out.extend_from_slice(b"\x1b\\");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_and_sentence_punctuation_is_left_out() {
        let t = "see https://a.example/x?y=1. and (http://b.example/p_(q)) or \
                 HTTPS://C.example, not xhttps://d.example nor https:// alone";
        assert_eq!(
            extract(t),
            vec![
                "https://a.example/x?y=1",
                "http://b.example/p_(q)",
                "HTTPS://C.example"
            ]
        );
        assert_eq!(
            extract("<https://e.example/a>"),
            vec!["https://e.example/a"]
        );
        // A URL ends where non-ASCII starts: the target never differs from the text.
        assert_eq!(
            extract("https://f.example/café"),
            vec!["https://f.example/caf"]
        );
    }

    #[test]
    fn hostile_bytes_end_a_link_and_never_reach_a_sequence() {
        for hostile in [
            "https://evil.example/\x07rm",
            "https://evil.example/\x1b]0;pwn",
            "https://evil.example/\u{9c}x",
            "https://evil.example/\u{9d}x",
        ] {
            assert_eq!(
                extract(hostile),
                vec!["https://evil.example/"],
                "{hostile:?}"
            );
            assert!(!safe_url(hostile));
            assert!(osc8_open(hostile).is_none());
        }
        let long = format!("https://l.example/{}", "a".repeat(MAX_URL));
        assert!(extract(&long).is_empty(), "over the cap is plain text");
        assert!(osc8_open(&long).is_none());
        let open = osc8_open("https://ok.example/a;b").unwrap();
        let s = String::from_utf8(open).unwrap();
        assert!(s.starts_with("\x1b]8;id=c") && s.ends_with(";https://ok.example/a;b\x1b\\"));
        assert_eq!(s.matches('\x1b').count(), 2, "{s:?}");
    }

    #[test]
    fn a_copy_is_base64_of_guarded_text_with_a_cap() {
        let seq = osc52("hi\x1b]52;c;evil\x07 there\n").unwrap();
        let s = String::from_utf8(seq).unwrap();
        let b64 = s
            .strip_prefix("\x1b]52;c;")
            .and_then(|s| s.strip_suffix("\x1b\\"))
            .unwrap();
        let decoded = Base64::decode_vec(b64).unwrap();
        assert_eq!(decoded, b"hi]52;c;evil there\n");
        assert!(
            b64.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        );
        assert_eq!(osc52(&"x".repeat(MAX_COPY + 1)), Err(CopyError::TooLong));
        assert_eq!(osc52(" \x1b"), Err(CopyError::Empty));
    }
}
