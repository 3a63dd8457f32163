//! The federation edge under attack (issue 8, holes 2, 7, 8, 9 and 10): a hand-written
//! remote server on loopback that signs its own requests and serves what an attacker
//! would (key documents naming other accounts, impostor actors, slow key servers).
//! No node needed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::http::{Method, StatusCode, Uri};
use camp::federation::signatures::{RequestParts, sign_request, signing_key};
use serde_json::{Value, json};
use tokio::time::{Instant, sleep};

use crate::fedkit::fed_camp;
use crate::support::{TestCamp, exec};

/// How long a federation step may take.
const WAIT: Duration = Duration::from_secs(60);

type Docs = Arc<Mutex<HashMap<String, (String, String)>>>;
type Posts = Arc<Mutex<Vec<(String, Value)>>>;

/// A remote server: serves documents by path (and query), records every POST.
struct Site {
    base: String,
    host: String,
    docs: Docs,
    received: Posts,
    /// Paths GET from this site, in order.
    fetched: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

/// A key pair of a remote actor.
struct Keys {
    public: String,
    private: String,
}

fn keys() -> Keys {
    let k = camp::federation::keys::generate().expect("a key");
    Keys {
        public: k.public_pem,
        private: k.private_pem,
    }
}

impl Site {
    /// A site listening on `ip` (any 127.0.0.0/8 address is loopback).
    async fn start(ip: &str) -> Site {
        let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
            .await
            .expect("bind the site");
        let host = listener.local_addr().expect("addr").to_string();
        let docs: Docs = Arc::default();
        let received: Posts = Arc::default();
        let fetched: Arc<Mutex<Vec<String>>> = Arc::default();
        let (d, r, f) = (docs.clone(), received.clone(), fetched.clone());
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, body: String| {
            let (d, r, f) = (d.clone(), r.clone(), f.clone());
            async move {
                if method == Method::POST {
                    let v = serde_json::from_str(&body).unwrap_or(Value::Null);
                    r.lock()
                        .expect("received")
                        .push((uri.path().to_string(), v));
                    return (
                        StatusCode::ACCEPTED,
                        [("content-type", String::new())],
                        "".into(),
                    );
                }
                let key = uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default();
                f.lock().expect("fetched").push(uri.path().to_string());
                match d.lock().expect("docs").get(&key) {
                    Some((ct, body)) => {
                        (StatusCode::OK, [("content-type", ct.clone())], body.clone())
                    }
                    None => (
                        StatusCode::NOT_FOUND,
                        [("content-type", "text/plain".into())],
                        String::new(),
                    ),
                }
            }
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Site {
            base: format!("http://{host}"),
            host,
            docs,
            received,
            fetched,
            server,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Serves `body` at `path` as `content_type`.
    fn serve(&self, path: &str, content_type: &str, body: &Value) {
        self.docs
            .lock()
            .expect("docs")
            .insert(path.into(), (content_type.into(), body.to_string()));
    }

    /// Answers WebFinger for `acct:user@this-host` with `href`.
    fn webfinger(&self, user: &str, href: &str) {
        let jrd = json!({"subject": format!("acct:{user}@{}", self.host), "links": [
            {"rel": "self", "type": "application/activity+json", "href": href}]});
        let path = format!("/.well-known/webfinger?resource=acct:{user}@{}", self.host);
        self.serve(&path, "application/jrd+json", &jrd);
    }

    /// An actor document at `/users/{path_name}` named `username`, with `pem` as its
    /// `#main-key` and `inbox` as its inbox; returns its id. WebFinger is not touched.
    fn actor_doc(&self, path_name: &str, username: &str, pem: &str, inbox: &str) -> String {
        let id = self.url(&format!("/users/{path_name}"));
        let doc = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id, "type": "Person", "preferredUsername": username, "inbox": inbox,
            "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem},
        });
        self.serve(
            &format!("/users/{path_name}"),
            "application/activity+json",
            &doc,
        );
        id
    }

    /// An honest actor `name` (document, inbox here, WebFinger); returns its id.
    fn actor(&self, name: &str, pem: &str) -> String {
        let id = self.actor_doc(name, name, pem, &self.url(&format!("/inbox/{name}")));
        self.webfinger(name, &id);
        id
    }

    /// The bodies POSTed to `path`.
    fn received_at(&self, path: &str) -> Vec<Value> {
        self.received
            .lock()
            .expect("received")
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A Follow of ana by `actor`.
fn follow(actor: &str, http: SocketAddr, n: u32) -> String {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}#follow-{n}"), "type": "Follow", "actor": actor,
        "object": format!("http://{http}/users/ana"),
    })
    .to_string()
}

/// POSTs `body` to `inbox`, signed draft-cavage with `key_id` / `private`, with
/// `tweak` applied to the headers; the status.
async fn post_signed(
    inbox: &str,
    body: &str,
    key_id: &str,
    private: &str,
    tweak: impl FnOnce(&mut Vec<(&'static str, String)>),
) -> u16 {
    let url = reqwest::Url::parse(inbox).expect("inbox url");
    let host = camp::federation::fetcher::host_header(&url);
    let key = signing_key(private).expect("key");
    let mut headers = sign_request(
        &key,
        key_id,
        RequestParts {
            method: "POST",
            host: &host,
            path: url.path(),
            body: Some(body.as_bytes()),
            content_type: Some("application/activity+json"),
        },
        SystemTime::now(),
    );
    tweak(&mut headers);
    let mut req = reqwest::Client::new().post(inbox).body(body.to_string());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.send().await.expect("post to camp").status().as_u16()
}

async fn requests(camp: &TestCamp, key: &crate::support::Key) -> String {
    exec(camp.addr, key, "requests").await.ok().to_string()
}

/// Hole 2: a key document on the same server naming an account as its owner is not
/// that account's key unless the account's own actor document lists it; documents
/// served without an ActivityPub media type are not believed either. A key document
/// the actor does list (GoToSocial's shape) still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_believed_only_when_its_owners_actor_document_lists_it() {
    let site = Site::start("127.0.0.1").await;
    let (camp, ana, http) = fed_camp().await;
    let inbox = format!("http://{http}/users/ana/inbox");
    let (victim_keys, attacker) = (keys(), keys());
    let victim = site.actor("victim", &victim_keys.public);
    // An "uploaded file": a key document that names the victim as owner.
    let evil = site.url("/media/evil.json");
    site.serve(
        "/media/evil.json",
        "application/activity+json",
        &json!({"id": evil, "type": "Key", "owner": victim, "publicKeyPem": attacker.public}),
    );
    let status = post_signed(
        &inbox,
        &follow(&victim, http, 1),
        &evil,
        &attacker.private,
        |_| {},
    )
    .await;
    assert_eq!(status, 401, "a forged key document was believed");
    let listed = requests(&camp, &ana).await;
    assert!(listed.contains("no follow requests"), "{listed}");

    // An actor document served as plain JSON (or HTML) is not an ActivityPub document.
    let plain_keys = keys();
    let plain = site.actor("plain", &plain_keys.public);
    let doc = site.docs.lock().expect("docs")["/users/plain"].1.clone();
    site.docs
        .lock()
        .expect("docs")
        .insert("/users/plain".into(), ("application/json".into(), doc));
    let status = post_signed(
        &inbox,
        &follow(&plain, http, 1),
        &format!("{plain}#main-key"),
        &plain_keys.private,
        |_| {},
    )
    .await;
    assert_eq!(
        status, 401,
        "a document without an ActivityPub media type was believed"
    );

    // GoToSocial's shape: the keyId is a key document of its own, and the actor
    // document lists that key: believed.
    let gts_keys = keys();
    let gts = site.url("/users/gts");
    let gts_key = format!("{gts}/main-key");
    site.serve(
        "/users/gts",
        "application/activity+json",
        &json!({"id": gts, "type": "Person", "preferredUsername": "gts",
                "inbox": site.url("/inbox/gts"),
                "publicKey": {"id": gts_key, "owner": gts, "publicKeyPem": gts_keys.public}}),
    );
    site.serve(
        "/users/gts/main-key",
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
        &json!({"id": gts_key, "type": "Key", "owner": gts, "publicKeyPem": gts_keys.public}),
    );
    site.webfinger("gts", &gts);
    let status = post_signed(
        &inbox,
        &follow(&gts, http, 1),
        &gts_key,
        &gts_keys.private,
        |_| {},
    )
    .await;
    assert_eq!(status, 202);
    // GoToSocial's other shape: the keyId answers a stub whose id is the actor's.
    // Not believed from there; the actor document it points to lists the key.
    let stub_keys = keys();
    let stub = site.actor("stub", &stub_keys.public);
    let stub_key = format!("{stub}/main-key");
    let mut listed_doc: Value =
        serde_json::from_str(&site.docs.lock().expect("docs")["/users/stub"].1).expect("doc");
    listed_doc["publicKey"]["id"] = json!(stub_key);
    site.serve("/users/stub", "application/activity+json", &listed_doc);
    site.serve(
        "/users/stub/main-key",
        "application/activity+json",
        &json!({"id": stub, "type": "Person",
                "publicKey": {"id": stub_key, "owner": stub, "publicKeyPem": stub_keys.public}}),
    );
    let status = post_signed(
        &inbox,
        &follow(&stub, http, 1),
        &stub_key,
        &stub_keys.private,
        |_| {},
    )
    .await;
    assert_eq!(status, 202);
    // The same trick with the attacker's key: the victim's document does not list it.
    let evil_stub = site.url("/media/stub.json");
    site.serve(
        "/media/stub.json",
        "application/activity+json",
        &json!({"id": victim, "type": "Person",
                "publicKey": {"id": evil_stub, "owner": victim, "publicKeyPem": attacker.public}}),
    );
    let status = post_signed(
        &inbox,
        &follow(&victim, http, 3),
        &evil_stub,
        &attacker.private,
        |_| {},
    )
    .await;
    assert_eq!(status, 401, "a stub naming the victim was believed");
    // And the victim's real key still works.
    let status = post_signed(
        &inbox,
        &follow(&victim, http, 2),
        &format!("{victim}#main-key"),
        &victim_keys.private,
        |_| {},
    )
    .await;
    assert_eq!(status, 202);
    let listed = requests(&camp, &ana).await;
    assert!(
        listed.contains(&format!("gts@{}", site.host))
            && listed.contains(&format!("victim@{}", site.host)),
        "{listed}"
    );
    assert!(listed.contains(&format!("stub@{}", site.host)), "{listed}");
    assert!(!listed.contains("plain@"), "{listed}");
    camp.stop().await;
}

/// Hole 7: a follower whose actor lives on a suspended server gets nothing, even
/// when the inbox it named is on a server that is not suspended. Real deliveries:
/// another follower on the inbox's server gets the post, dave does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_on_a_suspended_server_gets_no_posts_through_an_inbox_elsewhere() {
    let receiver = Site::start("127.0.0.1").await;
    let far = Site::start("127.0.0.2").await;
    let (camp, ana, http) = fed_camp().await;
    let admin = camp.admin.as_ref().expect("admin");
    let inbox = format!("http://{http}/users/ana/inbox");
    let (dave_keys, erin_keys) = (keys(), keys());
    // dave lives on 127.0.0.2 but names an inbox on 127.0.0.1.
    let dave = far.actor_doc(
        "dave",
        "dave",
        &dave_keys.public,
        &receiver.url("/inbox/dave"),
    );
    far.webfinger("dave", &dave);
    let erin = receiver.actor("erin", &erin_keys.public);
    for (actor, k) in [(&dave, &dave_keys), (&erin, &erin_keys)] {
        let key_id = format!("{actor}#main-key");
        assert_eq!(
            post_signed(&inbox, &follow(actor, http, 1), &key_id, &k.private, |_| {}).await,
            202
        );
    }
    for handle in [
        format!("@dave@{}", far.host),
        format!("@erin@{}", receiver.host),
    ] {
        let out = exec(camp.addr, &ana, &format!("accept {handle}")).await;
        assert!(out.ok().contains("accepted"), "{out:?}");
    }
    let out = exec(
        camp.addr,
        admin,
        "domain-block 127.0.0.2 --severity suspend",
    )
    .await;
    assert!(out.ok().contains("127.0.0.2"), "{out:?}");
    exec(camp.addr, &ana, "post --to public 'after the suspension'")
        .await
        .ok();
    let got = |path: &str| {
        receiver
            .received_at(path)
            .iter()
            .any(|v| v["type"] == "Create" && v.to_string().contains("after the suspension"))
    };
    let deadline = Instant::now() + WAIT;
    while !got("/inbox/erin") {
        assert!(Instant::now() < deadline, "erin never got the post");
        sleep(Duration::from_millis(100)).await;
    }
    // Every delivery is done (none waiting): whatever dave was going to get, he has.
    loop {
        let out = exec(camp.addr, admin, "deliveries").await;
        if out.ok().contains("no deliveries waiting") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries still waiting: {out:?}"
        );
        sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !got("/inbox/dave"),
        "a follower on a suspended server got the post"
    );
    camp.stop().await;
}

