//! Moderation: roles, actions on accounts and posts, the audit log, invites for admins
//! and the host's offline recovery verbs (reports live in `reports`, the code of
//! conduct and announcements in `rules`). Every rule is checked here, so the TUI and
//! the exec verbs cannot differ; every action is audited.

use crate::camp::{Author, Camp, CampEvent};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::now_ms;
use crate::text;

/// Longest reason, note or report text, in characters.
pub const MAX_REASON_CHARS: usize = 1000;
/// Most reports or audit entries one request returns.
pub const MAX_LIST: usize = 500;
/// An audit entry with the actor's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditView {
    /// The stored entry.
    pub entry: AuditEntry,
    /// `@name`, or `camp` for the camp itself.
    pub actor: String,
}

/// An invite as admins see it: who made it and who joined with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteView {
    /// The stored invite.
    pub invite: Invite,
    /// Who made it (None: the host or the bootstrap invite).
    pub created_by: Option<String>,
    /// Usernames that joined with it, in order.
    pub used_by: Vec<String>,
    /// Its invite link (`ORIGIN/join/CODE`), when the camp has a web origin.
    pub link: Option<String>,
}

/// An account as moderators see it, with its vouch trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    /// The stored account.
    pub account: Account,
    /// Who invited it, then who invited them, ... (nearest first).
    pub vouch_trail: Vec<String>,
    /// The invite's note, if the invite still exists.
    pub invite_note: Option<String>,
}

/// One account in detail for moderators: its recent posts for the camp (never its
/// followers-only or direct ones), open reports naming it, and its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountDetail {
    /// The account with its vouch trail.
    pub view: AccountView,
    /// Its newest camp and public posts.
    pub recent: Vec<Post>,
    /// Open reports about it.
    pub open_reports: usize,
    /// SSH keys that log in as it.
    pub keys: usize,
}

/// A change to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// A note the camper sees.
    Warn,
    /// Force (true) or stop forcing a content warning.
    Sensitive(bool),
    /// Keep off (true) or put back on the camp timeline.
    Silence(bool),
    /// Refuse (true) or let in again.
    Suspend(bool),
}

impl AccountAction {
    /// The audit name of the action.
    pub fn name(self) -> &'static str {
        match self {
            AccountAction::Warn => "warn",
            AccountAction::Sensitive(true) => "sensitive",
            AccountAction::Sensitive(false) => "unsensitive",
            AccountAction::Silence(true) => "silence",
            AccountAction::Silence(false) => "unsilence",
            AccountAction::Suspend(true) => "suspend",
            AccountAction::Suspend(false) => "unsuspend",
        }
    }
}

/// Sanitises and caps a reason or note.
pub fn clean_reason(raw: &str) -> Result<String> {
    let r = text::sanitize(raw).trim().to_string();
    let n = text::char_count(&r);
    if n > MAX_REASON_CHARS {
        return Err(Error::invalid(format!(
            "a reason is at most {MAX_REASON_CHARS} characters; this one has {n}"
        )));
    }
    Ok(r)
}

impl Camp {
    /// The account `by`, if it may moderate.
    pub(crate) fn moderator(&self, by: Id) -> Result<Account> {
        let a = self.actor(by)?;
        if !a.role.can_moderate() {
            return Err(Error::forbidden(
                "only moderators and admins can do that here",
            ));
        }
        Ok(a)
    }

    /// The account `by`, if it is an admin.
    pub(crate) fn admin(&self, by: Id) -> Result<Account> {
        let a = self.actor(by)?;
        if a.role != Role::Admin {
            return Err(Error::forbidden("only admins can do that here"));
        }
        Ok(a)
    }

    /// Writes one audit entry (who, what, target, why, now).
    pub(crate) fn audit(
        &self,
        actor: Option<Id>,
        action: &str,
        target: String,
        reason: &str,
    ) -> Result<()> {
        self.store().append_audit(&AuditEntry {
            id: self.store().next_id(),
            actor,
            action: action.into(),
            target,
            reason: reason.into(),
            created_ms: now_ms(),
        })
    }

