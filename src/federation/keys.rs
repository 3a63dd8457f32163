//! One RSA key pair per local account, made on first need and kept in sled.

use rand_core::UnwrapErr;
use rsa::RsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

use crate::error::{Error, Result};
use crate::model::Id;
use crate::store::Store;
use crate::store::federation::LocalKeys;

/// Size of the RSA keys camp makes (what Mastodon uses).
pub const RSA_BITS: usize = 2048;

/// A fresh key pair, PEM encoded.
pub fn generate() -> Result<LocalKeys> {
    let mut rng = UnwrapErr(getrandom::SysRng);
    let key = RsaPrivateKey::new(&mut rng, RSA_BITS)
        .map_err(|e| Error::invalid(format!("making an RSA key failed: {e}")))?;
    let private_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| Error::Codec(e.to_string()))?
        .to_string();
    let public_pem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| Error::Codec(e.to_string()))?;
    let mut seed = vec![0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::invalid(format!("no randomness: {e}")))?;
    Ok(LocalKeys {
        private_pem,
        public_pem,
        ed25519_seed: seed,
    })
}

/// The account's key pair, made and saved the first time (blocking: call from a
/// blocking thread or accept the pause once per account).
pub fn keys_of(store: &Store, account: Id) -> Result<LocalKeys> {
    if let Some(k) = store.fed_keys(account)? {
        return Ok(k);
    }
    let fresh = generate()?;
    let kept = store.put_fed_keys_once(account, &fresh)?;
    store.flush()?;
    Ok(kept)
}

/// A small key for unit tests (fast to make; never used on the wire).
#[cfg(test)]
pub fn generate_for_tests() -> RsaPrivateKey {
    let mut rng = UnwrapErr(getrandom::SysRng);
    RsaPrivateKey::new(&mut rng, 1024).expect("test key")
}
