//! People: follow and unfollow, mutes (optionally timed) and blocks, profiles and
//! their editing, name completion and search. Every method checks who asks.

use std::time::Duration;

use crate::camp::social::author_of;
use crate::camp::{Author, Camp, CampEvent, PostView};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::now_ms;
use crate::text;

/// Longest bio, in characters.
pub const MAX_BIO_CHARS: usize = 500;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 50;
/// How many recent posts a new follow brings onto the follower's home timeline.
const FOLLOW_BACKFILL: usize = 20;
/// How many stored posts a text search looks through, newest first.
const SEARCH_SCAN: usize = 5_000;

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
    /// Posts they wrote that the reader may see.
    pub posts: usize,
    /// Accounts following them.
    pub followers: usize,
    /// Accounts they follow.
    pub following: usize,
    /// The reader follows them.
    pub followed_by_me: bool,
    /// The reader asked to follow them (a remote account) and waits for the answer.
    pub follow_pending: bool,
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
    /// Hashtags starting with the query, with how many posts the reader may see.
    pub tags: Vec<(String, usize)>,
    /// Posts containing the text, newest first.
    pub posts: Vec<PostView>,
}

impl Camp {
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

    /// The camper `name`, or a known account elsewhere (`user@host`, one camp has met:
    /// a follow either way or a post in someone's Home), for mutes and blocks.
    fn other_or_remote(&self, me: &Account, name: &str) -> Result<Account> {
        let bare = name.trim().trim_start_matches('@');
        if !bare.contains('@') {
            return self.other(me, bare);
        }
        self.store()
            .account_by_name(&bare.to_lowercase())?
            .filter(|a| a.is_remote())
            .ok_or_else(|| {
                Error::not_found(format!("camp does not know @{}", text::sanitize_line(bare)))
            })
    }

    /// `by` follows the camper `name`; their recent posts join `by`'s home timeline.
    pub fn follow(&self, by: Id, name: &str) -> Result<Account> {
        let me = self.actor(by)?;
        self.follow_as(&me, name, true)
    }

    /// [`Camp::follow`] for an account already checked; `rate` counts it against the
    /// action rate (an import counts once, as a whole).
    pub(crate) fn follow_as(&self, me: &Account, name: &str, rate: bool) -> Result<Account> {
        let me = me.clone();
        let them = self.other(&me, name)?;
        // Someone who blocked you is nobody to you, exactly as on their profile: the
        // refusal must not tell you of the block.
        if self.store().blocks(them.id, me.id)? {
            return Err(Error::not_found(format!(
                "there is no camper named '{}'",
                text::sanitize_line(name.trim_start_matches('@'))
            )));
        }
        if self.store().blocks(me.id, them.id)? {
            return Err(Error::forbidden(format!(
                "you blocked @{}: unblock them first to follow",
                them.username
            )));
        }
        if self.store().follows(me.id, them.id)? {
            return Err(Error::invalid(format!(
                "you already follow @{}",
                them.username
            )));
        }
        if rate {
            self.check_action_rate(&me)?;
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
        self.check_action_rate(&me)?;
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

    /// Who follows `viewer`: campers, and remote accounts whose follow `viewer`
    /// accepted (a pending request is not a follower; see `requests`).
    pub fn followers(&self, viewer: Id) -> Result<Vec<Author>> {
        let me = self.actor(viewer)?;
        let mut ids = self.store().followers_of(me.id)?;
        for shadow in self.accepted_remote_followers(me.id)? {
            if !ids.contains(&shadow) {
                ids.push(shadow);
            }
        }
        self.authors(ids)
    }

    /// The shadow accounts of `account`'s accepted remote followers. Their follows
    /// live in the bridge's tree, not as local follow edges.
    fn accepted_remote_followers(&self, account: Id) -> Result<Vec<Id>> {
        let mut out = Vec::new();
        for f in self.store().remote_followers_of(account)? {
            if f.state != crate::store::federation::FollowState::Accepted {
                continue;
            }
            if let Some(a) = self.store().remote_actor(&f.actor)?
                && !out.contains(&a.shadow)
            {
                out.push(a.shadow);
            }
        }
        Ok(out)
    }

    /// Mutes `name` for `by` (for a while when `duration` is given): their posts leave
    /// `by`'s timelines and their notifications stop.
    pub fn mute(&self, by: Id, name: &str, duration: Option<Duration>) -> Result<Mute> {
        let me = self.actor(by)?;
        self.mute_as(&me, name, duration, true)
    }

    /// [`Camp::mute`] for an account already checked; `rate` as for [`Camp::follow_as`].
    pub(crate) fn mute_as(
        &self,
        me: &Account,
        name: &str,
        duration: Option<Duration>,
        rate: bool,
    ) -> Result<Mute> {
        let them = self.other_or_remote(me, name)?;
        let mute = Mute {
            until_ms: duration.map(|d| now_ms().saturating_add(d.as_millis() as u64)),
        };
        if rate {
            self.check_action_rate(me)?;
        }
        self.store().put_mute(me.id, them.id, mute)?;
        self.store().flush()?;
        Ok(mute)
    }

    /// Ends a mute.
    pub fn unmute(&self, by: Id, name: &str) -> Result<()> {
        let me = self.actor(by)?;
        let them = self.other_or_remote(&me, name)?;
        if self.store().mute(me.id, them.id)?.is_some() {
            self.check_action_rate(&me)?;
        }
        if !self.store().remove_mute(me.id, them.id)? {
            return Err(Error::invalid(format!("@{} is not muted", them.username)));
        }
        self.store().flush()
    }

    /// Blocks `name` for `by`: neither sees the other's posts, they cannot mention or
    /// follow `by`, and follows between them end.
    pub fn block(&self, by: Id, name: &str) -> Result<()> {
        let me = self.actor(by)?;
        self.block_as(&me, name, true)
    }

    /// [`Camp::block`] for an account already checked; `rate` as for [`Camp::follow_as`].
    pub(crate) fn block_as(&self, me: &Account, name: &str, rate: bool) -> Result<()> {
        let them = self.other_or_remote(me, name)?;
        if rate {
            self.check_action_rate(me)?;
        }
        self.store().block(me.id, them.id)?;
        if them.is_remote() {
            self.remote_blocked(me.id, them.id)?;
        }
        self.store().flush()
    }

    /// Ends a block.
    pub fn unblock(&self, by: Id, name: &str) -> Result<()> {
        let me = self.actor(by)?;
        let them = self.other_or_remote(&me, name)?;
        if self.store().blocks(me.id, them.id)? {
            self.check_action_rate(&me)?;
        }
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
            posts: self.visible_post_count(&me, &them)?,
            followers: self.store().followers_of(them.id)?.len()
                + self.accepted_remote_followers(them.id)?.len(),
            following: self.store().following_of(them.id)?.len(),
            followed_by_me: self.store().follows(me.id, them.id)?,
            follow_pending: them.is_remote()
                && self.remote_follow_state_of_shadow(me.id, them.id)?
                    == Some(crate::store::federation::FollowState::Pending),
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
        self.check_action_rate(&me)?;
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
            res.tags = self.visible_tags(&me, tag_q, limit)?;
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
                && !self.muted_or_hidden(me.id, p.author)?
                && let Some(v) = self.view_for(&me, p)?
            {
                res.posts.push(v);
            }
        }
        Ok(res)
    }
}
