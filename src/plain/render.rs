//! The lines the line mode prints: headers, numbered posts, threads, notifications and
//! help. Pure functions of what the service returned.
//!
//! Everything written by someone else (names, content warnings, post text) is taken
//! through [`sanitize_line`] or [`sanitize`] here and cut to a bounded length. Our own
//! words use no symbols a screen reader would spell out (no "·", "★" or box drawing).

use crate::camp::{NotificationView, PostView, Thread};
use crate::model::Visibility;
use crate::text::{sanitize, sanitize_line};

/// Most characters of a post's text on its one line in a listing.
pub const LIST_TEXT_CHARS: usize = 280;
/// Most characters of a post read in full (posts are far shorter; remote ones too).
pub const READ_TEXT_CHARS: usize = 10_000;
/// Most characters of a name or a content warning.
const NAME_CHARS: usize = 80;
const CW_CHARS: usize = 200;

/// The first `max` characters of `s`, with "…" when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", s[..i].trim_end()),
    }
}

/// A name as printed: `@name`, sanitized and bounded.
fn at(name: &str) -> String {
    format!("@{}", clip(&sanitize_line(name), NAME_CHARS))
}

fn plural(n: u64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// How long ago, in words: "just now", "2 minutes ago", "1 hour ago", "3 days ago".
pub fn spoken_age(now_ms: u64, then_ms: u64) -> String {
    let secs = now_ms.saturating_sub(then_ms) / 1000;
    let (n, unit) = match secs {
        s if s < 10 => return "just now".into(),
        s if s < 60 => (s, "second"),
        s if s < 3600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3600, "hour"),
        s if s < 7 * 86_400 => (s / 86_400, "day"),
        s if s < 365 * 86_400 => (s / (7 * 86_400), "week"),
        s => (s / (365 * 86_400), "year"),
    };
    format!("{} ago", plural(n, unit))
}

/// Who may read it, in words; nothing for the usual camp post.
fn audience(v: Visibility) -> Option<&'static str> {
    match v {
        Visibility::Camp => None,
        Visibility::Followers => Some("followers only"),
        Visibility::Public => Some("public"),
        Visibility::Direct => Some("direct"),
    }
}

/// "@bob" or "@ann boosted @bob", then the audience, then the age.
fn byline(v: &PostView, now_ms: u64) -> String {
    let mut s = String::new();
    if let Some(b) = &v.boosted_by {
        s.push_str(&format!("{} boosted ", at(&b.username)));
    }
    s.push_str(&at(&v.author.username));
    if let Some(a) = audience(v.post.visibility) {
        s.push_str(", ");
        s.push_str(a);
    }
    s.push_str(", ");
    s.push_str(&spoken_age(now_ms, v.post.created_ms));
    s
}

/// One post on one line: "3. @bob, 2 minutes ago: text". A post behind a content
/// warning shows the warning only; its text comes when it is read by number.
pub fn post_line(n: usize, v: &PostView, now_ms: u64) -> String {
    let body = match &v.post.cw {
        // A reader's warn filter folds the post like a content warning, by its word.
        _ if v.filtered.is_some() => format!(
            "Filtered: {}. Type {n} to read it.",
            clip(
                &sanitize_line(v.filtered.as_deref().unwrap_or("")),
                CW_CHARS
            )
        ),
        Some(cw) => format!(
            "CW: {}. Type {n} to read it.",
            clip(&sanitize_line(cw), CW_CHARS)
        ),
        None => {
            let text = clip(&sanitize_line(&v.post.text), LIST_TEXT_CHARS);
            if text.is_empty() {
                "(no text)".into()
            } else {
                text
            }
        }
    };
    let reply = if v.post.reply_to.is_some() {
        ", a reply"
    } else {
        ""
    };
    format!("{n}. {}{reply}: {body}", byline(v, now_ms))
}

/// The header above a listing: "Home, 20 posts, newest first".
pub fn header(title: &str, count: usize, older: bool, noun: &str) -> String {
    match (count, older) {
        (0, false) => format!("{title}, no {noun}s yet."),
        (0, true) => format!("{title}, no older {noun}s."),
        (n, false) => format!("{title}, {}, newest first.", plural(n as u64, noun)),
        (n, true) => format!(
            "{title}, {} older {}.",
            n,
            if n == 1 {
                noun.to_string()
            } else {
                format!("{noun}s")
            }
        ),
    }
}

