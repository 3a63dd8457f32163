//! Proof of a browser's key: the browser signs a challenge that names this camp (its
//! host key fingerprint and web origin) and a fresh random nonce, with a key it keeps
//! in IndexedDB and cannot export. A signature made for another camp, another origin
//! or another connection's nonce proves nothing here.
//!
//! Ed25519 is checked with `ed25519-dalek`, ECDSA P-256 (browsers without WebCrypto
//! Ed25519) with `ring`. The key becomes a [`KeyInfo`] exactly as an SSH key would (an
//! OpenSSH public key line and its `SHA256:` fingerprint), marked as a browser key.

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use russh::keys::ssh_key::public::{EcdsaPublicKey, Ed25519PublicKey, KeyData};
use russh::keys::{HashAlg, PublicKey};

use crate::camp::KeyInfo;

/// Bytes of a challenge nonce.
pub const NONCE_BYTES: usize = 32;
/// What every signed challenge starts with (so no other signed text can pass for one).
const CONTEXT: &str = "camp browser terminal login v1";

/// The key types a browser may prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// WebCrypto Ed25519: 32-byte raw public key, 64-byte signature.
    Ed25519,
    /// WebCrypto ECDSA P-256 with SHA-256: 65-byte uncompressed public key, 64-byte r‖s.
    P256,
}

impl Alg {
    /// The name the page sends.
    pub fn parse(s: &str) -> Option<Alg> {
        match s {
            "Ed25519" => Some(Alg::Ed25519),
            "P-256" => Some(Alg::P256),
            _ => None,
        }
    }
}

/// Why a proof was refused (said to the browser as it is).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// Unknown algorithm, or a key or signature that is not well formed.
    #[error("that key or signature is not well formed")]
    Malformed,
    /// The signature does not verify over this connection's challenge.
    #[error("the signature does not match this camp's challenge")]
    BadSignature,
    /// The challenge was answered already, belongs to another connection, or is too old.
    #[error("that challenge is used up or expired; reload the page")]
    StaleChallenge,
}

/// A fresh random nonce, base64url.
pub fn new_nonce() -> String {
    let mut bytes = [0u8; NONCE_BYTES];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    Base64UrlUnpadded::encode_string(&bytes)
}

/// The exact text the browser signs for `nonce` on the camp with host key
/// `host_key` (a `SHA256:` fingerprint) served at `origin`.
pub fn challenge_text(origin: &str, host_key: &str, nonce: &str) -> String {
    format!("{CONTEXT}\norigin: {origin}\nhost key: {host_key}\nnonce: {nonce}\n")
}

/// Checks `signature` (base64) by `public_key` (base64, raw as WebCrypto exports it)
/// over `message`, and returns the key as camp records keys.
pub fn verify(
    alg: Alg,
    public_key: &str,
    signature: &str,
    message: &[u8],
) -> Result<KeyInfo, ProofError> {
    let key = decode(public_key, 65)?;
    let sig = decode(signature, 64)?;
    let data = match alg {
        Alg::Ed25519 => {
            let raw: [u8; 32] = key
                .as_slice()
                .try_into()
                .map_err(|_| ProofError::Malformed)?;
            let sig: [u8; 64] = sig
                .as_slice()
                .try_into()
                .map_err(|_| ProofError::Malformed)?;
            let vk =
                ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| ProofError::Malformed)?;
            // Strict: no small-order keys, no malleable signatures.
            vk.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&sig))
                .map_err(|_| ProofError::BadSignature)?;
            KeyData::Ed25519(Ed25519PublicKey(raw))
        }
        Alg::P256 => {
            if key.len() != 65 || key[0] != 4 || sig.len() != 64 {
                return Err(ProofError::Malformed);
            }
            let point = EcdsaPublicKey::from_sec1_bytes(&key).map_err(|_| ProofError::Malformed)?;
            ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                &key,
            )
            .verify(message, &sig)
            .map_err(|_| ProofError::BadSignature)?;
            KeyData::Ecdsa(point)
        }
    };
    let public = PublicKey::from(data);
    Ok(KeyInfo {
        fingerprint: public.fingerprint(HashAlg::Sha256).to_string(),
        algorithm: crate::camp::browser_key_algorithm(public.algorithm().as_str()),
        openssh: public.to_openssh().map_err(|_| ProofError::Malformed)?,
    })
}

/// Decodes standard or URL-safe base64 of at most `max` bytes.
fn decode(text: &str, max: usize) -> Result<Vec<u8>, ProofError> {
    if text.len() > max * 2 {
        return Err(ProofError::Malformed);
    }
    let trimmed = text.trim_end_matches('=');
    Base64UrlUnpadded::decode_vec(trimmed)
        .or_else(|_| Base64::decode_vec(text))
        .map_err(|_| ProofError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer;
    use ring::signature::KeyPair;

    const MSG: &[u8] = b"camp browser terminal login v1\norigin: http://x\n";

    #[test]
    fn ed25519_proofs_verify_and_anything_else_is_refused() {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let pk = Base64::encode_string(sk.verifying_key().as_bytes());
        let sig = Base64::encode_string(&sk.sign(MSG).to_bytes());
        let key = verify(Alg::Ed25519, &pk, &sig, MSG).unwrap();
        assert!(
            key.openssh.starts_with("ssh-ed25519 AAAA"),
            "{}",
            key.openssh
        );
        assert!(key.fingerprint.starts_with("SHA256:"));
        assert_eq!(key.algorithm, "browser ssh-ed25519");
        // Another message, a flipped bit, another key: refused.
        assert_eq!(
            verify(Alg::Ed25519, &pk, &sig, b"other").unwrap_err(),
            ProofError::BadSignature
        );
        let mut bad = sk.sign(MSG).to_bytes();
        bad[3] ^= 1;
        let bad = Base64::encode_string(&bad);
        assert_eq!(
            verify(Alg::Ed25519, &pk, &bad, MSG).unwrap_err(),
            ProofError::BadSignature
        );
        assert_eq!(
            verify(Alg::Ed25519, "AAAA", &sig, MSG).unwrap_err(),
            ProofError::Malformed
        );
        assert_eq!(
            verify(Alg::Ed25519, &pk, &"A".repeat(10_000), MSG).unwrap_err(),
            ProofError::Malformed
        );
    }

    #[test]
    fn p256_proofs_in_webcrypto_form_verify() {
        let rng = ring::rand::SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
        let pk = Base64UrlUnpadded::encode_string(pair.public_key().as_ref());
        let sig = pair.sign(&rng, MSG).unwrap();
        let sig = Base64::encode_string(sig.as_ref());
        let key = verify(Alg::P256, &pk, &sig, MSG).unwrap();
        assert!(
            key.openssh.starts_with("ecdsa-sha2-nistp256 "),
            "{}",
            key.openssh
        );
        assert_eq!(
            verify(Alg::P256, &pk, &sig, b"replayed elsewhere").unwrap_err(),
            ProofError::BadSignature
        );
        // An Ed25519-sized key named P-256 is malformed, not a panic.
        assert_eq!(
            verify(Alg::P256, &Base64::encode_string(&[1u8; 32]), &sig, MSG).unwrap_err(),
            ProofError::Malformed
        );
    }

    #[test]
    fn the_challenge_names_the_camp_the_origin_and_the_nonce() {
        let t = challenge_text("https://camp.example", "SHA256:abc", "n1");
        assert!(t.contains("origin: https://camp.example\n"));
        assert!(t.contains("host key: SHA256:abc\n"));
        assert!(t.contains("nonce: n1\n"));
        assert_ne!(new_nonce(), new_nonce());
    }
}
