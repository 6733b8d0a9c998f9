//! Request handling, sans I/O: the native host drives it with the OS keyring, the WASM build with
//! the browser's encrypted store, the tests with an in-memory vault. Storage is behind [`Vault`].

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::i18n::Lang;
use crate::protocol::{error_answer, ok_answer, parse_request, ErrorCode, LoginOutcome, ProtocolError, Request, PROTOCOL_VERSION};
use crate::rejection::{after_rejection, policy, RejectionRecord, RejectionUpdate};
use crate::registry::Registry;
use crate::resolve::{Resolution, ResolveError};
use crate::secret::{parse_key, Algorithm, KeyError, Params, SecretKey};
use crate::totp::{fresh_step, step_at, timed_code};

/// An account's non-secret record: what the index holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub authenticator: String,
    pub user: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub params: Params,
    /// Unix seconds.
    #[serde(default)]
    pub created: u64,
    /// Last time step whose code was handed out for filling.
    #[serde(default)]
    pub last_step: Option<u64>,
    /// The court's refusals of this account's codes (`crate::rejection`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<RejectionRecord>,
    /// Unix seconds of the replacing enrollment whose previous key is still kept (until a login
    /// with the new key succeeds, or `restore` swaps them); `None`: no key kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_at: Option<u64>,
}

impl Account {
    pub fn is(&self, authenticator: &str, user: &str) -> bool {
        self.authenticator == authenticator && same_user(&self.user, user)
    }
}

/// eproc user names (CPF, OAB login) are compared without case and surrounding space.
pub fn same_user(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// What saving a key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SaveOutcome {
    Created,
    /// The same key was already there.
    Unchanged,
    Replaced,
}

/// Health of the store, for `hello` and `doctor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreStatus {
    /// `ok`, `unavailable`, `locked`, `error`.
    pub state: &'static str,
    pub backend: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Storage failures, each mapped to a protocol error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("keyring unavailable: {0}")]
    Unavailable(String),
    #[error("keyring locked")]
    Locked,
    #[error("keyring error: {0}")]
    Keyring(String),
    #[error("the key of {0} is not in the keyring")]
    SecretMissing(String),
    #[error("account index corrupted: {0}")]
    Corrupt(String),
    #[error("storage error: {0}")]
    Io(String),
    #[error("another key exists for this account")]
    KeyExists,
    #[error("no such account")]
    NoSuchAccount,
    #[error("store busy: {0}")]
    Busy(String),
    #[error("no previous key is kept for this account")]
    NothingToRestore,
    /// A remote store (OpenBao) failed or refused; `code` says how (`store_*`).
    #[error("{detail}")]
    Remote { code: ErrorCode, detail: String },
}

impl VaultError {
    pub fn code(&self) -> ErrorCode {
        match self {
            VaultError::Unavailable(_) => ErrorCode::KeyringUnavailable,
            VaultError::Locked => ErrorCode::KeyringLocked,
            VaultError::Keyring(_) => ErrorCode::KeyringError,
            VaultError::SecretMissing(_) => ErrorCode::SecretMissing,
            VaultError::Corrupt(_) => ErrorCode::IndexCorrupt,
            VaultError::Io(_) => ErrorCode::StorageError,
            VaultError::KeyExists => ErrorCode::KeyExists,
            VaultError::NoSuchAccount => ErrorCode::UnknownAccount,
            VaultError::Busy(_) => ErrorCode::Busy,
            VaultError::NothingToRestore => ErrorCode::NothingToRestore,
            VaultError::Remote { code, .. } => *code,
        }
    }
}

impl From<VaultError> for ProtocolError {
    fn from(e: VaultError) -> Self {
        ProtocolError::new(e.code()).detail(e.to_string())
    }
}

/// Where accounts and keys live. Implementations must make `save` durable and verified (read the
/// key back) before returning, and `claim_step` atomic across processes.
pub trait Vault {
    fn status(&self) -> StoreStatus;
    fn accounts(&self) -> Result<Vec<Account>, VaultError>;
    fn secret(&self, account: &Account) -> Result<SecretKey, VaultError>;
    /// Whether `key` is the key stored for `account` (import's preview: `same` or `conflict`);
    /// `None` when the store cannot tell (a record without its key). The default compares
    /// [`Vault::secret`]; stores that never give keys back (OpenBao) compare codes instead.
    fn same_key(&self, account: &Account, key: &SecretKey) -> Result<Option<bool>, VaultError> {
        Ok(Some(self.secret(account)? == *key))
    }
    /// Stores the key and the account record. With `replace == false` a different key already
    /// stored for the same (authenticator, user) is an error and is left untouched. With
    /// `replace == true` the previous key is kept aside (and `replaced_at` set) until
    /// [`Vault::drop_replaced`]; when a key is kept already (a second replacement before any login
    /// succeeded) that one stays: it is the last key known to the court. A replacement clears the
    /// account's rejection record.
    fn save(&mut self, account: Account, key: &SecretKey, replace: bool) -> Result<SaveOutcome, VaultError>;
    fn remove(&mut self, authenticator: &str, user: &str) -> Result<(), VaultError>;
    /// Sets (or with `None` clears) the account's friendly name. The key is not touched.
    fn set_label(&mut self, authenticator: &str, user: &str, label: Option<String>) -> Result<(), VaultError>;
    /// Records that the code of `step` (or a later one, if another process got there first) is
    /// handed out; returns the step actually claimed, always greater than any step claimed before.
    fn claim_step(&mut self, authenticator: &str, user: &str, step: u64) -> Result<u64, VaultError>;
    /// Rewrites the account's rejection record with `update` (read and write as one step, across
    /// processes for the host) and returns the new record.
    fn update_rejection(&mut self, authenticator: &str, user: &str, update: &mut RejectionUpdate) -> Result<Option<RejectionRecord>, VaultError>;
    /// Deletes the key a replacing enrollment kept; `Ok(false)` when none was kept.
    fn drop_replaced(&mut self, authenticator: &str, user: &str) -> Result<bool, VaultError>;
    /// Swaps the current key and the kept one (nothing is lost; the record of refusals is
    /// cleared); [`VaultError::NothingToRestore`] when none is kept.
    fn restore_replaced(&mut self, authenticator: &str, user: &str) -> Result<(), VaultError>;
    /// Remembers the court clock offset last seen for an authenticator (`doctor` reports it). The
    /// default keeps nothing.
    fn note_clock(&mut self, _authenticator: &str, _offset_ms: i64, _now_ms: u64) -> Result<(), VaultError> {
        Ok(())
    }
    /// Stores that keep keys they never give back (OpenBao's TOTP engine) compute codes
    /// themselves: `true` here, and `secret` is never asked for a code.
    fn computes_codes(&self) -> bool {
        false
    }
    /// With `computes_codes`: the code of `step`, read once that step has begun (the store waits
    /// for it), and the Unix milliseconds it was read at.
    fn engine_code(&mut self, account: &Account, step: u64) -> Result<(String, u64), VaultError> {
        let _ = (account, step);
        Err(VaultError::Remote { code: ErrorCode::InternalError, detail: "this store does not compute codes".into() })
    }
}

