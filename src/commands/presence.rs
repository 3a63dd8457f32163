//! `presence [on|off]` (whether `who` shows you) and `who [--json]` (campers connected
//! now who chose to be shown, with their idle time). The policy is the service's:
//! [`crate::camp::presence`].

use serde_json::json;

use super::args::Args;
use super::{Failure, usage};
use crate::Camp;
use crate::camp::presence::idle_label;
use crate::model::Account;

type Out = std::result::Result<String, Failure>;

/// Verbs of this module for `help`: (usage, what it does).
pub const VERBS: &[(&str, &str)] = &[
    (
        "presence [on|off]",
        "whether who lists you while you are connected (off until you turn it on)",
    ),
    (
        "who [--json]",
        "campers connected now who chose to be shown, with their idle time",
    ),
];

/// `presence`, `presence on`, `presence off`.
pub fn presence(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &[])?;
    let on = match a.positional.as_slice() {
        [] => {
            let state = if camp.presence(me.id)? {
                "on: who lists you while you are connected"
            } else {
                "off: who does not list you"
            };
            return Ok(format!("presence {state}\n"));
        }
        [v] if v == "on" => true,
        [v] if v == "off" => false,
        _ => return Err(usage("usage: presence [on|off]")),
    };
    camp.set_presence(me.id, on)?;
    Ok(if on {
        "presence on: campers here see you in who while you are connected\n".into()
    } else {
        "presence off: who no longer lists you\n".into()
    })
}

/// `who [--json]`.
pub fn who(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    if !a.positional.is_empty() {
        return Err(usage("usage: who [--json]"));
    }
    let list = camp.who(me.id)?;
    if a.has("json") {
        let v: Vec<_> = list
            .iter()
            .map(|p| {
                json!({
                    "username": crate::text::sanitize_line(&p.author.username),
                    "display_name": crate::text::sanitize_line(&p.author.display_name),
                    // Whole minutes, as the screen shows: seconds would let a
                    // script polling `who` trace each key a camper types.
                    "idle_secs": p.idle_ms / 60_000 * 60,
                })
            })
            .collect();
        return Ok(format!("{}\n", serde_json::Value::Array(v)));
    }
    if list.is_empty() {
        return Ok("(nobody who chose to be shown is connected; presence on shows you)\n".into());
    }
    let mut out = String::new();
    for p in &list {
        let name = crate::camp::notification_groups::handle(&p.author);
        let display =
            crate::text::truncate(&crate::text::sanitize_line(&p.author.display_name), 40);
        if display.is_empty() {
            out.push_str(&format!("{name} · {}\n", idle_label(p.idle_ms)));
        } else {
            out.push_str(&format!("{name} ({display}) · {}\n", idle_label(p.idle_ms)));
        }
    }
    Ok(out)
}
