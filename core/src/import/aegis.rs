//! Aegis Authenticator's JSON export (Aegis `docs/vault.md`): `{version, header: {slots, params},
//! db}`. Plain: `db` is an object. Encrypted: a password slot (type 1) holds the master key,
//! wrapped with AES-256-GCM under an scrypt key of the password; `db` is base64 of the entries'
//! JSON sealed with the master key (`header.params`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;

use super::crypto::{aes_gcm_open, scrypt_key};
use super::{key_from_text, totp_from, Entry, Format, ImportError, Read, Unusable};

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    version: Option<i64>,
    header: Header,
    db: Value,
}

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    slots: Option<Vec<Slot>>,
    #[serde(default)]
    params: Option<GcmParams>,
}

#[derive(Deserialize)]
struct Slot {
    #[serde(rename = "type")]
    kind: i64,
    #[serde(default)]
    key: String,
    #[serde(default)]
    key_params: Option<GcmParams>,
    #[serde(default)]
    n: Option<u64>,
    #[serde(default)]
    r: Option<u32>,
    #[serde(default)]
    p: Option<u32>,
    #[serde(default)]
    salt: Option<String>,
}

#[derive(Deserialize)]
struct GcmParams {
    nonce: String,
    tag: String,
}

#[derive(Deserialize)]
struct Db {
    #[serde(default)]
    version: Option<i64>,
    entries: Vec<DbEntry>,
}

#[derive(Deserialize)]
struct DbEntry {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    info: Info,
}

#[derive(Deserialize, Default)]
struct Info {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    algo: String,
    #[serde(default = "six")]
    digits: i64,
    #[serde(default = "thirty")]
    period: i64,
}

fn six() -> i64 {
    6
}
fn thirty() -> i64 {
    30
}

/// Password slot type in Aegis's vault format.
const SLOT_PASSWORD: i64 = 1;
/// Vault and database versions this reader knows.
const MAX_VERSION: i64 = 1;
const MAX_DB_VERSION: i64 = 3;

fn bad_json(e: serde_json::Error) -> ImportError {
    ImportError::invalid("bad_json", format!("not an Aegis export (line {} column {})", e.line(), e.column()))
}

fn hex_field(s: &str, what: &str) -> Result<Vec<u8>, ImportError> {
    hex::decode(s.trim()).map_err(|_| ImportError::invalid("bad_encryption", format!("{what} is not hex")))
}

pub fn read(text: &str, password: Option<&str>) -> Result<Read, ImportError> {
    let file: File = serde_json::from_str(text).map_err(bad_json)?;
    if file.version.unwrap_or(1) > MAX_VERSION {
        return Err(ImportError::invalid("version", format!("Aegis vault version {} is newer than this build reads", file.version.unwrap_or(0))));
    }
    let (db, encrypted): (Db, bool) = match (&file.db, &file.header.params) {
        (Value::Object(_), _) => (serde_json::from_value(file.db).map_err(bad_json)?, false),
        (Value::String(sealed), Some(params)) => {
            let password = password.ok_or(ImportError::PasswordRequired)?;
            let plain = decrypt(sealed, params, file.header.slots.as_deref().unwrap_or(&[]), password)?;
            (serde_json::from_slice(&plain).map_err(bad_json)?, true)
        }
        _ => return Err(ImportError::invalid("bad_json", "the Aegis db is neither an object nor an encrypted string with its params")),
    };
    if db.version.unwrap_or(1) > MAX_DB_VERSION {
        return Err(ImportError::invalid("version", format!("Aegis database version {} is newer than this build reads", db.version.unwrap_or(0))));
    }
    let entries = db.entries.iter().map(entry_of).collect();
    Ok(Read { format: Format::Aegis, encrypted, entries, batch: None })
}

