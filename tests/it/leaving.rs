//! Leaving with your data, and leaving: `export` (a real `.tar.gz` unpacked by the
//! system's `tar`), `import` of the same CSVs into another camper, `delete-account`,
//! and the `status` figures with their `/metrics` twin, all through real SSH and HTTP.

use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use crate::support::{
    Conn, Key, STEP, TestCamp, exec, main_screen_of, post_id, ssh, ssh_args, wait_for_screen,
};

/// Runs `ssh 127.0.0.1 REMOTE` with `key`, stdout as raw bytes.
async fn ssh_bytes(
    addr: std::net::SocketAddr,
    key: &Key,
    remote: &[&str],
) -> (Vec<u8>, String, Option<i32>) {
    let mut cmd = tokio::process::Command::new("ssh");
    cmd.args(ssh_args(addr, key));
    cmd.arg(addr.ip().to_string())
        .arg(shell_words::join(remote));
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.kill_on_drop(true);
    let out = tokio::time::timeout(STEP, cmd.output())
        .await
        .expect("ssh finishes in time")
        .expect("run ssh");
    (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

/// Unpacks a `.tar.gz` with the system's `tar` into `dir`; returns the member names.
fn untar(bytes: &[u8], dir: &Path) -> Vec<String> {
    let archive = dir.join("me.tar.gz");
    std::fs::write(&archive, bytes).unwrap();
    let list = std::process::Command::new("tar")
        .arg("tzf")
        .arg(&archive)
        .output()
        .expect("run tar");
    assert!(list.status.success(), "tar refused the archive: {list:?}");
    let ok = std::process::Command::new("tar")
        .arg("xzf")
        .arg(&archive)
        .arg("-C")
        .arg(dir)
        .status()
        .expect("run tar");
    assert!(ok.success());
    String::from_utf8(list.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn run(camp: &TestCamp, key: &Key, command: &str) -> String {
    exec(camp.addr, key, command).await.ok().to_string()
}

/// bo's export holds bo's posts of every visibility (parents, CWs, earlier versions),
/// bo's profile and lists, in Mastodon's file names and headers, and not one word of a
/// direct post cy sent bo. Under a PTY the export is refused instead of sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_holds_exactly_the_campers_own_data() {
    let camp = TestCamp::with_admin().await;
    let bo = camp.member("bo").await;
    let cy = camp.member("cy").await;
    let _dee = camp.member("dee").await;
    let _eve = camp.member("eve").await;
    let cys_post = post_id(&run(&camp, &cy, "post 'a camp post by cy'").await);
    let secret = post_id(&run(&camp, &cy, "post --to direct '@bo cy whispers pineapple'").await);
    let camp_post = post_id(&run(&camp, &bo, "post --cw spoilers 'bo camp words'").await);
    run(
        &camp,
        &bo,
        &format!("edit {camp_post} 'bo camp words, corrected'"),
    )
    .await;
    run(&camp, &bo, "post --to followers 'bo followers words'").await;
    run(&camp, &bo, "post --to public 'bo public words'").await;
    run(&camp, &bo, "post --to direct '@cy bo direct words'").await;
    let reply = post_id(
        &run(
            &camp,
            &bo,
            &format!("post --reply-to {cys_post} 'bo reply words'"),
        )
        .await,
    );
    run(&camp, &bo, "follow cy").await;
    run(&camp, &bo, "block dee").await;
    run(&camp, &bo, "mute eve").await;
    run(&camp, &bo, &format!("bookmark {cys_post}")).await;
    run(&camp, &bo, &format!("bookmark {secret}")).await;

    let (bytes, stderr, status) = ssh_bytes(camp.addr, &bo, &["export"]).await;
    assert_eq!(status, Some(0), "export failed: {stderr}");
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip magic");
    let dir = tempfile::tempdir().unwrap();
    let mut names = untar(&bytes, dir.path());
    names.sort();
    assert_eq!(
        names,
        [
            "actor.json",
            "blocked_accounts.csv",
            "bookmarks.csv",
            "following_accounts.csv",
            "lists.csv",
            "muted_accounts.csv",
            "outbox.json"
        ]
    );
    for name in &names {
        let text = read(dir.path(), name);
        assert!(
            !text.contains("pineapple"),
            "cy's direct post leaked into {name}:\n{text}"
        );
        assert!(!text.contains("a camp post by cy"), "cy's words in {name}");
    }

    let outbox: Value = serde_json::from_str(&read(dir.path(), "outbox.json")).unwrap();
    assert_eq!(outbox["type"], "OrderedCollection");
    let items = outbox["orderedItems"].as_array().unwrap();
    assert_eq!(items.len(), 5, "{outbox:#}");
    assert_eq!(outbox["totalItems"], 5);
    let by_vis = |v: &str| {
        items
            .iter()
            .filter(|i| i["object"]["camp:visibility"] == v)
            .map(|i| &i["object"])
            .collect::<Vec<_>>()
    };
    assert_eq!(by_vis("camp").len(), 2, "the edited post and the reply");
    assert_eq!(by_vis("followers").len(), 1);
    assert_eq!(by_vis("public").len(), 1);
    assert_eq!(by_vis("direct").len(), 1);
    let edited = items
        .iter()
        .map(|i| &i["object"])
        .find(|o| o["camp:id"] == camp_post.as_str())
        .unwrap();
    assert_eq!(edited["summary"], "spoilers");
    assert_eq!(edited["sensitive"], true);
    assert_eq!(edited["source"]["content"], "bo camp words, corrected");
    assert_eq!(
        edited["camp:history"][0]["source"]["content"],
        "bo camp words"
    );
    assert!(edited["updated"].is_string());
    let replied = items
        .iter()
        .map(|i| &i["object"])
        .find(|o| o["camp:id"] == reply.as_str())
        .unwrap();
    assert_eq!(replied["camp:replyTo"], cys_post.as_str());
    assert!(
        replied["inReplyTo"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/users/cy/posts/{cys_post}")),
        "{replied:#}"
    );
    let public = by_vis("public")[0];
    assert_eq!(
        public["to"][0],
        "https://www.w3.org/ns/activitystreams#Public"
    );
    for i in items {
        assert_eq!(i["type"], "Create");
        assert!(
            i["object"]["attributedTo"]
                .as_str()
                .unwrap()
                .ends_with("/users/bo")
        );
    }

    let actor: Value = serde_json::from_str(&read(dir.path(), "actor.json")).unwrap();
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["preferredUsername"], "bo");
    assert_eq!(actor["camp:address"], "bo@localhost");
    assert_eq!(actor["camp:sshKeys"].as_array().unwrap().len(), 1);

    assert_eq!(
        read(dir.path(), "following_accounts.csv"),
        "Account address,Show boosts,Notify on new posts,Languages\ncy@localhost,true,false,\n"
    );
    assert_eq!(read(dir.path(), "blocked_accounts.csv"), "dee@localhost\n");
    assert_eq!(
        read(dir.path(), "muted_accounts.csv"),
        "Account address,Hide notifications\neve@localhost,true\n"
    );
    let bookmarks = read(dir.path(), "bookmarks.csv");
    assert_eq!(bookmarks.lines().count(), 2, "{bookmarks}");
    assert!(bookmarks.contains(&format!("/users/cy/posts/{cys_post}\n")));

    // With a terminal: refused, and nothing binary on the screen.
    let out = ssh(camp.addr, &bo, &["-tt"], &["export"], None).await;
    assert_eq!(out.status, Some(2), "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("binary") && said.contains("> me.tar.gz"),
        "{out:?}"
    );
    assert!(!said.contains('\u{1f}'), "{out:?}");
    camp.stop().await;
}

/// bo's CSVs, imported by fay, give fay the same follows, blocks and mutes: fay's own
/// export then lists exactly what bo's did. Hostile lines get their own refusal and
/// the good lines after them still land; a remote account is refused while federation
/// is off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastodon_csvs_round_trip_through_export_and_import() {
    let camp = TestCamp::with_admin().await;
    let bo = camp.member("bo").await;
    let fay = camp.member("fay").await;
    for n in ["cy", "dee", "eve", "gus"] {
        camp.member(n).await;
    }
    for c in ["follow cy", "follow gus", "block dee", "mute eve"] {
        run(&camp, &bo, c).await;
    }
    let (bytes, stderr, status) = ssh_bytes(camp.addr, &bo, &["export"]).await;
    assert_eq!(status, Some(0), "{stderr}");
    let bo_dir = tempfile::tempdir().unwrap();
    untar(&bytes, bo_dir.path());

    let conn = Conn::connect(camp.addr, &fay).await;
    let following = read(bo_dir.path(), "following_accounts.csv");
    let hostile = format!(
        "{following}\"never closed\nfar@elsewhere.example,true,false,\nnobody@localhost\n\u{1b}[31mred\ncy@localhost,true,false,\n"
    );
    let out = conn
        .exec_with_stdin("import following", hostile.as_bytes())
        .await;
    assert_eq!(
        out.status,
        Some(1),
        "refused lines make the exit status 1: {out:?}"
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("line 2 @cy@localhost: added"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("line 3 @gus@localhost: added"),
        "{lines:?}"
    );
    assert!(lines[2].starts_with("line 4: refused"), "{lines:?}");
    assert!(
        lines[3].contains("far@elsewhere.example: refused")
            && lines[3].contains("federation is off"),
        "{lines:?}"
    );
    assert!(lines[4].contains("nobody@localhost: refused"), "{lines:?}");
    assert!(
        lines[5].contains("refused") && !out.stdout.contains('\u{1b}'),
        "{lines:?}"
    );
    assert!(lines[6].contains("cy@localhost: skipped"), "{lines:?}");
    assert!(
        out.stdout.contains("2 added, 1 skipped, 4 refused"),
        "{out:?}"
    );
    for (kind, file) in [
        ("blocks", "blocked_accounts.csv"),
        ("mutes", "muted_accounts.csv"),
    ] {
        let csv = read(bo_dir.path(), file);
        let out = conn
            .exec_with_stdin(&format!("import {kind}"), csv.as_bytes())
            .await;
        assert!(
            out.ok().contains("1 added, 0 skipped, 0 refused"),
            "{out:?}"
        );
    }
    conn.close().await;

    let (bytes, _, status) = ssh_bytes(camp.addr, &fay, &["export"]).await;
    assert_eq!(status, Some(0));
    let fay_dir = tempfile::tempdir().unwrap();
    untar(&bytes, fay_dir.path());
    for file in [
        "following_accounts.csv",
        "blocked_accounts.csv",
        "muted_accounts.csv",
    ] {
        assert_eq!(
            read(fay_dir.path(), file),
            read(bo_dir.path(), file),
            "{file}"
        );
    }
    camp.stop().await;
}

/// A camper deletes their own account: no post, key or follow is left, their open
/// screen ends, and nobody can take the name during the quarantine. Nobody deletes
/// someone else's account except an admin, and only once it is suspended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_account_leaves_nothing_and_holds_the_name() {
    let camp = TestCamp::with_admin().await;
    let admin = camp.admin.as_ref().unwrap();
    let bo = camp.member("bo").await;
    let cy = camp.member("cy").await;
    let dee = camp.member("dee").await;
    run(&camp, &bo, "follow cy").await;
    run(&camp, &cy, "follow bo").await;
    run(&camp, &bo, "post 'bo was here'").await;

    assert!(run(&camp, &cy, "following").await.contains("@bo"));
    assert!(run(&camp, &cy, "followers").await.contains("@bo"));
    let bo_conn = Conn::connect(camp.addr, &bo).await;
    let mut screen = bo_conn.tui(80, 24).await;
    wait_for_screen(&mut screen, main_screen_of("bo"), STEP).await;

    // Without --confirm, or with another name: refused, nothing gone.
    let out = exec(camp.addr, &bo, "delete-account").await;
    assert!(out.failed(2).contains("--confirm bo"), "{out:?}");
    let out = exec(camp.addr, &bo, "delete-account --confirm cy").await;
    assert!(out.failed(1).contains("confirm with its name"), "{out:?}");
    // Not someone else's, unless admin; and an admin only for a suspended account.
    let out = exec(camp.addr, &cy, "delete-account @dee --confirm dee").await;
    assert!(out.failed(1).contains("only your own"), "{out:?}");
    let out = exec(camp.addr, admin, "delete-account @dee --confirm dee").await;
    assert!(out.failed(1).contains("not suspended"), "{out:?}");
    run(&camp, &dee, "whoami").await;

    let out = run(&camp, &bo, "delete-account --confirm bo").await;
    assert!(out.contains("deleted"), "{out}");
    screen.wait_closed(STEP).await;
    assert!(
        screen.screen().contains("This account was deleted"),
        "{}",
        screen.screen()
    );

    let out = exec(camp.addr, &bo, "whoami").await;
    out.failed(1);
    let timeline = run(&camp, &cy, "timeline camp --json").await;
    assert!(!timeline.contains("bo was here"), "{timeline}");
    assert!(!run(&camp, &cy, "following").await.contains("@bo"));
    assert!(!run(&camp, &cy, "followers").await.contains("@bo"));
    // The key is free again (it joins as someone new), the name is not.
    let code = camp.invite().await;
    let out = exec(camp.addr, &bo, &format!("join {code} bo --agree")).await;
    assert!(out.failed(1).contains("deleted recently"), "{out:?}");
    run(&camp, &bo, &format!("join {code} bo2 --agree")).await;
    // The audit log keeps the name.
    assert!(run(&camp, admin, "audit").await.contains("@bo"));

    // An admin deletes a suspended account.
    run(&camp, admin, "suspend dee").await;
    let out = run(&camp, admin, "delete-account @dee --confirm dee").await;
    assert!(out.contains("deleted @dee"), "{out}");
    let out = exec(camp.addr, &dee, "whoami").await;
    out.failed(1);
    camp.stop().await;
}

/// In the terminal app: Settings → Delete account, then the name. A wrong name keeps
/// everything and says why; the right one deletes the account and ends the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_delete_account_asks_for_the_name() {
    let camp = TestCamp::with_admin().await;
    let bo = camp.member("bo").await;
    let conn = Conn::connect(camp.addr, &bo).await;
    let mut tui = conn.tui(100, 30).await;
    wait_for_screen(&mut tui, main_screen_of("bo"), STEP).await;
    tui.send(b"s").await;
    wait_for_screen(&mut tui, |s| s.contains("Display name"), STEP).await;
    tui.send(b"G\r").await;
    wait_for_screen(&mut tui, |s| s.contains("Type your name (bo)"), STEP).await;
    tui.send(b"cy\r").await;
    wait_for_screen(&mut tui, |s| s.contains("confirm with its name"), STEP).await;
    run(&camp, &bo, "whoami").await;
    tui.send(b"\rbo\r").await;
    tui.wait_closed(STEP).await;
    assert!(
        tui.screen().contains("This account was deleted"),
        "{}",
        tui.screen()
    );
    exec(camp.addr, &bo, "whoami").await.failed(1);
    camp.stop().await;
}

/// `status` is for moderators and shows the figures; `/metrics` serves them only with
/// the configured bearer token and does not exist without one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_metrics_show_the_figures_to_those_allowed() {
    const TOKEN: &str = "metrics-secret-0123456789";
    let camp = TestCamp::with_admin_using(|c| {
        c.http_addr = Some("127.0.0.1:0".parse().unwrap());
        c.federate = true;
        c.dev_federation = true;
        c.camp.metrics_token = Some(TOKEN.into());
    })
    .await;
    let admin = camp.admin.as_ref().unwrap();
    let bo = camp.member("bo").await;
    run(&camp, &bo, "post one").await;
    run(&camp, &bo, "post two").await;

    let out = exec(camp.addr, &bo, "status").await;
    assert!(out.failed(1).contains("moderators"), "{out:?}");
    let text = run(&camp, admin, "status").await;
    for want in [
        "campers: 2",
        "posts: 2 today, 2 in total",
        "last backup: never",
        "federation: on",
        "sessions open: ",
    ] {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }
    let json: Value = serde_json::from_str(&run(&camp, admin, "status --json").await).unwrap();
    assert_eq!(json["campers"], 2);
    // At least this command's own session (an earlier one may still be closing).
    assert!(json["sessions_open"].as_u64().unwrap() >= 1, "{json}");
    assert_eq!(json["posts_total"], 2);
    assert!(json["database_bytes"].as_u64().unwrap() > 0);
    assert_eq!(json["federation"]["queue_depth"], 0);
    assert!(json["last_backup_ms"].is_null());

    // With the bridge on, an account elsewhere in an import is handed to the bridge's
    // follow, which runs on without holding up the import (here a server that does not
    // answer), and the line after it still lands.
    let conn = Conn::connect(camp.addr, &bo).await;
    let out = conn
        .exec_with_stdin(
            "import following",
            b"nobody@127.0.0.1:9,true,false,\nadmin@localhost,true,false,\n",
        )
        .await;
    conn.close().await;
    assert_eq!(out.status, Some(0), "{out:?}");
    assert!(
        out.stdout
            .contains("line 1 @nobody@127.0.0.1:9: added: asking @nobody@127.0.0.1:9"),
        "{out:?}"
    );
    assert!(!out.stdout.contains("federation is off"), "{out:?}");
    assert!(
        out.stdout.contains("line 2 @admin@localhost: added"),
        "{out:?}"
    );

    let url = format!("http://{}/metrics", camp.http_addr.unwrap());
    let http = reqwest::Client::new();
    let status_of = |auth: Option<&'static str>| {
        let mut req = http.get(&url);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        async move { req.send().await.unwrap() }
    };
    assert_eq!(status_of(None).await.status(), 401);
    assert_eq!(
        status_of(Some("Bearer wrong-token-0123456789"))
            .await
            .status(),
        401
    );
    let ok = status_of(Some("Bearer metrics-secret-0123456789")).await;
    assert_eq!(ok.status(), 200);
    let body = ok.text().await.unwrap();
    for want in [
        "camp_campers 2",
        "camp_posts 2",
        "camp_federation_enabled 1",
        "camp_delivery_queue_depth 0",
    ] {
        assert!(
            body.lines().any(|l| l == want),
            "{want:?} missing from\n{body}"
        );
    }
    camp.stop().await;

    // No token configured: no /metrics at all.
    let camp = TestCamp::start_with(|c| {
        c.http_addr = Some("127.0.0.1:0".parse().unwrap());
        c.federate = true;
        c.dev_federation = true;
    })
    .await;
    let url = format!("http://{}/metrics", camp.http_addr.unwrap());
    let res = reqwest::Client::new()
        .get(&url)
        .header("authorization", "Bearer anything-at-all-000")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // And without the bridge, status says federation is off.
    let camp2 = TestCamp::with_admin().await;
    let text = run(&camp2, camp2.admin.as_ref().unwrap(), "status").await;
    assert!(text.contains("federation: off"), "{text}");
    camp2.stop().await;
    camp.stop().await;
}
