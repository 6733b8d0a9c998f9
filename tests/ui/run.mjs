#!/usr/bin/env node
// Popup and options page as people see them (issue 14): real Chromium (Debian's /usr/bin/chromium,
// pt-BR through chromium-l10n and LANGUAGE), the built extension's own pages with a scripted
// background (lib/stub.mjs) and a fixed clock, so that what is drawn is always the same:
//   1. screenshots compared with the committed PNGs in tests/ui/snapshots/ (pixelmatch, small
//      tolerance: a layout change fails; UPDATE_SNAPSHOTS=1 writes them again);
//   2. axe-core on both pages, light and dark: no serious or critical violation;
//   3. keyboard only: copy (code and button), search, rename, remove.
// Usage: node tests/ui/run.mjs [--only NAME] (EPROC_A2F_EXTENSION: a built extension to use
// instead of building one into target/ui-ext).
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import pixelmatch from 'pixelmatch';
import { pageStub } from './lib/stub.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';
import { keyboardChecks } from './lib/keyboard.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const SNAP = join(HERE, 'snapshots');
const DIFF = join(ROOT, 'target', 'ui-diff');
const UPDATE = process.env.UPDATE_SNAPSHOTS === '1';
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
/** 2026-12-03 14:00:09 UTC: any fixed instant; the scripted codes do not depend on it. */
const NOW = Date.UTC(2026, 11, 3, 14, 0, 9);
/** Share of pixels that may differ (anti-aliasing), beyond pixelmatch's per-pixel threshold. */
const MAX_DIFF_RATIO = 0.002;

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The screenshots: page, scenario, language, colour scheme. Few and small on purpose. */
const SHOTS = [
  ['popup', 'six', 'pt_BR', 'light'],
  ['popup', 'six', 'pt_BR', 'dark'],
  ['popup', 'one', 'en', 'light'],
  ['popup', 'zero', 'pt_BR', 'light'],
  ['popup', 'hostMissing', 'pt_BR', 'light'],
  ['popup', 'hostMissing', 'en', 'dark'],
  ['popup', 'storeLocked', 'pt_BR', 'dark'],
  ['popup', 'storeLocked', 'en', 'light'],
  ['options', 'six', 'pt_BR', 'light'],
  ['options', 'one', 'en', 'dark'],
  ['options', 'hostMissing', 'pt_BR', 'light'],
  ['options', 'storeLocked', 'en', 'dark'],
  // Issue 10: refused codes, the court clock, a kept replaced key.
  ['popup', 'rejected', 'pt_BR', 'light'],
  ['popup', 'rejected', 'en', 'dark'],
  ['popup', 'clockAbsurd', 'pt_BR', 'light'],
  ['options', 'rejected', 'pt_BR', 'light'],
];
/** axe runs: both pages, both schemes, the fullest state. */
const AXE = [
  ['popup', 'six', 'light'], ['popup', 'six', 'dark'], ['popup', 'hostMissing', 'light'], ['popup', 'storeLocked', 'dark'],
  ['options', 'six', 'light'], ['options', 'six', 'dark'], ['options', 'hostMissing', 'light'],
  ['popup', 'rejected', 'light'], ['popup', 'rejected', 'dark'], ['popup', 'clockAbsurd', 'light'], ['options', 'rejected', 'light'],
];

const results = [];
const t0 = Date.now();
const record = (name, ok, detail = '') => {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
};

function extensionDir() {
  if (process.env.EPROC_A2F_EXTENSION) return process.env.EPROC_A2F_EXTENSION;
  const out = join(ROOT, 'target', 'ui-ext');
  const r = spawnSync(process.execPath, [join(ROOT, 'extension', 'scripts', 'build.mjs'), '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('extension build failed');
  return out;
}

async function launch(ext, lang) {
  const profile = mkdtempSync(join(tmpdir(), 'eproc-a2f-ui-'));
  const bcp = lang === 'pt_BR' ? 'pt-BR' : 'en-US';
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: false,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync',
      '--disable-background-networking', '--hide-scrollbars', '--font-render-hinting=none', `--lang=${bcp}`,
      `--disable-extensions-except=${ext}`, `--load-extension=${ext}`],
    env: { ...process.env, LANGUAGE: lang, LANG: `${lang}.UTF-8`, LC_ALL: `${lang}.UTF-8` },
    locale: bcp,
    deviceScaleFactor: 1,
    viewport: { width: 1000, height: 900 },
  });
  let worker = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
  worker ??= await context.waitForEvent('serviceworker', { timeout: 20000 });
  const id = new URL(worker.url()).host;
  return { context, id, close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); } };
}

