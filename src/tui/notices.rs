//! What the camp's admins put in front of everyone: a changed code of conduct, which a
//! member must accept before going on (declining logs out and changes nothing), and
//! the announcement banner, which each camper may dismiss for themselves.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::camp::{Camp, NotificationView};
use crate::model::{Account, NotificationKind};
use crate::text;
use crate::tui::effects::Identity;
use crate::tui::input::{Input, Key};
use crate::tui::theme::Theme;
use crate::tui::{Effect, Model, Msg, Screen};

/// The re-acceptance screen's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CocUpdate {
    /// Scroll position in the text.
    pub scroll: u16,
    /// Waiting for the service.
    pub busy: bool,
    /// Why accepting failed.
    pub error: Option<String>,
}

/// Keys shown by `?` on the re-acceptance screen.
pub const COC_HELP: &[(&str, &str)] = &[
    ("j/k ↓/↑", "scroll"),
    ("PgDn/PgUp", "scroll a page"),
    ("a", "accept and go on"),
    ("n / q", "decline and log out"),
];

/// The message that sends a member back to the re-acceptance screen mid-session.
const COC_CHANGED: &str = "the code of conduct has changed";

/// Keys on the re-acceptance screen.
pub fn on_input(model: &mut Model, input: Input) -> Vec<Effect> {
    let Screen::CocUpdate(c) = &mut model.screen else {
        return vec![];
    };
    let Input::Key(k) = input else {
        return vec![];
    };
    if c.busy {
        return vec![];
    }
    match k.key {
        Key::Char('a') | Key::Char('y') => {
            c.busy = true;
            c.error = None;
            vec![Effect::AcceptCoc]
        }
        Key::Char('j') | Key::Down => {
            c.scroll = c.scroll.saturating_add(1);
            vec![]
        }
        Key::Char('k') | Key::Up => {
            c.scroll = c.scroll.saturating_sub(1);
            vec![]
        }
        Key::PageDown | Key::Char(' ') => {
            c.scroll = c.scroll.saturating_add(10);
            vec![]
        }
        Key::PageUp => {
            c.scroll = c.scroll.saturating_sub(10);
            vec![]
        }
        Key::Char('n') | Key::Char('q') | Key::Esc => {
            model.quit = true;
            vec![Effect::Quit]
        }
        _ => vec![],
    }
}

/// The service's answer to accepting.
pub fn accepted(model: &mut Model, result: Result<Account, String>) -> Vec<Effect> {
    match result {
        Ok(account) => {
            model.me = Some(account);
            model.screen = Screen::Main;
            model.flash(
                "Thanks for accepting the code of conduct. Welcome back!",
                false,
            );
            model.load_all()
        }
        Err(e) => {
            if let Screen::CocUpdate(c) = &mut model.screen {
                c.busy = false;
                c.error = Some(e);
            }
            vec![]
        }
    }
}

/// When a request was refused because the code of conduct changed during the
/// session, show the new text to accept.
pub fn check_refusal(model: &mut Model) -> Vec<Effect> {
    let changed = model
        .flash
        .as_ref()
        .is_some_and(|f| f.error && f.text.contains(COC_CHANGED));
    if changed && matches!(model.screen, Screen::Main) {
        model.flash = None;
        model.pages.clear();
        model.composer = None;
        model.screen = Screen::CocUpdate(CocUpdate::default());
        return vec![Effect::LoadCoc];
    }
    vec![]
}

/// An announcement arrived live: it becomes the banner.
pub fn announced(model: &mut Model, n: &NotificationView) {
    let n = &n.notification;
    if n.kind == NotificationKind::Announcement
        && let Some(t) = &n.text
    {
        // The notification's id is newer than the announcement's, so dismissing with
        // it hides this announcement and no later one.
        model.announcement = Some((n.id, t.clone()));
    }
}

/// Draws the banner row.
pub fn render_banner(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let Some((_, t)) = &model.announcement else {
        return;
    };
    let tail = " · a dismiss";
    let room = (area.width as usize).saturating_sub(text::width(tail) + 2);
    let line = Line::from(vec![
        Span::styled(
            format!("📣 {}", text::truncate(t, room.saturating_sub(1))),
            theme.warn,
        ),
        Span::styled(tail, theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// Draws the re-acceptance screen.
pub fn render_coc(frame: &mut Frame, area: Rect, model: &Model, c: &CocUpdate, theme: &Theme) {
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(
            " {} · the code of conduct has changed ",
            text::truncate(&model.info.name, 30)
        ),
        theme.accent,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width.max(1) as usize;
    let mut lines: Vec<Line> = text::wrap(
        "Please read the new code of conduct. Accept it to go on; declining logs you out and changes nothing.",
        width,
    )
    .into_iter()
    .map(|l| Line::styled(l, theme.dim))
    .collect();
    lines.push(Line::raw(""));
    let body: Vec<String> = text::wrap(&model.coc, width);
    let foot = 2;
    let room = (inner.height as usize).saturating_sub(lines.len() + foot);
    let max_scroll = body.len().saturating_sub(room);
    let scroll = (c.scroll as usize).min(max_scroll);
    for l in body.iter().skip(scroll).take(room) {
        lines.push(Line::raw(l.clone()));
    }
    while lines.len() < (inner.height as usize).saturating_sub(foot) {
        lines.push(Line::raw(""));
    }
    if let Some(e) = &c.error {
        lines.push(Line::styled(
            text::truncate(&format!("✗ {e}"), width),
            theme.error,
        ));
    } else if c.busy {
        lines.push(Line::styled("Saving…", theme.dim));
    } else {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        text::truncate("a accept · n decline and log out · j/k scroll", width),
        theme.accent,
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Runs the effects of this module.
pub async fn run(camp: &Camp, who: &Identity, effect: Effect) -> Option<Msg> {
    let me = who.account?;
    let camp = camp.clone();
    tokio::task::spawn_blocking(move || match effect {
        Effect::AcceptCoc => Some(Msg::CocAccepted(
            camp.accept_code_of_conduct(me).map_err(|e| e.to_string()),
        )),
        Effect::LoadCoc => camp.code_of_conduct().ok().map(|c| Msg::CocLoaded(c.text)),
        Effect::DismissAnnouncement(id) => {
            if let Err(e) = camp.dismiss_announcement(me, id) {
                tracing::warn!("dismissing an announcement: {e}");
            }
            None
        }
        _ => None,
    })
    .await
    .ok()
    .flatten()
}