/// Per-call context: the registry in force, the time and the language of messages.
pub struct Context<'a> {
    pub registry: &'a Registry,
    pub now_ms: u64,
    pub lang: Lang,
    /// Name of the code source in `hello` (`native` or `browser`).
    pub mode: &'static str,
    pub version: &'static str,
}

/// Handles one raw request and returns the answer (always an answer: errors are answers too).
pub fn handle_bytes(vault: &mut dyn Vault, ctx: &Context, bytes: &[u8]) -> Value {
    let (id, parsed) = parse_request(bytes);
    match parsed.and_then(|req| handle(vault, ctx, req)) {
        Ok(fields) => ok_answer(id, fields),
        Err(e) => error_answer(id, &e, ctx.lang),
    }
}

fn resolve_error(e: ResolveError) -> ProtocolError {
    ProtocolError::new(ErrorCode::UnknownSite).detail(e.to_string()).with("reason", e.reason())
}

fn key_error(e: KeyError) -> ProtocolError {
    let mut err = ProtocolError::new(ErrorCode::InvalidKey).detail(e.to_string());
    if let Some(p) = e.position() {
        err = err.with("position", p);
    }
    err
}

/// Resolves the target of `code`/`remove`: a page URL, or an authenticator id (popup, options).
fn target(ctx: &Context, url: Option<&str>, authenticator: Option<&str>) -> Result<Resolution, ProtocolError> {
    match (url, authenticator) {
        (Some(u), _) => ctx.registry.resolve(u).map_err(resolve_error),
        (None, Some(a)) if ctx.registry.has_authenticator(a) => Ok(Resolution {
            authenticator: a.to_owned(),
            system: None,
            systems: ctx.registry.systems_of(a).iter().map(|s| s.id.clone()).collect(),
            page: crate::resolve::PageKind::App,
        }),
        (None, Some(_)) => Err(ProtocolError::new(ErrorCode::UnknownSite).with("reason", "unknown_authenticator")),
        (None, None) => Err(ProtocolError::new(ErrorCode::InvalidRequest).detail("give `url` or `authenticator`")),
    }
}

fn account_json(ctx: &Context, a: &Account) -> Value {
    json!({
        "authenticator": a.authenticator,
        "user": a.user,
        "label": a.label,
        "systems": ctx.registry.systems_of(&a.authenticator).iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        // How people call the court (contract 4): "TRF4", ["TRF4", "JFPR", "JFSC", "JFRS"].
        "title": crate::display::title(ctx.registry, &a.authenticator),
        "systems_short": crate::display::systems_short(ctx.registry, &a.authenticator),
        "algorithm": a.params.algorithm,
        "digits": a.params.digits,
        "period": a.params.period,
        "created": a.created,
        "rejection": policy(a.rejection.as_ref(), ctx.now_ms),
        "replaced_kept": a.replaced_at.is_some(),
        "replaced_at": a.replaced_at,
    })
}

/// A system as the registry has it, plus its display names (contract 4: `short`, and the
/// `title` of its authenticator) for lists people choose from.
fn system_json(ctx: &Context, s: &crate::registry::System) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("short".into(), Value::String(crate::display::short(s)));
        o.insert("title".into(), Value::String(crate::display::title(ctx.registry, &s.authenticator)));
    }
    v
}

fn choose_list(accounts: &[&Account]) -> Value {
    accounts.iter().map(|a| json!({"user": a.user, "label": a.label})).collect()
}

/// Which account answers a code request on a page of `authenticator`.
#[derive(Debug, PartialEq, Eq)]
pub enum AccountChoice<'a> {
    One(&'a Account),
    /// No account for this authenticator.
    NoAccount,
    /// No user named and several accounts: the user picks (`choose_account`).
    Choose(Vec<&'a Account>),
    /// The named user has no account here, but others do (`unknown_account`).
    Unknown(Vec<&'a Account>),
}

/// The account-choice rule of `code`, shared by [`handle`] and the WASM login module: the user
/// the page shows (compared with [`same_user`]) if any, else the only account.
pub fn choose_account<'a>(accounts: &'a [Account], authenticator: &str, user: Option<&str>) -> AccountChoice<'a> {
    let mine: Vec<&Account> = accounts.iter().filter(|a| a.authenticator == authenticator).collect();
    match user.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => match mine.iter().find(|a| same_user(&a.user, u)) {
            Some(a) => AccountChoice::One(a),
            None if mine.is_empty() => AccountChoice::NoAccount,
            None => AccountChoice::Unknown(mine),
        },
        None => match mine.as_slice() {
            [] => AccountChoice::NoAccount,
            [one] => AccountChoice::One(one),
            _ => AccountChoice::Choose(mine),
        },
    }
}

/// The account a `code` or `login_result` is about, or the error that says why there is none.
fn pick_account<'a>(accounts: &'a [Account], authenticator: &str, user: Option<&str>) -> Result<&'a Account, ProtocolError> {
    match choose_account(accounts, authenticator, user) {
        AccountChoice::One(a) => Ok(a),
        AccountChoice::NoAccount => Err(ProtocolError::new(ErrorCode::NoAccount).with("authenticator", authenticator)),
        AccountChoice::Choose(many) => Err(ProtocolError::new(ErrorCode::ChooseAccount)
            .with("authenticator", authenticator)
            .with("accounts", choose_list(&many))),
        AccountChoice::Unknown(mine) => Err(ProtocolError::new(ErrorCode::UnknownAccount)
            .with("authenticator", authenticator)
            .with("accounts", choose_list(&mine))),
    }
}

