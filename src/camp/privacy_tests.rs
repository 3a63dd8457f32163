//! Privacy inside the camp, at the service (every face goes through these methods):
//! replies never wider than their parent, counts and notifications that follow
//! `can_see`, report context, remote accounts holding no role, suspended accounts'
//! link codes, refusals that reveal no block, and `@user@host` never a local camper.

use crate::camp::testing::{camp_with, key};
use crate::camp::{PostDraft, ReportTarget, TimelineKind};
use crate::error::Error;
use crate::model::*;

fn post(camp: &crate::Camp, by: Id, text: &str, vis: Option<Visibility>) -> Post {
    post_reply(camp, by, text, vis, None).unwrap()
}

fn post_reply(
    camp: &crate::Camp,
    by: Id,
    text: &str,
    visibility: Option<Visibility>,
    reply_to: Option<Id>,
) -> crate::Result<Post> {
    camp.create_post(
        by,
        PostDraft {
            text: text.into(),
            visibility,
            reply_to,
            ..Default::default()
        },
    )
    .map(|v| v.post)
}

fn camp_ids(camp: &crate::Camp, who: Id) -> Vec<Id> {
    camp.timeline(who, TimelineKind::Camp, None, 50)
        .unwrap()
        .into_iter()
        .map(|v| v.post.id)
        .collect()
}

fn notified_posts(camp: &crate::Camp, who: Id) -> Vec<Option<Id>> {
    camp.notifications(who, None, 50)
        .unwrap()
        .into_iter()
        .map(|n| n.post)
        .collect()
}

#[test]
fn a_reply_to_a_direct_post_without_visibility_stays_with_its_people() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy", "dee"]);
    let (ana, bo, cy, dee) = (ids[0], ids[1], ids[2], ids[3]);
    let dm = post(
        &camp,
        ana,
        "@bo @cy the party is friday",
        Some(Visibility::Direct),
    );
    // bo answers with no visibility and no mention: direct, to ana and cy.
    let reply = post_reply(&camp, bo, "I'll bring cake", None, Some(dm.id)).unwrap();
    assert_eq!(reply.visibility, Visibility::Direct);
    let mut people = reply.mentions.clone();
    people.sort_unstable();
    let mut want = vec![ana, cy];
    want.sort_unstable();
    assert_eq!(people, want);
    assert!(
        !camp_ids(&camp, dee).contains(&reply.id),
        "on the camp timeline"
    );
    assert!(camp.post(dee, reply.id).is_err());
    assert!(camp.post(cy, reply.id).is_ok());
    // Nothing wider is allowed, and the refusal names what is.
    for wider in [Visibility::Camp, Visibility::Followers, Visibility::Public] {
        let err = post_reply(&camp, bo, "oops", Some(wider), Some(dm.id)).unwrap_err();
        assert!(
            err.to_string().contains("can be direct"),
            "{wider:?}: {err}"
        );
    }
    // Nor may a direct reply pull in someone outside the conversation.
    let err = post_reply(
        &camp,
        bo,
        "@dee look",
        Some(Visibility::Direct),
        Some(dm.id),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("@dee is not in this conversation"), "{err}");
    assert_eq!(camp.store().post_count(), 2, "refusals write nothing");
}

#[test]
fn replies_to_followers_camp_and_public_posts_follow_the_rule() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
    camp.follow(bo, "ana").unwrap();
    let fo = post(&camp, ana, "for my followers", Some(Visibility::Followers));
    let r = post_reply(&camp, bo, "answer", None, Some(fo.id)).unwrap();
    assert_eq!(r.visibility, Visibility::Followers, "takes the parent's");
    let err = post_reply(&camp, bo, "answer", Some(Visibility::Camp), Some(fo.id))
        .unwrap_err()
        .to_string();
    assert!(err.contains("can be followers or direct"), "{err}");
    assert!(!camp_ids(&camp, cy).contains(&r.id));

    let cp = post(&camp, ana, "camp news", None);
    assert_eq!(
        post_reply(&camp, bo, "ok", None, Some(cp.id))
            .unwrap()
            .visibility,
        Visibility::Camp
    );
    let err = post_reply(&camp, bo, "out", Some(Visibility::Public), Some(cp.id))
        .unwrap_err()
        .to_string();
    assert!(err.contains("can be camp or direct"), "{err}");
    assert!(
        post_reply(
            &camp,
            bo,
            "psst @ana",
            Some(Visibility::Direct),
            Some(cp.id)
        )
        .is_ok(),
        "narrower is fine"
    );

    let pb = post(&camp, ana, "hello world", Some(Visibility::Public));
    for v in [
        Visibility::Public,
        Visibility::Camp,
        Visibility::Followers,
        Visibility::Direct,
    ] {
        let r = post_reply(&camp, bo, "hi @ana", Some(v), Some(pb.id)).unwrap();
        assert_eq!(r.visibility, v);
    }
}

