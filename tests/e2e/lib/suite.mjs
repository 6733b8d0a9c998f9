// The end-to-end scenarios, written once against a small driver interface and run in real
// Chromium (playwright-core) and real Firefox ESR (geckodriver). See tests/e2e/README.md.
//
// Driver: goto(url), url(), eval(fn, arg), type(sel, text), click(sel), frame(sel) -> driver of the
// iframe, setLocalStorage(obj), screenshot(path), close().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync, existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from './simulator.mjs';
import * as totp from './totp.mjs';
import { clickAction } from './dom.mjs';
import { installHost, addKey, cli, missingArtifacts, EXTENSION_DIR, CHROME_ID, GECKO_ID, HOST_NAME, hostBinary } from './host.mjs';
import { makeExportFile, openExportFile, storeRecords } from './store-file.mjs';
import { variantScenarios, VARIANT_SEEDS } from './variant-tests.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A fresh work folder and a simulator in it (each suite's `before`); inside the keyring session. */
export async function startWork(work, log) {
  if (process.env.EPROC_A2F_IN_KEYRING !== '1') throw new Error('run inside scripts/with-keyring.sh (node tests/e2e/run.mjs does it)');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  return startSimulator({ workDir: join(work, 'sim'), log });
}

export async function waitFor(fn, { timeout = 10000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(interval);
  }
}

// Reads the extension's test hooks on <html>.
const hooks = (d) => d.eval(() => ({
  state: document.documentElement.getAttribute('data-eproc-a2f-state'),
  filledMs: document.documentElement.getAttribute('data-eproc-a2f-filled-ms'),
}));

const fieldValue = (d, sel) => d.eval((s) => { const el = document.querySelector(s); return el ? el.value : null; }, sel);

// Installs, before the code field exists, an observer that times (in the page) the field's
// appearance and the moment it holds 6 digits: an independent latency measurement.
const watchField = (d, sel) => d.eval((s) => {
  const w = (window.__e2eWatch = { appeared: null, filled: null });
  const check = () => {
    const el = document.querySelector(s);
    if (el && w.appeared == null) w.appeared = performance.now();
    if (el && w.filled == null && /^\d{6}$/.test(el.value)) w.filled = performance.now();
    if (w.filled == null) setTimeout(check, 5);
  };
  new MutationObserver(check).observe(document.documentElement, { childList: true, subtree: true });
  check();
}, sel);
const readWatch = (d) => d.eval(() => window.__e2eWatch ?? null);

// All visible text including open shadow roots (the extension's notices may live in one).
const deepText = (d) => d.eval(() => {
  const out = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) walk(el.shadowRoot);
    }
    out.push(root.textContent ?? '');
  };
  walk(document);
  return out.join('\n');
});

// Clicks (in page script) a button of the extension's panel by its data-action (open shadow root).

// Clicks (in page script) the first button/link whose text matches, looking into open shadow roots.
const clickByText = (d, re) => d.eval((src) => {
  const rx = new RegExp(src, 'i');
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('button, a, input[type=button], input[type=submit], [role=button]')) {
      const t = (el.textContent || el.value || '').trim();
      if (rx.test(t)) found.push(el);
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(document);
  if (!found.length) return null;
  found[0].click();
  return (found[0].textContent || found[0].value || '').trim();
}, re.source);

// [authenticator in the simulator, user, target given to `eproc-a2f add`]
const SEEDS = [
  ['trf2', 'RJ100', 'trf2'], ['trf2', 'RJ900', 'trf2'], ['trf2', 'RJ1000', 'trf2'], ['trf2', 'RJNEG', 'trf2'], ['trf2', 'RJERR', 'trf2'],
  ['trf4', 'RS200', 'trf4'], ['trf4', 'SC401', 'jfsc'], ['trf4', 'SC402', 'jfsc'], ['trf4', 'PR500', 'trf4'], ['trf4', 'RSNEG', 'trf4'],
  ['trf4', 'PR1100', 'jfpr'], ['tjrs', 'RS300', 'tjrs-1g'], ['trf2', 'RJ1200', 'trf2'],
  ['tjsc', 'SC901', 'tjsc-1g'], ['tjsc', 'SC902', 'tjsc-1g'], ['trf4', 'RS1300', 'jfrs'], ['trf4', 'RS1301', 'jfrs'],
  ['trf2', 'RJCOR', 'trf2'],
  ...VARIANT_SEEDS,
];

/** The browser-mode passphrase the suites type in the options page (and the export file's). */
export const PASSPHRASE = 'uma senha longa de teste 2026';

// Browser-mode UI helpers (extension pages: options.html, popup.html), for either driver.
export const bm = {
  /** options.html: the browser-mode box's state (data-state of #bm). */
  state: (p) => p.eval(() => document.querySelector('#bm')?.dataset.state ?? null),
  message: (p) => p.eval(() => document.querySelector('#bm [data-role=bm-message]')?.textContent ?? ''),
  /** options.html: puts a file (text) into the import file input, as a file chooser would. */
  chooseFile: (p, text) => p.eval((t) => {
    const input = document.querySelector('#bm input[type=file]');
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'eproc-a2f-chaves.json', { type: 'application/json' }));
    input.files = dt.files;
    return input.files.length;
  }, text),
  /** options.html: the accounts table's users. */
  users: (p) => p.eval(() => [...document.querySelectorAll('#accounts tr[data-user]')].map((r) => r.dataset.user)),
};

/**
 * Options page, as a user: choose "only in this browser", create the passphrase, import a file
 * (first with a wrong passphrase: a clear error, nothing imported). Returns the import message.
 */
export async function setUpBrowserMode(driver, { file, passphrase = PASSPHRASE, expectCount, checkWrong = true }) {
  return driver.withExtensionPage('options.html', async (p) => {
    await waitFor(() => p.eval(() => typeof document.querySelector('input[name=mode][value=browser]')?.onchange === 'function'), { what: 'the options page' });
    await p.click('input[name=mode][value=browser]');
    await waitFor(async () => (await bm.state(p)) === 'not_set_up', { what: 'the browser-mode setup form' });
    await p.type('input[name=bm-new]', passphrase);
    await p.type('input[name=bm-new2]', passphrase);
    await p.click('[data-action=bm-setup]');
    await waitFor(async () => (await bm.state(p)) === 'unlocked', { timeout: 30000, what: 'the store set up and unlocked' });
    if (!file) return null;
    if (checkWrong) {
      assert.equal(await bm.chooseFile(p, file), 1);
      await p.type('input[name=bm-import-pass]', 'not the passphrase');
      await p.click('[data-action=bm-import]');
      const wrong = await waitFor(async () => { const m = await bm.message(p); return m ? m : null; }, { timeout: 30000, what: 'the import answer' });
      assert.match(wrong, /Senha incorreta|Wrong passphrase/, 'importing with a wrong passphrase is a clear error');
      assert.deepEqual(await bm.users(p), [], 'nothing imported with a wrong passphrase');
      await p.eval(() => { document.querySelector('#bm [data-role=bm-message]').textContent = ''; });
    }
    await bm.chooseFile(p, file);
    await p.type('input[name=bm-import-pass]', passphrase);
    await p.click('[data-action=bm-import]');
    await waitFor(async () => (await bm.users(p)).length === expectCount, { timeout: 30000, what: `${expectCount} accounts listed after the import` })
      .catch(async (e) => { throw new Error(`${e.message}; message: ${await bm.message(p)}`); });
    return bm.message(p);
  });
}

/** The modes the browser suites run in: E2E_MODES (set by run.mjs --mode) = native, browser or all. */
export function suiteModes() {
  const m = process.env.E2E_MODES ?? 'all';
  return m === 'all' ? ['native', 'browser'] : m.split(',');
}

/**
 * Defines the whole browser suite. `launch({sim, extensionDir, dir, log})` returns a driver;
 * `hostDir(dir)` says where `eproc-a2f install --dir` should write (null: the browser's user
 * location under $HOME).
 */
