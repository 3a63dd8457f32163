//! Relevance first, and cheaply: what one reader's screen needs to decide about live
//! posts, read once and kept, so that a live post costs a session no store read.
//!
//! Every terminal session is told of every new post and every changed one, and asks
//! whether it concerns its reader: mutes (until they run out), blocks both ways, hidden
//! servers, suspended authors and servers, follows, the reader's filters and exclusive
//! lists ([`Camp::live_for`], [`Camp::live_change_visible`], [`Camp::refilter_change`]).
//! Asked of the store, that is several sled reads per session per post. A [`Relevance`]
//! answers the same questions from memory: the reader's own record, filters and lists
//! when it is (re)built, and what it learns about each author the first time it meets
//! them.
//!
//! It stays right by construction rather than by events: every write to the data those
//! checks read moves the store's relevance generation
//! ([`Store::relevance_generation`](crate::store::Store::relevance_generation), bumped by
//! the store's trees themselves), and a snapshot built at another generation is built
//! again before it answers. What runs out with time (a mute, a filter) is read again
//! once the first of them has run out. On any store error it asks the store directly,
//! as the checks always did.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::camp::filters::FilterSet;
use crate::camp::filters::live_edit::Refiltered;
use crate::camp::{Camp, NewPost};
use crate::clock::now_ms;
use crate::error::Result;
use crate::model::{Account, Id, Millis, Post};

/// Most authors one snapshot remembers; past that it forgets them all and starts again
/// (a reader meets few authors; this only bounds a flood of new ones).
const MAX_AUTHORS: usize = 512;

/// One reader's relevance answers, kept by its session between live events.
#[derive(Debug, Default)]
pub struct Relevance {
    snapshot: Option<Snapshot>,
    builds: u64,
}

/// What is known about one author, for one reader, at one generation.
#[derive(Debug, Clone, Copy)]
struct Facts {
    /// The account exists.
    exists: bool,
    /// The reader mutes it (and the mute has not run out).
    muted: bool,
    /// The reader hides its server.
    hidden_server: bool,
    /// A block either way.
    blocked: bool,
    /// Nothing it writes may reach the reader (suspended, its server cut off, a block).
    hidden_from: bool,
    /// The reader follows it.
    followed: bool,
}

#[derive(Debug)]
struct Snapshot {
    viewer: Id,
    generation: u64,
    /// When something it holds runs out (a mute or a filter); `Millis::MAX` if nothing.
    valid_until: Millis,
    /// The reader's record (None: gone).
    me: Option<Account>,
    /// The reader hides some server (most hide none, and then no author's is read).
    hides_servers: bool,
    filters: FilterSet,
    /// Members of the reader's exclusive lists (followed or not: `Facts::followed`).
    exclusive: HashSet<Id>,
    authors: HashMap<Id, Facts>,
}

impl Snapshot {
    fn build(camp: &Camp, viewer: Id) -> Result<Snapshot> {
        // Read before the data: a write landing after this moves it, so it is seen.
        let generation = camp.store().relevance_generation();
        let me = camp.store().account(viewer)?;
        let filters = camp.filter_set(viewer)?;
        let exclusive = camp.exclusive_listed(viewer)?;
        let hides_servers = !camp.store().hidden_domains(viewer)?.is_empty();
        Ok(Snapshot {
            viewer,
            generation,
            valid_until: filters.expires_first().unwrap_or(Millis::MAX),
            me,
            hides_servers,
            filters,
            exclusive,
            authors: HashMap::new(),
        })
    }

    fn current(&self, camp: &Camp, viewer: Id) -> bool {
        self.viewer == viewer
            && self.generation == camp.store().relevance_generation()
            && (self.valid_until == Millis::MAX || now_ms() < self.valid_until)
    }

    /// What the reader's checks say about `who`, from memory or read once.
    fn facts(&mut self, camp: &Camp, who: Id) -> Result<Facts> {
        if let Some(f) = self.authors.get(&who) {
            return Ok(*f);
        }
        let viewer = self.viewer;
        let store = camp.store();
        let account = store.account(who)?;
        let now = now_ms();
        let mute = store.mute(viewer, who)?.filter(|_| viewer != who);
        let muted = mute.is_some_and(|m| m.until_ms.is_none_or(|t| t > now));
        if muted && let Some(t) = mute.and_then(|m| m.until_ms) {
            self.valid_until = self.valid_until.min(t);
        }
        // Each store read once: a live post from an author a session has not met yet
        // reaches every session at once, and each reads these for it.
        let blocked = camp.blocked_either_way(viewer, who)?;
        // `Camp::author_hidden_from`, with the block already read (`me` is the viewer).
        let hidden_from = match (&self.me, &account) {
            (Some(_), Some(a)) => camp.author_cut_off(a)? || blocked,
            _ => true,
        };
        let hidden_server = match &account {
            Some(a) if self.hides_servers => camp.hides_server_of_account(viewer, a)?,
            _ => false,
        };
        let facts = Facts {
            exists: account.is_some(),
            muted,
            hidden_server,
            blocked,
            hidden_from,
            followed: store.follows(viewer, who)?,
        };
        if self.authors.len() >= MAX_AUTHORS {
            self.authors.clear();
        }
        self.authors.insert(who, facts);
        Ok(facts)
    }

