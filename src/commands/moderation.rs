//! Exec verbs for moderation (DESIGN §6): reports for everyone; reports, resolve,
//! account actions and the audit log for moderators; invites, roles, the code of
//! conduct, announcements and outside domains for admins. The service decides who may
//! do what; these verbs only parse and print.

use serde_json::{Value, json};

use super::args::Args;
use super::{Failure, member, usage};
use crate::Camp;
use crate::camp::{AccountAction, DomainBlockOptions, ReportTarget, ReportView};
use crate::commands::Caller;
use crate::error::Error;
use crate::model::{Account, ModAction, Role, Severity};
use crate::text;

type Out = std::result::Result<String, Failure>;

/// The verbs of this module, for `help`.
pub const VERBS: &[(&str, &str)] = &[
    (
        "report ID|NAME --reason TEXT",
        "report a post or an account to the moderators",
    ),
    (
        "hide-domain|unhide-domain DOMAIN",
        "hide an outside server for yourself",
    ),
    ("hidden-domains [--json]", "the outside servers you hide"),
    (
        "coc show|accept [--json]",
        "read or accept the code of conduct",
    ),
    ("reports [--all] [--json]", "moderators: the report queue"),
    ("assign REPORT", "moderators: take a report"),
    (
        "resolve REPORT --action dismiss|delete|sensitive|silence|suspend [--note TEXT] [--tell]",
        "moderators: resolve a report (--tell shares the action with the reporter)",
    ),
    (
        "warn|sensitive|unsensitive|silence|unsilence|suspend|unsuspend NAME [--reason TEXT]",
        "moderators: act on an account",
    ),
    (
        "accounts [QUERY] [--json]",
        "moderators: find accounts, with who vouched for them",
    ),
    (
        "audit [--limit N] [--json]",
        "moderators: the moderation log, newest first",
    ),
    (
        "invites [--json]",
        "admins: every invite, uses left and who joined",
    ),
    ("revoke CODE", "admins: withdraw an invite"),
    (
        "role NAME camper|moderator|admin",
        "admins: set a member's role",
    ),
    (
        "coc set",
        "admins: replace the code of conduct (text on stdin)",
    ),
    (
        "announce TEXT... | announce --clear",
        "admins: put up or take down the banner",
    ),
    (
        "domain-block DOMAIN [--severity silence|suspend] [--reject-media] [--reject-reports] [--comment TEXT] [--private-comment TEXT] [--obfuscate]",
        "admins: block an outside server (and its subdomains)",
    ),
    ("domain-unblock DOMAIN", "admins: lift a block"),
    (
        "domain-blocks [list|export|import] [--json]",
        "admins: Mastodon CSV export, or import from stdin",
    ),
    (
        "blocklist subscribe|unsubscribe PATH|URL | blocklist [--json]",
        "admins: blocklist files re-read hourly",
    ),
    (
        "allowlist on|off|add DOMAIN|remove DOMAIN | allowlist [--json]",
        "admins: federate only with listed servers",
    ),
];

/// True when this verb line reads stdin.
pub fn needs_stdin(argv: &[String]) -> bool {
    matches!(
        (
            argv.first().map(String::as_str),
            argv.get(1).map(String::as_str)
        ),
        (Some("coc"), Some("set")) | (Some("domain-blocks"), Some("import"))
    )
}

