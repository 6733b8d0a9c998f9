// The staleness rule of a code fetched at eproc's password submit and held until its field appears.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRESH_MARGIN_MS, type HeldCode, heldCodeUse, validityOf } from '../src/content/prefetch';

const STEP = 58_733_334; // 30 s steps
const stepStart = STEP * 30_000;
const held = (answer: Record<string, unknown>, user: string | null = 'RS123', receivedAt = stepStart + 1_000): HeldCode => ({
  user, receivedAt, answer: { ok: true, code: '123456', ...answer },
});

test('validity: from step and period exactly; else from wait_ms and valid_for_s counted from arrival', () => {
  assert.deepEqual(validityOf(held({ step: STEP, period: 30 })), { from: stepStart, until: stepStart + 30_000 });
  assert.deepEqual(validityOf(held({ wait_ms: 2_000, valid_for_s: 30 }, 'RS123', 1_000)), { from: 3_000, until: 33_000 });
  assert.deepEqual(validityOf(held({ valid_for_s: 20 }, 'RS123', 1_000)), { from: 1_000, until: 21_000 });
  assert.equal(validityOf(held({})), null, 'no timing at all');
  assert.equal(validityOf(held({ step: -1, period: 30, valid_for_s: 'x' })), null);
});

test('a held code is typed when it has at least the fresh-code margin left', () => {
  const h = held({ step: STEP, period: 30, wait_ms: 0, valid_for_s: 29 });
  assert.deepEqual(heldCodeUse(h, 'RS123', stepStart + 1_400), { use: true, waitMs: 0 });
  assert.deepEqual(heldCodeUse(h, 'RS123', stepStart + 30_000 - FRESH_MARGIN_MS), { use: true, waitMs: 0 });
  assert.deepEqual(heldCodeUse(h, 'RS123', stepStart + 30_000 - FRESH_MARGIN_MS + 1), { use: false, reason: 'stale' });
  assert.deepEqual(heldCodeUse(h, 'RS123', stepStart + 31_000), { use: false, reason: 'stale' }, 'expired');
});

test('a next-step code (fetched in the last seconds of a step): typed after the wait that is left', () => {
  const h = held({ step: STEP + 1, period: 30, wait_ms: 3_500, valid_for_s: 30 }, 'RS123', stepStart + 26_500);
  // the field appears 0.4 s after the submit: 3.1 s of the wait are left
  assert.deepEqual(heldCodeUse(h, 'RS123', stepStart + 26_900), { use: true, waitMs: 3_100 });
  // the field appears after the step began: no wait
  assert.deepEqual(heldCodeUse(h, 'RS123', stepStart + 31_000), { use: true, waitMs: 0 });
});

test('only a successful answer for the same user', () => {
  const now = stepStart + 2_000;
  assert.deepEqual(heldCodeUse({ user: 'RS123', receivedAt: now, answer: { ok: false, error: { code: 'choose_account' } } }, 'RS123', now),
    { use: false, reason: 'error' });
  assert.deepEqual(heldCodeUse(held({ step: STEP, period: 30 }), 'RS999', now), { use: false, reason: 'other-user' });
  assert.deepEqual(heldCodeUse(held({ step: STEP, period: 30 }, null), null, now), { use: true, waitMs: 0 });
  assert.deepEqual(heldCodeUse(held({ step: STEP, period: 30 }, null), 'RS123', now), { use: false, reason: 'other-user' });
  assert.deepEqual(heldCodeUse(held({}), 'RS123', now), { use: false, reason: 'no-timing' });
});
