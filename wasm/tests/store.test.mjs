// Browser-mode store logic in node: WebCrypto (globalThis.crypto.subtle) is real; chrome.storage is
// an in-memory stand-in (FakeArea, see helpers.mjs); the real storage is exercised by the browser
// e2e suites.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeArea, loadBrowserMode } from './helpers.mjs';

const bm = await loadBrowserMode();
const core = await bm.loadCore();
const login = await bm.loadLogin();
const KEY = 'MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW';
const KEY_B32 = 'MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW';
const KEY2 = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const TRF4 = 'https://eproc.trf4.jus.br/eproc2trf4/index.php';
const PASS = 'correct horse battery';

/** A clock the tests move. */
function clock(start = 1_764_430_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

/** A source over fake storage; PBKDF2 iterations are lowered for speed except where said. */
function source({ local = new FakeArea(), session = new FakeArea(), now = clock(), iterations = 1000, lockAfterMinutes } = {}) {
  const src = new bm.BrowserSource({ core, login, local, session, now: now.now, iterations, allowWeakKdf: true, lockAfterMinutes, lang: () => 'en' });
  return { src, local, session, now };
}

async function enroll(src, user = 'RS1', secret = KEY) {
  const a = await src.request({ type: 'enroll', url: TRF4, user, secret });
  assert.equal(a.ok, true, JSON.stringify(a));
  return a;
}

async function rejectsWith(p, code) {
  await assert.rejects(p, (e) => {
    assert.equal(e.code, code, `expected ${code}, got ${e.code} (${e.message})`);
    return true;
  });
}

test('setup uses PBKDF2-SHA256 with at least 600,000 iterations and a random salt; nothing secret in storage.local', async () => {
  const a = source({ iterations: undefined });
  const b = source({ iterations: undefined });
  // The real derivation (no weak-KDF override reaches the store's default).
  const src = new bm.BrowserSource({ core, login, local: a.local, session: a.session, now: a.now.now, lang: () => 'en' });
  await src.setup(PASS);
  const src2 = new bm.BrowserSource({ core, login, local: b.local, session: b.session, now: b.now.now, lang: () => 'en' });
  await src2.setup(PASS);
  const meta = a.local.data.get('bm.meta');
  assert.equal(meta.kdf.name, 'PBKDF2');
  assert.equal(meta.kdf.hash, 'SHA-256');
  assert.ok(meta.kdf.iterations >= 600_000, `iterations ${meta.kdf.iterations}`);
  assert.notEqual(meta.kdf.salt, b.local.data.get('bm.meta').kdf.salt);
  await enroll(src);
  const stored = a.local.snapshot();
  assert.ok(!stored.includes(PASS) && !stored.includes(KEY_B32) && !stored.includes('MMZD'), 'plaintext leaked into storage.local');
  const sessionKey = a.session.data.get('bm.session').key;
  assert.ok(!stored.includes(sessionKey), 'the derived key is in storage.local');
});

test('round trip: enroll, lock, locked answers, wrong passphrase, unlock, code', async () => {
  const { src, now } = source();
  assert.equal(await src.isSetUp(), false);
  let a = await src.request({ type: 'code', url: TRF4 });
  assert.equal(a.error.code, 'store_not_set_up');
  await rejectsWith(src.setup('short'), 'weak_passphrase');
  await src.setup(PASS);
  await rejectsWith(src.setup(PASS), 'store_exists');
  await enroll(src);
  now.t += 120_000;
  a = await src.request({ type: 'code', url: TRF4 });
  assert.equal(a.ok, true);
  assert.equal(a.code, core.code_at(KEY, '', Math.floor(now.t / 1000)));
  await src.lock();
  assert.equal(await src.isLocked(), true);
  for (const type of ['code', 'accounts', 'enroll', 'remove']) {
    a = await src.request({ type, url: TRF4, user: 'RS1', secret: KEY, confirm: true });
    assert.equal(a.ok, false);
    assert.equal(a.error.code, 'store_locked', type);
    assert.ok(a.error.message.length > 10);
  }
  // hello and systems still answer, and say the store is locked
  const h = await src.request({ type: 'hello' });
  assert.equal(h.ok, true);
  assert.equal(h.mode, 'browser');
  assert.deepEqual(h.store, { state: 'locked', backend: 'browser' });
  assert.equal((await src.request({ type: 'systems' })).ok, true);
  await rejectsWith(src.unlock('wrong passphrase!'), 'wrong_passphrase');
  assert.equal(await src.isLocked(), true);
  await src.unlock(PASS);
  now.t += 60_000;
  a = await src.request({ type: 'code', url: TRF4 });
  assert.equal(a.ok, true);
  assert.equal(a.code, core.code_at(KEY, '', Math.floor(now.t / 1000)));
  const list = await src.request({ type: 'accounts' });
  assert.deepEqual(list.accounts.map((x) => x.user), ['RS1']);
  assert.ok(!JSON.stringify(list).includes(KEY_B32));
});

test('answers are the core protocol: ids, fresh-code rule, errors', async () => {
  const { src, now } = source({ lockAfterMinutes: 0 }); // 0: no idle lock (the clock jumps hours)
  await src.setup(PASS);
  await enroll(src);
  now.t = 30_000 * 58_815_000 + 27_000; // later than the enrollment, 3 s left in the step
  const a = await src.request({ type: 'code', url: TRF4 });
  assert.equal(a.ok, true);
  assert.equal(a.wait_ms, 3_000);
  assert.equal(a.step, 58_815_001);
  const b = await src.request({ type: 'code', url: TRF4 });
  assert.ok(b.step > a.step, 'a step is never handed out twice');
  assert.notEqual(a.id, b.id);
  const e = await src.request({ type: 'code', url: 'https://eproc.trf4.jus.br.evil.example/eproc2trf4/' });
  assert.equal(e.error.code, 'unknown_site');
  assert.equal(e.error.reason, 'unknown_host');
  const k = await src.request({ type: 'enroll', url: TRF4, user: 'RS1', secret: KEY2 });
  assert.equal(k.error.code, 'key_exists');
});

test('idle auto-lock, and the unlocked key survives a worker restart through storage.session only', async () => {
  const { src, local, session, now } = source({ lockAfterMinutes: 15 });
  await src.setup(PASS);
  await enroll(src);
  // Worker restart: a new source over the same storage, memory lost.
  const again = new bm.BrowserSource({ core, login, local, session, now: now.now, lockAfterMinutes: 15, lang: () => 'en' });
  assert.equal(await again.isLocked(), false);
  assert.equal((await again.request({ type: 'accounts' })).ok, true);
  // Browser restart: storage.session is gone.
  const restarted = new bm.BrowserSource({ core, login, local, session: new FakeArea(), now: now.now, lang: () => 'en' });
  assert.equal(await restarted.isLocked(), true);
  // Idle for longer than lockAfterMinutes.
  now.t += 16 * 60_000;
  const a = await src.request({ type: 'accounts' });
  assert.equal(a.error?.code, 'store_locked');
  assert.equal(session.data.has('bm.session'), false, 'the key was dropped from storage.session');
  const b = await again.request({ type: 'accounts' });
  assert.equal(b.error?.code, 'store_locked');
  await src.unlock(PASS);
  assert.equal((await src.request({ type: 'accounts' })).ok, true);
});

test('a corrupted blob: store_corrupt, and nothing is overwritten', async () => {
  const { src, local, session, now } = source();
  await src.setup(PASS);
  await enroll(src);
  const cur = local.data.get('bm.current');
  const blob = local.data.get(cur);
  const ct = Buffer.from(blob.ct, 'base64');
  ct[5] ^= 0x40;
  local.data.set(cur, { ...blob, ct: ct.toString('base64') });
  const before = local.snapshot();
  for (const req of [
    { type: 'code', url: TRF4 },
    { type: 'accounts' },
    { type: 'enroll', url: TRF4, user: 'RS2', secret: KEY2 },
    { type: 'remove', url: TRF4, user: 'RS1', confirm: true },
  ]) {
    const a = await src.request(req);
    assert.equal(a.error?.code, 'store_corrupt', req.type);
  }
  await rejectsWith(src.exportEncrypted(), 'store_corrupt');
  // A fresh worker: unlock with the right passphrase reports the damage, not a wrong passphrase.
  const again = new bm.BrowserSource({ core, login, local, session: new FakeArea(), now: now.now, lang: () => 'en' });
  await rejectsWith(again.unlock(PASS), 'store_corrupt');
  await rejectsWith(again.unlock('not the passphrase'), 'wrong_passphrase');
  await rejectsWith(again.setup(PASS), 'store_exists');
  assert.equal(local.snapshot(), before, 'storage.local changed');
  void session;
});

test('damaged meta or pointer: store_corrupt, setup refuses, nothing overwritten', async () => {
  for (const [damage, setupCode] of [
    [(d) => d.set('bm.meta', { format: 'eproc-a2f-browser-store', v: 1, kdf: { name: 'PBKDF2' } }), 'store_corrupt'],
    [(d) => d.delete('bm.meta'), 'store_corrupt'],
    [(d) => d.set('bm.current', 'elsewhere'), 'store_exists'],
    [(d) => d.delete(d.get('bm.current')), 'store_exists'],
    [(d) => d.set(d.get('bm.current'), { iv: 'AAAA', ct: 42 }), 'store_exists'],
  ]) {
    const { src, local, now } = source();
    await src.setup(PASS);
    await enroll(src);
    damage(local.data);
    const before = local.snapshot();
    const fresh = new bm.BrowserSource({ core, login, local, session: new FakeArea(), now: now.now, lang: () => 'en' });
    await rejectsWith(fresh.unlock(PASS), 'store_corrupt');
    await rejectsWith(fresh.setup(PASS), setupCode);
    const a = await src.request({ type: 'code', url: TRF4 });
    assert.equal(a.error?.code, 'store_corrupt', damage.toString());
    assert.equal(local.snapshot(), before, `storage changed after ${damage}`);
  }
});

test('a write interrupted at any point leaves a readable vault (old or new), never a lost key', async () => {
  for (let k = 0; k < 4; k++) {
    const { src, local, now } = source();
    await src.setup(PASS);
    await enroll(src, 'RS1', KEY);
    local.writes = 0;
    local.crashAfter = k; // the k-th storage write of the next enroll dies
    const a = await src.request({ type: 'enroll', url: TRF4, user: 'RS2', secret: KEY2 }).catch((e) => ({ thrown: e }));
    const store = local.reopen();
    const fresh = new bm.BrowserSource({ core, login, local: store, session: new FakeArea(), now: now.now, lang: () => 'en' });
    await fresh.unlock(PASS);
    const users = (await fresh.request({ type: 'accounts' })).accounts.map((x) => x.user);
    assert.ok(users.includes('RS1'), `crash at write ${k}: RS1 lost`);
    if (a.ok) assert.ok(users.includes('RS2'), `crash at write ${k}: an answered enroll was lost`);
    // and the store still works
    const c = await fresh.request({ type: 'enroll', url: TRF4, user: 'RS3', secret: KEY2 });
    assert.equal(c.ok, true);
    const blobs = [...store.data.keys()].filter((x) => x.startsWith('bm.vault.'));
    assert.equal(blobs.length, 1, `stale blobs: ${blobs}`);
  }
});

test('export and import: same passphrase, wrong passphrase, altered file, merge without overwriting', async () => {
  const { src, now } = source();
  await src.setup(PASS);
  await enroll(src, 'RS1', KEY);
  await enroll(src, 'RS2', KEY2);
  const file = await src.exportEncrypted();
  assert.ok(!file.includes(KEY_B32) && !file.includes(PASS));
  const parsed = JSON.parse(file);
  assert.equal(parsed.format, 'eproc-a2f-export');

  // A fresh browser adopts the file as it is.
  const other = source({ now });
  await rejectsWith(other.src.importEncrypted(file, 'wrong passphrase'), 'wrong_passphrase');
  assert.equal(other.local.data.size, 0, 'a failed import wrote something');
  const altered = JSON.stringify({ ...parsed, vault: { ...parsed.vault, ct: parsed.vault.ct.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) } });
  await rejectsWith(other.src.importEncrypted(altered, PASS), 'import_invalid');
  await rejectsWith(other.src.importEncrypted('{"hello": 1}', PASS), 'import_invalid');
  await rejectsWith(other.src.importEncrypted('not json', PASS), 'import_invalid');
  assert.equal(other.local.data.size, 0);
  const r = await other.src.importEncrypted(file, PASS);
  assert.deepEqual(r, { added: 2, unchanged: 0, conflicts: [] });
  assert.equal(await other.src.isLocked(), false);
  now.t += 90_000;
  const c = await other.src.request({ type: 'code', url: TRF4, user: 'RS2' });
  assert.equal(c.code, core.code_at(KEY2, '', Math.floor(now.t / 1000)));

  // An existing store (another passphrase) merges: new added, same skipped, different kept.
  const third = source({ now });
  await third.src.setup('another passphrase');
  await enroll(third.src, 'RS2', KEY); // RS2 here has another key
  await enroll(third.src, 'RS9', KEY2);
  const m = await third.src.importEncrypted(file, PASS);
  assert.deepEqual(m, { added: 1, unchanged: 0, conflicts: [{ authenticator: 'trf4', user: 'RS2' }] });
  const peek = await third.src.request({ type: 'code', authenticator: 'trf4', user: 'RS2', peek: true });
  assert.equal(peek.code, core.code_at(KEY, '', Math.floor(now.t / 1000)), 'the existing key was overwritten');
  assert.deepEqual((await third.src.request({ type: 'accounts' })).accounts.map((x) => x.user).sort(), ['RS1', 'RS2', 'RS9']);
  await third.src.lock();
  await rejectsWith(third.src.importEncrypted(file, PASS), 'store_locked');

  // Policy: export disabled.
  src.setPolicy({ disableExport: true });
  await rejectsWith(src.exportEncrypted(), 'export_disabled');
  src.setPolicy({ disableExport: false });
});

