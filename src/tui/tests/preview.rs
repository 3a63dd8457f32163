//! Image previews on the thread screen: `i`, the half-block drawing, and what is never
//! asked for.

use super::*;
use crate::camp::Thread;
use crate::camp::preview::Thumb;
use crate::tui::preview::{Loaded, State};

/// A 32×16 picture: red top-left, green top-right, blue bottom-left, white
/// bottom-right.
fn quadrants() -> Arc<Thumb> {
    let (w, h) = (32u32, 16u32);
    let rgb = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            match (x < w / 2, y < h / 2) {
                (true, true) => [255, 0, 0],
                (false, true) => [0, 255, 0],
                (true, false) => [0, 0, 255],
                (false, false) => [255, 255, 255],
            }
        })
        .collect();
    Arc::new(Thumb {
        width: w,
        height: h,
        rgb,
    })
}

/// The member model in the thread of a post from elsewhere (id 70, by carol@peer.example).
fn remote_thread(cw: Option<&str>) -> Model {
    let mut m = member_model();
    m.depth = crate::tui::theme::ColorDepth::True;
    let mut post = view(70, "carol@peer.example", "Carol", "Our new flag!", 60_000);
    post.post.cw = cw.map(str::to_string);
    Arc::make_mut(&mut m.camp.posts[0]).post = post.post.clone();
    Arc::make_mut(&mut m.camp.posts[0]).author = post.author.clone();
    update(&mut m, key(Key::Enter));
    update(
        &mut m,
        Msg::ThreadLoaded {
            id: 70,
            result: Ok(Arc::new(Thread {
                ancestors: vec![],
                post,
                replies: vec![],
            })),
        },
    );
    m
}

fn shown(m: &Model) -> Option<&crate::tui::preview::Shown> {
    match m.pages.last() {
        Some(crate::tui::pages::Page::Thread(t)) => t.preview.as_ref(),
        _ => None,
    }
}

fn with_preview() -> Model {
    let mut m = remote_thread(None);
    let e = update(&mut m, ch('i'));
    assert_eq!(
        e,
        vec![Effect::LoadPreview {
            post: 70,
            index: 0,
            revealed: true
        }]
    );
    assert_eq!(shown(&m).map(|s| &s.state), Some(&State::Loading));
    update(
        &mut m,
        Msg::PreviewLoaded {
            post: 70,
            result: Ok(Some(Loaded {
                index: 0,
                alt: "a flag in four colours".into(),
                thumb: quadrants(),
            })),
        },
    );
    m
}

#[test]
fn snapshot_preview_80x24() {
    let mut m = with_preview();
    let t = draw(&mut m, 80, 24);
    let s = t.backend().to_string();
    assert!(s.contains("[image 1: a flag in four colours]"), "{s}");
    // The picture is 32×16 pixels: 32 columns × 8 rows of half-blocks, each cell's
    // top pixel in the foreground and bottom one in the background.
    let buf = t.backend().buffer();
    let cells: Vec<_> = buf.content.iter().filter(|c| c.symbol() == "▀").collect();
    assert_eq!(cells.len(), 32 * 8);
    assert_eq!(cells[0].fg, Color::Rgb(255, 0, 0));
    assert_eq!(cells[0].bg, Color::Rgb(255, 0, 0));
    assert_eq!(cells[31].fg, Color::Rgb(0, 255, 0));
    let last = cells[cells.len() - 1];
    assert_eq!(
        (last.fg, last.bg),
        (Color::Rgb(255, 255, 255), Color::Rgb(255, 255, 255))
    );
    assert_eq!(cells[32 * 7].bg, Color::Rgb(0, 0, 255));
    insta::assert_snapshot!(s);
}

#[test]
fn snapshot_preview_40x15() {
    let mut m = with_preview();
    let t = draw(&mut m, 40, 15);
    let s = t.backend().to_string();
    let blocks = t
        .backend()
        .buffer()
        .content
        .iter()
        .filter(|c| c.symbol() == "▀")
        .count();
    assert!(blocks > 0, "{s}");
    // Never wider than the screen's post column.
    for line in s.lines() {
        assert!(line.chars().filter(|c| *c == '▀').count() <= 36, "{s}");
    }
    insta::assert_snapshot!(s);
}

#[test]
fn i_again_asks_for_the_next_image_and_a_failure_is_said() {
    let mut m = with_preview();
    let e = update(&mut m, ch('i'));
    assert_eq!(
        e,
        vec![Effect::LoadPreview {
            post: 70,
            index: 1,
            revealed: true
        }]
    );
    update(
        &mut m,
        Msg::PreviewLoaded {
            post: 70,
            result: Ok(None),
        },
    );
    assert!(shown(&m).is_none());
    assert!(!screen(&mut m, 80, 24).contains('▀'));
    update(&mut m, ch('i'));
    update(
        &mut m,
        Msg::PreviewLoaded {
            post: 70,
            result: Err("image previews are off: turn them on in Settings".into()),
        },
    );
    assert!(shown(&m).is_none());
    assert!(screen(&mut m, 80, 24).contains("image previews are off"));
}

