//! The russh `Handler` for one connection. It authenticates by public key, answers every
//! channel request with success or failure, and forwards input bytes, resizes and
//! closes to the channel's own task. It never awaits that task (the russh loop that
//! would drain the task's output is the one running this code).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use russh::keys::HashAlg;
use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Pty};
use tokio::sync::{mpsc, watch};

use crate::camp::KeyInfo;
use crate::ssh::Shared;
use crate::ssh::members::Verdict;
use crate::ssh::output::ChannelWriter;
use crate::ssh::session::{ChannelInput, SessionStart, Size, cell_pixels};

/// Session channels one connection may hold (OpenSSH multiplexing opens several).
const MAX_CHANNELS: usize = 8;
/// Channels a connection whose key belongs to no account may open over its life (see
/// `max_channels_per_connection`): joining takes one or two, and `max_strangers` such
/// connections may be open at once.
const STRANGER_CHANNELS: usize = 16;
/// Input messages queued for a channel task before more input is dropped.
const INPUT_QUEUE: usize = 256;
/// Environment variables kept per channel.
const MAX_ENV: usize = 32;
/// Longest wait after authentication for the door's verdict (one account look-up);
/// past it the connection goes on and the door hangs up later if it must.
const VERDICT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// What a pty request said about the client's terminal.
struct PtyRequest {
    /// `TERM` (cleaned, at most 64 characters).
    term: String,
    size: Size,
    /// One cell's size in pixels, when the client said.
    cell_px: Option<(u16, u16)>,
}

#[derive(Default)]
struct ChannelState {
    /// Writes the channel's output within the window the client grants (see
    /// [`crate::ssh::output::ChannelWriter`]); taken by the channel's task.
    writer: Option<ChannelWriter>,
    pty: Option<PtyRequest>,
    env: Vec<(String, String)>,
    input: Option<mpsc::Sender<ChannelInput>>,
    size: Option<watch::Sender<Size>>,
}

/// One SSH connection.
pub(crate) struct Conn {
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    key: Option<KeyInfo>,
    channels: HashMap<ChannelId, ChannelState>,
    /// Channels opened over the connection's life (see `max_channels_per_connection`).
    opened: usize,
    /// The key was found to be a member's (looked up once a stranger's share of
    /// channels is used, then remembered).
    member: bool,
    /// Tells the connection's watcher (login grace, strangers cap) who logged in.
    authenticated: watch::Sender<Option<KeyInfo>>,
    /// The door's answer to that login (the per-account connection cap).
    verdict: watch::Receiver<Verdict>,
    /// Ends the connection's socket (its sessions drop a client that stopped reading).
    hangup: crate::ssh::hangup::Hangup,
}

impl Conn {
    pub(crate) fn new(
        shared: Arc<Shared>,
        peer: Option<SocketAddr>,
        authenticated: watch::Sender<Option<KeyInfo>>,
        verdict: watch::Receiver<Verdict>,
        hangup: crate::ssh::hangup::Hangup,
    ) -> Self {
        Conn {
            shared,
            peer,
            key: None,
            channels: HashMap::new(),
            opened: 0,
            member: false,
            authenticated,
            verdict,
            hangup,
        }
    }

    fn start(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
        command: Option<Vec<u8>>,
    ) -> Result<(), russh::Error> {
        let Some(state) = self.channels.get_mut(&channel) else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        let Some(key) = self.key.clone() else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        let Some(writer) = state.writer.take().filter(|_| state.input.is_none()) else {
            // One shell or command per channel.
            session.channel_failure(channel)?;
            return Ok(());
        };
        session.channel_success(channel)?;
        let (tx, rx) = mpsc::channel(INPUT_QUEUE);
        state.input = Some(tx);
        let size = state.pty.as_ref().map(|p| p.size).unwrap_or_default();
        let (size_tx, size_rx) = watch::channel(size);
        state.size = Some(size_tx);
        let start = SessionStart {
            camp: self.shared.camp.clone(),
            handle: session.handle(),
            channel,
            writer,
            key,
            term: state.pty.as_ref().map(|p| p.term.clone()),
            cell_px: state.pty.as_ref().and_then(|p| p.cell_px),
            env: state.env.clone(),
            input: rx,
            size: size_rx,
            shutdown: self.shared.shutdown.clone(),
            hangup: self.hangup.clone(),
        };
        let peer = self.peer;
        tokio::spawn(async move {
            tracing::debug!(?peer, "channel task starts");
            crate::ssh::session::run(start, command).await;
        });
        Ok(())
    }
}

impl Handler for Conn {
    type Error = russh::Error;

