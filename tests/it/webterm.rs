//! The browser terminal's protocol, spoken by a Rust client as a browser would: the
//! Origin check on upgrade, the signed challenge (bad signatures and replays refused),
//! onboarding and posting over the WebSocket with SSH campers seeing it live, browser
//! keys in the key list and their removal, link codes, and a flood of idle sockets.

use std::net::{IpAddr, SocketAddr};

use base64ct::{Base64, Encoding};
use ed25519_dalek::{Signer, SigningKey};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{Instant, timeout, timeout_at};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::{self, Conn, Key, STEP, TestCamp, main_screen_of, wait_for_screen};

#[path = "webterm_door.rs"]
mod door;
#[path = "webterm_presence.rs"]
mod presence;

// ---------------------------------------------------------------------------------
// A camp with its browser terminal
// ---------------------------------------------------------------------------------

/// A camp with an admin, whose web door (and so the browser terminal) is on a loopback
/// port.
struct WebCamp {
    camp: TestCamp,
    http: SocketAddr,
    origin: String,
    /// The host key fingerprint as the landing page shows it.
    host_key: String,
}

impl WebCamp {
    async fn start() -> WebCamp {
        Self::start_with(|_| {}).await
    }

    async fn start_with(adjust: impl FnOnce(&mut camp::config::Config)) -> WebCamp {
        let camp = TestCamp::with_admin_using(adjust).await;
        let http = camp.http_addr.expect("the web door is on");
        let origin = format!("http://{http}");
        let page = reqwest::get(format!("{origin}/"))
            .await
            .expect("landing page")
            .text()
            .await
            .expect("landing page text");
        let at = page
            .find("SHA256:")
            .expect("the landing page shows the host key");
        let host_key: String = page[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '+' | '/' | '='))
            .collect();
        WebCamp {
            camp,
            http,
            origin,
            host_key,
        }
    }

    fn ssh(&self) -> SocketAddr {
        self.camp.addr
    }

    async fn invite(&self) -> String {
        self.camp.invite().await
    }

    async fn member(&self, name: &str) -> Key {
        self.camp.member(name).await
    }

    async fn stop(self) {
        self.camp.stop().await
    }
}

// ---------------------------------------------------------------------------------
// A browser, as far as the protocol goes
// ---------------------------------------------------------------------------------

type Ws = WebSocketStream<TcpStream>;

/// A browser key (WebCrypto Ed25519 makes the same signatures).
fn browser_key() -> SigningKey {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("random seed");
    SigningKey::from_bytes(&seed)
}

/// Opens `/terminal/ws` from `from` (a loopback address) with `origin`.
async fn open_from(
    http: SocketAddr,
    origin: &str,
    from: IpAddr,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(from, 0)).expect("bind");
    let stream = timeout(STEP, socket.connect(http))
        .await
        .expect("connect in time")
        .expect("connect");
    let mut req = format!("ws://{http}/terminal/ws")
        .into_client_request()
        .expect("request");
    req.headers_mut()
        .insert("origin", origin.parse().expect("origin header"));
    timeout(STEP, tokio_tungstenite::client_async(req, stream))
        .await
        .expect("upgrade in time")
        .map(|(ws, _)| ws)
}

async fn open(web: &WebCamp) -> Ws {
    open_from(web.http, &web.origin, "127.0.0.1".parse().unwrap())
        .await
        .expect("upgrade")
}

