// Migration from browser mode to the native host, interrupted at every step. The host is a
// stand-in running the same core handler (FakeNative); storage is the in-memory FakeArea (the real
// storage and host are exercised by the browser e2e suites). Invariant checked at every
// interruption point: every key is in the browser store or in the host, with its exact value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeArea, FakeNative, loadBrowserMode } from './helpers.mjs';

const bm = await loadBrowserMode();
const core = await bm.loadCore();
const login = await bm.loadLogin();
const PASS = 'correct horse battery';
const ACCOUNTS = [
  { url: 'https://eproc.trf4.jus.br/eproc2trf4/', user: 'RS1', secret: 'MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW', authenticator: 'trf4' },
  { url: 'https://eproc.jfpr.jus.br/eprocV2/', user: 'PR2', secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', authenticator: 'trf4' },
  { url: 'https://eproc1g.tjrs.jus.br/eproc/', user: 'rs3', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', authenticator: null, algorithm: 'SHA256', digits: 8, period: 60 },
];

function clock() {
  const c = { t: 1_764_430_000_000, now: () => c.t };
  return c;
}

function newSource(local, session, now) {
  return new bm.BrowserSource({ core, login, local, session, now: now.now, iterations: 1000, allowWeakKdf: true, lockAfterMinutes: 0, lang: () => 'en' });
}

async function seeded() {
  const now = clock();
  const local = new FakeArea();
  const session = new FakeArea();
  const src = newSource(local, session, now);
  await src.setup(PASS);
  for (const a of ACCOUNTS) {
    const r = await src.request({ type: 'enroll', url: a.url, user: a.user, secret: a.secret, algorithm: a.algorithm, digits: a.digits, period: a.period });
    assert.equal(r.ok, true, JSON.stringify(r));
    a.authenticator = r.authenticator;
  }
  return { now, local, session, src };
}

/** {`authenticator/user`: base32} held by the browser store (read with the passphrase). */
async function browserKeys(local, now) {
  const src = newSource(local.reopen(), new FakeArea(), now);
  await src.unlock(PASS);
  const vault = JSON.parse(await src.store.read());
  return Object.fromEntries(vault.accounts.map((a) => [`${a.authenticator}/${a.user.toLowerCase()}`, a.secret]));
}

function expected() {
  return Object.fromEntries(ACCOUNTS.map((a) => [`${a.authenticator}/${a.user.toLowerCase()}`, a.secret]));
}

function assertNothingLost(where, browser, host) {
  for (const [k, secret] of Object.entries(expected())) {
    const inBrowser = browser[k] === secret;
    const inHost = host[k] === secret;
    assert.ok(inBrowser || inHost, `${where}: ${k} is in neither place`);
    if (browser[k] !== undefined) assert.equal(browser[k], secret, `${where}: ${k} changed in the browser`);
    if (host[k] !== undefined) assert.equal(host[k], secret, `${where}: ${k} changed in the host`);
  }
}

test('migration moves every key, verified in the host before it leaves the browser', async () => {
  const { now, local, src } = await seeded();
  const native = new FakeNative(core, now.now);
  const report = await src.migrateToNative(native);
  assert.equal(report.finished, true);
  assert.equal(report.moved.length, 3);
  assert.deepEqual(native.keys(), expected());
  assert.deepEqual(await browserKeys(local, now), {});
  // The host now answers with the same codes.
  const peek = await native.request({ type: 'code', authenticator: ACCOUNTS[2].authenticator, user: 'rs3', peek: true });
  assert.equal(peek.code, core.code_at(ACCOUNTS[2].secret, JSON.stringify({ algorithm: 'SHA256', digits: 8, period: 60 }), Math.floor(now.t / 1000)));
  // Done: the journal (account names in clear) is deleted (issue 10); the report is the record.
  assert.equal(local.data.has('bm.migration'), false, 'the journal of a finished migration is deleted');
  assert.equal(report.journal.items.length, 3);
  assert.equal(await src.pendingMigration(), null);
});

test('a different key already in the host: both kept, nothing overwritten', async () => {
  const { now, local, src } = await seeded();
  const native = new FakeNative(core, now.now);
  const other = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJR';
  await native.request({ type: 'enroll', url: ACCOUNTS[0].url, user: 'rs1', secret: other });
  const report = await src.migrateToNative(native);
  assert.deepEqual(report.conflicts, [{ authenticator: 'trf4', user: 'RS1' }]);
  assert.equal(report.moved.length, 2);
  assert.equal(native.keys()['trf4/rs1'], other, 'the host key was overwritten');
  assert.equal((await browserKeys(local, now))['trf4/rs1'], ACCOUNTS[0].secret, 'the browser key was deleted');
});

test('a host that gives other codes: the key stays in the browser', async () => {
  const { now, local, src } = await seeded();
  const native = new FakeNative(core, now.now);
  const real = native.request.bind(native);
  native.request = async (req) => {
    const a = await real(req);
    if (req.type === 'code' && a.ok) a.code = a.code === '000000' ? '111111' : '000000';
    return a;
  };
  const report = await src.migrateToNative(native);
  assert.equal(report.mismatches.length, 3);
  assert.deepEqual(await browserKeys(local, now), expected());
});

test('a locked store migrates nothing', async () => {
  const { now, src } = await seeded();
  await src.lock();
  const native = new FakeNative(core, now.now);
  await assert.rejects(src.migrateToNative(native), (e) => e.code === 'store_locked');
  assert.equal(native.requests, 0);
});

test('interrupted at every storage write and every host request: nothing lost, and resuming completes', async () => {
  // Count the steps of an uninterrupted run first.
  const probe = await seeded();
  probe.local.writes = 0;
  const probeNative = new FakeNative(core, probe.now.now);
  await probe.src.migrateToNative(probeNative);
  const storageWrites = probe.local.writes;
  const hostRequests = probeNative.requests;
  assert.ok(storageWrites >= 3 * 5 && hostRequests >= 3 * 3, `${storageWrites} writes, ${hostRequests} requests`);

  let points = 0;
  for (const [kind, total] of [['storage', storageWrites], ['host', hostRequests]]) {
    for (let k = 0; k < total; k++) {
      const { now, local, session, src } = await seeded();
      const native = new FakeNative(core, now.now);
      local.writes = 0;
      if (kind === 'storage') local.crashAfter = k;
      else native.crashAfter = k + 1;
      await assert.rejects(src.migrateToNative(native), `${kind} crash at ${k} did not interrupt`);
      const where = `${kind} crash at step ${k}`;
      assertNothingLost(where, await browserKeys(local, now), native.keys());

      // The browser restarts (session cleared), the host is started again; the user unlocks and resumes.
      const reopened = local.reopen();
      const again = newSource(reopened, new FakeArea(), now);
      await again.unlock(PASS);
      if (kind === 'storage' && k > 0) assert.notEqual(await again.pendingMigration(), null, `${where}: no journal to resume`);
      native.crashAfter = Infinity;
      native.requests = 0;
      now.t += 31_000;
      const report = await again.migrateToNative(native);
      assert.equal(report.finished, true, where);
      assert.deepEqual(native.keys(), expected(), `${where}: host after resume`);
      assert.deepEqual(await browserKeys(reopened, now), {}, `${where}: browser after resume`);
      assert.equal(await again.pendingMigration(), null);
      void session;
      points++;
    }
  }
  assert.ok(points >= 20, `only ${points} interruption points`);
});

test('an unfinished migration keeps its journal, without secrets; once finished it is deleted; an old finished journal is deleted when read', async () => {
  const { now, local, src } = await seeded();
  const native = new FakeNative(core, now.now);
  // The host stops answering after the first requests.
  native.crashAfter = 3;
  await assert.rejects(src.migrateToNative(native));
  native.crashAfter = Infinity;
  assert.ok(local.data.has('bm.migration'), 'kept to resume');
  const journal = JSON.stringify(local.data.get('bm.migration'));
  for (const a of ACCOUNTS) assert.ok(!journal.includes(a.secret), 'no secret in the journal');
  const report = await src.migrateToNative(native);
  assert.equal(report.finished, true);
  assert.equal(local.data.has('bm.migration'), false);
  // A journal an older version left after finishing.
  await local.set({ 'bm.migration': { format: 'eproc-a2f-migration', v: 1, started: 1, updated: 2, finished: 3, items: [{ authenticator: 'trf4', user: 'RS1', state: 'moved' }] } });
  assert.equal(await src.pendingMigration(), null);
  assert.equal(local.data.has('bm.migration'), false, 'deleted when read');
});

test('an account that keeps a replaced key stays in the browser (the host could not receive the kept key)', async () => {
  const { now, local, src } = await seeded();
  // As the core's vault writes it after `enroll replace` (issue 10): the kept key's marker.
  const vault = JSON.parse(await src.store.read());
  vault.accounts[0].replaced_at = 1_764_430_000;
  await src.store.write(JSON.stringify(vault));
  const native = new FakeNative(core, now.now);
  const report = await src.migrateToNative(native);
  assert.equal(report.failed.length, 1);
  assert.match(report.failed[0].detail, /replaced key/);
  assert.equal(report.moved.length, 2);
  assert.equal((await browserKeys(local, now))['trf4/rs1'], ACCOUNTS[0].secret, 'still in the browser');
});
