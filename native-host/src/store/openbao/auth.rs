//! Tokens: from `BAO_TOKEN` (used as is), or obtained by `store login` (userpass, AppRole, or a
//! token typed in) and kept in the OS keyring (service `eproc-a2f-openbao`, user `<address>|<prefix>`),
//! renewed once a third of its life is used up. A robot with an AppRole secret ID (file or
//! environment) logs in again by itself when its token has run out.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use zeroize::Zeroizing;

use eproc_a2f_core::protocol::ErrorCode;
use eproc_a2f_core::service::VaultError;

use super::client::{remote, Client};
use super::settings::{Method, Settings};

pub const TOKEN_SERVICE: &str = "eproc-a2f-openbao";

/// What the keyring holds for one OpenBao address.
#[derive(Serialize, Deserialize)]
pub struct StoredToken {
    pub token: String,
    /// Unix seconds; 0 for a token that does not expire.
    pub expires: u64,
    pub ttl: u64,
    pub renewable: bool,
    pub method: String,
}

impl Drop for StoredToken {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.token.zeroize();
    }
}

fn now_s() -> u64 {
    crate::host::now_ms() / 1000
}

fn entry(s: &Settings) -> Result<keyring::Entry, VaultError> {
    keyring::Entry::new(TOKEN_SERVICE, &format!("{}|{}", s.address, s.prefix)).map_err(crate::store::secrets::map_error)
}

pub fn load(s: &Settings) -> Result<Option<StoredToken>, VaultError> {
    match entry(s)?.get_password() {
        Ok(v) => Ok(serde_json::from_str(&Zeroizing::new(v)).ok()),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(crate::store::secrets::map_error(e)),
    }
}

pub fn save(s: &Settings, t: &StoredToken) -> Result<(), VaultError> {
    let text = Zeroizing::new(serde_json::to_string(t).unwrap_or_default());
    entry(s)?.set_password(&text).map_err(crate::store::secrets::map_error)
}

pub fn forget(s: &Settings) -> Result<(), VaultError> {
    match entry(s)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(crate::store::secrets::map_error(e)),
    }
}

/// The `auth` block of a login or renewal answer as a stored token.
fn from_auth(body: &Value, method: Method) -> Result<StoredToken, VaultError> {
    let auth = &body["auth"];
    let token = auth["client_token"].as_str().ok_or_else(|| remote(ErrorCode::StoreAuth, "login answer without a token"))?;
    let ttl = auth["lease_duration"].as_u64().unwrap_or(0);
    Ok(StoredToken {
        token: token.to_owned(),
        expires: if ttl == 0 { 0 } else { now_s() + ttl },
        ttl,
        renewable: auth["renewable"].as_bool().unwrap_or(false),
        method: method.as_str().into(),
    })
}

/// A 400 on login is a wrong password or secret ID: the same "log in" error, with OpenBao's words.
fn login_call(c: &Client, path: &str, body: &Value) -> Result<Value, VaultError> {
    c.set_token(None);
    let r = c.raw("POST", path, Some(body))?;
    if r.ok() {
        return Ok(r.body);
    }
    if r.status == 400 || r.status == 403 {
        return Err(remote(ErrorCode::StoreAuth, format!("{path}: {}", r.errors())));
    }
    Err(c.classify(path, &r))
}

pub fn login_userpass(c: &Client, s: &Settings, username: &str, password: &str) -> Result<StoredToken, VaultError> {
    let body = login_call(c, &format!("auth/{}/login/{username}", s.auth_mount), &json!({ "password": password }))?;
    from_auth(&body, Method::Userpass)
}

pub fn login_approle(c: &Client, s: &Settings, role_id: &str, secret_id: &str) -> Result<StoredToken, VaultError> {
    let body = login_call(c, &format!("auth/{}/login", s.auth_mount), &json!({ "role_id": role_id, "secret_id": secret_id }))?;
    from_auth(&body, Method::AppRole)
}

/// A token typed in: looked up to learn its life.
pub fn adopt_token(c: &Client, token: &str) -> Result<StoredToken, VaultError> {
    c.set_token(Some(Zeroizing::new(token.to_owned())));
    let r = c.raw("GET", "auth/token/lookup-self", None)?;
    if !r.ok() {
        return Err(if r.status == 403 { remote(ErrorCode::StoreAuth, "the token is expired, revoked or unknown") } else { c.classify("auth/token/lookup-self", &r) });
    }
    let ttl = r.body["data"]["ttl"].as_u64().unwrap_or(0);
    Ok(StoredToken {
        token: token.to_owned(),
        expires: if ttl == 0 { 0 } else { now_s() + ttl },
        ttl: r.body["data"]["creation_ttl"].as_u64().unwrap_or(ttl),
        renewable: r.body["data"]["renewable"].as_bool().unwrap_or(false),
        method: "token".into(),
    })
}

/// The robot's AppRole secret ID, from the environment or its file.
fn secret_id(s: &Settings) -> Option<Zeroizing<String>> {
    if let Some(v) = &s.env_secret_id {
        return Some(v.clone());
    }
    let f = s.secret_id_file.as_ref()?;
    std::fs::read_to_string(f).ok().map(|t| Zeroizing::new(t.trim().to_owned()))
}

/// Gives the client a usable token, or the error that says how to get one.
pub fn ensure_token(c: &Client, s: &Settings) -> Result<(), VaultError> {
    if let Some(t) = &s.env_token {
        c.set_token(Some(t.clone()));
        return Ok(());
    }
    // A keyring that cannot be read is not fatal for a robot that can log in again.
    let stored = load(s).unwrap_or(None);
    if let Some(mut t) = stored {
        let now = now_s();
        let left = t.expires.saturating_sub(now);
        if t.expires == 0 || left > 1 {
            c.set_token(Some(Zeroizing::new(t.token.clone())));
            // Renew once a third of the life is used up (less than two thirds left).
            if t.renewable && t.expires != 0 && left.saturating_mul(3) < t.ttl.saturating_mul(2) {
                if let Ok(body) = c.call("POST", "auth/token/renew-self", Some(&json!({}))) {
                    let method = Method::parse(&t.method).unwrap_or(Method::Token);
                    if let Ok(mut renewed) = from_auth(&body, method) {
                        renewed.token = t.token.clone();
                        let _ = save(s, &renewed);
                        t = renewed;
                    }
                }
            }
            drop(t);
            return Ok(());
        }
    }
    if s.method == Method::AppRole {
        if let (Some(role), Some(secret)) = (s.role_id.as_deref(), secret_id(s)) {
            let t = login_approle(c, s, role, &secret)?;
            c.set_token(Some(Zeroizing::new(t.token.clone())));
            let _ = save(s, &t);
            return Ok(());
        }
    }
    Err(remote(ErrorCode::StoreAuth, "not logged in to OpenBao (or the session ran out): run `eproc-a2f store login`"))
}
