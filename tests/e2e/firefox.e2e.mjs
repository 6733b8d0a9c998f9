// Real Firefox ESR suite (run through run.mjs): the same scenarios in native and browser mode
// (E2E_MODES=native|browser|all, run.mjs --mode).
import { describe, test } from 'node:test';
import { browserSuite, suiteModes } from './lib/suite.mjs';
import { launchFirefox, geckodriverPath } from './lib/firefox.mjs';

if (!geckodriverPath()) {
  const why = 'geckodriver not installed (scripts/install-deps.sh: cargo install geckodriver)';
  if (process.env.CI === 'true' || process.env.E2E_REQUIRE_ARTIFACTS === '1') test('[firefox] geckodriver is installed', () => { throw new Error(why); });
  else test('[firefox] suite', { skip: why }, () => {});
} else {
  for (const mode of suiteModes()) {
    describe(`firefox, ${mode} mode`, () => browserSuite({
      browser: 'firefox',
      mode,
      prefix: mode === 'native' ? 'F' : 'FB',
      // user scope: $HOME/.mozilla/native-messaging-hosts (HOME is the keyring session's temp home)
      hostDir: () => null,
      launch: ({ sim, extensionDir, dir, log }) => launchFirefox({ sim, extensionDir, profileDir: dir, log }),
    }));
  }
}
