//! Threads, replies, favourites, boosts, bookmarks, edit, delete and profiles in the TUI.

use super::*;
use crate::camp::{Mine, Profile, Reaction, Thread};
use crate::model::PostStats;
use crate::tui::pages::Page;

fn thread_of(root: PostView) -> Thread {
    let mut r1 = view(41, "bo", "Bo Chen", "I'm in! Bringing the rope.", 10_000);
    r1.post.reply_to = Some(root.post.id);
    r1.stats = PostStats {
        replies: 1,
        favourites: 2,
        boosts: 0,
    };
    let mut r11 = view(
        43,
        "cy",
        "",
        "@bo you said that last time 🙃 and forgot it at home",
        5_000,
    );
    r11.post.reply_to = Some(41);
    let mut r2 = view(42, "dee", "", "Count me out, exams.", 8_000);
    r2.post.reply_to = Some(root.post.id);
    let mut post = root;
    post.stats = PostStats {
        replies: 2,
        favourites: 3,
        boosts: 1,
    };
    post.mine = Mine {
        favourited: true,
        boosted: false,
        bookmarked: true,
    };
    Thread {
        ancestors: vec![],
        post,
        replies: vec![(1, r1), (2, r11), (1, r2)],
    }
}

/// The member model with the thread of the top post (40, by cy) open.
fn thread_model() -> Model {
    let mut m = member_model();
    let e = update(&mut m, key(Key::Enter));
    assert_eq!(e, vec![Effect::LoadThread(40)]);
    let root = (*m.camp.posts[0]).clone();
    update(
        &mut m,
        Msg::ThreadLoaded {
            id: 40,
            result: Ok(Arc::new(thread_of(root))),
        },
    );
    m
}

#[test]
fn enter_opens_the_thread_with_replies_indented_and_counts() {
    let mut m = thread_model();
    let s = screen(&mut m, 80, 24);
    assert!(s.contains(" Thread "), "{s}");
    assert!(s.contains("● @cy"), "the opened post is marked:\n{s}");
    assert!(s.contains("↩ 2  ★ 3  ⟳ 1  ⚑ saved"), "{s}");
    assert!(s.contains("│ Bo Chen @bo"), "replies are indented:\n{s}");
    assert!(s.contains("  │ @cy"), "deeper replies further:\n{s}");
    update(&mut m, key(Key::Esc));
    assert!(m.pages.is_empty(), "Esc goes back to the timeline");
}

#[test]
fn r_replies_with_the_parent_visibility_warning_and_mention() {
    let mut m = member_model();
    update(&mut m, ch('j')); // bo's post with a content warning
    update(&mut m, ch('r'));
    let c = m.composer.as_ref().expect("the composer opened");
    assert_eq!(c.title, "Reply to @bo");
    assert_eq!(c.cw.text(), "book spoilers");
    typed(&mut m, "no way!");
    let e = update(&mut m, ctrl('s'));
    assert_eq!(
        e,
        vec![Effect::SendPost(Draft {
            text: "@bo no way!".into(),
            cw: Some("book spoilers".into()),
            visibility: Visibility::Camp,
            reply_to: Some(30),
            poll: None,
        })]
    );
    // Replying from a thread answers the selected reply.
    let mut m = thread_model();
    update(&mut m, ch('j'));
    update(&mut m, ch('r'));
    assert_eq!(m.composer.as_ref().unwrap().reply_to, Some(41));
}

