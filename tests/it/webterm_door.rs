//! The browser terminal behind the web door's own guards (`web::conn`): a terminal
//! left open survives the door's idle close, and a link code in a prefill is refused.

use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::{Browser, WebCamp, browser_key, home_of, join_in_browser};
use crate::support;
use futures::StreamExt;

/// A signed-in terminal nobody types into for several web idle times stays open: the
/// camp pings it, and its pongs keep the connection from counting as quiet.
#[tokio::test]
async fn a_terminal_left_idle_outlives_the_web_idle_time() {
    let web = WebCamp::start_with(|c| c.camp.web_idle_secs = 1).await;
    let code = web.invite().await;
    let mut ana = join_in_browser(&web, &browser_key(), &code, "ana").await;

    let quiet_until = Instant::now() + Duration::from_millis(3500);
    while !ana.closed {
        match timeout_at(quiet_until, ana.ws.next()).await {
            Ok(msg) => ana.absorb(msg),
            Err(_) => break,
        }
    }
    assert!(!ana.closed, "an idle browser terminal was closed");
    ana.send(b"c").await;
    ana.wait_for(|s| s.contains("Ctrl-S")).await;
    drop(ana);
    web.stop().await;
}

/// A link someone sent (`/terminal?link=CODE`, or a link code in `?invite=`) must not
/// add the visitor's browser key to the sender's account: the page takes only invites
/// from the address, and the camp refuses a prefilled device link code.
#[tokio::test]
async fn a_link_code_from_a_link_is_refused_and_links_nothing() {
    let web = WebCamp::start().await;
    let mallory = web.member("mallory").await;
    let code = support::exec(web.ssh(), &mallory, "link-device")
        .await
        .ok()
        .trim()
        .to_string();

    // The page reads no `link` parameter.
    let js = reqwest::get(format!("{}/terminal/terminal.js", web.origin))
        .await
        .expect("terminal.js")
        .text()
        .await
        .expect("terminal.js text");
    assert!(
        js.contains(r#"params.get("invite")"#),
        "the page still reads invites"
    );
    assert!(
        !js.contains(r#"params.get("link")"#),
        "the page prefills link codes from the address"
    );

    // A link code prefilled anyway (as `?invite=` would) is refused, not redeemed.
    let victim = browser_key();
    let mut b = Browser::sign_in(&web, &victim, Some(&code)).await;
    b.wait_for(|s| s.contains(&code)).await;
    b.send(b"\r").await;
    b.wait_for(|s| s.contains("device link code, not an invite"))
        .await;
    assert!(!home_of("mallory")(&b.screen()), "{}", b.screen());
    let keys = support::exec(web.ssh(), &mallory, "keys --json").await;
    let list = support::json_list(keys.ok());
    assert!(
        list.iter()
            .all(|k| k["fingerprint"] != b.fingerprint.as_str()),
        "the victim's key was added to mallory: {list:?}"
    );

    // Typed in by hand, the same code still links (it was not used up).
    b.send(b"\x15").await;
    b.send(code.as_bytes()).await;
    b.send(b"\r").await;
    b.wait_for(home_of("mallory")).await;
    drop(b);
    web.stop().await;
}
