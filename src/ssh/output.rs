//! Screen output for one channel: at most one frame in flight. While a frame is being
//! handed to the connection, new changes only mark the screen dirty; the next frame is
//! drawn from the latest model once this one is gone, so a slow client gets the latest
//! screen rather than a growing queue, and a client that stops reading is detected.
//!
//! The same policy serves an SSH channel and a browser's WebSocket: only the way a
//! frame is handed over differs ([`Output::new`] and [`Output::with_sender`]).
//!
//! No wait here outlasts the stall limit (`output_stall_secs`): a session loop drops a
//! client whose frame waited that long, and the last words after the loop (a goodbye,
//! the exit status) wait no longer either. Dropping an SSH client hangs up its
//! connection: its socket is full, so nothing (not even a close) could reach it, and
//! until the socket is gone the connection keeps its place under the account's cap.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use russh::ChannelId;
use russh::server::Handle;
use tokio::time::Instant;

use crate::ssh::hangup::Hangup;

/// The writing half of an SSH channel. Output goes through it, not through the
/// connection's handle, because it waits for the client's window. Through the handle, a
/// frame past the window was queued inside russh, which then took nothing more for any
/// channel of that connection until the client granted more: a client that reads its
/// socket but takes no output (a terminal stopped with Ctrl-S, or a hostile client that
/// never grants window) held up its connection's other channels, and was dropped only
/// once the connection's message queue behind that frame had filled too (in the stall
/// test, after 25 KB past an 8 KiB window instead of at 8 KiB). Here the frame waits in
/// its own session, which the stall limit ends.
pub type ChannelWriter = Arc<russh::ChannelWriteHalf<russh::server::Msg>>;

/// A frame on its way; `Err` means the connection is gone.
pub type SendFuture = Pin<Box<dyn Future<Output = Result<(), ()>> + Send>>;
/// Hands one frame to a connection; the future completes once it is handed over.
pub type Sender = Arc<dyn Fn(Vec<u8>) -> SendFuture + Send + Sync>;

/// The frame sender of one session.
pub struct Output {
    sender: Sender,
    /// The SSH channel, for exit status, stderr and close (none over a WebSocket).
    ssh: Option<(Handle, ChannelId, ChannelWriter)>,
    in_flight: Option<(Instant, usize, SendFuture)>,
    /// How long anything handed over may wait for the client.
    stall: Duration,
    /// Hangs up the SSH connection (none over a WebSocket, which ends with its task).
    hangup: Option<Hangup>,
    /// The client was dropped: nothing more is sent.
    hung_up: bool,
    /// Total bytes handed to the connection.
    pub bytes_sent: u64,
}

impl Output {
    /// Output for `channel` of the connection behind `handle`, written through
    /// `writer`, which `hangup` ends when the client has not taken a frame for `stall`.
    pub fn new(
        handle: Handle,
        channel: ChannelId,
        writer: ChannelWriter,
        hangup: Hangup,
        stall: Duration,
    ) -> Self {
        let w = writer.clone();
        let sender: Sender = Arc::new(move |frame: Vec<u8>| {
            let w = w.clone();
            Box::pin(async move { w.data_bytes(frame).await.map_err(|_| ()) }) as SendFuture
        });
        Output {
            sender,
            ssh: Some((handle, channel, writer)),
            in_flight: None,
            stall,
            hangup: Some(hangup),
            hung_up: false,
            bytes_sent: 0,
        }
    }

    /// Output through `sender` (a WebSocket): no exit status, no stderr channel; a frame
    /// not taken within `stall` is given up.
    pub fn with_sender(sender: Sender, stall: Duration) -> Self {
        Output {
            sender,
            ssh: None,
            in_flight: None,
            stall,
            hangup: None,
            hung_up: false,
            bytes_sent: 0,
        }
    }

    /// Drops the client: hangs up an SSH connection, and sends nothing more.
    pub fn hang_up(&mut self) {
        if let Some(h) = &self.hangup {
            h.hang_up();
        }
        self.hung_up = true;
        self.in_flight = None;
    }

