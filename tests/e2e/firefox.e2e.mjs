// Real Firefox ESR suite (run through run.mjs).
import { test } from 'node:test';
import { browserSuite } from './lib/suite.mjs';
import { launchFirefox, geckodriverPath } from './lib/firefox.mjs';

if (!geckodriverPath()) {
  const why = 'geckodriver not installed (scripts/install-deps.sh: cargo install geckodriver)';
  if (process.env.CI === 'true' || process.env.E2E_REQUIRE_ARTIFACTS === '1') test('[firefox] geckodriver is installed', () => { throw new Error(why); });
  else test('[firefox] suite', { skip: why }, () => {});
} else {
  browserSuite({
    browser: 'firefox',
    prefix: 'F',
    // user scope: $HOME/.mozilla/native-messaging-hosts (HOME is the keyring session's temp home)
    hostDir: () => null,
    launch: ({ sim, extensionDir, dir, log }) => launchFirefox({ sim, extensionDir, profileDir: dir, log }),
  });
}
