//! Filters and lists over real SSH (issue 14): `filter add|list|remove` fold or hide
//! others' posts in exec output and on the live screen alike; `list create|add|show`
//! read a list's timeline, and an exclusive list's members leave Home.

use serde_json::Value;

use crate::support::{Conn, STEP, TestCamp, exec, json_list, main_screen_of, wait_for_screen};

/// Texts of a `timeline --json` or `list show --json` answer, newest first.
fn texts(stdout: &str) -> Vec<String> {
    json_list(stdout)
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_fold_or_hide_in_exec_and_on_the_live_screen() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    exec(camp.addr, &ana, "follow bo").await.ok();
    // Refusals name what is wrong and change nothing.
    let bad = exec(camp.addr, &ana, "filter add spoiler --action maybe").await;
    assert!(bad.failed(2).contains("hide or warn"), "{}", bad.stderr);
    let bad = exec(camp.addr, &ana, "filter add x --context everywhere").await;
    assert!(bad.failed(2).contains("unknown context"), "{}", bad.stderr);
    let long = "y".repeat(101);
    let bad = exec(camp.addr, &ana, &format!("filter add {long}")).await;
    assert!(bad.failed(1).contains("limited to 100"), "{}", bad.stderr);
    assert_eq!(
        exec(camp.addr, &ana, "filter list").await.ok(),
        "(no filters)\n"
    );

    let added = exec(camp.addr, &ana, "filter add 'Season finale'").await;
    assert!(
        added.ok().contains("'Season finale' · warn"),
        "{}",
        added.stdout
    );
    exec(
        camp.addr,
        &ana,
        "filter add cat --whole-word --context home,camp --action hide --expires 1d",
    )
    .await
    .ok();
    let listed = json_list(exec(camp.addr, &ana, "filter list --json").await.ok());
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["phrase"], "Season finale");
    assert_eq!(listed[0]["action"], "warn");
    assert_eq!(
        listed[0]["context"],
        serde_json::json!(["home", "camp", "notifications", "threads"])
    );
    assert_eq!(listed[1]["whole_word"], true);
    assert_eq!(listed[1]["context"], serde_json::json!(["home", "camp"]));
    assert!(listed[1]["expires_ms"].as_u64().is_some());

    exec(camp.addr, &bo, "post 'the season FINALE was wild'")
        .await
        .ok();
    exec(camp.addr, &bo, "post 'my cat sleeps'").await.ok();
    exec(camp.addr, &bo, "post 'concatenate the files'")
        .await
        .ok();
    let home = exec(camp.addr, &ana, "timeline").await;
    let home = home.ok();
    assert!(
        home.contains("Filtered: Season finale (show "),
        "folded in text output:\n{home}"
    );
    assert!(!home.contains("was wild"), "{home}");
    assert!(!home.contains("my cat"), "hidden:\n{home}");
    assert!(
        home.contains("concatenate the files"),
        "whole word:\n{home}"
    );
    let json = json_list(exec(camp.addr, &ana, "timeline camp --json").await.ok());
    let folded: Vec<&Value> = json.iter().filter(|p| !p["filtered"].is_null()).collect();
    assert_eq!(folded.len(), 1, "{json:?}");
    assert_eq!(folded[0]["filtered"], "Season finale");
    assert_eq!(folded[0]["text"], "the season FINALE was wild");
    // bo's own view is untouched.
    let bo_home = exec(camp.addr, &bo, "timeline camp").await;
    assert!(bo_home.ok().contains("my cat sleeps"));

    // The live screen: a new matching post arrives folded, `x` opens it.
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    exec(camp.addr, &bo, "post 'live: season finale talk'")
        .await
        .ok();
    exec(camp.addr, &bo, "post 'a cat video'").await.ok();
    exec(camp.addr, &bo, "post 'sentinel, all done'").await.ok();
    let screen = wait_for_screen(&mut tui, |s| s.contains("sentinel, all done"), STEP).await;
    assert!(!screen.contains("a cat video"), "hidden live:\n{screen}");
    assert!(!screen.contains("finale talk"), "folded live:\n{screen}");
    assert!(
        screen.contains("Filtered: Season finale (x to show)"),
        "{screen}"
    );
    // Down to the folded post (sentinel, cat video hidden, then it) and open it.
    tui.send(b"j").await;
    tui.send(b"x").await;
    wait_for_screen(&mut tui, |s| s.contains("live: season finale talk"), STEP).await;

    let removed = exec(camp.addr, &ana, "filter remove 'season FINALE'").await;
    assert!(removed.ok().contains("No longer filtering"));
    let home = exec(camp.addr, &ana, "timeline").await;
    assert!(home.ok().contains("was wild"), "{}", home.stdout);
    let id = json_list(exec(camp.addr, &ana, "filter list --json").await.ok())[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    exec(camp.addr, &ana, &format!("filter remove {id}"))
        .await
        .ok();
    assert!(
        exec(camp.addr, &ana, "timeline")
            .await
            .ok()
            .contains("my cat sleeps")
    );
    exec(camp.addr, &ana, "filter remove nothing-here")
        .await
        .failed(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_read_their_members_and_exclusive_ones_leave_home() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    let cy = camp.member("cy").await;
    exec(camp.addr, &ana, "follow bo").await.ok();
    exec(camp.addr, &ana, "follow cy").await.ok();
    assert!(
        exec(camp.addr, &ana, "lists")
            .await
            .ok()
            .contains("no lists")
    );
    let made = exec(camp.addr, &ana, "list create News --exclusive").await;
    assert!(made.ok().contains("exclusive"), "{}", made.stdout);
    let refused = exec(camp.addr, &ana, "list add news @admin").await;
    assert!(
        refused.failed(1).contains("only list accounts you follow"),
        "{}",
        refused.stderr
    );
    exec(camp.addr, &ana, "list add news @bo").await.ok();
    exec(camp.addr, &bo, "post 'bo: the headline'").await.ok();
    exec(camp.addr, &bo, "post --to direct '@cy between us'")
        .await
        .ok();
    exec(camp.addr, &cy, "post 'cy: hello'").await.ok();
    assert_eq!(
        texts(exec(camp.addr, &ana, "timeline --json").await.ok()),
        ["cy: hello"],
        "the exclusive list's member left Home"
    );
    assert_eq!(
        texts(exec(camp.addr, &ana, "list show NEWS --json").await.ok()),
        ["bo: the headline"],
        "the direct post to cy stays out"
    );
    let shown = exec(camp.addr, &ana, "list show news").await;
    assert!(shown.ok().contains("@bo · "), "{}", shown.stdout);
    let lists = json_list(exec(camp.addr, &ana, "lists --json").await.ok());
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0]["name"], "News");
    assert_eq!(lists[0]["exclusive"], true);
    assert_eq!(lists[0]["members"], serde_json::json!(["bo"]));
    assert!(
        exec(camp.addr, &ana, "lists")
            .await
            .ok()
            .contains("News (exclusive) · 1 member · @bo")
    );
    // `L` on the screen: pick the list, read its timeline.
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    tui.send(b"L").await;
    wait_for_screen(
        &mut tui,
        |s| s.contains("News · 1 member · exclusive"),
        STEP,
    )
    .await;
    tui.send(b"\r").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("bo: the headline"), STEP).await;
    assert!(screen.contains("≡ News"), "{screen}");
    assert!(!screen.contains("cy: hello"), "{screen}");
    // Private: cy cannot read ana's list.
    exec(camp.addr, &cy, "list show news").await.failed(1);
    exec(camp.addr, &ana, "list remove news @bo").await.ok();
    assert_eq!(
        texts(exec(camp.addr, &ana, "timeline --json").await.ok()),
        ["cy: hello", "bo: the headline"]
    );
    exec(camp.addr, &ana, "list delete news").await.ok();
    exec(camp.addr, &ana, "list show news").await.failed(1);
}
