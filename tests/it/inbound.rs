//! The inbox against hand-rolled remote servers that sign their own requests (issue
//! 8): addressing decides who sees a remote post, activity ids cannot be pre-claimed,
//! boosts of non-public posts are dropped, nothing raw reaches a terminal, and a
//! draft-cavage POST may carry its body hash as `Content-Digest`. Each test drives
//! the real entry point (signed POSTs to the inbox, `ssh camp ...` to look) and
//! failed on the code before the typed inbound layer. No node needed.
//!
//! An inbox POST is handled before it is answered, so what it changed is visible as
//! soon as the 202 is back: no waiting is needed after one.

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::time::{Instant, sleep};

use crate::remote_actor::{BodyHash, HandRolled, WAIT};
use crate::support::{Key, TestCamp, exec, json_list};

/// A camp with the bridge on (dev federation) and an admin.
async fn fed_camp() -> (TestCamp, SocketAddr) {
    let camp = TestCamp::with_admin_using(|c| {
        c.http_addr = Some("127.0.0.1:0".parse().expect("address"));
        c.federate = true;
        c.dev_federation = true;
    })
    .await;
    let http = camp.http_addr.expect("the bridge listens");
    (camp, http)
}

/// `name` (key `key`) follows `remote`, which accepts.
async fn follows(camp: &TestCamp, http: SocketAddr, key: &Key, name: &str, remote: &HandRolled) {
    let out = exec(camp.addr, key, &format!("follow {}", remote.actor())).await;
    assert!(out.ok().contains("pending"), "{out:?}");
    let me = format!("http://{http}/users/{name}");
    let follow = remote
        .wait_received("the Follow", |v| {
            v["type"] == "Follow" && v["actor"] == me.as_str()
        })
        .await;
    let accept = remote.activity("Accept", name, follow);
    let inbox = format!("http://{http}/users/{name}/inbox");
    assert_eq!(remote.post(&inbox, &accept).await, 202);
}

async fn home(camp: &TestCamp, key: &Key) -> Vec<Value> {
    json_list(
        exec(camp.addr, key, "timeline home --json --limit 50")
            .await
            .ok(),
    )
}

fn texts(posts: &[Value]) -> Vec<String> {
    posts
        .iter()
        .filter_map(|p| p["text"].as_str().map(str::to_string))
        .collect()
}

