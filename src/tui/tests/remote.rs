//! Federation in the TUI: follow requests from other servers, following accounts there.

use super::*;
use crate::tui::pages::Page;
use crate::tui::requests::{RequestRow, Requests};

fn requests() -> Vec<RequestRow> {
    vec![
        RequestRow::new("alice@peer.example", "Alice \u{1b}[31mRed", NOW - 3_600_000),
        RequestRow::new("bob@far.example", "", NOW - 60_000),
    ]
}

/// The member model with the Requests screen open and two requests loaded.
fn requests_model() -> Model {
    let mut m = member_model();
    assert_eq!(update(&mut m, ch('R')), vec![Effect::LoadRequests]);
    assert!(matches!(m.pages.last(), Some(Page::Requests(_))));
    update(
        &mut m,
        Msg::RequestsLoaded(Ok(Requests::Waiting(requests()))),
    );
    m
}

#[test]
fn request_rows_sanitize_names_from_other_servers() {
    let r = &requests()[0];
    assert!(!r.name.contains('\u{1b}'), "{:?}", r.name);
}

#[test]
fn requests_are_accepted_and_rejected_and_the_list_reloads() {
    let mut m = requests_model();
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("@alice@peer.example"), "{s}");
    assert!(s.contains("asked to follow you"), "{s}");
    assert_eq!(
        update(&mut m, ch('a')),
        vec![Effect::AnswerRequest {
            handle: "alice@peer.example".into(),
            accept: true
        }]
    );
    assert!(update(&mut m, ch('x')).is_empty(), "one answer at a time");
    let e = update(
        &mut m,
        Msg::RequestAnswered(Ok(
            "Accepted @alice@peer.example: they follow you now.".into()
        )),
    );
    assert_eq!(e, vec![Effect::LoadRequests]);
    assert!(screen(&mut m, 80, 24).contains("they follow you now"));
    update(
        &mut m,
        Msg::RequestsLoaded(Ok(Requests::Waiting(requests()[1..].to_vec()))),
    );
    assert_eq!(
        update(&mut m, ch('x')),
        vec![Effect::AnswerRequest {
            handle: "bob@far.example".into(),
            accept: false
        }]
    );
    let e = update(
        &mut m,
        Msg::RequestAnswered(Err("no follow request from @bob@far.example".into())),
    );
    assert_eq!(e, vec![Effect::LoadRequests]);
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("no follow request from @bob@far.example"), "{s}");
    assert_eq!(
        update(&mut m, ch('p')),
        vec![Effect::LoadProfile("bob@far.example".into())]
    );
    update(&mut m, key(Key::Esc));
    update(&mut m, Msg::RequestsLoaded(Ok(Requests::Waiting(vec![]))));
    assert!(update(&mut m, ch('p')).is_empty(), "nobody to show");
    assert!(update(&mut m, ch('a')).is_empty(), "nothing to answer");
    assert!(screen(&mut m, 80, 24).contains("No follow requests from other servers."));
    update(&mut m, ch('?'));
    let s = screen(&mut m, 80, 24);
    assert!(
        s.contains("accept: they follow you") && s.contains("reject the request"),
        "{s}"
    );
    update(&mut m, ch('?'));
    update(&mut m, key(Key::Esc));
    assert!(m.pages.is_empty());
}

#[test]
fn the_requests_screen_says_when_federation_is_off() {
    let mut m = member_model();
    update(&mut m, ch('R'));
    update(&mut m, Msg::RequestsLoaded(Ok(Requests::FederationOff)));
    assert!(update(&mut m, ch('a')).is_empty());
    assert!(screen(&mut m, 80, 24).contains("Federation is off on this camp"));
}

#[test]
fn a_live_follow_request_reloads_an_open_requests_screen() {
    let mut m = requests_model();
    let n = crate::camp::NotificationView {
        notification: crate::model::Notification {
            id: 9,
            account: 1,
            kind: crate::model::NotificationKind::FollowRequest,
            actor: Some(6),
            post: None,
            text: None,
            created_ms: NOW,
        },
        actor: None,
        post: None,
    };
    let e = update(&mut m, Msg::Notified(Arc::new(n)));
    assert!(e.contains(&Effect::LoadRequests), "{e:?}");
}

#[test]
fn the_main_help_lists_follow_and_requests_even_for_a_moderator_at_40x15() {
    let mut m = member_model();
    update(&mut m, ch('?'));
    assert!(screen(&mut m, 80, 40).contains("follow @user@host / requests"));
    // The longest main help: a moderator with a banner to dismiss.
    let mut m = member_model();
    if let Some(me) = m.me.as_mut() {
        me.role = crate::model::Role::Moderator;
    }
    m.announcement = Some((1, "Welcome!".into()));
    update(&mut m, ch('?'));
    let keys = crate::tui::view::help_lines(&m);
    let s = screen(&mut m, 40, 15);
    for (k, _) in &keys {
        assert!(s.contains(k), "{k} missing at 40x15:\n{s}");
    }
}

