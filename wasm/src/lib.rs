//! WASM bindings of `eproc-a2f-core` for the extension's browser mode.
//!
//! The module keeps nothing: no keys, no clock. The JavaScript side owns the encrypted store,
//! decrypts the vault JSON for one call, passes the time in (`Date.now()`), and writes back the
//! vault this module returns when (and only when) it changed. Every answer comes from
//! `core::service::handle_bytes`, so browser mode speaks exactly the native host's protocol.
//!
//! All functions take and return strings (JSON where structured): that keeps the generated glue
//! small and the interface identical in browsers and node.
//!
//! ## Vault JSON (format owned by this crate; the JS store encrypts it at rest)
//! ```json
//! {"format": "eproc-a2f-vault", "v": 1, "accounts": [
//!   {"authenticator": "trf4", "user": "RS123", "label": null, "algorithm": "SHA1", "digits": 6,
//!    "period": 30, "created": 1764430000, "last_step": 58733334, "secret": "BASE32NOPAD",
//!    "rejection": {"count": 1, "at_ms": 1764430100000, "step": 58733334},
//!    "replaced_at": 1764430000,
//!    "replaced": {"algorithm": "SHA1", "digits": 6, "period": 30, "secret": "BASE32NOPAD"}}]}
//! ```
//! `rejection` (the court's refusals, `core::rejection`), `replaced_at` and `replaced` (the key a
//! replacing enrollment kept until a login with the new one succeeds) are written only when set.
//! An empty string (or `null`) is an empty vault. Errors about a vault never quote its content.

use std::cell::RefCell;

use eproc_a2f_core::protocol::{error_answer, ErrorCode, ProtocolError};
use eproc_a2f_core::registry::{Registry, RegistryError, System};
use eproc_a2f_core::secret::{Algorithm, OtpAuth, Params, SecretKey};
use eproc_a2f_core::rejection::RejectionRecord;
use eproc_a2f_core::service::{handle_bytes, Account, Context, KeptKey, MemoryVault};
use eproc_a2f_core::{parse_key as core_parse_key, totp, Lang, ResolveError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

/// Name of the vault format, checked on load.
pub const VAULT_FORMAT: &str = "eproc-a2f-vault";
/// Version of the vault format this build writes.
pub const VAULT_VERSION: u32 = 1;
/// Largest `last_step` accepted from a vault (2^40: far beyond year 9999 with 1-second steps).
/// The core adds to and multiplies steps without saturating, so an absurd value must not reach it.
pub const MAX_STEP: u64 = 1 << 40;

thread_local! {
    static REGISTRY: RefCell<Option<Registry>> = const { RefCell::new(None) };
}

fn with_registry<T>(f: impl FnOnce(&Registry) -> T) -> T {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        f(r.get_or_insert_with(Registry::builtin))
    })
}

/// Version of the core in this module.
#[wasm_bindgen]
pub fn version() -> String {
    eproc_a2f_core::VERSION.to_owned()
}

/// Sets the administrator's `extraSystems` (a JSON array of systems, as the native host reads
/// from policy) on top of the built-in registry; an empty string goes back to the built-in one.
/// Returns `""` on success, else why the JSON was refused (the registry is then unchanged).
#[wasm_bindgen]
pub fn set_extra_systems(json: &str) -> String {
    let mut reg = Registry::builtin();
    if !json.trim().is_empty() {
        if let Err(e) = reg.add_systems_json(json) {
            return e.to_string();
        }
    }
    REGISTRY.with(|r| *r.borrow_mut() = Some(reg));
    String::new()
}

