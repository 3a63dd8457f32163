//! camp's own encoder for the kitty graphics protocol: RGB pixels (never bytes from
//! another server) as base64 in chunks of at most [`CHUNK`] bytes, shown with `a=T` and a
//! placement sized in cells (`c=…,r=…`), replies suppressed (`q=2`) and the cursor left
//! where it was (`C=1`). One image id per session: a new picture replaces the old one
//! under the same id, and `a=d` takes it away.

use std::io::Write;

use base64ct::{Base64, Encoding};

/// Most base64 bytes in one escape sequence (the protocol's limit).
pub const CHUNK: usize = 4096;

/// `ESC _ G … ESC \` with `control` keys and `payload`.
fn apc(out: &mut Vec<u8>, control: &str, payload: &[u8]) {
    out.extend_from_slice(b"\x1b_G");
    out.extend_from_slice(control.as_bytes());
    if !payload.is_empty() {
        out.push(b';');
        out.extend_from_slice(payload);
    }
    out.extend_from_slice(b"\x1b\\");
}

/// Transmits `width`×`height` RGB pixels as image `id` and places it over `cols`×`rows`
/// cells at the cursor. The pixels are zlib-compressed (`o=z`) when that is smaller.
pub fn transmit(id: u32, width: u32, height: u32, rgb: &[u8], cols: u16, rows: u16) -> Vec<u8> {
    debug_assert_eq!(rgb.len(), (width * height * 3) as usize);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let packed = z.write_all(rgb).and_then(|_| z.finish()).ok();
    let (data, compression) = match packed {
        Some(p) if p.len() < rgb.len() => (p, ",o=z"),
        _ => (rgb.to_vec(), ""),
    };
    let b64 = Base64::encode_string(&data);
    let chunks: Vec<&[u8]> = b64.as_bytes().chunks(CHUNK).collect();
    let mut out = Vec::with_capacity(b64.len() + chunks.len() * 16 + 96);
    for (i, chunk) in chunks.iter().enumerate() {
        let more = u8::from(i + 1 < chunks.len());
        let control = if i == 0 {
            format!(
                "a=T,f=24,s={width},v={height}{compression},i={id},c={cols},r={rows},C=1,q=2,m={more}"
            )
        } else {
            format!("m={more}")
        };
        apc(&mut out, &control, chunk);
    }
    out
}

/// Places image `id` (already transmitted) again over `cols`×`rows` cells at the cursor.
pub fn place(id: u32, cols: u16, rows: u16) -> Vec<u8> {
    let mut out = Vec::new();
    apc(
        &mut out,
        &format!("a=p,i={id},c={cols},r={rows},C=1,q=2"),
        b"",
    );
    out
}

/// Takes image `id`'s placements off the screen, keeping its pixels for [`place`].
pub fn hide(id: u32) -> Vec<u8> {
    let mut out = Vec::new();
    apc(&mut out, &format!("a=d,d=i,i={id},q=2"), b"");
    out
}

/// Deletes image `id`: its placements and its pixels.
pub fn delete(id: u32) -> Vec<u8> {
    let mut out = Vec::new();
    apc(&mut out, &format!("a=d,d=I,i={id},q=2"), b"");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tiny_image_is_one_hand_checked_sequence() {
        // Two pixels, red and blue: 6 bytes compress to more than 6, so sent raw.
        let out = transmit(7, 2, 1, &[255, 0, 0, 0, 0, 255], 3, 2);
        // base64 of ff 00 00 00 00 ff is "/wAAAAD/".
        assert_eq!(
            out,
            b"\x1b_Ga=T,f=24,s=2,v=1,i=7,c=3,r=2,C=1,q=2,m=0;/wAAAAD/\x1b\\".to_vec()
        );
        assert_eq!(
            place(7, 3, 2),
            b"\x1b_Ga=p,i=7,c=3,r=2,C=1,q=2\x1b\\".to_vec()
        );
        assert_eq!(delete(7), b"\x1b_Ga=d,d=I,i=7,q=2\x1b\\".to_vec());
        assert_eq!(hide(7), b"\x1b_Ga=d,d=i,i=7,q=2\x1b\\".to_vec());
    }

    #[test]
    fn a_larger_image_goes_in_chunks_of_at_most_4096_and_only_the_last_says_m0() {
        // Noise does not compress: about 12 KB of pixels, 16 KB of base64.
        let (w, h) = (64u32, 64u32);
        let mut seed = 0x1234_5678u32;
        let rgb: Vec<u8> = (0..w * h * 3)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect();
        let out = transmit(1, w, h, &rgb, 10, 5);
        let text = String::from_utf8(out.clone()).unwrap();
        let seqs: Vec<&str> = text
            .split("\x1b\\")
            .filter(|s| !s.is_empty())
            .map(|s| s.strip_prefix("\x1b_G").expect("every piece is an APC"))
            .collect();
        assert!(seqs.len() >= 4, "{}", seqs.len());
        let mut payload = String::new();
        for (i, s) in seqs.iter().enumerate() {
            let (control, data) = s.split_once(';').unwrap();
            assert!(data.len() <= CHUNK);
            let last = i + 1 == seqs.len();
            if i == 0 {
                assert!(
                    control.starts_with("a=T,f=24,s=64,v=64,i=1,c=10,r=5"),
                    "{control}"
                );
            } else {
                assert_eq!(control, if last { "m=0" } else { "m=1" });
            }
            payload.push_str(data);
        }
        assert_eq!(Base64::decode_vec(&payload).unwrap(), rgb);
        // Bounded: base64 of the pixels plus a little per chunk.
        assert!(out.len() < rgb.len() * 4 / 3 + 64 * seqs.len());
    }

    #[test]
    fn a_flat_image_is_compressed() {
        let rgb = vec![9u8; 32 * 32 * 3];
        let out = transmit(2, 32, 32, &rgb, 4, 2);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(",o=z,"), "{text}");
        assert!(text.len() < 200, "{}", text.len());
        let data = text.split_once(';').unwrap().1.trim_end_matches("\x1b\\");
        let packed = Base64::decode_vec(data).unwrap();
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::ZlibDecoder::new(&packed[..]),
            &mut unpacked,
        )
        .unwrap();
        assert_eq!(unpacked, rgb);
    }
}
