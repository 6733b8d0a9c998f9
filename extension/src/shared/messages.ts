// Messages between the extension's contexts (runtime.sendMessage). Content scripts never send a
// URL: the background takes the page URL from the sender as the browser reports it.
import type { EffectiveSettings, ManagedSettings, UserSettings } from './settings';

/** Browser-mode actions from the popup/options (forwarded to the browser-mode module). */
export type BrowserModeCommand =
  | { op: 'state' }
  | { op: 'setup'; passphrase: string }
  | { op: 'unlock'; passphrase: string }
  | { op: 'lock' }
  | { op: 'export' }
  | { op: 'import'; text: string; passphrase: string }
  | { op: 'migrate' }
  | { op: 'pending-migration' }
  | { op: 'reset-corrupt' };

/** From a content script (top frame of a registry page). */
export type ContentRequest =
  | { kind: 'code'; user?: string }
  | { kind: 'remember-user'; user: string }
  | { kind: 'recall-user' }
  | {
      kind: 'enroll';
      user: string;
      secret: string;
      label?: string;
      algorithm?: string;
      digits?: number;
      period?: number;
      replace?: boolean;
    }
  | { kind: 'page-settings' }
  | { kind: 'warm' }
  | { kind: 'check-key'; qr: string; shown: string }
  /** The store is locked: open the extension's own unlock window (the passphrase is never typed
   * into the court's page, whose scripts see its key events). */
  | { kind: 'open-unlock' };

/** From the background to a content script. */
export type ContentNotice =
  /** The store was unlocked after this tab asked to unlock it: ask for the code again. */
  { kind: 'store-unlocked' };

/** The background's reading of an enrollment page's QR code against the key text. */
export interface KeyCheckReply {
  ok: boolean;
  /** False when QR decoding is not part of this build. */
  available: boolean;
  match?: boolean;
  shown?: string | null;
  qr?: { secret: string; algorithm: string; digits: number; period: number } | null;
}

/** From the popup or the options page (extension pages). */
export type PageRequest =
  | { kind: 'status'; retry?: boolean }
  | { kind: 'accounts' }
  | { kind: 'systems' }
  | { kind: 'peek'; authenticator: string; user: string }
  | { kind: 'remove'; authenticator: string; user: string }
  | { kind: 'label'; authenticator: string; user: string; label: string }
  | { kind: 'get-settings' }
  | { kind: 'set-settings'; patch: Partial<UserSettings> }
  | { kind: 'browser-mode'; command: BrowserModeCommand }
  /** Options page (issue 11): `import_preview` / `import_apply` / `export` of docs/protocol.md,
   * sent to the code source in use (the host, or browser mode's full WASM module); `enroll` of a
   * pasted key, with the chosen court's application address as its `url`. */
  | { kind: 'import'; request: ImportRequest };

/** The protocol requests the options page's import and export may send (IMPORT_TYPES). */
export interface ImportRequest {
  type: 'import_preview' | 'import_apply' | 'export' | 'enroll';
  [field: string]: unknown;
}

export const IMPORT_TYPES: ReadonlySet<string> = new Set(['import_preview', 'import_apply', 'export', 'enroll']);

export type ExtRequest = ContentRequest | PageRequest;

/** Settings a content script needs. */
export interface PageSettings {
  autoSubmit: boolean;
  disableExport: boolean;
}

export interface SettingsReply {
  user: UserSettings;
  managed: ManagedSettings;
  effective: EffectiveSettings;
  /** Content-script patterns of the policy's extraSystems and whether their hosts are granted. */
  extra: { patterns: string[]; granted: boolean };
}

export interface StatusReply {
  /** The effective mode setting and the source actually in use. */
  mode: string;
  source: 'native' | 'browser' | null;
  /** The `hello` answer (ok or error, including the extension's transport codes). */
  hello: Record<string, unknown>;
}
