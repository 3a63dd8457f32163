//! Filters re-checked on a live edit (issue 14): a post on a camper's screen that is
//! edited so that it now matches a warn filter folds at once, unfolds when an edit
//! takes the word away, and leaves the screen when it matches a hide filter: what a
//! reload would show.

use crate::support::{Conn, STEP, TestCamp, exec, main_screen_of, post_id, wait_for_screen};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_folds_unfolds_or_hides_a_post_on_the_live_screen() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    exec(camp.addr, &ana, "filter add spoiler").await.ok();
    exec(camp.addr, &ana, "filter add gore --action hide")
        .await
        .ok();
    let id = post_id(
        exec(camp.addr, &bo, "post 'movie night at eight'")
            .await
            .ok(),
    );
    exec(camp.addr, &bo, "post 'bring blankets'").await.ok();
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    wait_for_screen(&mut tui, |s| s.contains("movie night at eight"), STEP).await;

    exec(
        camp.addr,
        &bo,
        &format!("edit {id} 'movie night: the spoiler is the butler'"),
    )
    .await
    .ok();
    let screen = wait_for_screen(&mut tui, |s| s.contains("Filtered: spoiler"), STEP).await;
    assert!(!screen.contains("the butler"), "folded:\n{screen}");
    assert!(screen.contains("bring blankets"), "{screen}");

    exec(
        camp.addr,
        &bo,
        &format!("edit {id} 'movie night, all clear'"),
    )
    .await
    .ok();
    let screen = wait_for_screen(&mut tui, |s| s.contains("movie night, all clear"), STEP).await;
    assert!(!screen.contains("Filtered:"), "unfolded:\n{screen}");

    exec(
        camp.addr,
        &bo,
        &format!("edit {id} 'movie night: gore fest'"),
    )
    .await
    .ok();
    let screen = wait_for_screen(&mut tui, |s| !s.contains("movie night"), STEP).await;
    assert!(!screen.contains("gore fest"), "hidden:\n{screen}");
    assert!(screen.contains("bring blankets"), "{screen}");
    conn.close().await;
    camp.stop().await;
}
