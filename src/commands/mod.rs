//! Exec command mode (`ssh camp <verb> ...`): parse the words, call the `Camp` service,
//! print plain text or `--json`. Success is exit 0; a failure is one line on stderr and
//! a non-zero exit, with nothing changed.

mod args;
mod filters;
pub mod leaving;
mod links;
mod media;
mod member_lists;
mod moderation;
mod plain;
mod polls;
mod presence;
mod remote;
mod social;
pub mod split;
mod status;

use serde_json::json;

use crate::Camp;
use crate::camp::{
    InviteOptions, KeyInfo, PostDraft, PostView, Reaction, TimelineKind, parse_duration,
};
use crate::error::Error;
use crate::model::{Account, Role, Visibility};
use args::Args;

/// Who runs the command.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The verified key.
    pub key: KeyInfo,
    /// Its account, if it has one.
    pub account: Option<Account>,
}

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status.
    pub status: u32,
}

/// Exit status for refused input or permissions.
pub const EXIT_FAILURE: u32 = 1;
/// Exit status for a command line that could not be understood.
pub const EXIT_USAGE: u32 = 2;
/// Exit status when a verb failed inside camp (EX_SOFTWARE).
pub const EXIT_INTERNAL: u32 = 70;

/// The verbs this camp answers, for help and for "unknown verb" errors.
pub const VERBS: &[(&str, &str)] = &[
    ("help", "this list"),
    (
        "join CODE USERNAME --agree",
        "join with an invite (without --agree: print the code of conduct)",
    ),
    ("whoami [--json]", "your account"),
    (
        "post [--cw TEXT] [--to camp|followers|public|direct] [--reply-to ID] [--poll \"A,B,C\" [--poll-expires 1d] [--multiple]] [TEXT...]",
        "write a post (stdin when no TEXT), with a poll of 2-4 choices open 5m-7d; prints its id",
    ),
    (
        "timeline [home|camp] [--limit N] [--json]",
        "read a timeline, newest first",
    ),
    (
        "follow @user@host / unfollow @user@host",
        "follow an account on another server (pending until it accepts)",
    ),
    ("requests [--json]", "follow requests from other servers"),
    (
        "accept @user@host / reject @user@host",
        "answer a follow request from another server",
    ),
    (
        "deliveries [--json]",
        "moderators: federation deliveries still waiting, and hosts that fail",
    ),
    (
        "invite [--uses N] [--expires DURATION] [--role camper|moderator|admin] [--note TEXT] [--json]",
        "admins: make an invite; prints the code (--json: with its link)",
    ),
    (
        "backup [--with-host-key] > FILE",
        "admins: the whole camp as one file on stdout (binary; not with ssh -t)",
    ),
];

/// True when the verb reads standard input (so the caller collects it first).
pub fn needs_stdin(argv: &[String]) -> bool {
    if moderation::needs_stdin(argv) {
        return true;
    }
    match argv.first().map(String::as_str) {
        Some("import") => true,
        Some("post") => Args::parse(&argv[1..], POST_VALUED, POST_FLAGS)
            .map(|a| a.positional.is_empty())
            .unwrap_or(false),
        Some("edit") => Args::parse(&argv[1..], &["cw"], &[])
            .map(|a| a.positional.len() == 1)
            .unwrap_or(false),
        _ => false,
    }
}

const POST_VALUED: &[&str] = &["cw", "to", "reply-to", "poll", "poll-expires"];
const POST_FLAGS: &[&str] = &["multiple"];

/// Runs one command line. Everything it prints passes the last output guard
/// ([`crate::text::guard_output`], or [`crate::text::guard_json`] under `--json`),
/// whatever the store held: no verb can put a terminal control on anyone's screen.
/// Verbs that wait on another server (`follow @user@host`) are run by [`execute`]
/// only; here they are refused.
pub fn run(camp: &Camp, caller: &Caller, argv: &[String], stdin: Option<&str>) -> Outcome {
    finish(dispatch(camp, caller, argv, stdin), argv)
}

