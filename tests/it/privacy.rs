//! Privacy inside the camp over real SSH (issue 10, items 1–3, 11, 12; issue 8, hole 5):
//! a reply is never wider than its parent, counts and notifications follow who may see,
//! moderators get no hidden context, a suspended account's link code adds no key, a
//! refusal reveals no block, and `@user@host` never reaches a local namesake.

use serde_json::Value;

use crate::support::{
    Conn, Key, STEP, TestCamp, exec, json_list, main_screen_of, post_id, wait_for_screen,
};

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout:?}"))
}

/// bo answers ana's direct post without `--to`: it stays direct between them, off
/// cy's camp timeline; `--to camp` is refused naming what is allowed. cy then sees no
/// trace of hidden posts in tag counts, reply counts, post counts or notifications.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_stay_narrow_and_counts_show_only_what_one_may_see() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    let cy = camp.member("cy").await;
    // Item 1: the reply takes the parent's visibility and people.
    let dm = post_id(
        exec(
            camp.addr,
            &ana,
            "post --to direct '@bo #surpriseparty for cy'",
        )
        .await
        .ok(),
    );
    let reply = post_id(
        exec(
            camp.addr,
            &bo,
            &format!("post --reply-to {dm} 'I will bring cake'"),
        )
        .await
        .ok(),
    );
    let shown = json(
        exec(camp.addr, &ana, &format!("show {reply} --json"))
            .await
            .ok(),
    );
    assert_eq!(shown["post"]["visibility"], "direct", "{shown}");
    let cy_camp = exec(camp.addr, &cy, "timeline camp --json").await;
    assert!(
        !cy_camp.ok().contains("bring cake"),
        "a reply to a direct post reached the camp timeline: {}",
        cy_camp.ok()
    );
    exec(camp.addr, &cy, &format!("show {reply}"))
        .await
        .failed(1);
    let refused = exec(
        camp.addr,
        &bo,
        &format!("post --to camp --reply-to {dm} 'everyone look'"),
    )
    .await;
    let err = refused.failed(1);
    assert!(err.contains("can be direct"), "{err}");

    // Item 2: a tag only a direct post carries is not listed for cy.
    let search = exec(camp.addr, &cy, "search '#surprise'").await;
    assert!(
        !search.ok().contains("surpriseparty"),
        "cy learns of the party: {}",
        search.ok()
    );
    let search = exec(camp.addr, &bo, "search '#surprise'").await;
    assert!(
        search.ok().contains("#surpriseparty (1)"),
        "{}",
        search.ok()
    );

    // A hidden reply is not counted under its parent.
    let open = post_id(
        exec(camp.addr, &ana, "post 'plans for saturday'")
            .await
            .ok(),
    );
    exec(
        camp.addr,
        &bo,
        &format!("post --to direct --reply-to {open} '@ana only for you'"),
    )
    .await
    .ok();
    let cy_view = exec(camp.addr, &cy, &format!("show {open}")).await;
    assert!(cy_view.ok().contains("↩ 0"), "{}", cy_view.ok());
    let ana_view = exec(camp.addr, &ana, &format!("show {open}")).await;
    assert!(ana_view.ok().contains("↩ 1"), "{}", ana_view.ok());

    // bo wrote two direct posts: cy's view of his profile counts none.
    let profile = json(exec(camp.addr, &cy, "profile bo --json").await.ok());
    assert_eq!(profile["posts"], 0, "{profile}");
    let profile = json(exec(camp.addr, &bo, "profile bo --json").await.ok());
    assert_eq!(profile["posts"], 2, "{profile}");

    // cy, no follower of ana, is named in a followers-only post: not told.
    exec(camp.addr, &bo, "follow ana").await.ok();
    let fo = post_id(
        exec(
            camp.addr,
            &ana,
            "post --to followers '@bo @cy followers only'",
        )
        .await
        .ok(),
    );
    let cy_n = json_list(exec(camp.addr, &cy, "notifications --json").await.ok());
    assert!(
        cy_n.iter().all(|n| n["post"] != fo.as_str()),
        "cy was told of a post she cannot read: {cy_n:?}"
    );
    assert!(cy_n.is_empty(), "{cy_n:?}");
    let bo_n = json_list(exec(camp.addr, &bo, "notifications --json").await.ok());
    assert!(bo_n.iter().any(|n| n["post"] == fo.as_str()), "{bo_n:?}");
    camp.stop().await;
}

