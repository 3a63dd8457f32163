//! The outbox drainer: turns camp's outgoing intents ([`crate::store::outbox`]) into
//! delivery jobs, one intent at a time and in order, and removes each intent in the
//! same transaction that queues its jobs ([`Camp::outbox_done`]). Nothing travels on
//! an event, so a lagging reader or a crash between a commit and its delivery loses
//! nothing; and since intents are taken in order and the queue never lets a job
//! overtake an older one for the same inbox, a Delete never arrives before its
//! Create.
//!
//! What each intent sends is decided by [`delivery`] (the same functions as before
//! the outbox); this module only decides *when*. Those functions queue through
//! [`Bridge::enqueue_to`]; while [`collect`] runs they hand their jobs back instead,
//! so the drain can commit them together with the intent's removal. The work runs
//! on the blocking pool: it reads sled, and it never flushes (see the store's outbox
//! policy for why it need not).

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

use super::{Bridge, delivery, inbox, wire};
use crate::Camp;
use crate::error::Result;
use crate::model::Id;
use crate::store::federation::DeliveryJob;
use crate::store::outbox::Intent;

/// Intents read per look at the outbox.
const BATCH: usize = 32;

/// How long the drain waits before trying again after a store error.
const RETRY_AFTER: Duration = Duration::from_secs(2);

thread_local! {
    /// Jobs gathered by [`collect`] on this thread, instead of being queued.
    static COLLECTING: RefCell<Option<Vec<DeliveryJob>>> = const { RefCell::new(None) };
}

/// Runs `f`, gathering every job it would queue through [`Bridge::enqueue_to`] on
/// this thread instead of queuing it.
pub fn collect<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, Vec<DeliveryJob>)> {
    let outer = COLLECTING.with(|c| c.borrow_mut().replace(Vec::new()));
    let result = f();
    let jobs = COLLECTING.with(|c| std::mem::replace(&mut *c.borrow_mut(), outer));
    Ok((result?, jobs.unwrap_or_default()))
}

/// Takes `job` when a [`collect`] runs on this thread; gives it back otherwise.
pub(crate) fn gathered(job: DeliveryJob) -> Option<DeliveryJob> {
    COLLECTING.with(|c| match c.borrow_mut().as_mut() {
        Some(jobs) => {
            jobs.push(job);
            None
        }
        None => Some(job),
    })
}

/// How long one batch's mention lookups may take in all.
const MENTION_BUDGET: Duration = Duration::from_secs(30);

/// Drains the outbox whenever camp commits an intent, until `stop`.
pub async fn run(bridge: Arc<Bridge>, mut stop: watch::Receiver<bool>) {
    let camp: Camp = bridge.camp().clone();
    loop {
        let pause = match drain_resolving(&bridge).await {
            Ok(_) => None,
            Err(e) => {
                tracing::warn!("federation: draining the outbox failed: {e}");
                Some(RETRY_AFTER)
            }
        };
        tokio::select! {
            _ = stop.wait_for(|v| *v) => return,
            _ = camp.intents_written(), if pause.is_none() => {}
            _ = tokio::time::sleep(pause.unwrap_or_default()), if pause.is_some() => {}
        }
    }
}

/// [`drain`], but each batch's new posts first have the remote accounts they name
/// looked up (WebFinger and the actor, through the guarded fetcher, on the runtime),
/// so their Create reaches those accounts. Lookups happen batch by batch, in order, and
/// only for the intents then drained, so a post's Create never overtakes an earlier one.
async fn drain_resolving(bridge: &Arc<Bridge>) -> Result<usize> {
    let mut done = 0;
    loop {
        let b = bridge.clone();
        let batch = super::blocking(move || b.camp().outbox_pending(BATCH)).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        // One budget for the batch's lookups: a post naming accounts on a server that
        // never answers must not hold back every delete, undo and answer behind it.
        let lookups = async {
            for (_, intent) in &batch {
                if let Intent::Create(post) = intent {
                    delivery::resolve_mentions(bridge, post).await;
                }
            }
        };
        if tokio::time::timeout(MENTION_BUDGET, lookups).await.is_err() {
            tracing::info!("federation: mention lookups ran out of time; unknown ones are skipped");
        }
        let b = bridge.clone();
        done += super::blocking(move || drain_batch(&b, batch)).await?;
    }
}

