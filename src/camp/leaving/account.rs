//! `delete-account`: a camper leaves for good, or an admin removes a suspended account.
//!
//! Policy: the name must be typed again (`--confirm NAME`), so no slip deletes anyone.
//! A camper deletes only themselves; an admin deletes someone else only once they are
//! suspended (a considered moderation step first, with its audit line), never a remote
//! account's stand-in, and the last admin cannot leave the camp without one. What goes:
//! posts (each erased as its author's own delete would), keys, follows both ways,
//! reactions, bookmarks, mutes, blocks, notifications to and about them. What stays:
//! reports and the audit log, which name them by the [`Departed`] record, and the name,
//! closed to newcomers for `name_quarantine_days` so nobody can pose as them.

use crate::Camp;
use crate::camp::CampEvent;
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::federation::RemoteFollow;
use crate::store::leaving::Departed;
use crate::store::now_ms;

const DAY_MS: u64 = 86_400_000;

/// What the outside world must hear when an account is deleted, gathered before
/// anything is removed.
#[derive(Debug, Clone)]
pub struct Departure {
    /// The account as it was.
    pub account: Account,
    /// Its followers on other servers, who hold copies of its public posts.
    pub remote_followers: Vec<RemoteFollow>,
}

impl Camp {
    /// Deletes the account `name` for `by` (see the module doc for the rules).
    /// `confirm` must repeat the name.
    pub fn delete_account(&self, by: Id, name: &str, confirm: &str) -> Result<Departed> {
        let me = self.actor(by)?;
        let name = name.trim().trim_start_matches('@').to_lowercase();
        if confirm.trim().trim_start_matches('@').to_lowercase() != name {
            return Err(Error::invalid(format!(
                "to delete @{}, confirm with its name exactly: {}",
                crate::text::sanitize_line(&name),
                crate::text::sanitize_line(&name)
            )));
        }
        let target = if name == me.username {
            if me.role == Role::Admin && self.admin_count()? <= 1 {
                return Err(Error::forbidden(
                    "you are the only admin: make someone else admin first (role NAME admin)",
                ));
            }
            me.clone()
        } else {
            if me.role != Role::Admin {
                return Err(Error::forbidden(
                    "you can delete only your own account (admins may delete suspended ones)",
                ));
            }
            let them = self
                .store()
                .account_by_name(&name)?
                .filter(|a| !a.is_remote())
                .ok_or_else(|| {
                    Error::not_found(format!(
                        "there is no camper named '{}'",
                        crate::text::sanitize_line(&name)
                    ))
                })?;
            if !them.suspended {
                return Err(Error::forbidden(format!(
                    "@{} is not suspended: suspend the account first, then delete it",
                    them.username
                )));
            }
            them
        };
        let why = if target.id == me.id {
            "deleted by its owner"
        } else {
            "deleted by an admin"
        };
        self.audit(
            Some(me.id),
            "delete-account",
            format!("@{}", target.username),
            why,
        )?;
        self.erase_account(&target)
    }

    fn admin_count(&self) -> Result<usize> {
        Ok(self
            .store()
            .accounts()?
            .iter()
            .filter(|a| a.role == Role::Admin && !a.suspended)
            .count())
    }

    /// Removes `account` (already authorised), in an order where a crash halfway leaves
    /// the name quarantined and the rest removable by running the deletion again.
    fn erase_account(&self, account: &Account) -> Result<Departed> {
        let now = now_ms();
        let days = self.config().camp.name_quarantine_days;
        let departed = Departed {
            id: account.id,
            username: account.username.clone(),
            deleted_ms: now,
            quarantine_until_ms: now.saturating_add(days.saturating_mul(DAY_MS)),
        };
        self.store().put_departed(&departed)?;
        // Shut first: from here the account's other sessions can write nothing (a post
        // made while its posts are being erased would outlive it), and they end.
        let closing = Account {
            suspended: true,
            ..account.clone()
        };
        self.store().put_account(&closing)?;
        self.publish(CampEvent::AccountChanged(account.id));
        let departure = Departure {
            account: account.clone(),
            remote_followers: self.store().remote_followers_of(account.id)?,
        };
        for id in self.store().posts_by(account.id, None, usize::MAX)? {
            if let Some(post) = self.store().post(id)? {
                self.erase_post(&post)?;
            }
        }
        // After each post's own `Delete`, so the actor's comes last.
        self.federate_departure(&departure)?;
        self.store().purge_account(account.id)?;
        self.store().flush()?;
        // Its open sessions see the account gone and end.
        self.publish(CampEvent::AccountChanged(account.id));
        Ok(departed)
    }