/// Hole 1: a Create addressed only to bo's actor reaches bo alone (a direct post,
/// notified), never cy, who follows the sender, nor anyone else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_addressed_to_one_camper_is_not_seen_by_the_senders_followers() {
    let carol = HandRolled::start("carol").await;
    let (camp, http) = fed_camp().await;
    let bo = camp.member("bo").await;
    let cy = camp.member("cy").await;
    follows(&camp, http, &cy, "cy", &carol).await;
    let inbox = format!("http://{http}/inbox");

    let mut private = carol.note("1", "<p>for bo only</p>");
    private["to"] = json!([format!("http://{http}/users/bo")]);
    private.as_object_mut().expect("object").remove("cc");
    let create = carol.activity("Create", "1", private);
    assert_eq!(carol.post(&inbox, &create).await, 202);
    // A public post after it: cy has it, so the private one was handled before.
    let public = carol.activity("Create", "2", carol.note("2", "<p>for everyone</p>"));
    assert_eq!(carol.post(&inbox, &public).await, 202);

    let cy_home = texts(&home(&camp, &cy).await);
    assert!(cy_home.contains(&"for everyone".to_string()), "{cy_home:?}");
    assert!(
        !cy_home.iter().any(|t| t.contains("for bo only")),
        "a post addressed to bo reached cy: {cy_home:?}"
    );
    let bo_home = home(&camp, &bo).await;
    let mine = bo_home
        .iter()
        .find(|p| p["text"] == "for bo only")
        .unwrap_or_else(|| panic!("bo did not get it: {bo_home:?}"));
    assert_eq!(mine["visibility"], "direct", "{mine}");
    assert!(
        !texts(&bo_home).contains(&"for everyone".to_string()),
        "bo follows nobody: {bo_home:?}"
    );
    let id = mine["id"].as_str().expect("id").to_string();
    let notes = exec(camp.addr, &bo, "notifications").await;
    assert!(notes.ok().contains("carol"), "{notes:?}");
    // Not by id either, for the follower or the admin.
    let admin = camp.admin.as_ref().expect("admin");
    for (who, key) in [("cy", &cy), ("admin", admin)] {
        let out = exec(camp.addr, key, &format!("show {id}")).await;
        assert!(!out.stdout.contains("for bo only"), "{out:?}");
        assert!(out.status != Some(0), "{who} opened it: {out:?}");
    }
    // The public post: anyone here may open it, though only followers get it in Home.
    let cy_posts = home(&camp, &cy).await;
    let public_id = cy_posts
        .iter()
        .find(|p| p["text"] == "for everyone")
        .and_then(|p| p["id"].as_str())
        .expect("public id")
        .to_string();
    let out = exec(camp.addr, admin, &format!("show {public_id}")).await;
    assert!(out.ok().contains("for everyone"), "{out:?}");

    // Followers-only, naming bo: cy (a follower) and bo (named) see it; nobody else.
    let mut followers = carol.note("3", "<p>followers and bo</p>");
    followers["to"] = json!(format!("{}/followers", carol.actor()));
    followers["cc"] = json!([format!("http://{http}/users/bo")]);
    let create = carol.activity("Create", "3", followers);
    assert_eq!(carol.post(&inbox, &create).await, 202);
    let cy_posts = home(&camp, &cy).await;
    let seen = cy_posts
        .iter()
        .find(|p| p["text"] == "followers and bo")
        .unwrap_or_else(|| panic!("a follower did not get it: {cy_posts:?}"));
    assert_eq!(seen["visibility"], "followers");
    let fid = seen["id"].as_str().expect("id").to_string();
    assert!(texts(&home(&camp, &bo).await).contains(&"followers and bo".to_string()));
    let out = exec(camp.addr, admin, &format!("show {fid}")).await;
    assert!(!out.stdout.contains("followers and bo"), "{out:?}");
    assert!(out.status != Some(0), "the admin opened it: {out:?}");
    camp.stop().await;
}

/// Hole 3: another server sends carol's predictable Delete id first; carol's real
/// Delete still deletes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pre_claimed_activity_id_does_not_stop_the_real_one() {
    let carol = HandRolled::start("carol").await;
    let mallory = HandRolled::start("mallory").await;
    let (camp, http) = fed_camp().await;
    let ana = camp.member("ana").await;
    follows(&camp, http, &ana, "ana", &carol).await;
    let inbox = format!("http://{http}/inbox");
    let note = carol.note("1", "<p>soon gone</p>");
    assert_eq!(
        carol
            .post(&inbox, &carol.activity("Create", "1", note.clone()))
            .await,
        202
    );
    assert!(texts(&home(&camp, &ana).await).contains(&"soon gone".to_string()));

    let delete = carol.activity(
        "Delete",
        "1",
        json!({"id": note["id"], "type": "Tombstone"}),
    );
    // mallory, signing as herself, claims carol's id first.
    let mut claim = delete.clone();
    claim["actor"] = json!(mallory.actor());
    assert_eq!(mallory.post(&inbox, &claim).await, 202);
    assert!(
        texts(&home(&camp, &ana).await).contains(&"soon gone".to_string()),
        "mallory deleted carol's post"
    );
    assert_eq!(carol.post(&inbox, &delete).await, 202);
    let left = texts(&home(&camp, &ana).await);
    assert!(
        !left.contains(&"soon gone".to_string()),
        "carol's Delete was taken for a duplicate: {left:?}"
    );
    camp.stop().await;
}