/// Runs a moderation verb; None when `verb` is not one of them.
pub(super) fn dispatch(
    camp: &Camp,
    caller: &Caller,
    verb: &str,
    rest: &[String],
    stdin: Option<&str>,
) -> Option<Out> {
    let action = |a| Some(member(camp, caller).and_then(|me| act(camp, me, a, rest)));
    Some(match verb {
        "coc" => coc(camp, caller, rest, stdin),
        "report" => member(camp, caller).and_then(|me| report(camp, me, rest)),
        "hide-domain" | "unhide-domain" => {
            member(camp, caller).and_then(|me| hide_domain(camp, me, verb == "hide-domain", rest))
        }
        "hidden-domains" => member(camp, caller).and_then(|me| hidden_domains(camp, me, rest)),
        "reports" => member(camp, caller).and_then(|me| reports(camp, me, rest)),
        "assign" => member(camp, caller).and_then(|me| assign(camp, me, rest)),
        "resolve" => member(camp, caller).and_then(|me| resolve(camp, me, rest)),
        "warn" => return action(AccountAction::Warn),
        "sensitive" => return action(AccountAction::Sensitive(true)),
        "unsensitive" => return action(AccountAction::Sensitive(false)),
        "silence" => return action(AccountAction::Silence(true)),
        "unsilence" => return action(AccountAction::Silence(false)),
        "suspend" => return action(AccountAction::Suspend(true)),
        "unsuspend" => return action(AccountAction::Suspend(false)),
        "accounts" => member(camp, caller).and_then(|me| accounts(camp, me, rest)),
        "audit" => member(camp, caller).and_then(|me| audit(camp, me, rest)),
        "invites" => member(camp, caller).and_then(|me| invites(camp, me, rest)),
        "revoke" => member(camp, caller).and_then(|me| revoke(camp, me, rest)),
        "role" => member(camp, caller).and_then(|me| role(camp, me, rest)),
        "announce" => member(camp, caller).and_then(|me| announce(camp, me, rest)),
        "domain-block" => member(camp, caller).and_then(|me| domain_block(camp, me, rest)),
        "domain-unblock" => member(camp, caller).and_then(|me| domain_unblock(camp, me, rest)),
        "domain-blocks" => member(camp, caller).and_then(|me| domain_blocks(camp, me, rest, stdin)),
        "blocklist" => member(camp, caller).and_then(|me| blocklist(camp, me, rest)),
        "allowlist" => member(camp, caller).and_then(|me| allowlist(camp, me, rest)),
        _ => return None,
    })
}

fn one(a: &Args, usage_line: &str) -> std::result::Result<String, Failure> {
    match a.positional.as_slice() {
        [x] => Ok(x.clone()),
        _ => Err(usage(format!("usage: {usage_line}"))),
    }
}

fn id_arg(s: &str, what: &str) -> std::result::Result<u64, Failure> {
    s.parse()
        .map_err(|_| usage(format!("{what} must be a number (its id)")))
}

fn ago(ms: u64) -> String {
    text::relative_time(crate::store::now_ms(), ms)
}

fn lines_of(v: Vec<Value>) -> String {
    format!("{}\n", Value::Array(v))
}

// ---- everyone ----

fn coc(camp: &Camp, caller: &Caller, rest: &[String], stdin: Option<&str>) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    match a.positional.first().map(String::as_str) {
        Some("show") | None => {
            let coc = camp.code_of_conduct()?;
            if a.has("json") {
                let accepted = caller.account.as_ref().map(|acc| {
                    camp.account(acc.id)
                        .ok()
                        .flatten()
                        .map_or(0, |x| x.coc_version)
                });
                return Ok(format!(
                    "{}\n",
                    json!({"version": coc.version, "text": coc.text, "updated_ms": coc.updated_ms, "accepted_version": accepted})
                ));
            }
            Ok(format!(
                "Code of conduct of {} (version {}):\n\n{}\n",
                camp.info().name,
                coc.version,
                coc.text
            ))
        }
        Some("accept") => {
            let Some(acc) = &caller.account else {
                return Err(Error::NoAccount {
                    host: camp.config().ssh_hint(),
                }
                .into());
            };
            let a = camp.accept_code_of_conduct(acc.id)?;
            Ok(format!(
                "Accepted version {} of the code of conduct. Welcome back, @{}.\n",
                a.coc_version, a.username
            ))
        }
        Some("set") => {
            let me = member(camp, caller)?;
            let text = stdin.unwrap_or_default();
            let coc = camp.set_code_of_conduct(me.id, text)?;
            Ok(format!(
                "code of conduct is now version {}; members accept it at their next visit\n",
                coc.version
            ))
        }
        _ => Err(usage("usage: coc show|accept|set")),
    }
}

