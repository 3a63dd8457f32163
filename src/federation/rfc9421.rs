//! HTTP Message Signatures (RFC 9421), the verifying side, for what Fedify sends on
//! first contact: `Signature-Input` / `Signature` with `rsa-v1_5-sha256` over
//! `@method @target-uri @authority host date content-digest` and a `created` time.
//! Only the first signature is checked; components with parameters are refused.

use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Encoding};
use sha2::{Digest as _, Sha256};

use super::signatures::{DATE_WINDOW, SigError};

/// One parsed signature: what it covers and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rfc9421Signature {
    /// The key's id.
    pub key_id: String,
    /// Declared algorithm.
    pub alg: Option<String>,
    /// Creation time, seconds since the epoch.
    pub created: Option<u64>,
    /// Expiry, seconds since the epoch.
    pub expires: Option<u64>,
    /// Covered component names, in order.
    pub components: Vec<String>,
    /// The serialized inner list with its parameters, exactly as received.
    pub params_raw: String,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// The first `label=...` member of a structured-field dictionary, honouring quotes.
fn first_member(header: &str) -> Option<(&str, &str)> {
    let header = header.trim();
    let mut in_quotes = false;
    let mut escaped = false;
    let mut end = header.len();
    for (i, c) in header.char_indices() {
        match c {
            '\\' if in_quotes && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                end = i;
                break;
            }
            _ => {}
        }
        escaped = false;
    }
    let (label, value) = header[..end].split_once('=')?;
    Some((label.trim(), value.trim()))
}

/// The value of `label` in a dictionary.
fn member<'a>(header: &'a str, label: &str) -> Option<&'a str> {
    let mut rest = header.trim();
    loop {
        let (l, v) = first_member(rest)?;
        if l == label {
            return Some(v);
        }
        let consumed = rest.find(v)? + v.len();
        rest = rest[consumed..]
            .trim_start()
            .strip_prefix(',')?
            .trim_start();
    }
}

/// Parses the first signature of `Signature-Input` and its value in `Signature`.
pub fn parse(signature_input: &str, signature: &str) -> Result<Rfc9421Signature, SigError> {
    let bad = |m: &str| SigError::Malformed(m.to_string());
    if signature_input.len() > 8192 || signature.len() > 8192 {
        return Err(bad("too long"));
    }
    let (label, value) = first_member(signature_input).ok_or_else(|| bad("no signature"))?;
    let inner = value
        .strip_prefix('(')
        .ok_or_else(|| bad("not an inner list"))?;
    let close = inner
        .find(')')
        .ok_or_else(|| bad("unterminated inner list"))?;
    let mut components = Vec::new();
    for item in inner[..close].split_ascii_whitespace() {
        let name = item
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .ok_or_else(|| bad("component parameters are not supported"))?;
        components.push(name.to_ascii_lowercase());
    }
    let mut key_id = None;
    let mut alg = None;
    let mut created = None;
    let mut expires = None;
    for p in inner[close + 1..].split(';').skip(1) {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| bad("parameter without value"))?;
        let v = v.trim();
        let unquoted = v.strip_prefix('"').and_then(|s| s.strip_suffix('"'));
        match k.trim() {
            "keyid" => key_id = unquoted.map(str::to_string),
            "alg" => alg = unquoted.map(str::to_string),
            "created" => created = v.parse().ok(),
            "expires" => expires = v.parse().ok(),
            _ => {}
        }
    }
    let sig_value = member(signature, label).ok_or_else(|| bad("no matching Signature"))?;
    let b64 = sig_value
        .strip_prefix(':')
        .and_then(|s| s.strip_suffix(':'))
        .ok_or_else(|| bad("signature is not a byte sequence"))?;
    Ok(Rfc9421Signature {
        key_id: key_id.ok_or_else(|| bad("no keyid"))?,
        alg,
        created,
        expires,
        components,
        params_raw: value.to_string(),
        signature: Base64::decode_vec(b64).map_err(|_| bad("signature is not base64"))?,
    })
}

/// Where the request was addressed, for the derived components.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// `GET`, `POST`.
    pub method: &'a str,
    /// `http` or `https`, as the signer saw it.
    pub scheme: &'a str,
    /// `host[:port]` as the signer saw it.
    pub authority: &'a str,
    /// Path and query.
    pub path_and_query: &'a str,
}

impl Rfc9421Signature {
    /// Refuses what camp does not accept: no `created`, outside the window, expired,
    /// not covering the method, the target and (with a body) `content-digest`, or an
    /// algorithm other than RSA PKCS#1 v1.5 SHA-256.
    pub fn check(&self, has_body: bool, now: SystemTime) -> Result<(), SigError> {
        match self.alg.as_deref() {
            None | Some("rsa-v1_5-sha256") => {}
            Some(other) => return Err(SigError::Algorithm(other.to_string())),
        }
        let now_s = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let created = self
            .created
            .ok_or_else(|| SigError::Date("no created time".into()))?;
        if created.abs_diff(now_s) > DATE_WINDOW.as_secs() {
            return Err(SigError::Date(format!(
                "created {}s away from now",
                created.abs_diff(now_s)
            )));
        }
        if self.expires.is_some_and(|e| e < now_s) {
            return Err(SigError::Date("expired".into()));
        }
        let covers = |c: &str| self.components.iter().any(|x| x == c);
        if !covers("@method") {
            return Err(SigError::NotCovered("@method"));
        }
        if !(covers("@target-uri") || covers("@request-target") || covers("@path")) {
            return Err(SigError::NotCovered("@target-uri"));
        }
        // The server the request was meant for: `@authority`, or `@target-uri`, which
        // contains it. Without it a request signed for another server replays here.
        if !(covers("@authority") || covers("@target-uri")) {
            return Err(SigError::NotCovered("@authority"));
        }
        if has_body && !covers("content-digest") {
            return Err(SigError::NotCovered("content-digest"));
        }
        Ok(())
    }

