//! Exec verbs for conversation and people: `show`, `edit`, `delete`, `fav`, `boost`,
//! `bookmark`, `bookmarks`, `follow`, `unfollow`, `following`, `followers`, `mute`,
//! `unmute`, `block`, `unblock`, `profile`, `search`, `tag`, `notifications`.

use serde_json::json;

use super::args::Args;
use super::{Failure, ago, post_json, usage};
use crate::Camp;
use crate::camp::{Author, PostView, Reaction, parse_duration};
use crate::model::{Account, Id};

type Out = std::result::Result<String, Failure>;

/// Verbs of this module for `help`: (usage, what it does).
pub const VERBS: &[(&str, &str)] = &[
    (
        "show ID [--history] [--json]",
        "a post and its thread (or its earlier versions)",
    ),
    (
        "edit ID [--cw TEXT] TEXT...",
        "change your post (stdin when no TEXT)",
    ),
    ("delete ID", "delete your post (moderators: any post)"),
    ("fav ID [--undo]", "favourite a post"),
    ("boost ID [--undo]", "boost a post to your followers"),
    ("bookmark ID [--undo]", "bookmark a post"),
    ("bookmarks [--json]", "your bookmarks"),
    ("follow NAME", "follow a camper"),
    ("unfollow NAME", "stop following"),
    ("following [--json]", "who you follow"),
    ("followers [--json]", "who follows you"),
    (
        "mute NAME [--for DURATION]",
        "hide a camper from your timelines and notifications",
    ),
    ("unmute NAME", "end a mute"),
    ("block NAME", "a camper can no longer see or mention you"),
    ("unblock NAME", "end a block"),
    (
        "profile NAME [--json]",
        "a camper's profile and recent posts",
    ),
    ("search TEXT [--json]", "campers, #tags and posts"),
    ("tag TAG [--json]", "posts with a #tag"),
    (
        "notifications [--limit N] [--json]",
        "your notifications, newest first",
    ),
    (
        "keys [--json] | keys remove FINGERPRINT",
        "your SSH keys; remove one (never the last)",
    ),
    (
        "link | link CODE",
        "make a 10-minute code for a new device; run link CODE there",
    ),
];

fn one_id(a: &Args, verb: &str) -> std::result::Result<Id, Failure> {
    match a.positional.as_slice() {
        [id] => id
            .parse::<u64>()
            .map_err(|_| usage(format!("{verb} needs a post id (a number)"))),
        _ => Err(usage(format!("usage: {verb} ID"))),
    }
}

fn one_name(a: &Args, verb: &str) -> std::result::Result<String, Failure> {
    match a.positional.as_slice() {
        [name] => Ok(name.clone()),
        _ => Err(usage(format!("usage: {verb} NAME"))),
    }
}

fn post_text(out: &mut String, v: &PostView, indent: usize, now: u64) {
    let pad = "  ".repeat(indent);
    let p = &v.post;
    let mut head = format!(
        "{pad}@{} · {} · {} · id {}",
        v.author.username,
        ago(now, p.created_ms),
        p.visibility.as_str(),
        p.id
    );
    if p.edited_ms.is_some() {
        head.push_str(" · edited");
    }
    out.push_str(&head);
    out.push('\n');
    if let Some(word) = &v.filtered {
        // A reader's warn filter folds it: `show ID` reads it.
        out.push_str(&format!(
            "{pad}Filtered: {word} (show {} to read it)\n",
            p.id
        ));
    } else {
        if let Some(cw) = &p.cw {
            out.push_str(&format!("{pad}CW: {cw}\n"));
        }
        for l in p.text.lines() {
            out.push_str(&format!("{pad}{l}\n"));
        }
    }
    if let Some(poll) = &v.poll {
        super::polls::text(out, poll, &pad, now);
    }
    out.push_str(&format!(
        "{pad}↩ {} · ★ {} · ⟳ {}\n\n",
        v.stats.replies, v.stats.favourites, v.stats.boosts
    ));
}

