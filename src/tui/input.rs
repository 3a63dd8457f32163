//! Stateful decoder from raw terminal bytes to key events.
//!
//! SSH hands us the client's PTY output as an arbitrary byte stream: one key
//! may be split across packets and one packet may hold many keys. So nothing
//! here looks at chunk boundaries; every byte advances a small state machine,
//! which makes the decoded events independent of how the stream was split.
//!
//! The one thing bytes alone cannot decide is whether a lone ESC is the Esc
//! key or the start of a sequence whose rest is still in flight. That is left
//! to the caller: when [`Decoder::has_pending`] is true it arms a short timer
//! and calls [`Decoder::flush_pending`] if nothing else arrives.

use std::mem;

const ESC: u8 = 0x1b;
/// CSI parameters we buffer at most; real key reports are far shorter, and the
/// cap keeps a hostile client from growing our memory with an endless CSI.
const CSI_MAX: usize = 64;
/// Bytes of a kitty graphics reply (`ESC _ G … ESC \`) kept at most; the rest of a
/// longer one is swallowed unread.
const APC_MAX: usize = 128;
/// Bytes that follow `CSI M` in an X10 mouse report (button, column, row).
const X10_MOUSE_BYTES: u8 = 3;
/// CSI parameter that opens a bracketed paste (`ESC [ 200 ~`).
const PASTE_START: u32 = 200;
/// Marker that closes a bracketed paste. It contains ESC only at its start,
/// which lets the paste matcher restart without backtracking.
const PASTE_END: &[u8] = b"\x1b[201~";
const DEFAULT_PASTE_LIMIT: usize = 64 * 1024;
/// xterm `~` codes for F1..F12; the gaps (16, 22) are historical.
const F_KEY_CODES: [u32; 12] = [11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 23, 24];

/// A key, independent of modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// A printable character. Terminals report Shift only by case, so `'A'`
    /// carries no shift flag.
    Char(char),
    /// CR or LF (a CR LF pair is one Enter).
    Enter,
    /// Horizontal tab (0x09).
    Tab,
    /// Shift-Tab (`CSI Z`); shift is implied by the key, not set in [`Mods`].
    BackTab,
    /// DEL (0x7F) or BS (0x08): terminals disagree on which one they send.
    Backspace,
    /// Forward delete.
    Delete,
    /// Insert.
    Insert,
    /// The Escape key itself, decided by timeout or a following ESC.
    Esc,
    /// Cursor up.
    Up,
    /// Cursor down.
    Down,
    /// Cursor left.
    Left,
    /// Cursor right.
    Right,
    /// Home.
    Home,
    /// End.
    End,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Function key F1..F12.
    F(u8),
}

/// Modifier keys held with a [`Key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Mods {
    /// Control; for letters this comes from the C0 byte itself.
    pub ctrl: bool,
    /// Alt/Meta; usually an ESC prefix, or the xterm modifier parameter.
    pub alt: bool,
    /// Shift; only reported for special keys via the xterm modifier parameter.
    pub shift: bool,
}

/// One key press with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyEvent {
    /// Which key.
    pub key: Key,
    /// Which modifiers were held.
    pub mods: Mods,
}

impl KeyEvent {
    /// A key with no modifiers.
    pub fn plain(key: Key) -> Self {
        Self {
            key,
            mods: Mods::default(),
        }
    }

    /// Ctrl plus a character, as C0 control bytes decode (e.g. `ctrl('c')`).
    pub fn ctrl(c: char) -> Self {
        Self {
            key: Key::Char(c),
            mods: Mods {
                ctrl: true,
                ..Mods::default()
            },
        }
    }

    /// Alt plus a key, as ESC-prefixed input decodes.
    pub fn alt(key: Key) -> Self {
        Self {
            key,
            mods: Mods {
                alt: true,
                ..Mods::default()
            },
        }
    }
}

/// What a terminal answered to camp's graphics probe (see
/// `crate::tui::graphics::detect`): never a key, kept aside by the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermReply {
    /// A kitty graphics reply (`ESC _ G …;OK ESC \` when the query succeeded).
    KittyGraphics {
        /// The terminal said OK.
        ok: bool,
    },
    /// Primary device attributes (`CSI ? … c`).
    DeviceAttributes {
        /// Attribute 4 (sixel graphics) is listed.
        sixel: bool,
    },
}

/// A decoded unit of terminal input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A key press.
    Key(KeyEvent),
    /// A bracketed paste, newlines normalised to `'\n'`. The text is otherwise
    /// verbatim and may hold control characters (even ESC sequences), so it
    /// must be sanitised before being echoed to any terminal.
    Paste(String),
}

/// Where the decoder is inside the byte stream.
#[derive(Debug)]
enum State {
    /// Between sequences (possibly inside a UTF-8 character, see `Utf8`).
    Ground,
    /// Saw ESC; the next byte decides between Esc, Alt-key and a sequence.
    Esc,
    /// Inside `ESC [`, collecting parameters into `Decoder::csi`.
    Csi,
    /// A CSI outgrew `CSI_MAX`; swallow it without buffering until it ends.
    CsiOverflow,
    /// Saw `ESC O`; one final byte follows.
    Ss3,
    /// Skipping the raw bytes of an X10 mouse report.
    Mouse(u8),
    /// Saw `ESC _`: a `G` makes it a kitty graphics reply, anything else Alt-`_`.
    ApcStart,
    /// Inside a kitty graphics reply, up to its `ESC \` (or BEL).
    Apc {
        /// The previous byte was ESC.
        esc: bool,
    },
    /// Inside a bracketed paste.
    Paste(Paste),
}

