//! The JSON protocol between the extension and a code source (the native host, or the WASM core
//! in browser mode). Documented in `docs/protocol.md`; this module is its single definition.
//!
//! Every request is `{"id": <any>, "type": "<kind>", ...}`; every answer is
//! `{"id": <same>, "ok": true, ...}` or `{"id": <same>, "ok": false, "error": {"code", "message", ...}}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::i18n::Lang;
pub use crate::import::plan::{Choice as ImportChoice, Sensitive};

/// Bumped on incompatible changes. Answers to `hello` carry it.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest request a host accepts (the browser allows far more; nothing legitimate comes close).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// Largest answer the browser accepts from a host is 1 MB; stay well under it.
pub const MAX_RESPONSE_BYTES: usize = 1_000_000;

/// Field length caps: a request that exceeds them is refused before any work is done.
pub const MAX_URL_LEN: usize = 8 * 1024;
pub const MAX_USER_LEN: usize = 256;
pub const MAX_LABEL_LEN: usize = 256;
pub const MAX_SECRET_LEN: usize = 2 * 1024;

/// Machine-readable error codes. Stable: the extension maps them to its own localized texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidJson,
    InvalidRequest,
    UnknownType,
    MessageTooLarge,
    ForbiddenCaller,
    UnknownSite,
    NoAccount,
    UnknownAccount,
    ChooseAccount,
    InvalidKey,
    KeyExists,
    ConfirmRequired,
    KeyringUnavailable,
    KeyringLocked,
    KeyringError,
    SecretMissing,
    IndexCorrupt,
    StorageError,
    Busy,
    InternalError,
    // Import of other apps' exports (issue 11).
    ImportTooLarge,
    ImportUnknownFormat,
    ImportInvalid,
    ImportPasswordRequired,
    ImportWrongPassword,
    ImportEmpty,
    ExportRefused,
    // Court answers (issue 10).
    CodeWithheld,
    NothingToRestore,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::UnknownType => "unknown_type",
            ErrorCode::MessageTooLarge => "message_too_large",
            ErrorCode::ForbiddenCaller => "forbidden_caller",
            ErrorCode::UnknownSite => "unknown_site",
            ErrorCode::NoAccount => "no_account",
            ErrorCode::UnknownAccount => "unknown_account",
            ErrorCode::ChooseAccount => "choose_account",
            ErrorCode::InvalidKey => "invalid_key",
            ErrorCode::KeyExists => "key_exists",
            ErrorCode::ConfirmRequired => "confirm_required",
            ErrorCode::KeyringUnavailable => "keyring_unavailable",
            ErrorCode::KeyringLocked => "keyring_locked",
            ErrorCode::KeyringError => "keyring_error",
            ErrorCode::SecretMissing => "secret_missing",
            ErrorCode::IndexCorrupt => "index_corrupt",
            ErrorCode::StorageError => "storage_error",
            ErrorCode::Busy => "busy",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::ImportTooLarge => "import_too_large",
            ErrorCode::ImportUnknownFormat => "import_unknown_format",
            ErrorCode::ImportInvalid => "import_invalid",
            ErrorCode::ImportPasswordRequired => "import_password_required",
            ErrorCode::ImportWrongPassword => "import_wrong_password",
            ErrorCode::ImportEmpty => "import_empty",
            ErrorCode::ExportRefused => "export_refused",
            ErrorCode::CodeWithheld => "code_withheld",
            ErrorCode::NothingToRestore => "nothing_to_restore",
        }
    }

    pub const ALL: [ErrorCode; 29] = [
        ErrorCode::InvalidJson,
        ErrorCode::InvalidRequest,
        ErrorCode::UnknownType,
        ErrorCode::MessageTooLarge,
        ErrorCode::ForbiddenCaller,
        ErrorCode::UnknownSite,
        ErrorCode::NoAccount,
        ErrorCode::UnknownAccount,
        ErrorCode::ChooseAccount,
        ErrorCode::InvalidKey,
        ErrorCode::KeyExists,
        ErrorCode::ConfirmRequired,
        ErrorCode::KeyringUnavailable,
        ErrorCode::KeyringLocked,
        ErrorCode::KeyringError,
        ErrorCode::SecretMissing,
        ErrorCode::IndexCorrupt,
        ErrorCode::StorageError,
        ErrorCode::Busy,
        ErrorCode::InternalError,
        ErrorCode::ImportTooLarge,
        ErrorCode::ImportUnknownFormat,
        ErrorCode::ImportInvalid,
        ErrorCode::ImportPasswordRequired,
        ErrorCode::ImportWrongPassword,
        ErrorCode::ImportEmpty,
        ErrorCode::ExportRefused,
        ErrorCode::CodeWithheld,
        ErrorCode::NothingToRestore,
    ];
}

