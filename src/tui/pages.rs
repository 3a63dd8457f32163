//! Screens stacked over the timelines. `Esc` pops the top page; the timelines stay
//! underneath with their place kept. Each page owns its keys and its rendering, so a
//! new screen is a new variant here plus its module.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::camp::{NotificationView, PostView, Profile, Thread};
use crate::model::Id;
use crate::tui::follow::FollowPage;
use crate::tui::input::{Input, Key};
use crate::tui::lists::{ListKind, ListPage, Row};
use crate::tui::moderation::{ModData, ModerationPage, ReportPage, Tab};
use crate::tui::notifications::NotificationsPage;
use crate::tui::profile::ProfilePage;
use crate::tui::requests::{Requests, RequestsPage};
use crate::tui::settings::SettingsPage;
use crate::tui::thread::ThreadPage;
use crate::tui::who::WhoPage;
use crate::tui::{Effect, Model, actions};

/// A screen above the timelines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// Mentions, replies, follows, ... (`n`).
    Notifications(NotificationsPage),
    /// A post in its conversation (`Enter`).
    Thread(ThreadPage),
    /// A camper's profile (`p`).
    Profile(ProfilePage),
    /// Bookmarks, direct conversations, a tag, or search.
    List(ListPage),
    /// Profile, preferences, keys (`s`).
    Settings(SettingsPage),
    /// Reports, accounts, invites, domains, code of conduct, audit log (`M`).
    Moderation(ModerationPage),
    /// Reporting a post (`!`), or a camper (`!` on their profile).
    Report(ReportPage),
    /// Follow requests from other servers (`R`).
    Requests(RequestsPage),
    /// Following an account on another server (`F`).
    Follow(FollowPage),
    /// Campers connected now who chose to be shown (`w`).
    Who(WhoPage),
}

impl Page {
    /// The title shown in the header.
    pub fn title(&self) -> &'static str {
        match self {
            Page::Notifications(_) => "Notifications",
            Page::Thread(_) => "Thread",
            Page::Profile(_) => "Profile",
            Page::List(l) => l.kind.title(),
            Page::Settings(_) => "Settings",
            Page::Moderation(_) => "Moderation",
            Page::Report(_) => "Report",
            Page::Requests(_) => "Requests",
            Page::Follow(_) => "Follow",
            Page::Who(_) => "Who",
        }
    }

    /// The footer's key hints.
    pub fn hint(&self) -> &'static str {
        match self {
            Page::Notifications(_) => "j/k move · Enter open · Esc back · ? help",
            Page::Thread(_) => "j/k move · r reply · f fav · b boost · Esc back · ? help",
            Page::Profile(_) => "F follow · M mute · X block · ! report · Esc back · ? help",
            Page::List(l) if l.typing => "type a query · Enter search · Esc back",
            Page::List(_) => "j/k move · Enter open · Esc back · ? help",
            Page::Settings(s) if s.editing.is_some() => "Enter save · Esc stop editing",
            Page::Settings(_) => "j/k move · Enter change · d remove key · Esc back · ? help",
            Page::Moderation(p) if p.coc_editor.is_some() => "Ctrl-S save · Esc cancel",
            Page::Moderation(p) if p.prompt.is_some() => "Enter confirm · Esc cancel",
            Page::Moderation(_) => "j/k move · Tab next tab · Esc back · ? help",
            Page::Report(_) => "Enter send · Esc cancel",
            Page::Requests(_) => "a accept · x reject · j/k move · Esc back · ? help",
            Page::Follow(_) => "Enter send · Esc cancel",
            Page::Who(_) => crate::tui::who::HINT,
        }
    }

    /// Keys for `?` on this page.
    pub fn help(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            Page::Notifications(_) => crate::tui::notifications::HELP.to_vec(),
            Page::Thread(_) => crate::tui::thread::HELP.to_vec(),
            Page::Profile(_) => crate::tui::profile::HELP.to_vec(),
            Page::List(l) if l.kind == ListKind::Search => crate::tui::lists::SEARCH_HELP.to_vec(),
            Page::List(_) => crate::tui::lists::HELP.to_vec(),
            Page::Settings(_) => crate::tui::settings::HELP.to_vec(),
            Page::Moderation(_) => crate::tui::moderation::HELP.to_vec(),
            Page::Report(_) => crate::tui::moderation::REPORT_HELP.to_vec(),
            Page::Requests(_) => crate::tui::requests::HELP.to_vec(),
            Page::Follow(_) => crate::tui::follow::HELP.to_vec(),
            Page::Who(_) => crate::tui::who::HELP.to_vec(),
        }
    }
}

