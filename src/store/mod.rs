//! The only code that touches sled: typed trees, key encoding, the record codec and id
//! generation. Multi-tree writes that must stay consistent run in sled transactions.
//!
//! Flush policy: the service calls [`Store::flush`] before it tells anyone a write
//! succeeded, so an acknowledged write survives `kill -9` (tested by killing a child
//! process in the integration tests). Writes nobody waits on (read markers) may be lost
//! in a crash and are flushed by sled's background flusher within a second.

pub mod backup;
pub mod backup_file;
pub mod codec;
pub mod federation;
mod figures;
mod gate;
mod generation;
pub mod ids;
pub mod leaving;
mod media;
mod moderation;
pub mod outbox;
pub mod polls;
pub mod private;
mod public_index;
pub mod restore;
pub mod social;
pub mod upgrade;

use std::path::Path;

use gate::{Db, Transactional, Tree};
use serde::{Serialize, de::DeserializeOwned};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use crate::error::{Error, Result};
use crate::model::*;
use codec::{decode, encode, id_key, pair_key, read_id};
pub use ids::{IdGen, now_ms};

/// What sled may keep of the database in memory, by its own count. sled's default is
/// 1 GiB, and it keeps every page it writes until that count is reached, so a camp's
/// memory grew with every post written until a restart (issue 13: 20,000 posts over
/// exec, 67 MiB against 20 MiB restarted). sled counts a page by its size in the log,
/// while the page in memory (nodes, `IVec`s, the LRU's links) takes several times that,
/// and the allocator holds more around it: hence a cache far smaller than the heap it
/// stands for. Reads that miss it come from the OS page cache. Measured with
/// `cargo bench --bench memory` (the curve is in its doc and the note).
pub const SLED_CACHE_BYTES: u64 = 1024 * 1024;

/// sled's settings for the database in `dir`.
fn sled_config(dir: &Path) -> sled::Config {
    sled::Config::new()
        .path(dir)
        .flush_every_ms(Some(1000))
        .cache_capacity(SLED_CACHE_BYTES)
}

/// Typed access to camp's sled database.
pub struct Store {
    db: Db,
    accounts: Tree,
    usernames: Tree,
    keys: Tree,
    account_keys: Tree,
    posts: Tree,
    timeline_camp: Tree,
    home: Tree,
    follows: Tree,
    followers: Tree,
    invites: Tree,
    settings: Tree,
    notifications: Tree,
    /// What must leave the camp, drained by the bridge ([`outbox`]).
    outbox: Tree,
    moderation: moderation::ModerationTrees,
    social: social::SocialTrees,
    fed: federation::FederationTrees,
    ids: IdGen,
    upgrade: upgrade::Upgrade,
}

fn abort(e: Error) -> ConflictableTransactionError<Error> {
    ConflictableTransactionError::Abort(e)
}

/// A post, its camp and home timeline entries and its outgoing intent, inside a
/// transaction over the posts, camp timeline, home and outbox trees.
fn put_post_in(
    (posts, camp, home, out): (
        &TransactionalTree,
        &TransactionalTree,
        &TransactionalTree,
        &TransactionalTree,
    ),
    post: &Post,
    on_camp: bool,
    home_owners: &[Id],
    intent: Option<&outbox::OutboxEntry>,
) -> std::result::Result<(), ConflictableTransactionError<Error>> {
    tx_put(posts, id_key(post.id), post)?;
    if on_camp {
        camp.insert(&id_key(post.id), &[])?;
    }
    for owner in home_owners {
        home.insert(&pair_key(*owner, post.id), &[])?;
    }
    outbox::write_opt(out, intent)
}

fn tx_put<T: Serialize>(
    tree: &TransactionalTree,
    key: impl AsRef<[u8]>,
    value: &T,
) -> std::result::Result<(), ConflictableTransactionError<Error>> {
    tree.insert(key.as_ref(), encode(value).map_err(abort)?)?;
    Ok(())
}

fn tx_get<T: DeserializeOwned>(
    tree: &TransactionalTree,
    key: impl AsRef<[u8]>,
) -> std::result::Result<Option<T>, ConflictableTransactionError<Error>> {
    match tree.get(key.as_ref())? {
        Some(bytes) => Ok(Some(decode(&bytes).map_err(abort)?)),
        None => Ok(None),
    }
}

