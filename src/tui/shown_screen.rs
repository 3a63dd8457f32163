//! What a client's screen shows, kept small between frames.
//!
//! A session used to keep two whole ratatui buffers (48 bytes a cell: 180 KiB at
//! 80×24) and to reset, draw and read both for every live post. At 1,000 sessions that
//! is 180 MiB walked per post, far beyond any cache: a profile of the load benchmark
//! showed the row diff waiting on memory, not computing. A frame is now drawn into one
//! scratch buffer per worker thread (it stays in cache), and a session keeps only this
//! copy of its screen: 8 bytes a cell, the symbol and the rest of the cell (its
//! [`Look`]) each turned into a number, so two cells are equal exactly when their
//! numbers are.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use ratatui::buffer::{Cell, CellDiffOption, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

/// Everything ratatui compares of a cell besides its symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Look {
    /// Foreground colour.
    pub fg: Color,
    /// Background colour.
    pub bg: Color,
    /// Bold, reversed and so on.
    pub modifier: Modifier,
    /// How the diff treats the cell (skipped, always sent, a forced width).
    pub diff_option: CellDiffOption,
    /// The older way to skip a cell.
    pub skip: bool,
}

impl Look {
    /// The look of `cell`.
    #[allow(deprecated)]
    pub fn of(cell: &Cell) -> Look {
        Look {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
            diff_option: cell.diff_option,
            skip: cell.skip,
        }
    }
}

/// A cell as a number: its symbol in the low 32 bits (the character itself, or
/// [`LONG`] plus an index into the screen's table of longer symbols), its look's index
/// in the high 32.
pub type Code = u64;

/// Marks a symbol of more than one character (a grapheme cluster, or an empty symbol).
const LONG: u32 = 1 << 31;

/// The code of a blank cell (`Cell::EMPTY`): a space in look 0.
pub const BLANK: Code = b' ' as Code;

/// The symbol half of a code.
pub fn symbol_of(code: Code) -> u32 {
    code as u32
}

/// True when `cell` encodes as [`BLANK`]: a space in the blank cell's look. Checked
/// field by field, without the string comparison `Cell`'s own equality makes.
#[allow(deprecated)]
pub fn encodes_blank(cell: &Cell) -> bool {
    cell.symbol().as_bytes() == b" "
        && cell.fg == Color::Reset
        && cell.bg == Color::Reset
        && cell.modifier == Modifier::empty()
        && cell.diff_option == CellDiffOption::None
        && !cell.skip
}

/// True when the symbol of `code` is more than one character (a grapheme cluster).
pub fn is_cluster(code: Code) -> bool {
    symbol_of(code) & LONG != 0
}

/// The look half of a code.
pub fn look_of(code: Code) -> usize {
    (code >> 32) as usize
}

/// Looks or long symbols past which the tables are rebuilt from what is on the screen
/// (a long session meets many emoji; a screen shows at most a few thousand cells).
const MAX_LOOKS: usize = 4096;
const MAX_SYMBOLS: usize = 4096;

/// Bytes of long symbols past which the tables are rebuilt (or twice what the screen
/// itself held at the last rebuild, if more): a grapheme cluster from a post may carry
/// hundreds of combining marks, and a session reading many must not keep them all.
const MAX_SYMBOL_BYTES: usize = 64 * 1024;

/// The client's screen as codes, row by row, with the tables that give them meaning.
#[derive(Debug)]
pub struct ShownScreen {
    area: Rect,
    /// The rows' codes, each row in one slot of `area.width` codes.
    codes: Vec<Code>,
    /// Which slot of `codes` each screen row is in: a scroll moves these numbers,
    /// not the rows (a live post moved 14 KiB of codes per session otherwise, out of
    /// cache at 1,000 sessions).
    slots: Vec<u16>,
    /// How many codes from the left of each slot are written: the cells after them are
    /// blank, their codes not written (a row a scroll brings in is blank, and writing
    /// its 80 codes was a tenth of a session's cache misses per live post; most such
    /// rows take a post's line over their first columns, or scroll away untouched).
    written: Vec<u16>,
    looks: Vec<Look>,
    look_ids: HashMap<Look, u32, BuildHasherDefault<LookHasher>>,
    symbols: Vec<std::sync::Arc<str>>,
    /// The bytes of `symbols`, and the size at which they are rebuilt.
    symbol_bytes: usize,
    rebuild_at_bytes: usize,
    /// Symbols come from posts, so from anyone: the standard (keyed) hasher.
    symbol_ids: HashMap<std::sync::Arc<str>, u32>,
    /// The looks encoded last and their indices, newest first: a row alternates
    /// between a few (gutter, name, text, blank).
    recent: [(Look, u32); RECENT],
}

