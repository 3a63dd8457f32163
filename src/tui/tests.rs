//! Pure `update` transitions and screen snapshots (ratatui `TestBackend` + insta).

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::*;
use crate::camp::{Author, CampInfo, NewPost, PostView};
use crate::model::{Account, Post, Role, Visibility};
use crate::tui::input::{Input, Key, KeyEvent, Mods};

/// A fixed clock so relative times are stable in snapshots.
const NOW: u64 = 1_795_680_000_000;

fn info() -> CampInfo {
    CampInfo {
        name: "pinecamp".into(),
        description: "Friends from the old climbing gym. Be nice, post pictures of dogs.".into(),
        max_post_chars: 500,
        ssh_hint: "camp.example".into(),
    }
}

fn account(id: u64, name: &str) -> Account {
    Account {
        id,
        username: name.into(),
        display_name: String::new(),
        bio: String::new(),
        role: Role::Camper,
        created_ms: NOW - 86_400_000,
        invited_by: None,
        invite_code: String::new(),
        coc_version: 1,
        suspended: false,
        silenced: false,
        sensitive: false,
    }
}

fn view(id: u64, author: &str, display: &str, text: &str, age_ms: u64) -> PostView {
    PostView {
        post: Post {
            id,
            author: id % 7,
            text: text.into(),
            cw: None,
            visibility: Visibility::Camp,
            reply_to: None,
            mentions: vec![],
            created_ms: NOW - age_ms,
            edited_ms: None,
        },
        author: Author {
            id: id % 7,
            username: author.into(),
            display_name: display.into(),
        },
        stats: Default::default(),
        mine: Default::default(),
        boosted_by: None,
        poll: None,
        entry: id,
        filtered: None,
    }
}

fn member_model() -> Model {
    let mut m = Model::new(info(), "Be kind.".into(), Some(account(1, "ana")));
    m.now_ms = NOW;
    let _ = m.init();
    let mut spoiler = view(30, "bo", "Bo Chen", "The butler did it.", 3 * 60_000);
    spoiler.post.cw = Some("book spoilers".into());
    let posts = vec![
        view(
            40,
            "cy",
            "",
            "Anyone up for the crag on Saturday? 🧗 Weather looks dry: 18°C and sunny.",
            20_000,
        ),
        spoiler,
        view(
            20,
            "ana",
            "Ana Lee",
            "世界 wide camp test — CJK and emoji 👨‍👩‍👧 must not break the layout, and a long URL https://example.com/a/very/long/path/that/keeps/going/and/going must wrap.",
            5 * 3_600_000,
        ),
        view(10, "dee", "", "first!", 3 * 86_400_000),
    ];
    update(
        &mut m,
        Msg::TimelineLoaded {
            kind: TimelineKind::Camp,
            before: None,
            result: Ok(posts),
        },
    );
    update(
        &mut m,
        Msg::TimelineLoaded {
            kind: TimelineKind::Home,
            before: None,
            result: Ok(vec![]),
        },
    );
    m
}

fn key(k: Key) -> Msg {
    Msg::Input(Input::Key(KeyEvent::plain(k)))
}

fn ch(c: char) -> Msg {
    key(Key::Char(c))
}

fn ctrl(c: char) -> Msg {
    Msg::Input(Input::Key(KeyEvent {
        key: Key::Char(c),
        mods: Mods {
            ctrl: true,
            ..Mods::default()
        },
    }))
}

fn typed(m: &mut Model, s: &str) {
    for c in s.chars() {
        update(m, ch(c));
    }
}

fn draw(m: &mut Model, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::render(f, m)).unwrap();
    t
}

fn screen(m: &mut Model, w: u16, h: u16) -> String {
    draw(m, w, h).backend().to_string()
}

// ---- update transitions ----

