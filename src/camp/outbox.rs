//! The service's side of the transactional outbox ([`crate::store::outbox`]): which
//! changes write an outgoing intent, and the two calls the federation bridge drains
//! them with. Camp never sends anything itself and knows nothing of the bridge.
//!
//! Policy: intents are written only while federation is configured (`--http`, which
//! starts the bridge and its drain in the same process). A camp without the bridge
//! writes none, so its outbox cannot grow; a change made then (or by the offline
//! `camp` CLI) is not told outside later either.

use crate::camp::Camp;
use crate::error::Result;
use crate::model::{Account, Id, Post};
use crate::store::federation::DeliveryJob;
use crate::store::outbox::{Intent, OutboxEntry, PostChange};

impl Camp {
    /// True when changes that must leave the camp are written to the outbox.
    pub fn federating(&self) -> bool {
        self.config().http_addr.is_some()
    }

    /// `intent` encoded for the outbox, or None when there is none or federation is
    /// off. Called after the change has read what it depends on, so its place in the
    /// outbox comes after every intent it follows from.
    pub(crate) fn outbox_entry(&self, intent: Option<Intent>) -> Result<Option<OutboxEntry>> {
        match intent {
            Some(i) if self.federating() => Ok(Some(self.store().outbox_entry(&i)?)),
            _ => Ok(None),
        }
    }

    /// The outbox entry for a change to a post (see [`Intent::for_post`]).
    pub(crate) fn post_intent(
        &self,
        change: PostChange,
        post: &Post,
        author: &Account,
        remote_mentions: &[String],
    ) -> Result<Option<OutboxEntry>> {
        self.outbox_entry(Intent::for_post(change, post, author, remote_mentions))
    }

    /// Wakes the drain after an intent was committed (`written` says whether one was).
    pub(crate) fn intent_committed(&self, written: bool) {
        if written {
            self.inner.outbox_wake.notify_one();
        }
    }

    /// Resolves when an intent has been committed since the last call (a commit made
    /// while nobody waits is remembered, so none is missed).
    pub async fn intents_written(&self) {
        self.inner.outbox_wake.notified().await;
    }

    /// The oldest `limit` intents, in the order they must be sent.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<(Id, Intent)>> {
        self.store().outbox_pending(limit)
    }

    /// Intent `seq` became `jobs`: they are queued and it is removed, in one
    /// transaction.
    pub fn outbox_done(&self, seq: Id, jobs: &[DeliveryJob]) -> Result<()> {
        self.store().outbox_complete(seq, jobs)
    }

    /// How many intents wait (for status screens and tests).
    pub fn outbox_len(&self) -> usize {
        self.store().outbox_len()
    }
}
