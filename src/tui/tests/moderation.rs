//! The Moderation screen, the Report page, code of conduct re-acceptance and the
//! announcement banner: transitions and 80×24 snapshots.

use super::*;
use crate::camp::{AccountAction, AccountView, AuditView, InviteView, ReportTarget, ReportView};
use crate::model::{
    AuditEntry, CodeOfConduct, DomainBlock, Invite, ModAction, Notification, NotificationKind,
    Report, Severity,
};
use crate::tui::moderation::{ModData, ModRequest, Tab};
use crate::tui::pages::Page;

fn moderator_model() -> Model {
    let mut m = member_model();
    if let Some(me) = &mut m.me {
        me.role = Role::Moderator;
    }
    m
}

fn author(id: u64, name: &str) -> Author {
    Author {
        id,
        username: name.into(),
        display_name: String::new(),
    }
}

fn reports() -> Vec<ReportView> {
    let r = |id, post: Option<u64>, reason: &str, age| Report {
        id,
        reporter: 4,
        account: 2,
        post,
        reason: reason.into(),
        created_ms: NOW - age,
        assigned_to: None,
        resolution: None,
    };
    vec![
        ReportView {
            report: r(
                900,
                Some(30),
                "Spoilers without a warning, on purpose.",
                120_000,
            ),
            reporter: author(4, "cy"),
            account: author(2, "bo"),
            post_text: Some("The butler did it. Also the gardener.".into()),
            parent_text: Some("Don't tell me how the book ends!".into()),
            assigned_to: Some(author(1, "ana")),
        },
        ReportView {
            report: r(
                800,
                None,
                "Keeps sending me direct posts after I asked them to stop.",
                7_200_000,
            ),
            reporter: author(5, "dee"),
            account: author(2, "bo"),
            post_text: None,
            parent_text: None,
            assigned_to: None,
        },
    ]
}

fn acct(id: u64, name: &str) -> Account {
    let mut a = account(id, name);
    a.invite_code = "abcd-efgh-jkmn".into();
    a
}

fn accounts() -> Vec<AccountView> {
    let mut bo = acct(2, "bo");
    bo.silenced = true;
    let mut eve = acct(6, "eve");
    eve.suspended = true;
    let mut mo = acct(3, "mo");
    mo.role = Role::Moderator;
    vec![
        AccountView {
            account: acct(1, "ana"),
            vouch_trail: vec![],
            invite_note: None,
        },
        AccountView {
            account: bo,
            vouch_trail: vec!["ana".into()],
            invite_note: Some("climbing gym".into()),
        },
        AccountView {
            account: mo,
            vouch_trail: vec!["ana".into()],
            invite_note: None,
        },
        AccountView {
            account: eve,
            vouch_trail: vec!["bo".into(), "ana".into()],
            invite_note: Some("bo's cousin".into()),
        },
    ]
}

fn opened(tab: Tab, data: ModData) -> Model {
    let mut m = moderator_model();
    m.now_ms = NOW;
    update(&mut m, ch('M'));
    let n = Tab::ALL.iter().position(|t| *t == tab).unwrap();
    if n > 0 {
        update(&mut m, ch(char::from(b'1' + n as u8)));
    }
    update(
        &mut m,
        Msg::ModerationLoaded {
            tab,
            result: Ok(data),
        },
    );
    m
}

fn page(m: &Model) -> &crate::tui::moderation::ModerationPage {
    match m.pages.last() {
        Some(Page::Moderation(p)) => p,
        other => panic!("not on the moderation screen: {other:?}"),
    }
}

#[test]
fn campers_have_no_moderation_screen() {
    let mut m = member_model();
    assert!(update(&mut m, ch('M')).is_empty());
    assert!(m.pages.is_empty());
    assert!(!view::help_lines(&m).iter().any(|(k, _)| *k == "M"));
    let mut m = moderator_model();
    let fx = update(&mut m, ch('M'));
    assert_eq!(
        fx,
        vec![Effect::LoadModeration {
            tab: Tab::Reports,
            query: String::new()
        }]
    );
    assert!(view::help_lines(&m).iter().any(|(k, _)| *k == "Esc"));
    update(&mut m, key(Key::Esc));
    assert!(view::help_lines(&m).iter().any(|(k, _)| *k == "M"));
}

