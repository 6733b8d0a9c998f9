// Describes the code source's state for people (popup and options), from a `status` reply.
import { errorMessageKey } from './errors';
import { t } from './i18n';
import type { StatusReply } from './messages';

export interface StatusView {
  tone: 'ok' | 'warn' | 'error';
  title: string;
  text: string;
  /** Shown as a command line the user can copy (install help). */
  command?: string;
  /** Browser mode's store state, when it is the source. */
  browser?: 'not_set_up' | 'locked' | 'unlocked';
}

export function describeStatus(s: StatusReply): StatusView {
  const hello = s.hello as { ok: boolean; version?: string; store?: { state?: string; backend?: string }; error?: { code: string } };
  if (!hello.ok) {
    const code = hello.error?.code ?? 'extension_error';
    const view: StatusView = { tone: 'error', title: t('statusErrorTitle'), text: t(errorMessageKey(code)) };
    if (code === 'host_not_installed' || code === 'host_forbidden') view.command = 'eproc-a2f install';
    return view;
  }
  const where = s.source === 'browser' ? t('statusSourceBrowser') : t('statusSourceNative', [String(hello.version ?? '?')]);
  const state = hello.store?.state ?? 'ok';
  if (s.source === 'browser') {
    if (state === 'locked') return { tone: 'warn', title: where, text: t('err_store_locked'), browser: 'locked' };
    if (state === 'not_set_up') {
      // In auto mode the host was not found: installing it is the other way.
      const v: StatusView = { tone: 'warn', title: where, text: t('err_store_not_set_up'), browser: 'not_set_up' };
      if (s.mode === 'auto') v.command = 'eproc-a2f install';
      return v;
    }
    if (state === 'error') return { tone: 'error', title: where, text: t('err_store_corrupt') };
    return { tone: 'ok', title: where, text: t('statusReady'), browser: 'unlocked' };
  }
  if (state === 'locked') return { tone: 'warn', title: where, text: t('err_keyring_locked') };
  if (state === 'unavailable') return { tone: 'error', title: where, text: t('err_keyring_unavailable') };
  if (state === 'error') return { tone: 'error', title: where, text: t('err_keyring_error') };
  if (hello.store?.backend === 'openbao') {
    const address = String((hello.store as { address?: string; detail?: unknown }).address ?? (hello.store as { detail?: unknown }).detail ?? '');
    if (state !== 'ok') return { tone: 'error', title: where, text: t('err_store_error') + (address ? ` (${address})` : '') };
    return { tone: 'ok', title: where, text: t('uiBaoOkText', [address]) };
  }
  return { tone: 'ok', title: where, text: t('statusReady') };
}
