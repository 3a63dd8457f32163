//! A snapshot-holding reader must get, after every kind of write, the answer the store
//! gives at that moment: each test keeps one [`Relevance`] across the writes and checks
//! it against the uncached [`Camp`] checks after each one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::camp::filters::{FilterAction, FilterContext, NewFilter};
use crate::camp::testing::{camp_with, remote_actor};
use crate::camp::{AccountAction, CampEvent, IncomingNote, PostDraft, Reaction, RemoteAudience};
use crate::model::{Mute, Visibility};

/// The next live post the camp publishes after `write` runs.
fn live(camp: &Camp, write: impl FnOnce()) -> Arc<NewPost> {
    let mut events = camp.subscribe();
    write();
    loop {
        match events.try_recv().expect("a live post") {
            CampEvent::Posted(p) => return p,
            _ => continue,
        }
    }
}

fn post_by(camp: &Camp, by: Id, text: &str, visibility: Visibility) -> Arc<NewPost> {
    live(camp, || {
        camp.create_post(
            by,
            PostDraft {
                text: text.into(),
                visibility: Some(visibility),
                ..Default::default()
            },
        )
        .unwrap();
    })
}

/// What a screen makes of a live post: not shown, or (on Home, on camp, folded under).
type Placed = Option<(bool, bool, Option<String>)>;

fn placed(viewer: Id, p: Option<Arc<NewPost>>) -> Placed {
    p.map(|p| (p.in_home_of(viewer), p.on_camp, p.view.filtered.clone()))
}

/// The snapshot's placement, checked against the store's.
fn agree(camp: &Camp, rel: &mut Relevance, viewer: Id, new: &Arc<NewPost>) -> Placed {
    let cached = placed(viewer, rel.live_for(camp, viewer, new));
    assert_eq!(cached, placed(viewer, camp.live_for(viewer, new)));
    cached
}

/// The snapshot's verdict on a change to `post`, checked against the store's.
fn agree_change(camp: &Camp, rel: &mut Relevance, viewer: Id, post: &Post) -> bool {
    let cached = rel.live_change_visible(camp, viewer, post);
    assert_eq!(cached, camp.live_change_visible(viewer, post), "{post:?}");
    assert_eq!(
        rel.refilter_change(camp, viewer, post),
        camp.refilter_change(viewer, post)
    );
    cached
}

const SHOWN: Placed = Some((true, true, None));

#[test]
fn what_posting_and_reading_write_does_not_make_a_screen_read_again() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    camp.follow(ana, "bo").unwrap();
    let mut rel = Relevance::new();
    let first = post_by(&camp, bo, "one", Visibility::Camp);
    assert_eq!(agree(&camp, &mut rel, ana, &first), SHOWN);
    let generation = camp.store().relevance_generation();
    // Posts, replies, favourites, boosts and their notifications, read markers.
    let second = post_by(&camp, bo, "two @ana", Visibility::Camp);
    camp.react(ana, second.view.post.id, Reaction::Favourite, None)
        .unwrap();
    camp.react(ana, second.view.post.id, Reaction::Boost, None)
        .unwrap();
    camp.notification_views(ana, None, 10).unwrap();
    camp.mark_notifications_read(bo, None).unwrap();
    assert_eq!(camp.store().relevance_generation(), generation);
    for p in [&first, &second] {
        assert!(rel.live_for(&camp, ana, p).is_some());
        assert!(rel.live_change_visible(&camp, ana, &p.view.post));
    }
    assert_eq!(
        rel.builds(),
        1,
        "one read of the reader's data, then memory"
    );
    // A write to what the checks read moves it, once.
    camp.mute(ana, "bo", None).unwrap();
    assert_ne!(camp.store().relevance_generation(), generation);
    assert_eq!(agree(&camp, &mut rel, ana, &first), None);
    assert_eq!(rel.builds(), 2);
}

