//! Request dispatch: `service::handle_bytes` over a memory vault seeded with accounts. Every input
//! gets an answer; no panic, no internal error, no key in any answer, codes well-formed, and the
//! fresh-code rule holds (a `code` without `peek` never hands out a step already used).
#![no_main]
use libfuzzer_sys::fuzz_target;

use eproc_a2f_core::service::{handle_bytes, Context, Vault};
use eproc_a2f_core::Lang;

include!("common.rs");

fuzz_target!(|data: &[u8]| {
    let mut vault = seeded_vault();
    let now_ms = 1_764_430_012_345;
    let ctx = Context { registry: registry(), now_ms, lang: Lang::PtBr, mode: "fuzz", version: "0" };
    let before: Vec<_> = vault.accounts().unwrap();
    let answer = handle_bytes(&mut vault, &ctx, data);
    check_answer(&answer, data);
    // Twice in a row on the same vault: a second non-peek code is always a later step.
    let again = handle_bytes(&mut vault, &ctx, data);
    check_answer(&again, data);
    let is_fill = |a: &serde_json::Value| a["ok"] == true && a.get("code").is_some() && a.get("outcome").is_none();
    let peek = serde_json::from_slice::<serde_json::Value>(data).ok().map(|v| v["peek"] == true).unwrap_or(false);
    if is_fill(&answer) && is_fill(&again) && !peek && answer["user"] == again["user"] && answer["authenticator"] == again["authenticator"] {
        assert!(again["step"].as_u64() > answer["step"].as_u64(), "same step twice: {answer} / {again}");
    }
    // Nothing is lost without an explicit remove with confirm or replace.
    let after = vault.accounts().unwrap();
    for a in &before {
        let still = after.iter().any(|b| b.is(&a.authenticator, &a.user));
        if !still {
            let v: serde_json::Value = serde_json::from_slice(data).unwrap();
            assert!(v["type"] == "remove" && v["confirm"] == true, "account lost: {a:?}");
        }
    }
});
