//! The transactional outbox: what must leave the camp, written in the same sled
//! transaction as the change that causes it, so no crash or lagging reader can lose a
//! delivery. The federation bridge drains it into its delivery queue.
//!
//! Policy:
//! - An [`Intent`] says *what happened* (a post was created, a camper liked a remote
//!   post), in camp's own terms; it is no wire format. Only [`Intent::for_post`] makes
//!   a post intent, and it refuses camp-only posts, direct posts to campers alone,
//!   remote authors' copies and suspended authors: such a post never enters the
//!   outbox, so nothing downstream can send it by mistake.
//! - Keys are ids from the shared generator, taken *after* whatever the change read,
//!   so an intent that depends on an earlier one (a delete after its create) always
//!   sorts after it; the drain takes them in key order.
//! - An intent is removed in the same transaction that queues its delivery jobs
//!   ([`Store::outbox_complete`]): a crash leaves either the intent or its jobs, never
//!   neither. Neither step flushes: the intent was flushed with the change (its author
//!   was told after the flush), and a lost completion only means the intent is drained
//!   again.
//! - Growth: the service writes intents only while federation is configured
//!   ([`crate::Camp::federating`]), and the bridge started with it drains them at once;
//!   a camp without the bridge writes none.

use super::gate::Transactional;
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::Store;
use super::codec::{decode, encode, id_key, read_id};
use super::federation::DeliveryJob;
use crate::error::{Error, Result};
use crate::model::{Account, Id, Post, Visibility};

/// Longest report text forwarded in a `Flag` (characters).
pub const MAX_FLAG_TEXT: usize = 1_000;

/// Something that happened in the camp and must be told outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Intent {
    /// A new post (as committed) for its outside audience.
    Create(Post),
    /// An edit of a post that left (the post as edited).
    Update(Post),
    /// A post that left is gone (the post as it was).
    Delete(Post),
    /// A camper favourited (`on`) or un-favourited a post from elsewhere.
    Like {
        /// The camper.
        by: Id,
        /// The local copy of the remote post.
        post: Id,
        /// Favourited, or taken back.
        on: bool,
    },
    /// A camper boosted (`on`) or un-boosted a public post from elsewhere.
    Announce {
        /// The camper.
        by: Id,
        /// The local copy of the remote post.
        post: Id,
        /// Boosted, or taken back.
        on: bool,
    },
    /// A camper asked to follow a remote actor.
    Follow {
        /// The camper.
        by: Id,
        /// The remote actor's id.
        actor: String,
        /// The id of the `Follow`.
        follow_id: String,
    },
    /// A camper stopped following (or asking to follow) a remote actor.
    UndoFollow {
        /// The camper.
        by: Id,
        /// The remote actor's id.
        actor: String,
        /// The id of the `Follow` taken back.
        follow_id: String,
    },
    /// A camper answered a remote actor's follow request.
    Answer {
        /// The camper.
        by: Id,
        /// The remote actor's id.
        actor: String,
        /// The id of the remote `Follow`.
        follow_id: String,
        /// Accepted, or rejected.
        accept: bool,
    },
    /// A camper left (suspended): their remote followers are told the actor is gone.
    DeleteActor {
        /// The camper (still stored, suspended).
        account: Id,
        /// The remote actors that followed them, as they were before the follows were
        /// cleared in the same transaction.
        followers: Vec<String>,
    },
    /// A moderator forwarded a report about a remote account to its server.
    Flag {
        /// The remote actor reported.
        actor: String,
        /// Remote objects (post URLs) the report names.
        objects: Vec<String>,
        /// The reason, sanitized and at most [`MAX_FLAG_TEXT`] characters.
        text: String,
    },
    /// A camper blocked a remote account: its follow of the camper is rejected (so its
    /// server stops counting it among the camper's followers, and a followers-only
    /// post sent to that server's shared inbox no longer reaches it), and the
    /// camper's follow of it is undone.
    Blocked {
        /// The camper.
        by: Id,
        /// The remote actor's id.
        actor: String,
        /// The id of its `Follow` of the camper, when it followed.
        follow_in: Option<String>,
        /// The id of the camper's `Follow` of it, when the camper followed.
        follow_out: Option<String>,
    },
    /// A camper voted in a poll from elsewhere: one `Answer` note per choice goes to
    /// the poll's author alone. Appended last: older outbox records keep decoding.
    Vote {
        /// The camper.
        by: Id,
        /// The local copy of the remote poll's post.
        post: Id,
        /// The choices, indexes from 0.
        choices: Vec<u8>,
    },
}

