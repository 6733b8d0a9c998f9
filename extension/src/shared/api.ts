// The WebExtension API object: Firefox's promise-based `browser`, else Chrome's `chrome` (MV3
// returns promises too). Typed with @types/chrome; only APIs present in both are used. Read
// through globalThis so that importing this module outside a browser (unit tests) does not throw.
const g = globalThis as unknown as { browser?: typeof chrome; chrome?: typeof chrome };

export const ext: typeof chrome = (g.browser && g.browser.runtime ? g.browser : g.chrome) as typeof chrome;