/// Tries every password slot; the first whose tag verifies gives the master key.
fn decrypt(sealed: &str, params: &GcmParams, slots: &[Slot], password: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, ImportError> {
    let db = STANDARD.decode(sealed.trim()).map_err(|_| ImportError::invalid("bad_base64", "the encrypted Aegis db is not base64"))?;
    let mut tried = 0;
    for slot in slots.iter().filter(|s| s.kind == SLOT_PASSWORD) {
        tried += 1;
        let kp = slot.key_params.as_ref().ok_or_else(|| ImportError::invalid("bad_encryption", "a password slot has no key_params"))?;
        let salt = hex_field(slot.salt.as_deref().unwrap_or(""), "slot salt")?;
        let derived = scrypt_key(password, &salt, slot.n.unwrap_or(32768), slot.r.unwrap_or(8), slot.p.unwrap_or(1))?;
        let mut wrapped = hex_field(&slot.key, "slot key")?;
        wrapped.extend(hex_field(&kp.tag, "slot tag")?);
        if let Some(master) = aes_gcm_open(derived.as_ref(), &hex_field(&kp.nonce, "slot nonce")?, &wrapped)? {
            let mut body = db.clone();
            body.extend(hex_field(&params.tag, "db tag")?);
            return aes_gcm_open(&master, &hex_field(&params.nonce, "db nonce")?, &body)?
                .ok_or_else(|| ImportError::invalid("bad_encryption", "the master key opens the slot but not the db: the file is damaged"));
        }
    }
    if tried == 0 {
        return Err(ImportError::invalid("bad_encryption", "the vault has no password slot (biometric-only vaults cannot be opened outside the phone)"));
    }
    Err(ImportError::WrongPassword)
}

fn entry_of(e: &DbEntry) -> Entry {
    let otp = match e.kind.to_ascii_lowercase().as_str() {
        "totp" | "" => totp_from(key_from_text(&e.info.secret), &e.info.algo, e.info.digits, e.info.period),
        "hotp" => Err(Unusable::Hotp),
        other => Err(Unusable::Unsupported(format!("{} codes are not eproc codes", super::short(other)))),
    };
    Entry::new(Some(&e.issuer), &e.name, otp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::crypto::aes_gcm_seal;
    use crate::secret::{Algorithm, Params};

    const PLAIN: &str = r#"{"version":1,"header":{"slots":null,"params":null},"db":{"version":2,"entries":[
        {"type":"totp","uuid":"u1","name":"RS123","issuer":"eproc TRF4","note":"","icon":null,
         "info":{"secret":"MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW","algo":"SHA1","digits":6,"period":30}},
        {"type":"totp","uuid":"u2","name":"x","issuer":"Odd","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA256","digits":7,"period":50}},
        {"type":"hotp","uuid":"u3","name":"h","issuer":"TRF4","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":6,"counter":1}},
        {"type":"steam","uuid":"u4","name":"s","issuer":"Steam","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":5,"period":30}}]}}"#;

    #[test]
    fn plain_export_reads_every_kind() {
        let r = read(PLAIN, None).unwrap();
        assert!(!r.encrypted);
        assert_eq!(r.entries.len(), 4);
        assert_eq!(r.entries[0].issuer.as_deref(), Some("eproc TRF4"));
        assert_eq!(r.entries[0].otp.as_ref().unwrap().key.to_base32(), "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW");
        // 7 digits and 50 s: not hard-coded 6/30.
        assert_eq!(r.entries[1].otp.as_ref().unwrap().params, Params { algorithm: Algorithm::Sha256, digits: 7, period: 50 });
        assert_eq!(r.entries[2].otp, Err(Unusable::Hotp));
        assert!(matches!(r.entries[3].otp, Err(Unusable::Unsupported(_))));
    }

    /// An encrypted vault sealed here with small scrypt parameters (the independent encoder,
    /// Python's `cryptography` and `hashlib.scrypt`, is in `core/tests/import_independent.rs`).
    fn sealed(password: &str) -> String {
        let db: Value = serde_json::from_str::<Value>(PLAIN).unwrap()["db"].clone();
        let master = [9u8; 32];
        let (salt, slot_nonce, db_nonce) = ([3u8; 32], [4u8; 12], [5u8; 12]);
        let derived = scrypt_key(password, &salt, 1024, 8, 1).unwrap();
        let wrapped = aes_gcm_seal(derived.as_ref(), &slot_nonce, &master);
        let body = aes_gcm_seal(&master, &db_nonce, db.to_string().as_bytes());
        let (wk, wt) = wrapped.split_at(32);
        let (bc, bt) = body.split_at(body.len() - 16);
        serde_json::json!({"version": 1, "header": {
            "slots": [{"type": 1, "uuid": "s", "key": hex::encode(wk), "key_params": {"nonce": hex::encode(slot_nonce), "tag": hex::encode(wt)},
                       "n": 1024, "r": 8, "p": 1, "salt": hex::encode(salt)}],
            "params": {"nonce": hex::encode(db_nonce), "tag": hex::encode(bt)}},
            "db": STANDARD.encode(bc)}).to_string()
    }

    #[test]
    fn encrypted_vault_needs_the_right_password() {
        let file = sealed("segredo");
        assert_eq!(read(&file, None).unwrap_err(), ImportError::PasswordRequired);
        assert_eq!(read(&file, Some("errado")).unwrap_err(), ImportError::WrongPassword);
        let r = read(&file, Some("segredo")).unwrap();
        assert!(r.encrypted);
        assert_eq!(r.entries.len(), 4);
        // A flipped byte of the db: damaged, not "wrong password".
        let mut v: Value = serde_json::from_str(&file).unwrap();
        let mut db = STANDARD.decode(v["db"].as_str().unwrap()).unwrap();
        db[0] ^= 1;
        v["db"] = Value::String(STANDARD.encode(&db));
        assert!(matches!(read(&v.to_string(), Some("segredo")).unwrap_err(), ImportError::Invalid { reason: "bad_encryption", .. }));
        v["db"] = Value::String("***".into());
        assert!(matches!(read(&v.to_string(), Some("segredo")).unwrap_err(), ImportError::Invalid { reason: "bad_base64", .. }));
    }
}
