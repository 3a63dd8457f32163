//! Relevance kept in memory (issue 13): a terminal session decides whether a live post
//! concerns its reader from what it keeps, and must still follow every mute, unmute,
//! block and unblock made elsewhere (here over exec, on another connection) from the
//! very next post.
//!
//! The camp timeline is on screen, where a camp post reaches everyone unless a mute or
//! block keeps it away. Absence is checked without waiting on a clock: the posts of one
//! author arrive in order, so once cy's later post is on screen, bo's earlier one would
//! be too if it were going to be.

use crate::support::{Conn, STEP, TestCamp, Tui, exec, main_screen_of, wait_for_screen};

/// bo posts `text`, then cy posts a marker; returns the screen once the marker shows.
async fn bo_then_marker(
    camp: &TestCamp,
    bo: &crate::support::Key,
    cy: &crate::support::Key,
    tui: &mut Tui,
    text: &str,
    marker: &str,
) -> String {
    exec(camp.addr, bo, &format!("post '{text}'")).await.ok();
    exec(camp.addr, cy, &format!("post '{marker}'")).await.ok();
    wait_for_screen(tui, |s| s.contains(marker), STEP).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutes_and_blocks_made_elsewhere_apply_to_the_next_live_post() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    let cy = camp.member("cy").await;
    exec(camp.addr, &cy, "post 'cy opens the camp'").await.ok();
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    // ana follows nobody, so the camp timeline is the one on screen.
    wait_for_screen(&mut tui, |s| s.contains("cy opens the camp"), STEP).await;

    let screen = bo_then_marker(&camp, &bo, &cy, &mut tui, "bo one", "cy one").await;
    assert!(
        screen.contains("bo one"),
        "shown live before any mute:\n{screen}"
    );

    exec(camp.addr, &ana, "mute bo").await.ok();
    let screen = bo_then_marker(&camp, &bo, &cy, &mut tui, "bo muted", "cy two").await;
    assert!(
        !screen.contains("bo muted"),
        "a muted author's post stays away:\n{screen}"
    );

    exec(camp.addr, &ana, "unmute bo").await.ok();
    let screen = bo_then_marker(&camp, &bo, &cy, &mut tui, "bo unmuted", "cy three").await;
    assert!(
        screen.contains("bo unmuted"),
        "back once unmuted:\n{screen}"
    );

    exec(camp.addr, &ana, "block bo").await.ok();
    let screen = bo_then_marker(&camp, &bo, &cy, &mut tui, "bo blocked", "cy four").await;
    assert!(
        !screen.contains("bo blocked"),
        "a blocked author's post stays away:\n{screen}"
    );

    exec(camp.addr, &ana, "unblock bo").await.ok();
    let screen = bo_then_marker(&camp, &bo, &cy, &mut tui, "bo unblocked", "cy five").await;
    assert!(
        screen.contains("bo unblocked"),
        "back once unblocked:\n{screen}"
    );

    // And the other way: bo blocking ana keeps bo's posts off ana's screen too.
    exec(camp.addr, &bo, "block ana").await.ok();
    let screen = bo_then_marker(&camp, &bo, &cy, &mut tui, "bo blocks back", "cy six").await;
    assert!(
        !screen.contains("bo blocks back"),
        "blocked by the author:\n{screen}"
    );
    conn.close().await;
    camp.stop().await;
}