/** Opens one of the pages in a scenario, waits until it stops changing. */
export async function openPage(b, page, scenario, scheme, opts = {}) {
  const p = await b.context.newPage();
  await p.clock.setFixedTime(NOW);
  await p.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
  await p.setViewportSize(page === 'popup' ? { width: 384, height: 600 } : { width: 1000, height: 900 });
  await p.addInitScript(pageStub, SCENARIOS[scenario]);
  await p.goto(`chrome-extension://${b.id}/${page}.html${opts.query ?? ''}`);
  await p.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; caret-color: transparent !important; }' });
  await settle(p);
  return p;
}

async function settle(p) {
  let last = '';
  for (let i = 0; i < 40; i++) {
    await p.waitForTimeout(150);
    const now = await p.evaluate(() => document.body.innerHTML);
    if (now === last && !now.includes('>…<')) return;
    last = now;
  }
}

function compare(name, png) {
  const file = join(SNAP, `${name}.png`);
  if (UPDATE || !existsSync(file)) {
    mkdirSync(SNAP, { recursive: true });
    writeFileSync(file, png);
    return { ok: true, detail: UPDATE ? 'written' : 'new snapshot written (commit it)' };
  }
  const want = PNG.sync.read(readFileSync(file));
  const got = PNG.sync.read(png);
  if (want.width !== got.width || want.height !== got.height) {
    mkdirSync(DIFF, { recursive: true });
    writeFileSync(join(DIFF, `${name}.actual.png`), png);
    return { ok: false, detail: `size ${got.width}x${got.height}, expected ${want.width}x${want.height} (target/ui-diff/${name}.actual.png)` };
  }
  const diff = new PNG({ width: want.width, height: want.height });
  const n = pixelmatch(want.data, got.data, diff.data, want.width, want.height, { threshold: 0.1 });
  const ratio = n / (want.width * want.height);
  if (ratio > MAX_DIFF_RATIO) {
    mkdirSync(DIFF, { recursive: true });
    writeFileSync(join(DIFF, `${name}.actual.png`), png);
    writeFileSync(join(DIFF, `${name}.diff.png`), PNG.sync.write(diff));
    return { ok: false, detail: `${n} pixels differ (${(ratio * 100).toFixed(2)}%; see target/ui-diff/${name}.diff.png)` };
  }
  return { ok: true, detail: n ? `${n} px within tolerance` : '' };
}

async function screenshot(p, page) {
  if (page === 'popup') return p.locator('body').screenshot();
  // The options page: its top (status, accounts, add, import) is what a layout change breaks.
  const box = await p.locator('body').boundingBox();
  return p.screenshot({ clip: { x: box.x, y: 0, width: box.width, height: Math.min(760, Math.ceil(box.height)) }, fullPage: true });
}

async function axe(p) {
  await p.evaluate(axeSource);
  const r = await p.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const out = await axe.run(document, { resultTypes: ['violations'] });
    return out.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return r.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const ext = extensionDir();
for (const lang of ['pt_BR', 'en']) {
  const b = await launch(ext, lang);
  try {
    // The language really is the one asked for (chromium-l10n for pt-BR), and <html lang> says it.
    const probe = await openPage(b, 'popup', 'zero', 'light');
    const htmlLang = await probe.evaluate(() => document.documentElement.lang);
    const want = lang === 'pt_BR' ? 'pt-BR' : 'en';
    record(`${lang}: <html lang> is ${want}`, htmlLang === want, htmlLang === want ? '' : `got ${htmlLang} (is chromium-l10n installed?)`);
    await probe.close();
    for (const [page, scenario, l, scheme] of SHOTS) {
      if (l !== lang) continue;
      const name = `${page}-${scenario}-${lang}-${scheme}`;
      if (only && !name.includes(only)) continue;
      const p = await openPage(b, page, scenario, scheme);
      const r = compare(name, await screenshot(p, page));
      record(`screenshot ${name}`, r.ok, r.detail);
      await p.close();
    }
    if (lang === 'pt_BR') {
      for (const [page, scenario, scheme] of AXE) {
        const name = `axe ${page} ${scenario} ${scheme}`;
        if (only && !name.includes(only)) continue;
        const p = await openPage(b, page, scenario, scheme);
        const bad = await axe(p);
        record(name, bad.length === 0, bad.map((v) => `${v.impact} ${v.id}: ${v.nodes.join(', ')}`).join('; '));
        await p.close();
      }
      if (!only || 'keyboard'.includes(only)) {
        for (const [name, fn] of keyboardChecks) {
          try {
            await fn((page, scenario, scheme = 'light', opts) => openPage(b, page, scenario, scheme, opts));
            record(`keyboard: ${name}`, true);
          } catch (e) {
            record(`keyboard: ${name}`, false, e.message.split('\n').slice(0, 12).join(' '));
          }
        }
      }
    }
  } finally {
    await b.close();
  }
}

const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length}/${results.length} passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed.length ? 1 : 0);
