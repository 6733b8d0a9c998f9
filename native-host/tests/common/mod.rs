//! Helpers for tests that run the built `eproc-a2f` binary against the real Secret Service.
//! `cargo xtask test` runs them inside `scripts/with-keyring.sh` (a private D-Bus session with an
//! unlocked gnome-keyring). Outside it they are skipped with a message, except in CI where that
//! would hide a broken setup, so there they fail.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

pub const OWN_ID: &str = "phjpcgphmkfhfkbfpbodepiflibgalle";
pub const KEY: &str = "MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW";
pub const TRF4: &str = "https://eproc.trf4.jus.br/eproc2trf4/index.php";

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_eproc-a2f"))
}

/// The host under test as a command line, from `EPROC_A2F_TEST_HOST` (words split on spaces,
/// e.g. `/usr/lib/wine/wine64 /repo/target/x86_64-pc-windows-gnu/release/eproc-a2f.exe`: the
/// Windows build under Wine, tests/windows/run.sh), else the binary cargo built for this machine.
pub fn host_command() -> Vec<String> {
    match std::env::var("EPROC_A2F_TEST_HOST") {
        Ok(cmd) if !cmd.trim().is_empty() => cmd.split_whitespace().map(str::to_owned).collect(),
        _ => vec![bin().to_string_lossy().into_owned()],
    }
}

/// True when the host under test is the Windows build under Wine (a stand-in for Windows).
pub fn under_wine() -> bool {
    host_command().last().is_some_and(|p| p.ends_with(".exe"))
}

/// The store backend the host under test reports in `hello`.
pub fn backend() -> &'static str {
    if under_wine() {
        "credential-manager"
    } else {
        "secret-service"
    }
}

/// The executable's path as the host itself writes it into manifests (`install`): under Wine a
/// Windows path on the drive Wine maps to `/` (`Z:\...`).
pub fn host_path_as_written() -> String {
    if under_wine() {
        let exe = std::fs::canonicalize(host_command().last().unwrap()).unwrap();
        format!("Z:{}", exe.to_string_lossy().replace('/', "\\"))
    } else {
        std::fs::canonicalize(bin()).unwrap().to_string_lossy().into_owned()
    }
}

/// True when a real keyring session is available; otherwise skips (or fails in CI).
pub fn keyring_session() -> bool {
    if std::env::var("EPROC_A2F_IN_KEYRING").as_deref() == Ok("1") {
        return true;
    }
    // Wine's Credential Manager (advapi32 Cred* over the prefix's registry) needs no session.
    if under_wine() {
        return true;
    }
    if std::env::var("CI").is_ok() {
        panic!("these tests need the real Secret Service: run them through scripts/with-keyring.sh");
    }
    eprintln!("SKIPPED: not inside scripts/with-keyring.sh (no real Secret Service)");
    false
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, isolated user: own config dir, unique user names (the keyring is shared).
pub struct Env {
    pub dir: tempfile::TempDir,
    pub tag: String,
}

impl Env {
    pub fn new() -> Env {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tag = format!("t{}x{}", std::process::id(), n);
        Env { dir: tempfile::tempdir().unwrap(), tag }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// A user name unique to this test run.
    pub fn user(&self, name: &str) -> String {
        format!("{name}-{}", self.tag)
    }

    pub fn cmd(&self) -> Command {
        let host = host_command();
        let mut c = Command::new(&host[0]);
        c.args(&host[1..]);
        c.env("EPROC_A2F_CONFIG_DIR", self.config_dir())
            .env("EPROC_A2F_SYSTEM_CONFIG", self.dir.path().join("system-config.json"))
            .env("LANG", "pt_BR.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES");
        c
    }

    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut c = self.cmd();
        c.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn eproc-a2f");
        {
            let mut si = child.stdin.take().unwrap();
            if let Some(s) = stdin {
                // A command that refuses its arguments exits before it reads stdin: the input it
                // never wanted is then a broken pipe, not a test failure.
                match si.write_all(s.as_bytes()) {
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                    other => other.unwrap(),
                }
            }
        }
        child.wait_with_output().unwrap()
    }

    pub fn add(&self, system: &str, user: &str, key: &str) -> Output {
        let o = self.cli(&["add", system, "--user", user, "--secret-stdin"], Some(key));
        assert!(o.status.success(), "add failed: {}", String::from_utf8_lossy(&o.stderr));
        o
    }

    /// Starts the host as Chrome does.
    pub fn host(&self, caller: &str) -> Host {
        let mut c = self.cmd();
        c.arg(caller).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        Host { child: c.spawn().expect("spawn host") }
    }
}

pub struct Host {
    pub child: Child,
}

pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u32).to_ne_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

impl Host {
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let si = self.child.stdin.as_mut().unwrap();
        si.write_all(bytes).unwrap();
        si.flush().unwrap();
    }

    pub fn send(&mut self, v: &Value) {
        self.send_raw(&frame(v.to_string().as_bytes()));
    }

    pub fn recv(&mut self) -> Value {
        let so = self.child.stdout.as_mut().unwrap();
        let mut len = [0u8; 4];
        so.read_exact(&mut len).expect("answer length");
        let n = u32::from_ne_bytes(len) as usize;
        assert!(n < 1_000_000, "answer over 1 MB");
        let mut body = vec![0u8; n];
        so.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).expect("answer is JSON")
    }

    pub fn ask(&mut self, v: Value) -> Value {
        self.send(&v);
        self.recv()
    }

    /// Closes stdin and returns (exit code, remaining stdout bytes, stderr).
    pub fn finish(mut self) -> (i32, Vec<u8>, String) {
        drop(self.child.stdin.take());
        let out = self.child.wait_with_output().unwrap();
        (out.status.code().unwrap_or(-1), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub fn chrome_caller() -> String {
    format!("chrome-extension://{OWN_ID}/")
}

pub fn oathtool(key_b32: &str, t: u64, digits: u8, algo: &str) -> String {
    let out = Command::new("oathtool")
        .args([
            &format!("--totp={}", algo.to_lowercase()),
            "-d",
            &digits.to_string(),
            "-N",
            &format!("@{t}"),
            "-b",
            key_b32,
        ])
        .output()
        .expect("oathtool is installed (scripts/install-deps.sh)");
    assert!(out.status.success(), "oathtool: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}
