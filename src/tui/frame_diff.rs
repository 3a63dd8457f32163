//! Which cells of a new frame a client must be sent: those that differ from what its
//! screen shows, plus the cells a terminal may leave stale around wide characters.
//!
//! It answers as ratatui's own buffer diff does, cell for cell (a unit test holds them
//! together), but compares the client's screen as [`ShownScreen`] codes: an unchanged
//! cell is one integer comparison, and a symbol's width is asked for only when the
//! symbol is more than one byte. The diff runs over every row that may have changed of
//! every session's frame for every live post.

use ratatui::buffer::{Cell, CellDiffOption, CellWidth};
use ratatui::style::{Color, Modifier};

use crate::tui::shown_screen::{BLANK, Code, ShownScreen, is_cluster, look_of, symbol_of};

/// Modifiers that show on a blank cell, so a wide character's style may linger on the
/// column to its right after a narrow one replaces it.
const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::SLOW_BLINK)
    .union(Modifier::RAPID_BLINK)
    .union(Modifier::CROSSED_OUT);

/// One row to diff: what the client shows there and what the new frame draws.
pub struct Row<'a> {
    /// The client's screen (its tables give the old codes meaning).
    pub screen: &'a ShownScreen,
    /// The codes the row shows now.
    pub old: &'a [Code],
    /// The new frame's codes for the row (encoded by `screen`).
    pub new: &'a [Code],
    /// The new frame's cells for the row.
    pub cells: &'a [Cell],
    /// The row's place in the frame.
    pub y: u16,
}

impl Row<'_> {
    /// Pushes onto `out` the places (column, row) of the cells to send to turn the row
    /// the client shows into the new one. A wide character's columns never run into
    /// the next row.
    pub fn changed(&self, out: &mut Vec<(u16, u16)>) {
        let (old, new, cells) = (self.old, self.new, self.cells);
        let len = cells.len().min(old.len()).min(new.len());
        // Columns before `force_until` are sent even when unchanged: an old cluster
        // covered them, a terminal may have drawn it as narrow parts (a flag as two
        // letters), and overwriting the cluster's first column does not clear those.
        let mut force_until = 0;
        let mut i = 0;
        while i < len {
            let cur = &cells[i];
            if skipped(cur) {
                i += 1;
                continue;
            }
            if let CellDiffOption::ForcedWidth(w) = cur.diff_option {
                if new[i] != old[i] {
                    out.push(self.at(i));
                }
                i += usize::from(w.get());
                continue;
            }
            // One ASCII byte is one column: no width lookup for most cells.
            let w = if symbol_of(new[i]) < 0x80 {
                1
            } else {
                width(cur)
            };
            if cur.diff_option == CellDiffOption::None && new[i] == old[i] && i >= force_until {
                i += w.max(1);
                continue;
            }
            out.push(self.at(i));
            if w > 1 {
                // Some terminals leave the column under an emoji presentation sequence
                // (VS16) as it was: resend what changed there. Other wide characters
                // clear it themselves, but not an old cluster's parts past their end.
                force_until = force_until.max(self.old_cluster_reach(i + 1, i + w));
                i = if cur.symbol().contains('\u{FE0F}') {
                    self.trailing(i + 1, i + w, false, out)
                } else {
                    i + w
                };
                continue;
            }
            // A blank cell (where a live post's lines come in) was one plain column,
            // and no cluster: nothing more to look up.
            if old[i] == BLANK {
                i += 1;
                continue;
            }
            let old_width = self.screen.width(old[i]);
            let look = || self.screen.look(old[i]);
            if old_width > 1
                && (look().bg != Color::Reset || look().modifier.intersects(VISIBLE_ON_BLANK))
            {
                // The old wide character's style may still show on the columns it
                // covered.
                i = self.trailing(i + 1, i + old_width, true, out);
                continue;
            }
            force_until = force_until.max(self.old_cluster_reach(i, i + 1));
            i += 1;
        }
    }

    /// The place of column `i` of the row (a row is never wider than a `u16` counts).
    fn at(&self, i: usize) -> (u16, u16) {
        (i as u16, self.y)
    }

    /// The column past the last one covered by an old cluster that starts in
    /// `from..to` (0 when none does): see `force_until` in [`Row::changed`].
    fn old_cluster_reach(&self, from: usize, to: usize) -> usize {
        let len = self.cells.len().min(self.old.len()).min(self.new.len());
        (from..to.min(len))
            .filter(|&j| is_cluster(self.old[j]))
            .map(|j| j + self.screen.width(self.old[j]))
            .max()
            .unwrap_or(0)
    }

    /// Pushes the cells from `from` up to `to` (stretched over a wide cell that starts
    /// inside): all of them when `force`, else those whose symbol changed. Returns
    /// where the scan goes on.
    fn trailing(&self, from: usize, to: usize, force: bool, out: &mut Vec<(u16, u16)>) -> usize {
        let len = self.cells.len().min(self.old.len()).min(self.new.len());
        let (mut j, mut end) = (from, to.min(len));
        while j < end {
            let cell = &self.cells[j];
            let here = j;
            j += width(cell).max(1);
            end = end.max(j).min(len);
            if !skipped(cell) && (force || symbol_of(self.old[here]) != symbol_of(self.new[here])) {
                out.push(self.at(here));
            }
        }
        end
    }
}

