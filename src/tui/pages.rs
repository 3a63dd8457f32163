//! Screens stacked over the timelines. `Esc` pops the top page; the timelines stay
//! underneath with their place kept. Each page owns its keys and its rendering, so a
//! new screen is a new variant here plus its module.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::camp::NotificationView;
use crate::model::Id;
use crate::tui::input::{Input, Key};
use crate::tui::notifications::NotificationsPage;
use crate::tui::{Effect, Model};

/// A screen above the timelines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// Mentions, replies, follows, ... (`n`).
    Notifications(NotificationsPage),
}

impl Page {
    /// The title shown in the header.
    pub fn title(&self) -> &'static str {
        match self {
            Page::Notifications(_) => "Notifications",
        }
    }

    /// Keys for `?` on this page.
    pub fn help(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            Page::Notifications(_) => crate::tui::notifications::HELP.to_vec(),
        }
    }
}

/// Opens a page and returns what it needs loaded.
pub fn open(model: &mut Model, page: Page) -> Vec<Effect> {
    let effects = match &page {
        Page::Notifications(_) => vec![Effect::LoadNotifications { before: None }],
    };
    model.pages.push(page);
    effects
}

/// Keys while a page is on top. `Esc` (and `q`) go back one page.
pub fn on_input(model: &mut Model, input: Input) -> Vec<Effect> {
    if let Input::Key(k) = &input
        && !k.mods.ctrl
        && matches!(k.key, Key::Esc | Key::Char('q'))
    {
        model.pages.pop();
        return vec![];
    }
    match model.pages.last_mut() {
        Some(Page::Notifications(p)) => p.on_input(input),
        None => vec![],
    }
}

/// Draws the top page into `area`.
pub fn render(frame: &mut Frame, area: Rect, model: &mut Model) {
    let theme = model.theme;
    let now = model.now_ms;
    match model.pages.last_mut() {
        Some(Page::Notifications(p)) => p.render(frame, area, now, &theme),
        None => {}
    }
}

/// A page of notifications arrived.
pub fn notifications_loaded(
    model: &mut Model,
    before: Option<Id>,
    result: Result<Vec<NotificationView>, String>,
) -> Vec<Effect> {
    let mut effects = vec![];
    for page in model.pages.iter_mut() {
        #[allow(irrefutable_let_patterns)] // more pages will come
        if let Page::Notifications(p) = page {
            match &result {
                Ok(items) => {
                    if before.is_none()
                        && let Some(newest) = items.first()
                    {
                        effects.push(Effect::MarkNotificationsRead {
                            up_to: newest.notification.id,
                        });
                    }
                    p.loaded(before, items.iter().cloned().map(Arc::new).collect());
                }
                Err(e) => p.failed(e.clone()),
            }
        }
    }
    if !effects.is_empty() {
        model.unread = 0;
    }
    effects
}

/// A notification arrived live: an open Notifications page shows it at once (and it
/// counts as read).
pub fn notified(model: &mut Model, view: Arc<NotificationView>) -> Vec<Effect> {
    // More page kinds will join Notifications; keep the match.
    #[allow(clippy::unnecessary_find_map)]
    let open = model.pages.iter_mut().find_map(|p| match p {
        Page::Notifications(n) => Some(n),
    });
    match open {
        Some(page) => {
            let id = view.notification.id;
            page.insert_new(view);
            vec![Effect::MarkNotificationsRead { up_to: id }]
        }
        None => {
            model.unread = (model.unread + 1).min(crate::camp::UNREAD_CAP);
            vec![]
        }
    }
}
