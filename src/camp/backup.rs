//! Backups of the whole camp: who may take one, where the copy is staged, and the
//! schedule of automatic backups.
//!
//! A backup over SSH is copied first to a private, nameless scratch file in the data
//! directory, with every writer paused only for that local copy ([`crate::store`]'s
//! write gate); the file is then streamed to the admin at whatever pace their
//! connection allows, with no writer waiting on a slow client.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::Camp;
use crate::error::{Error, Result};
use crate::model::{Id, Millis};
use crate::store::backup::BackupSummary;
use crate::store::{backup_file, now_ms};

/// Setting that holds the time of the last successful backup.
const LAST_BACKUP: &str = "backup.last_ms";
/// File names of automatic backups: `camp-<UTC time>.campbak`.
const AUTO_PREFIX: &str = "camp-";
const AUTO_SUFFIX: &str = ".campbak";

impl Camp {
    /// A backup for the admin `by`: a private scratch file holding the whole camp,
    /// rewound, ready to stream; with the SSH host key only when asked. Audited.
    pub fn backup_for(&self, by: Id, with_host_key: bool) -> Result<(File, BackupSummary)> {
        let admin = self.admin(by)?;
        let dir = self.scratch_dir();
        let (file, summary) =
            backup_file::spool(&dir, |out| self.write_backup(out, with_host_key))?;
        let what = if with_host_key {
            "with the host key"
        } else {
            "without the host key"
        };
        self.audit(
            Some(admin.id),
            "backup",
            "camp".into(),
            &format!("{what}: {}", summary.counts_line()),
        )?;
        Ok((file, summary))
    }

    /// Writes the whole camp to `out` (the host's own verb, and the building block of
    /// the others), then records the time as the last backup.
    pub fn write_backup(&self, out: &mut dyn Write, with_host_key: bool) -> Result<BackupSummary> {
        let key =
            if with_host_key {
                let path = self
                    .config()
                    .keys_dir
                    .join(crate::ssh::hostkey::HOST_KEY_FILE);
                Some(std::fs::read(&path).map_err(|e| {
                    Error::io(format!("reading the host key {}", path.display()), e)
                })?)
            } else {
                None
            };
        let now = now_ms();
        let summary = self.store().write_backup(out, key.as_deref(), now)?;
        self.store().put_setting(LAST_BACKUP, &now)?;
        Ok(summary)
    }

    /// When the last backup that completed was taken (any kind: SSH, offline, automatic).
    pub fn last_backup(&self) -> Result<Option<Millis>> {
        self.store().setting(LAST_BACKUP)
    }

    /// Writes one automatic backup into `dir` (created 0700) as
    /// `camp-YYYYMMDD-HHMMSS.campbak`, then removes the oldest ones beyond `keep`.
    pub fn automatic_backup(&self, dir: &Path, keep: usize) -> Result<PathBuf> {
        crate::store::private::create_dir(dir)?;
        let stamp = file_stamp(now_ms());
        let mut path = dir.join(format!("{AUTO_PREFIX}{stamp}{AUTO_SUFFIX}"));
        let mut n = 1;
        while path.exists() {
            n += 1;
            path = dir.join(format!("{AUTO_PREFIX}{stamp}-{n}{AUTO_SUFFIX}"));
        }
        backup_file::write_new(&path, |out| self.write_backup(out, false))?;
        prune(dir, keep.max(1))?;
        Ok(path)
    }

    /// Runs [`Camp::automatic_backup`], and on failure leaves a note for the moderators
    /// in the audit log (as well as the server log) rather than failing silently.
    pub fn automatic_backup_or_note(&self, dir: &Path, keep: usize) -> Option<PathBuf> {
        match self.automatic_backup(dir, keep) {
            Ok(path) => {
                tracing::info!("automatic backup written to {}", path.display());
                Some(path)
            }
            Err(e) => {
                tracing::error!("automatic backup into {} failed: {e}", dir.display());
                let reason = format!("automatic backup into {} failed: {e}", dir.display());
                if let Err(e) = self.audit(None, "backup-failed", "camp".into(), &reason) {
                    tracing::error!("could not note the failed backup in the audit log: {e}");
                }
                None
            }
        }
    }

