//! `eproc-a2f store status | login | logout | migrate --to openbao` (issue 12).
//!
//! `migrate` moves every key of the local keyring into OpenBao, one account at a time, with a
//! journal (`<config dir>/migrate-openbao.json`): the key is written to the TOTP engine and
//! verified there (the engine's code equals the key's) before the local copy is removed. Killed
//! at any point, nothing is lost (a key is removed locally only once OpenBao holds it), and a
//! rerun completes: writing the same key again is `unchanged`, an account already gone from the
//! keyring is checked in OpenBao and marked done.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use zeroize::Zeroizing;

use eproc_a2f_core::i18n;
use eproc_a2f_core::service::{Vault, VaultError};
use eproc_a2f_core::Lang;

use crate::cli::UserError;
use crate::config;
use crate::store::openbao::settings::{self, Backend, Method, Settings, StoreConfig};
use crate::store::openbao::{auth, OpenBaoVault};
use crate::store::{secrets::OsKeyring, KeyringVault};

#[derive(Args, Debug)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Mostra qual cofre está em uso (chaveiro ou OpenBao) e seu estado / which store is in use and its state.
    Status {
        /// Saída em JSON / JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Entra no OpenBao e guarda o token no chaveiro do sistema / log in to OpenBao, keep the token in the OS keyring.
    Login(LoginArgs),
    /// Apaga o token guardado / forget the stored token.
    Logout,
    /// Move as chaves do chaveiro local para o OpenBao (com diário; pode ser repetido) / move keys to OpenBao (journaled, rerunnable).
    Migrate {
        /// Destino / destination.
        #[arg(long, value_enum)]
        to: Destination,
        /// Não pede confirmação / do not ask.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Destination {
    Openbao,
}

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// Método: token, userpass, approle (padrão: o da configuração) / auth method (default: the configured one).
    #[arg(long)]
    pub method: Option<String>,
    /// Usuário (userpass) / user name (userpass).
    #[arg(long)]
    pub username: Option<String>,
    /// ID do papel (approle) / role ID (approle).
    #[arg(long)]
    pub role_id: Option<String>,
    /// Arquivo com o secret ID (approle) / file holding the secret ID (approle).
    #[arg(long)]
    pub secret_id_file: Option<PathBuf>,
    /// Lê a senha ou o token da entrada padrão / read the password or token from standard input.
    #[arg(long)]
    pub stdin: bool,
}

fn openbao_settings() -> Result<Settings> {
    match settings::backend().map_err(|e| anyhow!(UserError(format!("store: {e}"))))? {
        Backend::OpenBao(s) => Ok(*s),
        Backend::Keyring => bail!(UserError(
            "O cofre em uso é o chaveiro local; configure o OpenBao (store.backend = \"openbao\" e store.address, ou EPROC_A2F_STORE=openbao e BAO_ADDR) / the store in use is the local keyring; configure OpenBao first".into()
        )),
    }
}

fn err(e: VaultError, lang: Lang) -> anyhow::Error {
    anyhow!(UserError(format!("{} ({e})", i18n::error_message(e.code(), lang))))
}

fn read_line_stdin() -> Result<Zeroizing<String>> {
    let mut s = Zeroizing::new(String::new());
    std::io::stdin().read_to_string(&mut s).context("cannot read standard input")?;
    Ok(Zeroizing::new(s.trim().to_owned()))
}

pub fn run(args: StoreArgs, lang: Lang) -> Result<()> {
    match args.command {
        StoreCommand::Status { json } => status(lang, json),
        StoreCommand::Login(a) => login(a, lang),
        StoreCommand::Logout => {
            let s = openbao_settings()?;
            auth::forget(&s).map_err(|e| err(e, lang))?;
            println!("{}", lang.pick("Token do OpenBao apagado do chaveiro.", "OpenBao token removed from the keyring."));
            Ok(())
        }
        StoreCommand::Migrate { to: Destination::Openbao, yes } => migrate(lang, yes),
    }
}

