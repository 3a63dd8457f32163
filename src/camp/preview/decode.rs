//! Decoding a fetched image into a small thumbnail. The bytes come from another server
//! and are hostile: the format is told by its magic bytes (never by the declared media
//! type), the dimensions are read from the header and checked against [`MAX_SIDE`] and
//! [`MAX_PIXELS`] before any pixel buffer is allocated (a few hundred bytes can
//! declare a 65,535 × 65,535 image), and only PNG and baseline/progressive JPEG are
//! decoded. Callers run [`decode`] on the blocking pool.

use std::io::Cursor;

use thiserror::Error;

/// Longest side accepted, in pixels.
pub const MAX_SIDE: u32 = 8192;
/// Most pixels accepted (Mastodon's own limit for uploads is about this).
pub const MAX_PIXELS: u64 = 8_400_000;
/// Longest side of a thumbnail.
pub const THUMB_SIDE: u32 = 192;

/// Why an image gives no preview.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    /// Neither PNG nor JPEG by its first bytes.
    #[error("not a PNG or JPEG image")]
    Format,
    /// Larger than the caps.
    #[error("the image is too large ({0}×{1})")]
    TooLarge(u32, u32),
    /// The bytes are not a valid image.
    #[error("the image is damaged")]
    Damaged,
}

/// A small RGB picture, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumb {
    /// Width in pixels (at least 1).
    pub width: u32,
    /// Height in pixels (at least 1).
    pub height: u32,
    /// `width * height` RGB triples.
    pub rgb: Vec<u8>,
}

impl Thumb {
    /// The colour at (x, y), clamped to the picture.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let (x, y) = (x.min(self.width - 1), y.min(self.height - 1));
        let i = ((y * self.width + x) * 3) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Bytes it holds (for the cache's budget).
    pub fn bytes(&self) -> usize {
        self.rgb.len()
    }
}

/// Decodes `bytes` (PNG or JPEG) into a thumbnail no larger than [`THUMB_SIDE`].
pub fn decode(bytes: &[u8]) -> Result<Thumb, DecodeError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_thumb(bytes)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        jpeg_thumb(bytes)
    } else {
        Err(DecodeError::Format)
    }
}

fn check_size(w: u32, h: u32) -> Result<(), DecodeError> {
    if w == 0 || h == 0 {
        return Err(DecodeError::Damaged);
    }
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(DecodeError::TooLarge(w, h));
    }
    Ok(())
}

fn png_thumb(bytes: &[u8]) -> Result<Thumb, DecodeError> {
    // Room for the largest accepted frame and the decoder's own rows; no more.
    let limits = png::Limits {
        bytes: (MAX_PIXELS as usize) * 4 + (1 << 20),
    };
    let mut dec = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    dec.set_transformations(png::Transformations::normalize_to_color8());
    let info = dec.read_header_info().map_err(|_| DecodeError::Damaged)?;
    check_size(info.width, info.height)?;
    let mut reader = dec.read_info().map_err(|_| DecodeError::Damaged)?;
    let size = reader.output_buffer_size().ok_or(DecodeError::Damaged)?;
    let mut buf = vec![0; size];
    let out = reader
        .next_frame(&mut buf)
        .map_err(|_| DecodeError::Damaged)?;
    let channels = match out.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(DecodeError::Damaged),
    };
    if out.bit_depth != png::BitDepth::Eight {
        return Err(DecodeError::Damaged);
    }
    Ok(shrink(&buf, out.width, out.height, out.line_size, channels))
}

fn jpeg_thumb(bytes: &[u8]) -> Result<Thumb, DecodeError> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(MAX_SIDE as usize)
        .set_max_height(MAX_SIDE as usize);
    // The frame header is read here first, so the caps hold whatever the decoder does.
    let (w, h) = jpeg_size(bytes).ok_or(DecodeError::Damaged)?;
    check_size(w, h)?;
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    dec.decode_headers().map_err(|_| DecodeError::Damaged)?;
    let info = dec.info().ok_or(DecodeError::Damaged)?;
    if (u32::from(info.width), u32::from(info.height)) != (w, h) {
        return Err(DecodeError::Damaged);
    }
    let pixels = dec.decode().map_err(|_| DecodeError::Damaged)?;
    if pixels.len() < (w * h * 3) as usize {
        return Err(DecodeError::Damaged);
    }
    Ok(shrink(&pixels, w, h, (w * 3) as usize, 3))
}

/// Width and height from a JPEG's first frame header (SOF0–SOF15 but DHT, JPG and
/// DAC), walking the segments from the start; None when there is none before the data.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    loop {
        if *bytes.get(i)? != 0xff {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        match marker {
            // Fill bytes before a marker.
            0xff => {
                i += 1;
                continue;
            }
            // Markers without a length.
            0x01 | 0xd0..=0xd7 => {
                i += 2;
                continue;
            }
            // Start of scan or end of image before any frame header.
            0xda | 0xd9 => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]));
        if len < 2 {
            return None;
        }
        if matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
            let seg = bytes.get(i + 4..i + 2 + len)?;
            let h = u16::from_be_bytes([*seg.get(1)?, *seg.get(2)?]);
            let w = u16::from_be_bytes([*seg.get(3)?, *seg.get(4)?]);
            return Some((u32::from(w), u32::from(h)));
        }
        i += 2 + len;
    }
}

