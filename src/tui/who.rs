//! The Who screen (`w`): campers connected now who chose to be shown, with how long
//! since they last typed. Who is listed is the service's decision
//! ([`crate::camp::presence`]); this screen only draws it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::camp::presence::idle_label;
use crate::camp::{Camp, Present};
use crate::text;
use crate::tui::input::Key;
use crate::tui::list_view;
use crate::tui::theme::Theme;
use crate::tui::{Effect, Msg};

/// Keys shown by `?` on this screen.
pub const HELP: &[(&str, &str)] = &[
    ("j/k ↓/↑", "next / previous"),
    ("Enter", "their profile"),
    ("r", "refresh"),
    ("Esc/q", "back"),
];

/// The footer's key hints.
pub const HINT: &str = "Enter profile · r refresh · Esc back";

/// State of the Who screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WhoPage {
    /// Who is here, least idle first.
    pub rows: Vec<Present>,
    /// Selected row.
    pub selected: usize,
    /// The list arrived.
    pub ready: bool,
    /// Why loading failed.
    pub error: Option<String>,
}

impl WhoPage {
    /// Takes the loaded list (or the refusal).
    pub fn loaded(&mut self, result: Result<Vec<Present>, String>) {
        match result {
            Ok(rows) => {
                self.rows = rows;
                self.ready = true;
                self.error = None;
                self.selected = self.selected.min(self.rows.len().saturating_sub(1));
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// The username under the cursor.
    pub fn selected_name(&self) -> Option<String> {
        self.rows
            .get(self.selected)
            .map(|p| p.author.username.clone())
    }

    /// Moving and refreshing; other keys are the page stack's.
    pub fn on_key(&mut self, key: Key) -> Vec<Effect> {
        let last = self.rows.len().saturating_sub(1);
        match key {
            Key::Char('j') | Key::Down => self.selected = (self.selected + 1).min(last),
            Key::Char('k') | Key::Up => self.selected = self.selected.saturating_sub(1),
            Key::Char('g') | Key::Home => self.selected = 0,
            Key::Char('G') | Key::End => self.selected = last,
            Key::Char('r') => return vec![Effect::LoadWho],
            _ => {}
        }
        vec![]
    }

    fn line(&self, i: usize, width: usize, theme: &Theme) -> Line<'static> {
        let p = &self.rows[i];
        let name = crate::camp::notification_groups::handle(&p.author);
        let idle = format!(" · {}", idle_label(p.idle_ms));
        let display = text::sanitize_line(&p.author.display_name);
        let room = width.saturating_sub(text::width(&name) + text::width(&idle) + 3);
        let mut spans = vec![Span::styled(name, theme.name)];
        if !display.is_empty() && room > 1 {
            spans.push(Span::raw(format!(" ({})", text::truncate(&display, room))));
        }
        spans.push(Span::styled(idle, theme.dim));
        Line::from(spans)
    }

    /// Draws the list.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let width = area.width.saturating_sub(2) as usize;
        if self.error.is_some() || self.rows.is_empty() {
            let msg = if self.ready {
                "Nobody who chose to be shown is here. Settings (s) can show you."
            } else {
                "Loading…"
            };
            let lines: Vec<Line> = match self.error.as_deref() {
                Some(e) => vec![list_view::placeholder(Some(e), msg, theme)],
                None => text::wrap(msg, width.max(1))
                    .into_iter()
                    .map(|l| Line::styled(format!("  {l}"), theme.dim))
                    .collect(),
            };
            frame.render_widget(Paragraph::new(lines), area);
            return;
        }
        let rows = area.height as usize;
        let top = (self.selected + 1).saturating_sub(rows);
        let mut out = Vec::with_capacity(rows);
        let (count, selected) = (self.rows.len(), Some(self.selected));
        list_view::push_items(&mut out, top, count, selected, rows, false, theme, |i| {
            vec![self.line(i, width, theme)]
        });
        frame.render_widget(Paragraph::new(out), area);
    }
}

/// Runs [`Effect::LoadWho`] on the blocking pool.
pub async fn load(camp: &Camp, me: crate::model::Id) -> Option<Msg> {
    let camp = camp.clone();
    tokio::task::spawn_blocking(move || Msg::WhoLoaded(camp.who(me).map_err(|e| e.to_string())))
        .await
        .ok()
}