/// Stateful decoder from terminal bytes to [`Input`] events.
#[derive(Debug)]
pub struct Decoder {
    state: State,
    /// CSI parameter/intermediate bytes; kept here so its allocation is reused.
    csi: Vec<u8>,
    utf8: Utf8,
    /// The character being assembled in `utf8` was preceded by ESC.
    alt_utf8: bool,
    /// The last byte was a CR, so an immediately following LF is the same Enter.
    after_cr: bool,
    paste_limit: usize,
    /// The kitty graphics reply being read (bounded by `APC_MAX`).
    apc: Vec<u8>,
    /// Answers to the graphics probe, for [`Decoder::take_replies`] (a few at most).
    replies: Vec<TermReply>,
    /// A graphics probe is out: `ESC _ G` starts its answer. Otherwise it is Alt-_
    /// then G, so keys typed fast are never swallowed as a reply nobody asked for.
    expecting: bool,
}

impl Decoder {
    /// A decoder with the default paste cap of 64 KiB.
    pub fn new() -> Self {
        Self::with_paste_limit(DEFAULT_PASTE_LIMIT)
    }

    /// A decoder that keeps at most `max_bytes` of each paste (cut at a char
    /// boundary); the rest of an oversized paste is consumed and dropped.
    pub fn with_paste_limit(max_bytes: usize) -> Self {
        Self {
            state: State::Ground,
            csi: Vec::new(),
            utf8: Utf8::default(),
            alt_utf8: false,
            after_cr: false,
            paste_limit: max_bytes,
            apc: Vec::new(),
            replies: Vec::new(),
            expecting: false,
        }
    }

    /// Whether the terminal was just asked the graphics probe (only then is
    /// `ESC _ G …` read as its answer).
    pub fn expect_replies(&mut self, on: bool) {
        self.expecting = on;
    }

    /// The terminal's answers read so far (swallowed, never keys).
    pub fn take_replies(&mut self) -> Vec<TermReply> {
        mem::take(&mut self.replies)
    }

    fn reply(&mut self, r: TermReply) {
        if self.replies.len() < 8 {
            self.replies.push(r);
        }
    }

