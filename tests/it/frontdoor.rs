//! The front door under attack: raw TCP clients that never log in, strangers that
//! crowd the door, a private data directory, and blocklist subscriptions that must
//! not read the host's files. Plus an ignored soak (`cargo test --test it -- --ignored
//! soak`) that floods the door while campers keep logging in and posting.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use russh::client;
use russh::keys::PublicKeyOrCertificate;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{Instant, timeout};

use crate::support::{Conn, Key, STEP, ServerProcess, TestCamp, authenticate, exec};

/// Opens a TCP connection from `source` (any 127.0.0.x) that says nothing.
async fn raw_from(addr: SocketAddr, source: [u8; 4]) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((source, 0)))?;
    socket.connect(addr).await
}

/// Reads until the server closes the socket; how long that took, or `None` when it
/// was still open after `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    let deadline = started + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Item 6: a socket that never speaks, and one that stalls after its version string,
/// are both closed once the login grace time is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_never_log_in_are_closed_after_the_grace_time() {
    let camp = TestCamp::with_admin_using(|c| c.camp.login_grace_secs = 1).await;
    // A camper logged in before: the grace time is over for them, not a time limit.
    let admin = camp.admin.as_ref().unwrap();
    let conn = Conn::connect(camp.addr, admin).await;
    let mut tui = conn.tui(80, 24).await;
    crate::support::wait_for_screen(&mut tui, crate::support::main_screen_of("admin"), STEP).await;

    let opened = Instant::now();
    let mut idle = TcpStream::connect(camp.addr).await.unwrap();
    let mut stalled = TcpStream::connect(camp.addr).await.unwrap();
    stalled.write_all(b"SSH-2.0-OpenSSH_9.6\r\n").await.unwrap();
    let idle_closed = closed_within(&mut idle, STEP).await;
    let stalled_closed = closed_within(&mut stalled, STEP).await;
    assert!(idle_closed.is_some(), "an idle socket stays open forever");
    assert!(
        stalled_closed.is_some(),
        "a stalled handshake stays open forever"
    );
    assert!(
        opened.elapsed() >= Duration::from_millis(900),
        "closed before the grace time: {:?}",
        opened.elapsed()
    );
    // Past the grace time, the logged-in camper's connection still serves.
    assert!(conn.exec("whoami").await.ok().starts_with("@admin"));
    assert!(!tui.closed);
    conn.close().await;
    camp.stop().await;
}

/// Item 6: with `max_connections = 6`, six idle sockets used to shut everyone out.
/// Now a camper always gets in (a stranger makes room), and a member already logged in
/// is never the one pushed out, however many strangers come.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_strangers_never_keep_campers_out() {
    let camp = TestCamp::with_admin_using(|c| {
        c.camp.max_connections = 6;
        c.camp.max_strangers = 3;
    })
    .await;
    let admin = camp.admin.as_ref().unwrap();
    let bo = camp.member("bo").await;
    let held = Conn::connect(camp.addr, admin).await;
    // The member is taken off the strangers' roll soon after login; wait for it by
    // using the connection once.
    assert!(held.exec("whoami").await.ok().starts_with("@admin"));

    let mut idle = Vec::new();
    for i in 0..12u8 {
        idle.push(raw_from(camp.addr, [127, 0, 0, 10 + i]).await.unwrap());
    }
    // A camper still gets in, at once (the grace time is 30 s).
    let started = Instant::now();
    let out = exec(camp.addr, &bo, "whoami").await;
    assert!(out.ok().starts_with("@bo"), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // The member logged in before the flood still has its connection.
    assert!(held.exec("whoami").await.ok().starts_with("@admin"));
    // The oldest strangers were the ones hung up: all but the newest few are closed.
    for (i, s) in idle.iter_mut().take(8).enumerate() {
        assert!(
            closed_within(s, STEP).await.is_some(),
            "idle socket {i} is still open"
        );
    }
    held.close().await;

    // Filling the whole server (not only the strangers' cap) works the same way.
    let full = TestCamp::with_admin_using(|c| {
        c.camp.max_connections = 4;
        c.camp.max_strangers = 100;
    })
    .await;
    let admin = full.admin.as_ref().unwrap();
    let held = Conn::connect(full.addr, admin).await;
    assert!(held.exec("whoami").await.ok().starts_with("@admin"));
    let mut idle = Vec::new();
    for i in 0..10u8 {
        idle.push(raw_from(full.addr, [127, 0, 0, 10 + i]).await.unwrap());
    }
    let out = exec(full.addr, admin, "whoami").await;
    assert!(out.ok().starts_with("@admin"), "{out:?}");
    assert!(held.exec("whoami").await.ok().starts_with("@admin"));
    held.close().await;
    drop(idle);
    full.stop().await;
    camp.stop().await;
}

