//! The backup file: a whole camp in one self-checking file, and the reader that
//! refuses anything it cannot vouch for.
//!
//! Layout (all integers big-endian; README "Backups" describes it for people):
//! ```text
//! "CAMPBAK\n"            8 bytes, the magic
//! u16 backup version     BACKUP_VERSION (1)
//! u32 data version       the data format of the records (store::upgrade::DATA_VERSION)
//! u64 created_ms         when the copy was taken
//! u8  flags              bit 0: a host key entry follows the trees
//! entries, each a tag byte:
//!   'T' u16 len, name                 a sled tree; the records after it are its own
//!   'R' u32 len, key, u32 len, value  one record, exactly as stored
//!   'H' u32 len, bytes                the SSH host key file (only with --with-host-key)
//!   'E' u64 trees, u64 records        the end
//! 32 bytes                SHA-256 of every byte before it
//! ```
//! The copy is taken with every writer paused ([`super::gate`]), so it is one moment of
//! the camp: a post is in it with all its index entries, or not at all.
//!
//! Reading is hostile-input parsing: every length is bounded before anything is
//! allocated, and nothing read is trusted until the checksum at the end matched, so a
//! restore reads the file twice (check, then write) rather than undo half a write.

use std::io::{BufReader, BufWriter, Read, Write};

use sha2::{Digest, Sha256};

use super::Store;
use super::codec::decode;
use super::gate::Db;
use super::upgrade::{DATA_VERSION, META_TREE, read_data_version};
use crate::error::{Error, Result};
use crate::model::Account;

/// The first bytes of every backup file.
pub const MAGIC: &[u8; 8] = b"CAMPBAK\n";
/// The layout version this camp writes and reads.
pub const BACKUP_VERSION: u16 = 1;
/// Longest tree name.
const MAX_NAME: usize = 255;
/// Longest key in any tree.
const MAX_KEY: usize = 64 << 10;
/// Longest value in any tree.
const MAX_VALUE: usize = 16 << 20;
/// Longest host key file.
const MAX_HOST_KEY: usize = 64 << 10;
/// Bit in the flags byte: a host key entry is present.
const FLAG_HOST_KEY: u8 = 1;

/// What a backup holds, counted while writing or reading it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupSummary {
    /// The data format of its records.
    pub data_version: u32,
    /// When it was taken.
    pub created_ms: u64,
    /// Trees in it.
    pub trees: u64,
    /// Records in it, in all trees.
    pub records: u64,
    /// Local accounts (not the stand-ins of remote ones).
    pub campers: u64,
    /// Posts (local and remote).
    pub posts: u64,
    /// Follows between campers.
    pub follows: u64,
    /// Blocks.
    pub blocks: u64,
    /// True when the SSH host key is in it.
    pub host_key: bool,
    /// Size of the file in bytes.
    pub bytes: u64,
}

impl BackupSummary {
    fn tally(&mut self, tree: &[u8], value: &[u8]) {
        self.records += 1;
        match tree {
            // A record this camp cannot decode is still a camper for the count.
            b"accounts" if !decode::<Account>(value).is_ok_and(|a| a.is_remote()) => {
                self.campers += 1
            }
            b"posts" => self.posts += 1,
            b"follows" => self.follows += 1,
            b"blocks" => self.blocks += 1,
            _ => {}
        }
    }

    /// One line for people: "3 campers, 120 posts, 9 follows, 1 block".
    pub fn counts_line(&self) -> String {
        let n = |count: u64, one: &str, many: &str| {
            format!("{count} {}", if count == 1 { one } else { many })
        };
        format!(
            "{}, {}, {}, {}",
            n(self.campers, "camper", "campers"),
            n(self.posts, "post", "posts"),
            n(self.follows, "follow", "follows"),
            n(self.blocks, "block", "blocks"),
        )
    }
}

/// A writer that hashes and counts what passes through it.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn len_u16(n: usize) -> [u8; 2] {
    (n as u16).to_be_bytes()
}