fn full_json(v: &PostView) -> serde_json::Value {
    let mut j = post_json(v);
    j["favourited"] = json!(v.mine.favourited);
    j["boosted"] = json!(v.mine.boosted);
    j["bookmarked"] = json!(v.mine.bookmarked);
    j["links"] = json!(crate::text::links::extract(&v.post.text));
    j
}

fn list_out(posts: &[PostView], json: bool, empty: &str) -> String {
    if json {
        let list: Vec<_> = posts.iter().map(full_json).collect();
        return format!("{}\n", serde_json::Value::Array(list));
    }
    if posts.is_empty() {
        return format!("({empty})\n");
    }
    let now = crate::clock::now_ms();
    let mut out = String::new();
    for v in posts {
        post_text(&mut out, v, 0, now);
    }
    out
}

/// `show ID`: the post with what it answers and its replies.
pub fn show(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json", "history"])?;
    let id = one_id(&a, "show")?;
    if a.has("history") {
        let versions = camp.post_versions(me.id, id)?;
        if a.has("json") {
            let v: Vec<_> = versions
                .iter()
                .map(|v| json!({"text": v.text, "cw": v.cw, "written_ms": v.written_ms}))
                .collect();
            return Ok(format!("{}\n", serde_json::Value::Array(v)));
        }
        if versions.is_empty() {
            return Ok("(this post was never edited)\n".into());
        }
        let mut out = String::new();
        for v in versions {
            out.push_str(&format!("written {}\n", crate::text::date(v.written_ms)));
            if let Some(cw) = &v.cw {
                out.push_str(&format!("CW: {cw}\n"));
            }
            out.push_str(&v.text);
            out.push_str("\n\n");
        }
        return Ok(out);
    }
    let t = camp.thread(me.id, id)?;
    if a.has("json") {
        let mut post = full_json(&t.post);
        let media = camp.attachments(me.id, t.post.post.id)?;
        post["attachments"] = super::media::attachments_json(&media);
        let v = json!({
            "ancestors": t.ancestors.iter().map(full_json).collect::<Vec<_>>(),
            "post": post,
            "replies": t.replies.iter().map(|(d, p)| {
                let mut j = full_json(p);
                j["depth"] = json!(d);
                j
            }).collect::<Vec<_>>(),
        });
        return Ok(format!("{v}\n"));
    }
    let now = crate::clock::now_ms();
    let mut out = String::new();
    for v in &t.ancestors {
        post_text(&mut out, v, 0, now);
    }
    // The post asked for is read in full, under its filter's word when one matched.
    if let Some(word) = &t.post.filtered {
        out.push_str(&format!("Filtered: {word}\n"));
    }
    let opened = PostView {
        filtered: None,
        ..t.post.clone()
    };
    post_text(&mut out, &opened, 0, now);
    for (d, v) in &t.replies {
        post_text(&mut out, v, (*d).min(6), now);
    }
    Ok(out)
}

/// `edit ID TEXT...` (stdin when no TEXT).
pub fn edit(camp: &Camp, me: Account, rest: &[String], stdin: Option<&str>) -> Out {
    let a = Args::parse(rest, &["cw"], &[])?;
    let Some((id, words)) = a.positional.split_first() else {
        return Err(usage("usage: edit ID [--cw TEXT] TEXT..."));
    };
    let id = id
        .parse::<u64>()
        .map_err(|_| usage("edit needs a post id (a number)"))?;
    let text = if words.is_empty() {
        stdin.unwrap_or_default().to_string()
    } else {
        words.join(" ")
    };
    let cw = match a.value("cw") {
        Some(c) => Some(c.to_string()),
        // Without --cw the warning stays as it was.
        None => camp.post(me.id, id)?.post.cw,
    };
    camp.edit_post(me.id, id, &text, cw)?;
    Ok(format!("edited {id}\n"))
}

