//! Who a new post reaches, decided once in the service for the TUI, exec and the bridge
//! alike. Two rules live here:
//!
//! - **A reply is never wider than its parent.** Without an explicit visibility a reply
//!   takes its parent's; a direct reply to a direct post goes to the same people plus
//!   the parent's author; a followers-only parent allows followers or direct, a camp
//!   parent camp or direct, a public parent anything.
//! - **A handle with a host is never a local camper** unless the host is this camp's
//!   own: `@dee@mastodon.example` must not reach the local `dee`, or a direct post
//!   meant for someone elsewhere is read by a stranger here.
//!
//! Refusals name what is allowed, and never depend on who blocked whom, so an author
//! learns nothing about blocks from them.

use crate::camp::Camp;
use crate::error::{Error, Result};
use crate::model::*;

/// One `@name` or `@name@host` written in a text, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle {
    /// The name part.
    pub name: String,
    /// The server part, when one was written (`host` or `host:port`).
    pub host: Option<String>,
}

impl Handle {
    /// The handle as written, without the leading `@`.
    pub fn as_text(&self) -> String {
        match &self.host {
            Some(h) => format!("{}@{h}", self.name),
            None => self.name.clone(),
        }
    }
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_')
}

/// The `@name` and `@name@host` handles a text mentions, lower-cased, without
/// duplicates, in order. A sigil must start a word (`a@b.c` is no mention).
pub fn mentioned_handles(text: &str) -> Vec<Handle> {
    let mut out: Vec<Handle> = Vec::new();
    let mut prev: Option<char> = None;
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        let starts = i >= skip_to && c == '@' && !prev.is_some_and(name_char);
        prev = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[i + 1..];
        // Names elsewhere may hold `.` and `-` (`@dee.x@host`): read them whole, or the
        // name would stop at `dee` and mention the camper `dee` here.
        let run = rest
            .find(|ch: char| !(name_char(ch) || matches!(ch, '.' | '-')))
            .unwrap_or(rest.len());
        let len = if rest[run..].starts_with('@') {
            run
        } else {
            // No host follows: a sentence may end right after the name ("hi @dee.").
            rest[..run].trim_end_matches(['.', '-']).len()
        };
        let name = rest[..len].to_lowercase();
        if name.is_empty() || name.len() > crate::camp::onboarding::MAX_USERNAME {
            continue;
        }
        let mut end = i + 1 + len;
        let mut host = None;
        if let Some(after) = rest[len..].strip_prefix('@') {
            let hlen = after.find(|ch: char| !host_char(ch)).unwrap_or(after.len());
            // A sentence may end right after a handle: "ask @dee@example.org."
            let h = after[..hlen].trim_end_matches(['.', '-', ':']);
            if !h.is_empty() {
                host = Some(h.to_ascii_lowercase());
                end += 1 + h.len();
            }
        }
        skip_to = end;
        let handle = Handle { name, host };
        if !out.contains(&handle) {
            out.push(handle);
        }
    }
    out
}

/// What the handles of a new post reach here.
#[derive(Debug, Default)]
pub(crate) struct Reach {
    /// Local accounts mentioned (not the author, not anyone who blocked the author).
    pub local: Vec<Id>,
    /// Every local account mentioned but the author, blockers too: a refusal that
    /// depends on who is mentioned must look here, or it would tell who blocked whom.
    pub named: Vec<Id>,
    /// Handles on other servers, as written.
    pub remote: Vec<String>,
}

/// Which visibilities a reply to a post of `parent` visibility may have, widest first.
fn allowed_for_reply(parent: Visibility) -> &'static [Visibility] {
    use Visibility::*;
    match parent {
        Public => &[Public, Camp, Followers, Direct],
        Camp => &[Camp, Direct],
        Followers => &[Followers, Direct],
        Direct => &[Direct],
    }
}