fn len_u32(n: usize) -> [u8; 4] {
    (n as u32).to_be_bytes()
}

impl Store {
    /// Writes the whole database to `out` as one backup file, with every writer paused
    /// while the records are copied (readers go on). `out` should be fast (a local
    /// file): the pause lasts as long as the writing does. Records too large for the
    /// format are refused rather than cut.
    pub fn write_backup(
        &self,
        out: &mut dyn Write,
        host_key: Option<&[u8]>,
        created_ms: u64,
    ) -> Result<BackupSummary> {
        write_backup(&self.db, out, host_key, created_ms)
    }
}

/// [`Store::write_backup`] over the bare database, for the upgrade's own backup, which
/// is taken before any record is read.
pub(crate) fn write_backup(
    db: &Db,
    out: &mut dyn Write,
    host_key: Option<&[u8]>,
    created_ms: u64,
) -> Result<BackupSummary> {
    if host_key.is_some_and(|k| k.len() > MAX_HOST_KEY) {
        return Err(Error::invalid("the host key file is too large to back up"));
    }
    let io = |e| Error::io("writing the backup", e);
    let held = db.exclusive();
    let data_version = read_data_version(&held.db.open_tree(META_TREE)?)?;
    let mut summary = BackupSummary {
        data_version,
        created_ms,
        host_key: host_key.is_some(),
        ..Default::default()
    };
    let mut w = Hashing {
        inner: BufWriter::with_capacity(1 << 18, out),
        hash: Sha256::new(),
        bytes: 0,
    };
    w.write_all(MAGIC).map_err(io)?;
    w.write_all(&BACKUP_VERSION.to_be_bytes()).map_err(io)?;
    w.write_all(&data_version.to_be_bytes()).map_err(io)?;
    w.write_all(&created_ms.to_be_bytes()).map_err(io)?;
    let flags = if host_key.is_some() { FLAG_HOST_KEY } else { 0 };
    w.write_all(&[flags]).map_err(io)?;
    let mut names = held.db.tree_names();
    names.sort();
    for name in names {
        if name.len() > MAX_NAME {
            return Err(Error::invalid(
                "a tree name is too long for the backup format",
            ));
        }
        let tree = held.db.open_tree(&name)?;
        summary.trees += 1;
        w.write_all(b"T").map_err(io)?;
        w.write_all(&len_u16(name.len())).map_err(io)?;
        w.write_all(&name).map_err(io)?;
        for kv in tree.iter() {
            let (k, v) = kv?;
            if k.len() > MAX_KEY || v.len() > MAX_VALUE {
                return Err(Error::invalid(
                    "a record is too large for the backup format",
                ));
            }
            w.write_all(b"R").map_err(io)?;
            w.write_all(&len_u32(k.len())).map_err(io)?;
            w.write_all(&k).map_err(io)?;
            w.write_all(&len_u32(v.len())).map_err(io)?;
            w.write_all(&v).map_err(io)?;
            summary.tally(&name, &v);
        }
    }
    drop(held);
    if let Some(key) = host_key {
        w.write_all(b"H").map_err(io)?;
        w.write_all(&len_u32(key.len())).map_err(io)?;
        w.write_all(key).map_err(io)?;
    }
    w.write_all(b"E").map_err(io)?;
    w.write_all(&summary.trees.to_be_bytes()).map_err(io)?;
    w.write_all(&summary.records.to_be_bytes()).map_err(io)?;
    let digest = w.hash.clone().finalize();
    w.inner.write_all(&digest).map_err(io)?;
    w.inner.flush().map_err(io)?;
    summary.bytes = w.bytes + digest.len() as u64;
    Ok(summary)
}

