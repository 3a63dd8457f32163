//! Image previews on the thread screen. `i` on a post from elsewhere asks camp for the
//! thumbnail of its first image and draws it under the post with coloured half-blocks
//! (`▀`: the top pixel in the foreground, the bottom one in the background), so it is
//! made of ordinary cells and passes the backend's guard like any text; `i` again shows
//! the next image, then none. Pressing `i` is the camper's own reveal for media marked
//! sensitive; a post behind a content warning must be opened (`x`) first. With the
//! kitty or sixel protocol in effect ([`crate::tui::graphics::Caps::protocol`]) the
//! preview reserves blank cells instead, and the graphics backend draws the picture
//! over them. Whether
//! anything is fetched at all, and for whom, camp decides ([`crate::camp::preview`]);
//! with previews off it says how to turn them on. A terminal without colours gets the
//! description only.

use std::sync::Arc;

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use crate::camp::preview::Thumb;
use crate::camp::{Camp, PostView};
use crate::model::Id;
use crate::tui::graphics::Protocol;
use crate::tui::theme::{ColorDepth, Theme};
use crate::tui::{Effect, Model, Msg};

/// Rows a preview takes at most (two pixels each).
pub const MAX_ROWS: usize = 8;
/// Columns a preview takes at most.
pub const MAX_COLS: usize = 48;

/// The preview shown on a thread screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// Under which post.
    pub post: Id,
    /// Which attachment (from 0).
    pub index: usize,
    /// Its description, sanitized by camp.
    pub alt: String,
    /// The picture, or where it stands.
    pub state: State,
    /// The colours the terminal shows.
    pub depth: ColorDepth,
    /// Drawn with terminal graphics (None: half-blocks).
    pub protocol: Option<Protocol>,
}

/// Where a preview stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Asked for.
    Loading,
    /// Here.
    Ready(Arc<Thumb>),
}

/// What camp answered for `i`: the image and its place, or None when the post has no
/// (further) image to preview.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Which attachment.
    pub index: usize,
    /// Its description.
    pub alt: String,
    /// The thumbnail.
    pub thumb: Arc<Thumb>,
}

/// `i` on `post` in the thread on top: the next image of the post, or none after the last.
pub fn on_key(model: &mut Model, post: &PostView) -> Vec<Effect> {
    let depth = model.depth;
    let Some(crate::tui::pages::Page::Thread(t)) = model.pages.last_mut() else {
        return vec![];
    };
    let index = match &t.preview {
        Some(s) if s.post == post.post.id => s.index + 1,
        _ => 0,
    };
    let revealed = post.post.cw.is_none() || model.expanded.contains(&post.post.id);
    if !revealed {
        model.flash(
            "Open the content warning first (x), then i shows its images.",
            true,
        );
        return vec![];
    }
    t.preview = Some(Shown {
        post: post.post.id,
        index,
        alt: String::new(),
        state: State::Loading,
        depth,
        protocol: model.gfx.protocol(),
    });
    vec![Effect::LoadPreview {
        post: post.post.id,
        index,
        revealed,
    }]
}

/// The answer to [`Effect::LoadPreview`].
pub fn loaded(model: &mut Model, post: Id, result: Result<Option<Loaded>, String>) -> Vec<Effect> {
    let mut failed = None;
    for page in model.pages.iter_mut() {
        let crate::tui::pages::Page::Thread(t) = page else {
            continue;
        };
        if t.preview.as_ref().is_none_or(|s| s.post != post) {
            continue;
        }
        t.preview = match &result {
            Ok(Some(l)) => Some(Shown {
                post,
                index: l.index,
                alt: l.alt.clone(),
                state: State::Ready(l.thumb.clone()),
                depth: model.depth,
                protocol: model.gfx.protocol(),
            }),
            Ok(None) => None,
            Err(e) => {
                failed = Some(e.clone());
                None
            }
        };
    }
    if let Some(e) = failed {
        model.flash(e, true);
    } else if matches!(result, Ok(None)) {
        model.flash("No more images in this post.", false);
    }
    vec![]
}

/// Runs [`Effect::LoadPreview`]: the first image camp can preview at or after `index`.
pub async fn run(camp: &Camp, me: Id, post: Id, index: usize, revealed: bool) -> Msg {
    let c = camp.clone();
    let media = tokio::task::spawn_blocking(move || c.attachments(me, post)).await;
    let media = match media {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => {
            return Msg::PreviewLoaded {
                post,
                result: Err(e.to_string()),
            };
        }
        Err(e) => {
            return Msg::PreviewLoaded {
                post,
                result: Err(e.to_string()),
            };
        }
    };
    let next = media
        .items
        .iter()
        .enumerate()
        .skip(index)
        .find(|(_, a)| a.previewable());
    let result = match next {
        None if index == 0 && media.items.is_empty() => {
            Err("This post has no attachments.".to_string())
        }
        None if index == 0 => Err("This post has no image camp can preview (PNG or JPEG).".into()),
        None => Ok(None),
        Some((i, a)) => camp
            .preview(me, post, i, revealed)
            .await
            .map(|thumb| {
                Some(Loaded {
                    index: i,
                    alt: a.alt.clone(),
                    thumb,
                })
            })
            .map_err(|e| e.to_string()),
    };
    Msg::PreviewLoaded { post, result }
}

