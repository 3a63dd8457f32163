//! Permission and behaviour tests for moderation, by role: camper, moderator, admin.

use super::*;
use crate::camp::rules::MAX_COC_CHARS;
use crate::camp::{InviteOptions, KeyInfo, PostDraft, ReportTarget, TimelineKind};

fn key(n: u8) -> KeyInfo {
    KeyInfo {
        fingerprint: format!("SHA256:m{n}"),
        algorithm: "ssh-ed25519".into(),
        openssh: String::new(),
    }
}

/// Admin `ana`, moderator `mo`, campers `bo` and `cy`.
pub(crate) struct Fixture {
    pub camp: Camp,
    pub ana: Id,
    pub mo: Id,
    pub bo: Id,
    pub cy: Id,
}

pub(crate) fn fixture() -> Fixture {
    let (camp, ids) = crate::camp::testing::camp_with(&["ana", "mo", "bo", "cy"]);
    let [ana, mo, bo, cy] = ids[..] else {
        unreachable!("four names, four ids")
    };
    camp.set_role(ana, "mo", Role::Moderator).unwrap();
    Fixture {
        camp,
        ana,
        mo,
        bo,
        cy,
    }
}

fn post(camp: &Camp, by: Id, text: &str) -> Id {
    camp.create_post(
        by,
        PostDraft {
            text: text.into(),
            ..Default::default()
        },
    )
    .unwrap()
    .post
    .id
}

fn account(camp: &Camp, id: Id) -> Account {
    camp.account(id).unwrap().unwrap()
}

fn last_audit(f: &Fixture) -> AuditEntry {
    f.camp.audit_log(f.ana, None, 1).unwrap().remove(0).entry
}

fn audit_len(f: &Fixture) -> usize {
    f.camp.audit_log(f.ana, None, 500).unwrap().len()
}

#[test]
fn only_admins_set_roles_and_never_their_own() {
    let f = fixture();
    let c = &f.camp;
    assert_eq!(account(c, f.mo).role, Role::Moderator);
    let e = last_audit(&f);
    assert_eq!(
        (
            e.actor,
            e.action.as_str(),
            e.target.as_str(),
            e.reason.as_str()
        ),
        (Some(f.ana), "role", "@mo", "camper -> moderator")
    );
    assert!(e.created_ms > 0);
    for by in [f.bo, f.mo] {
        let err = c.set_role(by, "cy", Role::Admin).unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err}");
        assert_eq!(account(c, f.cy).role, Role::Camper, "nothing changed");
    }
    assert!(matches!(
        c.set_role(f.ana, "ana", Role::Camper),
        Err(Error::Forbidden(_))
    ));
    assert!(c.set_role(f.ana, "nobody", Role::Admin).is_err());
    assert!(
        c.set_role(f.ana, "mo", Role::Moderator).is_err(),
        "no-op refused"
    );
}

#[test]
fn campers_cannot_moderate_anything_and_nothing_changes() {
    let f = fixture();
    let c = &f.camp;
    let p = post(c, f.cy, "hello");
    let before = audit_len(&f);
    let forbidden = |r: Result<()>| assert!(matches!(r, Err(Error::Forbidden(_))), "{r:?}");
    for action in [
        AccountAction::Warn,
        AccountAction::Sensitive(true),
        AccountAction::Silence(true),
        AccountAction::Suspend(true),
    ] {
        forbidden(c.act_on_account(f.bo, "cy", action, "because").map(|_| ()));
    }
    forbidden(c.remove_post_as_moderator(f.bo, p, "x").map(|_| ()));
    forbidden(c.reports(f.bo, true).map(|_| ()));
    forbidden(c.audit_log(f.bo, None, 10).map(|_| ()));
    forbidden(c.invite_views(f.bo).map(|_| ()));
    forbidden(c.revoke_invite(f.bo, "x").map(|_| ()));
    forbidden(c.set_code_of_conduct(f.bo, "new").map(|_| ()));
    forbidden(c.announce(f.bo, "hi").map(|_| ()));
    forbidden(c.moderation_accounts(f.bo, "").map(|_| ()));
    forbidden(c.domain_blocks(f.bo).map(|_| ()));
    assert_eq!(audit_len(&f), before);
    let cy = account(c, f.cy);
    assert!(!cy.suspended && !cy.silenced && !cy.sensitive);
    assert!(c.store().post(p).unwrap().is_some());
}

