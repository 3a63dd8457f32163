//! One browser terminal connection over `/terminal/ws`. Like the SSH handler, this
//! code only moves bytes: it proves the key (see `proof`), lets the door decide (the
//! same caps, strangers' roll, login grace and per-account cap as SSH), then hands
//! input to the session task that SSH channels run (`ssh::session`) and its frames
//! back to the socket.
//!
//! The wire: text frames are small JSON control messages (the challenge, `hello`,
//! `resize`, `welcome`, `error`), at most [`MAX_CONTROL`] bytes; binary frames carry
//! terminal bytes, at most [`MAX_MESSAGE`]. Anything else ends the connection.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::ssh::grace::LoginGrace;
use crate::ssh::hangup::{self, Hangup};
use crate::ssh::limits::Refusal;
use crate::ssh::members::Verdict;
use crate::ssh::output::{Output, SendFuture, Sender};
use crate::ssh::session::{ChannelInput, Size, TuiStart, run_tui_session};
use crate::ssh::{LeaveRoll, Watched, watch_login};
use crate::webterm::WebTerm;
use crate::webterm::proof::{self, Alg, ProofError};

/// Largest message a browser may send (a paste included); larger ones end the socket.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// Largest control (text) message.
pub const MAX_CONTROL: usize = 2048;
/// How long a challenge may be answered.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(60);
/// Input messages queued for the session before more input is dropped (as over SSH).
const INPUT_QUEUE: usize = 256;
/// Longest wait for the door's verdict after the proof.
const VERDICT_WAIT: Duration = Duration::from_secs(10);
/// Longest an invite code prefilled from the page may be.
const MAX_INVITE: usize = 64;

/// A message from the page.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum FromPage {
    /// The signed challenge and the first screen size.
    Hello {
        alg: String,
        public_key: String,
        signature: String,
        nonce: String,
        #[serde(default)]
        cols: u32,
        #[serde(default)]
        rows: u32,
        #[serde(default)]
        invite: Option<String>,
    },
    /// A new screen size.
    Resize { cols: u32, rows: u32 },
}

/// `GET /terminal/ws`: checks the Origin and the door's caps, then upgrades.
pub async fn upgrade(
    State(t): State<Arc<WebTerm>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // Browsers always send Origin on a WebSocket upgrade; a page elsewhere must not
    // drive a camper's terminal, so only our own origin passes.
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or("");
    if origin != t.origin {
        tracing::info!(%peer, origin = %crate::text::sanitize_line(origin), "websocket from a foreign origin refused");
        return (
            StatusCode::FORBIDDEN,
            "this terminal only opens from its own page\n",
        )
            .into_response();
    }
    let ip = t.client_ip(peer, &headers);
    let slot = match t.door.admit(&t.camp, ip) {
        Ok(slot) => slot,
        Err(why) => {
            tracing::info!(%ip, ?why, "browser terminal refused");
            let (status, msg) = match why {
                Refusal::Full => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "camp is full right now; please try again in a few minutes\n",
                ),
                Refusal::TooManyFromIp => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many connections from your address; close some and try again\n",
                ),
                Refusal::TooFast => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many new connections from your address; wait a minute and try again\n",
                ),
            };
            return (status, msg).into_response();
        }
    };
    let id = t.door.next_id();
    let (_, hangup) = hangup::track(());
    // Every connection starts as a stranger, its slot held on the roll.
    t.door
        .strangers
        .admit(id, t.door.limiter.bucket(ip), slot, hangup.clone());
    let leave = LeaveRoll(t.door.strangers.clone(), id);
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| connection(t, socket, id, hangup, leave))
}

/// A frame for the writer, and who to tell once it is on the socket.
type Outgoing = (Message, Option<oneshot::Sender<()>>);

