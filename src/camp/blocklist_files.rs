//! Blocklist files: where a subscription by path may be read from, and how.
//!
//! The threat is the admin verb itself: whoever holds an admin key (or stole one)
//! must not make the server read any path on the host. A FIFO would hang the read
//! (and with it shutdown), `/dev/zero` would fill memory, and an error that differs
//! between "missing" and "forbidden" tells which files exist. So a subscription file
//! is read only from one directory (`blocklist_dir`): a path relative to it, or an
//! absolute one inside it, with no `..` and no symlink leading out; only a regular
//! file, opened without blocking and without following a last symlink, at most
//! [`MAX_IMPORT_BYTES`] of it, within [`READ_TIMEOUT`]. Every refusal reads the same
//! whatever is (or is not) at the path. The one entry point is [`read`].

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::camp::domains::MAX_IMPORT_BYTES;

/// Longest a subscription file may take to read before it is skipped.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The one refusal for a path that cannot be read, whatever the reason: it names
/// only the directory that is allowed.
fn refused(source: &str, dir: &Path) -> String {
    format!(
        "{source} is not a regular file inside the blocklist directory {} (give a file name there)",
        dir.display()
    )
}

/// Where `source` lives inside `dir`, all symlinks resolved.
pub fn resolve(dir: &Path, source: &str) -> Result<PathBuf, String> {
    let given = Path::new(source);
    if source.is_empty() || given.components().any(|c| c == Component::ParentDir) {
        return Err(refused(source, dir));
    }
    let root = dir.canonicalize().map_err(|_| {
        format!(
            "the blocklist directory {} does not exist; create it and put the file there",
            dir.display()
        )
    })?;
    let inside = if given.is_absolute() {
        let rest = given
            .strip_prefix(&root)
            .or_else(|_| given.strip_prefix(dir))
            .map_err(|_| refused(source, dir))?;
        root.join(rest)
    } else {
        root.join(given)
    };
    // Symlinks inside may point anywhere: what counts is where they lead.
    let real = inside.canonicalize().map_err(|_| refused(source, dir))?;
    if !real.starts_with(&root) || real == root {
        return Err(refused(source, dir));
    }
    Ok(real)
}

/// Reads subscription `source` from `dir` as UTF-8 text, or says why not in a line
/// for people.
pub fn read(dir: &Path, source: &str) -> Result<String, String> {
    let path = resolve(dir, source)?;
    let (source, dir) = (source.to_string(), dir.to_path_buf());
    let shown = source.clone();
    within(READ_TIMEOUT, move || read_regular(&path, &source, &dir)).unwrap_or_else(|| {
        Err(format!(
            "reading {shown} took longer than {} seconds; skipped",
            READ_TIMEOUT.as_secs()
        ))
    })
}

fn read_regular(path: &Path, source: &str, dir: &Path) -> Result<String, String> {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|_| refused(source, dir))?;
    // Checked on the opened file, so nothing can be swapped in between.
    let meta = file.metadata().map_err(|_| refused(source, dir))?;
    if !meta.is_file() {
        return Err(refused(source, dir));
    }
    let too_big = || format!("{source} is larger than {MAX_IMPORT_BYTES} bytes");
    if meta.len() > MAX_IMPORT_BYTES as u64 {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(MAX_IMPORT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| format!("{source} could not be read"))?;
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|_| format!("{source} is not UTF-8 text"))
}

