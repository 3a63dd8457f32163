use crate::Camp;
use crate::camp::KeyInfo;
use crate::commands::{Caller, EXIT_FAILURE, EXIT_USAGE, Outcome, needs_stdin, run};

fn key(n: u8) -> KeyInfo {
    KeyInfo {
        fingerprint: format!("SHA256:soc{n}"),
        algorithm: "ssh-ed25519".into(),
        openssh: String::new(),
    }
}

fn run_as(camp: &Camp, n: u8, line: &str) -> Outcome {
    let caller = Caller {
        key: key(n),
        account: camp.account_for_key(&key(n).fingerprint).unwrap(),
    };
    run(camp, &caller, &shell_words::split(line).unwrap(), None)
}

fn ok(camp: &Camp, n: u8, line: &str) -> String {
    let out = run_as(camp, n, line);
    assert_eq!(out.status, 0, "{line}: {out:?}");
    out.stdout
}

fn json(camp: &Camp, n: u8, line: &str) -> serde_json::Value {
    serde_json::from_str(&ok(camp, n, line)).unwrap()
}

/// Admin `ana` (key 1), campers `bo` (2) and `cy` (3).
fn camp3() -> Camp {
    let camp = Camp::temporary().unwrap();
    let code = camp.admin_invite().unwrap().unwrap();
    ok(&camp, 1, &format!("join {code} ana --agree"));
    let code = ok(&camp, 1, "invite --uses 2").trim().to_string();
    ok(&camp, 2, &format!("join {code} bo --agree"));
    ok(&camp, 3, &format!("join {code} cy --agree"));
    camp
}

#[test]
fn show_prints_the_thread_and_counts() {
    let camp = camp3();
    let root = ok(&camp, 1, "post 'soup at six #food'").trim().to_string();
    let reply = ok(&camp, 2, &format!("post --reply-to {root} 'coming!'"))
        .trim()
        .to_string();
    ok(&camp, 3, &format!("fav {root}"));
    let text = ok(&camp, 3, &format!("show {reply}"));
    let soup = text.find("soup at six").unwrap();
    let coming = text.find("coming!").unwrap();
    assert!(soup < coming, "the parent comes first:\n{text}");
    let v = json(&camp, 3, &format!("show {root} --json"));
    assert_eq!(v["post"]["favourites"], 1);
    assert_eq!(v["post"]["favourited"], true);
    assert_eq!(v["post"]["replies"], 1);
    assert_eq!(v["replies"][0]["text"], "coming!");
    assert_eq!(v["replies"][0]["depth"], 1);
    let tagged = json(&camp, 2, "tag '#food' --json");
    assert_eq!(tagged[0]["id"], root);
}

#[test]
fn toggles_edit_and_delete_respect_who_asks() {
    let camp = camp3();
    let id = ok(&camp, 2, "post 'frist'").trim().to_string();
    assert!(ok(&camp, 1, &format!("fav {id}")).contains("★ 1"));
    assert!(ok(&camp, 1, &format!("fav {id} --undo")).contains("★ 0"));
    ok(&camp, 3, &format!("boost {id}"));
    ok(&camp, 3, &format!("bookmark {id}"));
    assert_eq!(json(&camp, 3, "bookmarks --json")[0]["id"], id);

    let denied = run_as(&camp, 3, &format!("edit {id} hijacked"));
    assert_eq!(denied.status, EXIT_FAILURE);
    assert!(denied.stderr.contains("only the author"), "{denied:?}");
    assert_eq!(denied.stderr.lines().count(), 1);
    let denied = run_as(&camp, 3, &format!("delete {id}"));
    assert!(denied.stderr.contains("only the author or a moderator"));
    ok(&camp, 2, &format!("edit {id} first"));
    let v = json(&camp, 1, &format!("show {id} --json"));
    assert_eq!(v["post"]["text"], "first");
    assert!(v["post"]["edited_ms"].is_u64());
    let h = json(&camp, 3, &format!("show {id} --history --json"));
    assert_eq!(h[0]["text"], "frist");
    // Admins moderate, so they may delete anyone's post.
    ok(&camp, 1, &format!("delete {id}"));
    let gone = run_as(&camp, 2, &format!("show {id}"));
    assert_eq!(gone.status, EXIT_FAILURE);
    assert!(gone.stderr.contains(&format!("there is no post {id}")));
    for line in ["fav abc", "show", "delete 1 2", "edit"] {
        assert_eq!(run_as(&camp, 2, line).status, EXIT_USAGE, "{line}");
    }
    assert_eq!(run_as(&camp, 2, "fav 12345").status, EXIT_FAILURE);
    assert!(needs_stdin(&shell_words::split("edit 5").unwrap()));
    assert!(!needs_stdin(&shell_words::split("edit 5 new").unwrap()));
}