/// A moderator sees a reported reply but not the direct post it answers; a suspended
/// account's link code adds no key; a direct post to a blocker fails like one to
/// nobody; `@dee@elsewhere` is never the camper dee.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_link_codes_refusals_and_remote_handles_reveal_nothing() {
    let camp = TestCamp::with_admin().await;
    let admin = camp.admin.as_ref().unwrap();
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    let dee = camp.member("dee").await;

    // Item 3.
    let dm = post_id(
        exec(camp.addr, &ana, "post --to direct '@bo my secret plan'")
            .await
            .ok(),
    );
    let reply = post_id(
        exec(
            camp.addr,
            &bo,
            &format!("post --reply-to {dm} 'rude answer'"),
        )
        .await
        .ok(),
    );
    exec(camp.addr, &ana, &format!("report {reply} --reason 'rude'"))
        .await
        .ok();
    let reports = exec(camp.addr, admin, "reports --json").await;
    assert!(reports.ok().contains("rude answer"), "{}", reports.ok());
    assert!(
        !reports.ok().contains("my secret plan"),
        "the moderator read ana's direct post: {}",
        reports.ok()
    );

    // Item 12: the same refusal whether dee blocked ana or nobody has the name.
    exec(camp.addr, &dee, "block ana").await.ok();
    let blocked = exec(camp.addr, &ana, "post --to direct '@dee hello'").await;
    let nobody = exec(camp.addr, &ana, "post --to direct '@nobody hello'").await;
    assert_eq!(blocked.failed(1), nobody.failed(1));
    assert!(
        !blocked.stderr.contains("add an @name"),
        "ana wrote @dee and is told to add a name: {}",
        blocked.stderr
    );
    exec(camp.addr, &dee, "unblock ana").await.ok();

    // Hole 5: a remote handle is not the local dee, and a direct post only to
    // someone elsewhere is refused while the camp does not federate.
    let out = exec(
        camp.addr,
        &ana,
        "post --to direct '@dee@mastodon.example the door code is 4711'",
    )
    .await;
    let err = out.failed(1);
    assert!(err.contains("on another server"), "{err}");
    exec(camp.addr, &ana, "post 'thanks @dee@mastodon.example!'")
        .await
        .ok();
    let dee_n = json_list(exec(camp.addr, &dee, "notifications --json").await.ok());
    assert!(dee_n.is_empty(), "the local dee was mentioned: {dee_n:?}");
    let home = exec(camp.addr, &dee, "timeline home").await;
    assert!(!home.ok().contains("4711"), "{}", home.ok());

    // Item 11: bo makes a link code, is suspended, and the code adds no key.
    let code = exec(camp.addr, &bo, "link").await.ok().trim().to_string();
    exec(camp.addr, admin, "suspend bo --reason spam")
        .await
        .ok();
    let laptop = Key::generate();
    let out = exec(camp.addr, &laptop, &format!("link {code}")).await;
    assert!(out.failed(1).contains("suspended"), "{out:?}");
    exec(camp.addr, admin, "unsuspend bo").await.ok();
    let who = exec(camp.addr, &laptop, "whoami").await;
    assert_ne!(who.status, Some(0), "the code added a key: {who:?}");
    camp.stop().await;
}

/// In the TUI, `r` on a direct post opens a direct reply; switching it to camp is
/// refused in the composer with what is allowed, and the draft stays to be fixed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_composer_refuses_a_reply_wider_than_its_parent() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    exec(
        camp.addr,
        &ana,
        "post --to direct '@bo the key is under the mat'",
    )
    .await
    .ok();
    let conn = Conn::connect(camp.addr, &bo).await;
    let mut tui = conn.tui(100, 30).await;
    wait_for_screen(&mut tui, main_screen_of("bo"), STEP).await;
    tui.send(b"\t").await; // Home, where the direct post is
    wait_for_screen(&mut tui, |s| s.contains("under the mat"), STEP).await;
    tui.send(b"r").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Reply to @ana"), STEP).await;
    assert!(screen.contains("◂ direct ▸"), "prefilled direct:\n{screen}");
    tui.send(b"thanks").await;
    tui.send(b"\t\t").await; // to the visibility picker
    tui.send(b"l").await; // direct → camp
    wait_for_screen(&mut tui, |s| s.contains("◂ camp ▸"), STEP).await;
    tui.send(b"\x13").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("never wider"), STEP).await;
    assert!(
        screen.contains("a reply to a direct post can be direct, never wider"),
        "{screen}"
    );
    tui.send(b"h").await; // back to direct
    wait_for_screen(&mut tui, |s| s.contains("◂ direct ▸"), STEP).await;
    tui.send(b"\x13").await;
    wait_for_screen(&mut tui, |s| s.contains("Posted (direct)."), STEP).await;
    conn.close().await;
    camp.stop().await;
}
