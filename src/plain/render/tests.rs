use super::*;
use crate::camp::{Author, Mine};
use crate::model::{Notification, NotificationKind, Post, PostStats};

const NOW: u64 = 1_800_000_000_000;

fn author(id: u64, name: &str) -> Author {
    Author {
        id,
        username: name.into(),
        display_name: String::new(),
    }
}

fn view(id: u64, name: &str, text: &str, age_secs: u64) -> PostView {
    PostView {
        post: Post {
            id,
            author: 2,
            text: text.into(),
            cw: None,
            visibility: Visibility::Camp,
            reply_to: None,
            mentions: vec![],
            created_ms: NOW - age_secs * 1000,
            edited_ms: None,
        },
        author: author(2, name),
        stats: PostStats::default(),
        mine: Mine::default(),
        boosted_by: None,
        poll: None,
        entry: id,
        filtered: None,
    }
}

/// What a line is allowed to hold: printable characters only, and none of the symbols
/// the full-screen app uses.
fn assert_plain_line(line: &str) {
    assert!(!line.chars().any(char::is_control), "{line:?}");
    for sym in ['·', '★', '⟳', '↩', '│', '─', '▌'] {
        assert!(!line.contains(sym), "{line:?} has {sym}");
    }
}

#[test]
fn ages_are_spoken_in_words() {
    assert_eq!(spoken_age(NOW, NOW - 3_000), "just now");
    assert_eq!(spoken_age(NOW, NOW - 45_000), "45 seconds ago");
    assert_eq!(spoken_age(NOW, NOW - 60_000), "1 minute ago");
    assert_eq!(spoken_age(NOW, NOW - 125_000), "2 minutes ago");
    assert_eq!(spoken_age(NOW, NOW - 3_600_000), "1 hour ago");
    assert_eq!(spoken_age(NOW, NOW - 3 * 86_400_000), "3 days ago");
    assert_eq!(spoken_age(NOW, NOW - 14 * 86_400_000), "2 weeks ago");
    assert_eq!(spoken_age(NOW, NOW - 800 * 86_400_000), "2 years ago");
    assert_eq!(spoken_age(NOW, NOW + 5_000), "just now", "clock skew");
}

#[test]
fn a_post_is_one_numbered_line() {
    let v = view(9, "bob", "marshmallows\nat eight", 125);
    let line = post_line(3, &v, NOW);
    assert_eq!(line, "3. @bob, 2 minutes ago: marshmallows at eight");
    assert_plain_line(&line);
}

#[test]
fn audience_boosts_and_replies_are_said() {
    let mut v = view(9, "bob", "psst", 0);
    v.post.visibility = Visibility::Direct;
    v.post.reply_to = Some(1);
    v.boosted_by = Some(author(5, "cy"));
    assert_eq!(
        post_line(1, &v, NOW),
        "1. @cy boosted @bob, direct, just now, a reply: psst"
    );
    v.post.visibility = Visibility::Followers;
    assert!(post_line(1, &v, NOW).contains("@bob, followers only, just now"));
}

#[test]
fn a_warning_hides_the_text_in_a_listing() {
    let mut v = view(9, "bob", "the butler did it", 0);
    v.post.cw = Some("book spoilers".into());
    let line = post_line(4, &v, NOW);
    assert_eq!(
        line,
        "4. @bob, just now: CW: book spoilers. Type 4 to read it."
    );
    assert!(!line.contains("butler"));
}

#[test]
fn hostile_text_is_sanitized_and_bounded() {
    let evil = format!(
        "\x1b[2J\x1b]0;pwned\x07hi\u{202e}there\r{}",
        "x".repeat(5000)
    );
    let mut v = view(9, "bob\x1b[31m", &evil, 0);
    v.post.cw = None;
    let line = post_line(1, &v, NOW);
    assert_plain_line(&line);
    assert!(!line.contains('\u{202e}'), "{line:?}");
    assert!(line.starts_with("1. @bob, just now: hithere"), "{line:?}");
    assert!(
        line.chars().count() < LIST_TEXT_CHARS + 40,
        "{}",
        line.len()
    );
    assert!(line.ends_with('…'));
}