/// `delete ID`.
pub fn delete(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &[])?;
    let id = one_id(&a, "delete")?;
    camp.delete_post(me.id, id)?;
    Ok(format!("deleted {id}\n"))
}

/// `fav`, `boost`, `bookmark` with optional `--undo`.
pub fn react(camp: &Camp, me: Account, rest: &[String], reaction: Reaction) -> Out {
    let verb = match reaction {
        Reaction::Favourite => "fav",
        Reaction::Boost => "boost",
        Reaction::Bookmark => "bookmark",
    };
    let a = Args::parse(rest, &[], &["undo"])?;
    let id = one_id(&a, verb)?;
    let on = !a.has("undo");
    let v = camp.react(me.id, id, reaction, Some(on))?;
    let what = match (reaction, on) {
        (Reaction::Favourite, true) => "favourited",
        (Reaction::Favourite, false) => "unfavourited",
        (Reaction::Boost, true) => "boosted",
        (Reaction::Boost, false) => "unboosted",
        (Reaction::Bookmark, true) => "bookmarked",
        (Reaction::Bookmark, false) => "removed bookmark",
    };
    Ok(format!(
        "{what} {id} (★ {} · ⟳ {})\n",
        v.stats.favourites, v.stats.boosts
    ))
}

/// `bookmarks`.
pub fn bookmarks(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &["limit"], &["json"])?;
    let limit = a.number("limit", 50, 1, 200)? as usize;
    let posts = camp.bookmarks(me.id, limit)?;
    Ok(list_out(&posts, a.has("json"), "no bookmarks"))
}

/// `follow`, `unfollow`, `mute`, `unmute`, `block`, `unblock`.
pub fn relation(camp: &Camp, me: Account, verb: &str, rest: &[String]) -> Out {
    let valued: &[&str] = if verb == "mute" { &["for"] } else { &[] };
    let a = Args::parse(rest, valued, &[])?;
    let name = one_name(&a, verb)?;
    let shown = name.trim_start_matches('@').to_lowercase();
    Ok(match verb {
        "follow" => format!("following @{}\n", camp.follow(me.id, &name)?.username),
        "unfollow" => format!("unfollowed @{}\n", camp.unfollow(me.id, &name)?.username),
        "mute" => {
            let d = a.value("for").map(parse_duration).transpose()?;
            let m = camp.mute(me.id, &name, d)?;
            match m.until_ms {
                Some(t) => format!("muted @{shown} until {}\n", crate::text::date(t)),
                None => format!("muted @{shown}\n"),
            }
        }
        "unmute" => {
            camp.unmute(me.id, &name)?;
            format!("unmuted @{shown}\n")
        }
        "block" => {
            camp.block(me.id, &name)?;
            format!("blocked @{shown}\n")
        }
        _ => {
            camp.unblock(me.id, &name)?;
            format!("unblocked @{shown}\n")
        }
    })
}

fn people_out(people: &[Author], json: bool, empty: &str) -> String {
    if json {
        let list: Vec<_> = people
            .iter()
            .map(|a| {
                json!({"id": a.id.to_string(), "username": a.username, "display_name": a.display_name})
            })
            .collect();
        return format!("{}\n", serde_json::Value::Array(list));
    }
    if people.is_empty() {
        return format!("({empty})\n");
    }
    people
        .iter()
        .map(|a| {
            if a.display_name.is_empty() {
                format!("@{}\n", a.username)
            } else {
                format!("@{} ({})\n", a.username, a.display_name)
            }
        })
        .collect()
}

/// `following` and `followers`.
pub fn people(camp: &Camp, me: Account, verb: &str, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    if !a.positional.is_empty() {
        return Err(usage(format!("usage: {verb} [--json]")));
    }
    let (list, empty) = if verb == "following" {
        (camp.following(me.id)?, "you follow nobody yet")
    } else {
        (camp.followers(me.id)?, "nobody follows you yet")
    };
    Ok(people_out(&list, a.has("json"), empty))
}

