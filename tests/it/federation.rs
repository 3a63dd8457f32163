//! The federation bridge against a real ActivityPub server: the project's Fedify test
//! peer in `tests/peer` (node), on loopback, with camp under `--dev-federation`.
//!
//! [`crate::node_peer`] installs the peer (cached between runs). Without node these
//! tests print a loud SKIPPED line and pass without checking anything; `.ci/run`
//! installs node so CI always runs them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::time::{Instant, sleep};

use crate::fedkit::fed_camp;
use crate::support::{Key, TestCamp, exec, json_list, post_id};

/// How long federation steps (deliveries with retries) may take.
const FED_WAIT: Duration = Duration::from_secs(60);

/// The installed peer (`tests/peer`, see [`crate::node_peer`]), or None when node is
/// missing.
pub(crate) fn peer_dir() -> Option<&'static Path> {
    crate::node_peer::installed("federation")
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running Fedify peer (`alice`), killed on drop.
pub(crate) struct Peer {
    child: Option<tokio::process::Child>,
    port: u16,
    dir: PathBuf,
    state: PathBuf,
    log: PathBuf,
    first_knock: &'static str,
    http: reqwest::Client,
}

impl Peer {
    pub(crate) async fn start(dir: &Path) -> Peer {
        Self::start_knocking(dir, "rfc9421").await
    }

    /// A peer that signs with `first_knock` first (`rfc9421` or
    /// `draft-cavage-http-signatures-12`).
    async fn start_knocking(dir: &Path, first_knock: &'static str) -> Peer {
        let work = tempfile::tempdir().expect("peer temp").keep();
        let mut p = Peer {
            child: None,
            port: free_port(),
            dir: dir.to_path_buf(),
            state: work.join("peer-state.json"),
            log: work.join("peer-log.jsonl"),
            first_knock,
            http: reqwest::Client::new(),
        };
        p.spawn().await;
        p
    }

    /// Starts the peer process (again, after [`Peer::stop`]: same port and state).
    pub(crate) async fn spawn(&mut self) {
        let child = tokio::process::Command::new("node")
            .arg("peer.mjs")
            .current_dir(&self.dir)
            .env("PEER_PORT", self.port.to_string())
            .env("PEER_STATE", &self.state)
            .env("PEER_LOG", &self.log)
            .env("PEER_LOG_LEVEL", "debug")
            .env("PEER_FIRST_KNOCK", self.first_knock)
            .stdout(self.console())
            .stderr(self.console())
            .kill_on_drop(true)
            .spawn()
            .expect("node peer.mjs");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self.http.get(self.url("/admin/health")).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(Instant::now() < deadline, "the peer did not come up");
            sleep(Duration::from_millis(200)).await;
        }
    }

    /// Kills the peer process; its state file stays for [`Peer::spawn`].
    pub(crate) async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
            let _ = c.wait().await;
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn handle(&self) -> String {
        format!("@alice@127.0.0.1:{}", self.port)
    }

    fn actor(&self) -> String {
        self.url("/users/alice")
    }

    pub(crate) async fn admin(&self, method: &str, path_and_query: &str) -> Value {
        let req = match method {
            "POST" => self.http.post(self.url(path_and_query)),
            _ => self.http.get(self.url(path_and_query)),
        };
        let res = req.send().await.expect("peer admin call");
        let status = res.status();
        let body: Value = serde_json::from_str(&res.text().await.expect("peer admin body"))
            .expect("peer admin JSON");
        assert!(status.is_success(), "{path_and_query}: {status} {body}");
        body
    }

    /// Where the peer's console output (Fedify's own log) goes.
    fn console(&self) -> Stdio {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log.with_extension("stderr"))
            .map(Stdio::from)
            .unwrap_or_else(|_| Stdio::null())
    }

    /// Fedify's own (debug) log lines.
    fn stderr(&self) -> String {
        std::fs::read_to_string(self.log.with_extension("stderr")).unwrap_or_default()
    }

    pub(crate) fn log_records(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Waits for a log record matching `pred`.
    pub(crate) async fn wait_log(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + FED_WAIT;
        loop {
            if let Some(r) = self.log_records().into_iter().find(|r| pred(r)) {
                return r;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("the peer never logged {what}; log:\n{log}");
            }
            sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.start_kill();
        }
    }
}

pub(crate) async fn wait_home(
    camp: &TestCamp,
    key: &Key,
    what: &str,
    pred: impl Fn(&[Value]) -> bool,
) {
    let deadline = Instant::now() + FED_WAIT;
    loop {
        let out = exec(camp.addr, key, "timeline home --json --limit 50").await;
        let posts = json_list(out.ok());
        if pred(&posts) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: home is {posts:?}");
        sleep(Duration::from_millis(300)).await;
    }
}

/// alice (the peer) follows ana and ana accepts.
pub(crate) async fn alice_follows_ana(camp: &TestCamp, ana: &Key, peer: &Peer, http: SocketAddr) {
    let ana_actor = format!("http://{http}/users/ana");
    peer.admin("POST", &format!("/admin/follow?actor={ana_actor}"))
        .await;
    let deadline = Instant::now() + FED_WAIT;
    let handle = peer.handle();
    loop {
        let out = exec(camp.addr, ana, "requests").await;
        if out.ok().contains(handle.trim_start_matches('@')) {
            break;
        }
        assert!(Instant::now() < deadline, "no follow request: {out:?}");
        sleep(Duration::from_millis(200)).await;
    }
    let out = exec(camp.addr, ana, &format!("accept {handle}")).await;
    assert!(out.ok().contains("accepted"), "{out:?}");
    let deadline = Instant::now() + FED_WAIT;
    loop {
        let following = peer.admin("GET", "/admin/following").await;
        let accepted = following.as_array().is_some_and(|a| {
            a.iter()
                .any(|f| f["id"] == ana_actor.as_str() && f["accepted"] == true)
        });
        if accepted {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the peer never saw the Accept: {following}"
        );
        sleep(Duration::from_millis(200)).await;
    }
}

