//! A poll fetched by URL (issue 14): the post's object URL, its `/activity` and the
//! outbox serve it as the same `Question` that was delivered (choices with their
//! `replies.totalItems`, `endTime`, `votersCount`), counts as they stand; and a
//! camp-only, direct or followers-only poll is still served to no unsigned or
//! unauthorised fetch. Hand-rolled signing actors on loopback; no node.

use serde_json::Value;

use crate::fedkit::fed_camp;
use crate::fedpoll_votes::{answer, asks_to_follow_ana};
use crate::remote_actor::HandRolled;
use crate::support::{exec, post_id};

async fn get_unsigned(url: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(url)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get");
    let status = res.status().as_u16();
    let body = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The poll parts of a Question, to compare a served one with the delivered one.
fn poll_parts(q: &Value) -> Value {
    serde_json::json!({
        "type": q["type"],
        "oneOf": q["oneOf"],
        "anyOf": q["anyOf"],
        "endTime": q["endTime"],
        "closed": q["closed"],
        "votersCount": q["votersCount"],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_fetched_by_url_is_the_delivered_question_and_private_ones_stay_private() {
    let fay = HandRolled::start("fay").await;
    let hal = HandRolled::start("hal").await;
    let (camp, ana, http) = fed_camp().await;
    asks_to_follow_ana(&camp, http, &ana, &fay, true).await;
    asks_to_follow_ana(&camp, http, &ana, &hal, false).await;
    let id = post_id(
        exec(
            camp.addr,
            &ana,
            "post --to public --poll 'north,south' --multiple 'which ways?'",
        )
        .await
        .ok(),
    );
    let url = format!("http://{http}/users/ana/posts/{id}");
    let delivered = fay
        .wait_received("the Question", |v| {
            v["type"] == "Create" && v["object"]["id"] == url.as_str()
        })
        .await;
    let delivered = &delivered["object"];
    assert_eq!(delivered["type"], "Question", "{delivered}");

    for at in [url.clone(), format!("{url}/activity")] {
        let (status, doc) = get_unsigned(&at).await;
        assert_eq!(status, 200, "{at}");
        let q = if at.ends_with("/activity") {
            assert_eq!(doc["type"], "Create", "{doc}");
            doc["object"].clone()
        } else {
            doc
        };
        assert_eq!(poll_parts(&q), poll_parts(delivered), "{at}: {q}");
        assert_eq!(q["anyOf"][1]["name"], "south", "{q}");
        assert_eq!(q["anyOf"][1]["replies"]["totalItems"], 0, "{q}");
    }

    // After fay's vote, a fetch carries the count as it stands.
    let inbox = format!("http://{http}/users/ana/inbox");
    let status = fay
        .post(&inbox, &answer(&fay, 1, http, &url, "south"))
        .await;
    assert!((200..300).contains(&status), "{status}");
    let (_, activity) = get_unsigned(&format!("{url}/activity")).await;
    let q = &activity["object"];
    assert_eq!(q["anyOf"][1]["replies"]["totalItems"], 1, "{q}");
    assert_eq!(q["votersCount"], 1, "{q}");
    let (_, outbox) = get_unsigned(&format!("http://{http}/users/ana/outbox")).await;
    let listed = outbox.to_string();
    assert!(
        listed.contains("\"Question\"") && listed.contains("\"votersCount\":1"),
        "the outbox lists the poll as a Question: {outbox}"
    );

    // Polls that do not leave are served to nobody unsigned or unauthorised.
    // The direct one names fay, who is still not served it by URL.
    let fay_handle = format!("@fay@{}", &fay.base["http://".len()..]);
    let mut private = Vec::new();
    for cmd in [
        "post --poll 'a,b' 'camp only'".to_string(),
        format!("post --to direct --poll 'a,b' '{fay_handle} just you'"),
        "post --to followers --poll 'a,b' 'friends'".to_string(),
    ] {
        private.push(post_id(exec(camp.addr, &ana, &cmd).await.ok()));
    }
    for id in &private {
        for at in [
            format!("http://{http}/users/ana/posts/{id}"),
            format!("http://{http}/users/ana/posts/{id}/activity"),
        ] {
            assert_eq!(get_unsigned(&at).await.0, 404, "unsigned {at}");
            assert_eq!(hal.get_signed(&at).await.0, 404, "a pending follower {at}");
        }
    }
    let friends = format!("http://{http}/users/ana/posts/{}/activity", private[2]);
    let (status, body) = fay.get_signed(&friends).await;
    assert_eq!(status, 200, "{body}");
    let doc: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(doc["object"]["type"], "Question", "{doc}");
    for id in &private[..2] {
        let at = format!("http://{http}/users/ana/posts/{id}/activity");
        assert_eq!(
            fay.get_signed(&at).await.0,
            404,
            "a follower, even named: {at}"
        );
    }
    assert!(
        !listed.contains("camp only") && !listed.contains("friends"),
        "{outbox}"
    );
    camp.stop().await;
}
