//! The non-secret account index (`index.json`) and the per-account step record (`steps.json`),
//! in the user's config directory.
//!
//! - Every write is atomic: a temporary file in the same directory, fsync, rename, fsync of the
//!   directory. A crash leaves the old file or the new one, never half of one.
//! - Writers take an exclusive lock on `index.lock` first, so two hosts started at once (two tabs,
//!   a popup and a tab) serialise their read-modify-write and lose nothing.
//! - A corrupted index is reported and never overwritten: `doctor --repair` moves it aside and
//!   rebuilds it from the keyring, which holds every key with its parameters.
//! - `clock.json` remembers the court clock offset last seen per authenticator (for `doctor`);
//!   like the steps it is not durable and a broken one is ignored.
//! - Every folder is created private to the user (0700), and an existing config folder that is
//!   readable by others is made private the first time it is used.
//! - `steps.json` only remembers the last code step handed out per account; losing it costs at
//!   most one rejected code, so a broken one is ignored rather than fatal.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use eproc_a2f_core::service::{Account, VaultError};

pub const INDEX_VERSION: u32 = 1;
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IndexFile {
    pub version: u32,
    pub accounts: Vec<Account>,
}

/// The court clock offset last seen for an authenticator (`clock.json`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClockRecord {
    /// Court time minus computer time, ms.
    pub offset_ms: i64,
    /// Unix ms when it was seen (computer time).
    pub at_ms: u64,
}

/// A new offset is written when it differs from the stored one by this much, or the stored one is
/// older than [`CLOCK_REFRESH_MS`]: most code requests write nothing.
const CLOCK_TOLERANCE_MS: u64 = 1_000;
const CLOCK_REFRESH_MS: u64 = 10 * 60 * 1000;

/// Creates `dir` and any missing parent private to the user (0700 on Unix); an existing `dir`
/// that others can read or enter is made private.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if m.permissions().mode() & 0o077 != 0 {
                    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
                }
            }
            Ok(())
        }
        _ => {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir)
        }
    }
}

/// Writes `bytes` to `path` atomically and durably.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_replacing(path, bytes, true)
}

