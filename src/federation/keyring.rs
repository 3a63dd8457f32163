//! Remote public keys: which key to believe for a keyId, and a bounded cache of them.
//!
//! The threat is key-owner forgery (the CVE-2024-23832 class): whoever can put a JSON
//! file on a server (an upload, a media attachment) can publish a "key document" that
//! names any account there as its `owner`. So a key is trusted only when the owner's
//! own actor document lists it: the document fetched from the actor's id, served
//! with an ActivityPub media type, whose `id` is the URL it came from (the fetcher
//! checks both, see [`super::fetcher::Fetcher::get_ap`]), and which names the key
//! under `publicKey` or `assertionMethod` with the same id and the actor as owner or
//! controller. The PEM used is the one in the actor document, never the key
//! document's. [`resolve`] is the one entry point; the bridge caches its answers in a
//! [`KeyCache`].
//!
//! Fetching a key is work anyone can ask of camp (a POST naming a keyId), aimed at a
//! third party. So a cached key whose signature fails is fetched again (it may have
//! rotated) at most once per [`REFRESH_EVERY`] per keyId, however many bad
//! signatures name it; and a keyId whose fetch failed, or a host that did not answer,
//! is not asked again for [`FAILURE_TTL`], so a dead or slow server named over and
//! over does not tie up the fetch slots.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::Value;
use thiserror::Error;

use super::fetcher::FetchError;
use super::{Bridge, wire};

/// Largest PEM accepted.
const MAX_PEM: usize = 16 * 1024;
/// Most entries looked at in `publicKey` or `assertionMethod`.
const MAX_KEYS_LISTED: usize = 16;
/// A cached key is fetched again (after a signature it fails) at most this often.
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);
/// How long a keyId whose fetch failed, or a host that did not answer, is not asked.
pub const FAILURE_TTL: Duration = Duration::from_secs(60);
/// Most failed keyIds and hosts remembered.
const MAX_FAILURES: usize = 4096;

/// Why a key could not be had (phrased for logs).
#[derive(Debug, Error)]
pub enum KeyError {
    /// The key's server did not answer in time, or too many fetches to it are under
    /// way: the whole host is left alone a while.
    #[error("{0}")]
    Unreachable(String),
    /// The server answered, with nothing believable for this keyId.
    #[error("{0}")]
    Refused(String),
}

impl From<&str> for KeyError {
    fn from(s: &str) -> KeyError {
        KeyError::Refused(s.to_string())
    }
}

impl From<FetchError> for KeyError {
    fn from(e: FetchError) -> KeyError {
        match e {
            FetchError::Network(_) | FetchError::Busy(_) => KeyError::Unreachable(e.to_string()),
            _ => KeyError::Refused(e.to_string()),
        }
    }
}

/// A verified remote public key and the actor that owns it.
#[derive(Clone, Debug)]
pub struct CachedKey {
    /// The RSA public key, PEM, as the owner's actor document lists it.
    pub pem: String,
    /// The owner's actor id.
    pub owner: String,
    /// The owner's actor document, for [`Bridge::fetch_actor`] to reuse.
    pub doc: Option<Value>,
    /// When it was fetched.
    pub fetched: Instant,
}

/// True for the types an actor document has.
fn is_actor(doc: &Value) -> bool {
    matches!(
        wire::type_of(doc),
        Some("Person" | "Service" | "Application" | "Group" | "Organization")
    )
}

/// The entries of a field that is one object or an array of them.
fn entries(doc: &Value, field: &str) -> Vec<Value> {
    match doc.get(field) {
        Some(Value::Array(a)) => a.iter().take(MAX_KEYS_LISTED).cloned().collect(),
        Some(v @ Value::Object(_)) => vec![v.clone()],
        _ => Vec::new(),
    }
}

