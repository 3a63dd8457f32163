//! A post URL must not be an oracle for followers-only posts. Verifying a signed GET
//! may fetch the signer's key from the signer's own server; if camp verified only
//! the fetches of followers-only posts, a server signing GETs for many ids would
//! read off its own access log which ids are followers-only posts, and whose. Here
//! a key server on loopback counts how often each of its actors' key documents is
//! fetched, and signed GETs of every kind of id must cost the same fetch and get
//! the same answer (status, headers, body) as an id that does not exist.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::http::{StatusCode, Uri};
use serde_json::json;

use crate::fedkit::fed_camp;
use crate::remote_actor::HandRolled;
use crate::support::{exec, post_id};

/// A server of any number of actors (`/users/{name}`), all listing one RSA key,
/// that records every request made to it (path and query), so a test sees each
/// fetch of an actor's document (where its key lives) and each WebFinger lookup.
/// Anything but an actor document is answered 404.
struct KeySpy {
    base: String,
    private_pem: String,
    /// A key no actor lists, for badly signed requests.
    wrong_pem: String,
    requests: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

/// What camp answered: status, every header but `date`, and the body.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl KeySpy {
    async fn start() -> KeySpy {
        let keys = camp::federation::keys::generate().expect("a key");
        let wrong = camp::federation::keys::generate().expect("another key");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::<String>::new()));
        let (seen, origin, pem) = (requests.clone(), base.clone(), keys.public_pem.clone());
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let target = uri
                .path_and_query()
                .map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
            seen.lock().expect("requests").push(target);
            let name = uri
                .path()
                .strip_prefix("/users/")
                .filter(|n| !n.is_empty() && !n.contains('/'))
                .map(str::to_string);
            let doc = name.map(|name| {
                let id = format!("{origin}/users/{name}");
                json!({
                    "@context": ["https://www.w3.org/ns/activitystreams",
                                 "https://w3id.org/security/v1"],
                    "id": id, "type": "Person", "preferredUsername": name,
                    "inbox": format!("{id}/inbox"),
                    "publicKey": {"id": format!("{id}#main-key"), "owner": id,
                                  "publicKeyPem": pem},
                })
                .to_string()
            });
            async move {
                match doc {
                    Some(doc) => (
                        StatusCode::OK,
                        [("content-type", "application/activity+json")],
                        doc,
                    ),
                    None => (
                        StatusCode::NOT_FOUND,
                        [("content-type", "text/plain")],
                        String::new(),
                    ),
                }
            }
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        KeySpy {
            base,
            private_pem: keys.private_pem,
            wrong_pem: wrong.private_pem,
            requests,
            server,
        }
    }

    /// The actor id of `name`.
    fn actor(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    /// How often actor `name`'s document (its key) was fetched.
    fn fetches(&self, name: &str) -> usize {
        let doc = format!("/users/{name}");
        self.requests
            .lock()
            .expect("requests")
            .iter()
            .filter(|r| **r == doc)
            .count()
    }

    /// Every request that named `name`, with the name written `NAME`, sorted.
    fn requests_about(&self, name: &str) -> Vec<String> {
        let mut got: Vec<String> = self
            .requests
            .lock()
            .expect("requests")
            .iter()
            .filter(|r| r.contains(name))
            .map(|r| r.replace(name, "NAME"))
            .collect();
        got.sort();
        got
    }

    /// The `Signature` header of actor `name` (with a key it does not list when
    /// `forged`) over the signed `lines` (whose header names are `names`).
    fn signature(&self, name: &str, lines: &[String], names: &str, forged: bool) -> String {
        use base64ct::{Base64, Encoding};
        use rsa::signature::{SignatureEncoding, Signer};
        let pem = if forged {
            &self.wrong_pem
        } else {
            &self.private_pem
        };
        let key = camp::federation::signatures::signing_key(pem).expect("key");
        let sig = Base64::encode_string(&key.sign(lines.join("\n").as_bytes()).to_bytes());
        format!(
            "keyId=\"{}#main-key\",algorithm=\"rsa-sha256\",headers=\"{names}\",signature=\"{sig}\"",
            self.actor(name)
        )
    }

    /// GETs `url` as ActivityPub JSON signed draft-cavage by actor `name` (with a
    /// key it does not list when `forged`).
    async fn get(&self, name: &str, url: &str, forged: bool) -> Answer {
        let (host, date) = host_and_date(url);
        let path = reqwest::Url::parse(url).expect("url").path().to_string();
        let lines = [
            format!("(request-target): get {path}"),
            format!("host: {host}"),
            format!("date: {date}"),
        ];
        let signature = self.signature(name, &lines, "(request-target) host date", forged);
        let req = reqwest::Client::new()
            .get(url)
            .header("host", host)
            .header("date", date)
            .header("signature", signature);
        answer(req).await
    }

    /// POSTs `body` to `inbox` signed draft-cavage (with a `Digest`) by actor
    /// `name`; the status.
    async fn post(&self, name: &str, inbox: &str, body: &serde_json::Value) -> u16 {
        let body = body.to_string();
        let (host, date) = host_and_date(inbox);
        let path = reqwest::Url::parse(inbox).expect("url").path().to_string();
        let digest = camp::federation::signatures::digest_header(body.as_bytes());
        let lines = [
            format!("(request-target): post {path}"),
            format!("host: {host}"),
            format!("date: {date}"),
            format!("digest: {digest}"),
        ];
        let signature = self.signature(name, &lines, "(request-target) host date digest", false);
        reqwest::Client::new()
            .post(inbox)
            .header("content-type", "application/activity+json")
            .header("host", host)
            .header("date", date)
            .header("digest", digest)
            .header("signature", signature)
            .body(body)
            .send()
            .await
            .expect("a POST to camp")
            .status()
            .as_u16()
    }
}

