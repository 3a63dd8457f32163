//! The Moderation screen (`M`, moderators and admins only) with tabs: Reports,
//! Accounts, Invites, Domains, Code of conduct and Audit log; and the small Report
//! page any camper opens with `!` on a post. The service decides what each role may
//! do; this screen only asks, and shows the answer.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::camp::{
    AccountAction, AccountDetail, AccountView, AuditView, Camp, InviteView, ReportTarget,
    ReportView,
};
use crate::model::{CodeOfConduct, DomainBlock, Id, ModAction};
use crate::text;
use crate::tui::editor::Editor;
use crate::tui::effects::Identity;
use crate::tui::input::{Input, Key, KeyEvent};
use crate::tui::theme::Theme;
use crate::tui::{Effect, Msg};

mod lines;
mod report;

use lines::*;
pub use report::{REPORT_HELP, ReportPage};

/// The tabs, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// The open reports.
    #[default]
    Reports,
    /// Every account, searchable.
    Accounts,
    /// Invites and who joined with them (admins).
    Invites,
    /// Outside domains blocked.
    Domains,
    /// The code of conduct (admins edit).
    Coc,
    /// The moderation log.
    Audit,
}

impl Tab {
    /// Every tab, left to right.
    pub const ALL: [Tab; 6] = [
        Tab::Reports,
        Tab::Accounts,
        Tab::Invites,
        Tab::Domains,
        Tab::Coc,
        Tab::Audit,
    ];

    /// The label on the tab bar.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Reports => "Reports",
            Tab::Accounts => "Accounts",
            Tab::Invites => "Invites",
            Tab::Domains => "Domains",
            Tab::Coc => "Code of conduct",
            Tab::Audit => "Audit log",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    fn hint(self) -> &'static str {
        match self {
            Tab::Reports => {
                "a assign · d dismiss · w warn · x delete · s sensitive · l silence · S suspend"
            }
            Tab::Accounts => {
                "Enter open · / search · w warn · e sensitive · l silence · S suspend (toggle)"
            }
            Tab::Invites => "n new invite (1 use, 7 days) · R revoke",
            Tab::Domains => "b block a domain (suspend) · u unblock · CSV: ssh … domain-blocks",
            Tab::Coc => "e edit (admins) · Ctrl-S save · Esc cancel",
            Tab::Audit => "newest first · r reload",
        }
    }
}

/// What a tab shows, as loaded from the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModData {
    /// Open reports, newest first.
    Reports(Vec<ReportView>),
    /// Accounts matching the search.
    Accounts(Vec<AccountView>),
    /// Invites, newest first.
    Invites(Vec<InviteView>),
    /// Domain blocks.
    Domains(Vec<DomainBlock>),
    /// The code of conduct in force.
    Coc(CodeOfConduct),
    /// The audit log, newest first.
    Audit(Vec<AuditView>),
    /// One account in detail (Accounts tab, Enter).
    Account(Box<AccountDetail>),
}

impl ModData {
    fn len(&self) -> usize {
        match self {
            ModData::Reports(v) => v.len(),
            ModData::Accounts(v) => v.len(),
            ModData::Invites(v) => v.len(),
            ModData::Domains(v) => v.len(),
            ModData::Coc(_) | ModData::Account(_) => 1,
            ModData::Audit(v) => v.len(),
        }
    }
}

/// A moderation request, as data for the session loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModRequest {
    /// Take a report.
    Assign(Id),
    /// Resolve a report.
    Resolve {
        /// Which.
        report: Id,
        /// What to do.
        action: ModAction,
        /// For the log (and the reporter when `tell`).
        note: String,
        /// Share the action with the reporter.
        tell: bool,
    },
    /// Act on an account.
    Account {
        /// Username.
        name: String,
        /// What to do.
        action: AccountAction,
        /// Why.
        reason: String,
    },
    /// Withdraw an invite.
    Revoke(String),
    /// Replace the code of conduct.
    SetCoc(String),
    /// Make a one-use, seven-day camper invite with this note.
    Invite(String),
    /// Block a domain (suspend).
    BlockDomain(String),
    /// Lift a domain block.
    Unblock(String),
    /// Put up the banner (empty: take it down).
    Announce(String),
    /// A camper's report.
    Report {
        /// What is reported.
        target: ReportTarget,
        /// Why.
        reason: String,
    },
}

