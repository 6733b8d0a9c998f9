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

/** The protocol's rejection record as the code source computes it (docs/protocol.md, issue 10):
 * after `until_ms` it no longer applies. `fill: false` → the source withholds codes
 * (`code_withheld`). */
export interface Rejection {
  count: number;
  at_ms: number;
  until_ms: number;
  auto_submit: boolean;
  fill: boolean;
}

/** Whether a rejection record still applies at `now` (ms): after `until_ms` it does not. */
export function rejectionActive(r: unknown, now: number): r is Rejection {
  if (!r || typeof r !== 'object') return false;
  const until = (r as Rejection).until_ms;
  return typeof until === 'number' && until > now;
}

/** The court clock as the background estimates it from the `Date` headers of the court's pages:
 * `offsetMs` = court time minus computer time (0 unless `state` is `corrected`). */
export interface ClockInfo {
  offsetMs: number;
  state: 'none' | 'corrected' | 'absurd';
}

/** From a content script (top frame of a registry page). */
export type ContentRequest =
  /** `ahead: true` only at a real password submit (eproc `#sbmEntrar` or Keycloak `#kc-login` with
   * user and password typed): the background asks the source and holds the answer for this tab
   * (it survives the navigation to the code page). A plain `code` from the same tab, same
   * authenticator and user is answered from the held code while ≥ 5 s of it are left (court
   * time), otherwise with a new one; it waits for an `ahead` of the same tab still in flight. */
  | { kind: 'code'; user?: string; ahead?: boolean }
  /** The court's answer to a submitted code: `rejected` (rejection markup seen; `evidence` says
   * which selector/text) or `accepted` (a post-login application page). Forwarded to the source
   * as `login_result` only when this tab was handed a code in the last 10 min, at most once per
   * handed code. Answer: `{ ok: true, forwarded: boolean, rejection?: Rejection | null }`. */
  | { kind: 'login-result'; outcome: 'rejected' | 'accepted'; user?: string; evidence: string }
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

/** The background's answer to a content `code`: the source's protocol answer (ok or error, e.g.
 * `code_withheld` as is) plus these two fields. `autoSubmit` = the user's/managed setting AND no
 * active rejection (content still submits only on a known form, after DOMContentLoaded showed no
 * rejection markup). */
export type CodeReply = Record<string, unknown> & {
  ok: boolean;
  autoSubmit: boolean;
  clock: ClockInfo;
  rejection?: Rejection | null;
};

/** From the background to a content script. */
export type ContentNotice =
  /** The store was unlocked after this tab asked to unlock it: ask for the code again. */
  | { kind: 'store-unlocked' }
  /** The account's rejection state changed (after a forwarded `login-result`). */
  | { kind: 'login-state'; rejection: Rejection | null };

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
  /** Popup "Já entrei / liberar": `login_result` `reset` for that account. */
  | { kind: 'login-reset'; authenticator: string; user: string }
  /** Options "Restaurar chave anterior": protocol `restore`. */
  | { kind: 'restore'; authenticator: string; user: string }
  /** The court clock per registry host, for the popup (`host` given: that host only). */
  | { kind: 'clock'; host?: string }
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

/** The background's clock estimate for one court host. */
export interface ClockReply {
  host: string | null;
  clock: ClockInfo;
  /** The estimate even when not applied (state none/absurd), ms; null without samples. */
  estimateMs: number | null;
  samples: number;
}

export interface StatusReply {
  /** The effective mode setting and the source actually in use. */
  mode: string;
  source: 'native' | 'browser' | null;
  /** The `hello` answer (ok or error, including the extension's transport codes). */
  hello: Record<string, unknown>;
}
