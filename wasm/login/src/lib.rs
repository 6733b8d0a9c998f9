//! The login path of browser mode, as a WASM module small enough to load on every login.
//!
//! Every call here is a function of `eproc-a2f-core` that the native host runs too:
//! [`Registry::resolve_page`] (the exact URL rules), [`choose_account`] (which account answers) and
//! [`fresh_step`]/[`timed_code`] (the fresh-code rule and TOTP). What this module leaves out is the
//! JSON layer and the URL parser, which are most of the full module's size: the page URL arrives
//! already split by the browser's own WHATWG `URL` parser, accounts arrive as plain arrays, and
//! the answers go back as plain objects that the extension's browser-mode source assembles into
//! the protocol answer (its node tests check that answer against the full module's `handle` and
//! the native host). Requests this module cannot answer exactly (a refused page, malformed input)
//! go to the full module.
//!
//! The module keeps no key: the secret of the chosen account is passed in for one call.

use std::cell::RefCell;

use eproc_a2f_core::registry::{LoginStyle, TwoFactor};
use eproc_a2f_core::service::{choose_account, Account, AccountChoice};
use eproc_a2f_core::totp::{fresh_step, step_at, timed_code};
use eproc_a2f_core::{i18n, Algorithm, Lang, PageUrl, Params, Registry, SecretKey, System};
use wasm_bindgen::prelude::*;

thread_local! {
    static REGISTRY: RefCell<Option<Registry>> = const { RefCell::new(None) };
}

fn with_registry<T>(f: impl FnOnce(&Registry) -> T) -> T {
    REGISTRY.with(|r| f(r.borrow_mut().get_or_insert_with(Registry::builtin)))
}

/// Version of the core in this module.
#[wasm_bindgen]
pub fn version() -> String {
    eproc_a2f_core::VERSION.to_owned()
}

/// Version of the extension <-> host protocol this module speaks (`hello`'s `protocol`).
#[wasm_bindgen]
pub fn protocol_version() -> u32 {
    eproc_a2f_core::protocol::PROTOCOL_VERSION
}

/// Version of the registry in force.
#[wasm_bindgen]
pub fn registry_version() -> String {
    with_registry(|r| r.version().to_owned())
}

/// Sets the administrator's `extraSystems` on top of the built-in registry, as parallel arrays,
/// one entry per system, with prefixes in canonical form (`https://host/path/`, what the full
/// module's `canonical_extra_systems` returns after validating the policy; `logins[i]` holds the
/// login prefixes of system `i` separated by spaces). Empty arrays go back to the built-in
/// registry. Returns `""`, or why the systems were refused (the registry is then unchanged).
#[wasm_bindgen]
pub fn set_extra_systems(ids: Vec<String>, names: Vec<String>, apps: Vec<String>, logins: Vec<String>, authenticators: Vec<String>) -> String {
    let n = ids.len();
    if names.len() != n || apps.len() != n || logins.len() != n || authenticators.len() != n {
        return "extraSystems: the arrays differ in length".to_owned();
    }
    let systems: Vec<System> = (0..n)
        .map(|i| System {
            id: ids[i].clone(),
            court: String::new(),
            name: names[i].clone(),
            degree: None,
            app: apps[i].clone(),
            // Not used for matching, and this module never reports them.
            login_style: LoginStyle::Eproc,
            login: logins[i].split_ascii_whitespace().map(str::to_owned).collect(),
            two_factor: TwoFactor::Desconhecido,
            authenticator: authenticators[i].clone(),
        })
        .collect();
    let mut reg = Registry::builtin();
    if reg.add_canonical_systems(systems).is_err() {
        // The full module validated them and said why; here only canonical, valid systems come.
        return "extraSystems refused: not valid systems with canonical prefixes".to_owned();
    }
    REGISTRY.with(|r| *r.borrow_mut() = Some(reg));
    String::new()
}

/// What a login page gets: the account that answers, or why none does.
#[wasm_bindgen(getter_with_clone)]
pub struct Choice {
    /// `one`, `no_account`, `choose_account`, `unknown_account`, or `unknown_site` (the page is
    /// refused: ask the full module, which gives the exact answer with its reason).
    pub kind: String,
    /// Index of the chosen account in the arrays passed in (`-1` unless `kind` is `one`).
    pub index: i32,
    /// Indexes of the accounts to offer (`choose_account`, `unknown_account`).
    pub candidates: Vec<u32>,
    pub authenticator: Option<String>,
    /// The system the page names, if any.
    pub system: Option<String>,
    /// The protocol error's message in the requested language (empty unless `kind` is an account
    /// error).
    pub message: String,
}

