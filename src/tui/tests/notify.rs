//! Notifications that say what happened (excerpts, groups) and the Who screen (`w`).

use super::*;
use crate::camp::{NotificationView, Present};
use crate::model::NotificationKind;
use crate::tui::pages::Page;

/// A notification by actor `actor_id` (distinct people need distinct ids).
fn by(id: u64, kind: NotificationKind, actor_id: u64, actor: &str, post: Option<&PostView>) -> Msg {
    Msg::Notified(Arc::new(with_actor(id, kind, actor_id, actor, post)))
}

fn with_actor(
    id: u64,
    kind: NotificationKind,
    actor_id: u64,
    actor: &str,
    post: Option<&PostView>,
) -> NotificationView {
    let mut n = notification(id, kind, actor, post.cloned());
    n.notification.actor = Some(actor_id);
    if let Some(a) = n.actor.as_mut() {
        a.id = actor_id;
    }
    n
}

fn grouped_model() -> Model {
    use NotificationKind::*;
    let mut m = member_model();
    update(&mut m, ch('n'));
    let mut warned = view(44, "ana", "", "the butler did it, in the library", 600_000);
    warned.post.cw = Some("book spoilers".into());
    let climb = view(
        45,
        "ana",
        "",
        "Who is up for climbing on Saturday? Meet at the north wall at nine, bring water and snacks",
        900_000,
    );
    let items = vec![
        with_actor(20, Favourite, 21, "eve", Some(&climb)),
        with_actor(19, Favourite, 22, "dee", Some(&climb)),
        with_actor(18, Boost, 23, "cy", Some(&warned)),
        with_actor(17, Favourite, 23, "cy", Some(&climb)),
        with_actor(16, Favourite, 24, "bo@far.example", Some(&climb)),
        with_actor(15, Reply, 23, "cy", Some(&warned)),
        with_actor(14, Mention, 25, "fin", None),
    ];
    update(
        &mut m,
        Msg::NotificationsLoaded {
            before: None,
            result: Ok(items),
        },
    );
    m
}

#[test]
fn favourites_of_one_post_are_one_entry_with_a_one_line_excerpt() {
    let mut m = grouped_model();
    let Some(Page::Notifications(p)) = m.pages.last() else {
        panic!("notifications open");
    };
    assert_eq!(
        p.items.len(),
        4,
        "four favourites of one post are one entry"
    );
    let s = screen(&mut m, 80, 24);
    assert!(
        s.contains("@eve, @dee and 2 others favourited your post"),
        "{s}"
    );
    assert!(s.contains("CW: book spoilers"), "{s}");
    assert!(!s.contains("butler"), "the warned text stays hidden: {s}");
    assert!(!s.contains("bring water"), "the excerpt is one line: {s}");
}

#[test]
fn a_live_favourite_joins_its_group_on_top_and_the_cursor_keeps_its_entry() {
    use NotificationKind::*;
    let mut m = grouped_model();
    // On the third entry (the reply).
    update(&mut m, ch('j'));
    update(&mut m, ch('j'));
    let climb = view(45, "ana", "", "Who is up for climbing?", 900_000);
    let warned = view(44, "ana", "", "x", 600_000);
    update(&mut m, by(21, Boost, 26, "gil", Some(&warned)));
    let Some(Page::Notifications(p)) = m.pages.last() else {
        panic!("notifications open");
    };
    assert_eq!(p.items.len(), 4, "joined the boost entry");
    assert_eq!(p.items[0].describe(), "@gil and @cy boosted your post");
    assert_eq!(p.selected_entry().map(|g| g.kind()), Some(Reply));
    update(&mut m, by(22, Favourite, 27, "hal", Some(&climb)));
    let Some(Page::Notifications(p)) = m.pages.last() else {
        panic!("notifications open");
    };
    assert_eq!(p.items[0].count(), 5);
    assert_eq!(p.selected_entry().map(|g| g.kind()), Some(Reply));
}

#[test]
fn snapshot_grouped_notifications_80x24() {
    let mut m = grouped_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_grouped_notifications_40x15() {
    let mut m = grouped_model();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

fn present(id: u64, name: &str, display: &str, idle_ms: u64) -> Present {
    Present {
        author: Author {
            id,
            username: name.into(),
            display_name: display.into(),
        },
        idle_ms,
    }
}

fn who_model() -> Model {
    let mut m = member_model();
    let effects = update(&mut m, ch('w'));
    assert_eq!(effects, vec![Effect::LoadWho]);
    update(
        &mut m,
        Msg::WhoLoaded(Ok(vec![
            present(1, "ana", "Ana", 2_000),
            present(
                2,
                "bo",
                "Bo Chen, who has a very long display name indeed",
                5 * 60_000,
            ),
            present(3, "cy", "", 3 * 3_600_000),
        ])),
    );
    m
}

#[test]
fn w_lists_who_is_here_and_enter_opens_a_profile() {
    let mut m = who_model();
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("Who"), "{s}");
    assert!(s.contains("@ana (Ana) · active"), "{s}");
    assert!(s.contains("@cy · idle 3h"), "{s}");
    update(&mut m, ch('j'));
    let effects = update(&mut m, key(Key::Enter));
    assert_eq!(effects, vec![Effect::LoadProfile("bo".into())]);
    update(&mut m, key(Key::Esc));
    assert_eq!(update(&mut m, ch('r')), vec![Effect::LoadWho]);
    update(&mut m, key(Key::Esc));
    assert!(m.pages.is_empty());
}

#[test]
fn an_empty_who_says_how_to_be_shown() {
    let mut m = member_model();
    update(&mut m, ch('w'));
    update(&mut m, Msg::WhoLoaded(Ok(vec![])));
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("Nobody who chose to be shown is here"), "{s}");
}

#[test]
fn snapshot_who_80x24() {
    let mut m = who_model();
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_who_40x15() {
    let mut m = who_model();
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn help_on_who_and_on_the_timeline_fits_40x15() {
    let mut m = who_model();
    update(&mut m, ch('?'));
    let s = screen(&mut m, 40, 15);
    assert!(s.contains("refresh") && s.contains("any key closes"), "{s}");
    update(&mut m, ch('?'));
    update(&mut m, key(Key::Esc));
    update(&mut m, ch('?'));
    let s = screen(&mut m, 40, 15);
    assert!(s.contains("n / w") && s.contains("any key closes"), "{s}");
}
