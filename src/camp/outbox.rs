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
        self.config().federate
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

impl Camp {
    /// Saves a local camper just suspended and makes them leave the federated world:
    /// every remote follow ends, both ways, and their remote followers (and the
    /// accounts they followed) are sent a `Delete` of the actor, all in one
    /// transaction. A remote account suspended here loses its follows with campers.
    pub(crate) fn put_suspended(&self, target: &Account) -> Result<()> {
        if target.is_remote() {
            self.store().put_account(target)?;
            if let Some(actor) = self.store().remote_actor_of_shadow(target.id)? {
                self.store().clear_remote_follows_on(|a| a == actor.id)?;
            }
            return Ok(());
        }
        let mut wrote = false;
        self.store()
            .put_account_leaving(target, |followers, followed| {
                let mut told: Vec<String> = followers.to_vec();
                told.extend(followed.iter().filter(|a| !followers.contains(a)).cloned());
                if told.is_empty() {
                    return Ok(None);
                }
                let entry = self.outbox_entry(Some(Intent::DeleteActor {
                    account: target.id,
                    followers: told,
                }))?;
                wrote = entry.is_some();
                Ok(entry)
            })?;
        self.intent_committed(wrote);
        Ok(())
    }

    /// A domain was suspended: every follow between campers and its accounts ends
    /// (nothing is sent there any more, so nobody is told).
    pub(crate) fn clear_follows_on_domain(&self, domain: &str) -> Result<usize> {
        self.store()
            .clear_remote_follows_on(|actor| actor_on_domain(actor, domain))
    }
}

/// True when the actor URL's host is `domain` or one of its subdomains.
fn actor_on_domain(actor: &str, domain: &str) -> bool {
    let Some(host) = url::Url::parse(actor)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.to_ascii_lowercase()))
    else {
        return false;
    };
    host == domain || host.ends_with(&format!(".{domain}"))
}

#[cfg(test)]
mod tests {
    use super::actor_on_domain;

    #[test]
    fn actors_belong_to_a_domain_and_its_subdomains_only() {
        assert!(actor_on_domain(
            "https://bad.example/users/a",
            "bad.example"
        ));
        assert!(actor_on_domain(
            "https://x.Bad.example:8443/u/a",
            "bad.example"
        ));
        assert!(!actor_on_domain(
            "https://notbad.example/u/a",
            "bad.example"
        ));
        assert!(!actor_on_domain(
            "https://bad.example.org/u/a",
            "bad.example"
        ));
        assert!(!actor_on_domain("not a url", "bad.example"));
    }
}