#[test]
fn nothing_is_asked_for_behind_a_closed_warning_and_closing_it_hides_the_picture() {
    let mut m = remote_thread(Some("flags"));
    assert!(update(&mut m, ch('i')).is_empty());
    assert!(shown(&m).is_none());
    assert!(screen(&mut m, 80, 24).contains("content warning first"));
    update(&mut m, ch('x'));
    assert_eq!(
        update(&mut m, ch('i')),
        vec![Effect::LoadPreview {
            post: 70,
            index: 0,
            revealed: true
        }]
    );
    update(
        &mut m,
        Msg::PreviewLoaded {
            post: 70,
            result: Ok(Some(Loaded {
                index: 0,
                alt: "flag".into(),
                thumb: quadrants(),
            })),
        },
    );
    assert!(screen(&mut m, 80, 24).contains('▀'));
    update(&mut m, ch('x'));
    assert!(
        !screen(&mut m, 80, 24).contains('▀'),
        "closed again: no picture"
    );
}

#[test]
fn a_terminal_without_colours_gets_the_description_only() {
    let mut m = with_preview();
    m.depth = crate::tui::theme::ColorDepth::Mono;
    if let Some(crate::tui::pages::Page::Thread(t)) = m.pages.last_mut()
        && let Some(s) = t.preview.as_mut()
    {
        s.depth = m.depth;
    }
    let s = screen(&mut m, 80, 24);
    assert!(!s.contains('▀'), "{s}");
    assert!(s.contains("[image 1: a flag in four colours]"), "{s}");
}

#[test]
fn the_thread_help_with_i_fits_at_40x15() {
    let mut m = remote_thread(None);
    update(&mut m, ch('?'));
    let keys = crate::tui::view::help_lines(&m);
    assert!(keys.iter().any(|(k, _)| *k == "i"));
    let s = screen(&mut m, 40, 15);
    for (k, _) in &keys {
        assert!(s.contains(k), "{k} missing at 40x15:\n{s}");
    }
}

/// The preview with kitty graphics chosen: its cells are reserved blank, the picture
/// is placed over them (by the graphics backend, not in cells).
fn with_kitty() -> Model {
    let mut m = remote_thread(None);
    m.gfx.allowed = true;
    m.gfx.mode = crate::camp::preview::PreviewMode::Kitty;
    update(&mut m, ch('i'));
    update(
        &mut m,
        Msg::PreviewLoaded {
            post: 70,
            result: Ok(Some(Loaded {
                index: 0,
                alt: "a flag in four colours".into(),
                thumb: quadrants(),
            })),
        },
    );
    m
}

fn no_marker_or_block(s: &str) {
    assert!(
        !s.chars()
            .any(|c| c == '▀' || ('\u{f0000}'..='\u{fffff}').contains(&c)),
        "{s}"
    );
}

#[test]
fn snapshot_kitty_preview_80x24() {
    let mut m = with_kitty();
    let t = draw(&mut m, 80, 24);
    let s = t.backend().to_string();
    no_marker_or_block(&s);
    assert!(s.contains("[image 1: a flag in four colours]"), "{s}");
    let p = m.gfx.placed.clone().expect("a picture is placed");
    assert_eq!(p.protocol, crate::tui::graphics::Protocol::Kitty);
    // 32×16 pixels: 32 columns × 8 rows, as the half-blocks would take.
    assert_eq!((p.area.width, p.area.height), (32, 8));
    insta::assert_snapshot!(s);
}

#[test]
fn snapshot_kitty_preview_40x15() {
    let mut m = with_kitty();
    let t = draw(&mut m, 40, 15);
    let s = t.backend().to_string();
    no_marker_or_block(&s);
    let p = m.gfx.placed.clone().expect("a picture is placed");
    assert!(p.area.right() <= 40 && p.area.bottom() < 15, "{p:?}");
    insta::assert_snapshot!(s);
}

#[test]
fn help_over_the_picture_or_the_browser_terminal_places_none() {
    let mut m = with_kitty();
    update(&mut m, ch('?'));
    let s = screen(&mut m, 80, 24);
    no_marker_or_block(&s);
    assert_eq!(m.gfx.placed, None, "help covers it");
    // In the browser terminal the same choice draws half-blocks.
    let mut m = remote_thread(None);
    m.gfx.mode = crate::camp::preview::PreviewMode::Kitty;
    update(&mut m, ch('i'));
    update(
        &mut m,
        Msg::PreviewLoaded {
            post: 70,
            result: Ok(Some(Loaded {
                index: 0,
                alt: "flag".into(),
                thumb: quadrants(),
            })),
        },
    );
    assert!(screen(&mut m, 80, 24).contains('▀'));
    assert_eq!(m.gfx.placed, None);
}

#[test]
fn the_settings_row_cycles_through_kitty_and_sixel_and_the_model_follows() {
    use crate::camp::preview::PreviewMode;
    use crate::tui::settings::{Row, SettingsData, SettingsPage};
    let mut m = member_model();
    update(&mut m, ch('s'));
    let at = SettingsPage::default()
        .rows()
        .iter()
        .position(|r| *r == Row::Preview)
        .expect("a preview row");
    let loaded = |mode| Msg::SettingsLoaded {
        flash: None,
        result: Ok(Arc::new(SettingsData {
            preview: mode,
            ..SettingsData::fresh(account(1, "ana"))
        })),
    };
    update(&mut m, loaded(PreviewMode::Auto));
    for _ in 0..at {
        update(&mut m, ch('j'));
    }
    assert!(screen(&mut m, 80, 24).contains("auto"));
    assert_eq!(m.gfx.mode, PreviewMode::Auto);
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Settings(SettingsChange::Preview(
            PreviewMode::Kitty
        ))]
    );
    update(&mut m, loaded(PreviewMode::Kitty));
    assert_eq!(m.gfx.mode, PreviewMode::Kitty);
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Settings(SettingsChange::Preview(
            PreviewMode::Sixel
        ))]
    );
}
