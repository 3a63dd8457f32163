//! The SSH front door: our own accept loop with connection caps, a login grace time
//! and a cap on strangers, public-key-only auth, and one task per session channel
//! (TUI, exec command, or a hint for shells without a PTY). The russh `Handler` only
//! forwards input, resizes and closes to that task.
//!
//! Each policy of the door is one small module: `limits` (global, per-address and
//! per-minute caps), `grace` (the login deadline), `strangers` (the cap on connections
//! that are not a member's), `members` (the cap per account) and `hangup` (closing a
//! connection in any phase).

mod binary;
pub(crate) mod deadline;
mod exec;
pub(crate) mod grace;
mod handler;
pub(crate) mod hangup;
pub mod hostkey;
mod join_link;
pub mod limits;
pub(crate) mod members;
pub(crate) mod output;
mod plain;
pub(crate) mod session;
pub(crate) mod strangers;

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
use members::{MemberSlot, Members, Verdict};
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

pub(crate) type Registry = Arc<std::sync::Mutex<HashMap<u64, russh::server::Handle>>>;

/// The caps that every connection through camp's doors shares, SSH and the browser
/// terminal alike: one global and per-address count, one strangers' roll, one count
/// per account. A flood through one door pushes out only its own strangers, never a
/// camper coming in through the other.
pub struct Door {
    pub(crate) limiter: Arc<Limiter>,
    pub(crate) strangers: Arc<Strangers>,
    pub(crate) members: Arc<Members>,
    next_id: std::sync::atomic::AtomicU64,
}

impl Door {
    /// The door with the caps of `camp`'s settings.
    pub fn new(camp: &Camp) -> Arc<Door> {
        let c = &camp.config().camp;
        Arc::new(Door {
            limiter: Limiter::new(
                c.max_connections,
                c.max_connections_per_ip,
                c.connections_per_ip_per_minute,
                c.ipv6_prefix,
            ),
            strangers: Strangers::new(c.max_strangers),
            members: Members::new(c.max_connections_per_account),
            next_id: std::sync::atomic::AtomicU64::new(1),
        })
    }

    /// A fresh connection id; ids grow with accept order (the strangers' roll needs it).
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// A slot for a newcomer from `ip` (see [`take_slot`]); a refusal for flooding
    /// leaves a note in the audit log.
    pub(crate) fn admit(&self, camp: &Camp, ip: IpAddr) -> Result<Slot, Refusal> {
        let r = take_slot(&self.limiter, &self.strangers, ip);
        if r.as_ref().err() == Some(&Refusal::TooFast) {
            // Repeated trips leave a note moderators see in the audit log.
            let camp = camp.clone();
            let who = format!("address {}", shown_bucket(&camp, &self.limiter, ip));
            tokio::task::spawn_blocking(move || camp.note_flood(&who, "the connection rate limit"));
        }
        r
    }

    /// Connections open now through either door.
    pub fn open(&self) -> usize {
        self.limiter.open()
    }
}