/// Runs one command line on the async runtime, as the SSH server does: store work on
/// the blocking pool ([`run`]), and verbs that wait on another server awaited here,
/// so a slow or silent server never ties up a blocking thread.
pub async fn execute(
    camp: Camp,
    caller: Caller,
    argv: Vec<String>,
    stdin: Option<String>,
) -> Outcome {
    if remote::waits_on_other_servers(&argv) {
        let checked = {
            let (camp, caller) = (camp.clone(), caller.clone());
            tokio::task::spawn_blocking(move || member(&camp, &caller)).await
        };
        let result = match checked {
            Ok(Ok(me)) => remote::follow_remote(&camp, me, &argv[0], &argv[1..]).await,
            Ok(Err(refused)) => Err(refused),
            Err(_) => return internal_error(),
        };
        return finish(result, &argv);
    }
    tokio::task::spawn_blocking(move || run(&camp, &caller, &argv, stdin.as_deref()))
        .await
        .unwrap_or_else(|_| internal_error())
}

/// A verb's task failed (it panicked): nothing is known about what it did.
fn internal_error() -> Outcome {
    Outcome {
        stdout: String::new(),
        stderr: "camp: internal error\n".into(),
        status: EXIT_INTERNAL,
    }
}

/// A verb's result as what it prints and its exit status, through the output guard.
fn finish(result: std::result::Result<String, Failure>, argv: &[String]) -> Outcome {
    let outcome = match result {
        Ok(stdout) => Outcome {
            stdout,
            stderr: String::new(),
            status: 0,
        },
        Err(Failure {
            message,
            status,
            stdout,
        }) => Outcome {
            stdout,
            stderr: format!("camp: {}\n", crate::text::sanitize_line(&message)),
            status,
        },
    };
    guard(outcome, argv.iter().any(|a| a == "--json"))
}

/// The last check on what a command prints (binary verbs, when they come, bypass it).
fn guard(outcome: Outcome, json: bool) -> Outcome {
    let stdout = if json {
        crate::text::guard_json(&outcome.stdout)
    } else {
        crate::text::guard_output(&outcome.stdout)
    };
    Outcome {
        stdout: stdout.into_owned(),
        stderr: crate::text::guard_output(&outcome.stderr).into_owned(),
        status: outcome.status,
    }
}

struct Failure {
    message: String,
    status: u32,
    /// Printed on stdout even though the command failed (e.g. the code of conduct).
    stdout: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            message: e.to_string(),
            status: EXIT_FAILURE,
            stdout: String::new(),
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        status: EXIT_USAGE,
        stdout: String::new(),
    }
}

/// Every verb with its description: the core ones, conversation and people, then moderation.
fn all_verbs() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    VERBS
        .iter()
        .chain(social::VERBS)
        .chain(remote::VERBS)
        .chain(plain::VERBS)
        .chain(media::VERBS)
        .chain(moderation::VERBS)
        .chain(leaving::VERBS)
        .chain(status::VERBS)
        .chain(presence::VERBS)
        .chain(polls::VERBS)
        .chain(filters::VERBS)
        .chain(member_lists::VERBS)
        .chain(links::VERBS)
}

fn verb_list() -> String {
    all_verbs()
        .map(|(v, _)| v.split_whitespace().next().unwrap_or(v))
        .collect::<Vec<_>>()
        .join(", ")
}

