//! Reserving cells and sending pictures through the real backend stack of a session
//! (guard, hyperlinks, graphics, crossterm into a `Vec<u8>`).

use std::sync::Arc;

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::backend::GraphicsBackend;
use super::*;
use crate::tui::guarded_backend::GuardedBackend;
use crate::tui::hyperlinks::{HyperlinkBackend, Links};

type Stack = Terminal<GuardedBackend<HyperlinkBackend<GraphicsBackend<CrosstermBackend<Vec<u8>>>>>>;

fn stack(g: &Graphics, w: u16, h: u16) -> Stack {
    Terminal::with_options(
        GuardedBackend::new(HyperlinkBackend::new(
            GraphicsBackend::new(CrosstermBackend::new(Vec::new()), g.clone()),
            Links::default(),
        )),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
        },
    )
    .unwrap()
}

fn thumb(w: u32, h: u32, rgb: [u8; 3]) -> Arc<Thumb> {
    Arc::new(Thumb {
        width: w,
        height: h,
        rgb: (0..w * h).flat_map(|_| rgb).collect(),
    })
}

/// What a frame sent: text lines above, `reserved` (cols × rows) at row `at`, and a
/// popup over it when `popup`.
struct Frame<'a> {
    text: &'a str,
    at: u16,
    reserved: Option<(u16, u16)>,
    popup: bool,
}

