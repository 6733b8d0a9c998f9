//! Google Authenticator's "Transferir contas" QR codes: `otpauth-migration://offline?data=<base64
//! of a protobuf MigrationPayload>`. The message types follow the public `.proto` (Aegis's
//! `google_auth.proto`; field numbers in the shared formats notes), declared with prost's derive so
//! no `protoc` is needed. Both directions: the reader for import, the writer for
//! `eproc-a2f export --format google-migration`.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use prost::Message;

use super::{key_from_bytes, Entry, ImportError, Totp, Unusable};
use crate::secret::{Algorithm, Params, SecretKey};

#[derive(Clone, PartialEq, Message)]
pub struct MigrationPayload {
    #[prost(message, repeated, tag = "1")]
    pub otp_parameters: Vec<OtpParameters>,
    #[prost(int32, tag = "2")]
    pub version: i32,
    #[prost(int32, tag = "3")]
    pub batch_size: i32,
    #[prost(int32, tag = "4")]
    pub batch_index: i32,
    #[prost(int32, tag = "5")]
    pub batch_id: i32,
}

/// One account. `secret` is the raw key: `Debug` redacts it (prost's derived `Debug` would print
/// it), and it is wiped on drop; entries leave this module as [`Entry`], whose key is a
/// [`SecretKey`].
#[derive(Clone, PartialEq, Message)]
#[prost(skip_debug)]
pub struct OtpParameters {
    #[prost(bytes = "vec", tag = "1")]
    pub secret: Vec<u8>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub issuer: String,
    #[prost(int32, tag = "4")]
    pub algorithm: i32,
    #[prost(int32, tag = "5")]
    pub digits: i32,
    #[prost(int32, tag = "6")]
    pub r#type: i32,
    #[prost(int64, tag = "7")]
    pub counter: i64,
}

impl std::fmt::Debug for OtpParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpParameters")
            .field("secret", &format_args!("<{} bytes redacted>", self.secret.len()))
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("type", &self.r#type)
            .finish()
    }
}

impl Drop for OtpParameters {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

/// Algorithm enum: 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5.
const ALGO_SHA1: i32 = 1;
const ALGO_SHA256: i32 = 2;
const ALGO_SHA512: i32 = 3;
/// DigitCount enum: 0 unspecified, 1 six, 2 eight.
const DIGITS_SIX: i32 = 1;
const DIGITS_EIGHT: i32 = 2;
/// OtpType enum: 0 unspecified, 1 HOTP, 2 TOTP.
const TYPE_HOTP: i32 = 1;
const TYPE_TOTP: i32 = 2;

/// Accounts per QR code written. The app itself puts about 10 in one; large codes fail to scan
/// on phones, and 5 keeps a code small enough for a laptop screen.
pub const ACCOUNTS_PER_CODE: usize = 5;

/// One decoded QR code: its batch position and its entries.
pub struct Decoded {
    pub batch_id: i32,
    pub batch_size: i32,
    pub batch_index: i32,
    pub entries: Vec<Entry>,
}

/// Decodes one `otpauth-migration://offline?data=...` URI.
pub fn decode_uri(uri: &str) -> Result<Decoded, ImportError> {
    let rest = strip_prefix_ci(uri.trim(), "otpauth-migration://").ok_or_else(|| ImportError::invalid("not_offline", "not an otpauth-migration:// URI"))?;
    let (host, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !host.trim_end_matches('/').eq_ignore_ascii_case("offline") {
        return Err(ImportError::invalid("not_offline", "the URI's host must be \"offline\""));
    }
    // The query is percent-decoded here, never by a form decoder: that would turn the base64 `+`
    // into a space (a bug of several decoders). A space that is there anyway (the text went
    // through one) is put back as `+`.
    let data = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("data="))
        .ok_or_else(|| ImportError::invalid("truncated", "the URI has no data parameter"))?;
    let data = percent_decode_str(data).decode_utf8().map_err(|_| ImportError::invalid("bad_base64", "data is not text"))?;
    let data: String = data.chars().filter(|c| !matches!(c, '\n' | '\r' | '\t')).map(|c| match c {
        ' ' => '+',
        '-' => '+',
        '_' => '/',
        c => c,
    }).collect();
    let bytes = decode_base64(&data)?;
    decode_payload(&bytes)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).map(|_| &s[prefix.len()..])
}

fn decode_base64(data: &str) -> Result<Vec<u8>, ImportError> {
    const LENIENT: GeneralPurpose =
        GeneralPurpose::new(&base64::alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent));
    if let Some((i, _)) = data.char_indices().find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))) {
        return Err(ImportError::invalid("bad_base64", format!("character {} of data is not base64", i + 1)));
    }
    let unpadded = data.trim_end_matches('=');
    if unpadded.len() % 4 == 1 {
        return Err(ImportError::invalid("truncated", "data ends in the middle of a base64 group"));
    }
    LENIENT.decode(data).map_err(|e| ImportError::invalid("bad_base64", e.to_string()))
}

