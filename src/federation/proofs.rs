//! Object integrity proofs (FEP-8b32, `eddsa-jcs-2022`) on outgoing activities, with
//! an Ed25519 key per account published as a Multikey in `assertionMethod`
//! (FEP-521a). JSON Canonicalization (RFC 8785) and base58btc are small enough to
//! write here.

use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// The context that defines `proof` and `DataIntegrityProof`.
pub const DATA_INTEGRITY_CONTEXT: &str = "https://w3id.org/security/data-integrity/v1";

/// RFC 8785 canonical JSON: keys sorted by UTF-16 code units, no whitespace,
/// ECMAScript string escaping.
pub fn jcs(v: &Value) -> String {
    let mut out = String::new();
    write_jcs(v, &mut out);
    out
}

fn write_jcs(v: &Value, out: &mut String) {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => out.push_str(&v.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_jcs(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_jcs(&o[k], out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

const B58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Bitcoin base58.
pub fn base58(bytes: &[u8]) -> String {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len() * 138 / 100 + 1);
    for &b in &bytes[zeros..] {
        let mut carry = b as u32;
        for d in digits.iter_mut() {
            carry += (*d as u32) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = String::with_capacity(zeros + digits.len());
    out.extend(std::iter::repeat_n('1', zeros));
    out.extend(digits.iter().rev().map(|&d| B58[d as usize] as char));
    out
}

/// Decodes bitcoin base58.
pub fn base58_decode(s: &str) -> Option<Vec<u8>> {
    let zeros = s.bytes().take_while(|&b| b == b'1').count();
    let mut bytes: Vec<u8> = Vec::new();
    for c in s.bytes().skip(zeros) {
        let mut carry = B58.iter().position(|&x| x == c)? as u32;
        for b in bytes.iter_mut() {
            carry += (*b as u32) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeros];
    out.extend(bytes.iter().rev());
    Some(out)
}

/// `publicKeyMultibase` of an Ed25519 key: `z` + base58btc(0xed 0x01 ‖ key).
pub fn multikey(public: &VerifyingKey) -> String {
    let mut b = vec![0xed, 0x01];
    b.extend_from_slice(public.as_bytes());
    format!("z{}", base58(&b))
}

/// The signing key of a 32-byte seed.
pub fn signing_key(seed: &[u8]) -> Option<SigningKey> {
    let seed: [u8; 32] = seed.try_into().ok()?;
    Some(SigningKey::from_bytes(&seed))
}

fn hash_data(document: &Value, config: &Value) -> Vec<u8> {
    let mut data = Sha256::digest(jcs(config).as_bytes()).to_vec();
    data.extend_from_slice(&Sha256::digest(jcs(document).as_bytes()));
    data
}

fn proof_config(context: &Value, verification_method: &str, created: &str) -> Value {
    json!({
        "@context": context,
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
        "created": created,
    })
}

/// Adds the data-integrity context and an `eddsa-jcs-2022` proof to an activity.
pub fn attach(
    mut activity: Value,
    key: &SigningKey,
    verification_method: &str,
    created: &str,
) -> Value {
    let ctx = match activity.get("@context").cloned() {
        Some(Value::Array(mut a)) => {
            if !a.iter().any(|c| c == DATA_INTEGRITY_CONTEXT) {
                a.push(json!(DATA_INTEGRITY_CONTEXT));
            }
            Value::Array(a)
        }
        Some(v) => json!([v, DATA_INTEGRITY_CONTEXT]),
        None => json!([super::wire::AS_CONTEXT, DATA_INTEGRITY_CONTEXT]),
    };
    activity["@context"] = ctx.clone();
    if let Some(o) = activity.as_object_mut() {
        o.remove("proof");
    }
    let config = proof_config(&ctx, verification_method, created);
    let signature = key.sign(&hash_data(&activity, &config));
    let mut proof = config;
    if let Some(o) = proof.as_object_mut() {
        o.remove("@context");
        o.insert(
            "proofValue".into(),
            json!(format!("z{}", base58(&signature.to_bytes()))),
        );
    }
    activity["proof"] = proof;
    activity
}

/// Verifies the proof of an activity with `public` (inbound proofs:
/// [`super::inbox::proof`]).
pub fn verify(activity: &Value, public: &VerifyingKey) -> bool {
    let Some(proof) = activity.get("proof") else {
        return false;
    };
    let has = |f: &str| proof.get(f).and_then(Value::as_str).is_some();
    let Some(value) = proof.get("proofValue").and_then(Value::as_str) else {
        return false;
    };
    if !has("verificationMethod") || !has("created") {
        return false;
    }
    if proof.get("cryptosuite").and_then(Value::as_str) != Some("eddsa-jcs-2022") {
        return false;
    }
    let Some(sig) = value
        .strip_prefix('z')
        .and_then(base58_decode)
        .and_then(|b| ed25519_dalek::Signature::from_slice(&b).ok())
    else {
        return false;
    };
    let mut doc = activity.clone();
    if let Some(o) = doc.as_object_mut() {
        o.remove("proof");
    }
    // The proof options are the proof itself without its value, under the
    // document's context (eddsa-jcs-2022, "verify proof").
    let mut config = proof.clone();
    if let Some(o) = config.as_object_mut() {
        o.remove("proofValue");
        o.insert(
            "@context".into(),
            activity.get("@context").cloned().unwrap_or(Value::Null),
        );
    }
    if public.verify(&hash_data(&doc, &config), &sig).is_ok() {
        return true;
    }
    // A Linked Data signature (RsaSignature2017, as Fedify and Mastodon add) is laid
    // over the activity after its proof, so the proof never covered it.
    let ld_signed = doc
        .get("signature")
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        == Some("RsaSignature2017");
    if ld_signed && let Some(o) = doc.as_object_mut() {
        o.remove("signature");
        return public.verify(&hash_data(&doc, &config), &sig).is_ok();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jcs_sorts_keys_and_escapes_like_ecmascript() {
        let v = json!({"b": [1, true, null], "a": "x\"\n\u{1}é", "\u{e9}": 1, "B": {}});
        assert_eq!(
            jcs(&v),
            "{\"B\":{},\"a\":\"x\\\"\\n\\u0001é\",\"b\":[1,true,null],\"é\":1}"
        );
    }

    #[test]
    fn base58_round_trips_known_vectors() {
        assert_eq!(base58(b"Hello World!"), "2NEpo7TZRRrLZSi2U");
        assert_eq!(base58(&[0, 0, 1]), "112");
        assert_eq!(base58_decode("2NEpo7TZRRrLZSi2U").unwrap(), b"Hello World!");
        assert_eq!(base58_decode("112").unwrap(), vec![0, 0, 1]);
        assert!(base58_decode("0OIl").is_none());
    }

    #[test]
    fn proofs_verify_and_break_on_any_change() {
        let key = signing_key(&[7u8; 32]).unwrap();
        let mk = multikey(&key.verifying_key());
        assert!(mk.starts_with("z6Mk"), "{mk}");
        let activity = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "https://camp.test/users/ana/posts/1/activity",
            "type": "Create",
            "actor": "https://camp.test/users/ana",
            "object": {"type": "Note", "content": "<p>hi</p>"},
        });
        let signed = attach(
            activity,
            &key,
            "https://camp.test/users/ana#ed25519-key",
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(signed["@context"][1], DATA_INTEGRITY_CONTEXT);
        assert!(verify(&signed, &key.verifying_key()));
        let mut changed = signed.clone();
        changed["object"]["content"] = json!("<p>bye</p>");
        assert!(!verify(&changed, &key.verifying_key()));
        let other = signing_key(&[8u8; 32]).unwrap();
        assert!(!verify(&signed, &other.verifying_key()));
    }
}
