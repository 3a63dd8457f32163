//! WebFinger, the client side: `user@host` to an actor URL (https, or http under
//! `--dev-federation`), the back-check of a remote actor's handle, and the parsing of
//! handles.

use serde_json::Value;

use super::fetcher::Fetcher;
use crate::error::{Error, Result};

// The handle grammar is camp's (the TUI and exec check handles too); the old names stay.
pub use crate::camp::{RemoteHandle as Handle, parse_remote_handle as parse_handle};

/// Finds the actor URL of a handle.
pub async fn lookup(fetcher: &Fetcher, handle: &Handle) -> Result<String> {
    let scheme = if fetcher.dev() { "http" } else { "https" };
    let url = format!(
        "{scheme}://{}/.well-known/webfinger?resource=acct:{}@{}",
        handle.host, handle.user, handle.host
    );
    let doc = fetcher.get_jrd(&url).await.map_err(|e| {
        Error::invalid(format!(
            "could not look up @{}@{}: {e}",
            handle.user, handle.host
        ))
    })?;
    self_link(&doc).ok_or_else(|| {
        Error::invalid(format!(
            "@{}@{} has no ActivityPub actor",
            handle.user, handle.host
        ))
    })
}

/// Checks a remote actor's handle with its server: WebFinger at the actor's host for
/// `acct:user@host` must point back at `actor_id`. An actor document can claim any
/// `preferredUsername`; without this check `@alice@host` could be an impostor
/// account on the same server (or a file uploaded to it). An actor that fails is
/// not stored: camp names remote accounts by their handle everywhere, so one it
/// cannot confirm is refused rather than shown under a name it cannot vouch for.
pub async fn confirm(fetcher: &Fetcher, user: &str, host: &str, actor_id: &str) -> Result<()> {
    let handle = Handle {
        user: user.to_string(),
        host: host.to_ascii_lowercase(),
    };
    let found = lookup(fetcher, &handle).await?;
    if found != actor_id {
        return Err(Error::invalid(format!(
            "@{user}@{host} is not {actor_id} according to its server"
        )));
    }
    Ok(())
}

/// The `self` link of a JRD that points at an ActivityPub actor.
pub fn self_link(doc: &Value) -> Option<String> {
    doc.get("links")?
        .as_array()?
        .iter()
        .take(64)
        .find(|l| {
            l.get("rel").and_then(Value::as_str) == Some("self")
                && l.get("type").and_then(Value::as_str).is_some_and(|t| {
                    t.starts_with("application/activity+json")
                        || t.starts_with("application/ld+json")
                })
        })
        .and_then(|l| l.get("href")?.as_str())
        .filter(|h| h.len() <= super::wire::MAX_URL)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn handles_parse() {
        assert_eq!(
            parse_handle("@alice@127.0.0.1:8090"),
            Some(Handle {
                user: "alice".into(),
                host: "127.0.0.1:8090".into()
            })
        );
        assert!(parse_handle("alice").is_none());
        assert!(parse_handle("@al ice@x").is_none());
        assert!(parse_handle("a@b/c").is_none());
    }

    #[test]
    fn self_link_is_found() {
        let jrd = json!({"subject": "acct:a@b", "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": "https://b/@a"},
            {"rel": "self", "type": "application/activity+json", "href": "https://b/users/a"}
        ]});
        assert_eq!(self_link(&jrd).as_deref(), Some("https://b/users/a"));
        assert_eq!(self_link(&json!({"links": []})), None);
    }
}
