//! Polls on the wire, in Mastodon's form: a poll post is a `Question` whose choices are
//! `oneOf` (or `anyOf`, several allowed) notes with a `name` and `replies.totalItems`,
//! an `endTime`, `closed` once ended, and `votersCount`. A vote is a `Create` of a
//! `Note` whose `name` is the choice's title and `inReplyTo` the question, addressed to
//! the poll's author alone (never Public): one note per choice.
//!
//! Inbound, everything is hostile: choices are sanitized, their count and length
//! capped (the parser keeps at most [`MAX_WIRE_OPTIONS`]; the service caps again),
//! counts are plain non-negative integers, times that do not parse are ignored.

use serde_json::{Value, json};

use super::{Bridge, delivery, wire};
use crate::camp::IncomingPoll;
use crate::model::{Account, Millis, Post};

/// Most choices read from an inbound `Question`.
pub const MAX_WIRE_OPTIONS: usize = crate::camp::polls::MAX_REMOTE_OPTIONS;
/// The most votes one choice of a poll from elsewhere is taken to have.
const MAX_WIRE_COUNT: u64 = 1_000_000_000;

/// Turns the `Note` of a local post into a `Question` when the post has a poll
/// (counts as they stand: a poll's results are public outside, as on Mastodon).
pub fn as_question(bridge: &Bridge, post: &Post, note: &mut Value) -> crate::Result<()> {
    let store = bridge.camp().store();
    let Some(poll) = store.poll(post.id)? else {
        return Ok(());
    };
    let (counts, voters) = store.poll_tally(post.id, poll.options.len())?;
    let choices: Vec<Value> = poll
        .options
        .iter()
        .zip(counts)
        .map(|(title, n)| {
            json!({
                "type": "Note",
                "name": title,
                "replies": {"type": "Collection", "totalItems": n},
            })
        })
        .collect();
    note["type"] = json!("Question");
    note[if poll.multiple { "anyOf" } else { "oneOf" }] = Value::Array(choices);
    note["endTime"] = json!(wire::iso8601(poll.expires_ms));
    note["votersCount"] = json!(voters);
    if crate::clock::now_ms() >= poll.expires_ms {
        note["closed"] = json!(wire::iso8601(poll.expires_ms));
    }
    Ok(())
}

/// Queues one `Create(Note)` answer per choice of `by`'s vote in the remote poll of
/// `post`, to the poll's author only.
pub fn send_vote(
    bridge: &Bridge,
    by: &Account,
    post: &Post,
    choices: &[u8],
) -> crate::Result<usize> {
    let store = bridge.camp().store();
    let (Some((url, author)), Some(poll)) = (
        delivery::remote_target(bridge, by, post)?,
        store.poll(post.id)?,
    ) else {
        return Ok(0);
    };
    let me = bridge.urls().actor(&by.username);
    let mut sent = 0;
    for &c in choices {
        let Some(title) = poll.options.get(usize::from(c)) else {
            continue;
        };
        // One id per (camper, poll, choice): a retry names the same answer.
        let id = format!("{me}#votes/{}/{c}", post.id);
        let note = json!({
            "id": id,
            "type": "Note",
            "name": title,
            "attributedTo": me,
            "inReplyTo": url,
            "to": [author.id],
        });
        let mut activity = wire::activity(&format!("{id}/activity"), "Create", &me, note);
        activity["to"] = json!([author.id]);
        bridge.enqueue_to(
            by.id,
            std::slice::from_ref(&author.id),
            &author.inbox,
            &activity,
        )?;
        sent += 1;
    }
    Ok(sent)
}

/// The poll of an inbound object, if it is a `Question` with choices.
pub fn incoming(v: &Value) -> Option<IncomingPoll> {
    if wire::type_of(v) != Some("Question") {
        return None;
    }
    let (list, multiple) = match (v.get("oneOf"), v.get("anyOf")) {
        (Some(Value::Array(a)), _) => (a, false),
        (_, Some(Value::Array(a))) => (a, true),
        _ => return None,
    };
    let options: Vec<(String, u64)> = list
        .iter()
        .filter_map(|o| {
            let name = wire::short_text(o.get("name"), crate::camp::polls::MAX_OPTION_CHARS)?;
            let n = o
                .get("replies")
                .and_then(|r| r.get("totalItems"))
                .and_then(Value::as_u64)
                .unwrap_or(0)
                // Sums and percentages of hostile counts must not overflow.
                .min(MAX_WIRE_COUNT);
            Some((name, n))
        })
        .take(MAX_WIRE_OPTIONS)
        .collect();
    if options.is_empty() {
        return None;
    }
    let closed_at = v.get("closed").and_then(Value::as_str).and_then(parse_time);
    let closed = closed_at.is_some() || v.get("closed").and_then(Value::as_bool) == Some(true);
    Some(IncomingPoll {
        options,
        multiple,
        expires_ms: v
            .get("endTime")
            .and_then(Value::as_str)
            .and_then(parse_time)
            .or(closed_at),
        closed,
        voters: v.get("votersCount").and_then(Value::as_u64),
    })
}

