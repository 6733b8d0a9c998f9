// Error codes of browser mode, beyond the protocol's own (docs/protocol.md). They come back in
// protocol answers (`{ok: false, error: {code, message, detail}}`) from `request()`, and as
// `StoreError` (with the same `code`) from setup/unlock/import/export/migration.

export const BROWSER_MODE_ERROR_CODES = [
  'store_not_set_up', // no passphrase was set yet: offer setup
  'store_locked', // set up but locked (idle timeout, browser restart, lock()): ask for the passphrase
  'wrong_passphrase', // unlock/import with a passphrase that is not the store's
  'store_corrupt', // the stored data cannot be read; nothing was changed or deleted
  'store_exists', // setup() on a store that is already set up
  'weak_passphrase', // fewer than MIN_PASSPHRASE_LENGTH characters
  'export_disabled', // the organisation's policy disables export
  'import_invalid', // the file is not an eproc-a2f export, or it was altered
  'import_weak_kdf', // the file's PBKDF2 iteration count is under 600,000: refused
  'storage_error', // browser storage refused a write (quota); the previous data is intact
  'migration_failed', // the native host refused or did not answer; keys stay in the browser
] as const;

export type BrowserModeErrorCode = (typeof BROWSER_MODE_ERROR_CODES)[number];

const MESSAGES: Record<BrowserModeErrorCode, [pt: string, en: string]> = {
  store_not_set_up: [
    'O modo navegador ainda não foi configurado: defina uma frase-senha nas opções da extensão.',
    'Browser mode is not set up yet: choose a passphrase in the extension options.',
  ],
  store_locked: [
    'As chaves guardadas neste navegador estão bloqueadas: digite a frase-senha para desbloquear.',
    'The keys stored in this browser are locked: enter the passphrase to unlock them.',
  ],
  wrong_passphrase: ['Frase-senha incorreta.', 'Wrong passphrase.'],
  store_corrupt: [
    'Os dados guardados neste navegador estão danificados e não puderam ser lidos. Nada foi apagado; importe o arquivo exportado.',
    'The data stored in this browser is damaged and could not be read. Nothing was deleted; import your exported file.',
  ],
  store_exists: ['O modo navegador já está configurado.', 'Browser mode is already set up.'],
  weak_passphrase: ['A frase-senha deve ter pelo menos 8 caracteres.', 'The passphrase must have at least 8 characters.'],
  export_disabled: ['A exportação foi desativada pela sua organização.', 'Export is disabled by your organisation.'],
  import_invalid: [
    'O arquivo não é uma exportação do eproc-a2f ou foi alterado.',
    'The file is not an eproc-a2f export or it was altered.',
  ],
  import_weak_kdf: [
    'O arquivo usa uma proteção fraca para a frase-senha (menos de 600.000 iterações do PBKDF2) e não foi importado. Exporte de novo com uma versão atual do eproc-a2f.',
    'The file protects its passphrase too weakly (fewer than 600,000 PBKDF2 iterations) and was not imported. Export it again with a current version of eproc-a2f.',
  ],
  storage_error: [
    'O navegador não conseguiu gravar os dados. Os dados anteriores continuam intactos.',
    'The browser could not save the data. The previous data is intact.',
  ],
  migration_failed: [
    'Não foi possível mover as chaves para o aplicativo instalado. Elas continuam neste navegador.',
    'The keys could not be moved to the installed app. They are still in this browser.',
  ],
};

export function isEnglish(lang: string): boolean {
  return lang.trim().toLowerCase().startsWith('en');
}

export function messageFor(code: BrowserModeErrorCode, lang: string): string {
  const m = MESSAGES[code];
  return isEnglish(lang) ? m[1] : m[0];
}

/** A browser-mode failure with a stable `code`. `detail` is technical and never carries a key. */
export class StoreError extends Error {
  constructor(public readonly code: BrowserModeErrorCode, public readonly detail = '') {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'StoreError';
  }
}