/// The court's time: the computer's plus the offset the extension measured (bounded by the
/// protocol to ±10 min), never before 1970.
pub fn court_time_ms(now_ms: u64, clock_offset_ms: i64) -> u64 {
    now_ms.saturating_add_signed(clock_offset_ms)
}

/// Claims a step; when only the step record cannot be written (read-only or full disk), the code
/// is still given, with the warning `step_not_recorded`: the user can log in, and at worst a later
/// fill in the same step is rejected once.
pub(crate) fn claim_or_warn(
    vault: &mut dyn Vault,
    authenticator: &str,
    user: &str,
    candidate: u64,
    warnings: &mut Vec<&'static str>,
) -> Result<u64, ProtocolError> {
    match vault.claim_step(authenticator, user, candidate) {
        Ok(step) => Ok(step),
        Err(VaultError::Io(_)) => {
            warnings.push("step_not_recorded");
            Ok(candidate)
        }
        Err(e) => Err(e.into()),
    }
}

/// Handles one parsed request; `Ok` holds the answer's fields.
pub fn handle(vault: &mut dyn Vault, ctx: &Context, req: Request) -> Result<Value, ProtocolError> {
    match req {
        Request::Hello {} => Ok(json!({
            "protocol": PROTOCOL_VERSION,
            "version": ctx.version,
            "registry": ctx.registry.version(),
            "mode": ctx.mode,
            "store": vault.status(),
        })),
        Request::Systems {} => Ok(json!({
            "registry": ctx.registry.version(),
            "systems": ctx.registry.systems().iter().map(|s| system_json(ctx, s)).collect::<Vec<_>>(),
        })),
        Request::Accounts { url } => {
            let filter = match url.as_deref() {
                Some(u) => Some(ctx.registry.resolve(u).map_err(resolve_error)?.authenticator),
                None => None,
            };
            let accounts = vault.accounts()?;
            let list: Vec<Value> = accounts
                .iter()
                .filter(|a| filter.as_ref().is_none_or(|f| &a.authenticator == f))
                .map(|a| account_json(ctx, a))
                .collect();
            Ok(json!({ "accounts": list }))
        }
        Request::Code { url, authenticator, user, peek, clock_offset_ms } => {
            let res = target(ctx, url.as_deref(), authenticator.as_deref())?;
            let offset = clock_offset_ms.unwrap_or(0);
            if offset != 0 {
                // Only for `doctor`: a failure to note it never costs the code.
                let _ = vault.note_clock(&res.authenticator, offset, ctx.now_ms);
            }
            let accounts = vault.accounts()?;
            let account = pick_account(&accounts, &res.authenticator, user.as_deref())?;
            // Refusal records are in the computer's time (when the court's answer was seen).
            let rejection = policy(account.rejection.as_ref(), ctx.now_ms);
            if let Some(r) = rejection.filter(|r| !r.fill && !peek) {
                return Err(ProtocolError::new(ErrorCode::CodeWithheld)
                    .with("authenticator", account.authenticator.clone())
                    .with("user", account.user.clone())
                    .with("rejections", r.count)
                    .with("until_ms", r.until_ms));
            }
            if vault.computes_codes() {
                return crate::engine::code_answer(vault, ctx, account, &res, peek, rejection);
            }
            let key = vault.secret(account)?;
            let params = account.params;
            let now = court_time_ms(ctx.now_ms, offset);
            let mut warnings: Vec<&str> = Vec::new();
            let timed = if peek {
                timed_code(&key, &params, step_at(&params, now), now)
            } else {
                let candidate = fresh_step(&params, now, account.last_step);
                let step = claim_or_warn(vault, &account.authenticator, &account.user, candidate, &mut warnings)?;
                timed_code(&key, &params, step, now)
            };
            // The popup (a peek by authenticator) shows the next code in the current one's last
            // seconds; page requests never get it.
            let next_code = (peek && url.is_none()).then(|| timed_code(&key, &params, timed.step + 1, now).code);
            let mut answer = json!({
                "code": timed.code,
                "authenticator": account.authenticator,
                "system": res.system,
                "user": account.user,
                "label": account.label,
                "valid_for_s": timed.valid_for_s,
                "wait_ms": timed.wait_ms,
                "step": timed.step,
                "digits": params.digits,
                "period": params.period,
                "warnings": warnings,
                "clock_offset_ms": offset,
                "rejection": rejection,
            });
            if let Some(next) = next_code {
                answer["next_code"] = Value::String(next);
            }
            Ok(answer)
        }
        Request::LoginResult { url, authenticator, user, outcome, step } => {
            let res = target(ctx, url.as_deref(), authenticator.as_deref())?;
            let accounts = vault.accounts()?;
            let account = pick_account(&accounts, &res.authenticator, user.as_deref())?;
            let now = ctx.now_ms;
            let record = match outcome {
                LoginOutcome::Rejected => vault
                    .update_rejection(&account.authenticator, &account.user, &mut |prev| Some(after_rejection(prev.as_ref(), now, step)))?,
                LoginOutcome::Accepted | LoginOutcome::Reset => vault.update_rejection(&account.authenticator, &account.user, &mut |_| None)?,
            };
            let mut warnings: Vec<&str> = Vec::new();
            let mut dropped = false;
            if outcome == LoginOutcome::Accepted {
                // The court took a code of the current key: a kept previous key is no longer needed.
                match vault.drop_replaced(&account.authenticator, &account.user) {
                    Ok(d) => dropped = d,
                    Err(_) => warnings.push("replaced_not_dropped"),
                }
            }
            Ok(json!({
                "authenticator": account.authenticator,
                "user": account.user,
                "rejection": policy(record.as_ref(), now),
                "replaced_dropped": dropped,
                "warnings": warnings,
            }))
        }
        Request::Restore { url, authenticator, user } => {
            let res = target(ctx, url.as_deref(), authenticator.as_deref())?;
            vault.restore_replaced(&res.authenticator, &user)?;
            Ok(json!({ "restored": true, "authenticator": res.authenticator, "user": user.trim() }))
        }
        Request::Enroll { url, user, secret, label, algorithm, digits, period, replace, clock_offset_ms } => {
            let res = ctx.registry.resolve(&url).map_err(resolve_error)?;
            let offset = clock_offset_ms.unwrap_or(0);
            if offset != 0 {
                let _ = vault.note_clock(&res.authenticator, offset, ctx.now_ms);
            }
            let court_now = court_time_ms(ctx.now_ms, offset);
            let user = user.trim().to_owned();
            if user.is_empty() {
                return Err(ProtocolError::new(ErrorCode::InvalidRequest).detail("field `user` is empty"));
            }
            // The page may show an otpauth URI (from the QR) or the key as text.
            let (key, warnings, uri_params) = if secret.trim_start().starts_with("otpauth:") {
                let u = crate::secret::OtpAuth::parse(&secret).map_err(key_error)?;
                (u.key.clone(), u.warnings.clone(), Some(u.params))
            } else {
                let p = parse_key(&secret).map_err(key_error)?;
                (p.key, p.warnings, None)
            };
            let base = uri_params.unwrap_or_default();
            let algorithm = match algorithm.as_deref() {
                Some(a) => Algorithm::parse(a).ok_or_else(|| key_error(KeyError::Algorithm(a.to_owned())))?,
                None => base.algorithm,
            };
            let params = Params::new(algorithm, digits.unwrap_or(base.digits), period.unwrap_or(base.period)).map_err(key_error)?;
            let label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
            let account = Account {
                authenticator: res.authenticator.clone(),
                user: user.clone(),
                label,
                params,
                created: ctx.now_ms / 1000,
                ..Account::default()
            };
            let outcome = vault.save(account, &key, replace).map_err(|e| match e {
                VaultError::KeyExists => ProtocolError::new(ErrorCode::KeyExists)
                    .with("authenticator", res.authenticator.clone())
                    .with("user", user.clone()),
                other => other.into(),
            })?;
            // The confirmation field takes the current code; claim its step so the next login
            // does not reuse it (`claim_step` moves past any step already used).
            let candidate = fresh_step(&params, court_now, None);
            let mut step_warnings: Vec<&str> = Vec::new();
            let step = claim_or_warn(vault, &res.authenticator, &user, candidate, &mut step_warnings)?;
            let timed = timed_code(&key, &params, step, court_now);
            let mut warnings: Vec<Value> = warnings.iter().map(|w| json!(w)).collect();
            warnings.extend(step_warnings.iter().map(|w| json!(w)));
            let replaced = outcome == SaveOutcome::Replaced;
            Ok(json!({
                "authenticator": res.authenticator,
                "system": res.system,
                "systems": ctx.registry.systems_of(&res.authenticator).iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
                "user": user,
                "outcome": outcome,
                // A replacement keeps the previous key until a login with the new one succeeds.
                "replaced_kept": replaced,
                "notice": replaced.then(|| crate::i18n::REPLACED_KEPT.pick(ctx.lang)),
                "warnings": warnings,
                "code": timed.code,
                "valid_for_s": timed.valid_for_s,
                "wait_ms": timed.wait_ms,
                "step": timed.step,
            }))
        }
        Request::Label { url, authenticator, user, label } => {
            let res = target(ctx, url.as_deref(), authenticator.as_deref())?;
            let label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
            vault.set_label(&res.authenticator, &user, label.clone())?;
            Ok(json!({ "authenticator": res.authenticator, "user": user.trim(), "label": label }))
        }
        Request::ImportPreview { text, data, format, password, system } => {
            let input = import_input(&text, &data, &format, &password, &system);
            crate::import::plan::preview(&*vault, ctx, &input)
        }
        Request::ImportApply { text, data, format, password, system, choices, replace } => {
            let input = import_input(&text, &data, &format, &password, &system);
            crate::import::plan::apply(vault, ctx, &input, choices.as_deref(), replace)
        }
        Request::Export { format } => crate::import::plan::export(vault, ctx, format.as_deref()),
        Request::Remove { url, authenticator, user, confirm } => {
            let res = target(ctx, url.as_deref(), authenticator.as_deref())?;
            if !confirm {
                return Err(ProtocolError::new(ErrorCode::ConfirmRequired));
            }
            vault.remove(&res.authenticator, &user)?;
            Ok(json!({ "removed": true, "authenticator": res.authenticator, "user": user.trim() }))
        }
    }
}

