//! The store settings of the managed policy the extension reads (`store` in
//! `extension/schema.json`). The host cannot ask the browser for `chrome.storage.managed`, but
//! the same policy is on disk, and the host reads it there:
//!
//! - Chrome, Chromium, Edge, Brave on Linux: `/etc/opt/chrome/policies/managed/*.json`,
//!   `/etc/chromium/policies/managed/*.json`, `/etc/opt/edge/policies/managed/*.json`,
//!   `/etc/brave/policies/managed/*.json`, key `3rdparty.extensions.<extension id>.store`;
//! - Firefox: `policies.json` (`/etc/firefox/policies/`, the install's `distribution/`), key
//!   `policies.3rdparty.Extensions.<add-on id>.store`;
//! - Windows (`cfg(windows)`): `HKLM\Software\Policies\<vendor>\<browser>\3rdparty\extensions\<id>\policy`
//!   and `HKLM\Software\Policies\Mozilla\Firefox\3rdparty\Extensions\<id>`, value `store`
//!   (REG_SZ holding JSON, as `eproc-a2f policy windows` writes it).
//!
//! The first source found in that order gives the whole `store` object. `EPROC_A2F_POLICY_ROOT`
//! puts every file path under another folder and skips the Windows registry, in debug builds only
//! (the tests): a release host gives the user no variable to step around the policy. A `store`
//! that does not parse is an error, never ignored: the administrator asked for it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::settings::StoreConfig;

/// Chromium-family folders of managed policy files (Linux).
pub const CHROMIUM_DIRS: &[&str] =
    &["/etc/opt/chrome/policies/managed", "/etc/chromium/policies/managed", "/etc/opt/edge/policies/managed", "/etc/brave/policies/managed"];

/// Firefox `policies.json` files.
pub const FIREFOX_FILES: &[&str] = &[
    "/etc/firefox/policies/policies.json",
    "/usr/lib/firefox/distribution/policies.json",
    "/usr/lib64/firefox/distribution/policies.json",
    "/usr/lib/firefox-esr/distribution/policies.json",
    "/opt/firefox/distribution/policies.json",
    "/Applications/Firefox.app/Contents/Resources/distribution/policies.json",
];

/// The extension IDs whose policies count: the project's own and the configured extra callers.
pub struct Ids {
    pub chromium: Vec<String>,
    pub firefox: Vec<String>,
}

impl Ids {
    pub fn current() -> Ids {
        let mut chromium = vec![crate::config::OWN_CHROME_ID.to_owned()];
        let mut firefox = vec![crate::config::OWN_GECKO_ID.to_owned()];
        for id in crate::config::effective().extension_ids {
            if id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
                chromium.push(id);
            } else {
                firefox.push(id);
            }
        }
        Ids { chromium, firefox }
    }
}

/// Where the managed `store` came from (for `store status`) and what it says.
#[derive(Debug, Clone)]
pub struct Managed {
    pub source: String,
    pub store: StoreConfig,
}

/// The managed `store` in force, from the disk (and on Windows the registry).
pub fn read() -> Result<Option<Managed>, String> {
    let ids = Ids::current();
    let test_root = if cfg!(debug_assertions) { std::env::var_os("EPROC_A2F_POLICY_ROOT") } else { None };
    match test_root {
        Some(root) => read_files(Path::new(&root), &ids),
        None => {
            #[cfg(windows)]
            if let Some(m) = windows::read(&ids)? {
                return Ok(Some(m));
            }
            read_files(Path::new("/"), &ids)
        }
    }
}

fn under(root: &Path, abs: &str) -> PathBuf {
    root.join(abs.trim_start_matches('/'))
}

/// The policy files under `root` (`/` on a real system).
pub fn read_files(root: &Path, ids: &Ids) -> Result<Option<Managed>, String> {
    for dir in CHROMIUM_DIRS {
        let dir = under(root, dir);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
        files.sort();
        for f in files {
            let Some(policy) = read_json(&f, &ids.chromium)? else { continue };
            if let Some(m) = store_of(&f, &policy["3rdparty"]["extensions"], &ids.chromium)? {
                return Ok(Some(m));
            }
        }
    }
    for f in FIREFOX_FILES {
        let f = under(root, f);
        let Some(policy) = read_json(&f, &ids.firefox)? else { continue };
        if let Some(m) = store_of(&f, &policy["policies"]["3rdparty"]["Extensions"], &ids.firefox)? {
            return Ok(Some(m));
        }
    }
    Ok(None)
}

/// A policy file; `None` when absent or unreadable by this user (browsers ignore those too).
fn read_json(path: &Path, ids: &[String]) -> Result<Option<Value>, String> {
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(None) };
    // A policy file the browser cannot parse either: not ours to judge, unless it names our
    // extension and a store.
    match serde_json::from_str(&text) {
        Ok(v) => Ok(Some(v)),
        Err(_) if !(text.contains("\"store\"") && ids.iter().any(|id| text.contains(id.as_str()))) => Ok(None),
        Err(e) => Err(format!("{}: managed policy is not valid JSON: {e}", path.display())),
    }
}