/// The store's state as `store status` and `doctor` report it.
pub fn status_value() -> Value {
    match settings::backend() {
        Ok(Backend::Keyring) => json!({"backend": "keyring", "state": "ok"}),
        Err(e) => json!({"backend": "openbao", "state": "error", "error": "store_error", "detail": e}),
        Ok(Backend::OpenBao(s)) => {
            let address = s.address.clone();
            match OpenBaoVault::new(*s).and_then(|v| v.health()) {
                Ok(mut h) => {
                    h["backend"] = json!("openbao");
                    h["state"] = json!("ok");
                    h
                }
                Err(e) => json!({"backend": "openbao", "address": address, "state": "error", "error": e.code().as_str(), "detail": e.to_string()}),
            }
        }
    }
}

fn status(lang: Lang, as_json: bool) -> Result<()> {
    let v = status_value();
    if as_json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if v["backend"] == "keyring" {
        println!("{}", lang.pick("Cofre: chaveiro do sistema (local).", "Store: the system keyring (local)."));
    } else if v["state"] == "ok" {
        println!("{}: OpenBao {} ({})", lang.pick("Cofre", "Store"), v["address"].as_str().unwrap_or(""), v["version"].as_str().unwrap_or(""));
        println!("  {}: {}", lang.pick("identidade", "identity"), v["display_name"].as_str().unwrap_or(""));
        let ttl = match v["ttl"].as_u64() {
            Some(0) | None => lang.pick("sem validade", "no expiry").to_owned(),
            Some(t) => format!("{t} s"),
        };
        println!("  {}: {ttl}", lang.pick("validade do token", "token TTL"));
        println!("  {}: {}", lang.pick("prefixo", "prefix"), v["prefix"].as_str().unwrap_or(""));
        if let Some(m) = v["managed_policy"].as_str() {
            println!("  {}: {m}", lang.pick("definido pela organização (política)", "set by the organisation (policy)"));
        }
    } else {
        let code = v["error"].as_str().unwrap_or("store_error");
        let c = eproc_a2f_core::protocol::ErrorCode::ALL.iter().copied().find(|c| c.as_str() == code).unwrap_or(eproc_a2f_core::protocol::ErrorCode::StoreError);
        bail!(UserError(format!("OpenBao {}: {} ({})", v["address"].as_str().unwrap_or(""), i18n::error_message(c, lang), v["detail"].as_str().unwrap_or(""))));
    }
    Ok(())
}

