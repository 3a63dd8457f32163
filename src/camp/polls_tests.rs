use std::time::Duration;

use super::*;
use crate::camp::testing::camp_with;
use crate::model::Visibility;

fn draft(text: &str, to: Option<Visibility>) -> PostDraft {
    PostDraft {
        text: text.into(),
        visibility: to,
        ..Default::default()
    }
}

fn poll(options: &str, multiple: bool) -> PollDraft {
    PollDraft::parse(options, "1d", multiple).unwrap()
}

/// A public post by dee of far.example (note `n`), whom `follower` follows: its id,
/// and dee's shadow account.
fn public_post_from_dee(camp: &Camp, follower: Id, n: u32, text: &str) -> (Id, Id) {
    let actor = crate::camp::testing::remote_actor("dee", "far.example", "Dee");
    let shadow = camp.store().upsert_remote_actor(actor).unwrap().shadow;
    camp.store().follow(follower, shadow).unwrap();
    let post = camp
        .receive_remote_note(crate::camp::IncomingNote {
            key: format!("https://far.example/notes/{n}"),
            author: shadow,
            object_host: "far.example".into(),
            text: text.into(),
            cw: None,
            reply_to: None,
            audience: crate::camp::RemoteAudience {
                public: true,
                ..Default::default()
            },
            boostable: true,
            original_author: None,
        })
        .unwrap()
        .unwrap();
    (post, shadow)
}

fn counts(v: &PostView) -> Vec<Option<u64>> {
    v.poll
        .as_ref()
        .unwrap()
        .options
        .iter()
        .map(|o| o.votes)
        .collect()
}

#[test]
fn drafts_are_checked_with_clear_reasons() {
    let bad = |options: &str, expires: &str| {
        PollDraft::parse(options, expires, false)
            .and_then(|d| d.checked())
            .unwrap_err()
            .to_string()
    };
    assert!(bad("yes", "1d").contains("2 to 4 choices"));
    assert!(bad("a,b,c,d,e", "1d").contains("2 to 4 choices"));
    assert!(bad("a,,b", "1d").contains("cannot be empty"));
    assert!(bad(&format!("a,{}", "x".repeat(51)), "1d").contains("50 characters"));
    assert!(bad("a,A", "1d").contains("twice"));
    assert!(bad("a,b", "4m").contains("5 minutes"));
    assert!(bad("a,b", "8d").contains("7 days"));
    assert!(bad("a,b", "soon").contains("not a duration"));
    let ok = PollDraft::parse(" yes , no\u{1b}[2J ,maybe", "5m", false)
        .unwrap()
        .checked()
        .unwrap();
    assert_eq!(ok.0, vec!["yes", "no", "maybe"]);
    assert_eq!(ok.1, Duration::from_secs(300));
}

#[test]
fn results_stay_hidden_until_one_votes_and_the_author_always_sees_them() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
    let p = camp
        .create_poll_post(ana, draft("lunch?", None), &poll("soup,salad", false))
        .unwrap();
    let id = p.post.id;
    assert_eq!(counts(&camp.post(ana, id).unwrap()), vec![Some(0), Some(0)]);
    let before = camp.post(bo, id).unwrap();
    assert_eq!(counts(&before), vec![None, None]);
    assert!(before.poll.as_ref().unwrap().can_vote);
    let after = camp.vote(bo, id, &[2]).unwrap();
    let pv = after.poll.as_ref().unwrap();
    assert!(pv.voted && !pv.can_vote);
    assert_eq!(pv.mine, vec![1]);
    assert_eq!(counts(&after), vec![Some(0), Some(1)]);
    assert_eq!(counts(&camp.post(cy, id).unwrap()), vec![None, None]);
    assert_eq!(counts(&camp.post(ana, id).unwrap()), vec![Some(0), Some(1)]);
}

#[test]
fn votes_are_refused_when_they_break_a_rule() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
    let one = camp
        .create_poll_post(ana, draft("pick", None), &poll("a,b,c", false))
        .unwrap()
        .post
        .id;
    let err = |r: Result<PostView>| r.unwrap_err().to_string();
    assert!(err(camp.vote(ana, one, &[1])).contains("your own poll"));
    assert!(err(camp.vote(bo, one, &[1, 2])).contains("one choice"));
    assert!(err(camp.vote(bo, one, &[4])).contains("numbered 1 to 3"));
    assert!(err(camp.vote(bo, one, &[0])).contains("numbered 1 to 3"));
    assert!(err(camp.vote(bo, one, &[])).contains("name a choice"));
    camp.vote(bo, one, &[1]).unwrap();
    assert!(err(camp.vote(bo, one, &[2])).contains("already voted"));
    let plain = camp
        .create_post(ana, draft("no poll", None))
        .unwrap()
        .post
        .id;
    assert!(err(camp.vote(bo, plain, &[1])).contains("has no poll"));
    // A followers-only poll of someone cy does not follow: as if it did not exist.
    let hidden = camp
        .create_poll_post(
            ana,
            draft("friends", Some(Visibility::Followers)),
            &poll("a,b", false),
        )
        .unwrap()
        .post
        .id;
    assert_eq!(
        err(camp.vote(cy, hidden, &[1])),
        err(camp.vote(cy, 999_999, &[1])).replace("999999", &hidden.to_string())
    );
    let many = camp
        .create_poll_post(ana, draft("several", None), &poll("a,b,c", true))
        .unwrap()
        .post
        .id;
    let v = camp.vote(cy, many, &[3, 1, 3]).unwrap();
    assert_eq!(counts(&v), vec![Some(1), Some(0), Some(1)]);
    assert_eq!(v.poll.unwrap().voters, Some(1));
}

