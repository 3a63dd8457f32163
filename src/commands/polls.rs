//! Polls in exec: `post --poll "a,b,c" --poll-expires 1d [--multiple] TEXT`, `vote ID
//! N...`, and a post's poll in text and `--json` (`poll: {options: [{title, votes}],
//! multiple, expires_ms, closed, voted}`, votes null while hidden).

use serde_json::{Value, json};

use super::args::Args;
use super::{Failure, usage};
use crate::Camp;
use crate::camp::{PollDraft, PollView, PostView};
use crate::model::Account;

/// The poll verbs, for `help`.
pub const VERBS: &[(&str, &str)] = &[(
    "vote ID N... [--json]",
    "vote in a post's poll (choices numbered from 1, as shown)",
)];

/// Default time a poll stays open when `--poll-expires` is not given.
const DEFAULT_EXPIRY: &str = "1d";

/// The poll `post` asks for, if any (`--poll`, `--poll-expires`, `--multiple`).
pub fn draft(a: &Args) -> Result<Option<PollDraft>, Failure> {
    let Some(options) = a.value("poll") else {
        if a.value("poll-expires").is_some() || a.has("multiple") {
            return Err(usage(
                "--poll-expires and --multiple go with --poll \"choice,choice\"",
            ));
        }
        return Ok(None);
    };
    let expires = a.value("poll-expires").unwrap_or(DEFAULT_EXPIRY);
    let d = PollDraft::parse(options, expires, a.has("multiple"))?;
    // Checked here too so a usage mistake exits as one, before anything is written.
    d.checked()?;
    Ok(Some(d))
}

/// `vote ID N...`: prints the poll as it now stands.
pub fn vote(camp: &Camp, me: Account, rest: &[String]) -> Result<String, Failure> {
    let a = Args::parse(rest, &[], &["json"])?;
    let Some((id, picks)) = a.positional.split_first() else {
        return Err(usage("usage: vote ID N... (choices numbered from 1)"));
    };
    let id = id
        .parse::<u64>()
        .map_err(|_| usage("vote needs a post id (a number)"))?;
    let mut choices = Vec::new();
    for p in picks.iter().flat_map(|p| p.split(',')) {
        if p.is_empty() {
            continue;
        }
        choices.push(
            p.parse::<usize>()
                .map_err(|_| usage("choices are numbers, e.g. vote ID 1 3"))?,
        );
    }
    if choices.is_empty() {
        return Err(usage("usage: vote ID N... (choices numbered from 1)"));
    }
    let view = camp.vote(me.id, id, &choices)?;
    if a.has("json") {
        return Ok(format!("{}\n", json(&view).unwrap_or(Value::Null)));
    }
    let mut out = format!("voted in {id}\n");
    if let Some(p) = &view.poll {
        text(&mut out, p, "", crate::clock::now_ms());
    }
    Ok(out)
}

/// The `poll` field of a post in JSON (None when it has no poll).
pub fn json(v: &PostView) -> Option<Value> {
    let p = v.poll.as_ref()?;
    Some(json!({
        "options": p.options.iter().map(|o| json!({"title": o.title, "votes": o.votes})).collect::<Vec<_>>(),
        "multiple": p.multiple,
        "expires_ms": p.expires_ms,
        "closed": p.closed,
        "voted": p.voted,
        "voters": p.voters,
    }))
}

/// A poll under a post in text: numbered choices, counts and percentages when shown,
/// and one line saying how it stands.
pub fn text(out: &mut String, p: &PollView, pad: &str, now: u64) {
    let total: u64 = p.options.iter().filter_map(|o| o.votes).sum();
    for (i, o) in p.options.iter().enumerate() {
        let mark = if p.mine.contains(&i) { "✓" } else { " " };
        match o.votes {
            Some(n) => {
                let pct = (n * 100).checked_div(total).unwrap_or(0);
                out.push_str(&format!(
                    "{pad}{mark}[{}] {} · {n} ({pct}%)\n",
                    i + 1,
                    o.title
                ));
            }
            None => out.push_str(&format!("{pad}{mark}[{}] {}\n", i + 1, o.title)),
        }
    }
    out.push_str(&format!(
        "{pad}{}\n",
        crate::camp::polls::status_line(p, now)
    ));
}