#[test]
fn moderators_act_on_campers_but_not_on_staff_or_admin_things() {
    let f = fixture();
    let c = &f.camp;
    c.act_on_account(f.mo, "bo", AccountAction::Sensitive(true), "nsfw")
        .unwrap();
    assert!(account(c, f.bo).sensitive);
    let e = last_audit(&f);
    assert_eq!(
        (
            e.actor,
            e.action.as_str(),
            e.target.as_str(),
            e.reason.as_str()
        ),
        (Some(f.mo), "sensitive", "@bo", "nsfw")
    );
    assert!(matches!(
        c.act_on_account(f.mo, "ana", AccountAction::Suspend(true), "coup"),
        Err(Error::Forbidden(_))
    ));
    assert!(!account(c, f.ana).suspended);
    assert!(matches!(
        c.act_on_account(f.mo, "mo", AccountAction::Silence(true), ""),
        Err(Error::Forbidden(_))
    ));
    let forbidden = |r: Result<()>| assert!(matches!(r, Err(Error::Forbidden(_))), "{r:?}");
    forbidden(c.set_role(f.mo, "bo", Role::Moderator).map(|_| ()));
    forbidden(c.invite_views(f.mo).map(|_| ()));
    forbidden(c.set_code_of_conduct(f.mo, "mine").map(|_| ()));
    forbidden(
        c.block_domain(f.mo, "bad.example", Default::default())
            .map(|_| ()),
    );
    forbidden(c.export_domain_blocks(f.mo).map(|_| ()));
    forbidden(c.announce(f.mo, "hi").map(|_| ()));
    assert!(c.domain_blocks(f.mo).is_ok(), "moderators may look");
    assert!(c.audit_log(f.mo, None, 10).is_ok());
    // Admins may act on moderators.
    c.act_on_account(f.ana, "mo", AccountAction::Warn, "be gentle")
        .unwrap();
}

#[test]
fn warn_sensitive_silence_and_their_undo() {
    let f = fixture();
    let c = &f.camp;
    let old = post(c, f.bo, "before silence");
    assert!(
        c.act_on_account(f.mo, "bo", AccountAction::Warn, "")
            .is_err(),
        "a warning needs words"
    );
    c.act_on_account(f.mo, "bo", AccountAction::Warn, "please use CWs")
        .unwrap();
    let n = &c.notifications(f.bo, None, 5).unwrap()[0];
    assert_eq!(n.kind, NotificationKind::Warning);
    assert_eq!(n.text.as_deref(), Some("please use CWs"));
    assert_eq!(n.actor, None, "the moderator is not named");

    c.act_on_account(f.mo, "bo", AccountAction::Sensitive(true), "")
        .unwrap();
    let v = c.post(f.cy, old).unwrap();
    assert_eq!(v.post.cw.as_deref(), Some("sensitive content"));

    c.act_on_account(f.mo, "bo", AccountAction::Silence(true), "spam")
        .unwrap();
    let camp_ids = |viewer| {
        c.timeline(viewer, TimelineKind::Camp, None, 50)
            .unwrap()
            .iter()
            .map(|p| p.post.id)
            .collect::<Vec<_>>()
    };
    assert!(!camp_ids(f.cy).contains(&old), "existing posts leave too");
    let new = post(c, f.bo, "while silenced");
    assert!(!camp_ids(f.cy).contains(&new));
    assert!(c.post(f.cy, new).is_ok(), "still readable directly");
    assert!(
        c.act_on_account(f.mo, "bo", AccountAction::Silence(true), "")
            .unwrap_err()
            .to_string()
            .contains("already")
    );
    c.act_on_account(f.mo, "bo", AccountAction::Silence(false), "ok now")
        .unwrap();
    let ids = camp_ids(f.cy);
    assert!(ids.contains(&old) && ids.contains(&new));
    c.act_on_account(f.mo, "bo", AccountAction::Sensitive(false), "")
        .unwrap();
    assert_eq!(c.post(f.cy, old).unwrap().post.cw, None);
    let actions: Vec<String> = c
        .audit_log(f.ana, None, 5)
        .unwrap()
        .into_iter()
        .map(|a| a.entry.action)
        .collect();
    assert_eq!(
        actions,
        vec!["unsensitive", "unsilence", "silence", "sensitive", "warn"]
    );
}

