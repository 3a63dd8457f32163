//! List screens: Bookmarks (`m`), direct Conversations (`D`), posts with a `#tag`,
//! Search (`/`: campers, tags and posts), and the reader's own lists (`L`: pick one,
//! read its timeline). Enter opens what is selected; the post keys work on post rows.

use crate::tui::list_view;
use crate::tui::timeline::CwState;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::camp::{Author, PostView};
use crate::model::Id;
use crate::text;
use crate::tui::editor::Editor;
use crate::tui::input::Key;
use crate::tui::theme::Theme;
use crate::tui::view::post_lines;

/// Keys shown by `?` on list screens.
pub const HELP: &[(&str, &str)] = &[
    ("j/k ↓/↑", "next / previous"),
    ("g/G", "first / last"),
    ("Enter", "open (thread, profile or tag)"),
    ("r f b B", "reply, favourite, boost, bookmark a post"),
    ("x", "show/hide a content warning"),
    ("e / d", "edit / delete your post"),
    ("p / h", "author's profile / earlier versions"),
    crate::tui::link_picker::POST_KEYS,
    ("Esc/q", "back"),
];

/// Keys shown by `?` on the Search screen.
pub const SEARCH_HELP: &[(&str, &str)] = &[
    ("type, Enter", "search campers, #tags and posts"),
    ("↓ / Tab", "from the query to the results"),
    ("/", "back to the query"),
    ("j/k ↓/↑", "next / previous result"),
    ("Enter", "open (thread, profile or tag)"),
    ("r f b B", "reply, favourite, boost, bookmark a post"),
    ("x", "show/hide a content warning"),
    ("e / d", "edit / delete your post"),
    ("p / h", "author's profile / earlier versions"),
    crate::tui::link_picker::POST_KEYS,
    ("Esc", "back (q too, outside the query)"),
];

/// Which list a screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListKind {
    /// Posts the reader bookmarked.
    Bookmarks,
    /// Direct posts grouped by who takes part.
    Direct,
    /// Posts with this tag.
    Tag(String),
    /// Search results.
    Search,
    /// A post's earlier versions.
    Versions(Id),
    /// The reader's lists (`L`).
    Lists,
    /// The timeline of the reader's list with this name.
    Members(String),
}

impl ListKind {
    /// The header title.
    pub fn title(&self) -> &'static str {
        match self {
            ListKind::Bookmarks => "Bookmarks",
            ListKind::Direct => "Direct",
            ListKind::Tag(_) => "Tag",
            ListKind::Search => "Search",
            ListKind::Versions(_) => "Edits",
            ListKind::Lists => "Lists",
            ListKind::Members(_) => "List",
        }
    }
}

/// One row of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A section title (not selectable).
    Heading(String),
    /// A camper (Enter opens the profile).
    Person(Author),
    /// A hashtag with its post count (Enter lists its posts).
    Tag(String, usize),
    /// An account elsewhere, `@user@host` as typed in Search (Enter asks to follow it).
    Remote(String),
    /// A post (Enter opens the thread).
    Post(Arc<PostView>),
    /// A direct conversation: who, how many posts, the newest.
    Conversation {
        /// Everyone else in it.
        with: Vec<Author>,
        /// Posts in it.
        posts: usize,
        /// The newest post.
        last: Arc<PostView>,
    },
    /// One of the reader's lists (Enter reads its timeline).
    MemberList {
        /// Its name.
        name: String,
        /// Whether its members leave Home.
        exclusive: bool,
        /// How many accounts are in it.
        members: usize,
    },
}

impl Row {
    /// The post of a post or conversation row.
    pub fn post(&self) -> Option<&Arc<PostView>> {
        match self {
            Row::Post(p) => Some(p),
            Row::Conversation { last, .. } => Some(last),
            _ => None,
        }
    }
}