test('extraSystems from policy reach the core registry', async () => {
  const { src } = source();
  await src.setup(PASS);
  const extra = [{ id: 'tjxx-1g', court: 'TJXX', name: 'XX - 1º grau', app: 'https://eproc1g.tjxx.jus.br/eproc/', login_style: 'eproc', two_factor: 'obrigatorio', authenticator: 'tjxx-1g' }];
  src.setPolicy({ extraSystems: extra });
  const a = await src.request({ type: 'enroll', url: 'https://eproc1g.tjxx.jus.br/eproc/index.php', user: 'u1', secret: KEY });
  assert.equal(a.ok, true, JSON.stringify(a));
  src.setPolicy({ extraSystems: [] });
  const b = await src.request({ type: 'code', url: 'https://eproc1g.tjxx.jus.br/eproc/index.php' });
  assert.equal(b.error.code, 'unknown_site');
});

test('concurrent requests are served one at a time: no step is handed out twice', async () => {
  const { src, now } = source();
  await src.setup(PASS);
  await enroll(src);
  now.t += 300_000;
  const answers = await Promise.all(Array.from({ length: 5 }, () => src.request({ type: 'code', url: TRF4 })));
  const steps = answers.map((a) => a.step);
  assert.equal(new Set(steps).size, 5, `steps ${steps}`);
});

