//! A TUI session nobody types into is closed after the camp's idle time, with a
//! goodbye that says why; every key pressed starts the wait over, and live posts
//! drawn meanwhile do not.

use std::time::{Duration, Instant};

use crate::support::{Conn, STEP, TestCamp, main_screen_of, wait_for_screen};

const IDLE_SECS: u64 = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_closes_after_the_idle_time_counted_from_the_last_key() {
    let camp = TestCamp::with_admin_using(|c| c.camp.idle_timeout_secs = IDLE_SECS).await;
    let ana = camp.member("ana").await;
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;

    // Keys 1.5 s apart for longer than the idle time: each starts the wait over, so
    // the session is still open at every check. (The server cannot have seen a key
    // before it was sent, so these checks hold however slow the machine is.)
    let idle = Duration::from_secs(IDLE_SECS);
    let typing_from = Instant::now();
    while typing_from.elapsed() < idle + Duration::from_secs(1) {
        tui.send(b"j").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        wait_for_screen(&mut tui, |_| true, STEP).await;
    }
    // The last key, and right after it a live post: it is drawn, but it is not the
    // camper's input. (The clock is read before the key leaves: the server cannot
    // see it earlier.)
    let last_key = Instant::now();
    tui.send(b"j").await;
    conn.exec("post 'drawn while ana looks away'").await.ok();
    wait_for_screen(&mut tui, |s| s.contains("drawn while ana"), STEP).await;

    tui.wait_closed(STEP + idle).await;
    assert!(
        last_key.elapsed() >= idle,
        "closed {:?} after the last key, before the idle time of {idle:?}",
        last_key.elapsed()
    );
    let said = String::from_utf8_lossy(&tui.raw);
    assert!(
        said.contains("Closed after 6 seconds without input"),
        "the goodbye says why: {said:?}"
    );
    camp.stop().await;
}