#[test]
fn f_b_and_bookmark_ask_the_service_and_counts_update_everywhere() {
    let mut m = thread_model();
    assert_eq!(
        update(&mut m, ch('f')),
        vec![Effect::React {
            post: 40,
            reaction: Reaction::Favourite
        }]
    );
    assert_eq!(
        update(&mut m, ch('B')),
        vec![Effect::React {
            post: 40,
            reaction: Reaction::Bookmark
        }]
    );
    // Someone else boosts: the shared event carries counts but no one's own marks.
    let mut changed = (*m.camp.posts[0]).clone();
    changed.stats = PostStats {
        replies: 2,
        favourites: 3,
        boosts: 2,
    };
    update(&mut m, Msg::PostChanged(Arc::new(changed.clone())));
    assert_eq!(m.camp.posts[0].stats.boosts, 2, "the timeline copy too");
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("★ 3  ⟳ 2  ⚑ saved"), "own marks kept:\n{s}");
    // The reader's own favourite comes back with their marks.
    changed.stats.favourites = 2;
    changed.mine = Mine::default();
    update(
        &mut m,
        Msg::Reacted {
            reaction: Reaction::Favourite,
            result: Ok(changed),
        },
    );
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("★ 2  ⟳ 2") && !s.contains("saved"), "{s}");
    assert!(s.contains("Favourite removed."), "{s}");
}

#[test]
fn edit_is_for_the_author_and_delete_asks_first() {
    let mut m = member_model();
    update(&mut m, ch('e'));
    assert!(m.composer.is_none(), "cy's post is not ana's");
    assert!(screen(&mut m, 80, 24).contains("only the author can edit"));
    update(&mut m, ch('d'));
    assert_eq!(m.confirm_delete, None);
    update(&mut m, ch('j'));
    update(&mut m, ch('j')); // ana's own post (id 20)
    // The test post's author id is id % 7; make it ana's.
    Arc::make_mut(&mut m.camp.posts[2]).post.author = 1;
    update(&mut m, ch('e'));
    let c = m.composer.as_ref().expect("editing");
    assert_eq!(c.editing, Some(20));
    assert!(c.body.text().starts_with("世界 wide camp test"));
    update(&mut m, key(Key::End));
    typed(&mut m, "!");
    let e = update(&mut m, ctrl('s'));
    assert!(
        matches!(&e[..], [Effect::EditPost { id: 20, draft }] if draft.text.ends_with("wrap.!"))
    );
    m.composer = None;
    update(&mut m, ch('d'));
    assert_eq!(m.confirm_delete, Some(20));
    assert!(screen(&mut m, 80, 24).contains("Delete this post? y = delete"));
    assert!(update(&mut m, ch('n')).is_empty(), "any other key keeps it");
    assert_eq!(m.confirm_delete, None);
    update(&mut m, ch('d'));
    assert_eq!(update(&mut m, ch('y')), vec![Effect::DeletePost(20)]);
    update(&mut m, Msg::Deleted(Ok(20)));
    assert!(m.camp.posts.iter().all(|p| p.post.id != 20));
    assert!(screen(&mut m, 80, 24).contains("Deleted."));
}

#[test]
fn a_live_reply_reloads_an_open_thread() {
    let mut m = thread_model();
    let mut reply = view(44, "bo", "", "late reply", 0);
    reply.post.reply_to = Some(42);
    let e = update(
        &mut m,
        Msg::Posted(Arc::new(NewPost {
            view: Arc::new(reply),
            on_camp: true,
            home_owners: vec![],
        })),
    );
    assert_eq!(e, vec![Effect::LoadThread(40)]);
}

fn profile() -> Profile {
    let mut post = view(40, "bo", "Bo Chen", "Rope is packed. #climbing", 60_000);
    post.stats.favourites = 1;
    Profile {
        author: Author {
            id: 2,
            username: "bo".into(),
            display_name: "Bo Chen".into(),
        },
        bio: "Climber, baker of questionable bread. Ask me about knots.".into(),
        joined_ms: NOW - 40 * 86_400_000,
        role: Role::Camper,
        posts: 12,
        followers: 3,
        following: 5,
        followed_by_me: true,
        follow_pending: false,
        follows_me: true,
        muted: None,
        blocked: false,
        is_me: false,
        recent: vec![post, view(35, "bo", "Bo Chen", "Morning!", 3_600_000)],
    }
}

