//! Windows packaging under Wine (a stand-in for Windows, see tests/windows/README.md): the MSIs
//! install, register every browser and uninstall without a trace; `install --scope user|system`
//! writes the same registry keys itself and `doctor` checks them; a host started the way Chrome
//! starts it (cmd.exe, the manifest's path, the origin argument, pipes) answers `hello`.
//!
//! Run by tests/windows/run.sh, which provides the Wine prefix and these variables:
//! `EPROC_A2F_WINE` (wine64), `EPROC_A2F_WINE_DIST` (target/dist/windows), `EPROC_A2F_CHROME_LAUNCH`
//! (tests/windows/chrome-launch.c built with mingw), `WINEPREFIX`. Without them the tests skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

use serde_json::{json, Value};

#[path = "../../native-host/tests/common/mod.rs"]
mod common;

const HOST_NAME: &str = "io.github.eproc_a2f";
const CHROME_ORIGIN: &str = "chrome-extension://phjpcgphmkfhfkbfpbodepiflibgalle/";
const GECKO_ID: &str = "eproc-a2f@eproc-a2f.github.io";

/// Registry keys (under HKLM or HKCU) per browser, and which manifest family each reads.
const BROWSER_KEYS: &[(&str, &str, bool)] = &[
    ("chrome", r"Software\Google\Chrome", false),
    ("edge", r"Software\Microsoft\Edge", false),
    ("brave", r"Software\BraveSoftware\Brave-Browser", false),
    ("chromium", r"Software\Chromium", false),
    ("firefox", r"Software\Mozilla", true),
];

/// One Wine prefix, one Windows Installer: the tests take turns.
static PREFIX: Mutex<()> = Mutex::new(());

struct Wine {
    wine: String,
    dist: PathBuf,
    launcher: String,
    prefix: PathBuf,
}

fn wine() -> Option<Wine> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (get("EPROC_A2F_WINE"), get("EPROC_A2F_WINE_DIST"), get("EPROC_A2F_CHROME_LAUNCH"), get("WINEPREFIX")) {
        (Some(wine), Some(dist), Some(launcher), Some(prefix)) => Some(Wine { wine, dist: dist.into(), launcher, prefix: prefix.into() }),
        _ => {
            // The Linux stage (`cargo test --workspace`) compiles and skips this file; run.sh
            // always sets every variable, so there a missing piece cannot pass as a skip.
            eprintln!("SKIPPED: not inside tests/windows/run.sh");
            None
        }
    }
}

