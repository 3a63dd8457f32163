//! Incoming object integrity proofs (FEP-8b32, `eddsa-jcs-2022`; issue 9): a proof
//! on an activity must hold, by a key the actor's own document lists, or the
//! activity is refused like a bad HTTP signature. Hand-rolled signing actors on
//! loopback; no node. (The Fedify peer's activities carry real proofs too: every
//! federation test that receives from it passes through the same check.)

use serde_json::json;

use crate::fedkit::fed_camp;
use crate::remote_actor::HandRolled;
use crate::support::{exec, json_list};

/// carol (followed by ana) sends Creates with a good proof (they land), a proof
/// broken by a change after signing, one made with mallory's key under mallory's
/// method, and one naming a method carol's document does not list (each refused
/// with 401, and nothing lands).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_proofs_must_hold_and_be_the_actors() {
    let carol = HandRolled::start("carol").await;
    let mallory = HandRolled::start("mallory").await;
    let (camp, ana, http) = fed_camp().await;
    carol.accept_follow_of(camp.addr, &ana, http).await;
    let inbox = format!("http://{http}/inbox");
    let create =
        |n: &str, text: &str| carol.activity("Create", n, carol.note(n, &format!("<p>{text}</p>")));

    let good = carol.prove(create("1", "proved and fine"), None);
    assert_eq!(good["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(carol.post(&inbox, &good).await, 202);

    let mut tampered = carol.prove(create("2", "tampered original"), None);
    tampered["object"]["content"] = json!("<p>tampered after signing</p>");
    assert_eq!(carol.post(&inbox, &tampered).await, 401);

    let mallory_vm = format!("{}#ed25519-key", mallory.actor());
    let foreign = mallory.prove(create("3", "mallory's proof"), Some(&mallory_vm));
    assert_eq!(carol.post(&inbox, &foreign).await, 401);

    let unlisted = format!("{}#other-key", carol.actor());
    let stray = carol.prove(create("4", "unlisted method"), Some(&unlisted));
    assert_eq!(carol.post(&inbox, &stray).await, 401);

    // Without a proof, the HTTP signature alone still stands.
    assert_eq!(
        carol.post(&inbox, &create("5", "no proof at all")).await,
        202
    );

    let home = json_list(
        exec(camp.addr, &ana, "timeline home --json --limit 50")
            .await
            .ok(),
    );
    let texts: Vec<&str> = home.iter().filter_map(|p| p["text"].as_str()).collect();
    assert!(texts.contains(&"proved and fine"), "{texts:?}");
    assert!(texts.contains(&"no proof at all"), "{texts:?}");
    for refused in ["tampered", "mallory's proof", "unlisted method"] {
        assert!(
            !texts.iter().any(|t| t.contains(refused)),
            "{refused} landed: {texts:?}"
        );
    }
    camp.stop().await;
}
