//! Polls over real SSH (`post --poll`, `vote`, `show --json`, `v` in the TUI) and
//! across servers with the Fedify peer: a poll from here arrives there as a Mastodon
//! `Question`, and a `Question` from there can be voted on here, the vote going back
//! as an `Answer` note to its author alone.

use serde_json::Value;

use crate::federation::{Carol, Peer, alice_follows_ana, peer_dir, urlencode, wait_home};
use crate::fedkit::fed_camp;
use crate::support::{
    Conn, STEP, TestCamp, exec, json_list, main_screen_of, post_id, wait_for_screen,
};

fn shown(out: &str) -> Value {
    let v: Value = serde_json::from_str(out).expect("show --json");
    v["post"]["poll"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_are_written_voted_and_shown_by_exec() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    let ben = camp.member("ben").await;
    let cat = camp.member("cat").await;
    // Refusals say why and write nothing.
    for (cmd, why) in [
        ("post --poll yes 'one choice'", "2 to 4 choices"),
        ("post --poll a,b,c,d,e 'five'", "2 to 4 choices"),
        ("post --poll a,b --poll-expires 1m 'too short'", "5 minutes"),
        ("post --poll a,b --poll-expires 30d 'too long'", "7 days"),
        ("post --multiple 'no poll'", "go with --poll"),
    ] {
        let out = exec(camp.addr, &ann, cmd).await;
        assert_ne!(out.status, Some(0), "{cmd}: {out:?}");
        assert!(out.stderr.contains(why), "{cmd}: {out:?}");
    }
    let id = post_id(
        exec(
            camp.addr,
            &ann,
            "post --poll 'tarp, tent ,stars' --poll-expires 2h 'where do we sleep?'",
        )
        .await
        .ok(),
    );
    let hidden = shown(
        exec(camp.addr, &ben, &format!("show {id} --json"))
            .await
            .ok(),
    );
    assert_eq!(hidden["options"][1]["title"], "tent");
    assert!(hidden["options"][0]["votes"].is_null(), "{hidden}");
    assert_eq!(hidden["voted"], false);
    assert_eq!(hidden["closed"], false);
    assert_eq!(hidden["multiple"], false);
    assert!(hidden["expires_ms"].as_u64().is_some());
    let text = exec(camp.addr, &ben, &format!("show {id}")).await;
    assert!(
        text.ok().contains("[2] tent") && text.ok().contains("results after you vote"),
        "{text:?}"
    );

    assert!(
        exec(camp.addr, &ben, &format!("vote {id} 1 2"))
            .await
            .failed(1)
            .contains("one choice")
    );
    let out = exec(camp.addr, &ben, &format!("vote {id} 2")).await;
    assert!(out.ok().contains("[2] tent · 1 (100%)"), "{out:?}");
    let after = shown(
        exec(camp.addr, &ben, &format!("show {id} --json"))
            .await
            .ok(),
    );
    assert_eq!(after["options"][1]["votes"], 1);
    assert_eq!(after["voted"], true);
    assert!(
        exec(camp.addr, &ben, &format!("vote {id} 1"))
            .await
            .failed(1)
            .contains("already voted")
    );
    assert!(
        exec(camp.addr, &ann, &format!("vote {id} 1"))
            .await
            .failed(1)
            .contains("your own poll")
    );
    // The author sees the counts; cat, who has not voted, still does not.
    let author = shown(
        exec(camp.addr, &ann, &format!("show {id} --json"))
            .await
            .ok(),
    );
    assert_eq!(author["options"][1]["votes"], 1);
    let cats = shown(
        exec(camp.addr, &cat, &format!("show {id} --json"))
            .await
            .ok(),
    );
    assert!(cats["options"][1]["votes"].is_null(), "{cats}");
    // A followers-only poll is no one else's to vote in.
    let friends = post_id(
        exec(
            camp.addr,
            &ann,
            "post --to followers --poll a,b 'friends only'",
        )
        .await
        .ok(),
    );
    let out = exec(camp.addr, &cat, &format!("vote {friends} 1")).await;
    assert!(out.failed(1).contains("there is no post"), "{out:?}");
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v_then_a_number_votes_in_the_tui() {
    let camp = TestCamp::with_admin().await;
    let ann = camp.member("ann").await;
    let ben = camp.member("ben").await;
    let id = post_id(
        exec(camp.addr, &ann, "post --poll 'crag,lake' 'saturday plan?'")
            .await
            .ok(),
    );
    let conn = Conn::connect(camp.addr, &ben).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ben"), STEP).await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("results after you vote"), STEP).await;
    assert!(
        screen.contains(" 1 crag") && screen.contains(" 2 lake"),
        "{screen}"
    );
    tui.send(b"v").await;
    wait_for_screen(&mut tui, |s| s.contains("press 1-2"), STEP).await;
    tui.send(b"2").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("Voted."), STEP).await;
    assert!(
        screen.contains("✓2 lake") && screen.contains("1 voter"),
        "{screen}"
    );
    let out = exec(camp.addr, &ben, &format!("show {id} --json")).await;
    assert_eq!(shown(out.ok())["options"][1]["votes"], 1);
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_from_here_reaches_the_peer_as_a_question() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, http) = fed_camp().await;
    alice_follows_ana(&camp, &ana, &peer, http).await;
    exec(
        camp.addr,
        &ana,
        "post --to public --multiple --poll 'tea,coffee' 'what do we brew?'",
    )
    .await
    .ok();
    exec(camp.addr, &ana, "post --poll 'x,y' 'camp-only poll'")
        .await
        .ok();
    let got = peer
        .wait_log("the Question", |r| {
            r["kind"] == "inbox" && r["type"] == "Create" && r["objectType"] == "Question"
        })
        .await;
    let q = &got["activity"]["object"];
    assert_eq!(q["type"], "Question", "{got}");
    let names: Vec<&str> = q["anyOf"]
        .as_array()
        .expect("anyOf")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(names, ["tea", "coffee"], "{q}");
    assert_eq!(q["anyOf"][0]["replies"]["totalItems"], 0);
    assert!(
        q["endTime"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{q}"
    );
    // A later sentinel arrives; the camp-only poll never did.
    exec(camp.addr, &ana, "post --to public sentinel")
        .await
        .ok();
    peer.wait_log("the sentinel", |r| {
        r["kind"] == "inbox"
            && r["content"]
                .as_str()
                .is_some_and(|c| c.contains("sentinel"))
    })
    .await;
    assert!(
        !peer
            .log_records()
            .iter()
            .any(|r| r.to_string().contains("camp-only poll")),
        "a camp-only poll left the camp"
    );
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_from_the_peer_is_voted_on_here_and_the_answer_goes_to_its_author() {
    let Some(dir) = peer_dir() else { return };
    let peer = Peer::start(dir).await;
    let (camp, ana, _http) = fed_camp().await;
    let out = exec(camp.addr, &ana, &format!("follow {}", peer.handle())).await;
    assert!(out.ok().contains("pending"), "{out:?}");
    peer.wait_log("the Accept delivery", |r| {
        r["kind"] == "outgoing" && r["activity"]["type"] == "Accept" && r["status"] == 202
    })
    .await;
    let posted = peer
        .admin(
            "POST",
            &format!(
                "/admin/post?text={}&poll={}",
                urlencode("where to?"),
                urlencode("north \u{1b}[31m,south")
            ),
        )
        .await;
    let note = posted["note"].as_str().expect("note id").to_string();
    let alice = peer.handle().trim_start_matches('@').to_string();
    wait_home(&camp, &ana, "alice's poll", |posts| {
        posts
            .iter()
            .any(|p| p["author"]["username"] == alice.as_str() && p["poll"].is_object())
    })
    .await;
    let home = json_list(
        exec(camp.addr, &ana, "timeline home --json --limit 50")
            .await
            .ok(),
    );
    let p = home
        .iter()
        .find(|p| p["poll"].is_object())
        .expect("the poll");
    assert_eq!(p["poll"]["options"][0]["title"], "north", "{p}");
    assert!(p["poll"]["options"][0]["votes"].is_null(), "{p}");
    let id = p["id"].as_str().expect("id").to_string();
    let out = exec(camp.addr, &ana, &format!("vote {id} 2")).await;
    assert!(out.ok().contains("voted"), "{out:?}");
    let got = peer
        .wait_log("the Answer", |r| {
            r["kind"] == "inbox" && r["type"] == "Create" && r["name"] == "south"
        })
        .await;
    let answer = &got["activity"]["object"];
    assert_eq!(answer["inReplyTo"], note.as_str(), "{got}");
    assert!(
        !got["activity"].to_string().contains("Public"),
        "an answer is not public: {got}"
    );
    assert_eq!(got["recipient"], "alice", "to alice's own inbox: {got}");
    camp.stop().await;
}

/// carol (a hand-rolled remote actor) answers ana's public poll the way Mastodon does:
/// a signed `Create` of a `Note` with only a `name`. It counts once, for a choice the
/// poll has, and never shows as a post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_from_elsewhere_count_once_and_are_not_posts() {
    let carol = Carol::start().await;
    let (camp, ana, http) = fed_camp().await;
    let id = post_id(
        exec(
            camp.addr,
            &ana,
            "post --to public --poll 'north,south' 'which way?'",
        )
        .await
        .ok(),
    );
    let ana_actor = format!("http://{http}/users/ana");
    let question = format!("{ana_actor}/posts/{id}");
    let inbox = format!("{ana_actor}/inbox");
    let carol_actor = carol.actor();
    let answer = |n: u32, name: &str| {
        serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{carol_actor}#votes/{n}/activity"),
            "type": "Create",
            "actor": carol_actor,
            "to": [ana_actor],
            "object": {
                "id": format!("{carol_actor}#votes/{n}"),
                "type": "Note",
                "name": name,
                "attributedTo": carol_actor,
                "inReplyTo": question,
                "to": [ana_actor],
            },
        })
        .to_string()
    };
    let now = std::time::SystemTime::now;
    for (n, name) in [(1, "south"), (2, "north"), (3, "east")] {
        let status = carol.post(&inbox, &answer(n, name), now(), |_| {}).await;
        assert!((200..300).contains(&status), "answer {n}: {status}");
    }
    let poll = shown(
        exec(camp.addr, &ana, &format!("show {id} --json"))
            .await
            .ok(),
    );
    assert_eq!(poll["options"][0]["votes"], 0, "{poll}");
    assert_eq!(poll["options"][1]["votes"], 1, "{poll}");
    assert_eq!(poll["voters"], 1, "{poll}");
    let thread: serde_json::Value = serde_json::from_str(
        exec(camp.addr, &ana, &format!("show {id} --json"))
            .await
            .ok(),
    )
    .expect("json");
    assert_eq!(
        thread["replies"],
        serde_json::json!([]),
        "answers are not replies"
    );
    let notes = exec(camp.addr, &ana, "notifications").await;
    assert!(!notes.ok().contains("replied"), "{notes:?}");
    camp.stop().await;
}
