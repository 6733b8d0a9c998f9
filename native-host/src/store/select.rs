//! The store in force (issue 12): the keyring by default, OpenBao when the configuration or
//! `EPROC_A2F_STORE=openbao` asks for it. A broken OpenBao configuration gives a vault that
//! answers every request with the error: never a silent fallback to the local keyring.

use std::path::PathBuf;

use eproc_a2f_core::protocol::ErrorCode;
use eproc_a2f_core::rejection::{RejectionRecord, RejectionUpdate};
use eproc_a2f_core::secret::SecretKey;
use eproc_a2f_core::service::{Account, SaveOutcome, StoreStatus, Vault, VaultError};

use super::openbao::settings::{self, Backend};
use super::openbao::OpenBaoVault;
use super::{secrets::OsKeyring, KeyringVault};

pub enum AnyVault {
    Keyring(KeyringVault<OsKeyring>),
    OpenBao(Box<OpenBaoVault>),
    /// OpenBao was asked for but cannot be used: every call answers this error.
    Broken(VaultError),
}

/// Opens the configured store; `dir` is the keyring index's folder.
pub fn open(dir: PathBuf) -> AnyVault {
    match settings::backend() {
        Ok(Backend::Keyring) => AnyVault::Keyring(KeyringVault::new(dir, OsKeyring)),
        Ok(Backend::OpenBao(s)) => match OpenBaoVault::new(*s) {
            Ok(v) => AnyVault::OpenBao(Box::new(v)),
            Err(e) => AnyVault::Broken(e),
        },
        Err(e) => AnyVault::Broken(VaultError::Remote { code: ErrorCode::StoreError, detail: format!("store configuration: {e}") }),
    }
}

macro_rules! each {
    ($self:ident, $v:ident => $e:expr) => {
        match $self {
            AnyVault::Keyring($v) => $e,
            AnyVault::OpenBao($v) => $e,
            AnyVault::Broken(err) => Err(err.clone()),
        }
    };
}

impl Vault for AnyVault {
    fn status(&self) -> StoreStatus {
        match self {
            AnyVault::Keyring(v) => v.status(),
            AnyVault::OpenBao(v) => v.status(),
            AnyVault::Broken(e) => StoreStatus { state: "error", backend: "openbao", detail: Some(e.to_string()) },
        }
    }
    fn accounts(&self) -> Result<Vec<Account>, VaultError> {
        each!(self, v => v.accounts())
    }
    fn secret(&self, account: &Account) -> Result<SecretKey, VaultError> {
        each!(self, v => v.secret(account))
    }
    fn same_key(&self, account: &Account, key: &SecretKey) -> Result<Option<bool>, VaultError> {
        each!(self, v => v.same_key(account, key))
    }
    fn save(&mut self, account: Account, key: &SecretKey, replace: bool) -> Result<SaveOutcome, VaultError> {
        each!(self, v => v.save(account, key, replace))
    }
    fn remove(&mut self, authenticator: &str, user: &str) -> Result<(), VaultError> {
        each!(self, v => v.remove(authenticator, user))
    }
    fn set_label(&mut self, authenticator: &str, user: &str, label: Option<String>) -> Result<(), VaultError> {
        each!(self, v => v.set_label(authenticator, user, label))
    }
    fn claim_step(&mut self, authenticator: &str, user: &str, step: u64) -> Result<u64, VaultError> {
        each!(self, v => v.claim_step(authenticator, user, step))
    }
    fn update_rejection(&mut self, authenticator: &str, user: &str, update: &mut RejectionUpdate) -> Result<Option<RejectionRecord>, VaultError> {
        each!(self, v => v.update_rejection(authenticator, user, update))
    }
    fn drop_replaced(&mut self, authenticator: &str, user: &str) -> Result<bool, VaultError> {
        each!(self, v => v.drop_replaced(authenticator, user))
    }
    fn restore_replaced(&mut self, authenticator: &str, user: &str) -> Result<(), VaultError> {
        each!(self, v => v.restore_replaced(authenticator, user))
    }
    fn note_clock(&mut self, authenticator: &str, offset_ms: i64, now_ms: u64) -> Result<(), VaultError> {
        each!(self, v => v.note_clock(authenticator, offset_ms, now_ms))
    }
    fn computes_codes(&self) -> bool {
        !matches!(self, AnyVault::Keyring(_))
    }
    fn engine_code(&mut self, account: &Account, step: u64) -> Result<(String, u64), VaultError> {
        each!(self, v => v.engine_code(account, step))
    }
}