/// Item 5: `camp serve` creates its data directory 0700 and every file in it 0600,
/// and warns when an existing data directory is open to others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_is_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), true).await;
    let key = server.join_admin("ada").await;
    exec(server.addr, &key, "post 'a thought for the database'")
        .await
        .ok();
    let (status, _) = server.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0));
    let data = dir.path().join("data");
    let mut seen = 0;
    assert_private(&data, &mut seen);
    assert!(seen >= 2, "the database's files were checked ({seen})");
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
    assert!(
        !log.contains("WARNING"),
        "no warning for a private directory: {log}"
    );

    // An old camp's directory, open to others: a clear warning at start.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let again = ServerProcess::start(dir.path(), false).await;
    let (status, _) = again.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0));
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
    assert!(
        log.contains("WARNING") && log.contains("755") && log.contains("chmod 700"),
        "{log}"
    );
}

fn assert_private(dir: &Path, seen: &mut usize) {
    let mode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "{} has mode {mode:o}", dir.display());
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            assert_private(&path, seen);
        } else {
            let mode = meta.permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} has mode {mode:o}", path.display());
            *seen += 1;
        }
    }
}

/// Item 9: blocklist subscriptions read regular files inside the blocklist directory
/// only; a FIFO, `/dev/zero`, host files and escapes are refused at once, all with the
/// same answer, and the camp still shuts down promptly afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocklist_subscriptions_read_only_files_in_their_directory() {
    let lists = tempfile::tempdir().expect("temp dir");
    let dir = lists.path().join("blocklists");
    std::fs::create_dir(&dir).unwrap();
    let camp = TestCamp::with_admin_using(|c| c.camp.blocklist_dir = Some(dir.clone())).await;
    let admin = camp.admin.as_ref().unwrap();

    let fifo = dir.join("pipe.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let secret = lists.path().join("secret.csv");
    std::fs::write(&secret, "secret.example\n").unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("link.csv")).unwrap();
    let missing = lists.path().join("missing.csv");
    let refused = [
        fifo.to_str().unwrap().to_string(),
        "pipe.csv".into(),
        "/dev/zero".into(),
        "/etc/passwd".into(),
        secret.to_str().unwrap().to_string(),
        missing.to_str().unwrap().to_string(),
        "../secret.csv".into(),
        "link.csv".into(),
    ];
    for source in &refused {
        let started = Instant::now();
        let out = exec(camp.addr, admin, &format!("blocklist subscribe '{source}'")).await;
        let err = out.failed(1);
        assert_eq!(
            err,
            format!(
                "camp: {source} is not a regular file inside the blocklist directory {} (give a file name there)\n",
                dir.display()
            ),
            "{source}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{source} answered at once"
        );
    }
    let listed = exec(camp.addr, admin, "blocklist").await;
    assert!(
        !listed.ok().contains(".csv"),
        "nothing was stored: {listed:?}"
    );

    std::fs::write(
        dir.join("ok.csv"),
        "#domain,#severity\nbad.example,suspend\n",
    )
    .unwrap();
    let out = exec(camp.addr, admin, "blocklist subscribe ok.csv").await;
    assert!(out.ok().contains("added 1"), "{out:?}");
    let abs = dir.join("ok2.csv");
    std::fs::write(&abs, "worse.example\n").unwrap();
    let out = exec(
        camp.addr,
        admin,
        &format!("blocklist subscribe '{}'", abs.display()),
    )
    .await;
    assert!(out.ok().contains("added 1"), "{out:?}");
    let export = exec(camp.addr, admin, "domain-blocks export").await;
    assert!(export.ok().contains("bad.example") && export.ok().contains("worse.example"));
    assert!(!export.ok().contains("secret.example"));
    // Shutdown is not held up by anything the subscriptions did.
    camp.stop().await;
}

// ---------------------------------------------------------------------------------
// The review of the door: floods that still got through
// ---------------------------------------------------------------------------------

