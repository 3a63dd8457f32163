//! Counts a reader sees. A number is as revealing as the post behind it: `↩ 1` under a
//! post, `#surpriseparty (1)` in a search or a profile's post count tells someone that
//! a post exists that they may not see. So every count here follows
//! [`Camp::can_see`] for the one who looks; only the author's own figures come straight
//! from the store's counters.

use crate::camp::{Camp, PostView};
use crate::error::Result;
use crate::model::*;

/// How many of a tag's newest posts a search looks at to count the ones the reader may
/// see (a bound on the work one search does; older posts are not counted).
pub const TAG_COUNT_SCAN: usize = 2_000;

impl Camp {
    /// `post` as `viewer` sees it: what the reader did to it, only the replies the
    /// reader may see counted, and its parent named only if the reader may see that.
    /// The caller checked that `viewer` may see the post.
    pub(crate) fn reader_view(
        &self,
        viewer: &Account,
        post: Post,
        author: &Account,
    ) -> Result<PostView> {
        let id = post.id;
        let mut view = self.view_with(post, author);
        view.mine = self.mine(viewer.id, id)?;
        if view.poll.is_some() {
            view.poll = self.poll_view(Some(viewer), &view.post)?;
        }
        view.stats.replies = self.visible_replies(viewer, id)?;
        // Naming a parent the reader may not see would tell them that it exists.
        if let Some(parent) = view.post.reply_to {
            let seen = match self.store().post(parent)? {
                Some(p) => self.can_see(viewer, &p)?,
                None => false,
            };
            if !seen {
                view.post.reply_to = None;
            }
        }
        Ok(view)
    }

    /// Direct replies to `post` that `viewer` may see and has not muted (what `show`
    /// lists under it).
    pub(crate) fn visible_replies(&self, viewer: &Account, post: Id) -> Result<u32> {
        // Most posts have no replies: the stored counter answers without a scan.
        if self.store().post_stats(post)?.replies == 0 {
            return Ok(0);
        }
        let mut n = 0u32;
        for rid in self.store().replies_to(post)? {
            if let Some(r) = self.store().post(rid)?
                && self.can_see(viewer, &r)?
                && !self.muted_or_hidden(viewer.id, r.author)?
            {
                n = n.saturating_add(1);
            }
        }
        Ok(n)
    }

    /// How many of `author`'s posts `viewer` may see (all of them for the author).
    pub(crate) fn visible_post_count(&self, viewer: &Account, author: &Account) -> Result<usize> {
        if viewer.id == author.id {
            return Ok(self.store().post_count_of(author.id));
        }
        if self.author_hidden_from(viewer, author)? {
            return Ok(0);
        }
        // Asked once, not per post.
        let follows = self.store().follows(viewer.id, author.id)?;
        let mut n = 0;
        for id in self.store().posts_by(author.id, None, usize::MAX)? {
            if let Some(p) = self.store().post(id)?
                && self.in_audience(viewer, &p, || Ok(follows))?
            {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Tags starting with `prefix` that have posts `viewer` may see, with how many
    /// (among each tag's newest [`TAG_COUNT_SCAN`]); a tag only hidden posts carry is
    /// not listed at all.
    pub(crate) fn visible_tags(
        &self,
        viewer: &Account,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<(String, usize)>> {
        let mut out = Vec::new();
        // Some tags may drop out: look at a few more than asked for.
        for (tag, _) in self
            .store()
            .tags_starting(prefix, limit.saturating_mul(4))?
        {
            if out.len() >= limit {
                break;
            }
            let mut n = 0;
            for id in self.store().tagged(&tag, None, TAG_COUNT_SCAN)? {
                if let Some(p) = self.store().post(id)?
                    && self.can_see(viewer, &p)?
                    && !self.muted_or_hidden(viewer.id, p.author)?
                {
                    n += 1;
                }
            }
            if n > 0 {
                out.push((tag, n));
            }
        }
        Ok(out)
    }
}
