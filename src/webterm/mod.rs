//! The browser terminal: `/terminal` is a static page (HTML, one script of ours and the
//! vendored xterm.js, all embedded in the binary) that opens `/terminal/ws` and runs
//! the same terminal app as SSH over it.
//!
//! Threats and answers:
//! - Another site driving a camper's terminal: the WebSocket upgrade must come from our
//!   own origin (403 otherwise); there are no cookies to ride on, identity is a key.
//! - Someone else's key: the browser proves a non-extractable key by signing a fresh,
//!   single-use challenge that names this camp (see `proof`).
//! - Floods: every socket goes through the same door as SSH (`ssh::Door`: global and
//!   per-address caps, a rate, the strangers' roll, a login grace time, a per-account
//!   cap), and the session has the same idle timeout, output stall and sanitizing.
//! - Hostile bytes: frames are capped (`socket::MAX_MESSAGE`), control messages are
//!   small JSON checked field by field, terminal bytes go through the same decoder.
//! - Injected script: a strict Content-Security-Policy (scripts from our origin only,
//!   no inline script, no framing).

pub mod proof;
mod socket;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;

use crate::Camp;
use crate::ssh::Door;
use crate::web::WebState;

pub use socket::{MAX_CONTROL, MAX_MESSAGE};

/// Everything the browser terminal's routes share.
pub struct WebTerm {
    camp: Camp,
    /// The web door's state: the public origin and the real client's address.
    web: WebState,
    door: Arc<Door>,
    /// `SHA256:…` of the SSH host key: the camp a challenge names.
    host_key: String,
    /// The public origin (`https://camp.example`): the only Origin allowed to upgrade.
    origin: String,
    shutdown: watch::Receiver<bool>,
}

impl WebTerm {
    /// The browser terminal of the web door `web`, its connections counted by `door`.
    pub fn new(web: &WebState, door: Arc<Door>, shutdown: watch::Receiver<bool>) -> Arc<WebTerm> {
        Arc::new(WebTerm {
            camp: web.camp().clone(),
            host_key: web.host_key().fingerprint.clone(),
            origin: web.origin().to_string(),
            web: web.clone(),
            door,
            shutdown,
        })
    }

    /// The origin upgrades must come from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The address a request is counted under (behind a trusted proxy, the client's).
    fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        self.web.client_ip(peer, headers)
    }
}

/// The routes: `/terminal`, its assets, and `/terminal/ws`. Served by the web door
/// (`web::serve`, which gives handlers the peer's address).
pub fn router(t: Arc<WebTerm>) -> Router {
    Router::new()
        .route("/terminal", get(page))
        .route("/terminal/", get(page))
        .route("/terminal/ws", get(socket::upgrade))
        .route(
            "/terminal/terminal.js",
            get(|| asset(APP_JS, "text/javascript")),
        )
        .route("/terminal/terminal.css", get(|| asset(APP_CSS, "text/css")))
        .route(
            "/terminal/xterm.js",
            get(|| asset(XTERM_JS, "text/javascript")),
        )
        .route("/terminal/xterm.css", get(|| asset(XTERM_CSS, "text/css")))
        .route(
            "/terminal/addon-fit.js",
            get(|| asset(FIT_JS, "text/javascript")),
        )
        .route(
            "/terminal/addon-unicode11.js",
            get(|| asset(UNICODE11_JS, "text/javascript")),
        )
        .with_state(t)
}

const PAGE: &[u8] = include_bytes!("../../web/terminal.html");
const APP_JS: &[u8] = include_bytes!("../../web/terminal.js");
const APP_CSS: &[u8] = include_bytes!("../../web/terminal.css");
const XTERM_JS: &[u8] = include_bytes!("../../web/vendor/xterm/xterm.js");
const XTERM_CSS: &[u8] = include_bytes!("../../web/vendor/xterm/xterm.css");
const FIT_JS: &[u8] = include_bytes!("../../web/vendor/xterm/addon-fit.js");
const UNICODE11_JS: &[u8] = include_bytes!("../../web/vendor/xterm/addon-unicode11.js");

/// The page's policy: our own scripts only, no inline script, no plugins, no framing,
/// connections only back to us. Inline styles stay allowed because xterm.js sizes its
/// cells with a `<style>` element it writes itself.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

async fn page() -> Response {
    let mut r = asset(PAGE, "text/html; charset=utf-8").await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

async fn asset(body: &'static [u8], kind: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}
