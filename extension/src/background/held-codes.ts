// Codes fetched ahead of their field and held for the tab (issue 10). At a real password submit
// (eproc `#sbmEntrar`, Keycloak `#kc-login`) the content script sends `code` with `ahead: true`:
// the background asks the code source then and holds the answer for that tab and authenticator.
// On a two-page login the code screen is a new page (possibly after a captcha or a profile page),
// so the code must outlive the page that asked for it: it is held here, not in the page, and kept
// in storage.session so that a restarted service worker still has it. Asking claims a TOTP step
// (the fresh-code rule never hands a step out twice), so a held code is handed out at most once,
// and only while at least FRESH_MARGIN_MS of it are left in court time; otherwise the page gets a
// new one. Held codes expire after HOLD_MS and go when their tab closes.
//
// Pure logic (validity, use) plus a small store; the wiring is in index.ts.

/** A code answer as the source gives it (docs/protocol.md `code`). */
export interface CodeAnswerLike {
  ok: boolean;
  code?: unknown;
  step?: unknown;
  period?: unknown;
  wait_ms?: unknown;
  valid_for_s?: unknown;
  authenticator?: unknown;
  user?: unknown;
  [k: string]: unknown;
}

/** A held code: the answer, the user asked for, and when it arrived (computer time, `Date.now()`). */
export interface HeldCode {
  tabId: number;
  /** The authenticator of the answer (null only if the answer did not say). */
  authenticator: string | null;
  /** The user sent with the request (null: none was known). */
  user: string | null;
  answer: CodeAnswerLike;
  receivedAt: number;
  /** Court time minus computer time when it was asked (ms), to count `wait_ms`/`valid_for_s`. */
  offsetMs: number;
}

/** The fresh-code rule's margin: a code with less left than this is not handed out. */
export const FRESH_MARGIN_MS = 5_000;
/** How long a held code is kept (a captcha or a profile page may come between). */
export const HOLD_MS = 3 * 60_000;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

/** When the held code becomes valid and stops being valid, in COURT time (ms since the epoch by
 * the court's clock). The answer's step and period give both exactly (the source computed the
 * step at court time); without them, `wait_ms` and `valid_for_s` counted from the arrival. */
export function validityOf(h: Pick<HeldCode, 'answer' | 'receivedAt' | 'offsetMs'>): { from: number; until: number } | null {
  const a = h.answer;
  const step = num(a.step);
  const period = num(a.period);
  if (step !== null && period !== null && period > 0) {
    return { from: step * period * 1000, until: (step + 1) * period * 1000 };
  }
  const wait = num(a.wait_ms) ?? 0;
  const valid = num(a.valid_for_s);
  if (valid === null) return null;
  const from = h.receivedAt + (h.offsetMs || 0) + wait;
  return { from, until: from + valid * 1000 };
}

export type HeldUse =
  | { use: true; waitMs: number; validForS: number }
  | { use: false; reason: 'error' | 'other-user' | 'other-authenticator' | 'stale' | 'no-timing' | 'expired' };

