//! ActivityPub JSON on the wire: what camp serves (actor, note, collections,
//! activities, all under the one [`context`]) and lenient, bounded readers for what
//! remote servers send (`to` may be a string, objects may be embedded or referenced
//! by id).
//!
//! Strict JSON-LD processors (Fedify, bovine) expand what camp serves with the
//! published contexts, several of which protect their terms: a document that
//! redefines `assertionMethod` or `Multikey` inline, or uses a term no context
//! defines, is refused. So camp names the published contexts by URL and defines
//! inline only the few terms they lack; `tests/it/jsonld.rs` expands every document
//! camp serves and sends with a real processor in safe mode.

use serde_json::{Value, json};

use crate::model::{Account, Millis, Post, Visibility};
use crate::store::federation::RemoteActor;

/// The ActivityStreams context.
pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";
/// The security vocabulary (publicKey).
pub const SECURITY_CONTEXT: &str = "https://w3id.org/security/v1";
/// The DID vocabulary (`assertionMethod`, protected).
pub const DID_CONTEXT: &str = "https://www.w3.org/ns/did/v1";
/// The Multikey vocabulary (`Multikey`, `controller`, `publicKeyMultibase`, protected).
pub const MULTIKEY_CONTEXT: &str = "https://w3id.org/security/multikey/v1";
/// The public collection.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// Longest URL accepted from a remote document.
pub const MAX_URL: usize = 2048;
/// Longest remote post kept, in characters.
pub const MAX_REMOTE_TEXT: usize = 5000;

/// The one rule for what may leave the camp lives in camp ([`crate::camp::federable`]);
/// every outward path here goes through it.
pub use crate::camp::federable;

/// How far outside the camp a local post goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Anyone: served, listed in the outbox, delivered to followers and to the
    /// remote accounts it mentions.
    Public,
    /// The author's accepted remote followers (and remote accounts it mentions):
    /// addressed to the followers collection only, served only to a signed fetch
    /// from a follower's server, never listed.
    Followers,
    /// Only the remote accounts it mentions: never served, never listed.
    Direct,
}

/// Where a post by a local, unsuspended author may go outside; `None` for a
/// camp-only post or anyone else's. Delivery goes through here; serving and listing
/// go through [`federable`] (public) or, for a follower's signed fetch, this.
pub fn reach(post: &Post, author: &Account) -> Option<Reach> {
    if post.author != author.id || author.is_remote() || author.suspended {
        return None;
    }
    match post.visibility {
        Visibility::Public => Some(Reach::Public),
        Visibility::Followers => Some(Reach::Followers),
        Visibility::Direct => Some(Reach::Direct),
        Visibility::Camp => None,
    }
}

/// A remote account a post names (`@user@host`), as it goes into `tag` and `cc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mentioned {
    /// The actor id.
    pub actor: String,
    /// `@user@host`.
    pub handle: String,
}

/// The `@context` of every document camp serves or sends: the published contexts by
/// URL (all of them preloaded by Fedify, so a peer never fetches one), then only the
/// terms none of them defines, mapped the way Mastodon maps them. Defining a term of
/// a protected context here again would make strict processors refuse the document.
pub fn context() -> Value {
    json!([
        AS_CONTEXT,
        SECURITY_CONTEXT,
        DID_CONTEXT,
        MULTIKEY_CONTEXT,
        super::proofs::DATA_INTEGRITY_CONTEXT,
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "votersCount": "toot:votersCount"
        }
    ])
}

/// URLs of camp's own objects, all under one origin.
#[derive(Debug, Clone)]
pub struct Urls {
    base: String,
}

