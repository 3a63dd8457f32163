//! The HTTP side of the bridge (axum): WebFinger, host-meta, NodeInfo, actors,
//! outboxes, notes of public posts, and the inboxes. Documents are served without a
//! signature; inbox POSTs need one, and so does the fetch of a followers-only post
//! ([`super::followers_only`]). Anything else not public answers 404, the same 404
//! (status, headers, body, and side effects: see `servable_post`) as an id that
//! does not exist.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Bridge;
use super::wire;
use crate::model::{Account, Visibility};

/// Largest inbox body accepted.
pub const MAX_INBOX_BODY: usize = 1 << 20;
/// Most posts an outbox lists.
const OUTBOX_ITEMS: usize = 20;

type Shared = State<Arc<Bridge>>;

/// The bridge's routes.
pub fn router(bridge: Arc<Bridge>) -> Router {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/host-meta", get(host_meta))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/{version}", get(nodeinfo))
        .route("/actor", get(instance_actor))
        .route("/users/{name}", get(actor))
        .route("/users/{name}/outbox", get(outbox))
        .route("/users/{name}/followers", get(followers))
        .route("/users/{name}/following", get(following))
        .route("/users/{name}/posts/{id}", get(note))
        .route("/users/{name}/posts/{id}/activity", get(note_activity))
        .route("/users/{name}/inbox", post(inbox))
        .route("/inbox", post(inbox))
        .layer(DefaultBodyLimit::max(MAX_INBOX_BODY))
        .with_state(bridge)
}

/// Runs store work on the blocking pool (sled reads block; a route answering
/// strangers must not stall the runtime that carries every session).
async fn blocking<T: Send + 'static>(
    b: &Arc<Bridge>,
    work: impl FnOnce(&Bridge) -> T + Send + 'static,
) -> Option<T> {
    let b = b.clone();
    tokio::task::spawn_blocking(move || work(&b)).await.ok()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// The media type to answer with when the client asked for ActivityPub JSON.
fn negotiate(headers: &HeaderMap) -> Option<&'static str> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if accept.contains("application/activity+json") {
        Some("application/activity+json")
    } else if accept.contains("application/ld+json") {
        Some("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"")
    } else if accept.contains("application/json") {
        Some("application/activity+json")
    } else {
        None
    }
}

fn ap_json(headers: &HeaderMap, doc: Value) -> Response {
    let ct = negotiate(headers).unwrap_or("application/activity+json");
    let mut res = doc.to_string().into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    res
}

fn json_as(ct: &'static str, doc: Value) -> Response {
    let mut res = doc.to_string().into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    res
}

/// A local, unsuspended account by name (never a remote shadow account).
fn local_account(b: &Bridge, name: &str) -> Option<Account> {
    if name.len() > 30 || name.contains('@') {
        return None;
    }
    b.camp()
        .store()
        .account_by_name(name)
        .ok()
        .flatten()
        .filter(|a| !a.is_remote() && !a.suspended && a.username == name)
}

#[derive(Deserialize)]
struct WebfingerQuery {
    resource: String,
}

async fn webfinger(State(b): Shared, Query(q): Query<WebfingerQuery>) -> Response {
    let host = b.urls().host().to_ascii_lowercase();
    let name = if let Some(acct) = q.resource.strip_prefix("acct:") {
        let acct = acct.trim_start_matches('@');
        match acct.rsplit_once('@') {
            Some((user, h)) if h.eq_ignore_ascii_case(&host) => user.to_string(),
            _ => return not_found(),
        }
    } else {
        match b.urls().username_of(&q.resource) {
            Some(n) => n,
            None => return not_found(),
        }
    };
    let Some(account) = local_account(&b, &name.to_lowercase()) else {
        return not_found();
    };
    let actor = b.urls().actor(&account.username);
    json_as(
        "application/jrd+json",
        json!({
            "subject": format!("acct:{}@{host}", account.username),
            "aliases": [actor],
            "links": [
                {"rel": "self", "type": "application/activity+json", "href": actor},
            ],
        }),
    )
}

