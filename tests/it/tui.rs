//! The terminal app over a russh client with a PTY, read through a vt100 screen.

use crate::support::{
    Conn, Key, STEP, TestCamp, exec, json_list, main_screen_of, post_id, wait_for_screen,
};

/// A camper watching the Camp timeline sees another camper's post appear without
/// pressing a key, and a post written in the composer (c, text, Ctrl-S) reaches the
/// other camper's `timeline --json`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_flow_live_between_tui_and_exec() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    let ben = camp.member("ben").await;

    let conn = Conn::connect(camp.addr, &ann).await;
    let mut tui = conn.tui(80, 24).await;
    let screen = wait_for_screen(&mut tui, main_screen_of("ann"), STEP).await;
    assert!(screen.contains("The camp is quiet"), "{screen}");

    let ben_conn = Conn::connect(camp.addr, &ben).await;
    post_id(
        ben_conn
            .exec("post 'marshmallows at eight, by the lake'")
            .await
            .ok(),
    );
    let screen = wait_for_screen(
        &mut tui,
        |s| s.contains("marshmallows at eight, by the lake"),
        STEP,
    )
    .await;
    assert!(
        screen.contains("@ben · now"),
        "author and time above the text:\n{screen}"
    );

    tui.send(b"c").await;
    wait_for_screen(&mut tui, |s| s.contains("New post"), STEP).await;
    tui.send("I'll bring the guitar ♪".as_bytes()).await;
    wait_for_screen(&mut tui, |s| s.contains("I'll bring the guitar ♪"), STEP).await;
    tui.send(b"\x13").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Posted (camp)."), STEP).await;
    assert!(
        !screen.contains("New post"),
        "the composer closed:\n{screen}"
    );
    assert!(screen.contains("@ann · now"), "{screen}");

    let posts = json_list(ben_conn.exec("timeline camp --json").await.ok());
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[0]["text"], "I'll bring the guitar ♪");
    assert_eq!(posts[0]["author"]["username"], "ann");
    assert_eq!(posts[1]["author"]["username"], "ben");

    conn.close().await;
    ben_conn.close().await;
    camp.stop().await;
}

/// A stranger's key onboards in the TUI: a wrong invite code and a bad name are
/// explained on the same screen without dropping the connection; the code of conduct
/// comes next, `a` joins, and the key then works for exec commands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stranger_onboards_in_the_tui() {
    let camp = TestCamp::with_admin().await;
    let code = camp.invite().await;
    let key = Key::generate();
    let conn = Conn::connect(camp.addr, &key).await;
    let mut tui = conn.tui(80, 24).await;

    let screen = wait_for_screen(&mut tui, |s| s.contains("Invite code:"), STEP).await;
    assert!(screen.contains("Welcome to camp"), "{screen}");

    tui.send(b"not-a-code\r").await;
    let screen = wait_for_screen(
        &mut tui,
        |s| s.contains("✗ that invite code is not valid here"),
        STEP,
    )
    .await;
    assert!(
        screen.contains("Invite code: not-a-code"),
        "same screen, code kept:\n{screen}"
    );
    assert!(!tui.closed, "the connection stays open");

    // Ctrl-U clears the field.
    tui.send(b"\x15").await;
    tui.send(format!("{code}\r").as_bytes()).await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Your name:"), STEP).await;
    assert!(!screen.contains("✗"), "the old error is gone:\n{screen}");

    tui.send(b"Bad Name!\r").await;
    let screen = wait_for_screen(
        &mut tui,
        |s| s.contains("✗ names may use only a-z, 0-9 and _"),
        STEP,
    )
    .await;
    assert!(screen.contains("Your name: Bad Name!"), "{screen}");

    tui.send(b"\x15newbie\r").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("a accept and join"), STEP).await;
    assert!(screen.contains("Hello @newbie"), "{screen}");
    assert!(
        screen.contains("Be kind."),
        "the code of conduct is shown:\n{screen}"
    );

    tui.send(b"a").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Welcome to camp, @newbie!"), STEP).await;
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("Camp") && header.contains("@newbie"),
        "{screen}"
    );

    let out = conn.exec("whoami").await;
    assert!(out.ok().starts_with("@newbie (camper) on camp"), "{out:?}");
    conn.close().await;
    let out = exec(camp.addr, &key, "whoami --json").await;
    assert!(out.ok().contains("\"username\":\"newbie\""), "{out:?}");

    camp.stop().await;
}

