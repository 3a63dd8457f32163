//! Exec verbs of the federation bridge: `follow`/`unfollow` of remote accounts
//! (`@user@host` or an actor URL), and `requests`, `accept`, `reject` for follow
//! requests from outside.

use serde_json::json;

use super::{Failure, usage};
use crate::Camp;
use crate::error::Error;
use crate::model::Account;

/// The bridge's verbs, for help and for "unknown verb" errors.
pub const VERBS: &[(&str, &str)] = &[
    (
        "follow @user@host | unfollow @user@host",
        "follow an account on another server (when the bridge is on)",
    ),
    (
        "requests [--json]",
        "follow requests from outside, waiting for you",
    ),
    ("accept HANDLE | reject HANDLE", "answer a follow request"),
    (
        "deliveries [--json]",
        "admins: deliveries to other servers still waiting",
    ),
];

/// True when a follow target names a remote account (`user@host` or a URL), so
/// local follows are left to their own verb.
pub fn remote_target(rest: &[String]) -> bool {
    rest.iter().any(|a| {
        let a = a.trim_start_matches('@');
        a.contains('@') || a.starts_with("https://") || a.starts_with("http://")
    })
}

fn bridge(camp: &Camp) -> Result<std::sync::Arc<crate::federation::Bridge>, Failure> {
    camp.bridge().ok_or_else(|| {
        Error::invalid("federation is off on this camp (the server runs without --http)").into()
    })
}

fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, Failure> {
    let handle = tokio::runtime::Handle::try_current()
        .map_err(|_| Failure::from(Error::invalid("federation needs the running server")))?;
    Ok(handle.block_on(f))
}

fn one_target<'a>(rest: &'a [String], verb: &str) -> Result<&'a str, Failure> {
    match rest {
        [t] => Ok(t.as_str()),
        _ => Err(usage(format!("usage: {verb} @user@host"))),
    }
}

/// `follow @user@host`.
pub fn follow(camp: &Camp, me: Account, rest: &[String]) -> Result<String, Failure> {
    let target = one_target(rest, "follow")?;
    let b = bridge(camp)?;
    let actor = block_on(b.follow(me.id, target))??;
    Ok(format!(
        "asked to follow @{} (pending until they accept)\n",
        actor.handle()
    ))
}

/// `unfollow @user@host`.
pub fn unfollow(camp: &Camp, me: Account, rest: &[String]) -> Result<String, Failure> {
    let target = one_target(rest, "unfollow")?;
    let b = bridge(camp)?;
    let actor = block_on(b.unfollow(me.id, target))??;
    Ok(format!("unfollowed @{}\n", actor.handle()))
}

/// `requests [--json]`: follow requests from outside, oldest first.
pub fn requests(camp: &Camp, me: Account, rest: &[String]) -> Result<String, Failure> {
    let a = super::args::Args::parse(rest, &[], &["json"])?;
    let list = camp.remote_follow_requests(me.id)?;
    if a.has("json") {
        let v: Vec<_> = list
            .iter()
            .map(|(actor, f)| {
                json!({"handle": actor.handle(), "actor": actor.id, "name": actor.display_name, "requested_ms": f.created_ms})
            })
            .collect();
        return Ok(format!("{}\n", serde_json::Value::Array(v)));
    }
    if list.is_empty() {
        return Ok("(no follow requests)\n".into());
    }
    Ok(list
        .iter()
        .map(|(actor, _)| {
            let name = crate::text::sanitize_line(&actor.display_name);
            format!("@{} {name}\n", actor.handle())
        })
        .collect())
}

/// `accept @user@host` / `reject @user@host`.
pub fn answer(camp: &Camp, me: Account, rest: &[String], accept: bool) -> Result<String, Failure> {
    let verb = if accept { "accept" } else { "reject" };
    let target = one_target(rest, verb)?;
    let b = bridge(camp)?;
    let actor = b.answer(me.id, target, accept)?;
    Ok(format!(
        "{} the follow request of @{}\n",
        if accept { "accepted" } else { "rejected" },
        actor.handle()
    ))
}

/// `deliveries [--json]` (moderators and admins): deliveries still queued, with their
/// attempts and last error, and hosts whose circuit is open.
pub fn deliveries(camp: &Camp, me: Account, rest: &[String]) -> Result<String, Failure> {
    let a = super::args::Args::parse(rest, &[], &["json"])?;
    if !me.role.can_moderate() {
        return Err(
            Error::forbidden("only moderators and admins can see the delivery queue").into(),
        );
    }
    let jobs = camp.queued_deliveries()?;
    let circuits = camp.bridge().map(|b| b.open_circuits()).unwrap_or_default();
    let now = crate::clock::now_ms();
    if a.has("json") {
        let v = json!({
            "queued": jobs.iter().map(|j| json!({
                "inbox": j.inbox,
                "attempts": j.attempts,
                "queued_ms": j.created_ms,
                "next_attempt_ms": j.next_ms,
                "last_error": j.last_error,
            })).collect::<Vec<_>>(),
            "open_circuits": circuits.iter().map(|(h, n, until)| json!({
                "host": h, "failures": n, "until_ms": until,
            })).collect::<Vec<_>>(),
        });
        return Ok(format!("{v}\n"));
    }
    let mut out = String::new();
    if jobs.is_empty() {
        out.push_str("(no deliveries waiting)\n");
    }
    for j in &jobs {
        let next = j.next_ms.saturating_sub(now) / 1000;
        out.push_str(&format!(
            "{} · {} attempt(s) · next in {next}s · {}\n",
            crate::text::sanitize_line(&j.inbox),
            j.attempts,
            if j.last_error.is_empty() {
                "not tried yet".to_string()
            } else {
                crate::text::sanitize_line(&j.last_error)
            }
        ));
    }
    for (h, n, until) in &circuits {
        out.push_str(&format!(
            "circuit open for {} after {n} failures, retrying in {}s\n",
            crate::text::sanitize_line(h),
            until.saturating_sub(now) / 1000
        ));
    }
    Ok(out)
}