    /// Where a backup over SSH is staged: the data directory (private, and on a disk
    /// with room for the data), or the system's temporary directory for a camp with no
    /// directory of its own (tests).
    fn scratch_dir(&self) -> PathBuf {
        let data = &self.config().data_dir;
        if data.is_dir() {
            data.clone()
        } else {
            std::env::temp_dir()
        }
    }
}

/// Runs the automatic backups `camp.toml` asks for until `stop` turns true: the first
/// one `every` after the newest already in the directory (at once when there is
/// none), then every `every`. A failure is noted in the audit log and tried again at
/// the next turn.
pub async fn run_schedule(camp: Camp, mut stop: tokio::sync::watch::Receiver<bool>) {
    let Some((dir, every, keep)) = camp.config().backup_schedule() else {
        return;
    };
    let since_newest = newest(&dir).and_then(|t| t.elapsed().ok()).unwrap_or(every);
    let mut next = tokio::time::Instant::now() + every.saturating_sub(since_newest);
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => return,
        }
        let (c, d) = (camp.clone(), dir.clone());
        let _ = tokio::task::spawn_blocking(move || c.automatic_backup_or_note(&d, keep)).await;
        next = tokio::time::Instant::now() + every;
    }
}

/// When the newest automatic backup in `dir` was written.
fn newest(dir: &Path) -> Option<std::time::SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with(AUTO_PREFIX) && n.ends_with(AUTO_SUFFIX)
        })
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
}

/// `YYYYMMDD-HHMMSS` in UTC, so names sort in time order.
fn file_stamp(ms: u64) -> String {
    let date = crate::text::date(ms).replace('-', "");
    let secs = (ms / 1000) % 86_400;
    format!(
        "{date}-{:02}{:02}{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Removes the oldest automatic backups in `dir` beyond the newest `keep` (by time
/// written, then name). Only files named like ours are touched.
fn prune(dir: &Path, keep: usize) -> Result<()> {
    let mut ours: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("reading {}", dir.display()), e))?
        .flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with(AUTO_PREFIX) && n.ends_with(AUTO_SUFFIX)
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    ours.sort();
    let excess = ours.len().saturating_sub(keep);
    for (_, old) in &ours[..excess] {
        std::fs::remove_file(old)
            .map_err(|e| Error::io(format!("removing old backup {}", old.display()), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camp::testing::*;

    #[test]
    fn only_admins_back_up_and_it_is_audited() {
        let (camp, ids) = camp_with(&["root", "ana"]);
        let (admin, ana) = (ids[0], ids[1]);
        let e = camp.backup_for(ana, false).unwrap_err().to_string();
        assert!(e.contains("only admins"), "{e}");
        assert_eq!(camp.last_backup().unwrap(), None);
        let (file, summary) = camp.backup_for(admin, false).unwrap();
        assert_eq!(summary.campers, 2);
        assert_eq!(file.metadata().unwrap().len(), summary.bytes);
        assert!(camp.last_backup().unwrap().is_some());
        let log = camp.audit_log(admin, None, 5).unwrap();
        assert_eq!(log[0].entry.action, "backup");
    }

    #[test]
    fn automatic_backups_keep_the_newest_and_note_failures() {
        let (camp, ids) = camp_with(&["root"]);
        let admin = ids[0];
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..4 {
            camp.automatic_backup(dir.path(), 2).unwrap();
        }
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 2);
        let not_a_dir = dir.path().join("file");
        std::fs::write(&not_a_dir, b"x").unwrap();
        assert!(camp.automatic_backup_or_note(&not_a_dir, 2).is_none());
        let log = camp.audit_log(admin, None, 5).unwrap();
        assert_eq!(log[0].entry.action, "backup-failed");
        assert!(
            log[0].entry.reason.contains("file"),
            "{}",
            log[0].entry.reason
        );
    }

    #[test]
    fn file_stamps_sort_by_time() {
        assert_eq!(file_stamp(0), "19700101-000000");
        assert_eq!(file_stamp(86_400_000 + 3_723_000), "19700102-010203");
    }
}