/// Records the message of a disconnect the server sends.
#[derive(Clone, Default)]
struct Recorder(Arc<std::sync::Mutex<Option<String>>>);

impl client::Handler for Recorder {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }

    async fn disconnected(
        &mut self,
        reason: client::DisconnectReason<Self::Error>,
    ) -> Result<(), Self::Error> {
        match reason {
            client::DisconnectReason::ReceivedDisconnect(info) => {
                *self.0.lock().unwrap() = Some(info.message);
                Ok(())
            }
            client::DisconnectReason::Error(e) => Err(e),
        }
    }
}

/// Finishes an SSH login on `stream` (a socket opened earlier and left waiting, like a
/// camper mid-handshake) with `key`: the session, or why it failed.
async fn login_on(
    stream: TcpStream,
    key: &Key,
    handler: Recorder,
) -> Result<client::Handle<Recorder>, String> {
    let config = Arc::new(client::Config {
        inactivity_timeout: None,
        nodelay: true,
        ..Default::default()
    });
    let mut handle = timeout(STEP, client::connect_stream(config, stream, handler))
        .await
        .map_err(|_| "handshake timed out".to_string())?
        .map_err(|e| format!("handshake: {e}"))?;
    authenticate(&mut handle, key).await?;
    Ok(handle)
}

/// Waits for the server's first words on a new socket: its version string when let
/// in, a refusal when not. Either way the accept loop has dealt with it.
async fn first_words(stream: &mut TcpStream) -> String {
    let mut buf = [0u8; 256];
    match timeout(STEP, stream.read(&mut buf)).await {
        Ok(Ok(n)) => String::from_utf8_lossy(&buf[..n]).into_owned(),
        Ok(Err(e)) => format!("error: {e}"),
        Err(_) => panic!("the server said nothing in {STEP:?}"),
    }
}

/// Review item 1: authenticating costs a flood nothing (any key passes), so with
/// eviction by "still in the handshake first, then least recently active", 8
/// authenticated throwaway keys from two addresses and then a trickle of new sockets
/// pushed out whoever was mid-handshake: a camper. Now the busiest address pays: the
/// camper, alone on its address, is never the one hung up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_authenticated_strangers_never_pushes_out_a_camper_mid_login() {
    let camp = TestCamp::start_with(|c| c.camp.max_strangers = 8).await;
    let mut flood = Vec::new();
    for i in 0..8u8 {
        let source = [127, 0, 0, 20 + i % 2];
        let stream = raw_from(camp.addr, source).await.unwrap();
        let handle = login_on(stream, &Key::generate(), Recorder::default())
            .await
            .expect("a throwaway key logs in");
        flood.push(handle);
    }
    // A camper starts logging in (the TCP connection is up, the handshake to come).
    let camper = raw_from(camp.addr, [127, 0, 0, 50]).await.unwrap();
    // The flood keeps opening sockets from its addresses.
    let mut more = Vec::new();
    for i in 0..6u8 {
        let mut s = raw_from(camp.addr, [127, 0, 0, 20 + i % 2]).await.unwrap();
        first_words(&mut s).await;
        more.push(s);
    }
    let session = login_on(camper, &Key::generate(), Recorder::default()).await;
    assert!(
        session.is_ok(),
        "the camper was pushed out mid-login: {:?}",
        session.err()
    );
    drop(more);
    drop(flood);
    camp.stop().await;
}