fn decode_payload(bytes: &[u8]) -> Result<Decoded, ImportError> {
    let payload = MigrationPayload::decode(bytes).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("underflow") || msg.contains("unexpected end") {
            ImportError::invalid("truncated", "the payload ends early")
        } else {
            ImportError::invalid("corrupt_protobuf", msg)
        }
    })?;
    let entries = payload.otp_parameters.iter().map(entry_of).collect();
    Ok(Decoded { batch_id: payload.batch_id, batch_size: payload.batch_size, batch_index: payload.batch_index, entries })
}

fn entry_of(p: &OtpParameters) -> Entry {
    let otp = (|| {
        match p.r#type {
            TYPE_HOTP => return Err(Unusable::Hotp),
            TYPE_TOTP | 0 => {}
            t => return Err(Unusable::Unsupported(format!("OTP type {t} is unknown"))),
        }
        let algorithm = match p.algorithm {
            0 | ALGO_SHA1 => Algorithm::Sha1,
            ALGO_SHA256 => Algorithm::Sha256,
            ALGO_SHA512 => Algorithm::Sha512,
            4 => return Err(Unusable::Unsupported("algorithm MD5 is not supported".to_owned())),
            a => return Err(Unusable::Unsupported(format!("algorithm {a} is unknown"))),
        };
        let digits = match p.digits {
            0 | DIGITS_SIX => 6,
            DIGITS_EIGHT => 8,
            d => return Err(Unusable::Unsupported(format!("digit count {d} is unknown"))),
        };
        // The format has no period: it is always 30 s.
        let params = Params { algorithm, digits, period: 30 };
        let key = key_from_bytes(p.secret.clone()).map_err(Unusable::Unsupported)?;
        Ok(Totp { key, params })
    })();
    Entry::new(Some(&p.issuer), &p.name, otp)
}

/// One account to write into an export QR code.
pub struct Outgoing<'a> {
    pub key: &'a SecretKey,
    pub params: Params,
    pub issuer: &'a str,
    pub name: &'a str,
}