#[test]
fn suspension_ends_sessions_hides_posts_and_is_undone() {
    let f = fixture();
    let c = &f.camp;
    let p = post(c, f.bo, "hi");
    let mut rx = c.subscribe();
    c.act_on_account(f.mo, "bo", AccountAction::Suspend(true), "abuse")
        .unwrap();
    assert!(matches!(rx.try_recv().unwrap(), CampEvent::AccountChanged(id) if id == f.bo));
    assert!(matches!(c.actor(f.bo), Err(Error::Suspended { .. })));
    assert!(c.post(f.cy, p).is_err());
    c.act_on_account(f.mo, "bo", AccountAction::Suspend(false), "appeal")
        .unwrap();
    assert!(c.actor(f.bo).is_ok());
    assert!(c.post(f.cy, p).is_ok());
}

#[test]
fn reports_flow_to_moderators_and_reporters_hear_back() {
    let f = fixture();
    let c = &f.camp;
    let p = post(c, f.bo, "rude words");
    assert!(c.file_report(f.cy, ReportTarget::Post(p), "  ").is_err());
    assert!(
        c.file_report(f.cy, ReportTarget::Post(p), &"x".repeat(1001))
            .is_err()
    );
    assert!(c.file_report(f.bo, ReportTarget::Post(p), "me").is_err());
    assert!(c.file_report(f.cy, ReportTarget::Post(999), "x").is_err());
    let r = c
        .file_report(f.cy, ReportTarget::Post(p), "rude to me")
        .unwrap();
    let r2 = c
        .file_report(f.cy, ReportTarget::Account("@bo".into()), "keeps at it")
        .unwrap();
    assert_eq!(r.account, f.bo);
    for staff in [f.ana, f.mo] {
        let n = &c.notifications(staff, None, 1).unwrap()[0];
        assert_eq!(
            (n.kind, n.actor, n.text.as_deref()),
            (NotificationKind::Report, None, Some("keeps at it"))
        );
    }
    let queue = c.reports(f.mo, false).unwrap();
    assert_eq!(queue.len(), 2);
    assert_eq!(queue[1].post_text.as_deref(), Some("rude words"));
    assert_eq!(queue[1].reporter.username, "cy");
    // The reported person learns nothing of the reporter.
    assert!(c.notifications(f.bo, None, 10).unwrap().is_empty());

    c.assign_report(f.mo, r.id).unwrap();
    assert_eq!(
        c.reports(f.mo, false).unwrap()[1]
            .assigned_to
            .as_ref()
            .unwrap()
            .username,
        "mo"
    );
    assert!(
        c.resolve_report(f.mo, r2.id, ModAction::DeletePost, "", false)
            .is_err(),
        "no post to delete"
    );
    c.resolve_report(f.mo, r.id, ModAction::DeletePost, "removed", false)
        .unwrap();
    assert!(c.store().post(p).unwrap().is_none());
    let n = &c.notifications(f.cy, None, 1).unwrap()[0];
    assert_eq!(n.kind, NotificationKind::ReportResolved);
    assert_eq!(n.text, None, "no details unless the moderator chooses");
    assert!(
        c.resolve_report(f.mo, r.id, ModAction::Dismiss, "", false)
            .unwrap_err()
            .to_string()
            .contains("already resolved")
    );
    c.resolve_report(f.ana, r2.id, ModAction::Silence, "two strikes", true)
        .unwrap();
    assert!(account(c, f.bo).silenced);
    let n = &c.notifications(f.cy, None, 1).unwrap()[0];
    assert_eq!(
        n.text.as_deref(),
        Some("Action taken: silence. two strikes")
    );
    assert!(c.reports(f.mo, false).unwrap().is_empty());
    assert_eq!(c.reports(f.mo, true).unwrap().len(), 2);
    let actions: Vec<String> = c
        .audit_log(f.mo, None, 10)
        .unwrap()
        .into_iter()
        .map(|a| a.entry.action)
        .collect();
    assert!(actions.starts_with(&[
        "resolve-report".to_string(),
        "silence".into(),
        "resolve-report".into(),
        "delete-post".into(),
        "assign-report".into()
    ]));
}