fn delivered_text(record: &Value) -> String {
    if record["kind"] != "inbox" {
        return String::new();
    }
    record["activity"]["object"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A camper follows the peer's actor by handle, the peer accepts, and alice's posts
/// land in the camper's Home as sanitized text; a delete removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camper_follows_alice_and_sees_her_posts() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, _http) = fed_camp().await;

    let out = exec(camp.addr, &ana, &format!("follow {}", peer.handle())).await;
    assert!(out.ok().contains("pending"), "{out:?}");
    // The peer got a signed Follow and answers it with Accept.
    peer.wait_log("the Follow", |r| {
        r["kind"] == "inbox" && r["type"] == "Follow"
    })
    .await;
    let deadline = Instant::now() + FED_WAIT;
    loop {
        let followers = peer.admin("GET", "/admin/followers").await;
        if followers.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "no follower at the peer");
        sleep(Duration::from_millis(200)).await;
    }
    // Let the Accept land before alice posts.
    peer.wait_log("the Accept delivery", |r| {
        r["kind"] == "outgoing" && r["activity"]["type"] == "Accept" && r["status"] == 202
    })
    .await;

    // Fedify signed its Accept with RFC 9421 first, and camp verified it.
    let accept = peer
        .log_records()
        .into_iter()
        .find(|r| r["kind"] == "outgoing" && r["activity"]["type"] == "Accept")
        .expect("the Accept was sent");
    assert_eq!(accept["signature"], "rfc9421", "{accept}");

    let text = "hello campers <3 & \u{1b}[31mfriends";
    let posted = peer
        .admin("POST", &format!("/admin/post?text={}", urlencode(text)))
        .await;
    let alice_name = peer.handle().trim_start_matches('@').to_string();
    wait_home(&camp, &ana, "alice's post", |posts| {
        posts.iter().any(|p| {
            p["author"]["username"] == alice_name.as_str()
                && p["text"] == "hello campers <3 & friends"
        })
    })
    .await;

    // ana favourites alice's post: a Like reaches alice; taking it back sends Undo.
    let note = posted["note"].as_str().expect("note id").to_string();
    let home = json_list(
        exec(camp.addr, &ana, "timeline home --json --limit 50")
            .await
            .ok(),
    );
    let local_id = home
        .iter()
        .find(|p| p["author"]["username"] == alice_name.as_str())
        .and_then(|p| p["id"].as_str())
        .expect("alice's post in Home")
        .to_string();
    let out = exec(camp.addr, &ana, &format!("fav {local_id}")).await;
    assert!(out.ok().contains("favourited"), "{out:?}");
    peer.wait_log("the Like", |r| {
        r["kind"] == "inbox" && r["type"] == "Like" && r["object"] == note.as_str()
    })
    .await;
    exec(camp.addr, &ana, &format!("fav --undo {local_id}"))
        .await
        .ok();
    peer.wait_log("the Undo(Like)", |r| {
        r["kind"] == "inbox" && r["type"] == "Undo" && r["activity"]["object"]["type"] == "Like"
    })
    .await;

    // Her post was public, so ana may boost it: an Announce reaches alice, then Undo.
    let out = exec(camp.addr, &ana, &format!("boost {local_id}")).await;
    assert!(out.ok().contains("boosted"), "{out:?}");
    peer.wait_log("the Announce", |r| {
        r["kind"] == "inbox" && r["type"] == "Announce" && r["object"] == note.as_str()
    })
    .await;
    exec(camp.addr, &ana, &format!("boost --undo {local_id}"))
        .await
        .ok();
    peer.wait_log("the Undo(Announce)", |r| {
        r["kind"] == "inbox" && r["type"] == "Undo" && r["activity"]["object"]["type"] == "Announce"
    })
    .await;

    // A delete at the peer removes it from Home.
    peer.admin("POST", &format!("/admin/delete?id={}", urlencode(&note)))
        .await;
    wait_home(&camp, &ana, "the deleted post gone", |posts| {
        !posts
            .iter()
            .any(|p| p["author"]["username"] == alice_name.as_str())
    })
    .await;
    camp.stop().await;
}

/// alice follows a camper, the camper accepts; alice receives the public post and
/// never the camp-only, followers-only or direct one; only the public post is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_follows_camper_and_receives_public_posts_only() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, http) = fed_camp().await;
    let _bo = camp.member("bo").await;
    alice_follows_ana(&camp, &ana, &peer, http).await;
    // The request showed up on ana's Notifications screen too.
    let conn = crate::support::Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(100, 30).await;
    crate::support::wait_for_screen(
        &mut tui,
        crate::support::main_screen_of("ana"),
        crate::support::STEP,
    )
    .await;
    tui.send(b"n").await;
    let alice = peer.handle();
    crate::support::wait_for_screen(
        &mut tui,
        |s| s.contains("asked to follow you") && s.contains(&alice),
        crate::support::STEP,
    )
    .await;
    drop(tui);
    conn.close().await;

    let secret = post_id(
        exec(camp.addr, &ana, "post 'camp secret stays home'")
            .await
            .ok(),
    );
    // Followers-only posts reach alice, an accepted follower (tests/it/fedreach.rs).
    exec(camp.addr, &ana, "post --to followers 'followers hello'")
        .await
        .ok();
    exec(camp.addr, &ana, "post --to direct 'direct secret @bo'")
        .await
        .ok();
    let public = post_id(
        exec(camp.addr, &ana, "post --to public 'hello fediverse'")
            .await
            .ok(),
    );
    peer.wait_log("the public Create", |r| {
        delivered_text(r).contains("hello fediverse")
    })
    .await;
    // Posts are delivered in order from one queue; give stragglers a moment anyway.
    sleep(Duration::from_secs(2)).await;
    // The Create carried an Ed25519 proof (FEP-8b32) that Fedify verified against the
    // Multikey in ana's actor document.
    let create = peer
        .log_records()
        .into_iter()
        .find(|r| delivered_text(r).contains("hello fediverse"))
        .expect("the Create");
    assert_eq!(create["activity"]["proof"]["cryptosuite"], "eddsa-jcs-2022");
    let fedify_log = peer.stderr();
    assert!(
        fedify_log.contains("Object Integrity Proofs are verified"),
        "Fedify did not verify camp's proof:\n{}",
        fedify_log
            .lines()
            .filter(|l| l.contains("roof") || l.contains("Multikey"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    for r in peer.log_records() {
        let line = r.to_string();
        assert!(
            !line.contains("secret"),
            "a non-public post left the camp: {line}"
        );
    }

    // Served over HTTP: the public note, and 404 for the camp-only one.
    let client = reqwest::Client::new();
    let get = |path: String| {
        client
            .get(format!("http://{http}{path}"))
            .header("accept", "application/activity+json")
            .send()
    };
    let ok = get(format!("/users/ana/posts/{public}"))
        .await
        .expect("get");
    assert_eq!(ok.status(), 200);
    let note: Value = serde_json::from_str(&ok.text().await.expect("note")).expect("note json");
    assert_eq!(note["content"], "<p>hello fediverse</p>");
    let hidden = get(format!("/users/ana/posts/{secret}"))
        .await
        .expect("get");
    assert_eq!(hidden.status(), 404, "a camp-only post is never served");
    let outbox: Value = get("/users/ana/outbox".into())
        .await
        .expect("outbox")
        .text()
        .await
        .map(|t| serde_json::from_str(&t).expect("outbox json"))
        .expect("outbox body");
    assert_eq!(outbox["totalItems"], 1, "{outbox}");
    assert!(!outbox.to_string().contains("secret"));
    camp.stop().await;
}

/// Unsigned, wrongly signed and oversized inbox POSTs are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_or_badly_signed_inbox_posts_are_refused() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, _ana, http) = fed_camp().await;
    let client = reqwest::Client::new();
    let body = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follow-1", peer.actor()),
        "type": "Follow",
        "actor": peer.actor(),
        "object": format!("http://{http}/users/ana"),
    })
    .to_string();
    let inbox = format!("http://{http}/users/ana/inbox");
    let unsigned = client
        .post(&inbox)
        .header("content-type", "application/activity+json")
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(unsigned.status(), 401);

    // A signature by a key that is not alice's, claiming to be alice's.
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let digest = camp::federation::signatures::digest_header(body.as_bytes());
    let forged = format!(
        "keyId=\"{}#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"{}\"",
        peer.actor(),
        "AAAA".repeat(86)
    );
    let res = client
        .post(&inbox)
        .header("content-type", "application/activity+json")
        .header("date", date)
        .header("digest", digest)
        .header("signature", forged)
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 401);

    let huge = client
        .post(format!("http://{http}/inbox"))
        .body(vec![b'x'; 2 << 20])
        .send()
        .await
        .expect("post");
    assert_eq!(huge.status(), 413);
    let sent = exec(camp.addr, camp.admin.as_ref().expect("admin"), "requests").await;
    assert!(sent.ok().contains("no follow requests"));
    camp.stop().await;
}