/// What an open prompt will do with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// Resolve a report with this action.
    Resolve(Id, ModAction),
    /// Act on an account.
    Account(String, AccountAction),
    /// Revoke an invite.
    Revoke(String),
    /// Search accounts.
    Search,
    /// Make an invite with the typed note.
    Invite,
    /// Block the typed domain.
    BlockDomain,
    /// Unblock a domain.
    Unblock(String),
    /// Put up (or, empty, take down) the banner.
    Announce,
}

/// A one-line prompt over the list: a reason, a note or a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// What happens on Enter.
    pub pending: Pending,
    /// What is asked.
    pub label: String,
    /// The text.
    pub editor: Editor,
    /// Tell the reporter the action (resolving only; Tab toggles).
    pub tell: bool,
}

/// State of the Moderation screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModerationPage {
    /// Tab in front.
    pub tab: Tab,
    /// What the tab shows, once loaded.
    pub data: Option<ModData>,
    /// Why loading failed (e.g. a moderator on an admin tab).
    pub error: Option<String>,
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub top: usize,
    /// Account search text.
    pub query: String,
    /// An open prompt.
    pub prompt: Option<Prompt>,
    /// The code of conduct being edited.
    pub coc_editor: Option<Editor>,
    /// The account shown in detail, if any.
    pub detail: Option<String>,
}

/// Keys shown by `?` on the Moderation screen.
pub const HELP: &[(&str, &str)] = &[
    ("Tab/Shift-Tab 1-6", "switch tab"),
    ("j/k ↓/↑", "next / previous"),
    ("r", "reload"),
    (
        "A",
        "announce a banner to everyone (admins; empty takes it down)",
    ),
    (
        "Reports",
        "a assign · d dismiss · w warn · x delete · s sensitive · l silence · S suspend",
    ),
    (
        "Accounts",
        "/ search · w warn · e sensitive · l silence · S suspend",
    ),
    ("Invites", "n new invite · R revoke"),
    ("Domains", "b block · u unblock"),
    ("Code of conduct", "e edit · Ctrl-S save"),
    (
        "In a prompt",
        "Enter confirm · Tab tell the reporter · Esc cancel",
    ),
    ("Esc", "back to the timelines"),
];

/// Longest reason typed in a prompt (the service caps it too).
const PROMPT_BYTES: usize = 4000;

impl ModerationPage {
    /// The load for the tab in front (or the account shown in detail).
    pub fn load(&mut self) -> Effect {
        self.error = None;
        if let Some(name) = &self.detail {
            return Effect::LoadAccountDetail(name.clone());
        }
        Effect::LoadModeration {
            tab: self.tab,
            query: self.query.clone(),
        }
    }

    /// True while typing, so Esc and q belong to the prompt or editor.
    pub fn captures_keys(&self) -> bool {
        self.prompt.is_some() || self.coc_editor.is_some() || self.detail.is_some()
    }

    /// A tab's data arrived.
    pub fn loaded(&mut self, tab: Tab, result: Result<ModData, String>) {
        if tab != self.tab {
            return;
        }
        match result {
            // A late answer for the list while an account is open (or the reverse).
            Ok(d) if self.detail.is_some() != matches!(d, ModData::Account(_)) => {}
            Ok(d) => {
                self.selected = self.selected.min(d.len().saturating_sub(1));
                self.data = Some(d);
                self.error = None;
            }
            Err(e) => {
                self.data = None;
                self.error = Some(e);
            }
        }
    }

    fn switch(&mut self, tab: Tab) -> Vec<Effect> {
        self.tab = tab;
        self.detail = None;
        self.data = None;
        self.selected = 0;
        self.top = 0;
        self.prompt = None;
        vec![self.load()]
    }

    fn prompt(&mut self, pending: Pending, label: impl Into<String>) {
        self.prompt = Some(Prompt {
            pending,
            label: label.into(),
            editor: Editor::new(false, PROMPT_BYTES),
            tell: false,
        });
    }