    pub(crate) fn author(&self, id: Id) -> Result<Author> {
        Ok(match self.store().account(id)? {
            Some(a) => Author {
                id: a.id,
                username: a.username,
                display_name: a.display_name,
            },
            None => Author {
                id,
                username: "(gone)".into(),
                display_name: String::new(),
            },
        })
    }

    pub(crate) fn named(&self, name: &str) -> Result<Account> {
        let name = name.trim().trim_start_matches('@');
        self.account_by_name(name)?.ok_or_else(|| {
            Error::not_found(format!(
                "there is no camper named '{}'",
                text::sanitize_line(name)
            ))
        })
    }

    /// The camper `name`: an account from another server (`user@host`) holds no role
    /// here, since nobody here can log in as it, and one marked admin would also hide
    /// the first-admin invite.
    fn local_named(&self, name: &str) -> Result<Account> {
        let target = self.named(name)?;
        if target.is_remote() {
            return Err(Error::invalid(format!(
                "@{} is on another server: roles are for campers here",
                target.username
            )));
        }
        Ok(target)
    }

    /// Checks that `actor` may act on `target`: nobody on themselves; moderators on
    /// campers only; admins on anyone else.
    fn may_act_on(actor: &Account, target: &Account) -> Result<()> {
        if actor.id == target.id {
            return Err(Error::forbidden("you cannot do that to your own account"));
        }
        if actor.role != Role::Admin && target.role.can_moderate() {
            return Err(Error::forbidden(
                "only admins can act on moderators and admins",
            ));
        }
        Ok(())
    }

    // ---- roles ----

    /// Sets a member's role (admins only; not their own, so a camp keeps its admin).
    pub fn set_role(&self, by: Id, name: &str, role: Role) -> Result<Account> {
        let admin = self.admin(by)?;
        let mut target = self.local_named(name)?;
        if target.id == admin.id {
            return Err(Error::forbidden(
                "you cannot change your own role; ask another admin",
            ));
        }
        if target.role == role {
            return Err(Error::invalid(format!(
                "@{} is already {}",
                target.username,
                role.as_str()
            )));
        }
        let old = target.role;
        target.role = role;
        self.store().put_account(&target)?;
        self.audit(
            Some(admin.id),
            "role",
            format!("@{}", target.username),
            &format!("{} -> {}", old.as_str(), role.as_str()),
        )?;
        self.store().flush()?;
        self.publish(CampEvent::AccountChanged(target.id));
        Ok(target)
    }

    // ---- the host's offline CLI (the person at the server's shell is trusted) ----

    /// Sets a role from the offline CLI, e.g. to recover a camp whose admins are gone.
    pub fn host_set_role(&self, name: &str, role: Role) -> Result<Account> {
        let mut target = self.local_named(name)?;
        let old = target.role;
        target.role = role;
        self.store().put_account(&target)?;
        self.audit(
            None,
            "role",
            format!("@{}", target.username),
            &format!("{} -> {} (offline CLI)", old.as_str(), role.as_str()),
        )?;
        self.store().flush()?;
        Ok(target)
    }

    /// Lifts a suspension from the offline CLI.
    pub fn host_unsuspend(&self, name: &str) -> Result<Account> {
        let mut target = self.named(name)?;
        if !target.suspended {
            return Err(Error::invalid(format!(
                "@{} is not suspended",
                target.username
            )));
        }
        target.suspended = false;
        self.store().put_account(&target)?;
        self.audit(
            None,
            "unsuspend",
            format!("@{}", target.username),
            "offline CLI",
        )?;
        self.store().flush()?;
        Ok(target)
    }