/// A public post for a peer that is down arrives after the peer comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_to_a_peer_that_is_down_arrives_after_it_comes_back() {
    let Some(dir) = peer_dir() else { return };
    // This peer signs draft-cavage, so that scheme is proven against Fedify too.
    let mut peer = Peer::start_knocking(dir, "draft-cavage-http-signatures-12").await;
    let (camp, ana, http) = fed_camp().await;
    alice_follows_ana(&camp, &ana, &peer, http).await;

    peer.stop().await;
    exec(
        camp.addr,
        &ana,
        "post --to public 'written while you were away'",
    )
    .await
    .ok();
    // Let at least one attempt fail; the admin sees the job waiting, a camper may not.
    sleep(Duration::from_secs(3)).await;
    let admin = camp.admin.as_ref().expect("admin");
    let queued = exec(camp.addr, admin, "deliveries").await;
    let queued = queued.ok();
    assert!(
        queued.contains(&peer.url("/inbox")) && queued.contains("attempt"),
        "{queued}"
    );
    assert!(!queued.contains("not tried yet"), "{queued}");
    exec(camp.addr, &ana, "deliveries").await.failed(1);
    peer.spawn().await;
    peer.wait_log("the delayed Create", |r| {
        delivered_text(r).contains("written while you were away")
    })
    .await;
    let follow_delivery = peer
        .log_records()
        .into_iter()
        .find(|r| r["kind"] == "outgoing" && r["activity"]["type"] == "Follow")
        .expect("the Follow was sent");
    assert_eq!(follow_delivery["signature"], "draft-cavage");
    assert_eq!(follow_delivery["status"], 202);
    // Delivered: nothing waits any more.
    let deadline = Instant::now() + FED_WAIT;
    loop {
        let out = exec(camp.addr, admin, "deliveries").await;
        if out.ok().contains("no deliveries waiting") {
            break;
        }
        assert!(Instant::now() < deadline, "{out:?}");
        sleep(Duration::from_millis(200)).await;
    }
    camp.stop().await;
}

pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// A hand-rolled remote actor ("carol") served from this test, for the inbox rules
// that a well-behaved peer never breaks. No node needed.
// ---------------------------------------------------------------------------------

