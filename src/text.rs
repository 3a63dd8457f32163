//! Text handling for everything camp shows in a terminal.
//!
//! Text from users, SSH clients, remote servers and files is hostile: a post
//! that carries escape sequences could retitle the reader's window, clear
//! their screen, plant a hyperlink or reorder what they read. Every layer
//! takes outside text through [`sanitize`] (or [`sanitize_line`]) once, where
//! it enters, and then lays it out with [`width`], [`wrap`], [`truncate`] and
//! [`fit`], which all measure cells the same way so that layouts add up.
//!
//! The layout functions do not sanitise (they run every frame); they treat
//! control characters as zero cells wide so they can never panic or overflow
//! on text that skipped sanitising, but they do not make it harmless. What does is
//! the last guard ([`guard_output`], [`guard_json`], [`guard_symbol`]) that every
//! exec output and every TUI frame passes on its way out: the net under `sanitize`.

use std::borrow::Cow;
use std::fmt;

use textwrap::WordSeparator;
use textwrap::core::Fragment;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

mod guard;
pub mod links;
pub use guard::{guard_json, guard_output, guard_symbol};

/// Cells a tab occupies. Tabs become this many spaces rather than jumping to
/// tab stops, so a string's width never depends on the column it starts at and
/// `width(a) + width(b) == width(a + b)` holds for layout arithmetic.
pub const TAB_WIDTH: usize = 4;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
/// 8-bit C1 introducers. Some terminals honour them even inside UTF-8, so
/// they start the same sequences as their 7-bit `ESC x` forms.
const C1_DCS: char = '\u{90}';
const C1_SOS: char = '\u{98}';
const C1_CSI: char = '\u{9b}';
const C1_ST: char = '\u{9c}';
const C1_OSC: char = '\u{9d}';
const C1_PM: char = '\u{9e}';
const C1_APC: char = '\u{9f}';

/// Removes every terminal control: C0 controls except '\n' and '\t', DEL, C1
/// controls (U+0080–U+009F), and whole escape sequences: CSI (`ESC [` or the
/// 8-bit U+009B, parameters, final byte 0x40–0x7E), OSC (`ESC ]` up to BEL,
/// `ESC \`, U+009C or the end of the text), DCS/SOS/PM/APC (`ESC P`/`X`/`^`/`_`
/// and their 8-bit forms, up to ST or the end), SS2/SS3 (`ESC N`/`ESC O` and
/// one character), and other escapes (`ESC`, intermediates 0x20–0x2F, one
/// final 0x30–0x7E, so charset switches like `ESC ( 0` go whole). CR LF and
/// lone CR become '\n'. Also removes bidi embedding/override/isolate controls
/// (U+202A–U+202E, U+2066–U+2069), which can make a reader see text in another
/// order than it is stored, and U+FEFF. Keeps ZWJ and variation selectors so
/// emoji stay intact, and the bidi marks U+200E/U+200F that RTL text needs.
///
/// A sequence that is cut short by a character that cannot belong to it ends
/// there, and that character is handled on its own; so nothing after a broken
/// CSI is swallowed, while an unterminated string sequence (OSC, DCS, ...)
/// swallows the rest of the text, as a terminal would. The output is a fixed
/// point: `sanitize(&sanitize(s)) == sanitize(s)`.
pub fn sanitize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut cur = Cursor { rest: input };
    while let Some(c) = cur.bump() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {
                if cur.peek() == Some('\n') {
                    cur.bump();
                }
                out.push('\n');
            }
            ESC => skip_escape(&mut cur),
            C1_CSI => skip_csi(&mut cur),
            C1_OSC => skip_string(&mut cur, true),
            C1_DCS | C1_SOS | C1_PM | C1_APC => skip_string(&mut cur, false),
            c if c.is_control() => {}
            c if is_hidden_format(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// For single-line fields (names, content warnings, titles): sanitises, then
/// turns each run of newlines and tabs (with the spaces around it) into one
/// space and trims, so a name can never push layout onto a second line.
pub fn sanitize_line(input: &str) -> String {
    let clean = sanitize(input);
    let mut out = String::with_capacity(clean.len());
    let mut after_break = false;
    for c in clean.chars() {
        match c {
            '\n' | '\t' => {
                let kept = out.trim_end_matches(' ').len();
                out.truncate(kept);
                out.push(' ');
                after_break = true;
            }
            ' ' if after_break => {}
            c => {
                after_break = false;
                out.push(c);
            }
        }
    }
    out.trim().to_string()
}

/// Display width in terminal cells, summed per grapheme cluster the way
/// ratatui lays out cells, so our layouts and its rendering agree. A tab
/// counts [`TAB_WIDTH`] cells (the layout functions expand it to that many
/// spaces); other control characters count 0 (ratatui drops them). Newlines
/// count 0 too: measure one line at a time.
pub fn width(s: &str) -> usize {
    if s.is_ascii() {
        // Every printable ASCII character is one cell; controls are zero.
        return s
            .bytes()
            .map(|b| match b {
                b'\t' => TAB_WIDTH,
                b if b.is_ascii_control() => 0,
                _ => 1,
            })
            .sum();
    }
    s.graphemes(true).map(grapheme_width).sum()
}

/// Wraps to at most `width` cells per line. Explicit '\n' (and "\r\n") are
/// kept as line breaks, tabs become [`TAB_WIDTH`] spaces, lines break at
/// Unicode line-break opportunities (spaces, between CJK ideographs, after
/// '/'), and a word wider than the line (a URL, a long CJK run) is broken at
/// grapheme boundaries. Spaces at a break and at line ends are dropped; no
/// other content is. Width 0 is treated as 1.
///
/// No line is ever wider than `width`, with one exception: when `width` is 1
/// a double-width grapheme (CJK, emoji) sits alone on a line two cells wide,
/// because breaking it would destroy it. A single grapheme wider than the
/// line (possible with long runs of spacing marks) is, as a last resort, cut
/// between its code points. An empty input gives one empty line.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let max = width.max(1);
    let mut lines = Vec::new();
    for raw in s.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        wrap_line(&expand_tabs(raw), max, &mut lines);
    }
    lines
}

