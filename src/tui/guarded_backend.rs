//! The last output guard on screens, at the one place a frame leaves: whatever a
//! screen drew from data, no cell that reaches a client carries a terminal control or
//! a bidi override (sanitizing at entry stays the rule; this is the net under it), nor
//! an emoji sequence that terminals draw wider than the columns ratatui gave it.
//!
//! It wraps the backend rather than scanning the whole buffer after each draw:
//! ratatui hands a backend only the cells that changed, so a live update that touches
//! one line checks that line, not the 1,920 cells of an 80×24 screen (a full-buffer
//! pass cost about a tenth of the server's time per update at 1,000 sessions). The
//! escape sequences the inner backend writes for colours and the cursor are made
//! after this, from styles, and stay.

use std::borrow::Cow;

use ratatui::backend::Backend;
use ratatui::buffer::{Cell, CellWidth};

use crate::text::{guard_symbol, terminal_stable};

/// A [`Backend`] that passes every cell it is asked to draw through [`guard_symbol`]
/// and [`terminal_stable`], and forwards everything else to `B` unchanged.
#[derive(Debug)]
pub struct GuardedBackend<B> {
    inner: B,
}

impl<B> GuardedBackend<B> {
    /// Wraps `inner`.
    pub fn new(inner: B) -> Self {
        GuardedBackend { inner }
    }

    /// The wrapped backend (the session takes its written bytes from it).
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// The wrapped backend, mutably.
    pub fn inner_mut(&mut self) -> &mut B {
        &mut self.inner
    }
}

impl<B: Backend> GuardedBackend<B> {
    /// Draws `content` like [`Backend::draw`], but from cells it can walk twice: it
    /// checks them all first and hands them down as they are when every one is clean,
    /// which nearly every frame is. Only a frame with a dirty cell pays for the copy
    /// [`Backend::draw`] makes of every cell (at 1,000 sessions that copy alone was a
    /// few per cent of the server's time).
    pub fn draw_cells<'a, I>(&mut self, content: I) -> Result<(), B::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)> + Clone,
    {
        if content.clone().all(|(_, _, c)| guard_cell(c).is_none()) {
            self.inner.draw(content)
        } else {
            self.draw(content)
        }
    }
}

/// The symbol `cell` must reach a client as, when not its own: without terminal
/// controls ([`guard_symbol`]), and as an emoji sequence every terminal draws in the
/// cell's columns ([`terminal_stable`]). `None` for nearly every cell.
fn guard_cell(cell: &Cell) -> Option<String> {
    let symbol = cell.symbol();
    if symbol.len() == 1 {
        return guard_symbol(symbol);
    }
    let columns = usize::from(cell.cell_width());
    match guard_symbol(symbol) {
        Some(clean) => Some(terminal_stable(&clean, columns).unwrap_or(clean)),
        None => terminal_stable(symbol, columns),
    }
}

/// `cell` as it may reach a client: borrowed when clean (nearly always).
pub(crate) fn guarded(cell: &Cell) -> Cow<'_, Cell> {
    match guard_cell(cell) {
        None => Cow::Borrowed(cell),
        Some(clean) => {
            let mut c = cell.clone();
            c.set_symbol(&clean);
            Cow::Owned(c)
        }
    }
}

/// The [`Backend`] methods a layer of the session's backend stack (the guard, links,
/// pictures) hands to the backend it wraps, in a field `inner`, unchanged: each layer
/// writes only `draw`, `clear` and `flush` itself.
macro_rules! pass_through_backend {
    () => {
        fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
            self.inner.append_lines(n)
        }

        fn hide_cursor(&mut self) -> Result<(), Self::Error> {
            self.inner.hide_cursor()
        }

        fn show_cursor(&mut self) -> Result<(), Self::Error> {
            self.inner.show_cursor()
        }

        fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
            self.inner.get_cursor_position()
        }

        fn set_cursor_position<P: Into<ratatui::layout::Position>>(
            &mut self,
            position: P,
        ) -> Result<(), Self::Error> {
            self.inner.set_cursor_position(position)
        }

        fn clear_region(
            &mut self,
            clear_type: ratatui::backend::ClearType,
        ) -> Result<(), Self::Error> {
            self.inner.clear_region(clear_type)
        }

        fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
            self.inner.size()
        }

        fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
            self.inner.window_size()
        }
    };
}
pub(crate) use pass_through_backend;