/// Hole 8: outside `--dev-federation`, loopback written as IPv4, IPv4-mapped, NAT64,
/// 6to4 and IPv4-compatible addresses is never fetched (the follow is refused before
/// any connection).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_dev_federation_no_disguised_private_address_is_fetched() {
    let mut camp = TestCamp::start_with(|c| {
        c.federate = true;
        c.public_url = Some("https://camp.example".into());
        c.dev_federation = false;
    })
    .await;
    let admin = crate::support::Key::generate();
    let code = camp.admin_invite.clone().expect("admin invite");
    exec(camp.addr, &admin, &format!("join {code} admin --agree"))
        .await
        .ok();
    camp.admin = Some(admin);
    let ana = camp.member("ana").await;
    for host in [
        "127.0.0.1",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::1]",
        "[::127.0.0.1]",
        "198.18.0.1",
        "192.0.0.8",
    ] {
        let out = exec(camp.addr, &ana, &format!("follow https://{host}:9/users/x")).await;
        assert!(
            out.status != Some(0) && out.stderr.contains("refused to fetch"),
            "{host}: {out:?}"
        );
    }
    camp.stop().await;
}

/// Hole 9: a signature must bind this camp's host: one that leaves `host` out, or
/// one made for another server, is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_must_cover_this_camps_host() {
    use rsa::signature::{SignatureEncoding, Signer};
    let site = Site::start("127.0.0.1").await;
    let (camp, ana, http) = fed_camp().await;
    let inbox = format!("http://{http}/users/ana/inbox");
    let k = keys();
    let hal = site.actor("hal", &k.public);
    let key_id = format!("{hal}#main-key");
    // Signed over (request-target), date and digest only.
    let body = follow(&hal, http, 1);
    let no_host = |h: &mut Vec<(&'static str, String)>| {
        let get = |n: &str| {
            h.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.clone())
                .expect(n)
        };
        let text = format!(
            "(request-target): post /users/ana/inbox\ndate: {}\ndigest: {}",
            get("date"),
            get("digest")
        );
        let sig = signing_key(&k.private).expect("key").sign(text.as_bytes());
        let value = format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"(request-target) date digest\",signature=\"{}\"",
            <base64ct::Base64 as base64ct::Encoding>::encode_string(&sig.to_bytes())
        );
        h.retain(|(k, _)| *k != "signature");
        h.push(("signature", value));
    };
    assert_eq!(
        post_signed(&inbox, &body, &key_id, &k.private, no_host).await,
        401
    );
    // Signed for another server (Host and signature agree, but it is not this camp).
    let other = |h: &mut Vec<(&'static str, String)>| {
        let kid = key_id.clone();
        let date = h
            .iter()
            .find(|(k, _)| *k == "date")
            .map(|(_, v)| v.clone())
            .expect("date");
        let digest = h
            .iter()
            .find(|(k, _)| *k == "digest")
            .map(|(_, v)| v.clone())
            .expect("digest");
        let text = format!(
            "(request-target): post /users/ana/inbox\nhost: other.example\ndate: {date}\ndigest: {digest}"
        );
        let sig = signing_key(&k.private).expect("key").sign(text.as_bytes());
        h.retain(|(k, _)| *k != "signature" && *k != "host");
        h.push(("host", "other.example".into()));
        h.push((
            "signature",
            format!(
                "keyId=\"{kid}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"{}\"",
                <base64ct::Base64 as base64ct::Encoding>::encode_string(&sig.to_bytes())
            ),
        ));
    };
    assert_eq!(
        post_signed(&inbox, &body, &key_id, &k.private, other).await,
        401
    );
    assert!(requests(&camp, &ana).await.contains("no follow requests"));
    // Signed properly: accepted.
    assert_eq!(
        post_signed(&inbox, &body, &key_id, &k.private, |_| {}).await,
        202
    );
    assert!(requests(&camp, &ana).await.contains("hal@"));
    camp.stop().await;
}

