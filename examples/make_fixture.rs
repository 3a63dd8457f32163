//! Writes the small camp database kept in `tests/fixtures/` as a record of today's data
//! format, so that later releases are tested against data written by this one:
//!
//! ```sh
//! cargo run --example make_fixture -- tests/fixtures/camp-v2
//! ```
//!
//! Run it once per data format version (never over an existing fixture); the test
//! `tests/it/upgrade.rs` opens the result and checks every record it holds.

use camp::Camp;
use camp::camp::{InviteOptions, KeyInfo, PostDraft, Reaction, ReportTarget};
use camp::config::Config;
use camp::model::Visibility;

fn key(name: &str) -> KeyInfo {
    KeyInfo {
        fingerprint: format!("SHA256:fixture-{name}"),
        algorithm: "ssh-ed25519".into(),
        openssh: format!("ssh-ed25519 AAAAfixture{name}"),
    }
}

fn draft(text: &str, visibility: Visibility, reply_to: Option<u64>) -> PostDraft {
    PostDraft {
        text: text.into(),
        cw: None,
        visibility: Some(visibility),
        reply_to,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: make_fixture OUTPUT_DIR")?;
    let out = std::path::Path::new(&out);
    if out.exists() {
        return Err(format!("{} exists; a fixture is written once", out.display()).into());
    }
    let keys = tempfile::tempdir()?;
    let mut config = Config::with_dirs(out, keys.path());
    config.camp.posts_per_minute = 0;
    config.camp.actions_per_minute = 0;
    let camp = Camp::open(config)?;

    let code = camp
        .admin_invite()?
        .ok_or("a new camp has an admin invite")?;
    let ana = camp.join(&key("ana"), &code, "ana", true)?.id;
    let invite = camp.create_invite(
        ana,
        InviteOptions {
            uses: 5,
            note: "fixture".into(),
            ..Default::default()
        },
    )?;
    let bo = camp.join(&key("bo"), &invite.code, "bo", true)?.id;
    let cy = camp.join(&key("cy"), &invite.code, "cy", true)?.id;
    camp.update_profile(bo, "Bo 🌲", "writes about trees\nand rivers")?;

    camp.follow(bo, "ana")?;
    camp.follow(cy, "ana")?;
    camp.follow(ana, "bo")?;
    camp.block(cy, "bo")?;
    camp.mute(ana, "cy", None)?;

    let hello = camp.create_post(ana, draft("hello camp #welcome", Visibility::Camp, None))?;
    let mut cw = draft("the ending of the book", Visibility::Followers, None);
    cw.cw = Some("spoilers".into());
    camp.create_post(ana, cw)?;
    camp.create_post(bo, draft("a public note", Visibility::Public, None))?;
    camp.create_post(bo, draft("@ana just between us", Visibility::Direct, None))?;
    let reply = camp.create_post(
        bo,
        draft("hello ana!", Visibility::Camp, Some(hello.post.id)),
    )?;
    camp.edit_post(bo, reply.post.id, "hello ana! 👋", None)?;
    camp.react(bo, hello.post.id, Reaction::Favourite, Some(true))?;
    camp.react(cy, hello.post.id, Reaction::Boost, Some(true))?;
    camp.react(cy, hello.post.id, Reaction::Bookmark, Some(true))?;
    camp.file_report(bo, ReportTarget::Account("cy".into()), "fixture report")?;
    futures::executor::block_on(camp.flush())?;
    println!("fixture written to {}", out.display());
    Ok(())
}
