// Adapter around the browser-mode source (src/background/browser-mode/, WASM core + encrypted
// storage, owned by the browser-mode work). The build resolves `@browser-mode` to that module when
// it exists and to ./browser-mode-fallback.ts otherwise (see scripts/build.mjs and tsconfig paths),
// so the extension builds either way. Optional extras of the source are used when present.
import * as browserMode from '@browser-mode';
import type { CodeSource, ProtocolAnswer, ProtocolRequest } from './sources/types';
import type { RegistrySystem } from '../shared/settings';

export interface BrowserSourceOptions {
  extraSystems: RegistrySystem[];
  lockAfterMinutes: number | null;
  disableExport: boolean;
}

type Extras = Partial<{
  setExtraSystems(systems: RegistrySystem[]): unknown;
  setLockAfterMinutes(minutes: number | null): unknown;
  setPolicy(policy: BrowserSourceOptions): unknown;
}>;

function unavailable(detail: string): CodeSource {
  return {
    kind: 'browser',
    async request(_req: ProtocolRequest): Promise<ProtocolAnswer> {
      return {
        id: null,
        ok: false,
        error: { code: 'browser_mode_unavailable', message: 'O modo navegador não está disponível.', detail },
      };
    },
    close() {},
  };
}

export async function openBrowserSource(opts: BrowserSourceOptions): Promise<CodeSource> {
  const create = (browserMode as unknown as { createBrowserSource?: () => Promise<CodeSource> }).createBrowserSource;
  if (typeof create !== 'function') return unavailable('createBrowserSource is not exported');
  let src: CodeSource & Extras;
  try {
    src = (await create()) as CodeSource & Extras;
  } catch (e) {
    return unavailable(e instanceof Error ? e.message : String(e));
  }
  try {
    // setPolicy covers the other two; they are for a source without it.
    if (typeof src.setPolicy === 'function') {
      await src.setPolicy(opts);
    } else {
      if (typeof src.setExtraSystems === 'function') await src.setExtraSystems(opts.extraSystems);
      if (typeof src.setLockAfterMinutes === 'function') await src.setLockAfterMinutes(opts.lockAfterMinutes);
    }
  } catch {
    /* extras are best effort */
  }
  return src;
}

import type { BrowserModeCommand, KeyCheckReply } from '../shared/messages';

// `reset-corrupt` (after store_corrupt: the damaged data is moved aside, never deleted) is what the
// options page offers then; without it a damaged store could never be set up again.
export const BROWSER_MODE_OPS: ReadonlySet<string> = new Set(['state', 'setup', 'unlock', 'lock', 'export', 'import', 'migrate', 'pending-migration', 'reset-corrupt']);
const OPS = BROWSER_MODE_OPS;

/** Runs a popup/options browser-mode action (setup, unlock, lock, export, import, migrate, reset-corrupt). */
export async function browserModeCommand(
  cmd: BrowserModeCommand,
  opts: BrowserSourceOptions,
  native: CodeSource | null,
  lang: string,
): Promise<Record<string, unknown>> {
  const run = (browserMode as unknown as {
    runBrowserModeCommand?: (src: CodeSource, cmd: BrowserModeCommand, native?: CodeSource | null, lang?: string) => Promise<Record<string, unknown>>;
  }).runBrowserModeCommand;
  if (!cmd || typeof cmd !== 'object' || !OPS.has((cmd as { op?: string }).op ?? '')) {
    return { ok: false, error: { code: 'invalid_request', message: '' } };
  }
  if (typeof run !== 'function') return { ok: false, error: { code: 'browser_mode_unavailable', message: '' } };
  if (cmd.op === 'export' && opts.disableExport) return { ok: false, error: { code: 'export_disabled', message: '' } };
  const src = await openBrowserSource(opts);
  return run(src, cmd, native, lang);
}

/** Decodes an enrollment page's QR image and compares it with the key text (browser-mode module's
 * QR helpers, used in both modes). Null when this build has no QR decoding or it failed. */
export async function checkEnrollmentKey(qrDataUrl: string, shown: string): Promise<KeyCheckReply> {
  const m = browserMode as unknown as {
    decodeQrImage?: (url: string) => Promise<string[]>;
    crossCheckKey?: (texts: string[], shown: string) => Promise<{ match: boolean; shown: string | null; qr: KeyCheckReply['qr'] }>;
  };
  if (typeof m.decodeQrImage !== 'function' || typeof m.crossCheckKey !== 'function') return { ok: true, available: false };
  if (typeof qrDataUrl !== 'string' || !qrDataUrl.startsWith('data:image/')) return { ok: false, available: true };
  try {
    const texts = await m.decodeQrImage(qrDataUrl);
    const c = await m.crossCheckKey(texts, String(shown ?? ''));
    return { ok: true, available: true, match: c.match, shown: c.shown, qr: c.qr ? { secret: c.qr.secret, algorithm: c.qr.algorithm, digits: c.qr.digits, period: c.qr.period } : null };
  } catch {
    return { ok: false, available: true };
  }
}
