//! The Follow prompt (`F` on the timelines): one line, "Follow @user@host:", for an
//! account on another server. Enter asks the bridge, as the `follow @user@host` verb
//! does; the answer is flashed, or shown under the field when refused.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::text;
use crate::tui::Effect;
use crate::tui::editor::Editor;
use crate::tui::input::{Input, Key};
use crate::tui::theme::Theme;

/// Keys shown by `?` on the Follow prompt.
pub const HELP: &[(&str, &str)] = &[
    ("Enter", "send the follow request"),
    ("Ctrl-U", "clear the field"),
    ("Esc", "cancel"),
];

/// The longest handle or URL the field takes (a handle is at most 64 + 1 + 253).
const MAX_BYTES: usize = 400;

/// State of the Follow prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowPage {
    /// What is typed.
    pub target: Editor,
    /// Why the input or the last request was refused.
    pub error: Option<String>,
    /// Waiting for the bridge.
    pub busy: bool,
}

impl Default for FollowPage {
    fn default() -> Self {
        FollowPage {
            target: Editor::new(false, MAX_BYTES),
            error: None,
            busy: false,
        }
    }
}

/// Checks what was typed: `@user@host`, `user@host` or an actor URL. A bare name is a
/// camper here, followed from their profile; anything else is not sent at all.
pub fn check_target(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("type the account to follow, like @user@host".into());
    }
    if t.starts_with("https://") || t.starts_with("http://") {
        return Ok(t.to_string());
    }
    match crate::camp::parse_remote_handle(t) {
        Some(h) => Ok(format!("{}@{}", h.user, h.host)),
        None if !t.trim_start_matches('@').contains('@') => Err(format!(
            "@{} has no server: campers here are followed from their profile (p, then F)",
            text::sanitize_line(t.trim_start_matches('@'))
        )),
        None => Err(format!(
            "'{}' is not a handle like @user@host",
            text::sanitize_line(t)
        )),
    }
}

impl FollowPage {
    /// Keys (Esc is handled by the page stack: it cancels).
    pub fn on_input(&mut self, input: Input) -> Vec<Effect> {
        if self.busy {
            return vec![];
        }
        let k = match input {
            Input::Paste(t) => {
                self.target.insert_str(&t.replace(['\n', '\r'], " "));
                return vec![];
            }
            Input::Key(k) => k,
        };
        if k.key == Key::Enter {
            return match check_target(&self.target.text()) {
                Ok(target) => {
                    self.busy = true;
                    self.error = None;
                    vec![Effect::FollowRemote(target)]
                }
                Err(e) => {
                    self.error = Some(e);
                    vec![]
                }
            };
        }
        crate::tui::moderation::edit_line(&mut self.target, &k);
        vec![]
    }

    /// The bridge refused: say why under the field, keep what was typed.
    pub fn refused(&mut self, e: String) {
        self.busy = false;
        self.error = Some(e);
    }

    /// Draws the field.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let width = area.width.saturating_sub(4) as usize;
        let mut lines = vec![Line::styled(
            "  Follow an account on another server",
            theme.accent,
        )];
        lines.push(Line::raw(""));
        const LABEL: &str = "  Follow: ";
        let value = self.target.text();
        let shown = text::truncate(&value, width.saturating_sub(text::width(LABEL)));
        let row = area.y + lines.len() as u16;
        lines.push(Line::from(vec![
            Span::styled(LABEL, theme.accent),
            Span::raw(shown.clone()),
        ]));
        lines.push(Line::raw(""));
        let (note, style) = match &self.error {
            Some(e) => (format!("✗ {e}"), theme.error),
            None if self.busy => ("Asking their server…".to_string(), theme.dim),
            None => (
                "Type @user@host. They decide whether to accept.".to_string(),
                theme.dim,
            ),
        };
        for l in text::wrap(&note, width.max(1)) {
            lines.push(Line::styled(format!("  {l}"), style));
        }
        frame.render_widget(Paragraph::new(lines), area);
        let col = area.x + (text::width(LABEL) + text::width(&shown)) as u16;
        if row < area.y + area.height && col < area.x + area.width {
            frame.set_cursor_position(Position::new(col, row));
        }
    }
}
