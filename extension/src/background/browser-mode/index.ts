// Browser mode ("somente neste navegador"): keys in the extension's storage.local, encrypted with
// AES-GCM under a PBKDF2-SHA256 (600,000 iterations) key from the user's passphrase; codes from the
// WASM builds of the Rust core: the small login module on login pages, the full module (the same
// `handle` as the native host) for everything else, loaded on first use. See README.md here.

import { ext } from '../../shared/api';
import { BrowserSource, type BrowserSourceDeps } from './source';
import type { StorageAreaLike } from './store';
import { type WasmSource, loadCore, loadLogin } from './wasm';

export { BrowserSource, type BrowserSourceDeps, type ImportReport } from './source';
export { StoreError, BROWSER_MODE_ERROR_CODES, type BrowserModeErrorCode } from './errors';
export type { MigrationReport, MigrationJournal } from './migrate';
export { MIN_PASSPHRASE_LENGTH, DEFAULT_LOCK_AFTER_MINUTES } from './store';
export { PBKDF2_MIN_ITERATIONS } from './crypto';
export { decodeQrRgba, decodeQrImage, crossCheckKey, type KeyCheck } from './qr';
export { loadCore, loadLogin, loadQr, type CoreApi, type LoginApi, type WasmSource } from './wasm';

export interface CreateOptions extends Partial<BrowserSourceDeps> {
  /** The full core .wasm (bytes or URL); default: the extension's wasm/eproc_a2f_wasm_bg.wasm. */
  wasm?: WasmSource;
  /** The login .wasm; default: the extension's wasm/eproc_a2f_wasm_login_bg.wasm. */
  loginWasm?: WasmSource;
}

let shared: Promise<BrowserSource> | null = null;

/** The browser-mode code source. Without options: one instance per background context (the
 * extension calls this again after a settings change; the unlocked state is kept). */
export function createBrowserSource(opts?: CreateOptions): Promise<BrowserSource> {
  if (!opts && shared) return shared;
  const made = (async () => {
    // Only the login module now; the full one when a request needs it.
    const login = opts?.login ?? (await loadLogin(opts?.loginWasm));
    const storage = ext?.storage as unknown as { local: StorageAreaLike; session?: StorageAreaLike } | undefined;
    const local = opts?.local ?? storage?.local;
    if (!local) throw new Error('browser mode needs storage.local');
    return new BrowserSource({
      ...opts,
      login,
      ...(opts?.core ? {} : { loadCore: () => loadCore(opts?.wasm) }),
      local,
      session: opts?.session !== undefined ? opts.session : (storage?.session ?? null),
      // Protocol `message`s are Portuguese, as the native host's (docs/protocol.md); the extension
      // shows its own localized text by `code`.
      lang: opts?.lang ?? (() => 'pt-BR'),
    });
  })();
  if (!opts) {
    shared = made;
    made.catch(() => {
      shared = null;
    });
  }
  return made;
}
export { runBrowserModeCommand, type BrowserModeCommand, type BrowserModeReply } from './commands';