/// Which change to a post an intent is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostChange {
    /// Written.
    Create,
    /// Edited.
    Update,
    /// Deleted.
    Delete,
}

impl Intent {
    /// The intent for a change to `post` by `author`, or None when the post must never
    /// leave: a camp-only post, a direct post that names no one outside
    /// (`remote_mentions` is empty), a copy of a remote post, or a post by a suspended
    /// or remote author. The single gate every post intent passes.
    pub fn for_post(
        change: PostChange,
        post: &Post,
        author: &Account,
        remote_mentions: &[String],
    ) -> Option<Intent> {
        if post.author != author.id || author.is_remote() || author.suspended {
            return None;
        }
        let leaves = match post.visibility {
            Visibility::Public | Visibility::Followers => true,
            Visibility::Direct => !remote_mentions.is_empty(),
            Visibility::Camp => false,
        };
        if !leaves {
            return None;
        }
        let post = post.clone();
        Some(match change {
            PostChange::Create => Intent::Create(post),
            PostChange::Update => Intent::Update(post),
            PostChange::Delete => Intent::Delete(post),
        })
    }
}

/// An intent encoded and given its place in the outbox, ready to be written inside a
/// transaction (encoding happens outside it, so a transaction never fails on it).
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    key: [u8; 8],
    bytes: Vec<u8>,
}

impl OutboxEntry {
    /// Its place in the outbox (commit order for dependent intents).
    pub fn seq(&self) -> Id {
        u64::from_be_bytes(self.key)
    }

    /// Writes it inside a transaction over the outbox tree.
    pub(crate) fn write(
        &self,
        outbox: &TransactionalTree,
    ) -> std::result::Result<(), ConflictableTransactionError<Error>> {
        outbox.insert(&self.key, self.bytes.clone())?;
        Ok(())
    }
}

/// Writes `entry`, when there is one, in a transaction over the outbox tree.
pub(crate) fn write_opt(
    outbox: &TransactionalTree,
    entry: Option<&OutboxEntry>,
) -> std::result::Result<(), ConflictableTransactionError<Error>> {
    match entry {
        Some(e) => e.write(outbox),
        None => Ok(()),
    }
}

/// Length-prefixed inbox (so no inbox is a prefix of another's keys) for the
/// per-inbox order index of the delivery queue.
pub(crate) fn inbox_prefix(inbox: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(4 + inbox.len() + 8);
    k.extend_from_slice(&(inbox.len() as u32).to_be_bytes());
    k.extend_from_slice(inbox.as_bytes());
    k
}

/// Key of a job in the per-inbox order index.
pub(crate) fn inbox_key(job: &DeliveryJob) -> Vec<u8> {
    let mut k = inbox_prefix(&job.inbox);
    k.extend_from_slice(&id_key(job.id));
    k
}

impl Store {
    /// Encodes `intent` with a fresh place in the outbox.
    pub fn outbox_entry(&self, intent: &Intent) -> Result<OutboxEntry> {
        Ok(OutboxEntry {
            key: id_key(self.next_id()),
            bytes: encode(intent)?,
        })
    }

    /// Writes one intent on its own (for changes that touch no other tree).
    pub fn put_intent(&self, entry: &OutboxEntry) -> Result<()> {
        self.outbox.insert(entry.key, entry.bytes.clone())?;
        Ok(())
    }

