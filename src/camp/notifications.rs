//! Notifications: stored per account, published live, read state kept across sessions
//! as a per-account "read up to" marker.

use std::sync::Arc;

use crate::camp::{Author, Camp, CampEvent, PostView};
use crate::error::Result;
use crate::model::*;
use crate::store::now_ms;

/// Largest unread count a badge shows exactly ("99+" beyond).
pub const UNREAD_CAP: usize = 100;

/// What a notification says, without the actor: the one wording for every face (the
/// TUI's list and exec's `notifications`).
pub fn describe_notification(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::Mention => "mentioned you",
        NotificationKind::Reply => "replied to you",
        NotificationKind::Favourite => "favourited your post",
        NotificationKind::Boost => "boosted your post",
        NotificationKind::Follow => "followed you",
        NotificationKind::FollowRequest => "asked to follow you",
        NotificationKind::Direct => "sent you a direct post",
        NotificationKind::ReportResolved => "your report was resolved",
        NotificationKind::Warning => "a moderator warned you",
        NotificationKind::Announcement => "announcement",
        NotificationKind::Report => "new report for the moderators",
        NotificationKind::PollEnded => "a poll has ended",
    }
}

/// Kinds that point the reader at a post they are meant to read: such a notification
/// exists only while its reader may see the post (or it would reveal that it exists).
/// Report notifications point moderators at what was reported, whoever may see it.
fn about_a_post_to_read(kind: NotificationKind) -> bool {
    matches!(
        kind,
        NotificationKind::Mention
            | NotificationKind::Direct
            | NotificationKind::Reply
            | NotificationKind::Favourite
            | NotificationKind::Boost
            | NotificationKind::PollEnded
    )
}

fn read_marker(account: Id) -> String {
    format!("notifications_read/{account}")
}

/// Kinds that come from an action its actor can undo and redo at will, so only the
/// first is kept. Mentions, replies and direct posts name a post written once; warnings,
/// reports and announcements carry their own text and each one counts.
fn deduplicated(kind: NotificationKind) -> bool {
    matches!(
        kind,
        NotificationKind::Favourite
            | NotificationKind::Boost
            | NotificationKind::Follow
            | NotificationKind::FollowRequest
            // A poll ends once: a remote server re-sending its end must not
            // notify again.
            | NotificationKind::PollEnded
    )
}

/// A notification ready for a screen: who did it and the post concerned (when the
/// reader may still see it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationView {
    /// The stored notification.
    pub notification: Notification,
    /// Who did it.
    pub actor: Option<Author>,
    /// The post concerned.
    pub post: Option<PostView>,
}

impl Camp {
    /// Notifications with their actor and post, newest first.
    pub fn notification_views(
        &self,
        viewer: Id,
        before: Option<Id>,
        limit: usize,
    ) -> Result<Vec<NotificationView>> {
        let list = self.notifications(viewer, before, limit)?;
        let filters = self.filter_set(viewer)?;
        let me = self.store().account(viewer)?;
        let mut out = Vec::with_capacity(list.len());
        for n in list {
            // A mute hides what the muted did before it, too; so do a block either way
            // and a suspension (of the camper or their server): a grouped entry names
            // its actors, and these must not be named.
            let actor = match n.actor {
                Some(a) => {
                    if self.muted_or_hidden(viewer, a)? {
                        continue;
                    }
                    let actor = self.store().account(a)?;
                    if let (Some(me), Some(actor)) = (&me, &actor)
                        && self.author_hidden_from(me, actor)?
                    {
                        continue;
                    }
                    actor
                }
                None => None,
            };
            let view = self.notification_view_with(viewer, n, actor)?;
            out.extend(self.filter_notification(&filters, view));
        }
        Ok(out)
    }

    /// One notification with its actor and post (post only if `viewer` may see it; a
    /// post the reader can no longer see is not even named by its id).
    pub fn notification_view(&self, viewer: Id, n: Notification) -> Result<NotificationView> {
        let actor = match n.actor {
            Some(id) => self.store().account(id)?,
            None => None,
        };
        self.notification_view_with(viewer, n, actor)
    }

    /// [`Camp::notification_view`] with its actor's account already read (once).
    fn notification_view_with(
        &self,
        viewer: Id,
        mut n: Notification,
        actor: Option<Account>,
    ) -> Result<NotificationView> {
        let actor = actor.map(|a| Author {
            id: a.id,
            username: a.username,
            display_name: a.display_name,
        });
        let post = match n.post {
            Some(id) => self.post(viewer, id).ok(),
            None => None,
        };
        if post.is_none() && about_a_post_to_read(n.kind) {
            n.post = None;
        }
        Ok(NotificationView {
            notification: n,
            actor,
            post,
        })
    }

