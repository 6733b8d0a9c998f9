//! `eproc-a2f policy openbao` (issue 12): what an OpenBao administrator applies for the firm
//! store. Files:
//! - `setup.sh`: mounts (TOTP engine, KV v2), auth methods (userpass, AppRole), the policies
//!   below, one userpass user per lawyer, the robot's AppRole role, the audit device;
//! - `policies/eproc-a2f-lawyer-<name>.hcl`: read on the lawyer's own codes and step records
//!   (prefix `<name>-`), plus enrolling and removing own keys with `--allow-enroll`;
//! - `policies/eproc-a2f-robot-<name>.hcl`: codes and step records of the named accounts only;
//! - `audit.hcl`: the audit device as server configuration (OpenBao 2.4+ prefers it there).

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use crate::store::openbao::{key_name, record_name, settings::check_prefix, GENERATION_SEP};

#[derive(Args, Debug, Clone)]
pub struct OpenBaoArgs {
    /// openbao: advogado(a) (repetível); prefixo das chaves = NOME- / lawyer (repeatable); key prefix NAME-.
    #[arg(long = "lawyer", value_name = "NAME")]
    pub lawyers: Vec<String>,
    /// openbao: advogados também cadastram e removem as próprias chaves / lawyers may enroll and remove their own keys.
    #[arg(long)]
    pub allow_enroll: bool,
    /// openbao: nome do robô (papel AppRole) / robot name (AppRole role).
    #[arg(long, value_name = "NAME")]
    pub robot: Option<String>,
    /// openbao: conta liberada ao robô, ADVOGADO:AUTENTICADOR:USUÁRIO (repetível) / account the robot may use, LAWYER:AUTHENTICATOR:USER (repeatable).
    #[arg(long = "robot-account", value_name = "LAWYER:AUTH:USER")]
    pub robot_accounts: Vec<String>,
    /// openbao: caminho do mecanismo TOTP / TOTP engine mount.
    #[arg(long, default_value = "totp")]
    pub totp_mount: String,
    /// openbao: caminho do KV v2 / KV v2 mount.
    #[arg(long, default_value = "secret")]
    pub kv_mount: String,
    /// openbao: arquivo de auditoria / audit log file.
    #[arg(long, default_value = "/var/log/openbao/audit.log")]
    pub audit_file: PathBuf,
}

impl Default for OpenBaoArgs {
    fn default() -> Self {
        OpenBaoArgs {
            lawyers: Vec::new(),
            allow_enroll: false,
            robot: None,
            robot_accounts: Vec::new(),
            totp_mount: "totp".into(),
            kv_mount: "secret".into(),
            audit_file: "/var/log/openbao/audit.log".into(),
        }
    }
}

fn check_name(what: &str, n: &str) -> Result<()> {
    if n.is_empty() || n.len() > 48 || !n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') || !n.starts_with(|c: char| c.is_ascii_lowercase()) {
        bail!("{what} {n:?}: use lower-case letters, digits and '_', starting with a letter");
    }
    Ok(())
}

/// The lawyer's ACL policy (HCL).
pub fn lawyer_policy(prefix: &str, totp: &str, kv: &str, allow_enroll: bool) -> String {
    let mut p = format!(
        "# eproc-a2f: lawyer with key prefix {prefix}\n\
         # Codes of the lawyer's own keys (GET totp/code/NAME needs read).\n\
         path \"{totp}/code/{prefix}*\" {{\n  capabilities = [\"read\"]\n}}\n\
         # Step records (one use per step across every client): check-and-set writes.\n\
         path \"{kv}/data/eproc-a2f/{prefix}/*\" {{\n  capabilities = [\"read\", \"create\", \"update\"]\n}}\n\
         path \"{kv}/metadata/eproc-a2f/{prefix}/\" {{\n  capabilities = [\"list\"]\n}}\n"
    );
    if allow_enroll {
        p.push_str(&format!(
            "# Enrolling and removing own keys (keys are write-only: the engine never returns them).\n\
             path \"{totp}/keys/{prefix}*\" {{\n  capabilities = [\"create\", \"update\", \"read\", \"delete\"]\n}}\n\
             path \"{kv}/metadata/eproc-a2f/{prefix}/*\" {{\n  capabilities = [\"read\", \"delete\"]\n}}\n"
        ));
    }
    p
}

