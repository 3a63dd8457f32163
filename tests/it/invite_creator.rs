//! An invite lapses with the camper who made it: once they are suspended or deleted it
//! lets nobody in, even an admin invite; invites made by nobody (the first admin's,
//! the offline CLI's) stay good.

use crate::support::{Key, TestCamp, exec};

/// A second admin `name`, invited by the first; returns its key.
async fn admin_named(camp: &TestCamp, name: &str) -> Key {
    let admin = camp.admin.as_ref().expect("with_admin");
    let code = exec(camp.addr, admin, "invite --role admin").await;
    let key = Key::generate();
    exec(
        camp.addr,
        &key,
        &format!("join {} {name} --agree", code.ok().trim()),
    )
    .await
    .ok();
    key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_from_a_suspended_or_deleted_admin_lets_nobody_in() {
    // The first admin joined with the camp's own invite, made by nobody: still good.
    let camp = TestCamp::with_admin().await;
    let admin = camp.admin.as_ref().expect("with_admin");
    let me = exec(camp.addr, admin, "whoami").await;
    assert!(me.ok().contains("admin"), "{me:?}");

    // A suspended admin's admin invite is refused, and works again once they are back.
    let boss = admin_named(&camp, "boss").await;
    let code = exec(camp.addr, &boss, "invite --role admin")
        .await
        .ok()
        .trim()
        .to_string();
    exec(camp.addr, admin, "suspend boss --reason rogue")
        .await
        .ok();
    let eve = Key::generate();
    let out = exec(camp.addr, &eve, &format!("join {code} eve --agree")).await;
    assert!(
        out.failed(1).contains("this invite is no longer valid"),
        "{out:?}"
    );
    let who = exec(camp.addr, &eve, "whoami").await;
    assert_ne!(who.status, Some(0), "eve got in: {who:?}");
    exec(camp.addr, admin, "unsuspend boss").await.ok();
    exec(camp.addr, &eve, &format!("join {code} eve --agree"))
        .await
        .ok();

    // A deleted admin's invite is refused for good.
    let cy = admin_named(&camp, "cy").await;
    let code = exec(camp.addr, &cy, "invite --role admin")
        .await
        .ok()
        .trim()
        .to_string();
    exec(camp.addr, &cy, "delete-account --confirm cy")
        .await
        .ok();
    let fay = Key::generate();
    let out = exec(camp.addr, &fay, &format!("join {code} fay --agree")).await;
    assert!(
        out.failed(1).contains("this invite is no longer valid"),
        "{out:?}"
    );

    camp.stop().await;
}