#[test]
fn follows_mutes_and_blocks_from_the_command_line() {
    let camp = camp3();
    assert_eq!(ok(&camp, 2, "follow @ana"), "following @ana\n");
    assert_eq!(json(&camp, 2, "following --json")[0]["username"], "ana");
    assert_eq!(ok(&camp, 1, "followers"), "@bo\n");
    assert!(
        run_as(&camp, 2, "follow ana")
            .stderr
            .contains("already follow")
    );
    assert!(
        run_as(&camp, 2, "follow someone@elsewhere.example")
            .stderr
            .contains("federation")
    );
    ok(&camp, 2, "unfollow ana");
    assert!(ok(&camp, 2, "following").contains("you follow nobody"));

    let p = ok(&camp, 3, "post 'noise'").trim().to_string();
    assert!(ok(&camp, 1, "mute cy --for 1h").starts_with("muted @cy until"));
    assert!(!ok(&camp, 1, "timeline camp").contains("noise"));
    ok(&camp, 1, "unmute cy");
    assert!(ok(&camp, 1, "timeline camp").contains("noise"));
    assert!(run_as(&camp, 1, "mute cy --for soon").status != 0);

    ok(&camp, 3, "block bo");
    assert_eq!(run_as(&camp, 2, &format!("show {p}")).status, EXIT_FAILURE);
    assert!(run_as(&camp, 2, "profile cy").status != 0);
    ok(&camp, 2, "post 'hey @cy'");
    assert!(
        !ok(&camp, 3, "notifications").contains("mentioned you"),
        "a blocked camper cannot mention you"
    );
    ok(&camp, 2, "post 'hey @ana'");
    let n = json(&camp, 1, "notifications --json");
    assert_eq!(n[0]["kind"], "mention");
    assert_eq!(n[0]["actor"], "bo");
    let prof = json(&camp, 1, "profile bo --json");
    assert_eq!(prof["posts"], 2);
    let found = json(&camp, 1, "search hey --json");
    assert_eq!(found["posts"].as_array().unwrap().len(), 2);
}

#[test]
fn link_adds_a_device_and_keys_lists_and_removes() {
    let camp = camp3();
    let code = ok(&camp, 2, "link").trim().to_string();
    let out = ok(&camp, 9, &format!("link {code} --comment phone"));
    assert!(out.contains("logs in as @bo"), "{out}");
    assert!(ok(&camp, 9, "whoami").starts_with("@bo"));
    let keys = json(&camp, 2, "keys --json");
    assert_eq!(keys.as_array().unwrap().len(), 2);
    assert_eq!(keys[1]["comment"], "phone");
    let again = run_as(&camp, 8, &format!("link {code}"));
    assert_eq!(again.status, EXIT_FAILURE, "codes work once");
    assert!(run_as(&camp, 8, "whoami").status != 0);
    ok(&camp, 9, "keys remove SHA256:soc2");
    let last = run_as(&camp, 9, "keys remove SHA256:soc9");
    assert!(last.stderr.contains("only key"), "{last:?}");
    assert!(ok(&camp, 9, "keys").contains("SHA256:soc9"));
}

#[test]
fn help_lists_the_new_verbs() {
    let camp = camp3();
    let help = ok(&camp, 1, "help");
    for verb in [
        "show ID",
        "edit ID",
        "delete ID",
        "fav ID",
        "boost ID",
        "bookmark ID",
        "follow NAME",
        "unfollow NAME",
        "following",
        "followers",
        "mute NAME",
        "block NAME",
        "keys",
        "link",
        "notifications",
        "search TEXT",
        "profile NAME",
    ] {
        assert!(help.contains(verb), "{verb} missing:\n{help}");
    }
}