    /// The signature base rebuilt from the request.
    pub fn base(
        &self,
        target: Target<'_>,
        header: impl Fn(&str) -> Option<String>,
    ) -> Result<String, SigError> {
        let (path, query) = match target.path_and_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target.path_and_query, None),
        };
        let mut lines = Vec::with_capacity(self.components.len() + 1);
        for c in &self.components {
            let v = match c.as_str() {
                "@method" => target.method.to_ascii_uppercase(),
                "@target-uri" => format!(
                    "{}://{}{}",
                    target.scheme, target.authority, target.path_and_query
                ),
                "@authority" => target.authority.to_ascii_lowercase(),
                "@scheme" => target.scheme.to_string(),
                "@request-target" => format!(
                    "{} {}",
                    target.method.to_ascii_lowercase(),
                    target.path_and_query
                ),
                "@path" => path.to_string(),
                "@query" => format!("?{}", query.unwrap_or("")),
                c if c.starts_with('@') => return Err(SigError::MissingHeader(c.to_string())),
                h => header(h)
                    .ok_or_else(|| SigError::MissingHeader(h.to_string()))?
                    .trim()
                    .to_string(),
            };
            lines.push(format!("\"{c}\": {v}"));
        }
        lines.push(format!("\"@signature-params\": {}", self.params_raw));
        Ok(lines.join("\n"))
    }
}

/// Checks a `Content-Digest` header (`sha-256=:<base64>:`, maybe among others).
pub fn check_content_digest(header: &str, body: &[u8]) -> Result<(), SigError> {
    let want = Base64::encode_string(&Sha256::digest(body));
    for part in header.split(',') {
        if let Some((alg, value)) = part.trim().split_once('=')
            && alg.trim().eq_ignore_ascii_case("sha-256")
        {
            let got = value.trim().trim_matches(':');
            return if got == want {
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
    use crate::federation::signatures::public_key;
    use rsa::pkcs1v15::SigningKey;
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    use rsa::signature::{SignatureEncoding, Signer};

    /// Signs the way Fedify does (`signRequestRfc9421`) and checks camp verifies it.
    #[test]
    fn fedify_style_signatures_verify_and_tampering_fails() {
        let key = crate::federation::keys::generate_for_tests();
        let pem = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let sk = SigningKey::<Sha256>::new(key);
        let body = br#"{"type":"Follow"}"#;
        let digest = format!("sha-256=:{}:", Base64::encode_string(&Sha256::digest(body)));
        let now = SystemTime::now();
        let created = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
        let params = format!(
            "(\"@method\" \"@target-uri\" \"@authority\" \"host\" \"date\" \"content-digest\");alg=\"rsa-v1_5-sha256\";keyid=\"http://peer.test/users/alice#main-key\";created={created}"
        );
        let date = httpdate::fmt_http_date(now);
        let headers = |h: &str| match h {
            "host" => Some("camp.test:8080".to_string()),
            "date" => Some(date.clone()),
            "content-digest" => Some(digest.clone()),
            _ => None,
        };
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": http://camp.test:8080/users/ana/inbox\n\"@authority\": camp.test:8080\n\"host\": camp.test:8080\n\"date\": {date}\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
        );
        let sig = Base64::encode_string(&sk.sign(base.as_bytes()).to_bytes());
        let parsed = parse(&format!("sig1={params}"), &format!("sig1=:{sig}:")).unwrap();
        assert_eq!(parsed.key_id, "http://peer.test/users/alice#main-key");
        parsed.check(true, now).unwrap();
        let target = Target {
            method: "POST",
            scheme: "http",
            authority: "camp.test:8080",
            path_and_query: "/users/ana/inbox",
        };
        let rebuilt = parsed.base(target, headers).unwrap();
        assert_eq!(rebuilt, base);
        let pk = public_key(&pem).unwrap();
        let as_cavage = crate::federation::signatures::ParsedSignature {
            key_id: parsed.key_id.clone(),
            algorithm: None,
            headers: vec![],
            signature: parsed.signature.clone(),
        };
        as_cavage.verify(&pk, &rebuilt).unwrap();
        let other = Target {
            path_and_query: "/inbox",
            ..target
        };
        let wrong = parsed.base(other, headers).unwrap();
        assert!(as_cavage.verify(&pk, &wrong).is_err());
        check_content_digest(&digest, body).unwrap();
        assert!(check_content_digest(&digest, b"other").is_err());
        // Too old, or not covering the digest: refused.
        let later = now + std::time::Duration::from_secs(2 * 3600);
        assert!(parsed.check(true, later).is_err());
        let partial = parse(
            &format!("sig1=(\"@method\" \"@target-uri\");keyid=\"k\";created={created}"),
            "sig1=:AAAA:",
        )
        .unwrap();
        assert_eq!(
            partial.check(true, now),
            Err(SigError::NotCovered("content-digest"))
        );
        // `@path` binds no server: the authority must be signed too.
        let pathonly = parse(
            &format!(
                "sig1=(\"@method\" \"@path\" \"content-digest\");keyid=\"k\";created={created}"
            ),
            "sig1=:AAAA:",
        )
        .unwrap();
        assert_eq!(
            pathonly.check(true, now),
            Err(SigError::NotCovered("@authority"))
        );
        assert!(parse("sig1=(\"@method\";x=1);keyid=\"k\"", "sig1=:AAAA:").is_err());
        assert!(parse("sig1=(\"@method\");keyid=\"k\"", "sig2=:AAAA:").is_err());
    }
}
