//! The door's TCP connections: caps on how many are open (in total and per address
//! bucket) and a close for connections that go quiet.
//!
//! Without these one address could open tens of thousands of idle sockets and exhaust
//! the process's file descriptors, which would also break the SSH door and the store:
//! hyper has no header-read timeout here (it needs a timer axum does not give it).
//!
//! - [`CappedListener`] takes a [`Slot`] from a [`Limiter`] for every accepted
//!   connection and closes at once a connection over the global cap or its address's
//!   share. The slot lives inside the connection's IO, so it frees itself when hyper
//!   drops the connection, however it ends.
//! - [`IdleIo`] fails a read once nothing was read or written for the idle time, which
//!   ends the connection. Any progress resets the clock, so a browser terminal that
//!   merely sits idle stays open: its socket answers the pings the server sends it
//!   (`webterm`) well inside the idle time.
//!
//! Behind a reverse proxy every connection comes from the proxy's address, so the
//! per-address cap counts the proxy: the proxy's own limits then stand for the
//! per-client ones, and `max_web_connections_per_ip` must be at least what the proxy
//! keeps open to us.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

use crate::ssh::limits::{Limiter, Slot};

/// A TCP listener that accepts only what the caps allow and hands out [`IdleIo`]s.
pub struct CappedListener {
    inner: TcpListener,
    limiter: Arc<Limiter>,
    idle: Duration,
}

impl CappedListener {
    /// Wraps `inner`: at most `max_total` connections at once, `max_per_ip` from one
    /// address bucket (IPv6 counted by its first `ipv6_prefix` bits), each closed after
    /// `idle` without traffic.
    pub fn new(
        inner: TcpListener,
        max_total: usize,
        max_per_ip: usize,
        ipv6_prefix: u8,
        idle: Duration,
    ) -> CappedListener {
        CappedListener {
            inner,
            limiter: Limiter::new(max_total, max_per_ip, 0, ipv6_prefix),
            idle,
        }
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.limiter.open()
    }
}

impl axum::serve::Listener for CappedListener {
    type Io = IdleIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (IdleIo, SocketAddr) {
        loop {
            let (stream, peer) = match self.inner.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            };
            match self.limiter.acquire(peer.ip()) {
                Ok(slot) => return (IdleIo::new(stream, slot, self.idle), peer),
                Err(why) => {
                    // Dropping the stream closes it: an answer would cost more than
                    // the flood it answers.
                    tracing::debug!("web connection from {peer} refused: {why:?}");
                    drop(stream);
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// As axum's own listener does: a client that gave up is nothing; anything else (most
/// likely out of file descriptors) is logged and waited out for a moment rather than
/// spun on.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!("the web door could not accept a connection: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// An accepted connection: its stream, its slot under the caps, and the idle clock.
pub struct IdleIo {
    stream: TcpStream,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    _slot: Slot,
}

impl IdleIo {
    fn new(stream: TcpStream, slot: Slot, idle: Duration) -> IdleIo {
        IdleIo {
            stream,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            _slot: slot,
        }
    }

    fn progressed(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }
}

impl AsyncRead for IdleIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.progressed();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "web connection idle",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for IdleIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.stream).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = r
            && n > 0
        {
            self.progressed();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = r
            && n > 0
        {
            self.progressed();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