/// The next text (control) message, within a step; `None` once the socket closed.
async fn next_control(ws: &mut Ws) -> Option<Value> {
    loop {
        match timeout(STEP, ws.next()).await.expect("a message in time") {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).expect("json")),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// The `hello` answering `challenge` with `key`, signed over the text the page signs.
fn hello(key: &SigningKey, origin: &str, challenge: &Value, invite: Option<&str>) -> String {
    let nonce = challenge["nonce"].as_str().expect("nonce");
    let host_key = challenge["host_key"].as_str().expect("host key");
    let text = format!(
        "camp browser terminal login v1\norigin: {origin}\nhost key: {host_key}\nnonce: {nonce}\n"
    );
    let mut msg = json!({
        "type": "hello",
        "alg": "Ed25519",
        "public_key": Base64::encode_string(key.verifying_key().as_bytes()),
        "signature": Base64::encode_string(&key.sign(text.as_bytes()).to_bytes()),
        "nonce": nonce,
        "cols": 100,
        "rows": 30,
    });
    if let Some(code) = invite {
        msg["invite"] = json!(code);
    }
    msg.to_string()
}

/// A signed-in browser terminal, its bytes played into a vt100 screen.
struct Browser {
    ws: Ws,
    parser: vt100::Parser,
    closed: bool,
    /// The `error` messages the camp sent.
    errors: Vec<String>,
    /// The key's fingerprint as the camp computed it.
    fingerprint: String,
    /// Every terminal byte received.
    raw: Vec<u8>,
}

impl Browser {
    /// Signs in with `key`, optionally with an invite or link code to prefill.
    async fn sign_in(web: &WebCamp, key: &SigningKey, invite: Option<&str>) -> Browser {
        let mut ws = open(web).await;
        let challenge = next_control(&mut ws).await.expect("a challenge");
        assert_eq!(challenge["type"], "challenge");
        assert_eq!(challenge["origin"], web.origin.as_str());
        assert_eq!(challenge["host_key"], web.host_key.as_str());
        ws.send(Message::text(hello(key, &web.origin, &challenge, invite)))
            .await
            .expect("send hello");
        let welcome = next_control(&mut ws).await.expect("welcome");
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        Browser {
            ws,
            parser: vt100::Parser::new(30, 100, 0),
            closed: false,
            errors: Vec::new(),
            fingerprint: welcome["fingerprint"].as_str().unwrap_or_default().into(),
            raw: Vec::new(),
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.ws
            .send(Message::binary(bytes.to_vec()))
            .await
            .expect("send keys");
    }

    fn absorb(&mut self, msg: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>) {
        match msg {
            Some(Ok(Message::Binary(b))) => {
                self.parser.process(&b);
                self.raw.extend_from_slice(&b);
            }
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t).unwrap_or_default();
                if v["type"] == "error" {
                    self.errors.push(v["message"].as_str().unwrap_or("").into());
                }
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => self.closed = true,
            Some(Ok(_)) => {}
        }
    }

    /// Reads until the screen satisfies `wanted`, failing with the screen after a step.
    async fn wait_for(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + STEP;
        loop {
            let screen = self.screen();
            if wanted(&screen) {
                return screen;
            }
            assert!(
                !self.closed,
                "the socket closed; the screen shows:\n{screen}"
            );
            match timeout_at(deadline, self.ws.next()).await {
                Ok(msg) => self.absorb(msg),
                Err(_) => panic!(
                    "waited {STEP:?}; the screen shows:\n{screen}\nlast bytes: {:?}",
                    String::from_utf8_lossy(&self.raw[self.raw.len().saturating_sub(600)..])
                ),
            }
        }
    }

    /// Reads until the camp closes the socket.
    async fn wait_closed(&mut self) {
        let deadline = Instant::now() + STEP;
        while !self.closed {
            match timeout_at(deadline, self.ws.next()).await {
                Ok(msg) => self.absorb(msg),
                Err(_) => panic!("still open; the screen shows:\n{}", self.screen()),
            }
        }
    }
}

/// Joins through onboarding with the invite the page prefilled.
async fn join_in_browser(web: &WebCamp, key: &SigningKey, code: &str, name: &str) -> Browser {
    let mut b = Browser::sign_in(web, key, Some(code)).await;
    b.wait_for(|s| s.contains(code)).await;
    b.send(b"\r").await;
    b.wait_for(|s| s.to_lowercase().contains("name")).await;
    b.send(name.as_bytes()).await;
    b.send(b"\r").await;
    b.wait_for(|s| s.to_lowercase().contains("code of conduct"))
        .await;
    b.send(b"a").await;
    b.wait_for(home_of(name)).await;
    b
}

/// The header of `name`'s timelines (the footer may still hold a welcome line).
fn home_of(name: &str) -> impl Fn(&str) -> bool {
    let handle = format!("@{name}");
    move |s: &str| {
        let first = s.lines().next().unwrap_or("");
        first.contains("Home") && first.contains(&handle)
    }
}

// ---------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_browser_joins_with_an_invite_and_posts_reach_ssh_campers_live_both_ways() {
    let web = WebCamp::start().await;
    let bob = web.member("bob").await;
    let code = web.invite().await;
    let key = browser_key();
    let mut ana = join_in_browser(&web, &key, &code, "ana").await;

    // An SSH camper watching the camp timeline sees the browser's post arrive.
    let conn = Conn::connect(web.ssh(), &bob).await;
    let mut tui = conn.tui(100, 30).await;
    wait_for_screen(&mut tui, main_screen_of("bob"), STEP).await;
    ana.send(b"c").await;
    ana.wait_for(|s| s.contains("Ctrl-S")).await;
    ana.send(b"hello from a browser").await;
    ana.send(b"\x13").await;
    wait_for_screen(&mut tui, |s| s.contains("hello from a browser"), STEP).await;

    // And the browser sees an SSH post arrive live.
    support::exec(web.ssh(), &bob, "post hello from ssh")
        .await
        .ok();
    ana.wait_for(|s| s.contains("hello from ssh")).await;

    // The same key is the same camper on the next visit (a page reload).
    drop(ana);
    let mut again = Browser::sign_in(&web, &key, None).await;
    again.wait_for(main_screen_of("ana")).await;
    conn.close().await;
    web.stop().await;
}

