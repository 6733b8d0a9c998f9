//! Reading other apps' exports (issue 11): the keys lawyers already have in Google Authenticator,
//! Aegis, 2FAS, Bitwarden or KeePassXC become eproc-a2f accounts without re-enrolling.
//!
//! Pure: bytes (and a password) in, [`Entry`] values out. Readers, one per format:
//! [`uri`] (`otpauth://` and `otpauth-migration://` lines), [`migration`] (Google
//! Authenticator's protobuf, both ways: the export QR codes are written with it too), [`aegis`],
//! [`twofas`], [`bitwarden`], [`keepass`]. [`matching`] ties an entry to a registry authenticator
//! by the names it carries; [`plan`] turns a file into the `import_preview` / `import_apply`
//! answers over a [`crate::service::Vault`]. Formats are documented in
//! `docs/protocol.md` (`import_preview`) and the shared formats notes.

pub mod aegis;
pub mod bitwarden;
mod crypto;
pub mod keepass;
pub mod matching;
pub mod migration;
pub mod plan;
pub mod twofas;
pub mod uri;

use serde::{Deserialize, Serialize};

use crate::secret::{Algorithm, Params, SecretKey};

/// Largest import file read (a 500-account Aegis vault is about 200 KB; a KeePassXC XML export
/// with history can be a few MB). Larger input is refused before any parsing.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;
/// Largest password accepted (nobody types more; it bounds the KDF's input).
pub const MAX_PASSWORD_LEN: usize = 1024;

/// The formats this build reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Format {
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "otpauth")]
    Otpauth,
    #[serde(rename = "google-migration")]
    GoogleMigration,
    #[serde(rename = "aegis")]
    Aegis,
    #[serde(rename = "2fas")]
    TwoFas,
    #[serde(rename = "bitwarden")]
    Bitwarden,
    #[serde(rename = "keepassxc")]
    Keepassxc,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Otpauth => "otpauth",
            Format::GoogleMigration => "google-migration",
            Format::Aegis => "aegis",
            Format::TwoFas => "2fas",
            Format::Bitwarden => "bitwarden",
            Format::Keepassxc => "keepassxc",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Format::Auto,
            "otpauth" => Format::Otpauth,
            "google-migration" | "google" | "otpauth-migration" => Format::GoogleMigration,
            "aegis" => Format::Aegis,
            "2fas" => Format::TwoFas,
            "bitwarden" => Format::Bitwarden,
            "keepassxc" | "keepass" => Format::Keepassxc,
            _ => return None,
        })
    }
}

/// A usable time-based key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totp {
    pub key: SecretKey,
    pub params: Params,
}

/// Why an entry cannot become an eproc account, before any matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// Counter-based (eproc uses time-based codes).
    Hotp,
    /// Steam, Yandex, mOTP, MD5, odd digits or period, a key that does not decode: the reason.
    Unsupported(String),
}

/// One account read from a file. `Debug` never shows the key ([`SecretKey`] redacts it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The app's issuer (or, in a password manager, the entry's title).
    pub issuer: Option<String>,
    /// The entry's name as the app shows it (often `Issuer:account` or just the account).
    pub label: String,
    /// The account part (the eproc user, when the key is an eproc one).
    pub account: String,
    pub otp: Result<Totp, Unusable>,
}

impl Entry {
    /// An entry from its names and key. An issuer-less `Issuer:account` label is split, as
    /// authenticator apps do.
    pub fn new(issuer: Option<&str>, label: &str, otp: Result<Totp, Unusable>) -> Entry {
        let label = label.trim();
        let issuer = issuer.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let (label_issuer, account) = match label.split_once(':') {
            Some((i, a)) => (Some(i.trim()), a.trim()),
            None => (None, label),
        };
        let issuer = issuer.or_else(|| label_issuer.filter(|s| !s.is_empty()).map(str::to_owned));
        Entry { issuer, label: label.to_owned(), account: account.to_owned(), otp }
    }
}

/// Google Authenticator's batch: one export may take several QR codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Batch {
    pub id: i32,
    pub size: i32,
    /// Batch indices read.
    pub read: Vec<i32>,
    /// Batch indices of the export that were not given.
    pub missing: Vec<i32>,
}

/// What a file held.
#[derive(Debug, Clone)]
pub struct Read {
    pub format: Format,
    pub encrypted: bool,
    pub entries: Vec<Entry>,
    pub batch: Option<Batch>,
}

