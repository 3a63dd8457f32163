//! When a live post arrives at the top of a timeline, every post below it moves down
//! the screen by the new post's height. Resending all those rows costs bytes (and the
//! client's time to parse them); a terminal can move them itself (a scroll region and
//! insert-line, see [`crate::tui::session_terminal`]). The view knows where each post
//! started in the last frame and where it starts now, so it can say which band moved
//! and by how much without comparing rows: this module turns two frames' layouts into
//! that hint.
//!
//! A hint is only a guess about bytes, never about content: the session terminal moves
//! its model of the client's screen exactly as the terminal moves its rows, then sends
//! every cell that still differs. A wrong hint costs bytes, not a wrong screen.

use ratatui::layout::Rect;

use crate::camp::TimelineKind;
use crate::model::Id;

/// Where a plain timeline frame (no popup over it) drew its posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Which timeline.
    pub tab: TimelineKind,
    /// The rows the timeline was drawn in.
    pub area: Rect,
    /// Each drawn post's entry and the row (within `area`) its first line is on, top
    /// down.
    pub starts: Vec<(Id, u16)>,
}

/// Rows `top..bottom` of the screen show what they showed, moved down by `by` rows
/// (up when negative); rows that come into the band are blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    /// First row of the band.
    pub top: u16,
    /// The row after the band.
    pub bottom: u16,
    /// Rows moved: down when positive.
    pub by: i16,
}

impl Shift {
    /// True when the band is at least two rows (a scroll region needs that), lies
    /// within `height` rows, and moves by less than its height.
    pub fn fits(&self, height: u16) -> bool {
        self.top < self.bottom
            && self.bottom <= height
            && self.bottom - self.top >= 2
            && self.by != 0
            && self.by.unsigned_abs() < self.bottom - self.top
    }
}

/// The band that moved between `before` and the layout of `tab` in `area` with posts
/// at `starts`: from the first post on screen now that was on screen before, to the
/// bottom of the timeline. `None` when nothing moved, the timeline or its area
/// changed, or no post is on both.
pub fn shift_to(
    before: &Layout,
    tab: TimelineKind,
    area: Rect,
    starts: &[(Id, u16)],
) -> Option<Shift> {
    if before.tab != tab || before.area != area {
        return None;
    }
    let (old_row, new_row) = starts.iter().find_map(|(entry, row)| {
        before
            .starts
            .iter()
            .find(|(e, _)| e == entry)
            .map(|(_, old)| (*old, *row))
    })?;
    let by = i32::from(new_row) - i32::from(old_row);
    let shift = Shift {
        top: area.y.checked_add(old_row.min(new_row))?,
        bottom: area.bottom(),
        by: i16::try_from(by).ok()?,
    };
    shift.fits(u16::MAX).then_some(shift)
}

/// Which row of the last frame row `y` shows once `shift` moved the client's rows
/// (`None`: a blank row that came into the band).
pub fn source_of(shift: Option<Shift>, y: usize) -> Option<usize> {
    let Some(s) = shift else { return Some(y) };
    let (top, bottom, n) = (
        usize::from(s.top),
        usize::from(s.bottom),
        usize::from(s.by.unsigned_abs()),
    );
    if !(top..bottom).contains(&y) {
        return Some(y);
    }
    match s.by > 0 {
        true => (y >= top + n).then(|| y - n),
        false => (y + n < bottom).then(|| y + n),
    }
}

