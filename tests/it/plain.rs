//! The screen-reader line mode through the real `ssh -tt` binary: the server gets a
//! PTY request (with the `TERM` of the ssh process) and raw keys, exactly as from a
//! person at a terminal. Every byte that comes back is kept and checked: no escape
//! sequence, no control character but CR LF, ever.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout, timeout_at};

use crate::support::{
    Conn, Key, STEP, TestCamp, exec, json_list, main_screen_of, post_id, ssh, ssh_args,
    wait_for_screen,
};

/// One `ssh -tt` session, its output collected byte for byte.
struct LineSession {
    child: Child,
    stdin: ChildStdin,
    out: mpsc::UnboundedReceiver<Vec<u8>>,
    /// Every byte received.
    raw: Vec<u8>,
    /// Where the next `expect` starts looking.
    seen: usize,
}

impl LineSession {
    /// `ssh -tt 127.0.0.1 [remote]` with `TERM=term`.
    fn start(addr: SocketAddr, key: &Key, term: &str, remote: Option<&str>) -> LineSession {
        let mut cmd = Command::new("ssh");
        cmd.arg("-tt")
            .args(ssh_args(addr, key))
            .args(["-o", "EscapeChar=none"]);
        cmd.arg(addr.ip().to_string());
        if let Some(r) = remote {
            cmd.arg(r);
        }
        cmd.env("TERM", term)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("run ssh");
        let stdin = child.stdin.take().expect("ssh stdin");
        let mut stdout = child.stdout.take().expect("ssh stdout");
        let (tx, out) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 8192];
            while let Ok(n) = stdout.read(&mut buf).await {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        LineSession {
            child,
            stdin,
            out,
            raw: Vec::new(),
            seen: 0,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// Reads until `wanted` shows up after what earlier calls found; returns the text
    /// from the previous find up to and including this one.
    async fn expect(&mut self, wanted: &str) -> String {
        let deadline = Instant::now() + STEP;
        loop {
            let text = self.text();
            if let Some(i) = text[self.seen..].find(wanted) {
                let end = self.seen + i + wanted.len();
                let part = text[self.seen..end].to_string();
                self.seen = end;
                return part;
            }
            match timeout_at(deadline, self.out.recv()).await {
                Ok(Some(bytes)) => self.raw.extend_from_slice(&bytes),
                Ok(None) => panic!("ssh ended while waiting for {wanted:?}; it printed:\n{text}"),
                Err(_) => panic!("waited {STEP:?} for {wanted:?}; it printed:\n{text}"),
            }
        }
    }

    /// Types bytes, as a person at the terminal.
    async fn send(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).await.expect("type into ssh");
        self.stdin.flush().await.expect("flush ssh stdin");
    }

    /// Waits for ssh to end, takes the rest of its output, and checks all of it.
    async fn finish(mut self) -> String {
        let status = timeout(STEP, self.child.wait())
            .await
            .expect("ssh ends in time")
            .expect("ssh status");
        while let Ok(Some(bytes)) = timeout(Duration::from_secs(5), self.out.recv()).await {
            self.raw.extend_from_slice(&bytes);
        }
        assert!(
            status.success(),
            "ssh exit {status:?}; it printed:\n{}",
            self.text()
        );
        assert_plain(&self.raw);
        self.text()
    }
}

/// The promise of the line mode: valid UTF-8, no ESC at all, no control character but
/// CR directly before LF, and LF.
#[track_caller]
fn assert_plain(raw: &[u8]) {
    assert!(!raw.is_empty(), "nothing was received");
    assert!(
        !raw.contains(&0x1b),
        "an ESC was sent: {:?}",
        String::from_utf8_lossy(raw)
    );
    let text = std::str::from_utf8(raw).expect("the line mode sends UTF-8");
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ok = match c {
            '\r' => chars.peek().map(|(_, n)| *n) == Some('\n'),
            '\n' => text[..i].ends_with('\r'),
            c => !c.is_control(),
        };
        assert!(ok, "control {c:?} at byte {i} in {text:?}");
    }
}

