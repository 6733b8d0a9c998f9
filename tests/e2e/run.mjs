#!/usr/bin/env node
// The one entry point of the end-to-end tests:
//   node tests/e2e/run.mjs [--browser chromium|firefox|all] [--mode native|browser|all] [--grep PATTERN] [--no-sim-test]
// Runs the simulator's own tests and the real-browser suites with node's test runner. It must run
// inside scripts/with-keyring.sh (private D-Bus session, unlocked gnome-keyring, temp HOME); when
// it is not, it re-executes itself through that script.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const args = process.argv.slice(2);
const val = (name, def) => { const i = args.indexOf(name); return i >= 0 && args[i + 1] ? args[i + 1] : def; };
const browser = val('--browser', process.env.E2E_BROWSER ?? 'all');
const mode = val('--mode', process.env.E2E_MODES ?? 'all');
const grep = val('--grep', null);
if (!['chromium', 'firefox', 'all'].includes(browser)) {
  console.error(`--browser must be chromium, firefox or all (got ${browser})`);
  process.exit(2);
}
if (!['native', 'browser', 'all'].includes(mode)) {
  console.error(`--mode must be native, browser or all (got ${mode})`);
  process.exit(2);
}

if (process.env.EPROC_A2F_IN_KEYRING !== '1') {
  const script = join(REPO, 'scripts', 'with-keyring.sh');
  if (!existsSync(script)) {
    console.error(`run inside a keyring session: ${script} is missing`);
    process.exit(2);
  }
  const child = spawn(script, [process.execPath, fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' });
  child.on('exit', (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
} else {
  if (!existsSync(join(HERE, 'node_modules', 'playwright-core'))) {
    console.error('tests/e2e/node_modules is missing: run `npm ci --prefix tests/e2e` first');
    process.exit(2);
  }
  const files = [];
  if (!args.includes('--no-sim-test')) files.push(join(HERE, 'sim.test.mjs'));
  if (browser === 'chromium' || browser === 'all') files.push(join(HERE, 'chromium.e2e.mjs'));
  if (browser === 'firefox' || browser === 'all') files.push(join(HERE, 'firefox.e2e.mjs'));
  // the migration kill matrix (browser mode -> host) runs in Chromium
  if ((browser === 'chromium' || browser === 'all') && mode !== 'native') files.push(join(HERE, 'migration.e2e.mjs'));
  // issue 11: a QR image imported in the options page fills a login (both browsers, both modes)
  files.push(join(HERE, 'import.e2e.mjs'));
  // issue 12: a Chromium login filled with a key held only in OpenBao (native mode)
  if ((browser === 'chromium' || browser === 'all') && mode !== 'browser') files.push(join(HERE, 'openbao.e2e.mjs'));
  const nodeArgs = ['--test', '--test-reporter=spec', '--test-concurrency=1'];
  if (grep) nodeArgs.push(`--test-name-pattern=${grep}`);
  const started = Date.now();
  const child = spawn(process.execPath, [...nodeArgs, ...files], { stdio: 'inherit', cwd: HERE, env: { ...process.env, E2E_MODES: mode, E2E_BROWSER: browser } });
  child.on('exit', (code, sig) => {
    console.log(`e2e: ${browser} (${mode} mode) finished in ${Math.round((Date.now() - started) / 1000)} s`);
    process.exit(code ?? (sig ? 1 : 0));
  });
}
