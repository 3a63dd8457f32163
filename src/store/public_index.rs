//! The index of public posts per author: what the bridge serves outside (outbox
//! pages, NodeInfo counts) is read from here, so an unauthenticated request costs a
//! short range read instead of a scan of every post. Kept in its own tree, filed by
//! [`Store::index_post`] and removed by [`Store::delete_post`] (a post's visibility
//! never changes after it is written); built once from the posts when a database
//! made before it is opened.

use super::gate::Tree;

use super::Store;
use super::codec::{id_key, pair_key, read_id};
use crate::error::{Error, Result};
use crate::model::{Id, Post, Visibility};

/// pair(author, post), for public posts only.
const TREE: &str = "posts_public_by_author";
/// Setting that says the index was built from the posts already there.
const BUILT: &str = "index.posts_public_by_author";

impl Store {
    fn public_tree(&self) -> Result<Tree> {
        Ok(self.db.open_tree(TREE)?)
    }

    /// Files `post` under its author when it is public.
    pub(crate) fn index_public(&self, post: &Post) -> Result<()> {
        if post.visibility == Visibility::Public {
            self.public_tree()?
                .insert(pair_key(post.author, post.id), &[])?;
        }
        Ok(())
    }

    /// Removes `post` from the index.
    pub(crate) fn unindex_public(&self, post: &Post) -> Result<()> {
        self.public_tree()?.remove(pair_key(post.author, post.id))?;
        Ok(())
    }

    /// The newest public posts of `author`, at most `limit`.
    pub fn public_posts_of(&self, author: Id, limit: usize) -> Result<Vec<Post>> {
        let tree = self.public_tree()?;
        let mut out = Vec::with_capacity(limit.min(64));
        for kv in tree
            .range(pair_key(author, 0)..=pair_key(author, u64::MAX))
            .rev()
        {
            if out.len() >= limit {
                break;
            }
            let (k, _) = kv?;
            let id = read_id(&k[8..]).ok_or_else(|| Error::Codec("bad index key".into()))?;
            if let Some(p) = self.post(id)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// How many public posts `author` has (keys only; no post is read).
    pub fn public_post_count_of(&self, author: Id) -> Result<usize> {
        Ok(self.public_tree()?.scan_prefix(id_key(author)).count())
    }

    /// Builds the index from the posts once, for a database made before it existed.
    pub(crate) fn build_public_index(&self) -> Result<()> {
        if self.setting::<bool>(BUILT)?.unwrap_or(false) {
            return Ok(());
        }
        let tree = self.public_tree()?;
        for v in self.posts.iter().values() {
            let p: Post = super::codec::decode(&v?)?;
            if p.visibility == Visibility::Public {
                tree.insert(pair_key(p.author, p.id), &[])?;
            }
        }
        self.put_setting(BUILT, &true)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(store: &Store, author: Id, visibility: Visibility) -> Post {
        Post {
            id: store.next_id(),
            author,
            text: "x".into(),
            cw: None,
            visibility,
            reply_to: None,
            mentions: Vec::new(),
            created_ms: 0,
            edited_ms: None,
        }
    }

    #[test]
    fn only_public_posts_are_indexed_newest_first_and_deleted_ones_leave() {
        let s = Store::temporary().unwrap();
        let a = post(&s, 1, Visibility::Public);
        let hidden = post(&s, 1, Visibility::Direct);
        let b = post(&s, 1, Visibility::Public);
        let other = post(&s, 2, Visibility::Public);
        for p in [&a, &hidden, &b, &other] {
            s.insert_post(p, false, &[]).unwrap();
            s.index_post(p, &[]).unwrap();
        }
        let ids: Vec<Id> = s
            .public_posts_of(1, 10)
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, [b.id, a.id]);
        assert_eq!(s.public_post_count_of(1).unwrap(), 2);
        assert_eq!(s.public_posts_of(1, 1).unwrap().len(), 1);
        s.delete_post(&b, &[]).unwrap();
        assert_eq!(s.public_post_count_of(1).unwrap(), 1);
        assert_eq!(s.public_post_count_of(2).unwrap(), 1);
    }

    #[test]
    fn an_older_database_gets_the_index_built_once() {
        let s = Store::temporary().unwrap();
        let a = post(&s, 1, Visibility::Public);
        // Written without the index, as an older camp did (which never built it).
        s.put_setting(BUILT, &false).unwrap();
        s.insert_post(&a, false, &[]).unwrap();
        assert_eq!(s.public_post_count_of(1).unwrap(), 0);
        s.build_public_index().unwrap();
        assert_eq!(s.public_post_count_of(1).unwrap(), 1);
        // Built once: later runs do not scan again.
        s.unindex_public(&a).unwrap();
        s.build_public_index().unwrap();
        assert_eq!(s.public_post_count_of(1).unwrap(), 0);
    }
}
