//! A changed post re-checked against the reader's filters
//! ([`crate::camp::filters::live_edit`]): on the timelines a hide filter takes it
//! away and a warn filter folds it; on pages (threads, profiles, lists) it folds under
//! the phrase; a post no filter matches any more unfolds. The same as a reload shows.

use std::sync::Arc;

use crate::camp::PostView;
use crate::camp::filters::live_edit::{Match, Refiltered};
use crate::model::Id;
use crate::tui::Model;
use crate::tui::pages::Page;

/// The post changed and the reader's filters said `r` of it.
pub fn changed(model: &mut Model, view: &PostView, r: &Refiltered) {
    let id = view.post.id;
    crate::tui::actions::changed(model, view, false);
    for (tl, m) in [(&mut model.home, &r.home), (&mut model.camp, &r.camp)] {
        match m {
            Some(Match { hide: true, .. }) => tl.remove(id),
            m => fold(&mut tl.posts, id, m),
        }
    }
    for page in model.pages.iter_mut() {
        match page {
            Page::Thread(t) => {
                for (_, p) in t.items.iter_mut() {
                    fold(std::slice::from_mut(p), id, &r.threads);
                }
            }
            Page::Profile(p) => fold(&mut p.posts, id, &r.threads),
            Page::List(l) => {
                for row in l.rows.iter_mut() {
                    if let crate::tui::lists::Row::Post(p) = row {
                        fold(std::slice::from_mut(p), id, &r.home);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Folds every copy of `id` under the match's phrase, or unfolds it.
fn fold<'a>(posts: impl IntoIterator<Item = &'a mut Arc<PostView>>, id: Id, m: &Option<Match>) {
    let phrase = m.as_ref().map(|m| m.phrase.clone());
    for p in posts.into_iter().filter(|p| p.post.id == id) {
        if p.filtered != phrase {
            Arc::make_mut(p).filtered = phrase.clone();
        }
    }
}
