//! A client that stops reading its screen (a laptop lid closed on a half-dead link, or
//! a hostile client that keeps the connection open to hold the server's buffers) is
//! hung up once a frame has waited `output_stall_secs`, and what the connection held
//! is given back: here, its place under the account's connection cap.
//!
//! The client stops reading behind a loopback proxy that keeps forwarding its keys and
//! window changes to the server but no longer reads what the server sends, so the
//! server's socket fills up as it would towards a client that stopped. A client can
//! also go on reading its socket but grant no more SSH window (a hostile client can
//! type all the while): then the window runs out instead, and the socket never fills.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};

use crate::support::{Conn, STEP, TestCamp, logs_in, main_screen_of, wait_for_screen};

/// A proxy for one connection whose server-to-client half can be stopped, and whose
/// client-to-server half can be frozen.
struct StallingProxy {
    addr: SocketAddr,
    /// Once set, nothing more is read from the server.
    stopped: Arc<AtomicBool>,
    /// Once set, nothing more from the client reaches the server (its window
    /// adjustments least of all); what the server sends is still read.
    frozen: Arc<AtomicBool>,
    /// Set when writing to the server failed: the server closed the connection.
    server_gone: Arc<AtomicBool>,
}

impl StallingProxy {
    async fn start(server: SocketAddr) -> StallingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stopped = Arc::new(AtomicBool::new(false));
        let frozen = Arc::new(AtomicBool::new(false));
        let server_gone = Arc::new(AtomicBool::new(false));
        let (stop, freeze, gone) = (stopped.clone(), frozen.clone(), server_gone.clone());
        tokio::spawn(async move {
            let (client, _) = listener.accept().await.unwrap();
            // A small receive buffer: once the proxy stops reading, the server's
            // socket fills after a few frames instead of megabytes.
            let socket = TcpSocket::new_v4().unwrap();
            socket.set_recv_buffer_size(4096).unwrap();
            let upstream = socket.connect(server).await.unwrap();
            let (mut from_client, mut to_client) = client.into_split();
            let (mut from_server, mut to_server) = upstream.into_split();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 1024];
                while !stop.load(Ordering::SeqCst) {
                    // Short reads with a timeout, so the stop takes effect between
                    // them and nothing more is taken from the server after it.
                    match tokio::time::timeout(
                        Duration::from_millis(20),
                        from_server.read(&mut buf),
                    )
                    .await
                    {
                        Ok(Ok(0)) | Ok(Err(_)) => return,
                        Ok(Ok(n)) => {
                            if to_client.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                        Err(_) => {}
                    }
                }
                // Hold both halves open, unread, until the test ends.
                std::future::pending::<()>().await;
                drop((from_server, to_client));
            });
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match from_client.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) if freeze.load(Ordering::SeqCst) => {}
                    Ok(n) => {
                        if to_server.write_all(&buf[..n]).await.is_err() {
                            gone.store(true, Ordering::SeqCst);
                            break;
                        }
                    }
                }
            }
        });
        StallingProxy {
            addr,
            stopped,
            frozen,
            server_gone,
        }
    }

    fn stop_reading(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_hung_up_and_its_place_given_back() {
    let camp = TestCamp::with_admin_using(|c| {
        c.camp.output_stall_secs = 1;
        c.camp.max_connections_per_account = 1;
    })
    .await;
    let bo = camp.member("bo").await;
    // Long posts fill the screen, so each new window size is a big frame.
    let admin = Conn::connect(camp.addr, camp.admin.as_ref().unwrap()).await;
    for i in 0..30 {
        let text = format!(
            "post {i}: {}",
            "the lake at dawn, mist over the water. ".repeat(10)
        );
        admin
            .exec(&format!("post {}", shell_words::quote(&text)))
            .await
            .ok();
    }

    let proxy = StallingProxy::start(camp.addr).await;
    let conn = Conn::connect(proxy.addr, &bo).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("bo"), STEP).await;
    // The one connection the account may hold is in use.
    assert!(
        !logs_in(camp.addr, &bo).await,
        "a second connection got past the cap of one"
    );

    proxy.stop_reading();
    // The client goes on resizing its window: every size is a whole new screen that
    // the server must send and the client never takes.
    let stopped_at = Instant::now();
    let limit = Duration::from_secs(30);
    let mut big = false;
    while !proxy.server_gone.load(Ordering::SeqCst) && stopped_at.elapsed() < limit {
        big = !big;
        let (cols, rows) = if big { (250, 100) } else { (240, 90) };
        tui.window_change(cols, rows).await;
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert!(
        proxy.server_gone.load(Ordering::SeqCst),
        "the server kept a client that read nothing for {limit:?} (output_stall_secs = 1)"
    );
    eprintln!(
        "hung up {:.1} s after the client stopped reading",
        stopped_at.elapsed().as_secs_f64()
    );
    // Its place under the cap is free again: the camper can come back.
    let deadline = Instant::now() + STEP;
    while !logs_in(camp.addr, &bo).await {
        assert!(
            Instant::now() < deadline,
            "the stalled connection's place under the cap was never given back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    camp.stop().await;
}

/// A client that reads all the server sends but grants no more window: its socket
/// never fills, so only the window shows that it stopped taking output. It is hung up
/// once a frame has waited for window for the stall limit, and its place under the cap
/// is given back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_grants_no_more_window_is_hung_up() {
    let camp = TestCamp::with_admin_using(|c| {
        c.camp.output_stall_secs = 1;
        c.camp.max_connections_per_account = 1;
        // The frozen client answers no keepalive: that must not be what ends it.
        c.camp.keepalive_secs = 3600;
        c.camp.posts_per_minute = 1000;
    })
    .await;
    let bo = camp.member("bo").await;
    let proxy = StallingProxy::start(camp.addr).await;
    // A small window, so that a few live posts use it up.
    let conn = Conn::connect_with_window(proxy.addr, &bo, 8 * 1024).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("bo"), STEP).await;
    assert!(
        !logs_in(camp.addr, &bo).await,
        "a second connection got past the cap of one"
    );
    // A new camper starts on the camp timeline, where every live post is a frame of a
    // few hundred bytes.
    wait_for_screen(&mut tui, |s| s.contains("The camp is quiet"), STEP).await;

    proxy.freeze();
    // Each live post is a frame for bo's camp timeline; the posts go on until the
    // server hangs up, at most for the limit.
    let admin = Conn::connect(camp.addr, camp.admin.as_ref().unwrap()).await;
    let frozen_at = Instant::now();
    let limit = Duration::from_secs(30);
    let mut hung_up = false;
    let mut i = 0u64;
    // Far more posts than the window takes (and far fewer than the channels one
    // connection may open), then a wait for the stall limit to pass.
    while frozen_at.elapsed() < limit {
        if i < 300 {
            for _ in 0..10 {
                // Text unlike the last post's, so each frame carries it whole.
                let words: Vec<String> = (1..=12u64)
                    .map(|k| format!("{:x}", (i * 31 + k).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
                    .collect();
                let text = format!("post {i}: {}", words.join(" "));
                admin
                    .exec(&format!("post {}", shell_words::quote(&text)))
                    .await
                    .ok();
                i += 1;
            }
        } else {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if logs_in(camp.addr, &bo).await {
            hung_up = true;
            break;
        }
    }
    assert!(
        hung_up,
        "the server kept a client that granted no window for {limit:?} ({i} posts, \
         output_stall_secs = 1)"
    );
    eprintln!(
        "hung up {:.1} s after the client froze ({i} posts)",
        frozen_at.elapsed().as_secs_f64()
    );
    camp.stop().await;
}
