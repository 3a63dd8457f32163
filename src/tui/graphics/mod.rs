//! Pictures drawn with terminal graphics: the kitty graphics protocol and sixel, for
//! campers who chose them (or `auto`, with a terminal found to draw them). The
//! half-block drawing (`crate::tui::preview`) stays the fallback everywhere else.
//!
//! ratatui's cells cannot carry these sequences, and the screen guard
//! (`crate::tui::guarded_backend`) strips any escape a cell holds, so a picture takes
//! another road, in three steps:
//! 1. the preview reserves its cells with marker symbols ([`reserved_lines`]);
//! 2. once the whole screen is drawn (popups included), [`reserve`] finds the markers,
//!    blanks them, and marks them to be skipped by ratatui's diff only when the
//!    rectangle is whole: a popup over it or a scroll that cuts it leaves plain blanks
//!    and no picture;
//! 3. [`backend::GraphicsBackend`] writes, after the frame's cells, what changed: the
//!    old picture taken away, the new one encoded by camp's own encoders
//!    ([`kitty`], [`sixel`]) from decoded pixels, never from another server's bytes.
//!
//! The picture is sent again only when its rectangle, its image or the protocol
//! changes, and is bounded ([`MAX_BYTES`]). Exec output, the line mode and the
//! browser terminal never get any of it ([`Caps::allowed`]).

pub mod backend;
pub mod detect;
pub mod kitty;
pub mod sixel;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};

use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::camp::preview::{PreviewMode, Thumb};

/// Most bytes one picture may cost on the wire.
pub const MAX_BYTES: usize = 128 << 10;
/// Longest side of the pixels sent with the kitty protocol (the terminal scales them
/// to the cells).
const KITTY_SIDE: u32 = 128;
/// A cell's size in pixels when the terminal did not say: on the small side, so a
/// sixel picture sized with it never spills out of its cells.
pub const DEFAULT_CELL: (u16, u16) = (7, 14);
/// Rows a reserved rectangle may have (the marker carries its row in 4 bits).
pub const MAX_RESERVED_ROWS: u16 = 15;
/// Columns a reserved rectangle may have (the marker carries its width in 6 bits).
pub const MAX_RESERVED_COLS: u16 = 63;
/// The private-use plane the markers come from: each carries its rectangle's width and
/// height and its own row, so a rectangle cut by a popup or the screen's edge is told
/// from a whole one.
const MARK_BASE: u32 = 0xF0000;

/// A terminal graphics protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// The kitty graphics protocol.
    Kitty,
    /// DEC sixel.
    Sixel,
}

impl Protocol {
    /// Its name, as in Settings.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Kitty => "kitty",
            Protocol::Sixel => "sixel",
        }
    }
}

/// What one session's terminal draws, and what its camper chose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caps {
    /// The camper's preview setting.
    pub mode: PreviewMode,
    /// What the terminal was found to draw (from `TERM` or its answers).
    pub detected: Option<Protocol>,
    /// The session may send terminal graphics at all (an SSH terminal app; never the
    /// browser terminal, whose xterm.js draws neither).
    pub allowed: bool,
    /// A cell's size in pixels, when the terminal said.
    pub cell: Option<(u16, u16)>,
    /// The picture the last frame placed (set by [`reserve`] through the view).
    pub placed: Option<Placement>,
}

impl Caps {
    /// The protocol previews are drawn with, or None for half-blocks: the camper's
    /// explicit choice wins; `auto` takes what was detected.
    pub fn protocol(&self) -> Option<Protocol> {
        if !self.allowed {
            return None;
        }
        match self.mode {
            PreviewMode::Kitty => Some(Protocol::Kitty),
            PreviewMode::Sixel => Some(Protocol::Sixel),
            PreviewMode::Auto => self.detected,
            PreviewMode::Off | PreviewMode::HalfBlock => None,
        }
    }
}

/// A picture over a rectangle of cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The cells it covers.
    pub area: Rect,
    /// Its pixels.
    pub thumb: Arc<Thumb>,
    /// How it is drawn.
    pub protocol: Protocol,
}

impl Placement {
    /// The same picture in the same place (the image compared by identity: a thumbnail
    /// is never changed in place).
    fn same(&self, other: &Placement) -> bool {
        self.area == other.area
            && self.protocol == other.protocol
            && Arc::ptr_eq(&self.thumb, &other.thumb)
    }
}

fn mark(cols: u16, rows: u16, row: u16) -> char {
    let v = (u32::from(cols) << 8) | (u32::from(rows) << 4) | u32::from(row);
    char::from_u32(MARK_BASE + v).unwrap_or(' ')
}

/// (cols, rows, row) of a marker cell. A marker is a private-use symbol *and* the hidden
/// modifier, which no text style uses: a post cannot forge one.
fn marker(cell: &Cell) -> Option<(u16, u16, u16)> {
    if !cell.modifier.contains(Modifier::HIDDEN) {
        return None;
    }
    let mut chars = cell.symbol().chars();
    let c = chars.next()? as u32;
    if chars.next().is_some() || !(MARK_BASE..MARK_BASE + 0x4000).contains(&c) {
        return None;
    }
    let v = (c - MARK_BASE) as u16;
    Some((v >> 8, (v >> 4) & 15, v & 15))
}

