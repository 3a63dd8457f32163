//! The service side of federation: what remote actors may do to the camp (ask to
//! follow, deliver posts) and what campers decide (accept or reject requests). The
//! bridge calls these after it has verified who is speaking; the rules live here.

use std::sync::Arc;

use crate::camp::{Camp, CampEvent, NewPost};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::federation::{
    DomainPolicy, FollowState, RemoteActor, RemoteFollow, RemoteObject,
};
use crate::store::outbox::Intent;

/// The domain (without port) a policy is looked up by.
fn domain_of(host: &str) -> String {
    let h = host.trim().to_ascii_lowercase();
    match h.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.ends_with(']') => {
            name.to_string()
        }
        _ => h,
    }
}

/// Who a remote post is addressed to, as the bridge read its `to`/`cc`; the
/// service decides from this alone who here sees it
/// ([`Camp::receive_remote_note`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteAudience {
    /// Addressed to the public.
    pub public: bool,
    /// Addressed to the sender's followers collection.
    pub followers: bool,
    /// Local accounts addressed by their actor id.
    pub named: Vec<Id>,
}

/// A remote post as the bridge hands it to the service, already sanitized and
/// verified as coming from its author (or, for a boost, its booster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingNote {
    /// What it is stored under: the object's URL (the Announce's id for a boost).
    pub key: String,
    /// The shadow account of the sender.
    pub author: Id,
    /// The host of the object's origin (a camper hiding it does not get the post).
    pub object_host: String,
    /// Sanitized text.
    pub text: String,
    /// Sanitized content warning.
    pub cw: Option<String>,
    /// The local post it answers, if any.
    pub reply_to: Option<Id>,
    /// Who it is addressed to.
    pub audience: RemoteAudience,
    /// Campers may boost it (and camp announce it) when it is public; false for a
    /// boost's copy, which is never announced on.
    pub boostable: bool,
    /// For a boost's copy: the shadow account of the boosted post's author, when that
    /// author is known here. The copy is authored by the booster, so without this a
    /// suspended, blocked or muted author would reach Home through anyone's boost.
    pub original_author: Option<Id>,
}

impl Camp {
    /// How the bridge treats `host` (`name[:port]`), from moderation's domain blocks
    /// and the allowlist mode: this is the one place the bridge asks. A block on a
    /// parent covers its subdomains. A host that is not a domain name (`localhost`, an
    /// IPv6 literal) has no block, and is refused while the allowlist mode is on.
    pub fn domain_policy(&self, host: &str) -> Result<DomainPolicy> {
        let Ok(domain) = crate::camp::normalize_domain(&domain_of(host)) else {
            return Ok(DomainPolicy {
                suspend: self.allowlist_mode()?,
                ..DomainPolicy::default()
            });
        };
        let block = self.domain_block_for(&domain)?;
        Ok(DomainPolicy {
            suspend: !self.federates_with(&domain)?,
            silence: block
                .as_ref()
                .is_some_and(|b| b.severity == Severity::Silence),
            reject_media: block.as_ref().is_some_and(|b| b.reject_media),
        })
    }

    /// True when `viewer` hides the server of `account` (a remote shadow account,
    /// named `user@host`): its posts and notifications stay out of `viewer`'s views.
    pub(crate) fn hides_server_of(&self, viewer: Id, account: Id) -> Result<bool> {
        // Most campers hide nothing: one read answers them without the account's.
        if self.store().hidden_domains(viewer)?.is_empty() {
            return Ok(false);
        }
        match self.store().account(account)? {
            Some(a) => self.hides_server_of_account(viewer, &a),
            None => Ok(false),
        }
    }

    /// [`Self::hides_server_of`] for an account already read.
    pub(crate) fn hides_server_of_account(&self, viewer: Id, account: &Account) -> Result<bool> {
        if !account.is_remote() {
            return Ok(false);
        }
        let Some((_, host)) = account.username.rsplit_once('@') else {
            return Ok(false);
        };
        self.hides_host(viewer, host)
    }

    /// True when `viewer` hides `host` (`name[:port]`) or a parent domain of it.
    pub(crate) fn hides_host(&self, viewer: Id, host: &str) -> Result<bool> {
        match crate::camp::normalize_domain(&domain_of(host)) {
            Ok(d) => self.hides_domain(viewer, &d),
            Err(_) => Ok(false),
        }
    }

