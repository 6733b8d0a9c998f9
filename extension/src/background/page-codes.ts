// A page's `code` and `login-result` (issue 10), over injected parts so that the flow is tested
// as a whole (test/page-codes.test.ts): the court clock's offset goes with every code request;
// `ahead` asks and holds; a plain `code` waits for the tab's `ahead` in flight and takes the held
// code while it is fresh, else asks; every code handed to a page is recorded for the court's
// answer, which is forwarded to the source once per handed code; `autoSubmit` = the setting AND
// no active rejection.
import type { ClockInfo, CodeReply, ContentNotice, ContentRequest, Rejection } from '../shared/messages';
import { type CourtClock, hostOf } from './court-clock';
import { type CodeAnswerLike, type HeldCodes, aheadReply } from './held-codes';
import { type HandedCodes, autoSubmitFor } from './rejections';

export interface PageCodesDeps {
  /** A protocol request to the code source in use (never rejects: errors are answers). */
  request(req: Record<string, unknown> & { type: string }): Promise<{ ok: boolean; [k: string]: unknown }>;
  /** The effective auto-submit setting (user option, managed policy). */
  autoSubmit(): Promise<boolean>;
  clock: Pick<CourtClock, 'infoFor'>;
  held: HeldCodes;
  handed: HandedCodes;
  /** The authenticator of a page URL (null: unknown). */
  authenticatorOf(url: string): Promise<string | null>;
  notify(tabId: number, notice: ContentNotice): void;
  now?: () => number;
}

export interface PageRef {
  url: string;
  tabId: number;
}

type CodeMsg = Extract<ContentRequest, { kind: 'code' }>;
type ResultMsg = Extract<ContentRequest, { kind: 'login-result' }>;

export class PageCodes {
  private readonly now: () => number;

  constructor(private readonly d: PageCodesDeps) {
    this.now = d.now ?? (() => Date.now());
  }

  private async reply(answer: CodeAnswerLike, clock: ClockInfo): Promise<CodeReply> {
    return { ...answer, autoSubmit: autoSubmitFor(await this.d.autoSubmit(), answer, this.now()), clock } as CodeReply;
  }

  async code(msg: CodeMsg, page: PageRef): Promise<CodeReply> {
    const user = typeof msg.user === 'string' && msg.user.trim() !== '' && msg.user.length <= 256 ? msg.user.trim() : undefined;
    const clock = await this.d.clock.infoFor(hostOf(page.url));
    const req = {
      type: 'code', url: page.url, ...(user ? { user } : {}),
      ...(clock.state === 'corrected' ? { clock_offset_ms: clock.offsetMs } : {}),
    };
    if (msg.ahead === true) {
      // Warm what the code page will need (the systems list, in native mode) while the court answers.
      void this.d.authenticatorOf(page.url).catch(() => null);
      const a = await this.d.held.fetchAhead(page.tabId, user ?? null, clock.offsetMs, () => this.d.request(req) as Promise<CodeAnswerLike>);
      return this.reply(aheadReply(a), clock);
    }
    await this.d.held.settled(page.tabId);
    let answer: CodeAnswerLike | null = null;
    if (await this.d.held.has(page.tabId)) {
      answer = await this.d.held.take(page.tabId, await this.d.authenticatorOf(page.url), user ?? null, clock.offsetMs);
    }
    answer ??= (await this.d.request(req)) as CodeAnswerLike;
    await this.d.handed.record(page.tabId, answer);
    return this.reply(answer, clock);
  }

  async loginResult(msg: ResultMsg, page: PageRef): Promise<Record<string, unknown>> {
    if ((msg.outcome !== 'rejected' && msg.outcome !== 'accepted') || typeof msg.evidence !== 'string') {
      return { ok: false, error: { code: 'invalid_request', message: '' } };
    }
    const h = await this.d.handed.eligible(page.tabId, msg.outcome);
    if (!h) return { ok: true, forwarded: false };
    // The reporting page must be the handed code's court (a post-login page may be another system
    // of the same authenticator).
    const here = await this.d.authenticatorOf(page.url);
    if (here && h.authenticator && here !== h.authenticator) return { ok: true, forwarded: false };
    const claimed = await this.d.handed.claim(page.tabId, msg.outcome);
    if (!claimed) return { ok: true, forwarded: false };
    const req: Record<string, unknown> & { type: string } = { type: 'login_result', outcome: msg.outcome };
    if (claimed.authenticator) req.authenticator = claimed.authenticator;
    else req.url = page.url;
    if (claimed.user) req.user = claimed.user;
    if (claimed.step !== null) req.step = claimed.step;
    const a = await this.d.request(req);
    if (!a.ok) return { ...a, forwarded: true };
    const rejection = (a.rejection ?? null) as Rejection | null;
    this.d.notify(page.tabId, { kind: 'login-state', rejection });
    return { ok: true, forwarded: true, rejection };
  }
}