/// `rows` lines of `cols` marker cells: the rectangle a picture will cover.
pub fn reserved_lines(cols: u16, rows: u16) -> Vec<Line<'static>> {
    let rows = rows.clamp(1, MAX_RESERVED_ROWS);
    let cols = cols.clamp(1, MAX_RESERVED_COLS);
    (0..rows)
        .map(|row| {
            let text: String = std::iter::repeat_n(mark(cols, rows, row), cols as usize).collect();
            Line::from(Span::styled(
                text,
                Style::new().add_modifier(Modifier::HIDDEN),
            ))
        })
        .collect()
}

/// Finds the reserved rectangle in a drawn `buffer`, blanks every marker, and returns
/// where `picture` goes: only when the rectangle is whole and is the only one (its
/// cells are then skipped by the diff, so the picture is not painted over).
pub fn reserve(buffer: &mut Buffer, picture: Option<(Arc<Thumb>, Protocol)>) -> Option<Placement> {
    let area = buffer.area;
    let mut found: Option<(u16, u16, u16, u16)> = None; // x0, y0, cols, rows
    let mut count = 0usize;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some((cols, rows, row)) = marker(&buffer[(x, y)]) {
                count += 1;
                if found.is_none() && row == 0 {
                    found = Some((x, y, cols, rows));
                }
            }
        }
    }
    if count == 0 {
        return None;
    }
    let rect = found.and_then(|(x0, y0, cols, rows)| {
        let whole = x0 + cols <= area.right()
            && y0 + rows <= area.bottom()
            && usize::from(cols) * usize::from(rows) == count
            && (0..rows).all(|r| {
                (x0..x0 + cols).all(|x| marker(&buffer[(x, y0 + r)]) == Some((cols, rows, r)))
            });
        whole.then_some(Rect::new(x0, y0, cols, rows))
    });
    let placement = match (rect, picture) {
        (Some(area), Some((thumb, protocol))) => Some(Placement {
            area,
            thumb,
            protocol,
        }),
        _ => None,
    };
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &mut buffer[(x, y)];
            if marker(cell).is_some() {
                cell.reset();
                if placement.is_some() {
                    cell.set_diff_option(CellDiffOption::Skip);
                }
            }
        }
    }
    placement
}

/// `thumb` resampled to `w`×`h` RGB pixels (each the mean of the source pixels under it).
pub fn resample(thumb: &Thumb, w: u32, h: u32) -> Vec<u8> {
    let (sw, sh) = (thumb.width as usize, thumb.height as usize);
    let (w, h) = (w.max(1) as usize, h.max(1) as usize);
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        let (y0, y1) = (y * sh / h, ((y + 1) * sh / h).max(y * sh / h + 1).min(sh));
        for x in 0..w {
            let (x0, x1) = (x * sw / w, ((x + 1) * sw / w).max(x * sw / w + 1).min(sw));
            let mut sum = [0u32; 3];
            let mut n = 0u32;
            for sy in y0..y1 {
                for sx in x0..x1 {
                    let p = thumb.pixel(sx as u32, sy as u32);
                    for c in 0..3 {
                        sum[c] += u32::from(p[c]);
                    }
                    n += 1;
                }
            }
            let n = n.max(1);
            out.extend(sum.iter().map(|s| (s / n) as u8));
        }
    }
    out
}

/// The largest `w`×`h` with `thumb`'s proportions within `max_w`×`max_h`.
fn fit(thumb: &Thumb, max_w: u32, max_h: u32) -> (u32, u32) {
    let scale =
        (f64::from(max_w) / f64::from(thumb.width)).min(f64::from(max_h) / f64::from(thumb.height));
    (
        ((f64::from(thumb.width) * scale) as u32).clamp(1, max_w.max(1)),
        ((f64::from(thumb.height) * scale) as u32).clamp(1, max_h.max(1)),
    )
}

/// The bytes that draw `p` at the cursor with image id `id` (kitty), within
/// [`MAX_BYTES`]; None when even a small version would not fit.
pub fn encode(p: &Placement, id: u32, cell: (u16, u16)) -> Option<Vec<u8>> {
    let (cols, rows) = (p.area.width, p.area.height);
    let (cw, ch) = (u32::from(cell.0.max(1)), u32::from(cell.1.max(1)));
    let (mut w, mut h) = match p.protocol {
        Protocol::Kitty => fit(
            &p.thumb,
            p.thumb.width.min(KITTY_SIDE),
            p.thumb.height.min(KITTY_SIDE),
        ),
        Protocol::Sixel => fit(&p.thumb, u32::from(cols) * cw, u32::from(rows) * ch),
    };
    for _ in 0..4 {
        let bytes = match p.protocol {
            Protocol::Kitty => kitty::transmit(id, w, h, &resample(&p.thumb, w, h), cols, rows),
            Protocol::Sixel => {
                // Whole bands only: a partial band would still take six pixel rows.
                let h6 = (h / 6 * 6).max(6);
                sixel::encode(w, h6, &resample(&p.thumb, w, h6))
            }
        };
        if bytes.len() <= MAX_BYTES {
            return Some(bytes);
        }
        (w, h) = ((w / 2).max(1), (h / 2).max(6));
    }
    None
}