    /// Muted by `viewer`, or on a server `viewer` hides: every read and notification
    /// check uses this, so hiding a domain works like muting all of its accounts.
    pub(crate) fn muted_or_hidden(&self, viewer: Id, who: Id) -> Result<bool> {
        Ok(self.is_muted(viewer, who)? || self.hides_server_of(viewer, who)?)
    }

    /// Counts for NodeInfo: local accounts and public posts (nothing else is told).
    pub fn public_counts(&self) -> Result<(usize, usize)> {
        let mut users = 0;
        let mut posts = 0;
        for a in self.store().accounts()? {
            if a.is_remote() || a.suspended {
                continue;
            }
            users += 1;
            // From the public index: keys are counted, no post is read.
            posts += self.store().public_post_count_of(a.id)?;
        }
        Ok((users, posts))
    }

    /// The newest public posts of a local account, the only ones served outside
    /// (read from the public index, not a scan of every post).
    pub fn federable_posts_of(&self, account: Id, limit: usize) -> Result<Vec<Post>> {
        let Some(author) = self.store().account(account)? else {
            return Ok(Vec::new());
        };
        Ok(self
            .store()
            .public_posts_of(account, limit)?
            .into_iter()
            .filter(|p| crate::camp::federable(p, &author))
            .collect())
    }

    /// Deliveries still queued (the commands check who may see them).
    pub fn queued_deliveries(&self) -> Result<Vec<crate::store::federation::DeliveryJob>> {
        self.store().queued_deliveries()
    }

    fn local_member(&self, id: Id) -> Result<Account> {
        let a = self.actor(id)?;
        if a.is_remote() {
            return Err(Error::forbidden("not a local account"));
        }
        Ok(a)
    }

    /// A remote actor asked to follow `local`: stored as a request and notified,
    /// or answered at once when it is already an accepted follower (returns true then).
    pub fn remote_follow_requested(
        &self,
        local: Id,
        actor: &RemoteActor,
        follow_id: &str,
    ) -> Result<bool> {
        let account = self.local_member(local)?;
        if let Some(f) = self.store().remote_follower(account.id, &actor.id)?
            && f.state == FollowState::Accepted
        {
            self.store().put_remote_follower(
                account.id,
                &RemoteFollow {
                    follow_id: follow_id.to_string(),
                    ..f
                },
            )?;
            self.store().flush()?;
            return Ok(true);
        }
        self.store().put_remote_follower(
            account.id,
            &RemoteFollow {
                actor: actor.id.clone(),
                follow_id: follow_id.to_string(),
                state: FollowState::Pending,
                created_ms: crate::clock::now_ms(),
            },
        )?;
        self.store().flush()?;
        self.notify(
            account.id,
            NotificationKind::FollowRequest,
            Some(actor.shadow),
            None,
            None,
        )?;
        Ok(false)
    }

    /// `local` blocked the remote account `shadow`: it stops being `local`'s follower,
    /// so nothing more is delivered to it, and `local` stops following it. Its server
    /// is told both (a `Reject` of its follow, an `Undo` of ours), so it stops handing
    /// it `local`'s followers-only posts that arrive for other followers there.
    pub(crate) fn remote_blocked(&self, local: Id, shadow: Id) -> Result<()> {
        let Some(actor) = self.store().remote_actor_of_shadow(shadow)? else {
            return Ok(());
        };
        let follow_out = self
            .store()
            .remote_following(local, &actor.id)?
            .map(|f| f.follow_id);
        let follow_in = self
            .store()
            .remote_follower(local, &actor.id)?
            .map(|f| f.follow_id);
        let told = (follow_in.is_some() || follow_out.is_some()).then(|| Intent::Blocked {
            by: local,
            actor: actor.id.clone(),
            follow_in,
            follow_out,
        });
        let entry = self.outbox_entry(told)?;
        self.store().end_remote_follows_with(
            local,
            &actor.id,
            actor.shadow,
            (true, true),
            entry.as_ref(),
        )?;
        self.store().flush()?;
        self.intent_committed(entry.is_some());
        Ok(())
    }

