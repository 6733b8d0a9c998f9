// Admin deployment, end to end, as an IT department does it (run as root by `cargo xtask test`):
//
//  1. the .deb (cargo-deb) installs /usr/bin/eproc-a2f and the system-wide host manifests;
//  2. a firm packs the extension with its own key into a signed CRX3 + updates.xml
//     (scripts/pack-crx.sh) served from 127.0.0.1, and allows that ID for the host
//     (`eproc-a2f install --scope system --extension-id ID`);
//  3. `eproc-a2f policy linux` writes /etc/chromium/policies/managed/eproc-a2f-test.json:
//     force-install from the local channel, NativeMessagingAllowlist, NativeMessagingUserLevelHosts
//     false, managed config (autoSubmit true, allowBrowserStorage false, ...);
//  4. Chromium starts WITHOUT --load-extension: the extension is installed by policy, the
//     system-wide host answers it, chrome.storage.managed holds the values, and a login on the eproc
//     simulator is filled and submitted with no user setup beyond the key in the keyring;
//  5. Firefox ESR: `eproc-a2f policy firefox` -> /etc/firefox/policies/policies.json (force-install of
//     the unsigned xpi with xpinstall.signatures.required locked false, 3rdparty config), read by
//     the extension through storage.managed, and the host answers it from /usr/lib/mozilla/.
//
// Everything written under /etc and /usr (package, policies, manifests, config) is removed or restored
// afterwards, also on failure or Ctrl-C. Runs itself inside scripts/with-keyring.sh.
//
//   sudo node tests/admin/run.mjs            (EPROC_A2F_DIST=<repo>/target/dist by default)
//   ADMIN_VERBOSE=1 ADMIN_KEEP=1 ...          (logs; keep tests/admin/.work)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import {
  existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, readdirSync, rmdirSync, statSync, createReadStream,
} from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const DIST = process.env.EPROC_A2F_DIST || join(REPO, 'target', 'dist');
const EXT_DIR = join(DIST, 'extension');
const XPI = join(DIST, 'eproc-a2f.xpi');
const HOST_NAME = 'io.github.eproc_a2f';
const OWN_CHROME_ID = 'phjpcgphmkfhfkbfpbodepiflibgalle';
const GECKO_ID = 'eproc-a2f@eproc-a2f.github.io';
const FIXED_UUID = '3b0e4d1e-6c1a-4f6b-9a51-e2e0a2f0ad01';
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const FIREFOX = process.env.FIREFOX_BIN || '/usr/bin/firefox-esr';
const POLICY_FILE = '/etc/chromium/policies/managed/eproc-a2f-test.json';
const FIREFOX_POLICY = '/etc/firefox/policies/policies.json';
const SYSTEM_CONFIG = '/etc/eproc-a2f/config.json';
const SYSTEM_MANIFESTS = [
  '/etc/chromium/native-messaging-hosts', '/etc/opt/chrome/native-messaging-hosts', '/etc/opt/edge/native-messaging-hosts',
  '/etc/opt/brave.com/brave/native-messaging-hosts', '/usr/lib/mozilla/native-messaging-hosts',
].map((d) => join(d, `${HOST_NAME}.json`));
const CI = process.env.CI === 'true' || process.env.ADMIN_REQUIRE === '1';
const verbose = !!process.env.ADMIN_VERBOSE;
const log = (m) => { if (verbose) console.error(`admin: ${m}`); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- run inside a keyring session
if (process.env.EPROC_A2F_IN_KEYRING !== '1' && process.getuid?.() === 0 && !process.env.ADMIN_NO_REEXEC) {
  const r = spawnSync('sh', [join(REPO, 'scripts', 'with-keyring.sh'), process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit', env: { ...process.env, ADMIN_NO_REEXEC: '1' },
  });
  process.exit(r.status ?? 1);
}

// ---------------------------------------------------------------- why we cannot run
function whyNot() {
  if (process.getuid?.() !== 0) return 'must run as root (writes /etc policies and installs a .deb)';
  if (process.env.EPROC_A2F_IN_KEYRING !== '1') return 'must run inside scripts/with-keyring.sh';
  const missing = [];
  if (!existsSync(join(DIST, 'eproc-a2f'))) missing.push(`${DIST}/eproc-a2f`);
  if (!existsSync(join(EXT_DIR, 'manifest.json'))) missing.push(`${EXT_DIR}/manifest.json`);
  if (!existsSync(CHROMIUM)) missing.push(CHROMIUM);
  return missing.length ? `missing: ${missing.join(', ')} (cargo xtask dist; scripts/install-deps.sh)` : null;
}
const reason = whyNot();
if (reason && CI) test('admin deployment can run', () => assert.fail(reason));
const skip = reason && !CI ? reason : false;

// ---------------------------------------------------------------- /etc bookkeeping (sync, so it also runs on exit)
const undo = [];          // functions, run in reverse order
const backups = new Map(); // path -> original bytes | null (did not exist)
let cleaned = false;

/** Remembers a path's original state once; cleanup restores it (or deletes what we created). */
function touch(path) {
  if (backups.has(path)) return;
  backups.set(path, existsSync(path) ? readFileSync(path) : null);
  // Remember which parent folders did not exist, to remove them if empty.
  const created = [];
  for (let d = dirname(path); d !== '/' && !existsSync(d); d = dirname(d)) created.push(d);
  undo.push(() => {
    const orig = backups.get(path);
    if (orig == null) rmSync(path, { force: true });
    else { mkdirSync(dirname(path), { recursive: true }); writeFileSync(path, orig); }
    for (const d of created) { try { if (!readdirSync(d).length) rmdirSync(d); } catch {} }
  });
}

function cleanup() {
  if (cleaned) return;
  cleaned = true;
  const hadEtcOpt = existsSync('/etc/opt');
  for (const f of undo.reverse()) {
    try { f(); } catch (e) { console.error(`admin: cleanup step failed: ${e.message}`); }
  }
  // dpkg --purge removes an empty /etc/opt that other packages (Chrome, Edge) expect.
  if (hadEtcOpt || etcOptExisted) mkdirSync('/etc/opt', { recursive: true });
  // The work folder holds the throwaway signing key: never leave it behind.
  if (!process.env.ADMIN_KEEP) rmSync(work, { recursive: true, force: true });
  log('cleanup done');
}
const etcOptExisted = existsSync('/etc/opt');
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

// ---------------------------------------------------------------- helpers
function sh(cmd, args, { input, env, allowFail = false, timeout = 300000 } = {}) {
  const r = spawnSync(cmd, args, { input, env: { ...process.env, ...env }, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  log(`$ ${cmd} ${args.join(' ')} -> ${r.status}`);
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(' ')} -> exit ${r.status}: ${r.stderr || r.stdout || r.error}`);
  return r;
}

const freePort = () => new Promise((res) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});

async function waitFor(fn, { timeout = 15000, interval = 200, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(interval);
  }
}

/** A static file server on 127.0.0.1 (the firm's intranet update channel); logs requests. */
async function serveDir(dir) {
  const hits = [];
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    hits.push(name);
    const file = join(dir, name);
    if (name.includes('..') || !existsSync(file) || !statSync(file).isFile()) { res.writeHead(404); return res.end(); }
    const type = name.endsWith('.xml') ? 'text/xml' : name.endsWith('.crx') ? 'application/x-chrome-extension'
      : name.endsWith('.xpi') ? 'application/x-xpinstall' : 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type });
    createReadStream(file).pipe(res);
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { port, base: `http://127.0.0.1:${port}`, hits, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) };
}

const MANAGED = {
  mode: 'native', allowBrowserStorage: false, autoSubmit: true, disableExport: true, lockAfterMinutes: 0,
};

// ---------------------------------------------------------------- shared state
const work = join(HERE, '.work', `run-${process.pid}`);
const S = { route: null };

before(async () => {
  if (skip) return;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  // 1. The package. A stale install from an interrupted run is purged first.
  if (sh('dpkg-query', ['-W', '-f=${Status}', 'eproc-a2f'], { allowFail: true }).stdout.includes('installed')) {
    sh('dpkg', ['--purge', 'eproc-a2f'], { allowFail: true });
  }
  // Every system location `install --scope system --browser all` may write (Vivaldi is not in the package).
  for (const p of [...SYSTEM_MANIFESTS, `/etc/opt/vivaldi/native-messaging-hosts/${HOST_NAME}.json`, SYSTEM_CONFIG, '/usr/bin/eproc-a2f']) touch(p);
  // ADMIN_ROUTE=install skips the package and takes the `install --scope system` route.
  const built = process.env.ADMIN_ROUTE === 'install' ? { status: 1, stderr: 'ADMIN_ROUTE=install' }
    : sh('sh', [join(REPO, 'scripts', 'package-deb.sh'), '--no-build', '--out', join(work, 'deb')], { allowFail: true, timeout: 600000 });
  const deb = built.status === 0 ? built.stdout.trim().split('\n').at(-1) : null;
  if (deb && existsSync(deb)) {
    S.deb = deb;
    undo.push(() => sh('dpkg', ['--purge', 'eproc-a2f'], { allowFail: true }));
    sh('dpkg', ['-i', '--force-confnew', deb]);
    S.route = 'deb';
    S.host = '/usr/bin/eproc-a2f';
  } else {
    // No cargo-deb (no registry access): the other documented route.
    console.error(`admin: cargo-deb packaging failed, using eproc-a2f install --scope system instead: ${built.stderr?.slice(-400)}`);
    S.route = 'install --scope system';
    S.host = join(DIST, 'eproc-a2f');
    sh(S.host, ['install', '--scope', 'system', '--browser', 'all', '--host-path', S.host]);
  }

  // 2. The firm's channel: own key (thrown away), CRX3 + updates.xml + xpi on 127.0.0.1.
  S.channelDir = join(work, 'channel');
  mkdirSync(S.channelDir, { recursive: true });
  S.server = await serveDir(S.channelDir);
  const key = join(work, 'firm-key.pem');
  const packed = sh('sh', [join(REPO, 'scripts', 'pack-crx.sh'), '--key', key, '--new-key', '--base-url', S.server.base,
    '--extension', EXT_DIR, '--xpi', XPI, '--out', S.channelDir, ...(process.env.ADMIN_KEEP_KEY_FIELD ? ['--keep-key-field'] : [])]);
  S.id = packed.stdout.trim().split('\n').at(-1);
  S.version = JSON.parse(readFileSync(join(EXT_DIR, 'manifest.json'), 'utf8')).version;
  log(`firm extension ID ${S.id}, version ${S.version}, channel ${S.server.base}`);

  // The host must accept the firm's ID: manifests' allowed_origins + /etc/eproc-a2f/config.json.
  touch(SYSTEM_CONFIG);
  S.installOut = sh(S.host, ['install', '--scope', 'system', '--browser', 'chromium', '--browser', 'chrome', '--extension-id', S.id, '--host-path', S.host]).stdout;
  log(S.installOut);
});

after(async () => {
  await S.browser?.close().catch(() => {});
  await S.firefox?.close().catch(() => {});
  await S.sim?.close().catch(() => {});
  await S.server?.close().catch(() => {});
  cleanup();
  if (!process.env.ADMIN_KEEP) rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------- the package and the channel
test('the .deb installs the host and the system-wide manifests (or install --scope system does)', { skip }, (t) => {
  t.diagnostic(`route: ${S.route}`);
  assert.ok(existsSync(S.host), S.host);
  if (S.route === 'deb') {
    const files = sh('dpkg', ['-L', 'eproc-a2f']).stdout.split('\n');
    for (const m of SYSTEM_MANIFESTS) assert.ok(files.includes(m), `${m} is in the package`);
    assert.ok(files.includes('/usr/bin/eproc-a2f'));
    const conf = sh('dpkg-query', ['-W', '-f=${Conffiles}', 'eproc-a2f']).stdout;
    assert.match(conf, /\/etc\/chromium\/native-messaging-hosts\/io\.github\.eproc_a2f\.json/);
    assert.match(sh('/usr/bin/eproc-a2f', ['--version']).stdout, /eproc-a2f/);
  }
  const ff = JSON.parse(readFileSync(`/usr/lib/mozilla/native-messaging-hosts/${HOST_NAME}.json`, 'utf8'));
  assert.equal(ff.path, S.host);
  assert.deepEqual(ff.allowed_extensions, [GECKO_ID]);
  const cr = JSON.parse(readFileSync(`/etc/chromium/native-messaging-hosts/${HOST_NAME}.json`, 'utf8'));
  assert.equal(cr.path, S.host);
  assert.deepEqual(cr.allowed_origins, [`chrome-extension://${OWN_CHROME_ID}/`, `chrome-extension://${S.id}/`]);
  const cfg = JSON.parse(readFileSync(SYSTEM_CONFIG, 'utf8'));
  assert.ok(cfg.extensionIds.includes(S.id), JSON.stringify(cfg));
});

test('the channel: a CRX3 signed with the firm key and a gupdate updates.xml', { skip }, () => {
  assert.match(S.id, /^[a-p]{32}$/);
  assert.notEqual(S.id, OWN_CHROME_ID);
  const crx = readFileSync(join(S.channelDir, `eproc-a2f-${S.version}.crx`));
  assert.equal(crx.subarray(0, 4).toString('latin1'), 'Cr24');
  assert.equal(crx.readUInt32LE(4), 3, 'CRX version 3');
  const xml = readFileSync(join(S.channelDir, 'updates.xml'), 'utf8');
  assert.match(xml, new RegExp(`<app appid='${S.id}'>`));
  assert.match(xml, new RegExp(`codebase='${S.server.base}/eproc-a2f-${S.version}\\.crx' version='${S.version.replace(/\./g, '\\.')}'`));
});

test('host configuration: extraSystems and the firm ID from `eproc-a2f policy host-config` reach the host', { skip }, () => {
  // The admin's route for a court the built-in data does not know: the same list as the policy's.
  touch(SYSTEM_CONFIG);
  sh(S.host, ['policy', 'host-config', '--extension-id', S.id, '--config', join(REPO, 'manifest', 'policies', 'config.example.json'),
    '--output', dirname(SYSTEM_CONFIG)]);
  const cfg = JSON.parse(readFileSync(SYSTEM_CONFIG, 'utf8'));
  assert.deepEqual(cfg.extensionIds, [S.id]);
  const systems = JSON.parse(sh(S.host, ['systems', '--json']).stdout).systems.map((x) => x.id);
  assert.ok(systems.includes('tjex-1g'), `extraSystems in force: ${systems.join(', ')}`);
  assert.ok(systems.includes('trf4'));
  // A broken policy never reaches the host: the generator refuses it.
  const bad = sh(S.host, ['policy', 'host-config', '--config', JSON.stringify({ extraSystems: [{ id: 'x' }] })], { allowFail: true });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /extraSystems\[1\]/);
});

// ---------------------------------------------------------------- Chromium
async function launchChromium(extraArgs = []) {
  const { chromium } = await import('playwright-core');
  const udd = join(work, 'chromium-profile');
  mkdirSync(udd, { recursive: true });
  return chromium.launchPersistentContext(udd, {
    executablePath: CHROMIUM,
    headless: false,
    // No --load-extension; keep background networking (the policy update check needs it).
    ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking', '--disable-component-extensions-with-background-pages'],
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', ...extraArgs],
    viewport: { width: 1100, height: 900 },
  });
}

test('Chromium: force-installed from the local channel, the system host answers, managed values arrive, a login is filled and submitted', { skip, timeout: 180000 }, async (t) => {
  // 3. The policy, as the admin generates it, plus DeveloperToolsAvailability so the test can attach.
  const cfgFile = join(work, 'managed.json');
  writeFileSync(cfgFile, JSON.stringify(MANAGED));
  const out = sh(S.host, ['policy', 'linux', '--extension-id', S.id, '--update-url', `${S.server.base}/updates.xml`,
    '--config', cfgFile, '--system-hosts-only']).stdout;
  const policy = JSON.parse(out);
  assert.deepEqual(policy.ExtensionInstallForcelist, [`${S.id};${S.server.base}/updates.xml`]);
  policy.DeveloperToolsAvailability = 1;
  touch(POLICY_FILE);
  mkdirSync(dirname(POLICY_FILE), { recursive: true });
  writeFileSync(POLICY_FILE, JSON.stringify(policy, null, 2));

  // The simulator (another engineer's), when present: real host names on loopback.
  let sim = null;
  const simLib = join(REPO, 'tests', 'e2e', 'lib', 'simulator.mjs');
  if (existsSync(simLib) && existsSync(join(REPO, 'tests', 'e2e', 'node_modules', 'qrcode'))) {
    const { startSimulator } = await import(simLib);
    sim = S.sim = await startSimulator({ workDir: join(work, 'sim'), log: verbose ? (m) => log(m) : () => {} });
  } else {
    t.diagnostic('simulator not available (tests/e2e with npm ci): login step skipped');
  }

  // A user-level manifest (in the profile, where Chromium looks first) for a program that exits at
  // once: with NativeMessagingUserLevelHosts false Chromium must ignore it and use the system host.
  const userHosts = join(work, 'chromium-profile', 'NativeMessagingHosts');
  mkdirSync(userHosts, { recursive: true });
  writeFileSync(join(userHosts, `${HOST_NAME}.json`), JSON.stringify({
    name: HOST_NAME, description: 'decoy', path: '/bin/false', type: 'stdio', allowed_origins: [`chrome-extension://${S.id}/`],
  }));

  const started = Date.now();
  const ctx = S.browser = await launchChromium(sim ? [`--host-resolver-rules=${sim.hostResolverRules()}`, '--ignore-certificate-errors'] : []);
  const isOurs = (w) => w.url().startsWith(`chrome-extension://${S.id}/`);
  const worker = ctx.serviceWorkers().find(isOurs) ?? await waitFor(async () => {
    const w = ctx.serviceWorkers().find(isOurs);
    return w ?? null;
  }, { timeout: 60000, what: `the service worker of the force-installed extension ${S.id} (channel hits: ${S.server.hits.join(', ')})` })
    .catch((e) => { throw new Error(`${e.message}; service workers: ${ctx.serviceWorkers().map((w) => w.url()).join(', ') || 'none'}`); });
  t.diagnostic(`force-installed ${S.id} in ${Date.now() - started} ms; channel served: ${[...new Set(S.server.hits)].join(', ')}`);
  assert.ok(S.server.hits.includes('updates.xml'), 'Chromium asked the channel for updates.xml');
  assert.ok(S.server.hits.some((h) => h.endsWith('.crx')), 'and downloaded the .crx');

  // (a) The system-wide host answers the force-installed extension (its ID is allowed).
  const hello = await worker.evaluate((name) => chrome.runtime.sendNativeMessage(name, { id: 1, type: 'hello' }), HOST_NAME);
  assert.equal(hello.ok, true, JSON.stringify(hello));
  assert.equal(hello.mode, 'native');
  assert.equal(hello.store?.state, 'ok', `keyring seen by the host: ${JSON.stringify(hello.store)}`);

  // (b) The managed values (false and 0 included) arrive in chrome.storage.managed.
  const managed = await waitFor(async () => {
    const m = await worker.evaluate(() => chrome.storage.managed.get(null));
    return m && m.autoSubmit === true ? m : null;
  }, { timeout: 30000, what: 'chrome.storage.managed to hold the policy values' });
  t.diagnostic(`managed values after ${Date.now() - started} ms: ${JSON.stringify(managed)}`);
  assert.deepEqual(managed, MANAGED);

  // The user's own choices say the opposite (browser mode, no auto-submit): the organisation's win,
  // and the options page shows them as set by the organisation.
  await worker.evaluate(() => chrome.storage.local.set({ settings: { mode: 'browser', autoSubmit: false } }));
  const opts = await ctx.newPage();
  await opts.goto(`chrome-extension://${S.id}/options.html`);
  const shown = await waitFor(async () => {
    const o = await opts.evaluate(() => ({
      autoSubmit: document.querySelector('#autoSubmit')?.checked ?? null,
      autoSubmitLocked: document.querySelector('#autoSubmit')?.disabled ?? null,
      autoSubmitBadge: document.querySelector('#autoSubmit-managed') ? !document.querySelector('#autoSubmit-managed').hidden : null,
      modeBadge: document.querySelector('#mode-managed') ? !document.querySelector('#mode-managed').hidden : null,
      mode: document.querySelector('input[name="mode"]:checked')?.value ?? null,
      policy: document.querySelector('[data-role="policy"]')?.textContent ?? null,
    }));
    return o.policy ? o : null;
  }, { timeout: 15000, what: 'the options page to list the policy' });
  t.diagnostic(`options page: ${JSON.stringify(shown)}`);
  assert.equal(shown.autoSubmit, true);
  assert.equal(shown.autoSubmitLocked, true, 'autoSubmit cannot be changed by the user');
  assert.equal(shown.autoSubmitBadge, true);
  assert.equal(shown.modeBadge, true);
  assert.equal(shown.mode, 'native');
  for (const k of Object.keys(MANAGED)) assert.ok(shown.policy.includes(k), `options page lists ${k}`);
  await opts.close();

  // (c) A login on the simulator: filled and submitted (autoSubmit by policy), no user setup
  // beyond the key in the keyring.
  if (sim) {
    const user = 'ADMIN100';
    const key = sim.addUser('trf2', user);
    sh(S.host, ['add', 'trf2', '--user', user, '--secret-stdin'], { input: key.replace(/(.{4})/g, '$1 ').trim() });
    const page = ctx.pages()[0] ?? await ctx.newPage();
    const since = sim.lastSeq();
    await page.goto('https://eproc.trf2.jus.br/eproc/index.php');
    await page.locator('#txtUsuario').pressSequentially(user, { delay: 5 });
    await page.locator('#pwdSenha').pressSequentially('senha-de-teste', { delay: 5 });
    await page.locator('#sbmEntrar').click();
    const ev = await waitFor(() => sim.events(since).find((e) => e.type === 'otp' && e.user === user), {
      // `eproc-a2f add` used up the current step (enrollment confirmation): the login may get the
      // next step's code, filled after up to 30 s (the fresh-code rule).
      timeout: 45000, what: 'the code to be submitted without a click',
    }).catch(async (e) => {
      const state = await page.evaluate(() => ({
        state: document.documentElement.getAttribute('data-eproc-a2f-state'),
        error: document.documentElement.getAttribute('data-eproc-a2f-error'),
        field: document.querySelector('#txtAcessoCodigo')?.value ?? null,
      })).catch(() => null);
      await page.screenshot({ path: join(HERE, '.work', 'shot-admin-chromium.png') }).catch(() => {});
      throw new Error(`${e.message}; page: ${JSON.stringify(state)}`);
    });
    assert.equal(ev.ok, true, `simulator refused the code: ${JSON.stringify(ev)}`);
    assert.deepEqual(sim.events(since).filter((e) => e.type === 'forbidden'), []);
    await waitFor(async () => page.url().includes('controlador.php'), { what: 'the panel after the automatic submit' });
  }

  // Control: without NativeMessagingUserLevelHosts=false (Chromium reloads the policy file), the
  // decoy user-level manifest wins and the host "exits" at once.
  const relaxed = { ...policy };
  delete relaxed.NativeMessagingUserLevelHosts;
  writeFileSync(POLICY_FILE, JSON.stringify(relaxed, null, 2));
  const decoyError = await waitFor(async () => {
    const r = await worker.evaluate((name) => chrome.runtime.sendNativeMessage(name, { id: 2, type: 'hello' }).then(() => null, (e) => String(e.message ?? e)), HOST_NAME);
    return r;
  }, { timeout: 30000, interval: 1000, what: 'the user-level decoy to be used once the policy no longer forbids it' });
  t.diagnostic(`control without NativeMessagingUserLevelHosts=false: ${decoyError}`);
  assert.match(decoyError, /exited|not found|failed/i);

  await ctx.close();
  S.browser = null;
  // The policy affects every Chromium on this machine: remove it as soon as we are done.
  rmSync(POLICY_FILE, { force: true });
});

// ---------------------------------------------------------------- Firefox ESR
function geckodriverPath() {
  for (const p of [process.env.GECKODRIVER, '/root/.cargo/bin/geckodriver', `${process.env.CARGO_HOME ?? ''}/bin/geckodriver`, '/usr/bin/geckodriver', '/usr/local/bin/geckodriver']) {
    if (p && existsSync(p)) return p;
  }
  return null;
}

class WebDriver {
  constructor(base, proc) { this.base = base; this.proc = proc; }
  async cmd(method, path, body) {
    const r = await fetch(this.base + path, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const j = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(`WebDriver ${method} ${path}: ${j.value?.error}: ${j.value?.message}`);
    return j.value;
  }
  s(p) { return `/session/${this.session}${p}`; }
  goto(url) { return this.cmd('POST', this.s('/url'), { url }); }
  async eval(fn, arg = null) {
    const script = `const __f = (${fn.toString()}); const __done = arguments[arguments.length - 1];
      Promise.resolve().then(() => __f(arguments[0])).then((v) => __done({ ok: true, v: v === undefined ? null : v }), (e) => __done({ ok: false, e: String(e && e.message || e) }));`;
    const r = await this.cmd('POST', this.s('/execute/async'), { script, args: [arg] });
    if (!r.ok) throw new Error(`page script failed: ${r.e}`);
    return r.v;
  }
  async find(sel) {
    const el = await waitFor(async () => {
      try { return await this.cmd('POST', this.s('/element'), { using: 'css selector', value: sel }); } catch { return null; }
    }, { timeout: 10000, interval: 100, what: `element ${sel}` });
    return Object.values(el)[0];
  }
  async type(sel, text) { await this.cmd('POST', this.s(`/element/${await this.find(sel)}/value`), { text }); }
  async click(sel) { await this.cmd('POST', this.s(`/element/${await this.find(sel)}/click`), {}); }
  /** The add-on's state as the AddonManager sees it (chrome context). */
  async addon(id) {
    await this.cmd('POST', this.s('/moz/context'), { context: 'chrome' });
    try {
      return await this.cmd('POST', this.s('/execute/async'), {
        args: [id],
        script: `const id = arguments[0]; const done = arguments[arguments.length - 1];
          const { AddonManager } = ChromeUtils.importESModule('resource://gre/modules/AddonManager.sys.mjs');
          AddonManager.getAddonByID(id).then((a) => {
            const p = WebExtensionPolicy.getByID(id);
            done(a ? { version: a.version, active: a.isActive, appDisabled: a.appDisabled, signedState: a.signedState,
              scope: a.scope, locked: !(a.permissions & AddonManager.PERM_CAN_UNINSTALL), host: p ? p.mozExtensionHostname : null } : null);
          }, (e) => done({ error: String(e) }));`,
      });
    } finally {
      await this.cmd('POST', this.s('/moz/context'), { context: 'content' });
    }
  }
  async close() {
    try { if (this.session) await this.cmd('DELETE', this.s('')); } catch {}
    this.proc.kill('SIGTERM');
    await new Promise((r) => { if (this.proc.exitCode != null) r(); else { this.proc.once('exit', r); setTimeout(r, 3000); } });
  }
}

async function launchFirefox(profileDir, extraPrefs = {}) {
  const port = await freePort();
  mkdirSync(profileDir, { recursive: true });
  // --allow-system-access: the test reads the add-on's state from the AddonManager (chrome context).
  const gd = spawn(geckodriverPath(), ['--port', String(port), '--host', '127.0.0.1', '--log', 'error', '--allow-system-access'], {
    env: { ...process.env, MOZ_HEADLESS: '1' }, stdio: ['ignore', verbose ? 'inherit' : 'ignore', verbose ? 'inherit' : 'ignore'],
  });
  const d = new WebDriver(`http://127.0.0.1:${port}`, gd);
  try {
    await startSession(d, profileDir, extraPrefs);
  } catch (e) {
    await d.close();
    throw e;
  }
  return d;
}

async function startSession(d, profileDir, extraPrefs) {
  await waitFor(async () => (await fetch(`${d.base}/status`)).ok, { timeout: 10000, what: 'geckodriver' });
  const prefs = {
    // A fixed moz-extension:// UUID for the policy-installed add-on, so the test can open its pages.
    'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIXED_UUID }),
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'app.update.enabled': false,
    'browser.aboutwelcome.enabled': false,
    ...extraPrefs,
  };
  const s = await d.cmd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'firefox', acceptInsecureCerts: true, 'moz:firefoxOptions': { binary: FIREFOX, args: ['-headless', '-profile', profileDir], prefs } } },
  });
  d.session = s.sessionId;
  await d.cmd('POST', d.s('/timeouts'), { script: 30000, pageLoad: 30000, implicit: 0 });
}

