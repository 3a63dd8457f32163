//! Exec verbs for keyword filters: `filter add|list|remove` (see [`crate::camp::filters`]).

use serde_json::json;

use super::args::Args;
use super::{Failure, usage};
use crate::Camp;
use crate::camp::filters::{Filter, FilterAction, FilterContext, NewFilter};
use crate::camp::parse_duration;
use crate::model::Account;

type Out = std::result::Result<String, Failure>;

/// Verbs of this module for `help`: (usage, what it does).
pub const VERBS: &[(&str, &str)] = &[
    (
        "filter add PHRASE [--whole-word] [--context home,camp,notifications,threads] [--action hide|warn] [--expires 1d]",
        "fold (warn, the default) or hide others' posts with a word or phrase",
    ),
    ("filter list [--json]", "your filters"),
    ("filter remove PHRASE|ID", "stop filtering a word or phrase"),
];

const USAGE: &str = "usage: filter add PHRASE [--whole-word] [--context LIST] [--action hide|warn] [--expires DURATION] | filter list [--json] | filter remove PHRASE|ID";

/// `filter add|list|remove`.
pub fn filter(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let Some((sub, rest)) = rest.split_first() else {
        return Err(usage(USAGE));
    };
    match sub.as_str() {
        "add" => add(camp, me, rest),
        "list" => list(camp, me, rest),
        "remove" | "rm" => {
            let a = Args::parse(rest, &[], &[])?;
            if a.positional.is_empty() {
                return Err(usage("usage: filter remove PHRASE|ID"));
            }
            let gone = camp.remove_filter(me.id, &a.positional.join(" "))?;
            Ok(format!("No longer filtering '{}'.\n", gone.phrase))
        }
        _ => Err(usage(USAGE)),
    }
}

fn add(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &["context", "action", "expires"], &["whole-word"])?;
    if a.positional.is_empty() {
        return Err(usage(
            "usage: filter add PHRASE [--whole-word] [--context home,camp,notifications,threads] [--action hide|warn] [--expires 1d]",
        ));
    }
    let mut contexts = Vec::new();
    if let Some(list) = a.value("context") {
        for c in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            contexts.push(FilterContext::parse(c).ok_or_else(|| {
                usage(format!(
                    "unknown context '{}'; use home, camp, notifications or threads",
                    crate::text::sanitize_line(c)
                ))
            })?);
        }
        if contexts.is_empty() {
            return Err(usage(
                "--context needs one or more of home, camp, notifications, threads",
            ));
        }
    }
    let action = match a.value("action") {
        None => FilterAction::Warn,
        Some(v) => FilterAction::parse(v).ok_or_else(|| usage("--action must be hide or warn"))?,
    };
    let expires_in = a.value("expires").map(parse_duration).transpose()?;
    let f = camp.add_filter(
        me.id,
        NewFilter {
            phrase: a.positional.join(" "),
            whole_word: a.has("whole-word"),
            contexts,
            action,
            expires_in,
        },
    )?;
    Ok(format!("{}\n", describe(&f)))
}

fn list(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    if !a.positional.is_empty() {
        return Err(usage("usage: filter list [--json]"));
    }
    let filters = camp.filters(me.id)?;
    if a.has("json") {
        let v: Vec<_> = filters.iter().map(filter_json).collect();
        return Ok(format!("{}\n", serde_json::Value::Array(v)));
    }
    if filters.is_empty() {
        return Ok("(no filters)\n".into());
    }
    Ok(filters
        .iter()
        .map(|f| format!("{}\n", describe(f)))
        .collect())
}

/// One filter for scripts.
pub fn filter_json(f: &Filter) -> serde_json::Value {
    json!({
        "id": f.id.to_string(),
        "phrase": f.phrase,
        "whole_word": f.whole_word,
        "context": f.contexts.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "action": f.action.as_str(),
        "expires_ms": f.expires_ms,
    })
}

/// "id 12 · 'spoiler' · whole word · warn · home, camp · until 2026-12-01".
fn describe(f: &Filter) -> String {
    let mut s = format!("id {} · '{}'", f.id, f.phrase);
    if f.whole_word {
        s.push_str(" · whole word");
    }
    s.push_str(&format!(" · {}", f.action.as_str()));
    let contexts: Vec<_> = f.contexts.iter().map(|c| c.as_str()).collect();
    s.push_str(&format!(" · {}", contexts.join(", ")));
    if let Some(t) = f.expires_ms {
        s.push_str(&format!(" · until {}", crate::text::date(t)));
    }
    s
}
