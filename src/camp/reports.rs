//! Reports: campers file them about a post or an account; moderators see the queue
//! with the post in context, take one, and resolve it with an action and a note. The
//! reported person never learns who reported, and the reporter hears back.

use crate::camp::moderation::{AccountAction, MAX_LIST, clean_reason};
use crate::camp::{Author, Camp};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::now_ms;

/// What a report points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportTarget {
    /// A post, by id.
    Post(Id),
    /// An account, by username.
    Account(String),
}

/// A report as moderators see it: names, and the post in context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportView {
    /// The stored report.
    pub report: Report,
    /// Who reported.
    pub reporter: Author,
    /// Who is reported.
    pub account: Author,
    /// The reported post's text (with its CW), if it still exists.
    pub post_text: Option<String>,
    /// The post it answers, for context (only one the moderator may see, or one that
    /// was reported too).
    pub parent_text: Option<String>,
    /// The moderator handling it.
    pub assigned_to: Option<Author>,
}
impl Camp {
    // ---- reports ----

    /// Files a report about a post or an account. Anyone may report; the reported
    /// person never learns who did.
    pub fn file_report(&self, by: Id, target: ReportTarget, reason: &str) -> Result<Report> {
        let me = self.actor(by)?;
        let reason = clean_reason(reason)?;
        if reason.is_empty() {
            return Err(Error::invalid(
                "a report needs a reason: say what is wrong (--reason TEXT)",
            ));
        }
        let (account, post) = match target {
            ReportTarget::Post(id) => {
                let missing = || Error::not_found(format!("there is no post {id}"));
                let p = self.store().post(id)?.ok_or_else(missing)?;
                if !self.can_see(&me, &p)? {
                    return Err(missing());
                }
                (p.author, Some(id))
            }
            ReportTarget::Account(name) => (self.named(&name)?.id, None),
        };
        if account == me.id {
            return Err(Error::invalid("you cannot report yourself"));
        }
        self.check_report_rate(&me)?;
        self.put_new_report(me.id, account, post, reason)
    }

    /// Stores a new open report by `reporter` about `account` (and `post`), durably,
    /// and tells the moderators: the one way a report enters the queue, from a camper
    /// here or from another server.
    pub(crate) fn put_new_report(
        &self,
        reporter: Id,
        account: Id,
        post: Option<Id>,
        reason: String,
    ) -> Result<Report> {
        let report = Report {
            id: self.store().next_id(),
            reporter,
            account,
            post,
            reason,
            created_ms: now_ms(),
            assigned_to: None,
            resolution: None,
        };
        self.store().put_report(&report)?;
        self.store().flush()?;
        self.tell_moderators(&report)?;
        Ok(report)
    }

    /// Moderators hear of a new report at once, so a camp can act in seconds. The
    /// reported person (and the reporter) are never among those told.
    pub(crate) fn tell_moderators(&self, report: &Report) -> Result<()> {
        for staff in self.store().accounts()? {
            if staff.role.can_moderate()
                && !staff.suspended
                && !staff.is_remote()
                && staff.id != report.account
                && staff.id != report.reporter
            {
                self.notify(
                    staff.id,
                    NotificationKind::Report,
                    None,
                    report.post,
                    Some(report.reason.clone()),
                )?;
            }
        }
        Ok(())
    }

    /// The report queue, newest first (open ones only unless `all`). Reports about
    /// the asking moderator are left out: others handle them, and the reporter stays
    /// unknown to the person reported.
    pub fn reports(&self, by: Id, all: bool) -> Result<Vec<ReportView>> {
        let me = self.moderator(by)?;
        let reports = self.store().reports(usize::MAX)?;
        // Posts someone reported: a moderator may read those whoever wrote them.
        let reported: std::collections::HashSet<Id> =
            reports.iter().filter_map(|r| r.post).collect();
        let mut out = Vec::new();
        for r in reports {
            if (!all && r.resolution.is_some()) || r.account == me.id {
                continue;
            }
            out.push(self.report_view(&me, r, &reported)?);
            if out.len() >= MAX_LIST {
                break;
            }
        }
        Ok(out)
    }

