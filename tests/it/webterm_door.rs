//! The browser terminal behind the web door's own guards (`web::conn`): a terminal
//! left open survives the door's idle close, and a link code in a prefill is refused.

use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::{WebCamp, browser_key, join_in_browser};
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
