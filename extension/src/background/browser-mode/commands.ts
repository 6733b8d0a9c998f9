// One entry point for the popup/options pages' browser-mode actions, so that the background's
// message handler only forwards them: `runBrowserModeCommand(source, msg.command, native)`.
// Replies never reject and never carry a key or the passphrase.

import type { CodeSource } from '../sources/types';
import { type BrowserModeErrorCode, StoreError, messageFor } from './errors';
import type { BrowserSource } from './source';

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

export type BrowserModeReply =
  | ({ ok: true } & Record<string, unknown>)
  | { ok: false; error: { code: string; message: string; detail?: string } };

export async function runBrowserModeCommand(
  src: BrowserSource,
  cmd: BrowserModeCommand,
  native?: CodeSource | null,
  lang = 'pt-BR',
): Promise<BrowserModeReply> {
  try {
    switch (cmd.op) {
      case 'state':
        return { ok: true, state: await src.state() };
      case 'setup':
        await src.setup(String(cmd.passphrase ?? ''));
        return { ok: true, state: 'unlocked' };
      case 'unlock':
        await src.unlock(String(cmd.passphrase ?? ''));
        return { ok: true, state: 'unlocked' };
      case 'lock':
        await src.lock();
        return { ok: true, state: 'locked' };
      case 'export':
        return { ok: true, file: await src.exportEncrypted(), filename: 'eproc-a2f-chaves.json' };
      case 'import':
        return { ok: true, report: await src.importEncrypted(String(cmd.text ?? ''), String(cmd.passphrase ?? '')) };
      case 'migrate':
        if (!native) throw new StoreError('migration_failed', 'the native host is not available');
        return { ok: true, report: await src.migrateToNative(native) };
      case 'reset-corrupt':
        return { ok: true, quarantined: await src.resetCorrupt(), state: 'not_set_up' };
      case 'pending-migration':
        return { ok: true, journal: await src.pendingMigration() };
      default:
        return { ok: false, error: { code: 'invalid_request', message: 'unknown browser-mode command' } };
    }
  } catch (e) {
    if (e instanceof StoreError) {
      return { ok: false, error: { code: e.code, message: messageFor(e.code as BrowserModeErrorCode, lang), ...(e.detail ? { detail: e.detail } : {}) } };
    }
    return { ok: false, error: { code: 'extension_error', message: e instanceof Error ? e.message : String(e) } };
  }
}
