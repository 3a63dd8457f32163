//! A hand-rolled remote ActivityPub server for inbox tests, served from the test on
//! loopback: one actor (`/users/{name}`) with its own RSA key, an inbox that records
//! what camp delivers, and objects served at `/objects/{n}`. It signs what it POSTs
//! itself, so tests can send exactly the activity (or the attack) they need. No node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::Path;
use axum::http::StatusCode;
use serde_json::{Value, json};
use tokio::time::{Instant, sleep};

/// How long a delivery from camp may take to arrive.
pub const WAIT: Duration = Duration::from_secs(60);

/// Which header carries the body's hash in a signed POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyHash {
    /// `Digest: SHA-256=...` (draft-cavage's companion), signed.
    Digest,
    /// RFC 9530 `Content-Digest: sha-256=:...:`, signed.
    ContentDigest,
    /// `Content-Digest` sent but left out of the signed headers.
    ContentDigestUnsigned,
    /// `Content-Digest` of another body, signed.
    ContentDigestWrong,
}

/// A running hand-rolled actor; the server stops on drop.
pub struct HandRolled {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The actor's name.
    pub name: String,
    private_pem: String,
    /// Seed of the Ed25519 key listed under `assertionMethod` (`{actor}#ed25519-key`).
    ed25519_seed: [u8; 32],
    /// Bodies POSTed to the actor's inbox.
    pub received: Arc<Mutex<Vec<Value>>>,
    objects: Arc<Mutex<HashMap<String, Value>>>,
    server: tokio::task::JoinHandle<()>,
}

