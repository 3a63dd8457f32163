//! The accounts elsewhere a camper's direct post is addressed to. A direct post's
//! audience here is its `mentions`; the audience elsewhere is not stored but read
//! from its text exactly as the bridge reads it when delivering: the first
//! [`MAX_REMOTE_RECIPIENTS`] handles on other servers, each an account the bridge
//! has looked up (a shadow account here), none hidden from the author's post (a
//! block either way, a suspension, a refused server). [`Camp::addressed_remotely`]
//! is the one entry point; a vote from elsewhere on a direct poll asks it, so the
//! poll's recipients can answer it and nobody else can.

use crate::camp::Camp;
use crate::error::Result;
use crate::model::{Account, Post, Visibility};

/// Most accounts elsewhere one post is delivered to by name (the bridge's fan-out
/// uses the same bound, so "addressed" here means "was sent it").
pub const MAX_REMOTE_RECIPIENTS: usize = 5;

impl Camp {
    /// True when `viewer` is an account elsewhere that `post`, a direct post of a
    /// camper, is addressed to.
    pub(crate) fn addressed_remotely(&self, viewer: &Account, post: &Post) -> Result<bool> {
        if !viewer.is_remote() || viewer.suspended || post.visibility != Visibility::Direct {
            return Ok(false);
        }
        let Some(author) = self
            .store()
            .account(post.author)?
            .filter(|a| !a.is_remote())
        else {
            return Ok(false);
        };
        if self.author_hidden_from(viewer, &author)? {
            return Ok(false);
        }
        for handle in self
            .reach_of(&author, &post.text)?
            .remote
            .iter()
            .take(MAX_REMOTE_RECIPIENTS)
        {
            let named = self
                .store()
                .account_by_name(&handle.to_lowercase())?
                .is_some_and(|a| a.is_remote() && a.id == viewer.id);
            if named {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