#[test]
fn resolving_with_a_warning_sends_the_note_alone() {
    let f = fixture();
    let c = &f.camp;
    let r = c
        .file_report(f.cy, ReportTarget::Account("bo".into()), "rude")
        .unwrap();
    assert!(
        c.resolve_report(f.mo, r.id, ModAction::Warn, "", false)
            .is_err(),
        "a warning needs words"
    );
    c.resolve_report(f.mo, r.id, ModAction::Warn, "be kind to cy", false)
        .unwrap();
    let n = &c.notifications(f.bo, None, 1).unwrap()[0];
    assert_eq!(
        (n.kind, n.text.as_deref()),
        (NotificationKind::Warning, Some("be kind to cy"))
    );
    // Two reports, one suspension: the second resolves without acting twice.
    let a = c
        .file_report(f.cy, ReportTarget::Account("bo".into()), "threats")
        .unwrap();
    let b = c
        .file_report(
            f.ana,
            ReportTarget::Account("bo".into()),
            "threats to me too",
        )
        .unwrap();
    c.resolve_report(f.mo, a.id, ModAction::Suspend, "", false)
        .unwrap();
    c.resolve_report(f.mo, b.id, ModAction::Suspend, "", false)
        .unwrap();
    let suspends = c
        .audit_log(f.ana, None, 50)
        .unwrap()
        .iter()
        .filter(|v| v.entry.action == "suspend")
        .count();
    assert_eq!(suspends, 1);
}

#[test]
fn moderators_never_see_reports_about_themselves() {
    let f = fixture();
    let c = &f.camp;
    let r = c
        .file_report(f.bo, ReportTarget::Account("mo".into()), "power trip")
        .unwrap();
    assert!(c.reports(f.mo, true).unwrap().is_empty());
    assert!(c.assign_report(f.mo, r.id).is_err());
    assert!(
        c.resolve_report(f.mo, r.id, ModAction::Dismiss, "", false)
            .is_err()
    );
    assert!(
        c.notifications(f.mo, None, 5).unwrap().is_empty(),
        "not told either"
    );
    assert_eq!(c.reports(f.ana, false).unwrap()[0].reporter.username, "bo");
    c.resolve_report(f.ana, r.id, ModAction::Dismiss, "", false)
        .unwrap();
}

#[test]
fn report_floods_are_refused() {
    let f = fixture();
    let c = &f.camp;
    for i in 0..crate::camp::floods::REPORTS_PER_HOUR {
        c.file_report(f.bo, ReportTarget::Account("cy".into()), &format!("no {i}"))
            .unwrap();
    }
    let err = c
        .file_report(f.bo, ReportTarget::Account("cy".into()), "again")
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited(_)), "{err}");
}

#[test]
fn the_host_recovers_roles_and_suspensions_offline() {
    let f = fixture();
    let c = &f.camp;
    c.act_on_account(f.ana, "mo", AccountAction::Suspend(true), "")
        .unwrap();
    c.host_unsuspend("mo").unwrap();
    assert!(c.host_unsuspend("mo").is_err());
    c.host_set_role("bo", Role::Admin).unwrap();
    assert_eq!(account(c, f.bo).role, Role::Admin);
    let log = c.host_audit(2).unwrap();
    assert_eq!(
        (log[0].actor.as_str(), log[0].entry.action.as_str()),
        ("camp", "role")
    );
    assert_eq!(log[1].entry.action, "unsuspend");
}

#[test]
fn account_detail_shows_camp_posts_reports_and_keys() {
    let f = fixture();
    let c = &f.camp;
    post(c, f.bo, "for everyone");
    c.create_post(
        f.bo,
        PostDraft {
            text: "for followers".into(),
            visibility: Some(Visibility::Followers),
            ..Default::default()
        },
    )
    .unwrap();
    c.file_report(f.cy, ReportTarget::Account("bo".into()), "x")
        .unwrap();
    let d = c.moderation_account_detail(f.mo, "bo").unwrap();
    let texts: Vec<&str> = d.recent.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(
        texts,
        vec!["for everyone"],
        "never followers-only or direct"
    );
    assert_eq!((d.open_reports, d.keys), (1, 1));
    assert_eq!(d.view.vouch_trail, vec!["ana"]);
    assert!(matches!(
        c.moderation_account_detail(f.bo, "cy"),
        Err(Error::Forbidden(_))
    ));
}

