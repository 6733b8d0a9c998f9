//! Native-messaging frames over arbitrary bytes: `read_frame` alone (small limit, so oversized
//! frames are skipped too) and a whole host `Session` over a seeded memory vault.
#![no_main]
use libfuzzer_sys::fuzz_target;

use eproc_a2f::framing::{read_frame, Incoming};
use eproc_a2f::host::Session;
use eproc_a2f_core::protocol::MAX_REQUEST_BYTES;

include!("common.rs");

/// Frames `read_frame` sees in `data` with limit `max`: (messages + too-large, ended cleanly).
fn scan(data: &[u8], max: usize) -> (usize, bool) {
    let mut r = data;
    let mut n = 0;
    loop {
        let before = r.len();
        match read_frame(&mut r, max) {
            Ok(Incoming::Eof) => {
                assert!(r.is_empty());
                return (n, true);
            }
            Ok(Incoming::Message(b)) => {
                assert!(b.len() <= max);
                assert_eq!(before - r.len(), 4 + b.len(), "consumed exactly one frame");
                n += 1;
            }
            Ok(Incoming::TooLarge { len }) => {
                assert!(len > max as u64);
                assert_eq!((before - r.len()) as u64, 4 + len, "skipped exactly one frame");
                n += 1;
            }
            Err(_) => return (n, false),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    scan(data, 64);
    let (frames, clean) = scan(data, MAX_REQUEST_BYTES);

    let mut vault = seeded_vault();
    let mut session = Session { allowed: true, registry: registry().clone(), vault: &mut vault };
    let mut out = Vec::new();
    let status = session.serve(&mut &data[..], &mut out);
    assert_eq!(status, if clean { 0 } else { 1 });

    // Only frames on stdout, one answer per frame read.
    let mut r = &out[..];
    let mut answers = 0;
    loop {
        match read_frame(&mut r, usize::MAX).expect("output is well-formed frames") {
            Incoming::Eof => break,
            Incoming::Message(body) => {
                let v: serde_json::Value = serde_json::from_slice(&body).expect("answer is JSON");
                check_answer(&v, data);
                answers += 1;
            }
            Incoming::TooLarge { .. } => unreachable!(),
        }
    }
    assert_eq!(answers, frames);
});
