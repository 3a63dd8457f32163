//! Federation state in sled: per-account signing keys, remote actors (each with a local
//! shadow account so remote posts fit the timelines), follow relations in both
//! directions, the map from remote object URLs to local posts, seen activity ids, and
//! the persisted delivery queue. Kept apart from the rest of the store on purpose.

use super::gate::Tree;
use super::gate::{Db, Transactional};
use serde::{Deserialize, Serialize};
use sled::transaction::ConflictableTransactionError;

use super::Store;
use super::codec::{decode, encode, id_key, pair_key, read_id};
use super::outbox::{OutboxEntry, write_opt};
use crate::error::{Error, Result};
use crate::model::{Account, Id, Millis, Post, Role};

// These records moved to `model` (several layers use them); the old paths stay for now.
pub use crate::model::{DomainPolicy, FollowState, RemoteActor, RemoteFollow};

/// The sled trees of the federation bridge.
pub(crate) struct FederationTrees {
    keys: Tree,
    actors: Tree,
    actor_by_shadow: Tree,
    following: Tree,
    followers: Tree,
    objects: Tree,
    object_by_post: Tree,
    /// Remote posts addressed to the public (post id → nothing): the only remote posts
    /// a camper may boost.
    public_objects: Tree,
    /// Boosted copies (post id → the original's URL and author actor): a reaction
    /// to the copy names the original, as the booster's server would.
    boosted: Tree,
    seen: Tree,
    queue: Tree,
    /// Per-inbox order of the queue (length-prefixed inbox, id(job) -> queue key):
    /// only the oldest job of an inbox is tried, so nothing overtakes what was
    /// queued before it for the same server (a Delete waits for its Create's retry).
    queue_by_inbox: Tree,
}

impl FederationTrees {
    /// Opens (or creates) the trees.
    pub(crate) fn open(db: &Db) -> sled::Result<FederationTrees> {
        Ok(FederationTrees {
            keys: db.open_tree("fed_keys")?,
            actors: db.open_tree("fed_remote_actors")?,
            actor_by_shadow: db.open_tree("fed_actor_by_shadow")?,
            following: db.open_tree("fed_following")?,
            followers: db.open_tree("fed_followers")?,
            objects: db.open_tree("fed_objects")?,
            object_by_post: db.open_tree("fed_object_by_post")?,
            public_objects: db.open_tree("fed_public_objects")?,
            boosted: db.open_tree("fed_boosted_originals")?,
            seen: db.open_tree("fed_seen")?,
            queue: db.open_tree("fed_queue")?,
            queue_by_inbox: db.open_tree("fed_queue_by_inbox")?,
        })
    }
}

/// An account's RSA key pair for HTTP signatures, PEM encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalKeys {
    /// PKCS#8 private key.
    pub private_pem: String,
    /// SPKI public key.
    pub public_pem: String,
    /// Seed of the Ed25519 key for object integrity proofs (32 bytes).
    pub ed25519_seed: Vec<u8>,
}

/// A remote object stored as a local post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteObject {
    /// The local post.
    pub post: Id,
    /// The remote actor that wrote (or boosted) it.
    pub actor: String,
    /// Whose home timelines it was filed in.
    pub home_owners: Vec<Id>,
}

/// One activity to POST to one inbox, retried until it lands or gives up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryJob {
    /// Job id.
    pub id: Id,
    /// Target inbox URL.
    pub inbox: String,
    /// The activity JSON.
    pub body: String,
    /// The local account whose key signs it.
    pub signer: Id,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it was queued.
    pub created_ms: Millis,
    /// When the next attempt is due.
    pub next_ms: Millis,
    /// Why the last attempt failed.
    pub last_error: String,
    /// The remote actors it is for (their ids), checked again against domain and
    /// account suspension at every attempt. Empty for jobs queued before this field
    /// existed, which only have their inbox checked.
    pub recipients: Vec<String>,
}