/// Box-filters `src` (8-bit samples, `channels` per pixel: grey, grey+alpha, RGB or
/// RGBA; alpha is laid over black) down to fit [`THUMB_SIDE`].
fn shrink(src: &[u8], w: u32, h: u32, stride: usize, channels: usize) -> Thumb {
    let scale = (f64::from(THUMB_SIDE) / f64::from(w.max(h))).min(1.0);
    let tw = ((f64::from(w) * scale).round() as u32).max(1);
    let th = ((f64::from(h) * scale).round() as u32).max(1);
    let mut sums = vec![0u64; (tw * th * 3) as usize];
    let mut counts = vec![0u64; (tw * th) as usize];
    for y in 0..h {
        let ty = (u64::from(y) * u64::from(th) / u64::from(h)) as u32;
        let row = &src[y as usize * stride..];
        for x in 0..w {
            let tx = (u64::from(x) * u64::from(tw) / u64::from(w)) as u32;
            let p = &row[x as usize * channels..x as usize * channels + channels];
            let (rgb, a) = match channels {
                1 => ([p[0]; 3], 255),
                2 => ([p[0]; 3], p[1]),
                3 => ([p[0], p[1], p[2]], 255),
                _ => ([p[0], p[1], p[2]], p[3]),
            };
            let t = (ty * tw + tx) as usize;
            for c in 0..3 {
                sums[t * 3 + c] += u64::from(rgb[c]) * u64::from(a) / 255;
            }
            counts[t] += 1;
        }
    }
    let rgb = sums
        .iter()
        .enumerate()
        .map(|(i, s)| (s / counts[i / 3].max(1)) as u8)
        .collect();
    Thumb {
        width: tw,
        height: th,
        rgb,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A `w`×`h` PNG, left half red, right half blue.
    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        let data: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                if i % w < w / 2 {
                    [255, 0, 0]
                } else {
                    [0, 0, 255]
                }
            })
            .collect();
        wr.write_image_data(&data).unwrap();
        drop(wr);
        out
    }

    /// A PNG header (signature and IHDR with a valid CRC) declaring `w`×`h`, and no
    /// pixel data at all.
    fn png_header_only(w: u32, h: u32) -> Vec<u8> {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let crc = crc32(&ihdr);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend_from_slice(&13u32.to_be_bytes());
        out.extend_from_slice(&ihdr);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for b in data {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    /// A JPEG start (SOI and a baseline SOF0) declaring `w`×`h`.
    fn jpeg_header_only(w: u16, h: u16) -> Vec<u8> {
        let mut out = vec![0xff, 0xd8, 0xff, 0xc0, 0, 17, 8];
        out.extend_from_slice(&h.to_be_bytes());
        out.extend_from_slice(&w.to_be_bytes());
        out.extend_from_slice(&[3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
        out.extend_from_slice(&[0xff, 0xd9]);
        out
    }

    #[test]
    fn a_png_becomes_a_small_thumbnail_with_its_colours() {
        let t = decode(&png(400, 100)).unwrap();
        assert_eq!((t.width, t.height), (THUMB_SIDE, 48));
        assert_eq!(t.pixel(0, 0), [255, 0, 0]);
        assert_eq!(t.pixel(t.width - 1, 0), [0, 0, 255]);
        let small = decode(&png(8, 4)).unwrap();
        assert_eq!((small.width, small.height), (8, 4), "never enlarged");
    }

    #[test]
    fn a_huge_declared_size_is_refused_before_decoding() {
        // 40 bytes that claim 60,000 × 60,000 pixels (10 GiB as RGB).
        let bomb = png_header_only(60_000, 60_000);
        assert!(bomb.len() < 64);
        assert_eq!(decode(&bomb), Err(DecodeError::TooLarge(60_000, 60_000)));
        // Within each side but too many pixels in all.
        assert_eq!(
            decode(&png_header_only(8000, 8000)),
            Err(DecodeError::TooLarge(8000, 8000))
        );
        assert_eq!(
            decode(&jpeg_header_only(65_000, 65_000)),
            Err(DecodeError::TooLarge(65_000, 65_000))
        );
        assert_eq!(
            decode(&jpeg_header_only(4000, 4000)),
            Err(DecodeError::TooLarge(4000, 4000))
        );
    }

    /// A 16×16 baseline JPEG (CPython's test image: the Python logo on black).
    const JPEG: &[u8] = include_bytes!("../../../tests/fixtures/images/python-16.jpg");

    #[test]
    fn a_jpeg_decodes_with_its_colours() {
        let t = decode(JPEG).unwrap();
        assert_eq!((t.width, t.height), (16, 16));
        assert_eq!(jpeg_size(JPEG), Some((16, 16)));
        let corner = t.pixel(0, 0);
        assert!(corner.iter().all(|c| *c < 40), "dark corner: {corner:?}");
        let distinct: std::collections::HashSet<_> = (0..16)
            .flat_map(|y| (0..16).map(move |x| (x, y)))
            .map(|(x, y)| t.pixel(x, y))
            .collect();
        assert!(distinct.len() > 8, "a picture, not a flat colour");
    }

    #[test]
    fn other_bytes_are_not_images() {
        assert_eq!(decode(b"GIF89a...."), Err(DecodeError::Format));
        assert_eq!(decode(b"<svg/>"), Err(DecodeError::Format));
        let mut cut = png(20, 20);
        cut.truncate(cut.len() - 20);
        assert_eq!(decode(&cut), Err(DecodeError::Damaged));
        assert_eq!(decode(&png_header_only(10, 10)), Err(DecodeError::Damaged));
    }
}
