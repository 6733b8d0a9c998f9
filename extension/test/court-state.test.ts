// The popup's court state (issue 10): an account the court refused ("Código recusado pelo
// tribunal às HH:MM", what to check, "Já entrei / liberar"), the clock sentence (computer ahead /
// behind the court, absurd), and the store line (backend and state, whatever the backend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dom } from './helpers';

(globalThis as unknown as { chrome: unknown }).chrome = { runtime: {}, i18n: { getMessage: (k: string, s?: string[]) => (s ? `${k}(${s.join(',')})` : k) } };
const { clockText, rejectionBlock, rejectionTexts, renderClock } = await import('../src/popup/court-state');
const { storeLine } = await import('../src/popup/status-view');

const NOW = Date.UTC(2026, 11, 3, 14, 0, 0);
const rej = (count: number, fill: boolean, at = NOW - 60_000) => ({ count, at_ms: at, until_ms: at + 1_800_000, auto_submit: false, fill });

test('rejection texts: the time, what to check; withheld says until when; nothing once expired', () => {
  const once = rejectionTexts(rej(1, true), NOW)!;
  assert.match(once.title, /^uiRejectedAt\(\d\d:\d\d\)$/);
  assert.deepEqual(once.lines, ['uiRejectedCheck']);
  assert.equal(once.withheld, false);
  const twice = rejectionTexts(rej(2, false), NOW)!;
  assert.equal(twice.withheld, true);
  assert.match(twice.lines[0]!, /^uiRejectedWithheld\(2,\d\d:\d\d\)$/);
  assert.equal(twice.lines[1], 'uiRejectedCheck');
  assert.equal(rejectionTexts(rej(2, false, NOW - 1_800_001), NOW), null, 'expired');
  assert.equal(rejectionTexts(null, NOW), null);
});

test('rejection block: data hooks and the release button', async () => {
  dom('<ul id="a"></ul>', 'chrome-extension://test/popup.html');
  let released = 0;
  const box = rejectionBlock(rej(2, false), NOW, 'TRF4 · RS1', async () => {
    released++;
    return true;
  })!;
  assert.equal(box.dataset.role, 'rejection');
  assert.equal(box.dataset.count, '2');
  assert.equal(box.dataset.fill, 'false');
  assert.ok(box.classList.contains('withheld'));
  const b = box.querySelector<HTMLButtonElement>('[data-action=login-reset]')!;
  assert.equal(b.textContent, 'uiRejectedRelease');
  assert.equal(b.getAttribute('aria-label'), 'uiRejectedReleaseOf(TRF4 · RS1)');
  b.click();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(released, 1);
  assert.equal(rejectionBlock(null, NOW, 'x', async () => true), null);
});

test('clock: a court 150 s ahead means this computer is 150 s behind; absurd says so; small or none says nothing', () => {
  const reply = (offsetMs: number, state: 'none' | 'corrected' | 'absurd', estimateMs = offsetMs) => ({ host: 'h', clock: { offsetMs, state }, estimateMs, samples: 4 });
  assert.deepEqual(clockText(reply(150_000, 'corrected'), 'TJMG'), { state: 'corrected', text: 'uiClockBehind(150,TJMG)' });
  assert.deepEqual(clockText(reply(-150_400, 'corrected'), 'TJMG'), { state: 'corrected', text: 'uiClockAhead(150,TJMG)' });
  assert.deepEqual(clockText(reply(0, 'absurd', -8.64e8), 'TJMS'), { state: 'absurd', text: 'uiClockAbsurd(TJMS,uiDays(10))' });
  assert.equal(clockText(reply(0, 'none', 1200), 'TRF4'), null);
  assert.equal(clockText(null, 'TRF4'), null);
  assert.equal(clockText({ ok: true } as never, 'TRF4'), null, 'a background without the clock');
  dom('<section id="n" hidden></section>', 'chrome-extension://test/popup.html');
  const box = document.getElementById('n')!;
  renderClock(box, reply(150_000, 'corrected'), 'TJMG');
  assert.equal(box.hidden, false);
  const p = box.querySelector<HTMLElement>('[data-role=clock]')!;
  assert.equal(p.dataset.clockState, 'corrected');
  assert.equal(p.dataset.offsetMs, '150000');
  renderClock(box, reply(0, 'none'), 'TJMG');
  assert.equal(box.hidden, true);
});

test('store line: backend and state generically (openbao too); none without an answer', () => {
  const s = (store: unknown, ok = true) => ({ mode: 'auto', source: 'native' as const, hello: ok ? { ok: true, store } : { ok: false, error: { code: 'host_not_installed' } } });
  assert.equal(storeLine(s({ state: 'ok', backend: 'secret-service' })), 'uiStoreBackend(secret-service,ok)');
  assert.equal(storeLine(s({ state: 'sealed', backend: 'openbao' })), 'uiStoreBackend(openbao,sealed)');
  assert.equal(storeLine(s({ state: 'locked', backend: 'browser' })), 'uiStoreBackend(browser,locked)');
  assert.equal(storeLine(s(undefined)), null);
  assert.equal(storeLine(s(null, false)), null);
  assert.equal(storeLine(null), null);
});
