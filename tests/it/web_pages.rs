//! The web door's pages over HTTP: the landing page tells a stranger how to join
//! (the `ssh` command with its port, the host key fingerprint, a `known_hosts` line
//! that real `ssh` accepts) and nothing about who is here or what they wrote; invite
//! links fill the invite in, refuse unusable codes with one polite answer, and are
//! rate-limited per (real) address.

use std::net::SocketAddr;
use std::process::Stdio;

use reqwest::StatusCode;

use crate::support::{Key, STEP, TestCamp, exec, wait_for_screen};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("an HTTP client")
}

/// GETs `path` from the camp's web door: status, headers and body.
async fn get(
    http: SocketAddr,
    path: &str,
    forwarded_for: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let mut req = client().get(format!("http://{http}{path}"));
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    let res = tokio::time::timeout(STEP, req.send())
        .await
        .expect("answered in time")
        .expect("GET");
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.text().await.expect("a body"))
}

/// The text of the `<pre><code>` block that follows `marker` in `html`.
fn code_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let rest = &html[html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"))..];
    let start = rest.find("<pre><code>").expect("a code block") + "<pre><code>".len();
    let end = rest[start..].find("</code></pre>").expect("its end");
    &rest[start..start + end]
}

/// `/` shows the camp's own text escaped, the ssh command with `-p`, the fingerprint
/// and a `known_hosts` line that `ssh` with strict host key checking accepts; it
/// carries a strict CSP, sets no cookie, runs no script, and shows no camper, post
/// or count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_landing_page_tells_how_to_join_and_nothing_about_campers() {
    let camp = TestCamp::with_admin_using(|c| {
        c.camp.name = "Pine <b>&</b> Camp".into();
        c.camp.description = "Climbers <script>alert(1)</script> welcome.".into();
    })
    .await;
    let admin = camp.admin.as_ref().expect("admin");
    let coc = "Be kind.\n\n<img src=x onerror=alert(2)> is not a rule.";
    let out = crate::support::Conn::connect(camp.addr, admin)
        .await
        .exec_with_stdin("coc set", coc.as_bytes())
        .await;
    out.ok();
    let ana = camp.member("ana").await;
    exec(camp.addr, &ana, "post a-secret-camp-post").await.ok();
    let http = camp.http_addr.expect("the web door");

    let (status, headers, html) = get(http, "/", None).await;
    assert_eq!(status, 200);
    // The admin's text is text.
    assert!(
        html.contains("<title>Pine &lt;b&gt;&amp;&lt;/b&gt; Camp</title>"),
        "{html}"
    );
    assert!(html.contains("Climbers &lt;script&gt;alert(1)&lt;/script&gt; welcome."));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt; is not a rule."));
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "{html}"
    );
    // How to join.
    let port = camp.addr.port();
    assert_eq!(
        code_after(&html, "The command is"),
        format!("ssh -p {port} localhost")
    );
    assert_eq!(code_after(&html, "It must be"), camp.fingerprint);
    let line = code_after(&html, "known_hosts</code> file").to_string();
    assert!(
        line.starts_with(&format!("[localhost]:{port} ssh-ed25519 AAAA")),
        "{line}"
    );
    for system in [
        "PowerShell",
        "macOS",
        "Linux",
        "ChromeOS",
        "Termux",
        "iPhone",
    ] {
        assert!(html.contains(system), "no guide for {system}");
    }
    assert!(html.contains("href=\"/terminal\""));
    // Nothing about who is here.
    for leak in ["ana", "admin", "a-secret-camp-post", "campers live here"] {
        assert!(!html.contains(leak), "the page shows {leak:?}");
    }
    // Strict headers, no cookie.
    let csp = headers["content-security-policy"].to_str().expect("CSP");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "{csp}");
    assert!(headers.get("set-cookie").is_none());
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let (status, headers, css) = get(http, "/assets/door.css", None).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/css")
    );
    assert!(css.contains("prefers-color-scheme: dark"));

    // The known_hosts line is what real ssh checks the server against.
    let dir = tempfile::tempdir().expect("temp dir");
    let known = dir.path().join("known_hosts");
    std::fs::write(&known, format!("{line}\n")).expect("write known_hosts");
    let strict = strict_ssh(camp.addr, &ana, &known, "whoami").await;
    assert_eq!(
        strict.0,
        Some(0),
        "ssh refused the page's known_hosts line: {}",
        strict.1
    );
    assert!(strict.2.contains("ana"), "{}", strict.2);
    // ...and a wrong line is refused, so the check above could fail.
    std::fs::write(&known, format!("[localhost]:{port} {}\n", other_host_key()))
        .expect("write known_hosts");
    let refused = strict_ssh(camp.addr, &ana, &known, "whoami").await;
    assert_ne!(refused.0, Some(0));
    assert!(
        refused.1.contains("Host key verification failed"),
        "{}",
        refused.1
    );
    camp.stop().await;
}