fn profile_model() -> Model {
    let mut m = member_model();
    update(&mut m, ch('j'));
    assert_eq!(
        update(&mut m, ch('p')),
        vec![Effect::LoadProfile("bo".into())]
    );
    update(
        &mut m,
        Msg::ProfileLoaded {
            name: "bo".into(),
            result: Ok(Arc::new(profile())),
        },
    );
    m
}

#[test]
fn the_profile_shows_counts_and_changes_follow_mute_block() {
    let mut m = profile_model();
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("12 posts · 3 followers · 5 following"), "{s}");
    assert!(s.contains("you follow them · follows you"), "{s}");
    assert!(s.contains("Rope is packed."), "{s}");
    let rel = |action| {
        vec![Effect::Relation {
            name: "bo".into(),
            action,
        }]
    };
    assert_eq!(update(&mut m, ch('F')), rel(RelationAction::Unfollow));
    assert!(update(&mut m, ch('M')).is_empty(), "asks for how long");
    assert!(screen(&mut m, 80, 24).contains("Mute for: h an hour"));
    assert_eq!(
        update(&mut m, ch('d')),
        rel(RelationAction::Mute(Some(86_400)))
    );
    update(&mut m, ch('M'));
    assert_eq!(update(&mut m, ch('f')), rel(RelationAction::Mute(None)));
    assert!(update(&mut m, ch('X')).is_empty(), "a block asks first");
    assert!(screen(&mut m, 80, 24).contains("Block them?"));
    assert_eq!(update(&mut m, ch('y')), rel(RelationAction::Block));
    let e = update(&mut m, Msg::Done(Ok("Muted @bo.".into())));
    assert!(e.contains(&Effect::LoadProfile("bo".into())));
    assert!(screen(&mut m, 80, 24).contains("Muted @bo."));
    update(&mut m, ch('?'));
    let s = screen(&mut m, 80, 24);
    assert!(
        s.contains("follow / unfollow") && s.contains("block (asks first) / unblock"),
        "{s}"
    );
}

#[test]
fn bang_on_a_profile_reports_the_camper() {
    use crate::camp::ReportTarget;
    use crate::tui::moderation::ModRequest;
    let mut m = profile_model();
    assert!(
        screen(&mut m, 80, 24).contains("! report"),
        "the footer lists it"
    );
    assert!(update(&mut m, ch('!')).is_empty());
    let Some(Page::Report(r)) = m.pages.last() else {
        panic!("the Report page opened");
    };
    assert_eq!(r.target, ReportTarget::Account("bo".into()));
    assert!(screen(&mut m, 80, 24).contains("@bo (Bo Chen)"));
    for c in "spams everyone".chars() {
        update(&mut m, ch(c));
    }
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Moderate(ModRequest::Report {
            target: ReportTarget::Account("bo".into()),
            reason: "spams everyone".into()
        })]
    );
    update(&mut m, Msg::ModerationDone(Ok("Thanks.".into())));
    assert!(
        matches!(m.pages.last(), Some(Page::Profile(_))),
        "back on the profile"
    );
    update(&mut m, ch('?'));
    assert!(screen(&mut m, 80, 24).contains("report them to the moderators"));
}

#[test]
fn snapshot_report_account_80x24() {
    let mut m = profile_model();
    update(&mut m, ch('!'));
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn reporting_yourself_from_your_profile_says_no_and_opens_nothing() {
    let mut m = profile_model();
    let mut mine = profile();
    mine.is_me = true;
    update(
        &mut m,
        Msg::ProfileLoaded {
            name: "bo".into(),
            result: Ok(Arc::new(mine)),
        },
    );
    assert!(update(&mut m, ch('!')).is_empty());
    assert!(matches!(m.pages.last(), Some(Page::Profile(_))));
    assert!(screen(&mut m, 80, 24).contains("you cannot report yourself"));
}

#[test]
fn enter_on_a_notification_opens_its_thread() {
    use crate::model::NotificationKind::*;
    let mut m = member_model();
    update(&mut m, ch('n'));
    let item = crate::camp::NotificationView {
        notification: crate::model::Notification {
            id: 7,
            account: 1,
            kind: Reply,
            actor: Some(2),
            post: Some(40),
            text: None,
            created_ms: NOW,
        },
        actor: None,
        post: Some(view(40, "cy", "", "hi", 0)),
    };
    update(
        &mut m,
        Msg::NotificationsLoaded {
            before: None,
            result: Ok(vec![item]),
        },
    );
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::LoadThread(40)]
    );
    assert!(matches!(m.pages.last(), Some(Page::Thread(_))));
    update(&mut m, key(Key::Esc));
    assert!(update(&mut m, ch('p')).is_empty(), "no actor on this one");
}

