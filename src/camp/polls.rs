//! Polls: a post may carry 2 to 4 choices (as Mastodon), open for 5 minutes to 7 days.
//!
//! Policy, all of it here so every face (exec, the TUI, the line mode, the bridge) gets
//! the same answers:
//! - A vote is one per camper (or remote actor), never on one's own poll, on a closed
//!   poll, or on a post the voter may not see (answered as "no such post", so it tells
//!   nothing); several choices only in a `--multiple` poll.
//! - Results are hidden until the reader voted or the poll ended; its author always
//!   sees them. Hidden means the counts are absent (None), not zero.
//! - A poll is closed when read after its end; the end is announced (to the author
//!   and the campers who voted) by [`run_closer`], which sleeps until the next end.
//! - A vote on a poll from elsewhere writes its outgoing intent in the same
//!   transaction as the vote; a vote from elsewhere counts only from an actor who may
//!   see the post ([`Camp::receive_remote_vote`]): on a followers-only poll, an
//!   accepted follower of its author; on a camp-only poll, nobody.

use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use crate::camp::{Camp, CampEvent, PostDraft, PostView};
use crate::error::{Error, Result};
use crate::model::{Account, Id, Millis, NotificationKind, Post, Visibility};
use crate::store::now_ms;
use crate::store::outbox::{Intent, PostChange};
use crate::store::polls::{Poll, RemoteTally};
use crate::text;

/// Fewest choices a poll has.
pub const MIN_OPTIONS: usize = 2;
/// Most choices a camper's poll has (Mastodon's limit).
pub const MAX_OPTIONS: usize = 4;
/// Most choices kept of a poll from elsewhere (the rest are dropped).
pub const MAX_REMOTE_OPTIONS: usize = 10;
/// Longest choice, in characters (Mastodon's limit).
pub const MAX_OPTION_CHARS: usize = 50;
/// Shortest time a poll stays open.
pub const MIN_DURATION: Duration = Duration::from_secs(5 * 60);
/// Longest time a poll stays open.
pub const MAX_DURATION: Duration = Duration::from_secs(7 * 86_400);
/// The longest a poll from elsewhere is taken to stay open.
pub const MAX_REMOTE_DURATION: Duration = Duration::from_secs(31 * 86_400);
/// Longest the closer sleeps, so a clock change or a missed wake costs at most this.
const CLOSER_NAP: Duration = Duration::from_secs(60);

/// The poll a camper asks for, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollDraft {
    /// The choices as typed.
    pub options: Vec<String>,
    /// How long it stays open.
    pub duration: Duration,
    /// Whether several choices may be picked.
    pub multiple: bool,
}

impl PollDraft {
    /// A draft from exec's arguments: choices separated by commas, a duration such as
    /// `30m`, `1d`.
    pub fn parse(options: &str, expires: &str, multiple: bool) -> Result<PollDraft> {
        Ok(PollDraft {
            options: options.split(',').map(str::to_string).collect(),
            duration: crate::camp::parse_duration(expires)?,
            multiple,
        })
    }

    /// The checked choices: sanitized, trimmed, non-empty, distinct, 2 to 4 of them,
    /// each at most [`MAX_OPTION_CHARS`]; and a duration between 5 minutes and 7 days.
    pub fn checked(&self) -> Result<(Vec<String>, Duration)> {
        let options: Vec<String> = self
            .options
            .iter()
            .map(|o| text::sanitize_line(o).trim().to_string())
            .collect();
        if options.iter().any(String::is_empty) {
            return Err(Error::invalid("a poll choice cannot be empty"));
        }
        if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&options.len()) {
            return Err(Error::invalid(format!(
                "a poll has {MIN_OPTIONS} to {MAX_OPTIONS} choices, separated by commas; this one has {}",
                options.len()
            )));
        }
        if let Some(long) = options
            .iter()
            .find(|o| text::char_count(o) > MAX_OPTION_CHARS)
        {
            return Err(Error::invalid(format!(
                "a poll choice is limited to {MAX_OPTION_CHARS} characters; \"{}…\" is longer",
                long.chars().take(20).collect::<String>()
            )));
        }
        for (i, o) in options.iter().enumerate() {
            if options[..i]
                .iter()
                .any(|p| p.to_lowercase() == o.to_lowercase())
            {
                return Err(Error::invalid(format!("the choice \"{o}\" is there twice")));
            }
        }
        if self.duration < MIN_DURATION || self.duration > MAX_DURATION {
            return Err(Error::invalid(
                "a poll stays open between 5 minutes (5m) and 7 days (7d)",
            ));
        }
        Ok((options, self.duration))
    }
}