/// A host key that is not the camp's.
fn other_host_key() -> String {
    let key = Key::generate();
    key.private
        .public_key()
        .to_openssh()
        .expect("OpenSSH form")
        .split(' ')
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `ssh` to `localhost` with strict host key checking against `known_hosts`:
/// (exit status, stderr, stdout).
async fn strict_ssh(
    addr: SocketAddr,
    key: &Key,
    known_hosts: &std::path::Path,
    command: &str,
) -> (Option<i32>, String, String) {
    let out = tokio::process::Command::new("ssh")
        .arg("-F")
        .arg("/dev/null")
        .arg("-i")
        .arg(&key.file)
        .args(["-p", &addr.port().to_string()])
        .args(["-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"])
        .args(["-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .args(["localhost", command])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(STEP, out)
        .await
        .expect("ssh in time")
        .expect("run ssh");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// With `show_member_count` the page says how many campers there are, and still no
/// name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_member_count_shows_only_when_the_admin_turns_it_on() {
    let camp = TestCamp::with_admin_using(|c| c.camp.show_member_count = true).await;
    camp.member("ana").await;
    let (_, _, html) = get(camp.http_addr.expect("web"), "/", None).await;
    assert!(html.contains("2 campers live here."), "{html}");
    assert!(!html.contains("ana"));
    camp.stop().await;
}

/// `invite --json` gives the link; `/join/CODE` fills the invite in (`ssh -t ... join
/// CODE` and the browser terminal); used, unknown and overlong codes all get the
/// same polite 404, which does not echo the code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invite_links_fill_in_the_invite_and_refuse_unusable_codes_alike() {
    let camp = TestCamp::with_admin().await;
    let admin = camp.admin.as_ref().expect("admin");
    let http = camp.http_addr.expect("web");
    let json = exec(camp.addr, admin, "invite --json").await;
    let doc: serde_json::Value = serde_json::from_str(json.ok()).expect("JSON");
    let code = doc["code"].as_str().expect("code").to_string();
    assert_eq!(doc["link"], format!("http://{http}/join/{code}"));
    // Plain `invite` still prints the code alone.
    let plain = exec(camp.addr, admin, "invite").await;
    assert!(!plain.ok().trim().contains(' ') && !plain.ok().contains("http"));
    // `invites --json` lists the links too.
    let listed = exec(camp.addr, admin, "invites --json").await;
    assert!(listed.ok().contains(&format!("http://{http}/join/{code}")));

    let (status, _, html) = get(http, &format!("/join/{code}"), None).await;
    assert_eq!(status, 200);
    let port = camp.addr.port();
    assert_eq!(
        code_after(&html, "You are invited"),
        format!("ssh -t -p {port} localhost join {code}")
    );
    assert!(html.contains(&format!("href=\"/terminal?invite={code}\"")));
    assert!(html.contains("Join in your browser"));
    // Upper case and the same code: the link still works.
    let (status, _, _) = get(http, &format!("/join/{}", code.to_uppercase()), None).await;
    assert_eq!(status, 200);

    // Used up.
    let key = Key::generate();
    exec(camp.addr, &key, &format!("join {code} bea --agree"))
        .await
        .ok();
    let (status, _, used) = get(http, &format!("/join/{code}"), None).await;
    assert_eq!(status, 404);
    assert!(used.contains("This invite cannot be used"), "{used}");
    assert!(!used.contains(&code), "the page echoes the code");
    assert!(!used.contains("bea"));
    // Unknown, overlong, and odd: the same page.
    for other in [
        "zzzz-zzzz-zzzz".to_string(),
        "a".repeat(500),
        "%3Cscript%3E".to_string(),
    ] {
        let (status, _, html) = get(http, &format!("/join/{other}"), None).await;
        assert_eq!(status, 404, "{other}");
        assert_eq!(html, used, "{other} is answered differently");
    }
    camp.stop().await;
}

/// Invite lookups are limited per address; behind a trusted proxy the address is the
/// one in `X-Forwarded-For`, and from anyone else that header changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invite_lookups_are_limited_per_real_address() {
    let camp = TestCamp::with_admin_using(|c| {
        c.camp.invite_lookups_per_minute = 3;
        c.camp.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let http = camp.http_addr.expect("web");
    let lookup =
        |xff: &'static str| async move { get(http, "/join/zzzz-zzzz-zzzz", Some(xff)).await.0 };
    for _ in 0..3 {
        assert_eq!(lookup("198.51.100.1").await, 404);
    }
    assert_eq!(lookup("198.51.100.1").await, 429);
    // Another client behind the same proxy has its own share.
    assert_eq!(lookup("198.51.100.2").await, 404);
    // A forged hop on the left changes nothing: the proxy's own hop counts.
    assert_eq!(lookup("203.0.113.9, 198.51.100.1").await, 429);
    // The landing page itself is never limited.
    assert_eq!(get(http, "/", Some("198.51.100.1")).await.0, 200);
    camp.stop().await;

    // Without trusted proxies the header is ignored: everyone from 127.0.0.1 shares.
    let camp = TestCamp::with_admin_using(|c| c.camp.invite_lookups_per_minute = 2).await;
    let http = camp.http_addr.expect("web");
    for xff in ["198.51.100.1", "198.51.100.2"] {
        assert_eq!(get(http, "/join/x", Some(xff)).await.0, 404);
    }
    assert_eq!(get(http, "/join/x", Some("198.51.100.3")).await.0, 429);
    camp.stop().await;
}

/// `ssh -t HOST join CODE` (an invite link's command) with an unknown key opens
/// onboarding with the code entered; Enter goes on to choosing a name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_code_under_a_pty_opens_onboarding_with_the_code_entered() {
    let camp = TestCamp::with_admin().await;
    let code = camp.invite().await;
    let key = Key::generate();
    let conn = crate::support::Conn::connect(camp.addr, &key).await;
    let mut tui = conn
        .tui_running(80, 24, Some(&format!("join {code}")))
        .await;
    let screen = wait_for_screen(&mut tui, |s| s.contains(&code), STEP).await;
    assert!(screen.contains("Invite code: "), "{screen}");
    assert!(!screen.contains("Pick a username"), "{screen}");
    tui.send(b"\r").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Pick a username"), STEP).await;
    assert!(!screen.contains("not valid"), "{screen}");
    camp.stop().await;
}

/// The moderation screen's Invites tab shows a usable invite's link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_moderation_screen_shows_invite_links() {
    let camp = TestCamp::with_admin().await;
    let code = camp.invite().await;
    let http = camp.http_addr.expect("web");
    let admin = camp.admin.as_ref().expect("admin");
    let conn = crate::support::Conn::connect(camp.addr, admin).await;
    let mut tui = conn.tui(120, 40).await;
    wait_for_screen(&mut tui, crate::support::main_screen_of("admin"), STEP).await;
    tui.send(b"M").await;
    wait_for_screen(&mut tui, |s| s.contains("Reports"), STEP).await;
    tui.send(b"\t").await;
    wait_for_screen(&mut tui, |s| s.contains("invited by"), STEP).await;
    tui.send(b"\t").await;
    let link = format!("link: http://{http}/join/{code}");
    let screen = wait_for_screen(&mut tui, |s| s.contains(&link), STEP).await;
    // The used admin invite shows no link.
    assert_eq!(screen.matches("link: ").count(), 1, "{screen}");
    camp.stop().await;
}

/// `--public-url` alone sets the origin of invite links and the host of the `ssh`
/// command and `known_hosts` line (the SSH port is still the one SSH listens on).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_url_names_the_links_and_the_ssh_host() {
    let camp = TestCamp::with_admin_using(|c| {
        c.public_url = Some("https://camp.example/".into());
    })
    .await;
    let admin = camp.admin.as_ref().expect("admin");
    let json = exec(camp.addr, admin, "invite --json").await;
    let doc: serde_json::Value = serde_json::from_str(json.ok()).expect("JSON");
    let code = doc["code"].as_str().expect("code");
    assert_eq!(doc["link"], format!("https://camp.example/join/{code}"));
    let port = camp.addr.port();
    let (status, _, html) = get(camp.http_addr.expect("web"), &format!("/join/{code}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        code_after(&html, "You are invited"),
        format!("ssh -t -p {port} camp.example join {code}")
    );
    assert!(html.contains(&format!("[camp.example]:{port} ssh-ed25519 ")));
    camp.stop().await;
}
