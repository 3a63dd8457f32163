//! A poll inside the composer: `Ctrl-P` adds one (or takes it away), with 2 to 4
//! choices, a length picked from a few presets (5 minutes to 7 days) and one or
//! several choices. It owns its state, keys, drawing and help row, so the composer only
//! asks it. Whether the choices are acceptable is the service's decision
//! ([`crate::camp::PollDraft::checked`]); its refusal comes back as the composer's error,
//! with the draft kept.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::camp::PollDraft;
use crate::camp::polls::{MAX_OPTIONS, MIN_OPTIONS};
use crate::text;
use crate::tui::editor::Editor;
use crate::tui::input::Key;
use crate::tui::theme::Theme;

/// The composer's poll keys, for its help (F1).
pub const HELP: [(&str, &str); 3] = [
    ("Ctrl-P", "add / remove a poll"),
    ("Enter in poll", "next / new choice"),
    ("←/→ in poll", "length, one/several"),
];

/// A choice may hold a few times the service's 50 characters in bytes (wide
/// characters); anything longer is the service's to refuse, with its wording.
const MAX_CHOICE_BYTES: usize = 4 * crate::camp::polls::MAX_OPTION_CHARS;

/// The lengths offered, shortest first, with their labels.
pub const LENGTHS: [(u64, &str); 7] = [
    (5 * 60, "5 minutes"),
    (30 * 60, "30 minutes"),
    (3_600, "1 hour"),
    (6 * 3_600, "6 hours"),
    (86_400, "1 day"),
    (3 * 86_400, "3 days"),
    (7 * 86_400, "7 days"),
];
/// A new poll's length: one day, as Mastodon offers first.
const DEFAULT_LENGTH: usize = 4;

/// Which row of the poll has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A choice, from 0.
    Choice(usize),
    /// How long it stays open.
    Length,
    /// One choice or several.
    Kind,
}

/// A poll being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollEditor {
    /// The choices as typed (2 to 4 rows).
    pub choices: Vec<Editor>,
    /// Index into [`LENGTHS`].
    pub length: usize,
    /// Several choices may be picked.
    pub multiple: bool,
    /// The focused row (when the composer's focus is on the poll).
    pub row: Row,
}

impl Default for PollEditor {
    fn default() -> Self {
        PollEditor {
            choices: (0..MIN_OPTIONS).map(|_| choice_editor()).collect(),
            length: DEFAULT_LENGTH,
            multiple: false,
            row: Row::Choice(0),
        }
    }
}

fn choice_editor() -> Editor {
    Editor::new(false, MAX_CHOICE_BYTES)
}

impl PollEditor {
    /// The poll as the service takes it (unchecked: the service checks).
    pub fn draft(&self) -> PollDraft {
        PollDraft {
            options: self.choices.iter().map(Editor::text).collect(),
            duration: Duration::from_secs(LENGTHS[self.length].0),
            multiple: self.multiple,
        }
    }

    /// Rows drawn: one per choice and one for the length and kind.
    pub fn height(&self) -> u16 {
        self.choices.len() as u16 + 1
    }

    /// A pasted text goes into the focused choice.
    pub fn paste(&mut self, s: &str) {
        if let Row::Choice(i) = self.row {
            self.choices[i].insert_str(s);
        }
    }

    /// Ctrl-W in a choice.
    pub fn delete_word(&mut self) {
        if let Row::Choice(i) = self.row {
            self.choices[i].delete_word();
        }
    }

    /// Tab: the next row; false from the last one (the composer moves on).
    pub fn next_row(&mut self) -> bool {
        self.row = match self.row {
            Row::Choice(i) if i + 1 < self.choices.len() => Row::Choice(i + 1),
            Row::Choice(_) => Row::Length,
            Row::Length => Row::Kind,
            Row::Kind => return false,
        };
        true
    }

    /// Shift-Tab: the previous row; false from the first one.
    pub fn prev_row(&mut self) -> bool {
        self.row = match self.row {
            Row::Choice(0) => return false,
            Row::Choice(i) => Row::Choice(i - 1),
            Row::Length => Row::Choice(self.choices.len() - 1),
            Row::Kind => Row::Length,
        };
        true
    }

    /// The last row, for Shift-Tab coming from the text.
    pub fn focus_last(&mut self) {
        self.row = Row::Kind;
    }

    /// The first row, for Tab coming from the visibility.
    pub fn focus_first(&mut self) {
        self.row = Row::Choice(0);
    }

    /// A key on the focused row.
    pub fn key(&mut self, key: Key) {
        match (self.row, key) {
            // Enter goes to the next choice, adding one after the last while there
            // is room.
            (Row::Choice(i), Key::Enter) => {
                if i + 1 == self.choices.len() && self.choices.len() < MAX_OPTIONS {
                    self.choices.push(choice_editor());
                }
                self.next_row();
            }
            // Backspace in an empty choice takes the row away (never below two).
            (Row::Choice(i), Key::Backspace)
                if self.choices[i].text().is_empty() && self.choices.len() > MIN_OPTIONS =>
            {
                self.choices.remove(i);
                self.row = Row::Choice(i.saturating_sub(1));
            }
            (_, Key::Up) => {
                self.prev_row();
            }
            (_, Key::Down) => {
                self.next_row();
            }
            (Row::Choice(i), k) => {
                let e = &mut self.choices[i];
                match k {
                    Key::Char(c) => {
                        e.insert_char(c);
                    }
                    Key::Backspace => e.backspace(),
                    Key::Delete => e.delete(),
                    Key::Left => e.left(),
                    Key::Right => e.right(),
                    Key::Home => e.home(),
                    Key::End => e.end(),
                    _ => {}
                }
            }
            (Row::Length, Key::Right | Key::Char(' ' | 'l') | Key::Enter) => {
                self.length = (self.length + 1) % LENGTHS.len();
            }
            (Row::Length, Key::Left | Key::Char('h')) => {
                self.length = (self.length + LENGTHS.len() - 1) % LENGTHS.len();
            }
            (Row::Kind, Key::Right | Key::Left | Key::Char(' ' | 'l' | 'h') | Key::Enter) => {
                self.multiple = !self.multiple;
            }
            _ => {}
        }
    }

