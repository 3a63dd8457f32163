//! A session's terminal: ratatui draws each frame, and camp decides what of it is sent.
//!
//! ratatui's own `Terminal::draw` compares every cell of the frame with the last one
//! through `Cell`'s full equality and the unicode width of every symbol; at 1,000
//! sessions that whole-screen diff was a fifth of the server's time per live post. Here
//! the frame is drawn through a ratatui `Terminal` (screens keep their `Frame`) whose
//! own buffers stay empty and whose backend only notes the cursor. The frame lands in a
//! scratch buffer that the worker thread's sessions share (it stays in cache), and is
//! compared with the session's small copy of its client's screen
//! ([`crate::tui::shown_screen`]) row by row ([`crate::tui::frame_diff`]), skipping
//! the rows and columns the view says are unchanged. A row the view knows the client
//! shows already (the header, the footer) need not even be drawn: the view leaves it
//! blank and lists it, and a frame that left a row the client does not keep is drawn
//! again in full before anything is sent. The backend stack below (the
//! output guard, links, pictures, the escape-sequence writer) gets the changed cells as
//! from ratatui.

use std::io;

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell, CellWidth};
use ratatui::layout::{Position, Rect, Size};
use ratatui::{Frame, Terminal, TerminalOptions, Viewport};

use crate::tui::ansi_backend::AnsiBackend;
use crate::tui::graphics::Graphics;
use crate::tui::graphics::backend::GraphicsBackend;
use crate::tui::guarded_backend::GuardedBackend;
use crate::tui::hyperlinks::{HyperlinkBackend, Links};
use crate::tui::scroll_hint::{Drawing, Hints, Paint, RowKey, Shift, source_of};
use crate::tui::shown_screen::{Code, Look, ShownScreen, encodes_blank, is_cluster, look_of};

/// A backend that draws nothing and remembers where the frame wants the cursor.
#[derive(Debug, Default)]
struct CursorProbe {
    size: Size,
    cursor: Position,
    shown: bool,
}

impl Backend for CursorProbe {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, _content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.shown = false;
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.shown = true;
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.cursor = position.into();
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn clear_region(&mut self, _clear_type: ClearType) -> io::Result<()> {
        Ok(())
    }