    /// Keys.
    pub fn on_input(&mut self, input: Input) -> Vec<Effect> {
        if self.coc_editor.is_some() {
            return self.coc_input(input);
        }
        if self.prompt.is_some() {
            return self.prompt_input(input);
        }
        let Input::Key(k) = input else {
            return vec![];
        };
        if self.detail.is_some() && matches!(k.key, Key::Esc | Key::Char('q') | Key::Backspace) {
            self.detail = None;
            self.data = None;
            return vec![self.load()];
        }
        let last = self.data.as_ref().map_or(0, |d| d.len().saturating_sub(1));
        let i = self.tab.index();
        match k.key {
            Key::Tab => return self.switch(Tab::ALL[(i + 1) % Tab::ALL.len()]),
            Key::BackTab => {
                return self.switch(Tab::ALL[(i + Tab::ALL.len() - 1) % Tab::ALL.len()]);
            }
            Key::Char(c @ '1'..='6') => return self.switch(Tab::ALL[c as usize - '1' as usize]),
            Key::Char('j') | Key::Down => self.selected = (self.selected + 1).min(last),
            Key::Char('k') | Key::Up => self.selected = self.selected.saturating_sub(1),
            Key::Char('g') | Key::Home => self.selected = 0,
            Key::Char('G') | Key::End => self.selected = last,
            Key::Char('r') => return vec![self.load()],
            Key::Char(c) => return self.action_key(c),
            // Enter opens the selected account in detail.
            Key::Enter if self.tab == Tab::Accounts => return self.action_key('\r'),
            _ => {}
        }
        vec![]
    }

    fn action_key(&mut self, c: char) -> Vec<Effect> {
        if c == 'A' {
            self.prompt(
                Pending::Announce,
                "announcement for every screen (empty takes the banner down):",
            );
            return vec![];
        }
        match &self.data {
            Some(ModData::Reports(list)) => {
                let Some(r) = list.get(self.selected) else {
                    return vec![];
                };
                let id = r.report.id;
                let action = match c {
                    'a' => return vec![Effect::Moderate(ModRequest::Assign(id))],
                    'd' => ModAction::Dismiss,
                    'w' => ModAction::Warn,
                    'x' if r.report.post.is_some() => ModAction::DeletePost,
                    's' => ModAction::Sensitive,
                    'l' => ModAction::Silence,
                    'S' => ModAction::Suspend,
                    _ => return vec![],
                };
                self.prompt(
                    Pending::Resolve(id, action),
                    format!("{} — note for the log:", action.as_str()),
                );
            }
            Some(ModData::Accounts(list)) => {
                if c == '/' {
                    self.prompt(Pending::Search, "search names:");
                    if let Some(p) = &mut self.prompt {
                        p.editor.insert_str(&self.query);
                    }
                    return vec![];
                }
                let Some(v) = list.get(self.selected) else {
                    return vec![];
                };
                let a = v.account.clone();
                return self.account_key(&a, c);
            }
            Some(ModData::Account(d)) => {
                let a = d.view.account.clone();
                return self.account_key(&a, c);
            }
            Some(ModData::Invites(_)) if c == 'n' => {
                self.prompt(
                    Pending::Invite,
                    "new invite (1 use, 7 days) — who is it for?",
                );
            }
            Some(ModData::Domains(_)) if c == 'b' => {
                self.prompt(
                    Pending::BlockDomain,
                    "block which domain (suspend, subdomains too)?",
                );
            }
            Some(ModData::Domains(list)) if c == 'u' => {
                if let Some(b) = list.get(self.selected) {
                    let d = b.domain.clone();
                    self.prompt(
                        Pending::Unblock(d.clone()),
                        format!("unblock {d}? Enter to confirm:"),
                    );
                }
            }
            Some(ModData::Invites(list)) if c == 'R' => {
                if let Some(v) = list.get(self.selected) {
                    let code = v.invite.code.clone();
                    self.prompt(
                        Pending::Revoke(code.clone()),
                        format!("revoke {code}? Enter to confirm:"),
                    );
                }
            }
            Some(ModData::Coc(coc)) if c == 'e' => {
                self.coc_editor = Some(Editor::with_text(true, 4 * 20_000, &coc.text));
            }
            _ => {}
        }
        vec![]
    }

    /// Keys that act on one account (in the list or in detail).
    fn account_key(&mut self, a: &crate::model::Account, c: char) -> Vec<Effect> {
        let action = match c {
            '\r' => {
                self.detail = Some(a.username.clone());
                self.data = None;
                return vec![self.load()];
            }
            'w' => AccountAction::Warn,
            'e' => AccountAction::Sensitive(!a.sensitive),
            'l' => AccountAction::Silence(!a.silenced),
            'S' => AccountAction::Suspend(!a.suspended),
            _ => return vec![],
        };
        let name = a.username.clone();
        self.prompt(
            Pending::Account(name.clone(), action),
            format!("{} @{name} — reason:", action.name()),
        );
        vec![]
    }