/// Cuts to at most `width` cells, ending with '…' when it cut; never splits a
/// grapheme, and tabs become [`TAB_WIDTH`] spaces so the result measures what
/// it shows. Meant for single-line text (see [`sanitize_line`]).
pub fn truncate(s: &str, width: usize) -> String {
    let s = expand_tabs(s);
    // No grapheme is wider than its UTF-8 bytes (a wide character takes three or
    // four), so text of no more bytes than `width` fits: the end-of-timeline note
    // and the bars skip the grapheme walk, which was a sixth of a first live post.
    if s.len() <= width {
        return s.into_owned();
    }
    // One pass that stops at the first grapheme past `width`, so cutting a
    // long post for a one-line preview costs only the preview.
    let budget = width.saturating_sub(1);
    let mut used = 0;
    let mut end = 0;
    let mut cuts = Vec::new();
    let mut cut = false;
    for (i, g) in s.grapheme_indices(true) {
        used += grapheme_width(g);
        if used > width {
            cut = true;
            break;
        }
        if used <= budget {
            end = i + g.len();
            cuts.push(i);
        }
    }
    if !cut {
        return s.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    // A prefix ending in a prepended mark would merge with the '…' into one
    // wider grapheme; give back graphemes until the result really fits.
    loop {
        let mut out = String::with_capacity(end + '…'.len_utf8());
        out.push_str(&s[..end]);
        out.push('…');
        if self::width(&out) <= width {
            return out;
        }
        match cuts.pop() {
            Some(i) => end = i,
            None => return String::new(),
        }
    }
}

/// Pads with spaces or truncates (with '…') to exactly `width` cells, for
/// table columns. A double-width character that would straddle the edge is
/// replaced by the ellipsis and padding instead.
pub fn fit(s: &str, width: usize) -> String {
    let mut out = truncate(s, width);
    let used = self::width(&out);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// Number of user-perceived characters (grapheme clusters), which is what a
/// post length limit counts: a family emoji is one, not five code points.
pub fn char_count(s: &str) -> usize {
    s.graphemes(true).count()
}

/// Decodes bytes from outside as UTF-8, refusing invalid input with an error
/// that says where the text stops being valid, instead of guessing.
pub fn from_utf8(bytes: &[u8]) -> Result<&str, TextError> {
    std::str::from_utf8(bytes).map_err(|e| TextError::InvalidUtf8 {
        byte_offset: e.valid_up_to(),
    })
}

/// Why outside text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// The bytes are not UTF-8; `byte_offset` is where the first bad byte is,
    /// so a person can find it in their file.
    InvalidUtf8 {
        /// Offset of the first byte that is not valid UTF-8.
        byte_offset: usize,
    },
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::InvalidUtf8 { byte_offset } => write!(
                f,
                "the text is not valid UTF-8 (the first bad byte is at position {byte_offset}); \
                 save it as UTF-8 and try again"
            ),
        }
    }
}

impl std::error::Error for TextError {}

/// Compact age for timelines: "now" under ten seconds (so a fresh post does
/// not tick through "1s", "2s"), then "42s", "5m", "3h", "2d", "7w" (up to
/// 52w) and "3y" (365-day years), always rounded down. Times in the future,
/// from clock skew between machines, show "now".
pub fn relative_time(now_ms: u64, then_ms: u64) -> String {
    Age::between(now_ms, then_ms).to_string()
}

/// How long ago something happened, to the unit [`relative_time`] shows: two ages
/// that are equal print the same, so a cache can compare them without formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Age {
    count: u64,
    unit: char,
}

impl Age {
    /// The age at `now_ms` of something from `then_ms` (never negative).
    pub fn between(now_ms: u64, then_ms: u64) -> Age {
        const MINUTE: u64 = 60;
        const HOUR: u64 = 60 * MINUTE;
        const DAY: u64 = 24 * HOUR;
        const WEEK: u64 = 7 * DAY;
        const YEAR: u64 = 365 * DAY;
        let secs = now_ms.saturating_sub(then_ms) / 1000;
        let (count, unit) = match secs {
            s if s < 10 => (0, ' '),
            s if s < MINUTE => (s, 's'),
            s if s < HOUR => (s / MINUTE, 'm'),
            s if s < DAY => (s / HOUR, 'h'),
            s if s < WEEK => (s / DAY, 'd'),
            s if s < YEAR => (s / WEEK, 'w'),
            s => (s / YEAR, 'y'),
        };
        Age { count, unit }
    }
}