#[test]
fn the_requests_screen_survives_tiny_screens() {
    let mut m = requests_model();
    for (w, h) in [(1, 1), (10, 4), (12, 5), (40, 15), (300, 100)] {
        let _ = screen(&mut m, w, h);
    }
    update(&mut m, ch('?'));
    for (w, h) in [(1, 1), (10, 4), (40, 15)] {
        let _ = screen(&mut m, w, h);
    }
}

#[test]
fn snapshot_requests_80x24() {
    let mut m = requests_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_requests_40x15() {
    let mut m = requests_model();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn f_follows_an_account_elsewhere_and_flashes_the_outcome() {
    let mut m = member_model();
    assert!(update(&mut m, ch('F')).is_empty());
    assert!(matches!(m.pages.last(), Some(Page::Follow(_))));
    typed(&mut m, "@Alice@Peer.example");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::FollowRemote("Alice@peer.example".into())]
    );
    assert!(
        update(&mut m, key(Key::Enter)).is_empty(),
        "one request at a time"
    );
    assert!(screen(&mut m, 80, 24).contains("Asking their server…"));
    update(
        &mut m,
        Msg::RemoteFollowed(Ok(
            "Follow request sent to @alice@peer.example (pending until they accept).".into(),
        )),
    );
    assert!(m.pages.is_empty(), "the prompt closes");
    let s = screen(&mut m, 80, 24);
    assert!(
        s.contains("Follow request sent to @alice@peer.example"),
        "{s}"
    );
}

#[test]
fn a_refused_follow_stays_in_the_prompt_with_what_was_typed() {
    let mut m = member_model();
    update(&mut m, ch('F'));
    typed(&mut m, "x@gone.example");
    update(&mut m, key(Key::Enter));
    update(
        &mut m,
        Msg::RemoteFollowed(Err("that server is suspended here".into())),
    );
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("✗ that server is suspended here"), "{s}");
    assert!(s.contains("x@gone.example"), "{s}");
    typed(&mut m, "x");
    assert!(
        screen(&mut m, 80, 24).contains("x@gone.examplex"),
        "editable again"
    );
    update(&mut m, key(Key::Esc));
    assert!(m.pages.is_empty(), "Esc cancels");
    // A late answer to a prompt already left does not close a new one.
    update(&mut m, ch('F'));
    update(&mut m, Msg::RemoteFollowed(Err("too late".into())));
    assert!(matches!(m.pages.last(), Some(Page::Follow(p)) if p.error.is_none()));
    assert!(screen(&mut m, 80, 24).contains("too late"), "it is flashed");
}

#[test]
fn bad_follow_targets_are_explained_and_nothing_is_sent() {
    use crate::tui::follow::check_target;
    assert!(check_target("  ").unwrap_err().contains("like @user@host"));
    assert!(
        check_target("@bo")
            .unwrap_err()
            .contains("campers here are followed from their profile")
    );
    assert!(
        check_target("a b@c")
            .unwrap_err()
            .contains("is not a handle")
    );
    assert!(
        !check_target("a@\u{1b}[2Jc").unwrap_err().contains('\u{1b}'),
        "sanitized"
    );
    assert_eq!(check_target("@a@b.example").unwrap(), "a@b.example");
    assert_eq!(
        check_target("https://b.example/users/a").unwrap(),
        "https://b.example/users/a"
    );
    let mut m = member_model();
    update(&mut m, ch('F'));
    typed(&mut m, "bo");
    assert!(update(&mut m, key(Key::Enter)).is_empty());
    assert!(screen(&mut m, 80, 24).contains("@bo has no server"));
    assert!(matches!(m.pages.last(), Some(Page::Follow(_))));
    // q is a letter in the field, not "back".
    typed(&mut m, "q");
    assert!(matches!(m.pages.last(), Some(Page::Follow(_))));
}

#[test]
fn the_follow_prompt_survives_tiny_screens() {
    let mut m = member_model();
    update(&mut m, ch('F'));
    typed(
        &mut m,
        "someone.with.a.long.name@a.very.long.host.name.example",
    );
    update(&mut m, key(Key::Enter));
    update(
        &mut m,
        Msg::RemoteFollowed(Err("a long refusal ".repeat(10))),
    );
    for (w, h) in [(1, 1), (10, 4), (12, 5), (40, 15), (300, 100)] {
        let _ = screen(&mut m, w, h);
    }
}

