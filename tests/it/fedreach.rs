//! Who a camper's post reaches outside (issue 9, "what the bridge still lacks"):
//! followers-only posts go to accepted remote followers alone, addressed to the
//! followers collection, and are served only to a signed fetch from a follower's
//! server; remote accounts a post names are looked up and delivered to. Against the
//! project's Fedify peer (`tests/peer`) and hand-rolled signing actors.

use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::federation::{Peer, alice_follows_ana, peer_dir};
use crate::fedkit::fed_camp;
use crate::remote_actor::HandRolled;
use crate::support::{Key, TestCamp, exec, post_id};

/// `remote` asks to follow `name`; the camper answers `accept` (or leaves it pending)
/// and, when accepted, `remote` has the Accept.
async fn asks_to_follow(
    camp: &TestCamp,
    http: SocketAddr,
    key: &Key,
    name: &str,
    remote: &HandRolled,
    accept: bool,
) {
    let target = format!("http://{http}/users/{name}");
    let follow = remote.activity("Follow", name, json!(target));
    assert_eq!(
        remote
            .post(&format!("http://{http}/users/{name}/inbox"), &follow)
            .await,
        202
    );
    if !accept {
        return;
    }
    let handle = format!("@{}@{}", remote.name, &remote.base["http://".len()..]);
    let out = exec(camp.addr, key, &format!("accept {handle}")).await;
    assert!(out.ok().contains("accepted"), "{out:?}");
    remote
        .wait_received("the Accept", |v| v["type"] == "Accept")
        .await;
}

/// True when `v` names the public collection anywhere in `to` or `cc` (any spelling).
fn names_public(v: &Value) -> bool {
    ["to", "cc"].iter().any(|f| {
        let s = v[*f].to_string();
        s.contains("#Public") || s.contains("as:Public") || s.contains("\"Public\"")
    })
}

