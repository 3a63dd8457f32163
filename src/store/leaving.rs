//! Store side of leaving: purging what an account leaves behind, and the record of a
//! deleted account (its name, for moderation records and the name quarantine).
//!
//! The purge reaches trees owned by other store modules by name (sled returns the same
//! tree for the same name), so those modules did not have to grow; the test at the end
//! walks every tree in the database, so a tree added later and forgotten here fails it.

use super::gate::Tree;
use serde::{Deserialize, Serialize};

use super::Store;
use super::codec::{decode, encode, id_key, read_id};
use crate::error::{Error, Result};
use crate::model::*;

/// What stays of a deleted account: its name, for moderation records and quarantine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Departed {
    /// The account's id (reports and the audit log still name it).
    pub id: Id,
    /// Its username.
    pub username: String,
    /// When it was deleted.
    pub deleted_ms: Millis,
    /// Until when nobody may take the name.
    pub quarantine_until_ms: Millis,
}

/// Trees the purge keeps on purpose: the federation signing keys (a remote `Delete` of
/// the actor must still be signed by it), the departed records, and moderation's
/// records, which are keyed by their own ids.
#[cfg(test)]
const KEPT_TREES: &[&str] = &["fed_keys", "departed", "departed_names"];

impl Store {
    fn departed_tree(&self) -> Result<Tree> {
        Ok(self.db.open_tree("departed")?)
    }

    fn departed_names(&self) -> Result<Tree> {
        Ok(self.db.open_tree("departed_names")?)
    }

    fn named_tree(&self, name: &str) -> Result<Tree> {
        Ok(self.db.open_tree(name)?)
    }

    /// Records a deleted account (before its name is freed, so the name is never free
    /// in between).
    pub fn put_departed(&self, d: &Departed) -> Result<()> {
        self.departed_tree()?.insert(id_key(d.id), encode(d)?)?;
        self.departed_names()?
            .insert(d.username.as_bytes(), &id_key(d.id))?;
        Ok(())
    }

    /// The record of deleted account `id`, if it was deleted.
    pub fn departed(&self, id: Id) -> Result<Option<Departed>> {
        self.departed_tree()?
            .get(id_key(id))?
            .map(|b| decode(&b))
            .transpose()
    }

    /// The latest deleted account that had `name`, if any.
    pub fn departed_by_name(&self, name: &str) -> Result<Option<Departed>> {
        match self.departed_names()?.get(name.as_bytes())? {
            Some(id) => match read_id(&id) {
                Some(id) => self.departed(id),
                None => Err(Error::Codec("bad departed name entry".into())),
            },
            None => Ok(None),
        }
    }

    /// Removes every record keyed by `account` except its posts (erased one by one by
    /// the service first, so screens and the bridge hear of each) and what
    /// [`Departed`] and the signing keys keep: keys, follows both ways (here and
    /// elsewhere), favourites, boosts, bookmarks, mutes and blocks both ways, its
    /// notifications and everyone's notifications about it, its home timeline, hidden
    /// domains, link codes, preferences, filters, lists and read markers, and the
    /// account itself.
    pub fn purge_account(&self, account: Id) -> Result<()> {
        let me = id_key(account);
        for key in self.keys_of(account)? {
            self.keys.remove(key.fingerprint.as_bytes())?;
        }
        remove_prefix(&self.account_keys, &me)?;
        for f in self.following_of(account)? {
            self.unfollow(account, f)?;
        }
        for f in self.followers_of(account)? {
            self.unfollow(f, account)?;
        }
        for f in self.remote_followings_of(account)? {
            self.remove_remote_following(account, &f.actor)?;
        }
        for f in self.remote_followers_of(account)? {
            self.remove_remote_follower(account, &f.actor)?;
        }
        // Reactions go through their own writers so the posts' counters stay right.
        for post in second_ids(&self.named_tree("favourites")?, account)? {
            self.set_favourite(account, post, false, None)?;
        }
        for post in second_ids(&self.named_tree("boosts")?, account)? {
            self.set_boost(account, post, false, 0, &[], None)?;
        }
        for name in [
            "bookmarks",
            "home",
            "mutes",
            "blocks",
            "notified",
            "hidden_domains",
        ] {
            remove_prefix(&self.named_tree(name)?, &me)?;
        }
        // Others' entries naming it second: their mutes and blocks of it, notifications
        // it caused ("notified" is account, actor, ...), boosts it saw on its home.
        for name in ["mutes", "blocks", "notified", "boost_homes", "poll_votes"] {
            remove_second(&self.named_tree(name)?, account)?;
        }
        remove_prefix(&self.notifications, &me)?;
        for kv in self.notifications.iter() {
            let (k, v) = kv?;
            if decode::<Notification>(&v).is_ok_and(|n| n.actor == Some(account)) {
                self.notifications.remove(k)?;
            }
        }
        let codes = self.named_tree("link_codes")?;
        for kv in codes.iter() {
            let (k, v) = kv?;
            if decode::<LinkCode>(&v).is_ok_and(|l| l.account == account) {
                codes.remove(k)?;
            }
        }
        // Every per-camper setting is named `NAME/{account}` or `NAME/{account}/…`
        // (preferences, read markers, filters, lists, presence, line mode, ...): all of
        // them go by that shape, so a setting added later cannot be forgotten here.
        for key in self.settings.iter().keys() {
            let key = key?;
            if setting_of(&key, account) {
                self.settings.remove(key)?;
            }
        }
        if let Some(a) = self.account(account)? {
            self.usernames.remove(a.username.as_bytes())?;
        }
        self.accounts.remove(me)?;
        Ok(())
    }
}