/// Resizing to 40×15 redraws header and footer at the new size, and absurd sizes
/// (0×0, 10000×10000) neither end the session nor stop it answering keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_changes_redraw_and_survive_absurd_sizes() {
    let camp = TestCamp::with_admin().await;
    let key = camp.member("rue").await;
    let conn = Conn::connect(camp.addr, &key).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("rue"), STEP).await;

    tui.window_change(40, 15).await;
    tui.blank_screen(15, 40);
    wait_for_screen(&mut tui, drawn_at("rue", 40, 15), STEP).await;

    // Still answering keys at the new size.
    tui.send(b"?").await;
    wait_for_screen(&mut tui, |s| s.contains("Keys"), STEP).await;
    tui.send(b" ").await;
    wait_for_screen(
        &mut tui,
        |s| !s.contains("Keys") && s.contains("j/k move"),
        STEP,
    )
    .await;

    // 10000×10000 is clamped by the server to its largest screen, 500×200.
    tui.window_change(10_000, 10_000).await;
    tui.blank_screen(200, 500);
    wait_for_screen(&mut tui, drawn_at("rue", 500, 200), STEP).await;

    // 0×0 means "unknown": the server falls back to 80×24.
    tui.window_change(0, 0).await;
    tui.blank_screen(24, 80);
    wait_for_screen(&mut tui, drawn_at("rue", 80, 24), STEP).await;

    tui.window_change(100, 30).await;
    tui.blank_screen(30, 100);
    wait_for_screen(&mut tui, drawn_at("rue", 100, 30), STEP).await;
    tui.send(b"c").await;
    wait_for_screen(&mut tui, |s| s.contains("New post"), STEP).await;
    assert!(!tui.closed && tui.exit_status.is_none());

    conn.close().await;
    camp.stop().await;
}

/// `q` on the main screen ends the session like a program: the terminal is restored
/// (alternate screen left), exit status 0 arrives, and the channel closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn q_quits_with_status_zero_and_restores_the_terminal() {
    let camp = TestCamp::with_admin().await;
    let key = camp.member("quinn").await;
    let conn = Conn::connect(camp.addr, &key).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("quinn"), STEP).await;
    assert!(
        tui.parser.screen().alternate_screen(),
        "the TUI uses the alternate screen"
    );

    tui.send(b"q").await;
    tui.wait_closed(STEP).await;
    assert_eq!(tui.exit_status, Some(0));
    let raw = String::from_utf8_lossy(&tui.raw);
    assert!(raw.contains("\x1b[?1049l"), "the alternate screen is left");
    assert!(raw.contains("\x1b[?25h"), "the cursor is shown again");
    assert!(
        raw.contains("\x1b[r\x1b[?25h\x1b[?1049l"),
        "the whole screen is the scroll region again"
    );
    assert!(!tui.parser.screen().alternate_screen());
    assert!(!tui.parser.screen().hide_cursor());

    // The connection itself is still usable.
    assert!(conn.exec("whoami").await.ok().starts_with("@quinn"));

    conn.close().await;
    camp.stop().await;
}

