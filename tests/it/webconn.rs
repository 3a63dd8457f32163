//! The web door's connection caps and idle close (`web::conn`): a crowd of idle
//! sockets from one address never keeps anyone else from the landing page, and a
//! socket that says nothing is closed.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{Instant, timeout_at};

use crate::support::{STEP, TestCamp};

/// A TCP connection from `source` (any 127.0.0.x) that says nothing.
async fn raw_from(addr: SocketAddr, source: [u8; 4]) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::from((source, 0))).expect("bind");
    socket.connect(addr).await.expect("connect")
}

/// True when the server closes `stream` within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 1024];
    loop {
        match timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// The landing page's status, fetched from `source`.
async fn landing_from(http: SocketAddr, source: [u8; 4]) -> reqwest::Result<reqwest::StatusCode> {
    let client = reqwest::Client::builder()
        .local_address(IpAddr::from(source))
        .timeout(STEP)
        .build()
        .expect("client");
    Ok(client.get(format!("http://{http}/")).send().await?.status())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_from_one_address_beyond_its_cap_never_keep_others_out() {
    let camp = TestCamp::start_with(|c| {
        c.camp.max_web_connections_per_ip = 4;
        c.camp.web_idle_secs = 600;
    })
    .await;
    let http = camp.http_addr.expect("web door");

    // The address's share is held open...
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(raw_from(http, [127, 0, 0, 3]).await);
    }
    // ...and every socket beyond it is closed at once.
    for i in 0..8 {
        let mut extra = raw_from(http, [127, 0, 0, 3]).await;
        assert!(
            closed_within(&mut extra, STEP).await,
            "socket {} beyond the cap was left open",
            i + 5
        );
    }
    for s in &mut held {
        assert!(
            !closed_within(s, Duration::from_millis(50)).await,
            "a socket within the cap was closed"
        );
    }

    // Someone else still gets the landing page.
    let status = landing_from(http, [127, 0, 0, 2])
        .await
        .expect("landing page");
    assert_eq!(status, reqwest::StatusCode::OK);

    // Once the crowd leaves, its slots are free again.
    drop(held);
    let deadline = Instant::now() + STEP;
    loop {
        match landing_from(http, [127, 0, 0, 3]).await {
            Ok(s) if s == reqwest::StatusCode::OK => break,
            other => assert!(
                Instant::now() < deadline,
                "the address never got its slots back: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_says_nothing_is_closed_after_the_idle_time() {
    let camp = TestCamp::start_with(|c| c.camp.web_idle_secs = 1).await;
    let http = camp.http_addr.expect("web door");
    let mut quiet = raw_from(http, [127, 0, 0, 4]).await;
    assert!(
        closed_within(&mut quiet, STEP).await,
        "an idle web connection was still open after {STEP:?}"
    );
    camp.stop().await;
}

/// Every nginx example in the README passes the browser terminal's WebSocket upgrade
/// on (nginx speaks HTTP/1.0 upstream and drops `Upgrade` unless told).
#[test]
fn the_readme_nginx_examples_pass_the_websocket_upgrade_on() {
    let readme = include_str!("../../README.md");
    let blocks: Vec<&str> = readme
        .split("```nginx")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or(""))
        .collect();
    assert!(!blocks.is_empty(), "the README has no nginx example");
    for block in blocks {
        for line in [
            "proxy_http_version 1.1;",
            "proxy_set_header Upgrade $http_upgrade;",
            "proxy_set_header Connection \"upgrade\";",
        ] {
            assert!(block.contains(line), "missing `{line}` in:\n{block}");
        }
    }
}