/// `profile NAME`.
pub fn profile(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    let name = one_name(&a, "profile")?;
    let p = camp.profile(me.id, &name)?;
    if a.has("json") {
        let v = json!({
            "id": p.author.id.to_string(),
            "username": p.author.username,
            "display_name": p.author.display_name,
            "bio": p.bio,
            "role": p.role.as_str(),
            "joined_ms": p.joined_ms,
            "posts": p.posts,
            "followers": p.followers,
            "following": p.following,
            "followed_by_me": p.followed_by_me,
            "follow_pending": p.follow_pending,
            "follows_me": p.follows_me,
            "muted": p.muted.is_some(),
            "blocked": p.blocked,
            "recent": p.recent.iter().map(full_json).collect::<Vec<_>>(),
        });
        return Ok(format!("{v}\n"));
    }
    let mut out = format!("@{}", p.author.username);
    if !p.author.display_name.is_empty() {
        out.push_str(&format!(" ({})", p.author.display_name));
    }
    out.push_str(&format!(
        "\njoined {} · {} posts · {} followers · {} following\n",
        crate::text::date(p.joined_ms),
        p.posts,
        p.followers,
        p.following
    ));
    if !p.bio.is_empty() {
        out.push_str(&format!("{}\n", p.bio));
    }
    if p.follow_pending {
        out.push_str("follow requested; waiting for them to answer\n");
    }
    out.push('\n');
    out.push_str(&list_out(&p.recent, false, "no posts you can see"));
    Ok(out)
}

/// `search TEXT...`.
pub fn search(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &["limit"], &["json"])?;
    let limit = a.number("limit", 20, 1, 100)? as usize;
    let q = a.positional.join(" ");
    let r = camp.search(me.id, &q, limit)?;
    if a.has("json") {
        let v = json!({
            "accounts": r.accounts.iter().map(|a| json!({"id": a.id.to_string(), "username": a.username, "display_name": a.display_name})).collect::<Vec<_>>(),
            "tags": r.tags.iter().map(|(t, n)| json!({"tag": t, "posts": n})).collect::<Vec<_>>(),
            "posts": r.posts.iter().map(full_json).collect::<Vec<_>>(),
        });
        return Ok(format!("{v}\n"));
    }
    let mut out = String::new();
    if !r.accounts.is_empty() {
        out.push_str("Campers:\n");
        out.push_str(&people_out(&r.accounts, false, ""));
        out.push('\n');
    }
    if !r.tags.is_empty() {
        out.push_str("Tags:\n");
        for (t, n) in &r.tags {
            out.push_str(&format!("#{t} ({n})\n"));
        }
        out.push('\n');
    }
    if !r.posts.is_empty() {
        out.push_str("Posts:\n");
        out.push_str(&list_out(&r.posts, false, ""));
    }
    if out.is_empty() {
        out.push_str("(nothing found)\n");
    }
    Ok(out)
}

/// `tag TAG`.
pub fn tag(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &["limit"], &["json"])?;
    let limit = a.number("limit", 20, 1, 200)? as usize;
    let t = one_name(&a, "tag")?;
    let posts = camp.tagged(me.id, &t, limit)?;
    Ok(list_out(&posts, a.has("json"), "no posts with that tag"))
}