#[test]
fn mutes_and_blocks_either_way_change_the_answer_at_once() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
    camp.follow(ana, "bo").unwrap();
    camp.follow(ana, "cy").unwrap();
    let mut rel = Relevance::new();
    let p = post_by(&camp, bo, "hello", Visibility::Camp);
    assert_eq!(agree(&camp, &mut rel, ana, &p), SHOWN);
    camp.mute(ana, "bo", None).unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), None, "muted");
    camp.unmute(ana, "bo").unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), SHOWN, "unmuted");
    camp.block(ana, "bo").unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), None, "blocked");
    assert!(!agree_change(&camp, &mut rel, ana, &p.view.post));
    camp.unblock(ana, "bo").unwrap();
    assert!(agree(&camp, &mut rel, ana, &p).is_some(), "unblocked");
    assert!(agree_change(&camp, &mut rel, ana, &p.view.post));
    camp.block(bo, "ana").unwrap();
    assert_eq!(
        agree(&camp, &mut rel, ana, &p),
        None,
        "blocked by the author"
    );
    assert!(!agree_change(&camp, &mut rel, ana, &p.view.post));
    camp.unblock(bo, "ana").unwrap();
    assert!(agree(&camp, &mut rel, ana, &p).is_some());
    // A boost is hidden by a mute of its booster, too.
    let boost = live(&camp, || {
        camp.react(cy, p.view.post.id, Reaction::Boost, None)
            .unwrap();
    });
    assert!(agree(&camp, &mut rel, ana, &boost).is_some());
    camp.mute(ana, "cy", None).unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &boost), None, "muted booster");
}

#[test]
fn filters_and_exclusive_lists_change_the_answer_at_once() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    camp.follow(ana, "bo").unwrap();
    let mut rel = Relevance::new();
    let p = post_by(&camp, bo, "a secret plan", Visibility::Camp);
    assert_eq!(agree(&camp, &mut rel, ana, &p), SHOWN);
    let hide = NewFilter {
        phrase: "secret".into(),
        whole_word: false,
        contexts: vec![FilterContext::Home],
        action: FilterAction::Hide,
        expires_in: None,
    };
    camp.add_filter(ana, hide).unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), Some((false, true, None)));
    let warn = NewFilter {
        phrase: "plan".into(),
        whole_word: false,
        contexts: vec![],
        action: FilterAction::Warn,
        expires_in: None,
    };
    camp.add_filter(ana, warn).unwrap();
    assert_eq!(
        agree(&camp, &mut rel, ana, &p),
        Some((false, true, Some("plan".into())))
    );
    // An edit is refiltered with the filters of now.
    let edited = camp
        .edit_post(bo, p.view.post.id, "a secret plan, edited", None)
        .unwrap()
        .post;
    assert!(agree_change(&camp, &mut rel, ana, &edited));
    assert!(rel.refilter_change(&camp, ana, &edited).is_some());
    camp.remove_filter(ana, "secret").unwrap();
    camp.remove_filter(ana, "plan").unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), SHOWN);
    assert_eq!(rel.refilter_change(&camp, ana, &edited), None);
    // An exclusive list takes its members off Home.
    camp.create_list(ana, "news", true).unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), SHOWN);
    camp.list_add(ana, "news", "bo").unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), Some((false, true, None)));
    camp.list_remove(ana, "news", "bo").unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), SHOWN);
    camp.list_add(ana, "news", "bo").unwrap();
    camp.delete_list(ana, "news").unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), SHOWN);
}