    /// Feed bytes; appends complete events to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Input>) {
        for &b in bytes {
            // after_cr is only ever set in Ground, so this cannot eat a LF
            // that belongs to a sequence or a paste.
            if mem::take(&mut self.after_cr) && b == b'\n' {
                continue;
            }
            self.step(b, out);
        }
    }

    /// True when the decoder holds an incomplete sequence (e.g. a lone ESC that
    /// may start a sequence); the caller then arms a short timer (~50 ms) and
    /// calls [`flush_pending`](Self::flush_pending) if nothing else arrives.
    ///
    /// An open bracketed paste does not count: terminals always close it, and
    /// a slow paste must not be cut by the Esc timer. A client that never
    /// closes one only stalls its own input; memory stays within the cap.
    pub fn has_pending(&self) -> bool {
        match self.state {
            State::Ground => self.utf8.in_progress(),
            State::Paste(_) => false,
            _ => true,
        }
    }

    /// Called after the Esc timeout: a lone ESC becomes `Key::Esc`; an
    /// incomplete sequence is resolved best-effort (`ESC [` becomes Alt-`[`
    /// followed by any parameter characters, `ESC O` becomes Alt-`O`); an
    /// incomplete UTF-8 prefix is dropped (after an Esc, if ESC preceded it).
    pub fn flush_pending(&mut self, out: &mut Vec<Input>) {
        match mem::replace(&mut self.state, State::Ground) {
            State::Ground => self.drop_partial_char(out),
            State::Esc => push_key(out, KeyEvent::plain(Key::Esc)),
            State::Csi => {
                push_key(out, KeyEvent::alt(Key::Char('[')));
                // Parameter bytes are printable ASCII, so they replay as chars.
                let params = mem::take(&mut self.csi);
                self.feed(&params, out);
                self.csi = params;
                self.csi.clear();
            }
            State::Ss3 => push_key(out, KeyEvent::alt(Key::Char('O'))),
            State::ApcStart => push_key(out, KeyEvent::alt(Key::Char('_'))),
            State::Apc { .. } => self.apc.clear(),
            State::CsiOverflow | State::Mouse(_) => {}
            paste @ State::Paste(_) => self.state = paste,
        }
    }

    fn drop_partial_char(&mut self, out: &mut Vec<Input>) {
        if self.utf8.in_progress() {
            self.utf8 = Utf8::default();
            if mem::take(&mut self.alt_utf8) {
                push_key(out, KeyEvent::plain(Key::Esc));
            }
        }
    }

    fn step(&mut self, b: u8, out: &mut Vec<Input>) {
        match self.state {
            State::Ground => self.ground(b, out),
            State::Esc => self.escape(b, out),
            State::Csi => self.csi(b, out),
            State::CsiOverflow => self.csi_overflow(b, out),
            State::Ss3 => self.ss3(b, out),
            State::Mouse(left) => {
                self.state = if left > 1 {
                    State::Mouse(left - 1)
                } else {
                    State::Ground
                };
            }
            State::Paste(_) => self.paste(b, out),
            State::ApcStart => {
                self.state = State::Ground;
                if b == b'G' {
                    self.apc.clear();
                    self.state = State::Apc { esc: false };
                } else {
                    push_key(out, KeyEvent::alt(Key::Char('_')));
                    self.ground(b, out);
                }
            }
            State::Apc { esc } => self.apc_byte(b, esc, out),
        }
    }

    /// A byte of a kitty graphics reply: `ESC \` or BEL ends it. A reply never holds
    /// other controls, so one ends it too, as does ESC followed by anything; that byte
    /// (or the ESC sequence) is then read as input, so no key is lost with the reply.
    fn apc_byte(&mut self, b: u8, esc: bool, out: &mut Vec<Input>) {
        let end = esc || b == 0x07 || (b < 0x20 && b != ESC);
        if !end {
            if b == ESC {
                self.state = State::Apc { esc: true };
            } else if self.apc.len() < APC_MAX {
                self.apc.push(b);
            }
            return;
        }
        self.state = State::Ground;
        let body = mem::take(&mut self.apc);
        let ok = body
            .splitn(2, |c| *c == b';')
            .nth(1)
            .is_some_and(|m| m == b"OK");
        self.reply(TermReply::KittyGraphics { ok });
        match b {
            b'\\' if esc => {}
            0x07 => {}
            _ if esc => self.escape(b, out),
            _ => self.ground(b, out),
        }
    }

    fn ground(&mut self, b: u8, out: &mut Vec<Input>) {
        if b >= 0x80 || self.utf8.in_progress() {
            match self.utf8.push(b) {
                Utf8Step::Pending => {}
                Utf8Step::Char(c) => self.emit_char(c, out),
                Utf8Step::Reject => {
                    // The broken prefix is one invalid sequence; `b` itself
                    // is still unread and may start something valid.
                    self.emit_char(char::REPLACEMENT_CHARACTER, out);
                    self.ground(b, out);
                }
            }
            return;
        }
        match b {
            ESC => self.state = State::Esc,
            b'\r' => {
                self.after_cr = true;
                push_key(out, KeyEvent::plain(Key::Enter));
            }
            _ => push_key(out, ascii_key(b)),
        }
    }

    fn emit_char(&mut self, c: char, out: &mut Vec<Input>) {
        let alt = mem::take(&mut self.alt_utf8);
        // C1 controls are valid UTF-8 but no key produces them; keeping them
        // out spares every text field from filtering them.
        if c.is_control() {
            return;
        }
        let mods = Mods {
            alt,
            ..Mods::default()
        };
        push_key(
            out,
            KeyEvent {
                key: Key::Char(c),
                mods,
            },
        );
    }

    /// ESC ESC is resolved as Esc followed by a fresh pending ESC (not
    /// Alt-Esc): double-tapping Esc then yields two Escs, which is what
    /// "press Esc to go back" UIs expect.
    fn escape(&mut self, b: u8, out: &mut Vec<Input>) {
        self.state = State::Ground;
        match b {
            ESC => {
                push_key(out, KeyEvent::plain(Key::Esc));
                self.state = State::Esc;
            }
            b'[' => self.state = State::Csi,
            b'O' => self.state = State::Ss3,
            b'_' if self.expecting => self.state = State::ApcStart,
            0x80.. => {
                self.alt_utf8 = true;
                self.ground(b, out);
            }
            _ => {
                // ESC CR LF is one Alt-Enter, just like a bare CR LF.
                self.after_cr = b == b'\r';
                let mut event = ascii_key(b);
                event.mods.alt = true;
                push_key(out, event);
            }
        }
    }

    fn csi(&mut self, b: u8, out: &mut Vec<Input>) {
        match b {
            0x20..=0x3f if self.csi.len() < CSI_MAX => self.csi.push(b),
            0x20..=0x3f => {
                self.csi.clear();
                self.state = State::CsiOverflow;
            }
            0x40..=0x7e => self.dispatch_csi(b, out),
            _ => self.abort_sequence(b, out),
        }
    }

    fn csi_overflow(&mut self, b: u8, out: &mut Vec<Input>) {
        match b {
            0x20..=0x3f => {}
            0x40..=0x7e => self.state = State::Ground,
            _ => self.abort_sequence(b, out),
        }
    }

    /// A byte that cannot continue a sequence (a control, ESC, non-ASCII)
    /// ends it; the sequence so far is dropped and the byte read afresh, so a
    /// garbled report cannot swallow the keys after it.
    fn abort_sequence(&mut self, b: u8, out: &mut Vec<Input>) {
        self.csi.clear();
        self.state = State::Ground;
        self.ground(b, out);
    }

    fn dispatch_csi(&mut self, final_byte: u8, out: &mut Vec<Input>) {
        self.state = State::Ground;
        if final_byte == b'c' && self.csi.first() == Some(&b'?') {
            let sixel = self.csi[1..].split(|c| *c == b';').any(|a| a == b"4");
            self.csi.clear();
            self.reply(TermReply::DeviceAttributes { sixel });
            return;
        }
        let x10_mouse = final_byte == b'M' && self.csi.is_empty();
        let action = parse_params(&self.csi).and_then(|p| csi_action(final_byte, p));
        self.csi.clear();
        if x10_mouse {
            self.state = State::Mouse(X10_MOUSE_BYTES);
            return;
        }
        match action {
            Some(CsiAction::Key(event)) => push_key(out, event),
            Some(CsiAction::PasteStart) => self.state = State::Paste(Paste::new(self.paste_limit)),
            None => {}
        }
    }

    fn ss3(&mut self, b: u8, out: &mut Vec<Input>) {
        self.state = State::Ground;
        if !(0x40..=0x7e).contains(&b) {
            push_key(out, KeyEvent::alt(Key::Char('O')));
            self.ground(b, out);
        } else if let Some(key) = ss3_key(b) {
            push_key(out, KeyEvent::plain(key));
        }
    }

    fn paste(&mut self, b: u8, out: &mut Vec<Input>) {
        let State::Paste(paste) = &mut self.state else {
            return;
        };
        if paste.push(b) {
            let text = paste.finish();
            self.state = State::Ground;
            out.push(Input::Paste(text));
        }
    }
}

