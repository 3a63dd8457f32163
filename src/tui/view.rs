//! Drawing the model. Every string that reaches the screen went through
//! [`crate::text`] when it was stored; widths come from `unicode-width`, and no line is
//! ever wider than its box.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::camp::{PostView, TimelineKind};
use crate::model::Visibility;
use crate::text;
use crate::tui::compose::{Composer, Field, visibility_help};
use crate::tui::lines;
use crate::tui::onboarding::{Onboarding, Step};
use crate::tui::post_cache::PostLinesCache;
use crate::tui::scroll_hint::{GUTTER, Paint, put_post_row};
use crate::tui::theme::Theme;
use crate::tui::timeline::Timeline;
use crate::tui::{Model, Screen};

/// Draws the whole screen for `model` (and scrolls the selection into view). The
/// cells that reach a client pass the last output guard in
/// [`crate::tui::guarded_backend`].
pub fn render(frame: &mut Frame, model: &mut Model) {
    // Every row is drawn: nothing here would draw one left for later.
    model.defer_paint = false;
    render_beside(frame, model, &[]);
}

/// [`render`] for a session's terminal, which says in `client` what its client shows
/// on each row (see [`crate::tui::session_terminal::SessionTerminal::draw`]): rows
/// that show what they go on showing may be left blank. The terminal lends its own
/// list, where the model kept a copy of every frame's.
pub fn render_beside(
    frame: &mut Frame,
    model: &mut Model,
    client: &[Option<crate::tui::scroll_hint::RowKey>],
) {
    model.layout_before = model.timeline_layout.take();
    model.row_keys.clear();
    model
        .row_keys
        .resize(usize::from(frame.area().bottom()), None);
    model.undrawn.clear();
    model.gutter_only.clear();
    model.paints.clear();
    model.scroll_hint = None;
    if !plain_timeline(model) {
        // Something may be drawn over any row, and then no row has a key: leaving one
        // blank would only make the terminal ask for the frame again. Nor may a row be
        // left to draw later, over what was drawn on it since.
        model.drawing = crate::tui::scroll_hint::Drawing::Whole;
        model.defer_paint = false;
    }
    draw(frame, model, client);
    if let Some(before) = model.layout_before.take() {
        model.starts_room = before.starts;
        model.starts_room.clear();
    }
    if model.timeline_layout.is_none() {
        // Something else was drawn over the timeline's rows, or no timeline at all.
        model.row_keys.clear();
        model.scroll_hint = None;
    }
    let picture = crate::tui::preview::may_reserve(model);
    if model.timeline_layout.is_none() || picture {
        // The rows left to draw later are drawn now: a picture reserves cells over
        // them, and without keys the terminal reads every cell.
        for p in model.paints.drain(..) {
            p.apply(frame.buffer_mut());
        }
    }
    // Last, over everything drawn: where a picture goes, if its cells are whole.
    model.gfx.placed = match picture {
        true => {
            let picture = crate::tui::preview::drawn(model);
            crate::tui::graphics::reserve(frame.buffer_mut(), picture)
        }
        false => None,
    };
}

/// Draws a session's frame for its terminal
/// ([`crate::tui::session_terminal::SessionTerminal::draw`] lends `drawing` and
/// `client`), with its links found through `links`. Post rows may be left for the
/// terminal to draw (see [`crate::tui::scroll_hint::Paint`]) while the client shows no
/// link: a link that went is sent again from the cells the frame drew.
pub fn render_session(
    frame: &mut Frame,
    model: &mut Model,
    drawing: crate::tui::scroll_hint::Drawing,
    client: &[Option<crate::tui::scroll_hint::RowKey>],
    links: &crate::tui::hyperlinks::Links,
) {
    model.drawing = drawing;
    model.defer_paint = links.shows_none();
    let osc = model.osc_links();
    links.render(frame, osc, |f| render_beside(f, model, client));
}

/// True when the frame is the main timeline with nothing over it: the frames whose
/// rows keep their keys (see [`render`], which drops them all otherwise).
fn plain_timeline(model: &Model) -> bool {
    matches!(model.screen, Screen::Main)
        && model.pages.is_empty()
        && model.composer.is_none()
        && model.picker.is_none()
        && !model.help
}

fn draw(frame: &mut Frame, model: &mut Model, client: &[Option<crate::tui::scroll_hint::RowKey>]) {
    let theme = model.theme;
    let area = frame.area();
    if area.width < 10 || area.height < 4 {
        frame.render_widget(Paragraph::new("window too small"), area);
        return;
    }
    match &model.screen {
        Screen::Onboarding(o) => render_onboarding(frame, area, model, o, &theme),
        Screen::Main => render_main(frame, area, model, &theme, client),
        Screen::CocUpdate(c) => crate::tui::notices::render_coc(frame, area, model, c, &theme),
    }
    if let Some(p) = &model.picker {
        crate::tui::link_picker::render(frame, area, p, &theme);
    }
    if model.help {
        render_help(frame, area, model, &theme);
    }
    if model.picker.is_some() || model.help {
        // A popup over the timeline does not move with it.
        model.timeline_layout = None;
    }
}

