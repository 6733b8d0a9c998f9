//! The host's [`Vault`]: keys in the OS keyring, the non-secret index in the config directory.
//!
//! Ordering rules that keep every key safe:
//! - enroll: keyring first, read the key back, then the index; if the index cannot be written, a
//!   key that was just created is taken out again (a crash in between leaves a keyring entry with
//!   its parameters, which `save` and `doctor --repair` adopt). The caller hears "saved" only
//!   after the read-back and the index write.
//! - a different key already stored is never overwritten without `replace`; with it, the previous
//!   key is first copied to `<authenticator>:<user>#replaced` and read back, and stays there
//!   until a login with the new key succeeds (`drop_replaced`) or `restore` swaps the two.
//! - remove: index first, then the keyring. A full disk fails the index write and leaves
//!   everything as it was; a keyring that refuses the delete gets the index entry back. A crash
//!   between the two leaves a keyring entry without an index entry, which `doctor --repair`
//!   adopts: a listed account never lacks its key.
//! - restore: the current key is copied to `#swap` first, so a crash in the middle of the swap
//!   loses neither key.

pub mod index;
pub mod openbao;
pub mod secrets;
pub mod select;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

use eproc_a2f_core::secret::{OtpAuth, SecretKey};
use eproc_a2f_core::rejection::{RejectionRecord, RejectionUpdate};
use eproc_a2f_core::service::{same_user, Account, SaveOutcome, StoreStatus, Vault, VaultError};

use index::{IndexFile, IndexFiles};
use secrets::Secrets;

pub struct KeyringVault<S: Secrets> {
    pub files: IndexFiles,
    pub secrets: S,
    /// Keys already read by this process (a long-lived port serves many codes), valid while the
    /// index file is the same one: every save, replace or remove, by any process, rewrites it.
    cache: RefCell<KeyCache>,
}

#[derive(Default)]
struct KeyCache {
    stamp: Option<(u64, u64, i128)>,
    keys: HashMap<String, SecretKey>,
}

/// Keyring entry name of an account.
pub fn entry_name(authenticator: &str, user: &str) -> String {
    format!("{authenticator}:{}", user.trim())
}

/// Suffix of the keyring entry holding the key a replacing enrollment kept.
pub const KEPT_SUFFIX: &str = "#replaced";
/// Suffix of the entry that holds the current key while `restore` swaps the two.
pub const SWAP_SUFFIX: &str = "#swap";

/// Keyring entry name of an account's kept (replaced) key.
pub fn kept_entry_name(authenticator: &str, user: &str) -> String {
    format!("{}{KEPT_SUFFIX}", entry_name(authenticator, user))
}

/// Whether a keyring entry name is one of the account's side entries (kept key, swap), not an
/// account of its own: user names never contain `#` in these suffixes' place, and `doctor`
/// must not adopt them as accounts.
pub fn side_entry_of(name: &str) -> Option<&str> {
    name.strip_suffix(KEPT_SUFFIX).or_else(|| name.strip_suffix(SWAP_SUFFIX))
}

/// The largest keyring value, in UTF-16 units: Windows' Credential Manager keeps at most 2560 bytes
/// per credential and the keyring crate stores the value as UTF-16 there, the smallest limit of
/// the three stores.
pub const MAX_VALUE_UTF16: usize = 1280;

/// The keyring value: an otpauth URI carrying the key and its parameters. The user is in the
/// entry's name already; when the label would make the value too long for Credential Manager (a
/// 256-byte user of accented letters percent-encodes to 768 characters, next to a key of up to
/// 410), the label leaves the user out, so the value always fits and still rebuilds the index.
pub fn entry_value(account: &Account, key: &SecretKey) -> String {
    let uri = |user: &str| {
        OtpAuth {
            key: key.clone(),
            params: account.params,
            issuer: Some(format!("eproc-a2f {}", account.authenticator)),
            account: user.to_owned(),
            warnings: Vec::new(),
        }
        .to_uri()
    };
    let full = uri(&account.user);
    if full.encode_utf16().count() <= MAX_VALUE_UTF16 {
        return full;
    }
    uri("")
}

