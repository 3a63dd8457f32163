//! The service side of the port: what the bridge records through `Camp` (remote actors,
//! a camper's follow of one), and what callers hear when no port is connected.

use crate::camp::testing::camp_with;
use crate::camp::{FEDERATION_OFF, parse_remote_handle};
use crate::model::*;

fn carol() -> RemoteActor {
    crate::camp::testing::remote_actor("carol", "peer.example", "Carol")
}

#[test]
fn without_a_port_callers_hear_that_federation_is_off() {
    let (camp, _) = camp_with(&["admin"]);
    assert!(camp.outside().is_none());
    let e = camp.require_outside().err().expect("no port");
    assert_eq!(e.to_string(), FEDERATION_OFF);
}

#[test]
fn a_remote_actor_is_remembered_with_a_shadow_named_by_its_handle() {
    let (camp, _) = camp_with(&["admin", "bo"]);
    let carol = camp.remember_remote_actor(carol()).unwrap();
    let shadow = camp.account(carol.shadow).unwrap().unwrap();
    assert_eq!(shadow.username, "carol@peer.example");
    assert!(shadow.is_remote());
    // A handle without a user@host shape could pass for a camper: refused.
    for (user, host) in [("bo", ""), ("", "peer.example"), ("a@b", "peer.example")] {
        let odd = RemoteActor {
            id: format!("https://peer.example/users/x{user}"),
            username: user.into(),
            host: host.into(),
            ..carol.clone()
        };
        assert!(camp.remember_remote_actor(odd).is_err(), "{user}@{host}");
    }
    assert_eq!(
        camp.account_by_name("bo").unwrap().unwrap().username,
        "bo",
        "the camper keeps their name"
    );
}

#[test]
fn a_follow_out_is_pending_refused_when_suspended_or_already_accepted() {
    let (camp, ids) = camp_with(&["admin", "bo"]);
    let (admin, bo) = (ids[0], ids[1]);
    let carol = camp.remember_remote_actor(carol()).unwrap();
    camp.remote_follow_asked(bo, &carol, "https://camp.test/users/bo/follows/1")
        .unwrap();
    let f = camp
        .store()
        .remote_following(bo, &carol.id)
        .unwrap()
        .unwrap();
    assert_eq!(f.state, FollowState::Pending);
    // Asking again while pending is allowed (the Follow is sent again).
    camp.remote_follow_asked(bo, &carol, "https://camp.test/users/bo/follows/2")
        .unwrap();
    assert!(camp.remote_follow_accepted(bo, &carol).unwrap());
    let again = camp.remote_follow_asked(bo, &carol, "https://camp.test/users/bo/follows/3");
    assert!(
        again.unwrap_err().to_string().contains("already follow"),
        "accepted follows are not asked again"
    );
    camp.act_on_account(
        admin,
        "carol@peer.example",
        crate::camp::AccountAction::Suspend(true),
        "spam",
    )
    .unwrap();
    let refused =
        camp.remote_follow_asked(admin, &carol, "https://camp.test/users/admin/follows/4");
    assert!(refused.unwrap_err().to_string().contains("suspended"));
}

#[test]
fn handles_are_user_at_host_and_nothing_else() {
    let h = parse_remote_handle("@Alice@Peer.Example:8443").unwrap();
    assert_eq!(
        (h.user.as_str(), h.host.as_str()),
        ("Alice", "peer.example:8443")
    );
    for bad in [
        "alice",
        "@alice",
        "a b@c",
        "alice@",
        "@x@y z",
        "al\u{1b}ice@peer.example",
    ] {
        assert!(parse_remote_handle(bad).is_none(), "{bad:?}");
    }
}
