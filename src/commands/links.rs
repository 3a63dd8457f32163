//! `links ID`: the links in a post, numbered as the terminal app's link picker shows
//! them, as plain text (never as OSC 8 hyperlinks: exec output is for scripts and
//! screen readers) or `--json`.

use serde_json::json;

use super::args::Args;
use super::{Failure, usage};
use crate::Camp;
use crate::model::Account;

/// Verbs of this module, for help.
pub const VERBS: &[(&str, &str)] = &[("links ID [--json]", "the links in a post, numbered")];

/// `links ID [--json]`.
pub fn links(camp: &Camp, me: Account, rest: &[String]) -> Result<String, Failure> {
    let a = Args::parse(rest, &[], &["json"])?;
    let id = match a.positional.as_slice() {
        [id] => id
            .parse::<u64>()
            .map_err(|_| usage("links needs a post id (a number)"))?,
        _ => return Err(usage("usage: links ID")),
    };
    let links = camp.post_links(me.id, id)?;
    if a.has("json") {
        return Ok(format!(
            "{}\n",
            json!({ "id": id.to_string(), "links": links })
        ));
    }
    if links.is_empty() {
        return Ok("(no links in this post)\n".into());
    }
    Ok(links
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{}. {l}\n", i + 1))
        .collect())
}
