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

/// How many colours the reader's terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    /// No colours (`NO_COLOR`, `TERM=dumb`).
    Mono,
    /// The 16 ANSI colours.
    Basic,
    /// The 256-colour palette.
    Indexed,
    /// 24-bit colour (`COLORTERM=truecolor`).
    True,
}

impl ColorDepth {
    /// From the terminal type of the PTY request and the environment the client sent.
    pub fn from_env(term: Option<&str>, env: &[(String, String)]) -> ColorDepth {
        let var = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if var("NO_COLOR").is_some() {
            return ColorDepth::Mono;
        }
        if matches!(var("COLORTERM"), Some("truecolor" | "24bit")) {
            return ColorDepth::True;
        }
        match term.unwrap_or("") {
            "dumb" => ColorDepth::Mono,
            t if t.contains("256") || t.contains("direct") => ColorDepth::Indexed,
            "xterm" | "vt100" | "vt220" | "linux" | "screen" | "ansi" | "cygwin" => {
                ColorDepth::Basic
            }
            // Unknown or unset: most terminals today show 256 colours.
            _ => ColorDepth::Indexed,
        }
    }
}

/// Themes shipped in `themes/*.toml`, by name.
pub const BUNDLED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// The names of the bundled themes, in picker order.
pub fn theme_names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(n, _)| *n)
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    reversed: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    accent: StyleSpec,
    dim: StyleSpec,
    error: StyleSpec,
    warn: StyleSpec,
    ok: StyleSpec,
    name: StyleSpec,
    bar: StyleSpec,
}

/// The 16 ANSI colours with typical RGB values, for fitting richer colours down.
const ANSI: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn rgb_of_index(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI[i as usize].1,
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

fn nearest_ansi(rgb: (u8, u8, u8)) -> Color {
    let d = |a: (u8, u8, u8)| {
        let sq = |x: u8, y: u8| (x as i32 - y as i32).pow(2);
        sq(a.0, rgb.0) + sq(a.1, rgb.1) + sq(a.2, rgb.2)
    };
    ANSI.iter()
        .min_by_key(|(_, c)| d(*c))
        .map(|(c, _)| *c)
        .unwrap_or(Color::White)
}

/// A colour as the terminal can show it.
pub fn fit_color(c: Color, depth: ColorDepth) -> Option<Color> {
    match (depth, c) {
        (ColorDepth::Mono, _) => None,
        (ColorDepth::True, c) => Some(c),
        (ColorDepth::Indexed, Color::Rgb(r, g, b)) => {
            let q = |v: u8| if v < 48 { 0 } else { (v - 35) / 40 };
            Some(Color::Indexed(16 + 36 * q(r) + 6 * q(g) + q(b)))
        }
        (ColorDepth::Basic, Color::Rgb(r, g, b)) => Some(nearest_ansi((r, g, b))),
        (ColorDepth::Basic, Color::Indexed(i)) if i > 15 => Some(nearest_ansi(rgb_of_index(i))),
        (_, c) => Some(c),
    }
}

impl StyleSpec {
    fn style(&self, depth: ColorDepth) -> Result<Style, String> {
        let color = |s: &Option<String>| -> Result<Option<Color>, String> {
            match s {
                None => Ok(None),
                Some(s) => s
                    .parse::<Color>()
                    .map(|c| fit_color(c, depth))
                    .map_err(|_| format!("'{s}' is not a colour")),
            }
        };
        let mut st = Style::new();
        if let Some(c) = color(&self.fg)? {
            st = st.fg(c);
        }
        if let Some(c) = color(&self.bg)? {
            st = st.bg(c);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ] {
            if on {
                st = st.add_modifier(m);
            }
        }
        // Without colours, the bar must still stand out.
        if depth == ColorDepth::Mono && self.bg.is_some() {
            st = st.add_modifier(Modifier::REVERSED);
        }
        Ok(st)
    }
}

impl Theme {
    /// Parses a theme file (TOML) for a terminal of `depth`.
    pub fn parse(toml_text: &str, depth: ColorDepth) -> Result<Theme, String> {
        let f: ThemeFile = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        Ok(Theme {
            accent: f.accent.style(depth)?,
            dim: f.dim.style(depth)?,
            error: f.error.style(depth)?,
            warn: f.warn.style(depth)?,
            ok: f.ok.style(depth)?,
            name: f.name.style(depth)?,
            bar: f.bar.style(depth)?,
        })
    }

    /// A bundled theme by name for a terminal of `depth` (the default theme for an
    /// unknown name; mono whenever the terminal shows no colours).
    pub fn named(name: &str, depth: ColorDepth) -> Theme {
        if depth == ColorDepth::Mono {
            return Theme::mono();
        }
        let text = BUNDLED
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or(&BUNDLED[0])
            .1;
        Theme::parse(text, depth).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_theme_parses_at_every_depth() {
        for (name, text) in BUNDLED {
            for depth in [
                ColorDepth::Mono,
                ColorDepth::Basic,
                ColorDepth::Indexed,
                ColorDepth::True,
            ] {
                Theme::parse(text, depth).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
        assert_eq!(
            Theme::named("default", ColorDepth::Indexed),
            Theme::default(),
            "the file and the built-in default agree"
        );
    }

    #[test]
    fn no_color_forces_mono_and_depth_fits_colours() {
        let env = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert_eq!(
            ColorDepth::from_env(Some("xterm-256color"), &env("NO_COLOR", "1")),
            ColorDepth::Mono
        );
        assert_eq!(
            ColorDepth::from_env(Some("xterm"), &env("COLORTERM", "truecolor")),
            ColorDepth::True
        );
        assert_eq!(ColorDepth::from_env(Some("xterm"), &[]), ColorDepth::Basic);
        assert_eq!(ColorDepth::from_env(None, &[]), ColorDepth::Indexed);
        assert_eq!(
            Theme::named("light", ColorDepth::Mono),
            Theme::mono(),
            "a chosen theme never beats NO_COLOR"
        );
        let light = Theme::named("light", ColorDepth::Basic);
        assert!(matches!(
            light.accent.fg,
            Some(Color::Blue | Color::Cyan | Color::Black)
        ));
        assert_eq!(
            fit_color(Color::Rgb(255, 0, 0), ColorDepth::Indexed),
            Some(Color::Indexed(196))
        );
        assert!(Theme::parse("[accent]\nfg = \"nope\"", ColorDepth::True).is_err());
    }
}