#[test]
fn members_start_on_the_camp_timeline_and_load_both() {
    let mut m = Model::new(info(), String::new(), Some(account(1, "ana")));
    let effects = m.init();
    assert_eq!(effects.len(), 2);
    assert!(effects.contains(&Effect::LoadTimeline {
        kind: TimelineKind::Home,
        before: None
    }));
    assert_eq!(m.tab, TimelineKind::Camp);
}

#[test]
fn moving_reaching_the_end_asks_for_older_posts_once() {
    let mut m = member_model();
    m.camp.at_end = false;
    let e = update(&mut m, ch('j'));
    assert_eq!(
        e,
        vec![Effect::LoadTimeline {
            kind: TimelineKind::Camp,
            before: Some(10)
        }]
    );
    assert!(
        update(&mut m, ch('j')).is_empty(),
        "no second request while loading"
    );
    assert_eq!(m.camp.selected, 2);
    update(&mut m, ch('G'));
    assert_eq!(m.camp.selected, 3);
    update(&mut m, ch('g'));
    assert_eq!(m.camp.selected, 0);
}

#[test]
fn a_live_post_appears_at_the_top_for_a_reader_at_the_top() {
    let mut m = member_model();
    let new = Arc::new(NewPost {
        view: Arc::new(view(50, "bo", "", "fresh", 0)),
        on_camp: true,
        home_owners: vec![1],
    });
    update(&mut m, Msg::Posted(new));
    assert_eq!(m.camp.posts[0].post.id, 50);
    assert_eq!(m.camp.unseen, 0);
    assert_eq!(m.home.posts.len(), 1, "ana is among the home owners");
}

#[test]
fn a_live_post_takes_its_place_by_entry_once() {
    let mut m = member_model();
    let posted = |id: u64| {
        Msg::Posted(Arc::new(NewPost {
            view: Arc::new(view(id, "bo", "", "late", 0)),
            on_camp: true,
            home_owners: vec![],
        }))
    };
    // A post whose entry is older than the newest (it reached this session late) goes
    // between its neighbours; one the timeline already holds is not shown twice.
    update(&mut m, posted(25));
    update(&mut m, posted(30));
    update(&mut m, posted(10));
    update(&mut m, posted(25));
    let order: Vec<u64> = m.camp.posts.iter().map(|p| p.entry).collect();
    assert_eq!(order, vec![40, 30, 25, 20, 10]);
}

#[test]
fn a_reader_scrolled_down_keeps_their_place_and_sees_a_marker() {
    let mut m = member_model();
    update(&mut m, ch('j'));
    update(&mut m, ch('j'));
    let _ = screen(&mut m, 80, 24);
    let reading = m.camp.selected_post().unwrap().post.id;
    let top_before = m.camp.posts[m.camp.top].post.id;
    let new = Arc::new(NewPost {
        view: Arc::new(view(50, "bo", "", "fresh", 0)),
        on_camp: true,
        home_owners: vec![],
    });
    update(&mut m, Msg::Posted(new));
    assert_eq!(m.camp.selected_post().unwrap().post.id, reading);
    assert_eq!(m.camp.posts[m.camp.top].post.id, top_before);
    assert!(m.home.posts.is_empty());
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("▲ 1 new post above"), "{s}");
    update(&mut m, ch('g'));
    assert_eq!(m.camp.unseen, 0);
    assert!(!screen(&mut m, 80, 24).contains("new post above"));
}

#[test]
fn content_warnings_open_and_close_with_x() {
    let mut m = member_model();
    update(&mut m, ch('j'));
    assert!(!screen(&mut m, 80, 24).contains("The butler did it."));
    update(&mut m, ch('x'));
    assert!(screen(&mut m, 80, 24).contains("The butler did it."));
    update(&mut m, ch('x'));
    assert!(!screen(&mut m, 80, 24).contains("The butler did it."));
}