test('Firefox ESR: policies.json force-installs the xpi and feeds storage.managed; the system host answers', {
  skip: skip || (!existsSync(FIREFOX) && 'firefox-esr not installed') || (!geckodriverPath() && 'geckodriver not installed') || (!existsSync(XPI) && `${XPI} missing`),
  timeout: 180000,
}, async (t) => {
  const cfgFile = join(work, 'managed-ff.json');
  writeFileSync(cfgFile, JSON.stringify(MANAGED));
  const xpiUrl = `${S.server.base}/eproc-a2f-${S.version}.xpi`;
  const out = sh(S.host, ['policy', 'firefox', '--xpi-url', xpiUrl, '--config', cfgFile, '--allow-unsigned-xpi']).stdout;
  const policies = JSON.parse(out);
  assert.equal(policies.policies.ExtensionSettings[GECKO_ID].installation_mode, 'force_installed');
  touch(FIREFOX_POLICY);
  mkdirSync(dirname(FIREFOX_POLICY), { recursive: true });
  writeFileSync(FIREFOX_POLICY, JSON.stringify(policies, null, 2));

  // The simulator's host names through its proxy (Firefox cannot remap ports); 127.0.0.1 (the
  // channel) stays direct.
  let sim = S.sim;
  const simLib = join(REPO, 'tests', 'e2e', 'lib', 'simulator.mjs');
  if (!sim && existsSync(simLib) && existsSync(join(REPO, 'tests', 'e2e', 'node_modules', 'qrcode'))) {
    const { startSimulator } = await import(simLib);
    sim = S.sim = await startSimulator({ workDir: join(work, 'sim'), log: verbose ? (m) => log(m) : () => {} });
  }
  const ff = S.firefox = await launchFirefox(join(work, 'firefox-profile'), sim ? sim.firefoxProxyPrefs() : {});
  try {
    // The add-on arrives from the channel shortly after start.
    let last = null;
    const addon = await waitFor(async () => {
      last = await ff.addon(GECKO_ID);
      return last?.active ? last : null;
    }, { timeout: 60000, interval: 1000, what: `the force-installed add-on to be active (channel hits: ${S.server.hits.join(', ')})` })
      .catch((e) => { throw new Error(`${e.message}; add-on state: ${JSON.stringify(last)}`); });
    t.diagnostic(`Firefox: add-on force-installed from ${xpiUrl}: ${JSON.stringify(addon)}`);
    assert.equal(addon.locked, true, 'a force-installed add-on cannot be removed by the user');
    const page = `moz-extension://${addon.host}/options.html`;
    const managed = await waitFor(async () => {
      await ff.goto(page);
      return ff.eval(() => browser.storage.managed.get(null));
    }, { timeout: 20000, interval: 1000, what: `storage.managed in ${page}` });
    t.diagnostic(`Firefox storage.managed = ${JSON.stringify(managed)}`);
    assert.ok(S.server.hits.some((h) => h.endsWith('.xpi')), 'Firefox downloaded the xpi from the channel');
    assert.deepEqual(managed, MANAGED);
    const hello = await ff.eval((name) => browser.runtime.sendNativeMessage(name, { id: 1, type: 'hello' }), HOST_NAME);
    assert.equal(hello.ok, true, JSON.stringify(hello));
    assert.equal(hello.store?.state, 'ok', JSON.stringify(hello.store));

    // A login filled and submitted by the policy's autoSubmit, no user setup but the key.
    if (sim) {
      const user = 'ADMIN200';
      const key = sim.addUser('trf2', user);
      sh(S.host, ['add', 'trf2', '--user', user, '--secret-stdin'], { input: key });
      const since = sim.lastSeq();
      await ff.goto('https://eproc.trf2.jus.br/eproc/index.php');
      await ff.type('#txtUsuario', user);
      await ff.type('#pwdSenha', 'senha-de-teste');
      await ff.click('#sbmEntrar');
      const ev = await waitFor(() => sim.events(since).find((e) => e.type === 'otp' && e.user === user), {
        timeout: 45000, what: 'Firefox: the code to be submitted without a click',
      }).catch(async (e) => {
        const st = await ff.eval(() => ({ state: document.documentElement.getAttribute('data-eproc-a2f-state'),
          error: document.documentElement.getAttribute('data-eproc-a2f-error'), field: document.querySelector('#txtAcessoCodigo')?.value ?? null })).catch(() => null);
        throw new Error(`${e.message}; page: ${JSON.stringify(st)}`);
      });
      assert.equal(ev.ok, true, `simulator refused the code: ${JSON.stringify(ev)}`);
      t.diagnostic('Firefox: login filled and submitted by policy (autoSubmit)');
    } else {
      t.diagnostic('simulator not available: Firefox login step skipped');
    }
  } finally {
    await ff.close();
    S.firefox = null;
    // Restore the machine's Firefox policies right away (they affect every Firefox here).
    const orig = backups.get(FIREFOX_POLICY);
    if (orig == null) rmSync(FIREFOX_POLICY, { force: true }); else writeFileSync(FIREFOX_POLICY, orig);
  }
});

test('purge removes the package and its manifests', { skip }, () => {
  if (S.route !== 'deb') {
    sh(S.host, ['uninstall', '--scope', 'system', '--browser', 'all'], { allowFail: true });
    return;
  }
  sh('dpkg', ['--purge', 'eproc-a2f']);
  for (const m of SYSTEM_MANIFESTS) {
    if (backups.get(m) == null) assert.ok(!existsSync(m), `${m} removed by purge`);
  }
  assert.ok(!existsSync('/usr/bin/eproc-a2f') || backups.get('/usr/bin/eproc-a2f') != null);
  if (etcOptExisted) mkdirSync('/etc/opt', { recursive: true });
});
