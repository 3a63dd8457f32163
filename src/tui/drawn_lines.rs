//! The cells of post lines lately drawn on this worker thread, copied instead of drawn
//! again.
//!
//! Why: a live post reaches every session as the same styled lines (see
//! [`crate::tui::post_cache`]), and each session then drew them into its frame through
//! [`lines::put_spans`], a style patched onto every cell: at 200 sessions a twentieth
//! of the server's instructions per update (callgrind, December 2026). Sessions take
//! turns on a worker thread, so the first one draws a line and the rest copy its cells.
//!
//! A line is found by its styled lines' id (given once per styling and never reused,
//! so it names the very spans and styles), its index and the width it was drawn in.
//! The copy equals a drawing only over blank cells, which is where the timeline draws a
//! post's line: its rows start blank in every frame, and a post's line sits after the
//! gutter, in columns nothing else draws.

use std::cell::RefCell;

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

use crate::tui::lines;

/// Lines kept per thread: the new lines of a live post, and a screen's worth for
/// sessions that open or switch timelines together, with room for both.
const KEPT_LINES: usize = 48;

/// One drawn line: what names it, and its cells up to the last one drawn on.
struct Drawn {
    id: u64,
    line: usize,
    width: u16,
    cells: Vec<Cell>,
}

thread_local! {
    /// The lines drawn last on this thread, oldest first.
    static DRAWN: RefCell<Vec<Drawn>> = const { RefCell::new(Vec::new()) };
}

/// Draws line `line` of the styled lines `id` (whose spans are `spans`) at row `y` of
/// `area`, over the default style, as [`lines::put_spans`] would. `area`'s cells must
/// be blank (`Cell::EMPTY`).
pub fn put(buf: &mut Buffer, area: Rect, y: u16, id: u64, line: usize, spans: &[Span<'_>]) {
    let Some(row) = lines::row_cells(buf, area, y) else {
        return;
    };
    let width = row.len() as u16;
    debug_assert!(
        buf.content[row.clone()].iter().all(|c| *c == Cell::EMPTY),
        "a post's line is drawn over cells already drawn on"
    );
    let copied = DRAWN.with_borrow(|drawn| {
        let found = drawn
            .iter()
            .rev()
            .find(|d| d.id == id && d.line == line && d.width == width);
        if let Some(d) = found {
            buf.content[row.start..row.start + d.cells.len()].clone_from_slice(&d.cells);
        }
        found.is_some()
    });
    if copied {
        return;
    }
    lines::put_spans(buf, area, y, Style::default(), spans);
    let cells = &buf.content[row];
    let end = cells
        .iter()
        .rposition(|c| *c != Cell::EMPTY)
        .map_or(0, |i| i + 1);
    DRAWN.with_borrow_mut(|drawn| {
        if drawn.len() >= KEPT_LINES {
            drawn.remove(0);
        }
        drawn.push(Drawn {
            id,
            line,
            width,
            cells: cells[..end].to_vec(),
        });
    });
}

/// Forgets the lines drawn on this thread (a test's full redraw draws every line).
#[cfg(test)]
pub(crate) fn forget() {
    DRAWN.with_borrow_mut(Vec::clear);
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier};

    use super::*;

    fn spans() -> Vec<Span<'static>> {
        vec![
            Span::styled("@bo", Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(" wrote 世界 👨‍👩‍👧 and "),
            Span::styled("#tags", Style::default().fg(Color::Cyan)),
        ]
    }

    /// What [`put`] draws at `area` of a blank buffer (copied, when this thread drew
    /// the line before).
    fn put_into(area: Rect, y: u16, id: u64, line: usize, spans: &[Span<'_>]) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 4));
        put(&mut buf, area, y, id, line, spans);
        buf
    }

    /// What `put_spans` draws at `area` of a blank buffer.
    fn drawn_directly(area: Rect, y: u16) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 4));
        lines::put_spans(&mut buf, area, y, Style::default(), &spans());
        buf
    }

    #[test]
    fn a_copied_line_equals_one_drawn_where_it_goes() {
        let id = u64::MAX - 1;
        let first = Rect::new(2, 1, 38, 1);
        let a = put_into(first, 1, id, 0, &spans());
        assert_eq!(a, drawn_directly(first, 1));
        // Found by id, line and width: drawn at another row, and at another column of
        // a row as wide, it is copied, and still equals a drawing.
        let elsewhere = Rect::new(0, 3, 38, 1);
        let b = put_into(elsewhere, 3, id, 0, &[]);
        assert_eq!(b, drawn_directly(elsewhere, 3));
    }

    #[test]
    fn another_width_or_line_is_drawn_again() {
        let id = u64::MAX - 2;
        let wide = Rect::new(2, 0, 38, 1);
        // The wide line is drawn, and kept for the thread.
        put_into(wide, 0, id, 0, &spans());
        // Narrower: the spans are cut at 12 columns, as a drawing cuts them.
        let narrow = Rect::new(2, 0, 12, 1);
        let b = put_into(narrow, 0, id, 0, &spans());
        assert_eq!(b, drawn_directly(narrow, 0));
        // Another line of the same post is not the first one's copy.
        let c = put_into(wide, 0, id, 1, &[Span::raw("second")]);
        assert_eq!(c.content[2].symbol(), "s");
    }
}
