//! OSC 8 hyperlinks around the cells of a link, written by camp's own code at the
//! backend, never carried by cell text (the screen guard strips any escape a cell
//! holds, see [`crate::tui::guarded_backend`]).
//!
//! How a frame gets its links: whatever draws a link's text (a post's body, the link
//! picker) underlines it and [`note`]s its URL. After the frame is drawn, [`Links::render`]
//! looks for underlined runs in the buffer and keeps those whose text is a noted URL:
//! the whole URL, its head (`https://…`, when it wraps or is cut with `…`) or, on
//! the next row, the rest of a head just found. Anything else underlined (a theme's
//! error style) stays plain. So a link's target is always a URL taken from text on the
//! screen, and its cells show that URL or a piece of it; what sits over a link (a
//! popup) is not underlined and is not a link. [`HyperlinkBackend`] then writes
//! `OSC 8` before the link's cells and the closing sequence after them, with the URL
//! checked once more by [`crate::text::links::osc8_open`].
//!
//! ratatui sends only the cells that changed. A cell whose text stayed while its link
//! changed (or went) is sent again from the list [`Links::render`] prepares, so no
//! stale link survives on the client.
//!
//! The noted URLs live in a thread-local set only while one frame is drawn (drawing is
//! synchronous: no other session's frame can interleave on the thread).

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex};

use ratatui::Frame;
use ratatui::backend::Backend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Position;
use ratatui::style::Modifier;

use crate::text::links::{OSC8_CLOSE, osc8_open};

/// Most URLs one frame may link to (a full screen holds far fewer).
const MAX_NOTED: usize = 256;

thread_local! {
    static NOTED: RefCell<Option<Vec<Arc<str>>>> = const { RefCell::new(None) };
}

/// Remembers `url` as one the frame being drawn shows underlined (a no-op outside
/// [`Links::render`] or when the session sends no hyperlinks).
pub fn note(url: &str) {
    NOTED.with(|n| {
        if let Some(v) = n.borrow_mut().as_mut()
            && v.len() < MAX_NOTED
            && !v.iter().any(|u| &**u == url)
        {
            v.push(url.into());
        }
    });
}

/// Cells `x0..x1` of row `y` link to `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Row.
    pub y: u16,
    /// First column.
    pub x0: u16,
    /// One past the last column.
    pub x1: u16,
    /// Target.
    pub url: Arc<str>,
}

#[derive(Debug, Default)]
struct State {
    /// The links the client has now.
    shown: Vec<Run>,
    /// The next frame's links, and cells to send again because their link changed.
    pending: Option<(Vec<Run>, Vec<Placed>)>,
}

/// A cell and where it goes.
type Placed = (u16, u16, Cell);

/// The links of one session's screen, shared by its draw closure and its backend.
#[derive(Debug, Clone, Default)]
pub struct Links(Arc<Mutex<State>>);

