//! Backup and restore through their real entry points: `ssh HOST backup > FILE` from
//! the `ssh` binary against `camp serve`, while campers post over SSH; `camp restore`
//! from the binary; and the restored camp served again with the same host key.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use camp::store::backup::{Entry, read_backup};
use tokio::time::timeout;

use crate::support::{Conn, Key, STEP, ServerProcess, exec, post_id, ssh, ssh_args};

type Trees = BTreeMap<Vec<u8>, BTreeMap<Vec<u8>, Vec<u8>>>;

/// `ssh -p PORT 127.0.0.1 REMOTE > out`, as an admin types it; status and stderr.
async fn ssh_to_file(addr: SocketAddr, key: &Key, remote: &str, out: &Path) -> (i32, String) {
    let file = std::fs::File::create(out).expect("output file");
    let mut cmd = Command::new("ssh");
    cmd.args(ssh_args(addr, key));
    cmd.arg(addr.ip().to_string())
        .arg(remote)
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("run ssh");
    let out = timeout(
        STEP * 4,
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    .expect("ssh backup finishes in time")
    .expect("wait task")
    .expect("ssh output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `camp ARGS...` (the binary); status, stdout, stderr.
fn camp_cli(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_camp"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run camp");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn restore(file: &Path, data: &Path, keys: Option<&Path>) -> (i32, String, String) {
    let mut args = vec![
        "restore".as_ref(),
        file.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ];
    if let Some(k) = keys {
        args.push("--keys".as_ref());
        args.push(k.as_os_str());
    }
    camp_cli(&args)
}

/// Every tree and record of a backup file, checked.
fn trees_in_backup(file: &Path) -> Trees {
    let mut trees = Trees::new();
    let mut current = Vec::new();
    read_backup(std::fs::File::open(file).unwrap(), |e| {
        match e {
            Entry::Tree(name) => {
                current = name.to_vec();
                trees.entry(current.clone()).or_default();
            }
            Entry::Record(k, v) => {
                trees
                    .get_mut(&current)
                    .unwrap()
                    .insert(k.to_vec(), v.to_vec());
            }
            Entry::HostKey(_) => {}
        }
        Ok(())
    })
    .expect("the backup reads back");
    trees
}

/// Every tree and record of a sled database on disk.
fn trees_on_disk(dir: &Path) -> Trees {
    let db = sled::open(dir).expect("open the restored database");
    db.tree_names()
        .into_iter()
        .map(|name| {
            let tree = db.open_tree(&name).unwrap();
            let records = tree
                .iter()
                .map(|kv| {
                    let (k, v) = kv.unwrap();
                    (k.to_vec(), v.to_vec())
                })
                .collect();
            (name.to_vec(), records)
        })
        .collect()
}

fn keys_of(trees: &Trees, name: &str) -> BTreeSet<Vec<u8>> {
    trees
        .get(name.as_bytes())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_campers_post_restores_whole_and_serves_again() {
    // In this process, with the post rate limit off: these campers post far faster
    // than people do. Its host key lives where this test can read it.
    let dir = tempfile::tempdir().unwrap();
    let host_keys = dir.path().join("host-keys");
    let configured = host_keys.clone();
    let server = crate::support::TestCamp::with_admin_using(move |c| c.keys_dir = configured).await;
    let fingerprint =
        camp::ssh::hostkey::fingerprint(&camp::ssh::hostkey::load_or_create(&host_keys).unwrap());
    let admin = server.admin.as_ref().unwrap();
    let code = exec(server.addr, admin, "invite --uses 5")
        .await
        .ok()
        .trim()
        .to_string();
    let mut posters = Vec::new();
    for name in ["ana", "bo", "cy"] {
        let key = Key::generate();
        exec(server.addr, &key, &format!("join {code} {name} --agree"))
            .await
            .ok();
        posters.push(key);
    }
    // Enough posts that copying them takes a moment, so the posters below overlap it.
    let seed = Conn::connect(server.addr, &posters[0]).await;
    let mut before_backup = BTreeSet::new();
    for i in 0..150 {
        let id = post_id(seed.exec(&format!("post seed {i}")).await.ok());
        before_backup.insert(id.parse::<u64>().unwrap());
    }
    seed.close().await;

    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for key in posters {
        let stop = stop.clone();
        let addr = server.addr;
        tasks.push(tokio::spawn(async move {
            let conn = Conn::connect(addr, &key).await;
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                post_id(conn.exec(&format!("post during the backup {n}")).await.ok());
                n += 1;
            }
            conn.close().await;
            n
        }));
    }
    let file = dir.path().join("camp.campbak");
    let (status, stderr) = ssh_to_file(server.addr, admin, "backup --with-host-key", &file).await;
    stop.store(true, Ordering::Relaxed);
    let mut during = 0;
    for t in tasks {
        during += t.await.unwrap();
    }
    assert_eq!(status, 0, "backup failed: {stderr}");
    assert!(during > 0, "the posters posted");

    // One moment of the camp: every post with all its index entries, nothing half.
    let backed_up = trees_in_backup(&file);
    let posts = keys_of(&backed_up, "posts");
    let on_timeline = keys_of(&backed_up, "timeline_camp");
    assert_eq!(
        posts, on_timeline,
        "a post without its timeline entry, or the reverse"
    );
    let by_author: BTreeSet<Vec<u8>> = keys_of(&backed_up, "posts_by_author")
        .into_iter()
        .map(|k| k[8..].to_vec())
        .collect();
    assert_eq!(posts, by_author, "a post without its author index entry");
    for id in &before_backup {
        assert!(
            posts.contains(id.to_be_bytes().as_slice()),
            "post {id}, acknowledged before the backup, is missing"
        );
    }

    // Restore into a new directory: every tree, record for record.
    let restored = tempfile::tempdir().unwrap();
    let data = restored.path().join("data");
    let keys = restored.path().join("keys");
    let (status, stdout, stderr) = restore(&file, &data, Some(&keys));
    assert_eq!(status, 0, "restore failed: {stderr}");
    let expected_line = format!(
        "restored 4 campers, {} posts, 0 follows, 0 blocks",
        posts.len()
    );
    assert!(stdout.contains(&expected_line), "{stdout}");
    assert!(stdout.contains("host key written to"), "{stdout}");
    assert_eq!(trees_on_disk(&data), backed_up);

    // The restored camp serves the same posts under the same host key.
    assert_eq!(
        std::fs::read(keys.join("ssh_host_ed25519_key")).unwrap(),
        std::fs::read(host_keys.join("ssh_host_ed25519_key")).unwrap()
    );
    let again = ServerProcess::start(restored.path(), false).await;
    assert_eq!(again.fingerprint, fingerprint);
    let timeline = exec(again.addr, admin, "timeline camp --limit 1 --json").await;
    let newest = posts.iter().max().unwrap();
    let newest = u64::from_be_bytes(newest[..].try_into().unwrap());
    assert!(
        timeline.ok().contains(&format!("\"id\":\"{newest}\"")),
        "the newest post backed up, {newest}, is not the restored camp's newest: {}",
        timeline.stdout
    );
    drop(again);
    server.stop().await;
}

#[tokio::test]
async fn truncated_flipped_and_misplaced_restores_are_refused_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), true).await;
    let admin = server.join_admin("root").await;
    exec(server.addr, &admin, "post hello").await.ok();
    let file = dir.path().join("good.campbak");
    let (status, stderr) = ssh_to_file(server.addr, &admin, "backup", &file).await;
    assert_eq!(status, 0, "{stderr}");
    drop(server);
    let good = std::fs::read(&file).unwrap();

    let target = tempfile::tempdir().unwrap();
    let refused = |bytes: &[u8], name: &str| {
        let bad = target.path().join(name);
        std::fs::write(&bad, bytes).unwrap();
        let data = target.path().join(format!("{name}-data"));
        let (status, _, stderr) = restore(&bad, &data, None);
        assert_eq!(status, 1, "{name} was restored");
        assert!(
            stderr.contains("damaged or truncated") && stderr.contains("nothing was restored"),
            "{name}: {stderr}"
        );
        assert!(!data.exists(), "{name} left {}", data.display());
    };
    refused(&good[..good.len() / 2], "half");
    refused(&good[..good.len() - 1], "one-byte-short");
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    refused(&flipped, "flipped");
    let leftovers: Vec<_> = std::fs::read_dir(target.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("restoring"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary directories left: {leftovers:?}"
    );

    // A directory that holds anything is never restored into.
    let busy = target.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), b"mine").unwrap();
    let (status, _, stderr) = restore(&file, &busy, None);
    assert_eq!(status, 1);
    assert!(stderr.contains("it is not empty"), "{stderr}");
    assert_eq!(std::fs::read_dir(&busy).unwrap().count(), 1);

    // And the good file restores into an empty one, without a host key it lacks.
    let empty = target.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (status, stdout, stderr) = restore(&file, &empty, None);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.contains("1 camper, 1 post"), "{stdout}");
}

