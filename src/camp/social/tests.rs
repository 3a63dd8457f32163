use std::time::Duration;

use super::*;
use crate::camp::{KeyInfo, PostDraft, TimelineKind};

fn key(n: u8) -> KeyInfo {
    KeyInfo {
        fingerprint: format!("SHA256:s{n}"),
        algorithm: "ssh-ed25519".into(),
        openssh: String::new(),
    }
}

/// A camp with admin `ana` and campers `bo`, `cy` and `dee` (a moderator).
fn camp4() -> (Camp, Id, Id, Id, Id) {
    let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo", "cy", "dee"]);
    let mut d = camp.account(ids[3]).unwrap().unwrap();
    d.role = Role::Moderator;
    camp.store().put_account(&d).unwrap();
    (camp, ids[0], ids[1], ids[2], ids[3])
}

fn post(camp: &Camp, by: Id, text: &str) -> Id {
    camp.create_post(
        by,
        PostDraft {
            text: text.into(),
            ..Default::default()
        },
    )
    .unwrap()
    .post
    .id
}

fn reply(camp: &Camp, by: Id, to: Id, text: &str) -> Id {
    camp.create_post(
        by,
        PostDraft {
            text: text.into(),
            reply_to: Some(to),
            ..Default::default()
        },
    )
    .unwrap()
    .post
    .id
}

fn direct(camp: &Camp, by: Id, text: &str) -> Id {
    camp.create_post(
        by,
        PostDraft {
            text: text.into(),
            visibility: Some(Visibility::Direct),
            ..Default::default()
        },
    )
    .unwrap()
    .post
    .id
}

fn ids(v: Vec<PostView>) -> Vec<Id> {
    v.into_iter().map(|p| p.post.id).collect()
}

fn kinds(camp: &Camp, who: Id) -> Vec<NotificationKind> {
    camp.notification_views(who, None, 50)
        .unwrap()
        .into_iter()
        .map(|n| n.notification.kind)
        .collect()
}

#[test]
fn threads_show_ancestors_the_post_and_replies_by_depth_with_counts() {
    let (camp, ana, bo, cy, _) = camp4();
    let root = post(&camp, ana, "root");
    let r1 = reply(&camp, bo, root, "first reply");
    let r11 = reply(&camp, cy, r1, "nested");
    let r2 = reply(&camp, cy, root, "second reply");
    let t = camp.thread(cy, r1).unwrap();
    assert_eq!(ids(t.ancestors.clone()), vec![root]);
    assert_eq!(t.post.post.id, r1);
    assert_eq!(
        t.replies
            .iter()
            .map(|(d, p)| (*d, p.post.id))
            .collect::<Vec<_>>(),
        vec![(1, r11)]
    );
    let t = camp.thread(ana, root).unwrap();
    assert_eq!(
        t.replies
            .iter()
            .map(|(d, p)| (*d, p.post.id))
            .collect::<Vec<_>>(),
        vec![(1, r1), (2, r11), (1, r2)]
    );
    assert_eq!(t.post.stats.replies, 2);
    assert!(matches!(camp.thread(ana, 999), Err(Error::NotFound(_))));
}

#[test]
fn favourites_and_boosts_toggle_count_notify_and_publish() {
    let (camp, ana, bo, cy, _) = camp4();
    let p = post(&camp, ana, "hello");
    let mut rx = camp.subscribe();
    let v = camp.react(bo, p, Reaction::Favourite, None).unwrap();
    assert!(v.mine.favourited);
    assert_eq!(v.stats.favourites, 1);
    match rx.try_recv().unwrap() {
        CampEvent::PostChanged(v) => {
            assert_eq!(v.stats.favourites, 1);
            assert!(!v.mine.favourited, "events carry no reader's own marks");
        }
        other => panic!("unexpected {other:?}"),
    }
    camp.react(cy, p, Reaction::Favourite, None).unwrap();
    let v = camp.react(bo, p, Reaction::Favourite, None).unwrap();
    assert!(!v.mine.favourited, "a second press undoes");
    assert_eq!(v.stats.favourites, 1);
    // Setting what is already set changes nothing.
    let v = camp.react(cy, p, Reaction::Favourite, Some(true)).unwrap();
    assert_eq!(v.stats.favourites, 1);
    let v = camp.react(bo, p, Reaction::Boost, None).unwrap();
    assert_eq!(v.stats.boosts, 1);
    assert_eq!(
        kinds(&camp, ana),
        vec![
            NotificationKind::Boost,
            NotificationKind::Favourite,
            NotificationKind::Favourite
        ]
    );
    let v = camp.react(bo, p, Reaction::Bookmark, None).unwrap();
    assert!(v.mine.bookmarked);
    assert_eq!(ids(camp.bookmarks(bo, 10).unwrap()), vec![p]);
    assert!(camp.bookmarks(cy, 10).unwrap().is_empty());
}