/// Why a file was refused. Never carries a key or the file's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file has {0} bytes; at most {MAX_IMPORT_BYTES} are read")]
    TooLarge(usize),
    #[error("the file is in no format this version reads ({0})")]
    UnknownFormat(&'static str),
    #[error("the file is damaged ({reason}): {detail}")]
    Invalid { reason: &'static str, detail: String },
    #[error("the file is encrypted: a password is needed")]
    PasswordRequired,
    #[error("wrong password")]
    WrongPassword,
    #[error("the file holds no entry")]
    Empty,
}

impl ImportError {
    pub(crate) fn invalid(reason: &'static str, detail: impl Into<String>) -> ImportError {
        ImportError::Invalid { reason, detail: detail.into() }
    }

    /// The `reason` field of the protocol error, when there is one.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            ImportError::UnknownFormat(r) => Some(r),
            ImportError::Invalid { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// Reads a file in `format` (`Auto`: recognised from the content).
pub fn read(bytes: &[u8], format: Format, password: Option<&str>) -> Result<Read, ImportError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge(bytes.len()));
    }
    let format = match format {
        Format::Auto => detect(bytes)?,
        f => f,
    };
    let text = || {
        std::str::from_utf8(strip_bom(bytes)).map_err(|e| ImportError::invalid("bad_text", format!("not UTF-8 text (byte {})", e.valid_up_to())))
    };
    let password = password.filter(|p| !p.is_empty());
    let read = match format {
        Format::Otpauth | Format::GoogleMigration => uri::read_lines(text()?)?,
        Format::Aegis => aegis::read(text()?, password)?,
        Format::TwoFas => twofas::read(text()?, password)?,
        Format::Bitwarden => bitwarden::read(text()?)?,
        Format::Keepassxc => keepass::read(text()?)?,
        Format::Auto => unreachable!("resolved above"),
    };
    if read.entries.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(read)
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Recognises the format from the content.
pub fn detect(bytes: &[u8]) -> Result<Format, ImportError> {
    let bytes = strip_bom(bytes);
    if bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"\xFF\xD8\xFF") || bytes.starts_with(b"GIF8") || bytes.starts_with(b"RIFF") {
        return Err(ImportError::UnknownFormat("image"));
    }
    if bytes.starts_with(&[0x03, 0xD9, 0xA2, 0x9A]) {
        return Err(ImportError::UnknownFormat("kdbx"));
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(ImportError::UnknownFormat("unknown"));
    };
    let t = text.trim_start();
    if t.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(t).map_err(|e| ImportError::invalid("bad_json", format!("line {} column {}", e.line(), e.column())))?;
        if v.get("db").is_some() && v.get("header").is_some() {
            return Ok(Format::Aegis);
        }
        if v.get("services").is_some() || v.get("servicesEncrypted").is_some() {
            return Ok(Format::TwoFas);
        }
        if v.get("encrypted") == Some(&serde_json::Value::Bool(true)) && v.get("items").is_none() {
            return Err(ImportError::UnknownFormat("bitwarden_encrypted"));
        }
        if v.get("items").is_some() {
            return Ok(Format::Bitwarden);
        }
        return Err(ImportError::UnknownFormat("unknown"));
    }
    if t.starts_with('<') {
        return Ok(Format::Keepassxc);
    }
    let mut lines = t.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    if let Some(first) = lines.next() {
        let lower = first.to_ascii_lowercase();
        if lower.starts_with("otpauth-migration:") {
            return Ok(Format::GoogleMigration);
        }
        if lower.starts_with("otpauth:") {
            return Ok(if t.to_ascii_lowercase().contains("otpauth-migration:") { Format::GoogleMigration } else { Format::Otpauth });
        }
        // A CSV header naming an OTP column: KeePassXC's CSV export.
        if first.contains(',') && (lower.contains("\"totp\"") || lower.contains(",totp") || lower.contains("\"otp\"")) {
            return Ok(Format::Keepassxc);
        }
    }
    Err(ImportError::UnknownFormat("unknown"))
}

/// Builds a [`Totp`] from the parts an app stores, or says why it is unusable.
pub(crate) fn totp_from(key: Result<SecretKey, String>, algorithm: &str, digits: i64, period: i64) -> Result<Totp, Unusable> {
    let algorithm = if algorithm.trim().is_empty() {
        Algorithm::Sha1
    } else {
        Algorithm::parse(algorithm).ok_or_else(|| Unusable::Unsupported(format!("algorithm {} is not supported", short(algorithm))))?
    };
    let digits = u8::try_from(digits).map_err(|_| Unusable::Unsupported(format!("{digits} digits are not supported (6 to 8)")))?;
    let period = u32::try_from(period).map_err(|_| Unusable::Unsupported(format!("a period of {period} s is not supported (1 to 300)")))?;
    let params = Params::new(algorithm, digits, period).map_err(|e| Unusable::Unsupported(e.to_string()))?;
    let key = key.map_err(Unusable::Unsupported)?;
    Ok(Totp { key, params })
}