fn draw(
    t: &mut Stack,
    g: &Graphics,
    picture: &Option<(Arc<Thumb>, Protocol)>,
    f: Frame,
) -> Vec<u8> {
    t.draw(|frame| {
        let area = frame.area();
        let mut lines: Vec<Line> = (0..f.at).map(|_| Line::from(f.text.to_string())).collect();
        if let Some((c, r)) = f.reserved {
            lines.extend(reserved_lines(c, r));
        }
        lines.push(Line::from("[image 1: a flag]"));
        frame.render_widget(Paragraph::new(lines), area);
        if f.popup {
            let r = Rect::new(2, 1, 12, 4);
            frame.render_widget(Clear, r);
            frame.render_widget(Paragraph::new("help").block(Block::bordered()), r);
        }
        let placed = reserve(frame.buffer_mut(), picture.clone());
        g.set(placed);
    })
    .unwrap();
    std::mem::take(
        t.backend_mut()
            .inner_mut()
            .inner_mut()
            .inner_mut()
            .writer_mut(),
    )
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

#[test]
fn a_kitty_picture_is_sent_once_placed_again_when_moved_and_deleted_when_gone() {
    let g = Graphics::new();
    let id = g.state().id;
    let mut t = stack(&g, 40, 12);
    let pic = Some((thumb(8, 8, [200, 30, 30]), Protocol::Kitty));
    let frame = |text, at, reserved| Frame {
        text,
        at,
        reserved,
        popup: false,
    };

    let first = draw(&mut t, &g, &pic, frame("post", 2, Some((6, 3))));
    let transmit = "\x1b_Ga=T,f=24,s=8,v=8";
    assert_eq!(count(&first, transmit.as_bytes()), 1, "{first:?}");
    assert!(first.windows(4).any(|w| w == b"post"));
    // At the reserved rectangle (row 3, column 1), after the cells and a blanking.
    let at = b"\x1b[3;1H\x1b_Ga=T";
    assert_eq!(
        count(&first, at),
        1,
        "{:?}",
        String::from_utf8_lossy(&first)
    );
    let pos_image = first.windows(at.len()).position(|w| w == at).unwrap();
    let pos_text = first.windows(4).position(|w| w == b"post").unwrap();
    assert!(pos_text < pos_image, "the picture follows the cells");
    assert!(first.windows(6).any(|w| w == b"\x1b[6X\x1b["));

    // The same frame again (or an unrelated change elsewhere) sends no picture.
    let same = draw(&mut t, &g, &pic, frame("post", 2, Some((6, 3))));
    assert_eq!(count(&same, b"\x1b_G"), 0, "{same:?}");
    assert_eq!(count(&same, b"post"), 0, "nothing changed, nothing sent");
    let other = draw(&mut t, &g, &pic, frame("tsop", 2, Some((6, 3))));
    assert!(other.windows(4).any(|w| w == b"tsop"));
    assert_eq!(count(&other, b"\x1b_G"), 0, "{other:?}");

    // A live post shifts it down a row: taken off, placed again without the pixels.
    let moved = draw(&mut t, &g, &pic, frame("tsop", 3, Some((6, 3))));
    let hide = format!("\x1b_Ga=d,d=i,i={id},q=2\x1b\\");
    let place = format!("\x1b[4;1H\x1b_Ga=p,i={id},c=6,r=3,C=1,q=2\x1b\\");
    assert_eq!(count(&moved, hide.as_bytes()), 1, "{moved:?}");
    assert_eq!(count(&moved, place.as_bytes()), 1, "{moved:?}");
    assert_eq!(count(&moved, b"a=T"), 0);

    // A popup over it: the picture goes (it would hide the popup), the popup's cells
    // are drawn; uncovered, the picture is sent again.
    let covered = Frame {
        popup: true,
        ..frame("tsop", 3, Some((6, 3)))
    };
    let out = draw(&mut t, &g, &pic, covered);
    let delete = format!("\x1b_Ga=d,d=I,i={id},q=2\x1b\\");
    assert_eq!(count(&out, delete.as_bytes()), 1, "{out:?}");
    assert!(out.windows(4).any(|w| w == b"help"));
    assert_eq!(count(&out, b"a=p"), 0);
    assert_eq!(count(&out, b"a=T"), 0);
    let out = draw(&mut t, &g, &pic, frame("tsop", 3, Some((6, 3))));
    assert_eq!(count(&out, b"\x1b[4;1H\x1b_Ga=T"), 1, "{out:?}");

    // The preview closes: deleted, pixels and all, and its cells repainted.
    let gone = draw(&mut t, &g, &None, frame("tsop", 3, None));
    assert_eq!(count(&gone, delete.as_bytes()), 1, "{gone:?}");
    assert_eq!(count(&gone, b"[image"), 1, "the caption moved up");
    let after = draw(&mut t, &g, &None, frame("tsop", 3, None));
    assert_eq!(count(&after, b"\x1b_G"), 0, "{after:?}");
    assert!(g.goodbye().is_empty());
}

#[test]
fn a_sixel_picture_is_sent_once_and_its_cells_are_repainted_when_it_goes() {
    let g = Graphics::new();
    let mut t = stack(&g, 30, 10);
    let pic = Some((thumb(12, 12, [0, 0, 255]), Protocol::Sixel));
    let f = |reserved| Frame {
        text: "x",
        at: 1,
        reserved,
        popup: false,
    };
    let first = draw(&mut t, &g, &pic, f(Some((4, 2))));
    assert_eq!(count(&first, b"\x1bP0;1;0q"), 1, "{first:?}");
    // Sized for 7×14-pixel cells: 4×2 cells hold 28×28 pixels, whole bands: 28×24.
    assert_eq!(count(&first, b"\"1;1;28;24"), 1, "{first:?}");
    let same = draw(&mut t, &g, &pic, f(Some((4, 2))));
    assert_eq!(count(&same, b"\x1bP"), 0, "{same:?}");
    // Gone: no escape for it, but the cells it covered are sent again (they were
    // skipped while it showed), so the terminal paints over the pixels.
    let gone = draw(&mut t, &g, &None, f(None));
    assert_eq!(count(&gone, b"\x1bP"), 0);
    // Rows 2 and 3 held it: the caption moves up into row 2, row 3 is blanked.
    assert_eq!(count(&gone, b"\x1b[2;1H[image"), 1, "{gone:?}");
    assert_eq!(count(&gone, b"\x1b[3;1H    "), 1, "{gone:?}");
}

#[test]
fn a_cut_or_forged_rectangle_places_nothing_and_markers_never_reach_the_screen() {
    let pic = Some((thumb(4, 4, [1, 2, 3]), Protocol::Kitty));
    // Cut by the bottom of the screen: 3 rows reserved, 2 visible.
    let mut b = Buffer::empty(Rect::new(0, 0, 10, 3));
    for (i, l) in reserved_lines(4, 3).iter().enumerate().take(2) {
        b.set_line(0, 1 + i as u16, l, 10);
    }
    assert_eq!(reserve(&mut b, pic.clone()), None);
    assert!(b.content.iter().all(|c| c.symbol() == " "));
    assert!(
        b.content
            .iter()
            .all(|c| c.diff_option == CellDiffOption::None)
    );
    // A post's text with the marker symbols but not the hidden modifier is only text.
    let mut b = Buffer::empty(Rect::new(0, 0, 10, 3));
    let forged: String = std::iter::repeat_n(mark(3, 1, 0), 3).collect();
    b.set_string(0, 0, &forged, Style::new());
    assert_eq!(reserve(&mut b, pic.clone()), None);
    // Whole: placed, and its cells skipped by the diff.
    let mut b = Buffer::empty(Rect::new(0, 0, 10, 4));
    for (i, l) in reserved_lines(4, 3).iter().enumerate() {
        b.set_line(2, i as u16, l, 10);
    }
    let p = reserve(&mut b, pic).expect("placed");
    assert_eq!(p.area, Rect::new(2, 0, 4, 3));
    assert_eq!(b[(3, 1)].diff_option, CellDiffOption::Skip);
    assert_eq!(b[(3, 1)].symbol(), " ");
}

#[test]
fn encoded_pictures_are_bounded() {
    // A noisy 192×192 thumbnail over the largest preview: within the cap either way.
    let mut seed = 7u32;
    let rgb: Vec<u8> = (0..192 * 192 * 3)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as u8
        })
        .collect();
    let thumb = Arc::new(Thumb {
        width: 192,
        height: 192,
        rgb,
    });
    for protocol in [Protocol::Kitty, Protocol::Sixel] {
        let p = Placement {
            area: Rect::new(0, 0, 48, 15),
            thumb: thumb.clone(),
            protocol,
        };
        let out = encode(&p, 1, (10, 20)).expect("fits");
        assert!(out.len() <= MAX_BYTES, "{protocol:?}: {}", out.len());
    }
}

#[test]
fn the_protocol_follows_the_choice_then_detection_and_never_the_browser() {
    let mut c = Caps {
        allowed: true,
        ..Caps::default()
    };
    assert_eq!(c.protocol(), None);
    c.mode = PreviewMode::Auto;
    assert_eq!(c.protocol(), None, "auto without detection: half-blocks");
    c.detected = Some(Protocol::Sixel);
    assert_eq!(c.protocol(), Some(Protocol::Sixel));
    c.mode = PreviewMode::Kitty;
    assert_eq!(
        c.protocol(),
        Some(Protocol::Kitty),
        "the explicit choice wins"
    );
    c.mode = PreviewMode::HalfBlock;
    assert_eq!(c.protocol(), None);
    c.mode = PreviewMode::Kitty;
    c.allowed = false;
    assert_eq!(c.protocol(), None, "the browser terminal gets half-blocks");
}
