//! Remote people as campers see them (issue 9): `followers` lists accepted remote
//! followers, and a favourite of a boosted copy names the original post, for its
//! author. Hand-rolled signing actors on loopback; no node.

use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::fedkit::fed_camp;
use crate::remote_actor::HandRolled;
use crate::support::{Key, TestCamp, exec, json_list};

/// `remote` asks to follow `name`; the camper accepts it when `accept`.
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
    let inbox = format!("http://{http}/users/{name}/inbox");
    assert_eq!(remote.post(&inbox, &follow).await, 202);
    if accept {
        let out = exec(camp.addr, key, &format!("accept {}", handle(remote))).await;
        assert!(out.ok().contains("accepted"), "{out:?}");
    }
}

fn handle(remote: &HandRolled) -> String {
    format!("@{}@{}", remote.name, &remote.base["http://".len()..])
}

/// An accepted remote follower is listed by `followers` (text and JSON) and counted
/// on the profile; a pending one is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_lists_accepted_remote_followers_only() {
    let fay = HandRolled::start("fay").await;
    let hal = HandRolled::start("hal").await;
    let (camp, ana, http) = fed_camp().await;
    asks_to_follow(&camp, http, &ana, "ana", &fay, true).await;
    asks_to_follow(&camp, http, &ana, "ana", &hal, false).await;
    let out = exec(camp.addr, &ana, "followers").await;
    let text = out.ok();
    assert!(text.contains(&handle(&fay)), "{text}");
    assert!(
        !text.contains("hal@"),
        "a pending follower was listed: {text}"
    );
    assert!(!text.contains("nobody follows you"), "{text}");
    let list = json_list(exec(camp.addr, &ana, "followers --json").await.ok());
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        list[0]["username"],
        handle(&fay).trim_start_matches('@'),
        "{list:?}"
    );
    let profile: Value =
        serde_json::from_str(exec(camp.addr, &ana, "profile ana --json").await.ok())
            .expect("profile json");
    assert_eq!(profile["followers"], 1, "{profile}");
    camp.stop().await;
}

/// carol (followed by ana) boosts dan's post; ana favourites the boosted copy and
/// the Like goes to dan, naming dan's post, not carol's Announce.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liking_a_boosted_copy_names_the_original() {
    let carol = HandRolled::start("carol").await;
    let dan = HandRolled::start("dan").await;
    let (camp, ana, http) = fed_camp().await;
    carol.accept_follow_of(camp.addr, &ana, http).await;
    let me = format!("http://{http}/users/ana");
    dan.serve("1", dan.note("1", "<p>dan speaks</p>"));
    let announce = carol.activity("Announce", "1", json!(dan.object("1")));
    assert_eq!(
        carol.post(&format!("http://{http}/inbox"), &announce).await,
        202
    );
    let home = json_list(
        exec(camp.addr, &ana, "timeline home --json --limit 50")
            .await
            .ok(),
    );
    let copy = home
        .iter()
        .find(|p| {
            p["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("boosted @dan@") && t.contains("dan speaks"))
        })
        .and_then(|p| p["id"].as_str())
        .unwrap_or_else(|| panic!("no boosted copy in {home:?}"))
        .to_string();
    let out = exec(camp.addr, &ana, &format!("fav {copy}")).await;
    assert_eq!(out.status, Some(0), "{out:?}");
    let like = dan.wait_received("the Like", |v| v["type"] == "Like").await;
    assert_eq!(like["object"], dan.object("1").as_str(), "{like}");
    assert_eq!(like["actor"], me.as_str(), "{like}");
    assert!(
        !carol
            .received
            .lock()
            .expect("received")
            .iter()
            .any(|v| v["type"] == "Like"),
        "the Like went to the booster"
    );
    camp.stop().await;
}

