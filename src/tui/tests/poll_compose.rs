//! A poll written in the composer: Ctrl-P adds it, Tab walks its rows, Ctrl-S sends it
//! with the post; a refusal from the service keeps the text and the choices.

use super::*;
use crate::camp::PollDraft;

/// ana composes "Where do we sleep?" with three choices, 6 hours, several choices.
fn composing_a_poll() -> Model {
    let mut m = member_model();
    update(&mut m, ch('c'));
    typed(&mut m, "Where do we sleep on Saturday?");
    update(&mut m, ctrl('p'));
    typed(&mut m, "tarp");
    update(&mut m, key(Key::Enter));
    typed(&mut m, "tent");
    update(&mut m, key(Key::Enter));
    typed(&mut m, "under the stars");
    update(&mut m, key(Key::Tab));
    update(&mut m, key(Key::Left));
    update(&mut m, key(Key::Tab));
    update(&mut m, ch(' '));
    m
}

#[test]
fn ctrl_p_adds_a_poll_that_is_sent_with_the_post() {
    let mut m = composing_a_poll();
    let e = update(&mut m, ctrl('s'));
    assert_eq!(
        e,
        vec![Effect::SendPost(Draft {
            text: "Where do we sleep on Saturday?".into(),
            cw: None,
            visibility: Visibility::Camp,
            reply_to: None,
            poll: Some(PollDraft {
                options: vec!["tarp".into(), "tent".into(), "under the stars".into()],
                duration: std::time::Duration::from_secs(6 * 3_600),
                multiple: true,
            }),
        })]
    );
}

#[test]
fn a_refused_poll_keeps_the_text_and_the_choices() {
    let mut m = composing_a_poll();
    update(&mut m, ctrl('s'));
    update(
        &mut m,
        Msg::PostSent(Err("the choice \"tent\" is there twice".into())),
    );
    let c = m.composer.as_ref().expect("still composing");
    assert_eq!(c.body.text(), "Where do we sleep on Saturday?");
    assert_eq!(c.poll.as_ref().unwrap().choices.len(), 3);
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("is there twice"), "{s}");
    assert!(s.contains("3 ▢ under the stars"), "{s}");
}

#[test]
fn ctrl_p_again_takes_the_poll_away_and_an_edit_cannot_add_one() {
    let mut m = member_model();
    update(&mut m, ch('c'));
    typed(&mut m, "no poll after all");
    update(&mut m, ctrl('p'));
    assert!(screen(&mut m, 80, 24).contains("Ends ◂ 1 day ▸ · ◂ pick one ▸"));
    update(&mut m, ctrl('p'));
    assert!(!screen(&mut m, 80, 24).contains("Ends ◂"));
    let e = update(&mut m, ctrl('s'));
    assert!(
        matches!(&e[..], [Effect::SendPost(Draft { poll: None, .. })]),
        "{e:?}"
    );
    let mut m = member_model();
    m.composer = Some(crate::tui::compose::Composer::edit(
        500,
        &view(20, "ana", "", "mine", 0),
    ));
    update(&mut m, ctrl('p'));
    let c = m.composer.as_ref().unwrap();
    assert!(c.poll.is_none());
    assert!(c.error.as_deref().unwrap().contains("cannot add"));
}

#[test]
fn f1_lists_the_composer_keys_with_the_poll_and_fits_40x15() {
    let mut m = member_model();
    update(&mut m, ch('c'));
    update(&mut m, key(Key::F(1)));
    let s = screen(&mut m, 40, 15);
    assert!(s.contains("Ctrl-P"), "{s}");
    assert!(s.contains("any key closes"), "{s}");
    insta::assert_snapshot!(s);
    update(&mut m, ch('x'));
    assert_eq!(
        m.composer.as_ref().unwrap().body.text(),
        "",
        "the key only closed help"
    );
}

#[test]
fn snapshot_poll_composer_80x24() {
    let mut m = composing_a_poll();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_poll_composer_40x15() {
    let mut m = composing_a_poll();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}
