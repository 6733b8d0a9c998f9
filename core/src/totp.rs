//! Codes at an explicit time (the WASM build has no clock) and the fresh-code rule.

use serde::{Deserialize, Serialize};

use crate::secret::{Algorithm, Params, SecretKey};

/// When fewer than this many milliseconds of a step remain, the next step's code is handed out
/// instead, so that the code does not expire between the field and the server.
pub const MIN_REMAINING_MS: u64 = 5_000;

fn totp(key: &SecretKey, params: &Params) -> totp_rs::Totp {
    let algorithm = match params.algorithm {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
    };
    // Non-compliant build: 80-bit keys (RFC 4226 minimum is 128) are real and accepted with a
    // warning at parse time; parameters are validated by `Params`.
    totp_rs::Builder::new()
        .with_algorithm(algorithm)
        .with_digits(params.digits)
        .with_step_duration(params.period as u64)
        .with_skew(0)
        .with_secret(key.as_bytes().to_vec())
        .build_noncompliant()
}

/// The code at `unix_seconds`.
pub fn code_at(key: &SecretKey, params: &Params, unix_seconds: u64) -> String {
    totp(key, params).generate(unix_seconds).to_string()
}

/// The code of a given time step.
pub fn code_for_step(key: &SecretKey, params: &Params, step: u64) -> String {
    code_at(key, params, step.saturating_mul(params.period as u64))
}

/// The time step `now_ms` falls in.
pub fn step_at(params: &Params, now_ms: u64) -> u64 {
    now_ms / (params.period as u64 * 1000)
}

/// The step the fresh-code rule picks at `now_ms`: the current one, or the next when fewer than
/// [`MIN_REMAINING_MS`] remain, and always after the last step already handed out for this
/// account (servers accept a code once).
pub fn fresh_step(params: &Params, now_ms: u64, last_used_step: Option<u64>) -> u64 {
    let period_ms = params.period as u64 * 1000;
    let mut step = step_at(params, now_ms);
    let remaining = (step + 1).saturating_mul(period_ms).saturating_sub(now_ms);
    if remaining < MIN_REMAINING_MS {
        step = step.saturating_add(1);
    }
    if let Some(last) = last_used_step {
        if last >= step {
            step = last.saturating_add(1);
        }
    }
    step
}

/// A code ready to fill, with its timing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedCode {
    pub code: String,
    pub step: u64,
    /// Milliseconds to wait before the code is valid (0: fill now).
    pub wait_ms: u64,
    /// Seconds the code stays valid once it is (from now, or from the end of the wait).
    pub valid_for_s: u64,
}

/// The code of `step` with how long to wait for it and how long it lasts, seen from `now_ms`.
pub fn timed_code(key: &SecretKey, params: &Params, step: u64, now_ms: u64) -> TimedCode {
    let period_ms = params.period as u64 * 1000;
    // Saturating: a corrupted or hostile step record must not overflow.
    let start = step.saturating_mul(period_ms);
    let end = start.saturating_add(period_ms);
    let from = now_ms.max(start);
    TimedCode {
        code: code_for_step(key, params, step),
        step,
        wait_ms: start.saturating_sub(now_ms),
        valid_for_s: end.saturating_sub(from) / 1000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretKey;

    // RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the hash's size.
    fn seed(len: usize) -> SecretKey {
        SecretKey::from_bytes(b"1234567890".iter().cycle().take(len).copied().collect())
    }

    #[test]
    fn rfc6238_appendix_b_vectors() {
        let cases: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, sha1, sha256, sha512) in cases {
            let p = |a| Params { algorithm: a, digits: 8, period: 30 };
            assert_eq!(code_at(&seed(20), &p(Algorithm::Sha1), t), sha1, "SHA1 t={t}");
            assert_eq!(code_at(&seed(32), &p(Algorithm::Sha256), t), sha256, "SHA256 t={t}");
            assert_eq!(code_at(&seed(64), &p(Algorithm::Sha512), t), sha512, "SHA512 t={t}");
        }
    }

    #[test]
    fn six_digit_codes_keep_leading_zeros() {
        let p = Params::default();
        assert_eq!(code_at(&seed(20), &p, 1111111109), "081804");
    }

    #[test]
    fn fresh_rule_moves_to_next_step_near_the_end() {
        let p = Params::default();
        // 10 s into a step: current step.
        assert_eq!(fresh_step(&p, 30_000 * 100 + 10_000, None), 100);
        // 4 s left: next step.
        assert_eq!(fresh_step(&p, 30_000 * 100 + 26_000, None), 101);
        // Exactly 5 s left: still current.
        assert_eq!(fresh_step(&p, 30_000 * 100 + 25_000, None), 100);
        // Current step already used: next.
        assert_eq!(fresh_step(&p, 30_000 * 100 + 1_000, Some(100)), 101);
        assert_eq!(fresh_step(&p, 30_000 * 100 + 1_000, Some(99)), 100);
    }

    #[test]
    fn hostile_step_records_do_not_overflow() {
        let p = Params::default();
        assert_eq!(fresh_step(&p, 1_000, Some(u64::MAX)), u64::MAX);
        let t = timed_code(&seed(20), &p, u64::MAX, 1_000);
        assert_eq!(t.valid_for_s, 0);
    }

    #[test]
    fn timed_code_says_how_long_to_wait() {
        let p = Params::default();
        let k = seed(20);
        let now = 30_000 * 100 + 27_500;
        let t = timed_code(&k, &p, fresh_step(&p, now, None), now);
        assert_eq!(t.step, 101);
        assert_eq!(t.wait_ms, 2_500);
        assert_eq!(t.valid_for_s, 30);
        let now = 30_000 * 100 + 10_000;
        let t = timed_code(&k, &p, 100, now);
        assert_eq!((t.wait_ms, t.valid_for_s), (0, 20));
        assert_eq!(t.code, code_at(&k, &p, 3000));
    }
}