/// A stranger joins in the line mode (a wrong code is explained), reads the camp
/// timeline, reads a post behind a warning by its number, replies to it, and sees
/// another camper's post arrive live as one line, with the half-typed line printed
/// again after it. Nothing but plain text and CR LF comes back, ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_mode_onboards_reads_replies_and_shows_live_posts() {
    let camp = TestCamp::with_admin().await;
    let bob = camp.member("bob").await;
    let tea = post_id(
        exec(
            camp.addr,
            &bob,
            "post --cw 'a question' 'tea at five? \x1b[31mred\x1b[0m'",
        )
        .await
        .ok(),
    );
    let code = camp.invite().await;
    let dee = Key::generate();

    let mut s = LineSession::start(camp.addr, &dee, "xterm-256color", Some("plain"));
    s.expect("Invite code: ").await;
    s.send(b"not-a-code\r").await;
    let said = s.expect("Invite code: ").await;
    assert!(
        said.contains("not-a-code\r\n"),
        "typed text is echoed: {said:?}"
    );
    assert!(
        said.contains("that invite code is not valid here."),
        "{said:?}"
    );
    s.send(format!("{code}\r").as_bytes()).await;
    s.expect("Username: ").await;
    s.send(b"dee\r").await;
    let said = s.expect("Accept, yes or no: ").await;
    assert!(said.contains("Code of conduct of"), "{said:?}");
    s.send(b"yes\r").await;
    let said = s.expect("\r\n> ").await;
    assert!(said.contains("Welcome to"), "{said:?}");
    assert!(said.contains("@dee!"), "{said:?}");
    assert!(said.contains("Home, no posts yet."), "{said:?}");

    s.send(b"camp\r").await;
    let said = s.expect("\r\n> ").await;
    assert!(said.contains("Camp, 1 post, newest first.\r\n"), "{said:?}");
    assert!(
        said.contains("1. @bob, just now: CW: a question. Type 1 to read it.\r\n"),
        "{said:?}"
    );
    assert!(
        !said.contains("tea at five"),
        "the text waits behind its warning"
    );
    s.send(b"1\r").await;
    let said = s.expect("\r\n> ").await;
    assert!(
        said.contains("1. @bob, just now:\r\nCW: a question\r\ntea at five? red\r\n"),
        "{said:?}"
    );

    // Backspace is taken without any echo; the reply goes out as corrected.
    s.send(b"r 1 I'll bring scones!!\x7f\x7f\r").await;
    let said = s.expect("\r\n> ").await;
    assert!(said.contains("Replied to 1, @bob, as 2."), "{said:?}");
    assert!(
        said.contains("scones!!\r\n"),
        "what was typed is echoed, the deletions are not"
    );
    let thread = exec(camp.addr, &bob, &format!("show {tea} --json")).await;
    let thread: serde_json::Value = serde_json::from_str(thread.ok()).unwrap();
    let reply = &thread["replies"][0];
    assert_eq!(reply["text"], "@bob I'll bring scones");
    assert_eq!(reply["author"]["username"], "dee");
    assert_eq!(reply["cw"], "a question");

    // A live post arrives while a line is half typed.
    s.send(b"hel").await;
    assert_eq!(
        s.expect("hel").await,
        "hel",
        "the echo is the typed text alone"
    );
    let live = post_id(exec(camp.addr, &bob, "post 'the fire is lit'").await.ok());
    let said = s.expect("the fire is lit\r\n> hel").await;
    let line = said
        .lines()
        .find(|l| l.contains("the fire is lit"))
        .expect("the live line");
    let (number, rest) = line.split_once(". ").expect("a numbered line");
    assert_eq!(rest, "@bob, just now: the fire is lit", "{said:?}");
    assert!(
        said.starts_with("\r\n"),
        "the live post starts its own line: {said:?}"
    );
    // Our own reply was confirmed with its number, not printed again when it arrived
    // (bob's later post is the sentinel that it would have by now).
    assert!(!s.text().contains("@dee, just now"), "{}", s.text());
    // Ctrl-U drops the half-typed line; the live post's number reads it.
    s.send(b"\x15").await;
    s.expect("\r\n> ").await;
    s.send(format!("{number}\r").as_bytes()).await;
    let said = s.expect("\r\n> ").await;
    assert!(
        said.contains("Thread: not a reply, this post, 0 replies."),
        "{said:?}"
    );
    assert!(said.contains("the fire is lit"), "{said:?}");
    let posts = json_list(exec(camp.addr, &bob, "timeline camp --json").await.ok());
    assert_eq!(posts[0]["id"], live);

    s.send(b"help\r").await;
    let said = s.expect("\r\n> ").await;
    assert!(said.contains("r NUMBER TEXT: reply to it"), "{said:?}");
    s.send(b"quit\r").await;
    s.expect("Goodbye.").await;
    let all = s.finish().await;
    assert!(all.contains("Goodbye.\r\n"), "{all:?}");
    camp.stop().await;
}