#[test]
fn a_role_change_shows_at_once() {
    let mut m = member_model();
    let mut me = account(1, "ana");
    me.role = Role::Moderator;
    update(&mut m, Msg::AccountUpdated(me.clone()));
    assert_eq!(
        m.flash.as_ref().unwrap().text,
        "You are now moderator here."
    );
    assert!(!update(&mut m, ch('M')).is_empty());
    me.role = Role::Camper;
    update(&mut m, Msg::AccountUpdated(me));
    assert!(m.pages.is_empty(), "the moderation screen closed");
    assert!(update(&mut m, ch('M')).is_empty());
}

#[test]
fn timelines_reload_when_an_author_they_show_changes() {
    let mut m = member_model();
    assert!(
        update(&mut m, Msg::AuthorChanged(99)).is_empty(),
        "not shown: no reload"
    );
    let bo = m.camp.posts[1].author.id;
    assert_eq!(update(&mut m, Msg::AuthorChanged(bo)).len(), 2);
}

#[test]
fn tabs_switch_and_load() {
    let mut m = opened(Tab::Reports, ModData::Reports(reports()));
    let fx = update(&mut m, key(Key::Tab));
    assert_eq!(
        fx,
        vec![Effect::LoadModeration {
            tab: Tab::Accounts,
            query: String::new()
        }]
    );
    assert_eq!(page(&m).tab, Tab::Accounts);
    update(&mut m, ch('6'));
    assert_eq!(page(&m).tab, Tab::Audit);
    update(&mut m, key(Key::BackTab));
    assert_eq!(page(&m).tab, Tab::Coc);
    // A late answer for another tab is ignored.
    update(
        &mut m,
        Msg::ModerationLoaded {
            tab: Tab::Reports,
            result: Ok(ModData::Reports(reports())),
        },
    );
    assert!(page(&m).data.is_none());
}

#[test]
fn resolving_a_report_asks_for_a_note_and_who_is_told() {
    let mut m = opened(Tab::Reports, ModData::Reports(reports()));
    assert_eq!(
        update(&mut m, ch('a')),
        vec![Effect::Moderate(ModRequest::Assign(900))]
    );
    update(&mut m, ch('?'));
    assert!(m.help, "? shows the keys on the moderation screen");
    assert!(screen(&mut m, 80, 24).contains("a assign · d dismiss"));
    update(&mut m, ch('?'));
    assert!(update(&mut m, ch('l')).is_empty());
    assert!(page(&m).prompt.is_some());
    assert!(screen(&mut m, 80, 24).contains("Enter confirm · Esc cancel"));
    typed(&mut m, "second time, quiet please");
    update(&mut m, key(Key::Tab));
    assert_eq!(
        m.pages.len(),
        1,
        "q typed into the note did not close the page"
    );
    let fx = update(&mut m, key(Key::Enter));
    assert_eq!(
        fx,
        vec![Effect::Moderate(ModRequest::Resolve {
            report: 900,
            action: ModAction::Silence,
            note: "second time, quiet please".into(),
            tell: true,
        })]
    );
    let fx = update(
        &mut m,
        Msg::ModerationDone(Ok("Resolved (silence).".into())),
    );
    assert_eq!(
        fx,
        vec![Effect::LoadModeration {
            tab: Tab::Reports,
            query: String::new()
        }]
    );
    assert_eq!(m.flash.as_ref().unwrap().text, "Resolved (silence).");
    update(&mut m, ch('w'));
    typed(&mut m, "mind the spoilers");
    assert!(matches!(
        &update(&mut m, key(Key::Enter))[..],
        [Effect::Moderate(ModRequest::Resolve {
            action: ModAction::Warn,
            ..
        })]
    ));
    // The account report has no post: x does nothing; Esc closes a prompt, then the page.
    update(&mut m, ch('j'));
    assert!(update(&mut m, ch('x')).is_empty());
    assert!(page(&m).prompt.is_none());
    update(&mut m, ch('d'));
    update(&mut m, key(Key::Esc));
    assert!(page(&m).prompt.is_none());
    update(&mut m, key(Key::Esc));
    assert!(m.pages.is_empty());
    update(
        &mut m,
        Msg::ModerationDone(Err("only admins can do that here".into())),
    );
    assert!(m.flash.as_ref().unwrap().error);
}