pub(crate) struct Carol {
    base: String,
    pem: std::sync::Arc<std::sync::Mutex<String>>,
    private_pem: String,
    /// Bodies POSTed to carol's inbox.
    received: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
    /// Objects carol serves at `/objects/{n}`.
    objects: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Value>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Carol {
    pub(crate) async fn start() -> Carol {
        let keys = camp::federation::keys::generate().expect("carol's key");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind carol");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let pem = std::sync::Arc::new(std::sync::Mutex::new(keys.public_pem.clone()));
        let (b, p) = (base.clone(), pem.clone());
        // WebFinger confirms carol's handle (camp checks it before storing her).
        let wf_actor = format!("{base}/users/carol");
        let app = axum::Router::new().route(
            "/.well-known/webfinger",
            axum::routing::get(move || {
                let href = wf_actor.clone();
                async move {
                    (
                        [("content-type", "application/jrd+json")],
                        serde_json::json!({"links": [{"rel": "self",
                            "type": "application/activity+json", "href": href}]})
                        .to_string(),
                    )
                }
            }),
        );
        let app = app.route(
            "/users/carol",
            axum::routing::get(move || {
                let (b, p) = (b.clone(), p.clone());
                async move {
                    let id = format!("{b}/users/carol");
                    let doc = serde_json::json!({
                        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                        "id": id, "type": "Person", "preferredUsername": "carol",
                        "name": "Carol \u{1b}[2J(hand-rolled)",
                        "inbox": format!("{id}/inbox"),
                        "publicKey": {"id": format!("{id}#main-key"), "owner": id,
                                      "publicKeyPem": p.lock().expect("pem").clone()},
                    });
                    (
                        [("content-type", "application/activity+json")],
                        doc.to_string(),
                    )
                }
            }),
        );
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let objects = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::<
            String,
            Value,
        >::new()));
        let r = received.clone();
        let o = objects.clone();
        let app = app
            .route(
                "/users/carol/inbox",
                axum::routing::post(move |body: String| {
                    let r = r.clone();
                    async move {
                        if let Ok(v) = serde_json::from_str::<Value>(&body) {
                            r.lock().expect("received").push(v);
                        }
                        axum::http::StatusCode::ACCEPTED
                    }
                }),
            )
            .route(
                "/objects/{n}",
                axum::routing::get(move |axum::extract::Path(n): axum::extract::Path<String>| {
                    let o = o.clone();
                    async move {
                        match o.lock().expect("objects").get(&n) {
                            Some(v) => (
                                axum::http::StatusCode::OK,
                                [("content-type", "application/activity+json")],
                                v.to_string(),
                            ),
                            None => (
                                axum::http::StatusCode::NOT_FOUND,
                                [("content-type", "text/plain")],
                                String::new(),
                            ),
                        }
                    }
                }),
            );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Carol {
            base,
            pem,
            private_pem: keys.private_pem,
            received,
            objects,
            server,
        }
    }

    pub(crate) fn actor(&self) -> String {
        format!("{}/users/carol", self.base)
    }

    fn handle(&self) -> String {
        format!("@carol@{}", self.base.trim_start_matches("http://"))
    }

    /// Swaps carol's key (the served document changes; camp's cache is stale).
    fn rotate(&mut self) {
        let keys = camp::federation::keys::generate().expect("new key");
        *self.pem.lock().expect("pem") = keys.public_pem;
        self.private_pem = keys.private_pem;
    }

    /// POSTs `body` to `inbox` signed draft-cavage by carol, with `tweak` applied to
    /// the headers first; returns the status.
    pub(crate) async fn post(
        &self,
        inbox: &str,
        body: &str,
        date: std::time::SystemTime,
        tweak: impl FnOnce(&mut Vec<(&'static str, String)>),
    ) -> u16 {
        use camp::federation::signatures::{RequestParts, sign_request, signing_key};
        let url = reqwest::Url::parse(inbox).expect("inbox url");
        let host = format!(
            "{}:{}",
            url.host_str().expect("host"),
            url.port().expect("port")
        );
        let key = signing_key(&self.private_pem).expect("key");
        let mut headers = sign_request(
            &key,
            &format!("{}#main-key", self.actor()),
            RequestParts {
                method: "POST",
                host: &host,
                path: url.path(),
                body: Some(body.as_bytes()),
                content_type: Some("application/activity+json"),
            },
            date,
        );
        tweak(&mut headers);
        let mut req = reqwest::Client::new().post(inbox).body(body.to_string());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send().await.expect("post to camp").status().as_u16()
    }
}

impl Drop for Carol {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The inbox rules with a signer that misbehaves on purpose: Date window, Digest,
/// key owner, duplicates, unknown types, non-JSON, and a rotated key (fetched again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_checks_dates_digests_owners_duplicates_and_rotated_keys() {
    let mut carol = Carol::start().await;
    let (camp, ana, http) = fed_camp().await;
    let inbox = format!("http://{http}/users/ana/inbox");
    let now = std::time::SystemTime::now;
    let carol_actor = carol.actor();
    let follow = |id: &str| {
        serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{carol_actor}#{id}"),
            "type": "Follow",
            "actor": carol_actor,
            "object": format!("http://{http}/users/ana"),
        })
        .to_string()
    };
    let requests = || async { exec(camp.addr, &ana, "requests").await.ok().to_string() };

    // Out of the ±1 h window.
    let old = now() - Duration::from_secs(2 * 3600);
    assert_eq!(carol.post(&inbox, &follow("f0"), old, |_| {}).await, 401);
    // Body changed after signing: the digest no longer matches.
    let tampered = |h: &mut Vec<(&'static str, String)>| {
        for (k, v) in h.iter_mut() {
            if *k == "digest" {
                *v = camp::federation::signatures::digest_header(b"something else");
            }
        }
    };
    assert_eq!(
        carol.post(&inbox, &follow("f0"), now(), tampered).await,
        401
    );
    // Signed by carol, claiming to be someone else.
    let mallory = follow("f0").replace(
        &format!("\"actor\":\"{}\"", carol.actor()),
        "\"actor\":\"http://127.0.0.1:9/users/mallory\"",
    );
    assert!(mallory.contains("mallory"));
    assert_eq!(carol.post(&inbox, &mallory, now(), |_| {}).await, 401);
    // An RFC 9421-only request (no draft-cavage signature) is not accepted unverified.
    let rfc9421 = |h: &mut Vec<(&'static str, String)>| {
        h.retain(|(k, _)| *k != "signature" && *k != "digest");
        h.push(("signature-input", "sig1=(\"@method\");keyid=\"x\"".into()));
        h.push(("signature", "sig1=:AAAA:".into()));
    };
    assert_eq!(carol.post(&inbox, &follow("f0"), now(), rfc9421).await, 401);
    assert!(requests().await.contains("no follow requests"));

    // A good Follow: a request, shown with a sanitized name.
    assert_eq!(carol.post(&inbox, &follow("f1"), now(), |_| {}).await, 202);
    let listed = requests().await;
    assert!(
        listed.contains(carol.handle().trim_start_matches('@')),
        "{listed}"
    );
    assert!(
        listed.contains("Carol (hand-rolled)") && !listed.contains('\u{1b}'),
        "{listed:?}"
    );
    exec(camp.addr, &ana, &format!("reject {}", carol.handle()))
        .await
        .ok();
    assert!(requests().await.contains("no follow requests"));
    // The same activity again is a duplicate: answered, ignored.
    assert_eq!(carol.post(&inbox, &follow("f1"), now(), |_| {}).await, 202);
    assert!(requests().await.contains("no follow requests"));
    // Unknown types are answered 202 and dropped; garbage is a 400.
    let odd = follow("f2").replace("\"Follow\"", "\"Wiggle\"");
    assert_eq!(carol.post(&inbox, &odd, now(), |_| {}).await, 202);
    assert_eq!(carol.post(&inbox, "not json", now(), |_| {}).await, 400);

    // Carol's key rotates: camp's cached key fails once, it fetches again, and accepts.
    carol.rotate();
    assert_eq!(carol.post(&inbox, &follow("f3"), now(), |_| {}).await, 202);
    assert!(requests().await.contains("carol@"));
    camp.stop().await;
}