#[test]
fn pages_survive_tiny_screens() {
    let mut composing = thread_model();
    update(&mut composing, ch('r'));
    for mut m in [
        thread_model(),
        profile_model(),
        search_model(),
        settings_model(),
        composing,
    ] {
        for (w, h) in [(1, 1), (10, 4), (12, 5), (40, 15), (300, 100)] {
            let _ = screen(&mut m, w, h);
        }
        update(&mut m, ch('?'));
        for (w, h) in [(1, 1), (10, 4), (12, 5), (40, 15)] {
            let _ = screen(&mut m, w, h);
        }
    }
}

#[test]
fn snapshot_thread_80x24() {
    let mut m = thread_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_thread_40x15() {
    let mut m = thread_model();
    update(&mut m, ch('j'));
    update(&mut m, ch('j'));
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn snapshot_profile_80x24() {
    let mut m = profile_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_profile_40x15() {
    let mut m = profile_model();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn a_reply_from_a_thread_shows_its_composer_over_the_thread() {
    let mut m = thread_model();
    update(&mut m, ch('r'));
    let s = screen(&mut m, 80, 24);
    assert!(
        s.contains("Reply to @cy") && s.contains("Ctrl-S send"),
        "{s}"
    );
}

fn search_model() -> Model {
    use crate::tui::lists::Row;
    let mut m = member_model();
    assert!(
        update(&mut m, ch('/')).is_empty(),
        "search waits for a query"
    );
    typed(&mut m, "climb q");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Search("climb q".into())],
        "q is typed, not quit"
    );
    let mut post = view(40, "cy", "", "Anyone up for the crag? #climbing", 20_000);
    post.stats.favourites = 1;
    update(
        &mut m,
        Msg::ListLoaded {
            kind: crate::tui::lists::ListKind::Search,
            result: Ok(vec![
                Row::Heading("Campers".into()),
                Row::Person(Author {
                    id: 2,
                    username: "climber_bo".into(),
                    display_name: "Bo Chen".into(),
                }),
                Row::Heading("Tags".into()),
                Row::Tag("climbing".into(), 4),
                Row::Heading("Posts".into()),
                Row::Post(Arc::new(post)),
            ]),
        },
    );
    m
}

#[test]
fn search_finds_people_tags_and_posts_and_enter_opens_them() {
    let mut m = search_model();
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("Search: climb q"), "{s}");
    assert!(
        s.contains("▌ Bo Chen @climber_bo"),
        "first result selected:\n{s}"
    );
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::LoadProfile("climber_bo".into())]
    );
    update(&mut m, key(Key::Esc));
    update(&mut m, ch('j'));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::LoadList(crate::tui::lists::ListKind::Tag(
            "climbing".into()
        ))]
    );
    update(&mut m, key(Key::Esc));
    update(&mut m, ch('j'));
    assert_eq!(
        update(&mut m, ch('f')),
        vec![Effect::React {
            post: 40,
            reaction: Reaction::Favourite
        }]
    );
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::LoadThread(40)]
    );
    update(&mut m, key(Key::Esc));
    update(&mut m, ch('/'));
    typed(&mut m, "x");
    assert!(screen(&mut m, 80, 24).contains("Search: climb qx"));
    update(&mut m, key(Key::Esc));
    assert!(m.pages.is_empty());
}