/// The main screen's rows: the header, the announcement (when there is one), the
/// body and the footer, as `Layout::vertical` with lengths 1, 1 or 0, at least 1, and
/// 1 splits an area of 4 rows or more (a test holds them together). Counted here: the
/// layout's solver and cache lookup were a hundredth of a live post's frame.
fn main_areas(area: Rect, banner: bool) -> [Rect; 4] {
    let row = |y: u16, height: u16| Rect::new(area.x, y, area.width, height);
    let banner_rows = u16::from(banner);
    debug_assert!(area.height >= 4, "the main screen needs 4 rows");
    let body_top = area.y + 1 + banner_rows;
    let footer_y = area.bottom().saturating_sub(1);
    [
        row(area.y, 1),
        row(area.y + 1, banner_rows),
        row(body_top, footer_y.saturating_sub(body_top)),
        row(footer_y, 1),
    ]
}

fn render_main(
    frame: &mut Frame,
    area: Rect,
    model: &mut Model,
    theme: &Theme,
    client: &[Option<crate::tui::scroll_hint::RowKey>],
) {
    let [header, banner, body, footer] = main_areas(area, model.announcement.is_some());
    render_header(frame, header, model, theme);
    crate::tui::notices::render_banner(frame, banner, model, theme);
    model.list_rows = body.height;
    if !model.pages.is_empty() {
        crate::tui::pages::render(frame, body, model);
        render_footer(frame, footer, model, theme);
        // A reply or an edit started from a page opens over it.
        if let Some(c) = &model.composer {
            render_composer(frame, body, c, theme);
        }
        return;
    }
    let now = model.now_ms;
    let expanded = &model.expanded;
    let tl = match model.tab {
        TimelineKind::Home => &mut model.home,
        TimelineKind::Camp => &mut model.camp,
    };
    let cache = &mut model.post_lines;
    let mut starts = std::mem::take(&mut model.starts_room);
    let shift = render_timeline(
        frame,
        body,
        tl,
        cache,
        now,
        expanded,
        model.tab,
        theme,
        &mut starts,
        Leave {
            keys: &mut model.row_keys,
            drawing: model.drawing,
            before: model.layout_before.as_ref(),
            client,
            undrawn: &mut model.undrawn,
            gutter_only: &mut model.gutter_only,
            paints: model.defer_paint.then_some(&mut model.paints),
        },
    );
    render_footer(frame, footer, model, theme);
    if let Some(c) = &model.composer {
        render_composer(frame, body, c, theme);
    } else {
        model.scroll_hint = shift;
        model.timeline_layout = Some(crate::tui::scroll_hint::Layout {
            tab: model.tab,
            area: body,
            starts,
        });
    }
}

/// What the header line is made of: while it stays the same, the last frame's line
/// stands and nothing is formatted.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderInputs {
    name: String,
    page: Option<&'static str>,
    tab: TimelineKind,
    unread: usize,
    me: Option<String>,
    width: u16,
    theme: Theme,
}

fn render_header(frame: &mut Frame, area: Rect, model: &mut Model, theme: &Theme) {
    let page = model.pages.last().map(|p| p.title());
    let same = model.header_inputs.as_ref().is_some_and(|h| {
        h.name == model.info.name
            && h.page == page
            && h.tab == model.tab
            && h.unread == model.unread
            && h.me.as_deref() == model.me.as_ref().map(|a| a.username.as_str())
            && h.width == area.width
            && h.theme == *theme
    });
    let line = match model.header_line.current().filter(|_| same) {
        Some(line) => line,
        None => {
            let line = model
                .header_line
                .keep(header_line(area, model, theme), theme.bar);
            model.header_inputs = Some(HeaderInputs {
                name: model.info.name.clone(),
                page,
                tab: model.tab,
                unread: model.unread,
                me: model.me.as_ref().map(|a| a.username.clone()),
                width: area.width,
                theme: *theme,
            });
            line
        }
    };
    put_whole_row(frame, area, line, RowPlace::of(model, Bar::Header));
}

