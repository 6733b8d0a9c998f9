//! `import_preview` and `import_apply` (docs/protocol.md): a file becomes a list of entries, each
//! with what importing it would do (`new`, `same`, `conflict`, `ambiguous`, `unmatched`, `hotp`,
//! `unsupported`, `duplicate`), then the entries chosen are stored. Both read the file again:
//! nothing is kept between the two requests, and no key ever leaves this module except into the
//! vault.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use zeroize::Zeroize;

use super::matching::{Candidate, Match, Matcher};
use super::{read, Entry, Format, ImportError, Read, Unusable};
use crate::protocol::{ErrorCode, ProtocolError};
use crate::registry::Registry;
use crate::secret::SecretKey;
use crate::service::{Account, Context, Vault};
use crate::totp::{step_at, timed_code};

/// A request field that may hold keys or a password: never printed by `Debug`, wiped on drop.
#[derive(Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(transparent)]
pub struct Sensitive(pub String);

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes redacted>", self.0.len())
    }
}

impl Drop for Sensitive {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// One entry chosen in `import_apply`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Choice {
    pub index: usize,
    #[serde(default)]
    pub system: Option<String>,
    #[serde(default)]
    pub authenticator: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub replace: bool,
}

/// The file fields common to both requests.
pub struct FileInput<'a> {
    pub text: Option<&'a str>,
    pub data: Option<&'a str>,
    pub format: Option<&'a str>,
    pub password: Option<&'a str>,
    pub system: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Same,
    Conflict,
    Ambiguous,
    Unmatched,
    Hotp,
    Unsupported,
    Duplicate,
}

impl Status {
    pub const ALL: [Status; 8] =
        [Status::New, Status::Same, Status::Conflict, Status::Ambiguous, Status::Unmatched, Status::Hotp, Status::Unsupported, Status::Duplicate];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Same => "same",
            Status::Conflict => "conflict",
            Status::Ambiguous => "ambiguous",
            Status::Unmatched => "unmatched",
            Status::Hotp => "hotp",
            Status::Unsupported => "unsupported",
            Status::Duplicate => "duplicate",
        }
    }
}

/// What importing one entry would do.
#[derive(Debug, Clone)]
pub struct Planned {
    pub index: usize,
    pub status: Status,
    pub target: Option<Candidate>,
    pub candidates: Vec<Candidate>,
    pub reason: Option<String>,
    pub user: String,
}

/// Maps an import error to the protocol's.
pub fn protocol_error(e: ImportError) -> ProtocolError {
    let code = match &e {
        ImportError::TooLarge(_) => ErrorCode::ImportTooLarge,
        ImportError::UnknownFormat(_) => ErrorCode::ImportUnknownFormat,
        ImportError::Invalid { .. } => ErrorCode::ImportInvalid,
        ImportError::PasswordRequired => ErrorCode::ImportPasswordRequired,
        ImportError::WrongPassword => ErrorCode::ImportWrongPassword,
        ImportError::Empty => ErrorCode::ImportEmpty,
    };
    let mut err = ProtocolError::new(code).detail(e.to_string());
    if let Some(r) = e.reason() {
        err = err.with("reason", r);
    }
    err
}

/// Reads the file of a request.
pub fn read_input(input: &FileInput<'_>) -> Result<Read, ProtocolError> {
    let format = match input.format {
        None => Format::Auto,
        Some(f) => Format::parse(f).ok_or_else(|| {
            ProtocolError::new(ErrorCode::InvalidRequest).detail(format!("format {} is not one of auto, otpauth, google-migration, aegis, 2fas, bitwarden, keepassxc", super::short(f)))
        })?,
    };
    let decoded;
    let bytes: &[u8] = match (input.text, input.data) {
        (Some(t), None) => t.as_bytes(),
        (None, Some(d)) => {
            if d.len() > super::MAX_IMPORT_BYTES / 3 * 4 + 4 {
                return Err(protocol_error(ImportError::TooLarge(d.len() / 4 * 3)));
            }
            decoded = zeroize::Zeroizing::new(
                STANDARD.decode(d.trim()).map_err(|_| ProtocolError::new(ErrorCode::InvalidRequest).detail("field `data` is not standard base64"))?,
            );
            decoded.as_slice()
        }
        _ => return Err(ProtocolError::new(ErrorCode::InvalidRequest).detail("give the file as `text` or as `data` (base64), not both")),
    };
    read(bytes, format, input.password).map_err(protocol_error)
}