#[test]
fn bookmarks_and_direct_lists_load_on_open() {
    use crate::tui::lists::{ListKind, Row};
    let mut m = member_model();
    assert_eq!(
        update(&mut m, ch('m')),
        vec![Effect::LoadList(ListKind::Bookmarks)]
    );
    update(
        &mut m,
        Msg::ListLoaded {
            kind: ListKind::Bookmarks,
            result: Ok(vec![]),
        },
    );
    assert!(screen(&mut m, 80, 24).contains("No bookmarks yet."));
    update(&mut m, key(Key::Esc));
    assert_eq!(
        update(&mut m, ch('D')),
        vec![Effect::LoadList(ListKind::Direct)]
    );
    let mut last = view(60, "bo", "", "@ana see you at 8?", 30_000);
    last.post.visibility = Visibility::Direct;
    update(
        &mut m,
        Msg::ListLoaded {
            kind: ListKind::Direct,
            result: Ok(vec![Row::Conversation {
                with: vec![Author {
                    id: 2,
                    username: "bo".into(),
                    display_name: String::new(),
                }],
                posts: 3,
                last: Arc::new(last),
            }]),
        },
    );
    let s = screen(&mut m, 80, 24);
    assert!(
        s.contains("with @bo · 3 posts") && s.contains("see you at 8?"),
        "{s}"
    );
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::LoadThread(60)]
    );
}