    /// `local` asked to follow the remote `actor` with the `Follow` `follow_id`: the
    /// pending follow and its outgoing intent are written together.
    pub fn remote_follow_asked(
        &self,
        local: Id,
        actor: &RemoteActor,
        follow_id: &str,
    ) -> Result<()> {
        let account = self.local_member(local)?;
        if self
            .store()
            .account(actor.shadow)?
            .is_some_and(|s| s.suspended)
        {
            return Err(Error::forbidden("that account is suspended here"));
        }
        if let Some(f) = self.store().remote_following(local, &actor.id)?
            && f.state == FollowState::Accepted
        {
            return Err(Error::invalid(format!(
                "you already follow @{}",
                actor.handle()
            )));
        }
        let entry = self.outbox_entry(Some(Intent::Follow {
            by: account.id,
            actor: actor.id.clone(),
            follow_id: follow_id.to_string(),
        }))?;
        self.store().put_remote_following_with(
            account.id,
            &RemoteFollow {
                actor: actor.id.clone(),
                follow_id: follow_id.to_string(),
                state: FollowState::Pending,
                created_ms: crate::store::now_ms(),
            },
            entry.as_ref(),
        )?;
        self.store().flush()?;
        self.intent_committed(entry.is_some());
        Ok(())
    }

    /// `local` stops following (or asking to follow) the remote `actor`: the follow
    /// ends, its posts stop reaching Home, and an `Undo` is written to the outbox, all
    /// at once. Refused when there is no such follow.
    pub fn remote_unfollow(&self, local: Id, actor: &RemoteActor) -> Result<()> {
        let account = self.local_member(local)?;
        let f = self
            .store()
            .remote_following(account.id, &actor.id)?
            .ok_or_else(|| Error::not_found(format!("you do not follow @{}", actor.handle())))?;
        let entry = self.outbox_entry(Some(Intent::UndoFollow {
            by: account.id,
            actor: actor.id.clone(),
            follow_id: f.follow_id,
        }))?;
        self.store().end_remote_follows_with(
            account.id,
            &actor.id,
            actor.shadow,
            (true, false),
            entry.as_ref(),
        )?;
        self.store().flush()?;
        self.intent_committed(entry.is_some());
        Ok(())
    }

    /// Pending follow requests from outside to `local`, oldest first.
    pub fn remote_follow_requests(&self, local: Id) -> Result<Vec<(RemoteActor, RemoteFollow)>> {
        let account = self.local_member(local)?;
        let mut out = Vec::new();
        for f in self.store().remote_followers_of(account.id)? {
            if f.state == FollowState::Pending
                && let Some(a) = self.store().remote_actor(&f.actor)?
            {
                out.push((a, f));
            }
        }
        out.sort_by_key(|(_, f)| f.created_ms);
        Ok(out)
    }

    /// The camper answers a request from `handle` (`user@host`); returns the actor and
    /// its follow so the bridge can send Accept or Reject.
    pub fn answer_remote_follow(
        &self,
        local: Id,
        handle: &str,
        accept: bool,
    ) -> Result<(RemoteActor, RemoteFollow)> {
        let account = self.local_member(local)?;
        self.check_action_rate(&account)?;
        let handle = handle.trim().trim_start_matches('@').to_lowercase();
        let missing = || Error::not_found(format!("no follow request from @{handle}"));
        let shadow = self
            .store()
            .account_by_name(&handle)?
            .filter(|a| a.is_remote())
            .ok_or_else(missing)?;
        let actor = self
            .store()
            .remote_actor_of_shadow(shadow.id)?
            .ok_or_else(missing)?;
        let f = self
            .store()
            .remote_follower(account.id, &actor.id)?
            .filter(|f| f.state == FollowState::Pending)
            .ok_or_else(missing)?;
        let entry = self.outbox_entry(Some(Intent::Answer {
            by: account.id,
            actor: actor.id.clone(),
            follow_id: f.follow_id.clone(),
            accept,
        }))?;
        let accepted = RemoteFollow {
            state: FollowState::Accepted,
            ..f.clone()
        };
        self.store().set_remote_follower_with(
            account.id,
            &actor.id,
            accept.then_some(&accepted),
            entry.as_ref(),
        )?;
        self.store().flush()?;
        self.intent_committed(entry.is_some());
        Ok((actor, f))
    }