    /// [`Camp::live_visible`]: neither the author nor the booster is muted, on a hidden
    /// server or blocked either way.
    fn live_visible(&mut self, camp: &Camp, new: &NewPost) -> Result<bool> {
        let author = new.view.post.author;
        let booster = new.view.boosted_by.as_ref().map(|b| b.id);
        for who in std::iter::once(author).chain(booster) {
            let f = self.facts(camp, who)?;
            if f.muted || f.hidden_server || f.blocked {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// [`Camp::live_for`] (mutes and blocks, then filters and exclusive lists).
    fn live_for(&mut self, camp: &Camp, new: &Arc<NewPost>) -> Result<Option<Arc<NewPost>>> {
        if !self.live_visible(camp, new)? {
            return Ok(None);
        }
        let brought_by = new.brought_by();
        let excluded = new.in_home_of(self.viewer)
            && self.exclusive.contains(&brought_by)
            && self.facts(camp, brought_by)?.followed;
        Ok(crate::camp::filters::place_live(
            self.viewer,
            new,
            &self.filters,
            excluded,
        ))
    }

    /// [`Camp::live_change_visible`]: the whole [`Camp::can_see`] for a local reader;
    /// `None` when it must be asked of the store (a reader from elsewhere, whose
    /// follows live in the bridge's trees).
    fn live_change_visible(&mut self, camp: &Camp, post: &Post) -> Result<Option<bool>> {
        let Some(me) = self.me.clone() else {
            return Ok(Some(false));
        };
        if me.is_remote() {
            return Ok(None);
        }
        if post.author == me.id {
            return Ok(Some(true));
        }
        let f = self.facts(camp, post.author)?;
        if !f.exists || f.hidden_from {
            return Ok(Some(false));
        }
        camp.in_audience(&me, post, || Ok(f.followed)).map(Some)
    }
}

impl Relevance {
    /// An empty one: built on the first question.
    pub fn new() -> Relevance {
        Relevance::default()
    }

    /// How many times it has read its reader's data from the store (for tests and
    /// measurements: once, then again only after a relevant write or an expiry).
    pub fn builds(&self) -> u64 {
        self.builds
    }

    /// The snapshot for `viewer`, built again when the store moved on; None when the
    /// store failed (the caller then asks the store directly).
    fn snapshot(&mut self, camp: &Camp, viewer: Id) -> Option<&mut Snapshot> {
        if !self
            .snapshot
            .as_ref()
            .is_some_and(|s| s.current(camp, viewer))
        {
            self.snapshot = None;
            self.builds += 1;
            self.snapshot = Some(Snapshot::build(camp, viewer).ok()?);
        }
        self.snapshot.as_mut()
    }

    /// Reads `viewer`'s data now (at the start of a session), so that the first live
    /// post, which reaches every session at once, finds it in memory.
    pub fn prepare(&mut self, camp: &Camp, viewer: Id) {
        let _ = self.snapshot(camp, viewer);
    }

    /// The same answer as [`Camp::live_for`], from memory.
    pub fn live_for(
        &mut self,
        camp: &Camp,
        viewer: Id,
        new: &Arc<NewPost>,
    ) -> Option<Arc<NewPost>> {
        match self.snapshot(camp, viewer).map(|s| s.live_for(camp, new)) {
            Some(Ok(placed)) => placed,
            _ => camp.live_for(viewer, new),
        }
    }

    /// The same answer as [`Camp::live_change_visible`], from memory.
    pub fn live_change_visible(&mut self, camp: &Camp, viewer: Id, post: &Post) -> bool {
        match self
            .snapshot(camp, viewer)
            .map(|s| s.live_change_visible(camp, post))
        {
            Some(Ok(Some(visible))) => visible,
            _ => camp.live_change_visible(viewer, post),
        }
    }

    /// The same answer as [`Camp::refilter_change`], from memory.
    pub fn refilter_change(&mut self, camp: &Camp, viewer: Id, post: &Post) -> Option<Refiltered> {
        post.edited_ms?;
        let Some(s) = self.snapshot(camp, viewer) else {
            return camp.refilter_change(viewer, post);
        };
        if s.filters.is_empty() {
            return None;
        }
        Some(Refiltered::of(&s.filters, post))
    }
}

#[cfg(test)]
mod tests;
