//! The ActivityPub bridge, on when `camp serve --federate` is given (its routes are
//! served by the web door, [`crate::web`]; a camp that does not federate serves none):
//! WebFinger, NodeInfo, actor documents, outbox and notes of public posts, a signed
//! inbox, follows both ways, and a persisted delivery queue. A camp-only post never
//! leaves the server; [`wire::reach`] is the single rule for where any other post goes:
//! a public one to anyone (served, listed, delivered to followers and the accounts it
//! names), a followers-only one to accepted remote followers (and named accounts)
//! only, served only to a signed fetch from a follower's server
//! ([`followers_only`]), a direct one only to the remote accounts it names, never
//! served. Listing and unsigned serving go through [`wire::federable`] (public).
//!
//! - [`wire`]: JSON served and read; [`html`]: remote HTML to plain text.
//! - [`signatures`]: draft-cavage HTTP signatures; [`rfc9421`]: RFC 9421 ones (verify);
//!   [`keys`]: RSA and Ed25519 keys per account; [`proofs`]: FEP-8b32 proofs;
//!   [`keyring`]: which remote key to believe, and the bounded cache of them.
//! - [`fetcher`]: the one guarded HTTP client; [`slots`]: its per-host and global
//!   caps; [`webfinger`]: handles to actors, and the back-check of a remote handle.
//! - [`routes`]: the axum server; [`inbox`]: incoming activities; [`backfill`]: a
//!   followed account's recent public posts, read from its outbox.
//! - [`outbox_drain`]: camp's outbox to delivery jobs; [`delivery`]: what each change
//!   sends (public, followers-only to accepted followers, direct to the remote accounts
//!   named), and the queue worker; [`followers_only`]: who may fetch a followers-only
//!   post.
//!
//! # Remote accounts and posts
//! A remote actor gets a local *shadow account* (username `user@host`, which no
//! camper's name can be; [`crate::model::Account::is_remote`]) the first time camp
//! needs it (a follow either way, or a post naming a camper). Its posts are ordinary
//! [`crate::model::Post`]s by that shadow, never on the camp timeline; their
//! addressing alone decides who sees them ([`crate::Camp::receive_remote_note`]):
//! `Public` (anyone here may open it; filed in its followers' Home), `Followers`
//! (its local followers, and campers it names), or `Direct` (only the campers it
//! names), so every existing read rule (`can_see`, timelines, notifications, live
//! events) applies unchanged. [`inbox`] parses and verifies what arrives before any
//! of it is believed. Accepting a follow out adds the
//! local follow edge camper → shadow; the remote URL ↔ post id map, remote actors and
//! follow state live in the bridge's own trees (`store::federation`). Shadow accounts
//! have no keys, so nobody logs in as them, and [`wire::federable`] refuses their
//! posts, so nothing of theirs is ever served or sent.

pub mod backfill;
pub mod delivery;
pub mod fetcher;
pub mod followers_only;
pub mod html;
pub mod inbox;
pub mod keyring;
pub mod keys;
pub mod outbox_drain;
mod outside;
pub mod polls;
#[cfg(test)]
mod port_tests;
pub mod proofs;
pub mod rfc9421;
pub mod routes;
pub mod signatures;
pub mod slots;
pub mod webfinger;
pub mod wire;

use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::{Notify, watch};

use crate::Camp;
use crate::error::{Error, Result};
use crate::model::Id;
use crate::store::federation::{DeliveryJob, RemoteActor};
use crate::store::now_ms;
use fetcher::{Fetcher, RequestSigner};
use wire::Urls;

/// The key slot of the instance actor (no account has id 0).
pub const INSTANCE_KEY_SLOT: Id = 0;

/// Most remote keys kept in memory (the oldest go first).
const KEY_CACHE_MAX: usize = 10_000;

/// How long NodeInfo's counts are reused.
const COUNTS_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// How long a key fetch's copy of an actor document stands in for a fetch of it.
const ACTOR_DOC_REUSE: std::time::Duration = std::time::Duration::from_secs(600);