/// Hole 4: a boost of a post its origin serves as followers-only is dropped; a boost
/// of a public one arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_boost_of_a_post_its_origin_does_not_serve_as_public_is_dropped() {
    let carol = HandRolled::start("carol").await;
    let (camp, http) = fed_camp().await;
    let ana = camp.member("ana").await;
    follows(&camp, http, &ana, "ana", &carol).await;
    let inbox = format!("http://{http}/inbox");
    let mut private = carol.note("5", "<p>followers secret</p>");
    private["to"] = json!([format!("{}/followers", carol.actor())]);
    private.as_object_mut().expect("object").remove("cc");
    carol.serve("5", private);
    carol.serve("6", carol.note("6", "<p>shared widely</p>"));
    for n in ["5", "6"] {
        let announce = carol.activity("Announce", n, json!(carol.object(n)));
        assert_eq!(carol.post(&inbox, &announce).await, 202);
    }
    let got = texts(&home(&camp, &ana).await);
    assert!(
        got.iter()
            .any(|t| t.starts_with("boosted @carol@") && t.contains("shared widely")),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|t| t.contains("followers secret")),
        "a boost of a non-public post was believed: {got:?}"
    );
    camp.stop().await;
}

/// Hole 6: escape sequences and bidi overrides in an attachment URL, an attachment
/// description and a boosted author's id never reach `ssh camp timeline`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_escape_sequences_never_reach_the_timeline() {
    let carol = HandRolled::start("carol").await;
    let (camp, http) = fed_camp().await;
    let ana = camp.member("ana").await;
    follows(&camp, http, &ana, "ana", &carol).await;
    let inbox = format!("http://{http}/inbox");
    let osc = "\u{1b}]0;pwned\u{7}\u{1b}]52;c;Y2xpcA==\u{7}\u{202e}";
    let mut note = carol.note("1", "<p>look at this</p>");
    note["attachment"] = json!([
        {"type": "Document", "name": format!("a cat{osc}"), "url": format!("{}/cat.jpg", carol.base)},
        {"type": "Document", "name": "raw url", "url": format!("{}/x{osc}.jpg", carol.base)},
    ]);
    assert_eq!(
        carol
            .post(&inbox, &carol.activity("Create", "1", note))
            .await,
        202
    );
    // A boost of a public post whose author's id carries the same bytes.
    let mut boosted = carol.note("7", "<p>boost me</p>");
    boosted["attributedTo"] = json!(format!("{}/users/x{osc}", carol.base));
    carol.serve("7", boosted);
    let announce = carol.activity("Announce", "7", json!(carol.object("7")));
    assert_eq!(carol.post(&inbox, &announce).await, 202);
    // And a well-behaved boost after it, which must show.
    carol.serve("8", carol.note("8", "<p>plain boost</p>"));
    let announce = carol.activity("Announce", "8", json!(carol.object("8")));
    assert_eq!(carol.post(&inbox, &announce).await, 202);

    let out = exec(camp.addr, &ana, "timeline").await;
    let shown = out.ok();
    assert!(shown.contains("look at this"), "{shown}");
    assert!(shown.contains("[a cat]"), "{shown}");
    assert!(shown.contains("plain boost"), "{shown}");
    for bad in ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}'] {
        assert!(
            !shown.contains(bad),
            "{bad:?} reached the terminal: {shown:?}"
        );
    }
    assert!(
        !shown.contains("pwned") && !shown.contains("Y2xpcA"),
        "{shown:?}"
    );
    camp.stop().await;
}

