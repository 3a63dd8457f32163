//! Votes from elsewhere on a direct poll: the accounts elsewhere it is addressed to
//! get the `Question` and their `Answer` counts, once; anyone else (an accepted
//! follower it does not name included) is answered exactly as a vote on a post that
//! does not exist, and counts for nothing. Hand-rolled signing actors; no node.

use serde_json::Value;

use crate::fedkit::fed_camp;
use crate::fedpoll_votes::{answer, asks_to_follow_ana};
use crate::remote_actor::HandRolled;
use crate::support::{Key, TestCamp, exec, post_id};

async fn poll_of(camp: &TestCamp, ana: &Key, id: &str) -> Value {
    let out = exec(camp.addr, ana, &format!("show {id} --json")).await;
    let v: Value = serde_json::from_str(out.ok()).expect("show --json");
    v["post"]["poll"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_poll_takes_votes_from_its_recipients_elsewhere_only() {
    let fay = HandRolled::start("fay").await;
    let gus = HandRolled::start("gus").await;
    let (camp, ana, http) = fed_camp().await;
    // gus is an accepted follower, but the poll does not name him.
    asks_to_follow_ana(&camp, http, &ana, &gus, true).await;
    let fay_handle = format!("@fay@{}", &fay.base["http://".len()..]);
    let id = post_id(
        exec(
            camp.addr,
            &ana,
            &format!("post --to direct --poll 'north,south' '{fay_handle} which way?'"),
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

    // gus: his vote and his vote on a post that is not there get one answer, and
    // neither counts.
    let unknown = format!("http://{http}/users/ana/posts/1");
    let refused = gus
        .post(&inbox, &answer(&gus, 1, http, &question, "north"))
        .await;
    let missing = gus
        .post(&inbox, &answer(&gus, 2, http, &unknown, "north"))
        .await;
    assert_eq!(refused, missing, "a refused vote tells nothing");
    assert_eq!(poll_of(&camp, &ana, &id).await["voters"], 0);

    // fay, whom it names, votes once; a second answer is not a second vote.
    for (n, choice) in [(1, "south"), (2, "north")] {
        let status = fay
            .post(&inbox, &answer(&fay, n, http, &question, choice))
            .await;
        assert!((200..300).contains(&status), "{status}");
    }
    let poll = poll_of(&camp, &ana, &id).await;
    assert_eq!(poll["options"][0]["votes"], 0, "{poll}");
    assert_eq!(poll["options"][1]["votes"], 1, "{poll}");
    assert_eq!(poll["voters"], 1, "{poll}");

    // Her answer did not become a post in ana's home.
    let home = crate::support::json_list(exec(camp.addr, &ana, "timeline home --json").await.ok());
    assert!(
        home.iter().all(|p| p["author"]["username"] == "ana"),
        "an answer became a post: {home:?}"
    );
    camp.stop().await;
}
