//! Registering the host with browsers: the manifest file at each browser's location (Linux,
//! macOS) or a registry key pointing at it (Windows). Where files go is a pure function of the
//! browser, scope, OS and home folder, so every platform's layout is unit-tested here even though
//! only Linux runs the real installs in CI.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::config::{self, HOST_NAME, OWN_CHROME_ID, OWN_GECKO_ID};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Browser {
    Chrome,
    Chromium,
    Edge,
    Brave,
    Vivaldi,
    Firefox,
}

impl Browser {
    pub const ALL: [Browser; 6] =
        [Browser::Chrome, Browser::Chromium, Browser::Edge, Browser::Brave, Browser::Vivaldi, Browser::Firefox];

    pub fn is_firefox(self) -> bool {
        self == Browser::Firefox
    }

    pub fn name(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Chromium => "chromium",
            Browser::Edge => "edge",
            Browser::Brave => "brave",
            Browser::Vivaldi => "vivaldi",
            Browser::Firefox => "firefox",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    User,
    System,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::MacOs
        } else {
            Os::Linux
        }
    }
}

/// Where a browser looks for the manifest (Linux/macOS), or the registry key that points at it
/// (Windows, relative to HKCU/HKLM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Dir(PathBuf),
    RegistryKey { hive: &'static str, key: String, manifest_dir: PathBuf },
}

/// The location for one browser and scope. `home` is the user's home; `program_data` and
/// `local_app_data` matter on Windows only.
pub fn location(browser: Browser, scope: Scope, os: Os, home: &Path, win_dirs: (&Path, &Path)) -> Location {
    use Browser::*;
    match (os, scope) {
        (Os::Linux, Scope::User) => Location::Dir(home.join(match browser {
            Chrome => ".config/google-chrome/NativeMessagingHosts",
            Chromium => ".config/chromium/NativeMessagingHosts",
            Edge => ".config/microsoft-edge/NativeMessagingHosts",
            Brave => ".config/BraveSoftware/Brave-Browser/NativeMessagingHosts",
            Vivaldi => ".config/vivaldi/NativeMessagingHosts",
            Firefox => ".mozilla/native-messaging-hosts",
        })),
        (Os::Linux, Scope::System) => Location::Dir(PathBuf::from(match browser {
            Chrome => "/etc/opt/chrome/native-messaging-hosts",
            Chromium => "/etc/chromium/native-messaging-hosts",
            Edge => "/etc/opt/edge/native-messaging-hosts",
            Brave => "/etc/opt/brave.com/brave/native-messaging-hosts",
            Vivaldi => "/etc/opt/vivaldi/native-messaging-hosts",
            Firefox => "/usr/lib/mozilla/native-messaging-hosts",
        })),
        (Os::MacOs, Scope::User) => Location::Dir(home.join("Library/Application Support").join(match browser {
            Chrome => "Google/Chrome/NativeMessagingHosts",
            Chromium => "Chromium/NativeMessagingHosts",
            Edge => "Microsoft Edge/NativeMessagingHosts",
            Brave => "BraveSoftware/Brave-Browser/NativeMessagingHosts",
            Vivaldi => "Vivaldi/NativeMessagingHosts",
            Firefox => "Mozilla/NativeMessagingHosts",
        })),
        (Os::MacOs, Scope::System) => Location::Dir(PathBuf::from(match browser {
            Chrome => "/Library/Google/Chrome/NativeMessagingHosts",
            Chromium => "/Library/Application Support/Chromium/NativeMessagingHosts",
            Edge => "/Library/Microsoft/Edge/NativeMessagingHosts",
            Brave => "/Library/BraveSoftware/Brave-Browser/NativeMessagingHosts",
            Vivaldi => "/Library/Vivaldi/NativeMessagingHosts",
            Firefox => "/Library/Application Support/Mozilla/NativeMessagingHosts",
        })),
        (Os::Windows, scope) => {
            let vendor = match browser {
                Chrome => r"Software\Google\Chrome",
                Chromium => r"Software\Chromium",
                Edge => r"Software\Microsoft\Edge",
                Brave => r"Software\BraveSoftware\Brave-Browser",
                Vivaldi => r"Software\Vivaldi",
                Firefox => r"Software\Mozilla",
            };
            let (hive, base) = match scope {
                Scope::User => ("HKCU", win_dirs.1),
                Scope::System => ("HKLM", win_dirs.0),
            };
            Location::RegistryKey {
                hive,
                key: format!(r"{vendor}\NativeMessagingHosts\{HOST_NAME}"),
                manifest_dir: base.join("eproc-a2f").join(browser.name()),
            }
        }
    }
}

