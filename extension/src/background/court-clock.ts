// The court's clock (issue 10), estimated from the `Date` header of the court's own HTTPS answers
// as the background sees them (webRequest, non-blocking). `Date` has 1 s resolution and is written
// some time between the moment the request left and the moment the answer came back, so each
// answer bounds the offset (court time minus computer time):
//     Date − t_recv  <  offset  <  Date + 1000 − t_send
// The bounds of the last few answers per host are intersected (a narrower interval each time);
// when they contradict each other (the computer's clock was changed, a proxy answered) only the
// newest counts. The estimate is the interval's midpoint:
//   |estimate| < 3 s   → no correction (state `none`): within the court's own tolerance;
//   |estimate| > 600 s → `absurd`: no correction, a notice (a wrong `Date` must never move codes
//                        by more than the protocol allows, and the user should look at the clock);
//   otherwise          → `corrected`: `clock_offset_ms` goes with every `code` for that host.
// The offset sent is the interval's LOWER bound, not the midpoint: the court's time is then never
// overestimated, so a next-step code (the fresh-code rule, in a step's last seconds) is never
// typed before that step began at the court (measured: with the midpoint, up to ~0.5 s early and
// refused by a court that accepts only the current and previous steps); at worst the code is the
// previous step's, which courts accept.
import type { ClockInfo } from '../shared/messages';

export const MAX_SAMPLES = 8;
/** Below this the estimate is not applied (1 s resolution, network time, court tolerance). */
export const MIN_CORRECTION_MS = 3_000;
/** Beyond this an estimate is absurd: not applied, shown as a notice. Equals the protocol's bound. */
export const MAX_CORRECTION_MS = 600_000;
/** A request whose answer takes longer than this tells little: ignored. */
const MAX_RTT_MS = 60_000;

export interface ClockSample {
  /** Lower and upper bounds of the offset, ms. */
  lo: number;
  hi: number;
  /** When it was taken (computer time). */
  at: number;
}

export interface ClockEstimate {
  lo: number;
  hi: number;
  estimateMs: number;
  samples: number;
}

/** The bounds one answer gives, or null when its `Date` cannot be read or the times are odd. */
export function sampleOf(dateHeader: string | undefined | null, tSend: number, tRecv: number): ClockSample | null {
  if (!dateHeader || !Number.isFinite(tSend) || !Number.isFinite(tRecv) || tRecv < tSend || tRecv - tSend > MAX_RTT_MS) return null;
  const d = Date.parse(dateHeader);
  if (!Number.isFinite(d)) return null;
  return { lo: d - tRecv, hi: d + 1000 - tSend, at: tRecv };
}

/** The intersection of the samples (newest last), or the newest alone when they contradict. */
export function estimate(samples: readonly ClockSample[]): ClockEstimate | null {
  if (samples.length === 0) return null;
  let lo = -Infinity;
  let hi = Infinity;
  let used = 0;
  // From the newest back: stop at the first sample that contradicts the newer ones.
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i]!;
    const nlo = Math.max(lo, s.lo);
    const nhi = Math.min(hi, s.hi);
    if (nlo > nhi) break;
    lo = nlo;
    hi = nhi;
    used++;
  }
  return { lo, hi, estimateMs: Math.round((lo + hi) / 2), samples: used };
}

/** What an estimate means for the codes. */
export function clockInfo(e: ClockEstimate | null): ClockInfo {
  if (!e) return { offsetMs: 0, state: 'none' };
  const abs = Math.abs(e.estimateMs);
  if (abs > MAX_CORRECTION_MS) return { offsetMs: 0, state: 'absurd' };
  if (abs < MIN_CORRECTION_MS) return { offsetMs: 0, state: 'none' };
  // Never early (see above); the bound of a single answer is within ~1 s of the truth.
  const offsetMs = Number.isFinite(e.lo) ? Math.ceil(e.lo) : e.estimateMs;
  return { offsetMs: Math.max(-MAX_CORRECTION_MS, Math.min(MAX_CORRECTION_MS, offsetMs)), state: 'corrected' };
}

export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

const KEY = 'courtClock';

function validSample(s: unknown): s is ClockSample {
  const o = s as ClockSample;
  return !!o && typeof o.lo === 'number' && typeof o.hi === 'number' && typeof o.at === 'number' && o.lo <= o.hi;
}

/** Samples per host, the last MAX_SAMPLES each; kept in storage.session (written at most once a
 * second) so a restarted service worker keeps its estimate. */
export class CourtClock {
  private hosts: Map<string, ClockSample[]> | null = null;
  private loading: Promise<Map<string, ClockSample[]>> | null = null;
  private readonly sent = new Map<string, number>();
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly area: SessionArea | null, private readonly now: () => number = () => Date.now()) {}

  private load(): Promise<Map<string, ClockSample[]>> {
    if (this.hosts) return Promise.resolve(this.hosts);
    this.loading ??= (async () => {
      const map = new Map<string, ClockSample[]>();
      if (this.area) {
        try {
          const r = (await this.area.get(KEY))[KEY];
          if (r && typeof r === 'object') {
            for (const [h, list] of Object.entries(r as Record<string, unknown>)) {
              if (Array.isArray(list)) map.set(h, list.filter(validSample).slice(-MAX_SAMPLES));
            }
          }
        } catch {
          /* memory only */
        }
      }
      this.hosts = map;
      return map;
    })();
    return this.loading;
  }

  private scheduleSave(): void {
    if (!this.area || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      if (this.hosts) void this.area!.set({ [KEY]: Object.fromEntries(this.hosts) }).catch(() => {});
    }, 1_000);
    (this.saveTimer as { unref?: () => void }).unref?.();
  }

  /** webRequest.onSendHeaders: when the request left. */
  onSend(requestId: string, at: number): void {
    if (this.sent.size > 500) this.sent.clear();
    this.sent.set(requestId, at);
  }

  /** webRequest.onHeadersReceived: the answer's `Date`. Only requests seen leaving count (an
   * answer from the cache never left, and its `Date` is old). */
  async onHeaders(requestId: string, url: string, date: string | undefined, at: number): Promise<void> {
    const sentAt = this.sent.get(requestId);
    this.sent.delete(requestId);
    if (sentAt === undefined) return;
    await this.add(hostOf(url), sampleOf(date, sentAt, at));
  }

  /** Adds a sample for a host (tests, and onHeaders). */
  async add(host: string | null, s: ClockSample | null): Promise<void> {
    if (!host || !s) return;
    const map = await this.load();
    const list = map.get(host) ?? [];
    list.push(s);
    while (list.length > MAX_SAMPLES) list.shift();
    map.set(host, list);
    this.scheduleSave();
  }

  async estimateFor(host: string | null): Promise<ClockEstimate | null> {
    if (!host) return null;
    const map = await this.load();
    return estimate(map.get(host) ?? []);
  }

  async infoFor(host: string | null): Promise<ClockInfo> {
    return clockInfo(await this.estimateFor(host));
  }
}

export function hostOf(url: string | undefined | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u.hostname.toLowerCase() : null;
  } catch {
    return null;
  }
}

/** The `Date` header in webRequest's list. */
export function dateHeaderOf(headers: { name: string; value?: string }[] | undefined): string | undefined {
  return headers?.find((h) => h.name.toLowerCase() === 'date')?.value;
}
