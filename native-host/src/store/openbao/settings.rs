//! Which store serves keys, and how to reach OpenBao. Sources, later ones winning field by field:
//! the system configuration (`/etc/eproc-a2f/config.json`), the user's, the environment
//! (`EPROC_A2F_STORE` (`openbao` or `keyring`), `BAO_ADDR`, `BAO_CACERT`, `BAO_TOKEN` (and the
//! `VAULT_*` names), `EPROC_A2F_OPENBAO_PREFIX`), and on top of all the managed policy's `store`
//! (`managed.rs`): what the organisation sets, neither the user's files nor the environment
//! change. Tokens and secret IDs never come from a policy. In the files:
//!
//! ```json
//! {"store": {"backend": "openbao", "address": "https://bao.firma.local:8200",
//!            "caCert": "/etc/eproc-a2f/bao-ca.pem", "totpMount": "totp", "kvMount": "secret",
//!            "prefix": "maria-", "auth": {"method": "userpass", "username": "maria"}}}
//! ```
//!
//! A configuration that asks for OpenBao and cannot be used is an error, never a reason to fall
//! back to the local keyring.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroizing;

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreConfig {
    pub backend: Option<String>,
    pub address: Option<String>,
    /// Other nodes of the cluster, tried in order when the address does not answer.
    pub fallback_addresses: Option<Vec<String>>,
    pub ca_cert: Option<PathBuf>,
    pub totp_mount: Option<String>,
    pub kv_mount: Option<String>,
    pub prefix: Option<String>,
    pub auth: Option<AuthConfig>,
}

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthConfig {
    /// `token`, `userpass` or `approle`.
    pub method: Option<String>,
    /// Mount path of the auth method (default: the method's name).
    pub mount: Option<String>,
    pub username: Option<String>,
    pub role_id: Option<String>,
    /// A file holding the AppRole secret ID (robots), readable by the robot only.
    pub secret_id_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
struct FileWithStore {
    #[serde(default)]
    store: Option<StoreConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Token,
    Userpass,
    AppRole,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        match s.trim().to_ascii_lowercase().as_str() {
            "token" => Some(Method::Token),
            "userpass" => Some(Method::Userpass),
            "approle" => Some(Method::AppRole),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Token => "token",
            Method::Userpass => "userpass",
            Method::AppRole => "approle",
        }
    }
}

