//! A small multi-line text editor for the composer and the onboarding fields: the text
//! is a list of lines, the cursor a (line, grapheme) position, so cursor movement never
//! lands inside a multi-byte character or an emoji sequence.

use unicode_segmentation::UnicodeSegmentation;

/// Editable text with a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    lines: Vec<String>,
    row: usize,
    col: usize,
    multiline: bool,
    max_bytes: usize,
}

fn grapheme_count(s: &str) -> usize {
    s.graphemes(true).count()
}

fn byte_at(s: &str, col: usize) -> usize {
    s.grapheme_indices(true)
        .nth(col)
        .map(|(i, _)| i)
        .unwrap_or(s.len())
}

impl Editor {
    /// An empty editor; `multiline` allows Enter to break lines; input beyond
    /// `max_bytes` is refused so a paste cannot grow the draft without bound.
    pub fn new(multiline: bool, max_bytes: usize) -> Self {
        Editor {
            lines: vec![String::new()],
            row: 0,
            col: 0,
            multiline,
            max_bytes,
        }
    }

    /// An editor holding `text`, cursor at the end.
    pub fn with_text(multiline: bool, max_bytes: usize, text: &str) -> Self {
        let mut e = Self::new(multiline, max_bytes);
        e.insert_str(text);
        e
    }

    /// The whole text.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// True when nothing has been typed (or only whitespace).
    pub fn is_blank(&self) -> bool {
        self.lines.iter().all(|l| l.trim().is_empty())
    }

    /// The lines, for rendering.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Cursor as (line, grapheme column).
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    fn len_bytes(&self) -> usize {
        self.lines.iter().map(String::len).sum::<usize>() + self.lines.len() - 1
    }

    /// Inserts one character; newlines only in multi-line editors. Returns false when
    /// refused (size cap, or a control character).
    pub fn insert_char(&mut self, c: char) -> bool {
        if c == '\n' {
            if !self.multiline {
                return false;
            }
            if self.len_bytes() + 1 > self.max_bytes {
                return false;
            }
            let line = &mut self.lines[self.row];
            let at = byte_at(line, self.col);
            let rest = line.split_off(at);
            self.lines.insert(self.row + 1, rest);
            self.row += 1;
            self.col = 0;
            return true;
        }
        if c.is_control() && c != '\t' {
            return false;
        }
        if self.len_bytes() + c.len_utf8() > self.max_bytes {
            return false;
        }
        let line = &mut self.lines[self.row];
        let before = grapheme_count(line);
        let at = byte_at(line, self.col);
        line.insert(at, c);
        // A combining mark or ZWJ joins the previous grapheme: the count may not grow.
        self.col += grapheme_count(line) - before;
        true
    }

    /// Inserts pasted text, sanitised first (escape sequences from a paste are as
    /// hostile as any). Stops at the size cap; returns false when something was cut.
    pub fn insert_str(&mut self, text: &str) -> bool {
        let clean = crate::text::sanitize(text);
        for c in clean.chars() {
            let c = if !self.multiline && (c == '\n' || c == '\t') {
                ' '
            } else {
                c
            };
            if !self.insert_char(c) {
                return false;
            }
        }
        true
    }

    /// Deletes the grapheme before the cursor (joining lines at the start of one).
    pub fn backspace(&mut self) {
        if self.col > 0 {
            let line = &mut self.lines[self.row];
            let start = byte_at(line, self.col - 1);
            let end = byte_at(line, self.col);
            line.replace_range(start..end, "");
            self.col -= 1;
        } else if self.row > 0 {
            let line = self.lines.remove(self.row);
            self.row -= 1;
            self.col = grapheme_count(&self.lines[self.row]);
            self.lines[self.row].push_str(&line);
        }
    }

