//! The Settings screen (`s`): display name and bio, content warnings, theme, the
//! screen-reader line mode as the default, alerts, the account's SSH keys (remove one,
//! never the last), "Link a device", and keyword filters (add one, Enter removes one).

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::camp::Author;
use crate::model::{Account, AccountKey, LinkCode, NotificationKind, Preferences};
use crate::text;
use crate::tui::editor::Editor;
use crate::tui::input::{Input, Key};
use crate::tui::theme::{Theme, theme_names};
use crate::tui::{Effect, RelationAction, SettingsChange};

/// Keys shown by `?` on this screen.
pub const HELP: &[(&str, &str)] = &[
    ("j/k ↓/↑", "next / previous setting"),
    ("Enter/Space", "change the setting (edit, switch, cycle)"),
    ("Enter", "while editing: save"),
    ("d", "remove the selected key (asks first)"),
    (
        "Enter on Delete account",
        "type your name, Enter: delete the account for good",
    ),
    ("Enter on a name", "unmute / unblock"),
    ("Enter on a filter", "remove it (Add a filter: type it)"),
    ("Esc", "stop editing / back (q too)"),
];

/// Kinds that may ring or pop up, in screen order.
const ALERT_KINDS: &[NotificationKind] = &[
    NotificationKind::Mention,
    NotificationKind::Reply,
    NotificationKind::Direct,
    NotificationKind::Favourite,
    NotificationKind::Boost,
    NotificationKind::Follow,
];

/// What the screen shows, as loaded from the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsData {
    /// The reader's account (name, bio).
    pub account: Account,
    /// Their keys.
    pub keys: Vec<AccountKey>,
    /// Their preferences.
    pub prefs: Preferences,
    /// Whether `ssh -t` opens the screen-reader line mode for them.
    pub line_mode: bool,
    /// Whether `who` (and `w`) lists them while they are connected.
    pub presence: bool,
    /// How image previews are drawn (off: none fetched).
    pub preview: crate::camp::preview::PreviewMode,
    /// Whether their terminal gets hyperlinks (OSC 8) and copies (OSC 52).
    pub links: bool,
    /// A link code just made.
    pub link: Option<LinkCode>,
    /// Campers the reader muted (mutes in force).
    pub muted: Vec<Author>,
    /// Campers the reader blocked.
    pub blocked: Vec<Author>,
    /// The reader's keyword filters in force.
    pub filters: Vec<crate::camp::filters::Filter>,
}

#[cfg(test)]
impl SettingsData {
    /// A new camper's settings: every choice at its default, nothing listed.
    pub(crate) fn fresh(account: Account) -> SettingsData {
        SettingsData {
            account,
            keys: vec![],
            prefs: Default::default(),
            line_mode: false,
            presence: false,
            preview: Default::default(),
            links: true,
            link: None,
            muted: vec![],
            blocked: vec![],
            filters: vec![],
        }
    }
}

/// One row of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// Display name (editable).
    DisplayName,
    /// Bio (editable).
    Bio,
    /// Always show content warnings.
    ExpandCw,
    /// Theme (cycles).
    Theme,
    /// Open the screen-reader line mode at login.
    LineMode,
    /// Be listed by `who` while connected.
    Presence,
    /// Image previews (cycles).
    Preview,
    /// Hyperlinks and copies (OSC 8 / OSC 52).
    Links,
    /// Terminal bell.
    Bell,
    /// Desktop notifications.
    Desktop,
    /// Whether a kind alerts.
    Alert(NotificationKind),
    /// One key (by position).
    Key(usize),
    /// Make a link code.
    Link,
    /// A muted camper (Enter unmutes).
    Muted(usize),
    /// A blocked camper (Enter unblocks).
    Blocked(usize),
    /// One keyword filter (Enter removes it).
    Filter(usize),
    /// Add a keyword filter (Enter, type it, Enter).
    AddFilter,
    /// Delete the account (Enter, then type its name).
    DeleteAccount,
}

/// State of the Settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettingsPage {
    /// What was loaded.
    pub data: Option<Arc<SettingsData>>,
    /// Selected row.
    pub selected: usize,
    /// The field being edited and its editor.
    pub editing: Option<(Row, Editor)>,
    /// A key waiting for "remove? y/n".
    pub confirm_remove: Option<String>,
    /// Why loading failed.
    pub error: Option<String>,
}

