//! The firm store (issue 12): keys in OpenBao's TOTP engine, account records and the
//! one-use-per-step claim in its KV v2 engine.
//!
//! - key: `<totp>/keys/<prefix><authenticator>-<user>` (names encoded by [`key_name`]), and
//!   `….g<N>` for the key of generation N (a replacing enrollment writes the new key under the
//!   next generation and keeps the previous one until a login with the new key succeeds,
//!   invariant 9); written with `generate=false`, verified by comparing the engine's current code
//!   with the code of the key in hand, never read back (the engine cannot give it).
//! - record: `<kv>/data/eproc-a2f/<prefix>/<authenticator>-<user>`, the [`Account`] as JSON
//!   with `last_step`, plus the current key's generation and the kept one's ([`Record`]); every
//!   change is a check-and-set write, so the claim of a step is atomic across every client of
//!   the firm (lawyers' machines, robots), and so is the swap of `restore`.
//! - codes: `GET <totp>/code/<name>` once the claimed step has begun.
//!
//! Nothing falls back to the local keyring: every failure is a `store_*` error.

pub mod auth;
pub mod client;
pub mod managed;
pub mod settings;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use zeroize::Zeroizing;

use eproc_a2f_core::protocol::ErrorCode;
use eproc_a2f_core::rejection::{RejectionRecord, RejectionUpdate};
use eproc_a2f_core::secret::{Params, SecretKey};
use eproc_a2f_core::service::{same_user, Account, SaveOutcome, StoreStatus, Vault, VaultError};
use eproc_a2f_core::totp::{code_at, step_at};

use crate::host::now_ms;
use client::{remote, Client};
use settings::Settings;

/// Encodes one part of a key name: lower-case letters and digits stay, everything else becomes
/// `_xx` (UTF-8 bytes in hex). eproc users compare without case and surrounding space, so the
/// user is trimmed and lower-cased first; the name is then the same on every machine.
pub fn encode_part(s: &str) -> String {
    let mut out = String::new();
    for b in s.trim().to_lowercase().bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out
}

/// The account's name in both engines, without the prefix.
pub fn record_name(authenticator: &str, user: &str) -> String {
    format!("{}-{}", encode_part(authenticator), encode_part(user))
}

pub fn key_name(prefix: &str, authenticator: &str, user: &str) -> String {
    format!("{prefix}{}", record_name(authenticator, user))
}

/// The engine's name of generation `generation` of a key: the base name for 0, then
/// `<base>.g<N>`. Encoded parts never hold a `.`, so `<base>.g*` names this account's
/// generations only (the robot policy grants exactly `<base>` and `<base>.g*`).
pub fn generation_name(base: &str, generation: u64) -> String {
    if generation == 0 {
        base.to_owned()
    } else {
        format!("{base}{GENERATION_SEP}{generation}")
    }
}

/// What separates a key's base name from its generation.
pub const GENERATION_SEP: &str = ".g";

