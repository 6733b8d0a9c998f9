// A code fetched ahead of its field: on eproc's own login form the code field appears on the same
// page after the password step (`#sbmEntrar`), so the code can be asked for the moment the password
// is submitted and typed the moment the field appears. Asking claims a TOTP step (the fresh-code
// rule never hands a step out twice), so a code is fetched ahead only at a real password submit,
// held by the content script of that page, and used at most once. Pure logic here (unit-tested);
// the wiring is in index.ts.

/** A code answer as the background relays it (docs/protocol.md `code`). */
export interface CodeAnswerLike {
  ok: boolean;
  code?: unknown;
  step?: unknown;
  period?: unknown;
  wait_ms?: unknown;
  valid_for_s?: unknown;
  [k: string]: unknown;
}

/** A code held by the page: the answer and when it arrived (`Date.now()` of the content script). */
export interface HeldCode {
  /** The user sent with the request (null: none was known). */
  user: string | null;
  answer: CodeAnswerLike;
  receivedAt: number;
}

/** The fresh-code rule's margin: a code with less left than this is not typed (the code source
 * itself gives the next step, with a wait, when fewer than 5 s remain). */
export const FRESH_MARGIN_MS = 5_000;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

/** When the held code becomes valid and when it stops being valid, in `Date.now()` time. The step
 * and period of the answer give both exactly (the code source uses the same clock as the page);
 * without them, `wait_ms` and `valid_for_s` counted from the arrival (whole seconds: a lower bound). */
export function validityOf(h: HeldCode): { from: number; until: number } | null {
  const a = h.answer;
  const step = num(a.step);
  const period = num(a.period);
  if (step !== null && period !== null && period > 0) {
    return { from: step * period * 1000, until: (step + 1) * period * 1000 };
  }
  const wait = num(a.wait_ms) ?? 0;
  const valid = num(a.valid_for_s);
  if (valid === null) return null;
  const from = h.receivedAt + wait;
  return { from, until: from + valid * 1000 };
}

export type HeldUse =
  | { use: true; waitMs: number }
  | { use: false; reason: 'error' | 'other-user' | 'stale' | 'no-timing' };

/**
 * Whether a held code may be typed now for `user` (the user the page shows now):
 * - only a successful answer, asked for the same user (null matches null only);
 * - only when at least FRESH_MARGIN_MS of its validity is left at the moment it would be typed
 *   (after its wait, when it is a next-step code); otherwise the caller asks again, and the code
 *   source's fresh-code rule gives the next step (this one is claimed already).
 * `waitMs`: how long to wait before typing (a next-step code that is not valid yet).
 */
export function heldCodeUse(h: HeldCode, user: string | null, now: number): HeldUse {
  if (!h.answer.ok) return { use: false, reason: 'error' };
  if ((h.user ?? null) !== (user ?? null)) return { use: false, reason: 'other-user' };
  const v = validityOf(h);
  if (!v) return { use: false, reason: 'no-timing' };
  const typedAt = Math.max(now, v.from);
  if (v.until - typedAt < FRESH_MARGIN_MS) return { use: false, reason: 'stale' };
  return { use: true, waitMs: Math.max(0, Math.round(v.from - now)) };
}