/// What the view knows a screen row shows, so that the session's terminal may leave a
/// row alone when the last frame showed the same there (after any [`Shift`]) without
/// comparing its cells: most rows of a frame after a live post are rows of posts that
/// only moved.
///
/// A key is given only for a row the view drew whole and nothing drew over (no popup),
/// and two keys are equal only when the row's cells must be equal: the same cached post
/// line (styled lines of the same id, which is never given twice; any other line by the
/// same allocation, kept alive by the key, so an address is never reused while it is
/// compared), the same gutter and the same place.
#[derive(Debug, Clone)]
pub enum RowKey {
    /// Nothing drawn in the row: every cell blank.
    Blank {
        /// The row's first column.
        x: u16,
        /// The row's width.
        width: u16,
    },
    /// The selection gutter (two columns) and then line `line` of a post's cached lines.
    PostLine {
        /// The row's first column.
        x: u16,
        /// The row's width.
        width: u16,
        /// The id of the post's styled lines in the post cache
        /// ([`crate::tui::post_cache::Styled::id`]): never given twice, so equal ids
        /// are equal lines.
        id: u64,
        /// Which of them.
        line: usize,
        /// Whether the gutter marks the selection.
        selected: bool,
    },
    /// One line drawn over a base style across the whole row (the header, the footer),
    /// as a [`LineMemo`] holds it.
    Line {
        /// The row's first column.
        x: u16,
        /// The row's width.
        width: u16,
        /// The line and its base style.
        line: std::sync::Arc<(ratatui::text::Line<'static>, ratatui::style::Style)>,
    },
    /// A fixed text in one style across the whole row, over the default style (the
    /// timeline's last row, "the beginning"; the reader's "new since you left" mark):
    /// the text, cut to the width, and the style are all its cells come from.
    Note {
        /// The row's first column.
        x: u16,
        /// The row's width.
        width: u16,
        /// The text.
        text: &'static str,
        /// The line's style.
        style: ratatui::style::Style,
    },
    /// Line `line` of a fixed message wrapped to the row's width less one column each
    /// side, in one style (an empty timeline's "The camp is quiet."): the text, the
    /// width and the line say what every cell shows.
    Message {
        /// The row's first column.
        x: u16,
        /// The row's width.
        width: u16,
        /// The whole message.
        text: &'static str,
        /// Which of its wrapped lines.
        line: u16,
        /// The message's style.
        style: ratatui::style::Style,
    },
}

/// The line a row showed last, kept while each frame draws an equal one: equal lines
/// share one allocation, so their [`RowKey::Line`]s are equal, and the cells drawn
/// for it are copied instead of drawn again.
#[derive(Debug, Clone, Default)]
pub struct LineMemo {
    line: Option<std::sync::Arc<(ratatui::text::Line<'static>, ratatui::style::Style)>>,
    /// The row of cells the line drew over a blank row, once drawn.
    cells: Vec<ratatui::buffer::Cell>,
    /// The screen row the kept line was last put on (drawn or left to the client).
    at: Option<u16>,
}

impl LineMemo {
    /// `line` over `base`, as the last frame's allocation when that one was equal.
    pub fn keep(
        &mut self,
        line: ratatui::text::Line<'static>,
        base: ratatui::style::Style,
    ) -> std::sync::Arc<(ratatui::text::Line<'static>, ratatui::style::Style)> {
        match &self.line {
            Some(kept) if kept.0 == line && kept.1 == base => kept.clone(),
            _ => {
                self.cells.clear();
                self.at = None;
                self.line.insert(std::sync::Arc::new((line, base))).clone()
            }
        }
    }

    /// The line kept last.
    pub fn current(
        &self,
    ) -> Option<std::sync::Arc<(ratatui::text::Line<'static>, ratatui::style::Style)>> {
        self.line.clone()
    }

    /// The cells the kept line drew across a blank row `width` wide, if known.
    pub fn cells(&self, width: u16) -> Option<&[ratatui::buffer::Cell]> {
        (self.cells.len() == usize::from(width) && width > 0).then_some(&self.cells[..])
    }

    /// Notes the cells the kept line drew across a blank row.
    pub fn drew(&mut self, cells: &[ratatui::buffer::Cell]) {
        self.cells.clear();
        self.cells.extend_from_slice(cells);
    }

    /// The screen row the kept line was last put on, if it was.
    pub fn at(&self) -> Option<u16> {
        self.at
    }

    /// Notes that the kept line was put on screen row `y`.
    pub fn put_at(&mut self, y: u16) {
        self.at = Some(y);
    }
}

impl PartialEq for RowKey {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (RowKey::Blank { x, width }, RowKey::Blank { x: x2, width: w2 }) => {
                x == x2 && width == w2
            }
            (
                RowKey::PostLine {
                    x,
                    width,
                    id,
                    line,
                    selected,
                },
                RowKey::PostLine {
                    x: x2,
                    width: w2,
                    id: id2,
                    line: n2,
                    selected: s2,
                },
            ) => x == x2 && width == w2 && id == id2 && line == n2 && selected == s2,
            (
                RowKey::Line { x, width, line },
                RowKey::Line {
                    x: x2,
                    width: w2,
                    line: l2,
                },
            ) => x == x2 && width == w2 && std::sync::Arc::ptr_eq(line, l2),
            (
                RowKey::Note {
                    x,
                    width,
                    text,
                    style,
                },
                RowKey::Note {
                    x: x2,
                    width: w2,
                    text: t2,
                    style: s2,
                },
            ) => x == x2 && width == w2 && text == t2 && style == s2,
            (
                RowKey::Message {
                    x,
                    width,
                    text,
                    line,
                    style,
                },
                RowKey::Message {
                    x: x2,
                    width: w2,
                    text: t2,
                    line: n2,
                    style: s2,
                },
            ) => x == x2 && width == w2 && text == t2 && line == n2 && style == s2,
            _ => false,
        }
    }
}

