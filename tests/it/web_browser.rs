//! The web door's pages in a real browser (headless Chromium, see `crate::browser`):
//! they load, axe-core finds no serious or critical accessibility violation, the
//! phone layout does not scroll sideways, and the page breaks no rule of its own CSP.

use serde_json::Value;

use crate::browser;
use crate::support::TestCamp;

/// Checks one `page` scenario result at every size: `status`, a title naming the
/// camp, no serious axe violation, no sideways scrolling, no console error.
fn check(result: &Value, status: u16) {
    for size in ["desktop", "phone", "phone-dark"] {
        let page = &result[size];
        assert_eq!(page["status"], status, "{size}");
        assert!(
            page["title"].as_str().unwrap_or("").contains("Pine Camp"),
            "{size}: {}",
            page["title"]
        );
        let serious = browser::serious_violations(page);
        assert!(serious.is_empty(), "{size}: {serious:#?}");
        assert_eq!(
            page["overflows"], false,
            "{size} scrolls sideways: {}",
            page["layout"]
        );
        assert_eq!(page["problems"], serde_json::json!([]), "{size}");
    }
}

/// `/` at desktop and phone size, light and dark.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_landing_page_passes_axe_at_desktop_and_phone_size() {
    let Some(dir) = browser::harness("the_landing_page_passes_axe") else {
        return;
    };
    let camp = TestCamp::with_admin_using(|c| c.camp.name = "Pine Camp".into()).await;
    let http = camp.http_addr.expect("the web door is on");
    let result = browser::run(dir, "page", &format!("http://{http}/"), &["landing"]).await;
    check(&result, 200);
    // The guides are there (opened by the scenario) and dark mode is dark.
    let text = result["phone"]["text"].as_str().unwrap_or("");
    assert!(text.contains("ssh-keygen -t ed25519"), "{text}");
    assert_ne!(
        result["phone"]["layout"]["scheme"], result["phone-dark"]["layout"]["scheme"],
        "dark mode looks like light mode"
    );
    camp.stop().await;
}

/// `/join/CODE` with a usable invite, and with one that is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invite_pages_pass_axe_at_desktop_and_phone_size() {
    let Some(dir) = browser::harness("invite_pages_pass_axe") else {
        return;
    };
    let camp = TestCamp::with_admin_using(|c| c.camp.name = "Pine Camp".into()).await;
    let http = camp.http_addr.expect("the web door is on");
    let code = camp.invite().await;
    let result = browser::run(
        dir,
        "page",
        &format!("http://{http}/join/{code}"),
        &["join"],
    )
    .await;
    check(&result, 200);
    let text = result["phone"]["text"].as_str().unwrap_or("");
    assert!(text.contains(&format!("join {code}")), "{text}");
    let result = browser::run(
        dir,
        "page",
        &format!("http://{http}/join/zzzz-zzzz-zzzz"),
        &["join-unusable"],
    )
    .await;
    // The 404 is the page's own status, not a console error: problems may list it.
    for size in ["desktop", "phone", "phone-dark"] {
        let page = &result[size];
        assert_eq!(page["status"], 404, "{size}");
        assert!(browser::serious_violations(page).is_empty(), "{size}");
        assert_eq!(page["overflows"], false, "{size}");
    }
    camp.stop().await;
}