    /// Deletes the grapheme under the cursor.
    pub fn delete(&mut self) {
        let len = grapheme_count(&self.lines[self.row]);
        if self.col < len {
            let line = &mut self.lines[self.row];
            let start = byte_at(line, self.col);
            let end = byte_at(line, self.col + 1);
            line.replace_range(start..end, "");
        } else if self.row + 1 < self.lines.len() {
            let next = self.lines.remove(self.row + 1);
            self.lines[self.row].push_str(&next);
        }
    }

    /// Deletes the word before the cursor (Ctrl-W).
    pub fn delete_word(&mut self) {
        while self.col > 0 && self.char_before().is_some_and(char::is_whitespace) {
            self.backspace();
        }
        while self.col > 0 && self.char_before().is_some_and(|c| !c.is_whitespace()) {
            self.backspace();
        }
    }

    fn char_before(&self) -> Option<char> {
        let line = &self.lines[self.row];
        line[..byte_at(line, self.col)].chars().next_back()
    }

    /// Moves left one grapheme (to the end of the previous line at the start).
    pub fn left(&mut self) {
        if self.col > 0 {
            self.col -= 1;
        } else if self.row > 0 {
            self.row -= 1;
            self.col = grapheme_count(&self.lines[self.row]);
        }
    }

    /// Moves right one grapheme.
    pub fn right(&mut self) {
        if self.col < grapheme_count(&self.lines[self.row]) {
            self.col += 1;
        } else if self.row + 1 < self.lines.len() {
            self.row += 1;
            self.col = 0;
        }
    }

    /// Moves up a line, keeping the column where possible.
    pub fn up(&mut self) {
        if self.row > 0 {
            self.row -= 1;
            self.col = self.col.min(grapheme_count(&self.lines[self.row]));
        }
    }

    /// Moves down a line.
    pub fn down(&mut self) {
        if self.row + 1 < self.lines.len() {
            self.row += 1;
            self.col = self.col.min(grapheme_count(&self.lines[self.row]));
        }
    }

    /// Start of the line.
    pub fn home(&mut self) {
        self.col = 0;
    }

    /// End of the line.
    pub fn end(&mut self) {
        self.col = grapheme_count(&self.lines[self.row]);
    }

    /// Empties the editor.
    pub fn clear(&mut self) {
        self.lines = vec![String::new()];
        self.row = 0;
        self.col = 0;
    }

    /// The text before the cursor on the cursor's line (for placing the screen cursor).
    pub fn before_cursor(&self) -> &str {
        let line = &self.lines[self.row];
        &line[..byte_at(line, self.col)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_moving_and_deleting_by_grapheme() {
        let mut e = Editor::new(true, 1000);
        for c in "héllo 👨‍👩‍👧".chars() {
            e.insert_char(c);
        }
        assert_eq!(e.cursor(), (0, 7), "the family emoji is one grapheme");
        e.backspace();
        assert_eq!(e.text(), "héllo ");
        e.home();
        e.right();
        e.right();
        e.delete();
        assert_eq!(e.text(), "hélo ");
        e.end();
        e.insert_char('\n');
        e.insert_str("世界");
        assert_eq!(e.lines(), &["hélo ".to_string(), "世界".to_string()]);
        e.up();
        assert_eq!(e.cursor(), (0, 2));
        e.down();
        e.home();
        e.backspace();
        assert_eq!(e.text(), "hélo 世界");
        e.end();
        e.delete_word();
        assert_eq!(e.text(), "hélo ");
    }

    #[test]
    fn single_line_flattens_and_caps() {
        let mut e = Editor::new(false, 10);
        assert!(!e.insert_char('\n'));
        assert!(!e.insert_str("a\nb\x1b[2Jcdefghijklmnop"));
        assert_eq!(e.text(), "a bcdefghi");
        assert!(e.text().len() <= 10);
    }

    #[test]
    fn paste_is_sanitised() {
        let mut e = Editor::new(true, 1000);
        e.insert_str("\x1b]0;title\x07ok\r\nnext");
        assert_eq!(e.text(), "ok\nnext");
    }
}