fn report(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &["reason"], &[])?;
    let target = one(&a, "report ID|NAME --reason TEXT")?;
    let reason = a
        .value("reason")
        .ok_or_else(|| usage("say why with --reason TEXT"))?;
    let target = if target.chars().all(|c| c.is_ascii_digit()) {
        ReportTarget::Post(id_arg(&target, "the post")?)
    } else {
        ReportTarget::Account(target)
    };
    let r = camp.file_report(me.id, target, reason)?;
    Ok(format!(
        "report {} filed; the moderators will look at it (the person reported is not told who reported)\n",
        r.id
    ))
}

fn hide_domain(camp: &Camp, me: Account, hide: bool, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &[])?;
    let d = one(&a, "hide-domain DOMAIN")?;
    let d = camp.hide_domain(me.id, &d, hide)?;
    Ok(if hide {
        format!("{d} and its subdomains are hidden for you\n")
    } else {
        format!("{d} is no longer hidden for you\n")
    })
}

fn hidden_domains(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    let list = camp.hidden_domains(me.id)?;
    if a.has("json") {
        return Ok(lines_of(list.into_iter().map(Value::from).collect()));
    }
    if list.is_empty() {
        return Ok("(you hide no outside servers)\n".into());
    }
    Ok(list.join("\n") + "\n")
}

// ---- moderators ----

fn report_json(v: &ReportView) -> Value {
    let r = &v.report;
    json!({
        "id": r.id.to_string(),
        "reporter": v.reporter.username,
        "account": v.account.username,
        "post": r.post.map(|p| p.to_string()),
        "post_text": v.post_text,
        "parent_text": v.parent_text,
        "reason": r.reason,
        "created_ms": r.created_ms,
        "assigned_to": v.assigned_to.as_ref().map(|a| a.username.clone()),
        "resolution": r.resolution.as_ref().map(|s| json!({
            "action": s.action.as_str(),
            "note": s.note,
            "tell_reporter": s.tell_reporter,
            "resolved_ms": s.resolved_ms,
        })),
    })
}

fn reports(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json", "all"])?;
    if !a.positional.is_empty() {
        return Err(usage("usage: reports [--all] [--json]"));
    }
    let list = camp.reports(me.id, a.has("all"))?;
    if a.has("json") {
        return Ok(lines_of(list.iter().map(report_json).collect()));
    }
    if list.is_empty() {
        return Ok("(no open reports)\n".into());
    }
    let mut out = String::new();
    for v in &list {
        let r = &v.report;
        let what = match r.post {
            Some(p) => format!("post {p} by @{}", v.account.username),
            None => format!("account @{}", v.account.username),
        };
        out.push_str(&format!(
            "report {} · {what} · from @{} · {}",
            r.id,
            v.reporter.username,
            ago(r.created_ms)
        ));
        if let Some(m) = &v.assigned_to {
            out.push_str(&format!(" · assigned to @{}", m.username));
        }
        if let Some(s) = &r.resolution {
            out.push_str(&format!(" · resolved: {}", s.action.as_str()));
        }
        out.push_str(&format!("\n  reason: {}\n", r.reason));
        if let Some(p) = &v.parent_text {
            out.push_str(&format!("  in reply to: {}\n", text::truncate(p, 200)));
        }
        if let Some(p) = &v.post_text {
            out.push_str(&format!("  post: {p}\n"));
        }
        out.push('\n');
    }
    Ok(out)
}

fn assign(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &[])?;
    let id = id_arg(&one(&a, "assign REPORT")?, "REPORT")?;
    camp.assign_report(me.id, id)?;
    Ok(format!("report {id} is assigned to you\n"))
}

