//! What a verified activity does, one function per type. Handlers see only
//! [`Verified`] activities (every origin rule already held) and change camp's data
//! only through `Camp` methods; the bridge's own trees (seen ids, key cache,
//! delivery queue) are the only store they touch directly.

use std::sync::Arc;

use super::parse::{self, FollowRef, Kind, Note, ObjectId, Undone, UndoneKind, Updated};
use super::verify::{self, Verified};
use crate::camp::{IncomingNote, RemoteAudience};
use crate::federation::{Bridge, wire};
use crate::model::{Id, Post};
use crate::store::federation::RemoteActor;

/// Runs an activity's store work on the blocking pool: the service writes and flushes
/// sled, which must never stall the async runtime's few threads.
async fn on_pool<T: Send + 'static>(
    bridge: &Arc<Bridge>,
    work: impl FnOnce(&Bridge) -> crate::Result<T> + Send + 'static,
) -> crate::Result<T> {
    let b = bridge.clone();
    tokio::task::spawn_blocking(move || work(&b))
        .await
        .map_err(|e| crate::Error::invalid(format!("a background task failed: {e}")))?
}

/// Acts on one verified activity. An error means "not handled, try again later".
pub(super) async fn handle(bridge: &Arc<Bridge>, activity: &Verified) -> crate::Result<()> {
    let actor = activity.actor();
    match activity.kind() {
        Kind::Follow(target) => follow(bridge, activity, target).await,
        Kind::Accept(f) | Kind::Reject(f) => {
            let accept = matches!(activity.kind(), Kind::Accept(_));
            let (actor, f) = (actor.clone(), f.clone());
            on_pool(bridge, move |b| answered(b, &actor, &f, accept)).await
        }
        Kind::Undo(inner) => {
            let (actor, inner) = (actor.clone(), inner.clone());
            on_pool(bridge, move |b| undo(b, &actor, &inner)).await
        }
        Kind::Create(note) => create(bridge, actor, note).await,
        Kind::Update(Updated::Note(note)) => {
            let (actor, note) = (actor.clone(), note.clone());
            on_pool(bridge, move |b| update(b, &actor, &note)).await
        }
        Kind::Delete(object) => {
            let (object, actor) = (object.as_str().to_string(), actor.as_str().to_string());
            on_pool(bridge, move |b| {
                b.camp().remove_remote_post(&object, &actor)?;
                Ok(())
            })
            .await
        }
        Kind::Announce(object) => announce(bridge, activity, object).await,
        Kind::Flag { objects, content } => flag(bridge, actor, objects, content).await,
        // Typed and verified, with nothing to do yet: profile updates (actors are
        // fetched again when needed), favourites of our posts (not counted), blocks
        // (nothing is delivered to accounts that do not follow), moves (followers
        // are not migrated).
        Kind::Update(Updated::Other(_)) | Kind::Like(_) | Kind::Block(_) | Kind::Move { .. } => {
            tracing::info!(
                "inbox: {} from {actor} verified and dropped (not handled)",
                activity.kind().name()
            );
            Ok(())
        }
        Kind::Unknown(_) => Ok(()),
    }
}

/// A report from another server: what it names of ours (accounts and posts) goes to
/// the service, which decides whether it becomes a report. Names of anything else
/// are ignored.
///
/// The reporter is fetched (an outgoing request its server sees, and an error that
/// asks it to retry) as soon as the Flag names any URL *shaped* like one of ours,
/// before anything is looked up: were it fetched only when a named post exists, a
/// Flag would tell its sender which ids are posts here, camp-only and direct ones
/// included (the oracle `followers_only` describes for GETs).
async fn flag(
    bridge: &Arc<Bridge>,
    actor: &ObjectId,
    objects: &[ObjectId],
    content: &str,
) -> crate::Result<()> {
    let urls = bridge.urls();
    let names_ours = objects
        .iter()
        .any(|o| urls.username_of(o.as_str()).is_some() || urls.post_of(o.as_str()).is_some());
    if !names_ours {
        return Ok(());
    }
    let reporter = bridge.fetch_actor(actor.as_str(), None).await?;
    let objects = objects.to_vec();
    let content = content.to_string();
    on_pool(bridge, move |bridge| {
        let camp = bridge.camp();
        let store = camp.store();
        let mut accounts = Vec::new();
        let mut posts = Vec::new();
        for o in &objects {
            let url = o.as_str();
            if let Some(name) = bridge.urls().username_of(url) {
                if let Some(a) = store.account_by_name(&name)?.filter(|a| !a.is_remote()) {
                    accounts.push(a.id);
                }
            } else if let Some((name, id)) = bridge.urls().post_of(url)
                && let Some(p) = store.post(id)?
                && store
                    .account(p.author)?
                    .is_some_and(|a| !a.is_remote() && a.username == name)
            {
                posts.push(id);
            }
        }
        if accounts.is_empty() && posts.is_empty() {
            return Ok(());
        }
        camp.receive_remote_report(crate::camp::IncomingReport {
            reporter: reporter.shadow,
            host: reporter.host.clone(),
            accounts,
            posts,
            comment: content,
        })?;
        Ok(())
    })
    .await
}

