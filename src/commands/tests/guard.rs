//! The last output guard (issue 10, item 4): whatever the store holds, no verb prints a
//! terminal control, in text or in `--json` string values.

use super::*;
use crate::model::{Id, Post, Visibility};

/// Everything a terminal could act on, sanitizing at entry bypassed.
const HOSTILE: &str =
    "ok\x1b]0;pwned\x07 \x1b[2J\u{9b}31m red \u{202e}evil\u{2066} \u{85}end\x00\x7f\r\x08";

fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[track_caller]
fn assert_clean(what: &str, s: &str) {
    assert!(!s.chars().any(forbidden), "{what} printed a control: {s:?}");
}

/// Every string in a JSON document, decoded.
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// `ana`'s display name and a post of hers hold raw controls, written straight into the
/// store as an old record or a forgotten path could have left them.
fn planted() -> (Camp, Id) {
    let camp = camp_with_admin();
    let mut ana = camp.account_for_key("SHA256:cmd1").unwrap().unwrap();
    ana.display_name = HOSTILE.into();
    ana.bio = HOSTILE.into();
    camp.store().put_account(&ana).unwrap();
    let post = Post {
        id: camp.store().next_id(),
        author: ana.id,
        text: HOSTILE.into(),
        cw: Some(HOSTILE.into()),
        visibility: Visibility::Camp,
        reply_to: None,
        mentions: vec![],
        created_ms: crate::clock::now_ms(),
        edited_ms: None,
    };
    camp.store().insert_post(&post, true, &[ana.id]).unwrap();
    camp.store().index_post(&post, &[]).unwrap();
    (camp, post.id)
}

#[test]
fn text_output_carries_no_controls_whatever_the_store_holds() {
    let (camp, id) = planted();
    for line in [
        "timeline camp".to_string(),
        "timeline home".to_string(),
        format!("show {id}"),
        "profile ana".to_string(),
    ] {
        let out = run_as(&camp, 1, &line, None);
        assert_eq!(out.status, 0, "{line}: {out:?}");
        assert!(out.stdout.contains("evil"), "{line}: {:?}", out.stdout);
        assert_clean(&line, &out.stdout);
        assert_clean(&line, &out.stderr);
    }
}

#[test]
fn json_string_values_carry_no_controls_and_stay_json() {
    let (camp, id) = planted();
    for line in [
        "timeline camp --json".to_string(),
        format!("show {id} --json"),
        "profile ana --json".to_string(),
    ] {
        let out = run_as(&camp, 1, &line, None);
        assert_eq!(out.status, 0, "{line}: {out:?}");
        assert_clean(&line, &out.stdout);
        let v: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{line}: not JSON ({e}): {:?}", out.stdout));
        let mut all = Vec::new();
        strings(&v, &mut all);
        assert!(all.iter().any(|s| s.contains("evil")), "{line}: {all:?}");
        for s in &all {
            assert_clean(&line, s);
        }
    }
}