/// WebFinger, host-meta, NodeInfo and the actor document, with content negotiation;
/// NodeInfo counts public posts only. No peer needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_documents_are_served_and_count_public_posts_only() {
    let (camp, ana, http) = fed_camp().await;
    exec(camp.addr, &ana, "post 'camp only'").await.ok();
    exec(camp.addr, &ana, "post --to public 'for everyone'")
        .await
        .ok();
    let client = reqwest::Client::new();
    let get = |path: &str, accept: &str| {
        client
            .get(format!("http://{http}{path}"))
            .header("accept", accept)
            .send()
    };
    let body = |r: reqwest::Response| async move {
        let ct = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        (status, ct, text)
    };

    let (s, ct, text) = body(
        get(
            &format!("/.well-known/webfinger?resource=acct:ana@{http}"),
            "application/jrd+json",
        )
        .await
        .expect("webfinger"),
    )
    .await;
    assert_eq!((s, ct.as_str()), (200, "application/jrd+json"), "{text}");
    let jrd: Value = serde_json::from_str(&text).expect("jrd");
    assert_eq!(jrd["links"][0]["href"], format!("http://{http}/users/ana"));
    let (s, _, _) = body(
        get(
            "/.well-known/webfinger?resource=acct:ana@elsewhere.example",
            "*/*",
        )
        .await
        .expect("webfinger"),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _, _) = body(
        get(
            &format!("/.well-known/webfinger?resource=acct:nobody@{http}"),
            "*/*",
        )
        .await
        .expect("webfinger"),
    )
    .await;
    assert_eq!(s, 404);

    for accept in [
        "application/activity+json",
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    ] {
        let (s, ct, text) = body(get("/users/ana", accept).await.expect("actor")).await;
        assert_eq!(s, 200);
        assert!(
            accept.starts_with(ct.split(';').next().unwrap_or("")),
            "{ct}"
        );
        let actor: Value = serde_json::from_str(&text).expect("actor json");
        assert_eq!(actor["type"], "Person");
        assert_eq!(actor["preferredUsername"], "ana");
        assert_eq!(actor["manuallyApprovesFollowers"], true);
        assert_eq!(actor["publicKey"]["owner"], actor["id"]);
        assert!(
            actor["publicKey"]["publicKeyPem"]
                .as_str()
                .is_some_and(|p| p.starts_with("-----BEGIN PUBLIC KEY-----"))
        );
        assert_eq!(
            actor["endpoints"]["sharedInbox"],
            format!("http://{http}/inbox")
        );
        // Only published contexts that peers preload, plus an inline term map
        // (tests/it/jsonld.rs expands it strictly).
        for c in actor["@context"].as_array().expect("context list") {
            if let Some(url) = c.as_str() {
                assert!(
                    [
                        "https://www.w3.org/ns/activitystreams",
                        "https://w3id.org/security/v1",
                        "https://www.w3.org/ns/did/v1",
                        "https://w3id.org/security/multikey/v1",
                        "https://w3id.org/security/data-integrity/v1",
                    ]
                    .contains(&url),
                    "{url}"
                );
            }
        }
    }
    let (s, _, text) = body(
        get("/actor", "application/activity+json")
            .await
            .expect("instance actor"),
    )
    .await;
    assert_eq!(s, 200);
    let inst: Value = serde_json::from_str(&text).expect("instance actor json");
    assert_eq!(inst["type"], "Application");
    assert_eq!(
        inst["publicKey"]["id"],
        format!("http://{http}/actor#main-key")
    );
    let (s, ct, _) = body(get("/users/ana", "text/html").await.expect("actor")).await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/plain"), "{ct}");
    let (s, _, _) = body(
        get("/users/admin@x", "application/activity+json")
            .await
            .expect("x"),
    )
    .await;
    assert_eq!(s, 404);

    let (_, _, text) = body(get("/.well-known/nodeinfo", "*/*").await.expect("nodeinfo")).await;
    assert!(text.contains("/nodeinfo/2.1"), "{text}");
    for v in ["2.0", "2.1"] {
        let (s, _, text) = body(get(&format!("/nodeinfo/{v}"), "*/*").await.expect("ni")).await;
        assert_eq!(s, 200);
        let ni: Value = serde_json::from_str(&text).expect("nodeinfo json");
        assert_eq!(ni["version"], v);
        assert_eq!(ni["usage"]["localPosts"], 1, "{ni}");
        assert_eq!(ni["usage"]["users"]["total"], 2);
        assert_eq!(ni["openRegistrations"], false);
    }
    let (s, ct, text) = body(get("/.well-known/host-meta", "*/*").await.expect("hm")).await;
    assert_eq!(s, 200);
    assert!(ct.contains("xrd") && text.contains("/.well-known/webfinger?resource={uri}"));
    camp.stop().await;
}