#[test]
fn snapshot_search_80x24() {
    let mut m = search_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_search_40x15() {
    let mut m = search_model();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn always_expand_shows_warned_text_and_x_still_hides_it() {
    let mut m = member_model();
    m.apply_prefs(crate::model::Preferences {
        expand_cw: true,
        ..Default::default()
    });
    assert!(screen(&mut m, 80, 24).contains("The butler did it."));
    update(&mut m, ch('j'));
    update(&mut m, ch('x'));
    assert!(!screen(&mut m, 80, 24).contains("The butler did it."));
}

#[test]
fn themes_apply_within_the_terminals_colours() {
    use crate::tui::theme::{ColorDepth, Theme};
    let mut m = member_model();
    m.depth = ColorDepth::Mono;
    m.apply_prefs(crate::model::Preferences {
        theme: "light".into(),
        ..Default::default()
    });
    assert_eq!(m.theme, Theme::mono(), "NO_COLOR beats the chosen theme");
    m.depth = ColorDepth::True;
    m.apply_prefs(crate::model::Preferences {
        theme: "light".into(),
        ..Default::default()
    });
    assert_eq!(m.theme, Theme::named("light", ColorDepth::True));
    assert_ne!(m.theme, Theme::default());
}

#[test]
fn bell_and_desktop_alerts_are_opt_in_per_kind() {
    use crate::model::NotificationKind::*;
    let mut m = member_model();
    let n = |id, kind| {
        Msg::Notified(Arc::new(crate::camp::NotificationView {
            notification: crate::model::Notification {
                id,
                account: 1,
                kind,
                actor: Some(2),
                post: None,
                text: None,
                created_ms: NOW,
            },
            actor: Some(Author {
                id: 2,
                username: "bo".into(),
                display_name: String::new(),
            }),
            post: None,
        }))
    };
    update(&mut m, n(1, Mention));
    assert!(m.alerts.is_empty(), "off by default");
    m.apply_prefs(crate::model::Preferences {
        bell: true,
        desktop: true,
        ..Default::default()
    });
    update(&mut m, n(2, Favourite));
    assert!(
        m.alerts.is_empty(),
        "favourites are not in the default kinds"
    );
    update(&mut m, n(3, Mention));
    let sent = String::from_utf8(std::mem::take(&mut m.alerts)).unwrap();
    assert_eq!(
        sent,
        "\x07\x1b]9;@bo mentioned you\x07\x1b]777;notify;pinecamp;@bo mentioned you\x07"
    );
}

#[test]
fn new_since_you_left_marks_where_reading_stopped() {
    let mut m = member_model();
    m.camp.read_mark = Some(20);
    let s = screen(&mut m, 80, 24);
    let marker = s.find("── new since you left ──").expect("marker shown");
    assert!(marker > s.find("book spoilers").unwrap(), "{s}");
    assert!(marker < s.find("世界 wide").unwrap(), "{s}");
    assert_eq!(
        m.read_positions(),
        vec![(TimelineKind::Camp, 40)],
        "the newest loaded entry is saved on leaving"
    );
    m.camp.read_mark = Some(40);
    assert!(!screen(&mut m, 80, 24).contains("new since you left"));
}

fn settings_model() -> Model {
    use crate::tui::settings::SettingsData;
    let mut m = member_model();
    assert_eq!(update(&mut m, ch('s')), vec![Effect::LoadSettings]);
    let mut me = account(1, "ana");
    me.display_name = "Ana Lee".into();
    me.bio = "Climbs, cooks, answers slowly.".into();
    let key = |fp: &str, comment: &str| crate::model::AccountKey {
        fingerprint: fp.into(),
        account: 1,
        algorithm: "ssh-ed25519".into(),
        openssh: String::new(),
        comment: comment.into(),
        added_ms: NOW - 86_400_000,
    };
    update(
        &mut m,
        Msg::SettingsLoaded {
            flash: None,
            result: Ok(Arc::new(SettingsData {
                account: me,
                keys: vec![
                    key(
                        "SHA256:Xq3vL0c1mR5kT2pW8yZa4bN6dE9fG7hJ1iK3lM5nO0p",
                        "laptop",
                    ),
                    key(
                        "SHA256:aB4cD5eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX5yZ6a7b8",
                        "phone",
                    ),
                ],
                prefs: Default::default(),
                line_mode: false,
                presence: false,
                preview: Default::default(),
                links: true,
                link: Some(crate::model::LinkCode {
                    code: "abcd-efgh-jkmn".into(),
                    account: 1,
                    expires_ms: NOW + 600_000,
                }),
                muted: vec![Author {
                    id: 3,
                    username: "loud_larry".into(),
                    display_name: String::new(),
                }],
                blocked: vec![],
                filters: vec![],
            })),
        },
    );
    m
}

#[test]
fn settings_edit_the_profile_toggle_preferences_and_remove_keys() {
    use crate::tui::SettingsChange;
    let mut m = settings_model();
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("Display name") && s.contains("Ana Lee"), "{s}");
    assert!(s.contains("Code abcd-efgh-jkmn works once"), "{s}");
    assert!(s.contains("link abcd-efgh-jkmn"), "{s}");
    // Edit the display name: Enter, change, Enter saves (Esc only stops editing).
    update(&mut m, key(Key::Enter));
    update(&mut m, ctrl('u'));
    typed(&mut m, "Ana");
    update(&mut m, key(Key::Esc));
    assert!(!m.pages.is_empty(), "Esc stopped editing, the screen stays");
    update(&mut m, key(Key::Enter));
    update(&mut m, ctrl('u'));
    typed(&mut m, "Ana L. q");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Settings(SettingsChange::Profile {
            display_name: "Ana L. q".into(),
            bio: "Climbs, cooks, answers slowly.".into(),
        })]
    );
    update(&mut m, ch('j'));
    update(&mut m, ch('j'));
    let e = update(&mut m, key(Key::Enter));
    assert!(
        matches!(&e[..], [Effect::Settings(SettingsChange::Prefs(p))] if p.expand_cw),
        "{e:?}"
    );
    update(&mut m, ch('j'));
    let e = update(&mut m, ch(' '));
    assert!(
        matches!(&e[..], [Effect::Settings(SettingsChange::Prefs(p))] if p.theme == "light"),
        "{e:?}"
    );
    update(&mut m, ch('j'));
    assert!(screen(&mut m, 80, 24).contains("Screen-reader line mode at login"));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Settings(SettingsChange::LineMode(true))]
    );
    // The last row deletes the account, only with the name typed.
    update(&mut m, ch('G'));
    assert!(update(&mut m, key(Key::Enter)).is_empty());
    assert!(screen(&mut m, 80, 24).contains("Type your name (ana)"));
    typed(&mut m, "ana");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Settings(SettingsChange::DeleteAccount {
            confirm: "ana".into()
        })]
    );
    update(&mut m, ch('k'));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Relation {
            name: "loud_larry".into(),
            action: RelationAction::Unmute
        }]
    );
    update(&mut m, ch('k'));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Settings(SettingsChange::MakeLinkCode)]
    );
    update(&mut m, ch('k'));
    update(&mut m, ch('d'));
    assert!(screen(&mut m, 80, 24).contains("Remove key SHA256:aB4c"));
    assert_eq!(
        update(&mut m, ch('y')),
        vec![Effect::Settings(SettingsChange::RemoveKey(
            "SHA256:aB4cD5eF6gH7iJ8kL9mN0oP1qR2sT3uV4wX5yZ6a7b8".into()
        ))]
    );
}

