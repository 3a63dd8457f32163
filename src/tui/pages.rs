//! Screens stacked over the timelines. `Esc` pops the top page; the timelines stay
//! underneath with their place kept. Each page owns its keys and its rendering, so a
//! new screen is a new variant here plus its module.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::camp::NotificationView;
use crate::model::Id;
use crate::tui::input::{Input, Key};
use crate::tui::moderation::{ModData, ModerationPage, ReportPage, Tab};
use crate::tui::notifications::NotificationsPage;
use crate::tui::{Effect, Model};

/// A screen above the timelines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// Mentions, replies, follows, ... (`n`).
    Notifications(NotificationsPage),
    /// Reports, accounts, invites, domains, code of conduct, audit log (`M`).
    Moderation(ModerationPage),
    /// Reporting a post (`!`).
    Report(ReportPage),
}

impl Page {
    /// The title shown in the header.
    pub fn title(&self) -> &'static str {
        match self {
            Page::Notifications(_) => "Notifications",
            Page::Moderation(_) => "Moderation",
            Page::Report(_) => "Report",
        }
    }

    /// The key hint in the footer.
    pub fn footer(&self) -> &'static str {
        match self {
            Page::Moderation(p) if p.coc_editor.is_some() => "Ctrl-S save · Esc cancel",
            Page::Moderation(p) if p.prompt.is_some() => "Enter confirm · Esc cancel",
            Page::Report(_) => "Enter send · Esc cancel",
            _ => "j/k move · Esc back · ? help",
        }
    }

    /// Keys for `?` on this page.
    pub fn help(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            Page::Notifications(_) => crate::tui::notifications::HELP.to_vec(),
            Page::Moderation(_) => crate::tui::moderation::HELP.to_vec(),
            Page::Report(_) => crate::tui::moderation::REPORT_HELP.to_vec(),
        }
    }
}

/// Opens a page and returns what it needs loaded.
pub fn open(model: &mut Model, page: Page) -> Vec<Effect> {
    let mut page = page;
    let effects = match &mut page {
        Page::Notifications(_) => vec![Effect::LoadNotifications { before: None }],
        Page::Moderation(p) => vec![p.load()],
        Page::Report(_) => vec![],
    };
    model.pages.push(page);
    effects
}

/// Keys while a page is on top. `Esc` (and `q`) go back one page.
pub fn on_input(model: &mut Model, input: Input) -> Vec<Effect> {
    // Pages with a text field keep their keys: Esc cancels a prompt, q is a letter.
    let (esc_pops, q_pops) = match model.pages.last() {
        Some(Page::Moderation(p)) => (!p.captures_keys(), !p.captures_keys()),
        Some(Page::Report(_)) => (true, false),
        _ => (true, true),
    };
    if let Input::Key(k) = &input
        && !k.mods.ctrl
        && ((k.key == Key::Esc && esc_pops) || (k.key == Key::Char('q') && q_pops))
    {
        model.pages.pop();
        return vec![];
    }
    if let Input::Key(k) = &input
        && k.key == Key::Char('?')
        && q_pops
    {
        model.help = true;
        return vec![];
    }
    match model.pages.last_mut() {
        Some(Page::Notifications(p)) => p.on_input(input),
        Some(Page::Moderation(p)) => p.on_input(input),
        Some(Page::Report(p)) => p.on_input(input),
        None => vec![],
    }
}

/// Draws the top page into `area`.
pub fn render(frame: &mut Frame, area: Rect, model: &mut Model) {
    let theme = model.theme;
    let now = model.now_ms;
    match model.pages.last_mut() {
        Some(Page::Notifications(p)) => p.render(frame, area, now, &theme),
        Some(Page::Moderation(p)) => p.render(frame, area, now, &theme),
        Some(Page::Report(p)) => p.render(frame, area, &theme),
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
    #[allow(clippy::unnecessary_find_map)] // more pages will come
    let open = model.pages.iter_mut().find_map(|p| match p {
        Page::Notifications(n) => Some(n),
        _ => None,
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

/// A Moderation tab's data arrived.
pub fn moderation_loaded(
    model: &mut Model,
    tab: Tab,
    result: Result<ModData, String>,
) -> Vec<Effect> {
    for page in model.pages.iter_mut() {
        if let Page::Moderation(p) = page {
            p.loaded(tab, result.clone());
        }
    }
    vec![]
}

/// A moderation request (or a report) was answered: say so, and refresh what changed.
pub fn moderation_done(model: &mut Model, result: Result<String, String>) -> Vec<Effect> {
    match model.pages.last_mut() {
        Some(Page::Report(p)) => match result {
            Ok(msg) => {
                model.pages.pop();
                model.flash(msg, false);
                vec![]
            }
            Err(e) => {
                p.busy = false;
                p.error = Some(e);
                vec![]
            }
        },
        Some(Page::Moderation(p)) => {
            let reload = p.load();
            match result {
                Ok(msg) => model.flash(msg, false),
                Err(e) => model.flash(e, true),
            }
            vec![reload]
        }
        _ => {
            if let Err(e) = result {
                model.flash(e, true);
            }
            vec![]
        }
    }
}
