//! The relevance generation: one counter that every write to the data a live screen's
//! visibility checks read moves forward, after the write has landed.
//!
//! A terminal session decides whether a live post concerns it from what it keeps in
//! memory about its reader (mutes, blocks, hidden domains, filters, lists, follows,
//! the authors it has met: [`crate::camp::relevance`]), and reads the store again only
//! when this counter has moved. So the counter must move for every such write, whoever
//! makes it: the bump lives in the gated [`Tree`](super::gate::Tree)'s write methods,
//! chosen by the tree's *name* when it is opened ([`watch_of`]), so a new writer, or
//! code that opens a tree by name, cannot forget it.
//!
//! A write that changes nothing (the same bytes inserted again, a key removed that was
//! not there) does not move it; a batch or a transaction always does.

use std::sync::atomic::{AtomicU64, Ordering};

/// Which writes to a tree move the generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Watch {
    /// None: no visibility check reads this tree.
    Nothing,
    /// Every write.
    Everything,
    /// Every write except to keys [`quiet_setting`] names (the settings tree).
    Settings,
}

impl Watch {
    /// Whether a write to `key` of a tree watched so moves the generation.
    pub(crate) fn covers(self, key: &[u8]) -> bool {
        match self {
            Watch::Nothing => false,
            Watch::Everything => true,
            Watch::Settings => !quiet_setting(key),
        }
    }

    /// Whether a write whose keys are unknown (a batch, a transaction) moves it.
    pub(crate) fn any(self) -> bool {
        self != Watch::Nothing
    }
}

/// The trees a live screen's visibility checks read: accounts (suspension, remote
/// hosts), follows (followers-only posts, exclusive lists), mutes, blocks (both ways),
/// domain blocks (suspended servers), a camper's hidden domains, and settings (filters,
/// lists, the allowlist mode). `followers` mirrors `follows` in the same transactions.
pub(crate) fn watch_of(tree: &[u8]) -> Watch {
    match tree {
        b"accounts" | b"follows" | b"followers" | b"mutes" | b"blocks" | b"domain_blocks"
        | b"hidden_domains" => Watch::Everything,
        b"settings" => Watch::Settings,
        _ => Watch::Nothing,
    }
}

/// Settings written often that no visibility check reads: read markers, written as a
/// camper reads. Anything not named here moves the generation, so a setting added later
/// is covered by default; naming one here wrongly would let a screen keep a stale
/// answer, so only markers belong here.
fn quiet_setting(key: &[u8]) -> bool {
    const QUIET_PREFIXES: [&[u8]; 3] =
        [b"read/", b"notifications_read/", b"announcement_dismissed/"];
    QUIET_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// The counter itself, shared by every tree of one database.
#[derive(Debug, Default)]
pub(crate) struct Generation(AtomicU64);

impl Generation {
    /// The current value. Read it before reading the data it guards: a write that lands
    /// after this read moves it, so the reader sees the change next time.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Moves it on; called after a watched write has landed.
    pub(crate) fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_markers_are_quiet_and_everything_else_in_settings_is_not() {
        let s = Watch::Settings;
        assert!(!s.covers(b"read/12/home"));
        assert!(!s.covers(b"notifications_read/12"));
        assert!(s.covers(b"filters/12"));
        assert!(s.covers(b"member_lists/12"));
        assert!(s.covers(b"federation_allowlist_mode"));
        assert!(s.covers(b"some_setting_added_later/12"));
        assert!(watch_of(b"mutes").covers(b"anything"));
        assert!(!watch_of(b"posts").any());
    }

    #[test]
    fn every_write_to_a_watched_tree_moves_it_however_the_tree_was_opened() {
        use crate::store::gate::{Db, Transactional};
        use sled::transaction::ConflictableTransactionError;
        let db = Db::new(sled::Config::new().temporary(true).open().unwrap());
        let mutes = db.open_tree("mutes").unwrap();
        // Opened again by name, as account deletion does: watched all the same.
        let by_name = db.open_tree("mutes").unwrap();
        let posts = db.open_tree("posts").unwrap();
        let settings = db.open_tree("settings").unwrap();
        let mut last = db.generation();
        let mut moved = |expected: bool, what: &str| {
            let now = db.generation();
            assert_eq!(now != last, expected, "{what}");
            last = now;
        };
        posts.insert(b"k", b"v").unwrap();
        moved(false, "posts are not watched");
        settings.insert(b"read/1/home", b"v").unwrap();
        moved(false, "a read marker is quiet");
        settings.insert(b"filters/1", b"v").unwrap();
        moved(true, "a filter");
        mutes.insert(b"k", b"v").unwrap();
        moved(true, "a mute");
        by_name.insert(b"k", b"v").unwrap();
        moved(false, "the same bytes again change nothing");
        by_name.remove(b"k").unwrap();
        moved(true, "an unmute through the tree opened by name");
        mutes.remove(b"k").unwrap();
        moved(false, "nothing to remove");
        mutes
            .compare_and_swap(b"c", None as Option<&[u8]>, Some(&b"1"[..]))
            .unwrap()
            .unwrap();
        moved(true, "compare and swap");
        let mut batch = sled::Batch::default();
        batch.insert(b"b", b"1");
        mutes.apply_batch(batch).unwrap();
        moved(true, "a batch");
        (&posts, &mutes)
            .transaction(|(_, m)| {
                m.insert(b"t", b"1")?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .unwrap();
        moved(true, "a transaction");
    }
}