/// How many recent looks are tried before the table.
const RECENT: usize = 4;

/// A fast hasher for looks, which only camp's own themes make (nobody can choose
/// them to collide).
#[derive(Default)]
struct LookHasher(u64);

impl std::hash::Hasher for LookHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl LookHasher {
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl ShownScreen {
    /// A blank screen of `area`.
    pub fn new(area: Rect) -> ShownScreen {
        let blank = Look::of(&Cell::EMPTY);
        ShownScreen {
            area,
            codes: vec![BLANK; usize::from(area.width) * usize::from(area.height)],
            slots: (0..area.height).collect(),
            written: vec![area.width; usize::from(area.height)],
            looks: vec![blank],
            look_ids: [(blank, 0)].into_iter().collect(),
            symbols: Vec::new(),
            symbol_bytes: 0,
            rebuild_at_bytes: MAX_SYMBOL_BYTES,
            symbol_ids: HashMap::new(),
            recent: [(blank, 0); RECENT],
        }
    }

    /// The screen's area.
    pub fn area(&self) -> Rect {
        self.area
    }

    /// Row `y`'s codes as far as they are written: the cells after them are blank
    /// ([`Self::fill_to`] writes their codes).
    pub fn row(&self, y: usize) -> &[Code] {
        let slot = usize::from(self.slots[y]);
        let start = slot * usize::from(self.area.width);
        &self.codes[start..start + usize::from(self.written[slot])]
    }

    /// Writes the codes of row `y`'s first `n` columns where they are not yet written
    /// (blank cells), so that [`Self::row`] reaches that far.
    pub fn fill_to(&mut self, y: usize, n: usize) {
        let slot = usize::from(self.slots[y]);
        let w = usize::from(self.area.width);
        let (from, n) = (usize::from(self.written[slot]), n.min(w));
        if from < n {
            self.codes[slot * w + from..slot * w + n].fill(BLANK);
            self.written[slot] = n as u16;
        }
    }

    /// Makes row `y` show `codes` (from [`Self::encode_row`]) from its first column on;
    /// the columns after them are left as they are.
    pub fn set_row(&mut self, y: usize, codes: &[Code]) {
        let slot = usize::from(self.slots[y]);
        let w = usize::from(self.area.width);
        let start = slot * w;
        let n = codes.len().min(w);
        self.codes[start..start + n].copy_from_slice(&codes[..n]);
        self.written[slot] = self.written[slot].max(n as u16);
    }

    /// The looks the codes of this screen name, by index: another screen whose table
    /// begins with these reads this screen's codes the same (see
    /// [`Self::take_looks_of`]).
    pub fn looks(&self) -> &[Look] {
        &self.looks
    }

    /// Makes codes encoded by a screen whose looks were `looks` mean here what they
    /// meant there, if they can: when the two tables agree as far as both go, this one
    /// takes the rest. False when they do not agree; the codes must not be used then.
    /// Codes of long symbols never carry over: their numbers are each screen's own.
    pub fn take_looks_of(&mut self, looks: &[Look]) -> bool {
        let n = self.looks.len().min(looks.len());
        if self.looks[..n] != looks[..n] {
            return false;
        }
        // A table holds each look once, so these are new here and get the same numbers.
        for &look in &looks[n..] {
            self.look_id(look);
        }
        true
    }

    /// Blanks the slot of each of `rows` (writing no code: see `written`).
    fn blank_rows(&mut self, rows: std::ops::Range<usize>) {
        for y in rows {
            self.written[usize::from(self.slots[y])] = 0;
        }
    }

    /// Moves rows `top..bottom` down by `by` rows (up when negative), as a terminal's
    /// insert-line or delete-line in that scroll region does: rows that come in are
    /// blank.
    pub fn scroll(&mut self, top: usize, bottom: usize, by: isize) {
        let bottom = bottom.min(usize::from(self.area.height));
        let n = by.unsigned_abs().min(bottom.saturating_sub(top));
        if n == 0 {
            return;
        }
        if by > 0 {
            self.slots[top..bottom].rotate_right(n);
            self.blank_rows(top..top + n);
        } else {
            self.slots[top..bottom].rotate_left(n);
            self.blank_rows(bottom - n..bottom);
        }
    }

    /// Turns `cells` into codes in `out`, adding new looks and symbols to the tables.
    pub fn encode_row(&mut self, cells: &[Cell], out: &mut Vec<Code>) {
        if self.looks.len() > MAX_LOOKS
            || self.symbols.len() > MAX_SYMBOLS
            || self.symbol_bytes > self.rebuild_at_bytes
        {
            self.rebuild_tables();
        }
        out.clear();
        out.extend(cells.iter().map(|c| self.encode(c)));
    }

    /// [`Self::encode_cell`], with the case of nearly every cell (one byte, in the look
    /// of the cell before) kept inline: the call itself was a fifth of the encoding.
    #[inline(always)]
    fn encode(&mut self, cell: &Cell) -> Code {
        if let [b] = cell.symbol().as_bytes() {
            let (look, id) = self.recent[0];
            if look == Look::of(cell) {
                return Code::from(*b) | (Code::from(id) << 32);
            }
        }
        self.encode_cell(cell)
    }

    /// The code of any cell, adding a new look or symbol to the tables.
    #[inline(never)]
    fn encode_cell(&mut self, cell: &Cell) -> Code {
        let s = cell.symbol();
        let symbol = match s.as_bytes() {
            [b] => u32::from(*b),
            _ => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => u32::from(c),
                    _ => self.symbol_id(s),
                }
            }
        };
        let look = Look::of(cell);
        let id = match self.recent.iter().position(|(l, _)| *l == look) {
            Some(at) => {
                let id = self.recent[at].1;
                self.recent[..=at].rotate_right(1);
                id
            }
            None => {
                let id = self.look_id(look);
                self.recent.rotate_right(1);
                self.recent[0] = (look, id);
                id
            }
        };
        Code::from(symbol) | (Code::from(id) << 32)
    }

    fn look_id(&mut self, look: Look) -> u32 {
        let next = self.looks.len() as u32;
        let id = *self.look_ids.entry(look).or_insert(next);
        if id == next {
            self.looks.push(look);
        }
        id
    }

    fn symbol_id(&mut self, s: &str) -> u32 {
        if let Some(id) = self.symbol_ids.get(s) {
            return *id;
        }
        let id = LONG | self.symbols.len() as u32;
        let symbol: std::sync::Arc<str> = s.into();
        self.symbol_bytes += s.len();
        self.symbols.push(symbol.clone());
        self.symbol_ids.insert(symbol, id);
        id
    }

    /// Forgets the looks and symbols no cell of the screen uses any more, renumbering
    /// the codes (nothing is sent: the screen is unchanged).
    fn rebuild_tables(&mut self) {
        let (looks, symbols) = (
            std::mem::take(&mut self.looks),
            std::mem::take(&mut self.symbols),
        );
        let blank = Look::of(&Cell::EMPTY);
        self.looks = vec![blank];
        self.look_ids = [(blank, 0)].into_iter().collect();
        self.symbol_ids.clear();
        self.symbol_bytes = 0;
        self.recent = [(blank, 0); RECENT];
        let mut codes = std::mem::take(&mut self.codes);
        // Codes past a slot's written ones are stale: they are left out, not kept alive.
        let w = usize::from(self.area.width).max(1);
        let lengths = std::mem::take(&mut self.written);
        let written = codes
            .chunks_mut(w)
            .zip(&lengths)
            .flat_map(|(slot, &n)| &mut slot[..usize::from(n)]);
        for code in written {
            let id = self.look_id(looks[look_of(*code)]);
            let mut symbol = symbol_of(*code);
            if symbol & LONG != 0 {
                symbol = self.symbol_id(&symbols[(symbol & !LONG) as usize]);
            }
            *code = Code::from(symbol) | (Code::from(id) << 32);
        }
        self.codes = codes;
        self.written = lengths;
        self.rebuild_at_bytes = MAX_SYMBOL_BYTES.max(2 * self.symbol_bytes);
    }

    /// The symbol that `code` stands for, written into `buf` when it is one character.
    fn symbol<'a>(&'a self, code: Code, buf: &'a mut [u8; 4]) -> &'a str {
        let s = symbol_of(code);
        if s & LONG != 0 {
            return &self.symbols[(s & !LONG) as usize];
        }
        char::from_u32(s).unwrap_or(' ').encode_utf8(buf)
    }

    /// The columns the cell of `code` takes, as ratatui counts them.
    pub fn width(&self, code: Code) -> usize {
        if let CellDiffOption::ForcedWidth(w) = self.looks[look_of(code)].diff_option {
            return usize::from(w.get());
        }
        if symbol_of(code) < 0x80 {
            return 1;
        }
        usize::from(self.symbol(code, &mut [0; 4]).cell_width())
    }

    /// The look of the cell of `code`.
    pub fn look(&self, code: Code) -> &Look {
        &self.looks[look_of(code)]
    }

    /// Row `y`'s codes across the whole width, the blank cells not written included
    /// (for tests).
    #[cfg(test)]
    pub fn whole_row(&self, y: usize) -> Vec<Code> {
        let mut row = self.row(y).to_vec();
        row.resize(usize::from(self.area.width), BLANK);
        row
    }

    /// The screen as a ratatui buffer (for tests).
    #[cfg(test)]
    pub fn to_buffer(&self) -> ratatui::buffer::Buffer {
        let mut b = ratatui::buffer::Buffer::empty(self.area);
        let rows = (0..usize::from(self.area.height)).flat_map(|y| self.whole_row(y));
        for (cell, code) in b.content.iter_mut().zip(rows) {
            let look = self.look(code);
            cell.set_symbol(self.symbol(code, &mut [0; 4]));
            cell.fg = look.fg;
            cell.bg = look.bg;
            cell.modifier = look.modifier;
            cell.diff_option = look.diff_option;
            #[allow(deprecated)]
            {
                cell.skip = look.skip;
            }
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::style::Style;

    use super::*;

    /// A screen takes another's looks when the two tables agree as far as both go,
    /// and then reads the other's codes as the same cells.
    #[test]
    fn looks_are_taken_only_from_a_table_that_agrees() {
        let cell = |fg: Color| {
            let mut c = Cell::new("x");
            c.fg = fg;
            c
        };
        let (red, blue) = (cell(Color::Red), cell(Color::Blue));
        let mut codes = Vec::new();
        let mut sender = ShownScreen::new(Rect::new(0, 0, 2, 1));
        sender.encode_row(&[red.clone(), blue.clone()], &mut codes);
        let mut behind = ShownScreen::new(Rect::new(0, 0, 2, 1));
        behind.encode_row(std::slice::from_ref(&red), &mut Vec::new());
        assert!(behind.take_looks_of(sender.looks()));
        assert_eq!(behind.looks(), sender.looks());
        let mut own = Vec::new();
        behind.encode_row(&[red.clone(), blue.clone()], &mut own);
        assert_eq!(own, codes);
        let mut other = ShownScreen::new(Rect::new(0, 0, 2, 1));
        other.encode_row(std::slice::from_ref(&blue), &mut Vec::new());
        assert!(!other.take_looks_of(sender.looks()));
        assert_eq!(
            other.looks().len(),
            2,
            "nothing taken from a table that disagrees"
        );
    }

    #[test]
    fn a_cell_is_said_blank_exactly_when_it_encodes_as_blank() {
        let mut screen = ShownScreen::new(Rect::new(0, 0, 4, 1));
        let mut codes = Vec::new();
        let mut cells = vec![Cell::EMPTY, Cell::new(" "), Cell::new("x"), Cell::new("  ")];
        let mut styled = Cell::new(" ");
        styled.bg = Color::Blue;
        cells.push(styled);
        let mut bold = Cell::new(" ");
        bold.modifier = Modifier::BOLD;
        cells.push(bold);
        let mut skipped = Cell::new(" ");
        skipped.diff_option = CellDiffOption::Skip;
        cells.push(skipped);
        let mut reset = Cell::new("y");
        reset.fg = Color::Red;
        reset.reset();
        cells.push(reset);
        for cell in &cells {
            screen.encode_row(std::slice::from_ref(cell), &mut codes);
            assert_eq!(encodes_blank(cell), codes[0] == BLANK, "{cell:?}");
        }
        assert_eq!(cells.iter().filter(|c| encodes_blank(c)).count(), 3);
    }

    fn screen_of(b: &Buffer) -> ShownScreen {
        let mut s = ShownScreen::new(b.area);
        let w = usize::from(b.area.width);
        let mut row = Vec::new();
        for y in 0..usize::from(b.area.height) {
            s.encode_row(&b.content[y * w..(y + 1) * w], &mut row);
            s.set_row(y, &row);
        }
        s
    }

    #[test]
    fn equal_cells_get_equal_codes_and_the_buffer_comes_back() {
        let mut b = Buffer::empty(Rect::new(0, 0, 12, 2));
        b.set_string(0, 0, "héllo 世界", Style::new().fg(Color::Red));
        b.set_string(0, 1, "e\u{301}❤\u{fe0f}hello", Style::new().bg(Color::Blue));
        let s = screen_of(&b);
        assert_eq!(s.to_buffer(), b);
        // "hello" on row 0 is red, on row 1 blue: the same symbols, other looks.
        assert_eq!(symbol_of(s.row(0)[2]), symbol_of(s.row(1)[5]));
        assert_ne!(s.row(0)[2], s.row(1)[5]);
        assert_eq!(s.width(s.row(0)[6]), 2);
        assert_eq!(s.width(s.row(1)[0]), 1);
        // A cell that was never drawn is the blank code, whatever wrote it.
        assert_eq!(s.row(0)[11], BLANK);
    }

    #[test]
    fn a_scroll_moves_rows_and_blanks_the_rows_that_come_in() {
        let mut b = Buffer::empty(Rect::new(0, 0, 3, 5));
        for y in 0..5 {
            b.set_string(0, y, format!("r{y}"), Style::new());
        }
        let mut s = screen_of(&b);
        s.scroll(1, 4, 2);
        let rows: Vec<String> = (0..5)
            .map(|y| {
                (0..3)
                    .map(|x| s.to_buffer()[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect();
        assert_eq!(rows, ["r0 ", "   ", "   ", "r1 ", "r4 "]);
        s.scroll(0, 5, -1);
        assert_eq!(s.to_buffer()[(0, 2)].symbol(), "r");
        assert_eq!(s.whole_row(4), [BLANK; 3]);
        // A row that came in has no code written until something asks for one: then
        // they are blank, and a row set over part of it is blank after that part.
        assert!(s.row(4).is_empty());
        s.fill_to(4, 2);
        assert_eq!(s.row(4), &[BLANK; 2]);
        s.scroll(0, 5, 1);
        let mut short = Vec::new();
        s.encode_row(&b.content[..1], &mut short);
        s.set_row(0, &short);
        assert_eq!(s.row(0).len(), 1);
        s.fill_to(0, 3);
        assert_eq!(s.row(0), [short[0], BLANK, BLANK]);
    }

    #[test]
    fn tables_full_of_old_symbols_are_rebuilt_without_changing_the_screen() {
        let mut b = Buffer::empty(Rect::new(0, 0, 4, 1));
        let mut s = ShownScreen::new(b.area);
        let mut row = Vec::new();
        for i in 0..(MAX_SYMBOLS as u32 + 10) {
            let c = char::from_u32(0x4e00 + i).unwrap_or('x');
            let style = Style::new().fg(Color::Indexed(i as u8));
            b.set_string(0, 0, format!("{c}\u{301}ab"), style);
            s.encode_row(&b.content, &mut row);
            s.set_row(0, &row);
            assert_eq!(s.to_buffer(), b);
        }
        assert!(s.symbols.len() <= MAX_SYMBOLS + 1);
    }

    #[test]
    fn long_clusters_of_combining_marks_do_not_pile_up() {
        let mut b = Buffer::empty(Rect::new(0, 0, 4, 1));
        let mut s = ShownScreen::new(b.area);
        let mut row = Vec::new();
        let marks = "\u{301}".repeat(400);
        for i in 0..2000u32 {
            let c = char::from_u32(0x4e00 + i).unwrap_or('x');
            b.set_string(0, 0, format!("{c}{marks}ab"), Style::new());
            s.encode_row(&b.content, &mut row);
            s.set_row(0, &row);
            assert_eq!(s.to_buffer(), b);
        }
        // 2,000 clusters of 803 bytes were shown, one at a time.
        assert!(
            s.symbol_bytes <= MAX_SYMBOL_BYTES + 1000,
            "{}",
            s.symbol_bytes
        );
        assert!(s.symbols.len() < 100, "{}", s.symbols.len());
    }
}