    /// A remote actor stopped following `local`.
    pub fn remote_unfollowed(&self, local: Id, actor: &str) -> Result<()> {
        self.store().remove_remote_follower(local, actor)?;
        self.store().flush()
    }

    /// A follow out was accepted: the remote account's posts now reach Home.
    pub fn remote_follow_accepted(&self, local: Id, actor: &RemoteActor) -> Result<bool> {
        let Some(f) = self.store().remote_following(local, &actor.id)? else {
            return Ok(false);
        };
        self.store().put_remote_following(
            local,
            &RemoteFollow {
                state: FollowState::Accepted,
                ..f
            },
        )?;
        self.store().follow(local, actor.shadow)?;
        self.store().flush()?;
        Ok(true)
    }

    /// A follow out was refused or undone: stop showing the account's posts.
    pub fn remote_follow_ended(&self, local: Id, actor: &RemoteActor) -> Result<()> {
        self.store().remove_remote_following(local, &actor.id)?;
        self.store().unfollow_edge(local, actor.shadow)?;
        self.store().flush()
    }

    /// A post from a followed remote account: stored under its shadow author, filed in
    /// the Home of `owners`, and published live. Ignored when already stored.
    pub fn receive_remote_post(&self, url: &str, post: Post, owners: Vec<Id>) -> Result<bool> {
        if self.store().remote_object(url)?.is_some() || owners.is_empty() {
            return Ok(false);
        }
        let author = self
            .store()
            .account(post.author)?
            .filter(|a| a.is_remote())
            .ok_or_else(|| Error::invalid("remote posts need a remote author"))?;
        let actor = self
            .store()
            .remote_actor_of_shadow(author.id)?
            .map(|a| a.id)
            .unwrap_or_default();
        let obj = RemoteObject {
            post: post.id,
            actor,
            home_owners: owners.clone(),
        };
        // Filed under its parent (so a reply from elsewhere shows in its thread) and
        // its author (so a remote profile lists what camp has of theirs); every read
        // of those indexes still goes through `can_see`.
        self.store().together(|| {
            self.store().insert_remote_post(url, &post, &obj)?;
            self.store().index_post(&post, &[])
        })?;
        self.store().flush()?;
        let view = self.view_with(post, &author);
        let reply_to = view.post.reply_to;
        let (post_id, shadow) = (view.post.id, view.author.id);
        self.publish(CampEvent::Posted(Arc::new(NewPost {
            view: Arc::new(view),
            on_camp: false,
            home_owners: owners.clone(),
        })));
        if let Some(parent) = reply_to
            && let Some(p) = self.store().post(parent)?
            && owners.contains(&p.author)
            && self
                .store()
                .account(p.author)?
                .is_some_and(|a| !a.is_remote())
        {
            self.notify(
                p.author,
                NotificationKind::Reply,
                Some(shadow),
                Some(post_id),
                None,
            )?;
        }
        Ok(true)
    }

