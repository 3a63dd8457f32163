use super::*;
use crate::camp::testing::camp_with;
use crate::camp::{PostDraft, TimelineKind};
use std::time::Duration;

fn post(camp: &Camp, by: Id, text: &str, cw: Option<&str>) -> Id {
    camp.create_post(
        by,
        PostDraft {
            text: text.into(),
            cw: cw.map(str::to_string),
            ..Default::default()
        },
    )
    .unwrap()
    .post
    .id
}

fn filter(phrase: &str) -> NewFilter {
    NewFilter {
        phrase: phrase.into(),
        whole_word: false,
        contexts: vec![],
        action: FilterAction::Warn,
        expires_in: None,
    }
}

/// (text, filtered phrase) of each post on `who`'s timeline, newest first.
fn seen(camp: &Camp, who: Id, kind: TimelineKind) -> Vec<(String, Option<String>)> {
    camp.timeline(who, kind, None, 50)
        .unwrap()
        .into_iter()
        .map(|v| (v.post.text, v.filtered))
        .collect()
}

fn matches(f: &Filter, text: &str) -> bool {
    f.matches_lower(&text.to_lowercase())
}

#[test]
fn matching_is_case_insensitive_unicode_aware_and_whole_word_at_boundaries() {
    let mut f = Filter {
        id: 1,
        phrase: "Straße".into(),
        whole_word: false,
        contexts: FilterContext::ALL.to_vec(),
        action: FilterAction::Warn,
        expires_ms: None,
    };
    assert!(matches(&f, "Die STRASSE? no: die straße ist lang"));
    assert!(matches(&f, "HAUPTSTRAẞE"), "upper-case ẞ lower-cases to ß");
    assert!(!matches(&f, "strasse"));
    f.phrase = "cat".into();
    assert!(matches(&f, "concatenate"));
    f.whole_word = true;
    assert!(!matches(&f, "concatenate"));
    assert!(!matches(&f, "cats and dogs"));
    assert!(!matches(&f, "snake_cat"), "underscore is a word character");
    assert!(matches(&f, "a CAT."));
    assert!(matches(&f, "cat"));
    assert!(matches(&f, "(cat)"));
    assert!(!matches(&f, "écat"), "é is a letter: no boundary");
    f.phrase = "#tag".into();
    assert!(matches(&f, "see #tag"), "no boundary needed before a #");
    assert!(!matches(&f, "see #tags"));
    f.phrase = "new york".into();
    assert!(matches(&f, "I love New  York? no; I love new york!"));
}

#[test]
fn warn_folds_hide_drops_per_context_never_your_own_and_the_cw_counts() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    camp.follow(ana, "bo").unwrap();
    post(&camp, bo, "plain morning", None);
    post(&camp, bo, "Spoilers for the finale", None);
    post(&camp, bo, "harmless text", Some("SPOILER inside"));
    post(&camp, bo, "ugh politics again", None);
    post(&camp, ana, "my own spoilers", None);
    camp.add_filter(ana, filter("spoiler")).unwrap();
    camp.add_filter(
        ana,
        NewFilter {
            action: FilterAction::Hide,
            contexts: vec![FilterContext::Home],
            ..filter("politics")
        },
    )
    .unwrap();
    let home = seen(&camp, ana, TimelineKind::Home);
    assert_eq!(
        home,
        [
            ("my own spoilers".to_string(), None),
            ("harmless text".into(), Some("spoiler".into())),
            ("Spoilers for the finale".into(), Some("spoiler".into())),
            ("plain morning".into(), None),
        ],
        "hidden on Home, folded by its text or its CW, own posts untouched"
    );
    let camp_tl = seen(&camp, ana, TimelineKind::Camp);
    assert!(
        camp_tl.contains(&("ugh politics again".into(), None)),
        "the hide filter is for Home only: {camp_tl:?}"
    );
    // Only ana's: bo sees everything as written.
    assert!(
        seen(&camp, bo, TimelineKind::Camp)
            .iter()
            .all(|(_, f)| f.is_none())
    );
}

