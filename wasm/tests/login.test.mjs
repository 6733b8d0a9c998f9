// The login path of browser mode: the small login module (wasm/login) answers `hello` and a page's
// `code`; these tests hold it to the size budget and to giving exactly the answers of the full
// module's `handle` (the native host's handler; protocol.test.mjs ties that one to the real host).
// Storage is the in-memory stand-in of helpers.mjs, WebCrypto is real.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FakeArea, loadBrowserMode, loginBytes, rng } from './helpers.mjs';

const bm = await loadBrowserMode();
const core = await bm.loadCore();
const login = await bm.loadLogin();
const PASS = 'correct horse battery';
/** "The module the login pages need is at most 40 KB gzip" (issue 4). */
const LOGIN_BUDGET_GZIP = 40 * 1024;

function clock(start = 1_764_430_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

async function setUp({ loadCore } = {}) {
  const now = clock();
  const deps = { login, local: new FakeArea(), session: new FakeArea(), now: now.now, iterations: 1000, allowWeakKdf: true, lockAfterMinutes: 0, lang: () => 'pt-BR' };
  const src = new bm.BrowserSource(loadCore ? { ...deps, loadCore } : { ...deps, core });
  await src.setup(PASS);
  return { src, now };
}

test('the login module is within the 40 KB gzip budget', () => {
  const bytes = loginBytes();
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`login module: ${bytes.length} bytes raw, ${gz} bytes gzip (budget ${LOGIN_BUDGET_GZIP})`);
  assert.ok(gz <= LOGIN_BUDGET_GZIP, `login module is ${gz} bytes gzip, over the ${LOGIN_BUDGET_GZIP}-byte budget`);
});

