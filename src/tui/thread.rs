//! The thread screen (`Enter` on a post): what it answers above, the post, and the
//! replies below, indented by depth. The post keys work on the selected one.

use crate::tui::list_view;
use crate::tui::timeline::CwState;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::camp::{PostView, Thread};
use crate::model::Id;
use crate::tui::input::Key;
use crate::tui::theme::Theme;
use crate::tui::view::post_lines;

/// Keys shown by `?` on this screen.
pub const HELP: &[(&str, &str)] = &[
    ("j/k ↓/↑", "next / previous post"),
    ("g/G", "first / last"),
    ("Enter", "open the selected post's thread"),
    ("r", "reply"),
    ("f", "favourite / undo"),
    ("b", "boost / undo"),
    ("B", "bookmark / undo"),
    ("x", "show/hide a content warning"),
    ("e", "edit your post"),
    ("d", "delete (asks first)"),
    ("p", "the author's profile"),
    ("h", "earlier versions of an edited post"),
    ("i", "image preview (again: next image)"),
    crate::tui::link_picker::POST_KEYS,
    ("Esc/q", "back"),
];

/// Deepest indentation drawn; deeper replies line up at this depth.
const MAX_INDENT: usize = 6;

/// State of one thread screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPage {
    /// The post the thread was opened on.
    pub id: Id,
    /// Posts in reading order with their depth (ancestors and the post at 0).
    pub items: Vec<(usize, Arc<PostView>)>,
    /// Selected item.
    pub selected: usize,
    /// First item drawn.
    pub top: usize,
    /// Loaded at least once.
    pub ready: bool,
    /// Why loading failed.
    pub error: Option<String>,
    /// The image preview shown under one of its posts (`i`).
    pub preview: Option<crate::tui::preview::Shown>,
}

impl ThreadPage {
    /// A thread screen waiting for its posts.
    pub fn new(id: Id) -> Self {
        ThreadPage {
            id,
            items: Vec::new(),
            selected: 0,
            top: 0,
            ready: false,
            error: None,
            preview: None,
        }
    }

    /// The thread arrived (first load or a reload after a reply): keep the selection
    /// on the same post when it is still there, else on the opened post.
    pub fn loaded(&mut self, t: &Thread) {
        let keep = self.selected_post().map(|p| p.post.id);
        self.items = t
            .ancestors
            .iter()
            .map(|p| (0, Arc::new(p.clone())))
            .chain(std::iter::once((0, Arc::new(t.post.clone()))))
            .chain(t.replies.iter().map(|(d, p)| (*d, Arc::new(p.clone()))))
            .collect();
        let focus = t.ancestors.len();
        self.selected = match (self.ready, keep) {
            (true, Some(id)) => self
                .items
                .iter()
                .position(|(_, p)| p.post.id == id)
                .unwrap_or(focus),
            _ => focus,
        };
        if !self.ready {
            self.top = 0;
        }
        self.ready = true;
        self.error = None;
    }

    /// Loading failed.
    pub fn failed(&mut self, e: String) {
        self.error = Some(e);
        self.ready = true;
    }

    /// The selected post.
    pub fn selected_post(&self) -> Option<&Arc<PostView>> {
        self.items.get(self.selected).map(|(_, p)| p)
    }

    /// True when `id` is one of the posts shown.
    pub fn shows(&self, id: Id) -> bool {
        self.id == id || self.items.iter().any(|(_, p)| p.post.id == id)
    }

    /// Moves the selection; true when the key was a movement key.
    pub fn move_key(&mut self, key: Key) -> bool {
        let last = self.items.len().saturating_sub(1);
        match key {
            Key::Char('j') | Key::Down => self.selected = (self.selected + 1).min(last),
            Key::Char('k') | Key::Up => self.selected = self.selected.saturating_sub(1),
            Key::Char('g') | Key::Home => self.selected = 0,
            Key::Char('G') | Key::End => self.selected = last,
            _ => return false,
        }
        true
    }

    /// Updates copies of a changed post.
    pub fn refresh(&mut self, new: &PostView, mine: bool) {
        for (_, p) in self.items.iter_mut() {
            if p.post.id == new.post.id {
                let old = Arc::make_mut(p);
                old.post = new.post.clone();
                // The reply count is the reader's own (replies it may see); events carry none.
                old.stats = crate::model::PostStats {
                    replies: old.stats.replies,
                    ..new.stats
                };
                if mine {
                    old.mine = new.mine;
                }
                crate::tui::poll::merge(old, new, mine);
            }
        }
    }

    /// Takes a deleted post out.
    pub fn remove(&mut self, id: Id) {
        self.items.retain(|(_, p)| p.post.id != id);
        self.selected = self.selected.min(self.items.len().saturating_sub(1));
        self.top = self.top.min(self.selected);
    }

    fn lines(
        &self,
        i: usize,
        width: usize,
        now: u64,
        expanded: &CwState,
        theme: &Theme,
    ) -> Vec<Line<'static>> {
        let (depth, p) = &self.items[i];
        let indent = depth.min(&MAX_INDENT) * 2;
        let focus = p.post.id == self.id;
        // The opened post carries a "● " marker: leave room for it.
        let inner = width
            .saturating_sub(indent + if focus { 2 } else { 0 })
            .max(8);
        let mut out = post_lines(p, inner, now, expanded.contains(&p.post.id), theme);
        // A warning closed again hides the picture with the text.
        let open = p.post.cw.is_none() || expanded.contains(&p.post.id);
        if let Some(shown) = self
            .preview
            .as_ref()
            .filter(|s| open && s.post == p.post.id)
        {
            out.extend(crate::tui::preview::lines(shown, inner, theme));
        }
        if focus && let Some(first) = out.first_mut() {
            first.spans.insert(0, Span::styled("● ", theme.accent));
        }
        if indent > 0 {
            let pad = format!("{}│ ", " ".repeat(indent.saturating_sub(2)));
            for l in out.iter_mut() {
                l.spans.insert(0, Span::styled(pad.clone(), theme.dim));
            }
        }
        out
    }

    /// Draws the thread.
    pub fn render(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        now: u64,
        expanded: &CwState,
        theme: &Theme,
    ) {
        let width = area.width.saturating_sub(2) as usize;
        let rows = area.height as usize;
        if self.error.is_some() || self.items.is_empty() {
            let msg = if self.ready {
                "This post is gone."
            } else {
                "Loading…"
            };
            let line = list_view::placeholder(self.error.as_deref(), msg, theme);
            frame.render_widget(Paragraph::new(line), area);
            return;
        }
        let height = |i| self.lines(i, width, now, expanded, theme).len() + 1;
        let mut top = self.top;
        list_view::scroll_to_fit(&mut top, self.selected, rows, height);
        self.top = top;
        let mut out = Vec::with_capacity(rows);
        let (top, count, selected) = (self.top, self.items.len(), Some(self.selected));
        list_view::push_items(&mut out, top, count, selected, rows, true, theme, |i| {
            self.lines(i, width, now, expanded, theme)
        });
        frame.render_widget(Paragraph::new(out), area);
    }
}