fn parse_value(name: &str, value: &str) -> Result<OtpAuth, VaultError> {
    OtpAuth::parse(value).map_err(|_| VaultError::Keyring(format!("keyring entry {name} does not hold a valid key")))
}

impl<S: Secrets> KeyringVault<S> {
    pub fn new(dir: PathBuf, secrets: S) -> Self {
        KeyringVault { files: IndexFiles::new(dir), secrets, cache: RefCell::new(KeyCache::default()) }
    }

    fn forget_cached_keys(&self) {
        *self.cache.borrow_mut() = KeyCache::default();
    }

    fn find<'a>(index: &'a mut IndexFile, authenticator: &str, user: &str) -> Option<&'a mut Account> {
        index.accounts.iter_mut().find(|a| a.is(authenticator, user))
    }

    /// Reads back what the keyring holds for `name` and checks it is `key`.
    fn verify(&self, name: &str, key: &SecretKey) -> Result<(), VaultError> {
        match self.secrets.get(name)? {
            Some(v) if parse_value(name, &v)?.key == *key => Ok(()),
            Some(_) => Err(VaultError::Keyring(format!("read-back of {name} differs from what was written"))),
            None => Err(VaultError::Keyring(format!("read-back of {name} found nothing"))),
        }
    }
}

impl<S: Secrets> Vault for KeyringVault<S> {
    fn status(&self) -> StoreStatus {
        self.secrets.status()
    }

    fn accounts(&self) -> Result<Vec<Account>, VaultError> {
        Ok(self.files.load()?.accounts)
    }

    fn secret(&self, account: &Account) -> Result<SecretKey, VaultError> {
        let name = entry_name(&account.authenticator, &account.user);
        let stamp = self.files.stamp();
        {
            let mut cache = self.cache.borrow_mut();
            if cache.stamp != stamp || stamp.is_none() {
                *cache = KeyCache { stamp, keys: HashMap::new() };
            } else if let Some(k) = cache.keys.get(&name) {
                return Ok(k.clone());
            }
        }
        let key = match self.secrets.get(&name) {
            Ok(Some(v)) => parse_value(&name, &v)?.key,
            Ok(None) | Err(VaultError::SecretMissing(_)) => return Err(VaultError::SecretMissing(name)),
            Err(e) => return Err(e),
        };
        if stamp.is_some() {
            self.cache.borrow_mut().keys.insert(name, key.clone());
        }
        Ok(key)
    }

