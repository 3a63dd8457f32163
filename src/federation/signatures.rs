//! HTTP signatures, draft-cavage-12 `rsa-sha256` (what Mastodon and Fedify speak):
//! signing outgoing requests over `(request-target) host date [digest content-type]`,
//! and the pure parts of verifying incoming ones (header parsing, the signing string,
//! Date window, Digest, the RSA check). Fetching the key lives in the inbox.

use std::time::{Duration, SystemTime};

use base64ct::{Base64, Encoding};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

/// How far a request's Date may be from now, either way.
pub const DATE_WINDOW: Duration = Duration::from_secs(3600);

/// Why a signature was not accepted (phrased for logs, never shown to remote peers).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SigError {
    /// No `Signature` header in draft-cavage form.
    #[error("no draft-cavage Signature header")]
    Missing,
    /// The header could not be parsed.
    #[error("malformed Signature header: {0}")]
    Malformed(String),
    /// A header that must be signed was not.
    #[error("{0} is not covered by the signature")]
    NotCovered(&'static str),
    /// A signed header is absent from the request.
    #[error("signed header {0} is missing from the request")]
    MissingHeader(String),
    /// Only rsa-sha256 (or hs2019 with an RSA key) is understood.
    #[error("unsupported algorithm {0}")]
    Algorithm(String),
    /// Date is unreadable or outside the window.
    #[error("date {0}")]
    Date(String),
    /// The body does not hash to the Digest header.
    #[error("digest does not match the body")]
    Digest,
    /// The key could not be read.
    #[error("bad public key: {0}")]
    Key(String),
    /// The RSA check failed.
    #[error("signature does not verify")]
    Bad,
}

/// `SHA-256=<base64>` of a body.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", Base64::encode_string(&Sha256::digest(body)))
}

/// Reads a PKCS#8 private key.
pub fn signing_key(private_pem: &str) -> Result<SigningKey<Sha256>, SigError> {
    let key =
        RsaPrivateKey::from_pkcs8_pem(private_pem).map_err(|e| SigError::Key(e.to_string()))?;
    Ok(SigningKey::<Sha256>::new(key))
}

/// Reads an SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) key.
pub fn public_key(pem: &str) -> Result<RsaPublicKey, SigError> {
    let pem = pem.trim();
    RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|e| SigError::Key(e.to_string()))
}

/// What of an outgoing request is signed.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// The Host header (`host[:port]`).
    pub host: &'a str,
    /// Path and query as sent.
    pub path: &'a str,
    /// The body, for POSTs (then a Digest is signed).
    pub body: Option<&'a [u8]>,
    /// The content type, when signed.
    pub content_type: Option<&'a str>,
}

/// Headers to add to an outgoing request: `Host`, `Date`, `Digest` (with a body),
/// `Content-Type` (when given) and `Signature`.
pub fn sign_request(
    key: &SigningKey<Sha256>,
    key_id: &str,
    req: RequestParts<'_>,
    now: SystemTime,
) -> Vec<(&'static str, String)> {
    let RequestParts {
        method,
        host,
        path,
        body,
        content_type,
    } = req;
    let date = httpdate::fmt_http_date(now);
    let mut out = vec![("host", host.to_string()), ("date", date)];
    let mut names = vec!["(request-target)", "host", "date"];
    if let Some(body) = body {
        out.push(("digest", digest_header(body)));
        names.push("digest");
    }
    if let Some(ct) = content_type {
        out.push(("content-type", ct.to_string()));
        names.push("content-type");
    }
    let mut lines = vec![format!(
        "(request-target): {} {}",
        method.to_lowercase(),
        path
    )];
    for (name, value) in &out {
        lines.push(format!("{name}: {value}"));
    }
    let signature: Signature = key.sign(lines.join("\n").as_bytes());
    out.push((
        "signature",
        format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{}\"",
            names.join(" "),
            Base64::encode_string(&signature.to_bytes())
        ),
    ));
    out
}

/// A parsed draft-cavage `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSignature {
    /// Where the key is (a URL, usually `actor#main-key`).
    pub key_id: String,
    /// Declared algorithm, if any.
    pub algorithm: Option<String>,
    /// Signed header names, lower-case, in order.
    pub headers: Vec<String>,
    /// The raw signature bytes.
    pub signature: Vec<u8>,
}