/// One key, three sessions at once (two channels on one connection, like OpenSSH
/// multiplexing, and a second connection): each has its own screen, and a post from
/// one shows live in the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_key_sessions_are_independent() {
    let camp = TestCamp::with_admin().await;
    let key = camp.member("sam").await;
    let conn = Conn::connect(camp.addr, &key).await;
    let mut one = conn.tui(80, 24).await;
    let mut two = conn.tui(80, 24).await;
    let other = Conn::connect(camp.addr, &key).await;
    let mut three = other.tui(100, 30).await;
    for tui in [&mut one, &mut two, &mut three] {
        let screen = wait_for_screen(tui, main_screen_of("sam"), STEP).await;
        assert!(screen.contains("The camp is quiet"), "{screen}");
    }

    // Different screens in different sessions.
    one.send(b"c").await;
    wait_for_screen(&mut one, |s| s.contains("New post"), STEP).await;
    two.send(b"\t").await;
    wait_for_screen(&mut two, |s| s.contains("You follow nobody yet"), STEP).await;
    assert!(!two.screen().contains("New post"), "{}", two.screen());
    // An exec command on the connection that holds two shells.
    assert!(conn.exec("whoami").await.ok().starts_with("@sam"));

    one.send(b"three sessions, one key").await;
    one.send(b"\x13").await;
    wait_for_screen(&mut one, |s| s.contains("Posted (camp)."), STEP).await;
    // Two shows Home (own posts land there), three shows Camp.
    wait_for_screen(&mut two, |s| s.contains("three sessions, one key"), STEP).await;
    wait_for_screen(&mut three, |s| s.contains("three sessions, one key"), STEP).await;
    assert!(!three.screen().contains("New post"), "{}", three.screen());

    // Ending one leaves the others running.
    one.send(b"q").await;
    one.wait_closed(STEP).await;
    assert_eq!(one.exit_status, Some(0));
    two.send(b"?").await;
    wait_for_screen(&mut two, |s| s.contains("Keys"), STEP).await;
    three.send(b"c").await;
    wait_for_screen(&mut three, |s| s.contains("New post"), STEP).await;
    assert!(!two.closed && !three.closed);

    conn.close().await;
    other.close().await;
    camp.stop().await;
}

/// A post carrying terminal escape sequences (a title change, a screen clear) shows
/// as harmless text in another camper's TUI: no OSC reaches the client, the title is
/// not changed and the screen is not cleared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_in_posts_never_reach_terminals() {
    let camp = TestCamp::with_admin().await;
    let viewer = camp.member("vic").await;
    let author = camp.member("mal").await;
    let conn = Conn::connect(camp.addr, &viewer).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("vic"), STEP).await;

    let payload = "\x1b]0;pwned\x07hi \x1b[2J there";
    let mal = Conn::connect(camp.addr, &author).await;
    post_id(
        mal.exec(&format!("post {}", shell_words::quote(payload)))
            .await
            .ok(),
    );

    let screen = wait_for_screen(&mut tui, |s| s.contains("@mal"), STEP).await;
    assert!(
        screen.contains("hi  there") || screen.contains("hi there"),
        "the text is shown without its escapes:\n{screen}"
    );
    assert!(
        !screen.contains("pwned") && !screen.contains("[2J"),
        "{screen}"
    );
    assert!(
        screen.contains("@vic"),
        "the screen was not cleared:\n{screen}"
    );
    assert!(!contains(&tui.raw, b"\x1b]0;"), "an OSC reached the client");
    assert!(
        !contains(&tui.raw, b"pwned"),
        "the payload reached the client"
    );
    let titles = &tui.parser.callbacks().set;
    assert!(
        !titles.iter().any(|t| t == b"pwned"),
        "title set to {titles:?}"
    );

    let posts = json_list(mal.exec("timeline camp --json").await.ok());
    let text = posts[0]["text"].as_str().expect("text");
    assert!(
        !text.contains('\x1b') && !text.contains('\x07'),
        "stored sanitized: {text:?}"
    );

    conn.close().await;
    mal.close().await;
    camp.stop().await;
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The main screen of `name` drawn for exactly `cols`×`rows`: the header's `@name`
/// ends one cell before the right edge and the key hints are on the last row.
fn drawn_at(name: &str, cols: usize, rows: usize) -> impl Fn(&str) -> bool {
    let handle = format!("@{name}");
    move |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
            return false;
        };
        let header = first.trim_end();
        lines.len() == rows
            && header.contains(" Home ")
            && header.ends_with(&handle)
            && header.chars().count() == cols - 1
            && last.contains("j/k move")
            && lines.iter().all(|l| l.chars().count() <= cols)
    }
}