/// Everything needed to talk to OpenBao. `Debug` leaves the token and secret ID out.
#[derive(Clone)]
pub struct Settings {
    pub address: String,
    /// Other nodes (config `fallbackAddresses`, env `EPROC_A2F_OPENBAO_FALLBACK`, comma-separated).
    pub fallback: Vec<String>,
    pub ca_cert: Option<PathBuf>,
    pub totp_mount: String,
    pub kv_mount: String,
    /// Key-name prefix: one per lawyer (ACL policies match on it), ends with `-`.
    pub prefix: String,
    pub method: Method,
    pub auth_mount: String,
    pub username: Option<String>,
    pub role_id: Option<String>,
    pub secret_id_file: Option<PathBuf>,
    /// A token given by the environment (`BAO_TOKEN`): used as is, never stored.
    pub env_token: Option<Zeroizing<String>>,
    pub env_secret_id: Option<Zeroizing<String>>,
    /// The managed policy that set some of these fields (its file or registry key).
    pub managed: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("address", &self.address)
            .field("fallback", &self.fallback)
            .field("ca_cert", &self.ca_cert)
            .field("totp_mount", &self.totp_mount)
            .field("kv_mount", &self.kv_mount)
            .field("prefix", &self.prefix)
            .field("method", &self.method)
            .field("managed", &self.managed)
            .field("env_token", &self.env_token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// The backend in force.
#[derive(Debug, Clone)]
pub enum Backend {
    Keyring,
    OpenBao(Box<Settings>),
}

fn read_store(path: &Path) -> Result<Option<StoreConfig>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str::<FileWithStore>(&text)
            .map(|f| f.store)
            .map_err(|e| format!("{}: store: {e}", path.display())),
        // No file (or a file where a folder of the path should be): nothing configured there.
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn merge(base: &mut StoreConfig, over: StoreConfig) {
    macro_rules! take {
        ($($f:ident),*) => { $( if over.$f.is_some() { base.$f = over.$f; } )* };
    }
    take!(backend, address, fallback_addresses, ca_cert, totp_mount, kv_mount, prefix, auth);
}

/// The managed policy's fields over everything else (`auth` field by field: a policy that sets
/// the method leaves the user name to the user's configuration).
fn merge_managed(base: &mut StoreConfig, over: StoreConfig) {
    let auth = match (base.auth.take(), over.auth.clone()) {
        (Some(mut b), Some(o)) => {
            macro_rules! take {
                ($($f:ident),*) => { $( if o.$f.is_some() { b.$f = o.$f; } )* };
            }
            take!(method, mount, username, role_id, secret_id_file);
            Some(b)
        }
        (b, o) => o.or(b),
    };
    merge(base, StoreConfig { auth: None, ..over });
    base.auth = auth;
}

fn env(names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

/// Reads the configuration files and the environment.
pub fn backend() -> Result<Backend, String> {
    let mut cfg = StoreConfig::default();
    let mut paths = vec![crate::config::system_config_path()];
    paths.extend(crate::config::user_config_path());
    for p in paths {
        if let Some(c) = read_store(&p)? {
            merge(&mut cfg, c);
        }
    }
    resolve_with(cfg, super::managed::read()?, &env)
}

/// The same from an explicit configuration and environment (tests).
pub fn resolve(cfg: StoreConfig, env: &dyn Fn(&[&str]) -> Option<String>) -> Result<Backend, String> {
    resolve_with(cfg, None, env)
}

/// With the managed policy's `store`, which wins over the files and the environment.
pub fn resolve_with(mut cfg: StoreConfig, managed: Option<super::managed::Managed>, env: &dyn Fn(&[&str]) -> Option<String>) -> Result<Backend, String> {
    // The environment over the files, then the policy over both: `env` only answers for the
    // fields the policy leaves open.
    let fixed = managed.as_ref().map(|m| m.store.clone()).unwrap_or_default();
    let source = managed.map(|m| m.source);
    let fixed_auth = fixed.auth.clone().unwrap_or_default();
    let env = |names: &[&str]| -> Option<String> {
        let set_by_policy = match names.first().copied() {
            Some("EPROC_A2F_STORE") => fixed.backend.is_some(),
            Some("BAO_ADDR") => fixed.address.is_some(),
            Some("BAO_CACERT") => fixed.ca_cert.is_some(),
            Some("EPROC_A2F_OPENBAO_PREFIX") => fixed.prefix.is_some(),
            Some("EPROC_A2F_OPENBAO_FALLBACK") => fixed.fallback_addresses.is_some(),
            Some("EPROC_A2F_OPENBAO_ROLE_ID") => fixed_auth.role_id.is_some(),
            _ => false,
        };
        if set_by_policy {
            None
        } else {
            env(names)
        }
    };
    merge_managed(&mut cfg, fixed.clone());
    if let Some(b) = env(&["EPROC_A2F_STORE"]) {
        cfg.backend = Some(b);
    }
    match cfg.backend.as_deref().map(|b| b.trim().to_ascii_lowercase()) {
        None => return Ok(Backend::Keyring),
        Some(b) if b == "keyring" => return Ok(Backend::Keyring),
        Some(b) if b == "openbao" || b == "vault" => {}
        Some(b) => return Err(format!("unknown store backend {b:?} (use \"keyring\" or \"openbao\")")),
    }
    let address = env(&["BAO_ADDR", "VAULT_ADDR"])
        .or(cfg.address)
        .ok_or("store \"openbao\" needs an address: set BAO_ADDR or store.address")?;
    let fallback: Vec<String> = match env(&["EPROC_A2F_OPENBAO_FALLBACK"]) {
        Some(list) => list.split(',').map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect(),
        None => cfg.fallback_addresses.unwrap_or_default(),
    };
    for a in std::iter::once(&address).chain(&fallback) {
        if !(a.starts_with("https://") || a.starts_with("http://")) {
            return Err(format!("OpenBao address {a:?} must start with https:// (or http:// for a local test server)"));
        }
    }
    let ca_cert = env(&["BAO_CACERT", "VAULT_CACERT"]).map(PathBuf::from).or(cfg.ca_cert);
    let prefix = env(&["EPROC_A2F_OPENBAO_PREFIX"]).or(cfg.prefix).unwrap_or_else(|| "eproc-a2f-".into());
    check_prefix(&prefix)?;
    let mount = |m: Option<String>, d: &str| m.unwrap_or_else(|| d.into()).trim_matches('/').to_owned();
    let totp_mount = mount(cfg.totp_mount, "totp");
    let kv_mount = mount(cfg.kv_mount, "secret");
    let auth = cfg.auth.unwrap_or_default();
    let env_token = env(&["BAO_TOKEN", "VAULT_TOKEN"]).map(Zeroizing::new);
    let env_secret_id = env(&["EPROC_A2F_OPENBAO_SECRET_ID"]).map(Zeroizing::new);
    let role_id = env(&["EPROC_A2F_OPENBAO_ROLE_ID"]).or(auth.role_id);
    let method = match auth.method.as_deref() {
        Some(m) => Method::parse(m).ok_or_else(|| format!("unknown auth method {m:?} (token, userpass, approle)"))?,
        None if role_id.is_some() => Method::AppRole,
        None => Method::Token,
    };
    let auth_mount = mount(auth.mount, method.as_str());
    Ok(Backend::OpenBao(Box::new(Settings {
        address,
        fallback,
        ca_cert,
        totp_mount,
        kv_mount,
        prefix,
        method,
        auth_mount,
        username: auth.username,
        role_id,
        secret_id_file: auth.secret_id_file,
        env_token,
        env_secret_id,
        managed: source,
    })))
}

/// Prefixes become TOTP key names and ACL globs: letters, digits, `_`, `.`, `-`, ending in `-`.
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    let ok = prefix.len() >= 2
        && prefix.len() <= 64
        && prefix.ends_with('-')
        && prefix.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && prefix.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!("key-name prefix {prefix:?} must be letters, digits, '_', '.', '-', start with a letter or digit and end with '-'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&[&str]) -> Option<String> {
        move |names: &[&str]| names.iter().find_map(|n| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn keyring_by_default_and_openbao_from_the_environment() {
        assert!(matches!(resolve(StoreConfig::default(), &env_of(&[])), Ok(Backend::Keyring)));
        let b = resolve(StoreConfig::default(), &env_of(&[("EPROC_A2F_STORE", "openbao"), ("VAULT_ADDR", "http://127.0.0.1:8200"), ("BAO_TOKEN", "root")])).unwrap();
        let Backend::OpenBao(s) = b else { panic!() };
        assert_eq!((s.totp_mount.as_str(), s.kv_mount.as_str(), s.prefix.as_str()), ("totp", "secret", "eproc-a2f-"));
        assert_eq!(s.method, Method::Token);
        assert_eq!(s.env_token.as_deref().map(|t| t.as_str()), Some("root"));
    }

    #[test]
    fn the_managed_policy_wins_over_the_files_and_the_environment() {
        let user = StoreConfig {
            backend: Some("keyring".into()),
            address: Some("https://user:8200".into()),
            prefix: Some("maria-".into()),
            auth: Some(AuthConfig { method: Some("token".into()), username: Some("maria".into()), ..Default::default() }),
            ..Default::default()
        };
        let policy = super::super::managed::Managed {
            source: "/etc/opt/chrome/policies/managed/eproc.json".into(),
            store: StoreConfig {
                backend: Some("openbao".into()),
                address: Some("https://bao.firma:8200".into()),
                kv_mount: Some("kv".into()),
                auth: Some(AuthConfig { method: Some("userpass".into()), ..Default::default() }),
                ..Default::default()
            },
        };
        let env = env_of(&[("EPROC_A2F_STORE", "keyring"), ("BAO_ADDR", "https://env:8200"), ("BAO_TOKEN", "t"), ("EPROC_A2F_OPENBAO_PREFIX", "env-")]);
        let Backend::OpenBao(s) = resolve_with(user.clone(), Some(policy), &env).unwrap() else { panic!("the policy chose openbao") };
        // Set by the policy: backend, address, mount, method. Left open: the prefix (environment
        // over the user's file), the user name (user's file), the token (environment only).
        assert_eq!((s.address.as_str(), s.kv_mount.as_str(), s.method), ("https://bao.firma:8200", "kv", Method::Userpass));
        assert_eq!((s.prefix.as_str(), s.username.as_deref()), ("env-", Some("maria")));
        assert_eq!(s.env_token.as_deref().map(|t| t.as_str()), Some("t"));
        assert_eq!(s.managed.as_deref(), Some("/etc/opt/chrome/policies/managed/eproc.json"));
        // Without a policy the environment and the user's choice of the keyring stand.
        assert!(matches!(resolve_with(user, None, &env), Ok(Backend::Keyring)));
    }

    #[test]
    fn openbao_without_address_is_an_error_not_the_keyring() {
        assert!(resolve(StoreConfig::default(), &env_of(&[("EPROC_A2F_STORE", "openbao")])).is_err());
        assert!(resolve(StoreConfig::default(), &env_of(&[("EPROC_A2F_STORE", "cloud")])).is_err());
        let cfg = StoreConfig { backend: Some("openbao".into()), address: Some("https://b:8200".into()), prefix: Some("maria".into()), ..Default::default() };
        assert!(resolve(cfg, &env_of(&[])).is_err());
    }
}
