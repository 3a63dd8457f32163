//! Runs a session's [`Effect`]s through the `Camp` service. Store work happens on the
//! blocking pool so a flush never stalls the runtime that serves other sessions.

use crate::camp::{Camp, FEDERATION_OFF, KeyInfo};
use crate::model::Id;
use std::sync::Arc;

use crate::tui::lists::{ListKind, Row};
use crate::tui::requests::{RequestRow, Requests};
use crate::tui::settings::SettingsData;
use crate::tui::{Effect, Msg, PAGE, RelationAction, SettingsChange};

fn settings_data(
    camp: &Camp,
    me: Id,
    link: Option<crate::model::LinkCode>,
) -> crate::Result<Arc<SettingsData>> {
    let (muted, blocked) = camp.muted_and_blocked(me)?;
    Ok(Arc::new(SettingsData {
        account: camp.actor(me)?,
        keys: camp.keys(me)?,
        prefs: camp.preferences(me)?,
        line_mode: camp.line_mode(me)?,
        presence: camp.presence(me)?,
        preview: camp.preview_mode(me)?,
        links: camp.terminal_links(me)?,
        link,
        muted,
        blocked,
        filters: camp.filters(me)?,
    }))
}

fn list_rows(camp: &Camp, me: Id, kind: &ListKind) -> crate::Result<Vec<Row>> {
    let posts =
        |v: Vec<crate::camp::PostView>| v.into_iter().map(|p| Row::Post(Arc::new(p))).collect();
    Ok(match kind {
        ListKind::Bookmarks => posts(camp.bookmarks(me, PAGE)?),
        ListKind::Tag(t) => posts(camp.tagged(me, t, PAGE)?),
        ListKind::Direct => camp
            .conversations(me, PAGE)?
            .into_iter()
            .map(|c| Row::Conversation {
                with: c.with,
                posts: c.posts,
                last: Arc::new(c.last),
            })
            .collect(),
        ListKind::Search => vec![],
        ListKind::Lists => camp
            .lists(me)?
            .into_iter()
            .map(|l| Row::MemberList {
                name: l.name,
                exclusive: l.exclusive,
                members: l.members.len(),
            })
            .collect(),
        ListKind::Members(name) => posts(camp.list_timeline(me, name, None, PAGE)?),
        ListKind::Versions(id) => {
            let current = camp.post(me, *id)?;
            let mut rows = vec![
                Row::Heading("Now".into()),
                Row::Post(Arc::new(current.clone())),
                Row::Heading("Before, newest first".into()),
            ];
            for v in camp.post_versions(me, *id)?.into_iter().rev() {
                let mut old = current.clone();
                old.post.text = v.text;
                old.post.cw = v.cw;
                old.post.created_ms = v.written_ms;
                old.post.edited_ms = None;
                old.stats = Default::default();
                old.mine = Default::default();
                rows.push(Row::Post(Arc::new(old)));
            }
            rows
        }
    })
}

fn load_requests(camp: &Camp, me: Id) -> Result<Requests, String> {
    // Without the bridge nobody outside can ask, and an answer could not be sent.
    if camp.outside().is_none() {
        return Ok(Requests::FederationOff);
    }
    let list = camp.remote_follow_requests(me).map_err(|e| e.to_string())?;
    Ok(Requests::Waiting(
        list.iter()
            .map(|(actor, f)| RequestRow::new(&actor.handle(), &actor.display_name, f.created_ms))
            .collect(),
    ))
}

/// Who the session is: the verified key, and the account once there is one.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The key the person logged in with.
    pub key: KeyInfo,
    /// Their account, if any.
    pub account: Option<Id>,
}

/// The answer to a device link code that came from a link rather than from the
/// person's own hands.
pub const PREFILLED_LINK_CODE: &str = "that is a device link code, not an invite: a link code \
     is never taken from a link (it would sign you in as whoever made it); type your own in";

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

/// True for effects that ask another server (WebFinger, actor fetch), which can take
/// seconds: the session runs them off its loop so the screen stays live meanwhile.
pub fn waits_on_other_servers(effect: &Effect) -> bool {
    matches!(
        effect,
        Effect::FollowRemote(_) | Effect::UnfollowRemote(_) | Effect::LoadPreview { .. }
    )
}