/// The running bridge: shared by the HTTP server, the delivery worker and the verbs.
pub struct Bridge {
    camp: Camp,
    urls: Urls,
    fetcher: Fetcher,
    keys: Mutex<keyring::KeyCache>,
    wake: Notify,
    breakers: delivery::Breakers,
    counts: tokio::sync::Mutex<Option<(std::time::Instant, (usize, usize))>>,
}

impl Bridge {
    /// A bridge for `camp` whose ids live under `public_url`.
    pub fn new(camp: Camp, public_url: &str) -> Arc<Bridge> {
        let dev = camp.config().dev_federation;
        let ua = format!("camp/{} (+{public_url})", env!("CARGO_PKG_VERSION"));
        // Every URL the fetcher is sent to, redirects included, is checked against
        // the domain policy; when the store cannot answer, it fails closed.
        let policy_camp = camp.clone();
        let refused_host: fetcher::HostPolicy =
            Arc::new(move |host: &str| policy_camp.domain_policy(host).map_or(true, |p| p.suspend));
        Arc::new(Bridge {
            camp,
            urls: Urls::new(public_url),
            fetcher: Fetcher::with_policy(dev, &ua, refused_host),
            keys: Mutex::new(keyring::KeyCache::new(KEY_CACHE_MAX)),
            wake: Notify::new(),
            breakers: delivery::Breakers::default(),
            counts: tokio::sync::Mutex::new(None),
        })
    }

    /// The camp served.
    pub fn camp(&self) -> &Camp {
        &self.camp
    }

    /// Ids and their origin.
    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// The guarded HTTP client.
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// The signer of a local account (its key is made the first time, off the runtime),
    /// or of the instance actor for [`INSTANCE_KEY_SLOT`].
    pub async fn signer(&self, account: Id) -> Result<RequestSigner> {
        if account == INSTANCE_KEY_SLOT {
            return self.instance_signer().await;
        }
        let username = self
            .local_username(account)?
            .ok_or_else(|| Error::not_found("no such local account"))?;
        let keys = self.local_keys(account).await?;
        let key =
            signatures::signing_key(&keys.private_pem).map_err(|e| Error::Codec(e.to_string()))?;
        Ok(RequestSigner {
            key_id: self.urls.key_id(&username),
            key,
        })
    }

    /// The username of local account `account`, or of a deleted one (whose `Delete`
    /// may still be waiting to be signed with its kept key); `None` for anyone else.
    pub fn local_username(&self, account: Id) -> Result<Option<String>> {
        let store = self.camp.store();
        if let Some(a) = store.account(account)? {
            return Ok((!a.is_remote()).then_some(a.username));
        }
        Ok(store.departed(account)?.map(|d| d.username))
    }

    /// The instance actor's signer (`{base}/actor`), used for fetches made on nobody's
    /// behalf (keys, boosted posts), so servers with authorized fetch answer them.
    pub async fn instance_signer(&self) -> Result<RequestSigner> {
        let keys = self.local_keys(INSTANCE_KEY_SLOT).await?;
        let key =
            signatures::signing_key(&keys.private_pem).map_err(|e| Error::Codec(e.to_string()))?;
        Ok(RequestSigner {
            key_id: format!("{}#main-key", self.urls.instance_actor()),
            key,
        })
    }

    /// GETs an ActivityPub document signed by the instance actor.
    pub async fn fetch_signed(&self, url: &str) -> std::result::Result<Value, String> {
        self.fetch_ap(url).await.map_err(|e| e.to_string())
    }

    /// GETs an ActivityPub document signed by the instance actor, with the fetcher's
    /// own error (see [`fetcher::Fetcher::get_ap`]).
    pub(crate) async fn fetch_ap(
        &self,
        url: &str,
    ) -> std::result::Result<Value, fetcher::FetchError> {
        if self.suspended(url) {
            return Err(fetcher::FetchError::Refused(format!(
                "{url} (a suspended domain)"
            )));
        }
        let signer = self
            .instance_signer()
            .await
            .map_err(|e| fetcher::FetchError::Network(e.to_string()))?;
        self.fetcher.get_ap(url, Some(&signer)).await
    }

