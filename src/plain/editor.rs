//! The line editor of the line mode: keys in, one line out.
//!
//! The client's terminal is in raw mode under the PTY, so the server echoes what is
//! typed. Echo is the typed character and nothing else. Editing keys are not echoed at
//! all: showing a deletion takes a cursor movement (BS, space, BS), which this mode
//! never sends, and a screen reader announces the key itself. Ctrl-R prints the line
//! again on a fresh line (after a prompt) for anyone who wants to check it; Ctrl-U and
//! Ctrl-C drop the line and start a fresh prompt. A line holds at most [`MAX_CHARS`]
//! characters; typing past that is refused once with a notice, then ignored.

use crate::tui::input::{Input, Key};

/// Most characters one line may hold (a post is shorter; a reply adds a few words).
pub const MAX_CHARS: usize = 4096;

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Nothing to send.
    Nothing,
    /// Send this text (the typed characters).
    Echo(String),
    /// Enter: the finished line (the editor is empty again).
    Line(String),
    /// The line was dropped (Ctrl-U, Ctrl-C): start a fresh prompt.
    Cleared,
    /// Ctrl-D on an empty line: the person is leaving.
    Eof,
    /// Ctrl-R: print the prompt and the line again on a fresh line.
    Reprint,
    /// The line is full; nothing more is taken (said once per line).
    Full,
}

/// The line being typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEditor {
    buf: String,
    chars: usize,
    told_full: bool,
}

/// Whether `c` may be typed into a line (and so echoed): what the output guard keeps.
fn typeable(c: char) -> bool {
    c != '\n' && c != '\t' && !crate::text::guard_output(c.encode_utf8(&mut [0; 4])).is_empty()
}

impl LineEditor {
    /// An empty line.
    pub fn new() -> Self {
        Self::default()
    }

    /// The text typed so far.
    pub fn text(&self) -> &str {
        &self.buf
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.chars = 0;
        self.told_full = false;
    }

    /// Adds what fits of `text`; returns what was added (to echo) and whether some did not fit.
    fn insert(&mut self, text: impl Iterator<Item = char>) -> (String, bool) {
        let mut added = String::new();
        for c in text.filter(|c| typeable(*c)) {
            if self.chars >= MAX_CHARS {
                return (added, true);
            }
            self.buf.push(c);
            self.chars += 1;
            added.push(c);
        }
        (added, false)
    }

    fn added(&mut self, (added, full): (String, bool)) -> Edit {
        if full && !self.told_full {
            self.told_full = true;
            // What did fit is echoed before the notice, as part of the reprint.
            return Edit::Full;
        }
        if added.is_empty() {
            Edit::Nothing
        } else {
            Edit::Echo(added)
        }
    }

    /// One decoded key (or paste).
    pub fn feed(&mut self, input: Input) -> Edit {
        let k = match input {
            // Bracketed paste is never turned on here (that takes an escape sequence),
            // but a client may send one anyway: its lines join into this one.
            Input::Paste(text) => {
                let joined = text.replace(['\n', '\t'], " ");
                let r = self.insert(joined.chars());
                return self.added(r);
            }
            Input::Key(k) => k,
        };
        if k.mods.ctrl {
            return match k.key {
                Key::Char('c') | Key::Char('u') => {
                    self.clear();
                    Edit::Cleared
                }
                Key::Char('d') if self.buf.is_empty() => Edit::Eof,
                Key::Char('r') | Key::Char('l') => Edit::Reprint,
                Key::Char('w') => {
                    self.delete_word();
                    Edit::Nothing
                }
                _ => Edit::Nothing,
            };
        }
        match k.key {
            Key::Enter => {
                let line = std::mem::take(&mut self.buf);
                self.clear();
                Edit::Line(line)
            }
            Key::Backspace => {
                if self.buf.pop().is_some() {
                    self.chars -= 1;
                    self.told_full = false;
                }
                Edit::Nothing
            }
            Key::Char(c) if !k.mods.alt => {
                let r = self.insert(std::iter::once(c));
                self.added(r)
            }
            // Arrows, Esc, function keys: there is no cursor to move.
            _ => Edit::Nothing,
        }
    }

