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
        config::write_config(&cfg_path, &cfg)?;
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
            Location::RegistryKey { manifest_dir, .. } => manifest_dir.join(format!("{HOST_NAME}.json")),
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