fn text(o: &Output) -> String {
    format!("status {:?}\nstdout: {}\nstderr: {}", o.status.code(), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

impl Wine {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.wine);
        c.args(args).stdin(Stdio::null()).env("LANG", "pt_BR.UTF-8").env_remove("LC_ALL").env_remove("LC_MESSAGES");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("wine64 runs")
    }

    /// msiexec starts Wine's background services (rpcss, explorer /desktop...), which inherit
    /// its stdout/stderr and keep them open for many seconds after it exits: waiting for those
    /// pipes (as `output()` does) would time the services, not the install. Its output is not
    /// needed: the exit status says it all, the registry and files are checked after.
    fn msiexec(&self, args: &[&str]) -> std::process::ExitStatus {
        let mut c = self.cmd(&["msiexec"]);
        c.args(args).stdout(Stdio::null()).stderr(Stdio::null());
        c.status().expect("wine64 msiexec runs")
    }

    /// `wine reg query KEY /ve`: the default value, or None when the key does not exist.
    fn reg_default(&self, key: &str) -> Option<String> {
        let o = self.run(&["reg", "query", key, "/ve"]);
        if !o.status.success() {
            return None;
        }
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        out.lines().find_map(|l| l.split_once("REG_SZ").map(|(_, v)| v.trim().to_owned()))
    }

    fn reg_exists(&self, key: &str) -> bool {
        self.run(&["reg", "query", key]).status.success()
    }

    /// A Windows path of this prefix as a path here (C: is the prefix's drive_c, Z: is /).
    fn unix(&self, win: &str) -> PathBuf {
        let (drive, rest) = win.split_at(2);
        let rest = rest.trim_start_matches('\\').replace('\\', "/");
        match drive.to_ascii_uppercase().as_str() {
            "C:" => self.prefix.join("drive_c").join(rest),
            "Z:" => Path::new("/").join(rest),
            other => panic!("unexpected drive {other} in {win}"),
        }
    }

    fn msi(&self, user: bool) -> String {
        let version = env!("CARGO_PKG_VERSION");
        let name = format!("eproc-a2f-{version}-x64{}.msi", if user { "-user" } else { "" });
        let path = std::fs::canonicalize(self.dist.join(&name)).unwrap_or_else(|e| panic!("{name}: {e} (cargo xtask dist --windows)"));
        format!("Z:{}", path.to_string_lossy().replace('/', "\\"))
    }

    /// The host a manifest names (relative to the manifest on Windows), as a Windows path.
    fn host_of(&self, manifest_win: &str, manifest: &Value) -> String {
        let path = manifest["path"].as_str().expect("manifest has a path");
        if path.as_bytes().get(1) == Some(&b':') {
            path.to_owned()
        } else {
            let dir = &manifest_win[..manifest_win.rfind('\\').unwrap()];
            format!("{dir}\\{path}")
        }
    }

    /// Starts the host as Chrome does: `cmd.exe /d /s /c ""host" origin --parent-window=0"`,
    /// hidden, in the host's folder, stdin/stdout pipes; asks `hello`.
    fn hello_as_chrome(&self, host_win: &str) -> Value {
        let dir = &host_win[..host_win.rfind('\\').unwrap()];
        let mut c = Command::new(&self.wine);
        c.arg(&self.launcher)
            .env("EPROC_A2F_LAUNCH_CMDLINE", format!(r#"C:\windows\system32\cmd.exe /d /s /c ""{host_win}" {CHROME_ORIGIN} --parent-window=0""#))
            .env("EPROC_A2F_LAUNCH_DIR", dir);
        self.hello(c)
    }

    /// Starts the host as Firefox does: the manifest's path and the add-on ID as arguments.
    fn hello_as_firefox(&self, host_win: &str, manifest_win: &str) -> Value {
        let mut c = Command::new(&self.wine);
        c.args([host_win, manifest_win, GECKO_ID]);
        self.hello(c)
    }

    fn hello(&self, mut c: Command) -> Value {
        c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let started = std::time::Instant::now();
        let mut h = common::Host { child: c.spawn().expect("start the host") };
        let a = h.ask(json!({"id": 1, "type": "hello"}));
        eprintln!("hello answered in {:.0?}", started.elapsed());
        let (code, rest, stderr) = h.finish();
        assert_eq!(code, 0, "{stderr}");
        assert!(rest.is_empty(), "nothing but frames on stdout");
        a
    }

    /// Every browser key under `hive` points at an existing manifest naming an existing host,
    /// and that host answers its browser.
    fn check_registered(&self, hive: &str, expect_dir: &str) {
        for (browser, vendor, firefox) in BROWSER_KEYS {
            let key = format!(r"{hive}\{vendor}\NativeMessagingHosts\{HOST_NAME}");
            let manifest_win = self.reg_default(&key).unwrap_or_else(|| panic!("{browser}: {key} missing"));
            assert!(manifest_win.to_lowercase().starts_with(&expect_dir.to_lowercase()), "{browser}: {manifest_win} not under {expect_dir}");
            let manifest: Value = serde_json::from_slice(&std::fs::read(self.unix(&manifest_win)).unwrap_or_else(|e| panic!("{browser}: {manifest_win}: {e}"))).unwrap();
            assert_eq!(manifest["name"], HOST_NAME);
            assert_eq!(manifest["type"], "stdio");
            let host = self.host_of(&manifest_win, &manifest);
            assert!(self.unix(&host).is_file(), "{browser}: the manifest names {host}, which does not exist");
            if *firefox {
                assert_eq!(manifest["allowed_extensions"], json!([GECKO_ID]));
            } else {
                assert_eq!(manifest["allowed_origins"], json!([CHROME_ORIGIN]));
            }
        }
        // One launch per manifest family (the Chromium browsers share theirs).
        let chrome_manifest = self.reg_default(&format!(r"{hive}\Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}")).unwrap();
        let m: Value = serde_json::from_slice(&std::fs::read(self.unix(&chrome_manifest)).unwrap()).unwrap();
        let a = self.hello_as_chrome(&self.host_of(&chrome_manifest, &m));
        assert_eq!(a["ok"], json!(true), "{a}");
        assert_eq!((&a["store"]["state"], &a["store"]["backend"]), (&json!("ok"), &json!("credential-manager")), "{a}");
        let ff_manifest = self.reg_default(&format!(r"{hive}\Software\Mozilla\NativeMessagingHosts\{HOST_NAME}")).unwrap();
        let m: Value = serde_json::from_slice(&std::fs::read(self.unix(&ff_manifest)).unwrap()).unwrap();
        let a = self.hello_as_firefox(&self.host_of(&ff_manifest, &m), &ff_manifest);
        assert_eq!(a["ok"], json!(true), "{a}");
    }

    fn check_unregistered(&self, hive: &str) {
        for (browser, vendor, _) in BROWSER_KEYS {
            let key = format!(r"{hive}\{vendor}\NativeMessagingHosts\{HOST_NAME}");
            assert!(!self.reg_exists(&key), "{browser}: {key} is still there");
        }
    }
}

fn msi_round_trip(user: bool) {
    let Some(w) = wine() else { return };
    let _turn = PREFIX.lock().unwrap_or_else(|e| e.into_inner());
    let msi = w.msi(user);
    let (hive, dir) = if user {
        ("HKCU", r"C:\users\root\AppData\Local\Programs\eproc-a2f".to_owned())
    } else {
        ("HKLM", r"C:\Program Files\eproc-a2f".to_owned())
    };
    let t = std::time::Instant::now();
    let status = w.msiexec(&["/i", &msi, "/qn"]);
    assert!(status.success(), "msiexec /i {msi}: {status}");
    eprintln!("msiexec /i {msi}: {:.1?}", t.elapsed());
    // The profile folder's name depends on the Unix user under Wine: find it from the key.
    let manifest = w.reg_default(&format!(r"{hive}\Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}")).expect("Chrome key written");
    let dir = if user { manifest[..manifest.rfind('\\').unwrap()].to_owned() } else { dir };
    assert!(dir.ends_with(r"\eproc-a2f"), "{dir}");
    w.check_registered(hive, &dir);
    eprintln!("registered: {:.1?}", t.elapsed());
    // The installed binary is a working CLI too, and its doctor sees every registration as its own.
    let exe = format!(r"{dir}\eproc-a2f.exe");
    let o = w.run(&[&exe, "doctor", "--json"]);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("doctor --json: {}", text(&o)));
    let browsers: Vec<&Value> = report["checks"].as_array().unwrap().iter().filter(|c| c["check"] == "browser").collect();
    assert!(browsers.len() >= BROWSER_KEYS.len(), "{report}");
    for c in &browsers {
        let m = c["message"].as_str().unwrap();
        if m.contains(&dir) || m.to_lowercase().contains(&dir.to_lowercase()) {
            assert_eq!(c["ok"], json!(true), "{c}");
            assert!(!m.contains("outro executável"), "{m}");
        }
    }
    eprintln!("doctor: {:.1?}", t.elapsed());
    let status = w.msiexec(&["/x", &msi, "/qn"]);
    assert!(status.success(), "msiexec /x {msi}: {status}");
    eprintln!("msiexec /x: {:.1?}", t.elapsed());
    w.check_unregistered(hive);
    assert!(!w.unix(&dir).exists(), "{dir} is still there after uninstall");
    if user {
        assert!(!w.reg_exists(r"HKCU\Software\eproc-a2f"), "the per-user key path value is still there");
    }
}

#[test]
fn per_machine_msi_registers_every_browser_answers_hello_and_uninstalls_cleanly() {
    msi_round_trip(false);
}

#[test]
fn per_user_msi_registers_every_browser_in_hkcu_and_uninstalls_cleanly() {
    msi_round_trip(true);
}

#[test]
fn install_scope_user_and_system_write_the_keys_doctor_checks_them_uninstall_removes_them() {
    let Some(w) = wine() else { return };
    let _turn = PREFIX.lock().unwrap_or_else(|e| e.into_inner());
    let exe = w.dist.join("eproc-a2f.exe");
    let exe_win = format!("Z:{}", std::fs::canonicalize(&exe).unwrap().to_string_lossy().replace('/', "\\"));
    for (scope, hive) in [("user", "HKCU"), ("system", "HKLM")] {
        let o = w.run(&[&exe_win, "install", "--scope", scope, "--browser", "all"]);
        assert!(o.status.success(), "install --scope {scope}: {}", text(&o));
        for (browser, vendor, _) in BROWSER_KEYS {
            let key = format!(r"{hive}\{vendor}\NativeMessagingHosts\{HOST_NAME}");
            let manifest_win = w.reg_default(&key).unwrap_or_else(|| panic!("{scope}/{browser}: {key} missing: {}", text(&o)));
            let m: Value = serde_json::from_slice(&std::fs::read(w.unix(&manifest_win)).unwrap()).unwrap();
            // Written by the host itself: an absolute, plain (no \\?\) path to this executable.
            assert_eq!(m["path"].as_str().unwrap().to_lowercase(), exe_win.to_lowercase(), "{scope}/{browser}");
        }
        let chrome_manifest = w.reg_default(&format!(r"{hive}\Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}")).unwrap();
        let a = w.hello_as_chrome(&exe_win);
        assert_eq!(a["ok"], json!(true), "{a}");
        let o = w.run(&[&exe_win, "doctor", "--json"]);
        let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("doctor: {}", text(&o)));
        let mine: Vec<&Value> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["check"] == "browser" && c["message"].as_str().unwrap().contains(&chrome_manifest))
            .collect();
        assert!(!mine.is_empty(), "doctor lists {chrome_manifest}: {report}");
        assert!(mine.iter().all(|c| c["ok"] == json!(true)), "{report}");
        // A manifest pointing at a host that is gone is reported.
        let broken = w.unix(&chrome_manifest);
        let saved = std::fs::read(&broken).unwrap();
        let mut m: Value = serde_json::from_slice(&saved).unwrap();
        m["path"] = json!(r"C:\nowhere\eproc-a2f.exe");
        std::fs::write(&broken, m.to_string()).unwrap();
        let o = w.run(&[&exe_win, "doctor"]);
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stdout).contains(r"C:\nowhere\eproc-a2f.exe (NÃO EXISTE"), "{}", text(&o));
        std::fs::write(&broken, saved).unwrap();
        let o = w.run(&[&exe_win, "uninstall", "--scope", scope, "--browser", "all"]);
        assert!(o.status.success(), "uninstall --scope {scope}: {}", text(&o));
        w.check_unregistered(hive);
        assert!(!w.unix(&chrome_manifest).exists());
    }
    // A folder whose name cmd.exe would interpret is refused with a reason, and nothing is written.
    let odd = tempfile::tempdir().unwrap();
    let odd_dir = odd.path().join("Silva & Souza");
    std::fs::create_dir(&odd_dir).unwrap();
    std::fs::write(odd_dir.join("eproc-a2f.exe"), b"").unwrap();
    let odd_win = format!("Z:{}", std::fs::canonicalize(odd_dir.join("eproc-a2f.exe")).unwrap().to_string_lossy().replace('/', "\\"));
    let o = w.run(&[&exe_win, "install", "--scope", "user", "--browser", "chrome", "--host-path", &odd_win]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cmd.exe"), "{}", text(&o));
    assert!(w.reg_default(&format!(r"HKCU\Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}")).is_none());
}
