//! The last output guard on screens (issue 10, item 4): records holding raw controls,
//! written straight into the store past entry sanitizing, reach no cell of a frame.

use super::*;
use crate::Camp;
use crate::camp::testing::camp_with;
use crate::tui::guarded_backend::GuardedBackend;

const HOSTILE: &str =
    "ok\x1b]0;pwned\x07 \x1b[2J\u{9b}31m red \u{202e}evil\u{2066} \u{85}end\x00\x7f\r\x08";

fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A camp where `bo`'s display name and a post of his hold raw controls.
fn planted() -> (Camp, u64) {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let mut bo = camp.account(ids[1]).unwrap().unwrap();
    bo.display_name = HOSTILE.into();
    camp.store().put_account(&bo).unwrap();
    let post = Post {
        id: camp.store().next_id(),
        author: bo.id,
        text: HOSTILE.into(),
        cw: None,
        visibility: Visibility::Camp,
        reply_to: None,
        mentions: vec![],
        created_ms: NOW,
        edited_ms: None,
    };
    camp.store().insert_post(&post, true, &[bo.id]).unwrap();
    (camp, ids[0])
}

#[test]
fn no_cell_of_a_rendered_timeline_carries_a_control() {
    let (camp, ana) = planted();
    let posts = camp.timeline(ana, TimelineKind::Camp, None, 20).unwrap();
    assert!(posts[0].post.text.contains('\u{202e}'), "planted raw");
    let me = camp.account(ana).unwrap();
    let mut m = Model::new(info(), "Be kind.".into(), me);
    m.now_ms = NOW;
    let _ = m.init();
    update(
        &mut m,
        Msg::TimelineLoaded {
            kind: TimelineKind::Camp,
            before: None,
            result: Ok(posts),
        },
    );
    assert_clean_frame(&mut m, "evil");
}

/// Renders `m` at 80×24 and checks that `shown` is on screen and no cell carries a
/// control.
#[track_caller]
fn assert_clean_frame(m: &mut Model, shown: &str) {
    // Through the backend the session uses, which is where the guard stands.
    let mut t = Terminal::new(GuardedBackend::new(TestBackend::new(80, 24))).unwrap();
    t.draw(|f| view::render(f, m)).unwrap();
    let buffer = t.backend().inner().buffer();
    let text: String = buffer.content.iter().map(|c| c.symbol()).collect();
    assert!(text.contains(shown), "{shown:?} is drawn: {text}");
    let bad: Vec<&str> = buffer
        .content
        .iter()
        .map(|c| c.symbol())
        .filter(|s| s.chars().any(forbidden))
        .collect();
    assert!(bad.is_empty(), "cells with controls: {bad:?}");
}

/// The camp's name comes from `camp.toml` unsanitized, and a block title (drawn as a
/// `Line`) keeps the zero-width bidi controls ratatui's paragraphs drop: the guard
/// takes them out of the frame.
#[test]
fn no_cell_of_a_box_title_carries_a_bidi_control() {
    let mut camp_info = info();
    camp_info.name = "pine\u{202e}camp\u{2066}".into();
    let mut m = Model::new(camp_info, "Be kind.".into(), None);
    m.now_ms = NOW;
    assert_clean_frame(&mut m, "Welcome to pine");
}

#[test]
fn the_guard_keeps_wide_and_combined_cells_as_they_were() {
    let mut m = member_model();
    let before = screen(&mut m, 80, 24);
    assert!(before.contains("世界") && before.contains("👨‍👩‍👧"), "{before}");
}
