//! 2FAS Authenticator's `.2fas` backup: `{services: [...], schemaVersion, ...}`; encrypted files
//! carry `servicesEncrypted` and `reference`, each `base64(ciphertext+tag):base64(salt):base64(iv)`,
//! sealed with AES-256-GCM under PBKDF2-HMAC-SHA256 (10 000 rounds) of the password. The
//! `reference` (a fixed text sealed with the same password) tells a wrong password from damage.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::crypto::{aes_gcm_open, pbkdf2_sha256};
use super::{key_from_text, totp_from, Entry, Format, ImportError, Read, Unusable};

/// PBKDF2 rounds of 2FAS's backup key.
pub const ROUNDS: u32 = 10_000;
/// Newest schema this reader was written against (Android writes 4).
const MAX_SCHEMA: i64 = 4;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    #[serde(default)]
    services: Vec<Service>,
    #[serde(default)]
    schema_version: Option<i64>,
    #[serde(default)]
    services_encrypted: Option<String>,
    #[serde(default)]
    reference: Option<String>,
}

#[derive(Deserialize)]
struct Service {
    #[serde(default)]
    name: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    otp: Otp,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Otp {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    digits: Option<i64>,
    #[serde(default)]
    period: Option<i64>,
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
}

fn bad_json(e: serde_json::Error) -> ImportError {
    ImportError::invalid("bad_json", format!("not a 2FAS backup (line {} column {})", e.line(), e.column()))
}

pub fn read(text: &str, password: Option<&str>) -> Result<Read, ImportError> {
    let file: File = serde_json::from_str(text).map_err(bad_json)?;
    if file.schema_version.unwrap_or(1) > MAX_SCHEMA {
        return Err(ImportError::invalid("version", format!("2FAS schema {} is newer than this build reads", file.schema_version.unwrap_or(0))));
    }
    let (services, encrypted) = match &file.services_encrypted {
        None => (file.services, false),
        Some(sealed) => {
            let password = password.ok_or(ImportError::PasswordRequired)?;
            let mut keys = KeyCache::default();
            if let Some(reference) = &file.reference {
                if open(reference, password, &mut keys)?.is_none() {
                    return Err(ImportError::WrongPassword);
                }
            }
            let plain = open(sealed, password, &mut keys)?.ok_or(if file.reference.is_some() {
                ImportError::invalid("bad_encryption", "the password opens the reference but not the services: the file is damaged")
            } else {
                ImportError::WrongPassword
            })?;
            (serde_json::from_slice::<Vec<Service>>(&plain).map_err(bad_json)?, true)
        }
    };
    let entries = services.iter().map(entry_of).collect();
    Ok(Read { format: Format::TwoFas, encrypted, entries, batch: None })
}

/// The derived key of the last salt (the reference and the services share one).
#[derive(Default)]
struct KeyCache {
    salt: Vec<u8>,
    key: Option<Zeroizing<[u8; 32]>>,
}

fn open(field: &str, password: &str, keys: &mut KeyCache) -> Result<Option<Zeroizing<Vec<u8>>>, ImportError> {
    let parts: Vec<&str> = field.trim().split(':').collect();
    if parts.len() < 3 {
        return Err(ImportError::invalid("bad_encryption", format!("an encrypted field has {} parts (3 expected)", parts.len())));
    }
    let b64 = |s: &str, what: &str| STANDARD.decode(s.trim()).map_err(|_| ImportError::invalid("bad_base64", format!("the {what} of an encrypted field is not base64")));
    let data = b64(parts[0], "data")?;
    let salt = b64(parts[1], "salt")?;
    let iv = b64(parts[2], "iv")?;
    if keys.key.is_none() || keys.salt != salt {
        keys.key = Some(pbkdf2_sha256(password, &salt, ROUNDS));
        keys.salt = salt;
    }
    let key = keys.key.as_ref().expect("set above");
    aes_gcm_open(key.as_ref(), &iv, &data)
}

fn entry_of(s: &Service) -> Entry {
    let o = &s.otp;
    let issuer = o.issuer.as_deref().filter(|i| !i.trim().is_empty()).unwrap_or(&s.name);
    let account = o.account.as_deref().filter(|a| !a.trim().is_empty()).or(o.label.as_deref()).unwrap_or("");
    let otp = match o.token_type.as_deref().unwrap_or("TOTP").to_ascii_uppercase().as_str() {
        "TOTP" => totp_from(key_from_text(&s.secret), o.algorithm.as_deref().unwrap_or("SHA1"), o.digits.unwrap_or(6), o.period.unwrap_or(30)),
        "HOTP" => Err(Unusable::Hotp),
        other => Err(Unusable::Unsupported(format!("{} codes are not eproc codes", super::short(other)))),
    };
    // 2FAS keeps the issuer apart: the account is the label.
    Entry::new(Some(issuer), account, otp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::crypto::aes_gcm_seal;

    const SERVICES: &str = r#"[{"name":"TRF4","secret":"MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW","otp":{"label":"RS123","account":"RS123","issuer":"TRF4","digits":6,"period":30,"algorithm":"SHA1","tokenType":"TOTP","source":"Manual"}},
        {"name":"Steam","secret":"JBSWY3DPEHPK3PXP","otp":{"account":"g","digits":5,"period":30,"algorithm":"SHA1","tokenType":"STEAM"}},
        {"name":"eproc TJRS","secret":"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP","otp":{"account":"","digits":6,"period":30,"algorithm":"SHA1","tokenType":"TOTP"}}]"#;

    fn seal(plain: &str, password: &str, salt: &[u8], iv: &[u8]) -> String {
        let key = pbkdf2_sha256(password, salt, ROUNDS);
        format!("{}:{}:{}", STANDARD.encode(aes_gcm_seal(key.as_ref(), iv, plain.as_bytes())), STANDARD.encode(salt), STANDARD.encode(iv))
    }

    #[test]
    fn plain_backup_reads() {
        let file = format!(r#"{{"services":{SERVICES},"groups":[],"schemaVersion":4,"appOrigin":"android"}}"#);
        let r = read(&file, None).unwrap();
        assert_eq!(r.entries.len(), 3);
        assert_eq!((r.entries[0].issuer.as_deref(), r.entries[0].account.as_str()), (Some("TRF4"), "RS123"));
        assert!(matches!(r.entries[1].otp, Err(Unusable::Unsupported(_))));
        // No issuer in `otp`: the service name stands in.
        assert_eq!(r.entries[2].issuer.as_deref(), Some("eproc TJRS"));
        assert_eq!(r.entries[2].account, "");
    }

    #[test]
    fn encrypted_backup_checks_the_reference() {
        let salt = [1u8; 256];
        let file = serde_json::json!({"services": [], "groups": [], "schemaVersion": 4,
            "servicesEncrypted": seal(SERVICES, "senha", &salt, &[2u8; 12]),
            "reference": seal("reference text", "senha", &salt, &[3u8; 12])}).to_string();
        assert_eq!(read(&file, None).unwrap_err(), ImportError::PasswordRequired);
        assert_eq!(read(&file, Some("outra")).unwrap_err(), ImportError::WrongPassword);
        let r = read(&file, Some("senha")).unwrap();
        assert!(r.encrypted);
        assert_eq!(r.entries[0].otp.as_ref().unwrap().key.to_base32(), "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW");
        let broken = serde_json::json!({"services": [], "schemaVersion": 4, "servicesEncrypted": "abc"}).to_string();
        assert!(matches!(read(&broken, Some("senha")).unwrap_err(), ImportError::Invalid { reason: "bad_encryption", .. }));
        let future = r#"{"services": [], "schemaVersion": 9}"#;
        assert!(matches!(read(future, None).unwrap_err(), ImportError::Invalid { reason: "version", .. }));
    }
}