#[test]
fn counts_follow_what_the_reader_may_see() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
    // A direct post with a tag: the tag is not even listed for cy.
    post(
        &camp,
        ana,
        "@bo #surpriseparty for cy",
        Some(Visibility::Direct),
    );
    let tags = |who| camp.search(who, "#surprise", 10).unwrap().tags;
    assert_eq!(tags(bo), vec![("surpriseparty".to_string(), 1)]);
    assert_eq!(tags(cy), vec![]);
    post(&camp, cy, "#surpriseparty? what party", None);
    assert_eq!(tags(cy), vec![("surpriseparty".to_string(), 1)]);
    assert_eq!(tags(bo), vec![("surpriseparty".to_string(), 2)]);

    // A hidden reply is not counted under its parent.
    let open = post(&camp, ana, "plans for saturday", None);
    post_reply(
        &camp,
        bo,
        "@ana only you",
        Some(Visibility::Direct),
        Some(open.id),
    )
    .unwrap();
    let replies = |who| camp.thread(who, open.id).unwrap().post.stats.replies;
    assert_eq!(replies(cy), 0);
    assert_eq!(replies(ana), 1);
    assert_eq!(camp.post(cy, open.id).unwrap().stats.replies, 0);
    let on_timeline = camp.timeline(cy, TimelineKind::Camp, None, 10).unwrap();
    assert!(on_timeline.iter().all(|v| v.stats.replies == 0));

    // A reply to a post the reader cannot see does not name it.
    let fo = post(&camp, ana, "for followers", Some(Visibility::Followers));
    let dr = post_reply(
        &camp,
        ana,
        "@cy psst",
        Some(Visibility::Direct),
        Some(fo.id),
    )
    .unwrap();
    assert_eq!(camp.post(cy, dr.id).unwrap().post.reply_to, None);
    assert_eq!(camp.post(ana, dr.id).unwrap().post.reply_to, Some(fo.id));

    // A profile counts only the posts its reader may see.
    post(&camp, bo, "for followers", Some(Visibility::Followers));
    let count = |who| camp.profile(who, "bo").unwrap().posts;
    assert_eq!(count(bo), 2);
    assert_eq!(count(cy), 0);
    assert_eq!(
        count(ana),
        1,
        "the direct reply to ana, not the followers post"
    );
    camp.follow(ana, "bo").unwrap();
    assert_eq!(count(ana), 2);
}

#[test]
fn only_someone_who_may_read_a_post_hears_of_it() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
    camp.follow(bo, "ana").unwrap();
    let p = post(
        &camp,
        ana,
        "@bo and @cy: followers only",
        Some(Visibility::Followers),
    );
    assert_eq!(notified_posts(&camp, bo), vec![Some(p.id)]);
    assert_eq!(
        notified_posts(&camp, cy),
        vec![],
        "cy does not follow ana: no notification, no post id"
    );
    // A notification whose post the reader can no longer see names no post.
    camp.block(ana, "bo").unwrap();
    let views = camp.notification_views(bo, None, 10).unwrap();
    assert!(
        views
            .iter()
            .all(|v| v.notification.post.is_none() && v.post.is_none()),
        "{views:?}"
    );
}