#[test]
fn invites_are_listed_with_joins_and_revoked() {
    let f = fixture();
    let c = &f.camp;
    let list = c.invite_views(f.ana).unwrap();
    let lake = list
        .iter()
        .find(|i| i.invite.note == "test fixture")
        .unwrap();
    assert_eq!(lake.used_by, vec!["mo", "bo", "cy"]);
    assert_eq!(lake.created_by.as_deref(), Some("ana"));
    assert_eq!(lake.invite.uses_left(), 47);
    let code = lake.invite.code.clone();
    c.revoke_invite(f.ana, &code).unwrap();
    assert!(
        c.check_invite(&code)
            .unwrap_err()
            .to_string()
            .contains("withdrawn")
    );
    assert!(c.revoke_invite(f.ana, &code).is_err());
    let e = last_audit(&f);
    assert_eq!(
        (e.action.as_str(), e.target.as_str()),
        ("revoke-invite", code.as_str())
    );
    let v = c.moderation_account(f.mo, "bo").unwrap();
    assert_eq!(v.vouch_trail, vec!["ana"]);
    assert_eq!(v.invite_note.as_deref(), Some("test fixture"));
}

#[test]
fn a_new_code_of_conduct_must_be_accepted_before_going_on() {
    let f = fixture();
    let c = &f.camp;
    assert!(c.set_code_of_conduct(f.ana, "   ").is_err());
    assert!(
        c.set_code_of_conduct(f.ana, &"x".repeat(MAX_COC_CHARS + 1))
            .is_err()
    );
    let coc = c
        .set_code_of_conduct(f.ana, "Be kinder.\nNo spam.")
        .unwrap();
    assert_eq!(coc.version, 2);
    assert_eq!(c.code_of_conduct().unwrap().text, "Be kinder.\nNo spam.");
    assert!(c.actor(f.ana).is_ok(), "the author accepted it");
    assert!(matches!(c.actor(f.bo), Err(Error::CocChanged)));
    assert!(c.timeline(f.bo, TimelineKind::Camp, None, 5).is_err());
    c.accept_code_of_conduct(f.bo).unwrap();
    assert!(c.actor(f.bo).is_ok());
    assert_eq!(last_audit(&f).action, "coc-set");
    // Someone joining now accepts the version in force.
    let inv = c.create_invite(f.ana, InviteOptions::default()).unwrap();
    let dee = c.join(&key(9), &inv.code, "dee", true).unwrap();
    assert!(c.actor(dee.id).is_ok());
}

#[test]
fn announcements_reach_everyone_and_are_dismissed_per_camper() {
    let f = fixture();
    let c = &f.camp;
    assert!(c.announce(f.ana, "").is_err());
    let mut rx = c.subscribe();
    let a = c.announce(f.ana, "Maintenance at 9pm").unwrap();
    let mut told = 0;
    while let Ok(ev) = rx.try_recv() {
        if let CampEvent::Notified(n) = ev {
            assert_eq!(n.kind, NotificationKind::Announcement);
            told += 1;
        }
    }
    assert_eq!(
        told, 4,
        "everyone, its author too (they see what campers see)"
    );
    assert_eq!(c.announcement_for(f.bo).unwrap().unwrap().id, a.id);
    c.dismiss_announcement(f.bo, a.id).unwrap();
    assert!(c.announcement_for(f.bo).unwrap().is_none());
    assert!(c.announcement_for(f.cy).unwrap().is_some());
    c.clear_announcement(f.ana).unwrap();
    assert!(c.announcement_for(f.cy).unwrap().is_none());
}

