//! `eproc-a2f policy`: enterprise policy templates for administrators.
//!
//! One managed configuration (the keys of the extension's `storage.managed_schema`, validated here
//! with the same keys and types, and `extraSystems` validated by the core registry exactly like
//! the built-in data) is rendered for every way browsers take policies:
//!
//! | kind            | file                          | goes to |
//! |-----------------|-------------------------------|---------|
//! | `linux`         | `eproc-a2f.json`              | `/etc/opt/chrome/policies/managed/`, `/etc/chromium/policies/managed/`, `/etc/opt/edge/policies/managed/`, `/etc/brave/policies/managed/` |
//! | `windows`       | `eproc-a2f.reg`               | `HKLM\SOFTWARE\Policies\{Google\Chrome, Microsoft\Edge, BraveSoftware\Brave, Chromium}` (regedit /s, GPO preferences) |
//! | `admx`          | `eproc-a2f.admx`, `pt-BR/…adml`, `en-US/…adml` | the Group Policy editor's `PolicyDefinitions` (the same policies as the `.reg`, see `policy/admx.rs`) |
//! | `macos`         | `eproc-a2f.mobileconfig`      | an MDM or System Settings > Profiles (payloads `com.google.Chrome` and `com.google.Chrome.extensions.<id>`, same for Edge, Brave, Chromium) |
//! | `firefox`       | `policies.json`               | `/etc/firefox/policies/`, `<install>/distribution/` (Windows, macOS) |
//! | `host-config`   | `config.json`                 | the host's system configuration (`/etc/eproc-a2f/config.json`, ...): extra caller IDs and the same `extraSystems` |
//! | `host-manifest` | `chromium/…json`, `firefox/…json` | the system-wide native-messaging manifests (for packages) |
//!
//! Everything is a pure function of the arguments, so the examples shipped in `manifest/policies/`
//! and `manifest/linux/` are regenerated and compared by the unit tests.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use serde_json::{json, Map, Value};

use eproc_a2f_core::registry::System;
use eproc_a2f_core::{Lang, Registry};

use crate::config::{HOST_NAME, OWN_CHROME_ID, OWN_GECKO_ID};
use crate::install::{self, Browser};

mod admx;
pub mod openbao;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Chrome/Chromium/Edge/Brave on Linux: JSON for `.../policies/managed/`.
    Linux,
    /// Chrome/Edge/Brave/Chromium on Windows: a `.reg` file (HKLM policies).
    Windows,
    /// The same Windows policies as Group Policy templates (ADMX + ADML pt-BR, en-US).
    Admx,
    /// Chrome/Edge/Brave/Chromium on macOS: a `.mobileconfig` profile.
    Macos,
    /// Firefox: `policies.json`.
    Firefox,
    /// The host's system configuration (`/etc/eproc-a2f/config.json`).
    HostConfig,
    /// System-wide native-messaging host manifests (Chromium family and Firefox).
    HostManifest,
    /// linux, windows, macos, firefox (when --xpi-url is given) and host-config, one folder each.
    All,
    /// The firm store on OpenBao: mounts, ACL per lawyer, robot AppRole role, audit device.
    Openbao,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Linux => "linux",
            Kind::Windows => "windows",
            Kind::Admx => "admx",
            Kind::Macos => "macos",
            Kind::Firefox => "firefox",
            Kind::HostConfig => "host-config",
            Kind::HostManifest => "host-manifest",
            Kind::All => "all",
            Kind::Openbao => "openbao",
        }
    }
}

/// A Chromium-family browser, for the Windows and macOS templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Vendor {
    Chrome,
    Edge,
    Brave,
    Chromium,
}

impl Vendor {
    pub const ALL: [Vendor; 4] = [Vendor::Chrome, Vendor::Edge, Vendor::Brave, Vendor::Chromium];

    fn display(self) -> &'static str {
        match self {
            Vendor::Chrome => "Google Chrome",
            Vendor::Edge => "Microsoft Edge",
            Vendor::Brave => "Brave",
            Vendor::Chromium => "Chromium",
        }
    }

    /// `HKLM\SOFTWARE\Policies\<this>`.
    fn windows_policy_key(self) -> &'static str {
        match self {
            Vendor::Chrome => r"Google\Chrome",
            Vendor::Edge => r"Microsoft\Edge",
            Vendor::Brave => r"BraveSoftware\Brave",
            Vendor::Chromium => "Chromium",
        }
    }

    /// The macOS preference domain (managed payload type).
    fn macos_domain(self) -> &'static str {
        match self {
            Vendor::Chrome => "com.google.Chrome",
            Vendor::Edge => "com.microsoft.Edge",
            Vendor::Brave => "com.brave.Browser",
            Vendor::Chromium => "org.chromium.Chromium",
        }
    }
}

/// How the Chromium-family templates force-install the extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InstallVia {
    /// `ExtensionInstallForcelist`: "ID;update URL".
    Forcelist,
    /// `ExtensionSettings`: installation_mode force_installed + update_url.
    Settings,
    /// Both (ExtensionSettings wins for the same ID).
    Both,
}

/// Gera modelos de política (instalação forçada, native messaging, configuração gerenciada) /
/// Generates policy templates (force-install, native messaging, managed configuration).
#[derive(Args, Debug, Clone)]
pub struct PolicyArgs {
    /// O que gerar / what to generate.
    #[arg(value_enum)]
    pub kind: Kind,
    /// ID da extensão no Chrome/Edge/Brave (a chave com que o CRX foi assinado) / Chrome extension ID.
    #[arg(long = "extension-id", default_value = OWN_CHROME_ID)]
    pub extension_id: String,
    /// URL do updates.xml (canal próprio) ou da Chrome Web Store / update manifest URL.
    #[arg(long = "update-url")]
    pub update_url: Option<String>,
    /// ID do complemento no Firefox / Firefox add-on ID.
    #[arg(long = "gecko-id", default_value = OWN_GECKO_ID)]
    pub gecko_id: String,
    /// URL do .xpi para o Firefox / Firefox xpi URL.
    #[arg(long = "xpi-url")]
    pub xpi_url: Option<String>,
    /// Configuração gerenciada: JSON ou arquivo JSON / managed configuration: JSON text or a JSON file.
    #[arg(long)]
    pub config: Option<String>,
    /// Pasta de saída (padrão: saída padrão) / output folder (default: standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Navegadores (windows, macos; padrão: todos) / browsers for windows and macos (default: all).
    #[arg(long, value_enum)]
    pub browser: Vec<Vendor>,
    /// Como forçar a instalação / how to force-install.
    #[arg(long, value_enum, default_value = "forcelist")]
    pub install_via: InstallVia,
    /// NativeMessagingUserLevelHosts = false (só vale o host do sistema) / only system-level hosts count.
    #[arg(long)]
    pub system_hosts_only: bool,
    /// Caminho do executável nos manifestos (host-manifest) / host path in the manifests.
    #[arg(long, default_value = "/usr/bin/eproc-a2f")]
    pub host_path: PathBuf,
    /// Firefox ESR: permite xpi não assinado (testes) / allow an unsigned xpi (ESR, tests only).
    #[arg(long)]
    pub allow_unsigned_xpi: bool,
    #[command(flatten)]
    pub openbao: Box<openbao::OpenBaoArgs>,
}