    /// A remote post arrived: who here sees it follows from its addressing alone, and
    /// this is the one place that rule lives. Public → the sender's local followers
    /// get it in Home, and anyone here may open and boost it; the sender's followers
    /// collection → its local followers only; named campers → only them (a direct
    /// post, with a notification). A public reply to one of our posts also reaches
    /// that post's author. Nobody else is ever given it: a camper neither addressed
    /// nor following never sees a post that is not public. A silenced server reaches
    /// only those who follow its accounts. Remote posts never join the camp
    /// timeline. A boost of a post by a suspended account (or one on a suspended
    /// server) reaches nobody, and none who block or mute the boosted author (or are
    /// blocked by it) get the boost. Returns the stored post's id, or None when
    /// nobody here gets it (or it was stored before).
    pub fn receive_remote_note(&self, note: IncomingNote) -> Result<Option<Id>> {
        let author = self
            .store()
            .account(note.author)?
            .filter(|a| a.is_remote())
            .ok_or_else(|| Error::invalid("remote posts need a remote author"))?;
        let Some(sender) = self.store().remote_actor_of_shadow(author.id)? else {
            return Err(Error::invalid("remote posts need a remote author"));
        };
        if let Some(original) = note.original_author
            && self.boosted_author_refused(original)?
        {
            return Ok(None);
        }
        let a = &note.audience;
        let silenced = self.domain_policy(&sender.host)?.silence;
        let local = |id: Id| -> Result<bool> {
            Ok(self
                .store()
                .account(id)?
                .is_some_and(|acc| !acc.is_remote() && !acc.suspended))
        };
        let mut followers = Vec::new();
        if a.public || a.followers {
            for f in self.store().followers_of(author.id)? {
                if local(f)? {
                    followers.push(f);
                }
            }
        }
        // A silenced server reaches only those who follow its accounts.
        let reachable = |id: Id| -> Result<bool> {
            Ok(local(id)? && (!silenced || self.store().follows(id, author.id)?))
        };
        let mut named = Vec::new();
        for &n in &a.named {
            if !named.contains(&n) && reachable(n)? {
                named.push(n);
            }
        }
        // A public reply reaches the author of our post it answers.
        let mut parent_author = None;
        if a.public
            && let Some(parent) = note.reply_to
            && let Some(p) = self.store().post(parent)?
            && reachable(p.author)?
        {
            parent_author = Some(p.author);
        }
        let visibility = if a.public {
            Visibility::Public
        } else if a.followers {
            Visibility::Followers
        } else if !named.is_empty() {
            Visibility::Direct
        } else {
            return Ok(None);
        };
        let mut owners = Vec::new();
        for o in followers.iter().chain(&named).chain(parent_author.iter()) {
            if owners.contains(o)
                || self.blocked_either_way(*o, author.id)?
                || self.hides_host(*o, &sender.host)?
                || self.hides_host(*o, &note.object_host)?
                || self.shuns_original(*o, note.original_author)?
            {
                continue;
            }
            owners.push(*o);
        }
        named.retain(|n| owners.contains(n));
        if owners.is_empty() {
            return Ok(None);
        }
        let post = Post {
            id: self.store().next_id(),
            author: author.id,
            text: note.text,
            cw: note.cw,
            visibility,
            reply_to: note.reply_to,
            mentions: named.clone(),
            created_ms: crate::clock::now_ms(),
            edited_ms: None,
        };
        let id = post.id;
        if !self.receive_remote_post(&note.key, post, owners)? {
            return Ok(None);
        }
        if note.boostable && visibility == Visibility::Public {
            self.store().mark_remote_public(id)?;
            self.store().flush()?;
        }
        let kind = if visibility == Visibility::Direct {
            NotificationKind::Direct
        } else {
            NotificationKind::Mention
        };
        // The author of the post answered is told of a reply by `receive_remote_post`.
        let answered = match note.reply_to {
            Some(parent) => self.store().post(parent)?.map(|p| p.author),
            None => None,
        };
        for n in named {
            if Some(n) != answered {
                self.notify(n, kind, Some(author.id), Some(id), None)?;
            }
        }
        Ok(Some(id))
    }

    /// True when a boost of a post by `original` (a shadow account) must reach
    /// nobody: a moderator suspended the account (or it is gone), or its server is
    /// suspended here.
    fn boosted_author_refused(&self, original: Id) -> Result<bool> {
        let Some(account) = self.store().account(original)? else {
            return Ok(true);
        };
        if account.suspended {
            return Ok(true);
        }
        Ok(match self.store().remote_actor_of_shadow(original)? {
            Some(actor) => self.domain_policy(&actor.host)?.suspend,
            None => false,
        })
    }

    /// True when `owner` blocks or mutes the boosted author `original` (or is
    /// blocked by it): the boost stays out of their Home.
    fn shuns_original(&self, owner: Id, original: Option<Id>) -> Result<bool> {
        let Some(original) = original else {
            return Ok(false);
        };
        Ok(self.blocked_either_way(owner, original)? || self.is_muted(owner, original)?)
    }

    /// A remote post was edited by its author.
    pub fn update_remote_post(
        &self,
        url: &str,
        actor: &str,
        text: String,
        cw: Option<String>,
    ) -> Result<bool> {
        let Some(obj) = self
            .store()
            .remote_object(url)?
            .filter(|o| o.actor == actor)
        else {
            return Ok(false);
        };
        let Some(mut post) = self.store().post(obj.post)? else {
            return Ok(false);
        };
        post.text = text;
        post.cw = cw;
        post.edited_ms = Some(crate::clock::now_ms());
        self.store().update_remote_post(&post)?;
        self.store().flush()?;
        Ok(true)
    }

