//! `eproc-a2f doctor`: is the keyring there and unlocked, does the index read, does every index
//! account have its key and every key an index entry, are the browsers pointed at this binary,
//! is the configuration valid. `--repair` does only what loses nothing: rebuild a corrupted or
//! incomplete index from the keyring (the corrupted file is kept aside).

use anyhow::{bail, Result};
use serde_json::{json, Value};

use eproc_a2f_core::service::{Account, Vault, VaultError};
use eproc_a2f_core::{Lang, OtpAuth};

use crate::cli::UserError;
use crate::config;
use crate::host::now_ms;
use crate::install::{self, Scope};
use crate::store::{secrets::OsKeyring, secrets::Secrets, KeyringVault};

struct Report {
    lang: Lang,
    checks: Vec<Value>,
    problems: usize,
}

impl Report {
    fn add(&mut self, name: &str, ok: bool, pt: String, en: String) {
        if !ok {
            self.problems += 1;
        }
        let text = if self.lang == Lang::En { en } else { pt };
        self.checks.push(json!({"check": name, "ok": ok, "message": text}));
    }
}

pub fn run(lang: Lang, repair: bool, as_json: bool) -> Result<()> {
    let mut r = Report { lang, checks: Vec::new(), problems: 0 };
    let eff = config::effective();
    r.add(
        "config",
        eff.problems.is_empty(),
        if eff.problems.is_empty() { "configuração ok".into() } else { format!("configuração inválida: {}", eff.problems.join("; ")) },
        if eff.problems.is_empty() { "configuration ok".into() } else { format!("invalid configuration: {}", eff.problems.join("; ")) },
    );
    let (_, reg_problems) = config::registry(&eff);
    if !reg_problems.is_empty() {
        r.add("extra_systems", false, reg_problems.join("; "), reg_problems.join("; "));
    }

    let dir = config::user_config_dir();
    let Some(dir) = dir else { bail!(UserError("no configuration folder".into())) };
    let mut vault = KeyringVault::new(dir.clone(), OsKeyring);
    let status = vault.status();
    let store_ok = status.state == "ok";
    r.add(
        "keyring",
        store_ok,
        match status.state {
            "ok" => format!("chaveiro ({}) disponível e desbloqueado", status.backend),
            "locked" => "chaveiro bloqueado: desbloqueie-o (entre na sessão ou abra o gerenciador de senhas)".into(),
            "unavailable" if cfg!(windows) => format!("Gerenciador de Credenciais do Windows indisponível ({})", status.detail.clone().unwrap_or_default()),
            "unavailable" => format!("chaveiro indisponível: instale/inicie o gnome-keyring ou KWallet ({})", status.detail.clone().unwrap_or_default()),
            _ => format!("erro no chaveiro: {}", status.detail.clone().unwrap_or_default()),
        },
        match status.state {
            "ok" => format!("keyring ({}) available and unlocked", status.backend),
            "locked" => "keyring locked: unlock it (log in or open the password manager)".into(),
            "unavailable" if cfg!(windows) => format!("Windows Credential Manager unavailable ({})", status.detail.clone().unwrap_or_default()),
            "unavailable" => format!("keyring unavailable: install/start gnome-keyring or KWallet ({})", status.detail.clone().unwrap_or_default()),
            _ => format!("keyring error: {}", status.detail.clone().unwrap_or_default()),
        },
    );

    let index = vault.files.load();
    let mut accounts: Vec<Account> = Vec::new();
    match &index {
        Ok(i) => {
            accounts = i.accounts.clone();
            r.add("index", true, format!("índice ok: {} conta(s)", accounts.len()), format!("index ok: {} account(s)", accounts.len()));
        }
        Err(e) => r.add("index", false, format!("índice ilegível: {e}"), format!("index unreadable: {e}")),
    }

    if store_ok {
        // Every index account has its key.
        for a in &accounts {
            match vault.secret(a) {
                Ok(_) => {}
                Err(VaultError::SecretMissing(_)) => r.add(
                    "secret",
                    false,
                    format!("{} / {}: a chave não está no chaveiro; cadastre de novo a partir do backup", a.authenticator, a.user),
                    format!("{} / {}: the key is not in the keyring; enroll again from your backup", a.authenticator, a.user),
                ),
                Err(e) => r.add("secret", false, format!("{} / {}: {e}", a.authenticator, a.user), format!("{} / {}: {e}", a.authenticator, a.user)),
            }
        }
        // Every key has an index entry; rebuild from the keyring when asked.
        match vault.secrets.list() {
            Ok(Some(names)) => {
                // A restore that stopped half way left the current key in a `#swap` entry: both
                // keys are still there, the user picks one by hand.
                for n in names.iter().filter(|n| n.ends_with(crate::store::SWAP_SUFFIX)) {
                    r.add(
                        "swap",
                        false,
                        format!("{n}: uma troca de chaves (restore) foi interrompida; as duas chaves continuam no chaveiro. Rode 'eproc-a2f restore' de novo ou confira com 'eproc-a2f export'"),
                        format!("{n}: a key swap (restore) was interrupted; both keys are still in the keyring. Run 'eproc-a2f restore' again or check with 'eproc-a2f export'"),
                    );
                }
                let orphans: Vec<String> = names
                    .into_iter()
                    .filter(|n| crate::store::side_entry_of(n).is_none())
                    .filter(|n| !accounts.iter().any(|a| crate::store::entry_name(&a.authenticator, &a.user) == *n))
                    .filter(|n| !n.starts_with("__"))
                    .collect();
                if !orphans.is_empty() || (index.is_err() && repair) {
                    if repair {
                        let recovered = rebuild(&mut vault, &orphans, index.is_err())?;
                        r.add("repair", true, format!("índice reconstruído: {recovered} conta(s) recuperada(s) do chaveiro"), format!("index rebuilt: {recovered} account(s) recovered from the keyring"));
                    } else {
                        r.add(
                            "orphans",
                            false,
                            format!("{} chave(s) no chaveiro sem entrada no índice: rode 'eproc-a2f doctor --repair'", orphans.len()),
                            format!("{} key(s) in the keyring without an index entry: run 'eproc-a2f doctor --repair'", orphans.len()),
                        );
                    }
                }
            }
            Ok(None) => {}
            Err(e) => r.add("keyring_search", false, e.to_string(), e.to_string()),
        }
    }

    clock_report(&mut r, &vault);
    for a in &accounts {
        if let Some(at) = a.replaced_at {
            let (pt, en) = utc_date(at.saturating_mul(1000));
            r.add(
                "replaced_kept",
                true,
                format!("{} / {}: a chave anterior está guardada desde {pt} até um login com a nova dar certo ('eproc-a2f restore {} --user {}' volta a ela)", a.authenticator, a.user, a.authenticator, a.user),
                format!("{} / {}: the previous key is kept since {en} until a login with the new one succeeds ('eproc-a2f restore {} --user {}' goes back to it)", a.authenticator, a.user, a.authenticator, a.user),
            );
        }
        if let Some(rej) = eproc_a2f_core::rejection::policy(a.rejection.as_ref(), now_ms()) {
            let (pt, en) = utc_date(rej.until_ms);
            r.add(
                "rejection",
                true,
                format!("{} / {}: o tribunal recusou {} código(s) seguido(s); {} até {pt} (confira o relógio, a chave e a conta)", a.authenticator, a.user, rej.count, if rej.fill { "sem envio automático" } else { "preenchimento suspenso" }),
                format!("{} / {}: the court refused {} code(s) in a row; {} until {en} (check the clock, the key and the account)", a.authenticator, a.user, rej.count, if rej.fill { "no automatic submit" } else { "filling suspended" }),
            );
        }
    }

    // Browser registration.
    let me = std::env::current_exe().ok().and_then(|p| std::fs::canonicalize(p).ok()).map(install::without_verbatim_prefix);
    let same_file = |target: &std::path::Path| {
        let target = std::fs::canonicalize(target).ok().map(install::without_verbatim_prefix);
        me.is_some() && target == me
    };
    let mut found_any = false;
    for scope in [Scope::User, Scope::System] {
        for (browser, path, parsed) in install::find_installed(scope) {
            found_any = true;
            match parsed {
                Ok(m) => {
                    // On Windows the path may be relative to the manifest (the MSIs' manifests are).
                    let resolved = install::manifest_host_path(&path, m["path"].as_str().unwrap_or(""));
                    let target = resolved.to_string_lossy();
                    let exists = resolved.is_file();
                    let same = same_file(&resolved);
                    r.add(
                        "browser",
                        exists,
                        format!("{}: {} → {}{}", browser.name(), path.display(), target, if exists { if same { "" } else { " (outro executável)" } } else { " (NÃO EXISTE: rode eproc-a2f install)" }),
                        format!("{}: {} → {}{}", browser.name(), path.display(), target, if exists { if same { "" } else { " (another executable)" } } else { " (MISSING: run eproc-a2f install)" }),
                    );
                }
                Err(e) => r.add("browser", false, format!("{}: {} inválido: {e}", browser.name(), path.display()), format!("{}: {} invalid: {e}", browser.name(), path.display())),
            }
        }
    }
    if !found_any {
        r.add("browser", false, "nenhum navegador registrado: rode 'eproc-a2f install'".into(), "no browser registered: run 'eproc-a2f install'".into());
    }

    if as_json {
        println!("{}", serde_json::to_string_pretty(&json!({"ok": r.problems == 0, "checks": r.checks}))?);
    } else {
        for c in &r.checks {
            println!("[{}] {}", if c["ok"] == json!(true) { "ok" } else { "!!" }, c["message"].as_str().unwrap_or(""));
        }
    }
    if r.problems > 0 {
        bail!(UserError(lang.pick("O doctor encontrou problemas (veja acima).", "Doctor found problems (see above).").into()));
    }
    Ok(())
}