impl PolicyArgs {
    /// Arguments with defaults, for the library and tests.
    pub fn new(kind: Kind) -> PolicyArgs {
        PolicyArgs {
            kind,
            extension_id: OWN_CHROME_ID.into(),
            update_url: None,
            gecko_id: OWN_GECKO_ID.into(),
            xpi_url: None,
            config: None,
            output: None,
            browser: Vec::new(),
            install_via: InstallVia::Forcelist,
            system_hosts_only: false,
            host_path: PathBuf::from("/usr/bin/eproc-a2f"),
            allow_unsigned_xpi: false,
            openbao: Box::default(),
        }
    }
}

fn lang() -> Lang {
    crate::cli::lang_from_env()
}

macro_rules! say {
    ($lang:expr, $pt:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            Lang::PtBr => format!($pt $(, $arg)*),
            Lang::En => format!($en $(, $arg)*),
        }
    };
}

// ------------------------------------------------------------------ managed configuration

/// The type of one managed key (mirrors `extension/schema.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// A string out of a fixed set.
    Enum(&'static [&'static str]),
    Bool,
    /// An integer >= 0.
    NonNegativeInt,
    /// Registry entries (`core/registry.json` systems).
    Systems,
    /// The native host's key store (`store`: [`STORE_FIELDS`]); no secrets.
    Store,
}

/// The managed keys, with the same names and types as the extension's `storage.managed_schema`.
pub const MANAGED_KEYS: &[(&str, KeyType)] = &[
    ("mode", KeyType::Enum(&["native", "browser", "auto"])),
    ("allowBrowserStorage", KeyType::Bool),
    ("autoSubmit", KeyType::Bool),
    ("disableExport", KeyType::Bool),
    ("lockAfterMinutes", KeyType::NonNegativeInt),
    ("extraSystems", KeyType::Systems),
    ("store", KeyType::Store),
];

/// Fields of `store` and of its `auth` (name, allowed values for strings or `None`, is a list of
/// strings). The host reads them in `store/openbao/managed.rs`; tokens and secret IDs are not
/// among them and are refused.
pub const STORE_FIELDS: &[(&str, Option<&[&str]>, bool)] = &[
    ("backend", Some(&["keyring", "openbao"]), false),
    ("address", None, false),
    ("fallbackAddresses", None, true),
    ("caCert", None, false),
    ("totpMount", None, false),
    ("kvMount", None, false),
    ("prefix", None, false),
];
pub const STORE_AUTH_FIELDS: &[(&str, Option<&[&str]>, bool)] = &[
    ("method", Some(&["token", "userpass", "approle"]), false),
    ("mount", None, false),
    ("username", None, false),
    ("roleId", None, false),
    ("secretIdFile", None, false),
];

/// Fields of an `extraSystems` entry: (name, required, allowed values for strings or `None`, is a list of strings).
const SYSTEM_FIELDS: &[(&str, bool, Option<&[&str]>, bool)] = &[
    ("id", true, None, false),
    ("court", true, None, false),
    ("name", true, None, false),
    ("degree", false, None, false),
    ("app", true, None, false),
    ("login_style", true, Some(&["eproc", "keycloak", "jusbr"]), false),
    ("login", false, None, true),
    ("two_factor", true, Some(&["obrigatorio", "opcional", "indisponivel", "desconhecido"]), false),
    ("authenticator", true, None, false),
];

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Reads `--config`: JSON text (starting with `{`) or the path of a JSON file.
pub fn read_config_arg(arg: &str) -> Result<Value> {
    let l = lang();
    let trimmed = arg.trim_start();
    let (text, origin) = if trimmed.starts_with('{') {
        (arg.to_owned(), "--config".to_owned())
    } else {
        let text = std::fs::read_to_string(arg).with_context(|| say!(l, "não consigo ler {}", "cannot read {}", arg))?;
        (text, arg.to_owned())
    };
    serde_json::from_str(&text).with_context(|| say!(l, "{} não é JSON válido", "{} is not valid JSON", origin))
}

/// Checks a managed configuration against the schema's keys and types, and its `extraSystems`
/// with the core registry (same validation as the built-in data). Returns the object unchanged.
pub fn validate_config(config: &Value) -> Result<Map<String, Value>> {
    let l = lang();
    let Value::Object(map) = config else {
        bail!(say!(l, "a configuração deve ser um objeto JSON, não {}", "the configuration must be a JSON object, not {}", json_type(config)));
    };
    let known: Vec<&str> = MANAGED_KEYS.iter().map(|(k, _)| *k).collect();
    for (key, value) in map {
        let Some((_, ty)) = MANAGED_KEYS.iter().find(|(k, _)| k == key) else {
            bail!(say!(l, "chave desconhecida {:?} na configuração (conhecidas: {})", "unknown key {:?} in the configuration (known: {})", key, known.join(", ")));
        };
        match ty {
            KeyType::Bool if !value.is_boolean() => {
                bail!(say!(l, "{} deve ser true ou false, não {}", "{} must be true or false, not {}", key, value))
            }
            KeyType::NonNegativeInt if !value.is_u64() => {
                bail!(say!(l, "{} deve ser um inteiro >= 0, não {}", "{} must be an integer >= 0, not {}", key, value))
            }
            KeyType::Enum(allowed) if !value.as_str().is_some_and(|s| allowed.contains(&s)) => {
                bail!(say!(l, "{} deve ser um de {}, não {}", "{} must be one of {}, not {}", key, allowed.join(", "), value))
            }
            KeyType::Systems => {
                validate_systems(value)?;
            }
            KeyType::Store => validate_store(value)?,
            _ => {}
        }
    }
    Ok(map.clone())
}

/// An object of string fields (`store`, `store.auth`): known names, strings or lists of strings,
/// enum values.
fn validate_fields(what: &str, value: &Value, fields: &[(&str, Option<&[&str]>, bool)], nested: &[&str]) -> Result<()> {
    let l = lang();
    let Value::Object(obj) = value else {
        bail!(say!(l, "{} deve ser um objeto, não {}", "{} must be an object, not {}", what, json_type(value)));
    };
    for (key, v) in obj {
        if nested.contains(&key.as_str()) {
            continue;
        }
        let Some((_, allowed, list)) = fields.iter().find(|(f, ..)| f == key) else {
            let mut names: Vec<&str> = fields.iter().map(|(f, ..)| *f).collect();
            names.extend(nested);
            let secret = ["token", "secret", "password"].iter().any(|w| key.to_ascii_lowercase().contains(w));
            if secret {
                bail!(say!(l, "{}: {:?} não pode ir numa política (segredos ficam só na máquina: eproc-a2f store login)", "{}: {:?} cannot go in a policy (secrets stay on the machine: eproc-a2f store login)", what, key));
            }
            bail!(say!(l, "{}: campo desconhecido {:?} (conhecidos: {})", "{}: unknown field {:?} (known: {})", what, key, names.join(", ")));
        };
        if *list {
            if !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                bail!(say!(l, "{}.{} deve ser uma lista de textos", "{}.{} must be an array of strings", what, key));
            }
            continue;
        }
        let Some(s) = v.as_str() else {
            bail!(say!(l, "{}.{} deve ser texto, não {}", "{}.{} must be a string, not {}", what, key, json_type(v)));
        };
        if let Some(allowed) = allowed {
            if !allowed.contains(&s) {
                bail!(say!(l, "{}.{} deve ser um de {}, não {:?}", "{}.{} must be one of {}, not {:?}", what, key, allowed.join(", "), s));
            }
        }
    }
    Ok(())
}