impl Default for Decoder {
    /// Same as [`Decoder::new`].
    fn default() -> Self {
        Self::new()
    }
}

fn push_key(out: &mut Vec<Input>, event: KeyEvent) {
    out.push(Input::Key(event));
}

/// Key for a single ASCII byte outside any sequence (ESC is handled by the
/// caller; it maps to Esc here only for completeness).
fn ascii_key(b: u8) -> KeyEvent {
    match b {
        b'\r' | b'\n' => KeyEvent::plain(Key::Enter),
        b'\t' => KeyEvent::plain(Key::Tab),
        0x08 | 0x7f => KeyEvent::plain(Key::Backspace),
        ESC => KeyEvent::plain(Key::Esc),
        0x00 => KeyEvent::ctrl(' '),
        0x01..=0x1a => KeyEvent::ctrl(char::from(b'a' + b - 1)),
        0x1c..=0x1f => KeyEvent::ctrl(char::from(b"\\]^_"[usize::from(b - 0x1c)])),
        _ => KeyEvent::plain(Key::Char(char::from(b))),
    }
}

fn ss3_key(b: u8) -> Option<Key> {
    Some(match b {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        b'P'..=b'S' => Key::F(b - b'P' + 1),
        _ => return None,
    })
}

enum CsiAction {
    Key(KeyEvent),
    PasteStart,
}

/// The first two numeric parameters of a CSI, each possibly empty. `None`
/// means the sequence is not a key report: private markers (`<`, `?`, ...),
/// sub-parameters (`:`), intermediates, more than two fields, or overflow.
fn parse_params(buf: &[u8]) -> Option<[Option<u32>; 2]> {
    let mut params = [None; 2];
    if buf.is_empty() {
        return Some(params);
    }
    for (slot, field) in buf.split(|&b| b == b';').enumerate() {
        *params.get_mut(slot)? = parse_number(field)?;
    }
    Some(params)
}

fn parse_number(field: &[u8]) -> Option<Option<u32>> {
    if field.is_empty() {
        return Some(None);
    }
    field
        .iter()
        .try_fold(0u32, |n, &b| {
            let digit = char::from(b).to_digit(10)?;
            n.checked_mul(10)?.checked_add(digit)
        })
        .map(Some)
}

fn csi_action(final_byte: u8, [first, modifier]: [Option<u32>; 2]) -> Option<CsiAction> {
    let key = match final_byte {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        // xterm sends modified F1..F4 as `CSI 1 ; m P..S`.
        b'P'..=b'S' => Key::F(final_byte - b'P' + 1),
        b'Z' => Key::BackTab,
        b'~' if first == Some(PASTE_START) => return Some(CsiAction::PasteStart),
        b'~' => tilde_key(first?)?,
        _ => return None,
    };
    Some(CsiAction::Key(KeyEvent {
        key,
        mods: modifiers(modifier),
    }))
}

fn tilde_key(code: u32) -> Option<Key> {
    Some(match code {
        1 | 7 => Key::Home,
        2 => Key::Insert,
        3 => Key::Delete,
        4 | 8 => Key::End,
        5 => Key::PageUp,
        6 => Key::PageDown,
        _ => {
            let index = F_KEY_CODES.iter().position(|&c| c == code)?;
            Key::F(u8::try_from(index + 1).ok()?)
        }
    })
}

/// xterm sends `1 + bitmask` so that "no modifiers" is 1 (and may be omitted).
fn modifiers(param: Option<u32>) -> Mods {
    let bits = param.unwrap_or(1).saturating_sub(1);
    Mods {
        shift: bits & 1 != 0,
        alt: bits & 2 != 0,
        ctrl: bits & 4 != 0,
    }
}

/// Incremental UTF-8 decoder following the "maximal subpart" rule (as
/// `String::from_utf8_lossy` does): each invalid sequence yields one U+FFFD.
#[derive(Debug, Default)]
struct Utf8 {
    code_point: u32,
    /// Continuation bytes still expected; 0 when idle.
    need: u8,
    /// Valid range for the next continuation byte. It is narrower than
    /// 0x80..=0xBF right after some lead bytes, which rejects overlong forms,
    /// surrogates and code points above U+10FFFF at the earliest byte.
    low: u8,
    high: u8,
}

enum Utf8Step {
    Pending,
    Char(char),
    /// The pending prefix is invalid and the byte was not consumed.
    Reject,
}

impl Utf8 {
    fn in_progress(&self) -> bool {
        self.need > 0
    }

