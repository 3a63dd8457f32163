//! The server's SSH host key: generated once into the keys directory (mode 0600) and
//! reused on every start, so clients' known_hosts stay valid.

use std::io::Write;
use std::path::Path;

use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey};

use crate::error::{Error, Result};

/// File name of the host key inside the keys directory.
pub const HOST_KEY_FILE: &str = "ssh_host_ed25519_key";

/// Loads the host key from `dir`, creating it (and `dir`) on first start.
pub fn load_or_create(dir: &Path) -> Result<PrivateKey> {
    let path = dir.join(HOST_KEY_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::io(format!("reading host key {}", path.display()), e))?;
        return PrivateKey::from_openssh(text.as_bytes())
            .map_err(|e| Error::Config(format!("host key {} is unreadable: {e}", path.display())));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating keys directory {}", dir.display()), e))?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| Error::Config(format!("the OS random source failed: {e}")))?;
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    let pem = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| Error::Config(format!("encoding host key: {e}")))?;
    write_private(&path, pem.as_bytes())?;
    Ok(key)
}

/// Writes a secret file readable only by its owner, never world-readable even briefly.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// The `SHA256:...` fingerprint people compare with what their client shows.
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_key_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path()).unwrap();
        let b = load_or_create(dir.path()).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert!(fingerprint(&a).starts_with("SHA256:"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(HOST_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