#[test]
fn an_ended_poll_is_closed_shows_results_and_tells_author_and_voters_once() {
    let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
    let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
    let id = camp
        .create_poll_post(ana, draft("soon over", None), &poll("a,b", false))
        .unwrap()
        .post
        .id;
    camp.vote(bo, id, &[1]).unwrap();
    let expires = camp.store().poll(id).unwrap().unwrap().expires_ms;
    assert_eq!(camp.close_due_polls(expires - 1).unwrap(), Some(expires));
    let ended = |who| {
        camp.notifications(who, None, 50)
            .unwrap()
            .into_iter()
            .filter(|n| n.kind == NotificationKind::PollEnded && n.post == Some(id))
            .count()
    };
    assert_eq!((ended(ana), ended(bo), ended(cy)), (0, 0, 0));
    // Pretend the end came: make it due now.
    let mut p = camp.store().poll(id).unwrap().unwrap();
    camp.store().poll_end_announced(id, p.expires_ms).unwrap();
    p.expires_ms = now_ms().saturating_sub(1);
    camp.store().put_poll(id, &p).unwrap();
    assert_eq!(camp.close_due_polls(now_ms()).unwrap(), None);
    assert_eq!(camp.close_due_polls(now_ms()).unwrap(), None);
    assert_eq!((ended(ana), ended(bo), ended(cy)), (1, 1, 0));
    let seen = camp.post(cy, id).unwrap();
    let pv = seen.poll.as_ref().unwrap();
    assert!(pv.closed && !pv.can_vote);
    assert_eq!(counts(&seen), vec![Some(1), Some(0)]);
    assert!(
        camp.vote(cy, id, &[1])
            .unwrap_err()
            .to_string()
            .contains("ended")
    );
}

#[test]
fn a_deleted_poll_post_takes_its_poll_and_votes_with_it() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let id = camp
        .create_poll_post(ids[0], draft("gone soon", None), &poll("a,b", false))
        .unwrap()
        .post
        .id;
    camp.vote(ids[1], id, &[1]).unwrap();
    camp.delete_post(ids[0], id).unwrap();
    assert_eq!(camp.store().poll(id).unwrap(), None);
    assert_eq!(camp.store().poll_voters(id).unwrap(), Vec::<Id>::new());
    assert_eq!(
        camp.store().due_polls(u64::MAX, 10).unwrap(),
        (vec![], None)
    );
}

#[test]
fn a_poll_from_elsewhere_keeps_its_reported_counts_and_a_vote_adds_at_once() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let bo = ids[1];
    let (post, shadow) = public_post_from_dee(&camp, bo, 1, "tea or coffee");
    let long = "y".repeat(300);
    let incoming = IncomingPoll {
        options: vec![("tea\u{7}".into(), 5), (long, 2), ("".into(), 1)],
        multiple: false,
        expires_ms: Some(now_ms() + 3_600_000),
        closed: false,
        voters: Some(7),
    };
    camp.receive_remote_poll(post, &incoming).unwrap();
    let before = camp.post(bo, post).unwrap();
    let pv = before.poll.as_ref().unwrap();
    assert_eq!(pv.options.len(), 2, "the empty choice is dropped");
    assert_eq!(pv.options[0].title, "tea");
    assert_eq!(pv.options[1].title.chars().count(), MAX_OPTION_CHARS);
    assert_eq!(counts(&before), vec![None, None]);
    let after = camp.vote(bo, post, &[1]).unwrap();
    assert_eq!(counts(&after), vec![Some(6), Some(2)]);
    assert_eq!(after.poll.unwrap().voters, Some(8));
    // The server's next word replaces the tally; a closed poll shows it to all.
    let update = IncomingPoll {
        options: vec![("tea".into(), 9), ("y".into(), 3)],
        closed: true,
        ..incoming
    };
    camp.receive_remote_poll(post, &update).unwrap();
    let admin_view = camp.post(ids[0], post).unwrap();
    assert_eq!(counts(&admin_view), vec![Some(9), Some(3)]);
    assert!(admin_view.poll.unwrap().closed);
    // Votes from elsewhere count only in our own polls.
    assert!(!camp.receive_remote_vote(shadow, post, "tea").unwrap());
}

