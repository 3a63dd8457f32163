//! What the bridge records about other servers' accounts through the service: a
//! remote actor (with its shadow account) and a camper's follow of one. The bridge
//! fetched and checked the documents; the rules about accounts live here.

use crate::camp::Camp;
use crate::error::{Error, Result};
use crate::model::{FollowState, Id, RemoteActor, RemoteFollow};

impl Camp {
    /// Stores a remote actor as the bridge last fetched and checked it, with its shadow
    /// account (made the first time, renamed with it). The handle must be `user@host`,
    /// so a shadow can never take a camper's name.
    pub fn remember_remote_actor(&self, actor: RemoteActor) -> Result<RemoteActor> {
        if actor.username.is_empty()
            || actor.host.is_empty()
            || actor.username.contains('@')
            || actor.host.contains('@')
        {
            return Err(Error::invalid(format!(
                "{} is not a usable actor (no user@host handle)",
                crate::text::sanitize_line(&actor.id)
            )));
        }
        self.store().upsert_remote_actor(actor)
    }

    /// `local` asked to follow the remote `actor` with the Follow `follow_id`: refused
    /// when a moderator suspended the account or `local` already follows it, else
    /// recorded as pending until it answers. The bridge queues the Follow right after
    /// (and that makes both durable).
    pub fn remote_follow_asked(
        &self,
        local: Id,
        actor: &RemoteActor,
        follow_id: &str,
    ) -> Result<()> {
        if self
            .store()
            .account(actor.shadow)?
            .is_some_and(|s| s.suspended)
        {
            return Err(Error::forbidden("that account is suspended here"));
        }
        if let Some(f) = self.store().remote_following(local, &actor.id)?
            && f.state == FollowState::Accepted
        {
            return Err(Error::invalid(format!(
                "you already follow @{}",
                actor.handle()
            )));
        }
        self.store().put_remote_following(
            local,
            &RemoteFollow {
                actor: actor.id.clone(),
                follow_id: follow_id.to_string(),
                state: FollowState::Pending,
                created_ms: crate::clock::now_ms(),
            },
        )
    }
}