    /// Draws the poll in `area` (its [`height`](Self::height) rows); returns where
    /// the cursor goes when `focused`.
    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        focused: bool,
        theme: &Theme,
    ) -> Option<Position> {
        let width = area.width as usize;
        let on = |row: Row| focused && self.row == row;
        let label =
            |row: Row, s: String| Span::styled(s, if on(row) { theme.accent } else { theme.dim });
        let mut cursor = None;
        for (i, e) in self.choices.iter().enumerate() {
            let y = area.y + i as u16;
            if y >= area.bottom() {
                return cursor;
            }
            let head = format!("{} ▢ ", i + 1);
            let room = width.saturating_sub(text::width(&head));
            let body = if e.text().is_empty() && !on(Row::Choice(i)) {
                Span::styled(format!("(choice {})", i + 1), theme.dim)
            } else {
                Span::raw(text::truncate(&e.text(), room))
            };
            let row = Rect::new(area.x, y, area.width, 1);
            frame.render_widget(
                Paragraph::new(Line::from(vec![label(Row::Choice(i), head.clone()), body])),
                row,
            );
            if on(Row::Choice(i)) {
                let col = text::width(&head) + text::width(e.before_cursor()).min(room);
                cursor = Some(Position::new(
                    (area.x + col as u16).min(area.right().saturating_sub(1)),
                    y,
                ));
            }
        }
        let y = area.y + self.choices.len() as u16;
        if y < area.bottom() {
            let kind = if self.multiple {
                "pick several"
            } else {
                "pick one"
            };
            let line = Line::from(vec![
                label(Row::Length, "Ends ".into()),
                Span::raw(format!("◂ {} ▸ ", LENGTHS[self.length].1)),
                label(Row::Kind, "· ".into()),
                Span::raw(format!("◂ {kind} ▸")),
            ]);
            frame.render_widget(
                Paragraph::new(crate::tui::view::truncate_line(line, width)),
                Rect::new(area.x, y, area.width, 1),
            );
            let length_at = text::width("Ends ");
            let kind_at = length_at + text::width(&format!("◂ {} ▸ · ", LENGTHS[self.length].1));
            let col = match self.row {
                Row::Length => Some(length_at),
                Row::Kind => Some(kind_at),
                Row::Choice(_) => None,
            };
            if focused && let Some(col) = col {
                cursor = Some(Position::new(
                    (area.x + col as u16).min(area.right().saturating_sub(1)),
                    y,
                ));
            }
        }
        cursor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(p: &mut PollEditor, s: &str) {
        for c in s.chars() {
            p.key(Key::Char(c));
        }
    }

    /// Enter goes to the next choice and adds one after the last, up to four;
    /// Backspace in an empty one takes it away, never below two; the draft carries what
    /// was typed, the length and the kind.
    #[test]
    fn choices_grow_to_four_and_shrink_to_two() {
        let mut p = PollEditor::default();
        typed(&mut p, "tarp");
        p.key(Key::Enter);
        assert_eq!(p.choices.len(), 2, "the second was there already");
        assert_eq!(p.row, Row::Choice(1));
        typed(&mut p, "tent");
        p.key(Key::Enter);
        assert_eq!((p.choices.len(), p.row), (3, Row::Choice(2)));
        p.key(Key::Enter);
        p.key(Key::Enter);
        assert_eq!(p.choices.len(), 4, "never more than four");
        assert_eq!(p.row, Row::Length, "Enter on the fourth moves on");
        p.row = Row::Choice(3);
        p.key(Key::Backspace);
        assert_eq!((p.choices.len(), p.row), (3, Row::Choice(2)));
        p.key(Key::Backspace);
        assert_eq!((p.choices.len(), p.row), (2, Row::Choice(1)));
        p.key(Key::Backspace);
        assert_eq!(p.choices.len(), 2, "never fewer than two: it edits instead");
        p.row = Row::Length;
        p.key(Key::Right);
        p.row = Row::Kind;
        p.key(Key::Char(' '));
        let d = p.draft();
        assert_eq!(d.options, vec!["tarp".to_string(), "ten".to_string()]);
        assert_eq!(d.duration, Duration::from_secs(3 * 86_400));
        assert!(d.multiple);
    }

    /// Every offered length is one the service accepts.
    #[test]
    fn every_length_is_within_the_service_limits() {
        for (secs, _) in LENGTHS {
            let d = Duration::from_secs(secs);
            assert!(
                (crate::camp::polls::MIN_DURATION..=crate::camp::polls::MAX_DURATION).contains(&d)
            );
        }
    }
}