#[test]
fn a_poll_renamed_elsewhere_drops_the_votes_here_and_a_far_end_is_held_to_a_month() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let bo = ids[1];
    let (post, _) = public_post_from_dee(&camp, bo, 2, "which trail");
    let first = IncomingPoll {
        options: vec![("north".into(), 1), ("south".into(), 1)],
        multiple: false,
        expires_ms: Some(now_ms() + 3_600_000),
        closed: false,
        voters: Some(2),
    };
    camp.receive_remote_poll(post, &first).unwrap();
    assert!(camp.vote(bo, post, &[1]).unwrap().poll.unwrap().voted);
    // The same choices again keep the vote.
    camp.receive_remote_poll(post, &first).unwrap();
    assert!(camp.post(bo, post).unwrap().poll.unwrap().voted);
    // Swapped: bo never chose "north".
    let swapped = IncomingPoll {
        options: vec![("south".into(), 1), ("north".into(), 1)],
        expires_ms: Some(now_ms() + 400 * 86_400_000),
        ..first
    };
    camp.receive_remote_poll(post, &swapped).unwrap();
    let now = camp.post(bo, post).unwrap().poll.unwrap();
    assert!(!now.voted, "{now:?}");
    assert!(now.expires_ms <= now_ms() + 31 * 86_400_000, "{now:?}");
}

#[test]
fn votes_from_elsewhere_count_once_per_actor_and_only_for_a_named_choice() {
    let (camp, ids) = camp_with(&["ana"]);
    let ana = ids[0];
    let actor = crate::camp::testing::remote_actor("dee", "far.example", "Dee");
    let dee = camp.store().upsert_remote_actor(actor).unwrap().shadow;
    let open = camp
        .create_poll_post(
            ana,
            draft("out there", Some(Visibility::Public)),
            &poll("a,b", false),
        )
        .unwrap()
        .post
        .id;
    assert!(!camp.receive_remote_vote(dee, open, "c").unwrap());
    assert!(camp.receive_remote_vote(dee, open, "b").unwrap());
    assert!(!camp.receive_remote_vote(dee, open, "a").unwrap());
    assert_eq!(
        counts(&camp.post(ana, open).unwrap()),
        vec![Some(0), Some(1)]
    );
    let many = camp
        .create_poll_post(
            ana,
            draft("several", Some(Visibility::Public)),
            &poll("a,b", true),
        )
        .unwrap()
        .post
        .id;
    assert!(camp.receive_remote_vote(dee, many, "a").unwrap());
    assert!(camp.receive_remote_vote(dee, many, "b").unwrap());
    assert!(!camp.receive_remote_vote(dee, many, "b").unwrap());
    let v = camp.post(ana, many).unwrap();
    assert_eq!(counts(&v), vec![Some(1), Some(1)]);
    assert_eq!(v.poll.unwrap().voters, Some(1));
    // A followers-only poll is not theirs to answer.
    let friends = camp
        .create_poll_post(
            ana,
            draft("friends", Some(Visibility::Followers)),
            &poll("a,b", false),
        )
        .unwrap()
        .post
        .id;
    assert!(!camp.receive_remote_vote(dee, friends, "a").unwrap());
}

/// `actor` asked to follow the camper `account`; `accepted` says whether it was let in.
fn remote_follows(camp: &Camp, account: Id, actor: &crate::model::RemoteActor, accepted: bool) {
    let state = if accepted {
        crate::model::FollowState::Accepted
    } else {
        crate::model::FollowState::Pending
    };
    camp.store()
        .put_remote_follower(
            account,
            &crate::model::RemoteFollow {
                actor: actor.id.clone(),
                follow_id: format!("{}#follows/1", actor.id),
                state,
                created_ms: 0,
            },
        )
        .unwrap();
}

