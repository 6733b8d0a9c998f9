// A page's `code` and `login-result` through the background (issue 10), over a scripted source:
// the court clock's offset on every request, ahead → held → the code page, the court's answer
// forwarded once per handed code and only for a tab handed one, autoSubmit = setting AND no
// active rejection, code_withheld passed as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PageCodes } from '../src/background/page-codes';
import { HeldCodes } from '../src/background/held-codes';
import { HANDED_TTL_MS, HandedCodes, activeRejection, autoSubmitFor } from '../src/background/rejections';
import type { ClockInfo, ContentNotice } from '../src/shared/messages';

const STEP = 58_733_334;
const T = STEP * 30_000 + 2_000;
const PAGE = { url: 'https://eproc.trf4.jus.br/eproc2trf4/index.php', tabId: 5 };

function rig(opts: { auto?: boolean; clock?: ClockInfo; answer?: (req: Record<string, unknown>) => Record<string, unknown> } = {}) {
  const c = { t: T };
  const now = () => c.t;
  const sent: Record<string, unknown>[] = [];
  const notices: [number, ContentNotice][] = [];
  let n = 0;
  const answer = opts.answer ?? ((req) => {
    if (req.type === 'code') {
      n++;
      return { ok: true, code: String(100000 + n), step: STEP + n - 1, period: 30, valid_for_s: 28, wait_ms: 0, authenticator: 'trf4', user: 'RS123', rejection: null };
    }
    if (req.type === 'login_result') {
      return { ok: true, rejection: req.outcome === 'rejected' ? { count: 1, at_ms: c.t, until_ms: c.t + 1_800_000, auto_submit: false, fill: true } : null };
    }
    return { ok: false, error: { code: 'unknown_type' } };
  });
  const pc = new PageCodes({
    request: async (req) => {
      sent.push(req);
      return answer(req) as { ok: boolean };
    },
    autoSubmit: async () => opts.auto ?? true,
    clock: { infoFor: async () => opts.clock ?? { offsetMs: 0, state: 'none' } },
    held: new HeldCodes(null, now),
    handed: new HandedCodes(null, now),
    authenticatorOf: async (url) => (url.includes('trf4') ? 'trf4' : url.includes('tjrs') ? 'tjrs' : null),
    notify: (tab, notice) => notices.push([tab, notice]),
    now,
  });
  return { pc, sent, notices, c };
}

test('the court clock offset goes with the code request; the reply says the clock state', async () => {
  const { pc, sent } = rig({ clock: { offsetMs: 150_000, state: 'corrected' } });
  const r = await pc.code({ kind: 'code', user: ' RS123 ' }, PAGE);
  assert.deepEqual(sent[0], { type: 'code', url: PAGE.url, user: 'RS123', clock_offset_ms: 150_000 });
  assert.deepEqual(r.clock, { offsetMs: 150_000, state: 'corrected' });
  const { pc: pc2, sent: sent2 } = rig({ clock: { offsetMs: 0, state: 'absurd' } });
  const r2 = await pc2.code({ kind: 'code' }, PAGE);
  assert.deepEqual(sent2[0], { type: 'code', url: PAGE.url }, 'absurd: no correction');
  assert.equal(r2.clock.state, 'absurd');
});

test('two-page login: the code asked at the password submit is the one the code page gets', async () => {
  const { pc, sent } = rig();
  const ahead = await pc.code({ kind: 'code', user: 'RS123', ahead: true }, PAGE);
  assert.equal(ahead.ok, true);
  assert.equal(ahead.code, undefined, 'the ahead reply carries no code');
  assert.equal(ahead.held, true);
  // The code page (a new page of the same tab, user unknown there).
  const page2 = { ...PAGE, url: 'https://eproc.trf4.jus.br/eproc2trf4/externo_controlador.php?acao=a2f' };
  const r = await pc.code({ kind: 'code' }, page2);
  assert.equal(r.code, '100001');
  assert.equal(r.autoSubmit, true);
  assert.equal(sent.filter((x) => x.type === 'code').length, 1, 'one step claimed, not two');
  // Another plain code (a reload): a new one.
  const r2 = await pc.code({ kind: 'code' }, page2);
  assert.equal(r2.code, '100002');
  // Another tab never gets this tab's held code.
  await pc.code({ kind: 'code', user: 'RS123', ahead: true }, PAGE);
  const other = await pc.code({ kind: 'code' }, { ...PAGE, tabId: 6 });
  assert.equal(other.code, '100004');
});

