//! Filters on a live edit: a post already on a reader's screen that is edited (here,
//! or by an `Update` from elsewhere) may now match a filter, or no longer match one.
//! The screen must then fold, hide or unfold it as a reload would; this says how, per
//! context, for one reader. Asked by the session for each changed post the reader may
//! see; a reader without filters (most) costs one settings read.

use crate::camp::Camp;
use crate::camp::filters::{FilterContext, FilterSet, Verdict};
use crate::model::{Id, Post};

/// What one context's filters make of a changed post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// A hide filter matched: leave it out where the context hides.
    pub hide: bool,
    /// The phrase it folds under where it is still shown (a thread's own post).
    pub phrase: String,
}

/// A reader's filters on a changed post, per context (None: nothing matches).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refiltered {
    /// The home timeline (and lists, which follow it).
    pub home: Option<Match>,
    /// The camp timeline.
    pub camp: Option<Match>,
    /// Threads and profiles.
    pub threads: Option<Match>,
}

impl Refiltered {
    pub(crate) fn of(filters: &FilterSet, post: &Post) -> Refiltered {
        let one = |context| {
            let phrase = filters.first_match(post, context)?;
            Some(Match {
                hide: filters.verdict(post, context) == Verdict::Hide,
                phrase,
            })
        };
        Refiltered {
            home: one(FilterContext::Home),
            camp: one(FilterContext::Camp),
            threads: one(FilterContext::Threads),
        }
    }
}

impl Camp {
    /// How `viewer`'s filters take the changed `post`, or None when nothing needs
    /// looking at again: a post never edited (only its counts change) or a reader
    /// without filters.
    pub fn refilter_change(&self, viewer: Id, post: &Post) -> Option<Refiltered> {
        post.edited_ms?;
        let filters = self.filter_set(viewer).ok()?;
        if filters.is_empty() {
            return None;
        }
        Some(Refiltered::of(&filters, post))
    }
}
