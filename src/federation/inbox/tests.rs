//! The typed inbound layer with hostile input: parse and verify without a server.

use serde_json::{Value, json};

use super::parse::{self, Kind, ParseError, UndoneKind, Updated};
use super::verify::{self, Origin, VerifyError};

const ALICE: &str = "https://peer.test/users/alice";
const LOCAL: &str = "camp.test";

fn origin() -> Origin<'static> {
    Origin {
        signer: ALICE,
        local_host: LOCAL,
    }
}

fn activity(kind: &str, object: Value) -> Value {
    json!({"id": format!("{ALICE}#{kind}-1"), "type": kind, "actor": ALICE, "object": object})
}

fn note_json(id: &str, by: &str) -> Value {
    json!({
        "id": id, "type": "Note", "attributedTo": by, "content": "<p>hi</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    })
}

fn parse_verify(v: &Value) -> Result<verify::Verified, String> {
    let a = parse::parse(v.to_string().as_bytes()).map_err(|e| format!("parse: {e}"))?;
    verify::verify(a, origin()).map_err(|e| format!("verify: {e}"))
}

fn verify_err(v: &Value) -> VerifyError {
    let a = parse::parse(v.to_string().as_bytes()).expect("parses");
    verify::verify(a, origin()).expect_err("must be refused")
}

#[test]
fn a_well_formed_create_parses_and_verifies() {
    let v = parse_verify(&activity(
        "Create",
        note_json("https://peer.test/notes/1", ALICE),
    ))
    .unwrap();
    let Kind::Create(n) = v.kind() else {
        panic!("{v:?}")
    };
    assert_eq!(n.text, "hi");
    assert!(n.addressing.public);
    assert_eq!(v.actor().host(), "peer.test");
}

#[test]
fn the_actor_must_be_the_signer() {
    let mut a = activity("Follow", json!("https://camp.test/users/ana"));
    a["actor"] = json!("https://peer.test/users/mallory");
    a["id"] = json!("https://peer.test/users/mallory#f");
    assert!(matches!(verify_err(&a), VerifyError::NotSigner { .. }));
    // The actor as an embedded object counts by its id.
    let mut a = activity("Follow", json!("https://camp.test/users/ana"));
    a["actor"] = json!({"id": ALICE, "type": "Person"});
    assert!(parse_verify(&a).is_ok());
}

#[test]
fn ids_on_another_host_are_refused() {
    for id in [
        "https://other.test/users/alice#delete",
        "https://peer.test.evil/x",
        "https://peer.test:8443/x",
    ] {
        let mut a = activity("Delete", json!("https://peer.test/notes/1"));
        a["id"] = json!(id);
        assert_eq!(verify_err(&a), VerifyError::ForeignId(id.into()), "{id}");
    }
    // An actor claiming to be one of ours is refused even when "signed".
    let local = "https://camp.test/users/ana";
    let a = json!({"id": format!("{local}#x"), "type": "Follow", "actor": local, "object": ALICE});
    let parsed = parse::parse(a.to_string().as_bytes()).unwrap();
    let err = verify::verify(
        parsed,
        Origin {
            signer: local,
            local_host: LOCAL,
        },
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::LocalActor(_)), "{err}");
}

#[test]
fn posts_must_be_the_actors_own_and_on_its_host() {
    for kind in ["Create", "Update"] {
        let foreign = activity(kind, note_json("https://other.test/notes/1", ALICE));
        assert!(matches!(
            verify_err(&foreign),
            VerifyError::ForeignObject(_)
        ));
        let spoofed = activity(
            kind,
            note_json("https://peer.test/notes/1", "https://peer.test/users/bob"),
        );
        assert!(matches!(verify_err(&spoofed), VerifyError::NotAuthor(_)));
        // attributedTo as a list: the first entry is the author.
        let mut listed = note_json("https://peer.test/notes/1", ALICE);
        listed["attributedTo"] = json!(["https://peer.test/users/bob", ALICE]);
        assert!(matches!(
            verify_err(&activity(kind, listed)),
            VerifyError::NotAuthor(_)
        ));
    }
    // Only objects on the actor's host can be deleted or updated by it.
    let del = activity(
        "Delete",
        json!({"id": "https://other.test/notes/1", "type": "Tombstone"}),
    );
    assert!(matches!(verify_err(&del), VerifyError::ForeignObject(_)));
    let profile = activity(
        "Update",
        json!({"id": "https://other.test/users/x", "type": "Person"}),
    );
    assert!(matches!(
        verify_err(&profile),
        VerifyError::ForeignObject(_)
    ));
    let own = parse_verify(&activity("Update", json!({"id": ALICE, "type": "Person"}))).unwrap();
    assert!(matches!(own.kind(), Kind::Update(Updated::Other(_))));
}

#[test]
fn undo_takes_back_only_the_actors_own_activity() {
    let inner = json!({"id": format!("{ALICE}#follow-1"), "type": "Follow", "actor": ALICE,
                       "object": "https://camp.test/users/ana"});
    let v = parse_verify(&activity("Undo", inner.clone())).unwrap();
    let Kind::Undo(u) = v.kind() else { panic!() };
    assert!(matches!(u.kind, UndoneKind::Follow(Some(_))));
    // Someone else's Follow, embedded.
    let mut other = inner.clone();
    other["actor"] = json!("https://peer.test/users/bob");
    assert!(matches!(
        verify_err(&activity("Undo", other)),
        VerifyError::NotOwnActivity(_)
    ));
    // Embedded without an actor.
    let mut anonymous = inner.clone();
    anonymous.as_object_mut().unwrap().remove("actor");
    assert!(matches!(
        verify_err(&activity("Undo", anonymous)),
        VerifyError::NotOwnActivity(_)
    ));
    // An id on another host, bare or embedded.
    assert!(matches!(
        verify_err(&activity("Undo", json!("https://other.test/a/1"))),
        VerifyError::NotOwnActivity(_)
    ));
    // A bare id on the actor's host is fine (its effects are scoped to the actor).
    let bare = parse_verify(&activity("Undo", json!(format!("{ALICE}#announce-1")))).unwrap();
    let Kind::Undo(u) = bare.kind() else { panic!() };
    assert_eq!(u.kind, UndoneKind::Unknown);
    // Nested Undo is refused at parse time.
    let nested = activity("Undo", activity("Undo", inner));
    assert_eq!(
        parse::parse(nested.to_string().as_bytes()).unwrap_err(),
        ParseError::NestedUndo
    );
}

#[test]
fn answers_come_from_the_account_followed_and_moves_move_the_actor() {
    let follow = json!({"id": "https://camp.test/users/ana/follows/1", "type": "Follow",
                        "actor": "https://camp.test/users/ana", "object": ALICE});
    for kind in ["Accept", "Reject"] {
        assert!(parse_verify(&activity(kind, follow.clone())).is_ok());
        let mut other = follow.clone();
        other["object"] = json!("https://peer.test/users/bob");
        assert!(matches!(
            verify_err(&activity(kind, other)),
            VerifyError::NotFollowee(_)
        ));
        // Only the follow's id: fine (the handler matches it against our follows).
        assert!(
            parse_verify(&activity(
                kind,
                json!("https://camp.test/users/ana/follows/1")
            ))
            .is_ok()
        );
    }
    let mut mv = activity("Move", json!(ALICE));
    mv["target"] = json!("https://new.test/users/alice");
    assert!(parse_verify(&mv).is_ok());
    mv["object"] = json!("https://peer.test/users/bob");
    assert!(matches!(verify_err(&mv), VerifyError::NotMover(_)));
}

#[test]
fn missing_and_malformed_fields_are_parse_errors() {
    let cases: Vec<(Value, ParseError)> = vec![
        (json!([1, 2]), ParseError::NotObject),
        (
            json!({"type": "Follow", "actor": ALICE, "object": ALICE}),
            ParseError::Field("id"),
        ),
        (
            json!({"id": "https://peer.test/1", "type": "Follow", "object": ALICE}),
            ParseError::Field("actor"),
        ),
        (
            json!({"id": "https://peer.test/1", "actor": ALICE}),
            ParseError::Field("type"),
        ),
        (
            json!({"id": "https://peer.test/1", "type": "Follow", "actor": ALICE}),
            ParseError::Field("object"),
        ),
        (
            json!({"id": "ftp://peer.test/1", "type": "Follow", "actor": ALICE, "object": ALICE}),
            ParseError::Field("id"),
        ),
        (
            json!({"id": "https://peer.test/\u{1b}[2J", "type": "Follow", "actor": ALICE, "object": ALICE}),
            ParseError::Field("id"),
        ),
        (
            json!({"id": "https://peer.test/a b", "type": "Follow", "actor": ALICE, "object": ALICE}),
            ParseError::Field("id"),
        ),
        (
            json!({"id": format!("https://peer.test/{}", "a".repeat(3000)), "type": "Follow", "actor": ALICE, "object": ALICE}),
            ParseError::Field("id"),
        ),
        (
            json!({"id": 7, "type": "Follow", "actor": ALICE, "object": ALICE}),
            ParseError::Field("id"),
        ),
        (
            activity(
                "Create",
                json!({"id": "https://peer.test/notes/1", "type": "Note"}),
            ),
            ParseError::Field("attributedTo"),
        ),
        (
            activity("Create", json!({"type": "Note", "attributedTo": ALICE})),
            ParseError::Field("id"),
        ),
        (activity("Follow", json!(42)), ParseError::Field("object")),
        (
            activity("Announce", json!({"type": "Note"})),
            ParseError::Field("object"),
        ),
    ];
    for (v, want) in cases {
        assert_eq!(parse::parse(v.to_string().as_bytes()), Err(want), "{v}");
    }
    assert_eq!(parse::parse(b"not json"), Err(ParseError::Json));
    assert_eq!(parse::parse(b""), Err(ParseError::Json));
    // A Create of something else than an embedded post is dropped like an unknown
    // type (answered 202), not refused.
    for object in [
        json!("https://peer.test/notes/1"),
        json!({"id": "https://peer.test/v", "type": "Video", "attributedTo": ALICE}),
    ] {
        let a = parse::parse(activity("Create", object).to_string().as_bytes()).unwrap();
        assert!(matches!(a.kind, Kind::Unknown(_)), "{a:?}");
    }
    // A fetched post must be a post.
    assert_eq!(
        parse::note(&json!({"id": "https://peer.test/v", "type": "Video", "attributedTo": ALICE})),
        Err(ParseError::Field("object type"))
    );
    // Unknown types parse (and are dropped by the inbox).
    let mut odd = activity("Wiggle", json!(ALICE));
    odd["type"] = json!("Wiggle\u{1b}[31m");
    let odd = parse::parse(odd.to_string().as_bytes()).unwrap();
    assert_eq!(odd.kind, Kind::Unknown("Wiggle".into()));
}

#[test]
fn objects_may_be_strings_or_embedded() {
    for object in [
        json!("https://peer.test/notes/9"),
        json!({"id": "https://peer.test/notes/9", "type": "Note"}),
    ] {
        for kind in ["Announce", "Like", "Delete"] {
            let v = parse_verify(&activity(kind, object.clone())).unwrap();
            let id = match v.kind() {
                Kind::Announce(o) | Kind::Like(o) | Kind::Delete(o) => o.as_str().to_string(),
                other => panic!("{other:?}"),
            };
            assert_eq!(id, "https://peer.test/notes/9");
        }
    }
    // type as a list: the first entry counts.
    let mut a = activity("Follow", json!("https://camp.test/users/ana"));
    a["type"] = json!(["Follow", "Other"]);
    assert!(matches!(parse_verify(&a).unwrap().kind(), Kind::Follow(_)));
}

#[test]
fn huge_lists_are_refused_or_cut() {
    let many: Vec<String> = (0..parse::MAX_ADDRESSEES + 1)
        .map(|i| format!("https://peer.test/users/u{i}"))
        .collect();
    let mut n = note_json("https://peer.test/notes/1", ALICE);
    n["cc"] = json!(many);
    assert_eq!(
        parse::parse(activity("Create", n).to_string().as_bytes()),
        Err(ParseError::TooMany("addressees"))
    );
    // Spread over to and cc, still counted together.
    let half: Vec<&String> = many.iter().take(parse::MAX_ADDRESSEES / 2 + 1).collect();
    let mut n = note_json("https://peer.test/notes/1", ALICE);
    n["to"] = json!(half);
    n["cc"] = json!(half);
    assert!(parse::parse(activity("Create", n).to_string().as_bytes()).is_err());
    // Attachments beyond the cap are ignored.
    let mut n = note_json("https://peer.test/notes/1", ALICE);
    n["attachment"] = json!(
        (0..1000)
            .map(|i| json!({"type": "Document", "url": format!("https://peer.test/f/{i}.png")}))
            .collect::<Vec<_>>()
    );
    let v = parse_verify(&activity("Create", n)).unwrap();
    let Kind::Create(note) = v.kind() else {
        panic!()
    };
    assert_eq!(note.attachments.len(), parse::MAX_ATTACHMENTS);
    // Flag objects are capped.
    let flag = activity("Flag", json!(many));
    assert_eq!(
        parse::parse(flag.to_string().as_bytes()),
        Err(ParseError::TooMany("object"))
    );
    // Long content is cut.
    let mut n = note_json("https://peer.test/notes/1", ALICE);
    n["content"] = json!("x".repeat(200_000));
    let v = parse_verify(&activity("Create", n)).unwrap();
    let Kind::Create(note) = v.kind() else {
        panic!()
    };
    assert_eq!(
        note.text.chars().count(),
        crate::federation::wire::MAX_REMOTE_TEXT
    );
}

#[test]
fn every_outside_field_is_sanitized_where_it_enters() {
    let evil = "a\u{1b}]0;pwned\u{7}b\u{202e}c\u{9b}31m";
    let n = json!({
        "id": "https://peer.test/notes/1", "type": "Note", "attributedTo": ALICE,
        "content": format!("<p>{evil}</p>"),
        "summary": format!("cw {evil}\nsecond line"),
        "to": "as:Public",
        "attachment": [
            {"type": "Document", "name": evil, "url": "https://peer.test/cat.jpg"},
            {"type": "Document", "name": "raw", "url": "https://peer.test/\u{1b}]52;c;Zm9v\u{7}.jpg"},
            {"type": "Document", "name": "link", "url": {"type": "Link", "href": "https://peer.test/l.png"}},
        ],
    });
    let v = parse_verify(&activity("Create", n)).unwrap();
    let Kind::Create(note) = v.kind() else {
        panic!()
    };
    let clean = |s: &str| {
        !s.chars().any(|c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
    };
    assert!(clean(&note.text), "{:?}", note.text);
    assert!(!note.text.contains("pwned"));
    let cw = note.summary.as_deref().unwrap();
    assert!(clean(cw) && !cw.contains('\n'), "{cw:?}");
    assert_eq!(
        note.attachments.len(),
        2,
        "the one with an escape in its URL is dropped"
    );
    assert!(
        note.attachments
            .iter()
            .all(|a| clean(&a.name) && clean(a.url.as_str()))
    );
    assert_eq!(note.attachments[1].url.as_str(), "https://peer.test/l.png");
    // A boosted author's label is printable ASCII too.
    let author = parse::ObjectId::parse("https://peer.test/users/al%1B%5B2Jice").unwrap();
    assert_eq!(author.label(), "al%1B%5B2Jice@peer.test");
    assert!(parse::ObjectId::parse("https://peer.test/users/al\u{1b}[2Jice").is_none());
    assert!(parse::ObjectId::parse("https://peer.test/users/\u{202e}ecila").is_none());
}

#[test]
fn addressing_reads_public_followers_and_named_actors() {
    let mut n = note_json("https://peer.test/notes/1", ALICE);
    n["to"] = json!("https://camp.test/users/bo");
    n["cc"] =
        json!([format!("{ALICE}/followers"), {"id": "https://camp.test/users/cy"}, 7, "junk"]);
    let v = parse_verify(&activity("Create", n)).unwrap();
    let Kind::Create(note) = v.kind() else {
        panic!()
    };
    assert!(!note.addressing.public);
    let targets: Vec<&str> = note.addressing.targets.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        targets,
        [
            "https://camp.test/users/bo",
            "https://peer.test/users/alice/followers",
            "https://camp.test/users/cy"
        ]
    );
    for public in [
        "as:Public",
        "Public",
        "https://www.w3.org/ns/activitystreams#Public",
    ] {
        let mut n = note_json("https://peer.test/notes/1", ALICE);
        n["to"] = json!([]);
        n["cc"] = json!(public);
        let a = parse::parse(activity("Create", n).to_string().as_bytes()).unwrap();
        let Kind::Create(note) = a.kind else { panic!() };
        assert!(note.addressing.public, "{public}");
    }
    // An object without addressing takes the activity's.
    let mut n = note_json("https://peer.test/notes/1", ALICE);
    n.as_object_mut().unwrap().remove("to");
    let mut a = activity("Create", n);
    a["to"] = json!(["https://camp.test/users/bo"]);
    let v = parse_verify(&a).unwrap();
    let Kind::Create(note) = v.kind() else {
        panic!()
    };
    assert!(!note.addressing.public);
    assert_eq!(note.addressing.targets.len(), 1);
}

#[test]
fn boosted_posts_must_be_public_and_served_by_their_origin() {
    let url = "https://peer.test/notes/1";
    let public = parse::note(&note_json(url, ALICE)).unwrap();
    verify::boosted_note(&public, url).unwrap();
    let mut private = note_json(url, ALICE);
    private["to"] = json!([format!("{ALICE}/followers")]);
    let private = parse::note(&private).unwrap();
    assert!(matches!(
        verify::boosted_note(&private, url),
        Err(VerifyError::NotPublic(_))
    ));
    assert!(matches!(
        verify::boosted_note(&public, "https://peer.test/notes/2"),
        Err(VerifyError::ForeignObject(_))
    ));
    let elsewhere = parse::note(&note_json(url, "https://other.test/users/x")).unwrap();
    assert!(matches!(
        verify::boosted_note(&elsewhere, url),
        Err(VerifyError::NotAuthor(_))
    ));
}

#[test]
fn attachments_keep_their_media_type_and_the_posts_sensitive_flag() {
    let n = json!({
        "id": "https://peer.test/notes/2", "type": "Note", "attributedTo": ALICE,
        "content": "<p>flags</p>", "to": "as:Public", "sensitive": true,
        "attachment": [
            {"type": "Document", "mediaType": "image/png", "name": "a flag",
             "url": "https://peer.test/f.png"},
            {"type": "Document", "mediaType": "x".repeat(500), "name": "odd",
             "url": "https://peer.test/o"},
        ],
    });
    let v = parse_verify(&activity("Create", n)).unwrap();
    let Kind::Create(note) = v.kind() else {
        panic!()
    };
    assert_eq!(note.attachments[0].media_type, "image/png");
    assert_eq!(
        note.attachments[1].media_type, "",
        "an overlong type is not kept"
    );
    assert!(note.attachments.iter().all(|a| a.sensitive));
}