fn import_input<'a>(
    text: &'a Option<crate::protocol::Sensitive>,
    data: &'a Option<crate::protocol::Sensitive>,
    format: &'a Option<String>,
    password: &'a Option<crate::protocol::Sensitive>,
    system: &'a Option<String>,
) -> crate::import::plan::FileInput<'a> {
    crate::import::plan::FileInput {
        text: text.as_ref().map(|s| s.0.as_str()),
        data: data.as_ref().map(|s| s.0.as_str()),
        format: format.as_deref(),
        password: password.as_ref().map(|s| s.0.as_str()),
        system: system.as_deref(),
    }
}

/// An in-memory vault: for unit tests of this crate and for the WASM build, which loads it from
/// the browser's decrypted store and writes it back. It is never used by the native host.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MemoryVault {
    pub entries: Vec<(Account, SecretKey)>,
    /// Keys kept by replacing enrollments (see [`Vault::save`]), one at most per account.
    pub kept: Vec<KeptKey>,
}

/// A previous key kept by a replacing enrollment.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptKey {
    pub authenticator: String,
    pub user: String,
    pub params: Params,
    pub key: SecretKey,
}

impl MemoryVault {
    fn entry_mut(&mut self, authenticator: &str, user: &str) -> Result<&mut (Account, SecretKey), VaultError> {
        self.entries.iter_mut().find(|(a, _)| a.is(authenticator, user)).ok_or(VaultError::NoSuchAccount)
    }

    fn kept_index(&self, authenticator: &str, user: &str) -> Option<usize> {
        self.kept.iter().position(|k| k.authenticator == authenticator && same_user(&k.user, user))
    }
}

impl Vault for MemoryVault {
    fn status(&self) -> StoreStatus {
        StoreStatus { state: "ok", backend: "memory", detail: None }
    }

    fn accounts(&self) -> Result<Vec<Account>, VaultError> {
        Ok(self.entries.iter().map(|(a, _)| a.clone()).collect())
    }

