//! `eproc-a2f import` and `eproc-a2f export --format google-migration --qr`: the command line of
//! issue 11. The file is read here (size checked first), pictures are decoded here (the `image`
//! crate, then the same QR decoder the extension runs as WASM), a `.kdbx` is opened with
//! `keepassxc-cli`; everything else is the protocol's `import_preview` / `import_apply`
//! (`eproc_a2f_core::import::plan`), so the terminal and the options page import the same way.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use clap::{Args, ValueEnum};
use serde_json::{json, Value};
use zeroize::Zeroizing;

use eproc_a2f_core::import::{migration, plan, MAX_IMPORT_BYTES};
use eproc_a2f_core::protocol::{ImportChoice, Request, Sensitive};
use eproc_a2f_core::service::Vault;
use eproc_a2f_core::Lang;

use crate::cli::{App, UserError};

/// Largest picture read (a phone photo is a few MB).
pub const MAX_IMAGE_BYTES: u64 = 40 * 1024 * 1024;
/// Pictures are scaled down to this many pixels on the long side before QR detection: a photo of
/// a screen has large modules, and the decoder's limit is 4096.
const DECODE_SIDE: u32 = 1600;
/// Below this side a halved copy would lose the modules of a dense code: no such retry.
const MIN_RETRY_SIDE: u32 = 300;
/// Environment variable with the password of an encrypted export, for scripts (a prompt without
/// echo is the normal way; `--password-stdin` reads it from standard input).
pub const PASSWORD_ENV: &str = "EPROC_A2F_IMPORT_PASSWORD";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Auto,
    Otpauth,
    GoogleMigration,
    Image,
    Aegis,
    #[value(name = "2fas")]
    TwoFas,
    Bitwarden,
    Keepassxc,
}

impl FormatArg {
    fn protocol_name(self) -> &'static str {
        match self {
            FormatArg::Auto | FormatArg::Image => "auto",
            FormatArg::Otpauth => "otpauth",
            FormatArg::GoogleMigration => "google-migration",
            FormatArg::Aegis => "aegis",
            FormatArg::TwoFas => "2fas",
            FormatArg::Bitwarden => "bitwarden",
            FormatArg::Keepassxc => "keepassxc",
        }
    }
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Arquivo exportado por outro aplicativo (ou foto/captura do QR de transferência); "-" para a entrada padrão.
    #[arg(default_value = "-")]
    pub file: String,
    /// Formato do arquivo (auto: reconhece pelo conteúdo).
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// Sistema para as contas que não dizem o tribunal com clareza (ex.: "eproc" sem tribunal).
    #[arg(long)]
    pub system: Option<String>,
    /// Só mostra o que seria importado (sistema, usuário, nome; nunca a chave); não altera nada.
    #[arg(long)]
    pub dry_run: bool,
    /// Substitui chaves diferentes já cadastradas para a mesma conta.
    #[arg(long)]
    pub replace: bool,
    /// Lê a senha do arquivo criptografado da primeira linha da entrada padrão (para scripts; ou a variável EPROC_A2F_IMPORT_PASSWORD). Sem isso, a senha é pedida sem eco.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Otpauth,
    GoogleMigration,
}

/// English help of this module's arguments, for `cli::ENGLISH_HELP`.
pub const ENGLISH_HELP: &[(&str, &str, &str)] = &[
    ("import", "", "Import keys from other apps: Google Authenticator transfer QR (photo or screenshot), Aegis, 2FAS, Bitwarden, KeePassXC, otpauth:// lines."),
    ("import", "file", "File exported by another app (or a photo/screenshot of the transfer QR); \"-\" for standard input."),
    ("import", "format", "File format (auto: recognised from the content)."),
    ("import", "system", "System for accounts that do not name the court clearly (e.g. \"eproc\" with no court)."),
    ("import", "dry_run", "Only show what would be imported (system, user, name; never the key); change nothing."),
    ("import", "replace", "Replace different keys already saved for the same account."),
    ("import", "password_stdin", "Read the encrypted file's password from the first line of standard input (for scripts; or the EPROC_A2F_IMPORT_PASSWORD variable). Otherwise it is prompted without echo."),
];

