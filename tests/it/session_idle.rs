//! A TUI session nobody types into is closed after the camp's idle time, with a
//! goodbye that says why; every key pressed starts the wait over, and live posts
//! drawn meanwhile do not.

use std::time::{Duration, Instant};

use crate::support::{Conn, TestCamp, main_screen_of, wait_for_screen};

const STEP: Duration = Duration::from_secs(20);
const IDLE_SECS: u64 = 5;

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
    let mut last_key = Instant::now();
    while typing_from.elapsed() < idle + Duration::from_secs(2) {
        // Read the clock before the key leaves: the server cannot see it earlier.
        last_key = Instant::now();
        tui.send(b"j").await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        wait_for_screen(&mut tui, |_| true, STEP).await;
    }
    // A live post is drawn, but it is not the camper's input.
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
        said.contains("Closed after 5 seconds without input"),
        "the goodbye says why: {said:?}"
    );
    camp.stop().await;
}
