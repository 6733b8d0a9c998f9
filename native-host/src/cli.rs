//! The command line: the same keys as the extension, from a terminal.
//! Help and messages are in Portuguese by default and in English when the locale is English.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde_json::{json, Value};
use zeroize::Zeroizing;

use eproc_a2f_core::protocol::Request;
use eproc_a2f_core::service::{handle, Context as SvcContext, Vault, VaultError};
use eproc_a2f_core::{i18n, Lang, Registry};

use crate::config;
use crate::doctor;
use crate::host::now_ms;
use crate::install::{self, Browser, InstallPlan, Scope};
use crate::store::{secrets::OsKeyring, KeyringVault};

#[derive(Parser, Debug)]
#[command(name = "eproc-a2f", version, about = "Códigos de autenticação em dois fatores (A2F) do eproc, guardados no chaveiro do sistema.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lista os sistemas eproc conhecidos (tribunais, endereços, A2F).
    Systems {
        /// Saída em JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cadastra a chave de um tribunal (a chave alfanumérica mostrada pelo eproc).
    Add(AddArgs),
    /// Mostra o código atual de um tribunal.
    Code {
        /// Sistema (ex.: trf4, jfpr, tjrs-1g), autenticador ou endereço do eproc.
        target: String,
        /// Usuário do eproc (obrigatório se houver mais de uma conta).
        #[arg(long, short)]
        user: Option<String>,
        /// Calcula o código deste instante (segundos Unix) sem alterar nada.
        #[arg(long, value_name = "UNIX_SECONDS")]
        time: Option<u64>,
        /// Saída em JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lista as contas cadastradas (nunca mostra chaves).
    List {
        /// Saída em JSON.
        #[arg(long)]
        json: bool,
    },
    /// Volta à chave anterior de uma conta (guardada ao substituir a chave num novo cadastro); a chave atual fica guardada no lugar dela.
    Restore {
        /// Sistema, autenticador ou endereço do eproc.
        target: String,
        /// Usuário do eproc.
        #[arg(long, short)]
        user: String,
    },
    /// Remove a chave de uma conta do chaveiro.
    Remove {
        /// Sistema, autenticador ou endereço do eproc.
        target: String,
        /// Usuário do eproc.
        #[arg(long, short)]
        user: String,
        /// Não pede confirmação.
        #[arg(long)]
        yes: bool,
    },
    /// Exporta TODAS as chaves como linhas otpauth:// (backup; mostra segredos).
    Export {
        /// Grava no arquivo (permissão 600) em vez da saída padrão.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Formato: otpauth (linhas) ou google-migration (códigos QR de transferência do Google Authenticator).
        #[arg(long, value_enum, default_value = "otpauth")]
        format: crate::import_cmd::ExportFormat,
        /// Com --format google-migration: grava os códigos QR nesta imagem PNG (permissão 600).
        #[arg(long, value_name = "FILE.png")]
        qr: Option<PathBuf>,
        /// Não pede confirmação.
        #[arg(long)]
        yes: bool,
    },
    /// Importa chaves de outros aplicativos: QR de transferência do Google Authenticator (foto ou captura), Aegis, 2FAS, Bitwarden, KeePassXC, linhas otpauth://.
    Import(crate::import_cmd::ImportArgs),
    /// Registra o eproc-a2f nos navegadores (manifesto de native messaging).
    Install(InstallArgs),
    /// Remove o registro do eproc-a2f dos navegadores.
    Uninstall(InstallArgs),
    /// Gera modelos de política para administradores (instalação forçada, configuração gerenciada).
    Policy(crate::policy::PolicyArgs),
    /// Verifica chaveiro, índice, registro nos navegadores e configuração.
    Doctor {
        /// Corrige o que for seguro corrigir (reconstrói o índice a partir do chaveiro).
        #[arg(long)]
        repair: bool,
        /// Saída em JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// Sistema (ex.: trf4, jfpr, tjrs-1g), autenticador ou endereço do eproc.
    pub target: String,
    /// Usuário do eproc.
    #[arg(long, short)]
    pub user: String,
    /// Lê a chave da entrada padrão (para scripts), em vez de pedi-la sem eco.
    #[arg(long)]
    pub secret_stdin: bool,
    /// Nome amigável da conta.
    #[arg(long)]
    pub label: Option<String>,
    /// Substitui uma chave diferente já cadastrada; a anterior continua guardada até que um login com a chave nova dê certo (eproc-a2f restore volta a ela).
    #[arg(long)]
    pub replace: bool,
    /// Algoritmo (SHA1, SHA256, SHA512); padrão SHA1.
    #[arg(long)]
    pub algorithm: Option<String>,
    /// Dígitos (6 a 8); padrão 6.
    #[arg(long)]
    pub digits: Option<u8>,
    /// Período em segundos; padrão 30.
    #[arg(long)]
    pub period: Option<u32>,
}

#[derive(Args, Debug, Clone)]
pub struct InstallArgs {
    /// Navegador(es).
    #[arg(long, value_enum, default_value = "all")]
    pub browser: Vec<BrowserArg>,
    /// Para este usuário ou para todo o sistema (requer administrador).
    #[arg(long, value_enum, default_value = "user")]
    pub scope: Scope,
    /// Grava o manifesto nesta pasta (perfis personalizados, testes).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// ID de extensão adicional autorizada (repetível).
    #[arg(long = "extension-id")]
    pub extension_id: Vec<String>,
    /// Caminho do executável a registrar (padrão: este executável).
    #[arg(long)]
    pub host_path: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BrowserArg {
    Chrome,
    Chromium,
    Edge,
    Brave,
    Vivaldi,
    Firefox,
    All,
}

/// English help texts, by subcommand and argument id. Portuguese is the text in the derive.
const ENGLISH_HELP: &[(&str, &str, &str)] = &[
    ("", "", "Two-factor authentication (A2F) codes for eproc, kept in the system keyring."),
    ("systems", "", "List the known eproc systems (courts, addresses, A2F)."),
    ("add", "", "Save a court's key (the alphanumeric key eproc shows)."),
    ("add", "target", "System (e.g. trf4, jfpr, tjrs-1g), authenticator or eproc address."),
    ("add", "user", "eproc user name."),
    ("add", "secret_stdin", "Read the key from standard input (for scripts) instead of prompting without echo."),
    ("add", "label", "Friendly name of the account."),
    ("add", "replace", "Replace a different key already saved; the previous one stays saved until a login with the new key succeeds (eproc-a2f restore goes back to it)."),
    ("add", "algorithm", "Algorithm (SHA1, SHA256, SHA512); default SHA1."),
    ("add", "digits", "Digits (6 to 8); default 6."),
    ("add", "period", "Period in seconds; default 30."),
    ("code", "", "Show a court's current code."),
    ("code", "target", "System (e.g. trf4, jfpr, tjrs-1g), authenticator or eproc address."),
    ("code", "user", "eproc user name (required with more than one account)."),
    ("code", "time", "Compute the code at this moment (Unix seconds) and change nothing."),
    ("list", "", "List saved accounts (never shows keys)."),
    ("remove", "", "Delete an account's key from the keyring."),
    ("restore", "", "Go back to an account's previous key (kept when a new enrollment replaced it); the current key is kept in its place."),
    ("restore", "target", "System, authenticator or eproc address."),
    ("restore", "user", "eproc user name."),
    ("remove", "yes", "Do not ask for confirmation."),
    ("export", "", "Export ALL keys as otpauth:// lines (backup; shows secrets)."),
    ("export", "output", "Write to this file (mode 600) instead of standard output."),
    ("export", "yes", "Do not ask for confirmation."),
    ("export", "format", "Format: otpauth (lines) or google-migration (Google Authenticator transfer QR codes)."),
    ("export", "qr", "With --format google-migration: write the QR codes into this PNG picture (mode 600)."),
    ("install", "", "Register eproc-a2f with the browsers (native-messaging manifest)."),
    ("uninstall", "", "Remove eproc-a2f's registration from the browsers."),
    ("install", "browser", "Browser(s)."),
    ("install", "scope", "For this user or the whole system (needs administrator)."),
    ("install", "dir", "Write the manifest into this folder (custom profiles, tests)."),
    ("install", "extension_id", "Additional allowed extension ID (repeatable)."),
    ("install", "host_path", "Path of the executable to register (default: this executable)."),
    ("policy", "", "Generate policy templates for administrators (force-install, managed configuration)."),
    ("doctor", "", "Check keyring, index, browser registration and configuration."),
    ("doctor", "repair", "Fix what is safe to fix (rebuild the index from the keyring)."),
];

fn localized_command(lang: Lang) -> clap::Command {
    let mut cmd = Cli::command();
    if lang == Lang::En {
        for (sub, arg, text) in ENGLISH_HELP.iter().chain(crate::import_cmd::ENGLISH_HELP) {
            match (*sub, *arg) {
                ("", "") => cmd = cmd.about(*text),
                (s, "") => cmd = cmd.mut_subcommand(s, |c| c.about(*text)),
                (s, a) => {
                    let subs: Vec<&str> = if s == "install" { vec!["install", "uninstall"] } else { vec![s] };
                    for s in subs {
                        cmd = cmd.mut_subcommand(s, |c| c.mut_arg(a, |x| x.help(*text)));
                    }
                }
            }
        }
        for s in ["systems", "code", "list", "doctor"] {
            cmd = cmd.mut_subcommand(s, |c| c.mut_arg("json", |x| x.help("JSON output.")));
        }
    }
    cmd
}

pub fn lang_from_env() -> Lang {
    for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Ok(v) = std::env::var(var) {
            if !v.is_empty() {
                return Lang::from_locale(&v);
            }
        }
    }
    Lang::PtBr
}

pub fn parse(lang: Lang) -> Cli {
    let matches = localized_command(lang).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// An error with a user-facing message already chosen.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

pub(crate) struct App {
    lang: Lang,
    pub(crate) registry: Registry,
    pub(crate) vault: KeyringVault<OsKeyring>,
}

impl App {
    pub(crate) fn new(lang: Lang) -> Result<App> {
        let eff = config::effective();
        for p in &eff.problems {
            eprintln!("eproc-a2f: {p}");
        }
        let (registry, problems) = config::registry(&eff);
        for p in problems {
            eprintln!("eproc-a2f: {p}");
        }
        let dir = config::user_config_dir().context("cannot find the configuration folder")?;
        Ok(App { lang, registry, vault: KeyringVault::new(dir, OsKeyring) })
    }

    fn t(&self, pt: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(pt, en)
    }

    /// Runs one protocol request through the same handler the extension uses.
    fn request(&mut self, req: Request) -> Result<Value> {
        self.request_at(req, now_ms())
    }

    /// A request whose protocol error the caller looks at (`import` asks for a password on
    /// `import_password_required`).
    pub(crate) fn request_raw(&mut self, req: Request) -> std::result::Result<Value, eproc_a2f_core::protocol::ProtocolError> {
        let ctx = SvcContext { registry: &self.registry, now_ms: now_ms(), lang: self.lang, mode: "native", version: eproc_a2f_core::VERSION };
        handle(&mut self.vault, &ctx, req)
    }

    /// A protocol error as the CLI prints it: the message, then the detail.
    pub(crate) fn error_text(&self, e: &eproc_a2f_core::protocol::ProtocolError) -> String {
        let mut msg = i18n::error_message(e.code, self.lang).to_owned();
        if let Some(d) = &e.detail {
            msg.push_str(&format!(" ({d})"));
        }
        msg
    }

    /// The same, as if it were `now_ms` (`code --time`).
    fn request_at(&mut self, req: Request, now_ms: u64) -> Result<Value> {
        let ctx = SvcContext {
            registry: &self.registry,
            now_ms,
            lang: self.lang,
            mode: "native",
            version: eproc_a2f_core::VERSION,
        };
        handle(&mut self.vault, &ctx, req).map_err(|e| {
            let mut msg = i18n::error_message(e.code, self.lang).to_owned();
            if let Some(d) = &e.detail {
                msg.push_str(&format!(" ({d})"));
            }
            if let Some(Value::Array(list)) = e.extra.get("accounts") {
                let users: Vec<String> = list.iter().filter_map(|a| a["user"].as_str().map(str::to_owned)).collect();
                msg.push_str(&format!("\n  {}: {}", self.t("contas", "accounts"), users.join(", ")));
            }
            anyhow!(UserError(msg))
        })
    }

    pub(crate) fn vault_error(&self, e: VaultError) -> anyhow::Error {
        anyhow!(UserError(format!("{} ({e})", i18n::error_message(e.code(), self.lang))))
    }

    /// A URL standing for a CLI target (system id, authenticator id or URL).
    fn target_url(&self, target: &str) -> Result<String> {
        let res = self.registry.resolve_target(target).map_err(|e| {
            anyhow!(UserError(format!(
                "{} {target:?}: {e}. {}",
                self.t("Tribunal desconhecido", "Unknown court"),
                self.t("Veja 'eproc-a2f systems'.", "See 'eproc-a2f systems'.")
            )))
        })?;
        if target.starts_with("https://") {
            return Ok(target.to_owned());
        }
        let sys = res
            .system
            .as_deref()
            .or(res.systems.first().map(String::as_str))
            .and_then(|id| self.registry.system(id))
            .ok_or_else(|| anyhow!("no system for {target}"))?;
        Ok(sys.app.clone())
    }

    fn authenticator_of(&self, target: &str) -> Result<String> {
        let url = self.target_url(target)?;
        Ok(self.registry.resolve(&url).map_err(|e| anyhow!(UserError(e.to_string())))?.authenticator)
    }
}

fn read_secret(args: &AddArgs, lang: Lang) -> Result<Zeroizing<String>> {
    if args.secret_stdin {
        let mut s = Zeroizing::new(String::new());
        io::stdin().read_to_string(&mut s).context("cannot read the key from standard input")?;
        return Ok(s);
    }
    if !io::stdin().is_terminal() {
        bail!(UserError(lang.pick(
            "Sem terminal para digitar a chave: use --secret-stdin.",
            "No terminal to type the key: use --secret-stdin."
        ).into()));
    }
    let prompt = lang.pick("Chave alfanumérica mostrada pelo eproc (não aparece ao digitar): ", "Alphanumeric key shown by eproc (hidden while typing): ");
    Ok(Zeroizing::new(rpassword::prompt_password(prompt).context("cannot read the key")?))
}

fn confirm(question: &str, lang: Lang) -> Result<bool> {
    if !io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("{question} [{}] ", lang.pick("s/N", "y/N"));
    io::stderr().flush().ok();
    let mut line = String::new();
    io::stdin().read_line(&mut line)?;
    let a = line.trim().to_lowercase();
    Ok(matches!(a.as_str(), "s" | "sim" | "y" | "yes"))
}

/// The registry's A2F status for people (the JSON keeps its ASCII value, `obrigatorio`).
fn two_factor_text(tf: eproc_a2f_core::registry::TwoFactor, lang: Lang) -> &'static str {
    use eproc_a2f_core::registry::TwoFactor;
    match tf {
        TwoFactor::Obrigatorio => lang.pick("obrigatório", "required"),
        TwoFactor::Opcional => lang.pick("opcional", "optional"),
        TwoFactor::Indisponivel => lang.pick("indisponível", "unavailable"),
        TwoFactor::Desconhecido => lang.pick("desconhecido", "unknown"),
    }
}

fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

pub fn run(cli: Cli, lang: Lang) -> Result<()> {
    match cli.command {
        Command::Systems { json } => {
            let eff = config::effective();
            let (reg, _) = config::registry(&eff);
            if json {
                print_json(&json!({"registry": reg.version(), "systems": reg.systems()}));
            } else {
                println!("{:<10} {:<9} {:<14} {:<12} URL", "id", lang.pick("tribunal", "court"), "A2F", lang.pick("chave", "key"));
                for s in reg.systems() {
                    let tf = two_factor_text(s.two_factor, lang);
                    println!("{:<10} {:<9} {:<14} {:<12} {}", s.id, s.court, tf, s.authenticator, s.app);
                }
            }
            Ok(())
        }
        Command::Add(args) => {
            let mut app = App::new(lang)?;
            let url = app.target_url(&args.target)?;
            let secret = read_secret(&args, lang)?;
            let answer = app.request(Request::Enroll {
                url,
                user: args.user.clone(),
                secret: secret.trim().to_owned(),
                label: args.label.clone(),
                algorithm: args.algorithm.clone(),
                digits: args.digits,
                period: args.period,
                replace: args.replace,
                clock_offset_ms: None,
            })?;
            if answer["warnings"].as_array().is_some_and(|w| w.iter().any(|x| x == "short_key")) {
                eprintln!("{}", app.t(
                    "Atenção: esta chave é curta (menos de 128 bits). Confira se foi copiada inteira.",
                    "Warning: this key is short (under 128 bits). Check that it was copied whole."
                ));
            }
            let outcome = answer["outcome"].as_str().unwrap_or_default();
            let what = match outcome {
                "unchanged" => app.t("Chave já estava salva", "Key was already saved"),
                "replaced" => app.t("Chave substituída (a anterior continua guardada)", "Key replaced (the previous one is still kept)"),
                _ => app.t("Chave salva no chaveiro do sistema", "Key saved in the system keyring"),
            };
            let systems: Vec<&str> = answer["systems"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            println!("{what}: {} / {} ({}: {})", answer["authenticator"].as_str().unwrap_or(""), answer["user"].as_str().unwrap_or(""), app.t("vale para", "valid for"), systems.join(", "));
            print_code_line(&answer, lang);
            if answer["replaced_kept"] == json!(true) {
                eprintln!("{}", i18n::REPLACED_KEPT.pick(lang));
            }
            Ok(())
        }
        Command::Code { target, user, time, json } => {
            let mut app = App::new(lang)?;
            let authenticator = app.authenticator_of(&target)?;
            if let Some(t) = time {
                // A code for a given moment: the same request as a live one, read-only (peek) at
                // that time, so no step is used up.
                let mut answer = app.request_at(
                    Request::Code { url: None, authenticator: Some(authenticator), user, peek: true, clock_offset_ms: None },
                    t.saturating_mul(1000),
                )?;
                if json {
                    answer["time"] = json!(t);
                    print_json(&answer);
                } else {
                    println!("{}", answer["code"].as_str().unwrap_or_default());
                }
                return Ok(());
            }
            let answer = app.request(Request::Code { url: None, authenticator: Some(authenticator), user, peek: false, clock_offset_ms: None })?;
            if json {
                print_json(&answer);
            } else {
                print_code_line(&answer, lang);
            }
            Ok(())
        }
        Command::List { json } => {
            let mut app = App::new(lang)?;
            let answer = app.request(Request::Accounts { url: None })?;
            if json {
                print_json(&answer);
                return Ok(());
            }
            let list = answer["accounts"].as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                println!("{}", app.t("Nenhuma conta cadastrada. Use: eproc-a2f add <tribunal> --user <usuário>", "No accounts. Use: eproc-a2f add <court> --user <user>"));
            }
            for a in list {
                let systems: Vec<&str> = a["systems"].as_array().map(|x| x.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                let label = a["label"].as_str().map(|l| format!(" \"{l}\"")).unwrap_or_default();
                let mut marks = String::new();
                if a["replaced_kept"] == json!(true) {
                    marks.push_str(app.t(
                        "  (chave anterior guardada até um login com a nova dar certo: eproc-a2f restore para voltar a ela)",
                        "  (previous key kept until a login with the new one succeeds: eproc-a2f restore to go back to it)",
                    ));
                }
                if let Some(n) = a["rejection"]["count"].as_u64() {
                    marks.push_str(&match (lang, a["rejection"]["fill"] == json!(true)) {
                        (Lang::PtBr, true) => format!("  (o tribunal recusou {n} código: sem envio automático)"),
                        (Lang::PtBr, false) => format!("  (o tribunal recusou {n} códigos: preenchimento suspenso)"),
                        (Lang::En, true) => format!("  (the court refused {n} code: no automatic submit)"),
                        (Lang::En, false) => format!("  (the court refused {n} codes: filling suspended)"),
                    });
                }
                println!("{:<10} {}{}  [{}]{marks}", a["authenticator"].as_str().unwrap_or(""), a["user"].as_str().unwrap_or(""), label, systems.join(", "));
            }
            Ok(())
        }
        Command::Restore { target, user } => {
            let mut app = App::new(lang)?;
            let authenticator = app.authenticator_of(&target)?;
            app.request(Request::Restore { url: None, authenticator: Some(authenticator.clone()), user: user.clone() })?;
            println!(
                "{} {authenticator} / {user}. {}",
                app.t("Chave anterior restaurada:", "Previous key restored:"),
                app.t(
                    "A chave que estava em uso continua guardada até um login dar certo (eproc-a2f restore troca de novo).",
                    "The key that was in use stays kept until a login succeeds (eproc-a2f restore swaps them again)."
                )
            );
            Ok(())
        }
        Command::Remove { target, user, yes } => {
            let mut app = App::new(lang)?;
            let authenticator = app.authenticator_of(&target)?;
            if !yes {
                let q = format!(
                    "{} {authenticator} / {user}? {}",
                    app.t("Apagar a chave de", "Delete the key of"),
                    app.t("Sem ela (ou um backup) você não entra no eproc.", "Without it (or a backup) you cannot log in to eproc.")
                );
                if !confirm(&q, lang)? {
                    bail!(UserError(app.t("Nada foi apagado (use --yes para confirmar sem perguntar).", "Nothing was deleted (use --yes to confirm without asking).").into()));
                }
            }
            app.request(Request::Remove { url: None, authenticator: Some(authenticator.clone()), user: user.clone(), confirm: true })?;
            println!("{} {authenticator} / {user}", app.t("Removida:", "Removed:"));
            Ok(())
        }
        Command::Export { output, format, qr, yes } => {
            let app = App::new(lang)?;
            let google = format == crate::import_cmd::ExportFormat::GoogleMigration;
            if google != qr.is_some() {
                bail!(UserError(app.t("Use --format google-migration junto com --qr ARQUIVO.png.", "Use --format google-migration together with --qr FILE.png.").into()));
            }
            eprintln!("{}", app.t(
                "ATENÇÃO: a exportação mostra as chaves secretas. Quem tiver este arquivo gera seus códigos. Guarde-o em local seguro.",
                "WARNING: the export shows the secret keys. Whoever has this file can make your codes. Keep it somewhere safe."
            ));
            if !yes && !confirm(app.t("Exportar todas as chaves?", "Export all keys?"), lang)? {
                bail!(UserError(app.t("Exportação cancelada (use --yes para confirmar sem perguntar).", "Export cancelled (use --yes to confirm without asking).").into()));
            }
            if let Some(png) = qr {
                let written = crate::import_cmd::export_google_qr(&app, &png, lang)?;
                for p in &written {
                    eprintln!("{} → {}", app.t("Código QR de transferência", "Transfer QR code"), p.display());
                }
                eprintln!("{}", app.t(
                    "No celular: Google Authenticator → Transferir contas → Importar contas, e leia cada código. Apague as imagens depois.",
                    "On the phone: Google Authenticator → Transfer accounts → Import accounts, and scan each code. Delete the pictures afterwards."
                ));
                return Ok(());
            }
            let accounts = app.vault.accounts().map_err(|e| app.vault_error(e))?;
            let mut text = Zeroizing::new(String::new());
            for a in &accounts {
                let key = app.vault.secret(a).map_err(|e| app.vault_error(e))?;
                let uri = crate::store::entry_value(a, &key);
                text.push_str(&uri);
                text.push('\n');
            }
            match output {
                Some(path) => {
                    write_private(&path, text.as_bytes())?;
                    eprintln!("{} {} → {}", accounts.len(), app.t("chave(s) exportada(s)", "key(s) exported"), path.display());
                }
                None => {
                    io::stdout().write_all(text.as_bytes())?;
                }
            }
            Ok(())
        }
        Command::Import(args) => crate::import_cmd::run(args, lang),
        Command::Install(args) => {
            let plan = plan(&args, true)?;
            for line in install::install(&plan)? {
                println!("{line}");
            }
            Ok(())
        }
        Command::Uninstall(args) => {
            let plan = plan(&args, false)?;
            for line in install::uninstall(&plan)? {
                println!("{line}");
            }
            Ok(())
        }
        Command::Doctor { repair, json } => doctor::run(lang, repair, json),
        Command::Policy(args) => crate::policy::run(args),
    }
}

fn print_code_line(answer: &Value, lang: Lang) {
    let code = answer["code"].as_str().unwrap_or("");
    let wait = answer["wait_ms"].as_u64().unwrap_or(0);
    let valid = answer["valid_for_s"].as_u64().unwrap_or(0);
    if wait > 0 {
        let secs = wait.div_ceil(1000);
        match lang {
            Lang::PtBr => println!("{code}  (válido daqui a {secs} s, por {valid} s)"),
            Lang::En => println!("{code}  (valid in {secs} s, for {valid} s)"),
        }
    } else {
        match lang {
            Lang::PtBr => println!("{code}  (válido por {valid} s)"),
            Lang::En => println!("{code}  (valid for {valid} s)"),
        }
    }
}

/// Writes a file only its owner can read: a new 0600 file next to `path`, renamed over it, so an
/// existing file's looser permissions (a 0644 file) never apply to the secrets. A symbolic link at
/// `path` is refused (it could point anywhere, and its target would keep its own permissions).
pub(crate) fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        bail!(UserError(format!(
            "{}: {}",
            path.display(),
            lang_from_env().pick(
                "é um link simbólico; escolha o arquivo de destino em si (nada foi gravado)",
                "is a symbolic link; name the target file itself (nothing was written)"
            )
        )));
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    // tempfile creates the file 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(".eproc-a2f-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn plan(args: &InstallArgs, installing: bool) -> Result<InstallPlan> {
    let all = args.browser.contains(&BrowserArg::All);
    let browsers: Vec<Browser> = if all {
        if args.scope == Scope::User && args.dir.is_none() && installing {
            let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()).unwrap_or_default();
            let found = install::detect_browsers(&home);
            if found.is_empty() {
                Browser::ALL.to_vec()
            } else {
                found
            }
        } else {
            Browser::ALL.to_vec()
        }
    } else {
        args.browser
            .iter()
            .map(|b| match b {
                BrowserArg::Chrome => Browser::Chrome,
                BrowserArg::Chromium => Browser::Chromium,
                BrowserArg::Edge => Browser::Edge,
                BrowserArg::Brave => Browser::Brave,
                BrowserArg::Vivaldi => Browser::Vivaldi,
                BrowserArg::Firefox => Browser::Firefox,
                BrowserArg::All => unreachable!("handled above"),
            })
            .collect()
    };
    let host_path = match &args.host_path {
        Some(p) => install::without_verbatim_prefix(std::fs::canonicalize(p).with_context(|| format!("{} does not exist", p.display()))?),
        None => install::without_verbatim_prefix(std::env::current_exe().and_then(std::fs::canonicalize).context("cannot find this executable")?),
    };
    Ok(InstallPlan { browsers, scope: args.scope, dir: args.dir.clone(), extension_ids: args.extension_id.clone(), host_path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_valid_in_both_languages() {
        Cli::command().debug_assert();
        localized_command(Lang::En).debug_assert();
        let help = localized_command(Lang::En).render_long_help().to_string();
        assert!(help.contains("Two-factor"), "{help}");
        let help = localized_command(Lang::PtBr).render_long_help().to_string();
        assert!(help.contains("dois fatores"), "{help}");
    }
}
