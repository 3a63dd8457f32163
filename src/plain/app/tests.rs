//! The line mode against a real (temporary) camp: onboarding, listings, reading,
//! replying, favouriting, verbs with printed numbers, and live events.

use super::*;
use crate::camp::testing::{camp_with, key};
use crate::camp::{InviteOptions, PostDraft};
use crate::plain::wire;
use crate::tui::input::{Input, KeyEvent};

fn typed(app: &mut App, text: &str) -> Vec<Feed> {
    text.chars()
        .map(|c| {
            let k = if c == '\r' {
                KeyEvent::plain(crate::tui::input::Key::Enter)
            } else if c == '\x7f' {
                KeyEvent::plain(crate::tui::input::Key::Backspace)
            } else {
                KeyEvent::plain(crate::tui::input::Key::Char(c))
            };
            app.feed(Input::Key(k))
        })
        .collect()
}

/// Sends a line through the editor, as typed, and returns the reply text.
fn say(app: &mut App, line: &str) -> Reply {
    let feeds = typed(app, &format!("{line}\r"));
    match feeds.last() {
        Some(Feed::Line(l)) => {
            let reply = app.line(l);
            assert!(wire::is_plain(&wire::encode(&reply.text)));
            reply
        }
        other => panic!("no line: {other:?}"),
    }
}

fn post(camp: &Camp, by: Id, text: &str, cw: Option<&str>) -> Id {
    camp.create_post(
        by,
        PostDraft {
            text: text.into(),
            cw: cw.map(String::from),
            ..Default::default()
        },
    )
    .unwrap()
    .post
    .id
}

fn member(camp: &Camp, id: Id, n: u8) -> App {
    App::new(camp.clone(), key(n), camp.account(id).unwrap())
}

#[test]
fn a_member_starts_on_home_with_numbered_posts() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    camp.follow(ids[0], "bo").unwrap();
    post(&camp, ids[1], "tea at five", None);
    post(&camp, ids[1], "the butler did it", Some("spoilers"));
    let mut app = member(&camp, ids[0], 1);
    let start = app.start();
    assert!(
        start.contains("@ana. Line mode: type help for commands."),
        "{start}"
    );
    assert!(start.contains("Home, 2 posts, newest first."), "{start}");
    assert!(
        start.contains("1. @bo, just now: CW: spoilers. Type 1 to read it."),
        "{start}"
    );
    assert!(start.contains("2. @bo, just now: tea at five"), "{start}");
    assert!(!start.contains("butler"), "{start}");
    assert!(start.ends_with("\n> "), "{start:?}");
    // Reading 1 shows the text behind the warning.
    let r = say(&mut app, "1");
    assert!(
        r.text.contains("CW: spoilers\nthe butler did it\n"),
        "{}",
        r.text
    );
    assert!(r.text.starts_with("\nThread: not a reply"), "{}", r.text);
}

#[test]
fn reply_favourite_and_boost_by_number_go_through_the_verbs() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let tea = post(&camp, ids[1], "tea at five", Some("drinks"));
    let mut app = member(&camp, ids[0], 1);
    app.start();
    let r = say(&mut app, "camp");
    assert!(r.text.contains("Camp, 1 post, newest first."), "{}", r.text);
    let r = say(&mut app, "r 1 I'll bring honey");
    assert!(r.text.contains("Replied to 1, @bo, as 2."), "{}", r.text);
    let t = camp.thread(ids[0], tea).unwrap();
    let (_, reply) = &t.replies[0];
    assert_eq!(reply.post.text, "@bo I'll bring honey");
    assert_eq!(
        reply.post.cw.as_deref(),
        Some("drinks"),
        "the warning carries over"
    );
    assert!(say(&mut app, "f 1").text.contains("Favourited 1."));
    assert!(say(&mut app, "b 1").text.contains("Boosted 1."));
    let v = camp.post(ids[0], tea).unwrap();
    assert!(v.mine.favourited && v.mine.boosted);
    // A verb takes a printed number where it wants a post id.
    let r = say(&mut app, "bookmark 1");
    assert!(r.text.contains(&format!("bookmarked {tea}")), "{}", r.text);
    // Refusals read as one line; a number not shown is said so.
    let r = say(&mut app, "f 7");
    assert!(r.text.contains("There is no item 7 here."), "{}", r.text);
    let r = say(&mut app, "follow nobody_here");
    assert!(!r.text.contains("camp: "), "{}", r.text);
    assert!(r.text.lines().count() >= 2, "{}", r.text);
}