test('a login needs only the login module: hello and page codes never load the full one', async () => {
  let loads = 0;
  const { src, now } = await setUp({ loadCore: async () => { loads++; return core; } });
  const h = await src.request({ type: 'hello' });
  assert.equal(h.ok, true);
  assert.equal(h.mode, 'browser');
  assert.equal(h.registry, JSON.parse(core.handle('{"id":1,"type":"hello"}', '', now.t, 'pt-BR')).answer.registry);
  assert.deepEqual(h.store, { state: 'ok', backend: 'browser' });
  const none = await src.request({ type: 'code', url: 'https://eproc.trf2.jus.br/eproc/index.php' });
  assert.equal(none.error.code, 'no_account');
  assert.equal(loads, 0, 'the full module was loaded for a login');
  // Enrollment is not a login: the full module comes then, once.
  const e = await src.request({ type: 'enroll', url: 'https://eproc.trf2.jus.br/eproc/', user: 'u1', secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
  assert.equal(e.ok, true, JSON.stringify(e));
  now.t += 60_000;
  const c = await src.request({ type: 'code', url: 'https://eproc.trf2.jus.br/eproc/index.php' });
  assert.equal(c.ok, true);
  await src.request({ type: 'accounts' });
  assert.equal(loads, 1);
});

const URLS = [
  'https://eproc.trf4.jus.br/eproc2trf4/index.php',
  'https://eproc.jfpr.jus.br/eprocV2/externo_controlador.php?acao=login',
  'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate?eproc_client_id=eproc.jfsc.jus.br',
  'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate?client_id=eproc.jfrs.jus.br&x=%20',
  'https://eproc-sso.trf4.jus.br/realms/eproc/protocol/openid-connect/auth?client_id=nobody',
  'https://keycloak-eks.tjrs.jus.br/realms/eproc/login-actions/authenticate',
  'https://sso.tjrs.jus.br/realms/eproc/',
  'https://eproc.trf2.jus.br/eproc/index.php',
  'https://eproc.jfes.jus.br/eproc',
  'https://EPROC.TRF2.JUS.BR/eproc/index.php',
  'https://eproc.trf2.jus.br./eproc/index.php',
  'https://eproc.trf2.jus.br:443/eproc/index.php',
  'https://eproc.trf2.jus.br\\eproc\\index.php',
  'https://eproc.trf2.jus.br/eproc/../eproc/index.php',
  'https://eproc.trf2.jus.br/eproc/%2e%2e/x',
  'https://eproc.trf2.jus.br/eprocx/',
  'https://eproc.trf2.jus.br:8443/eproc/',
  'http://eproc.trf2.jus.br/eproc/',
  'https://user:pw@eproc.trf2.jus.br/eproc/',
  'https://eproc.trf2.jus.br.evil.example/eproc/',
  'https://xn--eproc-9ua.trf2.jus.br/eproc/',
  'https://eproc.trf2.jus%2ebr/eproc/',
  'https://192.168.0.1/eproc/',
  'https://eproc.trf2.jus.br#/eproc/',
  'not a url',
  'https://eproc.trf2.jus.br/eproc/\u00e9',
  '',
];
const USERS = [undefined, null, '', '  ', 'RS1', ' rs1 ', 'RS2', 'u-rio', 'U-RIO', 'sul', 'nobody', 'é'];
const ACCOUNTS = [
  { url: 'https://eproc.trf4.jus.br/eproc2trf4/', user: 'RS1', secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' },
  { url: 'https://eproc.jfpr.jus.br/eprocV2/', user: 'RS2', secret: 'MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW', label: 'Dra. Ana' },
  { url: 'https://eproc.trf2.jus.br/eproc/', user: 'u-rio', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' },
  { url: 'https://eproc1g.tjrs.jus.br/eproc/', user: 'sul', secret: 'otpauth://totp/TJRS:sul?secret=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU&algorithm=SHA256&digits=8&period=60' },
];

test('page codes from the login module equal the full handler, answers and stored steps (random cases)', async () => {
  const { src, now } = await setUp();
  for (const a of ACCOUNTS) {
    const r = await src.request({ type: 'enroll', ...a });
    assert.equal(r.ok, true, JSON.stringify(r));
  }
  const next = rng(20261129);
  const pick = (list) => list[Math.floor(next() * list.length)];
  let compared = 0;
  let viaLogin = 0;
  let withheld = 0;
  let refusedOnce = 0;
  let shifted = 0;
  for (let i = 0; i < 600; i++) {
    // Jump ahead, sometimes into the last 5 s of a step (the fresh-code rule waits then).
    now.t += Math.floor(next() * 90_000) + (next() < 0.3 ? 27_000 - (now.t % 30_000) + 30_000 : 0);
    // Issue 10: now and then the court refuses a code (or the user clears that), through the full
    // module like the extension's `login_result`; the page code then carries the record, or is
    // `code_withheld`, on both paths alike.
    if (next() < 0.12) {
      const a = pick(ACCOUNTS);
      const outcome = next() < 0.75 ? 'rejected' : pick(['accepted', 'reset']);
      const r = await src.request({ type: 'login_result', url: a.url, user: a.user, outcome });
      assert.equal(r.ok, true, JSON.stringify(r));
    }
    const req = { type: 'code', url: pick(URLS) };
    const user = pick(USERS);
    if (user !== undefined) req.user = user;
    if (next() < 0.2) req.peek = next() < 0.5;
    // ... and the court's clock is off (issue 10), sometimes beyond what the protocol accepts.
    if (next() < 0.3) req.clock_offset_ms = pick([150_000, -150_000, 3_000, -600_000, 600_000, 600_001, -700_000, 1.5, 0]);
    const before = await src.store.read();
    const id = i + 1000;
    const expected = JSON.parse(core.handle(JSON.stringify({ ...req, id }), before, now.t, 'pt-BR'));
    const got = await src.request(req);
    await src.isSetUp(); // the step record is written behind the answer, before the next operation
    assert.deepEqual({ ...got, id }, expected.answer, `case ${i}: ${JSON.stringify(req)}`);
    const after = await src.store.read();
    if (expected.vault === null) assert.equal(after, before, `case ${i}: the vault changed`);
    else assert.deepEqual(JSON.parse(after), JSON.parse(expected.vault), `case ${i}: stored steps differ`);
    compared++;
    if (got.error?.code === 'code_withheld') withheld++;
    if (got.ok && got.rejection) refusedOnce++;
    if (got.ok && got.clock_offset_ms) shifted++;
    const canonical = (() => { try { return new URL(req.url).href === req.url; } catch { return false; } })();
    if (canonical && (got.ok || ['no_account', 'choose_account', 'unknown_account'].includes(got.error?.code))) viaLogin++;
  }
  assert.equal(compared, 600);
  // Enough of them took the login path (the rest: refusals and odd URLs, answered by `handle`).
  assert.ok(viaLogin >= 150, `only ${viaLogin} cases went through the login module`);
  // Issue 10's states were all reached: codes at a shifted clock, with a refusal, withheld.
  assert.ok(withheld >= 5 && refusedOnce >= 5 && shifted >= 10, `withheld ${withheld}, refused once ${refusedOnce}, shifted ${shifted}`);
});

test('a damaged stored account is store_corrupt through the login path too, and nothing is written', async () => {
  const { src, now } = await setUp();
  await src.request({ type: 'enroll', ...ACCOUNTS[2] });
  const vault = JSON.parse(await src.store.read());
  vault.accounts[0].secret = 'NOT BASE32 0189';
  await src.store.write(JSON.stringify(vault));
  const before = await src.store.read();
  now.t += 60_000;
  const a = await src.request({ type: 'code', url: 'https://eproc.trf2.jus.br/eproc/' });
  assert.equal(a.ok, false);
  assert.equal(a.error.code, 'store_corrupt');
  assert.ok(!JSON.stringify(a).includes('0189'), 'the stored key leaked into the answer');
  assert.equal(await src.store.read(), before);
});

test('extraSystems from policy reach the login module in canonical form', async () => {
  const { src, now } = await setUp();
  await src.setExtraSystems([{
    id: 'tjxx-1g', court: 'TJXX', name: 'TJXX 1º grau', app: 'https://EPROC1G.tjxx.jus.br:443/eproc',
    login: ['https://sso.tjxx.jus.br/realms/eproc'], login_style: 'keycloak', two_factor: 'obrigatorio', authenticator: 'tjxx',
  }]);
  const e = await src.request({ type: 'enroll', url: 'https://eproc1g.tjxx.jus.br/eproc/', user: 'x', secret: ACCOUNTS[0].secret });
  assert.equal(e.ok, true, JSON.stringify(e));
  now.t += 60_000;
  const a = await src.request({ type: 'code', url: 'https://sso.tjxx.jus.br/realms/eproc/login-actions/authenticate' });
  assert.equal(a.ok, true, JSON.stringify(a));
  assert.equal(a.system, 'tjxx-1g');
  // A refused policy changes neither registry.
  await src.setExtraSystems([{ id: 'evil', court: 'X', name: 'X', app: 'https://eproc.trf4.jus.br/eproc2trf4/x/', login_style: 'eproc', two_factor: 'obrigatorio', authenticator: 'evil' }]);
  now.t += 60_000;
  assert.equal((await src.request({ type: 'code', url: 'https://sso.tjxx.jus.br/realms/eproc/' })).ok, true);
  await src.setExtraSystems([]);
  now.t += 60_000;
  const gone = await src.request({ type: 'code', url: 'https://sso.tjxx.jus.br/realms/eproc/' });
  assert.equal(gone.error.code, 'unknown_site');
});

test('the step record is written behind the answer; if that write fails, this worker still never repeats the step', async () => {
  const { src, now } = await setUp();
  await src.request({ type: 'enroll', ...ACCOUNTS[2] });
  now.t += 60_000;
  const area = src.local; // the FakeArea under the store (private in TypeScript only)
  const realSet = area.set.bind(area);
  let failures = 0;
  area.set = async (items) => {
    if (failures === 0) {
      failures++;
      throw new Error('QUOTA_BYTES quota exceeded');
    }
    return realSet(items);
  };
  const a = await src.request({ type: 'code', url: 'https://eproc.trf2.jus.br/eproc/' });
  assert.equal(a.ok, true, JSON.stringify(a));
  const b = await src.request({ type: 'code', url: 'https://eproc.trf2.jus.br/eproc/' });
  assert.equal(failures, 1);
  assert.ok(b.ok && b.step > a.step, `steps ${a.step} then ${b.step}: a step was handed out twice`);
  await src.isSetUp();
  assert.equal(JSON.parse(await src.store.read()).accounts[0].last_step, b.step, 'the later write records the newer step');
});

// Issue 10: whether this build of the full module has the court-answer protocol (login_result).
const HAS_ISSUE10 = JSON.parse(core.handle('{"id":1,"type":"login_result","authenticator":"trf4","outcome":"reset"}', '', 0, 'en')).answer?.error?.code !== 'unknown_type';

test('court clock: the login path computes the code at the court time given by clock_offset_ms', async () => {
  let loads = 0;
  let src, now;
  for (const offset of [150_000, -150_000]) {
    // A store per court clock (a step claimed at one clock is never handed out again at another).
    ({ src, now } = await setUp({ loadCore: async () => { loads++; return core; } }));
    await src.request({ type: 'enroll', url: ACCOUNTS[0].url, user: 'RS1', secret: ACCOUNTS[0].secret });
    loads = 0;
    // Past the step the enrollment claimed at the computer's time, whichever way the court is.
    now.t += 240_000;
    const a = await src.request({ type: 'code', url: 'https://eproc.trf4.jus.br/eproc2trf4/index.php', clock_offset_ms: offset });
    assert.equal(a.ok, true, JSON.stringify(a));
    const courtS = Math.floor((now.t + offset) / 1000);
    const want = core.code_at(ACCOUNTS[0].secret, JSON.stringify({ algorithm: 'SHA1', digits: 6, period: 30 }), a.wait_ms > 0 ? courtS + 30 : courtS);
    assert.equal(a.code, want, `offset ${offset}`);
    assert.equal(a.step, Math.floor((now.t + offset + (a.wait_ms > 0 ? 30_000 : 0)) / 30_000));
    assert.equal(a.clock_offset_ms, offset);
    assert.equal(a.rejection, null);
  }
  assert.equal(loads, 0, 'still the login module alone');
  if (!HAS_ISSUE10) return;
  // Out of range: the full module's exact refusal.
  const bad = await src.request({ type: 'code', url: 'https://eproc.trf4.jus.br/eproc2trf4/index.php', clock_offset_ms: 600_001 });
  assert.equal(bad.error.code, 'invalid_request');
});

test('a rejection record in the store: the full module answers (policy, code_withheld), recorded in the encrypted store', { skip: !HAS_ISSUE10 && 'the WASM build predates login_result' }, async () => {
  const { src, now } = await setUp();
  const url = 'https://eproc.trf4.jus.br/eproc2trf4/index.php';
  await src.request({ type: 'enroll', url: ACCOUNTS[0].url, user: 'RS1', secret: ACCOUNTS[0].secret });
  now.t += 60_000;
  const c1 = await src.request({ type: 'code', url });
  assert.equal(c1.rejection, null);
  const r1 = await src.request({ type: 'login_result', authenticator: 'trf4', user: 'RS1', outcome: 'rejected', step: c1.step });
  assert.equal(r1.ok, true, JSON.stringify(r1));
  assert.equal(r1.rejection.count, 1);
  // Persisted: a new source over the same storage (a restart) sees it.
  const vault = JSON.parse(await src.store.read());
  assert.ok(vault.accounts[0].rejection, 'the record is in the vault');
  now.t += 60_000;
  const c2 = await src.request({ type: 'code', url });
  assert.equal(c2.ok, true);
  assert.equal(c2.rejection.fill, true);
  assert.equal(c2.rejection.auto_submit, false);
  await src.request({ type: 'login_result', authenticator: 'trf4', user: 'RS1', outcome: 'rejected', step: c2.step });
  now.t += 60_000;
  const c3 = await src.request({ type: 'code', url });
  assert.equal(c3.ok, false);
  assert.equal(c3.error.code, 'code_withheld');
  const reset = await src.request({ type: 'login_result', authenticator: 'trf4', user: 'RS1', outcome: 'reset' });
  assert.equal(reset.rejection, null);
  now.t += 60_000;
  assert.equal((await src.request({ type: 'code', url })).ok, true);
});

test('a replaced key is kept in the encrypted store until a login succeeds; restore swaps them', { skip: !HAS_ISSUE10 && 'the WASM build predates restore' }, async () => {
  const { src, now } = await setUp();
  const url = 'https://eproc.trf4.jus.br/eproc2trf4/index.php';
  await src.request({ type: 'enroll', url: ACCOUNTS[0].url, user: 'RS1', secret: ACCOUNTS[0].secret });
  const r = await src.request({ type: 'enroll', url: ACCOUNTS[0].url, user: 'RS1', secret: ACCOUNTS[1].secret, replace: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  const list = await src.request({ type: 'accounts' });
  assert.equal(list.accounts[0].replaced_kept, true);
  const stored = await src.store.read();
  assert.ok(stored.includes(ACCOUNTS[0].secret), 'the previous key is in the (encrypted) store');
  const back = await src.request({ type: 'restore', authenticator: 'trf4', user: 'RS1' });
  assert.equal(back.ok, true, JSON.stringify(back));
  now.t += 60_000;
  const c = await src.request({ type: 'code', url, user: 'RS1' });
  assert.equal(c.code, core.code_at(ACCOUNTS[0].secret, JSON.stringify({ algorithm: 'SHA1', digits: 6, period: 30 }), Math.floor(now.t / 1000) + (c.wait_ms > 0 ? 30 : 0)));
  await src.request({ type: 'login_result', authenticator: 'trf4', user: 'RS1', outcome: 'accepted', step: c.step });
  const after = await src.request({ type: 'accounts' });
  assert.equal(after.accounts[0].replaced_kept, false, 'dropped after a login with it');
  const none = await src.request({ type: 'restore', authenticator: 'trf4', user: 'RS1' });
  assert.equal(none.error.code, 'nothing_to_restore');
});

test('a rejection record: the login module applies the core policy (fill once more); withheld goes to the full module', { skip: (typeof login.rejection_state !== 'function' || !HAS_ISSUE10) && 'the WASM build predates issue 10' }, async () => {
  let loads = 0;
  const { src, now } = await setUp({ loadCore: async () => { loads++; return core; } });
  await src.request({ type: 'enroll', url: ACCOUNTS[0].url, user: 'RS1', secret: ACCOUNTS[0].secret });
  const url = 'https://eproc.trf4.jus.br/eproc2trf4/index.php';
  const put = async (rejection) => {
    const v = JSON.parse(await src.store.read());
    v.accounts[0].rejection = rejection;
    await src.store.write(JSON.stringify(v));
  };
  now.t += 60_000;
  await put({ count: 1, at_ms: now.t - 1_000 });
  loads = 0;
  const a = await src.request({ type: 'code', url });
  assert.equal(a.ok, true);
  assert.deepEqual(a.rejection, { count: 1, at_ms: now.t - 1_000, until_ms: now.t - 1_000 + 1_800_000, auto_submit: false, fill: true });
  assert.equal(loads, 0, 'the login module alone');
  now.t += 60_000;
  await put({ count: 2, at_ms: now.t - 1_000 });
  const w = await src.request({ type: 'code', url });
  assert.equal(w.error?.code, 'code_withheld', JSON.stringify(w));
  const p = await src.request({ type: 'code', url, peek: true });
  assert.equal(p.ok, true, 'peek still works');
  assert.equal(p.rejection.fill, false);
  now.t += 1_800_000;
  const later = await src.request({ type: 'code', url });
  assert.equal(later.ok, true);
  assert.equal(later.rejection, null, 'expired');
});
