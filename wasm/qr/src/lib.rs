//! QR decoding for the enrollment helper: the page shows the key twice, as a QR image and as
//! text, and the helper reads both and checks that they agree before enrolling.
//!
//! A separate WASM module from the core (`eproc-a2f-wasm`) so that login pages never load it.
//! Input is RGBA pixels (`ImageData.data` from a canvas); output is JSON. Nothing is kept.

use serde_json::json;
use wasm_bindgen::prelude::*;

/// Larger images are refused (a QR code on an enrollment page is a few hundred pixels wide).
pub const MAX_SIDE: u32 = 4096;
/// Small images (a QR drawn with 1-2 px per module) are scaled up to about this many pixels on
/// the short side before detection: the detector needs a few pixels per module.
const MIN_SIDE: u32 = 240;
/// White border added around the image, in scaled pixels: the quiet zone may be cropped.
const BORDER: u32 = 16;

/// Luminance of an RGBA pixel composited over white (transparent PNG backgrounds are common).
fn luma(px: &[u8]) -> u8 {
    let (r, g, b, a) = (px[0] as u32, px[1] as u32, px[2] as u32, px[3] as u32);
    let y = (r * 299 + g * 587 + b * 114) / 1000;
    ((y * a + 255 * (255 - a)) / 255) as u8
}

/// Decodes every QR code found in an RGBA image. Returns `{"ok": true, "texts": [..]}` (possibly
/// empty: no QR code found) or `{"ok": false, "detail": ".."}` for unusable input.
pub fn decode_rgba(rgba: &[u8], width: u32, height: u32) -> Result<Vec<String>, String> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!("image size {width}x{height} is not supported (1 to {MAX_SIDE} pixels a side)"));
    }
    let (w, h) = (width as usize, height as usize);
    if rgba.len() != w * h * 4 {
        return Err(format!("expected {} bytes of RGBA for {width}x{height}, got {}", w * h * 4, rgba.len()));
    }
    let short = width.min(height);
    let scale = if short < MIN_SIDE { MIN_SIDE.div_ceil(short).min(8) } else { 1 } as usize;
    let border = BORDER as usize;
    let (sw, sh) = (w * scale + 2 * border, h * scale + 2 * border);
    let mut texts = Vec::new();
    for invert in [false, true] {
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(sw, sh, |x, y| {
            if x < border || y < border || x >= sw - border || y >= sh - border {
                return if invert { 0 } else { 255 };
            }
            let (ox, oy) = ((x - border) / scale, (y - border) / scale);
            let i = (oy * w + ox) * 4;
            let v = luma(&rgba[i..i + 4]);
            if invert {
                255 - v
            } else {
                v
            }
        });
        for grid in img.detect_grids() {
            if let Ok((_, content)) = grid.decode() {
                if !texts.contains(&content) {
                    texts.push(content);
                }
            }
        }
        if !texts.is_empty() {
            break;
        }
    }
    Ok(texts)
}

/// JS entry: `decode_qr(imageData.data, imageData.width, imageData.height)` →
/// `{"ok": true, "texts": ["otpauth://totp/..."]}` or `{"ok": false, "detail": "..."}`.
#[wasm_bindgen]
pub fn decode_qr(rgba: &[u8], width: u32, height: u32) -> String {
    match decode_rgba(rgba, width, height) {
        Ok(texts) => json!({"ok": true, "texts": texts}),
        Err(detail) => json!({"ok": false, "detail": detail}),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders a QR code as RGBA, `px` pixels per module, with a quiet zone of `quiet` modules.
    fn render(text: &str, px: usize, quiet: usize, transparent: bool) -> (Vec<u8>, u32) {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = code.width();
        let colors = code.to_colors();
        let side = (n + 2 * quiet) * px;
        let mut rgba = vec![0u8; side * side * 4];
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = ((x / px) as isize - quiet as isize, (y / px) as isize - quiet as isize);
                let dark = mx >= 0 && my >= 0 && (mx as usize) < n && (my as usize) < n
                    && colors[my as usize * n + mx as usize] == qrcode::Color::Dark;
                let i = (y * side + x) * 4;
                if dark {
                    rgba[i..i + 4].copy_from_slice(&[0, 0, 0, 255]);
                } else if transparent {
                    rgba[i..i + 4].copy_from_slice(&[0, 0, 0, 0]);
                } else {
                    rgba[i..i + 4].copy_from_slice(&[255, 255, 255, 255]);
                }
            }
        }
        (rgba, side as u32)
    }

    const URI: &str = "otpauth://totp/TRF4:RS123?secret=MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW&issuer=TRF4";

    #[test]
    fn reads_keycloak_and_eproc_like_images() {
        for (px, quiet, transparent) in [(4, 4, false), (1, 0, false), (2, 1, true), (6, 0, true)] {
            let (rgba, side) = render(URI, px, quiet, transparent);
            assert_eq!(decode_rgba(&rgba, side, side).unwrap(), vec![URI.to_owned()], "px={px} quiet={quiet}");
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(decode_rgba(&[], 0, 0).is_err());
        assert!(decode_rgba(&[0; 15], 2, 2).is_err());
        assert!(decode_rgba(&[255; 4 * 50 * 50], 50, 50).unwrap().is_empty());
    }

    /// Noise and damaged codes never panic (a panic would abort the WASM instance).
    #[test]
    fn noise_and_damaged_codes_do_not_panic() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for i in 0..30u32 {
            let (w, h) = (20 + (next() % 180) as u32, 20 + (next() % 180) as u32);
            let rgba: Vec<u8> = (0..w * h).flat_map(|_| { let v = if next() % 2 == 0 { 0 } else { 255 }; [v, v, v, 255] }).collect();
            let _ = decode_rgba(&rgba, w, h);
            // A real code with damaged modules.
            let (mut rgba, side) = render(URI, 2 + (i as usize % 3), 2, false);
            for _ in 0..(i * 40) {
                let p = (next() as usize % (rgba.len() / 4)) * 4;
                let v = if next() % 2 == 0 { 0 } else { 255 };
                rgba[p..p + 3].copy_from_slice(&[v, v, v]);
            }
            let _ = decode_rgba(&rgba, side, side);
        }
    }
}