    /// The one place where a deleted account's followers on other servers are told:
    /// every remote follow ends, both ways, and a `Delete` of the actor goes to its
    /// remote followers (and the accounts it followed) through the outbox, written in
    /// the same transaction as the follows' end, exactly as for a suspension. The
    /// departed record and the kept signing key let the bridge sign it after the
    /// account itself is gone.
    pub(crate) fn federate_departure(&self, departure: &Departure) -> Result<()> {
        let leaving = Account {
            suspended: true,
            ..departure.account.clone()
        };
        self.put_suspended(&leaving)
    }

    /// Refuses a name that a deleted account held less than `name_quarantine_days` ago.
    pub(crate) fn check_name_not_quarantined(&self, name: &str) -> Result<()> {
        if let Some(d) = self.store().departed_by_name(name)?
            && d.quarantine_until_ms > now_ms()
        {
            return Err(Error::invalid(format!(
                "the name '{name}' belonged to an account deleted recently and is not free until {}; choose another",
                crate::text::date(d.quarantine_until_ms)
            )));
        }
        Ok(())
    }

    /// The name a deleted account had, for records that outlive it (reports, audit).
    pub(crate) fn departed_name(&self, id: Id) -> Option<String> {
        self.store()
            .departed(id)
            .ok()
            .flatten()
            .map(|d| format!("{} (deleted)", d.username))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camp::testing::*;
    use crate::camp::{PostDraft, Reaction};

    #[test]
    fn a_deleted_camper_leaves_no_key_in_any_tree_and_moderation_keeps_the_name() {
        let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
        let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
        let draft = |text: &str, to: Option<Visibility>, reply_to| PostDraft {
            text: text.into(),
            cw: Some("cw".into()),
            visibility: to,
            reply_to,
        };
        camp.follow(bo, "cy").unwrap();
        camp.follow(cy, "bo").unwrap();
        camp.follow(ana, "bo").unwrap();
        let mine = camp
            .create_post(bo, draft("mine #tag", None, None))
            .unwrap();
        camp.edit_post(bo, mine.post.id, "edited #tag", None)
            .unwrap();
        let theirs = camp.create_post(cy, draft("@bo hi", None, None)).unwrap();
        camp.create_post(
            bo,
            draft("@cy reply", Some(Visibility::Direct), Some(theirs.post.id)),
        )
        .unwrap();
        camp.react(bo, theirs.post.id, Reaction::Favourite, Some(true))
            .unwrap();
        camp.react(bo, theirs.post.id, Reaction::Boost, Some(true))
            .unwrap();
        camp.react(bo, theirs.post.id, Reaction::Bookmark, Some(true))
            .unwrap();
        camp.react(cy, mine.post.id, Reaction::Favourite, Some(true))
            .unwrap();
        camp.mute(bo, "ana", None).unwrap();
        camp.block(cy, "ana").unwrap();
        camp.mute(ana, "bo", None).unwrap();
        camp.create_link_code(bo).unwrap();
        camp.file_report(cy, crate::camp::ReportTarget::Account("bo".into()), "rude")
            .unwrap();

        assert!(!crate::store::leaving::keys_naming(camp.store(), bo).is_empty());
        assert!(
            camp.delete_account(bo, "bo", "cy").is_err(),
            "confirm must match"
        );
        camp.delete_account(bo, "@bo", "bo").unwrap();

        let left = crate::store::leaving::keys_naming(camp.store(), bo);
        assert!(left.is_empty(), "keys still naming the account: {left:?}");
        assert!(camp.store().account(bo).unwrap().is_none());
        assert_eq!(
            camp.store().post_stats(theirs.post.id).unwrap().favourites,
            0
        );
        assert_eq!(camp.store().post_stats(theirs.post.id).unwrap().boosts, 0);
        // cy's own post stays; its notifications from bo are gone.
        assert!(camp.store().post(theirs.post.id).unwrap().is_some());
        assert!(
            camp.store()
                .notifications(cy, None, 100)
                .unwrap()
                .iter()
                .all(|n| n.actor != Some(bo))
        );
        // The report and the audit log still name them.
        let admin_reports = camp.reports(ana, true).unwrap();
        assert_eq!(admin_reports[0].account.username, "bo (deleted)");
        // The name is closed for newcomers.
        let err = camp.check_username("bo").unwrap_err().to_string();
        assert!(err.contains("deleted recently"), "{err}");
    }

    #[test]
    fn only_admins_delete_others_and_only_suspended_ones() {
        let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
        let (ana, bo) = (ids[0], ids[1]);
        let err = camp.delete_account(bo, "cy", "cy").unwrap_err().to_string();
        assert!(err.contains("only your own"), "{err}");
        let err = camp
            .delete_account(ana, "cy", "cy")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not suspended"), "{err}");
        let err = camp
            .delete_account(ana, "ana", "ana")
            .unwrap_err()
            .to_string();
        assert!(err.contains("only admin"), "{err}");
        assert!(camp.store().account_by_name("cy").unwrap().is_some());
    }
}