/// Hole 9: unknown keyIds make camp fetch, but never more than a few at a time from
/// one server. A slow key server counts how many fetches it holds at once; it lets
/// them go early if it ever sees more than the cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_key_ids_are_fetched_a_few_at_a_time_per_host() {
    const CAP: usize = camp::federation::slots::PER_HOST;
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let fetched = Arc::new(AtomicUsize::new(0));
    let too_many = Arc::new(tokio::sync::Notify::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let slow = format!("http://{}", listener.local_addr().expect("addr"));
    let (i, m, f, t) = (
        in_flight.clone(),
        most.clone(),
        fetched.clone(),
        too_many.clone(),
    );
    let app = axum::Router::new().fallback(move || {
        let (i, m, f, t) = (i.clone(), m.clone(), f.clone(), t.clone());
        async move {
            f.fetch_add(1, Ordering::SeqCst);
            let now = i.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            if now > CAP {
                t.notify_waiters();
            } else {
                // A slow server: holds the answer a while (or until the cap is broken).
                let _ = tokio::time::timeout(Duration::from_millis(1500), t.notified()).await;
            }
            i.fetch_sub(1, Ordering::SeqCst);
            StatusCode::NOT_FOUND
        }
    });
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let (camp, _ana, http) = fed_camp().await;
    let inbox = format!("http://{http}/users/ana/inbox");
    let k = keys();
    let actor = format!("{slow}/users/x");
    let mut posts = Vec::new();
    for n in 0..3 * CAP as u32 {
        let (inbox, body, key_id, private) = (
            inbox.clone(),
            follow(&actor, http, n),
            format!("{slow}/keys/{n}"),
            k.private.clone(),
        );
        posts.push(tokio::spawn(async move {
            post_signed(&inbox, &body, &key_id, &private, |_| {}).await
        }));
    }
    for p in posts {
        assert_eq!(p.await.expect("post"), 401);
    }
    assert_eq!(
        fetched.load(Ordering::SeqCst),
        3 * CAP,
        "one fetch per unknown key"
    );
    let most = most.load(Ordering::SeqCst);
    assert!(most <= CAP, "{most} fetches at once to one host");
    server.abort();
    camp.stop().await;
}