/// Validates the administrator's `extraSystems` (a JSON array, as for [`set_extra_systems`]) and
/// returns them with canonical prefixes for the login module's `set_extra_systems`:
/// `{"ok": true, "systems": [{"id", "name", "app", "login": [...], "authenticator"}]}` or
/// `{"ok": false, "detail": "..."}`.
#[wasm_bindgen]
pub fn canonical_extra_systems(json: &str) -> String {
    let refused = |e: RegistryError| json!({"ok": false, "detail": e.to_string()}).to_string();
    let systems: Vec<System> = match serde_json::from_str(json) {
        Ok(s) => s,
        Err(e) => return refused(RegistryError::Json(e.to_string())),
    };
    let ids: Vec<String> = systems.iter().map(|s| s.id.clone()).collect();
    let mut reg = Registry::builtin();
    if let Err(e) = reg.add_systems(systems) {
        return refused(e);
    }
    let systems: Vec<Value> = reg
        .canonical_systems()
        .into_iter()
        .filter(|s| ids.contains(&s.id))
        .map(|s| json!({"id": s.id, "name": s.name, "app": s.app, "login": s.login, "authenticator": s.authenticator}))
        .collect();
    json!({"ok": true, "systems": systems}).to_string()
}

// ---------------------------------------------------------------------------------------------
// The vault

#[derive(Serialize, Deserialize)]
struct VaultFile {
    format: String,
    v: u32,
    accounts: Vec<VaultEntry>,
}

#[derive(Serialize, Deserialize)]
struct VaultEntry {
    authenticator: String,
    user: String,
    #[serde(default)]
    label: Option<String>,
    /// `algorithm`, `digits`, `period`, `secret` at the top level of the entry.
    #[serde(flatten)]
    key: StoredKey,
    #[serde(default)]
    created: u64,
    #[serde(default)]
    last_step: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rejection: Option<RejectionRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    replaced_at: Option<u64>,
    /// The key a replacing enrollment kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    replaced: Option<StoredKey>,
}

/// A key with its parameters, as the vault JSON holds it (the account's, and a kept one).
#[derive(Serialize, Deserialize)]
struct StoredKey {
    #[serde(default)]
    algorithm: Algorithm,
    #[serde(default = "six")]
    digits: u8,
    #[serde(default = "thirty")]
    period: u32,
    secret: String,
}

impl StoredKey {
    fn of(params: &Params, key: &SecretKey) -> StoredKey {
        StoredKey { algorithm: params.algorithm, digits: params.digits, period: params.period, secret: key.to_base32() }
    }

    /// `what` names the key in errors ("the stored key", "the kept key"); never its value.
    fn parse(&self, n: usize, what: &str) -> Result<(Params, SecretKey), String> {
        let params = Params::new(self.algorithm, self.digits, self.period).map_err(|_| format!("account {n}: invalid parameters of {what}"))?;
        let key = core_parse_key(&self.secret).map_err(|_| format!("account {n}: {what} is invalid"))?.key;
        Ok((params, key))
    }
}

fn six() -> u8 {
    6
}
fn thirty() -> u32 {
    30
}

/// Loads a vault JSON. The error text never quotes the input (it may hold keys).
pub fn vault_from_json(text: &str) -> Result<MemoryVault, String> {
    let t = text.trim();
    if t.is_empty() || t == "null" {
        return Ok(MemoryVault::default());
    }
    let file: VaultFile = serde_json::from_str(t).map_err(|e| {
        format!("vault JSON is invalid ({:?} at line {} column {})", e.classify(), e.line(), e.column())
    })?;
    if file.format != VAULT_FORMAT {
        return Err("not an eproc-a2f vault".to_owned());
    }
    if file.v != VAULT_VERSION {
        return Err(format!("vault version {} is not supported (this build reads {VAULT_VERSION})", file.v));
    }
    let mut vault = MemoryVault::default();
    for (i, e) in file.accounts.into_iter().enumerate() {
        let n = i + 1;
        let (params, key) = e.key.parse(n, "the stored key")?;
        if e.authenticator.is_empty() || e.user.trim().is_empty() {
            return Err(format!("account {n}: authenticator or user is empty"));
        }
        if e.last_step.is_some_and(|s| s > MAX_STEP) {
            return Err(format!("account {n}: invalid last_step"));
        }
        if vault.entries.iter().any(|(a, _)| a.is(&e.authenticator, &e.user)) {
            return Err(format!("account {n}: appears twice"));
        }
        if let Some(k) = &e.replaced {
            let (params, key) = k.parse(n, "the kept key")?;
            vault.kept.push(KeptKey { authenticator: e.authenticator.clone(), user: e.user.clone(), params, key });
        }
        let account = Account {
            authenticator: e.authenticator,
            user: e.user,
            label: e.label,
            params,
            created: e.created,
            last_step: e.last_step,
            rejection: e.rejection,
            // The kept key is what the record promises: no key, no promise.
            replaced_at: e.replaced.as_ref().map(|_| e.replaced_at.unwrap_or(e.created)),
        };
        vault.entries.push((account, key));
    }
    Ok(vault)
}

