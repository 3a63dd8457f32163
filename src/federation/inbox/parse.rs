//! Inbound JSON, parsed once into typed activities. These are wire types: they say
//! what a remote server claimed, nothing more, and [`super::verify`] decides whether
//! to believe it. Every field from outside is validated, bounded and sanitized here,
//! where it enters, so no handler digs into raw JSON or prints an unchecked string:
//! ids are printable-ASCII http(s) URLs of bounded length, content is HTML turned
//! into sanitized text ([`crate::federation::html::to_text`]), names and content
//! warnings are single sanitized lines ([`crate::text::sanitize_line`]).

use serde_json::Value;
use thiserror::Error;

use crate::federation::html;
use crate::federation::wire::{self, MAX_REMOTE_TEXT, MAX_URL, PUBLIC};

/// Most addressees (`to`, `cc`, `bto`, `bcc` together) an activity or object may
/// carry; more is refused rather than cut, so nobody is silently left out or in.
pub const MAX_ADDRESSEES: usize = 1024;
/// Attachments kept from one post (more are ignored).
pub const MAX_ATTACHMENTS: usize = 8;
/// Objects a `Flag` may name.
pub const MAX_FLAG_OBJECTS: usize = 64;
/// Longest attachment description kept, in characters.
pub const MAX_ALT_CHARS: usize = 200;
/// Longest content warning kept, in characters.
pub const MAX_CW_CHARS: usize = 100;
/// Longest `user@host` label of a boosted author, in characters.
pub const MAX_LABEL_CHARS: usize = 100;

/// Why a body is not a usable activity (answered 400).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON at all.
    #[error("not JSON")]
    Json,
    /// JSON, but not an object.
    #[error("not a JSON object")]
    NotObject,
    /// A field that must be there is missing or not usable.
    #[error("missing or invalid {0}")]
    Field(&'static str),
    /// A list longer than camp accepts.
    #[error("too many {0}")]
    TooMany(&'static str),
    /// An Undo of an Undo (or deeper): nothing sends that.
    #[error("nested Undo")]
    NestedUndo,
}

/// The id of an ActivityPub object: an absolute http(s) URL of at most
/// [`MAX_URL`] bytes, printable ASCII only (so it can be shown and compared as is),
/// with a host. The raw string is kept: ids are compared exactly as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectId {
    url: String,
    host: String,
}

impl ObjectId {
    /// Checks `s` and keeps it, or None.
    pub fn parse(s: &str) -> Option<ObjectId> {
        if s.len() > MAX_URL
            || !(s.starts_with("https://") || s.starts_with("http://"))
            || !s.bytes().all(|b| b.is_ascii_graphic())
        {
            return None;
        }
        let host = wire::host_of(s)?;
        Some(ObjectId {
            url: s.to_string(),
            host,
        })
    }

    /// The id of a value that is a URL string or an object with an `id`.
    pub fn from_value(v: &Value) -> Option<ObjectId> {
        match v {
            Value::String(s) => ObjectId::parse(s),
            Value::Object(o) => o
                .get("id")
                .and_then(Value::as_str)
                .and_then(ObjectId::parse),
            _ => None,
        }
    }

    /// The URL as sent.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// `host[:port]`, lower-case.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// A short `name@host` for showing who this actor is without fetching it: the
    /// last path segment of the URL (printable ASCII already), cut and sanitized.
    pub fn label(&self) -> String {
        let path = self.url.split(['?', '#']).next().unwrap_or_default();
        let name = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        let raw = format!("{name}@{}", self.host);
        crate::text::sanitize_line(&raw)
            .chars()
            .take(MAX_LABEL_CHARS)
            .collect()
    }
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

/// Who an object or activity is addressed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addressing {
    /// Addressed to the public collection (full URL, `as:Public` or `Public`).
    pub public: bool,
    /// Every other addressee with a usable id (actors and collections).
    pub targets: Vec<ObjectId>,
}

impl Addressing {
    fn is_empty(&self) -> bool {
        !self.public && self.targets.is_empty()
    }
}

/// A file attached to a post: its description and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Sanitized description (or "attachment").
    pub name: String,
    /// Where the file is.
    pub url: ObjectId,
    /// The declared `mediaType` (a bounded string, unchecked: a claim).
    pub media_type: String,
    /// The post says its media are `sensitive` (hidden until revealed). Kept on each
    /// attachment rather than on the post, which stays small.
    pub sensitive: bool,
}

