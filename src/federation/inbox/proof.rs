//! Object integrity proofs on what arrives (FEP-8b32, `eddsa-jcs-2022`). A proof is
//! a second signature, inside the body: when an activity carries one, it must hold,
//! or the activity is refused like a bad HTTP signature (401). The key it names
//! (`verificationMethod`) is believed by the keyring's rule: it must be listed under
//! `assertionMethod` in the activity actor's *own* document (fetched from the
//! actor's id, or the copy the signature check just fetched), as a `Multikey` whose
//! controller, if named, is the actor. A method on another document or of another
//! actor is a mismatch, refused.
//!
//! Proofs of other cryptosuites are not ours to check (camp cannot verify them) and
//! are left alone; the HTTP signature still stands for the request.
//!
//! [`check`] is the entry point; [`verify_with_doc`] is the pure part.

use ed25519_dalek::VerifyingKey;
use serde_json::Value;
use thiserror::Error;

use crate::federation::{Bridge, proofs, wire};

/// Most proofs looked at on one activity.
const MAX_PROOFS: usize = 4;

/// Why a proof was refused (for logs; the sender gets a 401).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProofError {
    /// A field the check needs is missing or malformed.
    #[error("malformed proof: {0}")]
    Malformed(&'static str),
    /// The method is not a key of the activity's actor.
    #[error("the proof's key {0} is not the actor's")]
    NotActorsKey(String),
    /// The actor's document could not be had.
    #[error("the actor's document: {0}")]
    NoDocument(String),
    /// The signature does not hold.
    #[error("the proof does not verify")]
    Invalid,
}

/// The `eddsa-jcs-2022` proofs on `activity` (one object or a set), at most
/// [`MAX_PROOFS`]; others are skipped.
fn our_proofs(activity: &Value) -> Result<Vec<&Value>, ProofError> {
    let all: Vec<&Value> = match activity.get("proof") {
        None => return Ok(Vec::new()),
        Some(Value::Array(a)) if a.len() <= MAX_PROOFS => a.iter().collect(),
        Some(Value::Array(_)) => return Err(ProofError::Malformed("too many proofs")),
        Some(v @ Value::Object(_)) => vec![v],
        Some(_) => return Err(ProofError::Malformed("proof is not an object")),
    };
    Ok(all
        .into_iter()
        .filter(|p| p.get("cryptosuite").and_then(Value::as_str) == Some("eddsa-jcs-2022"))
        .collect())
}

/// The Ed25519 key `vm` as the actor document `doc` lists it under
/// `assertionMethod` (a Multikey, controlled by the document's actor if a
/// controller is named).
pub fn listed_multikey(doc: &Value, vm: &str) -> Option<VerifyingKey> {
    let actor = wire::id_of(doc)?;
    let listed: Vec<&Value> = match doc.get("assertionMethod")? {
        Value::Array(a) => a.iter().take(16).collect(),
        v => vec![v],
    };
    let entry = listed
        .into_iter()
        .find(|k| k.get("id").and_then(Value::as_str) == Some(vm))?;
    if let Some(c) = entry.get("controller")
        && wire::id_of(c) != Some(actor)
    {
        return None;
    }
    let mb = entry.get("publicKeyMultibase")?.as_str()?;
    let bytes = proofs::base58_decode(mb.strip_prefix('z')?)?;
    let raw: [u8; 32] = bytes.strip_prefix(&[0xed, 0x01])?.try_into().ok()?;
    VerifyingKey::from_bytes(&raw).ok()
}

/// Checks every `eddsa-jcs-2022` proof on `activity` by `actor`, whose own actor
/// document is `doc`: each method must be on that document, listed there, and its
/// signature must hold over the activity.
pub fn verify_with_doc(activity: &Value, actor: &str, doc: &Value) -> Result<(), ProofError> {
    for proof in our_proofs(activity)? {
        let vm = proof
            .get("verificationMethod")
            .and_then(Value::as_str)
            .ok_or(ProofError::Malformed("no verificationMethod"))?;
        if vm.split('#').next() != Some(actor) || wire::id_of(doc) != Some(actor) {
            return Err(ProofError::NotActorsKey(vm.to_string()));
        }
        if proof.get("proofPurpose").and_then(Value::as_str) != Some("assertionMethod") {
            return Err(ProofError::Malformed("proofPurpose is not assertionMethod"));
        }
        let key =
            listed_multikey(doc, vm).ok_or_else(|| ProofError::NotActorsKey(vm.to_string()))?;
        let mut single = activity.clone();
        single["proof"] = proof.clone();
        if !proofs::verify(&single, &key) {
            return Err(ProofError::Invalid);
        }
    }
    Ok(())
}

