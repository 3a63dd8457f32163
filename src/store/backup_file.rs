//! Backup files on disk: private (0600) from their first byte, and never seen half
//! written under their final name.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::error::{Error, Result};

fn private_new(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(format!("creating {}", path.display()), e))
}

/// Writes a new file at `path` (refusing to replace one) through `write`: first under
/// a temporary name beside it, synced, then renamed, so a failed or interrupted
/// backup leaves no file that looks complete.
pub fn write_new<T>(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    if path.exists() {
        return Err(Error::invalid(format!("{} exists already", path.display())));
    }
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".partial");
    let tmp = Path::new(&tmp_name);
    let result = (|| {
        let mut file = private_new(tmp)?;
        let value = write(&mut file)?;
        file.sync_all()
            .map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
        std::fs::rename(tmp, path)
            .map_err(|e| Error::io(format!("naming {}", path.display()), e))?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    result
}

/// A private scratch file in `dir` with no name (unlinked at once, so it goes away
/// with the process whatever happens), filled by `write` and rewound for reading.
pub fn spool<T>(dir: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<(File, T)> {
    let path = dir.join(format!(
        ".camp-backup-{}-{}.tmp",
        std::process::id(),
        super::now_ms()
    ));
    let mut file = private_new(&path)?;
    let _ = std::fs::remove_file(&path);
    let value = write(&mut file)?;
    file.flush()
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .map_err(|e| Error::io("rewinding the backup scratch file", e))?;
    Ok((file, value))
}