    /// What a post answers, as it may be named outside: the URL of a remote parent
    /// (with its author's actor URL), or of a federable local one. A reply to a post
    /// that is not public names nothing.
    pub fn reply_target(
        &self,
        post: &crate::model::Post,
    ) -> Result<Option<(String, Option<String>)>> {
        let Some(parent) = post.reply_to else {
            return Ok(None);
        };
        let store = self.camp.store();
        if let Some((url, obj)) = store.remote_object_of_post(parent)? {
            return Ok(Some((url, Some(obj.actor))));
        }
        let Some(p) = store.post(parent)? else {
            return Ok(None);
        };
        let Some(author) = store.account(p.author)? else {
            return Ok(None);
        };
        Ok(wire::federable(&p, &author).then(|| (self.urls.note(&author.username, p.id), None)))
    }

    /// The domain policy of a URL's host (or of a bare `host[:port]`), from
    /// moderation's blocks and the allowlist mode (the default when neither applies).
    pub fn policy_of(&self, url: &str) -> crate::store::federation::DomainPolicy {
        let host = wire::host_of(url).unwrap_or_else(|| url.to_string());
        match self.camp.domain_policy(&host) {
            Ok(p) => p,
            // When the store cannot answer, fail closed: better a missed delivery than
            // one to a blocked server.
            Err(_) => crate::store::federation::DomainPolicy {
                suspend: true,
                ..Default::default()
            },
        }
    }

    /// True when the URL's server is suspended: nothing goes there, nothing comes in.
    pub fn suspended(&self, url: &str) -> bool {
        self.policy_of(url).suspend
    }

