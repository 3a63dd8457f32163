//! Conversation in the service: threads, favourites, boosts, bookmarks, edits and
//! deletes, hashtags, direct conversations, and the mute/block checks every read uses.
//! Every method checks who asks; visibility still goes through [`Camp::can_see`].

use std::sync::Arc;

use serde::Serialize;

use crate::camp::{Author, Camp, CampEvent, PostView};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::now_ms;
use crate::store::outbox::{Intent, PostChange};
pub use crate::store::social::Reaction;
use crate::text;

/// Most posts a thread shows (ancestors and replies together).
pub const MAX_THREAD: usize = 300;
/// Longest hashtag, in characters.
const MAX_TAG_CHARS: usize = 50;

/// What the reader did to a post.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Mine {
    /// The reader favourited it.
    pub favourited: bool,
    /// The reader boosted it.
    pub boosted: bool,
    /// The reader bookmarked it.
    pub bookmarked: bool,
}

/// A post in its conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// The posts it answers, oldest first (as far as the reader may see).
    pub ancestors: Vec<PostView>,
    /// The post asked for.
    pub post: PostView,
    /// Replies below it, depth first, each with its depth (1 = direct reply).
    pub replies: Vec<(usize, PostView)>,
}

/// Direct posts between the same people, newest last post first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Everyone in it except the reader.
    pub with: Vec<Author>,
    /// The newest post.
    pub last: PostView,
    /// How many direct posts it holds (of those looked at).
    pub posts: usize,
}

/// How many home entries the conversation view looks through.
const CONVERSATION_SCAN: usize = 2_000;

/// The `#tags` of a text, lower-cased, without duplicates, in order.
pub fn hashtags(text: &str) -> Vec<String> {
    let mut tags = super::posting::sigil_words(text, '#', |c| c.is_alphanumeric() || c == '_');
    // `#1` is an issue number, not a tag.
    tags.retain(|t| !t.chars().all(|c| c.is_ascii_digit()) && text::char_count(t) <= MAX_TAG_CHARS);
    tags
}

pub(super) fn author_of(a: &Account) -> Author {
    Author {
        id: a.id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
    }
}

impl Camp {
    /// What `viewer` did to `post`.
    pub fn mine(&self, viewer: Id, post: Id) -> Result<Mine> {
        let s = self.store();
        Ok(Mine {
            favourited: s.reacted(Reaction::Favourite, viewer, post)?,
            boosted: s.reacted(Reaction::Boost, viewer, post)?,
            bookmarked: s.reacted(Reaction::Bookmark, viewer, post)?,
        })
    }

    /// True when either of two accounts blocked the other.
    pub fn blocked_either_way(&self, a: Id, b: Id) -> Result<bool> {
        Ok(a != b && (self.store().blocks(a, b)? || self.store().blocks(b, a)?))
    }

    /// True when `owner` has a mute on `target` that has not run out.
    pub fn is_muted(&self, owner: Id, target: Id) -> Result<bool> {
        Ok(owner != target
            && self
                .store()
                .mute(owner, target)?
                .is_some_and(|m| m.until_ms.is_none_or(|t| t > now_ms())))
    }

    /// Whether a timeline entry vanishes for `viewer` (muted author or booster).
    pub(crate) fn hides(&self, viewer: &Account, author: Id, booster: Option<Id>) -> Result<bool> {
        if self.muted_or_hidden(viewer.id, author)? {
            return Ok(true);
        }
        match booster {
            // A boost stays on a home timeline only while its booster is followed.
            Some(b) if b != viewer.id && !self.store().follows(viewer.id, b)? => Ok(true),
            Some(b) => {
                Ok(self.muted_or_hidden(viewer.id, b)? || self.blocked_either_way(viewer.id, b)?)
            }
            None => Ok(false),
        }
    }

    /// Whether a live new post (or boost) may reach `viewer`'s screen: the audience
    /// lists of the event say where it goes; this adds the reader's mutes and blocks.
    pub fn live_visible(&self, viewer: Id, new: &crate::camp::NewPost) -> bool {
        let author = new.view.post.author;
        let booster = new.view.boosted_by.as_ref().map(|b| b.id);
        let check = || -> Result<bool> {
            for who in std::iter::once(author).chain(booster) {
                if self.muted_or_hidden(viewer, who)? || self.blocked_either_way(viewer, who)? {
                    return Ok(false);
                }
            }
            Ok(true)
        };
        check().unwrap_or(false)
    }

    /// Whether a live change to a post (an edit, new counts) may reach `viewer`'s
    /// screen: the full [`Camp::can_see`], because who may read a post can change
    /// after it reached a screen (a block ends a follow). False on any error.
    pub fn live_change_visible(&self, viewer: Id, post: &Post) -> bool {
        let check = || -> Result<bool> {
            let Some(me) = self.store().account(viewer)? else {
                return Ok(false);
            };
            self.can_see(&me, post)
        };
        check().unwrap_or(false)
    }