/// Parses `keyId="..",algorithm="..",headers="..",signature=".."`.
pub fn parse_signature(value: &str) -> Result<ParsedSignature, SigError> {
    if value.len() > 8192 {
        return Err(SigError::Malformed("too long".into()));
    }
    let mut key_id = None;
    let mut algorithm = None;
    let mut headers = None;
    let mut signature = None;
    let mut rest = value.trim();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| SigError::Malformed("parameter without '='".into()))?;
        let name = rest[..eq].trim().to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let val;
        if let Some(r) = rest.strip_prefix('"') {
            let end = r
                .find('"')
                .ok_or_else(|| SigError::Malformed("unterminated quote".into()))?;
            val = r[..end].to_string();
            rest = &r[end + 1..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            val = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        } else if !rest.is_empty() {
            return Err(SigError::Malformed("expected ','".into()));
        }
        match name.as_str() {
            "keyid" => key_id = Some(val),
            "algorithm" => algorithm = Some(val.to_ascii_lowercase()),
            "headers" => {
                headers = Some(
                    val.split_ascii_whitespace()
                        .map(|h| h.to_ascii_lowercase())
                        .collect::<Vec<_>>(),
                )
            }
            "signature" => {
                signature = Some(
                    Base64::decode_vec(&val)
                        .map_err(|_| SigError::Malformed("signature is not base64".into()))?,
                )
            }
            _ => {}
        }
    }
    let key_id = key_id.ok_or_else(|| SigError::Malformed("no keyId".into()))?;
    let signature = signature.ok_or_else(|| SigError::Malformed("no signature".into()))?;
    Ok(ParsedSignature {
        key_id,
        algorithm,
        headers: headers.unwrap_or_else(|| vec!["date".into()]),
        signature,
    })
}

impl ParsedSignature {
    /// Refuses signatures that do not cover what camp requires: `(request-target)`,
    /// `host` (so a request signed for another server cannot be replayed here),
    /// `date`, and for requests with a body `digest`; and algorithms other than RSA.
    pub fn check_coverage(&self, has_body: bool) -> Result<(), SigError> {
        match self.algorithm.as_deref() {
            None | Some("rsa-sha256") | Some("hs2019") => {}
            Some(other) => return Err(SigError::Algorithm(other.to_string())),
        }
        let covers = |h: &str| self.headers.iter().any(|x| x == h);
        if !covers("(request-target)") {
            return Err(SigError::NotCovered("(request-target)"));
        }
        if !covers("host") {
            return Err(SigError::NotCovered("host"));
        }
        if !covers("date") {
            return Err(SigError::NotCovered("date"));
        }
        if has_body && !covers("digest") {
            return Err(SigError::NotCovered("digest"));
        }
        Ok(())
    }

    /// The string that was signed, rebuilt from the request. `header` returns a
    /// request header's value(s) joined with ", ", by lower-case name.
    pub fn signing_string(
        &self,
        method: &str,
        path_and_query: &str,
        header: impl Fn(&str) -> Option<String>,
    ) -> Result<String, SigError> {
        let mut lines = Vec::with_capacity(self.headers.len());
        for h in &self.headers {
            if h == "(request-target)" {
                lines.push(format!(
                    "(request-target): {} {}",
                    method.to_lowercase(),
                    path_and_query
                ));
            } else {
                let v = header(h).ok_or_else(|| SigError::MissingHeader(h.clone()))?;
                lines.push(format!("{h}: {}", v.trim()));
            }
        }
        Ok(lines.join("\n"))
    }

    /// Checks the RSA signature over `message` with `key`.
    pub fn verify(&self, key: &RsaPublicKey, message: &str) -> Result<(), SigError> {
        let sig = Signature::try_from(self.signature.as_slice()).map_err(|_| SigError::Bad)?;
        VerifyingKey::<Sha256>::new(key.clone())
            .verify(message.as_bytes(), &sig)
            .map_err(|_| SigError::Bad)
    }
}

/// Checks an HTTP Date against `now` within [`DATE_WINDOW`].
pub fn check_date(date: &str, now: SystemTime) -> Result<(), SigError> {
    let when =
        httpdate::parse_http_date(date.trim()).map_err(|_| SigError::Date("unreadable".into()))?;
    let skew = match now.duration_since(when) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    if skew > DATE_WINDOW {
        return Err(SigError::Date(format!(
            "is {}s away from now",
            skew.as_secs()
        )));
    }
    Ok(())
}