/// A post (`Note`, `Article`, `Page` or `Question`), sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Its id.
    pub id: ObjectId,
    /// Who it says wrote it (the first entry when a list).
    pub attributed_to: ObjectId,
    /// The content as sanitized plain text, at most [`MAX_REMOTE_TEXT`] characters.
    pub text: String,
    /// The content warning, one sanitized line.
    pub summary: Option<String>,
    /// Attachments, at most [`MAX_ATTACHMENTS`].
    pub attachments: Vec<Attachment>,
    /// What it answers.
    pub in_reply_to: Option<ObjectId>,
    /// Who it is addressed to (the object's own `to`/`cc`; the activity's when the
    /// object has none).
    pub addressing: Addressing,
    /// Its `name`, one sanitized line: on a note answering a poll, the choice voted.
    pub name: Option<String>,
    /// The poll of a `Question` (choices sanitized and capped).
    pub poll: Option<Box<crate::camp::IncomingPoll>>,
}

/// The Follow an Accept or Reject answers, as much as the sender told of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowRef {
    /// The Follow's id.
    pub id: Option<ObjectId>,
    /// Who followed (one of ours, for an answer camp cares about).
    pub actor: Option<ObjectId>,
    /// Who was followed (must be the answering actor).
    pub object: Option<ObjectId>,
}

/// What kind of activity an Undo takes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoneKind {
    /// A Follow (of `object`, when embedded with one).
    Follow(Option<ObjectId>),
    /// A boost.
    Announce,
    /// A favourite.
    Like,
    /// A block.
    Block,
    /// Another type, named.
    Other(String),
    /// Only the id was sent.
    Unknown,
}

/// The activity an Undo takes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undone {
    /// Its id.
    pub id: ObjectId,
    /// Its kind.
    pub kind: UndoneKind,
    /// Its actor, when embedded.
    pub actor: Option<ObjectId>,
    /// True when the activity was embedded (then its actor must be given).
    pub embedded: bool,
}

/// What an Update changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updated {
    /// A post.
    Note(Box<Note>),
    /// Something else (an actor's profile, a collection): only its id is kept.
    Other(ObjectId),
}

/// The activity types camp reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A new post.
    Create(Note),
    /// An edit.
    Update(Updated),
    /// Removal of the named object.
    Delete(ObjectId),
    /// A request to follow the named actor.
    Follow(ObjectId),
    /// A follow accepted.
    Accept(FollowRef),
    /// A follow refused.
    Reject(FollowRef),
    /// Taking back an earlier activity.
    Undo(Undone),
    /// A favourite of the named object.
    Like(ObjectId),
    /// A boost of the named object (never trusted as embedded).
    Announce(ObjectId),
    /// A block of the named actor.
    Block(ObjectId),
    /// A report about the named objects, with the reporter's comment.
    Flag {
        /// What is reported (actors and posts).
        objects: Vec<ObjectId>,
        /// The comment, sanitized.
        content: String,
    },
    /// An account moved from `object` to `target`.
    Move {
        /// The account moving.
        object: ObjectId,
        /// Where it went.
        target: ObjectId,
    },
    /// Any other type: answered 202 and dropped.
    Unknown(String),
}

impl Kind {
    /// The type's name, for logs.
    pub fn name(&self) -> &str {
        match self {
            Kind::Create(_) => "Create",
            Kind::Update(_) => "Update",
            Kind::Delete(_) => "Delete",
            Kind::Follow(_) => "Follow",
            Kind::Accept(_) => "Accept",
            Kind::Reject(_) => "Reject",
            Kind::Undo(_) => "Undo",
            Kind::Like(_) => "Like",
            Kind::Announce(_) => "Announce",
            Kind::Block(_) => "Block",
            Kind::Flag { .. } => "Flag",
            Kind::Move { .. } => "Move",
            Kind::Unknown(t) => t,
        }
    }
}

/// One inbound activity as claimed by its sender (not yet verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// The activity's id.
    pub id: ObjectId,
    /// Who claims to do it.
    pub actor: ObjectId,
    /// What it does.
    pub kind: Kind,
}

/// Parses an inbox body.
pub fn parse(body: &[u8]) -> Result<Activity, ParseError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| ParseError::Json)?;
    activity(&v)
}

/// The claimed actor of a body, read without parsing the rest (for refusing blocked
/// servers before any work). Only ever used to refuse.
pub fn claimed_actor(body: &[u8]) -> Option<ObjectId> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("actor").and_then(ObjectId::from_value)
}