/// True when the settings key `key` names one of `account`'s own settings.
fn setting_of(key: &[u8], account: Id) -> bool {
    let Ok(key) = std::str::from_utf8(key) else {
        return false;
    };
    key.split('/').nth(1) == Some(account.to_string().as_str())
}

fn remove_prefix(tree: &Tree, prefix: &[u8]) -> Result<()> {
    for k in tree.scan_prefix(prefix).keys() {
        tree.remove(k?)?;
    }
    Ok(())
}

/// Keys whose second 8 bytes are `id` (pair keys naming it second).
fn names_second(k: &[u8], id: Id) -> bool {
    k.len() >= 16 && k[8..16] == id_key(id)
}

fn second_ids(tree: &Tree, id: Id) -> Result<Vec<Id>> {
    let mut out = Vec::new();
    for k in tree.iter().keys() {
        let k = k?;
        if names_second(&k, id)
            && let Some(first) = read_id(&k[..8])
        {
            out.push(first);
        }
    }
    Ok(out)
}

fn remove_second(tree: &Tree, id: Id) -> Result<()> {
    for k in tree.iter().keys() {
        let k = k?;
        if names_second(&k, id) {
            tree.remove(k)?;
        }
    }
    Ok(())
}

/// Keys in every tree of the database (but the ones the purge keeps on purpose) that
/// start with the account's id or name it second: none may be left after a purge.
#[cfg(test)]
pub(crate) fn keys_naming(store: &Store, account: Id) -> Vec<String> {
    let mut found = Vec::new();
    for name in store.db.tree_names() {
        let name = String::from_utf8_lossy(&name).into_owned();
        if KEPT_TREES.contains(&name.as_str()) {
            continue;
        }
        let tree = store.db.open_tree(&name).unwrap();
        for k in tree.iter().keys() {
            let k = k.unwrap();
            if k.starts_with(&id_key(account)) || names_second(&k, account) {
                found.push(format!("{name}: {k:?}"));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departed_names_are_found_by_id_and_name() {
        let s = Store::temporary().unwrap();
        let d = Departed {
            id: 7,
            username: "bo".into(),
            deleted_ms: 1,
            quarantine_until_ms: 2,
        };
        s.put_departed(&d).unwrap();
        assert_eq!(s.departed(7).unwrap(), Some(d.clone()));
        assert_eq!(s.departed_by_name("bo").unwrap(), Some(d));
        assert_eq!(s.departed_by_name("cy").unwrap(), None);
    }

    #[test]
    fn every_setting_of_a_purged_account_goes_and_no_one_elses() {
        let s = Store::temporary().unwrap();
        let (gone, stays) = (1_000_007u64, 1_000_070u64);
        let mine = [
            format!("prefs/{gone}"),
            format!("line_mode/{gone}"),
            format!("announcement_dismissed/{gone}"),
            format!("read/{gone}/home"),
            format!("some_future_setting/{gone}"),
        ];
        let others = [
            format!("line_mode/{stays}"),
            format!("read/{stays}/home"),
            format!("prefs/{gone}0"),
            "code_of_conduct".to_string(),
        ];
        for k in mine.iter().chain(&others) {
            s.put_setting(k, &true).unwrap();
        }
        s.purge_account(gone).unwrap();
        for k in &mine {
            assert_eq!(s.setting::<bool>(k).unwrap(), None, "{k} stayed");
        }
        for k in &others {
            assert_eq!(s.setting::<bool>(k).unwrap(), Some(true), "{k} went");
        }
    }
}