    fn prompt_input(&mut self, input: Input) -> Vec<Effect> {
        let Some(p) = &mut self.prompt else {
            return vec![];
        };
        let k = match input {
            Input::Paste(t) => {
                p.editor.insert_str(&t.replace('\n', " "));
                return vec![];
            }
            Input::Key(k) => k,
        };
        match k.key {
            Key::Esc => self.prompt = None,
            Key::Tab if matches!(p.pending, Pending::Resolve(..)) => p.tell = !p.tell,
            Key::Enter => {
                let text = p.editor.text().trim().to_string();
                let tell = p.tell;
                let pending = p.pending.clone();
                self.prompt = None;
                let request = match pending {
                    Pending::Search => {
                        self.query = text;
                        self.selected = 0;
                        return vec![self.load()];
                    }
                    Pending::Resolve(report, action) => ModRequest::Resolve {
                        report,
                        action,
                        note: text,
                        tell,
                    },
                    Pending::Account(name, action) => ModRequest::Account {
                        name,
                        action,
                        reason: text,
                    },
                    Pending::Revoke(code) => ModRequest::Revoke(code),
                    Pending::Invite => ModRequest::Invite(text),
                    Pending::BlockDomain => ModRequest::BlockDomain(text),
                    Pending::Unblock(d) => ModRequest::Unblock(d),
                    Pending::Announce => ModRequest::Announce(text),
                };
                return vec![Effect::Moderate(request)];
            }
            _ => edit_line(&mut p.editor, &k),
        }
        vec![]
    }

    fn coc_input(&mut self, input: Input) -> Vec<Effect> {
        let Some(ed) = &mut self.coc_editor else {
            return vec![];
        };
        let k = match input {
            Input::Paste(t) => {
                ed.insert_str(&t);
                return vec![];
            }
            Input::Key(k) => k,
        };
        match k.key {
            Key::Esc => self.coc_editor = None,
            Key::Char('s') if k.mods.ctrl => {
                let text = ed.text();
                self.coc_editor = None;
                return vec![Effect::Moderate(ModRequest::SetCoc(text))];
            }
            Key::Enter => {
                ed.insert_char('\n');
            }
            Key::Up => ed.up(),
            Key::Down => ed.down(),
            _ => edit_line(ed, &k),
        }
        vec![]
    }

