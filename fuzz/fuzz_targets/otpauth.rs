//! otpauth:// parser: any accepted URI survives `to_uri` → `parse` with the same key, parameters,
//! issuer and account, and `to_uri` is a fixed point after one round.
#![no_main]
use libfuzzer_sys::fuzz_target;

use eproc_a2f_core::OtpAuth;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let Ok(a) = OtpAuth::parse(s) else { return };
    a.params.validate().expect("accepted parameters are valid");
    let uri = a.to_uri();
    let b = OtpAuth::parse(&uri).unwrap_or_else(|e| panic!("own URI refused: {uri}: {e}"));
    assert_eq!(b.key, a.key, "{uri}");
    assert_eq!(b.params, a.params, "{uri}");
    // Key URI format: neither issuer nor account may contain a colon. The parser accepts them
    // (lenient input); for such names the label split is ambiguous, so compare only the rest.
    let colon = a.account.contains(':') || a.issuer.as_deref().is_some_and(|i| i.contains(':'));
    // "." and ".." as the whole label are URL dot segments, removed by the URL parser.
    let dots = a.issuer.is_none() && (a.account == "." || a.account == "..");
    if !colon && !dots {
        assert_eq!(b.issuer, a.issuer, "{uri}");
        assert_eq!(b.account, a.account, "{uri}");
        assert_eq!(b.to_uri(), uri);
    }
});