    fn size(&self) -> io::Result<Size> {
        Ok(self.size)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize {
            columns_rows: self.size,
            pixels: Size::default(),
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The stack a session's cells leave through: the output guard (the last net under
/// sanitizing) over camp's hyperlinks over camp's pictures over camp's escape-sequence
/// writer into a byte buffer.
pub type SessionBackend = GuardedBackend<HyperlinkBackend<GraphicsBackend<AnsiBackend>>>;

/// One client's screen: the frames drawn for it, and the bytes that bring it from the
/// last frame to the next.
#[derive(Debug)]
pub struct SessionTerminal {
    frames: Terminal<CursorProbe>,
    backend: SessionBackend,
    /// What the client's screen shows now.
    shown: ShownScreen,
    /// One row of the frame being diffed, as codes (kept for its allocation).
    row_codes: Vec<Code>,
    /// Places (column, row) of the cells of the last frame that changed (kept for its
    /// allocation).
    changed: Vec<(u16, u16)>,
    /// Where the client's cursor was last put (`None` inside: hidden), if known.
    cursor: Option<Option<Position>>,
    /// Frames that scrolled a band (see [`Self::scrolls`]).
    scrolls: usize,
    /// Rows left alone because the view said they show what they showed (see
    /// [`Self::kept_rows`]).
    kept: usize,
    /// What the view said each row of the client's screen shows.
    shown_rows: Vec<Option<RowKey>>,
    /// See [`Self::drawn_again`].
    drawn_again: usize,
    /// See [`Self::left_rows`].
    left: usize,
    /// For the frame being sent: how many columns of each row, from the left, may
    /// have been drawn on (none for a row left to the client or said to be blank, the
    /// gutter's for a row drawn only there, up to its text for a row that came into
    /// a blank band). Kept for its allocation.
    drawn_to: Vec<u16>,
    /// What a row that a scroll brought into the band shows: nothing (the terminal
    /// inserts blank lines).
    came_in: RowKey,
    /// The last frame's hints, emptied, for the view to fill again (see
    /// [`Self::take_spent_hints`]).
    spent: Hints,
    /// For the frame being sent: the rows to compare (row, columns from the left).
    /// Kept for its allocation.
    plan: Vec<(u16, u16)>,
    /// See [`Self::reused_frames`].
    reused: usize,
    /// See [`Self::reused_codes`].
    reused_codes: usize,
    /// See [`Self::unpainted_rows`].
    unpainted: usize,
}

/// What decides every byte a frame sends, when each row it compares is keyed on both
/// sides (see [`SentFrames`]).
#[derive(Debug, Clone, PartialEq)]
struct SentKey {
    area: Rect,
    shift: Option<Shift>,
    /// Where the client's cursor was (`None`: not known), and where the frame wants it.
    cursor: (Option<Option<Position>>, Option<Position>),
    /// Each row compared: its place, the columns compared (before a blank end is cut,
    /// see [`SentFrame::plan`]), what it showed and what it shows now.
    rows: Vec<(u16, u16, RowKey, RowKey)>,
}

/// The bytes of the last few frames sent on this worker thread, by what decided them.
///
/// A live post reaches every session at once, and the sessions at the top of a
/// timeline compare the same few rows: the post's lines coming into a blank band, and
/// the gutters of the post that lost the selection. Their row keys are the same from
/// session to session (a post's styled lines are shared on the thread with their id,
/// see [`crate::tui::post_cache`]), and two equal keys are rows of equal cells, so the
/// bytes one session wrote are the bytes the next would write: it takes them instead
/// of diffing, guarding and writing the cells again. Nothing is shared that the
/// session's own view did not put on its screen. A frame with a link on a row it
/// compares (or a link cell to send again), a picture, or a row without a key is never
/// taken from here.
type SentFrames = Vec<SentFrame>;

/// One frame of [`SentFrames`].
#[derive(Debug)]
struct SentFrame {
    key: SentKey,
    /// Every byte it wrote.
    bytes: Vec<u8>,
    /// The rows it compared and how many columns of each, from the left: a row that
    /// came into a blank band only up to its last cell not blank (which the key
    /// decides, but only the cells show).
    plan: Vec<(u16, u16)>,
    /// The codes it left on its compared rows, one row after another, each as many as
    /// the row's compared columns; none when a row holds a long symbol (its number is
    /// the screen's own).
    codes: Option<SentCodes>,
}

/// The codes of a [`SentFrame`]'s rows, and the looks they name: a session whose own
/// table agrees with those looks as far as both go (sessions that met the same styles
/// in the same order) takes the codes instead of encoding its cells again.
#[derive(Debug)]
struct SentCodes {
    looks: Vec<Look>,
    rows: Vec<Code>,
}

/// How many frames [`SentFrames`] keeps per thread.
const SENT_FRAMES: usize = 4;

thread_local! {
    static SENT: std::cell::RefCell<SentFrames> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The most a session's writer keeps allocated between frames.
const KEPT_OUTPUT_BYTES: usize = 2 * 1024;

/// The fewest changed blank cells at a row's end that are erased (`EL`, 3 bytes)
/// instead of written (a byte each, and the writer's and the guard's work per cell).
const ERASE_AT_LEAST: usize = 4;

/// True when every cell of row `y` of `buf` from column `from` on is blank.
fn blank_from(buf: &Buffer, y: u16, from: u16) -> bool {
    let w = usize::from(buf.area.width);
    let start = usize::from(y) * w;
    buf.content[start + usize::from(from).min(w)..start + w]
        .iter()
        .all(|c| *c == Cell::EMPTY)
}

/// True when `cell` is as [`Cell::reset`] leaves it: it encodes as blank, and has no
/// underline colour either (which never reaches a client, but a cell drawn over it in
/// a later frame would keep).
#[allow(deprecated)]
fn as_reset(cell: &Cell) -> bool {
    encodes_blank(cell) && cell.underline_color == ratatui::style::Color::Reset
}

thread_local! {
    /// The buffer frames are drawn into, one per thread: sessions take turns on a
    /// worker thread, so it stays in cache while each session keeps only its
    /// [`ShownScreen`].
    static SCRATCH: std::cell::Cell<Buffer> = std::cell::Cell::new(Buffer::default());
}

impl SessionTerminal {
    /// A terminal of `cols`×`rows` whose screen is blank (the caller clears it), with
    /// links found through `links` and pictures placed through `graphics`.
    pub fn new(cols: u16, rows: u16, links: &Links, graphics: &Graphics) -> Self {
        let size = Size::new(cols, rows);
        let area = Rect::new(0, 0, cols, rows);
        let mut frames = Terminal::with_options(
            CursorProbe {
                size,
                ..Default::default()
            },
            // Fixed viewport: ratatui never asks a backend (the server's own tty) for
            // its size.
            TerminalOptions {
                viewport: Viewport::Fixed(area),
            },
        )
        .expect("the cursor probe cannot fail");
        // ratatui's two buffers are never drawn into (frames land in ours): free them.
        *frames.current_buffer_mut() = Buffer::default();
        frames.swap_buffers();
        *frames.current_buffer_mut() = Buffer::default();
        let backend = GuardedBackend::new(HyperlinkBackend::new(
            GraphicsBackend::new(AnsiBackend::new(Vec::with_capacity(1024)), graphics.clone()),
            links.clone(),
        ));
        SessionTerminal {
            frames,
            backend,
            shown: ShownScreen::new(area),
            row_codes: Vec::new(),
            changed: Vec::new(),
            cursor: None,
            scrolls: 0,
            kept: 0,
            shown_rows: Vec::new(),
            drawn_again: 0,
            left: 0,
            drawn_to: Vec::new(),
            came_in: RowKey::Blank { x: 0, width: cols },
            spent: Hints::default(),
            plan: Vec::new(),
            reused: 0,
            reused_codes: 0,
            unpainted: 0,
        }
    }

    /// The backend stack (tests look at its layers).
    pub fn backend_mut(&mut self) -> &mut SessionBackend {
        &mut self.backend
    }

    /// Draws a frame with `render` and writes what the client needs to show it; the
    /// bytes wait in [`Self::take_output`]. `render` may return a band of rows that
    /// moved since the last frame ([`Shift`]): the client's terminal moves them itself.
    /// It may leave blank the rows whose keys the client showed at the same place (see
    /// [`Hints::undrawn`]); when one of them is not kept after all, it is called again
    /// to draw every row. `render` is lent what the client shows on each row, as the
    /// last frame's keys said (see [`crate::tui::view::render_beside`]).
    pub fn draw(
        &mut self,
        mut render: impl FnMut(&mut Frame, Drawing, &[Option<RowKey>]) -> Hints,
    ) -> io::Result<()> {
        let area = self.shown.area();
        // The scratch buffer is blank between frames (see the end), and stays so when
        // resized.
        let mut next = SCRATCH.take();
        if next.area != area {
            next.resize(area);
        }
        let mut sent = Ok(());
        for drawing in [Drawing::MayLeaveKept, Drawing::Whole] {
            let mut hints = Hints::default();
            let drawn = self.frames.draw(|f| {
                std::mem::swap(f.buffer_mut(), &mut next);
                hints = render(f, drawing, &self.shown_rows);
                std::mem::swap(f.buffer_mut(), &mut next);
            });
            if let Err(e) = drawn {
                sent = Err(e);
                next.reset();
                break;
            }
            if drawing.may_leave() && !self.keeps_undrawn(&hints) {
                self.drawn_again += 1;
                next.reset();
                continue;
            }
            // Rows left for the client, and rows the view says are blank, were not
            // drawn on; a row whose selection alone moved was drawn on up to its gutter.
            self.drawn_to.clear();
            self.drawn_to.resize(usize::from(area.height), area.width);
            for &y in &hints.undrawn {
                self.drawn_to[usize::from(y)] = 0;
            }
            for (y, key) in hints.rows.iter().enumerate().take(self.drawn_to.len()) {
                if matches!(key, Some(RowKey::Blank { x: 0, width }) if *width == area.width) {
                    self.drawn_to[y] = 0;
                }
            }
            let links = self.backend.inner().links();
            links.leave_rows(&hints.undrawn, 0);
            for &y in &hints.gutter_only {
                let Some(Some(key @ RowKey::PostLine { x, width, .. })) =
                    hints.rows.get(usize::from(y))
                else {
                    continue;
                };
                let Some(to) = key.gutter_end() else {
                    continue;
                };
                links.leave_rows(&[y], to);
                // A line that ends short of the edge may have something drawn after it.
                if x.saturating_add(*width) >= area.width {
                    self.drawn_to[usize::from(y)] = to.min(area.width);
                }
            }
            // Rows left to draw are blank until drawn (see `paint`).
            for p in &hints.paints {
                if let Some(to) = self.drawn_to.get_mut(usize::from(p.area.y)) {
                    *to = 0;
                }
            }
            debug_assert!(
                (0..area.height).all(|y| blank_from(&next, y, self.drawn_to[usize::from(y)])),
                "a row left for the client, said to be blank or drawn only in its gutter, \
                 was drawn on past that"
            );
            self.left += hints.undrawn.len();
            sent = self.send(&mut next, hints, drawing.may_leave());
            // Only what was drawn on needs blanking for the next frame on this thread:
            // at 1,000 sessions, resetting the whole buffer was 4% of the server's time,
            // and whole rows where only a gutter moved a twentieth of a live update.
            // A row that came into a blank band is blank past its text (`send` says
            // where): a live post's lines are mostly blank after it.
            let w = usize::from(area.width);
            for (y, &to) in self.drawn_to.iter().enumerate() {
                next.content[y * w..y * w + usize::from(to)]
                    .iter_mut()
                    .for_each(Cell::reset);
            }
            debug_assert!(
                next.content.iter().all(|c| *c == Cell::EMPTY),
                "the scratch buffer was left drawn on for the next frame"
            );
            break;
        }
        SCRATCH.set(next);
        sent
    }

    /// True when every row the view left blank is one the client keeps: after this
    /// frame's scroll, the row shows what the last frame said it shows, and that is
    /// what the view says it shows now. A row drawn only up to its gutter must be one
    /// whose later columns the terminal will not compare.
    fn keeps_undrawn(&self, hints: &Hints) -> bool {
        let shift = self.fitting(hints);
        let now_and_was = |y: u16| {
            let now = hints.rows.get(usize::from(y)).and_then(Option::as_ref);
            (now, self.was(shift, usize::from(y)))
        };
        hints
            .undrawn
            .iter()
            .all(|&y| matches!(now_and_was(y), (Some(now), Some(was)) if now == was))
            && hints.gutter_only.iter().all(|&y| match now_and_was(y) {
                (Some(now), Some(was)) => now
                    .same_from(was)
                    .zip(now.gutter_end())
                    .is_some_and(|(from, gutter_end)| from <= gutter_end),
                _ => false,
            })
    }

    /// The hint's scroll, if the client's screen can take it.
    fn fitting(&self, hints: &Hints) -> Option<Shift> {
        hints.shift.filter(|s| s.fits(self.shown.area().height))
    }

    /// What the last frame said row `y` shows once `shift` moved the client's rows:
    /// its own row's key, or another row's, or a blank row for one that came in.
    fn was(&self, shift: Option<Shift>, y: usize) -> Option<&RowKey> {
        match source_of(shift, y) {
            Some(r) => self.shown_rows.get(r)?.as_ref(),
            None => Some(&self.came_in),
        }
    }

    /// Writes what turns the client's screen into `next`, and notes that it shows it.
    /// `left_kept`: the rows the view left blank were found kept (see
    /// [`Self::keeps_undrawn`]).
    fn send(&mut self, next: &mut Buffer, mut hints: Hints, left_kept: bool) -> io::Result<()> {
        let height = usize::from(self.shown.area().height);
        let shift = self.fitting(&hints);
        let w = usize::from(self.shown.area().width);
        // Rows found kept need no second look at their keys: most rows of a live
        // post's frame.
        if !left_kept {
            hints.undrawn.clear();
        }
        hints.undrawn.sort_unstable();
        let mut left = hints.undrawn.iter().peekable();
        // Which rows to compare, and how far.
        self.plan.clear();
        for y in 0..height {
            if left.next_if(|&&l| usize::from(l) == y).is_some() {
                self.kept += 1;
                continue;
            }
            let key = hints.rows.get(y).and_then(Option::as_ref);
            let was = self.was(shift, y);
            // Columns from `same` on show what they showed: only those before it are
            // compared (none when the whole row is).
            let same = match (key, was) {
                (Some(k), Some(was)) => k.same_from(was).map_or(w, usize::from).min(w),
                _ => w,
            };
            if same == 0 {
                self.kept += 1;
                continue;
            }
            self.plan.push((y as u16, same as u16));
        }
        let probe = self.frames.backend();
        let want = probe.shown.then_some(probe.cursor);
        // A frame is shared only when every row it compares is keyed both ways.
        let plain = self.output_plain();
        let rows = plain.then(|| {
            self.plan
                .iter()
                .map(|&(y, same)| {
                    let now = hints.rows.get(usize::from(y))?.clone()?;
                    let was = self.was(shift, usize::from(y))?.clone();
                    Some((y, same, was, now))
                })
                .collect::<Option<Vec<_>>>()
        });
        let key = rows.flatten().map(|rows| SentKey {
            area: self.shown.area(),
            shift,
            cursor: (self.cursor, want),
            rows,
        });
        let start = self.writer().writer_mut().len();
        let found = key.as_ref().and_then(|key| self.take_sent_bytes(key));
        let reused = found.is_some();
        match found {
            // Equal keys, equal cells: the rows end where the sender's ended.
            Some(at) => self.take_sent_plan(at),
            None => {
                self.paint(next, &mut hints.paints);
                self.cut_blank_ends(next, shift);
            }
        }
        if let Some(s) = shift {
            match reused {
                true => self.note_scroll(s),
                false => self.scroll(s),
            }
        }
        // After the scroll: the rows are where the frame left them.
        let set = found.is_some_and(|at| self.take_sent_codes(at));
        if !set {
            // The rows' cells are encoded: a frame taken without codes draws its rows
            // now (a written one drew them above, and has none left).
            self.paint(next, &mut hints.paints);
        }
        self.changed.clear();
        // Rows set from the frame's codes are done.
        let planned = if set { 0 } else { self.plan.len() };
        for i in 0..planned {
            let (y, same) = self.plan[i];
            let (y, same) = (usize::from(y), usize::from(same));
            let cells = &next.content[y * w..y * w + same];
            self.shown.encode_row(cells, &mut self.row_codes);
            if !reused {
                self.shown.fill_to(y, same);
                let row = crate::tui::frame_diff::Row {
                    screen: &self.shown,
                    old: &self.shown.row(y)[..same],
                    new: &self.row_codes,
                    cells,
                    y: y as u16,
                };
                let first = self.changed.len();
                row.changed(&mut self.changed);
                // Through the link layer, a cell may take more than its own bytes.
                if plain {
                    crate::tui::frame_diff::fill_short_gaps(
                        &mut self.changed,
                        first,
                        &self.row_codes,
                        cells,
                    );
                }
                // Only a row compared whole is known to the end: the rest of another is
                // what the client shows.
                if same == w {
                    self.erase_blank_end(cells, first);
                }
            }
            self.shown.set_row(y, &self.row_codes);
        }
        self.reused_codes += usize::from(set);
        if reused {
            self.backend.inner().links().sent_around();
            self.cursor = Some(want);
            self.reused += 1;
        } else {
            self.write_changed(next, want)?;
            if let Some(key) = key {
                self.keep_sent(key, start);
            }
        }
        let Hints {
            rows,
            mut undrawn,
            mut gutter_only,
            mut paints,
            shift: _,
        } = hints;
        let mut rows_before = std::mem::replace(&mut self.shown_rows, rows);
        rows_before.clear();
        undrawn.clear();
        gutter_only.clear();
        // What is left was never needed.
        self.unpainted += paints.len();
        paints.clear();
        self.spent = Hints {
            shift: None,
            rows: rows_before,
            undrawn,
            gutter_only,
            paints,
        };
        Ok(())
    }

    /// Draws the rows the view left to draw (see [`Paint`]) into `next`, and notes
    /// them drawn on for the blanking after the frame.
    fn paint(&mut self, next: &mut Buffer, paints: &mut Vec<Paint>) {
        for p in paints.drain(..) {
            p.apply(next);
            if let Some(to) = self.drawn_to.get_mut(usize::from(p.area.y)) {
                *to = (*to).max(p.right());
            }
        }
    }

    /// Over a row the client shows blank, the new row's trailing blanks are already
    /// right: a live post's lines come into blank rows, and are mostly blank after
    /// their text. Cuts the planned columns of such rows at their last one not blank.
    fn cut_blank_ends(&mut self, next: &Buffer, shift: Option<Shift>) {
        let w = usize::from(self.shown.area().width);
        for i in 0..self.plan.len() {
            let (y, same) = self.plan[i];
            let (y, same) = (usize::from(y), usize::from(same));
            if self.was(shift, y) != Some(&self.came_in) {
                continue;
            }
            let text_end = next.content[y * w..y * w + same]
                .iter()
                .rposition(|c| !as_reset(c))
                .map_or(0, |i| i + 1);
            // Nor does the scratch buffer need blanking there again.
            if same == w {
                self.drawn_to[y] = self.drawn_to[y].min(text_end as u16);
            }
            self.plan[i].1 = text_end as u16;
        }
    }

    /// Takes the planned columns of kept frame `at` (see [`SentFrame::plan`]).
    fn take_sent_plan(&mut self, at: usize) {
        SENT.with_borrow(|sent| {
            self.plan.clear();
            self.plan.extend_from_slice(&sent[at].plan);
        });
    }

    /// Writes the changed cells of `next` through the backend stack, puts the cursor
    /// where the frame wants it (`want`), and flushes.
    fn write_changed(&mut self, next: &Buffer, want: Option<Position>) -> io::Result<()> {
        let w = usize::from(next.area.width);
        // The guard walks these twice: ratatui's `pos_of` checks its bounds each time,
        // and the changed cells' places come from rows of this very buffer. Places,
        // not indices: an index took a division to turn back into a place, twice per
        // changed cell.
        let (left, top) = (next.area.x, next.area.y);
        let cells = self.changed.iter().map(|&(x, y)| {
            (
                left + x,
                top + y,
                &next.content[usize::from(y) * w + usize::from(x)],
            )
        });
        self.backend.draw_cells(cells)?;
        match want {
            None if self.cursor != Some(None) => self.backend.hide_cursor()?,
            None => {}
            Some(at) => {
                if !matches!(self.cursor, Some(Some(_))) {
                    self.backend.show_cursor()?;
                }
                // Drawing moved it.
                self.backend.set_cursor_position(at)?;
            }
        }
        self.cursor = Some(want);
        Backend::flush(&mut self.backend)
    }

    /// Writes the bytes of the frame of `key` another session on this thread sent, if
    /// one is kept, and says which it is (see [`SentFrames`]).
    fn take_sent_bytes(&mut self, key: &SentKey) -> Option<usize> {
        let writer = self.writer();
        SENT.with(|sent| {
            let sent = sent.borrow();
            let at = sent.iter().position(|f| f.key == *key)?;
            writer.writer_mut().extend_from_slice(&sent[at].bytes);
            Some(at)
        })
    }

    /// Sets the planned rows from the codes of kept frame `at`, when it has codes this
    /// screen reads the same (see [`SentCodes`]); false when the rows are to be encoded.
    fn take_sent_codes(&mut self, at: usize) -> bool {
        SENT.with(|sent| {
            let sent = sent.borrow();
            let Some(codes) = sent[at].codes.as_ref() else {
                return false;
            };
            if !self.shown.take_looks_of(&codes.looks) {
                return false;
            }
            let mut from = 0;
            for &(y, same) in &self.plan {
                let to = from + usize::from(same);
                self.shown.set_row(usize::from(y), &codes.rows[from..to]);
                from = to;
            }
            true
        })
    }

    /// Keeps the frame just written (its bytes from `start` in the writer) under `key`
    /// for the next sessions on this thread.
    fn keep_sent(&mut self, key: SentKey, start: usize) {
        let codes = self.sent_codes();
        let bytes = self.writer().writer_mut()[start..].to_vec();
        SENT.with(|sent| {
            let mut sent = sent.borrow_mut();
            sent.truncate(SENT_FRAMES - 1);
            sent.insert(
                0,
                SentFrame {
                    key,
                    bytes,
                    plan: self.plan.clone(),
                    codes,
                },
            );
        });
    }

    /// The codes the frame just sent left on its compared rows, for sessions that take
    /// its bytes (see [`SentCodes`]).
    fn sent_codes(&self) -> Option<SentCodes> {
        let mut rows = Vec::new();
        for &(y, same) in &self.plan {
            rows.extend_from_slice(&self.shown.row(usize::from(y))[..usize::from(same)]);
        }
        if rows.iter().any(|&c| is_cluster(c)) {
            return None;
        }
        let looks = rows.iter().map(|&c| look_of(c)).max().map_or(0, |l| l + 1);
        Some(SentCodes {
            looks: self.shown.looks()[..looks].to_vec(),
            rows,
        })
    }

    /// The escape-sequence writer at the bottom of the backend stack.
    fn writer(&mut self) -> &mut AnsiBackend {
        self.backend.inner_mut().inner_mut().inner_mut()
    }

    /// True when neither links nor pictures add to what the frame's cells on the
    /// planned rows write: only then may its bytes be shared (see [`SentFrames`]).
    fn output_plain(&self) -> bool {
        let links = self.backend.inner();
        links.links().passes_rows(self.plan.iter().map(|&(y, _)| y))
            && links.inner().graphics().idle()
    }

    /// Frames whose bytes were taken from another session's identical frame on this
    /// thread (for tests and measurements).
    pub fn reused_frames(&self) -> usize {
        self.reused
    }

    /// Frames that took the codes of their rows with their bytes, instead of encoding
    /// their cells (for tests).
    pub fn reused_codes(&self) -> usize {
        self.reused_codes
    }

    /// Rows the view left to draw (see [`Paint`]) that were never drawn, their frame
    /// taken whole from another session (for tests).
    pub fn unpainted_rows(&self) -> usize {
        self.unpainted
    }

    /// When the row whose changed cells are `self.changed[first..]` ends in blank cells
    /// and enough of them changed (a line that got shorter, an empty timeline's note
    /// under a first post), has the writer erase the row from the first of them
    /// instead of sending each. `cells` is the whole row.
    fn erase_blank_end(&mut self, cells: &[Cell], first: usize) {
        let places = &self.changed[first..];
        let ends_blank = places
            .last()
            .is_some_and(|&(x, _)| as_reset(&cells[usize::from(x)]));
        if places.len() < ERASE_AT_LEAST || !ends_blank {
            return;
        }
        // Past the last cell that is not blank, and all its columns: a wide
        // character's second column is a blank cell too.
        let blank_from = cells
            .iter()
            .rposition(|c| !as_reset(c))
            .map_or(0, |i| i + usize::from(cells[i].cell_width()).max(1));
        let from = places.partition_point(|&(x, _)| usize::from(x) < blank_from);
        if places.len() - from < ERASE_AT_LEAST {
            return;
        }
        let (x, y) = places[from];
        self.changed.truncate(first + from + 1);
        self.writer().erase_to_end_from(x, y);
    }

    /// Empty lists, with room, for the view to give the next frame's hints in
    /// ([`crate::tui::Model::reuse_hints`]): a frame built them up from nothing, and
    /// growing them was a twentieth of a live update's drawing.
    pub fn take_spent_hints(&mut self) -> Hints {
        std::mem::take(&mut self.spent)
    }

    /// Frames that moved a band of rows instead of resending it (for tests).
    pub fn scrolls(&self) -> usize {
        self.scrolls
    }

    /// Rows left alone without comparing their cells, over all frames (for tests).
    pub fn kept_rows(&self) -> usize {
        self.kept
    }

    /// Moves rows `s.top..s.bottom` of the client's screen by `s.by` (a scroll region
    /// and insert-line or delete-line), and notes where each of those rows now comes
    /// from: the rows that come in are blank in both it and our copy.
    fn scroll(&mut self, s: Shift) {
        // Inserted lines take the current background: it is the default here, as every
        // frame that draws ends in the default attributes and the session's setup starts
        // with `SGR 0`. The cells that follow place the cursor (the first may start
        // where the scroll left it).
        self.writer().scroll_band(s.top, s.bottom, s.by);
        self.note_scroll(s);
    }

    /// Notes that the client's rows moved by `s` (its bytes written already, or taken
    /// with a whole frame's).
    fn note_scroll(&mut self, s: Shift) {
        let (top, bottom) = (usize::from(s.top), usize::from(s.bottom));
        self.shown.scroll(top, bottom, isize::from(s.by));
        self.scrolls += 1;
    }

    /// Rows the view left blank for the client to keep, over all frames (for tests).
    pub fn left_rows(&self) -> usize {
        self.left
    }

    /// Frames drawn a second time, in full, because a row left blank was not kept (for
    /// tests).
    pub fn drawn_again(&self) -> usize {
        self.drawn_again
    }

    /// The bytes written since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.append_output(&mut out);
        out
    }

    /// Moves the bytes written since the last call to the end of `to`. The writer keeps
    /// its allocation: growing a new one from nothing for every frame was most of its
    /// cost.
    pub fn append_output(&mut self, to: &mut Vec<u8>) {
        let written = self.writer().writer_mut();
        to.extend_from_slice(written);
        written.clear();
        // A frame with a picture or a whole screen may have been far bigger: a session
        // keeps no more than a few live updates' worth (those are 100–600 bytes).
        written.shrink_to(KEPT_OUTPUT_BYTES);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ratatui::style::Style;
    use ratatui::text::{Line, Span};

    use super::*;

    /// A view that keys row 0 as one line and, when the terminal lets it, leaves that
    /// row blank instead of drawing it.
    fn frame(t: &mut SessionTerminal, key: &RowKey) -> String {
        t.draw(|f, drawing, _| {
            let mut hints = Hints {
                rows: vec![Some(key.clone()), None],
                ..Hints::default()
            };
            match drawing.may_leave() {
                true => hints.undrawn.push(0),
                false => f.buffer_mut().set_string(0, 0, "head", Style::default()),
            }
            hints
        })
        .unwrap();
        String::from_utf8_lossy(&t.take_output()).into_owned()
    }

    #[test]
    fn a_row_is_left_blank_only_where_the_client_shows_it() {
        let links = Links::default();
        let mut t = SessionTerminal::new(10, 2, &links, &Graphics::new());
        let key = RowKey::Line {
            x: 0,
            width: 10,
            line: Arc::new((Line::from("head"), Style::default())),
        };
        // A new screen shows nothing: the row is drawn after all.
        assert!(frame(&mut t, &key).contains("head"));
        assert_eq!((t.drawn_again(), t.left_rows()), (1, 0));
        // Now the client shows it: nothing is sent for it.
        assert!(!frame(&mut t, &key).contains("head"));
        assert_eq!((t.drawn_again(), t.left_rows()), (1, 1));
        // Another line under the same text is not the same key: drawn again.
        let other = RowKey::Line {
            x: 0,
            width: 10,
            line: Arc::new((Line::from("head"), Style::default())),
        };
        frame(&mut t, &other);
        assert_eq!(t.drawn_again(), 2);
    }

    /// A view that draws post line `id` in row 0 with the gutter `selected`, and only
    /// the gutter when the terminal lets it leave the rest to the client.
    fn post_frame(t: &mut SessionTerminal, id: u64, selected: bool) -> String {
        let key = RowKey::PostLine {
            x: 0,
            width: 10,
            id,
            line: 0,
            selected,
        };
        t.draw(|f, drawing, _| {
            let mut hints = Hints {
                rows: vec![Some(key.clone())],
                ..Hints::default()
            };
            let gutter = if selected { "> " } else { "  " };
            f.buffer_mut().set_string(0, 0, gutter, Style::default());
            match drawing.may_leave() {
                true => hints.gutter_only.push(0),
                false => {
                    f.buffer_mut()
                        .set_string(2, 0, format!("post{id}"), Style::default());
                }
            }
            hints
        })
        .unwrap();
        String::from_utf8_lossy(&t.take_output()).into_owned()
    }

    #[test]
    fn a_row_whose_selection_alone_moved_is_drawn_only_in_its_gutter() {
        let links = Links::default();
        let mut t = SessionTerminal::new(10, 1, &links, &Graphics::new());
        let mut client = vt100::Parser::new(1, 10, 0);
        // A new screen shows nothing: the gutter alone is not enough, the row is drawn.
        client.process(post_frame(&mut t, 7, true).as_bytes());
        assert_eq!(t.drawn_again(), 1);
        assert_eq!(client.screen().contents(), "> post7");
        // The same line, unselected: only the gutter is sent, the text stays.
        let out = post_frame(&mut t, 7, false);
        assert!(!out.contains("post7"), "{out:?}");
        client.process(out.as_bytes());
        assert_eq!(t.drawn_again(), 1, "the gutter-only frame was taken");
        assert_eq!(client.screen().contents(), "  post7");
        // Another post's line in the row: its gutter alone would leave the old text, so
        // the frame is drawn again in full.
        client.process(post_frame(&mut t, 8, true).as_bytes());
        assert_eq!(t.drawn_again(), 2);
        assert_eq!(client.screen().contents(), "> post8");
    }

    /// A row whose new text is shorter is erased past it; a few blanks are written.
    #[test]
    fn a_row_that_got_shorter_is_erased_past_its_text() {
        let links = Links::default();
        let mut t = SessionTerminal::new(12, 2, &links, &Graphics::new());
        let mut client = vt100::Parser::new(2, 12, 0);
        let mut show = |t: &mut SessionTerminal, top: &str, bottom: &str| {
            t.draw(|f, _, _| {
                f.buffer_mut().set_string(0, 0, top, Style::default());
                f.buffer_mut().set_string(0, 1, bottom, Style::default());
                Hints::default()
            })
            .unwrap();
            let out = t.take_output();
            client.process(&out);
            let rows: Vec<String> = client.screen().rows(0, 12).collect();
            let rows: Vec<&str> = rows.iter().map(|r| r.trim_end()).collect();
            assert_eq!(rows, [top.trim_end(), bottom.trim_end()]);
            String::from_utf8_lossy(&out).into_owned()
        };
        show(&mut t, "a long line", "世界 wide");
        let out = show(&mut t, "a", "世界");
        // Unchanged blanks before the first changed one stay as they are.
        assert_eq!(out, "\x1b[1;3H\x1b[K\x1b[2;6H\x1b[K", "{out:?}");
        // Three blanks are cheaper written than erased.
        show(&mut t, "abcd", "世界 wide");
        let out = show(&mut t, "a", "世界 wide");
        assert_eq!(out, "\x1b[1;2H   ", "{out:?}");
    }

    /// The key of line 0 of post `id`, across a row 10 wide.
    fn post_row(id: u64) -> RowKey {
        RowKey::PostLine {
            x: 0,
            width: 10,
            id,
            line: 0,
            selected: false,
        }
    }

    /// Draws `text` in `style` on row 0, keyed `key`, and gives the bytes sent.
    fn show_row(t: &mut SessionTerminal, text: &str, style: Style, key: Option<RowKey>) -> Vec<u8> {
        t.draw(|f, _, _| {
            f.buffer_mut().set_string(0, 0, text, style);
            Hints {
                rows: vec![key.clone()],
                ..Hints::default()
            }
        })
        .unwrap();
        t.take_output()
    }

    /// A second session in the same state on the thread takes the first one's bytes
    /// for a frame whose compared rows are keyed the same; a row keyed by a line of its
    /// own (another allocation, however equal) is never taken from another session.
    #[test]
    fn a_frame_of_equal_keys_is_taken_from_another_session_and_no_other() {
        let links = Links::default();
        let own_line = || RowKey::Line {
            x: 0,
            width: 10,
            line: Arc::new((Line::from("bar"), Style::default())),
        };
        let show = |t: &mut SessionTerminal, text: &str, key: RowKey| {
            show_row(t, text, Style::default(), Some(key))
        };
        // Ids no other test gives a row (the thread's frames outlive a test).
        let (a, b) = (post_row(9_001), post_row(9_002));
        let mut first = SessionTerminal::new(10, 1, &links, &Graphics::new());
        let mut second = SessionTerminal::new(10, 1, &Links::default(), &Graphics::new());
        for t in [&mut first, &mut second] {
            show(t, "post a", a.clone());
        }
        let sent = show(&mut first, "post bb", b.clone());
        assert_eq!(show(&mut second, "post bb", b.clone()), sent);
        assert_eq!((first.reused_frames(), second.reused_frames()), (0, 1));
        // Both met the same looks in the same order: the codes came along.
        assert_eq!(second.reused_codes(), 1);
        let mut client = vt100::Parser::new(1, 10, 0);
        client.process(b"post a");
        client.process(&sent);
        assert_eq!(client.screen().contents(), "post bb");
        // Each session's own line: equal bytes, written by each.
        let sent = show(&mut first, "bar", own_line());
        assert_eq!(show(&mut second, "bar", own_line()), sent);
        assert_eq!(second.reused_frames(), 1);
    }

    /// A session whose table of looks differs from the sharing session's takes the
    /// frame's bytes but encodes its own rows: its next frame of its own, diffed
    /// against them, still leaves the client showing what it should.
    #[test]
    fn codes_are_taken_only_by_a_screen_that_reads_them_the_same() {
        let red = Style::default().fg(ratatui::style::Color::Red);
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let (a, b) = (post_row(9_101), post_row(9_102));
        let mut first = SessionTerminal::new(10, 1, &Links::default(), &Graphics::new());
        let mut second = SessionTerminal::new(10, 1, &Links::default(), &Graphics::new());
        let mut client = vt100::Parser::new(1, 10, 0);
        // The second session meets bold before red: its looks are numbered otherwise.
        show_row(&mut first, "post a", red, Some(a.clone()));
        client.process(&show_row(&mut second, "x", bold, None));
        client.process(&show_row(&mut second, "post a", red, Some(a.clone())));
        show_row(&mut first, "post bb", red, Some(b.clone()));
        client.process(&show_row(&mut second, "post bb", red, Some(b.clone())));
        assert_eq!((second.reused_frames(), second.reused_codes()), (1, 0));
        client.process(&show_row(&mut second, "post bx", bold, None));
        assert_eq!(client.screen().contents(), "post bx");
        let cell = client.screen().cell(0, 5).unwrap();
        assert!(cell.bold() && cell.fgcolor() == vt100::Color::Default);
    }

    /// Leaves row 0 for the terminal to draw (see [`Paint`]): line 0 of the post lines
    /// `id`, `text` in `style` after an unselected gutter. Gives the bytes sent.
    fn leave_row(t: &mut SessionTerminal, text: &str, style: Style, id: u64) -> Vec<u8> {
        let lines: Arc<[Line<'static>]> =
            Arc::from(vec![Line::from(Span::styled(text.to_string(), style))]);
        t.draw(|_, _, _| Hints {
            rows: vec![Some(post_row(id))],
            paints: vec![Paint {
                area: Rect::new(0, 0, 10, 1),
                selected: false,
                accent: Style::default(),
                line: Some((id, 0, lines.clone())),
            }],
            ..Hints::default()
        })
        .unwrap();
        t.take_output()
    }

    /// A row the view left to draw is drawn when its frame needs the cells: to write
    /// them, and to encode them when the frame's bytes are taken from another session
    /// but not its codes (the screens met their looks in another order). A frame taken
    /// whole, codes and all, never draws it.
    #[test]
    fn a_row_left_to_draw_is_drawn_only_when_its_cells_are_read() {
        let red = Style::default().fg(ratatui::style::Color::Red);
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        // Ids no other test gives a row (the thread's frames outlive a test).
        let (a, b) = (9_201, 9_202);
        let mut sessions: Vec<SessionTerminal> = (0..3)
            .map(|_| SessionTerminal::new(10, 1, &Links::default(), &Graphics::new()))
            .collect();
        let mut client = vt100::Parser::new(1, 10, 0);
        // The second session meets bold before red: its looks are numbered otherwise.
        client.process(&show_row(&mut sessions[1], "x", bold, None));
        for (i, t) in sessions.iter_mut().enumerate() {
            let sent = leave_row(t, "post a", red, a);
            if i == 1 {
                client.process(&sent);
            }
        }
        // The first writes its frame; the second takes its bytes, not its codes; the
        // third takes both.
        let firsts: Vec<Vec<u8>> = sessions
            .iter_mut()
            .map(|t| leave_row(t, "post bb", red, b))
            .collect();
        assert_eq!(firsts[1], firsts[0]);
        assert_eq!(firsts[2], firsts[0]);
        client.process(&firsts[1]);
        let taken: Vec<_> = sessions
            .iter()
            .map(|t| (t.reused_frames(), t.reused_codes(), t.unpainted_rows()))
            .collect();
        assert_eq!(taken, [(0, 0, 0), (1, 0, 0), (1, 1, 1)]);
        assert_eq!(client.screen().contents(), "  post bb");
        // The second's copy of its client's screen holds the row it drew to encode: a
        // shorter line that is not taken from anyone erases the rest.
        client.process(&show_row(&mut sessions[1], "  po", bold, None));
        assert_eq!(client.screen().contents(), "  po");
    }

    /// A row a scroll brought in is blank at the client: a blank row there is left
    /// alone, and a short line drawn there is sent as its text alone.
    #[test]
    fn a_row_that_came_in_with_a_scroll_is_known_blank() {
        let links = Links::default();
        let mut t = SessionTerminal::new(10, 3, &links, &Graphics::new());
        let line = |text: &'static str| RowKey::Line {
            x: 0,
            width: 10,
            line: Arc::new((Line::from(text), Style::default())),
        };
        let (a, b) = (line("aa"), line("bb"));
        let blank = RowKey::Blank { x: 0, width: 10 };
        let first = vec![Some(a.clone()), Some(b.clone()), Some(blank.clone())];
        t.draw(|f, _, _| {
            f.buffer_mut().set_string(0, 0, "aa", Style::default());
            f.buffer_mut().set_string(0, 1, "bb", Style::default());
            Hints {
                rows: first.clone(),
                ..Hints::default()
            }
        })
        .unwrap();
        t.take_output();
        let kept = t.kept_rows();
        // Everything moves down a row: row 0 comes in blank and stays so.
        let shift = Some(Shift {
            top: 0,
            bottom: 3,
            by: 1,
        });
        t.draw(|f, _, _| {
            f.buffer_mut().set_string(0, 1, "aa", Style::default());
            f.buffer_mut().set_string(0, 2, "bb", Style::default());
            Hints {
                shift,
                rows: vec![Some(blank.clone()), Some(a.clone()), Some(b.clone())],
                ..Hints::default()
            }
        })
        .unwrap();
        assert_eq!(t.kept_rows() - kept, 3, "no row needed comparing");
        let out = String::from_utf8_lossy(&t.take_output()).into_owned();
        assert!(!out.contains("aa") && !out.contains("bb"), "{out:?}");
        // Again, with a new line into the row that came in.
        t.draw(|f, _, _| {
            f.buffer_mut().set_string(0, 0, "cc", Style::default());
            f.buffer_mut().set_string(0, 1, "aa", Style::default());
            f.buffer_mut().set_string(0, 2, "bb", Style::default());
            Hints {
                shift,
                rows: vec![Some(line("cc")), Some(a.clone()), Some(b.clone())],
                ..Hints::default()
            }
        })
        .unwrap();
        let out = String::from_utf8_lossy(&t.take_output()).into_owned();
        assert!(out.contains("cc"), "{out:?}");
        assert!(
            !out.contains("cc "),
            "trailing blanks are not sent: {out:?}"
        );
    }
}
