//! The Report page any camper opens with `!` on a post (or on a profile, to report the
//! camper): a reason, then Enter. The person reported never learns who reported them.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{ModRequest, PROMPT_BYTES, edit_line};
use crate::camp::ReportTarget;
use crate::text;
use crate::tui::Effect;
use crate::tui::editor::Editor;
use crate::tui::input::{Input, Key};
use crate::tui::theme::Theme;

/// Reporting a post or a camper: a reason, then Enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPage {
    /// What is reported.
    pub target: ReportTarget,
    /// A line describing it ("@bo: text…").
    pub about: String,
    /// The reason.
    pub reason: Editor,
    /// Why the last attempt was refused.
    pub error: Option<String>,
    /// Waiting for the service.
    pub busy: bool,
}

/// Keys shown by `?` on the Report page.
pub const REPORT_HELP: &[(&str, &str)] = &[("Enter", "send the report"), ("Esc", "cancel")];

impl ReportPage {
    /// A report about `target`.
    pub fn new(target: ReportTarget, about: String) -> Self {
        ReportPage {
            target,
            about,
            reason: Editor::new(false, PROMPT_BYTES),
            error: None,
            busy: false,
        }
    }

    /// Keys (Esc is handled by the page stack: it cancels).
    pub fn on_input(&mut self, input: Input) -> Vec<Effect> {
        if self.busy {
            return vec![];
        }
        let k = match input {
            Input::Paste(t) => {
                self.reason.insert_str(&t.replace('\n', " "));
                return vec![];
            }
            Input::Key(k) => k,
        };
        if k.key == Key::Enter {
            let reason = self.reason.text().trim().to_string();
            if reason.is_empty() {
                self.error = Some("say what is wrong, so moderators can act".into());
                return vec![];
            }
            self.busy = true;
            self.error = None;
            return vec![Effect::Moderate(ModRequest::Report {
                target: self.target.clone(),
                reason,
            })];
        }
        edit_line(&mut self.reason, &k);
        vec![]
    }

    /// Draws the form.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let width = area.width.saturating_sub(4) as usize;
        let mut lines = vec![Line::styled("  Report to the moderators", theme.accent)];
        lines.push(Line::raw(""));
        for l in text::wrap(&self.about, width.max(1)).into_iter().take(4) {
            lines.push(Line::styled(format!("  {l}"), theme.dim));
        }
        lines.push(Line::raw(""));
        for l in text::wrap(
            "Say what is wrong. The person you report is never told who reported them.",
            width.max(1),
        ) {
            lines.push(Line::raw(format!("  {l}")));
        }
        lines.push(Line::raw(""));
        let value = self.reason.text();
        let shown = text::truncate(&value, width.saturating_sub(8));
        let row = area.y + lines.len() as u16;
        lines.push(Line::from(vec![
            Span::styled("  Reason: ", theme.accent),
            Span::raw(shown.clone()),
        ]));
        if let Some(e) = &self.error {
            lines.push(Line::styled(format!("  ✗ {e}"), theme.error));
        } else if self.busy {
            lines.push(Line::styled("  Sending…", theme.dim));
        }
        lines.push(Line::styled("  Enter send · Esc cancel", theme.dim));
        frame.render_widget(Paragraph::new(lines), area);
        if row < area.y + area.height {
            frame.set_cursor_position(Position::new(area.x + 10 + text::width(&shown) as u16, row));
        }
    }
}