    fn push(&mut self, b: u8) -> Utf8Step {
        if self.need == 0 {
            return self.start(b);
        }
        if !(self.low..=self.high).contains(&b) {
            *self = Self::default();
            return Utf8Step::Reject;
        }
        self.code_point = (self.code_point << 6) | u32::from(b & 0x3f);
        self.need -= 1;
        (self.low, self.high) = (0x80, 0xbf);
        if self.need > 0 {
            return Utf8Step::Pending;
        }
        let c = char::from_u32(self.code_point).unwrap_or(char::REPLACEMENT_CHARACTER);
        *self = Self::default();
        Utf8Step::Char(c)
    }

    fn start(&mut self, b: u8) -> Utf8Step {
        let (need, bits, low, high) = match b {
            0x00..=0x7f => return Utf8Step::Char(char::from(b)),
            0xc2..=0xdf => (1, b & 0x1f, 0x80, 0xbf),
            0xe0 => (2, b & 0x0f, 0xa0, 0xbf),
            0xed => (2, b & 0x0f, 0x80, 0x9f),
            0xe1..=0xef => (2, b & 0x0f, 0x80, 0xbf),
            0xf0 => (3, b & 0x07, 0x90, 0xbf),
            0xf1..=0xf3 => (3, b & 0x07, 0x80, 0xbf),
            0xf4 => (3, b & 0x07, 0x80, 0x8f),
            _ => return Utf8Step::Char(char::REPLACEMENT_CHARACTER),
        };
        *self = Self {
            code_point: u32::from(bits),
            need,
            low,
            high,
        };
        Utf8Step::Pending
    }
}

/// An open bracketed paste: matches the end marker and decodes the content.
#[derive(Debug)]
struct Paste {
    text: String,
    limit: usize,
    /// A char did not fit; drop everything after it so the text stays a prefix.
    full: bool,
    /// How many bytes of `PASTE_END` the latest input matched.
    matched: usize,
    after_cr: bool,
    utf8: Utf8,
}

impl Paste {
    fn new(limit: usize) -> Self {
        Self {
            text: String::new(),
            limit,
            full: false,
            matched: 0,
            after_cr: false,
            utf8: Utf8::default(),
        }
    }

    /// Consumes one byte; true once the end marker is complete.
    fn push(&mut self, b: u8) -> bool {
        if b == PASTE_END[self.matched] {
            self.matched += 1;
            return self.matched == PASTE_END.len();
        }
        // A near-miss of the marker was content after all.
        let matched = mem::take(&mut self.matched);
        for &m in &PASTE_END[..matched] {
            self.content(m);
        }
        if b == PASTE_END[0] {
            self.matched = 1;
        } else {
            self.content(b);
        }
        false
    }

    fn content(&mut self, b: u8) {
        // CR LF and lone CR become '\n'. Doing this before UTF-8 decoding is
        // safe because CR and LF never occur inside a multi-byte char.
        let b = match b {
            b'\n' if mem::take(&mut self.after_cr) => return,
            b'\r' => {
                self.after_cr = true;
                b'\n'
            }
            _ => {
                self.after_cr = false;
                b
            }
        };
        loop {
            match self.utf8.push(b) {
                Utf8Step::Pending => return,
                Utf8Step::Char(c) => return self.push_char(c),
                Utf8Step::Reject => self.push_char(char::REPLACEMENT_CHARACTER),
            }
        }
    }

    fn push_char(&mut self, c: char) {
        if self.full || self.text.len() + c.len_utf8() > self.limit {
            self.full = true;
            return;
        }
        self.text.push(c);
    }

    fn finish(&mut self) -> String {
        if self.utf8.in_progress() {
            self.utf8 = Utf8::default();
            self.push_char(char::REPLACEMENT_CHARACTER);
        }
        mem::take(&mut self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_chunks(limit: usize, chunks: &[&[u8]]) -> Vec<Input> {
        let mut decoder = Decoder::with_paste_limit(limit);
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk, &mut out);
        }
        out
    }

    /// Decodes `bytes` whole, byte by byte and split at every pair of points,
    /// asserting all agree, and returns the events.
    fn decode_with_limit(limit: usize, bytes: &[u8]) -> Vec<Input> {
        let whole = feed_chunks(limit, &[bytes]);
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(
            feed_chunks(limit, &singles),
            whole,
            "byte by byte: {bytes:?}"
        );
        for i in 0..=bytes.len() {
            for j in i..=bytes.len() {
                let chunks = [&bytes[..i], &bytes[i..j], &bytes[j..]];
                assert_eq!(
                    feed_chunks(limit, &chunks),
                    whole,
                    "split {i},{j}: {bytes:?}"
                );
            }
        }
        whole
    }

    fn decode(bytes: &[u8]) -> Vec<Input> {
        decode_with_limit(DEFAULT_PASTE_LIMIT, bytes)
    }

    /// Like `decode`, then applies the Esc timeout at the end of the input.
    fn decode_flushed(bytes: &[u8]) -> Vec<Input> {
        decode(bytes);
        let mut decoder = Decoder::new();
        let mut out = Vec::new();
        decoder.feed(bytes, &mut out);
        decoder.flush_pending(&mut out);
        assert!(!decoder.has_pending());
        out
    }

    fn key(key: Key) -> Input {
        Input::Key(KeyEvent::plain(key))
    }

    fn ch(c: char) -> Input {
        key(Key::Char(c))
    }

    fn chars(s: &str) -> Vec<Input> {
        s.chars().map(ch).collect()
    }

    fn with_mods(key: Key, ctrl: bool, alt: bool, shift: bool) -> Input {
        Input::Key(KeyEvent {
            key,
            mods: Mods { ctrl, alt, shift },
        })
    }