impl<B: Backend> Backend for GuardedBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // Cells are drawn in order and rarely dirty: collect the few cleaned copies so
        // the inner backend still gets plain references.
        let cells: Vec<(u16, u16, Cow<'a, Cell>)> =
            content.map(|(x, y, c)| (x, y, guarded(c))).collect();
        self.inner
            .draw(cells.iter().map(|(x, y, c)| (*x, *y, c.as_ref())))
    }

    crate::tui::guarded_backend::pass_through_backend!();

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::widgets::{Block, Paragraph};
    use ratatui::{Terminal, TerminalOptions, Viewport};

    use super::*;

    fn forbidden(c: char) -> bool {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }

    /// A block title keeps the zero-width bidi controls ratatui's paragraphs drop:
    /// the backend's guard keeps them from the client, on the first frame and on a
    /// later frame that changes only that title.
    #[test]
    fn no_drawn_cell_carries_a_control() {
        let backend = GuardedBackend::new(TestBackend::new(30, 3));
        let area = ratatui::layout::Rect::new(0, 0, 30, 3);
        let mut t = Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fixed(area),
            },
        )
        .unwrap();
        for title in ["pine\u{202e}camp\u{2066}", "pine\u{2067}camp\u{9b}\x1b"] {
            t.draw(|f| {
                f.render_widget(
                    Paragraph::new("hello").block(Block::bordered().title(title)),
                    f.area(),
                )
            })
            .unwrap();
            let buffer = t.backend().inner().buffer();
            let text: String = buffer.content.iter().map(|c| c.symbol()).collect();
            assert!(text.contains("hello"), "{text}");
            assert!(
                !text.chars().any(forbidden),
                "{title:?} reached the client: {text:?}"
            );
        }
    }

    /// The path that hands clean cells down uncopied still cleans a dirty one, and a
    /// clean frame reaches the client as drawn.
    #[test]
    fn cells_drawn_from_a_list_are_guarded_too() {
        let mut backend = GuardedBackend::new(TestBackend::new(4, 1));
        let mut draw = |cells: &[(u16, u16, &Cell)]| -> String {
            backend.draw_cells(cells.iter().copied()).unwrap();
            let content = &backend.inner().buffer().content;
            content.iter().map(|c| c.symbol()).collect()
        };
        let mut dirty = Cell::default();
        dirty.set_symbol("\u{1b}");
        let mut bidi = Cell::default();
        bidi.set_symbol("\u{202e}");
        let (a, b) = (Cell::new("a"), Cell::new("b"));
        let frame = [(0, 0, &a), (1, 0, &dirty), (2, 0, &bidi), (3, 0, &b)];
        assert_eq!(draw(&frame), "a  b");
        assert_eq!(draw(&[(1, 0, &b), (2, 0, &a)]), "abab");
    }

    /// A joined emoji reaches the client as one every terminal draws in its two
    /// columns; the post's other emoji as they are.
    #[test]
    fn an_emoji_sequence_terminals_disagree_on_is_sent_as_its_first_emoji() {
        let mut backend = GuardedBackend::new(TestBackend::new(6, 1));
        let (family, party, x) = (Cell::new("👩\u{200d}👧"), Cell::new("🎉"), Cell::new("x"));
        let frame = [(0, 0, &family), (2, 0, &party), (4, 0, &x)];
        backend.draw_cells(frame.iter().copied()).unwrap();
        let shown: Vec<&str> = backend
            .inner()
            .buffer()
            .content
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert_eq!(shown[0], "👩");
        assert_eq!(shown[2], "🎉");
        assert_eq!(shown[4], "x");
    }
}