/// Serialises a vault in the format [`vault_from_json`] reads.
pub fn vault_to_json(vault: &MemoryVault) -> String {
    let file = VaultFile {
        format: VAULT_FORMAT.to_owned(),
        v: VAULT_VERSION,
        accounts: vault
            .entries
            .iter()
            .map(|(a, k)| VaultEntry {
                authenticator: a.authenticator.clone(),
                user: a.user.clone(),
                label: a.label.clone(),
                key: StoredKey::of(&a.params, k),
                created: a.created,
                last_step: a.last_step,
                rejection: a.rejection,
                replaced_at: a.replaced_at,
                replaced: vault
                    .kept
                    .iter()
                    .find(|x| a.is(&x.authenticator, &x.user))
                    .map(|x| StoredKey::of(&x.params, &x.key)),
            })
            .collect(),
    };
    serde_json::to_string(&file).unwrap_or_default()
}

/// Checks a vault JSON and returns it in canonical form (`{"ok": true, "vault": "...", "count": n}`)
/// or `{"ok": false, "detail": "..."}`. Used on import and before migration.
#[wasm_bindgen]
pub fn normalize_vault(vault_json: &str) -> String {
    match vault_from_json(vault_json) {
        Ok(v) => json!({"ok": true, "count": v.entries.len(), "vault": vault_to_json(&v)}).to_string(),
        Err(d) => json!({"ok": false, "detail": d}).to_string(),
    }
}

/// Handles one protocol request against a vault, at `now_ms` (Unix milliseconds from JS).
///
/// Returns `{"answer": <protocol answer>, "vault": <new vault JSON string, or null when the call
/// changed nothing>}`. When the vault JSON cannot be read the answer is `null` and `vault_error`
/// says why (the JS store turns that into `store_corrupt`; nothing is written).
#[wasm_bindgen]
pub fn handle(request_json: &str, vault_json: &str, now_ms: f64, lang: &str) -> String {
    let lang = Lang::from_locale(lang);
    let mut vault = match vault_from_json(vault_json) {
        Ok(v) => v,
        Err(detail) => return json!({"answer": null, "vault": null, "vault_error": detail}).to_string(),
    };
    if !(0.0..9.0e15).contains(&now_ms) {
        let id = serde_json::from_str::<Value>(request_json)
            .ok()
            .and_then(|v| v.get("id").cloned())
            .unwrap_or(Value::Null);
        let err = ProtocolError::new(ErrorCode::InternalError).detail("the caller passed an invalid time");
        return json!({"answer": error_answer(id, &err, lang), "vault": null}).to_string();
    }
    let before = vault.clone();
    let answer = with_registry(|registry| {
        let ctx = Context {
            registry,
            now_ms: now_ms as u64,
            lang,
            mode: "browser",
            version: eproc_a2f_core::VERSION,
        };
        handle_bytes(&mut vault, &ctx, request_json.as_bytes())
    });
    let new_vault = if vault == before { Value::Null } else { Value::String(vault_to_json(&vault)) };
    json!({"answer": answer, "vault": new_vault}).to_string()
}

