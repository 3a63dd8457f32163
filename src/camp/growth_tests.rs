//! Growth a camper controls (issue 10, item 8): repeated toggles notify once, versions
//! are capped and go with their post, expired link codes are pruned, un-boosts and
//! deletes leave no dead home entries, and every repeatable write is under the flood
//! limit.

use crate::camp::testing::{camp_with, join, key};
use crate::camp::{Camp, PostDraft, Reaction};
use crate::config::Config;
use crate::error::Error;
use crate::model::*;
use crate::store::Store;
use crate::store::social::MAX_POST_VERSIONS;

fn draft(text: &str) -> PostDraft {
    PostDraft {
        text: text.into(),
        ..Default::default()
    }
}

fn kinds(camp: &Camp, id: Id, kind: NotificationKind) -> usize {
    camp.notifications(id, None, 200)
        .unwrap()
        .iter()
        .filter(|n| n.kind == kind)
        .count()
}

#[test]
fn toggling_a_favourite_or_boost_notifies_the_author_once() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    let p = camp.create_post(bo, draft("hello")).unwrap().post.id;
    for _ in 0..5 {
        camp.react(ana, p, Reaction::Favourite, None).unwrap();
        camp.react(ana, p, Reaction::Boost, None).unwrap();
    }
    assert_eq!(kinds(&camp, bo, NotificationKind::Favourite), 1);
    assert_eq!(kinds(&camp, bo, NotificationKind::Boost), 1);
    // Another post, or another camper, is another notification.
    let q = camp.create_post(bo, draft("again")).unwrap().post.id;
    camp.react(ana, q, Reaction::Favourite, Some(true)).unwrap();
    assert_eq!(kinds(&camp, bo, NotificationKind::Favourite), 2);
}

#[test]
fn following_again_and_again_notifies_once() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    for _ in 0..4 {
        camp.follow(ids[0], "bo").unwrap();
        camp.unfollow(ids[0], "bo").unwrap();
    }
    assert_eq!(kinds(&camp, ids[1], NotificationKind::Follow), 1);
    assert_eq!(camp.unread_notifications(ids[1]).unwrap(), 1);
}

#[test]
fn versions_are_capped_and_go_with_their_post() {
    let (camp, ids) = camp_with(&["ana"]);
    let ana = ids[0];
    let p = camp.create_post(ana, draft("v0")).unwrap().post.id;
    for i in 1..=MAX_POST_VERSIONS + 5 {
        camp.edit_post(ana, p, &format!("v{i}"), None).unwrap();
    }
    let versions = camp.post_versions(ana, p).unwrap();
    assert_eq!(versions.len(), MAX_POST_VERSIONS);
    // The newest are kept: the last one is the text before the last edit.
    assert_eq!(
        versions.last().unwrap().text,
        format!("v{}", MAX_POST_VERSIONS + 4)
    );
    assert_eq!(versions[0].text, "v5");
    camp.delete_post(ana, p).unwrap();
    assert!(camp.store().versions(p).unwrap().is_empty());
}

#[test]
fn expired_link_codes_are_pruned_and_live_ones_capped() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let old = LinkCode {
        code: "old-code".into(),
        account: ids[1],
        expires_ms: 1,
    };
    camp.store().put_link_code(&old).unwrap();
    let codes: Vec<_> = (0..5)
        .map(|_| camp.create_link_code(ids[0]).unwrap().code)
        .collect();
    assert!(camp.store().link_code("old-code").unwrap().is_none());
    let live: Vec<_> = codes
        .iter()
        .filter(|c| camp.store().link_code(c).unwrap().is_some())
        .collect();
    assert_eq!(live.len(), 3, "{live:?}");
    assert!(live.contains(&&codes[4]), "the newest works");
    // The newest still works.
    camp.redeem_link_code(&key(9), &codes[4], "phone").unwrap();
}

#[test]
fn un_boosting_takes_the_boost_off_every_home_it_reached() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
    camp.follow(ana, "bo").unwrap();
    let p = camp.create_post(cy, draft("boost me")).unwrap().post.id;
    let before = (
        camp.store().home_entry_count(ana),
        camp.store().home_entry_count(bo),
    );
    for _ in 0..5 {
        camp.react(bo, p, Reaction::Boost, Some(true)).unwrap();
        assert_eq!(camp.store().home_entry_count(ana), before.0 + 1);
        camp.react(bo, p, Reaction::Boost, Some(false)).unwrap();
    }
    // Even a follower who left after the boost loses its entry.
    camp.react(bo, p, Reaction::Boost, Some(true)).unwrap();
    camp.unfollow(ana, "bo").unwrap();
    camp.react(bo, p, Reaction::Boost, Some(false)).unwrap();
    assert_eq!(camp.store().home_entry_count(ana), before.0);
    assert_eq!(camp.store().home_entry_count(bo), before.1);
}