#[test]
fn moderators_see_the_reported_post_not_a_hidden_parent() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy", "mia"]);
    let (ana, bo, cy, m) = (ids[0], ids[1], ids[2], ids[3]);
    camp.set_role(ana, "mia", Role::Moderator).unwrap();
    let dm = post(&camp, bo, "@cy my secret", Some(Visibility::Direct));
    let reply = post_reply(&camp, cy, "@bo rude reply", None, Some(dm.id)).unwrap();
    camp.file_report(bo, ReportTarget::Post(reply.id), "rude")
        .unwrap();
    let views = camp.reports(m, false).unwrap();
    assert_eq!(views[0].post_text.as_deref(), Some("@bo rude reply"));
    assert_eq!(
        views[0].parent_text, None,
        "the moderator saw bo's direct post"
    );
    // A parent the moderator may see, or one reported itself, is context.
    camp.file_report(cy, ReportTarget::Post(dm.id), "started it")
        .unwrap();
    let views = camp.reports(m, false).unwrap();
    let of_reply = views.iter().find(|v| v.report.post == Some(reply.id));
    assert_eq!(
        of_reply.unwrap().parent_text.as_deref(),
        Some("@cy my secret")
    );
    let open = post(&camp, bo, "camp post", None);
    let answer = post_reply(&camp, cy, "meh", None, Some(open.id)).unwrap();
    camp.file_report(bo, ReportTarget::Post(answer.id), "meh")
        .unwrap();
    let views = camp.reports(m, false).unwrap();
    let v = views.iter().find(|v| v.report.post == Some(answer.id));
    assert_eq!(v.unwrap().parent_text.as_deref(), Some("camp post"));
}

/// A remote actor's shadow account (`user@host`) as the bridge makes it, with `role`.
fn shadow(camp: &crate::Camp, user: &str, host: &str, role: Role) -> Account {
    let actor = camp
        .store()
        .upsert_remote_actor(crate::model::RemoteActor {
            id: format!("https://{host}/users/{user}"),
            shadow: 0,
            inbox: format!("https://{host}/users/{user}/inbox"),
            shared_inbox: None,
            username: user.into(),
            host: host.into(),
            display_name: String::new(),
            key_id: format!("https://{host}/users/{user}#main-key"),
            public_key_pem: String::new(),
            fetched_ms: 1,
        })
        .unwrap();
    let mut a = camp.account(actor.shadow).unwrap().unwrap();
    a.role = role;
    camp.store().put_account(&a).unwrap();
    a
}

#[test]
fn remote_accounts_hold_no_role_and_do_not_count_as_admin() {
    let camp = crate::Camp::temporary().unwrap();
    shadow(&camp, "root", "evil.example", Role::Admin);
    assert!(
        camp.admin_invite().unwrap().is_some(),
        "a shadow 'admin' hid the first-admin invite"
    );
    let code = camp.admin_invite().unwrap().unwrap();
    let ana = camp.join(&key(1), &code, "ana", true).unwrap().id;
    assert!(camp.admin_invite().unwrap().is_none());
    shadow(&camp, "dee", "mastodon.example", Role::Camper);
    let err = camp
        .set_role(ana, "dee@mastodon.example", Role::Moderator)
        .unwrap_err();
    assert!(err.to_string().contains("another server"), "{err}");
    assert!(
        camp.host_set_role("@dee@mastodon.example", Role::Admin)
            .is_err()
    );
    let dee = camp
        .account_by_name("dee@mastodon.example")
        .unwrap()
        .unwrap();
    assert_eq!(dee.role, Role::Camper);
}

#[test]
fn a_suspended_accounts_link_code_adds_no_key() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    let link = camp.create_link_code(bo).unwrap();
    camp.act_on_account(ana, "bo", crate::camp::AccountAction::Suspend(true), "spam")
        .unwrap();
    let err = camp.redeem_link_code(&key(9), &link.code, "x").unwrap_err();
    assert!(matches!(err, Error::Suspended { .. }), "{err}");
    assert!(camp.account_for_key(&key(9).fingerprint).unwrap().is_none());
    assert!(matches!(
        camp.create_link_code(bo),
        Err(Error::Suspended { .. })
    ));
}

#[test]
fn a_direct_post_to_a_blocker_is_refused_like_one_to_nobody() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    camp.block(bo, "ana").unwrap();
    let blocked = post_reply(&camp, ana, "@bo hi", Some(Visibility::Direct), None)
        .unwrap_err()
        .to_string();
    let nobody = post_reply(&camp, ana, "@nobody hi", Some(Visibility::Direct), None)
        .unwrap_err()
        .to_string();
    assert_eq!(blocked, nobody);
    assert!(
        !blocked.contains("add an @name") && !blocked.contains("block"),
        "tells ana her @bo does not count: {blocked}"
    );
    assert!(
        blocked.contains("nobody") || blocked.contains("someone"),
        "{blocked}"
    );
}