/// The PEM of `key_id` when the actor document `doc` lists it (under `publicKey` or
/// `assertionMethod`, with the document as `owner` or `controller` when either is
/// named). A key listed only by reference (a bare URL) is not a listing of its PEM.
pub fn listed_key(doc: &Value, key_id: &str) -> Option<String> {
    if !is_actor(doc) {
        return None;
    }
    let actor = wire::id_of(doc)?;
    let listed = entries(doc, "publicKey")
        .into_iter()
        .chain(entries(doc, "assertionMethod"));
    for k in listed {
        if k.get("id").and_then(Value::as_str) != Some(key_id) {
            continue;
        }
        let named_owner = ["owner", "controller"]
            .iter()
            .filter_map(|f| k.get(*f))
            .map(wire::id_of)
            .collect::<Vec<_>>();
        if named_owner.iter().any(|o| *o != Some(actor)) {
            continue;
        }
        if let Some(pem) = k.get("publicKeyPem").and_then(Value::as_str)
            && pem.len() < MAX_PEM
        {
            return Some(pem.to_string());
        }
    }
    None
}

/// Who a key document (or a key inside another document) says owns `key_id`.
fn claimed_owner(doc: &Value, key_id: &str) -> Option<String> {
    let itself = (doc.get("id").and_then(Value::as_str) == Some(key_id)).then(|| doc.clone());
    itself
        .into_iter()
        .chain(entries(doc, "publicKey"))
        .chain(entries(doc, "assertionMethod"))
        .filter(|k| k.get("id").and_then(Value::as_str) == Some(key_id))
        .find_map(|k| {
            k.get("owner")
                .or_else(|| k.get("controller"))
                .and_then(wire::id_of)
                .map(str::to_string)
        })
}

/// Finds the key `key_id` and the actor that owns it, fetching at most two documents
/// (the one at the keyId, then, when that is not the owner's actor document, the
/// actor document its owner names). Errors are phrased for logs.
pub async fn resolve(bridge: &Bridge, key_id: &str) -> Result<CachedKey, KeyError> {
    let url = key_id.split('#').next().unwrap_or(key_id);
    if wire::id_of(&Value::String(key_id.to_string())).is_none() {
        return Err("the keyId is not a URL".into());
    }
    let doc = match bridge.fetch_ap(url).await {
        Ok(doc) => doc,
        // GoToSocial answers its `…/main-key` with a stub of the actor whose id is the
        // actor's: not believed from here, but its id says where the actor document
        // (which must list the key) is.
        Err(FetchError::WrongId {
            claimed: Some(claimed),
            ..
        }) => return from_owner(bridge, key_id, claimed).await,
        Err(e) => return Err(e.into()),
    };
    let owner = wire::id_of(&doc).ok_or("document without id")?.to_string();
    if let Some(pem) = listed_key(&doc, key_id) {
        // The actor's own document, fetched from its id, lists the key.
        return Ok(CachedKey {
            pem,
            owner,
            doc: Some(doc),
            fetched: Instant::now(),
        });
    }
    // Something else (a key document): believe it only if the owner it names lists
    // the key in the owner's own actor document.
    let claimed = claimed_owner(&doc, key_id).ok_or("no such key in the document")?;
    if claimed == owner {
        return Err("the document does not list the key as an actor's".into());
    }
    from_owner(bridge, key_id, claimed).await
}

/// The key `key_id` from the actor document of `claimed`, its claimed owner, which
/// must be on the keyId's host and list the key.
async fn from_owner(bridge: &Bridge, key_id: &str, claimed: String) -> Result<CachedKey, KeyError> {
    if wire::host_of(&claimed) != wire::host_of(key_id) {
        return Err("key owner on another host".into());
    }
    let actor = bridge.fetch_ap(&claimed).await?;
    owners_key(actor, key_id, claimed)
}

