// The options page as it runs: bundled (like options.js) and evaluated in a jsdom copy of
// static/options.html with a scripted background. Browser mode's damaged-store path: the page
// offers to put the damaged data aside (`reset-corrupt`), and the background adapter accepts it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { JSDOM } from 'jsdom';
import { BROWSER_MODE_OPS, browserModeCommand } from '../src/background/browser-adapter';

const EXT = process.env.EPROC_A2F_EXT_DIR!;
const bundle = (await esbuild.build({
  entryPoints: [join(EXT, 'src/options/options.ts')], bundle: true, write: false, format: 'iife', target: 'es2022', logLevel: 'error',
})).outputFiles[0]!.text;
const html = readFileSync(join(EXT, 'static/options.html'), 'utf8').replace(/<script[^>]*><\/script>/g, '');

type Msg = Record<string, unknown> & { kind: string; command?: { op: string; passphrase?: string } };
const openWindows: { close(): void }[] = [];
after(() => openWindows.forEach((w) => w.close()));

function optionsPage(reply: (msg: Msg) => unknown) {
  const jsdom = new JSDOM(html, { url: 'chrome-extension://test/options.html', runScripts: 'outside-only', pretendToBeVisual: true });
  const w = jsdom.window as unknown as { eval(code: string): unknown; chrome: unknown; close(): void; document: Document };
  const sent: Msg[] = [];
  w.chrome = {
    runtime: { id: 'test', sendMessage: async (msg: Msg) => { sent.push(msg); return reply(msg); }, openOptionsPage: async () => {} },
    i18n: { getMessage: () => '' },
    storage: { onChanged: { addListener: () => {} } },
    permissions: { request: async () => false },
  };
  openWindows.push(w);
  w.eval(bundle);
  return { doc: w.document, sent };
}