    fn secret(&self, account: &Account) -> Result<SecretKey, VaultError> {
        self.entries
            .iter()
            .find(|(a, _)| a.is(&account.authenticator, &account.user))
            .map(|(_, k)| k.clone())
            .ok_or_else(|| VaultError::SecretMissing(account.authenticator.clone()))
    }

    fn save(&mut self, account: Account, key: &SecretKey, replace: bool) -> Result<SaveOutcome, VaultError> {
        if let Some((a, k)) = self.entries.iter_mut().find(|(a, _)| a.is(&account.authenticator, &account.user)) {
            if k == key {
                a.params = account.params;
                if account.label.is_some() {
                    a.label = account.label;
                }
                return Ok(SaveOutcome::Unchanged);
            }
            if !replace {
                return Err(VaultError::KeyExists);
            }
            let already_kept = self.kept.iter().any(|x| x.authenticator == a.authenticator && same_user(&x.user, &a.user));
            let previous = KeptKey { authenticator: a.authenticator.clone(), user: a.user.clone(), params: a.params, key: k.clone() };
            let replaced_at = if already_kept { a.replaced_at.or(Some(account.created)) } else { Some(account.created) };
            let label = account.label.clone().or(a.label.clone());
            *a = Account { user: a.user.clone(), label, replaced_at, rejection: None, ..account };
            *k = key.clone();
            if !already_kept {
                self.kept.push(previous);
            }
            return Ok(SaveOutcome::Replaced);
        }
        self.entries.push((account, key.clone()));
        Ok(SaveOutcome::Created)
    }

    fn remove(&mut self, authenticator: &str, user: &str) -> Result<(), VaultError> {
        let before = self.entries.len();
        self.entries.retain(|(a, _)| !a.is(authenticator, user));
        if self.entries.len() == before {
            return Err(VaultError::NoSuchAccount);
        }
        self.kept.retain(|k| !(k.authenticator == authenticator && same_user(&k.user, user)));
        Ok(())
    }

    fn set_label(&mut self, authenticator: &str, user: &str, label: Option<String>) -> Result<(), VaultError> {
        let (a, _) = self
            .entries
            .iter_mut()
            .find(|(a, _)| a.is(authenticator, user))
            .ok_or(VaultError::NoSuchAccount)?;
        a.label = label;
        Ok(())
    }

    fn claim_step(&mut self, authenticator: &str, user: &str, step: u64) -> Result<u64, VaultError> {
        let (a, _) = self
            .entries
            .iter_mut()
            .find(|(a, _)| a.is(authenticator, user))
            .ok_or(VaultError::NoSuchAccount)?;
        let step = match a.last_step {
            Some(last) if last >= step => last.saturating_add(1),
            _ => step,
        };
        a.last_step = Some(step);
        Ok(step)
    }

    fn update_rejection(&mut self, authenticator: &str, user: &str, update: &mut RejectionUpdate) -> Result<Option<RejectionRecord>, VaultError> {
        let (a, _) = self.entry_mut(authenticator, user)?;
        a.rejection = update(a.rejection);
        Ok(a.rejection)
    }

