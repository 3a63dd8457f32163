//! Test fixtures shared by the service's unit tests.

use crate::camp::{Camp, InviteOptions, KeyInfo};
use crate::model::Id;

/// A made-up verified key, distinct per `n`.
pub(crate) fn key(n: u8) -> KeyInfo {
    KeyInfo {
        fingerprint: format!("SHA256:fixture{n}"),
        algorithm: "ssh-ed25519".into(),
        openssh: String::new(),
    }
}

/// Joins `name` with a fresh invite made by `admin`, using fixture key `n`.
pub(crate) fn join(camp: &Camp, admin: Id, n: u8, name: &str) -> Id {
    let invite = camp.create_invite(admin, InviteOptions::default()).unwrap();
    camp.join(&key(n), &invite.code, name, true).unwrap().id
}

/// A throw-away camp whose first name joined as admin (with the bootstrap invite) and
/// the others as campers; returns their ids in the same order.
pub(crate) fn camp_with(names: &[&str]) -> (Camp, Vec<Id>) {
    let camp = Camp::temporary().unwrap();
    let code = camp.admin_invite().unwrap().unwrap();
    let admin = camp.join(&key(1), &code, names[0], true).unwrap().id;
    let invite = camp
        .create_invite(
            admin,
            InviteOptions {
                uses: 50,
                note: "test fixture".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let mut ids = vec![admin];
    for (i, name) in names.iter().enumerate().skip(1) {
        ids.push(
            camp.join(&key(i as u8 + 1), &invite.code, name, true)
                .unwrap()
                .id,
        );
    }
    (camp, ids)
}

/// A remote actor `user@host` as the bridge would store it (inbox, key id and no
/// shared inbox), named `display`; `upsert_remote_actor` gives it its shadow.
pub(crate) fn remote_actor(user: &str, host: &str, display: &str) -> crate::model::RemoteActor {
    let id = format!("https://{host}/users/{user}");
    crate::model::RemoteActor {
        inbox: format!("{id}/inbox"),
        key_id: format!("{id}#main-key"),
        id,
        shadow: 0,
        shared_inbox: None,
        username: user.into(),
        host: host.into(),
        display_name: display.into(),
        public_key_pem: String::new(),
        fetched_ms: 0,
    }
}

/// `follower` asked to follow the remote `actor`, and the actor accepted.
pub(crate) fn accepted_remote_follow(camp: &Camp, follower: Id, actor: &crate::model::RemoteActor) {
    let follow = crate::model::RemoteFollow {
        actor: actor.id.clone(),
        follow_id: format!("https://camp.test/users/{follower}/follows/1"),
        state: crate::model::FollowState::Pending,
        created_ms: 0,
    };
    camp.store()
        .put_remote_following(follower, &follow)
        .unwrap();
    assert!(camp.remote_follow_accepted(follower, actor).unwrap());
}