/// Opens a page and returns what it needs loaded.
pub fn open(model: &mut Model, page: Page) -> Vec<Effect> {
    let mut page = page;
    let effects = match &mut page {
        Page::Notifications(_) => vec![Effect::LoadNotifications { before: None }],
        Page::Moderation(p) => vec![p.load()],
        Page::Report(_) | Page::Follow(_) => vec![],
        Page::Thread(t) => vec![Effect::LoadThread(t.id)],
        Page::Profile(p) => vec![Effect::LoadProfile(p.name.clone())],
        Page::List(l) if l.kind == ListKind::Search => vec![],
        Page::List(l) => vec![Effect::LoadList(l.kind.clone())],
        Page::Settings(_) => vec![Effect::LoadSettings],
        Page::Requests(_) => vec![Effect::LoadRequests],
        Page::Who(_) => vec![Effect::LoadWho],
    };
    // Thread → reply → its thread → ... could grow without end: keep the newest few.
    if model.pages.len() >= MAX_PAGES {
        model.pages.remove(0);
    }
    model.pages.push(page);
    effects
}

/// Most screens kept stacked over the timelines.
pub const MAX_PAGES: usize = 16;

/// Keys while a page is on top. `Esc` (and `q`) go back one page.
pub fn on_input(model: &mut Model, input: Input) -> Vec<Effect> {
    if let Some(Page::Settings(s)) = model.pages.last_mut()
        && s.captures()
    {
        return s.on_input(input);
    }
    if let Some(Page::List(l)) = model.pages.last_mut()
        && l.typing
    {
        return search_typing(l, input).unwrap_or_else(|| {
            model.pages.pop();
            vec![]
        });
    }
    // The moderation pages keep their keys while a field is open: Esc cancels a
    // prompt, q is a letter in a note.
    match model.pages.last_mut() {
        Some(Page::Moderation(p)) if p.captures_keys() => return p.on_input(input),
        Some(Page::Report(p)) => {
            if let Input::Key(k) = &input
                && k.key == Key::Esc
                && !k.mods.ctrl
            {
                model.pages.pop();
                return vec![];
            }
            return p.on_input(input);
        }
        // A field: every key is typed into it, Esc cancels.
        Some(Page::Follow(p)) => {
            if let Input::Key(k) = &input
                && k.key == Key::Esc
                && !k.mods.ctrl
            {
                model.pages.pop();
                return vec![];
            }
            return p.on_input(input);
        }
        _ => {}
    }
    if let Input::Key(k) = &input
        && !k.mods.ctrl
        && matches!(k.key, Key::Esc | Key::Char('q'))
    {
        model.pages.pop();
        return vec![];
    }
    if let Some(Page::Moderation(p)) = model.pages.last_mut() {
        if let Input::Key(k) = &input
            && k.key == Key::Char('?')
        {
            model.help = true;
            return vec![];
        }
        return p.on_input(input);
    }
    let Input::Key(k) = input else {
        return vec![];
    };
    if k.mods.ctrl || k.mods.alt {
        return vec![];
    }
    model.flash = None;
    if k.key == Key::Char('?') {
        model.help = true;
        return vec![];
    }
    let selected = match model.pages.last_mut() {
        Some(Page::Notifications(p)) => {
            if k.key == Key::Char('p') {
                let actor = p.selected_entry().and_then(|i| i.newest.actor.clone());
                return match actor {
                    Some(a) => open(model, Page::Profile(ProfilePage::new(a.username))),
                    None => vec![],
                };
            }
            if k.key != Key::Enter {
                return p.on_input(Input::Key(k));
            }
            let post = p.selected_entry().and_then(|i| i.newest.post.as_ref());
            return match post.map(|v| v.post.id) {
                Some(id) => open(model, Page::Thread(ThreadPage::new(id))),
                None => vec![],
            };
        }
        Some(Page::Thread(t)) => {
            if t.move_key(k.key) {
                return vec![];
            }
            let post = t.selected_post().cloned();
            if k.key == Key::Char('i')
                && let Some(p) = &post
            {
                let p = p.clone();
                return crate::tui::preview::on_key(model, &p);
            }
            post
        }
        Some(Page::Profile(p)) => {
            // `!` here reports the camper, not the selected post: a post is reported
            // from its thread (Enter, then `!`).
            if k.key == Key::Char('!') && !p.confirm_block && !p.asking_mute {
                return report_account(model);
            }
            if let Some(effects) = p.on_key(k.key) {
                return effects;
            }
            p.selected_post().cloned()
        }
        Some(Page::Settings(s)) => return s.on_input(Input::Key(k)),
        Some(Page::Who(w)) => {
            if k.key == Key::Enter {
                return match w.selected_name() {
                    Some(name) => open(model, Page::Profile(ProfilePage::new(name))),
                    None => vec![],
                };
            }
            return w.on_key(k.key);
        }
        Some(Page::Requests(r)) => {
            // Who is asking: their profile (a shadow account named `user@host`).
            if k.key == Key::Char('p') {
                return match r.selected_row().map(|row| row.handle.clone()) {
                    Some(handle) => open(model, Page::Profile(ProfilePage::new(handle))),
                    None => vec![],
                };
            }
            return r.on_key(k.key);
        }
        Some(Page::List(l)) => {
            if l.move_key(k.key) {
                return vec![];
            }
            if k.key == Key::Char('/') && l.kind == ListKind::Search {
                l.typing = true;
                return vec![];
            }
            let row = l.selected_row().cloned();
            match (k.key, row) {
                (Key::Enter, Some(Row::Person(a))) => {
                    return open(model, Page::Profile(ProfilePage::new(a.username)));
                }
                (Key::Enter, Some(Row::Remote(h))) => {
                    model.flash("Asking their server…", false);
                    return vec![Effect::FollowRemote(h)];
                }
                (Key::Enter, Some(Row::Tag(t, _))) => {
                    return open(model, Page::List(ListPage::new(ListKind::Tag(t))));
                }
                (Key::Enter, Some(Row::MemberList { name, .. })) => {
                    return open(model, Page::List(ListPage::new(ListKind::Members(name))));
                }
                (_, Some(row)) => row.post().cloned(),
                _ => None,
            }
        }
        // Handled above: they take every key themselves.
        Some(Page::Moderation(_)) | Some(Page::Report(_)) | Some(Page::Follow(_)) => {
            return vec![];
        }
        None => return vec![],
    };
    let Some(post) = selected else {
        return vec![];
    };
    match k.key {
        Key::Char('x') => {
            actions::toggle_cw(model, &post);
            vec![]
        }
        // Enter on the post a thread was opened on would open the same thread again.
        Key::Enter if matches!(model.pages.last(), Some(Page::Thread(t)) if t.id == post.post.id) =>
        {
            vec![]
        }
        key if actions::is_post_key(key) => actions::on_post_key(model, key, &post),
        _ => vec![],
    }
}