/// The header: the camp's name, the open page, the timeline tabs, the unread badge
/// and who is logged in.
fn header_line(area: Rect, model: &Model, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!(" {} ", text::truncate(&model.info.name, 20)),
        theme.bar.patch(theme.accent),
    )];
    if let Some(page) = model.pages.last() {
        spans.push(Span::styled(
            format!(" {} ", page.title()),
            theme
                .bar
                .patch(theme.accent)
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    for kind in [TimelineKind::Home, TimelineKind::Camp] {
        let label = match kind {
            TimelineKind::Home => " Home ",
            TimelineKind::Camp => " Camp ",
        };
        let style = if kind == model.tab && model.pages.is_empty() {
            theme
                .bar
                .patch(theme.accent)
                .add_modifier(ratatui::style::Modifier::REVERSED)
        } else {
            theme.bar
        };
        spans.push(Span::styled(label, style));
    }
    let left_width: usize = spans.iter().map(|s| text::width(&s.content)).sum();
    if let Some(me) = &model.me {
        let badge = match model.unread {
            0 => String::new(),
            n if n >= crate::camp::UNREAD_CAP => format!("● {}+ ", crate::camp::UNREAD_CAP - 1),
            n => format!("● {n} "),
        };
        let who = format!("{badge}@{} ", me.username);
        let room = (area.width as usize).saturating_sub(left_width);
        if text::width(&who) < room {
            spans.push(Span::styled(
                format!("{:>room$}", who, room = room),
                theme.bar,
            ));
        }
    }
    Line::from(spans)
}

/// Where a memoised whole-row line goes, and what the frame knows of its rows.
struct RowPlace<'a> {
    memo: &'a mut crate::tui::scroll_hint::LineMemo,
    keys: &'a mut [Option<crate::tui::scroll_hint::RowKey>],
    drawing: crate::tui::scroll_hint::Drawing,
    undrawn: &'a mut Vec<u16>,
}

/// The screen's two bars, each a memoised whole-row line.
enum Bar {
    Header,
    Footer,
}

impl<'a> RowPlace<'a> {
    /// Where `bar` goes, in `model`.
    fn of(model: &'a mut Model, bar: Bar) -> Self {
        let memo = match bar {
            Bar::Header => &mut model.header_line,
            Bar::Footer => &mut model.footer_line,
        };
        RowPlace {
            memo,
            keys: &mut model.row_keys,
            drawing: model.drawing,
            undrawn: &mut model.undrawn,
        }
    }
}

/// Draws a memoised line over the row `area` (blank until now) and, when it spans the
/// whole row, says so in the row's key (a later frame with the same allocation need
/// not compare its cells) and copies the cells it drew last time instead of drawing.
/// When the line stands where it stood in the last frame and the frame may leave such
/// rows out, nothing is drawn: the client shows it already (the terminal checks).
fn put_whole_row(
    frame: &mut Frame,
    area: Rect,
    line: std::sync::Arc<(Line<'static>, Style)>,
    place: RowPlace,
) {
    let whole = area.height == 1 && area.x == 0 && area.width == frame.area().width;
    let buf = frame.buffer_mut();
    if !whole || !buf.area.contains(area.as_position()) {
        lines::render(buf, area, std::slice::from_ref(&line.0), line.1);
        return;
    }
    let RowPlace {
        memo,
        keys,
        drawing,
        undrawn,
    } = place;
    let Some(key) = keys.get_mut(usize::from(area.y)) else {
        lines::render(buf, area, std::slice::from_ref(&line.0), line.1);
        return;
    };
    let start = buf.index_of(area.x, area.y);
    let row = start..start + usize::from(area.width);
    match memo.cells(area.width) {
        Some(_) if drawing.may_leave() && memo.at() == Some(area.y) => undrawn.push(area.y),
        Some(cells) => buf.content[row].clone_from_slice(cells),
        None => {
            lines::render(buf, area, std::slice::from_ref(&line.0), line.1);
            memo.drew(&buf.content[row]);
        }
    }
    memo.put_at(area.y);
    *key = Some(crate::tui::scroll_hint::RowKey::Line {
        x: area.x,
        width: area.width,
        line,
    });
}

fn render_footer(frame: &mut Frame, area: Rect, model: &mut Model, theme: &Theme) {
    let width = area.width as usize;
    let (source, style) = match &model.flash {
        Some(f) => (
            f.text.as_str(),
            if f.error { theme.error } else { theme.ok },
        ),
        None => {
            let hints = if model.composer.is_some() {
                "F1 keys · Ctrl-S send · Tab field · Esc cancel"
            } else if let Some(page) = model.pages.last() {
                page.hint()
            } else {
                "j/k move · Enter thread · r reply · f fav · b boost · c post · ? help · q quit"
            };
            (hints, theme.dim)
        }
    };
    // The footer is cut and built again only when its text, style or width changed.
    let same = model
        .footer_inputs
        .as_ref()
        .is_some_and(|(text, s, w)| text == source && *s == style && *w == area.width);
    let line = match model.footer_line.current().filter(|_| same) {
        Some(line) => line,
        None => {
            let cut = Line::styled(text::truncate(source, width), style);
            let line = model.footer_line.keep(cut, Style::default());
            model.footer_inputs = Some((source.to_string(), style, area.width));
            line
        }
    };
    put_whole_row(frame, area, line, RowPlace::of(model, Bar::Footer));
}

/// The lines one post takes at `width` (without the selection gutter): who boosted
/// it, the author and time, the warning or the text, and its counts when any.
pub(crate) fn post_lines(
    p: &PostView,
    width: usize,
    now: u64,
    open: bool,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(b) = &p.boosted_by {
        lines.push(Line::styled(
            text::truncate(&format!("⟳ @{} boosted", b.username), width),
            theme.dim,
        ));
    }
    let a = &p.author;
    let mut head = Vec::new();
    let mut used = 0;
    if !a.display_name.is_empty() {
        let name = text::truncate(&a.display_name, width.saturating_sub(12) / 2);
        used += text::width(&name) + 1;
        head.push(Span::styled(name, theme.name));
        head.push(Span::raw(" "));
    }
    let handle = format!("@{}", a.username);
    let handle_style = if a.display_name.is_empty() {
        theme.name
    } else {
        theme.dim
    };
    let mut meta = format!(" · {}", text::relative_time(now, p.post.created_ms));
    if p.post.visibility != Visibility::Camp {
        meta.push_str(&format!(" · {}", p.post.visibility.as_str()));
    }
    if p.post.edited_ms.is_some() {
        meta.push_str(" · edited");
    }
    let handle = text::truncate(
        &handle,
        width.saturating_sub(used + text::width(&meta)).max(1),
    );
    head.push(Span::styled(handle, handle_style));
    head.push(Span::styled(meta, theme.dim));
    lines.push(truncate_line(Line::from(head), width));
    // A reader's warn filter folds the whole post (its warning too) under the word.
    if let Some(word) = &p.filtered {
        let hint = if open { " (x to fold)" } else { " (x to show)" };
        for l in text::wrap(&format!("Filtered: {word}{hint}"), width) {
            lines.push(Line::styled(l, theme.dim));
        }
        if !open {
            return lines;
        }
    }
    let show_body = match &p.post.cw {
        Some(cw) if p.filtered.is_some() => {
            for l in text::wrap(&format!("CW: {cw}"), width) {
                lines.push(Line::styled(l, theme.warn));
            }
            true
        }
        Some(cw) => {
            let hint = if open { " (x to hide)" } else { " (x to show)" };
            for l in text::wrap(&format!("CW: {cw}{hint}"), width) {
                lines.push(Line::styled(l, theme.warn));
            }
            open
        }
        None => true,
    };
    if show_body {
        let body = text::wrap_shared(&p.post.text, width);
        lines.extend(crate::tui::hyperlinks::body_lines(
            &p.post.text,
            &body,
            theme,
            |l| highlight(l, theme),
        ));
        if let Some(poll) = &p.poll {
            lines.extend(crate::tui::poll::lines(poll, width, now, theme));
        }
    }
    let (s, m) = (p.stats, p.mine);
    if s.replies + s.favourites + s.boosts > 0 || m.favourited || m.boosted || m.bookmarked {
        let mark = |on: bool| if on { theme.accent } else { theme.dim };
        let mut spans = vec![
            Span::styled(format!("↩ {}  ", s.replies), theme.dim),
            Span::styled(format!("★ {}  ", s.favourites), mark(m.favourited)),
            Span::styled(format!("⟳ {}", s.boosts), mark(m.boosted)),
        ];
        if m.bookmarked {
            spans.push(Span::styled("  ⚑ saved", theme.accent));
        }
        lines.push(truncate_line(Line::from(spans), width));
    }
    lines
}

/// A line of post text with `@mentions` and `#tags` in the accent colour.
pub(crate) fn highlight(line: String, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    let mut plain = String::new();
    let mut token = String::new();
    let mut prev: Option<char> = None;
    for c in line.chars() {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        if !token.is_empty() {
            if word(c) {
                token.push(c);
                prev = Some(c);
                continue;
            }
            if token.chars().count() > 1 {
                spans.push(Span::raw(std::mem::take(&mut plain)));
                spans.push(Span::styled(std::mem::take(&mut token), theme.accent));
            } else {
                plain.push_str(&std::mem::take(&mut token));
            }
        }
        if (c == '@' || c == '#') && !prev.is_some_and(word) {
            token.push(c);
        } else {
            plain.push(c);
        }
        prev = Some(c);
    }
    if token.chars().count() > 1 {
        spans.push(Span::raw(plain));
        spans.push(Span::styled(token, theme.accent));
    } else {
        plain.push_str(&token);
        spans.push(Span::raw(plain));
    }
    spans.retain(|s| !s.content.is_empty());
    Line::from(spans)
}

/// Cuts a line of spans to `width` columns.
pub(crate) fn truncate_line(line: Line<'static>, width: usize) -> Line<'static> {
    let mut left = width;
    let mut spans = Vec::new();
    for s in line.spans {
        if left == 0 {
            break;
        }
        let t = text::truncate(&s.content, left);
        left = left.saturating_sub(text::width(&t));
        spans.push(Span::styled(t, s.style));
    }
    Line::from(spans)
}

#[allow(clippy::too_many_arguments)]
fn render_timeline(
    frame: &mut Frame,
    area: Rect,
    tl: &mut Timeline,
    cache: &mut PostLinesCache,
    now: u64,
    expanded: &crate::tui::timeline::CwState,
    kind: TimelineKind,
    theme: &Theme,
    starts: &mut Vec<(crate::model::Id, u16)>,
    leave: Leave,
) -> Option<crate::tui::scroll_hint::Shift> {
    let Leave {
        keys,
        drawing,
        before,
        client,
        undrawn,
        gutter_only,
        mut paints,
    } = leave;
    let width = area.width.saturating_sub(2) as usize;
    let rows = area.height as usize;
    if tl.posts.is_empty() {
        let msg = if !tl.loaded {
            "Loading…"
        } else {
            match kind {
                TimelineKind::Home if tl.follows_nobody => {
                    "You follow nobody yet, so Home is empty. Press Tab for the Camp timeline, where everyone here posts; p on a post opens its author's profile, where F follows them."
                }
                TimelineKind::Home => {
                    "Nothing here yet. Your posts and the posts of people you follow appear here. Press c to write one."
                }
                TimelineKind::Camp => "The camp is quiet. Press c to write the first post.",
            }
        };
        let lines: Vec<Line> = text::wrap(msg, width.max(1))
            .into_iter()
            .map(|l| Line::styled(l, theme.dim))
            .collect();
        let inner = area.inner(ratatui::layout::Margin::new(1, 1));
        let message = inner.y
            ..inner
                .y
                .saturating_add(lines.len() as u16)
                .min(inner.bottom());
        frame.render_widget(Paragraph::new(lines), inner);
        // Every row is keyed, the message's too: the frame of the first post, which
        // reaches every session at once, is then one that sessions showing the same
        // share (see `SessionTerminal::send`) rather than each working out its own.
        for y in area.y..area.bottom() {
            if let Some(key) = keys.get_mut(usize::from(y)) {
                *key = Some(match message.contains(&y) {
                    true => crate::tui::scroll_hint::RowKey::Message {
                        x: area.x,
                        width: area.width,
                        text: msg,
                        line: y - message.start,
                        style: theme.dim,
                    },
                    false => crate::tui::scroll_hint::RowKey::Blank {
                        x: area.x,
                        width: area.width,
                    },
                });
            }
        }
        return None;
    }
    // The first post the reader had already seen when they last left, if newer ones
    // sit above it: a "new since you left" line goes above it.
    let read_at = tl.read_mark.and_then(|m| {
        tl.posts
            .iter()
            .position(|p| p.entry <= m)
            .filter(|&i| i > 0)
    });
    // Styled lines come from the session's cache: only posts new on screen are styled.
    cache.start_frame(theme);
    let mut height_of = |tl: &Timeline, i: usize| -> usize {
        let p = &tl.posts[i];
        cache
            .styled(p, width, now, expanded.contains(&p.post.id))
            .lines
            .len()
            + 1
            + usize::from(read_at == Some(i))
    };
    let marker_rows = usize::from(tl.unseen > 0);
    // Selection must fit: from `top`, the selected post's first lines must be on screen.
    // Only the posts from just above the top to just below the selection are measured
    // (a timeline may hold thousands).
    let lo = tl.top.saturating_sub(1);
    let hi = (tl.selected + 1).min(tl.posts.len() - 1);
    let heights: Vec<usize> = (lo..=hi).map(|i| height_of(tl, i)).collect();
    let height = |i: usize| {
        i.checked_sub(lo)
            .and_then(|j| heights.get(j))
            .map_or(0, |h| *h)
    };
    tl.scroll_into_view(|top, sel| {
        let used: usize = (top..sel).map(height).sum();
        used + height(sel).min(rows) <= rows.saturating_sub(marker_rows)
    });
    // The rows, and the styled lines of the posts drawn (one each; rows name them by
    // place), in lists this thread's sessions take turns on.
    let (mut out, mut drawn) = TIMELINE_ROWS.take();
    if tl.unseen > 0 {
        let s = if tl.unseen == 1 { "" } else { "s" };
        out.push(Row::Text(Box::new(Line::styled(
            text::truncate(
                &format!("▲ {} new post{s} above · g to jump", tl.unseen),
                area.width as usize,
            ),
            theme.warn.add_modifier(ratatui::style::Modifier::REVERSED),
        ))));
    }
    let mut i = tl.top;
    while out.len() < rows && i < tl.posts.len() {
        let p = &tl.posts[i];
        if read_at == Some(i) {
            out.push(Row::Note("── new since you left ──", theme.warn));
        }
        starts.push((p.entry, out.len() as u16));
        let selected = i == tl.selected;
        let placed = cache.place(p, width, now, expanded.contains(&p.post.id));
        for line in 0..cache.get(placed).lines.len() {
            out.push(Row::Post {
                post: drawn.len(),
                line,
                selected,
            });
        }
        drawn.push(placed);
        out.push(Row::Blank);
        i += 1;
    }
    if i >= tl.posts.len() && out.len() < rows {
        let tail = if tl.loading {
            "  Loading older posts…"
        } else if tl.at_end {
            "  — the beginning —"
        } else {
            ""
        };
        out.push(Row::Note(tail, theme.dim));
    }
    // Rows below the last one drawn stay blank.
    let blank_from = area.y.saturating_add(out.len() as u16).min(area.bottom());
    for y in blank_from..area.bottom() {
        if let Some(key) = keys.get_mut(usize::from(y)) {
            *key = Some(crate::tui::scroll_hint::RowKey::Blank {
                x: area.x,
                width: area.width,
            });
        }
    }
    // The band this frame moves (the terminal scrolls it): a post line that the client
    // then shows where it goes need not be drawn (unless it holds a link, which the
    // link finder must see in the buffer).
    let shift = before.and_then(|b| crate::tui::scroll_hint::shift_to(b, kind, area, starts));
    let moved = shift.filter(|s| s.fits(area.bottom()));
    let shown = |y: u16| {
        let from = crate::tui::scroll_hint::source_of(moved, usize::from(y))?;
        client.get(from)?.as_ref()
    };
    let buf = frame.buffer_mut();
    for (y, row) in (area.y..area.bottom()).zip(&out) {
        let key = keys.get_mut(usize::from(y));
        match row {
            Row::Blank => {
                if let Some(key) = key {
                    *key = Some(crate::tui::scroll_hint::RowKey::Blank {
                        x: area.x,
                        width: area.width,
                    });
                }
            }
            Row::Text(line) => lines::render(
                buf,
                Rect::new(area.x, y, area.width, 1),
                std::slice::from_ref(&**line),
                Style::default(),
            ),
            Row::Note(text, style) => {
                // Each live post moves this row down (the end until posts fill the
                // screen, the reader's mark while it is on it): the client moves it with
                // the band, and its key says it need not be drawn or compared again.
                let now = crate::tui::scroll_hint::RowKey::Note {
                    x: area.x,
                    width: area.width,
                    text,
                    style: *style,
                };
                let kept = key.is_some() && drawing.may_leave() && shown(y) == Some(&now);
                if let Some(key) = key {
                    *key = Some(now);
                }
                if kept {
                    undrawn.push(y);
                    continue;
                }
                lines::render(
                    buf,
                    Rect::new(area.x, y, area.width, 1),
                    &[Line::styled(
                        text::truncate(text, area.width.into()),
                        *style,
                    )],
                    Style::default(),
                );
            }
            Row::Post {
                post,
                line,
                selected,
            } => {
                let styled = cache.get(drawn[*post]);
                let lines = &styled.lines;
                let now = crate::tui::scroll_hint::RowKey::PostLine {
                    x: area.x,
                    width: area.width,
                    id: styled.id,
                    line: *line,
                    selected: *selected,
                };
                // What the client shows there, when the view may leave it: the same
                // line (nothing to draw), or the same line with the other gutter (only
                // the gutter to draw). A line with a link is drawn whole: the link
                // finder must see it in the buffer.
                let link = lines::has_underline(&lines[*line]);
                let kept = (key.is_some() && drawing.may_leave() && !link)
                    .then(|| shown(y).and_then(|was| now.same_from(was)))
                    .flatten();
                let keyed = key.is_some();
                if let Some(key) = key {
                    *key = Some(now);
                }
                if kept == Some(0) {
                    undrawn.push(y);
                    continue;
                }
                let gutter_only_now = kept == Some(area.x.saturating_add(GUTTER));
                if gutter_only_now {
                    gutter_only.push(y);
                }
                let row = Rect::new(area.x, y, area.width, 1);
                match paints.as_deref_mut() {
                    // Left for the terminal, which draws it only if it needs the cells.
                    Some(paints) if keyed && !link => paints.push(Paint {
                        area: row,
                        selected: *selected,
                        accent: theme.accent,
                        line: (!gutter_only_now).then(|| (styled.id, *line, lines.clone())),
                    }),
                    _ => {
                        let line =
                            (!gutter_only_now).then(|| (styled.id, *line, &lines[*line].spans[..]));
                        put_post_row(buf, row, *selected, theme.accent, line);
                    }
                }
            }
        }
    }
    out.clear();
    drawn.clear();
    TIMELINE_ROWS.set((out, drawn));
    shift
}

/// What a timeline's rows say to the session's terminal: each row's key, the post lines
/// left blank because the client shows them where they go (see
/// [`crate::tui::scroll_hint::Hints::undrawn`]), and those of which only the gutter was
/// drawn ([`crate::tui::scroll_hint::Hints::gutter_only`]).
struct Leave<'a> {
    keys: &'a mut [Option<crate::tui::scroll_hint::RowKey>],
    drawing: crate::tui::scroll_hint::Drawing,
    /// Where the last plain timeline frame drew its posts.
    before: Option<&'a crate::tui::scroll_hint::Layout>,
    /// What the client shows (see [`render_beside`]).
    client: &'a [Option<crate::tui::scroll_hint::RowKey>],
    undrawn: &'a mut Vec<u16>,
    gutter_only: &'a mut Vec<u16>,
    /// Where post rows are left for the terminal to draw (see
    /// [`crate::tui::scroll_hint::Paint`]), when it allows that.
    paints: Option<&'a mut Vec<Paint>>,
}

thread_local! {
    /// The rows of the timeline being drawn and the posts they show, kept between
    /// frames for their allocations: sessions take turns on a worker thread, so these
    /// stay in cache instead of being allocated and written afresh for each.
    static TIMELINE_ROWS: std::cell::Cell<(Vec<Row>, Vec<crate::tui::post_cache::Placed>)> =
        const { std::cell::Cell::new((Vec::new(), Vec::new())) };
}

/// One row of a timeline: blank, a line of its own (boxed: rare, and a row list of
/// small rows is cheap to fill), or line `line` of a post's cached lines after the
/// selection gutter.
enum Row {
    Blank,
    Text(Box<Line<'static>>),
    /// A fixed text in one style (the timeline's last row, the reader's mark).
    Note(&'static str, Style),
    Post {
        /// Which of the frame's drawn posts.
        post: usize,
        line: usize,
        selected: bool,
    },
}

fn render_composer(frame: &mut Frame, area: Rect, c: &Composer, theme: &Theme) {
    frame.render_widget(Clear, area);
    let title = if c.sending {
        format!(" {} · sending… ", c.title)
    } else {
        format!(" {} ", c.title)
    };
    let title = text::truncate(&title, area.width.saturating_sub(2) as usize);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme.accent));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width < 4 || inner.height < 4 {
        return;
    }
    let poll_rows = c.poll.as_ref().map_or(0, |p| p.height());
    let [body_area, poll_area, cw_area, vis_area, status_area] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(poll_rows),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let poll_cursor = c
        .poll
        .as_ref()
        .and_then(|p| p.render(frame, poll_area, c.focus == Field::Poll, theme));
    let width = body_area.width as usize;
    // Wrap each editor line; remember where the cursor lands.
    let (crow, _) = c.body.cursor();
    let mut lines: Vec<String> = Vec::new();
    let mut cursor = (0u16, 0u16);
    for (row, l) in c.body.lines().iter().enumerate() {
        let wrapped = text::wrap_hard(l, width.max(1));
        if row == crow {
            let before = text::wrap_hard(c.body.before_cursor(), width.max(1));
            let last = before.last().map(|s| text::width(s)).unwrap_or(0);
            let mut line_in = before.len().saturating_sub(1);
            let mut col = last;
            if col >= width {
                line_in += 1;
                col = 0;
            }
            cursor = ((lines.len() + line_in) as u16, col as u16);
        }
        lines.extend(wrapped);
    }
    let visible = body_area.height as usize;
    let skip = (cursor.0 as usize + 1).saturating_sub(visible);
    let shown: Vec<Line> = lines
        .iter()
        .skip(skip)
        .take(visible)
        .map(|l| Line::raw(l.clone()))
        .collect();
    if c.body.is_blank() && c.focus != Field::Body {
        frame.render_widget(
            Paragraph::new(Line::styled("(empty)", theme.dim)),
            body_area,
        );
    } else {
        frame.render_widget(Paragraph::new(shown), body_area);
    }
    let label = |f: Field, s: &str| {
        if c.focus == f {
            Span::styled(s.to_string(), theme.accent)
        } else {
            Span::styled(s.to_string(), theme.dim)
        }
    };
    let cw_text = text::truncate(&c.cw.text(), (cw_area.width as usize).saturating_sub(5));
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            label(Field::Cw, "CW: "),
            Span::styled(cw_text, theme.warn),
        ])),
        cw_area,
    );
    let vis = format!(
        "◂ {} ▸ {}",
        c.visibility.as_str(),
        visibility_help(c.visibility)
    );
    frame.render_widget(
        Paragraph::new(truncate_line(
            Line::from(vec![label(Field::Visibility, "To: "), Span::raw(vis)]),
            vis_area.width as usize,
        )),
        vis_area,
    );
    let count = c.count();
    let counter = format!("{count}/{}", c.limit);
    let counter_style = if count > c.limit {
        theme.error
    } else {
        theme.dim
    };
    let status: Line = if c.confirm_discard {
        Line::styled(
            "Discard this draft? y = discard, any other key = keep",
            theme.warn,
        )
    } else if let Some(e) = &c.error {
        Line::styled(e.clone(), theme.error)
    } else if !c.suggestions.is_empty() {
        let names: Vec<String> = c.suggestions.iter().map(|n| format!("@{n}")).collect();
        Line::styled(format!("Tab → {}", names.join(" ")), theme.accent)
    } else {
        Line::styled(
            "Ctrl-S send · Tab field · Ctrl-P poll · Esc cancel",
            theme.dim,
        )
    };
    let sw = status_area.width as usize;
    let room = sw.saturating_sub(text::width(&counter) + 1);
    let status = truncate_line(status, room);
    let pad = sw.saturating_sub(status.width() + text::width(&counter));
    let mut spans = status.spans;
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(counter, counter_style));
    frame.render_widget(
        Paragraph::new(truncate_line(Line::from(spans), sw)),
        status_area,
    );
    let pos = match c.focus {
        Field::Body => Position::new(
            body_area.x + cursor.1.min(body_area.width.saturating_sub(1)),
            body_area.y + (cursor.0 - skip as u16).min(body_area.height.saturating_sub(1)),
        ),
        Field::Cw => Position::new(
            (cw_area.x + 4 + text::width(c.cw.before_cursor()) as u16)
                .min(cw_area.right().saturating_sub(1)),
            cw_area.y,
        ),
        Field::Visibility => Position::new(vis_area.x + 4, vis_area.y),
        Field::Poll => poll_cursor.unwrap_or(Position::new(poll_area.x, poll_area.y)),
    };
    if !c.confirm_discard {
        frame.set_cursor_position(pos);
    }
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn render_onboarding(frame: &mut Frame, area: Rect, model: &Model, o: &Onboarding, theme: &Theme) {
    let box_area = centered(area, 72, 22);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" Welcome to {} ", text::truncate(&model.info.name, 40)),
        theme.accent,
    ));
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let para = |lines: &mut Vec<Line>, s: &str, style: Style| {
        for l in text::wrap(s, width.max(1)) {
            lines.push(Line::styled(l, style));
        }
    };
    let mut cursor: Option<Position> = None;
    match o.step {
        Step::Invite | Step::Username => {
            para(&mut lines, &model.info.description, Style::default());
            lines.push(Line::raw(""));
            let (prompt, field, help) = if o.step == Step::Invite {
                (
                    "Invite code: ",
                    &o.code,
                    "This camp is invite-only. Type the code you were given (or a link code from a device already logged in) and press Enter. Esc leaves.",
                )
            } else {
                (
                    "Your name: ",
                    &o.name,
                    "Pick a username: 1–30 of a-z, 0-9 and _. Enter to continue, Esc to go back.",
                )
            };
            para(&mut lines, help, theme.dim);
            lines.push(Line::raw(""));
            let value = field.text();
            let room = width.saturating_sub(text::width(prompt) + 1);
            let shown = text::truncate(&value, room);
            cursor = Some(Position::new(
                inner.x
                    + (text::width(prompt) + text::width(field.before_cursor()).min(room)) as u16,
                inner.y + lines.len() as u16,
            ));
            lines.push(Line::from(vec![
                Span::styled(prompt, theme.accent),
                Span::raw(shown),
            ]));
        }
        Step::Coc => {
            para(
                &mut lines,
                &format!(
                    "Hello @{}. Please read the code of conduct:",
                    o.checked_name
                ),
                theme.accent,
            );
            lines.push(Line::raw(""));
            let coc: Vec<String> = text::wrap(&model.coc, width.max(1));
            let room = (inner.height as usize)
                .saturating_sub(lines.len() + 4)
                .max(1);
            let max_scroll = coc.len().saturating_sub(room);
            let start = (o.coc_scroll as usize).min(max_scroll);
            for l in coc.iter().skip(start).take(room) {
                lines.push(Line::raw(l.clone()));
            }
            lines.push(Line::raw(""));
            let more = if start < max_scroll {
                "j/↓ more · "
            } else {
                ""
            };
            para(
                &mut lines,
                &format!("{more}a accept and join · q leave · Esc back"),
                theme.dim,
            );
        }
    }
    if o.busy {
        lines.push(Line::styled("Checking…", theme.dim));
    }
    if let Some(e) = &o.error {
        lines.push(Line::raw(""));
        para(&mut lines, &format!("✗ {e}"), theme.error);
    }
    lines.truncate(inner.height as usize);
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some(c) = cursor
        && c.y < inner.bottom()
    {
        frame.set_cursor_position(c);
    }
}