    async fn authentication_banner(&mut self) -> Result<Option<String>, Self::Error> {
        Ok(Some(crate::ssh::AUTH_BANNER.to_string()))
    }

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Reject {
            proceed_with_methods: Some(russh::MethodSet::from(&[russh::MethodKind::PublicKey][..])),
            partial_success: false,
        })
    }

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        // Only the key whose signature russh verified is trusted, never one merely offered.
        let public = key.public_key;
        let info = KeyInfo {
            fingerprint: public.fingerprint(HashAlg::Sha256).to_string(),
            algorithm: public.algorithm().as_str().to_string(),
            openssh: public.to_openssh().unwrap_or_default(),
        };
        self.key = Some(info.clone());
        let _ = self.authenticated.send(Some(info));
        Ok(Auth::Accept)
    }

    async fn auth_succeeded(&mut self, session: &mut Session) -> Result<(), Self::Error> {
        // The session loop waits here, so no channel opens before the door has decided.
        let decided = tokio::time::timeout(
            VERDICT_WAIT,
            self.verdict.wait_for(|v| *v != Verdict::Pending),
        )
        .await;
        let refused = match decided {
            Ok(Ok(v)) => match &*v {
                Verdict::TooMany(msg) => Some(msg.clone()),
                _ => None,
            },
            _ => None,
        };
        if let Some(msg) = refused {
            session.disconnect(russh::Disconnect::TooManyConnections, &msg, "")?;
        }
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // russh does not report channels the server closed itself: forget those whose
        // task has ended, or a long-lived multiplexed connection would run out of slots.
        self.channels
            .retain(|_, s| s.input.as_ref().is_none_or(|tx| !tx.is_closed()));
        let mut lifetime = self.shared.camp.config().camp.max_channels_per_connection;
        if !self.member && self.opened >= STRANGER_CHANNELS.min(lifetime) {
            // Past a stranger's share, only a member's key goes on (a stranger who
            // joined on this connection is one now).
            self.member = self.key.as_ref().is_some_and(|k| {
                matches!(
                    self.shared.camp.account_for_key(&k.fingerprint),
                    Ok(Some(_))
                )
            });
            if !self.member {
                lifetime = STRANGER_CHANNELS.min(lifetime);
            }
        }
        if self.channels.len() >= MAX_CHANNELS || self.opened >= lifetime {
            reply
                .reject(russh::ChannelOpenFailure::ResourceShortage)
                .await;
            return Ok(());
        }
        self.opened += 1;
        let id = channel.id();
        // Only the writing half is kept: requests and input reach the handler's methods.
        let (_, writer) = channel.split();
        self.channels.insert(
            id,
            ChannelState {
                writer: Some(Arc::new(writer)),
                ..ChannelState::default()
            },
        );
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        col_width: u32,
        row_height: u32,
        pix_width: u32,
        pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match self.channels.get_mut(&channel) {
            Some(state) if state.input.is_none() => {
                let term = crate::text::sanitize_line(term).chars().take(64).collect();
                state.pty = Some(PtyRequest {
                    term,
                    size: Size::clamped(col_width, row_height),
                    cell_px: cell_pixels(col_width, row_height, pix_width, pix_height),
                });
                session.channel_success(channel)?;
            }
            _ => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        variable_name: &str,
        variable_value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let wanted = matches!(
            variable_name,
            "NO_COLOR" | "COLORTERM" | "LANG" | "LC_ALL" | "TZ"
        );
        match self.channels.get_mut(&channel) {
            Some(state) if wanted && state.env.len() < MAX_ENV && variable_value.len() <= 256 => {
                state.env.push((
                    variable_name.to_string(),
                    crate::text::sanitize_line(variable_value),
                ));
                session.channel_success(channel)?;
            }
            _ => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.start(channel, session, None)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if data.len() > 64 * 1024 {
            session.channel_failure(channel)?;
            return Ok(());
        }
        self.start(channel, session, Some(data.to_vec()))
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.channels.get(&channel).and_then(|c| c.input.as_ref())
            && tx.try_send(ChannelInput::Data(data.to_vec())).is_err()
        {
            // A full queue means the task is far behind: dropping keystrokes beats
            // stalling the connection (which would also stall its output).
            tracing::debug!(?self.peer, "input dropped: session busy");
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.channels.get(&channel).and_then(|c| c.size.as_ref()) {
            let _ = tx.send(Size::clamped(col_width, row_height));
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.channels.get(&channel).and_then(|c| c.input.as_ref()) {
            let _ = tx.try_send(ChannelInput::Eof);
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Dropping the sender tells the task the client has gone.
        self.channels.remove(&channel);
        Ok(())
    }
}