fn dispatch(
    camp: &Camp,
    caller: &Caller,
    argv: &[String],
    stdin: Option<&str>,
) -> std::result::Result<String, Failure> {
    let Some(verb) = argv.first() else {
        return Ok(help(camp));
    };
    let rest = &argv[1..];
    match verb.as_str() {
        "help" | "--help" | "-h" => Ok(help(camp)),
        "join" => join(camp, caller, rest),
        "whoami" => whoami(camp, member(camp, caller)?, rest),
        "post" => post(camp, member(camp, caller)?, rest, stdin),
        "timeline" => timeline(camp, member(camp, caller)?, rest),
        "invite" => invite(camp, member(camp, caller)?, rest),
        "follow" | "unfollow" if remote::remote_target(rest) => {
            member(camp, caller)?;
            Err(remote::needs_runtime(camp))
        }
        "requests" => remote::requests(camp, member(camp, caller)?, rest),
        "accept" => remote::answer(camp, member(camp, caller)?, rest, true),
        "reject" => remote::answer(camp, member(camp, caller)?, rest, false),
        "deliveries" => remote::deliveries(camp, member(camp, caller)?, rest),
        "show" => social::show(camp, member(camp, caller)?, rest),
        "vote" => polls::vote(camp, member(camp, caller)?, rest),
        "links" => links::links(camp, member(camp, caller)?, rest),
        "edit" => social::edit(camp, member(camp, caller)?, rest, stdin),
        "delete" => social::delete(camp, member(camp, caller)?, rest),
        "fav" => social::react(camp, member(camp, caller)?, rest, Reaction::Favourite),
        "boost" => social::react(camp, member(camp, caller)?, rest, Reaction::Boost),
        "bookmark" => social::react(camp, member(camp, caller)?, rest, Reaction::Bookmark),
        "bookmarks" => social::bookmarks(camp, member(camp, caller)?, rest),
        v @ ("follow" | "unfollow" | "mute" | "unmute" | "block" | "unblock") => {
            social::relation(camp, member(camp, caller)?, v, rest)
        }
        v @ ("following" | "followers") => social::people(camp, member(camp, caller)?, v, rest),
        "profile" => social::profile(camp, member(camp, caller)?, rest),
        "search" => social::search(camp, member(camp, caller)?, rest),
        "tag" => social::tag(camp, member(camp, caller)?, rest),
        "notifications" => social::notifications(camp, member(camp, caller)?, rest),
        "keys" => social::keys(camp, member(camp, caller)?, rest),
        "link" | "link-device" => social::link(camp, caller, rest),
        "plain" => plain::plain(camp, caller.account.clone(), rest),
        "preview" => media::preview(camp, member(camp, caller)?, rest),
        "attachments" => media::attachments(camp, member(camp, caller)?, rest),
        "export" => leaving::export_text(camp, caller),
        "import" => leaving::import(camp, member(camp, caller)?, rest, stdin),
        "delete-account" => leaving::delete_account(camp, member(camp, caller)?, rest),
        "status" => status::status(camp, member(camp, caller)?, rest),
        "presence" => presence::presence(camp, member(camp, caller)?, rest),
        "who" => presence::who(camp, member(camp, caller)?, rest),
        // Binary output: answered by the SSH exec path (ssh/binary.rs), never as text.
        "backup" => Err(usage("backup writes binary: run ssh HOST backup > FILE")),
        "filter" => filters::filter(camp, member(camp, caller)?, rest),
        "lists" => member_lists::lists(camp, member(camp, caller)?, rest),
        "list" => member_lists::list(camp, member(camp, caller)?, rest),
        other => match moderation::dispatch(camp, caller, other, rest, stdin) {
            Some(result) => result,
            None => Err(usage(format!(
                "unknown command '{}'; commands: {}",
                crate::text::sanitize_line(other),
                verb_list()
            ))),
        },
    }
}

/// The caller's account, fresh from the store, or the "join first" refusal.
fn member(camp: &Camp, caller: &Caller) -> std::result::Result<Account, Failure> {
    let Some(account) = &caller.account else {
        return Err(Error::NoAccount {
            host: camp.config().ssh_hint(),
        }
        .into());
    };
    let me = camp.actor(account.id)?;
    // A command is activity for `who`'s idle time (when a session is connected).
    camp.presence_touch(me.id);
    Ok(me)
}