/// Hole 9: a bad signature from a key camp has just fetched does not make it fetch
/// the same key again at once (an unknown keyId costs one fetch, not two). A key
/// cached a while is still fetched again once, for rotation (covered by
/// `federation::inbox_checks_dates_digests_owners_duplicates_and_rotated_keys`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_signature_with_a_fresh_key_costs_one_fetch() {
    let site = Site::start("127.0.0.1").await;
    let (camp, ana, http) = fed_camp().await;
    let inbox = format!("http://{http}/users/ana/inbox");
    let (real, other) = (keys(), keys());
    let ivy = site.actor("ivy", &real.public);
    let key_id = format!("{ivy}#main-key");
    let status = post_signed(
        &inbox,
        &follow(&ivy, http, 1),
        &key_id,
        &other.private,
        |_| {},
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        fetches_of(&site, "/users/ivy"),
        1,
        "the key was fetched twice for one request"
    );
    assert!(requests(&camp, &ana).await.contains("no follow requests"));
    camp.stop().await;
}

/// Hole 10: an actor's `preferredUsername@host` is believed only when WebFinger at
/// that host points back at the actor: an impostor claiming another account's name
/// (or one with no WebFinger at all) is not stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_handle_is_believed_only_when_webfinger_points_back() {
    let site = Site::start("127.0.0.1").await;
    let (camp, ana, http) = fed_camp().await;
    let inbox = format!("http://{http}/users/ana/inbox");
    let (boss_keys, fake_keys, ghost_keys) = (keys(), keys(), keys());
    let boss = site.actor("boss", &boss_keys.public);
    // Another account on the same server calls itself "boss".
    let fake = site.actor_doc("impostor", "boss", &fake_keys.public, &site.url("/inbox/x"));
    let status = post_signed(
        &inbox,
        &follow(&fake, http, 1),
        &format!("{fake}#main-key"),
        &fake_keys.private,
        |_| {},
    )
    .await;
    assert_ne!(status, 202, "an impostor's follow was taken");
    // No WebFinger at all for this one.
    let ghost = site.actor_doc("ghost", "ghost", &ghost_keys.public, &site.url("/inbox/g"));
    let status = post_signed(
        &inbox,
        &follow(&ghost, http, 1),
        &format!("{ghost}#main-key"),
        &ghost_keys.private,
        |_| {},
    )
    .await;
    assert_ne!(status, 202, "an unconfirmed handle was taken");
    let listed = requests(&camp, &ana).await;
    assert!(listed.contains("no follow requests"), "{listed}");
    // The real boss is confirmed by WebFinger and stored under the handle.
    let status = post_signed(
        &inbox,
        &follow(&boss, http, 1),
        &format!("{boss}#main-key"),
        &boss_keys.private,
        |_| {},
    )
    .await;
    assert_eq!(status, 202);
    let out = exec(camp.addr, &ana, &format!("accept @boss@{}", site.host)).await;
    assert!(out.ok().contains("accepted"), "{out:?}");
    let deadline = Instant::now() + WAIT;
    while !site
        .received_at("/inbox/boss")
        .iter()
        .any(|v| v["type"] == "Accept")
    {
        assert!(Instant::now() < deadline, "boss never got the Accept");
        sleep(Duration::from_millis(100)).await;
    }
    assert!(site.received_at("/inbox/x").is_empty());
    camp.stop().await;
}