#[tokio::test]
async fn an_upgrade_from_a_foreign_origin_is_refused() {
    let web = WebCamp::start().await;
    let from = "127.0.0.1".parse().unwrap();
    for origin in ["http://evil.example", "null", "https://127.0.0.1"] {
        match open_from(web.http, origin, from).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 403, "origin {origin}")
            }
            Err(e) => panic!("origin {origin}: refused, but not with 403: {e}"),
            Ok(_) => panic!("origin {origin} was let in"),
        }
    }
    // Our own origin gets its challenge.
    let mut ws = open(&web).await;
    assert_eq!(
        next_control(&mut ws).await.expect("challenge")["type"],
        "challenge"
    );
    web.stop().await;
}

#[tokio::test]
async fn a_bad_signature_or_a_replayed_challenge_is_refused() {
    let web = WebCamp::start().await;
    let key = browser_key();

    // Signed by another key than the one presented.
    let mut ws = open(&web).await;
    let challenge = next_control(&mut ws).await.expect("challenge");
    let mut msg: Value =
        serde_json::from_str(&hello(&browser_key(), &web.origin, &challenge, None)).unwrap();
    msg["public_key"] = json!(Base64::encode_string(key.verifying_key().as_bytes()));
    ws.send(Message::text(msg.to_string())).await.unwrap();
    let refused = next_control(&mut ws).await.expect("an answer");
    assert_eq!(refused["type"], "error");
    assert!(
        refused["message"].as_str().unwrap().contains("signature"),
        "{refused}"
    );
    assert!(
        next_control(&mut ws).await.is_none(),
        "closed after the refusal"
    );

    // Signed for another origin (a look-alike site relaying our challenge).
    let mut ws = open(&web).await;
    let challenge = next_control(&mut ws).await.expect("challenge");
    ws.send(Message::text(hello(
        &key,
        "https://camp.evil.example",
        &challenge,
        None,
    )))
    .await
    .unwrap();
    assert_eq!(
        next_control(&mut ws).await.expect("an answer")["type"],
        "error"
    );

    // A good answer, replayed on a second connection, proves nothing there.
    let mut first = open(&web).await;
    let challenge = next_control(&mut first).await.expect("challenge");
    let answer = hello(&key, &web.origin, &challenge, None);
    first.send(Message::text(answer.clone())).await.unwrap();
    assert_eq!(
        next_control(&mut first).await.expect("welcome")["type"],
        "welcome"
    );
    let mut second = open(&web).await;
    let _ = next_control(&mut second).await.expect("its own challenge");
    second.send(Message::text(answer.clone())).await.unwrap();
    let refused = next_control(&mut second).await.expect("an answer");
    assert_eq!(refused["type"], "error", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("used up"),
        "{refused}"
    );
    // And a second hello on the first connection ends it rather than signing in again.
    first.send(Message::text(answer)).await.unwrap();
    let deadline = Instant::now() + STEP;
    loop {
        match timeout_at(deadline, first.next())
            .await
            .expect("closed in time")
        {
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => {}
        }
    }

    // Terminal bytes before the proof are refused too.
    let mut ws = open(&web).await;
    let _ = next_control(&mut ws).await.expect("challenge");
    ws.send(Message::binary(b"q".to_vec())).await.unwrap();
    assert_eq!(
        next_control(&mut ws).await.expect("an answer")["type"],
        "error"
    );
    web.stop().await;
}