    /// Waits until the frame in flight is handed over, at most until it has waited the
    /// stall limit; past it, the client is dropped. `Err` once the client is gone.
    async fn settle(&mut self) -> Result<(), ()> {
        if self.hung_up {
            return Err(());
        }
        let Some((since, _, _)) = self.in_flight else {
            return Ok(());
        };
        match tokio::time::timeout_at(since + self.stall, self.done()).await {
            Ok(r) => r,
            Err(_) => self.gave_up(),
        }
    }

    /// Drops a client that took nothing within the stall limit.
    fn gave_up(&mut self) -> Result<(), ()> {
        tracing::info!("client stopped reading; hanging up");
        self.hang_up();
        Err(())
    }

    /// Runs one of the channel's closing requests, for at most the stall limit (the
    /// connection's queue is full when the client stopped reading); none once the
    /// client was dropped.
    async fn within_stall<F: Future<Output = Result<(), T>>, T>(
        &mut self,
        request: F,
    ) -> Result<(), ()> {
        if self.hung_up {
            return Err(());
        }
        match tokio::time::timeout(self.stall, request).await {
            Ok(r) => r.map_err(|_| ()),
            Err(_) => self.gave_up(),
        }
    }

    /// True while a frame is still on its way.
    pub fn busy(&self) -> bool {
        self.in_flight.is_some()
    }

    /// When the frame in flight will have waited the stall limit: a session loop drops
    /// the client then.
    pub fn stall_deadline(&self) -> Option<Instant> {
        self.pending().map(|(since, _)| since + self.stall)
    }

    /// Since when the frame in flight has waited, and its size.
    pub fn pending(&self) -> Option<(Instant, usize)> {
        self.in_flight.as_ref().map(|(t, n, _)| (*t, *n))
    }