/// `keys`, `keys remove FINGERPRINT`.
pub fn keys(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &[], &["json"])?;
    match a.positional.as_slice() {
        [] => {}
        [verb, fp] if verb == "remove" => {
            camp.remove_key(me.id, fp)?;
            return Ok(format!("removed {fp}\n"));
        }
        _ => return Err(usage("usage: keys [--json] | keys remove FINGERPRINT")),
    }
    let keys = camp.keys(me.id)?;
    if a.has("json") {
        let v: Vec<_> = keys
            .iter()
            .map(|k| {
                json!({
                    "fingerprint": k.fingerprint,
                    "algorithm": k.algorithm,
                    "comment": k.comment,
                    "added_ms": k.added_ms,
                })
            })
            .collect();
        return Ok(format!("{}\n", serde_json::Value::Array(v)));
    }
    Ok(keys
        .iter()
        .map(|k| {
            format!(
                "{} {} {} (added {})\n",
                k.algorithm,
                k.fingerprint,
                k.comment,
                crate::text::date(k.added_ms)
            )
        })
        .collect())
}

/// `link` (a member makes a code) and `link CODE` (a new key joins that account).
pub fn link(camp: &Camp, caller: &super::Caller, rest: &[String]) -> Out {
    let a = Args::parse(rest, &["comment"], &[])?;
    match (a.positional.as_slice(), &caller.account) {
        ([], Some(me)) => {
            let link = camp.create_link_code(me.id)?;
            Ok(format!("{}\n", link.code))
        }
        ([], None) => Err(usage(
            "usage: link CODE (make the code on a device that is already logged in)",
        )),
        ([_], Some(_)) => Err(crate::Error::invalid("this key already has an account here").into()),
        ([code], None) => {
            let comment = a.value("comment").unwrap_or("linked device");
            let acc = camp.redeem_link_code(&caller.key, code, comment)?;
            Ok(format!(
                "This key now logs in as @{}. Connect with: ssh -t {}\n",
                acc.username,
                camp.config().ssh_hint()
            ))
        }
        _ => Err(usage("usage: link | link CODE")),
    }
}

/// `notifications`: each entry says who did what, with a one-line excerpt of the post
/// it concerns; favourites (and boosts) of one post come as one entry with everyone
/// who did it. `--limit` counts notifications read, before grouping.
pub fn notifications(camp: &Camp, me: Account, rest: &[String]) -> Out {
    let a = Args::parse(rest, &["limit"], &["json"])?;
    if !a.positional.is_empty() {
        return Err(usage("usage: notifications [--limit N] [--json]"));
    }
    let limit = a.number("limit", 20, 1, 200)? as usize;
    let list = camp.notification_groups(me.id, None, limit)?;
    if a.has("json") {
        let name = |a: &Author| crate::text::sanitize_line(&a.username);
        let v: Vec<_> = list
            .iter()
            .map(|g| {
                let n = &g.newest;
                json!({
                    "id": n.notification.id.to_string(),
                    "kind": n.notification.kind.as_str(),
                    "actor": n.actor.as_ref().map(name),
                    "actors": g.actors.iter().map(name).collect::<Vec<_>>(),
                    "count": g.count(),
                    "post": n.notification.post.map(|p| p.to_string()),
                    "excerpt": g.excerpt(),
                    "text": n.notification.text,
                    "created_ms": n.notification.created_ms,
                    "filtered": n.post.as_ref().and_then(|p| p.filtered.clone()),
                })
            })
            .collect();
        return Ok(format!("{}\n", serde_json::Value::Array(v)));
    }
    if list.is_empty() {
        return Ok("(no notifications)\n".into());
    }
    let now = crate::clock::now_ms();
    let mut out = String::new();
    for g in &list {
        let n = &g.newest.notification;
        out.push_str(&format!("{} · {}", g.describe(), ago(now, n.created_ms)));
        if let Some(p) = n.post {
            out.push_str(&format!(" · id {p}"));
        }
        if let Some(word) = g.newest.post.as_ref().and_then(|p| p.filtered.as_ref()) {
            out.push_str(&format!(" · filtered: {word}"));
        }
        out.push('\n');
        if let Some(t) = &n.text {
            out.push_str(&format!("  {}\n", crate::text::sanitize_line(t)));
        }
        if let Some(e) = g.excerpt() {
            out.push_str(&format!("  {e}\n"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
