//! The bottom of a session's backend stack: cells to terminal bytes, written into a
//! byte buffer.
//!
//! It writes what ratatui's crossterm backend writes (the same cursor moves, the same
//! attribute changes, the same colour codes), with differences that only save bytes:
//! a colour change names only the colour that changed (crossterm always sends
//! foreground and background together), all of a cell's changes go in one `SGR`
//! sequence, a move to the first column leaves the column out, the bright colours
//! have their short codes, a row's blank end that changed is erased with one `EL`
//! where the session says it may be (see
//! [`crate::tui::session_terminal::SessionTerminal`]), and a frame ends with one
//! `SGR 0` instead of four resets (none when its last cell is already in the default
//! attributes). Every byte here crosses every session's connection for every live
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
    /// A band was scrolled and its scroll region is still set: the cells that follow
    /// go in before it is reset, so the first of them needs no cursor move (resetting
    /// the region homes the cursor).
    region_open: bool,
    /// Where the cursor is, when the cells that follow may start there.
    cursor: Option<(u16, u16)>,
    /// Places (column, row) of blank cells from which their row is blank to its end:
    /// there the writer erases the rest of the row (`EL`, 3 bytes) instead of writing
    /// it. Set for one frame (see [`Self::erase_to_end_from`]), in the order the cells
    /// come.
    erase: Vec<(u16, u16)>,
    /// How many places of `erase` this frame's cells have passed.
    erased: usize,
}

impl AnsiBackend {
    /// A backend writing into `out`.
    pub fn new(out: Vec<u8>) -> Self {
        AnsiBackend {
            out,
            ..Default::default()
        }
    }

    /// The bytes written so far (the session moves them out and clears them).
    pub fn writer_mut(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    /// Moves rows `top..bottom` (0-based, `bottom` excluded) down by `by` rows (up when
    /// negative) with a scroll region and insert-line or delete-line. The region is
    /// reset after the cells drawn next, or before anything else is written: the cursor
    /// stays at the band's first column for them (a live post's first line starts
    /// there), where resetting the region first would home it. Inserted lines take the
    /// current background: the caller knows it is the default.
    pub fn scroll_band(&mut self, top: u16, bottom: u16, by: i16) {
        self.close_region();
        self.out.extend_from_slice(b"\x1b[");
        push_number(&mut self.out, u32::from(top) + 1);
        self.out.push(b';');
        push_number(&mut self.out, u32::from(bottom));
        self.out.extend_from_slice(b"r");
        self.move_to(0, top);
        self.out.extend_from_slice(b"\x1b[");
        push_number(&mut self.out, u32::from(by.unsigned_abs()));
        self.out.push(if by > 0 { b'L' } else { b'M' });
        // Insert-line and delete-line leave the cursor in the band's first column.
        self.region_open = true;
        self.cursor = Some((0, top));
    }

    /// Says that the blank cell at column `x` of row `y`, which the next cells drawn
    /// include, starts the row's blank end: the row is erased from there (in the
    /// default attributes, as the cell is drawn) and the rest of it is not sent. Holds
    /// until the next flush. Places come in the order their cells do.
    pub fn erase_to_end_from(&mut self, x: u16, y: u16) {
        debug_assert!(
            self.erase.last().is_none_or(|&(lx, ly)| (ly, lx) < (y, x)),
            "erase places out of order"
        );
        self.erase.push((x, y));
    }

    /// Resets a scroll region left set by [`Self::scroll_band`] (which homes the
    /// cursor): the screen is whole again for everything but the cells it was left for.
    fn close_region(&mut self) {
        if self.region_open {
            self.out.extend_from_slice(b"\x1b[r");
            self.region_open = false;
        }
        self.cursor = None;
    }

    /// `CUP` to column `x`, row `y` (the column left out when it is the first).
    fn move_to(&mut self, x: u16, y: u16) {
        self.out.extend_from_slice(b"\x1b[");
        push_number(&mut self.out, u32::from(y) + 1);
        if x > 0 {
            self.out.push(b';');
            push_number(&mut self.out, u32::from(x) + 1);
        }
        self.out.push(b'H');
    }
}

/// One `SGR` sequence being written: its parameters joined by `;`, so a cell whose
/// attributes and colours all change costs one escape sequence.
struct Sgr<'a> {
    out: &'a mut Vec<u8>,
    open: bool,
}