#[test]
fn more_pages_on_with_the_numbers_and_new_starts_again() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    for i in 0..25 {
        post(&camp, ids[1], &format!("post {i}"), None);
    }
    let mut app = member(&camp, ids[0], 1);
    app.start();
    let r = say(&mut app, "camp");
    assert!(r.text.contains("Camp, 20 posts, newest first."));
    assert!(r.text.contains("1. @bo, just now: post 24"), "{}", r.text);
    let r = say(&mut app, "more");
    assert!(r.text.contains("Camp, 5 older posts."), "{}", r.text);
    assert!(r.text.contains("21. @bo, just now: post 4"), "{}", r.text);
    assert!(r.text.contains("25. @bo, just now: post 0"), "{}", r.text);
    assert!(say(&mut app, "more").text.contains("Camp: nothing older."));
    let r = say(&mut app, "new");
    assert!(r.text.contains("1. @bo, just now: post 24"), "{}", r.text);
}

#[test]
fn a_stranger_joins_with_plain_prompts() {
    let (camp, ids) = camp_with(&["ana"]);
    let code = camp
        .create_invite(ids[0], InviteOptions::default())
        .unwrap()
        .code;
    let mut app = App::new(camp.clone(), key(9), None);
    let start = app.start();
    assert!(start.contains("type the invite code"), "{start}");
    assert!(start.ends_with("Invite code: "), "{start:?}");
    let r = say(&mut app, "not-a-code");
    assert!(r.text.contains("not valid here."), "{}", r.text);
    assert!(r.text.ends_with("Invite code: "));
    let r = say(&mut app, &code);
    assert!(r.text.ends_with("Username: "), "{}", r.text);
    let r = say(&mut app, "ana");
    assert!(r.text.contains("taken"), "{}", r.text);
    let r = say(&mut app, "dee");
    assert!(r.text.contains("Code of conduct of"), "{}", r.text);
    assert!(r.text.ends_with("Accept, yes or no: "), "{}", r.text);
    let r = say(&mut app, "maybe");
    assert!(r.text.contains("Type yes or no."));
    let r = say(&mut app, "yes");
    assert!(r.text.contains("@dee!"), "{}", r.text);
    assert!(r.text.contains("Home, no posts yet."), "{}", r.text);
    assert!(r.text.ends_with("\n> "));
    assert_eq!(
        camp.account_for_key(&key(9).fingerprint)
            .unwrap()
            .unwrap()
            .username,
        "dee"
    );
    assert!(say(&mut app, "quit").quit);
}

#[test]
fn declining_the_code_of_conduct_leaves_without_an_account() {
    let (camp, ids) = camp_with(&["ana"]);
    let code = camp
        .create_invite(ids[0], InviteOptions::default())
        .unwrap()
        .code;
    let mut app = App::new(camp.clone(), key(9), None);
    app.start();
    say(&mut app, &code);
    say(&mut app, "dee");
    let r = say(&mut app, "no");
    assert!(r.quit);
    assert!(camp.account_for_key(&key(9).fingerprint).unwrap().is_none());
}

#[test]
fn a_live_post_prints_one_line_then_the_prompt_and_the_partial_input() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let mut events = camp.subscribe();
    let mut app = member(&camp, ids[0], 1);
    app.start();
    say(&mut app, "camp");
    typed(&mut app, "hel");
    post(&camp, ids[1], "fire is lit", None);
    let ev = loop {
        match events.try_recv().unwrap() {
            e @ CampEvent::Posted(_) => break e,
            _ => continue,
        }
    };
    assert!(app.wants(&ev));
    match app.live(&ev) {
        Live::Print(s) => assert_eq!(s, "\n1. @bo, just now: fire is lit\n> hel"),
        other => panic!("{other:?}"),
    }
    // The number works at once.
    typed(&mut app, "\x7f\x7f\x7f");
    let r = say(&mut app, "1");
    assert!(r.text.contains("fire is lit"), "{}", r.text);
}

#[test]
fn editing_keys_reprint_on_a_fresh_line_and_ctrl_d_leaves() {
    let (camp, ids) = camp_with(&["ana"]);
    let mut app = member(&camp, ids[0], 1);
    app.start();
    typed(&mut app, "abc");
    let r = app.feed(Input::Key(KeyEvent::ctrl('r')));
    assert_eq!(r, Feed::Send("\n> abc".into()));
    let r = app.feed(Input::Key(KeyEvent::ctrl('u')));
    assert_eq!(r, Feed::Send("\n> ".into()));
    assert_eq!(app.feed(Input::Key(KeyEvent::ctrl('d'))), Feed::Leave);
}