async fn host_meta(State(b): Shared) -> Response {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{}/.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n",
        b.urls().base()
    );
    let mut res = xml.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xrd+xml"),
    );
    res
}

async fn nodeinfo_links(State(b): Shared) -> Response {
    let base = b.urls().base();
    json_as(
        "application/json",
        json!({"links": [
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0")},
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base}/nodeinfo/2.1")},
        ]}),
    )
}

async fn nodeinfo(State(b): Shared, Path(version): Path<String>) -> Response {
    if version != "2.0" && version != "2.1" {
        return not_found();
    }
    let (users, posts) = match b.public_counts().await {
        Ok(c) => c,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let software = json!({"name": "camp", "version": env!("CARGO_PKG_VERSION")});
    let mut res = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": false,
        "usage": {"users": {"total": users}, "localPosts": posts},
        "metadata": {"nodeName": b.camp().info().name},
    })
    .to_string()
    .into_response();
    let ct = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    if let Ok(v) = HeaderValue::from_str(&ct) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res
}

async fn instance_actor(State(b): Shared, headers: HeaderMap) -> Response {
    match b.local_keys(super::INSTANCE_KEY_SLOT).await {
        Ok(keys) => ap_json(
            &headers,
            wire::instance_actor_document(b.urls(), &b.camp().info().name, &keys.public_pem),
        ),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn actor(State(b): Shared, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(account) = local_account(&b, &name) else {
        return not_found();
    };
    if negotiate(&headers).is_none() {
        let text = format!(
            "@{}@{} is a camper on {}. Follow them from your ActivityPub server.\n",
            account.username,
            b.urls().host(),
            b.camp().info().name
        );
        return ([(header::VARY, HeaderValue::from_static("Accept"))], text).into_response();
    }
    let keys = match b.local_keys(account.id).await {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!("no key for {}: {e}", account.username);
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let multikey = super::proofs::signing_key(&keys.ed25519_seed)
        .map(|k| super::proofs::multikey(&k.verifying_key()));
    ap_json(
        &headers,
        wire::actor_document(b.urls(), &account, &keys.public_pem, multikey.as_deref()),
    )
}

async fn outbox(State(b): Shared, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let page = blocking(&b, move |b| {
        let account = local_account(b, &name)?;
        let posts = b.camp().federable_posts_of(account.id, OUTBOX_ITEMS).ok()?;
        let total = posts.len();
        let items = posts
            .iter()
            .filter(|p| wire::federable(p, &account))
            .filter_map(|p| {
                let object = served_object(b, p, &account).ok()?;
                Some(wire::create_of(b.urls(), &account, object))
            })
            .collect();
        let id = format!("{}/outbox", b.urls().actor(&account.username));
        Some(wire::collection(&id, total, items))
    })
    .await
    .flatten();
    match page {
        Some(doc) => ap_json(&headers, doc),
        None => not_found(),
    }
}

async fn followers(State(b): Shared, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let found = blocking(&b, move |b| {
        let account = local_account(b, &name)?;
        let total = b
            .camp()
            .store()
            .remote_followers_of(account.id)
            .map(|v| {
                v.iter()
                    .filter(|f| f.state == crate::store::federation::FollowState::Accepted)
                    .count()
            })
            .unwrap_or(0);
        Some((account, total))
    })
    .await
    .flatten();
    let Some((account, total)) = found else {
        return not_found();
    };
    let id = format!("{}/followers", b.urls().actor(&account.username));
    ap_json(
        &headers,
        json!({"@context": wire::context(), "id": id, "type": "OrderedCollection", "totalItems": total}),
    )
}

async fn following(State(b): Shared, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(account) = local_account(&b, &name) else {
        return not_found();
    };
    let id = format!("{}/following", b.urls().actor(&account.username));
    ap_json(
        &headers,
        json!({"@context": wire::context(), "id": id, "type": "OrderedCollection", "totalItems": 0}),
    )
}

/// The post `id` by `name` and what it leaves as: a public post for anyone, a
/// followers-only one only for a signed fetch from a follower's server
/// ([`super::followers_only`]); anything else is not there.
///
/// The order is the privacy: the signature is verified (which may fetch the
/// signer's key from its server) and the follower check made *before* the post is
/// looked at, for every request alike, so neither the signer's server nor the
/// answer's timing learns whether an id is a followers-only post, a direct or
/// camp-only one, someone else's, or nothing. Only the final decision reads the
/// post's reach, and every "no" is the same [`not_found`].
async fn servable_post(
    b: &Arc<Bridge>,
    name: String,
    id: String,
    uri: &Uri,
    headers: &HeaderMap,
) -> Option<(Account, crate::model::Post)> {
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let signer = super::followers_only::signer(b, &path, headers).await;
    blocking(b, move |b| {
        let account = local_account(b, &name)?;
        let follower = signer
            .as_deref()
            .is_some_and(|s| super::followers_only::from_follower_host(b, &account, s));
        let post = id
            .parse()
            .ok()
            .and_then(|id| b.camp().store().post(id).ok().flatten())?;
        may_serve(&post, &account, follower).then_some((account, post))
    })
    .await
    .flatten()
}

/// Whether `post` is served under `account`'s name to a reader who is (`follower`)
/// or is not on a server of one of the account's accepted followers.
fn may_serve(post: &crate::model::Post, account: &Account, follower: bool) -> bool {
    match wire::reach(post, account) {
        Some(wire::Reach::Public) => wire::federable(post, account),
        Some(wire::Reach::Followers) => follower,
        Some(wire::Reach::Direct) | None => false,
    }
}

/// The object a post that may be served is fetched as, by its URL, its `/activity`
/// or the outbox: its Note, or a `Question` with its choices, counts, end and state
/// when it has a poll, built as the delivered one is ([`super::polls::as_question`]).
fn served_object(b: &Bridge, post: &crate::model::Post, account: &Account) -> crate::Result<Value> {
    let parent = b.reply_target(post).ok().flatten().map(|(u, _)| u);
    let mut n = wire::note(b.urls(), post, account, parent.as_deref());
    super::polls::as_question(b, post, &mut n)?;
    Ok(n)
}

/// A served note is private to its readers when followers-only: no shared cache
/// may keep it.
fn served(headers: &HeaderMap, post: &crate::model::Post, doc: Value) -> Response {
    let mut res = ap_json(headers, doc);
    if post.visibility != Visibility::Public {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    res
}

async fn note(
    State(b): Shared,
    Path((name, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match servable_post(&b, name, id, &uri, &headers).await {
        Some((account, post)) => {
            let Ok(mut n) = served_object(&b, &post, &account) else {
                return not_found();
            };
            n["@context"] = wire::context();
            served(&headers, &post, n)
        }
        None => not_found(),
    }
}

async fn note_activity(
    State(b): Shared,
    Path((name, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match servable_post(&b, name, id, &uri, &headers).await {
        Some((account, post)) => {
            let Ok(object) = served_object(&b, &post, &account) else {
                return not_found();
            };
            served(&headers, &post, wire::create_of(b.urls(), &account, object))
        }
        None => not_found(),
    }
}

async fn inbox(State(b): Shared, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    // Signatures cover the Host header (see `signatures::check_coverage`); that only
    // binds a request to this camp when the Host is this camp's. A request signed for
    // another server and replayed here is refused before any key is fetched.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("");
    if !host.eq_ignore_ascii_case(&b.urls().host()) {
        tracing::info!("inbox: refused a request for another host");
        return (StatusCode::UNAUTHORIZED, "").into_response();
    }
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let status = super::inbox::receive(&b, &path, &headers, &body).await;
    (status, "").into_response()
}