#[test]
fn account_actions_toggle_and_search() {
    let mut m = opened(Tab::Accounts, ModData::Accounts(accounts()));
    update(&mut m, ch('j'));
    update(&mut m, ch('l'));
    typed(&mut m, "ok now");
    let fx = update(&mut m, key(Key::Enter));
    assert_eq!(
        fx,
        vec![Effect::Moderate(ModRequest::Account {
            name: "bo".into(),
            action: AccountAction::Silence(false),
            reason: "ok now".into(),
        })],
        "bo is silenced, so l undoes it"
    );
    update(&mut m, ch('G'));
    update(&mut m, ch('S'));
    let fx = update(&mut m, key(Key::Enter));
    assert!(matches!(
        &fx[0],
        Effect::Moderate(ModRequest::Account { name, action: AccountAction::Suspend(false), .. }) if name == "eve"
    ));
    update(&mut m, ch('/'));
    typed(&mut m, "bo");
    let fx = update(&mut m, key(Key::Enter));
    assert_eq!(
        fx,
        vec![Effect::LoadModeration {
            tab: Tab::Accounts,
            query: "bo".into()
        }]
    );
}

fn detail() -> ModData {
    let mut spoiler = view(30, "bo", "Bo Chen", "The butler did it.", 3 * 60_000).post;
    spoiler.cw = Some("book spoilers".into());
    ModData::Account(Box::new(crate::camp::AccountDetail {
        view: accounts().remove(1),
        recent: vec![
            spoiler,
            view(12, "bo", "", "Who is coming to the crag?", 86_400_000).post,
        ],
        open_reports: 2,
        keys: 1,
    }))
}

#[test]
fn enter_opens_an_account_and_esc_goes_back_to_the_list() {
    let mut m = opened(Tab::Accounts, ModData::Accounts(accounts()));
    update(&mut m, ch('j'));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::LoadAccountDetail("bo".into())]
    );
    update(
        &mut m,
        Msg::ModerationLoaded {
            tab: Tab::Accounts,
            result: Ok(ModData::Accounts(accounts())),
        },
    );
    assert!(page(&m).data.is_none(), "a late list answer is ignored");
    update(
        &mut m,
        Msg::ModerationLoaded {
            tab: Tab::Accounts,
            result: Ok(detail()),
        },
    );
    update(&mut m, ch('S'));
    typed(&mut m, "threats");
    assert!(matches!(
        &update(&mut m, key(Key::Enter))[..],
        [Effect::Moderate(ModRequest::Account { name, action: AccountAction::Suspend(true), .. })] if name == "bo"
    ));
    assert_eq!(
        update(&mut m, Msg::ModerationDone(Ok("Done".into()))),
        vec![Effect::LoadAccountDetail("bo".into())],
        "the open account reloads"
    );
    update(
        &mut m,
        Msg::ModerationLoaded {
            tab: Tab::Accounts,
            result: Ok(detail()),
        },
    );
    let fx = update(&mut m, key(Key::Esc));
    assert_eq!(
        fx,
        vec![Effect::LoadModeration {
            tab: Tab::Accounts,
            query: String::new()
        }]
    );
    assert_eq!(m.pages.len(), 1, "Esc left the account, not the screen");
}

