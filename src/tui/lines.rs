//! Drawing lines of text straight into the frame's buffer: the cells a ratatui
//! `Paragraph` (no block, no wrap, left-aligned) would draw, without its costs.
//!
//! Why: when a post arrives, a thousand sessions redraw at once, and a profile at 200
//! sessions showed a `Paragraph` spending a tenth of the server's time in `set_style`
//! over its whole area (even with the default style, which changes nothing) and as much
//! again splitting plain ASCII into graphemes. [`render`] patches the style only when
//! there is one, and writes printable ASCII byte by byte (one byte is one grapheme one
//! cell wide there); anything else goes through the same grapheme and width rules as a
//! `Paragraph`. A test draws random lines both ways and compares the buffers.
//!
//! Where a live update's server time went after this (perf, 200 sessions, 20 rounds,
//! November 2026): ratatui's `Terminal::draw` 62% (the view 30%, of which the
//! timeline 13% and these line writes 10%; the buffer diff, mostly `Cell` comparisons
//! over the whole screen, 20%), russh's session loop 21% with the kernel's TCP send
//! 10%, the mute/block check 2%. The next step is the diff: skip unchanged rows, or
//! scroll the terminal when rows moved down instead of resending them.

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_segmentation::UnicodeSegmentation;

/// Draws `lines` into `area` of `buf` with `style` as the base, exactly as
/// `Paragraph::new(lines).style(style)` would.
pub fn render(buf: &mut Buffer, area: Rect, lines: &[Line<'_>], style: Style) {
    let area = area.intersection(buf.area);
    if lines
        .iter()
        .any(|l| l.alignment.is_some_and(|a| a != Alignment::Left))
    {
        // Centred or right-aligned text is rare and never on a live path.
        ratatui::widgets::Widget::render(Paragraph::new(lines.to_vec()).style(style), area, buf);
        return;
    }
    if area.is_empty() {
        return;
    }
    if style != Style::default() {
        buf.set_style(area, style);
    }
    for (row, line) in lines.iter().take(area.height as usize).enumerate() {
        put_line(buf, area, area.y + row as u16, line);
    }
}

/// One line at row `y`, cut at the area's right edge as a `Paragraph` cuts it.
fn put_line(buf: &mut Buffer, area: Rect, y: u16, line: &Line<'_>) {
    put_spans(buf, area, y, line.style, &line.spans);
}

/// True when a span of `line` is underlined: the way a link shows, which the link
/// finder reads back from the drawn buffer (see [`crate::tui::hyperlinks`]).
pub fn has_underline(line: &Line<'_>) -> bool {
    line.spans.iter().any(|s| {
        s.style
            .add_modifier
            .contains(ratatui::style::Modifier::UNDERLINED)
    })
}

/// Where row `y` of `area` (cut to the buffer) lies in `buf.content`, if anywhere: the
/// line drawers reach a row's cells from its start instead of looking each up by
/// position.
pub(crate) fn row_cells(buf: &Buffer, area: Rect, y: u16) -> Option<std::ops::Range<usize>> {
    let area = area.intersection(buf.area);
    if area.is_empty() || y < area.top() || y >= area.bottom() {
        return None;
    }
    let start = buf.index_of(area.x, y);
    Some(start..start + usize::from(area.width))
}

/// `spans` at row `y` of `area` with `line_style` under each, as [`render`] draws a
/// line of them over the default style: a caller that puts a prefix before a cached
/// line draws both without building a new line of copied spans.
pub fn put_spans(buf: &mut Buffer, area: Rect, y: u16, line_style: Style, spans: &[Span<'_>]) {
    let Some(cells) = row_cells(buf, area, y) else {
        return;
    };
    let max = cells.len();
    let row = &mut buf.content[cells];
    // As in a Paragraph, the base style is already on the cells; each grapheme patches
    // its line's and span's styles over it.
    let mut used = 0usize;
    for span in spans {
        let style = line_style.patch(span.style);
        let s: &str = &span.content;
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            // Printable ASCII followed by more ASCII is a grapheme of its own, one
            // column wide: only the stretches around other characters are segmented.
            let mut end = i;
            while end < b.len() && printable(b[end]) {
                end += 1;
            }
            if end < b.len() && b[end] >= 0x80 && end > i {
                // The last one may take a combining mark.
                end -= 1;
            }
            for &c in &b[i..end] {
                if used + 1 > max {
                    return;
                }
                put_printable(&mut row[used], c);
                row[used].set_style(style);
                used += 1;
            }
            if end == b.len() {
                break;
            }
            let island = &s[end..island_end(b, end)];
            i = end + island.len();
            // A stretch of characters that never join their neighbours (the gutter's
            // bar, a middle dot, box drawing) is one grapheme per character: the
            // segmenter's set-up cost more than the rest of a live post's line.
            let fits = if island.chars().all(stands_alone) {
                island
                    .char_indices()
                    .all(|(k, c)| put_grapheme(row, &mut used, &island[k..k + c.len_utf8()], style))
            } else {
                island
                    .graphemes(true)
                    .all(|g| put_grapheme(row, &mut used, g, style))
            };
            if !fits {
                return;
            }
        }
    }
}

/// Puts a post line's selection gutter in the first columns of `area` on row `y`:
/// "▌ " in `accent` when `selected`, else two blanks, exactly as [`put_spans`] puts
/// that one span. Every post line of every frame has one, and `put_spans` took the
/// bar through its path for other characters (width lookup, control check).
pub fn put_gutter(buf: &mut Buffer, area: Rect, y: u16, selected: bool, accent: Style) {
    let Some(cells) = row_cells(buf, area, y) else {
        return;
    };
    for (cell, symbol) in buf.content[cells].iter_mut().zip(GUTTER_SYMBOLS) {
        match selected {
            true => cell.set_symbol(symbol).set_style(accent),
            false => cell.set_symbol(" "),
        };
    }
}

/// The selected gutter's cells, one symbol each.
const GUTTER_SYMBOLS: [&str; 2] = ["▌", " "];

/// Puts grapheme `g` at column `*used` of `row` as a Paragraph does, and moves past its
/// columns. False when it does not fit (the line ends there).
fn put_grapheme(row: &mut [Cell], used: &mut usize, g: &str, style: Style) -> bool {
    let max = row.len();
    // A Paragraph drops graphemes holding a control character.
    if g.contains(char::is_control) {
        return true;
    }
    let w = ratatui::buffer::CellWidth::cell_width(g) as usize;
    if w > max {
        return true;
    }
    if *used + w > max {
        return false;
    }
    if w == 0 {
        return true;
    }
    row[*used].set_symbol(g).set_style(style);
    *used += w;
    true
}

/// True for a character that is a grapheme of its own next to printable ASCII or
/// another such character: none of these blocks holds a mark, a joiner, a prepended
/// or a control character (U+00AD, the soft hyphen, is a control for segmentation).
fn stands_alone(c: char) -> bool {
    matches!(c,
        ' '..='~'
        | '\u{a1}'..='\u{ac}'
        | '\u{ae}'..='\u{17f}'
        | '\u{2010}'..='\u{2027}'
        | '\u{2190}'..='\u{21ff}'
        | '\u{2500}'..='\u{26ff}')
}

/// The printable ASCII characters, in order from the space.
const PRINTABLE: &[u8; 95] =
    b" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

/// A blank cell for each printable ASCII character, its symbol a static string.
/// Giving a cell a copy of one took about 37 instructions where building the symbol
/// anew ([`Cell::set_char`]) took 50 (callgrind, render bench), and a live post's
/// line does that for each character in every session.
static PRINTABLE_CELLS: [Cell; 95] = printable_cells();

const fn printable_cells() -> [Cell; 95] {
    let mut cells = [const { Cell::EMPTY }; 95];
    let mut i = 0;
    while i < PRINTABLE.len() {
        let (_, rest) = PRINTABLE.split_at(i);
        let (one, _) = rest.split_at(1);
        let Ok(symbol) = core::str::from_utf8(one) else {
            panic!("printable ASCII is UTF-8");
        };
        // The blank cell being replaced owns nothing: forgetting it leaks nothing
        // (and a constant cannot run its destructor).
        std::mem::forget(std::mem::replace(&mut cells[i], Cell::new(symbol)));
        i += 1;
    }
    cells
}

/// Makes `cell` show printable ASCII byte `b`, as `set_char` does: its style and diff
/// settings stay.
#[allow(deprecated)]
fn put_printable(cell: &mut Cell, b: u8) {
    debug_assert!(printable(b));
    let mut next = PRINTABLE_CELLS[usize::from(b - b' ')].clone();
    next.fg = cell.fg;
    next.bg = cell.bg;
    next.underline_color = cell.underline_color;
    next.modifier = cell.modifier;
    next.diff_option = cell.diff_option;
    next.skip = cell.skip;
    *cell = next;
}

/// True for a printable ASCII byte.
fn printable(b: u8) -> bool {
    (0x20..0x7f).contains(&b)
}

/// Where a stretch of `b` to be segmented into graphemes, starting at `start`, ends:
/// after its other characters and one printable ASCII byte (a prepended mark such as
/// U+0600 joins the character after it), unless more follow. A printable ASCII byte
/// followed by ASCII, or by the end, always ends a grapheme, so segmenting the stretch
/// alone gives the graphemes of the whole text.
fn island_end(b: &[u8], start: usize) -> usize {
    let mut k = start;
    if printable(b[k]) {
        k += 1;
    }
    loop {
        while k < b.len() && !printable(b[k]) {
            k += 1;
        }
        if k < b.len() {
            k += 1;
        }
        if k < b.len() && !printable(b[k]) {
            continue;
        }
        return k;
    }
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;

    use super::*;

    /// The gutter is put as `put_spans` puts its span, over blank and over styled
    /// cells, in areas as narrow as nothing and cut by the buffer's edge.
    #[test]
    fn a_gutter_is_the_cells_put_spans_draws_for_it() {
        let accent = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
        let mut styled = Cell::new("x");
        styled.bg = Color::Indexed(3);
        styled.modifier = Modifier::ITALIC;
        let mut compared = 0;
        for before in [Cell::EMPTY, styled] {
            for (x, width) in [(0, 0), (0, 1), (0, 2), (0, 5), (3, 2), (4, 2), (5, 2)] {
                for selected in [true, false] {
                    let area = Rect::new(0, 0, 5, 2);
                    let mut theirs = Buffer::filled(area, before.clone());
                    let mut ours = theirs.clone();
                    let row = Rect::new(x, 1, width.min(crate::tui::scroll_hint::GUTTER), 1);
                    let span = match selected {
                        true => Span::styled("▌ ", accent),
                        false => Span::raw("  "),
                    };
                    put_spans(&mut theirs, row, 1, Style::default(), &[span]);
                    put_gutter(&mut ours, row, 1, selected, accent);
                    assert_eq!(ours, theirs, "at {x}, {width} wide, selected {selected}");
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 28);
    }

    /// A printable character put from the table leaves the cell as `set_char` does:
    /// same symbol, and the colours, modifiers and diff settings it had.
    #[test]
    #[allow(deprecated)]
    fn a_printable_cell_from_the_table_is_the_cell_set_char_makes() {
        let mut styled = Cell::new("\u{1f389}");
        styled.fg = Color::Rgb(1, 2, 3);
        styled.bg = Color::Indexed(7);
        styled.underline_color = Color::Red;
        styled.modifier = Modifier::BOLD | Modifier::UNDERLINED;
        styled.skip = true;
        let mut seen = 0;
        for before in [Cell::EMPTY, styled] {
            for b in 0x20..0x7f_u8 {
                let (mut ours, mut theirs) = (before.clone(), before.clone());
                put_printable(&mut ours, b);
                theirs.set_char(char::from(b));
                assert_eq!(ours, theirs, "{:?}", char::from(b));
                assert_eq!(ours.symbol(), char::from(b).to_string());
                seen += 1;
            }
        }
        assert_eq!(seen, 2 * PRINTABLE.len());
    }

    /// A tiny deterministic generator (no dependency for a test).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[(self.next() % items.len() as u64) as usize]
        }
    }

    const PIECES: &[&str] = &[
        "hello ",
        "@ana",
        " #camp",
        "é",
        "e\u{301}",
        "漢字",
        "👩‍👩‍👧",
        "🇫🇷",
        "\u{200b}",
        "\n",
        "\r\n",
        "tab\there",
        "x",
        "a long run of plain ascii text that is wider than the box",
        "",
        "▌ ",
        "★ 3  ",
        "\u{fe0f}",
        "\u{600}",
        " · ",
        "a\u{301}b",
        "\u{ad}",
        "─┼",
        "→",
        "ÿĀ",
        "\u{2027}\u{2028}",
        "★\u{fe0f}",
        "·\u{301}",
    ];

    fn random_style(rng: &mut Rng) -> Style {
        *rng.pick(&[
            Style::default(),
            Style::default().fg(Color::Red),
            Style::default()
                .bg(Color::Blue)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::REVERSED),
            Style::default().fg(Color::Indexed(244)),
        ])
    }

    fn random_lines(rng: &mut Rng) -> Vec<Line<'static>> {
        (0..(rng.next() % 8))
            .map(|_| {
                let spans: Vec<Span> = (0..(rng.next() % 5))
                    .map(|_| {
                        let text: String =
                            (0..=(rng.next() % 3)).map(|_| *rng.pick(PIECES)).collect();
                        Span::styled(text, random_style(rng))
                    })
                    .collect();
                Line::from(spans).style(random_style(rng))
            })
            .collect()
    }

    /// Random lines of ASCII, wide, combining, zero-width and emoji text, drawn at random
    /// widths over a non-blank buffer: every cell equals what a Paragraph draws.
    #[test]
    fn draws_what_a_paragraph_draws() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..2000 {
            let lines = random_lines(&mut rng);
            let base = random_style(&mut rng);
            let full = Rect::new(0, 0, 24, 6);
            let area = Rect::new(
                (rng.next() % 4) as u16,
                (rng.next() % 3) as u16,
                1 + (rng.next() % 22) as u16,
                1 + (rng.next() % 6) as u16,
            );
            let mut under = Buffer::empty(full);
            under.set_string(0, 0, "background ".repeat(20), Style::default());
            let mut expected = under.clone();
            ratatui::widgets::Widget::render(
                Paragraph::new(lines.clone()).style(base),
                area,
                &mut expected,
            );
            let mut got = under;
            render(&mut got, area, &lines, base);
            assert_eq!(got, expected, "round {round}: {lines:?} in {area:?}");
        }
    }
}
