//! The SSH front door: our own accept loop with connection caps, a login grace time
//! and a cap on strangers, public-key-only auth, and one task per session channel
//! (TUI, exec command, or a hint for shells without a PTY). The russh `Handler` only
//! forwards input, resizes and closes to that task.
//!
//! Each policy of the door is one small module: `limits` (global, per-address and
//! per-minute caps), `grace` (the login deadline), `strangers` (the cap on connections
//! that are not a member's) and `hangup` (closing a connection in any phase).

mod exec;
mod grace;
mod handler;
mod hangup;
pub mod hostkey;
pub mod limits;
mod output;
mod session;
mod strangers;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use russh::keys::PrivateKey;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};

use crate::Camp;
use crate::camp::{CampEvent, KeyInfo};
use grace::{Login, LoginGrace};
use handler::Conn;
use hangup::{Hangup, Tracked};
use limits::{Limiter, Refusal, Slot};
use strangers::Strangers;

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

type Registry = Arc<std::sync::Mutex<HashMap<u64, russh::server::Handle>>>;

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
        c.ipv6_prefix,
    );
    let strangers = Strangers::new(c.max_strangers);
    let grace = camp.config().login_grace();
    let shared = Arc::new(Shared {
        camp: camp.clone(),
        shutdown: shutdown.clone(),
    });
    let mut stop = shutdown.clone();
    let connections: Registry = Default::default();
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
                let slot = match take_slot(&limiter, &strangers, peer.ip()) {
                    Ok(slot) => slot,
                    Err(why) => {
                        tracing::info!(%peer, ?why, "connection refused");
                        if why == Refusal::TooFast {
                            // Repeated trips leave a note moderators see in the audit log.
                            let camp = camp.clone();
                            let who = format!("address {}", shown_bucket(&camp, &limiter, peer.ip()));
                            tokio::task::spawn_blocking(move || {
                                camp.note_flood(&who, "the connection rate limit")
                            });
                        }
                        refuse(stream, why);
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                next_conn += 1;
                let (stream, hangup) = hangup::track(stream);
                // Every connection starts as a stranger, its slot held on the roll.
                strangers.admit(next_conn, slot, hangup.clone());
                tokio::spawn(connection(Connection {
                    shared: shared.clone(),
                    config: config.clone(),
                    stream,
                    hangup,
                    peer,
                    id: next_conn,
                    strangers: strangers.clone(),
                    registry: connections.clone(),
                    grace: LoginGrace::starting_now(grace),
                }));
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
    // Connections still in the handshake cannot take a disconnect message.
    strangers.hang_up_all();
    wait_until_closed(&limiter, Duration::from_secs(2)).await;
    Ok(())
}

/// A slot for a newcomer from `ip`. When the server is full, a stranger makes room:
/// a flood of strangers never keeps campers out (see `strangers`).
fn take_slot(limiter: &Arc<Limiter>, strangers: &Strangers, ip: IpAddr) -> Result<Slot, Refusal> {
    match limiter.acquire(ip) {
        Err(Refusal::Full) if strangers.make_room() => limiter.acquire(ip),
        other => other,
    }
}

/// An address as it is counted, for people: `2001:db8::/64` for IPv6.
fn shown_bucket(camp: &Camp, limiter: &Limiter, ip: IpAddr) -> String {
    match limiter.bucket(ip) {
        IpAddr::V6(net) => format!("{net}/{}", camp.config().camp.ipv6_prefix),
        v4 => v4.to_string(),
    }
}

/// Everything one connection's task starts with.
struct Connection {
    shared: Arc<Shared>,
    config: Arc<russh::server::Config>,
    stream: Tracked<TcpStream>,
    hangup: Hangup,
    peer: SocketAddr,
    id: u64,
    strangers: Arc<Strangers>,
    registry: Registry,
    grace: LoginGrace,
}

/// Takes a connection off the strangers' roll however its task ends.
struct LeaveRoll(Arc<Strangers>, u64);

impl Drop for LeaveRoll {
    fn drop(&mut self) {
        self.0.leave(self.1);
    }
}

/// Runs one connection: russh on the tracked socket, and beside it the watcher that
/// enforces the login grace time and moves the connection off the strangers' roll
/// once its key is a member's.
async fn connection(c: Connection) {
    let Connection {
        shared,
        config,
        stream,
        hangup,
        peer,
        id,
        strangers,
        registry,
        grace,
    } = c;
    let _leave = LeaveRoll(strangers.clone(), id);
    let (authenticated, mut logins) = watch::channel(None);
    let handler = Conn::new(shared.clone(), Some(peer), authenticated);
    let run = async move {
        match russh::server::run_stream(config, stream, handler).await {
            Ok(session) => {
                lock(&registry).insert(id, session.handle());
                if let Err(e) = session.await {
                    tracing::debug!(%peer, "connection ended: {e}");
                }
                lock(&registry).remove(&id);
            }
            Err(e) => tracing::debug!(%peer, "handshake failed: {e}"),
        }
    };
    let watcher = async move {
        // Held while the connection lasts, once it is a member's.
        let _member_slot =
            watch_login(&shared.camp, grace, &mut logins, &strangers, id, &hangup).await;
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = run => {}
        _ = watcher => {}
    }
}

/// Hangs up when the login grace time runs out; after login, waits until the key
/// belongs to an account (it may join or be linked on this very connection) and then
/// takes the connection off the strangers' roll, returning its slot.
async fn watch_login(
    camp: &Camp,
    grace: LoginGrace,
    logins: &mut watch::Receiver<Option<KeyInfo>>,
    strangers: &Strangers,
    id: u64,
    hangup: &Hangup,
) -> Option<Slot> {
    let key = match grace.wait(logins).await {
        Login::In(key) => key,
        Login::TooSlow => {
            tracing::info!("login grace time over; hanging up");
            strangers.leave(id);
            hangup.hang_up();
            return None;
        }
        Login::Gone => return None,
    };
    strangers.authenticated(id);
    // Subscribe before looking, so a join between the look and the wait is not missed.
    let mut events = camp.subscribe();
    loop {
        if is_member(camp, &key.fingerprint).await {
            return strangers.promote(id);
        }
        // A join or a newly linked key shows up as a change to some account.
        loop {
            match events.recv().await {
                Ok(CampEvent::AccountChanged(_)) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    break;
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// True when `fingerprint` logs in to an account in good standing.
async fn is_member(camp: &Camp, fingerprint: &str) -> bool {
    let (camp, fingerprint) = (camp.clone(), fingerprint.to_string());
    matches!(
        tokio::task::spawn_blocking(move || camp.account_for_key(&fingerprint)).await,
        Ok(Ok(Some(account))) if !account.suspended
    )
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