test('page commands (runBrowserModeCommand) answer with codes and never reject', async () => {
  const { src } = source();
  const run = (cmd) => bm.runBrowserModeCommand(src, cmd, null, 'en');
  assert.deepEqual(await run({ op: 'state' }), { ok: true, state: 'not_set_up' });
  assert.equal((await run({ op: 'setup', passphrase: 'short' })).error.code, 'weak_passphrase');
  assert.deepEqual(await run({ op: 'setup', passphrase: PASS }), { ok: true, state: 'unlocked' });
  await enroll(src);
  assert.deepEqual(await run({ op: 'lock' }), { ok: true, state: 'locked' });
  const wrong = await run({ op: 'unlock', passphrase: 'nope nope nope' });
  assert.equal(wrong.error.code, 'wrong_passphrase');
  assert.equal(wrong.error.message, 'Wrong passphrase.');
  assert.equal((await run({ op: 'export' })).error.code, 'store_locked');
  assert.equal((await run({ op: 'unlock', passphrase: PASS })).ok, true);
  const exp = await run({ op: 'export' });
  assert.equal(exp.ok, true);
  assert.ok(!exp.file.includes(KEY_B32));
  assert.equal((await run({ op: 'migrate' })).error.code, 'migration_failed');
  assert.deepEqual(await run({ op: 'pending-migration' }), { ok: true, journal: null });
  assert.equal((await run({ op: 'nope' })).ok, false);
});