async function until(what: string, fn: () => unknown, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('background adapter: reset-corrupt is an accepted browser-mode action (not invalid_request)', async () => {
  assert.ok(BROWSER_MODE_OPS.has('reset-corrupt'));
  const r = await browserModeCommand({ op: 'reset-corrupt' }, { extraSystems: [], lockAfterMinutes: null, disableExport: false }, null, 'en');
  // (unit builds have no WASM browser mode: the fallback answers; the point is that it got there)
  assert.notEqual((r as { error?: { code: string } }).error?.code, 'invalid_request');
});

test('options: unlocking a damaged store offers to put the data aside; after reset-corrupt, the setup form', async () => {
  let store = 'locked';
  const { doc, sent } = optionsPage((msg) => {
    switch (msg.kind) {
      case 'get-settings':
        return { user: { mode: 'browser', autoSubmit: false }, managed: {}, effective: { mode: 'browser', autoSubmit: false, allowBrowserStorage: true, disableExport: false, extraSystems: [], lockAfterMinutes: null, managedKeys: [] }, extra: { patterns: [], granted: true } };
      case 'status':
        return { mode: 'browser', source: 'browser', hello: { ok: true, store: { state: store === 'not_set_up' ? 'not_set_up' : 'locked', backend: 'browser' } } };
      case 'accounts':
        return { ok: false, error: { code: 'store_locked' } };
      case 'browser-mode':
        if (msg.command!.op === 'state') return { ok: true, state: store };
        if (msg.command!.op === 'unlock') return { ok: false, error: { code: 'store_corrupt', message: '' } };
        if (msg.command!.op === 'reset-corrupt') { store = 'not_set_up'; return { ok: true, quarantined: 'bm.quarantine.1', state: 'not_set_up' }; }
        if (msg.command!.op === 'pending-migration') return { ok: true, journal: null };
        return { ok: false, error: { code: 'invalid_request' } };
      default:
        return { ok: true };
    }
  });
  const $ = <T extends Element>(sel: string) => doc.querySelector<T>(sel);
  await until('the unlock form', () => $('#bm')?.getAttribute('data-state') === 'locked' && $('[data-action=bm-unlock]'));
  assert.equal($('[data-action=bm-reset-corrupt]'), null, 'no reset offered before anything is known to be damaged');
  $<HTMLInputElement>('input[name=bm-pass]')!.value = 'a right passphrase';
  $<HTMLButtonElement>('[data-action=bm-unlock]')!.click();
  await until('the reset offer', () => $('[data-action=bm-reset-corrupt]'));
  assert.equal($('[data-role=bm-message]')!.textContent, 'err_store_corrupt');
  $<HTMLButtonElement>('[data-action=bm-reset-corrupt]')!.click();
  await until('the setup form', () => $('#bm')?.getAttribute('data-state') === 'not_set_up' && $('[data-action=bm-setup]'));
  assert.equal($('[data-role=bm-message]')!.textContent, 'bmQuarantined');
  assert.deepEqual(sent.filter((m) => m.kind === 'browser-mode').map((m) => m.command!.op).filter((o) => o !== 'state'), ['unlock', 'reset-corrupt']);
});

test('options: a damaged store description (state answers store_corrupt) offers the reset at once', async () => {
  const { doc } = optionsPage((msg) => {
    if (msg.kind === 'get-settings') return { user: { mode: 'browser', autoSubmit: false }, managed: {}, effective: { mode: 'browser', autoSubmit: false, allowBrowserStorage: true, disableExport: false, extraSystems: [], lockAfterMinutes: null, managedKeys: [] }, extra: { patterns: [], granted: true } };
    if (msg.kind === 'browser-mode' && msg.command!.op === 'state') return { ok: false, error: { code: 'store_corrupt', message: '' } };
    if (msg.kind === 'status') return { mode: 'browser', source: 'browser', hello: { ok: true, store: { state: 'error', backend: 'browser' } } };
    return { ok: false, error: { code: 'store_corrupt' } };
  });
  await until('the reset offer', () => doc.querySelector('[data-action=bm-reset-corrupt]'));
  assert.equal(doc.querySelector('#bm')!.getAttribute('data-state'), 'store_corrupt');
});

test('options: a kept replaced key shows "chave anterior guardada" and restores with `restore`; the store line names the backend', async () => {
  let kept = true;
  const acc = (k: boolean) => ({ authenticator: 'trf4', user: 'RS1', label: null, systems: ['trf4'], title: 'TRF4', systems_short: ['TRF4'], rejection: null, replaced_kept: k, replaced_at: k ? 1_764_430_000 : undefined });
  const { doc, sent } = optionsPage((msg) => {
    switch (msg.kind) {
      case 'get-settings':
        return { user: { mode: 'native', autoSubmit: false }, managed: {}, effective: { mode: 'native', autoSubmit: false, allowBrowserStorage: true, disableExport: false, extraSystems: [], lockAfterMinutes: null, managedKeys: [] }, extra: { patterns: [], granted: true } };
      case 'status':
        return { mode: 'native', source: 'native', hello: { ok: true, version: '0.1.0', store: { state: 'ok', backend: 'openbao' } } };
      case 'accounts':
        return { ok: true, accounts: [acc(kept)] };
      case 'restore':
        kept = false;
        return { ok: true, restored: true };
      case 'systems':
        return { ok: true, systems: [] };
      default:
        return { ok: true };
    }
  });
  const $ = <T extends Element>(sel: string) => doc.querySelector<T>(sel);
  await until('the kept key row', () => $('[data-action=restore]'));
  assert.match($('[data-role=replaced]')!.textContent!, /^uiReplacedKeptShort/);
  await until('the store line', () => !$<HTMLElement>('#store-line')!.hidden);
  assert.equal($('#store-line')!.textContent, 'uiStoreBackend');
  $<HTMLButtonElement>('[data-action=restore]')!.click();
  await until('the row gone after the swap', () => !$('[data-action=restore]'));
  assert.deepEqual(JSON.parse(JSON.stringify(sent.find((m) => m.kind === 'restore'))), { kind: 'restore', authenticator: 'trf4', user: 'RS1' });
});
