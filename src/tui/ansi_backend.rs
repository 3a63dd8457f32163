//! The bottom of a session's backend stack: cells to terminal bytes, written into a
//! byte buffer.
//!
//! It writes what ratatui's crossterm backend writes (the same cursor moves, the same
//! attribute changes, the same colour codes), with two differences that only save
//! bytes: a colour change names only the colour that changed (crossterm always sends
//! foreground and background together), and a frame ends with one `SGR 0` instead of
//! four resets. Every byte here crosses every session's connection for every live
//! post, and the client parses each one; crossterm also formats each code through
//! `fmt::Write`, which a profile at 1,000 sessions showed at several percent of the
//! server's time. A test feeds both backends' bytes for random cells to a terminal
//! emulator and compares every cell's text and attributes.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};

/// A [`Backend`] that writes escape sequences into a `Vec<u8>`.
#[derive(Debug, Default)]
pub struct AnsiBackend {
    out: Vec<u8>,
}

impl AnsiBackend {
    /// A backend writing into `out`.
    pub fn new(out: Vec<u8>) -> Self {
        AnsiBackend { out }
    }

    /// The bytes written so far (taken with `std::mem::take`).
    pub fn writer_mut(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    fn move_to(&mut self, x: u16, y: u16) {
        self.out.extend_from_slice(b"\x1b[");
        push_number(&mut self.out, u32::from(y) + 1);
        self.out.push(b';');
        push_number(&mut self.out, u32::from(x) + 1);
        self.out.push(b'H');
    }

    fn sgr(&mut self, code: &[u8]) {
        self.out.extend_from_slice(b"\x1b[");
        self.out.extend_from_slice(code);
        self.out.push(b'm');
    }

    /// The attribute changes from `from` to `to`, in crossterm's order and codes.
    fn modifiers(&mut self, from: Modifier, to: Modifier) {
        let removed = from - to;
        if removed.contains(Modifier::REVERSED) {
            self.sgr(b"27");
        }
        let reset_intensity = removed.intersects(Modifier::BOLD | Modifier::DIM);
        if reset_intensity {
            // Normal intensity ends both bold and dim: the one that stays comes back.
            self.sgr(b"22");
            if to.contains(Modifier::DIM) {
                self.sgr(b"2");
            }
            if to.contains(Modifier::BOLD) {
                self.sgr(b"1");
            }
        }
        for (flag, code) in [
            (Modifier::ITALIC, &b"23"[..]),
            (Modifier::UNDERLINED, b"24"),
            (Modifier::CROSSED_OUT, b"29"),
            (Modifier::HIDDEN, b"28"),
        ] {
            if removed.contains(flag) {
                self.sgr(code);
            }
        }
        if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
            self.sgr(b"25");
        }
        let added = to - from;
        for (flag, code, unless_reset) in [
            (Modifier::REVERSED, &b"7"[..], false),
            (Modifier::BOLD, b"1", true),
            (Modifier::ITALIC, b"3", false),
            (Modifier::UNDERLINED, b"4", false),
            (Modifier::DIM, b"2", true),
            (Modifier::CROSSED_OUT, b"9", false),
            (Modifier::HIDDEN, b"8", false),
            (Modifier::SLOW_BLINK, b"5", false),
            (Modifier::RAPID_BLINK, b"6", false),
        ] {
            if added.contains(flag) && !(unless_reset && reset_intensity) {
                self.sgr(code);
            }
        }
    }

    /// `ESC [ 38;… m` (or 48 for the background) for `color`, as crossterm maps it.
    fn color(&mut self, layer: u8, color: Color) {
        self.out.extend_from_slice(b"\x1b[");
        push_number(&mut self.out, u32::from(layer));
        match color {
            Color::Reset => self.out.push(b'9'),
            Color::Rgb(r, g, b) => {
                self.out.extend_from_slice(b"8;2;");
                push_number(&mut self.out, u32::from(r));
                self.out.push(b';');
                push_number(&mut self.out, u32::from(g));
                self.out.push(b';');
                push_number(&mut self.out, u32::from(b));
            }
            other => {
                self.out.extend_from_slice(b"8;5;");
                push_number(&mut self.out, u32::from(palette_index(other)));
            }
        }
        self.out.push(b'm');
    }
}

/// The 256-colour palette index crossterm sends for a named or indexed colour.
fn palette_index(color: Color) -> u8 {
    match color {
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(i) => i,
        Color::Reset | Color::Rgb(..) => 0,
    }
}