/// Opens the Report page for the camper whose profile is on top. The service decides
/// whether the report is allowed; reporting oneself is answered here without a form.
fn report_account(model: &mut Model) -> Vec<Effect> {
    let Some(Page::Profile(p)) = model.pages.last() else {
        return vec![];
    };
    if p.profile.as_ref().is_some_and(|p| p.is_me) {
        model.flash("you cannot report yourself", true);
        return vec![];
    }
    // The name comes from a post or a list row (sanitized by the service), the display
    // name from the loaded profile; both pass the sanitizer again since they are shown.
    let name = crate::text::sanitize_line(&p.name);
    let about = match p.profile.as_ref() {
        Some(prof) if !prof.author.display_name.is_empty() => format!(
            "@{name} ({})",
            crate::text::sanitize_line(&prof.author.display_name)
        ),
        _ => format!("@{name}"),
    };
    let target = crate::camp::ReportTarget::Account(p.name.clone());
    open(model, Page::Report(ReportPage::new(target, about)))
}

/// Draws the top page into `area`.
pub fn render(frame: &mut Frame, area: Rect, model: &mut Model) {
    let theme = model.theme;
    let now = model.now_ms;
    let expanded = &model.expanded;
    match model.pages.last_mut() {
        Some(Page::Notifications(p)) => p.render(frame, area, now, &theme),
        Some(Page::Thread(t)) => t.render(frame, area, now, expanded, &theme),
        Some(Page::Profile(p)) => p.render(frame, area, now, expanded, &theme),
        Some(Page::List(l)) => l.render(frame, area, now, expanded, &theme),
        Some(Page::Settings(s)) => s.render(frame, area, &model.info.ssh_hint, &theme),
        Some(Page::Moderation(p)) => p.render(frame, area, now, &theme),
        Some(Page::Report(p)) => p.render(frame, area, &theme),
        Some(Page::Requests(r)) => r.render(frame, area, now, &theme),
        Some(Page::Follow(p)) => p.render(frame, area, &theme),
        Some(Page::Who(w)) => w.render(frame, area, &theme),
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
            alert(model, &view);
            vec![]
        }
    }
}

