//! The small things of issue 14 over real SSH: a display-name change shows at once in
//! the camper's other sessions; an empty Home says its reader follows nobody; a
//! `@user@host` typed in Search offers to follow, through the bridge's port.

use std::time::Duration;

use crate::fedkit::fed_camp;
use crate::remote_actor::HandRolled;
use crate::support::{Conn, TestCamp, main_screen_of, wait_for_screen};

const STEP: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_display_name_reaches_the_other_session_and_an_empty_home_says_why() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut first = conn.tui(80, 24).await;
    wait_for_screen(&mut first, main_screen_of("ana"), STEP).await;
    // Home of a new camper who follows nobody says so and points at Tab.
    first.send(b"\t").await;
    wait_for_screen(&mut first, |s| s.contains("You follow nobody yet"), STEP).await;
    first.send(b"\t").await;
    conn.exec("post 'hello from the first session'").await.ok();
    wait_for_screen(&mut first, |s| s.contains("hello from the first"), STEP).await;

    // The second session renames ana in Settings.
    let other = Conn::connect(camp.addr, &ana).await;
    let mut second = other.tui(80, 24).await;
    wait_for_screen(&mut second, main_screen_of("ana"), STEP).await;
    second.send(b"s").await;
    wait_for_screen(&mut second, |s| s.contains("Display name"), STEP).await;
    second.send(b"\r").await;
    second.send(b"Ana the Bold\r").await;
    wait_for_screen(&mut second, |s| s.contains("Profile saved."), STEP).await;

    // The first session, without a key pressed, shows the new name on her post.
    let s = wait_for_screen(&mut first, |s| s.contains("Ana the Bold @ana"), STEP).await;
    assert!(s.contains("hello from the first"), "{s}");
    drop((first, second));
    other.close().await;
    conn.close().await;
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handle_from_elsewhere_typed_in_search_offers_to_follow() {
    let (camp, ana, http) = fed_camp().await;
    let dee = HandRolled::start("dee").await;
    let handle = format!("@dee@{}", &dee.base["http://".len()..]);
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(100, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    tui.send(b"/").await;
    wait_for_screen(&mut tui, |s| s.contains("Search:"), STEP).await;
    tui.send(format!("{handle}\r").as_bytes()).await;
    wait_for_screen(&mut tui, |s| s.contains("Enter asks to follow"), STEP).await;
    tui.send(b"\r").await;
    wait_for_screen(&mut tui, |s| s.contains("Follow request sent"), STEP).await;
    let me = format!("http://{http}/users/ana");
    dee.wait_received("the Follow", |v| {
        v["type"] == "Follow" && v["actor"] == me.as_str()
    })
    .await;
    drop(tui);
    conn.close().await;
    camp.stop().await;
}
