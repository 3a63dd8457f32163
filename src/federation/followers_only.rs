//! Who outside may read a followers-only post. Such a post is delivered to the
//! author's accepted remote followers and never listed anywhere; a remote server
//! may still need to fetch it (a reply names it, a follower's client refreshes it).
//! The rule, as conservative as Mastodon's: the request must be signed (draft-cavage
//! or RFC 9421, verified as an inbox POST is), for this camp's host, and the
//! signing key's owner must live on a server that hosts at least one *accepted*
//! follower of the author who is not refused (suspended domain or account) nor
//! blocked by the author. Anyone else (unsigned, badly signed, other servers,
//! pending or rejected followers) is answered exactly as for a post that does not
//! exist: 404.
//!
//! [`may_fetch`] is the one entry point; the note routes call it only for a
//! followers-only post ([`super::wire::Reach::Followers`]).

use axum::http::{HeaderMap, header};

use super::Bridge;
use super::wire;
use crate::model::Account;
use crate::store::federation::FollowState;

/// True when the signed GET of `path` (headers `headers`) comes from a server that
/// hosts an accepted, unrefused follower of `author`.
pub async fn may_fetch(bridge: &Bridge, author: &Account, path: &str, headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !host.eq_ignore_ascii_case(&bridge.urls().host()) {
        return false;
    }
    let signer = match super::inbox::verify_request(bridge, "GET", path, headers, b"").await {
        Ok(owner) => owner,
        Err(why) => {
            tracing::info!("followers-only fetch refused ({why})");
            return false;
        }
    };
    let Some(signer_host) = wire::host_of(&signer) else {
        return false;
    };
    if bridge.suspended(&signer) {
        return false;
    }
    follower_hosts(bridge, author)
        .iter()
        .any(|h| h.eq_ignore_ascii_case(&signer_host))
}

/// The servers (`host[:port]`) of `author`'s accepted remote followers that may
/// receive its posts.
pub fn follower_hosts(bridge: &Bridge, author: &Account) -> Vec<String> {
    let store = bridge.camp().store();
    let Ok(follows) = store.remote_followers_of(author.id) else {
        return Vec::new();
    };
    let mut hosts: Vec<String> = Vec::new();
    for f in follows {
        if f.state != FollowState::Accepted || bridge.refused_recipient(&f.actor) {
            continue;
        }
        let blocked = match store.remote_actor(&f.actor) {
            Ok(Some(a)) => store.blocks(author.id, a.shadow).unwrap_or(true),
            _ => true,
        };
        if blocked {
            continue;
        }
        if let Some(h) = wire::host_of(&f.actor)
            && !hosts.contains(&h)
        {
            hosts.push(h);
        }
    }
    hosts
}
