// Codes fetched at a password submit and held by the background for the tab (issue 10): the
// staleness rule (ported from content/prefetch.ts) in court time, and the store (one per tab and
// authenticator, handed out once, 3 min, tab close, storage.session across a worker restart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FRESH_MARGIN_MS, HOLD_MS, type HeldCode, HeldCodes, aheadReply, heldCodeUse, validityOf,
} from '../src/background/held-codes';

const STEP = 58_733_334; // 30 s steps
const stepStart = STEP * 30_000;
const held = (answer: Record<string, unknown>, user: string | null = 'RS123', receivedAt = stepStart + 1_000, offsetMs = 0): HeldCode => ({
  tabId: 1, authenticator: 'trf4', user, receivedAt, offsetMs, answer: { ok: true, code: '123456', authenticator: 'trf4', ...answer },
});
const use = (h: HeldCode, user: string | null, now: number, auth: string | null = 'trf4', offset = 0) => heldCodeUse(h, auth, user, now, now + offset);

test('validity: from step and period exactly (court time); else from wait_ms and valid_for_s counted from arrival', () => {
  assert.deepEqual(validityOf(held({ step: STEP, period: 30 })), { from: stepStart, until: stepStart + 30_000 });
  assert.deepEqual(validityOf(held({ wait_ms: 2_000, valid_for_s: 30 }, 'RS123', 1_000)), { from: 3_000, until: 33_000 });
  assert.deepEqual(validityOf(held({ wait_ms: 2_000, valid_for_s: 30 }, 'RS123', 1_000, 150_000)), { from: 153_000, until: 183_000 }, 'court time');
  assert.deepEqual(validityOf(held({ valid_for_s: 20 }, 'RS123', 1_000)), { from: 1_000, until: 21_000 });
  assert.equal(validityOf(held({})), null, 'no timing at all');
  assert.equal(validityOf(held({ step: -1, period: 30, valid_for_s: 'x' })), null);
});

test('a held code is handed out when it has at least the fresh-code margin left', () => {
  const h = held({ step: STEP, period: 30, wait_ms: 0, valid_for_s: 29 });
  assert.deepEqual(use(h, 'RS123', stepStart + 1_400), { use: true, waitMs: 0, validForS: 28 });
  assert.deepEqual(use(h, 'RS123', stepStart + 30_000 - FRESH_MARGIN_MS), { use: true, waitMs: 0, validForS: 5 });
  assert.deepEqual(use(h, 'RS123', stepStart + 30_000 - FRESH_MARGIN_MS + 1), { use: false, reason: 'stale' });
  assert.deepEqual(use(h, 'RS123', stepStart + 31_000), { use: false, reason: 'stale' }, 'expired');
});

test('staleness is judged at the court time: a court 150 s ahead', () => {
  // Asked with offset +150 s: the step is the court's.
  const courtStep = Math.floor((stepStart + 1_000 + 150_000) / 30_000);
  const h = held({ step: courtStep, period: 30 }, 'RS123', stepStart + 1_000, 150_000);
  assert.equal(use(h, 'RS123', stepStart + 2_000, 'trf4', 150_000).use, true);
  // Judged at the computer's time it would look 150 s in the future (never stale): wrong.
  assert.equal(use(h, 'RS123', stepStart + 30_000, 'trf4', 150_000).use, false);
});

test('a next-step code (fetched in the last seconds of a step): handed out with the wait that is left', () => {
  const h = held({ step: STEP + 1, period: 30, wait_ms: 3_500, valid_for_s: 30 }, 'RS123', stepStart + 26_500);
  assert.deepEqual(use(h, 'RS123', stepStart + 26_900), { use: true, waitMs: 3_100, validForS: 30 });
  assert.deepEqual(use(h, 'RS123', stepStart + 31_000), { use: true, waitMs: 0, validForS: 29 });
});