    /// A report for moderator `me`. The reported post is shown; the post it answers
    /// only when `me` may see it anyway or it was reported too, so a report on a reply
    /// never opens someone else's direct or followers-only post to moderators.
    fn report_view(
        &self,
        me: &Account,
        report: Report,
        reported: &std::collections::HashSet<Id>,
    ) -> Result<ReportView> {
        let shown = |p: &Post| match &p.cw {
            Some(cw) => format!("[CW: {cw}] {}", p.text),
            None => p.text.clone(),
        };
        let post = match report.post {
            Some(id) => self.store().post(id)?,
            None => None,
        };
        let parent = match post.as_ref().and_then(|p| p.reply_to) {
            Some(id) => self
                .store()
                .post(id)?
                .filter(|p| reported.contains(&p.id) || self.can_see(me, p).unwrap_or(false)),
            None => None,
        };
        Ok(ReportView {
            reporter: self.author(report.reporter)?,
            account: self.author(report.account)?,
            post_text: post.as_ref().map(shown),
            parent_text: parent.as_ref().map(shown),
            assigned_to: match report.assigned_to {
                Some(id) => Some(self.author(id)?),
                None => None,
            },
            report,
        })
    }

    fn open_report(&self, by: &Account, id: Id) -> Result<Report> {
        let r = self
            .store()
            .report(id)?
            .filter(|r| r.account != by.id)
            .ok_or_else(|| Error::not_found(format!("there is no report {id}")))?;
        if r.resolution.is_some() {
            return Err(Error::invalid(format!("report {id} is already resolved")));
        }
        Ok(r)
    }

    /// Takes a report: it shows as assigned to `by`.
    pub fn assign_report(&self, by: Id, id: Id) -> Result<Report> {
        let m = self.moderator(by)?;
        let mut r = self.open_report(&m, id)?;
        r.assigned_to = Some(m.id);
        self.store().put_report(&r)?;
        self.audit(Some(m.id), "assign-report", format!("report {id}"), "")?;
        self.store().flush()?;
        Ok(r)
    }

    /// Resolves a report with an action on the reported account or post, and tells the
    /// reporter (with the action and note only when `tell_reporter`).
    pub fn resolve_report(
        &self,
        by: Id,
        id: Id,
        action: ModAction,
        note: &str,
        tell_reporter: bool,
    ) -> Result<Report> {
        let m = self.moderator(by)?;
        let mut r = self.open_report(&m, id)?;
        let note = clean_reason(note)?;
        let target = self.store().account(r.account)?;
        let reason = if note.is_empty() {
            format!("report {id}")
        } else {
            format!("report {id}: {note}")
        };
        match action {
            ModAction::Dismiss => {}
            ModAction::DeletePost => {
                let post = r.post.ok_or_else(|| {
                    Error::invalid("this report is about an account, not a post: nothing to delete")
                })?;
                self.remove_post_as_moderator(m.id, post, &reason)?;
            }
            other => {
                let target = target
                    .ok_or_else(|| Error::not_found("the reported account no longer exists"))?;
                let account_action = match other {
                    ModAction::Sensitive => AccountAction::Sensitive(true),
                    ModAction::Silence => AccountAction::Silence(true),
                    ModAction::Suspend => AccountAction::Suspend(true),
                    _ => AccountAction::Warn,
                };
                // A warning's reason is what the camper reads: the note alone, so
                // nothing about the report leaks to them.
                let reason = if account_action == AccountAction::Warn {
                    &note
                } else {
                    &reason
                };
                // Already in that state (e.g. suspended over another report): the
                // report still resolves, without a second identical action.
                let already = match account_action {
                    AccountAction::Sensitive(_) => target.sensitive,
                    AccountAction::Silence(_) => target.silenced,
                    AccountAction::Suspend(_) => target.suspended,
                    AccountAction::Warn => false,
                };
                if !already {
                    self.apply_account_action(&m, target, account_action, reason)?;
                }
            }
        }
        r.resolution = Some(Resolution {
            by: m.id,
            action,
            note: note.clone(),
            tell_reporter,
            resolved_ms: now_ms(),
        });
        self.store().put_report(&r)?;
        self.audit(
            Some(m.id),
            "resolve-report",
            format!("report {id}"),
            &format!("{}; {note}", action.as_str()),
        )?;
        self.store().flush()?;
        let text = tell_reporter.then(|| {
            if note.is_empty() {
                format!("Action taken: {}.", action.as_str())
            } else {
                format!("Action taken: {}. {note}", action.as_str())
            }
        });
        self.notify(
            r.reporter,
            NotificationKind::ReportResolved,
            None,
            r.post,
            text,
        )?;
        Ok(r)
    }
}