/// Resolves the page (split by the browser's `URL`: `protocol` without the colon, `hostname`,
/// `port`, `pathname`, `search` without the `?`; `credentials` when `username` or `password` is
/// set) and picks the account of its authenticator: the `user` the page shows if given, else the
/// only one. `authenticators[i]`/`users[i]` describe the store's accounts in order.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn choose(
    scheme: &str,
    credentials: bool,
    host: &str,
    port: &str,
    path: &str,
    query: &str,
    authenticators: Vec<String>,
    users: Vec<String>,
    user: Option<String>,
    lang: &str,
) -> Choice {
    let lang = Lang::from_locale(lang);
    let page = PageUrl {
        scheme,
        credentials,
        host,
        // Any explicit port is refused; its value does not matter.
        port: if port.is_empty() { None } else { Some(port.parse().unwrap_or(0)) },
        path,
        query: (!query.is_empty()).then_some(query),
    };
    // Refusals are answered by the full module (exact reason and message).
    let refused = |kind: &str| Choice {
        kind: kind.to_owned(),
        index: -1,
        candidates: Vec::new(),
        authenticator: None,
        system: None,
        message: String::new(),
    };
    let res = match with_registry(|r| r.resolve_page(&page)) {
        Ok(r) => r,
        Err(_) => return refused("unknown_site"),
    };
    if users.len() != authenticators.len() {
        return refused("invalid_request");
    }
    let accounts: Vec<Account> = authenticators
        .into_iter()
        .zip(users)
        .map(|(authenticator, user)| Account {
            authenticator,
            user,
            label: None,
            params: Params::default(),
            created: 0,
            ..Account::default()
        })
        .collect();
    let index_of = |a: &Account| accounts.iter().position(|b| std::ptr::eq(a, b)).map_or(-1, |i| i as i32);
    let (kind, text, index, candidates) = match choose_account(&accounts, &res.authenticator, user.as_deref()) {
        AccountChoice::One(a) => ("one", None, index_of(a), Vec::new()),
        AccountChoice::NoAccount => ("no_account", Some(i18n::NO_ACCOUNT), -1, Vec::new()),
        AccountChoice::Choose(list) => ("choose_account", Some(i18n::CHOOSE_ACCOUNT), -1, list),
        AccountChoice::Unknown(list) => ("unknown_account", Some(i18n::UNKNOWN_ACCOUNT), -1, list),
    };
    Choice {
        kind: kind.to_owned(),
        index,
        candidates: candidates.into_iter().map(|a| index_of(a) as u32).collect(),
        authenticator: Some(res.authenticator.clone()),
        system: res.system,
        message: text.map_or("", |t| t.pick(lang)).to_owned(),
    }
}

/// The code to hand out.
#[wasm_bindgen(getter_with_clone)]
pub struct Code {
    pub code: String,
    /// The time step of the code: record it as the account's `last_step` (unless peeking).
    pub step: f64,
    /// How long to wait before filling (the fresh-code rule moved to the next step).
    pub wait_ms: f64,
    pub valid_for_s: f64,
}

/// The code of one account at `now_ms` (Unix milliseconds from JS): with the fresh-code rule (a
/// step after `last_step`, the next one when under 5 s remain), or with `peek` the current step.
/// Throws when the stored key or parameters are invalid (the message never quotes the key).
#[wasm_bindgen]
pub fn code(
    secret: &str,
    algorithm: &str,
    digits: u8,
    period: u32,
    now_ms: f64,
    last_step: Option<f64>,
    peek: bool,
) -> Result<Code, JsError> {
    let algorithm = Algorithm::parse(algorithm).ok_or_else(|| JsError::new("the stored algorithm is invalid"))?;
    let params = Params::new(algorithm, digits, period).map_err(|_| JsError::new("the stored parameters are invalid"))?;
    let key = SecretKey::from_canonical_base32(secret).ok_or_else(|| JsError::new("the stored key is invalid"))?;
    if !(0.0..9.0e15).contains(&now_ms) {
        return Err(JsError::new("invalid time"));
    }
    let now = now_ms as u64;
    let last = last_step.filter(|s| (0.0..=(1u64 << 40) as f64).contains(s)).map(|s| s as u64);
    let step = if peek { step_at(&params, now) } else { fresh_step(&params, now, last) };
    let t = timed_code(&key, &params, step, now);
    Ok(Code { code: t.code, step: t.step as f64, wait_ms: t.wait_ms as f64, valid_for_s: t.valid_for_s as f64 })
}

/// [`code`] at the court's clock: `clock_offset_ms` is court time minus computer time (the
/// protocol's `clock_offset_ms`, at most ±600 000; beyond that this throws and the caller answers
/// `invalid_request` / `clock_offset_out_of_range` through the full module). The step, `wait_ms`
/// and `valid_for_s` are in court time, exactly as the full handler computes them.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn court_code(
    secret: &str,
    algorithm: &str,
    digits: u8,
    period: u32,
    now_ms: f64,
    clock_offset_ms: f64,
    last_step: Option<f64>,
    peek: bool,
) -> Result<Code, JsError> {
    let court = court_time(now_ms, clock_offset_ms).ok_or_else(|| JsError::new("clock offset out of range or invalid time"))?;
    code(secret, algorithm, digits, period, court, last_step, peek)
}

