//! Presence through the browser terminal: a camper who joined in the browser and chose
//! to be shown (Settings) is in `who` while the page is open, and leaves it when the
//! socket drops without a goodbye.

use std::time::Duration;

use tokio::time::Instant;

use super::{WebCamp, browser_key, join_in_browser};
use crate::support::{self, STEP};

async fn who(web: &WebCamp, key: &support::Key) -> Vec<String> {
    support::json_list(support::exec(web.ssh(), key, "who --json").await.ok())
        .iter()
        .map(|p| p["username"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_browser_session_counts_for_who_until_its_socket_drops() {
    let web = WebCamp::start().await;
    let bob = web.member("bob").await;
    let code = web.invite().await;
    let mut ana = join_in_browser(&web, &browser_key(), &code, "ana").await;
    assert!(who(&web, &bob).await.is_empty(), "off by default");

    ana.send(b"s").await;
    ana.wait_for(|s| s.contains("Show me in who (w)")).await;
    // Display name, bio, warnings, theme, line mode, then presence.
    ana.send(b"jjjjj\r").await;
    ana.wait_for(|s| s.contains("who while you are connected"))
        .await;
    assert_eq!(who(&web, &bob).await, ["ana"]);

    // The tab closes without a goodbye: the count goes with the socket.
    drop(ana);
    let deadline = Instant::now() + STEP;
    loop {
        let list = who(&web, &bob).await;
        if list.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "still listed: {list:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    web.stop().await;
}