/// Review item 2: `acquire` answered `Full` before looking at the address's cap and
/// rate, and `Full` makes a stranger room, so an address at its cap (or over its rate)
/// pushed out one stranger per connect. Now it is refused for its own limits first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_over_its_share_cannot_push_anyone_out_of_a_full_camp() {
    // At its connection cap.
    let camp = TestCamp::start_with(|c| {
        c.camp.max_connections = 4;
        c.camp.max_connections_per_ip = 2;
    })
    .await;
    let camper = raw_from(camp.addr, [127, 0, 0, 50]).await.unwrap();
    let mut held = Vec::new();
    for source in [40, 40, 41] {
        let mut s = raw_from(camp.addr, [127, 0, 0, source]).await.unwrap();
        assert!(first_words(&mut s).await.starts_with("SSH-2.0-"));
        held.push(s);
    }
    for _ in 0..3 {
        let mut s = raw_from(camp.addr, [127, 0, 0, 40]).await.unwrap();
        let said = first_words(&mut s).await;
        assert!(
            said.contains("too many connections from your address"),
            "{said}"
        );
    }
    let session = login_on(camper, &Key::generate(), Recorder::default()).await;
    assert!(
        session.is_ok(),
        "the camper was pushed out: {:?}",
        session.err()
    );
    drop(held);
    camp.stop().await;

    // Over its rate of new connections.
    let camp = TestCamp::start_with(|c| {
        c.camp.max_connections = 3;
        c.camp.connections_per_ip_per_minute = 2;
    })
    .await;
    let camper = raw_from(camp.addr, [127, 0, 0, 50]).await.unwrap();
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = raw_from(camp.addr, [127, 0, 0, 40]).await.unwrap();
        assert!(first_words(&mut s).await.starts_with("SSH-2.0-"));
        held.push(s);
    }
    for _ in 0..3 {
        let mut s = raw_from(camp.addr, [127, 0, 0, 40]).await.unwrap();
        let said = first_words(&mut s).await;
        assert!(said.contains("too many new connections"), "{said}");
    }
    let session = login_on(camper, &Key::generate(), Recorder::default()).await;
    assert!(
        session.is_ok(),
        "the camper was pushed out: {:?}",
        session.err()
    );
    drop(held);
    camp.stop().await;
}

/// Review item 3: members are never pushed out for anyone, and nothing capped one
/// account's connections, so one member key from many addresses filled
/// `max_connections`. Now a login beyond `max_connections_per_account` is told why and
/// disconnected before it can open a channel; closing one lets the next in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_holds_at_most_its_share_of_connections() {
    let camp = TestCamp::with_admin_using(|c| c.camp.max_connections_per_account = 2).await;
    let bo = camp.member("bo").await;
    let first = Conn::connect(camp.addr, &bo).await;
    let second = Conn::connect(camp.addr, &bo).await;
    // Using each once means the door has counted it.
    assert!(first.exec("whoami").await.ok().starts_with("@bo"));
    assert!(second.exec("whoami").await.ok().starts_with("@bo"));

    // A third, from another address: told why, and no channel opens.
    let recorder = Recorder::default();
    let stream = raw_from(camp.addr, [127, 0, 0, 60]).await.unwrap();
    let refused = login_on(stream, &bo, recorder.clone()).await;
    if let Ok(handle) = refused {
        let opened = timeout(STEP, handle.channel_open_session()).await;
        assert!(
            !matches!(opened, Ok(Ok(_))),
            "a connection over the cap opened a channel"
        );
    }
    let deadline = Instant::now() + STEP;
    let said = loop {
        if let Some(msg) = recorder.0.lock().unwrap().clone() {
            break msg;
        }
        assert!(Instant::now() < deadline, "no disconnect message");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        said,
        "@bo already has 2 connections open, the most one account may hold; close one and try again"
    );
    // Other accounts are not affected.
    let admin = camp.admin.as_ref().unwrap();
    assert!(
        exec(camp.addr, admin, "whoami")
            .await
            .ok()
            .starts_with("@admin")
    );
    // The first two still work; once one closes, a new login gets in.
    assert!(second.exec("whoami").await.ok().starts_with("@bo"));
    first.close().await;
    let deadline = Instant::now() + STEP;
    loop {
        let stream = raw_from(camp.addr, [127, 0, 0, 61]).await.unwrap();
        let recorder = Recorder::default();
        if let Ok(handle) = login_on(stream, &bo, recorder).await
            && let Ok(Ok(_)) = timeout(STEP, handle.channel_open_session()).await
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the freed place was never given back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.close().await;
    camp.stop().await;
}

/// russh keeps a little state for every channel the server closed, until the
/// connection ends: one connection running command after command grew the server by
/// about 2 KiB a command (235 MiB after 100,000 posts over 8 connections). A connection
/// now opens at most `max_channels_per_connection` channels over its life; a new
/// connection starts afresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_opens_a_bounded_number_of_channels_over_its_life() {
    let camp = TestCamp::with_admin_using(|c| c.camp.max_channels_per_connection = 5).await;
    let bo = camp.member("bo").await;
    let conn = Conn::connect(camp.addr, &bo).await;
    for _ in 0..5 {
        assert!(conn.exec("whoami").await.ok().starts_with("@bo"));
    }
    assert!(
        !conn.may_open_channel().await,
        "a sixth channel opened on a connection capped at five"
    );
    let fresh = Conn::connect(camp.addr, &bo).await;
    assert!(fresh.exec("whoami").await.ok().starts_with("@bo"));
    conn.close().await;
    fresh.close().await;
    camp.stop().await;
}

