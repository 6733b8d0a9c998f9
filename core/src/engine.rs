//! Codes from a store that computes them itself (issue 12: OpenBao's TOTP engine, where keys are
//! imported once and never read back). The fresh-code rule and the one-use-per-step claim are
//! the same as for the keyring; only the code comes from the store, which waits for the claimed
//! step to begin before it reads it (the engine gives only the code of its current time).

use serde_json::{json, Value};

use crate::protocol::ProtocolError;
use crate::rejection::Rejection;
use crate::resolve::Resolution;
use crate::service::{claim_or_warn, Account, Context, Vault};
use crate::totp::{fresh_step, step_at};

/// The `code` answer for a store with [`Vault::computes_codes`]: same fields as the keyring's,
/// without `next_code` (the engine cannot give a later step's code in advance).
pub(crate) fn code_answer(
    vault: &mut dyn Vault,
    ctx: &Context,
    account: &Account,
    res: &Resolution,
    peek: bool,
    rejection: Option<Rejection>,
) -> Result<Value, ProtocolError> {
    let params = account.params;
    let mut warnings: Vec<&str> = Vec::new();
    let step = if peek {
        step_at(&params, ctx.now_ms)
    } else {
        let candidate = fresh_step(&params, ctx.now_ms, account.last_step);
        claim_or_warn(vault, &account.authenticator, &account.user, candidate, &mut warnings)?
    };
    let (code, read_ms) = vault.engine_code(account, step)?;
    let period_ms = params.period as u64 * 1000;
    let start = step.saturating_mul(period_ms);
    let end = start.saturating_add(period_ms);
    Ok(json!({
        "code": code,
        "authenticator": account.authenticator,
        "system": res.system,
        "user": account.user,
        "label": account.label,
        "valid_for_s": end.saturating_sub(read_ms.max(start)) / 1000,
        "wait_ms": start.saturating_sub(read_ms),
        "step": step,
        "digits": params.digits,
        "period": params.period,
        "warnings": warnings,
        // The engine answers at its own clock only: no court clock correction.
        "clock_offset_ms": 0,
        "rejection": rejection,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::rejection::{RejectionRecord, RejectionUpdate};
    use crate::registry::Registry;
    use crate::secret::{parse_key, SecretKey};
    use crate::service::{handle_bytes, MemoryVault, SaveOutcome, StoreStatus, VaultError};
    use crate::totp::code_for_step;

    /// A store that computes codes from keys it will not hand out.
    struct Engine(MemoryVault);

    impl Vault for Engine {
        fn status(&self) -> StoreStatus {
            StoreStatus { state: "ok", backend: "engine", detail: None }
        }
        fn accounts(&self) -> Result<Vec<Account>, VaultError> {
            self.0.accounts()
        }
        fn secret(&self, _: &Account) -> Result<SecretKey, VaultError> {
            panic!("keys are never read back from an engine store")
        }
        fn save(&mut self, a: Account, k: &SecretKey, r: bool) -> Result<SaveOutcome, VaultError> {
            self.0.save(a, k, r)
        }
        fn remove(&mut self, a: &str, u: &str) -> Result<(), VaultError> {
            self.0.remove(a, u)
        }
        fn set_label(&mut self, a: &str, u: &str, l: Option<String>) -> Result<(), VaultError> {
            self.0.set_label(a, u, l)
        }
        fn claim_step(&mut self, a: &str, u: &str, s: u64) -> Result<u64, VaultError> {
            self.0.claim_step(a, u, s)
        }
        fn update_rejection(&mut self, a: &str, u: &str, f: &mut RejectionUpdate) -> Result<Option<RejectionRecord>, VaultError> {
            self.0.update_rejection(a, u, f)
        }
        fn drop_replaced(&mut self, a: &str, u: &str) -> Result<bool, VaultError> {
            self.0.drop_replaced(a, u)
        }
        fn restore_replaced(&mut self, a: &str, u: &str) -> Result<(), VaultError> {
            self.0.restore_replaced(a, u)
        }
        fn computes_codes(&self) -> bool {
            true
        }
        fn engine_code(&mut self, account: &Account, step: u64) -> Result<(String, u64), VaultError> {
            let key = self.0.secret(account)?;
            Ok((code_for_step(&key, &account.params, step), step * account.params.period as u64 * 1000))
        }
    }

    #[test]
    fn codes_come_from_the_engine_and_steps_are_claimed_once() {
        let key = parse_key("MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW").unwrap().key;
        let reg = Registry::builtin();
        let now = 1_700_000_000_000u64;
        let ctx = Context { registry: &reg, now_ms: now, lang: Lang::PtBr, mode: "test", version: "0" };
        let mut v = Engine(MemoryVault::default());
        let enroll = json!({"type": "enroll", "url": "https://eproc.trf4.jus.br/eproc2trf4/index.php", "user": "maria", "secret": key.to_base32()});
        let a = handle_bytes(&mut v, &ctx, enroll.to_string().as_bytes());
        assert_eq!(a["ok"], true, "{a}");
        let ask = json!({"type": "code", "authenticator": "trf4"}).to_string();
        let first = handle_bytes(&mut v, &ctx, ask.as_bytes());
        let second = handle_bytes(&mut v, &ctx, ask.as_bytes());
        assert_eq!(first["ok"], true, "{first}");
        let (s1, s2) = (first["step"].as_u64().unwrap(), second["step"].as_u64().unwrap());
        assert!(s2 > s1 && s1 > a["step"].as_u64().unwrap());
        let params = crate::secret::Params::default();
        assert_eq!(first["code"], code_for_step(&key, &params, s1));
        assert_eq!(first["wait_ms"], 0);
        assert!(first.get("next_code").is_none());
    }
}
