//! The attachments of posts from elsewhere ([`PostMedia`]), in their own tree keyed by
//! post id, so the post record keeps its shape. Removed with the post.

use super::Store;
use super::codec::{decode, encode, id_key};
use super::gate::Tree;
use crate::error::Result;
use crate::model::{Id, PostMedia};

const TREE: &str = "post_media";

impl Store {
    fn media_tree(&self) -> Result<Tree> {
        Ok(self.db.open_tree(TREE)?)
    }

    /// Keeps (or, when empty, forgets) the attachments of `post`.
    pub fn put_post_media(&self, post: Id, media: &PostMedia) -> Result<()> {
        let tree = self.media_tree()?;
        if media.items.is_empty() {
            tree.remove(id_key(post))?;
        } else {
            tree.insert(id_key(post), encode(media)?)?;
        }
        Ok(())
    }

    /// The attachments of `post`, if it has any.
    pub fn post_media(&self, post: Id) -> Result<Option<PostMedia>> {
        self.media_tree()?
            .get(id_key(post))?
            .map(|b| decode(&b))
            .transpose()
    }

    /// Forgets the attachments of a deleted post.
    pub fn remove_post_media(&self, post: Id) -> Result<()> {
        self.media_tree()?.remove(id_key(post))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MediaAttachment;

    #[test]
    fn media_round_trips_and_goes() {
        let store = Store::temporary().unwrap();
        assert_eq!(store.post_media(7).unwrap(), None);
        let m = PostMedia {
            sensitive: true,
            items: vec![MediaAttachment {
                alt: "a cat".into(),
                url: "https://x.example/c.png".into(),
                media_type: "image/png".into(),
            }],
        };
        store.put_post_media(7, &m).unwrap();
        assert_eq!(store.post_media(7).unwrap(), Some(m));
        store.remove_post_media(7).unwrap();
        assert_eq!(store.post_media(7).unwrap(), None);
    }

    #[test]
    fn a_departing_account_takes_its_preview_setting_along() {
        let store = Store::temporary().unwrap();
        store.put_setting("preview/9", &1u8).unwrap();
        store.put_setting("preview/10", &1u8).unwrap();
        store.purge_account(9).unwrap();
        assert_eq!(store.setting::<u8>("preview/9").unwrap(), None);
        assert_eq!(store.setting::<u8>("preview/10").unwrap(), Some(1));
    }
}