fn resolve(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &["action", "note"], &["tell"])?;
    let id = id_arg(
        &one(
            &a,
            "resolve REPORT --action dismiss|delete|sensitive|silence|suspend",
        )?,
        "REPORT",
    )?;
    let action = a.value("action").ok_or_else(|| {
        usage("say what to do: --action dismiss|delete|sensitive|silence|suspend")
    })?;
    let action = ModAction::parse(action)
        .filter(|a| *a != ModAction::Warn)
        .ok_or_else(|| usage("--action must be dismiss, delete, sensitive, silence or suspend"))?;
    camp.resolve_report(
        me.id,
        id,
        action,
        a.value("note").unwrap_or_default(),
        a.has("tell"),
    )?;
    Ok(format!(
        "report {id} resolved ({}); the reporter is notified\n",
        action.as_str()
    ))
}

fn act(camp: &Camp, me: Account, action: AccountAction, rest: &[String]) -> Out {
    let a = Args::parse(rest, &["reason"], &[])?;
    let name = one(&a, &format!("{} NAME [--reason TEXT]", action.name()))?;
    let target =
        camp.act_on_account(me.id, &name, action, a.value("reason").unwrap_or_default())?;
    let done = match action {
        AccountAction::Warn => "warned; they see the reason in their notifications",
        AccountAction::Sensitive(true) => "marked sensitive; their posts get a content warning",
        AccountAction::Sensitive(false) => "no longer marked sensitive",
        AccountAction::Silence(true) => "silenced; their posts left the camp timeline",
        AccountAction::Silence(false) => "unsilenced; their posts are back on the camp timeline",
        AccountAction::Suspend(true) => {
            "suspended; their sessions ended and their posts are hidden"
        }
        AccountAction::Suspend(false) => "unsuspended; they can log in again",
    };
    Ok(format!("@{} {done}\n", target.username))
}

fn accounts(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    let query = a.positional.join(" ");
    let list = camp.moderation_accounts(me.id, &query)?;
    if a.has("json") {
        return Ok(lines_of(
            list.iter()
                .map(|v| {
                    let x = &v.account;
                    json!({
                        "id": x.id.to_string(),
                        "username": x.username,
                        "role": x.role.as_str(),
                        "suspended": x.suspended,
                        "silenced": x.silenced,
                        "sensitive": x.sensitive,
                        "created_ms": x.created_ms,
                        "invite_code": x.invite_code,
                        "invite_note": v.invite_note,
                        "vouch_trail": v.vouch_trail,
                    })
                })
                .collect(),
        ));
    }
    let mut out = String::new();
    for v in &list {
        let x = &v.account;
        let mut flags = vec![x.role.as_str()];
        for (on, f) in [
            (x.suspended, "suspended"),
            (x.silenced, "silenced"),
            (x.sensitive, "sensitive"),
        ] {
            if on {
                flags.push(f);
            }
        }
        let trail = if v.vouch_trail.is_empty() {
            "the host".to_string()
        } else {
            v.vouch_trail
                .iter()
                .map(|n| format!("@{n}"))
                .collect::<Vec<_>>()
                .join(" ← ")
        };
        out.push_str(&format!(
            "@{} · {} · joined {} · invited by {trail}\n",
            x.username,
            flags.join(", "),
            text::date(x.created_ms)
        ));
    }
    if out.is_empty() {
        out = "(no accounts match)\n".into();
    }
    Ok(out)
}

fn audit(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &["limit"], &["json"])?;
    if !a.positional.is_empty() {
        return Err(usage("usage: audit [--limit N] [--json]"));
    }
    let limit = a.number("limit", 50, 1, 500)? as usize;
    let list = camp.audit_log(me.id, None, limit)?;
    if a.has("json") {
        return Ok(lines_of(
            list.iter()
                .map(|v| {
                    let e = &v.entry;
                    json!({
                        "id": e.id.to_string(),
                        "actor": v.actor,
                        "action": e.action,
                        "target": e.target,
                        "reason": e.reason,
                        "created_ms": e.created_ms,
                    })
                })
                .collect(),
        ));
    }
    if list.is_empty() {
        return Ok("(the audit log is empty)\n".into());
    }
    let mut out = String::new();
    for v in &list {
        let e = &v.entry;
        out.push_str(&format!(
            "{} · {} · {} · {}",
            text::date(e.created_ms),
            v.actor,
            e.action,
            e.target
        ));
        if !e.reason.is_empty() {
            out.push_str(&format!(" · {}", text::sanitize_line(&e.reason)));
        }
        out.push('\n');
    }
    Ok(out)
}

