//! Store side of the social features: replies, favourites, boosts, bookmarks, edit
//! history, mutes, blocks, hashtags, the per-author index, and the once-only index of
//! notifications. Kept apart from `store/mod.rs` so that file only gains one field.
//!
//! Nothing here grows because a camper repeats something: edit history is capped at
//! [`MAX_POST_VERSIONS`], an un-boost takes its entries off every home it reached (kept
//! in `boost_homes`), a deleted post's versions, home entries and boosts go with it
//! ([`Store::clear_post_traces`]), and expired link codes are pruned.

use super::gate::{Transactional, Tree};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::codec::{decode, encode, id_key, pair_key, read_id};
use super::outbox::{OutboxEntry, write_opt};
use super::{Store, tx_get, tx_put};
use crate::error::{Error, Result};
use crate::model::*;

/// The trees the social features use.
pub(crate) struct SocialTrees {
    /// pair(parent, reply)
    replies: Tree,
    /// pair(post, account)
    favourites: Tree,
    /// pair(post, account) -> id of the boost's home entry
    boosts: Tree,
    /// id(entry) -> BoostEntry
    boost_entries: Tree,
    /// pair(account, post)
    bookmarks: Tree,
    /// id(post) -> PostStats
    stats: Tree,
    /// pair(post, written_ms) -> PostVersion
    versions: Tree,
    /// pair(owner, target) -> Mute
    mutes: Tree,
    /// pair(owner, target)
    blocks: Tree,
    /// tag bytes, 0, id(post)
    tags: Tree,
    /// pair(author, post)
    by_author: Tree,
    /// code -> LinkCode
    link_codes: Tree,
    /// pair(boost entry, owner): whose home timelines a boost reached, so an un-boost
    /// removes exactly those entries.
    boost_homes: Tree,
    /// account, actor, post, kind -> id(notification): the one notification per
    /// (kind, actor, post) that repeatable actions (favourites, boosts, follows) give.
    notified: Tree,
}

impl SocialTrees {
    /// A tree keyed by ids from the shared generator (boost entries), so ids stay
    /// above it after a restart.
    pub(crate) fn id_tree(&self) -> &Tree {
        &self.boost_entries
    }

    /// Opens (or creates) the trees in `db`.
    pub(crate) fn open(db: &super::gate::Db) -> Result<SocialTrees> {
        let t = |n: &str| db.open_tree(n);
        Ok(SocialTrees {
            replies: t("replies")?,
            favourites: t("favourites")?,
            boosts: t("boosts")?,
            boost_entries: t("boost_entries")?,
            bookmarks: t("bookmarks")?,
            stats: t("post_stats")?,
            versions: t("post_versions")?,
            mutes: t("mutes")?,
            blocks: t("blocks")?,
            tags: t("tags")?,
            by_author: t("posts_by_author")?,
            link_codes: t("link_codes")?,
            boost_homes: t("boost_homes")?,
            notified: t("notified")?,
        })
    }
}

/// Most earlier versions kept per post; an edit beyond it forgets the oldest. Twenty
/// covers any honest history of corrections while a camper editing in a loop cannot
/// grow the store.
pub const MAX_POST_VERSIONS: usize = 20;

fn notified_key(
    account: Id,
    kind: NotificationKind,
    actor: Option<Id>,
    post: Option<Id>,
) -> Vec<u8> {
    let mut k = Vec::with_capacity(24 + 16);
    k.extend_from_slice(&id_key(account));
    k.extend_from_slice(&id_key(actor.unwrap_or(0)));
    k.extend_from_slice(&id_key(post.unwrap_or(0)));
    k.extend_from_slice(kind.as_str().as_bytes());
    k
}

fn tag_key(tag: &str, post: Id) -> Vec<u8> {
    let mut k = tag.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(&id_key(post));
    k
}

/// Which toggle a camper pressed on a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// `f`
    Favourite,
    /// `b`
    Boost,
    /// The bookmark key.
    Bookmark,
}

/// One entry of a home timeline: a post, or someone's boost of one.
#[derive(Debug, Clone)]
pub struct HomeItem {
    /// The timeline entry's own id (the post's id, or the boost's).
    pub entry: Id,
    /// The post.
    pub post: Post,
    /// Who boosted it onto this timeline.
    pub boosted_by: Option<Id>,
}