/// A job as queued before `recipients` existed (bincode has no defaults: a record
/// without the last field is read as this and given no recipients).
#[derive(Serialize, Deserialize)]
struct LegacyDeliveryJob {
    id: Id,
    inbox: String,
    body: String,
    signer: Id,
    attempts: u32,
    created_ms: Millis,
    next_ms: Millis,
    last_error: String,
}

fn decode_job(bytes: &[u8]) -> Result<DeliveryJob> {
    decode::<DeliveryJob>(bytes).or_else(|e| {
        let old: LegacyDeliveryJob = decode(bytes).map_err(|_| e)?;
        Ok(DeliveryJob {
            id: old.id,
            inbox: old.inbox,
            body: old.body,
            signer: old.signer,
            attempts: old.attempts,
            created_ms: old.created_ms,
            next_ms: old.next_ms,
            last_error: old.last_error,
            recipients: Vec::new(),
        })
    })
}

fn acct_key(account: Id, url: &str) -> Vec<u8> {
    let mut k = id_key(account).to_vec();
    k.extend_from_slice(url.as_bytes());
    k
}

/// Key of a seen activity: the actor's length (so no actor/id split is ambiguous),
/// the actor, the id.
fn seen_key(actor: &str, id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(4 + actor.len() + id.len());
    k.extend_from_slice(&(actor.len() as u32).to_be_bytes());
    k.extend_from_slice(actor.as_bytes());
    k.extend_from_slice(id.as_bytes());
    k
}

pub(crate) fn queue_key(job: &DeliveryJob) -> [u8; 16] {
    pair_key(job.next_ms, job.id)
}

impl Store {
    // ---- keys ----

    /// The key pair of a local account, if made.
    pub fn fed_keys(&self, account: Id) -> Result<Option<LocalKeys>> {
        Self::get(&self.fed.keys, id_key(account))
    }

    /// Saves a key pair unless one exists; returns the one kept.
    pub fn put_fed_keys_once(&self, account: Id, keys: &LocalKeys) -> Result<LocalKeys> {
        let bytes = encode(keys)?;
        match self
            .fed
            .keys
            .compare_and_swap(id_key(account), None as Option<&[u8]>, Some(bytes))?
        {
            Ok(()) => Ok(keys.clone()),
            Err(e) => match e.current {
                Some(cur) => decode(&cur),
                None => Err(Error::Codec("key slot vanished".into())),
            },
        }
    }

    // ---- remote actors ----

    /// A remote actor by URL.
    pub fn remote_actor(&self, url: &str) -> Result<Option<RemoteActor>> {
        Self::get(&self.fed.actors, url.as_bytes())
    }

    /// The remote actor a shadow account stands for.
    pub fn remote_actor_of_shadow(&self, shadow: Id) -> Result<Option<RemoteActor>> {
        match self.fed.actor_by_shadow.get(id_key(shadow))? {
            Some(url) => self.remote_actor(&String::from_utf8_lossy(&url)),
            None => Ok(None),
        }
    }

    /// Saves a fetched actor, making its shadow account the first time (the `shadow`
    /// field of `actor` is ignored and the stored one returned).
    pub fn upsert_remote_actor(&self, mut actor: RemoteActor) -> Result<RemoteActor> {
        let existing = self.remote_actor(&actor.id)?;
        let handle = actor.handle().to_lowercase();
        let shadow = match existing
            .as_ref()
            .and_then(|a| self.account(a.shadow).ok().flatten())
        {
            Some(mut acc) => {
                acc.display_name = actor.display_name.clone();
                self.put_account(&acc)?;
                acc.id
            }
            None => {
                let acc = Account {
                    id: self.next_id(),
                    username: handle.clone(),
                    display_name: actor.display_name.clone(),
                    bio: String::new(),
                    role: Role::Camper,
                    created_ms: actor.fetched_ms,
                    invited_by: None,
                    invite_code: format!("remote:{}", actor.id),
                    coc_version: 0,
                    suspended: false,
                    silenced: false,
                    sensitive: false,
                };
                self.put_account(&acc)?;
                let _ = self.usernames.compare_and_swap(
                    handle.as_bytes(),
                    None as Option<&[u8]>,
                    Some(&id_key(acc.id)[..]),
                )?;
                acc.id
            }
        };
        actor.shadow = shadow;
        self.fed
            .actors
            .insert(actor.id.as_bytes(), encode(&actor)?)?;
        self.fed
            .actor_by_shadow
            .insert(id_key(shadow), actor.id.as_bytes())?;
        Ok(actor)
    }