impl SettingsPage {
    /// The rows, in order.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = vec![
            Row::DisplayName,
            Row::Bio,
            Row::ExpandCw,
            Row::Theme,
            Row::LineMode,
            Row::Presence,
            Row::Preview,
            Row::Links,
            Row::Bell,
            Row::Desktop,
        ];
        rows.extend(ALERT_KINDS.iter().map(|k| Row::Alert(*k)));
        let filters = self.data.as_ref().map(|d| d.filters.len()).unwrap_or(0);
        rows.extend((0..filters).map(Row::Filter));
        rows.push(Row::AddFilter);
        let keys = self.data.as_ref().map(|d| d.keys.len()).unwrap_or(0);
        rows.extend((0..keys).map(Row::Key));
        rows.push(Row::Link);
        if let Some(d) = &self.data {
            rows.extend((0..d.muted.len()).map(Row::Muted));
            rows.extend((0..d.blocked.len()).map(Row::Blocked));
        }
        rows.push(Row::DeleteAccount);
        rows
    }

    /// Data arrived (first load or after a change).
    pub fn loaded(&mut self, data: Arc<SettingsData>) {
        self.data = Some(data);
        self.error = None;
        self.selected = self.selected.min(self.rows().len().saturating_sub(1));
    }

    /// True while a text field or a confirmation has the keyboard (Esc ends that,
    /// not the screen).
    pub fn captures(&self) -> bool {
        self.editing.is_some() || self.confirm_remove.is_some()
    }

    /// Keys.
    pub fn on_input(&mut self, input: Input) -> Vec<Effect> {
        let Some(data) = self.data.clone() else {
            return vec![];
        };
        if let Some(fp) = self.confirm_remove.take() {
            return match input {
                Input::Key(k) if matches!(k.key, Key::Char('y') | Key::Char('Y')) => {
                    vec![Effect::Settings(SettingsChange::RemoveKey(fp))]
                }
                _ => vec![],
            };
        }
        if let Some((row, ed)) = self.editing.as_mut() {
            let k = match input {
                Input::Paste(t) => {
                    ed.insert_str(&t.replace(['\n', '\r'], " "));
                    return vec![];
                }
                Input::Key(k) => k,
            };
            match k.key {
                Key::Esc => self.editing = None,
                Key::Enter if *row == Row::AddFilter => {
                    let line = ed.text();
                    self.editing = None;
                    return vec![Effect::Settings(SettingsChange::AddFilter(line))];
                }
                Key::Enter if *row == Row::DeleteAccount => {
                    let confirm = ed.text();
                    self.editing = None;
                    return vec![Effect::Settings(SettingsChange::DeleteAccount { confirm })];
                }
                Key::Enter => {
                    let value = ed.text();
                    let (name, bio) = match row {
                        Row::DisplayName => (value, data.account.bio.clone()),
                        _ => (data.account.display_name.clone(), value),
                    };
                    self.editing = None;
                    return vec![Effect::Settings(SettingsChange::Profile {
                        display_name: name,
                        bio,
                    })];
                }
                Key::Char('u') if k.mods.ctrl => ed.clear(),
                Key::Char('w') if k.mods.ctrl => ed.delete_word(),
                Key::Char(c) if !k.mods.ctrl => {
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
            return vec![];
        }
        let Input::Key(k) = input else {
            return vec![];
        };
        let rows = self.rows();
        let last = rows.len().saturating_sub(1);
        let row = rows.get(self.selected).copied();
        let mut prefs = data.prefs.clone();
        let save = |p: Preferences| vec![Effect::Settings(SettingsChange::Prefs(p))];
        match (k.key, row) {
            (Key::Char('j') | Key::Down, _) => self.selected = (self.selected + 1).min(last),
            (Key::Char('k') | Key::Up, _) => self.selected = self.selected.saturating_sub(1),
            (Key::Char('g') | Key::Home, _) => self.selected = 0,
            (Key::Char('G') | Key::End, _) => self.selected = last,
            (Key::Char('d'), Some(Row::Key(i))) => {
                if let Some(key) = data.keys.get(i) {
                    self.confirm_remove = Some(key.fingerprint.clone());
                }
            }
            (Key::Enter | Key::Char(' '), Some(row)) => match row {
                Row::DisplayName => {
                    self.editing = Some((
                        row,
                        Editor::with_text(false, 400, &data.account.display_name),
                    ))
                }
                Row::Bio => {
                    self.editing = Some((row, Editor::with_text(false, 4096, &data.account.bio)))
                }
                Row::ExpandCw => {
                    prefs.expand_cw = !prefs.expand_cw;
                    return save(prefs);
                }
                Row::Theme => {
                    let names: Vec<&str> = theme_names().collect();
                    let at = names.iter().position(|n| *n == prefs.theme).unwrap_or(0);
                    prefs.theme = names[(at + 1) % names.len()].to_string();
                    return save(prefs);
                }
                Row::LineMode => {
                    return vec![Effect::Settings(SettingsChange::LineMode(!data.line_mode))];
                }
                Row::Presence => {
                    return vec![Effect::Settings(SettingsChange::Presence(!data.presence))];
                }
                Row::Preview => {
                    return vec![Effect::Settings(SettingsChange::Preview(
                        data.preview.next(),
                    ))];
                }
                Row::Links => return vec![Effect::Settings(SettingsChange::Links(!data.links))],
                Row::Bell => {
                    prefs.bell = !prefs.bell;
                    return save(prefs);
                }
                Row::Desktop => {
                    prefs.desktop = !prefs.desktop;
                    return save(prefs);
                }
                Row::Alert(kind) => {
                    if let Some(i) = prefs.alert_kinds.iter().position(|k| *k == kind) {
                        prefs.alert_kinds.remove(i);
                    } else {
                        prefs.alert_kinds.push(kind);
                    }
                    return save(prefs);
                }
                Row::Key(_) => {}
                Row::Filter(i) => {
                    if let Some(f) = data.filters.get(i) {
                        return vec![Effect::Settings(SettingsChange::RemoveFilter(f.id))];
                    }
                }
                Row::AddFilter => {
                    self.editing = Some((row, Editor::with_text(false, 400, "")));
                }
                Row::DeleteAccount => {
                    self.editing = Some((row, Editor::with_text(false, 64, "")));
                }
                Row::Link => return vec![Effect::Settings(SettingsChange::MakeLinkCode)],
                Row::Muted(i) => {
                    if let Some(a) = data.muted.get(i) {
                        return vec![Effect::Relation {
                            name: a.username.clone(),
                            action: RelationAction::Unmute,
                        }];
                    }
                }
                Row::Blocked(i) => {
                    if let Some(a) = data.blocked.get(i) {
                        return vec![Effect::Relation {
                            name: a.username.clone(),
                            action: RelationAction::Unblock,
                        }];
                    }
                }
            },
            _ => {}
        }
        vec![]
    }

    fn row_line(&self, row: Row, d: &SettingsData) -> (String, String) {
        let on = |b: bool| if b { "on" } else { "off" }.to_string();
        match row {
            Row::DisplayName => ("Display name".into(), d.account.display_name.clone()),
            Row::Bio => ("Bio".into(), d.account.bio.replace('\n', " ")),
            Row::ExpandCw => ("Always show content warnings".into(), on(d.prefs.expand_cw)),
            Row::Theme => ("Theme".into(), d.prefs.theme.clone()),
            Row::LineMode => ("Screen-reader line mode at login".into(), on(d.line_mode)),
            Row::Presence => ("Show me in who (w) while here".into(), on(d.presence)),
            Row::Preview => (
                "Image previews (i in a thread)".into(),
                d.preview.as_str().into(),
            ),
            Row::Links => ("Links and copy (OSC 8/52)".into(), on(d.links)),
            Row::Bell => ("Terminal bell on alerts".into(), on(d.prefs.bell)),
            Row::Desktop => (
                "Desktop notifications (OSC 9/777)".into(),
                on(d.prefs.desktop),
            ),
            Row::Alert(k) => {
                let what = match k {
                    NotificationKind::Mention => "mentions",
                    NotificationKind::Reply => "replies",
                    NotificationKind::Direct => "direct posts",
                    NotificationKind::Favourite => "favourites",
                    NotificationKind::Boost => "boosts",
                    NotificationKind::Follow => "follows",
                    _ => "other",
                };
                (
                    format!("  alert on {what}"),
                    on(d.prefs.alert_kinds.contains(&k)),
                )
            }
            Row::Key(i) => {
                let k = &d.keys[i];
                let label = if i == 0 { "Keys" } else { "" };
                (
                    label.into(),
                    format!("{} ({}) {}", k.comment, k.algorithm, k.fingerprint),
                )
            }
            Row::Link => ("Link a device".into(), "Enter makes a one-time code".into()),
            Row::Muted(i) => (
                if i == 0 { "Muted" } else { "" }.into(),
                format!("@{} (Enter unmutes)", d.muted[i].username),
            ),
            Row::Blocked(i) => (
                if i == 0 { "Blocked" } else { "" }.into(),
                format!("@{} (Enter unblocks)", d.blocked[i].username),
            ),
            Row::Filter(i) => (
                if i == 0 { "Filters" } else { "" }.into(),
                format!("{} (Enter removes)", filter_summary(&d.filters[i])),
            ),
            Row::AddFilter => (
                "Add a filter".into(),
                "Enter, then type a word or phrase".into(),
            ),
            Row::DeleteAccount => ("Delete account".into(), "Enter, then type your name".into()),
        }
    }

    /// Draws the settings.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, ssh_hint: &str, theme: &Theme) {
        let width = area.width.saturating_sub(2) as usize;
        let rows_room = area.height as usize;
        if let Some(e) = &self.error {
            frame.render_widget(Paragraph::new(Line::styled(e.clone(), theme.error)), area);
            return;
        }
        let Some(d) = self.data.clone() else {
            frame.render_widget(Paragraph::new(Line::styled("  Loading…", theme.dim)), area);
            return;
        };
        let rows = self.rows();
        let label_w = (width / 2).min(36);
        let mut out: Vec<Line> = Vec::new();
        let mut cursor = None;
        let mut selected_line = 0;
        for (i, row) in rows.iter().enumerate() {
            let selected = i == self.selected;
            if selected {
                selected_line = out.len();
            }
            let gutter = if selected {
                Span::styled("▌ ", theme.accent)
            } else {
                Span::raw("  ")
            };
            let (label, value) = self.row_line(*row, &d);
            let room = width.saturating_sub(label_w + 1);
            let value_span = match &self.editing {
                Some((r, ed)) if selected && r == row => {
                    let v = ed.text();
                    let before = text::width(ed.before_cursor()).min(room);
                    cursor = Some((out.len(), label_w + 3 + before));
                    Span::styled(text::truncate(&v, room), theme.accent)
                }
                _ => Span::raw(text::truncate(&value, room)),
            };
            out.push(Line::from(vec![
                gutter,
                Span::styled(text::fit(&label, label_w), theme.dim),
                Span::raw(" "),
                value_span,
            ]));
            if *row == Row::Link
                && let Some(link) = &d.link
            {
                let msg = format!(
                    "Code {} works once, for 10 minutes. On the new device: ssh {} link {}",
                    link.code, ssh_hint, link.code
                );
                for l in text::wrap(&msg, width.max(1)) {
                    out.push(Line::styled(format!("  {l}"), theme.ok));
                }
                if selected {
                    // The code belongs to the row: keep it on screen with it.
                    selected_line = out.len() - 1;
                }
            }
        }
        if let Some((Row::AddFilter, _)) = &self.editing {
            let msg = "Others' posts with it are folded under \"Filtered: WORD\" (x shows one). Add --hide to leave them out, --whole-word, --context home,camp,notifications,threads (default: all), --expires 1d. Enter adds, Esc cancels.";
            for l in text::wrap(msg, width.max(1)) {
                out.push(Line::styled(format!("  {l}"), theme.dim));
            }
            selected_line = out.len().saturating_sub(1);
        }
        if let Some((Row::DeleteAccount, _)) = &self.editing {
            let msg = format!(
                "Type your name ({}) and press Enter to delete your account for good: posts, keys, follows, bookmarks. Esc keeps everything. (ssh {} export > me.tar.gz first keeps a copy.)",
                d.account.username, ssh_hint
            );
            for l in text::wrap(&msg, width.max(1)) {
                out.push(Line::styled(format!("  {l}"), theme.warn));
            }
            selected_line = out.len().saturating_sub(1);
        }
        if let Some(fp) = &self.confirm_remove {
            let msg = format!("Remove key {fp}? y = remove, any other key = keep");
            for l in text::wrap(&msg, width.max(1)) {
                out.push(Line::styled(format!("  {l}"), theme.warn));
            }
            selected_line = out.len().saturating_sub(1);
        }
        // Keep the selected row (and any confirmation) on screen.
        let skip = (selected_line + 1).saturating_sub(rows_room);
        let shown: Vec<Line> = out.into_iter().skip(skip).take(rows_room).collect();
        frame.render_widget(Paragraph::new(shown), area);
        if let Some((line, col)) = cursor
            && line >= skip
            && line - skip < rows_room
        {
            let x = (area.x as usize + col).min(area.right().saturating_sub(1) as usize);
            frame.set_cursor_position(Position::new(x as u16, area.y + (line - skip) as u16));
        }
    }
}

/// "'spoiler' warn, whole word, home+camp, until 2026-12-01".
fn filter_summary(f: &crate::camp::filters::Filter) -> String {
    use crate::camp::filters::FilterContext;
    let mut s = format!("'{}' {}", f.phrase, f.action.as_str());
    if f.whole_word {
        s.push_str(", whole word");
    }
    if f.contexts.len() < FilterContext::ALL.len() {
        let names: Vec<_> = f.contexts.iter().map(|c| c.as_str()).collect();
        s.push_str(&format!(", {}", names.join("+")));
    }
    if let Some(t) = f.expires_ms {
        s.push_str(&format!(", until {}", text::date(t)));
    }
    s
}
