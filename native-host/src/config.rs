//! Host configuration: which extension IDs the host answers, and the administrator's extra
//! registry entries. Two files, same format: the user's (`~/.config/eproc-a2f/config.json`,
//! written by `install --extension-id`) and the system's (`/etc/eproc-a2f/config.json`, written by
//! `install --scope system` or by an administrator). Missing files are empty configurations; a
//! broken file is an error the user sees, never a reason to answer everyone.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use eproc_a2f_core::registry::System;
use eproc_a2f_core::Registry;

/// The project's own extension: Chrome/Edge/Brave ID (from `manifest/extension-key.b64`).
pub const OWN_CHROME_ID: &str = "phjpcgphmkfhfkbfpbodepiflibgalle";
/// The project's own Firefox add-on ID.
pub const OWN_GECKO_ID: &str = "eproc-a2f@eproc-a2f.github.io";
/// The native-messaging host name.
pub const HOST_NAME: &str = "io.github.eproc_a2f";

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HostConfig {
    /// Extra Chrome extension IDs and Firefox add-on IDs allowed to call the host.
    #[serde(default)]
    pub extension_ids: Vec<String>,
    /// Registry entries for courts the built-in data does not know yet.
    #[serde(default)]
    pub extra_systems: Vec<System>,
}

pub fn user_config_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("EPROC_A2F_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("io.github", "eproc-a2f", "eproc-a2f").map(|p| p.config_dir().to_path_buf())
}

pub fn system_config_path() -> PathBuf {
    if let Ok(p) = std::env::var("EPROC_A2F_SYSTEM_CONFIG") {
        return PathBuf::from(p);
    }
    if cfg!(windows) {
        let base = std::env::var("ProgramData").unwrap_or_else(|_| r"C:\ProgramData".into());
        PathBuf::from(base).join("eproc-a2f").join("config.json")
    } else if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/eproc-a2f/config.json")
    } else {
        PathBuf::from("/etc/eproc-a2f/config.json")
    }
}

pub fn user_config_path() -> Option<PathBuf> {
    user_config_dir().map(|d| d.join("config.json"))
}

pub fn read_config(path: &Path) -> Result<HostConfig> {
    match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).with_context(|| format!("configuration {} is invalid", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HostConfig::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes a configuration file. The user's (`private`) lives in the index's folder, created 0700;
/// the system's is read by every user's host, so its folder and file stay readable (0755/0644).
pub fn write_config(path: &Path, cfg: &HostConfig, private: bool) -> Result<()> {
    if let Some(dir) = path.parent() {
        if private {
            crate::store::index::create_private_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        } else {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    let text = serde_json::to_string_pretty(cfg)? + "\n";
    crate::store::index::write_atomically(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    if !private {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o644)).with_context(|| format!("cannot set the mode of {}", path.display()))?;
    }
    Ok(())
}

/// Both configurations merged: system first, then the user's.
#[derive(Debug, Default)]
pub struct Effective {
    pub extension_ids: Vec<String>,
    pub extra_systems: Vec<System>,
    pub problems: Vec<String>,
}

pub fn effective() -> Effective {
    let mut eff = Effective::default();
    let mut paths = vec![system_config_path()];
    paths.extend(user_config_path());
    for p in paths {
        match read_config(&p) {
            Ok(c) => {
                eff.extension_ids.extend(c.extension_ids);
                eff.extra_systems.extend(c.extra_systems);
            }
            Err(e) => eff.problems.push(format!("{e:#}")),
        }
    }
    eff
}

/// The registry in force: built-in data plus valid extra systems. Invalid extras are reported,
/// never half-applied.
pub fn registry(eff: &Effective) -> (Registry, Vec<String>) {
    let mut reg = Registry::builtin();
    let mut problems = Vec::new();
    if !eff.extra_systems.is_empty() {
        let mut candidate = reg.clone();
        match candidate.add_systems(eff.extra_systems.clone()) {
            Ok(()) => reg = candidate,
            Err(e) => problems.push(format!("extraSystems ignored: {e}")),
        }
    }
    (reg, problems)
}

/// Who is calling, from the arguments the browser passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// Chrome, Edge, Brave, Vivaldi, Chromium: `chrome-extension://ID/`.
    Chromium(String),
    /// Firefox: manifest path, then the add-on ID.
    Firefox(String),
}

impl Caller {
    /// Recognises the browser's invocation; `None` means the binary was started as a CLI.
    pub fn from_args(args: &[String]) -> Option<Caller> {
        let first = args.get(1)?;
        if let Some(rest) = first.strip_prefix("chrome-extension://") {
            return Some(Caller::Chromium(rest.trim_end_matches('/').to_owned()));
        }
        // Firefox: <path to manifest .json> <add-on id>
        if first.ends_with(".json") && args.len() >= 3 && !args[2].starts_with('-') {
            return Some(Caller::Firefox(args[2].clone()));
        }
        None
    }

    pub fn id(&self) -> &str {
        match self {
            Caller::Chromium(id) | Caller::Firefox(id) => id,
        }
    }

    /// True for the project's own extension and the IDs the host was installed for.
    pub fn allowed(&self, extra_ids: &[String]) -> bool {
        let own = match self {
            Caller::Chromium(id) => id == OWN_CHROME_ID,
            Caller::Firefox(id) => id == OWN_GECKO_ID,
        };
        own || extra_ids.iter().any(|x| x == self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recognises_browser_invocations() {
        assert_eq!(
            Caller::from_args(&args(&["eproc-a2f", "chrome-extension://abc/"])),
            Some(Caller::Chromium("abc".into()))
        );
        assert_eq!(
            Caller::from_args(&args(&["eproc-a2f", "chrome-extension://abc/", "--parent-window=0"])),
            Some(Caller::Chromium("abc".into()))
        );
        assert_eq!(
            Caller::from_args(&args(&["eproc-a2f", "/home/u/.mozilla/native-messaging-hosts/io.github.eproc_a2f.json", "x@y"])),
            Some(Caller::Firefox("x@y".into()))
        );
        assert_eq!(Caller::from_args(&args(&["eproc-a2f", "list"])), None);
        assert_eq!(Caller::from_args(&args(&["eproc-a2f"])), None);
    }

    #[test]
    fn only_known_callers_are_allowed() {
        assert!(Caller::Chromium(OWN_CHROME_ID.into()).allowed(&[]));
        assert!(Caller::Firefox(OWN_GECKO_ID.into()).allowed(&[]));
        assert!(!Caller::Chromium("evil".into()).allowed(&[]));
        assert!(Caller::Chromium("firm".into()).allowed(&["firm".into()]));
        // A Chrome ID does not pass as a Firefox add-on ID.
        assert!(!Caller::Firefox(OWN_CHROME_ID.into()).allowed(&[]));
    }
}