    /// Fetches every blocklist subscribed by URL with the guarded client (timeouts,
    /// size cap, no private addresses outside `--dev-federation`) and imports it. A
    /// list on a server the camp does not federate with is not fetched.
    pub async fn refresh_blocklist_urls(&self) {
        let sources = match self.camp.url_subscriptions() {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("reading blocklist subscriptions: {e}");
                return;
            }
        };
        for source in sources {
            let fetched = if self.suspended(&source) {
                Err(format!("{source} is on a suspended domain; not fetched"))
            } else {
                self.fetcher
                    .get_text(&source, crate::camp::domains::MAX_IMPORT_BYTES)
                    .await
                    .map_err(|e| format!("could not fetch {source}: {e}"))
            };
            let camp = self.camp.clone();
            let applied =
                tokio::task::spawn_blocking(move || camp.apply_url_subscription(&source, fetched))
                    .await;
            match applied {
                Ok(Err(e)) => tracing::warn!("importing a blocklist: {e}"),
                Err(e) => tracing::warn!("blocklist import task failed: {e}"),
                Ok(Ok(())) => {}
            }
        }
    }

    /// NodeInfo's counts (local accounts, public posts), worked out on the blocking
    /// pool at most once per [`COUNTS_FOR`]: anyone may ask for NodeInfo, as often as
    /// they like.
    pub async fn public_counts(&self) -> Result<(usize, usize)> {
        // An async lock: concurrent askers wait for the one count under way.
        let mut cached = self.counts.lock().await;
        if let Some((at, counts)) = *cached
            && at.elapsed() < COUNTS_FOR
        {
            return Ok(counts);
        }
        let camp = self.camp.clone();
        let counts = tokio::task::spawn_blocking(move || camp.public_counts())
            .await
            .map_err(|e| Error::invalid(format!("counting failed: {e}")))??;
        *cached = Some((std::time::Instant::now(), counts));
        Ok(counts)
    }

    /// Hosts whose delivery circuit is open: (host, failures in a row, until).
    pub fn open_circuits(&self) -> Vec<(String, u32, crate::model::Millis)> {
        self.breakers.open_hosts(now_ms())
    }

    /// The key pair of a local account, made on first need.
    pub async fn local_keys(&self, account: Id) -> Result<crate::store::federation::LocalKeys> {
        if let Some(k) = self.camp.store().fed_keys(account)? {
            return Ok(k);
        }
        let camp = self.camp.clone();
        tokio::task::spawn_blocking(move || keys::keys_of(camp.store(), account))
            .await
            .map_err(|e| Error::invalid(format!("key generation failed: {e}")))?
    }

    /// Adds an Ed25519 integrity proof by `signer` (FEP-8b32) to an activity it sends.
    pub fn with_proof(&self, signer: Id, activity: &Value) -> Result<Value> {
        let store = self.camp.store();
        let (Some(keys), Some(account)) = (store.fed_keys(signer)?, store.account(signer)?) else {
            return Ok(activity.clone());
        };
        let Some(key) = proofs::signing_key(&keys.ed25519_seed) else {
            return Ok(activity.clone());
        };
        let vm = format!("{}#ed25519-key", self.urls.actor(&account.username));
        Ok(proofs::attach(
            activity.clone(),
            &key,
            &vm,
            &wire::iso8601(now_ms()),
        ))
    }

    /// True when nothing may go to the remote actor `actor`: its own server is
    /// suspended (whatever inbox it named), or a moderator suspended its shadow
    /// account. When the store cannot answer, it fails closed.
    pub fn refused_recipient(&self, actor: &str) -> bool {
        if self.suspended(actor) {
            return true;
        }
        let store = self.camp.store();
        match store.remote_actor(actor) {
            Ok(Some(a)) => store
                .account(a.shadow)
                .map(|s| s.is_none_or(|s| s.suspended))
                .unwrap_or(true),
            Ok(None) => false,
            Err(_) => true,
        }
    }

    /// Queues an activity for `recipients` (remote actor ids) at one inbox, durably,
    /// and wakes the worker (inside [`outbox_drain::collect`], hands the job to it). The activity carries an integrity proof by `signer`.
    /// Nothing is queued when the inbox's server is suspended, or when recipients are
    /// named and every one of them is refused ([`Bridge::refused_recipient`]): an
    /// actor's chosen inbox does not decide whether it may receive. The worker checks
    /// both again at every attempt.
    pub fn enqueue_to(
        &self,
        signer: Id,
        recipients: &[String],
        inbox: &str,
        activity: &Value,
    ) -> Result<()> {
        if self.refused_delivery(inbox, recipients) {
            return Ok(());
        }
        let activity = &self.with_proof(signer, activity)?;
        let store = self.camp.store();
        let now = now_ms();
        let job = DeliveryJob {
            id: store.next_id(),
            inbox: inbox.to_string(),
            body: activity.to_string(),
            signer,
            attempts: 0,
            created_ms: now,
            next_ms: now,
            last_error: String::new(),
            recipients: recipients.to_vec(),
        };
        // The outbox drain commits its jobs with the intent's removal.
        if let Some(job) = outbox_drain::gathered(job) {
            store.enqueue_delivery(&job)?;
            store.flush()?;
            self.wake.notify_one();
        }
        Ok(())
    }

    /// True when a delivery to `inbox` for `recipients` must not happen.
    pub fn refused_delivery(&self, inbox: &str, recipients: &[String]) -> bool {
        self.suspended(inbox)
            || (!recipients.is_empty() && recipients.iter().all(|r| self.refused_recipient(r)))
    }

    /// The public key `key_id` and its owner, from the cache unless `refresh` (see
    /// [`keyring`] for when a key is believed, and for how often anyone may make camp
    /// fetch one).
    async fn key(
        &self,
        key_id: &str,
        refresh: bool,
    ) -> std::result::Result<keyring::CachedKey, String> {
        // The port is part of it: a server that does not answer on one port may on
        // another (and tests run many servers on one loopback address).
        let host = wire::host_of(key_id).unwrap_or_default();
        {
            let now = std::time::Instant::now();
            let mut cache = self.keys.lock().expect("key cache");
            if refresh {
                // The signature failed. A key fetched for this very check is not
                // fetched again (an unknown keyId with a bad signature costs one
                // fetch, not two), and a cached one at most once per minute: bad
                // signatures naming someone's key must not each cost them a GET.
                match cache.refresh(key_id, now) {
                    keyring::Refresh::Fresh(k) => return Ok(k),
                    keyring::Refresh::TooSoon => {
                        return Err("the key was fetched again a moment ago".into());
                    }
                    keyring::Refresh::Fetch => {}
                }
            } else if let Some(k) = cache.get(key_id) {
                return Ok(k);
            }
            if cache.failed_recently(key_id, &host, now) {
                return Err(format!("fetching {key_id} failed a moment ago"));
            }
        }
        match keyring::resolve(self, key_id).await {
            Ok(key) => {
                self.keys
                    .lock()
                    .expect("key cache")
                    .insert(key_id, key.clone());
                Ok(key)
            }
            Err(e) => {
                let now = std::time::Instant::now();
                let mut cache = self.keys.lock().expect("key cache");
                cache.record_failure(key_id, now);
                if matches!(e, keyring::KeyError::Unreachable(_)) && !host.is_empty() {
                    cache.record_failure(&host, now);
                }
                Err(e.to_string())
            }
        }
    }

    /// The copy of `actor`'s document that a key fetch made a moment ago, if any.
    pub(crate) fn cached_actor_doc(&self, actor: &str) -> Option<Value> {
        self.keys
            .lock()
            .expect("key cache")
            .actor_doc(actor, ACTOR_DOC_REUSE)
    }

    /// Fetches (or reuses the key-fetch copy of) an actor and saves it, with its
    /// shadow account. The document's id must equal `url`, and the first time an
    /// actor is stored (or when its name changes) its WebFinger must confirm the
    /// handle (see [`webfinger::confirm`]).
    pub async fn fetch_actor(
        &self,
        url: &str,
        signer: Option<&RequestSigner>,
    ) -> Result<RemoteActor> {
        if self.suspended(url) {
            return Err(Error::forbidden("that server is suspended here"));
        }
        let cached = self
            .keys
            .lock()
            .expect("key cache")
            .actor_doc(url, ACTOR_DOC_REUSE);
        let doc = match (cached, signer) {
            (Some(d), _) => d,
            (None, Some(signer)) => self
                .fetcher
                .get_ap(url, Some(signer))
                .await
                .map_err(|e| Error::invalid(format!("could not fetch {url}: {e}")))?,
            (None, None) => self
                .fetch_signed(url)
                .await
                .map_err(|e| Error::invalid(format!("could not fetch {url}: {e}")))?,
        };
        let actor = wire::parse_actor(&doc, url, now_ms())
            .ok_or_else(|| Error::invalid(format!("{url} is not a usable actor document")))?;
        let known = self.camp.store().remote_actor(&actor.id)?;
        if known.is_none_or(|k| k.username != actor.username) {
            webfinger::confirm(&self.fetcher, &actor.username, &actor.host, &actor.id).await?;
        }
        self.camp.remember_remote_actor(actor)
    }
}

