//! The small things of issue 14: an empty Home says the reader follows nobody and
//! points at the camp timeline; `@user@host` in Search offers to follow.

use super::*;
use crate::tui::lists::{ListKind, ListPage, Row};
use crate::tui::pages::Page;

fn nobody_model() -> Model {
    let mut m = member_model();
    update(&mut m, key(Key::Tab));
    assert_eq!(m.tab, TimelineKind::Home);
    m
}

#[test]
fn an_empty_home_asks_whether_the_reader_follows_anyone() {
    let mut m = member_model();
    let effects = update(
        &mut m,
        Msg::TimelineLoaded {
            kind: TimelineKind::Home,
            before: None,
            result: Ok(vec![]),
        },
    );
    assert_eq!(effects, vec![Effect::CheckFollowing]);
    update(&mut m, key(Key::Tab));
    let s = screen(&mut m, 80, 24);
    assert!(!s.contains("follow nobody"), "not known yet: {s}");
    update(&mut m, Msg::FollowsNobody(true));
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("You follow nobody yet"), "{s}");
    assert!(s.contains("Press Tab for the Camp timeline"), "{s}");
    // Someone followed: the usual words again.
    update(&mut m, Msg::FollowsNobody(false));
    assert!(!screen(&mut m, 80, 24).contains("follow nobody"));
}

#[test]
fn snapshot_home_follows_nobody_80x24() {
    let mut m = nobody_model();
    update(&mut m, Msg::FollowsNobody(true));
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_home_follows_nobody_40x15() {
    let mut m = nobody_model();
    update(&mut m, Msg::FollowsNobody(true));
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

fn remote_search() -> Model {
    let mut m = member_model();
    m.pages.push(Page::List(ListPage::new(ListKind::Search)));
    typed(&mut m, "@dee@elsewhere.example");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Search("@dee@elsewhere.example".into())]
    );
    update(
        &mut m,
        Msg::ListLoaded {
            kind: ListKind::Search,
            result: Ok(vec![
                Row::Heading("Elsewhere".into()),
                Row::Remote("@dee@elsewhere.example".into()),
            ]),
        },
    );
    m
}

#[test]
fn a_handle_from_elsewhere_in_search_offers_to_follow() {
    let mut m = remote_search();
    assert!(screen(&mut m, 80, 24).contains("@dee@elsewhere.example · Enter asks to follow"));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::FollowRemote("@dee@elsewhere.example".into())]
    );
    update(
        &mut m,
        Msg::RemoteFollowed(Ok("Follow request sent to @dee@elsewhere.example".into())),
    );
    assert!(screen(&mut m, 80, 24).contains("Follow request sent"));
}

#[test]
fn snapshot_search_offers_to_follow_40x15() {
    let mut m = remote_search();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn snapshot_search_offers_to_follow_80x24() {
    let mut m = remote_search();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn a_new_display_name_from_another_session_reloads_what_shows_it() {
    let mut m = member_model();
    let mut me = m.me.clone().unwrap();
    me.display_name = "Ana the Bold".into();
    let effects = update(&mut m, Msg::AccountUpdated(me.clone()));
    assert!(
        effects.contains(&Effect::LoadTimeline {
            kind: TimelineKind::Camp,
            before: None
        }),
        "{effects:?}"
    );
    assert_eq!(m.me.as_ref().unwrap().display_name, "Ana the Bold");
    // The same account again (a role check, say): nothing to reload.
    assert!(update(&mut m, Msg::AccountUpdated(me)).is_empty());
}