/// Splits extra IDs into Chrome extension IDs (32 letters a-p) and Firefox add-on IDs.
pub fn split_ids(ids: &[String]) -> Result<(Vec<String>, Vec<String>)> {
    let mut chrome = Vec::new();
    let mut gecko = Vec::new();
    for id in ids {
        let id = id.trim();
        if id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
            chrome.push(id.to_owned());
        } else if (id.contains('@') || (id.starts_with('{') && id.ends_with('}'))) && !id.contains(char::is_whitespace) {
            gecko.push(id.to_owned());
        } else {
            bail!("{id:?} is neither a Chrome extension ID (32 letters a-p) nor a Firefox add-on ID (name@domain or {{uuid}})");
        }
    }
    Ok((chrome, gecko))
}

/// The manifest a browser reads.
pub fn manifest(browser: Browser, host_path: &Path, extra_ids: &[String]) -> Result<Value> {
    let (chrome, gecko) = split_ids(extra_ids)?;
    let description = "eproc-a2f: códigos de autenticação em dois fatores do eproc";
    let path = host_path.to_string_lossy();
    Ok(if browser.is_firefox() {
        let mut ids = vec![OWN_GECKO_ID.to_owned()];
        ids.extend(gecko.into_iter().filter(|g| g != OWN_GECKO_ID));
        json!({ "name": HOST_NAME, "description": description, "path": path, "type": "stdio", "allowed_extensions": ids })
    } else {
        let mut ids = vec![OWN_CHROME_ID.to_owned()];
        ids.extend(chrome.into_iter().filter(|c| c != OWN_CHROME_ID));
        let origins: Vec<String> = ids.iter().map(|i| format!("chrome-extension://{i}/")).collect();
        json!({ "name": HOST_NAME, "description": description, "path": path, "type": "stdio", "allowed_origins": origins })
    })
}

// ------------------------------------------------------------------ Windows specifics

/// Chrome and Edge start a host through `cmd.exe /d /c <command line>` (newer builds `/s /c`), and
/// quote the host's path only when it has spaces: there `&` and `^` split or escape the command
/// and `%VAR%` expands even inside quotes. A host in such a folder would fail to start with no
/// message in the browser, so `install` refuses it with one.
pub fn check_windows_host_path(path: &Path) -> Result<()> {
    let text = path.to_string_lossy();
    if let Some(c) = text.chars().find(|c| matches!(c, '&' | '^' | '%' | '"')) {
        if crate::cli::lang_from_env() == eproc_a2f_core::Lang::En {
            bail!("{text}: the path has '{c}', which cmd.exe (the browser starts the host through it) interprets; install eproc-a2f in a folder without & ^ % \" (e.g. the MSI's C:\\Program Files\\eproc-a2f)");
        }
        bail!("{text}: o caminho tem '{c}', que o cmd.exe (por onde o navegador inicia o host) interpreta; instale o eproc-a2f numa pasta sem & ^ % \" (por exemplo a do MSI, C:\\Program Files\\eproc-a2f)");
    }
    Ok(())
}

/// `std::fs::canonicalize` on Windows returns verbatim paths (`\\?\C:\...`, `\\?\UNC\srv\...`),
/// which cmd.exe cannot start and people do not recognise; manifests get the plain form.
pub fn without_verbatim_prefix(path: PathBuf) -> PathBuf {
    let text = path.to_string_lossy();
    if let Some(rest) = text.strip_prefix(r"\\?\UNC\") {
        return PathBuf::from(format!(r"\\{rest}"));
    }
    match text.strip_prefix(r"\\?\") {
        Some(rest) if rest.as_bytes().get(1) == Some(&b':') => PathBuf::from(rest),
        _ => path,
    }
}

/// A manifest's `path` as the browser resolves it: on Windows it may be relative to the manifest's
/// folder (the MSIs use that, so their files need no rewriting at install time).
pub fn manifest_host_path(manifest_file: &Path, path_field: &str) -> PathBuf {
    let p = Path::new(path_field);
    let absolute = p.is_absolute() || path_field.starts_with('/') || path_field.as_bytes().get(1) == Some(&b':');
    match manifest_file.parent() {
        Some(dir) if !absolute => dir.join(p),
        _ => p.to_path_buf(),
    }
}

