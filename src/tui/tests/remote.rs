//! Federation in the TUI: follow requests from other servers.

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
    update(&mut m, Msg::RequestsLoaded(Ok(Requests::Waiting(vec![]))));
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
fn the_main_help_lists_requests() {
    let mut m = member_model();
    update(&mut m, ch('?'));
    assert!(screen(&mut m, 80, 40).contains("follow requests from other servers"));
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

/// A member of a fresh camp, as a session identity.
fn session() -> (crate::camp::Camp, crate::tui::effects::Identity) {
    let camp = crate::camp::Camp::temporary().unwrap();
    let code = camp.admin_invite().unwrap().unwrap();
    let key = crate::camp::KeyInfo {
        fingerprint: "SHA256:k".into(),
        algorithm: "ssh-ed25519".into(),
        openssh: String::new(),
    };
    let ana = camp.join(&key, &code, "ana", true).unwrap().id;
    let who = crate::tui::effects::Identity {
        key,
        account: Some(ana),
    };
    (camp, who)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_effects_go_through_the_bridge_or_say_it_is_off() {
    use crate::tui::effects::run;
    let (camp, mut who) = session();
    let answer = Effect::AnswerRequest {
        handle: "alice@peer.example".into(),
        accept: true,
    };
    assert!(matches!(
        run(&camp, &mut who, Effect::LoadRequests).await,
        Some(Msg::RequestsLoaded(Ok(Requests::FederationOff)))
    ));
    match run(&camp, &mut who, answer.clone()).await {
        Some(Msg::RequestAnswered(Err(e))) => assert!(e.contains("federation is off"), "{e}"),
        other => panic!("{other:?}"),
    }
    camp.set_bridge(crate::federation::Bridge::new(
        camp.clone(),
        "http://camp.test",
    ));
    assert!(matches!(
        run(&camp, &mut who, Effect::LoadRequests).await,
        Some(Msg::RequestsLoaded(Ok(Requests::Waiting(rows)))) if rows.is_empty()
    ));
    // Nobody asked: the service refuses, and the TUI only says so.
    match run(&camp, &mut who, answer).await {
        Some(Msg::RequestAnswered(Err(e))) => {
            assert!(
                e.contains("no follow request from @alice@peer.example"),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
}