    /// A view of a post for `viewer` (who may see it: checked by the caller).
    pub(super) fn view_for(&self, viewer: &Account, post: Post) -> Result<Option<PostView>> {
        let Some(author) = self.store().account(post.author)? else {
            return Ok(None);
        };
        self.reader_view(viewer, post, &author).map(Some)
    }

    pub(super) fn visible(&self, viewer: &Account, id: Id) -> Result<Option<PostView>> {
        match self.store().post(id)? {
            Some(p) if self.can_see(viewer, &p)? => self.view_for(viewer, p),
            _ => Ok(None),
        }
    }

    /// The post `id` with what it answers and its replies, as far as `viewer` may see.
    pub fn thread(&self, viewer: Id, id: Id) -> Result<Thread> {
        let me = self.actor(viewer)?;
        let post = self
            .visible(&me, id)?
            .ok_or_else(|| Error::not_found(format!("there is no post {id}")))?;
        let mut ancestors = Vec::new();
        let mut up = post.post.reply_to;
        while let Some(pid) = up {
            if ancestors.len() >= MAX_THREAD / 2 {
                break;
            }
            match self.visible(&me, pid)? {
                Some(v) => {
                    up = v.post.reply_to;
                    ancestors.push(v);
                }
                None => break,
            }
        }
        ancestors.reverse();
        // The reader's filters (threads context): a hidden ancestor or reply leaves the
        // thread; the post asked for by id is only ever folded, never hidden, so
        // `show ID` always answers.
        let filters = self.filter_set(me.id)?;
        let context = crate::camp::filters::FilterContext::Threads;
        let ancestors: Vec<PostView> = ancestors
            .into_iter()
            .filter_map(|v| filters.apply(v, context))
            .collect();
        let post = match filters.first_match(&post.post, context) {
            None => post,
            Some(phrase) => PostView {
                filtered: Some(phrase),
                ..post
            },
        };
        let mut replies = Vec::new();
        let mut stack: Vec<(usize, Id)> = self
            .store()
            .replies_to(id)?
            .into_iter()
            .rev()
            .map(|r| (1, r))
            .collect();
        while let Some((depth, rid)) = stack.pop() {
            if ancestors.len() + replies.len() >= MAX_THREAD {
                break;
            }
            let Some(v) = self.visible(&me, rid)? else {
                continue;
            };
            if self.muted_or_hidden(me.id, v.post.author)? {
                continue;
            }
            for child in self.store().replies_to(rid)?.into_iter().rev() {
                stack.push((depth + 1, child));
            }
            let Some(v) = filters.apply(v, context) else {
                continue;
            };
            replies.push((depth, v));
        }
        Ok(Thread {
            ancestors,
            post,
            replies,
        })
    }

    /// Turns a favourite, boost or bookmark on or off (`on: None` toggles). Returns the
    /// post as `by` now sees it. Favourites and boosts notify the author and update
    /// every screen showing the post.
    pub fn react(&self, by: Id, id: Id, reaction: Reaction, on: Option<bool>) -> Result<PostView> {
        let me = self.actor(by)?;
        let missing = || Error::not_found(format!("there is no post {id}"));
        let post = self.store().post(id)?.ok_or_else(missing)?;
        if !self.can_see(&me, &post)? {
            return Err(missing());
        }
        let was = self.store().reacted(reaction, me.id, id)?;
        let on = on.unwrap_or(!was);
        // A remote post is kept as a followers-only copy; one its author made public
        // may still be boosted (its local audience stays who may see the copy).
        if reaction == Reaction::Boost
            && on
            && matches!(post.visibility, Visibility::Direct | Visibility::Followers)
            && !self.store().remote_public(post.id)?
        {
            return Err(Error::invalid(format!(
                "a {} post cannot be boosted",
                post.visibility.as_str()
            )));
        }
        if on == was {
            return self.post(by, id);
        }
        self.check_action_rate(&me)?;
        let mut boosted_home = None;
        let intent = self.reaction_intent(&me, &post, reaction, on)?;
        match reaction {
            Reaction::Favourite => {
                self.store().set_favourite(me.id, id, on, intent.as_ref())?;
            }
            Reaction::Boost => {
                let mut owners = self.store().followers_of(me.id)?;
                owners.push(me.id);
                let entry = self.store().next_id();
                self.store()
                    .set_boost(me.id, id, on, entry, &owners, intent.as_ref())?;
                if on {
                    boosted_home = Some((entry, owners));
                }
            }
            Reaction::Bookmark => self.store().set_bookmark(me.id, id, on)?,
        }
        self.store().flush()?;
        self.intent_committed(intent.is_some());
        let view = self.post(by, id)?;
        if reaction != Reaction::Bookmark {
            let mut shared = view.clone();
            shared.mine = Mine::default();
            // How many replies show depends on who reads: screens keep their own.
            shared.stats.replies = 0;
            if let Some((entry, home_owners)) = boosted_home {
                // The boost joins the booster's followers' home timelines live.
                let mut boost = shared.clone();
                boost.entry = entry;
                boost.boosted_by = Some(author_of(&me));
                let mut audience = Vec::with_capacity(home_owners.len());
                for owner in home_owners {
                    if let Some(a) = self.store().account(owner)?
                        && self.can_see(&a, &post)?
                    {
                        audience.push(owner);
                    }
                }
                self.publish(CampEvent::Posted(Arc::new(crate::camp::NewPost {
                    view: Arc::new(boost),
                    on_camp: false,
                    home_owners: audience,
                })));
            }
            self.publish(CampEvent::PostChanged(Arc::new(shared)));
            if on {
                let kind = match reaction {
                    Reaction::Favourite => NotificationKind::Favourite,
                    _ => NotificationKind::Boost,
                };
                self.notify(post.author, kind, Some(me.id), Some(id), None)?;
            }
        }
        Ok(view)
    }