/// The issuer written for an authenticator in exports to other apps: "eproc TRF4", or with the
/// first system's short name when two authenticators share a title ("eproc TJTO 1º grau"), so
/// that the matcher finds it again alone (tested).
pub fn issuer_for(registry: &Registry, authenticator: &str) -> String {
    let title = crate::display::title(registry, authenticator);
    let shared = registry
        .systems()
        .iter()
        .any(|s| s.authenticator != authenticator && crate::display::title(registry, &s.authenticator) == title);
    match registry.systems_of(authenticator).first() {
        Some(first) if shared => format!("eproc {}", crate::display::short(first)),
        _ => format!("eproc {title}"),
    }
}

fn key_of(entry: &Entry) -> Option<&SecretKey> {
    entry.otp.as_ref().ok().map(|t| &t.key)
}

/// Plans every entry: matching, then what the store says.
pub fn plan(read: &Read, registry: &Registry, vault: &dyn Vault, system: Option<&str>) -> Result<Vec<Planned>, ProtocolError> {
    let matcher = Matcher::new(registry);
    let settle = match system {
        Some(s) => Some(matcher.chosen(s).ok_or_else(|| unknown_authenticator(s))?),
        None => None,
    };
    let accounts = vault.accounts()?;
    let mut out: Vec<Planned> = Vec::with_capacity(read.entries.len());
    for (index, entry) in read.entries.iter().enumerate() {
        let (mut target, candidates, mut reason, mut status) = match matcher.find(entry.issuer.as_deref(), &entry.label) {
            Match::One(c) => (Some(c), Vec::new(), None, Status::New),
            Match::Several(cs) | Match::NoCourt(cs) if settle.as_ref().is_some_and(|s| cs.iter().any(|c| c.authenticator == s.authenticator)) => {
                (settle.clone(), Vec::new(), None, Status::New)
            }
            Match::Several(cs) => (None, cs, Some("several_courts".to_owned()), Status::Ambiguous),
            Match::NoCourt(cs) => (None, cs, Some("no_court".to_owned()), Status::Ambiguous),
            Match::None => (None, Vec::new(), None, Status::Unmatched),
        };
        match &entry.otp {
            Err(Unusable::Hotp) => (status, reason) = (Status::Hotp, None),
            Err(Unusable::Unsupported(why)) => (status, reason) = (Status::Unsupported, Some(why.clone())),
            Ok(_) => {}
        }
        let user = entry.account.trim().to_owned();
        if status == Status::New && user.is_empty() {
            status = Status::Ambiguous;
            reason = Some("no_user".to_owned());
            if let Some(t) = target.take() {
                out.push(Planned { index, status, candidates: vec![t], target: None, reason, user });
                continue;
            }
        }
        if status == Status::New {
            let t = target.as_ref().expect("new entries have a target");
            (status, reason) = stored_status(&out, read, &accounts, vault, t, &user, key_of(entry))?;
        }
        out.push(Planned { index, status, target, candidates, reason, user });
    }
    Ok(out)
}