/// Turns every waiting intent into queued jobs, oldest first; returns how many
/// intents it handled. It stops at the first store error, leaving that intent (and
/// all after it) for the next run, so the order holds. Looks nothing up (see
/// [`drain_resolving`]); for tests, which drive the drain by hand.
#[cfg(test)]
pub(crate) fn drain(bridge: &Bridge) -> Result<usize> {
    let mut done = 0;
    loop {
        let batch = bridge.camp().outbox_pending(BATCH)?;
        if batch.is_empty() {
            return Ok(done);
        }
        done += drain_batch(bridge, batch)?;
    }
}

/// Queues the jobs of `batch`'s intents, removing each intent with its jobs.
fn drain_batch(bridge: &Bridge, batch: Vec<(Id, Intent)>) -> Result<usize> {
    let camp = bridge.camp();
    let mut done = 0;
    for (seq, intent) in batch {
        let ((), jobs) = collect(|| jobs_for(bridge, &intent))?;
        camp.outbox_done(seq, &jobs)?;
        if !jobs.is_empty() {
            bridge.wake.notify_one();
        }
        done += 1;
    }
    Ok(done)
}

/// Queues (into the running [`collect`]) what `intent` sends.
fn jobs_for(bridge: &Bridge, intent: &Intent) -> Result<()> {
    let store = bridge.camp().store();
    match intent {
        Intent::Create(post) => {
            // Deleted before it could leave: nobody outside ever sees it.
            if store.post(post.id)?.is_some() {
                delivery::fan_out_post(bridge, post)?;
            }
        }
        Intent::Update(post) => {
            delivery::fan_out_update(bridge, post)?;
        }
        Intent::Delete(post) => {
            if let Some(author) = store.account(post.author)? {
                delivery::fan_out_delete(bridge, post, &author)?;
            }
        }
        Intent::Like { by, post, on } => {
            if let (Some(by), Some(post)) = (store.account(*by)?, store.post(*post)?) {
                delivery::send_favourite(bridge, &by, &post, *on)?;
            }
        }
        Intent::Announce { by, post, on } => {
            if let (Some(by), Some(post)) = (store.account(*by)?, store.post(*post)?) {
                delivery::send_boost(bridge, &by, &post, *on)?;
            }
        }
        Intent::Follow {
            by,
            actor,
            follow_id,
        } => {
            if let (Some(me), Some(actor)) = (store.account(*by)?, store.remote_actor(actor)?) {
                let me_url = bridge.urls().actor(&me.username);
                let activity = wire::activity(
                    follow_id,
                    "Follow",
                    &me_url,
                    Value::String(actor.id.clone()),
                );
                bridge.enqueue_to(
                    me.id,
                    std::slice::from_ref(&actor.id),
                    &actor.inbox,
                    &activity,
                )?;
            }
        }
        Intent::UndoFollow {
            by,
            actor,
            follow_id,
        } => {
            if let (Some(me), Some(actor)) = (store.account(*by)?, store.remote_actor(actor)?) {
                bridge.send_undo_follow(&me, &actor, follow_id)?;
            }
        }
        Intent::Answer {
            by,
            actor,
            follow_id,
            accept,
        } => {
            if let (Some(me), Some(actor)) = (store.account(*by)?, store.remote_actor(actor)?) {
                inbox::send_answer(bridge, me.id, &me.username, &actor, follow_id, *accept)?;
            }
        }
        Intent::DeleteActor { account, followers } => {
            send_actor_delete(bridge, *account, followers)?;
        }
        Intent::Blocked {
            by,
            actor,
            follow_in,
            follow_out,
        } => {
            if let (Some(me), Some(actor)) = (store.account(*by)?, store.remote_actor(actor)?) {
                if let Some(follow_id) = follow_in {
                    inbox::send_answer(bridge, me.id, &me.username, &actor, follow_id, false)?;
                }
                if let Some(follow_id) = follow_out {
                    bridge.send_undo_follow(&me, &actor, follow_id)?;
                }
            }
        }
        Intent::Flag {
            actor,
            objects,
            text,
        } => send_flag(bridge, actor, objects, text)?,
        Intent::Vote { by, post, choices } => {
            if let (Some(by), Some(post)) = (store.account(*by)?, store.post(*post)?) {
                super::polls::send_vote(bridge, &by, &post, choices)?;
            }
        }
    }
    Ok(())
}

