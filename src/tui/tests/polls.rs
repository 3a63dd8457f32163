//! Polls in the TUI: drawn under the post (numbered, bars once results show), voted
//! with `v` then a number; Enter sends the picks of a multiple-choice poll.

use super::*;
use crate::camp::{PollOption, PollView};

fn poll(votes: Option<[u64; 3]>, multiple: bool) -> PollView {
    let titles = ["tarp", "tent", "under the stars, whatever the weather says"];
    PollView {
        options: titles
            .iter()
            .enumerate()
            .map(|(i, t)| PollOption {
                title: t.to_string(),
                votes: votes.map(|v| v[i]),
            })
            .collect(),
        multiple,
        expires_ms: NOW + 3 * 3_600_000,
        closed: false,
        voted: false,
        mine: vec![],
        voters: votes.map(|v| v.iter().sum()),
        can_vote: votes.is_none(),
    }
}

/// The member model with a poll by cy on top of the camp timeline.
fn poll_model(p: PollView) -> Model {
    let mut m = member_model();
    let mut v = view(51, "cy", "", "Where do we sleep on Saturday?", 60_000);
    v.poll = Some(p);
    update(
        &mut m,
        Msg::TimelineLoaded {
            kind: TimelineKind::Camp,
            before: None,
            result: Ok(vec![v, view(44, "dee", "", "no poll here", 120_000)]),
        },
    );
    m
}

#[test]
fn v_then_a_number_votes_and_the_answer_shows_the_results() {
    let mut m = poll_model(poll(None, false));
    let s = screen(&mut m, 80, 24);
    assert!(s.contains(" 1 tarp") && s.contains(" 2 tent"), "{s}");
    assert!(s.contains("results after you vote"), "{s}");
    assert!(!s.contains('█'), "no bars while results are hidden:\n{s}");
    assert_eq!(update(&mut m, ch('v')), vec![]);
    assert!(screen(&mut m, 80, 24).contains("press 1-3"));
    assert_eq!(
        update(&mut m, ch('2')),
        vec![Effect::Vote {
            post: 51,
            choices: vec![2]
        }]
    );
    let mut answered = poll(Some([1, 3, 0]), false);
    answered.voted = true;
    answered.mine = vec![1];
    answered.can_vote = false;
    let mut v = (*m.camp.posts[0]).clone();
    v.poll = Some(answered);
    update(&mut m, Msg::Voted(Ok(v)));
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("Voted."), "{s}");
    assert!(s.contains("✓2 tent") && s.contains("75% 3"), "{s}");
    assert!(s.contains("4 voters") && s.contains("you voted"), "{s}");
    // A second `v` is answered here, without asking the service.
    assert_eq!(update(&mut m, ch('v')), vec![]);
    assert!(screen(&mut m, 80, 24).contains("already voted"));
}

#[test]
fn a_multiple_choice_poll_toggles_picks_and_enter_sends_them() {
    let mut m = poll_model(poll(None, true));
    update(&mut m, ch('v'));
    for c in ['3', '1', '3', '1', '3', '9'] {
        assert_eq!(update(&mut m, ch(c)), vec![]);
    }
    assert!(screen(&mut m, 80, 24).contains("choose 1 to 3"));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Vote {
            post: 51,
            choices: vec![3]
        }]
    );
    // Esc (or any other key) gives up without sending.
    update(&mut m, ch('v'));
    update(&mut m, ch('1'));
    assert_eq!(update(&mut m, key(Key::Esc)), vec![]);
    assert!(m.vote.is_none());
}

#[test]
fn a_refused_vote_is_said_and_own_or_plain_posts_are_not_voted_on() {
    let mut m = poll_model(poll(None, false));
    update(&mut m, ch('v'));
    update(&mut m, ch('1'));
    update(&mut m, Msg::Voted(Err("this poll has ended".into())));
    assert!(screen(&mut m, 80, 24).contains("this poll has ended"));
    update(&mut m, ch('j'));
    update(&mut m, ch('v'));
    assert!(screen(&mut m, 80, 24).contains("this post has no poll"));
}

#[test]
fn a_live_change_shows_counts_only_to_a_reader_who_sees_results() {
    let mut m = poll_model(poll(None, false));
    let mut changed = (*m.camp.posts[0]).clone();
    changed.poll = Some(poll(Some([5, 0, 0]), false));
    update(&mut m, Msg::PostChanged(Arc::new(changed.clone())));
    let p = m.camp.posts[0].poll.as_ref().unwrap();
    assert_eq!(p.voters, None, "still hidden for one who has not voted");
    assert!(p.can_vote);
    let mut ended = poll(Some([5, 1, 0]), false);
    ended.closed = true;
    changed.poll = Some(ended);
    update(&mut m, Msg::PostChanged(Arc::new(changed)));
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("6 voters") && s.contains("ended"), "{s}");
}

#[test]
fn snapshot_poll_80x24() {
    let mut voted = poll(Some([2, 5, 1]), false);
    voted.voted = true;
    voted.mine = vec![1];
    let mut m = poll_model(voted);
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_poll_40x15() {
    let mut m = poll_model(poll(Some([2, 5, 1]), false));
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn snapshot_poll_hidden_40x15() {
    let mut m = poll_model(poll(None, true));
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}