/// The most unchanged cells between two changed ones of a row that are sent again
/// instead of moving the cursor over them: a move within a row is at least 6 bytes
/// (`ESC [ row ; column H`), each of these cells one byte.
const MAX_GAP: usize = 5;

/// Adds to the places `out[first..]` of one row's changed cells (in column order) the
/// unchanged cells of every gap of at most [`MAX_GAP`] columns between two of them, when
/// each cell from the first of the two to the end of the gap is one ASCII character in
/// the same look: the writer then sends them as one byte each, without a move or a new
/// style. Why: the words of a post's line coming into a blank row were each sent after
/// a cursor move over the space before them (7 bytes for 1). `new` and `cells` are the
/// row's codes and cells from its first column. Sending such a cell again changes
/// nothing on the client's screen: it shows that very cell.
pub fn fill_short_gaps(out: &mut Vec<(u16, u16)>, first: usize, new: &[Code], cells: &[Cell]) {
    let len = new.len().min(cells.len());
    let gap_of = |a: u16, b: u16| -> usize {
        let (a, b) = (usize::from(a), usize::from(b));
        let gap = b.saturating_sub(a + 1);
        let plain = |i: usize| {
            symbol_of(new[i]) < 0x80
                && look_of(new[i]) == look_of(new[a])
                && cells[i].diff_option == CellDiffOption::None
                && !skipped(&cells[i])
        };
        match gap {
            1..=MAX_GAP if b <= len && (a..b).all(plain) => gap,
            _ => 0,
        }
    };
    let extra: usize = out[first..]
        .windows(2)
        .map(|p| gap_of(p[0].0, p[1].0))
        .sum();
    if extra == 0 {
        return;
    }
    // Spread the places out from the back, the gaps' cells between them.
    let end = out.len();
    out.resize(end + extra, (0, 0));
    let mut to = out.len();
    for from in (first..end).rev() {
        let (x, y) = out[from];
        to -= 1;
        out[to] = (x, y);
        if from > first {
            let before = out[from - 1].0;
            for gx in (before + 1..x).rev().take(gap_of(before, x)) {
                to -= 1;
                out[to] = (gx, y);
            }
        }
    }
    debug_assert_eq!(to, first, "every place moved once");
}