fn store_of(source: &Path, extensions: &Value, ids: &[String]) -> Result<Option<Managed>, String> {
    for id in ids {
        let v = &extensions[id.as_str()]["store"];
        if !v.is_null() {
            let at = format!("{} ({id})", source.display());
            return parse(&at, v).map(|store| Some(Managed { source: at, store }));
        }
    }
    Ok(None)
}

/// The `store` value: an object, or a JSON text holding one (registry values, `.reg` files).
pub fn parse(source: &str, v: &Value) -> Result<StoreConfig, String> {
    let v = match v {
        Value::String(s) => serde_json::from_str(s).map_err(|e| format!("{source}: managed store is not valid JSON: {e}"))?,
        other => other.clone(),
    };
    if !v.is_object() {
        return Err(format!("{source}: managed store must be an object"));
    }
    serde_json::from_value(v).map_err(|e| format!("{source}: managed store: {e}"))
}

#[cfg(windows)]
mod windows {
    use super::{parse, Ids, Managed};
    use serde_json::Value;
    use winreg::enums::HKEY_LOCAL_MACHINE;
    use winreg::RegKey;

    const CHROMIUM_KEYS: &[&str] = &[r"Google\Chrome", r"Microsoft\Edge", r"BraveSoftware\Brave", "Chromium"];

    fn value(key: &str) -> Option<String> {
        RegKey::predef(HKEY_LOCAL_MACHINE).open_subkey(key).ok()?.get_value::<String, _>("store").ok()
    }

    pub fn read(ids: &Ids) -> Result<Option<Managed>, String> {
        for vendor in CHROMIUM_KEYS {
            for id in &ids.chromium {
                let key = format!(r"Software\Policies\{vendor}\3rdparty\extensions\{id}\policy");
                if let Some(text) = value(&key) {
                    let source = format!(r"HKLM\{key}");
                    return parse(&source, &Value::String(text)).map(|store| Some(Managed { source, store }));
                }
            }
        }
        for id in &ids.firefox {
            let key = format!(r"Software\Policies\Mozilla\Firefox\3rdparty\Extensions\{id}");
            if let Some(text) = value(&key) {
                let source = format!(r"HKLM\{key}");
                return parse(&source, &Value::String(text)).map(|store| Some(Managed { source, store }));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Ids {
        Ids { chromium: vec![crate::config::OWN_CHROME_ID.into()], firefox: vec![crate::config::OWN_GECKO_ID.into()] }
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = under(root, rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn reads_the_store_of_our_extension_from_chromium_then_firefox_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert!(read_files(root, &ids()).unwrap().is_none());
        // Firefox only.
        write(root, "/etc/firefox/policies/policies.json", &format!(
            r#"{{"policies": {{"3rdparty": {{"Extensions": {{"{}": {{"store": {{"backend": "openbao", "address": "https://ff:8200"}}}}}}}}}}}}"#,
            crate::config::OWN_GECKO_ID
        ));
        let m = read_files(root, &ids()).unwrap().unwrap();
        assert_eq!(m.store.address.as_deref(), Some("https://ff:8200"));
        assert!(m.source.contains("policies.json"));
        // Another extension's policy and a broken unrelated file are not ours; Chrome's file wins.
        write(root, "/etc/opt/chrome/policies/managed/a-other.json", r#"{"3rdparty": {"extensions": {"abcdefghijklmnopabcdefghijklmnop": {"store": {"address": "https://x"}}}}}"#);
        write(root, "/etc/opt/chrome/policies/managed/b-broken.json", "{not json");
        write(root, "/etc/opt/chrome/policies/managed/c-eproc.json", &format!(
            r#"{{"3rdparty": {{"extensions": {{"{}": {{"store": {{"backend": "openbao", "address": "https://bao:8200", "caCert": "/etc/ca.pem", "prefix": "maria-", "auth": {{"method": "userpass"}}}}}}}}}}}}"#,
            crate::config::OWN_CHROME_ID
        ));
        let m = read_files(root, &ids()).unwrap().unwrap();
        assert_eq!(m.store.address.as_deref(), Some("https://bao:8200"));
        assert_eq!(m.store.prefix.as_deref(), Some("maria-"));
        assert_eq!(m.store.auth.unwrap().method.as_deref(), Some("userpass"));
        assert!(m.source.contains("c-eproc.json"), "{}", m.source);
        // A store the administrator got wrong is an error, not ignored.
        write(root, "/etc/opt/chrome/policies/managed/c-eproc.json", &format!(r#"{{"3rdparty": {{"extensions": {{"{}": {{"store": ["x"]}}}}}}}}"#, crate::config::OWN_CHROME_ID));
        assert!(read_files(root, &ids()).unwrap_err().contains("c-eproc.json"));
        // A JSON text (as in the registry) is accepted.
        assert_eq!(parse("reg", &Value::String(r#"{"kvMount": "kv"}"#.into())).unwrap().kv_mount.as_deref(), Some("kv"));
    }
}
