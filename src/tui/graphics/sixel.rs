//! camp's own sixel encoder: RGB pixels (never bytes from another server) quantised to
//! a fixed palette of 64 colours (four levels a channel), drawn in bands six pixels
//! tall, one pass per colour used in the band, runs written `!n` (run-length).
//!
//! The header `ESC P 0;1;0 q` keeps unset pixels transparent, and the raster
//! attributes `"1;1;W;H` give square pixels and the size, so the picture covers the
//! cells it was sized for and no more.

/// Palette levels per channel.
const LEVELS: u16 = 4;

/// The palette index of a colour (0..64).
pub fn index([r, g, b]: [u8; 3]) -> u8 {
    let level = |c: u8| (u16::from(c) * (LEVELS - 1) + 127) / 255;
    (level(r) * LEVELS * LEVELS + level(g) * LEVELS + level(b)) as u8
}

/// The colour of palette entry `i` in sixel's percent (0..=100) per channel.
fn percent(i: u8) -> [u16; 3] {
    let i = u16::from(i);
    let p = |l: u16| l * 100 / (LEVELS - 1);
    [
        p(i / (LEVELS * LEVELS)),
        p(i / LEVELS % LEVELS),
        p(i % LEVELS),
    ]
}

/// Appends `n` copies of sixel `c`, as a run when that is shorter.
fn run(out: &mut Vec<u8>, c: u8, n: usize) {
    if n >= 4 {
        out.push(b'!');
        out.extend_from_slice(n.to_string().as_bytes());
        out.push(c);
    } else {
        out.extend(std::iter::repeat_n(c, n));
    }
}

/// Encodes `width`×`height` RGB pixels (rows top to bottom).
pub fn encode(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    debug_assert_eq!(rgb.len(), w * h * 3);
    let indexed: Vec<u8> = rgb
        .chunks_exact(3)
        .map(|p| index([p[0], p[1], p[2]]))
        .collect();
    let mut used = [false; 64];
    for i in &indexed {
        used[*i as usize] = true;
    }
    let mut out = format!("\x1bP0;1;0q\"1;1;{width};{height}").into_bytes();
    for (i, _) in used.iter().enumerate().filter(|(_, u)| **u) {
        let [r, g, b] = percent(i as u8);
        out.extend_from_slice(format!("#{i};2;{r};{g};{b}").as_bytes());
    }
    let mut row = vec![0u8; w];
    for band in 0..h.div_ceil(6) {
        if band > 0 {
            out.push(b'-');
        }
        let y0 = band * 6;
        let mut in_band = [false; 64];
        for y in y0..(y0 + 6).min(h) {
            for i in &indexed[y * w..(y + 1) * w] {
                in_band[*i as usize] = true;
            }
        }
        let mut first = true;
        for colour in (0..64u8).filter(|c| in_band[*c as usize]) {
            for (x, bits) in row.iter_mut().enumerate() {
                *bits = (0..6)
                    .filter(|dy| y0 + dy < h && indexed[(y0 + dy) * w + x] == colour)
                    .fold(0u8, |b, dy| b | 1 << dy);
            }
            // Empty sixels at the end of a pass draw nothing: leave them out.
            let len = row.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1);
            if !first {
                out.push(b'$');
            }
            first = false;
            out.extend_from_slice(format!("#{colour}").as_bytes());
            let mut x = 0;
            while x < len {
                let n = row[x..len].iter().take_while(|b| **b == row[x]).count();
                run(&mut out, 63 + row[x], n);
                x += n;
            }
        }
    }
    out.extend_from_slice(b"\x1b\\");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_columns_are_one_hand_checked_band() {
        // 2×6: red on the left, blue on the right.
        let rgb: Vec<u8> = (0..6).flat_map(|_| [255, 0, 0, 0, 0, 255]).collect();
        let out = encode(2, 6, &rgb);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\x1bP0;1;0q\"1;1;2;6#3;2;0;0;100#48;2;100;0;0#3?~$#48~\x1b\\"
        );
    }

    #[test]
    fn runs_are_run_length_coded_and_bands_are_separated() {
        // 8×12 all red, except the last pixel row is half green.
        let mut rgb: Vec<u8> = (0..8 * 12).flat_map(|_| [255, 0, 0]).collect();
        for x in 0..4 {
            let i = (11 * 8 + x) * 3;
            rgb[i..i + 3].copy_from_slice(&[0, 255, 0]);
        }
        let out = String::from_utf8(encode(8, 12, &rgb)).unwrap();
        // Band 1 (rows 6..12): green in row 5 of the band (bit 32) for x < 4; red in
        // rows 0..5 there (bits 0..31 = '^') and in all six for x >= 4.
        assert_eq!(
            out,
            "\x1bP0;1;0q\"1;1;8;12#12;2;0;100;0#48;2;100;0;0#48!8~-#12!4_$#48!4^!4~\x1b\\"
        );
    }

    #[test]
    fn the_palette_has_at_most_64_colours_and_the_output_is_bounded() {
        // Every pixel a different colour: still 64 palette entries at most, and per
        // band at most one pass per colour of width+run overhead.
        let (w, h) = (64u32, 24u32);
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i * 7) as u8, (i * 13) as u8, (i * 29) as u8])
            .collect();
        let out = encode(w, h, &rgb);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.matches(";2;").count() <= 64);
        let bands = h.div_ceil(6) as usize;
        assert!(out.len() <= 64 * 20 + bands * 64 * (w as usize + 5) + 32);
    }
}