/// An error answer: code, a user-facing message, optional detail and extra fields
/// (`accounts` for `choose_account`, `position` for `invalid_key`, `reason` for `unknown_site`).
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolError {
    pub code: ErrorCode,
    /// Technical detail in English, safe to show (never a secret).
    pub detail: Option<String>,
    pub extra: Map<String, Value>,
}

impl ProtocolError {
    pub fn new(code: ErrorCode) -> Self {
        ProtocolError { code, detail: None, extra: Map::new() }
    }

    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }

    pub fn with(mut self, key: &str, v: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), v.into());
        self
    }

    pub fn to_json(&self, lang: Lang) -> Value {
        let mut err = Map::new();
        err.insert("code".into(), self.code.as_str().into());
        err.insert("message".into(), crate::i18n::error_message(self.code, lang).into());
        if let Some(d) = &self.detail {
            err.insert("detail".into(), d.clone().into());
        }
        for (k, v) in &self.extra {
            err.insert(k.clone(), v.clone());
        }
        Value::Object(err)
    }
}

/// A request, after its envelope was checked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    Hello {},
    Systems {},
    Accounts {
        #[serde(default)]
        url: Option<String>,
    },
    Code {
        #[serde(default)]
        url: Option<String>,
        #[serde(default)]
        authenticator: Option<String>,
        #[serde(default)]
        user: Option<String>,
        /// Show the current code without using up its step (popup display).
        #[serde(default)]
        peek: bool,
        /// Court time minus computer time, in ms (the extension estimates it from the court's
        /// `Date` headers); the code is the one of the court's clock. At most
        /// [`MAX_CLOCK_OFFSET_MS`] either way.
        #[serde(default)]
        clock_offset_ms: Option<i64>,
    },
    /// What the court said of a code the product handed out (issue 10; `crate::rejection`).
    LoginResult {
        #[serde(default)]
        url: Option<String>,
        #[serde(default)]
        authenticator: Option<String>,
        #[serde(default)]
        user: Option<String>,
        outcome: LoginOutcome,
        /// The step of the code the court answered about, when known.
        #[serde(default)]
        step: Option<u64>,
    },
    /// Swaps an account's current key and the key a replacing enrollment kept.
    Restore {
        #[serde(default)]
        url: Option<String>,
        #[serde(default)]
        authenticator: Option<String>,
        user: String,
    },
    Enroll {
        url: String,
        user: String,
        secret: String,
        #[serde(default)]
        label: Option<String>,
        #[serde(default)]
        algorithm: Option<String>,
        #[serde(default)]
        digits: Option<u8>,
        #[serde(default)]
        period: Option<u32>,
        #[serde(default)]
        replace: bool,
        /// As in `code`: the confirmation code (and the step it claims) at the court's clock.
        #[serde(default)]
        clock_offset_ms: Option<i64>,
    },
    /// Sets or clears an account's friendly name (options page).
    Label {
        #[serde(default)]
        url: Option<String>,
        #[serde(default)]
        authenticator: Option<String>,
        user: String,
        #[serde(default)]
        label: Option<String>,
    },
    Remove {
        #[serde(default)]
        url: Option<String>,
        #[serde(default)]
        authenticator: Option<String>,
        user: String,
        #[serde(default)]
        confirm: bool,
    },
    /// What importing a file of another app would do (issue 11; `crate::import::plan`).
    ImportPreview {
        #[serde(default)]
        text: Option<Sensitive>,
        #[serde(default)]
        data: Option<Sensitive>,
        #[serde(default)]
        format: Option<String>,
        #[serde(default)]
        password: Option<Sensitive>,
        #[serde(default)]
        system: Option<String>,
    },
    /// Imports the chosen entries of the same file.
    ImportApply {
        #[serde(default)]
        text: Option<Sensitive>,
        #[serde(default)]
        data: Option<Sensitive>,
        #[serde(default)]
        format: Option<String>,
        #[serde(default)]
        password: Option<Sensitive>,
        #[serde(default)]
        system: Option<String>,
        #[serde(default)]
        choices: Option<Vec<ImportChoice>>,
        #[serde(default)]
        replace: bool,
    },
    /// Every key as Google Authenticator transfer codes, for a new phone (options page, browser
    /// mode only: the native host refuses it, keys leave the keyring only by `eproc-a2f export`).
    Export {
        #[serde(default)]
        format: Option<String>,
    },
}

