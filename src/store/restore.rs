//! Restoring a backup into a new data directory: all of it or nothing.
//!
//! The file is read twice. The first pass checks the layout, the versions and the
//! checksum and writes nothing. The second writes the trees into a temporary directory
//! beside the target (checking the checksum again, in case the file changed under us),
//! and only a complete, flushed copy is renamed into place. A failure at any point
//! removes the temporary directory, so a refused restore leaves nothing behind.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::backup::{BackupSummary, Entry, read_backup};
use super::private;
use crate::error::{Error, Result};

/// Records written per sled batch.
const BATCH: usize = 10_000;

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// What the backup held.
    pub summary: BackupSummary,
    /// Where the host key was written, when the backup held one and keys were asked for.
    pub host_key: Option<PathBuf>,
}

fn open(file: &Path) -> Result<File> {
    File::open(file).map_err(|e| Error::io(format!("opening {}", file.display()), e))
}

/// Restores `file` into `data_dir` (which must not exist or be empty), and the host key
/// into `keys_dir` when given and the backup holds one (the key file must not exist).
pub fn restore(file: &Path, data_dir: &Path, keys_dir: Option<&Path>) -> Result<Restored> {
    if data_dir.exists() {
        let mut entries = std::fs::read_dir(data_dir)
            .map_err(|e| Error::io(format!("reading {}", data_dir.display()), e))?;
        if entries.next().is_some() {
            return Err(Error::invalid(format!(
                "refusing to restore into {}: it is not empty (restore into a new directory)",
                data_dir.display()
            )));
        }
    }
    let key_path = keys_dir.map(|d| d.join(crate::ssh::hostkey::HOST_KEY_FILE));
    if let Some(path) = key_path.as_deref().filter(|p| p.exists()) {
        return Err(Error::invalid(format!(
            "refusing to restore the host key: {} exists already",
            path.display()
        )));
    }
    // Pass one: nothing is written until the whole file is known to be sound.
    let summary = read_backup(open(file)?, |_| Ok(()))?;

    let tmp = temp_beside(data_dir)?;
    let result = write_trees(file, &tmp).and_then(|(second, host_key)| {
        if second != summary {
            return Err(Error::invalid("the backup file changed while it was read"));
        }
        let written = match (host_key, key_path) {
            (Some(key), Some(path)) => {
                if let Some(dir) = path.parent() {
                    private::create_dir(dir)?;
                }
                super::backup_file::write_new(&path, |out| {
                    out.write_all(&key)
                        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
                })?;
                Some(path)
            }
            _ => None,
        };
        if let Err(e) = std::fs::rename(&tmp, data_dir) {
            if let Some(p) = &written {
                let _ = std::fs::remove_file(p);
            }
            return Err(Error::io(
                format!("moving the restored data to {}", data_dir.display()),
                e,
            ));
        }
        Ok(written)
    });
    match result {
        Ok(host_key) => Ok(Restored { summary, host_key }),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// A new private directory beside `data_dir`, on the same file system so the final
/// rename is atomic.
fn temp_beside(data_dir: &Path) -> Result<PathBuf> {
    let name = data_dir
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} is not a directory name", data_dir.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = match data_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    private::create_dir(&parent)?;
    let tmp = parent.join(format!(".{name}.restoring-{}", std::process::id()));
    std::fs::create_dir(&tmp).map_err(|e| Error::io(format!("creating {}", tmp.display()), e))?;
    std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .map_err(|e| Error::io(format!("restricting {}", tmp.display()), e))?;
    Ok(tmp)
}

/// Pass two: every tree into a new sled database in `dir`; returns the summary of what
/// was read and the host key, if any.
fn write_trees(file: &Path, dir: &Path) -> Result<(BackupSummary, Option<Vec<u8>>)> {
    let db = sled::Config::new().path(dir).open()?;
    let mut tree: Option<sled::Tree> = None;
    let mut batch = sled::Batch::default();
    let mut pending = 0usize;
    let mut host_key = None;
    let summary = read_backup(open(file)?, |entry| {
        match entry {
            Entry::Tree(name) => {
                if let Some(t) = tree.take() {
                    t.apply_batch(std::mem::take(&mut batch))?;
                    pending = 0;
                }
                tree = Some(db.open_tree(name)?);
            }
            Entry::Record(k, v) => {
                batch.insert(k, v);
                pending += 1;
                if pending >= BATCH
                    && let Some(t) = &tree
                {
                    t.apply_batch(std::mem::take(&mut batch))?;
                    pending = 0;
                }
            }
            Entry::HostKey(k) => host_key = Some(k.to_vec()),
        }
        Ok(())
    })?;
    if let Some(t) = tree.take() {
        t.apply_batch(batch)?;
    }
    db.flush()?;
    drop(db);
    private::restrict_files(dir)?;
    Ok((summary, host_key))
}
