//! Who and what lives on other servers, as every layer sees it: remote actors, follows
//! across servers, and how the camp treats another server. Plain data; the bridge's
//! own trees in `store::federation` persist them.

use serde::{Deserialize, Serialize};

use super::{Id, Millis};

/// An account on another server, as last fetched (every field checked and bounded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteActor {
    /// The actor URL (its ActivityPub id).
    pub id: String,
    /// The local shadow account that stands for it in timelines and notifications.
    pub shadow: Id,
    /// Personal inbox.
    pub inbox: String,
    /// Shared inbox, when the server has one.
    pub shared_inbox: Option<String>,
    /// `preferredUsername`.
    pub username: String,
    /// Host (with port when not the default) of the actor URL.
    pub host: String,
    /// Sanitized display name.
    pub display_name: String,
    /// The id of its public key.
    pub key_id: String,
    /// The public key, PEM.
    pub public_key_pem: String,
    /// When it was fetched.
    pub fetched_ms: Millis,
}

impl RemoteActor {
    /// `user@host`.
    pub fn handle(&self) -> String {
        format!("{}@{}", self.username, self.host)
    }
}

/// How the camp treats another server, worked out from moderation's domain blocks and
/// the allowlist mode by [`crate::Camp::domain_policy`] (not stored), and enforced by
/// the bridge in both directions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainPolicy {
    /// Nothing in, nothing out: inbound requests refused, no deliveries, no fetches, no
    /// follows. Set by a `suspend` block, or by the allowlist mode for unlisted servers.
    pub suspend: bool,
    /// Kept out of shared views (remote posts never reach the camp timeline anyway;
    /// they go only to the Home of campers who follow the account).
    pub silence: bool,
    /// Attachments are dropped from incoming posts.
    pub reject_media: bool,
}

/// Where a follow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowState {
    /// Asked, not answered.
    Pending,
    /// Accepted.
    Accepted,
}

/// A follow between a local account and a remote actor (either direction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteFollow {
    /// The remote actor URL.
    pub actor: String,
    /// The `Follow` activity's id.
    pub follow_id: String,
    /// Pending or accepted.
    pub state: FollowState,
    /// When it was asked.
    pub created_ms: Millis,
}