/// The federation flags need each other: `--dev-federation` needs `--federate`, which
/// needs the web door and a public URL (the routes themselves: `web_switches`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_federation_flags_need_each_other() {
    for (args, expected) in [
        (
            &["--dev-federation"][..],
            "--dev-federation needs --federate",
        ),
        (&["--federate"][..], "--federate needs --public-url"),
        (
            &["--federate", "--dev-federation", "--http", "off"][..],
            "--federate needs the web door",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_camp"))
            .args(["serve", "--data", "/nonexistent/x"])
            .args(args)
            .output()
            .expect("run camp");
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

/// `camp serve --federate --dev-federation` warns loudly at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_federation_warns_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_camp"))
        .arg("serve")
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--keys")
        .arg(dir.path().join("keys"))
        .args([
            "--ssh",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--federate",
            "--dev-federation",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("camp serve");
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let found = tokio::time::timeout(Duration::from_secs(15), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("WARNING") && line.contains("dev-federation") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    let _ = child.kill().await;
    assert!(found, "no --dev-federation warning on stderr");
}

/// Replies cross the border only when public: a camper's public reply to alice's post
/// reaches alice with `inReplyTo`; a camp-only reply does not. alice's reply to a
/// camper's public post reaches that camper even though they do not follow her.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_cross_only_when_public() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, http) = fed_camp().await;
    let bo = camp.member("bo").await;
    exec(camp.addr, &ana, &format!("follow {}", peer.handle()))
        .await
        .ok();
    peer.wait_log("the Accept delivery", |r| {
        r["kind"] == "outgoing" && r["activity"]["type"] == "Accept" && r["status"] == 202
    })
    .await;
    let posted = peer
        .admin("POST", "/admin/post?text=question%20from%20alice")
        .await;
    let note = posted["note"].as_str().expect("note").to_string();
    wait_home(&camp, &ana, "alice's question", |posts| {
        posts.iter().any(|p| p["text"] == "question from alice")
    })
    .await;
    let home = json_list(exec(camp.addr, &ana, "timeline home --json").await.ok());
    let question = home
        .iter()
        .find(|p| p["text"] == "question from alice")
        .and_then(|p| p["id"].as_str())
        .expect("question id")
        .to_string();

    exec(
        camp.addr,
        &ana,
        &format!("post --reply-to {question} 'camp-only answer'"),
    )
    .await
    .ok();
    exec(
        camp.addr,
        &ana,
        &format!("post --to public --reply-to {question} 'public answer'"),
    )
    .await
    .ok();
    let reply = peer
        .wait_log("the public reply", |r| {
            delivered_text(r).contains("public answer")
        })
        .await;
    assert_eq!(reply["activity"]["object"]["inReplyTo"], note.as_str());
    sleep(Duration::from_secs(2)).await;
    assert!(
        !peer
            .log_records()
            .iter()
            .any(|r| r.to_string().contains("camp-only answer")),
        "a camp-only reply left the camp"
    );

    // alice answers bo's public post; bo does not follow her but sees the reply.
    let bo_post = post_id(
        exec(camp.addr, &bo, "post --to public 'bo wonders'")
            .await
            .ok(),
    );
    let parent = format!("http://{http}/users/bo/posts/{bo_post}");
    let bo_actor = format!("http://{http}/users/bo");
    peer.admin(
        "POST",
        &format!(
            "/admin/post?text=alice%20answers%20bo&inReplyTo={}&to={}",
            urlencode(&parent),
            urlencode(&bo_actor)
        ),
    )
    .await;
    wait_home(&camp, &bo, "alice's reply", |posts| {
        posts
            .iter()
            .any(|p| p["text"] == "alice answers bo" && p["reply_to"] == bo_post.as_str())
    })
    .await;
    camp.stop().await;
}

/// A followed remote account's Create, Update, Announce and Delete land in Home as
/// sanitized text; spoofed authors, foreign object ids and unsigned boosts do not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_from_a_followed_account_are_checked_sanitized_edited_boosted_and_deleted() {
    let carol = Carol::start().await;
    let (camp, ana, http) = fed_camp().await;
    let inbox = format!("http://{http}/inbox");
    let now = std::time::SystemTime::now;
    let out = exec(camp.addr, &ana, &format!("follow {}", carol.actor())).await;
    assert!(out.ok().contains("pending"), "{out:?}");
    // The signed Follow reaches carol; she accepts it.
    let deadline = Instant::now() + FED_WAIT;
    let follow = loop {
        let got = carol.received.lock().expect("received").clone();
        if let Some(f) = got.into_iter().find(|v| v["type"] == "Follow") {
            break f;
        }
        assert!(Instant::now() < deadline, "no Follow reached carol");
        sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(follow["object"], carol.actor());
    let activity = |kind: &str, n: &str, object: Value| {
        serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#{kind}-{n}", carol.actor()),
            "type": kind,
            "actor": carol.actor(),
            "object": object,
        })
        .to_string()
    };
    let accept = activity("Accept", "1", follow.clone());
    assert_eq!(
        carol
            .post(
                &format!("http://{http}/users/ana/inbox"),
                &accept,
                now(),
                |_| {}
            )
            .await,
        202
    );

    let note = |n: &str, content: &str| {
        serde_json::json!({
            "id": format!("{}/objects/{n}", carol.base),
            "type": "Note",
            "attributedTo": carol.actor(),
            "content": content,
            "to": "https://www.w3.org/ns/activitystreams#Public",
            "attachment": [{"type": "Document", "name": "a \u{1b}[5mcat", "url": format!("{}/cat.jpg", carol.base)}],
        })
    };
    // ana watches Home in the TUI: the post arrives live.
    let conn = crate::support::Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(100, 30).await;
    crate::support::wait_for_screen(
        &mut tui,
        crate::support::main_screen_of("ana"),
        crate::support::STEP,
    )
    .await;
    tui.send(b"\t").await;
    let first = note(
        "1",
        "<p>hi <b>ana</b>\u{1b}]0;pwned\u{7}</p><script>alert(1)</script>",
    );
    assert_eq!(
        carol
            .post(
                &inbox,
                &activity("Create", "1", first.clone()),
                now(),
                |_| {}
            )
            .await,
        202
    );
    let carol_name = carol.handle().trim_start_matches('@').to_string();
    let screen = crate::support::wait_for_screen(
        &mut tui,
        |s| s.contains("hi ana") && s.contains("@carol@"),
        FED_WAIT,
    )
    .await;
    assert!(!screen.contains("pwned"), "{screen}");
    drop(tui);
    conn.close().await;
    let expected = format!("hi ana\n[a cat] {}/cat.jpg", carol.base);
    wait_home(&camp, &ana, "carol's post", |posts| {
        posts.iter().any(|p| {
            p["author"]["username"] == carol_name.as_str() && p["text"] == expected.as_str()
        })
    })
    .await;

    // Spoofed: another author, or an object id on another server.
    let mut spoofed = note("2", "<p>spoofed author</p>");
    spoofed["attributedTo"] = Value::String("http://127.0.0.1:9/users/mallory".into());
    assert_eq!(
        carol
            .post(&inbox, &activity("Create", "2", spoofed), now(), |_| {})
            .await,
        202
    );
    let mut foreign = note("3", "<p>foreign id</p>");
    foreign["id"] = Value::String("http://127.0.0.1:9/objects/3".into());
    assert_eq!(
        carol
            .post(&inbox, &activity("Create", "3", foreign), now(), |_| {})
            .await,
        202
    );

    // Update edits; Announce of an object carol serves shows as a boost.
    let edited = note("1", "<p>hi ana, edited</p>");
    assert_eq!(
        carol
            .post(&inbox, &activity("Update", "1", edited), now(), |_| {})
            .await,
        202
    );
    let boosted = note("4", "<p>worth sharing</p>");
    carol
        .objects
        .lock()
        .expect("objects")
        .insert("4".into(), boosted.clone());
    let announce = activity(
        "Announce",
        "4",
        Value::String(boosted["id"].as_str().unwrap_or_default().into()),
    );
    assert_eq!(carol.post(&inbox, &announce, now(), |_| {}).await, 202);
    wait_home(&camp, &ana, "the edit and the boost", |posts| {
        posts.iter().any(|p| {
            p["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("hi ana, edited"))
        }) && posts.iter().any(|p| {
            p["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("boosted @carol@") && t.contains("worth sharing"))
        })
    })
    .await;
    let home = json_list(exec(camp.addr, &ana, "timeline home --json").await.ok());
    let texts: Vec<&str> = home.iter().filter_map(|p| p["text"].as_str()).collect();
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("spoofed") || t.contains("foreign")),
        "{texts:?}"
    );
    assert!(
        !texts
            .iter()
            .any(|t| t.contains('\u{1b}') || t.contains("pwned") || t.contains("alert")),
        "{texts:?}"
    );

    // Delete removes it.
    let del = activity(
        "Delete",
        "1",
        serde_json::json!({"id": first["id"], "type": "Tombstone"}),
    );
    assert_eq!(carol.post(&inbox, &del, now(), |_| {}).await, 202);
    wait_home(&camp, &ana, "the deleted post gone", |posts| {
        !posts
            .iter()
            .any(|p| p["text"].as_str().is_some_and(|t| t.starts_with("hi ana")))
    })
    .await;
    camp.stop().await;
}

/// alice follows ana; ana edits and deletes a public post and the peer gets Update and
/// Delete; edits and deletes of camp-only and direct-to-campers posts send nothing
/// (followers-only posts reach accepted followers: tests/it/fedreach.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletes_of_public_posts_reach_the_peer_and_nothing_else_does() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, http) = fed_camp().await;
    let _bo = camp.member("bo").await;
    alice_follows_ana(&camp, &ana, &peer, http).await;
    let mut secrets = Vec::new();
    for (flag, text) in [("", "camp secret"), ("--to direct ", "direct secret @bo")] {
        secrets.push(post_id(
            exec(camp.addr, &ana, &format!("post {flag}'{text}'"))
                .await
                .ok(),
        ));
    }
    let public = post_id(
        exec(camp.addr, &ana, "post --to public 'first words'")
            .await
            .ok(),
    );
    peer.wait_log("the Create", |r| delivered_text(r).contains("first words"))
        .await;
    for id in &secrets {
        let out = exec(camp.addr, &ana, &format!("edit {id} 'secret edit'")).await;
        assert!(out.ok().contains("edited"), "{out:?}");
        let out = exec(camp.addr, &ana, &format!("delete {id}")).await;
        assert!(out.ok().contains("deleted"), "{out:?}");
    }
    exec(camp.addr, &ana, &format!("edit {public} 'better words'"))
        .await
        .ok();
    let note = format!("http://{http}/users/ana/posts/{public}");
    let update = peer
        .wait_log("the Update", |r| {
            r["kind"] == "inbox" && r["type"] == "Update"
        })
        .await;
    assert_eq!(
        update["activity"]["object"]["id"],
        note.as_str(),
        "{update}"
    );
    assert_eq!(
        update["activity"]["object"]["content"], "<p>better words</p>",
        "{update}"
    );
    exec(camp.addr, &ana, &format!("delete {public}"))
        .await
        .ok();
    let delete = peer
        .wait_log("the Delete", |r| {
            r["kind"] == "inbox" && r["type"] == "Delete"
        })
        .await;
    assert_eq!(delete["object"], note.as_str(), "{delete}");
    // One queue, in order: anything about the secrets would have arrived by now.
    sleep(Duration::from_secs(2)).await;
    for r in peer.log_records() {
        let line = r.to_string();
        assert!(!line.contains("secret"), "a non-public post left: {line}");
        for id in &secrets {
            assert!(
                !line.contains(&format!("/users/ana/posts/{id}")),
                "a non-public post was named: {line}"
            );
        }
    }
    // Distinct activity ids: a retried delivery may be logged twice.
    let updates: std::collections::BTreeSet<String> = peer
        .log_records()
        .iter()
        .filter(|r| r["kind"] == "inbox" && matches!(r["type"].as_str(), Some("Update" | "Delete")))
        .map(|r| r["id"].to_string())
        .collect();
    assert_eq!(
        updates.len(),
        2,
        "one Update and one Delete, for the public post: {updates:?}"
    );
    camp.stop().await;
}