test('after store_corrupt the damaged data can be moved aside (kept), never on a healthy store', async () => {
  const { src, local, now } = source();
  await src.setup(PASS);
  await enroll(src);
  await rejectsWith(src.resetCorrupt(), 'store_exists');
  const healthy = local.snapshot();
  assert.equal(local.snapshot(), healthy);
  const cur = local.data.get('bm.current');
  const blob = local.data.get(cur);
  local.data.set(cur, { ...blob, ct: blob.ct.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) });
  const damaged = structuredClone(Object.fromEntries(local.data));
  // A new worker: the right passphrase finds the damage, then the user resets.
  const fresh = new bm.BrowserSource({ core, login, local, session: new FakeArea(), now: now.now, lang: () => 'en' });
  await rejectsWith(fresh.unlock(PASS), 'store_corrupt');
  const r = await bm.runBrowserModeCommand(fresh, { op: 'reset-corrupt' }, null, 'en');
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(await fresh.state(), 'not_set_up');
  const kept = local.data.get(r.quarantined);
  for (const k of ['bm.meta', 'bm.current', cur]) assert.deepEqual(kept[k], damaged[k], `${k} not kept`);
  await fresh.setup('a new passphrase');
  assert.equal((await fresh.request({ type: 'accounts' })).ok, true);
  assert.ok(local.data.has(r.quarantined), 'the quarantine was overwritten');
});