impl Urls {
    /// Urls under `base` (no trailing slash).
    pub fn new(base: &str) -> Urls {
        Urls {
            base: base.trim_end_matches('/').to_string(),
        }
    }
    /// The origin.
    pub fn base(&self) -> &str {
        &self.base
    }
    /// `host[:port]` of the origin, as used in `acct:` handles.
    pub fn host(&self) -> String {
        url::Url::parse(&self.base)
            .map(|u| super::fetcher::host_header(&u))
            .unwrap_or_default()
    }
    /// The instance actor, which signs fetches made on nobody's behalf.
    pub fn instance_actor(&self) -> String {
        format!("{}/actor", self.base)
    }
    /// An account's actor id.
    pub fn actor(&self, username: &str) -> String {
        format!("{}/users/{username}", self.base)
    }
    /// Its key id.
    pub fn key_id(&self, username: &str) -> String {
        format!("{}#main-key", self.actor(username))
    }
    /// The shared inbox.
    pub fn shared_inbox(&self) -> String {
        format!("{}/inbox", self.base)
    }
    /// A post's object id.
    pub fn note(&self, username: &str, post: u64) -> String {
        format!("{}/posts/{post}", self.actor(username))
    }
    /// The username of one of our actor URLs (exactly `{base}/users/{name}`).
    pub fn username_of(&self, actor: &str) -> Option<String> {
        let rest = actor.strip_prefix(&self.base)?.strip_prefix("/users/")?;
        let name = rest.split(['/', '#', '?']).next()?;
        (!name.is_empty() && name.len() == rest.len()).then(|| name.to_string())
    }
    /// The username and post id in one of our note URLs.
    pub fn post_of(&self, url: &str) -> Option<(String, u64)> {
        let rest = url.strip_prefix(&self.base)?.strip_prefix("/users/")?;
        let (name, tail) = rest.split_once('/')?;
        let id = tail.strip_prefix("posts/")?.parse().ok()?;
        Some((name.to_string(), id))
    }
    /// The username in one of our follow ids (`{actor}/follows/{n}`).
    pub fn username_of_follow(&self, follow_id: &str) -> Option<String> {
        let rest = follow_id
            .strip_prefix(&self.base)?
            .strip_prefix("/users/")?;
        let (name, tail) = rest.split_once('/')?;
        tail.starts_with("follows/").then(|| name.to_string())
    }
}