impl Links {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Draws a frame with `draw`, then finds its links (none when `on` is false, so a
    /// camper who turns them off loses the ones shown at the next frame).
    pub fn render(&self, frame: &mut Frame, on: bool, draw: impl FnOnce(&mut Frame)) {
        if on {
            NOTED.with(|n| *n.borrow_mut() = Some(Vec::new()));
        }
        draw(frame);
        let noted = NOTED.with(|n| n.borrow_mut().take()).unwrap_or_default();
        let buffer = frame.buffer_mut();
        let runs = if noted.is_empty() {
            Vec::new()
        } else {
            scan(buffer, &noted)
        };
        let mut st = self.state();
        let area = buffer.area;
        let mut forced = Vec::new();
        let gone = st.shown.iter().filter(|r| !runs.contains(r));
        let new = runs.iter().filter(|r| !st.shown.contains(r));
        for r in gone.chain(new) {
            for x in r.x0..r.x1 {
                // The right half of a wide character is drawn with its left half:
                // sending it alone would blank that half.
                let covered =
                    x > area.left() && crate::text::width(buffer[(x - 1, r.y)].symbol()) > 1;
                if area.contains(Position::new(x, r.y)) && !covered {
                    // These join the cells below the output guard: guard them here.
                    let cell = crate::tui::guarded_backend::guarded(&buffer[(x, r.y)]);
                    forced.push((x, r.y, cell.into_owned()));
                }
            }
        }
        st.pending = Some((runs, forced));
    }

    /// True when the client shows no link: a frame then sends no cell again for a link
    /// that went, so a row without one may be drawn after [`Links::render`] looked.
    pub fn shows_none(&self) -> bool {
        self.state().shown.is_empty()
    }

    /// Rows `rows` were left for the client to keep from column `from` on: they hold
    /// no link there (a row with a link is always drawn, for [`Links::render`] to find
    /// it), and neither does what the client shows there, so no cell of theirs is sent
    /// again for a link that went. (A link that went from such a row moved with its
    /// text when the client scrolled; its cells were left blank in the buffer and must
    /// not be sent.)
    pub fn leave_rows(&self, rows: &[u16], from: u16) {
        if rows.is_empty() {
            return;
        }
        let mut st = self.state();
        if let Some((_, forced)) = st.pending.as_mut() {
            forced.retain(|(x, y, _)| *x < from || !rows.contains(y));
        }
    }

    /// True when the frame drawn sends no link cell again and has no link on any of
    /// `rows`: the link layer then hands the cells drawn on those rows down as they
    /// are, in one run, and writes nothing of its own (links elsewhere on the screen
    /// stay as the client shows them).
    pub fn passes_rows(&self, mut rows: impl Iterator<Item = u16>) -> bool {
        let st = self.state();
        let Some((runs, forced)) = st.pending.as_ref() else {
            return true;
        };
        forced.is_empty() && rows.all(|y| runs.iter().all(|r| r.y != y))
    }

    /// Takes the frame's links as sent when its cells were not written through the
    /// link layer (see [`Links::passes_rows`]): the client now shows the frame's links.
    pub fn sent_around(&self) {
        let mut st = self.state();
        if let Some((runs, forced)) = st.pending.take() {
            debug_assert!(forced.is_empty(), "a link cell to send again was not sent");
            st.shown = runs;
        }
    }

    /// The screen was cleared (a resize): no link is left on it.
    pub fn reset(&self) {
        let mut st = self.state();
        st.shown.clear();
        st.pending = None;
    }
}

/// The underlined runs of `buffer` that show one of `noted`, with their targets.
fn scan(buffer: &Buffer, noted: &[Arc<str>]) -> Vec<Run> {
    let area = buffer.area;
    let mut out = Vec::new();
    // A head found on the row above, and how much of its URL it showed.
    let mut open: Option<(Arc<str>, usize, u16)> = None;
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            if !buffer[(x, y)].modifier.contains(Modifier::UNDERLINED) {
                x += 1;
                continue;
            }
            let x0 = x;
            let mut text = String::new();
            while x < area.right() && buffer[(x, y)].modifier.contains(Modifier::UNDERLINED) {
                text.push_str(buffer[(x, y)].symbol());
                x += 1;
            }
            let (frag, cut) = match text.strip_suffix('…') {
                Some(f) => (f, true),
                None => (text.as_str(), false),
            };
            if frag.is_empty() {
                continue;
            }
            let run = |url: &Arc<str>| Run {
                y,
                x0,
                x1: x,
                url: url.clone(),
            };
            if let Some((url, shown, row)) = open.take()
                && row + 1 == y
                && url[shown..].starts_with(frag)
            {
                out.push(run(&url));
                let shown = shown + frag.len();
                if shown < url.len() && !cut {
                    open = Some((url, shown, y));
                }
                continue;
            }
            if let Some(url) = noted.iter().find(|u| ***u == *frag) {
                out.push(run(url));
            } else if frag.len() >= 8
                && let Some(url) = only_one(noted.iter().filter(|u| u.starts_with(frag)))
            {
                out.push(run(url));
                if !cut {
                    open = Some((url.clone(), frag.len(), y));
                }
            }
        }
    }
    out
}

