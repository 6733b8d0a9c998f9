// Issue 11 in the browser: a QR image made by an independent generator (Debian's qrencode) holding
// the otpauth:// URI a phone app shows, imported in the options page ("Importar chaves": the page
// decodes the image with the QR WASM module, previews, applies), then a real eproc login on the
// simulator is filled with that key's code and accepted. Chromium and Firefox, native mode (the
// key goes to the keyring through the host) and browser mode (into the encrypted store).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './lib/chromium.mjs';
import { launchFirefox, geckodriverPath } from './lib/firefox.mjs';
import { installHost, cli, missingArtifacts, EXTENSION_DIR } from './lib/host.mjs';
import { waitFor, setUpBrowserMode, startWork, suiteModes } from './lib/suite.mjs';
import * as totp from './lib/totp.mjs';

const missing = missingArtifacts();
const required = process.env.CI === 'true' || process.env.E2E_REQUIRE_ARTIFACTS === '1';
const noQrencode = spawnSync('qrencode', ['--version']).error ? 'qrencode not installed (scripts/install-deps.sh)' : false;
const skip = (missing && !required ? `not built yet: ${missing}` : false) || (!required && noQrencode);
if (missing && required) test('[import] artifacts are built', () => assert.fail(`missing: ${missing}`));
if (noQrencode && required) test('[import] qrencode is installed', () => assert.fail(noQrencode));
const log = (m) => { if (process.env.E2E_VERBOSE) console.error(m); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const BROWSERS = [
  ['chromium', (o) => launchChromium({ sim: o.sim, extensionDir: EXTENSION_DIR, userDataDir: o.dir, log }), (profile) => join(profile, 'NativeMessagingHosts')],
  ...(geckodriverPath() ? [['firefox', (o) => launchFirefox({ sim: o.sim, extensionDir: EXTENSION_DIR, profileDir: o.dir, log }), () => null]] : []),
].filter(([b]) => (process.env.E2E_BROWSER ?? 'all') === 'all' || process.env.E2E_BROWSER === b);

/** A PNG of the QR code of `text`, made by qrencode (not by our code). */
function qrPng(text, file) {
  const r = spawnSync('qrencode', ['-o', file, '-s', '6', '-m', '4', text]);
  if (r.status !== 0) throw new Error(`qrencode: ${r.stderr}`);
  return readFileSync(file).toString('base64');
}

for (const [browser, launch, hostDir] of BROWSERS) {
  for (const mode of suiteModes()) {
    describe(`${browser}, ${mode} mode: import a QR image in the options page`, () => {
      const BM = mode === 'browser';
      const state = {};
      const work = join(import.meta.dirname, '.work', `import-${browser}-${mode}-${process.pid}`);
      const user = `${BM ? 'IB' : 'IN'}${browser === 'firefox' ? 'F' : 'C'}77`;

      before(async () => {
        if (skip || (missing && required)) return;
        state.sim = await startWork(work, log);
        state.profile = join(work, 'profile');
        state.host = installHost({ browser, dir: hostDir(state.profile), workDir: join(work, 'host') });
        state.key = state.sim.addUser('trf2', user);
        state.driver = await launch({ sim: state.sim, dir: state.profile });
        if (BM) await setUpBrowserMode(state.driver, { file: null });
      });
      after(async () => {
        await state.driver?.close();
        await state.sim?.close();
        if (!process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
      });

      test(`[${browser}/${mode}] a qrencode image of the phone app's QR is imported and fills the login`, { skip, timeout: 180000 }, async (t) => {
        const d = state.driver;
        // The URI as Google Authenticator and other apps show a court's account (issuer + label).
        const uri = `otpauth://totp/TRF2:${user}?secret=${state.key}&issuer=TRF2&algorithm=SHA1&digits=6&period=30`;
        const png = qrPng(uri, join(work, 'qr.png'));
        const t0 = Date.now();
        const said = await d.withExtensionPage('options.html', async (p) => {
          await waitFor(() => p.eval(() => !!document.querySelector('[data-action=import-read]') && !document.getElementById('import-section').hidden), { timeout: 30000, what: 'the import section' });
          await p.eval((b64) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], 'authenticator.png', { type: 'image/png' }));
            document.querySelector('#import-file').files = dt.files;
          }, png);
          await p.click('[data-action=import-read]');
          const row = await waitFor(() => p.eval(() => {
            const m = document.querySelector('[data-role=import-message]')?.textContent ?? '';
            const r = document.querySelector('[data-role=import-preview] tr[data-index]');
            return r ? { status: r.dataset.status, text: r.textContent, ticked: r.querySelector('input[data-role=include]').checked } : (/\S/.test(m) && !/Lendo|Reading/.test(m) ? { message: m } : null);
          }), { timeout: 60000, what: 'the preview of the image' });
          assert.equal(row.status, 'new', `preview: ${JSON.stringify(row)}`);
          assert.ok(row.ticked, 'a new entry is ticked');
          assert.match(row.text, new RegExp(user));
          assert.ok(!row.text.includes(state.key), 'the preview never shows the key');
          await p.click('[data-action=import-apply]');
          const msg = await waitFor(() => p.eval(() => {
            const m = document.querySelector('[data-role=import-message]');
            return m?.classList.contains('ok') || m?.classList.contains('error') ? { ok: m.classList.contains('ok'), text: m.textContent } : null;
          }), { timeout: 60000, what: 'the import answer' });
          assert.ok(msg.ok, `import: ${msg.text}`);
          await waitFor(() => p.eval((u) => !!document.querySelector(`#accounts tr[data-user="${u}"][data-authenticator=trf2]`), user), { timeout: 20000, what: 'the imported account in the table' });
          // The page shows the imported account's current code to compare with the phone.
          const shown = await p.eval(() => document.querySelector('[data-role=imported] code')?.textContent ?? null);
          if (shown) assert.ok([0, -1, 1].some((o) => totp.totpAtStep(state.key, totp.stepAt() + o) === shown), `the code shown (${shown}) is the key's`);
          return msg.text;
        });
        t.diagnostic(`import in ${Date.now() - t0} ms: ${said}`);
        if (!BM) {
          const listed = JSON.parse(cli(['list', '--json'])).accounts ?? [];
          assert.ok(listed.some((a) => a.authenticator === 'trf2' && a.user === user), 'native mode: the key is in the keyring');
        } else {
          const all = await d.getLocalStorage(null);
          assert.ok(all['bm.meta'], 'browser mode: the encrypted store holds it');
          assert.ok(!JSON.stringify(all).includes(state.key), 'browser mode: the key is stored encrypted only');
        }
        // A code of the new key is claimed by nobody yet; wait past the import's own peek step.
        await sleep(300);
        const since = state.sim.lastSeq();
        await d.goto('https://eproc.trf2.jus.br/eproc/index.php');
        await d.type('#txtUsuario', user);
        await d.type('#pwdSenha', 'senha-de-teste');
        await d.click('#sbmEntrar');
        const value = await waitFor(() => d.eval(() => {
          const v = document.querySelector('#txtAcessoCodigo')?.value ?? '';
          return /^\d{6}$/.test(v) ? v : null;
        }), { timeout: 45000, what: '#txtAcessoCodigo filled' });
        assert.ok([0, 1].some((o) => totp.totpAtStep(state.key, totp.stepAt() + o) === value), `filled ${value} is the imported key's code`);
        await d.click('#btnValidar');
        const ev = await waitFor(() => state.sim.events(since).filter((e) => e.type === 'otp' && e.user === user).at(-1), { timeout: 40000, what: 'the simulator to get the code' });
        assert.equal(ev.ok, true, `the court accepted the code: ${JSON.stringify(ev)}`);
      });

      test(`[${browser}/${mode}] a key pasted in the options page, court chosen from the list, is stored`, { skip, timeout: 120000 }, async () => {
        const d = state.driver;
        const other = `${user}K`;
        const key = state.sim.addUser('trf4', other);
        await d.withExtensionPage('options.html', async (p) => {
          await waitFor(() => p.eval(() => !!document.querySelector('[data-role=add-court] option[value=trf4]') && !document.getElementById('add-section').hidden), { timeout: 30000, what: 'the add-key form' });
          await p.eval(() => {
            const sel = document.querySelector('[data-role=add-court]');
            sel.value = 'trf4';
            sel.dispatchEvent(new Event('change'));
          });
          await p.type('[data-role=add-user]', other);
          // grouped by four, as the court shows it
          await p.type('[data-role=add-key]', key.match(/.{1,4}/g).join(' '));
          await p.click('[data-action=add-save]');
          const msg = await waitFor(() => p.eval(() => {
            const m = document.querySelector('[data-role=add-message]');
            return m?.classList.contains('ok') || m?.classList.contains('error') ? { ok: m.classList.contains('ok'), text: m.textContent } : null;
          }), { timeout: 30000, what: 'the add-key answer' });
          assert.ok(msg.ok, msg.text);
          assert.match(msg.text, new RegExp(`TRF4 · ${other}`));
          await waitFor(() => p.eval((u) => !!document.querySelector(`#accounts tr[data-user="${u}"][data-authenticator=trf4]`), other), { timeout: 20000, what: 'the pasted account in the table' });
          assert.equal(await p.eval(() => document.querySelector('[data-role=add-key]').value), '', 'the key field is emptied');
        });
        if (!BM) {
          const listed = JSON.parse(cli(['list', '--json'])).accounts ?? [];
          assert.ok(listed.some((a) => a.authenticator === 'trf4' && a.user === other), 'native mode: in the keyring');
        }
      });
    });
  }
}