/// Runs `work` on a thread of its own and waits at most `limit` for it; `None` when
/// it took longer (the thread is left to finish alone, holding nothing shared).
fn within<T: Send + 'static>(
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("camp-blocklist-read".into())
        .spawn(move || {
            let _ = tx.send(work());
        });
    spawned.ok()?;
    rx.recv_timeout(limit).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn only_regular_files_inside_the_directory_are_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("blocklists");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("list.csv"), "bad.example\n").unwrap();
        let outside = tmp.path().join("secret.csv");
        std::fs::write(&outside, "x\n").unwrap();
        symlink(&outside, dir.join("out.csv")).unwrap();
        symlink(dir.join("list.csv"), dir.join("alias.csv")).unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();

        assert_eq!(read(&dir, "list.csv").unwrap(), "bad.example\n");
        let absolute = dir.join("list.csv");
        assert!(read(&dir, absolute.to_str().unwrap()).is_ok());
        assert!(
            read(&dir, "alias.csv").is_ok(),
            "a symlink that stays inside"
        );

        // Outside, missing, escaping or not a file: one and the same answer.
        let missing = tmp.path().join("missing.csv");
        let cases = [
            outside.to_str().unwrap().to_string(),
            missing.to_str().unwrap().to_string(),
            "../secret.csv".into(),
            "out.csv".into(),
            "sub".into(),
            "nope.csv".into(),
            "/dev/zero".into(),
            "/etc/passwd".into(),
        ];
        for source in &cases {
            let e = read(&dir, source).unwrap_err();
            assert_eq!(e, refused(source, &dir), "{source}");
        }
    }

    #[test]
    fn size_is_capped_and_slow_reads_time_out() {
        let tmp = tempfile::tempdir().unwrap();
        let big = tmp.path().join("big.csv");
        std::fs::write(&big, vec![b'a'; MAX_IMPORT_BYTES + 1]).unwrap();
        assert!(read(tmp.path(), "big.csv").unwrap_err().contains("larger"));

        let (_keep, blocked) = std::sync::mpsc::channel::<()>();
        let r = within(Duration::from_millis(50), move || {
            let _ = blocked.recv();
        });
        assert!(r.is_none(), "a read that never ends is given up on");
        assert_eq!(within(Duration::from_secs(5), || 7), Some(7));
    }
}

#[cfg(test)]
mod service_tests {
    use crate::camp::testing::key;
    use crate::camp::{Camp, InviteOptions};
    use crate::config::Config;
    use crate::model::Role;
    use crate::store::Store;

    #[test]
    fn admins_subscribe_to_files_in_the_blocklist_directory_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("lists");
        std::fs::create_dir(&dir).unwrap();
        let mut config = Config::with_dirs(tmp.path(), tmp.path());
        config.camp.blocklist_dir = Some(dir.clone());
        let camp = Camp::with_store(Store::temporary().unwrap(), config);
        let code = camp.admin_invite().unwrap().unwrap();
        let ana = camp.join(&key(1), &code, "ana", true).unwrap().id;
        let invite = camp.create_invite(ana, InviteOptions::default()).unwrap();
        let mo = camp.join(&key(2), &invite.code, "mo", true).unwrap().id;
        camp.set_role(ana, "mo", Role::Moderator).unwrap();

        std::fs::write(
            dir.join("list.csv"),
            "#domain,#severity\nsub.example,suspend\n",
        )
        .unwrap();
        assert!(
            camp.subscribe_blocklist(mo, "list.csv").is_err(),
            "admins only"
        );
        let s = camp.subscribe_blocklist(ana, "list.csv").unwrap();
        assert!(s.last_result.contains("added 1"), "{}", s.last_result);
        let b = camp.store().domain_block("sub.example").unwrap().unwrap();
        assert_eq!(b.source.as_deref(), Some("list.csv"));
        std::fs::write(dir.join("list.csv"), "more.example\n").unwrap();
        camp.refresh_subscriptions().unwrap();
        assert!(camp.store().domain_block("more.example").unwrap().is_some());

        let outside = tmp.path().join("outside.csv");
        std::fs::write(&outside, "x.example\n").unwrap();
        let e = camp
            .subscribe_blocklist(ana, outside.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("inside the blocklist directory"), "{e}");
        assert_eq!(camp.subscriptions(ana).unwrap().len(), 1, "nothing stored");
    }
}