#[test]
fn boosts_reach_followers_home_marked_with_the_booster() {
    let (camp, ana, bo, cy, _) = camp4();
    let p = post(&camp, ana, "worth boosting");
    camp.follow(cy, "bo").unwrap();
    camp.react(bo, p, Reaction::Boost, None).unwrap();
    let home = camp.timeline(cy, TimelineKind::Home, None, 20).unwrap();
    assert_eq!(home.len(), 1);
    assert_eq!(home[0].post.id, p);
    assert_eq!(home[0].boosted_by.as_ref().unwrap().username, "bo");
    assert_ne!(home[0].entry, p);
    camp.unfollow(cy, "bo").unwrap();
    assert!(
        camp.timeline(cy, TimelineKind::Home, None, 20)
            .unwrap()
            .is_empty(),
        "an unfollowed booster's boosts leave home"
    );
    camp.follow(cy, "bo").unwrap();
    camp.react(bo, p, Reaction::Boost, None).unwrap();
    assert!(
        camp.timeline(cy, TimelineKind::Home, None, 20)
            .unwrap()
            .is_empty(),
        "an undone boost leaves the home timeline"
    );
    let d = direct(&camp, ana, "psst @bo");
    assert!(camp.react(bo, d, Reaction::Boost, None).is_err());
}

#[test]
fn only_the_author_edits_and_versions_are_kept() {
    let (camp, ana, bo, _, dee) = camp4();
    let p = post(&camp, ana, "frist #typo");
    for who in [bo, dee] {
        let err = camp.edit_post(who, p, "hijacked", None).unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err}");
    }
    assert_eq!(camp.post(bo, p).unwrap().post.text, "frist #typo");
    let v = camp
        .edit_post(ana, p, "first #fixed", Some("cw".into()))
        .unwrap();
    assert_eq!(v.post.text, "first #fixed");
    assert!(v.post.edited_ms.is_some());
    let versions = camp.post_versions(bo, p).unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].text, "frist #typo");
    assert!(camp.tagged(bo, "typo", 10).unwrap().is_empty());
    assert_eq!(ids(camp.tagged(bo, "#Fixed", 10).unwrap()), vec![p]);
    assert!(camp.edit_post(ana, p, " ", None).is_err());
    assert!(camp.edit_post(ana, p, &"x".repeat(501), None).is_err());
    assert_eq!(camp.post_versions(bo, p).unwrap().len(), 1);
}

#[test]
fn the_author_or_a_moderator_deletes_nobody_else() {
    let (camp, ana, bo, cy, dee) = camp4();
    let p = post(&camp, ana, "to be deleted");
    let r = reply(&camp, bo, p, "a reply");
    let err = camp.delete_post(cy, p).unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err}");
    assert!(camp.post(cy, p).is_ok(), "nothing changed");
    let mut rx = camp.subscribe();
    camp.delete_post(dee, r).unwrap();
    assert!(matches!(rx.try_recv().unwrap(), CampEvent::PostDeleted(id) if id == r));
    assert_eq!(camp.post(ana, p).unwrap().stats.replies, 0);
    camp.delete_post(ana, p).unwrap();
    assert!(matches!(camp.post(ana, p), Err(Error::NotFound(_))));
    assert!(
        camp.timeline(cy, TimelineKind::Camp, None, 10)
            .unwrap()
            .is_empty()
    );
    assert!(matches!(camp.delete_post(ana, p), Err(Error::NotFound(_))));
    // A direct post someone cannot see: "not found", not "forbidden".
    let d = direct(&camp, ana, "psst @bo");
    assert!(matches!(camp.delete_post(cy, d), Err(Error::NotFound(_))));
}