    fn delete_word(&mut self) {
        let trimmed = self.buf.trim_end_matches(' ').len();
        let start = self.buf[..trimmed].rfind(' ').map_or(0, |i| i + 1);
        self.buf.truncate(start);
        self.chars = self.buf.chars().count();
        self.told_full = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::input::Decoder;

    /// Feeds raw bytes as a client sends them; returns every edit.
    fn typed(ed: &mut LineEditor, bytes: &[u8]) -> Vec<Edit> {
        let mut dec = Decoder::new();
        let mut inputs = Vec::new();
        dec.feed(bytes, &mut inputs);
        dec.flush_pending(&mut inputs);
        inputs.into_iter().map(|i| ed.feed(i)).collect()
    }

    #[test]
    fn typed_characters_echo_and_enter_gives_the_line() {
        let mut ed = LineEditor::new();
        let edits = typed(&mut ed, "hé ☃\r".as_bytes());
        assert_eq!(
            edits,
            vec![
                Edit::Echo("h".into()),
                Edit::Echo("é".into()),
                Edit::Echo(" ".into()),
                Edit::Echo("☃".into()),
                Edit::Line("hé ☃".into()),
            ]
        );
        assert_eq!(ed.text(), "");
    }

    #[test]
    fn backspace_edits_without_echo_either_byte() {
        let mut ed = LineEditor::new();
        let edits = typed(&mut ed, b"abc\x7f\x08d");
        assert_eq!(edits[3], Edit::Nothing);
        assert_eq!(edits[4], Edit::Nothing);
        assert_eq!(ed.text(), "ad");
        // Backspace on an empty line does nothing.
        let mut empty = LineEditor::new();
        assert_eq!(typed(&mut empty, b"\x7f"), vec![Edit::Nothing]);
    }

    #[test]
    fn ctrl_u_and_ctrl_c_drop_the_line_ctrl_w_a_word() {
        let mut ed = LineEditor::new();
        typed(&mut ed, b"one two ");
        assert_eq!(typed(&mut ed, b"\x17"), vec![Edit::Nothing]);
        assert_eq!(ed.text(), "one ");
        assert_eq!(typed(&mut ed, b"\x15"), vec![Edit::Cleared]);
        assert_eq!(ed.text(), "");
        typed(&mut ed, b"x");
        assert_eq!(typed(&mut ed, b"\x03"), vec![Edit::Cleared]);
        assert_eq!(ed.text(), "");
    }

    #[test]
    fn ctrl_d_leaves_only_on_an_empty_line() {
        let mut ed = LineEditor::new();
        typed(&mut ed, b"x");
        assert_eq!(typed(&mut ed, b"\x04"), vec![Edit::Nothing]);
        assert_eq!(ed.text(), "x");
        typed(&mut ed, b"\x7f");
        assert_eq!(typed(&mut ed, b"\x04"), vec![Edit::Eof]);
    }

    #[test]
    fn arrows_and_escapes_are_swallowed_not_typed() {
        let mut ed = LineEditor::new();
        let edits = typed(&mut ed, b"a\x1b[A\x1b[1;5C\x1bOPb\x1b");
        assert_eq!(ed.text(), "ab");
        assert!(
            edits
                .iter()
                .all(|e| matches!(e, Edit::Nothing | Edit::Echo(_))),
            "{edits:?}"
        );
        let echoed: String = edits
            .iter()
            .filter_map(|e| match e {
                Edit::Echo(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(echoed, "ab");
    }

    #[test]
    fn hidden_controls_are_not_typed() {
        let mut ed = LineEditor::new();
        let edits = typed(&mut ed, "a\u{202e}b\u{feff}".as_bytes());
        assert_eq!(ed.text(), "ab");
        assert!(!edits.contains(&Edit::Echo("\u{202e}".into())));
    }

    #[test]
    fn a_line_is_bounded_and_says_so_once() {
        let mut ed = LineEditor::new();
        let long = "x".repeat(MAX_CHARS);
        typed(&mut ed, long.as_bytes());
        assert_eq!(ed.text().len(), MAX_CHARS);
        assert_eq!(typed(&mut ed, b"y"), vec![Edit::Full]);
        assert_eq!(typed(&mut ed, b"z"), vec![Edit::Nothing]);
        assert_eq!(ed.text().len(), MAX_CHARS);
        // Room again after a backspace.
        typed(&mut ed, b"\x7f");
        assert_eq!(typed(&mut ed, b"q"), vec![Edit::Echo("q".into())]);
        // A paste takes what fits.
        let mut ed = LineEditor::new();
        let r = ed.feed(Input::Paste(format!("{}\nmore", "p".repeat(MAX_CHARS - 2))));
        assert_eq!(r, Edit::Full);
        assert_eq!(ed.text().chars().count(), MAX_CHARS);
        assert!(ed.text().ends_with("p m"));
    }
}