async fn follow(bridge: &Arc<Bridge>, activity: &Verified, target: &ObjectId) -> crate::Result<()> {
    let camp = bridge.camp();
    let store = camp.store();
    let Some(name) = bridge.urls().username_of(target.as_str()) else {
        return Ok(());
    };
    let Some(local) = store.account_by_name(&name)?.filter(|a| !a.is_remote()) else {
        return Ok(());
    };
    let remote = bridge.fetch_actor(activity.actor().as_str(), None).await?;
    let follow_id = activity.id().as_str().to_string();
    on_pool(bridge, move |bridge| {
        let camp = bridge.camp();
        // Someone the camper blocked is refused at once (and never shown).
        if camp.store().blocks(local.id, remote.shadow)? {
            return send_answer(
                bridge,
                local.id,
                &local.username,
                &remote,
                &follow_id,
                false,
            );
        }
        if camp.remote_follow_requested(local.id, &remote, &follow_id)? {
            send_answer(bridge, local.id, &local.username, &remote, &follow_id, true)?;
        }
        Ok(())
    })
    .await
}

/// An Accept or Reject of a follow by one of ours, from the account followed.
fn answered(bridge: &Bridge, actor: &ObjectId, f: &FollowRef, accept: bool) -> crate::Result<()> {
    let camp = bridge.camp();
    let store = camp.store();
    let local_name = f
        .actor
        .as_ref()
        .and_then(|a| bridge.urls().username_of(a.as_str()))
        .or_else(|| {
            f.id.as_ref()
                .and_then(|id| bridge.urls().username_of_follow(id.as_str()))
        });
    let Some(local) = local_name
        .and_then(|n| store.account_by_name(&n).ok().flatten())
        .filter(|a| !a.is_remote())
    else {
        return Ok(());
    };
    let Some(following) = store.remote_following(local.id, actor.as_str())? else {
        return Ok(());
    };
    if f.id
        .as_ref()
        .is_some_and(|id| following.follow_id != id.as_str())
    {
        return Ok(());
    }
    let Some(remote) = store.remote_actor(actor.as_str())? else {
        return Ok(());
    };
    if accept {
        camp.remote_follow_accepted(local.id, &remote)?;
    } else {
        camp.remote_follow_ended(local.id, &remote)?;
    }
    Ok(())
}

/// Takes back the actor's own Follow or boost (verify made sure it is its own).
fn undo(bridge: &Bridge, actor: &ObjectId, inner: &Undone) -> crate::Result<()> {
    let camp = bridge.camp();
    let store = camp.store();
    match &inner.kind {
        UndoneKind::Follow(_) | UndoneKind::Unknown => {
            let named = match &inner.kind {
                UndoneKind::Follow(Some(o)) => bridge.urls().username_of(o.as_str()),
                _ => None,
            };
            for local in local_accounts(bridge)? {
                let Some(f) = store.remote_follower(local.0, actor.as_str())? else {
                    continue;
                };
                let is_follow = matches!(inner.kind, UndoneKind::Follow(_))
                    && named.as_ref().is_none_or(|n| *n == local.1);
                if is_follow || f.follow_id == inner.id.as_str() {
                    camp.remote_unfollowed(local.0, actor.as_str())?;
                }
            }
            if inner.kind == UndoneKind::Unknown {
                camp.remove_remote_post(inner.id.as_str(), actor.as_str())?;
            }
        }
        UndoneKind::Announce => {
            camp.remove_remote_post(inner.id.as_str(), actor.as_str())?;
        }
        UndoneKind::Like | UndoneKind::Block | UndoneKind::Other(_) => {}
    }
    Ok(())
}