#[tokio::test]
async fn a_linked_browser_key_is_listed_and_removing_it_ends_its_session() {
    let web = WebCamp::start().await;
    let bob = web.member("bob").await;
    let link = support::exec(web.ssh(), &bob, "link-device").await;
    let code = link.ok().trim().to_string();
    let key = browser_key();
    // The link code, typed in where an invite would go; the browser becomes @bob.
    let mut b = Browser::sign_in(&web, &key, None).await;
    b.wait_for(|s| s.to_lowercase().contains("invite")).await;
    b.send(code.as_bytes()).await;
    b.wait_for(|s| s.contains(&code)).await;
    b.send(b"\r").await;
    b.wait_for(home_of("bob")).await;

    let keys = support::exec(web.ssh(), &bob, "keys --json").await;
    let list = support::json_list(keys.ok());
    let mine = list
        .iter()
        .find(|k| k["fingerprint"] == b.fingerprint.as_str())
        .unwrap_or_else(|| panic!("the browser key is listed: {list:?}"));
    assert!(
        mine["algorithm"].as_str().unwrap().starts_with("browser "),
        "{mine}"
    );
    let text = support::exec(web.ssh(), &bob, "keys").await;
    assert!(text.ok().contains("browser"), "{}", text.stdout);

    support::exec(web.ssh(), &bob, &format!("keys remove {}", b.fingerprint))
        .await
        .ok();
    b.wait_closed().await;
    assert!(
        b.screen().contains("This key was removed"),
        "{}",
        b.screen()
    );
    web.stop().await;
}