/// ISO 8601 UTC time of a millisecond timestamp.
pub fn iso8601(ms: Millis) -> String {
    let secs = (ms / 1000) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text as the HTML a Note carries: paragraphs and line breaks.
pub fn text_to_html(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", escape_html(p).replace('\n', "<br>")))
        .collect()
}

/// The actor document of a local account; `multikey` is its Ed25519 key as
/// `publicKeyMultibase` (FEP-521a), when it has one.
pub fn actor_document(
    urls: &Urls,
    account: &Account,
    public_pem: &str,
    multikey: Option<&str>,
) -> Value {
    let id = urls.actor(&account.username);
    let mut doc = json!({
        "@context": context(),
        "id": id,
        "type": "Person",
        "preferredUsername": account.username,
        "name": if account.display_name.is_empty() { &account.username } else { &account.display_name },
        "summary": text_to_html(&account.bio),
        "url": id,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "manuallyApprovesFollowers": true,
        "discoverable": false,
        "published": iso8601(account.created_ms),
        "publicKey": {
            "id": urls.key_id(&account.username),
            "owner": id,
            "publicKeyPem": public_pem,
        },
    });
    if let Some(mk) = multikey {
        doc["assertionMethod"] = json!([{
            "id": format!("{id}#ed25519-key"),
            "type": "Multikey",
            "controller": id,
            "publicKeyMultibase": mk,
        }]);
    }
    doc
}

/// The instance actor's document.
pub fn instance_actor_document(urls: &Urls, name: &str, public_pem: &str) -> Value {
    let id = urls.instance_actor();
    json!({
        "@context": context(),
        "id": id,
        "type": "Application",
        "preferredUsername": "camp",
        "name": name,
        "inbox": urls.shared_inbox(),
        "outbox": format!("{id}/outbox"),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "manuallyApprovesFollowers": true,
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": public_pem},
    })
}

/// The Note of a federable post. Callers check [`federable`] first. `in_reply_to` is
/// the parent's URL when the parent may be named outside (public, or remote).
pub fn note(urls: &Urls, post: &Post, author: &Account, in_reply_to: Option<&str>) -> Value {
    note_to(urls, post, author, in_reply_to, &[])
}

/// The Note of a post that leaves ([`reach`]), naming `mentioned`: a public one is
/// to the public and cc the followers; a followers-only one is to the followers
/// collection alone (no Public anywhere, as Mastodon and Hometown address it); a
/// direct one is to the accounts it names alone. Each named account is in `cc` (or
/// `to`, when direct) and in `tag` as a `Mention`.
pub fn note_to(
    urls: &Urls,
    post: &Post,
    author: &Account,
    in_reply_to: Option<&str>,
    mentioned: &[Mentioned],
) -> Value {
    let actor = urls.actor(&author.username);
    let followers = format!("{actor}/followers");
    let named: Vec<Value> = mentioned.iter().map(|m| json!(m.actor)).collect();
    let (to, cc) = match post.visibility {
        Visibility::Public => (json!([PUBLIC]), {
            let mut cc = vec![json!(followers)];
            cc.extend(named.iter().cloned());
            Value::Array(cc)
        }),
        Visibility::Followers => (json!([followers]), Value::Array(named.clone())),
        Visibility::Direct | Visibility::Camp => (Value::Array(named.clone()), json!([])),
    };
    let id = urls.note(&author.username, post.id);
    // A moderator's "sensitive" mark forces a content warning outside too, as inside.
    let cw = post
        .cw
        .clone()
        .or_else(|| author.sensitive.then(|| "sensitive content".to_string()));
    let mut note = json!({
        "id": id,
        "type": "Note",
        "attributedTo": actor,
        "content": text_to_html(&post.text),
        "published": iso8601(post.created_ms),
        "url": id,
        "to": to,
        "cc": cc,
        "sensitive": cw.is_some(),
    });
    if !mentioned.is_empty() {
        note["tag"] = mentioned
            .iter()
            .map(|m| json!({"type": "Mention", "href": m.actor, "name": m.handle}))
            .collect();
    }
    if let Some(cw) = &cw {
        note["summary"] = json!(cw);
    }
    if let Some(parent) = in_reply_to {
        note["inReplyTo"] = json!(parent);
    }
    if let Some(ms) = post.edited_ms {
        note["updated"] = json!(iso8601(ms));
    }
    note
}

/// `Create(Note)` of a federable post.
pub fn create(urls: &Urls, post: &Post, author: &Account, in_reply_to: Option<&str>) -> Value {
    create_to(urls, post, author, in_reply_to, &[])
}

/// `Create(Note)` of a post that leaves, naming `mentioned` (see [`note_to`]); the
/// activity is addressed as its object.
pub fn create_to(
    urls: &Urls,
    post: &Post,
    author: &Account,
    in_reply_to: Option<&str>,
    mentioned: &[Mentioned],
) -> Value {
    create_of(
        urls,
        author,
        note_to(urls, post, author, in_reply_to, mentioned),
    )
}

/// `Create` of `object` (a post's Note or Question) by the local `author`: its id is
/// the object's with `/activity`, addressed and dated as its object.
pub fn create_of(urls: &Urls, author: &Account, object: Value) -> Value {
    let actor = urls.actor(&author.username);
    json!({
        "@context": context(),
        "id": format!("{}/activity", object["id"].as_str().unwrap_or_default()),
        "type": "Create",
        "actor": actor,
        "published": object["published"],
        "to": object["to"],
        "cc": object["cc"],
        "object": object,
    })
}

/// An activity by a local actor about `object` (Follow, Accept, Reject, Undo).
pub fn activity(id: &str, kind: &str, actor: &str, object: Value) -> Value {
    json!({
        "@context": context(),
        "id": id,
        "type": kind,
        "actor": actor,
        "object": object,
    })
}

/// An ordered collection with its items.
pub fn collection(id: &str, total: usize, items: Vec<Value>) -> Value {
    json!({
        "@context": context(),
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total,
        "orderedItems": items,
    })
}

// ---- reading remote JSON, leniently ----

/// The id of a value that is either a URL string or an object with an `id`.
pub fn id_of(v: &Value) -> Option<&str> {
    let s = match v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }?;
    (s.len() <= MAX_URL && (s.starts_with("https://") || s.starts_with("http://"))).then_some(s)
}