/// One choice as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollOption {
    /// The choice.
    pub title: String,
    /// Votes for it; None while results are hidden from this reader.
    pub votes: Option<u64>,
}

/// A post's poll as one reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollView {
    /// The choices, numbered from 1 when shown.
    pub options: Vec<PollOption>,
    /// Whether several choices may be picked.
    pub multiple: bool,
    /// When voting ends (or ended).
    pub expires_ms: Millis,
    /// Voting has ended.
    pub closed: bool,
    /// The reader voted.
    pub voted: bool,
    /// The reader's choices (from 0), when it voted.
    #[serde(skip)]
    pub mine: Vec<usize>,
    /// People who voted; None while results are hidden.
    pub voters: Option<u64>,
    /// The reader may vote now (not the author, not voted, open).
    #[serde(skip)]
    pub can_vote: bool,
}

impl PollView {
    /// Whether the counts are shown to this reader.
    pub fn results_shown(&self) -> bool {
        self.voters.is_some()
    }
}

/// A poll from elsewhere as the bridge read it (already sanitized and capped by the
/// parser; checked again here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingPoll {
    /// Choice titles with their reported counts.
    pub options: Vec<(String, u64)>,
    /// `anyOf` rather than `oneOf`.
    pub multiple: bool,
    /// Its `endTime` (or `closed` time); None when it gave none.
    pub expires_ms: Option<Millis>,
    /// It says it is closed.
    pub closed: bool,
    /// Its `votersCount`.
    pub voters: Option<u64>,
}

impl Camp {
    /// Writes a post with a poll (see [`Camp::create_post`]); the poll is checked
    /// before anything is written.
    pub fn create_poll_post(&self, by: Id, draft: PostDraft, poll: &PollDraft) -> Result<PostView> {
        let (options, duration) = poll.checked()?;
        let poll = Poll {
            options,
            multiple: poll.multiple,
            expires_ms: now_ms().saturating_add(duration.as_millis() as u64),
            remote: None,
            closed: false,
        };
        let mut view = self.create_post_with(by, draft, Some(poll))?;
        // Its author sees the counts from the start (events carry them hidden).
        if let Some(me) = self.store().account(by)? {
            view.poll = self.poll_view(Some(&me), &view.post)?;
        }
        Ok(view)
    }

    /// The poll of `post` as `viewer` (None: nobody in particular, for live events)
    /// sees it, if it has one.
    pub(crate) fn poll_view(
        &self,
        viewer: Option<&Account>,
        post: &Post,
    ) -> Result<Option<PollView>> {
        self.poll_view_as(viewer, post, false)
    }

    /// A poll post for a live event after its counts changed: the counts are carried
    /// (each screen shows them only where its reader already sees results, see the
    /// TUI's refresh), the reader's own state is not.
    fn poll_changed(&self, post: Post) -> Result<()> {
        let Some(author) = self.store().account(post.author)? else {
            return Ok(());
        };
        if !author.is_remote() {
            self.federate_poll(&post, &author)?;
        }
        let poll = self.poll_view_as(None, &post, true)?;
        let mut view = self.view_with(post, &author);
        view.poll = poll;
        self.publish(CampEvent::PostChanged(std::sync::Arc::new(view)));
        Ok(())
    }

    /// Tells the servers a poll of ours of its new counts or its end
    /// (`Update` of the `Question`, as Mastodon sends): other servers' screens would
    /// otherwise keep the counts of the first `Create`. A poll that never left (camp
    /// only, or federation off) sends nothing. Written after the vote it reports: a
    /// crash in between loses one update, and the next vote or the end sends the counts.
    fn federate_poll(&self, post: &Post, author: &Account) -> Result<()> {
        let remote = self.remote_mentions(author, post)?;
        if let Some(entry) = self.post_intent(PostChange::Update, post, author, &remote)? {
            self.store().put_intent(&entry)?;
            self.intent_committed(true);
        }
        Ok(())
    }

