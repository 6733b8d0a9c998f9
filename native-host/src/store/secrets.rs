//! Secrets in the operating system's keyring through the `keyring` crate: Secret Service on Linux
//! (pure-Rust zbus), Keychain on macOS, Credential Manager on Windows. One entry per
//! (authenticator, user): service `eproc-a2f`, user `<authenticator>:<user>`, value an
//! `otpauth://` URI (key and parameters, so the index can always be rebuilt from the keyring).
//!
//! There is no fallback: if the store is missing or locked, the caller gets an error that says
//! what to do. (keyring 3.x without features silently used memory; 4.x does not, and neither do we.)

use std::collections::HashMap;

use eproc_a2f_core::service::{StoreStatus, VaultError};

pub const SERVICE: &str = "eproc-a2f";

/// The keyring operations the vault needs. The OS implementation is [`OsKeyring`]; unit tests of
/// the vault's bookkeeping use an in-memory map (a stand-in, not a store users get).
pub trait Secrets {
    fn status(&self) -> StoreStatus;
    fn get(&self, name: &str) -> Result<Option<String>, VaultError>;
    fn set(&self, name: &str, value: &str) -> Result<(), VaultError>;
    /// Deleting a missing entry is not an error.
    fn delete(&self, name: &str) -> Result<(), VaultError>;
    /// Names of every eproc-a2f entry, when the store can search (doctor); `None` if it cannot.
    fn list(&self) -> Result<Option<Vec<String>>, VaultError>;
}

pub fn backend_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "keychain"
    } else if cfg!(windows) {
        "credential-manager"
    } else {
        "secret-service"
    }
}

/// Maps keyring errors to the vault's. Messages never include secret values.
pub fn map_error(e: keyring::Error) -> VaultError {
    use keyring::Error as E;
    match e {
        E::NoDefaultStore => VaultError::Unavailable(store_problem()),
        E::NoStorageAccess(p) => {
            let text = p.to_string();
            // Secret Service says "locked"/"IsLocked" or the prompt was dismissed.
            let lower = text.to_lowercase();
            if lower.contains("lock") || lower.contains("prompt") || lower.contains("dismiss") {
                VaultError::Locked
            } else {
                VaultError::Keyring(format!("no access: {text}"))
            }
        }
        E::PlatformFailure(p) => {
            let text = p.to_string();
            let lower = text.to_lowercase();
            if lower.contains("serviceunknown") || lower.contains("not provided by any .service")
                || lower.contains("no such file") || lower.contains("connection refused")
                || lower.contains("dbus_session_bus_address") || lower.contains("address")
            {
                VaultError::Unavailable(text)
            } else if lower.contains("lock") {
                VaultError::Locked
            } else {
                VaultError::Keyring(text)
            }
        }
        E::NoEntry => VaultError::SecretMissing(String::new()),
        E::BadEncoding(_) | E::BadDataFormat(..) => VaultError::Keyring("stored value is not text".into()),
        other => VaultError::Keyring(other.to_string()),
    }
}

fn store_problem() -> String {
    match keyring::Entry::store_status() {
        Ok(()) => "no default credential store".into(),
        Err(e) => e.to_string(),
    }
}

/// The OS keyring.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeyring;

impl OsKeyring {
    fn entry(&self, name: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(SERVICE, name).map_err(map_error)
    }
}

impl Secrets for OsKeyring {
    fn status(&self) -> StoreStatus {
        let backend = backend_name();
        if let Err(e) = keyring::Entry::store_status() {
            return StoreStatus { state: "unavailable", backend, detail: Some(e.to_string()) };
        }
        // Reading a stored entry exercises the connection and the unlock state (a search alone
        // succeeds on a locked collection); with no entry yet, a lookup tests the connection.
        let probe = match self.list() {
            Ok(Some(names)) if !names.is_empty() => self.get(&names[0]).map(|_| ()),
            Ok(_) => self.get("__eproc-a2f-probe__").map(|_| ()),
            Err(e) => Err(e),
        };
        match probe {
            Ok(_) => StoreStatus { state: "ok", backend, detail: None },
            Err(VaultError::Locked) => StoreStatus { state: "locked", backend, detail: None },
            Err(VaultError::Unavailable(d)) => StoreStatus { state: "unavailable", backend, detail: Some(d) },
            Err(e) => StoreStatus { state: "error", backend, detail: Some(e.to_string()) },
        }
    }

    fn get(&self, name: &str) -> Result<Option<String>, VaultError> {
        match self.entry(name)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    fn set(&self, name: &str, value: &str) -> Result<(), VaultError> {
        self.entry(name)?.set_password(value).map_err(map_error)
    }

    fn delete(&self, name: &str) -> Result<(), VaultError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }

    fn list(&self) -> Result<Option<Vec<String>>, VaultError> {
        // Make sure the default store is initialised before searching it.
        if let Err(e) = keyring::Entry::store_status() {
            return Err(VaultError::Unavailable(e.to_string()));
        }
        // Windows' store searches by a regular expression over target names, which the keyring
        // crate builds as `{user}.{service}` (our users may contain dots: the last one splits).
        let spec = if cfg!(windows) {
            HashMap::from([("pattern", r"\.eproc-a2f$")])
        } else {
            HashMap::from([("service", SERVICE)])
        };
        match keyring_core::Entry::search(&spec) {
            Ok(entries) => Ok(Some(
                entries
                    .iter()
                    .filter_map(|e| e.get_specifiers())
                    .filter(|(s, _)| s == SERVICE)
                    .map(|(_, u)| u)
                    .collect(),
            )),
            Err(keyring::Error::NotSupportedByStore(_)) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }
}