/// `new`, `same`, `conflict` or `duplicate` for an entry going to `target` as `user`.
fn stored_status(
    earlier: &[Planned],
    read: &Read,
    accounts: &[Account],
    vault: &dyn Vault,
    target: &Candidate,
    user: &str,
    key: Option<&SecretKey>,
) -> Result<(Status, Option<String>), ProtocolError> {
    let importable = |p: &Planned| matches!(p.status, Status::New | Status::Same | Status::Conflict);
    if let Some(first) = earlier.iter().find(|p| importable(p) && p.target.as_ref().is_some_and(|t| t.authenticator == target.authenticator) && crate::service::same_user(&p.user, user)) {
        let same = key_of(&read.entries[first.index]) == key;
        return Ok((Status::Duplicate, Some(if same { "same_key" } else { "different_key" }.to_owned())));
    }
    match accounts.iter().find(|a| a.is(&target.authenticator, user)) {
        None => Ok((Status::New, None)),
        Some(a) => {
            let same = match key {
                Some(k) => vault.same_key(a, k)? == Some(true),
                None => false,
            };
            Ok(if same { (Status::Same, None) } else { (Status::Conflict, None) })
        }
    }
}

fn unknown_authenticator(id: &str) -> ProtocolError {
    ProtocolError::new(ErrorCode::UnknownSite)
        .with("reason", "unknown_authenticator")
        .detail(format!("no system or authenticator {}", super::short(id)))
}

fn candidate_json(registry: &Registry, c: &Candidate) -> Value {
    json!({"authenticator": c.authenticator, "system": c.system, "title": crate::display::title(registry, &c.authenticator)})
}

fn batch_json(read: &Read) -> (Value, Vec<&'static str>) {
    match &read.batch {
        Some(b) => (serde_json::to_value(b).unwrap_or(Value::Null), if b.missing.is_empty() { vec![] } else { vec!["batch_incomplete"] }),
        None => (Value::Null, vec![]),
    }
}

/// `import_preview`.
pub fn preview(vault: &dyn Vault, ctx: &Context, input: &FileInput<'_>) -> Result<Value, ProtocolError> {
    let read = read_input(input)?;
    let planned = plan(&read, ctx.registry, vault, input.system)?;
    let mut counts = Map::new();
    for s in Status::ALL {
        counts.insert(s.as_str().to_owned(), json!(planned.iter().filter(|p| p.status == s).count()));
    }
    let entries: Vec<Value> = planned
        .iter()
        .map(|p| {
            let e = &read.entries[p.index];
            let params = e.otp.as_ref().ok().map(|t| t.params);
            json!({
                "index": p.index,
                "issuer": e.issuer,
                "label": e.label,
                "user": p.user,
                "authenticator": p.target.as_ref().map(|t| t.authenticator.as_str()),
                "system": p.target.as_ref().map(|t| t.system.as_str()),
                "title": p.target.as_ref().map(|t| crate::display::title(ctx.registry, &t.authenticator)),
                "status": p.status,
                "candidates": p.candidates.iter().map(|c| candidate_json(ctx.registry, c)).collect::<Vec<_>>(),
                "reason": p.reason,
                "algorithm": params.map(|p| p.algorithm),
                "digits": params.map(|p| p.digits),
                "period": params.map(|p| p.period),
            })
        })
        .collect();
    let (batch, warnings) = batch_json(&read);
    Ok(json!({
        "format": read.format.as_str(),
        "encrypted": read.encrypted,
        "batch": batch,
        "warnings": warnings,
        "entries": entries,
        "counts": counts,
    }))
}

