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
/** Codes remembered per tab (a reload, a refused password sent again...). */
const PER_TAB = 5;
/** A second `rejected` from the same tab this soon after one was forwarded is the same answer
 * seen twice (the markup and an alert, a reload of the answer page), not a new refusal. */
export const REPORT_QUIET_MS = 10_000;

function validHanded(v: unknown): v is HandedCode {
  const o = v as HandedCode;
  return !!o && typeof o.tabId === 'number' && typeof o.at === 'number' && typeof o.forwarded === 'boolean';
}

interface Saved {
  codes: HandedCode[];
  /** Last top-level navigation per tab (computer time): a report is about a code handed before it. */
  nav: Record<string, number>;
  /** Last `rejected` forwarded per tab. */
  rejectedAt: Record<string, number>;
}

/**
 * The codes handed to each tab's pages, for the court's answer to one of them; kept in
 * storage.session (the court's answer is a new page, and the service worker may have stopped in
 * between). A report is matched to the latest unreported code handed before the tab's last
 * navigation (the code submitted; the answer page may already have asked for the next one), else
 * to the latest unreported one (an answer shown without a navigation).
 */
export class HandedCodes {
  private data: Saved | null = null;

  constructor(private readonly area: SessionArea | null, private readonly now: () => number = () => Date.now()) {}

  private async load(): Promise<Saved> {
    if (this.data) return this.data;
    const d: Saved = { codes: [], nav: {}, rejectedAt: {} };
    if (this.area) {
      try {
        const r = (await this.area.get(KEY))[KEY] as Partial<Saved> | undefined;
        if (r && Array.isArray(r.codes)) d.codes = r.codes.filter(validHanded);
        if (r?.nav && typeof r.nav === 'object') d.nav = { ...r.nav };
        if (r?.rejectedAt && typeof r.rejectedAt === 'object') d.rejectedAt = { ...r.rejectedAt };
      } catch {
        /* memory only */
      }
    }
    this.data ??= d;
    return this.data;
  }

  private async save(): Promise<void> {
    const d = this.data;
    if (!d) return;
    const now = this.now();
    d.codes = d.codes.filter((h) => now - h.at <= HANDED_TTL_MS);
    const live = new Set(d.codes.map((h) => String(h.tabId)));
    for (const k of Object.keys(d.nav)) if (!live.has(k) && now - d.nav[k]! > HANDED_TTL_MS) delete d.nav[k];
    for (const k of Object.keys(d.rejectedAt)) if (now - d.rejectedAt[k]! > HANDED_TTL_MS) delete d.rejectedAt[k];
    if (!this.area) return;
    try {
      await this.area.set({ [KEY]: d });
    } catch {
      /* memory only */
    }
  }

  /** Records a code answer handed to a tab's page. */
  async record(tabId: number, answer: { ok: boolean; code?: unknown; authenticator?: unknown; user?: unknown; step?: unknown }): Promise<void> {
    if (!answer.ok || typeof answer.code !== 'string') return;
    const d = await this.load();
    d.codes.push({
      tabId,
      authenticator: typeof answer.authenticator === 'string' ? answer.authenticator : null,
      user: typeof answer.user === 'string' ? answer.user : null,
      step: typeof answer.step === 'number' && Number.isFinite(answer.step) ? answer.step : null,
      at: this.now(),
      forwarded: false,
    });
    const mine = d.codes.filter((h) => h.tabId === tabId);
    if (mine.length > PER_TAB) d.codes = d.codes.filter((h) => h !== mine[0]);
    await this.save();
  }

  /** A top-level navigation of the tab (webRequest main_frame): what was handed before it was
   * possibly submitted. Not saved at once (the next record/claim saves it). */
  noteNavigation(tabId: number, at: number): void {
    if (this.data) this.data.nav[String(tabId)] = at;
    else void this.load().then((d) => { d.nav[String(tabId)] = Math.max(d.nav[String(tabId)] ?? 0, at); });
  }

  private pick(d: Saved, tabId: number, outcome: 'rejected' | 'accepted'): HandedCode | null {
    const now = this.now();
    if (outcome === 'rejected') {
      const last = d.rejectedAt[String(tabId)];
      if (last !== undefined && now - last >= 0 && now - last < REPORT_QUIET_MS) return null;
    }
    const open = d.codes.filter((h) => h.tabId === tabId && !h.forwarded && now - h.at >= 0 && now - h.at <= HANDED_TTL_MS);
    if (open.length === 0) return null;
    const nav = d.nav[String(tabId)];
    const before = nav === undefined ? [] : open.filter((h) => h.at < nav);
    return (before.length ? before : open).reduce((a, b) => (b.at >= a.at ? b : a));
  }

  /** The code a report of this tab would be forwarded for (not taken), or null. */
  async eligible(tabId: number, outcome: 'rejected' | 'accepted' = 'rejected'): Promise<HandedCode | null> {
    const h = this.pick(await this.load(), tabId, outcome);
    return h ? { ...h } : null;
  }

  /** Takes the code for one report (at most one `login_result` per handed code): marked as
   * reported before anything else can run, so two reports at once forward one. An accepted
   * login closes every code of the tab. */
  async claim(tabId: number, outcome: 'rejected' | 'accepted' = 'rejected'): Promise<HandedCode | null> {
    const d = await this.load();
    const h = this.pick(d, tabId, outcome);
    if (!h) return null;
    h.forwarded = true;
    if (outcome === 'rejected') d.rejectedAt[String(tabId)] = this.now();
    else for (const x of d.codes) if (x.tabId === tabId) x.forwarded = true;
    await this.save();
    return { ...h };
  }

  async forgetTab(tabId: number): Promise<void> {
    const d = await this.load();
    d.codes = d.codes.filter((h) => h.tabId !== tabId);
    delete d.nav[String(tabId)];
    delete d.rejectedAt[String(tabId)];
    await this.save();
  }
}
