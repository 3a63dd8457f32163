//! Finding out what a terminal draws, for the `auto` preview mode (a camper's explicit
//! choice never asks). First from `TERM` as the pty request gave it; then, when that
//! says nothing and the camper chose `auto`, by asking the terminal once at the start:
//! kitty's graphics query (`ESC _ G i=31,…,a=q ESC \`, answered `…;OK` by a terminal
//! that draws kitty graphics) followed by DA1 (`ESC [ c`, which every terminal answers,
//! listing attribute 4 when it draws sixel). The input decoder swallows both answers
//! (`crate::tui::input::TermReply`), never taking them as keys; answers after
//! [`PROBE_WINDOW`] are ignored, so a silent terminal changes nothing.

use std::time::Duration;

use super::Protocol;
use crate::tui::input::TermReply;

/// The question asked: a 1×1 kitty query, then primary device attributes.
pub const PROBE: &[u8] = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[c";
/// How long answers to [`PROBE`] are taken.
pub const PROBE_WINDOW: Duration = Duration::from_secs(2);

/// What a `TERM` value says the terminal draws (None: it does not say).
pub fn from_term(term: Option<&str>) -> Option<Protocol> {
    let t = term?.to_ascii_lowercase();
    let base = t.split('-').next().unwrap_or("");
    if t == "xterm-kitty" || t == "xterm-ghostty" || base == "ghostty" || base == "wezterm" {
        Some(Protocol::Kitty)
    } else if matches!(base, "foot" | "mlterm" | "contour" | "yaft") {
        Some(Protocol::Sixel)
    } else {
        None
    }
}

/// Folds the terminal's answers into what it was found to draw (kitty preferred).
/// Returns the protocol and whether the probe is over (DA1 comes last).
pub fn from_replies(found: Option<Protocol>, replies: &[TermReply]) -> (Option<Protocol>, bool) {
    let mut found = found;
    let mut done = false;
    for r in replies {
        match r {
            TermReply::KittyGraphics { ok: true } => found = Some(Protocol::Kitty),
            TermReply::KittyGraphics { ok: false } => {}
            TermReply::DeviceAttributes { sixel } => {
                if *sixel && found.is_none() {
                    found = Some(Protocol::Sixel);
                }
                done = true;
            }
        }
    }
    (found, done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::input::{Decoder, Input, Key, KeyEvent};

    #[test]
    fn term_names_that_say_what_they_draw() {
        assert_eq!(from_term(Some("xterm-kitty")), Some(Protocol::Kitty));
        assert_eq!(from_term(Some("wezterm")), Some(Protocol::Kitty));
        assert_eq!(from_term(Some("xterm-ghostty")), Some(Protocol::Kitty));
        assert_eq!(from_term(Some("foot")), Some(Protocol::Sixel));
        assert_eq!(from_term(Some("foot-extra")), Some(Protocol::Sixel));
        assert_eq!(from_term(Some("mlterm-256color")), Some(Protocol::Sixel));
        assert_eq!(from_term(Some("xterm-256color")), None);
        assert_eq!(from_term(Some("kittyish")), None);
        assert_eq!(from_term(None), None);
    }

    fn keys(out: &[Input]) -> String {
        out.iter()
            .map(|i| match i {
                Input::Key(KeyEvent {
                    key: Key::Char(c), ..
                }) => *c,
                _ => '?',
            })
            .collect()
    }

    #[test]
    fn answers_are_swallowed_never_keys_even_split_across_reads() {
        // kitty's answer, then DA1 with sixel, with keys around, split everywhere.
        let stream = b"j\x1b_Gi=31;OK\x1b\\k\x1b[?62;4;22ci";
        for cut in 0..stream.len() {
            let mut d = Decoder::new();
            d.expect_replies(true);
            let mut out = Vec::new();
            d.feed(&stream[..cut], &mut out);
            d.feed(&stream[cut..], &mut out);
            assert_eq!(keys(&out), "jki", "cut at {cut}: {out:?}");
            let replies = d.take_replies();
            assert_eq!(
                replies,
                vec![
                    TermReply::KittyGraphics { ok: true },
                    TermReply::DeviceAttributes { sixel: true }
                ],
                "cut at {cut}"
            );
            assert_eq!(from_replies(None, &replies), (Some(Protocol::Kitty), true));
        }
    }

    #[test]
    fn an_error_answer_or_no_sixel_finds_nothing_and_alt_underscore_is_still_a_key() {
        let mut d = Decoder::new();
        d.expect_replies(true);
        let mut out = Vec::new();
        d.feed(b"\x1b_Gi=31;ENOENT:no\x1b\\\x1b[?1;2c", &mut out);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(from_replies(None, &d.take_replies()), (None, true));
        // DA1 with sixel alone.
        d.feed(b"\x1b[?65;1;4c", &mut out);
        assert_eq!(
            from_replies(None, &d.take_replies()),
            (Some(Protocol::Sixel), true)
        );
        // Alt-_ then a letter stays two keys; a long reply is bounded and swallowed.
        d.feed(b"\x1b_x", &mut out);
        assert_eq!(out.len(), 2, "{out:?}");
        let mut long = b"\x1b_G".to_vec();
        long.extend(std::iter::repeat_n(b'A', 10_000));
        long.extend(b"\x1b\\q");
        out.clear();
        d.feed(&long, &mut out);
        assert_eq!(keys(&out), "q");
    }

    #[test]
    fn keys_are_never_swallowed_as_a_reply_nobody_asked_for_or_with_a_broken_one() {
        // No probe out: Alt-_ then G, then Enter, are three keys.
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.feed(b"\x1b_Gx\r", &mut out);
        assert_eq!(out.len(), 4, "{out:?}");
        assert!(d.take_replies().is_empty());
        // With a probe out, a reply broken by Enter or by an arrow key still lets the
        // key through.
        d.expect_replies(true);
        out.clear();
        d.feed(b"\x1b_Gi=31\r", &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        out.clear();
        d.feed(b"\x1b_Gi=31\x1b[A", &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            matches!(&out[0], Input::Key(k) if k.key == Key::Up),
            "{out:?}"
        );
    }
}
