//! Every origin rule for inbound activities, in one pure function: given the
//! verified signer (the owner of the key that signed the request) and this camp's
//! own host, [`verify`] either vouches for an [`Activity`] or says which rule it
//! breaks. It does no I/O, so it is unit-tested and fuzzed as is; handlers only ever
//! receive a [`Verified`] activity, so no handler can skip it.
//!
//! The rules: the actor is the signer; the activity's id is on the actor's host (so
//! nobody can claim another server's ids, e.g. to pre-empt its Delete); the actor is
//! not one of ours; a post created or updated is on the actor's host and attributed
//! to the actor; only the actor's own objects are deleted; an Undo takes back the
//! actor's own activity; an Accept or Reject answers a follow of the actor; a Move
//! moves the actor. What a rule cannot decide without the store (is the object
//! stored as this actor's?) the service checks again (`Camp::update_remote_post`,
//! `Camp::remove_remote_post` match the stored author).

use thiserror::Error;

use super::parse::{Activity, Kind, Note, ObjectId, Updated};

/// Who vouches for a request: the key owner the signature check found, and the
/// host (`host[:port]`) of this camp's own ids.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The verified key owner (an actor URL).
    pub signer: &'a str,
    /// This camp's host.
    pub local_host: &'a str,
}

/// Which origin rule an activity breaks.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum VerifyError {
    /// The actor is not who signed the request.
    #[error("signed by {signer}, but the actor is {actor}")]
    NotSigner {
        /// The key owner.
        signer: String,
        /// The claimed actor.
        actor: String,
    },
    /// The actor claims to be one of this camp's own accounts.
    #[error("the actor {0} is on this camp's own host")]
    LocalActor(String),
    /// The activity's id is on another host than its actor.
    #[error("activity id {0} is not on the actor's host")]
    ForeignId(String),
    /// An object created, updated or deleted is on another host than the actor.
    #[error("object {0} is not on the actor's host")]
    ForeignObject(String),
    /// A post is attributed to someone other than the actor.
    #[error("object attributed to {0}, not to the actor")]
    NotAuthor(String),
    /// An Undo takes back someone else's activity.
    #[error("the undone activity {0} is not the actor's own")]
    NotOwnActivity(String),
    /// An Accept or Reject answers a follow of someone else.
    #[error("the follow answered was of {0}, not of the actor")]
    NotFollowee(String),
    /// A Move moves someone else.
    #[error("a Move of {0} sent by another actor")]
    NotMover(String),
    /// A boosted post its origin does not serve as public.
    #[error("boosted object {0} is not public")]
    NotPublic(String),
}

/// An activity that passed [`verify`]. Only this module makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified(Activity);

impl Verified {
    /// The verified activity.
    pub fn activity(&self) -> &Activity {
        &self.0
    }

    /// The verified actor.
    pub fn actor(&self) -> &ObjectId {
        &self.0.actor
    }

    /// The activity's id (on the actor's host).
    pub fn id(&self) -> &ObjectId {
        &self.0.id
    }

    /// What it does.
    pub fn kind(&self) -> &Kind {
        &self.0.kind
    }
}

/// Checks every origin rule of `activity` against `origin`.
pub fn verify(activity: Activity, origin: Origin<'_>) -> Result<Verified, VerifyError> {
    let actor = &activity.actor;
    if actor.as_str() != origin.signer {
        return Err(VerifyError::NotSigner {
            signer: origin.signer.to_string(),
            actor: actor.to_string(),
        });
    }
    if actor.host().eq_ignore_ascii_case(origin.local_host) {
        return Err(VerifyError::LocalActor(actor.to_string()));
    }
    if activity.id.host() != actor.host() {
        return Err(VerifyError::ForeignId(activity.id.to_string()));
    }
    match &activity.kind {
        Kind::Create(note) => own_note(note, actor)?,
        Kind::Update(Updated::Note(note)) => own_note(note, actor)?,
        // A profile update names the actor itself; anything else must be its own.
        Kind::Update(Updated::Other(id)) | Kind::Delete(id) => same_host(id, actor)?,
        Kind::Undo(inner) => {
            if inner.id.host() != actor.host() {
                return Err(VerifyError::NotOwnActivity(inner.id.to_string()));
            }
            match &inner.actor {
                Some(a) if a == actor => {}
                Some(a) => return Err(VerifyError::NotOwnActivity(a.to_string())),
                None if inner.embedded => {
                    return Err(VerifyError::NotOwnActivity(inner.id.to_string()));
                }
                None => {}
            }
        }
        Kind::Accept(f) | Kind::Reject(f) => {
            if let Some(followee) = &f.object
                && followee != actor
            {
                return Err(VerifyError::NotFollowee(followee.to_string()));
            }
        }
        Kind::Move { object, .. } => {
            if object != actor {
                return Err(VerifyError::NotMover(object.to_string()));
            }
        }
        // Naming someone else's object is what these do; what is named is checked
        // where it is used (an Announce's object is fetched from its own origin).
        Kind::Follow(_)
        | Kind::Like(_)
        | Kind::Announce(_)
        | Kind::Block(_)
        | Kind::Flag { .. }
        | Kind::Unknown(_) => {}
    }
    Ok(Verified(activity))
}

/// A post is believed only from its own origin: the author's server, by the author.
fn own_note(note: &Note, actor: &ObjectId) -> Result<(), VerifyError> {
    same_host(&note.id, actor)?;
    if &note.attributed_to != actor {
        return Err(VerifyError::NotAuthor(note.attributed_to.to_string()));
    }
    Ok(())
}

fn same_host(id: &ObjectId, actor: &ObjectId) -> Result<(), VerifyError> {
    if id.host() != actor.host() {
        return Err(VerifyError::ForeignObject(id.to_string()));
    }
    Ok(())
}

/// Checks a post fetched for a boost: it must be public and served by its author's
/// server under the id asked for (`url`). Pure, like [`verify`].
pub fn boosted_note(note: &Note, url: &str) -> Result<(), VerifyError> {
    if note.id.as_str() != url {
        return Err(VerifyError::ForeignObject(note.id.to_string()));
    }
    if note.attributed_to.host() != note.id.host() {
        return Err(VerifyError::NotAuthor(note.attributed_to.to_string()));
    }
    if !note.addressing.public {
        return Err(VerifyError::NotPublic(note.id.to_string()));
    }
    Ok(())
}