/// The lines of a preview `width` cells wide at most.
pub fn lines(shown: &Shown, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let depth = shown.depth;
    let caption = |text: String| Line::from(Span::styled(text, theme.dim));
    let alt = crate::text::sanitize_line(&shown.alt);
    let thumb = match &shown.state {
        State::Loading => return vec![caption("[image: loading…]".into())],
        State::Ready(t) => t,
    };
    let mut out = Vec::new();
    if shown.protocol.is_some() {
        let (cols, rows) = cells(thumb, width.min(MAX_COLS), MAX_ROWS);
        out.extend(crate::tui::graphics::reserved_lines(
            cols as u16,
            rows as u16,
        ));
    } else if depth != ColorDepth::Mono {
        out.extend(half_blocks(thumb, width.min(MAX_COLS), MAX_ROWS, depth));
    }
    let label: String = format!("[image {}: {alt}]", shown.index + 1)
        .chars()
        .take(width.max(8))
        .collect();
    out.push(caption(label));
    out
}

/// True when some open thread may have reserved cells for a terminal-graphics picture
/// this frame ([`lines`] reserves them only for a preview with a protocol): otherwise
/// the frame holds no markers and nobody need look for them in every cell.
pub fn may_reserve(model: &Model) -> bool {
    model.pages.iter().any(|p| {
        matches!(p, crate::tui::pages::Page::Thread(t)
            if t.preview.as_ref().is_some_and(|s| s.protocol.is_some()))
    })
}

/// The picture shown under the thread on top, when it is drawn with terminal graphics.
pub fn drawn(model: &Model) -> Option<(Arc<Thumb>, Protocol)> {
    let Some(crate::tui::pages::Page::Thread(t)) = model.pages.last() else {
        return None;
    };
    let shown = t.preview.as_ref()?;
    match (&shown.state, shown.protocol) {
        (State::Ready(thumb), Some(p)) => Some((thumb.clone(), p)),
        _ => None,
    }
}

/// The cells (columns, rows) a picture takes within `cols` × `rows`, each cell one
/// pixel wide and two tall, proportions kept, never enlarged.
pub fn cells(thumb: &Thumb, cols: usize, rows: usize) -> (usize, usize) {
    let (w, h) = (thumb.width as usize, thumb.height as usize);
    let (max_w, max_h) = (cols.max(1), rows.max(1) * 2);
    let scale = (max_w as f64 / w as f64)
        .min(max_h as f64 / h as f64)
        .min(1.0);
    let tw = ((w as f64 * scale).round() as usize).max(1);
    let th = ((h as f64 * scale).round() as usize).max(2).div_ceil(2) * 2;
    (tw, th / 2)
}

/// The picture as rows of `▀`, fitted into `cols` × `rows` cells (each cell one pixel
/// wide and two tall) with its proportions kept.
pub fn half_blocks(
    thumb: &Thumb,
    cols: usize,
    rows: usize,
    depth: ColorDepth,
) -> Vec<Line<'static>> {
    let (w, h) = (thumb.width as usize, thumb.height as usize);
    let (tw, rows) = cells(thumb, cols, rows);
    let th = rows * 2;
    let sample = |x: usize, y: usize| -> [u8; 3] {
        // The mean of the source pixels under this target pixel.
        let (x0, x1) = (x * w / tw, ((x + 1) * w / tw).max(x * w / tw + 1));
        let (y0, y1) = (y * h / th, ((y + 1) * h / th).max(y * h / th + 1));
        let mut sum = [0u32; 3];
        let mut n = 0;
        for sy in y0..y1.min(h) {
            for sx in x0..x1.min(w) {
                let p = thumb.pixel(sx as u32, sy as u32);
                for c in 0..3 {
                    sum[c] += u32::from(p[c]);
                }
                n += 1;
            }
        }
        let n = n.max(1);
        [(sum[0] / n) as u8, (sum[1] / n) as u8, (sum[2] / n) as u8]
    };
    (0..th / 2)
        .map(|row| {
            Line::from(
                (0..tw)
                    .map(|x| {
                        let top = colour(sample(x, row * 2), depth);
                        let bottom = colour(sample(x, row * 2 + 1), depth);
                        Span::styled("▀", Style::new().fg(top).bg(bottom))
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// The nearest colour the terminal can show.
pub fn colour([r, g, b]: [u8; 3], depth: ColorDepth) -> Color {
    match depth {
        ColorDepth::True => Color::Rgb(r, g, b),
        ColorDepth::Indexed => {
            // The 6×6×6 cube of the 256-colour palette.
            let level = |c: u8| -> u8 {
                match c {
                    0..=47 => 0,
                    48..=114 => 1,
                    _ => (c - 35) / 40,
                }
            };
            Color::Indexed(16 + 36 * level(r) + 6 * level(g) + level(b))
        }
        ColorDepth::Basic | ColorDepth::Mono => {
            let on = |c: u8| c >= 128;
            match (on(r), on(g), on(b)) {
                (false, false, false) => Color::Black,
                (true, false, false) => Color::Red,
                (false, true, false) => Color::Green,
                (true, true, false) => Color::Yellow,
                (false, false, true) => Color::Blue,
                (true, false, true) => Color::Magenta,
                (false, true, true) => Color::Cyan,
                (true, true, true) => Color::White,
            }
        }
    }
}
