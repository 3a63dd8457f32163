//! Conversation over real SSH: replies typed in one camper's TUI reach the author,
//! favourites show up live on another camper's screen, and the exec verbs agree.

use crate::support::{
    Conn, Key, STEP, TestCamp, json_list, main_screen_of, post_id, wait_for_screen,
};

/// ben opens ann's post (Enter), replies (r, text, Ctrl-S); the reply shows in the
/// thread, and ann's notifications say ben replied, both live in her TUI and by exec.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_typed_in_the_tui_reaches_the_author() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    let ben = camp.member("ben").await;
    let ann_conn = Conn::connect(camp.addr, &ann).await;
    let id = post_id(ann_conn.exec("post 'who has a spare headlamp?'").await.ok());
    let mut ann_tui = ann_conn.tui(80, 24).await;
    wait_for_screen(&mut ann_tui, main_screen_of("ann"), STEP).await;

    let ben_conn = Conn::connect(camp.addr, &ben).await;
    let mut tui = ben_conn.tui(80, 24).await;
    wait_for_screen(&mut tui, |s| s.contains("who has a spare headlamp?"), STEP).await;
    tui.send(b"\r").await;
    wait_for_screen(&mut tui, |s| s.contains(" Thread "), STEP).await;
    tui.send(b"r").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Reply to @ann"), STEP).await;
    assert!(
        screen.contains("@ann "),
        "the reply mentions the author:\n{screen}"
    );
    tui.send("I do — the red one 🔦".as_bytes()).await;
    wait_for_screen(&mut tui, |s| s.contains("the red one"), STEP).await;
    tui.send(b"\x13").await;
    let screen = wait_for_screen(
        &mut tui,
        |s| s.contains("Posted (camp).") && s.contains("│ @ben"),
        STEP,
    )
    .await;
    assert!(
        screen.contains("@ann I do — the red one"),
        "the reply appears in the open thread:\n{screen}"
    );

    // ann's header badge counts it live, and `n` shows who replied.
    wait_for_screen(&mut ann_tui, |s| s.contains("● 1 @ann"), STEP).await;
    ann_tui.send(b"n").await;
    wait_for_screen(&mut ann_tui, |s| s.contains("@ben replied to you"), STEP).await;
    let list = json_list(ann_conn.exec("notifications --json").await.ok());
    assert_eq!(list[0]["kind"], "reply");
    assert_eq!(list[0]["actor"], "ben");
    let thread: serde_json::Value =
        serde_json::from_str(ann_conn.exec(&format!("show {id} --json")).await.ok()).unwrap();
    assert_eq!(thread["replies"][0]["author"]["username"], "ben");
    assert_eq!(thread["post"]["replies"], 1);

    ann_conn.close().await;
    ben_conn.close().await;
    camp.stop().await;
}

/// ann watches her post; ben favourites it with `f` in his TUI and cy with `fav ID`:
/// ann's count goes 0 → 1 → 2 without a key press, and back when ben presses `f` again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn favourite_counts_update_live_in_another_session() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    let ben = camp.member("ben").await;
    let cy = camp.member("cy").await;
    let ann_conn = Conn::connect(camp.addr, &ann).await;
    let id = post_id(ann_conn.exec("post 'sunrise from the ridge'").await.ok());
    let mut ann_tui = ann_conn.tui(80, 24).await;
    let screen =
        wait_for_screen(&mut ann_tui, |s| s.contains("sunrise from the ridge"), STEP).await;
    assert!(
        !screen.contains("★"),
        "no counts before anyone reacts:\n{screen}"
    );

    let ben_conn = Conn::connect(camp.addr, &ben).await;
    let mut ben_tui = ben_conn.tui(80, 24).await;
    wait_for_screen(&mut ben_tui, |s| s.contains("sunrise from the ridge"), STEP).await;
    ben_tui.send(b"f").await;
    wait_for_screen(&mut ben_tui, |s| s.contains("Favourited."), STEP).await;
    wait_for_screen(&mut ann_tui, |s| s.contains("★ 1"), STEP).await;

    let cy_conn = Conn::connect(camp.addr, &cy).await;
    cy_conn.exec(&format!("fav {id}")).await.ok();
    wait_for_screen(&mut ann_tui, |s| s.contains("★ 2"), STEP).await;

    ben_tui.send(b"f").await;
    wait_for_screen(&mut ben_tui, |s| s.contains("Favourite removed."), STEP).await;
    wait_for_screen(&mut ann_tui, |s| s.contains("★ 1"), STEP).await;

    ann_conn.close().await;
    ben_conn.close().await;
    cy_conn.close().await;
    camp.stop().await;
}

