//! A remote account's recent public posts, read by the bridge from its outbox so a
//! profile shows more than what happened to reach camp. They are kept as ordinary
//! public remote posts by the account's shadow (so every read rule applies), filed
//! under their author only: never in anyone's Home, never on the camp timeline,
//! nobody notified. A server camp suspends or silences gets nothing kept.

use crate::camp::Camp;
use crate::error::Result;
use crate::model::{Id, Post, Visibility};
use crate::store::federation::RemoteObject;

/// Most posts kept from one read of an outbox.
pub const MAX_BACKFILL: usize = 20;

/// One public post read from a remote outbox (text already sanitized by the bridge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillPost {
    /// Its URL (the object id).
    pub url: String,
    /// Plain text.
    pub text: String,
    /// Content warning.
    pub cw: Option<String>,
}

impl Camp {
    /// Keeps `posts` (newest first, as outboxes list them) by the remote account
    /// whose shadow is `shadow`; those camp already has are skipped. Returns how
    /// many were kept.
    pub fn remember_remote_public_posts(
        &self,
        shadow: Id,
        posts: Vec<BackfillPost>,
    ) -> Result<usize> {
        let store = self.store();
        let Some(author) = store.account(shadow)?.filter(|a| a.is_remote()) else {
            return Ok(0);
        };
        let Some(actor) = store.remote_actor_of_shadow(shadow)? else {
            return Ok(0);
        };
        let policy = self.domain_policy(&actor.host)?;
        if author.suspended || policy.suspend || policy.silence {
            return Ok(0);
        }
        let mut kept = 0;
        // Oldest first, so ids (and so the profile's order) follow the outbox's.
        for p in posts.into_iter().take(MAX_BACKFILL).rev() {
            if p.text.trim().is_empty() || store.remote_object(&p.url)?.is_some() {
                continue;
            }
            let post = Post {
                id: store.next_id(),
                author: shadow,
                text: p.text,
                cw: p.cw,
                visibility: Visibility::Public,
                reply_to: None,
                mentions: Vec::new(),
                created_ms: crate::store::now_ms(),
                edited_ms: None,
            };
            let obj = RemoteObject {
                post: post.id,
                actor: actor.id.clone(),
                home_owners: Vec::new(),
            };
            store.together(|| {
                store.insert_remote_post(&p.url, &post, &obj)?;
                store.index_post(&post, &[])?;
                store.mark_remote_public(post.id)
            })?;
            kept += 1;
        }
        if kept > 0 {
            store.flush()?;
        }
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camp::testing;
    use crate::store::federation::RemoteActor;

    fn zed(camp: &Camp) -> RemoteActor {
        camp.store()
            .upsert_remote_actor(crate::camp::testing::remote_actor("zed", "far.example", ""))
            .unwrap()
    }

    fn post(n: u32) -> BackfillPost {
        BackfillPost {
            url: format!("https://far.example/notes/{n}"),
            text: format!("note {n}"),
            cw: None,
        }
    }

    #[test]
    fn outbox_posts_are_kept_once_public_and_in_no_home() {
        let (camp, ids) = testing::camp_with(&["ana"]);
        let zed = zed(&camp);
        let kept = camp
            .remember_remote_public_posts(zed.shadow, vec![post(2), post(1)])
            .unwrap();
        assert_eq!(kept, 2);
        assert_eq!(
            camp.remember_remote_public_posts(zed.shadow, vec![post(2)])
                .unwrap(),
            0,
            "kept twice"
        );
        let p = camp.profile(ids[0], "zed@far.example").unwrap();
        let texts: Vec<&str> = p.recent.iter().map(|v| v.post.text.as_str()).collect();
        assert_eq!(texts, ["note 2", "note 1"]);
        assert_eq!(p.posts, 2);
        assert!(
            p.recent
                .iter()
                .all(|v| v.post.visibility == Visibility::Public)
        );
        assert!(
            camp.store()
                .home_timeline(ids[0], None, 10)
                .unwrap()
                .is_empty()
        );
        // A local account is no shadow: nothing is kept for it.
        assert_eq!(
            camp.remember_remote_public_posts(ids[0], vec![post(3)])
                .unwrap(),
            0
        );
    }
}
