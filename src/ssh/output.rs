//! Screen output for one channel: at most one frame in flight. While a frame is being
//! handed to the connection, new changes only mark the screen dirty; the next frame is
//! drawn from the latest model once this one is gone, so a slow client gets the latest
//! screen rather than a growing queue, and a client that stops reading is detected.
//!
//! The same policy serves an SSH channel and a browser's WebSocket: only the way a
//! frame is handed over differs ([`Output::new`] and [`Output::with_sender`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use russh::ChannelId;
use russh::server::Handle;
use tokio::time::Instant;

/// A frame on its way; `Err` means the connection is gone.
pub type SendFuture = Pin<Box<dyn Future<Output = Result<(), ()>> + Send>>;
/// Hands one frame to a connection; the future completes once it is handed over.
pub type Sender = Arc<dyn Fn(Vec<u8>) -> SendFuture + Send + Sync>;

/// The frame sender of one session.
pub struct Output {
    sender: Sender,
    /// The SSH channel, for exit status, stderr and close (none over a WebSocket).
    ssh: Option<(Handle, ChannelId)>,
    in_flight: Option<(Instant, usize, SendFuture)>,
    /// Total bytes handed to the connection.
    pub bytes_sent: u64,
}

impl Output {
    /// Output for `channel` of the connection behind `handle`.
    pub fn new(handle: Handle, channel: ChannelId) -> Self {
        let h = handle.clone();
        let sender: Sender = Arc::new(move |frame: Vec<u8>| {
            let h = h.clone();
            Box::pin(async move { h.data(channel, frame).await.map_err(|_| ()) }) as SendFuture
        });
        Output {
            sender,
            ssh: Some((handle, channel)),
            in_flight: None,
            bytes_sent: 0,
        }
    }

    /// Output through `sender` (a WebSocket): no exit status, no stderr channel.
    pub fn with_sender(sender: Sender) -> Self {
        Output {
            sender,
            ssh: None,
            in_flight: None,
            bytes_sent: 0,
        }
    }

    /// True while a frame is still on its way.
    pub fn busy(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Since when the frame in flight has waited, and its size.
    pub fn pending(&self) -> Option<(Instant, usize)> {
        self.in_flight.as_ref().map(|(t, n, _)| (*t, *n))
    }

    /// Starts sending a frame. Call only when not busy.
    pub fn send(&mut self, frame: Vec<u8>) {
        debug_assert!(self.in_flight.is_none());
        if frame.is_empty() {
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

    /// Sends bytes and waits (for the goodbye at the end of a session).
    pub async fn send_and_wait(&mut self, bytes: Vec<u8>) -> Result<(), ()> {
        if self.busy() {
            self.done().await?;
        }
        self.send(bytes);
        if self.busy() {
            self.done().await?;
        }
        Ok(())
    }

    /// Ends the channel: exit status, EOF, close.
    pub async fn finish(&mut self, status: u32) {
        if self.busy() {
            let _ = self.done().await;
        }
        if let Some((handle, channel)) = &self.ssh {
            let _ = handle.exit_status_request(*channel, status).await;
            let _ = handle.eof(*channel).await;
            let _ = handle.close(*channel).await;
        }
    }

    /// Writes to stderr (exec mode); over a WebSocket, to the screen.
    pub async fn stderr(&mut self, bytes: Vec<u8>) {
        if self.busy() {
            let _ = self.done().await;
        }
        match &self.ssh {
            Some((handle, channel)) => {
                let _ = handle.extended_data(*channel, 1, bytes).await;
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
        let mut out = Output::with_sender(sender);
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
        let mut out = Output::with_sender(sender);
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
    async fn a_connection_gone_at_once_is_reported_by_done() {
        let sender: Sender = Arc::new(|_frame: Vec<u8>| Box::pin(async { Err(()) }) as SendFuture);
        let mut out = Output::with_sender(sender);
        out.send(b"frame".to_vec());
        assert!(out.busy(), "the failure waits to be read");
        assert_eq!(out.done().await, Err(()));
        assert!(!out.busy());
    }
}
