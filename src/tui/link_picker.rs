//! `o` (the link picker) and `y` (copy a post's text), on every screen that lists
//! posts. The picker lists a post's links, numbered, each URL whole; choosing one
//! copies it with OSC 52 and shows it whole below, so it can be selected by hand in a
//! terminal without OSC 52. Copies leave through [`Model::alerts`] (bytes sent before
//! the next frame), and only when the session may send them ([`Model::osc_links`]):
//! never to the browser terminal, never when the camper turned them off.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::camp::PostView;
use crate::text::{self, links};
use crate::tui::input::{Input, Key};
use crate::tui::theme::Theme;
use crate::tui::{Effect, Model};

/// The help row for the two post keys (one row: `?` help must fit 40×15).
pub const POST_KEYS: (&str, &str) = ("o / y", "links / copy the text");

/// Keys shown by `?` while the picker is open.
pub const HELP: &[(&str, &str)] = &[
    ("j/k ↓/↑", "next / previous link"),
    ("1-9", "copy that link"),
    ("Enter", "copy the selected link"),
    ("Esc / q", "close"),
];

/// The open link picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkPicker {
    /// The post's links, in order.
    pub links: Vec<String>,
    /// Selected row.
    pub selected: usize,
    /// The link chosen (shown whole below the list).
    pub chosen: Option<usize>,
}

/// Whether the post's text may be acted on: a closed content warning, or a fold by the
/// reader's own filter, hides its links and its text alike.
fn revealed(model: &mut Model, post: &PostView) -> bool {
    let folded = post.post.cw.is_some() || post.filtered.is_some();
    if folded && !model.expanded.contains(&post.post.id) {
        model.flash("open the content warning first (x)", true);
        return false;
    }
    true
}

/// `o` on a post: opens the picker over the screen.
pub fn open(model: &mut Model, post: &Arc<PostView>) -> Vec<Effect> {
    if !revealed(model, post) {
        return vec![];
    }
    let found = links::extract(&post.post.text);
    if found.is_empty() {
        model.flash("this post has no links", true);
        return vec![];
    }
    model.picker = Some(LinkPicker {
        links: found,
        selected: 0,
        chosen: None,
    });
    vec![]
}

/// `y` on a post: copies its text.
pub fn copy_post(model: &mut Model, post: &Arc<PostView>) -> Vec<Effect> {
    if revealed(model, post) {
        copy(model, &post.post.text, "the post's text");
    }
    vec![]
}

/// Sends `text` to the clipboard when the session may, and says what happened.
fn copy(model: &mut Model, text: &str, what: &str) {
    if !model.osc_links() {
        let why = if model.osc_capable {
            "copying is off in Settings (s)"
        } else {
            "this terminal cannot be sent copies"
        };
        model.flash(format!("{why}: select the text by hand"), true);
        return;
    }
    match links::osc52(text) {
        Ok(seq) => {
            model.alerts.extend(seq);
            model.flash(format!("Copied {what}."), false);
        }
        Err(e) => model.flash(format!("not copied: {e}"), true),
    }
}

/// Keys while the picker is open.
pub fn on_input(model: &mut Model, input: Input) -> Vec<Effect> {
    let Input::Key(k) = input else {
        return vec![];
    };
    let Some(p) = model.picker.as_mut() else {
        return vec![];
    };
    let last = p.links.len().saturating_sub(1);
    let choose = match k.key {
        Key::Esc | Key::Char('q') | Key::Char('o') => {
            model.picker = None;
            return vec![];
        }
        Key::Char('?') => {
            model.help = true;
            return vec![];
        }
        Key::Char('j') | Key::Down => {
            p.selected = (p.selected + 1).min(last);
            None
        }
        Key::Char('k') | Key::Up => {
            p.selected = p.selected.saturating_sub(1);
            None
        }
        Key::Enter => Some(p.selected),
        Key::Char(c @ '1'..='9') => Some(c as usize - '1' as usize).filter(|i| *i <= last),
        _ => None,
    };
    if let Some(i) = choose {
        p.selected = i;
        p.chosen = Some(i);
        let url = p.links[i].clone();
        copy(model, &url, &format!("link {}", i + 1));
    }
    vec![]
}

/// Draws the picker over `area`.
pub fn render(frame: &mut Frame, area: Rect, p: &LinkPicker, theme: &Theme) {
    let w = area.width.min(78);
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let link_style = theme
        .accent
        .add_modifier(ratatui::style::Modifier::UNDERLINED);
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    for (i, url) in p.links.iter().enumerate() {
        crate::tui::hyperlinks::note(url);
        let num = format!("{:>2}. ", i + 1);
        let pad = text::width(&num);
        let gutter = if i == p.selected {
            selected_line = lines.len();
            theme.accent
        } else {
            theme.dim
        };
        for (j, piece) in text::wrap(url, inner_w.saturating_sub(pad).max(1))
            .into_iter()
            .enumerate()
        {
            let lead = if j == 0 { num.clone() } else { " ".repeat(pad) };
            lines.push(Line::from(vec![
                Span::styled(lead, gutter),
                Span::styled(piece, link_style),
            ]));
        }
    }
    if let Some(url) = p.chosen.and_then(|i| p.links.get(i)) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "The link, whole (select it to copy):",
            theme.dim,
        ));
        for piece in text::wrap(url, inner_w) {
            lines.push(Line::styled(piece, link_style));
        }
        selected_line = lines.len() - 1;
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let rows = h.saturating_sub(2) as usize;
    let skip = (selected_line + 1).saturating_sub(rows);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Links · 1-9 copy · Esc ", theme.accent));
    let shown: Vec<Line> = lines.into_iter().skip(skip).take(rows).collect();
    frame.render_widget(Paragraph::new(shown).block(block), r);
}
