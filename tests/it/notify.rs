//! Notifications that say what happened, and opt-in presence (`presence`, `who`, `w`),
//! over real SSH: exec with the `ssh` binary and the russh client, the TUI, the line
//! mode, and the web door and ActivityPub documents (where presence must never show).

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::support::{
    Conn, Key, STEP, TestCamp, exec, json_list, main_screen_of, post_id, ssh, ssh_args,
    wait_for_screen,
};

/// `notifications --json` of `key`.
async fn notes(camp: &TestCamp, key: &Key) -> Vec<Value> {
    json_list(exec(camp.addr, key, "notifications --json").await.ok())
}

/// Usernames `who --json` lists for `key`.
async fn who(addr: SocketAddr, key: &Key) -> Vec<String> {
    json_list(exec(addr, key, "who --json").await.ok())
        .iter()
        .map(|p| p["username"].as_str().expect("a username").to_string())
        .collect()
}

/// Asks `who` until `wanted` holds for its list (presence follows sessions that
/// come and go asynchronously), failing with the last list after a deadline.
async fn wait_who(addr: SocketAddr, key: &Key, wanted: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + STEP;
    loop {
        let list = who(addr, key).await;
        if wanted(&list) {
            return list;
        }
        assert!(Instant::now() < deadline, "who never got there: {list:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Four people favourite a warned post, one of them undoes and redoes it: the author
/// gets one entry naming two and counting the rest, with the warning (not the text)
/// as its excerpt, and no second notification for the redo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn favourites_are_grouped_with_the_warning_as_excerpt_and_a_redo_is_not_news() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let mut fans = Vec::new();
    for name in ["bo", "cy", "dee", "eve"] {
        fans.push((name, camp.member(name).await));
    }
    let id = post_id(
        exec(camp.addr, &ana, "post --cw spoilers the butler did it")
            .await
            .ok(),
    );
    for (_, key) in &fans {
        exec(camp.addr, key, &format!("fav {id}")).await.ok();
    }
    let bo = &fans[0].1;
    exec(camp.addr, bo, &format!("fav {id} --undo")).await.ok();
    exec(camp.addr, bo, &format!("fav {id}")).await.ok();
    // cy boosts it too: a boost is its own entry.
    exec(camp.addr, &fans[1].1, &format!("boost {id}"))
        .await
        .ok();

    let list = notes(&camp, &ana).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let boost = &list[0];
    assert_eq!(boost["kind"], "boost");
    assert_eq!(boost["count"], 1);
    let favs = &list[1];
    assert_eq!(favs["kind"], "favourite");
    assert_eq!(favs["count"], 4, "bo's redo is not a fifth: {favs}");
    assert_eq!(
        favs["actors"],
        serde_json::json!(["eve", "dee", "cy", "bo"]),
        "newest first; bo's redo did not move him up"
    );
    assert_eq!(favs["actor"], "eve");
    assert_eq!(favs["excerpt"], "CW: spoilers");
    assert_eq!(favs["post"], id.as_str());

    let text = ssh(camp.addr, &ana, &[], &["notifications"], None).await;
    let text = text.ok();
    assert!(
        text.contains(&format!(
            "@eve, @dee and 2 others favourited your post · just now · id {id}\n  CW: spoilers\n"
        )),
        "{text}"
    );
    assert!(text.contains("@cy boosted your post"), "{text}");
    assert!(!text.contains("butler"), "the warned text leaked: {text}");
    camp.stop().await;
}

/// A mention in a followers-only post names the post while the reader follows; once
/// they unfollow, the notification stays but says nothing of the post, not even its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_about_a_post_out_of_sight_reveals_nothing_of_it() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    exec(camp.addr, &ana, "follow bo").await.ok();
    let id = post_id(
        exec(camp.addr, &bo, "post --to followers @ana the-secret-plan")
            .await
            .ok(),
    );
    let list = notes(&camp, &ana).await;
    assert_eq!(list[0]["kind"], "mention", "{list:?}");
    assert_eq!(list[0]["excerpt"], "@ana the-secret-plan");
    assert_eq!(list[0]["actors"], serde_json::json!(["bo"]));

    exec(camp.addr, &ana, "unfollow bo").await.ok();
    let list = notes(&camp, &ana).await;
    assert_eq!(list[0]["kind"], "mention", "{list:?}");
    assert_eq!(list[0]["excerpt"], Value::Null);
    assert_eq!(list[0]["post"], Value::Null);
    let text = exec(camp.addr, &ana, "notifications").await;
    assert!(text.ok().contains("@bo mentioned you"), "{text:?}");
    assert!(
        !text.stdout.contains("secret") && !text.stdout.contains(&id),
        "{text:?}"
    );
    camp.stop().await;
}

/// Presence is off until chosen; `who` lists connected campers who chose it (TUI, line
/// mode), never one who blocked the asker or whom the asker blocked, and loses a
/// session that vanished without a goodbye (the `ssh` client killed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_lists_only_connected_campers_who_chose_it() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    let cy = camp.member("cy").await;
    let dee = camp.member("dee").await;
    let out = exec(camp.addr, &cy, "who").await;
    assert!(out.ok().contains("nobody who chose to be shown"), "{out:?}");

    // ana in the TUI: connected but not shown until she says so.
    let ana_conn = Conn::connect(camp.addr, &ana).await;
    let mut ana_tui = ana_conn.tui(80, 24).await;
    wait_for_screen(&mut ana_tui, main_screen_of("ana"), STEP).await;
    assert!(who(camp.addr, &cy).await.is_empty(), "off by default");
    let out = exec(camp.addr, &ana, "presence").await;
    assert!(out.ok().starts_with("presence off"), "{out:?}");
    exec(camp.addr, &ana, "presence on").await.ok();
    assert_eq!(who(camp.addr, &cy).await, ["ana"]);
    let listed = json_list(exec(camp.addr, &cy, "who --json").await.ok());
    assert!(
        listed[0]["idle_secs"].as_u64().is_some_and(|s| s < 60),
        "{listed:?}"
    );
    let text = ssh(camp.addr, &cy, &[], &["who"], None).await;
    assert!(text.ok().contains("@ana · active"), "{text:?}");

    // Blocks hide presence both ways.
    exec(camp.addr, &dee, "block ana").await.ok();
    assert!(who(camp.addr, &dee).await.is_empty(), "dee blocked ana");

    // bo in the line mode, with presence on: listed while there.
    exec(camp.addr, &bo, "presence on").await.ok();
    let bo_conn = Conn::connect(camp.addr, &bo).await;
    let mut bo_plain = bo_conn.tui_running(80, 24, Some("plain")).await;
    wait_for_screen(&mut bo_plain, |s| s.contains("@bo"), STEP).await;
    wait_who(camp.addr, &cy, |l| l.len() == 2).await;
    bo_plain.send(b"quit\r").await;
    bo_plain.wait_closed(STEP).await;
    wait_who(camp.addr, &cy, |l| l == ["ana"]).await;

    // A session that ends abnormally: the ssh client killed with SIGKILL.
    exec(camp.addr, &dee, "presence on").await.ok();
    let mut child = std::process::Command::new("ssh")
        .args(ssh_args(camp.addr, &dee))
        .arg("-tt")
        .arg(camp.addr.ip().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run ssh");
    let listed = wait_who(camp.addr, &cy, |l| l.contains(&"dee".to_string())).await;
    assert!(listed.contains(&"ana".to_string()), "{listed:?}");
    assert!(
        !who(camp.addr, &dee).await.contains(&"ana".to_string()),
        "dee blocked ana"
    );
    assert!(
        !who(camp.addr, &ana).await.contains(&"dee".to_string()),
        "ana was blocked by dee"
    );
    child.kill().expect("SIGKILL ssh");
    child.wait().expect("reap ssh");
    wait_who(camp.addr, &cy, |l| l == ["ana"]).await;

    // Off again: gone at once, though still connected.
    exec(camp.addr, &ana, "presence off").await.ok();
    assert!(who(camp.addr, &cy).await.is_empty());
    drop(ana_tui);
    ana_conn.close().await;
    camp.stop().await;
}

/// In the TUI: Settings turns presence on, and `w` shows who is here with idle time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_turns_presence_on_and_w_shows_who_is_here() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    tui.send(b"s").await;
    wait_for_screen(&mut tui, |s| s.contains("Show me in who (w)"), STEP).await;
    // Display name, bio, warnings, theme, line mode, then presence.
    tui.send(b"jjjjj\r").await;
    let screen = wait_for_screen(
        &mut tui,
        |s| s.contains("who while you are connected"),
        STEP,
    )
    .await;
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Show me in who (w)") && l.contains(" on")),
        "{screen}"
    );
    assert_eq!(who(camp.addr, &bo).await, ["ana"]);

    let bo_conn = Conn::connect(camp.addr, &bo).await;
    let mut bo_tui = bo_conn.tui(80, 24).await;
    wait_for_screen(&mut bo_tui, main_screen_of("bo"), STEP).await;
    bo_tui.send(b"w").await;
    let screen = wait_for_screen(&mut bo_tui, |s| s.contains("@ana · active"), STEP).await;
    assert!(
        screen.lines().next().is_some_and(|l| l.contains("Who")),
        "{screen}"
    );
    assert!(!screen.contains("@bo ·"), "bo did not choose it: {screen}");
    drop((tui, bo_tui));
    conn.close().await;
    bo_conn.close().await;
    camp.stop().await;
}