/// One entry of a backup, as the reader meets it.
pub enum Entry<'a> {
    /// A tree starts; the records that follow are its own.
    Tree(&'a [u8]),
    /// A record of the current tree.
    Record(&'a [u8], &'a [u8]),
    /// The SSH host key file.
    HostKey(&'a [u8]),
}

/// Why a file is not accepted, in words for the admin.
fn damaged(what: impl std::fmt::Display) -> Error {
    Error::invalid(format!(
        "the backup file is damaged or truncated ({what}); nothing was restored"
    ))
}

/// A reader that hashes what it reads, with bounded reads only.
struct Reader<R: Read> {
    inner: BufReader<R>,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Reader<R> {
    fn exact(&mut self, buf: &mut [u8]) -> Result<()> {
        self.inner.read_exact(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                damaged("it ends early")
            } else {
                Error::io("reading the backup", e)
            }
        })?;
        self.hash.update(&*buf);
        self.bytes += buf.len() as u64;
        Ok(())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut b = [0u8; N];
        self.exact(&mut b)?;
        Ok(b)
    }

    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Reads `len` bytes into `buf` after checking `len` against `max`.
    fn bytes_into(&mut self, buf: &mut Vec<u8>, len: usize, max: usize, what: &str) -> Result<()> {
        if len > max {
            return Err(damaged(format!("a {what} of {len} bytes")));
        }
        buf.clear();
        buf.resize(len, 0);
        self.exact(buf)
    }
}

