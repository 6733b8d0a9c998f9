//! TOTP keys as eproc and Keycloak show them, and `otpauth://` URIs.
//!
//! eproc shows the key in groups of four (`MMZD IMRU GZRG ...`); people copy it with spaces,
//! dashes, line breaks, in lower case, with or without `=` padding. All of that is accepted; a
//! wrong character is reported with its position so the user can find it on screen.

use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use url::Url;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// HMAC algorithm of the TOTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Algorithm {
    #[default]
    #[serde(rename = "SHA1", alias = "sha1")]
    Sha1,
    #[serde(rename = "SHA256", alias = "sha256")]
    Sha256,
    #[serde(rename = "SHA512", alias = "sha512")]
    Sha512,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    pub fn parse(s: &str) -> Option<Algorithm> {
        match s.trim().to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Some(Algorithm::Sha1),
            "SHA256" => Some(Algorithm::Sha256),
            "SHA512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }
}

/// Code parameters. eproc uses the defaults (SHA1, 6 digits, 30 s); Keycloak shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    #[serde(default)]
    pub algorithm: Algorithm,
    #[serde(default = "default_digits")]
    pub digits: u8,
    #[serde(default = "default_period")]
    pub period: u32,
}

fn default_digits() -> u8 {
    6
}
fn default_period() -> u32 {
    30
}

impl Default for Params {
    fn default() -> Self {
        Params { algorithm: Algorithm::Sha1, digits: 6, period: 30 }
    }
}

impl Params {
    pub const MIN_DIGITS: u8 = 6;
    pub const MAX_DIGITS: u8 = 8;
    pub const MAX_PERIOD: u32 = 300;

    pub fn new(algorithm: Algorithm, digits: u8, period: u32) -> Result<Params, KeyError> {
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits) {
            return Err(KeyError::Digits(digits as u64));
        }
        if period == 0 || period > Self::MAX_PERIOD {
            return Err(KeyError::Period(period as u64));
        }
        Ok(Params { algorithm, digits, period })
    }

    pub fn validate(self) -> Result<Params, KeyError> {
        Params::new(self.algorithm, self.digits, self.period)
    }
}

/// Decoded key bytes, wiped from memory on drop and never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey(Vec<u8>);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(<{} bytes redacted>)", self.0.len())
    }
}

impl SecretKey {
    pub const MIN_BITS: usize = 80;
    pub const RECOMMENDED_BITS: usize = 128;
    pub const MAX_BYTES: usize = 256;

    /// Reads a key stored in canonical form (what [`SecretKey::to_base32`] writes: RFC 4648
    /// base32, upper case, no padding, no trailing bits), as stores keep it. Unlike [`parse_key`],
    /// which reads what a page shows, anything else is `None`.
    pub fn from_canonical_base32(s: &str) -> Option<SecretKey> {
        let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, s)?;
        let key = SecretKey::from_bytes(bytes);
        (key.bits() >= SecretKey::MIN_BITS && key.to_base32() == s).then_some(key)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> SecretKey {
        SecretKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Canonical form: upper-case base32 without padding (what the keyring stores).
    pub fn to_base32(&self) -> String {
        base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &self.0)
    }

    /// The way eproc displays it: groups of four.
    pub fn to_grouped(&self) -> String {
        let b = self.to_base32();
        b.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn bits(&self) -> usize {
        self.0.len() * 8
    }
}

/// Something the user should know about a key that was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyWarning {
    /// Fewer than 128 bits (eproc shows 160 or 256): accepted, but worth a second look.
    ShortKey,
}

/// Why a key or URI was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key is empty")]
    Empty,
    #[error("character {ch:?} at position {position} is not valid in a key (use A-Z and 2-7){hint}")]
    InvalidChar { ch: char, position: usize, hint: &'static str },
    #[error("the key has {len} characters, which is not a valid base32 length: a character is missing or extra")]
    BadLength { len: usize },
    #[error("the key has only {bits} bits; at least 80 are required")]
    TooShort { bits: usize },
    #[error("the key is too long ({bytes} bytes)")]
    TooLong { bytes: usize },
    #[error("'=' padding may only appear at the end of the key")]
    MisplacedPadding,
    #[error("{0} digits are not supported (6 to 8)")]
    Digits(u64),
    #[error("a period of {0} s is not supported (1 to 300)")]
    Period(u64),
    #[error("algorithm {0:?} is not supported (SHA1, SHA256, SHA512)")]
    Algorithm(String),
    #[error("not an otpauth://totp/ URI: {0}")]
    Uri(String),
}

impl KeyError {
    /// 1-based position of the offending character, when there is one.
    pub fn position(&self) -> Option<usize> {
        match self {
            KeyError::InvalidChar { position, .. } => Some(*position),
            _ => None,
        }
    }
}

