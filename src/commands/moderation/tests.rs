//! The moderation verbs, run as each role: what people read, and that a refusal
//! changes nothing.

use crate::Camp;
use crate::camp::KeyInfo;
use crate::commands::{Caller, EXIT_FAILURE, Outcome, needs_stdin, run};

fn key(n: u8) -> KeyInfo {
    KeyInfo {
        fingerprint: format!("SHA256:mod{n}"),
        algorithm: "ssh-ed25519".into(),
        openssh: String::new(),
    }
}

fn run_as(camp: &Camp, n: u8, line: &str, stdin: Option<&str>) -> Outcome {
    let caller = Caller {
        key: key(n),
        account: camp.account_for_key(&key(n).fingerprint).unwrap(),
    };
    run(camp, &caller, &shell_words::split(line).unwrap(), stdin)
}

fn ok(camp: &Camp, n: u8, line: &str) -> String {
    let out = run_as(camp, n, line, None);
    assert_eq!(out.status, 0, "{line}: {out:?}");
    out.stdout
}

/// Admin `ana` (key 1), moderator `mo` (2), campers `bo` (3) and `cy` (4).
fn camp4() -> Camp {
    let camp = Camp::temporary().unwrap();
    let code = camp.admin_invite().unwrap().unwrap();
    ok(&camp, 1, &format!("join {code} ana --agree"));
    let inv = ok(&camp, 1, "invite --uses 3 --note 'lake friends'");
    for (n, name) in [(2, "mo"), (3, "bo"), (4, "cy")] {
        ok(&camp, n, &format!("join {} {name} --agree", inv.trim()));
    }
    ok(&camp, 1, "role mo moderator");
    camp
}

fn audit_count(camp: &Camp) -> usize {
    let out = ok(camp, 1, "audit --json --limit 500");
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}

const MODERATOR_VERBS: &[&str] = &[
    "reports",
    "assign 1",
    "resolve 1 --action dismiss",
    "suspend cy",
    "unsuspend cy",
    "silence cy",
    "unsilence cy",
    "sensitive cy",
    "unsensitive cy",
    "warn cy --reason x",
    "accounts",
    "audit",
];

const ADMIN_VERBS: &[&str] = &[
    "invites",
    "revoke nope",
    "role cy admin",
    "coc set",
    "announce hello",
    "announce --clear",
    "domain-block bad.example",
    "domain-unblock bad.example",
    "domain-blocks export",
    "domain-blocks import",
    "blocklist",
    "blocklist subscribe /tmp/x.csv",
    "allowlist on",
    "allowlist add friends.example",
];