fn local_accounts(bridge: &Bridge) -> crate::Result<Vec<(Id, String)>> {
    Ok(bridge
        .camp()
        .store()
        .accounts()?
        .into_iter()
        .filter(|a| !a.is_remote())
        .map(|a| (a.id, a.username))
        .collect())
}

/// A new post by the actor. Its addressing decides who here gets it (the service
/// holds that rule); a sender nobody here has met is fetched only when the post
/// names one of ours.
async fn create(bridge: &Arc<Bridge>, actor: &ObjectId, note: &Note) -> crate::Result<()> {
    let store = bridge.camp().store();
    let audience = audience(bridge, actor, note)?;
    let reply_to = reply_target(bridge, actor, note)?;
    let sender = match store.remote_actor(actor.as_str())? {
        Some(a) => a,
        None if !audience.named.is_empty() || reply_to.is_some_and(|r| r.1) => {
            bridge.fetch_actor(actor.as_str(), None).await?
        }
        None => return Ok(()),
    };
    // An answer to one of our polls (Mastodon's form: a `name`, no content, in reply
    // to the question) is a vote: counted by the service, never shown as a post. One
    // in reply to a post of ours this actor may not have, or that has no poll, is
    // dropped the same way as one naming no post at all: it must not become a post
    // here, nor tell the sender whether the post exists.
    if let Some(choice) = &note.name
        && note.text.trim().is_empty()
        && note
            .in_reply_to
            .as_ref()
            .is_some_and(|p| bridge.urls().post_of(p.as_str()).is_some())
    {
        // A direct poll's recipients may answer it too (a reply to it is still not
        // threaded under it: that is `reply_target`'s rule).
        let parent = note.in_reply_to.as_ref().map(|p| p.as_str()).unwrap_or("");
        let post = match reply_to {
            Some((post, true)) => post,
            _ => match local_post_for(bridge, actor, parent, true)? {
                Some(p) => p.id,
                None => return Ok(()),
            },
        };
        if store.poll(post)?.is_none() {
            return Ok(());
        }
        let (voter, choice) = (sender.shadow, choice.clone());
        return on_pool(bridge, move |b| {
            b.camp()
                .receive_remote_vote(voter, post, &choice)
                .map(|_| ())
        })
        .await;
    }
    let (text, cw) = note_text(bridge, note);
    let incoming = IncomingNote {
        key: note.id.as_str().to_string(),
        author: sender.shadow,
        object_host: note.id.host().to_string(),
        text,
        cw,
        reply_to: reply_to.map(|r| r.0),
        audience,
        boostable: true,
        original_author: None,
    };
    let media = note_media(bridge, note);
    let poll = note.poll.clone();
    on_pool(bridge, move |b| {
        let stored = b.camp().receive_remote_note(incoming)?;
        if let (Some(id), Some(poll)) = (stored, poll.as_ref()) {
            b.camp().receive_remote_poll(id, poll)?;
        }
        keep_media(b, stored, media)
    })
    .await
}

/// What `note` has attached, as camp keeps it (nothing when its server's media is
/// rejected), for previews.
pub(crate) fn note_media(bridge: &Bridge, note: &Note) -> crate::model::PostMedia {
    if bridge.policy_of(note.id.as_str()).reject_media {
        return Default::default();
    }
    crate::model::PostMedia {
        sensitive: note.attachments.iter().any(|a| a.sensitive),
        items: note
            .attachments
            .iter()
            .map(|a| crate::model::MediaAttachment {
                alt: a.name.clone(),
                url: a.url.as_str().to_string(),
                media_type: a.media_type.clone(),
            })
            .collect(),
    }
}

/// Keeps the attachments of a post just stored (if it was).
fn keep_media(
    bridge: &Bridge,
    post: Option<Id>,
    media: crate::model::PostMedia,
) -> crate::Result<()> {
    match post {
        Some(id) => bridge.camp().set_remote_media(id, media),
        None => Ok(()),
    }
}