/// The `Host` (with its port) a request to `url` carries, and a `Date` for now.
fn host_and_date(url: &str) -> (String, String) {
    let parsed = reqwest::Url::parse(url).expect("url");
    let host = format!(
        "{}:{}",
        parsed.host_str().expect("host"),
        parsed.port().expect("port")
    );
    (host, httpdate::fmt_http_date(SystemTime::now()))
}

impl Drop for KeySpy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Sends `req` (asking for ActivityPub JSON) and keeps what a client could compare.
async fn answer(req: reqwest::RequestBuilder) -> Answer {
    let res = req
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("a GET to camp");
    let status = res.status().as_u16();
    let mut headers: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(k, _)| *k != "date")
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_string()))
        .collect();
    headers.sort();
    let body = res.text().await.unwrap_or_default();
    Answer {
        status,
        headers,
        body,
    }
}

/// Posts `command` as `key` and returns the new post's id.
async fn posted(addr: SocketAddr, key: &crate::support::Key, command: &str) -> String {
    post_id(exec(addr, key, command).await.ok())
}

/// Signed GETs of a followers-only post, of an id that does not exist, of a
/// camp-only and of a direct post, of someone else's post under ana's name, of a
/// name that does not exist, and of a public post: each (by a signer camp has not
/// seen) fetches the signer's key exactly once, and every one that is not served
/// gets the very answer a missing id gets. Unsigned GETs cost nothing and get that
/// answer too; a badly signed GET costs the same whatever it asks for; a key once
/// fetched is not fetched again. An accepted follower's server still gets the post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_fetches_cost_the_same_whatever_the_id() {
    let (camp, ana, http) = fed_camp().await;
    let bo = camp.member("bo").await;
    let public = posted(camp.addr, &ana, "post --to public 'out in the open'").await;
    let followers = posted(camp.addr, &ana, "post --to followers 'for followers'").await;
    let camp_only = posted(camp.addr, &ana, "post --to camp 'camp only'").await;
    let direct = posted(camp.addr, &ana, "post --to direct 'just bo @bo'").await;
    let bos = posted(camp.addr, &bo, "post --to public 'bo speaking'").await;

    let note = |name: &str, id: &str| format!("http://{http}/users/{name}/posts/{id}");
    let missing = note("ana", "1");
    let hidden = [
        ("followers", note("ana", &followers)),
        ("camp", note("ana", &camp_only)),
        ("direct", note("ana", &direct)),
        ("others", note("ana", &bos)),
        ("nobody", note("zed", &followers)),
        ("garbage", note("ana", "not-a-number")),
        (
            "followers-activity",
            format!("{}/activity", note("ana", &followers)),
        ),
        (
            "direct-activity",
            format!("{}/activity", note("ana", &direct)),
        ),
        ("missing-activity", format!("{missing}/activity")),
    ];

    let spy = KeySpy::start().await;
    let baseline = spy.get("first", &missing, false).await;
    assert_eq!(baseline.status, 404, "{baseline:?}");
    assert_eq!(
        spy.fetches("first"),
        1,
        "a signed GET of a missing id did not verify its signature"
    );
    for (what, url) in &hidden {
        let got = spy.get(what, url, false).await;
        assert_eq!(got, baseline, "{what}: answered unlike a missing id");
        assert_eq!(
            spy.fetches(what),
            1,
            "{what}: the signer's key was fetched unlike for a missing id"
        );
    }
    let got = spy.get("public", &note("ana", &public), false).await;
    assert_eq!(got.status, 200, "{got:?}");
    assert!(got.body.contains("out in the open"), "{got:?}");
    assert_eq!(spy.fetches("public"), 1);

    // The key is cached as before: the same signer again, for every kind of id,
    // fetches nothing more.
    for (_, url) in &hidden {
        assert_eq!(spy.get("first", url, false).await, baseline);
    }
    assert_eq!(spy.fetches("first"), 1, "a cached key was fetched again");

    // A bad signature costs the same for a missing id as for a followers-only post.
    assert_eq!(spy.get("forged-missing", &missing, true).await, baseline);
    assert_eq!(
        spy.get("forged-followers", &hidden[0].1, true).await,
        baseline
    );
    assert_eq!(
        spy.fetches("forged-missing"),
        spy.fetches("forged-followers")
    );
    assert!(spy.fetches("forged-missing") >= 1);

    // Unsigned: the same answer for every hidden id (and nothing names a key).
    let client = reqwest::Client::new();
    let unsigned = answer(client.get(&missing)).await;
    assert_eq!(unsigned, baseline);
    for (what, url) in &hidden {
        assert_eq!(answer(client.get(url)).await, unsigned, "{what} unsigned");
    }

    // The rule itself still holds: an accepted follower's server gets the post,
    // while the spy (a stranger) still gets the missing-id answer.
    let fay = HandRolled::start("fay").await;
    let follow = fay.activity("Follow", "ana", json!(format!("http://{http}/users/ana")));
    assert_eq!(
        fay.post(&format!("http://{http}/users/ana/inbox"), &follow)
            .await,
        202
    );
    let handle = format!("@fay@{}", &fay.base["http://".len()..]);
    let out = exec(camp.addr, &ana, &format!("accept {handle}")).await;
    assert!(out.ok().contains("accepted"), "{out:?}");
    let (status, body) = fay.get_signed(&hidden[0].1).await;
    assert_eq!(
        status, 200,
        "an accepted follower's server was refused: {body}"
    );
    assert!(body.contains("for followers"), "{body}");
    let (status, _) = fay.get_signed(&hidden[6].1).await;
    assert_eq!(status, 200, "the follower could not fetch the activity");
    // Still nothing else for the follower, answered as a missing id is (its own
    // headers differ from the spy's in nothing that names the post).
    for (what, url) in [&hidden[1], &hidden[2], &hidden[3]] {
        let (status, body) = fay.get_signed(url).await;
        assert_eq!(
            (status, body.as_str()),
            (404, baseline.body.as_str()),
            "{what}"
        );
    }
    assert_eq!(spy.get("after", &hidden[0].1, false).await, baseline);
    camp.stop().await;
}

