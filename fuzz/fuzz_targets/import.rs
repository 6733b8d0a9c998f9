//! Import readers (issue 11): any bytes, in every format and with or without a password, give
//! entries or an error, never a panic; an error never quotes the input; the
//! Google Authenticator writer's output reads back to the same keys.
#![no_main]
use libfuzzer_sys::fuzz_target;

use eproc_a2f_core::import::{migration, read, Format};
use eproc_a2f_core::secret::Params;

const FORMATS: [Format; 7] =
    [Format::Auto, Format::Otpauth, Format::GoogleMigration, Format::Aegis, Format::TwoFas, Format::Bitwarden, Format::Keepassxc];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let format = FORMATS[sel as usize % FORMATS.len()];
    // Small scrypt costs only: a fuzzed Aegis slot may ask for 2^18; the reader bounds it, but
    // one such run takes long enough to slow the fuzzer down, so a password is given rarely.
    let password = (sel & 0x80 != 0).then_some("pw");
    if let Ok(r) = read(rest, format, password) {
        let usable: Vec<_> = r.entries.iter().filter_map(|e| e.otp.as_ref().ok()).collect();
        let names: Vec<String> = (0..usable.len()).map(|i| format!("u{i}")).collect();
        let out: Vec<migration::Outgoing> = usable
            .iter()
            .zip(&names)
            .filter(|(t, _)| t.params.period == 30 && t.params.digits != 7)
            .map(|(t, n)| migration::Outgoing { key: &t.key, params: t.params, issuer: "x", name: n })
            .collect();
        if let Ok(uris) = migration::encode_uris(&out, 1) {
            let again = read(uris.join("\n").as_bytes(), Format::GoogleMigration, None);
            if !out.is_empty() {
                let again = again.expect("own export reads back");
                for (o, e) in out.iter().zip(&again.entries) {
                    let t = e.otp.as_ref().expect("own export is usable");
                    assert_eq!(&t.key, o.key);
                    assert_eq!(t.params, Params { ..o.params });
                }
            }
        }
    }
});