    /// A remote post was deleted by its author.
    pub fn remove_remote_post(&self, url: &str, actor: &str) -> Result<bool> {
        let Some(obj) = self
            .store()
            .remote_object(url)?
            .filter(|o| o.actor == actor)
        else {
            return Ok(false);
        };
        self.store().remove_remote_post(url, &obj)?;
        self.store().flush()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camp::TimelineKind;
    use crate::camp::testing::camp_with;

    /// A camp with bo, cy and dee, and the remote actor carol whom cy follows.
    fn setup() -> (Camp, Id, Id, Id, RemoteActor) {
        let (camp, ids) = camp_with(&["admin", "bo", "cy", "dee"]);
        let carol = camp
            .store()
            .upsert_remote_actor(crate::camp::testing::remote_actor(
                "carol",
                "peer.example",
                "Carol",
            ))
            .unwrap();
        let cy = ids[2];
        crate::camp::testing::accepted_remote_follow(&camp, cy, &carol);
        (camp, ids[1], cy, ids[3], carol)
    }

    fn incoming(carol: &RemoteActor, n: u32, audience: RemoteAudience) -> IncomingNote {
        IncomingNote {
            key: format!("https://peer.example/notes/{n}"),
            author: carol.shadow,
            object_host: "peer.example".into(),
            text: format!("note {n}"),
            cw: None,
            reply_to: None,
            audience,
            boostable: true,
            original_author: None,
        }
    }

    fn home_texts(camp: &Camp, who: Id) -> Vec<String> {
        camp.timeline(who, TimelineKind::Home, None, 50)
            .unwrap()
            .into_iter()
            .map(|v| v.post.text)
            .collect()
    }

    #[test]
    fn a_post_addressed_only_to_bo_is_not_seen_by_carols_follower_cy() {
        let (camp, bo, cy, dee, carol) = setup();
        let id = camp
            .receive_remote_note(incoming(
                &carol,
                1,
                RemoteAudience {
                    named: vec![bo],
                    ..Default::default()
                },
            ))
            .unwrap()
            .expect("bo gets it");
        assert_eq!(home_texts(&camp, bo), ["note 1"]);
        assert!(camp.post(bo, id).is_ok());
        let told = camp.notifications(bo, None, 10).unwrap();
        assert!(
            told.iter()
                .any(|n| n.kind == NotificationKind::Direct && n.post == Some(id)),
            "{told:?}"
        );
        // cy follows carol, dee follows nobody: neither sees it, not even by id.
        for other in [cy, dee] {
            assert!(home_texts(&camp, other).is_empty());
            assert!(camp.post(other, id).is_err());
        }
        let stored = camp.store().post(id).unwrap().unwrap();
        assert_eq!(stored.visibility, Visibility::Direct);
        assert_eq!(stored.mentions, [bo]);
        // Nothing remote joins the camp timeline.
        assert!(
            camp.timeline(bo, TimelineKind::Camp, None, 50)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn followers_only_posts_reach_local_followers_and_the_named_only() {
        let (camp, bo, cy, dee, carol) = setup();
        let id = camp
            .receive_remote_note(incoming(
                &carol,
                2,
                RemoteAudience {
                    followers: true,
                    named: vec![bo],
                    ..Default::default()
                },
            ))
            .unwrap()
            .unwrap();
        assert_eq!(home_texts(&camp, cy), ["note 2"]);
        assert_eq!(home_texts(&camp, bo), ["note 2"]);
        assert!(camp.post(bo, id).is_ok() && camp.post(cy, id).is_ok());
        assert!(camp.post(dee, id).is_err());
        assert!(home_texts(&camp, dee).is_empty());
        // Not public: nobody may boost it.
        assert!(
            camp.react(cy, id, crate::camp::Reaction::Boost, Some(true))
                .is_err()
        );
    }

    #[test]
    fn public_posts_go_to_followers_home_and_anyone_may_open_and_boost_them() {
        let (camp, bo, cy, dee, carol) = setup();
        let id = camp
            .receive_remote_note(incoming(
                &carol,
                3,
                RemoteAudience {
                    public: true,
                    ..Default::default()
                },
            ))
            .unwrap()
            .unwrap();
        assert_eq!(home_texts(&camp, cy), ["note 3"]);
        assert!(home_texts(&camp, bo).is_empty(), "not in a stranger's Home");
        assert!(camp.post(dee, id).is_ok(), "but anyone may open it");
        camp.react(dee, id, crate::camp::Reaction::Boost, Some(true))
            .unwrap();
        assert!(
            camp.timeline(bo, TimelineKind::Camp, None, 50)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_silenced_server_reaches_only_campers_who_follow_it() {
        let (camp, bo, cy, _dee, carol) = setup();
        let admin = camp.store().account_by_name("admin").unwrap().unwrap().id;
        camp.block_domain(
            admin,
            "peer.example",
            crate::camp::DomainBlockOptions {
                severity: Severity::Silence,
                ..Default::default()
            },
        )
        .unwrap();
        let direct = RemoteAudience {
            named: vec![bo, cy],
            ..Default::default()
        };
        let id = camp
            .receive_remote_note(incoming(&carol, 5, direct))
            .unwrap()
            .unwrap();
        assert_eq!(camp.store().post(id).unwrap().unwrap().mentions, [cy]);
        assert!(home_texts(&camp, bo).is_empty());
        assert_eq!(home_texts(&camp, cy), ["note 5"]);
    }

    #[test]
    fn a_post_addressed_to_nobody_here_is_not_stored() {
        let (camp, _bo, _cy, _dee, carol) = setup();
        let nobody = camp
            .receive_remote_note(incoming(&carol, 4, RemoteAudience::default()))
            .unwrap();
        assert_eq!(nobody, None);
        assert!(
            camp.store()
                .remote_object("https://peer.example/notes/4")
                .unwrap()
                .is_none()
        );
    }

    /// A boost's copy is by the booster; the boosted author still counts: a camper
    /// who mutes or blocks the author does not get it, and a suspended author's
    /// boosts reach nobody.
    #[test]
    fn a_boost_is_kept_from_those_who_shun_its_author_and_from_all_when_suspended() {
        let (camp, bo, cy, _dee, carol) = setup();
        let admin = camp.store().account_by_name("admin").unwrap().unwrap().id;
        // bo follows carol too; dan (elsewhere) is known, followed by nobody.
        camp.store()
            .put_remote_following(
                bo,
                &RemoteFollow {
                    actor: carol.id.clone(),
                    follow_id: "https://camp.test/users/bo/follows/1".into(),
                    state: FollowState::Pending,
                    created_ms: 0,
                },
            )
            .unwrap();
        assert!(camp.remote_follow_accepted(bo, &carol).unwrap());
        let dan = camp
            .store()
            .upsert_remote_actor(crate::camp::testing::remote_actor(
                "dan",
                "other.example",
                "Dan",
            ))
            .unwrap();
        let boost = |n: u32| IncomingNote {
            object_host: "other.example".into(),
            boostable: false,
            original_author: Some(dan.shadow),
            ..incoming(
                &carol,
                n,
                RemoteAudience {
                    followers: true,
                    ..RemoteAudience::default()
                },
            )
        };
        camp.store()
            .put_mute(cy, dan.shadow, Mute { until_ms: None })
            .unwrap();
        assert!(camp.receive_remote_note(boost(1)).unwrap().is_some());
        assert!(home_texts(&camp, bo).contains(&"note 1".to_string()));
        assert!(!home_texts(&camp, cy).contains(&"note 1".to_string()));
        camp.block(bo, "dan@other.example").unwrap();
        assert_eq!(camp.receive_remote_note(boost(2)).unwrap(), None);
        camp.act_on_account(
            admin,
            "dan@other.example",
            crate::camp::AccountAction::Suspend(true),
            "spam",
        )
        .unwrap();
        camp.store()
            .put_mute(cy, dan.shadow, Mute { until_ms: Some(1) })
            .unwrap();
        assert_eq!(camp.receive_remote_note(boost(3)).unwrap(), None);
        for who in [bo, cy] {
            let home = home_texts(&camp, who);
            assert!(
                !home.iter().any(|t| t == "note 2" || t == "note 3"),
                "{home:?}"
            );
        }
    }
}