/// A `Flag` naming a camp-only post and one naming an id that does not exist cost
/// the reporter's server the same requests and get the same answer: the reporter is
/// looked up (here its WebFinger fails, so both are asked to retry) before anything
/// of ours is, so a report cannot probe which ids are posts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_cost_the_same_whether_the_post_exists_or_not() {
    let (camp, ana, http) = fed_camp().await;
    let camp_only = posted(camp.addr, &ana, "post --to camp 'camp only'").await;
    let inbox = format!("http://{http}/inbox");
    let spy = KeySpy::start().await;
    let flag = |name: &str, object: String| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#flag-1", spy.actor(name)),
            "type": "Flag",
            "actor": spy.actor(name),
            "object": [object],
            "content": "probe",
        })
    };
    let missing = format!("http://{http}/users/ana/posts/1");
    let existing = format!("http://{http}/users/ana/posts/{camp_only}");
    let a = spy
        .post("flag-missing", &inbox, &flag("flag-missing", missing))
        .await;
    let b = spy
        .post("flag-existing", &inbox, &flag("flag-existing", existing))
        .await;
    assert_eq!(a, b, "a Flag answered by whether the post exists");
    let seen = spy.requests_about("flag-missing");
    assert_eq!(
        seen,
        spy.requests_about("flag-existing"),
        "a Flag cost the reporter's server requests by whether the post exists"
    );
    assert!(
        seen.iter().any(|r| r.contains("webfinger")),
        "the reporter was not looked up: {seen:?}"
    );
    // No report came of either (the reporter could not be confirmed).
    let admin = camp.admin.as_ref().expect("admin");
    let reports = crate::support::json_list(exec(camp.addr, admin, "reports --json").await.ok());
    assert!(reports.is_empty(), "{reports:?}");
    camp.stop().await;
}
