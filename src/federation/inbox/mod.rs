//! Incoming activities. Everything a remote server sends is hostile until shown
//! otherwise, and [`receive`] is the one entry point; it runs the same steps for
//! every POST, in this order, each in its own module:
//!
//! 1. a server camp does not federate with is turned away before any work;
//! 2. [`signature`]: the HTTP signature (draft-cavage or RFC 9421) names a key, and
//!    the key's owner is the *signer* (unverifiable → 401, so Fedify's "double knock"
//!    retries with the other scheme);
//! 3. [`parse`]: the body is parsed once into a typed [`parse::Activity`], every
//!    field validated, bounded and sanitized where it enters (garbage → 400);
//! 4. [`verify`]: one pure function holds every origin rule (the actor is the
//!    signer, ids and objects are on the actor's host, posts are the actor's own,
//!    an Undo takes back the actor's own activity ...) and hands out a
//!    [`verify::Verified`] activity, the only kind handlers accept; then
//!    [`proof`]: an Ed25519 integrity proof, when present, must hold (else 401);
//! 5. duplicates are dropped: an id is remembered per verified actor, so nobody
//!    can pre-claim another's ids;
//! 6. [`handle`]: one function per type changes camp's data through `Camp` methods.
//!
//! Unknown types are answered 202 and dropped; so are activities that break an
//! origin rule (logged), except a signer speaking for another actor (401).

pub mod handle;
pub mod parse;
pub mod proof;
pub mod signature;
pub mod verify;

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};

pub use handle::send_answer;
pub use signature::{Unverified, verify_request};

use super::Bridge;
use crate::store::now_ms;
use signature::header_value;

/// Handles one inbox POST and says what to answer.
pub async fn receive(
    bridge: &Arc<Bridge>,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> StatusCode {
    // A refused server (suspended, or unlisted in allowlist mode) is turned away before
    // any work: no key fetch, no signature check. Trusting the unverified actor and key
    // id here is safe because they can only cause a refusal.
    if refused_sender(bridge, headers, body) {
        tracing::info!("inbox: refused a request from a blocked server");
        return StatusCode::FORBIDDEN;
    }
    let signer = match verify_request(bridge, "POST", path, headers, body).await {
        Ok(o) => o,
        Err(why) => {
            tracing::info!("inbox: refused a request ({why})");
            return StatusCode::UNAUTHORIZED;
        }
    };
    let activity = match parse::parse(body) {
        Ok(a) => a,
        Err(e) => {
            tracing::info!("inbox: unusable activity from {signer}: {e}");
            return StatusCode::BAD_REQUEST;
        }
    };
    if let parse::Kind::Unknown(kind) = &activity.kind {
        tracing::debug!("inbox: dropped an activity of unknown type {kind}");
        return StatusCode::ACCEPTED;
    }
    let local_host = bridge.urls().host();
    let origin = verify::Origin {
        signer: &signer,
        local_host: &local_host,
    };
    let activity = match verify::verify(activity, origin) {
        Ok(v) => v,
        Err(e @ verify::VerifyError::NotSigner { .. }) => {
            tracing::info!("inbox: {e}");
            return StatusCode::UNAUTHORIZED;
        }
        Err(e) => {
            tracing::info!("inbox: dropped an activity from {signer}: {e}");
            return StatusCode::ACCEPTED;
        }
    };
    let (actor, id) = (activity.actor().as_str(), activity.id().as_str());
    if bridge.suspended(actor) {
        return StatusCode::FORBIDDEN;
    }
    // An integrity proof, when the activity carries one, must hold like the
    // signature: a bad or mismatched one is refused the same way.
    if let Err(e) = proof::check(bridge, actor, body).await {
        tracing::info!("inbox: refused an activity from {signer}: {e}");
        return StatusCode::UNAUTHORIZED;
    }
    let store = bridge.camp().store();
    match store.mark_activity_seen(actor, id, now_ms()) {
        Ok(true) => {}
        Ok(false) => return StatusCode::ACCEPTED,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR,
    }
    if let Err(e) = handle::handle(bridge, &activity).await {
        // Not handled (a fetch or the store failed): forget the id and ask the sender
        // to try again later.
        tracing::info!(
            "inbox: {} from {actor} failed, retry invited: {e}",
            activity.kind().name()
        );
        let _ = store.forget_activity(actor, id);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    StatusCode::ACCEPTED
}

/// True when the claimed actor or the signing key lives on a server the camp does not
/// federate with, or the actor's shadow account was suspended by a moderator.
fn refused_sender(bridge: &Bridge, headers: &HeaderMap, body: &[u8]) -> bool {
    let actor = parse::claimed_actor(body).map(|a| a.as_str().to_string());
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

#[cfg(test)]
mod tests;