    /// The audit log for the offline CLI, newest first.
    pub fn host_audit(&self, limit: usize) -> Result<Vec<AuditView>> {
        let entries = self.store().audit(None, limit.clamp(1, MAX_LIST))?;
        self.audit_views(entries)
    }

    // ---- actions on accounts and posts ----

    /// Warns, marks sensitive, silences or suspends an account (or undoes it), with a
    /// reason. Suspension ends the account's open sessions at once (through the event).
    pub fn act_on_account(
        &self,
        by: Id,
        name: &str,
        action: AccountAction,
        reason: &str,
    ) -> Result<Account> {
        let moderator = self.moderator(by)?;
        let target = self.named(name)?;
        self.apply_account_action(&moderator, target, action, reason)
    }

    pub(crate) fn apply_account_action(
        &self,
        moderator: &Account,
        mut target: Account,
        action: AccountAction,
        reason: &str,
    ) -> Result<Account> {
        Self::may_act_on(moderator, &target)?;
        let reason = clean_reason(reason)?;
        let already = |what: &str| {
            Err(Error::invalid(format!(
                "@{} is {what} already",
                target.username
            )))
        };
        match action {
            AccountAction::Warn => {
                if reason.is_empty() {
                    return Err(Error::invalid(
                        "a warning needs a reason: it is what the camper reads",
                    ));
                }
            }
            AccountAction::Sensitive(on) => {
                if target.sensitive == on {
                    return already(if on { "sensitive" } else { "not sensitive" });
                }
                target.sensitive = on;
            }
            AccountAction::Silence(on) => {
                if target.silenced == on {
                    return already(if on { "silenced" } else { "not silenced" });
                }
                target.silenced = on;
            }
            AccountAction::Suspend(on) => {
                if target.suspended == on {
                    return already(if on { "suspended" } else { "not suspended" });
                }
                target.suspended = on;
            }
        }
        if action != AccountAction::Warn {
            self.store().put_account(&target)?;
        }
        if let AccountAction::Silence(on) = action {
            // Existing posts follow the new state, not only future ones.
            self.store().set_camp_listing(target.id, !on)?;
        }
        self.audit(
            Some(moderator.id),
            action.name(),
            format!("@{}", target.username),
            &reason,
        )?;
        self.store().flush()?;
        if action == AccountAction::Warn {
            self.notify(
                target.id,
                NotificationKind::Warning,
                None,
                None,
                Some(reason),
            )?;
        } else {
            self.publish(CampEvent::AccountChanged(target.id));
        }
        Ok(target)
    }

    /// Removes a post as a moderator, with a reason (its author is told by a warning
    /// notification only when the moderator writes one separately).
    pub fn remove_post_as_moderator(&self, by: Id, post: Id, reason: &str) -> Result<Post> {
        let moderator = self.moderator(by)?;
        let p = self
            .store()
            .post(post)?
            .ok_or_else(|| Error::not_found(format!("there is no post {post}")))?;
        if p.author != moderator.id {
            let author = self
                .store()
                .account(p.author)?
                .ok_or_else(|| Error::not_found(format!("there is no post {post}")))?;
            Self::may_act_on(&moderator, &author)?;
        }
        let reason = clean_reason(reason)?;
        let author = self.author(p.author)?;
        self.audit(
            Some(moderator.id),
            "delete-post",
            format!("post {post} by @{}", author.username),
            &reason,
        )?;
        self.erase_post(&p)?;
        Ok(p)
    }

    /// Accounts whose name contains `query` (all when empty), for the moderation screen.
    pub fn moderation_accounts(&self, by: Id, query: &str) -> Result<Vec<AccountView>> {
        self.moderator(by)?;
        let q = query.trim().trim_start_matches('@').to_lowercase();
        let mut out = Vec::new();
        for a in self.store().accounts()? {
            if !q.is_empty() && !a.username.contains(&q) {
                continue;
            }
            out.push(self.account_view(a)?);
            if out.len() >= MAX_LIST {
                break;
            }
        }
        Ok(out)
    }