    /// The oldest `limit` intents, in order. A record that cannot be read (written by
    /// a newer release, or damaged) is removed with a warning: left in place it would
    /// stop every intent behind it.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<(Id, Intent)>> {
        let mut out = Vec::new();
        for kv in self.outbox.iter() {
            if out.len() >= limit {
                break;
            }
            let (k, v) = kv?;
            let Some(seq) = read_id(&k) else { continue };
            match decode::<Intent>(&v) {
                Ok(intent) => out.push((seq, intent)),
                Err(e) => {
                    tracing::warn!("outbox: dropping unreadable intent {seq}: {e}");
                    self.outbox.remove(k)?;
                }
            }
        }
        Ok(out)
    }

    /// How many intents wait.
    pub fn outbox_len(&self) -> usize {
        self.outbox.len()
    }

    /// Queues the delivery jobs made for intent `seq` and removes the intent, in one
    /// transaction.
    pub fn outbox_complete(&self, seq: Id, jobs: &[DeliveryJob]) -> Result<()> {
        let encoded: Vec<(DeliveryJob, Vec<u8>)> = jobs
            .iter()
            .map(|j| Ok((j.clone(), encode(j)?)))
            .collect::<Result<_>>()?;
        let (queue, by_inbox) = self.delivery_trees();
        (&self.outbox, queue, by_inbox).transaction(|(outbox, queue, by_inbox)| {
            outbox.remove(&id_key(seq))?;
            for (job, bytes) in &encoded {
                let qk = super::federation::queue_key(job);
                queue.insert(&qk, bytes.clone())?;
                by_inbox.insert(inbox_key(job), &qk)?;
            }
            Ok::<_, ConflictableTransactionError<Error>>(())
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    fn account(id: Id) -> Account {
        Account {
            id,
            username: "ana".into(),
            display_name: String::new(),
            bio: String::new(),
            role: Role::Camper,
            created_ms: 0,
            invited_by: None,
            invite_code: String::new(),
            coc_version: 0,
            suspended: false,
            silenced: false,
            sensitive: false,
        }
    }

    fn post(author: Id, visibility: Visibility) -> Post {
        Post {
            id: 9,
            author,
            text: "hi".into(),
            cw: None,
            visibility,
            reply_to: None,
            mentions: vec![],
            created_ms: 0,
            edited_ms: None,
        }
    }

    #[test]
    fn the_builder_refuses_what_must_stay_home() {
        let ana = account(1);
        let remote = ["bo@elsewhere.example".to_string()];
        for change in [PostChange::Create, PostChange::Update, PostChange::Delete] {
            // Camp-only never leaves, even naming someone outside.
            assert_eq!(
                Intent::for_post(change, &post(1, Visibility::Camp), &ana, &remote),
                None
            );
            // Direct to campers only stays home; naming someone outside leaves.
            assert_eq!(
                Intent::for_post(change, &post(1, Visibility::Direct), &ana, &[]),
                None
            );
            assert!(
                Intent::for_post(change, &post(1, Visibility::Direct), &ana, &remote).is_some()
            );
            for v in [Visibility::Public, Visibility::Followers] {
                assert!(Intent::for_post(change, &post(1, v), &ana, &[]).is_some());
                // Not the author's post, or an author who may not speak outside.
                assert_eq!(Intent::for_post(change, &post(2, v), &ana, &[]), None);
                let suspended = Account {
                    suspended: true,
                    ..ana.clone()
                };
                assert_eq!(Intent::for_post(change, &post(1, v), &suspended, &[]), None);
                let shadow = Account {
                    username: "carol@peer.example".into(),
                    ..ana.clone()
                };
                assert_eq!(Intent::for_post(change, &post(1, v), &shadow, &[]), None);
            }
        }
        assert_eq!(
            Intent::for_post(PostChange::Delete, &post(1, Visibility::Public), &ana, &[]),
            Some(Intent::Delete(post(1, Visibility::Public)))
        );
    }

    #[test]
    fn intents_are_read_in_order_and_removed_with_their_jobs_queued() {
        let s = Store::temporary().unwrap();
        let p = post(1, Visibility::Public);
        let create = s.outbox_entry(&Intent::Create(p.clone())).unwrap();
        let delete = s.outbox_entry(&Intent::Delete(p.clone())).unwrap();
        assert!(create.seq() < delete.seq());
        // Written out of order, read in order.
        s.put_intent(&delete).unwrap();
        s.put_intent(&create).unwrap();
        s.outbox.insert(id_key(1), b"\x09junk".to_vec()).unwrap();
        let pending = s.outbox_pending(10).unwrap();
        assert_eq!(
            pending,
            vec![
                (create.seq(), Intent::Create(p.clone())),
                (delete.seq(), Intent::Delete(p))
            ]
        );
        assert_eq!(s.outbox_len(), 2, "the unreadable record is gone");
        let job = DeliveryJob {
            id: s.next_id(),
            inbox: "https://x/inbox".into(),
            body: "{}".into(),
            signer: 1,
            attempts: 0,
            created_ms: 0,
            next_ms: 0,
            last_error: String::new(),
            recipients: vec![],
        };
        s.outbox_complete(create.seq(), std::slice::from_ref(&job))
            .unwrap();
        assert_eq!(s.outbox_len(), 1);
        assert_eq!(s.queued_deliveries().unwrap(), vec![job]);
    }
}
