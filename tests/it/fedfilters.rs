//! Filters and lists against the Fedify peer (issue 14): posts from another server are
//! folded or hidden by a camper's filters as local ones are, and a followed remote
//! account can be put in an exclusive list, which takes its posts off Home.

use serde_json::Value;
use tokio::time::{Instant, sleep};

use crate::federation::{Peer, peer_dir, urlencode, wait_home};
use crate::fedkit::fed_camp;
use crate::support::{exec, json_list};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_from_elsewhere_are_filtered_and_listed_like_local_ones() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, _http) = fed_camp().await;
    exec(camp.addr, &ana, &format!("follow {}", peer.handle()))
        .await
        .ok();
    peer.wait_log("the Accept delivery", |r| {
        r["kind"] == "outgoing" && r["activity"]["type"] == "Accept" && r["status"] == 202
    })
    .await;
    // The Accept reached camp: wait until ana's follow counts here.
    let alice = peer.handle().trim_start_matches('@').to_string();
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    while !exec(camp.addr, &ana, "following")
        .await
        .ok()
        .contains(&alice)
    {
        assert!(Instant::now() < deadline, "the follow was never accepted");
        sleep(std::time::Duration::from_millis(200)).await;
    }
    exec(camp.addr, &ana, "filter add giveaway").await.ok();
    exec(camp.addr, &ana, "filter add casino --action hide")
        .await
        .ok();
    for text in [
        "Huge GIVEAWAY today",
        "best casino bonus",
        "plain hello from afar",
    ] {
        peer.admin("POST", &format!("/admin/post?text={}", urlencode(text)))
            .await;
    }
    // The last post is the sentinel: the earlier ones were delivered before it.
    let from_alice = |p: &Value| p["author"]["username"] == alice.as_str();
    wait_home(&camp, &ana, "alice's last post", |posts| {
        posts
            .iter()
            .any(|p| from_alice(p) && p["text"] == "plain hello from afar")
    })
    .await;
    let home = json_list(
        exec(camp.addr, &ana, "timeline --json --limit 50")
            .await
            .ok(),
    );
    let seen: Vec<(&str, &Value)> = home
        .iter()
        .filter(|p| from_alice(p))
        .map(|p| (p["text"].as_str().unwrap_or_default(), &p["filtered"]))
        .collect();
    assert_eq!(
        seen,
        [
            ("plain hello from afar", &Value::Null),
            ("Huge GIVEAWAY today", &Value::from("giveaway")),
        ],
        "folded and hidden as local posts are"
    );
    let text = exec(camp.addr, &ana, "timeline").await;
    assert!(
        text.ok().contains("Filtered: giveaway (show "),
        "{}",
        text.stdout
    );

    // An exclusive list with alice in it: her posts leave Home for the list.
    exec(camp.addr, &ana, "list create far --exclusive")
        .await
        .ok();
    exec(camp.addr, &ana, &format!("list add far {}", peer.handle()))
        .await
        .ok();
    let home = json_list(exec(camp.addr, &ana, "timeline --json").await.ok());
    assert!(!home.iter().any(from_alice), "{home:?}");
    let listed = json_list(exec(camp.addr, &ana, "list show far --json").await.ok());
    let texts: Vec<&str> = listed
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(texts, ["plain hello from afar", "Huge GIVEAWAY today"]);
    camp.stop().await;
}