/// The key `key_id` as listed by `actor`, the document fetched for its claimed
/// owner `claimed`. The document must be `claimed`'s own: the fetcher only checks
/// that its id is the URL it finally came from, and a redirect (an open one on the
/// key's host) may have led elsewhere, to a document that lists the key as another
/// actor's.
fn owners_key(actor: Value, key_id: &str, claimed: String) -> Result<CachedKey, KeyError> {
    if wire::id_of(&actor) != Some(claimed.as_str()) {
        return Err("the owner's actor document is another actor's".into());
    }
    let pem =
        listed_key(&actor, key_id).ok_or("the owner's actor document does not list the key")?;
    Ok(CachedKey {
        pem,
        owner: claimed,
        doc: Some(actor),
        fetched: Instant::now(),
    })
}

/// Keys by keyId, at most `max`; when full, the entry stored longest ago goes (never
/// all of them: emptying the cache would let anyone who fills it make every sender's
/// key be fetched again at once).
pub struct KeyCache {
    max: usize,
    next: u64,
    keys: HashMap<String, Entry>,
    order: BTreeMap<u64, String>,
    /// KeyIds and hosts whose fetch failed, and when.
    failed: HashMap<String, Instant>,
}

/// What to do about a cached key whose signature failed ([`KeyCache::refresh`]).
#[derive(Debug)]
pub enum Refresh {
    /// Fetched for the request being checked: a fetch now would say the same.
    Fresh(CachedKey),
    /// Fetch it again (the claim is recorded: others asking meanwhile are refused).
    Fetch,
    /// Fetched again less than [`REFRESH_EVERY`] ago: the signature is just bad.
    TooSoon,
}

struct Entry {
    key: CachedKey,
    seq: u64,
    /// Handed out by [`KeyCache::get`] since it was fetched: it may be stale. An
    /// entry not yet served was fetched by a request still being checked, so fetching
    /// it again for that request would only repeat the same answer.
    served: bool,
    /// When a failed signature last had it fetched again (kept across the refetch).
    refreshed: Option<Instant>,
}

impl KeyCache {
    /// An empty cache of at most `max` keys.
    pub fn new(max: usize) -> KeyCache {
        KeyCache {
            max: max.max(1),
            next: 0,
            keys: HashMap::new(),
            order: BTreeMap::new(),
            failed: HashMap::new(),
        }
    }

    /// The key cached for `key_id` (from now on it counts as possibly stale).
    pub fn get(&mut self, key_id: &str) -> Option<CachedKey> {
        let e = self.keys.get_mut(key_id)?;
        e.served = true;
        Some(e.key.clone())
    }

    /// The key cached for `key_id` when it was fetched and not yet served from the
    /// cache: what a refetch right now would return.
    pub fn just_fetched(&self, key_id: &str) -> Option<CachedKey> {
        self.keys
            .get(key_id)
            .filter(|e| !e.served)
            .map(|e| e.key.clone())
    }

    /// Whether a cached key whose signature failed may be fetched again now; a
    /// [`Refresh::Fetch`] answer claims the refresh, so a burst of bad signatures
    /// naming the key costs one fetch, and the next may come [`REFRESH_EVERY`] later.
    /// A key not cached (any more) is [`Refresh::Fetch`] like an unknown one.
    pub fn refresh(&mut self, key_id: &str, now: Instant) -> Refresh {
        let Some(e) = self.keys.get_mut(key_id) else {
            return Refresh::Fetch;
        };
        if !e.served {
            return Refresh::Fresh(e.key.clone());
        }
        if e.refreshed
            .is_some_and(|at| now.saturating_duration_since(at) < REFRESH_EVERY)
        {
            return Refresh::TooSoon;
        }
        e.refreshed = Some(now);
        Refresh::Fetch
    }

    /// True when a fetch of `key_id`, or any fetch from `host`, failed less than
    /// [`FAILURE_TTL`] ago.
    pub fn failed_recently(&self, key_id: &str, host: &str, now: Instant) -> bool {
        [key_id, host].iter().any(|k| {
            self.failed
                .get(*k)
                .is_some_and(|at| now.saturating_duration_since(*at) < FAILURE_TTL)
        })
    }