impl Bridge {
    /// A camper follows a remote account (`@user@host` or an actor URL): WebFinger,
    /// actor fetch with an id check, then a signed `Follow`; pending until `Accept`.
    pub async fn follow(&self, local: Id, target: &str) -> Result<RemoteActor> {
        let account = self.camp.actor(local)?;
        if account.is_remote() {
            return Err(Error::forbidden("not a local account"));
        }
        // Every follow sends a request elsewhere: a camper may not turn camp into a
        // flood cannon, and this is checked before any outbound fetch.
        self.camp.check_action_rate(&account)?;
        if let Some(h) = webfinger::parse_handle(target)
            && !target.starts_with("http")
        {
            if self.camp.domain_policy(&h.host)?.suspend {
                return Err(Error::forbidden("that server is suspended here"));
            }
            // One request is enough: nothing is looked up or sent again.
            self.camp
                .check_new_remote_follow_by_handle(local, &format!("{}@{}", h.user, h.host))?;
        }
        let url = self.resolve_target(target).await?;
        if wire::host_of(&url) == Some(self.urls.host()) {
            return Err(Error::invalid("that is an account of this camp"));
        }
        // WebFinger may point elsewhere, and an actor URL skips the check above.
        if self.suspended(&url) {
            return Err(Error::forbidden("that server is suspended here"));
        }
        let signer = self.signer(local).await?;
        let actor = self.fetch_actor(&url, Some(&signer)).await?;
        self.camp
            .check_new_remote_follow(local, &actor.id, &actor.handle())?;
        let me = self.urls.actor(&account.username);
        let follow_id = format!("{me}/follows/{}", self.camp.store().next_id());
        // The Follow leaves through the outbox, written with the pending follow.
        let (camp, a) = (self.camp.clone(), actor.clone());
        blocking(move || camp.remote_follow_asked(local, &a, &follow_id)).await?;
        // Its profile here shows what it posted lately, not only what reaches camp
        // from now on. A failure costs the follow nothing.
        match backfill::recent_public(self, &actor).await {
            Ok(n) => tracing::debug!("kept {n} recent posts of {}", actor.id),
            Err(e) => tracing::info!("the outbox of {} was not read: {e}", actor.id),
        }
        Ok(actor)
    }