// ---- admins ----

fn invites(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    let list = camp.invite_views(me.id)?;
    if a.has("json") {
        return Ok(lines_of(
            list.iter()
                .map(|v| {
                    let i = &v.invite;
                    json!({
                        "code": i.code,
                        "role": i.role.as_str(),
                        "uses": i.max_uses,
                        "uses_left": i.uses_left(),
                        "used_by": v.used_by,
                        "created_by": v.created_by,
                        "created_ms": i.created_ms,
                        "expires_ms": i.expires_ms,
                        "note": i.note,
                        "revoked": i.revoked,
                        "link": v.link,
                    })
                })
                .collect(),
        ));
    }
    if list.is_empty() {
        return Ok("(no invites)\n".into());
    }
    let now = crate::store::now_ms();
    let mut out = String::new();
    for v in &list {
        let i = &v.invite;
        let state = if i.revoked {
            "revoked".to_string()
        } else if i.expires_ms.is_some_and(|t| t <= now) {
            "expired".to_string()
        } else {
            format!("{} of {} uses left", i.uses_left(), i.max_uses)
        };
        out.push_str(&format!("{} · {} · {state}", i.code, i.role.as_str()));
        if !i.note.is_empty() {
            out.push_str(&format!(" · {}", i.note));
        }
        if !v.used_by.is_empty() {
            let names: Vec<String> = v.used_by.iter().map(|n| format!("@{n}")).collect();
            out.push_str(&format!(" · joined: {}", names.join(", ")));
        }
        out.push('\n');
    }
    Ok(out)
}

fn revoke(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &[])?;
    let code = one(&a, "revoke CODE")?;
    let inv = camp.revoke_invite(me.id, &code)?;
    Ok(format!("invite {} revoked\n", inv.code))
}

fn role(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &[])?;
    let [name, role] = a.positional.as_slice() else {
        return Err(usage("usage: role NAME camper|moderator|admin"));
    };
    let role = Role::parse(role).ok_or_else(|| usage("the role is camper, moderator or admin"))?;
    let acc = camp.set_role(me.id, name, role)?;
    Ok(format!("@{} is now {}\n", acc.username, role.as_str()))
}

fn announce(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["clear"])?;
    if a.has("clear") {
        camp.clear_announcement(me.id)?;
        return Ok("announcement taken down\n".into());
    }
    if a.positional.is_empty() {
        return Err(usage("usage: announce TEXT... | announce --clear"));
    }
    camp.announce(me.id, &a.positional.join(" "))?;
    Ok("announcement is up on every screen\n".into())
}

fn domain_block(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(
        rest,
        &["severity", "comment", "private-comment"],
        &["reject-media", "reject-reports", "obfuscate"],
    )?;
    let domain = one(
        &a,
        "domain-block DOMAIN [--severity silence|suspend] [--reject-media]",
    )?;
    let severity = match a.value("severity") {
        None => Severity::Suspend,
        Some(s) => Severity::parse(s).ok_or_else(|| usage("--severity is silence or suspend"))?,
    };
    let b = camp.block_domain(
        me.id,
        &domain,
        DomainBlockOptions {
            severity,
            reject_media: a.has("reject-media"),
            reject_reports: a.has("reject-reports"),
            public_comment: a.value("comment").unwrap_or_default().into(),
            private_comment: a.value("private-comment").unwrap_or_default().into(),
            obfuscate: a.has("obfuscate"),
        },
    )?;
    Ok(format!(
        "{} blocked ({}), subdomains included\n",
        b.domain,
        b.severity.as_str()
    ))
}

fn domain_unblock(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &[])?;
    let d = camp.unblock_domain(me.id, &one(&a, "domain-unblock DOMAIN")?)?;
    Ok(format!("{} is no longer blocked\n", d.domain))
}