/// `import_apply`.
pub fn apply(vault: &mut dyn Vault, ctx: &Context, input: &FileInput<'_>, choices: Option<&[Choice]>, replace: bool) -> Result<Value, ProtocolError> {
    let read = read_input(input)?;
    let mut planned = plan(&read, ctx.registry, &*vault, input.system)?;
    let matcher = Matcher::new(ctx.registry);
    // The entries to store, each with whether it may replace a stored key.
    let mut chosen: Vec<(usize, bool)> = Vec::new();
    match choices {
        None => {
            for p in &planned {
                if p.status == Status::New || (p.status == Status::Conflict && replace) {
                    chosen.push((p.index, replace));
                }
            }
        }
        Some(list) => {
            let accounts = vault.accounts()?;
            for c in list {
                let i = c.index;
                if i >= planned.len() {
                    return Err(ProtocolError::new(ErrorCode::InvalidRequest).detail(format!("choice index {i} is not an entry of the file ({} entries)", planned.len())));
                }
                if chosen.iter().any(|(j, _)| *j == i) {
                    continue;
                }
                let explicit = c.system.as_deref().or(c.authenticator.as_deref());
                let user = c.user.as_deref().map(str::trim).filter(|u| !u.is_empty());
                if let Some(u) = user {
                    if u.len() > crate::protocol::MAX_USER_LEN {
                        return Err(ProtocolError::new(ErrorCode::InvalidRequest).detail("a chosen `user` is too long"));
                    }
                }
                if explicit.is_some() || user.is_some() {
                    let target = match explicit {
                        Some(id) => Some(matcher.chosen(id).ok_or_else(|| unknown_authenticator(id))?),
                        None => planned[i].target.clone().or_else(|| (planned[i].candidates.len() == 1).then(|| planned[i].candidates[0].clone())),
                    };
                    let p = &mut planned[i];
                    if let Some(u) = user {
                        p.user = u.to_owned();
                    }
                    if let (Some(t), Ok(_)) = (target, &read.entries[i].otp) {
                        if !p.user.is_empty() {
                            let others: Vec<Planned> = chosen.iter().map(|(j, _)| planned[*j].clone()).collect();
                            let (status, reason) = stored_status(&others, &read, &accounts, &*vault, &t, &planned[i].user, key_of(&read.entries[i]))?;
                            let p = &mut planned[i];
                            (p.status, p.reason, p.target, p.candidates) = (status, reason, Some(t), Vec::new());
                        }
                    }
                }
                let p = &planned[i];
                let may_replace = c.replace || replace;
                if p.status == Status::New || p.status == Status::Same || (p.status == Status::Conflict && may_replace) {
                    chosen.push((i, may_replace));
                }
            }
        }
    }
    let mut imported: Vec<Value> = Vec::new();
    for (i, may_replace) in &chosen {
        let p = &planned[*i];
        let t = p.target.as_ref().expect("chosen entries have a target");
        let totp = read.entries[*i].otp.as_ref().expect("chosen entries are usable");
        let account = Account {
            authenticator: t.authenticator.clone(),
            user: p.user.clone(),
            label: None,
            params: totp.params,
            created: ctx.now_ms / 1000,
            ..Account::default()
        };
        let outcome = match vault.save(account, &totp.key, *may_replace) {
            Ok(o) => o,
            Err(e) => {
                let err: ProtocolError = e.into();
                return Err(err.with("imported", Value::Array(imported)));
            }
        };
        let timed = timed_code(&totp.key, &totp.params, step_at(&totp.params, ctx.now_ms), ctx.now_ms);
        imported.push(json!({
            "index": i,
            "authenticator": t.authenticator,
            "system": t.system,
            "title": crate::display::title(ctx.registry, &t.authenticator),
            "user": p.user,
            "outcome": outcome,
            "code": timed.code,
            "valid_for_s": timed.valid_for_s,
        }));
    }
    let skipped: Vec<Value> = planned
        .iter()
        .filter(|p| !chosen.iter().any(|(i, _)| *i == p.index))
        .map(|p| json!({"index": p.index, "status": p.status, "reason": p.reason}))
        .collect();
    let (batch, warnings) = batch_json(&read);
    Ok(json!({"imported": imported, "skipped": skipped, "batch": batch, "warnings": warnings}))
}