/// GETs of `path` this site has answered.
fn fetches_of(site: &Site, path: &str) -> usize {
    site.fetched
        .lock()
        .expect("fetched")
        .iter()
        .filter(|p| *p == path)
        .count()
}

/// Hole 9, again: bad signatures naming someone's cached key do not each make camp
/// fetch that key from its server ("it may have rotated"): however many come, the
/// key is fetched again at most once a minute. A keyId the server has no document
/// for is asked once, not at every POST naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signatures_naming_a_cached_key_cost_at_most_one_refetch() {
    const BOGUS: u32 = 8;
    let site = Site::start("127.0.0.1").await;
    let (camp, ana, http) = fed_camp().await;
    let inbox = format!("http://{http}/users/ana/inbox");
    let (real, other) = (keys(), keys());
    let ivy = site.actor("ivy", &real.public);
    let key_id = format!("{ivy}#main-key");
    // A good request: the key is fetched and cached.
    let status = post_signed(
        &inbox,
        &follow(&ivy, http, 1),
        &key_id,
        &real.private,
        |_| {},
    )
    .await;
    assert_eq!(status, 202);
    let before = fetches_of(&site, "/users/ivy");
    for n in 0..BOGUS {
        let status = post_signed(
            &inbox,
            &follow(&ivy, http, 100 + n),
            &key_id,
            &other.private,
            |_| {},
        )
        .await;
        assert_eq!(status, 401);
    }
    let refetches = fetches_of(&site, "/users/ivy") - before;
    assert!(
        refetches <= 1,
        "{BOGUS} bad signatures made camp fetch the key {refetches} times"
    );
    // The real key still works, from the cache.
    let status = post_signed(
        &inbox,
        &follow(&ivy, http, 2),
        &key_id,
        &real.private,
        |_| {},
    )
    .await;
    assert_eq!(status, 202);

    // A keyId with nothing behind it: one fetch, then camp remembers.
    let missing = site.url("/keys/missing");
    for n in 0..BOGUS {
        let status = post_signed(
            &inbox,
            &follow(&ivy, http, 200 + n),
            &missing,
            &other.private,
            |_| {},
        )
        .await;
        assert_eq!(status, 401);
    }
    assert_eq!(fetches_of(&site, "/keys/missing"), 1);
    assert!(!requests(&camp, &ana).await.contains("no follow requests"));
    camp.stop().await;
}

