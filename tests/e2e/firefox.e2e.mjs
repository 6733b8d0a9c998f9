// Real Firefox ESR suite (run through run.mjs).
import { test } from 'node:test';
import { browserSuite } from './lib/suite.mjs';
import { launchFirefox, geckodriverPath } from './lib/firefox.mjs';

if (!geckodriverPath()) {
  test('[firefox] suite', { skip: 'geckodriver not installed (scripts/install-deps.sh: cargo install geckodriver)' }, () => {});
} else {
  browserSuite({
    browser: 'firefox',
    prefix: 'F',
    // user scope: $HOME/.mozilla/native-messaging-hosts (HOME is the keyring session's temp home)
    hostDir: () => null,
    launch: ({ sim, extensionDir, dir, log }) => launchFirefox({ sim, extensionDir, profileDir: dir, log }),
  });
}