/// What `clock.json` says of each court's clock, in the user's words. Informational: the
/// extension already corrects codes for an offset up to 10 minutes.
fn clock_report(r: &mut Report, vault: &KeyringVault<OsKeyring>) {
    let eff = config::effective();
    let (registry, _) = config::registry(&eff);
    for (authenticator, c) in vault.files.load_clock() {
        let title = eproc_a2f_core::display::title(&registry, &authenticator);
        let (pt, en) = clock_sentence(&title, c.offset_ms, c.at_ms);
        r.add("clock", true, pt, en);
    }
}

/// "o relógio deste computador está N s adiantado/atrasado em relação ao TRF4 (visto em …)".
/// The offset is court time minus computer time: a court ahead means this computer is behind.
pub fn clock_sentence(title: &str, offset_ms: i64, at_ms: u64) -> (String, String) {
    let secs = (offset_ms.unsigned_abs() + 500) / 1000;
    let (pt_way, en_way) = if offset_ms > 0 { ("atrasado", "behind") } else { ("adiantado", "ahead of") };
    let (date_pt, date_en) = utc_date(at_ms);
    let advice_pt = if secs >= 30 { "; os códigos são calculados pela hora do tribunal, mas acerte o relógio (sincronização automática de data e hora)" } else { "" };
    let advice_en = if secs >= 30 { "; codes are computed at the court's time, but set the clock right (automatic date and time)" } else { "" };
    (
        format!("o relógio deste computador está {secs} s {pt_way} em relação ao {title} (visto em {date_pt}){advice_pt}"),
        format!("this computer's clock is {secs} s {en_way} {title}'s (seen on {date_en}){advice_en}"),
    )
}