/// Checks the proofs of `body` (an activity by `actor`, already verified as the
/// HTTP signer). Without an Ed25519 proof this costs nothing; with one, the actor's
/// document comes from the key cache's copy or one guarded fetch.
pub async fn check(bridge: &Bridge, actor: &str, body: &[u8]) -> Result<(), ProofError> {
    // Cheap first look: most activities carry no proof at all.
    if !body.windows(7).any(|w| w == b"\"proof\"") {
        return Ok(());
    }
    let activity: Value =
        serde_json::from_slice(body).map_err(|_| ProofError::Malformed("not JSON"))?;
    if our_proofs(&activity)?.is_empty() {
        return Ok(());
    }
    let doc = match bridge.cached_actor_doc(actor) {
        Some(doc) => doc,
        None => bridge
            .fetch_ap(actor)
            .await
            .map_err(|e| ProofError::NoDocument(e.to_string()))?,
    };
    verify_with_doc(&activity, actor, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ACTOR: &str = "https://far.example/users/zed";

    fn doc_with(key: &ed25519_dalek::SigningKey, controller: &str) -> Value {
        json!({
            "id": ACTOR, "type": "Person",
            "assertionMethod": [{
                "id": format!("{ACTOR}#ed25519-key"), "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": proofs::multikey(&key.verifying_key()),
            }],
        })
    }

    fn create() -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{ACTOR}/posts/1/activity"), "type": "Create", "actor": ACTOR,
            "object": {"id": format!("{ACTOR}/posts/1"), "type": "Note", "content": "hi"},
        })
    }

    fn signed(key: &ed25519_dalek::SigningKey, vm: &str) -> Value {
        proofs::attach(create(), key, vm, "2026-01-01T00:00:00Z")
    }

    #[test]
    fn a_good_proof_by_the_actors_listed_key_is_accepted() {
        let key = proofs::signing_key(&[3u8; 32]).unwrap();
        let doc = doc_with(&key, ACTOR);
        let vm = format!("{ACTOR}#ed25519-key");
        assert_eq!(verify_with_doc(&signed(&key, &vm), ACTOR, &doc), Ok(()));
        // No proof, or another suite: nothing to check here.
        assert_eq!(verify_with_doc(&create(), ACTOR, &doc), Ok(()));
        let mut other = signed(&key, &vm);
        other["proof"]["cryptosuite"] = json!("eddsa-rdfc-2022");
        assert_eq!(verify_with_doc(&other, ACTOR, &doc), Ok(()));
    }

    #[test]
    fn bad_or_mismatched_proofs_are_refused() {
        let key = proofs::signing_key(&[3u8; 32]).unwrap();
        let doc = doc_with(&key, ACTOR);
        let vm = format!("{ACTOR}#ed25519-key");
        // The body changed after signing.
        let mut changed = signed(&key, &vm);
        changed["object"]["content"] = json!("bye");
        assert_eq!(
            verify_with_doc(&changed, ACTOR, &doc),
            Err(ProofError::Invalid)
        );
        // Signed by another key than the one listed.
        let other = proofs::signing_key(&[4u8; 32]).unwrap();
        assert_eq!(
            verify_with_doc(&signed(&other, &vm), ACTOR, &doc),
            Err(ProofError::Invalid)
        );
        // A method on another actor's document, or not listed, or controlled by
        // someone else.
        let foreign = "https://far.example/users/mallory#ed25519-key";
        assert!(matches!(
            verify_with_doc(&signed(&key, foreign), ACTOR, &doc),
            Err(ProofError::NotActorsKey(_))
        ));
        let unlisted = format!("{ACTOR}#other-key");
        assert!(matches!(
            verify_with_doc(&signed(&key, &unlisted), ACTOR, &doc),
            Err(ProofError::NotActorsKey(_))
        ));
        let stolen = doc_with(&key, "https://far.example/users/mallory");
        assert!(matches!(
            verify_with_doc(&signed(&key, &vm), ACTOR, &stolen),
            Err(ProofError::NotActorsKey(_))
        ));
        // A proof that is not an object, and a flood of proofs.
        let mut junk = create();
        junk["proof"] = json!("z123");
        assert!(matches!(
            verify_with_doc(&junk, ACTOR, &doc),
            Err(ProofError::Malformed(_))
        ));
        let mut many = create();
        many["proof"] = json!([{}, {}, {}, {}, {}]);
        assert!(matches!(
            verify_with_doc(&many, ACTOR, &doc),
            Err(ProofError::Malformed(_))
        ));
    }
}
