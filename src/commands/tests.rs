use super::*;
use crate::camp::KeyInfo;

fn key(n: u8) -> KeyInfo {
    KeyInfo {
        fingerprint: format!("SHA256:cmd{n}"),
        algorithm: "ssh-ed25519".into(),
        openssh: String::new(),
    }
}

fn argv(s: &str) -> Vec<String> {
    shell_words::split(s).unwrap()
}

fn caller(camp: &Camp, n: u8) -> Caller {
    Caller {
        key: key(n),
        account: camp.account_for_key(&key(n).fingerprint).unwrap(),
    }
}

fn run_as(camp: &Camp, n: u8, line: &str, stdin: Option<&str>) -> Outcome {
    run(camp, &caller(camp, n), &argv(line), stdin)
}

/// A camp whose admin (key 1) is `ana`.
fn camp_with_admin() -> Camp {
    let camp = Camp::temporary().unwrap();
    let code = camp.admin_invite().unwrap().unwrap();
    let out = run_as(&camp, 1, &format!("join {code} ana --agree"), None);
    assert_eq!(out.status, 0, "{out:?}");
    camp
}

#[test]
fn join_without_agree_prints_the_code_of_conduct_and_changes_nothing() {
    let camp = Camp::temporary().unwrap();
    let code = camp.admin_invite().unwrap().unwrap();
    let out = run_as(&camp, 1, &format!("join {code} ana"), None);
    assert_ne!(out.status, 0);
    assert!(out.stderr.contains("--agree"), "{}", out.stderr);
    assert!(out.stdout.contains("Be kind"), "{}", out.stdout);
    assert!(camp.account_for_key("SHA256:cmd1").unwrap().is_none());
}

#[test]
fn strangers_are_told_how_to_join() {
    let camp = camp_with_admin();
    let out = run_as(&camp, 9, "timeline", None);
    assert_eq!(out.status, EXIT_FAILURE);
    assert!(
        out.stderr
            .contains("this key has no account here; join with an invite")
    );
    assert!(out.stderr.ends_with('\n') && out.stderr.lines().count() == 1);
}

#[test]
fn post_prints_the_id_and_timeline_json_lists_it() {
    let camp = camp_with_admin();
    let out = run_as(&camp, 1, "post --cw 'food' 'soup is ready'", None);
    assert_eq!(out.status, 0, "{out:?}");
    let id = out.stdout.trim().to_string();
    assert!(id.parse::<u64>().is_ok());
    let stdin_post = run_as(&camp, 1, "post", Some("from stdin\nsecond line\n"));
    assert_eq!(stdin_post.status, 0, "{stdin_post:?}");
    let out = run_as(&camp, 1, "timeline camp --json --limit 5", None);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["text"], "from stdin\nsecond line");
    assert_eq!(list[1]["id"], id);
    assert_eq!(list[1]["cw"], "food");
    assert_eq!(list[1]["author"]["username"], "ana");
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let camp = camp_with_admin();
    let long = "x".repeat(501);
    let cases = [
        (format!("post {long}"), "limited to 500"),
        ("post ''".to_string(), "needs some text"),
        ("post --to everyone hi".to_string(), "--to must be"),
        ("timeline --limit 0".to_string(), "--limit must be"),
        ("timeline sideways".to_string(), "home or camp"),
        (
            "frobnicate".to_string(),
            "unknown command 'frobnicate'; commands: help, join",
        ),
        ("invite --uses 0".to_string(), "--uses must be"),
        ("invite --expires 3y".to_string(), "not a duration"),
    ];
    for (line, want) in cases {
        let out = run_as(&camp, 1, &line, None);
        assert_ne!(out.status, 0, "{line}");
        assert!(out.stderr.contains(want), "{line}: {}", out.stderr);
    }
    let tl = run_as(&camp, 1, "timeline camp --json", None);
    assert_eq!(tl.stdout.trim(), "[]");
}

#[test]
fn only_admins_invite_and_invites_work() {
    let camp = camp_with_admin();
    let out = run_as(&camp, 1, "invite --uses 2 --expires 1d", None);
    assert_eq!(out.status, 0, "{out:?}");
    let code = out.stdout.trim();
    let joined = run_as(&camp, 2, &format!("join {code} bo --agree"), None);
    assert_eq!(joined.status, 0, "{joined:?}");
    let denied = run_as(&camp, 2, "invite", None);
    assert_eq!(denied.status, EXIT_FAILURE);
    assert!(denied.stderr.contains("only admins"));
    let who = run_as(&camp, 2, "whoami --json", None);
    let v: serde_json::Value = serde_json::from_str(&who.stdout).unwrap();
    assert_eq!(v["username"], "bo");
    assert_eq!(v["role"], "camper");
}

#[test]
fn stdin_is_read_only_when_post_has_no_text() {
    assert!(needs_stdin(&argv("post")));
    assert!(needs_stdin(&argv("post --cw x")));
    assert!(!needs_stdin(&argv("post hello")));
    assert!(!needs_stdin(&argv("timeline")));
}

mod guard;
