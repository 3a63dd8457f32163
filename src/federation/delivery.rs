//! Outgoing: what each change sends (the Create of a new public post to remote
//! followers, shared inbox preferred; its Update and Delete; Likes and boosts),
//! called by the outbox drain ([`super::outbox_drain`]), and the delivery worker. Jobs live in sled until they land, so a peer
//! that is down gets them after it comes back (and after a camp restart); attempts back
//! off exponentially with jitter for about a day, a few at a time.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Semaphore, watch};

use super::{Bridge, wire};
use crate::model::{Id, Millis};
use crate::store::federation::{DeliveryJob, FollowState};
use crate::store::now_ms;

/// Deliveries in flight at once.
pub const CONCURRENCY: usize = 4;
/// First retry delay.
pub const BASE_DELAY_MS: Millis = 2_000;
/// Longest delay between two attempts.
pub const MAX_DELAY_MS: Millis = 3_600_000;
/// A job older than this is dropped after its next failure.
pub const GIVE_UP_AFTER_MS: Millis = 24 * 3_600_000;

/// How long activity ids are remembered to drop duplicates.
pub const SEEN_FOR_MS: Millis = 14 * 24 * 3_600_000;

/// Consecutive failures after which a host's circuit opens.
pub const BREAKER_THRESHOLD: u32 = 5;

/// Per-host circuit breakers: after [`BREAKER_THRESHOLD`] failures in a row, jobs
/// for that host wait (without an attempt) until the circuit half-opens again.
#[derive(Default)]
pub struct Breakers {
    hosts: Mutex<std::collections::HashMap<String, (u32, Millis)>>,
}

impl Breakers {
    /// When a job for `host` may be tried (None: now).
    pub fn open_until(&self, host: &str, now: Millis) -> Option<Millis> {
        let hosts = self.hosts.lock().expect("breakers");
        hosts
            .get(host)
            .and_then(|&(_, until)| (until > now).then_some(until))
    }

    /// Records a failure; opens the circuit at the threshold (longer each time).
    pub fn failed(&self, host: &str, now: Millis) {
        let mut hosts = self.hosts.lock().expect("breakers");
        let e = hosts.entry(host.to_string()).or_insert((0, 0));
        e.0 += 1;
        if e.0 >= BREAKER_THRESHOLD {
            let n = (e.0 - BREAKER_THRESHOLD).min(6);
            e.1 = now + (60_000u64 << n).min(MAX_DELAY_MS);
        }
    }

    /// Closes the circuit after a success.
    pub fn succeeded(&self, host: &str) {
        self.hosts.lock().expect("breakers").remove(host);
    }

    /// Hosts whose circuit is open now, with the time it half-opens.
    pub fn open_hosts(&self, now: Millis) -> Vec<(String, u32, Millis)> {
        let hosts = self.hosts.lock().expect("breakers");
        let mut v: Vec<_> = hosts
            .iter()
            .filter(|(_, (_, until))| *until > now)
            .map(|(h, (n, until))| (h.clone(), *n, *until))
            .collect();
        v.sort();
        v
    }
}

