//! The data format version and the migration path between versions.
//!
//! The database records its data format in the `meta` tree (key `data_version`, a
//! big-endian u32, outside the record codec so any release can read it). Opening a
//! database checks it before anything else reads a record:
//! - newer than [`DATA_VERSION`]: refused with a clear message, nothing read or written;
//! - older: a backup of the whole database is written next to the data directory, then
//!   each migration runs once, in order, and the new version is recorded and flushed;
//!   each step is logged;
//! - absent on a database that holds records: version 1, everything written before the
//!   meta key existed; absent on a new, empty database: stamped with today's version.
//!
//! A migration that changes records decodes them with the codec's version byte
//! ([`super::codec`]) and writes them back in today's shape.

use std::path::{Path, PathBuf};

use super::gate::Db;
use crate::error::{Error, Result};

/// The tree that holds facts about the database itself.
pub const META_TREE: &str = "meta";
/// Key of the data format version in [`META_TREE`].
const DATA_VERSION_KEY: &[u8] = b"data_version";
/// The data format this release writes.
pub const DATA_VERSION: u32 = 2;
/// The version of a database written before the meta key existed.
const UNSTAMPED: u32 = 1;

/// One step from `from` to `from + 1`: what it does (for the log) and how.
struct Migration {
    from: u32,
    what: &'static str,
    run: fn(&Db) -> Result<u64>,
}

/// Every step, oldest first. Version 1 databases hold today's records already; their
/// upgrade only records the version, so later steps know where they start.
const MIGRATIONS: &[Migration] = &[Migration {
    from: 1,
    what: "record the data format version in the meta tree",
    run: |_| Ok(0),
}];

/// Reads the recorded data format version from an opened `meta` tree (1 when absent).
pub(crate) fn read_data_version(meta: &sled::Tree) -> Result<u32> {
    match meta.get(DATA_VERSION_KEY)? {
        None => Ok(UNSTAMPED),
        Some(v) => match <[u8; 4]>::try_from(&v[..]) {
            Ok(b) => Ok(u32::from_be_bytes(b)),
            Err(_) => Err(Error::Codec(
                "the data format version record is damaged".into(),
            )),
        },
    }
}

/// What opening did to the database's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upgrade {
    /// Already today's format.
    Current,
    /// A new database, stamped with today's format.
    Stamped,
    /// Migrated from `from`, after a backup written to `backup`.
    Migrated {
        /// The version found.
        from: u32,
        /// The backup taken before the first change.
        backup: PathBuf,
    },
}

/// Checks the database's format and migrates it when it is older (see the module doc).
/// `dir` is the data directory, beside which the pre-upgrade backup goes (`None` for a
/// temporary database, which is always new).
pub(crate) fn prepare(db: &Db, dir: Option<&Path>) -> Result<Upgrade> {
    let raw = db.exclusive();
    let meta = raw.db.open_tree(META_TREE)?;
    let stamped = meta.get(DATA_VERSION_KEY)?.is_some();
    let holds_records = raw
        .db
        .tree_names()
        .iter()
        .filter(|n| &n[..] != META_TREE.as_bytes())
        .any(|n| raw.db.open_tree(n).is_ok_and(|t| !t.is_empty()));
    let found = read_data_version(&meta)?;
    drop(raw);
    if found > DATA_VERSION {
        return Err(Error::Config(format!(
            "this data was written by a newer camp (data format {found}; this camp reads up \
             to {DATA_VERSION}). Nothing was read or changed: run the newer camp, or restore \
             a backup made by this one"
        )));
    }
    if !stamped && !holds_records {
        stamp(db, DATA_VERSION)?;
        return Ok(Upgrade::Stamped);
    }
    if found == DATA_VERSION {
        return Ok(Upgrade::Current);
    }
    let Some(dir) = dir else {
        return Err(Error::Config(
            "an old temporary database cannot be upgraded".into(),
        ));
    };
    let backup = backup_beside(db, dir, found)?;
    tracing::info!(
        "data format {found} is older than {DATA_VERSION}: backed up to {} before upgrading",
        backup.display()
    );
    for step in MIGRATIONS.iter().filter(|m| m.from >= found) {
        let changed = (step.run)(db)?;
        stamp(db, step.from + 1)?;
        tracing::info!(
            "upgraded data format {} -> {}: {} ({changed} records changed)",
            step.from,
            step.from + 1,
            step.what
        );
    }
    Ok(Upgrade::Migrated {
        from: found,
        backup,
    })
}

fn stamp(db: &Db, version: u32) -> Result<()> {
    db.open_tree(META_TREE)?
        .insert(DATA_VERSION_KEY, &version.to_be_bytes())?;
    db.flush()?;
    Ok(())
}

/// Writes `DIR-before-vN-<time>.campbak` beside `dir`, 0600.
fn backup_beside(db: &Db, dir: &Path, from: u32) -> Result<PathBuf> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "camp-data".into());
    let now = super::now_ms();
    let path = dir.with_file_name(format!("{name}-v{from}-before-upgrade-{now}.campbak"));
    super::backup_file::write_new(&path, |out| super::backup::write_backup(db, out, None, now))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Db {
        Db::new(sled::Config::new().temporary(true).open().unwrap())
    }

    #[test]
    fn a_new_database_is_stamped_and_a_newer_one_refused() {
        let db = db();
        assert_eq!(prepare(&db, None).unwrap(), Upgrade::Stamped);
        assert_eq!(prepare(&db, None).unwrap(), Upgrade::Current);
        stamp(&db, DATA_VERSION + 1).unwrap();
        let e = prepare(&db, None).unwrap_err().to_string();
        assert!(e.contains("written by a newer camp"), "{e}");
    }

    #[test]
    fn an_unstamped_database_with_records_is_migrated_after_a_backup() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        let db = Db::new(sled::Config::new().path(&dir).open().unwrap());
        db.open_tree("posts").unwrap().insert(b"k", b"v").unwrap();
        let Upgrade::Migrated { from, backup } = prepare(&db, Some(&dir)).unwrap() else {
            panic!("not migrated")
        };
        assert_eq!(from, 1);
        let file = std::fs::File::open(&backup).unwrap();
        let summary = super::super::backup::read_backup(file, |_| Ok(())).unwrap();
        assert_eq!((summary.data_version, summary.records), (1, 1));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(prepare(&db, Some(&dir)).unwrap(), Upgrade::Current);
    }
}