#[test]
fn threads_and_notifications_apply_their_context() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    let root = post(&camp, ana, "what do you think?", None);
    let reply = |text: &str| {
        camp.create_post(
            bo,
            PostDraft {
                text: text.into(),
                reply_to: Some(root),
                ..Default::default()
            },
        )
        .unwrap()
        .post
        .id
    };
    let rude = reply("@ana that is rubbish");
    reply("@ana lovely idea");
    camp.add_filter(
        ana,
        NewFilter {
            action: FilterAction::Hide,
            contexts: vec![FilterContext::Threads, FilterContext::Notifications],
            ..filter("rubbish")
        },
    )
    .unwrap();
    let t = camp.thread(ana, root).unwrap();
    let texts: Vec<_> = t.replies.iter().map(|(_, v)| v.post.text.clone()).collect();
    assert_eq!(texts, ["@ana lovely idea"]);
    // Opened by its id, the hidden reply still answers, folded under the word.
    let opened = camp.thread(ana, rude).unwrap();
    assert_eq!(opened.post.filtered.as_deref(), Some("rubbish"));
    let notes = camp.notification_views(ana, None, 20).unwrap();
    assert!(
        notes.iter().all(|n| n.notification.post != Some(rude)),
        "hidden in notifications: {notes:?}"
    );
    assert!(notes.iter().any(|n| n.post.is_some()));
    assert_eq!(
        camp.unread_notifications(ana).unwrap(),
        notes.len(),
        "the unread count leaves out what is hidden"
    );
    // Removed by phrase, it stops at once.
    camp.remove_filter(ana, "RUBBISH").unwrap();
    assert_eq!(camp.thread(ana, root).unwrap().replies.len(), 2);
    assert!(
        camp.notification_views(ana, None, 20)
            .unwrap()
            .iter()
            .any(|n| n.notification.post == Some(rude))
    );
}

#[test]
fn posts_from_elsewhere_are_filtered_the_same_way() {
    use crate::camp::{IncomingNote, RemoteAudience};
    let (camp, ids) = camp_with(&["ana"]);
    let ana = ids[0];
    let carol = camp
        .store()
        .upsert_remote_actor(crate::camp::testing::remote_actor(
            "carol",
            "peer.example",
            "Carol",
        ))
        .unwrap();
    camp.store().follow(ana, carol.shadow).unwrap();
    camp.add_filter(ana, filter("crypto")).unwrap();
    let note = |n: u32, text: &str| IncomingNote {
        key: format!("https://peer.example/notes/{n}"),
        author: carol.shadow,
        object_host: "peer.example".into(),
        text: text.into(),
        cw: None,
        reply_to: None,
        audience: RemoteAudience {
            public: true,
            followers: true,
            named: vec![],
        },
        boostable: true,
        original_author: None,
    };
    camp.receive_remote_note(note(1, "Buy CRYPTO now"))
        .unwrap()
        .unwrap();
    camp.receive_remote_note(note(2, "hello from afar"))
        .unwrap()
        .unwrap();
    assert_eq!(
        seen(&camp, ana, TimelineKind::Home),
        [
            ("hello from afar".to_string(), None),
            ("Buy CRYPTO now".into(), Some("crypto".into())),
        ]
    );
}

#[test]
fn live_posts_get_the_same_verdict_as_a_reload() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana, bo) = (ids[0], ids[1]);
    camp.follow(ana, "bo").unwrap();
    camp.add_filter(
        ana,
        NewFilter {
            action: FilterAction::Hide,
            contexts: vec![FilterContext::Home],
            ..filter("secret")
        },
    )
    .unwrap();
    camp.add_filter(ana, filter("boring")).unwrap();
    let mut events = camp.subscribe();
    post(&camp, bo, "a secret plan", None);
    post(&camp, bo, "boring news", None);
    let mut got = Vec::new();
    while let Ok(ev) = events.try_recv() {
        if let crate::camp::CampEvent::Posted(p) = ev {
            got.push(camp.live_for(ana, &p).unwrap());
        }
    }
    let [secret, boring] = got.as_slice() else {
        panic!("two posts: {got:?}")
    };
    assert!(!secret.in_home_of(ana), "hidden from Home");
    assert!(secret.on_camp, "but still on the camp timeline");
    assert!(secret.view.filtered.is_none());
    assert!(boring.in_home_of(ana) && boring.on_camp);
    assert_eq!(boring.view.filtered.as_deref(), Some("boring"));
}