fn domain_blocks(camp: &Camp, me: Account, rest: &[String], stdin: Option<&str>) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    match a.positional.first().map(String::as_str) {
        None | Some("list") => {
            let list = camp.domain_blocks(me.id)?;
            if a.has("json") {
                return Ok(lines_of(
                    list.iter()
                        .map(|b| {
                            json!({
                                "domain": b.domain,
                                "severity": b.severity.as_str(),
                                "reject_media": b.reject_media,
                                "reject_reports": b.reject_reports,
                                "public_comment": b.public_comment,
                                "private_comment": b.private_comment,
                                "obfuscate": b.obfuscate,
                                "source": b.source,
                                "created_ms": b.created_ms,
                            })
                        })
                        .collect(),
                ));
            }
            if list.is_empty() {
                return Ok("(no domain blocks)\n".into());
            }
            let mut out = String::new();
            for b in &list {
                out.push_str(&format!("{} · {}", b.domain, b.severity.as_str()));
                if b.reject_media {
                    out.push_str(" · reject media");
                }
                if b.reject_reports {
                    out.push_str(" · reject reports");
                }
                if !b.public_comment.is_empty() {
                    out.push_str(&format!(" · {}", b.public_comment));
                }
                out.push('\n');
            }
            Ok(out)
        }
        Some("export") => Ok(camp.export_domain_blocks(me.id)?),
        Some("import") => {
            let sum = camp.import_domain_blocks(me.id, stdin.unwrap_or_default())?;
            if a.has("json") {
                return Ok(format!(
                    "{}\n",
                    serde_json::to_value(&sum).unwrap_or_default()
                ));
            }
            Ok(format!("{}\n", sum.describe()))
        }
        _ => Err(usage("usage: domain-blocks [list|export|import] [--json]")),
    }
}

fn blocklist(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    match a.positional.as_slice() {
        [] => {
            let subs = camp.subscriptions(me.id)?;
            if a.has("json") {
                return Ok(format!(
                    "{}\n",
                    serde_json::to_value(&subs).unwrap_or_default()
                ));
            }
            if subs.is_empty() {
                return Ok("(no blocklist subscriptions)\n".into());
            }
            Ok(subs
                .iter()
                .map(|s| format!("{} · {}\n", s.source, s.last_result))
                .collect())
        }
        [verb, path] if verb == "subscribe" => {
            let s = camp.subscribe_blocklist(me.id, path)?;
            Ok(format!("subscribed to {}: {}\n", s.source, s.last_result))
        }
        [verb, path] if verb == "unsubscribe" => {
            camp.unsubscribe_blocklist(me.id, path)?;
            Ok(format!("unsubscribed from {path}; its blocks stay\n"))
        }
        _ => Err(usage(
            "usage: blocklist [subscribe|unsubscribe PATH|URL] [--json]",
        )),
    }
}

fn allowlist(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    match a.positional.as_slice() {
        [] => {
            // Reading it is an admin matter too: the check is the service's.
            camp.subscriptions(me.id)?;
            let on = camp.allowlist_mode()?;
            let list = camp.allowlist()?;
            if a.has("json") {
                return Ok(format!("{}\n", json!({"mode": on, "domains": list})));
            }
            Ok(format!(
                "allowlist mode is {}; listed: {}\n",
                if on { "on" } else { "off" },
                if list.is_empty() {
                    "(none)".into()
                } else {
                    list.join(", ")
                }
            ))
        }
        [m] if m == "on" || m == "off" => {
            camp.set_allowlist_mode(me.id, m == "on")?;
            Ok(format!("allowlist mode is {m}\n"))
        }
        [verb, d] if verb == "add" || verb == "remove" => {
            camp.set_domain_allowed(me.id, d, verb == "add")?;
            Ok(format!(
                "{} {}\n",
                d.to_lowercase(),
                if verb == "add" { "listed" } else { "unlisted" }
            ))
        }
        _ => Err(usage(
            "usage: allowlist [on|off|add DOMAIN|remove DOMAIN] [--json]",
        )),
    }
}

#[cfg(test)]
mod tests;