#[test]
fn the_post_rate_limit_refuses_and_notes_repeat_offenders() {
    let mut config = crate::config::Config::with_dirs("unused", "unused");
    config.camp.posts_per_minute = 2;
    let camp = Camp::with_store(crate::store::Store::temporary().unwrap(), config);
    let code = camp.admin_invite().unwrap().unwrap();
    let ana = camp.join(&key(1), &code, "ana", true).unwrap().id;
    post(&camp, ana, "one");
    post(&camp, ana, "two");
    for _ in 0..3 {
        let err = camp
            .create_post(
                ana,
                PostDraft {
                    text: "three".into(),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert!(matches!(err, Error::RateLimited(_)));
        assert!(err.to_string().contains("2 posts a minute"), "{err}");
    }
    assert_eq!(camp.store().post_count(), 2);
    let e = camp.audit_log(ana, None, 1).unwrap().remove(0).entry;
    assert_eq!(
        (e.actor, e.action.as_str(), e.target.as_str()),
        (None, "flood", "@ana")
    );
    assert!(e.reason.contains("post rate limit 3 times"), "{}", e.reason);
}

#[test]
fn domain_blocks_cover_subdomains_and_round_trip_through_csv() {
    let f = fixture();
    let c = &f.camp;
    let blocked = c
        .block_domain(
            f.ana,
            "Bad.Example.",
            crate::camp::DomainBlockOptions {
                severity: Severity::Silence,
                reject_media: true,
                public_comment: "spam, lots".into(),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(blocked.domain, "bad.example");
    assert_eq!(
        c.domain_block_for("a.b.bad.example")
            .unwrap()
            .unwrap()
            .domain,
        "bad.example"
    );
    assert!(c.domain_block_for("notbad.example").unwrap().is_none());
    assert!(
        c.federates_with("x.bad.example").unwrap(),
        "silence still federates"
    );
    let csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
               evil.example,suspend,false,false,,false\n\
               bad.example,suspend,false,false,,false\n\
               not a domain,suspend\n\
               half.example,noop,true\n\
               short.example\n\
               \"quoted.example\",silence,true,true,\"a, b\",true\n\
               broken.example,suspend,maybe\n";
    let sum = c.import_domain_blocks(f.ana, csv).unwrap();
    assert_eq!((sum.added, sum.skipped, sum.malformed_count), (3, 1, 3));
    let lines: Vec<usize> = sum.malformed.iter().map(|m| m.0).collect();
    assert_eq!(lines, vec![4, 5, 8]);
    assert!(
        sum.describe()
            .contains("line 8: 'maybe' is not true or false")
    );
    assert!(
        c.store().domain_block("half.example").unwrap().is_none(),
        "no half-apply"
    );
    let short = c.store().domain_block("short.example").unwrap().unwrap();
    assert_eq!(
        (short.severity, short.reject_media),
        (Severity::Suspend, false)
    );
    assert!(!c.federates_with("short.example").unwrap());
    let out = c.export_domain_blocks(f.ana).unwrap();
    assert!(out.starts_with(CSV_HEADER_FOR_TESTS));
    assert!(
        out.contains("quoted.example,silence,true,true,\"a, b\",true\n"),
        "{out}"
    );
    // Round trip into a fresh camp gives the same export.
    let g = fixture();
    let sum = g.camp.import_domain_blocks(g.ana, &out).unwrap();
    assert_eq!((sum.added, sum.malformed_count), (4, 0));
    assert_eq!(g.camp.export_domain_blocks(g.ana).unwrap(), out);
    c.unblock_domain(f.ana, "evil.example").unwrap();
    assert!(c.unblock_domain(f.ana, "evil.example").is_err());
    assert_eq!(last_audit(&f).action, "domain-unblock");
}

const CSV_HEADER_FOR_TESTS: &str = crate::camp::domains::CSV_HEADER;

#[test]
fn subscriptions_allowlist_and_hidden_domains() {
    let f = fixture();
    let c = &f.camp;
    // Subscriptions read from files: see camp::blocklist_files (tests there).
    assert!(
        c.subscribe_blocklist(f.ana, "https://x.example/list.csv")
            .is_err()
    );

    assert!(c.federates_with("any.example").unwrap());
    c.set_allowlist_mode(f.ana, true).unwrap();
    assert!(!c.federates_with("any.example").unwrap());
    c.set_domain_allowed(f.ana, "friends.example", true)
        .unwrap();
    assert!(c.federates_with("social.friends.example").unwrap());
    assert!(c.set_allowlist_mode(f.mo, false).is_err());

    c.hide_domain(f.bo, "Loud.Example", true).unwrap();
    assert!(c.hide_domain(f.bo, "loud.example", true).is_err());
    assert!(c.hides_domain(f.bo, "x.loud.example").unwrap());
    assert!(!c.hides_domain(f.cy, "loud.example").unwrap(), "per camper");
    c.hide_domain(f.bo, "loud.example", false).unwrap();
    assert!(c.hidden_domains(f.bo).unwrap().is_empty());
}

/// Every service action behind a verb or a screen key, tried by a camper, a moderator
/// and an admin: refused below its role with nothing changed, allowed at or above it.
#[test]
fn every_action_by_every_role() {
    type Action = fn(&Camp, Id, &Fixture) -> Result<()>;
    let actions: Vec<(&str, Role, Action)> = vec![
        ("reports", Role::Moderator, |c, by, _| {
            c.reports(by, true).map(|_| ())
        }),
        ("assign", Role::Moderator, |c, by, f| {
            let r = c.file_report(f.mo, ReportTarget::Account("cy".into()), "x")?;
            c.assign_report(by, r.id).map(|_| ())
        }),
        ("resolve", Role::Moderator, |c, by, f| {
            let r = c.file_report(f.mo, ReportTarget::Account("cy".into()), "x")?;
            c.resolve_report(by, r.id, ModAction::Dismiss, "", false)
                .map(|_| ())
        }),
        ("warn", Role::Moderator, |c, by, _| {
            c.act_on_account(by, "cy", AccountAction::Warn, "w")
                .map(|_| ())
        }),
        ("suspend", Role::Moderator, |c, by, _| {
            c.act_on_account(by, "cy", AccountAction::Suspend(true), "")?;
            c.act_on_account(by, "cy", AccountAction::Suspend(false), "")
                .map(|_| ())
        }),
        ("delete post", Role::Moderator, |c, by, f| {
            let p = c
                .create_post(
                    f.cy,
                    PostDraft {
                        text: "x".into(),
                        ..Default::default()
                    },
                )?
                .post
                .id;
            c.remove_post_as_moderator(by, p, "").map(|_| ())
        }),
        ("accounts", Role::Moderator, |c, by, _| {
            c.moderation_accounts(by, "").map(|_| ())
        }),
        ("account detail", Role::Moderator, |c, by, _| {
            c.moderation_account_detail(by, "cy").map(|_| ())
        }),
        ("audit", Role::Moderator, |c, by, _| {
            c.audit_log(by, None, 5).map(|_| ())
        }),
        ("domain list", Role::Moderator, |c, by, _| {
            c.domain_blocks(by).map(|_| ())
        }),
        ("invites", Role::Admin, |c, by, _| {
            c.invite_views(by).map(|_| ())
        }),
        ("invite", Role::Admin, |c, by, _| {
            c.create_invite(by, Default::default()).map(|_| ())
        }),
        ("revoke", Role::Admin, |c, by, f| {
            let code = c.create_invite(f.ana, Default::default())?.code;
            c.revoke_invite(by, &code).map(|_| ())
        }),
        ("role", Role::Admin, |c, by, _| {
            c.set_role(by, "cy", Role::Moderator)?;
            c.set_role(by, "cy", Role::Camper).map(|_| ())
        }),
        ("coc set", Role::Admin, |c, by, _| {
            let v = c.coc_version()?;
            c.set_code_of_conduct(by, &format!("rules v{}", v + 1))
                .map(|_| ())
        }),
        ("announce", Role::Admin, |c, by, _| {
            c.announce(by, "hi")?;
            c.clear_announcement(by)
        }),
        ("domain block", Role::Admin, |c, by, _| {
            c.block_domain(by, "bad.example", Default::default())?;
            c.unblock_domain(by, "bad.example").map(|_| ())
        }),
        ("domain import", Role::Admin, |c, by, _| {
            c.import_domain_blocks(by, "x.example\n").map(|_| ())
        }),
        ("domain export", Role::Admin, |c, by, _| {
            c.export_domain_blocks(by).map(|_| ())
        }),
        ("subscriptions", Role::Admin, |c, by, _| {
            c.subscriptions(by).map(|_| ())
        }),
        ("allowlist", Role::Admin, |c, by, _| {
            c.set_domain_allowed(by, "ok.example", true)?;
            c.set_domain_allowed(by, "ok.example", false)?;
            c.set_allowlist_mode(by, false)
        }),
    ];
    for (name, needs, act) in actions {
        for role in [Role::Camper, Role::Moderator, Role::Admin] {
            let f = fixture();
            // `bo` plays each role; `cy` stays a camper to act on.
            if role != Role::Camper {
                f.camp.set_role(f.ana, "bo", role).unwrap();
            }
            let result = act(&f.camp, f.bo, &f);
            // A new code of conduct from `coc set` is accepted so the next check runs.
            f.camp.accept_code_of_conduct(f.bo).unwrap();
            if role >= needs {
                assert!(result.is_ok(), "{name} by {role:?}: {result:?}");
            } else {
                assert!(
                    matches!(result, Err(Error::Forbidden(_))),
                    "{name} by {role:?}: {result:?}"
                );
                let by_bo = f
                    .camp
                    .audit_log(f.ana, None, 500)
                    .unwrap()
                    .iter()
                    .filter(|v| v.entry.actor == Some(f.bo))
                    .count();
                assert_eq!(by_bo, 0, "{name} by {role:?} left a trace");
            }
        }
    }
}