#[test]
fn direct_posts_reach_only_author_and_mentioned() {
    let (camp, ana, bo, cy, dee) = camp4();
    let d = direct(&camp, ana, "secret #plans for @bo");
    assert!(camp.thread(bo, d).is_ok());
    assert!(camp.thread(ana, d).is_ok());
    for outsider in [cy, dee] {
        assert!(matches!(camp.thread(outsider, d), Err(Error::NotFound(_))));
        assert!(camp.react(outsider, d, Reaction::Favourite, None).is_err());
        assert!(camp.tagged(outsider, "plans", 10).unwrap().is_empty());
        assert!(
            camp.profile(outsider, "ana").unwrap().recent.is_empty(),
            "not on the author's profile either"
        );
    }
    assert!(
        camp.timeline(cy, TimelineKind::Camp, None, 10)
            .unwrap()
            .is_empty()
    );
    for who in [ana, bo, cy] {
        assert!(
            camp.search(who, "secret", 10).unwrap().posts.is_empty(),
            "search never finds direct posts"
        );
    }
    // A reply in a direct thread by an outsider is refused as "no such post".
    let r = camp.create_post(
        cy,
        PostDraft {
            text: "me too".into(),
            reply_to: Some(d),
            ..Default::default()
        },
    );
    assert!(matches!(r, Err(Error::NotFound(_))));
}

#[test]
fn blocks_hide_posts_both_ways_and_stop_mentions_and_follows() {
    let (camp, ana, bo, cy, _) = camp4();
    camp.follow(bo, "ana").unwrap();
    let p = post(&camp, ana, "before the block");
    camp.block(ana, "bo").unwrap();
    assert!(
        !camp.store().follows(bo, ana).unwrap(),
        "a block ends the follow"
    );
    assert!(matches!(camp.post(bo, p), Err(Error::NotFound(_))));
    assert!(
        camp.timeline(bo, TimelineKind::Camp, None, 10)
            .unwrap()
            .is_empty()
    );
    let bo_post = post(&camp, bo, "hey @ana look");
    assert!(camp.post(bo, bo_post).unwrap().post.mentions.is_empty());
    assert!(
        !kinds(&camp, ana).contains(&NotificationKind::Mention),
        "a blocked person cannot mention you"
    );
    assert!(matches!(camp.post(ana, bo_post), Err(Error::NotFound(_))));
    assert!(camp.follow(bo, "ana").is_err());
    assert!(camp.profile(bo, "ana").is_err());
    assert!(camp.react(bo, p, Reaction::Favourite, None).is_err());
    assert!(camp.search(bo, "ana", 10).unwrap().accounts.is_empty());
    // Others are unaffected.
    assert!(camp.post(cy, p).is_ok());
    camp.unblock(ana, "bo").unwrap();
    assert!(camp.post(bo, p).is_ok());
    assert!(camp.unblock(ana, "bo").is_err());
}

