//! What the product does after a court refused one of its codes (issue 10), as a pure policy.
//!
//! Courts count failed codes toward locking the account (Keycloak's brute-force detection, eproc's
//! own counter), so a product that re-submits a refused code can lock a lawyer out of court. The
//! record of refusals is kept per account by the [`crate::service::Vault`] (the host's index,
//! browser mode's encrypted store), so a second tab or a restart sees it; this module only decides
//! what the record means at a given instant:
//!
//! - no record, or one older than [`HOLD_MS`]: nothing applies;
//! - one refusal: no automatic submission, the code is filled once more (the user submits it);
//! - two or more: no code at all (`code_withheld`) until a login by hand succeeds
//!   (`login_result accepted`), the user clears it (`reset`) or [`HOLD_MS`] pass.

use serde::{Deserialize, Serialize};

/// How long a refusal holds after the last one: 30 minutes.
pub const HOLD_MS: u64 = 30 * 60 * 1000;

/// The stored record of an account's refused codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectionRecord {
    /// Refusals in a row (each within [`HOLD_MS`] of the previous one).
    pub count: u32,
    /// Unix milliseconds of the last refusal.
    pub at_ms: u64,
    /// The step of the refused code, when the caller knew it: a second report of the same code
    /// (two tabs, a page reload) does not count twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
}

/// What a record means now: the `rejection` field of `code`, `accounts` and `login_result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub count: u32,
    pub at_ms: u64,
    /// When the record stops applying (`at_ms` + [`HOLD_MS`]).
    pub until_ms: u64,
    /// Always false: after a refusal nothing is submitted automatically.
    pub auto_submit: bool,
    /// Whether a code is still handed out for filling (by hand submission).
    pub fill: bool,
}

/// The policy: what `record` means at `now_ms` (`None`: nothing applies).
pub fn policy(record: Option<&RejectionRecord>, now_ms: u64) -> Option<Rejection> {
    let r = record?;
    if r.count == 0 {
        return None;
    }
    let until_ms = r.at_ms.saturating_add(HOLD_MS);
    if now_ms >= until_ms {
        return None;
    }
    Some(Rejection { count: r.count, at_ms: r.at_ms, until_ms, auto_submit: false, fill: r.count < 2 })
}

/// The record after one more refusal at `now_ms` (of the code of `step`, if known). An expired
/// record starts again at one; the same step reported twice counts once.
pub fn after_rejection(record: Option<&RejectionRecord>, now_ms: u64, step: Option<u64>) -> RejectionRecord {
    match record.filter(|r| policy(Some(r), now_ms).is_some()) {
        Some(r) if step.is_some() && r.step == step => *r,
        Some(r) => RejectionRecord { count: r.count.saturating_add(1), at_ms: now_ms.max(r.at_ms), step },
        None => RejectionRecord { count: 1, at_ms: now_ms, step },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_700_000_000_000;

    #[test]
    fn nothing_applies_without_a_record() {
        assert_eq!(policy(None, T), None);
        assert_eq!(policy(Some(&RejectionRecord { count: 0, at_ms: T, step: None }), T), None);
    }

    #[test]
    fn one_refusal_fills_once_more_without_submitting() {
        let r = after_rejection(None, T, Some(10));
        assert_eq!(r, RejectionRecord { count: 1, at_ms: T, step: Some(10) });
        let p = policy(Some(&r), T + 1000).unwrap();
        assert_eq!(p, Rejection { count: 1, at_ms: T, until_ms: T + HOLD_MS, auto_submit: false, fill: true });
    }

    #[test]
    fn two_refusals_withhold_codes_until_the_hold_ends() {
        let r = after_rejection(Some(&after_rejection(None, T, Some(10))), T + 40_000, Some(12));
        assert_eq!((r.count, r.at_ms), (2, T + 40_000));
        let p = policy(Some(&r), T + 60_000).unwrap();
        assert!(!p.fill && !p.auto_submit);
        assert_eq!(p.until_ms, T + 40_000 + HOLD_MS);
        // Still held one millisecond before the end, gone at the end.
        assert!(policy(Some(&r), p.until_ms - 1).is_some());
        assert_eq!(policy(Some(&r), p.until_ms), None);
        // More refusals keep counting.
        assert_eq!(after_rejection(Some(&r), T + 50_000, None).count, 3);
    }

    #[test]
    fn the_same_code_reported_twice_counts_once() {
        let r = after_rejection(None, T, Some(10));
        assert_eq!(after_rejection(Some(&r), T + 5_000, Some(10)), r);
        // Without a step every report counts (the caller could not tell them apart).
        let r = after_rejection(None, T, None);
        assert_eq!(after_rejection(Some(&r), T + 5_000, None).count, 2);
    }

    #[test]
    fn an_expired_record_starts_again_at_one() {
        let r = RejectionRecord { count: 5, at_ms: T, step: Some(1) };
        let again = after_rejection(Some(&r), T + HOLD_MS, Some(1));
        assert_eq!(again, RejectionRecord { count: 1, at_ms: T + HOLD_MS, step: Some(1) });
    }

    #[test]
    fn hostile_records_do_not_overflow() {
        let r = RejectionRecord { count: u32::MAX, at_ms: u64::MAX, step: None };
        let p = policy(Some(&r), 0).unwrap();
        assert_eq!(p.until_ms, u64::MAX);
        assert_eq!(after_rejection(Some(&r), 0, None).count, u32::MAX);
    }
}

/// How a store rewrites an account's record in one read-and-write step (`Vault::update_rejection`).
pub type RejectionUpdate<'a> = dyn FnMut(Option<RejectionRecord>) -> Option<RejectionRecord> + 'a;