/// A stranger's connection (a key of no account, which may still join) gets a small
/// share of channels, whatever `max_channels_per_connection` says; a member past that
/// share goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strangers_connection_opens_only_a_few_channels() {
    let camp = TestCamp::with_admin().await;
    let stranger = Conn::connect(camp.addr, &Key::generate()).await;
    for _ in 0..16 {
        // Each runs to its end (a stranger is told how to join), freeing its slot.
        stranger.exec("whoami").await;
    }
    assert!(
        !stranger.may_open_channel().await,
        "a stranger opened a 17th channel"
    );
    let bo = camp.member("bo").await;
    let member = Conn::connect(camp.addr, &bo).await;
    for _ in 0..20 {
        assert!(member.exec("whoami").await.ok().starts_with("@bo"));
    }
    stranger.close().await;
    member.close().await;
    camp.stop().await;
}

// ---------------------------------------------------------------------------------
// The soak
// ---------------------------------------------------------------------------------

struct AnyHost;

impl client::Handler for AnyHost {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// One camper's login and post from `source`; the login time, or why it failed.
async fn login_and_post(
    addr: SocketAddr,
    source: [u8; 4],
    key: &Key,
    n: usize,
) -> Result<Duration, String> {
    let started = Instant::now();
    let config = Arc::new(client::Config {
        inactivity_timeout: None,
        nodelay: true,
        ..Default::default()
    });
    let stream = timeout(STEP, raw_from(addr, source))
        .await
        .map_err(|_| "tcp connect timed out".to_string())?
        .map_err(|e| format!("tcp connect: {e}"))?;
    let mut handle = timeout(STEP, client::connect_stream(config, stream, AnyHost))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| format!("connect: {e}"))?;
    authenticate(&mut handle, key).await?;
    let login = started.elapsed();
    let mut channel = timeout(STEP, handle.channel_open_session())
        .await
        .map_err(|_| "open timed out".to_string())?
        .map_err(|e| format!("open: {e}"))?;
    channel
        .exec(true, format!("post 'soak post {n}'"))
        .await
        .map_err(|e| format!("exec: {e}"))?;
    let mut status = None;
    let deadline = Instant::now() + STEP;
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, channel.wait()).await {
        if let russh::ChannelMsg::ExitStatus { exit_status } = msg {
            status = Some(exit_status);
        }
    }
    let _ = handle
        .disconnect(russh::Disconnect::ByApplication, "bye", "en")
        .await;
    match status {
        Some(0) => Ok(login),
        other => Err(format!("post ended with {other:?}")),
    }
}

fn raise_fd_limit(wanted: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < wanted {
            lim.rlim_cur = wanted.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
    }
    lim.rlim_cur
}

/// True when the server has closed `stream` (everything it sent is read first).
fn closed_by_server(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match stream.try_read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
}

/// One login attempt: when it started (after the loop's start) and how it went.
type Attempt = (Duration, Result<Duration, String>);