/// `store`: the fields the host reads, and what the host itself checks (addresses, prefix).
pub fn validate_store(value: &Value) -> Result<()> {
    validate_fields("store", value, STORE_FIELDS, &["auth"])?;
    if let Some(auth) = value.get("auth") {
        validate_fields("store.auth", auth, STORE_AUTH_FIELDS, &[])?;
    }
    let cfg = crate::store::openbao::managed::parse("store", value).map_err(anyhow::Error::msg)?;
    if let Some(p) = &cfg.prefix {
        crate::store::openbao::settings::check_prefix(p).map_err(anyhow::Error::msg)?;
    }
    for a in cfg.address.iter().chain(cfg.fallback_addresses.iter().flatten()) {
        check_url("store.address", a)?;
    }
    Ok(())
}

/// `extraSystems`: the schema's shape (so Chrome does not drop it silently), then the registry's
/// own validation (ids, prefixes, conflicts with the built-in systems).
pub fn validate_systems(value: &Value) -> Result<Vec<System>> {
    let l = lang();
    let Value::Array(items) = value else {
        bail!(say!(l, "extraSystems deve ser uma lista, não {}", "extraSystems must be an array, not {}", json_type(value)));
    };
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let Value::Object(obj) = item else {
            bail!(say!(l, "extraSystems[{}] deve ser um objeto", "extraSystems[{}] must be an object", n));
        };
        for key in obj.keys() {
            if !SYSTEM_FIELDS.iter().any(|(f, ..)| f == key) {
                let names: Vec<&str> = SYSTEM_FIELDS.iter().map(|(f, ..)| *f).collect();
                bail!(say!(l, "extraSystems[{}]: campo desconhecido {:?} (conhecidos: {})", "extraSystems[{}]: unknown field {:?} (known: {})", n, key, names.join(", ")));
            }
        }
        for (field, required, allowed, is_list) in SYSTEM_FIELDS {
            match obj.get(*field) {
                None if *required => bail!(say!(l, "extraSystems[{}]: falta o campo {:?}", "extraSystems[{}]: field {:?} is missing", n, field)),
                None => {}
                Some(v) if *is_list && !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) => {
                    bail!(say!(l, "extraSystems[{}].{} deve ser uma lista de textos", "extraSystems[{}].{} must be an array of strings", n, field));
                }
                Some(_) if *is_list => {}
                Some(v) => {
                    let Some(s) = v.as_str() else {
                        bail!(say!(l, "extraSystems[{}].{} deve ser texto, não {}", "extraSystems[{}].{} must be a string, not {}", n, field, json_type(v)));
                    };
                    if let Some(allowed) = allowed {
                        if !allowed.contains(&s) {
                            bail!(say!(l, "extraSystems[{}].{} deve ser um de {}, não {:?}", "extraSystems[{}].{} must be one of {}, not {:?}", n, field, allowed.join(", "), s));
                        }
                    }
                }
            }
        }
    }
    let systems: Vec<System> = serde_json::from_value(value.clone()).with_context(|| "extraSystems".to_owned())?;
    let mut reg = Registry::builtin();
    reg.add_systems(systems.clone()).map_err(|e| anyhow::anyhow!(say!(l, "extraSystems inválido: {}", "extraSystems is invalid: {}", e)))?;
    Ok(systems)
}

// ------------------------------------------------------------------ argument checks

fn check_chrome_id(id: &str) -> Result<()> {
    if id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
        Ok(())
    } else {
        bail!(say!(lang(), "{:?} não é um ID de extensão do Chrome (32 letras de a a p)", "{:?} is not a Chrome extension ID (32 letters a-p)", id))
    }
}

fn check_gecko_id(id: &str) -> Result<()> {
    match install::split_ids(&[id.to_owned()]) {
        Ok((_, g)) if g.len() == 1 => Ok(()),
        _ => bail!(say!(lang(), "{:?} não é um ID de complemento do Firefox (nome@domínio ou {{uuid}})", "{:?} is not a Firefox add-on ID (name@domain or {{uuid}})", id)),
    }
}

/// An http(s) URL as policies take it: ASCII, no spaces or quotes, a host.
fn check_url(what: &str, url: &str) -> Result<()> {
    let l = lang();
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.contains('@')
    }) && url.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' && b != b'<' && b != b'>');
    if !ok {
        bail!(say!(l, "{} {:?} deve ser um endereço http(s):// sem espaços", "{} {:?} must be an http(s):// URL without spaces", what, url));
    }
    Ok(())
}

fn need<'a>(v: &'a Option<String>, flag: &str, kind: Kind) -> Result<&'a str> {
    match v {
        Some(s) => Ok(s),
        None => bail!(say!(lang(), "{} precisa de {}", "{} needs {}", kind.name(), flag)),
    }
}

// ------------------------------------------------------------------ renderers

/// The Chromium-family policies as JSON (Linux file; also the source of the other formats).
fn chromium_policy(args: &PolicyArgs, update_url: &str, managed: &Map<String, Value>) -> Value {
    let mut p = Map::new();
    let id = &args.extension_id;
    if matches!(args.install_via, InstallVia::Forcelist | InstallVia::Both) {
        p.insert("ExtensionInstallForcelist".into(), json!([format!("{id};{update_url}")]));
    }
    if matches!(args.install_via, InstallVia::Settings | InstallVia::Both) {
        p.insert("ExtensionSettings".into(), json!({ id: { "installation_mode": "force_installed", "update_url": update_url } }));
    }
    p.insert("NativeMessagingAllowlist".into(), json!([HOST_NAME]));
    if args.system_hosts_only {
        p.insert("NativeMessagingUserLevelHosts".into(), json!(false));
    }
    if !managed.is_empty() {
        p.insert("3rdparty".into(), json!({ "extensions": { id: managed } }));
    }
    Value::Object(p)
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON values serialize") + "\n"
}

/// JSON text with every non-ASCII character escaped (`\uXXXX`): safe in a .reg file whatever
/// encoding regedit assumes.
fn ascii_json(v: &Value) -> String {
    let text = serde_json::to_string(v).expect("JSON values serialize");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out
}