#[test]
fn composing_sends_a_draft_and_keeps_it_when_refused() {
    let mut m = member_model();
    update(&mut m, ch('c'));
    typed(&mut m, "hello camp");
    update(&mut m, key(Key::Tab));
    typed(&mut m, "cw!");
    update(&mut m, key(Key::Tab));
    update(&mut m, key(Key::Right));
    let e = update(&mut m, ctrl('s'));
    assert_eq!(
        e,
        vec![Effect::SendPost(Draft {
            text: "hello camp".into(),
            cw: Some("cw!".into()),
            visibility: Visibility::Followers,
            reply_to: None,
            poll: None,
        })]
    );
    update(&mut m, Msg::PostSent(Err("the server said no".into())));
    let c = m.composer.as_ref().unwrap();
    assert_eq!(c.body.text(), "hello camp");
    assert_eq!(c.error.as_deref(), Some("the server said no"));
    update(
        &mut m,
        Msg::PostSent(Ok(view(60, "ana", "", "hello camp", 0))),
    );
    assert!(m.composer.is_none());
    assert!(m.flash.as_ref().unwrap().text.starts_with("Posted"));
}

#[test]
fn composer_refuses_empty_and_overlong_posts_locally() {
    let mut m = member_model();
    update(&mut m, ch('c'));
    assert!(update(&mut m, ctrl('s')).is_empty());
    assert_eq!(
        m.composer.as_ref().unwrap().error.as_deref(),
        Some("a post needs some text")
    );
    update(&mut m, Msg::Input(Input::Paste("é".repeat(501))));
    assert!(update(&mut m, ctrl('s')).is_empty());
    let err = m.composer.as_ref().unwrap().error.clone().unwrap();
    assert!(err.contains("500") && err.contains("501"), "{err}");
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("501/500"), "{s}");
}

#[test]
fn escape_with_a_draft_asks_before_discarding() {
    let mut m = member_model();
    update(&mut m, ch('c'));
    update(&mut m, key(Key::Esc));
    assert!(m.composer.is_none(), "an empty composer closes at once");
    update(&mut m, ch('c'));
    typed(&mut m, "keep me");
    update(&mut m, key(Key::Esc));
    assert!(m.composer.as_ref().unwrap().confirm_discard);
    update(&mut m, ch('n'));
    assert_eq!(m.composer.as_ref().unwrap().body.text(), "keep me");
    update(&mut m, key(Key::Esc));
    update(&mut m, ch('y'));
    assert!(m.composer.is_none());
}

#[test]
fn q_and_ctrl_c_quit_but_not_while_composing() {
    let mut m = member_model();
    update(&mut m, ch('c'));
    typed(&mut m, "q");
    assert!(!m.quit);
    update(&mut m, key(Key::Esc));
    update(&mut m, ch('y'));
    assert_eq!(update(&mut m, ch('q')), vec![Effect::Quit]);
    let mut m = member_model();
    assert_eq!(update(&mut m, ctrl('c')), vec![Effect::Quit]);
}

#[test]
fn onboarding_walks_through_code_name_and_coc() {
    let mut m = Model::new(info(), "Be kind.".into(), None);
    typed(&mut m, "abcd-efgh");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::CheckInvite("abcd-efgh".into())]
    );
    update(
        &mut m,
        Msg::InviteChecked(Err("that invite code is not valid here".into())),
    );
    assert!(screen(&mut m, 80, 24).contains("✗ that invite code is not valid here"));
    update(&mut m, key(Key::Enter));
    update(&mut m, Msg::InviteChecked(Ok(())));
    typed(&mut m, "Ana");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::CheckUsername("Ana".into())]
    );
    update(&mut m, Msg::UsernameChecked(Ok("ana".into())));
    assert!(screen(&mut m, 80, 24).contains("Be kind."));
    assert_eq!(
        update(&mut m, ch('a')),
        vec![Effect::Join {
            code: "abcd-efgh".into(),
            username: "ana".into()
        }]
    );
    let effects = update(&mut m, Msg::Joined(Ok(account(1, "ana"))));
    assert_eq!(m.screen, Screen::Main);
    assert_eq!(effects.len(), 2);
}

