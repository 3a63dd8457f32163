//! `preview [off|half-block|auto|kitty|sixel]`: whether and how the terminal app draws
//! images attached to posts from elsewhere (off by default: nothing is fetched until
//! you turn it on; `auto` uses kitty graphics or sixel where the terminal was found to
//! draw them, half-blocks otherwise), and
//! `attachments ID`: what a post has attached, with descriptions and media types.
//! Exec output never carries pictures or terminal graphics, only these words.

use serde_json::json;

use super::args::Args;
use super::{Failure, usage};
use crate::Camp;
use crate::camp::preview::PreviewMode;
use crate::model::{Account, PostMedia};

/// Verbs of this module for `help`: (usage, what it does).
pub const VERBS: &[(&str, &str)] = &[
    (
        "preview [off|half-block|auto|kitty|sixel] [--json]",
        "image previews in the terminal app (off by default)",
    ),
    (
        "attachments ID [--json]",
        "a post's attachments: description, media type, URL",
    ),
];

/// `preview` (show the mode) or `preview MODE` (set it).
pub fn preview(camp: &Camp, me: Account, rest: &[String]) -> Result<String, Failure> {
    let a = Args::parse(rest, &[], &["json"])?;
    let mode = match a.positional.as_slice() {
        [] => camp.preview_mode(me.id)?,
        [m] => {
            let mode = PreviewMode::parse(m).ok_or_else(|| {
                usage(format!(
                    "unknown preview mode '{}'; modes: off, half-block, auto, kitty, sixel",
                    crate::text::sanitize_line(m)
                ))
            })?;
            camp.set_preview_mode(me.id, mode)?;
            mode
        }
        _ => {
            return Err(usage(
                "usage: preview [off|half-block|auto|kitty|sixel] [--json]",
            ));
        }
    };
    if a.has("json") {
        return Ok(format!("{}\n", json!({ "preview": mode.as_str() })));
    }
    Ok(match mode {
        PreviewMode::Off => "Image previews are off.\n".to_string(),
        m => format!(
            "Image previews: {} (in the thread of a post from elsewhere; press x first on a post behind a warning).\n",
            m.as_str()
        ),
    })
}

/// The JSON list of a post's attachments.
pub fn attachments_json(media: &PostMedia) -> serde_json::Value {
    json!(
        media
            .items
            .iter()
            .map(|a| json!({
                "alt": a.alt,
                "media_type": a.media_type,
                "url": a.url,
                "sensitive": media.sensitive,
            }))
            .collect::<Vec<_>>()
    )
}

/// `attachments ID`.
pub fn attachments(camp: &Camp, me: Account, rest: &[String]) -> Result<String, Failure> {
    let a = Args::parse(rest, &[], &["json"])?;
    let id = match a.positional.as_slice() {
        [id] => id
            .parse::<u64>()
            .map_err(|_| usage("attachments needs a post id (a number)"))?,
        _ => return Err(usage("usage: attachments ID [--json]")),
    };
    let media = camp.attachments(me.id, id)?;
    if a.has("json") {
        return Ok(format!("{}\n", attachments_json(&media)));
    }
    if media.items.is_empty() {
        return Ok("(no attachments)\n".into());
    }
    let mut out = String::new();
    for (i, m) in media.items.iter().enumerate() {
        let kind = if m.media_type.is_empty() {
            "unknown type"
        } else {
            &m.media_type
        };
        out.push_str(&format!("{}. [{}] {kind} {}\n", i + 1, m.alt, m.url));
    }
    if media.sensitive {
        out.push_str("(marked sensitive)\n");
    }
    Ok(out)
}
