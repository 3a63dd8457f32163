//! A gzip-compressed ustar archive of a few small files, written in memory: what
//! `export` hands a camper. The header is written by hand (a few fixed fields), so no
//! tar crate is needed; names are ours, never a camper's text.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::error::{Error, Result};

/// Builds a `.tar.gz` from `(name, contents)` pairs, in order.
pub fn tar_gz(files: &[(&str, Vec<u8>)], mtime_secs: u64) -> Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    let io = |e: std::io::Error| Error::io("compressing the archive", e);
    for (name, data) in files {
        gz.write_all(&header(name, data.len() as u64, mtime_secs)?)
            .map_err(io)?;
        gz.write_all(data).map_err(io)?;
        let pad = (512 - data.len() % 512) % 512;
        gz.write_all(&vec![0u8; pad]).map_err(io)?;
    }
    // The end of an archive: two empty blocks.
    gz.write_all(&[0u8; 1024]).map_err(io)?;
    gz.finish().map_err(io)
}

/// One ustar header block for a regular file, mode 0600.
fn header(name: &str, size: u64, mtime_secs: u64) -> Result<[u8; 512]> {
    if name.is_empty() || name.len() > 99 || !name.is_ascii() {
        return Err(Error::invalid(format!("bad archive member name {name:?}")));
    }
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], 0o600);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime_secs);
    h[148..156].copy_from_slice(b"        ");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..269].copy_from_slice(b"camp");
    h[297..301].copy_from_slice(b"camp");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    // Six octal digits, NUL, space: the form every tar reads.
    let digits = format!("{sum:06o}");
    h[148..154].copy_from_slice(digits.as_bytes());
    h[154] = 0;
    h[155] = b' ';
    Ok(h)
}

/// Writes `value` as zero-padded octal filling the field but its last byte (NUL).
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let s = format!("{value:0width$o}");
    field[..width].copy_from_slice(&s.as_bytes()[s.len() - width..]);
    field[width] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Reads the archive back with our own reader of the same format: names, sizes,
    /// contents and the header checksum.
    fn members(tgz: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(tgz)
            .read_to_end(&mut raw)
            .unwrap();
        let mut out = Vec::new();
        let mut at = 0;
        while raw[at..at + 512].iter().any(|b| *b != 0) {
            let h = &raw[at..at + 512];
            let name_end = h.iter().position(|b| *b == 0).unwrap();
            let size = u64::from_str_radix(std::str::from_utf8(&h[124..135]).unwrap(), 8).unwrap();
            let stored =
                u32::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap();
            let mut blank = h.to_vec();
            blank[148..156].copy_from_slice(b"        ");
            assert_eq!(stored, blank.iter().map(|b| u32::from(*b)).sum::<u32>());
            let data = raw[at + 512..at + 512 + size as usize].to_vec();
            out.push((String::from_utf8(h[..name_end].to_vec()).unwrap(), data));
            at += 512 + (size as usize).div_ceil(512) * 512;
        }
        out
    }

    #[test]
    fn files_come_back_whole_and_in_order() {
        let big = vec![b'x'; 1500];
        let tgz = tar_gz(
            &[
                ("a.json", b"{}".to_vec()),
                ("b.csv", big.clone()),
                ("e", vec![]),
            ],
            1,
        )
        .unwrap();
        let m = members(&tgz);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0], ("a.json".into(), b"{}".to_vec()));
        assert_eq!(m[1], ("b.csv".into(), big));
        assert_eq!(m[2], ("e".into(), vec![]));
    }

    #[test]
    fn odd_names_are_refused() {
        assert!(tar_gz(&[("", vec![])], 0).is_err());
        assert!(tar_gz(&[(&"n".repeat(100), vec![])], 0).is_err());
    }
}