/// A suspended domain's signed inbox POSTs are refused, and nothing is delivered to it
/// any more, though its actor was an accepted follower. No node needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_domain_is_refused_inbound_and_gets_nothing() {
    let carol = Carol::start().await;
    let (camp, ana, http) = fed_camp().await;
    let admin = camp.admin.as_ref().expect("admin");
    let inbox = format!("http://{http}/users/ana/inbox");
    let now = std::time::SystemTime::now;
    let carol_actor = carol.actor();
    let follow = |id: &str| {
        serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{carol_actor}#{id}"),
            "type": "Follow",
            "actor": carol_actor,
            "object": format!("http://{http}/users/ana"),
        })
        .to_string()
    };
    assert_eq!(carol.post(&inbox, &follow("f1"), now(), |_| {}).await, 202);
    let out = exec(camp.addr, &ana, &format!("accept {}", carol.handle())).await;
    assert!(out.ok().contains("accepted"), "{out:?}");
    exec(camp.addr, &ana, "post --to public 'before the block'")
        .await
        .ok();
    let received = |what: &str| {
        carol
            .received
            .lock()
            .expect("received")
            .iter()
            .any(|v| v.to_string().contains(what))
    };
    let deadline = Instant::now() + FED_WAIT;
    while !received("before the block") {
        assert!(Instant::now() < deadline, "carol never got the public post");
        sleep(Duration::from_millis(200)).await;
    }

    // carol's server (127.0.0.1, whatever the port) is suspended by the admin.
    let out = exec(
        camp.addr,
        admin,
        "domain-block 127.0.0.1 --severity suspend",
    )
    .await;
    assert!(out.ok().contains("127.0.0.1"), "{out:?}");
    assert_eq!(carol.post(&inbox, &follow("f2"), now(), |_| {}).await, 403);
    let shared = format!("http://{http}/inbox");
    assert_eq!(carol.post(&shared, &follow("f3"), now(), |_| {}).await, 403);
    exec(camp.addr, &ana, "post --to public 'after the block'")
        .await
        .ok();
    let out = exec(camp.addr, &ana, &format!("follow {}", carol.handle())).await;
    assert!(
        out.status != Some(0) && out.stderr.contains("suspended"),
        "{out:?}"
    );
    sleep(Duration::from_secs(3)).await;
    assert!(
        !received("after the block"),
        "a suspended domain got a post"
    );
    assert!(
        !carol
            .received
            .lock()
            .expect("received")
            .iter()
            .any(|v| v["type"] == "Follow"),
        "a follow went out to a suspended domain"
    );
    let out = exec(camp.addr, admin, "deliveries").await;
    assert!(out.ok().contains("no deliveries waiting"), "{out:?}");
    camp.stop().await;
}

