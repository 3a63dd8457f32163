//! Data written by earlier releases: the fixture database in `tests/fixtures/` (written
//! by `cargo run --example make_fixture` with this data format) opens and shows every
//! record; an older database is backed up and upgraded once by `camp serve`; a newer
//! one is refused before anything reads it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use camp::Camp;
use camp::camp::TimelineKind;
use camp::config::Config;
use camp::store::backup::{Entry, read_backup};
use camp::store::upgrade::DATA_VERSION;

use crate::support::{STEP, ServerProcess};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/camp-v2");

/// A writable copy of the fixture at `to` (git keeps no empty `blobs` directory).
fn copy_fixture(to: &Path) {
    std::fs::create_dir_all(to.join("blobs")).unwrap();
    for name in ["conf", "db"] {
        std::fs::copy(Path::new(FIXTURE).join(name), to.join(name)).unwrap();
    }
}

/// Waits until no handle in this process holds the database in `dir` (sled's flusher
/// thread may keep its lock a moment after the last handle is dropped).
fn wait_unlocked(dir: &Path) {
    use std::os::fd::AsRawFd;
    let deadline = std::time::Instant::now() + STEP;
    let file = std::fs::File::open(dir.join("db")).unwrap();
    loop {
        // SAFETY: flock on a file descriptor we own, released at once.
        let got = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
        if got {
            unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_UN) };
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the database stays locked"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `f` on the raw sled database in `dir`, then waits until it is closed.
fn with_raw<T>(dir: &Path, f: impl FnOnce(&sled::Db) -> T) -> T {
    let out = {
        let db = sled::open(dir).unwrap();
        let out = f(&db);
        db.flush().unwrap();
        out
    };
    wait_unlocked(dir);
    out
}

fn record_counts_on_disk(db: &sled::Db) -> BTreeMap<Vec<u8>, usize> {
    db.tree_names()
        .into_iter()
        .map(|n| (n.to_vec(), db.open_tree(&n).unwrap().len()))
        .collect()
}

fn set_data_version(db: &sled::Db, version: Option<u32>) {
    let meta = db.open_tree("meta").unwrap();
    match version {
        Some(v) => meta.insert(b"data_version", &v.to_be_bytes()).map(|_| ()),
        None => meta.remove(b"data_version").map(|_| ()),
    }
    .unwrap();
}

fn open_camp(data: &Path, keys: &Path) -> Camp {
    Camp::open(Config::with_dirs(data, keys)).expect("the camp opens")
}

#[test]
fn the_fixture_written_by_this_format_opens_with_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_fixture(&data);
    let on_disk = with_raw(&data, record_counts_on_disk);
    assert_eq!(
        on_disk[&b"posts"[..]],
        5,
        "the fixture's posts: {on_disk:?}"
    );
    let post_ids: Vec<u64> = with_raw(&data, |db| {
        db.open_tree("posts")
            .unwrap()
            .iter()
            .keys()
            .map(|k| u64::from_be_bytes(k.unwrap()[..].try_into().unwrap()))
            .collect()
    });

    let camp = open_camp(&data, &dir.path().join("keys"));
    // Every tree, record for record in number, as this release reads it.
    let mut backup = Vec::new();
    let summary = camp.write_backup(&mut backup, false).unwrap();
    assert_eq!(summary.data_version, DATA_VERSION);
    let mut seen: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    let mut tree = Vec::new();
    read_backup(&backup[..], |e| {
        match e {
            Entry::Tree(n) => {
                tree = n.to_vec();
                seen.insert(tree.clone(), 0);
            }
            Entry::Record(..) => *seen.get_mut(&tree).unwrap() += 1,
            Entry::HostKey(_) => {}
        }
        Ok(())
    })
    .unwrap();
    // A tree this release added since the fixture was written is opened empty; every
    // tree of the fixture keeps each of its records.
    seen.retain(|name, n| on_disk.contains_key(name) || *n > 0);
    assert_eq!(seen, on_disk, "opening changed or lost records");
    assert_eq!(
        (summary.campers, summary.follows, summary.blocks),
        (3, 3, 1)
    );

    // And every record reads back as what the fixture wrote.
    let name = |n: &str| camp.account_by_name(n).unwrap().expect(n);
    let (ana, bo, cy) = (name("ana"), name("bo"), name("cy"));
    assert_eq!(bo.display_name, "Bo 🌲");
    assert_eq!(bo.bio, "writes about trees\nand rivers");
    for id in post_ids {
        let post = [ana.id, bo.id]
            .into_iter()
            .find_map(|viewer| camp.post(viewer, id).ok());
        assert!(post.is_some(), "post {id} does not read back");
    }
    let camp_tl = camp.timeline(ana.id, TimelineKind::Camp, None, 20).unwrap();
    let texts: Vec<&str> = camp_tl.iter().map(|p| p.post.text.as_str()).collect();
    assert!(texts.contains(&"hello camp #welcome"), "{texts:?}");
    assert!(texts.contains(&"hello ana! 👋"), "{texts:?}");
    let reply = camp_tl
        .iter()
        .find(|p| p.post.text == "hello ana! 👋")
        .unwrap();
    let versions = camp.post_versions(bo.id, reply.post.id).unwrap();
    assert_eq!(versions[0].text, "hello ana!");
    let home = camp.timeline(ana.id, TimelineKind::Home, None, 20).unwrap();
    assert!(home.iter().any(|p| p.post.text == "@ana just between us"));
    assert!(
        home.iter()
            .any(|p| p.post.cw.as_deref() == Some("spoilers"))
    );
    let following: Vec<String> = camp
        .following(bo.id)
        .unwrap()
        .into_iter()
        .map(|a| a.username)
        .collect();
    assert_eq!(following, ["ana"]);
    assert!(camp.blocked_either_way(cy.id, bo.id).unwrap());
    assert!(camp.is_muted(ana.id, cy.id).unwrap());
    assert_eq!(camp.bookmarks(cy.id, 10).unwrap().len(), 1);
    assert_eq!(camp.reports(ana.id, true).unwrap().len(), 1);
    assert!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().ends_with(".campbak")),
        "a current database is not backed up for an upgrade"
    );
}