/// Escapes everything but unreserved characters (so `+`, `/` and `=` of the base64 are `%2B`...).
const DATA_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The `otpauth-migration://` URIs for these accounts, [`ACCOUNTS_PER_CODE`] per code, one batch.
/// Keys with a period other than 30 s or 7 digits cannot be written (the format has no field for
/// them): they are refused by index.
pub fn encode_uris(accounts: &[Outgoing<'_>], batch_id: i32) -> Result<zeroize::Zeroizing<Vec<String>>, usize> {
    if let Some(i) = accounts.iter().position(|a| a.params.period != 30 || a.params.digits == 7) {
        return Err(i);
    }
    let chunks: Vec<&[Outgoing<'_>]> = accounts.chunks(ACCOUNTS_PER_CODE).collect();
    let size = chunks.len() as i32;
    let mut out = zeroize::Zeroizing::new(Vec::new());
    for (i, chunk) in chunks.iter().enumerate() {
        let payload = MigrationPayload {
            otp_parameters: chunk
                .iter()
                .map(|a| OtpParameters {
                    secret: a.key.as_bytes().to_vec(),
                    name: a.name.to_owned(),
                    issuer: a.issuer.to_owned(),
                    algorithm: match a.params.algorithm {
                        Algorithm::Sha1 => ALGO_SHA1,
                        Algorithm::Sha256 => ALGO_SHA256,
                        Algorithm::Sha512 => ALGO_SHA512,
                    },
                    digits: if a.params.digits == 8 { DIGITS_EIGHT } else { DIGITS_SIX },
                    r#type: TYPE_TOTP,
                    counter: 0,
                })
                .collect(),
            version: 1,
            batch_size: size,
            batch_index: i as i32,
            batch_id,
        };
        let bytes = zeroize::Zeroizing::new(payload.encode_to_vec());
        let b64 = zeroize::Zeroizing::new(STANDARD.encode(bytes.as_slice()));
        out.push(format!("otpauth-migration://offline?data={}", utf8_percent_encode(&b64, DATA_ESCAPE)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> SecretKey {
        crate::secret::parse_key(s).unwrap().key
    }

    #[test]
    fn round_trip_through_our_writer() {
        let k1 = key("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW");
        let k2 = key("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
        let accounts: Vec<Outgoing> = (0..7)
            .map(|i| Outgoing {
                key: if i % 2 == 0 { &k1 } else { &k2 },
                params: Params { algorithm: if i == 3 { Algorithm::Sha256 } else { Algorithm::Sha1 }, digits: if i == 4 { 8 } else { 6 }, period: 30 },
                issuer: "eproc-a2f trf4",
                name: "RS 1+2/3",
            })
            .collect();
        let uris = encode_uris(&accounts, 77).unwrap();
        assert_eq!(uris.len(), 2);
        let a = decode_uri(&uris[0]).unwrap();
        let b = decode_uri(&uris[1]).unwrap();
        assert_eq!((a.batch_id, a.batch_size, a.batch_index, a.entries.len()), (77, 2, 0, 5));
        assert_eq!((b.batch_index, b.entries.len()), (1, 2));
        let e = &a.entries[3];
        assert_eq!(e.issuer.as_deref(), Some("eproc-a2f trf4"));
        assert_eq!(e.account, "RS 1+2/3");
        let t = e.otp.as_ref().unwrap();
        assert_eq!(t.key, k2);
        assert_eq!(t.params.algorithm, Algorithm::Sha256);
        assert_eq!(a.entries[4].otp.as_ref().unwrap().params.digits, 8);
        assert!(encode_uris(&[Outgoing { key: &k1, params: Params { period: 60, ..Params::default() }, issuer: "", name: "x" }], 1).is_err());
    }

    #[test]
    fn the_plus_pitfall_and_unescaped_forms_decode() {
        let k = key("MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW");
        let uri = encode_uris(&[Outgoing { key: &k, params: Params::default(), issuer: "TRF4", name: "RS1" }], 0).unwrap()[0].clone();
        let raw = percent_decode_str(&uri).decode_utf8().unwrap().into_owned();
        // Escaped, unescaped, `+` turned into spaces by a form decoder, padding dropped.
        for variant in [uri.clone(), raw.clone(), raw.replace('+', " "), raw.trim_end_matches('=').to_owned()] {
            assert_eq!(decode_uri(&variant).unwrap().entries[0].otp.as_ref().unwrap().key, k, "{variant}");
        }
        assert!(raw.contains('+') || raw.contains('/'), "the test key should exercise the pitfall: {raw}");
    }

    #[test]
    fn damaged_uris_have_their_reasons() {
        let reason = |u: &str| decode_uri(u).err().and_then(|e| e.reason());
        assert_eq!(reason("otpauth-migration://online?data=AAAA"), Some("not_offline"));
        assert_eq!(reason("otpauth-migration://offline?data=AB*D"), Some("bad_base64"));
        assert_eq!(reason("otpauth-migration://offline"), Some("truncated"));
        // A field header announcing 10 bytes of secret, then the data stops.
        let truncated = STANDARD.encode([0x0a, 0x0c, 0x0a, 0x0a, 1, 2, 3]);
        assert_eq!(reason(&format!("otpauth-migration://offline?data={truncated}")), Some("truncated"));
        // Wire type 7 does not exist.
        let corrupt = STANDARD.encode([0x0f, 0x01, 0x02, 0x03]);
        assert_eq!(reason(&format!("otpauth-migration://offline?data={corrupt}")), Some("corrupt_protobuf"));
        assert_eq!(reason("otpauth-migration://offline?data=QUJDR"), Some("truncated"));
    }

    #[test]
    fn debug_never_shows_the_raw_secret() {
        let p = MigrationPayload {
            otp_parameters: vec![OtpParameters { secret: vec![0xAB; 20], name: "n".into(), issuer: "i".into(), algorithm: 1, digits: 1, r#type: 2, counter: 0 }],
            version: 1,
            batch_size: 1,
            batch_index: 0,
            batch_id: 0,
        };
        let d = format!("{p:?}");
        assert!(d.contains("20 bytes redacted") && !d.contains("171") && !d.contains("AB"), "{d}");
    }

    #[test]
    fn hotp_md5_and_unknown_values_are_unusable_with_reasons() {
        let p = |t: i32, a: i32, d: i32| OtpParameters { secret: vec![1; 20], name: "n".into(), issuer: "i".into(), algorithm: a, digits: d, r#type: t, counter: 3 };
        assert_eq!(entry_of(&p(1, 1, 1)).otp, Err(Unusable::Hotp));
        assert!(matches!(entry_of(&p(2, 4, 1)).otp, Err(Unusable::Unsupported(r)) if r.contains("MD5")));
        assert!(matches!(entry_of(&p(2, 1, 5)).otp, Err(Unusable::Unsupported(_))));
        assert!(matches!(entry_of(&p(9, 1, 1)).otp, Err(Unusable::Unsupported(_))));
        // Unspecified values are SHA1, 6 digits, TOTP (as Aegis reads them).
        assert_eq!(entry_of(&p(0, 0, 0)).otp.unwrap().params, Params::default());
        let mut short = p(2, 1, 1);
        short.secret = vec![1; 5];
        assert!(matches!(entry_of(&short).otp, Err(Unusable::Unsupported(_))));
    }
}