/// Hole 9, again: a server that takes connections and never answers is left alone
/// a while after the first failure, so a stream of ever-new keyIds on it does not
/// open a connection (and hold a fetch slot) each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_key_ids_on_a_dead_server_cost_one_connection() {
    const KEYS: u32 = 6;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let dead = format!("http://{}", listener.local_addr().expect("addr"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let a = accepted.clone();
    // Accepts and hangs up at once: every request to it fails at the network level.
    let server = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            a.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    let (camp, _ana, http) = fed_camp().await;
    let inbox = format!("http://{http}/users/ana/inbox");
    let k = keys();
    let actor = format!("{dead}/users/x");
    for n in 0..KEYS {
        let status = post_signed(
            &inbox,
            &follow(&actor, http, n),
            &format!("{dead}/keys/{n}"),
            &k.private,
            |_| {},
        )
        .await;
        assert_eq!(status, 401);
    }
    let connections = accepted.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&connections),
        "{KEYS} keyIds on a dead server opened {connections} connections"
    );
    server.abort();
    camp.stop().await;
}

/// A redirect does not take camp to a server it does not federate with: a keyId on
/// an allowed server that redirects to a suspended one is refused without a request
/// to the suspended server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_never_leads_to_a_suspended_server() {
    let far = Site::start("127.0.0.2").await;
    let (camp, _ana, http) = fed_camp().await;
    let admin = camp.admin.as_ref().expect("admin");
    let out = exec(
        camp.addr,
        admin,
        "domain-block 127.0.0.2 --severity suspend",
    )
    .await;
    assert!(out.ok().contains("127.0.0.2"), "{out:?}");
    let k = keys();
    let target = far.actor("far", &k.public);
    // A server that redirects every GET to the suspended one.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let near = format!("http://{}", listener.local_addr().expect("addr"));
    let hits = Arc::new(AtomicUsize::new(0));
    let (h, to) = (hits.clone(), target.clone());
    let app = axum::Router::new().fallback(move || {
        let (h, to) = (h.clone(), to.clone());
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            (StatusCode::FOUND, [("location", to)], "")
        }
    });
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let inbox = format!("http://{http}/users/ana/inbox");
    // The actor and its keyId are on the allowed server.
    let status = post_signed(
        &inbox,
        &follow(&format!("{near}/users/far"), http, 1),
        &format!("{near}/users/far#main-key"),
        &k.private,
        |_| {},
    )
    .await;
    assert_eq!(status, 401);
    assert!(
        hits.load(Ordering::SeqCst) >= 1,
        "the redirect was not asked"
    );
    let fetched = far.fetched.lock().expect("fetched").clone();
    assert!(
        fetched.is_empty(),
        "camp followed a redirect to a suspended server: {fetched:?}"
    );
    server.abort();
    camp.stop().await;
}