/// Who `note` is addressed to, in camp's terms: the public, the actor's followers
/// collection (`{actor}/followers`, the convention every server camp knows uses;
/// another collection is not taken for it, so a narrower audience never widens),
/// and local accounts named by their actor ids.
fn audience(bridge: &Bridge, actor: &ObjectId, note: &Note) -> crate::Result<RemoteAudience> {
    let followers = format!("{actor}/followers");
    let mut out = RemoteAudience {
        public: note.addressing.public,
        ..RemoteAudience::default()
    };
    let store = bridge.camp().store();
    for t in &note.addressing.targets {
        if t.as_str() == followers {
            out.followers = true;
        } else if let Some(name) = bridge.urls().username_of(t.as_str())
            && let Some(a) = store.account_by_name(&name)?
            && !a.is_remote()
            && a.username == name
            && !out.named.contains(&a.id)
        {
            out.named.push(a.id);
        }
    }
    Ok(out)
}

/// The local id of the post `note` answers, and whether it is one of ours (one the
/// actor may have: see [`local_post_for`]) rather than a remote post we have.
fn reply_target(
    bridge: &Bridge,
    actor: &ObjectId,
    note: &Note,
) -> crate::Result<Option<(Id, bool)>> {
    let Some(parent) = &note.in_reply_to else {
        return Ok(None);
    };
    if let Some(p) = local_post_for(bridge, actor, parent.as_str(), false)? {
        return Ok(Some((p.id, true)));
    }
    Ok(bridge
        .camp()
        .store()
        .remote_object(parent.as_str())?
        .map(|o| (o.post, false)))
}

/// One of our posts by its URL, when `actor` may have it: a public one, or a
/// followers-only one when the actor's server hosts an accepted follower of its
/// author (the rule of [`crate::federation::followers_only`]), and, when `direct`
/// (a vote), a direct one addressed to the actor. Anything else is not there for the
/// outside, even if the id is guessed.
fn local_post_for(
    bridge: &Bridge,
    actor: &ObjectId,
    url: &str,
    direct: bool,
) -> crate::Result<Option<Post>> {
    let Some((name, id)) = bridge.urls().post_of(url) else {
        return Ok(None);
    };
    let camp = bridge.camp();
    let store = camp.store();
    let (Some(post), Some(author)) = (store.post(id)?, store.account_by_name(&name)?) else {
        return Ok(None);
    };
    let ok = match wire::reach(&post, &author) {
        Some(wire::Reach::Public) => wire::federable(&post, &author),
        Some(wire::Reach::Followers) => {
            crate::federation::followers_only::follower_hosts(bridge, &author)
                .iter()
                .any(|h| h.eq_ignore_ascii_case(actor.host()))
        }
        Some(wire::Reach::Direct) if direct => match store.remote_actor(actor.as_str())? {
            Some(a) => match store.account(a.shadow)? {
                Some(shadow) => camp.addressed_remotely(&shadow, &post)?,
                None => false,
            },
            None => false,
        },
        _ => false,
    };
    Ok(ok.then_some(post))
}

/// Plain text and content warning of a post: the sanitized content, then each
/// attachment as `[description] URL` unless the object's server has its media
/// rejected. Everything here was sanitized by the parser.
pub(crate) fn note_text(bridge: &Bridge, note: &Note) -> (String, Option<String>) {
    let mut text = note.text.clone();
    if !bridge.policy_of(note.id.as_str()).reject_media {
        for a in &note.attachments {
            text.push_str(&format!("\n[{}] {}", a.name, a.url));
        }
    }
    let mut text: String = text.chars().take(wire::MAX_REMOTE_TEXT).collect();
    if text.trim().is_empty() {
        text = "(no text)".into();
    }
    (text, note.summary.clone())
}

fn update(bridge: &Bridge, actor: &ObjectId, note: &Note) -> crate::Result<()> {
    let (text, cw) = note_text(bridge, note);
    let changed = bridge
        .camp()
        .update_remote_post(note.id.as_str(), actor.as_str(), text, cw)?;
    if changed && let Some(obj) = bridge.camp().store().remote_object(note.id.as_str())? {
        bridge
            .camp()
            .set_remote_media(obj.post, note_media(bridge, note))?;
    }
    // A `Question` updated: its counts (or its end) refreshed, when it is the sender's.
    if let Some(poll) = &note.poll
        && let Some(obj) = bridge.camp().store().remote_object(note.id.as_str())?
        && obj.actor == actor.as_str()
    {
        bridge.camp().receive_remote_poll(obj.post, poll)?;
    }
    Ok(())
}

