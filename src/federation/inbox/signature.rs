//! Who signed an inbox request: draft-cavage or RFC 9421 HTTP signatures, checked
//! against the signer's key (fetched and cached by the bridge). Anything unverifiable
//! is refused, so Fedify's "double knock" retries with the other scheme.
//!
//! The body's hash may come as `Digest` (draft-cavage's companion) or as RFC 9530
//! `Content-Digest` (what newer servers send with either scheme): whichever the
//! signature covers is checked, and a body whose hash no signed header carries is
//! refused.

use std::time::SystemTime;

use axum::http::HeaderMap;
use thiserror::Error;

use crate::federation::signatures::{self, ParsedSignature, SigError};
use crate::federation::{Bridge, rfc9421};

/// Why a request's signature was not accepted (for logs; the sender gets a 401).
#[derive(Debug, Error)]
pub enum Unverified {
    /// No signature at all.
    #[error("unsigned request")]
    Unsigned,
    /// A header the checks need is absent.
    #[error("no {0} header")]
    MissingHeader(&'static str),
    /// The signature or a header it covers does not hold.
    #[error(transparent)]
    Signature(#[from] SigError),
    /// The signing key could not be had.
    #[error("key: {0}")]
    Key(String),
    /// This camp's own origin is unusable (a configuration error).
    #[error("public origin: {0}")]
    Origin(String),
}

/// The request's header `name`, all its values joined with ", ".
pub fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Checks the request's signature; the verified key owner (an actor URL) on success.
pub async fn verify_request(
    bridge: &Bridge,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, Unverified> {
    if let Some(input) = header_value(headers, "signature-input") {
        return verify_rfc9421(bridge, method, path, headers, body, &input).await;
    }
    let raw = header_value(headers, "signature").ok_or(Unverified::Unsigned)?;
    let sig: ParsedSignature = signatures::parse_signature(&raw)?;
    // The body's hash is required below, under either header name.
    sig.check_coverage(false)?;
    let date = header_value(headers, "date").ok_or(Unverified::MissingHeader("Date"))?;
    signatures::check_date(&date, SystemTime::now())?;
    if !body.is_empty() || method == "POST" {
        check_body_digest(&sig, headers, body)?;
    }
    let message = sig.signing_string(method, path, |h| header_value(headers, h))?;
    verify_with_key(bridge, &sig, &message).await
}

/// The body must hash to every digest header the signature covers, and at least one
/// (`Digest` or `Content-Digest`) must be covered.
fn check_body_digest(
    sig: &ParsedSignature,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Unverified> {
    let covers = |h: &str| sig.headers.iter().any(|x| x == h);
    let mut checked = false;
    if covers("digest") {
        let digest = header_value(headers, "digest").ok_or(Unverified::MissingHeader("Digest"))?;
        signatures::check_digest(&digest, body)?;
        checked = true;
    }
    if covers("content-digest") {
        let digest = header_value(headers, "content-digest")
            .ok_or(Unverified::MissingHeader("Content-Digest"))?;
        rfc9421::check_content_digest(&digest, body)?;
        checked = true;
    }
    if !checked {
        return Err(SigError::NotCovered("digest").into());
    }
    Ok(())
}

async fn verify_rfc9421(
    bridge: &Bridge,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    input: &str,
) -> Result<String, Unverified> {
    let raw = header_value(headers, "signature").ok_or(Unverified::MissingHeader("Signature"))?;
    let sig = rfc9421::parse(input, &raw)?;
    sig.check(!body.is_empty() || method == "POST", SystemTime::now())?;
    if sig.components.iter().any(|c| c == "content-digest") {
        let digest = header_value(headers, "content-digest")
            .ok_or(Unverified::MissingHeader("Content-Digest"))?;
        rfc9421::check_content_digest(&digest, body)?;
    }
    let base_url =
        url::Url::parse(bridge.urls().base()).map_err(|e| Unverified::Origin(e.to_string()))?;
    let authority = header_value(headers, "host").unwrap_or_else(|| bridge.urls().host());
    let target = rfc9421::Target {
        method,
        scheme: base_url.scheme(),
        authority: &authority,
        path_and_query: path,
    };
    let message = sig.base(target, |h| header_value(headers, h))?;
    let as_rsa = ParsedSignature {
        key_id: sig.key_id.clone(),
        algorithm: None,
        headers: Vec::new(),
        signature: sig.signature.clone(),
    };
    verify_with_key(bridge, &as_rsa, &message).await
}

/// Checks `message` against the key `sig` names; a key that fails is fetched again
/// once (it may have rotated). The key's owner on success.
async fn verify_with_key(
    bridge: &Bridge,
    sig: &ParsedSignature,
    message: &str,
) -> Result<String, Unverified> {
    let mut refreshed = false;
    loop {
        let key = bridge
            .key(&sig.key_id, refreshed)
            .await
            .map_err(Unverified::Key)?;
        let public = signatures::public_key(&key.pem)?;
        match sig.verify(&public, message) {
            Ok(()) => return Ok(key.owner),
            Err(_) if !refreshed => refreshed = true,
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64, Encoding};
    use sha2::{Digest as _, Sha256};

    fn sig(headers: &str) -> ParsedSignature {
        signatures::parse_signature(&format!(
            "keyId=\"https://peer.test/a#k\",headers=\"{headers}\",signature=\"AAAA\""
        ))
        .unwrap()
    }

    fn with(name: &'static str, value: String) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, value.parse().unwrap());
        h
    }

    #[test]
    fn either_digest_header_is_accepted_when_signed() {
        let body = br#"{"type":"Follow"}"#;
        let content_digest = format!("sha-256=:{}:", Base64::encode_string(&Sha256::digest(body)));
        let cd = with("content-digest", content_digest.clone());
        let covered = sig("(request-target) host date content-digest");
        check_body_digest(&covered, &cd, body).unwrap();
        // The wrong body, or the header not signed: refused.
        assert!(check_body_digest(&covered, &cd, b"other").is_err());
        let uncovered = sig("(request-target) host date");
        assert!(check_body_digest(&uncovered, &cd, body).is_err());
        // Signed but absent.
        assert!(check_body_digest(&covered, &HeaderMap::new(), body).is_err());
        // Classic Digest still works; both signed means both must hold.
        let d = with("digest", signatures::digest_header(body));
        check_body_digest(&sig("(request-target) date digest"), &d, body).unwrap();
        let mut both = d.clone();
        both.insert("content-digest", "sha-256=:AAAA:".parse().unwrap());
        assert!(
            check_body_digest(
                &sig("(request-target) date digest content-digest"),
                &both,
                body
            )
            .is_err()
        );
    }
}