fn user_error(msg: impl Into<String>) -> anyhow::Error {
    anyhow!(UserError(msg.into()))
}

/// The file's bytes, refusing an oversize file before reading it.
fn read_file(path: &str, limit: u64, lang: Lang) -> Result<Zeroizing<Vec<u8>>> {
    let too_big = |n: u64| {
        user_error(format!(
            "{} ({} MB; {} {} MB).",
            lang.pick("Arquivo grande demais para importar", "File too large to import"),
            n / 1_000_000,
            lang.pick("limite", "limit"),
            limit / 1_000_000
        ))
    };
    let mut buf = Zeroizing::new(Vec::new());
    if path == "-" {
        io::stdin().lock().take(limit + 1).read_to_end(&mut buf).context("cannot read standard input")?;
        if buf.len() as u64 > limit {
            return Err(too_big(buf.len() as u64));
        }
        return Ok(buf);
    }
    let meta = std::fs::metadata(path).with_context(|| format!("{} {path}", lang.pick("não consigo ler", "cannot read")))?;
    if meta.len() > limit {
        return Err(too_big(meta.len()));
    }
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut buf))
        .with_context(|| format!("{} {path}", lang.pick("não consigo ler", "cannot read")))?;
    if buf.len() as u64 > limit {
        return Err(too_big(buf.len() as u64));
    }
    Ok(buf)
}

fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"\xFF\xD8\xFF") || bytes.starts_with(b"GIF8") || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
}

fn is_kdbx(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x03, 0xD9, 0xA2, 0x9A])
}

/// Every QR code's text in a picture (PNG, JPEG), in reading order.
pub fn qr_texts(bytes: &[u8]) -> Result<Vec<String>, String> {
    let img = image::load_from_memory(bytes).map_err(|e| format!("the picture cannot be read ({e})"))?;
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return Err("the picture is empty".to_owned());
    }
    // Cheapest first; the later ones only when nothing was found. A phone photo of a screen is
    // grainy: a smaller copy averages the grain away, a softened one joins broken module edges.
    let side = w.max(h);
    let img = &img;
    let mut attempts: Vec<Box<dyn Fn() -> image::DynamicImage + '_>> = Vec::new();
    if side > DECODE_SIDE {
        attempts.push(Box::new(|| img.resize(DECODE_SIDE, DECODE_SIDE, image::imageops::FilterType::Triangle)));
    }
    // The full size too (small modules in a large screenshot), while the decoder takes it.
    if w <= eproc_a2f_wasm_qr::MAX_SIDE && h <= eproc_a2f_wasm_qr::MAX_SIDE {
        attempts.push(Box::new(|| img.clone()));
    }
    let half = (side.min(DECODE_SIDE) / 2).max(1);
    if half >= MIN_RETRY_SIDE {
        attempts.push(Box::new(move || img.resize(half, half, image::imageops::FilterType::Triangle)));
    }
    attempts.push(Box::new(|| {
        let base = if side > DECODE_SIDE { img.resize(DECODE_SIDE, DECODE_SIDE, image::imageops::FilterType::Triangle) } else { img.clone() };
        base.blur(1.5)
    }));
    let mut texts: Vec<String> = Vec::new();
    for make in attempts {
        let rgba = make().to_rgba8();
        for t in eproc_a2f_wasm_qr::decode_rgba(rgba.as_raw(), rgba.width(), rgba.height())? {
            if !texts.contains(&t) {
                texts.push(t);
            }
        }
        if !texts.is_empty() {
            break;
        }
    }
    Ok(texts)
}