/// State of a list screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    /// What it lists.
    pub kind: ListKind,
    /// The search query (Search only).
    pub query: Editor,
    /// The keyboard is in the query field.
    pub typing: bool,
    /// The rows.
    pub rows: Vec<Row>,
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub top: usize,
    /// A result arrived.
    pub ready: bool,
    /// A request is in flight.
    pub loading: bool,
    /// Why loading failed.
    pub error: Option<String>,
}

impl ListPage {
    /// A list screen; Search starts in its query field.
    pub fn new(kind: ListKind) -> Self {
        let typing = kind == ListKind::Search;
        ListPage {
            kind,
            query: Editor::new(false, 400),
            typing,
            rows: Vec::new(),
            selected: 0,
            top: 0,
            ready: false,
            loading: !typing,
            error: None,
        }
    }

    /// Rows arrived.
    pub fn loaded(&mut self, rows: Vec<Row>) {
        self.rows = rows;
        self.ready = true;
        self.loading = false;
        self.error = None;
        self.selected = 0;
        self.top = 0;
        self.skip_headings(1);
    }

    /// Loading failed.
    pub fn failed(&mut self, e: String) {
        self.error = Some(e);
        self.loading = false;
        self.ready = true;
    }

    /// The selected row.
    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }

    fn skip_headings(&mut self, dir: isize) {
        while matches!(self.rows.get(self.selected), Some(Row::Heading(_))) {
            let next = self.selected as isize + dir;
            if next < 0 || next as usize >= self.rows.len() {
                break;
            }
            self.selected = next as usize;
        }
    }

    /// Movement keys; true when handled.
    pub fn move_key(&mut self, key: Key) -> bool {
        let last = self.rows.len().saturating_sub(1);
        let dir = match key {
            Key::Char('j') | Key::Down => {
                self.selected = (self.selected + 1).min(last);
                1
            }
            Key::Char('k') | Key::Up => {
                self.selected = self.selected.saturating_sub(1);
                -1
            }
            Key::Char('g') | Key::Home => {
                self.selected = 0;
                1
            }
            Key::Char('G') | Key::End => {
                self.selected = last;
                -1
            }
            _ => return false,
        };
        self.skip_headings(dir);
        self.skip_headings(-dir);
        true
    }

    /// Updates copies of a changed post.
    pub fn refresh(&mut self, new: &PostView, mine: bool) {
        for r in self.rows.iter_mut() {
            let p = match r {
                Row::Post(p) => p,
                Row::Conversation { last, .. } => last,
                _ => continue,
            };
            crate::tui::timeline::refresh_post(std::slice::from_mut(p), new, mine);
        }
    }

    /// Drops a deleted post.
    pub fn remove(&mut self, id: Id) {
        self.rows
            .retain(|r| r.post().is_none_or(|p| p.post.id != id));
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
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
        match &self.rows[i] {
            Row::Heading(h) => vec![Line::styled(text::truncate(h, width), theme.accent)],
            Row::Person(a) => {
                let s = if a.display_name.is_empty() {
                    format!("@{}", a.username)
                } else {
                    format!("{} @{}", a.display_name, a.username)
                };
                vec![Line::styled(text::truncate(&s, width), theme.name)]
            }
            Row::Remote(h) => vec![Line::styled(
                text::truncate(&format!("{h} · Enter asks to follow"), width),
                theme.name,
            )],
            Row::Tag(t, n) => vec![Line::raw(text::truncate(
                &format!("#{t} · {n} post{}", if *n == 1 { "" } else { "s" }),
                width,
            ))],
            Row::MemberList {
                name,
                exclusive,
                members,
            } => {
                let mut l = vec![Span::styled(name.clone(), theme.name)];
                let mut meta = format!(
                    " · {members} member{}",
                    if *members == 1 { "" } else { "s" }
                );
                if *exclusive {
                    meta.push_str(" · exclusive");
                }
                l.push(Span::styled(meta, theme.dim));
                vec![crate::tui::view::truncate_line(Line::from(l), width)]
            }
            Row::Post(p) => {
                let mut l = post_lines(p, width, now, expanded.contains(&p.post.id), theme);
                l.push(Line::raw(""));
                l
            }
            Row::Conversation { with, posts, last } => {
                let names: Vec<String> = with.iter().map(|a| format!("@{}", a.username)).collect();
                let head = format!(
                    "with {} · {posts} post{}",
                    names.join(", "),
                    if *posts == 1 { "" } else { "s" }
                );
                let mut l = vec![Line::styled(text::truncate(&head, width), theme.accent)];
                l.extend(post_lines(
                    last,
                    width,
                    now,
                    expanded.contains(&last.post.id),
                    theme,
                ));
                l.push(Line::raw(""));
                l
            }
        }
    }

    /// Draws the list (and the query field on Search).
    pub fn render(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        now: u64,
        expanded: &CwState,
        theme: &Theme,
    ) {
        let width = area.width.saturating_sub(2) as usize;
        let mut out: Vec<Line> = Vec::new();
        if self.kind == ListKind::Search {
            let prompt = " Search: ";
            let room = width.saturating_sub(text::width(prompt));
            let q = self.query.text();
            let shown = text::truncate(&q, room);
            out.push(Line::from(vec![
                Span::styled(prompt, if self.typing { theme.accent } else { theme.dim }),
                Span::raw(shown),
            ]));
            if self.typing && area.height > 0 {
                let x = area.x as usize
                    + text::width(prompt)
                    + text::width(self.query.before_cursor()).min(room);
                frame.set_cursor_position(Position::new(
                    (x as u16).min(area.right().saturating_sub(1)),
                    area.y,
                ));
            }
            let hint = if self.typing {
                "Enter search · ↓ results · Esc back"
            } else {
                "/ edit the query"
            };
            out.push(Line::styled(text::truncate(hint, width + 2), theme.dim));
        }
        if let ListKind::Tag(t) = &self.kind {
            out.push(Line::styled(
                text::truncate(&format!(" #{t}"), width + 2),
                theme.accent,
            ));
        }
        if let ListKind::Members(name) = &self.kind {
            out.push(Line::styled(
                text::truncate(&format!(" ≡ {name}"), width + 2),
                theme.accent,
            ));
        }
        if let Some(e) = &self.error {
            out.push(Line::styled(text::truncate(e, width + 2), theme.error));
        } else if self.rows.is_empty() {
            let msg = if self.loading {
                "Loading…"
            } else if !self.ready {
                ""
            } else {
                match self.kind {
                    ListKind::Bookmarks => "No bookmarks yet. Press B on a post to keep it here.",
                    ListKind::Direct => "No direct posts yet.",
                    ListKind::Tag(_) => "No posts with this tag.",
                    ListKind::Search => "Nothing found.",
                    ListKind::Versions(_) => "This post was never edited.",
                    ListKind::Lists => {
                        "No lists yet. Make one over ssh: list create NAME [--exclusive], then list add NAME @who."
                    }
                    ListKind::Members(_) => {
                        "Nothing here yet: add people you follow with list add NAME @who."
                    }
                }
            };
            for l in text::wrap(msg, width.max(1)) {
                out.push(Line::styled(format!("  {l}"), theme.dim));
            }
        }
        let rows = (area.height as usize).saturating_sub(out.len());
        if !self.rows.is_empty() {
            let height = |i| self.lines(i, width, now, expanded, theme).len();
            let mut top = self.top;
            list_view::scroll_to_fit(&mut top, self.selected, rows, height);
            self.top = top;
            let selected = (!self.typing).then_some(self.selected);
            let total = area.height as usize;
            list_view::push_items(
                &mut out,
                self.top,
                self.rows.len(),
                selected,
                total,
                false,
                theme,
                |i| self.lines(i, width, now, expanded, theme),
            );
        }
        out.truncate(area.height as usize);
        frame.render_widget(Paragraph::new(out), area);
    }
}