fn login(a: LoginArgs, lang: Lang) -> Result<()> {
    let mut s = openbao_settings()?;
    if let Some(m) = &a.method {
        s.method = Method::parse(m).ok_or_else(|| anyhow!(UserError(format!("--method {m}: token, userpass, approle"))))?;
        s.auth_mount = s.method.as_str().into();
    }
    let vault = OpenBaoVault::new(s.clone()).map_err(|e| err(e, lang))?;
    let c = &vault.client;
    let token = match s.method {
        Method::Token => {
            let t = if a.stdin { read_line_stdin()? } else { Zeroizing::new(rpassword::prompt_password("Token: ")?) };
            auth::adopt_token(c, &t)
        }
        Method::Userpass => {
            let user = a.username.or(s.username.clone()).ok_or_else(|| anyhow!(UserError(lang.pick("Informe --username.", "Give --username.").into())))?;
            let pw = if a.stdin { read_line_stdin()? } else { Zeroizing::new(rpassword::prompt_password(format!("{} {user}: ", lang.pick("Senha do OpenBao para", "OpenBao password for")))?) };
            auth::login_userpass(c, &s, &user, &pw)
        }
        Method::AppRole => {
            let role = a.role_id.or(s.role_id.clone()).ok_or_else(|| anyhow!(UserError(lang.pick("Informe --role-id.", "Give --role-id.").into())))?;
            let secret = match (a.secret_id_file.or(s.secret_id_file.clone()), a.stdin) {
                (_, true) => read_line_stdin()?,
                (Some(f), false) => Zeroizing::new(std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?.trim().to_owned()),
                (None, false) => Zeroizing::new(rpassword::prompt_password("Secret ID: ")?),
            };
            auth::login_approle(c, &s, &role, &secret)
        }
    }
    .map_err(|e| err(e, lang))?;
    auth::save(&s, &token).map_err(|e| err(e, lang))?;
    let ttl = if token.ttl == 0 { lang.pick("sem validade", "no expiry").to_owned() } else { format!("{} s", token.ttl) };
    println!("{} {} ({}: {ttl})", lang.pick("Conectado ao OpenBao", "Logged in to OpenBao"), s.address, lang.pick("validade", "TTL"));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// migrate

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Journal {
    pub address: String,
    pub prefix: String,
    pub accounts: Vec<JournalEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JournalEntry {
    pub authenticator: String,
    pub user: String,
    /// `pending`, `verified` (OpenBao holds it), `done` (local copy removed), `conflict`.
    pub state: String,
}

fn journal_path(dir: &Path) -> PathBuf {
    dir.join("migrate-openbao.json")
}

fn save_journal(dir: &Path, j: &Journal) -> Result<()> {
    let text = serde_json::to_string_pretty(j)? + "\n";
    crate::store::index::write_atomically(&journal_path(dir), text.as_bytes()).context("cannot write the migration journal")
}

/// Test hook: `EPROC_A2F_MIGRATE_ABORT=<state>:<n>` aborts the process right after the n-th
/// account (from 1) reached `state`, as a kill would.
fn maybe_abort(state: &str, n: usize) {
    if let Ok(spec) = std::env::var("EPROC_A2F_MIGRATE_ABORT") {
        if spec == format!("{state}:{n}") {
            std::process::abort();
        }
    }
}

fn migrate(lang: Lang, yes: bool) -> Result<()> {
    let s = openbao_settings()?;
    let dir = config::user_config_dir().context("cannot find the configuration folder")?;
    let mut local = KeyringVault::new(dir.clone(), OsKeyring);
    let mut bao = OpenBaoVault::new(s.clone()).map_err(|e| err(e, lang))?;
    bao.health().map_err(|e| err(e, lang))?;
    let mut journal: Journal = std::fs::read_to_string(journal_path(&dir))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .filter(|j: &Journal| j.address == s.address && j.prefix == s.prefix)
        .unwrap_or_else(|| Journal { address: s.address.clone(), prefix: s.prefix.clone(), accounts: Vec::new() });
    let accounts = match local.accounts() {
        Ok(a) => a,
        Err(VaultError::Unavailable(_)) if !journal.accounts.is_empty() => Vec::new(),
        Err(e) => return Err(err(e, lang)),
    };
    for a in &accounts {
        if !journal.accounts.iter().any(|e| e.authenticator == a.authenticator && eproc_a2f_core::service::same_user(&e.user, &a.user)) {
            journal.accounts.push(JournalEntry { authenticator: a.authenticator.clone(), user: a.user.clone(), state: "pending".into() });
        }
    }
    let todo = journal.accounts.iter().filter(|e| e.state != "done").count();
    if todo == 0 {
        println!("{}", lang.pick("Nada a migrar: nenhuma chave no chaveiro local.", "Nothing to migrate: no key in the local keyring."));
        finish_config(&s, lang)?;
        return Ok(());
    }
    if !yes {
        eprint!("{} {todo} {} {}? [s/N] ", lang.pick("Mover", "Move"), lang.pick("chave(s) para o OpenBao em", "key(s) to OpenBao at"), s.address);
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        if !matches!(line.trim().to_lowercase().as_str(), "s" | "sim" | "y" | "yes") {
            bail!(UserError(lang.pick("Nada foi movido.", "Nothing was moved.").into()));
        }
    }
    save_journal(&dir, &journal)?;
    let mut conflicts = 0;
    for i in 0..journal.accounts.len() {
        let entry = journal.accounts[i].clone();
        if entry.state == "done" {
            continue;
        }
        let here = accounts.iter().find(|a| a.authenticator == entry.authenticator && eproc_a2f_core::service::same_user(&a.user, &entry.user));
        match here {
            Some(a) => {
                let key = local.secret(a).map_err(|e| err(e, lang))?;
                match bao.save(a.clone(), &key, false) {
                    Ok(_) => {}
                    Err(VaultError::KeyExists) => {
                        eprintln!("{} {} / {}", lang.pick("Conflito: o OpenBao já tem outra chave para", "Conflict: OpenBao already holds another key for"), a.authenticator, a.user);
                        journal.accounts[i].state = "conflict".into();
                        conflicts += 1;
                        save_journal(&dir, &journal)?;
                        continue;
                    }
                    Err(e) => return Err(err(e, lang)),
                }
                // `save` verified the engine's code against this key.
                journal.accounts[i].state = "verified".into();
                save_journal(&dir, &journal)?;
                maybe_abort("verified", i + 1);
                local.remove(&a.authenticator, &a.user).map_err(|e| err(e, lang))?;
                maybe_abort("removed", i + 1);
            }
            None => {
                // Gone from the keyring: only after OpenBao held it (state verified); check it.
                let held = bao.accounts().map_err(|e| err(e, lang))?.iter().any(|b| b.authenticator == entry.authenticator && eproc_a2f_core::service::same_user(&b.user, &entry.user));
                if !held {
                    eprintln!("{} {} / {}", lang.pick("Conta sumiu do chaveiro e não está no OpenBao:", "Account left the keyring and is not in OpenBao:"), entry.authenticator, entry.user);
                    journal.accounts[i].state = "conflict".into();
                    conflicts += 1;
                    save_journal(&dir, &journal)?;
                    continue;
                }
            }
        }
        journal.accounts[i].state = "done".into();
        save_journal(&dir, &journal)?;
        println!("{}: {} / {}", lang.pick("Movida", "Moved"), entry.authenticator, entry.user);
    }
    if conflicts > 0 {
        bail!(UserError(format!("{conflicts} {}", lang.pick("conta(s) com conflito ficaram no chaveiro local; nada foi apagado.", "account(s) in conflict stayed in the local keyring; nothing was deleted."))));
    }
    let _ = std::fs::remove_file(journal_path(&dir));
    finish_config(&s, lang)
}

/// After a complete migration the user's configuration names OpenBao, so the host uses it.
fn finish_config(s: &Settings, lang: Lang) -> Result<()> {
    let Some(path) = config::user_config_path() else { return Ok(()) };
    let mut v: Value = match std::fs::read_to_string(&path) {
        Ok(t) => serde_json::from_str(&t).with_context(|| format!("{} is invalid", path.display()))?,
        Err(_) => json!({}),
    };
    let store = v.as_object_mut().ok_or_else(|| anyhow!("{} is not an object", path.display()))?.entry("store").or_insert(json!({}));
    let Some(o) = store.as_object_mut() else { bail!("{}: store is not an object", path.display()) };
    let current: StoreConfig = serde_json::from_value(Value::Object(o.clone())).unwrap_or_default();
    o.insert("backend".into(), json!("openbao"));
    if current.address.is_none() {
        o.insert("address".into(), json!(s.address));
    }
    if current.prefix.is_none() {
        o.insert("prefix".into(), json!(s.prefix));
    }
    if let (None, Some(ca)) = (current.ca_cert, &s.ca_cert) {
        o.insert("caCert".into(), json!(ca));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::store::index::write_atomically(&path, (serde_json::to_string_pretty(&v)? + "\n").as_bytes())?;
    println!("{} {}", lang.pick("Configuração atualizada: o cofre agora é o OpenBao em", "Configuration updated: the store is now OpenBao at"), s.address);
    Ok(())
}

/// One line for `doctor`: `None` when the keyring is the store.
pub fn doctor_check() -> Option<(bool, String, String)> {
    let v = status_value();
    if v["backend"] == "keyring" {
        return None;
    }
    if v["state"] == "ok" {
        let a = v["address"].as_str().unwrap_or("");
        return Some((true, format!("OpenBao {a} acessível, token válido, mecanismo TOTP presente"), format!("OpenBao {a} reachable, token valid, TOTP engine present")));
    }
    let code = v["error"].as_str().unwrap_or("store_error");
    let c = eproc_a2f_core::protocol::ErrorCode::ALL.iter().copied().find(|c| c.as_str() == code).unwrap_or(eproc_a2f_core::protocol::ErrorCode::StoreError);
    let d = v["detail"].as_str().unwrap_or("");
    Some((false, format!("{} ({d})", i18n::error_message(c, Lang::PtBr)), format!("{} ({d})", i18n::error_message(c, Lang::En))))
}
