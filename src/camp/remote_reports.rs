//! Reports that cross servers: a `Flag` from another server becomes a report on the
//! moderation screen (unless moderators refuse reports from that domain), and a
//! moderator may forward a report about a remote account to its server, through the
//! outbox. The reporting camper is never named outside.
//!
//! Inbound reports are hostile input: the comment is sanitized and cut to
//! [`MAX_REASON_CHARS`], each remote reporter is held to the report rate limit of
//! campers, and only reports naming something of this camp are kept. Duplicates (the
//! same activity sent again) are dropped by the bridge's seen-activity check before
//! they get here.

use crate::camp::Camp;
use crate::camp::moderation::MAX_REASON_CHARS;
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::outbox::{Intent, MAX_FLAG_TEXT};
use crate::text;

/// A report from another server, as the bridge read it (already verified as sent by
/// `reporter`'s actor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingReport {
    /// The shadow account of the remote actor that sent it.
    pub reporter: Id,
    /// Its server (`host[:port]`).
    pub host: String,
    /// Local accounts it names.
    pub accounts: Vec<Id>,
    /// Local posts it names.
    pub posts: Vec<Id>,
    /// The comment, as sent.
    pub comment: String,
}

/// Cuts `raw` to a report reason: sanitized, trimmed, at most `max` characters.
fn bounded(raw: &str, max: usize) -> String {
    let clean = text::sanitize(raw);
    let clean = clean.trim();
    if text::char_count(clean) <= max {
        return clean.to_string();
    }
    let cut: String = clean.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

impl Camp {
    /// Files a report from another server. Returns None when it is not kept: the
    /// domain's block says reject reports (or it is suspended), the reporter is
    /// suspended or over the rate limit, or it names nothing of this camp.
    pub fn receive_remote_report(&self, r: IncomingReport) -> Result<Option<Report>> {
        let Some(reporter) = self
            .store()
            .account(r.reporter)?
            .filter(|a| a.is_remote() && !a.suspended)
        else {
            return Ok(None);
        };
        let policy = self.domain_policy(&r.host)?;
        let domain = crate::camp::normalize_domain(
            r.host.rsplit_once(':').map_or(r.host.as_str(), |(h, _)| h),
        )
        .ok();
        let rejects = match &domain {
            Some(d) => self.domain_block_for(d)?.is_some_and(|b| b.reject_reports),
            None => false,
        };
        if policy.suspend || rejects {
            tracing::info!(
                "report from {} dropped: reports from there are refused",
                r.host
            );
            return Ok(None);
        }
        let local = |id: Id| -> Result<Option<Account>> {
            Ok(self.store().account(id)?.filter(|a| !a.is_remote()))
        };
        let mut target = None;
        for &p in &r.posts {
            if let Some(post) = self.store().post(p)?
                && local(post.author)?.is_some()
            {
                target = Some((post.author, Some(p)));
                break;
            }
        }
        if target.is_none() {
            for &a in &r.accounts {
                if local(a)?.is_some() {
                    target = Some((a, None));
                    break;
                }
            }
        }
        let Some((account, post)) = target else {
            return Ok(None);
        };
        let server = domain
            .clone()
            .unwrap_or_else(|| r.host.to_ascii_lowercase());
        if self.check_report_rate(&reporter).is_err() || !self.allow_server_report(&server)? {
            tracing::info!("report from {} dropped: over the report rate", r.host);
            return Ok(None);
        }
        let comment = bounded(&r.comment, MAX_REASON_CHARS - 40);
        let reason = if comment.is_empty() {
            format!("[from {}] (no comment)", text::sanitize_line(&r.host))
        } else {
            format!("[from {}] {comment}", text::sanitize_line(&r.host))
        };
        self.put_new_report(reporter.id, account, post, reason)
            .map(Some)
    }

    /// The remote actor a report is about, with what of its server's it names, when
    /// moderator `by` may forward it; refused (with the reason) otherwise.
    fn forwardable(&self, by: Id, id: Id) -> Result<(Account, Report, String, Vec<String>)> {
        let m = self.moderator(by)?;
        let r = self
            .store()
            .report(id)?
            .filter(|r| r.account != m.id)
            .ok_or_else(|| Error::not_found(format!("there is no report {id}")))?;
        let actor = self
            .store()
            .remote_actor_of_shadow(r.account)?
            .ok_or_else(|| {
                Error::invalid(format!(
                    "report {id} is about an account of this camp: there is nowhere to forward it"
                ))
            })?;
        if !self.federating() {
            return Err(Error::invalid(
                "federation is off on this camp: reports cannot be forwarded",
            ));
        }
        if self.domain_policy(&actor.host)?.suspend {
            return Err(Error::forbidden(format!(
                "{} is suspended here: nothing is sent there",
                actor.host
            )));
        }
        let objects = match r.post {
            Some(p) => self
                .store()
                .remote_object_of_post(p)?
                .map(|(url, _)| vec![url])
                .unwrap_or_default(),
            None => Vec::new(),
        };
        Ok((m, r, actor.id, objects))
    }

    /// Checks that moderator `by` may forward report `id` (so a resolve asked to
    /// forward fails before it changes anything).
    pub fn check_forwardable(&self, by: Id, id: Id) -> Result<()> {
        self.forwardable(by, id).map(drop)
    }

    /// Forwards report `id` about a remote account to its server as a `Flag` (sent by
    /// the camp itself; the reporter is not named), through the outbox. Returns the
    /// account's handle.
    pub fn forward_report(&self, by: Id, id: Id) -> Result<String> {
        let (m, r, actor, objects) = self.forwardable(by, id)?;
        let handle = self
            .store()
            .account(r.account)?
            .map(|a| a.username)
            .unwrap_or_default();
        let entry = self.outbox_entry(Some(Intent::Flag {
            actor,
            objects,
            text: bounded(&r.reason, MAX_FLAG_TEXT),
        }))?;
        if let Some(e) = &entry {
            self.store().put_intent(e)?;
        }
        self.audit(
            Some(m.id),
            "forward-report",
            format!("report {id}"),
            &format!("to @{handle}'s server"),
        )?;
        self.store().flush()?;
        self.intent_committed(entry.is_some());
        Ok(handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camp::testing::camp_with;
    use crate::store::federation::RemoteActor;

    fn rita(camp: &Camp) -> RemoteActor {
        camp.store()
            .upsert_remote_actor(crate::camp::testing::remote_actor(
                "rita",
                "peer.example",
                "Rita",
            ))
            .unwrap()
    }

    fn incoming(rita: &RemoteActor, accounts: Vec<Id>, comment: &str) -> IncomingReport {
        IncomingReport {
            reporter: rita.shadow,
            host: "peer.example".into(),
            accounts,
            posts: vec![],
            comment: comment.into(),
        }
    }

    #[test]
    fn remote_reports_are_kept_unless_the_domain_rejects_them() {
        let (camp, ids) = camp_with(&["admin", "bo"]);
        let (admin, bo) = (ids[0], ids[1]);
        let rita = rita(&camp);
        // Naming nothing of this camp (or only the reporter itself): not kept.
        assert_eq!(
            camp.receive_remote_report(incoming(&rita, vec![rita.shadow], "x"))
                .unwrap(),
            None
        );
        let long = "y".repeat(5000);
        let r = camp
            .receive_remote_report(incoming(&rita, vec![bo], &long))
            .unwrap()
            .expect("kept");
        assert!(r.reason.starts_with("[from peer.example] yyy"));
        assert!(text::char_count(&r.reason) <= MAX_REASON_CHARS);
        let queue = camp.reports(admin, false).unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].account.username, "bo");
        assert_eq!(queue[0].reporter.username, "rita@peer.example");
        let told = camp.notifications(admin, None, 10).unwrap();
        assert!(told.iter().any(|n| n.kind == NotificationKind::Report));
        camp.block_domain(
            admin,
            "peer.example",
            crate::camp::DomainBlockOptions {
                severity: Severity::Silence,
                reject_reports: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            camp.receive_remote_report(incoming(&rita, vec![bo], "again"))
                .unwrap(),
            None,
            "reject_reports drops them"
        );
        assert_eq!(camp.reports(admin, false).unwrap().len(), 1);
    }

    #[test]
    fn one_server_cannot_flood_the_queue_by_minting_reporters() {
        let (camp, ids) = camp_with(&["admin", "bo"]);
        let (admin, bo) = (ids[0], ids[1]);
        let mut kept = 0;
        for n in 0..(crate::camp::floods::REPORTS_PER_HOUR + 5) {
            let actor = camp
                .store()
                .upsert_remote_actor(RemoteActor {
                    id: format!("https://peer.example/users/r{n}"),
                    username: format!("r{n}"),
                    key_id: format!("https://peer.example/users/r{n}#main-key"),
                    inbox: format!("https://peer.example/users/r{n}/inbox"),
                    ..rita(&camp)
                })
                .unwrap();
            if camp
                .receive_remote_report(incoming(&actor, vec![bo], "spam"))
                .unwrap()
                .is_some()
            {
                kept += 1;
            }
        }
        assert_eq!(kept, crate::camp::floods::REPORTS_PER_HOUR);
        assert_eq!(
            camp.reports(admin, false).unwrap().len(),
            crate::camp::floods::REPORTS_PER_HOUR
        );
    }

    #[test]
    fn only_reports_about_remote_accounts_are_forwarded() {
        let (camp, ids) = camp_with(&["admin", "bo"]);
        let (admin, bo) = (ids[0], ids[1]);
        let rita = rita(&camp);
        let about_bo = camp
            .file_report(admin, crate::camp::ReportTarget::Account("bo".into()), "x")
            .unwrap();
        let err = camp.forward_report(admin, about_bo.id).unwrap_err();
        assert!(err.to_string().contains("nowhere to forward"), "{err}");
        let about_rita = camp
            .file_report(
                bo,
                crate::camp::ReportTarget::Account("rita@peer.example".into()),
                "threats",
            )
            .unwrap();
        // Campers may not forward; and without federation there is nowhere to send.
        assert!(camp.forward_report(bo, about_rita.id).is_err());
        let err = camp.forward_report(admin, about_rita.id).unwrap_err();
        assert!(err.to_string().contains("federation is off"), "{err}");
        assert_eq!(camp.outbox_len(), 0);
        let _ = rita;
    }

    #[test]
    fn comments_are_sanitized_and_cut() {
        assert_eq!(bounded("  hi \u{1b}[31mthere ", 100), "hi there");
        let long = "x".repeat(50);
        let cut = bounded(&long, 10);
        assert_eq!(cut.chars().count(), 10);
        assert!(cut.ends_with('…'));
    }
}