    /// Starts sending a frame. Call only when not busy.
    pub fn send(&mut self, frame: Vec<u8>) {
        debug_assert!(self.in_flight.is_none());
        if frame.is_empty() || self.hung_up {
            return;
        }
        let len = frame.len();
        self.bytes_sent += len as u64;
        let mut fut = (self.sender)(frame);
        // A connection with room takes the frame at once. Asking now spares the session
        // loop a wake-up to learn it (at 1,000 sessions, one whole `select!` pass per
        // live post). A send that must wait is asked again, with the task's own waker,
        // by `done` before the task sleeps.
        match fut
            .as_mut()
            .poll(&mut Context::from_waker(std::task::Waker::noop()))
        {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(())) => {
                self.in_flight = Some((Instant::now(), len, Box::pin(std::future::ready(Err(())))));
            }
            Poll::Pending => self.in_flight = Some((Instant::now(), len, fut)),
        }
    }

    /// Completes when the frame in flight has been handed over (never, when idle).
    /// `Err` means the connection is gone.
    pub async fn done(&mut self) -> Result<(), ()> {
        match self.in_flight.as_mut() {
            Some((_, _, fut)) => {
                let r = fut.await;
                self.in_flight = None;
                r
            }
            None => std::future::pending().await,
        }
    }

    /// Sends bytes and waits (for the goodbye at the end of a session), no longer than
    /// the stall limit.
    pub async fn send_and_wait(&mut self, bytes: Vec<u8>) -> Result<(), ()> {
        self.settle().await?;
        self.send(bytes);
        self.settle().await
    }

    /// Ends the channel: exit status, EOF, close (nothing, once the client was dropped).
    pub async fn finish(&mut self, status: u32) {
        if self.settle().await.is_err() {
            return;
        }
        if let Some((handle, channel, _)) = self.ssh.clone() {
            let _ = self
                .within_stall(handle.exit_status_request(channel, status))
                .await;
            let _ = self.within_stall(handle.eof(channel)).await;
            let _ = self.within_stall(handle.close(channel)).await;
        }
    }

    /// Writes to stderr (exec mode); over a WebSocket, to the screen.
    pub async fn stderr(&mut self, bytes: Vec<u8>) {
        if self.settle().await.is_err() {
            return;
        }
        match self.ssh.clone() {
            Some((_, _, writer)) => {
                let _ = self
                    .within_stall(writer.extended_data_bytes(1, bytes))
                    .await;
            }
            None => {
                let _ = self.send_and_wait(bytes).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use tokio::sync::oneshot;

    use super::*;

    /// Where the test opens the way for each frame sent.
    type Gates = Arc<Mutex<Vec<oneshot::Sender<Result<(), ()>>>>>;

    /// A sender whose frames are handed over only when the test says, one per call.
    fn gated() -> (Sender, Gates) {
        let gates: Gates = Arc::default();
        let g = gates.clone();
        let sender: Sender = Arc::new(move |_frame: Vec<u8>| {
            let (tx, rx) = oneshot::channel();
            g.lock().unwrap().push(tx);
            Box::pin(async move { rx.await.unwrap_or(Err(())) }) as SendFuture
        });
        (sender, gates)
    }

    #[tokio::test]
    async fn a_frame_the_connection_takes_at_once_leaves_nothing_in_flight() {
        let sender: Sender = Arc::new(|_frame: Vec<u8>| Box::pin(async { Ok(()) }) as SendFuture);
        let mut out = Output::with_sender(sender, Duration::from_secs(30));
        out.send(b"frame".to_vec());
        assert!(!out.busy(), "a frame taken at once is not in flight");
        assert_eq!(out.bytes_sent, 5);
        // The next frame may go at once.
        out.send(b"again".to_vec());
        assert!(!out.busy());
    }

    #[tokio::test]
    async fn a_frame_that_must_wait_stays_in_flight_until_it_is_taken() {
        let (sender, gates) = gated();
        let mut out = Output::with_sender(sender, Duration::from_secs(30));
        out.send(b"frame".to_vec());
        assert!(
            out.busy(),
            "a frame the connection has not taken is in flight"
        );
        assert_eq!(out.pending().map(|(_, n)| n), Some(5));
        // The gate opens from another task while `done` waits: the task's own waker,
        // not the one the first poll used, must be woken.
        let opener = tokio::spawn(async move {
            tokio::task::yield_now().await;
            let gate = gates.lock().unwrap().pop().expect("one frame was sent");
            let _ = gate.send(Ok(()));
        });
        tokio::time::timeout(Duration::from_secs(5), out.done())
            .await
            .expect("done completes once the frame is taken")
            .expect("the frame was handed over");
        assert!(!out.busy());
        opener.await.unwrap();
    }

    #[tokio::test]
    async fn a_frame_never_taken_is_given_up_at_the_stall_limit_and_nothing_follows_it() {
        let (sender, gates) = gated();
        let stall = Duration::from_millis(200);
        let mut out = Output::with_sender(sender, stall);
        out.send(b"frame".to_vec());
        let started = std::time::Instant::now();
        // A goodbye after a frame the client never takes: given up, not waited for.
        let bye = tokio::time::timeout(Duration::from_secs(10), out.send_and_wait(b"bye".to_vec()))
            .await
            .expect("the wait ends at the stall limit");
        assert_eq!(bye, Err(()));
        assert!(started.elapsed() >= stall, "gave up before the stall limit");
        assert_eq!(gates.lock().unwrap().len(), 1, "the goodbye was not sent");
        // Once given up, nothing more is sent, and closing does not wait.
        out.send(b"more".to_vec());
        assert!(!out.busy());
        tokio::time::timeout(Duration::from_secs(1), out.finish(0))
            .await
            .expect("finishing a dropped client does not wait");
        assert_eq!(gates.lock().unwrap().len(), 1);
        assert_eq!(out.bytes_sent, 5);
    }

    #[tokio::test]
    async fn a_connection_gone_at_once_is_reported_by_done() {
        let sender: Sender = Arc::new(|_frame: Vec<u8>| Box::pin(async { Err(()) }) as SendFuture);
        let mut out = Output::with_sender(sender, Duration::from_secs(30));
        out.send(b"frame".to_vec());
        assert!(out.busy(), "the failure waits to be read");
        assert_eq!(out.done().await, Err(()));
        assert!(!out.busy());
    }
}