/// Delay before attempt `attempts + 1`: doubling from [`BASE_DELAY_MS`], capped, ±25%
/// jitter so many failed jobs do not retry in lockstep.
pub fn backoff(attempts: u32, jitter_seed: u64) -> Millis {
    let exp = BASE_DELAY_MS.saturating_mul(1u64 << attempts.min(20));
    let d = exp.min(MAX_DELAY_MS);
    let spread = d / 2;
    let offset = if spread == 0 { 0 } else { jitter_seed % spread };
    d - d / 4 + offset
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

/// A status that will not get better by retrying.
fn permanent(status: u16) -> bool {
    matches!(status, 400 | 403 | 404 | 405 | 410 | 413 | 422)
}

/// The inboxes of `author`'s accepted remote followers, shared inboxes preferred,
/// each with the followers it is for. A follower refused by
/// [`Bridge::refused_recipient`] (its own server suspended, whatever inbox it named,
/// or its account suspended here) is left out.
fn follower_inboxes(bridge: &Bridge, author: Id) -> crate::Result<BTreeMap<String, Vec<String>>> {
    let store = bridge.camp().store();
    let mut inboxes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in store.remote_followers_of(author)? {
        if f.state != FollowState::Accepted || bridge.refused_recipient(&f.actor) {
            continue;
        }
        if let Some(a) = store.remote_actor(&f.actor)? {
            // A follower the author blocked gets nothing, even if its follow lingers.
            if store.blocks(author, a.shadow)? {
                continue;
            }
            let inbox = a.shared_inbox.clone().unwrap_or(a.inbox.clone());
            inboxes.entry(inbox).or_default().push(a.id);
        }
    }
    Ok(inboxes)
}

/// Queues `activity` by `signer` at every inbox for its recipients.
fn enqueue_all(
    bridge: &Bridge,
    signer: Id,
    inboxes: &BTreeMap<String, Vec<String>>,
    activity: &Value,
) -> crate::Result<()> {
    for (inbox, recipients) in inboxes {
        bridge.enqueue_to(signer, recipients, inbox, activity)?;
    }
    Ok(())
}

/// Most remote accounts one post may name and be delivered to: mentions cost a
/// WebFinger and an actor fetch each, and a post must not be a flood cannon.
pub const MAX_REMOTE_MENTIONS: usize = crate::camp::MAX_REMOTE_RECIPIENTS;

/// Who a post that leaves goes to, and how it names them.
struct Fanout {
    author: crate::model::Account,
    reach: wire::Reach,
    inboxes: BTreeMap<String, Vec<String>>,
    mentioned: Vec<wire::Mentioned>,
    parent: Option<(String, Option<String>)>,
}

/// The remote accounts `post` names that the bridge already knows (see
/// [`resolve_mentions`]), at most [`MAX_REMOTE_MENTIONS`], each with its actor: none
/// refused ([`Bridge::refused_recipient`]) and none the author blocked.
fn known_mentions(
    bridge: &Bridge,
    text: &str,
    author: &crate::model::Account,
) -> crate::Result<Vec<(wire::Mentioned, crate::store::federation::RemoteActor)>> {
    let camp = bridge.camp();
    let store = camp.store();
    let mut out: Vec<(wire::Mentioned, crate::store::federation::RemoteActor)> = Vec::new();
    for handle in camp
        .reach_of(author, text)?
        .remote
        .iter()
        .take(MAX_REMOTE_MENTIONS)
    {
        let Some(h) = super::webfinger::parse_handle(handle) else {
            continue;
        };
        let name = format!("{}@{}", h.user, h.host).to_lowercase();
        let Some(shadow) = store.account_by_name(&name)?.filter(|a| a.is_remote()) else {
            continue;
        };
        let Some(actor) = store.remote_actor_of_shadow(shadow.id)? else {
            continue;
        };
        if bridge.refused_recipient(&actor.id)
            || store.blocks(author.id, shadow.id)?
            || out.iter().any(|(m, _)| m.actor == actor.id)
        {
            continue;
        }
        out.push((
            wire::Mentioned {
                actor: actor.id.clone(),
                handle: format!("@{name}"),
            },
            actor,
        ));
    }
    Ok(out)
}

/// Looks up (WebFinger, then the actor, through the guarded fetcher) the remote
/// accounts a post that leaves names and that the bridge does not know yet, at most
/// [`MAX_REMOTE_MENTIONS`]; a camp-only post resolves nothing. Failures are logged:
/// an account that cannot be found is not delivered to.
pub async fn resolve_mentions(bridge: &Bridge, post: &crate::model::Post) {
    let camp = bridge.camp();
    let store = camp.store();
    let Ok(Some(author)) = store.account(post.author) else {
        return;
    };
    if wire::reach(post, &author).is_none() {
        return;
    }
    let Ok(reach) = camp.reach_of(&author, &post.text) else {
        return;
    };
    for handle in reach.remote.iter().take(MAX_REMOTE_MENTIONS) {
        let Some(h) = super::webfinger::parse_handle(handle) else {
            continue;
        };
        let name = format!("{}@{}", h.user, h.host).to_lowercase();
        if store.account_by_name(&name).ok().flatten().is_some() || bridge.suspended(&h.host) {
            continue;
        }
        let found = async {
            let url = super::webfinger::lookup(bridge.fetcher(), &h).await?;
            bridge.fetch_actor(&url, None).await
        }
        .await;
        if let Err(e) = found {
            tracing::info!("federation: the mention @{name} was not found: {e}");
        }
    }
}

/// Who `post` goes to outside, or None when it stays home ([`wire::reach`]): the
/// author's accepted followers (unless direct), the remote accounts it names, and,
/// for a public reply to a remote post, that post's author.
fn fanout_of(bridge: &Bridge, post: &crate::model::Post) -> crate::Result<Option<Fanout>> {
    let store = bridge.camp().store();
    let Some(author) = store.account(post.author)? else {
        return Ok(None);
    };
    let Some(reach) = wire::reach(post, &author) else {
        return Ok(None);
    };
    let mut inboxes = match reach {
        wire::Reach::Public | wire::Reach::Followers => follower_inboxes(bridge, author.id)?,
        wire::Reach::Direct => BTreeMap::new(),
    };
    let parent = bridge.reply_target(post)?;
    // Who a post that is not public reaches is fixed when it is written: an edit
    // naming someone new must not hand it (or its edits) to them. So its mentions are
    // read from the text as first written.
    let first_text;
    let mention_text = if reach == wire::Reach::Public {
        post.text.as_str()
    } else {
        first_text = store.versions(post.id)?.into_iter().next().map(|v| v.text);
        first_text.as_deref().unwrap_or(&post.text)
    };
    // A followers-only post goes to followers only: naming someone else elsewhere does
    // not widen it (as inside the camp, where only followers are notified).
    let accepted: Option<Vec<String>> = match reach {
        wire::Reach::Followers => Some(
            store
                .remote_followers_of(author.id)?
                .into_iter()
                .filter(|f| f.state == crate::model::FollowState::Accepted)
                .map(|f| f.actor)
                .collect(),
        ),
        _ => None,
    };
    let mut mentioned = Vec::new();
    for (m, a) in known_mentions(bridge, mention_text, &author)? {
        if accepted.as_ref().is_some_and(|list| !list.contains(&a.id)) {
            continue;
        }
        // A direct post goes to the account's own inbox, never a shared one.
        let inbox = match reach {
            wire::Reach::Direct => a.inbox.clone(),
            _ => a.shared_inbox.clone().unwrap_or(a.inbox.clone()),
        };
        let list = inboxes.entry(inbox).or_default();
        if !list.contains(&a.id) {
            list.push(a.id.clone());
        }
        mentioned.push(m);
    }
    // A public reply to a remote post also goes to that post's author.
    if reach == wire::Reach::Public
        && let Some((_, Some(parent_actor))) = &parent
        && let Some(a) = store.remote_actor(parent_actor)?
        && !bridge.refused_recipient(&a.id)
    {
        inboxes.entry(a.inbox.clone()).or_default().push(a.id);
    }
    Ok(Some(Fanout {
        author,
        reach,
        inboxes,
        mentioned,
        parent,
    }))
}

/// The Note of `post` as its fan-out names it (addressing by reach, mentions); a
/// `Question` when it has a poll.
fn fanout_note(bridge: &Bridge, post: &crate::model::Post, f: &Fanout) -> Value {
    let mut note = wire::note_to(
        bridge.urls(),
        post,
        &f.author,
        f.parent.as_ref().map(|(u, _)| u.as_str()),
        &f.mentioned,
    );
    if f.reach == wire::Reach::Public
        && let Some((_, Some(parent_actor))) = &f.parent
        && let Some(list) = note["cc"].as_array_mut()
    {
        list.push(Value::String(parent_actor.clone()));
    }
    if let Err(e) = super::polls::as_question(bridge, post, &mut note) {
        tracing::warn!("reading the poll of post {}: {e}", post.id);
    }
    note
}

/// Queues `Create` of a new post for everyone it reaches outside (see [`fanout_of`]):
/// nothing for a camp-only post, the followers collection alone for a followers-only
/// one, the named accounts alone for a direct one.
pub fn fan_out_post(bridge: &Bridge, post: &crate::model::Post) -> crate::Result<usize> {
    let Some(f) = fanout_of(bridge, post)? else {
        return Ok(0);
    };
    let object = fanout_note(bridge, post, &f);
    let activity = wire::create_of(bridge.urls(), &f.author, object);
    enqueue_all(bridge, f.author.id, &f.inboxes, &activity)?;
    Ok(f.inboxes.len())
}

/// Resolves the remote accounts a new post names ([`resolve_mentions`]), then fans it
/// out ([`fan_out_post`]).
pub async fn fan_out_new_post(bridge: &Bridge, post: &crate::model::Post) -> crate::Result<usize> {
    resolve_mentions(bridge, post).await;
    fan_out_post(bridge, post)
}

/// Queues `Update(Note)` of an edited post for everyone its Create reached.
pub fn fan_out_update(bridge: &Bridge, post: &crate::model::Post) -> crate::Result<usize> {
    let Some(f) = fanout_of(bridge, post)? else {
        return Ok(0);
    };
    let note = fanout_note(bridge, post, &f);
    let actor = bridge.urls().actor(&f.author.username);
    let id = format!(
        "{}#update-{}",
        note["id"].as_str().unwrap_or_default(),
        bridge.camp().store().next_id()
    );
    let (to, cc) = (note["to"].clone(), note["cc"].clone());
    let mut activity = wire::activity(&id, "Update", &actor, note);
    activity["to"] = to;
    activity["cc"] = cc;
    enqueue_all(bridge, f.author.id, &f.inboxes, &activity)?;
    Ok(f.inboxes.len())
}

/// Queues `Delete(Tombstone)` of a removed post (`post` as it was) for everyone its
/// Create reached: a post that never left the camp sends nothing, not even a Delete.
pub fn fan_out_delete(
    bridge: &Bridge,
    post: &crate::model::Post,
    author: &crate::model::Account,
) -> crate::Result<usize> {
    if wire::reach(post, author).is_none() {
        return Ok(0);
    }
    let Some(f) = fanout_of(bridge, post)? else {
        return Ok(0);
    };
    let addressed = fanout_note(bridge, post, &f);
    let note_id = bridge.urls().note(&author.username, post.id);
    let actor = bridge.urls().actor(&author.username);
    let mut activity = wire::activity(
        &format!("{note_id}#delete"),
        "Delete",
        &actor,
        serde_json::json!({"id": note_id, "type": "Tombstone"}),
    );
    activity["to"] = addressed["to"].clone();
    activity["cc"] = addressed["cc"].clone();
    enqueue_all(bridge, f.author.id, &f.inboxes, &activity)?;
    Ok(f.inboxes.len())
}

/// Queues `Like` (or, with `on` false, `Undo(Like)`) of a remote post favourited by
/// the local account `by`, to the post's author only. A local post sends nothing: a
/// favourite of a camp post never leaves the camp.
pub fn send_favourite(
    bridge: &Bridge,
    by: &crate::model::Account,
    post: &crate::model::Post,
    on: bool,
) -> crate::Result<bool> {
    let Some((url, author)) = remote_target(bridge, by, post)? else {
        return Ok(false);
    };
    let me = bridge.urls().actor(&by.username);
    // One id per (camper, post), so the Undo names the Like it takes back without
    // anything stored.
    let like_id = format!("{me}/likes/{}", post.id);
    let mut like = wire::activity(&like_id, "Like", &me, Value::String(url));
    like["to"] = serde_json::json!([author.id]);
    let activity = undone_unless(bridge, on, like, &me, serde_json::json!([author.id]));
    bridge.enqueue_to(
        by.id,
        std::slice::from_ref(&author.id),
        &author.inbox,
        &activity,
    )?;
    Ok(true)
}

/// Queues `Announce` (or, with `on` false, `Undo(Announce)`) of a remote post boosted
/// by the local account `by`: public, to the post's author and to `by`'s remote
/// followers. Only a remote post its author addressed to the public is announced; a
/// boost of a local post never leaves.
pub fn send_boost(
    bridge: &Bridge,
    by: &crate::model::Account,
    post: &crate::model::Post,
    on: bool,
) -> crate::Result<usize> {
    let store = bridge.camp().store();
    if !store.remote_public(post.id)? {
        return Ok(0);
    }
    let Some((url, author)) = remote_target(bridge, by, post)? else {
        return Ok(0);
    };
    let me = bridge.urls().actor(&by.username);
    let followers = format!("{me}/followers");
    let mut announce = wire::activity(
        &format!("{me}/boosts/{}", post.id),
        "Announce",
        &me,
        Value::String(url),
    );
    announce["to"] = serde_json::json!([wire::PUBLIC]);
    announce["cc"] = serde_json::json!([author.id, followers]);
    announce["published"] = serde_json::json!(wire::iso8601(now_ms()));
    let activity = undone_unless(bridge, on, announce, &me, serde_json::json!([wire::PUBLIC]));
    let mut inboxes = follower_inboxes(bridge, by.id)?;
    inboxes
        .entry(author.shared_inbox.clone().unwrap_or(author.inbox.clone()))
        .or_default()
        .push(author.id);
    enqueue_all(bridge, by.id, &inboxes, &activity)?;
    Ok(inboxes.len())
}

/// The URL and author of a remote post that a local, unsuspended account reacted to.
pub(crate) fn remote_target(
    bridge: &Bridge,
    by: &crate::model::Account,
    post: &crate::model::Post,
) -> crate::Result<Option<(String, crate::store::federation::RemoteActor)>> {
    if by.is_remote() || by.suspended {
        return Ok(None);
    }
    let store = bridge.camp().store();
    // A boosted copy stands for the original: its author is the one to tell.
    if let Some((url, actor)) = store.boosted_original(post.id)? {
        return Ok(store.remote_actor(&actor)?.map(|a| (url, a)));
    }
    let Some((url, obj)) = store.remote_object_of_post(post.id)? else {
        return Ok(None);
    };
    Ok(store.remote_actor(&obj.actor)?.map(|a| (url, a)))
}

/// `activity` itself when `on`, else an `Undo` of it addressed to `to`.
fn undone_unless(bridge: &Bridge, on: bool, mut activity: Value, me: &str, to: Value) -> Value {
    if on {
        return activity;
    }
    let undo_id = format!(
        "{}/undo/{}",
        activity["id"].as_str().unwrap_or_default(),
        bridge.camp().store().next_id()
    );
    if let Some(o) = activity.as_object_mut() {
        o.remove("@context");
    }
    let mut undo = wire::activity(&undo_id, "Undo", me, activity);
    undo["to"] = to;
    undo
}

/// Delivers due jobs until `stop`.
pub async fn run_worker(bridge: Arc<Bridge>, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let in_flight: Arc<Mutex<HashSet<u64>>> = Arc::new(Mutex::new(HashSet::new()));
    let mut last_prune = 0;
    loop {
        if *stop.borrow() {
            return;
        }
        let now = now_ms();
        if now.saturating_sub(last_prune) > 3_600_000 {
            last_prune = now;
            let _ = bridge
                .camp()
                .store()
                .prune_seen(now.saturating_sub(SEEN_FOR_MS));
        }
        let due = bridge
            .camp()
            .store()
            .due_deliveries(now, 64)
            .unwrap_or_default();
        for job in due {
            if !in_flight.lock().expect("in flight").insert(job.id) {
                continue;
            }
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let b = bridge.clone();
            let flying = in_flight.clone();
            tokio::spawn(async move {
                attempt(&b, job.clone()).await;
                flying.lock().expect("in flight").remove(&job.id);
                drop(permit);
                b.wake.notify_one();
            });
        }
        let wait = match bridge.camp().store().next_delivery_due() {
            Ok(Some(t)) if t > now => Duration::from_millis((t - now).min(1000)),
            Ok(Some(_)) => Duration::from_millis(200),
            _ => Duration::from_secs(1),
        };
        tokio::select! {
            _ = stop.wait_for(|v| *v) => return,
            _ = bridge.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

async fn attempt(bridge: &Bridge, job: DeliveryJob) {
    let store = bridge.camp().store();
    let host = wire::host_of(&job.inbox).unwrap_or_default();
    if bridge.refused_delivery(&job.inbox, &job.recipients) {
        tracing::info!(
            "delivery to {} dropped: the domain or the recipients are suspended",
            job.inbox
        );
        let _ = store.finish_delivery(&job);
        return;
    }
    if let Some(until) = bridge.breakers.open_until(&host, now_ms()) {
        let later = DeliveryJob {
            next_ms: until,
            ..job.clone()
        };
        let _ = store.reschedule_delivery(&job, &later);
        return;
    }
    let result = match bridge.signer(job.signer).await {
        Ok(signer) => bridge
            .fetcher()
            .post_activity(&job.inbox, job.body.as_bytes(), &signer)
            .await
            .map_err(|e| e.to_string()),
        Err(crate::Error::NotFound(e)) => {
            // The signing account is gone: no key will appear later, and a job left
            // to retry would hold back everything queued after it for this inbox.
            tracing::warn!("delivery to {} dropped: {e}", job.inbox);
            let _ = store.finish_delivery(&job);
            return;
        }
        Err(e) => Err(e.to_string()),
    };
    let error = match result {
        Ok(s) if (200..300).contains(&s) => {
            tracing::debug!("delivered job {} to {}", job.id, job.inbox);
            bridge.breakers.succeeded(&host);
            let _ = store.finish_delivery(&job);
            return;
        }
        Ok(s) if permanent(s) => {
            tracing::info!("delivery to {} refused with {s}; dropped", job.inbox);
            let _ = store.finish_delivery(&job);
            return;
        }
        Ok(s) => format!("status {s}"),
        Err(e) => e,
    };
    let now = now_ms();
    bridge.breakers.failed(&host, now);
    if now.saturating_sub(job.created_ms) > GIVE_UP_AFTER_MS {
        tracing::warn!("delivery to {} given up after a day: {error}", job.inbox);
        let _ = store.finish_delivery(&job);
        return;
    }
    let next = DeliveryJob {
        attempts: job.attempts + 1,
        next_ms: now + backoff(job.attempts, random_u64()),
        last_error: error.chars().take(300).collect(),
        ..job.clone()
    };
    tracing::info!(
        "delivery to {} failed ({}), retry #{} in {} ms",
        job.inbox,
        next.last_error,
        next.attempts,
        next.next_ms - now
    );
    let _ = store.reschedule_delivery(&job, &next);
    let _ = store.flush_async().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        for seed in [0, 1, 12345, u64::MAX] {
            let first = backoff(0, seed);
            assert!((1500..=2500).contains(&first), "{first}");
            let later = backoff(5, seed);
            assert!((48_000..=80_000).contains(&later), "{later}");
            assert!(backoff(30, seed) <= MAX_DELAY_MS * 5 / 4);
        }
        assert_ne!(backoff(3, 1), backoff(3, 9999));
    }

    #[test]
    fn breaker_opens_after_repeated_failures_and_closes_on_success() {
        let b = Breakers::default();
        for _ in 0..BREAKER_THRESHOLD - 1 {
            b.failed("down.example", 1000);
        }
        assert_eq!(b.open_until("down.example", 1000), None);
        b.failed("down.example", 1000);
        assert_eq!(b.open_until("down.example", 1000), Some(61_000));
        assert_eq!(b.open_until("down.example", 61_000), None, "half-open");
        assert_eq!(b.open_hosts(2000).len(), 1);
        b.succeeded("down.example");
        assert!(b.open_hosts(2000).is_empty());
        assert_eq!(b.open_until("other.example", 1000), None);
    }
}

#[cfg(test)]
pub(crate) mod fan_out_tests {
    use super::*;
    use crate::Camp;
    use crate::camp::{DomainBlockOptions, PostDraft, Reaction};
    use crate::model::{Severity, Visibility};
    use crate::store::federation::{DomainPolicy, RemoteActor, RemoteFollow};

    /// A camp that federates (so its changes write intents), without rate limits.
    pub(crate) fn federating_camp() -> Camp {
        let mut config = crate::config::Config::with_dirs("unused", "unused");
        config.http_addr = Some("127.0.0.1:0".parse().unwrap());
        config.federate = true;
        config.camp.posts_per_minute = 0;
        config.camp.actions_per_minute = 0;
        Camp::with_store(crate::store::Store::temporary().unwrap(), config)
    }

    fn camp_with_remote_follower() -> (Camp, Arc<Bridge>, crate::model::Id) {
        let camp = federating_camp();
        let ana = ana_followed_by_alice(&camp);
        let bridge = Bridge::new(camp.clone(), "https://camp.test");
        (camp, bridge, ana)
    }

    /// ana joins `camp` as its admin, and alice of peer.example (shared inbox
    /// `https://peer.example/inbox`) follows her, accepted.
    pub(crate) fn ana_followed_by_alice(camp: &Camp) -> crate::model::Id {
        let code = camp.admin_invite().unwrap().unwrap();
        let ana = camp
            .join(&crate::camp::testing::key(1), &code, "ana", true)
            .unwrap()
            .id;
        let store = camp.store();
        let alice = store
            .upsert_remote_actor(RemoteActor {
                id: "https://peer.example/users/alice".into(),
                shadow: 0,
                inbox: "https://peer.example/users/alice/inbox".into(),
                shared_inbox: Some("https://peer.example/inbox".into()),
                username: "alice".into(),
                host: "peer.example".into(),
                display_name: "Alice".into(),
                key_id: "https://peer.example/users/alice#main-key".into(),
                public_key_pem: String::new(),
                fetched_ms: 0,
            })
            .unwrap();
        store
            .put_remote_follower(
                ana,
                &RemoteFollow {
                    actor: alice.id,
                    follow_id: "https://peer.example/f/1".into(),
                    state: FollowState::Accepted,
                    created_ms: 0,
                },
            )
            .unwrap();
        ana
    }

    fn post(camp: &Camp, by: crate::model::Id, v: Visibility) -> crate::model::Post {
        camp.create_post(
            by,
            PostDraft {
                text: format!("a {} post", v.as_str()),
                visibility: Some(v),
                ..Default::default()
            },
        )
        .unwrap()
        .post
    }

    /// A second remote account camp knows, who follows nobody here.
    fn known_stranger(camp: &Camp) -> RemoteActor {
        camp.store()
            .upsert_remote_actor(RemoteActor {
                id: "https://other.example/users/bob".into(),
                shadow: 0,
                inbox: "https://other.example/users/bob/inbox".into(),
                shared_inbox: Some("https://other.example/inbox".into()),
                username: "bob".into(),
                host: "other.example".into(),
                display_name: "Bob".into(),
                key_id: "https://other.example/users/bob#main-key".into(),
                public_key_pem: String::new(),
                fetched_ms: 0,
            })
            .unwrap()
    }

    fn post_text(
        camp: &Camp,
        by: crate::model::Id,
        v: Visibility,
        text: &str,
    ) -> crate::model::Post {
        camp.create_post(
            by,
            PostDraft {
                text: text.into(),
                visibility: Some(v),
                ..Default::default()
            },
        )
        .unwrap()
        .post
    }

    #[test]
    fn a_followers_only_post_naming_a_stranger_elsewhere_reaches_followers_only() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        known_stranger(&camp);
        post_text(&camp, ana, Visibility::Followers, "psst @bob@other.example");
        let queued = jobs(&bridge);
        assert_eq!(queued.len(), 1, "{queued:?}");
        assert_eq!(queued[0].0, "https://peer.example/inbox");
        assert!(
            !queued[0].1.to_string().contains("other.example/users/bob"),
            "{queued:?}"
        );
    }

    #[test]
    fn an_edit_naming_someone_new_does_not_hand_a_direct_post_to_them() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        known_stranger(&camp);
        let p = post_text(
            &camp,
            ana,
            Visibility::Direct,
            "@alice@peer.example just us",
        );
        camp.edit_post(
            ana,
            p.id,
            "@alice@peer.example just us @bob@other.example",
            None,
        )
        .unwrap();
        let queued = jobs(&bridge);
        assert_eq!(
            queued
                .iter()
                .map(|(_, b)| b["type"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["Create", "Update"],
            "{queued:?}"
        );
        for (inbox, body) in &queued {
            assert_eq!(inbox, "https://peer.example/users/alice/inbox");
            assert!(
                !body.to_string().contains("other.example/users/bob"),
                "{body}"
            );
        }
    }

    #[test]
    fn a_post_deleted_before_it_could_leave_is_never_sent() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let p = post_text(&camp, ana, Visibility::Followers, "oops, wrong audience");
        camp.delete_post(ana, p.id).unwrap();
        let queued = jobs(&bridge);
        assert!(
            queued.iter().all(|(_, b)| b["type"] != "Create"),
            "{queued:?}"
        );
        assert!(
            !queued
                .iter()
                .any(|(_, b)| b.to_string().contains("wrong audience"))
        );
    }

    #[test]
    fn camp_posts_stay_and_the_rest_go_to_the_shared_inbox_addressed_by_reach() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let p = post(&camp, ana, Visibility::Camp);
        assert_eq!(fan_out_post(&bridge, &p).unwrap(), 0);
        assert!(camp.store().queued_deliveries().unwrap().is_empty());
        let p = post(&camp, ana, Visibility::Public);
        assert_eq!(fan_out_post(&bridge, &p).unwrap(), 1);
        let p = post(&camp, ana, Visibility::Followers);
        assert_eq!(fan_out_post(&bridge, &p).unwrap(), 1);
        let jobs = camp.store().queued_deliveries().unwrap();
        assert_eq!(jobs.len(), 2);
        assert!(jobs.iter().all(|j| j.inbox == "https://peer.example/inbox"));
        assert!(jobs[0].body.contains("a public post"));
        let fo: Value = serde_json::from_str(&jobs[1].body).unwrap();
        assert_eq!(fo["object"]["content"], "<p>a followers post</p>");
        for v in [&fo, &fo["object"]] {
            assert_eq!(
                v["to"],
                serde_json::json!(["https://camp.test/users/ana/followers"])
            );
            assert!(!v.to_string().contains("#Public"), "{v}");
        }
        // A pending follower gets nothing.
        let store = camp.store();
        let mut f = store
            .remote_follower(ana, "https://peer.example/users/alice")
            .unwrap()
            .unwrap();
        f.state = FollowState::Pending;
        store.put_remote_follower(ana, &f).unwrap();
        let p = post(&camp, ana, Visibility::Followers);
        assert_eq!(fan_out_post(&bridge, &p).unwrap(), 0);
    }

    #[test]
    fn edits_and_deletes_go_out_only_for_public_posts() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let author = camp.account(ana).unwrap().unwrap();
        let private = post(&camp, ana, Visibility::Camp);
        assert_eq!(fan_out_update(&bridge, &private).unwrap(), 0);
        assert_eq!(fan_out_delete(&bridge, &private, &author).unwrap(), 0);
        assert!(camp.store().queued_deliveries().unwrap().is_empty());
        let public = post(&camp, ana, Visibility::Public);
        assert_eq!(fan_out_update(&bridge, &public).unwrap(), 1);
        assert_eq!(fan_out_delete(&bridge, &public, &author).unwrap(), 1);
        let bodies: Vec<Value> = camp
            .store()
            .queued_deliveries()
            .unwrap()
            .iter()
            .map(|j| serde_json::from_str(&j.body).unwrap())
            .collect();
        assert_eq!(bodies.len(), 2);
        assert!(
            bodies
                .iter()
                .any(|b| b["type"] == "Update" && b["object"]["type"] == "Note")
        );
        assert!(bodies.iter().any(|b| b["type"] == "Delete"
            && b["object"]["id"] == format!("https://camp.test/users/ana/posts/{}", public.id)));
    }

    fn block(camp: &Camp, admin: crate::model::Id, domain: &str, o: DomainBlockOptions) {
        camp.block_domain(admin, domain, o).unwrap();
    }

    /// What is queued once the outbox is drained.
    fn jobs(bridge: &Bridge) -> Vec<(String, Value)> {
        super::super::outbox_drain::drain(bridge).unwrap();
        bridge
            .camp()
            .store()
            .queued_deliveries()
            .unwrap()
            .iter()
            .map(|j| (j.inbox.clone(), serde_json::from_str(&j.body).unwrap()))
            .collect()
    }

    fn signed_headers(body: &[u8], key_id: &str) -> axum::http::HeaderMap {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "date",
            httpdate::fmt_http_date(std::time::SystemTime::now())
                .parse()
                .unwrap(),
        );
        headers.insert(
            "digest",
            super::super::signatures::digest_header(body)
                .parse()
                .unwrap(),
        );
        headers.insert("host", "camp.test".parse().unwrap());
        headers.insert(
            "signature",
            format!("keyId=\"{key_id}\",headers=\"(request-target) host date digest\",signature=\"AAAA\"")
                .parse()
                .unwrap(),
        );
        headers
    }

    /// A follower whose actor lives on a suspended server gets nothing, whatever inbox
    /// it named: not when the post is queued, and not when a job queued before the
    /// suspension comes due (hole 7).
    #[test]
    fn a_follower_on_a_suspended_server_gets_nothing_through_an_inbox_elsewhere() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let store = camp.store();
        let mut alice = store
            .remote_actor("https://peer.example/users/alice")
            .unwrap()
            .unwrap();
        alice.shared_inbox = Some("https://relay.example/inbox".into());
        store.upsert_remote_actor(alice).unwrap();
        let before = post(&camp, ana, Visibility::Public);
        assert_eq!(fan_out_post(&bridge, &before).unwrap(), 1);
        let queued = store.queued_deliveries().unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].inbox, "https://relay.example/inbox");
        block(
            &camp,
            ana,
            "peer.example",
            DomainBlockOptions {
                severity: Severity::Suspend,
                ..Default::default()
            },
        );
        // Queued before the suspension: dropped when it comes due, not retried.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(attempt(&bridge, queued[0].clone()));
        assert!(store.queued_deliveries().unwrap().is_empty());
        // Posted after it: never queued.
        let after = post(&camp, ana, Visibility::Public);
        assert_eq!(fan_out_post(&bridge, &after).unwrap(), 0);
        assert!(store.queued_deliveries().unwrap().is_empty());
    }

    /// A moderator (`ana`) suspends the remote follower alice@peer.example.
    fn suspend_alice(camp: &Camp, ana: crate::model::Id) {
        camp.act_on_account(
            ana,
            "alice@peer.example",
            crate::camp::AccountAction::Suspend(true),
            "spam",
        )
        .unwrap();
    }

    /// A remote follower whose account a moderator suspended gets nothing either.
    #[test]
    fn a_suspended_remote_follower_gets_nothing() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        suspend_alice(&camp, ana);
        let p = post(&camp, ana, Visibility::Public);
        assert_eq!(fan_out_post(&bridge, &p).unwrap(), 0);
        assert!(camp.store().queued_deliveries().unwrap().is_empty());
    }

    #[test]
    fn suspended_domains_get_nothing() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        // Moderation's block on the parent covers the subdomain the bridge asks about.
        block(
            &camp,
            ana,
            "peer.example",
            DomainBlockOptions {
                severity: Severity::Suspend,
                ..Default::default()
            },
        );
        assert!(
            camp.domain_policy("social.peer.example:443")
                .unwrap()
                .suspend
        );
        assert!(!camp.domain_policy("example").unwrap().suspend);
        assert!(!camp.domain_policy("notpeer.example").unwrap().suspend);
        let p = post(&camp, ana, Visibility::Public);
        fan_out_post(&bridge, &p).unwrap();
        assert!(camp.store().queued_deliveries().unwrap().is_empty());
        assert!(bridge.suspended("https://peer.example/users/alice"));
        // Inbound: refused (403) before any key fetch or signature check.
        let body = br#"{"id":"https://peer.example/a/1","type":"Follow","actor":"https://peer.example/users/alice","object":"https://camp.test/users/ana"}"#;
        let headers = signed_headers(body, "https://peer.example/users/alice#main-key");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let status = rt.block_on(super::super::inbox::receive(
            &bridge, "/inbox", &headers, body,
        ));
        assert_eq!(status, axum::http::StatusCode::FORBIDDEN);
        // Also when only the signing key names the suspended server.
        let other = br#"{"id":"https://ok.example/a/1","type":"Follow","actor":"https://ok.example/users/bob","object":"https://camp.test/users/ana"}"#;
        let headers = signed_headers(other, "https://peer.example/users/alice#main-key");
        let status = rt.block_on(super::super::inbox::receive(
            &bridge, "/inbox", &headers, other,
        ));
        assert_eq!(status, axum::http::StatusCode::FORBIDDEN);
        let refused = rt
            .block_on(bridge.fetch_signed("https://peer.example/users/alice"))
            .unwrap_err();
        assert!(refused.contains("suspended"), "{refused}");
        for target in [
            "@alice@peer.example",
            "@bob@social.peer.example",
            "https://peer.example/users/alice",
        ] {
            let follow = rt.block_on(bridge.follow(ana, target)).unwrap_err();
            assert!(
                follow.to_string().contains("suspended"),
                "{target}: {follow}"
            );
        }
        // Nothing was queued on the way, not even a Follow.
        assert!(camp.store().queued_deliveries().unwrap().is_empty());
        camp.unblock_domain(ana, "peer.example").unwrap();
        assert!(!bridge.suspended("https://peer.example/users/alice"));
        // The suspension ended alice's follow: lifting it does not bring it back.
        assert!(camp.store().remote_followers_of(ana).unwrap().is_empty());
        assert_eq!(fan_out_post(&bridge, &p).unwrap(), 0);
    }

    #[test]
    fn silence_and_reject_media_come_from_moderation_blocks() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        block(
            &camp,
            ana,
            "quiet.example",
            DomainBlockOptions {
                severity: Severity::Silence,
                reject_media: true,
                ..Default::default()
            },
        );
        let p = bridge.policy_of("https://a.quiet.example/users/x");
        assert!(p.silence && p.reject_media && !p.suspend, "{p:?}");
        // Silenced is not suspended: deliveries still go.
        assert!(!bridge.suspended("https://quiet.example/inbox"));
        assert_eq!(
            bridge.policy_of("https://peer.example/users/alice"),
            DomainPolicy::default()
        );
    }

    #[tokio::test]
    async fn a_job_whose_signer_is_gone_is_dropped_so_it_holds_back_nothing() {
        let (camp, bridge, _ana) = camp_with_remote_follower();
        let store = camp.store();
        let job = DeliveryJob {
            id: store.next_id(),
            inbox: "https://peer.example/inbox".into(),
            body: "{}".into(),
            signer: 999_999,
            attempts: 0,
            created_ms: now_ms(),
            next_ms: now_ms(),
            last_error: String::new(),
            recipients: vec!["https://peer.example/users/alice".into()],
        };
        store.enqueue_delivery(&job).unwrap();
        attempt(&bridge, job).await;
        assert!(store.queued_deliveries().unwrap().is_empty());
    }

    #[test]
    fn allowlist_mode_federates_only_with_listed_domains() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        camp.set_allowlist_mode(ana, true).unwrap();
        assert!(bridge.suspended("https://peer.example/users/alice"));
        assert!(
            bridge.suspended("http://localhost:8080/users/x"),
            "not a domain"
        );
        let p = post(&camp, ana, Visibility::Public);
        // A follower on an unlisted server is not even chosen.
        assert_eq!(fan_out_post(&bridge, &p).unwrap(), 0);
        assert!(
            camp.store().queued_deliveries().unwrap().is_empty(),
            "nothing queued for an unlisted server"
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let body = br#"{"id":"https://peer.example/a/2","type":"Follow","actor":"https://peer.example/users/alice","object":"https://camp.test/users/ana"}"#;
        let headers = signed_headers(body, "https://peer.example/users/alice#main-key");
        let status = rt.block_on(super::super::inbox::receive(
            &bridge, "/inbox", &headers, body,
        ));
        assert_eq!(status, axum::http::StatusCode::FORBIDDEN);
        let follow = rt
            .block_on(bridge.follow(ana, "@alice@peer.example"))
            .unwrap_err();
        assert!(follow.to_string().contains("suspended"), "{follow}");
        camp.set_domain_allowed(ana, "peer.example", true).unwrap();
        assert!(!bridge.suspended("https://social.peer.example/users/alice"));
        fan_out_post(&bridge, &p).unwrap();
        assert_eq!(camp.store().queued_deliveries().unwrap().len(), 1);
    }

    #[test]
    fn the_service_queues_no_update_or_delete_for_camp_posts() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let public = post(&camp, ana, Visibility::Public);
        // (Direct and followers-only posts are covered by tests/it/fedreach.rs.)
        let secrets = vec![post(&camp, ana, Visibility::Camp)];
        // A Create went out for the public post only.
        let queued = jobs(&bridge);
        assert_eq!(queued.len(), 1, "{queued:?}");
        assert_eq!(queued[0].1["type"], "Create");
        for s in &secrets {
            camp.edit_post(ana, s.id, "secret edit", None).unwrap();
            camp.delete_post(ana, s.id).unwrap();
        }
        assert_eq!(
            jobs(&bridge).len(),
            1,
            "non-public edits and deletes stay home"
        );
        camp.edit_post(ana, public.id, "public edit", None).unwrap();
        let queued = jobs(&bridge);
        assert_eq!(queued.len(), 2);
        assert_eq!(queued[1].0, "https://peer.example/inbox");
        assert_eq!(queued[1].1["type"], "Update");
        assert_eq!(queued[1].1["object"]["content"], "<p>public edit</p>");
        camp.delete_post(ana, public.id).unwrap();
        let queued = jobs(&bridge);
        assert_eq!(queued.len(), 3);
        let delete = queued
            .iter()
            .find(|(_, b)| b["type"] == "Delete")
            .expect("a Delete");
        assert_eq!(
            delete.1["object"]["id"],
            format!("https://camp.test/users/ana/posts/{}", public.id)
        );
        assert!(!queued.iter().any(|(_, b)| b.to_string().contains("secret")));
    }

    #[test]
    fn a_moderator_deleting_a_public_post_sends_delete() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let bo = crate::camp::testing::join(&camp, ana, 11, "bo");
        let p = post(&camp, bo, Visibility::Public);
        let store = camp.store();
        store
            .put_remote_follower(
                bo,
                &RemoteFollow {
                    actor: "https://peer.example/users/alice".into(),
                    follow_id: "https://peer.example/f/2".into(),
                    state: FollowState::Accepted,
                    created_ms: 0,
                },
            )
            .unwrap();
        camp.delete_post(ana, p.id).unwrap();
        let queued = jobs(&bridge);
        // The drain ran after the deletion: the post never leaves, and alice (who
        // followed bo meanwhile) gets only the Delete.
        assert_eq!(queued.len(), 1, "{queued:?}");
        assert_eq!(queued[0].1["type"], "Delete");
    }

    #[test]
    fn a_suspended_camper_public_posts_are_neither_served_nor_sent() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let cy = crate::camp::testing::join(&camp, ana, 12, "cy");
        let p = post(&camp, cy, Visibility::Public);
        assert_eq!(camp.federable_posts_of(cy, 10).unwrap().len(), 1);
        camp.act_on_account(ana, "cy", crate::camp::AccountAction::Suspend(true), "spam")
            .unwrap();
        assert!(camp.federable_posts_of(cy, 10).unwrap().is_empty());
        let (users, posts) = camp.public_counts().unwrap();
        assert_eq!((users, posts), (1, 0));
        let author = camp.account(cy).unwrap().unwrap();
        assert!(!wire::federable(&p, &author));
        assert_eq!(fan_out_update(&bridge, &p).unwrap(), 0);
        assert_eq!(fan_out_delete(&bridge, &p, &author).unwrap(), 0);
    }

    /// A remote post by alice (the shadow account), in ana's Home.
    fn remote_post_for(camp: &Camp, ana: crate::model::Id, url: &str) -> crate::model::Id {
        let store = camp.store();
        let alice = store
            .remote_actor("https://peer.example/users/alice")
            .unwrap()
            .unwrap();
        let id = store.next_id();
        let p = crate::model::Post {
            id,
            author: alice.shadow,
            text: "from the peer".into(),
            cw: None,
            visibility: Visibility::Followers,
            reply_to: None,
            mentions: vec![],
            created_ms: now_ms(),
            edited_ms: None,
        };
        store.follow(ana, alice.shadow).unwrap();
        assert!(camp.receive_remote_post(url, p, vec![ana]).unwrap());
        id
    }

    #[test]
    fn favourites_of_remote_posts_send_like_and_undo_to_the_author_only() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let url = "https://peer.example/notes/1";
        let remote = remote_post_for(&camp, ana, url);
        camp.react(ana, remote, Reaction::Favourite, Some(true))
            .unwrap();
        let queued = jobs(&bridge);
        assert_eq!(queued.len(), 1);
        // To alice's own inbox, not the shared one (nobody else needs to know).
        assert_eq!(queued[0].0, "https://peer.example/users/alice/inbox");
        assert_eq!(queued[0].1["type"], "Like");
        assert_eq!(queued[0].1["object"], url);
        assert_eq!(queued[0].1["actor"], "https://camp.test/users/ana");
        camp.react(ana, remote, Reaction::Favourite, Some(false))
            .unwrap();
        let queued = jobs(&bridge);
        let undo = queued
            .iter()
            .find(|(_, b)| b["type"] == "Undo")
            .expect("an Undo");
        assert_eq!(undo.1["object"]["type"], "Like");
        assert_eq!(undo.1["object"]["id"], queued[0].1["id"]);
        // Bookmarks are private; favourites of local posts never leave.
        camp.react(ana, remote, Reaction::Bookmark, Some(true))
            .unwrap();
        let local = post(&camp, ana, Visibility::Public);
        camp.react(ana, local.id, Reaction::Favourite, Some(true))
            .unwrap();
        let queued = jobs(&bridge);
        assert_eq!(
            queued.len(),
            3,
            "the Like, its Undo and the local post's Create"
        );
        assert_eq!(queued[2].1["type"], "Create");
    }

    #[test]
    fn boosts_of_public_remote_posts_send_announce_and_undo() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let private = remote_post_for(&camp, ana, "https://peer.example/notes/3");
        let err = camp
            .react(ana, private, Reaction::Boost, Some(true))
            .unwrap_err();
        assert!(err.to_string().contains("cannot be boosted"), "{err}");
        let url = "https://peer.example/notes/4";
        let public = remote_post_for(&camp, ana, url);
        camp.store().mark_remote_public(public).unwrap();
        camp.react(ana, public, Reaction::Boost, Some(true))
            .unwrap();
        let queued = jobs(&bridge);
        // alice's server gets it once (its shared inbox serves both alice and ana's
        // follower there).
        assert_eq!(queued.len(), 1, "{queued:?}");
        assert_eq!(queued[0].0, "https://peer.example/inbox");
        assert_eq!(queued[0].1["type"], "Announce");
        assert_eq!(queued[0].1["object"], url);
        assert_eq!(queued[0].1["to"][0], wire::PUBLIC);
        camp.react(ana, public, Reaction::Boost, Some(false))
            .unwrap();
        let queued = jobs(&bridge);
        assert!(
            queued
                .iter()
                .any(|(_, b)| b["type"] == "Undo" && b["object"]["type"] == "Announce")
        );
        // A boost of a local public post stays in the camp (its Create already went).
        let local = post(&camp, ana, Visibility::Public);
        camp.react(ana, local.id, Reaction::Boost, Some(true))
            .unwrap();
        let queued = jobs(&bridge);
        assert_eq!(queued.len(), 3, "{queued:?}");
        assert_eq!(queued[2].1["type"], "Create");
    }

    #[test]
    fn a_moderator_removing_a_remote_post_forgets_it_and_sends_nothing() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let url = "https://peer.example/notes/5";
        let remote = remote_post_for(&camp, ana, url);
        camp.store().mark_remote_public(remote).unwrap();
        camp.delete_post(ana, remote).unwrap();
        let store = camp.store();
        assert!(store.remote_object(url).unwrap().is_none());
        assert!(store.remote_object_of_post(remote).unwrap().is_none());
        assert!(!store.remote_public(remote).unwrap());
        assert!(jobs(&bridge).is_empty(), "nothing of a remote post is sent");
    }

    #[test]
    fn posts_from_a_suspended_domain_vanish_from_every_view() {
        let (camp, _bridge, ana) = camp_with_remote_follower();
        let remote = remote_post_for(&camp, ana, "https://peer.example/notes/6");
        let home = |c: &Camp| {
            c.timeline(ana, crate::camp::TimelineKind::Home, None, 20)
                .unwrap()
                .len()
        };
        assert_eq!(home(&camp), 1);
        block(
            &camp,
            ana,
            "peer.example",
            DomainBlockOptions {
                severity: Severity::Suspend,
                ..Default::default()
            },
        );
        assert_eq!(home(&camp), 0);
        assert!(camp.post(ana, remote).is_err(), "not even by id");
        camp.unblock_domain(ana, "peer.example").unwrap();
        assert_eq!(home(&camp), 1, "lifting the block brings it back");
        camp.set_allowlist_mode(ana, true).unwrap();
        assert_eq!(home(&camp), 0, "unlisted in allowlist mode");
    }

    #[test]
    fn a_suspended_remote_account_is_refused_inbound() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        suspend_alice(&camp, ana);
        let body = br#"{"id":"https://peer.example/a/3","type":"Create","actor":"https://peer.example/users/alice","object":{}}"#;
        let headers = signed_headers(body, "https://peer.example/users/alice#main-key");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let status = rt.block_on(super::super::inbox::receive(
            &bridge, "/inbox", &headers, body,
        ));
        assert_eq!(status, axum::http::StatusCode::FORBIDDEN);
    }

    #[test]
    fn blocking_a_remote_account_stops_deliveries_and_undoes_the_follow() {
        let (camp, bridge, ana) = camp_with_remote_follower();
        let store = camp.store();
        let alice = store
            .remote_actor("https://peer.example/users/alice")
            .unwrap()
            .unwrap();
        store
            .put_remote_following(
                ana,
                &RemoteFollow {
                    actor: alice.id.clone(),
                    follow_id: "https://camp.test/users/ana/follows/1".into(),
                    state: FollowState::Pending,
                    created_ms: 0,
                },
            )
            .unwrap();
        assert!(camp.remote_follow_accepted(ana, &alice).unwrap());
        // Remote accounts camp knows can be muted and blocked by handle.
        camp.mute(ana, "@alice@peer.example", None).unwrap();
        camp.unmute(ana, "alice@peer.example").unwrap();
        assert!(camp.block(ana, "@nobody@else.example").is_err());
        camp.block(ana, "@Alice@peer.example").unwrap();
        assert!(store.remote_follower(ana, &alice.id).unwrap().is_none());
        assert!(store.remote_following(ana, &alice.id).unwrap().is_none());
        // Her server is told both: her follow is rejected (so it stops handing her
        // ana's followers-only posts that reach its shared inbox for others), and
        // ana's follow of her is undone.
        let queued = jobs(&bridge);
        assert_eq!(queued.len(), 2, "{queued:?}");
        assert!(queued.iter().all(|(inbox, _)| *inbox == alice.inbox));
        assert_eq!(queued[0].1["type"], "Reject");
        assert_eq!(queued[0].1["object"]["id"], "https://peer.example/f/1");
        assert_eq!(queued[1].1["type"], "Undo");
        assert_eq!(
            queued[1].1["object"]["id"],
            "https://camp.test/users/ana/follows/1"
        );
        let p = post(&camp, ana, Visibility::Public);
        assert_eq!(fan_out_post(&bridge, &p).unwrap(), 0, "no more deliveries");
    }

    #[test]
    fn a_hidden_domain_keeps_its_posts_and_notifications_from_that_camper() {
        let (camp, _bridge, ana) = camp_with_remote_follower();
        remote_post_for(&camp, ana, "https://peer.example/notes/2");
        let home = |c: &Camp| {
            c.timeline(ana, crate::camp::TimelineKind::Home, None, 20)
                .unwrap()
                .into_iter()
                .filter(|v| v.post.text == "from the peer")
                .count()
        };
        assert_eq!(home(&camp), 1);
        let alice = camp
            .store()
            .remote_actor("https://peer.example/users/alice")
            .unwrap()
            .unwrap();
        // alice asks again after unfollowing: a request, and a notification.
        camp.remote_unfollowed(ana, &alice.id).unwrap();
        camp.remote_follow_requested(ana, &alice, "https://peer.example/f/9")
            .unwrap();
        let asked = |c: &Camp| {
            c.notification_views(ana, None, 20)
                .unwrap()
                .iter()
                .filter(|n| n.notification.actor == Some(alice.shadow))
                .count()
        };
        assert_eq!(asked(&camp), 1);
        camp.hide_domain(ana, "peer.example", true).unwrap();
        assert_eq!(home(&camp), 0, "hidden from Home");
        assert_eq!(asked(&camp), 0, "and from notifications");
        assert_eq!(camp.unread_notifications(ana).unwrap(), 0);
        camp.hide_domain(ana, "peer.example", false).unwrap();
        assert_eq!(home(&camp), 1);
    }
}