impl std::fmt::Display for Age {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.unit {
            ' ' => f.write_str("now"),
            unit => write!(f, "{}{unit}", self.count),
        }
    }
}

/// Formats the UTC date ("2026-11-26") of a time in milliseconds since the
/// epoch, using Howard Hinnant's civil-from-days so no date crate is needed.
pub fn date(ms: u64) -> String {
    let days = ms / 86_400_000;
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Lookahead over the input; sequences need to see two characters ahead
/// (`ESC \`) without recursion, which hostile nesting could overflow.
struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.rest.chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.rest = &self.rest[c.len_utf8()..];
        Some(c)
    }
}

/// Called after an ESC. An ESC followed by something that cannot continue a
/// sequence is dropped alone, and the follower is handled as ordinary input.
fn skip_escape(cur: &mut Cursor<'_>) {
    let Some(next) = cur.peek() else { return };
    match next {
        '[' => {
            cur.bump();
            skip_csi(cur);
        }
        ']' => {
            cur.bump();
            skip_string(cur, true);
        }
        'P' | 'X' | '^' | '_' => {
            cur.bump();
            skip_string(cur, false);
        }
        'N' | 'O' => {
            cur.bump();
            if cur.peek().is_some_and(|c| !c.is_control()) {
                cur.bump();
            }
        }
        ' '..='/' => {
            while cur.peek().is_some_and(|c| matches!(c, ' '..='/')) {
                cur.bump();
            }
            if cur.peek().is_some_and(|c| matches!(c, '0'..='~')) {
                cur.bump();
            }
        }
        '0'..='~' => {
            cur.bump();
        }
        _ => {}
    }
}

/// Skips CSI parameters and intermediates through the final byte.
fn skip_csi(cur: &mut Cursor<'_>) {
    while let Some(c) = cur.peek() {
        match c {
            ' '..='?' => {
                cur.bump();
            }
            '@'..='~' => {
                cur.bump();
                return;
            }
            _ => return,
        }
    }
}

/// Skips a control string through its terminator: ST (`ESC \` or U+009C), BEL
/// too for OSC (xterm's usual form), or the end of the text. Any other ESC
/// ends the string and is left to start a new sequence, as in terminals.
fn skip_string(cur: &mut Cursor<'_>, bel_ends: bool) {
    while let Some(c) = cur.peek() {
        match c {
            BEL if bel_ends => {
                cur.bump();
                return;
            }
            C1_ST => {
                cur.bump();
                return;
            }
            ESC => {
                if cur.peek2() == Some('\\') {
                    cur.bump();
                    cur.bump();
                }
                return;
            }
            _ => {
                cur.bump();
            }
        }
    }
}

/// Invisible formatting characters that change what a reader sees without
/// being seen: bidi embeddings, overrides and isolates ("Trojan Source"), and
/// the BOM / zero-width no-break space.
fn is_hidden_format(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Cells for one grapheme cluster, matching ratatui-core's `cell_width`: it
/// adds one cell per halfwidth katakana (semi-)voiced sound mark. Measuring
/// wider than ratatui is harmless; narrower would let lines overflow.
/// What a terminal is sent for one cell's grapheme cluster `g` that ratatui gave
/// `columns` columns, when terminals do not agree on how wide `g` itself is; `None`
/// when they do (nearly always).
///
/// Emoji joined by a zero-width joiner (👩‍👧), or followed by a skin-tone modifier
/// (👍🏽) or a keycap mark, are two columns to ratatui but as wide as their parts to
/// terminals that measure each code point (the `vt100` emulator the tests read
/// screens with, xterm.js in the browser: four or more). A frame
/// that sends only the cells that changed then leaves the rest of the row shifted and
/// garbled until a full redraw. What every terminal draws the same is the cluster's
/// first emoji, padded with spaces to the columns it was given (with its emoji
/// presentation selector kept, whose own width the frame diff already copes with by
/// resending the column beside it). The post keeps its text; only that cell shows less.
pub fn terminal_stable(g: &str, columns: usize) -> Option<String> {
    if g.is_ascii() || !g.chars().any(joins_emoji) {
        return None;
    }
    let mut chars = g.chars();
    let first = chars.next()?;
    let mut out = String::from(first);
    if chars.next() == Some('\u{FE0F}') {
        out.push('\u{FE0F}');
        return Some(out);
    }
    let drawn = unicode_width::UnicodeWidthChar::width(first).unwrap_or(0);
    if drawn > columns || joins_emoji(first) {
        return Some(" ".repeat(columns));
    }
    out.extend(std::iter::repeat_n(' ', columns - drawn));
    Some(out)
}

/// Characters that join an emoji to what comes before it in ways terminals measure
/// differently: the zero-width joiner, the five skin-tone modifiers, and the keycap.
fn joins_emoji(c: char) -> bool {
    matches!(c, '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{20E3}')
}

fn grapheme_width(g: &str) -> usize {
    if g == "\t" {
        return TAB_WIDTH;
    }
    // Controls always form their own cluster (or CR LF), so checking the
    // first character is enough.
    if g.chars().next().is_some_and(char::is_control) {
        return 0;
    }
    let marks = g
        .chars()
        .filter(|&c| c == '\u{FF9E}' || c == '\u{FF9F}')
        .count();
    g.width() + marks
}

fn expand_tabs(s: &str) -> Cow<'_, str> {
    if s.contains('\t') {
        Cow::Owned(s.replace('\t', &" ".repeat(TAB_WIDTH)))
    } else {
        Cow::Borrowed(s)
    }
}

