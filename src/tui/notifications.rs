//! The Notifications screen: who mentioned, replied, favourited, boosted or followed,
//! newest first, each with a one-line excerpt of the post concerned; several people's
//! favourites (or boosts) of one post are one entry. Opening it marks them read.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::camp::NotificationView;
use crate::camp::notification_groups::{self, NotificationGroup};
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
    /// Loaded notifications as entries, newest first.
    pub items: Vec<NotificationGroup>,
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
        let items = items.into_iter().map(Arc::unwrap_or_clone).collect();
        match before {
            None => {
                self.items = notification_groups::group(items);
                self.selected = 0;
                self.top = 0;
            }
            Some(_) => notification_groups::append_older(&mut self.items, items),
        }
    }

    /// Loading failed.
    pub fn failed(&mut self, e: String) {
        self.loading = false;
        self.error = Some(e);
    }

    /// A live notification goes on top (joining its group, which moves up); the
    /// selection stays on the entry it was on.
    pub fn insert_new(&mut self, n: Arc<NotificationView>) {
        let key = |g: &NotificationGroup| g.newest.notification.id;
        let selected = self.items.get(self.selected).map(key);
        if !notification_groups::insert_newest(&mut self.items, Arc::unwrap_or_clone(n)) {
            return;
        }
        // On the newest entry the cursor stays on top; elsewhere it follows its entry
        // (a joined group is now the newest, on top).
        if self.selected == 0 {
            return;
        }
        let now = selected
            .and_then(|sel| self.items.iter().position(|g| key(g) == sel))
            .unwrap_or(0);
        self.top = (self.top + now).saturating_sub(self.selected);
        self.selected = now;
    }

    /// The entry under the cursor.
    pub fn selected_entry(&self) -> Option<&NotificationGroup> {
        self.items.get(self.selected)
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
                before: self.items.iter().map(|g| g.oldest_id).min(),
            }];
        }
        vec![]
    }

    fn lines(&self, i: usize, width: usize, now: u64, theme: &Theme) -> Vec<Line<'static>> {
        let g = &self.items[i];
        let n = &g.newest.notification;
        let head = format!(
            "{} · {}",
            g.describe(),
            text::relative_time(now, n.created_ms)
        );
        let mut out = vec![Line::styled(text::truncate(&head, width), theme.name)];
        if let Some(t) = &n.text {
            for l in text::wrap(t, width).into_iter().take(3) {
                out.push(Line::raw(l));
            }
        }
        if let Some(e) = g.excerpt() {
            out.push(Line::styled(text::truncate(&e, width), theme.dim));
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
