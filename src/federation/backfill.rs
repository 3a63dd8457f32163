//! Reads a remote account's recent public posts from its outbox, for its profile
//! here. Everything is hostile: the outbox and its first page must be on the
//! account's own host and come through the guarded fetcher (signed by the instance
//! actor, size-capped, no private addresses outside `--dev-federation`); only
//! embedded posts are read (no fetch per item), at most
//! [`crate::camp::backfill::MAX_BACKFILL`] of them, each attributed to the account,
//! on its host and addressed to the public; text goes through the inbox's parser
//! and sanitizer. Camp keeps them through
//! [`crate::Camp::remember_remote_public_posts`].

use serde_json::Value;

use super::inbox::parse;
use super::{Bridge, wire};
use crate::camp::BackfillPost;
use crate::store::federation::RemoteActor;

/// Most outbox entries looked at.
const MAX_ITEMS_LOOKED_AT: usize = 60;

/// The entries of a collection or page (`orderedItems` or `items`).
fn items_of(v: &Value) -> Vec<Value> {
    match v.get("orderedItems").or_else(|| v.get("items")) {
        Some(Value::Array(a)) => a.iter().take(MAX_ITEMS_LOOKED_AT).cloned().collect(),
        _ => Vec::new(),
    }
}

/// GETs `url` if it is on `host`, signed by the instance actor.
async fn fetch_on(bridge: &Bridge, url: &str, host: &str) -> crate::Result<Value> {
    if wire::host_of(url).as_deref() != Some(host) {
        return Err(crate::Error::invalid(format!(
            "{url} is not on the account's server"
        )));
    }
    bridge
        .fetch_ap(url)
        .await
        .map_err(|e| crate::Error::invalid(format!("could not fetch {url}: {e}")))
}

/// The public posts of `actor` listed in `entries` (Creates with an embedded post,
/// or posts), newest first as listed.
pub fn public_posts(bridge: &Bridge, actor: &RemoteActor, entries: &[Value]) -> Vec<BackfillPost> {
    let mut out = Vec::new();
    for item in entries.iter().take(MAX_ITEMS_LOOKED_AT) {
        let object = match wire::type_of(item) {
            Some("Create") => item.get("object").unwrap_or(&Value::Null),
            _ => item,
        };
        let Ok(note) = parse::note(object) else {
            continue;
        };
        if note.attributed_to.as_str() != actor.id
            || note.id.host() != actor.host
            || !note.addressing.public
        {
            continue;
        }
        let (text, cw) = super::inbox::handle::note_text(bridge, &note);
        out.push(BackfillPost {
            url: note.id.as_str().to_string(),
            text,
            cw,
        });
        if out.len() >= crate::camp::backfill::MAX_BACKFILL {
            break;
        }
    }
    out
}

/// Reads `actor`'s outbox (its first page when the collection has one) and has
/// camp keep its recent public posts; how many were kept.
pub async fn recent_public(bridge: &Bridge, actor: &RemoteActor) -> crate::Result<usize> {
    if bridge.refused_recipient(&actor.id) {
        return Ok(0);
    }
    let doc = match bridge.cached_actor_doc(&actor.id) {
        Some(d) => d,
        None => fetch_on(bridge, &actor.id, &actor.host).await?,
    };
    let Some(outbox) = doc.get("outbox").and_then(wire::id_of) else {
        return Ok(0);
    };
    let collection = fetch_on(bridge, outbox, &actor.host).await?;
    let mut entries = items_of(&collection);
    if entries.is_empty() {
        entries = match collection.get("first") {
            Some(Value::String(first)) => items_of(&fetch_on(bridge, first, &actor.host).await?),
            Some(page @ Value::Object(_)) => items_of(page),
            _ => Vec::new(),
        };
    }
    let posts = public_posts(bridge, actor, &entries);
    let camp = bridge.camp().clone();
    let shadow = actor.shadow;
    tokio::task::spawn_blocking(move || camp.remember_remote_public_posts(shadow, posts))
        .await
        .map_err(|e| crate::Error::invalid(format!("keeping posts failed: {e}")))?
}