    /// Draws the tab bar, the tab and its key hint.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, now: u64, theme: &Theme) {
        if area.height < 3 {
            return;
        }
        let width = area.width as usize;
        let mut tabs: Vec<Span> = Vec::new();
        for (i, t) in Tab::ALL.iter().enumerate() {
            let label = format!(" {} {} ", i + 1, t.title());
            let style = if *t == self.tab {
                theme.accent.add_modifier(Modifier::REVERSED)
            } else {
                theme.dim
            };
            tabs.push(Span::styled(label, style));
        }
        let bar = Rect::new(area.x, area.y, area.width, 1);
        frame.render_widget(Paragraph::new(fit_spans(tabs, width)), bar);
        let hint_area = Rect::new(area.x, area.y + area.height - 1, area.width, 1);
        let body = Rect::new(area.x, area.y + 1, area.width, area.height - 2);
        if let Some(p) = &self.prompt {
            let mut label = p.label.clone();
            if matches!(p.pending, Pending::Resolve(..)) {
                label = format!(
                    "{label} [Tab: {}]",
                    if p.tell {
                        "reporter told the action"
                    } else {
                        "reporter told only that it was resolved"
                    }
                );
            }
            let ask = Rect::new(area.x, area.y + area.height - 2, area.width, 1);
            frame.render_widget(
                Paragraph::new(Line::styled(text::truncate(&label, width), theme.accent)),
                ask,
            );
            let value = p.editor.text();
            let room = width.saturating_sub(3);
            let shown = text::truncate(&value, room);
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled("> ", theme.accent),
                    Span::raw(shown.clone()),
                ])),
                hint_area,
            );
            frame.set_cursor_position(Position::new(
                hint_area.x + 2 + text::width(&shown) as u16,
                hint_area.y,
            ));
            let body = Rect::new(body.x, body.y, body.width, body.height.saturating_sub(1));
            self.render_body(frame, body, now, theme);
            return;
        }
        let hint = if self.coc_editor.is_some() {
            "editing: Ctrl-S save · Esc cancel"
        } else if self.detail.is_some() {
            "w warn · e sensitive · l silence · S suspend (again: undo) · Esc back"
        } else {
            self.tab.hint()
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text::truncate(hint, width), theme.dim)),
            hint_area,
        );
        self.render_body(frame, body, now, theme);
    }

    fn render_body(&mut self, frame: &mut Frame, area: Rect, now: u64, theme: &Theme) {
        let width = area.width.saturating_sub(2) as usize;
        if let Some(e) = &self.error {
            let lines: Vec<Line> = text::wrap(e, width.max(1))
                .into_iter()
                .map(|l| Line::styled(format!("  {l}"), theme.error))
                .collect();
            frame.render_widget(Paragraph::new(lines), area);
            return;
        }
        if let Some(ed) = &self.coc_editor {
            let rows = area.height as usize;
            let (crow, ccol) = ed.cursor();
            let skip = (crow + 1).saturating_sub(rows);
            let lines: Vec<Line> = ed
                .lines()
                .iter()
                .skip(skip)
                .take(rows)
                .map(|l| Line::raw(format!("  {}", text::truncate(l, width))))
                .collect();
            frame.render_widget(Paragraph::new(lines), area);
            let line = &ed.lines()[crow];
            let col: String =
                unicode_segmentation::UnicodeSegmentation::graphemes(line.as_str(), true)
                    .take(ccol)
                    .collect();
            frame.set_cursor_position(Position::new(
                area.x + 2 + (text::width(&col).min(width)) as u16,
                area.y + (crow - skip) as u16,
            ));
            return;
        }
        let Some(data) = &self.data else {
            frame.render_widget(Paragraph::new(Line::styled("  Loading…", theme.dim)), area);
            return;
        };
        let items: Vec<Vec<Line<'static>>> = match data {
            ModData::Reports(v) => v
                .iter()
                .map(|r| report_lines(r, width, now, theme))
                .collect(),
            ModData::Accounts(v) => v.iter().map(|a| account_lines(a, width, theme)).collect(),
            ModData::Invites(v) => v
                .iter()
                .map(|i| invite_lines(i, width, now, theme))
                .collect(),
            ModData::Domains(v) => v.iter().map(|d| domain_lines(d, width, theme)).collect(),
            ModData::Account(d) => {
                let lines = detail_lines(d, width, now, theme);
                let lines: Vec<Line> = lines
                    .into_iter()
                    .take(area.height as usize)
                    .map(|l| {
                        let mut spans = vec![Span::raw("  ")];
                        spans.extend(l.spans);
                        Line::from(spans)
                    })
                    .collect();
                frame.render_widget(Paragraph::new(lines), area);
                return;
            }
            ModData::Audit(v) => v
                .iter()
                .map(|a| audit_lines(a, width, now, theme))
                .collect(),
            ModData::Coc(c) => {
                let mut lines = vec![Line::styled(
                    format!(
                        "  Version {} · {}",
                        c.version,
                        if c.updated_ms == 0 {
                            "the camp's first".to_string()
                        } else {
                            format!("set {}", text::date(c.updated_ms))
                        }
                    ),
                    theme.name,
                )];
                for l in text::wrap(&c.text, width.max(1)) {
                    lines.push(Line::raw(format!("  {l}")));
                }
                lines.truncate(area.height as usize);
                frame.render_widget(Paragraph::new(lines), area);
                return;
            }
        };
        if items.is_empty() {
            let empty = match data {
                ModData::Reports(_) => "No open reports. All quiet.",
                ModData::Accounts(_) => "No accounts match.",
                ModData::Invites(_) => "No invites yet.",
                ModData::Domains(_) => "No outside domains are blocked.",
                _ => "The audit log is empty.",
            };
            frame.render_widget(
                Paragraph::new(Line::styled(format!("  {empty}"), theme.dim)),
                area,
            );
            return;
        }
        render_list(frame, area, &items, self.selected, &mut self.top, theme);
    }
}