#[test]
fn help_and_commands_list_what_works() {
    let (camp, ids) = camp_with(&["ana"]);
    let mut app = member(&camp, ids[0], 1);
    app.start();
    assert!(say(&mut app, "help").text.contains("r NUMBER TEXT"));
    let r = say(&mut app, "commands");
    assert!(r.text.contains("plain | plain on|off"), "{}", r.text);
    let r = say(&mut app, "plain on");
    assert!(r.text.contains("now your default"), "{}", r.text);
    assert!(camp.line_mode(ids[0]).unwrap());
}

#[test]
fn notifications_are_numbered_and_a_number_reads_the_post_or_the_person() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let tea = post(&camp, ids[0], "tea at five", None);
    let mut app = member(&camp, ids[0], 1);
    let start = app.start();
    assert!(!start.contains("unread"), "{start}");
    camp.react(ids[1], tea, crate::camp::Reaction::Favourite, Some(true))
        .unwrap();
    camp.follow(ids[1], "ana").unwrap();
    assert_eq!(camp.unread_notifications(ids[0]).unwrap(), 2);
    let r = say(&mut app, "notifications");
    assert!(
        r.text
            .contains("Notifications, 2 notifications, newest first."),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("1. @bo followed you, just now"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("2. @bo favourited your post, just now: tea at five"),
        "{}",
        r.text
    );
    assert_eq!(camp.unread_notifications(ids[0]).unwrap(), 0, "read now");
    assert!(say(&mut app, "2").text.contains("1 favourite"));
    let r = say(&mut app, "1");
    assert!(r.text.contains("@bo"), "the profile: {}", r.text);
    assert!(
        say(&mut app, "f 1")
            .text
            .contains("Item 1 is @bo, not a post.")
    );
}

#[test]
fn a_live_notification_prints_one_line_once() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let tea = post(&camp, ids[0], "tea at five", None);
    let mut events = camp.subscribe();
    let mut app = member(&camp, ids[0], 1);
    app.start();
    camp.react(ids[1], tea, crate::camp::Reaction::Favourite, Some(true))
        .unwrap();
    let mut printed = Vec::new();
    while let Ok(ev) = events.try_recv() {
        if let Live::Print(s) = app.live(&ev) {
            printed.push(s);
        }
    }
    assert_eq!(
        printed,
        vec!["\n1. @bo favourited your post, just now: tea at five\n> ".to_string()]
    );
    // A muted camper's notifications stay quiet, live as in the list.
    camp.mute(ids[0], "bo", None).unwrap();
    camp.react(ids[1], tea, crate::camp::Reaction::Boost, Some(true))
        .unwrap();
    while let Ok(ev) = events.try_recv() {
        assert!(!matches!(app.live(&ev), Live::Print(_)), "{ev:?}");
    }
}

#[test]
fn a_changed_code_of_conduct_is_accepted_first() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    camp.set_code_of_conduct(ids[0], "Be kind. Share the tea.")
        .unwrap();
    let mut app = member(&camp, ids[1], 2);
    let start = app.start();
    assert!(start.contains("The code of conduct has changed"), "{start}");
    assert!(start.contains("Be kind. Share the tea."), "{start}");
    assert!(start.ends_with("Accept, yes or no: "), "{start:?}");
    let r = say(&mut app, "yes");
    assert!(r.text.contains("Thank you."), "{}", r.text);
    assert!(r.text.contains("Home, no posts yet."), "{}", r.text);
    assert!(
        !camp
            .coc_outdated(&camp.account(ids[1]).unwrap().unwrap())
            .unwrap()
    );
}

#[test]
fn a_suspension_ends_the_session_with_its_message() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let mut events = camp.subscribe();
    let mut app = member(&camp, ids[1], 2);
    app.start();
    camp.act_on_account(
        ids[0],
        "bo",
        crate::camp::AccountAction::Suspend(true),
        "spam",
    )
    .unwrap();
    let mut ended = None;
    while let Ok(ev) = events.try_recv() {
        if let Live::End(msg) = app.live(&ev) {
            ended = Some(msg);
        }
    }
    assert!(ended.is_some_and(|m| m.contains("suspended")));
}
