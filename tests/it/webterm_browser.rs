//! The browser terminal in a real browser (Chromium through `crate::browser`): a
//! newcomer joins with an invite link, posts to an SSH camper live and back, is still
//! the same camper after a reload, sees their browser key in Settings; a second
//! browser profile links to an account with a link code and is ended when its key is
//! removed. axe-core reports no serious or critical fault on `/terminal`. Screenshots
//! land in `target/tmp/browser-shots/terminal-*.png`.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::browser::{self, serious_violations};
use crate::support::{self, Conn, STEP, TestCamp, json_list, main_screen_of, wait_for_screen};

/// How long the browser side may take to get to the point the SSH side waits for.
const BROWSER_STEP: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_chromium_a_newcomer_joins_posts_live_and_is_the_same_camper_after_a_reload() {
    let Some(dir) = browser::harness("webterm_browser_join") else {
        return;
    };
    let camp = TestCamp::with_admin().await;
    let bob = camp.member("bob").await;
    let code = camp.invite().await;
    let url = format!(
        "http://{}/terminal?invite={code}",
        camp.http_addr.expect("web door")
    );
    let conn = Conn::connect(camp.addr, &bob).await;
    let mut tui = conn.tui(100, 30).await;
    wait_for_screen(&mut tui, main_screen_of("bob"), STEP).await;

    let scenario = browser::run(dir, "terminal", &url, &["join", "ana"]);
    let ssh_side = async {
        // The browser's post reaches bob's screen live; then bob answers over SSH.
        wait_for_screen(
            &mut tui,
            |s| s.contains("hello from chromium"),
            BROWSER_STEP,
        )
        .await;
        // With an emoji: the page must lay it out two columns wide, as the camp
        // does, or the rest of its row shifts.
        support::exec(camp.addr, &bob, "post hello from ssh 🎉 ok")
            .await
            .ok();
    };
    let (result, ()) = tokio::join!(scenario, ssh_side);

    let live = result["live"].as_str().unwrap();
    assert!(live.contains("hello from ssh 🎉 ok"), "{live}");
    let reloaded = result["after_reload"].as_str().unwrap();
    assert!(reloaded.contains("@ana"), "{reloaded}");
    assert!(!reloaded.contains("Invite code"), "{reloaded}");
    let settings = result["settings"].as_str().unwrap();
    assert!(
        settings.contains("browser "),
        "the key is marked: {settings}"
    );
    assert_eq!(
        result["screen_reader"], true,
        "the checkbox turns on xterm's screen-reader mode"
    );
    for page in ["axe", "phone_axe"] {
        let wrapped: Value = serde_json::json!({ "violations": result[page] });
        let serious = serious_violations(&wrapped);
        assert!(serious.is_empty(), "{page}: {}", serious.join("\n"));
    }
    for problems in ["problems", "phone_problems"] {
        assert_eq!(result[problems], serde_json::json!([]), "{problems}");
    }
    let layout = &result["phone_layout"];
    assert!(
        layout["scrollWidth"].as_u64() <= layout["innerWidth"].as_u64(),
        "the phone page scrolls sideways: {layout}"
    );
    eprintln!("browser terminal key algorithm: {}", result["alg"]);
    conn.close().await;
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_chromium_a_second_profile_links_with_a_code_and_removing_its_key_ends_it() {
    let Some(dir) = browser::harness("webterm_browser_link") else {
        return;
    };
    let camp = TestCamp::with_admin().await;
    let bob = camp.member("bob").await;
    let code = support::exec(camp.addr, &bob, "link")
        .await
        .ok()
        .trim()
        .to_string();
    let url = format!("http://{}/terminal", camp.http_addr.expect("web door"));
    let args = ["link", "bob", code.as_str()];
    let scenario = browser::run(dir, "terminal", &url, &args);
    let ssh_side = async {
        // Once the browser's key is on bob's account, bob removes it.
        let deadline = Instant::now() + BROWSER_STEP;
        let fingerprint = loop {
            let keys = support::exec(camp.addr, &bob, "keys --json").await;
            let list = json_list(keys.ok());
            if let Some(k) = list.iter().find(|k| {
                k["algorithm"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("browser "))
            }) {
                break k["fingerprint"].as_str().unwrap().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no browser key on bob's account: {list:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        support::exec(camp.addr, &bob, &format!("keys remove {fingerprint}"))
            .await
            .ok();
    };
    let (result, ()) = tokio::join!(scenario, ssh_side);
    assert!(
        result["ended"]
            .as_str()
            .unwrap()
            .contains("This key was removed")
    );
    assert!(
        result["status"].as_str().unwrap().contains("Disconnected"),
        "{}",
        result["status"]
    );
    assert_eq!(result["problems"], serde_json::json!([]));
    camp.stop().await;
}