test('a plain code while the same tab\'s ahead is in flight waits for it', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let n = 0;
  const { pc, sent } = rig({
    answer: (req) => ({ ok: true, code: String(++n), step: STEP, period: 30, valid_for_s: 28, authenticator: 'trf4', user: 'RS123', rejection: null, req }),
  });
  const origRequest = (pc as unknown as { d: { request: (r: Record<string, unknown>) => Promise<unknown> } }).d;
  const inner = origRequest.request;
  origRequest.request = async (r) => {
    if (n === 0) await gate;
    return inner(r);
  };
  const a = pc.code({ kind: 'code', user: 'RS123', ahead: true }, PAGE);
  const b = pc.code({ kind: 'code', user: 'RS123' }, PAGE);
  await new Promise((r) => setTimeout(r, 10));
  release();
  await a;
  assert.equal((await b).code, '1');
  assert.equal(sent.length, 1);
});

test('the court refused the code: forwarded once, only for a tab handed a code, autoSubmit off after', async () => {
  const { pc, sent, notices, c } = rig();
  // No code handed to this tab: not forwarded (a page cannot make the source count rejections).
  assert.deepEqual(await pc.loginResult({ kind: 'login-result', outcome: 'rejected', evidence: '.infraMensagem' }, PAGE), { ok: true, forwarded: false });
  const r = await pc.code({ kind: 'code', user: 'RS123' }, PAGE);
  const fwd = await pc.loginResult({ kind: 'login-result', outcome: 'rejected', evidence: '.infraMensagem' }, PAGE);
  assert.equal(fwd.forwarded, true);
  assert.deepEqual(sent.at(-1), { type: 'login_result', outcome: 'rejected', authenticator: 'trf4', user: 'RS123', step: r.step });
  assert.equal(notices.length, 1);
  assert.equal(notices[0]![1].kind, 'login-state');
  // The same message again (a reload of the rejection page, the alert and the markup): not again.
  const again = await pc.loginResult({ kind: 'login-result', outcome: 'rejected', evidence: 'alert' }, PAGE);
  assert.equal(again.forwarded, false);
  assert.equal(sent.filter((x) => x.type === 'login_result').length, 1);
  // A page of another court in the same tab does not report for it.
  await pc.code({ kind: 'code' }, PAGE);
  assert.equal((await pc.loginResult({ kind: 'login-result', outcome: 'accepted', evidence: 'app' }, { ...PAGE, url: 'https://eproc1g.tjrs.jus.br/eproc/' })).forwarded, false);
  // After 10 minutes the handed code no longer counts.
  c.t += HANDED_TTL_MS + 1;
  assert.equal((await pc.loginResult({ kind: 'login-result', outcome: 'accepted', evidence: 'app' }, PAGE)).forwarded, false);
  // Bad input.
  const bad = await pc.loginResult({ kind: 'login-result', outcome: 'maybe' as 'rejected', evidence: 'x' }, PAGE);
  assert.equal(bad.ok, false);
});

test('two reports at once forward one', async () => {
  const { pc, sent } = rig();
  await pc.code({ kind: 'code', user: 'RS123' }, PAGE);
  const both = await Promise.all([
    pc.loginResult({ kind: 'login-result', outcome: 'rejected', evidence: 'a' }, PAGE),
    pc.loginResult({ kind: 'login-result', outcome: 'rejected', evidence: 'b' }, PAGE),
  ]);
  assert.deepEqual(both.map((x) => x.forwarded).sort(), [false, true]);
  assert.equal(sent.filter((x) => x.type === 'login_result').length, 1);
});

