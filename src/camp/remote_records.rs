//! What the bridge records about other servers' accounts through the service: a
//! remote actor (with its shadow account) and a camper's follow of one. The bridge
//! fetched and checked the documents; the rules about accounts live here.

use crate::camp::Camp;
use crate::error::{Error, Result};
use crate::model::RemoteActor;

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
}