/// True when the diff passes over `cell` (a picture or link covers it).
#[allow(deprecated)]
fn skipped(cell: &Cell) -> bool {
    matches!(cell.diff_option, CellDiffOption::Skip)
        || (cell.skip && matches!(cell.diff_option, CellDiffOption::None))
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
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::*;

    /// What ratatui's own diff sends, as places.
    fn ratatui_diff(shown: &Buffer, next: &Buffer) -> Vec<(u16, u16)> {
        shown
            .diff(next)
            .into_iter()
            .map(|(x, y, _)| (x, y))
            .collect()
    }

    /// The copy of a client's screen that shows `shown`.
    fn showing(shown: &Buffer) -> ShownScreen {
        let w = usize::from(shown.area.width);
        let mut screen = ShownScreen::new(shown.area);
        let mut codes = Vec::new();
        for (y, row) in shown.content.chunks(w).enumerate() {
            screen.encode_row(row, &mut codes);
            screen.set_row(y, &codes);
        }
        screen
    }

    /// Our diff, row by row, of `next` against a client showing `shown`.
    fn ours(shown: &Buffer, next: &Buffer) -> Vec<(u16, u16)> {
        let w = usize::from(shown.area.width);
        let mut screen = showing(shown);
        let mut codes = Vec::new();
        let mut out = Vec::new();
        for (y, cells) in next.content.chunks(w).enumerate() {
            screen.encode_row(cells, &mut codes);
            let row = Row {
                screen: &screen,
                old: screen.row(y),
                new: &codes,
                cells,
                y: y as u16,
            };
            row.changed(&mut out);
        }
        out
    }

    use crate::tui::test_rng::Rng;

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

    /// The places to send for row 0 of `next` over a client showing `shown`, short
    /// gaps filled.
    fn filled(shown: &Buffer, next: &Buffer) -> Vec<(u16, u16)> {
        let w = usize::from(shown.area.width);
        let mut screen = showing(shown);
        let mut codes = Vec::new();
        screen.encode_row(&next.content[..w], &mut codes);
        let mut out = vec![(9, 9)];
        Row {
            screen: &screen,
            old: screen.row(0),
            new: &codes,
            cells: &next.content[..w],
            y: 0,
        }
        .changed(&mut out);
        fill_short_gaps(&mut out, 1, &codes, &next.content[..w]);
        assert_eq!(out[0], (9, 9), "places before `first` stay");
        out.split_off(1)
    }

    fn row(text: &str, styled: &[(u16, &str, Style)]) -> Buffer {
        let mut b = Buffer::empty(Rect::new(0, 0, 20, 1));
        b.set_string(0, 0, text, Style::new());
        for &(x, s, style) in styled {
            b.set_string(x, 0, s, style);
        }
        b
    }

    #[test]
    fn a_short_gap_of_plain_text_is_sent_again_instead_of_moved_over() {
        let places = |xs: std::ops::Range<u16>| xs.map(|x| (x, 0)).collect::<Vec<_>>();
        let shown = row("aa bb cc      dd", &[]);
        // Two changed words around an unchanged one: the three columns between are
        // sent again, one byte each.
        let next = row("xx bb yy      dd", &[]);
        assert_eq!(filled(&shown, &next), places(0..8));
        // Six columns are more than a move: the cursor moves over them.
        let next = row("aa bb yy      ee", &[]);
        let mut want = places(6..8);
        want.extend(places(14..16));
        assert_eq!(filled(&shown, &next), want);
        // Nor is a gap in another look sent again (it would need a new style), nor one
        // with a wide character.
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let shown_bold = row("aa bb cc", &[(3, "bb", bold)]);
        let next_bold = row("xx bb yy", &[(3, "bb", bold)]);
        let mut want = places(0..2);
        want.extend(places(6..8));
        assert_eq!(filled(&shown_bold, &next_bold), want);
        let shown_wide = row("aa 世 cc", &[]);
        let next_wide = row("xx 世 yy", &[]);
        assert_eq!(filled(&shown_wide, &next_wide), want);
    }

    #[test]
    fn filled_gaps_add_only_unchanged_plain_cells_in_order() {
        let mut rng = Rng(0x5eed_0f6a_95c3);
        let area = Rect::new(0, 0, 17, 1);
        for _ in 0..3000 {
            let shown = random_buffer(&mut rng, area);
            let mut next = random_buffer(&mut rng, area);
            if rng.below(2) == 0 {
                next = shown.clone();
                let x = rng.below(17) as u16;
                next.set_string(x, 0, "z", Style::new());
            }
            let diff = ours(&shown, &next);
            let places = filled(&shown, &next);
            assert!(places.windows(2).all(|p| p[0].0 < p[1].0), "{places:?}");
            assert!(diff.iter().all(|p| places.contains(p)));
            for &(x, _) in places.iter().filter(|p| !diff.contains(p)) {
                let cell = &next[(x, 0)];
                assert_eq!(
                    cell,
                    &shown[(x, 0)],
                    "an added cell is one the client shows"
                );
                assert!(cell.symbol().len() == 1 && cell.symbol().is_ascii());
            }
        }
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
            assert_sends_what_ratatui_sends(&shown, &next);
            let fresh = random_buffer(&mut rng, area);
            assert_sends_what_ratatui_sends(&shown, &fresh);
        }
    }

    /// Our diff sends what ratatui's sends, and more only under an old cluster's other
    /// columns, where a terminal may have drawn its parts narrow (see `force_until` in
    /// [`Row::changed`]).
    fn assert_sends_what_ratatui_sends(shown: &Buffer, next: &Buffer) {
        let (ours, theirs) = (ours(shown, next), ratatui_diff(shown, next));
        let under_old_cluster = |(x, y): (u16, u16)| {
            let (row, x) = (shown.index_of(0, y), usize::from(x));
            (0..x).any(|x0| {
                let c = &shown.content[row + x0];
                c.symbol().chars().count() > 1 && x0 + usize::from(c.cell_width()) > x
            })
        };
        let cells = |b: &Buffer| {
            b.content
                .iter()
                .map(|c| (c.symbol().to_string(), c.cell_width(), c.diff_option))
                .collect::<Vec<_>>()
        };
        assert!(
            theirs.iter().all(|i| ours.contains(i))
                && ours
                    .iter()
                    .filter(|i| !theirs.contains(i))
                    .all(|&i| under_old_cluster(i)),
            "ours {ours:?}, ratatui's {theirs:?}\nshown {:?}\nnext {:?}",
            cells(shown),
            cells(next)
        );
    }

    #[test]
    fn an_unchanged_frame_sends_nothing_and_a_changed_cell_is_sent() {
        let area = Rect::new(0, 0, 10, 2);
        let mut a = Buffer::empty(area);
        a.set_string(0, 0, "hello 世界", Style::new());
        let mut b = a.clone();
        assert!(ours(&a, &b).is_empty());
        b.set_string(1, 1, "x", Style::new());
        assert_eq!(ours(&a, &b), vec![(1, 1)]);
    }
}