#[tokio::test]
async fn five_hundred_idle_websockets_do_not_keep_campers_out() {
    // Fewer places than idle sockets: without the strangers' roll the flood would fill
    // the camp and the campers below would be told it is full.
    let web = WebCamp::start_with(|c| c.camp.max_connections = 300).await;
    let bob = web.member("bob").await;
    let code = web.invite().await;
    let key = browser_key();
    {
        let mut first = join_in_browser(&web, &key, &code, "ana").await;
        first.send(b"q").await;
        first.wait_closed().await;
    }
    // 500 sockets from 20 addresses that upgrade and then say nothing.
    let mut idle = Vec::new();
    let mut refused = 0;
    for i in 0..500 {
        let from: IpAddr = format!("127.0.1.{}", 1 + i % 20).parse().unwrap();
        match open_from(web.http, &web.origin, from).await {
            Ok(ws) => idle.push(ws),
            Err(_) => refused += 1,
        }
    }
    assert_eq!(idle.len() + refused, 500);
    // A camper over SSH and one in a browser, each from an address of their own.
    let conn = Conn::connect(web.ssh(), &bob).await;
    let mut tui = conn.tui(100, 30).await;
    wait_for_screen(&mut tui, main_screen_of("bob"), STEP).await;
    let mut ws = open_from(web.http, &web.origin, "127.0.0.9".parse().unwrap())
        .await
        .expect("the browser camper gets in");
    let challenge = next_control(&mut ws).await.expect("challenge");
    ws.send(Message::text(hello(&key, &web.origin, &challenge, None)))
        .await
        .unwrap();
    assert_eq!(
        next_control(&mut ws).await.expect("welcome")["type"],
        "welcome"
    );
    let mut b = Browser {
        ws,
        parser: vt100::Parser::new(30, 100, 0),
        closed: false,
        errors: Vec::new(),
        fingerprint: String::new(),
        raw: Vec::new(),
    };
    b.wait_for(main_screen_of("ana")).await;
    assert!(b.errors.is_empty());
    drop(idle);
    conn.close().await;
    web.stop().await;
}

#[tokio::test]
async fn an_oversized_frame_or_a_huge_resize_is_bounded() {
    let web = WebCamp::start().await;
    let bob = web.member("bob").await;
    let code = support::exec(web.ssh(), &bob, "link-device")
        .await
        .ok()
        .trim()
        .to_string();
    let mut b = Browser::sign_in(&web, &browser_key(), None).await;
    b.wait_for(|s| s.to_lowercase().contains("invite")).await;
    b.send(code.as_bytes()).await;
    b.wait_for(|s| s.contains(&code)).await;
    b.send(b"\r").await;
    b.wait_for(home_of("bob")).await;
    // A resize far past the bounds is clamped (the screen is drawn, nothing breaks).
    b.ws.send(Message::text(
        r#"{"type":"resize","cols":100000,"rows":100000}"#,
    ))
    .await
    .unwrap();
    b.send(b"?").await;
    b.wait_for(|s| s.contains("any key closes")).await;
    let raw = String::from_utf8_lossy(&b.raw);
    // A move to a row's first column leaves the column out.
    assert!(raw.contains("\x1b[200H"), "drawn on the last of 200 rows");
    assert!(
        !raw.contains("\x1b[201;") && !raw.contains("\x1b[201H"),
        "nothing below row 200"
    );
    // A message over the cap ends the connection.
    let _ =
        b.ws.send(Message::binary(vec![b'x'; camp::webterm::MAX_MESSAGE + 1]))
            .await;
    b.wait_closed().await;
    web.stop().await;
}

/// The browser terminal gets no OSC 8 hyperlink and no OSC 52 copy (its xterm.js has
/// no clipboard add-on or link handler of ours): links show as text to select, and
/// `y` says why nothing was copied (issue 14, Links).
#[tokio::test]
async fn the_browser_terminal_gets_links_as_text_and_no_clipboard_writes() {
    let web = WebCamp::start().await;
    let bob = web.member("bob").await;
    let code = web.invite().await;
    let key = browser_key();
    let mut ana = join_in_browser(&web, &key, &code, "ana").await;
    support::exec(web.ssh(), &bob, "post see https://example.org/x")
        .await
        .ok();
    ana.wait_for(|s| s.contains("https://example.org/x")).await;
    ana.send(b"y").await;
    ana.wait_for(|s| s.contains("cannot be sent copies")).await;
    ana.send(b"o").await;
    ana.send(b"1").await;
    ana.wait_for(|s| s.contains("select it to copy")).await;
    let raw = String::from_utf8_lossy(&ana.raw);
    assert!(!raw.contains("\x1b]8;"), "{raw:?}");
    assert!(!raw.contains("\x1b]52;"), "{raw:?}");
    web.stop().await;
}
