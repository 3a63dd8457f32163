//! Fuzzes the typed inbound layer: arbitrary bytes as an inbox body go through
//! `parse` and then `verify` (a pure function of the activity, the verified signer
//! and this camp's host), twice: once signed by the claimed actor, once by a fixed
//! stranger. Whatever passes must hold every origin rule, and every string that
//! came from outside must be free of terminal controls.
//!
//! Run with `cargo +nightly fuzz run inbound_activity`. Seed it with real
//! activities (e.g. the JSON in `src/federation/inbox/tests.rs`).
#![no_main]

use camp::federation::inbox::parse::{self, Kind, Note, Updated};
use camp::federation::inbox::verify::{self, Origin, VerifyError};
use libfuzzer_sys::fuzz_target;

const STRANGER: &str = "https://stranger.test/users/x";
const LOCAL: &str = "camp.test";

fn clean(s: &str) {
    for c in s.chars() {
        assert!(
            c == '\n' || c == '\t' || !c.is_control(),
            "control {c:?} in {s:?}"
        );
        assert!(
            !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'),
            "bidi {c:?} in {s:?}"
        );
    }
}

fn clean_id(id: &parse::ObjectId) {
    assert!(id.as_str().bytes().all(|b| b.is_ascii_graphic()), "{id}");
    assert!(id.as_str().len() <= camp::federation::wire::MAX_URL);
    clean(&id.label());
}

fn clean_note(n: &Note) {
    clean(&n.text);
    assert!(n.text.chars().count() <= camp::federation::wire::MAX_REMOTE_TEXT);
    if let Some(s) = &n.summary {
        clean(s);
        assert!(!s.contains('\n'));
    }
    assert!(n.attachments.len() <= parse::MAX_ATTACHMENTS);
    for a in &n.attachments {
        clean(&a.name);
        clean_id(&a.url);
    }
    assert!(n.addressing.targets.len() <= parse::MAX_ADDRESSEES);
}

fn check_verified(v: &verify::Verified, signer: &str) {
    let actor = v.actor();
    assert_eq!(actor.as_str(), signer);
    assert_eq!(v.id().host(), actor.host());
    assert_ne!(actor.host(), LOCAL);
    match v.kind() {
        Kind::Create(n) | Kind::Update(Updated::Note(n)) => {
            assert_eq!(&n.attributed_to, actor);
            assert_eq!(n.id.host(), actor.host());
        }
        Kind::Delete(o) | Kind::Update(Updated::Other(o)) => assert_eq!(o.host(), actor.host()),
        Kind::Undo(u) => {
            assert_eq!(u.id.host(), actor.host());
            if u.embedded {
                assert_eq!(u.actor.as_ref(), Some(actor));
            }
        }
        Kind::Move { object, .. } => assert_eq!(object, actor),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = parse::claimed_actor(data);
    let Ok(activity) = parse::parse(data) else {
        return;
    };
    clean_id(&activity.id);
    clean_id(&activity.actor);
    match &activity.kind {
        Kind::Create(n) | Kind::Update(Updated::Note(n)) => clean_note(n),
        Kind::Flag { content, .. } => clean(content),
        Kind::Unknown(t) => clean(t),
        _ => {}
    }
    if let Kind::Create(n) = &activity.kind {
        let _ = verify::boosted_note(n, n.id.as_str());
    }
    let signer = activity.actor.as_str().to_string();
    for who in [signer.as_str(), STRANGER] {
        let origin = Origin {
            signer: who,
            local_host: LOCAL,
        };
        match verify::verify(activity.clone(), origin) {
            Ok(v) => check_verified(&v, who),
            Err(VerifyError::NotSigner { .. }) => assert_ne!(who, activity.actor.as_str()),
            Err(_) => {}
        }
    }
});