/// `03/12/2026 16:40 UTC` and `2026-12-03 16:40 UTC` (civil date from days since 1970).
fn utc_date(ms: u64) -> (String, String) {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let (h, m) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    (format!("{d:02}/{mo:02}/{y} {h:02}:{m:02} UTC"), format!("{y}-{mo:02}-{d:02} {h:02}:{m:02} UTC"))
}

/// Rebuilds the index from keyring entries: keeps the readable index's accounts, adds the orphans.
fn rebuild(vault: &mut KeyringVault<OsKeyring>, orphans: &[String], corrupt: bool) -> Result<usize> {
    let lock = vault.files.lock()?;
    let mut index = if corrupt {
        vault.files.quarantine(&lock, now_ms() / 1000)?;
        crate::store::index::IndexFile { version: crate::store::index::INDEX_VERSION, accounts: Vec::new() }
    } else {
        vault.files.load()?
    };
    let names: Vec<String> = if corrupt { vault.secrets.list()?.unwrap_or_default() } else { orphans.to_vec() };
    let mut recovered = 0;
    for name in names {
        if crate::store::side_entry_of(&name).is_some() {
            continue;
        }
        let Some((authenticator, user)) = name.split_once(':') else { continue };
        let Some(value) = vault.secrets.get(&name)? else { continue };
        let Ok(parsed) = OtpAuth::parse(&value) else { continue };
        if index.accounts.iter().any(|a| a.is(authenticator, user)) {
            continue;
        }
        index.accounts.push(Account {
            authenticator: authenticator.to_owned(),
            user: user.to_owned(),
            label: None,
            params: parsed.params,
            created: now_ms() / 1000,
            ..Account::default()
        });
        recovered += 1;
    }
    vault.files.save(&lock, &index)?;
    Ok(recovered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_sentences_say_which_way_in_both_languages() {
        // 2026-12-03 16:40:00 UTC.
        let at = 1_796_316_000_000;
        let (pt, en) = clock_sentence("TJMG", 150_000, at);
        assert_eq!(pt, "o relógio deste computador está 150 s atrasado em relação ao TJMG (visto em 03/12/2026 16:40 UTC); os códigos são calculados pela hora do tribunal, mas acerte o relógio (sincronização automática de data e hora)");
        assert!(en.starts_with("this computer's clock is 150 s behind TJMG's (seen on 2026-12-03 16:40 UTC)"), "{en}");
        let (pt, en) = clock_sentence("TRF4", -4_400, at);
        assert_eq!(pt, "o relógio deste computador está 4 s adiantado em relação ao TRF4 (visto em 03/12/2026 16:40 UTC)");
        assert_eq!(en, "this computer's clock is 4 s ahead of TRF4's (seen on 2026-12-03 16:40 UTC)");
        assert_eq!(utc_date(0).1, "1970-01-01 00:00 UTC");
        assert_eq!(utc_date(951_782_400_000).0, "29/02/2000 00:00 UTC");
    }
}
