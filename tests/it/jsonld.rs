//! Strict JSON-LD: every document camp serves and every activity it sends expands
//! with a real processor, jsonld.js in safe mode (`tests/peer/jsonld-check.mjs`): no
//! protected term of the published contexts redefined (also when the document sits
//! inside someone else's activity), no term dropped or left undefined. The contexts
//! come from local copies shipped by npm packages; the checker refuses any other URL,
//! so nothing is fetched from the network.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

use crate::federation::{Peer, alice_follows_ana, peer_dir, urlencode, wait_home};
use crate::fedkit::fed_camp;
use crate::support::{exec, json_list, post_id};

/// Expands `docs` (a name and a document each) strictly: per document, None when a
/// strict processor accepts it, else every reason it refuses it.
async fn strict_check(dir: &Path, docs: &[(String, Value)]) -> Vec<Option<String>> {
    let input: Vec<Value> = docs
        .iter()
        .map(|(url, document)| json!({"url": url, "document": document}))
        .collect();
    let mut child = tokio::process::Command::new("node")
        .arg("jsonld-check.mjs")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node jsonld-check.mjs");
    let mut stdin = child.stdin.take().expect("the checker's stdin");
    stdin
        .write_all(&serde_json::to_vec(&input).expect("documents as JSON"))
        .await
        .expect("feed the checker");
    drop(stdin);
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the JSON-LD checker finished in time")
        .expect("the JSON-LD checker ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let results: Vec<Option<String>> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r.get("ok").is_some())
        .map(|r| (r["ok"] != true).then(|| r["error"].to_string()))
        .collect();
    assert_eq!(
        results.len(),
        docs.len(),
        "the checker did not answer for every document: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.success(),
        results.iter().all(Option::is_none),
        "{stdout}"
    );
    results
}

/// Panics naming every document of `docs` that a strict processor refuses, and why.
async fn assert_strict(dir: &Path, docs: &[(String, Value)]) {
    let refused: Vec<String> = strict_check(dir, docs)
        .await
        .into_iter()
        .zip(docs)
        .filter_map(|(r, (url, _))| r.map(|why| format!("{url}: {why}")))
        .collect();
    assert!(
        refused.is_empty(),
        "strict JSON-LD processing refused:\n{}",
        refused.join("\n")
    );
}

/// The checker itself is strict: it refuses a redefined protected term, a term no
/// context defines and a context it would have to fetch, and accepts a plain note.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checker_refuses_what_strict_processors_refuse() {
    let Some(dir) = crate::node_peer::installed("jsonld") else {
        return;
    };
    let as2 = "https://www.w3.org/ns/activitystreams";
    let doc = |context: Value, extra: Value| {
        let mut d = json!({
            "@context": context,
            "id": "https://camp.test/users/ana/posts/1",
            "type": "Note",
            "content": "hi",
        });
        d.as_object_mut()
            .expect("an object")
            .extend(extra.as_object().expect("an object").clone());
        d
    };
    let docs = [
        ("plain", doc(json!(as2), json!({}))),
        (
            "redefines assertionMethod",
            doc(
                json!([as2, {"assertionMethod": {"@id": "https://w3id.org/security#assertionMethod", "@type": "@id"}}]),
                json!({"assertionMethod": "https://camp.test/users/ana#k"}),
            ),
        ),
        ("undefined term", doc(json!(as2), json!({"sensitive": true}))),
        (
            "remote context",
            doc(json!([as2, "https://camp.test/ns"]), json!({})),
        ),
    ]
    .map(|(n, d)| (n.to_string(), d));
    let results = strict_check(dir, &docs).await;
    assert_eq!(results[0], None);
    let why = |i: usize| results[i].clone().unwrap_or_default();
    assert!(why(1).contains("protected term"), "{}", why(1));
    assert!(why(2).contains("_:sensitive"), "{}", why(2));
    assert!(why(3).contains("unknown context URL"), "{}", why(3));
}

/// GETs an ActivityPub document from camp, asserting it is served.
async fn get_ap(client: &reqwest::Client, url: &str) -> Value {
    let res = client
        .get(url)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET a document");
    assert_eq!(res.status().as_u16(), 200, "{url}");
    serde_json::from_str(&res.text().await.expect("body")).expect("JSON")
}

/// The actor, instance actor, outbox (and its pages), followers, following, notes and
/// their Create activities, as served to anyone who asks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_document_camp_serves_expands_strictly() {
    let Some(dir) = crate::node_peer::installed("jsonld") else {
        return;
    };
    let (camp, ana, http) = fed_camp().await;
    let first = post_id(
        exec(
            camp.addr,
            &ana,
            "post --to public --cw 'a warning' 'hello #camp'",
        )
        .await
        .ok(),
    );
    exec(
        camp.addr,
        &ana,
        &format!("edit {first} 'hello again #camp'"),
    )
    .await
    .ok();
    let reply = post_id(
        exec(
            camp.addr,
            &ana,
            &format!("post --to public --reply-to {first} 'and a reply'"),
        )
        .await
        .ok(),
    );

    let client = reqwest::Client::new();
    let base = format!("http://{http}");
    let mut docs = Vec::new();
    for path in [
        "/users/ana".to_string(),
        "/actor".to_string(),
        "/users/ana/followers".to_string(),
        "/users/ana/following".to_string(),
        format!("/users/ana/posts/{first}"),
        format!("/users/ana/posts/{first}/activity"),
        format!("/users/ana/posts/{reply}"),
        format!("/users/ana/posts/{reply}/activity"),
    ] {
        let url = format!("{base}{path}");
        docs.push((url.clone(), get_ap(&client, &url).await));
    }
    // The outbox, and its pages when it is paged.
    let mut next = Some(format!("{base}/users/ana/outbox"));
    for _ in 0..20 {
        let Some(url) = next.take() else { break };
        let doc = get_ap(&client, &url).await;
        next = ["first", "next"]
            .iter()
            .find_map(|k| doc[*k].as_str())
            .filter(|u| u.starts_with(&base) && *u != url)
            .map(str::to_string);
        docs.push((url, doc));
    }

    // What this test must cover is really there.
    let actor = &docs[0].1;
    assert_eq!(actor["assertionMethod"][0]["type"], "Multikey", "{actor}");
    assert_eq!(docs[4].1["sensitive"], true);
    assert!(docs[6].1["inReplyTo"].is_string(), "{}", docs[6].1);
    let outbox = docs.iter().find(|(u, _)| u.ends_with("/outbox"));
    assert!(
        outbox.is_some_and(|(_, o)| o.to_string().contains("and a reply")),
        "{outbox:?}"
    );

    assert_strict(dir, &docs).await;
    camp.stop().await;
}