#[test]
fn caps_duplicates_and_expiry() {
    let (camp, ids) = camp_with(&["ana"]);
    let ana = ids[0];
    let err = |r: Result<Filter>| r.unwrap_err().to_string();
    assert!(err(camp.add_filter(ana, filter("  \u{1b}[31m "))).contains("needs a word"));
    let long = "x".repeat(MAX_PHRASE_CHARS + 1);
    assert!(err(camp.add_filter(ana, filter(&long))).contains("limited to 100"));
    camp.add_filter(ana, filter("word")).unwrap();
    assert!(err(camp.add_filter(ana, filter("WORD"))).contains("already filter"));
    for i in 1..MAX_FILTERS {
        camp.add_filter(ana, filter(&format!("w{i}"))).unwrap();
    }
    assert!(err(camp.add_filter(ana, filter("one more"))).contains("the most allowed"));
    assert!(camp.remove_filter(ana, "nope").is_err());
    let id = camp.filters(ana).unwrap()[0].id;
    assert_eq!(
        camp.remove_filter(ana, &id.to_string()).unwrap().phrase,
        "word"
    );
    // An expired filter stops applying at once, leaves the list, and is pruned.
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let (ana2, bo2) = (ids[0], ids[1]);
    post(&camp, bo2, "the weather today", None);
    let mut stored = vec![Filter {
        id: 9,
        phrase: "weather".into(),
        whole_word: false,
        contexts: FilterContext::ALL.to_vec(),
        action: FilterAction::Hide,
        expires_ms: Some(now_ms() - 1),
    }];
    camp.store().put_setting(&key(ana2), &stored).unwrap();
    assert_eq!(seen(&camp, ana2, TimelineKind::Camp).len(), 1);
    assert!(camp.filters(ana2).unwrap().is_empty());
    stored[0].expires_ms = Some(now_ms() + 60_000);
    camp.store().put_setting(&key(ana2), &stored).unwrap();
    assert!(seen(&camp, ana2, TimelineKind::Camp).is_empty());
    stored[0].expires_ms = Some(1);
    camp.store().put_setting(&key(ana2), &stored).unwrap();
    let f = camp
        .add_filter(
            ana2,
            NewFilter {
                expires_in: Some(Duration::from_secs(86_400)),
                ..filter("other")
            },
        )
        .unwrap();
    assert!(f.expires_ms.unwrap() > now_ms() + 86_000_000);
    let kept: Vec<Filter> = camp.store().setting(&key(ana2)).unwrap().unwrap();
    assert_eq!(kept, [f], "the expired one was pruned on write");
}

#[test]
fn filters_leave_with_the_account() {
    let (camp, ids) = camp_with(&["ana", "bo"]);
    let bo = ids[1];
    camp.add_filter(bo, filter("x")).unwrap();
    camp.store().purge_account(bo).unwrap();
    assert!(
        camp.store()
            .setting::<Vec<Filter>>(&key(bo))
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_filter_typed_on_one_line_reads_its_options() {
    let f =
        NewFilter::parse_line("new  york --whole-word --hide --context=home,threads --expires 1d")
            .unwrap();
    assert_eq!(f.phrase, "new york");
    assert!(f.whole_word);
    assert_eq!(f.action, FilterAction::Hide);
    assert_eq!(f.contexts, [FilterContext::Home, FilterContext::Threads]);
    assert_eq!(f.expires_in, Some(Duration::from_secs(86_400)));
    let plain = NewFilter::parse_line("spoiler").unwrap();
    assert_eq!(
        (plain.action, plain.contexts.len()),
        (FilterAction::Warn, 0)
    );
    for bad in [
        "x --loud",
        "x --context=everywhere",
        "x --expires",
        "x --expires soon",
    ] {
        assert!(NewFilter::parse_line(bad).is_err(), "{bad}");
    }
}
