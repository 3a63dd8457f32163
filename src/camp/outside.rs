//! The port to the outside world. camp knows nothing of HTTP or ActivityPub: where a
//! camper's request needs another server (follow `@user@host`, answer a request from
//! outside, stop following), camp, the TUI and exec ask an [`Outside`], which the
//! federation bridge implements and the server connects at start
//! ([`Camp::connect_outside`]). Without one, federation is off and every caller answers
//! [`FEDERATION_OFF`].
//!
//! Methods that wait on other servers return a boxed future: they are awaited on the
//! async runtime, never `block_on`-ed on the blocking pool (a WebFinger lookup of an
//! unreachable host can take tens of seconds). Methods that only queue work are plain
//! calls that touch the store, to be run off the runtime like any other store work.

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::camp::Camp;
use crate::error::{Error, Result};
use crate::model::{Account, Id, Millis, Post, RemoteActor, Visibility};

/// What every face says when the server runs without the federation bridge.
pub const FEDERATION_OFF: &str = "federation is off on this camp (the server runs without --http)";

/// A host whose deliveries keep failing, so that nothing is sent there for a while.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCircuit {
    /// `host[:port]`.
    pub host: String,
    /// Failures in a row.
    pub failures: u32,
    /// When deliveries there are tried again.
    pub until_ms: Millis,
}

/// The outside world as camp sees it: the federation bridge, when it runs.
/// What leaves the camp does not pass here: camp writes it to its outbox in the same
/// transaction as the change, and the bridge drains it.
pub trait Outside: Send + Sync {
    /// This camp's own `host[:port]` in handles and ids.
    fn own_host(&self) -> String;

    /// `local` asks to follow a remote account (`user@host` or an actor URL): the
    /// rules (local account, rate, suspended servers, already following) are checked
    /// and the other server is asked. Pending until it accepts.
    fn follow(&self, local: Id, target: String) -> BoxFuture<'_, Result<RemoteActor>>;

    /// `local` stops following a remote account; `Undo(Follow)` is queued.
    fn unfollow(&self, local: Id, target: String) -> BoxFuture<'_, Result<RemoteActor>>;

    /// `local` answers the follow request of `handle`; `Accept` or `Reject` is queued
    /// (store work: run it off the runtime).
    fn answer(&self, local: Id, handle: &str, accept: bool) -> Result<RemoteActor>;

    /// Hosts whose delivery circuit is open now.
    fn open_circuits(&self) -> Vec<OpenCircuit>;

    /// Fetches every blocklist subscribed by URL and imports it.
    fn refresh_blocklist_urls(&self) -> BoxFuture<'_, ()>;

    /// GETs an image attached to a post from elsewhere through the guarded fetcher:
    /// served as `image/*`, at most `cap` bytes. (Without a bridge: federation is off.)
    fn fetch_media(&self, url: String, cap: usize) -> BoxFuture<'_, Result<Vec<u8>>> {
        let _ = (url, cap);
        Box::pin(async { Err(Error::invalid(FEDERATION_OFF)) })
    }
}

/// The one rule for what may leave the camp: a public post by a local, unsuspended
/// author. Camp, followers-only and direct posts never do. Every outward path (outbox,
/// object fetch, delivery) goes through here.
pub fn federable(post: &Post, author: &Account) -> bool {
    post.visibility == Visibility::Public
        && post.author == author.id
        && !author.is_remote()
        && !author.suspended
}

/// A parsed `@user@host` handle of an account elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteHandle {
    /// The user part.
    pub user: String,
    /// `host[:port]`, lower-cased.
    pub host: String,
}

/// Parses `@user@host` or `user@host` (host may carry a port); None for anything else.
pub fn parse_remote_handle(s: &str) -> Option<RemoteHandle> {
    let s = s.trim().trim_start_matches('@');
    let (user, host) = s.split_once('@')?;
    let user_ok = !user.is_empty()
        && user.len() <= 64
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    (user_ok && host_ok).then(|| RemoteHandle {
        user: user.to_string(),
        host: host.to_ascii_lowercase(),
    })
}

impl Camp {
    /// Connects the outside world (the running federation bridge), once, at start.
    pub fn connect_outside(&self, outside: Arc<dyn Outside>) {
        let _ = self.inner.outside.set(outside);
    }

    /// The outside world, when federation is on.
    pub fn outside(&self) -> Option<Arc<dyn Outside>> {
        self.inner.outside.get().cloned()
    }

    /// The outside world, or the plain refusal that federation is off.
    pub fn require_outside(&self) -> Result<Arc<dyn Outside>> {
        self.outside().ok_or_else(|| Error::invalid(FEDERATION_OFF))
    }
}