/// A key given as text by an app (base32, any case, maybe padded or grouped).
pub(crate) fn key_from_text(s: &str) -> Result<SecretKey, String> {
    crate::secret::parse_key(s).map(|p| p.key).map_err(|e| match e.position() {
        // The position is safe to show; the character is not (it is part of the key).
        Some(p) => format!("the key does not decode (character {p})"),
        None => format!("the key does not decode ({})", key_error_words(&e)),
    })
}

/// Raw key bytes (Google Authenticator).
pub(crate) fn key_from_bytes(bytes: Vec<u8>) -> Result<SecretKey, String> {
    let key = SecretKey::from_bytes(bytes);
    if key.bits() < SecretKey::MIN_BITS {
        return Err(format!("the key has only {} bits", key.bits()));
    }
    if key.as_bytes().len() > SecretKey::MAX_BYTES {
        return Err("the key is too long".to_owned());
    }
    Ok(key)
}

fn key_error_words(e: &crate::secret::KeyError) -> String {
    use crate::secret::KeyError::*;
    match e {
        InvalidChar { .. } => "a character is not base32".to_owned(),
        other => other.to_string(),
    }
}

/// Some text from a file, cut short for an error detail (never used for keys).
pub(crate) fn short(s: &str) -> String {
    let t: String = s.chars().take(40).collect();
    format!("{t:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_by_content() {
        assert_eq!(detect(b"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP").unwrap(), Format::Otpauth);
        assert_eq!(detect(b"\n# c\notpauth-migration://offline?data=AA").unwrap(), Format::GoogleMigration);
        assert_eq!(detect(br#"{"version":1,"header":{"slots":null,"params":null},"db":{}}"#).unwrap(), Format::Aegis);
        assert_eq!(detect(br#"{"services":[],"schemaVersion":4}"#).unwrap(), Format::TwoFas);
        assert_eq!(detect(br#"{"encrypted":false,"items":[]}"#).unwrap(), Format::Bitwarden);
        assert_eq!(detect(b"<?xml version=\"1.0\"?><KeePassFile/>").unwrap(), Format::Keepassxc);
        assert_eq!(detect(b"\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\"\n").unwrap(), Format::Keepassxc);
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n").unwrap_err(), ImportError::UnknownFormat("image"));
        assert_eq!(detect(&[0x03, 0xD9, 0xA2, 0x9A, 0x67, 0xFB]).unwrap_err(), ImportError::UnknownFormat("kdbx"));
        assert_eq!(detect(br#"{"encrypted":true,"data":"x"}"#).unwrap_err(), ImportError::UnknownFormat("bitwarden_encrypted"));
        assert_eq!(detect(b"hello").unwrap_err(), ImportError::UnknownFormat("unknown"));
        assert!(matches!(detect(b"{oops").unwrap_err(), ImportError::Invalid { reason: "bad_json", .. }));
    }

    #[test]
    fn oversize_input_is_refused_before_parsing() {
        let big = vec![b'x'; MAX_IMPORT_BYTES + 1];
        assert_eq!(read(&big, Format::Auto, None).unwrap_err(), ImportError::TooLarge(MAX_IMPORT_BYTES + 1));
    }

    #[test]
    fn labels_split_like_the_apps_do() {
        let e = Entry::new(None, "TRF4: RS123", Err(Unusable::Hotp));
        assert_eq!((e.issuer.as_deref(), e.account.as_str()), (Some("TRF4"), "RS123"));
        let e = Entry::new(Some("eproc"), "TRF4:RS123", Err(Unusable::Hotp));
        assert_eq!((e.issuer.as_deref(), e.account.as_str()), (Some("eproc"), "RS123"));
        let e = Entry::new(Some(" "), "RS123", Err(Unusable::Hotp));
        assert_eq!((e.issuer, e.account.as_str()), (None, "RS123"));
    }

    #[test]
    fn key_errors_never_quote_the_key() {
        let e = key_from_text("JBSWY3DPEHPK3PX!").unwrap_err();
        assert!(!e.contains("JBSW") && e.contains("16"), "{e}");
    }
}
