//! Exec verbs for lists: `lists`, `list create|add|remove|show|delete` (see
//! [`crate::camp::member_lists`]).

use serde_json::json;

use super::args::Args;
use super::{Failure, post_json, usage};
use crate::Camp;
use crate::model::Account;

type Out = std::result::Result<String, Failure>;

/// Verbs of this module for `help`: (usage, what it does).
pub const VERBS: &[(&str, &str)] = &[
    ("lists [--json]", "your lists"),
    (
        "list create NAME [--exclusive]",
        "a new list (exclusive: its members leave Home)",
    ),
    (
        "list add NAME @who / list remove NAME @who",
        "put someone you follow in a list, or take them out",
    ),
    (
        "list show NAME [--limit N] [--before ID] [--json]",
        "the list's timeline, newest first",
    ),
    ("list delete NAME", "delete a list"),
];

const USAGE: &str = "usage: list create NAME [--exclusive] | list add NAME @who | list remove NAME @who | list show NAME [--json] | list delete NAME";

/// `lists [--json]`.
pub fn lists(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    if !a.positional.is_empty() {
        return Err(usage("usage: lists [--json]"));
    }
    let lists = camp.lists(me.id)?;
    if a.has("json") {
        let mut v = Vec::new();
        for l in &lists {
            let members: Vec<_> = camp
                .list_members(me.id, &l.name)?
                .into_iter()
                .map(|a| a.username)
                .collect();
            v.push(json!({
                "id": l.id.to_string(),
                "name": l.name,
                "exclusive": l.exclusive,
                "members": members,
            }));
        }
        return Ok(format!("{}\n", serde_json::Value::Array(v)));
    }
    if lists.is_empty() {
        return Ok("(no lists; make one with: list create NAME)\n".into());
    }
    let mut out = String::new();
    for l in &lists {
        let members: Vec<_> = camp
            .list_members(me.id, &l.name)?
            .into_iter()
            .map(|a| format!("@{}", a.username))
            .collect();
        out.push_str(&format!(
            "{}{} · {} · {}\n",
            l.name,
            if l.exclusive { " (exclusive)" } else { "" },
            match members.len() {
                1 => "1 member".to_string(),
                n => format!("{n} members"),
            },
            members.join(" ")
        ));
    }
    Ok(out)
}

/// `list create|add|remove|show|delete`.
pub fn list(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let Some((sub, rest)) = rest.split_first() else {
        return Err(usage(USAGE));
    };
    match sub.as_str() {
        "create" => {
            let a = Args::parse(rest, &[], &["exclusive"])?;
            let [name] = a.positional.as_slice() else {
                return Err(usage("usage: list create NAME [--exclusive]"));
            };
            let l = camp.create_list(me.id, name, a.has("exclusive"))?;
            Ok(format!(
                "Made the list '{}'{}.\n",
                l.name,
                if l.exclusive {
                    " (exclusive: its members' posts leave Home)"
                } else {
                    ""
                }
            ))
        }
        verb @ ("add" | "remove") => {
            let a = Args::parse(rest, &[], &[])?;
            let [name, who] = a.positional.as_slice() else {
                return Err(usage(format!("usage: list {verb} NAME @who")));
            };
            if verb == "add" {
                let who = camp.list_add(me.id, name, who)?;
                Ok(format!("Added @{} to '{}'.\n", who.username, name.trim()))
            } else {
                let who = camp.list_remove(me.id, name, who)?;
                Ok(format!(
                    "Took @{} out of '{}'.\n",
                    who.username,
                    name.trim()
                ))
            }
        }
        "show" => {
            let a = Args::parse(rest, &["limit", "before"], &["json"])?;
            let [name] = a.positional.as_slice() else {
                return Err(usage(
                    "usage: list show NAME [--limit N] [--before ID] [--json]",
                ));
            };
            let limit = a.number("limit", 20, 1, 200)? as usize;
            // The next page: posts older than the last one shown.
            let before = match a.value("before") {
                Some(id) => Some(
                    id.trim()
                        .parse::<u64>()
                        .map_err(|_| usage("--before takes a post id, e.g. the last one shown"))?,
                ),
                None => None,
            };
            let posts = camp.list_timeline(me.id, name, before, limit)?;
            if a.has("json") {
                let v: Vec<_> = posts.iter().map(post_json).collect();
                return Ok(format!("{}\n", serde_json::Value::Array(v)));
            }
            if posts.is_empty() {
                return Ok(format!("(nothing in '{}' yet)\n", name.trim()));
            }
            Ok(super::posts_text(&posts))
        }
        "delete" => {
            let a = Args::parse(rest, &[], &[])?;
            let [name] = a.positional.as_slice() else {
                return Err(usage("usage: list delete NAME"));
            };
            let l = camp.delete_list(me.id, name)?;
            Ok(format!("Deleted the list '{}'.\n", l.name))
        }
        _ => Err(usage(USAGE)),
    }
}