#[test]
fn headers_say_where_you_are() {
    assert_eq!(
        header("Home", 20, false, "post"),
        "Home, 20 posts, newest first."
    );
    assert_eq!(
        header("Home", 1, false, "post"),
        "Home, 1 post, newest first."
    );
    assert_eq!(header("Camp", 0, false, "post"), "Camp, no posts yet.");
    assert_eq!(header("Camp", 5, true, "post"), "Camp, 5 older posts.");
    assert_eq!(header("Camp", 0, true, "post"), "Camp, no older posts.");
    assert_eq!(
        header("Notifications", 2, false, "notification"),
        "Notifications, 2 notifications, newest first."
    );
}

#[test]
fn a_thread_reads_in_order_with_warnings_text_and_counts() {
    let mut root = view(1, "ann", "who brings tea?", 600);
    root.stats = PostStats {
        replies: 1,
        favourites: 2,
        boosts: 0,
    };
    root.mine.favourited = true;
    let mut reply = view(2, "bob", "I do\nwith honey", 60);
    reply.post.reply_to = Some(1);
    reply.post.cw = Some("food".into());
    let t = Thread {
        ancestors: vec![],
        post: root,
        replies: vec![(1, reply)],
    };
    let mut next = 6;
    let lines = thread_lines(&t, NOW, |_| {
        next += 1;
        next
    });
    assert_eq!(
        lines,
        vec![
            "Thread: not a reply, this post, 1 reply.",
            "7. @ann, 10 minutes ago:",
            "who brings tea?",
            "1 reply, 2 favourites, 0 boosts. You favourited it.",
            "8. @bob, 1 minute ago, reply to @ann:",
            "CW: food",
            "I do",
            "with honey",
            "0 replies, 0 favourites, 0 boosts.",
        ]
    );
    lines.iter().for_each(|l| assert_plain_line(l));
}

#[test]
fn a_poll_reads_as_numbered_choices_and_how_it_stands() {
    let mut root = view(1, "ann", "tarp or tent?", 600);
    root.poll = Some(crate::camp::PollView {
        options: vec![
            crate::camp::PollOption {
                title: "tarp".into(),
                votes: Some(1),
            },
            crate::camp::PollOption {
                title: "tent".into(),
                votes: Some(2),
            },
        ],
        multiple: false,
        expires_ms: NOW - 1,
        closed: true,
        voted: true,
        mine: vec![1],
        voters: Some(3),
        can_vote: false,
    });
    let t = Thread {
        ancestors: vec![],
        post: root,
        replies: vec![],
    };
    let lines = thread_lines(&t, NOW, |_| 1);
    assert_eq!(
        lines[3..6],
        [
            "Poll choice 1: tarp, 1 vote.",
            "Poll choice 2: tent, 2 votes, your choice.",
            "Poll: 3 voters, ended, you voted.",
        ]
    );
    lines.iter().for_each(|l| assert_plain_line(l));
}

#[test]
fn a_notification_is_one_line() {
    let nv = NotificationView {
        notification: Notification {
            id: 1,
            account: 1,
            kind: NotificationKind::Favourite,
            actor: Some(2),
            post: Some(9),
            text: None,
            created_ms: NOW - 300_000,
        },
        actor: Some(author(2, "bob")),
        post: Some(view(9, "ann", "tea at five", 900)),
    };
    assert_eq!(
        notification_line(Some(2), &nv, NOW),
        "2. @bob favourited your post, 5 minutes ago: tea at five"
    );
}

#[test]
fn help_is_plain_lines() {
    for line in HELP.lines() {
        assert_plain_line(line);
    }
    assert!(HELP.contains("r NUMBER TEXT"));
}

#[test]
fn a_filtered_post_says_its_word_and_is_read_by_number() {
    let mut v = view(9, "bob", "the finale: everybody dies", 60);
    v.post.cw = Some("tv".into());
    v.filtered = Some("finale".into());
    let line = post_line(3, &v, NOW);
    assert_eq!(
        line,
        "3. @bob, 1 minute ago: Filtered: finale. Type 3 to read it."
    );
    assert_plain_line(&line);
}