// ---------------------------------------------------------------------------------------------
// Helpers for the content side (enrollment helper, popup) and for migration checks

fn reason(e: ResolveError) -> &'static str {
    e.reason()
}

/// Resolves a page URL: `{"ok": true, "authenticator", "system", "systems", "page"}` or
/// `{"ok": false, "reason": "unknown_host" | ...}` (the reasons of `unknown_site`).
#[wasm_bindgen]
pub fn resolve(url: &str) -> String {
    with_registry(|reg| match reg.resolve(url) {
        Ok(r) => {
            let mut v = serde_json::to_value(&r).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("ok".into(), Value::Bool(true));
            }
            v.to_string()
        }
        Err(e) => json!({"ok": false, "reason": reason(e)}).to_string(),
    })
}

fn key_error_json(e: &eproc_a2f_core::secret::KeyError) -> Value {
    let mut v = json!({"ok": false, "code": "invalid_key", "detail": e.to_string()});
    if let Some(p) = e.position() {
        v["position"] = json!(p);
    }
    v
}

fn key_json(key: &SecretKey, warnings: &[eproc_a2f_core::secret::KeyWarning]) -> Value {
    json!({"ok": true, "secret": key.to_base32(), "grouped": key.to_grouped(), "bits": key.bits(), "warnings": warnings})
}

/// Parses a key as a page shows it: `{"ok": true, "secret": "<canonical base32>", "grouped",
/// "bits", "warnings"}` or `{"ok": false, "code": "invalid_key", "position"?, "detail"}`.
#[wasm_bindgen]
pub fn parse_key(input: &str) -> String {
    match core_parse_key(input) {
        Ok(p) => key_json(&p.key, &p.warnings),
        Err(e) => key_error_json(&e),
    }
    .to_string()
}

/// Parses an `otpauth://totp/` URI (what a QR code holds): like [`parse_key`] plus `algorithm`,
/// `digits`, `period`, `issuer`, `account`.
#[wasm_bindgen]
pub fn parse_otpauth(uri: &str) -> String {
    match OtpAuth::parse(uri) {
        Ok(u) => {
            let mut v = key_json(&u.key, &u.warnings);
            v["algorithm"] = json!(u.params.algorithm);
            v["digits"] = json!(u.params.digits);
            v["period"] = json!(u.params.period);
            v["issuer"] = json!(u.issuer);
            v["account"] = json!(u.account);
            v
        }
        Err(e) => key_error_json(&e),
    }
    .to_string()
}

fn params_from_json(params_json: &str) -> Result<Params, JsValue> {
    let t = params_json.trim();
    let p: Params = if t.is_empty() {
        Params::default()
    } else {
        serde_json::from_str(t).map_err(|_| JsValue::from_str("invalid params JSON: expected {algorithm, digits, period}"))?
    };
    p.validate().map_err(|e| JsValue::from_str(&e.to_string()))
}

/// The code of `secret` (any form [`parse_key`] accepts) at `unix_s` seconds, with params
/// `{"algorithm": "SHA1", "digits": 6, "period": 30}` (JSON; `""` for the defaults). Throws on a
/// bad key or params (the message never quotes the key).
#[wasm_bindgen]
pub fn code_at(secret: &str, params_json: &str, unix_s: f64) -> Result<String, JsValue> {
    let params = params_from_json(params_json)?;
    let key = core_parse_key(secret).map_err(|_| JsValue::from_str("invalid key"))?.key;
    if !(unix_s.is_finite() && unix_s >= 0.0) {
        return Err(JsValue::from_str("invalid time"));
    }
    Ok(totp::code_at(&key, &params, unix_s as u64))
}