/// Whether `piece` may stand as a line of a `max`-cell layout.
fn fits(piece: &str, max: usize) -> bool {
    let w = width(piece);
    w <= max || (max < 2 && w <= 2 && piece.graphemes(true).nth(1).is_none())
}

/// A unit of wrapping measured with our widths; textwrap's own `Word`
/// measures per code point, which disagrees with ratatui on emoji sequences.
#[derive(Debug)]
struct Frag<'a> {
    text: &'a str,
    space: &'a str,
    width: usize,
}

impl Fragment for Frag<'_> {
    fn width(&self) -> f64 {
        self.width as f64
    }

    fn whitespace_width(&self) -> f64 {
        // textwrap only ever puts ' ' here.
        self.space.len() as f64
    }

    fn penalty_width(&self) -> f64 {
        0.0
    }
}

fn wrap_line(line: &str, max: usize, lines: &mut Vec<String>) {
    if width(line) <= max {
        lines.push(line.trim_end_matches(' ').to_string());
        return;
    }
    let mut frags = Vec::new();
    for word in WordSeparator::UnicodeBreakProperties.find_words(line) {
        let w = width(word.word);
        if w <= max {
            frags.push(Frag {
                text: word.word,
                space: word.whitespace,
                width: w,
            });
            continue;
        }
        let mut pieces = Vec::new();
        split_to_width(word.word, max, &mut pieces);
        let last = pieces.len().saturating_sub(1);
        for (i, piece) in pieces.into_iter().enumerate() {
            frags.push(Frag {
                text: piece,
                space: if i == last { word.whitespace } else { "" },
                width: width(piece),
            });
        }
    }
    for group in textwrap::wrap_algorithms::wrap_first_fit(&frags, &[max as f64]) {
        let mut out = String::new();
        for (i, frag) in group.iter().enumerate() {
            out.push_str(frag.text);
            if i + 1 < group.len() {
                out.push_str(frag.space);
            }
        }
        // Joining can in rare cases (clusters spanning a break) measure
        // differently from the parts; re-split rather than overflow.
        if fits(&out, max) {
            lines.push(out);
        } else {
            let mut pieces = Vec::new();
            split_to_width(&out, max, &mut pieces);
            lines.extend(pieces.into_iter().map(str::to_string));
        }
    }
}

/// Splits `s` into consecutive pieces that each [`fits`] in `max` cells,
/// packing whole graphemes greedily. A grapheme wider than the line is cut
/// between code points; every piece is checked, and one that still does not
/// fit falls back to one code point per piece, which always fits.
fn split_to_width<'a>(s: &'a str, max: usize, out: &mut Vec<&'a str>) {
    let mut start = 0;
    let mut used = 0;
    for (i, g) in s.grapheme_indices(true) {
        let gw = grapheme_width(g);
        if used + gw <= max {
            used += gw;
            continue;
        }
        if i > start {
            push_checked(&s[start..i], max, out);
        }
        start = i;
        used = gw;
        if gw <= max || (max < 2 && gw <= 2) {
            continue;
        }
        // One grapheme wider than a whole line: cut it between code points.
        used = 0;
        for (j, c) in g.char_indices() {
            let at = i + j;
            let cw = grapheme_width(&g[j..j + c.len_utf8()]);
            if used + cw > max && at > start {
                push_checked(&s[start..at], max, out);
                start = at;
                used = 0;
            }
            used += cw;
        }
    }
    if start < s.len() {
        push_checked(&s[start..], max, out);
    }
}

fn push_checked<'a>(piece: &'a str, max: usize, out: &mut Vec<&'a str>) {
    if fits(piece, max) {
        out.push(piece);
    } else {
        out.extend(
            piece
                .char_indices()
                .map(|(i, c)| &piece[i..i + c.len_utf8()]),
        );
    }
}

/// Breaks one line into pieces of at most `width` cells at grapheme boundaries, ignoring
/// words: the composer uses it so the cursor's screen position follows from the text
/// before it. An empty line gives one empty piece.
pub fn wrap_hard(line: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = vec![String::new()];
    let mut used = 0;
    for g in line.graphemes(true) {
        let w = if g == "\t" {
            TAB_WIDTH
        } else {
            UnicodeWidthStr::width(g)
        };
        if used + w > width && used > 0 {
            out.push(String::new());
            used = 0;
        }
        if g == "\t" {
            if let Some(l) = out.last_mut() {
                l.push_str(&" ".repeat(TAB_WIDTH.min(width)));
            }
        } else {
            if let Some(l) = out.last_mut() {
                l.push_str(g);
            }
        }
        used += w;
    }
    out
}

/// Entries kept by [`wrap_shared`] before it starts over.
const WRAP_CACHE_ENTRIES: usize = 4096;

type WrapCache =
    std::collections::HashMap<(u64, usize), (std::sync::Arc<str>, std::sync::Arc<[String]>)>;

static WRAP_CACHE: std::sync::Mutex<Option<WrapCache>> = std::sync::Mutex::new(None);

