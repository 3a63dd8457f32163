//! The transactional outbox end to end, with the real `camp serve` binary and the
//! Fedify peer: a post committed just before `kill -9` still reaches the peer after
//! a restart, and a delete never reaches it before its create, even when the create
//! waits for a retry.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio::time::{Instant, sleep};

use crate::federation::{Peer, free_port, peer_dir};
use crate::support::{Key, ServerProcess, exec, post_id};

const FED_WAIT: Duration = Duration::from_secs(60);

/// A federating `camp serve` on a fixed HTTP port (ids keep their origin across
/// restarts), with the admin `ana`, followed by the peer's alice.
struct FedServer {
    http: String,
}

impl FedServer {
    fn new() -> FedServer {
        FedServer {
            http: format!("127.0.0.1:{}", free_port()),
        }
    }

    async fn start(&self, dir: &Path, first: bool) -> ServerProcess {
        ServerProcess::start_with(
            dir,
            first,
            &["--http", &self.http, "--federate", "--dev-federation"],
        )
        .await
    }

    fn actor(&self, name: &str) -> String {
        format!("http://{}/users/{name}", self.http)
    }
}

/// alice (the peer) follows `name`, who accepts; returns once the peer has the Accept.
async fn alice_follows(addr: SocketAddr, key: &Key, peer: &Peer, actor: &str) {
    peer.admin("POST", &format!("/admin/follow?actor={actor}"))
        .await;
    let handle = peer.handle();
    let deadline = Instant::now() + FED_WAIT;
    loop {
        let out = exec(addr, key, "requests").await;
        if out.ok().contains(handle.trim_start_matches('@')) {
            break;
        }
        assert!(Instant::now() < deadline, "no follow request: {out:?}");
        sleep(Duration::from_millis(200)).await;
    }
    let out = exec(addr, key, &format!("accept {handle}")).await;
    assert!(out.ok().contains("accepted"), "{out:?}");
    let deadline = Instant::now() + FED_WAIT;
    loop {
        let following = peer.admin("GET", "/admin/following").await;
        if following
            .as_array()
            .is_some_and(|a| a.iter().any(|f| f["id"] == actor && f["accepted"] == true))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no Accept at the peer: {following}"
        );
        sleep(Duration::from_millis(200)).await;
    }
}

/// The peer's inbox records about the note `note` (Create or Delete), in order.
fn about_note(peer: &Peer, note: &str) -> Vec<String> {
    peer.log_records()
        .into_iter()
        .filter(|r| r["kind"] == "inbox")
        .filter(|r| {
            let a = &r["activity"];
            a["object"]["id"] == note || a["object"] == note
        })
        .filter_map(|r| r["type"].as_str().map(str::to_string))
        .collect()
}

/// The queued deliveries as the admin sees them.
async fn queued(addr: SocketAddr, key: &Key) -> Vec<Value> {
    let out = exec(addr, key, "deliveries --json").await;
    let v: Value = serde_json::from_str(out.ok()).expect("deliveries JSON");
    v["queued"].as_array().cloned().unwrap_or_default()
}

/// A public post is committed while its only outside follower's server is down, and
/// camp is killed with SIGKILL right after the post is acknowledged. After both come
/// back, the post arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_committed_before_sigkill_reaches_the_peer_after_restart() {
    let Some(dir) = peer_dir() else { return };
    let mut peer = Peer::start(dir).await;
    let tmp = tempfile::tempdir().expect("temp dir");
    let fed = FedServer::new();
    let server = fed.start(tmp.path(), true).await;
    let ana = server.join_admin("ana").await;
    alice_follows(server.addr, &ana, &peer, &fed.actor("ana")).await;

    // Nothing can be delivered now: the peer is gone.
    peer.stop().await;
    let id = post_id(
        exec(
            server.addr,
            &ana,
            "post --to public 'written just before a crash'",
        )
        .await
        .ok(),
    );
    server.kill9().await;

    peer.spawn().await;
    let again = fed.start(tmp.path(), false).await;
    let note = format!("{}/posts/{id}", fed.actor("ana"));
    let create = peer
        .wait_log("the Create written before the crash", |r| {
            r["kind"] == "inbox"
                && r["type"] == "Create"
                && r["activity"]["object"]["id"] == note.as_str()
        })
        .await;
    assert_eq!(
        create["content"], "<p>written just before a crash</p>",
        "{create}"
    );
    let (status, _) = again.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0));
}

/// A post is created while the peer is down, so its Create waits for a retry; the
/// peer comes back and the post is deleted at once. The Delete (due at once) must
/// not overtake the Create: the peer gets the Create, then the Delete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_never_reaches_the_peer_before_its_create() {
    let Some(dir) = peer_dir() else { return };
    let mut peer = Peer::start(dir).await;
    let tmp = tempfile::tempdir().expect("temp dir");
    let fed = FedServer::new();
    let server = fed.start(tmp.path(), true).await;
    let ana = server.join_admin("ana").await;
    alice_follows(server.addr, &ana, &peer, &fed.actor("ana")).await;

    peer.stop().await;
    let id = post_id(
        exec(server.addr, &ana, "post --to public 'here and gone'")
            .await
            .ok(),
    );
    // Let the Create fail a few times, so its next try is seconds away.
    let deadline = Instant::now() + FED_WAIT;
    loop {
        let jobs = queued(server.addr, &ana).await;
        if jobs.iter().any(|j| j["attempts"].as_u64() >= Some(3)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the Create never failed: {jobs:?}"
        );
        sleep(Duration::from_millis(200)).await;
    }
    peer.spawn().await;
    let out = exec(server.addr, &ana, &format!("delete {id}")).await;
    out.ok();

    let note = format!("{}/posts/{id}", fed.actor("ana"));
    peer.wait_log("the Delete", |r| {
        r["kind"] == "inbox"
            && r["type"] == "Delete"
            && r["activity"]["object"]["id"] == note.as_str()
    })
    .await;
    assert_eq!(
        about_note(&peer, &note),
        ["Create", "Delete"],
        "the peer saw the Create first and ends with the post deleted"
    );
    let (status, _) = server.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0));
}

/// Suspending a camper tells their outside followers the account is gone: alice's
/// server gets a `Delete` of the actor, signed by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspending_a_camper_sends_delete_of_the_actor_to_remote_followers() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, http) = crate::fedkit::fed_camp().await;
    crate::federation::alice_follows_ana(&camp, &ana, &peer, http).await;
    let admin = camp.admin.as_ref().expect("admin");
    let out = exec(camp.addr, admin, "suspend ana --reason 'spam'").await;
    out.ok();
    let actor = format!("http://{http}/users/ana");
    let delete = peer
        .wait_log("the Delete of ana", |r| {
            r["kind"] == "inbox"
                && r["type"] == "Delete"
                && r["activity"]["object"] == actor.as_str()
        })
        .await;
    assert_eq!(delete["actor"], actor.as_str(), "{delete}");
    // The follow is gone here too: nothing more is queued for alice.
    let out = exec(camp.addr, admin, "deliveries --json").await;
    let v: Value = serde_json::from_str(out.ok()).expect("deliveries JSON");
    assert!(v["queued"].as_array().is_some_and(|q| q.is_empty()), "{v}");
}