/// What a court said of a code (`login_result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginOutcome {
    /// The court refused the code ("Código autenticador inválido", Keycloak's invalid OTP).
    Rejected,
    /// A login succeeded (the court's application page after the code).
    Accepted,
    /// The user cleared the record (popup).
    Reset,
}

/// Largest `clock_offset_ms` either way: 10 minutes. A court clock further off is a broken
/// `Date` header or a broken computer clock, and the extension shows a notice instead.
pub const MAX_CLOCK_OFFSET_MS: i64 = 600_000;

/// The request kinds this protocol version knows.
pub const REQUEST_TYPES: [&str; 12] = [
    "hello", "systems", "accounts", "code", "enroll", "label", "remove", "import_preview", "import_apply", "export", "login_result", "restore",
];

/// Parses one request. On failure the `id` is still returned when it could be read, so that the
/// error answer can carry it.
pub fn parse_request(bytes: &[u8]) -> (Value, Result<Request, ProtocolError>) {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return (
                Value::Null,
                Err(ProtocolError::new(ErrorCode::InvalidJson).detail(format!("invalid UTF-8 at byte {}", e.valid_up_to()))),
            )
        }
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return (
                Value::Null,
                Err(ProtocolError::new(ErrorCode::InvalidJson).detail(e.to_string())),
            )
        }
    };
    let Value::Object(obj) = value else {
        return (Value::Null, Err(ProtocolError::new(ErrorCode::InvalidRequest).detail("a request is a JSON object")));
    };
    let id = obj.get("id").cloned().unwrap_or(Value::Null);
    let ty = match obj.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(_) => return (id, Err(ProtocolError::new(ErrorCode::InvalidRequest).detail("field `type` must be a string"))),
        None => return (id, Err(ProtocolError::new(ErrorCode::InvalidRequest).detail("field `type` is missing"))),
    };
    if !REQUEST_TYPES.contains(&ty.as_str()) {
        let shown: String = ty.chars().take(64).collect();
        return (id, Err(ProtocolError::new(ErrorCode::UnknownType).detail(format!("unknown type {shown:?}"))));
    }
    let mut body = obj;
    body.remove("id");
    match serde_json::from_value::<Request>(Value::Object(body)) {
        Ok(req) => match check_lengths(&req) {
            Ok(()) => (id, Ok(req)),
            Err(e) => (id, Err(e)),
        },
        Err(e) => (id, Err(ProtocolError::new(ErrorCode::InvalidRequest).detail(e.to_string()))),
    }
}

fn too_long(field: &str, max: usize) -> ProtocolError {
    ProtocolError::new(ErrorCode::InvalidRequest).detail(format!("field `{field}` is longer than {max} characters"))
}

fn check_offset(offset: Option<i64>) -> Result<(), ProtocolError> {
    match offset {
        Some(o) if o.unsigned_abs() > MAX_CLOCK_OFFSET_MS as u64 => Err(ProtocolError::new(ErrorCode::InvalidRequest)
            .detail(format!("field `clock_offset_ms` is beyond ±{MAX_CLOCK_OFFSET_MS}"))
            .with("reason", "clock_offset_out_of_range")),
        _ => Ok(()),
    }
}

