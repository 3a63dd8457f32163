//! Counts for `status` and `/metrics`, each cheap enough to answer on every scrape.

use super::Store;
use super::codec::id_key;
use crate::model::Millis;

impl Store {
    /// Posts stored whose id was made at `since` or later (ids are time-ordered).
    pub fn posts_since(&self, since: Millis) -> usize {
        self.posts.range(id_key(since << 16)..).count()
    }
}