/// A robot's policy: the named accounts (prefix, authenticator, user) and nothing else.
pub fn robot_policy(accounts: &[(String, String, String)], totp: &str, kv: &str) -> String {
    let mut p = String::from("# eproc-a2f: robot limited to named accounts\n");
    let mut prefixes: Vec<&str> = accounts.iter().map(|(p, _, _)| p.as_str()).collect();
    prefixes.sort();
    prefixes.dedup();
    for prefix in prefixes {
        p.push_str(&format!("path \"{kv}/metadata/eproc-a2f/{prefix}/\" {{\n  capabilities = [\"list\"]\n}}\n"));
    }
    for (prefix, auth, user) in accounts {
        let name = key_name(prefix, auth, user);
        let rec = record_name(auth, user);
        // The key in use may be a later generation (`<name>.g<N>`, after a replacing
        // enrollment): no other account's name starts with `<name>.g`.
        p.push_str(&format!(
            "# {auth} / {user}\n\
             path \"{totp}/code/{name}\" {{\n  capabilities = [\"read\"]\n}}\n\
             path \"{totp}/code/{name}{GENERATION_SEP}*\" {{\n  capabilities = [\"read\"]\n}}\n\
             path \"{kv}/data/eproc-a2f/{prefix}/{rec}\" {{\n  capabilities = [\"read\", \"update\"]\n}}\n"
        ));
    }
    p
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

pub fn generate(a: &OpenBaoArgs) -> Result<Vec<(PathBuf, String)>> {
    for m in [&a.totp_mount, &a.kv_mount] {
        if m.is_empty() || !m.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')) {
            bail!("mount {m:?}: letters, digits, '-', '_'");
        }
    }
    let (totp, kv) = (a.totp_mount.as_str(), a.kv_mount.as_str());
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut sh = String::from(
        "#!/bin/sh\n\
         # eproc-a2f firm store on OpenBao: run once with an administrator token\n\
         # (BAO_ADDR, BAO_CACERT and BAO_TOKEN set). Generated by `eproc-a2f policy openbao`.\n\
         set -eu\n\
         cd \"$(dirname \"$0\")\"\n",
    );
    sh.push_str(&format!(
        "# Engines: TOTP (keys go in once, never come out) and KV v2 (step records, check-and-set).\n\
         bao secrets list | grep -q '^{totp}/' || bao secrets enable -path={totp} totp\n\
         bao secrets list | grep -q '^{kv}/' || bao secrets enable -path={kv} -version=2 kv\n\
         # Audit: every request and answer, with codes and keys HMAC'd. OpenBao 2.3.2+ refuses this\n\
         # through the API unless the server sets unsafe_allow_api_audit_creation = true; the\n\
         # alternative is audit.hcl in the server configuration.\n\
         bao audit list 2>/dev/null | grep -q '^file/' || bao audit enable file file_path={} || echo 'audit: add audit.hcl to the server configuration instead' >&2\n\
         bao auth list | grep -q '^userpass/' || bao auth enable userpass\n\
         bao auth list | grep -q '^approle/' || bao auth enable approle\n",
        a.audit_file.display()
    ));
    for l in &a.lawyers {
        check_name("--lawyer", l)?;
        let prefix = format!("{l}-");
        check_prefix(&prefix).map_err(anyhow::Error::msg)?;
        let pname = format!("eproc-a2f-lawyer-{l}");
        files.push((PathBuf::from(format!("policies/{pname}.hcl")), lawyer_policy(&prefix, totp, kv, a.allow_enroll)));
        sh.push_str(&format!(
            "bao policy write {pname} policies/{pname}.hcl\n\
             # Lawyer {l}: a userpass login (set the password interactively), key prefix {prefix}\n\
             bao write auth/userpass/users/{l} token_policies={pname} token_ttl=768h token_max_ttl=768h password=\"${{PASSWORD_{}:?set PASSWORD_{} for {l}}}\"\n",
            l.to_uppercase(),
            l.to_uppercase()
        ));
    }
    if let Some(robot) = &a.robot {
        check_name("--robot", robot)?;
        let mut accounts = Vec::new();
        for spec in &a.robot_accounts {
            let parts: Vec<&str> = spec.splitn(3, ':').collect();
            let [lawyer, auth, user] = parts[..] else { bail!("--robot-account {spec:?}: LAWYER:AUTHENTICATOR:USER") };
            check_name("--robot-account lawyer", lawyer)?;
            accounts.push((format!("{lawyer}-"), auth.to_owned(), user.to_owned()));
        }
        if accounts.is_empty() {
            bail!("--robot needs at least one --robot-account LAWYER:AUTHENTICATOR:USER");
        }
        let pname = format!("eproc-a2f-robot-{robot}");
        files.push((PathBuf::from(format!("policies/{pname}.hcl")), robot_policy(&accounts, totp, kv)));
        sh.push_str(&format!(
            "bao policy write {pname} policies/{pname}.hcl\n\
             # Robot {robot}: AppRole; its secret ID goes to the robot's machine only (a file only it reads).\n\
             bao write auth/approle/role/{robot} token_policies={pname} token_ttl=1h token_max_ttl=24h secret_id_ttl=0 token_type=service\n\
             echo \"role_id for {robot}: $(bao read -field=role_id auth/approle/role/{robot}/role-id)\"\n\
             echo \"new secret_id (store it in the robot's secretIdFile): $(bao write -f -field=secret_id auth/approle/role/{robot}/secret-id)\"\n"
        ));
    } else if !a.robot_accounts.is_empty() {
        bail!("--robot-account needs --robot NAME");
    }
    files.push((
        PathBuf::from("audit.hcl"),
        format!(
            "# Add to the OpenBao server configuration (every node) and reload: the audit device.\n\
             audit \"file\" \"file\" {{\n  options {{\n    file_path = {}\n  }}\n}}\n",
            sh_quote_hcl(&a.audit_file.display().to_string())
        ),
    ));
    files.insert(0, (PathBuf::from("setup.sh"), sh));
    let _ = sh_quote;
    Ok(files)
}