/// The one item of `it`, or none when it has none or several: the head of a wrapped
/// link that two noted URLs begin with could be either, and a hostile post must not get
/// to choose where another post's link goes.
fn only_one<T>(mut it: impl Iterator<Item = T>) -> Option<T> {
    match (it.next(), it.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// A backend that writes OSC 8 around the cells of the links [`Links`] found, and
/// passes everything else to `B`.
#[derive(Debug)]
pub struct HyperlinkBackend<B> {
    inner: B,
    links: Links,
}

impl<B> HyperlinkBackend<B> {
    /// Wraps `inner`; `links` is the handle the draw closure fills.
    pub fn new(inner: B, links: Links) -> Self {
        HyperlinkBackend { inner, links }
    }

    /// The links this backend writes.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// The wrapped backend, mutably.
    pub fn inner_mut(&mut self) -> &mut B {
        &mut self.inner
    }
}

impl<B: Backend<Error = std::io::Error> + Write> Backend for HyperlinkBackend<B> {
    type Error = std::io::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let pending = {
            let mut st = self.links.state();
            let pending = st.pending.take();
            if let Some((runs, _)) = &pending {
                st.shown = runs.clone();
            }
            pending
        };
        let Some((runs, forced)) = pending.filter(|(r, f)| !r.is_empty() || !f.is_empty()) else {
            return self.inner.draw(content);
        };
        let mut cells: Vec<(u16, u16, &Cell)> = content.collect();
        let before = cells.len();
        for (x, y, c) in &forced {
            if !cells[..before].iter().any(|(cx, cy, _)| cx == x && cy == y) {
                cells.push((*x, *y, c));
            }
        }
        cells.sort_by_key(|(x, y, _)| (*y, *x));
        let link_at = |x: u16, y: u16| {
            runs.iter()
                .find(|r| r.y == y && r.x0 <= x && x < r.x1)
                .map(|r| &r.url)
        };
        let mut start = 0;
        while start < cells.len() {
            let (x, y, _) = cells[start];
            let link = link_at(x, y);
            let mut end = start + 1;
            while end < cells.len() && link_at(cells[end].0, cells[end].1) == link {
                end += 1;
            }
            let open = link.and_then(|u| osc8_open(u));
            if let Some(seq) = &open {
                self.inner.write_all(seq)?;
            }
            self.inner.draw(cells[start..end].iter().copied())?;
            if open.is_some() {
                self.inner.write_all(OSC8_CLOSE)?;
            }
            start = end;
        }
        Ok(())
    }

    crate::tui::guarded_backend::pass_through_backend!();

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.links.reset();
        self.inner.clear()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Backend::flush(&mut self.inner)
    }
}

/// A post's wrapped body lines with its links underlined (in the accent colour) and
/// [`note`]d for this frame; the rest of each line as `plain` draws it. Wrapping
/// breaks long URLs, so each link is followed from line to line.
pub(crate) fn body_lines(
    text: &str,
    lines: &[String],
    theme: &crate::tui::theme::Theme,
    plain: impl Fn(String) -> ratatui::text::Line<'static>,
) -> Vec<ratatui::text::Line<'static>> {
    use ratatui::text::{Line, Span};
    let urls = if text.contains("://") {
        crate::text::links::extract(text)
    } else {
        Vec::new()
    };
    if urls.is_empty() {
        return lines.iter().map(|l| plain(l.clone())).collect();
    }
    let style = theme.accent.add_modifier(Modifier::UNDERLINED);
    let mut next = 0;
    // The link that went past the end of the previous line, and how much of it showed.
    let mut open: Option<(usize, usize)> = None;
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut from = 0;
        if let Some((u, shown)) = open.take() {
            let rest = &urls[u][shown..];
            let common = line
                .bytes()
                .zip(rest.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            if common > 0 {
                ranges.push((0, common));
                from = common;
                if common < rest.len() && common == line.len() {
                    open = Some((u, shown + common));
                }
            }
        }
        while next < urls.len() {
            let url = &urls[next];
            let head = &url[..url.len().min(8)];
            let Some(at) = line[from..].find(head).map(|i| i + from) else {
                break;
            };
            let here = &line[at..];
            if here.starts_with(url.as_str()) {
                ranges.push((at, at + url.len()));
                from = at + url.len();
                next += 1;
            } else if url.starts_with(here) {
                ranges.push((at, line.len()));
                open = Some((next, here.len()));
                next += 1;
                break;
            } else {
                break;
            }
        }
        if ranges.is_empty() {
            out.push(plain(line.clone()));
            continue;
        }
        let mut spans: Vec<Span<'static>> = Vec::new();
        let mut at = 0;
        for (a, b) in ranges {
            if a > at {
                spans.extend(plain(line[at..a].to_string()).spans);
            }
            spans.push(Span::styled(line[a..b].to_string(), style));
            at = b;
        }
        if at < line.len() {
            spans.extend(plain(line[at..].to_string()).spans);
        }
        out.push(Line::from(spans));
    }
    for u in &urls[..next] {
        note(u);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn a_wrapped_head_that_two_urls_begin_with_links_to_neither() {
        let mut b = Buffer::empty(Rect::new(0, 0, 20, 2));
        let underlined = Style::default().add_modifier(Modifier::UNDERLINED);
        b.set_string(0, 0, "https://bank.exampl", underlined);
        b.set_string(0, 1, "e/login", underlined);
        let friend: Arc<str> = "https://bank.example/login".into();
        let evil: Arc<str> = "https://bank.exampl.evil/".into();
        // The attacker's post is drawn above, so its URL is noted first.
        let runs = scan(&b, &[evil.clone(), friend.clone()]);
        assert!(runs.iter().all(|r| r.url != evil), "{runs:?}");
        // With only the friend's URL on screen, head and tail are one link.
        let runs = scan(&b, std::slice::from_ref(&friend));
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert!(runs.iter().all(|r| r.url == friend));
    }
}
