//! What the service tells live sessions after a committed write. Events are hints: a
//! session that lags behind reloads from the store, which is the truth.

use std::sync::Arc;

use crate::camp::PostView;
use crate::model::{Id, Notification};

/// Something changed in the camp.
#[derive(Debug, Clone)]
pub enum CampEvent {
    /// A post was written; it is already committed and flushed.
    Posted(Arc<NewPost>),
    /// An account's record changed (role, suspension, profile).
    AccountChanged(Id),
    /// An account got a notification (already stored).
    Notified(Arc<Notification>),
    /// A post's text or counts changed (edit, favourite, boost); the view carries no
    /// reader's own state, and no reply count (it depends on which replies a reader
    /// may see, so each screen keeps its own).
    PostChanged(Arc<PostView>),
    /// A post was deleted.
    PostDeleted(Id),
}

/// A new post with the audiences it was filed under, so a session can place it
/// without asking the store.
#[derive(Debug)]
pub struct NewPost {
    /// The post as readers see it (shared by every session that shows it).
    pub view: Arc<PostView>,
    /// Whether it is on the camp timeline.
    pub on_camp: bool,
    /// Accounts whose home timeline it joins.
    pub home_owners: Vec<Id>,
}

impl NewPost {
    /// True when it belongs on `account`'s home timeline.
    pub fn in_home_of(&self, account: Id) -> bool {
        self.home_owners.contains(&account)
    }

    /// The account that brought it to its readers: the booster of a boost, else its
    /// author (whose place in an exclusive list takes it off Home).
    pub fn brought_by(&self) -> Id {
        self.view
            .boosted_by
            .as_ref()
            .map_or(self.view.post.author, |b| b.id)
    }
}