fn sh_quote_hcl(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lawyer_and_robot_policies_name_only_their_paths() {
        let a = OpenBaoArgs {
            lawyers: vec!["maria".into(), "joao".into()],
            robot: Some("robo".into()),
            robot_accounts: vec!["maria:trf4:12345678900".into()],
            totp_mount: "totp".into(),
            kv_mount: "secret".into(),
            audit_file: "/var/log/openbao/audit.log".into(),
            ..Default::default()
        };
        let files = generate(&a).unwrap();
        let get = |n: &str| files.iter().find(|(p, _)| p.to_str() == Some(n)).map(|(_, t)| t.clone()).unwrap();
        let maria = get("policies/eproc-a2f-lawyer-maria.hcl");
        assert!(maria.contains("path \"totp/code/maria-*\""));
        assert!(!maria.contains("totp/keys"), "no enrolling without --allow-enroll");
        let robot = get("policies/eproc-a2f-robot-robo.hcl");
        assert!(robot.contains("path \"totp/code/maria-trf4-12345678900\""));
        // Later generations of that key only (a longer user such as 123456789001 does not match).
        assert!(robot.contains("path \"totp/code/maria-trf4-12345678900.g*\""));
        assert_eq!(robot.matches('*').count(), 1, "{robot}");
        assert!(get("setup.sh").contains("bao write auth/approle/role/robo"));
        assert!(generate(&OpenBaoArgs { robot: Some("r".into()), robot_accounts: vec![], ..a.clone() }).is_err());
        assert!(generate(&OpenBaoArgs { lawyers: vec!["Maria".into()], ..a }).is_err());
    }
}