/// Keys listed by `?` on each screen: exactly what that screen accepts.
pub fn help_lines(model: &Model) -> Vec<(&'static str, &'static str)> {
    match (&model.screen, model.composer.is_some()) {
        (Screen::Onboarding(o), _) => match o.step {
            Step::Coc => vec![
                ("j/k ↓/↑", "scroll"),
                ("PgDn/PgUp", "scroll a page"),
                ("a", "accept and join"),
                ("Esc", "back to the name"),
                ("q", "leave"),
            ],
            _ => vec![
                ("Enter", "continue"),
                ("←/→ Home/End", "move in the field"),
                ("Backspace", "delete"),
                ("Ctrl-U", "clear the field"),
                ("Esc", "back / leave"),
            ],
        },
        (Screen::Main, true) => vec![
            ("Ctrl-S", "send the post"),
            ("F1", "this help"),
            ("Tab/Shift-Tab", "text → content warning → visibility"),
            ("Tab after @na", "complete a camper's name"),
            ("←/→", "change visibility (in To:)"),
            ("arrows Home/End", "move the cursor"),
            ("Ctrl-W", "delete a word"),
            crate::tui::poll_compose::HELP[0],
            crate::tui::poll_compose::HELP[1],
            crate::tui::poll_compose::HELP[2],
            ("Esc", "cancel (asks first)"),
        ],
        (Screen::Main, false) if model.picker.is_some() => crate::tui::link_picker::HELP.to_vec(),
        (Screen::Main, false) if !model.pages.is_empty() => {
            model.pages.last().map(|p| p.help()).unwrap_or_default()
        }
        (Screen::CocUpdate(_), _) => crate::tui::notices::COC_HELP.to_vec(),
        (Screen::Main, false) => main_help(model),
    }
}