    fn paste(s: &str) -> Input {
        Input::Paste(s.to_owned())
    }

    #[test]
    fn ascii_printables() {
        let all: String = (0x20u8..0x7f).map(char::from).collect();
        assert_eq!(decode(all.as_bytes()), chars(&all));
    }

    #[test]
    fn utf8_multibyte() {
        for s in ["é", "世", "🎉", "👨‍👩‍👧", "aé世🎉z"] {
            assert_eq!(decode(s.as_bytes()), chars(s), "{s}");
        }
    }

    #[test]
    fn zwj_emoji_is_one_char_event_per_scalar() {
        // Grapheme clustering is the UI's job; the ZWJ is passed through.
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(decode(family.as_bytes()).len(), 5);
    }

    #[test]
    fn invalid_utf8_matches_lossy_decoding() {
        let cases: [&[u8]; 9] = [
            b"\xff",
            b"\xc3a",
            b"\xe0\x80\x80",
            b"\xed\xa0\x80",
            b"\xc0\xaf",
            b"\xf0\x9f\x8ex",
            b"\x80\x80",
            b"\xf4\x90\x80\x80",
            b"a\xe4\xb8\xe4\xb8\x96b",
        ];
        for bytes in cases {
            let expected = chars(&String::from_utf8_lossy(bytes));
            assert_eq!(decode(bytes), expected, "{bytes:?}");
        }
    }

    #[test]
    fn invalid_utf8_before_escape_keeps_the_escape() {
        assert_eq!(decode(b"\xe4\x1b[A"), vec![ch('\u{fffd}'), key(Key::Up)]);
    }

    #[test]
    fn c1_controls_are_dropped() {
        assert_eq!(decode("a\u{85}b".as_bytes()), chars("ab"));
    }

    #[test]
    fn control_bytes() {
        let expected = [
            (0x00, KeyEvent::ctrl(' ')),
            (0x01, KeyEvent::ctrl('a')),
            (0x03, KeyEvent::ctrl('c')),
            (0x07, KeyEvent::ctrl('g')),
            (0x08, KeyEvent::plain(Key::Backspace)),
            (0x09, KeyEvent::plain(Key::Tab)),
            (0x0a, KeyEvent::plain(Key::Enter)),
            (0x0b, KeyEvent::ctrl('k')),
            (0x0c, KeyEvent::ctrl('l')),
            (0x0d, KeyEvent::plain(Key::Enter)),
            (0x0e, KeyEvent::ctrl('n')),
            (0x1a, KeyEvent::ctrl('z')),
            (0x1c, KeyEvent::ctrl('\\')),
            (0x1d, KeyEvent::ctrl(']')),
            (0x1e, KeyEvent::ctrl('^')),
            (0x1f, KeyEvent::ctrl('_')),
            (0x7f, KeyEvent::plain(Key::Backspace)),
        ];
        for (byte, event) in expected {
            assert_eq!(decode(&[byte]), vec![Input::Key(event)], "{byte:#04x}");
        }
    }

    #[test]
    fn every_ctrl_letter() {
        for b in 0x01u8..=0x1a {
            if matches!(b, 0x08 | 0x09 | 0x0a | 0x0d) {
                continue;
            }
            let letter = char::from(b'a' + b - 1);
            assert_eq!(decode(&[b]), vec![Input::Key(KeyEvent::ctrl(letter))]);
        }
    }

    #[test]
    fn newlines() {
        let enter = key(Key::Enter);
        assert_eq!(decode(b"\r\n"), vec![enter.clone()]);
        assert_eq!(decode(b"\n"), vec![enter.clone()]);
        assert_eq!(decode(b"\r\r"), vec![enter.clone(), enter.clone()]);
        assert_eq!(decode(b"\n\r"), vec![enter.clone(), enter.clone()]);
        assert_eq!(decode(b"\r\n\n"), vec![enter.clone(), enter.clone()]);
        assert_eq!(decode(b"a\r\nb"), vec![ch('a'), enter, ch('b')]);
    }

    #[test]
    fn csi_and_ss3_cursor_keys() {
        let cases: [(&[u8], Key); 12] = [
            (b"\x1b[A", Key::Up),
            (b"\x1b[B", Key::Down),
            (b"\x1b[C", Key::Right),
            (b"\x1b[D", Key::Left),
            (b"\x1b[H", Key::Home),
            (b"\x1b[F", Key::End),
            (b"\x1bOA", Key::Up),
            (b"\x1bOB", Key::Down),
            (b"\x1bOC", Key::Right),
            (b"\x1bOD", Key::Left),
            (b"\x1bOH", Key::Home),
            (b"\x1bOF", Key::End),
        ];
        for (bytes, expected) in cases {
            assert_eq!(decode(bytes), vec![key(expected)], "{bytes:?}");
        }
    }

    #[test]
    fn tilde_keys() {
        let cases: [(&str, Key); 9] = [
            ("1", Key::Home),
            ("7", Key::Home),
            ("2", Key::Insert),
            ("3", Key::Delete),
            ("4", Key::End),
            ("8", Key::End),
            ("5", Key::PageUp),
            ("6", Key::PageDown),
            ("11", Key::F(1)),
        ];
        for (code, expected) in cases {
            let bytes = format!("\x1b[{code}~");
            assert_eq!(decode(bytes.as_bytes()), vec![key(expected)], "{code}");
        }
    }