    fn poll_view_as(
        &self,
        viewer: Option<&Account>,
        post: &Post,
        reveal: bool,
    ) -> Result<Option<PollView>> {
        let Some(poll) = self.store().poll(post.id)? else {
            return Ok(None);
        };
        let closed = poll.closed || now_ms() >= poll.expires_ms;
        let mine: Vec<usize> = match viewer {
            Some(v) => self
                .store()
                .poll_vote(post.id, v.id)?
                .map(|c| c.into_iter().map(usize::from).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let voted = viewer.is_some_and(|v| self.voted(post.id, v.id).unwrap_or(false));
        let own = viewer.is_some_and(|v| v.id == post.author);
        let shown = reveal || closed || voted || own;
        let (counts, voters) = match &poll.remote {
            Some(t) => {
                let mut c = t.counts.clone();
                c.resize(poll.options.len(), 0);
                let voters = t.voters.unwrap_or_else(|| c.iter().sum());
                (c, voters)
            }
            None => self.store().poll_tally(post.id, poll.options.len())?,
        };
        Ok(Some(PollView {
            options: poll
                .options
                .iter()
                .zip(counts)
                .map(|(title, n)| PollOption {
                    title: title.clone(),
                    votes: shown.then_some(n),
                })
                .collect(),
            multiple: poll.multiple,
            expires_ms: poll.expires_ms,
            closed,
            voted,
            mine,
            voters: shown.then_some(voters),
            can_vote: viewer.is_some() && !own && !voted && !closed,
        }))
    }

    fn voted(&self, post: Id, voter: Id) -> Result<bool> {
        Ok(self.store().poll_vote(post, voter)?.is_some())
    }

    /// `by` votes in `post`'s poll for `choices`, numbered from 1 as shown. Returns the
    /// post as `by` now sees it (results shown).
    pub fn vote(&self, by: Id, post: Id, choices: &[usize]) -> Result<PostView> {
        let me = self.actor(by)?;
        let missing = || Error::not_found(format!("there is no post {post}"));
        let p = self.store().post(post)?.ok_or_else(missing)?;
        if !self.can_see(&me, &p)? {
            return Err(missing());
        }
        let poll = self
            .store()
            .poll(post)?
            .ok_or_else(|| Error::invalid(format!("post {post} has no poll")))?;
        if p.author == me.id {
            return Err(Error::invalid("you cannot vote in your own poll"));
        }
        if poll.closed || now_ms() >= poll.expires_ms {
            return Err(Error::invalid("this poll has ended"));
        }
        let picked = checked_choices(choices, poll.options.len(), poll.multiple)?;
        if self.voted(post, me.id)? {
            return Err(Error::invalid("you have already voted in this poll"));
        }
        self.check_action_rate(&me)?;
        let author = self.store().account(p.author)?.ok_or_else(missing)?;
        // A poll from elsewhere counts what its server reports; the vote is added at
        // once (as Mastodon shows it) and the next `Update` brings the true tally.
        let updated = poll.remote.as_ref().map(|t| {
            let mut t: RemoteTally = t.clone();
            t.counts.resize(poll.options.len(), 0);
            for &c in &picked {
                t.counts[usize::from(c)] = t.counts[usize::from(c)].saturating_add(1);
            }
            t.voters = t.voters.map(|v| v.saturating_add(1));
            Poll {
                remote: Some(t),
                ..poll.clone()
            }
        });
        let intent = if author.is_remote() {
            self.outbox_entry(Some(Intent::Vote {
                by: me.id,
                post,
                choices: picked.clone(),
            }))?
        } else {
            None
        };
        if !self
            .store()
            .put_poll_vote(post, me.id, &picked, updated.as_ref(), intent.as_ref())?
        {
            return Err(Error::invalid("you have already voted in this poll"));
        }
        self.store().flush()?;
        self.intent_committed(intent.is_some());
        self.poll_changed(p.clone())?;
        self.reader_view(&me, p, &author)
    }

    /// Announces the ends of polls due at `now`: the author (when a camper) and every
    /// camper who voted and may still see the post are notified once. Returns when the
    /// next poll ends.
    pub fn close_due_polls(&self, now: Millis) -> Result<Option<Millis>> {
        loop {
            let (due, next) = self.store().due_polls(now, 64)?;
            if due.is_empty() {
                return Ok(next);
            }
            for (at, id) in due {
                self.announce_poll_end(at, id)?;
            }
        }
    }

    fn announce_poll_end(&self, at: Millis, id: Id) -> Result<()> {
        let (Some(_), Some(post)) = (self.store().poll(id)?, self.store().post(id)?) else {
            // A poll whose post is gone (a crash between the two writes), or an entry
            // left without its poll: nothing to announce.
            self.store().delete_poll(id)?;
            return self.store().poll_end_announced(id, at);
        };
        let mut told = vec![post.author];
        told.extend(self.store().poll_voters(id)?);
        told.sort_unstable();
        told.dedup();
        for account in told {
            if self
                .store()
                .account(account)?
                .is_some_and(|a| !a.is_remote())
            {
                // `notify` drops it for anyone who may no longer read the post.
                self.notify_poll_end(account, id)?;
            }
        }
        if let Some(author) = self.store().account(post.author)?
            && !author.is_remote()
        {
            self.federate_poll(&post, &author)?;
        }
        self.store().poll_end_announced(id, at)?;
        self.store().flush()
    }

    fn notify_poll_end(&self, account: Id, post: Id) -> Result<()> {
        self.notify(account, NotificationKind::PollEnded, None, Some(post), None)
    }

    /// Attaches the poll of a post from elsewhere (new, or refreshed by an `Update`):
    /// choices sanitized and capped again, counts as reported.
    pub fn receive_remote_poll(&self, post: Id, incoming: &IncomingPoll) -> Result<()> {
        let Some(p) = self.store().post(post)? else {
            return Ok(());
        };
        if !self
            .store()
            .account(p.author)?
            .is_some_and(|a| a.is_remote())
        {
            return Err(Error::invalid(
                "only posts from elsewhere take a remote poll",
            ));
        }
        let options: Vec<(String, u64)> = incoming
            .options
            .iter()
            .map(|(t, n)| (capped_title(t), *n))
            .filter(|(t, _)| !t.is_empty())
            .take(MAX_REMOTE_OPTIONS)
            .collect();
        if options.is_empty() {
            return Ok(());
        }
        let old = self.store().poll(post)?;
        // A poll that gave no end stays open for the longest time a poll here may; one
        // that names a far end is held to a month, as Mastodon's longest poll.
        let latest = p
            .created_ms
            .saturating_add(MAX_REMOTE_DURATION.as_millis() as u64);
        let expires_ms = incoming
            .expires_ms
            .or(old.as_ref().map(|o| o.expires_ms))
            .unwrap_or_else(|| p.created_ms.saturating_add(MAX_DURATION.as_millis() as u64))
            .min(latest);
        // Votes here are kept by choice number: choices renamed or reordered after they
        // were cast would move them to answers nobody gave, so they go (as Mastodon
        // resets votes when a poll's choices are edited).
        let titles: Vec<&String> = options.iter().map(|(t, _)| t).collect();
        if let Some(o) = &old
            && o.options.iter().collect::<Vec<_>>() != titles
        {
            self.store().delete_poll(post)?;
        }
        let poll = Poll {
            options: options.iter().map(|(t, _)| t.clone()).collect(),
            multiple: incoming.multiple,
            expires_ms,
            remote: Some(RemoteTally {
                counts: options.iter().map(|(_, n)| *n).collect(),
                voters: incoming.voters,
            }),
            closed: incoming.closed,
        };
        self.store().put_poll(post, &poll)?;
        if old.is_some() {
            self.poll_changed(p)?;
        }
        Ok(())
    }

    /// A vote from elsewhere (an `Answer` note naming `choice` by its title) in one of
    /// our polls, by the shadow account `voter`. Counted only when the voter may see
    /// the post (or, for a direct poll, is one of its recipients elsewhere:
    /// `addressed_remotely`), the poll is open and names that choice; one vote per
    /// actor, except in a `--multiple` poll, where each of its answers adds a choice.
    /// Returns whether it counted.
    pub fn receive_remote_vote(&self, voter: Id, post: Id, choice: &str) -> Result<bool> {
        let (Some(v), Some(p), Some(poll)) = (
            self.store().account(voter)?,
            self.store().post(post)?,
            self.store().poll(post)?,
        ) else {
            return Ok(false);
        };
        // Camp-only posts never reach another server, so no one there may vote on
        // them, whatever `can_see` says of camp posts.
        if !v.is_remote()
            || v.suspended
            || poll.remote.is_some()
            || p.author == v.id
            || p.visibility == Visibility::Camp
        {
            return Ok(false);
        }
        // A direct poll's recipients elsewhere are not in its `mentions` (those are
        // campers): they may answer it as followers answer a followers-only one.
        let sees = self.can_see(&v, &p)? || self.addressed_remotely(&v, &p)?;
        if !sees || poll.closed || now_ms() >= poll.expires_ms {
            return Ok(false);
        }
        let choice = text::sanitize_line(choice);
        let Some(index) = poll.options.iter().position(|o| *o == choice.trim()) else {
            return Ok(false);
        };
        let index = index as u8;
        let counted = self
            .store()
            .add_poll_choice(post, voter, index, poll.multiple)?;
        if counted {
            self.store().flush()?;
            self.poll_changed(p)?;
        }
        Ok(counted)
    }
}

/// One line saying how a poll stands for its reader: voters (or that results come
/// after voting), when it ends, whether several choices are allowed, whether the
/// reader voted. The one wording for exec, the line mode and the TUI.
pub fn status_line(p: &PollView, now: Millis) -> String {
    let mut parts = Vec::new();
    match p.voters {
        Some(1) => parts.push("1 voter".to_string()),
        Some(n) => parts.push(format!("{n} voters")),
        None => parts.push("results after you vote".to_string()),
    }
    if p.closed || now >= p.expires_ms {
        parts.push("ended".into());
    } else {
        parts.push(format!(
            "ends in {}",
            text::relative_time(p.expires_ms, now)
        ));
    }
    if p.multiple {
        parts.push("several choices".into());
    }
    if p.voted {
        parts.push("you voted".into());
    }
    parts.join(" · ")
}

/// A title from elsewhere: one sanitized line, at most [`MAX_OPTION_CHARS`] characters.
fn capped_title(t: &str) -> String {
    text::sanitize_line(t)
        .trim()
        .chars()
        .take(MAX_OPTION_CHARS)
        .collect()
}

/// Choices numbered from 1 turned into indexes from 0: each in range, no repeats, one
/// only unless the poll takes several.
fn checked_choices(choices: &[usize], options: usize, multiple: bool) -> Result<Vec<u8>> {
    if choices.is_empty() {
        return Err(Error::invalid(
            "name a choice by its number, e.g. vote ID 1",
        ));
    }
    let mut out: Vec<u8> = Vec::new();
    for &c in choices {
        if c == 0 || c > options {
            return Err(Error::invalid(format!(
                "choice {c} is not there: the choices are numbered 1 to {options}"
            )));
        }
        let i = (c - 1) as u8;
        if !out.contains(&i) {
            out.push(i);
        }
    }
    if out.len() > 1 && !multiple {
        return Err(Error::invalid("this poll takes one choice"));
    }
    out.sort_unstable();
    Ok(out)
}

/// Announces poll ends as they come ([`Camp::close_due_polls`]): sleeps until the
/// next end (at most a minute, so a poll written meanwhile is not missed for long),
/// never spins; stops at shutdown.
pub async fn run_closer(camp: Camp, mut stop: watch::Receiver<bool>) {
    loop {
        let c = camp.clone();
        let next = match tokio::task::spawn_blocking(move || c.close_due_polls(now_ms())).await {
            Ok(Ok(next)) => next,
            Ok(Err(e)) => {
                tracing::warn!("announcing poll ends: {e}");
                None
            }
            Err(e) => {
                tracing::warn!("poll closer task failed: {e}");
                None
            }
        };
        let nap = next
            .map(|at| Duration::from_millis(at.saturating_sub(now_ms())))
            .unwrap_or(CLOSER_NAP)
            .clamp(Duration::from_millis(10), CLOSER_NAP);
        tokio::select! {
            _ = tokio::time::sleep(nap) => {}
            _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => return,
        }
    }
}

#[cfg(test)]
#[path = "polls_tests.rs"]
mod tests;
