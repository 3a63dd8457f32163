//! Inline previews of images attached to posts from elsewhere, for campers who turn
//! them on. The policy, in one place:
//! - nothing is fetched unless the viewer chose a preview mode ([`PreviewMode`], its
//!   own setting `preview/{account}`, off by default);
//! - only for a post the viewer may see (the same `can_see` as the post), never for one
//!   behind a content warning or marked sensitive until the viewer revealed it, and
//!   never from a server whose media the camp rejects: neither the image's host nor
//!   the post's origin (a post from a `reject_media` server whose picture sits on a
//!   CDN elsewhere is not previewed either);
//! - only for attachments declared PNG or JPEG, fetched through the bridge's guarded
//!   fetcher ([`Outside::fetch_media`]: SSRF guard, domain policy) with a byte cap
//!   ([`MAX_IMAGE_BYTES`]), then told by their magic bytes and checked for size before
//!   decoding ([`decode`]), on the blocking pool, a few at a time;
//! - thumbnails are kept in a bounded cache ([`cache`]); what the cache does not hold
//!   costs a fetch, and a camper gets at most [`FETCHES_PER_MINUTE`] of those (over all
//!   their sessions), so pressing `i` in a loop cannot make camp fetch without bound.
//!
//! camp only hands out pixels; turning them into cells or terminal graphics is the
//! screens' business, and no exec verb or line mode ever prints them.

pub mod cache;
pub mod decode;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::camp::Camp;
use crate::error::{Error, Result};
use crate::model::{Id, MediaAttachment, PostMedia};
pub use decode::Thumb;

/// Largest image fetched, in bytes.
pub const MAX_IMAGE_BYTES: usize = 4 << 20;
/// Attachments kept per post.
pub const MAX_ATTACHMENTS: usize = 8;
/// Decodes running at once (each may hold a full-size frame for a moment).
const DECODERS: usize = 2;
/// Fetches (cache misses) one camper may cause per minute.
pub const FETCHES_PER_MINUTE: usize = 20;

/// How (and whether) a camper's terminal draws image previews. Stored as one byte
/// (`preview/{account}`); a byte this build does not know reads as [`PreviewMode::Off`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PreviewMode {
    /// No previews, nothing fetched (the default).
    #[default]
    Off,
    /// Coloured half-blocks (`▀`) in ordinary cells: works in every colour terminal.
    HalfBlock,
    /// What the terminal was found to draw (kitty graphics or sixel), half-blocks
    /// otherwise.
    Auto,
    /// The kitty graphics protocol (kitty, WezTerm, Ghostty, Konsole).
    Kitty,
    /// Sixel graphics (foot, mlterm, WezTerm, xterm with sixel, Windows Terminal).
    Sixel,
}

impl PreviewMode {
    /// Every mode, in the order Settings cycles through them.
    pub const ALL: [PreviewMode; 5] = [
        PreviewMode::Off,
        PreviewMode::HalfBlock,
        PreviewMode::Auto,
        PreviewMode::Kitty,
        PreviewMode::Sixel,
    ];

    /// The name used in commands and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PreviewMode::Off => "off",
            PreviewMode::HalfBlock => "half-block",
            PreviewMode::Auto => "auto",
            PreviewMode::Kitty => "kitty",
            PreviewMode::Sixel => "sixel",
        }
    }

    /// Parses a name from [`PreviewMode::as_str`].
    pub fn parse(s: &str) -> Option<PreviewMode> {
        PreviewMode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The next mode (Settings cycles with Enter).
    pub fn next(self) -> PreviewMode {
        let i = PreviewMode::ALL
            .iter()
            .position(|m| *m == self)
            .unwrap_or(0);
        PreviewMode::ALL[(i + 1) % PreviewMode::ALL.len()]
    }

    /// The stored byte. Existing codes never change meaning (0 and 1 were the first).
    fn code(self) -> u8 {
        match self {
            PreviewMode::Off => 0,
            PreviewMode::HalfBlock => 1,
            PreviewMode::Kitty => 2,
            PreviewMode::Sixel => 3,
            PreviewMode::Auto => 4,
        }
    }

    fn from_code(c: u8) -> PreviewMode {
        match c {
            1 => PreviewMode::HalfBlock,
            2 => PreviewMode::Kitty,
            3 => PreviewMode::Sixel,
            4 => PreviewMode::Auto,
            _ => PreviewMode::Off,
        }
    }
}