/// Reads a backup from start to end, handing each entry to `visit` as it goes, and
/// checks the checksum at the end. Entries are not yet vouched for while `visit` sees
/// them: a caller that writes them must be able to throw everything away when this
/// returns an error. Refuses other files, newer layouts and newer data formats.
pub fn read_backup(
    from: impl Read,
    mut visit: impl FnMut(Entry<'_>) -> Result<()>,
) -> Result<BackupSummary> {
    let mut r = Reader {
        inner: BufReader::with_capacity(1 << 18, from),
        hash: Sha256::new(),
        bytes: 0,
    };
    let mut magic = [0u8; 8];
    match r.exact(&mut magic) {
        Ok(()) if &magic == MAGIC => {}
        _ => return Err(Error::invalid("this is not a camp backup file")),
    }
    let version = r.u16()?;
    if version != BACKUP_VERSION {
        return Err(Error::invalid(format!(
            "this backup has layout version {version}, and this camp reads version \
             {BACKUP_VERSION} only: restore it with the camp release that wrote it"
        )));
    }
    let data_version = r.u32()?;
    if data_version > DATA_VERSION {
        return Err(Error::invalid(format!(
            "this backup holds data format {data_version}, newer than this camp \
             understands ({DATA_VERSION}): restore it with a newer camp"
        )));
    }
    let created_ms = r.u64()?;
    let [flags] = r.array()?;
    if flags & !FLAG_HOST_KEY != 0 {
        return Err(damaged("unknown flags in the header"));
    }
    let mut summary = BackupSummary {
        data_version,
        created_ms,
        host_key: flags & FLAG_HOST_KEY != 0,
        ..Default::default()
    };
    let mut tree: Option<Vec<u8>> = None;
    let (mut key, mut value) = (Vec::new(), Vec::new());
    let mut host_key_seen = false;
    loop {
        let [tag] = r.array()?;
        match tag {
            b'T' => {
                let len = r.u16()? as usize;
                let mut name = Vec::new();
                r.bytes_into(&mut name, len, MAX_NAME, "tree name")?;
                summary.trees += 1;
                visit(Entry::Tree(&name))?;
                tree = Some(name);
            }
            b'R' => {
                let Some(name) = tree.as_deref() else {
                    return Err(damaged("a record before any tree"));
                };
                let len = r.u32()? as usize;
                r.bytes_into(&mut key, len, MAX_KEY, "key")?;
                let len = r.u32()? as usize;
                r.bytes_into(&mut value, len, MAX_VALUE, "value")?;
                summary.tally(name, &value);
                visit(Entry::Record(&key, &value))?;
            }
            b'H' if summary.host_key && !host_key_seen => {
                let len = r.u32()? as usize;
                r.bytes_into(&mut value, len, MAX_HOST_KEY, "host key")?;
                host_key_seen = true;
                visit(Entry::HostKey(&value))?;
            }
            b'E' => break,
            other => return Err(damaged(format!("an unknown entry 0x{other:02x}"))),
        }
    }
    let (trees, records) = (r.u64()?, r.u64()?);
    let expected = r.hash.clone().finalize();
    let mut stored = [0u8; 32];
    r.inner
        .read_exact(&mut stored)
        .map_err(|_| damaged("it ends before its checksum"))?;
    if stored[..] != expected[..] {
        return Err(damaged("its checksum does not match its contents"));
    }
    let mut extra = [0u8; 1];
    if r.inner
        .read(&mut extra)
        .map_err(|e| Error::io("reading the backup", e))?
        != 0
    {
        return Err(damaged("bytes after the checksum"));
    }
    if trees != summary.trees || records != summary.records || summary.host_key != host_key_seen {
        return Err(damaged("its counts do not match its entries"));
    }
    summary.bytes = r.bytes + stored.len() as u64;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Post, Visibility};

    fn sample() -> Vec<u8> {
        let s = Store::temporary().unwrap();
        for i in 0..50 {
            let p = Post {
                id: s.next_id(),
                author: 1,
                text: format!("post {i}"),
                cw: None,
                visibility: Visibility::Camp,
                reply_to: None,
                mentions: vec![],
                created_ms: 1,
                edited_ms: None,
            };
            s.insert_post(&p, true, &[1, 2]).unwrap();
        }
        s.follow(1, 2).unwrap();
        let mut out = Vec::new();
        let summary = s.write_backup(&mut out, Some(b"KEY"), 7).unwrap();
        assert_eq!((summary.posts, summary.follows), (50, 1));
        assert_eq!(summary.bytes, out.len() as u64);
        out
    }

    fn read(bytes: &[u8]) -> Result<BackupSummary> {
        read_backup(bytes, |_| Ok(()))
    }

    #[test]
    fn a_backup_reads_back_entry_by_entry() {
        let bytes = sample();
        let mut records = 0;
        let mut key = Vec::new();
        let summary = read_backup(&bytes[..], |e| {
            match e {
                Entry::Record(..) => records += 1,
                Entry::HostKey(k) => key = k.to_vec(),
                Entry::Tree(_) => {}
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(summary.posts, 50);
        assert_eq!(summary.records, records);
        assert_eq!(summary.created_ms, 7);
        assert_eq!(summary.data_version, DATA_VERSION);
        assert_eq!(key, b"KEY");
        assert_eq!(
            summary.counts_line(),
            "0 campers, 50 posts, 1 follow, 0 blocks"
        );
    }

    #[test]
    fn every_truncation_and_every_flipped_bit_is_refused() {
        let bytes = sample();
        for cut in (0..bytes.len()).step_by(7).chain([bytes.len() - 1]) {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut} was accepted");
        }
        for at in (0..bytes.len()).step_by(3) {
            let mut bad = bytes.clone();
            bad[at] ^= 0x10;
            assert!(read(&bad).is_err(), "a flip at byte {at} was accepted");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(read(&longer).is_err());
        assert!(read(&bytes).is_ok());
    }

    #[test]
    fn newer_layouts_and_data_formats_are_refused_by_name() {
        let bytes = sample();
        let mut newer = bytes.clone();
        newer[9] = 2;
        let e = read(&newer).unwrap_err().to_string();
        assert!(e.contains("layout version 2"), "{e}");
        let mut newer = bytes.clone();
        newer[10..14].copy_from_slice(&(DATA_VERSION + 1).to_be_bytes());
        let e = read(&newer).unwrap_err().to_string();
        assert!(e.contains("newer than this camp"), "{e}");
        let e = read(b"hello world, not a backup").unwrap_err().to_string();
        assert!(e.contains("not a camp backup"), "{e}");
    }
}