fn main_help(model: &Model) -> Vec<(&'static str, &'static str)> {
    let mut keys = vec![
        ("j/k ↓/↑", "next / previous post"),
        ("PgDn/PgUp", "jump a page"),
        ("g/G", "newest / oldest"),
        ("Tab", "switch Home ⇄ Camp"),
        ("Enter", "open the thread"),
        ("r", "reply"),
        ("f", "favourite / undo"),
        ("b", "boost / undo"),
        ("x", "show/hide warned text"),
        // Paired rows keep a moderator's help within 40×15 (see `render_help`).
        ("e / d", "edit / delete your post"),
        ("p", "the author's profile"),
        ("h", "earlier versions (edits)"),
        crate::tui::link_picker::POST_KEYS,
        ("!", "report to the moderators"),
        ("c", "compose a post"),
        // One row for `n` and `w`: every key must still fit `?` at 40×15.
        ("n / w", "notifications / who's here"),
        ("/", "search people, #tags, posts"),
        ("B / m", "bookmark / bookmarks"),
        crate::tui::poll::HELP,
        // One row for both: room in a moderator's help at 40×15.
        ("D / L", "direct posts / your lists"),
        // One row for both federation keys: a moderator's help must still fit 40×15.
        ("F / R", "follow @user@host / requests"),
        ("s", "settings, keys, theme"),
    ];
    if model.announcement.is_some() {
        keys.push(("a", "dismiss the announcement"));
    }
    if model.me.as_ref().is_some_and(|m| m.role.can_moderate()) {
        keys.push(("M", "moderation"));
    }
    keys.extend([("?", "this help"), ("q", "quit")]);
    keys
}