    /// A camper stops following a remote account: `Undo(Follow)`, and its posts stop.
    pub async fn unfollow(&self, local: Id, target: &str) -> Result<RemoteActor> {
        let account = self.camp.actor(local)?;
        self.camp.check_action_rate(&account)?;
        let store = self.camp.store();
        let actor = match webfinger::parse_handle(target) {
            Some(h) if !target.starts_with("http") => store
                .account_by_name(&format!("{}@{}", h.user, h.host).to_lowercase())?
                .filter(|a| a.is_remote())
                .and_then(|a| store.remote_actor_of_shadow(a.id).ok().flatten()),
            _ => store.remote_actor(target.trim())?,
        }
        .ok_or_else(|| Error::not_found(format!("you do not follow {target}")))?;
        // The Undo leaves through the outbox, written as the follow ends.
        let (camp, a) = (self.camp.clone(), actor.clone());
        blocking(move || camp.remote_unfollow(account.id, &a)).await?;
        Ok(actor)
    }

    /// Queues `Undo(Follow)` of `account`'s follow `follow_id` of `actor`.
    pub fn send_undo_follow(
        &self,
        account: &crate::model::Account,
        actor: &RemoteActor,
        follow_id: &str,
    ) -> Result<()> {
        let me = self.urls.actor(&account.username);
        let follow =
            serde_json::json!({"id": follow_id, "type": "Follow", "actor": me, "object": actor.id});
        let undo_id = format!("{me}/undo/{}", self.camp.store().next_id());
        self.enqueue_to(
            account.id,
            std::slice::from_ref(&actor.id),
            &actor.inbox,
            &wire::activity(&undo_id, "Undo", &me, follow),
        )
    }

    /// The camper answers a follow request; Accept or Reject leaves through the
    /// outbox, written with the answer.
    pub fn answer(&self, local: Id, handle: &str, accept: bool) -> Result<RemoteActor> {
        let (actor, _) = self.camp.answer_remote_follow(local, handle, accept)?;
        Ok(actor)
    }

    async fn resolve_target(&self, target: &str) -> Result<String> {
        let t = target.trim();
        if t.starts_with("https://") || t.starts_with("http://") {
            return Ok(t.to_string());
        }
        let h = webfinger::parse_handle(t)
            .ok_or_else(|| Error::invalid("follow needs @user@host or an actor URL"))?;
        webfinger::lookup(&self.fetcher, &h).await
    }
}

/// Runs a service call that writes (and flushes) on the blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::invalid(format!("a background task failed: {e}")))?
}

/// Handle of a running bridge: the bridge and its background tasks. Its routes are
/// served by the web door ([`crate::web`]), on the same listener as the landing page.
pub struct BridgeHandle {
    /// The bridge.
    pub bridge: Arc<Bridge>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl BridgeHandle {
    /// The bridge's HTTP routes, for the web door to merge.
    pub fn router(&self) -> axum::Router {
        routes::router(self.bridge.clone())
    }

    /// Waits for the tasks after the stop signal.
    pub async fn join(self) {
        for t in self.tasks {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), t).await;
        }
    }
}