    fn save(&mut self, account: Account, key: &SecretKey, replace: bool) -> Result<SaveOutcome, VaultError> {
        let lock = self.files.lock()?;
        let mut index = self.files.load()?;
        let existing = Self::find(&mut index, &account.authenticator, &account.user).cloned();
        // The stored user spelling wins, so the keyring entry name stays stable.
        let user = existing.as_ref().map(|a| a.user.clone()).unwrap_or_else(|| account.user.trim().to_owned());
        let name = entry_name(&account.authenticator, &user);
        let stored = self.secrets.get(&name)?;
        let stored_key = match &stored {
            Some(v) => Some(parse_value(&name, v)?.key),
            None => None,
        };
        let mut record = Account { user: user.clone(), ..account };

        if let Some(old) = &stored_key {
            if old == key {
                // Same key: refresh parameters/label (the value may carry older parameters).
                if let Some(prev) = &existing {
                    record.created = prev.created;
                    if record.label.is_none() {
                        record.label = prev.label.clone();
                    }
                }
                let value = entry_value(&record, key);
                if stored.as_deref() != Some(value.as_str()) {
                    self.secrets.set(&name, &value)?;
                    self.verify(&name, key)?;
                }
                match Self::find(&mut index, &record.authenticator, &user) {
                    Some(a) => {
                        a.params = record.params;
                        a.label = record.label.clone();
                    }
                    None => index.accounts.push(Account { last_step: None, ..record }),
                }
                self.files.save(&lock, &index)?;
                return Ok(SaveOutcome::Unchanged);
            }
            if !replace {
                return Err(VaultError::KeyExists);
            }
        }

        let outcome = if stored_key.is_some() { SaveOutcome::Replaced } else { SaveOutcome::Created };
        self.forget_cached_keys();
        // A replacement keeps the previous key first (read back), unless one is kept already: that
        // one is the last key a login succeeded with, or the first one replaced since.
        let kept_name = kept_entry_name(&record.authenticator, &user);
        let mut kept_now = false;
        let mut replaced_at = None;
        if let (Some(old), Some(old_key)) = (&stored, &stored_key) {
            let already = existing.as_ref().and_then(|a| a.replaced_at).is_some() && self.secrets.get(&kept_name)?.is_some();
            if already {
                replaced_at = existing.as_ref().and_then(|a| a.replaced_at);
            } else {
                self.secrets.set(&kept_name, old).and_then(|()| self.verify(&kept_name, old_key))?;
                kept_now = true;
                replaced_at = Some(record.created);
            }
        }
        let undo_kept = |s: &S| {
            if kept_now {
                let _ = s.delete(&kept_name);
            }
        };
        // Keyring first: a key is never promised by the index without being in the keyring.
        let written = self.secrets.set(&name, &entry_value(&record, key)).and_then(|()| self.verify(&name, key));
        if let Err(e) = written {
            if let Some(old) = &stored {
                // A failed replace puts the previous key back (best effort; the error is reported).
                let _ = self.secrets.set(&name, old);
            }
            undo_kept(&self.secrets);
            return Err(e);
        }
        match Self::find(&mut index, &record.authenticator, &user) {
            Some(a) => {
                a.params = record.params;
                a.label = record.label.clone().or(a.label.clone());
                a.replaced_at = replaced_at;
                a.rejection = None;
            }
            None => index.accounts.push(Account { last_step: None, replaced_at, rejection: None, ..record.clone() }),
        }
        if let Err(e) = self.files.save(&lock, &index) {
            // Nothing was promised: undo the keyring change.
            match &stored {
                Some(old) => {
                    let _ = self.secrets.set(&name, old);
                }
                None => {
                    let _ = self.secrets.delete(&name);
                }
            }
            undo_kept(&self.secrets);
            return Err(e);
        }
        if outcome == SaveOutcome::Replaced {
            self.files.forget_step(&lock, &record.authenticator, &user)?;
        }
        Ok(outcome)
    }

    fn remove(&mut self, authenticator: &str, user: &str) -> Result<(), VaultError> {
        let lock = self.files.lock()?;
        let mut index = self.files.load()?;
        let Some(found) = Self::find(&mut index, authenticator, user).cloned() else {
            return Err(VaultError::NoSuchAccount);
        };
        self.forget_cached_keys();
        // Index first: if it cannot be written (full disk, read-only folder) nothing changed.
        let before = index.clone();
        index.accounts.retain(|a| !(a.authenticator == authenticator && same_user(&a.user, user)));
        self.files.save(&lock, &index)?;
        if let Err(e) = self.secrets.delete(&entry_name(authenticator, &found.user)) {
            // The keyring kept the key: list the account again, so the index says what is true.
            return Err(match self.files.save(&lock, &before) {
                Ok(()) => e,
                Err(_) => VaultError::Keyring(format!(
                    "{e}; the account left the index but its key is still in the keyring ('eproc-a2f doctor --repair' lists it again)"
                )),
            });
        }
        // The kept key goes too; one left behind is only an extra keyring entry.
        let _ = self.secrets.delete(&kept_entry_name(authenticator, &found.user));
        // Losing the step record costs at most one refused code: never an error after the fact.
        let _ = self.files.forget_step(&lock, authenticator, &found.user);
        Ok(())
    }

    fn set_label(&mut self, authenticator: &str, user: &str, label: Option<String>) -> Result<(), VaultError> {
        let lock = self.files.lock()?;
        let mut index = self.files.load()?;
        let account = Self::find(&mut index, authenticator, user).ok_or(VaultError::NoSuchAccount)?;
        account.label = label;
        self.files.save(&lock, &index)
    }