#[test]
fn a_direct_reply_naming_an_outsider_is_refused_whether_or_not_they_blocked() {
    let (camp, ids) = camp_with(&["eve", "sock", "vic", "val"]);
    let (eve, vic) = (ids[0], ids[2]);
    camp.block(vic, "eve").unwrap();
    let dm = post(&camp, eve, "@sock psst", Some(Visibility::Direct));
    // vic blocked eve, val did not: both outsiders get the same refusal.
    let answers: Vec<String> = ["@vic", "@val"]
        .iter()
        .map(|who| {
            post_reply(&camp, eve, &format!("{who} hi"), None, Some(dm.id))
                .unwrap_err()
                .to_string()
                .replace(who, "@NAME")
        })
        .collect();
    assert_eq!(answers[0], answers[1]);
    assert!(
        answers[0].contains("not in this conversation"),
        "{}",
        answers[0]
    );
}

#[test]
fn a_handle_with_a_host_is_never_a_camper_here() {
    let (camp, ids) = camp_with(&["ana", "dee"]);
    let (ana, dee) = (ids[0], ids[1]);
    // Without federation a direct post only to someone elsewhere is refused, saying so.
    let err = post_reply(
        &camp,
        ana,
        "@dee@mastodon.example secret plans",
        Some(Visibility::Direct),
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("@dee@mastodon.example is on another server"),
        "{err}"
    );
    assert!(err.contains("does not federate"), "{err}");
    // A camp post naming the remote dee does not mention (nor notify) the local one.
    let p = post(&camp, ana, "thanks @dee@mastodon.example!", None);
    assert!(p.mentions.is_empty(), "{:?}", p.mentions);
    assert!(notified_posts(&camp, dee).is_empty());
    // A direct post to both reaches only the camper named bare.
    let both = post(
        &camp,
        ana,
        "@dee @dee@mastodon.example hi",
        Some(Visibility::Direct),
    );
    assert_eq!(both.mentions, vec![dee]);
    // Names elsewhere may hold `.` and `-`: still never the camper `dee`.
    let before = notified_posts(&camp, dee).len();
    for handle in ["@dee.x@pleroma.example", "@dee-x@pleroma.example"] {
        let p = post(&camp, ana, &format!("thanks {handle}!"), None);
        assert!(p.mentions.is_empty(), "{handle}: {:?}", p.mentions);
        let err = post_reply(&camp, ana, handle, Some(Visibility::Direct), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("another server"), "{handle}: {err}");
    }
    assert_eq!(notified_posts(&camp, dee).len(), before);
}

#[test]
fn a_handle_on_this_camps_own_host_is_a_camper_here() {
    let mut config = crate::config::Config::with_dirs("unused", "unused");
    config.camp.posts_per_minute = 0;
    config.public_url = Some("https://camp.example".into());
    let camp = crate::Camp::with_store(crate::store::Store::temporary().unwrap(), config);
    let code = camp.admin_invite().unwrap().unwrap();
    let ana = camp.join(&key(1), &code, "ana", true).unwrap().id;
    let dee = crate::camp::testing::join(&camp, ana, 2, "dee");
    let p = post(
        &camp,
        ana,
        "@dee@Camp.Example hello",
        Some(Visibility::Direct),
    );
    assert_eq!(p.mentions, vec![dee]);
}

#[test]
fn a_live_edit_reaches_only_who_may_still_read_the_post() {
    let (camp, ids) = camp_with(&["bob", "eve", "fay"]);
    let (bob, eve, fay) = (ids[0], ids[1], ids[2]);
    camp.follow(eve, "bob").unwrap();
    camp.follow(fay, "bob").unwrap();
    let p = post(&camp, bob, "for followers", Some(Visibility::Followers));
    assert!(camp.live_change_visible(eve, &p));
    // A block ends eve's follow: an edit must not reach her open screen.
    camp.block(bob, "eve").unwrap();
    assert!(!camp.live_change_visible(eve, &p));
    assert!(camp.live_change_visible(fay, &p));
    assert!(camp.live_change_visible(bob, &p));
}

#[test]
fn following_someone_who_blocked_you_reads_like_following_nobody() {
    let (camp, ids) = camp_with(&["bo", "eve"]);
    let (bo, eve) = (ids[0], ids[1]);
    camp.block(bo, "eve").unwrap();
    let blocked = camp.follow(eve, "bo").unwrap_err().to_string();
    let nobody = camp.follow(eve, "zed").unwrap_err().to_string();
    assert_eq!(blocked.replace("bo", "NAME"), nobody.replace("zed", "NAME"));
    // The one who blocked is told plainly why.
    let own = camp.follow(bo, "eve").unwrap_err().to_string();
    assert!(own.contains("you blocked @eve"), "{own}");
}