#[test]
fn snapshot_follow_prompt_80x24() {
    let mut m = member_model();
    update(&mut m, ch('F'));
    typed(&mut m, "@alice@peer.example");
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_follow_prompt_40x15() {
    let mut m = member_model();
    update(&mut m, ch('F'));
    typed(&mut m, "@alice@peer.example");
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

/// The profile of alice@peer.example (a remote shadow account) open from a post of hers.
fn remote_profile_model(followed: bool) -> Model {
    remote_profile_model_with(followed, false)
}

/// The same, with a follow request of the reader's still waiting when `pending`.
fn remote_profile_model_with(followed: bool, pending: bool) -> Model {
    let mut m = member_model();
    let mut post = view(50, "alice@peer.example", "Alice", "hello from afar", 1_000);
    post.post.visibility = crate::model::Visibility::Public;
    update(
        &mut m,
        Msg::TimelineLoaded {
            kind: crate::camp::TimelineKind::Camp,
            before: None,
            result: Ok(vec![post.clone()]),
        },
    );
    assert_eq!(
        update(&mut m, ch('p')),
        vec![Effect::LoadProfile("alice@peer.example".into())]
    );
    let profile = crate::camp::Profile {
        author: post.author.clone(),
        bio: String::new(),
        joined_ms: NOW - 86_400_000,
        role: crate::model::Role::Camper,
        posts: 1,
        followers: 0,
        following: 0,
        followed_by_me: followed,
        follow_pending: pending,
        follows_me: false,
        muted: None,
        blocked: false,
        is_me: false,
        recent: vec![post],
    };
    update(
        &mut m,
        Msg::ProfileLoaded {
            name: "alice@peer.example".into(),
            result: Ok(Arc::new(profile)),
        },
    );
    m
}

#[test]
fn a_remote_profile_follows_and_unfollows_through_the_bridge() {
    let mut m = remote_profile_model(false);
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("@alice@peer.example"), "{s}");
    assert!(s.contains("on another server · first seen here"), "{s}");
    assert!(s.contains("F to ask to follow (they decide)"), "{s}");
    assert!(
        !s.contains("followers"),
        "local counts are not the whole story:\n{s}"
    );
    assert_eq!(
        update(&mut m, ch('F')),
        vec![Effect::FollowRemote("alice@peer.example".into())]
    );
    update(
        &mut m,
        Msg::RemoteFollowed(Ok(
            "Follow request sent to @alice@peer.example (pending until they accept).".into(),
        )),
    );
    assert!(
        matches!(m.pages.last(), Some(Page::Profile(_))),
        "the profile stays"
    );
    assert!(screen(&mut m, 80, 24).contains("Follow request sent to @alice@peer.example"));
    let mut m = remote_profile_model(true);
    assert_eq!(
        update(&mut m, ch('F')),
        vec![Effect::UnfollowRemote("alice@peer.example".into())]
    );
    // Mutes and blocks of remote accounts are the service's usual ones.
    update(&mut m, ch('M'));
    assert_eq!(
        update(&mut m, ch('f')),
        vec![Effect::Relation {
            name: "alice@peer.example".into(),
            action: RelationAction::Mute(None)
        }]
    );
}

#[test]
fn snapshot_remote_profile_80x24() {
    let mut m = remote_profile_model(false);
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn a_remote_profile_survives_tiny_screens() {
    let mut m = remote_profile_model(true);
    for (w, h) in [(1, 1), (10, 4), (40, 15)] {
        let _ = screen(&mut m, w, h);
    }
}

#[test]
fn only_effects_that_ask_other_servers_leave_the_session_loop() {
    use crate::tui::effects::waits_on_other_servers;
    assert!(waits_on_other_servers(&Effect::FollowRemote(
        "a@b.example".into()
    )));
    assert!(waits_on_other_servers(&Effect::UnfollowRemote(
        "a@b.example".into()
    )));
    // Answers are queued for delivery, and lists are local reads: they stay in order.
    assert!(!waits_on_other_servers(&Effect::LoadRequests));
    assert!(!waits_on_other_servers(&Effect::AnswerRequest {
        handle: "a@b.example".into(),
        accept: true
    }));
}

#[test]
fn a_pending_follow_shows_on_the_remote_profile_and_asking_again_says_why_not() {
    let mut m = remote_profile_model_with(false, true);
    let s = screen(&mut m, 80, 24);
    assert!(
        s.contains("follow requested; waiting for them to answer"),
        "{s}"
    );
    assert!(!s.contains("F to ask to follow"), "{s}");
    // The service decides (and refuses while pending); its reason is shown.
    assert_eq!(
        update(&mut m, ch('F')),
        vec![Effect::FollowRemote("alice@peer.example".into())]
    );
    update(
        &mut m,
        Msg::RemoteFollowed(Err(
            "you already asked to follow @alice@peer.example; waiting for them to answer".into(),
        )),
    );
    assert!(screen(&mut m, 80, 24).contains("you already asked to follow"));
}