/// A `.kdbx` through KeePassXC's own command line (its XML export), the password on its stdin.
fn kdbx_to_xml(path: &str, password: &str, lang: Lang) -> Result<Zeroizing<String>> {
    if path == "-" {
        bail!(user_error(lang.pick("Um banco .kdbx precisa ser dado como arquivo, não pela entrada padrão.", "A .kdbx database must be given as a file, not on standard input.")));
    }
    let mut child = Command::new("keepassxc-cli")
        .args(["export", "--format", "xml", path])
        // English messages, so that a wrong password is recognised below.
        .env("LC_ALL", "C")
        .env("LANGUAGE", "en")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|_| {
            user_error(lang.pick(
                "Para ler um banco .kdbx instale o KeePassXC (pacote keepassxc, que traz o keepassxc-cli), ou exporte-o para XML/CSV no KeePassXC.",
                "To read a .kdbx database install KeePassXC (package keepassxc, with keepassxc-cli), or export it to XML/CSV in KeePassXC.",
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(format!("{password}\n").as_bytes());
    }
    let out = child.wait_with_output().context("keepassxc-cli")?;
    let xml = Zeroizing::new(String::from_utf8_lossy(&out.stdout).into_owned());
    if !out.status.success() || !xml.trim_start().starts_with('<') {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.to_lowercase().contains("invalid credentials") || err.to_lowercase().contains("wrong key") || err.contains("HMAC") {
            bail!(user_error(lang.pick("Senha incorreta para este banco .kdbx. Nada foi importado.", "Wrong password for this .kdbx database. Nothing was imported.")));
        }
        // The first line is the password prompt: show the last one.
        bail!(user_error(format!("keepassxc-cli: {}", err.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or("failed"))));
    }
    Ok(xml)
}

fn prompt_password(lang: Lang) -> Result<Zeroizing<String>> {
    let p = lang.pick("Senha da exportação (não aparece ao digitar): ", "Export password (hidden while typing): ");
    Ok(Zeroizing::new(rpassword::prompt_password(p).context("cannot read the password")?))
}

/// The file as the protocol carries it: text when it is UTF-8, else base64.
struct Payload {
    text: Option<Zeroizing<String>>,
    data: Option<Zeroizing<String>>,
    format: &'static str,
}

impl Payload {
    fn fields(&self) -> (Option<Sensitive>, Option<Sensitive>) {
        (self.text.as_ref().map(|t| Sensitive(t.to_string())), self.data.as_ref().map(|d| Sensitive(d.to_string())))
    }
}

fn status_text(status: &str, lang: Lang) -> &'static str {
    match status {
        "new" => lang.pick("nova", "new"),
        "same" => lang.pick("já cadastrada", "already saved"),
        "conflict" => lang.pick("CONFLITO", "CONFLICT"),
        "ambiguous" => lang.pick("escolher", "choose"),
        "unmatched" => lang.pick("não é do eproc", "not eproc"),
        "hotp" => lang.pick("HOTP (ignorada)", "HOTP (skipped)"),
        "unsupported" => lang.pick("não suportada", "unsupported"),
        "duplicate" => lang.pick("repetida", "duplicate"),
        _ => "?",
    }
}

fn print_preview(preview: &Value, lang: Lang) {
    let entries = preview["entries"].as_array().cloned().unwrap_or_default();
    println!(
        "{} {} ({}): {} {}",
        lang.pick("Arquivo", "File"),
        preview["format"].as_str().unwrap_or(""),
        if preview["encrypted"] == json!(true) { lang.pick("criptografado", "encrypted") } else { lang.pick("sem criptografia", "not encrypted") },
        entries.len(),
        lang.pick("conta(s)", "account(s)")
    );
    if let Some(missing) = preview["batch"]["missing"].as_array().filter(|m| !m.is_empty()) {
        let size = preview["batch"]["size"].as_i64().unwrap_or(0);
        let nums: Vec<String> = missing.iter().filter_map(Value::as_i64).map(|i| (i + 1).to_string()).collect();
        eprintln!(
            "{} {} {} {size} {}",
            lang.pick("Atenção: faltam os códigos QR", "Warning: missing QR codes"),
            nums.join(", "),
            lang.pick("de", "of"),
            lang.pick("da exportação (importo os que li; mostre os outros também).", "of the export (importing those read; give the others too).")
        );
    }
    println!("  {:<4} {:<16} {:<10} {:<24} {}", "#", lang.pick("situação", "status"), lang.pick("sistema", "system"), lang.pick("usuário", "user"), lang.pick("nome no aplicativo", "name in the app"));
    for e in &entries {
        let system = e["system"].as_str().unwrap_or("-");
        let mut line = format!(
            "  {:<4} {:<16} {:<10} {:<24} {}",
            e["index"].as_u64().unwrap_or(0) + 1,
            status_text(e["status"].as_str().unwrap_or(""), lang),
            system,
            e["user"].as_str().unwrap_or(""),
            e["label"].as_str().unwrap_or("")
        );
        if let Some(r) = e["reason"].as_str() {
            line.push_str(&format!("  ({})", reason_text(r, lang)));
        }
        if e["status"] == "ambiguous" {
            let c: Vec<&str> = e["candidates"].as_array().map(|c| c.iter().filter_map(|x| x["system"].as_str()).collect()).unwrap_or_default();
            if !c.is_empty() && c.len() <= 6 {
                line.push_str(&format!(" [{}]", c.join(", ")));
            }
        }
        println!("{line}");
    }
}

fn reason_text(reason: &str, lang: Lang) -> String {
    match reason {
        "several_courts" => lang.pick("serve para mais de um tribunal", "fits more than one court").to_owned(),
        "no_court" => lang.pick("não diz o tribunal", "does not name the court").to_owned(),
        "no_user" => lang.pick("sem usuário", "no user").to_owned(),
        "same_key" => lang.pick("mesma chave", "same key").to_owned(),
        "different_key" => lang.pick("outra chave para a mesma conta no arquivo", "another key for the same account in the file").to_owned(),
        other => other.to_owned(),
    }
}

/// Asks on the terminal which court (and user) an ambiguous entry is; `None` skips it.
fn ask_choice(entry: &Value, lang: Lang) -> Result<Option<ImportChoice>> {
    let index = entry["index"].as_u64().unwrap_or(0) as usize;
    let cands: Vec<Value> = entry["candidates"].as_array().cloned().unwrap_or_default();
    eprintln!(
        "\n{} #{} \"{}\" ({}):",
        lang.pick("Conta", "Account"),
        index + 1,
        entry["label"].as_str().unwrap_or(""),
        entry["issuer"].as_str().unwrap_or("-")
    );
    let mut system = None;
    if entry["reason"] != "no_user" || cands.len() > 1 {
        for (i, c) in cands.iter().enumerate() {
            eprintln!("  {}) {} ({})", i + 1, c["system"].as_str().unwrap_or(""), c["title"].as_str().unwrap_or(""));
        }
        eprint!("{} ", lang.pick("Número do tribunal, ou id do sistema (Enter pula):", "Court number, or system id (Enter skips):"));
        io::stderr().flush().ok();
        let mut line = String::new();
        io::stdin().read_line(&mut line)?;
        let a = line.trim();
        if a.is_empty() || a == "0" {
            return Ok(None);
        }
        system = Some(match a.parse::<usize>() {
            Ok(n) if (1..=cands.len()).contains(&n) => cands[n - 1]["system"].as_str().unwrap_or("").to_owned(),
            _ => a.to_owned(),
        });
    } else if let Some(c) = cands.first() {
        system = c["system"].as_str().map(str::to_owned);
    }
    let mut user = None;
    if entry["user"].as_str().unwrap_or("").trim().is_empty() {
        eprint!("{} ", lang.pick("Usuário do eproc para esta chave (Enter pula):", "eproc user for this key (Enter skips):"));
        io::stderr().flush().ok();
        let mut line = String::new();
        io::stdin().read_line(&mut line)?;
        if line.trim().is_empty() {
            return Ok(None);
        }
        user = Some(line.trim().to_owned());
    }
    Ok(Some(ImportChoice { index, system, authenticator: None, user, replace: false }))
}

pub fn run(args: ImportArgs, lang: Lang) -> Result<()> {
    let t = |pt: &'static str, en: &'static str| lang.pick(pt, en);
    if args.password_stdin && args.file == "-" {
        bail!(user_error(t("--password-stdin lê a senha da entrada padrão: dê o arquivo pelo nome.", "--password-stdin reads the password from standard input: give the file by name.")));
    }
    let mut password: Option<Zeroizing<String>> = None;
    if args.password_stdin {
        let mut line = Zeroizing::new(String::new());
        io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
        password = Some(Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_owned()));
    } else if let Ok(p) = std::env::var(PASSWORD_ENV) {
        password = Some(Zeroizing::new(p));
    }
    let limit = if matches!(args.format, FormatArg::Image | FormatArg::Auto | FormatArg::Keepassxc) { MAX_IMAGE_BYTES } else { MAX_IMPORT_BYTES as u64 };
    let bytes = read_file(&args.file, limit, lang)?;
    let payload = if args.format == FormatArg::Image || (args.format == FormatArg::Auto && is_image(&bytes)) {
        let texts = qr_texts(&bytes).map_err(|e| user_error(format!("{}: {e}", t("Imagem ilegível", "Unreadable picture"))))?;
        if texts.is_empty() {
            bail!(user_error(t(
                "Nenhum código QR encontrado na imagem. Fotografe a tela do celular de frente, com o código inteiro e nítido, ou use uma captura de tela.",
                "No QR code found in the picture. Photograph the phone's screen straight on, with the whole code sharp, or use a screenshot."
            )));
        }
        eprintln!("{} {} {}", texts.len(), t("código(s) QR lido(s) da imagem", "QR code(s) read from the picture"), args.file);
        Payload { text: Some(Zeroizing::new(texts.join("\n"))), data: None, format: "auto" }
    } else if matches!(args.format, FormatArg::Auto | FormatArg::Keepassxc) && is_kdbx(&bytes) {
        let pw = match password.take() {
            Some(p) => p,
            None if io::stdin().is_terminal() => prompt_password(lang)?,
            None => bail!(user_error(t("Banco .kdbx protegido por senha: use --password-stdin.", "Password-protected .kdbx database: use --password-stdin."))),
        };
        Payload { text: Some(kdbx_to_xml(&args.file, &pw, lang)?), data: None, format: "keepassxc" }
    } else {
        if bytes.len() > MAX_IMPORT_BYTES {
            bail!(user_error(format!("{} ({} MB; {} 8 MB).", t("Arquivo grande demais para importar", "File too large to import"), bytes.len() / 1_000_000, t("limite", "limit"))));
        }
        match std::str::from_utf8(&bytes) {
            Ok(s) => Payload { text: Some(Zeroizing::new(s.to_owned())), data: None, format: args.format.protocol_name() },
            Err(_) => Payload { text: None, data: Some(Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&*bytes))), format: args.format.protocol_name() },
        }
    };
    drop(bytes);

    let mut app = App::new(lang)?;
    // Preview (asking for the password when the file needs one and there is a terminal).
    let preview = loop {
        let (text, data) = payload.fields();
        let req = Request::ImportPreview {
            text,
            data,
            format: Some(payload.format.to_owned()),
            password: password.as_ref().map(|p| Sensitive(p.to_string())),
            system: args.system.clone(),
        };
        match app.request_raw(req) {
            Ok(v) => break v,
            Err(e) if e.code == eproc_a2f_core::protocol::ErrorCode::ImportPasswordRequired && password.is_none() && io::stdin().is_terminal() && args.file != "-" => {
                password = Some(prompt_password(lang)?);
            }
            Err(e) if e.code == eproc_a2f_core::protocol::ErrorCode::ImportPasswordRequired && password.is_none() => {
                bail!(user_error(format!(
                    "{} {}",
                    app.error_text(&e),
                    t("Sem terminal: use --password-stdin ou a variável EPROC_A2F_IMPORT_PASSWORD.", "No terminal: use --password-stdin or the EPROC_A2F_IMPORT_PASSWORD variable.")
                )))
            }
            Err(e) => bail!(user_error(app.error_text(&e))),
        }
    };
    print_preview(&preview, lang);
    let entries = preview["entries"].as_array().cloned().unwrap_or_default();
    let count = |s: &str| entries.iter().filter(|e| e["status"] == s).count();
    let conflicts = count("conflict");
    if conflicts > 0 && !args.replace {
        eprintln!("{}", t(
            "CONFLITO: há outra chave guardada para a mesma conta. As duas ficam como estão; confira qual código o tribunal aceita e use --replace para trocar pela do arquivo.",
            "CONFLICT: another key is saved for the same account. Both stay as they are; check which code the court accepts and use --replace to take the file's."
        ));
    }
    if args.dry_run {
        println!("{}", t("Simulação (--dry-run): nada foi alterado.", "Dry run (--dry-run): nothing was changed."));
        return Ok(());
    }
    // Choices: every new entry, conflicts with --replace, and the ambiguous ones asked on a
    // terminal (never guessed; without a terminal they need --system).
    let interactive = io::stdin().is_terminal() && args.file != "-" && !args.password_stdin;
    let mut choices: Vec<ImportChoice> = Vec::new();
    let mut unresolved = 0;
    for e in &entries {
        let index = e["index"].as_u64().unwrap_or(0) as usize;
        match e["status"].as_str().unwrap_or("") {
            "new" => choices.push(ImportChoice { index, system: None, authenticator: None, user: None, replace: false }),
            "conflict" if args.replace => choices.push(ImportChoice { index, system: None, authenticator: None, user: None, replace: true }),
            "conflict" => unresolved += 1,
            "ambiguous" if interactive => match ask_choice(e, lang)? {
                Some(c) => choices.push(c),
                None => unresolved += 1,
            },
            "ambiguous" => unresolved += 1,
            _ => {}
        }
    }
    if count("ambiguous") > 0 && !interactive {
        eprintln!("{}", t(
            "Contas que não dizem o tribunal não foram importadas: rode de novo com --system <sistema> (ex.: --system jfpr) ou num terminal para escolher.",
            "Accounts that do not name the court were not imported: run again with --system <system> (e.g. --system jfpr) or in a terminal to choose."
        ));
    }
    let mut imported = Vec::new();
    if !choices.is_empty() {
        let (text, data) = payload.fields();
        let answer = app
            .request_raw(Request::ImportApply {
                text,
                data,
                format: Some(payload.format.to_owned()),
                password: password.as_ref().map(|p| Sensitive(p.to_string())),
                system: args.system.clone(),
                choices: Some(choices),
                replace: args.replace,
            })
            .map_err(|e| user_error(app.error_text(&e)))?;
        imported = answer["imported"].as_array().cloned().unwrap_or_default();
    }
    if !imported.is_empty() {
        println!("{}", t("Importadas (compare o código com o do aplicativo do celular):", "Imported (compare the code with the phone app's):"));
    }
    for i in &imported {
        let outcome = match i["outcome"].as_str().unwrap_or("") {
            "created" => t("nova", "new"),
            "replaced" => t("substituída", "replaced"),
            _ => t("já estava", "already there"),
        };
        println!(
            "  {} / {} ({outcome}): {}  ({} {} s)",
            i["system"].as_str().unwrap_or(""),
            i["user"].as_str().unwrap_or(""),
            i["code"].as_str().unwrap_or(""),
            t("válido por", "valid for"),
            i["valid_for_s"].as_u64().unwrap_or(0)
        );
    }
    println!("{} {}, {} {}", imported.len(), t("importada(s)", "imported"), entries.len() - imported.len(), t("não importada(s)", "not imported"));
    if unresolved > 0 {
        bail!(user_error(t("Algumas contas precisam de uma escolha (veja acima); as demais foram salvas.", "Some accounts need a choice (see above); the others were saved.")));
    }
    if imported.is_empty() && count("same") == 0 {
        bail!(user_error(t("Nenhuma conta do eproc neste arquivo foi importada.", "No eproc account of this file was imported.")));
    }
    Ok(())
}