/// The two manifests the Windows MSIs install next to `eproc-a2f.exe` (`manifest/windows/`,
/// checked by a test): (file name, contents). The host is named relative to the manifest.
pub fn windows_package_manifests() -> Result<Vec<(&'static str, String)>> {
    let host = Path::new("eproc-a2f.exe");
    Ok(vec![
        ("io.github.eproc_a2f.chromium.json", serde_json::to_string_pretty(&manifest(Browser::Chromium, host, &[])?)? + "\n"),
        ("io.github.eproc_a2f.firefox.json", serde_json::to_string_pretty(&manifest(Browser::Firefox, host, &[])?)? + "\n"),
    ])
}

pub struct InstallPlan {
    pub browsers: Vec<Browser>,
    pub scope: Scope,
    pub dir: Option<PathBuf>,
    pub extension_ids: Vec<String>,
    pub host_path: PathBuf,
}

fn home() -> Result<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()).context("cannot find the home folder")
}

fn win_dirs() -> (PathBuf, PathBuf) {
    let pd = std::env::var("ProgramData").unwrap_or_else(|_| r"C:\ProgramData".into());
    let la = std::env::var("LOCALAPPDATA").unwrap_or_else(|_| r"C:\Users\Default\AppData\Local".into());
    (PathBuf::from(pd), PathBuf::from(la))
}

/// Browsers whose profile folder exists for this user (for `--browser all` in user scope).
pub fn detect_browsers(home: &Path) -> Vec<Browser> {
    Browser::ALL
        .into_iter()
        .filter(|b| match location(*b, Scope::User, Os::current(), home, (Path::new(""), Path::new(""))) {
            Location::Dir(d) => d.parent().is_some_and(Path::exists),
            Location::RegistryKey { .. } => true,
        })
        .collect()
}

/// Writes the manifests (and Windows keys). Returns a line per file written.
pub fn install(plan: &InstallPlan) -> Result<Vec<String>> {
    let mut done = Vec::new();
    split_ids(&plan.extension_ids)?;
    if Os::current() == Os::Windows {
        check_windows_host_path(&plan.host_path)?;
    }
    if let Some(dir) = &plan.dir {
        // Custom location (a test profile, a portable browser): one manifest, the first browser's format.
        let browser = plan.browsers.first().copied().unwrap_or(Browser::Chromium);
        let path = write_manifest(dir, browser, plan)?;
        done.push(format!("{}: {}", browser.name(), path.display()));
    } else {
        let home = home()?;
        let (pd, la) = win_dirs();
        for &b in &plan.browsers {
            match location(b, plan.scope, Os::current(), &home, (&pd, &la)) {
                Location::Dir(dir) => {
                    let path = write_manifest(&dir, b, plan)?;
                    done.push(format!("{}: {}", b.name(), path.display()));
                }
                Location::RegistryKey { hive, key, manifest_dir } => {
                    let path = write_manifest(&manifest_dir, b, plan)?;
                    windows::set_key(hive, &key, &path)?;
                    done.push(format!("{}: {hive}\\{key} -> {}", b.name(), path.display()));
                }
            }
        }
    }
    // The host's own caller check needs to know the extra IDs too.
    if !plan.extension_ids.is_empty() {
        let cfg_path = match plan.scope {
            Scope::System => config::system_config_path(),
            Scope::User => config::user_config_path().context("cannot find the configuration folder")?,
        };
        let mut cfg = config::read_config(&cfg_path)?;
        for id in &plan.extension_ids {
            if !cfg.extension_ids.contains(id) {
                cfg.extension_ids.push(id.clone());
            }
        }
        config::write_config(&cfg_path, &cfg, plan.scope == Scope::User)?;
        done.push(format!("config: {}", cfg_path.display()));
    }
    Ok(done)
}

fn write_manifest(dir: &Path, browser: Browser, plan: &InstallPlan) -> Result<PathBuf> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{HOST_NAME}.json"));
    let text = serde_json::to_string_pretty(&manifest(browser, &plan.host_path, &plan.extension_ids)?)? + "\n";
    crate::store::index::write_atomically(&path, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(&path, fs::Permissions::from_mode(0o644));
    }
    Ok(path)
}