/// Every kind of activity camp delivers (Accept, Create, Update, Delete, Follow, Like,
/// Announce, Undo of a Like and of a Follow), as the Fedify peer received and verified
/// it, proofs included. (Reject is built like Accept, by `wire::activity`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_activity_camp_sends_expands_strictly() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, http) = fed_camp().await;

    // alice follows ana: camp sends Accept; ana's public post, edit and delete follow.
    alice_follows_ana(&camp, &ana, &peer, http).await;
    let id = post_id(
        exec(camp.addr, &ana, "post --to public 'strictly speaking'")
            .await
            .ok(),
    );
    peer.wait_log("the Create", |r| {
        r["kind"] == "inbox" && r["type"] == "Create"
    })
    .await;
    exec(camp.addr, &ana, &format!("edit {id} 'strictly edited'"))
        .await
        .ok();
    peer.wait_log("the Update", |r| {
        r["kind"] == "inbox" && r["type"] == "Update"
    })
    .await;
    exec(camp.addr, &ana, &format!("delete {id}")).await.ok();
    peer.wait_log("the Delete", |r| {
        r["kind"] == "inbox" && r["type"] == "Delete"
    })
    .await;

    // ana follows alice back, favourites and boosts her post, then takes it back.
    exec(camp.addr, &ana, &format!("follow {}", peer.handle()))
        .await
        .ok();
    peer.wait_log("the Follow", |r| {
        r["kind"] == "inbox" && r["type"] == "Follow"
    })
    .await;
    peer.wait_log("the Accept delivery", |r| {
        r["kind"] == "outgoing" && r["activity"]["type"] == "Accept" && r["status"] == 202
    })
    .await;
    let posted = peer
        .admin("POST", &format!("/admin/post?text={}", urlencode("hi ana")))
        .await;
    let note = posted["note"].as_str().expect("the note id").to_string();
    let alice = peer.handle().trim_start_matches('@').to_string();
    wait_home(&camp, &ana, "alice's post", |posts| {
        posts
            .iter()
            .any(|p| p["author"]["username"] == alice.as_str())
    })
    .await;
    let home = json_list(
        exec(camp.addr, &ana, "timeline home --json --limit 50")
            .await
            .ok(),
    );
    let local = home
        .iter()
        .find(|p| p["author"]["username"] == alice.as_str())
        .and_then(|p| p["id"].as_str())
        .expect("alice's post in Home")
        .to_string();
    exec(camp.addr, &ana, &format!("fav {local}")).await.ok();
    peer.wait_log("the Like", |r| {
        r["kind"] == "inbox" && r["type"] == "Like" && r["object"] == note.as_str()
    })
    .await;
    exec(camp.addr, &ana, &format!("boost {local}")).await.ok();
    peer.wait_log("the Announce", |r| {
        r["kind"] == "inbox" && r["type"] == "Announce"
    })
    .await;
    exec(camp.addr, &ana, &format!("fav --undo {local}"))
        .await
        .ok();
    peer.wait_log("the Undo(Like)", |r| {
        r["kind"] == "inbox" && r["type"] == "Undo" && r["activity"]["object"]["type"] == "Like"
    })
    .await;
    exec(camp.addr, &ana, &format!("unfollow {}", peer.handle()))
        .await
        .ok();
    peer.wait_log("the Undo(Follow)", |r| {
        r["kind"] == "inbox" && r["type"] == "Undo" && r["activity"]["object"]["type"] == "Follow"
    })
    .await;

    // Everything camp delivered, as Fedify received and verified it.
    let received: Vec<(String, Value)> = peer
        .log_records()
        .into_iter()
        .filter(|r| r["kind"] == "inbox" && r["verified"] == true)
        .map(|r| {
            let name = format!(
                "{} {}",
                r["type"].as_str().unwrap_or("?"),
                r["id"].as_str().unwrap_or("?")
            );
            (name, r["activity"].clone())
        })
        .collect();
    for kind in [
        "Accept", "Create", "Update", "Delete", "Follow", "Like", "Announce", "Undo",
    ] {
        assert!(
            received.iter().any(|(_, a)| a["type"] == kind),
            "no {kind} among {received:?}"
        );
    }
    assert!(
        received
            .iter()
            .filter(|(_, a)| a["type"] == "Create")
            .all(|(_, a)| a["proof"]["cryptosuite"] == "eddsa-jcs-2022"),
        "camp's Create carries an integrity proof"
    );
    assert_strict(dir, &received).await;
    camp.stop().await;
}