test('only a successful answer, for the same user and authenticator, within 3 minutes', () => {
  const now = stepStart + 2_000;
  const bad: HeldCode = { ...held({}), answer: { ok: false, error: { code: 'choose_account' } } };
  assert.deepEqual(use(bad, 'RS123', now), { use: false, reason: 'error' });
  assert.deepEqual(use(held({ step: STEP, period: 30 }), 'RS999', now), { use: false, reason: 'other-user' });
  assert.equal(use(held({ step: STEP, period: 30 }), ' rs123 ', now).use, true, 'user names compare without case or spaces');
  assert.equal(use(held({ step: STEP, period: 30 }), null, now).use, true, 'the code page does not say the user: the tab\'s login');
  assert.deepEqual(use(held({ step: STEP, period: 30 }), 'RS123', now, 'tjrs'), { use: false, reason: 'other-authenticator' });
  assert.equal(use(held({ step: STEP, period: 30 }), 'RS123', now, null).use, true, 'unknown authenticator: the tab\'s');
  const old = held({ valid_for_s: 30 }, 'RS123', now - HOLD_MS - 1);
  assert.deepEqual(use(old, 'RS123', now), { use: false, reason: 'expired' });
  // The answer's own user counts when none was sent.
  assert.deepEqual(use(held({ step: STEP, period: 30, user: 'RS1' }, null), 'RS2', now), { use: false, reason: 'other-user' });
});

test('the reply to ahead carries no code (it is handed to the code field); errors as they are', () => {
  assert.deepEqual(aheadReply({ ok: true, code: '123456', step: 5, authenticator: 'trf4' }), { ok: true, step: 5, authenticator: 'trf4', held: true });
  const err = { ok: false, error: { code: 'store_locked' } };
  assert.equal(aheadReply(err), err);
});

class FakeSession {
  data: Record<string, unknown> = {};
  async get(k: string) {
    return k in this.data ? { [k]: structuredClone(this.data[k]) } : {};
  }
  async set(items: Record<string, unknown>) {
    Object.assign(this.data, structuredClone(items));
  }
}

const codeAnswer = (code: string, step: number, extra: Record<string, unknown> = {}) =>
  ({ ok: true, code, step, period: 30, authenticator: 'trf4', user: 'RS123', valid_for_s: 28, wait_ms: 0, ...extra });

test('store: held per tab, handed out once, survives a worker restart, dropped on tab close', async () => {
  let t = stepStart + 1_000;
  const area = new FakeSession();
  const a = new HeldCodes(area, () => t);
  await a.fetchAhead(7, 'RS123', 0, async () => codeAnswer('111111', STEP));
  assert.equal(await a.has(7), true);
  assert.equal(await a.has(8), false);
  // The worker restarts between the password page and the code page.
  const b = new HeldCodes(area, () => t);
  t += 2_000;
  const got = await b.take(7, 'trf4', 'RS123', 0);
  assert.equal(got?.code, '111111');
  assert.equal(got?.held, true);
  assert.equal(got?.valid_for_s, 27);
  assert.equal(await b.take(7, 'trf4', 'RS123', 0), null, 'at most once');
  await b.fetchAhead(7, 'RS123', 0, async () => codeAnswer('222222', STEP));
  await b.forgetTab(7);
  assert.equal(await new HeldCodes(area, () => t).has(7), false, 'gone with the tab, also from storage.session');
});

test('store: errors are not held; a newer ahead replaces the older; stale ones are dropped', async () => {
  let t = stepStart + 1_000;
  const s = new HeldCodes(null, () => t);
  await s.fetchAhead(1, 'RS123', 0, async () => ({ ok: false, error: { code: 'choose_account' } }));
  assert.equal(await s.has(1), false);
  await s.fetchAhead(1, 'RS123', 0, async () => codeAnswer('111111', STEP));
  await s.fetchAhead(1, 'RS123', 0, async () => codeAnswer('222222', STEP));
  assert.equal((await s.take(1, 'trf4', 'RS123', 0))?.code, '222222');
  await s.fetchAhead(1, 'RS123', 0, async () => codeAnswer('333333', STEP));
  t = stepStart + 26_000; // 4 s left: stale
  assert.equal(await s.take(1, 'trf4', 'RS123', 0), null);
  assert.equal(await s.has(1), false, 'dropped');
});

test('store: a take waits for the tab\'s ahead still being asked', async () => {
  const t = stepStart + 1_000;
  const s = new HeldCodes(null, () => t);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const ahead = s.fetchAhead(3, 'RS123', 0, async () => {
    await gate;
    return codeAnswer('444444', STEP);
  });
  let taken: unknown = 'pending';
  const take = s.take(3, 'trf4', 'RS123', 0).then((x) => (taken = x));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(taken, 'pending', 'waits');
  release();
  await ahead;
  await take;
  assert.equal((taken as unknown as { code: string }).code, '444444');
});