fn check_lengths(req: &Request) -> Result<(), ProtocolError> {
    let check = |field: &str, v: Option<&String>, max: usize| match v {
        Some(s) if s.len() > max => Err(too_long(field, max)),
        _ => Ok(()),
    };
    match req {
        Request::Hello {} | Request::Systems {} => Ok(()),
        Request::Accounts { url } => check("url", url.as_ref(), MAX_URL_LEN),
        Request::Code { url, authenticator, user, clock_offset_ms, .. } => {
            check("url", url.as_ref(), MAX_URL_LEN)?;
            check("authenticator", authenticator.as_ref(), MAX_USER_LEN)?;
            check("user", user.as_ref(), MAX_USER_LEN)?;
            check_offset(*clock_offset_ms)
        }
        Request::LoginResult { url, authenticator, user, .. } => {
            check("url", url.as_ref(), MAX_URL_LEN)?;
            check("authenticator", authenticator.as_ref(), MAX_USER_LEN)?;
            check("user", user.as_ref(), MAX_USER_LEN)
        }
        Request::Restore { url, authenticator, user } => {
            check("url", url.as_ref(), MAX_URL_LEN)?;
            check("authenticator", authenticator.as_ref(), MAX_USER_LEN)?;
            check("user", Some(user), MAX_USER_LEN)
        }
        Request::Enroll { url, user, secret, label, algorithm, clock_offset_ms, .. } => {
            check("url", Some(url), MAX_URL_LEN)?;
            check("user", Some(user), MAX_USER_LEN)?;
            check("secret", Some(secret), MAX_SECRET_LEN)?;
            check("label", label.as_ref(), MAX_LABEL_LEN)?;
            check("algorithm", algorithm.as_ref(), 16)?;
            check_offset(*clock_offset_ms)
        }
        Request::Label { url, authenticator, user, label } => {
            check("url", url.as_ref(), MAX_URL_LEN)?;
            check("authenticator", authenticator.as_ref(), MAX_USER_LEN)?;
            check("user", Some(user), MAX_USER_LEN)?;
            check("label", label.as_ref(), MAX_LABEL_LEN)
        }
        Request::Remove { url, authenticator, user, .. } => {
            check("url", url.as_ref(), MAX_URL_LEN)?;
            check("authenticator", authenticator.as_ref(), MAX_USER_LEN)?;
            check("user", Some(user), MAX_USER_LEN)
        }
        Request::ImportPreview { password, format, system, .. } | Request::ImportApply { password, format, system, .. } => {
            // `text`/`data` are bounded by the import reader (`import_too_large`).
            check("password", password.as_ref().map(|p| &p.0), crate::import::MAX_PASSWORD_LEN)?;
            check("format", format.as_ref(), 32)?;
            check("system", system.as_ref(), MAX_USER_LEN)
        }
        Request::Export { format } => check("format", format.as_ref(), 32),
    }
}

/// Builds the success answer: `{"id", "ok": true, ...fields}`.
pub fn ok_answer(id: Value, fields: Value) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), id);
    m.insert("ok".into(), Value::Bool(true));
    if let Value::Object(f) = fields {
        for (k, v) in f {
            if k != "id" && k != "ok" {
                m.insert(k, v);
            }
        }
    }
    Value::Object(m)
}

