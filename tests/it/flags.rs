//! Reports that cross servers: a `Flag` from another server becomes a report a
//! moderator sees over exec (sanitized, once per activity), and a moderator forwards
//! a report about a remote account to its server as a `Flag` from the camp.

use serde_json::{Value, json};

use crate::fedkit::fed_camp;
use crate::remote_actor::HandRolled;
use crate::support::{exec, json_list};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flag_from_outside_is_a_report_and_a_report_about_outside_can_be_forwarded() {
    let (camp, ana, http) = fed_camp().await;
    let admin = camp.admin.as_ref().expect("admin");
    let rita = HandRolled::start("rita").await;
    let inbox = format!("http://{http}/inbox");
    let ana_actor = format!("http://{http}/users/ana");
    let flag = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#flag-1", rita.actor()),
        "type": "Flag",
        "actor": rita.actor(),
        "object": [ana_actor, "https://elsewhere.example/objects/9"],
        "content": "spam \u{1b}[31mfrom ana",
    });
    assert_eq!(rita.post(&inbox, &flag).await, 202);
    // The same activity again is not a second report.
    rita.post(&inbox, &flag).await;
    let reports = json_list(exec(camp.addr, admin, "reports --json").await.ok());
    assert_eq!(reports.len(), 1, "{reports:?}");
    let r = &reports[0];
    assert_eq!(r["account"], "ana");
    let host = &rita.base["http://".len()..];
    assert_eq!(r["reporter"], format!("rita@{host}").as_str());
    assert_eq!(r["reason"], format!("[from {host}] spam from ana").as_str());

    // A report about rita, forwarded to her server: a Flag from the camp arrives.
    let out = exec(
        camp.addr,
        &ana,
        &format!("report rita@{host} --reason 'threats in replies'"),
    )
    .await;
    let id = out
        .ok()
        .split_whitespace()
        .nth(1)
        .expect("a report id")
        .to_string();
    // A report about a camper has nowhere to go: refused, and left open.
    let refused = exec(
        camp.addr,
        admin,
        &format!(
            "resolve {} --action dismiss --forward",
            r["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_ne!(refused.status, Some(0), "{refused:?}");
    assert!(refused.stderr.contains("nowhere to forward"), "{refused:?}");
    let out = exec(
        camp.addr,
        admin,
        &format!("resolve {id} --action dismiss --forward"),
    )
    .await;
    assert!(out.ok().contains("forwarded to @rita@"), "{out:?}");
    let got = rita
        .wait_received("the forwarded Flag", |v| v["type"] == "Flag")
        .await;
    assert_eq!(got["object"][0], rita.actor().as_str(), "{got}");
    assert_eq!(got["content"], "threats in replies");
    assert_eq!(got["actor"], format!("http://{http}/actor").as_str());
    assert!(
        !got.to_string().contains("/users/ana"),
        "the reporter is not named: {got}"
    );
    let open: Vec<Value> = json_list(exec(camp.addr, admin, "reports --json").await.ok());
    assert_eq!(
        open.len(),
        1,
        "only the camper's own report stays open: {open:?}"
    );
}
