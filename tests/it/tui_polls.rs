//! A poll written in the terminal app over real SSH: `Ctrl-P` in the composer, choices,
//! length and kind; the service's refusal shows in the composer with the draft kept,
//! and the poll that is sent is what `show ID --json` reports.

use serde_json::Value;

use crate::support::{Conn, STEP, TestCamp, exec, json_list, main_screen_of, wait_for_screen};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_composed_in_the_tui_is_checked_sent_and_shown() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    let ben = camp.member("ben").await;
    let conn = Conn::connect(camp.addr, &ann).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ann"), STEP).await;
    tui.send(b"c").await;
    wait_for_screen(&mut tui, |s| s.contains("New post"), STEP).await;
    tui.send(b"Saturday: crag or lake?").await;
    // Ctrl-P, then three choices, the third a repeat the service refuses.
    tui.send(b"\x10crag\rlake\rCrag").await;
    wait_for_screen(&mut tui, |s| s.contains("3 ▢ Crag"), STEP).await;
    tui.send(b"\x13").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("is there twice"), STEP).await;
    assert!(
        screen.contains("Saturday: crag or lake?") && screen.contains("2 ▢ lake"),
        "the draft is kept:\n{screen}"
    );
    // Empty the third choice and take its row away; then 3 days, several choices.
    tui.send(b"\x7f\x7f\x7f\x7f\x7f").await;
    wait_for_screen(&mut tui, |s| !s.contains("3 ▢"), STEP).await;
    tui.send(b"\t\x1b[C\t ").await;
    wait_for_screen(
        &mut tui,
        |s| s.contains("Ends ◂ 3 days ▸ · ◂ pick several ▸"),
        STEP,
    )
    .await;
    tui.send(b"\x13").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Posted (camp)."), STEP).await;
    assert!(
        !screen.contains("New post"),
        "the composer closed:\n{screen}"
    );

    let posts = json_list(exec(camp.addr, &ben, "timeline camp --json").await.ok());
    assert_eq!(posts[0]["text"], "Saturday: crag or lake?", "{posts:?}");
    let id = posts[0]["id"].as_str().expect("an id");
    let out = exec(camp.addr, &ben, &format!("show {id} --json")).await;
    let shown: Value = serde_json::from_str(out.ok()).expect("show --json");
    let poll = &shown["post"]["poll"];
    let titles: Vec<&str> = poll["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["crag", "lake"], "{poll}");
    assert_eq!(poll["multiple"], true, "{poll}");
    assert_eq!(poll["closed"], false, "{poll}");
    let created = shown["post"]["created_ms"].as_u64().expect("created_ms");
    let ends = poll["expires_ms"].as_u64().expect("expires_ms");
    // The end is reckoned a moment before the post's own time is taken.
    let three_days: i64 = 3 * 86_400_000;
    assert!(
        (ends as i64 - created as i64 - three_days).abs() < 60_000,
        "three days: {poll}"
    );
    conn.close().await;
    camp.stop().await;
}