/// A parsed key and its warnings.
#[derive(Debug, Clone)]
pub struct ParsedKey {
    pub key: SecretKey,
    pub warnings: Vec<KeyWarning>,
}

/// Parses a key as eproc/Keycloak show it: spaces, tabs, line breaks and dashes ignored, any case,
/// `=` padding optional. Positions in errors count characters of the input as given, from 1.
pub fn parse_key(input: &str) -> Result<ParsedKey, KeyError> {
    let mut clean = String::with_capacity(input.len());
    let mut padding_seen = false;
    for (i, ch) in input.chars().enumerate() {
        let position = i + 1;
        match ch {
            ' ' | '\t' | '\n' | '\r' | '-' | '\u{a0}' => continue,
            '=' => padding_seen = true,
            'a'..='z' | 'A'..='Z' | '2'..='7' => {
                if padding_seen {
                    return Err(KeyError::MisplacedPadding);
                }
                clean.push(ch.to_ascii_uppercase());
            }
            _ => {
                let hint = match ch {
                    '0' => " (0 is not used in keys: did you mean the letter O?)",
                    '1' => " (1 is not used in keys: did you mean the letter I or L?)",
                    '8' => " (8 is not used in keys: did you mean the letter B?)",
                    '9' => " (9 is not used in keys)",
                    _ => "",
                };
                return Err(KeyError::InvalidChar { ch, position, hint });
            }
        }
    }
    if clean.is_empty() {
        return Err(KeyError::Empty);
    }
    // Unpadded base32 lengths: a remainder of 1, 3 or 6 characters cannot encode whole bytes.
    if matches!(clean.len() % 8, 1 | 3 | 6) {
        return Err(KeyError::BadLength { len: clean.len() });
    }
    // The `base32` crate (already used by totp-rs) ignores trailing bits: eproc's 52-character
    // keys carry 4 of them, which strict decoders refuse and authenticator apps ignore.
    let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, &clean)
        .ok_or(KeyError::BadLength { len: clean.len() })?;
    clean.zeroize();
    let key = SecretKey(bytes);
    if key.bits() < SecretKey::MIN_BITS {
        return Err(KeyError::TooShort { bits: key.bits() });
    }
    if key.0.len() > SecretKey::MAX_BYTES {
        return Err(KeyError::TooLong { bytes: key.0.len() });
    }
    let mut warnings = Vec::new();
    if key.bits() < SecretKey::RECOMMENDED_BITS {
        warnings.push(KeyWarning::ShortKey);
    }
    Ok(ParsedKey { key, warnings })
}

/// An `otpauth://totp/...` URI, the format of QR codes and of our export.
#[derive(Debug, Clone)]
pub struct OtpAuth {
    pub key: SecretKey,
    pub params: Params,
    pub issuer: Option<String>,
    pub account: String,
    pub warnings: Vec<KeyWarning>,
}

/// Characters escaped in the label and query values.
const URI_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'@');