#[test]
fn a_name_taken_at_the_last_moment_goes_back_to_the_name() {
    let mut m = Model::new(info(), "Be kind.".into(), None);
    typed(&mut m, "code");
    update(&mut m, key(Key::Enter));
    update(&mut m, Msg::InviteChecked(Ok(())));
    typed(&mut m, "ana");
    update(&mut m, key(Key::Enter));
    update(&mut m, Msg::UsernameChecked(Ok("ana".into())));
    update(&mut m, ch('a'));
    update(
        &mut m,
        Msg::Joined(Err("the name 'ana' is taken; choose another".into())),
    );
    match &m.screen {
        Screen::Onboarding(o) => assert_eq!(o.step, onboarding::Step::Username),
        other => panic!("{other:?}"),
    }
}

#[test]
fn tiny_and_huge_screens_do_not_panic() {
    let mut m = member_model();
    update(&mut m, ch('c'));
    typed(&mut m, "draft survives resizes");
    for (w, h) in [(1, 1), (5, 3), (10, 4), (20, 6), (40, 15), (500, 200)] {
        let _ = screen(&mut m, w, h);
    }
    assert_eq!(
        m.composer.as_ref().unwrap().body.text(),
        "draft survives resizes"
    );
    let mut o = Model::new(info(), "x".repeat(5000), None);
    for (w, h) in [(1, 1), (12, 5), (40, 15), (500, 200)] {
        let _ = screen(&mut o, w, h);
    }
}

#[test]
fn the_selection_and_errors_carry_colour() {
    let mut m = member_model();
    let t = draw(&mut m, 80, 24);
    let buf = t.backend().buffer();
    assert_eq!(buf[(0, 1)].symbol(), "▌");
    assert_eq!(buf[(0, 1)].fg, Color::Cyan);
    let mut o = Model::new(info(), String::new(), None);
    update(&mut o, key(Key::Enter));
    update(&mut o, Msg::InviteChecked(Err("nope".into())));
    let t = draw(&mut o, 80, 24);
    let buf = t.backend().buffer();
    let red = (0..24)
        .any(|y| (0..80).any(|x| buf[(x, y)].symbol() == "✗" && buf[(x, y)].fg == Color::Red));
    assert!(red, "the refusal is shown in red");
}

#[test]
fn nothing_is_clipped_at_40_columns() {
    let mut m = member_model();
    let s = screen(&mut m, 40, 15);
    // Wrapping happens before ratatui could clip: every word of the first post shows.
    for word in
        "Anyone up for the crag on Saturday? 🧗 Weather looks dry: 18°C and sunny.".split(' ')
    {
        assert!(s.contains(word), "{word} missing in\n{s}");
    }
}

// ---- snapshots ----