#[test]
fn every_verb_refuses_those_below_its_role_and_changes_nothing() {
    let camp = camp4();
    let before = audit_count(&camp);
    for line in MODERATOR_VERBS.iter().chain(ADMIN_VERBS) {
        let out = run_as(&camp, 3, line, Some("#domain\nx.example\n"));
        assert_eq!(out.status, EXIT_FAILURE, "camper: {line}: {out:?}");
        assert!(
            out.stderr.contains("only moderators and admins") || out.stderr.contains("only admins"),
            "camper: {line}: {}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1);
    }
    for line in ADMIN_VERBS {
        let out = run_as(&camp, 2, line, Some("#domain\nx.example\n"));
        assert_eq!(out.status, EXIT_FAILURE, "moderator: {line}: {out:?}");
        assert!(
            out.stderr.contains("only admins"),
            "moderator: {line}: {}",
            out.stderr
        );
    }
    assert_eq!(audit_count(&camp), before, "no refused verb left a trace");
    let cy = camp.account_by_name("cy").unwrap().unwrap();
    assert!(!cy.suspended && !cy.silenced && !cy.sensitive);
    assert_eq!(cy.role, crate::model::Role::Camper);
    assert!(ok(&camp, 1, "domain-blocks").contains("no domain blocks"));
}

#[test]
fn moderators_work_the_queue_from_the_command_line() {
    let camp = camp4();
    let post = ok(&camp, 3, "post 'something rude'");
    let post = post.trim();
    let out = run_as(&camp, 4, &format!("report {post}"), None);
    assert!(out.stderr.contains("--reason"), "{out:?}");
    let filed = ok(&camp, 4, &format!("report {post} --reason 'rude to me'"));
    assert!(filed.contains("not told who reported"));
    ok(&camp, 4, "report @bo --reason 'again'");
    let out = run_as(&camp, 4, "report 12345 --reason 'x'", None);
    assert!(
        out.stderr.contains("there is no post 12345"),
        "digits name a post: {out:?}"
    );
    let queue = ok(&camp, 2, "reports");
    assert!(
        queue.contains(&format!("post {post} by @bo · from @cy")),
        "{queue}"
    );
    assert!(queue.contains("reason: rude to me"));
    assert!(queue.contains("post: something rude"));
    let json: serde_json::Value = serde_json::from_str(&ok(&camp, 2, "reports --json")).unwrap();
    let id = json[1]["id"].as_str().unwrap().to_string();
    assert_eq!(json[1]["post_text"], "something rude");
    let out = run_as(&camp, 2, &format!("resolve {id} --action ban"), None);
    assert!(out.stderr.contains("--action must be"), "{out:?}");
    let done = ok(
        &camp,
        2,
        &format!("resolve {id} --action silence --note 'cool off' --tell"),
    );
    assert!(done.contains("resolved (silence)"));
    assert!(camp.account_by_name("bo").unwrap().unwrap().silenced);
    let audit = ok(&camp, 2, "audit --limit 2");
    let lines: Vec<&str> = audit.lines().collect();
    assert!(lines[0].contains("@mo · resolve-report"), "{audit}");
    assert!(lines[1].contains("@mo · silence · @bo · report"), "{audit}");
    assert!(ok(&camp, 2, "accounts bo").contains("@bo · camper, silenced"));
    assert!(ok(&camp, 2, "accounts bo").contains("invited by @ana"));
    let out = run_as(&camp, 2, "suspend ana", None);
    assert!(
        out.stderr.contains("only admins can act on moderators"),
        "{out:?}"
    );
    assert!(ok(&camp, 2, "suspend bo --reason spam").contains("sessions ended"));
    let refused = run_as(&camp, 3, "timeline", None);
    assert!(refused.stderr.contains("suspended"), "{refused:?}");
}

#[test]
fn admins_manage_invites_roles_and_domains() {
    let camp = camp4();
    let list = ok(&camp, 1, "invites");
    assert!(
        list.contains("lake friends · joined: @mo, @bo, @cy"),
        "{list}"
    );
    assert!(list.contains("0 of 3 uses left"), "{list}");
    let code = ok(&camp, 1, "invite").trim().to_string();
    assert!(ok(&camp, 1, &format!("revoke {code}")).contains("revoked"));
    assert!(ok(&camp, 1, "invites").contains(&format!("{code} · camper · revoked")));
    assert!(
        run_as(&camp, 1, "role ana camper", None)
            .stderr
            .contains("your own role")
    );
    assert!(ok(&camp, 1, "role cy moderator").contains("@cy is now moderator"));

    assert!(
        ok(
            &camp,
            1,
            "domain-block Bad.Example --severity silence --reject-media"
        )
        .contains("bad.example blocked (silence)")
    );
    let out = run_as(&camp, 1, "domain-block not_a_domain", None);
    assert!(out.stderr.contains("is not a domain"), "{out:?}");
    let csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
               evil.example,suspend,false,false,\"spam, and more\",false\n\
               bad.example,suspend,false,false,,false\n\
               ???,suspend\n";
    let out = run_as(&camp, 1, "domain-blocks import", Some(csv));
    assert_eq!(out.status, 0, "{out:?}");
    assert!(
        out.stdout
            .starts_with("added 1, skipped 1 (already blocked), malformed 1\nline 4: "),
        "{}",
        out.stdout
    );
    let export = ok(&camp, 1, "domain-blocks export");
    assert_eq!(
        export,
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
         bad.example,silence,true,false,,false\n\
         evil.example,suspend,false,false,\"spam, and more\",false\n"
    );
    assert!(ok(&camp, 1, "domain-unblock evil.example").contains("no longer blocked"));
    assert!(ok(&camp, 1, "allowlist on").contains("on"));
    assert!(ok(&camp, 1, "allowlist").contains("mode is on"));
    assert!(ok(&camp, 3, "hide-domain Loud.Example").contains("loud.example and its subdomains"));
    assert!(ok(&camp, 3, "hidden-domains").contains("loud.example"));
}

#[test]
fn a_new_code_of_conduct_is_accepted_before_anything_else() {
    let camp = camp4();
    assert!(needs_stdin(&shell_words::split("coc set").unwrap()));
    assert!(needs_stdin(
        &shell_words::split("domain-blocks import").unwrap()
    ));
    assert!(!needs_stdin(&shell_words::split("coc show").unwrap()));
    let out = run_as(&camp, 1, "coc set", Some("Be kinder.\nNo spam.\n"));
    assert_eq!(out.status, 0, "{out:?}");
    assert!(out.stdout.contains("version 2"));
    let refused = run_as(&camp, 3, "timeline", None);
    assert_eq!(refused.status, EXIT_FAILURE);
    assert!(
        refused.stderr.contains("code of conduct has changed"),
        "{refused:?}"
    );
    let shown = ok(&camp, 3, "coc show");
    assert!(shown.contains("(version 2)") && shown.contains("No spam."));
    let json: serde_json::Value = serde_json::from_str(&ok(&camp, 3, "coc show --json")).unwrap();
    assert_eq!(
        (json["version"].as_u64(), json["accepted_version"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(ok(&camp, 3, "coc accept").contains("Accepted version 2"));
    ok(&camp, 3, "timeline");
    assert!(ok(&camp, 1, "audit --limit 1").contains("coc-set"));
}

#[test]
fn help_lists_the_moderation_verbs() {
    let camp = camp4();
    let help = ok(&camp, 3, "help");
    for verb in [
        "report ID|NAME",
        "reports [--all]",
        "resolve REPORT",
        "audit [--limit N]",
        "domain-blocks",
    ] {
        assert!(help.contains(verb), "{verb}:\n{help}");
    }
}
