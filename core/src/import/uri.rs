//! Text of URIs, one per line: `otpauth://` (eproc-a2f's export, most apps' plain export, a
//! scanned QR code) and `otpauth-migration://` (Google Authenticator's transfer codes; several
//! codes of one export make one batch).

use percent_encoding::percent_decode_str;
use url::Url;

use super::migration;
use super::{key_from_text, totp_from, Batch, Entry, Format, ImportError, Read, Unusable};
use crate::secret::OtpAuth;

/// Reads every non-empty, non-`#` line as a URI.
pub fn read_lines(text: &str) -> Result<Read, ImportError> {
    let mut entries = Vec::new();
    let mut batches: Vec<(i32, i32, i32)> = Vec::new();
    let mut any_migration = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let lower = line.get(..20).unwrap_or(line).to_ascii_lowercase();
        if lower.starts_with("otpauth-migration:") {
            any_migration = true;
            let d = migration::decode_uri(line).map_err(|e| at_line(e, n + 1))?;
            if !batches.iter().any(|b| b.2 == d.batch_index && b.0 == d.batch_id) {
                batches.push((d.batch_id, d.batch_size, d.batch_index));
                entries.extend(d.entries);
            }
        } else if lower.starts_with("otpauth:") {
            entries.push(otpauth_entry(line));
        } else {
            return Err(ImportError::invalid("bad_text", format!("line {} is not an otpauth:// URI", n + 1)));
        }
    }
    let batch = batch_of(&batches)?;
    Ok(Read { format: if any_migration { Format::GoogleMigration } else { Format::Otpauth }, encrypted: false, entries, batch })
}

fn at_line(e: ImportError, line: usize) -> ImportError {
    match e {
        ImportError::Invalid { reason, detail } => ImportError::Invalid { reason, detail: format!("line {line}: {detail}") },
        other => other,
    }
}

/// Checks that the codes read belong to one export and lists the ones missing. `batch_id` 0 is a
/// real id (proto3 leaves zero values out), not "no batch".
fn batch_of(batches: &[(i32, i32, i32)]) -> Result<Option<Batch>, ImportError> {
    let Some(&(id, size, _)) = batches.first() else { return Ok(None) };
    if batches.iter().any(|b| b.0 != id) {
        return Err(ImportError::invalid("mixed_batches", "the codes come from different exports: import each export on its own"));
    }
    let size = batches.iter().map(|b| b.1).max().unwrap_or(size).max(1);
    let mut read: Vec<i32> = batches.iter().map(|b| b.2).collect();
    read.sort_unstable();
    let missing = (0..size.min(1000)).filter(|i| !read.contains(i)).collect();
    Ok(Some(Batch { id, size, read, missing }))
}

/// One `otpauth://` URI as an entry: usable when it is a TOTP key eproc can use, else listed with
/// the reason (HOTP, Steam, parameters out of range, a broken key).
pub fn otpauth_entry(uri: &str) -> Entry {
    let (kind, issuer, label, steam) = names_of(uri);
    let otp = match kind.as_deref() {
        Some("hotp") => Err(Unusable::Hotp),
        Some("totp") if steam => Err(Unusable::Unsupported("Steam codes are not eproc codes".to_owned())),
        Some("totp") => match OtpAuth::parse(uri) {
            Ok(u) => Ok(super::Totp { key: u.key, params: u.params }),
            Err(e) => Err(Unusable::Unsupported(uri_error_words(&e))),
        },
        Some(other) => Err(Unusable::Unsupported(format!("OTP type {} is not supported", super::short(other)))),
        None => Err(Unusable::Unsupported("not an otpauth URI".to_owned())),
    };
    Entry::new(issuer.as_deref(), &label, otp)
}

fn uri_error_words(e: &crate::secret::KeyError) -> String {
    match e.position() {
        Some(p) => format!("the key does not decode (character {p})"),
        None => match e {
            crate::secret::KeyError::InvalidChar { .. } => "the key does not decode".to_owned(),
            other => other.to_string(),
        },
    }
}

/// The type (`totp`/`hotp`), issuer and label of an otpauth URI, read without judging the key.
fn names_of(uri: &str) -> (Option<String>, Option<String>, String, bool) {
    let Ok(url) = Url::parse(uri.trim()) else { return (None, None, String::new(), false) };
    if !url.scheme().eq_ignore_ascii_case("otpauth") {
        return (None, None, String::new(), false);
    }
    let kind = url.host_str().map(|h| h.to_ascii_lowercase());
    let label = percent_decode_str(url.path().trim_start_matches('/')).decode_utf8_lossy().into_owned();
    let mut issuer = None;
    let mut steam = false;
    for (k, v) in url.query_pairs() {
        match k.to_ascii_lowercase().as_str() {
            "issuer" => issuer = Some(v.into_owned()),
            "encoder" if v.eq_ignore_ascii_case("steam") => steam = true,
            _ => {}
        }
    }
    (kind, issuer, label, steam)
}