fn content(v: &Value) -> String {
    v["object"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A followers-only post reaches the accepted followers (the Fedify peer and an
/// accepted hand-rolled actor) addressed to ana's followers collection alone; a
/// pending follower gets nothing (a later direct post to it arrives first, as the
/// sentinel); it is never in the outbox; a signed fetch from an accepted follower's
/// server gets it, and unsigned or non-follower fetches get 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_only_posts_reach_accepted_followers_and_no_one_else() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, http) = fed_camp().await;
    alice_follows_ana(&camp, &ana, &peer, http).await;
    let fay = HandRolled::start("fay").await;
    asks_to_follow(&camp, http, &ana, "ana", &fay, true).await;
    let hal = HandRolled::start("hal").await;
    asks_to_follow(&camp, http, &ana, "ana", &hal, false).await;

    let id = post_id(
        exec(
            camp.addr,
            &ana,
            "post --to followers 'for my followers only'",
        )
        .await
        .ok(),
    );
    let ana_actor = format!("http://{http}/users/ana");
    let followers = format!("{ana_actor}/followers");
    let got = peer
        .wait_log("the followers-only Create", |r| {
            r["kind"] == "inbox" && content(&r["activity"]).contains("for my followers only")
        })
        .await;
    for v in [&got["activity"], &got["activity"]["object"]] {
        assert_eq!(v["to"], json!([followers]), "{v}");
        assert!(!names_public(v), "a followers-only post named Public: {v}");
    }
    let at_fay = fay
        .wait_received("the followers-only Create", |v| {
            content(v).contains("for my followers only")
        })
        .await;
    assert!(!names_public(&at_fay), "{at_fay}");

    // The sentinel: a direct post to hal, the pending follower, arrives at hal's inbox
    // after the followers-only post would have.
    let hal_handle = format!("@hal@{}", &hal.base["http://".len()..]);
    exec(
        camp.addr,
        &ana,
        &format!("post --to direct 'just for you {hal_handle}'"),
    )
    .await
    .ok();
    let direct = hal
        .wait_received("the direct post", |v| content(v).contains("just for you"))
        .await;
    assert_eq!(direct["object"]["to"], json!([hal.actor()]), "{direct}");
    assert_eq!(direct["object"]["tag"][0]["type"], "Mention", "{direct}");
    let at_hal = hal.received.lock().expect("received").clone();
    assert!(
        !at_hal
            .iter()
            .any(|v| v.to_string().contains("for my followers only")),
        "a pending follower got a followers-only post: {at_hal:?}"
    );
    // Neither follower got the direct post.
    assert!(
        !fay.received
            .lock()
            .expect("received")
            .iter()
            .any(|v| v.to_string().contains("just for you")),
        "a direct post reached someone it does not name"
    );

    let client = reqwest::Client::new();
    let outbox = client
        .get(format!("http://{http}/users/ana/outbox"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("outbox")
        .text()
        .await
        .expect("outbox body");
    assert!(!outbox.contains("for my followers only"), "{outbox}");
    assert!(!outbox.contains("just for you"), "{outbox}");

    let note = format!("http://{http}/users/ana/posts/{id}");
    let unsigned = client
        .get(&note)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get");
    assert_eq!(unsigned.status(), 404, "an unsigned fetch got the post");
    let (status, _) = hal.get_signed(&note).await;
    assert_eq!(status, 404, "a pending follower's server got the post");
    let stranger = HandRolled::start("sid").await;
    let (status, _) = stranger.get_signed(&note).await;
    assert_eq!(status, 404, "a stranger's server got the post");
    let (status, body) = fay.get_signed(&note).await;
    assert_eq!(
        status, 200,
        "an accepted follower's server was refused: {body}"
    );
    let served: Value = serde_json::from_str(&body).expect("note json");
    assert_eq!(served["to"], json!([followers]), "{served}");
    assert!(!names_public(&served), "{served}");
    let (status, _) = fay.get_signed(&format!("{note}/activity")).await;
    assert_eq!(status, 200);
    // The direct post is served to no one, not even the account it names.
    let direct_id = direct["object"]["id"].as_str().expect("direct id");
    assert_eq!(hal.get_signed(direct_id).await.0, 404);

    // Once ana blocks fay, fay's server neither gets nor fetches followers-only posts.
    let fay_handle = format!("@fay@{}", &fay.base["http://".len()..]);
    let out = exec(camp.addr, &ana, &format!("block {fay_handle}")).await;
    assert_eq!(out.status, Some(0), "{out:?}");
    assert_eq!(fay.get_signed(&note).await.0, 404);
    camp.stop().await;
}

/// Waits until `command` (run as `key`) prints something containing `want`.
async fn wait_exec(camp: &TestCamp, key: &Key, command: &str, want: &str) -> String {
    let deadline = tokio::time::Instant::now() + crate::remote_actor::WAIT;
    loop {
        let out = exec(camp.addr, key, command).await;
        if out.stdout.contains(want) {
            return out.stdout;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "`{command}` never showed {want:?}: {out:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A public post naming `@alice@peer` (who follows nobody here) is looked up by
/// WebFinger and delivered to her with a Mention tag; a direct post to her goes to
/// her alone, to her alone; a camp-only post naming her never leaves. When alice
/// follows ana and answers ana's followers-only post directly, the answer lands in
/// its thread and ana is told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_mentions_are_delivered_and_replies_land_in_their_thread() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, http) = fed_camp().await;
    let alice = peer.handle();
    let alice_actor = peer.url("/users/alice");
    exec(
        camp.addr,
        &ana,
        &format!("post 'camp only, never out {alice}'"),
    )
    .await
    .ok();
    exec(
        camp.addr,
        &ana,
        &format!("post --to public 'hello there {alice}'"),
    )
    .await
    .ok();
    let got = peer
        .wait_log("the public mention", |r| {
            r["kind"] == "inbox" && content(&r["activity"]).contains("hello there")
        })
        .await;
    let object = &got["activity"]["object"];
    assert!(names_public(object), "{object}");
    assert!(object["cc"].to_string().contains(&alice_actor), "{object}");
    assert_eq!(object["tag"][0]["type"], "Mention", "{object}");
    assert_eq!(object["tag"][0]["href"], alice_actor.as_str(), "{object}");
    exec(
        camp.addr,
        &ana,
        &format!("post --to direct 'between us {alice}'"),
    )
    .await
    .ok();
    let direct = peer
        .wait_log("the direct post", |r| {
            r["kind"] == "inbox" && content(&r["activity"]).contains("between us")
        })
        .await;
    for v in [&direct["activity"], &direct["activity"]["object"]] {
        assert_eq!(v["to"], json!([alice_actor]), "{v}");
        assert!(!names_public(v), "{v}");
        assert!(!v["cc"].to_string().contains("followers"), "{v}");
    }
    assert!(
        !peer
            .log_records()
            .iter()
            .any(|r| r.to_string().contains("never out")),
        "a camp-only post left the camp"
    );

    alice_follows_ana(&camp, &ana, &peer, http).await;
    let question = post_id(
        exec(camp.addr, &ana, "post --to followers 'members question'")
            .await
            .ok(),
    );
    let note = format!("http://{http}/users/ana/posts/{question}");
    peer.wait_log("the followers-only question", |r| {
        r["kind"] == "inbox" && content(&r["activity"]).contains("members question")
    })
    .await;
    let ana_actor = format!("http://{http}/users/ana");
    peer.admin(
        "POST",
        &format!(
            "/admin/post?text=alice%20answers%20privately&visibility=direct&to={}&inReplyTo={}",
            crate::federation::urlencode(&ana_actor),
            crate::federation::urlencode(&note)
        ),
    )
    .await;
    let thread = wait_exec(
        &camp,
        &ana,
        &format!("show {question}"),
        "alice answers privately",
    )
    .await;
    assert!(thread.contains("members question"), "{thread}");
    wait_exec(&camp, &ana, "notifications", "replied to you").await;
    camp.stop().await;
}