    /// One account with its vouch trail (moderators).
    pub fn moderation_account(&self, by: Id, name: &str) -> Result<AccountView> {
        self.moderator(by)?;
        let a = self.named(name)?;
        self.account_view(a)
    }

    /// One account in detail (moderators).
    pub fn moderation_account_detail(&self, by: Id, name: &str) -> Result<AccountDetail> {
        self.moderator(by)?;
        let a = self.named(name)?;
        let recent = self.store().recent_camp_posts_by(a.id, 5)?;
        let open_reports = self
            .store()
            .reports(usize::MAX)?
            .iter()
            .filter(|r| r.account == a.id && r.resolution.is_none())
            .count();
        let keys = self.store().keys_of(a.id)?.len();
        Ok(AccountDetail {
            view: self.account_view(a)?,
            recent,
            open_reports,
            keys,
        })
    }

    fn account_view(&self, account: Account) -> Result<AccountView> {
        let mut trail = Vec::new();
        let mut next = account.invited_by;
        // Bounded: a trail is as long as the camp is deep, and never loops.
        while let Some(id) = next {
            if trail.len() >= 20 {
                break;
            }
            match self.store().account(id)? {
                Some(a) => {
                    trail.push(a.username.clone());
                    next = a.invited_by.filter(|n| *n != id);
                }
                None => break,
            }
        }
        let invite_note = self
            .store()
            .invite(&account.invite_code)?
            .map(|i| i.note)
            .filter(|n| !n.is_empty());
        Ok(AccountView {
            account,
            vouch_trail: trail,
            invite_note,
        })
    }

    // ---- audit log ----

    /// The audit log, newest first (moderators and admins).
    pub fn audit_log(&self, by: Id, before: Option<Id>, limit: usize) -> Result<Vec<AuditView>> {
        self.moderator(by)?;
        let entries = self.store().audit(before, limit.clamp(1, MAX_LIST))?;
        self.audit_views(entries)
    }

    fn audit_views(&self, entries: Vec<AuditEntry>) -> Result<Vec<AuditView>> {
        entries
            .into_iter()
            .map(|entry| {
                let actor = match entry.actor {
                    Some(id) => format!("@{}", self.author(id)?.username),
                    None => "camp".to_string(),
                };
                Ok(AuditView { entry, actor })
            })
            .collect()
    }

    // ---- invites (admins) ----

    /// Every invite with its maker and who joined with it, newest first (admins).
    pub fn invite_views(&self, by: Id) -> Result<Vec<InviteView>> {
        self.admin(by)?;
        let mut list = self.store().invites()?;
        list.sort_by_key(|i| std::cmp::Reverse(i.created_ms));
        list.into_iter()
            .map(|invite| {
                let created_by = match invite.created_by {
                    Some(id) => Some(self.author(id)?.username),
                    None => None,
                };
                let used_by = invite
                    .used_by
                    .iter()
                    .map(|id| self.author(*id).map(|a| a.username))
                    .collect::<Result<_>>()?;
                Ok(InviteView {
                    link: self.config().invite_link(&invite.code),
                    invite,
                    created_by,
                    used_by,
                })
            })
            .collect()
    }

    /// Withdraws an invite so nobody else can join with it (admins).
    pub fn revoke_invite(&self, by: Id, code: &str) -> Result<Invite> {
        let admin = self.admin(by)?;
        let code = code.trim().to_lowercase();
        let mut invite = self
            .store()
            .invite(&code)?
            .ok_or_else(|| Error::not_found("there is no invite with that code"))?;
        if invite.revoked {
            return Err(Error::invalid("that invite is revoked already"));
        }
        invite.revoked = true;
        self.store().put_invite(&invite)?;
        self.audit(Some(admin.id), "revoke-invite", code, "")?;
        self.store().flush()?;
        Ok(invite)
    }
}

#[cfg(test)]
mod tests;