impl<'a> Sgr<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Sgr { out, open: false }
    }

    /// Starts the next parameter.
    fn next(&mut self) {
        match self.open {
            true => self.out.push(b';'),
            false => {
                self.out.extend_from_slice(b"\x1b[");
                self.open = true;
            }
        }
    }

    fn param(&mut self, code: &[u8]) {
        self.next();
        self.out.extend_from_slice(code);
    }

    /// Ends the sequence, if any parameter was written.
    fn finish(self) {
        if self.open {
            self.out.push(b'm');
        }
    }

    /// The attribute changes from `from` to `to`, in crossterm's order and codes.
    fn modifiers(&mut self, from: Modifier, to: Modifier) {
        let removed = from - to;
        if removed.contains(Modifier::REVERSED) {
            self.param(b"27");
        }
        let reset_intensity = removed.intersects(Modifier::BOLD | Modifier::DIM);
        if reset_intensity {
            // Normal intensity ends both bold and dim: the one that stays comes back.
            self.param(b"22");
            if to.contains(Modifier::DIM) {
                self.param(b"2");
            }
            if to.contains(Modifier::BOLD) {
                self.param(b"1");
            }
        }
        for (flag, code) in [
            (Modifier::ITALIC, &b"23"[..]),
            (Modifier::UNDERLINED, b"24"),
            (Modifier::CROSSED_OUT, b"29"),
            (Modifier::HIDDEN, b"28"),
        ] {
            if removed.contains(flag) {
                self.param(code);
            }
        }
        if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
            self.param(b"25");
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
                self.param(code);
            }
        }
    }

    /// `38;…` (or 48 for the background) for `color`, as crossterm maps it, but for
    /// the bright colours 8–15: aixterm's `90`–`97` (`100`–`107`) name the same palette
    /// entries in fewer bytes (`90` is the timeline's grey, on every post), and
    /// terminals of 16 colours that know no `38;5` know them too.
    fn color(&mut self, layer: u8, color: Color) {
        self.next();
        if let index @ 8..=15 = palette_index(color) {
            let bright = if layer == 3 { 90 } else { 100 };
            push_number(self.out, bright + u32::from(index - 8));
            return;
        }
        push_number(self.out, u32::from(layer));
        match color {
            Color::Reset => self.out.push(b'9'),
            Color::Rgb(r, g, b) => {
                self.out.extend_from_slice(b"8;2;");
                push_number(self.out, u32::from(r));
                self.out.push(b';');
                push_number(self.out, u32::from(g));
                self.out.push(b';');
                push_number(self.out, u32::from(b));
            }
            other => {
                self.out.extend_from_slice(b"8;5;");
                push_number(self.out, u32::from(palette_index(other)));
            }
        }
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
        // What a layer above writes (a link, a picture) may depend on the whole screen.
        self.close_region();
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
        // Where the next character lands without a move.
        let mut at = self.cursor.take();
        let mut erase_at = self.erase.get(self.erased).copied();
        for (x, y, cell) in content {
            if at != Some((x, y)) {
                self.move_to(x, y);
            }
            at = Some((x.saturating_add(1), y));
            let mut sgr = Sgr::new(&mut self.out);
            if cell.modifier != modifier {
                sgr.modifiers(modifier, cell.modifier);
                modifier = cell.modifier;
            }
            if cell.fg != fg {
                sgr.color(3, cell.fg);
                fg = cell.fg;
            }
            if cell.bg != bg {
                sgr.color(4, cell.bg);
                bg = cell.bg;
            }
            sgr.finish();
            if erase_at == Some((x, y)) {
                // `EL` fills with the current background, the default here (the cell is
                // blank in the default attributes), and leaves the cursor where it is.
                self.out.extend_from_slice(b"\x1b[K");
                at = Some((x, y));
                self.erased += 1;
                erase_at = self.erase.get(self.erased).copied();
                continue;
            }
            // Nearly every cell is one byte: a push, not a copy of unknown length.
            match cell.symbol().as_bytes() {
                [b] => self.out.push(*b),
                bytes => self.out.extend_from_slice(bytes),
            }
        }
        self.close_region();
        // Every frame leaves the terminal in the default attributes (lines inserted by
        // a scroll take its background), but a frame already there needs no `SGR 0`.
        if (fg, bg, modifier) != (Color::Reset, Color::Reset, Modifier::empty()) {
            self.out.extend_from_slice(b"\x1b[0m");
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.close_region();
        self.out.extend_from_slice(b"\x1b[?25l");
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.close_region();
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
        self.close_region();
        self.move_to(x, y);
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.close_region();
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
        self.close_region();
        debug_assert_eq!(
            self.erased,
            self.erase.len(),
            "a place to erase was not drawn"
        );
        self.erase.clear();
        self.erased = 0;
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
    fn a_band_scrolls_in_a_region_reset_after_the_cells_drawn_into_it() {
        let mut a = AnsiBackend::default();
        let x = Cell::new("x");
        a.scroll_band(1, 23, 3);
        // The first cell starts where insert-line left the cursor.
        a.draw([(0, 1, &x), (0, 2, &x)].into_iter()).unwrap();
        a.scroll_band(4, 10, -2);
        // Nothing drawn: the region is reset before the cursor moves.
        a.set_cursor_position(Position::new(3, 0)).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&a.out),
            "\x1b[2;23r\x1b[2H\x1b[3Lx\x1b[3Hx\x1b[r\x1b[5;10r\x1b[5H\x1b[2M\x1b[r\x1b[1;4H"
        );
        let mut client = vt100::Parser::new(24, 20, 0);
        client.process(b"top\x1b[2Hsecond\x1b[23Hlast\x1b[24Hbottom");
        let mut a = AnsiBackend::default();
        a.scroll_band(1, 23, 2);
        a.draw([(0, 1, &x)].into_iter()).unwrap();
        client.process(&a.out);
        let rows: Vec<String> = client.screen().rows(0, 20).collect();
        assert_eq!(&rows[..4], ["top", "x", "", "second"]);
        // Row 23 fell out of the band; the row below it stayed.
        assert_eq!(&rows[22..], ["", "bottom"]);
    }

    #[test]
    fn a_row_erased_from_a_place_is_blank_to_its_end_in_the_default_background() {
        let mut client = vt100::Parser::new(2, 12, 0);
        client.process(b"\x1b[44mold text\x1b[0m\r\nlast row");
        let mut a = AnsiBackend::default();
        let mut on_blue = Cell::new("n");
        on_blue.bg = Color::Blue;
        let blank = Cell::EMPTY;
        let other = Cell::new("z");
        a.erase_to_end_from(1, 0);
        a.draw([(0, 0, &on_blue), (1, 0, &blank), (0, 1, &other)].into_iter())
            .unwrap();
        Backend::flush(&mut a).unwrap();
        // The blue background ends before the erase: erased cells take the default one.
        assert_eq!(
            String::from_utf8_lossy(&a.out),
            "\x1b[1H\x1b[48;5;4mn\x1b[49m\x1b[K\x1b[2Hz"
        );
        client.process(&a.out);
        let rows: Vec<String> = client.screen().rows(0, 12).collect();
        assert_eq!(rows, ["n", "zast row"]);
        for col in 1..12 {
            let cell = client.screen().cell(0, col).unwrap();
            assert_eq!(cell.bgcolor(), vt100::Color::Default, "column {col}");
        }
        // The places held for one frame: the next erases nothing.
        a.out.clear();
        a.draw([(1, 0, &blank)].into_iter()).unwrap();
        assert_eq!(String::from_utf8_lossy(&a.out), "\x1b[1;2H ");
    }

    #[test]
    fn bright_colours_take_their_short_codes_and_a_plain_end_needs_no_reset() {
        let mut a = AnsiBackend::default();
        let mut grey = Cell::new("g");
        grey.fg = Color::DarkGray;
        let mut on_light_blue = Cell::new("b");
        on_light_blue.bg = Color::Indexed(12);
        let plain = Cell::new("p");
        let cells = [(0, 0, &grey), (1, 0, &on_light_blue), (2, 0, &plain)];
        a.draw(cells.into_iter()).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&a.out),
            "\x1b[1H\x1b[90mg\x1b[39;104mb\x1b[49mp"
        );
    }

    #[test]
    fn numbers_moves_and_attributes_are_written_short() {
        let mut a = AnsiBackend::default();
        let mut bold_green = Cell::new("x");
        bold_green.fg = Color::Rgb(0, 255, 10);
        bold_green.modifier = Modifier::BOLD;
        let mut plain_on_cyan = Cell::new("y");
        plain_on_cyan.bg = Color::Cyan;
        let cells = [(119, 39, &bold_green), (0, 2, &plain_on_cyan)];
        a.draw(cells.into_iter()).unwrap();
        a.set_cursor_position(Position::new(0, 0)).unwrap();
        // One SGR per cell for all its changes; the first column needs no number.
        assert_eq!(
            String::from_utf8_lossy(&a.out),
            "\x1b[40;120H\x1b[1;38;2;0;255;10mx\x1b[3H\x1b[22;39;48;5;6my\x1b[0m\x1b[1H"
        );
    }
}
