//! Where a camper's follow of a remote account stands, and the rule that one
//! request is enough: while a Follow waits for its answer (or once it is
//! accepted), asking again sends nothing and says why. The bridge asks here before
//! any lookup or delivery, so pressing `F` twice costs the other server nothing.

use crate::camp::Camp;
use crate::error::{Error, Result};
use crate::model::Id;
use crate::store::federation::FollowState;

impl Camp {
    /// `local`'s follow of the remote actor `actor`, if any.
    pub fn remote_follow_state(&self, local: Id, actor: &str) -> Result<Option<FollowState>> {
        Ok(self
            .store()
            .remote_following(local, actor)?
            .map(|f| f.state))
    }

    /// `local`'s follow of the remote account whose shadow is `shadow`, if any.
    pub fn remote_follow_state_of_shadow(
        &self,
        local: Id,
        shadow: Id,
    ) -> Result<Option<FollowState>> {
        match self.store().remote_actor_of_shadow(shadow)? {
            Some(a) => self.remote_follow_state(local, &a.id),
            None => Ok(None),
        }
    }

    /// Refuses a new Follow of `actor` (shown as `handle`) by `local` while one is
    /// pending or accepted.
    pub fn check_new_remote_follow(&self, local: Id, actor: &str, handle: &str) -> Result<()> {
        match self.remote_follow_state(local, actor)? {
            Some(FollowState::Accepted) => {
                Err(Error::invalid(format!("you already follow @{handle}")))
            }
            Some(FollowState::Pending) => Err(Error::invalid(format!(
                "you already asked to follow @{handle}; waiting for them to answer"
            ))),
            None => Ok(()),
        }
    }

    /// The same check by handle (`user@host`), before anything is looked up: a
    /// known account with a follow under way is refused at once.
    pub fn check_new_remote_follow_by_handle(&self, local: Id, handle: &str) -> Result<()> {
        let name = handle.trim().trim_start_matches('@').to_lowercase();
        let Some(shadow) = self
            .store()
            .account_by_name(&name)?
            .filter(|a| a.is_remote())
        else {
            return Ok(());
        };
        match self.store().remote_actor_of_shadow(shadow.id)? {
            Some(a) => self.check_new_remote_follow(local, &a.id, &name),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::camp::testing;
    use crate::store::federation::{FollowState, RemoteFollow};

    #[test]
    fn a_pending_or_accepted_follow_is_not_asked_again() {
        let (camp, ids) = testing::camp_with(&["ana"]);
        let ana = ids[0];
        let actor = camp
            .store()
            .upsert_remote_actor(crate::camp::testing::remote_actor("zed", "far.example", ""))
            .unwrap();
        assert!(
            camp.check_new_remote_follow_by_handle(ana, "@zed@far.example")
                .is_ok()
        );
        for (state, says) in [
            (FollowState::Pending, "waiting for them"),
            (FollowState::Accepted, "already follow"),
        ] {
            camp.store()
                .put_remote_following(
                    ana,
                    &RemoteFollow {
                        actor: actor.id.clone(),
                        follow_id: "https://camp.test/users/ana/follows/1".into(),
                        state,
                        created_ms: 0,
                    },
                )
                .unwrap();
            let e = camp
                .check_new_remote_follow_by_handle(ana, "@Zed@far.example")
                .unwrap_err();
            assert!(e.to_string().contains(says), "{e}");
            assert_eq!(
                camp.remote_follow_state_of_shadow(ana, actor.shadow)
                    .unwrap(),
                Some(state)
            );
        }
    }
}