/// Appends `n` in decimal.
fn push_number(out: &mut Vec<u8>, n: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

impl Write for AnsiBackend {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Backend for AnsiBackend {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let (mut fg, mut bg, mut modifier) = (Color::Reset, Color::Reset, Modifier::empty());
        let mut last: Option<(u16, u16)> = None;
        let mut any = false;
        for (x, y, cell) in content {
            any = true;
            if !matches!(last, Some((lx, ly)) if x == lx + 1 && y == ly) {
                self.move_to(x, y);
            }
            last = Some((x, y));
            if cell.modifier != modifier {
                self.modifiers(modifier, cell.modifier);
                modifier = cell.modifier;
            }
            if cell.fg != fg {
                self.color(3, cell.fg);
                fg = cell.fg;
            }
            if cell.bg != bg {
                self.color(4, cell.bg);
                bg = cell.bg;
            }
            self.out.extend_from_slice(cell.symbol().as_bytes());
        }
        if any {
            self.sgr(b"0");
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.out.extend_from_slice(b"\x1b[?25l");
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.out.extend_from_slice(b"\x1b[?25h");
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Err(io::Error::other(
            "a session's terminal is not asked where its cursor is",
        ))
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let Position { x, y } = position.into();
        self.move_to(x, y);
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.out.extend_from_slice(match clear_type {
            ClearType::All => b"\x1b[2J",
            ClearType::AfterCursor => b"\x1b[J",
            ClearType::BeforeCursor => b"\x1b[1J",
            ClearType::CurrentLine => b"\x1b[2K",
            ClearType::UntilNewLine => b"\x1b[K",
        });
        Ok(())
    }

    fn size(&self) -> io::Result<Size> {
        Err(io::Error::other(
            "a session's terminal size comes from its pty request",
        ))
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        Err(io::Error::other(
            "a session's terminal size comes from its pty request",
        ))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use ratatui::backend::CrosstermBackend;
    use ratatui::buffer::Cell;

    use super::*;

    use crate::tui::test_rng::Rng;

    const COLORS: &[Color] = &[
        Color::Reset,
        Color::Black,
        Color::Red,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightBlue,
        Color::White,
        Color::Indexed(6),
        Color::Indexed(244),
        Color::Rgb(10, 200, 7),
    ];

    const MODIFIERS: &[Modifier] = &[
        Modifier::BOLD,
        Modifier::DIM,
        Modifier::ITALIC,
        Modifier::UNDERLINED,
        Modifier::REVERSED,
        Modifier::CROSSED_OUT,
        Modifier::HIDDEN,
        Modifier::SLOW_BLINK,
    ];

    fn random_cell(rng: &mut Rng) -> Cell {
        let mut c = Cell::new(["a", "b", " ", "é", "世", "▌"][rng.below(6) as usize]);
        c.fg = COLORS[rng.below(COLORS.len() as u64) as usize];
        c.bg = COLORS[rng.below(COLORS.len() as u64) as usize];
        for m in MODIFIERS {
            if rng.below(3) == 0 {
                c.modifier |= *m;
            }
        }
        c
    }

    /// Every cell of the emulator's screen: text, colours and attributes.
    fn screen(p: &vt100::Parser) -> Vec<String> {
        let s = p.screen();
        let (rows, cols) = s.size();
        let mut out = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                if let Some(cell) = s.cell(r, c) {
                    out.push(format!(
                        "{r},{c}: {:?} fg {:?} bg {:?} b{} d{} i{} u{} r{}",
                        cell.contents(),
                        cell.fgcolor(),
                        cell.bgcolor(),
                        cell.bold(),
                        cell.dim(),
                        cell.italic(),
                        cell.underline(),
                        cell.inverse()
                    ));
                }
            }
        }
        out
    }

    /// Random runs of cells (adjacent and apart) drawn by crossterm's backend and by
    /// ours leave a terminal emulator showing the same cells, and ours sends fewer
    /// bytes.
    #[test]
    fn it_shows_what_crossterms_backend_shows_in_fewer_bytes() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut theirs_bytes, mut ours_bytes) = (0, 0);
        for round in 0..300 {
            let mut theirs = vt100::Parser::new(6, 20, 0);
            let mut ours = vt100::Parser::new(6, 20, 0);
            for _ in 0..4 {
                let mut cells = Vec::new();
                let (mut x, mut y) = (rng.below(20) as u16, rng.below(6) as u16);
                for _ in 0..rng.below(30) {
                    let cell = random_cell(&mut rng);
                    let wide = cell.symbol() == "世";
                    if x + u16::from(wide) >= 20 || rng.below(6) == 0 {
                        (x, y) = (rng.below(19) as u16, rng.below(6) as u16);
                    }
                    cells.push((x, y, cell));
                    x += 1 + u16::from(wide);
                }
                let mut c = CrosstermBackend::new(Vec::new());
                c.draw(cells.iter().map(|(x, y, c)| (*x, *y, c))).unwrap();
                let mut a = AnsiBackend::default();
                a.draw(cells.iter().map(|(x, y, c)| (*x, *y, c))).unwrap();
                theirs_bytes += c.writer().len();
                ours_bytes += a.out.len();
                theirs.process(c.writer());
                ours.process(&a.out);
            }
            assert_eq!(screen(&ours), screen(&theirs), "round {round}");
        }
        assert!(ours_bytes < theirs_bytes, "{ours_bytes} >= {theirs_bytes}");
    }

    #[test]
    fn numbers_and_moves_are_written_in_decimal() {
        let mut a = AnsiBackend::default();
        a.set_cursor_position(Position::new(119, 39)).unwrap();
        a.color(3, Color::Rgb(0, 255, 10));
        a.color(4, Color::Reset);
        assert_eq!(a.out, b"\x1b[40;120H\x1b[38;2;0;255;10m\x1b[49m");
    }
}
