//! Moderation over real SSH: suspension ends an open session and the door refuses
//! with the camp's contact; a changed code of conduct is accepted (or declined) in the
//! TUI; a moderator resolves a report from the Moderation screen; floods are refused.

use std::time::Duration;

use crate::support::{
    Conn, STEP, TestCamp, exec, json_list, main_screen_of, post_id, wait_for_screen,
};

const CONTACT: &str = "ranger@pinecamp.example";

async fn camp_with_contact() -> TestCamp {
    TestCamp::with_admin_using(|c| c.camp.contact = CONTACT.into()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspension_ends_the_open_session_and_the_door_names_the_contact() {
    let camp = camp_with_contact().await;
    let admin = camp.admin.as_ref().unwrap();
    let bo = camp.member("bo").await;
    let cy = camp.member("cy").await;
    post_id(exec(camp.addr, &bo, "post 'cheap pills here'").await.ok());
    let cy_conn = Conn::connect(camp.addr, &cy).await;
    let mut cy_tui = cy_conn.tui(80, 24).await;
    wait_for_screen(&mut cy_tui, |s| s.contains("cheap pills here"), STEP).await;
    let conn = Conn::connect(camp.addr, &bo).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("bo"), STEP).await;

    let out = exec(camp.addr, admin, "suspend bo --reason 'spam links'").await;
    assert!(out.ok().contains("@bo suspended"), "{}", out.ok());
    // Their posts leave other campers' open screens too.
    wait_for_screen(&mut cy_tui, |s| !s.contains("cheap pills here"), STEP).await;
    cy_conn.close().await;
    tui.wait_closed(STEP).await;
    let said = String::from_utf8_lossy(&tui.raw);
    assert!(
        said.contains(&format!(
            "your account on this camp is suspended; contact {CONTACT}"
        )),
        "goodbye shown: {said:?}"
    );
    conn.close().await;

    // The next login, TUI or command, is refused at the door with the contact.
    let conn = Conn::connect(camp.addr, &bo).await;
    let mut again = conn.tui(80, 24).await;
    again.wait_closed(STEP).await;
    let err = String::from_utf8_lossy(&again.stderr).to_string();
    assert!(
        err.contains(&format!("suspended; contact {CONTACT}")),
        "{err:?}"
    );
    assert_eq!(again.exit_status, Some(1));
    conn.close().await;
    let out = exec(camp.addr, &bo, "timeline").await;
    assert!(out.failed(1).contains(CONTACT));

    let audit = json_list(exec(camp.addr, admin, "audit --json").await.ok());
    assert_eq!(audit[0]["action"], "suspend");
    assert_eq!(audit[0]["target"], "@bo");
    assert_eq!(audit[0]["reason"], "spam links");
    assert_eq!(audit[0]["actor"], "@admin");

    exec(camp.addr, admin, "unsuspend bo").await.ok();
    exec(camp.addr, &bo, "timeline").await.ok();
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_code_of_conduct_is_shown_at_login_and_must_be_accepted() {
    let camp = TestCamp::with_admin().await;
    let admin = camp.admin.as_ref().unwrap();
    let bo = camp.member("bo").await;
    let cy = camp.member("cy").await;
    let aconn = Conn::connect(camp.addr, admin).await;
    let out = aconn
        .exec_with_stdin("coc set", "Be kinder than yesterday.\nNo ads.\n".as_bytes())
        .await;
    assert!(out.ok().contains("version 2"));
    aconn.close().await;

    // Declining logs out and changes nothing.
    let conn = Conn::connect(camp.addr, &cy).await;
    let mut tui = conn.tui(80, 24).await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Be kinder than yesterday."), STEP).await;
    assert!(
        screen.contains("the code of conduct has changed"),
        "{screen}"
    );
    tui.send(b"n").await;
    tui.wait_closed(STEP).await;
    conn.close().await;
    let out = exec(camp.addr, &cy, "timeline").await;
    assert!(out.failed(1).contains("code of conduct has changed"));

    // Accepting goes on to the timelines, and sticks.
    let conn = Conn::connect(camp.addr, &bo).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, |s| s.contains("No ads."), STEP).await;
    tui.send(b"a").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Thanks for accepting"), STEP).await;
    assert!(
        screen.contains("The camp is quiet"),
        "on the timelines:\n{screen}"
    );
    conn.close().await;
    exec(camp.addr, &bo, "timeline").await.ok();
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_resolves_a_report_from_the_moderation_screen() {
    let camp = TestCamp::with_admin().await;
    let admin = camp.admin.as_ref().unwrap();
    let mo = camp.member("mo").await;
    let bo = camp.member("bo").await;
    let cy = camp.member("cy").await;
    let post = post_id(exec(camp.addr, &bo, "post 'buy my pills'").await.ok());
    exec(camp.addr, &cy, &format!("report {post} --reason 'spam'"))
        .await
        .ok();

    // Campers get no moderation screen; their verbs are refused.
    let out = exec(camp.addr, &cy, "reports").await;
    assert!(out.failed(1).contains("only moderators and admins"));

    // Made moderator while connected: the new role shows at once.
    let conn = Conn::connect(camp.addr, &mo).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("mo"), STEP).await;
    exec(camp.addr, admin, "role mo moderator").await.ok();
    wait_for_screen(
        &mut tui,
        |s| s.contains("You are now moderator here."),
        STEP,
    )
    .await;
    tui.send(b"M").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("reported by @cy"), STEP).await;
    assert!(
        screen.contains("buy my pills"),
        "the post in context:\n{screen}"
    );
    assert!(screen.contains("post by @bo · reported by @cy"), "{screen}");
    assert!(screen.contains("Reason: spam"), "{screen}");
    tui.send(b"x").await;
    wait_for_screen(&mut tui, |s| s.contains("delete — note for the log"), STEP).await;
    tui.send(b"pills spam\r").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Resolved (delete)"), STEP).await;
    assert!(screen.contains("No open reports"), "{screen}");
    conn.close().await;

    let out = exec(camp.addr, &cy, "timeline camp --json").await;
    assert!(json_list(out.ok()).is_empty(), "the post is gone");
    let audit = json_list(exec(camp.addr, admin, "audit --json --limit 2").await.ok());
    assert_eq!(audit[0]["action"], "resolve-report");
    assert_eq!(audit[0]["actor"], "@mo");
    assert_eq!(audit[1]["action"], "delete-post");
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_are_refused_with_a_clear_message() {
    let camp = TestCamp::with_admin_using(|c| {
        c.camp.posts_per_minute = 2;
        c.camp.connections_per_ip_per_minute = 6;
    })
    .await;
    let bo = camp.member("bo").await;
    let conn = Conn::connect(camp.addr, &bo).await;
    post_id(conn.exec("post one").await.ok());
    post_id(conn.exec("post two").await.ok());
    let out = conn.exec("post three").await;
    assert!(out.failed(1).contains("at most 2 posts a minute"));
    conn.close().await;

    // The joins above and this connection used up the minute's new connections.
    let mut refused = None;
    for _ in 0..10 {
        let mut s = tokio::net::TcpStream::connect(camp.addr).await.unwrap();
        let mut buf = Vec::new();
        use tokio::io::AsyncReadExt;
        let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
        let text = String::from_utf8_lossy(&buf).to_string();
        if text.contains("too many new connections") {
            refused = Some(text);
            break;
        }
    }
    assert!(refused.is_some(), "the address was rate limited");
    camp.stop().await;
}