/// `export --format google-migration --qr FILE.png`: Google Authenticator transfer codes, at most
/// [`migration::ACCOUNTS_PER_CODE`] accounts per code; one PNG per code (`FILE.png`, or
/// `FILE-1.png`, `FILE-2.png`... when there are several), each created with mode 0600.
pub(crate) fn export_google_qr(app: &App, path: &Path, lang: Lang) -> Result<Vec<PathBuf>> {
    let accounts = app.vault.accounts().map_err(|e| app.vault_error(e))?;
    if accounts.is_empty() {
        bail!(user_error(lang.pick("Nenhuma conta cadastrada para exportar.", "No accounts to export.")));
    }
    let mut keys = Vec::new();
    for a in &accounts {
        keys.push(app.vault.secret(a).map_err(|e| app.vault_error(e))?);
    }
    let issuers: Vec<String> = accounts.iter().map(|a| plan::issuer_for(&app.registry, &a.authenticator)).collect();
    let out: Vec<migration::Outgoing> = accounts
        .iter()
        .zip(&keys)
        .zip(&issuers)
        .map(|((a, k), i)| migration::Outgoing { key: k, params: a.params, issuer: i, name: &a.user })
        .collect();
    let batch_id = (crate::host::now_ms() % 0x7fff_ffff) as i32;
    let uris = migration::encode_uris(&out, batch_id).map_err(|i| {
        user_error(format!(
            "{} {} / {} {}",
            lang.pick("O Google Authenticator não aceita o período ou os dígitos da conta", "Google Authenticator cannot take the period or digits of account"),
            accounts[i].authenticator,
            accounts[i].user,
            lang.pick("(só 30 s, 6 ou 8 dígitos); use --format otpauth.", "(only 30 s, 6 or 8 digits); use --format otpauth.")
        ))
    })?;
    let paths: Vec<PathBuf> = if uris.len() == 1 {
        vec![path.to_owned()]
    } else {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "eproc-a2f".into());
        let ext = path.extension().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "png".into());
        (1..=uris.len()).map(|i| path.with_file_name(format!("{stem}-{i}.{ext}"))).collect()
    };
    for (uri, p) in uris.iter().zip(&paths) {
        let png = Zeroizing::new(qr_png(uri)?);
        crate::cli::write_private(p, &png)?;
    }
    Ok(paths)
}

/// A QR code as a PNG, 8 pixels per module, 4 modules of quiet zone.
fn qr_png(text: &str) -> Result<Vec<u8>> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).context("QR code")?;
    let n = code.width();
    let colors = code.to_colors();
    let (px, quiet) = (8usize, 4usize);
    let side = (n + 2 * quiet) * px;
    let mut img = image::GrayImage::from_pixel(side as u32, side as u32, image::Luma([255]));
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i % n + quiet, i / n + quiet);
            for y in my * px..(my + 1) * px {
                for x in mx * px..(mx + 1) * px {
                    img.put_pixel(x as u32, y as u32, image::Luma([0]));
                }
            }
        }
    }
    let mut out = Vec::new();
    img.write_to(&mut io::Cursor::new(&mut out), image::ImageFormat::Png).context("PNG")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_export_png_decodes_with_our_reader() {
        let uri = "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC";
        let png = qr_png(uri).unwrap();
        assert_eq!(qr_texts(&png).unwrap(), vec![uri.to_owned()]);
        assert!(qr_texts(b"not a picture").is_err());
    }
}
