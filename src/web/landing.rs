//! `/` and `/join/CODE`: the page that tells a stranger what this camp is and how to
//! come in. It shows the camp's name, description and code of conduct (an admin's
//! text, escaped like any other), the `ssh` command, the host key fingerprint and a
//! ready `known_hosts` line, a short guide per system, and a way into the browser
//! terminal. It never shows anything a camper wrote, nor who is here, nor how many
//! (unless the admin turns `show_member_count` on).
//!
//! `/join/CODE` is the same page with the invite filled in. Codes are bounded and
//! looked up at most `invite_lookups_per_minute` times a minute per address; a code
//! that cannot be used gets one polite answer (404) whatever the reason, and nothing
//! about it is echoed back.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;

use super::guides::{self, Target};
use super::html::{escape, page, respond};
use super::{HostKey, WebState};

/// The longest invite code looked up (codes camp makes are 14 characters).
pub const MAX_CODE_LEN: usize = 64;

/// The door's stylesheet (light and dark by `prefers-color-scheme`).
const CSS: &str = include_str!("door.css");
/// The door's icon (a tent), so browsers do not ask for a missing favicon.
const ICON: &str = include_str!("icon.svg");

/// The landing routes.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(landing))
        .route("/join/{code}", get(join))
        .route("/assets/door.css", get(stylesheet))
        .route("/assets/icon.svg", get(icon))
        .route("/favicon.ico", get(icon))
        .with_state(state)
}

/// What the page says about an invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invite {
    /// The plain landing page.
    None,
    /// A usable invite, as stored.
    Valid(String),
    /// A code that cannot be used (unknown, used up, withdrawn, expired, malformed).
    Unusable,
    /// This address looked up too many codes this minute.
    TooMany,
}

/// Everything the page shows.
pub struct Page<'a> {
    /// The camp's name.
    pub name: &'a str,
    /// Its description.
    pub description: &'a str,
    /// The code of conduct in force.
    pub coc: &'a str,
    /// Host and port of SSH.
    pub host: &'a str,
    /// SSH port.
    pub port: u16,
    /// What follows `ssh ` to reach the camp (`-p 2222 camp.example`).
    pub ssh_hint: &'a str,
    /// The host key.
    pub host_key: &'a HostKey,
    /// How many campers, when the admin shows it.
    pub members: Option<usize>,
    /// The invite, on `/join/CODE`.
    pub invite: Invite,
}

/// The `known_hosts` line for `host` on `port` (bracketed with the port unless 22).
pub fn known_hosts_line(host: &str, port: u16, key: &str) -> String {
    match port {
        22 => format!("{host} {key}"),
        p => format!("[{host}]:{p} {key}"),
    }
}