/// The previews' shared state: made thumbnails and the decoders' turns.
pub struct Previews {
    cache: cache::ThumbCache,
    decoders: tokio::sync::Semaphore,
    /// Fetches per camper (cache hits are free).
    fetches: crate::camp::floods::RateWindow<Id>,
}

impl Default for Previews {
    fn default() -> Self {
        Previews {
            cache: cache::ThumbCache::default(),
            decoders: tokio::sync::Semaphore::new(DECODERS),
            fetches: crate::camp::floods::RateWindow::new(
                FETCHES_PER_MINUTE,
                std::time::Duration::from_secs(60),
            ),
        }
    }
}

fn key(account: Id) -> String {
    format!("preview/{account}")
}

/// A declared media type as kept: lower-case essence, printable, bounded.
fn clean_media_type(s: &str) -> String {
    let t = s
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let ok = t.len() <= 100
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/+-._".contains(&b));
    if ok { t } else { String::new() }
}

fn clean_url(s: &str) -> Option<String> {
    let u = url::Url::parse(s).ok()?;
    (matches!(u.scheme(), "https" | "http") && s.len() <= 2048 && u.host_str().is_some())
        .then(|| u.to_string())
}

impl Camp {
    /// The preview mode `account` chose.
    pub fn preview_mode(&self, account: Id) -> Result<PreviewMode> {
        Ok(self
            .store()
            .setting::<u8>(&key(account))?
            .map(PreviewMode::from_code)
            .unwrap_or_default())
    }

    /// Sets `by`'s preview mode (a settings change: rate limited).
    pub fn set_preview_mode(&self, by: Id, mode: PreviewMode) -> Result<()> {
        let me = self.actor(by)?;
        self.check_action_rate(&me)?;
        if mode == PreviewMode::Off {
            self.store().remove_setting(&key(me.id))?;
        } else {
            self.store().put_setting(&key(me.id), &mode.code())?;
        }
        self.store().flush()
    }

    /// Keeps what a post from elsewhere has attached (the bridge calls this after the
    /// post is stored). Entries without a usable http(s) URL are dropped; descriptions
    /// are sanitized to one line; at most [`MAX_ATTACHMENTS`].
    pub fn set_remote_media(&self, post: Id, media: PostMedia) -> Result<()> {
        let p = self
            .store()
            .post(post)?
            .ok_or_else(|| Error::not_found(format!("there is no post {post}")))?;
        let remote = self
            .store()
            .account(p.author)?
            .is_some_and(|a| a.is_remote());
        if !remote {
            return Err(Error::invalid(
                "only posts from elsewhere carry attachments",
            ));
        }
        let items = media
            .items
            .into_iter()
            .filter_map(|a| {
                let alt: String = crate::text::sanitize_line(&a.alt)
                    .chars()
                    .take(1500)
                    .collect();
                Some(MediaAttachment {
                    alt: if alt.trim().is_empty() {
                        "attachment".into()
                    } else {
                        alt
                    },
                    url: clean_url(&a.url)?,
                    media_type: clean_media_type(&a.media_type),
                })
            })
            .take(MAX_ATTACHMENTS)
            .collect();
        self.store().put_post_media(
            post,
            &PostMedia {
                sensitive: media.sensitive,
                items,
            },
        )
    }

