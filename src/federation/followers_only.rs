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
//! The threat beside the leak itself is an *oracle*: verifying a signature may
//! fetch the signer's key from the signer's own server, so if only followers-only
//! posts were verified, a server signing GETs for many ids would learn from its own
//! access log (and from the slower answer) which ids are followers-only posts, and
//! whose. So the work is split in two, and the order is the policy:
//! [`signer`] runs first, for every request to a post URL whatever the post is (a
//! signed request is verified, key fetch included, before the post is looked up; an
//! unsigned one costs nothing), and [`from_follower_host`] runs for every verified
//! signer of an existing account, whatever the post is; only then do the note
//! routes look at the post's reach ([`super::wire::Reach`]).

use axum::http::{HeaderMap, header};

use super::Bridge;
use super::wire;
use crate::model::Account;
use crate::store::federation::FollowState;

/// The verified signer (an actor id) of a GET of `path`, or None when the request is
/// unsigned, not for this camp's host, badly signed, or from a suspended server.
/// Call it before looking at what the request asks for: its side effects (a key
/// fetch from the signer's server) must not depend on that.
pub async fn signer(bridge: &Bridge, path: &str, headers: &HeaderMap) -> Option<String> {
    // Unsigned: nothing to verify, and nothing anyone could make camp fetch.
    if !headers.contains_key("signature") && !headers.contains_key("signature-input") {
        return None;
    }
    // A signature covers the Host; one made for another server and replayed here
    // is refused before any key is fetched (for every path alike).
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !host.eq_ignore_ascii_case(&bridge.urls().host()) {
        return None;
    }
    let signer = match super::inbox::verify_request(bridge, "GET", path, headers, b"").await {
        Ok(owner) => owner,
        Err(why) => {
            tracing::info!("signed fetch not verified ({why})");
            return None;
        }
    };
    wire::host_of(&signer)?;
    (!bridge.suspended(&signer)).then_some(signer)
}

/// True when `signer` (from [`signer`]) lives on a server that hosts an accepted,
/// unrefused follower of `author`. Reads the store: call it on the blocking pool.
pub fn from_follower_host(bridge: &Bridge, author: &Account, signer: &str) -> bool {
    let Some(signer_host) = wire::host_of(signer) else {
        return false;
    };
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