/// ann makes a link code with `link`; a new device's key types it on the onboarding
/// screen ("I have a link code") and is in as @ann at once; `keys` then lists both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_code_typed_on_a_new_device_logs_in_to_the_same_account() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    let ann_conn = Conn::connect(camp.addr, &ann).await;
    let code = ann_conn.exec("link").await.ok().trim().to_string();

    let phone = Key::generate();
    let phone_conn = Conn::connect(camp.addr, &phone).await;
    let mut tui = phone_conn.tui(80, 24).await;
    wait_for_screen(&mut tui, |s| s.contains("Invite code:"), STEP).await;
    tui.send(format!("{code}\r").as_bytes()).await;
    wait_for_screen(
        &mut tui,
        |s| {
            s.lines()
                .next()
                .is_some_and(|l| l.contains("Home") && l.contains("@ann"))
        },
        STEP,
    )
    .await;

    let keys = json_list(ann_conn.exec("keys --json").await.ok());
    assert_eq!(keys.len(), 2, "{keys:?}");
    let again = Conn::connect(camp.addr, &Key::generate()).await;
    let out = again.exec(&format!("link {code}")).await;
    assert!(out.failed(1).contains("not valid"), "codes work once");

    ann_conn.close().await;
    phone_conn.close().await;
    again.close().await;
    camp.stop().await;
}

/// Edits and deletes reach other screens live; others may do neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletes_show_live_and_only_the_author_may() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    let ben = camp.member("ben").await;
    let ann_conn = Conn::connect(camp.addr, &ann).await;
    let id = post_id(ann_conn.exec("post 'meet at the gate at 7'").await.ok());
    let ben_conn = Conn::connect(camp.addr, &ben).await;
    let mut tui = ben_conn.tui(80, 24).await;
    wait_for_screen(&mut tui, |s| s.contains("meet at the gate at 7"), STEP).await;

    let refused = ben_conn.exec(&format!("edit {id} 'meet never'")).await;
    assert!(refused.failed(1).contains("only the author"));
    let refused = ben_conn.exec(&format!("delete {id}")).await;
    assert!(refused.failed(1).contains("only the author or a moderator"));

    ann_conn
        .exec(&format!("edit {id} 'meet at the gate at 8'"))
        .await
        .ok();
    let screen = wait_for_screen(&mut tui, |s| s.contains("meet at the gate at 8"), STEP).await;
    assert!(screen.contains("· edited"), "{screen}");
    ann_conn.exec(&format!("delete {id}")).await.ok();
    wait_for_screen(&mut tui, |s| !s.contains("meet at the gate"), STEP).await;

    ann_conn.close().await;
    ben_conn.close().await;
    camp.stop().await;
}

/// Removing a key (a lost phone) ends the sessions logged in with it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_key_ends_its_sessions() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    let ann_conn = Conn::connect(camp.addr, &ann).await;
    let code = ann_conn.exec("link").await.ok().trim().to_string();
    let phone = Key::generate();
    let phone_conn = Conn::connect(camp.addr, &phone).await;
    phone_conn.exec(&format!("link {code}")).await.ok();
    let mut tui = phone_conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ann"), STEP).await;

    let keys = json_list(ann_conn.exec("keys --json").await.ok());
    let fp = keys[1]["fingerprint"].as_str().unwrap().to_string();
    ann_conn.exec(&format!("keys remove {fp}")).await.ok();
    tui.wait_closed(STEP).await;
    let bye = String::from_utf8_lossy(&tui.raw).to_string();
    assert!(
        bye.contains("This key was removed from your account."),
        "{bye}"
    );
    assert!(
        ann_conn.exec("whoami").await.ok().starts_with("@ann"),
        "the other key still works"
    );

    ann_conn.close().await;
    phone_conn.close().await;
    camp.stop().await;
}