/// `TERM=dumb` (from the PTY request) opens the line mode for a plain `ssh -t`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dumb_terminal_gets_the_line_mode() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    exec(camp.addr, &ann, "post 'morning, campers'").await.ok();
    let mut s = LineSession::start(camp.addr, &ann, "dumb", None);
    let said = s.expect("\r\n> ").await;
    assert!(
        said.contains("@ann. Line mode: type help for commands.\r\n"),
        "{said:?}"
    );
    assert!(
        said.contains("Home, 1 post, newest first.\r\n1. @ann, just now: morning, campers\r\n"),
        "{said:?}"
    );
    // Ctrl-D on an empty line leaves.
    s.send(b"\x04").await;
    s.finish().await;
    camp.stop().await;
}

/// A line-mode session nobody types into closes after the camp's idle time and says
/// why, in plain text, as the TUI does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_line_session_closes_after_the_idle_time() {
    let camp = TestCamp::with_admin_using(|c| c.camp.idle_timeout_secs = 3).await;
    let ann = camp.member("ann").await;
    let started = Instant::now();
    let mut s = LineSession::start(camp.addr, &ann, "dumb", None);
    s.expect("\r\n> ").await;
    let said = s.finish().await;
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert!(
        said.contains("Closed after 3 seconds without input. Come back any time.\r\n"),
        "{said:?}"
    );
    camp.stop().await;
}

/// The Settings row (and `plain on|off`) makes the line mode what `ssh -t` opens for
/// that camper, and only for them; `plain` without a terminal says how to start it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_toggle_makes_the_line_mode_the_default() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    let bob = camp.member("bob").await;

    // Turned on in the full-screen Settings.
    let conn = Conn::connect(camp.addr, &ann).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ann"), STEP).await;
    tui.send(b"s").await;
    wait_for_screen(
        &mut tui,
        |s| s.contains("Screen-reader line mode at login"),
        STEP,
    )
    .await;
    tui.send(b"jjjj\r").await;
    let screen =
        wait_for_screen(&mut tui, |s| s.contains("ssh -t opens the line mode"), STEP).await;
    assert!(
        screen.contains("Screen-reader line mode at login     on"),
        "{screen}"
    );
    conn.close().await;

    let mut s = LineSession::start(camp.addr, &ann, "xterm-256color", None);
    let said = s.expect("\r\n> ").await;
    assert!(
        said.contains("Line mode: type help for commands."),
        "{said:?}"
    );
    s.send(b"plain off\r").await;
    let said = s.expect("\r\n> ").await;
    assert!(
        said.contains("The full-screen app is your default again"),
        "{said:?}"
    );
    s.send(b"quit\r").await;
    s.finish().await;

    // Off again: the full-screen app; bob never had it on.
    for key in [&ann, &bob] {
        let conn = Conn::connect(camp.addr, key).await;
        let mut tui = conn.tui(80, 24).await;
        wait_for_screen(&mut tui, |s| s.contains("j/k move"), STEP).await;
        conn.close().await;
    }

    // The exec verb, and `plain` without a terminal.
    let out = ssh(camp.addr, &bob, &[], &["plain", "on"], None).await;
    assert!(out.ok().contains("now your default"), "{out:?}");
    let mut s = LineSession::start(camp.addr, &bob, "xterm-256color", None);
    s.expect("Line mode: type help for commands.").await;
    s.send(b"quit\r").await;
    s.finish().await;
    let out = ssh(camp.addr, &bob, &[], &["plain"], None).await;
    assert!(
        out.failed(2)
            .contains("the line mode needs a terminal: ssh -t"),
        "{out:?}"
    );
    camp.stop().await;
}
