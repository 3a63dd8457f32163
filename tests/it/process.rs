//! The `camp serve` binary as a child process: clean shutdown, restart, and crashes.

use std::collections::HashSet;
use std::time::Duration;

use crate::support::{
    Conn, Key, STEP, ServerProcess, exec, json_list, main_screen_of, post_id, wait_for_screen,
};

/// Shutdown and restart keep everything: SIGTERM tells connected sessions and exits 0;
/// the next start has the same host key, prints no admin invite any more, and still
/// serves the post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_cleanly_and_restart_keeps_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), true).await;
    let code = server.admin_invite.clone().expect("admin invite");
    let key = Key::generate();
    let conn = Conn::connect(server.addr, &key).await;
    conn.exec(&format!("join {code} ada --agree")).await.ok();
    let id = post_id(conn.exec("post 'still here after a restart'").await.ok());

    // A camper in the TUI is told before the server goes.
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ada"), STEP).await;

    let fingerprint = server.fingerprint.clone();
    // Like OpenSSH, the client hangs up once its session has ended.
    let client = async {
        tui.wait_closed(STEP).await;
        conn.close().await;
    };
    let ((status, rest), ()) = tokio::join!(server.terminate(Duration::from_secs(10)), client);
    assert_eq!(status.code(), Some(0), "clean exit on SIGTERM: {status:?}");
    assert!(rest.is_empty(), "nothing more on stdout: {rest:?}");
    let raw = String::from_utf8_lossy(&tui.raw);
    assert!(
        raw.contains("shutting down"),
        "the session was told: {raw:?}"
    );
    assert!(raw.contains("\x1b[?1049l"), "the terminal was restored");

    let again = ServerProcess::start(dir.path(), false).await;
    assert_eq!(
        again.fingerprint, fingerprint,
        "same host key after a restart"
    );
    let conn = Conn::connect(again.addr, &key).await;
    assert!(conn.exec("whoami").await.ok().starts_with("@ada (admin)"));
    let posts = json_list(conn.exec("timeline camp --json").await.ok());
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["id"], id.as_str());
    assert_eq!(posts[0]["text"], "still here after a restart");
    conn.close().await;
    let (status, rest) = again.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0));
    assert!(
        !rest.iter().any(|l| l.contains("admin invite")),
        "no admin invite once there is an admin: {rest:?}"
    );
}

/// Colours follow each camper's terminal, not the server's environment: a camp started
/// with `NO_COLOR` (say, for its logs) still draws a 256-colour terminal in colour. The
/// crossterm writer camp used before obeyed the server's own `NO_COLOR` and sent no
/// colour to anyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_no_color_does_not_take_colours_from_campers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start_with_env(dir.path(), true, &[], &[("NO_COLOR", "1")]).await;
    let key = server.join_admin("ada").await;
    let conn = Conn::connect(server.addr, &key).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ada"), STEP).await;
    let raw = String::from_utf8_lossy(&tui.raw);
    // The header bar's background, colour 236 of the 256.
    assert!(
        raw.contains("48;5;236"),
        "the header's colours reach an xterm-256color terminal: {raw:?}"
    );
    conn.close().await;
    let (status, _) = server.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0));
}

/// A post acknowledged with an id survives `kill -9`: 20 posts, a crash, a restart,
/// and all 20 ids are in the timeline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_posts_survive_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), true).await;
    let key = server.join_admin("kit").await;
    // One connection per post, as a script running `ssh camp post ...` would.
    let mut ids = Vec::new();
    for i in 0..20 {
        let out = exec(
            server.addr,
            &key,
            &format!("post 'durable post number {i}'"),
        )
        .await;
        ids.push(post_id(out.ok()));
    }
    server.kill9().await;

    let again = ServerProcess::start(dir.path(), false).await;
    let conn = Conn::connect(again.addr, &key).await;
    let posts = json_list(conn.exec("timeline camp --limit 50 --json").await.ok());
    let found: HashSet<&str> = posts.iter().filter_map(|p| p["id"].as_str()).collect();
    let missing: Vec<&String> = ids
        .iter()
        .filter(|id| !found.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "lost after kill -9: {missing:?}; log:\n{}",
        again.log()
    );
    assert_eq!(posts.len(), 20);
    conn.close().await;
    let (status, _) = again.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0));
}
