//! Runs a session's [`Effect`]s through the `Camp` service. Store work happens on the
//! blocking pool so a flush never stalls the runtime that serves other sessions.

use crate::camp::{Camp, KeyInfo};
use crate::model::Id;
use crate::tui::{Effect, Msg, PAGE};

/// Who the session is: the verified key, and the account once there is one.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The key the person logged in with.
    pub key: KeyInfo,
    /// Their account, if any.
    pub account: Option<Id>,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

/// Performs one effect and returns the message that reports its outcome
/// (None for effects the loop handles itself, such as quitting).
pub async fn run(camp: &Camp, who: &mut Identity, effect: Effect) -> Option<Msg> {
    let camp = camp.clone();
    match effect {
        Effect::Quit => None,
        e
        @ (Effect::LoadModeration { .. } | Effect::LoadAccountDetail(_) | Effect::Moderate(_)) => {
            crate::tui::moderation::run(&camp, who, e).await
        }
        e @ (Effect::AcceptCoc | Effect::LoadCoc | Effect::DismissAnnouncement(_)) => {
            crate::tui::notices::run(&camp, who, e).await
        }
        Effect::CheckInvite(code) => {
            blocking(move || {
                Msg::InviteChecked(
                    camp.check_invite(&code)
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                )
            })
            .await
        }
        Effect::CheckUsername(name) => {
            blocking(move || {
                Msg::UsernameChecked(camp.check_username(&name).map_err(|e| e.to_string()))
            })
            .await
        }
        Effect::Join { code, username } => {
            let key = who.key.clone();
            let msg = blocking(move || {
                Msg::Joined(
                    camp.join(&key, &code, &username, true)
                        .map_err(|e| e.to_string()),
                )
            })
            .await?;
            if let Msg::Joined(Ok(account)) = &msg {
                who.account = Some(account.id);
            }
            Some(msg)
        }
        Effect::LoadTimeline { kind, before } => {
            let me = who.account?;
            blocking(move || Msg::TimelineLoaded {
                kind,
                before,
                result: camp
                    .timeline(me, kind, before, PAGE)
                    .map_err(|e| e.to_string()),
            })
            .await
        }
        Effect::LoadNotifications { before } => {
            let me = who.account?;
            blocking(move || Msg::NotificationsLoaded {
                before,
                result: camp
                    .notification_views(me, before, PAGE)
                    .map_err(|e| e.to_string()),
            })
            .await
        }
        Effect::MarkNotificationsRead { up_to } => {
            let me = who.account?;
            blocking(move || {
                if let Err(e) = camp.mark_notifications_read(me, Some(up_to)) {
                    tracing::warn!("marking notifications read: {e}");
                }
            })
            .await;
            None
        }
        Effect::SendPost(draft) => {
            let Some(me) = who.account else {
                return Some(Msg::PostSent(Err("join the camp first".into())));
            };
            blocking(move || {
                Msg::PostSent(
                    camp.create_post(me, draft.into())
                        .map_err(|e| e.to_string()),
                )
            })
            .await
        }
    }
}
