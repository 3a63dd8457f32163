//! A camper's profile (`p` on a post): name, bio, joined date, counts, how the reader
//! relates to them (follow, mute, block: changed here) and their recent posts.

use crate::tui::list_view;
use crate::tui::timeline::CwState;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::camp::{PostView, Profile};
use crate::model::Role;
use crate::text;
use crate::tui::input::Key;
use crate::tui::theme::Theme;
use crate::tui::view::post_lines;
use crate::tui::{Effect, RelationAction};

/// Keys shown by `?` on this screen.
pub const HELP: &[(&str, &str)] = &[
    ("j/k ↓/↑", "next / previous post"),
    ("F", "follow / unfollow"),
    ("M", "mute (asks how long) / unmute"),
    ("X", "block (asks first) / unblock"),
    ("!", "report them to the moderators"),
    ("g/G", "newest / oldest post"),
    ("Enter", "open the thread"),
    ("r f b B", "reply, favourite, boost, bookmark"),
    ("x", "show/hide a content warning"),
    ("e / d", "edit / delete your post"),
    ("p / h", "author's profile / earlier versions"),
    crate::tui::link_picker::POST_KEYS,
    ("Esc/q", "back"),
];

/// State of a profile screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilePage {
    /// Whose profile.
    pub name: String,
    /// What was loaded.
    pub profile: Option<Arc<Profile>>,
    /// Their recent posts (kept current on changes).
    pub posts: Vec<Arc<PostView>>,
    /// Selected post.
    pub selected: usize,
    /// Why loading failed.
    pub error: Option<String>,
    /// Asking "block? y/n".
    pub confirm_block: bool,
    /// Asking "mute for how long?".
    pub asking_mute: bool,
}

impl ProfilePage {
    /// A profile screen waiting for its data.
    pub fn new(name: String) -> Self {
        ProfilePage {
            name,
            profile: None,
            posts: Vec::new(),
            selected: 0,
            error: None,
            confirm_block: false,
            asking_mute: false,
        }
    }

    /// The profile arrived.
    pub fn loaded(&mut self, p: Arc<Profile>) {
        self.posts = p.recent.iter().cloned().map(Arc::new).collect();
        self.selected = self.selected.min(self.posts.len().saturating_sub(1));
        self.profile = Some(p);
        self.error = None;
    }

    /// Loading failed.
    pub fn failed(&mut self, e: String) {
        self.error = Some(e);
    }

    /// True for an account on another server (its shadow is named `user@host`): follows
    /// go through the federation bridge, and its counts are only what camp has seen.
    pub fn is_remote(&self) -> bool {
        self.name.trim_start_matches('@').contains('@')
    }

    /// The selected post.
    pub fn selected_post(&self) -> Option<&Arc<PostView>> {
        self.posts.get(self.selected)
    }

    /// Movement and relation keys; None when the key is not one of them.
    pub fn on_key(&mut self, key: Key) -> Option<Vec<Effect>> {
        let last = self.posts.len().saturating_sub(1);
        if self.confirm_block {
            self.confirm_block = false;
            return Some(match key {
                Key::Char('y') | Key::Char('Y') => vec![Effect::Relation {
                    name: self.name.clone(),
                    action: RelationAction::Block,
                }],
                _ => vec![],
            });
        }
        if self.asking_mute {
            self.asking_mute = false;
            let secs = match key {
                Key::Char('h') => Some(Some(3_600)),
                Key::Char('d') => Some(Some(86_400)),
                Key::Char('w') => Some(Some(7 * 86_400)),
                Key::Char('f') => Some(None),
                _ => None,
            };
            return Some(match secs {
                Some(s) => vec![Effect::Relation {
                    name: self.name.clone(),
                    action: RelationAction::Mute(s),
                }],
                None => vec![],
            });
        }
        let p = self.profile.as_ref();
        if p.is_some_and(|p| p.is_me) && matches!(key, Key::Char('F' | 'M' | 'X')) {
            return Some(vec![]);
        }
        let relation = |action| {
            Some(vec![Effect::Relation {
                name: self.name.clone(),
                action,
            }])
        };
        match key {
            Key::Char('j') | Key::Down => self.selected = (self.selected + 1).min(last),
            Key::Char('k') | Key::Up => self.selected = self.selected.saturating_sub(1),
            Key::Char('g') | Key::Home => self.selected = 0,
            Key::Char('G') | Key::End => self.selected = last,
            // Remote accounts are followed by asking their server, as `follow @user@host`.
            Key::Char('F') if self.is_remote() && p.is_some_and(|p| p.followed_by_me) => {
                return Some(vec![Effect::UnfollowRemote(self.name.clone())]);
            }
            Key::Char('F') if self.is_remote() => {
                return Some(vec![Effect::FollowRemote(self.name.clone())]);
            }
            Key::Char('F') if p.is_some_and(|p| p.followed_by_me) => {
                return relation(RelationAction::Unfollow);
            }
            Key::Char('F') => return relation(RelationAction::Follow),
            Key::Char('M') if p.is_some_and(|p| p.muted.is_some()) => {
                return relation(RelationAction::Unmute);
            }
            Key::Char('M') => self.asking_mute = true,
            Key::Char('X') if p.is_some_and(|p| p.blocked) => {
                return relation(RelationAction::Unblock);
            }
            Key::Char('X') => {
                // A block ends follows both ways: ask first.
                self.confirm_block = true;
            }
            _ => return None,
        }
        Some(vec![])
    }

