//! `export`: a camper's own data as a `.tar.gz`, shaped like Mastodon's archive so other
//! software reads it: `outbox.json` (every post they wrote, every visibility, with
//! parents, content warnings and earlier versions), `actor.json` (their profile and
//! SSH public keys), and the CSVs Mastodon's import page takes.
//!
//! Policy: only what the camper wrote or chose. Nothing another camper wrote reaches
//! the archive: no post text but their own, and of others only an account address
//! (follows, blocks, mutes) or a post's address (bookmarks), never its words.

use serde_json::{Value, json};

use super::tarball::tar_gz;
use crate::Camp;
use crate::error::Result;
use crate::model::*;
use crate::store::now_ms;

/// The files of an export, in archive order.
pub const EXPORT_FILES: &[&str] = &[
    "actor.json",
    "outbox.json",
    "following_accounts.csv",
    "blocked_accounts.csv",
    "muted_accounts.csv",
    "bookmarks.csv",
    "lists.csv",
];

/// Mastodon's header of `following_accounts.csv`.
pub const FOLLOWING_HEADER: &str = "Account address,Show boosts,Notify on new posts,Languages";
/// Mastodon's header of `muted_accounts.csv` (`blocked_accounts.csv` has none).
pub const MUTED_HEADER: &str = "Account address,Hide notifications";

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