/// Removes what `install` wrote. Missing files are fine.
pub fn uninstall(plan: &InstallPlan) -> Result<Vec<String>> {
    let mut done = Vec::new();
    let remove = |path: PathBuf, done: &mut Vec<String>| -> Result<()> {
        match fs::remove_file(&path) {
            Ok(()) => done.push(format!("removed {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
        Ok(())
    };
    if let Some(dir) = &plan.dir {
        remove(dir.join(format!("{HOST_NAME}.json")), &mut done)?;
        return Ok(done);
    }
    let home = home()?;
    let (pd, la) = win_dirs();
    for &b in &plan.browsers {
        match location(b, plan.scope, Os::current(), &home, (&pd, &la)) {
            Location::Dir(dir) => remove(dir.join(format!("{HOST_NAME}.json")), &mut done)?,
            Location::RegistryKey { hive, key, manifest_dir } => {
                windows::delete_key(hive, &key)?;
                remove(manifest_dir.join(format!("{HOST_NAME}.json")), &mut done)?;
            }
        }
    }
    Ok(done)
}

/// Registered manifests found for doctor: (browser, path, parsed manifest or error).
pub fn find_installed(scope: Scope) -> Vec<(Browser, PathBuf, Result<Value, String>)> {
    let Ok(home) = home() else { return Vec::new() };
    let (pd, la) = win_dirs();
    let mut out = Vec::new();
    for b in Browser::ALL {
        let path = match location(b, scope, Os::current(), &home, (&pd, &la)) {
            Location::Dir(d) => d.join(format!("{HOST_NAME}.json")),
            // The key's default value is what the browser follows (the MSI's manifests live next
            // to the binary, `install`'s under ProgramData/LocalAppData): read it, not a guess.
            Location::RegistryKey { hive, key, .. } => match windows::get_key(hive, &key) {
                Some(p) => PathBuf::from(p),
                None => continue,
            },
        };
        if path.exists() {
            let parsed = fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()));
            out.push((b, path, parsed));
        }
    }
    out
}

#[cfg(windows)]
mod windows {
    use anyhow::{Context, Result};
    use std::path::Path;
    use winreg::enums::{HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE};
    use winreg::RegKey;

    fn hive(h: &str) -> RegKey {
        RegKey::predef(if h == "HKLM" { HKEY_LOCAL_MACHINE } else { HKEY_CURRENT_USER })
    }

    pub fn set_key(h: &str, key: &str, manifest: &Path) -> Result<()> {
        let (k, _) = hive(h).create_subkey(key).with_context(|| format!("cannot create {h}\\{key}"))?;
        k.set_value("", &manifest.to_string_lossy().to_string()).with_context(|| format!("cannot write {h}\\{key}"))
    }

    /// The default value of a key, if the key exists.
    pub fn get_key(h: &str, key: &str) -> Option<String> {
        hive(h).open_subkey(key).ok()?.get_value::<String, _>("").ok()
    }

    pub fn delete_key(h: &str, key: &str) -> Result<()> {
        match hive(h).delete_subkey_all(key) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot delete {h}\\{key}")),
        }
    }
}

#[cfg(not(windows))]
mod windows {
    //! Registry keys exist only on Windows; on other systems `location` never returns one for the
    //! current OS, so these are unreachable there.
    use anyhow::{bail, Result};
    use std::path::Path;

    pub fn set_key(h: &str, key: &str, _manifest: &Path) -> Result<()> {
        bail!("registry key {h}\\{key} exists only on Windows")
    }

    pub fn delete_key(h: &str, key: &str) -> Result<()> {
        bail!("registry key {h}\\{key} exists only on Windows")
    }

    pub fn get_key(_h: &str, _key: &str) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(b: Browser, s: Scope, os: Os) -> Location {
        location(b, s, os, Path::new("/home/u"), (Path::new(r"C:\ProgramData"), Path::new(r"C:\Users\u\AppData\Local")))
    }

    #[test]
    fn linux_locations() {
        assert_eq!(loc(Browser::Chrome, Scope::User, Os::Linux), Location::Dir("/home/u/.config/google-chrome/NativeMessagingHosts".into()));
        assert_eq!(loc(Browser::Chromium, Scope::System, Os::Linux), Location::Dir("/etc/chromium/native-messaging-hosts".into()));
        assert_eq!(loc(Browser::Edge, Scope::System, Os::Linux), Location::Dir("/etc/opt/edge/native-messaging-hosts".into()));
        assert_eq!(loc(Browser::Firefox, Scope::User, Os::Linux), Location::Dir("/home/u/.mozilla/native-messaging-hosts".into()));
        assert_eq!(loc(Browser::Firefox, Scope::System, Os::Linux), Location::Dir("/usr/lib/mozilla/native-messaging-hosts".into()));
        assert_eq!(loc(Browser::Brave, Scope::User, Os::Linux), Location::Dir("/home/u/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts".into()));
    }

    #[test]
    fn macos_locations() {
        assert_eq!(
            loc(Browser::Chrome, Scope::User, Os::MacOs),
            Location::Dir("/home/u/Library/Application Support/Google/Chrome/NativeMessagingHosts".into())
        );
        assert_eq!(loc(Browser::Chrome, Scope::System, Os::MacOs), Location::Dir("/Library/Google/Chrome/NativeMessagingHosts".into()));
        assert_eq!(
            loc(Browser::Firefox, Scope::System, Os::MacOs),
            Location::Dir("/Library/Application Support/Mozilla/NativeMessagingHosts".into())
        );
    }

