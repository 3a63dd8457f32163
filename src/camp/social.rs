//! The social side of the service: threads, favourites, boosts, bookmarks, edits and
//! deletes, hashtags, follows, mutes, blocks, profiles and search. Every method checks
//! who asks; visibility still goes through [`Camp::can_see`].

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::camp::posting::MAX_CW_CHARS;
use crate::camp::{Author, Camp, CampEvent, PostView};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::now_ms;
pub use crate::store::social::Reaction;
use crate::text;

/// Most posts a thread shows (ancestors and replies together).
pub const MAX_THREAD: usize = 300;
/// Longest bio, in characters.
pub const MAX_BIO_CHARS: usize = 500;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 50;
/// Longest hashtag, in characters.
const MAX_TAG_CHARS: usize = 50;
/// How many recent posts a new follow brings onto the follower's home timeline.
const FOLLOW_BACKFILL: usize = 20;
/// How many stored posts a text search looks through, newest first.
const SEARCH_SCAN: usize = 5_000;

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

/// A camper's public page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Name and id.
    pub author: Author,
    /// Self-description.
    pub bio: String,
    /// When they joined.
    pub joined_ms: Millis,
    /// Their role (shown for moderators and admins).
    pub role: Role,
    /// Posts they wrote.
    pub posts: usize,
    /// Accounts following them.
    pub followers: usize,
    /// Accounts they follow.
    pub following: usize,
    /// The reader follows them.
    pub followed_by_me: bool,
    /// They follow the reader.
    pub follows_me: bool,
    /// The reader muted them (until when, if timed).
    pub muted: Option<Mute>,
    /// The reader blocked them.
    pub blocked: bool,
    /// It is the reader's own profile.
    pub is_me: bool,
    /// Their recent posts the reader may see, newest first.
    pub recent: Vec<PostView>,
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchResults {
    /// Campers whose name matches.
    pub accounts: Vec<Author>,
    /// Hashtags starting with the query, with post counts.
    pub tags: Vec<(String, usize)>,
    /// Posts containing the text, newest first.
    pub posts: Vec<PostView>,
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
    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let starts = c == '#' && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_');
        prev = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest
            .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
            .unwrap_or(rest.len());
        let tag = rest[..len].to_lowercase();
        let digits_only = tag.chars().all(|c| c.is_ascii_digit());
        if !tag.is_empty()
            && !digits_only
            && text::char_count(&tag) <= MAX_TAG_CHARS
            && !out.contains(&tag)
        {
            out.push(tag);
        }
    }
    out
}

fn author_of(a: &Account) -> Author {
    Author {
        id: a.id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
    }
}