impl Camp {
    /// The host in campers' addresses (`name@host`): the public URL's host when set,
    /// else the host people reach over SSH.
    pub fn camp_host(&self) -> String {
        let c = self.config();
        if let Some(host) = c
            .public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string))
        {
            return host;
        }
        let hint = c.ssh_hint();
        let last = hint.split_whitespace().last().unwrap_or("localhost");
        last.rsplit('@').next().unwrap_or(last).to_string()
    }

    /// The origin ids in an export are written under.
    fn export_base(&self) -> String {
        match &self.config().public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("https://{}", self.camp_host()),
        }
    }

    /// A camper's address as Mastodon writes it: `name@camp-host` for campers,
    /// `user@host` for accounts elsewhere.
    pub(crate) fn address_of(&self, account: &Account) -> String {
        if account.is_remote() {
            account.username.clone()
        } else {
            format!("{}@{}", account.username, self.camp_host())
        }
    }

    /// `by`'s own data as a `.tar.gz` (see the module doc for what is in it).
    pub fn export_archive(&self, by: Id) -> Result<Vec<u8>> {
        let me = self.actor(by)?;
        // An archive reads everything the camper wrote: a loop of them must cost what
        // any other repeated write costs.
        self.check_action_rate(&me)?;
        let files = self.export_files(&me)?;
        let files: Vec<(&str, Vec<u8>)> = EXPORT_FILES.iter().copied().zip(files).collect();
        tar_gz(&files, now_ms() / 1000)
    }

    fn export_files(&self, me: &Account) -> Result<Vec<Vec<u8>>> {
        let pretty = |v: &Value| serde_json::to_vec_pretty(v).unwrap_or_default();
        Ok(vec![
            pretty(&self.actor_json(me)?),
            pretty(&self.outbox_json(me)?),
            self.following_csv(me)?.into_bytes(),
            self.blocked_csv(me)?.into_bytes(),
            self.muted_csv(me)?.into_bytes(),
            self.bookmarks_csv(me)?.into_bytes(),
            self.lists_csv(me)?.into_bytes(),
        ])
    }

    fn actor_url(&self, account: &Account) -> Result<String> {
        if account.is_remote()
            && let Some(actor) = self.store().remote_actor_of_shadow(account.id)?
        {
            return Ok(actor.id);
        }
        Ok(format!("{}/users/{}", self.export_base(), account.username))
    }

    /// The address of a post: its URL elsewhere for a copy of a remote post, else ours.
    fn post_url(&self, post: &Post) -> Result<String> {
        if let Some((url, _)) = self.store().remote_object_of_post(post.id)? {
            return Ok(url);
        }
        let author = self.author(post.author)?;
        Ok(format!(
            "{}/users/{}/posts/{}",
            self.export_base(),
            author.username,
            post.id
        ))
    }

    fn actor_json(&self, me: &Account) -> Result<Value> {
        let id = self.actor_url(me)?;
        let keys: Vec<Value> = self
            .store()
            .keys_of(me.id)?
            .into_iter()
            .map(|k| {
                json!({
                    "algorithm": k.algorithm,
                    "openssh": k.openssh,
                    "fingerprint": k.fingerprint,
                    "comment": k.comment,
                    "added": iso8601(k.added_ms),
                })
            })
            .collect();
        Ok(json!({
            "@context": ["https://www.w3.org/ns/activitystreams", {"camp": "urn:camp:export#"}],
            "id": id,
            "type": "Person",
            "preferredUsername": me.username,
            "name": me.display_name,
            "summary": html(&me.bio),
            "published": iso8601(me.created_ms),
            "outbox": "outbox.json",
            "followers": format!("{id}/followers"),
            "following": format!("{id}/following"),
            "camp:address": self.address_of(me),
            "camp:role": me.role.as_str(),
            "camp:sshKeys": keys,
        }))
    }

    fn outbox_json(&self, me: &Account) -> Result<Value> {
        let actor = self.actor_url(me)?;
        let mut ids = self.store().posts_by(me.id, None, usize::MAX)?;
        ids.reverse(); // oldest first, as Mastodon's archive lists them
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(post) = self.store().post(id)? else {
                continue;
            };
            if post.author != me.id {
                continue;
            }
            items.push(self.create_activity(&actor, &post)?);
        }
        Ok(json!({
            "@context": ["https://www.w3.org/ns/activitystreams", {"camp": "urn:camp:export#"}],
            "id": "outbox.json",
            "type": "OrderedCollection",
            "totalItems": items.len(),
            "orderedItems": items,
        }))
    }

    fn create_activity(&self, actor: &str, post: &Post) -> Result<Value> {
        let url = self.post_url(post)?;
        let (to, cc): (Vec<String>, Vec<String>) = match post.visibility {
            Visibility::Public => (vec![PUBLIC.into()], vec![format!("{actor}/followers")]),
            Visibility::Followers => (vec![format!("{actor}/followers")], vec![]),
            // Local-only: addressed to no one outside; `camp:visibility` says where it lived.
            Visibility::Camp => (vec![], vec![]),
            Visibility::Direct => {
                let mut to = Vec::new();
                for m in &post.mentions {
                    if let Some(a) = self.store().account(*m)? {
                        to.push(self.actor_url(&a)?);
                    }
                }
                (to, vec![])
            }
        };
        let parent = match post.reply_to {
            Some(p) => match self.store().post(p)? {
                Some(parent) => Some(self.post_url(&parent)?),
                None => None,
            },
            None => None,
        };
        let history: Vec<Value> = self
            .store()
            .versions(post.id)?
            .into_iter()
            .map(|v| {
                json!({
                    "content": html(&v.text),
                    "summary": v.cw,
                    "published": iso8601(v.written_ms),
                    "source": {"content": v.text, "mediaType": "text/plain"},
                })
            })
            .collect();
        let object = json!({
            "id": url,
            "type": "Note",
            "attributedTo": actor,
            "published": iso8601(post.created_ms),
            "updated": post.edited_ms.map(iso8601),
            "to": to,
            "cc": cc,
            "inReplyTo": parent,
            "summary": post.cw,
            "sensitive": post.cw.is_some(),
            "content": html(&post.text),
            "source": {"content": post.text, "mediaType": "text/plain"},
            "camp:id": post.id.to_string(),
            "camp:replyTo": post.reply_to.map(|p| p.to_string()),
            "camp:visibility": post.visibility.as_str(),
            "camp:history": history,
        });
        Ok(json!({
            "id": format!("{url}/activity"),
            "type": "Create",
            "actor": actor,
            "published": iso8601(post.created_ms),
            "to": object["to"],
            "cc": object["cc"],
            "object": object,
        }))
    }

    fn addresses(&self, ids: impl IntoIterator<Item = Id>) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for id in ids {
            if let Some(a) = self.store().account(id)? {
                out.push(self.address_of(&a));
            }
        }
        Ok(out)
    }

    fn following_csv(&self, me: &Account) -> Result<String> {
        let mut list = self.addresses(self.store().following_of(me.id)?)?;
        for f in self.store().remote_followings_of(me.id)? {
            if let Some(actor) = self.store().remote_actor(&f.actor)? {
                list.push(actor.handle());
            }
        }
        list.sort();
        list.dedup();
        let mut out = format!("{FOLLOWING_HEADER}\n");
        for a in list {
            out.push_str(&format!("{},true,false,\n", csv_field(&a)));
        }
        Ok(out)
    }

    fn blocked_csv(&self, me: &Account) -> Result<String> {
        let mut list = self.addresses(self.store().blocked_by(me.id)?)?;
        list.sort();
        Ok(list.iter().map(|a| format!("{}\n", csv_field(a))).collect())
    }

    fn muted_csv(&self, me: &Account) -> Result<String> {
        let now = now_ms();
        let active = self
            .store()
            .mutes_of(me.id)?
            .into_iter()
            .filter(|(_, m)| m.until_ms.is_none_or(|t| t > now))
            .map(|(id, _)| id);
        let mut list = self.addresses(active)?;
        list.sort();
        let mut out = format!("{MUTED_HEADER}\n");
        for a in list {
            // A camp mute silences notifications too.
            out.push_str(&format!("{},true\n", csv_field(&a)));
        }
        Ok(out)
    }

    /// Addresses only: a bookmark of someone else's post names it, never copies it.
    fn bookmarks_csv(&self, me: &Account) -> Result<String> {
        let mut out = String::new();
        for id in self.store().bookmarks(me.id)? {
            if let Some(p) = self.store().post(id)?
                && self.can_see(me, &p)?
            {
                out.push_str(&format!("{}\n", csv_field(&self.post_url(&p)?)));
            }
        }
        Ok(out)
    }
}

/// One CSV field, quoted when it must be (RFC 4180).
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// ISO 8601 UTC time of a millisecond timestamp.
fn iso8601(ms: Millis) -> String {
    let secs = ms / 1000 % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::text::date(ms),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Plain text as the HTML Mastodon's `content` holds: escaped, paragraphs and breaks.
fn html(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let esc = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let paras: Vec<String> = esc
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", p.replace('\n', "<br>")))
        .collect();
    paras.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_html_are_as_mastodon_writes_them() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_764_511_200_123), "2025-11-30T14:00:00Z");
        assert_eq!(
            html("a<b>\n\nc&d\ne"),
            "<p>a&lt;b&gt;</p><p>c&amp;d<br>e</p>"
        );
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("x\"y"), "\"x\"\"y\"");
    }
}