/// One post read in full: its byline, what it answers, the warning, the text, counts.
/// `number` gives each post its printed number; `parent` names the post it answers.
fn post_block(out: &mut Vec<String>, n: usize, v: &PostView, now_ms: u64, answers: Option<&str>) {
    let mut head = format!("{n}. {}", byline(v, now_ms));
    if let Some(name) = answers {
        head.push_str(&format!(", reply to {}", at(name)));
    }
    if v.post.edited_ms.is_some() {
        head.push_str(", edited");
    }
    head.push(':');
    out.push(head);
    if let Some(word) = &v.filtered {
        out.push(format!(
            "Filtered: {}",
            clip(&sanitize_line(word), CW_CHARS)
        ));
    }
    if let Some(cw) = &v.post.cw {
        out.push(format!("CW: {}", clip(&sanitize_line(cw), CW_CHARS)));
    }
    let text = clip(&sanitize(&v.post.text), READ_TEXT_CHARS);
    for line in text.lines() {
        out.push(line.trim_end().to_string());
    }
    if let Some(p) = &v.poll {
        for (i, o) in p.options.iter().enumerate() {
            let votes = o
                .votes
                .map(|n| format!(", {}", plural(n, "vote")))
                .unwrap_or_default();
            let mine = if p.mine.contains(&i) {
                ", your choice"
            } else {
                ""
            };
            out.push(format!("Poll choice {}: {}{votes}{mine}.", i + 1, o.title));
        }
        out.push(format!(
            "Poll: {}.",
            // Screen readers read separators aloud: commas instead.
            crate::camp::polls::status_line(p, now_ms).replace(" · ", ", ")
        ));
    }
    let s = &v.stats;
    let mut counts = format!(
        "{}, {}, {}.",
        plural(s.replies.into(), "reply").replace("replys", "replies"),
        plural(s.favourites.into(), "favourite"),
        plural(s.boosts.into(), "boost"),
    );
    let mine: Vec<&str> = [
        (v.mine.favourited, "favourited"),
        (v.mine.boosted, "boosted"),
        (v.mine.bookmarked, "bookmarked"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, w)| *w)
    .collect();
    if !mine.is_empty() {
        counts.push_str(&format!(" You {} it.", mine.join(" and ")));
    }
    out.push(counts);
}

/// A thread as lines, each post numbered by `number` (called in reading order).
pub fn thread_lines(
    t: &Thread,
    now_ms: u64,
    mut number: impl FnMut(&PostView) -> usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let replies = t.replies.len();
    out.push(format!(
        "Thread: {}, this post, {}.",
        match t.ancestors.len() {
            0 => "not a reply".to_string(),
            n => format!("{} before", plural(n as u64, "post")),
        },
        plural(replies as u64, "reply").replace("replys", "replies")
    ));
    let name_of = |id| {
        std::iter::once(&t.post)
            .chain(&t.ancestors)
            .chain(t.replies.iter().map(|(_, v)| v))
            .find(|v| v.post.id == id)
            .map(|v| v.author.username.clone())
    };
    for v in t
        .ancestors
        .iter()
        .chain(std::iter::once(&t.post))
        .chain(t.replies.iter().map(|(_, v)| v))
    {
        let answers = v.post.reply_to.and_then(name_of);
        let n = number(v);
        post_block(&mut out, n, v, now_ms, answers.as_deref());
    }
    out
}

/// One notification on one line: "2. @bob favourited your post, 5 minutes ago: text".
pub fn notification_line(n: Option<usize>, nv: &NotificationView, now_ms: u64) -> String {
    let mut s = n.map(|n| format!("{n}. ")).unwrap_or_default();
    if let Some(a) = &nv.actor {
        s.push_str(&at(&a.username));
        s.push(' ');
    }
    s.push_str(crate::tui::notifications::describe(nv.notification.kind));
    s.push_str(", ");
    s.push_str(&spoken_age(now_ms, nv.notification.created_ms));
    if let Some(t) = &nv.notification.text {
        s.push_str(&format!(": {}", clip(&sanitize_line(t), LIST_TEXT_CHARS)));
    } else if let Some(p) = &nv.post {
        match &p.post.cw {
            _ if p.filtered.is_some() => s.push_str(&format!(
                ": Filtered: {}",
                clip(
                    &sanitize_line(p.filtered.as_deref().unwrap_or("")),
                    CW_CHARS
                )
            )),
            Some(cw) => s.push_str(&format!(": CW: {}", clip(&sanitize_line(cw), CW_CHARS))),
            None => s.push_str(&format!(
                ": {}",
                clip(&sanitize_line(&p.post.text), LIST_TEXT_CHARS)
            )),
        }
    }
    s
}

/// The line mode's own help (the exec verbs follow it when asked with `commands`).
pub const HELP: &str = "\
Line mode commands:
NUMBER: read that item with its thread, for example 3.
r NUMBER TEXT: reply to it, for example r 3 see you there.
f NUMBER: favourite it. b NUMBER: boost it.
p TEXT: post to the camp.
more: older items. new: the newest again.
home, camp, notifications: switch to that list.
Any other command works as with ssh and a command, for example follow bob, \
post --to followers TEXT, or delete 3 (a post's number works where an id is asked for).
commands: list them all. help: this text. quit: leave (Ctrl-D on an empty line too).
Editing: Backspace deletes without echo, Ctrl-U or Ctrl-C drops the line, \
Ctrl-R prints the line again.";

#[cfg(test)]
mod tests;
