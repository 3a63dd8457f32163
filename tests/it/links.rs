//! Links (issue 14) over real SSH: `links ID` and `show ID --json` list a post's links
//! for scripts, with no terminal sequence in exec output or the line mode; the terminal
//! app wraps them in OSC 8 and copies with OSC 52 (`y`, and the picker `o`).

use std::time::Duration;

use crate::support::{Conn, TestCamp, main_screen_of, post_id, wait_for_screen};

const STEP: Duration = Duration::from_secs(20);
const URL: &str = "https://example.org/a/b?c=1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_reach_scripts_as_text_and_terminals_as_hyperlinks() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let conn = Conn::connect(camp.addr, &ana).await;
    let id = post_id(
        conn.exec(&format!("post 'read {URL}. and http://two.example'"))
            .await
            .ok(),
    );

    // Exec: numbered text, JSON, and the links of every post `show --json` prints.
    let out = conn.exec(&format!("links {id}")).await;
    assert_eq!(out.ok(), format!("1. {URL}\n2. http://two.example\n"));
    let out = conn.exec(&format!("links {id} --json")).await;
    let v: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(v["links"], serde_json::json!([URL, "http://two.example"]));
    let out = conn.exec(&format!("show {id} --json")).await;
    let v: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(v["post"]["links"][0], URL);
    for verb in ["links", "show", "timeline camp"] {
        let out = conn.exec(&format!("{verb} {id}")).await;
        assert!(!out.stdout.contains('\x1b'), "{verb}: {out:?}");
    }
    let out = conn.exec("links 999999").await;
    assert_eq!(out.status, Some(1), "{out:?}");

    // The terminal app: the link is an OSC 8 hyperlink; `y` copies with OSC 52.
    let mut tui = conn.tui(100, 30).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    wait_for_screen(&mut tui, |s| s.contains("two.example"), STEP).await;
    let raw = String::from_utf8_lossy(&tui.raw).into_owned();
    assert!(raw.contains(&format!(";{URL}\x1b\\")), "{raw:?}");
    assert!(raw.contains("\x1b]8;;\x1b\\"), "closed: {raw:?}");
    tui.send(b"y").await;
    wait_for_screen(&mut tui, |s| s.contains("Copied the post's text."), STEP).await;
    assert!(String::from_utf8_lossy(&tui.raw).contains("\x1b]52;c;"));
    tui.send(b"o").await;
    tui.send(b"1").await;
    wait_for_screen(&mut tui, |s| s.contains("Copied link 1."), STEP).await;
    drop(tui);

    // The line mode never gets a sequence, links or not.
    let mut line = conn.tui_running(100, 30, Some("plain")).await;
    wait_for_screen(&mut line, |s| s.contains("> "), STEP).await;
    line.send(b"camp\r").await;
    wait_for_screen(&mut line, |s| s.contains("two.example"), STEP).await;
    assert!(
        !line.raw.contains(&0x1b),
        "{:?}",
        String::from_utf8_lossy(&line.raw)
    );
    drop(line);
    conn.close().await;
    camp.stop().await;
}
