//! Lists of accounts a camper follows, with Hometown's exclusive lists: a list is a
//! timeline of its members' posts, and an exclusive list's members leave the owner's
//! Home timeline (their posts still reach notifications and mentions).
//!
//! Lists are private to their owner: every operation takes the owner from the caller,
//! and nothing here is federated. Members must be accounts the owner follows (local or
//! from elsewhere), as Mastodon requires; a member the owner stops following stops
//! counting at once (every read checks the follow) and is dropped at the next write.
//! A list timeline shows only what [`Camp::can_see`] lets the owner see.
//!
//! Stored as one setting per camper (`member_lists/{account}`, removed with the
//! account), so no existing record changes shape.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::camp::{Camp, PostView};
use crate::error::{Error, Result};
use crate::model::{Account, Id};

/// Most lists one camper may keep.
pub const MAX_LISTS: usize = 20;
/// Most members in one list.
pub const MAX_MEMBERS: usize = 100;
/// Longest list name, in characters.
pub const MAX_NAME_CHARS: usize = 40;

/// One stored list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberList {
    /// Its id (time-ordered).
    pub id: Id,
    /// Its name, unique per owner (case-insensitively).
    pub name: String,
    /// Whether its members leave the owner's Home timeline.
    pub exclusive: bool,
    /// The accounts in it, in the order added.
    pub members: Vec<Id>,
}

fn key(account: Id) -> String {
    format!("member_lists/{account}")
}

impl Camp {
    /// The owner's lists as stored, members not yet checked.
    fn stored_lists(&self, owner: Id) -> Result<Vec<MemberList>> {
        Ok(self
            .store()
            .setting::<Vec<MemberList>>(&key(owner))?
            .unwrap_or_default())
    }

    /// The owner's lists with only the members it still follows.
    fn current_lists(&self, owner: Id) -> Result<Vec<MemberList>> {
        let mut lists = self.stored_lists(owner)?;
        for l in &mut lists {
            let mut kept = Vec::with_capacity(l.members.len());
            for m in l.members.drain(..) {
                if self.store().follows(owner, m)? {
                    kept.push(m);
                }
            }
            l.members = kept;
        }
        Ok(lists)
    }

    fn save_lists(&self, owner: Id, lists: &[MemberList]) -> Result<()> {
        if lists.is_empty() {
            self.store().remove_setting(&key(owner))?;
        } else {
            self.store().put_setting(&key(owner), &lists)?;
        }
        self.store().flush()
    }