/// A password manager's OTP field: an otpauth URI, KeeOtp's `key=...&size=...&step=...`, or a bare
/// base32 key (Bitwarden; characters outside the alphabet are dropped, as Bitwarden does).
pub fn otp_field(value: &str, issuer: Option<&str>, label: &str) -> Entry {
    let v = value.trim();
    let lower = v.get(..10).unwrap_or(v).to_ascii_lowercase();
    if lower.starts_with("otpauth:") {
        let e = otpauth_entry(v);
        // The URI's own names first; the item's title and user name when it has none.
        let issuer = e.issuer.clone().or_else(|| issuer.map(str::to_owned));
        let label = if e.label.is_empty() { label.to_owned() } else { e.label.clone() };
        return Entry::new(issuer.as_deref(), &label, e.otp);
    }
    if lower.starts_with("steam://") {
        return Entry::new(issuer, label, Err(Unusable::Unsupported("Steam codes are not eproc codes".to_owned())));
    }
    if v.contains("key=") {
        return Entry::new(issuer, label, keeotp(v));
    }
    let cleaned: String = v.chars().filter(|c| c.is_ascii_alphanumeric() && !matches!(c, '0' | '1' | '8' | '9')).collect();
    Entry::new(issuer, label, totp_from(key_from_text(&cleaned), "SHA1", 6, 30))
}

/// KeeOtp / KeePassXC's `key=BASE32&size=6&step=30&otpHashMode=Sha256`.
fn keeotp(v: &str) -> Result<super::Totp, Unusable> {
    let mut key = None;
    let (mut digits, mut step, mut algo) = (6i64, 30i64, String::from("SHA1"));
    for (k, val) in form_urlencoded::parse(v.as_bytes()) {
        match k.to_ascii_lowercase().as_str() {
            "key" => key = Some(val.into_owned()),
            "size" => digits = val.trim().parse().unwrap_or(-1),
            "step" => step = val.trim().parse().unwrap_or(-1),
            "otphashmode" => algo = val.into_owned(),
            "type" if !val.eq_ignore_ascii_case("totp") => return Err(Unusable::Hotp),
            _ => {}
        }
    }
    let key = key.ok_or_else(|| Unusable::Unsupported("the OTP field has no key".to_owned()))?;
    totp_from(key_from_text(&key), &algo, digits, step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Params;

    const K: &str = "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW";

    #[test]
    fn our_export_and_other_apps_lines_read() {
        let text = format!(
            "# eproc-a2f export\notpauth://totp/eproc-a2f%20trf4:RS1?secret={K}&algorithm=SHA1&digits=6&period=30&issuer=eproc-a2f%20trf4\n\n\
             otpauth://totp/GitHub:maria?secret={K}&issuer=GitHub\n\
             otpauth://hotp/TRF4:RS2?secret={K}&counter=4\n\
             otpauth://totp/Steam:x?secret={K}&encoder=steam\n\
             otpauth://totp/TRF4:RS3?secret={K}&digits=12\n"
        );
        let r = read_lines(&text).unwrap();
        assert_eq!(r.format, Format::Otpauth);
        assert_eq!(r.entries.len(), 5);
        assert_eq!(r.entries[0].issuer.as_deref(), Some("eproc-a2f trf4"));
        assert_eq!(r.entries[0].account, "RS1");
        assert_eq!(r.entries[0].otp.as_ref().unwrap().params, Params::default());
        assert_eq!(r.entries[2].otp, Err(Unusable::Hotp));
        assert_eq!(r.entries[2].account, "RS2");
        assert!(matches!(&r.entries[3].otp, Err(Unusable::Unsupported(_))));
        assert!(matches!(&r.entries[4].otp, Err(Unusable::Unsupported(m)) if m.contains("12")));
        assert!(read_lines("hello\n").is_err());
    }

    #[test]
    fn password_manager_fields() {
        let e = otp_field(&format!("otpauth://totp/?secret={K}"), Some("eproc TRF4"), "RS9");
        assert_eq!((e.issuer.as_deref(), e.account.as_str()), (Some("eproc TRF4"), "RS9"));
        assert!(e.otp.is_ok());
        let e = otp_field("mmzd imru gzrg cnrq ga2g mmrw mvqw izbw", Some("TRF4"), "RS9");
        assert_eq!(e.otp.unwrap().key.to_base32(), K);
        let e = otp_field(&format!("key={K}&size=8&step=60&otpHashMode=Sha256"), Some("TRF4"), "RS9");
        assert_eq!(e.otp.unwrap().params, Params { algorithm: crate::secret::Algorithm::Sha256, digits: 8, period: 60 });
        assert!(otp_field("steam://ABCDEFGH", None, "x").otp.is_err());
        assert!(otp_field("", None, "x").otp.is_err());
    }

    #[test]
    fn batches_are_checked() {
        assert_eq!(batch_of(&[(5, 3, 0), (5, 3, 2)]).unwrap().unwrap().missing, [1]);
        assert_eq!(batch_of(&[(0, 1, 0)]).unwrap().unwrap().missing, Vec::<i32>::new());
        assert!(matches!(batch_of(&[(5, 2, 0), (6, 2, 1)]), Err(ImportError::Invalid { reason: "mixed_batches", .. })));
    }
}
