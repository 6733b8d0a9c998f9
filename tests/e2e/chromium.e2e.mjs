// Real Chromium suite (run through run.mjs).
import { join } from 'node:path';
import { browserSuite } from './lib/suite.mjs';
import { launchChromium } from './lib/chromium.mjs';

browserSuite({
  browser: 'chromium',
  prefix: 'C',
  // Chromium with a custom --user-data-dir reads <user-data-dir>/NativeMessagingHosts/.
  hostDir: (profile) => join(profile, 'NativeMessagingHosts'),
  launch: ({ sim, extensionDir, dir, log }) => launchChromium({ sim, extensionDir, userDataDir: dir, log }),
});