/// The KV record: core's [`Account`] and where its keys are in the TOTP engine. Records written
/// before generations existed read as generation 0 with nothing kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    #[serde(flatten)]
    pub account: Account,
    /// Generation of the key in use ([`generation_name`]).
    #[serde(default, rename = "keyGeneration", skip_serializing_if = "is_zero")]
    pub key_gen: u64,
    /// The key a replacing enrollment kept: its generation and parameters (`None`: none kept).
    #[serde(default, rename = "keptKey", skip_serializing_if = "Option::is_none")]
    pub kept: Option<KeptKey>,
    /// The highest generation handed to a replacing enrollment (written before its key).
    #[serde(default, rename = "reservedGeneration", skip_serializing_if = "is_zero")]
    pub reserved: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptKey {
    pub generation: u64,
    pub params: Params,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Record {
    fn new(account: Account) -> Record {
        Record { account, key_gen: 0, kept: None, reserved: 0 }
    }
    /// The generation the next replacing enrollment writes: above every one in use.
    fn next_gen(&self) -> u64 {
        self.key_gen.max(self.kept.map_or(0, |k| k.generation)).max(self.reserved) + 1
    }
}

/// The longest a code request waits for its step to begin (the extension's code timeout is 20 s).
pub const MAX_WAIT_MS: u64 = 15_000;

/// The largest clock difference with the server a code is given with (the `Date` header has
/// whole seconds).
const MAX_CLOCK_SKEW_S: u64 = 2;

/// How many CAS conflicts a claim survives before it answers `busy`.
const CAS_TRIES: u32 = 40;

pub struct OpenBaoVault {
    pub settings: Settings,
    pub client: Client,
    logged_in: Cell<bool>,
    /// Key generation of each record last read (by record name): `engine_code` follows the
    /// record its request just read (`accounts`, `claim_step`) without reading it again.
    generations: RefCell<HashMap<String, u64>>,
}

impl OpenBaoVault {
    pub fn new(settings: Settings) -> Result<OpenBaoVault, VaultError> {
        let client = Client::new(&settings.address, &settings.fallback, settings.ca_cert.as_deref(), Duration::from_secs(10))?;
        Ok(OpenBaoVault { settings, client, logged_in: Cell::new(false), generations: RefCell::new(HashMap::new()) })
    }

    /// A request with a token (obtained, renewed or refused first).
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, VaultError> {
        self.login()?;
        self.client.call(method, path, body)
    }

    fn login(&self) -> Result<(), VaultError> {
        if !self.logged_in.get() {
            auth::ensure_token(&self.client, &self.settings)?;
            self.logged_in.set(true);
        }
        Ok(())
    }

    fn key_name(&self, authenticator: &str, user: &str) -> String {
        key_name(&self.settings.prefix, authenticator, user)
    }

    fn record_path(&self, kind: &str, authenticator: &str, user: &str) -> String {
        format!("{}/{kind}/eproc-a2f/{}/{}", self.settings.kv_mount, self.settings.prefix, record_name(authenticator, user))
    }

    /// The engine's name of the key of `generation`.
    fn gen_key_name(&self, authenticator: &str, user: &str, generation: u64) -> String {
        generation_name(&self.key_name(authenticator, user), generation)
    }

    fn remember(&self, record: &Record) {
        self.generations.borrow_mut().insert(record_name(&record.account.authenticator, &record.account.user), record.key_gen);
    }

    fn parse_record(&self, path: &str, data: &Value) -> Result<Record, VaultError> {
        let record: Record = serde_json::from_value(data.clone())
            .map_err(|e| remote(ErrorCode::StoreError, format!("{path}: not an eproc-a2f record: {e}")))?;
        self.remember(&record);
        Ok(record)
    }

    /// The record and its version; `None` when absent (or deleted).
    fn read_record(&self, authenticator: &str, user: &str) -> Result<Option<(u64, Record)>, VaultError> {
        self.login()?;
        let path = self.record_path("data", authenticator, user);
        let r = self.client.raw("GET", &path, None)?;
        if r.status == 404 && r.errors().is_empty() {
            return Ok(None);
        }
        if !r.ok() {
            return Err(self.client.classify(&path, &r));
        }
        let version = r.body["data"]["metadata"]["version"].as_u64().unwrap_or(0);
        let data = &r.body["data"]["data"];
        if data.is_null() {
            // Soft-deleted: absent (writers then ask for the current version, which CAS counts).
            return Ok(None);
        }
        Ok(Some((version, self.parse_record(&path, data)?)))
    }

    /// Writes the record if its version is still `version` (0: absent). `Ok(false)` on conflict.
    fn write_record(&self, record: &Record, version: u64) -> Result<bool, VaultError> {
        let path = self.record_path("data", &record.account.authenticator, &record.account.user);
        let body = json!({ "options": { "cas": version }, "data": record });
        let r = self.client.raw("POST", &path, Some(&body))?;
        if r.ok() {
            self.remember(record);
            return Ok(true);
        }
        if r.is_cas_mismatch() {
            return Ok(false);
        }
        Err(self.client.classify(&path, &r))
    }

    /// The current version of a record, even when its data was deleted (CAS counts those).
    fn current_version(&self, authenticator: &str, user: &str) -> Result<u64, VaultError> {
        let path = self.record_path("metadata", authenticator, user);
        let r = self.client.raw("GET", &path, None)?;
        if r.status == 404 {
            return Ok(0);
        }
        if !r.ok() {
            return Err(self.client.classify(&path, &r));
        }
        Ok(r.body["data"]["current_version"].as_u64().unwrap_or(0))
    }

    /// Changes a record with a check-and-set loop.
    fn update_record(&self, authenticator: &str, user: &str, mut change: impl FnMut(&mut Account) -> Result<(), VaultError>) -> Result<Account, VaultError> {
        self.update_full(authenticator, user, |r| change(&mut r.account)).map(|r| r.account)
    }

    /// The same over the whole record (key generations too).
    fn update_full(&self, authenticator: &str, user: &str, mut change: impl FnMut(&mut Record) -> Result<(), VaultError>) -> Result<Record, VaultError> {
        for attempt in 0..CAS_TRIES {
            let (version, mut record) = self.read_record(authenticator, user)?.ok_or(VaultError::NoSuchAccount)?;
            change(&mut record)?;
            if self.write_record(&record, version)? {
                return Ok(record);
            }
            backoff(attempt);
        }
        Err(VaultError::Busy("too many concurrent writers on the step record".into()))
    }

    /// The engine's current code, with the local times just before and after asking.
    fn engine_now(&self, name: &str) -> Result<(Zeroizing<String>, u64, u64), VaultError> {
        let path = format!("{}/code/{name}", self.settings.totp_mount);
        let t0 = now_ms();
        let body = self.call("GET", &path, None)?;
        let t1 = now_ms();
        let code = body["data"]["code"].as_str().ok_or_else(|| remote(ErrorCode::StoreError, format!("{path}: answer without a code")))?;
        // The engine's code is of the server's time step, the claim of ours: they must agree, or
        // two machines with different clocks could get the same code for different claims.
        if let Some(server) = self.client.server_time.get() {
            let (lo, hi) = (t0 / 1000, t1.div_ceil(1000));
            let off = if server + MAX_CLOCK_SKEW_S < lo { lo - server } else if server > hi + MAX_CLOCK_SKEW_S { server - hi } else { 0 };
            if off > 0 {
                return Err(remote(ErrorCode::StoreError, format!("this computer's clock differs from OpenBao's by about {off} s: set the clock (NTP) and try again")));
            }
        }
        Ok((Zeroizing::new(code.to_owned()), t0, t1))
    }

    /// Whether the engine's key under `name` makes the same codes as `key`.
    fn engine_matches(&self, name: &str, key: &SecretKey, account: &Account) -> Result<bool, VaultError> {
        let (code, t0, t1) = self.engine_now(name)?;
        let p = &account.params;
        // The engine computed it at the server's time: the `Date` second (or the one before, if
        // the header was written just after a second began); without it, ours.
        let times: Vec<u64> = match self.client.server_time.get() {
            Some(s) => vec![s, s.saturating_sub(1)],
            None => vec![t0 / 1000, t1 / 1000],
        };
        Ok(times.iter().any(|t| *code == code_at(key, p, *t)))
    }

    fn write_key(&self, name: &str, account: &Account, key: &SecretKey) -> Result<(), VaultError> {
        let b32 = Zeroizing::new(key.to_base32());
        let mut body = json!({
            "generate": false,
            "key": b32.as_str(),
            "issuer": format!("eproc-a2f {}", account.authenticator),
            "account_name": account.user,
            "algorithm": account.params.algorithm.as_str(),
            "digits": account.params.digits,
            "period": account.params.period,
        });
        let path = format!("{}/keys/{name}", self.settings.totp_mount);
        let r = self.client.raw("POST", &path, Some(&body));
        // The JSON value's copy of the key is wiped too.
        if let Some(Value::String(k)) = body.get_mut("key") {
            zeroize::Zeroize::zeroize(k);
        }
        let r = r?;
        if r.ok() {
            return Ok(());
        }
        if r.status == 400 {
            // Unsupported parameters (the engine takes 6 or 8 digits).
            return Err(remote(ErrorCode::StoreError, format!("{path}: {}", r.errors())));
        }
        Err(self.client.classify(&path, &r))
    }

    fn delete_key(&self, name: &str) -> Result<(), VaultError> {
        self.call("DELETE", &format!("{}/keys/{name}", self.settings.totp_mount), None).map(|_| ())
    }

    /// The engine's name of the key in use: from the record this request read, else read now.
    fn current_key_name(&self, authenticator: &str, user: &str) -> Result<String, VaultError> {
        let known = self.generations.borrow().get(&record_name(authenticator, user)).copied();
        let generation = match known {
            Some(g) => g,
            None => self.read_record(authenticator, user)?.ok_or(VaultError::NoSuchAccount)?.1.key_gen,
        };
        Ok(self.gen_key_name(authenticator, user, generation))
    }

    /// Writes a key and checks that the engine's code is the key's; a mismatch removes the key
    /// again when `discard` (a name nothing else refers to).
    fn write_verified(&self, name: &str, account: &Account, key: &SecretKey, discard: bool) -> Result<(), VaultError> {
        self.write_key(name, account, key)?;
        let same = self.engine_matches(name, key, account);
        if !matches!(same, Ok(true)) && discard {
            let _ = self.delete_key(name);
        }
        if !same? {
            return Err(remote(ErrorCode::StoreError, format!("{name}: the code from OpenBao differs from the key's code; nothing was saved")));
        }
        Ok(())
    }

    /// A first enrollment: the key under the base name, then the record.
    fn create(&self, account: Account, key: &SecretKey) -> Result<SaveOutcome, VaultError> {
        let name = self.gen_key_name(&account.authenticator, &account.user, 0);
        self.write_verified(&name, &account, key, true)?;
        self.merge_record(account, 0)?;
        Ok(SaveOutcome::Created)
    }

    /// Writes the record of a key just written under generation `generation`, keeping the steps
    /// already handed out (and the creation time) of a record written meanwhile.
    fn merge_record(&self, account: Account, generation: u64) -> Result<(), VaultError> {
        let mut record = Record::new(account);
        record.key_gen = generation;
        for attempt in 0..CAS_TRIES {
            let (version, old) = match self.read_record(&record.account.authenticator, &record.account.user)? {
                Some((v, old)) => (v, Some(old)),
                None => (self.current_version(&record.account.authenticator, &record.account.user)?, None),
            };
            if let Some(old) = &old {
                if old.key_gen != generation {
                    return Err(VaultError::Busy("another enrollment of this account ran at the same time; try again".into()));
                }
                let a = &mut record.account;
                a.last_step = old.account.last_step.max(a.last_step);
                a.created = old.account.created;
                if a.label.is_none() {
                    a.label = old.account.label.clone();
                }
                a.replaced_at = old.account.replaced_at;
                record.kept = old.kept;
                record.reserved = old.reserved;
            }
            if self.write_record(&record, version)? {
                return Ok(());
            }
            backoff(attempt);
        }
        Err(VaultError::Busy("too many concurrent writers on the account record".into()))
    }

    /// A replacing enrollment (invariant 9): the new key goes under a generation reserved in the
    /// record (so two machines replacing at once never write the same name), is verified, and
    /// only then becomes the one in use. The previous key is kept (a key kept already stays: it
    /// is the last one the court knew, and the key in between is deleted).
    fn replace(&self, old: &Record, account: Account, key: &SecretKey) -> Result<SaveOutcome, VaultError> {
        let (a, u) = (old.account.authenticator.clone(), old.account.user.clone());
        let base_gen = old.key_gen;
        let changed = || VaultError::Busy("the account's key changed meanwhile; try again".into());
        let mut generation = 0;
        self.update_full(&a, &u, |r| {
            if r.key_gen != base_gen {
                return Err(changed());
            }
            generation = r.next_gen();
            r.reserved = generation;
            Ok(())
        })?;
        let name = self.gen_key_name(&a, &u, generation);
        self.write_verified(&name, &account, key, true)?;
        let mut obsolete = None;
        let switched = self.update_full(&a, &u, |r| {
            if r.key_gen != base_gen {
                return Err(changed());
            }
            let replaced_at = match r.kept {
                Some(_) => {
                    obsolete = Some(r.key_gen);
                    r.account.replaced_at.or(Some(account.created))
                }
                None => {
                    obsolete = None;
                    r.kept = Some(KeptKey { generation: r.key_gen, params: r.account.params });
                    Some(account.created)
                }
            };
            let prev = &r.account;
            r.account = Account {
                authenticator: prev.authenticator.clone(),
                user: prev.user.clone(),
                label: account.label.clone().or(prev.label.clone()),
                params: account.params,
                created: prev.created,
                last_step: prev.last_step.max(account.last_step),
                rejection: None,
                replaced_at,
            };
            r.key_gen = generation;
            Ok(())
        });
        if let Err(e) = switched {
            let _ = self.delete_key(&name);
            return Err(e);
        }
        if let Some(g) = obsolete {
            // The key in between (never confirmed by a login): best effort.
            let _ = self.delete_key(&self.gen_key_name(&a, &u, g));
        }
        Ok(SaveOutcome::Replaced)
    }

    /// Whether the token may delete the engine's key `name` (`sys/capabilities-self`); a token
    /// that cannot ask is let through (the delete itself then answers).
    fn may_delete(&self, name: &str) -> Result<(), VaultError> {
        let path = format!("{}/keys/{name}", self.settings.totp_mount);
        let r = self.client.raw("POST", "sys/capabilities-self", Some(&json!({ "paths": [path] })))?;
        if !r.ok() {
            return Ok(());
        }
        let caps: Vec<&str> = r.body[&path].as_array().or(r.body["capabilities"].as_array()).into_iter().flatten().filter_map(Value::as_str).collect();
        if caps.iter().any(|c| matches!(*c, "delete" | "root" | "sudo")) {
            Ok(())
        } else {
            Err(remote(ErrorCode::StoreDenied, format!("{path}: this token may not delete keys; the previous key stays kept")))
        }
    }

    /// Health, auth and mounts, for `store status` and `doctor`.
    pub fn health(&self) -> Result<Value, VaultError> {
        let h = self.client.raw("GET", "sys/health?standbyok=true&perfstandbyok=true", None)?;
        if h.body["sealed"].as_bool() == Some(true) {
            return Err(remote(ErrorCode::StoreSealed, format!("{}: sealed", self.settings.address)));
        }
        if !h.ok() && !matches!(h.status, 429 | 472 | 473) {
            return Err(self.client.classify("sys/health", &h));
        }
        self.login()?;
        let who = self.client.call("GET", "auth/token/lookup-self", None)?;
        let totp = self.client.raw("LIST", &format!("{}/keys", self.settings.totp_mount), None)?;
        if totp.status == 404 && !totp.errors().is_empty() {
            return Err(self.client.classify(&format!("{}/keys", self.settings.totp_mount), &totp));
        }
        Ok(json!({
            "address": self.settings.address,
            "version": h.body["version"],
            "standby": h.body["standby"],
            "cluster": h.body["cluster_name"],
            "policies": who["data"]["policies"],
            "ttl": who["data"]["ttl"],
            "display_name": who["data"]["display_name"],
            "prefix": self.settings.prefix,
            "totp_mount": self.settings.totp_mount,
            "kv_mount": self.settings.kv_mount,
            "auth": self.settings.method.as_str(),
            "managed_policy": self.settings.managed,
        }))
    }
}

fn backoff(attempt: u32) {
    // Spread the retries of processes that collided: 5 to 40 ms, by pid and attempt.
    let jitter = (std::process::id() as u64).wrapping_mul(2654435761).wrapping_add(attempt as u64 * 7919) % 35;
    std::thread::sleep(Duration::from_millis(5 + jitter));
}

impl Vault for OpenBaoVault {
    fn status(&self) -> StoreStatus {
        match self.health() {
            // `detail` is the address: the popup shows it (contract 3 of the popup's states).
            Ok(_) => StoreStatus { state: "ok", backend: "openbao", detail: Some(self.settings.address.clone()) },
            Err(VaultError::Remote { code, .. }) => StoreStatus {
                state: match code {
                    ErrorCode::StoreUnreachable => "unreachable",
                    ErrorCode::StoreTls => "tls_error",
                    ErrorCode::StoreSealed => "sealed",
                    ErrorCode::StoreAuth => "token_expired",
                    ErrorCode::StoreDenied => "permission_denied",
                    _ => "error",
                },
                backend: "openbao",
                detail: Some(self.settings.address.clone()),
            },
            Err(e) => StoreStatus { state: "error", backend: "openbao", detail: Some(e.to_string()) },
        }
    }

    fn accounts(&self) -> Result<Vec<Account>, VaultError> {
        self.login()?;
        let folder = format!("{}/metadata/eproc-a2f/{}/", self.settings.kv_mount, self.settings.prefix);
        let r = self.client.raw("LIST", &folder, None)?;
        if r.status == 404 && r.errors().is_empty() {
            return Ok(Vec::new());
        }
        if !r.ok() {
            return Err(self.client.classify(&folder, &r));
        }
        let mut out = Vec::new();
        for name in r.body["data"]["keys"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            let path = format!("{}/data/eproc-a2f/{}/{name}", self.settings.kv_mount, self.settings.prefix);
            let rec = self.client.raw("GET", &path, None)?;
            // A robot sees the names but reads only the accounts it was given.
            if rec.status == 403 || rec.status == 404 {
                continue;
            }
            if !rec.ok() {
                return Err(self.client.classify(&path, &rec));
            }
            if let Ok(r) = self.parse_record(&path, &rec.body["data"]["data"]) {
                out.push(r.account);
            }
        }
        Ok(out)
    }

    fn secret(&self, account: &Account) -> Result<SecretKey, VaultError> {
        Err(remote(
            ErrorCode::StoreError,
            format!("{}: the key is held by OpenBao's TOTP engine and cannot be read back", account.authenticator),
        ))
    }

    /// The engine's current code against the code of `key` (import's preview: `same`/`conflict`).
    fn same_key(&self, account: &Account, key: &SecretKey) -> Result<Option<bool>, VaultError> {
        self.login()?;
        let Some((_, record)) = self.read_record(&account.authenticator, &account.user)? else {
            return Err(VaultError::NoSuchAccount);
        };
        let name = self.gen_key_name(&record.account.authenticator, &record.account.user, record.key_gen);
        match self.engine_matches(&name, key, &record.account) {
            Ok(same) => Ok(Some(same)),
            // A record without its key: nothing to compare with.
            Err(VaultError::Remote { code: ErrorCode::StoreKeyMissing, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn save(&mut self, account: Account, key: &SecretKey, replace: bool) -> Result<SaveOutcome, VaultError> {
        self.login()?;
        let Some((_, old)) = self.read_record(&account.authenticator, &account.user)? else {
            return self.create(account, key);
        };
        let current = self.gen_key_name(&old.account.authenticator, &old.account.user, old.key_gen);
        match self.engine_matches(&current, key, &old.account) {
            Ok(true) if old.account.params == account.params => {
                if account.label.is_some() && account.label != old.account.label {
                    let label = account.label.clone();
                    self.update_record(&account.authenticator, &account.user, |a| {
                        a.label = label.clone();
                        Ok(())
                    })?;
                }
                Ok(SaveOutcome::Unchanged)
            }
            Ok(_) if !replace => Err(VaultError::KeyExists),
            Ok(_) => self.replace(&old, account, key),
            // A record without its key (a crash between the two writes): adopt it.
            Err(VaultError::Remote { code: ErrorCode::StoreKeyMissing, .. }) => {
                self.write_verified(&current, &account, key, false)?;
                self.merge_record(account, old.key_gen)?;
                Ok(SaveOutcome::Created)
            }
            Err(e) => Err(e),
        }
    }

    fn remove(&mut self, authenticator: &str, user: &str) -> Result<(), VaultError> {
        let Some((_, record)) = self.read_record(authenticator, user)? else {
            return Err(VaultError::NoSuchAccount);
        };
        let (a, u) = (&record.account.authenticator, &record.account.user);
        // Keys first: a crash between leaves a record without key, which `save` adopts.
        if let Some(kept) = record.kept {
            self.delete_key(&self.gen_key_name(a, u, kept.generation))?;
        }
        self.delete_key(&self.gen_key_name(a, u, record.key_gen))?;
        self.call("DELETE", &self.record_path("metadata", authenticator, user), None)?;
        Ok(())
    }

    fn set_label(&mut self, authenticator: &str, user: &str, label: Option<String>) -> Result<(), VaultError> {
        self.update_record(authenticator, user, |a| {
            a.label = label.clone();
            Ok(())
        })
        .map(|_| ())
    }

    fn claim_step(&mut self, authenticator: &str, user: &str, step: u64) -> Result<u64, VaultError> {
        let mut claimed = step;
        self.update_record(authenticator, user, |a| {
            let next = match a.last_step {
                Some(last) if last >= step => last.saturating_add(1),
                _ => step,
            };
            // The engine gives only the current code, so the host waits for a claimed step to
            // begin: at most MAX_WAIT_MS (the extension gives up on a code after 20 s).
            let period_ms = a.params.period as u64 * 1000;
            let start = next.saturating_mul(period_ms);
            let now = now_ms();
            if start > now + MAX_WAIT_MS {
                let wait_s = (start - MAX_WAIT_MS).saturating_sub(now).div_ceil(1000).max(1);
                return Err(remote(ErrorCode::StoreStepsTaken, format!("the next codes of this account are taken; try again in {wait_s} s")));
            }
            a.last_step = Some(next);
            claimed = next;
            Ok(())
        })?;
        Ok(claimed)
    }

    fn update_rejection(&mut self, authenticator: &str, user: &str, update: &mut RejectionUpdate) -> Result<Option<RejectionRecord>, VaultError> {
        self.login()?;
        // The record is the account's KV entry, written with check-and-set: every machine of the
        // firm sees the refusal, so no client starts the submit loop again.
        let account = self.update_record(authenticator, user, |a| {
            a.rejection = update(a.rejection.take());
            Ok(())
        })?;
        Ok(account.rejection)
    }
    /// Forgets the kept key: the record first (check-and-set: only while it still names that
    /// key), then the engine's copy, so a concurrent `restore` never loses the key in use. A
    /// token that may not delete keys (a robot) leaves both untouched.
    fn drop_replaced(&mut self, authenticator: &str, user: &str) -> Result<bool, VaultError> {
        self.login()?;
        let Some((_, record)) = self.read_record(authenticator, user)? else {
            return Err(VaultError::NoSuchAccount);
        };
        let Some(kept) = record.kept else {
            if record.account.replaced_at.is_some() {
                self.update_record(authenticator, user, |a| {
                    a.replaced_at = None;
                    Ok(())
                })?;
            }
            return Ok(false);
        };
        let (a, u) = (record.account.authenticator.clone(), record.account.user.clone());
        let kept_name = self.gen_key_name(&a, &u, kept.generation);
        self.may_delete(&kept_name)?;
        let mut dropped = false;
        self.update_full(authenticator, user, |r| {
            dropped = r.kept == Some(kept) && r.key_gen != kept.generation;
            if dropped {
                r.kept = None;
                r.account.replaced_at = None;
            }
            Ok(())
        })?;
        if dropped {
            self.delete_key(&kept_name)?;
        }
        Ok(dropped)
    }

    /// Swaps the key in use and the kept one (check-and-set on the record), once the kept key
    /// still answers in the engine.
    fn restore_replaced(&mut self, authenticator: &str, user: &str) -> Result<(), VaultError> {
        self.login()?;
        let Some((_, record)) = self.read_record(authenticator, user)? else {
            return Err(VaultError::NoSuchAccount);
        };
        let Some(kept) = record.kept else {
            return Err(VaultError::NothingToRestore);
        };
        self.engine_now(&self.gen_key_name(&record.account.authenticator, &record.account.user, kept.generation))?;
        self.update_full(authenticator, user, |r| {
            let Some(k) = r.kept else { return Err(VaultError::NothingToRestore) };
            if k != kept || r.key_gen != record.key_gen {
                return Err(VaultError::Busy("the account's keys changed meanwhile; try again".into()));
            }
            r.kept = Some(KeptKey { generation: r.key_gen, params: r.account.params });
            r.key_gen = k.generation;
            r.account.params = k.params;
            r.account.rejection = None;
            Ok(())
        })?;
        Ok(())
    }

    fn computes_codes(&self) -> bool {
        true
    }

    fn engine_code(&mut self, account: &Account, step: u64) -> Result<(String, u64), VaultError> {
        let period_ms = account.params.period as u64 * 1000;
        let start = step.saturating_mul(period_ms);
        let now = now_ms();
        if start > now {
            if start - now > MAX_WAIT_MS + 1000 {
                return Err(remote(ErrorCode::StoreError, "OpenBao gives only the current code"));
            }
            // Wait for the step to begin on every clock (a little margin for the server's).
            std::thread::sleep(Duration::from_millis(start - now + 40));
        } else if step_at(&account.params, now) > step {
            return Err(remote(ErrorCode::StoreError, "OpenBao gives only the current code, not an earlier one"));
        }
        let name = self.current_key_name(&account.authenticator, &account.user)?;
        let end = start.saturating_add(period_ms);
        for _ in 0..3 {
            let (code, t0, t1) = self.engine_now(&name)?;
            if step_at(&account.params, t0) != step || step_at(&account.params, t1) != step {
                return Err(remote(ErrorCode::StoreError, "the time step ended while OpenBao answered; ask again"));
            }
            // The code must be of the claimed step on the server's clock too: its whole `Date`
            // second inside the step (a server a little behind: wait for it and ask again).
            match self.client.server_time.get().map(|s| s * 1000) {
                Some(s) if s < start => std::thread::sleep(Duration::from_millis(start - s + 40)),
                Some(s) if s + 1000 > end => return Err(remote(ErrorCode::StoreError, "OpenBao's clock is past this step; ask again")),
                _ => return Ok((code.to_string(), t1)),
            }
        }
        Err(remote(ErrorCode::StoreError, "OpenBao's clock stays behind this step: set the clocks (NTP)"))
    }
}

/// For tests and `migrate`: accounts compared the way the core compares them.
pub fn same_account(a: &Account, authenticator: &str, user: &str) -> bool {
    a.authenticator == authenticator && same_user(&a.user, user)
}