#[test]
fn snapshot_settings_80x24() {
    let mut m = settings_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_settings_40x15() {
    let mut m = settings_model();
    update(&mut m, ch('G'));
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn help_lists_every_key_even_on_a_small_screen() {
    let mut m = member_model();
    update(&mut m, ch('?'));
    let keys = crate::tui::view::help_lines(&m);
    for (w, h) in [(80, 24), (40, 15)] {
        let s = screen(&mut m, w, h);
        for (k, _) in &keys {
            assert!(s.contains(k), "{k} missing at {w}x{h}:\n{s}");
        }
    }
}

#[test]
fn h_opens_the_earlier_versions_of_an_edited_post() {
    let mut m = member_model();
    update(&mut m, ch('h'));
    assert!(screen(&mut m, 80, 24).contains("never edited"));
    Arc::make_mut(&mut m.camp.posts[0]).post.edited_ms = Some(NOW);
    assert_eq!(
        update(&mut m, ch('h')),
        vec![Effect::LoadList(crate::tui::lists::ListKind::Versions(40))]
    );
}

#[test]
fn snapshot_help_40x15() {
    let mut m = member_model();
    update(&mut m, ch('?'));
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn the_composer_completes_mentions_from_camper_names() {
    let mut m = member_model();
    update(&mut m, ch('c'));
    typed(&mut m, "hi ");
    assert!(update(&mut m, ch('@')).is_empty(), "no name yet");
    assert_eq!(
        update(&mut m, ch('n')),
        vec![Effect::CompleteNames("n".into())]
    );
    assert_eq!(
        update(&mut m, ch('a')),
        vec![Effect::CompleteNames("na".into())]
    );
    // An answer for an older prefix is ignored.
    update(
        &mut m,
        Msg::Completions {
            prefix: "n".into(),
            names: vec!["ned".into()],
        },
    );
    assert!(m.composer.as_ref().unwrap().suggestions.is_empty());
    update(
        &mut m,
        Msg::Completions {
            prefix: "na".into(),
            names: vec!["nadia".into(), "nathan".into()],
        },
    );
    assert!(screen(&mut m, 80, 24).contains("Tab → @nadia @nathan"));
    update(&mut m, key(Key::Tab));
    let c = m.composer.as_ref().unwrap();
    assert_eq!(c.body.text(), "hi @nadia ");
    assert_eq!(
        c.focus,
        compose::Field::Body,
        "Tab completed instead of moving"
    );
    update(&mut m, key(Key::Tab));
    assert_eq!(m.composer.as_ref().unwrap().focus, compose::Field::Cw);
}

#[test]
fn mentions_and_tags_stand_out_in_post_text() {
    let theme = crate::tui::theme::Theme::default();
    let l = crate::tui::view::highlight("hi @bo, see #climbing! a@b # @".into(), &theme);
    let accent: Vec<&str> = l
        .spans
        .iter()
        .filter(|s| s.style == theme.accent)
        .map(|s| s.content.as_ref())
        .collect();
    assert_eq!(accent, vec!["@bo", "#climbing"]);
    let all: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
    assert_eq!(all, "hi @bo, see #climbing! a@b # @");
}

#[test]
fn a_resize_mid_reply_keeps_the_draft() {
    let mut m = thread_model();
    update(&mut m, ch('r'));
    typed(&mut m, "see you there");
    for (w, h) in [(80, 24), (40, 15), (12, 5), (120, 40)] {
        let _ = screen(&mut m, w, h);
    }
    let c = m.composer.as_ref().unwrap();
    assert_eq!(c.body.text(), "@cy see you there");
    assert!(screen(&mut m, 40, 15).contains("see you there"));
}

#[test]
fn snapshot_notifications_40x15() {
    use crate::model::NotificationKind::*;
    let mut m = member_model();
    update(&mut m, ch('n'));
    let mut fav = notification(
        8,
        Favourite,
        "bo",
        Some(view(
            20,
            "ana",
            "",
            "世界 wide camp test — CJK and emoji 👨‍👩‍👧",
            3_600_000,
        )),
    );
    fav.notification.created_ms = NOW - 60_000;
    let items = vec![
        fav,
        notification(
            7,
            Mention,
            "cy",
            Some(view(
                40,
                "cy",
                "",
                "hey @ana, climbing on Saturday?",
                60_000,
            )),
        ),
        notification(6, Direct, "bo", None),
        notification(5, Follow, "dee", None),
    ];
    update(
        &mut m,
        Msg::NotificationsLoaded {
            before: None,
            result: Ok(items),
        },
    );
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn the_page_stack_is_bounded() {
    let mut m = member_model();
    for i in 0..40 {
        crate::tui::pages::open(&mut m, Page::Thread(crate::tui::thread::ThreadPage::new(i)));
    }
    assert_eq!(m.pages.len(), crate::tui::pages::MAX_PAGES);
    assert!(
        matches!(m.pages.last(), Some(Page::Thread(t)) if t.id == 39),
        "the newest stays"
    );
}

#[test]
fn a_live_boost_shows_who_boosted_on_home() {
    let mut m = member_model();
    let mut boost = view(30, "bo", "Bo Chen", "The butler did it.", 3 * 60_000);
    boost.entry = 99;
    boost.boosted_by = Some(Author {
        id: 4,
        username: "dee".into(),
        display_name: String::new(),
    });
    boost.stats.boosts = 1;
    update(
        &mut m,
        Msg::Posted(Arc::new(NewPost {
            view: Arc::new(boost),
            on_camp: false,
            home_owners: vec![1],
        })),
    );
    update(&mut m, key(Key::Tab));
    let s = screen(&mut m, 80, 24);
    let by = s.find("⟳ @dee boosted").expect("boost line");
    assert!(by < s.find("Bo Chen @bo").unwrap(), "{s}");
    assert!(s.contains("⟳ 1"), "{s}");
    assert!(
        m.camp.posts.iter().all(|p| p.entry != 99),
        "a boost is for home only"
    );
}

#[test]
fn own_favourites_and_mentions_carry_colour() {
    let mut m = thread_model();
    let t = draw(&mut m, 80, 24);
    let buf = t.backend().buffer();
    let cells: Vec<(u16, u16)> = (0..24).flat_map(|y| (0..80).map(move |x| (x, y))).collect();
    let star = |fg: Color| {
        cells
            .iter()
            .any(|&(x, y)| buf[(x, y)].symbol() == "★" && buf[(x, y)].fg == fg)
    };
    assert!(
        star(Color::Cyan),
        "the reader's own favourite is in the accent colour"
    );
    assert!(star(Color::DarkGray), "others' counts are dim");
    // "@bo you said…" in cy's reply: the mention is in the accent colour.
    let at = cells
        .iter()
        .find(|&&(x, y)| {
            buf[(x, y)].symbol() == "@"
                && buf[(x + 1, y)].symbol() == "b"
                && buf[(x + 4, y)].symbol() == "y"
        })
        .copied()
        .expect("a mention on screen");
    assert_eq!(buf[at].fg, Color::Cyan);
}