/// Checks a `Digest` header (possibly listing several algorithms) against the body.
pub fn check_digest(header: &str, body: &[u8]) -> Result<(), SigError> {
    let want = Base64::encode_string(&Sha256::digest(body));
    for part in header.split(',') {
        if let Some((alg, value)) = part.trim().split_once('=')
            && alg.trim().eq_ignore_ascii_case("sha-256")
        {
            return if value.trim() == want {
                Ok(())
            } else {
                Err(SigError::Digest)
            };
        }
    }
    Err(SigError::Digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

    /// The test key of draft-cavage-http-signatures-12, appendix C.
    const CAVAGE_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----";

    const C2: &str = r#"keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",signature="qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=""#;

    fn cavage_headers(name: &str) -> Option<String> {
        match name {
            "host" => Some("example.com".into()),
            "date" => Some("Sun, 05 Jan 2014 21:31:40 GMT".into()),
            "content-type" => Some("application/json".into()),
            "digest" => Some("SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=".into()),
            "content-length" => Some("18".into()),
            _ => None,
        }
    }

    #[test]
    fn draft_cavage_appendix_c2_vector_verifies() {
        let sig = parse_signature(C2).unwrap();
        assert_eq!(sig.key_id, "Test");
        assert_eq!(sig.headers, ["(request-target)", "host", "date"]);
        let msg = sig
            .signing_string("POST", "/foo?param=value&pet=dog", cavage_headers)
            .unwrap();
        assert_eq!(
            msg,
            "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT"
        );
        let key = public_key(CAVAGE_PUBLIC).unwrap();
        sig.verify(&key, &msg).unwrap();
        // One changed byte of the request: refused.
        let other = sig
            .signing_string("POST", "/foo?param=value&pet=cat", cavage_headers)
            .unwrap();
        assert_eq!(sig.verify(&key, &other), Err(SigError::Bad));
        // A POST must also cover the digest.
        assert_eq!(
            sig.check_coverage(true),
            Err(SigError::NotCovered("digest"))
        );
        assert!(sig.check_coverage(false).is_ok());
        // A signature that leaves out the host could be replayed to any server.
        let no_host = ParsedSignature {
            headers: vec!["(request-target)".into(), "date".into(), "digest".into()],
            ..sig.clone()
        };
        assert_eq!(
            no_host.check_coverage(true),
            Err(SigError::NotCovered("host"))
        );
    }

    #[test]
    fn appendix_c_digest_matches_its_body() {
        let body = br#"{"hello": "world"}"#;
        assert_eq!(
            digest_header(body),
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
        );
        check_digest("SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", body).unwrap();
        check_digest(
            "SHA=abc, sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
            body,
        )
        .unwrap();
        assert_eq!(
            check_digest(&digest_header(b"other"), body),
            Err(SigError::Digest)
        );
        assert_eq!(check_digest("MD5=xyz", body), Err(SigError::Digest));
    }

    #[test]
    fn signed_requests_round_trip_and_tampering_fails() {
        let key = crate::federation::keys::generate_for_tests();
        let private_pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let public_pem = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let sk = signing_key(&private_pem).unwrap();
        let body = br#"{"type":"Follow"}"#;
        let now = SystemTime::now();
        let headers = sign_request(
            &sk,
            "https://camp.test/users/ana#main-key",
            RequestParts {
                method: "POST",
                host: "peer.test:8090",
                path: "/users/alice/inbox",
                body: Some(body),
                content_type: Some("application/activity+json"),
            },
            now,
        );
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.clone())
        };
        let sig = parse_signature(&get("signature").unwrap()).unwrap();
        assert_eq!(
            sig.headers,
            ["(request-target)", "host", "date", "digest", "content-type"]
        );
        sig.check_coverage(true).unwrap();
        let pk = public_key(&public_pem).unwrap();
        let msg = sig
            .signing_string("POST", "/users/alice/inbox", get)
            .unwrap();
        sig.verify(&pk, &msg).unwrap();
        check_digest(&get("digest").unwrap(), body).unwrap();
        check_date(&get("date").unwrap(), now).unwrap();
        let wrong_path = sig.signing_string("POST", "/inbox", get).unwrap();
        assert_eq!(sig.verify(&pk, &wrong_path), Err(SigError::Bad));
        let other = crate::federation::keys::generate_for_tests().to_public_key();
        assert_eq!(sig.verify(&other, &msg), Err(SigError::Bad));
    }

    #[test]
    fn date_window_is_one_hour_each_way() {
        let now = SystemTime::now();
        let fmt = |t| httpdate::fmt_http_date(t);
        check_date(&fmt(now - Duration::from_secs(50 * 60)), now).unwrap();
        check_date(&fmt(now + Duration::from_secs(50 * 60)), now).unwrap();
        assert!(check_date(&fmt(now - Duration::from_secs(7200)), now).is_err());
        assert!(check_date(&fmt(now + Duration::from_secs(7200)), now).is_err());
        assert!(check_date("yesterday", now).is_err());
    }

    #[test]
    fn malformed_headers_are_refused() {
        assert!(parse_signature("").is_err());
        assert!(parse_signature(r#"keyId="x",signature="not base64!""#).is_err());
        assert!(parse_signature(r#"keyId="x"#).is_err());
        // RFC 9421's Signature header is not draft-cavage.
        assert!(parse_signature("sig1=:AAAA:").is_err());
        let s = parse_signature(r#"keyId="k",algorithm="ed25519",signature="AAAA""#).unwrap();
        assert_eq!(s.headers, ["date"]);
        assert!(matches!(
            s.check_coverage(false),
            Err(SigError::Algorithm(_))
        ));
    }
}