/// `Delete` of a local actor, by itself, to the inboxes of `recipients` (the remote
/// actors that followed it, or that it followed), shared inboxes preferred.
fn send_actor_delete(bridge: &Bridge, account: Id, recipients: &[String]) -> Result<()> {
    let store = bridge.camp().store();
    let Some(username) = bridge.local_username(account)? else {
        return Ok(());
    };
    let mut inboxes: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in recipients {
        if let Some(a) = store.remote_actor(r)? {
            let inbox = a.shared_inbox.clone().unwrap_or(a.inbox.clone());
            inboxes.entry(inbox).or_default().push(a.id);
        }
    }
    let me_url = bridge.urls().actor(&username);
    let mut activity = wire::activity(
        &format!("{me_url}#delete-{}", store.next_id()),
        "Delete",
        &me_url,
        Value::String(me_url.clone()),
    );
    activity["to"] = json!([wire::PUBLIC]);
    for (inbox, recipients) in &inboxes {
        bridge.enqueue_to(account, recipients, inbox, &activity)?;
    }
    Ok(())
}

/// A `Flag` of `actor` (and of the `objects` named) by the instance actor, to the
/// actor's server: the reporting camper is never named.
fn send_flag(bridge: &Bridge, actor: &str, objects: &[String], text: &str) -> Result<()> {
    let store = bridge.camp().store();
    let Some(target) = store.remote_actor(actor)? else {
        return Ok(());
    };
    let me = bridge.urls().instance_actor();
    let mut object = vec![Value::String(target.id.clone())];
    object.extend(objects.iter().cloned().map(Value::String));
    let mut activity = wire::activity(
        &format!("{me}/flags/{}", store.next_id()),
        "Flag",
        &me,
        Value::Array(object),
    );
    activity["content"] = Value::String(text.to_string());
    activity["to"] = json!([target.id]);
    let inbox = target.shared_inbox.clone().unwrap_or(target.inbox.clone());
    bridge.enqueue_to(
        super::INSTANCE_KEY_SLOT,
        std::slice::from_ref(&target.id),
        &inbox,
        &activity,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camp::PostDraft;
    use crate::model::Visibility;
    use crate::store::Store;
    use crate::store::federation::{FollowState, RemoteFollow};

    fn config(federating: bool) -> crate::config::Config {
        let mut config = crate::config::Config::with_dirs("unused", "unused");
        // The web door is on either way: only `--federate` makes changes leave.
        config.http_addr = Some("127.0.0.1:0".parse().unwrap());
        config.federate = federating;
        config.camp.posts_per_minute = 0;
        config.camp.actions_per_minute = 0;
        config
    }

    /// ana (the admin), followed by alice of peer.example.
    fn setup(camp: &Camp) -> Id {
        crate::federation::delivery::fan_out_tests::ana_followed_by_alice(camp)
    }

    fn post(camp: &Camp, by: Id, text: &str, v: Visibility) -> crate::model::Post {
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

    fn kinds(jobs: &[DeliveryJob]) -> Vec<String> {
        jobs.iter()
            .map(|j| {
                let v: Value = serde_json::from_str(&j.body).unwrap();
                v["type"].as_str().unwrap_or_default().to_string()
            })
            .collect()
    }

    /// The post is committed with its intent; the process dies before any drain
    /// (nothing but the service's own flush ran); after a restart the drain queues it.
    #[test]
    fn an_intent_committed_before_a_crash_is_delivered_after_the_restart() {
        let dir = tempfile::tempdir().unwrap();
        let id = {
            let camp = Camp::with_store(Store::open(dir.path()).unwrap(), config(true));
            let ana = setup(&camp);
            let id = post(&camp, ana, "survives", Visibility::Public).id;
            assert_eq!(camp.outbox_len(), 1);
            assert!(camp.store().queued_deliveries().unwrap().is_empty());
            id
        };
        let store = Store::reopen(dir.path());
        let camp = Camp::with_store(store, config(true));
        let bridge = Bridge::new(camp.clone(), "https://camp.test");
        assert_eq!(drain(&bridge).unwrap(), 1);
        assert_eq!(camp.outbox_len(), 0);
        let jobs = camp.store().queued_deliveries().unwrap();
        assert_eq!(kinds(&jobs), ["Create"]);
        assert!(jobs[0].body.contains(&id.to_string()));
        assert_eq!(drain(&bridge).unwrap(), 0, "drained once only");
    }

    #[test]
    fn a_delete_is_queued_after_its_create_and_waits_for_it() {
        let camp = Camp::with_store(Store::temporary().unwrap(), config(true));
        let ana = setup(&camp);
        let bridge = Bridge::new(camp.clone(), "https://camp.test");
        let p = post(&camp, ana, "short-lived", Visibility::Public);
        assert_eq!(drain(&bridge).unwrap(), 1);
        camp.delete_post(ana, p.id).unwrap();
        assert_eq!(drain(&bridge).unwrap(), 1);
        let store = camp.store();
        let jobs = store.queued_deliveries().unwrap();
        assert_eq!(kinds(&jobs), ["Create", "Delete"]);
        assert!(jobs[0].id < jobs[1].id);
        assert_eq!(jobs[0].inbox, jobs[1].inbox);
        // Only the Create may be tried; when it fails, the Delete waits for its retry.
        let now = crate::store::now_ms();
        assert_eq!(kinds(&store.due_deliveries(now, 10).unwrap()), ["Create"]);
        let later = DeliveryJob {
            attempts: 1,
            next_ms: now + 60_000,
            ..jobs[0].clone()
        };
        store.reschedule_delivery(&jobs[0], &later).unwrap();
        assert!(store.due_deliveries(now, 10).unwrap().is_empty());
        assert_eq!(store.next_delivery_due().unwrap(), Some(now + 60_000));
    }

    #[test]
    fn nothing_is_written_for_what_stays_home_or_when_federation_is_off() {
        let camp = Camp::with_store(Store::temporary().unwrap(), config(true));
        let ana = setup(&camp);
        let p = post(&camp, ana, "camp only", Visibility::Camp);
        camp.edit_post(ana, p.id, "still camp only", None).unwrap();
        camp.delete_post(ana, p.id).unwrap();
        assert_eq!(camp.outbox_len(), 0);
        post(&camp, ana, "public", Visibility::Public);
        assert_eq!(camp.outbox_len(), 1);

        let off = Camp::with_store(Store::temporary().unwrap(), config(false));
        let ana = setup(&off);
        let p = post(&off, ana, "public, nowhere to go", Visibility::Public);
        off.delete_post(ana, p.id).unwrap();
        assert_eq!(
            off.outbox_len(),
            0,
            "without the bridge the outbox stays empty"
        );
    }

    #[test]
    fn a_suspended_camper_leaves_their_remote_followers_with_a_delete() {
        let camp = Camp::with_store(Store::temporary().unwrap(), config(true));
        let ana = setup(&camp);
        let bo = crate::camp::testing::join(&camp, ana, 2, "bo");
        let store = camp.store();
        let alice = store
            .remote_actor("https://peer.example/users/alice")
            .unwrap()
            .unwrap();
        // bo follows alice (accepted) and alice follows bo.
        for (put_out, state) in [
            (true, FollowState::Accepted),
            (false, FollowState::Accepted),
        ] {
            let f = RemoteFollow {
                actor: alice.id.clone(),
                follow_id: format!("https://x/f/{put_out}"),
                state,
                created_ms: 0,
            };
            if put_out {
                store.put_remote_following(bo, &f).unwrap();
                store.follow(bo, alice.shadow).unwrap();
            } else {
                store.put_remote_follower(bo, &f).unwrap();
            }
        }
        let bridge = Bridge::new(camp.clone(), "https://camp.test");
        drain(&bridge).unwrap();
        camp.act_on_account(ana, "bo", crate::camp::AccountAction::Suspend(true), "spam")
            .unwrap();
        assert!(store.remote_followers_of(bo).unwrap().is_empty());
        assert!(store.remote_followings_of(bo).unwrap().is_empty());
        assert!(!store.follows(bo, alice.shadow).unwrap());
        assert_eq!(drain(&bridge).unwrap(), 1);
        let jobs = store.queued_deliveries().unwrap();
        assert_eq!(kinds(&jobs), ["Delete"]);
        let body: Value = serde_json::from_str(&jobs[0].body).unwrap();
        assert_eq!(body["object"], "https://camp.test/users/bo");
        assert_eq!(body["actor"], "https://camp.test/users/bo");
        assert_eq!(jobs[0].inbox, "https://peer.example/inbox");
        assert_eq!(jobs[0].signer, bo);
        // ana's own follower is untouched.
        assert_eq!(store.remote_followers_of(ana).unwrap().len(), 1);
    }

    #[test]
    fn a_deleted_camper_leaves_their_remote_followers_with_a_delete_signed_after_they_are_gone() {
        let camp = Camp::with_store(Store::temporary().unwrap(), config(true));
        let ana = setup(&camp);
        let store = camp.store();
        let bridge = Bridge::new(camp.clone(), "https://camp.test");
        let public = post(&camp, ana, "hello outside", Visibility::Public);
        // Someone else becomes admin, so ana may leave.
        crate::camp::testing::join(&camp, ana, 2, "bo");
        camp.set_role(ana, "bo", crate::model::Role::Admin).unwrap();
        drain(&bridge).unwrap();
        let before = store.queued_deliveries().unwrap().len();
        camp.delete_account(ana, "ana", "ana").unwrap();
        assert!(store.account(ana).unwrap().is_none());
        assert!(store.remote_followers_of(ana).unwrap().is_empty());
        drain(&bridge).unwrap();
        let jobs = store.queued_deliveries().unwrap();
        let new: Vec<_> = jobs[before..].to_vec();
        // The actor's Delete goes to alice's server, signed by ana's kept key although
        // her account is gone; receiving servers remove the actor's posts with it (the
        // posts' own Deletes find no author or followers left by the time they drain).
        assert_eq!(kinds(&new), ["Delete"], "{new:?}");
        let body: Value = serde_json::from_str(&new[0].body).unwrap();
        assert_eq!(body["object"], "https://camp.test/users/ana");
        assert!(
            new.iter()
                .all(|j| j.signer == ana && j.inbox == "https://peer.example/inbox")
        );
        let _ = public;
        assert_eq!(bridge.local_username(ana).unwrap().as_deref(), Some("ana"));
    }

    #[test]
    fn suspending_a_domain_ends_its_follows_both_ways() {
        let camp = Camp::with_store(Store::temporary().unwrap(), config(true));
        let ana = setup(&camp);
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
                    state: FollowState::Accepted,
                    created_ms: 0,
                },
            )
            .unwrap();
        store.follow(ana, alice.shadow).unwrap();
        let silence = crate::camp::DomainBlockOptions {
            severity: crate::model::Severity::Silence,
            ..Default::default()
        };
        camp.block_domain(ana, "peer.example", silence).unwrap();
        assert_eq!(
            store.remote_followers_of(ana).unwrap().len(),
            1,
            "silence keeps them"
        );
        let suspend = crate::camp::DomainBlockOptions {
            severity: crate::model::Severity::Suspend,
            ..Default::default()
        };
        camp.block_domain(ana, "peer.example", suspend).unwrap();
        assert!(store.remote_followers_of(ana).unwrap().is_empty());
        assert!(store.remote_followings_of(ana).unwrap().is_empty());
        assert!(!store.follows(ana, alice.shadow).unwrap());
        assert_eq!(
            camp.outbox_len(),
            0,
            "nothing is sent to a suspended domain"
        );
    }

    #[test]
    fn collect_gathers_jobs_instead_of_queuing_them() {
        let camp = Camp::with_store(Store::temporary().unwrap(), config(true));
        let ana = setup(&camp);
        let bridge = Bridge::new(camp.clone(), "https://camp.test");
        let p = post(&camp, ana, "gathered", Visibility::Public);
        let (n, jobs) = collect(|| delivery::fan_out_post(&bridge, &p)).unwrap();
        assert_eq!((n, jobs.len()), (1, 1));
        assert!(camp.store().queued_deliveries().unwrap().is_empty());
        // Outside a collect, the same call queues.
        delivery::fan_out_post(&bridge, &p).unwrap();
        assert_eq!(camp.store().queued_deliveries().unwrap().len(), 1);
    }
}
