//! Writing posts and reading timelines, with every visibility rule checked here.

use std::collections::HashMap;

use serde::Serialize;

use crate::camp::{Camp, CampEvent, NewPost};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::now_ms;
use crate::store::outbox::PostChange;
use crate::text;

/// Longest content warning, in characters.
pub const MAX_CW_CHARS: usize = 100;
/// Most posts one timeline request returns.
pub const MAX_PAGE: usize = 200;

/// What a camper submits from the composer or the `post` verb.
#[derive(Debug, Clone, Default)]
pub struct PostDraft {
    /// Body text (sanitized on the way in).
    pub text: String,
    /// Optional content warning.
    pub cw: Option<String>,
    /// Who may see it; `None` takes the default: camp for a new post, the parent's
    /// visibility for a reply (an explicit `camp` must stay distinguishable).
    pub visibility: Option<Visibility>,
    /// The post answered.
    pub reply_to: Option<Id>,
}

/// The public face of an account, as shown beside posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Author {
    /// Account id.
    pub id: Id,
    /// Unique name.
    pub username: String,
    /// Free-form name (may be empty).
    pub display_name: String,
}

/// A post ready for a reader: the record plus who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostView {
    /// The stored post.
    pub post: Post,
    /// Its author.
    pub author: Author,
    /// Reply, favourite and boost counts when it was read.
    pub stats: PostStats,
    /// What the reader did to it (favourited, boosted, bookmarked); default in events.
    pub mine: crate::camp::Mine,
    /// Who boosted it onto a home timeline (None for the post itself).
    pub boosted_by: Option<Author>,
    /// Its poll as the reader sees it (in events: results hidden unless it ended).
    pub poll: Option<crate::camp::PollView>,
    /// Its place on a timeline: the post's id, or the boost's when boosted.
    pub entry: Id,
    /// The reader's filter phrase it matched, when a warn filter folds it (see
    /// [`crate::camp::filters`]); `None` when shown as is.
    pub filtered: Option<String>,
}

/// Which timeline to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineKind {
    /// Own posts and posts of people followed.
    Home,
    /// Every camper's camp and public posts.
    Camp,
}

impl TimelineKind {
    /// Parses `home` or `camp`.
    pub fn parse(s: &str) -> Option<TimelineKind> {
        match s {
            "home" => Some(TimelineKind::Home),
            "camp" => Some(TimelineKind::Camp),
            _ => None,
        }
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineKind::Home => "home",
            TimelineKind::Camp => "camp",
        }
    }
}