type TxResult<T> = std::result::Result<T, ConflictableTransactionError<Error>>;

fn ids_after_owner(tree: &Tree, owner: Id) -> Result<Vec<Id>> {
    tree.scan_prefix(id_key(owner))
        .keys()
        .map(|k| {
            let k = k?;
            read_id(&k[8..]).ok_or_else(|| Error::Codec("bad pair key".into()))
        })
        .collect()
}

/// A new post's reply, author and tag entries (and its parent's reply count), inside a
/// transaction over the replies, stats, author and tag trees.
fn index_in(
    (replies, stats, by_author, tag_tree): (
        &TransactionalTree,
        &TransactionalTree,
        &TransactionalTree,
        &TransactionalTree,
    ),
    post: &Post,
    tags: &[String],
) -> TxResult<()> {
    if let Some(parent) = post.reply_to {
        replies.insert(&pair_key(parent, post.id), &[])?;
        let mut st: PostStats = tx_get(stats, id_key(parent))?.unwrap_or_default();
        st.replies = st.replies.saturating_add(1);
        tx_put(stats, id_key(parent), &st)?;
    }
    by_author.insert(&pair_key(post.author, post.id), &[])?;
    for t in tags {
        tag_tree.insert(tag_key(t, post.id), &[])?;
    }
    Ok(())
}

impl Store {
    /// Files a new post under its parent, its author and its hashtags.
    pub fn index_post(&self, post: &Post, tags: &[String]) -> Result<()> {
        let s = &self.social;
        (&s.replies, &s.stats, &s.by_author, &s.tags)
            .transaction(|(a, b, c, d)| index_in((a, b, c, d), post, tags))?;
        self.index_public(post)
    }

    /// [`Store::insert_post_with`] and [`Store::index_post`] in one transaction: the
    /// post, its timeline entries, its outgoing intent and its reply, author and tag
    /// entries land together. Two transactions cost the log two writes each (sled
    /// seals its buffer as a transaction starts and as it ends), each handed to sled's
    /// I/O threads while the post's readers wait for it.
    pub fn insert_indexed_post(
        &self,
        post: &Post,
        on_camp: bool,
        home_owners: &[Id],
        intent: Option<&OutboxEntry>,
        tags: &[String],
    ) -> Result<()> {
        let s = &self.social;
        (
            &self.posts,
            &self.timeline_camp,
            &self.home,
            &self.outbox,
            &s.replies,
            &s.stats,
            &s.by_author,
            &s.tags,
        )
            .transaction(
                |(posts, camp, home, out, replies, stats, by_author, tag_tree)| {
                    super::put_post_in(
                        (posts, camp, home, out),
                        post,
                        on_camp,
                        home_owners,
                        intent,
                    )?;
                    index_in((replies, stats, by_author, tag_tree), post, tags)
                },
            )?;
        self.index_public(post)
    }

    /// Counters of a post (zero when none were kept).
    pub fn post_stats(&self, post: Id) -> Result<PostStats> {
        Ok(Self::get(&self.social.stats, id_key(post))?.unwrap_or_default())
    }

    /// Direct replies to `post`, oldest first.
    pub fn replies_to(&self, post: Id) -> Result<Vec<Id>> {
        ids_after_owner(&self.social.replies, post)
    }

    /// Post ids by `author`, newest first, older than `before`.
    pub fn posts_by(&self, author: Id, before: Option<Id>, limit: usize) -> Result<Vec<Id>> {
        let start = pair_key(author, 0);
        let end = pair_key(author, before.unwrap_or(u64::MAX));
        self.social
            .by_author
            .range(start..end)
            .rev()
            .take(limit)
            .map(|kv| {
                let (k, _) = kv?;
                read_id(&k[8..]).ok_or_else(|| Error::Codec("bad author key".into()))
            })
            .collect()
    }

    /// How many posts `author` has (kept in the author index).
    pub fn post_count_of(&self, author: Id) -> usize {
        self.social.by_author.scan_prefix(id_key(author)).count()
    }