    fn header(&self, p: &Profile, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        let mut head = Vec::new();
        if !p.author.display_name.is_empty() {
            head.push(Span::styled(p.author.display_name.clone(), theme.name));
            head.push(Span::raw(" "));
        }
        head.push(Span::styled(
            format!("@{}", p.author.username),
            theme.accent,
        ));
        if p.role != Role::Camper {
            head.push(Span::styled(format!(" · {}", p.role.as_str()), theme.dim));
        }
        out.push(crate::tui::view::truncate_line(Line::from(head), width));
        for l in text::wrap(&p.bio, width).into_iter().take(4) {
            out.push(Line::raw(l));
        }
        // Camp only knows what reached it of a remote account: say so rather than show
        // its local follower counts as if they were the whole story.
        let counts = if self.is_remote() {
            format!(
                "on another server · first seen here {} · {} posts here",
                text::date(p.joined_ms),
                p.posts
            )
        } else {
            format!(
                "joined {} · {} posts · {} followers · {} following",
                text::date(p.joined_ms),
                p.posts,
                p.followers,
                p.following
            )
        };
        for l in text::wrap(&counts, width) {
            out.push(Line::styled(l, theme.dim));
        }
        let mut rel = Vec::new();
        if self.asking_mute {
            rel.push("Mute for: h an hour · d a day · w a week · f until undone");
        } else if self.confirm_block {
            rel.push("Block them? They will not see your posts; follows end. y = block");
        } else if p.is_me {
            rel.push("this is you (s for settings)");
        } else if p.followed_by_me {
            rel.push("you follow them");
        } else if p.follow_pending {
            rel.push("follow requested; waiting for them to answer");
        } else if self.is_remote() {
            rel.push("F to ask to follow (they decide)");
        } else {
            rel.push("F to follow");
        }
        if p.follows_me {
            rel.push("follows you");
        }
        if p.muted.is_some() {
            rel.push("muted (M to unmute)");
        }
        if p.blocked {
            rel.push("blocked (X to unblock)");
        }
        for l in text::wrap(&rel.join(" · "), width) {
            out.push(Line::styled(l, theme.warn));
        }
        out.push(Line::styled("─".repeat(width), theme.dim));
        out
    }

    /// Draws the profile and the selected part of the post list.
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
        if let Some(e) = &self.error {
            frame.render_widget(Paragraph::new(Line::styled(e.clone(), theme.error)), area);
            return;
        }
        let Some(p) = self.profile.clone() else {
            frame.render_widget(Paragraph::new(Line::styled("  Loading…", theme.dim)), area);
            return;
        };
        let mut out: Vec<Line> = self
            .header(&p, width.max(1), theme)
            .into_iter()
            .map(|l| {
                let mut spans = vec![Span::raw(" ")];
                spans.extend(l.spans);
                Line::from(spans)
            })
            .collect();
        if self.posts.is_empty() {
            out.push(Line::styled("  No posts you can see.", theme.dim));
        }
        // Start the list so the selected post is visible under the header.
        let room = rows.saturating_sub(out.len());
        let height = |i: usize| {
            let v = &self.posts[i];
            post_lines(v, width, now, expanded.contains(&v.post.id), theme).len() + 1
        };
        let mut top = self.selected;
        let mut used = if self.posts.is_empty() {
            0
        } else {
            height(top)
        };
        while top > 0 && used + height(top - 1) <= room {
            top -= 1;
            used += height(top);
        }
        let selected = Some(self.selected);
        list_view::push_items(
            &mut out,
            top,
            self.posts.len(),
            selected,
            rows,
            true,
            theme,
            |i| {
                let v = &self.posts[i];
                post_lines(v, width, now, expanded.contains(&v.post.id), theme)
            },
        );
        frame.render_widget(Paragraph::new(out), area);
    }
}
