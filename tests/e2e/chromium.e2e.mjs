// Real Chromium suite (run through run.mjs): the same scenarios in native mode (host + keyring)
// and in browser mode (WASM core + encrypted store); E2E_MODES=native|browser|all (run.mjs --mode).
import { join } from 'node:path';
import { describe } from 'node:test';
import { browserSuite, suiteModes } from './lib/suite.mjs';
import { launchChromium } from './lib/chromium.mjs';

for (const mode of suiteModes()) {
  describe(`chromium, ${mode} mode`, () => browserSuite({
    browser: 'chromium',
    mode,
    prefix: mode === 'native' ? 'C' : 'CB',
    // Chromium with a custom --user-data-dir reads <user-data-dir>/NativeMessagingHosts/.
    hostDir: (profile) => join(profile, 'NativeMessagingHosts'),
    launch: ({ sim, extensionDir, dir, log }) => launchChromium({ sim, extensionDir, userDataDir: dir, log }),
  }));
}