    fn claim_step(&mut self, authenticator: &str, user: &str, step: u64) -> Result<u64, VaultError> {
        let lock = self.files.lock()?;
        let mut index = self.files.load()?;
        let account = Self::find(&mut index, authenticator, user).ok_or(VaultError::NoSuchAccount)?;
        let step = match account.last_step {
            Some(last) if last >= step => last.saturating_add(1),
            _ => step,
        };
        self.files.save_step(&lock, authenticator, &account.user, step)?;
        Ok(step)
    }

    fn update_rejection(&mut self, authenticator: &str, user: &str, update: &mut RejectionUpdate) -> Result<Option<RejectionRecord>, VaultError> {
        let lock = self.files.lock()?;
        let mut index = self.files.load()?;
        let account = Self::find(&mut index, authenticator, user).ok_or(VaultError::NoSuchAccount)?;
        let new = update(account.rejection);
        if new != account.rejection {
            account.rejection = new;
            self.files.save(&lock, &index)?;
        }
        Ok(new)
    }

    fn drop_replaced(&mut self, authenticator: &str, user: &str) -> Result<bool, VaultError> {
        let lock = self.files.lock()?;
        let mut index = self.files.load()?;
        let account = Self::find(&mut index, authenticator, user).ok_or(VaultError::NoSuchAccount)?;
        if account.replaced_at.is_none() {
            return Ok(false);
        }
        account.replaced_at = None;
        let stored_user = account.user.clone();
        // Index first: it never names a kept key that is gone.
        self.files.save(&lock, &index)?;
        self.secrets.delete(&kept_entry_name(authenticator, &stored_user))?;
        Ok(true)
    }

    fn restore_replaced(&mut self, authenticator: &str, user: &str) -> Result<(), VaultError> {
        let lock = self.files.lock()?;
        let mut index = self.files.load()?;
        let account = Self::find(&mut index, authenticator, user).ok_or(VaultError::NoSuchAccount)?;
        let stored_user = account.user.clone();
        let name = entry_name(authenticator, &stored_user);
        let kept_name = kept_entry_name(authenticator, &stored_user);
        let swap_name = format!("{name}{SWAP_SUFFIX}");
        let Some(kept) = self.secrets.get(&kept_name)? else { return Err(VaultError::NothingToRestore) };
        let kept_uri = parse_value(&kept_name, &kept)?;
        let current = self.secrets.get(&name)?.ok_or_else(|| VaultError::SecretMissing(name.clone()))?;
        let current_key = parse_value(&name, &current)?.key;
        self.forget_cached_keys();
        // 1. The current key to the swap entry: from here on a crash loses neither key.
        self.secrets.set(&swap_name, &current).and_then(|()| self.verify(&swap_name, &current_key))?;
        let undo = |s: &S, back: bool| {
            if back {
                let _ = s.set(&name, &current);
                let _ = s.set(&kept_name, &kept);
            }
            let _ = s.delete(&swap_name);
        };
        // 2. The kept key becomes the current one, 3. the current one the kept one.
        if let Err(e) = self.secrets.set(&name, &kept).and_then(|()| self.verify(&name, &kept_uri.key)) {
            undo(&self.secrets, true);
            return Err(e);
        }
        if let Err(e) = self.secrets.set(&kept_name, &current).and_then(|()| self.verify(&kept_name, &current_key)) {
            undo(&self.secrets, true);
            return Err(e);
        }
        // 4. The index follows the key now in use.
        account.params = kept_uri.params;
        account.rejection = None;
        if account.replaced_at.is_none() {
            account.replaced_at = Some(account.created);
        }
        if let Err(e) = self.files.save(&lock, &index) {
            undo(&self.secrets, true);
            return Err(e);
        }
        let _ = self.secrets.delete(&swap_name);
        Ok(())
    }

