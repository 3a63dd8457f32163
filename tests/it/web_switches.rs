//! The web door's switches: `--http ADDR|off` and its start line, and `--federate`:
//! a camp that does not federate serves no ActivityPub route at all.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncBufReadExt;

use crate::fedkit::fed_camp;
use crate::support::{STEP, ServerProcess, TestCamp};

/// Every ActivityPub route, as (method, path) with `{name}` for a camper's name.
const AP_ROUTES: &[(&str, &str)] = &[
    ("GET", "/.well-known/webfinger?resource=acct:{name}@{host}"),
    ("GET", "/.well-known/host-meta"),
    ("GET", "/.well-known/nodeinfo"),
    ("GET", "/nodeinfo/2.1"),
    ("GET", "/actor"),
    ("GET", "/users/{name}"),
    ("GET", "/users/{name}/outbox"),
    ("GET", "/users/{name}/followers"),
    ("GET", "/users/{name}/following"),
    ("POST", "/users/{name}/inbox"),
    ("POST", "/inbox"),
];

async fn statuses(http: std::net::SocketAddr, name: &str) -> Vec<(String, u16)> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let mut out = Vec::new();
    for (method, path) in AP_ROUTES {
        let path = path
            .replace("{name}", name)
            .replace("{host}", &http.to_string());
        let url = format!("http://{http}{path}");
        let req = match *method {
            "POST" => client
                .post(&url)
                .header("content-type", "application/activity+json")
                .body("{}"),
            _ => client
                .get(&url)
                .header("accept", "application/activity+json"),
        };
        let res = tokio::time::timeout(STEP, req.send())
            .await
            .expect("answered in time")
            .expect("request");
        out.push((format!("{method} {path}"), res.status().as_u16()));
    }
    out
}

/// Without `--federate` the web door serves the landing page and not one ActivityPub
/// route (404), while the same routes answer on a federating camp.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camp_that_does_not_federate_serves_no_activitypub_route() {
    let camp = TestCamp::with_admin().await;
    camp.member("ana").await;
    let http = camp.http_addr.expect("the web door is on");
    for (route, status) in statuses(http, "ana").await {
        assert_eq!(status, 404, "{route} on a camp that does not federate");
    }
    let home = reqwest::get(format!("http://{http}/"))
        .await
        .expect("GET /");
    assert_eq!(home.status(), 200);
    camp.stop().await;

    let (camp, _ana, http) = fed_camp().await;
    let answered: Vec<_> = statuses(http, "ana")
        .await
        .into_iter()
        .filter(|(_, s)| *s != 404)
        .collect();
    // Every GET answers on a federating camp (the POSTs are refused unsigned, not 404).
    assert_eq!(answered.len(), AP_ROUTES.len(), "{answered:?}");
    camp.stop().await;
}

/// `camp serve` prints `camp web on http://HOST:PORT` after the SSH line, with the real
/// port when 0 was asked for, and serves the landing page there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_the_web_line_and_serves_there() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), true).await;
    assert_ne!(server.web_addr.port(), 0);
    assert!(server.web_addr.ip().is_loopback());
    let res = reqwest::get(format!("http://{}/", server.web_addr))
        .await
        .expect("GET /");
    assert_eq!(res.status(), 200);
    let ct = res.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .to_string();
    assert!(ct.starts_with("text/html"), "{ct}");
    let (status, _) = server.terminate(Duration::from_secs(10)).await;
    assert!(status.success());
}

/// `--http off`: no web line; the admin invite follows the SSH line directly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_off_turns_the_web_door_off() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_camp"))
        .arg("serve")
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--keys")
        .arg(dir.path().join("keys"))
        .args(["--ssh", "127.0.0.1:0", "--http", "off"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("camp serve");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut next = async || {
        tokio::time::timeout(STEP, lines.next_line())
            .await
            .expect("a line in time")
            .expect("read stdout")
            .expect("a line before the end")
    };
    let first = next().await;
    assert!(first.starts_with("camp listening on ssh://"), "{first}");
    let second = next().await;
    assert!(second.starts_with("admin invite: "), "{second}");
    let _ = child.kill().await;
}