fn help(camp: &Camp) -> String {
    let info = camp.info();
    let mut out = format!(
        "{} — commands (ssh {} <command>):\n",
        info.name, info.ssh_hint
    );
    let w = all_verbs().map(|(v, _)| v.len()).max().unwrap_or(0).min(40);
    for (v, d) in all_verbs() {
        if v.len() > w {
            out.push_str(&format!("  {v}\n  {:w$}  {d}\n", ""));
        } else {
            out.push_str(&format!("  {v:w$}  {d}\n"));
        }
    }
    out.push_str("Add --json to verbs that list or show for machine-readable output.\n");
    out
}

fn join(camp: &Camp, caller: &Caller, rest: &[String]) -> std::result::Result<String, Failure> {
    let a = Args::parse(rest, &[], &["agree"])?;
    if caller.account.is_some() {
        return Err(Error::invalid("this key already has an account here").into());
    }
    let [code, name] = a.positional.as_slice() else {
        return Err(usage("usage: join CODE USERNAME --agree"));
    };
    if !a.has("agree") {
        // Check what can be checked first, so the person fixes everything in one go.
        camp.check_invite(code)?;
        camp.check_username(name)?;
        let coc = camp.code_of_conduct()?;
        return Err(Failure {
            message: "read the code of conduct above, then run the same command with --agree"
                .into(),
            status: EXIT_FAILURE,
            stdout: format!("Code of conduct of {}:\n\n{}\n", camp.info().name, coc.text),
        });
    }
    let account = camp.join(&caller.key, code, name, true)?;
    Ok(format!(
        "Welcome to {}, @{}! Connect with: ssh -t {}\n",
        camp.info().name,
        account.username,
        camp.config().ssh_hint()
    ))
}

fn whoami(camp: &Camp, me: Account, rest: &[String]) -> std::result::Result<String, Failure> {
    let a = Args::parse(rest, &[], &["json"])?;
    if !a.positional.is_empty() {
        return Err(usage("usage: whoami [--json]"));
    }
    if a.has("json") {
        let v = json!({
            "id": me.id.to_string(),
            "username": me.username,
            "display_name": me.display_name,
            "role": me.role.as_str(),
            "created_ms": me.created_ms,
            "camp": camp.info().name,
        });
        return Ok(format!("{v}\n"));
    }
    Ok(format!(
        "@{} ({}) on {}, joined {}\n",
        me.username,
        me.role.as_str(),
        camp.info().name,
        crate::text::date(me.created_ms)
    ))
}

fn post(
    camp: &Camp,
    me: Account,
    rest: &[String],
    stdin: Option<&str>,
) -> std::result::Result<String, Failure> {
    let a = Args::parse(rest, POST_VALUED, POST_FLAGS)?;
    let poll = polls::draft(&a)?;
    // No `--to` leaves the choice to the service: camp, or the parent's for a reply.
    let visibility = match a.value("to") {
        None => None,
        Some(v) => Some(
            Visibility::parse(v)
                .ok_or_else(|| usage("--to must be camp, followers, public or direct"))?,
        ),
    };
    let reply_to = match a.value("reply-to") {
        None => None,
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| usage("--reply-to needs a post id (a number)"))?,
        ),
    };
    let text = if a.positional.is_empty() {
        stdin.unwrap_or_default().to_string()
    } else {
        a.positional.join(" ")
    };
    let draft = PostDraft {
        text,
        cw: a.value("cw").map(str::to_string),
        visibility,
        reply_to,
    };
    let view = match &poll {
        Some(p) => camp.create_poll_post(me.id, draft, p)?,
        None => camp.create_post(me.id, draft)?,
    };
    Ok(format!("{}\n", view.post.id))
}

/// A post as JSON for scripts.
pub fn post_json(v: &PostView) -> serde_json::Value {
    json!({
        "id": v.post.id.to_string(),
        "author": {
            "id": v.author.id.to_string(),
            "username": v.author.username,
            "display_name": v.author.display_name,
        },
        "text": v.post.text,
        "cw": v.post.cw,
        "visibility": v.post.visibility.as_str(),
        "reply_to": v.post.reply_to.map(|r| r.to_string()),
        "created_ms": v.post.created_ms,
        "edited_ms": v.post.edited_ms,
        "boosted_by": v.boosted_by.as_ref().map(|b| b.username.clone()),
        "replies": v.stats.replies,
        "favourites": v.stats.favourites,
        "boosts": v.stats.boosts,
        "poll": polls::json(v),
        "filtered": v.filtered,
    })
}