impl RowKey {
    /// The first column from which a row drawn as `self` shows the same cells as a row
    /// drawn as `was`: 0 when the rows are equal, the column after the gutter when
    /// only the selection moved, `None` when nothing is known.
    pub fn same_from(&self, was: &RowKey) -> Option<u16> {
        if self == was {
            return Some(0);
        }
        match (self, was) {
            (
                RowKey::PostLine {
                    x, width, id, line, ..
                },
                RowKey::PostLine {
                    x: x2,
                    width: w2,
                    id: id2,
                    line: n2,
                    ..
                },
            ) if x == x2 && width == w2 && id == id2 && line == n2 => self.gutter_end(),
            _ => None,
        }
    }

    /// For a post line, the column after its selection gutter.
    pub fn gutter_end(&self) -> Option<u16> {
        match self {
            RowKey::PostLine { x, .. } => Some(x.saturating_add(GUTTER)),
            _ => None,
        }
    }
}

/// The columns of the selection gutter before a post's line.
pub const GUTTER: u16 = 2;

/// What a frame tells the session's terminal besides its cells.
#[derive(Debug, Default)]
pub struct Hints {
    /// The band of rows that moved since the last frame.
    pub shift: Option<Shift>,
    /// What each screen row shows, where the view knows it (indexed by row).
    pub rows: Vec<Option<RowKey>>,
    /// Rows the view left blank because their key says the client shows them already
    /// (see [`Drawing::may_leave`]): the terminal sends the frame only if it keeps every
    /// one of them, and otherwise has the frame drawn again in full.
    pub undrawn: Vec<u16>,
    /// Post lines of which the view drew only the selection gutter, because the client
    /// shows the same line there and only the selection moved (see
    /// [`RowKey::same_from`]): the rest of the row is blank in the frame. Checked like
    /// [`Self::undrawn`]: the terminal sends the frame only if it compares none of those
    /// blank columns.
    pub gutter_only: Vec<u16>,
    /// Post rows the view left blank for the terminal to draw only if it needs their
    /// cells (see [`Paint`]).
    pub paints: Vec<Paint>,
}