impl OtpAuth {
    pub fn parse(uri: &str) -> Result<OtpAuth, KeyError> {
        let bad = |why: &str| KeyError::Uri(why.to_owned());
        let uri = uri.trim();
        // Check the scheme before the URL parser: special schemes (`https:`, `wss:`...) would run
        // their host through IDNA (see `Registry::resolve`; found by the `otpauth` fuzz target).
        if !uri.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("otpauth:")) {
            return Err(bad("scheme must be otpauth"));
        }
        let url = Url::parse(uri).map_err(|_| bad("not a URI"))?;
        if url.scheme() != "otpauth" {
            return Err(bad("scheme must be otpauth"));
        }
        match url.host_str() {
            Some(h) if h.eq_ignore_ascii_case("totp") => {}
            Some(h) if h.eq_ignore_ascii_case("hotp") => return Err(bad("HOTP keys are not used by eproc")),
            _ => return Err(bad("type must be totp")),
        }
        let label = percent_decode_str(url.path().trim_start_matches('/'))
            .decode_utf8()
            .map_err(|_| bad("label is not UTF-8"))?
            .into_owned();
        let (label_issuer, account) = match label.split_once(':') {
            Some((i, a)) => (Some(i.trim().to_owned()), a.trim().to_owned()),
            None => (None, label.trim().to_owned()),
        };
        let mut secret = None;
        let mut issuer = label_issuer;
        let mut algorithm = Algorithm::Sha1;
        let mut digits = 6u64;
        let mut period = 30u64;
        for (k, v) in url.query_pairs() {
            match k.to_ascii_lowercase().as_str() {
                "secret" => secret = Some(parse_key(&v)?),
                "issuer" => issuer = Some(v.trim().to_owned()),
                "algorithm" => {
                    algorithm = Algorithm::parse(&v).ok_or_else(|| KeyError::Algorithm(v.to_string()))?
                }
                "digits" => digits = v.trim().parse().map_err(|_| KeyError::Digits(0))?,
                "period" => period = v.trim().parse().map_err(|_| KeyError::Period(0))?,
                _ => {}
            }
        }
        let parsed = secret.ok_or_else(|| bad("the secret parameter is missing"))?;
        let digits = u8::try_from(digits).map_err(|_| KeyError::Digits(digits))?;
        let period = u32::try_from(period).map_err(|_| KeyError::Period(period))?;
        let params = Params::new(algorithm, digits, period)?;
        Ok(OtpAuth {
            key: parsed.key,
            params,
            issuer: issuer.filter(|s| !s.is_empty()),
            account,
            warnings: parsed.warnings,
        })
    }

    pub fn to_uri(&self) -> String {
        let enc = |s: &str| utf8_percent_encode(s, URI_ESCAPE).to_string();
        let label = match &self.issuer {
            Some(i) => format!("{}:{}", enc(i), enc(&self.account)),
            None => enc(&self.account),
        };
        let mut uri = format!(
            "otpauth://totp/{label}?secret={}&algorithm={}&digits={}&period={}",
            self.key.to_base32(),
            self.params.algorithm.as_str(),
            self.params.digits,
            self.params.period
        );
        if let Some(i) = &self.issuer {
            uri.push_str("&issuer=");
            uri.push_str(&enc(i));
        }
        uri
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPROC_KEY: &str = "MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW";

    #[test]
    fn eproc_grouped_key_parses() {
        let k = parse_key(EPROC_KEY).unwrap();
        assert_eq!(k.key.bits(), 160);
        assert!(k.warnings.is_empty());
        assert_eq!(k.key.to_grouped(), EPROC_KEY);
        // Case, dashes, padding, line breaks.
        let lower = parse_key("mmzd-imru-gzrg-cnrq\nga2g mmrw mvqw izbw").unwrap();
        assert_eq!(lower.key, k.key);
        let padded = parse_key("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW====").unwrap();
        assert_eq!(padded.key, k.key);
    }

    #[test]
    fn fifty_two_character_keys_parse_with_trailing_bits() {
        let k = parse_key("JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP JBSW").unwrap();
        assert_eq!(k.key.as_bytes().len(), 32);
    }

    #[test]
    fn short_keys_warn_and_tiny_keys_fail() {
        let k = parse_key("JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(k.key.bits(), 80);
        assert_eq!(k.warnings, [KeyWarning::ShortKey]);
        assert_eq!(parse_key("JBSWY3DP").unwrap_err(), KeyError::TooShort { bits: 40 });
    }

    #[test]
    fn bad_character_is_pointed_at() {
        let e = parse_key("MMZD IMRU GZRG CNR0 GA2G").unwrap_err();
        assert_eq!(e.position(), Some(19));
        assert!(e.to_string().contains("letter O"), "{e}");
        assert!(matches!(parse_key("MMZD!").unwrap_err(), KeyError::InvalidChar { ch: '!', position: 5, .. }));
        assert_eq!(parse_key("   ").unwrap_err(), KeyError::Empty);
        assert_eq!(parse_key("MMZDIMRUG").unwrap_err(), KeyError::BadLength { len: 9 });
        assert_eq!(parse_key("MM==ZD").unwrap_err(), KeyError::MisplacedPadding);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let k = parse_key(EPROC_KEY).unwrap();
        let dbg = format!("{:?}", k);
        assert!(!dbg.contains("MMZD") && !dbg.contains("99"), "{dbg}");
    }

    #[test]
    fn otpauth_round_trip() {
        let u = OtpAuth::parse(
            "otpauth://totp/TRF4:Maria%20Silva?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=TRF4&algorithm=SHA256&digits=8&period=60",
        )
        .unwrap();
        assert_eq!(u.issuer.as_deref(), Some("TRF4"));
        assert_eq!(u.account, "Maria Silva");
        assert_eq!(u.params, Params { algorithm: Algorithm::Sha256, digits: 8, period: 60 });
        let again = OtpAuth::parse(&u.to_uri()).unwrap();
        assert_eq!(again.key, u.key);
        assert_eq!(again.params, u.params);
        assert_eq!(again.account, u.account);
        assert_eq!(again.issuer, u.issuer);
    }

    #[test]
    fn otpauth_refusals() {
        assert!(OtpAuth::parse("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1").is_err());
        assert!(OtpAuth::parse("https://totp/x?secret=JBSWY3DPEHPK3PXP").is_err());
        assert!(OtpAuth::parse("otpauth://totp/x").is_err());
        assert!(matches!(OtpAuth::parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=12"), Err(KeyError::Digits(12))));
        assert!(matches!(OtpAuth::parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5"), Err(KeyError::Algorithm(_))));
        assert!(matches!(OtpAuth::parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0"), Err(KeyError::Period(0))));
    }
}