#[tokio::test]
async fn backup_is_for_admins_and_never_for_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), true).await;
    let admin = server.join_admin("root").await;
    let code = exec(server.addr, &admin, "invite")
        .await
        .ok()
        .trim()
        .to_string();
    let camper = Key::generate();
    exec(server.addr, &camper, &format!("join {code} ana --agree"))
        .await
        .ok();

    let out = ssh(server.addr, &camper, &[], &["backup"], None).await;
    assert!(out.failed(1).contains("only admins"), "{}", out.stderr);
    assert!(out.stdout.is_empty());

    let out = ssh(server.addr, &admin, &["-tt"], &["backup"], None).await;
    assert_eq!(out.status, Some(2), "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(said.contains("not for a terminal"), "{out:?}");
    assert!(!out.stdout.contains("CAMPBAK"), "{out:?}");

    let out = ssh(server.addr, &admin, &[], &["backup", "--everything"], None).await;
    assert!(out.failed(2).contains("usage: backup"), "{}", out.stderr);

    let help = ssh(server.addr, &admin, &[], &["help"], None).await;
    assert!(help.ok().contains("backup [--with-host-key]"));
}

/// Waits (bounded) until `check` holds for the automatic backups in `dir`.
async fn wait_for_backups(
    dir: &Path,
    what: &str,
    check: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        if check(&names) {
            return names;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: automatic backups in {} are {names:?}",
            dir.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn automatic_backups_run_on_schedule_keep_the_newest_and_note_failures() {
    let backups = tempfile::tempdir().unwrap();
    let dir = backups.path().join("auto");
    let configured = dir.clone();
    let camp = crate::support::TestCamp::with_admin_using(move |c| {
        c.camp.backup_dir = Some(configured);
        c.camp.backup_every = "1s".into();
        c.camp.backup_keep = 2;
    })
    .await;
    let admin = camp.admin.as_ref().unwrap();
    exec(camp.addr, admin, "post kept safe").await.ok();
    let before: BTreeSet<String> = wait_for_backups(&dir, "listing", |_| true)
        .await
        .into_iter()
        .collect();
    // Two backups that appear after the post was acknowledged: the second one was
    // started after it, so it must hold the post.
    let seen = std::sync::Mutex::new(BTreeSet::new());
    wait_for_backups(&dir, "two new backups, old ones pruned", |names| {
        let mut seen = seen.lock().unwrap();
        seen.extend(
            names
                .iter()
                .filter(|n| n.ends_with(".campbak") && !before.contains(*n))
                .cloned(),
        );
        assert!(names.len() <= 3, "old backups are not pruned: {names:?}");
        seen.len() >= 2
    })
    .await;
    let names = wait_for_backups(&dir, "pruned to two", |n| n.len() == 2).await;
    let newest = names
        .iter()
        .map(|n| dir.join(n))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .max()
        .expect("a backup")
        .1;
    let trees = trees_in_backup(&newest);
    assert_eq!(keys_of(&trees, "posts").len(), 1);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&newest).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    camp.stop().await;

    // A directory that cannot be written: the moderators read why in the audit log.
    let blocked = backups.path().join("a-file");
    std::fs::write(&blocked, b"not a directory").unwrap();
    let camp = crate::support::TestCamp::with_admin_using(move |c| {
        c.camp.backup_dir = Some(blocked);
        c.camp.backup_every = "1s".into();
    })
    .await;
    let admin = camp.admin.as_ref().unwrap();
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        let audit = exec(camp.addr, admin, "audit").await;
        if audit.ok().contains("automatic backup into") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no audit note: {}",
            audit.stdout
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    camp.stop().await;
}
