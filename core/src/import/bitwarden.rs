//! Bitwarden's unencrypted JSON export: `items[]` of type 1 (login) with `login.totp`, an
//! otpauth URI or a bare base32 key (then the item's `name` and `login.username` name it).
//! Encrypted exports (`encrypted: true`) cannot be read: Bitwarden's own key is needed.

use serde::Deserialize;

use super::uri::otp_field;
use super::{Format, ImportError, Read};

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(rename = "type", default)]
    kind: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    login: Option<Login>,
}

#[derive(Deserialize)]
struct Login {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    totp: Option<String>,
}

/// Bitwarden's item type of logins.
const LOGIN: i64 = 1;

pub fn read(text: &str) -> Result<Read, ImportError> {
    let file: File = serde_json::from_str(text)
        .map_err(|e| ImportError::invalid("bad_json", format!("not a Bitwarden export (line {} column {})", e.line(), e.column())))?;
    if file.encrypted {
        return Err(ImportError::UnknownFormat("bitwarden_encrypted"));
    }
    let entries = file
        .items
        .iter()
        .filter(|i| i.kind == LOGIN)
        .filter_map(|i| {
            let login = i.login.as_ref()?;
            let totp = login.totp.as_deref().filter(|t| !t.trim().is_empty())?;
            Some(otp_field(totp, Some(&i.name), login.username.as_deref().unwrap_or("")))
        })
        .collect();
    Ok(Read { format: Format::Bitwarden, encrypted: false, entries, batch: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_with_totp_are_read_by_uri_or_bare_key() {
        let text = r#"{"encrypted": false, "folders": [], "items": [
            {"type": 1, "name": "eproc JFPR", "login": {"username": "PR123", "password": "x", "totp": "MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW", "uris": [{"uri": "https://eproc.jfpr.jus.br/eprocV2/"}]}},
            {"type": 1, "name": "GitHub", "login": {"username": "m", "totp": "otpauth://totp/GitHub:m?secret=JBSWY3DPEHPK3PXP&issuer=GitHub&digits=8"}},
            {"type": 1, "name": "no totp", "login": {"username": "m", "totp": null}},
            {"type": 2, "name": "a note", "notes": "x"}]}"#;
        let r = read(text).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!((r.entries[0].issuer.as_deref(), r.entries[0].account.as_str()), (Some("eproc JFPR"), "PR123"));
        assert_eq!(r.entries[0].otp.as_ref().unwrap().key.to_base32(), "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW");
        assert_eq!(r.entries[1].issuer.as_deref(), Some("GitHub"));
        assert_eq!(r.entries[1].otp.as_ref().unwrap().params.digits, 8);
        assert_eq!(read(r#"{"encrypted": true, "items": []}"#).unwrap_err(), ImportError::UnknownFormat("bitwarden_encrypted"));
    }
}