    fn note_clock(&mut self, authenticator: &str, offset_ms: i64, now_ms: u64) -> Result<(), VaultError> {
        self.files.note_clock(authenticator, offset_ms, now_ms)
    }
}

#[cfg(test)]
pub mod tests {
    //! Bookkeeping tests with an in-memory stand-in for the keyring. The real Secret Service is
    //! exercised by the integration tests (tests/*.rs under scripts/with-keyring.sh).
    use super::*;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use eproc_a2f_core::parse_key;

    #[derive(Default)]
    pub struct MapSecrets {
        pub map: RefCell<BTreeMap<String, String>>,
        pub fail_set: std::cell::Cell<bool>,
    }

    impl Secrets for MapSecrets {
        fn status(&self) -> StoreStatus {
            StoreStatus { state: "ok", backend: "map", detail: None }
        }
        fn get(&self, name: &str) -> Result<Option<String>, VaultError> {
            Ok(self.map.borrow().get(name).cloned())
        }
        fn set(&self, name: &str, value: &str) -> Result<(), VaultError> {
            if self.fail_set.get() {
                return Err(VaultError::Locked);
            }
            self.map.borrow_mut().insert(name.into(), value.into());
            Ok(())
        }
        fn delete(&self, name: &str) -> Result<(), VaultError> {
            self.map.borrow_mut().remove(name);
            Ok(())
        }
        fn list(&self) -> Result<Option<Vec<String>>, VaultError> {
            Ok(Some(self.map.borrow().keys().cloned().collect()))
        }
    }

    fn acct(user: &str) -> Account {
        Account { authenticator: "trf4".into(), user: user.into(), created: 5, ..Account::default() }
    }

