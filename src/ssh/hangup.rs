//! A connection's socket as russh sees it, with a switch to hang it up from outside.
//!
//! Why: russh runs each connection in a task of its own and, during the handshake,
//! reads nothing from our `Handle` (a disconnect asked for then waits until the key
//! exchange is over, which a stalled client never lets happen). Dropping our side of
//! `run_stream` does not stop that task either. The one thing every phase does is read
//! the socket, so the switch lives there: once thrown, every read and write fails and
//! russh ends the connection and closes the socket itself, whatever phase it was in.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The outside end of a [`Tracked`] socket: throws the switch, reads the activity note.
#[derive(Debug, Clone)]
pub struct Hangup {
    state: Arc<State>,
}

#[derive(Debug)]
struct State {
    hung_up: AtomicBool,
    read_waker: AtomicWaker,
    write_waker: AtomicWaker,
}

/// A socket that can be hung up through its [`Hangup`].
#[derive(Debug)]
pub struct Tracked<S> {
    inner: S,
    state: Arc<State>,
}

/// Wraps `inner`; the [`Hangup`] controls it from anywhere.
pub fn track<S>(inner: S) -> (Tracked<S>, Hangup) {
    let state = Arc::new(State {
        hung_up: AtomicBool::new(false),
        read_waker: AtomicWaker::new(),
        write_waker: AtomicWaker::new(),
    });
    (
        Tracked {
            inner,
            state: state.clone(),
        },
        Hangup { state },
    )
}

impl Hangup {
    /// Ends the connection: pending and later reads and writes fail at once.
    pub fn hang_up(&self) {
        self.state.hung_up.store(true, Ordering::SeqCst);
        self.state.read_waker.wake();
        self.state.write_waker.wake();
    }

    /// Completes once [`Hangup::hang_up`] is called. Only for a switch made with
    /// `track(())` (a connection that is not a socket russh reads, e.g. a WebSocket
    /// task): it waits on the read waker, which a tracked socket's reads use.
    pub async fn wait(&self) {
        std::future::poll_fn(|cx| {
            self.state.read_waker.register(cx.waker());
            if self.state.hung_up.load(Ordering::SeqCst) {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await
    }

    /// True once [`Hangup::hang_up`] was called.
    #[cfg(test)]
    pub fn is_hung_up(&self) -> bool {
        self.state.hung_up.load(Ordering::SeqCst)
    }
}

fn hung_up_error() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "hung up by camp")
}

/// Polls `io` on a tracked socket: fails at once after a hang-up, and registers for
/// the hang-up's wake-up only when `io` must wait (a read or write that is ready needs
/// none: at 1,000 sessions every frame is one write).
fn guarded<T>(
    state: &State,
    waker: &AtomicWaker,
    cx: &mut Context<'_>,
    io: impl FnOnce(&mut Context<'_>) -> Poll<io::Result<T>>,
) -> Poll<io::Result<T>> {
    if state.hung_up.load(Ordering::SeqCst) {
        return Poll::Ready(Err(hung_up_error()));
    }
    match io(cx) {
        Poll::Pending => {
            waker.register(cx.waker());
            // Checked again after registering: a hang-up between the poll and the
            // registration woke no one.
            match state.hung_up.load(Ordering::SeqCst) {
                true => Poll::Ready(Err(hung_up_error())),
                false => Poll::Pending,
            }
        }
        ready => ready,
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let state = &this.state;
        guarded(state, &state.read_waker, cx, |cx| {
            Pin::new(&mut this.inner).poll_read(cx, buf)
        })
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let state = &this.state;
        guarded(state, &state.write_waker, cx, |cx| {
            Pin::new(&mut this.inner).poll_write(cx, buf)
        })
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let state = &this.state;
        guarded(state, &state.write_waker, cx, |cx| {
            Pin::new(&mut this.inner).poll_flush(cx)
        })
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.state.hung_up.load(Ordering::SeqCst) {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_hang_up_ends_a_pending_read() {
        let (client, server) = tokio::io::duplex(64);
        let (mut tracked, hangup) = track(server);
        let mut client = client;
        client.write_all(b"SSH-2.0-x\r\n").await.unwrap();
        let mut buf = [0u8; 64];
        assert!(tracked.read(&mut buf).await.unwrap() > 0);
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 8];
            tracked.read(&mut buf).await
        });
        hangup.hang_up();
        let r = tokio::time::timeout(std::time::Duration::from_secs(5), reader)
            .await
            .expect("the pending read ends")
            .unwrap();
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::ConnectionAborted);
        assert!(hangup.is_hung_up());
    }

    #[tokio::test]
    async fn a_hang_up_ends_a_write_waiting_for_a_peer_that_does_not_read() {
        let (_client, server) = tokio::io::duplex(64);
        let (mut tracked, hangup) = track(server);
        // Nobody reads the other end: the write fills the pipe and waits.
        let writer = tokio::spawn(async move { tracked.write_all(&[b'x'; 4096]).await });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!writer.is_finished(), "the write waits for the peer");
        hangup.hang_up();
        let r = tokio::time::timeout(std::time::Duration::from_secs(5), writer)
            .await
            .expect("the waiting write ends")
            .unwrap();
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::ConnectionAborted);
    }
}