impl Store {
    /// Opens (or creates) the database in `dir`. Fails clearly when another process holds it.
    /// A new directory is created 0700, and its files are kept 0600 ([`private`]).
    pub fn open(dir: &Path) -> Result<Store> {
        private::create_dir(dir)?;
        let db = sled_config(dir).open().map_err(|e| match e {
            sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock => {
                Error::Config(format!(
                    "the data directory {} is in use by another camp process",
                    dir.display()
                ))
            }
            other => Error::Store(other),
        })?;
        private::restrict_files(dir)?;
        let db = Db::new(db);
        let upgrade = upgrade::prepare(&db, Some(dir))?;
        let mut store = Self::from_db(db)?;
        store.upgrade = upgrade;
        Ok(store)
    }

    /// Opens `dir` again in the same process, as a test's "restart": sled's background
    /// flusher may hold the file lock for a moment after the last handle is dropped
    /// (within one process only; a real restart never sees this), so it waits for it.
    #[cfg(test)]
    pub(crate) fn reopen(dir: &Path) -> Store {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match Store::open(dir) {
                Ok(s) => return s,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => panic!("reopening failed: {e}"),
            }
        }
    }

    /// A throw-away database for tests and benchmarks.
    pub fn temporary() -> Result<Store> {
        let db = Db::new(sled::Config::new().temporary(true).open()?);
        upgrade::prepare(&db, None)?;
        Self::from_db(db)
    }

    /// What opening did to the data format (for the start-up log).
    pub fn upgrade(&self) -> &upgrade::Upgrade {
        &self.upgrade
    }

    /// Checks the data format before anything reads a record, then opens the trees.
    fn from_db(db: Db) -> Result<Store> {
        let tree = |name: &str| db.open_tree(name);
        let mut store = Store {
            accounts: tree("accounts")?,
            usernames: tree("usernames")?,
            keys: tree("keys")?,
            account_keys: tree("account_keys")?,
            posts: tree("posts")?,
            timeline_camp: tree("timeline_camp")?,
            home: tree("home")?,
            follows: tree("follows")?,
            followers: tree("followers")?,
            invites: tree("invites")?,
            settings: tree("settings")?,
            notifications: tree("notifications")?,
            outbox: tree("outbox")?,
            moderation: moderation::ModerationTrees::open(&db)?,
            social: social::SocialTrees::open(&db)?,
            fed: federation::FederationTrees::open(&db)?,
            ids: IdGen::new(0),
            upgrade: upgrade::Upgrade::Current,
            db,
        };
        let floor = [&store.accounts, &store.posts, store.social.id_tree()]
            .iter()
            .filter_map(|t| t.last().ok().flatten())
            .filter_map(|(k, _)| read_id(&k))
            .max()
            .unwrap_or(0)
            .max(store.moderation.max_id());
        store.ids = IdGen::new(floor);
        store.build_public_index()?;
        Ok(store)
    }

    /// A fresh time-ordered id.
    pub fn next_id(&self) -> Id {
        self.ids.next()
    }

    /// Runs several writes so that a backup holds all of them or none (a new post and
    /// its indexes, say). Only writes on this thread are covered.
    pub fn together<T>(&self, f: impl FnOnce() -> T) -> T {
        self.db.together(f)
    }

    /// The relevance generation: moved on by every write to what the live visibility
    /// checks read (mutes, blocks, follows, accounts, domain policy, filters, lists;
    /// [`generation`] says which trees). Read it before the data it guards.
    pub fn relevance_generation(&self) -> u64 {
        self.db.generation()
    }

    /// Makes every write so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    /// Bytes the database takes on disk (sled's own estimate).
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }

    /// Makes every write so far durable without blocking the async runtime.
    pub async fn flush_async(&self) -> Result<()> {
        self.db.flush_async().await?;
        Ok(())
    }

    fn get<T: DeserializeOwned>(tree: &Tree, key: impl AsRef<[u8]>) -> Result<Option<T>> {
        tree.get(key)?.map(|b| decode(&b)).transpose()
    }

    // ---- accounts and keys ----

    /// The account with this id.
    pub fn account(&self, id: Id) -> Result<Option<Account>> {
        Self::get(&self.accounts, id_key(id))
    }

    /// The account with this username (any case).
    pub fn account_by_name(&self, name: &str) -> Result<Option<Account>> {
        match self.usernames.get(name.to_lowercase().as_bytes())? {
            Some(id) => match read_id(&id) {
                Some(id) => self.account(id),
                None => Err(Error::Codec("bad username index entry".into())),
            },
            None => Ok(None),
        }
    }

    /// The key record for a fingerprint.
    pub fn key(&self, fingerprint: &str) -> Result<Option<AccountKey>> {
        Self::get(&self.keys, fingerprint.as_bytes())
    }

    /// Every key of an account, oldest first.
    pub fn keys_of(&self, account: Id) -> Result<Vec<AccountKey>> {
        let mut out = Vec::new();
        for item in self.account_keys.scan_prefix(id_key(account)) {
            let (k, _) = item?;
            let fp = std::str::from_utf8(&k[8..]).map_err(|e| Error::Codec(e.to_string()))?;
            if let Some(key) = self.key(fp)? {
                out.push(key);
            }
        }
        out.sort_by_key(|k| k.added_ms);
        Ok(out)
    }

    /// Every account, in join order.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        self.accounts.iter().values().map(|v| decode(&v?)).collect()
    }

    /// Number of accounts.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Replaces an account record (username changes are not allowed here).
    pub fn put_account(&self, account: &Account) -> Result<()> {
        self.accounts.insert(id_key(account.id), encode(account)?)?;
        Ok(())
    }

    /// Creates an account with its first key, consuming one use of `invite_code`, all or
    /// nothing. `check_invite` decides whether the invite may be used (expiry, uses, revoked).
    pub fn join(
        &self,
        invite_code: &str,
        account: &Account,
        key: &AccountKey,
        check_invite: impl Fn(&Invite) -> Result<()>,
    ) -> Result<Invite> {
        let trees = (
            &self.accounts,
            &self.usernames,
            &self.keys,
            &self.account_keys,
            &self.invites,
        );
        let invite = trees.transaction(|(accounts, usernames, keys, account_keys, invites)| {
            let mut invite: Invite = tx_get(invites, invite_code.as_bytes())?
                .ok_or_else(|| abort(Error::invalid("that invite code is not valid here")))?;
            check_invite(&invite).map_err(abort)?;
            if usernames.get(account.username.as_bytes())?.is_some() {
                return Err(abort(Error::invalid(format!(
                    "the name '{}' is taken; choose another",
                    account.username
                ))));
            }
            if keys.get(key.fingerprint.as_bytes())?.is_some() {
                return Err(abort(Error::invalid(
                    "this key already belongs to an account",
                )));
            }
            invite.used_by.push(account.id);
            tx_put(invites, invite_code.as_bytes(), &invite)?;
            tx_put(accounts, id_key(account.id), account)?;
            usernames.insert(account.username.as_bytes(), &id_key(account.id))?;
            tx_put(keys, key.fingerprint.as_bytes(), key)?;
            let mut ak = id_key(account.id).to_vec();
            ak.extend_from_slice(key.fingerprint.as_bytes());
            account_keys.insert(ak, &[])?;
            Ok(invite)
        })?;
        Ok(invite)
    }

    // ---- posts and timelines ----

    /// Stores a post and its index entries: the camp timeline (when `on_camp`) and the
    /// home timeline of every account in `home_owners`, atomically.
    pub fn insert_post(&self, post: &Post, on_camp: bool, home_owners: &[Id]) -> Result<()> {
        self.insert_post_with(post, on_camp, home_owners, None)
    }

    /// [`Store::insert_post`], writing the post's outgoing intent (when it has one) in
    /// the same transaction.
    pub fn insert_post_with(
        &self,
        post: &Post,
        on_camp: bool,
        home_owners: &[Id],
        intent: Option<&outbox::OutboxEntry>,
    ) -> Result<()> {
        (&self.posts, &self.timeline_camp, &self.home, &self.outbox).transaction(
            |(a, b, c, d)| put_post_in((a, b, c, d), post, on_camp, home_owners, intent),
        )?;
        Ok(())
    }

    /// The post with this id.
    pub fn post(&self, id: Id) -> Result<Option<Post>> {
        Self::get(&self.posts, id_key(id))
    }

    fn page(&self, ids: impl Iterator<Item = Id>, limit: usize) -> Result<Vec<Post>> {
        let mut out = Vec::with_capacity(limit.min(256));
        for id in ids {
            if out.len() >= limit {
                break;
            }
            if let Some(p) = self.post(id)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Camp-timeline posts older than `before` (all when None), newest first.
    pub fn camp_timeline(&self, before: Option<Id>, limit: usize) -> Result<Vec<Post>> {
        let end = id_key(before.unwrap_or(u64::MAX));
        let ids: Vec<Id> = self
            .timeline_camp
            .range(..end)
            .rev()
            .take(limit)
            .filter_map(|kv| kv.ok().and_then(|(k, _)| read_id(&k)))
            .collect();
        self.page(ids.into_iter(), limit)
    }

    /// Home-timeline posts of `owner` older than `before`, newest first.
    pub fn home_timeline(&self, owner: Id, before: Option<Id>, limit: usize) -> Result<Vec<Post>> {
        let start = pair_key(owner, 0);
        let end = pair_key(owner, before.unwrap_or(u64::MAX));
        let ids: Vec<Id> = self
            .home
            .range(start..end)
            .rev()
            .take(limit)
            .filter_map(|kv| kv.ok().and_then(|(k, _)| read_id(&k[8..])))
            .collect();
        self.page(ids.into_iter(), limit)
    }

    /// Number of posts stored.
    pub fn post_count(&self) -> usize {
        self.posts.len()
    }

    // ---- social graph ----

    /// Records that `follower` follows `followee`.
    pub fn follow(&self, follower: Id, followee: Id) -> Result<()> {
        (&self.follows, &self.followers).transaction(|(follows, followers)| {
            follows.insert(&pair_key(follower, followee), &[])?;
            followers.insert(&pair_key(followee, follower), &[])?;
            Ok::<_, ConflictableTransactionError<Error>>(())
        })?;
        Ok(())
    }

    /// Accounts that follow `account`.
    pub fn followers_of(&self, account: Id) -> Result<Vec<Id>> {
        self.followers
            .scan_prefix(id_key(account))
            .keys()
            .map(|k| {
                let k = k?;
                read_id(&k[8..]).ok_or_else(|| Error::Codec("bad follower key".into()))
            })
            .collect()
    }

    /// True when `follower` follows `followee`.
    pub fn follows(&self, follower: Id, followee: Id) -> Result<bool> {
        Ok(self.follows.contains_key(pair_key(follower, followee))?)
    }

    // ---- invites ----

    /// Saves an invite (new or changed).
    pub fn put_invite(&self, invite: &Invite) -> Result<()> {
        self.invites
            .insert(invite.code.as_bytes(), encode(invite)?)?;
        Ok(())
    }

    /// The invite with this code.
    pub fn invite(&self, code: &str) -> Result<Option<Invite>> {
        Self::get(&self.invites, code.as_bytes())
    }

    /// Every invite.
    pub fn invites(&self) -> Result<Vec<Invite>> {
        self.invites.iter().values().map(|v| decode(&v?)).collect()
    }

    // ---- notifications ----

    /// Stores a notification under its account.
    pub fn put_notification(&self, n: &Notification) -> Result<()> {
        self.notifications
            .insert(pair_key(n.account, n.id), encode(n)?)?;
        Ok(())
    }

    /// An account's notifications older than `before`, newest first.
    pub fn notifications(
        &self,
        account: Id,
        before: Option<Id>,
        limit: usize,
    ) -> Result<Vec<Notification>> {
        let start = pair_key(account, 0);
        let end = pair_key(account, before.unwrap_or(u64::MAX));
        self.notifications
            .range(start..end)
            .rev()
            .take(limit)
            .map(|kv| decode(&kv?.1))
            .collect()
    }

    /// How many of an account's notifications are newer than `after` (capped at `cap`,
    /// so a badge never costs a long scan).
    pub fn notifications_newer_than(&self, account: Id, after: Id, cap: usize) -> usize {
        let start = pair_key(account, after.saturating_add(1));
        let end = pair_key(account, u64::MAX);
        self.notifications.range(start..end).take(cap).count()
    }

    // ---- settings ----

    /// A named setting.
    pub fn setting<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        Self::get(&self.settings, name.as_bytes())
    }

    /// Saves a named setting.
    pub fn put_setting<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        self.settings.insert(name.as_bytes(), encode(value)?)?;
        Ok(())
    }

    /// Removes a named setting.
    pub fn remove_setting(&self, name: &str) -> Result<()> {
        self.settings.remove(name.as_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sled_keeps_a_small_cache_not_its_default_gibibyte() {
        // sled's default (1 GiB) kept every page written in memory until a restart.
        let dir = tempfile::tempdir().unwrap();
        let config = sled_config(dir.path());
        assert_eq!(config.cache_capacity, SLED_CACHE_BYTES);
        assert!(config.cache_capacity <= 4 * 1024 * 1024);
    }

    fn post(store: &Store, author: Id) -> Post {
        Post {
            id: store.next_id(),
            author,
            text: "hi".into(),
            cw: None,
            visibility: Visibility::Camp,
            reply_to: None,
            mentions: vec![],
            created_ms: now_ms(),
            edited_ms: None,
        }
    }

    #[test]
    fn timelines_are_newest_first_and_paged() {
        let s = Store::temporary().unwrap();
        let ids: Vec<Id> = (0..10)
            .map(|i| {
                let p = post(&s, 1);
                s.insert_post(&p, i % 2 == 0, &[1]).unwrap();
                p.id
            })
            .collect();
        let camp = s.camp_timeline(None, 100).unwrap();
        assert_eq!(camp.len(), 5);
        assert!(camp.windows(2).all(|w| w[0].id > w[1].id));
        let home = s.home_timeline(1, None, 3).unwrap();
        assert_eq!(
            home.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![ids[9], ids[8], ids[7]]
        );
        let older = s.home_timeline(1, Some(ids[7]), 100).unwrap();
        assert_eq!(older.len(), 7);
        assert!(s.home_timeline(2, None, 10).unwrap().is_empty());
    }

    #[test]
    fn a_post_written_with_its_indexes_is_found_through_every_one_of_them() {
        let s = Store::temporary().unwrap();
        let parent = post(&s, 1);
        s.insert_indexed_post(&parent, true, &[1], None, &[])
            .unwrap();
        let reply = Post {
            reply_to: Some(parent.id),
            visibility: Visibility::Public,
            ..post(&s, 2)
        };
        let tags = vec!["crag".to_string()];
        s.insert_indexed_post(&reply, true, &[2, 3], None, &tags)
            .unwrap();
        assert_eq!(s.post(reply.id).unwrap().as_ref(), Some(&reply));
        let ids = |posts: Vec<Post>| posts.iter().map(|p| p.id).collect::<Vec<_>>();
        assert_eq!(
            ids(s.camp_timeline(None, 10).unwrap()),
            [reply.id, parent.id]
        );
        assert_eq!(ids(s.home_timeline(3, None, 10).unwrap()), [reply.id]);
        assert_eq!(s.replies_to(parent.id).unwrap(), [reply.id]);
        assert_eq!(s.post_stats(parent.id).unwrap().replies, 1);
        assert_eq!(s.posts_by(2, None, 10).unwrap(), [reply.id]);
        assert_eq!(s.tagged("crag", None, 10).unwrap(), [reply.id]);
        assert_eq!(ids(s.public_posts_of(2, 10).unwrap()), [reply.id]);
        assert!(
            s.public_posts_of(1, 10).unwrap().is_empty(),
            "a camp post is not public"
        );
    }

    #[test]
    fn ids_stay_above_stored_ones_after_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let last = {
            let s = Store::open(dir.path()).unwrap();
            let p = post(&s, 1);
            s.insert_post(&p, true, &[]).unwrap();
            s.flush().unwrap();
            p.id
        };
        let s = Store::reopen(dir.path());
        assert!(s.next_id() > last);
        assert_eq!(s.camp_timeline(None, 5).unwrap()[0].id, last);
    }
}
