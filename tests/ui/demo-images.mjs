#!/usr/bin/env node
// `cargo xtask demo` (after tests/e2e/demo.mjs): the README's pictures, from the real thing — the
// built extension and host in Chromium (pt-BR), keys in the keyring session, the eproc simulator:
//   docs/img/notice.png  the in-page notice on TRF2's eproc login after the code was filled;
//   docs/img/popup.png   the popup with those accounts and their live codes.
// Runs inside scripts/with-keyring.sh. Codes differ on each run (real time): the pictures are
// illustrations, not test references (tests/ui/snapshots are those).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startSimulator, REPO } from '../e2e/lib/simulator.mjs';
import { installHost, addKey, missingArtifacts, EXTENSION_DIR } from '../e2e/lib/host.mjs';
import { launchChromium } from '../e2e/lib/chromium.mjs';
import { groupBy4, stepAt } from '../e2e/lib/totp.mjs';

const say = (m) => console.log(`demo-images: ${m}`);
const missing = missingArtifacts();
if (missing) { console.error(`demo-images: missing ${missing}`); process.exit(1); }
if (process.env.EPROC_A2F_IN_KEYRING !== '1') { console.error('demo-images: run inside scripts/with-keyring.sh'); process.exit(2); }
process.env.LANGUAGE = 'pt_BR';
const OUT = join(REPO, 'docs', 'img');
mkdirSync(OUT, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'eproc-a2f-demo-img-'));
const sim = await startSimulator({ workDir: join(work, 'sim') });
const profile = join(work, 'profile');
installHost({ browser: 'chromium', dir: join(profile, 'NativeMessagingHosts'), workDir: join(work, 'host') });
const seeds = [['trf2', 'trf2', 'RJ123456'], ['trf4', 'jfpr', 'PR012345'], ['tjrs', 'tjrs-1g', 'RS098765']];
for (const [auth, target, user] of seeds) addKey(target, user, groupBy4(sim.addUser(auth, user)));
// `add` claimed the current step: the login waits for the next one (as tests/e2e/demo.mjs does).
const ready = (stepAt(Date.now() + 5000) + 1) * 30000;
await new Promise((r) => setTimeout(r, Math.max(0, ready - Date.now()) + 100));
const d = await launchChromium({ sim, extensionDir: EXTENSION_DIR, userDataDir: profile });
let ok = true;
try {
  await d.page.setViewportSize({ width: 900, height: 640 });
  await d.goto('https://eproc.trf2.jus.br/eproc/index.php');
  await d.type('#txtUsuario', 'RJ123456');
  await d.type('#pwdSenha', 'senha');
  await d.click('#sbmEntrar');
  await d.page.waitForFunction(() => document.documentElement.getAttribute('data-eproc-a2f-state') === 'filled', null, { timeout: 40000 });
  await d.page.waitForTimeout(400);
  await d.page.screenshot({ path: join(OUT, 'notice.png'), clip: { x: 0, y: 0, width: 900, height: 330 } });
  say(`wrote ${join(OUT, 'notice.png')}`);

  const p = await d.context.newPage();
  await p.setViewportSize({ width: 384, height: 600 });
  await p.goto(`chrome-extension://${d.extensionId}/popup.html`);
  await p.waitForFunction((n) => document.querySelectorAll('[data-role=code][data-code]').length >= n, seeds.length, { timeout: 20000 });
  await p.waitForTimeout(300);
  await p.locator('body').screenshot({ path: join(OUT, 'popup.png') });
  say(`wrote ${join(OUT, 'popup.png')}`);
} catch (e) {
  ok = false;
  console.error(`demo-images: ${e.stack ?? e}`);
} finally {
  await d.close();
  await sim.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