    /// The handles outside this camp a direct post names (only a direct post's
    /// audience depends on them; see [`Intent::for_post`]).
    pub(super) fn remote_mentions(&self, author: &Account, post: &Post) -> Result<Vec<String>> {
        if post.visibility != Visibility::Direct {
            return Ok(Vec::new());
        }
        Ok(self.reach_of(author, &post.text)?.remote)
    }

    /// The outgoing intent of a favourite or boost: only of a post from elsewhere (a
    /// reaction to a camp post never leaves), and a boost only of one its author made
    /// public.
    fn reaction_intent(
        &self,
        me: &Account,
        post: &Post,
        reaction: Reaction,
        on: bool,
    ) -> Result<Option<crate::store::outbox::OutboxEntry>> {
        if me.is_remote() || self.store().remote_object_of_post(post.id)?.is_none() {
            return Ok(None);
        }
        let intent = match reaction {
            Reaction::Favourite => Intent::Like {
                by: me.id,
                post: post.id,
                on,
            },
            Reaction::Boost if self.store().remote_public(post.id)? => Intent::Announce {
                by: me.id,
                post: post.id,
                on,
            },
            _ => return Ok(None),
        };
        self.outbox_entry(Some(intent))
    }

    fn own_post(&self, me: &Account, id: Id, allow_moderator: bool) -> Result<Post> {
        let missing = || Error::not_found(format!("there is no post {id}"));
        let post = self.store().post(id)?.ok_or_else(missing)?;
        if post.author == me.id {
            return Ok(post);
        }
        if allow_moderator && me.role.can_moderate() {
            return Ok(post);
        }
        if !self.can_see(me, &post)? {
            return Err(missing());
        }
        Err(Error::forbidden(if allow_moderator {
            "only the author or a moderator can delete this post"
        } else {
            "only the author can edit this post"
        }))
    }

    /// Replaces the text (and content warning) of `by`'s own post, keeping the old
    /// version. Who was mentioned does not change: an edit never widens the audience.
    pub fn edit_post(&self, by: Id, id: Id, text: &str, cw: Option<String>) -> Result<PostView> {
        let me = self.actor(by)?;
        let old = self.own_post(&me, id, false)?;
        let (body, cw) = self.clean_post_text(text, cw.as_deref())?;
        if body == old.text && cw == old.cw {
            return Err(Error::invalid("nothing changed"));
        }
        self.check_action_rate(&me)?;
        let version = PostVersion {
            post: id,
            text: old.text.clone(),
            cw: old.cw.clone(),
            written_ms: old.edited_ms.unwrap_or(old.created_ms),
        };
        let mut new = old.clone();
        new.text = body;
        new.cw = cw;
        new.edited_ms = Some(now_ms().max(version.written_ms + 1));
        let remote = self.remote_mentions(&me, &old)?;
        let intent = self.post_intent(PostChange::Update, &new, &me, &remote)?;
        self.store().edit_post(
            &new,
            &version,
            &hashtags(&old.text),
            &hashtags(&new.text),
            intent.as_ref(),
        )?;
        self.store().flush()?;
        self.intent_committed(intent.is_some());
        let view = self.post(by, id)?;
        let mut shared = view.clone();
        shared.mine = Mine::default();
        shared.stats.replies = 0;
        self.publish(CampEvent::PostChanged(Arc::new(shared)));
        Ok(view)
    }