    /// Post ids tagged `tag`, newest first.
    pub fn tagged(&self, tag: &str, before: Option<Id>, limit: usize) -> Result<Vec<Id>> {
        let start = tag_key(tag, 0);
        let end = tag_key(tag, before.unwrap_or(u64::MAX));
        self.social
            .tags
            .range(start..end)
            .rev()
            .take(limit)
            .map(|kv| {
                let (k, _) = kv?;
                read_id(&k[k.len() - 8..]).ok_or_else(|| Error::Codec("bad tag key".into()))
            })
            .collect()
    }

    /// Distinct tags starting with `prefix`, with how many posts carry each.
    pub fn tags_starting(&self, prefix: &str, limit: usize) -> Result<Vec<(String, usize)>> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for kv in self.social.tags.scan_prefix(prefix.as_bytes()) {
            let (k, _) = kv?;
            let Some(nul) = k.iter().position(|b| *b == 0) else {
                continue;
            };
            let tag = String::from_utf8_lossy(&k[..nul]).into_owned();
            match out.last_mut() {
                Some((t, n)) if *t == tag => *n += 1,
                _ => {
                    if out.len() >= limit {
                        break;
                    }
                    out.push((tag, 1));
                }
            }
        }
        Ok(out)
    }

    /// Replaces a post's text, keeping the old text as a version, and re-files its tags.
    pub fn edit_post(
        &self,
        new: &Post,
        old: &PostVersion,
        old_tags: &[String],
        new_tags: &[String],
        intent: Option<&OutboxEntry>,
    ) -> Result<()> {
        let s = &self.social;
        // The oldest versions beyond the cap, counting the one this edit adds.
        let kept: Vec<_> = s
            .versions
            .scan_prefix(id_key(new.id))
            .keys()
            .collect::<std::result::Result<_, _>>()?;
        let forget = (kept.len() + 1).saturating_sub(MAX_POST_VERSIONS);
        let trees = (&self.posts, &s.versions, &s.tags, &self.outbox);
        trees.transaction(|(posts, versions, tags, out)| {
            tx_put(posts, id_key(new.id), new)?;
            tx_put(versions, pair_key(new.id, old.written_ms), old)?;
            for k in kept.iter().take(forget) {
                versions.remove(k)?;
            }
            for t in old_tags {
                tags.remove(tag_key(t, new.id))?;
            }
            for t in new_tags {
                tags.insert(tag_key(t, new.id), &[])?;
            }
            write_opt(out, intent)
        })?;
        Ok(())
    }

    /// Earlier versions of a post, oldest first.
    pub fn versions(&self, post: Id) -> Result<Vec<PostVersion>> {
        self.social
            .versions
            .scan_prefix(id_key(post))
            .values()
            .map(|v| decode(&v?))
            .collect()
    }

    /// Removes a post and its index entries. Its home entries, versions and boosts are
    /// removed by [`Store::clear_post_traces`], given the homes it was filed on.
    pub fn delete_post(&self, post: &Post, tags: &[String]) -> Result<()> {
        self.delete_post_with(post, tags, None)
    }

    /// [`Store::delete_post`], writing the deletion's outgoing intent (when it has one)
    /// in the same transaction.
    pub fn delete_post_with(
        &self,
        post: &Post,
        tags: &[String],
        intent: Option<&OutboxEntry>,
    ) -> Result<()> {
        let s = &self.social;
        (
            &self.posts,
            &self.timeline_camp,
            &s.replies,
            &s.stats,
            &s.by_author,
            &s.tags,
            &self.outbox,
        )
            .transaction(|(posts, camp, replies, stats, by_author, tag_tree, out)| {
                posts.remove(&id_key(post.id))?;
                camp.remove(&id_key(post.id))?;
                stats.remove(&id_key(post.id))?;
                by_author.remove(&pair_key(post.author, post.id))?;
                for t in tags {
                    tag_tree.remove(tag_key(t, post.id))?;
                }
                if let Some(parent) = post.reply_to
                    && replies.remove(&pair_key(parent, post.id))?.is_some()
                {
                    let mut st: PostStats = tx_get(stats, id_key(parent))?.unwrap_or_default();
                    st.replies = st.replies.saturating_sub(1);
                    tx_put(stats, id_key(parent), &st)?;
                }
                write_opt(out, intent)
            })?;
        self.remove_post_media(post.id)?;
        self.unindex_public(post)
    }

    /// Whether `account` has reacted to `post` in this way.
    pub fn reacted(&self, reaction: Reaction, account: Id, post: Id) -> Result<bool> {
        let s = &self.social;
        Ok(match reaction {
            Reaction::Favourite => s.favourites.contains_key(pair_key(post, account))?,
            Reaction::Boost => s.boosts.contains_key(pair_key(post, account))?,
            Reaction::Bookmark => s.bookmarks.contains_key(pair_key(account, post))?,
        })
    }

    /// Turns a favourite on or off; returns the post's counters after the change.
    pub fn set_favourite(
        &self,
        account: Id,
        post: Id,
        on: bool,
        intent: Option<&OutboxEntry>,
    ) -> Result<PostStats> {
        let s = &self.social;
        let trees = (&s.favourites, &s.stats, &self.outbox);
        let st = trees.transaction(|(favs, stats, out)| {
            let key = pair_key(post, account);
            let was = favs.get(key)?.is_some();
            let mut st: PostStats = tx_get(stats, id_key(post))?.unwrap_or_default();
            if on && !was {
                favs.insert(&key, &[])?;
                st.favourites = st.favourites.saturating_add(1);
            } else if !on && was {
                favs.remove(&key)?;
                st.favourites = st.favourites.saturating_sub(1);
            }
            tx_put(stats, id_key(post), &st)?;
            write_opt(out, intent)?;
            Ok::<_, ConflictableTransactionError<Error>>(st)
        })?;
        Ok(st)
    }

    /// Turns a boost on (filing `entry` on the homes of `home_owners`) or off (taking
    /// its entry off every home it reached, and off `home_owners` too, for boosts made
    /// before homes were recorded).
    pub fn set_boost(
        &self,
        account: Id,
        post: Id,
        on: bool,
        entry: Id,
        home_owners: &[Id],
        intent: Option<&OutboxEntry>,
    ) -> Result<PostStats> {
        let s = &self.social;
        let reached = match s.boosts.get(pair_key(post, account))? {
            Some(old) if !on => ids_after_owner(&s.boost_homes, read_id(&old).unwrap_or(0))?,
            _ => Vec::new(),
        };
        let trees = (
            &s.boosts,
            &s.stats,
            &s.boost_entries,
            &self.home,
            &s.boost_homes,
            &self.outbox,
        );
        let st = trees.transaction(
            |(boosts, stats, entries, home, boost_homes, out)| -> TxResult<PostStats> {
                let key = pair_key(post, account);
                let was = boosts.get(key)?;
                let mut st: PostStats = tx_get(stats, id_key(post))?.unwrap_or_default();
                match (on, was) {
                    (true, None) => {
                        boosts.insert(&key, &id_key(entry))?;
                        tx_put(
                            entries,
                            id_key(entry),
                            &BoostEntry {
                                booster: account,
                                post,
                            },
                        )?;
                        for owner in home_owners {
                            home.insert(&pair_key(*owner, entry), &[])?;
                            boost_homes.insert(&pair_key(entry, *owner), &[])?;
                        }
                        st.boosts = st.boosts.saturating_add(1);
                    }
                    (false, Some(old)) => {
                        boosts.remove(&key)?;
                        entries.remove(&old)?;
                        // Every later Home read would scan a dead entry: remove them.
                        let old = read_id(&old).unwrap_or(0);
                        for owner in reached.iter().chain(home_owners) {
                            home.remove(&pair_key(*owner, old))?;
                            boost_homes.remove(&pair_key(old, *owner))?;
                        }
                        st.boosts = st.boosts.saturating_sub(1);
                    }
                    _ => {}
                }
                tx_put(stats, id_key(post), &st)?;
                write_opt(out, intent)?;
                Ok(st)
            },
        )?;
        Ok(st)
    }

    /// Turns a bookmark on or off.
    pub fn set_bookmark(&self, account: Id, post: Id, on: bool) -> Result<()> {
        let key = pair_key(account, post);
        if on {
            self.social.bookmarks.insert(key, &[])?;
        } else {
            self.social.bookmarks.remove(key)?;
        }
        Ok(())
    }

    /// Bookmarked post ids of `account`, newest post first.
    pub fn bookmarks(&self, account: Id) -> Result<Vec<Id>> {
        let mut ids = ids_after_owner(&self.social.bookmarks, account)?;
        ids.reverse();
        Ok(ids)
    }

    /// A home timeline page: posts and boosts, newest entry first.
    pub fn home_items(&self, owner: Id, before: Option<Id>, limit: usize) -> Result<Vec<HomeItem>> {
        let start = pair_key(owner, 0);
        let end = pair_key(owner, before.unwrap_or(u64::MAX));
        let mut out = Vec::with_capacity(limit.min(256));
        for kv in self.home.range(start..end).rev() {
            if out.len() >= limit {
                break;
            }
            let (k, _) = kv?;
            let Some(entry) = read_id(&k[8..]) else {
                continue;
            };
            if let Some(post) = self.post(entry)? {
                out.push(HomeItem {
                    entry,
                    post,
                    boosted_by: None,
                });
            } else if let Some(b) =
                Self::get::<BoostEntry>(&self.social.boost_entries, id_key(entry))?
                && let Some(post) = self.post(b.post)?
            {
                out.push(HomeItem {
                    entry,
                    post,
                    boosted_by: Some(b.booster),
                });
            }
        }
        Ok(out)
    }

    /// Stops `follower` following `followee`, and takes the followee's posts off the
    /// follower's home timeline, except direct posts to the follower: those are a
    /// conversation, not a follow's reach, and stay.
    pub fn unfollow(&self, follower: Id, followee: Id) -> Result<()> {
        let mut posts = Vec::new();
        for p in self.posts_by(followee, None, usize::MAX)? {
            if !self.home.contains_key(pair_key(follower, p))? {
                continue;
            }
            let direct_to_follower = self.post(p)?.is_some_and(|post| {
                post.visibility == crate::model::Visibility::Direct
                    && post.mentions.contains(&follower)
            });
            if !direct_to_follower {
                posts.push(p);
            }
        }
        (&self.follows, &self.followers, &self.home).transaction(
            |(follows, followers, home)| {
                follows.remove(&pair_key(follower, followee))?;
                followers.remove(&pair_key(followee, follower))?;
                for p in &posts {
                    home.remove(&pair_key(follower, *p))?;
                }
                Ok::<_, ConflictableTransactionError<Error>>(())
            },
        )?;
        Ok(())
    }

    /// Puts posts on `owner`'s home timeline (a new follow's recent posts).
    pub fn add_to_home(&self, owner: Id, posts: &[Id]) -> Result<()> {
        for p in posts {
            self.home.insert(pair_key(owner, *p), &[])?;
        }
        Ok(())
    }

    /// Accounts `account` follows.
    pub fn following_of(&self, account: Id) -> Result<Vec<Id>> {
        ids_after_owner(&self.follows, account)
    }

    /// Mutes `target` for `owner`.
    pub fn put_mute(&self, owner: Id, target: Id, mute: Mute) -> Result<()> {
        self.social
            .mutes
            .insert(pair_key(owner, target), encode(&mute)?)?;
        Ok(())
    }

    /// Ends a mute; true when there was one.
    pub fn remove_mute(&self, owner: Id, target: Id) -> Result<bool> {
        Ok(self.social.mutes.remove(pair_key(owner, target))?.is_some())
    }

    /// The mute `owner` set on `target`, if any (expired ones included).
    pub fn mute(&self, owner: Id, target: Id) -> Result<Option<Mute>> {
        Self::get(&self.social.mutes, pair_key(owner, target))
    }

    /// Everyone `owner` muted, with the mute.
    pub fn mutes_of(&self, owner: Id) -> Result<Vec<(Id, Mute)>> {
        self.social
            .mutes
            .scan_prefix(id_key(owner))
            .map(|kv| {
                let (k, v) = kv?;
                let id = read_id(&k[8..]).ok_or_else(|| Error::Codec("bad mute key".into()))?;
                Ok((id, decode(&v)?))
            })
            .collect()
    }

    /// Blocks `target` for `owner`, ending follows both ways.
    pub fn block(&self, owner: Id, target: Id) -> Result<()> {
        (&self.social.blocks, &self.follows, &self.followers).transaction(
            |(blocks, follows, followers)| {
                blocks.insert(&pair_key(owner, target), &[])?;
                follows.remove(&pair_key(owner, target))?;
                follows.remove(&pair_key(target, owner))?;
                followers.remove(&pair_key(owner, target))?;
                followers.remove(&pair_key(target, owner))?;
                Ok::<_, ConflictableTransactionError<Error>>(())
            },
        )?;
        Ok(())
    }

    /// Ends a block; true when there was one.
    pub fn unblock(&self, owner: Id, target: Id) -> Result<bool> {
        Ok(self
            .social
            .blocks
            .remove(pair_key(owner, target))?
            .is_some())
    }

    /// True when `owner` blocked `target`.
    pub fn blocks(&self, owner: Id, target: Id) -> Result<bool> {
        Ok(self.social.blocks.contains_key(pair_key(owner, target))?)
    }

    /// Everyone `owner` blocked.
    pub fn blocked_by(&self, owner: Id) -> Result<Vec<Id>> {
        ids_after_owner(&self.social.blocks, owner)
    }

    /// Every post, newest first, for search (a camp is small; the scan is bounded by
    /// `max_scan`).
    pub fn scan_posts(&self, max_scan: usize) -> impl Iterator<Item = Result<Post>> + '_ {
        self.posts
            .iter()
            .rev()
            .take(max_scan)
            .map(|kv| decode(&kv?.1))
    }

    /// Saves a device link code.
    pub fn put_link_code(&self, link: &LinkCode) -> Result<()> {
        self.social
            .link_codes
            .insert(link.code.as_bytes(), encode(link)?)?;
        Ok(())
    }

    /// Usernames starting with `prefix`, in order.
    pub fn usernames_starting(&self, prefix: &str, limit: usize) -> Result<Vec<(String, Id)>> {
        self.usernames
            .scan_prefix(prefix.as_bytes())
            .take(limit)
            .map(|kv| {
                let (k, v) = kv?;
                let id = read_id(&v).ok_or_else(|| Error::Codec("bad username entry".into()))?;
                Ok((String::from_utf8_lossy(&k).into_owned(), id))
            })
            .collect()
    }

    /// The link code record, if any.
    pub fn link_code(&self, code: &str) -> Result<Option<LinkCode>> {
        Self::get(&self.social.link_codes, code.as_bytes())
    }

    /// Adds `key` to the account of link code `code`, using the code up, all or
    /// nothing. `check` refuses expired codes.
    pub fn redeem_link_code(
        &self,
        code: &str,
        key: &AccountKey,
        check: impl Fn(&LinkCode) -> Result<()>,
    ) -> Result<Id> {
        let trees = (&self.social.link_codes, &self.keys, &self.account_keys);
        let account = trees.transaction(|(codes, keys, account_keys)| {
            let link: LinkCode = tx_get(codes, code.as_bytes())?.ok_or_else(|| {
                ConflictableTransactionError::Abort(Error::invalid(
                    "that link code is not valid (codes work once, for 10 minutes)",
                ))
            })?;
            check(&link).map_err(ConflictableTransactionError::Abort)?;
            if keys.get(key.fingerprint.as_bytes())?.is_some() {
                return Err(ConflictableTransactionError::Abort(Error::invalid(
                    "this key already belongs to an account",
                )));
            }
            codes.remove(code.as_bytes())?;
            let key = AccountKey {
                account: link.account,
                ..key.clone()
            };
            tx_put(keys, key.fingerprint.as_bytes(), &key)?;
            let mut ak = id_key(link.account).to_vec();
            ak.extend_from_slice(key.fingerprint.as_bytes());
            account_keys.insert(ak, &[])?;
            Ok(link.account)
        })?;
        Ok(account)
    }

    /// Removes one of `account`'s keys unless it is the last one.
    pub fn remove_key(&self, account: Id, fingerprint: &str) -> Result<()> {
        let mut ak = id_key(account).to_vec();
        ak.extend_from_slice(fingerprint.as_bytes());
        (&self.keys, &self.account_keys).transaction(|(keys, account_keys)| {
            let owned = tx_get::<AccountKey>(keys, fingerprint.as_bytes())?
                .is_some_and(|k| k.account == account);
            if !owned {
                return Err(ConflictableTransactionError::Abort(Error::not_found(
                    "you have no key with that fingerprint",
                )));
            }
            keys.remove(fingerprint.as_bytes())?;
            account_keys.remove(ak.as_slice())?;
            Ok(())
        })?;
        Ok(())
    }

    /// How many entries (posts and boosts, live or dead) `owner`'s home timeline holds.
    #[cfg(test)]
    pub(crate) fn home_entry_count(&self, owner: Id) -> usize {
        self.home.scan_prefix(id_key(owner)).count()
    }

    /// Stores a notification unless the account already has one of the same kind, from
    /// the same actor, about the same post; true when it was stored. An un-favourite and
    /// re-favourite, or an unfollow and follow again, so adds nothing.
    pub fn put_notification_once(&self, n: &Notification) -> Result<bool> {
        let key = notified_key(n.account, n.kind, n.actor, n.post);
        let record = encode(n)?;
        let stored = (&self.notifications, &self.social.notified).transaction(
            |(notifications, notified)| -> TxResult<bool> {
                if let Some(id) = notified.get(&key)?
                    && let Some(id) = read_id(&id)
                    && notifications.get(pair_key(n.account, id))?.is_some()
                {
                    return Ok(false);
                }
                notifications.insert(&pair_key(n.account, n.id), record.as_slice())?;
                notified.insert(key.as_slice(), &id_key(n.id))?;
                Ok(true)
            },
        )?;
        Ok(stored)
    }

    /// Removes what a deleted post leaves behind in indexes that `delete_post` cannot
    /// reach by key: its earlier versions, its entries on the homes of `home_owners`
    /// (where it was filed), and every boost of it with the home entries the boosts made.
    pub fn clear_post_traces(&self, post: Id, home_owners: &[Id]) -> Result<()> {
        let s = &self.social;
        let versions: Vec<_> = s
            .versions
            .scan_prefix(id_key(post))
            .keys()
            .collect::<std::result::Result<_, _>>()?;
        let mut boosts = Vec::new();
        for kv in s.boosts.scan_prefix(id_key(post)) {
            let (k, v) = kv?;
            let (Some(booster), Some(entry)) = (read_id(&k[8..]), read_id(&v)) else {
                continue;
            };
            boosts.push((booster, entry, ids_after_owner(&s.boost_homes, entry)?));
        }
        let trees = (
            &s.versions,
            &self.home,
            &s.boosts,
            &s.boost_entries,
            &s.boost_homes,
        );
        trees.transaction(|(versions_tree, home, boosts_tree, entries, boost_homes)| {
            for k in &versions {
                versions_tree.remove(k)?;
            }
            for owner in home_owners {
                home.remove(&pair_key(*owner, post))?;
            }
            for (booster, entry, reached) in &boosts {
                boosts_tree.remove(&pair_key(post, *booster))?;
                entries.remove(&id_key(*entry))?;
                for owner in reached {
                    home.remove(&pair_key(*owner, *entry))?;
                    boost_homes.remove(&pair_key(*entry, *owner))?;
                }
            }
            Ok::<_, ConflictableTransactionError<Error>>(())
        })?;
        Ok(())
    }

    /// Forgets every link code that expired by `now`, and all but the newest `keep`
    /// live codes of `account` (codes last minutes, so the tree stays small and the scan
    /// is cheap).
    pub fn prune_link_codes(&self, now: Millis, account: Id, keep: usize) -> Result<usize> {
        let mut live = Vec::new();
        let mut removed = 0;
        for kv in self.social.link_codes.iter() {
            let (k, v) = kv?;
            let link: LinkCode = decode(&v)?;
            if link.expires_ms <= now {
                self.social.link_codes.remove(&k)?;
                removed += 1;
            } else if link.account == account {
                live.push((link.expires_ms, k));
            }
        }
        live.sort();
        let extra = live.len().saturating_sub(keep);
        for (_, k) in live.into_iter().take(extra) {
            self.social.link_codes.remove(&k)?;
            removed += 1;
        }
        Ok(removed)
    }
}
