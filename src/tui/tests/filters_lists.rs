//! Filters and lists in the TUI: a post folded by a warn filter (live and loaded), `x`
//! opening it, the Settings rows that list, add and remove filters, and `L` (pick a
//! list, read its timeline with the usual post keys).

use super::*;
use crate::camp::filters::{Filter, FilterAction, FilterContext};
use crate::tui::lists::{ListKind, Row};
use crate::tui::pages::Page;

/// The camp timeline with bo's post folded under "Filtered: spoiler".
fn folded_model() -> Model {
    let mut m = member_model();
    let mut folded = view(50, "bo", "Bo Chen", "The finale: everybody dies.", 60_000);
    folded.filtered = Some("finale".into());
    update(
        &mut m,
        Msg::Posted(Arc::new(NewPost {
            view: Arc::new(folded),
            on_camp: true,
            home_owners: vec![],
        })),
    );
    m
}

#[test]
fn a_folded_post_shows_only_its_filter_until_x_opens_it() {
    let mut m = folded_model();
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("Filtered: finale (x to show)"), "{s}");
    assert!(!s.contains("everybody dies"), "{s}");
    update(&mut m, ch('x'));
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("Filtered: finale (x to fold)"), "{s}");
    assert!(s.contains("The finale: everybody dies."), "{s}");
    update(&mut m, ch('x'));
    assert!(!screen(&mut m, 80, 24).contains("everybody dies"));
}

#[test]
fn snapshot_filtered_post_80x24() {
    let mut m = folded_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_filtered_post_40x15() {
    let mut m = folded_model();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

fn settings_with_filters() -> Model {
    use crate::tui::settings::SettingsData;
    let mut m = member_model();
    update(&mut m, ch('s'));
    let filter = |id, phrase: &str, action, contexts: &[FilterContext], whole_word| Filter {
        id,
        phrase: phrase.into(),
        whole_word,
        contexts: contexts.to_vec(),
        action,
        expires_ms: None,
    };
    update(
        &mut m,
        Msg::SettingsLoaded {
            flash: None,
            result: Ok(Arc::new(SettingsData {
                filters: vec![
                    filter(7, "spoiler", FilterAction::Warn, &FilterContext::ALL, false),
                    filter(
                        8,
                        "cat",
                        FilterAction::Hide,
                        &[FilterContext::Home, FilterContext::Camp],
                        true,
                    ),
                ],
                ..SettingsData::fresh(account(1, "ana"))
            })),
        },
    );
    m
}

fn select_row(m: &mut Model, row: crate::tui::settings::Row) {
    let Some(Page::Settings(s)) = m.pages.last_mut() else {
        panic!("settings open")
    };
    s.selected = s.rows().iter().position(|r| *r == row).expect("row shown");
}

#[test]
fn settings_list_add_and_remove_filters() {
    use crate::tui::settings::Row as S;
    let mut m = settings_with_filters();
    select_row(&mut m, S::Filter(1));
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("'spoiler' warn (Enter removes)"), "{s}");
    assert!(s.contains("'cat' hide, whole word, home+camp"), "{s}");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Settings(SettingsChange::RemoveFilter(8))]
    );
    select_row(&mut m, S::AddFilter);
    assert!(update(&mut m, key(Key::Enter)).is_empty());
    typed(&mut m, "new york --hide");
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Settings(SettingsChange::AddFilter(
            "new york --hide".into()
        ))]
    );
}

#[test]
fn snapshot_settings_filters_80x24() {
    let mut m = settings_with_filters();
    select_row(&mut m, crate::tui::settings::Row::AddFilter);
    update(&mut m, key(Key::Enter));
    typed(&mut m, "season finale --hide");
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_settings_filters_40x15() {
    let mut m = settings_with_filters();
    select_row(&mut m, crate::tui::settings::Row::Filter(0));
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

/// `L` open, two lists loaded.
fn lists_model() -> Model {
    let mut m = member_model();
    assert_eq!(
        update(&mut m, ch('L')),
        vec![Effect::LoadList(ListKind::Lists)]
    );
    update(
        &mut m,
        Msg::ListLoaded {
            kind: ListKind::Lists,
            result: Ok(vec![
                Row::MemberList {
                    name: "Climbers".into(),
                    exclusive: false,
                    members: 3,
                },
                Row::MemberList {
                    name: "News".into(),
                    exclusive: true,
                    members: 1,
                },
            ]),
        },
    );
    m
}

/// The News list opened from `L`, with one post by its member.
fn list_timeline_model() -> Model {
    let mut m = lists_model();
    update(&mut m, ch('j'));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::LoadList(ListKind::Members("News".into()))]
    );
    update(
        &mut m,
        Msg::ListLoaded {
            kind: ListKind::Members("News".into()),
            result: Ok(vec![Row::Post(Arc::new(view(
                60,
                "paper",
                "The Daily",
                "Rain all weekend.",
                120_000,
            )))]),
        },
    );
    m
}

#[test]
fn l_picks_a_list_and_its_timeline_takes_the_post_keys() {
    let mut m = list_timeline_model();
    let s = screen(&mut m, 80, 24);
    assert!(s.contains(" List "), "{s}");
    assert!(s.contains("≡ News"), "{s}");
    assert!(s.contains("Rain all weekend."), "{s}");
    assert_eq!(
        update(&mut m, ch('f')),
        vec![Effect::React {
            post: 60,
            reaction: crate::camp::Reaction::Favourite,
        }]
    );
    // Esc goes back to the picker, then to the timeline.
    update(&mut m, key(Key::Esc));
    assert!(screen(&mut m, 80, 24).contains("News · 1 member · exclusive"));
    update(&mut m, key(Key::Esc));
    assert!(m.pages.is_empty());
    // `L` is in the main help, and every key of it still fits at 40×15.
    update(&mut m, ch('?'));
    let keys = crate::tui::view::help_lines(&m);
    assert!(
        keys.iter()
            .any(|(k, _)| k.split(" / ").any(|one| one == "L"))
    );
    let s = screen(&mut m, 40, 15);
    for (k, _) in &keys {
        assert!(s.contains(k), "{k} missing at 40x15:\n{s}");
    }
}

#[test]
fn snapshot_lists_80x24() {
    let mut m = lists_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_lists_40x15() {
    let mut m = lists_model();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn snapshot_list_timeline_80x24() {
    let mut m = list_timeline_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_list_timeline_40x15() {
    let mut m = list_timeline_model();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}