    /// Remembers that fetching `what` (a keyId, or a host that did not answer)
    /// failed at `now`. When the list is full, entries that ran out go, then (if
    /// none had) the oldest.
    pub fn record_failure(&mut self, what: &str, now: Instant) {
        if self.failed.len() >= MAX_FAILURES && !self.failed.contains_key(what) {
            self.failed
                .retain(|_, at| now.saturating_duration_since(*at) < FAILURE_TTL);
            if self.failed.len() >= MAX_FAILURES
                && let Some(oldest) = self
                    .failed
                    .iter()
                    .min_by_key(|(_, at)| **at)
                    .map(|(k, _)| k.clone())
            {
                self.failed.remove(&oldest);
            }
        }
        self.failed.insert(what.to_string(), now);
    }

    /// Stores (or replaces) a key, evicting the oldest entry when full. When it
    /// replaces one, the time of the last refresh is kept.
    pub fn insert(&mut self, key_id: &str, key: CachedKey) {
        let mut refreshed = None;
        if let Some(old) = self.keys.remove(key_id) {
            self.order.remove(&old.seq);
            refreshed = old.refreshed;
        }
        self.failed.remove(key_id);
        while self.keys.len() >= self.max {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            self.keys.remove(&oldest);
        }
        let seq = self.next;
        self.next += 1;
        self.order.insert(seq, key_id.to_string());
        self.keys.insert(
            key_id.to_string(),
            Entry {
                key,
                seq,
                served: false,
                refreshed,
            },
        );
    }

    /// The actor document cached with a key of `owner`, fetched less than `max_age`
    /// ago.
    pub fn actor_doc(&self, owner: &str, max_age: std::time::Duration) -> Option<Value> {
        self.keys
            .values()
            .map(|e| &e.key)
            .find(|k| k.owner == owner && k.fetched.elapsed() < max_age)
            .and_then(|k| k.doc.clone())
    }

