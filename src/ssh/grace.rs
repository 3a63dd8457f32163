//! The login grace time: a new connection gets `login_grace_secs` to finish the SSH
//! handshake and authenticate, together, or it is hung up (OpenSSH's LoginGraceTime).
//!
//! Why our own: russh waits for the client's version string with no timeout, and its
//! inactivity timer is reset by anything the client trickles in, so a socket that
//! connects and says nothing (or stops half-way through the key exchange) would hold
//! its connection slot forever. The deadline starts at accept and is not moved by
//! activity; authentication stops it.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::camp::KeyInfo;

/// The deadline of one connection's login.
#[derive(Debug, Clone, Copy)]
pub struct LoginGrace {
    deadline: Instant,
}

/// How a connection's login grace ended.
#[derive(Debug)]
pub enum Login {
    /// It authenticated in time with this key.
    In(KeyInfo),
    /// The grace time ran out first: hang up.
    TooSlow,
    /// The connection ended before either.
    Gone,
}

impl LoginGrace {
    /// A grace time of `limit` from now (call it at accept).
    pub fn starting_now(limit: Duration) -> LoginGrace {
        LoginGrace {
            deadline: Instant::now() + limit,
        }
    }

    /// Waits until the handler reports the authenticated key on `authenticated`, the
    /// deadline passes, or the handler is gone.
    pub async fn wait(self, authenticated: &mut watch::Receiver<Option<KeyInfo>>) -> Login {
        match tokio::time::timeout_at(self.deadline, authenticated.wait_for(|k| k.is_some())).await
        {
            Err(_) => Login::TooSlow,
            Ok(Err(_)) => Login::Gone,
            Ok(Ok(key)) => match key.clone() {
                Some(k) => Login::In(k),
                None => Login::Gone,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> KeyInfo {
        KeyInfo {
            fingerprint: "SHA256:x".into(),
            algorithm: "ssh-ed25519".into(),
            openssh: String::new(),
        }
    }

    #[tokio::test]
    async fn the_deadline_holds_unless_authentication_comes_first() {
        let (_tx, mut rx) = watch::channel(None);
        let grace = LoginGrace::starting_now(Duration::from_millis(20));
        assert!(matches!(grace.wait(&mut rx).await, Login::TooSlow));

        let (tx, mut rx) = watch::channel(None);
        let grace = LoginGrace::starting_now(Duration::from_secs(30));
        tx.send(Some(key())).unwrap();
        assert!(matches!(grace.wait(&mut rx).await, Login::In(k) if k.fingerprint == "SHA256:x"));

        let (tx, mut rx) = watch::channel(None);
        drop(tx);
        let grace = LoginGrace::starting_now(Duration::from_secs(30));
        assert!(matches!(grace.wait(&mut rx).await, Login::Gone));
    }
}