    /// The attachments of a post `viewer` may see (none for a post without any).
    pub fn attachments(&self, viewer: Id, post: Id) -> Result<PostMedia> {
        // `post` checks that the viewer may see it, with the same answer as a missing post.
        self.post(viewer, post)?;
        Ok(self.store().post_media(post)?.unwrap_or_default())
    }

    /// The thumbnail of attachment `index` (from 0) of `post`, for `viewer`, who has
    /// `revealed` the post (opened its content warning or sensitive media) or not.
    /// Fetched, decoded and cached on first use; see the module doc for every refusal.
    pub async fn preview(
        &self,
        viewer: Id,
        post: Id,
        index: usize,
        revealed: bool,
    ) -> Result<Arc<Thumb>> {
        let camp = self.clone();
        let item =
            tokio::task::spawn_blocking(move || camp.preview_target(viewer, post, index, revealed))
                .await
                .map_err(|e| Error::invalid(format!("preview failed: {e}")))??;
        let previews = &self.inner.previews;
        if let Some(known) = previews.cache.get(&item.url) {
            return known.map_err(Error::invalid);
        }
        if !previews.fetches.allow(&viewer, std::time::Instant::now()) {
            return Err(Error::RateLimited(format!(
                "slow down: at most {FETCHES_PER_MINUTE} new images a minute; those seen already still show"
            )));
        }
        let outside = self.require_outside()?;
        // A failed fetch may be passing trouble and is not kept; a decoded (or
        // undecodable) image is.
        let bytes = outside
            .fetch_media(item.url.clone(), MAX_IMAGE_BYTES)
            .await
            .map_err(|e| Error::invalid(format!("the image could not be fetched: {e}")))?;
        let outcome = decode_on_pool(previews, bytes).await?;
        previews.cache.put(&item.url, outcome.clone());
        outcome.map_err(Error::invalid)
    }

    /// Which attachment a preview would show, after every check that needs the store.
    fn preview_target(
        &self,
        viewer: Id,
        post: Id,
        index: usize,
        revealed: bool,
    ) -> Result<MediaAttachment> {
        if self.preview_mode(viewer)? == PreviewMode::Off {
            return Err(Error::invalid(
                "image previews are off: turn them on in Settings or with `preview half-block`",
            ));
        }
        let view = self.post(viewer, post)?;
        let media = self.store().post_media(post)?.unwrap_or_default();
        if (view.post.cw.is_some() || media.sensitive) && !revealed {
            return Err(Error::invalid(
                "this post is behind a content warning: reveal it first",
            ));
        }
        let item = media.items.get(index).cloned().ok_or_else(|| {
            Error::not_found(format!("post {post} has no attachment {}", index + 1))
        })?;
        if !item.previewable() {
            return Err(Error::invalid(format!(
                "{} is not an image camp can preview (PNG or JPEG)",
                if item.media_type.is_empty() {
                    "this attachment"
                } else {
                    &item.media_type
                }
            )));
        }
        let host = url::Url::parse(&item.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        // The post's origin counts as much as where its picture sits.
        let origin = self
            .store()
            .remote_actor_of_shadow(view.post.author)?
            .map(|a| a.host);
        let rejected = |h: &str| self.domain_policy(h).map(|p| p.reject_media);
        if rejected(&host)? || origin.as_deref().map(rejected).transpose()? == Some(true) {
            return Err(Error::invalid(
                "this camp does not take media from that server",
            ));
        }
        Ok(item)
    }
}

/// Decodes on the blocking pool, a few at a time; the error is the sentence a camper
/// reads.
async fn decode_on_pool(previews: &Previews, bytes: Vec<u8>) -> Result<cache::Outcome> {
    let _turn = previews
        .decoders
        .acquire()
        .await
        .map_err(|_| Error::invalid("shutting down"))?;
    let decoded = tokio::task::spawn_blocking(move || decode::decode(&bytes))
        .await
        .map_err(|e| Error::invalid(format!("preview failed: {e}")))?;
    Ok(decoded.map(Arc::new).map_err(|e| e.to_string()))
}