/// Words that follow `sigil` at the start of a word (`@ana`, `#tag`), made of
/// characters `part` accepts, lower-cased, without duplicates, in order.
pub(crate) fn sigil_words(text: &str, sigil: char, part: fn(char) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        // `a@b.c` and `x#1` are not mentions or tags: the sigil must start a word.
        let starts = c == sigil && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_');
        prev = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[i + sigil.len_utf8()..];
        let len = rest.find(|ch: char| !part(ch)).unwrap_or(rest.len());
        let word = rest[..len].to_lowercase();
        if !word.is_empty() && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// The bare `@names` a text mentions (not `@name@host` handles), lower-cased, without
/// duplicates, in order.
pub fn mentioned_names(text: &str) -> Vec<String> {
    crate::camp::audience::mentioned_handles(text)
        .into_iter()
        .filter(|h| h.host.is_none())
        .map(|h| h.name)
        .collect()
}

impl Camp {
    /// Sanitizes a post's text and content warning and checks them against the limits;
    /// the one gate both new posts and edits pass.
    pub(crate) fn clean_post_text(
        &self,
        text: &str,
        cw: Option<&str>,
    ) -> Result<(String, Option<String>)> {
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
        let cw = cw.map(text::sanitize_line).filter(|c| !c.is_empty());
        if let Some(c) = &cw
            && text::char_count(c) > MAX_CW_CHARS
        {
            return Err(Error::invalid(format!(
                "a content warning is limited to {MAX_CW_CHARS} characters"
            )));
        }
        Ok((body, cw))
    }

    /// Writes a post for `by`. Refuses empty, over-long or unauthorised posts with a
    /// reason, and writes nothing then. The post is flushed before this returns.
    pub fn create_post(&self, by: Id, draft: PostDraft) -> Result<PostView> {
        self.create_post_with(by, draft, None)
    }

    /// [`Camp::create_post`], with a checked poll ([`Camp::create_poll_post`]).
    pub(super) fn create_post_with(
        &self,
        by: Id,
        draft: PostDraft,
        poll: Option<crate::store::polls::Poll>,
    ) -> Result<PostView> {
        let author = self.actor(by)?;
        let (body, cw) = self.clean_post_text(&draft.text, draft.cw.as_deref())?;
        let parent = match draft.reply_to {
            Some(id) => Some(
                self.store()
                    .post(id)?
                    .filter(|p| self.can_see(&author, p).unwrap_or(false))
                    .ok_or_else(|| {
                        Error::not_found(format!("there is no post {id} to reply to"))
                    })?,
            ),
            None => None,
        };
        // A reply is never wider than what it answers (see `audience`).
        let visibility = match &parent {
            Some(p) => self.reply_visibility(p, draft.visibility)?,
            None => draft.visibility.unwrap_or_default(),
        };
        let reach = self.reach_of(&author, &body)?;
        let mentions = match &parent {
            Some(p) if visibility == Visibility::Direct && p.visibility == Visibility::Direct => {
                self.direct_reply_audience(&author, p, &reach)?
            }
            _ => reach.local.clone(),
        };
        // A direct post naming only accounts on other servers goes to them alone,
        // through the bridge (which looks them up); without it there is no one.
        let remote_only = self.federating() && !reach.remote.is_empty();
        if visibility == Visibility::Direct && mentions.is_empty() && !remote_only {
            return Err(self.unreachable_direct(&reach));
        }
        // Counted only for posts that would be written, so typos cost nothing.
        self.check_post_rate(&author)?;
        let post = Post {
            id: self.store().next_id(),
            author: author.id,
            text: body,
            cw,
            visibility,
            reply_to: draft.reply_to,
            mentions,
            created_ms: now_ms(),
            edited_ms: None,
        };
        let mut home_owners = vec![author.id];
        match post.visibility {
            Visibility::Direct => home_owners.extend(&post.mentions),
            _ => home_owners.extend(self.store().followers_of(author.id)?),
        }
        home_owners.sort_unstable();
        home_owners.dedup();
        let on_camp = post.visibility.on_camp_timeline() && !author.silenced;
        let intent = self.post_intent(PostChange::Create, &post, &author, &reach.remote)?;
        // The poll first: a reader (or the bridge) never meets the post without it.
        if let Some(poll) = &poll {
            self.store().put_poll(post.id, poll)?;
        }
        // The post, its timelines, its intent and its reply, author and tag entries in
        // one transaction; then the public index (a crash in between leaves a public
        // post off its author's public page, never an entry without its post). A
        // backup sees both writes or neither.
        self.store().together(|| {
            self.store().insert_indexed_post(
                &post,
                on_camp,
                &home_owners,
                intent.as_ref(),
                &super::social::hashtags(&post.text),
            )
        })?;
        let parent_author = parent.map(|p| p.author);
        let mention_kind = if post.visibility == Visibility::Direct {
            NotificationKind::Direct
        } else {
            NotificationKind::Mention
        };
        let view = self.view_with(post, &author);
        self.publish(CampEvent::Posted(std::sync::Arc::new(NewPost {
            view: std::sync::Arc::new(view.clone()),
            on_camp,
            home_owners,
        })));
        for &m in &view.post.mentions {
            // `notify` drops it for anyone who may not read the post (a non-follower
            // named in a followers-only post).
            if Some(m) != parent_author {
                self.notify(m, mention_kind, Some(author.id), Some(view.post.id), None)?;
            }
        }
        if let Some(parent_author) = parent_author {
            let visible = match self.store().account(parent_author)? {
                Some(a) => self.can_see(&a, &view.post)?,
                None => false,
            };
            if visible {
                self.notify(
                    parent_author,
                    NotificationKind::Reply,
                    Some(author.id),
                    Some(view.post.id),
                    None,
                )?;
            }
        }
        // Readers may see the post before it is on disk (an fsync under I/O load can take
        // a second and would hold every screen back); the author is told only after it is.
        self.store().flush()?;
        self.intent_committed(intent.is_some());
        Ok(view)
    }

    /// Whether `viewer` may see `post` at all. The single rule every read goes through.
    pub fn can_see(&self, viewer: &Account, post: &Post) -> Result<bool> {
        if post.author == viewer.id {
            return Ok(true);
        }
        let Some(author) = self.store().account(post.author)? else {
            return Ok(false);
        };
        if self.author_hidden_from(viewer, &author)? {
            return Ok(false);
        }
        self.in_audience(viewer, post, || {
            if viewer.is_remote() && !author.is_remote() {
                return self.accepted_remote_follower(viewer, author.id);
            }
            self.store().follows(viewer.id, post.author)
        })
    }

    /// Whether the remote `viewer` is an accepted follower of the camper `account`.
    /// Such follows live in the bridge's tree, not as local follow edges, so
    /// [`Store::follows`](crate::store::Store::follows) never sees them; a pending or
    /// refused request is no follow.
    fn accepted_remote_follower(&self, viewer: &Account, account: Id) -> Result<bool> {
        let Some(actor) = self.store().remote_actor_of_shadow(viewer.id)? else {
            return Ok(false);
        };
        Ok(self
            .store()
            .remote_follower(account, &actor.id)?
            .is_some_and(|f| f.state == crate::model::FollowState::Accepted))
    }

    /// True when nothing `author` wrote may reach `viewer` (someone else): a suspended
    /// author, a server the camp no longer federates with, or a block either way.
    pub(crate) fn author_hidden_from(&self, viewer: &Account, author: &Account) -> Result<bool> {
        Ok(self.author_cut_off(author)? || self.blocked_either_way(viewer.id, author.id)?)
    }

    /// True when nothing `author` wrote may reach anyone: a suspended author, or one
    /// from a server the camp no longer federates with (suspended, or unlisted in
    /// allowlist mode), whose posts are hidden like a suspended camper's.
    pub(crate) fn author_cut_off(&self, author: &Account) -> Result<bool> {
        if author.suspended {
            return Ok(true);
        }
        match author.username.rsplit_once('@') {
            Some((_, host)) if author.is_remote() => Ok(self.domain_policy(host)?.suspend),
            _ => Ok(false),
        }
    }

    /// Whether `post`'s visibility takes in `viewer` (not its author), given whether
    /// `viewer` follows the author (asked only for a followers-only post).
    pub(crate) fn in_audience(
        &self,
        viewer: &Account,
        post: &Post,
        follows: impl FnOnce() -> Result<bool>,
    ) -> Result<bool> {
        Ok(match post.visibility {
            Visibility::Public => true,
            // Camp-only is the camp's promise: no account from elsewhere is ever in its
            // audience, whatever path asks (not only the ones that check reach).
            Visibility::Camp => !viewer.is_remote(),
            // A remote followers-only post may also name campers who do not follow
            // its author (`cc` of a mention); they alone see it besides followers.
            // A camper's own followers-only post reaches its followers only.
            Visibility::Followers => {
                follows()?
                    || (post.mentions.contains(&viewer.id)
                        && self
                            .store()
                            .account(post.author)?
                            .is_some_and(|a| a.is_remote()))
            }
            Visibility::Direct => post.mentions.contains(&viewer.id),
        })
    }

    /// A post as nobody in particular sees it (for events shared by every screen):
    /// the reply count depends on who reads, so it is left at zero here and filled in
    /// by [`Camp::reader_view`].
    pub(super) fn view_with(&self, mut post: Post, author: &Account) -> PostView {
        if author.sensitive && post.cw.is_none() {
            post.cw = Some("sensitive content".into());
        }
        let stats = PostStats {
            replies: 0,
            ..self.store().post_stats(post.id).unwrap_or_default()
        };
        let poll = self.poll_view(None, &post).unwrap_or(None);
        PostView {
            poll,
            stats,
            entry: post.id,
            post,
            author: Author {
                id: author.id,
                username: author.username.clone(),
                display_name: author.display_name.clone(),
            },
            mine: Default::default(),
            boosted_by: None,
            filtered: None,
        }
    }

    /// One post, if `viewer` may see it.
    pub fn post(&self, viewer: Id, id: Id) -> Result<PostView> {
        let viewer = self.actor(viewer)?;
        let missing = || Error::not_found(format!("there is no post {id}"));
        let post = self.store().post(id)?.ok_or_else(missing)?;
        if !self.can_see(&viewer, &post)? {
            return Err(missing());
        }
        let author = self.store().account(post.author)?.ok_or_else(missing)?;
        self.reader_view(&viewer, post, &author)
    }

    /// A page of a timeline for `viewer`, newest first, older than `before` when given.
    pub fn timeline(
        &self,
        viewer: Id,
        kind: TimelineKind,
        before: Option<Id>,
        limit: usize,
    ) -> Result<Vec<PostView>> {
        let viewer = self.actor(viewer)?;
        let limit = limit.clamp(1, MAX_PAGE);
        let mut out = Vec::with_capacity(limit);
        let mut cursor = before;
        let mut authors: HashMap<Id, Option<Account>> = HashMap::new();
        let filters = self.filter_set(viewer.id)?;
        let context = crate::camp::filters::FilterContext::of_timeline(kind);
        let exclusive = match kind {
            TimelineKind::Home => self.exclusive_members(viewer.id)?,
            TimelineKind::Camp => Default::default(),
        };
        // Hidden posts (suspended authors) are skipped, so read in rounds until full.
        for _ in 0..8 {
            let batch = match kind {
                TimelineKind::Camp => self
                    .store()
                    .camp_timeline(cursor, limit)?
                    .into_iter()
                    .map(|post| crate::store::social::HomeItem {
                        entry: post.id,
                        post,
                        boosted_by: None,
                    })
                    .collect(),
                TimelineKind::Home => self.store().home_items(viewer.id, cursor, limit)?,
            };
            let exhausted = batch.len() < limit;
            for item in batch {
                let post = item.post;
                cursor = Some(item.entry);
                if out.len() >= limit {
                    break;
                }
                let author = match authors.get(&post.author) {
                    Some(a) => a.clone(),
                    None => {
                        let a = self.store().account(post.author)?;
                        authors.insert(post.author, a.clone());
                        a
                    }
                };
                let Some(author) = author else { continue };
                if author.suspended && author.id != viewer.id {
                    continue;
                }
                if !self.can_see(&viewer, &post)? {
                    continue;
                }
                if self.hides(&viewer, post.author, item.boosted_by)? {
                    continue;
                }
                // Whoever put it on Home (the booster, else the author) may be in one
                // of the reader's exclusive lists: then it is read there instead.
                if exclusive.contains(&item.boosted_by.unwrap_or(post.author)) {
                    continue;
                }
                let Some(mut view) =
                    filters.apply(self.reader_view(&viewer, post, &author)?, context)
                else {
                    continue;
                };
                view.entry = item.entry;
                if let Some(b) = item.boosted_by {
                    view.boosted_by = self.store().account(b)?.map(|a| Author {
                        id: a.id,
                        username: a.username,
                        display_name: a.display_name,
                    });
                }
                out.push(view);
            }
            if exhausted || out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A camp with an admin `ana` and campers `bo` and `cy`.
    fn camp3() -> (Camp, Id, Id, Id) {
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo", "cy"]);
        (camp, ids[0], ids[1], ids[2])
    }

    fn draft(text: &str) -> PostDraft {
        PostDraft {
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn posts_are_validated_and_nothing_is_written_on_refusal() {
        let (camp, ana, _, _) = camp3();
        assert!(
            camp.create_post(ana, draft("  \n "))
                .unwrap_err()
                .to_string()
                .contains("needs some text")
        );
        let long = "x".repeat(501);
        let err = camp.create_post(ana, draft(&long)).unwrap_err().to_string();
        assert!(
            err.contains("limited to 500") && err.contains("501"),
            "{err}"
        );
        assert!(camp.create_post(ana, draft(&"é".repeat(500))).is_ok());
        let cw = PostDraft {
            cw: Some("c".repeat(101)),
            ..draft("hi")
        };
        assert!(camp.create_post(ana, cw).is_err());
        let bad_reply = PostDraft {
            reply_to: Some(12345),
            ..draft("hi")
        };
        assert!(matches!(
            camp.create_post(ana, bad_reply),
            Err(Error::NotFound(_))
        ));
        assert_eq!(camp.store().post_count(), 1);
    }

    #[test]
    fn escape_sequences_are_stored_harmless() {
        let (camp, ana, _, _) = camp3();
        let v = camp
            .create_post(ana, draft("\x1b]0;pwned\x07hello\x1b[2J world"))
            .unwrap();
        assert_eq!(v.post.text, "hello world");
    }

    #[test]
    fn camp_and_home_timelines_follow_visibility() {
        let (camp, ana, bo, cy) = camp3();
        let p1 = camp.create_post(ana, draft("camp post")).unwrap();
        camp.store().follow(cy, bo).unwrap();
        let p2 = camp
            .create_post(
                bo,
                PostDraft {
                    visibility: Some(Visibility::Followers),
                    ..draft("for followers")
                },
            )
            .unwrap();
        let p3 = camp
            .create_post(
                bo,
                PostDraft {
                    visibility: Some(Visibility::Direct),
                    ..draft("psst @ana")
                },
            )
            .unwrap();
        let ids = |v: Vec<PostView>| v.into_iter().map(|p| p.post.id).collect::<Vec<_>>();
        assert_eq!(
            ids(camp.timeline(cy, TimelineKind::Camp, None, 20).unwrap()),
            vec![p1.post.id]
        );
        assert_eq!(
            ids(camp.timeline(cy, TimelineKind::Home, None, 20).unwrap()),
            vec![p2.post.id]
        );
        assert_eq!(
            ids(camp.timeline(ana, TimelineKind::Home, None, 20).unwrap()),
            vec![p3.post.id, p1.post.id]
        );
        assert_eq!(
            ids(camp.timeline(bo, TimelineKind::Home, None, 20).unwrap()),
            vec![p3.post.id, p2.post.id]
        );
        assert!(
            camp.post(cy, p3.post.id).is_err(),
            "direct post hidden from others"
        );
        assert!(
            camp.post(ana, p2.post.id).is_err(),
            "followers-only hidden from non-followers"
        );
        assert!(camp.post(ana, p3.post.id).is_ok());
        let direct_without_mention = PostDraft {
            visibility: Some(Visibility::Direct),
            ..draft("nobody")
        };
        assert!(camp.create_post(bo, direct_without_mention).is_err());
    }

    #[test]
    fn suspended_accounts_cannot_post_and_vanish() {
        let (camp, ana, bo, _) = camp3();
        camp.create_post(bo, draft("hello")).unwrap();
        let mut acc = camp.account(bo).unwrap().unwrap();
        acc.suspended = true;
        camp.store().put_account(&acc).unwrap();
        assert!(matches!(
            camp.create_post(bo, draft("x")),
            Err(Error::Suspended { .. })
        ));
        assert!(
            camp.timeline(ana, TimelineKind::Camp, None, 10)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn new_posts_are_published_with_their_audience() {
        let (camp, ana, bo, _) = camp3();
        let mut rx = camp.subscribe();
        camp.create_post(ana, draft("hi @bo")).unwrap();
        match rx.try_recv().unwrap() {
            CampEvent::Posted(p) => {
                assert!(p.on_camp);
                assert!(p.in_home_of(ana));
                assert_eq!(p.view.post.mentions, vec![bo]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn mentions_and_replies_notify_the_people_concerned() {
        let (camp, ana, bo, cy) = camp3();
        let p = camp
            .create_post(ana, draft("hello @bo and @nobody"))
            .unwrap();
        let reply = PostDraft {
            reply_to: Some(p.post.id),
            ..draft("hi @cy")
        };
        camp.create_post(bo, reply).unwrap();
        let kinds = |id| {
            camp.notifications(id, None, 10)
                .unwrap()
                .into_iter()
                .map(|n| n.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds(bo), vec![NotificationKind::Mention]);
        assert_eq!(kinds(ana), vec![NotificationKind::Reply]);
        assert_eq!(kinds(cy), vec![NotificationKind::Mention]);
        let dm = PostDraft {
            visibility: Some(Visibility::Direct),
            ..draft("psst @cy")
        };
        camp.create_post(ana, dm).unwrap();
        assert_eq!(kinds(cy)[0], NotificationKind::Direct);
    }

    #[test]
    fn mentions_are_parsed() {
        assert_eq!(
            mentioned_names("hi @Ana and @bo_1, not a@b.c @ana"),
            vec!["ana", "bo_1"]
        );
    }
}
