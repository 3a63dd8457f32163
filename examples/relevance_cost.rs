//! What deciding a live post's relevance costs one session, asked of the store every
//! time ([`Camp::live_for`], as sessions did before issue 13) and from a session's
//! [`Relevance`] snapshot, in the server's own process with its own sled settings:
//!
//! ```sh
//! cargo run --release --example relevance_cost -- [--sessions 1000] [--campers 100] [--posts 20]
//! ```
//!
//! Each camper follows the poster, mutes three others, keeps two filters and an
//! exclusive list of two; `--sessions` sessions are spread over the campers. For every
//! live post, every session asks where it goes (`live_for`), and for its edit whether it
//! may see it and how its filters take it (`live_change_visible`, `refilter_change`).
//! Printed: nanoseconds per session per post for each way (for the snapshots: over the
//! whole run, and over the rounds that read nothing: not the first, not the one after a
//! write), and the snapshots' rebuilds (one mute and unmute in the middle of the run).

use std::sync::Arc;
use std::time::{Duration, Instant};

use camp::Camp;
use camp::camp::filters::{FilterAction, NewFilter};
use camp::camp::relevance::Relevance;
use camp::camp::{CampEvent, InviteOptions, KeyInfo, NewPost, PostDraft};
use camp::config::Config;
use camp::model::{Id, Visibility};

fn key(n: usize) -> KeyInfo {
    KeyInfo {
        fingerprint: format!("SHA256:relevance-{n}"),
        algorithm: "ssh-ed25519".into(),
        openssh: String::new(),
    }
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sessions = arg("--sessions", 1000);
    let campers = arg("--campers", 100).max(5);
    let posts = arg("--posts", 20).max(2);
    let data = tempfile::tempdir()?;
    let keys = tempfile::tempdir()?;
    let mut config = Config::with_dirs(data.path(), keys.path());
    config.camp.posts_per_minute = 0;
    config.camp.actions_per_minute = 0;
    let camp = Camp::open(config)?;
    let code = camp
        .admin_invite()?
        .ok_or("a new camp has an admin invite")?;
    let poster = camp.join(&key(0), &code, "poster", true)?.id;
    let invite = camp.create_invite(
        poster,
        InviteOptions {
            uses: 1000,
            ..Default::default()
        },
    )?;
    let mut ids: Vec<Id> = Vec::new();
    for n in 1..=campers {
        ids.push(camp.join(&key(n), &invite.code, &format!("c{n}"), true)?.id);
    }
    for (i, &me) in ids.iter().enumerate() {
        camp.follow(me, "poster")?;
        for m in 1..=3 {
            camp.mute(me, &format!("c{}", (i + m) % campers + 1), None)?;
        }
        for phrase in ["spoilers", "crypto"] {
            camp.add_filter(
                me,
                NewFilter {
                    phrase: phrase.into(),
                    whole_word: false,
                    contexts: vec![],
                    action: FilterAction::Warn,
                    expires_in: None,
                },
            )?;
        }
        let (a, b) = ((i + 4) % campers + 1, (i + 5) % campers + 1);
        camp.follow(me, &format!("c{a}"))?;
        camp.follow(me, &format!("c{b}"))?;
        camp.create_list(me, "close", true)?;
        camp.list_add(me, "close", &format!("c{a}"))?;
        camp.list_add(me, "close", &format!("c{b}"))?;
    }
    let mut events = camp.subscribe();
    let mut live: Vec<Arc<NewPost>> = Vec::new();
    for n in 0..posts {
        camp.create_post(
            poster,
            PostDraft {
                text: format!("news number {n} from the poster"),
                visibility: Some(Visibility::Camp),
                ..Default::default()
            },
        )?;
        while let Ok(ev) = events.try_recv() {
            if let CampEvent::Posted(p) = ev {
                live.push(p);
            }
        }
    }
    let viewer = |s: usize| ids[s % ids.len()];

    // Before: every session asks the store for every post.
    let started = Instant::now();
    let mut shown = 0usize;
    for p in &live {
        for s in 0..sessions {
            let me = viewer(s);
            shown += camp.live_for(me, p).is_some() as usize;
            shown += camp.live_change_visible(me, &p.view.post) as usize;
            shown += camp.refilter_change(me, &p.view.post).is_some() as usize;
        }
    }
    let before = per_call(started.elapsed(), live.len() * sessions);

    // After: every session keeps its snapshot; one mute halfway moves the generation.
    let mut rels: Vec<Relevance> = (0..sessions).map(|_| Relevance::new()).collect();
    let started = Instant::now();
    let mut shown_after = 0usize;
    let mut first_round = Duration::ZERO;
    let (mut steady, mut steady_rounds) = (Duration::ZERO, 0);
    for (n, p) in live.iter().enumerate() {
        if n == live.len() / 2 {
            camp.mute(ids[0], "c2", None)?;
            camp.unmute(ids[0], "c2")?;
        }
        let round = Instant::now();
        for (s, rel) in rels.iter_mut().enumerate() {
            let me = viewer(s);
            shown_after += rel.live_for(&camp, me, p).is_some() as usize;
            shown_after += rel.live_change_visible(&camp, me, &p.view.post) as usize;
            shown_after += rel.refilter_change(&camp, me, &p.view.post).is_some() as usize;
        }
        if n == 0 {
            first_round = round.elapsed();
        } else if n != live.len() / 2 {
            steady += round.elapsed();
            steady_rounds += 1;
        }
    }
    let after = per_call(started.elapsed(), live.len() * sessions);
    assert_eq!(shown, shown_after, "the same answers both ways");
    let builds: u64 = rels.iter().map(Relevance::builds).sum();
    println!(
        "relevance_cost: sessions={sessions} campers={campers} posts={} \
         store_ns_per_session_post={before:.0} snapshot_ns_per_session_post={after:.0} \
         steady_ns_per_session_post={:.0} first_round_ns_per_session={:.0} \
         rebuilds_per_session={:.2}",
        live.len(),
        per_call(steady, steady_rounds * sessions),
        per_call(first_round, sessions),
        builds as f64 / sessions as f64,
    );
    Ok(())
}

fn per_call(d: Duration, calls: usize) -> f64 {
    d.as_nanos() as f64 / calls.max(1) as f64
}