test('a code request reads storage.local once, answers, and records the step before the next operation; the replaced blob goes', async () => {
  const { src, local, now } = source();
  await src.setup(PASS);
  await enroll(src);
  now.t += 300_000;
  await src.request({ type: 'code', url: TRF4 }); // the pointer of this instance is known from here on
  await src.isSetUp(); // and its step record written
  now.t += 30_000;
  const gets = [];
  const sets = [];
  const get = local.get.bind(local);
  const set = local.set.bind(local);
  local.get = (keys) => { gets.push(keys); return get(keys); };
  local.set = (items) => { sets.push(Object.keys(items)); return set(items); };
  const before = local.data.get('bm.current');
  const a = await src.request({ type: 'code', url: TRF4 });
  assert.equal(a.ok, true);
  await src.isSetUp(); // any next operation waits for the step record
  const after = local.data.get('bm.current');
  assert.notEqual(after, before, 'the step record (a new generation) is stored before the next operation');
  assert.deepEqual(sets, [[after], ['bm.current']], 'blob first, then the pointer');
  // one read for meta + pointer + blob, one before the write (it re-checks what is in force),
  // then isSetUp's own read
  assert.equal(gets.length, 3, JSON.stringify(gets));
  assert.ok(gets.slice(0, 2).every((k) => Array.isArray(k) && k.includes('bm.meta') && k.includes('bm.current') && k.includes(before)));
  await src.request({ type: 'accounts' });
  assert.deepEqual([...local.data.keys()].filter((k) => k.startsWith('bm.vault.')), [after], 'the replaced blob is removed');
  // the pointer moved behind this instance's back (another writer): still read right
  const other = new bm.BrowserSource({ core, login, local, session: new FakeArea(), now: now.now, lang: () => 'en' });
  await other.unlock(PASS);
  now.t += 30_000;
  const b = await other.request({ type: 'code', url: TRF4 });
  now.t += 30_000;
  const c = await src.request({ type: 'code', url: TRF4 });
  assert.ok(c.ok && c.step > b.step, `steps ${b.step} then ${c.step}`);
});

test('import refuses a file whose PBKDF2 iteration count is under 600,000 (issue 10), before deriving anything', async () => {
  const weak = source(); // 1000 iterations (tests only)
  await weak.src.setup(PASS);
  await enroll(weak.src);
  const file = await weak.src.exportEncrypted();
  assert.equal(JSON.parse(file).kdf.iterations, 1000);
  const strict = new bm.BrowserSource({ core, login, local: new FakeArea(), session: new FakeArea(), now: clock().now, lang: () => 'en' });
  const t0 = Date.now();
  await rejectsWith(strict.importEncrypted(file, PASS), 'import_weak_kdf');
  assert.ok(Date.now() - t0 < 2000, 'refused before the key derivation');
  assert.equal(await strict.isSetUp(), false, 'nothing adopted');
  // The reply the options page gets: a clear message.
  const r = await bm.runBrowserModeCommand(strict, { op: 'import', text: file, passphrase: PASS }, null, 'pt-BR');
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'import_weak_kdf');
  assert.match(r.error.message, /600\.000/);
});