    fn drop_replaced(&mut self, authenticator: &str, user: &str) -> Result<bool, VaultError> {
        self.entry_mut(authenticator, user)?.0.replaced_at = None;
        match self.kept_index(authenticator, user) {
            Some(i) => {
                self.kept.remove(i);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn restore_replaced(&mut self, authenticator: &str, user: &str) -> Result<(), VaultError> {
        let pos = self.entries.iter().position(|(a, _)| a.is(authenticator, user)).ok_or(VaultError::NoSuchAccount)?;
        let i = self.kept_index(authenticator, user).ok_or(VaultError::NothingToRestore)?;
        let (account, key) = &mut self.entries[pos];
        let kept = &mut self.kept[i];
        std::mem::swap(&mut account.params, &mut kept.params);
        std::mem::swap(key, &mut kept.key);
        account.rejection = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::totp::code_at;

    const KEY: &str = "MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW";
    const TRF4: &str = "https://eproc.trf4.jus.br/eproc2trf4/index.php";
    const JFPR_SSO: &str = "https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate?client_id=eproc.jfpr.jus.br";

    fn run(v: &mut MemoryVault, now_ms: u64, req: Value) -> Value {
        let reg = Registry::builtin();
        let ctx = Context { registry: &reg, now_ms, lang: Lang::PtBr, mode: "test", version: "0" };
        handle_bytes(v, &ctx, req.to_string().as_bytes())
    }

    fn enroll(v: &mut MemoryVault, now_ms: u64, user: &str, key: &str) -> Value {
        run(v, now_ms, json!({"id": 1, "type": "enroll", "url": TRF4, "user": user, "secret": key}))
    }

    #[test]
    fn enroll_then_code_on_a_sister_court() {
        let mut v = MemoryVault::default();
        let now = 1_700_000_010_000;
        let a = enroll(&mut v, now, "RS123", KEY);
        assert_eq!(a["ok"], json!(true), "{a}");
        assert_eq!(a["outcome"], json!("created"));
        let key = parse_key(KEY).unwrap().key;
        assert_eq!(a["code"], json!(code_at(&key, &Params::default(), now / 1000)));
        // Later, on the JFPR SSO page, the same key answers; the next step since the enroll
        // code's step was used.
        let later = now + 60_000;
        let c = run(&mut v, later, json!({"id": 2, "type": "code", "url": JFPR_SSO}));
        assert_eq!(c["ok"], json!(true), "{c}");
        assert_eq!(c["authenticator"], json!("trf4"));
        assert_eq!(c["system"], json!("jfpr"));
        assert_eq!(c["code"], json!(code_at(&key, &Params::default(), later / 1000)));
        assert_eq!(c["wait_ms"], json!(0));
    }

    #[test]
    fn never_the_same_step_twice() {
        let mut v = MemoryVault::default();
        let now = 1_700_000_010_000;
        enroll(&mut v, now - 120_000, "RS123", KEY);
        let a = run(&mut v, now, json!({"id": 1, "type": "code", "url": TRF4}));
        let b = run(&mut v, now + 1000, json!({"id": 2, "type": "code", "url": TRF4}));
        assert_ne!(a["code"], b["code"]);
        assert_eq!(b["step"].as_u64().unwrap(), a["step"].as_u64().unwrap() + 1);
        assert!(b["wait_ms"].as_u64().unwrap() > 0);
        // Peek shows without using the step.
        let p1 = run(&mut v, now + 2000, json!({"id": 3, "type": "code", "authenticator": "trf4", "peek": true}));
        let p2 = run(&mut v, now + 2000, json!({"id": 4, "type": "code", "authenticator": "trf4", "peek": true}));
        assert_eq!(p1["code"], p2["code"]);
    }

    #[test]
    fn the_popup_peek_carries_the_next_code_and_pages_never_do() {
        let mut v = MemoryVault::default();
        let now = 1_700_000_010_000;
        enroll(&mut v, now - 120_000, "RS123", KEY);
        let p = run(&mut v, now, json!({"id": 1, "type": "code", "authenticator": "trf4", "peek": true}));
        let later = run(&mut v, now + 30_000, json!({"id": 2, "type": "code", "authenticator": "trf4", "peek": true}));
        assert_eq!(p["next_code"], later["code"], "{p} {later}");
        let page = run(&mut v, now, json!({"id": 3, "type": "code", "url": TRF4, "peek": true}));
        assert!(page.get("next_code").is_none(), "{page}");
        let fill = run(&mut v, now, json!({"id": 4, "type": "code", "url": TRF4}));
        assert!(fill.get("next_code").is_none(), "{fill}");
    }

    #[test]
    fn several_accounts_need_a_choice() {
        let mut v = MemoryVault::default();
        let now = 1_700_000_010_000;
        enroll(&mut v, now, "RS1", KEY);
        enroll(&mut v, now, "RS2", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
        let c = run(&mut v, now + 90_000, json!({"id": 1, "type": "code", "url": TRF4}));
        assert_eq!(c["error"]["code"], json!("choose_account"));
        assert_eq!(c["error"]["accounts"].as_array().unwrap().len(), 2);
        let c = run(&mut v, now + 90_000, json!({"id": 1, "type": "code", "url": TRF4, "user": "rs2"}));
        assert_eq!(c["user"], json!("RS2"));
        let c = run(&mut v, now + 90_000, json!({"id": 1, "type": "code", "url": TRF4, "user": "RS9"}));
        assert_eq!(c["error"]["code"], json!("unknown_account"));
    }

    #[test]
    fn errors_for_sites_keys_and_overwrites() {
        let mut v = MemoryVault::default();
        let now = 1_700_000_010_000;
        let c = run(&mut v, now, json!({"id": 1, "type": "code", "url": "https://eproc.trf4.jus.br.evil.example/eproc2trf4/"}));
        assert_eq!(c["error"]["code"], json!("unknown_site"));
        assert_eq!(c["error"]["reason"], json!("unknown_host"));
        let c = run(&mut v, now, json!({"id": 1, "type": "code", "url": TRF4}));
        assert_eq!(c["error"]["code"], json!("no_account"));
        let e = enroll(&mut v, now, "RS1", "MMZD IMR0");
        assert_eq!(e["error"]["code"], json!("invalid_key"));
        assert_eq!(e["error"]["position"], json!(9));
        enroll(&mut v, now, "RS1", KEY);
        assert_eq!(enroll(&mut v, now, "RS1", KEY)["outcome"], json!("unchanged"));
        let e = enroll(&mut v, now, "RS1", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
        assert_eq!(e["error"]["code"], json!("key_exists"));
        // The original key is untouched.
        assert_eq!(v.entries[0].1, parse_key(KEY).unwrap().key);
        let r = run(&mut v, now, json!({"id": 1, "type": "enroll", "url": TRF4, "user": "RS1", "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "replace": true}));
        assert_eq!(r["outcome"], json!("replaced"));
    }

    #[test]
    fn remove_needs_confirmation() {
        let mut v = MemoryVault::default();
        let now = 1_700_000_010_000;
        enroll(&mut v, now, "RS1", KEY);
        let r = run(&mut v, now, json!({"id": 1, "type": "remove", "authenticator": "trf4", "user": "RS1"}));
        assert_eq!(r["error"]["code"], json!("confirm_required"));
        assert_eq!(v.entries.len(), 1);
        let r = run(&mut v, now, json!({"id": 1, "type": "remove", "url": TRF4, "user": "rs1", "confirm": true}));
        assert_eq!(r["ok"], json!(true), "{r}");
        assert!(v.entries.is_empty());
        let r = run(&mut v, now, json!({"id": 1, "type": "remove", "url": TRF4, "user": "rs1", "confirm": true}));
        assert_eq!(r["error"]["code"], json!("unknown_account"));
    }

    #[test]
    fn labels_are_set_and_cleared() {
        let mut v = MemoryVault::default();
        let now = 1_700_000_010_000;
        enroll(&mut v, now, "RS1", KEY);
        let r = run(&mut v, now, json!({"id": 1, "type": "label", "authenticator": "trf4", "user": "rs1", "label": " Escritório "}));
        assert_eq!(r["label"], json!("Escritório"), "{r}");
        assert_eq!(v.entries[0].0.label.as_deref(), Some("Escritório"));
        run(&mut v, now, json!({"id": 1, "type": "label", "url": TRF4, "user": "RS1", "label": ""}));
        assert_eq!(v.entries[0].0.label, None);
        let r = run(&mut v, now, json!({"id": 1, "type": "label", "authenticator": "trf4", "user": "nobody", "label": "x"}));
        assert_eq!(r["error"]["code"], json!("unknown_account"));
    }

    #[test]
    fn accounts_never_carry_secrets() {
        let mut v = MemoryVault::default();
        enroll(&mut v, 1_700_000_010_000, "RS1", KEY);
        let a = run(&mut v, 1_700_000_010_000, json!({"id": 1, "type": "accounts"}));
        let text = a.to_string();
        assert!(!text.contains("MMZD") && !text.contains("secret"), "{text}");
        assert_eq!(a["accounts"][0]["systems"], json!(["trf4", "jfpr", "jfsc", "jfrs"]));
        assert_eq!(a["accounts"][0]["title"], json!("TRF4"));
        assert_eq!(a["accounts"][0]["systems_short"], json!(["TRF4", "JFPR", "JFSC", "JFRS"]));
    }

    #[test]
    fn enroll_accepts_keycloak_parameters_and_otpauth() {
        let mut v = MemoryVault::default();
        let now = 1_700_000_010_000;
        let r = run(&mut v, now, json!({"id": 1, "type": "enroll", "url": "https://sso.tjsc.jus.br/realms/eproc/login-actions/required-action",
            "user": "u", "secret": KEY, "algorithm": "SHA256", "digits": 8, "period": 60}));
        assert_eq!(r["ok"], json!(true), "{r}");
        assert_eq!(r["code"].as_str().unwrap().len(), 8);
        let r = run(&mut v, now, json!({"id": 1, "type": "enroll", "url": TRF4, "user": "u2",
            "secret": "otpauth://totp/TRF4:u2?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&digits=8"}));
        assert_eq!(r["code"].as_str().unwrap().len(), 8, "{r}");
    }

    #[test]
    fn codes_follow_the_court_clock_ahead_or_behind() {
        let key = parse_key(KEY).unwrap().key;
        let p = Params::default();
        for offset in [150_000i64, -150_000] {
            let mut v = MemoryVault::default();
            let now: u64 = 1_700_000_010_000;
            enroll(&mut v, now - 600_000, "RS1", KEY);
            let court = court_time_ms(now, offset);
            let c = run(&mut v, now, json!({"id": 1, "type": "code", "url": TRF4, "clock_offset_ms": offset}));
            assert_eq!(c["ok"], json!(true), "{c}");
            assert_eq!(c["clock_offset_ms"], json!(offset));
            // The code is the one valid by the court's clock, its step and timing in court time.
            let step = crate::totp::fresh_step(&p, court, None);
            assert_eq!(c["step"], json!(step), "{offset}");
            assert_eq!(c["code"], json!(code_at(&key, &p, step * 30)), "{offset}");
            assert_eq!(c["code"], json!(code_at(&key, &p, court / 1000)), "{offset}");
            assert_ne!(c["code"], json!(code_at(&key, &p, now / 1000)), "{offset}: the computer's code");
            let t = timed_code(&key, &p, step, court);
            assert_eq!((c["wait_ms"].as_u64(), c["valid_for_s"].as_u64()), (Some(t.wait_ms), Some(t.valid_for_s)));
            // The step claimed is the court's: the next fill moves past it.
            assert_eq!(v.entries[0].0.last_step, Some(step));
            let peek = run(&mut v, now, json!({"id": 2, "type": "code", "authenticator": "trf4", "peek": true, "clock_offset_ms": offset}));
            assert_eq!(peek["code"], json!(code_at(&key, &p, court / 1000)));
        }
        // The enrollment's confirmation code is the court's too, and claims the court's step.
        let mut v = MemoryVault::default();
        let now: u64 = 1_700_000_010_000;
        let e = run(&mut v, now, json!({"id": 4, "type": "enroll", "url": TRF4, "user": "RS1", "secret": KEY, "clock_offset_ms": -150_000}));
        assert_eq!(e["code"], json!(code_at(&key, &p, (now - 150_000) / 1000)), "{e}");
        assert_eq!(v.entries[0].0.last_step, Some((now - 150_000) / 30_000));
        let e = run(&mut v, now, json!({"id": 5, "type": "enroll", "url": TRF4, "user": "RS2", "secret": KEY, "clock_offset_ms": 700_000}));
        assert_eq!(e["error"]["reason"], json!("clock_offset_out_of_range"), "{e}");

        let mut v = MemoryVault::default();
        enroll(&mut v, 1_700_000_000_000, "RS1", KEY);
        let c = run(&mut v, 1_700_000_100_000, json!({"id": 3, "type": "code", "url": TRF4, "clock_offset_ms": 600_001}));
        assert_eq!((&c["error"]["code"], &c["error"]["reason"]), (&json!("invalid_request"), &json!("clock_offset_out_of_range")), "{c}");
        assert_eq!(v.entries[0].0.last_step, Some(crate::totp::fresh_step(&Params::default(), 1_700_000_000_000, None)), "no step claimed");
    }

    fn result(v: &mut MemoryVault, now: u64, outcome: &str, step: Option<u64>) -> Value {
        run(v, now, json!({"id": 9, "type": "login_result", "url": TRF4, "outcome": outcome, "step": step}))
    }

    #[test]
    fn a_refused_code_stops_auto_submit_and_a_second_stops_filling() {
        let mut v = MemoryVault::default();
        let now: u64 = 1_700_000_010_000;
        enroll(&mut v, now - 120_000, "RS1", KEY);
        let c = run(&mut v, now, json!({"id": 1, "type": "code", "url": TRF4}));
        assert_eq!(c["rejection"], Value::Null, "{c}");
        let step = c["step"].as_u64().unwrap();
        // The court refuses it: one more fill, no automatic submission.
        let r = result(&mut v, now + 2_000, "rejected", Some(step));
        assert_eq!(r["rejection"], json!({"count": 1, "at_ms": now + 2_000, "until_ms": now + 2_000 + crate::rejection::HOLD_MS, "auto_submit": false, "fill": true}), "{r}");
        // The same refusal seen twice (two tabs) counts once.
        assert_eq!(result(&mut v, now + 3_000, "rejected", Some(step))["rejection"]["count"], json!(1));
        let c2 = run(&mut v, now + 30_000, json!({"id": 2, "type": "code", "url": TRF4}));
        assert_eq!(c2["ok"], json!(true), "{c2}");
        assert_eq!(c2["rejection"]["fill"], json!(true));
        assert_eq!(c2["rejection"]["auto_submit"], json!(false));
        // Refused again: no code at all, and no step is claimed for it.
        let r = result(&mut v, now + 31_000, "rejected", c2["step"].as_u64());
        assert_eq!(r["rejection"]["fill"], json!(false));
        let last = v.entries[0].0.last_step;
        let w = run(&mut v, now + 60_000, json!({"id": 3, "type": "code", "url": TRF4}));
        assert_eq!(w["error"]["code"], json!("code_withheld"), "{w}");
        assert_eq!(w["error"]["rejections"], json!(2));
        assert_eq!(w["error"]["until_ms"], json!(now + 31_000 + crate::rejection::HOLD_MS));
        let msg = w["error"]["message"].as_str().unwrap();
        assert!(msg.contains("relógio") && msg.contains("chave") && msg.contains("conta certa"), "{msg}");
        assert_eq!(v.entries[0].0.last_step, last, "a withheld code claims no step");
        // The popup still shows the code (peek), with the state.
        let p = run(&mut v, now + 60_000, json!({"id": 4, "type": "code", "authenticator": "trf4", "peek": true}));
        assert_eq!(p["ok"], json!(true), "{p}");
        assert_eq!(p["rejection"]["count"], json!(2));
        let a = run(&mut v, now + 60_000, json!({"id": 5, "type": "accounts"}));
        assert_eq!(a["accounts"][0]["rejection"]["fill"], json!(false), "{a}");
        // After the hold, codes come again; a login by hand or a reset clears it at once.
        let later = now + 31_000 + crate::rejection::HOLD_MS;
        assert_eq!(run(&mut v, later, json!({"id": 6, "type": "code", "url": TRF4}))["rejection"], Value::Null);
        result(&mut v, now + 61_000, "rejected", None);
        result(&mut v, now + 62_000, "rejected", None);
        assert_eq!(run(&mut v, now + 63_000, json!({"id": 7, "type": "code", "url": TRF4}))["error"]["code"], json!("code_withheld"));
        assert_eq!(result(&mut v, now + 64_000, "reset", None)["rejection"], Value::Null);
        assert_eq!(run(&mut v, now + 65_000, json!({"id": 8, "type": "code", "url": TRF4}))["ok"], json!(true));
        result(&mut v, now + 66_000, "rejected", None);
        assert_eq!(result(&mut v, now + 67_000, "accepted", None)["rejection"], Value::Null);
        assert_eq!(v.entries[0].0.rejection, None);
    }

    #[test]
    fn login_results_need_an_account() {
        let mut v = MemoryVault::default();
        let now: u64 = 1_700_000_010_000;
        assert_eq!(result(&mut v, now, "rejected", None)["error"]["code"], json!("no_account"));
        enroll(&mut v, now, "RS1", KEY);
        enroll(&mut v, now, "RS2", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
        assert_eq!(result(&mut v, now, "rejected", None)["error"]["code"], json!("choose_account"));
        let r = run(&mut v, now, json!({"id": 1, "type": "login_result", "authenticator": "trf4", "user": "rs2", "outcome": "rejected"}));
        assert_eq!((&r["user"], &r["rejection"]["count"]), (&json!("RS2"), &json!(1)), "{r}");
        assert_eq!(v.entries[0].0.rejection, None, "the other account is untouched");
    }

    #[test]
    fn a_replaced_key_is_kept_until_a_login_with_the_new_one_succeeds() {
        const NEW: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        const THIRD: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let old_key = parse_key(KEY).unwrap().key;
        let new_key = parse_key(NEW).unwrap().key;
        let p = Params::default();
        let mut v = MemoryVault::default();
        let now: u64 = 1_700_000_010_000;
        enroll(&mut v, now, "RS1", KEY);
        let r = run(&mut v, now, json!({"id": 1, "type": "restore", "authenticator": "trf4", "user": "RS1"}));
        assert_eq!(r["error"]["code"], json!("nothing_to_restore"), "{r}");
        result(&mut v, now + 1_000, "rejected", None);
        let e = run(&mut v, now + 60_000, json!({"id": 2, "type": "enroll", "url": TRF4, "user": "RS1", "secret": NEW, "replace": true}));
        assert_eq!((&e["outcome"], &e["replaced_kept"]), (&json!("replaced"), &json!(true)), "{e}");
        let notice = e["notice"].as_str().unwrap();
        assert!(notice.contains("chave anterior continua guardada até que um login com a chave nova dê certo"), "{notice}");
        assert_eq!(v.entries[0].0.rejection, None, "a new key starts with a clean record");
        let a = run(&mut v, now + 61_000, json!({"id": 3, "type": "accounts"}));
        assert_eq!((&a["accounts"][0]["replaced_kept"], &a["accounts"][0]["replaced_at"]), (&json!(true), &json!((now + 60_000) / 1000)), "{a}");
        // A second replacement before any login keeps the first key (the last the court knew).
        run(&mut v, now + 90_000, json!({"id": 4, "type": "enroll", "url": TRF4, "user": "RS1", "secret": THIRD, "replace": true}));
        assert_eq!(v.kept.len(), 1);
        assert_eq!(v.kept[0].key, old_key);
        // Restore swaps: the old key answers, the newer one is kept; twice gives it back.
        let r = run(&mut v, now + 120_000, json!({"id": 5, "type": "restore", "url": TRF4, "user": "rs1"}));
        assert_eq!(r["restored"], json!(true), "{r}");
        let c = run(&mut v, now + 150_000, json!({"id": 6, "type": "code", "authenticator": "trf4", "peek": true}));
        assert_eq!(c["code"], json!(code_at(&old_key, &p, (now + 150_000) / 1000)));
        run(&mut v, now + 150_000, json!({"id": 7, "type": "restore", "authenticator": "trf4", "user": "RS1"}));
        assert_eq!(v.entries[0].1, parse_key(THIRD).unwrap().key);
        run(&mut v, now + 150_000, json!({"id": 8, "type": "restore", "authenticator": "trf4", "user": "RS1"}));
        // A login succeeds with the current key: the kept one goes.
        let r = result(&mut v, now + 180_000, "accepted", None);
        assert_eq!(r["replaced_dropped"], json!(true), "{r}");
        assert!(v.kept.is_empty());
        assert_eq!(v.entries[0].1, old_key);
        let a = run(&mut v, now + 181_000, json!({"id": 9, "type": "accounts"}));
        assert_eq!((&a["accounts"][0]["replaced_kept"], &a["accounts"][0]["replaced_at"]), (&json!(false), &Value::Null));
        // A plain (non-replacing) enrollment keeps nothing; removal takes the kept key too.
        run(&mut v, now, json!({"id": 10, "type": "enroll", "url": TRF4, "user": "RS1", "secret": NEW, "replace": true}));
        assert_eq!(v.kept.len(), 1);
        assert_eq!(v.kept[0].key, old_key);
        let _ = new_key;
        run(&mut v, now, json!({"id": 11, "type": "remove", "url": TRF4, "user": "RS1", "confirm": true}));
        assert!(v.kept.is_empty() && v.entries.is_empty());
    }
}
