//! Which cells of a new frame a client must be sent: those that differ from what its
//! screen shows, plus the cells a terminal may leave stale around wide characters.
//!
//! It answers as ratatui's own buffer diff does, cell for cell (a unit test holds them
//! together), but decides the common case (an unchanged cell) from the plain fields
//! first and asks for a symbol's width only when the symbol is more than one byte: the
//! diff runs over every cell of every session's frame for every live post.

use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use ratatui::style::{Color, Modifier};

/// Modifiers that show on a blank cell, so a wide character's style may linger on the
/// column to its right after a narrow one replaces it.
const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::SLOW_BLINK)
    .union(Modifier::RAPID_BLINK)
    .union(Modifier::CROSSED_OUT);

/// Fills `out` with the indices (into `next.content`) of the cells to send, in order,
/// to turn a screen showing `shown` into `next`. Buffers of different areas are not
/// compared: every cell of `next` is sent.
pub fn changed_cells(shown: &Buffer, next: &Buffer, out: &mut Vec<usize>) {
    out.clear();
    let (old, new) = (&shown.content[..], &next.content[..]);
    if shown.area != next.area {
        let mut i = 0;
        while i < new.len() {
            if !skipped(&new[i]) {
                out.push(i);
            }
            i += usize::from(new[i].cell_width().max(1));
        }
        return;
    }
    let w = usize::from(next.area.width).max(1);
    for (row, (was, now)) in old.chunks(w).zip(new.chunks(w)).enumerate() {
        changed_in_row(was, now, row * w, out);
    }
}

/// Pushes onto `out` the indices (`base` plus the column) of the cells of one row to
/// send to turn `old` into `new`, as [`changed_cells`] does for a whole screen. A
/// wide character's columns never run into the next row.
pub fn changed_in_row(old: &[Cell], new: &[Cell], base: usize, out: &mut Vec<usize>) {
    let len = new.len().min(old.len());
    let (old, new) = (&old[..len], &new[..len]);
    let mut i = 0;
    while i < len {
        let (cur, was) = (&new[i], &old[i]);
        if skipped(cur) {
            i += 1;
            continue;
        }
        if let CellDiffOption::ForcedWidth(w) = cur.diff_option {
            if cur != was {
                out.push(base + i);
            }
            i += usize::from(w.get());
            continue;
        }
        let sym = cur.symbol();
        let w = if sym.len() == 1 { 1 } else { width(cur) };
        if cur.diff_option == CellDiffOption::None && same(cur, sym, was) {
            i += w.max(1);
            continue;
        }
        out.push(base + i);
        if w > 1 {
            // Some terminals leave the column under an emoji presentation sequence
            // (VS16) as it was: resend what changed there. Other wide characters clear
            // it themselves.
            i = if cur.symbol().contains('\u{FE0F}') {
                trailing(old, new, i + 1, i + w, false, base, out)
            } else {
                i + w
            };
            continue;
        }
        let was_w = width(was);
        if was_w > 1 && (was.bg != Color::Reset || was.modifier.intersects(VISIBLE_ON_BLANK)) {
            // The old wide character's style may still show on the columns it covered.
            i = trailing(old, new, i + 1, i + was_w, true, base, out);
            continue;
        }
        i += 1;
    }
}

/// Pushes the cells from `from` up to `to` (stretched over a wide cell that starts
/// inside): all of them when `force`, else those whose symbol changed. Returns where
/// the scan goes on.
fn trailing(
    old: &[Cell],
    new: &[Cell],
    from: usize,
    to: usize,
    force: bool,
    base: usize,
    out: &mut Vec<usize>,
) -> usize {
    let len = new.len();
    let (mut j, mut end) = (from, to.min(len));
    while j < end {
        let cell = &new[j];
        let here = j;
        j += width(cell).max(1);
        end = end.max(j).min(len);
        if !skipped(cell) && (force || old[here].symbol() != cell.symbol()) {
            out.push(base + here);
        }
    }
    end
}

/// True when the diff passes over `cell` (a picture or link covers it).
#[allow(deprecated)]
fn skipped(cell: &Cell) -> bool {
    matches!(cell.diff_option, CellDiffOption::Skip)
        || (cell.skip && matches!(cell.diff_option, CellDiffOption::None))
}

