//! A session's terminal: ratatui draws each frame, and camp decides what of it is sent.
//!
//! ratatui's own `Terminal::draw` compares every cell of the frame with the last one
//! through `Cell`'s full equality and the unicode width of every symbol; at 1,000
//! sessions that whole-screen diff was a fifth of the server's time per live post. Here
//! the frame is drawn through a ratatui `Terminal` (screens keep their `Frame`) whose
//! own buffers stay empty and whose backend only notes the cursor; the frame lands in
//! our buffer and [`crate::tui::frame_diff`] finds the cells that changed, with a cheap
//! test for the equal ones. The backend stack below (the output guard, links, pictures,
//! the crossterm writer) gets those cells as from ratatui.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};
use ratatui::{Frame, Terminal, TerminalOptions, Viewport};

use crate::tui::graphics::Graphics;
use crate::tui::graphics::backend::GraphicsBackend;
use crate::tui::guarded_backend::GuardedBackend;
use crate::tui::hyperlinks::{HyperlinkBackend, Links};
use crate::tui::scroll_hint::{Hints, RowKey, Shift};

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
/// sanitizing) over camp's hyperlinks over camp's pictures over the crossterm writer
/// into a byte buffer.
pub type SessionBackend =
    GuardedBackend<HyperlinkBackend<GraphicsBackend<CrosstermBackend<Vec<u8>>>>>;

/// One client's screen: the frames drawn for it, and the bytes that bring it from the
/// last frame to the next.
#[derive(Debug)]
pub struct SessionTerminal {
    frames: Terminal<CursorProbe>,
    backend: SessionBackend,
    /// What the client's screen shows now.
    shown: Buffer,
    /// The frame being drawn (blank between frames).
    next: Buffer,
    /// Indices of the cells of the last frame that changed (kept for its allocation).
    changed: Vec<usize>,
    /// Where the client's cursor was last put (`None` inside: hidden), if known.
    cursor: Option<Option<Position>>,
    /// Frames that scrolled a band (see [`Self::scrolls`]).
    scrolls: usize,
    /// Rows left alone because the view said they show what they showed (see
    /// [`Self::kept_rows`]).
    kept: usize,
    /// What the view said each row of the client's screen shows.
    shown_rows: Vec<Option<RowKey>>,
    /// For this frame: which row of `shown` each screen row shows (`None`: blank).
    source: Vec<Option<usize>>,
    /// A blank row, to compare rows that scrolled in against.
    blank: Vec<Cell>,
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
            GraphicsBackend::new(
                CrosstermBackend::new(Vec::with_capacity(4096)),
                graphics.clone(),
            ),
            links.clone(),
        ));
        let shown = Buffer::empty(area);
        SessionTerminal {
            frames,
            backend,
            next: shown.clone(),
            shown,
            changed: Vec::new(),
            cursor: None,
            scrolls: 0,
            kept: 0,
            shown_rows: Vec::new(),
            source: Vec::new(),
            blank: vec![Cell::EMPTY; usize::from(cols)],
        }
    }

    /// What the client's screen shows after the last frame.
    pub fn shown(&self) -> &Buffer {
        &self.shown
    }

    /// The backend stack (tests look at its layers).
    pub fn backend_mut(&mut self) -> &mut SessionBackend {
        &mut self.backend
    }

    /// Draws a frame with `render` and writes what the client needs to show it; the
    /// bytes wait in [`Self::take_output`]. `render` may return a band of rows that
    /// moved since the last frame ([`Shift`]): the client's terminal moves them itself.
    pub fn draw(&mut self, render: impl FnOnce(&mut Frame) -> Hints) -> io::Result<()> {
        let mut next = std::mem::take(&mut self.next);
        let mut hints = Hints::default();
        self.frames.draw(|f| {
            std::mem::swap(f.buffer_mut(), &mut next);
            hints = render(f);
            std::mem::swap(f.buffer_mut(), &mut next);
        })?;
        let height = usize::from(self.shown.area.height);
        // Which row of the client's screen each row shows before this frame's cells:
        // its own, or after a scroll another one, or a blank one.
        self.source.clear();
        self.source.extend((0..height).map(Some));
        if let Some(s) = hints.shift.filter(|s| s.fits(self.shown.area.height)) {
            self.scroll(s);
        }
        let w = usize::from(self.shown.area.width);
        self.changed.clear();
        for y in 0..height {
            let was = self.source[y];
            let key = hints.rows.get(y).and_then(Option::as_ref);
            let kept = match (was, key) {
                (Some(r), Some(k)) => self.shown_rows.get(r).and_then(Option::as_ref) == Some(k),
                _ => false,
            };
            if kept {
                self.kept += 1;
                continue;
            }
            let old = match was {
                Some(r) => &self.shown.content[r * w..(r + 1) * w],
                None => &self.blank[..],
            };
            let now = &next.content[y * w..(y + 1) * w];
            crate::tui::frame_diff::changed_in_row(old, now, y * w, &mut self.changed);
        }
        let cells = self.changed.iter().map(|&i| {
            let (x, y) = next.pos_of(i);
            (x, y, &next.content[i])
        });
        self.backend.draw(cells)?;
        let probe = self.frames.backend();
        let want = probe.shown.then_some(probe.cursor);
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
        Backend::flush(&mut self.backend)?;
        std::mem::swap(&mut self.shown, &mut next);
        self.shown_rows = hints.rows;
        next.reset();
        self.next = next;
        Ok(())
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
    /// from in our copy of that screen: the rows that come in are blank in both.
    fn scroll(&mut self, s: Shift) {
        let out = self
            .backend
            .inner_mut()
            .inner_mut()
            .inner_mut()
            .writer_mut();
        let n = s.by.unsigned_abs();
        // Inserted lines take the current background: reset it first. The region is
        // reset at once (which homes the cursor); the cells that follow place it.
        let op = if s.by > 0 { 'L' } else { 'M' };
        let _ = write!(
            out,
            "\x1b[0m\x1b[{};{}r\x1b[{};1H\x1b[{n}{op}\x1b[r",
            s.top + 1,
            s.bottom,
            s.top + 1
        );
        let (top, bottom, n) = (usize::from(s.top), usize::from(s.bottom), usize::from(n));
        for y in top..bottom {
            self.source[y] = match s.by > 0 {
                true => (y >= top + n).then(|| y - n),
                false => (y + n < bottom).then(|| y + n),
            };
        }
        self.scrolls += 1;
    }

    /// The bytes written since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(
            self.backend
                .inner_mut()
                .inner_mut()
                .inner_mut()
                .writer_mut(),
        )
    }
}
