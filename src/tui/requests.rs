//! The Requests screen (`R`): follow requests from accounts on other servers, waiting
//! for the camper's answer (the same list as the `requests` verb). `a` accepts, `x`
//! rejects; the bridge sends the answer and the list reloads.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::text;
use crate::tui::Effect;
use crate::tui::input::Key;
use crate::tui::list_view;
use crate::tui::theme::Theme;

/// Keys shown by `?` on this screen.
pub const HELP: &[(&str, &str)] = &[
    ("j/k ↓/↑", "next / previous request"),
    ("a", "accept: they follow you"),
    ("x", "reject the request"),
    ("p", "their profile"),
    ("Esc/q", "back"),
];

/// One waiting request, as shown (names already through the sanitizer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// `user@host`, the handle the answer is given for.
    pub handle: String,
    /// Their display name (may be empty).
    pub name: String,
    /// When they asked.
    pub requested_ms: u64,
}

impl RequestRow {
    /// A row from what the bridge stored. The names come from another server: this is
    /// where they enter the TUI, so they are sanitized here.
    pub fn new(handle: &str, name: &str, requested_ms: u64) -> Self {
        RequestRow {
            handle: text::sanitize_line(handle),
            name: text::sanitize_line(name),
            requested_ms,
        }
    }
}

/// What the Requests screen loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requests {
    /// The server runs without the bridge: nobody outside can ask.
    FederationOff,
    /// Waiting requests, oldest first.
    Waiting(Vec<RequestRow>),
}

/// State of the Requests screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestsPage {
    /// What was loaded (None while loading).
    pub data: Option<Requests>,
    /// Selected row.
    pub selected: usize,
    /// First row drawn.
    pub top: usize,
    /// An answer is on its way: further answers wait, so one key press sends one answer.
    pub busy: bool,
    /// Why loading failed.
    pub error: Option<String>,
}

impl RequestsPage {
    /// The list arrived.
    pub fn loaded(&mut self, data: Requests) {
        let len = match &data {
            Requests::Waiting(rows) => rows.len(),
            Requests::FederationOff => 0,
        };
        self.selected = self.selected.min(len.saturating_sub(1));
        self.data = Some(data);
        self.error = None;
    }

    /// Loading failed.
    pub fn failed(&mut self, e: String) {
        self.error = Some(e);
    }

    fn rows(&self) -> &[RequestRow] {
        match &self.data {
            Some(Requests::Waiting(rows)) => rows,
            _ => &[],
        }
    }

    /// The selected request.
    pub fn selected_row(&self) -> Option<&RequestRow> {
        self.rows().get(self.selected)
    }

    /// Keys (Esc, q and ? are handled by the page stack).
    pub fn on_key(&mut self, key: Key) -> Vec<Effect> {
        let last = self.rows().len().saturating_sub(1);
        let accept = match key {
            Key::Char('j') | Key::Down => {
                self.selected = (self.selected + 1).min(last);
                return vec![];
            }
            Key::Char('k') | Key::Up => {
                self.selected = self.selected.saturating_sub(1);
                return vec![];
            }
            Key::Char('g') | Key::Home => {
                self.selected = 0;
                return vec![];
            }
            Key::Char('G') | Key::End => {
                self.selected = last;
                return vec![];
            }
            Key::Char('a') => true,
            Key::Char('x') => false,
            _ => return vec![],
        };
        if self.busy {
            return vec![];
        }
        match self.selected_row() {
            Some(row) => {
                let handle = row.handle.clone();
                self.busy = true;
                vec![Effect::AnswerRequest { handle, accept }]
            }
            None => vec![],
        }
    }

    fn lines(&self, i: usize, width: usize, now: u64, theme: &Theme) -> Vec<Line<'static>> {
        let r = &self.rows()[i];
        let mut head = format!("@{}", r.handle);
        if !r.name.is_empty() {
            head = format!("{} {head}", r.name);
        }
        vec![
            Line::styled(text::truncate(&head, width), theme.name),
            Line::styled(
                text::truncate(
                    &format!(
                        "asked to follow you · {}",
                        text::relative_time(now, r.requested_ms)
                    ),
                    width,
                ),
                theme.dim,
            ),
        ]
    }

    /// Draws the list, or why there is none.
    pub fn render(&mut self, frame: &mut Frame, area: Rect, now: u64, theme: &Theme) {
        let width = area.width.saturating_sub(2) as usize;
        let rows = area.height as usize;
        let message = match (&self.data, self.error.as_deref()) {
            (_, Some(_)) | (None, _) => Some("Loading…"),
            (Some(Requests::FederationOff), _) => Some(
                "Federation is off on this camp: nobody on other servers can ask to follow you.",
            ),
            (Some(Requests::Waiting(r)), _) if r.is_empty() => {
                Some("No follow requests from other servers.")
            }
            _ => None,
        };
        if let Some(msg) = message {
            let lines: Vec<Line> = match self.error.as_deref() {
                Some(e) => vec![list_view::placeholder(Some(e), msg, theme)],
                None => text::wrap(msg, width.max(1))
                    .into_iter()
                    .map(|l| Line::styled(format!("  {l}"), theme.dim))
                    .collect(),
            };
            frame.render_widget(Paragraph::new(lines), area);
            return;
        }
        let height = |i| self.lines(i, width, now, theme).len() + 1;
        let mut top = self.top;
        list_view::scroll_to_fit(&mut top, self.selected, rows, height);
        self.top = top;
        let mut out = Vec::with_capacity(rows);
        let count = self.rows().len();
        list_view::push_items(
            &mut out,
            top,
            count,
            Some(self.selected),
            rows,
            true,
            theme,
            |i| self.lines(i, width, now, theme),
        );
        frame.render_widget(Paragraph::new(out), area);
    }
}