/// `a == b` (`a_symbol` is `a`'s symbol), with the cheap fields first: most cells of
/// a frame are unchanged.
#[allow(deprecated)]
fn same(a: &Cell, a_symbol: &str, b: &Cell) -> bool {
    if a.fg != b.fg
        || a.bg != b.bg
        || a.modifier != b.modifier
        || a.diff_option != b.diff_option
        || a.skip != b.skip
    {
        return false;
    }
    match (a_symbol.as_bytes(), b.symbol().as_bytes()) {
        ([p], [q]) => p == q,
        (x, y) => x == y,
    }
}

/// The columns `cell` takes, as ratatui counts them; one byte is one column.
fn width(cell: &Cell) -> usize {
    match cell.diff_option {
        CellDiffOption::ForcedWidth(w) => usize::from(w.get()),
        _ if cell.symbol().len() == 1 => 1,
        _ => usize::from(cell.cell_width()),
    }
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::*;

    /// What ratatui's own diff sends, as indices.
    fn ratatui_diff(shown: &Buffer, next: &Buffer) -> Vec<usize> {
        shown
            .diff(next)
            .into_iter()
            .map(|(x, y, _)| next.index_of(x, y))
            .collect()
    }

    fn ours(shown: &Buffer, next: &Buffer) -> Vec<usize> {
        let mut out = Vec::new();
        changed_cells(shown, next, &mut out);
        out
    }

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    const SYMBOLS: &[&str] = &[
        "a",
        "b",
        " ",
        "世",
        "界",
        "e\u{301}",
        "❤\u{fe0f}",
        "🧗",
        "…",
        "│",
        "ｱ\u{ff9e}",
    ];

    /// A buffer with random text, styles and skipped cells written as widgets do.
    fn random_buffer(rng: &mut Rng, area: Rect) -> Buffer {
        let mut b = Buffer::empty(area);
        for y in area.top()..area.bottom() {
            let mut x = area.left();
            while x < area.right() {
                let style = match rng.below(6) {
                    0 => Style::new().bg(Color::Blue),
                    1 => Style::new().add_modifier(Modifier::REVERSED),
                    2 => Style::new().fg(Color::Indexed(rng.below(3) as u8)),
                    _ => Style::new(),
                };
                let s = SYMBOLS[rng.below(SYMBOLS.len() as u64) as usize];
                let (next_x, _) = b.set_stringn(x, y, s, usize::from(area.right() - x), style);
                if rng.below(40) == 0 {
                    b[(x, y)].set_diff_option(CellDiffOption::Skip);
                }
                if rng.below(60) == 0 {
                    b[(x, y)].set_diff_option(CellDiffOption::AlwaysUpdate);
                }
                x = next_x.max(x + 1);
            }
        }
        b
    }

    #[test]
    fn it_sends_what_ratatuis_diff_sends() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let area = Rect::new(0, 0, 13, 4);
        for _ in 0..3000 {
            let shown = random_buffer(&mut rng, area);
            let mut next = shown.clone();
            // A few edits over an older frame, as a live update makes.
            for _ in 0..rng.below(8) {
                let other = random_buffer(&mut rng, area);
                let y = rng.below(4) as u16;
                for x in 0..area.width {
                    next[(x, y)] = other[(x, y)].clone();
                }
            }
            assert_eq!(ours(&shown, &next), ratatui_diff(&shown, &next));
            let fresh = random_buffer(&mut rng, area);
            assert_eq!(ours(&shown, &fresh), ratatui_diff(&shown, &fresh));
        }
    }

    #[test]
    fn an_unchanged_frame_sends_nothing_and_a_changed_cell_is_sent() {
        let area = Rect::new(0, 0, 10, 2);
        let mut a = Buffer::empty(area);
        a.set_string(0, 0, "hello 世界", Style::new());
        let mut b = a.clone();
        assert!(ours(&a, &b).is_empty());
        b.set_string(1, 1, "x", Style::new());
        assert_eq!(ours(&a, &b), vec![11]);
    }

    #[test]
    fn a_frame_of_another_size_is_sent_whole() {
        let a = Buffer::empty(Rect::new(0, 0, 4, 1));
        let mut b = Buffer::empty(Rect::new(0, 0, 4, 2));
        b.set_string(0, 0, "世", Style::new());
        // The wide character's right half goes with it.
        assert_eq!(ours(&a, &b), vec![0, 2, 3, 4, 5, 6, 7]);
    }
}