/// Parses an activity from JSON.
pub fn activity(v: &Value) -> Result<Activity, ParseError> {
    if !v.is_object() {
        return Err(ParseError::NotObject);
    }
    let id = field_id(v, "id")?;
    let actor = field_id(v, "actor")?;
    let object = v.get("object");
    let kind = match type_name(v).ok_or(ParseError::Field("type"))? {
        "Create" => {
            let object = object.ok_or(ParseError::Field("object"))?;
            if !is_note(object) {
                // Videos, chat messages, or only an id (camp never fetches a Create's
                // object): nothing camp shows, so dropped like an unknown type.
                return Ok(Activity {
                    id,
                    actor,
                    kind: Kind::Unknown("Create of something not a post".into()),
                });
            }
            let mut note = note(object)?;
            if note.addressing.is_empty() {
                note.addressing = addressing(v)?;
            }
            Kind::Create(note)
        }
        "Update" => {
            let object = object.ok_or(ParseError::Field("object"))?;
            if is_note(object) {
                Kind::Update(Updated::Note(Box::new(note(object)?)))
            } else {
                Kind::Update(Updated::Other(object_id(object)?))
            }
        }
        "Delete" => Kind::Delete(object_id(object.ok_or(ParseError::Field("object"))?)?),
        "Follow" => Kind::Follow(object_id(object.ok_or(ParseError::Field("object"))?)?),
        "Accept" => Kind::Accept(follow_ref(object.ok_or(ParseError::Field("object"))?)?),
        "Reject" => Kind::Reject(follow_ref(object.ok_or(ParseError::Field("object"))?)?),
        "Undo" => Kind::Undo(undone(object.ok_or(ParseError::Field("object"))?)?),
        "Like" => Kind::Like(object_id(object.ok_or(ParseError::Field("object"))?)?),
        "Announce" => Kind::Announce(object_id(object.ok_or(ParseError::Field("object"))?)?),
        "Block" => Kind::Block(object_id(object.ok_or(ParseError::Field("object"))?)?),
        "Flag" => {
            let objects = ids(object, "object", MAX_FLAG_OBJECTS)?;
            if objects.is_empty() {
                return Err(ParseError::Field("object"));
            }
            Kind::Flag {
                objects,
                content: long_text(v.get("content"), MAX_REMOTE_TEXT),
            }
        }
        "Move" => Kind::Move {
            object: object_id(object.ok_or(ParseError::Field("object"))?)?,
            target: field_id(v, "target")?,
        },
        other => Kind::Unknown(crate::text::sanitize_line(
            &other.chars().take(64).collect::<String>(),
        )),
    };
    Ok(Activity { id, actor, kind })
}

/// Parses a post fetched or embedded (its type must be a post type).
pub fn note(v: &Value) -> Result<Note, ParseError> {
    if !is_note(v) {
        return Err(ParseError::Field("object type"));
    }
    let id = field_id(v, "id")?;
    let attributed_to = match v.get("attributedTo") {
        Some(Value::Array(a)) => a.iter().find_map(ObjectId::from_value),
        Some(other) => ObjectId::from_value(other),
        None => None,
    }
    .ok_or(ParseError::Field("attributedTo"))?;
    let text = long_text(v.get("content"), MAX_REMOTE_TEXT);
    let summary = wire::short_text(v.get("summary"), MAX_CW_CHARS);
    let sensitive = v.get("sensitive").and_then(Value::as_bool).unwrap_or(false);
    let attachments = match v.get("attachment") {
        Some(Value::Array(a)) => a
            .iter()
            .take(MAX_ATTACHMENTS)
            .filter_map(|one| attachment(one, sensitive))
            .collect(),
        Some(one) => attachment(one, sensitive).into_iter().collect(),
        None => Vec::new(),
    };
    let in_reply_to = v.get("inReplyTo").and_then(ObjectId::from_value);
    Ok(Note {
        id,
        attributed_to,
        text,
        summary,
        attachments,
        in_reply_to,
        addressing: addressing(v)?,
        name: wire::short_text(v.get("name"), crate::camp::polls::MAX_OPTION_CHARS * 2),
        poll: crate::federation::polls::incoming(v).map(Box::new),
    })
}