/// Checks `--public-url`: an http(s) origin with a host, returned without a trailing
/// slash.
pub fn checked_origin(url: &str) -> Result<String> {
    let parsed =
        url::Url::parse(url).map_err(|e| Error::Config(format!("--public-url {url}: {e}")))?;
    if !matches!(parsed.scheme(), "https" | "http")
        || parsed.host_str().is_none()
        || !matches!(parsed.path(), "" | "/")
        || parsed.query().is_some()
        || parsed.fragment().is_some()
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(Error::Config(
            "--public-url must be an http(s) origin, such as https://camp.example".into(),
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// Starts the bridge whose ids live under `public_url` (already checked): the delivery
/// worker and the fan-out of new posts, which end when `stop` turns true. The caller
/// serves [`BridgeHandle::router`].
pub fn start(camp: Camp, public_url: &str, stop: watch::Receiver<bool>) -> BridgeHandle {
    let config = camp.config();
    if config.dev_federation {
        tracing::warn!(
            "--dev-federation is ON: plain-http WebFinger and fetches to loopback/private addresses are allowed. For tests on one machine only, never in production."
        );
        eprintln!(
            "WARNING: --dev-federation is on: camp will fetch plain-http and private addresses. Test use only."
        );
    }
    let bridge = Bridge::new(camp.clone(), public_url);
    // Blocklists subscribed by URL are first read now; the server's hourly refresh
    // reads them again.
    let b = bridge.clone();
    tokio::spawn(async move { b.refresh_blocklist_urls().await });
    tracing::info!("federation bridge on as {public_url}");
    let worker = tokio::spawn(delivery::run_worker(bridge.clone(), stop.clone()));
    let drain = tokio::spawn(outbox_drain::run(bridge.clone(), stop));
    BridgeHandle {
        bridge,
        tasks: vec![worker, drain],
    }
}

#[cfg(test)]
mod blocklist_tests {
    use super::*;

    fn camp_with_admin(dev: bool) -> (Camp, Id) {
        let mut config = crate::config::Config::with_dirs("unused", "unused");
        config.dev_federation = dev;
        let camp = Camp::with_store(crate::store::Store::temporary().unwrap(), config);
        let code = camp.admin_invite().unwrap().unwrap();
        let ana = camp
            .join(&crate::camp::testing::key(1), &code, "ana", true)
            .unwrap()
            .id;
        (camp, ana)
    }

    /// Waits (bounded) until the subscription has been read once.
    async fn read_once(camp: &Camp, admin: Id) -> String {
        for _ in 0..100 {
            let subs = camp.subscriptions(admin).unwrap();
            if let Some(s) = subs.first()
                && s.last_read_ms.is_some()
            {
                return s.last_result.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the subscription was never read");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn blocklists_subscribed_by_url_are_fetched_by_the_bridge_and_imported() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().route(
            "/blocks.csv",
            axum::routing::get(|| async {
                "#domain,#severity\nbad.example,suspend\nnot a domain,suspend\n"
            }),
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let (camp, ana) = camp_with_admin(true);
        let url = format!("http://{addr}/blocks.csv");
        let refused = camp.subscribe_blocklist(ana, &url).unwrap_err();
        assert!(refused.to_string().contains("bridge"), "{refused}");
        camp.connect_outside(Bridge::new(camp.clone(), "http://camp.test"));
        camp.subscribe_blocklist(ana, &url).unwrap();
        let result = read_once(&camp, ana).await;
        assert!(result.starts_with("added 1,"), "{result}");
        assert!(result.contains("malformed 1"), "{result}");
        let block = camp.domain_block_for("x.bad.example").unwrap().unwrap();
        assert_eq!(block.source.as_deref(), Some(url.as_str()));
        assert!(camp.domain_policy("bad.example").unwrap().suspend);
        server.abort();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn blocklist_urls_obey_the_fetcher_rules() {
        let (camp, ana) = camp_with_admin(false);
        camp.connect_outside(Bridge::new(camp.clone(), "https://camp.test"));
        // Plain http only under --dev-federation.
        assert!(
            camp.subscribe_blocklist(ana, "http://lists.example/b.csv")
                .is_err()
        );
        // A private address is accepted as a subscription but never fetched.
        camp.subscribe_blocklist(ana, "https://127.0.0.1:1/b.csv")
            .unwrap();
        let result = read_once(&camp, ana).await;
        assert!(result.contains("refused"), "{result}");
        assert!(camp.store().domain_blocks().unwrap().is_empty());
    }
}
