#!/usr/bin/env node
// `cargo xtask demo`: starts the eproc simulator and Chromium with the built extension and host,
// seeds a demo key in the keyring, and shows a TRF2 login and a JFPR (Keycloak) login being filled.
// With a display ($DISPLAY) the browser is visible and stays open until Enter/Ctrl-C; without one it
// runs headless, prints each step and saves screenshots in target/demo/. Runs inside scripts/with-keyring.sh.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startSimulator } from './lib/simulator.mjs';
import { installHost, addKey, missingArtifacts, EXTENSION_DIR } from './lib/host.mjs';
import { REPO } from './lib/simulator.mjs';
import { mkdirSync } from 'node:fs';
import { launchChromium } from './lib/chromium.mjs';
import { groupBy4, stepAt } from './lib/totp.mjs';

const step = (m) => console.log(`demo: ${m}`);
const missing = missingArtifacts();
if (missing) { console.error(`demo: missing ${missing}`); process.exit(1); }
if (process.env.EPROC_A2F_IN_KEYRING !== '1') console.error('demo: not inside scripts/with-keyring.sh: keys go to your real keyring');

const work = mkdtempSync(join(tmpdir(), 'eproc-a2f-demo-'));
const SHOTS = join(REPO, 'target', 'demo');
mkdirSync(SHOTS, { recursive: true });
const sim = await startSimulator({ workDir: join(work, 'sim') });
step(`simulator up (https on 127.0.0.1:${sim.ports.https}, control ${sim.controlUrl})`);
const profile = join(work, 'profile');
installHost({ browser: 'chromium', dir: join(profile, 'NativeMessagingHosts'), workDir: join(work, 'host') });
step('host registered: eproc-a2f install --browser chromium --dir <profile>/NativeMessagingHosts');
const trf2 = sim.addUser('trf2', 'demo.advogado');
addKey('trf2', 'demo.advogado', groupBy4(trf2));
const trf4 = sim.addUser('trf4', 'PR12345');
addKey('trf4', 'PR12345', groupBy4(trf4));
step('demo keys saved in the keyring (eproc-a2f add trf2/trf4 --secret-stdin)');
// `add` shows the current code and claims its step (it is meant for an enrollment page), so a
// login right now would wait for the next step: start the demo when that step has begun.
const ready = (stepAt(Date.now() + 5000) + 1) * 30000;
step(`waiting ${Math.ceil((ready - Date.now()) / 1000)} s for the next 30-s step (the one add showed is used up)`);
await new Promise((r) => setTimeout(r, Math.max(0, ready - Date.now()) + 100));
const headed = !!process.env.DISPLAY && !process.env.DEMO_HEADLESS;
const d = await launchChromium({ sim, extensionDir: EXTENSION_DIR, userDataDir: profile, headed });
step(`Chromium ${headed ? 'visible' : 'headless'} with the extension ${d.extensionId} from ${EXTENSION_DIR}`);
let ok = true;
const wait = async (fn, ms = 35000) => { const end = Date.now() + ms; while (Date.now() < end) { const v = await fn().catch(() => null); if (v) return v; await new Promise((r) => setTimeout(r, 100)); } return null; };
try {
  await d.goto('https://eproc.trf2.jus.br/eproc/index.php');
  step('opened https://eproc.trf2.jus.br/eproc/index.php (eproc login, TRF2)');
  await d.type('#txtUsuario', 'demo.advogado');
  await d.type('#pwdSenha', 'senha');
  await d.click('#sbmEntrar');
  step('typed user and password, clicked Entrar: the code field appears on the same page');
  const v = await wait(() => d.eval(() => { const e = document.querySelector('#txtAcessoCodigo'); return e && /^\d{6}$/.test(e.value) ? e.value : null; }));
  const ms = await d.eval(() => document.documentElement.getAttribute('data-eproc-a2f-filled-ms'));
  step(v ? `code ${v} filled by eproc-a2f in ${ms} ms` : 'the code was NOT filled');
  ok &&= !!v;
  await d.screenshot(join(SHOTS, 'demo-trf2.png'));
  step(`screenshot: ${join(SHOTS, 'demo-trf2.png')}`);
  if (v) {
    await d.click('#btnValidar');
    const ev = await wait(async () => sim.events().find((e) => e.type === 'otp' && e.user === 'demo.advogado'));
    step(`simulated TRF2 ${ev?.ok ? 'accepted' : 'refused'} the code`);
    ok &&= !!ev?.ok;
  }
  await d.goto('https://eproc.jfpr.jus.br/eprocV2/');
  step('opened https://eproc.jfpr.jus.br/eprocV2/ -> Keycloak at eproc-sso.trf4.jus.br');
  await d.type('#username', 'PR12345');
  await d.type('#password', 'senha');
  await d.click('#kc-login');
  const v2 = await wait(() => d.eval(() => { const e = document.querySelector('#otp'); return e && /^\d{6}$/.test(e.value) ? e.value : null; }));
  step(v2 ? `code ${v2} filled on the Keycloak OTP page (TRF4 key shared by JFPR)` : 'the Keycloak code was NOT filled');
  ok &&= !!v2;
  await d.screenshot(join(SHOTS, 'demo-jfpr.png'));
  step(`screenshot: ${join(SHOTS, 'demo-jfpr.png')}`);
  if (headed && process.stdin.isTTY) {
    step('press Enter to close');
    await new Promise((r) => process.stdin.once('data', r));
  }
} catch (e) {
  ok = false;
  console.error(`demo: ${e.stack ?? e}`);
} finally {
  await d.close();
  await sim.close();
  rmSync(work, { recursive: true, force: true });
}
step(ok ? 'done' : 'FAILED');
process.exit(ok ? 0 : 1);