/// Temporary file + rename: readers see the old file or the new one. `durable` adds the fsyncs
/// that make the new file survive a power cut (the step record does without: losing it costs at
/// most one rejected code, and a fill should not wait for the disk).
fn write_replacing(path: &Path, bytes: &[u8], durable: bool) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if durable {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    if durable {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

fn io_error(what: &str, path: &Path, e: io::Error) -> VaultError {
    VaultError::Io(format!("{what} {}: {e}", path.display()))
}

/// The files of one user's store.
#[derive(Debug, Clone)]
pub struct IndexFiles {
    pub dir: PathBuf,
    /// Tests: make the next index writes fail as a full disk would.
    #[cfg(test)]
    pub fail_index_writes: std::cell::Cell<bool>,
    checked_dir: std::cell::Cell<bool>,
}

/// Held while a writer works; the lock is released on drop (and by the OS if the process dies).
pub struct WriteLock {
    _file: File,
}

impl IndexFiles {
    pub fn new(dir: PathBuf) -> Self {
        IndexFiles {
            dir,
            #[cfg(test)]
            fail_index_writes: std::cell::Cell::new(false),
            checked_dir: std::cell::Cell::new(false),
        }
    }

    pub fn index_path(&self) -> PathBuf {
        self.dir.join("index.json")
    }

    fn steps_path(&self) -> PathBuf {
        self.dir.join("steps.json")
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join("index.lock")
    }

    pub fn clock_path(&self) -> PathBuf {
        self.dir.join("clock.json")
    }

    /// Creates the folder (private to the user), or makes an existing one private, once per
    /// process; afterwards one stat.
    fn ensure_dir(&self) -> Result<(), VaultError> {
        if self.checked_dir.get() && self.dir.is_dir() {
            return Ok(());
        }
        create_private_dir(&self.dir).map_err(|e| io_error("cannot create", &self.dir, e))?;
        self.checked_dir.set(true);
        Ok(())
    }

    pub fn lock(&self) -> Result<WriteLock, VaultError> {
        self.ensure_dir()?;
        let path = self.lock_path();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error("cannot open", &path, e))?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(WriteLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < LOCK_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(VaultError::Busy(format!("{} held for {:?}", path.display(), LOCK_TIMEOUT)))
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io_error("cannot lock", &path, e)),
            }
        }
    }

    /// Identity of the index file as it is now (inode, size, modification time); it changes on
    /// every write, since writes replace the file.
    pub fn stamp(&self) -> Option<(u64, u64, i128)> {
        let m = fs::metadata(self.index_path()).ok()?;
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let ino = 0;
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        Some((ino, m.len(), mtime))
    }

    /// Reads the index; a missing file is an empty index, an unreadable one is `Corrupt`.
    pub fn load(&self) -> Result<IndexFile, VaultError> {
        let path = self.index_path();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(IndexFile { version: INDEX_VERSION, accounts: Vec::new() })
            }
            Err(e) => return Err(io_error("cannot read", &path, e)),
        };
        let index: IndexFile = serde_json::from_slice(&bytes)
            .map_err(|e| VaultError::Corrupt(format!("{}: {e}", path.display())))?;
        if index.version != INDEX_VERSION {
            return Err(VaultError::Corrupt(format!(
                "{}: version {} is not supported by this build (expected {INDEX_VERSION}); update eproc-a2f",
                path.display(),
                index.version
            )));
        }
        let mut index = index;
        let steps = self.load_steps();
        for a in &mut index.accounts {
            a.last_step = steps.get(&step_key(&a.authenticator, &a.user)).copied().max(a.last_step);
        }
        Ok(index)
    }

    /// Writes the index (caller holds the lock). Steps are written separately.
    pub fn save(&self, _lock: &WriteLock, index: &IndexFile) -> Result<(), VaultError> {
        self.ensure_dir()?;
        let mut clean = index.clone();
        for a in &mut clean.accounts {
            a.last_step = None;
        }
        let text = serde_json::to_vec_pretty(&clean).map_err(|e| VaultError::Io(e.to_string()))?;
        let path = self.index_path();
        #[cfg(test)]
        if self.fail_index_writes.get() {
            return Err(io_error("cannot write", &path, io::Error::other("No space left on device (test)")));
        }
        write_atomically(&path, &text).map_err(|e| io_error("cannot write", &path, e))
    }

    /// The court clock offsets last seen, by authenticator; a missing or broken file is empty.
    pub fn load_clock(&self) -> BTreeMap<String, ClockRecord> {
        fs::read(self.clock_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Records an offset seen for `authenticator` (no lock: two writers at once lose at most one
    /// observation of the same clock).
    pub fn note_clock(&self, authenticator: &str, offset_ms: i64, now_ms: u64) -> Result<(), VaultError> {
        let mut all = self.load_clock();
        if let Some(old) = all.get(authenticator) {
            if old.offset_ms.abs_diff(offset_ms) < CLOCK_TOLERANCE_MS && now_ms.saturating_sub(old.at_ms) < CLOCK_REFRESH_MS {
                return Ok(());
            }
        }
        all.insert(authenticator.to_owned(), ClockRecord { offset_ms, at_ms: now_ms });
        self.ensure_dir()?;
        let text = serde_json::to_vec_pretty(&all).map_err(|e| VaultError::Io(e.to_string()))?;
        let path = self.clock_path();
        write_replacing(&path, &text, false).map_err(|e| io_error("cannot write", &path, e))
    }

    fn load_steps(&self) -> BTreeMap<String, u64> {
        fs::read(self.steps_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Records the last step handed out for an account (caller holds the lock).
    pub fn save_step(&self, _lock: &WriteLock, authenticator: &str, user: &str, step: u64) -> Result<(), VaultError> {
        let mut steps = self.load_steps();
        steps.insert(step_key(authenticator, user), step);
        let text = serde_json::to_vec(&steps).map_err(|e| VaultError::Io(e.to_string()))?;
        let path = self.steps_path();
        write_replacing(&path, &text, false).map_err(|e| io_error("cannot write", &path, e))
    }

    pub fn forget_step(&self, _lock: &WriteLock, authenticator: &str, user: &str) -> Result<(), VaultError> {
        let mut steps = self.load_steps();
        if steps.remove(&step_key(authenticator, user)).is_some() {
            let text = serde_json::to_vec(&steps).map_err(|e| VaultError::Io(e.to_string()))?;
            let path = self.steps_path();
            write_atomically(&path, &text).map_err(|e| io_error("cannot write", &path, e))?;
        }
        Ok(())
    }

    /// Moves a corrupted index aside (never deletes it) and returns where it went.
    pub fn quarantine(&self, _lock: &WriteLock, now_s: u64) -> Result<Option<PathBuf>, VaultError> {
        let path = self.index_path();
        if !path.exists() {
            return Ok(None);
        }
        let aside = self.dir.join(format!("index.json.corrupt-{now_s}"));
        fs::rename(&path, &aside).map_err(|e| io_error("cannot move", &path, e))?;
        Ok(Some(aside))
    }
}

fn step_key(authenticator: &str, user: &str) -> String {
    format!("{authenticator}:{}", user.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use eproc_a2f_core::Params;

    fn account(user: &str) -> Account {
        Account {
            authenticator: "trf4".into(),
            user: user.into(),
            label: None,
            params: Params::default(),
            created: 1,
            ..Account::default()
        }
    }

    #[test]
    fn clock_offsets_are_kept_per_authenticator_and_rewritten_only_on_change() {
        let dir = tempfile::tempdir().unwrap();
        let files = IndexFiles::new(dir.path().join("cfg"));
        assert!(files.load_clock().is_empty());
        files.note_clock("trf4", 150_000, 1_000).unwrap();
        files.note_clock("tjmg", -150_200, 2_000).unwrap();
        let stamp = fs::metadata(files.clock_path()).unwrap().modified().unwrap();
        // Within a second of the stored offset, minutes later: nothing is written.
        std::thread::sleep(Duration::from_millis(20));
        files.note_clock("trf4", 150_400, 60_000).unwrap();
        assert_eq!(fs::metadata(files.clock_path()).unwrap().modified().unwrap(), stamp);
        let all = files.load_clock();
        assert_eq!(all["trf4"], ClockRecord { offset_ms: 150_000, at_ms: 1_000 });
        assert_eq!(all["tjmg"], ClockRecord { offset_ms: -150_200, at_ms: 2_000 });
        files.note_clock("trf4", 2_000, 70_000).unwrap();
        assert_eq!(files.load_clock()["trf4"], ClockRecord { offset_ms: 2_000, at_ms: 70_000 });
        files.note_clock("trf4", 2_000, 70_000 + CLOCK_REFRESH_MS).unwrap();
        assert_eq!(files.load_clock()["trf4"].at_ms, 70_000 + CLOCK_REFRESH_MS);
        fs::write(files.clock_path(), b"garbage").unwrap();
        assert!(files.load_clock().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn every_folder_is_created_private_and_a_loose_one_is_tightened() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a").join("b").join("eproc-a2f");
        let files = IndexFiles::new(deep.clone());
        drop(files.lock().unwrap());
        for p in [dir.path().join("a"), dir.path().join("a/b"), deep.clone()] {
            assert_eq!(mode(&p), 0o700, "{}", p.display());
        }
        // A folder made 0755 by something else (an older version, `mkdir`) is made private.
        let loose = dir.path().join("loose");
        fs::create_dir(&loose).unwrap();
        fs::set_permissions(&loose, fs::Permissions::from_mode(0o755)).unwrap();
        let files = IndexFiles::new(loose.clone());
        files.note_clock("trf4", 5_000, 1).unwrap();
        assert_eq!(mode(&loose), 0o700);
        assert_eq!(mode(&files.clock_path()) & 0o077, 0);
    }

    #[test]
    fn missing_index_is_empty_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let files = IndexFiles::new(dir.path().join("cfg"));
        assert!(files.load().unwrap().accounts.is_empty());
        let lock = files.lock().unwrap();
        let idx = IndexFile { version: INDEX_VERSION, accounts: vec![account("RS1")] };
        files.save(&lock, &idx).unwrap();
        files.save_step(&lock, "trf4", "rs1", 42).unwrap();
        let back = files.load().unwrap();
        assert_eq!(back.accounts[0].user, "RS1");
        assert_eq!(back.accounts[0].last_step, Some(42));
    }

    #[test]
    fn corrupted_index_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let files = IndexFiles::new(dir.path().to_path_buf());
        fs::write(files.index_path(), b"{\"version\":1,\"accounts\":[{\"auth").unwrap();
        assert!(matches!(files.load(), Err(VaultError::Corrupt(_))));
        let lock = files.lock().unwrap();
        let aside = files.quarantine(&lock, 7).unwrap().unwrap();
        assert!(aside.ends_with("index.json.corrupt-7"));
        assert!(fs::read(&aside).unwrap().starts_with(b"{\"version\""));
    }

    #[test]
    fn broken_steps_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let files = IndexFiles::new(dir.path().to_path_buf());
        let lock = files.lock().unwrap();
        files.save(&lock, &IndexFile { version: 1, accounts: vec![account("u")] }).unwrap();
        fs::write(dir.path().join("steps.json"), b"garbage").unwrap();
        assert_eq!(files.load().unwrap().accounts[0].last_step, None);
    }

    #[test]
    fn future_versions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let files = IndexFiles::new(dir.path().to_path_buf());
        fs::write(files.index_path(), br#"{"version":9,"accounts":[]}"#).unwrap();
        assert!(matches!(files.load(), Err(VaultError::Corrupt(_))));
    }
}