/// ana asks to follow carol, who has not answered: ana's profile of carol says so,
/// and asking again is refused with the reason and sends nothing (a later direct
/// post to carol arrives, and carol still has one Follow). Once carol accepts and
/// posts, her profile lists the post (it used to say "0 posts").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_follow_shows_and_is_not_sent_twice_and_remote_profiles_list_posts() {
    let carol = HandRolled::start("carol").await;
    let (camp, ana, http) = fed_camp().await;
    let carol_handle = handle(&carol);
    let out = exec(camp.addr, &ana, &format!("follow {carol_handle}")).await;
    assert!(out.ok().contains("pending"), "{out:?}");
    let me = format!("http://{http}/users/ana");
    let follow = carol
        .wait_received("the Follow", |v| {
            v["type"] == "Follow" && v["actor"] == me.as_str()
        })
        .await;
    let text = exec(camp.addr, &ana, &format!("profile {carol_handle}")).await;
    assert!(
        text.ok()
            .contains("follow requested; waiting for them to answer"),
        "{text:?}"
    );
    let profile: Value = serde_json::from_str(
        exec(camp.addr, &ana, &format!("profile {carol_handle} --json"))
            .await
            .ok(),
    )
    .expect("profile json");
    assert_eq!(profile["follow_pending"], true, "{profile}");
    for target in [carol_handle.clone(), carol.actor()] {
        let again = exec(camp.addr, &ana, &format!("follow {target}")).await;
        assert_ne!(again.status, Some(0), "{again:?}");
        assert!(
            again.stderr.contains("waiting for them to answer"),
            "{again:?}"
        );
    }
    exec(
        camp.addr,
        &ana,
        &format!("post --to direct 'sentinel for {carol_handle}'"),
    )
    .await
    .ok();
    carol
        .wait_received("the sentinel", |v| {
            v["object"]["content"]
                .as_str()
                .is_some_and(|c| c.contains("sentinel for"))
        })
        .await;
    let follows = carol
        .received
        .lock()
        .expect("received")
        .iter()
        .filter(|v| v["type"] == "Follow")
        .count();
    assert_eq!(follows, 1, "a second Follow was sent");

    let accept = carol.activity("Accept", "ana", follow);
    assert_eq!(
        carol
            .post(&format!("http://{http}/users/ana/inbox"), &accept)
            .await,
        202
    );
    let create = carol.activity("Create", "1", carol.note("1", "<p>carol has news</p>"));
    assert_eq!(
        carol.post(&format!("http://{http}/inbox"), &create).await,
        202
    );
    let text = exec(camp.addr, &ana, &format!("profile {carol_handle}")).await;
    let text = text.ok();
    assert!(text.contains("carol has news"), "{text}");
    assert!(text.contains("· 1 posts ·"), "{text}");
    assert!(!text.contains("waiting for them"), "{text}");
    camp.stop().await;
}

/// alice (the Fedify peer) posted before ana followed her: following reads her
/// outbox, and her profile here lists those posts (not ana's Home, which only gets
/// what arrives from now on).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_reads_the_outbox_and_the_profile_lists_recent_public_posts() {
    let Some(dir) = crate::federation::peer_dir() else {
        return;
    };
    let peer = crate::federation::Peer::start(dir).await;
    let (camp, ana, _http) = fed_camp().await;
    peer.admin("POST", "/admin/post?text=older%20news%20one")
        .await;
    peer.admin("POST", "/admin/post?text=older%20news%20two")
        .await;
    let alice = peer.handle();
    let out = exec(camp.addr, &ana, &format!("follow {alice}")).await;
    assert!(out.ok().contains("pending"), "{out:?}");
    let text = exec(camp.addr, &ana, &format!("profile {alice}")).await;
    let text = text.ok();
    assert!(text.contains("older news one"), "{text}");
    assert!(text.contains("older news two"), "{text}");
    assert!(text.contains("· 2 posts ·"), "{text}");
    assert!(
        text.find("older news two") < text.find("older news one"),
        "newest first: {text}"
    );
    let home = exec(camp.addr, &ana, "timeline home").await;
    assert!(!home.ok().contains("older news"), "{home:?}");
    camp.stop().await;
}