    #[test]
    fn function_keys() {
        let codes = [11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 23, 24];
        for (n, code) in (1u8..).zip(codes) {
            let bytes = format!("\x1b[{code}~");
            assert_eq!(decode(bytes.as_bytes()), vec![key(Key::F(n))]);
        }
        for (n, last) in (1u8..).zip(*b"PQRS") {
            assert_eq!(decode(&[ESC, b'O', last]), vec![key(Key::F(n))]);
        }
        assert_eq!(decode(b"\x1b[16~\x1b[22~\x1b[99~"), vec![]);
    }

    #[test]
    fn xterm_modifiers() {
        let cases: [(&[u8], Input); 8] = [
            (b"\x1b[1;5A", with_mods(Key::Up, true, false, false)),
            (b"\x1b[1;2B", with_mods(Key::Down, false, false, true)),
            (b"\x1b[1;3C", with_mods(Key::Right, false, true, false)),
            (b"\x1b[1;8D", with_mods(Key::Left, true, true, true)),
            (b"\x1b[;5H", with_mods(Key::Home, true, false, false)),
            (b"\x1b[3;5~", with_mods(Key::Delete, true, false, false)),
            (b"\x1b[6;2~", with_mods(Key::PageDown, false, false, true)),
            (b"\x1b[1;2P", with_mods(Key::F(1), false, false, true)),
        ];
        for (bytes, expected) in cases {
            assert_eq!(decode(bytes), vec![expected], "{bytes:?}");
        }
    }

    #[test]
    fn shift_tab() {
        assert_eq!(decode(b"\x1b[Z"), vec![key(Key::BackTab)]);
    }

    #[test]
    fn alt_keys() {
        let alt = |k| Input::Key(KeyEvent::alt(k));
        assert_eq!(decode(b"\x1bx"), vec![alt(Key::Char('x'))]);
        assert_eq!(decode(b"\x1bX"), vec![alt(Key::Char('X'))]);
        assert_eq!(decode("\x1bé".as_bytes()), vec![alt(Key::Char('é'))]);
        assert_eq!(decode(b"\x1b\x7f"), vec![alt(Key::Backspace)]);
        assert_eq!(decode(b"\x1b\r\n"), vec![alt(Key::Enter)]);
        assert_eq!(
            decode(b"\x1b\x01"),
            vec![with_mods(Key::Char('a'), true, true, false)]
        );
        assert_eq!(decode(b"\x1bxy"), vec![alt(Key::Char('x')), ch('y')]);
    }

    #[test]
    fn double_escape_is_esc_then_pending_esc() {
        let mut decoder = Decoder::new();
        let mut out = Vec::new();
        decoder.feed(b"\x1b\x1b", &mut out);
        assert_eq!(out, vec![key(Key::Esc)]);
        assert!(decoder.has_pending());
        assert_eq!(
            decode_flushed(b"\x1b\x1b"),
            vec![key(Key::Esc), key(Key::Esc)]
        );
        assert_eq!(decode(b"\x1b\x1b[A"), vec![key(Key::Esc), key(Key::Up)]);
    }

    #[test]
    fn lone_escape_waits_for_flush() {
        let mut decoder = Decoder::new();
        let mut out = Vec::new();
        decoder.feed(b"\x1b", &mut out);
        assert!(out.is_empty());
        assert!(decoder.has_pending());
        decoder.flush_pending(&mut out);
        assert_eq!(out, vec![key(Key::Esc)]);
        assert!(!decoder.has_pending());
        decoder.flush_pending(&mut out);
        assert_eq!(out.len(), 1, "flushing twice must not repeat the Esc");
        decoder.feed(b"a", &mut out);
        assert_eq!(out, vec![key(Key::Esc), ch('a')]);
    }

    #[test]
    fn flushing_incomplete_sequences() {
        let alt = |c| Input::Key(KeyEvent::alt(Key::Char(c)));
        assert_eq!(decode_flushed(b"\x1b["), vec![alt('[')]);
        assert_eq!(decode_flushed(b"\x1b[1;"), vec![alt('['), ch('1'), ch(';')]);
        assert_eq!(decode_flushed(b"\x1bO"), vec![alt('O')]);
        assert_eq!(decode_flushed(b"a\xe4\xb8"), vec![ch('a')]);
        assert_eq!(decode_flushed(b"\x1b\xe4\xb8"), vec![key(Key::Esc)]);
        assert_eq!(decode_flushed(b"\x1b[M a"), vec![]);
    }

    #[test]
    fn pending_only_while_incomplete() {
        let mut decoder = Decoder::new();
        let mut out = Vec::new();
        for (bytes, pending) in [
            (&b"a"[..], false),
            (b"\xe4", true),
            (b"\xb8\x96", false),
            (b"\x1b[1", true),
            (b";5A", false),
            (b"\x1b[200~abc\x1b", false),
            (b"[201~", false),
        ] {
            decoder.feed(bytes, &mut out);
            assert_eq!(decoder.has_pending(), pending, "after {bytes:?}");
        }
    }

    #[test]
    fn paste_basic() {
        assert_eq!(
            decode(b"\x1b[200~hello \xe4\xb8\x96\x1b[201~x"),
            vec![paste("hello 世"), ch('x')]
        );
        assert_eq!(decode(b"\x1b[200~\x1b[201~"), vec![paste("")]);
    }