export function browserSuite({ browser, launch, hostDir, prefix, mode = 'native' }) {
  // mode "native": keys in the keyring through the CLI, codes from the registered host.
  // mode "browser": "only in this browser" chosen in the options page, a passphrase created there,
  // the keys imported from an export file (the product's import); the host stays registered but
  // must never start. Host-only scenarios have browser-mode counterparts (locked, damaged store).
  const BM = mode === 'browser';
  const tag = `${browser}/${mode}`;
  const latencies = [];
  const state = {};
  const missing = missingArtifacts();
  // Missing artifacts skip the suite when run by hand; under CI or E2E_REQUIRE_ARTIFACTS=1 they fail it.
  const required = process.env.CI === 'true' || process.env.E2E_REQUIRE_ARTIFACTS === '1';
  const skip = missing && !required ? `not built yet: ${missing}` : false;
  if (missing && required) test(`[${tag}] artifacts are built`, () => assert.fail(`missing: ${missing}`));
  const work = join(import.meta.dirname, '..', '.work', `${browser}-${mode}-${process.pid}`);
  const log = (m) => { if (process.env.E2E_VERBOSE) console.error(m); };
  const U = (name) => `${prefix}${name}`;

  before(async () => {
    if (skip || (missing && required)) return;
    state.sim = await startWork(work, log);
    state.profile = join(work, 'profile');
    state.host = installHost({ browser, dir: hostDir(state.profile), workDir: join(work, 'host') });
    state.keys = {};
    state.accounts = [];
    for (const [auth, user, target] of SEEDS) seed(auth, U(user), { target });
    state.driver = await launch({ sim: state.sim, extensionDir: EXTENSION_DIR, dir: state.profile, log });
    if (BM) {
      const file = await makeExportFile(state.accounts, PASSPHRASE);
      const msg = await setUpBrowserMode(state.driver, { file, expectCount: state.accounts.length });
      log(`browser mode set up: ${msg}`);
      // (the options page, opened in the default "auto" mode, asked the host for its status)
      state.bmSince = Date.now();
    } else {
      // wait until the steps claimed by `add` are past
      const ready = (totp.stepAt(state.lastAdd + 5000) + 1) * 30000;
      if (ready > Date.now()) await sleep(ready - Date.now() + 100);
    }
  });

  after(async () => {
    await state.driver?.close();
    await state.sim?.close();
    if (!process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
  });

  const d = () => state.driver;
  const sim = () => state.sim;
  const otpEvents = (user, since) => sim().events(since).filter((e) => e.type === 'otp' && e.user === user);
  const forbidden = (since) => sim().events(since).filter((e) => e.type === 'forbidden');
  const hostRequests = (since) => state.host.log().filter((e) => e.t >= since && e.ev === 'request');

  async function shot(t, name) {
    const p = join(import.meta.dirname, '..', '.work', `shot-${browser}-${name.replace(/\W+/g, '_')}.png`);
    try { await d().screenshot(p); t.diagnostic(`screenshot: ${p}`); } catch {}
  }

  /**
   * Seeds the same key in the simulator and (through the CLI, as users do) in the keyring.
   * Keys are seeded once, in before(): `eproc-a2f add` shows the current code and claims its step
   * (as enroll does), so a login right after it waits for the next step; seeding everything first
   * and waiting once for the next step keeps the scenarios fast.
   */
  function seed(authenticator, user, { target = authenticator } = {}) {
    if (state.keys[user]) return state.keys[user];
    if (BM && state.driver) throw new Error(`browser mode: ${user} must be in SEEDS (keys are imported once, before the scenarios)`);
    const key = sim().addUser(authenticator, user);
    if (!BM) addKey(target, user, totp.groupBy4(key));
    state.accounts.push({ authenticator, user, secret: key });
    state.keys[user] = key;
    state.lastAdd = Date.now();
    return key;
  }

  // The browser store's records in storage.local (bm.*): what proves, in browser mode, that no code
  // was handed out (a code records its step: a new vault generation) and that nothing was overwritten.
  const storeSnap = async () => storeRecords(await d().getLocalStorage(null));
  const mark = async () => ({ t: Date.now(), snap: BM ? await storeSnap() : null });
  const hostStarts = (since) => state.host.log().filter((e) => e.t >= since && e.ev === 'start');

  // Which step's code is `value` for `key` around now? (-1, 0, +1 relative to `step`)
  function whichStep(key, value, step = totp.stepAt()) {
    for (const off of [0, 1, -1, 2]) if (totp.totpAtStep(key, step + off) === value) return off;
    return null;
  }

  function recordLatency(t, scenario, hook, watch, waited = false) {
    const ext = hook?.filledMs != null ? Number(hook.filledMs) : null;
    const own = watch?.appeared != null && watch?.filled != null ? Math.round(watch.filled - watch.appeared) : null;
    latencies.push({ scenario, ext, own, waited });
    t.diagnostic(`fill latency [${tag}] ${scenario}: data-eproc-a2f-filled-ms=${ext ?? 'n/a'} ms, observed=${own ?? 'n/a'} ms${waited ? ` (${typeof waited === 'string' ? waited : 'includes the wait for the next step'})` : ''}`);
  }

  // eproc's own login: user + password, Entrar, the code field appears on the same page.
  // awaitField false: with auto-submit the field may come and go (filled, submitted, navigated
  // away) between two polls; the caller checks the outcome on the simulator instead.
  async function eprocLogin(url, user, { watch = true, awaitField = true } = {}) {
    await d().goto(url);
    await d().type('#txtUsuario', user);
    await d().type('#pwdSenha', 'senha-de-teste');
    if (watch) await watchField(d(), '#txtAcessoCodigo');
    await d().click('#sbmEntrar');
    if (awaitField) await waitFor(() => d().eval(() => !!document.querySelector('#txtAcessoCodigo')), { what: '#txtAcessoCodigo to appear' });
  }

  // Keycloak: from the court app to the realm's login, then the OTP page.
  async function keycloakLogin(appUrl, user, ssoHost) {
    await d().goto(appUrl);
    await waitFor(async () => (await d().url()).includes(`${ssoHost}/realms/eproc/`), { what: `redirect to ${ssoHost}` });
    await waitFor(() => d().eval(() => !!document.querySelector('#kc-form-login')), { what: '#kc-form-login' });
    await d().type('#username', user);
    await d().type('#password', 'senha-de-teste');
    await d().click('#kc-login');
    await waitFor(() => d().eval(() => !!document.querySelector('#kc-otp-login-form') || !!document.querySelector('#kc-totp-settings-form')), { what: 'the OTP page' });
  }

  async function expectFilled(t, sel, key, scenario, { watch = true, waited = false } = {}) {
    const value = await waitFor(async () => {
      const v = await fieldValue(d(), sel);
      return /^\d{6}$/.test(v ?? '') ? v : null;
    }, { timeout: 40000, what: `${sel} to be filled with 6 digits` }).catch(async (e) => {
      const h = await hooks(d()).catch(() => null);
      await shot(t, scenario);
      throw new Error(`${e.message}; extension state=${JSON.stringify(h)}; host log: ${JSON.stringify(state.host.log().slice(-4))}`);
    });
    const off = whichStep(key, value);
    assert.notEqual(off, null, `the filled code ${value} is not the account's code for any step near now`);
    const hook = await waitFor(async () => { const h = await hooks(d()); return h.state === 'filled' ? h : null; }, { timeout: 3000, what: 'data-eproc-a2f-state=filled' })
      .catch(async () => hooks(d()));
    const w = watch ? await readWatch(d()) : null;
    recordLatency(t, scenario, hook, w, waited);
    if (w?.appeared != null) {
      // where the time went: field appearance -> code request at the host -> answer -> fill
      const origin = await d().eval(() => performance.timeOrigin);
      const appeared = origin + w.appeared;
      const log = state.host.log().filter((e) => e.t >= appeared - 50);
      const req = log.find((e) => e.ev === 'request' && e.type === 'code');
      const ans = req && log.find((e) => e.ev === 'answer' && e.id === req.id && e.pid === req.pid);
      if (!(req && ans)) t.diagnostic(`  timeline: no request reached the registered host after the field appeared (browser mode, or another host answered)`);
      else t.diagnostic(`  timeline: field appeared -> host got the request +${Math.round(req.t - appeared)} ms -> answer +${Math.round(ans.t - req.t)} ms -> filled +${Math.round(origin + w.filled - ans.t)} ms`);
    }
    return { value, hook };
  }

  async function expectAccepted(user, since, what) {
    const ev = await waitFor(() => otpEvents(user, since).at(-1), { timeout: 40000, what: `the simulator to receive a code for ${user} (${what})` });
    assert.equal(ev.ok, true, `simulator refused the code for ${user}: ${JSON.stringify(ev)}`);
    return ev;
  }

  const opt = { skip, timeout: 120000 };

  if (!BM) test(`[${tag}] host registered by eproc-a2f install`, { skip }, (t) => {
    // System-wide files (from the admin suite or a .deb) change which host/policy the browser uses.
    const global = ['/etc/chromium/native-messaging-hosts', '/etc/chromium/policies/managed', '/etc/opt/chrome/native-messaging-hosts',
      '/usr/lib/mozilla/native-messaging-hosts', '/etc/firefox/policies/policies.json', '/usr/lib/firefox-esr/distribution/policies.json']
      .filter((p) => existsSync(p));
    if (global.length) t.diagnostic(`warning: system-wide browser configuration present: ${global.join(', ')}`);
    const m = state.host.manifest;
    assert.equal(m.name, HOST_NAME);
    assert.equal(m.type, 'stdio');
    assert.equal(m.path, state.host.wrapper, 'install --host-path is honoured');
    if (browser === 'firefox') assert.ok(m.allowed_extensions?.includes(GECKO_ID), JSON.stringify(m));
    else assert.ok(m.allowed_origins?.includes(`chrome-extension://${CHROME_ID}/`), JSON.stringify(m));
    if (browser === 'chromium') assert.equal(d().extensionId, CHROME_ID, 'the unpacked extension has the fixed ID');
    // and plainly, as a user runs it (no --host-path): the manifest names the binary itself
    const home = join(work, 'plain-home');
    mkdirSync(home, { recursive: true });
    const dir = browser === 'chromium' ? join(work, 'plain-nmh') : null;
    cli(['install', '--browser', browser, ...(dir ? ['--dir', dir] : [])], { env: { HOME: home } });
    const plainPath = dir ? join(dir, `${HOST_NAME}.json`) : join(home, '.mozilla', 'native-messaging-hosts', `${HOST_NAME}.json`);
    const plain = JSON.parse(readFileSync(plainPath, 'utf8'));
    assert.equal(realpathSync(plain.path), realpathSync(hostBinary()), `install registers its own executable (${plain.path})`);
  });

  test(`[${tag}] trf2 (eproc own login): late code field filled, not submitted, accepted on Validar`, opt, async (t) => {
    const user = U('RJ100');
    const key = seed('trf2', user);
    const since = sim().lastSeq();
    const m0 = await mark();
    await eprocLogin('https://eproc.trf2.jus.br/eproc/index.php', user);
    await expectFilled(t, '#txtAcessoCodigo', key, 'trf2 eproc login');
    await sleep(1500);
    assert.equal(otpEvents(user, since).length, 0, 'auto-submit is off by default: nothing submitted');
    assert.match(await d().url(), /\/eproc\/index\.php$/);
    if (BM) {
      // the WASM core recorded the step in the encrypted store (a new vault generation): the
      // observable the negative scenarios check is unchanged; the host was never started
      const snap = await storeSnap();
      assert.notEqual(snap['bm.current'], m0.snap['bm.current'], 'the code request wrote the store (step recorded)');
      assert.deepEqual(hostStarts(m0.t), [], 'browser mode: the native host was never started');
    } else {
      const viaWrapper = state.host.log().some((e) => e.ev === 'request' && e.type === 'code' && e.user === user);
      assert.ok(viaWrapper, 'the code came from the host registered for this profile (if not: a system-wide manifest or a policy under /etc/chromium, /etc/opt/chrome, /usr/lib/mozilla or /etc/firefox, e.g. left by the admin suite, took precedence)');
    }
    await d().click('#btnValidar');
    const ev = await expectAccepted(user, since, 'Validar');
    for (const e of ['input', 'change']) assert.ok(ev.fieldEvents.includes(e), `page saw ${e} on the field (saw ${ev.fieldEvents})`);
    await waitFor(async () => (await d().url()).includes('controlador.php'), { what: 'the panel' });
    assert.deepEqual(forbidden(since), [], 'no forbidden button/checkbox touched');
    assert.equal(await d().eval(() => document.querySelector('#usuario-logado')?.textContent), user);
  });

  test(`[${tag}] trf4 Keycloak (eproc-sso.trf4.jus.br): #otp filled and accepted`, opt, async (t) => {
    const user = U('RS200');
    const key = seed('trf4', user);
    const since = sim().lastSeq();
    await keycloakLogin('https://eproc.trf4.jus.br/eproc2trf4/', user, 'eproc-sso.trf4.jus.br');
    await expectFilled(t, '#otp', key, 'trf4 keycloak', { watch: false });
    await sleep(1000);
    assert.equal(otpEvents(user, since).length, 0, 'not submitted with auto-submit off');
    await d().click('#kc-login');
    const ev = await expectAccepted(user, since, 'kc-login');
    for (const e of ['input', 'change']) assert.ok(ev.fieldEvents.includes(e), `page saw ${e} on #otp (saw ${ev.fieldEvents})`);
    await waitFor(() => sim().events(since).find((e) => e.type === 'login' && e.user === user && e.host === 'eproc.trf4.jus.br'), { what: 'login at eproc.trf4.jus.br' });
  });

  test(`[${tag}] tjrs-1g Keycloak (keycloak-eks.tjrs.jus.br): filled, trust-device box untouched`, opt, async (t) => {
    const user = U('RS300');
    const key = seed('tjrs', user, { target: 'tjrs-1g' });
    const since = sim().lastSeq();
    await keycloakLogin('https://eproc1g.tjrs.jus.br/eproc/', user, 'keycloak-eks.tjrs.jus.br');
    await expectFilled(t, '#otp', key, 'tjrs-1g keycloak', { watch: false });
    assert.equal(await d().eval(() => document.querySelector('#saveDevice').checked), false, '#saveDevice left alone');
    await d().click('#kc-login');
    await expectAccepted(user, since, 'kc-login');
    await waitFor(() => sim().events(since).find((e) => e.type === 'login' && e.host === 'eproc1g.tjrs.jus.br'), { what: 'login at eproc1g.tjrs.jus.br' });
    assert.deepEqual(forbidden(since), []);
  });

  test(`[${tag}] two trf4 accounts: the one typed on the login step is used (JFSC)`, opt, async (t) => {
    const a = U('SC401'), b = U('SC402');
    seed('trf4', a, { target: 'jfsc' });
    const keyB = seed('trf4', b, { target: 'jfsc' });
    const since = sim().lastSeq();
    await keycloakLogin('https://eproc.jfsc.jus.br/eprocV2/', b, 'eproc-sso.trf4.jus.br');
    await expectFilled(t, '#otp', keyB, 'jfsc keycloak, 2 accounts', { watch: false });
    await d().click('#kc-login');
    const ev = await expectAccepted(b, since, 'kc-login');
    assert.equal(ev.user, b);
  });

  test(`[${tag}] two accounts and no user name on the page (old Keycloak theme, TJSC): the in-page chooser`, opt, async (t) => {
    const a = U('SC901'), b = U('SC902');
    seed('tjsc', a, { target: 'tjsc-1g' });
    const keyB = seed('tjsc', b, { target: 'tjsc-1g' });
    const since = sim().lastSeq();
    await d().goto('https://eproc1g.tjsc.jus.br/eproc/?sim_theme=old');
    await waitFor(() => d().eval(() => !!document.querySelector('#kc-form-login')), { what: '#kc-form-login' });
    // as a password manager would: values set without typing, the form submitted by script
    await d().eval((u) => {
      document.querySelector('#username').value = u;
      document.querySelector('#password').value = 'senha-de-teste';
      document.querySelector('#kc-form-login').submit();
    }, b);
    await waitFor(() => d().eval(() => !!document.querySelector('#kc-otp-login-form')), { what: 'the OTP page' });
    assert.equal(await d().eval(() => !!document.querySelector('#kc-attempted-username')), false);
    const h = await waitFor(async () => { const x = await hooks(d()); return x.state ? x : null; }, { timeout: 8000, what: 'an extension state' });
    assert.equal(h.state, 'choose', `the chooser is offered (state ${h.state})`);
    assert.equal(await fieldValue(d(), '#otp'), '', 'nothing filled before the choice');
    const users = await d().eval(() => [...(document.getElementById('eproc-a2f-ui')?.shadowRoot?.querySelectorAll('[data-user]') ?? [])].map((x) => x.dataset.user));
    // (native mode: the keyring is shared by the suites of a run: other suites' accounts may be listed too)
    assert.ok(users.includes(a) && users.includes(b), `both accounts listed (${users})`);
    await d().eval((u) => document.getElementById('eproc-a2f-ui').shadowRoot.querySelector(`[data-user="${u}"]`).click(), b);
    await expectFilled(t, '#otp', keyB, 'tjsc keycloak after the chooser', { watch: false, waited: 'includes the choice in the chooser' });
    await d().click('#kc-login');
    const ev = await expectAccepted(b, since, 'kc-login');
    assert.equal(ev.user, b);
  });

  test(`[${tag}] split single-digit boxes (custom Keycloak theme, JFRS): one digit per box, accepted`, opt, async (t) => {
    const user = U('RS1300');
    const key = seed('trf4', user, { target: 'jfrs' });
    const since = sim().lastSeq();
    await keycloakLogin('https://eproc.jfrs.jus.br/eprocV2/?sim_theme=split', user, 'eproc-sso.trf4.jus.br');
    const digits = await waitFor(async () => {
      const v = await d().eval(() => [...document.querySelectorAll('.otp-digit')].map((b) => b.value).join(''));
      return /^\d{6}$/.test(v) ? v : null;
    }, { timeout: 40000, what: 'the six boxes to be filled' }).catch(async (e) => { await shot(t, 'split'); throw new Error(`${e.message}; state ${JSON.stringify(await hooks(d()))}`); });
    assert.notEqual(whichStep(key, digits), null, `the boxes hold the account's code (${digits})`);
    const h = await hooks(d());
    recordLatency(t, 'jfrs keycloak, split boxes', h, null);
    await d().click('#kc-login');
    await expectAccepted(user, since, 'kc-login');
  });

  test(`[${tag}] a one-time-code field with another id (custom Keycloak theme, JFRS)`, opt, async (t) => {
    const user = U('RS1301');
    const key = seed('trf4', user, { target: 'jfrs' });
    const since = sim().lastSeq();
    await keycloakLogin('https://eproc.jfrs.jus.br/eprocV2/?sim_theme=otc', user, 'eproc-sso.trf4.jus.br');
    await expectFilled(t, '#codigo-otp', key, 'jfrs keycloak, autocomplete=one-time-code', { watch: false });
    await d().click('#kc-login');
    await expectAccepted(user, since, 'kc-login');
  });

  test(`[${tag}] shared TRF4 key (added for trf4) used on JFPR`, opt, async (t) => {
    const user = U('PR500');
    const key = seed('trf4', user, { target: 'trf4' });
    const since = sim().lastSeq();
    await keycloakLogin('https://eproc.jfpr.jus.br/eprocV2/', user, 'eproc-sso.trf4.jus.br');
    await expectFilled(t, '#otp', key, 'jfpr keycloak (trf4 key)', { watch: false });
    await d().click('#kc-login');
    await expectAccepted(user, since, 'kc-login');
    await waitFor(() => sim().events(since).find((e) => e.type === 'login' && e.host === 'eproc.jfpr.jus.br' && e.user === user), { what: 'login at eproc.jfpr.jus.br' });
    if (!BM) {
      const req = hostRequests(0).filter((r) => r.type === 'code' && (r.url ?? '').includes('eproc-sso.trf4.jus.br')).at(-1);
      assert.ok(req, 'the code request carried the realm URL');
    }
  });

  test(`[${tag}] no key for the court: no code, the enroll hint (no-account)`, opt, async (t) => {
    const since = Date.now();
    await eprocLogin('https://eproc.jfrj.jus.br/eproc/index.php', U('RJ600'));
    const h = await waitFor(async () => { const x = await hooks(d()); return x.state ? x : null; }, { timeout: 8000, what: 'an extension state' });
    assert.equal(h.state, 'no-account');
    assert.equal(await fieldValue(d(), '#txtAcessoCodigo'), '');
    t.diagnostic(`host requests: ${JSON.stringify(hostRequests(since).map((r) => r.type))}`);
  });

  test(`[${tag}] enrollment on eproc's own page (trf2), then a login with the new key`, opt, async (t) => {
    const user = U('RJ700');
    const since = sim().lastSeq();
    await d().goto('https://eproc.trf2.jus.br/eproc/index.php');
    await d().type('#txtUsuario', user);
    await d().type('#pwdSenha', 'senha-de-teste');
    await d().click('#lnkAutenticacaoDoisFatores');
    await waitFor(() => d().eval(() => !!document.querySelector('#sbmProsseguir')), { what: 'Prosseguir' });
    await d().click('#sbmProsseguir');
    await waitFor(() => d().eval(() => !!document.querySelector('#lblChaveDigitavel')), { what: 'the enrollment page' });
    const offered = await waitFor(async () => { const x = await hooks(d()); return x.state === 'enroll-offered' ? x : null; }, { timeout: 8000, what: 'enroll-offered' })
      .catch(async (e) => { await shot(t, 'enroll-eproc'); throw e; });
    assert.ok(offered);
    const clicked = await waitFor(async () => (await clickAction(d(), 'enroll-save')) ?? clickByText(d(), /Salvar esta chave/), { timeout: 5000, what: 'the "Salvar esta chave no eproc-a2f" button' });
    t.diagnostic(`clicked: ${clicked}`);
    await waitFor(async () => (await hooks(d())).state === 'enroll-saved', { timeout: 10000, what: 'enroll-saved' })
      .catch(async (e) => { await shot(t, 'enroll-eproc-saved'); throw new Error(`${e.message}; text: ${(await deepText(d())).slice(-400)}`); });
    const grouped = await d().eval(() => document.querySelector('#lblChaveDigitavel').textContent);
    const code = await waitFor(async () => { const v = await fieldValue(d(), '#txtCodigoA2F'); return /^\d{6}$/.test(v) ? v : null; }, { what: 'the confirmation code to be filled' });
    assert.notEqual(whichStep(grouped, code), null, 'the confirmation code is the shown key\'s');
    await d().type('#txtEmail', 'advogado@example.com');
    await d().click('#sbmEnviar');
    const en = await waitFor(() => sim().events(since).find((e) => e.type === 'enroll'), { what: 'the enrollment submission' });
    assert.equal(en.ok, true, JSON.stringify(en));
    // and the new key logs in (the enrollment used up its step: the host waits for the next)
    const since2 = sim().lastSeq();
    await eprocLogin('https://eproc.trf2.jus.br/eproc/index.php', user);
    await expectFilled(t, '#txtAcessoCodigo', grouped, 'trf2 login after enrollment', { waited: true });
    await d().click('#btnValidar');
    await expectAccepted(user, since2, 'login with the enrolled key');
  });

  test(`[${tag}] enrollment on Keycloak configure-OTP (trf4), then a login at JFRS with it`, opt, async (t) => {
    // a user the realm knows without a key: Keycloak sends it to configure-OTP after the password
    const u2 = U('RS801');
    const since = sim().lastSeq();
    await keycloakLogin('https://eproc.trf4.jus.br/eproc2trf4/', u2, 'eproc-sso.trf4.jus.br');
    assert.ok(await d().eval(() => !!document.querySelector('#kc-totp-settings-form')), 'configure-OTP page');
    await waitFor(async () => (await hooks(d())).state === 'enroll-offered', { timeout: 8000, what: 'enroll-offered' })
      .catch(async (e) => { await shot(t, 'enroll-kc'); throw e; });
    await waitFor(async () => (await clickAction(d(), 'enroll-save')) ?? clickByText(d(), /Salvar esta chave/), { timeout: 5000, what: 'the save button' });
    await waitFor(async () => (await hooks(d())).state === 'enroll-saved', { timeout: 10000, what: 'enroll-saved' })
      .catch(async (e) => { await shot(t, 'enroll-kc-saved'); throw new Error(`${e.message}; text: ${(await deepText(d())).slice(-400)}`); });
    const code = await waitFor(async () => { const v = await fieldValue(d(), '#totp'); return /^\d{6}$/.test(v) ? v : null; }, { what: '#totp filled' });
    const raw = await d().eval(() => document.querySelector('#totpSecret').value);
    const b32 = totp.base32Encode(Buffer.from(raw, 'ascii'));
    assert.notEqual(whichStep(b32, code), null, `the confirmation code ${code} matches the realm's key (base32 of the raw totpSecret)`);
    await d().click('#saveTOTPBtn');
    const en = await waitFor(() => sim().events(since).find((e) => e.type === 'enroll'), { what: 'the enrollment submission' });
    assert.equal(en.ok, true, JSON.stringify(en));
    const since2 = sim().lastSeq();
    await keycloakLogin('https://eproc.jfrs.jus.br/eprocV2/', u2, 'eproc-sso.trf4.jus.br');
    await expectFilled(t, '#otp', b32, 'jfrs login after keycloak enrollment', { watch: false, waited: true });
    await d().click('#kc-login');
    await expectAccepted(u2, since2, 'login with the enrolled key');
  });

  // Opens eproc's enrollment page (trf2) for `user` and saves the key through the extension's banner.
  async function eprocEnrollAndSave(t, user, label) {
    await d().goto('https://eproc.trf2.jus.br/eproc/index.php');
    await d().type('#txtUsuario', user);
    await d().type('#pwdSenha', 'senha-de-teste');
    await d().click('#lnkAutenticacaoDoisFatores');
    await waitFor(() => d().eval(() => !!document.querySelector('#sbmProsseguir')), { what: 'Prosseguir' });
    await d().click('#sbmProsseguir');
    await waitFor(() => d().eval(() => !!document.querySelector('#lblChaveDigitavel')), { what: 'the enrollment page' });
    await waitFor(async () => (await hooks(d())).state === 'enroll-offered', { timeout: 8000, what: 'enroll-offered' })
      .catch(async (e) => { await shot(t, label); throw e; });
    await waitFor(async () => (await clickAction(d(), 'enroll-save')) ?? clickByText(d(), /Salvar esta chave/), { timeout: 5000, what: 'the save button' });
    await waitFor(async () => (await hooks(d())).state === 'enroll-saved', { timeout: 10000, what: 'enroll-saved' })
      .catch(async (e) => { await shot(t, label); throw e; });
  }

  const panelShown = (dd, name) => dd.eval((n) => {
    const host = document.getElementById('eproc-a2f-ui');
    return !!host && (host.dataset.panel === n || !!host.shadowRoot?.querySelector(`[data-panel="${n}"]`));
  }, name);

  test(`[${tag}] enrollment: an institutional e-mail (jus.br) is questioned before submit`, opt, async (t) => {
    const user = U('RJ750');
    const since = sim().lastSeq();
    await eprocEnrollAndSave(t, user, 'enroll-email');
    await d().type('#txtEmail', 'advogado@trf2.jus.br');
    await d().click('#sbmEnviar');
    await waitFor(() => panelShown(d(), 'email-warning'), { timeout: 5000, what: 'the e-mail warning panel' })
      .catch(async (e) => { await shot(t, 'enroll-email-warning'); throw e; });
    await sleep(500);
    assert.equal(sim().events(since).filter((e) => e.type === 'enroll').length, 0, 'the form was not submitted');
    await clickAction(d(), 'email-fix');
    await d().eval(() => { document.querySelector('#txtEmail').value = ''; });
    await d().type('#txtEmail', 'advogado@example.com');
    await d().click('#sbmEnviar');
    const en = await waitFor(() => sim().events(since).find((e) => e.type === 'enroll'), { what: 'the enrollment submission' });
    assert.equal(en.ok, true, JSON.stringify(en));
  });

  test(`[${tag}] enrollment on Keycloak configure-OTP in manual mode (key text shown, tjrs)`, opt, async (t) => {
    const user = U('RS850');
    const since = sim().lastSeq();
    await keycloakLogin('https://eproc1g.tjrs.jus.br/eproc/', user, 'keycloak-eks.tjrs.jus.br');
    await d().click('#mode-manual');
    await waitFor(() => d().eval(() => !!document.querySelector('#kc-totp-secret-key')), { what: 'the manual-mode page' });
    await waitFor(async () => (await hooks(d())).state === 'enroll-offered', { timeout: 8000, what: 'enroll-offered' })
      .catch(async (e) => { await shot(t, 'enroll-kc-manual'); throw e; });
    await waitFor(async () => (await clickAction(d(), 'enroll-save')) ?? clickByText(d(), /Salvar esta chave/), { timeout: 5000, what: 'the save button' });
    await waitFor(async () => (await hooks(d())).state === 'enroll-saved', { timeout: 10000, what: 'enroll-saved' });
    const shown = (await d().eval(() => document.querySelector('#kc-totp-secret-key').textContent)).replace(/\s/g, '');
    const code = await waitFor(async () => { const v = await fieldValue(d(), '#totp'); return /^\d{6}$/.test(v) ? v : null; }, { what: '#totp filled' });
    assert.notEqual(whichStep(shown, code), null, 'the confirmation code is the shown key\'s');
    await d().click('#saveTOTPBtn');
    const en = await waitFor(() => sim().events(since).find((e) => e.type === 'enroll'), { what: 'the enrollment submission' });
    assert.equal(en.ok, true, JSON.stringify(en));
    await waitFor(() => sim().events(since).find((e) => e.type === 'login' && e.host === 'eproc1g.tjrs.jus.br' && e.user === user), { what: 'login at eproc1g.tjrs.jus.br' });
  });

  test(`[${tag}] auto-submit switched on in the options page: filled and submitted with no click`, opt, async (t) => {
    const user = U('RJ900');
    const key = seed('trf2', user);
    // the user's way: tick "auto-submit" in the options page (#autoSubmit), then check storage
    const ticked = await d().inExtensionPage(async () => {
      const box = document.getElementById('autoSubmit');
      for (let i = 0; i < 100 && typeof box.onchange !== 'function'; i++) await new Promise((r) => setTimeout(r, 50));
      if (typeof box.onchange !== 'function') return 'options page never wired #autoSubmit';
      if (box.checked) return 'already on';
      box.click();
      for (let i = 0; i < 40; i++) {
        const st = await (globalThis.browser ?? globalThis.chrome).storage.local.get('settings');
        if (st.settings?.autoSubmit === true) return 'on';
        await new Promise((r) => setTimeout(r, 50));
      }
      return `storage not updated: ${JSON.stringify(await (globalThis.browser ?? globalThis.chrome).storage.local.get('settings'))}`;
    });
    assert.equal(ticked, 'on', 'the options page switched auto-submit on');
    try {
      const since = sim().lastSeq();
      await eprocLogin('https://eproc.trf2.jus.br/eproc/index.php', user, { watch: false, awaitField: false });
      // the extension fills and clicks #btnValidar itself: the page navigates away, so the
      // simulator's record is the proof (the submitted code and the events the page saw)
      const ev = await expectAccepted(user, since, 'auto-submit');
      assert.ok(ev.fieldEvents.includes('input'), `page saw input events (${ev.fieldEvents})`);
      await waitFor(async () => (await d().url()).includes('controlador.php'), { what: 'the panel after auto-submit' });
      assert.deepEqual(forbidden(since), []);
    } finally {
      await d().setLocalStorage({ settings: { mode: BM ? 'browser' : 'auto', autoSubmit: false } });
    }
  });

  test(`[${tag}] a second login in the same step gets the next step's code (a code is used once)`, { ...opt, timeout: 120000 }, async (t) => {
    const user = U('RJ1200');
    const key = seed('trf2', user);
    // start with at least 12 s left so both logins fall in one step
    await waitFor(() => totp.msLeftInStep() > 12000, { timeout: 35000, interval: 50, what: 'room in the step' });
    const step0 = totp.stepAt();
    const since = sim().lastSeq();
    await eprocLogin('https://eproc.trf2.jus.br/eproc/index.php', user);
    const first = await expectFilled(t, '#txtAcessoCodigo', key, 'trf2 first login');
    await d().click('#btnValidar');
    const ev1 = await expectAccepted(user, since, 'first login');
    const since2 = sim().lastSeq();
    await eprocLogin('https://eproc.trf2.jus.br/eproc/index.php', user);
    assert.equal(totp.stepAt(), step0, 'still the same step');
    const st = await waitFor(async () => (await hooks(d())).state, { timeout: 5000, what: 'a state' });
    const second = await expectFilled(t, '#txtAcessoCodigo', key, 'trf2 second login, same step', { waited: true });
    t.diagnostic(`first ${ev1.step}, second state ${st}, second value is step offset ${whichStep(key, second.value, step0)}`);
    assert.notEqual(second.value, first.value, 'not the same code twice');
    assert.equal(second.value, totp.totpAtStep(key, step0 + 1));
    await d().click('#btnValidar');
    const ev2 = await expectAccepted(user, since2, 'second login');
    assert.equal(ev2.step, step0 + 1);
  });

  test(`[${tag}] expiring code: a login started with < 5 s left gets the next step's code, accepted`, { ...opt, timeout: 120000 }, async (t) => {
    const user = U('RJ1000');
    const key = seed('trf2', user);
    const since = sim().lastSeq();
    await d().goto('https://eproc.trf2.jus.br/eproc/index.php');
    await d().type('#txtUsuario', user);
    await d().type('#pwdSenha', 'senha-de-teste');
    await watchField(d(), '#txtAcessoCodigo');
    // wait for the moment: about 3.5 s left in the step (the field appears ~0.4 s after Entrar)
    await waitFor(() => { const left = totp.msLeftInStep(); return left < 3800 && left > 3200; }, { timeout: 35000, interval: 20, what: 'the end of a step' });
    const startStep = totp.stepAt();
    await d().click('#sbmEntrar');
    const sawWaiting = await waitFor(async () => { const h = await hooks(d()); return h.state === 'waiting' || h.state === 'filled' ? h.state : null; }, { timeout: 6000, interval: 50, what: 'waiting or filled' });
    const { value } = await expectFilled(t, '#txtAcessoCodigo', key, 'trf2 expiring-code wait', { waited: true });
    t.diagnostic(`state seen first: ${sawWaiting}; filled at ${totp.msLeftInStep()} ms left of step ${totp.stepAt()} (login started in step ${startStep})`);
    assert.equal(value, totp.totpAtStep(key, startStep + 1), 'the filled code is the next step\'s');
    assert.notEqual(value, totp.totpAtStep(key, startStep), 'not the expiring one');
    assert.equal(sawWaiting, 'waiting', 'the extension showed that it waits');
    await d().click('#btnValidar');
    const ev = await expectAccepted(user, since, 'Validar');
    assert.equal(ev.step, startStep + 1);
  });

  test(`[${tag}] expiring code on Keycloak (JFPR): OTP page opened with < 5 s left gets the next step's code`, { ...opt, timeout: 120000 }, async (t) => {
    const user = U('PR1100');
    const key = seed('trf4', user);
    const since = sim().lastSeq();
    await d().goto('https://eproc.jfpr.jus.br/eprocV2/');
    await waitFor(() => d().eval(() => !!document.querySelector('#kc-form-login')), { what: '#kc-form-login' });
    await d().type('#username', user);
    await d().type('#password', 'senha-de-teste');
    await waitFor(() => { const left = totp.msLeftInStep(); return left < 3800 && left > 3200; }, { timeout: 35000, interval: 20, what: 'the end of a step' });
    const startStep = totp.stepAt();
    await d().click('#kc-login');
    const first = await waitFor(async () => { const h = await hooks(d()).catch(() => ({})); return h.state === 'waiting' || h.state === 'filled' ? h.state : null; }, { timeout: 6000, interval: 50, what: 'waiting or filled' });
    const { value } = await expectFilled(t, '#otp', key, 'jfpr keycloak expiring-code wait', { watch: false, waited: true });
    t.diagnostic(`state seen first: ${first}; login started in step ${startStep}`);
    assert.equal(value, totp.totpAtStep(key, startStep + 1), 'the filled code is the next step\'s');
    assert.equal(first, 'waiting');
    await d().click('#kc-login');
    const ev = await expectAccepted(user, since, 'kc-login');
    assert.equal(ev.step, startStep + 1);
  });

  // ---- negatives: same pages where no code may be given. The user has a key, so a fill would be possible.
  const negUser = U('RJNEG');
  async function expectNothing(t, frameDriver, label, m) {
    await sleep(3000);
    const dd = frameDriver ?? d();
    assert.equal(await fieldValue(dd, '#txtAcessoCodigo') ?? await fieldValue(dd, '#otp'), '', `${label}: no code in the field`);
    const h = await hooks(dd);
    const loaded = await dd.eval(() => document.documentElement.hasAttribute('data-eproc-a2f-loaded'));
    t.diagnostic(`${label}: content script loaded in this document: ${loaded}`);
    assert.equal(h.state, null, `${label}: no extension state on the page (${JSON.stringify(h)})`);
    const reqs = hostRequests(m.t).filter((r) => r.type === 'code' || r.type === 'enroll');
    assert.deepEqual(reqs, [], `${label}: no code request reached the host`);
    if (BM) {
      // a code handed out by the WASM core records its step: a new vault generation
      assert.deepEqual(await storeSnap(), m.snap, `${label}: the browser store is unchanged (no step claimed, nothing enrolled)`);
      assert.deepEqual(hostStarts(m.t), [], `${label}: the host was not started`);
    }
  }

  test(`[${tag}] negative: look-alike host eproc.trf2.jus.br.evil.example gets no code, no host call`, opt, async (t) => {
    seed('trf2', negUser);
    const s = await mark();
    await eprocLogin('https://eproc.trf2.jus.br.evil.example/eproc/index.php', negUser, { watch: false });
    await expectNothing(t, null, 'look-alike', s);
  });

  test(`[${tag}] negative: look-alike Keycloak realm (eproc-sso.trf4.jus.br.evil.example)`, opt, async (t) => {
    const user = U('RSNEG');
    seed('trf4', user);
    const s = await mark();
    await keycloakLogin('https://eproc.trf4.jus.br.evil.example/eproc2trf4/', user, 'eproc-sso.trf4.jus.br.evil.example');
    await expectNothing(t, null, 'look-alike keycloak', s);
  });

  test(`[${tag}] negative: http://eproc.trf2.jus.br gets no code, no host call`, opt, async (t) => {
    const s = await mark();
    await eprocLogin('http://eproc.trf2.jus.br/eproc/index.php', negUser, { watch: false });
    await expectNothing(t, null, 'http', s);
  });

  test(`[${tag}] negative: a path off the registry's prefix (eproc.trf2.jus.br/eproc-falso/) gets no code`, opt, async (t) => {
    const s = await mark();
    await eprocLogin('https://eproc.trf2.jus.br/eproc-falso/index.php', negUser, { watch: false });
    await expectNothing(t, null, 'off-prefix path', s);
  });

  test(`[${tag}] negative: a non-default port (eproc.trf2.jus.br:8443) gets no code, no host call`, opt, async (t) => {
    const s = await mark();
    await eprocLogin('https://eproc.trf2.jus.br:8443/eproc/index.php', negUser, { watch: false });
    // Match patterns ignore the port, so the content script runs here; it must stop at once
    // (registry systems live on the default port only): no state, no notice, no host request.
    await expectNothing(t, null, 'non-default port', s);
  });

  test(`[${tag}] negative: eproc page in a cross-origin iframe gets no code, no host call`, opt, async (t) => {
    const s = await mark();
    await d().goto('https://frame.evil.example/embed?src=' + encodeURIComponent('https://eproc.trf2.jus.br/eproc/index.php'));
    const f = await d().frame('#eprocFrame');
    await waitFor(() => f.eval(() => !!document.querySelector('#txtUsuario')), { what: 'the framed login form' });
    await f.type('#txtUsuario', negUser);
    await f.type('#pwdSenha', 'senha-de-teste');
    await f.click('#sbmEntrar');
    await waitFor(() => f.eval(() => !!document.querySelector('#txtAcessoCodigo')), { what: 'the framed code field' });
    await expectNothing(t, f, 'iframe', s);
  });

  // ---- issue 10: the page variants (lib/variants.mjs, lib/variant-tests.mjs)
  variantScenarios({
    tag, BM, browser, opt, d, sim, state, U, seed, waitFor, hooks, fieldValue, expectAccepted, forbidden, hostRequests, shot, deepText, recordLatency,
    // the same profile in a new browser process (the rejection record must survive it)
    relaunch: async () => {
      await state.driver.close();
      state.driver = await launch({ sim: state.sim, extensionDir: EXTENSION_DIR, dir: state.profile, log });
    },
    // browser mode after a restart: the store is locked until the user types the passphrase
    unlockStore: (dd) => dd.withExtensionPage('options.html', async (p) => {
      const st = await waitFor(async () => { const x = await bm.state(p); return x === 'locked' || x === 'unlocked' ? x : null; }, { what: 'the options page\'s store state' });
      if (st === 'unlocked') return;
      await p.type('input[name=bm-pass]', PASSPHRASE);
      await p.click('[data-action=bm-unlock]');
      await waitFor(async () => (await bm.state(p)) === 'unlocked', { timeout: 30000, what: 'the store unlocked' });
    }),
  });

  if (!BM) test(`[${tag}] host call fails (keyring unreachable): the pt-BR error notice, no code`, opt, async (t) => {
    const user = U('RJERR');
    seed('trf2', user);
    // A fresh browser, so no host process from the earlier tests is reused; the wrapper starts the
    // real host without a D-Bus session: its keyring calls fail.
    await state.driver.close();
    state.host.setMode('no-keyring');
    try {
      if (browser === 'chromium') {
        state.hostErr = installHost({ browser, dir: hostDir(state.profile + '-err'), workDir: join(work, 'host-err') });
        state.hostErr.setMode('no-keyring');
      }
      state.driver = await launch({ sim: state.sim, extensionDir: EXTENSION_DIR, dir: state.profile + '-err', log });
      const s = Date.now();
      await eprocLogin('https://eproc.trf2.jus.br/eproc/index.php', user, { watch: false });
      const h = await waitFor(async () => { const x = await hooks(d()); return x.state ? x : null; }, { timeout: 10000, what: 'an extension state' });
      const text = await deepText(d());
      const answers = [...state.host.log(), ...(state.hostErr?.log() ?? [])].filter((e) => e.t >= s && e.ev === 'answer');
      t.diagnostic(`state=${h.state}; host answers: ${JSON.stringify(answers)}`);
      assert.equal(h.state, 'error');
      assert.equal(await fieldValue(d(), '#txtAcessoCodigo'), '');
      const notice = text.split('\n').map((l) => l.trim()).filter((l) => /eproc-a2f|chaveiro|cofre|senhas|erro|não foi possível/i.test(l));
      t.diagnostic(`notice text: ${JSON.stringify(notice.slice(0, 5))}`);
      assert.ok(notice.some((l) => /não|chaveiro|erro|indispon/i.test(l)), 'a Portuguese error notice is shown');
    } finally {
      state.host.setMode('normal');
    }
  });

  if (!BM) test(`[${tag}] host not installed (no manifest): no code, a notice instead`, opt, async (t) => {
    const user = U('RJNOHOST');
    await state.driver.close();
    const removed = [];
    // Firefox reads the user-scope manifest under $HOME; Chromium the profile's folder (a new profile has none)
    if (browser === 'firefox' && existsSync(state.host.manifestPath)) {
      const { renameSync } = await import('node:fs');
      renameSync(state.host.manifestPath, state.host.manifestPath + '.off');
      removed.push(state.host.manifestPath);
    }
    try {
      state.driver = await launch({ sim: state.sim, extensionDir: EXTENSION_DIR, dir: state.profile + '-nohost', log });
      const s = Date.now();
      await eprocLogin('https://eproc.trf2.jus.br/eproc/index.php', user, { watch: false });
      const h = await waitFor(async () => { const x = await hooks(d()); return x.state ? x : null; }, { timeout: 10000, what: 'an extension state' })
        .catch(async (e) => { await shot(t, 'nohost'); throw e; });
      const err = await d().eval(() => document.documentElement.getAttribute('data-eproc-a2f-error'));
      const text = (await deepText(d())).split('\n').map((l) => l.trim()).filter((l) => l.includes('eproc-a2f') && !l.includes('{'));
      t.diagnostic(`state=${h.state} error=${err}; notice: ${JSON.stringify(text.slice(0, 3))}`);
      assert.equal(await fieldValue(d(), '#txtAcessoCodigo'), '', 'no code filled');
      assert.ok(['error', 'no-account'].includes(h.state), `a notice state (got ${h.state})`);
      assert.ok(text.length > 0, 'a visible notice');
      assert.equal(state.host.log().filter((e) => e.t >= s).length, 0, 'the host was not started');
    } finally {
      const { renameSync } = await import('node:fs');
      for (const m of removed) renameSync(m + '.off', m);
    }
  });

  // ---- browser mode's counterparts of the host scenarios: locked store, wrong passphrase, damaged store.
  const popupText = (p) => p.eval(() => document.body.innerText);
  const noticeLines = async () => (await deepText(d())).split('\n').map((l) => l.trim()).filter(Boolean);

  if (BM) test(`[${tag}] locked store: the eproc page and the popup ask to unlock; a wrong passphrase is a clear error; unlocked from the page's own button, the code is filled`, { ...opt, timeout: 150000 }, async (t) => {
    const user = U('RJERR');
    const key = seed('trf2', user);
    // the user locks the store from the popup
    await d().withExtensionPage('popup.html', async (p) => {
      await waitFor(() => p.eval(() => !!document.querySelector('#status [data-action=lock]')), { what: 'the popup\'s lock button (store unlocked)' });
      await p.click('#status [data-action=lock]');
      await waitFor(() => p.eval(() => !!document.querySelector('#status input[name=passphrase]')), { what: 'the popup\'s unlock prompt' });
    });
    const m = await mark();
    const since = sim().lastSeq();
    await eprocLogin('https://eproc.trf2.jus.br/eproc/index.php', user, { watch: false });
    const h = await waitFor(async () => { const x = await hooks(d()); return x.state ? x : null; }, { timeout: 10000, what: 'an extension state' });
    const err = await d().eval(() => document.documentElement.getAttribute('data-eproc-a2f-error'));
    assert.equal(h.state, 'error');
    assert.equal(err, 'store_locked');
    const notice = (await noticeLines()).filter((l) => /bloquead/i.test(l));
    t.diagnostic(`page notice: ${JSON.stringify(notice.slice(0, 2))}`);
    assert.ok(notice.some((l) => /Desbloquear….*ícone do eproc-a2f e digite sua senha/.test(l)), 'the page says the keys are locked and how to unlock them');
    assert.equal(await fieldValue(d(), '#txtAcessoCodigo'), '', 'no code while locked');
    assert.deepEqual(await storeSnap(), m.snap, 'nothing written while locked');
    // the popup: the unlock prompt; a wrong passphrase first
    await d().withExtensionPage('popup.html', async (p) => {
      await waitFor(() => p.eval(() => !!document.querySelector('#status input[name=passphrase]')), { what: 'the popup\'s unlock prompt' });
      assert.match(await popupText(p), /bloquead|locked/i, 'the popup says the store is locked');
      await p.type('#status input[name=passphrase]', 'senha errada 12345');
      await p.click('#status [data-action=unlock]');
      const said = await waitFor(async () => { const x = await p.eval(() => document.querySelector('#status p.muted')?.textContent ?? ''); return x || null; }, { timeout: 30000, what: 'the answer to a wrong passphrase' });
      t.diagnostic(`popup after a wrong passphrase: ${said}`);
      assert.match(said, /Senha incorreta|Wrong passphrase/);
      assert.ok(await p.eval(() => !!document.querySelector('#status input[name=passphrase]')), 'still locked, the prompt stays');
      assert.deepEqual(await storeSnap(), m.snap, 'a wrong passphrase changes nothing');
    });
    // back on the eproc page: its notice's "Desbloquear" opens the extension's own unlock window
    // (the passphrase is never typed into the court's page); unlocked there, the page fills itself
    await d().withOpenedWindow('popup.html?unlock=1', async () => {
      assert.ok(await clickAction(d(), 'unlock'), 'the notice has an Unlock button');
    }, async (w, closed) => {
      await waitFor(() => w.eval(() => !!document.querySelector('#status input[name=passphrase]')), { what: 'the unlock window\'s passphrase field' });
      await w.type('#status input[name=passphrase]', PASSPHRASE);
      await w.click('#status [data-action=unlock]');
      await waitFor(() => closed(), { timeout: 30000, what: 'the unlock window to close itself once unlocked' });
    });
    await expectFilled(t, '#txtAcessoCodigo', key, 'trf2 login after unlocking', { watch: false, waited: 'includes unlocking in the extension window' });
    await d().click('#btnValidar');
    await expectAccepted(user, since, 'after unlocking');
    // the popup, unlocked, shows the account's live code
    await d().withExtensionPage('popup.html', async (p) => {
      const code = await waitFor(() => p.eval((u) => document.querySelector(`#accounts [data-user="${u}"] [data-role=code]`)?.dataset.code ?? null, user), { timeout: 30000, what: `the popup to show ${user}'s live code` });
      assert.notEqual(whichStep(key, code), null, `the popup's code ${code} is the account's`);
    });
  });

  if (BM) test(`[${tag}] damaged stored blob: a clear error on the page and in the popup, nothing overwritten; put aside, the exported file brings every key back`, { ...opt, timeout: 150000 }, async (t) => {
    const user = U('RJCOR');
    const key = seed('trf2', user);
    // the user's backup first (options page, "Exportar"): the file decrypts with the passphrase
    const file = await d().withExtensionPage('options.html', async (p) => {
      await waitFor(() => p.eval(() => !!document.querySelector('[data-action=bm-export]')), { what: 'the export button' });
      // catch the download the page starts (a blob: link clicked by script) instead of saving it
      await p.eval(() => {
        window.__e2eDownload = null;
        const orig = HTMLAnchorElement.prototype.click;
        HTMLAnchorElement.prototype.click = function () {
          if (this.download) fetch(this.href).then((r) => r.text()).then((x) => { window.__e2eDownload = { name: this.download, text: x }; });
          else orig.call(this);
        };
      });
      await p.click('[data-action=bm-export]');
      return waitFor(() => p.eval(() => window.__e2eDownload), { what: 'the exported file' });
    });
    assert.equal(file.name, 'eproc-a2f-chaves.json');
    const exported = await openExportFile(file.text, PASSPHRASE);
    const users = exported.accounts.map((a) => a.user);
    for (const a of state.accounts) assert.ok(users.includes(a.user), `the export holds ${a.user}`);
    assert.equal(exported.accounts.find((a) => a.user === user).secret, key, 'the exported key is the account\'s');

    // damage the current vault blob (as a disk or sync error would): one byte of the ciphertext
    const good = await storeSnap();
    const cur = good['bm.current'];
    const ct = Buffer.from(good[cur].ct, 'base64');
    ct[Math.floor(ct.length / 2)] ^= 0x5a;
    await d().setLocalStorage({ [cur]: { ...good[cur], ct: ct.toString('base64') } });
    const damaged = await storeSnap();
    assert.notDeepEqual(damaged, good);
    const since = sim().lastSeq();
    await eprocLogin('https://eproc.trf2.jus.br/eproc/index.php', user, { watch: false });
    const h = await waitFor(async () => { const x = await hooks(d()); return x.state ? x : null; }, { timeout: 10000, what: 'an extension state' });
    assert.equal(h.state, 'error');
    assert.equal(await d().eval(() => document.documentElement.getAttribute('data-eproc-a2f-error')), 'store_corrupt');
    const notice = (await noticeLines()).filter((l) => /danificad/i.test(l));
    t.diagnostic(`page notice: ${JSON.stringify(notice.slice(0, 2))}`);
    assert.ok(notice.length > 0, 'the page says the stored data is damaged');
    assert.equal(await fieldValue(d(), '#txtAcessoCodigo'), '');
    await d().withExtensionPage('popup.html', async (p) => {
      await waitFor(async () => /danificad|damaged/i.test(await popupText(p)), { timeout: 10000, what: 'the popup to say the data is damaged' });
      // locked, then: the right passphrase says "damaged", a wrong one says "wrong passphrase"
      await waitFor(() => p.eval(() => !!document.querySelector('#status [data-action=lock]')), { what: 'the lock button' });
      await p.click('#status [data-action=lock]');
      await waitFor(() => p.eval(() => !!document.querySelector('#status input[name=passphrase]')), { what: 'the unlock prompt' });
      for (const [pass, expect] of [['senha errada 12345', /Senha incorreta|Wrong passphrase/], [PASSPHRASE, /danificad|damaged/i]]) {
        await p.eval(() => { document.querySelector('#status p.muted').textContent = ''; });
        await p.type('#status input[name=passphrase]', pass);
        await p.click('#status [data-action=unlock]');
        const said = await waitFor(async () => { const x = await p.eval(() => document.querySelector('#status p.muted')?.textContent ?? ''); return x || null; }, { timeout: 30000, what: 'the unlock answer' });
        t.diagnostic(`popup unlock with ${pass === PASSPHRASE ? 'the right' : 'a wrong'} passphrase: ${said}`);
        assert.match(said, expect);
      }
    });
    assert.deepEqual(await storeSnap(), damaged, 'nothing was overwritten or deleted');
    assert.equal(otpEvents(user, since).length, 0);
    // recovery, as the options page offers it: the damaged data put aside (kept, not deleted), a new
    // passphrase, the exported file imported: every key back, and it works
    await d().withExtensionPage('options.html', async (p) => {
      await waitFor(async () => (await bm.state(p)) === 'locked', { what: 'the options page\'s unlock form' });
      await p.type('input[name=bm-pass]', PASSPHRASE);
      await p.click('[data-action=bm-unlock]');
      await waitFor(() => p.eval(() => !!document.querySelector('[data-action=bm-reset-corrupt]')), { timeout: 30000, what: 'the offer to put the damaged data aside' })
        .catch(async (e) => { throw new Error(`${e.message}; message: ${await bm.message(p)}`); });
      assert.match(await bm.message(p), /danificad|damaged/i);
      await p.click('[data-action=bm-reset-corrupt]');
      await waitFor(async () => (await bm.state(p)) === 'not_set_up', { what: 'the setup form after the reset' });
      const aside = storeRecords(await d().getLocalStorage(null));
      const q = Object.keys(aside).filter((k) => k.startsWith('bm.quarantine.'));
      assert.equal(q.length, 1, 'the damaged data is kept aside');
      assert.deepEqual(aside[q[0]], Object.fromEntries(Object.entries(damaged).filter(([k]) => k !== 'bm.migration')), 'exactly the damaged records, untouched');
      await p.type('input[name=bm-new]', PASSPHRASE);
      await p.type('input[name=bm-new2]', PASSPHRASE);
      await p.click('[data-action=bm-setup]');
      await waitFor(async () => (await bm.state(p)) === 'unlocked', { timeout: 30000, what: 'the new store' });
      await bm.chooseFile(p, file.text);
      await p.type('input[name=bm-import-pass]', PASSPHRASE);
      await p.click('[data-action=bm-import]');
      await waitFor(async () => (await bm.users(p)).length === exported.accounts.length, { timeout: 30000, what: 'the exported accounts imported' });
      const listed = await bm.users(p);
      for (const a of state.accounts) assert.ok(listed.includes(a.user), `${a.user} is back`);
    });
    const since2 = sim().lastSeq();
    await eprocLogin('https://eproc.trf2.jus.br/eproc/index.php', user);
    await expectFilled(t, '#txtAcessoCodigo', key, 'trf2 login after the store was repaired', { waited: 'may include the wait for the next step' });
    await d().click('#btnValidar');
    await expectAccepted(user, since2, 'after repair');
  });

  if (BM) test(`[${tag}] the native host was never started once browser mode was chosen`, { skip }, () => {
    assert.deepEqual(hostStarts(state.bmSince), []);
  });

  test(`[${tag}] fill latency summary`, { skip }, (t) => {
    const vals = (k, waited) => latencies.filter((l) => !!l.waited === waited).map((l) => l[k]).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const median = (a) => (a.length ? (a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2) : null);
    for (const l of latencies) t.diagnostic(`  ${l.scenario}: ext=${l.ext ?? 'n/a'} ms observed=${l.own ?? 'n/a'} ms${l.waited ? ` (${typeof l.waited === 'string' ? l.waited : 'waited for the next step'})` : ''}`);
    t.diagnostic(`fill latency median [${tag}], immediate fills: data-eproc-a2f-filled-ms=${median(vals('ext', false))} ms (n=${vals('ext', false).length}); observed on eproc's late field=${median(vals('own', false))} ms (n=${vals('own', false).length})`);
    t.diagnostic(`fill latency median [${tag}], fills that waited (next step, or a choice): ${median(vals('ext', true))} ms (n=${vals('ext', true).length})`);
    writeFileSync(join(import.meta.dirname, '..', '.work', `latency-${browser}${BM ? "-browser-mode" : ""}.json`), JSON.stringify(latencies, null, 1));
  });
}