    #[test]
    fn windows_registry_keys() {
        match loc(Browser::Chrome, Scope::User, Os::Windows) {
            Location::RegistryKey { hive, key, .. } => {
                assert_eq!(hive, "HKCU");
                assert_eq!(key, r"Software\Google\Chrome\NativeMessagingHosts\io.github.eproc_a2f");
            }
            other => panic!("{other:?}"),
        }
        match loc(Browser::Firefox, Scope::System, Os::Windows) {
            Location::RegistryKey { hive, key, .. } => {
                assert_eq!(hive, "HKLM");
                assert_eq!(key, r"Software\Mozilla\NativeMessagingHosts\io.github.eproc_a2f");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn windows_host_paths_that_cmd_would_mangle_are_refused() {
        assert!(check_windows_host_path(Path::new(r"C:\Program Files\eproc-a2f\eproc-a2f.exe")).is_ok());
        assert!(check_windows_host_path(Path::new(r"C:\Users\João Silva\AppData\Local\Programs\eproc-a2f\eproc-a2f.exe")).is_ok());
        for bad in [r"C:\Users\A&B\eproc-a2f.exe", r"C:\x^y\eproc-a2f.exe", r"C:\100%\eproc-a2f.exe"] {
            let e = check_windows_host_path(Path::new(bad)).unwrap_err().to_string();
            assert!(e.contains("cmd.exe") && e.contains(bad), "{e}");
        }
    }

    #[test]
    fn verbatim_prefixes_are_removed_and_relative_manifest_paths_resolved() {
        assert_eq!(without_verbatim_prefix(r"\\?\C:\Program Files\eproc-a2f\eproc-a2f.exe".into()), PathBuf::from(r"C:\Program Files\eproc-a2f\eproc-a2f.exe"));
        assert_eq!(without_verbatim_prefix(r"\\?\UNC\srv\share\eproc-a2f.exe".into()), PathBuf::from(r"\\srv\share\eproc-a2f.exe"));
        assert_eq!(without_verbatim_prefix("/usr/bin/eproc-a2f".into()), PathBuf::from("/usr/bin/eproc-a2f"));
        assert_eq!(manifest_host_path(Path::new("/opt/x/m.json"), "eproc-a2f.exe"), PathBuf::from("/opt/x/eproc-a2f.exe"));
        assert_eq!(manifest_host_path(Path::new("/opt/x/m.json"), "/usr/bin/eproc-a2f"), PathBuf::from("/usr/bin/eproc-a2f"));
        assert_eq!(manifest_host_path(Path::new("/opt/x/m.json"), r"C:\e.exe"), PathBuf::from(r"C:\e.exe"));
    }

    /// The manifests shipped in the MSIs are generated; with EPROC_A2F_BLESS=1 this rewrites them.
    #[test]
    fn shipped_windows_package_manifests_are_up_to_date() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifest/windows");
        for (name, text) in windows_package_manifests().unwrap() {
            let path = dir.join(name);
            if std::env::var("EPROC_A2F_BLESS").is_ok_and(|v| v == "1") {
                fs::write(&path, &text).unwrap();
                continue;
            }
            let shipped = fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(shipped, text, "{} is out of date (EPROC_A2F_BLESS=1 cargo test -p eproc-a2f --lib install)", path.display());
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["path"], "eproc-a2f.exe");
        }
    }

    #[test]
    fn manifests_name_the_right_callers() {
        let m = manifest(Browser::Chromium, Path::new("/usr/bin/eproc-a2f"), &["abcdefghijklmnopabcdefghijklmnop".into()]).unwrap();
        assert_eq!(m["name"], "io.github.eproc_a2f");
        assert_eq!(m["type"], "stdio");
        assert_eq!(
            m["allowed_origins"],
            json!(["chrome-extension://phjpcgphmkfhfkbfpbodepiflibgalle/", "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"])
        );
        let f = manifest(Browser::Firefox, Path::new("/usr/bin/eproc-a2f"), &["firm@example.com".into()]).unwrap();
        assert_eq!(f["allowed_extensions"], json!(["eproc-a2f@eproc-a2f.github.io", "firm@example.com"]));
        assert!(f.get("allowed_origins").is_none());
        assert!(split_ids(&["not an id".into()]).is_err());
        assert!(split_ids(&["ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP".into()]).is_err());
    }
}