    /// Number of keys cached.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(owner: &str) -> CachedKey {
        CachedKey {
            pem: "PEM".into(),
            owner: owner.into(),
            doc: None,
            fetched: Instant::now(),
        }
    }

    #[test]
    fn a_full_cache_evicts_the_oldest_and_keeps_the_rest() {
        let mut c = KeyCache::new(3);
        for n in 0..3 {
            c.insert(&format!("k{n}"), key("a"));
        }
        // Storing k0 again makes it the newest.
        c.insert("k0", key("a"));
        c.insert("k3", key("a"));
        assert_eq!(c.len(), 3);
        assert!(c.get("k1").is_none(), "the oldest went");
        for k in ["k0", "k2", "k3"] {
            assert!(c.get(k).is_some(), "{k} kept");
        }
        for n in 4..100 {
            c.insert(&format!("k{n}"), key("a"));
            assert_eq!(c.len(), 3);
        }
        assert!(c.get("k99").is_some() && c.get("k98").is_some());
    }

    #[test]
    fn a_key_counts_as_just_fetched_until_it_is_served_from_the_cache() {
        let mut c = KeyCache::new(3);
        c.insert("k", key("a"));
        assert!(c.just_fetched("k").is_some());
        assert!(c.get("k").is_some());
        assert!(c.just_fetched("k").is_none(), "served: may be stale now");
        c.insert("k", key("a"));
        assert!(c.just_fetched("k").is_some());
        assert!(c.just_fetched("other").is_none());
    }

    #[test]
    fn a_failing_key_is_fetched_again_at_most_once_a_minute() {
        let mut c = KeyCache::new(3);
        let t0 = Instant::now();
        c.insert("k", key("a"));
        // Fetched for the request being checked: not again.
        assert!(matches!(c.refresh("k", t0), Refresh::Fresh(_)));
        assert!(c.get("k").is_some());
        // Served from the cache, then a bad signature: one refetch, claimed at once,
        // so the next bad signatures (even while that fetch runs) cost nothing.
        assert!(matches!(c.refresh("k", t0), Refresh::Fetch));
        for s in 0..59 {
            assert!(matches!(
                c.refresh("k", t0 + Duration::from_secs(s)),
                Refresh::TooSoon
            ));
        }
        // The refetched key replaces the old one, and remembers the refresh.
        c.insert("k", key("a"));
        c.get("k");
        assert!(matches!(
            c.refresh("k", t0 + Duration::from_secs(30)),
            Refresh::TooSoon
        ));
        assert!(matches!(c.refresh("k", t0 + REFRESH_EVERY), Refresh::Fetch));
        // A key not cached is fetched like an unknown one.
        assert!(matches!(c.refresh("gone", t0), Refresh::Fetch));
    }

    #[test]
    fn failed_key_ids_and_silent_hosts_are_left_alone_a_while() {
        let mut c = KeyCache::new(3);
        let t0 = Instant::now();
        assert!(!c.failed_recently("https://h/k", "h", t0));
        c.record_failure("https://h/k", t0);
        assert!(c.failed_recently("https://h/k", "h", t0 + Duration::from_secs(59)));
        assert!(!c.failed_recently("https://h/other", "h", t0));
        assert!(!c.failed_recently("https://h/k", "h", t0 + FAILURE_TTL));
        c.record_failure("dead", t0);
        assert!(c.failed_recently("https://dead/any", "dead", t0));
        // A key that is had after all is no failure any more.
        c.insert("https://h/k", key("a"));
        assert!(!c.failed_recently("https://h/k", "h", t0));
        // Bounded: a flood of failures keeps the list at its cap.
        for n in 0..MAX_FAILURES + 10 {
            c.record_failure(&format!("https://f/{n}"), t0);
        }
        assert!(c.failed.len() <= MAX_FAILURES);
    }

    #[test]
    fn a_key_is_taken_from_the_claimed_owners_own_document_only() {
        let owner = "https://h.example/users/a";
        let kid = format!("{owner}#main-key");
        let listing = |id: &str| {
            json!({"id": id, "type": "Person",
                "publicKey": {"id": kid, "owner": id, "publicKeyPem": "PEM"}})
        };
        let k = owners_key(listing(owner), &kid, owner.into()).unwrap();
        assert_eq!((k.pem.as_str(), k.owner.as_str()), ("PEM", owner));
        // A redirect led to another actor's document, which lists the key as its
        // own: not the claimed owner's key.
        let other = "https://h.example/users/mallory";
        assert!(owners_key(listing(other), &kid, owner.into()).is_err());
        // The owner's document that does not list the key.
        let bare = json!({"id": owner, "type": "Person"});
        assert!(owners_key(bare, &kid, owner.into()).is_err());
    }

    #[test]
    fn only_keys_the_actor_document_lists_as_its_own_count() {
        let actor = "https://h.example/users/a";
        let kid = format!("{actor}#main-key");
        let doc = json!({"id": actor, "type": "Person",
            "publicKey": {"id": kid, "owner": actor, "publicKeyPem": "PEM"}});
        assert_eq!(listed_key(&doc, &kid).as_deref(), Some("PEM"));
        assert_eq!(listed_key(&doc, "https://h.example/other#k"), None);
        // Another owner named inside the actor's own document: not its key.
        let stolen = json!({"id": actor, "type": "Person",
            "publicKey": {"id": kid, "owner": "https://h.example/users/b", "publicKeyPem": "PEM"}});
        assert_eq!(listed_key(&stolen, &kid), None);
        // Not an actor (a key document, a note): lists nothing.
        let keydoc = json!({"id": kid, "type": "Key", "owner": actor, "publicKeyPem": "PEM"});
        assert_eq!(listed_key(&keydoc, &kid), None);
        assert_eq!(claimed_owner(&keydoc, &kid).as_deref(), Some(actor));
        // assertionMethod with a controller, and arrays of keys.
        let am = json!({"id": actor, "type": "Service",
            "publicKey": [{"id": "x"}],
            "assertionMethod": [{"id": kid, "controller": actor, "publicKeyPem": "PEM2"}]});
        assert_eq!(listed_key(&am, &kid).as_deref(), Some("PEM2"));
    }
}