    /// Earlier versions of a post `viewer` may see, oldest first.
    pub fn post_versions(&self, viewer: Id, id: Id) -> Result<Vec<PostVersion>> {
        self.post(viewer, id)?;
        self.store().versions(id)
    }

    /// Deletes a post: its author may, and so may moderators.
    pub fn delete_post(&self, by: Id, id: Id) -> Result<()> {
        let me = self.actor(by)?;
        let post = self.own_post(&me, id, true)?;
        if post.author != me.id {
            // A moderator removing someone else's post is a moderation action: checked
            // against the author's role and written to the audit log.
            self.remove_post_as_moderator(me.id, id, "")?;
            return Ok(());
        }
        self.erase_post(&post)
    }

    /// Removes a post and its indexes, then tells every screen and, when it was public,
    /// the remote followers who got it. Every deletion (author's or moderator's) comes
    /// through here, with the post as it was, so the bridge still knows what to name.
    pub(crate) fn erase_post(&self, post: &Post) -> Result<()> {
        let intent = match self.store().account(post.author)? {
            Some(author) => {
                let remote = self.remote_mentions(&author, post)?;
                self.post_intent(PostChange::Delete, post, &author, &remote)?
            }
            None => None,
        };
        self.store()
            .delete_post_with(post, &hashtags(&post.text), intent.as_ref())?;
        // Its versions, home entries and boosts would otherwise stay for good (and every
        // Home read would scan past them). It was filed on the homes of its author, the
        // author's followers and whoever it mentioned; those who unfollowed since had it
        // removed then.
        let mut homes = self.store().followers_of(post.author)?;
        homes.push(post.author);
        homes.extend(&post.mentions);
        homes.sort_unstable();
        homes.dedup();
        self.store().clear_post_traces(post.id, &homes)?;
        self.store().delete_poll(post.id)?;
        // A copy of a post from elsewhere (a moderator removing it) also loses its URL
        // mapping, so a later Update, Like or boost cannot reach a post that is gone.
        if let Some((url, obj)) = self.store().remote_object_of_post(post.id)? {
            self.store().remove_remote_post(&url, &obj)?;
        }
        self.store().flush()?;
        self.intent_committed(intent.is_some());
        self.publish(CampEvent::PostDeleted(post.id));
        Ok(())
    }

    /// Posts `by` bookmarked that it may still see, newest post first.
    pub fn bookmarks(&self, by: Id, limit: usize) -> Result<Vec<PostView>> {
        let me = self.actor(by)?;
        let mut out = Vec::new();
        for id in self.store().bookmarks(me.id)? {
            if out.len() >= limit {
                break;
            }
            if let Some(v) = self.visible(&me, id)? {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// `viewer`'s direct posts grouped by who takes part, newest first.
    pub fn conversations(&self, viewer: Id, limit: usize) -> Result<Vec<Conversation>> {
        let me = self.actor(viewer)?;
        let mut out: Vec<(Vec<Id>, Conversation)> = Vec::new();
        for item in self.store().home_items(me.id, None, CONVERSATION_SCAN)? {
            let p = item.post;
            if item.boosted_by.is_some() || p.visibility != Visibility::Direct {
                continue;
            }
            let mut people: Vec<Id> = p.mentions.clone();
            people.push(p.author);
            people.retain(|id| *id != me.id);
            people.sort_unstable();
            people.dedup();
            if !self.can_see(&me, &p)? {
                continue;
            }
            if let Some((_, c)) = out.iter_mut().find(|(k, _)| *k == people) {
                c.posts += 1;
                continue;
            }
            if out.len() >= limit {
                continue;
            }
            let Some(last) = self.view_for(&me, p)? else {
                continue;
            };
            let mut with = Vec::new();
            for id in &people {
                if let Some(a) = self.store().account(*id)? {
                    with.push(author_of(&a));
                }
            }
            out.push((
                people,
                Conversation {
                    with,
                    last,
                    posts: 1,
                },
            ));
        }
        Ok(out.into_iter().map(|(_, c)| c).collect())
    }

    /// Posts tagged `#tag` that `viewer` may see, newest first.
    pub fn tagged(&self, viewer: Id, tag: &str, limit: usize) -> Result<Vec<PostView>> {
        let me = self.actor(viewer)?;
        let tag = tag.trim_start_matches('#').to_lowercase();
        let mut out = Vec::new();
        let mut before = None;
        for _ in 0..8 {
            let ids = self.store().tagged(&tag, before, limit)?;
            let done = ids.len() < limit;
            for id in ids {
                before = Some(id);
                if out.len() < limit
                    && let Some(v) = self.visible(&me, id)?
                    && !self.muted_or_hidden(me.id, v.post.author)?
                {
                    out.push(v);
                }
            }
            if done || out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