/// Nothing about presence reaches any ActivityPub document or web page: with a camper
/// shown and active, every public document is byte for byte what it was before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_never_reaches_activitypub_documents_or_web_pages() {
    let camp = TestCamp::with_admin_using(|c| {
        c.federate = true;
        c.public_url = Some("https://camp.example".into());
    })
    .await;
    let ana = camp.member("ana").await;
    exec(camp.addr, &ana, "post --to public hello outside")
        .await
        .ok();
    let http = camp.http_addr.expect("the web door");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("an HTTP client");
    let paths = [
        "/",
        "/.well-known/webfinger?resource=acct:ana@camp.example",
        "/.well-known/nodeinfo",
        "/nodeinfo/2.1",
        "/actor",
        "/users/ana",
        "/users/ana/outbox",
        "/users/ana/outbox?page=true",
        "/users/ana/followers",
        "/users/ana/following",
    ];
    let fetch_all = || async {
        let mut docs = Vec::new();
        for path in paths {
            let res = tokio::time::timeout(
                STEP,
                client
                    .get(format!("http://{http}{path}"))
                    .header("accept", "application/activity+json")
                    .send(),
            )
            .await
            .expect("answered in time")
            .expect("GET");
            docs.push((path, res.status(), res.text().await.expect("a body")));
        }
        docs
    };
    let before = fetch_all().await;
    assert!(
        before
            .iter()
            .any(|(p, s, _)| *p == "/users/ana" && s.is_success()),
        "{before:?}"
    );

    exec(camp.addr, &ana, "presence on").await.ok();
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    tui.send(b"j").await;
    let admin = camp.admin.as_ref().expect("admin");
    assert_eq!(who(camp.addr, admin).await, ["ana"]);

    let after = fetch_all().await;
    assert_eq!(before, after, "presence changed a public document");
    for (path, _, body) in &after {
        let lower = body.to_lowercase();
        for word in ["presence", "idle", "online", "connected"] {
            assert!(!lower.contains(word), "{path} says {word}: {body}");
        }
    }
    drop(tui);
    conn.close().await;
    camp.stop().await;
}