impl HandRolled {
    /// Starts an actor `name` on a fresh loopback port.
    pub async fn start(name: &str) -> HandRolled {
        let keys = camp::federation::keys::generate().expect("a key");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let id = format!("{base}/users/{name}");
        let mut ed25519_seed = [0u8; 32];
        getrandom::fill(&mut ed25519_seed).expect("random seed");
        let ed_key = camp::federation::proofs::signing_key(&ed25519_seed).expect("ed25519 key");
        let doc = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id, "type": "Person", "preferredUsername": name, "name": name,
            "inbox": format!("{id}/inbox"),
            "followers": format!("{id}/followers"),
            "publicKey": {"id": format!("{id}#main-key"), "owner": id,
                          "publicKeyPem": keys.public_pem},
            "assertionMethod": [{"id": format!("{id}#ed25519-key"), "type": "Multikey",
                "controller": id,
                "publicKeyMultibase": camp::federation::proofs::multikey(&ed_key.verifying_key())}],
        })
        .to_string();
        let received = Arc::new(Mutex::new(Vec::new()));
        let objects = Arc::new(Mutex::new(HashMap::<String, Value>::new()));
        let (r, o) = (received.clone(), objects.clone());
        // WebFinger leads back to the actor: camp checks the handle before storing it.
        let finger = json!({"subject": format!("acct:{name}@{}", &base["http://".len()..]),
            "links": [{"rel": "self", "type": "application/activity+json", "href": id}]})
        .to_string();
        let app = axum::Router::new()
            .route(
                "/.well-known/webfinger",
                axum::routing::get(move || {
                    let finger = finger.clone();
                    async move { ([("content-type", "application/jrd+json")], finger) }
                }),
            )
            .route(
                &format!("/users/{name}"),
                axum::routing::get(move || {
                    let doc = doc.clone();
                    async move { ([("content-type", "application/activity+json")], doc) }
                }),
            )
            .route(
                &format!("/users/{name}/inbox"),
                axum::routing::post(move |body: String| {
                    let r = r.clone();
                    async move {
                        if let Ok(v) = serde_json::from_str::<Value>(&body) {
                            r.lock().expect("received").push(v);
                        }
                        StatusCode::ACCEPTED
                    }
                }),
            )
            .route(
                "/objects/{n}",
                axum::routing::get(move |Path(n): Path<String>| {
                    let o = o.clone();
                    async move {
                        match o.lock().expect("objects").get(&n) {
                            Some(v) => (
                                StatusCode::OK,
                                [("content-type", "application/activity+json")],
                                v.to_string(),
                            ),
                            None => (
                                StatusCode::NOT_FOUND,
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
        HandRolled {
            base,
            name: name.to_string(),
            private_pem: keys.private_pem,
            ed25519_seed,
            received,
            objects,
            server,
        }
    }

    /// The actor's id.
    pub fn actor(&self) -> String {
        format!("{}/users/{}", self.base, self.name)
    }

    /// The URL of object `n`.
    pub fn object(&self, n: &str) -> String {
        format!("{}/objects/{n}", self.base)
    }

    /// Serves `doc` as object `n`.
    pub fn serve(&self, n: &str, doc: Value) {
        self.objects
            .lock()
            .expect("objects")
            .insert(n.to_string(), doc);
    }

    /// An activity by this actor with the id `{actor}#{kind}-{n}`.
    pub fn activity(&self, kind: &str, n: &str, object: Value) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#{kind}-{n}", self.actor()),
            "type": kind,
            "actor": self.actor(),
            "object": object,
        })
    }

    /// `activity` with an `eddsa-jcs-2022` integrity proof by this actor's Ed25519
    /// key, naming the method `vm` (`{actor}#ed25519-key` when None).
    pub fn prove(&self, activity: Value, vm: Option<&str>) -> Value {
        let key = camp::federation::proofs::signing_key(&self.ed25519_seed).expect("key");
        let own = format!("{}#ed25519-key", self.actor());
        camp::federation::proofs::attach(activity, &key, vm.unwrap_or(&own), "2026-01-01T00:00:00Z")
    }

    /// A public Note `n` by this actor.
    pub fn note(&self, n: &str, content: &str) -> Value {
        json!({
            "id": self.object(n),
            "type": "Note",
            "attributedTo": self.actor(),
            "content": content,
            "to": "https://www.w3.org/ns/activitystreams#Public",
            "cc": format!("{}/followers", self.actor()),
        })
    }

    /// The camper `ana` (over exec on the camp's SSH `ssh`) follows this actor, which
    /// accepts at ana's inbox on the camp's web door `http`.
    pub async fn accept_follow_of(
        &self,
        ssh: std::net::SocketAddr,
        ana: &crate::support::Key,
        http: std::net::SocketAddr,
    ) {
        let out = crate::support::exec(ssh, ana, &format!("follow {}", self.actor())).await;
        assert!(out.ok().contains("pending"), "{out:?}");
        let me = format!("http://{http}/users/ana");
        let follow = self
            .wait_received("the Follow", |v| {
                v["type"] == "Follow" && v["actor"] == me.as_str()
            })
            .await;
        let accept = self.activity("Accept", "ana", follow);
        assert_eq!(
            self.post(&format!("http://{http}/users/ana/inbox"), &accept)
                .await,
            202
        );
    }

    /// POSTs `body` to `inbox`, signed draft-cavage with a `Digest`; the status.
    pub async fn post(&self, inbox: &str, body: &Value) -> u16 {
        self.post_hashed(inbox, &body.to_string(), BodyHash::Digest)
            .await
    }

    /// POSTs `body` signed draft-cavage over `(request-target) host date` and the
    /// body hash carried as `hash` says; the status.
    pub async fn post_hashed(&self, inbox: &str, body: &str, hash: BodyHash) -> u16 {
        use base64ct::{Base64, Encoding};
        use rsa::signature::{SignatureEncoding, Signer};
        use sha2::{Digest as _, Sha256};
        let url = reqwest::Url::parse(inbox).expect("inbox url");
        let host = format!(
            "{}:{}",
            url.host_str().expect("host"),
            url.port().expect("port")
        );
        let date = httpdate::fmt_http_date(SystemTime::now());
        let content_digest =
            |b: &[u8]| format!("sha-256=:{}:", Base64::encode_string(&Sha256::digest(b)));
        let mut headers: Vec<(&str, String)> = vec![("host", host), ("date", date)];
        let mut signed = vec!["(request-target)", "host", "date"];
        match hash {
            BodyHash::Digest => {
                headers.push((
                    "digest",
                    camp::federation::signatures::digest_header(body.as_bytes()),
                ));
                signed.push("digest");
            }
            BodyHash::ContentDigest => {
                headers.push(("content-digest", content_digest(body.as_bytes())));
                signed.push("content-digest");
            }
            BodyHash::ContentDigestUnsigned => {
                headers.push(("content-digest", content_digest(body.as_bytes())));
            }
            BodyHash::ContentDigestWrong => {
                headers.push(("content-digest", content_digest(b"another body")));
                signed.push("content-digest");
            }
        }
        let mut lines = vec![format!("(request-target): post {}", url.path())];
        for name in &signed[1..] {
            let v = &headers.iter().find(|(k, _)| k == name).expect("signed").1;
            lines.push(format!("{name}: {v}"));
        }
        let key = camp::federation::signatures::signing_key(&self.private_pem).expect("key");
        let sig = key.sign(lines.join("\n").as_bytes()).to_bytes();
        headers.push((
            "signature",
            format!(
                "keyId=\"{}#main-key\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{}\"",
                self.actor(),
                signed.join(" "),
                Base64::encode_string(&sig)
            ),
        ));
        let mut req = reqwest::Client::new()
            .post(inbox)
            .header("content-type", "application/activity+json")
            .body(body.to_string());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send().await.expect("post to camp").status().as_u16()
    }

    /// GETs `url` as ActivityPub JSON, signed draft-cavage over `(request-target)
    /// host date` with this actor's key; the status and body.
    pub async fn get_signed(&self, url: &str) -> (u16, String) {
        use base64ct::{Base64, Encoding};
        use rsa::signature::{SignatureEncoding, Signer};
        let parsed = reqwest::Url::parse(url).expect("url");
        let host = format!(
            "{}:{}",
            parsed.host_str().expect("host"),
            parsed.port().expect("port")
        );
        let date = httpdate::fmt_http_date(SystemTime::now());
        let target = match parsed.query() {
            Some(q) => format!("{}?{q}", parsed.path()),
            None => parsed.path().to_string(),
        };
        let text = format!("(request-target): get {target}\nhost: {host}\ndate: {date}");
        let key = camp::federation::signatures::signing_key(&self.private_pem).expect("key");
        let sig = Base64::encode_string(&key.sign(text.as_bytes()).to_bytes());
        let res = reqwest::Client::new()
            .get(url)
            .header("accept", "application/activity+json")
            .header("host", host)
            .header("date", date)
            .header(
                "signature",
                format!(
                    "keyId=\"{}#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"{sig}\"",
                    self.actor()
                ),
            )
            .send()
            .await
            .expect("signed get");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    /// Waits for a delivered activity matching `pred`.
    pub async fn wait_received(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let got = self.received.lock().expect("received").clone();
            if let Some(v) = got.into_iter().find(|v| pred(v)) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "{} never received {what}",
                self.name
            );
            sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for HandRolled {
    fn drop(&mut self) {
        self.server.abort();
    }
}