#[test]
fn follows_suspensions_and_deletions_change_what_a_change_may_show() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
    let mut rel = Relevance::new();
    let mine = post_by(&camp, bo, "for my followers", Visibility::Followers);
    let open = post_by(&camp, bo, "for the camp", Visibility::Camp);
    assert!(!agree_change(&camp, &mut rel, cy, &mine.view.post));
    camp.follow(cy, "bo").unwrap();
    assert!(
        agree_change(&camp, &mut rel, cy, &mine.view.post),
        "followed"
    );
    camp.unfollow(cy, "bo").unwrap();
    assert!(
        !agree_change(&camp, &mut rel, cy, &mine.view.post),
        "unfollowed"
    );
    assert!(agree_change(&camp, &mut rel, cy, &open.view.post));
    camp.act_on_account(ana, "bo", AccountAction::Suspend(true), "spam")
        .unwrap();
    assert!(
        !agree_change(&camp, &mut rel, cy, &open.view.post),
        "suspended"
    );
    camp.act_on_account(ana, "bo", AccountAction::Suspend(false), "")
        .unwrap();
    assert!(
        agree_change(&camp, &mut rel, cy, &open.view.post),
        "let in again"
    );
    // The reader's own account going away ends everything for its screen.
    camp.delete_account(cy, "cy", "cy").unwrap();
    assert!(
        !agree_change(&camp, &mut rel, cy, &open.view.post),
        "reader gone"
    );
}

#[test]
fn hidden_and_suspended_servers_change_the_answer_at_once() {
    let (camp, ids) = camp_with(&["ana"]);
    let ana = ids[0];
    let carol = camp
        .store()
        .upsert_remote_actor(remote_actor("carol", "peer.example", "Carol"))
        .unwrap();
    camp.store().follow(ana, carol.shadow).unwrap();
    let mut rel = Relevance::new();
    let p = live(&camp, || {
        camp.receive_remote_note(IncomingNote {
            key: "https://peer.example/notes/1".into(),
            author: carol.shadow,
            object_host: "peer.example".into(),
            text: "from afar".into(),
            cw: None,
            reply_to: None,
            audience: RemoteAudience {
                public: true,
                followers: true,
                named: vec![],
            },
            boostable: true,
            original_author: None,
        })
        .unwrap()
        .unwrap();
    });
    assert!(agree(&camp, &mut rel, ana, &p).is_some());
    camp.hide_domain(ana, "peer.example", true).unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), None, "hidden server");
    camp.hide_domain(ana, "peer.example", false).unwrap();
    assert!(agree(&camp, &mut rel, ana, &p).is_some());
    assert!(agree_change(&camp, &mut rel, ana, &p.view.post));
    let suspend = crate::camp::DomainBlockOptions {
        severity: crate::model::Severity::Suspend,
        ..Default::default()
    };
    camp.block_domain(ana, "peer.example", suspend).unwrap();
    assert!(
        !agree_change(&camp, &mut rel, ana, &p.view.post),
        "server cut off"
    );
    camp.unblock_domain(ana, "peer.example").unwrap();
    assert!(agree_change(&camp, &mut rel, ana, &p.view.post), "and back");
}

/// Polls `done` until it holds, for at most ten seconds.
fn eventually(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "never happened");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_mute_and_a_filter_that_run_out_stop_applying_without_any_write() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    camp.follow(ana, "bo").unwrap();
    let mut rel = Relevance::new();
    let p = post_by(&camp, bo, "news", Visibility::Camp);
    let until = now_ms() + 200;
    camp.store()
        .put_mute(
            ana,
            bo,
            Mute {
                until_ms: Some(until),
            },
        )
        .unwrap();
    assert_eq!(agree(&camp, &mut rel, ana, &p), None);
    let generation = camp.store().relevance_generation();
    eventually(|| rel.live_for(&camp, ana, &p).is_some());
    assert!(now_ms() >= until, "not before the mute ran out");
    assert_eq!(camp.store().relevance_generation(), generation);
    // A filter with an expiry, written straight to the store as the filter module does.
    let warn = NewFilter {
        phrase: "news".into(),
        whole_word: false,
        contexts: vec![],
        action: FilterAction::Warn,
        expires_in: Some(Duration::from_millis(200)),
    };
    let f = camp.add_filter(ana, warn).unwrap();
    assert_eq!(
        agree(&camp, &mut rel, ana, &p),
        Some((true, true, Some("news".into())))
    );
    eventually(|| placed(ana, rel.live_for(&camp, ana, &p)) == SHOWN);
    assert!(
        now_ms() >= f.expires_ms.unwrap(),
        "not before the filter ran out"
    );
}