    // ---- follows ----

    /// Local `account` follows (or asked to follow) a remote actor.
    pub fn put_remote_following(&self, account: Id, f: &RemoteFollow) -> Result<()> {
        self.fed
            .following
            .insert(acct_key(account, &f.actor), encode(f)?)?;
        Ok(())
    }

    /// The follow of `account` towards `actor`, if any.
    pub fn remote_following(&self, account: Id, actor: &str) -> Result<Option<RemoteFollow>> {
        Self::get(&self.fed.following, acct_key(account, actor))
    }

    /// Drops the follow of `account` towards `actor`.
    pub fn remove_remote_following(&self, account: Id, actor: &str) -> Result<()> {
        self.fed.following.remove(acct_key(account, actor))?;
        Ok(())
    }

    /// Every follow out of `account`.
    pub fn remote_followings_of(&self, account: Id) -> Result<Vec<RemoteFollow>> {
        self.fed
            .following
            .scan_prefix(id_key(account))
            .values()
            .map(|v| decode(&v?))
            .collect()
    }

    /// Local accounts with an accepted follow towards `actor`.
    pub fn local_followers_of_remote(&self, actor: &str) -> Result<Vec<Id>> {
        let mut out = Vec::new();
        for kv in self.fed.following.iter() {
            let (k, v) = kv?;
            if &k[8..] == actor.as_bytes() {
                let f: RemoteFollow = decode(&v)?;
                if f.state == FollowState::Accepted
                    && let Some(id) = read_id(&k)
                {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    /// A remote actor follows (or asks to follow) local `account`.
    pub fn put_remote_follower(&self, account: Id, f: &RemoteFollow) -> Result<()> {
        self.fed
            .followers
            .insert(acct_key(account, &f.actor), encode(f)?)?;
        Ok(())
    }

    /// The follow of `actor` towards local `account`, if any.
    pub fn remote_follower(&self, account: Id, actor: &str) -> Result<Option<RemoteFollow>> {
        Self::get(&self.fed.followers, acct_key(account, actor))
    }

    /// Drops the follow of `actor` towards `account`.
    pub fn remove_remote_follower(&self, account: Id, actor: &str) -> Result<()> {
        self.fed.followers.remove(acct_key(account, actor))?;
        Ok(())
    }

    /// Every remote follow (pending and accepted) towards `account`.
    pub fn remote_followers_of(&self, account: Id) -> Result<Vec<RemoteFollow>> {
        self.fed
            .followers
            .scan_prefix(id_key(account))
            .values()
            .map(|v| decode(&v?))
            .collect()
    }

    /// Saves a follow out of `account` with its outgoing intent, in one transaction.
    pub fn put_remote_following_with(
        &self,
        account: Id,
        f: &RemoteFollow,
        intent: Option<&OutboxEntry>,
    ) -> Result<()> {
        let bytes = encode(f)?;
        let key = acct_key(account, &f.actor);
        (&self.fed.following, &self.outbox).transaction(|(following, out)| {
            following.insert(key.clone(), bytes.clone())?;
            write_opt(out, intent)
        })?;
        Ok(())
    }

    /// Saves (`Some`) or drops (`None`) the follow of `actor` towards `account`, with
    /// its outgoing intent (an Accept or Reject), in one transaction.
    pub fn set_remote_follower_with(
        &self,
        account: Id,
        actor: &str,
        f: Option<&RemoteFollow>,
        intent: Option<&OutboxEntry>,
    ) -> Result<()> {
        let bytes = f.map(encode).transpose()?;
        let key = acct_key(account, actor);
        (&self.fed.followers, &self.outbox).transaction(|(followers, out)| {
            match &bytes {
                Some(b) => followers.insert(key.clone(), b.clone())?,
                None => followers.remove(key.clone())?,
            };
            write_opt(out, intent)
        })?;
        Ok(())
    }

    /// Ends every follow between local `account` and the remote `actor` (shadow
    /// `shadow`) in the directions asked, with the outgoing intent (an Undo), in one
    /// transaction.
    pub fn end_remote_follows_with(
        &self,
        account: Id,
        actor: &str,
        shadow: Id,
        (out_too, in_too): (bool, bool),
        intent: Option<&OutboxEntry>,
    ) -> Result<()> {
        let key = acct_key(account, actor);
        let trees = (
            &self.fed.following,
            &self.fed.followers,
            &self.follows,
            &self.followers,
            &self.outbox,
        );
        trees.transaction(|(following, followers, follows, local_followers, out)| {
            if out_too {
                following.remove(key.clone())?;
                follows.remove(&pair_key(account, shadow))?;
                local_followers.remove(&pair_key(shadow, account))?;
            }
            if in_too {
                followers.remove(key.clone())?;
            }
            write_opt(out, intent)
        })?;
        Ok(())
    }

    /// Saves `changed` (a local account, e.g. just suspended) and ends every remote
    /// follow of it, both ways (its local edges to shadow accounts too), with the
    /// outgoing intent `intent` makes from the remote actors that followed it and
    /// those it followed, all in one transaction. Returns those two lists.
    pub fn put_account_leaving(
        &self,
        changed: &Account,
        intent: impl FnOnce(&[String], &[String]) -> Result<Option<OutboxEntry>>,
    ) -> Result<(Vec<String>, Vec<String>)> {
        let account = changed.id;
        let account_bytes = encode(changed)?;
        let followers: Vec<String> = self
            .remote_followers_of(account)?
            .into_iter()
            .map(|f| f.actor)
            .collect();
        let following: Vec<(String, Option<Id>)> = self
            .remote_followings_of(account)?
            .into_iter()
            .map(|f| {
                let shadow = self.remote_actor(&f.actor)?.map(|a| a.shadow);
                Ok((f.actor, shadow))
            })
            .collect::<Result<_>>()?;
        let followed: Vec<String> = following.iter().map(|(a, _)| a.clone()).collect();
        let entry = intent(&followers, &followed)?;
        let trees = (
            &self.fed.following,
            &self.fed.followers,
            &self.follows,
            &self.followers,
            &self.outbox,
            &self.accounts,
        );
        trees.transaction(
            |(fed_following, fed_followers, follows, local_followers, out, accounts)| {
                accounts.insert(&id_key(account), account_bytes.clone())?;
                for a in &followers {
                    fed_followers.remove(acct_key(account, a))?;
                }
                for (a, shadow) in &following {
                    fed_following.remove(acct_key(account, a))?;
                    if let Some(shadow) = shadow {
                        follows.remove(&pair_key(account, *shadow))?;
                        local_followers.remove(&pair_key(*shadow, account))?;
                    }
                }
                write_opt(out, entry.as_ref())
            },
        )?;
        Ok((followers, followed))
    }

    /// Ends every follow, both ways, between local accounts and the remote actors
    /// `matches` picks (by actor id); returns how many were ended.
    pub fn clear_remote_follows_on(&self, matches: impl Fn(&str) -> bool) -> Result<usize> {
        let mut n = 0;
        for tree in [&self.fed.following, &self.fed.followers] {
            for kv in tree.iter() {
                let (k, v) = kv?;
                let f: RemoteFollow = decode(&v)?;
                if !matches(&f.actor) {
                    continue;
                }
                let Some(local) = read_id(&k) else { continue };
                let shadow = self.remote_actor(&f.actor)?.map_or(0, |a| a.shadow);
                let outgoing = std::ptr::eq(tree, &self.fed.following);
                self.end_remote_follows_with(local, &f.actor, shadow, (outgoing, !outgoing), None)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Removes a local follow edge (used when a remote follow ends).
    pub fn unfollow_edge(&self, follower: Id, followee: Id) -> Result<()> {
        (&self.follows, &self.followers).transaction(|(follows, followers)| {
            follows.remove(&pair_key(follower, followee))?;
            followers.remove(&pair_key(followee, follower))?;
            Ok::<_, ConflictableTransactionError<Error>>(())
        })?;
        Ok(())
    }

    // ---- remote objects ----

    /// The local post standing for a remote object.
    pub fn remote_object(&self, url: &str) -> Result<Option<RemoteObject>> {
        Self::get(&self.fed.objects, url.as_bytes())
    }

    /// Stores a remote post and maps its URL to it.
    pub fn insert_remote_post(&self, url: &str, post: &Post, obj: &RemoteObject) -> Result<()> {
        self.insert_post(post, false, &obj.home_owners)?;
        self.fed.objects.insert(url.as_bytes(), encode(obj)?)?;
        self.fed
            .object_by_post
            .insert(id_key(post.id), url.as_bytes())?;
        Ok(())
    }

    /// Replaces the stored copy of a remote post.
    pub fn update_remote_post(&self, post: &Post) -> Result<()> {
        self.posts.insert(id_key(post.id), encode(post)?)?;
        Ok(())
    }

    /// Removes a remote post, its timeline entries and its URL mapping.
    pub fn remove_remote_post(&self, url: &str, obj: &RemoteObject) -> Result<()> {
        // Its poll and the campers' votes in it go with it.
        self.delete_poll(obj.post)?;
        // Its thread, author and reply-count entries go with it.
        match self.post(obj.post)? {
            Some(post) => self.delete_post(&post, &[])?,
            None => {
                self.posts.remove(id_key(obj.post))?;
            }
        }
        for owner in &obj.home_owners {
            self.home.remove(pair_key(*owner, obj.post))?;
        }
        self.fed.objects.remove(url.as_bytes())?;
        self.fed.object_by_post.remove(id_key(obj.post))?;
        self.fed.public_objects.remove(id_key(obj.post))?;
        self.fed.boosted.remove(id_key(obj.post))?;
        Ok(())
    }

    /// Records that `post` is a boosted copy of the remote object `url` by `actor`.
    pub fn put_boosted_original(&self, post: Id, url: &str, actor: &str) -> Result<()> {
        let record = (url.to_string(), actor.to_string());
        self.fed.boosted.insert(id_key(post), encode(&record)?)?;
        Ok(())
    }

    /// The original (URL, author actor) of a boosted copy, if `post` is one.
    pub fn boosted_original(&self, post: Id) -> Result<Option<(String, String)>> {
        Self::get(&self.fed.boosted, id_key(post))
    }

    /// Records that a remote post was addressed to the public by its author.
    pub fn mark_remote_public(&self, post: Id) -> Result<()> {
        self.fed.public_objects.insert(id_key(post), &[])?;
        Ok(())
    }

    /// True when `post` came from another server addressed to the public.
    pub fn remote_public(&self, post: Id) -> Result<bool> {
        Ok(self.fed.public_objects.contains_key(id_key(post))?)
    }

    /// The remote URL (and record) of a post that came from another server.
    pub fn remote_object_of_post(&self, post: Id) -> Result<Option<(String, RemoteObject)>> {
        let Some(url) = self.fed.object_by_post.get(id_key(post))? else {
            return Ok(None);
        };
        let url = String::from_utf8_lossy(&url).to_string();
        Ok(self.remote_object(&url)?.map(|o| (url, o)))
    }

    // ---- seen activities ----

    /// Records that `actor` (the verified signer) sent the activity `id`; false when
    /// it did before. Ids are remembered per actor, so an id another actor sent
    /// first (a pre-claimed `…#delete`) never turns the real one into a duplicate.
    pub fn mark_activity_seen(&self, actor: &str, id: &str, now: Millis) -> Result<bool> {
        Ok(self
            .fed
            .seen
            .compare_and_swap(
                seen_key(actor, id),
                None as Option<&[u8]>,
                Some(&id_key(now)[..]),
            )?
            .is_ok())
    }

    /// Forgets one activity of `actor` (its handling failed, so a retry must not be a
    /// duplicate).
    pub fn forget_activity(&self, actor: &str, id: &str) -> Result<()> {
        self.fed.seen.remove(seen_key(actor, id))?;
        Ok(())
    }

    /// Forgets activity ids recorded before `before` (duplicates older than that are
    /// no longer recognised); returns how many were dropped.
    pub fn prune_seen(&self, before: Millis) -> Result<usize> {
        let mut n = 0;
        for kv in self.fed.seen.iter() {
            let (k, v) = kv?;
            if read_id(&v).is_some_and(|t| t < before) {
                self.fed.seen.remove(k)?;
                n += 1;
            }
        }
        Ok(n)
    }

    // ---- delivery queue ----

    /// The queue and its per-inbox order index (for the outbox's transaction).
    pub(crate) fn delivery_trees(&self) -> (&Tree, &Tree) {
        (&self.fed.queue, &self.fed.queue_by_inbox)
    }

    /// Queues a delivery.
    pub fn enqueue_delivery(&self, job: &DeliveryJob) -> Result<()> {
        let bytes = encode(job)?;
        let (qk, ik) = (queue_key(job), super::outbox::inbox_key(job));
        (&self.fed.queue, &self.fed.queue_by_inbox).transaction(|(q, by_inbox)| {
            q.insert(&qk, bytes.clone())?;
            by_inbox.insert(ik.clone(), &qk)?;
            Ok::<_, ConflictableTransactionError<Error>>(())
        })?;
        Ok(())
    }

    /// True when no older job waits for the same inbox. A job queued before the
    /// index existed has no entry and is always first.
    fn first_for_inbox(&self, job: &DeliveryJob) -> Result<bool> {
        let prefix = super::outbox::inbox_prefix(&job.inbox);
        Ok(
            match self.fed.queue_by_inbox.scan_prefix(&prefix).keys().next() {
                Some(k) => {
                    let k = k?;
                    read_id(&k[prefix.len()..]).is_none_or(|first| first >= job.id)
                }
                None => true,
            },
        )
    }

    /// Jobs due at `now` that are first for their inbox, oldest due first, at most
    /// `limit`; at most [`SCAN_MAX`] queued jobs are looked at.
    pub fn due_deliveries(&self, now: Millis, limit: usize) -> Result<Vec<DeliveryJob>> {
        let mut out = Vec::new();
        for kv in self
            .fed
            .queue
            .range(..pair_key(now.saturating_add(1), 0))
            .take(SCAN_MAX)
        {
            if out.len() >= limit {
                break;
            }
            let job = decode_job(&kv?.1)?;
            if self.first_for_inbox(&job)? {
                out.push(job);
            }
        }
        Ok(out)
    }

    /// Every queued job (the admin's view of stuck deliveries).
    pub fn queued_deliveries(&self) -> Result<Vec<DeliveryJob>> {
        self.fed.queue.iter().map(|kv| decode_job(&kv?.1)).collect()
    }

    /// When the earliest job that is first for its inbox is due (looking at most at
    /// [`SCAN_MAX`] jobs; beyond that, the due time of the last one looked at).
    pub fn next_delivery_due(&self) -> Result<Option<Millis>> {
        let mut last = None;
        for kv in self.fed.queue.iter().take(SCAN_MAX) {
            let (k, v) = kv?;
            last = read_id(&k);
            if self.first_for_inbox(&decode_job(&v)?)? {
                return Ok(last);
            }
        }
        Ok(last)
    }

    /// Removes a job (delivered or given up).
    pub fn finish_delivery(&self, job: &DeliveryJob) -> Result<()> {
        let (qk, ik) = (queue_key(job), super::outbox::inbox_key(job));
        (&self.fed.queue, &self.fed.queue_by_inbox).transaction(|(q, by_inbox)| {
            q.remove(&qk)?;
            by_inbox.remove(ik.clone())?;
            Ok::<_, ConflictableTransactionError<Error>>(())
        })?;
        Ok(())
    }

    /// Moves a job to a new due time after a failed attempt (it stays first for its
    /// inbox: what was queued after it still waits).
    pub fn reschedule_delivery(&self, old: &DeliveryJob, new: &DeliveryJob) -> Result<()> {
        let bytes = encode(new)?;
        let (ok, nk) = (queue_key(old), queue_key(new));
        let ik = super::outbox::inbox_key(new);
        (&self.fed.queue, &self.fed.queue_by_inbox).transaction(|(q, by_inbox)| {
            q.remove(&ok)?;
            q.insert(&nk, bytes.clone())?;
            by_inbox.insert(ik.clone(), &nk)?;
            Ok::<_, ConflictableTransactionError<Error>>(())
        })?;
        Ok(())
    }
}

/// Most queued jobs one look at the queue reads (jobs waiting behind an older one
/// for the same inbox are skipped, so the look is bounded).
pub const SCAN_MAX: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    fn job(s: &Store, next: Millis) -> DeliveryJob {
        DeliveryJob {
            id: s.next_id(),
            inbox: "https://x/inbox".into(),
            body: "{}".into(),
            signer: 1,
            attempts: 0,
            created_ms: 0,
            next_ms: next,
            last_error: String::new(),
            recipients: vec!["https://x/users/a".into()],
        }
    }

    #[test]
    fn jobs_queued_before_recipients_existed_are_still_read() {
        let s = Store::temporary().unwrap();
        let old = LegacyDeliveryJob {
            id: 7,
            inbox: "https://x/inbox".into(),
            body: "{}".into(),
            signer: 1,
            attempts: 2,
            created_ms: 5,
            next_ms: 9,
            last_error: "e".into(),
        };
        s.fed
            .queue
            .insert(pair_key(9, 7), encode(&old).unwrap())
            .unwrap();
        let jobs = s.queued_deliveries().unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!((jobs[0].id, jobs[0].attempts), (7, 2));
        assert!(jobs[0].recipients.is_empty());
        let new = job(&s, 10);
        s.enqueue_delivery(&new).unwrap();
        assert!(s.queued_deliveries().unwrap().contains(&new));
    }

    #[test]
    fn queue_orders_by_due_time_and_reschedules() {
        let s = Store::temporary().unwrap();
        let a = job(&s, 100);
        let b = DeliveryJob {
            inbox: "https://y/inbox".into(),
            ..job(&s, 50)
        };
        s.enqueue_delivery(&a).unwrap();
        s.enqueue_delivery(&b).unwrap();
        assert_eq!(s.next_delivery_due().unwrap(), Some(50));
        assert_eq!(s.due_deliveries(60, 10).unwrap(), vec![b.clone()]);
        let mut b2 = b.clone();
        b2.next_ms = 500;
        b2.attempts = 1;
        s.reschedule_delivery(&b, &b2).unwrap();
        assert_eq!(s.due_deliveries(200, 10).unwrap(), vec![a.clone()]);
        s.finish_delivery(&a).unwrap();
        assert_eq!(s.queued_deliveries().unwrap(), vec![b2]);
    }

    #[test]
    fn nothing_overtakes_an_older_job_for_the_same_inbox() {
        let s = Store::temporary().unwrap();
        let create = job(&s, 10);
        let delete = job(&s, 10);
        let elsewhere = DeliveryJob {
            inbox: "https://y/inbox".into(),
            ..job(&s, 10)
        };
        for j in [&create, &delete, &elsewhere] {
            s.enqueue_delivery(j).unwrap();
        }
        assert_eq!(
            s.due_deliveries(20, 10).unwrap(),
            vec![create.clone(), elsewhere.clone()]
        );
        // The create fails and waits for a retry: its delete, due now, still waits.
        let retry = DeliveryJob {
            attempts: 1,
            next_ms: 500,
            ..create.clone()
        };
        s.reschedule_delivery(&create, &retry).unwrap();
        assert_eq!(s.due_deliveries(20, 10).unwrap(), vec![elsewhere.clone()]);
        s.finish_delivery(&elsewhere).unwrap();
        assert!(s.due_deliveries(20, 10).unwrap().is_empty());
        assert_eq!(s.next_delivery_due().unwrap(), Some(500));
        assert_eq!(s.due_deliveries(500, 10).unwrap(), vec![retry.clone()]);
        s.finish_delivery(&retry).unwrap();
        assert_eq!(s.due_deliveries(500, 10).unwrap(), vec![delete]);
    }

    #[test]
    fn queued_jobs_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let j = {
            let s = Store::open(dir.path()).unwrap();
            let j = job(&s, 10);
            s.enqueue_delivery(&j).unwrap();
            s.flush().unwrap();
            j
        };
        let s = Store::reopen(dir.path());
        assert_eq!(s.due_deliveries(u64::MAX - 1, 10).unwrap(), vec![j]);
    }

    #[test]
    fn seen_ids_are_remembered_once() {
        let s = Store::temporary().unwrap();
        let a = "https://x/users/a";
        assert!(s.mark_activity_seen(a, "https://x/a/1", 1).unwrap());
        assert!(!s.mark_activity_seen(a, "https://x/a/1", 2).unwrap());
        assert!(s.mark_activity_seen(a, "https://x/a/2", 10).unwrap());
        assert_eq!(s.prune_seen(5).unwrap(), 1);
        assert!(s.mark_activity_seen(a, "https://x/a/1", 11).unwrap());
        assert!(!s.mark_activity_seen(a, "https://x/a/2", 12).unwrap());
        s.forget_activity(a, "https://x/a/2").unwrap();
        assert!(s.mark_activity_seen(a, "https://x/a/2", 13).unwrap());
    }

    #[test]
    fn seen_ids_are_kept_per_actor_so_none_can_be_pre_claimed() {
        let s = Store::temporary().unwrap();
        let id = "https://x/users/alice#delete";
        // Another actor (even on the same server) sends alice's id first.
        assert!(
            s.mark_activity_seen("https://x/users/mallory", id, 1)
                .unwrap()
        );
        assert!(
            s.mark_activity_seen("https://x/users/alice", id, 2)
                .unwrap()
        );
        assert!(
            !s.mark_activity_seen("https://x/users/alice", id, 3)
                .unwrap()
        );
        // The length prefix keeps actor and id apart: no split collides.
        assert!(s.mark_activity_seen("https://x/u", "/ab", 4).unwrap());
        assert!(s.mark_activity_seen("https://x/u/a", "b", 5).unwrap());
    }

    #[test]
    fn remote_actor_gets_one_shadow_account() {
        let s = Store::temporary().unwrap();
        let a = RemoteActor {
            id: "http://peer/users/alice".into(),
            shadow: 0,
            inbox: "http://peer/users/alice/inbox".into(),
            shared_inbox: None,
            username: "alice".into(),
            host: "peer".into(),
            display_name: "Alice".into(),
            key_id: "http://peer/users/alice#main-key".into(),
            public_key_pem: String::new(),
            fetched_ms: 1,
        };
        let first = s.upsert_remote_actor(a.clone()).unwrap();
        let again = s.upsert_remote_actor(a).unwrap();
        assert_eq!(first.shadow, again.shadow);
        let acc = s.account_by_name("alice@peer").unwrap().unwrap();
        assert_eq!(acc.id, first.shadow);
        assert!(acc.is_remote());
        assert_eq!(
            s.remote_actor_of_shadow(acc.id).unwrap().unwrap().id,
            "http://peer/users/alice"
        );
    }
}