/// The court's time, or `None` for an offset the protocol refuses (or a time out of range).
fn court_time(now_ms: f64, clock_offset_ms: f64) -> Option<f64> {
    let offset_ok = clock_offset_ms.fract() == 0.0 && clock_offset_ms.abs() <= 600_000.0;
    (offset_ok && (0.0..9.0e15).contains(&now_ms)).then(|| (now_ms + clock_offset_ms).max(0.0))
}

/// What an account's stored refusal record (`rejection` in the vault: `count`, `at_ms`) means at
/// `now_ms`: the same `core::rejection::policy` the full handler applies.
#[wasm_bindgen(getter_with_clone)]
pub struct RejectionState {
    /// False: the record no longer applies (or there is none); the other fields are then 0.
    pub applies: bool,
    pub count: u32,
    pub at_ms: f64,
    pub until_ms: f64,
    pub auto_submit: bool,
    /// False: a non-peek `code` is `code_withheld` (the caller asks the full module for it).
    pub fill: bool,
}

#[wasm_bindgen]
pub fn rejection_state(count: u32, at_ms: f64, now_ms: f64) -> RejectionState {
    let none = RejectionState { applies: false, count: 0, at_ms: 0.0, until_ms: 0.0, auto_submit: false, fill: true };
    if !(0.0..9.0e15).contains(&at_ms) || !(0.0..9.0e15).contains(&now_ms) {
        return none;
    }
    let record = eproc_a2f_core::rejection::RejectionRecord { count, at_ms: at_ms as u64, step: None };
    match eproc_a2f_core::rejection::policy(Some(&record), now_ms as u64) {
        Some(r) => RejectionState { applies: true, count: r.count, at_ms: r.at_ms as f64, until_ms: r.until_ms as f64, auto_submit: r.auto_submit, fill: r.fill },
        None => none,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eproc_a2f_core::protocol::ErrorCode;
    use eproc_a2f_core::service::{handle_bytes, Context, MemoryVault};

    const KEY: &str = "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW";

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn choice_follows_the_core_rules() {
        let auths = strings(&["trf4", "trf2", "trf4"]);
        let users = strings(&["RS1", "X", "RS2"]);
        let c = choose("https", false, "eproc.jfpr.jus.br", "", "/eprocV2/", "", auths.clone(), users.clone(), Some(" rs2 ".into()), "pt-BR");
        assert_eq!((c.kind.as_str(), c.index, c.system.as_deref()), ("one", 2, Some("jfpr")));
        let c = choose("https", false, "eproc-sso.trf4.jus.br", "", "/realms/eproc/x", "eproc_client_id=eproc.jfsc.jus.br", auths.clone(), users.clone(), None, "en");
        assert_eq!((c.kind.as_str(), c.candidates.clone(), c.system.as_deref()), ("choose_account", vec![0, 2], Some("jfsc")));
        assert_eq!(c.message, i18n::error_message(ErrorCode::ChooseAccount, Lang::En));
        let c = choose("https", false, "eproc.trf4.jus.br", "", "/eproc2trf4/", "", auths.clone(), users.clone(), Some("RS9".into()), "pt-BR");
        assert_eq!((c.kind.as_str(), c.candidates), ("unknown_account", vec![0, 2]));
        let c = choose("https", false, "eproc.jfes.jus.br", "", "/eproc/", "", auths.clone(), users.clone(), None, "pt-BR");
        assert_eq!(c.kind, "no_account");
        for (scheme, cred, host, port, path) in [
            ("http", false, "eproc.jfpr.jus.br", "", "/eprocV2/"),
            ("https", true, "eproc.jfpr.jus.br", "", "/eprocV2/"),
            ("https", false, "eproc.jfpr.jus.br", "8443", "/eprocV2/"),
            ("https", false, "eproc.jfpr.jus.br.evil.com", "", "/eprocV2/"),
            ("https", false, "eproc.jfpr.jus.br", "", "/eprocV2x/"),
            ("https", false, "xn--eproc-9ua.jfpr.jus.br", "", "/eprocV2/"),
        ] {
            let c = choose(scheme, cred, host, port, path, "", auths.clone(), users.clone(), None, "pt-BR");
            assert_eq!(c.kind, "unknown_site", "{scheme} {host} {port} {path}");
        }
    }

    #[test]
    fn codes_match_the_full_handler() {
        let now = 1_700_000_037_000.0; // 3 s left in the step: the fresh-code rule moves on
        let c = code(KEY, "SHA1", 6, 30, now, None, false).unwrap();
        let mut vault = MemoryVault::default();
        let reg = Registry::builtin();
        let ctx = Context { registry: &reg, now_ms: now as u64, lang: Lang::En, mode: "browser", version: "t" };
        let enroll = format!(r#"{{"id":1,"type":"enroll","url":"https://eproc.trf2.jus.br/eproc/","user":"u","secret":"{KEY}"}}"#);
        handle_bytes(&mut vault, &Context { now_ms: 0, ..ctx }, enroll.as_bytes());
        let ans = handle_bytes(&mut vault, &ctx, br#"{"id":2,"type":"code","url":"https://eproc.trf2.jus.br/eproc/"}"#);
        assert_eq!(ans["code"], c.code.as_str());
        assert_eq!(ans["step"].as_f64(), Some(c.step));
        assert_eq!(ans["wait_ms"].as_f64(), Some(c.wait_ms));
        assert_eq!(ans["valid_for_s"].as_f64(), Some(c.valid_for_s));
        // The next fill never gets the same step.
        let again = code(KEY, "SHA1", 6, 30, now, Some(c.step), false).unwrap();
        assert_eq!(again.step, c.step + 1.0);
        let peek = code(KEY, "SHA1", 6, 30, now, Some(c.step), true).unwrap();
        assert_eq!(peek.step, c.step - 1.0);
    }

    #[test]
    fn court_codes_match_the_full_handler() {
        let now = 1_700_000_020_000.0;
        for offset in [150_000.0, -150_000.0, 0.0] {
            let c = court_code(KEY, "SHA1", 6, 30, now, offset, None, false).unwrap();
            let mut vault = MemoryVault::default();
            let reg = Registry::builtin();
            let ctx = Context { registry: &reg, now_ms: now as u64, lang: Lang::En, mode: "browser", version: "t" };
            let enroll = format!(r#"{{"id":1,"type":"enroll","url":"https://eproc.trf2.jus.br/eproc/","user":"u","secret":"{KEY}"}}"#);
            handle_bytes(&mut vault, &Context { now_ms: 0, ..ctx }, enroll.as_bytes());
            let req = format!(r#"{{"id":2,"type":"code","url":"https://eproc.trf2.jus.br/eproc/","clock_offset_ms":{offset}}}"#);
            let ans = handle_bytes(&mut vault, &ctx, req.as_bytes());
            assert_eq!(ans["code"], c.code.as_str(), "{offset}: {ans}");
            assert_eq!(ans["step"].as_f64(), Some(c.step));
            assert_eq!(ans["wait_ms"].as_f64(), Some(c.wait_ms));
            assert_eq!(ans["valid_for_s"].as_f64(), Some(c.valid_for_s));
        }
        // Refused offsets (JsError cannot be built off wasm: the node tests see the throw).
        assert_eq!(court_time(now, -600_000.0), Some(now - 600_000.0));
        for bad in [600_001.0, -600_001.0, 0.5, f64::NAN, f64::INFINITY] {
            assert_eq!(court_time(now, bad), None, "{bad}");
        }
        assert_eq!(court_time(f64::NAN, 0.0), None);
    }

    #[test]
    fn rejection_state_is_the_core_policy() {
        let t = 1_700_000_000_000.0;
        let s = rejection_state(1, t, t + 1000.0);
        assert!(s.applies && s.fill && !s.auto_submit);
        assert_eq!(s.until_ms, t + 30.0 * 60_000.0);
        let s = rejection_state(2, t, t + 1000.0);
        assert!(s.applies && !s.fill);
        assert!(!rejection_state(2, t, t + 30.0 * 60_000.0).applies);
        assert!(!rejection_state(0, t, t).applies);
        assert!(!rejection_state(1, f64::NAN, t).applies);
    }

    #[test]
    fn extra_systems_in_canonical_form() {
        let err = set_extra_systems(strings(&["tjxx"]), strings(&["TJXX"]), strings(&["https://eproc.tjxx.jus.br/eproc"]), strings(&[""]), strings(&["tjxx"]));
        assert!(err.contains("canonical"), "{err}");
        assert_eq!(
            set_extra_systems(strings(&["tjxx"]), strings(&["TJXX"]), strings(&["https://eproc.tjxx.jus.br/eproc/"]), strings(&["https://sso.tjxx.jus.br/realms/a/ https://sso2.tjxx.jus.br/realms/a/"]), strings(&["tjxx"])),
            ""
        );
        let c = choose("https", false, "sso2.tjxx.jus.br", "", "/realms/a/login", "", strings(&["tjxx"]), strings(&["u"]), None, "pt-BR");
        assert_eq!((c.kind.as_str(), c.index), ("one", 0));
        assert_eq!(set_extra_systems(vec![], vec![], vec![], vec![], vec![]), "");
    }
}