/// A post's row that the view, when the session's terminal allows it, leaves blank and
/// lists instead of drawing: the selection gutter, then (unless only the gutter changed)
/// one of the post's lines.
///
/// Why: a session whose frame is keyed like one another session on its worker thread
/// just sent takes that frame's bytes (see [`crate::tui::session_terminal`]); it never
/// reads the cells of its rows, and drawing them (and blanking them again after) was
/// a tenth of its instructions per live post. The row's key says all its cells are, so
/// the frame is still decided the same. A line holding a link is never left: the link
/// finder must see it in the buffer.
#[derive(Debug, Clone)]
pub struct Paint {
    /// The row: its gutter, then the line.
    pub area: Rect,
    /// Whether the gutter marks the selection.
    pub selected: bool,
    /// The selected gutter's style.
    pub accent: ratatui::style::Style,
    /// The line after the gutter: its styled lines' id, which of them, and the lines
    /// (see [`RowKey::PostLine`]); none when only the gutter is drawn.
    pub line: Option<(u64, usize, std::sync::Arc<[ratatui::text::Line<'static>]>)>,
}

impl Paint {
    /// Draws the row into `buf`, whose cells there are blank.
    pub fn apply(&self, buf: &mut ratatui::buffer::Buffer) {
        let line = self
            .line
            .as_ref()
            .map(|(id, n, lines)| (*id, *n, &lines[*n].spans[..]));
        put_post_row(buf, self.area, self.selected, self.accent, line);
    }

    /// The column after the last one [`Self::apply`] may draw on.
    pub fn right(&self) -> u16 {
        match self.line {
            Some(_) => self.area.right(),
            None => self.area.right().min(self.area.x.saturating_add(GUTTER)),
        }
    }
}

/// Draws a post's row over the blank row `area`: the selection gutter in `accent` when
/// `selected`, then `line` (its styled lines' id, index and spans), if any.
pub fn put_post_row(
    buf: &mut ratatui::buffer::Buffer,
    area: Rect,
    selected: bool,
    accent: ratatui::style::Style,
    line: Option<(u64, usize, &[ratatui::text::Span<'_>])>,
) {
    let y = area.y;
    // The gutter has its own columns: the row keys say a selection change redraws only
    // them.
    let gutter = Rect::new(area.x, y, area.width.min(GUTTER), 1);
    crate::tui::lines::put_gutter(buf, gutter, y, selected, accent);
    let Some((id, n, spans)) = line else {
        return;
    };
    // The post's line goes after the gutter with its spans' own styles (its line style
    // is not drawn, as when the two were one line).
    let rest = Rect::new(
        area.x.saturating_add(GUTTER),
        y,
        area.width.saturating_sub(GUTTER),
        1,
    );
    // Other sessions on this thread may have drawn this very line.
    crate::tui::drawn_lines::put(buf, rest, y, id, n, spans);
}

/// What a frame may leave out, as the session's terminal tells the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawing {
    /// Rows whose [`RowKey`] the client showed at the same place in the last frame may
    /// be left blank (and listed in [`Hints::undrawn`]).
    MayLeaveKept,
    /// Every row is drawn: outside a session's terminal, and for a second try when the
    /// first left a row the client does not keep.
    Whole,
}

impl Drawing {
    /// True when rows the client keeps may be left blank.
    pub fn may_leave(self) -> bool {
        self == Drawing::MayLeaveKept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn between(before: &Layout, now: &Layout) -> Option<Shift> {
        shift_to(before, now.tab, now.area, &now.starts)
    }

    fn layout(starts: &[(Id, u16)]) -> Layout {
        Layout {
            tab: TimelineKind::Camp,
            area: Rect::new(0, 1, 80, 22),
            starts: starts.to_vec(),
        }
    }

    #[test]
    fn rows_come_from_where_a_shift_moved_them() {
        let down = Shift {
            top: 1,
            bottom: 6,
            by: 2,
        };
        let from: Vec<_> = (0..8).map(|y| source_of(Some(down), y)).collect();
        assert_eq!(
            from,
            [
                Some(0),
                None,
                None,
                Some(1),
                Some(2),
                Some(3),
                Some(6),
                Some(7)
            ]
        );
        let up = Shift { by: -2, ..down };
        let from: Vec<_> = (0..8).map(|y| source_of(Some(up), y)).collect();
        assert_eq!(
            from,
            [
                Some(0),
                Some(3),
                Some(4),
                Some(5),
                None,
                None,
                Some(6),
                Some(7)
            ]
        );
        assert_eq!(source_of(None, 4), Some(4));
    }

    #[test]
    fn a_post_at_the_top_moves_the_rest_down_by_its_height() {
        let before = layout(&[(5, 0), (4, 3), (3, 7)]);
        let now = layout(&[(6, 0), (5, 4), (4, 7), (3, 11)]);
        assert_eq!(
            between(&before, &now),
            Some(Shift {
                top: 1,
                bottom: 23,
                by: 4
            })
        );
    }

    #[test]
    fn scrolling_down_moves_the_rest_up() {
        let before = layout(&[(9, 0), (8, 3), (7, 7)]);
        let now = layout(&[(8, 0), (7, 4), (6, 9)]);
        assert_eq!(
            between(&before, &now),
            Some(Shift {
                top: 1,
                bottom: 23,
                by: -3
            })
        );
    }

    #[test]
    fn nothing_moved_another_tab_or_area_or_no_common_post_gives_no_hint() {
        let a = layout(&[(5, 0), (4, 3)]);
        assert_eq!(between(&a, &a), None);
        let mut home = layout(&[(6, 0), (5, 3)]);
        home.tab = TimelineKind::Home;
        assert_eq!(between(&a, &home), None);
        let mut taller = layout(&[(6, 0), (5, 3)]);
        taller.area.height += 1;
        assert_eq!(between(&a, &taller), None);
        assert_eq!(between(&a, &layout(&[(7, 0), (6, 3)])), None);
        // Moved by the whole band: nothing of it stays on screen.
        assert_eq!(
            between(&layout(&[(1, 0)]), &layout(&[(2, 0), (1, 22)])),
            None
        );
    }

    #[test]
    fn a_moved_selection_leaves_the_rest_of_a_post_line_known() {
        let key = |selected, line| RowKey::PostLine {
            x: 0,
            width: 80,
            id: 7,
            line,
            selected,
        };
        assert_eq!(key(true, 0).same_from(&key(true, 0)), Some(0));
        assert_eq!(key(false, 0).same_from(&key(true, 0)), Some(GUTTER));
        assert_eq!(key(false, 0).same_from(&key(false, 1)), None);
        let elsewhere = RowKey::PostLine {
            x: 0,
            width: 80,
            id: 8,
            line: 0,
            selected: true,
        };
        // Lines styled apart (another id) are not known to be the same, whatever
        // their text.
        assert_eq!(key(true, 0).same_from(&elsewhere), None);
        let blank = RowKey::Blank { x: 0, width: 80 };
        assert_eq!(key(true, 0).same_from(&blank), None);
        assert_eq!(blank.same_from(&RowKey::Blank { x: 0, width: 80 }), Some(0));
    }
}