/// `export` (browser mode): every key as `otpauth-migration://` texts, at most
/// [`super::migration::ACCOUNTS_PER_CODE`] accounts per code. The native host refuses it: there
/// keys leave the keyring only by `eproc-a2f export` (invariant 4); in browser mode the page's
/// own store already holds them.
pub fn export(vault: &mut dyn Vault, ctx: &Context, format: Option<&str>) -> Result<Value, ProtocolError> {
    if ctx.mode != "browser" {
        return Err(ProtocolError::new(ErrorCode::ExportRefused).detail("the native host never hands out keys; use the command line"));
    }
    if !matches!(format, None | Some("google-migration")) {
        return Err(ProtocolError::new(ErrorCode::InvalidRequest).detail("format must be google-migration"));
    }
    let accounts = vault.accounts()?;
    let mut keys = Vec::with_capacity(accounts.len());
    for a in &accounts {
        keys.push(vault.secret(a)?);
    }
    let issuers: Vec<String> = accounts.iter().map(|a| issuer_for(ctx.registry, &a.authenticator)).collect();
    let out: Vec<super::migration::Outgoing> = accounts
        .iter()
        .zip(&keys)
        .zip(&issuers)
        .map(|((a, k), i)| super::migration::Outgoing { key: k, params: a.params, issuer: i, name: &a.user })
        .collect();
    let uris = super::migration::encode_uris(&out, (ctx.now_ms % 0x7fff_ffff) as i32).map_err(|i| {
        ProtocolError::new(ErrorCode::InvalidRequest)
            .detail("Google Authenticator takes only 30 s periods and 6 or 8 digits")
            .with("authenticator", accounts[i].authenticator.clone())
            .with("user", accounts[i].user.clone())
    })?;
    Ok(json!({"format": "google-migration", "accounts": accounts.len(), "uris": uris.to_vec()}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::service::{handle_bytes, MemoryVault};

    const K1: &str = "MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW";
    const K2: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    const NOW: u64 = 1_700_000_010_000;

    fn run(v: &mut MemoryVault, req: Value) -> Value {
        let reg = Registry::builtin();
        let ctx = Context { registry: &reg, now_ms: NOW, lang: Lang::PtBr, mode: "test", version: "0" };
        handle_bytes(v, &ctx, req.to_string().as_bytes())
    }

    fn file() -> String {
        [
            format!("otpauth://totp/eproc%20TRF4:RS1?secret={K1}&issuer=eproc%20TRF4"),
            format!("otpauth://totp/TJTO:RS2?secret={K1}"),
            format!("otpauth://totp/eproc:RS3?secret={K2}"),
            format!("otpauth://totp/GitHub:maria?secret={K1}&issuer=GitHub"),
            format!("otpauth://hotp/TRF4:RS4?secret={K1}&counter=1"),
            format!("otpauth://totp/TRF4:RS5?secret={K1}&digits=9"),
            format!("otpauth://totp/TRF4:RS1?secret={K2}"),
            format!("otpauth://totp/eproc.jfpr.jus.br:RS6?secret={K2}"),
            format!("otpauth://totp/TRF4:?secret={K2}&issuer=TRF4"),
        ]
        .join("\n")
    }

    #[test]
    fn preview_lists_every_status_and_no_key() {
        let mut v = MemoryVault::default();
        // RS6 exists with another key: conflict.
        run(&mut v, json!({"id": 0, "type": "enroll", "url": "https://eproc.jfpr.jus.br/eprocV2/", "user": "RS6", "secret": K1}));
        let r = run(&mut v, json!({"id": 1, "type": "import_preview", "text": file()}));
        assert_eq!(r["ok"], json!(true), "{r}");
        let text = r.to_string();
        assert!(!text.contains(K1) && !text.contains(K2) && !text.contains("MMZD"), "{text}");
        let st: Vec<&str> = r["entries"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
        assert_eq!(st, ["new", "ambiguous", "ambiguous", "unmatched", "hotp", "unsupported", "duplicate", "conflict", "ambiguous"]);
        let e = &r["entries"];
        assert_eq!(e[0]["authenticator"], json!("trf4"));
        assert_eq!(e[0]["user"], json!("RS1"));
        assert_eq!(e[1]["reason"], json!("several_courts"));
        assert_eq!(e[1]["candidates"].as_array().unwrap().len(), 2);
        assert_eq!(e[2]["reason"], json!("no_court"));
        assert_eq!(e[6]["reason"], json!("different_key"));
        assert_eq!(e[7]["system"], json!("jfpr"));
        assert_eq!(e[8]["reason"], json!("no_user"));
        assert_eq!(r["counts"]["ambiguous"], json!(3));
        assert_eq!(r["format"], json!("otpauth"));
        // `system` settles the ambiguous entries that fit it, never the unmatched one.
        let r = run(&mut v, json!({"id": 1, "type": "import_preview", "text": file(), "system": "tjto-2g"}));
        assert_eq!(r["entries"][1]["status"], json!("new"));
        assert_eq!(r["entries"][1]["authenticator"], json!("tjto-2g"));
        assert_eq!(r["entries"][2]["status"], json!("ambiguous"), "tjto-2g has no A2F: not a candidate of a bare 'eproc'");
        assert_eq!(r["entries"][3]["status"], json!("unmatched"));
    }

    #[test]
    fn apply_stores_the_chosen_and_keeps_conflicts_unless_replaced() {
        let mut v = MemoryVault::default();
        run(&mut v, json!({"id": 0, "type": "enroll", "url": "https://eproc.jfpr.jus.br/eprocV2/", "user": "RS6", "secret": K1}));
        let before = v.entries.clone();
        // Without choices: only the `new` entries.
        let r = run(&mut v, json!({"id": 2, "type": "import_apply", "text": file()}));
        assert_eq!(r["ok"], json!(true), "{r}");
        assert_eq!(r["imported"].as_array().unwrap().len(), 1);
        assert_eq!(r["imported"][0]["user"], json!("RS1"));
        assert_eq!(r["imported"][0]["outcome"], json!("created"));
        assert_eq!(r["imported"][0]["code"].as_str().unwrap().len(), 6);
        assert_eq!(v.entries.len(), before.len() + 1);
        assert_eq!(v.entries[0].1, before[0].1, "the conflicting key is untouched");
        // Choices: settle the ambiguous ones, name a user, replace the conflict.
        let r = run(&mut v, json!({"id": 3, "type": "import_apply", "text": file(), "choices": [
            {"index": 1, "system": "tjto-1g"}, {"index": 2, "system": "tnu"}, {"index": 7, "replace": true},
            {"index": 8, "user": "RS8"}, {"index": 3}, {"index": 4}]}));
        assert_eq!(r["ok"], json!(true), "{r}");
        let users: Vec<(&str, &str, &str)> = r["imported"].as_array().unwrap().iter()
            .map(|i| (i["authenticator"].as_str().unwrap(), i["user"].as_str().unwrap(), i["outcome"].as_str().unwrap())).collect();
        assert_eq!(users, [("tjto-1g", "RS2", "created"), ("tnu", "RS3", "created"), ("trf4", "RS6", "replaced"), ("trf4", "RS8", "created")]);
        let skipped: Vec<&str> = r["skipped"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
        assert!(skipped.contains(&"unmatched") && skipped.contains(&"hotp"), "{skipped:?}");
        // An explicit court for an unmatched entry is the user's choice.
        let r = run(&mut v, json!({"id": 4, "type": "import_apply", "text": file(), "choices": [{"index": 3, "system": "tnu"}]}));
        assert_eq!(r["imported"][0]["user"], json!("maria"), "{r}");
        // Bad choices.
        let r = run(&mut v, json!({"id": 5, "type": "import_apply", "text": file(), "choices": [{"index": 99}]}));
        assert_eq!(r["error"]["code"], json!("invalid_request"));
        let r = run(&mut v, json!({"id": 6, "type": "import_apply", "text": file(), "choices": [{"index": 1, "system": "tj-nowhere"}]}));
        assert_eq!(r["error"]["reason"], json!("unknown_authenticator"));
    }

    #[test]
    fn errors_store_nothing() {
        let mut v = MemoryVault::default();
        for (req, code, reason) in [
            (json!({"type": "import_apply", "text": "otpauth-migration://offline?data=%%%"}), "import_invalid", Some("bad_base64")),
            (json!({"type": "import_apply", "text": "otpauth-migration://offline?data=CgwKCgEC"}), "import_invalid", Some("truncated")),
            (json!({"type": "import_apply", "data": STANDARD.encode(b"\x89PNG\r\n\x1a\n....")}), "import_unknown_format", Some("image")),
            (json!({"type": "import_apply", "text": "# nothing\n"}), "import_unknown_format", Some("unknown")),
            (json!({"type": "import_apply", "text": r#"{"services":[],"schemaVersion":4}"#}), "import_empty", None),
            (json!({"type": "import_apply", "text": r#"{"services":[],"schemaVersion":4,"servicesEncrypted":"a:b:c"}"#}), "import_password_required", None),
            (json!({"type": "import_apply", "text": "x", "data": "eA=="}), "invalid_request", None),
            (json!({"type": "import_apply", "text": "x", "format": "word"}), "invalid_request", None),
        ] {
            let mut req = req;
            req["id"] = json!(1);
            let r = run(&mut v, req.clone());
            assert_eq!(r["error"]["code"], json!(code), "{req}: {r}");
            assert_eq!(r["error"]["reason"].as_str(), reason, "{req}: {r}");
            assert!(r["error"]["message"].as_str().unwrap().len() > 10);
        }
        assert!(v.entries.is_empty());
    }

    #[test]
    fn export_is_for_browser_mode_only_and_reimports() {
        let mut v = MemoryVault::default();
        run(&mut v, json!({"id": 0, "type": "enroll", "url": "https://eproc.jfpr.jus.br/eprocV2/", "user": "RS6", "secret": K1}));
        let r = run(&mut v, json!({"id": 1, "type": "export", "format": "google-migration"}));
        assert_eq!(r["error"]["code"], json!("export_refused"), "the test context is not browser mode");
        let reg = Registry::builtin();
        let ctx = Context { registry: &reg, now_ms: NOW, lang: Lang::En, mode: "browser", version: "0" };
        let r = handle_bytes(&mut v, &ctx, br#"{"id": 2, "type": "export", "format": "google-migration"}"#);
        assert_eq!(r["accounts"], json!(1), "{r}");
        let uris: Vec<&str> = r["uris"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
        let mut fresh = MemoryVault::default();
        let a = run(&mut fresh, json!({"id": 3, "type": "import_apply", "text": uris.join("\n")}));
        assert_eq!(a["imported"][0]["authenticator"], json!("trf4"), "{a}");
        assert_eq!(fresh.entries[0].1, v.entries[0].1);
    }

    #[test]
    fn google_export_round_trips_through_apply() {
        let reg = Registry::builtin();
        let k1 = crate::secret::parse_key(K1).unwrap().key;
        let k2 = crate::secret::parse_key(K2).unwrap().key;
        let i1 = issuer_for(&reg, "trf4");
        let i2 = issuer_for(&reg, "tjto-2g");
        assert_eq!(i1, "eproc TRF4");
        let out = [
            super::super::migration::Outgoing { key: &k1, params: Default::default(), issuer: &i1, name: "RS1" },
            super::super::migration::Outgoing { key: &k2, params: Default::default(), issuer: &i2, name: "RS2" },
        ];
        let uris = super::super::migration::encode_uris(&out, 5).unwrap();
        let mut v = MemoryVault::default();
        let r = run(&mut v, json!({"id": 1, "type": "import_apply", "text": uris.join("\n")}));
        assert_eq!(r["imported"].as_array().unwrap().len(), 2, "{r}");
        assert_eq!(r["batch"]["missing"], json!([]));
        assert_eq!(v.entries[1].0.authenticator, "tjto-2g");
        assert_eq!(v.entries[1].1, k2);
    }
}
