// Error codes shown to people: the protocol's codes (docs/protocol.md) plus the extension's own
// transport/setting codes. Each maps to a locale message `err_<code>`.

export const PROTOCOL_ERROR_CODES = [
  'invalid_json', 'invalid_request', 'unknown_type', 'message_too_large', 'forbidden_caller',
  'unknown_site', 'no_account', 'unknown_account', 'choose_account', 'invalid_key', 'key_exists',
  'confirm_required', 'keyring_unavailable', 'keyring_locked', 'keyring_error', 'secret_missing',
  'index_corrupt', 'storage_error', 'busy', 'internal_error',
  // issue 10: codes withheld after the court refused them; `restore` with no kept key
  'code_withheld', 'nothing_to_restore',
] as const;

/** Codes the extension itself produces when no protocol answer could be had. */
export const EXTENSION_ERROR_CODES = [
  'host_not_installed', // the native host is not registered for this browser
  'host_forbidden', // the host manifest does not allow this extension
  'host_exited', // the host started and died
  'host_timeout', // no answer in time
  'browser_mode_unavailable', // browser mode missing from this build or not ready
  'browser_mode_forbidden', // the organisation forbids keys in the browser
  'not_top_frame', // a request from a frame that is not the tab's top frame
  'page_changed', // the tab navigated while the request was made
  'extension_error', // anything else (a bug)
] as const;

/** Browser mode's store codes (src/background/browser-mode/README.md). */
export const BROWSER_MODE_CODES = [
  'store_not_set_up', 'store_locked', 'wrong_passphrase', 'store_corrupt', 'store_exists', 'weak_passphrase',
  'export_disabled', 'import_invalid', 'import_weak_kdf', 'migration_failed',
] as const;

export type ErrorCode =
  | (typeof PROTOCOL_ERROR_CODES)[number]
  | (typeof EXTENSION_ERROR_CODES)[number]
  | (typeof BROWSER_MODE_CODES)[number];

export const ALL_ERROR_CODES: readonly string[] = [...PROTOCOL_ERROR_CODES, ...EXTENSION_ERROR_CODES, ...BROWSER_MODE_CODES];

/** Locale key of an error code; unknown codes fall back to the generic text. */
export function errorMessageKey(code: string): string {
  return ALL_ERROR_CODES.includes(code) ? `err_${code}` : 'err_unknown';
}

/** Maps a browser's native-messaging failure text (Chrome and Firefox wordings) to a code. */
export function classifyNativeError(message: string | undefined | null): ErrorCode {
  const m = (message ?? '').toLowerCase();
  if (m.includes('not found') || m.includes('no such native application') || m.includes('is not registered')) {
    return 'host_not_installed';
  }
  if (m.includes('forbidden') || m.includes('not allowed') || m.includes('permission')) return 'host_forbidden';
  if (m.includes('timed out') || m.includes('timeout')) return 'host_timeout';
  return 'host_exited';
}
