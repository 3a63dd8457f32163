use super::*;
use crate::camp::testing::camp_with;
use crate::camp::{PostDraft, TimelineKind};
use crate::model::Visibility;

fn post(camp: &Camp, by: Id, text: &str, to: Visibility) -> Id {
    camp.create_post(
        by,
        PostDraft {
            text: text.into(),
            visibility: Some(to),
            ..Default::default()
        },
    )
    .unwrap()
    .post
    .id
}

fn texts(views: Vec<PostView>) -> Vec<String> {
    views.into_iter().map(|v| v.post.text).collect()
}

#[test]
fn a_list_is_a_timeline_of_followed_members_that_the_owner_may_see() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy", "dee"]);
    let (ana, bo, cy, dee) = (ids[0], ids[1], ids[2], ids[3]);
    camp.follow(ana, "bo").unwrap();
    camp.follow(ana, "cy").unwrap();
    camp.create_list(ana, "Friends", false).unwrap();
    let err = camp
        .list_add(ana, "friends", "@dee")
        .unwrap_err()
        .to_string();
    assert!(err.contains("only list accounts you follow"), "{err}");
    assert!(camp.list_add(ana, "nope", "@bo").is_err());
    camp.list_add(ana, "friends", "@bo").unwrap();
    assert!(camp.list_add(ana, "FRIENDS", "bo").is_err(), "already in");
    post(&camp, bo, "bo says hi", Visibility::Camp);
    post(&camp, cy, "cy says hi", Visibility::Camp);
    post(&camp, dee, "dee says hi", Visibility::Camp);
    // A direct post between bo and dee is not ana's to read, list or not.
    post(&camp, bo, "@dee just us", Visibility::Direct);
    post(&camp, bo, "bo again", Visibility::Followers);
    assert_eq!(
        texts(camp.list_timeline(ana, "friends", None, 20).unwrap()),
        ["bo again", "bo says hi"]
    );
    // Lists are private: bo has none of ana's.
    assert!(camp.list_timeline(bo, "friends", None, 20).is_err());
    assert!(camp.lists(bo).unwrap().is_empty());
    // Unfollowing takes bo out of what the list counts, at once.
    camp.unfollow(ana, "bo").unwrap();
    assert!(
        camp.list_timeline(ana, "friends", None, 20)
            .unwrap()
            .is_empty()
    );
    assert!(camp.lists(ana).unwrap()[0].members.is_empty());
}

#[test]
fn an_exclusive_lists_members_leave_home_but_still_notify() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
    camp.follow(ana, "bo").unwrap();
    camp.follow(ana, "cy").unwrap();
    camp.create_list(ana, "news", true).unwrap();
    camp.list_add(ana, "news", "bo").unwrap();
    post(&camp, bo, "headline", Visibility::Camp);
    post(&camp, bo, "@ana a word for you", Visibility::Camp);
    post(&camp, cy, "from cy", Visibility::Camp);
    let home = texts(camp.timeline(ana, TimelineKind::Home, None, 20).unwrap());
    assert_eq!(home, ["from cy"]);
    assert_eq!(
        texts(camp.list_timeline(ana, "news", None, 20).unwrap()),
        ["@ana a word for you", "headline"]
    );
    let notes = camp.notification_views(ana, None, 20).unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.actor.as_ref().is_some_and(|a| a.id == bo)),
        "the mention still notifies: {notes:?}"
    );
    // The camp timeline is untouched.
    assert_eq!(
        camp.timeline(ana, TimelineKind::Camp, None, 20)
            .unwrap()
            .len(),
        3
    );
    // Live: bo's next post is not placed on ana's Home.
    let mut events = camp.subscribe();
    post(&camp, bo, "live one", Visibility::Camp);
    let crate::camp::CampEvent::Posted(p) = events.try_recv().unwrap() else {
        panic!("a post")
    };
    assert!(p.in_home_of(ana));
    let placed = camp.live_for(ana, &p).unwrap();
    assert!(!placed.in_home_of(ana) && placed.on_camp);
    // A non-exclusive list leaves Home alone; deleting the list brings bo back.
    camp.delete_list(ana, "news").unwrap();
    assert_eq!(
        camp.timeline(ana, TimelineKind::Home, None, 20)
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn names_and_caps_are_checked_and_lists_leave_with_the_account() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let ana = ids[0];
    let err = |r: Result<MemberList>| r.unwrap_err().to_string();
    assert!(err(camp.create_list(ana, " \u{7} ", false)).contains("needs a name"));
    assert!(err(camp.create_list(ana, &"n".repeat(41), false)).contains("limited to 40"));
    camp.create_list(ana, "Work", false).unwrap();
    assert!(err(camp.create_list(ana, "work", false)).contains("already have"));
    for i in 1..MAX_LISTS {
        camp.create_list(ana, &format!("l{i}"), false).unwrap();
    }
    assert!(err(camp.create_list(ana, "more", false)).contains("the most allowed"));
    camp.follow(ana, "bo").unwrap();
    camp.list_add(ana, "work", "bo").unwrap();
    camp.list_remove(ana, "work", "@bo").unwrap();
    assert!(camp.list_remove(ana, "work", "@bo").is_err());
    camp.store().purge_account(ana).unwrap();
    assert!(
        camp.store()
            .setting::<Vec<MemberList>>(&key(ana))
            .unwrap()
            .is_none()
    );
}

#[test]
fn the_export_carries_lists_as_mastodon_writes_them() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let ana = ids[0];
    camp.follow(ana, "bo").unwrap();
    camp.follow(ana, "cy").unwrap();
    camp.create_list(ana, "Climbing, mostly", false).unwrap();
    camp.create_list(ana, "empty", true).unwrap();
    camp.list_add(ana, "climbing, mostly", "bo").unwrap();
    camp.list_add(ana, "climbing, mostly", "cy").unwrap();
    let me = camp.actor(ana).unwrap();
    let host = camp.camp_host();
    assert_eq!(
        camp.lists_csv(&me).unwrap(),
        format!("\"Climbing, mostly\",bo@{host}\n\"Climbing, mostly\",cy@{host}\n")
    );
}

/// A suspended member is not listed among a list's members, as it is shown nowhere
/// else; lifting the suspension brings it back.
#[test]
fn a_suspended_member_is_not_listed() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, cy) = (ids[0], ids[2]);
    camp.follow(ana, "bo").unwrap();
    camp.follow(ana, "cy").unwrap();
    camp.create_list(ana, "Friends", false).unwrap();
    camp.list_add(ana, "friends", "bo").unwrap();
    camp.list_add(ana, "friends", "cy").unwrap();
    let names = |camp: &Camp| -> Vec<String> {
        camp.list_members(ana, "friends")
            .unwrap()
            .into_iter()
            .map(|a| a.username)
            .collect()
    };
    assert_eq!(names(&camp), ["bo", "cy"]);
    let mut c = camp.store().account(cy).unwrap().unwrap();
    c.suspended = true;
    camp.store().put_account(&c).unwrap();
    assert_eq!(names(&camp), ["bo"]);
    c.suspended = false;
    camp.store().put_account(&c).unwrap();
    assert_eq!(names(&camp), ["bo", "cy"]);
}