fn render_help(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let items = help_lines(model);
    // One column when it fits; two side by side when the screen is too short, so every
    // key of the screen is always listed.
    let one_col = items.len() as u16 + 3 <= area.height;
    let cols = if one_col { 1 } else { 2 };
    let per_col = items.len().div_ceil(cols);
    let w = if one_col { 56 } else { 78 };
    let h = (per_col as u16 + 3).min(area.height);
    let r = centered(area, w, h);
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Keys ", theme.accent));
    let inner_w = r.width.saturating_sub(2) as usize;
    let col_w = inner_w / cols;
    let key_w = items.iter().map(|(k, _)| text::width(k)).max().unwrap_or(0);
    let cell = |(k, d): &(&str, &str)| -> Vec<Span<'static>> {
        let kw = (key_w + 1).min(col_w / 2);
        // A space between columns keeps a cut description off the next key.
        let dw = col_w.saturating_sub(kw + 2);
        vec![
            Span::styled(text::fit(k, kw + 1), theme.accent),
            Span::raw(text::fit(d, dw)),
            Span::raw(" "),
        ]
    };
    let mut lines: Vec<Line> = (0..per_col)
        .map(|row| {
            let mut spans = Vec::new();
            for c in 0..cols {
                if let Some(item) = items.get(c * per_col + row) {
                    spans.extend(cell(item));
                }
            }
            truncate_line(Line::from(spans), inner_w)
        })
        .collect();
    lines.push(Line::styled("any key closes", theme.dim));
    frame.render_widget(Paragraph::new(lines).block(block), r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_screens_rows_are_the_ones_its_layout_gives() {
        for (x, y, width) in [(0, 0, 80), (3, 2, 10)] {
            for height in 4..70 {
                for banner in [false, true] {
                    let area = Rect::new(x, y, width, height);
                    let theirs: [Rect; 4] = Layout::vertical([
                        Constraint::Length(1),
                        Constraint::Length(u16::from(banner)),
                        Constraint::Min(1),
                        Constraint::Length(1),
                    ])
                    .areas(area);
                    assert_eq!(
                        main_areas(area, banner),
                        theirs,
                        "{area:?}, banner {banner}"
                    );
                }
            }
        }
    }
}
