//! Exec verbs that reach other servers, through camp's port to the outside world
//! ([`crate::camp::Outside`]): `follow`/`unfollow` of remote accounts (`@user@host` or
//! an actor URL), `requests`, `accept`, `reject` for follow requests from outside, and
//! `deliveries`.

use serde_json::json;

use super::{Failure, usage};
use crate::Camp;
use crate::camp::FEDERATION_OFF;
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

fn one_target<'a>(rest: &'a [String], verb: &str) -> Result<&'a str, Failure> {
    match rest {
        [t] => Ok(t.as_str()),
        _ => Err(usage(format!("usage: {verb} @user@host"))),
    }
}

/// True for the verbs that wait on another server (`follow`/`unfollow` of a remote
/// account): [`super::execute`] awaits them on the runtime instead of running them on
/// the blocking pool.
pub fn waits_on_other_servers(argv: &[String]) -> bool {
    matches!(
        argv.first().map(String::as_str),
        Some("follow" | "unfollow")
    ) && remote_target(&argv[1..])
}

/// `follow @user@host` / `unfollow @user@host` when called without the runtime
/// ([`super::run`]): they wait on another server, so only [`super::execute`] runs them.
pub fn needs_runtime(camp: &Camp) -> Failure {
    match camp.outside() {
        None => Error::invalid(FEDERATION_OFF).into(),
        Some(_) => {
            Error::invalid("following an account on another server needs the running server").into()
        }
    }
}

/// `follow @user@host` or `unfollow @user@host` for `me` (already checked to be a
/// member), through camp's port to the outside world: awaited, never blocked on.
pub async fn follow_remote(
    camp: &Camp,
    me: Account,
    verb: &str,
    rest: &[String],
) -> Result<String, Failure> {
    let target = one_target(rest, verb)?.to_string();
    let outside = camp.require_outside()?;
    if verb == "follow" {
        let actor = outside.follow(me.id, target).await?;
        Ok(format!(
            "asked to follow @{} (pending until they accept)\n",
            actor.handle()
        ))
    } else {
        let actor = outside.unfollow(me.id, target).await?;
        Ok(format!("unfollowed @{}\n", actor.handle()))
    }
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
    let actor = camp.require_outside()?.answer(me.id, target, accept)?;
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
    let circuits = camp
        .outside()
        .map(|o| o.open_circuits())
        .unwrap_or_default();
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
            "open_circuits": circuits.iter().map(|c| json!({
                "host": c.host, "failures": c.failures, "until_ms": c.until_ms,
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
    for c in &circuits {
        out.push_str(&format!(
            "circuit open for {} after {} failures, retrying in {}s\n",
            crate::text::sanitize_line(&c.host),
            c.failures,
            c.until_ms.saturating_sub(now) / 1000
        ));
    }
    Ok(out)
}