impl Camp {
    /// Files a just-written post under its parent, its author and its tags.
    pub(crate) fn index_new_post(&self, post: &Post) -> Result<()> {
        self.store().index_post(post, &hashtags(&post.text))
    }

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
        if self.is_muted(viewer.id, author)? {
            return Ok(true);
        }
        match booster {
            Some(b) => Ok(self.is_muted(viewer.id, b)? || self.blocked_either_way(viewer.id, b)?),
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
                if self.is_muted(viewer, who)? || self.blocked_either_way(viewer, who)? {
                    return Ok(false);
                }
            }
            Ok(true)
        };
        check().unwrap_or(false)
    }

    /// A view of a post for `viewer` (who may see it: checked by the caller).
    fn view_for(&self, viewer: &Account, post: Post) -> Result<Option<PostView>> {
        let Some(author) = self.store().account(post.author)? else {
            return Ok(None);
        };
        let id = post.id;
        let mut v = self.view_with(post, &author);
        v.mine = self.mine(viewer.id, id)?;
        Ok(Some(v))
    }

    fn visible(&self, viewer: &Account, id: Id) -> Result<Option<PostView>> {
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
            if self.is_muted(me.id, v.post.author)? {
                continue;
            }
            for child in self.store().replies_to(rid)?.into_iter().rev() {
                stack.push((depth + 1, child));
            }
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
        if reaction == Reaction::Boost
            && on
            && matches!(post.visibility, Visibility::Direct | Visibility::Followers)
        {
            return Err(Error::invalid(format!(
                "a {} post cannot be boosted",
                post.visibility.as_str()
            )));
        }
        if on == was {
            return self.post(by, id);
        }
        let mut boosted_home = None;
        match reaction {
            Reaction::Favourite => {
                self.store().set_favourite(me.id, id, on)?;
            }
            Reaction::Boost => {
                let mut owners = self.store().followers_of(me.id)?;
                owners.push(me.id);
                let entry = self.store().next_id();
                self.store().set_boost(me.id, id, on, entry, &owners)?;
                if on {
                    boosted_home = Some((entry, owners));
                }
            }
            Reaction::Bookmark => self.store().set_bookmark(me.id, id, on)?,
        }
        self.store().flush()?;
        let view = self.post(by, id)?;
        if reaction != Reaction::Bookmark {
            let mut shared = view.clone();
            shared.mine = Mine::default();
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
        let limit = self.config().camp.max_post_chars;
        let body = text::sanitize(text);
        let body = body.trim_end().trim_start_matches('\n').to_string();
        if body.trim().is_empty() {
            return Err(Error::invalid("a post needs some text"));
        }
        let len = text::char_count(&body);
        if len > limit {
            return Err(Error::invalid(format!(
                "posts are limited to {limit} characters; this one has {len}"
            )));
        }
        let cw = cw
            .as_deref()
            .map(text::sanitize_line)
            .filter(|c| !c.is_empty());
        if let Some(c) = &cw
            && text::char_count(c) > MAX_CW_CHARS
        {
            return Err(Error::invalid(format!(
                "a content warning is limited to {MAX_CW_CHARS} characters"
            )));
        }
        if body == old.text && cw == old.cw {
            return Err(Error::invalid("nothing changed"));
        }
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
        self.store()
            .edit_post(&new, &version, &hashtags(&old.text), &hashtags(&new.text))?;
        self.store().flush()?;
        let view = self.post(by, id)?;
        let mut shared = view.clone();
        shared.mine = Mine::default();
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
        self.store().delete_post(&post, &hashtags(&post.text))?;
        self.store().flush()?;
        self.publish(CampEvent::PostDeleted(id));
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
            if let Some((_, c)) = out.iter_mut().find(|(k, _)| *k == people) {
                c.posts += 1;
                continue;
            }
            if out.len() >= limit || !self.can_see(&me, &p)? {
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
                    && !self.is_muted(me.id, v.post.author)?
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

    fn other(&self, me: &Account, name: &str) -> Result<Account> {
        let name = name.trim_start_matches('@');
        if name.contains('@') {
            return Err(Error::invalid(
                "following people on other servers comes with federation; not yet",
            ));
        }
        let them = self
            .store()
            .account_by_name(name)?
            .filter(|a| !a.suspended)
            .ok_or_else(|| {
                Error::not_found(format!(
                    "there is no camper named '{}'",
                    text::sanitize_line(name)
                ))
            })?;
        if them.id == me.id {
            return Err(Error::invalid("that is you"));
        }
        Ok(them)
    }

    /// `by` follows the camper `name`; their recent posts join `by`'s home timeline.
    pub fn follow(&self, by: Id, name: &str) -> Result<Account> {
        let me = self.actor(by)?;
        let them = self.other(&me, name)?;
        if self.blocked_either_way(me.id, them.id)? {
            return Err(Error::forbidden(format!(
                "you cannot follow @{}",
                them.username
            )));
        }
        if self.store().follows(me.id, them.id)? {
            return Err(Error::invalid(format!(
                "you already follow @{}",
                them.username
            )));
        }
        self.store().follow(me.id, them.id)?;
        let mut recent = Vec::new();
        for id in self.store().posts_by(them.id, None, FOLLOW_BACKFILL * 2)? {
            if let Some(p) = self.store().post(id)?
                && p.visibility != Visibility::Direct
            {
                recent.push(id);
            }
        }
        recent.truncate(FOLLOW_BACKFILL);
        self.store().add_to_home(me.id, &recent)?;
        self.store().flush()?;
        self.notify(them.id, NotificationKind::Follow, Some(me.id), None, None)?;
        Ok(them)
    }

    /// `by` stops following `name`; their posts leave `by`'s home timeline.
    pub fn unfollow(&self, by: Id, name: &str) -> Result<Account> {
        let me = self.actor(by)?;
        let them = self.other(&me, name)?;
        if !self.store().follows(me.id, them.id)? {
            return Err(Error::invalid(format!(
                "you do not follow @{}",
                them.username
            )));
        }
        self.store().unfollow(me.id, them.id)?;
        self.store().flush()?;
        Ok(them)
    }

    fn authors(&self, ids: Vec<Id>) -> Result<Vec<Author>> {
        let mut out = Vec::new();
        for id in ids {
            if let Some(a) = self.store().account(id)?
                && !a.suspended
            {
                out.push(author_of(&a));
            }
        }
        out.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(out)
    }

    /// Who `viewer` follows.
    pub fn following(&self, viewer: Id) -> Result<Vec<Author>> {
        let me = self.actor(viewer)?;
        self.authors(self.store().following_of(me.id)?)
    }

    /// Who follows `viewer`.
    pub fn followers(&self, viewer: Id) -> Result<Vec<Author>> {
        let me = self.actor(viewer)?;
        self.authors(self.store().followers_of(me.id)?)
    }

    /// Mutes `name` for `by` (for a while when `duration` is given): their posts leave
    /// `by`'s timelines and their notifications stop.
    pub fn mute(&self, by: Id, name: &str, duration: Option<Duration>) -> Result<Mute> {
        let me = self.actor(by)?;
        let them = self.other(&me, name)?;
        let mute = Mute {
            until_ms: duration.map(|d| now_ms().saturating_add(d.as_millis() as u64)),
        };
        self.store().put_mute(me.id, them.id, mute)?;
        self.store().flush()?;
        Ok(mute)
    }

    /// Ends a mute.
    pub fn unmute(&self, by: Id, name: &str) -> Result<()> {
        let me = self.actor(by)?;
        let them = self.other(&me, name)?;
        if !self.store().remove_mute(me.id, them.id)? {
            return Err(Error::invalid(format!("@{} is not muted", them.username)));
        }
        self.store().flush()
    }

    /// Blocks `name` for `by`: neither sees the other's posts, they cannot mention or
    /// follow `by`, and follows between them end.
    pub fn block(&self, by: Id, name: &str) -> Result<()> {
        let me = self.actor(by)?;
        let them = self.other(&me, name)?;
        self.store().block(me.id, them.id)?;
        self.store().flush()
    }

    /// Ends a block.
    pub fn unblock(&self, by: Id, name: &str) -> Result<()> {
        let me = self.actor(by)?;
        let them = self.other(&me, name)?;
        if !self.store().unblock(me.id, them.id)? {
            return Err(Error::invalid(format!("@{} is not blocked", them.username)));
        }
        self.store().flush()
    }

    /// Who `viewer` muted (active mutes only) and blocked.
    pub fn muted_and_blocked(&self, viewer: Id) -> Result<(Vec<Author>, Vec<Author>)> {
        let me = self.actor(viewer)?;
        let now = now_ms();
        let muted = self
            .store()
            .mutes_of(me.id)?
            .into_iter()
            .filter(|(_, m)| m.until_ms.is_none_or(|t| t > now))
            .map(|(id, _)| id)
            .collect();
        Ok((
            self.authors(muted)?,
            self.authors(self.store().blocked_by(me.id)?)?,
        ))
    }

    /// Campers whose name starts with `prefix` (for completing `@na…` in the composer),
    /// without the reader and anyone who blocked them.
    pub fn complete_names(&self, viewer: Id, prefix: &str, limit: usize) -> Result<Vec<String>> {
        let me = self.actor(viewer)?;
        let prefix = prefix.trim_start_matches('@').to_lowercase();
        if prefix.is_empty() || prefix.len() > 30 {
            return Ok(vec![]);
        }
        let mut out = Vec::new();
        for (name, id) in self.store().usernames_starting(&prefix, limit * 3)? {
            if out.len() >= limit {
                break;
            }
            if id == me.id || self.store().blocks(id, me.id)? {
                continue;
            }
            if self.store().account(id)?.is_some_and(|a| !a.suspended) {
                out.push(name);
            }
        }
        Ok(out)
    }

    /// The profile of `name` as `viewer` sees it.
    pub fn profile(&self, viewer: Id, name: &str) -> Result<Profile> {
        let me = self.actor(viewer)?;
        let missing = || {
            Error::not_found(format!(
                "there is no camper named '{}'",
                text::sanitize_line(name)
            ))
        };
        let them = self
            .store()
            .account_by_name(name.trim_start_matches('@'))?
            .filter(|a| !a.suspended || a.id == me.id)
            .ok_or_else(missing)?;
        if them.id != me.id && self.store().blocks(them.id, me.id)? {
            return Err(missing());
        }
        let mut recent = Vec::new();
        for id in self.store().posts_by(them.id, None, 60)? {
            if recent.len() >= 20 {
                break;
            }
            if let Some(v) = self.visible(&me, id)? {
                recent.push(v);
            }
        }
        Ok(Profile {
            author: author_of(&them),
            bio: them.bio.clone(),
            joined_ms: them.created_ms,
            role: them.role,
            posts: self.store().post_count_of(them.id),
            followers: self.store().followers_of(them.id)?.len(),
            following: self.store().following_of(them.id)?.len(),
            followed_by_me: self.store().follows(me.id, them.id)?,
            follows_me: self.store().follows(them.id, me.id)?,
            muted: self
                .store()
                .mute(me.id, them.id)?
                .filter(|_| self.is_muted(me.id, them.id).unwrap_or(false)),
            blocked: self.store().blocks(me.id, them.id)?,
            is_me: them.id == me.id,
            recent,
        })
    }

    /// Changes `by`'s display name and bio.
    pub fn update_profile(&self, by: Id, display_name: &str, bio: &str) -> Result<Account> {
        let mut me = self.actor(by)?;
        let display_name = text::sanitize_line(display_name).trim().to_string();
        let bio = text::sanitize(bio).trim().to_string();
        if text::char_count(&display_name) > MAX_DISPLAY_NAME_CHARS {
            return Err(Error::invalid(format!(
                "a display name is limited to {MAX_DISPLAY_NAME_CHARS} characters"
            )));
        }
        if text::char_count(&bio) > MAX_BIO_CHARS {
            return Err(Error::invalid(format!(
                "a bio is limited to {MAX_BIO_CHARS} characters"
            )));
        }
        me.display_name = display_name;
        me.bio = bio;
        self.store().put_account(&me)?;
        self.store().flush()?;
        self.publish(CampEvent::AccountChanged(me.id));
        Ok(me)
    }

    /// Campers by name, hashtags by prefix and posts by text, as `viewer` may see them.
    pub fn search(&self, viewer: Id, query: &str, limit: usize) -> Result<SearchResults> {
        let me = self.actor(viewer)?;
        let q = text::sanitize_line(query).trim().to_lowercase();
        if q.is_empty() {
            return Err(Error::invalid("type something to search for"));
        }
        if text::char_count(&q) > 100 {
            return Err(Error::invalid("a search is limited to 100 characters"));
        }
        let mut res = SearchResults::default();
        let name_q = q.trim_start_matches('@');
        if !name_q.is_empty() {
            for a in self.store().accounts()? {
                if res.accounts.len() >= limit {
                    break;
                }
                if a.suspended || (a.id != me.id && self.store().blocks(a.id, me.id)?) {
                    continue;
                }
                if a.username.contains(name_q) || a.display_name.to_lowercase().contains(name_q) {
                    res.accounts.push(author_of(&a));
                }
            }
        }
        let tag_q = q.trim_start_matches('#');
        if !tag_q.is_empty() && !tag_q.contains(' ') {
            res.tags = self.store().tags_starting(tag_q, limit)?;
        }
        for p in self.store().scan_posts(SEARCH_SCAN) {
            if res.posts.len() >= limit {
                break;
            }
            let p = p?;
            // Direct posts are never found by search, not even by their audience.
            if p.visibility == Visibility::Direct || !p.text.to_lowercase().contains(&q) {
                continue;
            }
            if self.can_see(&me, &p)?
                && !self.is_muted(me.id, p.author)?
                && let Some(v) = self.view_for(&me, p)?
            {
                res.posts.push(v);
            }
        }
        Ok(res)
    }
}

#[cfg(test)]
mod tests;