#[derive(Debug, Default)]
struct State {
    /// This session's kitty image id.
    id: u32,
    /// What the client shows now.
    shown: Option<Placement>,
    /// The kitty image id holds the pixels of `shown`'s thumbnail (placeable again).
    transmitted: Option<Arc<Thumb>>,
    /// What the frame being drawn places (set before the backend flushes).
    next: Option<Placement>,
    /// The screen was cleared: whatever was shown is gone (and kitty's pixels are to
    /// be freed).
    purge: bool,
    /// A cell's size in pixels.
    cell: Option<(u16, u16)>,
}

/// The pictures of one session's screen, shared by its draw closure and its backend.
#[derive(Debug, Clone, Default)]
pub struct Graphics(Arc<Mutex<State>>);

/// Kitty image ids handed out to sessions (never 0, which means "none").
static NEXT_ID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

impl Graphics {
    /// A fresh handle with its own image id.
    pub fn new() -> Self {
        let id = NEXT_ID
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .max(1);
        Graphics(Arc::new(Mutex::new(State {
            id,
            ..State::default()
        })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the frame being drawn places (call from the draw closure, every frame).
    pub fn set(&self, next: Option<Placement>) {
        self.state().next = next;
    }

    /// The terminal's cell size in pixels, when known.
    pub fn set_cell(&self, cell: Option<(u16, u16)>) {
        self.state().cell = cell;
    }

    /// True when the client shows no picture, holds none, and the frame drawn places
    /// none: a frame's flush writes nothing for pictures.
    pub fn idle(&self) -> bool {
        let st = self.state();
        st.shown.is_none() && st.transmitted.is_none() && st.next.is_none() && !st.purge
    }

    /// The screen was cleared (a resize): nothing is shown any more.
    pub fn reset(&self) {
        let mut st = self.state();
        st.purge = st.shown.is_some() || st.transmitted.is_some();
        st.shown = None;
        st.transmitted = None;
    }

    /// The bytes that free this session's picture as it ends (nothing when none was
    /// sent).
    pub fn goodbye(&self) -> Vec<u8> {
        let st = self.state();
        if st.transmitted.is_some() || st.purge {
            kitty::delete(st.id)
        } else {
            Vec::new()
        }
    }

    /// The bytes that bring the client from what it shows to the frame's picture, and
    /// nothing when they are the same (written after the frame's cells).
    pub fn frame_bytes(&self) -> Vec<u8> {
        let mut st = self.state();
        let next = st.next.clone();
        let mut out = Vec::new();
        if std::mem::take(&mut st.purge) {
            out.extend(kitty::delete(st.id));
        }
        if let (Some(a), Some(b)) = (&st.shown, &next)
            && a.same(b)
        {
            return out;
        }
        let id = st.id;
        if let Some(old) = st.shown.take()
            && old.protocol == Protocol::Kitty
        {
            // A sixel picture goes with its cells, which the diff repaints (no longer
            // skipped); a kitty picture lives above the text and is taken away.
            out.extend(kitty::hide(id));
        }
        let Some(p) = next else {
            if st.transmitted.take().is_some() {
                out.extend(kitty::delete(id));
            }
            return out;
        };
        let cell = st.cell.unwrap_or(DEFAULT_CELL);
        let again = p.protocol == Protocol::Kitty
            && st
                .transmitted
                .as_ref()
                .is_some_and(|t| Arc::ptr_eq(t, &p.thumb));
        let image = if again {
            Some(kitty::place(id, p.area.width, p.area.height))
        } else {
            encode(&p, id, cell)
        };
        let Some(image) = image else {
            return out;
        };
        // Save the cursor; blank the rectangle (what was under it must not show
        // through a picture with fewer pixels than its cells); draw; restore.
        out.extend_from_slice(b"\x1b7\x1b[0m");
        for row in 0..p.area.height {
            out.extend_from_slice(
                format!(
                    "\x1b[{};{}H\x1b[{}X",
                    p.area.y + row + 1,
                    p.area.x + 1,
                    p.area.width
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(format!("\x1b[{};{}H", p.area.y + 1, p.area.x + 1).as_bytes());
        out.extend(image);
        out.extend_from_slice(b"\x1b8");
        if p.protocol == Protocol::Kitty {
            st.transmitted = Some(p.thumb.clone());
        } else if st.transmitted.take().is_some() {
            out.extend(kitty::delete(id));
        }
        st.shown = Some(p);
        out
    }
}