/// Serves SSH on `listener` until `shutdown` turns true, then tells every session,
/// waits briefly for them to say goodbye, and returns.
pub async fn serve(
    camp: Camp,
    door: Arc<Door>,
    listener: TcpListener,
    host_key: PrivateKey,
    shutdown: watch::Receiver<bool>,
) -> crate::Result<()> {
    let config = Arc::new(russh_config(&camp, host_key));
    let (limiter, strangers, members) = (
        door.limiter.clone(),
        door.strangers.clone(),
        door.members.clone(),
    );
    let grace = camp.config().login_grace();
    let shared = Arc::new(Shared {
        camp: camp.clone(),
        shutdown: shutdown.clone(),
    });
    let mut stop = shutdown.clone();
    let connections: Registry = Default::default();
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
                let slot = match door.admit(&camp, peer.ip()) {
                    Ok(slot) => slot,
                    Err(why) => {
                        tracing::info!(%peer, ?why, "connection refused");
                        refuse(stream, why);
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let next_conn = door.next_id();
                let (stream, hangup) = hangup::track(stream);
                // Every connection starts as a stranger, its slot held on the roll.
                strangers.admit(next_conn, limiter.bucket(peer.ip()), slot, hangup.clone());
                tokio::spawn(connection(Connection {
                    shared: shared.clone(),
                    config: config.clone(),
                    stream,
                    hangup,
                    peer,
                    id: next_conn,
                    strangers: strangers.clone(),
                    members: members.clone(),
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

/// A slot for a newcomer from `ip`. The address's own cap and rate come first (and
/// are charged whatever the answer), so an address over its share never gets as far as
/// pushing anyone out. When the server or the strangers' roll is full, a stranger from
/// the busiest address makes room, unless that is the newcomer's own address (see
/// `strangers`): a flood of strangers never keeps campers out.
fn take_slot(limiter: &Arc<Limiter>, strangers: &Strangers, ip: IpAddr) -> Result<Slot, Refusal> {
    let bucket = limiter.bucket(ip);
    let slot = match limiter.acquire(ip) {
        Err(Refusal::Full) if strangers.make_room(bucket) => limiter.retry(ip)?,
        other => other?,
    };
    if strangers.is_full() && !strangers.make_room(bucket) {
        // Dropping the slot gives it back.
        return Err(Refusal::Full);
    }
    Ok(slot)
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
    members: Arc<Members>,
    registry: Registry,
    grace: LoginGrace,
}

/// Takes a connection off the strangers' roll however its task ends.
pub(crate) struct LeaveRoll(pub(crate) Arc<Strangers>, pub(crate) u64);

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
        members,
        registry,
        grace,
    } = c;
    let _leave = LeaveRoll(strangers.clone(), id);
    let (authenticated, mut logins) = watch::channel(None);
    let (verdict, verdicts) = watch::channel(Verdict::Pending);
    let handler = Conn::new(
        shared.clone(),
        Some(peer),
        authenticated,
        verdicts,
        hangup.clone(),
    );
    let watched = Watched {
        camp: shared.camp.clone(),
        strangers,
        members,
        registry: registry.clone(),
        id,
        hangup,
        verdict,
    };
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
        let _member_slots = watch_login(&watched, grace, &mut logins).await;
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = run => {}
        _ = watcher => {}
    }
}

/// What the watcher of one connection's login works with.
pub(crate) struct Watched {
    pub(crate) camp: Camp,
    pub(crate) strangers: Arc<Strangers>,
    pub(crate) members: Arc<Members>,
    /// SSH connections' handles (empty for the browser terminal, which hangs up).
    pub(crate) registry: Registry,
    pub(crate) id: u64,
    pub(crate) hangup: Hangup,
    /// Tells the handler, waiting right after authentication, whether to go on.
    pub(crate) verdict: watch::Sender<Verdict>,
}

/// How long a connection refused for its account's cap has to take its disconnect
/// message before it is hung up regardless.
const REFUSED_LINGER: Duration = Duration::from_secs(2);

/// Hangs up when the login grace time runs out; after login, waits until the key
/// belongs to an account (it may join or be linked on this very connection), takes a
/// place under that account's connection cap (or disconnects, over it) and then takes
/// the connection off the strangers' roll, returning its slots.
pub(crate) async fn watch_login(
    w: &Watched,
    grace: LoginGrace,
    logins: &mut watch::Receiver<Option<KeyInfo>>,
) -> Option<(Slot, MemberSlot)> {
    let key = match grace.wait(logins).await {
        Login::In(key) => key,
        Login::TooSlow => {
            tracing::info!("login grace time over; hanging up");
            w.strangers.leave(w.id);
            w.hangup.hang_up();
            return None;
        }
        Login::Gone => return None,
    };
    // Subscribe before looking, so a join between the look and the wait is not missed.
    let mut events = w.camp.subscribe();
    let mut first_look = true;
    loop {
        if let Some((account, username)) = member_of(&w.camp, &key.fingerprint).await {
            let Some(member) = w.members.enter(account) else {
                refuse_member(w, &username, first_look).await;
                return None;
            };
            let _ = w.verdict.send(Verdict::Welcome);
            return w.strangers.promote(w.id).map(|slot| (slot, member));
        }
        if first_look {
            // A stranger: in to onboarding, still on the roll.
            let _ = w.verdict.send(Verdict::Welcome);
            first_look = false;
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

/// Disconnects a login of `@username` beyond its account's connection cap, saying why.
/// At the first look the handler is still waiting for the verdict and disconnects
/// itself, before any channel opens; later (a key linked on this connection) the
/// running session is told through its handle. Either way the socket is hung up soon
/// after, whatever the client does.
async fn refuse_member(w: &Watched, username: &str, first_look: bool) {
    let msg = format!(
        "@{username} already has {} connections open, the most one account may hold; close one and try again",
        w.members.max()
    );
    tracing::info!(%username, "login refused: too many connections for one account");
    let _ = w.verdict.send(Verdict::TooMany(msg.clone()));
    if !first_look {
        let handle = lock(&w.registry).get(&w.id).cloned();
        if let Some(handle) = handle {
            let _ = handle
                .disconnect(russh::Disconnect::TooManyConnections, msg, String::new())
                .await;
        }
    }
    tokio::time::sleep(REFUSED_LINGER).await;
    w.hangup.hang_up();
}

/// The account (id and username) `fingerprint` logs in to, when it is in good standing.
async fn member_of(camp: &Camp, fingerprint: &str) -> Option<(crate::model::Id, String)> {
    let (camp, fingerprint) = (camp.clone(), fingerprint.to_string());
    match tokio::task::spawn_blocking(move || camp.account_for_key(&fingerprint)).await {
        Ok(Ok(Some(account))) if !account.suspended => Some((account.id, account.username)),
        _ => None,
    }
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