/// Rings the bell and/or sends a desktop notification (OSC 9 and OSC 777) when the
/// camper asked for this kind. Off by default.
fn alert(model: &mut Model, view: &NotificationView) {
    let p = &model.prefs;
    if !(p.bell || p.desktop) || !p.alert_kinds.contains(&view.notification.kind) {
        return;
    }
    if p.bell {
        model.alerts.push(0x07);
    }
    if p.desktop {
        let who = view
            .actor
            .as_ref()
            .map(|a| format!("@{} ", a.username))
            .unwrap_or_default();
        let body = format!(
            "{who}{}",
            crate::tui::notifications::describe(view.notification.kind)
        );
        // Names are sanitized already; ';' would end a field of OSC 777.
        let body = crate::text::sanitize_line(&body).replace(';', ",");
        let title = crate::text::sanitize_line(&model.info.name).replace(';', ",");
        model
            .alerts
            .extend(format!("\x1b]9;{body}\x07\x1b]777;notify;{title};{body}\x07").bytes());
    }
}

/// A thread arrived: every open thread screen on that post takes it.
pub fn thread_loaded(
    model: &mut Model,
    id: Id,
    result: Result<Arc<Thread>, String>,
) -> Vec<Effect> {
    for page in model.pages.iter_mut() {
        if let Page::Thread(t) = page
            && t.id == id
        {
            match &result {
                Ok(thread) => t.loaded(thread),
                Err(e) => t.failed(e.clone()),
            }
        }
    }
    vec![]
}

/// A profile arrived.
pub fn profile_loaded(
    model: &mut Model,
    name: &str,
    result: Result<Arc<Profile>, String>,
) -> Vec<Effect> {
    for page in model.pages.iter_mut() {
        if let Page::Profile(p) = page
            && p.name == name
        {
            match &result {
                Ok(profile) => p.loaded(profile.clone()),
                Err(e) => p.failed(e.clone()),
            }
        }
    }
    vec![]
}

/// Reloads what the top page shows after a change the reader made (a follow, a mute).
pub fn reload_top(model: &Model) -> Vec<Effect> {
    match model.pages.last() {
        Some(Page::Profile(p)) => vec![Effect::LoadProfile(p.name.clone())],
        Some(Page::Thread(t)) => vec![Effect::LoadThread(t.id)],
        Some(Page::Settings(_)) => vec![Effect::LoadSettings],
        Some(Page::Requests(_)) => vec![Effect::LoadRequests],
        _ => vec![],
    }
}

/// Open thread screens that show `post` (so a new reply to it reloads them).
pub fn threads_showing(model: &Model, post: Id) -> Vec<Effect> {
    model
        .pages
        .iter()
        .filter_map(|p| match p {
            Page::Thread(t) if t.shows(post) => Some(Effect::LoadThread(t.id)),
            _ => None,
        })
        .collect()
}

/// A post changed: pages showing it update.
pub fn refresh_post(model: &mut Model, view: &PostView, mine: bool) {
    for page in model.pages.iter_mut() {
        match page {
            Page::Thread(t) => t.refresh(view, mine),
            Page::Profile(p) => crate::tui::timeline::refresh_post(&mut p.posts, view, mine),
            Page::List(l) => l.refresh(view, mine),
            Page::Notifications(_)
            | Page::Settings(_)
            | Page::Moderation(_)
            | Page::Report(_)
            | Page::Requests(_)
            | Page::Follow(_)
            | Page::Who(_) => {}
        }
    }
}