/// A REG_SZ literal: backslashes and quotes escaped.
fn reg_sz(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One value of the 3rdparty policy key: booleans and integers as REG_DWORD, strings as REG_SZ,
/// lists and objects as REG_SZ holding JSON (Chrome parses JSON for complex schema types).
fn reg_value(v: &Value) -> String {
    match v {
        Value::Bool(b) => format!("dword:{:08x}", u32::from(*b)),
        Value::Number(n) => format!("dword:{:08x}", n.as_u64().unwrap_or(0).min(u64::from(u32::MAX))),
        Value::String(s) => reg_sz(s),
        other => reg_sz(&ascii_json(other)),
    }
}

fn windows_reg(args: &PolicyArgs, update_url: &str, managed: &Map<String, Value>) -> String {
    let policy = chromium_policy(args, update_url, managed);
    let vendors = if args.browser.is_empty() { Vendor::ALL.to_vec() } else { args.browser.clone() };
    let mut out = String::from("Windows Registry Editor Version 5.00\n\n");
    out.push_str("; eproc-a2f: browser policies (generated by `eproc-a2f policy windows`).\n");
    out.push_str("; Import as administrator: reg import eproc-a2f.reg (or regedit /s eproc-a2f.reg), or deploy with GPO.\n");
    out.push_str("; Numbered list values (\"1\") replace an existing entry with the same number: renumber if needed.\n\n");
    for v in vendors {
        let base = format!(r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\{}", v.windows_policy_key());
        let _ = writeln!(out, "; ---- {}", v.display());
        // Plain values on the browser's key.
        let mut plain = Vec::new();
        if let Some(s) = policy.get("ExtensionSettings") {
            plain.push(format!("\"ExtensionSettings\"={}", reg_sz(&ascii_json(s))));
        }
        if policy.get("NativeMessagingUserLevelHosts").is_some() {
            plain.push("\"NativeMessagingUserLevelHosts\"=dword:00000000".into());
        }
        if !plain.is_empty() {
            let _ = write!(out, "[{base}]\n{}\n\n", plain.join("\n"));
        }
        for list in ["ExtensionInstallForcelist", "NativeMessagingAllowlist"] {
            if let Some(Value::Array(items)) = policy.get(list) {
                let _ = writeln!(out, "[{base}\\{list}]");
                for (i, item) in items.iter().enumerate() {
                    let _ = writeln!(out, "\"{}\"={}", i + 1, reg_sz(item.as_str().unwrap_or_default()));
                }
                out.push('\n');
            }
        }
        if !managed.is_empty() {
            let _ = writeln!(out, "[{base}\\3rdparty\\extensions\\{}\\policy]", args.extension_id);
            for (k, v) in managed {
                let _ = writeln!(out, "{}={}", reg_sz(k), reg_value(v));
            }
            out.push('\n');
        }
    }
    // regedit expects CRLF line ends.
    out.trim_end().replace('\n', "\r\n") + "\r\n"
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn plist_value(v: &Value, indent: usize, out: &mut String) {
    let pad = "\t".repeat(indent);
    match v {
        Value::Null => {}
        Value::Bool(b) => {
            let _ = writeln!(out, "{pad}<{}/>", if *b { "true" } else { "false" });
        }
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                let _ = writeln!(out, "{pad}<integer>{n}</integer>");
            } else {
                let _ = writeln!(out, "{pad}<real>{n}</real>");
            }
        }
        Value::String(s) => {
            let _ = writeln!(out, "{pad}<string>{}</string>", xml_escape(s));
        }
        Value::Array(items) => {
            let _ = writeln!(out, "{pad}<array>");
            for i in items {
                plist_value(i, indent + 1, out);
            }
            let _ = writeln!(out, "{pad}</array>");
        }
        Value::Object(map) => {
            let _ = writeln!(out, "{pad}<dict>");
            for (k, v) in map {
                if v.is_null() {
                    continue;
                }
                let _ = writeln!(out, "{pad}\t<key>{}</key>", xml_escape(k));
                plist_value(v, indent + 1, out);
            }
            let _ = writeln!(out, "{pad}</dict>");
        }
    }
}

/// A stable UUID for a payload, from its identifier and content (FNV-1a, two lanes).
fn stable_uuid(seed: &str) -> String {
    let fnv = |basis: u64| {
        seed.bytes().fold(basis, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
    };
    let a = fnv(0xcbf2_9ce4_8422_2325);
    let b = fnv(0x8422_2325_cbf2_9ce4);
    // Shaped like a version-4 UUID (variant bits set), uppercase as Apple tools write them.
    let hi = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

fn macos_mobileconfig(args: &PolicyArgs, update_url: &str, managed: &Map<String, Value>) -> String {
    let policy = chromium_policy(args, update_url, managed);
    let vendors = if args.browser.is_empty() { Vendor::ALL.to_vec() } else { args.browser.clone() };
    let mut payloads = Vec::new();
    let payload = |ptype: String, display: String, body: &Map<String, Value>| -> Value {
        let ident = format!("io.github.eproc-a2f.policy.{ptype}");
        let mut m = Map::new();
        m.insert("PayloadType".into(), json!(ptype));
        m.insert("PayloadIdentifier".into(), json!(ident));
        m.insert("PayloadUUID".into(), json!(stable_uuid(&format!("{ident}\n{}", Value::Object(body.clone())))));
        m.insert("PayloadVersion".into(), json!(1));
        m.insert("PayloadDisplayName".into(), json!(display));
        m.insert("PayloadEnabled".into(), json!(true));
        for (k, v) in body {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    };
    for v in vendors {
        // Browser policies: everything but 3rdparty (which macOS takes from its own domain).
        let mut body = policy.as_object().cloned().unwrap_or_default();
        body.remove("3rdparty");
        payloads.push(payload(v.macos_domain().to_owned(), format!("eproc-a2f: {}", v.display()), &body));
        if !managed.is_empty() {
            payloads.push(payload(
                format!("{}.extensions.{}", v.macos_domain(), args.extension_id),
                format!("eproc-a2f: {} ({})", v.display(), "managed configuration"),
                managed,
            ));
        }
    }
    let all_payloads = Value::Array(payloads);
    let mut top = Map::new();
    top.insert("PayloadContent".into(), all_payloads.clone());
    top.insert("PayloadDisplayName".into(), json!("eproc-a2f"));
    top.insert(
        "PayloadDescription".into(),
        json!("eproc-a2f: instalação forçada da extensão, host de native messaging e configuração gerenciada / force-installed extension, native-messaging host and managed configuration"),
    );
    top.insert("PayloadIdentifier".into(), json!("io.github.eproc-a2f.policy"));
    top.insert("PayloadOrganization".into(), json!("eproc-a2f"));
    top.insert("PayloadScope".into(), json!("System"));
    top.insert("PayloadType".into(), json!("Configuration"));
    top.insert("PayloadUUID".into(), json!(stable_uuid(&format!("io.github.eproc-a2f.policy\n{all_payloads}"))));
    top.insert("PayloadVersion".into(), json!(1));
    let mut out = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n",
        "<plist version=\"1.0\">\n"
    ));
    plist_value(&Value::Object(top), 0, &mut out);
    out.push_str("</plist>\n");
    out
}

fn firefox_policies(args: &PolicyArgs, xpi_url: &str, managed: &Map<String, Value>) -> Value {
    let mut p = Map::new();
    p.insert(
        "ExtensionSettings".into(),
        json!({ &args.gecko_id: { "installation_mode": "force_installed", "install_url": xpi_url } }),
    );
    if !managed.is_empty() {
        p.insert("3rdparty".into(), json!({ "Extensions": { &args.gecko_id: managed } }));
    }
    if args.allow_unsigned_xpi {
        p.insert("Preferences".into(), json!({ "xpinstall.signatures.required": { "Value": false, "Status": "locked" } }));
    }
    json!({ "policies": p })
}

fn host_config(args: &PolicyArgs, managed: &Map<String, Value>) -> Value {
    let mut ids = Vec::new();
    if args.extension_id != OWN_CHROME_ID {
        ids.push(args.extension_id.clone());
    }
    if args.gecko_id != OWN_GECKO_ID {
        ids.push(args.gecko_id.clone());
    }
    let extra = managed.get("extraSystems").cloned().unwrap_or_else(|| json!([]));
    let mut cfg = json!({ "extensionIds": ids, "extraSystems": extra });
    // The same store for what runs without a browser policy (robots, scripts).
    if let Some(store) = managed.get("store") {
        cfg["store"] = store.clone();
    }
    cfg
}

/// Generates the files of one kind: (path relative to the output folder, contents).
pub fn generate(args: &PolicyArgs) -> Result<Vec<(PathBuf, String)>> {
    check_chrome_id(&args.extension_id)?;
    check_gecko_id(&args.gecko_id)?;
    if let Some(u) = &args.update_url {
        check_url("--update-url", u)?;
    }
    if let Some(u) = &args.xpi_url {
        check_url("--xpi-url", u)?;
    }
    let managed = match &args.config {
        Some(c) => validate_config(&read_config_arg(c)?)?,
        None => Map::new(),
    };
    let one = |kind: Kind| -> Result<Vec<(PathBuf, String)>> {
        Ok(match kind {
            Kind::Linux => {
                let u = need(&args.update_url, "--update-url", kind)?;
                vec![("eproc-a2f.json".into(), pretty(&chromium_policy(args, u, &managed)))]
            }
            Kind::Windows => {
                let u = need(&args.update_url, "--update-url", kind)?;
                vec![("eproc-a2f.reg".into(), windows_reg(args, u, &managed))]
            }
            Kind::Admx => admx::generate(args, args.update_url.as_deref()),
            Kind::Macos => {
                let u = need(&args.update_url, "--update-url", kind)?;
                vec![("eproc-a2f.mobileconfig".into(), macos_mobileconfig(args, u, &managed))]
            }
            Kind::Firefox => {
                let u = need(&args.xpi_url, "--xpi-url", kind)?;
                vec![("policies.json".into(), pretty(&firefox_policies(args, u, &managed)))]
            }
            Kind::HostConfig => vec![("config.json".into(), pretty(&host_config(args, &managed)))],
            Kind::HostManifest => {
                let path = &args.host_path;
                if !path.is_absolute() {
                    bail!(say!(lang(), "--host-path deve ser absoluto", "--host-path must be absolute"));
                }
                let ids = [args.extension_id.clone(), args.gecko_id.clone()];
                let file = format!("{HOST_NAME}.json");
                vec![
                    (Path::new("chromium").join(&file), pretty(&install::manifest(Browser::Chromium, path, &ids)?)),
                    (Path::new("firefox").join(&file), pretty(&install::manifest(Browser::Firefox, path, &ids)?)),
                ]
            }
            Kind::Openbao => openbao::generate(&args.openbao)?,
            Kind::All => unreachable!("expanded below"),
        })
    };
    if args.kind != Kind::All {
        return one(args.kind);
    }
    need(&args.update_url, "--update-url", Kind::All)?;
    let mut kinds = vec![Kind::Linux, Kind::Windows, Kind::Admx, Kind::Macos];
    if args.xpi_url.is_some() {
        kinds.push(Kind::Firefox);
    }
    kinds.push(Kind::HostConfig);
    let mut files = Vec::new();
    for k in kinds {
        for (p, text) in one(k)? {
            files.push((Path::new(k.name()).join(p), text));
        }
    }
    Ok(files)
}

pub fn run(args: PolicyArgs) -> Result<()> {
    let files = generate(&args)?;
    match &args.output {
        Some(dir) => {
            for (rel, text) in &files {
                let path = dir.join(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
                }
                std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
                println!("{}", path.display());
            }
        }
        None if files.len() == 1 => print!("{}", files[0].1),
        None => bail!(say!(lang(), "{} gera vários arquivos: use --output PASTA", "{} writes several files: use --output DIR", args.kind.name())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE_UPDATE_URL: &str = "https://intranet.example.com/eproc-a2f/updates.xml";
    const EXAMPLE_XPI_URL: &str = "https://intranet.example.com/eproc-a2f/eproc-a2f.xpi";

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn full_config() -> Value {
        json!({
            "mode": "native", "allowBrowserStorage": false, "autoSubmit": true, "disableExport": true,
            "lockAfterMinutes": 0,
            "extraSystems": [{
                "id": "tjex-1g", "court": "TJEX", "name": "TJEX - 1º grau (exemplo)", "degree": "1g",
                "app": "https://eproc1g.tjex.jus.br/eproc/", "login_style": "eproc", "login": [],
                "two_factor": "obrigatorio", "authenticator": "tjex"
            }],
            "store": {"backend": "openbao", "address": "https://bao.firma.local:8200", "caCert": "/etc/eproc-a2f/bao-ca.pem",
                      "auth": {"method": "userpass"}}
        })
    }

    fn args(kind: Kind) -> PolicyArgs {
        let mut a = PolicyArgs::new(kind);
        a.update_url = Some(EXAMPLE_UPDATE_URL.into());
        a.xpi_url = Some(EXAMPLE_XPI_URL.into());
        a.config = Some(full_config().to_string());
        a.system_hosts_only = true;
        a
    }

    fn text(kind: Kind) -> String {
        let files = generate(&args(kind)).unwrap();
        assert_eq!(files.len(), 1);
        files[0].1.clone()
    }

    /// The arguments the shipped examples are generated with (see docs/admin.md).
    fn example_args() -> PolicyArgs {
        let mut a = PolicyArgs::new(Kind::All);
        a.update_url = Some(EXAMPLE_UPDATE_URL.into());
        a.xpi_url = Some(EXAMPLE_XPI_URL.into());
        a.config = Some(repo().join("manifest/policies/config.example.json").to_string_lossy().into_owned());
        a.system_hosts_only = true;
        a
    }

    #[test]
    fn accepts_every_schema_key_with_the_right_type() {
        let m = validate_config(&full_config()).unwrap();
        assert_eq!(m.len(), MANAGED_KEYS.len());
        // false and 0 are real values.
        let m = validate_config(&json!({"autoSubmit": false, "lockAfterMinutes": 0})).unwrap();
        assert_eq!(m["autoSubmit"], json!(false));
        assert_eq!(m["lockAfterMinutes"], json!(0));
        assert!(validate_config(&json!({})).unwrap().is_empty());
    }

    #[test]
    fn rejects_unknown_keys_and_wrong_types_clearly() {
        let err = |v: Value| format!("{:#}", validate_config(&v).unwrap_err());
        assert!(err(json!({"autosubmit": true})).contains("autosubmit"));
        assert!(err(json!({"autoSubmit": "true"})).contains("autoSubmit"));
        assert!(err(json!({"autoSubmit": 1})).contains("autoSubmit"));
        assert!(err(json!({"lockAfterMinutes": -1})).contains("lockAfterMinutes"));
        assert!(err(json!({"lockAfterMinutes": 1.5})).contains("lockAfterMinutes"));
        assert!(err(json!({"mode": "cloud"})).contains("mode"));
        assert!(err(json!({"extraSystems": {}})).contains("extraSystems"));
        assert!(err(json!([])).contains("object") || err(json!([])).contains("objeto"));
        // store: known string fields only, never a secret, the host's own checks.
        assert!(validate_config(&json!({"store": {"backend": "openbao", "address": "https://b:8200", "prefix": "maria-", "fallbackAddresses": ["https://c:8200"], "auth": {"method": "approle", "roleId": "r", "secretIdFile": "/etc/eproc-a2f/sid"}}})).is_ok());
        assert!(err(json!({"store": {"token": "hvs.x"}})).contains("token"));
        assert!(err(json!({"store": {"auth": {"secretId": "x"}}})).contains("secretId"));
        assert!(err(json!({"store": {"backend": "cloud"}})).contains("backend"));
        assert!(err(json!({"store": {"address": "ftp://b"}})).contains("ftp://b"));
        assert!(err(json!({"store": {"prefix": "maria"}})).contains("maria"));
        assert!(err(json!({"store": {"kvMount": 1}})).contains("kvMount"));
        assert!(err(json!({"store": "openbao"})).contains("store"));
    }

    #[test]
    fn extra_systems_are_validated_like_the_builtin_data() {
        let sys = |patch: Value| {
            let mut s = full_config()["extraSystems"][0].clone();
            for (k, v) in patch.as_object().unwrap() {
                if v.is_null() {
                    s.as_object_mut().unwrap().remove(k);
                } else {
                    s[k] = v.clone();
                }
            }
            json!({ "extraSystems": [s] })
        };
        assert!(validate_config(&sys(json!({}))).is_ok());
        let err = |v: Value| format!("{:#}", validate_config(&v).unwrap_err());
        assert!(err(sys(json!({"id": "Bad Id"}))).contains("Bad Id"));
        assert!(err(sys(json!({"app": "http://eproc1g.tjex.jus.br/eproc/"}))).contains("eproc1g.tjex.jus.br"));
        assert!(err(sys(json!({"login_style": "saml"}))).contains("login_style"));
        assert!(err(sys(json!({"two_factor": null}))).contains("two_factor"));
        assert!(err(sys(json!({"degree": null, "colour": "blue"}))).contains("colour"));
        assert!(err(sys(json!({"login": "https://sso.tjex.jus.br/realms/eproc/"}))).contains("login"));
        // A prefix of a built-in system under another authenticator: two secrets for one URL.
        assert!(!err(sys(json!({"app": "https://eproc.trf4.jus.br/eproc2trf4/"}))).is_empty());
        // Same id twice.
        let s = full_config()["extraSystems"][0].clone();
        assert!(validate_config(&json!({"extraSystems": [s.clone(), s]})).is_err());
    }

    #[test]
    fn config_keys_match_the_extension_schema() {
        let path = repo().join("extension/schema.json");
        let Ok(text) = std::fs::read_to_string(&path) else { return };
        let schema: Value = serde_json::from_str(&text).unwrap();
        let props = schema["properties"].as_object().unwrap();
        let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut ours: Vec<&str> = MANAGED_KEYS.iter().map(|(k, _)| *k).collect();
        ours.sort_unstable();
        assert_eq!(names, ours, "extension/schema.json and policy.rs MANAGED_KEYS differ");
        for (k, ty) in MANAGED_KEYS {
            let p = &props[*k];
            match ty {
                KeyType::Bool => assert_eq!(p["type"], "boolean", "{k}"),
                KeyType::NonNegativeInt => {
                    assert_eq!(p["type"], "integer", "{k}");
                    assert_eq!(p["minimum"], 0, "{k}");
                }
                KeyType::Enum(vals) => {
                    assert_eq!(p["type"], "string", "{k}");
                    assert_eq!(p["enum"], json!(vals), "{k}");
                }
                KeyType::Systems => {
                    assert_eq!(p["type"], "array", "{k}");
                    let item = p["items"]["properties"].as_object().unwrap();
                    let mut f: Vec<&str> = item.keys().map(String::as_str).collect();
                    f.sort_unstable();
                    let mut g: Vec<&str> = SYSTEM_FIELDS.iter().map(|x| x.0).collect();
                    g.sort_unstable();
                    assert_eq!(f, g, "extraSystems item fields");
                    for (name, _, allowed, list) in SYSTEM_FIELDS {
                        let t = &item[*name];
                        assert_eq!(t["type"], if *list { "array" } else { "string" }, "{name}");
                        if let Some(a) = allowed {
                            assert_eq!(t["enum"], json!(a), "{name}");
                        }
                    }
                }
                KeyType::Store => {
                    let check = |obj: &Value, fields: &[(&str, Option<&[&str]>, bool)], nested: &[&str]| {
                        assert_eq!(obj["type"], "object");
                        let props = obj["properties"].as_object().unwrap();
                        let mut f: Vec<&str> = props.keys().map(String::as_str).collect();
                        f.sort_unstable();
                        let mut g: Vec<&str> = fields.iter().map(|x| x.0).chain(nested.iter().copied()).collect();
                        g.sort_unstable();
                        assert_eq!(f, g, "store fields");
                        for (name, allowed, list) in fields {
                            let t = &props[*name];
                            assert_eq!(t["type"], if *list { "array" } else { "string" }, "{name}");
                            if let Some(a) = allowed {
                                assert_eq!(t["enum"], json!(a), "{name}");
                            }
                        }
                    };
                    check(p, STORE_FIELDS, &["auth"]);
                    check(&p["properties"]["auth"], STORE_AUTH_FIELDS, &[]);
                }
            }
        }
    }

    #[test]
    fn linux_json_force_installs_and_configures() {
        let v: Value = serde_json::from_str(&text(Kind::Linux)).unwrap();
        assert_eq!(v["ExtensionInstallForcelist"], json!([format!("{OWN_CHROME_ID};{EXAMPLE_UPDATE_URL}")]));
        assert_eq!(v["NativeMessagingAllowlist"], json!([HOST_NAME]));
        assert_eq!(v["NativeMessagingUserLevelHosts"], json!(false));
        assert_eq!(v["3rdparty"]["extensions"][OWN_CHROME_ID]["autoSubmit"], json!(true));
        assert_eq!(v["3rdparty"]["extensions"][OWN_CHROME_ID]["allowBrowserStorage"], json!(false));
        assert!(v.get("ExtensionSettings").is_none());
        let mut a = args(Kind::Linux);
        a.install_via = InstallVia::Both;
        a.extension_id = "abcdefghijklmnopabcdefghijklmnop".into();
        a.system_hosts_only = false;
        a.config = None;
        let v: Value = serde_json::from_str(&generate(&a).unwrap()[0].1).unwrap();
        assert_eq!(v["ExtensionSettings"]["abcdefghijklmnopabcdefghijklmnop"]["installation_mode"], "force_installed");
        assert_eq!(v["ExtensionSettings"]["abcdefghijklmnopabcdefghijklmnop"]["update_url"], EXAMPLE_UPDATE_URL);
        assert!(v.get("NativeMessagingUserLevelHosts").is_none());
        assert!(v.get("3rdparty").is_none());
    }

    #[test]
    fn bad_arguments_are_refused() {
        let mut a = args(Kind::Linux);
        a.extension_id = "not-an-id".into();
        assert!(generate(&a).is_err());
        let mut a = args(Kind::Linux);
        a.update_url = Some("ftp://x/updates.xml".into());
        assert!(generate(&a).is_err());
        let mut a = args(Kind::Linux);
        a.update_url = Some("https://x/a b".into());
        assert!(generate(&a).is_err());
        let mut a = args(Kind::Linux);
        a.update_url = None;
        assert!(format!("{:#}", generate(&a).unwrap_err()).contains("--update-url"));
        let mut a = args(Kind::Firefox);
        a.xpi_url = None;
        assert!(format!("{:#}", generate(&a).unwrap_err()).contains("--xpi-url"));
        let mut a = args(Kind::Firefox);
        a.gecko_id = "no spaces allowed".into();
        assert!(generate(&a).is_err());
        let mut a = args(Kind::Linux);
        a.config = Some(r#"{"autoSubmit": "yes"}"#.into());
        assert!(generate(&a).is_err());
    }

    /// Minimal well-formedness check: declarations, matched tags, escaped text.
    pub(super) fn check_xml(xml: &str) -> Result<Vec<String>, String> {
        let mut stack: Vec<String> = Vec::new();
        let mut names = Vec::new();
        let mut rest = xml;
        let mut root_closed = false;
        while let Some(lt) = rest.find('<') {
            let text = &rest[..lt];
            check_text(text)?;
            if root_closed && !text.trim().is_empty() {
                return Err("text after the root element".into());
            }
            let gt = rest[lt..].find('>').ok_or("unterminated tag")? + lt;
            let tag = &rest[lt + 1..gt];
            rest = &rest[gt + 1..];
            if tag.starts_with('?') || tag.starts_with('!') {
                continue;
            }
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or(format!("</{name}> closes nothing"))?;
                if open != name.trim() {
                    return Err(format!("<{open}> closed by </{name}>"));
                }
                root_closed = stack.is_empty();
                continue;
            }
            if root_closed {
                return Err("second root element".into());
            }
            let self_closing = tag.ends_with('/');
            let name = tag.trim_end_matches('/').split_whitespace().next().ok_or("empty tag")?.to_owned();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
                return Err(format!("bad tag name {name:?}"));
            }
            names.push(name.clone());
            if self_closing {
                root_closed = stack.is_empty();
            } else {
                stack.push(name);
            }
        }
        check_text(rest)?;
        if !stack.is_empty() {
            return Err(format!("unclosed: {stack:?}"));
        }
        if !rest.trim().is_empty() {
            return Err("text after the root element".into());
        }
        Ok(names)
    }

    fn check_text(t: &str) -> Result<(), String> {
        if t.contains('>') {
            return Err(format!("unescaped '>' in {t:?}"));
        }
        let mut s = t;
        while let Some(i) = s.find('&') {
            let end = s[i..].find(';').ok_or(format!("bare '&' in {t:?}"))?;
            let ent = &s[i + 1..i + end];
            if !["amp", "lt", "gt", "quot", "apos"].contains(&ent) && !ent.starts_with('#') {
                return Err(format!("unknown entity &{ent};"));
            }
            s = &s[i + end..];
        }
        Ok(())
    }

    #[test]
    fn mobileconfig_is_a_well_formed_plist_with_both_domains() {
        let xml = text(Kind::Macos);
        let names = check_xml(&xml).unwrap();
        assert_eq!(names[0], "plist");
        assert!(names.iter().all(|n| ["plist", "dict", "key", "string", "array", "integer", "true", "false", "real"].contains(&n.as_str())), "{names:?}");
        assert!(xml.contains("<string>com.google.Chrome</string>"));
        assert!(xml.contains(&format!("<string>com.google.Chrome.extensions.{OWN_CHROME_ID}</string>")));
        assert!(xml.contains("<string>com.microsoft.Edge</string>"));
        assert!(xml.contains(&format!("<string>{OWN_CHROME_ID};{EXAMPLE_UPDATE_URL}</string>")));
        assert!(xml.contains("<key>autoSubmit</key>\n\t\t\t<true/>"), "{xml}");
        assert!(xml.contains("TJEX - 1º grau"));
        // Special characters are escaped.
        assert!(check_xml("<plist><string>a & b</string></plist>").is_err());
        let mut a = args(Kind::Macos);
        a.update_url = Some("https://x.example/u.xml?a=1&b=2".into());
        let xml = generate(&a).unwrap()[0].1.clone();
        check_xml(&xml).unwrap();
        assert!(xml.contains("a=1&amp;b=2"));
        // UUIDs are stable and distinct.
        assert_eq!(stable_uuid("x"), stable_uuid("x"));
        assert_ne!(stable_uuid("x"), stable_uuid("y"));
        assert_eq!(stable_uuid("x").len(), 36);
    }

    #[test]
    fn reg_file_is_well_formed_with_dwords_and_3rdparty_keys() {
        let reg = text(Kind::Windows);
        assert!(reg.starts_with("Windows Registry Editor Version 5.00\r\n\r\n"));
        assert!(reg.is_ascii(), "non-ASCII characters are JSON-escaped");
        assert!(!reg.replace("\r\n", "").contains('\n'), "CRLF only");
        check_reg(&reg).unwrap();
        for base in [r"Google\Chrome", r"Microsoft\Edge", r"BraveSoftware\Brave", "Chromium"] {
            let k = format!(r"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\{base}\3rdparty\extensions\{OWN_CHROME_ID}\policy]");
            assert!(reg.contains(&k), "{k}");
            assert!(reg.contains(&format!(r"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\{base}\ExtensionInstallForcelist]")));
        }
        assert!(reg.contains("\"autoSubmit\"=dword:00000001"));
        assert!(reg.contains("\"allowBrowserStorage\"=dword:00000000"));
        assert!(reg.contains("\"lockAfterMinutes\"=dword:00000000"));
        assert!(reg.contains("\"NativeMessagingUserLevelHosts\"=dword:00000000"));
        assert!(reg.contains("\"mode\"=\"native\""));
        assert!(reg.contains(&format!("\"1\"=\"{OWN_CHROME_ID};{EXAMPLE_UPDATE_URL}\"")));
        assert!(reg.contains(&format!("\"1\"=\"{HOST_NAME}\"")));
        // extraSystems: a REG_SZ with JSON that parses back to the configuration.
        let line = reg.lines().find(|l| l.starts_with("\"extraSystems\"=")).unwrap();
        let json_text = unreg_sz(line.trim_start_matches("\"extraSystems\"=")).unwrap();
        let back: Value = serde_json::from_str(&json_text).unwrap();
        assert_eq!(back, full_config()["extraSystems"]);
        // One browser only.
        let mut a = args(Kind::Windows);
        a.browser = vec![Vendor::Edge];
        a.install_via = InstallVia::Settings;
        let reg = generate(&a).unwrap()[0].1.clone();
        check_reg(&reg).unwrap();
        assert!(!reg.contains(r"Google\Chrome"));
        let line = reg.lines().find(|l| l.starts_with("\"ExtensionSettings\"=")).unwrap();
        let back: Value = serde_json::from_str(&unreg_sz(line.trim_start_matches("\"ExtensionSettings\"=")).unwrap()).unwrap();
        assert_eq!(back[OWN_CHROME_ID]["installation_mode"], "force_installed");
    }

    fn unreg_sz(s: &str) -> Result<String, String> {
        let inner = s.strip_prefix('"').and_then(|x| x.strip_suffix('"')).ok_or(format!("not a quoted string: {s}"))?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(e @ ('\\' | '"')) => out.push(e),
                    other => return Err(format!("bad escape \\{other:?}")),
                },
                '"' => return Err("unescaped quote".into()),
                c => out.push(c),
            }
        }
        Ok(out)
    }

    /// Every line: blank, a comment, [key], or "name"=value with a REG_SZ or dword value.
    pub(super) fn check_reg(reg: &str) -> Result<(), String> {
        let mut lines = reg.split("\r\n");
        if lines.next() != Some("Windows Registry Editor Version 5.00") {
            return Err("missing header".into());
        }
        let mut in_key = false;
        for l in lines {
            if l.is_empty() || l.starts_with(';') {
                continue;
            }
            if l.starts_with('[') {
                if !l.ends_with(']') || !l.starts_with("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\") || l.contains("\\\\") {
                    return Err(format!("bad key line {l}"));
                }
                in_key = true;
                continue;
            }
            if !in_key {
                return Err(format!("value outside a key: {l}"));
            }
            let (name, value) = l.split_once("\"=").ok_or(format!("bad value line {l}"))?;
            unreg_sz(&format!("{name}\""))?;
            if let Some(hex) = value.strip_prefix("dword:") {
                if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!("bad dword {l}"));
                }
            } else {
                unreg_sz(value)?;
            }
        }
        Ok(())
    }

    #[test]
    fn firefox_policies_force_install_and_configure() {
        let v: Value = serde_json::from_str(&text(Kind::Firefox)).unwrap();
        let p = &v["policies"];
        assert_eq!(p["ExtensionSettings"][OWN_GECKO_ID]["installation_mode"], "force_installed");
        assert_eq!(p["ExtensionSettings"][OWN_GECKO_ID]["install_url"], EXAMPLE_XPI_URL);
        assert_eq!(p["3rdparty"]["Extensions"][OWN_GECKO_ID]["autoSubmit"], json!(true));
        assert!(p.get("Preferences").is_none());
        let mut a = args(Kind::Firefox);
        a.allow_unsigned_xpi = true;
        let v: Value = serde_json::from_str(&generate(&a).unwrap()[0].1).unwrap();
        assert_eq!(v["policies"]["Preferences"]["xpinstall.signatures.required"], json!({"Value": false, "Status": "locked"}));
    }

    #[test]
    fn host_config_and_manifests_name_the_right_ids() {
        let v: Value = serde_json::from_str(&text(Kind::HostConfig)).unwrap();
        assert_eq!(v["extensionIds"], json!([]));
        assert_eq!(v["extraSystems"], full_config()["extraSystems"]);
        assert_eq!(v["store"], full_config()["store"], "robots without a browser policy get the same store");
        // The host reads it back.
        let cfg: crate::config::HostConfig = serde_json::from_value(v).unwrap();
        assert_eq!(cfg.extra_systems.len(), 1);
        let mut a = args(Kind::HostManifest);
        a.extension_id = "abcdefghijklmnopabcdefghijklmnop".into();
        a.gecko_id = "firm@example.com".into();
        let files = generate(&a).unwrap();
        let c: Value = serde_json::from_str(&files[0].1).unwrap();
        assert_eq!(files[0].0, Path::new("chromium/io.github.eproc_a2f.json"));
        assert_eq!(c["path"], "/usr/bin/eproc-a2f");
        assert_eq!(
            c["allowed_origins"],
            json!([format!("chrome-extension://{OWN_CHROME_ID}/"), "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"])
        );
        let f: Value = serde_json::from_str(&files[1].1).unwrap();
        assert_eq!(f["allowed_extensions"], json!([OWN_GECKO_ID, "firm@example.com"]));
        let mut a = args(Kind::HostConfig);
        a.extension_id = "abcdefghijklmnopabcdefghijklmnop".into();
        let v: Value = serde_json::from_str(&generate(&a).unwrap()[0].1).unwrap();
        assert_eq!(v["extensionIds"], json!(["abcdefghijklmnopabcdefghijklmnop"]));
    }

    /// Compares (or with EPROC_A2F_BLESS=1 rewrites) shipped files with freshly generated ones.
    fn compare_or_bless(dir: &Path, files: &[(PathBuf, String)]) {
        let bless = std::env::var("EPROC_A2F_BLESS").is_ok_and(|v| v == "1");
        for (rel, text) in files {
            let path = dir.join(rel);
            if bless {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, text).unwrap();
                continue;
            }
            let shipped = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (regenerate: EPROC_A2F_BLESS=1 cargo test -p eproc-a2f --lib policy)", path.display()));
            assert_eq!(&shipped, text, "{} is out of date (regenerate: EPROC_A2F_BLESS=1 cargo test -p eproc-a2f --lib policy)", path.display());
        }
    }

    #[test]
    fn shipped_policy_examples_are_up_to_date_and_valid() {
        let files = generate(&example_args()).unwrap();
        compare_or_bless(&repo().join("manifest/policies"), &files);
        let names: Vec<String> = files.iter().map(|(p, _)| p.to_string_lossy().into_owned()).collect();
        assert_eq!(
            names,
            [
                "linux/eproc-a2f.json",
                "windows/eproc-a2f.reg",
                "admx/eproc-a2f.admx",
                "admx/pt-BR/eproc-a2f.adml",
                "admx/en-US/eproc-a2f.adml",
                "macos/eproc-a2f.mobileconfig",
                "firefox/policies.json",
                "host-config/config.json"
            ]
        );
        for (rel, text) in &files {
            let name = rel.to_string_lossy();
            if name.ends_with(".json") {
                serde_json::from_str::<Value>(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            } else if name.ends_with(".reg") {
                check_reg(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            } else {
                check_xml(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            if !name.starts_with("firefox") && !name.starts_with("host-config") {
                assert!(text.contains(OWN_CHROME_ID), "{name} names the extension ID");
                // The ADMX defines policies; the update URL is the ADML's default entry.
                assert!(name.ends_with(".admx") || text.contains(EXAMPLE_UPDATE_URL), "{name} names the update URL");
                assert!(text.contains(HOST_NAME), "{name} allows the host");
            }
        }
        let ff = &files.iter().find(|(p, _)| p.starts_with("firefox")).unwrap().1;
        assert!(ff.contains(OWN_GECKO_ID) && ff.contains(EXAMPLE_XPI_URL));
        // The example configuration itself is valid.
        let cfg = read_config_arg(&repo().join("manifest/policies/config.example.json").to_string_lossy()).unwrap();
        validate_config(&cfg).unwrap();
    }

    #[test]
    fn shipped_linux_host_manifests_are_up_to_date() {
        let files = generate(&PolicyArgs::new(Kind::HostManifest)).unwrap();
        compare_or_bless(&repo().join("manifest/linux"), &files);
        for (_, text) in &files {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(v["path"], "/usr/bin/eproc-a2f");
            assert_eq!(v["name"], HOST_NAME);
        }
    }
}