fn timeline(camp: &Camp, me: Account, rest: &[String]) -> std::result::Result<String, Failure> {
    let a = Args::parse(rest, &["limit"], &["json"])?;
    let kind = match a.positional.as_slice() {
        [] => TimelineKind::Home,
        [k] => TimelineKind::parse(k).ok_or_else(|| usage("timeline is home or camp"))?,
        _ => return Err(usage("usage: timeline [home|camp] [--limit N] [--json]")),
    };
    let limit = a.number("limit", 20, 1, 200)? as usize;
    let posts = camp.timeline(me.id, kind, None, limit)?;
    if a.has("json") {
        let list: Vec<_> = posts.iter().map(post_json).collect();
        return Ok(format!("{}\n", serde_json::Value::Array(list)));
    }
    if posts.is_empty() {
        return Ok(format!("(the {} timeline is empty)\n", kind.as_str()));
    }
    Ok(posts_text(&posts))
}

/// Posts as text, newest first: byline, warning (or the filter that folds it), text.
fn posts_text(posts: &[PostView]) -> String {
    let now = crate::clock::now_ms();
    let mut out = String::new();
    for v in posts {
        let p = &v.post;
        if let Some(b) = &v.boosted_by {
            out.push_str(&format!("⟳ @{} boosted\n", b.username));
        }
        out.push_str(&format!(
            "@{} · {} · {} · id {}\n",
            v.author.username,
            ago(now, p.created_ms),
            p.visibility.as_str(),
            p.id
        ));
        if let Some(word) = &v.filtered {
            // A reader's warn filter folds it: `show ID` reads it.
            out.push_str(&format!("Filtered: {word} (show {} to read it)\n\n", p.id));
            continue;
        }
        if let Some(cw) = &p.cw {
            out.push_str(&format!("CW: {cw}\n"));
        }
        out.push_str(&p.text);
        out.push_str("\n\n");
    }
    out
}

/// "just now" or "5m ago".
fn ago(now: u64, then: u64) -> String {
    match crate::text::relative_time(now, then).as_str() {
        "now" => "just now".into(),
        t => format!("{t} ago"),
    }
}

fn invite(camp: &Camp, me: Account, rest: &[String]) -> std::result::Result<String, Failure> {
    let a = Args::parse(rest, &["uses", "expires", "role", "note"], &["json"])?;
    if !a.positional.is_empty() {
        return Err(usage(
            "usage: invite [--uses N] [--expires DURATION] [--role ROLE] [--note TEXT] [--json]",
        ));
    }
    if me.role != Role::Admin {
        return Err(Error::forbidden("only admins can create invites").into());
    }
    let role = match a.value("role") {
        None => Role::Camper,
        Some(r) => {
            Role::parse(r).ok_or_else(|| usage("--role must be camper, moderator or admin"))?
        }
    };
    let opts = InviteOptions {
        uses: a.number("uses", 1, 1, 1000)? as u32,
        expires_in: match a.value("expires") {
            Some(d) => Some(parse_duration(d)?),
            None => InviteOptions::default().expires_in,
        },
        role,
        note: a.value("note").unwrap_or_default().to_string(),
    };
    let inv = camp.create_invite(me.id, opts)?;
    if a.has("json") {
        // The code alone stays the plain answer (scripts rely on it); JSON adds the
        // link to send.
        let doc = json!({
            "code": inv.code,
            "link": camp.config().invite_link(&inv.code),
            "role": inv.role.as_str(),
            "uses": inv.max_uses,
            "expires_ms": inv.expires_ms,
        });
        return Ok(format!("{doc}\n"));
    }
    Ok(format!("{}\n", inv.code))
}

#[cfg(test)]
mod tests;