/// A followers-only poll takes the votes of the author's accepted followers elsewhere,
/// and of them only: a pending follower, a stranger, a follower the author blocked
/// and a suspended follower count for nothing; a camp-only poll takes no vote from
/// elsewhere, follower or not. Refusals look the same as an unknown post (false).
#[test]
fn a_followers_only_poll_counts_accepted_followers_from_elsewhere_only() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    let mut shadows = Vec::new();
    for (name, follow) in [
        ("fay", Some(true)),
        ("hal", Some(false)),
        ("ivy", None),
        ("jo", Some(true)),
        ("kim", Some(true)),
    ] {
        let actor = crate::camp::testing::remote_actor(name, "far.example", name);
        let actor = camp.store().upsert_remote_actor(actor).unwrap();
        if let Some(accepted) = follow {
            remote_follows(&camp, ana, &actor, accepted);
        }
        shadows.push(actor.shadow);
    }
    let [fay, hal, ivy, jo, kim] = shadows[..] else {
        unreachable!()
    };
    camp.block(ana, "jo@far.example").unwrap();
    let mut k = camp.store().account(kim).unwrap().unwrap();
    k.suspended = true;
    camp.store().put_account(&k).unwrap();
    let friends = camp
        .create_poll_post(
            ana,
            draft("friends", Some(Visibility::Followers)),
            &poll("a,b", false),
        )
        .unwrap()
        .post
        .id;
    for (who, name) in [
        (hal, "pending"),
        (ivy, "stranger"),
        (jo, "blocked"),
        (kim, "suspended"),
    ] {
        assert!(
            !camp.receive_remote_vote(who, friends, "a").unwrap(),
            "{name}"
        );
    }
    assert!(
        !camp.receive_remote_vote(ivy, 999_999, "a").unwrap(),
        "unknown: the same answer"
    );
    assert!(camp.receive_remote_vote(fay, friends, "b").unwrap());
    assert!(
        !camp.receive_remote_vote(fay, friends, "a").unwrap(),
        "one vote per actor"
    );
    assert_eq!(
        counts(&camp.post(ana, friends).unwrap()),
        vec![Some(0), Some(1)]
    );
    // bo, a camper who does not follow ana, still cannot see it.
    assert!(camp.vote(bo, friends, &[1]).is_err());
    let camp_only = camp
        .create_poll_post(ana, draft("here only", None), &poll("a,b", false))
        .unwrap()
        .post
        .id;
    assert!(!camp.receive_remote_vote(fay, camp_only, "a").unwrap());
}

#[test]
fn an_account_from_elsewhere_never_sees_a_camp_only_post_even_as_an_accepted_follower() {
    let (camp, ids) = camp_with(&["ana"]);
    let ana = ids[0];
    let actor = crate::camp::testing::remote_actor("fay", "far.example", "fay");
    let actor = camp.store().upsert_remote_actor(actor).unwrap();
    remote_follows(&camp, ana, &actor, true);
    let fay = camp.store().account(actor.shadow).unwrap().unwrap();
    let seen = |to| {
        let p = camp.create_post(ana, draft("hello", Some(to))).unwrap();
        camp.can_see(&fay, &p.post).unwrap()
    };
    assert!(!seen(Visibility::Camp));
    assert!(seen(Visibility::Followers));
    assert!(seen(Visibility::Public));
}

/// A direct poll takes the votes of the accounts elsewhere it is addressed to, and of
/// them only: one it does not name (even an accepted follower), one the author
/// blocked and a suspended one count for nothing, answered as an unknown post is.
#[test]
fn a_direct_poll_counts_its_recipients_from_elsewhere_only() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    let mut shadows = Vec::new();
    for name in ["fay", "gus", "jo", "kim"] {
        let actor = crate::camp::testing::remote_actor(name, "far.example", name);
        let actor = camp.store().upsert_remote_actor(actor).unwrap();
        // gus follows ana (accepted) but is not addressed.
        if name == "gus" {
            remote_follows(&camp, ana, &actor, true);
        }
        shadows.push(actor.shadow);
    }
    let [fay, gus, jo, kim] = shadows[..] else {
        unreachable!()
    };
    let secret = camp
        .create_poll_post(
            ana,
            draft(
                "@bo @fay@far.example @jo@far.example @kim@far.example which?",
                Some(Visibility::Direct),
            ),
            &poll("a,b", false),
        )
        .unwrap()
        .post
        .id;
    camp.block(ana, "jo@far.example").unwrap();
    let mut k = camp.store().account(kim).unwrap().unwrap();
    k.suspended = true;
    camp.store().put_account(&k).unwrap();
    for (who, name) in [
        (gus, "a follower not addressed"),
        (jo, "blocked"),
        (kim, "suspended"),
    ] {
        assert!(
            !camp.receive_remote_vote(who, secret, "a").unwrap(),
            "{name}"
        );
    }
    assert!(camp.receive_remote_vote(fay, secret, "b").unwrap());
    assert!(
        !camp.receive_remote_vote(fay, secret, "a").unwrap(),
        "one vote per actor"
    );
    assert_eq!(
        counts(&camp.post(ana, secret).unwrap()),
        vec![Some(0), Some(1)]
    );
    // The camper it names votes as before.
    camp.vote(bo, secret, &[1]).unwrap();
    // A followers-only poll naming fay is still not hers to answer.
    let friends = camp
        .create_poll_post(
            ana,
            draft("@fay@far.example friends?", Some(Visibility::Followers)),
            &poll("a,b", false),
        )
        .unwrap()
        .post
        .id;
    assert!(!camp.receive_remote_vote(fay, friends, "a").unwrap());
}
