//! Key parser: anything accepted re-encodes and parses back to the same bytes (plain base32 and
//! eproc's groups of four, lower case too); refusals point inside the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

use eproc_a2f_core::secret::{KeyError, SecretKey};
use eproc_a2f_core::parse_key;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    match parse_key(s) {
        Ok(p) => {
            assert!(p.key.bits() >= SecretKey::MIN_BITS);
            assert!(p.key.as_bytes().len() <= SecretKey::MAX_BYTES);
            let b32 = p.key.to_base32();
            assert_eq!(parse_key(&b32).unwrap().key, p.key);
            assert_eq!(parse_key(&p.key.to_grouped()).unwrap().key, p.key);
            assert_eq!(parse_key(&b32.to_lowercase()).unwrap().key, p.key);
            assert_eq!(p.warnings.is_empty(), p.key.bits() >= SecretKey::RECOMMENDED_BITS);
            // Debug never shows the key.
            let dbg = format!("{:?}", p);
            assert!(!dbg.contains(&b32[..16.min(b32.len())]));
        }
        Err(e) => {
            if let KeyError::InvalidChar { ch, position, .. } = e {
                assert_eq!(s.chars().nth(position - 1), Some(ch));
            }
            let _ = e.to_string();
        }
    }
});