/// Keys for a one-line field: typing, moving, Backspace/Delete, Ctrl-W, Ctrl-U.
pub(crate) fn edit_line(ed: &mut Editor, k: &KeyEvent) {
    match k.key {
        Key::Char('w') if k.mods.ctrl => ed.delete_word(),
        Key::Char('u') if k.mods.ctrl => ed.clear(),
        Key::Char(c) if !k.mods.ctrl && !k.mods.alt => {
            ed.insert_char(c);
        }
        Key::Backspace => ed.backspace(),
        Key::Delete => ed.delete(),
        Key::Left => ed.left(),
        Key::Right => ed.right(),
        Key::Home => ed.home(),
        Key::End => ed.end(),
        _ => {}
    }
}

// ---- effects ----

fn load(camp: &Camp, me: Id, tab: Tab, query: &str) -> Result<ModData, crate::Error> {
    Ok(match tab {
        Tab::Reports => ModData::Reports(camp.reports(me, false)?),
        Tab::Accounts => ModData::Accounts(camp.moderation_accounts(me, query)?),
        Tab::Invites => ModData::Invites(camp.invite_views(me)?),
        Tab::Domains => ModData::Domains(camp.domain_blocks(me)?),
        Tab::Coc => {
            camp.moderator(me)?;
            ModData::Coc(camp.code_of_conduct()?)
        }
        Tab::Audit => ModData::Audit(camp.audit_log(me, None, 200)?),
    })
}

fn perform(camp: &Camp, me: Id, req: ModRequest) -> Result<String, crate::Error> {
    Ok(match req {
        ModRequest::Assign(id) => {
            camp.assign_report(me, id)?;
            "The report is yours now.".into()
        }
        ModRequest::Resolve {
            report,
            action,
            note,
            tell,
        } => {
            camp.resolve_report(me, report, action, &note, tell)?;
            format!("Resolved ({}); the reporter is notified.", action.as_str())
        }
        ModRequest::Account {
            name,
            action,
            reason,
        } => {
            camp.act_on_account(me, &name, action, &reason)?;
            format!("Done: {} @{name}.", action.name())
        }
        ModRequest::Revoke(code) => {
            camp.revoke_invite(me, &code)?;
            format!("Invite {code} revoked.")
        }
        ModRequest::SetCoc(text) => {
            let coc = camp.set_code_of_conduct(me, &text)?;
            format!(
                "Code of conduct version {} is in force; members accept it at their next visit.",
                coc.version
            )
        }
        ModRequest::Invite(note) => {
            let inv = camp.create_invite(
                me,
                crate::camp::InviteOptions {
                    note,
                    ..Default::default()
                },
            )?;
            match camp.config().invite_link(&inv.code) {
                Some(link) => format!("New invite: {} (one use, seven days): {link}", inv.code),
                None => format!("New invite: {} (one use, seven days).", inv.code),
            }
        }
        ModRequest::BlockDomain(domain) => {
            let b = camp.block_domain(me, &domain, Default::default())?;
            format!("{} is blocked (suspend), subdomains too.", b.domain)
        }
        ModRequest::Unblock(domain) => {
            camp.unblock_domain(me, &domain)?;
            format!("{domain} is no longer blocked.")
        }
        ModRequest::Announce(text) if text.is_empty() => {
            camp.clear_announcement(me)?;
            "The banner is down.".into()
        }
        ModRequest::Announce(text) => {
            camp.announce(me, &text)?;
            "The announcement is up on every screen.".into()
        }
        ModRequest::Report { target, reason } => {
            camp.file_report(me, target, &reason)?;
            "Thanks — your report went to the moderators.".into()
        }
    })
}

/// Runs a moderation effect on the blocking pool.
pub async fn run(camp: &Camp, who: &Identity, effect: Effect) -> Option<Msg> {
    let me = who.account?;
    let camp = camp.clone();
    tokio::task::spawn_blocking(move || match effect {
        Effect::LoadAccountDetail(name) => Some(Msg::ModerationLoaded {
            tab: Tab::Accounts,
            result: camp
                .moderation_account_detail(me, &name)
                .map(|d| ModData::Account(Box::new(d)))
                .map_err(|e| e.to_string()),
        }),
        Effect::LoadModeration { tab, query } => Some(Msg::ModerationLoaded {
            tab,
            result: load(&camp, me, tab, &query).map_err(|e| e.to_string()),
        }),
        Effect::Moderate(req) => Some(Msg::ModerationDone(
            perform(&camp, me, req).map_err(|e| e.to_string()),
        )),
        _ => None,
    })
    .await
    .ok()
    .flatten()
}
