//! The web door: one HTTP listener (`camp serve --http ADDR`, default
//! `127.0.0.1:8080`, `--http off` for none) for the landing page, invite links, the
//! browser terminal and, with `--federate`, the ActivityPub bridge.
//!
//! Everything here answers strangers on the open internet. Nothing a camper wrote is
//! served by the door's own pages (no post, no name, no count unless the admin asks for
//! one); text an admin wrote (name, description, code of conduct) is HTML-escaped like
//! any other input; pages carry a strict Content-Security-Policy, set no cookies and
//! run no inline script. Per-address limits count the real client, believed through
//! `X-Forwarded-For` only from `trusted_proxies` ([`forwarded`]).
//!
//! [`router`] is the one place the door's routers are put together; [`serve`] runs it.
//!
//! - [`conn`]: caps on open connections and a close for quiet ones.
//! - [`forwarded`]: which address a request really comes from.
//! - [`html`]: escaping and the security headers every page carries.
//! - [`landing`]: `/` and `/join/CODE`; [`guides`]: its per-system SSH guides.

pub mod conn;
pub mod forwarded;
pub mod guides;
pub mod html;
pub mod landing;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Camp;
use crate::camp::RateWindow;
use crate::config::FileConfig;
use crate::error::Result;
use forwarded::TrustedProxies;

/// The SSH host key as the pages show it.
#[derive(Debug, Clone)]
pub struct HostKey {
    /// `SHA256:...`, as `ssh` prints it on first connection.
    pub fingerprint: String,
    /// The public key in OpenSSH form (`ssh-ed25519 AAAA...`), for `known_hosts`.
    pub openssh: String,
}

impl HostKey {
    /// The fingerprint and public key of the server's host key.
    pub fn of(key: &russh::keys::PrivateKey) -> HostKey {
        let public = key.public_key();
        let openssh = public.to_openssh().unwrap_or_default();
        // Drop the comment: known_hosts needs only the type and the key.
        let openssh = openssh.split(' ').take(2).collect::<Vec<_>>().join(" ");
        HostKey {
            fingerprint: crate::ssh::hostkey::fingerprint(key),
            openssh,
        }
    }
}

/// What every route of the door shares: cheap to clone.
#[derive(Clone)]
pub struct WebState {
    inner: Arc<Inner>,
}

struct Inner {
    camp: Camp,
    origin: String,
    host_key: HostKey,
    proxies: TrustedProxies,
    invite_lookups: RateWindow<IpAddr>,
}

impl WebState {
    /// The door's state for `camp`, whose public origin is `origin` (no trailing
    /// slash) and whose SSH host key is `host_key`.
    pub fn new(camp: Camp, origin: String, host_key: HostKey) -> Result<WebState> {
        let file = &camp.config().camp;
        let proxies = TrustedProxies::parse(&file.trusted_proxies)?;
        let invite_lookups = RateWindow::new(
            file.invite_lookups_per_minute,
            std::time::Duration::from_secs(60),
        );
        Ok(WebState {
            inner: Arc::new(Inner {
                camp,
                origin,
                host_key,
                proxies,
                invite_lookups,
            }),
        })
    }

    /// The camp served.
    pub fn camp(&self) -> &Camp {
        &self.inner.camp
    }

    /// The public origin (`https://camp.example`): links, and the Origin a browser's
    /// WebSocket upgrade must carry.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// The SSH host key, as pages show it.
    pub fn host_key(&self) -> &HostKey {
        &self.inner.host_key
    }

    /// The real client of a request that reached us from `peer`: see [`forwarded`].
    pub fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        self.inner.proxies.client(peer.ip(), headers)
    }

    /// The per-address bucket of `ip` (an IPv6 address counts by its network, as at
    /// the SSH door).
    pub fn bucket(&self, ip: IpAddr) -> IpAddr {
        crate::ssh::limits::bucket(ip, self.inner.camp.config().camp.ipv6_prefix)
    }

    /// Charges one invite-link lookup to the client's address; false when it has had
    /// its share this minute.
    pub fn allow_invite_lookup(&self, client: IpAddr) -> bool {
        self.inner
            .invite_lookups
            .allow(&self.bucket(client), Instant::now())
    }
}

/// The whole door: the landing page and invite links, the bridge's routes when the
/// camp federates (`federation`: [`crate::federation::BridgeHandle::router`]), and
/// every other face of the door, merged here and nowhere else. A path nobody serves
/// answers 404.
pub fn router(state: &WebState, federation: Option<Router>, terminal: Option<Router>) -> Router {
    let mut app = landing::router(state.clone());
    if let Some(ap) = federation {
        app = app.merge(ap);
    }
    // The browser terminal (`/terminal`: [`crate::webterm::router`]).
    if let Some(t) = terminal {
        app = app.merge(t);
    }
    // Further faces of the door are merged here, one line each.
    app = app.merge(crate::metrics::router(state.camp().clone()));
    app.fallback(not_found)
}

async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found\n")
}

/// The running door: where it listens, and its server task.
pub struct WebHandle {
    /// The bound address (with the real port when 0 was asked for).
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl WebHandle {
    /// Waits (briefly) for the server to finish after the stop signal.
    pub async fn join(self) {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.task).await;
    }
}

/// Serves `app` on `listener` until `stop` turns true, under the connection caps and
/// idle close of `file` ([`conn`]). Handlers may extract `ConnectInfo<SocketAddr>`
/// (the peer; see [`WebState::client_ip`]).
pub fn serve(
    listener: TcpListener,
    file: &FileConfig,
    app: Router,
    mut stop: watch::Receiver<bool>,
) -> WebHandle {
    let addr = listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let listener = conn::CappedListener::new(
        listener,
        file.max_web_connections,
        file.max_web_connections_per_ip,
        file.ipv6_prefix,
        std::time::Duration::from_secs(file.web_idle_secs),
    )
    // A no-op tap: axum gives `ConnectInfo<SocketAddr>` for a `TapIo` over any
    // listener whose address is a `SocketAddr`, and the orphan rule keeps us from
    // saying so for our own listener.
    .tap_io(|_| {});
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop.wait_for(|v| *v).await;
        };
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::warn!("the web door ended: {e}");
        }
    });
    WebHandle { addr, task }
}