/// [`wrap`], shared by every session: when a post arrives, a thousand screens wrap the
/// same text at the same width, so the first one does the work and the rest reuse it.
/// Entries are checked against the full text, so a hash collision cannot show one
/// post's words in place of another's.
pub fn wrap_shared(s: &str, width: usize) -> std::sync::Arc<[String]> {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    let key = (h.finish(), width);
    let mut guard = WRAP_CACHE.lock().unwrap_or_else(|p| p.into_inner());
    let cache = guard.get_or_insert_with(Default::default);
    if let Some((text, lines)) = cache.get(&key)
        && &**text == s
    {
        return lines.clone();
    }
    drop(guard);
    let lines: std::sync::Arc<[String]> = wrap(s, width).into();
    let mut guard = WRAP_CACHE.lock().unwrap_or_else(|p| p.into_inner());
    let cache = guard.get_or_insert_with(Default::default);
    if cache.len() >= WRAP_CACHE_ENTRIES {
        cache.clear();
    }
    cache.insert(key, (s.into(), lines.clone()));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The columns a terminal that measures each code point on its own (as xterm,
    /// VTE and `vt100` do) moves the cursor by for `s`.
    fn per_code_point(s: &str) -> usize {
        s.chars()
            .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
            .sum()
    }

    #[test]
    fn emoji_sequences_terminals_measure_apart_become_ones_they_measure_alike() {
        // Clusters every terminal measures as ratatui does stay as they are.
        for g in ["a", "e\u{301}", "世", "🎉", "🇫🇷", "\u{2764}\u{FE0F}"] {
            assert_eq!(terminal_stable(g, g.width()), None, "{g:?}");
        }
        // A joined family, a skin tone: the first emoji, in the cluster's columns.
        assert_eq!(terminal_stable("👩\u{200D}👧", 2).as_deref(), Some("👩"));
        assert_eq!(terminal_stable("👍\u{1F3FD}", 2).as_deref(), Some("👍"));
        // An emoji that is one column on its own is padded to the two it was given.
        assert_eq!(
            terminal_stable("\u{1F441}\u{200D}\u{1F5E8}", 2).as_deref(),
            Some("\u{1F441} ")
        );
        // After an emoji presentation selector the selector stays: the frame diff
        // resends the column beside such a cluster, whatever width a terminal gives it.
        assert_eq!(
            terminal_stable("🏳\u{FE0F}\u{200D}🌈", 2).as_deref(),
            Some("🏳\u{FE0F}")
        );
        assert_eq!(
            terminal_stable("1\u{FE0F}\u{20E3}", 2).as_deref(),
            Some("1\u{FE0F}")
        );
        // Without one, what is sent moves every terminal's cursor by the columns given.
        for (g, columns) in [
            ("👨\u{200D}👩\u{200D}👧\u{200D}👦", 2),
            ("🧑\u{1F3FF}\u{200D}🚀", 2),
            ("1\u{20E3}", 1),
            ("1\u{20E3}", 2),
        ] {
            let sent = terminal_stable(g, columns).expect(g);
            assert_eq!(per_code_point(&sent), columns, "{g:?} sent as {sent:?}");
        }
        // Hostile clusters that start with a joiner or are wider than their columns
        // become blanks of the right width.
        assert_eq!(terminal_stable("\u{1F3FB}", 2).as_deref(), Some("  "));
        assert_eq!(terminal_stable("👩\u{200D}👧", 1).as_deref(), Some(" "));
    }

    // ---- sanitize ----

    #[test]
    fn window_title_attack_is_removed() {
        assert_eq!(sanitize("\x1b]0;pwned\x07hi"), "hi");
    }

    #[test]
    fn clear_screen_is_removed() {
        assert_eq!(sanitize("\x1b[2J\x1b[H"), "");
        assert_eq!(sanitize("a\x1b[2Jb\x1b[Hc"), "abc");
    }

    #[test]
    fn csi_with_private_params_and_intermediates() {
        assert_eq!(sanitize("x\x1b[?1049hy\x1b[1 qz"), "xyz");
        assert_eq!(sanitize("\x1b[38;5;196mred\x1b[0m"), "red");
    }

    #[test]
    fn eight_bit_csi_is_removed() {
        assert_eq!(sanitize("\u{9b}31m"), "");
        assert_eq!(sanitize("a\u{9b}31mb"), "ab");
    }

    #[test]
    fn osc8_hyperlink_with_st() {
        let s = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ me";
        assert_eq!(sanitize(s), "click me");
        let c1 = "\u{9d}8;;https://evil.example/\u{9c}click";
        assert_eq!(sanitize(c1), "click");
    }

    #[test]
    fn dcs_sos_pm_apc_are_removed() {
        assert_eq!(sanitize("a\x1bP1$r0m\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1bXsos\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1b^pm\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1b_apc\u{9c}b"), "ab");
        assert_eq!(sanitize("a\u{90}q\u{9c}b"), "ab");
        // BEL does not end a DCS.
        assert_eq!(sanitize("a\x1bPx\x07y\x1b\\b"), "ab");
    }

    #[test]
    fn unterminated_strings_swallow_the_rest() {
        assert_eq!(sanitize("hi\x1b]0;title"), "hi");
        assert_eq!(sanitize("hi\x1bPdata"), "hi");
    }

    #[test]
    fn esc_inside_string_starts_a_new_sequence() {
        assert_eq!(sanitize("\x1b]0;t\x1b[31mred"), "red");
    }

    #[test]
    fn lone_and_odd_escapes() {
        assert_eq!(sanitize("\x1b"), "");
        assert_eq!(sanitize("a\x1b"), "a");
        assert_eq!(sanitize("a\x1b\x1b"), "a");
        assert_eq!(sanitize("a\x1b[31"), "a");
        assert_eq!(sanitize("\x1b7saved\x1b8"), "saved");
        assert_eq!(sanitize("\x1bcreset"), "reset");
        assert_eq!(sanitize("\x1b(0lqk\x1b(B"), "lqk");
        assert_eq!(sanitize("\x1bOPf1"), "f1");
        assert_eq!(sanitize("\x1bNxy"), "y");
        // An ESC that cannot start anything is dropped alone.
        assert_eq!(sanitize("\x1bé"), "é");
        assert_eq!(sanitize("\x1b\nx"), "\nx");
        // A CSI cut short keeps what follows.
        assert_eq!(sanitize("\x1b[12\nx"), "\nx");
        assert_eq!(sanitize("\x1b[1é"), "é");
    }

    #[test]
    fn c0_c1_and_del_are_removed() {
        assert_eq!(sanitize("a\0b\x07c\x08d\x7fe"), "abcde");
        assert_eq!(sanitize("a\u{85}b\u{9c}c\u{80}d"), "abcd");
    }

    #[test]
    fn tabs_and_newlines_are_kept() {
        assert_eq!(sanitize("a\tb\nc"), "a\tb\nc");
    }

    #[test]
    fn carriage_returns_become_newlines() {
        assert_eq!(sanitize("a\r\nb"), "a\nb");
        assert_eq!(sanitize("a\rb"), "a\nb");
        assert_eq!(sanitize("a\r\r\nb"), "a\n\nb");
    }

    #[test]
    fn bidi_controls_and_bom_are_removed() {
        assert_eq!(sanitize("user\u{202E}gnp.exe"), "usergnp.exe");
        assert_eq!(sanitize("\u{2066}a\u{2069}\u{FEFF}b"), "ab");
        // Marks are kept: RTL text needs them and they cannot reorder runs.
        assert_eq!(sanitize("a\u{200F}b"), "a\u{200F}b");
    }

    #[test]
    fn emoji_sequences_are_kept() {
        let family = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(sanitize(family), family);
        assert_eq!(sanitize("❤\u{FE0F}"), "❤\u{FE0F}");
    }

    #[test]
    fn sanitize_is_idempotent() {
        let mut rng = Rng(7);
        for _ in 0..2000 {
            let s = rng.hostile_string();
            let once = sanitize(&s);
            assert_eq!(sanitize(&once), once, "input {s:?}");
            assert!(
                once.chars()
                    .all(|c| !c.is_control() || c == '\n' || c == '\t'),
                "input {s:?} gave {once:?}"
            );
            assert!(!once.chars().any(is_hidden_format));
        }
    }

    #[test]
    fn sanitize_line_flattens() {
        assert_eq!(
            sanitize_line("  Ada \n\n\t Lovelace\x1b[31m  "),
            "Ada Lovelace"
        );
        assert_eq!(sanitize_line("a  b"), "a  b");
        assert_eq!(sanitize_line("\n\t"), "");
        assert_eq!(sanitize_line("cw:\r\nspoilers"), "cw: spoilers");
    }

    // ---- width ----

    #[test]
    fn widths() {
        assert_eq!(width(""), 0);
        assert_eq!(width("abc"), 3);
        assert_eq!(width("世界"), 4);
        assert_eq!(width("👨\u{200D}👩\u{200D}👧"), 2);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(width("a\tb"), 2 + TAB_WIDTH);
        assert_eq!(width("a\nb"), 2);
        assert_eq!(width("\x1b"), 0);
        // Matches ratatui's adjustment for halfwidth sound marks.
        assert_eq!(width("ｶﾞ"), 3);
    }

    // ---- wrap ----

    fn assert_fits(lines: &[String], w: usize) {
        for line in lines {
            assert!(fits(line, w.max(1)), "{line:?} wider than {w}");
        }
    }

    #[test]
    fn wrap_empty_gives_one_line() {
        assert_eq!(wrap("", 10), vec![String::new()]);
    }

    #[test]
    fn wrap_words() {
        assert_eq!(
            wrap("the quick brown fox jumps", 10),
            vec!["the quick", "brown fox", "jumps"]
        );
    }

    #[test]
    fn wrap_keeps_explicit_newlines() {
        assert_eq!(wrap("a\n\nb\n", 10), vec!["a", "", "b", ""]);
        assert_eq!(wrap("a\r\nb", 10), vec!["a", "b"]);
    }

    #[test]
    fn wrap_cjk_never_exceeds_width() {
        let lines = wrap("世界世界", 3);
        assert_eq!(lines, vec!["世", "界", "世", "界"]);
        assert_fits(&lines, 3);
        assert_eq!(wrap("世界世界", 4), vec!["世界", "世界"]);
    }

    #[test]
    fn wrap_keeps_zwj_emoji_whole() {
        let family = "👨\u{200D}👩\u{200D}👧";
        let s = format!("{family}{family}{family}");
        let lines = wrap(&s, 3);
        assert_eq!(lines, vec![family; 3]);
        assert_eq!(wrap(family, 1), vec![family]);
    }

    #[test]
    fn wrap_breaks_long_url() {
        let url = format!("https://example.com/{}", "x".repeat(180));
        assert_eq!(url.len(), 200);
        let lines = wrap(&url, 20);
        assert!(lines.len() <= 11, "{lines:?}");
        assert_fits(&lines, 20);
        assert_eq!(lines.concat(), url);
    }

    #[test]
    fn wrap_expands_tabs() {
        assert_eq!(
            wrap("a\tb", 20),
            vec![format!("a{}b", " ".repeat(TAB_WIDTH))]
        );
    }

    #[test]
    fn wrap_tiny_widths_do_not_panic() {
        for w in [0, 1] {
            let lines = wrap("ab 世 👨\u{200D}👩\u{200D}👧 c", w);
            assert_fits(&lines, w);
            assert_eq!(lines, vec!["a", "b", "世", "👨\u{200D}👩\u{200D}👧", "c"]);
        }
    }

    #[test]
    fn wrap_cuts_a_grapheme_wider_than_the_line() {
        let wide = format!("क{}", "\u{903}".repeat(30));
        assert_eq!(char_count(&wide), 1);
        let lines = wrap(&wide, 8);
        assert_fits(&lines, 8);
        assert_eq!(lines.concat(), wide);
    }

    #[test]
    fn wrap_property_no_overflow_no_loss() {
        let mut rng = Rng(42);
        for _ in 0..3000 {
            let s = rng.text_string();
            let w = rng.below(30);
            let lines = wrap(&s, w);
            assert_fits(&lines, w);
            let kept: String = lines
                .concat()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let want: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(kept, want, "input {s:?} width {w}");
            assert!(lines.len() >= s.split('\n').count());
        }
    }

    // ---- truncate / fit ----

    #[test]
    fn truncate_basics() {
        assert_eq!(truncate("hello", 10), "hello");
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("hello", 4), "hel…");
        assert_eq!(truncate("hello", 1), "…");
        assert_eq!(truncate("hello", 0), "");
        assert_eq!(truncate("", 0), "");
    }

    #[test]
    fn truncate_wide_char_at_boundary() {
        // "世" would need cells 3–4 of a 4-cell budget that holds "世" + "…".
        assert_eq!(truncate("世界世界", 4), "世…");
        assert_eq!(truncate("世界世界", 5), "世界…");
        assert_eq!(truncate("世界", 1), "…");
        assert_eq!(truncate("a👨\u{200D}👩\u{200D}👧b", 3), "a…");
        assert_eq!(truncate("e\u{301}e\u{301}e\u{301}", 2), "e\u{301}…");
    }

    #[test]
    fn fit_pads_or_cuts_exactly() {
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("世界世界", 4), "世… ");
        assert_eq!(fit("世界", 4), "世界");
        assert_eq!(fit("a\tb", 3), "a …");
        assert_eq!(fit("x", 0), "");
    }

    #[test]
    fn text_of_no_more_bytes_than_the_width_is_never_cut() {
        assert_eq!(truncate("— the beginning —", 21), "— the beginning —");
        assert_eq!(truncate("日本", 6), "日本");
        assert_eq!(truncate("日本", 4), "日本");
        assert_eq!(truncate("日本", 3), "日…");
        assert_eq!(truncate("a\tb", 5), "a   …");
        // Every character of every width, at a width its bytes just reach.
        for c in ['a', 'é', '—', '日', '😀', '\u{FF76}'] {
            let s = c.to_string().repeat(3);
            assert!(width(&s) <= s.len(), "{s:?}");
            assert_eq!(truncate(&s, s.len()), s);
        }
    }

    #[test]
    fn truncate_and_fit_property() {
        let mut rng = Rng(9);
        for _ in 0..3000 {
            let s = sanitize_line(&rng.text_string());
            let w = rng.below(20);
            let t = truncate(&s, w);
            assert!(width(&t) <= w, "truncate({s:?}, {w}) = {t:?}");
            let f = fit(&s, w);
            assert_eq!(width(&f), w, "fit({s:?}, {w}) = {f:?}");
            if width(&s) <= w {
                assert_eq!(t, s);
            } else if w > 0 {
                assert!(t.ends_with('…'));
            }
        }
    }

    // ---- counting and decoding ----

    #[test]
    fn char_count_counts_graphemes() {
        assert_eq!(char_count(""), 0);
        assert_eq!(char_count("abc"), 3);
        assert_eq!(char_count("👨\u{200D}👩\u{200D}👧"), 1);
        assert_eq!(char_count("🇳🇿🇯🇵"), 2);
        assert_eq!(char_count("e\u{301}"), 1);
        assert_eq!(char_count("a\r\nb"), 3);
    }

    #[test]
    fn from_utf8_reports_offset() {
        assert_eq!(from_utf8(b"caf\xc3\xa9"), Ok("café"));
        let err = from_utf8(b"abc\xffdef").unwrap_err();
        assert_eq!(err, TextError::InvalidUtf8 { byte_offset: 3 });
        assert!(err.to_string().contains("position 3"), "{err}");
        let boxed: Box<dyn std::error::Error> = Box::new(err);
        assert!(!boxed.to_string().is_empty());
    }

    // ---- time ----

    #[test]
    fn relative_times() {
        let now = 1_800_000_000_000;
        let ago = |secs: u64| relative_time(now, now - secs * 1000);
        assert_eq!(ago(0), "now");
        assert_eq!(ago(9), "now");
        assert_eq!(ago(10), "10s");
        assert_eq!(ago(42), "42s");
        assert_eq!(ago(59), "59s");
        assert_eq!(ago(60), "1m");
        assert_eq!(ago(5 * 60 + 59), "5m");
        assert_eq!(ago(3 * 3600), "3h");
        assert_eq!(ago(23 * 3600 + 3599), "23h");
        assert_eq!(ago(2 * 86_400), "2d");
        assert_eq!(ago(7 * 86_400), "1w");
        assert_eq!(ago(364 * 86_400), "52w");
        assert_eq!(ago(365 * 86_400), "1y");
        assert_eq!(ago(3 * 365 * 86_400 + 5), "3y");
        assert_eq!(relative_time(now, now + 60_000), "now");
        assert_eq!(relative_time(0, u64::MAX), "now");
        assert_eq!(
            relative_time(u64::MAX, 0),
            format!("{}y", u64::MAX / 1000 / (365 * 86_400))
        );
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(86_399_999), "1970-01-01");
        assert_eq!(date(86_400_000), "1970-01-02");
        // 2024-02-29T12:00:00Z
        assert_eq!(date(1_709_208_000_000), "2024-02-29");
        assert_eq!(date(1_709_251_199_999), "2024-02-29");
        assert_eq!(date(1_709_251_200_000), "2024-03-01");
        // 2000 was a leap year, 2100 is not.
        assert_eq!(date(951_782_400_000), "2000-02-29");
        assert_eq!(date(4_107_456_000_000), "2100-02-28");
        assert_eq!(date(4_107_542_400_000), "2100-03-01");
        assert_eq!(date(1_795_651_200_000), "2026-11-26");
        assert_eq!(date(1_735_689_599_999), "2024-12-31");
        // Must not panic at the far end.
        assert!(!date(u64::MAX).is_empty());
    }

    #[test]
    fn dates_agree_with_a_day_by_day_count() {
        let (mut y, mut m, mut d) = (1970u64, 1u64, 1u64);
        for day in 0..(200 * 366) {
            assert_eq!(date(day * 86_400_000), format!("{y:04}-{m:02}-{d:02}"));
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let len = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            d += 1;
            if d > len {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    // ---- generators (deterministic, no dependencies) ----

    /// xorshift64*: good enough to vary test inputs, same sequence every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0 | 1;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }

        /// Text a person might post, plus the awkward clusters.
        fn text_string(&mut self) -> String {
            const PIECES: &[&str] = &[
                "a",
                "b",
                "word",
                "hello",
                "x",
                " ",
                " ",
                "  ",
                "\t",
                "\n",
                "-",
                "/",
                ".",
                "世",
                "界",
                "。",
                "👍",
                "👨\u{200D}👩\u{200D}👧",
                "❤\u{FE0F}",
                "🇳🇿",
                "🇦",
                "e\u{301}",
                "\u{301}",
                "\u{200D}",
                "\u{FE0F}",
                "가",
                "\u{1100}\u{1100}\u{1100}",
                "\u{1161}",
                "क\u{903}\u{903}\u{903}\u{903}\u{903}",
                "\u{903}",
                "ｶﾞ",
                "ﾞ",
                "\u{600}",
                "لا",
                "\u{3000}",
                "\u{a0}",
                "https://example.com/a/b?c=d",
                "supercalifragilisticexpialidocious",
                "🏳\u{FE0F}\u{200D}🌈",
                "👋🏽",
            ];
            let n = self.below(40);
            (0..n).map(|_| self.pick(PIECES)).collect()
        }

        /// Text mixed with escape fragments and controls.
        fn hostile_string(&mut self) -> String {
            const PIECES: &[&str] = &[
                "\x1b", "[", "]", "P", "X", "^", "_", "N", "O", "\\", "(", "0", "1", ";", "m",
                "\x07", "\u{9b}", "\u{9c}", "\u{9d}", "\u{90}", "\r", "\n", "\t", "\0", "\x7f",
                "\u{85}", "\u{202E}", "\u{2066}", "\u{FEFF}", "a", "世", "é", " ", "\u{200D}",
                "\u{FE0F}",
            ];
            let n = self.below(30);
            (0..n).map(|_| self.pick(PIECES)).collect()
        }
    }

    #[test]
    fn wrap_hard_breaks_at_graphemes_and_keeps_everything() {
        assert_eq!(wrap_hard("", 5), vec![""]);
        assert_eq!(wrap_hard("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(wrap_hard("世界世", 3), vec!["世", "界", "世"]);
        assert_eq!(wrap_hard("a👨‍👩‍👧b", 2), vec!["a", "👨‍👩‍👧", "b"]);
        assert_eq!(wrap_hard("x", 0), vec!["x"]);
    }

    #[test]
    fn shared_wrapping_matches_wrap_and_tells_texts_apart() {
        let a = "the quick brown fox jumps over the lazy dog";
        assert_eq!(&*wrap_shared(a, 10), wrap(a, 10).as_slice());
        assert_eq!(
            &*wrap_shared(a, 10),
            wrap(a, 10).as_slice(),
            "second call hits the cache"
        );
        assert_eq!(
            &*wrap_shared(a, 20),
            wrap(a, 20).as_slice(),
            "width is part of the key"
        );
        let b = "a different text entirely";
        assert_eq!(&*wrap_shared(b, 10), wrap(b, 10).as_slice());
    }
}
