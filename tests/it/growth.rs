//! Issue 10, items 4 and 8 over real SSH: the last output guard (records holding raw
//! terminal controls, planted in the database while the server was stopped, reach
//! neither exec output nor the terminal app) and growth a camper controls (favourite
//! toggles notify once; repeatable writes are under the flood limit).

use std::time::Duration;

use camp::model::{Account, Id, Post, Visibility};
use camp::store::Store;

use crate::support::{
    Conn, STEP, ServerProcess, TestCamp, exec, json_list, main_screen_of, post_id, wait_for_screen,
};

/// Everything a terminal could act on: OSC title, CSI, 8-bit CSI, bidi override and
/// isolate, NEL, NUL, DEL, CR and backspace.
const HOSTILE: &str =
    "ok\x1b]0;pwned\x07 \x1b[2J\u{9b}31m red \u{202e}evil\u{2066} \u{85}end\x00\x7f\r\x08";

fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[track_caller]
fn assert_clean(what: &str, s: &str) {
    assert!(!s.chars().any(forbidden), "{what} printed a control: {s:?}");
}

/// Writes `HOSTILE` into `name`'s display name and the text of post `id`, straight into
/// the database of a stopped camp, as an old record or a forgotten path could have.
fn plant(data: &std::path::Path, name: &str, id: &str) {
    let store = Store::open(data).expect("open the stopped camp's database");
    let mut account: Account = store
        .account_by_name(name)
        .expect("read")
        .expect("the account");
    account.display_name = HOSTILE.into();
    store.put_account(&account).expect("write the account");
    let id: Id = id.parse().expect("post id");
    let mut post: Post = store.post(id).expect("read").expect("the post");
    post.text = HOSTILE.into();
    post.cw = Some(HOSTILE.into());
    assert_eq!(post.visibility, Visibility::Camp);
    store
        .insert_post(&post, true, &[account.id])
        .expect("write the post");
    store.flush().expect("flush");
}

/// Item 4: exec text, `--json` string values and the terminal app carry no control
/// from planted records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_controls_reach_no_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), true).await;
    let key = server.join_admin("ada").await;
    let id = post_id(exec(server.addr, &key, "post placeholder").await.ok());
    let (status, _) = server.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0));
    plant(&dir.path().join("data"), "ada", &id);

    let server = ServerProcess::start(dir.path(), false).await;
    let conn = Conn::connect(server.addr, &key).await;
    for line in [
        "timeline camp".to_string(),
        format!("show {id}"),
        "profile ada".to_string(),
    ] {
        let out = conn.exec(&line).await;
        let stdout = out.ok();
        assert!(stdout.contains("evil"), "{line}: {stdout:?}");
        assert_clean(&line, stdout);
        assert_clean(&line, &out.stderr);
    }
    let out = conn.exec("timeline camp --json").await;
    assert_clean("timeline --json", out.ok());
    let posts = json_list(out.ok());
    for field in ["text", "cw"] {
        let value = posts[0][field].as_str().expect("a string");
        assert!(value.contains("evil"), "{field}: {value:?}");
        assert_clean(field, value);
    }

    let mut tui = conn.tui(100, 30).await;
    let screen = wait_for_screen(
        &mut tui,
        |s| main_screen_of("ada")(s) && s.contains("evil"),
        STEP,
    )
    .await;
    assert_clean("the screen", &screen);
    let raw = String::from_utf8_lossy(&tui.raw);
    for c in [
        '\u{202e}', '\u{2066}', '\u{9b}', '\u{85}', '\x07', '\x7f', '\0',
    ] {
        assert!(!raw.contains(c), "the frames carry {c:?}");
    }
    assert!(
        tui.parser.callbacks().set.is_empty(),
        "the window title was set: {:?}",
        tui.parser.callbacks().set
    );
    conn.close().await;
    let (status, _) = server.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0));
}

/// Item 8: five favourite toggles notify the author once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn favourite_toggles_notify_once() {
    let camp = TestCamp::with_admin().await;
    let admin = camp.admin.as_ref().expect("admin");
    let bo = camp.member("bo").await;
    let id = post_id(exec(camp.addr, &bo, "post 'fav me'").await.ok());
    let conn = Conn::connect(camp.addr, admin).await;
    for _ in 0..5 {
        conn.exec(&format!("fav {id}")).await.ok();
        conn.exec(&format!("fav {id} --undo")).await.ok();
    }
    conn.exec(&format!("boost {id}")).await.ok();
    conn.close().await;
    // The boost came after every favourite: once it is listed, all of them would be.
    let list = json_list(exec(camp.addr, &bo, "notifications --json").await.ok());
    let kinds: Vec<&str> = list.iter().filter_map(|n| n["kind"].as_str()).collect();
    assert_eq!(kinds, ["boost", "favourite"], "{list:?}");
    camp.stop().await;
}

/// Item 8: repeatable writes are refused past `actions_per_minute`, with a reason, and
/// nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeatable_writes_are_under_the_flood_limit() {
    let camp = TestCamp::with_admin_using(|c| c.camp.actions_per_minute = 3).await;
    let admin = camp.admin.as_ref().expect("admin");
    let bo = camp.member("bo").await;
    let id = post_id(exec(camp.addr, &bo, "post 'fav me'").await.ok());
    let conn = Conn::connect(camp.addr, admin).await;
    conn.exec(&format!("fav {id}")).await.ok();
    conn.exec(&format!("fav {id} --undo")).await.ok();
    conn.exec(&format!("bookmark {id}")).await.ok();
    let err = conn.exec(&format!("fav {id}")).await;
    assert!(err.failed(1).contains("slow down"), "{err:?}");
    let err = conn.exec("follow bo").await;
    assert!(err.failed(1).contains("3 changes a minute"), "{err:?}");
    assert_eq!(conn.exec("following").await.ok().matches("@bo").count(), 0);
    // Someone else is not held back.
    exec(camp.addr, &bo, &format!("fav {id}")).await.ok();
    conn.close().await;
    camp.stop().await;
}