/// The fresh-code rule at `now_ms`: `{"step", "wait_ms", "valid_for_s"}` for the step that would
/// be handed out, given the last step already used (or `undefined`).
#[wasm_bindgen]
pub fn fresh(params_json: &str, now_ms: f64, last_step: Option<f64>) -> Result<String, JsValue> {
    let params = params_from_json(params_json)?;
    if !(now_ms.is_finite() && now_ms >= 0.0) {
        return Err(JsValue::from_str("invalid time"));
    }
    let now = now_ms as u64;
    let step = totp::fresh_step(&params, now, last_step.filter(|s| s.is_finite() && *s >= 0.0).map(|s| s as u64));
    let period_ms = params.period as u64 * 1000;
    let start = step * period_ms;
    let end = start + period_ms;
    Ok(json!({
        "step": step,
        "wait_ms": start.saturating_sub(now),
        "valid_for_s": end.saturating_sub(now.max(start)) / 1000,
    })
    .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW";
    const TRF4: &str = "https://eproc.trf4.jus.br/eproc2trf4/index.php";

    fn call(req: Value, vault: &str, now: f64) -> Value {
        serde_json::from_str(&handle(&req.to_string(), vault, now, "pt-BR")).unwrap()
    }

    #[test]
    fn enroll_code_and_vault_round_trip() {
        let now = 1_700_000_010_000.0;
        let r = call(json!({"id": 1, "type": "enroll", "url": TRF4, "user": "RS1", "secret": KEY}), "", now);
        assert_eq!(r["answer"]["ok"], json!(true), "{r}");
        let vault = r["vault"].as_str().unwrap().to_owned();
        assert!(vault.contains("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW"));
        // Peek changes nothing: vault null.
        let p = call(json!({"id": 2, "type": "code", "authenticator": "trf4", "peek": true}), &vault, now + 60_000.0);
        assert_eq!(p["vault"], Value::Null);
        assert_eq!(p["answer"]["code"], json!(code_at(KEY, "", (now + 60_000.0) / 1000.0).unwrap()));
        // A fill claims a step: vault changes.
        let c = call(json!({"id": 3, "type": "code", "url": TRF4}), &vault, now + 60_000.0);
        assert_eq!(c["answer"]["ok"], json!(true));
        assert!(c["vault"].is_string());
        let h = call(json!({"id": 4, "type": "hello"}), &vault, now);
        assert_eq!(h["answer"]["mode"], json!("browser"));
        assert!(normalize_vault(&vault).contains("\"ok\":true"));
    }

    /// Browser mode imports through the same core code as the host (issue 11): the options page
    /// sends the decoded QR texts, the vault comes back with the keys; `export` gives them back
    /// as Google Authenticator transfer codes (browser mode only).
    #[test]
    fn import_and_export_through_handle() {
        let now = 1_700_000_010_000.0;
        let text = "otpauth://totp/eproc%20TRF4:RS1?secret=MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW\notpauth://totp/GitHub:m?secret=JBSWY3DPEHPK3PXP";
        let p = call(json!({"id": 1, "type": "import_preview", "text": text}), "", now);
        assert_eq!(p["vault"], Value::Null, "a preview changes nothing");
        assert_eq!(p["answer"]["entries"][0]["status"], json!("new"), "{p}");
        assert_eq!(p["answer"]["entries"][1]["status"], json!("unmatched"));
        let a = call(json!({"id": 2, "type": "import_apply", "text": text}), "", now);
        let vault = a["vault"].as_str().unwrap().to_owned();
        assert!(vault.contains("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW") && !vault.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(a["answer"]["imported"][0]["code"], json!(code_at(KEY, "", now / 1000.0).unwrap()));
        let e = call(json!({"id": 3, "type": "export", "format": "google-migration"}), &vault, now);
        let uri = e["answer"]["uris"][0].as_str().unwrap().to_owned();
        assert!(uri.starts_with("otpauth-migration://offline?data="), "{e}");
        let back = call(json!({"id": 4, "type": "import_preview", "text": uri}), &vault, now);
        assert_eq!(back["answer"]["entries"][0]["status"], json!("same"), "{back}");
    }

    /// Issue 10 in browser mode: the full `handle` serves `login_result` and `restore`, and the
    /// vault JSON carries the refusal record and the kept key from one call to the next.
    #[test]
    fn rejections_and_kept_keys_live_in_the_vault() {
        const NEW: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let now = 1_700_000_010_000.0;
        let vault = call(json!({"id": 1, "type": "enroll", "url": TRF4, "user": "RS1", "secret": KEY}), "", now)["vault"].as_str().unwrap().to_owned();
        let r = call(json!({"id": 2, "type": "login_result", "url": TRF4, "outcome": "rejected", "step": 5}), &vault, now + 1_000.0);
        assert_eq!(r["answer"]["rejection"]["fill"], json!(true), "{r}");
        let vault = r["vault"].as_str().unwrap().to_owned();
        assert!(vault.contains("\"rejection\":{\"count\":1"), "{vault}");
        let r = call(json!({"id": 3, "type": "login_result", "url": TRF4, "outcome": "rejected", "step": 6}), &vault, now + 2_000.0);
        let vault = r["vault"].as_str().unwrap().to_owned();
        let w = call(json!({"id": 4, "type": "code", "url": TRF4, "clock_offset_ms": 150_000}), &vault, now + 3_000.0);
        assert_eq!(w["answer"]["error"]["code"], json!("code_withheld"), "{w}");
        assert_eq!(w["vault"], Value::Null, "a withheld code claims no step");
        // Replace: the old key is kept in the vault; restore swaps; accepted drops it.
        let e = call(json!({"id": 5, "type": "enroll", "url": TRF4, "user": "RS1", "secret": NEW, "replace": true}), &vault, now + 4_000.0);
        assert_eq!(e["answer"]["replaced_kept"], json!(true), "{e}");
        let vault = e["vault"].as_str().unwrap().to_owned();
        assert!(vault.contains("\"replaced\":{") && vault.contains("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW") && vault.contains(NEW), "{vault}");
        assert!(normalize_vault(&vault).contains("\"ok\":true"));
        let r = call(json!({"id": 6, "type": "restore", "authenticator": "trf4", "user": "RS1"}), &vault, now + 5_000.0);
        assert_eq!(r["answer"]["restored"], json!(true), "{r}");
        let vault = r["vault"].as_str().unwrap().to_owned();
        let p = call(json!({"id": 7, "type": "code", "authenticator": "trf4", "peek": true, "clock_offset_ms": -150_000}), &vault, now + 6_000.0);
        assert_eq!(p["answer"]["code"], json!(code_at(KEY, "", (now + 6_000.0 - 150_000.0) / 1000.0).unwrap()), "{p}");
        let r = call(json!({"id": 8, "type": "login_result", "url": TRF4, "outcome": "accepted"}), &vault, now + 7_000.0);
        assert_eq!(r["answer"]["replaced_dropped"], json!(true), "{r}");
        let vault = r["vault"].as_str().unwrap().to_owned();
        assert!(!vault.contains("replaced") && !vault.contains("rejection") && !vault.contains(NEW), "{vault}");
    }

    #[test]
    fn bad_vaults_never_echo_their_content() {
        for bad in [
            r#"{"format":"eproc-a2f-vault","v":1,"accounts":[{"authenticator":"trf4","user":"u","secret":"MMZD0SECRETTEXT"}]}"#,
            r#"{"format":"eproc-a2f-vault","v":1,"accounts":[{"authenticator":"trf4","user":"u","secret":12345678}]}"#,
            r#"{"format":"eproc-a2f-vault","v":1,"accounts":[{"authenticator":"trf4","user":"u","secret":"MMZDIMRUGZRGCNRQ","digits":"SECRETTEXT"}]}"#,
            "{not json SECRETTEXT",
        ] {
            let r: Value = serde_json::from_str(&handle(r#"{"id":1,"type":"accounts"}"#, bad, 0.0, "en")).unwrap();
            let d = r["vault_error"].as_str().unwrap();
            assert!(!d.contains("SECRET") && !d.contains("MMZD") && !d.contains("12345678"), "{d}");
            assert_eq!(r["answer"], Value::Null);
        }
    }

    #[test]
    fn helpers() {
        let r: Value = serde_json::from_str(&resolve("https://eproc.jfpr.jus.br/eprocV2/")).unwrap();
        assert_eq!(r["authenticator"], json!("trf4"));
        let r: Value = serde_json::from_str(&resolve("http://eproc.jfpr.jus.br/eprocV2/")).unwrap();
        assert_eq!(r["reason"], json!("not_https"));
        let k: Value = serde_json::from_str(&parse_key("mmzd imru gzrg cnr0")).unwrap();
        assert_eq!(k["position"], json!(19));
        let u: Value = serde_json::from_str(&parse_otpauth("otpauth://totp/TRF4:x?secret=MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW&digits=8")).unwrap();
        assert_eq!(u["secret"], json!("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW"));
        assert_eq!(u["digits"], json!(8));
        let f: Value = serde_json::from_str(&fresh("", 30_000.0 * 100.0 + 27_500.0, None).unwrap()).unwrap();
        assert_eq!(f, json!({"step": 101, "wait_ms": 2500, "valid_for_s": 30}));
        assert_eq!(set_extra_systems("[{oops"), set_extra_systems("[{oops"));
        assert_eq!(set_extra_systems(""), "");
    }

    /// Garbage vaults and requests are answers, never panics (a panic aborts the WASM instance).
    #[test]
    fn garbage_never_panics() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pieces = [
            "{", "}", "[", "]", ",", ":", "\"format\"", "\"eproc-a2f-vault\"", "\"v\"", "1", "\"accounts\"",
            "\"authenticator\"", "\"trf4\"", "\"user\"", "\"secret\"", "\"MMZDIMRUGZRGCNRQ\"", "\"digits\"",
            "9", "-1", "1e400", "null", "\"\\u0000\"", "\"period\"", "0", "\"last_step\"", "18446744073709551615",
            "\"type\"", "\"code\"", "\"enroll\"", "\"url\"", "\"https://eproc.trf4.jus.br/eproc2trf4/\"", "\"id\"",
            "true", "\"peek\"", "\"remove\"", "\"confirm\"", "\"algorithm\"", "\"SHA512\"", "\"é\"",
        ];
        let mut gen = |n: usize| -> String { (0..n).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect() };
        let vault = r#"{"format":"eproc-a2f-vault","v":1,"accounts":[{"authenticator":"trf4","user":"u","secret":"MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW","last_step":1099511627776}]}"#;
        let huge = r#"{"format":"eproc-a2f-vault","v":1,"accounts":[{"authenticator":"trf4","user":"u","secret":"MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW","last_step":18446744073709551615}]}"#;
        let out: Value = serde_json::from_str(&handle(r#"{"id":1,"type":"code","authenticator":"trf4"}"#, huge, 0.0, "en")).unwrap();
        assert_eq!(out["vault_error"], json!("account 1: invalid last_step"));
        for i in 0..3000 {
            let v = if i % 3 == 0 { vault.to_owned() } else { gen(1 + i % 40) };
            let r = gen(1 + i % 25);
            let out: Value = serde_json::from_str(&handle(&r, &v, (i as f64) * 1.0e9, "en")).unwrap();
            assert!(out.get("answer").is_some());
        }
        for t in [0.0, -1.0, f64::NAN, f64::INFINITY, 1.0e300] {
            let out: Value = serde_json::from_str(&handle(r#"{"id":1,"type":"code","authenticator":"trf4","user":"u"}"#, vault, t, "en")).unwrap();
            assert!(out.get("answer").is_some());
        }
    }
}