/// Performs one effect and returns the message that reports its outcome
/// (None for effects the loop handles itself, such as quitting).
pub async fn run(camp: &Camp, who: &mut Identity, effect: Effect) -> Option<Msg> {
    let camp = camp.clone();
    match effect {
        Effect::Quit => None,
        Effect::CheckFollowing => {
            let me = who.account?;
            blocking(move || Msg::FollowsNobody(camp.following(me).is_ok_and(|f| f.is_empty())))
                .await
        }
        e
        @ (Effect::LoadModeration { .. } | Effect::LoadAccountDetail(_) | Effect::Moderate(_)) => {
            crate::tui::moderation::run(&camp, who, e).await
        }
        e @ (Effect::AcceptCoc | Effect::LoadCoc | Effect::DismissAnnouncement(_)) => {
            crate::tui::notices::run(&camp, who, e).await
        }
        Effect::CheckInvite(code) => {
            // The same field takes a device link code ("I have a link code"): a key
            // linked that way is logged in at once.
            let key = who.key.clone();
            let linked = {
                let camp = camp.clone();
                let code = code.clone();
                blocking(move || {
                    if camp.check_invite(&code).is_err() && camp.is_link_code(&code) {
                        Some(camp.redeem_link_code(&key, &code, "linked in the terminal"))
                    } else {
                        None
                    }
                })
                .await?
            };
            if let Some(result) = linked {
                if let Ok(account) = &result {
                    who.account = Some(account.id);
                }
                return Some(Msg::Joined(result.map_err(|e| e.to_string())));
            }
            blocking(move || {
                Msg::InviteChecked(
                    camp.check_invite(&code)
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                )
            })
            .await
        }
        Effect::CheckPrefilledInvite(code) => {
            blocking(move || {
                let checked = camp.check_invite(&code).map(|_| ());
                Msg::InviteChecked(match checked {
                    Err(_) if camp.is_link_code(&code) => Err(PREFILLED_LINK_CODE.to_string()),
                    other => other.map_err(|e| e.to_string()),
                })
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
        Effect::Vote { post, choices } => {
            let me = who.account?;
            blocking(move || Msg::Voted(camp.vote(me, post, &choices).map_err(|e| e.to_string())))
                .await
        }
        Effect::React { post, reaction } => {
            let me = who.account?;
            blocking(move || Msg::Reacted {
                reaction,
                result: camp
                    .react(me, post, reaction, None)
                    .map_err(|e| e.to_string()),
            })
            .await
        }
        Effect::LoadPreview {
            post,
            index,
            revealed,
        } => {
            let me = who.account?;
            Some(crate::tui::preview::run(&camp, me, post, index, revealed).await)
        }
        Effect::LoadThread(id) => {
            let me = who.account?;
            blocking(move || Msg::ThreadLoaded {
                id,
                result: camp.thread(me, id).map(Arc::new).map_err(|e| e.to_string()),
            })
            .await
        }
        Effect::EditPost { id, draft } => {
            let me = who.account?;
            blocking(move || {
                Msg::PostSent(
                    camp.edit_post(me, id, &draft.text, draft.cw)
                        .map_err(|e| e.to_string()),
                )
            })
            .await
        }
        Effect::DeletePost(id) => {
            let me = who.account?;
            blocking(move || {
                Msg::Deleted(
                    camp.delete_post(me, id)
                        .map(|_| id)
                        .map_err(|e| e.to_string()),
                )
            })
            .await
        }
        Effect::LoadProfile(name) => {
            let me = who.account?;
            blocking(move || Msg::ProfileLoaded {
                result: camp
                    .profile(me, &name)
                    .map(Arc::new)
                    .map_err(|e| e.to_string()),
                name,
            })
            .await
        }
        Effect::Relation { name, action } => {
            let me = who.account?;
            blocking(move || {
                let done = match action {
                    RelationAction::Follow => camp
                        .follow(me, &name)
                        .map(|a| format!("You follow @{} now.", a.username)),
                    RelationAction::Unfollow => camp
                        .unfollow(me, &name)
                        .map(|a| format!("You no longer follow @{}.", a.username)),
                    RelationAction::Mute(secs) => camp
                        .mute(me, &name, secs.map(std::time::Duration::from_secs))
                        .map(|m| match m.until_ms {
                            Some(t) => format!("Muted @{name} until {}.", crate::text::date(t)),
                            None => format!("Muted @{name}."),
                        }),
                    RelationAction::Unmute => {
                        camp.unmute(me, &name).map(|_| format!("Unmuted @{name}."))
                    }
                    RelationAction::Block => {
                        camp.block(me, &name).map(|_| format!("Blocked @{name}."))
                    }
                    RelationAction::Unblock => camp
                        .unblock(me, &name)
                        .map(|_| format!("Unblocked @{name}.")),
                };
                Msg::Done(done.map_err(|e| e.to_string()))
            })
            .await
        }
        Effect::CompleteNames(prefix) => {
            let me = who.account?;
            blocking(move || Msg::Completions {
                names: camp.complete_names(me, &prefix, 5).unwrap_or_default(),
                prefix,
            })
            .await
        }
        Effect::LoadSettings => {
            let me = who.account?;
            blocking(move || Msg::SettingsLoaded {
                flash: None,
                result: settings_data(&camp, me, None).map_err(|e| e.to_string()),
            })
            .await
        }
        Effect::Settings(change) => {
            let me = who.account?;
            blocking(move || {
                let done = (|| -> crate::Result<(String, Option<crate::model::LinkCode>)> {
                    Ok(match change {
                        SettingsChange::Profile { display_name, bio } => {
                            camp.update_profile(me, &display_name, &bio)?;
                            ("Profile saved.".into(), None)
                        }
                        SettingsChange::Prefs(p) => {
                            camp.set_preferences(me, &p)?;
                            ("Saved.".into(), None)
                        }
                        SettingsChange::RemoveKey(fp) => {
                            camp.remove_key(me, &fp)?;
                            ("Key removed.".into(), None)
                        }
                        SettingsChange::Preview(mode) => {
                            camp.set_preview_mode(me, mode)?;
                            let said = match mode {
                                crate::camp::preview::PreviewMode::Off => {
                                    "Saved: no image previews (nothing is fetched)."
                                }
                                _ => "Saved: i on a post in a thread shows its images.",
                            };
                            (said.into(), None)
                        }
                        SettingsChange::LineMode(on) => {
                            camp.set_line_mode(me, on)?;
                            let when = if on {
                                "Saved: from your next visit, ssh -t opens the line mode."
                            } else {
                                "Saved: the full-screen app opens as before."
                            };
                            (when.into(), None)
                        }
                        SettingsChange::Presence(on) => {
                            camp.set_presence(me, on)?;
                            let said = if on {
                                "Saved: campers here see you in who while you are connected."
                            } else {
                                "Saved: who no longer lists you."
                            };
                            (said.into(), None)
                        }
                        SettingsChange::AddFilter(line) => {
                            let new = crate::camp::filters::NewFilter::parse_line(&line)?;
                            let f = camp.add_filter(me, new)?;
                            (
                                format!("Filtering '{}' ({}).", f.phrase, f.action.as_str()),
                                None,
                            )
                        }
                        SettingsChange::RemoveFilter(id) => {
                            let f = camp.remove_filter(me, &id.to_string())?;
                            (format!("No longer filtering '{}'.", f.phrase), None)
                        }
                        SettingsChange::Links(on) => {
                            camp.set_terminal_links(me, on)?;
                            let what = if on {
                                "Saved: links are clickable and y/o copy."
                            } else {
                                "Saved: no hyperlinks or copies are sent to your terminal."
                            };
                            (what.into(), None)
                        }
                        SettingsChange::MakeLinkCode => {
                            let link = camp.create_link_code(me)?;
                            ("Link code made.".into(), Some(link))
                        }
                        SettingsChange::DeleteAccount { confirm } => {
                            let name = camp.actor(me)?.username;
                            camp.delete_account(me, &name, &confirm)?;
                            // The session ends when it hears the account is gone.
                            ("Your account is deleted.".into(), None)
                        }
                    })
                })();
                match done {
                    Ok((flash, link)) => Msg::SettingsLoaded {
                        flash: Some(flash),
                        result: settings_data(&camp, me, link).map_err(|e| e.to_string()),
                    },
                    Err(e) => Msg::SettingsLoaded {
                        flash: None,
                        result: Err(e.to_string()),
                    },
                }
            })
            .await
        }
        Effect::LoadList(kind) => {
            let me = who.account?;
            blocking(move || Msg::ListLoaded {
                result: list_rows(&camp, me, &kind).map_err(|e| e.to_string()),
                kind,
            })
            .await
        }
        Effect::Search(q) => {
            let me = who.account?;
            blocking(move || Msg::ListLoaded {
                kind: ListKind::Search,
                result: camp
                    .search(me, &q, 30)
                    .map(|r| {
                        let mut rows = Vec::new();
                        // `@user@host` is someone elsewhere: offer to follow them.
                        if let Some(h) = crate::camp::outside::parse_remote_handle(&q) {
                            rows.push(Row::Heading("Elsewhere".into()));
                            rows.push(Row::Remote(format!("@{}@{}", h.user, h.host)));
                        }
                        if !r.accounts.is_empty() {
                            rows.push(Row::Heading("Campers".into()));
                            rows.extend(r.accounts.into_iter().map(Row::Person));
                        }
                        if !r.tags.is_empty() {
                            rows.push(Row::Heading("Tags".into()));
                            rows.extend(r.tags.into_iter().map(|(t, n)| Row::Tag(t, n)));
                        }
                        if !r.posts.is_empty() {
                            rows.push(Row::Heading("Posts".into()));
                            rows.extend(r.posts.into_iter().map(|p| Row::Post(Arc::new(p))));
                        }
                        rows
                    })
                    .map_err(|e| e.to_string()),
            })
            .await
        }
        Effect::LoadWho => crate::tui::who::load(&camp, who.account?).await,
        Effect::LoadRequests => {
            let me = who.account?;
            blocking(move || Msg::RequestsLoaded(load_requests(&camp, me))).await
        }
        Effect::AnswerRequest { handle, accept } => {
            let me = who.account?;
            // The bridge checks the request exists and is the camper's, and sends the
            // answer (queued, so this does not wait on the other server).
            blocking(move || {
                let done = match camp.outside() {
                    None => Err(FEDERATION_OFF.to_string()),
                    Some(o) => o
                        .answer(me, &handle, accept)
                        .map(|actor| {
                            let handle = crate::text::sanitize_line(&actor.handle());
                            if accept {
                                format!("Accepted @{handle}: they follow you now.")
                            } else {
                                format!("Rejected the follow request of @{handle}.")
                            }
                        })
                        // A refusal may quote the other server: it enters the screen here.
                        .map_err(|e| crate::text::sanitize_line(&e.to_string())),
                };
                Msg::RequestAnswered(done)
            })
            .await
        }
        Effect::FollowRemote(target) => {
            let me = who.account?;
            let Some(o) = camp.outside() else {
                return Some(Msg::RemoteFollowed(Err(FEDERATION_OFF.to_string())));
            };
            // The bridge checks the rules (local account, suspended servers, already
            // following) and asks the other server; that is network work, so it is
            // awaited here like the verb's, not run on the blocking pool.
            let done = o
                .follow(me, target)
                .await
                .map(|actor| {
                    format!(
                        "Follow request sent to @{} (pending until they accept).",
                        crate::text::sanitize_line(&actor.handle())
                    )
                })
                // A refusal may quote the other server: it enters the screen here.
                .map_err(|e| crate::text::sanitize_line(&e.to_string()));
            Some(Msg::RemoteFollowed(done))
        }
        Effect::UnfollowRemote(target) => {
            let me = who.account?;
            let Some(o) = camp.outside() else {
                return Some(Msg::Done(Err(FEDERATION_OFF.to_string())));
            };
            let done = o
                .unfollow(me, target)
                .await
                .map(|actor| {
                    format!(
                        "You no longer follow @{}.",
                        crate::text::sanitize_line(&actor.handle())
                    )
                })
                .map_err(|e| crate::text::sanitize_line(&e.to_string()));
            Some(Msg::Done(done))
        }
        Effect::SendPost(draft) => {
            let Some(me) = who.account else {
                return Some(Msg::PostSent(Err("join the camp first".into())));
            };
            blocking(move || {
                let result = match draft.poll.clone() {
                    Some(poll) => camp.create_poll_post(me, draft.into(), &poll),
                    None => camp.create_post(me, draft.into()),
                };
                Msg::PostSent(result.map_err(|e| e.to_string()))
            })
            .await
        }
    }
}