fn or_list(v: &[Visibility]) -> String {
    let names: Vec<&str> = v.iter().map(|v| v.as_str()).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl Camp {
    /// This camp's own `host[:port]` in handles, when it has one (the public URL, or
    /// the running bridge's origin).
    pub(crate) fn own_host(&self) -> Option<String> {
        if let Some(o) = self.outside() {
            return Some(o.own_host().to_ascii_lowercase());
        }
        let url = url::Url::parse(self.config().public_url.as_deref()?).ok()?;
        let host = url.host_str()?.to_ascii_lowercase();
        Some(match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        })
    }

    /// True when a handle names an account of this camp.
    fn is_local_handle(&self, handle: &Handle, own: Option<&str>) -> bool {
        match &handle.host {
            None => true,
            Some(h) => own.is_some_and(|own| {
                own == h || own.split_once(':').is_some_and(|(name, _)| name == h)
            }),
        }
    }

    /// Resolves the handles of `text` written by `author`. Someone who blocked the
    /// author is not reached (nor told), exactly like a name nobody has.
    pub(crate) fn reach_of(&self, author: &Account, text: &str) -> Result<Reach> {
        let own = self.own_host();
        let mut reach = Reach::default();
        for handle in mentioned_handles(text) {
            if !self.is_local_handle(&handle, own.as_deref()) {
                reach.remote.push(handle.as_text());
                continue;
            }
            let Some(a) = self
                .store()
                .account_by_name(&handle.name)?
                .filter(|a| !a.is_remote() && a.id != author.id)
            else {
                continue;
            };
            if !reach.named.contains(&a.id) {
                reach.named.push(a.id);
            }
            if !self.store().blocks(a.id, author.id)? && !reach.local.contains(&a.id) {
                reach.local.push(a.id);
            }
        }
        Ok(reach)
    }

    /// What a parent's visibility means for its replies: a remote post kept as a
    /// followers-only copy whose author made it public counts as public.
    fn reach_of_parent(&self, parent: &Post) -> Result<Visibility> {
        if parent.visibility == Visibility::Followers && self.store().remote_public(parent.id)? {
            return Ok(Visibility::Public);
        }
        Ok(parent.visibility)
    }

    /// The visibility of a reply to `parent`: the one asked for if the rule allows it,
    /// else [`Visibility::reply_default`] of the parent's. Refuses a wider one with what is allowed.
    pub(crate) fn reply_visibility(
        &self,
        parent: &Post,
        asked: Option<Visibility>,
    ) -> Result<Visibility> {
        let Some(asked) = asked else {
            return Ok(parent.visibility.reply_default());
        };
        let allowed = allowed_for_reply(self.reach_of_parent(parent)?);
        if allowed.contains(&asked) {
            return Ok(asked);
        }
        Err(Error::invalid(format!(
            "a reply to a {} post can be {}, never wider",
            parent.visibility.as_str(),
            or_list(allowed)
        )))
    }

    /// Who a direct reply to the direct post `parent` goes to: the parent's people and
    /// its author, less the replier and anyone who blocked them. Mentioning someone
    /// else is refused rather than silently widening or dropping them.
    pub(crate) fn direct_reply_audience(
        &self,
        author: &Account,
        parent: &Post,
        reach: &Reach,
    ) -> Result<Vec<Id>> {
        let mut people: Vec<Id> = parent.mentions.clone();
        people.push(parent.author);
        people.dedup();
        // Judged on everyone named, blockers too, so the answer never says who blocked.
        if let Some(outsider) = reach.named.iter().find(|id| !people.contains(id)) {
            let name = self
                .store()
                .account(*outsider)?
                .map(|a| a.username)
                .unwrap_or_default();
            return Err(Error::invalid(format!(
                "a reply to a direct post stays with its people: @{name} is not in this conversation"
            )));
        }
        if let Some(handle) = reach.remote.first() {
            return Err(Error::invalid(format!(
                "a reply to a direct post stays with its people: @{handle} is not in this conversation"
            )));
        }
        let mut out = Vec::new();
        for id in people {
            if id != author.id && !self.store().blocks(id, author.id)? && !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The refusal for a direct post that reaches nobody here. It reads the same
    /// whether a name is unknown or its owner blocked the author.
    pub(crate) fn unreachable_direct(&self, reach: &Reach) -> Error {
        match reach.remote.first() {
            Some(handle) => Error::invalid(format!(
                "@{handle} is on another server and this camp does not federate: a direct post can only go to campers here"
            )),
            None => Error::invalid(
                "a direct post needs someone here to go to: mention a camper with @name",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &str, host: Option<&str>) -> Handle {
        Handle {
            name: name.into(),
            host: host.map(str::to_string),
        }
    }

    #[test]
    fn handles_keep_their_host() {
        assert_eq!(
            mentioned_handles("hi @Dee@Mastodon.Example. and @bo, not a@b.c; @cy@ @dee"),
            vec![
                h("dee", Some("mastodon.example")),
                h("bo", None),
                h("cy", None),
                h("dee", None),
            ]
        );
        assert_eq!(
            mentioned_handles("@ann@127.0.0.1:8080 @ann@127.0.0.1:8080"),
            vec![h("ann", Some("127.0.0.1:8080"))]
        );
        // The host's own `@` starts no second mention.
        assert_eq!(mentioned_handles("@a@b@c"), vec![h("a", Some("b"))]);
        // A name elsewhere with `.` or `-` stays whole, never the camper `dee` here.
        assert_eq!(
            mentioned_handles("@dee.x@pleroma.example and @dee-y@other.example"),
            vec![
                h("dee.x", Some("pleroma.example")),
                h("dee-y", Some("other.example"))
            ]
        );
        assert_eq!(mentioned_handles("hi @dee."), vec![h("dee", None)]);
        assert_eq!(
            mentioned_handles("@dee.x is no camper"),
            vec![h("dee.x", None)]
        );
    }

    #[test]
    fn replies_allow_only_as_wide_as_the_parent() {
        use Visibility::*;
        assert_eq!(allowed_for_reply(Direct), &[Direct]);
        assert_eq!(or_list(allowed_for_reply(Followers)), "followers or direct");
        assert_eq!(
            or_list(allowed_for_reply(Public)),
            "public, camp, followers or direct"
        );
    }

    #[test]
    fn a_reply_left_unnamed_never_leaves_the_camp_by_itself() {
        use Visibility::*;
        assert_eq!(Public.reply_default(), Camp, "nothing goes out unasked");
        for v in [Camp, Followers, Direct] {
            assert_eq!(v.reply_default(), v, "{v:?} keeps its parent's audience");
        }
    }
}
