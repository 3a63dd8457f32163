//! Colours with meaning: accent for the selection and the active tab, red for errors,
//! yellow for content warnings and the new-posts marker, grey for secondary text.

use ratatui::style::{Color, Modifier, Style};

/// The styles screens use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Selection bar, active tab, titles.
    pub accent: Style,
    /// Secondary text: handles, times, hints.
    pub dim: Style,
    /// Errors and refusals.
    pub error: Style,
    /// Content warnings and markers.
    pub warn: Style,
    /// Confirmations.
    pub ok: Style,
    /// Author names.
    pub name: Style,
    /// The header and footer bars.
    pub bar: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            accent: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            dim: Style::new().fg(Color::DarkGray),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            warn: Style::new().fg(Color::Yellow),
            ok: Style::new().fg(Color::Green),
            name: Style::new().add_modifier(Modifier::BOLD),
            bar: Style::new().bg(Color::Indexed(236)).fg(Color::White),
        }
    }
}

impl Theme {
    /// No colours at all, for `NO_COLOR` and monochrome terminals: meaning is carried
    /// by bold, reverse and underline instead.
    pub fn mono() -> Theme {
        Theme {
            accent: Style::new().add_modifier(Modifier::BOLD),
            dim: Style::new(),
            error: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            warn: Style::new().add_modifier(Modifier::ITALIC),
            ok: Style::new(),
            name: Style::new().add_modifier(Modifier::BOLD),
            bar: Style::new().add_modifier(Modifier::REVERSED),
        }
    }

    /// The theme a session starts with, from the environment the client sent.
    pub fn from_env(env: &[(String, String)]) -> Theme {
        if env.iter().any(|(k, _)| k == "NO_COLOR") {
            Theme::mono()
        } else {
            Theme::default()
        }
    }
}