/// A post was deleted: pages showing it drop it.
pub fn remove_post(model: &mut Model, id: Id) {
    for page in model.pages.iter_mut() {
        match page {
            Page::Thread(t) => t.remove(id),
            Page::Profile(p) => {
                p.posts.retain(|v| v.post.id != id);
                p.selected = p.selected.min(p.posts.len().saturating_sub(1));
            }
            Page::List(l) => l.remove(id),
            Page::Notifications(_)
            | Page::Settings(_)
            | Page::Moderation(_)
            | Page::Report(_)
            | Page::Requests(_)
            | Page::Follow(_)
            | Page::Who(_) => {}
        }
    }
}

/// Keys in the search field. None means "leave the page" (Esc).
fn search_typing(l: &mut ListPage, input: Input) -> Option<Vec<Effect>> {
    let k = match input {
        Input::Paste(t) => {
            l.query.insert_str(&t.replace(['\n', '\r'], " "));
            return Some(vec![]);
        }
        Input::Key(k) => k,
    };
    if k.mods.ctrl {
        if k.key == Key::Char('u') {
            l.query.clear();
        }
        return Some(vec![]);
    }
    match k.key {
        Key::Esc => return None,
        Key::Enter => {
            let q = l.query.text();
            if q.trim().is_empty() {
                return Some(vec![]);
            }
            l.typing = false;
            l.loading = true;
            l.rows.clear();
            return Some(vec![Effect::Search(q)]);
        }
        Key::Down | Key::Tab if !l.rows.is_empty() => l.typing = false,
        Key::Char(c) => {
            l.query.insert_char(c);
        }
        Key::Backspace => l.query.backspace(),
        Key::Delete => l.query.delete(),
        Key::Left => l.query.left(),
        Key::Right => l.query.right(),
        Key::Home => l.query.home(),
        Key::End => l.query.end(),
        _ => {}
    }
    Some(vec![])
}

/// A list (or search results) arrived.
pub fn list_loaded(model: &mut Model, kind: &ListKind, result: Result<Vec<Row>, String>) {
    for page in model.pages.iter_mut() {
        if let Page::List(l) = page
            && l.kind == *kind
        {
            match &result {
                Ok(rows) => l.loaded(rows.clone()),
                Err(e) => l.failed(e.clone()),
            }
        }
    }
}

/// Who is here arrived.
pub fn who_loaded(model: &mut Model, result: Result<Vec<crate::camp::Present>, String>) {
    for page in model.pages.iter_mut() {
        if let Page::Who(w) = page {
            w.loaded(result.clone());
        }
    }
}

/// The follow requests from other servers arrived.
pub fn requests_loaded(model: &mut Model, result: Result<Requests, String>) {
    for page in model.pages.iter_mut() {
        if let Page::Requests(r) = page {
            match &result {
                Ok(data) => r.loaded(data.clone()),
                Err(e) => r.failed(e.clone()),
            }
        }
    }
}

/// A follow request was answered (or the answer refused): say so, and reload the list
/// so the answered request leaves it (and one answered elsewhere does too).
pub fn request_answered(model: &mut Model, result: Result<String, String>) -> Vec<Effect> {
    let mut open = false;
    for page in model.pages.iter_mut() {
        if let Page::Requests(r) = page {
            r.busy = false;
            open = true;
        }
    }
    match result {
        Ok(msg) => model.flash(msg, false),
        Err(e) => model.flash(e, true),
    }
    if open {
        vec![Effect::LoadRequests]
    } else {
        vec![]
    }
}

/// The bridge answered a follow of a remote account: on success the prompt closes and
/// the outcome is flashed; a refusal stays under the field with what was typed. The
/// answer runs off the session loop, so it may arrive after the prompt was left: only a
/// prompt still waiting takes it, otherwise it is flashed.
pub fn remote_followed(model: &mut Model, result: Result<String, String>) {
    match (model.pages.last_mut(), result) {
        (Some(Page::Follow(p)), Ok(msg)) if p.busy => {
            model.pages.pop();
            model.flash(msg, false);
        }
        (Some(Page::Follow(p)), Err(e)) if p.busy => p.refused(e),
        (_, Ok(msg)) => model.flash(msg, false),
        (_, Err(e)) => model.flash(e, true),
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
