// The WebExtension API object: Firefox's promise-based `browser`, else Chrome's `chrome` (MV3
// returns promises too). Typed with @types/chrome; only APIs present in both are used.
declare const browser: typeof chrome | undefined;

export const ext: typeof chrome =
  typeof browser !== 'undefined' && browser && browser.runtime ? browser : chrome;
