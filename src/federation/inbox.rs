//! Incoming activities: verify the HTTP signature (draft-cavage or RFC 9421; anything
//! unverifiable gets 401, so Fedify's "double knock" retries with the other scheme),
//! check the signer is the actor, drop duplicates, then act: Follow, Undo(Follow), Accept, Reject, Create,
//! Update, Delete, Announce. Unknown types are answered 202 and dropped.

use std::time::SystemTime;

use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use super::signatures::{self, ParsedSignature};
use super::{Bridge, html, wire};
use crate::model::{Id, Post, Visibility};
use crate::store::federation::RemoteActor;
use crate::store::now_ms;

fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Checks the request's signature; the verified key owner (an actor URL) on success.
pub async fn verify_request(
    bridge: &Bridge,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, String> {
    if let Some(input) = header_value(headers, "signature-input") {
        return verify_rfc9421(bridge, method, path, headers, body, &input).await;
    }
    let raw = header_value(headers, "signature").ok_or("unsigned")?;
    let sig: ParsedSignature = signatures::parse_signature(&raw).map_err(|e| e.to_string())?;
    sig.check_coverage(!body.is_empty() || method == "POST")
        .map_err(|e| e.to_string())?;
    let date = header_value(headers, "date").ok_or("no Date header")?;
    signatures::check_date(&date, SystemTime::now()).map_err(|e| e.to_string())?;
    if method == "POST" {
        let digest = header_value(headers, "digest").ok_or("no Digest header")?;
        signatures::check_digest(&digest, body).map_err(|e| e.to_string())?;
    }
    let message = sig
        .signing_string(method, path, |h| header_value(headers, h))
        .map_err(|e| e.to_string())?;
    let mut refreshed = false;
    loop {
        let key = bridge.key(&sig.key_id, refreshed).await?;
        let public = signatures::public_key(&key.pem).map_err(|e| e.to_string())?;
        match sig.verify(&public, &message) {
            Ok(()) => return Ok(key.owner),
            // The key may have rotated: fetch it again, once.
            Err(_) if !refreshed => refreshed = true,
            Err(e) => return Err(e.to_string()),
        }
    }
}

async fn verify_rfc9421(
    bridge: &Bridge,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    input: &str,
) -> Result<String, String> {
    let raw = header_value(headers, "signature").ok_or("Signature-Input without Signature")?;
    let sig = super::rfc9421::parse(input, &raw).map_err(|e| e.to_string())?;
    sig.check(!body.is_empty() || method == "POST", SystemTime::now())
        .map_err(|e| e.to_string())?;
    if sig.components.iter().any(|c| c == "content-digest") {
        let digest = header_value(headers, "content-digest").ok_or("no Content-Digest")?;
        super::rfc9421::check_content_digest(&digest, body).map_err(|e| e.to_string())?;
    }
    let base_url = url::Url::parse(bridge.urls().base()).map_err(|e| e.to_string())?;
    let authority = header_value(headers, "host").unwrap_or_else(|| bridge.urls().host());
    let target = super::rfc9421::Target {
        method,
        scheme: base_url.scheme(),
        authority: &authority,
        path_and_query: path,
    };
    let message = sig
        .base(target, |h| header_value(headers, h))
        .map_err(|e| e.to_string())?;
    let as_rsa = ParsedSignature {
        key_id: sig.key_id.clone(),
        algorithm: None,
        headers: Vec::new(),
        signature: sig.signature.clone(),
    };
    let mut refreshed = false;
    loop {
        let key = bridge.key(&sig.key_id, refreshed).await?;
        let public = signatures::public_key(&key.pem).map_err(|e| e.to_string())?;
        match as_rsa.verify(&public, &message) {
            Ok(()) => return Ok(key.owner),
            Err(_) if !refreshed => refreshed = true,
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Handles one inbox POST and says what to answer.
pub async fn receive(bridge: &Bridge, path: &str, headers: &HeaderMap, body: &[u8]) -> StatusCode {
    // A refused server (suspended, or unlisted in allowlist mode) is turned away before
    // any work: no key fetch, no signature check. Trusting the unverified actor and key
    // id here is safe because they can only cause a refusal.
    if refused_sender(bridge, headers, body) {
        tracing::info!("inbox: refused a request from a blocked server");
        return StatusCode::FORBIDDEN;
    }
    let owner = match verify_request(bridge, "POST", path, headers, body).await {
        Ok(o) => o,
        Err(why) => {
            tracing::info!("inbox: refused a request ({why})");
            return StatusCode::UNAUTHORIZED;
        }
    };
    let Ok(activity) = serde_json::from_slice::<Value>(body) else {
        return StatusCode::BAD_REQUEST;
    };
    let Some(actor) = activity.get("actor").and_then(wire::id_of) else {
        return StatusCode::BAD_REQUEST;
    };
    if actor != owner {
        tracing::info!("inbox: signer {owner} is not the actor {actor}");
        return StatusCode::UNAUTHORIZED;
    }
    if bridge.suspended(actor) {
        return StatusCode::FORBIDDEN;
    }
    let Some(id) = wire::id_of(&activity) else {
        return StatusCode::BAD_REQUEST;
    };
    match bridge.camp().store().mark_activity_seen(id, now_ms()) {
        Ok(true) => {}
        Ok(false) => return StatusCode::ACCEPTED,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR,
    }
    if let Err(e) = handle(bridge, actor, &activity).await {
        // Not handled (a fetch or the store failed): forget the id and ask the sender
        // to try again later.
        tracing::info!(
            "inbox: {} from {actor} failed, retry invited: {e}",
            wire::type_of(&activity).unwrap_or("?")
        );
        let _ = bridge.camp().store().forget_activity(id);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    StatusCode::ACCEPTED
}

/// True when the claimed actor or the signing key lives on a server the camp does not
/// federate with, or the actor's shadow account was suspended by a moderator.
fn refused_sender(bridge: &Bridge, headers: &HeaderMap, body: &[u8]) -> bool {
    let actor = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|a| a.get("actor").and_then(wire::id_of).map(str::to_string));
    let store = bridge.camp().store();
    if let Some(a) = &actor
        && let Ok(Some(remote)) = store.remote_actor(a)
        && let Ok(Some(shadow)) = store.account(remote.shadow)
        && shadow.suspended
    {
        return true;
    }
    let key_id = header_value(headers, "signature-input")
        .or_else(|| header_value(headers, "signature"))
        .and_then(|h| keyid_param(&h));
    actor
        .into_iter()
        .chain(key_id)
        .any(|url| bridge.suspended(&url))
}

/// The `keyId="..."` (draft-cavage) or `keyid="..."` (RFC 9421) parameter of a header.
fn keyid_param(header: &str) -> Option<String> {
    let lower = header.to_ascii_lowercase();
    let at = lower.find("keyid=\"")? + "keyid=\"".len();
    let rest = &header[at..];
    Some(rest[..rest.find('"')?].to_string())
}

async fn handle(bridge: &Bridge, actor: &str, activity: &Value) -> crate::Result<()> {
    let kind = wire::type_of(activity).unwrap_or("");
    let object = activity.get("object").cloned().unwrap_or(Value::Null);
    let camp = bridge.camp();
    let store = camp.store();
    match kind {
        "Follow" => {
            let target = wire::id_of(&object).unwrap_or_default();
            let Some(name) = bridge.urls().username_of(target) else {
                return Ok(());
            };
            let Some(local) = store.account_by_name(&name)?.filter(|a| !a.is_remote()) else {
                return Ok(());
            };
            let remote = bridge.fetch_actor(actor, None).await?;
            let follow_id = wire::id_of(activity).unwrap_or_default().to_string();
            // Someone the camper blocked is refused at once (and never shown).
            if store.blocks(local.id, remote.shadow)? {
                return send_answer(
                    bridge,
                    local.id,
                    &local.username,
                    &remote,
                    &follow_id,
                    false,
                );
            }
            if camp.remote_follow_requested(local.id, &remote, &follow_id)? {
                send_answer(bridge, local.id, &local.username, &remote, &follow_id, true)?;
            }
        }
        "Undo" => {
            let inner_kind = wire::type_of(&object);
            let undone = wire::id_of(&object).unwrap_or_default();
            for local in local_accounts(bridge)? {
                if let Some(f) = store.remote_follower(local, actor)?
                    && (inner_kind == Some("Follow") || f.follow_id == undone)
                {
                    camp.remote_unfollowed(local, actor)?;
                }
            }
            if inner_kind == Some("Announce") {
                camp.remove_remote_post(undone, actor)?;
            }
        }
        "Accept" | "Reject" => {
            let follow_id = wire::id_of(&object).unwrap_or_default();
            let local_name = object
                .get("actor")
                .and_then(wire::id_of)
                .and_then(|a| bridge.urls().username_of(a))
                .or_else(|| bridge.urls().username_of_follow(follow_id));
            let Some(local) = local_name
                .and_then(|n| store.account_by_name(&n).ok().flatten())
                .filter(|a| !a.is_remote())
            else {
                return Ok(());
            };
            let Some(f) = store.remote_following(local.id, actor)? else {
                return Ok(());
            };
            if !follow_id.is_empty() && f.follow_id != follow_id {
                return Ok(());
            }
            let Some(remote) = store.remote_actor(actor)? else {
                return Ok(());
            };
            if kind == "Accept" {
                camp.remote_follow_accepted(local.id, &remote)?;
            } else {
                camp.remote_follow_ended(local.id, &remote)?;
            }
        }
        "Create" => {
            let Some(remote) = store.remote_actor(actor)? else {
                return Ok(());
            };
            receive_note(bridge, &remote, &object, None)?;
        }
        "Update" => {
            if let Some(url) = wire::id_of(&object)
                && matches!(
                    wire::type_of(&object),
                    Some("Note" | "Article" | "Question" | "Page")
                )
                && object.get("attributedTo").and_then(wire::id_of) == Some(actor)
            {
                let (text, cw) = note_text(&object, bridge.policy_of(actor).reject_media);
                camp.update_remote_post(url, actor, text, cw)?;
            }
        }
        "Delete" => {
            if let Some(url) = wire::id_of(&object) {
                camp.remove_remote_post(url, actor)?;
            }
        }
        "Announce" => {
            let Some(booster) = store.remote_actor(actor)? else {
                return Ok(());
            };
            let Some(url) = wire::id_of(&object) else {
                return Ok(());
            };
            if bridge.suspended(url) || store.local_followers_of_remote(actor)?.is_empty() {
                return Ok(());
            }
            // Never trust an embedded copy: fetch the original from its origin.
            let doc = bridge
                .fetch_signed(url)
                .await
                .map_err(crate::Error::invalid)?;
            if wire::id_of(&doc) != Some(url) {
                return Ok(());
            }
            let author = doc
                .get("attributedTo")
                .and_then(wire::id_of)
                .and_then(wire::host_of)
                .filter(|h| wire::host_of(url).as_ref() == Some(h));
            if author.is_none() {
                return Ok(());
            }
            let who = doc
                .get("attributedTo")
                .and_then(wire::id_of)
                .unwrap_or_default()
                .to_string();
            let announce_id = wire::id_of(activity).unwrap_or_default().to_string();
            receive_note(bridge, &booster, &doc, Some((&announce_id, &who)))?;
        }
        _ => {}
    }
    Ok(())
}

fn local_accounts(bridge: &Bridge) -> crate::Result<Vec<Id>> {
    Ok(bridge
        .camp()
        .store()
        .accounts()?
        .into_iter()
        .filter(|a| !a.is_remote())
        .map(|a| a.id)
        .collect())
}

/// Plain text and content warning of a remote Note (attachments as alt text + URL,
/// unless the domain's media are rejected).
fn note_text(object: &Value, reject_media: bool) -> (String, Option<String>) {
    let content = object.get("content").and_then(Value::as_str).unwrap_or("");
    let mut text = html::to_text(content);
    for a in object
        .get("attachment")
        .and_then(Value::as_array)
        .map(|v| v.as_slice())
        .unwrap_or(&[])
        .iter()
        .take(if reject_media { 0 } else { 8 })
    {
        let alt = wire::short_text(a.get("name"), 200).unwrap_or_else(|| "attachment".into());
        let url = a.get("url").and_then(wire::id_of).unwrap_or("");
        text.push_str(&format!("\n[{alt}] {url}"));
    }
    let text: String = text.chars().take(wire::MAX_REMOTE_TEXT).collect();
    let cw = wire::short_text(object.get("summary"), 100);
    (text, cw)
}

/// Stores a remote Note for the local followers of `by` (or, for a boost, of the
/// booster, with `boost` = (announce id, original author)).
fn receive_note(
    bridge: &Bridge,
    by: &RemoteActor,
    object: &Value,
    boost: Option<(&str, &str)>,
) -> crate::Result<()> {
    let camp = bridge.camp();
    let store = camp.store();
    if !matches!(
        wire::type_of(object),
        Some("Note" | "Article" | "Question" | "Page")
    ) {
        return Ok(());
    }
    let Some(url) = wire::id_of(object) else {
        return Ok(());
    };
    // An object is only believed from its own origin: its author's server.
    if boost.is_none()
        && (object.get("attributedTo").and_then(wire::id_of) != Some(by.id.as_str())
            || wire::host_of(url) != wire::host_of(&by.id))
    {
        return Ok(());
    }
    let mut owners = store.local_followers_of_remote(&by.id)?;
    let mut visibility = Visibility::Followers;
    let mut mentions = Vec::new();
    // What it answers: one of our public posts (its author sees the reply even without
    // following), or a remote post we have.
    let parent_url = object.get("inReplyTo").and_then(wire::id_of);
    let mut reply_to = None;
    if boost.is_none()
        && let Some(parent_url) = parent_url
    {
        if let Some(parent) = local_public_post(bridge, parent_url)? {
            reply_to = Some(parent.id);
            // A silenced server reaches only those who follow its accounts: its replies
            // do not go to a camper who does not.
            if !owners.contains(&parent.author) && !bridge.policy_of(&by.id).silence {
                visibility = Visibility::Direct;
                mentions = owners.clone();
                mentions.push(parent.author);
                owners.push(parent.author);
            }
        } else if let Some(obj) = store.remote_object(parent_url)? {
            reply_to = Some(obj.post);
        }
    }
    // A camper who hides the sender's server (or, for a boost, the original's) does
    // not get the post in Home at all.
    let mut kept = Vec::with_capacity(owners.len());
    for o in owners {
        let hidden = camp.hides_host(o, &by.host)?
            || wire::host_of(url).is_some_and(|h| camp.hides_host(o, &h).unwrap_or(false));
        if !hidden {
            kept.push(o);
        }
    }
    let owners = kept;
    mentions.retain(|m| owners.contains(m));
    if owners.is_empty() {
        return Ok(());
    }
    let (mut text, cw) = note_text(object, bridge.policy_of(url).reject_media);
    let key = match boost {
        Some((announce_id, author)) => {
            let name = author.rsplit('/').next().unwrap_or(author);
            let host = wire::host_of(author).unwrap_or_default();
            text = format!("boosted @{name}@{host}:\n{text}");
            announce_id.to_string()
        }
        None => url.to_string(),
    };
    if text.trim().is_empty() {
        text = "(no text)".into();
    }
    let post = Post {
        id: store.next_id(),
        author: by.shadow,
        text,
        cw,
        visibility,
        reply_to,
        mentions,
        created_ms: now_ms(),
        edited_ms: None,
    };
    let id = post.id;
    if camp.receive_remote_post(&key, post, owners)? && boost.is_none() {
        // Only what its author made public may be boosted from here (and announced
        // back out); anything else stays a followers-only copy.
        if wire::addressed_publicly(object) {
            store.mark_remote_public(id)?;
            store.flush()?;
        }
    }
    Ok(())
}

/// One of our posts by its URL, when it is public (anything else is not there for
/// the outside, even if the id is guessed).
fn local_public_post(bridge: &Bridge, url: &str) -> crate::Result<Option<Post>> {
    let Some((name, id)) = bridge.urls().post_of(url) else {
        return Ok(None);
    };
    let store = bridge.camp().store();
    let (Some(post), Some(author)) = (store.post(id)?, store.account_by_name(&name)?) else {
        return Ok(None);
    };
    Ok(wire::federable(&post, &author).then_some(post))
}

/// Queues Accept (or Reject) of a remote Follow.
pub fn send_answer(
    bridge: &Bridge,
    local: Id,
    username: &str,
    remote: &RemoteActor,
    follow_id: &str,
    accept: bool,
) -> crate::Result<()> {
    let me = bridge.urls().actor(username);
    let kind = if accept { "Accept" } else { "Reject" };
    let id = format!(
        "{me}/{}/{}",
        kind.to_lowercase(),
        bridge.camp().store().next_id()
    );
    let follow = serde_json::json!({
        "id": follow_id,
        "type": "Follow",
        "actor": remote.id,
        "object": me,
    });
    let activity = wire::activity(&id, kind, &me, follow);
    bridge.enqueue(local, &remote.inbox, &activity)
}
