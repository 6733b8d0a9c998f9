// The court's answer to a submitted code (issue 10). The content script reports what it saw
// (`login-result`: the court's rejection markup, or a post-login application page); the background
// forwards it to the code source as protocol `login_result` only for a tab that was handed a code
// in the last HANDED_TTL_MS, and at most once per handed code, so that a page cannot make the
// source count rejections (or clear them) on its own. The source keeps the record (host index,
// browser store) and every `code` answer carries the account's `rejection`: `autoSubmit` is then
// false, and with `fill: false` the source withholds codes (`code_withheld`).
import { rejectionActive } from '../shared/messages';

/** A handed code counts for a `login-result` this long. */
export const HANDED_TTL_MS = 10 * 60_000;

/** The last code handed to a tab's page. */
export interface HandedCode {
  tabId: number;
  authenticator: string | null;
  user: string | null;
  step: number | null;
  at: number;
  /** A `login-result` was forwarded for it already. */
  forwarded: boolean;
}

/** Whether a rejection record still applies at `now` (ms). */
export const activeRejection = rejectionActive;

/** `autoSubmit` of a code answer: the setting, and only for a code with no active rejection. */
export function autoSubmitFor(setting: boolean, answer: { ok: boolean; code?: unknown; rejection?: unknown }, now: number): boolean {
  if (!setting || !answer.ok || typeof answer.code !== 'string') return false;
  if (activeRejection(answer.rejection, now)) return false;
  return true;
}

export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

const KEY = 'handedCodes';

function validHanded(v: unknown): v is HandedCode {
  const o = v as HandedCode;
  return !!o && typeof o.tabId === 'number' && typeof o.at === 'number' && typeof o.forwarded === 'boolean';
}

/** The last code handed out per tab; kept in storage.session (the court's answer is a new page,
 * and the service worker may have stopped in between). */
export class HandedCodes {
  private map: Map<number, HandedCode> | null = null;

  constructor(private readonly area: SessionArea | null, private readonly now: () => number = () => Date.now()) {}

  private async load(): Promise<Map<number, HandedCode>> {
    if (this.map) return this.map;
    const map = new Map<number, HandedCode>();
    if (this.area) {
      try {
        const r = (await this.area.get(KEY))[KEY];
        if (Array.isArray(r)) for (const h of r) if (validHanded(h)) map.set(h.tabId, h);
      } catch {
        /* memory only */
      }
    }
    this.map ??= map;
    return this.map;
  }

  private async save(): Promise<void> {
    if (!this.map) return;
    const now = this.now();
    for (const [k, v] of this.map) if (now - v.at > HANDED_TTL_MS) this.map.delete(k);
    if (!this.area) return;
    try {
      await this.area.set({ [KEY]: [...this.map.values()] });
    } catch {
      /* memory only */
    }
  }

  /** Records a code answer handed to a tab's page. */
  async record(tabId: number, answer: { ok: boolean; code?: unknown; authenticator?: unknown; user?: unknown; step?: unknown }): Promise<void> {
    if (!answer.ok || typeof answer.code !== 'string') return;
    const map = await this.load();
    map.set(tabId, {
      tabId,
      authenticator: typeof answer.authenticator === 'string' ? answer.authenticator : null,
      user: typeof answer.user === 'string' ? answer.user : null,
      step: typeof answer.step === 'number' && Number.isFinite(answer.step) ? answer.step : null,
      at: this.now(),
      forwarded: false,
    });
    await this.save();
  }

  /** The tab's handed code a `login-result` may be forwarded for, or null. */
  async eligible(tabId: number): Promise<HandedCode | null> {
    const h = (await this.load()).get(tabId);
    if (!h || h.forwarded) return null;
    const age = this.now() - h.at;
    return age >= 0 && age <= HANDED_TTL_MS ? h : null;
  }

  /** Takes the tab's handed code for one `login-result` (at most one per handed code): marked as
   * reported before anything else can run, so two reports at once forward one. */
  async claim(tabId: number): Promise<HandedCode | null> {
    const map = await this.load();
    const h = map.get(tabId);
    if (!h || h.forwarded) return null;
    const age = this.now() - h.at;
    if (age < 0 || age > HANDED_TTL_MS) return null;
    h.forwarded = true;
    await this.save();
    return { ...h };
  }

  async forgetTab(tabId: number): Promise<void> {
    const map = await this.load();
    if (map.delete(tabId)) await this.save();
  }
}
