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

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde_json::Value;

use super::fetcher::FetchError;
use super::{Bridge, wire};

/// Largest PEM accepted.
const MAX_PEM: usize = 16 * 1024;
/// Most entries looked at in `publicKey` or `assertionMethod`.
const MAX_KEYS_LISTED: usize = 16;

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
pub async fn resolve(bridge: &Bridge, key_id: &str) -> Result<CachedKey, String> {
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
        Err(e) => return Err(e.to_string()),
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
async fn from_owner(bridge: &Bridge, key_id: &str, claimed: String) -> Result<CachedKey, String> {
    if wire::host_of(&claimed) != wire::host_of(key_id) {
        return Err("key owner on another host".into());
    }
    let actor = bridge.fetch_signed(&claimed).await?;
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
}

struct Entry {
    key: CachedKey,
    seq: u64,
    /// Handed out by [`KeyCache::get`] since it was fetched: it may be stale. An
    /// entry not yet served was fetched by a request still being checked, so fetching
    /// it again for that request would only repeat the same answer.
    served: bool,
}

impl KeyCache {
    /// An empty cache of at most `max` keys.
    pub fn new(max: usize) -> KeyCache {
        KeyCache {
            max: max.max(1),
            next: 0,
            keys: HashMap::new(),
            order: BTreeMap::new(),
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

    /// Stores (or replaces) a key, evicting the oldest entry when full.
    pub fn insert(&mut self, key_id: &str, key: CachedKey) {
        if let Some(old) = self.keys.remove(key_id) {
            self.order.remove(&old.seq);
        }
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