fn attachment(v: &Value, sensitive: bool) -> Option<Attachment> {
    let url = match v.get("url")? {
        // `url` may be a Link object with `href`.
        Value::Object(o) => o
            .get("href")
            .and_then(Value::as_str)
            .and_then(ObjectId::parse),
        Value::Array(a) => a.iter().find_map(|u| match u {
            Value::Object(o) => o
                .get("href")
                .and_then(Value::as_str)
                .and_then(ObjectId::parse),
            other => ObjectId::from_value(other),
        }),
        other => ObjectId::from_value(other),
    }?;
    let name =
        wire::short_text(v.get("name"), MAX_ALT_CHARS).unwrap_or_else(|| "attachment".into());
    let media_type = v
        .get("mediaType")
        .and_then(Value::as_str)
        .filter(|t| t.len() <= 100)
        .unwrap_or_default()
        .to_string();
    Some(Attachment {
        name,
        url,
        media_type,
        sensitive,
    })
}

fn is_note(v: &Value) -> bool {
    matches!(type_name(v), Some("Note" | "Article" | "Question" | "Page"))
}

/// The `type` (the first one, when an array).
fn type_name(v: &Value) -> Option<&str> {
    wire::type_of(v)
}

fn field_id(v: &Value, field: &'static str) -> Result<ObjectId, ParseError> {
    v.get(field)
        .and_then(ObjectId::from_value)
        .ok_or(ParseError::Field(field))
}

fn object_id(v: &Value) -> Result<ObjectId, ParseError> {
    ObjectId::from_value(v).ok_or(ParseError::Field("object"))
}

/// Ids in a field that may be one value or a list of at most `max`.
fn ids(v: Option<&Value>, field: &'static str, max: usize) -> Result<Vec<ObjectId>, ParseError> {
    Ok(match v {
        Some(Value::Array(a)) => {
            if a.len() > max {
                return Err(ParseError::TooMany(field));
            }
            a.iter().filter_map(ObjectId::from_value).collect()
        }
        Some(one) => ObjectId::from_value(one).into_iter().collect(),
        None => Vec::new(),
    })
}

/// `to`, `cc`, `bto` and `bcc` together.
fn addressing(v: &Value) -> Result<Addressing, ParseError> {
    let is_public = |e: &Value| {
        let s = match e {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("id").and_then(Value::as_str),
            _ => None,
        };
        matches!(s, Some(PUBLIC | "as:Public" | "Public"))
    };
    let mut out = Addressing::default();
    let mut seen = 0usize;
    for field in ["to", "cc", "bto", "bcc"] {
        let entries: &[Value] = match v.get(field) {
            Some(Value::Array(a)) => a,
            Some(one) => std::slice::from_ref(one),
            None => &[],
        };
        seen += entries.len();
        if seen > MAX_ADDRESSEES {
            return Err(ParseError::TooMany("addressees"));
        }
        for e in entries {
            if is_public(e) {
                out.public = true;
            } else if let Some(id) = ObjectId::from_value(e)
                && !out.targets.contains(&id)
            {
                out.targets.push(id);
            }
        }
    }
    Ok(out)
}

/// A field of remote HTML as sanitized plain text of at most `max` characters.
fn long_text(v: Option<&Value>, max: usize) -> String {
    let html = v.and_then(Value::as_str).unwrap_or("");
    html::to_text(html).chars().take(max).collect()
}

fn follow_ref(v: &Value) -> Result<FollowRef, ParseError> {
    match v {
        Value::Object(_) => Ok(FollowRef {
            id: v.get("id").and_then(ObjectId::from_value),
            actor: v.get("actor").and_then(ObjectId::from_value),
            object: v.get("object").and_then(ObjectId::from_value),
        }),
        other => Ok(FollowRef {
            id: Some(object_id(other)?),
            actor: None,
            object: None,
        }),
    }
}

fn undone(v: &Value) -> Result<Undone, ParseError> {
    let id = object_id(v)?;
    if !v.is_object() {
        return Ok(Undone {
            id,
            kind: UndoneKind::Unknown,
            actor: None,
            embedded: false,
        });
    }
    let kind = match type_name(v) {
        Some("Follow") => UndoneKind::Follow(v.get("object").and_then(ObjectId::from_value)),
        Some("Announce") => UndoneKind::Announce,
        Some("Like") => UndoneKind::Like,
        Some("Block") => UndoneKind::Block,
        Some("Undo") => return Err(ParseError::NestedUndo),
        Some(other) => UndoneKind::Other(crate::text::sanitize_line(
            &other.chars().take(64).collect::<String>(),
        )),
        None => UndoneKind::Unknown,
    };
    Ok(Undone {
        id,
        kind,
        actor: v.get("actor").and_then(ObjectId::from_value),
        embedded: true,
    })
}