export function sameUserName(a: string | null | undefined, b: string | null | undefined): boolean {
  return (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();
}

/**
 * Whether a held code may be handed out now (`courtNow`: the court's time, ms) to a page of
 * `authenticator` (null: unknown, the tab's held code is taken as the same login) for `user`
 * (null: the page does not say; a held code for any user of this tab then):
 * - only a successful answer, not older than HOLD_MS (computer time `now`);
 * - only while at least FRESH_MARGIN_MS of its validity are left when it would be typed (after
 *   its wait, for a next-step code); otherwise the caller asks again and the source's fresh-code
 *   rule gives the next step (this one is claimed already).
 */
export function heldCodeUse(h: HeldCode, authenticator: string | null, user: string | null, now: number, courtNow: number): HeldUse {
  if (!h.answer.ok) return { use: false, reason: 'error' };
  if (now - h.receivedAt > HOLD_MS || now < h.receivedAt - 60_000) return { use: false, reason: 'expired' };
  if (authenticator !== null && h.authenticator !== null && authenticator !== h.authenticator) return { use: false, reason: 'other-authenticator' };
  if (user !== null && h.user !== null && !sameUserName(user, h.user)) return { use: false, reason: 'other-user' };
  if (user !== null && h.user === null && typeof h.answer.user === 'string' && !sameUserName(user, h.answer.user)) {
    return { use: false, reason: 'other-user' };
  }
  const v = validityOf(h);
  if (!v) return { use: false, reason: 'no-timing' };
  const typedAt = Math.max(courtNow, v.from);
  if (v.until - typedAt < FRESH_MARGIN_MS) return { use: false, reason: 'stale' };
  return { use: true, waitMs: Math.max(0, Math.round(v.from - courtNow)), validForS: Math.floor((v.until - typedAt) / 1000) };
}

/** The held answer as it is handed out now: `wait_ms` and `valid_for_s` counted from now. */
export function handOut(h: HeldCode, use: { waitMs: number; validForS: number }): CodeAnswerLike {
  return { ...h.answer, wait_ms: use.waitMs, valid_for_s: use.validForS, held: true };
}

/** What the content script gets back for `ahead: true`: the answer without the code (it is
 * handed out to the plain `code` of the code field), or the error as it is. */
export function aheadReply(a: CodeAnswerLike): CodeAnswerLike {
  if (!a.ok) return a;
  const { code: _code, ...rest } = a;
  return { ...rest, held: true };
}

/** The subset of storage.session used here. */
export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

const KEY = 'heldCodes';

function validHeld(v: unknown): v is HeldCode {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o.tabId === 'number' && typeof o.receivedAt === 'number' && typeof o.offsetMs === 'number'
    && (o.authenticator === null || typeof o.authenticator === 'string') && (o.user === null || typeof o.user === 'string')
    && !!o.answer && typeof o.answer === 'object';
}

/**
 * Held codes, at most one per tab and authenticator. `fetchAhead` asks and holds; `take` hands a
 * held code out once (removing it) when it is still fresh; `inFlight` lets a plain `code` wait for
 * an `ahead` of the same tab still being asked.
 */
export class HeldCodes {
  private list: HeldCode[] | null = null;
  private readonly pending = new Map<number, Promise<unknown>>();

  constructor(private readonly area: SessionArea | null, private readonly now: () => number = () => Date.now()) {}

  private async load(): Promise<HeldCode[]> {
    if (this.list) return this.list;
    let list: HeldCode[] = [];
    if (this.area) {
      try {
        const r = (await this.area.get(KEY))[KEY];
        if (Array.isArray(r)) list = r.filter(validHeld);
      } catch {
        /* memory only */
      }
    }
    this.list ??= list;
    return this.list;
  }

  private async save(): Promise<void> {
    if (!this.list) return;
    const now = this.now();
    this.list = this.list.filter((h) => now - h.receivedAt <= HOLD_MS);
    if (!this.area) return;
    try {
      await this.area.set({ [KEY]: this.list });
    } catch {
      /* memory only */
    }
  }

  /** Asks (through `fetch`) and holds the answer for this tab when it is a code. The answer is
   * returned as the source gave it. */
  fetchAhead(tabId: number, user: string | null, offsetMs: number, fetch: () => Promise<CodeAnswerLike>): Promise<CodeAnswerLike> {
    const work = (async () => {
      const a = await fetch();
      if (a.ok && typeof a.code === 'string') {
        const list = await this.load();
        const authenticator = typeof a.authenticator === 'string' ? a.authenticator : null;
        // One per tab and authenticator: a newer ahead replaces the older.
        this.list = list.filter((h) => !(h.tabId === tabId && h.authenticator === authenticator));
        this.list.push({ tabId, authenticator, user, answer: a, receivedAt: this.now(), offsetMs });
        await this.save();
      }
      return a;
    })();
    const guard = work.catch(() => undefined);
    this.pending.set(tabId, guard);
    void guard.then(() => {
      if (this.pending.get(tabId) === guard) this.pending.delete(tabId);
    });
    return work;
  }

  /** Resolves when no `ahead` of this tab is being asked any more. */
  async settled(tabId: number): Promise<void> {
    for (let p = this.pending.get(tabId); p; p = this.pending.get(tabId)) {
      await p;
      if (this.pending.get(tabId) === p) break;
    }
  }

  /** The held code of this tab for `authenticator`/`user`, handed out (and dropped) when it is
   * still fresh at `courtNow`; a stale one is dropped too. Null: ask the source. */
  async take(tabId: number, authenticator: string | null, user: string | null, offsetMs: number): Promise<CodeAnswerLike | null> {
    await this.settled(tabId);
    const list = await this.load();
    const now = this.now();
    const mine = list.filter((h) => h.tabId === tabId);
    if (mine.length === 0) return null;
    let out: CodeAnswerLike | null = null;
    let changed = false;
    for (const h of mine) {
      const u = heldCodeUse(h, authenticator, user, now, now + offsetMs);
      if (u.use && !out) {
        out = handOut(h, u);
        this.list = this.list!.filter((x) => x !== h);
        changed = true;
      } else if (!u.use && (u.reason === 'stale' || u.reason === 'expired' || u.reason === 'error' || u.reason === 'no-timing')) {
        this.list = this.list!.filter((x) => x !== h);
        changed = true;
      }
    }
    if (changed) await this.save();
    return out;
  }

  /** Whether this tab holds a code (any authenticator). */
  async has(tabId: number): Promise<boolean> {
    return (await this.load()).some((h) => h.tabId === tabId);
  }

  async forgetTab(tabId: number): Promise<void> {
    const list = await this.load();
    if (!list.some((h) => h.tabId === tabId)) return;
    this.list = list.filter((h) => h.tabId !== tabId);
    await this.save();
  }
}