#[test]
fn deleting_a_post_takes_it_and_its_boosts_off_every_home() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy", "dee"]);
    let (ana, bo, cy, dee) = (ids[0], ids[1], ids[2], ids[3]);
    camp.follow(ana, "bo").unwrap();
    camp.follow(dee, "cy").unwrap();
    let base: Vec<usize> = ids
        .iter()
        .map(|i| camp.store().home_entry_count(*i))
        .collect();
    let p = camp.create_post(bo, draft("soon gone")).unwrap().post.id;
    let dm = PostDraft {
        visibility: Some(Visibility::Direct),
        ..draft("psst @cy")
    };
    let d = camp.create_post(bo, dm).unwrap().post.id;
    camp.react(cy, p, Reaction::Boost, Some(true)).unwrap();
    assert_eq!(camp.store().home_entry_count(dee), base[3] + 1, "the boost");
    camp.delete_post(bo, p).unwrap();
    camp.delete_post(bo, d).unwrap();
    for (i, id) in [ana, bo, cy, dee].iter().enumerate() {
        assert_eq!(camp.store().home_entry_count(*id), base[i], "home of {i}");
    }
    assert_eq!(camp.store().post_stats(p).unwrap(), PostStats::default());
}

/// A camp whose accounts may make `n` repeatable writes a minute.
fn limited(n: usize) -> (Camp, Vec<Id>) {
    let mut config = Config::with_dirs("unused", "unused");
    config.camp.posts_per_minute = 0;
    config.camp.actions_per_minute = n;
    let camp = Camp::with_store(Store::temporary().unwrap(), config);
    let code = camp.admin_invite().unwrap().unwrap();
    let ana = camp.join(&key(1), &code, "ana", true).unwrap().id;
    let bo = join(&camp, ana, 2, "bo");
    (camp, vec![ana, bo])
}

#[test]
fn every_repeatable_write_is_under_the_flood_limit() {
    type Write = fn(&Camp, Id, Id) -> crate::Result<()>;
    let writes: &[(&str, Write)] = &[
        ("fav", |c, me, p| {
            c.react(me, p, Reaction::Favourite, None).map(drop)
        }),
        ("boost", |c, me, p| {
            c.react(me, p, Reaction::Boost, None).map(drop)
        }),
        ("bookmark", |c, me, p| {
            c.react(me, p, Reaction::Bookmark, None).map(drop)
        }),
        ("follow", |c, me, _| c.follow(me, "bo").map(drop)),
        ("mute", |c, me, _| c.mute(me, "bo", None).map(drop)),
        ("block", |c, me, _| c.block(me, "bo")),
        ("edit", |c, me, _| {
            let own = c.create_post(me, draft("mine")).unwrap().post.id;
            c.edit_post(me, own, "changed", None).map(drop)
        }),
        ("link", |c, me, _| c.create_link_code(me).map(drop)),
        ("profile", |c, me, _| {
            c.update_profile(me, "Ana", "hi").map(drop)
        }),
        ("hide domain", |c, me, _| {
            c.hide_domain(me, "spam.example", true).map(drop)
        }),
        ("prefs", |c, me, _| {
            c.set_preferences(me, &Preferences::default())
        }),
    ];
    for (what, write) in writes {
        let (camp, ids) = limited(2);
        let p = camp.create_post(ids[1], draft("a post")).unwrap().post.id;
        // Two other writes use up the minute...
        camp.react(ids[0], p, Reaction::Bookmark, Some(true))
            .unwrap();
        camp.react(ids[0], p, Reaction::Bookmark, Some(false))
            .unwrap();
        // ...and a no-op costs nothing...
        camp.react(ids[0], p, Reaction::Bookmark, Some(false))
            .unwrap();
        // ...so this one is refused, and changes nothing.
        let err = write(&camp, ids[0], p).unwrap_err();
        assert!(matches!(err, Error::RateLimited(_)), "{what}: {err}");
        assert!(
            err.to_string().contains("2 changes a minute"),
            "{what}: {err}"
        );
        assert!(!camp.mine(ids[0], p).unwrap().favourited, "{what}");
        assert!(
            camp.notifications(ids[1], None, 10).unwrap().is_empty(),
            "{what}"
        );
        // Others are not held back.
        camp.react(ids[1], p, Reaction::Bookmark, Some(true))
            .unwrap();
    }
}

#[test]
fn undoing_is_under_the_flood_limit_too() {
    type Write = fn(&Camp, Id) -> crate::Result<()>;
    let undo: &[(&str, Write, Write)] = &[
        (
            "unfollow",
            |c, me| c.follow(me, "bo").map(drop),
            |c, me| c.unfollow(me, "bo").map(drop),
        ),
        (
            "unmute",
            |c, me| c.mute(me, "bo", None).map(drop),
            |c, me| c.unmute(me, "bo"),
        ),
        (
            "unblock",
            |c, me| c.block(me, "bo"),
            |c, me| c.unblock(me, "bo"),
        ),
    ];
    for (what, first, then) in undo {
        let (camp, ids) = limited(1);
        first(&camp, ids[0]).unwrap();
        let err = then(&camp, ids[0]).unwrap_err();
        assert!(matches!(err, Error::RateLimited(_)), "{what}: {err}");
    }
}