    #[test]
    fn paste_keeps_escapes_and_normalizes_newlines() {
        let bytes = b"\x1b[200~a\r\nb\rc\nd\x1b[A\x1b[20x\x1b\x1b[201~";
        assert_eq!(decode(bytes), vec![paste("a\nb\nc\nd\x1b[A\x1b[20x\x1b")]);
        assert_eq!(decode(b"\x1b[200~\r\r\n\n\x1b[201~"), vec![paste("\n\n\n")]);
    }

    #[test]
    fn paste_end_marker_split_across_feeds() {
        let out = feed_chunks(
            DEFAULT_PASTE_LIMIT,
            &[b"\x1b[20", b"0~ab", b"c\x1b", b"[2", b"01", b"~", b"z"],
        );
        assert_eq!(out, vec![paste("abc"), ch('z')]);
    }

    #[test]
    fn paste_invalid_utf8() {
        assert_eq!(
            decode(b"\x1b[200~a\xffb\xe4\xb8\x1b[201~"),
            vec![paste("a\u{fffd}b\u{fffd}")]
        );
    }

    #[test]
    fn paste_truncated_at_char_boundary() {
        let bytes = "\x1b[200~abcdéfgh\x1b[201~!".as_bytes();
        assert_eq!(decode_with_limit(5, bytes), vec![paste("abcd"), ch('!')]);
        assert_eq!(decode_with_limit(6, bytes), vec![paste("abcdé"), ch('!')]);
        assert_eq!(decode_with_limit(0, bytes), vec![paste(""), ch('!')]);
    }

    #[test]
    fn endless_paste_stays_bounded() {
        let mut decoder = Decoder::with_paste_limit(1000);
        let mut out = Vec::new();
        decoder.feed(b"\x1b[200~", &mut out);
        let chunk = "x\r\n世".repeat(10_000);
        for _ in 0..20 {
            decoder.feed(chunk.as_bytes(), &mut out);
        }
        let State::Paste(open) = &decoder.state else {
            panic!("paste should still be open");
        };
        assert!(open.text.capacity() <= 2048);
        decoder.feed(b"\x1b[201~", &mut out);
        let [Input::Paste(text)] = out.as_slice() else {
            panic!("expected one paste, got {out:?}");
        };
        assert!(text.len() <= 1000 && text.len() > 990);
        assert!(text.starts_with("x\n世x\n世"));
    }

    #[test]
    fn stray_paste_end_is_swallowed() {
        assert_eq!(decode(b"\x1b[201~a"), vec![ch('a')]);
    }

    #[test]
    fn unknown_csi_is_swallowed_whole() {
        assert_eq!(decode(b"\x1b[?1;2ca"), vec![ch('a')]);
        assert_eq!(decode(b"\x1b[1;2;3Aa"), vec![ch('a')]);
        assert_eq!(decode(b"\x1b[1:2Aa"), vec![ch('a')]);
        assert_eq!(decode(b"\x1b[ qa"), vec![ch('a')]);
        assert_eq!(decode(b"\x1b[99999999999~a"), vec![ch('a')]);
        assert_eq!(decode(b"\x1bOxa"), vec![ch('a')]);
    }

    #[test]
    fn overlong_csi_resyncs_with_bounded_memory() {
        let mut bytes = b"\x1b[".to_vec();
        bytes.extend(std::iter::repeat_n(b'1', 300));
        bytes.extend(b"Ab\x1b[A");
        assert_eq!(decode(&bytes), vec![ch('b'), key(Key::Up)]);

        let mut decoder = Decoder::new();
        let mut out = Vec::new();
        decoder.feed(b"\x1b[", &mut out);
        for _ in 0..10_000 {
            decoder.feed(b"1;", &mut out);
        }
        assert!(decoder.csi.capacity() <= 2 * CSI_MAX);
        decoder.feed(b"~q", &mut out);
        assert_eq!(out, vec![ch('q')]);
    }

    #[test]
    fn control_byte_aborts_sequence() {
        assert_eq!(decode(b"\x1b[1\x1b[A"), vec![key(Key::Up)]);
        assert_eq!(decode(b"\x1b[1\rx"), vec![key(Key::Enter), ch('x')]);
        let alt_o = Input::Key(KeyEvent::alt(Key::Char('O')));
        assert_eq!(
            decode(b"\x1bO\x03"),
            vec![alt_o, Input::Key(KeyEvent::ctrl('c'))]
        );
    }

    #[test]
    fn mouse_and_focus_reports_are_swallowed() {
        let cases: [&[u8]; 5] = [
            b"\x1b[<0;10;20Mq",
            b"\x1b[<0;10;20mq",
            b"\x1b[M !\xffq",
            b"\x1b[Iq",
            b"\x1b[Oq",
        ];
        for bytes in cases {
            assert_eq!(decode(bytes), vec![ch('q')], "{bytes:?}");
        }
    }

    #[test]
    fn mixed_stream() {
        let bytes = "hi\x1b[1;5A\x1bx世\r\n\x1b[200~p\r\x1b[201~\x7f".as_bytes();
        assert_eq!(
            decode(bytes),
            vec![
                ch('h'),
                ch('i'),
                with_mods(Key::Up, true, false, false),
                Input::Key(KeyEvent::alt(Key::Char('x'))),
                ch('世'),
                key(Key::Enter),
                paste("p\n"),
                key(Key::Backspace),
            ]
        );
    }

    #[test]
    fn default_matches_new() {
        let mut out = Vec::new();
        Decoder::default().feed(b"\x1b[A", &mut out);
        assert_eq!(out, vec![key(Key::Up)]);
        assert!(!Decoder::default().has_pending());
    }
}