    /// Records a notification for `account` and tells its sessions. Callers decide
    /// whether the account wants it (mutes, blocks); self-notifications are dropped here,
    /// and so are repeats of the actions a camper can toggle (see [`deduplicated`]): one
    /// notification per kind, actor and post, however often it is undone and redone.
    pub(crate) fn notify(
        &self,
        account: Id,
        kind: NotificationKind,
        actor: Option<Id>,
        post: Option<Id>,
        text: Option<String>,
    ) -> Result<()> {
        if actor == Some(account) {
            return Ok(());
        }
        // Muted and blocked people's actions never reach the account.
        if let Some(a) = actor
            && (self.muted_or_hidden(account, a)? || self.store().blocks(account, a)?)
        {
            return Ok(());
        }
        // Nobody hears of a post they may not read (a non-follower named in a
        // followers-only post, a blocked reader), whichever path wrote it.
        if let Some(id) = post
            && about_a_post_to_read(kind)
        {
            let readable = match (self.store().account(account)?, self.store().post(id)?) {
                (Some(reader), Some(p)) => self.can_see(&reader, &p)?,
                _ => false,
            };
            if !readable {
                return Ok(());
            }
        }
        let n = Notification {
            id: self.store().next_id(),
            account,
            kind,
            actor,
            post,
            text: text.map(|t| crate::text::sanitize(&t)),
            created_ms: now_ms(),
        };
        if deduplicated(kind) {
            if !self.store().put_notification_once(&n)? {
                return Ok(());
            }
        } else {
            self.store().put_notification(&n)?;
        }
        self.publish(CampEvent::Notified(Arc::new(n)));
        Ok(())
    }

    /// A page of `viewer`'s notifications, newest first.
    pub fn notifications(
        &self,
        viewer: Id,
        before: Option<Id>,
        limit: usize,
    ) -> Result<Vec<Notification>> {
        let me = self.actor(viewer)?;
        self.store()
            .notifications(me.id, before, limit.clamp(1, 200))
    }

    /// How many notifications `viewer` has not seen (at most [`UNREAD_CAP`]).
    pub fn unread_notifications(&self, viewer: Id) -> Result<usize> {
        let marker: Id = self.store().setting(&read_marker(viewer))?.unwrap_or(0);
        if self
            .store()
            .notifications_newer_than(viewer, marker, UNREAD_CAP)
            == 0
        {
            return Ok(0);
        }
        // Notifications from people muted since are not counted (they are not shown),
        // nor ones about a post the reader's filters hide there.
        let filters = self.filter_set(viewer)?;
        let mut n = 0;
        for item in self.store().notifications(viewer, None, UNREAD_CAP)? {
            if item.id <= marker {
                break;
            }
            if item
                .actor
                .is_some_and(|a| self.muted_or_hidden(viewer, a).unwrap_or(false))
            {
                continue;
            }
            if !filters.is_empty()
                && let Some(post) = item
                    .post
                    .map(|p| self.store().post(p))
                    .transpose()?
                    .flatten()
                && filters.verdict(&post, crate::camp::filters::FilterContext::Notifications)
                    == crate::camp::filters::Verdict::Hide
            {
                continue;
            }
            n += 1;
        }
        Ok(n)
    }

    /// Marks everything up to `up_to` (or everything) as read.
    pub fn mark_notifications_read(&self, viewer: Id, up_to: Option<Id>) -> Result<()> {
        let me = self.actor(viewer)?;
        let newest = match up_to {
            Some(id) => id,
            None => self
                .store()
                .notifications(me.id, None, 1)?
                .first()
                .map(|n| n.id)
                .unwrap_or(0),
        };
        let old: Id = self.store().setting(&read_marker(me.id))?.unwrap_or(0);
        if newest > old {
            self.store().put_setting(&read_marker(me.id), &newest)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camp::{InviteOptions, KeyInfo};

    fn key(n: u8) -> KeyInfo {
        KeyInfo {
            fingerprint: format!("SHA256:n{n}"),
            algorithm: "ssh-ed25519".into(),
            openssh: String::new(),
        }
    }

    #[test]
    fn notifications_are_stored_published_and_counted() {
        let camp = Camp::temporary().unwrap();
        let code = camp.admin_invite().unwrap().unwrap();
        let ana = camp.join(&key(1), &code, "ana", true).unwrap().id;
        let inv = camp.create_invite(ana, InviteOptions::default()).unwrap();
        let bo = camp.join(&key(2), &inv.code, "bo", true).unwrap().id;
        let mut rx = camp.subscribe();
        camp.notify(ana, NotificationKind::Follow, Some(bo), None, None)
            .unwrap();
        camp.notify(ana, NotificationKind::Mention, Some(ana), None, None)
            .unwrap();
        assert!(matches!(rx.try_recv().unwrap(), CampEvent::Notified(n) if n.account == ana));
        assert_eq!(
            camp.unread_notifications(ana).unwrap(),
            1,
            "self-notifications dropped"
        );
        camp.mark_notifications_read(ana, None).unwrap();
        assert_eq!(camp.unread_notifications(ana).unwrap(), 0);
        assert_eq!(camp.notifications(ana, None, 10).unwrap().len(), 1);
        assert!(camp.notifications(bo, None, 10).unwrap().is_empty());
    }
}