/// Ids in a field that may be one value or an array.
pub fn ids_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .take(256)
            .filter_map(id_of)
            .map(str::to_string)
            .collect(),
        Some(v) => id_of(v).map(|s| vec![s.to_string()]).unwrap_or_default(),
        None => Vec::new(),
    }
}

/// The `type` (the first one, when an array).
pub fn type_of(v: &Value) -> Option<&str> {
    match v.get("type")? {
        Value::String(s) => Some(s),
        Value::Array(a) => a.first()?.as_str(),
        _ => None,
    }
}

/// True when a remote object is addressed to the public in `to` or `cc` (the full
/// URL, or the compact `as:Public` / `Public` that JSON-LD processors such as Fedify
/// write).
pub fn addressed_publicly(object: &Value) -> bool {
    let is_public = |v: &Value| matches!(v.as_str(), Some(PUBLIC | "as:Public" | "Public"));
    ["to", "cc"].iter().any(|f| match object.get(*f) {
        Some(Value::Array(a)) => a.iter().take(256).any(is_public),
        Some(v) => is_public(v),
        None => false,
    })
}

/// A short single-line string field, sanitized and cut to `max` characters.
pub fn short_text(v: Option<&Value>, max: usize) -> Option<String> {
    let s = v?.as_str()?;
    let clean = crate::text::sanitize_line(&s.chars().take(max * 4).collect::<String>());
    let cut: String = clean.chars().take(max).collect();
    (!cut.is_empty()).then_some(cut)
}

/// `host[:port]` of a URL.
pub fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|u| super::fetcher::host_header(&u))
        .filter(|h| !h.is_empty())
}

/// Reads a remote actor document fetched from `fetched_url`; the document's id
/// must be that URL. Fields are checked and bounded; the shadow id is left 0.
pub fn parse_actor(doc: &Value, fetched_url: &str, now: Millis) -> Option<RemoteActor> {
    let id = id_of(doc)?;
    if id != fetched_url {
        return None;
    }
    match type_of(doc)? {
        "Person" | "Service" | "Application" | "Group" | "Organization" => {}
        _ => return None,
    }
    let host = host_of(id)?;
    let inbox = id_of(doc.get("inbox")?)?.to_string();
    let shared_inbox = doc
        .get("endpoints")
        .and_then(|e| e.get("sharedInbox"))
        .and_then(id_of)
        .map(str::to_string);
    let username = doc.get("preferredUsername")?.as_str()?;
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return None;
    }
    let (key_id, pem) = public_key_of(doc, None)?;
    Some(RemoteActor {
        id: id.to_string(),
        shadow: 0,
        inbox,
        shared_inbox,
        username: username.to_string(),
        host,
        display_name: short_text(doc.get("name"), 60).unwrap_or_default(),
        key_id,
        public_key_pem: pem,
        fetched_ms: now,
    })
}

