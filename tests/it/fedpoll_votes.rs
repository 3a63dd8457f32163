//! Votes from elsewhere on a followers-only poll (issue 14): the poll is delivered to
//! the author's accepted followers as a `Question`, and an `Answer` from one of them
//! counts, once; a vote from someone who only asked to follow does not, and is
//! answered exactly as a vote on a post that does not exist. A camp-only poll takes no
//! vote from elsewhere at all. Hand-rolled signing actors on loopback; no node.

use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::fedkit::fed_camp;
use crate::remote_actor::HandRolled;
use crate::support::{Key, TestCamp, exec, json_list, post_id};

fn handle(remote: &HandRolled) -> String {
    format!("@{}@{}", remote.name, &remote.base["http://".len()..])
}

/// `remote` asks to follow ana; ana accepts when `accept`.
pub(crate) async fn asks_to_follow_ana(
    camp: &TestCamp,
    http: SocketAddr,
    ana: &Key,
    remote: &HandRolled,
    accept: bool,
) {
    let follow = remote.activity("Follow", "ana", json!(format!("http://{http}/users/ana")));
    assert_eq!(
        remote
            .post(&format!("http://{http}/users/ana/inbox"), &follow)
            .await,
        202
    );
    if accept {
        let out = exec(camp.addr, ana, &format!("accept {}", handle(remote))).await;
        assert!(out.ok().contains("accepted"), "{out:?}");
    }
}

/// `remote`'s Mastodon-form answer `name` to the question `question` of ana's.
pub(crate) fn answer(
    remote: &HandRolled,
    n: u32,
    http: SocketAddr,
    question: &str,
    name: &str,
) -> Value {
    let ana = format!("http://{http}/users/ana");
    let mut a = remote.activity(
        "Create",
        &format!("vote-{n}"),
        json!({
            "id": format!("{}#votes/{n}", remote.actor()),
            "type": "Note",
            "name": name,
            "attributedTo": remote.actor(),
            "inReplyTo": question,
            "to": [ana],
        }),
    );
    a["to"] = json!([ana]);
    a
}

async fn poll_of(camp: &TestCamp, ana: &Key, id: &str) -> Value {
    let out = exec(camp.addr, ana, &format!("show {id} --json")).await;
    let v: Value = serde_json::from_str(out.ok()).expect("show --json");
    v["post"]["poll"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followers_only_poll_takes_votes_from_accepted_followers_only() {
    let fay = HandRolled::start("fay").await;
    let hal = HandRolled::start("hal").await;
    let (camp, ana, http) = fed_camp().await;
    asks_to_follow_ana(&camp, http, &ana, &fay, true).await;
    asks_to_follow_ana(&camp, http, &ana, &hal, false).await;
    let id = post_id(
        exec(
            camp.addr,
            &ana,
            "post --to followers --poll 'north,south' 'which way, friends?'",
        )
        .await
        .ok(),
    );
    let question = format!("http://{http}/users/ana/posts/{id}");
    let delivered = fay
        .wait_received("the Question", |v| {
            v["type"] == "Create" && v["object"]["id"] == question.as_str()
        })
        .await;
    assert_eq!(delivered["object"]["type"], "Question", "{delivered}");
    let inbox = format!("http://{http}/users/ana/inbox");

    // hal only asked: his vote, and his vote on a post that is not there, get one
    // answer, and neither counts or shows.
    let unknown = format!("http://{http}/users/ana/posts/1");
    let refused = hal
        .post(&inbox, &answer(&hal, 1, http, &question, "north"))
        .await;
    let missing = hal
        .post(&inbox, &answer(&hal, 2, http, &unknown, "north"))
        .await;
    assert_eq!(refused, missing, "a refused vote tells nothing");
    let poll = poll_of(&camp, &ana, &id).await;
    assert_eq!(poll["voters"], 0, "{poll}");

    // fay, an accepted follower, votes once; a second answer is not a second vote.
    let status = fay
        .post(&inbox, &answer(&fay, 1, http, &question, "south"))
        .await;
    assert!((200..300).contains(&status), "{status}");
    let status = fay
        .post(&inbox, &answer(&fay, 2, http, &question, "north"))
        .await;
    assert!((200..300).contains(&status), "{status}");
    let poll = poll_of(&camp, &ana, &id).await;
    assert_eq!(poll["options"][0]["votes"], 0, "{poll}");
    assert_eq!(poll["options"][1]["votes"], 1, "{poll}");
    assert_eq!(poll["voters"], 1, "{poll}");

    // A camp-only poll never takes a vote from elsewhere, even a follower's.
    let here = post_id(
        exec(camp.addr, &ana, "post --poll 'tea,coffee' 'camp only'")
            .await
            .ok(),
    );
    let here_url = format!("http://{http}/users/ana/posts/{here}");
    fay.post(&inbox, &answer(&fay, 3, http, &here_url, "tea"))
        .await;
    assert_eq!(poll_of(&camp, &ana, &here).await["voters"], 0);

    // No answer became a post or a notification of a reply.
    let notes = exec(camp.addr, &ana, "notifications").await;
    assert!(!notes.ok().contains("replied"), "{notes:?}");
    let home = json_list(exec(camp.addr, &ana, "timeline home --json").await.ok());
    assert!(
        home.iter().all(|p| p["author"]["username"] == "ana"),
        "an answer became a post: {home:?}"
    );
    camp.stop().await;
}
