//! The Notifications screen: who mentioned, replied, favourited, boosted or followed,
//! newest first; opening it marks them read.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::camp::NotificationView;
use crate::model::Id;
use crate::text;
use crate::tui::Effect;
use crate::tui::input::{Input, Key};
use crate::tui::list_view;
use crate::tui::theme::Theme;

/// Keys shown by `?` on this screen.
pub const HELP: &[(&str, &str)] = &[
    ("j/k ↓/↑", "next / previous"),
    ("g/G", "newest / oldest"),
    ("Enter", "open the post's thread"),
    ("p", "who did it: their profile"),
    ("Esc/q", "back"),
];

/// How many notifications to ask for at a time.
const PAGE: usize = 40;

/// State of the Notifications screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationsPage {
    /// Loaded notifications, newest first.
    pub items: Vec<Arc<NotificationView>>,
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub top: usize,
    /// A request is in flight.
    pub loading: bool,
    /// No older ones exist.
    pub at_end: bool,
    /// First page arrived.
    pub ready: bool,
    /// Why loading failed.
    pub error: Option<String>,
}

/// What a notification says, without the actor (the wording is camp's: exec prints it
/// too).
pub use crate::camp::describe_notification as describe;

impl NotificationsPage {
    /// Takes a loaded page (newest replaces, older appends).
    pub fn loaded(&mut self, before: Option<Id>, items: Vec<Arc<NotificationView>>) {
        self.loading = false;
        self.ready = true;
        self.error = None;
        self.at_end = items.len() < PAGE;
        match before {
            None => {
                self.items = items;
                self.selected = 0;
                self.top = 0;
            }
            Some(_) => self.items.extend(items),
        }
    }

    /// Loading failed.
    pub fn failed(&mut self, e: String) {
        self.loading = false;
        self.error = Some(e);
    }

    /// A live notification goes on top; the selection stays on what it was.
    pub fn insert_new(&mut self, n: Arc<NotificationView>) {
        if self
            .items
            .iter()
            .any(|i| i.notification.id == n.notification.id)
        {
            return;
        }
        self.items.insert(0, n);
        if self.selected > 0 {
            self.selected += 1;
            self.top += 1;
        }
    }

    /// Keys.
    pub fn on_input(&mut self, input: Input) -> Vec<Effect> {
        let Input::Key(k) = input else {
            return vec![];
        };
        let last = self.items.len().saturating_sub(1);
        match k.key {
            Key::Char('j') | Key::Down => self.selected = (self.selected + 1).min(last),
            Key::Char('k') | Key::Up => self.selected = self.selected.saturating_sub(1),
            Key::Char('g') | Key::Home => self.selected = 0,
            Key::Char('G') | Key::End => self.selected = last,
            _ => return vec![],
        }
        if self.selected + 3 >= self.items.len() && !self.at_end && !self.loading && self.ready {
            self.loading = true;
            return vec![Effect::LoadNotifications {
                before: self.items.last().map(|i| i.notification.id),
            }];
        }
        vec![]
    }

    fn lines(&self, i: usize, width: usize, now: u64, theme: &Theme) -> Vec<Line<'static>> {
        let v = &self.items[i];
        let n = &v.notification;
        let who = v
            .actor
            .as_ref()
            .map(|a| format!("@{} ", a.username))
            .unwrap_or_default();
        let head = format!(
            "{who}{} · {}",
            describe(n.kind),
            text::relative_time(now, n.created_ms)
        );
        let mut out = vec![Line::styled(text::truncate(&head, width), theme.name)];
        if let Some(t) = &n.text {
            for l in text::wrap(t, width).into_iter().take(3) {
                out.push(Line::raw(l));
            }
        }
        if let Some(p) = &v.post {
            let excerpt = match &p.post.cw {
                _ if p.filtered.is_some() => {
                    format!("Filtered: {}", p.filtered.as_deref().unwrap_or(""))
                }
                Some(cw) => format!("CW: {cw}"),
                None => p.post.text.clone(),
            };
            for l in text::wrap(&excerpt, width).into_iter().take(2) {
                out.push(Line::styled(l, theme.dim));
            }
        }
        out
    }

    /// Draws the list.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, now: u64, theme: &Theme) {
        let width = area.width.saturating_sub(2) as usize;
        let rows = area.height as usize;
        if self.error.is_some() || self.items.is_empty() {
            let msg = if self.ready {
                "No notifications yet."
            } else {
                "Loading…"
            };
            let line = list_view::placeholder(self.error.as_deref(), msg, theme);
            frame.render_widget(Paragraph::new(line), area);
            return;
        }
        let height = |i| self.lines(i, width, now, theme).len() + 1;
        let mut top = self.top;
        list_view::scroll_to_fit(&mut top, self.selected, rows, height);
        self.top = top;
        let mut out = Vec::with_capacity(rows);
        let (top, count, selected) = (self.top, self.items.len(), Some(self.selected));
        list_view::push_items(&mut out, top, count, selected, rows, true, theme, |i| {
            self.lines(i, width, now, theme)
        });
        frame.render_widget(Paragraph::new(out), area);
    }
}
