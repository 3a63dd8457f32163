//! The lines of the posts on a session's screen, kept from one frame to the next.
//!
//! Why: when a post arrives, every session redraws its timeline, and a profile at 200
//! sessions showed a sixth of the server's time in [`post_lines`] (formatting the head,
//! wrapping, colouring mentions) for posts that were on screen the frame before and had
//! not changed. A frame now styles only the posts it had not drawn yet.
//!
//! An entry is found by the identity of the `Arc<PostView>` the timeline holds: while
//! the cache holds a clone of that `Arc`, nothing can change the post in place (a change
//! goes through `Arc::make_mut`, which copies a shared value), so the same pointer means
//! the same post. The width, the content warning's state, the theme (one per frame) and
//! the relative time shown are part of the key. Entries not used by a frame are dropped
//! after it, so the cache holds one screen of posts. A post a session has not drawn
//! yet is looked for among the last ones styled on its worker thread, by the same key,
//! before it is styled: a live post reaches every session as the same `Arc`.

use std::sync::Arc;

use ratatui::text::Line;

use crate::camp::PostView;
use crate::tui::theme::Theme;
use crate::tui::view::post_lines;

#[derive(Debug, Clone)]
struct Entry {
    post: Arc<PostView>,
    width: usize,
    open: bool,
    when: crate::text::Age,
    /// The lines show a URL: only then are the post's links noted again when the
    /// entry is used (looking for one in every post on screen, every frame, was 3% of
    /// a live update).
    linked: bool,
    styled: Styled,
}

impl Entry {
    fn is(&self, post: &Arc<PostView>, width: usize, open: bool, when: crate::text::Age) -> bool {
        Arc::ptr_eq(&self.post, post)
            && self.width == width
            && self.open == open
            && self.when == when
    }

    /// Notes the post's URLs for this frame's hyperlinks, as [`post_lines`] does when
    /// it styles them: lines from the cache skip that step, and a link noted by no one
    /// is sent as plain text.
    fn note_links(&self) {
        if self.linked {
            for url in crate::text::links::extract(&self.post.post.text) {
                crate::tui::hyperlinks::note(&url);
            }
        }
    }
}

/// A post's styled lines, and the number that names them.
#[derive(Debug, Clone)]
pub struct Styled {
    /// Given once, when the lines are styled, and never again in this process: two
    /// rows that name the same id show the same lines. A screen row's key carries it
    /// instead of the lines themselves, so keys are compared and dropped without
    /// touching shared reference counts.
    pub id: u64,
    /// The lines.
    pub lines: Arc<[Line<'static>]>,
}

/// The next [`Styled::id`].
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Styled lines of recently drawn posts (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct PostLinesCache {
    /// The theme of the frame being drawn: every entry was styled with it. Kept out of
    /// the entries so that they stay small (a theme is seven styles) and a lookup
    /// compares it once a frame, not once a probe.
    theme: Theme,
    /// Entries used by the frame being drawn.
    current: Vec<Entry>,
    /// Entries of the frame before, taken into `current` when used again.
    previous: Vec<Entry>,
}

/// Where a frame's post lines sit in the cache until the next frame starts (see
/// [`PostLinesCache::place`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed(usize);

impl PostLinesCache {
    /// Starts a frame drawn with `theme`: what the last frame did not use is dropped at
    /// the next start, and everything when the theme changed.
    pub fn start_frame(&mut self, theme: &Theme) {
        // Both lists keep their allocations from frame to frame.
        std::mem::swap(&mut self.previous, &mut self.current);
        self.current.clear();
        if self.theme != *theme {
            self.theme = *theme;
            self.previous.clear();
        }
    }

    /// [`post_lines`] of `post` with their id, from the cache when it holds them, in
    /// the theme of [`Self::start_frame`].
    pub fn styled(&mut self, post: &Arc<PostView>, width: usize, now: u64, open: bool) -> &Styled {
        let at = self.place(post, width, now, open);
        self.get(at)
    }

    /// The lines of a post placed in this frame.
    pub fn get(&self, at: Placed) -> &Styled {
        &self.current[at.0].styled
    }

    /// Finds or styles the lines of `post` for this frame, and says where they are:
    /// a frame keeps the place instead of a clone of the lines.
    pub fn place(&mut self, post: &Arc<PostView>, width: usize, now: u64, open: bool) -> Placed {
        let when = crate::text::Age::between(now, post.post.created_ms);
        if let Some(i) = self
            .current
            .iter()
            .position(|e| e.is(post, width, open, when))
        {
            self.current[i].note_links();
            return Placed(i);
        }
        let entry = match self
            .previous
            .iter()
            .position(|e| e.is(post, width, open, when))
        {
            Some(i) => {
                let e = self.previous.swap_remove(i);
                e.note_links();
                e
            }
            None => self.shared_or_styled(post, width, now, open, when),
        };
        self.current.push(entry);
        Placed(self.current.len() - 1)
    }

    /// The entry another session on this thread styled, or a new one (which they may
    /// then share).
    fn shared_or_styled(
        &self,
        post: &Arc<PostView>,
        width: usize,
        now: u64,
        open: bool,
        when: crate::text::Age,
    ) -> Entry {
        let theme = &self.theme;
        // Newest first: a live post was styled by the first session that drew it, just
        // before the others look for it.
        let shared = SHARED.with_borrow(|shared| {
            shared
                .iter()
                .rev()
                .find(|(t, e)| e.is(post, width, open, when) && t == theme)
                .map(|(_, e)| e.clone())
        });
        if let Some(e) = shared {
            e.note_links();
            return e;
        }
        let e = Entry {
            post: post.clone(),
            width,
            open,
            when,
            linked: shows_links(post, open),
            styled: Styled {
                id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                lines: post_lines(post, width, now, open, theme).into(),
            },
        };
        SHARED.with_borrow_mut(|shared| {
            if shared.len() >= SHARED_ENTRIES {
                shared.pop_front();
            }
            shared.push_back((*theme, e.clone()));
        });
        e
    }
}

/// Forgets what this thread's sessions share (a test's full redraw starts without it).
#[cfg(test)]
pub(crate) fn forget_shared() {
    SHARED.with_borrow_mut(|shared| shared.clear());
    crate::tui::drawn_lines::forget();
}

/// Posts styled lately on this worker thread, oldest first.
const SHARED_ENTRIES: usize = 64;

thread_local! {
    /// Styled lines that sessions on one worker thread share: a live post reaches every
    /// session as the same `Arc<PostView>`, and without this each session styled it
    /// again (a twentieth of the server's time at 1,000 sessions). The key is the same
    /// as a session's own (see the module doc).
    static SHARED: std::cell::RefCell<std::collections::VecDeque<(Theme, Entry)>> =
        const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
}

/// Whether the lines of `post` may show a URL.
fn shows_links(post: &PostView, open: bool) -> bool {
    // A body folded behind a warning or a filter shows no link, and must not lend its
    // URLs to another post's cells.
    let shown = open || (post.post.cw.is_none() && post.filtered.is_none());
    shown && post.post.text.contains("://")
}