/// Builds the error answer: `{"id", "ok": false, "error": {...}}`.
pub fn error_answer(id: Value, err: &ProtocolError, lang: Lang) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), id);
    m.insert("ok".into(), Value::Bool(false));
    m.insert("error".into(), err.to_json(lang));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> (Value, Result<Request, ProtocolError>) {
        parse_request(s.as_bytes())
    }

    #[test]
    fn well_formed_requests_parse() {
        let (id, r) = parse(r#"{"id": 7, "type": "code", "url": "https://eproc.trf4.jus.br/eproc2trf4/", "user": "RS1"}"#);
        assert_eq!(id, json!(7));
        assert!(matches!(r.unwrap(), Request::Code { user: Some(u), peek: false, .. } if u == "RS1"));
        let (id, r) = parse(r#"{"id": "abc", "type": "hello", "extra": 1}"#);
        assert_eq!(id, json!("abc"));
        assert_eq!(r.unwrap(), Request::Hello {});
    }

    #[test]
    fn each_malformation_has_its_code() {
        let code = |s: &[u8]| parse_request(s).1.unwrap_err().code;
        assert_eq!(code(b"\xff\xfe"), ErrorCode::InvalidJson);
        assert_eq!(code(b"{\"id\":1,"), ErrorCode::InvalidJson);
        assert_eq!(code(b"[1,2]"), ErrorCode::InvalidRequest);
        assert_eq!(code(br#"{"id":1}"#), ErrorCode::InvalidRequest);
        assert_eq!(code(br#"{"id":1,"type":5}"#), ErrorCode::InvalidRequest);
        assert_eq!(code(br#"{"id":1,"type":"steal"}"#), ErrorCode::UnknownType);
        assert_eq!(code(br#"{"id":1,"type":"enroll","url":"x"}"#), ErrorCode::InvalidRequest);
        assert_eq!(code(br#"{"id":1,"type":"code","url":42}"#), ErrorCode::InvalidRequest);
        let huge = format!(r#"{{"id":1,"type":"code","url":"{}"}}"#, "a".repeat(MAX_URL_LEN + 1));
        assert_eq!(code(huge.as_bytes()), ErrorCode::InvalidRequest);
    }

    #[test]
    fn clock_offsets_are_bounded() {
        let (_, r) = parse(r#"{"id":1,"type":"code","authenticator":"trf4","clock_offset_ms":-150000}"#);
        assert!(matches!(r.unwrap(), Request::Code { clock_offset_ms: Some(-150_000), .. }));
        let (_, r) = parse(r#"{"id":1,"type":"code","authenticator":"trf4","clock_offset_ms":600000}"#);
        assert!(r.is_ok());
        for bad in ["600001", "-600001", "9223372036854775807", "-9223372036854775808"] {
            let (_, r) = parse(&format!(r#"{{"id":1,"type":"code","authenticator":"trf4","clock_offset_ms":{bad}}}"#));
            let e = r.unwrap_err();
            assert_eq!((e.code, e.extra.get("reason")), (ErrorCode::InvalidRequest, Some(&json!("clock_offset_out_of_range"))), "{bad}");
        }
        // Not an integer: a plain invalid request.
        let (_, r) = parse(r#"{"id":1,"type":"code","authenticator":"trf4","clock_offset_ms":1.5}"#);
        assert_eq!(r.unwrap_err().code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn login_results_and_restores_parse() {
        let (_, r) = parse(r#"{"id":1,"type":"login_result","authenticator":"trf4","outcome":"rejected","step":9}"#);
        assert!(matches!(r.unwrap(), Request::LoginResult { outcome: LoginOutcome::Rejected, step: Some(9), .. }));
        let (_, r) = parse(r#"{"id":1,"type":"login_result","authenticator":"trf4","outcome":"maybe"}"#);
        assert_eq!(r.unwrap_err().code, ErrorCode::InvalidRequest);
        let (_, r) = parse(r#"{"id":1,"type":"restore","authenticator":"trf4"}"#);
        assert_eq!(r.unwrap_err().code, ErrorCode::InvalidRequest);
        let (_, r) = parse(r#"{"id":1,"type":"restore","authenticator":"trf4","user":"RS1"}"#);
        assert!(matches!(r.unwrap(), Request::Restore { .. }));
    }

    #[test]
    fn error_ids_survive_when_readable() {
        let (id, r) = parse(r#"{"id": {"n": 1}, "type": "nope"}"#);
        assert_eq!(id, json!({"n": 1}));
        assert!(r.is_err());
    }

    #[test]
    fn answers_have_the_envelope() {
        let a = ok_answer(json!(1), json!({"code": "123456"}));
        assert_eq!(a, json!({"id": 1, "ok": true, "code": "123456"}));
        let e = error_answer(json!(2), &ProtocolError::new(ErrorCode::UnknownSite).with("reason", "not_https"), Lang::PtBr);
        assert_eq!(e["ok"], json!(false));
        assert_eq!(e["error"]["code"], json!("unknown_site"));
        assert_eq!(e["error"]["reason"], json!("not_https"));
        assert!(e["error"]["message"].as_str().unwrap().len() > 10);
    }

    #[test]
    fn every_code_has_a_distinct_snake_case_name() {
        let names: std::collections::BTreeSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), json!(c.as_str()));
        }
    }
}
