// Shared by the fuzz targets (included with `include!`, each target is its own crate).
use eproc_a2f_core::service::Account;
use eproc_a2f_core::{parse_key, MemoryVault, Params, Registry};
use serde_json::Value;

/// The key seeded into every vault; no answer may ever contain it unless the input does.
pub const SEEDED_KEY: &str = "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW";
pub const SEEDED_KEY2: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

pub fn registry() -> &'static Registry {
    static R: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    R.get_or_init(Registry::builtin)
}

/// A vault with one trf4 account, two trf2 accounts (so `choose_account` is reachable) and a step
/// already used.
pub fn seeded_vault() -> MemoryVault {
    let acct = |auth: &str, user: &str, last: Option<u64>| Account {
        authenticator: auth.into(),
        user: user.into(),
        label: Some("Escritório".into()),
        params: Params::default(),
        created: 1_764_430_000,
        last_step: last,
        ..Account::default()
    };
    let k1 = parse_key(SEEDED_KEY).unwrap().key;
    let k2 = parse_key(SEEDED_KEY2).unwrap().key;
    MemoryVault {
        entries: vec![
            (acct("trf4", "RS123", Some(58_814_333)), k1.clone()),
            (acct("trf2", "A", None), k1),
            (acct("trf2", "B", None), k2),
        ],
        ..MemoryVault::default()
    }
}


/// Checks one answer: an object with `id` and boolean `ok`; errors carry a known code and a
/// message; no internal error; no seeded key (unless the input itself carried it).
pub fn check_answer(answer: &Value, input: &[u8]) {
    let obj = answer.as_object().expect("answer is an object");
    assert!(obj.contains_key("id"), "answer without id: {answer}");
    let ok = obj.get("ok").and_then(Value::as_bool).expect("answer has a boolean ok");
    if ok {
        if let Some(code) = obj.get("code") {
            let c = code.as_str().expect("code is a string");
            assert!((6..=8).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()), "bad code {c}");
        }
    } else {
        let err = &obj["error"];
        let code = err["code"].as_str().expect("error code");
        assert!(
            eproc_a2f_core::protocol::ErrorCode::ALL.iter().any(|c| c.as_str() == code),
            "unknown error code {code}"
        );
        assert_ne!(code, "internal_error", "a panic was caught: {answer} for {:?}", String::from_utf8_lossy(input));
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let text = answer.to_string().to_ascii_uppercase();
    let input = String::from_utf8_lossy(input).to_ascii_uppercase();
    for key in [SEEDED_KEY, SEEDED_KEY2] {
        // Any 16-character run of a key (80 bits) counts as a leak.
        for start in 0..=key.len() - 16 {
            let part = &key[start..start + 16];
            if !input.contains(part) {
                assert!(!text.contains(part), "key material in answer: {text}");
            }
        }
    }
}