/// Runs one upgraded connection: the login watcher beside the proof and the session.
async fn connection(
    t: Arc<WebTerm>,
    socket: WebSocket,
    id: u64,
    hangup: Hangup,
    _leave: LeaveRoll,
) {
    let (mut sink, stream) = socket.split();
    let (wtx, mut wrx) = mpsc::channel::<Outgoing>(4);
    let writer = tokio::spawn(async move {
        while let Some((msg, ack)) = wrx.recv().await {
            let closing = matches!(msg, Message::Close(_));
            if sink.send(msg).await.is_err() {
                break;
            }
            if let Some(ack) = ack {
                let _ = ack.send(());
            }
            if closing {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let (authenticated, mut logins) = watch::channel(None);
    let (verdict, verdicts) = watch::channel(Verdict::Pending);
    let watched = Watched {
        camp: t.camp.clone(),
        strangers: t.door.strangers.clone(),
        members: t.door.members.clone(),
        registry: Default::default(),
        id,
        hangup: hangup.clone(),
        verdict,
    };
    let grace = LoginGrace::starting_now(t.camp.config().login_grace());
    let watcher = async move {
        // Held while the connection lasts, once it is a member's.
        let _member_slots = watch_login(&watched, grace, &mut logins).await;
        std::future::pending::<()>().await
    };
    let session = session(&t, stream, wtx.clone(), authenticated, verdicts);
    let pinger = ping(wtx.clone(), t.camp.config().camp.web_idle_secs);
    tokio::select! {
        _ = watcher => {}
        _ = pinger => {}
        _ = hangup.wait() => tracing::debug!("browser terminal hung up by the door"),
        _ = session => {}
    }
    let _ = wtx.send((Message::Close(None), None)).await;
    drop(wtx);
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
}

/// Pings the browser three times per web idle time, for ever: the web door closes a
/// connection that goes quiet for that long (`web::conn`), and a terminal someone
/// merely left open must not be, so the ping and the browser's pong keep it talking.
/// The session's own idle timeout (key presses) still applies.
async fn ping(wtx: mpsc::Sender<Outgoing>, idle_secs: u64) {
    let every = (Duration::from_secs(idle_secs) / 3).max(Duration::from_millis(100));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if wtx
            .send((Message::Ping(Vec::new().into()), None))
            .await
            .is_err()
        {
            break;
        }
    }
    std::future::pending::<()>().await
}

/// Sends one control message.
async fn control(wtx: &mpsc::Sender<Outgoing>, value: serde_json::Value) {
    let _ = wtx
        .send((Message::Text(value.to_string().into()), None))
        .await;
}

/// Says why, and closes.
async fn refuse(wtx: &mpsc::Sender<Outgoing>, why: &str) {
    control(wtx, serde_json::json!({"type": "error", "message": why})).await;
    let frame = CloseFrame {
        code: axum::extract::ws::close_code::POLICY,
        reason: Utf8Bytes::from(why.chars().take(100).collect::<String>()),
    };
    let _ = wtx.send((Message::Close(Some(frame)), None)).await;
}

/// The next control message, skipping pings; `None` when the socket ends or breaks the
/// protocol (terminal bytes before the proof, oversized or unreadable control).
async fn next_control(
    stream: &mut futures::stream::SplitStream<WebSocket>,
) -> Option<Result<FromPage, String>> {
    loop {
        match stream.next().await? {
            Ok(Message::Text(text)) if text.len() <= MAX_CONTROL => {
                return Some(serde_json::from_str(&text).map_err(|_| "unreadable message".into()));
            }
            Ok(Message::Text(_)) => return Some(Err("control message too large".into())),
            Ok(Message::Binary(_)) => return Some(Err("sign in before typing".into())),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Ok(Message::Close(_)) | Err(_) => return None,
        }
    }
}

/// The proof, the door's verdict, then the terminal app until either side ends it.
async fn session(
    t: &WebTerm,
    mut stream: futures::stream::SplitStream<WebSocket>,
    wtx: mpsc::Sender<Outgoing>,
    authenticated: watch::Sender<Option<crate::camp::KeyInfo>>,
    mut verdicts: watch::Receiver<Verdict>,
) {
    let nonce = proof::new_nonce();
    let issued = Instant::now();
    control(
        &wtx,
        serde_json::json!({
            "type": "challenge",
            "nonce": nonce,
            "origin": t.origin,
            "host_key": t.host_key,
        }),
    )
    .await;
    let (key, size, invite) = match next_control(&mut stream).await {
        None => return,
        Some(Err(why)) => return refuse(&wtx, &why).await,
        Some(Ok(FromPage::Resize { .. })) => return refuse(&wtx, "sign in first").await,
        Some(Ok(FromPage::Hello {
            alg,
            public_key,
            signature,
            nonce: answered,
            cols,
            rows,
            invite,
        })) => {
            // Single use: this connection's one nonce, answered once, in time.
            if answered != nonce || issued.elapsed() > CHALLENGE_TTL {
                return refuse(&wtx, &ProofError::StaleChallenge.to_string()).await;
            }
            let Some(alg) = Alg::parse(&alg) else {
                return refuse(&wtx, &ProofError::Malformed.to_string()).await;
            };
            let message = proof::challenge_text(&t.origin, &t.host_key, &nonce);
            match proof::verify(alg, &public_key, &signature, message.as_bytes()) {
                Ok(key) => (
                    key,
                    Size::clamped(cols, rows),
                    invite.filter(|c| valid_invite(c)),
                ),
                Err(e) => {
                    tracing::info!("browser terminal proof refused: {e}");
                    return refuse(&wtx, &e.to_string()).await;
                }
            }
        }
    };
    let _ = authenticated.send(Some(key.clone()));
    let refused = {
        let decided =
            tokio::time::timeout(VERDICT_WAIT, verdicts.wait_for(|v| *v != Verdict::Pending)).await;
        match decided {
            Ok(Ok(v)) => match &*v {
                Verdict::TooMany(msg) => Some(msg.clone()),
                _ => None,
            },
            _ => None,
        }
    };
    if let Some(msg) = refused {
        return refuse(&wtx, &msg).await;
    }
    control(
        &wtx,
        serde_json::json!({"type": "welcome", "fingerprint": key.fingerprint}),
    )
    .await;

    let (input_tx, input) = mpsc::channel(INPUT_QUEUE);
    let (size_tx, size) = watch::channel(size);
    let frames = wtx.clone();
    let sender: Sender = Arc::new(move |frame: Vec<u8>| {
        let frames = frames.clone();
        Box::pin(async move {
            let (ack, sent) = oneshot::channel();
            frames
                .send((Message::Binary(frame.into()), Some(ack)))
                .await
                .map_err(|_| ())?;
            sent.await.map_err(|_| ())
        }) as SendFuture
    });
    let stall = std::time::Duration::from_secs(t.camp.config().camp.output_stall_secs);
    let mut out = Output::with_sender(sender, stall);
    let start = TuiStart {
        camp: t.camp.clone(),
        key,
        term: Some("xterm-256color".into()),
        cell_px: None,
        env: vec![("COLORTERM".into(), "truecolor".into())],
        input,
        size,
        shutdown: t.shutdown.clone(),
        invite,
        // No OSC 8 or OSC 52 for the browser: the vendored xterm.js has no clipboard
        // addon and no link handler of ours, so the picker shows URLs to select instead.
        osc: false,
    };
    let tui = run_tui_session(start, &mut out);
    let reader = async move {
        while let Some(msg) = stream.next().await {
            match msg {
                Ok(Message::Binary(bytes)) => {
                    if input_tx
                        .try_send(ChannelInput::Data(bytes.to_vec()))
                        .is_err()
                    {
                        // As over SSH: dropping keystrokes beats stalling the output.
                        tracing::debug!("browser input dropped: session busy");
                    }
                }
                Ok(Message::Text(text)) if text.len() <= MAX_CONTROL => {
                    match serde_json::from_str::<FromPage>(&text) {
                        Ok(FromPage::Resize { cols, rows }) => {
                            let _ = size_tx.send(Size::clamped(cols, rows));
                        }
                        _ => break,
                    }
                }
                Ok(Message::Ping(_) | Message::Pong(_)) => {}
                _ => break,
            }
        }
        // Dropping the input sender tells the session the client has gone.
    };
    tokio::pin!(tui);
    tokio::select! {
        _ = &mut tui => {}
        _ = reader => { let _ = tui.await; }
    }
}

/// An invite or link code as the page may prefill it: short, letters, digits, `-`, `_`.
fn valid_invite(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_INVITE
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefilled_codes_are_short_and_plain() {
        assert!(valid_invite("abcd-efgh-jkmn"));
        assert!(!valid_invite(""));
        assert!(!valid_invite("abcd efgh"));
        assert!(!valid_invite("\u{1b}[2Jcode"));
        assert!(!valid_invite(&"a".repeat(MAX_INVITE + 1)));
    }

    #[test]
    fn control_messages_parse_strictly() {
        let r: FromPage = serde_json::from_str(r#"{"type":"resize","cols":80,"rows":24}"#).unwrap();
        assert!(matches!(r, FromPage::Resize { cols: 80, rows: 24 }));
        assert!(
            serde_json::from_str::<FromPage>(r#"{"type":"resize","cols":-1,"rows":2}"#).is_err()
        );
        assert!(serde_json::from_str::<FromPage>(r#"{"type":"shell"}"#).is_err());
    }
}
