//! The data directory is private: it holds every direct message, so nobody else on
//! the host may read it. It is created 0700 and the files in it are kept 0600.
//!
//! `camp serve` also sets a process umask of 077 at start (see `server`), which covers
//! the files sled creates later (snapshots, blobs); the checks here cover a directory
//! that already existed and processes that did not set the umask (the offline CLI).

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Bits that let group or others in.
const OPEN_BITS: u32 = 0o077;

/// Creates `dir` (and missing parents) with mode 0700 when it does not exist.
/// An existing directory keeps its mode ([`exposure_warning`] tells about it).
pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(format!("creating directory {}", dir.display()), e))
}

/// A warning for people when `dir` exists and group or others may read it.
pub fn exposure_warning(dir: &Path) -> Option<String> {
    let mode = std::fs::metadata(dir).ok()?.permissions().mode() & 0o777;
    (mode & OPEN_BITS != 0).then(|| {
        format!(
            "WARNING: the data directory {dir} has mode {mode:03o}: other users on this host \
             may read every direct message in it. Run: chmod 700 {dir}",
            dir = dir.display()
        )
    })
}

/// Takes group and other bits off the database's own files in `dir` (`db`, `conf`,
/// `snap.*` and the `blobs` directory), so an old database is not left readable.
/// Nothing else is touched: `--data` may point at a directory that holds more.
pub fn restrict_files(dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("reading data directory {}", dir.display()), e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        if name == "db" || name == "conf" || name.starts_with("snap.") {
            restrict(&path, false)?;
        } else if name == "blobs" && restrict(&path, true)? {
            for blob in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                restrict(&blob.path(), false)?;
            }
        }
    }
    Ok(())
}

/// Takes group and other bits off `path` when it is a file (or, with `dir`, a
/// directory) and not a symlink; true when `path` is of that kind.
fn restrict(path: &Path, dir: bool) -> Result<bool> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(false);
    };
    if (dir && !meta.is_dir()) || (!dir && !meta.is_file()) {
        return Ok(false);
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & OPEN_BITS != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))
            .map_err(|e| Error::io(format!("restricting {}", path.display()), e))?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_directories_are_private_and_open_ones_are_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("camp-data");
        create_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert!(exposure_warning(&dir).is_none());

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let w = exposure_warning(&dir).expect("a warning");
        assert!(w.contains("755") && w.contains("chmod 700"), "{w}");

        let file = dir.join("db");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let other = dir.join("notes.txt");
        std::fs::write(&other, "x").unwrap();
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o644)).unwrap();
        restrict_files(&dir).unwrap();
        let mode_of = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode_of(&file), 0o600);
        assert_eq!(
            mode_of(&other),
            0o644,
            "files that are not the database's stay"
        );
    }
}