/// Paragraphs of admin text: blank lines part paragraphs, single newlines break lines.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(|l| escape(l.trim_end())).collect();
            format!("<p>{}</p>", lines.join("<br>\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole page as HTML.
pub fn render(p: &Page) -> String {
    let plain = format!("ssh {}", p.ssh_hint);
    let (command, terminal, intro) = match &p.invite {
        Invite::Valid(code) => (
            format!("ssh -t {} join {code}", p.ssh_hint),
            format!("/terminal?invite={code}"),
            format!(
                "<section class=\"invite\" aria-labelledby=\"invited\">\
                 <h2 id=\"invited\">You are invited</h2>\
                 <p>Your invite code is <code class=\"code\">{code}</code>. \
                 Join in your browser, or with SSH from your own terminal: this \
                 command opens the camp with the code already entered.</p>\
                 <pre><code>ssh -t {hint} join {code}</code></pre>\
                 <p><a class=\"button\" href=\"/terminal?invite={code}\">Join in your \
                 browser</a></p></section>",
                code = escape(code),
                hint = escape(p.ssh_hint),
            ),
        ),
        Invite::Unusable => (
            plain.clone(),
            "/terminal".to_string(),
            "<section class=\"notice\" role=\"alert\" aria-labelledby=\"unusable\">\
             <h2 id=\"unusable\">This invite cannot be used</h2>\
             <p>It may be mistyped, used up, withdrawn or expired. Please ask the person \
             who invited you for a new one.</p></section>"
                .to_string(),
        ),
        Invite::TooMany => (
            plain.clone(),
            "/terminal".to_string(),
            "<section class=\"notice\" role=\"alert\" aria-labelledby=\"toomany\">\
             <h2 id=\"toomany\">Too many invite links</h2>\
             <p>Your address opened too many invite links just now. Please wait a \
             minute and try again.</p></section>"
                .to_string(),
        ),
        Invite::None => (plain.clone(), "/terminal".to_string(), String::new()),
    };
    let known_hosts = known_hosts_line(p.host, p.port, &p.host_key.openssh);
    let guides = guides::render(&Target {
        command: &command,
        host: p.host,
        port: p.port,
        known_hosts: &known_hosts,
    });
    let members = match p.members {
        Some(1) => "<p class=\"count\">1 camper lives here.</p>".to_string(),
        Some(n) => format!("<p class=\"count\">{n} campers live here.</p>"),
        None => String::new(),
    };
    let invite_step = if matches!(p.invite, Invite::Valid(_)) {
        ""
    } else {
        " You need an invite code from someone who is already here: the first screen \
         asks for it."
    };
    format!(
        "<!doctype html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<meta name=\"color-scheme\" content=\"light dark\">
<meta name=\"referrer\" content=\"no-referrer\">
<title>{name}</title>
<link rel=\"stylesheet\" href=\"/assets/door.css\">
<link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">
</head>
<body>
<header>
<h1>{name}</h1>
{description}
{members}
</header>
<main>
{intro}
<section aria-labelledby=\"join\">
<h2 id=\"join\">How to join</h2>
<p>{name} is a small, private social network that you reach with SSH, a secure \
way for a terminal to talk to a server. Your SSH key is your login: no password, no \
email address.{invite_step}</p>
<p><a class=\"button\" href=\"{terminal}\">Open the camp in your browser</a></p>
<p>Or use your own terminal. The command is:</p>
<pre><code>{command}</code></pre>
<h3>The server's key</h3>
<p>The first time you connect, SSH shows the server's fingerprint. It must be:</p>
<pre><code>{fingerprint}</code></pre>
<p>Or add this line to your <code>known_hosts</code> file beforehand (the guides \
below show how), and SSH checks it for you:</p>
<pre><code>{known_hosts}</code></pre>
<h3>Step by step</h3>
{guides}</section>
<section aria-labelledby=\"coc\">
<h2 id=\"coc\">Code of conduct</h2>
{coc}
</section>
</main>
<footer><p>Posts here stay in the camp unless their author says otherwise.</p></footer>
</body>
</html>
",
        name = escape(p.name),
        description = paragraphs(p.description),
        command = escape(&command),
        terminal = escape(&terminal),
        fingerprint = escape(&p.host_key.fingerprint),
        known_hosts = escape(&known_hosts),
        coc = paragraphs(p.coc),
    )
}

async fn landing(State(web): State<WebState>) -> Response {
    answer(&web, Invite::None).await
}

async fn join(
    State(web): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let client = web.client_ip(peer, &headers);
    let invite = if !web.allow_invite_lookup(client) {
        Invite::TooMany
    } else {
        look_up(&web, code).await
    };
    answer(&web, invite).await
}

/// The invite a code names, if it can be used now.
async fn look_up(web: &WebState, code: String) -> Invite {
    let code = code.trim().to_ascii_lowercase();
    let well_formed = !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !well_formed {
        return Invite::Unusable;
    }
    let camp = web.camp().clone();
    match tokio::task::spawn_blocking(move || camp.check_invite(&code)).await {
        Ok(Ok(invite)) => Invite::Valid(invite.code),
        _ => Invite::Unusable,
    }
}

async fn answer(web: &WebState, invite: Invite) -> Response {
    let status = match invite {
        Invite::None | Invite::Valid(_) => StatusCode::OK,
        Invite::Unusable => StatusCode::NOT_FOUND,
        Invite::TooMany => StatusCode::TOO_MANY_REQUESTS,
    };
    let camp = web.camp().clone();
    let (coc, members) = tokio::task::spawn_blocking(move || {
        let coc = camp
            .code_of_conduct()
            .map(|c| c.text)
            .unwrap_or_else(|_| camp.config().camp.code_of_conduct.clone());
        (
            coc,
            camp.config()
                .camp
                .show_member_count
                .then(|| member_count(&camp)),
        )
    })
    .await
    .unwrap_or_default();
    let config = web.camp().config();
    let (host, port) = config.ssh_endpoint();
    let html = render(&Page {
        name: &config.camp.name,
        description: &config.camp.description,
        coc: &coc,
        host: &host,
        port,
        ssh_hint: &config.ssh_hint(),
        host_key: web.host_key(),
        members: members.flatten(),
        invite,
    });
    page(status, html)
}

/// Local campers who may log in.
fn member_count(camp: &crate::Camp) -> Option<usize> {
    let accounts = camp.store().accounts().ok()?;
    Some(
        accounts
            .iter()
            .filter(|a| !a.is_remote() && !a.suspended)
            .count(),
    )
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

async fn icon() -> Response {
    asset("image/svg+xml", ICON)
}

/// A static file of the door, cached for an hour.
fn asset(content_type: &'static str, body: &str) -> Response {
    let mut res = respond(
        StatusCode::OK,
        content_type,
        "default-src 'none'",
        body.to_string(),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hosts_lines_bracket_a_port_other_than_22() {
        let key = "ssh-ed25519 AAAAC3Nza";
        assert_eq!(
            known_hosts_line("camp.example", 22, key),
            "camp.example ssh-ed25519 AAAAC3Nza"
        );
        assert_eq!(
            known_hosts_line("camp.example", 2222, key),
            "[camp.example]:2222 ssh-ed25519 AAAAC3Nza"
        );
    }

    #[test]
    fn admin_text_becomes_escaped_paragraphs() {
        assert_eq!(
            paragraphs("Be <b>kind</b>.\nReally.\n\n\n  Second & last.  "),
            "<p>Be &lt;b&gt;kind&lt;/b&gt;.<br>\nReally.</p>\n<p>Second &amp; last.</p>"
        );
    }

    #[test]
    fn an_invite_page_names_the_code_and_an_unusable_one_does_not() {
        let key = HostKey {
            fingerprint: "SHA256:abc".into(),
            openssh: "ssh-ed25519 AAAA".into(),
        };
        let page = |invite| {
            render(&Page {
                name: "pine",
                description: "",
                coc: "Be kind.",
                host: "camp.example",
                port: 22,
                ssh_hint: "camp.example",
                host_key: &key,
                members: None,
                invite,
            })
        };
        let valid = page(Invite::Valid("abcd-efgh-jkmn".into()));
        assert!(valid.contains("<pre><code>ssh -t camp.example join abcd-efgh-jkmn</code></pre>"));
        assert!(valid.contains("href=\"/terminal?invite=abcd-efgh-jkmn\""));
        assert!(valid.contains("camp.example ssh-ed25519 AAAA"));
        let plain = page(Invite::None);
        assert!(plain.contains("<pre><code>ssh camp.example</code></pre>"));
        assert!(!plain.contains("join "));
        let unusable = page(Invite::Unusable);
        assert!(unusable.contains("This invite cannot be used"));
        assert!(!unusable.contains("abcd"));
    }
}