fn campbaks(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".campbak"))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn serve_backs_up_an_older_database_then_upgrades_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_fixture(&data);
    with_raw(&data, |db| set_data_version(db, None));

    let server = ServerProcess::start(dir.path(), false).await;
    let log = server.log();
    assert!(log.contains("upgraded data format 1 -> 2"), "{log}");
    let backups = campbaks(dir.path());
    assert_eq!(backups.len(), 1, "{backups:?}\n{log}");
    assert!(log.contains("backed up to"), "{log}");
    let summary = read_backup(std::fs::File::open(&backups[0]).unwrap(), |_| Ok(())).unwrap();
    assert_eq!((summary.data_version, summary.posts), (1, 5));
    let (status, _) = server.terminate(STEP).await;
    assert!(status.success());

    // Once: the next start finds today's format and takes no second backup.
    let again = ServerProcess::start(dir.path(), false).await;
    let (status, _) = again.terminate(STEP).await;
    assert!(status.success());
    assert_eq!(campbaks(dir.path()).len(), 1);
    let version = with_raw(&data, |db| {
        db.open_tree("meta")
            .unwrap()
            .get(b"data_version")
            .unwrap()
            .unwrap()
            .to_vec()
    });
    assert_eq!(version, DATA_VERSION.to_be_bytes());
}

#[test]
fn a_database_from_a_newer_camp_is_refused_before_anything_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_fixture(&data);
    with_raw(&data, |db| set_data_version(db, Some(DATA_VERSION + 1)));

    let out = Command::new(env!("CARGO_BIN_EXE_camp"))
        .arg("serve")
        .arg("--data")
        .arg(&data)
        .arg("--keys")
        .arg(dir.path().join("keys"))
        .args(["--ssh", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .output()
        .expect("run camp serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("written by a newer camp"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));

    let e = Camp::open(Config::with_dirs(&data, dir.path().join("keys")))
        .err()
        .expect("refused in process too")
        .to_string();
    assert!(
        e.contains(&format!("data format {}", DATA_VERSION + 1)),
        "{e}"
    );
    wait_unlocked(&data);
    let version = with_raw(&data, |db| {
        db.open_tree("meta")
            .unwrap()
            .get(b"data_version")
            .unwrap()
            .unwrap()
            .to_vec()
    });
    assert_eq!(
        version,
        (DATA_VERSION + 1).to_be_bytes(),
        "the refusal changed nothing"
    );
    assert!(campbaks(dir.path()).is_empty());
}
