//! The bridge behind camp's port ([`crate::camp::Outside`]), as the TUI's effect runner
//! meets it: without a port every remote effect says federation is off; with the real
//! bridge connected, requests are listed and answered through it. (These lived in the
//! TUI's tests while the TUI named the bridge; the TUI now knows only the port.)

use super::Bridge;
use crate::tui::requests::Requests;
use crate::tui::{Effect, Msg};

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
async fn remote_effects_go_through_the_bridge_or_say_federation_is_off() {
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
    let follow = Effect::FollowRemote("alice@peer.example".into());
    match run(&camp, &mut who, follow).await {
        Some(Msg::RemoteFollowed(Err(e))) => assert!(e.contains("federation is off"), "{e}"),
        other => panic!("{other:?}"),
    }
    match run(&camp, &mut who, answer.clone()).await {
        Some(Msg::RequestAnswered(Err(e))) => assert!(e.contains("federation is off"), "{e}"),
        other => panic!("{other:?}"),
    }
    camp.connect_outside(Bridge::new(camp.clone(), "http://camp.test"));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_from_outside_is_listed_answered_and_its_profile_opens() {
    use crate::model::RemoteActor;
    use crate::tui::effects::run;
    let (camp, mut who) = session();
    let ana = who.account.unwrap();
    camp.connect_outside(Bridge::new(camp.clone(), "https://camp.test"));
    let alice = camp
        .store()
        .upsert_remote_actor(RemoteActor {
            id: "https://peer.example/users/alice".into(),
            shadow: 0,
            inbox: "https://peer.example/users/alice/inbox".into(),
            shared_inbox: None,
            username: "alice".into(),
            host: "peer.example".into(),
            display_name: "Alice \u{1b}[2J".into(),
            key_id: "https://peer.example/users/alice#main-key".into(),
            public_key_pem: String::new(),
            fetched_ms: 0,
        })
        .unwrap();
    camp.remote_follow_requested(ana, &alice, "https://peer.example/f/1")
        .unwrap();
    match run(&camp, &mut who, Effect::LoadRequests).await {
        Some(Msg::RequestsLoaded(Ok(Requests::Waiting(rows)))) => {
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].handle, "alice@peer.example");
            assert!(!rows[0].name.contains('\u{1b}'), "{:?}", rows[0].name);
        }
        other => panic!("{other:?}"),
    }
    let answer = Effect::AnswerRequest {
        handle: "alice@peer.example".into(),
        accept: true,
    };
    match run(&camp, &mut who, answer.clone()).await {
        Some(Msg::RequestAnswered(Ok(msg))) => {
            assert!(msg.contains("Accepted @alice@peer.example"), "{msg}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        run(&camp, &mut who, Effect::LoadRequests).await,
        Some(Msg::RequestsLoaded(Ok(Requests::Waiting(rows)))) if rows.is_empty()
    ));
    assert!(matches!(
        run(&camp, &mut who, answer).await,
        Some(Msg::RequestAnswered(Err(_)))
    ));
    // The shadow account's profile loads like a camper's.
    match run(
        &camp,
        &mut who,
        Effect::LoadProfile("alice@peer.example".into()),
    )
    .await
    {
        Some(Msg::ProfileLoaded { result: Ok(p), .. }) => {
            assert_eq!(p.author.username, "alice@peer.example");
            assert!(!p.is_me);
        }
        other => panic!("{other:?}"),
    }
}
