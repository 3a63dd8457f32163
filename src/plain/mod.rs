//! The screen-reader line mode (`ssh -t camp.example plain`): a linear interface for
//! screen readers and braille displays.
//!
//! The policy: what leaves for the client is plain printable text in lines ended by
//! CR LF, and nothing else. No cursor movement, colour, box drawing, alternate screen or
//! redraw; a screen reader reads a terminal as a stream, and anything that repaints
//! makes it read the same words again or skip what moved. Every byte goes out through
//! [`wire::encode`], the one choke point that enforces this (the last guard of
//! [`crate::text`], tabs to spaces, newlines to CR LF). Text written by others is taken
//! through [`crate::text::sanitize_line`] where it is laid out ([`render`]) and is cut to
//! a bounded length there.
//!
//! The parts, each small: [`editor`] turns decoded keys into an edited line (echoing
//! typed characters, nothing else), [`command`] reads a line into a short form or an exec
//! verb, [`items`] keeps the numbers shown beside posts, [`render`] writes the lines,
//! and [`App`] runs it all against the [`crate::Camp`] service (blocking calls: run it
//! on the blocking pool). Exec verbs go through [`crate::commands::run`] unchanged, so
//! every rule of the verbs holds here too; only reads that number their items
//! (timelines, threads, notifications) are laid out here.
//!
//! The SSH session loop that drives it lives in `crate::ssh`.

mod app;
pub mod command;
pub mod editor;
pub mod items;
mod onboarding;
pub mod render;
pub mod wire;

pub use app::{App, Feed, Live, Reply};

use crate::Camp;
use crate::model::Account;

/// The exec command line that asks for the line mode.
pub const COMMAND: &str = "plain";

/// True when an exec request's command line is exactly `plain` (spaces around it
/// allowed): with a PTY, that session runs the line mode instead of a verb.
pub fn is_plain_command(command: &[u8]) -> bool {
    std::str::from_utf8(command).is_ok_and(|c| c.trim() == COMMAND)
}

/// True when the client's terminal type is `dumb`: it cannot move a cursor, so the
/// full-screen app would be noise.
pub fn dumb_terminal(term: Option<&str>) -> bool {
    term.is_some_and(|t| t.trim().eq_ignore_ascii_case("dumb"))
}

/// Whether a shell with a PTY starts in the line mode rather than the full-screen app:
/// for a `dumb` terminal, and for a camper who turned the line mode on as their default.
pub fn wanted(camp: &Camp, term: Option<&str>, account: Option<&Account>) -> bool {
    dumb_terminal(term) || account.is_some_and(|a| camp.line_mode(a.id).unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bare_word_asks_for_the_line_mode() {
        assert!(is_plain_command(b"plain"));
        assert!(is_plain_command(b" plain \n"));
        assert!(!is_plain_command(b"plain on"));
        assert!(!is_plain_command(b"plainly"));
        assert!(!is_plain_command(b"\xffplain"));
    }

    #[test]
    fn a_dumb_terminal_is_recognised_whatever_its_case() {
        assert!(dumb_terminal(Some("dumb")));
        assert!(dumb_terminal(Some("DUMB")));
        assert!(!dumb_terminal(Some("xterm-256color")));
        assert!(!dumb_terminal(None));
    }
}