#[test]
fn snapshot_timeline_80x24() {
    let mut m = member_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_timeline_40x15() {
    let mut m = member_model();
    update(&mut m, ch('j'));
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn snapshot_empty_home_80x24() {
    let mut m = member_model();
    update(&mut m, key(Key::Tab));
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

fn composing() -> Model {
    let mut m = member_model();
    update(&mut m, ch('c'));
    typed(&mut m, "Crag on Saturday?");
    update(&mut m, key(Key::Enter));
    typed(&mut m, "Bring the long rope 🧗");
    update(&mut m, key(Key::Tab));
    typed(&mut m, "logistics");
    m
}

#[test]
fn snapshot_composer_80x24() {
    let mut m = composing();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_composer_40x15() {
    let mut m = composing();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

fn onboarding_at(step: u8) -> Model {
    let mut m = Model::new(info(), crate::config::DEFAULT_COC.into(), None);
    if step >= 1 {
        typed(&mut m, "k7dx-m2pq-a9ce");
        update(&mut m, key(Key::Enter));
        update(&mut m, Msg::InviteChecked(Ok(())));
        typed(&mut m, "Bad Name!");
        update(&mut m, key(Key::Enter));
        update(
            &mut m,
            Msg::UsernameChecked(Err("names may use only a-z, 0-9 and _ (not a space)".into())),
        );
    }
    if step >= 2 {
        update(
            &mut m,
            Msg::Input(Input::Key(KeyEvent {
                key: Key::Char('u'),
                mods: Mods {
                    ctrl: true,
                    ..Mods::default()
                },
            })),
        );
        typed(&mut m, "ana");
        update(&mut m, key(Key::Enter));
        update(&mut m, Msg::UsernameChecked(Ok("ana".into())));
    }
    m
}

#[test]
fn snapshot_onboarding_invite_80x24() {
    let mut m = onboarding_at(0);
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_onboarding_name_error_80x24() {
    let mut m = onboarding_at(1);
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_onboarding_coc_80x24() {
    let mut m = onboarding_at(2);
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_onboarding_invite_40x15() {
    let mut m = onboarding_at(0);
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn snapshot_onboarding_coc_40x15() {
    let mut m = onboarding_at(2);
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn snapshot_help_80x24() {
    let mut m = member_model();
    update(&mut m, ch('?'));
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

pub(super) fn notification(
    id: u64,
    kind: crate::model::NotificationKind,
    actor: &str,
    post: Option<PostView>,
) -> crate::camp::NotificationView {
    crate::camp::NotificationView {
        notification: crate::model::Notification {
            id,
            account: 1,
            kind,
            actor: Some(9),
            post: post.as_ref().map(|p| p.post.id),
            text: None,
            created_ms: NOW - 90_000,
        },
        actor: Some(Author {
            id: 9,
            username: actor.into(),
            display_name: String::new(),
        }),
        post,
    }
}

#[test]
fn notifications_page_opens_loads_marks_read_and_goes_back() {
    use crate::model::NotificationKind::*;
    let mut m = member_model();
    update(
        &mut m,
        Msg::Notified(Arc::new(notification(5, Follow, "bo", None))),
    );
    assert_eq!(m.unread, 1);
    assert!(screen(&mut m, 80, 24).contains("● 1 @ana"));
    assert_eq!(
        update(&mut m, ch('n')),
        vec![Effect::LoadNotifications { before: None }]
    );
    let items = vec![
        notification(
            7,
            Mention,
            "cy",
            Some(view(40, "cy", "", "hey @ana, climbing?", 60_000)),
        ),
        notification(5, Follow, "bo", None),
    ];
    let effects = update(
        &mut m,
        Msg::NotificationsLoaded {
            before: None,
            result: Ok(items),
        },
    );
    assert_eq!(effects, vec![Effect::MarkNotificationsRead { up_to: 7 }]);
    assert_eq!(m.unread, 0);
    let s = screen(&mut m, 80, 24);
    assert!(
        s.contains("@cy mentioned you")
            && s.contains("hey @ana, climbing?")
            && s.contains("@bo followed you"),
        "{s}"
    );
    let live = update(
        &mut m,
        Msg::Notified(Arc::new(notification(9, Reply, "dee", None))),
    );
    assert_eq!(live, vec![Effect::MarkNotificationsRead { up_to: 9 }]);
    assert!(screen(&mut m, 80, 24).contains("@dee replied to you"));
    update(&mut m, key(Key::Esc));
    assert!(m.pages.is_empty());
    assert!(!m.quit);
}

#[test]
fn snapshot_notifications_80x24() {
    use crate::model::NotificationKind::*;
    let mut m = member_model();
    update(&mut m, ch('n'));
    let items = vec![
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
        notification(
            6,
            Reply,
            "bo",
            Some(view(41, "bo", "", "yes! bring the rope", 30_000)),
        ),
        notification(5, Follow, "dee", None),
    ];
    update(
        &mut m,
        Msg::NotificationsLoaded {
            before: None,
            result: Ok(items),
        },
    );
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

mod filters_lists;
mod guard;
mod links;
mod moderation;
mod notify;
mod poll_compose;
mod polls;
mod preview;
mod refilter;
mod remote;
mod render_regression;
mod small;
mod social;