#[test]
fn snapshot_moderation_account_detail_80x24() {
    let mut m = opened(Tab::Accounts, ModData::Accounts(accounts()));
    update(&mut m, ch('j'));
    update(&mut m, key(Key::Enter));
    update(
        &mut m,
        Msg::ModerationLoaded {
            tab: Tab::Accounts,
            result: Ok(detail()),
        },
    );
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn a_refused_tab_shows_why() {
    let mut m = moderator_model();
    update(&mut m, ch('M'));
    update(&mut m, ch('3'));
    update(
        &mut m,
        Msg::ModerationLoaded {
            tab: Tab::Invites,
            result: Err("only admins can do that here".into()),
        },
    );
    assert!(screen(&mut m, 80, 24).contains("only admins can do that here"));
}

#[test]
fn campers_report_a_post_with_a_reason() {
    let mut m = member_model();
    assert!(update(&mut m, ch('!')).is_empty());
    assert!(matches!(m.pages.last(), Some(Page::Report(_))));
    assert!(
        update(&mut m, key(Key::Enter)).is_empty(),
        "a reason is needed"
    );
    assert!(screen(&mut m, 80, 24).contains("say what is wrong"));
    typed(&mut m, "quite rude");
    let fx = update(&mut m, key(Key::Enter));
    assert_eq!(
        fx,
        vec![Effect::Moderate(ModRequest::Report {
            target: ReportTarget::Post(40),
            reason: "quite rude".into()
        })]
    );
    update(
        &mut m,
        Msg::ModerationDone(Ok("Thanks — your report went to the moderators.".into())),
    );
    assert!(m.pages.is_empty());
    assert!(screen(&mut m, 80, 24).contains("your report went to the moderators"));
}

fn coc_model() -> Model {
    let mut m = Model::new(
        info(),
        "Be kinder.\nNo spam, no ads.\nCredit photos.".into(),
        Some(account(1, "ana")),
    );
    m.now_ms = NOW;
    m.screen = Screen::CocUpdate(Default::default());
    m
}

#[test]
fn a_changed_code_of_conduct_is_accepted_or_declined() {
    let mut m = coc_model();
    assert!(m.init().is_empty(), "nothing loads before accepting");
    assert!(update(&mut m, ch('c')).is_empty(), "no composing");
    assert_eq!(update(&mut m, ch('a')), vec![Effect::AcceptCoc]);
    let mut me = account(1, "ana");
    me.coc_version = 2;
    let fx = update(&mut m, Msg::CocAccepted(Ok(me)));
    assert!(matches!(m.screen, Screen::Main));
    assert_eq!(fx.len(), 2, "timelines load: {fx:?}");
    let mut m = coc_model();
    assert_eq!(update(&mut m, ch('n')), vec![Effect::Quit]);
    assert!(m.quit);
    // Changed during a session: the next refusal brings the screen up.
    let mut m = member_model();
    let fx = update(
        &mut m,
        Msg::TimelineLoaded {
            kind: TimelineKind::Camp,
            before: None,
            result: Err(crate::Error::CocChanged.to_string()),
        },
    );
    assert!(matches!(m.screen, Screen::CocUpdate(_)));
    assert_eq!(fx, vec![Effect::LoadCoc]);
}

fn announcement(m: &mut Model) {
    let n = Notification {
        id: 77,
        account: 1,
        kind: NotificationKind::Announcement,
        actor: None,
        post: None,
        text: Some("Maintenance tonight at 21:00 — back within the hour.".into()),
        created_ms: NOW,
    };
    update(
        m,
        Msg::Notified(Arc::new(crate::camp::NotificationView {
            notification: n,
            actor: None,
            post: None,
        })),
    );
}

#[test]
fn the_banner_shows_at_once_and_is_dismissed() {
    let mut m = member_model();
    announcement(&mut m);
    assert!(screen(&mut m, 80, 24).contains("Maintenance tonight"));
    assert_eq!(
        update(&mut m, ch('a')),
        vec![Effect::DismissAnnouncement(77)]
    );
    assert!(!screen(&mut m, 80, 24).contains("Maintenance tonight"));
}

#[test]
fn moderation_screens_fit_small_windows() {
    for (tab, data) in all_tabs() {
        let mut m = opened(tab, data);
        for (w, h) in [(20, 5), (40, 15), (200, 60)] {
            let _ = screen(&mut m, w, h);
        }
    }
}

fn all_tabs() -> Vec<(Tab, ModData)> {
    vec![
        (Tab::Reports, ModData::Reports(reports())),
        (Tab::Accounts, ModData::Accounts(accounts())),
        (
            Tab::Invites,
            ModData::Invites(vec![
                InviteView {
                    link: None,
                    invite: Invite {
                        code: "pq7r-sx2t-uv3w".into(),
                        created_by: Some(1),
                        role: Role::Camper,
                        max_uses: 5,
                        used_by: vec![2, 3],
                        expires_ms: Some(NOW + 86_400_000),
                        created_ms: NOW - 3_600_000,
                        note: "climbing gym".into(),
                        revoked: false,
                    },
                    created_by: Some("ana".into()),
                    used_by: vec!["bo".into(), "mo".into()],
                },
                InviteView {
                    link: None,
                    invite: Invite {
                        code: "abcd-efgh-jkmn".into(),
                        created_by: None,
                        role: Role::Admin,
                        max_uses: 1,
                        used_by: vec![1],
                        expires_ms: None,
                        created_ms: NOW - 86_400_000,
                        note: "first admin".into(),
                        revoked: true,
                    },
                    created_by: None,
                    used_by: vec!["ana".into()],
                },
            ]),
        ),
        (
            Tab::Domains,
            ModData::Domains(vec![DomainBlock {
                domain: "spam.example".into(),
                severity: Severity::Suspend,
                reject_media: true,
                reject_reports: true,
                public_comment: "spam, harassment".into(),
                private_comment: String::new(),
                obfuscate: false,
                created_by: Some(1),
                source: Some("/etc/camp/blocklist.csv".into()),
                created_ms: NOW,
            }]),
        ),
        (
            Tab::Coc,
            ModData::Coc(CodeOfConduct {
                version: 3,
                text: crate::config::DEFAULT_COC.into(),
                updated_ms: NOW - 86_400_000,
            }),
        ),
        (
            Tab::Audit,
            ModData::Audit(vec![
                AuditView {
                    entry: AuditEntry {
                        id: 3,
                        actor: Some(1),
                        action: "silence".into(),
                        target: "@bo".into(),
                        reason: "report 900: second time".into(),
                        created_ms: NOW - 60_000,
                    },
                    actor: "@ana".into(),
                },
                AuditView {
                    entry: AuditEntry {
                        id: 2,
                        actor: None,
                        action: "flood".into(),
                        target: "@eve".into(),
                        reason: "hit the post rate limit 3 times in 10 minutes".into(),
                        created_ms: NOW - 600_000,
                    },
                    actor: "camp".into(),
                },
            ]),
        ),
    ]
}

#[test]
fn snapshot_moderation_tabs_80x24() {
    for (tab, data) in all_tabs() {
        let mut m = opened(tab, data);
        let name = format!(
            "moderation_{}_80x24",
            tab.title().replace(' ', "_").to_lowercase()
        );
        insta::assert_snapshot!(name, screen(&mut m, 80, 24));
    }
}

#[test]
fn snapshot_moderation_resolve_prompt_80x24() {
    let mut m = opened(Tab::Reports, ModData::Reports(reports()));
    update(&mut m, ch('S'));
    typed(&mut m, "threats in DMs");
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_report_page_80x24() {
    let mut m = member_model();
    update(&mut m, ch('!'));
    typed(&mut m, "spam link");
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_coc_update_80x24() {
    let mut m = coc_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_announcement_banner_80x24() {
    let mut m = member_model();
    announcement(&mut m);
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn admins_edit_the_code_of_conduct_and_manage_invites_and_domains() {
    let (_, coc) = all_tabs().remove(4);
    let mut m = opened(Tab::Coc, coc);
    update(&mut m, ch('e'));
    assert!(page(&m).coc_editor.is_some());
    update(&mut m, key(Key::End));
    update(&mut m, key(Key::Enter));
    typed(&mut m, "Quiet hours after ten.");
    assert_eq!(m.pages.len(), 1, "q in the text did not close the page");
    let fx = update(&mut m, ctrl('s'));
    match &fx[..] {
        [Effect::Moderate(ModRequest::SetCoc(t))] => {
            assert!(
                t.ends_with("the admin has the last word.\nQuiet hours after ten."),
                "{t}"
            )
        }
        other => panic!("{other:?}"),
    }
    let (_, invites) = all_tabs().remove(2);
    let mut m = opened(Tab::Invites, invites);
    update(&mut m, ch('n'));
    typed(&mut m, "my sister");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Moderate(ModRequest::Invite("my sister".into()))]
    );
    update(&mut m, ch('R'));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Moderate(ModRequest::Revoke(
            "pq7r-sx2t-uv3w".into()
        ))]
    );
    update(&mut m, ch('A'));
    typed(&mut m, "Welcome, spring campers!");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Moderate(ModRequest::Announce(
            "Welcome, spring campers!".into()
        ))]
    );
    let (_, domains) = all_tabs().remove(3);
    let mut m = opened(Tab::Domains, domains);
    update(&mut m, ch('b'));
    typed(&mut m, "loud.example");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Moderate(ModRequest::BlockDomain(
            "loud.example".into()
        ))]
    );
    update(&mut m, ch('u'));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Moderate(ModRequest::Unblock("spam.example".into()))]
    );
}