#[test]
fn mutes_hide_timelines_and_notifications_and_can_expire() {
    let (camp, ana, bo, cy, _) = camp4();
    post(&camp, bo, "bo talks");
    let mine = post(&camp, ana, "ana's post");
    camp.react(bo, mine, Reaction::Favourite, None).unwrap();
    camp.mute(ana, "bo", None).unwrap();
    let camp_tl = camp.timeline(ana, TimelineKind::Camp, None, 10).unwrap();
    assert_eq!(ids(camp_tl), vec![mine]);
    assert!(
        camp.notification_views(ana, None, 10).unwrap().is_empty(),
        "earlier notifications from the muted vanish too"
    );
    post(&camp, bo, "hi @ana");
    assert!(camp.notification_views(ana, None, 10).unwrap().is_empty());
    assert_eq!(camp.unread_notifications(ana).unwrap(), 0);
    assert_eq!(
        camp.timeline(cy, TimelineKind::Camp, None, 10)
            .unwrap()
            .len(),
        3
    );
    camp.unmute(ana, "bo").unwrap();
    assert_eq!(
        camp.timeline(ana, TimelineKind::Camp, None, 10)
            .unwrap()
            .len(),
        3
    );
    // A mute that already ran out hides nothing.
    camp.store()
        .put_mute(ana, bo, Mute { until_ms: Some(1) })
        .unwrap();
    assert_eq!(
        camp.timeline(ana, TimelineKind::Camp, None, 10)
            .unwrap()
            .len(),
        3
    );
    camp.mute(ana, "bo", Some(Duration::from_secs(3600)))
        .unwrap();
    assert_eq!(
        camp.timeline(ana, TimelineKind::Camp, None, 10)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn follow_unfollow_fill_and_empty_home() {
    let (camp, ana, bo, _, _) = camp4();
    let p = post(&camp, bo, "older post");
    camp.follow(ana, "@bo").unwrap();
    assert!(kinds(&camp, bo).contains(&NotificationKind::Follow));
    assert!(camp.follow(ana, "bo").is_err(), "already following");
    assert!(camp.follow(ana, "ana").is_err(), "not yourself");
    assert!(camp.follow(ana, "nobody").is_err());
    let home = ids(camp.timeline(ana, TimelineKind::Home, None, 10).unwrap());
    assert_eq!(home, vec![p], "recent posts join home on follow");
    assert_eq!(camp.following(ana).unwrap()[0].username, "bo");
    assert_eq!(camp.followers(bo).unwrap()[0].username, "ana");
    let prof = camp.profile(ana, "bo").unwrap();
    assert!(prof.followed_by_me && prof.followers == 1 && prof.posts == 1);
    camp.unfollow(ana, "bo").unwrap();
    assert!(
        camp.timeline(ana, TimelineKind::Home, None, 10)
            .unwrap()
            .is_empty()
    );
    assert!(camp.unfollow(ana, "bo").is_err());
}

#[test]
fn unfollowing_keeps_a_direct_conversation() {
    let (camp, ana, bo, _, _) = camp4();
    camp.follow(ana, "bo").unwrap();
    let dm = direct(&camp, bo, "@ana just between us");
    let public_ish = post(&camp, bo, "for everyone");
    camp.unfollow(ana, "bo").unwrap();
    let home = ids(camp.timeline(ana, TimelineKind::Home, None, 10).unwrap());
    assert!(home.contains(&dm), "the direct post stays: {home:?}");
    assert!(!home.contains(&public_ish), "the follow's reach leaves");
    assert_eq!(camp.conversations(ana, 10).unwrap().len(), 1);
}

#[test]
fn profiles_are_edited_with_limits_and_search_finds_people_tags_and_posts() {
    let (camp, ana, bo, _, _) = camp4();
    let me = camp
        .update_profile(ana, "Ana \x1b[31mLee", "Climbs.\nCooks.")
        .unwrap();
    assert_eq!(me.display_name, "Ana Lee");
    assert!(camp.update_profile(ana, &"n".repeat(51), "").is_err());
    assert!(camp.update_profile(ana, "", &"b".repeat(501)).is_err());
    assert_eq!(camp.account(ana).unwrap().unwrap().display_name, "Ana Lee");
    post(&camp, bo, "crag day #climbing #Outdoors");
    post(&camp, bo, "soup #cooking");
    let r = camp.search(ana, "#c", 10).unwrap();
    assert_eq!(
        r.tags,
        vec![("climbing".to_string(), 1), ("cooking".to_string(), 1)]
    );
    let r = camp.search(ana, "lee", 10).unwrap();
    assert_eq!(r.accounts[0].username, "ana");
    let r = camp.search(ana, "CRAG", 10).unwrap();
    assert_eq!(r.posts.len(), 1);
    assert!(camp.search(ana, "  ", 10).is_err());
}

#[test]
fn hashtags_are_parsed() {
    assert_eq!(
        hashtags("#Rust and #rust, a#b, #123, #café_2 #"),
        vec!["rust", "café_2"]
    );
}

#[test]
fn suspended_accounts_cannot_act() {
    let (camp, ana, bo, _, _) = camp4();
    let p = post(&camp, ana, "hi");
    let mut b = camp.account(bo).unwrap().unwrap();
    b.suspended = true;
    camp.store().put_account(&b).unwrap();
    assert!(matches!(
        camp.react(bo, p, Reaction::Favourite, None),
        Err(Error::Suspended { .. })
    ));
    assert!(matches!(
        camp.follow(bo, "ana"),
        Err(Error::Suspended { .. })
    ));
    assert!(
        camp.follow(ana, "bo").is_err(),
        "nobody follows the suspended"
    );
}

#[test]
fn conversations_group_direct_posts_by_who_takes_part() {
    let (camp, ana, bo, cy, _) = camp4();
    direct(&camp, ana, "one @bo");
    direct(&camp, bo, "two @ana");
    direct(&camp, ana, "three @bo @cy");
    post(&camp, ana, "not direct @bo");
    let c = camp.conversations(ana, 10).unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].last.post.text, "three @bo @cy");
    assert_eq!(c[1].last.post.text, "two @ana");
    assert_eq!(c[1].posts, 2);
    assert_eq!(c[1].with[0].username, "bo");
    assert_eq!(camp.conversations(cy, 10).unwrap().len(), 1);
    assert!(
        camp.conversations(camp4_outsider(&camp), 10)
            .unwrap()
            .is_empty()
    );
}