test('autoSubmit: the setting AND a code AND no active rejection; code_withheld as it is', async () => {
  const rej = { count: 1, at_ms: T - 1000, until_ms: T + 1_799_000, auto_submit: false, fill: true };
  const { pc } = rig({ answer: () => ({ ok: true, code: '123456', step: STEP, period: 30, valid_for_s: 28, authenticator: 'trf4', user: 'RS123', rejection: rej }) });
  const r = await pc.code({ kind: 'code' }, PAGE);
  assert.equal(r.code, '123456', 'filled once more');
  assert.equal(r.autoSubmit, false);
  assert.deepEqual(r.rejection, rej);
  const { pc: off } = rig({ auto: false });
  assert.equal((await off.code({ kind: 'code' }, PAGE)).autoSubmit, false, 'setting off');
  const withheld = { ok: false, error: { code: 'code_withheld', message: 'O tribunal recusou…', rejections: 2, until_ms: T + 1_000_000 } };
  const { pc: w } = rig({ answer: () => withheld });
  const wr = await w.code({ kind: 'code' }, PAGE);
  assert.equal(wr.ok, false);
  assert.deepEqual((wr as unknown as typeof withheld).error, withheld.error);
  assert.equal(wr.autoSubmit, false);
  // Expired records do not count.
  assert.equal(activeRejection({ ...rej, until_ms: T - 1 }, T), false);
  assert.equal(autoSubmitFor(true, { ok: true, code: '1', rejection: { ...rej, until_ms: T - 1 } }, T), true);
});

test('the report is about the code submitted: the latest handed before the navigation, not the one the answer page asked for', async () => {
  const { pc, sent, c } = rig();
  const handed = (pc as unknown as { d: { handed: HandedCodes } }).d.handed;
  const a = await pc.code({ kind: 'code', user: 'RS123' }, PAGE); // typed and submitted
  c.t += 2_000;
  handed.noteNavigation(PAGE.tabId, c.t); // the court's answer page loads
  c.t += 100;
  const b = await pc.code({ kind: 'code', user: 'RS123' }, PAGE); // the answer page shows the field again
  const r1 = await pc.loginResult({ kind: 'login-result', outcome: 'rejected', evidence: '#divInfraMensagens' }, PAGE);
  assert.equal(r1.forwarded, true);
  assert.equal(sent.at(-1)!.step, a.step);
  // The alert of the same answer page: the same refusal, not a second one.
  c.t += 300;
  assert.equal((await pc.loginResult({ kind: 'login-result', outcome: 'rejected', evidence: 'alert' }, PAGE)).forwarded, false);
  // The user submits b by hand; the next answer page reports again.
  c.t += 20_000;
  handed.noteNavigation(PAGE.tabId, c.t);
  const r2 = await pc.loginResult({ kind: 'login-result', outcome: 'rejected', evidence: '#divInfraMensagens' }, PAGE);
  assert.equal(r2.forwarded, true);
  assert.equal(sent.at(-1)!.step, b.step);
  // Nothing left to report for.
  c.t += 20_000;
  assert.equal((await pc.loginResult({ kind: 'login-result', outcome: 'rejected', evidence: 'x' }, PAGE)).forwarded, false);
});

test('an accepted login closes every code of the tab; handed codes survive a worker restart (storage.session)', async () => {
  const area = { data: {} as Record<string, unknown>, async get(k: string) { return k in this.data ? { [k]: structuredClone(this.data[k]) } : {}; }, async set(i: Record<string, unknown>) { Object.assign(this.data, structuredClone(i)); } };
  let t = T;
  const a = new HandedCodes(area, () => t);
  await a.record(9, { ok: true, code: '111111', authenticator: 'trf4', user: 'RS1', step: 1 });
  await a.record(9, { ok: true, code: '222222', authenticator: 'trf4', user: 'RS1', step: 2 });
  t += 1_000;
  const b = new HandedCodes(area, () => t); // the worker restarted
  const got = await b.claim(9, 'accepted');
  assert.equal(got?.step, 2);
  assert.equal(await b.eligible(9, 'rejected'), null, 'the login went through: nothing else to report');
  await b.forgetTab(9);
  assert.equal(await new HandedCodes(area, () => t).eligible(9, 'accepted'), null);
});