/// The RSA key in an actor document (`publicKey`, an object or an array), the one
/// with `key_id` when given; its owner must be the document.
pub fn public_key_of(doc: &Value, key_id: Option<&str>) -> Option<(String, String)> {
    let owner = id_of(doc)?;
    let keys: Vec<&Value> = match doc.get("publicKey")? {
        Value::Array(a) => a.iter().take(16).collect(),
        v => vec![v],
    };
    keys.into_iter().find_map(|k| {
        let id = id_of(k)?;
        if key_id.is_some_and(|want| want != id) {
            return None;
        }
        if k.get("owner").and_then(id_of).is_some_and(|o| o != owner) {
            return None;
        }
        let pem = k.get("publicKeyPem")?.as_str()?;
        (pem.len() < 16 * 1024).then(|| (id.to_string(), pem.to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Visibility;

    fn account(name: &str) -> Account {
        Account {
            id: 7,
            username: name.into(),
            display_name: String::new(),
            bio: String::new(),
            role: crate::model::Role::Camper,
            created_ms: 0,
            invited_by: None,
            invite_code: String::new(),
            coc_version: 1,
            suspended: false,
            silenced: false,
            sensitive: false,
        }
    }

    fn post(v: Visibility) -> Post {
        Post {
            id: 42,
            author: 7,
            text: "a <b> & c\n\nsecond".into(),
            cw: None,
            visibility: v,
            reply_to: None,
            mentions: vec![],
            created_ms: 1_700_000_000_000,
            edited_ms: None,
        }
    }

    #[test]
    fn addressing_follows_the_reach() {
        let urls = Urls::new("https://camp.test");
        let ana = account("ana");
        let followers = "https://camp.test/users/ana/followers";
        let zed = Mentioned {
            actor: "https://far.example/users/zed".into(),
            handle: "@zed@far.example".into(),
        };
        let names_public = |v: &Value| {
            ["to", "cc"]
                .iter()
                .any(|f| v[*f].to_string().contains("Public"))
        };
        let public = note_to(
            &urls,
            &post(Visibility::Public),
            &ana,
            None,
            std::slice::from_ref(&zed),
        );
        assert_eq!(public["to"], json!([PUBLIC]));
        assert_eq!(public["cc"], json!([followers, zed.actor]));
        assert_eq!(public["tag"][0]["type"], "Mention");
        let fo = note_to(&urls, &post(Visibility::Followers), &ana, None, &[]);
        assert_eq!(fo["to"], json!([followers]));
        assert_eq!(fo["cc"], json!([]));
        assert!(!names_public(&fo), "{fo}");
        let direct = note_to(
            &urls,
            &post(Visibility::Direct),
            &ana,
            None,
            std::slice::from_ref(&zed),
        );
        assert_eq!(direct["to"], json!([zed.actor]));
        assert!(!names_public(&direct) && !direct.to_string().contains(followers));
        assert_eq!(reach(&post(Visibility::Camp), &ana), None);
        assert_eq!(
            reach(&post(Visibility::Followers), &ana),
            Some(Reach::Followers)
        );
        let mut suspended = ana.clone();
        suspended.suspended = true;
        assert_eq!(reach(&post(Visibility::Direct), &suspended), None);
    }

    #[test]
    fn only_public_local_posts_are_federable() {
        let ana = account("ana");
        assert!(federable(&post(Visibility::Public), &ana));
        for v in [Visibility::Camp, Visibility::Followers, Visibility::Direct] {
            assert!(!federable(&post(v), &ana), "{v:?}");
        }
        let mut suspended = ana.clone();
        suspended.suspended = true;
        assert!(!federable(&post(Visibility::Public), &suspended));
        assert!(!federable(
            &post(Visibility::Public),
            &account("alice@peer")
        ));
        let mut other = post(Visibility::Public);
        other.author = 8;
        assert!(!federable(&other, &ana));
    }

    #[test]
    fn notes_escape_html_and_address_the_public() {
        let urls = Urls::new("https://camp.test/");
        let n = note(&urls, &post(Visibility::Public), &account("ana"), None);
        assert_eq!(n["id"], "https://camp.test/users/ana/posts/42");
        assert_eq!(n["content"], "<p>a &lt;b&gt; &amp; c</p><p>second</p>");
        assert_eq!(n["to"][0], PUBLIC);
        assert_eq!(n["published"], "2023-11-14T22:13:20Z");
        assert_eq!(
            urls.username_of("https://camp.test/users/ana").as_deref(),
            Some("ana")
        );
        assert_eq!(urls.username_of("https://camp.test/users/ana/inbox"), None);
        assert_eq!(urls.username_of("https://evil.test/users/ana"), None);
        assert_eq!(
            urls.username_of_follow("https://camp.test/users/ana/follows/9")
                .as_deref(),
            Some("ana")
        );
    }

    #[test]
    fn a_sensitive_author_s_notes_carry_a_content_warning() {
        let urls = Urls::new("https://camp.test");
        let mut ana = account("ana");
        let n = note(&urls, &post(Visibility::Public), &ana, None);
        assert_eq!(n["sensitive"], false);
        assert!(n.get("summary").is_none());
        ana.sensitive = true;
        let n = note(&urls, &post(Visibility::Public), &ana, None);
        assert_eq!(n["sensitive"], true);
        assert_eq!(n["summary"], "sensitive content");
        let mut own = post(Visibility::Public);
        own.cw = Some("spoilers".into());
        assert_eq!(note(&urls, &own, &ana, None)["summary"], "spoilers");
    }

    #[test]
    fn every_document_names_the_published_contexts_and_defines_only_camp_terms() {
        let urls = Urls::new("https://camp.test");
        let ana = account("ana");
        let p = post(Visibility::Public);
        let create = create(&urls, &p, &ana, None);
        let docs = [
            actor_document(&urls, &ana, "PEM", Some("z6Mk")),
            instance_actor_document(&urls, "camp", "PEM"),
            activity(
                "https://camp.test/a",
                "Follow",
                "https://camp.test/users/ana",
                json!("x"),
            ),
            collection(
                "https://camp.test/users/ana/outbox",
                1,
                vec![create.clone()],
            ),
            create,
        ];
        for d in &docs {
            assert_eq!(d["@context"], context(), "{d}");
        }
        let ctx = context();
        let inline = ctx
            .as_array()
            .and_then(|a| a.last())
            .and_then(Value::as_object)
            .expect("an inline term map last");
        // Terms of the protected DID, Multikey and data-integrity contexts (and of
        // security/v1) must never be defined again here.
        for term in [
            "assertionMethod",
            "Multikey",
            "controller",
            "publicKeyMultibase",
            "publicKey",
            "proof",
            "DataIntegrityProof",
        ] {
            assert!(!inline.contains_key(term), "{term} is redefined inline");
        }
    }

    #[test]
    fn remote_actors_are_read_leniently_but_checked() {
        let doc = json!({
            "@context": [AS_CONTEXT],
            "id": "http://peer.test/users/alice",
            "type": "Person",
            "preferredUsername": "alice",
            "name": "Alice\u{1b}[31m",
            "inbox": "http://peer.test/users/alice/inbox",
            "endpoints": {"sharedInbox": "http://peer.test/inbox"},
            "publicKey": [{"id": "http://peer.test/users/alice#main-key", "owner": "http://peer.test/users/alice", "publicKeyPem": "PEM"}],
        });
        let a = parse_actor(&doc, "http://peer.test/users/alice", 1).unwrap();
        assert_eq!(a.handle(), "alice@peer.test");
        assert_eq!(a.display_name, "Alice");
        assert_eq!(a.shared_inbox.as_deref(), Some("http://peer.test/inbox"));
        assert!(parse_actor(&doc, "http://other.test/users/alice", 1).is_none());
        let mut bad = doc.clone();
        bad["preferredUsername"] = json!("al ice");
        assert!(parse_actor(&bad, "http://peer.test/users/alice", 1).is_none());
        assert_eq!(ids_of(Some(&json!(PUBLIC))), vec![PUBLIC.to_string()]);
        assert!(addressed_publicly(&json!({"to": "as:Public"})));
        assert!(addressed_publicly(&json!({"to": [], "cc": [PUBLIC]})));
        assert!(!addressed_publicly(
            &json!({"to": ["https://peer.test/users/a/followers"], "cc": {"id": PUBLIC}})
        ));
        assert_eq!(
            ids_of(Some(&json!([PUBLIC, {"id": "https://x/y"}, 3]))).len(),
            2
        );
    }
}