    /// Accounts whose posts leave `viewer`'s Home: members of its exclusive lists that
    /// it still follows.
    pub(crate) fn exclusive_members(&self, viewer: Id) -> Result<HashSet<Id>> {
        let mut out = HashSet::new();
        for l in self.stored_lists(viewer)? {
            if l.exclusive {
                for m in l.members {
                    if self.store().follows(viewer, m)? {
                        out.insert(m);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Everyone in one of `viewer`'s exclusive lists, followed or not (one settings
    /// read; whether `viewer` still follows them is for the caller to ask).
    pub(crate) fn exclusive_listed(&self, viewer: Id) -> Result<HashSet<Id>> {
        Ok(self
            .stored_lists(viewer)?
            .into_iter()
            .filter(|l| l.exclusive)
            .flat_map(|l| l.members)
            .collect())
    }

    /// True when `account`'s posts leave `viewer`'s Home: it is in one of `viewer`'s
    /// exclusive lists and `viewer` still follows it (one settings read, at most one
    /// follow check).
    pub(crate) fn in_exclusive_list(&self, viewer: Id, account: Id) -> Result<bool> {
        let listed = self
            .stored_lists(viewer)?
            .iter()
            .any(|l| l.exclusive && l.members.contains(&account));
        Ok(listed && self.store().follows(viewer, account)?)
    }

    /// `by`'s lists, oldest first.
    pub fn lists(&self, by: Id) -> Result<Vec<MemberList>> {
        let me = self.actor(by)?;
        self.current_lists(me.id)
    }

    /// The members of `by`'s list `name`, as authors: not those hidden from `by` as
    /// they are everywhere else (suspended, on a suspended server, blocked either way).
    pub fn list_members(&self, by: Id, name: &str) -> Result<Vec<crate::camp::Author>> {
        let me = self.actor(by)?;
        let lists = self.current_lists(me.id)?;
        let list = &lists[find(&lists, name)?];
        let mut out = Vec::new();
        for m in &list.members {
            if let Some(a) = self.store().account(*m)?
                && !self.author_hidden_from(&me, &a)?
            {
                out.push(crate::camp::Author {
                    id: a.id,
                    username: a.username,
                    display_name: a.display_name,
                });
            }
        }
        Ok(out)
    }

    /// Makes a new, empty list for `by`.
    pub fn create_list(&self, by: Id, name: &str, exclusive: bool) -> Result<MemberList> {
        let me = self.actor(by)?;
        self.check_action_rate(&me)?;
        let name = clean_name(name)?;
        let mut lists = self.current_lists(me.id)?;
        if find(&lists, &name).is_ok() {
            return Err(Error::invalid(format!("you already have a list '{name}'")));
        }
        if lists.len() >= MAX_LISTS {
            return Err(Error::invalid(format!(
                "you have {MAX_LISTS} lists, the most allowed; delete one first"
            )));
        }
        let list = MemberList {
            id: self.store().next_id(),
            name,
            exclusive,
            members: Vec::new(),
        };
        lists.push(list.clone());
        self.save_lists(me.id, &lists)?;
        Ok(list)
    }

    /// Deletes `by`'s list `name` (its members are not touched).
    pub fn delete_list(&self, by: Id, name: &str) -> Result<MemberList> {
        let me = self.actor(by)?;
        self.check_action_rate(&me)?;
        let mut lists = self.current_lists(me.id)?;
        let at = find(&lists, name)?;
        let gone = lists.remove(at);
        self.save_lists(me.id, &lists)?;
        Ok(gone)
    }

    /// Adds the account `who` (a camper's name or `@user@host`) to `by`'s list `name`;
    /// only accounts `by` follows may join.
    pub fn list_add(&self, by: Id, name: &str, who: &str) -> Result<Account> {
        let me = self.actor(by)?;
        self.check_action_rate(&me)?;
        let mut lists = self.current_lists(me.id)?;
        let at = find(&lists, name)?;
        let target = self.followed_named(&me, who)?;
        let list = &mut lists[at];
        if list.members.contains(&target.id) {
            return Err(Error::invalid(format!(
                "@{} is already in '{}'",
                target.username, list.name
            )));
        }
        if list.members.len() >= MAX_MEMBERS {
            return Err(Error::invalid(format!(
                "a list holds at most {MAX_MEMBERS} accounts"
            )));
        }
        list.members.push(target.id);
        self.save_lists(me.id, &lists)?;
        Ok(target)
    }

    /// Takes `who` out of `by`'s list `name`.
    pub fn list_remove(&self, by: Id, name: &str, who: &str) -> Result<Account> {
        let me = self.actor(by)?;
        self.check_action_rate(&me)?;
        let mut lists = self.stored_lists(me.id)?;
        let at = find(&lists, name)?;
        let target = self.named(who)?;
        let list = &mut lists[at];
        let before = list.members.len();
        list.members.retain(|m| *m != target.id);
        if list.members.len() == before {
            return Err(Error::not_found(format!(
                "@{} is not in '{}'",
                target.username, list.name
            )));
        }
        self.save_lists(me.id, &lists)?;
        Ok(target)
    }

    /// The timeline of `by`'s list `name`: its members' posts that `by` may see,
    /// newest first, older than `before` when given. Mutes and the reader's filters
    /// (home context) apply as on Home.
    pub fn list_timeline(
        &self,
        by: Id,
        name: &str,
        before: Option<Id>,
        limit: usize,
    ) -> Result<Vec<PostView>> {
        let me = self.actor(by)?;
        let lists = self.current_lists(me.id)?;
        let list = &lists[find(&lists, name)?];
        let limit = limit.clamp(1, crate::camp::posting::MAX_PAGE);
        let filters = self.filter_set(me.id)?;
        let mut ids = Vec::new();
        for m in &list.members {
            if self.muted_or_hidden(me.id, *m)? {
                continue;
            }
            // The newest `limit` of each member's posts hold the page's `limit` newest
            // of all; what the reader may not see only makes the page shorter.
            ids.extend(self.store().posts_by(*m, before, limit)?);
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        let mut out = Vec::with_capacity(limit);
        for id in ids {
            if out.len() >= limit {
                break;
            }
            let Some(post) = self.store().post(id)? else {
                continue;
            };
            if !self.can_see(&me, &post)? {
                continue;
            }
            let Some(view) = self.view_for(&me, post)? else {
                continue;
            };
            if let Some(view) = filters.apply(view, crate::camp::filters::FilterContext::Home) {
                out.push(view);
            }
        }
        Ok(out)
    }

    /// `lists.csv` of the export, as Mastodon writes it: one `list name,account
    /// address` line per member, no header (a list without members has no line).
    pub(crate) fn lists_csv(&self, me: &Account) -> Result<String> {
        use crate::camp::leaving::export::csv_field;
        let mut out = String::new();
        for l in self.current_lists(me.id)? {
            for m in &l.members {
                if let Some(a) = self.store().account(*m)? {
                    out.push_str(&format!(
                        "{},{}\n",
                        csv_field(&l.name),
                        csv_field(&self.address_of(&a))
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The account `who`, which `me` must follow.
    fn followed_named(&self, me: &Account, who: &str) -> Result<Account> {
        let target = self.named(who)?;
        if target.id == me.id || !self.store().follows(me.id, target.id)? {
            return Err(Error::invalid(format!(
                "you can only list accounts you follow; follow @{} first",
                target.username
            )));
        }
        Ok(target)
    }
}

/// A list name as stored: one sanitized line, trimmed, not empty, capped.
fn clean_name(name: &str) -> Result<String> {
    let name = crate::text::sanitize_line(name).trim().to_string();
    if name.is_empty() {
        return Err(Error::invalid("a list needs a name"));
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(Error::invalid(format!(
            "a list name is limited to {MAX_NAME_CHARS} characters (this one has {chars})"
        )));
    }
    Ok(name)
}

/// The position of the list called `name` (case-insensitively).
fn find(lists: &[MemberList], name: &str) -> Result<usize> {
    let lower = name.trim().to_lowercase();
    lists
        .iter()
        .position(|l| l.name.to_lowercase() == lower)
        .ok_or_else(|| {
            Error::not_found(format!(
                "you have no list '{}'",
                crate::text::sanitize_line(name.trim())
            ))
        })
}

#[cfg(test)]
mod tests;
