//! One timeline's state: loaded posts, the selection, the first visible post, and the
//! count of posts that arrived above a reader who had scrolled down.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::camp::{PostView, TimelineKind};
use crate::model::Id;
use crate::tui::Effect;

/// Most posts a session keeps in memory per timeline; older ones reload on demand.
pub const MAX_KEPT: usize = 400;

/// A scrollable list of posts, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Loaded posts, newest first. A ring, not a `Vec`: a live post goes in at the
    /// front, and a session that has kept 400 posts moved all their pointers (3 KiB,
    /// out of cache) for every live post.
    pub posts: VecDeque<Arc<PostView>>,
    /// Index of the selected post.
    pub selected: usize,
    /// Index of the first post drawn.
    pub top: usize,
    /// Posts that arrived above the reader's place and are not yet seen.
    pub unseen: usize,
    /// A page request is in flight.
    pub loading: bool,
    /// The first page has arrived.
    pub loaded: bool,
    /// No older posts exist.
    pub at_end: bool,
    /// The newest entry when the reader last left: older posts get a "new since you
    /// left" line above them.
    pub read_mark: Option<Id>,
    /// Home only: the reader follows nobody (its empty screen says so).
    pub follows_nobody: bool,
}

impl Timeline {
    /// The selected post.
    pub fn selected_post(&self) -> Option<&Arc<PostView>> {
        self.posts.get(self.selected)
    }

    /// Takes a loaded page: the newest page replaces the list, an older one appends.
    pub fn loaded_page(&mut self, before: Option<Id>, page: Vec<Arc<PostView>>, asked: usize) {
        self.loading = false;
        self.at_end = page.len() < asked;
        match before {
            None => {
                let keep = self.selected_post().map(|p| p.entry);
                self.posts = page.into();
                self.loaded = true;
                self.unseen = 0;
                self.selected = keep
                    .and_then(|id| self.posts.iter().position(|p| p.entry == id))
                    .unwrap_or(0);
                self.top = self.top.min(self.selected);
            }
            Some(_) => {
                let known: std::collections::HashSet<Id> =
                    self.posts.iter().map(|p| p.entry).collect();
                self.posts
                    .extend(page.into_iter().filter(|p| !known.contains(&p.entry)));
            }
        }
    }

    /// A new post arrived live. At the very top it simply appears; a reader further down
    /// keeps their place and sees a "new posts" marker instead.
    pub fn insert_new(&mut self, post: Arc<PostView>) {
        // Newest first, so the place (and a copy already there) is found by halving:
        // scanning touched every post a session holds (up to `MAX_KEPT`), for every
        // live post, and grew to 2.4% of the server after 100 posts at 200 sessions.
        debug_assert!(
            self.posts
                .iter()
                .zip(self.posts.iter().skip(1))
                .all(|(a, b)| a.entry > b.entry),
            "a timeline is newest first"
        );
        let at = self.posts.partition_point(|p| p.entry > post.entry);
        if self.posts.get(at).is_some_and(|p| p.entry == post.entry) {
            return;
        }
        self.posts.insert(at, post);
        let reading_top = self.top == 0 && self.selected == 0;
        if !reading_top {
            if at <= self.selected {
                self.selected += 1;
            }
            if at <= self.top {
                self.top += 1;
                self.unseen += 1;
            }
        }
        if self.posts.len() > MAX_KEPT && self.selected < MAX_KEPT - 1 {
            self.posts.truncate(MAX_KEPT);
            self.at_end = false;
        }
    }

    /// Moves the selection; asks for older posts when it reaches the end of what is loaded.
    pub fn move_by(&mut self, delta: isize) -> Vec<Effect> {
        if self.posts.is_empty() {
            return vec![];
        }
        let last = self.posts.len() - 1;
        let target = (self.selected as isize + delta).clamp(0, last as isize) as usize;
        self.selected = target;
        if self.selected < self.top {
            self.top = self.selected;
        }
        if self.top == 0 {
            self.unseen = 0;
        }
        self.more_if_needed()
    }

    /// To the newest post.
    pub fn jump_top(&mut self) -> Vec<Effect> {
        self.selected = 0;
        self.top = 0;
        self.unseen = 0;
        vec![]
    }

    /// To the oldest loaded post.
    pub fn jump_bottom(&mut self) -> Vec<Effect> {
        self.selected = self.posts.len().saturating_sub(1);
        self.more_if_needed()
    }

    fn more_if_needed(&mut self) -> Vec<Effect> {
        if self.selected + 5 >= self.posts.len() && !self.at_end && !self.loading && self.loaded {
            self.loading = true;
            let before = self.posts.back().map(|p| p.entry);
            vec![Effect::LoadTimeline {
                // The caller substitutes the timeline's kind.
                kind: TimelineKind::Camp,
                before,
            }]
        } else {
            vec![]
        }
    }

    /// Called by the view once it knows post heights: makes the selection visible.
    pub fn scroll_into_view(&mut self, fits_from: impl Fn(usize, usize) -> bool) {
        if self.selected < self.top {
            self.top = self.selected;
        }
        while self.top < self.selected && !fits_from(self.top, self.selected) {
            self.top += 1;
        }
        if self.top == 0 {
            self.unseen = 0;
        }
    }
}

/// Puts a changed post (`new`) in place of every copy in `posts`, keeping each copy's
/// place on its timeline (entry, booster) and, unless `mine` says the change is the
/// reader's own, what the reader did to it.
pub fn refresh_post<'a>(
    posts: impl IntoIterator<Item = &'a mut Arc<PostView>>,
    new: &PostView,
    mine: bool,
) {
    for p in posts {
        if p.post.id == new.post.id {
            let old = Arc::make_mut(p);
            old.post = new.post.clone();
            old.author = new.author.clone();
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

impl Timeline {
    /// A post changed (edit, counts): update it where it is.
    pub fn refresh(&mut self, new: &PostView, mine: bool) {
        refresh_post(&mut self.posts, new, mine);
    }

    /// A post was deleted: take it (and boosts of it) out, keeping the selection near.
    pub fn remove(&mut self, id: Id) {
        let before = self.posts.len();
        let sel_entry = self.selected_post().map(|p| p.entry);
        self.posts.retain(|p| p.post.id != id);
        if self.posts.len() != before {
            self.selected = sel_entry
                .and_then(|e| self.posts.iter().position(|p| p.entry == e))
                .unwrap_or(self.selected)
                .min(self.posts.len().saturating_sub(1));
            self.top = self.top.min(self.selected);
        }
    }
}

/// Which content warnings are open: all when the camper chose "always expand", with
/// `x` flipping single posts either way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CwState {
    /// The camper's "always show content warnings" preference.
    pub expand_all: bool,
    /// Posts flipped with `x`.
    pub toggled: std::collections::HashSet<Id>,
}

impl CwState {
    /// True when the post's text shows.
    pub fn contains(&self, id: &Id) -> bool {
        self.expand_all != self.toggled.contains(id)
    }

    /// Flips one post.
    pub fn toggle(&mut self, id: Id) {
        if !self.toggled.remove(&id) {
            self.toggled.insert(id);
        }
    }
}