/// A silenced domain with media rejected: a reply from it does not reach a camper who
/// does not follow its author, and a followed author's post arrives without its
/// attachments. A camper who hides the domain gets neither. No node needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silenced_domain_reaches_followers_only_and_its_media_can_be_rejected() {
    let carol = Carol::start().await;
    let (camp, ana, http) = fed_camp().await;
    let bo = camp.member("bo").await;
    let admin = camp.admin.as_ref().expect("admin");
    let inbox = format!("http://{http}/inbox");
    let now = std::time::SystemTime::now;
    let activity = |kind: &str, n: &str, object: Value| {
        serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#{kind}-{n}", carol.actor()),
            "type": kind,
            "actor": carol.actor(),
            "object": object,
        })
        .to_string()
    };
    let note = |n: &str, content: &str, reply_to: Option<&str>| {
        let mut v = serde_json::json!({
            "id": format!("{}/objects/{n}", carol.base),
            "type": "Note",
            "attributedTo": carol.actor(),
            "content": content,
            "to": "https://www.w3.org/ns/activitystreams#Public",
            "attachment": [{"type": "Document", "name": "a cat", "url": format!("{}/cat.jpg", carol.base)}],
        });
        if let Some(r) = reply_to {
            v["inReplyTo"] = Value::String(r.to_string());
        }
        v
    };
    // ana follows carol, carol accepts; bo follows nobody.
    let out = exec(camp.addr, &ana, &format!("follow {}", carol.actor())).await;
    assert!(out.ok().contains("pending"), "{out:?}");
    let deadline = Instant::now() + FED_WAIT;
    let follow = loop {
        let got = carol.received.lock().expect("received").clone();
        if let Some(f) = got.into_iter().find(|v| v["type"] == "Follow") {
            break f;
        }
        assert!(Instant::now() < deadline, "no Follow reached carol");
        sleep(Duration::from_millis(100)).await;
    };
    let accept = activity("Accept", "1", follow);
    assert_eq!(carol.post(&inbox, &accept, now(), |_| {}).await, 202);

    let out = exec(
        camp.addr,
        admin,
        "domain-block 127.0.0.1 --severity silence --reject-media",
    )
    .await;
    assert!(out.ok().contains("127.0.0.1"), "{out:?}");
    // Silenced is not suspended: carol's requests are still taken.
    let bo_post = post_id(
        exec(camp.addr, &bo, "post --to public 'bo says hi'")
            .await
            .ok(),
    );
    let bo_note = format!("http://{http}/users/bo/posts/{bo_post}");
    let reply = note("1", "<p>carol answers bo</p>", Some(&bo_note));
    assert_eq!(
        carol
            .post(&inbox, &activity("Create", "1", reply), now(), |_| {})
            .await,
        202
    );
    let plain = note("2", "<p>carol posts</p>", None);
    assert_eq!(
        carol
            .post(&inbox, &activity("Create", "2", plain), now(), |_| {})
            .await,
        202
    );
    wait_home(&camp, &ana, "carol's post without media", |posts| {
        posts.iter().any(|p| p["text"] == "carol posts")
    })
    .await;
    let home = |key| async move {
        json_list(
            exec(camp.addr, key, "timeline home --json --limit 50")
                .await
                .ok(),
        )
    };
    let ana_home = home(&ana).await;
    assert!(
        !ana_home.iter().any(|p| p.to_string().contains("cat.jpg")),
        "media of a reject_media domain were kept: {ana_home:?}"
    );
    let bo_home = home(&bo).await;
    assert!(
        !bo_home.iter().any(|p| p.to_string().contains("carol")),
        "a silenced server reached a camper who does not follow it: {bo_home:?}"
    );
    let notes = exec(camp.addr, &bo, "notifications").await;
    assert!(!notes.ok().contains("carol"), "{notes:?}");

    // ana hides carol's server: her Home no longer shows it, and new posts skip her.
    exec(camp.addr, &ana, "hide-domain 127.0.0.1").await.ok();
    let third = note("3", "<p>carol again</p>", None);
    assert_eq!(
        carol
            .post(&inbox, &activity("Create", "3", third), now(), |_| {})
            .await,
        202
    );
    let ana_home = home(&ana).await;
    assert!(
        !ana_home.iter().any(|p| p.to_string().contains("carol")),
        "{ana_home:?}"
    );
    camp.stop().await;
}

/// A camper suspended by a moderator: their public posts, actor, outbox and WebFinger
/// are no longer served, and NodeInfo stops counting them. No node needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_campers_public_posts_are_no_longer_served() {
    let (camp, _ana, http) = fed_camp().await;
    let bo = camp.member("bo").await;
    let admin = camp.admin.as_ref().expect("admin");
    let public = post_id(
        exec(camp.addr, &bo, "post --to public 'bo in public'")
            .await
            .ok(),
    );
    let client = reqwest::Client::new();
    let status = |path: String| {
        let c = client.clone();
        async move {
            c.get(format!("http://{http}{path}"))
                .header("accept", "application/activity+json")
                .send()
                .await
                .expect("get")
                .status()
                .as_u16()
        }
    };
    let paths = [
        format!("/users/bo/posts/{public}"),
        format!("/users/bo/posts/{public}/activity"),
        "/users/bo".to_string(),
        "/users/bo/outbox".to_string(),
        format!("/.well-known/webfinger?resource=acct:bo@{http}"),
    ];
    for p in &paths {
        assert_eq!(status(p.clone()).await, 200, "{p} before the suspension");
    }
    let out = exec(camp.addr, admin, "suspend bo --reason 'spam'").await;
    assert!(out.ok().contains("suspended"), "{out:?}");
    for p in &paths {
        assert_eq!(status(p.clone()).await, 404, "{p} after the suspension");
    }
    let info: Value = serde_json::from_str(
        &client
            .get(format!("http://{http}/nodeinfo/2.1"))
            .send()
            .await
            .expect("nodeinfo")
            .text()
            .await
            .expect("nodeinfo body"),
    )
    .expect("nodeinfo json");
    assert_eq!(info["usage"]["localPosts"], 0, "{info}");
    camp.stop().await;
}

/// A camper blocks an account elsewhere by handle: its pending request goes, a new
/// Follow from it is rejected, and it gets no more public posts. No node needed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_remote_account_is_rejected_and_gets_nothing() {
    let carol = Carol::start().await;
    let (camp, ana, http) = fed_camp().await;
    let inbox = format!("http://{http}/users/ana/inbox");
    let now = std::time::SystemTime::now;
    let carol_actor = carol.actor();
    let follow = |id: &str| {
        serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{carol_actor}#{id}"),
            "type": "Follow",
            "actor": carol_actor,
            "object": format!("http://{http}/users/ana"),
        })
        .to_string()
    };
    assert_eq!(carol.post(&inbox, &follow("f1"), now(), |_| {}).await, 202);
    let out = exec(camp.addr, &ana, &format!("accept {}", carol.handle())).await;
    assert!(out.ok().contains("accepted"), "{out:?}");
    let out = exec(camp.addr, &ana, &format!("block {}", carol.handle())).await;
    assert!(out.status == Some(0), "{out:?}");
    assert_eq!(carol.post(&inbox, &follow("f2"), now(), |_| {}).await, 202);
    let deadline = Instant::now() + FED_WAIT;
    loop {
        let got = carol.received.lock().expect("received").clone();
        if got
            .iter()
            .any(|v| v["type"] == "Reject" && v["object"]["id"] == format!("{carol_actor}#f2"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no Reject reached carol: {got:?}"
        );
        sleep(Duration::from_millis(100)).await;
    }
    let requests = exec(camp.addr, &ana, "requests").await;
    assert!(requests.ok().contains("no follow requests"), "{requests:?}");
    exec(camp.addr, &ana, "post --to public 'not for carol'")
        .await
        .ok();
    sleep(Duration::from_secs(2)).await;
    let got = carol.received.lock().expect("received").clone();
    assert!(
        !got.iter().any(|v| v.to_string().contains("not for carol")),
        "a blocked follower got a post: {got:?}"
    );
    camp.stop().await;
}
