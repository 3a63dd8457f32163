//! The SSH front door: our own accept loop with connection caps, public-key-only auth,
//! and one task per session channel (TUI, exec command, or a hint for shells without
//! a PTY). The russh `Handler` only forwards input, resizes and closes to that task.

mod exec;
mod handler;
pub mod hostkey;
pub mod limits;
mod output;
mod session;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::PrivateKey;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Camp;
use handler::Conn;
use limits::{Limiter, Refusal};

/// Text shown by clients before authentication: how to get in without a key.
pub const AUTH_BANNER: &str = "camp: log in with an SSH key. No key yet? Run: ssh-keygen -t ed25519   then connect again.\r\n";

/// Everything the connections of one server share.
pub(crate) struct Shared {
    pub camp: Camp,
    pub shutdown: watch::Receiver<bool>,
}

/// The russh server settings camp runs with.
pub fn russh_config(camp: &Camp, host_key: PrivateKey) -> russh::server::Config {
    let c = &camp.config().camp;
    russh::server::Config {
        methods: russh::MethodSet::from(&[russh::MethodKind::PublicKey][..]),
        auth_rejection_time: Duration::from_millis(300),
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![host_key],
        // russh's own inactivity timer is reset by our output, so it cannot see idle
        // readers; sessions keep their own input-based idle timer instead.
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(c.keepalive_secs.max(1))),
        keepalive_max: c.keepalive_max,
        max_auth_attempts: 6,
        nodelay: true,
        ..Default::default()
    }
}

/// Serves SSH on `listener` until `shutdown` turns true, then tells every session,
/// waits briefly for them to say goodbye, and returns.
pub async fn serve(
    camp: Camp,
    listener: TcpListener,
    host_key: PrivateKey,
    shutdown: watch::Receiver<bool>,
) -> crate::Result<()> {
    let config = Arc::new(russh_config(&camp, host_key));
    let c = &camp.config().camp;
    let limiter = Limiter::new(
        c.max_connections,
        c.max_connections_per_ip,
        c.connections_per_ip_per_minute,
    );
    let shared = Arc::new(Shared {
        camp: camp.clone(),
        shutdown: shutdown.clone(),
    });
    let mut stop = shutdown.clone();
    let connections: Arc<std::sync::Mutex<HashMap<u64, russh::server::Handle>>> =
        Default::default();
    let mut next_conn = 0u64;
    loop {
        tokio::select! {
            _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of file descriptors and similar: back off instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let slot = match limiter.acquire(peer.ip()) {
                    Ok(slot) => slot,
                    Err(why) => {
                        tracing::info!(%peer, ?why, "connection refused");
                        if why == Refusal::TooFast {
                            // Repeated trips leave a note moderators see in the audit log.
                            let camp = camp.clone();
                            let who = format!("address {}", peer.ip());
                            tokio::task::spawn_blocking(move || {
                                camp.note_flood(&who, "the connection rate limit")
                            });
                        }
                        refuse(stream, why);
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let config = config.clone();
                let conn = Conn::new(shared.clone(), Some(peer));
                let registry = connections.clone();
                next_conn += 1;
                let conn_id = next_conn;
                tokio::spawn(async move {
                    match russh::server::run_stream(config, stream, conn).await {
                        Ok(session) => {
                            lock(&registry).insert(conn_id, session.handle());
                            if let Err(e) = session.await {
                                tracing::debug!(%peer, "connection ended: {e}");
                            }
                            lock(&registry).remove(&conn_id);
                        }
                        Err(e) => tracing::debug!(%peer, "handshake failed: {e}"),
                    }
                    drop(slot);
                });
            }
        }
    }
    // Sessions saw the same signal and are saying goodbye; give them a moment, then
    // hang up on every connection that is still open (exec-only clients included).
    wait_until_closed(&limiter, Duration::from_millis(500)).await;
    let open: Vec<russh::server::Handle> = lock(&connections).values().cloned().collect();
    for handle in open {
        let _ = handle
            .disconnect(
                russh::Disconnect::ByApplication,
                "camp is shutting down".into(),
                String::new(),
            )
            .await;
    }
    wait_until_closed(&limiter, Duration::from_secs(2)).await;
    Ok(())
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn wait_until_closed(limiter: &Limiter, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    while limiter.open() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Says why before hanging up; SSH clients print lines sent before the version string.
fn refuse(stream: tokio::net::TcpStream, why: Refusal) {
    let msg: &[u8] = match why {
        Refusal::Full => b"camp is full right now; please try again in a few minutes\r\n",
        Refusal::TooManyFromIp => {
            b"too many connections from your address; close some and try again\r\n"
        }
        Refusal::TooFast => {
            b"too many new connections from your address; wait a minute and try again\r\n"
        }
    };
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            use tokio::io::AsyncWriteExt;
            let mut stream = stream;
            let _ = stream.write_all(msg).await;
            let _ = stream.shutdown().await;
        })
        .await;
    });
}
