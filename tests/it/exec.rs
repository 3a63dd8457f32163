//! Exec command mode through the real `ssh` binary, as scripts and people use it.

use crate::support::{Conn, Key, TestCamp, json_list, post_id, ssh};

/// A first admin joins, posts (argument and stdin), reads the camp timeline as JSON
/// newest first, and gets plain refusals for unknown verbs, strangers, over-long posts
/// and non-admin invites.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_exec_flow_from_join_to_invites() {
    let camp = TestCamp::start().await;
    let addr = camp.addr;
    let code = camp.admin_invite.clone().expect("admin invite");
    let admin = Key::generate();

    // Without --agree: the code of conduct on stdout, the reason on stderr, no account.
    let out = ssh(addr, &admin, &[], &["join", &code, "ada"], None).await;
    assert_ne!(
        out.status,
        Some(0),
        "joining without --agree must fail: {out:?}"
    );
    assert!(out.stdout.contains("Code of conduct"), "{out:?}");
    assert!(
        out.stdout.contains("Be kind."),
        "the code of conduct itself: {out:?}"
    );
    assert!(out.stderr.contains("--agree"), "{out:?}");
    let out = ssh(addr, &admin, &[], &["whoami"], None).await;
    assert_eq!(out.status, Some(1), "no account yet: {out:?}");

    let out = ssh(addr, &admin, &[], &["join", &code, "ada", "--agree"], None).await;
    assert!(out.ok().contains("@ada"), "{out:?}");

    // Posting: the id alone, digits only; stdin when no text is given.
    let first = post_id(
        ssh(
            addr,
            &admin,
            &[],
            &["post", "hello from the ssh binary"],
            None,
        )
        .await
        .ok(),
    );
    let stdin_text = "read from stdin\nwith a second line\n";
    let second = post_id(
        ssh(addr, &admin, &[], &["post"], Some(stdin_text.as_bytes()))
            .await
            .ok(),
    );
    assert_ne!(first, second);

    let timeline = ssh(addr, &admin, &[], &["timeline", "camp", "--json"], None).await;
    let posts = json_list(timeline.ok());
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[0]["id"], second.as_str(), "newest first: {posts:?}");
    assert_eq!(posts[0]["text"], "read from stdin\nwith a second line");
    assert_eq!(posts[1]["id"], first.as_str());
    assert_eq!(posts[1]["text"], "hello from the ssh binary");
    for p in &posts {
        assert_eq!(p["author"]["username"], "ada");
        assert_eq!(p["visibility"], "camp");
    }

    let me: serde_json::Value = serde_json::from_str(
        ssh(addr, &admin, &[], &["whoami", "--json"], None)
            .await
            .ok(),
    )
    .expect("whoami JSON");
    assert_eq!(me["username"], "ada");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["id"], posts[0]["author"]["id"]);

    let out = ssh(addr, &admin, &[], &["frobnicate"], None).await;
    let err = out.failed(2);
    assert!(
        err.contains("unknown command 'frobnicate'; commands: help, join"),
        "{out:?}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");

    let stranger = Key::generate();
    let out = ssh(addr, &stranger, &[], &["timeline"], None).await;
    let err = out.failed(1);
    assert!(
        err.starts_with("camp: this key has no account here; join with an invite: ssh "),
        "{out:?}"
    );
    assert!(err.contains("join CODE NAME --agree"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");

    // 501 characters: refused, the limit named, nothing written.
    let long = "x".repeat(501);
    let out = ssh(addr, &admin, &[], &["post", &long], None).await;
    let err = out.failed(1);
    assert!(err.contains("500"), "the limit is named: {err:?}");
    assert!(out.stdout.is_empty(), "no id for a refused post: {out:?}");
    let again = ssh(addr, &admin, &[], &["timeline", "camp", "--json"], None).await;
    assert_eq!(
        json_list(again.ok()),
        posts,
        "a refused post changes nothing"
    );
    // Exactly at the limit is fine.
    post_id(
        ssh(addr, &admin, &[], &["post", &"y".repeat(500)], None)
            .await
            .ok(),
    );

    // Invites: an admin makes a two-use code; two people join with it, a third cannot;
    // a camper may not make invites.
    let invite = ssh(addr, &admin, &[], &["invite", "--uses", "2"], None).await;
    let invite = invite.ok().trim().to_string();
    assert!(
        !invite.is_empty() && !invite.contains(char::is_whitespace),
        "code alone: {invite:?}"
    );
    let (bea, cy, dee) = (Key::generate(), Key::generate(), Key::generate());
    ssh(addr, &bea, &[], &["join", &invite, "bea", "--agree"], None)
        .await
        .ok();
    ssh(addr, &cy, &[], &["join", &invite, "cy", "--agree"], None)
        .await
        .ok();
    let out = ssh(addr, &dee, &[], &["join", &invite, "dee", "--agree"], None).await;
    assert!(out.failed(1).contains("used up"), "{out:?}");
    let out = ssh(addr, &bea, &[], &["invite", "--uses", "2"], None).await;
    assert!(out.failed(1).contains("only admins"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let out = ssh(addr, &bea, &[], &["whoami"], None).await;
    assert!(out.ok().starts_with("@bea (camper)"), "{out:?}");

    camp.stop().await;
}

/// `ssh host` without a PTY gets a one-line hint on stderr and exit 1; `ssh -tt host
/// whoami` (exec with a PTY) still answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_without_pty_hints_and_exec_with_pty_works() {
    let camp = TestCamp::with_admin().await;
    let key = camp.member("pia").await;

    let out = ssh(camp.addr, &key, &["-T"], &[], None).await;
    let err = out.failed(1);
    assert!(err.contains("camp needs a terminal: use ssh -t"), "{out:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(out.stdout.is_empty(), "{out:?}");

    let out = ssh(camp.addr, &key, &["-tt"], &["whoami"], None).await;
    assert!(out.ok().contains("@pia (camper) on camp"), "{out:?}");

    // The same over russh: the hint arrives as stderr with exit status 1.
    let conn = crate::support::Conn::connect(camp.addr, &key).await;
    let out = conn.shell_without_pty().await;
    assert!(out.failed(1).contains("use ssh -t"), "{out:?}");

    conn.close().await;
    camp.stop().await;
}

/// One connection runs many commands one after another, as OpenSSH multiplexing
/// (ControlMaster) does: every command gets its own channel and its own answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_commands_in_sequence_on_one_connection() {
    let camp = TestCamp::with_admin().await;
    let key = camp.member("max").await;
    let conn = crate::support::Conn::connect(camp.addr, &key).await;
    for i in 0..12 {
        post_id(conn.exec(&format!("post 'multiplexed {i}'")).await.ok());
    }
    let posts = json_list(conn.exec("timeline camp --json").await.ok());
    assert_eq!(posts.len(), 12, "{posts:?}");
    conn.close().await;
    camp.stop().await;
}

/// A hashtag in a post typed on the command line survives the trip: `#` starts no
/// comment in camp's command-line splitting, so nothing after it is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashtags_on_the_command_line_are_kept() {
    let camp = TestCamp::with_admin().await;
    let addr = camp.addr;
    let ana = camp.member("ana").await;
    // What `ssh camp post "Hello #camp, see @ana"` sends: the words, unquoted.
    let conn = Conn::connect(addr, &ana).await;
    post_id(conn.exec("post Hello #camp, see @ana").await.ok());
    conn.close().await;
    let out = ssh(addr, &ana, &[], &["timeline", "camp", "--json"], None).await;
    let list = json_list(out.ok());
    assert_eq!(list[0]["text"], "Hello #camp, see @ana");
    camp.stop().await;
}