    const K1: &str = "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW";
    const K2: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    #[test]
    fn save_read_replace_remove() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = KeyringVault::new(dir.path().into(), MapSecrets::default());
        let k1 = parse_key(K1).unwrap().key;
        let k2 = parse_key(K2).unwrap().key;
        assert_eq!(v.save(acct("RS1"), &k1, false).unwrap(), SaveOutcome::Created);
        assert_eq!(v.save(acct("rs1"), &k1, false).unwrap(), SaveOutcome::Unchanged);
        assert_eq!(v.save(acct("RS1"), &k2, false).unwrap_err(), VaultError::KeyExists);
        assert_eq!(v.secret(&acct("RS1")).unwrap(), k1);
        assert_eq!(v.save(acct("RS1"), &k2, true).unwrap(), SaveOutcome::Replaced);
        assert_eq!(v.secret(&acct("RS1")).unwrap(), k2);
        assert_eq!(v.accounts().unwrap().len(), 1);
        v.remove("trf4", "rs1").unwrap();
        assert!(v.accounts().unwrap().is_empty());
        assert!(v.secrets.map.borrow().is_empty());
        assert_eq!(v.remove("trf4", "rs1").unwrap_err(), VaultError::NoSuchAccount);
    }

    #[test]
    fn keyring_refusal_leaves_the_index_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = KeyringVault::new(dir.path().into(), MapSecrets::default());
        v.secrets.fail_set.set(true);
        let k1 = parse_key(K1).unwrap().key;
        assert_eq!(v.save(acct("RS1"), &k1, false).unwrap_err(), VaultError::Locked);
        assert!(v.accounts().unwrap().is_empty());
    }

    #[test]
    fn index_write_failure_takes_a_new_key_out_again() {
        let dir = tempfile::tempdir().unwrap();
        // The index path is a directory: the rename fails.
        std::fs::create_dir_all(dir.path().join("index.json")).unwrap();
        let mut v = KeyringVault::new(dir.path().into(), MapSecrets::default());
        let k1 = parse_key(K1).unwrap().key;
        assert!(v.save(acct("RS1"), &k1, false).is_err());
        assert!(v.secrets.map.borrow().is_empty());
    }

    #[test]
    fn cached_keys_follow_replacements() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = KeyringVault::new(dir.path().into(), MapSecrets::default());
        let k1 = parse_key(K1).unwrap().key;
        let k2 = parse_key(K2).unwrap().key;
        v.save(acct("RS1"), &k1, false).unwrap();
        assert_eq!(v.secret(&acct("RS1")).unwrap(), k1);
        // Another process replaces the key: the index file changes, the cache is dropped.
        let mut other = KeyringVault::new(dir.path().into(), MapSecrets::default());
        other.secrets.map.borrow_mut().extend(v.secrets.map.borrow().clone());
        other.save(acct("RS1"), &k2, true).unwrap();
        v.secrets.map.borrow_mut().extend(other.secrets.map.borrow().clone());
        assert_eq!(v.secret(&acct("RS1")).unwrap(), k2);
    }

    #[test]
    fn steps_only_go_forward() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = KeyringVault::new(dir.path().into(), MapSecrets::default());
        v.save(acct("RS1"), &parse_key(K1).unwrap().key, false).unwrap();
        assert_eq!(v.claim_step("trf4", "RS1", 100).unwrap(), 100);
        assert_eq!(v.claim_step("trf4", "RS1", 100).unwrap(), 101);
        assert_eq!(v.claim_step("trf4", "rs1", 50).unwrap(), 102);
        assert_eq!(v.claim_step("trf4", "RS1", 200).unwrap(), 200);
    }

    #[test]
    fn orphan_keyring_entry_is_adopted_only_if_identical() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = KeyringVault::new(dir.path().into(), MapSecrets::default());
        let k1 = parse_key(K1).unwrap().key;
        v.secrets.map.borrow_mut().insert("trf4:RS1".into(), entry_value(&acct("RS1"), &k1));
        assert_eq!(v.save(acct("RS1"), &parse_key(K2).unwrap().key, false).unwrap_err(), VaultError::KeyExists);
        assert_eq!(v.save(acct("RS1"), &k1, false).unwrap(), SaveOutcome::Unchanged);
        assert_eq!(v.accounts().unwrap().len(), 1);
    }

    fn stored_key(v: &KeyringVault<MapSecrets>, name: &str) -> Option<SecretKey> {
        v.secrets.map.borrow().get(name).map(|x| OtpAuth::parse(x).unwrap().key)
    }

    #[test]
    fn a_replacement_keeps_the_previous_key_until_dropped_and_restore_swaps() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = KeyringVault::new(dir.path().into(), MapSecrets::default());
        let k1 = parse_key(K1).unwrap().key;
        let k2 = parse_key(K2).unwrap().key;
        v.save(acct("RS1"), &k1, false).unwrap();
        assert_eq!(v.restore_replaced("trf4", "RS1").unwrap_err(), VaultError::NothingToRestore);
        v.update_rejection("trf4", "RS1", &mut |_| Some(RejectionRecord { count: 2, at_ms: 1, step: None })).unwrap();
        let mut newer = acct("rs1");
        newer.created = 77;
        assert_eq!(v.save(newer, &k2, true).unwrap(), SaveOutcome::Replaced);
        assert_eq!(stored_key(&v, "trf4:RS1"), Some(k2.clone()));
        assert_eq!(stored_key(&v, "trf4:RS1#replaced"), Some(k1.clone()));
        let a = &v.accounts().unwrap()[0];
        assert_eq!((a.replaced_at, a.rejection), (Some(77), None));
        // Restore: the two swap, nothing is lost, the swap entry is gone.
        v.restore_replaced("trf4", "rs1").unwrap();
        assert_eq!(v.secret(&acct("RS1")).unwrap(), k1);
        assert_eq!(stored_key(&v, "trf4:RS1#replaced"), Some(k2.clone()));
        assert!(!v.secrets.map.borrow().contains_key("trf4:RS1#swap"));
        // A restore whose index write fails leaves both keys where they were.
        v.files.fail_index_writes.set(true);
        assert!(matches!(v.restore_replaced("trf4", "RS1"), Err(VaultError::Io(_))));
        v.files.fail_index_writes.set(false);
        assert_eq!(v.secret(&acct("RS1")).unwrap(), k1);
        assert_eq!(stored_key(&v, "trf4:RS1#replaced"), Some(k2.clone()));
        // A login succeeded: the kept key goes.
        assert!(v.drop_replaced("trf4", "RS1").unwrap());
        assert!(!v.drop_replaced("trf4", "RS1").unwrap());
        assert_eq!(v.accounts().unwrap()[0].replaced_at, None);
        assert_eq!(v.secrets.map.borrow().keys().cloned().collect::<Vec<_>>(), vec!["trf4:RS1".to_owned()]);
        // Removing an account takes its kept key too.
        v.save(acct("RS1"), &k2, true).unwrap();
        v.remove("trf4", "RS1").unwrap();
        assert!(v.secrets.map.borrow().is_empty());
    }

    #[test]
    fn side_entries_are_not_accounts() {
        assert_eq!(side_entry_of("trf4:RS1#replaced"), Some("trf4:RS1"));
        assert_eq!(side_entry_of("trf4:RS1#swap"), Some("trf4:RS1"));
        assert_eq!(side_entry_of("trf4:RS1"), None);
        assert_eq!(kept_entry_name("trf4", " RS1 "), "trf4:RS1#replaced");
    }

    #[test]
    fn remove_on_a_full_disk_keeps_the_account_and_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = KeyringVault::new(dir.path().into(), MapSecrets::default());
        let k1 = parse_key(K1).unwrap().key;
        v.save(acct("RS1"), &k1, false).unwrap();
        v.files.fail_index_writes.set(true);
        let e = v.remove("trf4", "RS1").unwrap_err();
        assert!(matches!(&e, VaultError::Io(d) if d.contains("No space left")), "{e}");
        v.files.fail_index_writes.set(false);
        assert_eq!(v.accounts().unwrap().len(), 1, "still listed");
        assert_eq!(v.secret(&acct("RS1")).unwrap(), k1, "and its key is still there");
    }

    #[test]
    fn rejections_persist_in_the_index_for_the_next_process() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = KeyringVault::new(dir.path().into(), MapSecrets::default());
        v.save(acct("RS1"), &parse_key(K1).unwrap().key, false).unwrap();
        let r = RejectionRecord { count: 1, at_ms: 5, step: Some(9) };
        assert_eq!(v.update_rejection("trf4", "rs1", &mut |_| Some(r)).unwrap(), Some(r));
        let other = KeyringVault::new(dir.path().into(), MapSecrets::default());
        assert_eq!(other.accounts().unwrap()[0].rejection, Some(r));
        let text = std::fs::read_to_string(dir.path().join("index.json")).unwrap();
        assert!(text.contains("\"rejection\""), "{text}");
        assert_eq!(v.update_rejection("trf4", "nobody", &mut |_| None).unwrap_err(), VaultError::NoSuchAccount);
    }

    /// The largest account the protocol accepts still fits Credential Manager's 2560 bytes, and
    /// its value still rebuilds the index (params from the URI, user from the entry name).
    #[test]
    fn values_fit_credential_manager_even_for_the_longest_users_and_keys() {
        let key = parse_key(&"MZXW6YTB".repeat(51)).unwrap().key; // 255 bytes
        for user in ["RS7".to_owned(), "ção".repeat(256 / 5), "a".repeat(256), "%é ".repeat(256 / 4)] {
            let account: Account = serde_json::from_value(serde_json::json!({"authenticator": "trf4", "user": user, "params": {"algorithm": "SHA512", "digits": 8, "period": 60}})).unwrap();
            let value = entry_value(&account, &key);
            assert!(value.encode_utf16().count() <= MAX_VALUE_UTF16, "{} units for a user of {} bytes", value.encode_utf16().count(), user.len());
            let back = OtpAuth::parse(&value).unwrap();
            assert_eq!(back.params, account.params);
            assert_eq!(back.key.to_base32(), key.to_base32());
            if user == "RS7" {
                assert_eq!(back.account, "RS7", "short users stay in the label");
            }
        }
    }
}
