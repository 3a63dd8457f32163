//! What the post keys do, on every screen that lists posts (timelines, a thread, a
//! profile): open the thread, reply, favourite, boost, bookmark, edit, delete, open the
//! author's profile. Also keeps every copy of a post current when it changes.

use std::sync::Arc;

use crate::camp::{PostView, Reaction};
use crate::model::Id;
use crate::tui::compose::Composer;
use crate::tui::input::{Input, Key};
use crate::tui::pages::{self, Page};
use crate::tui::profile::ProfilePage;
use crate::tui::thread::ThreadPage;
use crate::tui::{Effect, Model};

/// True for the keys [`on_post_key`] handles.
pub fn is_post_key(key: Key) -> bool {
    matches!(
        key,
        Key::Enter
            | Key::Char('r')
            | Key::Char('f')
            | Key::Char('b')
            | Key::Char('B')
            | Key::Char('e')
            | Key::Char('d')
            | Key::Char('p')
            | Key::Char('h')
            | Key::Char('v')
            | Key::Char('!')
            | Key::Char('o')
            | Key::Char('y')
    )
}

/// Acts on `post` for a post key.
pub fn on_post_key(model: &mut Model, key: Key, post: &Arc<PostView>) -> Vec<Effect> {
    let Some(me) = model.me.clone() else {
        return vec![];
    };
    let id = post.post.id;
    let react = |reaction| vec![Effect::React { post: id, reaction }];
    match key {
        Key::Enter => pages::open(model, Page::Thread(ThreadPage::new(id))),
        Key::Char('r') => {
            model.composer = Some(Composer::reply(
                model.info.max_post_chars,
                post,
                &me.username,
            ));
            vec![]
        }
        Key::Char('!') => {
            let about = format!("@{}: {}", post.author.username, post.post.text);
            let target = crate::camp::ReportTarget::Post(id);
            pages::open(
                model,
                Page::Report(crate::tui::moderation::ReportPage::new(target, about)),
            )
        }
        Key::Char('o') => crate::tui::link_picker::open(model, post),
        Key::Char('y') => crate::tui::link_picker::copy_post(model, post),
        Key::Char('f') => react(Reaction::Favourite),
        Key::Char('v') => crate::tui::poll::start(model, post),
        Key::Char('b') => react(Reaction::Boost),
        Key::Char('B') => react(Reaction::Bookmark),
        Key::Char('e') => {
            if post.post.author == me.id {
                model.composer = Some(Composer::edit(model.info.max_post_chars, post));
            } else {
                model.flash("only the author can edit this post", true);
            }
            vec![]
        }
        Key::Char('d') => {
            if post.post.author == me.id || me.role.can_moderate() {
                model.confirm_delete = Some(id);
                model.flash("Delete this post? y = delete, any other key = keep", true);
            } else {
                model.flash("only the author or a moderator can delete this post", true);
            }
            vec![]
        }
        Key::Char('h') => {
            if post.post.edited_ms.is_some() {
                pages::open(
                    model,
                    Page::List(crate::tui::lists::ListPage::new(
                        crate::tui::lists::ListKind::Versions(id),
                    )),
                )
            } else {
                model.flash("this post was never edited", true);
                vec![]
            }
        }
        Key::Char('p') => {
            let name = post.author.username.clone();
            pages::open(model, Page::Profile(ProfilePage::new(name)))
        }
        _ => vec![],
    }
}

/// The answer to "delete this post?".
pub fn confirm_delete(model: &mut Model, input: Input) -> Vec<Effect> {
    let id = model.confirm_delete.take();
    model.flash = None;
    match (input, id) {
        (Input::Key(k), Some(id)) if matches!(k.key, Key::Char('y') | Key::Char('Y')) => {
            vec![Effect::DeletePost(id)]
        }
        _ => vec![],
    }
}

/// Opens or closes a content warning, or a post a warn filter folded.
pub fn toggle_cw(model: &mut Model, post: &PostView) {
    if post.post.cw.is_some() || post.filtered.is_some() {
        model.expanded.toggle(post.post.id);
    }
}

/// A post changed: every copy on every screen shows the new text and counts; `mine`
/// when the change came from this reader (so their own marks change too).
pub fn changed(model: &mut Model, view: &PostView, mine: bool) {
    model.home.refresh(view, mine);
    model.camp.refresh(view, mine);
    pages::refresh_post(model, view, mine);
}

/// A post was deleted: it leaves every screen.
pub fn deleted(model: &mut Model, id: Id) {
    model.home.remove(id);
    model.camp.remove(id);
    pages::remove_post(model, id);
}

/// The service answered a favourite, boost or bookmark.
pub fn reacted(
    model: &mut Model,
    reaction: Reaction,
    result: Result<PostView, String>,
) -> Vec<Effect> {
    match result {
        Ok(view) => {
            changed(model, &view, true);
            let m = view.mine;
            let text = match reaction {
                Reaction::Favourite if m.favourited => "Favourited.",
                Reaction::Favourite => "Favourite removed.",
                Reaction::Boost if m.boosted => "Boosted.",
                Reaction::Boost => "Boost removed.",
                Reaction::Bookmark if m.bookmarked => "Bookmarked.",
                Reaction::Bookmark => "Bookmark removed.",
            };
            model.flash(text, false);
        }
        Err(e) => model.flash(e, true),
    }
    vec![]
}