fn camp4_outsider(camp: &Camp) -> Id {
    camp.account_by_name("dee").unwrap().unwrap().id
}

#[test]
fn live_posts_respect_mutes_and_blocks_and_boosts_go_to_followers() {
    let (camp, ana, bo, cy, _) = camp4();
    camp.follow(cy, "bo").unwrap();
    let p = post(&camp, ana, "original");
    let mut rx = camp.subscribe();
    camp.react(bo, p, Reaction::Boost, None).unwrap();
    let boost = loop {
        match rx.try_recv().unwrap() {
            CampEvent::Posted(n) => break n,
            _ => continue,
        }
    };
    assert_eq!(boost.view.boosted_by.as_ref().unwrap().username, "bo");
    assert!(boost.in_home_of(cy) && !boost.on_camp);
    assert!(camp.live_visible(cy, &boost));
    camp.mute(cy, "bo", None).unwrap();
    assert!(!camp.live_visible(cy, &boost), "muted booster");
    camp.unmute(cy, "bo").unwrap();
    camp.block(ana, "cy").unwrap();
    assert!(!camp.live_visible(cy, &boost), "blocked author");
    // After the block, a new boost of ana's post does not go to cy at all.
    camp.react(bo, p, Reaction::Boost, Some(false)).unwrap();
    let mut rx = camp.subscribe();
    camp.react(bo, p, Reaction::Boost, Some(true)).unwrap();
    let boost = loop {
        match rx.try_recv().unwrap() {
            CampEvent::Posted(n) => break n,
            _ => continue,
        }
    };
    assert!(!boost.in_home_of(cy));
}

#[test]
fn names_complete_without_me_or_those_who_blocked_me() {
    let (camp, ana, bo, _, _) = camp4();
    let inv = camp
        .create_invite(ana, crate::camp::InviteOptions::default())
        .unwrap();
    camp.join(&key(9), &inv.code, "bonnie", true).unwrap();
    assert_eq!(
        camp.complete_names(ana, "@Bo", 5).unwrap(),
        vec!["bo", "bonnie"]
    );
    assert!(camp.complete_names(bo, "bo", 5).unwrap() == vec!["bonnie"]);
    camp.block(bo, "ana").unwrap();
    assert_eq!(camp.complete_names(ana, "bo", 5).unwrap(), vec!["bonnie"]);
    assert!(camp.complete_names(ana, "", 5).unwrap().is_empty());
}