/// Campers logging in and posting in a loop for `run_for`: every attempt.
async fn campers_loop(
    addr: SocketAddr,
    campers: Arc<Vec<Key>>,
    run_for: Duration,
    round: usize,
) -> Vec<Attempt> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..campers.len() {
        let campers = campers.clone();
        tasks.push(tokio::spawn(async move {
            let mut results = Vec::new();
            let mut n = 0;
            while started.elapsed() < run_for {
                n += 1;
                let id = round * 1_000_000 + c * 10_000 + n;
                // Each camper from an address of its own, as campers are: the door
                // makes room from the address holding the most strangers, so twenty
                // campers logging in at once from one address would be the flood.
                let source = [127, 0, 9, 1 + c as u8];
                let at = started.elapsed();
                results.push((at, login_and_post(addr, source, &campers[c], id).await));
            }
            results
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

/// The attempts that started within `window`: login times that worked (sorted), and
/// the errors of those that did not.
fn split(attempts: &[Attempt], window: std::ops::Range<Duration>) -> (Vec<Duration>, Vec<String>) {
    let (mut ok, mut errors) = (Vec::new(), Vec::new());
    for (_, r) in attempts.iter().filter(|(at, _)| window.contains(at)) {
        match r {
            Ok(d) => ok.push(*d),
            Err(e) => errors.push(e.clone()),
        }
    }
    ok.sort();
    (ok, errors)
}

fn summary(name: &str, ok: &[Duration], errors: &[String]) -> String {
    let total = ok.len() + errors.len();
    let ms = |p: f64| {
        ok.get(((ok.len() as f64 * p) as usize).min(ok.len().saturating_sub(1)))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    format!(
        "{name}: logins={total} ok={} success_rate={:.4} p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
        ok.len(),
        ok.len() as f64 / total.max(1) as f64,
        ms(0.50),
        ms(0.99),
        ms(1.0),
    )
}

/// The front-door soak: 1,000 idle TCP connections and 200 stalled after their version
/// string, from 1,200 loopback addresses (127.0.1-6.x), while 20 campers (each from its
/// own address, 127.0.9.x) keep logging
/// in and posting for 40 s (past the 30 s grace time); a 10 s run without the flood
/// first gives the baseline on the same machine. Prints login success and p99 login
/// time for both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak: cargo test --test it -- --ignored soak"]
async fn soak_front_door_under_flood() {
    let fds = raise_fd_limit(8192);
    assert!(fds >= 4096, "need about 4000 file descriptors, have {fds}");
    let camp = TestCamp::with_admin().await;
    let addr = camp.addr;
    let mut campers = Vec::new();
    for i in 0..20 {
        campers.push(camp.member(&format!("soak{i}")).await);
    }
    let campers = Arc::new(campers);

    let all = campers_loop(addr, campers.clone(), Duration::from_secs(10), 0).await;
    let (ok, errors) = split(&all, Duration::ZERO..Duration::MAX);
    println!("{}", summary("soak baseline (no flood)", &ok, &errors));

    // The flood, opened by 8 tasks at once, each socket from its own address.
    let started = Instant::now();
    let mut openers = Vec::new();
    for t in 0..8usize {
        openers.push(tokio::spawn(async move {
            let mut held = Vec::new();
            let mut failed = 0usize;
            for i in (t..1200).step_by(8) {
                let source = [127, 0, (1 + i / 200) as u8, (2 + i % 200) as u8];
                match raw_from(addr, source).await {
                    Ok(mut s) => {
                        if i >= 1000 {
                            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n").await;
                        }
                        held.push(s);
                    }
                    Err(_) => failed += 1,
                }
            }
            (held, failed)
        }));
    }
    let during = tokio::spawn(campers_loop(
        addr,
        campers.clone(),
        Duration::from_secs(40),
        1,
    ));
    let mut held = Vec::new();
    let mut failed = 0;
    for o in openers {
        let (h, f) = o.await.unwrap();
        held.extend(h);
        failed += f;
    }
    let flood_open = started.elapsed();
    let flood_open_ms = flood_open.as_millis();
    let attempts = during.await.unwrap();
    let closed = held.iter().filter(|s| closed_by_server(s)).count();
    println!(
        "soak flood: opened={} refused_at_connect={failed} open_ms={flood_open_ms} \
         closed_by_server_after_40s={closed}",
        held.len()
    );
    let (ok, errors) = split(&attempts, Duration::ZERO..Duration::MAX);
    println!("{}", summary("soak during flood", &ok, &errors));
    if !errors.is_empty() {
        println!("soak: first errors: {:?}", &errors[..errors.len().min(5)]);
    }
    // While the flood is being opened, 1,200 sockets from 1,200 addresses arrive in a
    // few seconds, each address holding one stranger like each camper does, so each
    // pushes out the oldest stranger: a camper whose handshake is slower than a hundred
    // arrivals can be one of them. Reported apart; the bar applies once it is open.
    let (burst_ok, burst_errors) = split(&attempts, Duration::ZERO..flood_open);
    println!(
        "{}",
        summary("soak while the flood opens", &burst_ok, &burst_errors)
    );
    let (ok, errors) = split(&attempts, flood_open..Duration::MAX);
    println!("{}", summary("soak once the flood is open", &ok, &errors));
    drop(held);
    let total = ok.len() + errors.len();
    assert!(
        ok.len() as f64 >= 0.99 * total as f64,
        "campers were kept out: {} of {total} logins failed",
        errors.len()
    );
    camp.stop().await;
}