/// A boost, believed only of a post its origin serves as public: never the embedded
/// copy; the original is fetched from its id with the guarded client.
async fn announce(
    bridge: &Arc<Bridge>,
    activity: &Verified,
    object: &ObjectId,
) -> crate::Result<()> {
    let store = bridge.camp().store();
    let Some(booster) = store.remote_actor(activity.actor().as_str())? else {
        return Ok(());
    };
    if bridge.suspended(object.as_str()) || store.followers_of(booster.shadow)?.is_empty() {
        return Ok(());
    }
    let doc = bridge
        .fetch_signed(object.as_str())
        .await
        .map_err(crate::Error::invalid)?;
    let note = match parse::note(&doc) {
        Ok(n) => n,
        Err(e) => {
            tracing::info!("inbox: boosted {object} is not a post: {e}");
            return Ok(());
        }
    };
    if let Err(e) = verify::boosted_note(&note, object.as_str()) {
        tracing::info!("inbox: boost by {} refused: {e}", booster.id);
        return Ok(());
    }
    // The boosted author's own server (verify made sure it is the object's, but
    // the rule is about the author).
    if bridge.suspended(note.attributed_to.as_str()) {
        return Ok(());
    }
    // Its author is looked up once, so a favourite of the copy can reach them.
    if store.remote_actor(note.attributed_to.as_str())?.is_none()
        && let Err(e) = bridge.fetch_actor(note.attributed_to.as_str(), None).await
    {
        tracing::info!("inbox: the author of boosted {object} was not found: {e}");
    }
    let id = activity.id().clone();
    on_pool(bridge, move |b| receive_boost(b, &booster, &id, &note)).await
}

/// Files a boost for the booster's local followers, as a followers-only copy by the
/// booster's shadow that names the original's author. The original author's shadow
/// (when known here) goes with it: the service keeps a boost of a suspended account
/// from everyone, and of a blocked or muted one from those who shun it.
fn receive_boost(
    bridge: &Bridge,
    booster: &RemoteActor,
    announce_id: &ObjectId,
    note: &Note,
) -> crate::Result<()> {
    let original = bridge
        .camp()
        .store()
        .remote_actor(note.attributed_to.as_str())?;
    let original_author = original.as_ref().map(|a| a.shadow);
    let (text, cw) = note_text(bridge, note);
    let text = format!("boosted @{}:\n{text}", note.attributed_to.label());
    let stored = bridge.camp().receive_remote_note(IncomingNote {
        key: announce_id.as_str().to_string(),
        author: booster.shadow,
        object_host: note.id.host().to_string(),
        text,
        cw,
        reply_to: None,
        audience: RemoteAudience {
            followers: true,
            ..RemoteAudience::default()
        },
        boostable: false,
        original_author,
    })?;
    keep_media(bridge, stored, note_media(bridge, note))?;
    // A favourite of the copy names the original, for its author (when known).
    if let (Some(post), Some(author)) = (stored, original) {
        bridge
            .camp()
            .store()
            .put_boosted_original(post, note.id.as_str(), &author.id)?;
    }
    Ok(())
}

/// Queues Accept (or Reject) of a remote Follow.
pub fn send_answer(
    bridge: &Bridge,
    local: Id,
    username: &str,
    remote: &RemoteActor,
    follow_id: &str,
    accept: bool,
) -> crate::Result<()> {
    let me = bridge.urls().actor(username);
    let kind = if accept { "Accept" } else { "Reject" };
    let id = format!(
        "{me}/{}/{}",
        kind.to_lowercase(),
        bridge.camp().store().next_id()
    );
    let follow = serde_json::json!({
        "id": follow_id,
        "type": "Follow",
        "actor": remote.id,
        "object": me,
    });
    let activity = wire::activity(&id, kind, &me, follow);
    bridge.enqueue_to(
        local,
        std::slice::from_ref(&remote.id),
        &remote.inbox,
        &activity,
    )
}