/// An ISO 8601 UTC time (`2026-11-30T16:45:00Z`, fractions and a `+00:00` offset
/// allowed; other offsets applied) in milliseconds, or None.
pub fn parse_time(s: &str) -> Option<Millis> {
    let s = s.trim();
    if s.len() < 19 || !s.is_ascii() {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if &s[4..5] != "-" || &s[7..8] != "-" || &s[13..14] != ":" || &s[16..17] != ":" {
        return None;
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        rest = &frac[digits..];
    }
    let offset_secs = match rest {
        "Z" | "" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) => {
            let oh: i64 = o[1..3].parse().ok()?;
            let om: i64 = o[4..6].parse().ok()?;
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_secs;
    u64::try_from(secs).ok()?.checked_mul(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_poll_of_ours_sends_its_final_counts_and_a_camp_only_one_nothing() {
        use crate::camp::PostDraft;
        use crate::camp::polls::PollDraft;
        use crate::federation::delivery::fan_out_tests::{ana_followed_by_alice, federating_camp};
        use crate::model::Visibility;
        use crate::store::outbox::Intent;
        let camp = federating_camp();
        let ana = ana_followed_by_alice(&camp);
        let mut ids = Vec::new();
        for to in [Visibility::Public, Visibility::Camp] {
            let draft = PostDraft {
                text: "tea or coffee".into(),
                visibility: Some(to),
                ..Default::default()
            };
            let poll = PollDraft::parse("tea,coffee", "1d", false).unwrap();
            ids.push(camp.create_poll_post(ana, draft, &poll).unwrap().post.id);
        }
        let updates = |camp: &crate::Camp| -> Vec<crate::model::Id> {
            camp.outbox_pending(100)
                .unwrap()
                .into_iter()
                .filter_map(|(_, i)| match i {
                    Intent::Update(p) => Some(p.id),
                    _ => None,
                })
                .collect()
        };
        assert!(updates(&camp).is_empty());
        camp.close_due_polls(crate::store::now_ms() + 2 * 86_400_000)
            .unwrap();
        assert_eq!(updates(&camp), vec![ids[0]], "the public poll only");
    }

    #[test]
    fn times_round_trip_and_nonsense_is_refused() {
        for ms in [0u64, 1_700_000_000_000, 1_796_000_000_000] {
            assert_eq!(parse_time(&wire::iso8601(ms)), Some(ms));
        }
        assert_eq!(
            parse_time("2026-11-30T16:45:00.123+01:00"),
            parse_time("2026-11-30T15:45:00Z")
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-30T16:45:00X",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_mastodon_question_is_read_with_its_counts_and_hostile_titles_are_cleaned() {
        let long = "x".repeat(500);
        let mut one_of: Vec<Value> = vec![
            json!({"type": "Note", "name": "yes\u{1b}[31m", "replies": {"type": "Collection", "totalItems": 3}}),
            json!({"type": "Note", "name": long, "replies": {"totalItems": "many"}}),
        ];
        for i in 0..30 {
            one_of.push(json!({"type": "Note", "name": format!("o{i}")}));
        }
        let q = json!({
            "type": "Question",
            "oneOf": one_of,
            "endTime": "2026-12-01T00:00:00Z",
            "votersCount": 3,
        });
        let p = incoming(&q).expect("a poll");
        assert!(!p.multiple && !p.closed);
        assert_eq!(p.options.len(), MAX_WIRE_OPTIONS);
        assert!(!p.options[0].0.contains('\u{1b}'), "{:?}", p.options[0]);
        assert_eq!(p.options[0].1, 3);
        assert!(p.options[1].0.chars().count() <= crate::camp::polls::MAX_OPTION_CHARS);
        assert_eq!(p.options[1].1, 0);
        assert_eq!(p.expires_ms, parse_time("2026-12-01T00:00:00Z"));
        assert_eq!(p.voters, Some(3));
        let closed =
            json!({"type": "Question", "anyOf": [{"name": "a"}], "closed": "2026-12-01T00:00:00Z"});
        let p = incoming(&closed).unwrap();
        assert!(p.multiple && p.closed);
        assert_eq!(
            incoming(&json!({"type": "Note", "oneOf": [{"name": "a"}]})),
            None
        );
    }
}
