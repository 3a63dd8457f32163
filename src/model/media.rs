//! Files attached to posts from elsewhere, as their servers described them. Kept beside
//! the post in a tree of their own (the post record itself never changes shape), so a
//! preview can be offered for images and the description shown for everything else.

use serde::{Deserialize, Serialize};

/// One attached file: sanitized description, where it is, and the media type its
/// server declared (a claim: a preview checks the bytes it gets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaAttachment {
    /// Sanitized description (alt text), or "attachment".
    pub alt: String,
    /// An http(s) URL.
    pub url: String,
    /// Declared media type, lower-case, without parameters ("" when none was given).
    pub media_type: String,
}

impl MediaAttachment {
    /// True when the server says it is an image camp can preview (PNG or JPEG).
    pub fn previewable(&self) -> bool {
        matches!(
            self.media_type.as_str(),
            "image/png" | "image/jpeg" | "image/jpg"
        )
    }
}

/// The attachments of one post from elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMedia {
    /// Its server marked the media sensitive: no preview until the camper reveals it.
    pub sensitive: bool,
    /// The files, in the order the post lists them.
    pub items: Vec<MediaAttachment>,
}
