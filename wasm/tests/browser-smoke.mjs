#!/usr/bin/env node
// Manual smoke test of browser mode in the real browsers (not part of `node --test wasm/tests/`):
// loads a built extension in headless Chromium (MV3 service worker) and Firefox ESR (event page),
// and drives the WASM source through the background's messages: hello, setup, locked answers,
// wrong passphrase, unlock, export, and where the key lives (storage.session, never storage.local).
//   node wasm/tests/browser-smoke.mjs [EXTENSION_DIR]   (default target/dist/extension)
// Needs tests/e2e's playwright-core (npm ci there), /usr/bin/chromium, firefox-esr and geckodriver.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers.mjs';

const EXT = resolve(process.argv[2] ?? join(ROOT, 'target/dist/extension'));
const PASS = 'correct horse battery';

/** The same flow in both browsers; `send` posts a runtime message from an extension page. */
async function flow(name, send, storageKeys) {
  const bm = (command) => send({ kind: 'browser-mode', command });
  await send({ kind: 'set-settings', patch: { mode: 'browser' } });
  const status = await send({ kind: 'status', retry: true });
  assert.equal(status.hello.mode, 'browser', JSON.stringify(status));
  assert.equal(status.hello.store.state, 'not_set_up');
  assert.equal((await send({ kind: 'accounts' })).error.code, 'store_not_set_up');
  assert.deepEqual(await bm({ op: 'setup', passphrase: PASS }), { ok: true, state: 'unlocked' });
  assert.deepEqual((await send({ kind: 'accounts' })).accounts, []);
  await bm({ op: 'lock' });
  assert.equal((await send({ kind: 'accounts' })).error.code, 'store_locked');
  assert.equal((await bm({ op: 'unlock', passphrase: 'not the passphrase' })).error.code, 'wrong_passphrase');
  assert.equal((await bm({ op: 'unlock', passphrase: PASS })).ok, true);
  const exp = await bm({ op: 'export' });
  assert.equal(JSON.parse(exp.file).format, 'eproc-a2f-export');
  const [local, session] = await storageKeys();
  assert.ok(local.includes('bm.meta') && !local.includes('bm.session'), JSON.stringify(local));
  assert.ok(session.includes('bm.session'), JSON.stringify(session));
  console.log(`${name}: browser mode ok (wasm loaded, setup/lock/unlock/export, key only in storage.session)`);
}

async function chromium() {
  const { chromium: pw } = await import(pathToFileURL(join(ROOT, 'tests/e2e/node_modules/playwright-core/index.mjs')).href);
  const ctx = await pw.launchPersistentContext(mkdtempSync(join(tmpdir(), 'bm-chromium-')), {
    executablePath: '/usr/bin/chromium', headless: false, ignoreDefaultArgs: ['--disable-extensions'],
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', `--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`],
  });
  try {
    const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 15000 }));
    const page = await ctx.newPage();
    await page.goto(`chrome-extension://${new URL(sw.url()).host}/options.html`);
    await flow('chromium', (m) => page.evaluate((m) => chrome.runtime.sendMessage(m), m),
      () => page.evaluate(async () => [Object.keys(await chrome.storage.local.get(null)), Object.keys(await chrome.storage.session.get(null))]));
  } finally {
    await ctx.close();
  }
}

async function firefox() {
  const gdPath = ['/root/.cargo/bin/geckodriver', `${process.env.CARGO_HOME ?? ''}/bin/geckodriver`, '/usr/bin/geckodriver'].find((p) => existsSync(p));
  if (!gdPath) return console.log('firefox: skipped (no geckodriver)');
  const port = 4400 + Math.floor(Math.random() * 500);
  const gd = spawn(gdPath, ['--port', String(port), '--allow-system-access'], { env: { ...process.env, MOZ_HEADLESS: '1' }, stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const cmd = async (method, path, body) => {
    const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const j = await r.json();
    if (j.value?.error) throw new Error(`${j.value.error}: ${j.value.message}`);
    return j.value;
  };
  try {
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(`${base}/status`)).ok) break; } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    const uuid = '3b0e4d1e-6c1a-4f6b-9a51-e2e0a2f0bbbb';
    const { sessionId: sid } = await cmd('POST', '/session', { capabilities: { alwaysMatch: { browserName: 'firefox', 'moz:firefoxOptions': {
      binary: '/usr/bin/firefox-esr', args: ['-headless', '-profile', mkdtempSync(join(tmpdir(), 'bm-firefox-'))],
      prefs: { 'extensions.webextensions.uuids': JSON.stringify({ 'eproc-a2f@eproc-a2f.github.io': uuid }), 'xpinstall.signatures.required': false } } } } });
    try {
      await cmd('POST', `/session/${sid}/moz/addon/install`, { path: EXT, temporary: true });
      await new Promise((r) => setTimeout(r, 1000));
      // Extension pages cannot be navigated to from content: open a tab from the chrome context.
      await cmd('POST', `/session/${sid}/moz/context`, { context: 'chrome' });
      await cmd('POST', `/session/${sid}/execute/sync`, { args: [], script:
        `const w = Services.wm.getMostRecentWindow('navigator:browser'); w.gBrowser.selectedTab = w.gBrowser.addTab('moz-extension://${uuid}/options.html', { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() });` });
      await cmd('POST', `/session/${sid}/moz/context`, { context: 'content' });
      const handles = await cmd('GET', `/session/${sid}/window/handles`);
      await cmd('POST', `/session/${sid}/window`, { handle: handles[handles.length - 1] });
      await new Promise((r) => setTimeout(r, 1000));
      const run = async (js, arg) => JSON.parse(await cmd('POST', `/session/${sid}/execute/async`, { args: [arg ?? null],
        script: `const done = arguments[1]; const arg = arguments[0]; (async () => JSON.stringify(await (async () => { ${js} })()))().then(done, (e) => done(JSON.stringify({ thrown: String(e) })))` }));
      await flow('firefox', (m) => run('return browser.runtime.sendMessage(arg);', m),
        () => run('return [Object.keys(await browser.storage.local.get(null)), Object.keys(await browser.storage.session.get(null))];'));
    } finally {
      await cmd('DELETE', `/session/${sid}`).catch(() => {});
    }
  } finally {
    gd.kill();
  }
}

await chromium();
await firefox();