/// A draft-cavage signed POST may carry its body hash as RFC 9530 `Content-Digest`:
/// accepted when signed and matching, refused otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draft_cavage_posts_may_carry_content_digest() {
    let carol = HandRolled::start("carol").await;
    let (camp, http) = fed_camp().await;
    let ana = camp.member("ana").await;
    let inbox = format!("http://{http}/users/ana/inbox");
    let follow = |n: &str| {
        carol
            .activity("Follow", n, json!(format!("http://{http}/users/ana")))
            .to_string()
    };
    for refused in [
        BodyHash::ContentDigestUnsigned,
        BodyHash::ContentDigestWrong,
    ] {
        assert_eq!(
            carol.post_hashed(&inbox, &follow("0"), refused).await,
            401,
            "{refused:?}"
        );
    }
    let requests = exec(camp.addr, &ana, "requests").await;
    assert!(requests.ok().contains("no follow requests"), "{requests:?}");
    assert_eq!(
        carol
            .post_hashed(&inbox, &follow("1"), BodyHash::ContentDigest)
            .await,
        202
    );
    let deadline = Instant::now() + WAIT;
    loop {
        let requests = exec(camp.addr, &ana, "requests").await;
        if requests.ok().contains("carol@") {
            break;
        }
        assert!(Instant::now() < deadline, "{requests:?}");
        sleep(std::time::Duration::from_millis(100)).await;
    }
    camp.stop().await;
}

/// A boost brings the boosted author's post in under the booster's name, so the
/// author's own standing must still count: a boost of a post by someone a camper
/// blocks or mutes stays out of that camper's Home, and once a moderator suspends
/// the author, boosts of their posts reach nobody. A camper who shuns nobody still
/// gets the boost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_boost_does_not_carry_a_suspended_blocked_or_muted_author_in() {
    let carol = HandRolled::start("carol").await;
    let dan = HandRolled::start("dan").await;
    let (camp, http) = fed_camp().await;
    let admin = camp.admin.as_ref().expect("admin");
    let (ana, bo, cy) = (
        camp.member("ana").await,
        camp.member("bo").await,
        camp.member("cy").await,
    );
    for (key, name) in [(&ana, "ana"), (&bo, "bo"), (&cy, "cy")] {
        follows(&camp, http, key, name, &carol).await;
    }
    // cy follows dan too (so camp knows him), and then mutes him; bo blocks him.
    follows(&camp, http, &cy, "cy", &dan).await;
    let dan_handle = format!("dan@{}", &dan.base["http://".len()..]);
    let out = exec(camp.addr, &cy, &format!("mute @{dan_handle}")).await;
    assert_eq!(out.status, Some(0), "{out:?}");
    let out = exec(camp.addr, &bo, &format!("block @{dan_handle}")).await;
    assert_eq!(out.status, Some(0), "{out:?}");

    let inbox = format!("http://{http}/inbox");
    dan.serve("1", dan.note("1", "<p>dan speaks</p>"));
    let announce = carol.activity("Announce", "1", json!(dan.object("1")));
    assert_eq!(carol.post(&inbox, &announce).await, 202);
    let boosted = |posts: Vec<Value>, what: &str| {
        texts(&posts)
            .iter()
            .any(|t| t.starts_with("boosted @dan@") && t.contains(what))
    };
    assert!(
        boosted(home(&camp, &ana).await, "dan speaks"),
        "ana shuns nobody and gets the boost"
    );
    assert!(
        !boosted(home(&camp, &bo).await, "dan speaks"),
        "a boost of a blocked author reached bo"
    );
    assert!(
        !boosted(home(&camp, &cy).await, "dan speaks"),
        "a boost of a muted author reached cy"
    );

    let out = exec(
        camp.addr,
        admin,
        &format!("suspend {dan_handle} --reason spam"),
    )
    .await;
    assert!(out.ok().contains("suspended"), "{out:?}");
    dan.serve("2", dan.note("2", "<p>dan again</p>"));
    let announce = carol.activity("Announce", "2", json!(dan.object("2")));
    assert_eq!(carol.post(&inbox, &announce).await, 202);
    for (key, name) in [(&ana, "ana"), (&bo, "bo"), (&cy, "cy")] {
        assert!(
            !boosted(home(&camp, key).await, "dan again"),
            "a boost of a suspended author reached {name}"
        );
    }
    // carol herself is not suspended: her own posts still arrive.
    let create = carol.activity("Create", "9", carol.note("9", "<p>carol still here</p>"));
    assert_eq!(carol.post(&inbox, &create).await, 202);
    assert!(texts(&home(&camp, &ana).await).contains(&"carol still here".to_string()));
    camp.stop().await;
}
