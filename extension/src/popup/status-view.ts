// What the popup and the options page say about the code source, from a `status` reply: nothing
// when all is well (`attention: false`), else one state with one clear way out (a command to
// run, a passphrase to type, a page to open). Every store state of docs/protocol.md's `hello`,
// OpenBao's included (contract 3: `backend: "openbao"`, `address`).
import { errorMessageKey } from '../shared/errors';
import { t } from '../shared/i18n';
import type { StatusReply } from '../shared/messages';

/** The project's install page: what to install on each system. */
export const DOCS_URL = 'https://github.com/eproc-a2f/eproc-a2f#instalação';

export type StatusAction = 'retry' | 'unlock' | 'open-options' | 'lock';

export interface StatusView {
  attention: boolean;
  tone: 'ok' | 'warn' | 'error';
  /** A short name of the state, for tests and styling (`host_not_installed`, `keyring_locked`...). */
  state: string;
  title: string;
  text: string;
  /** A command line to copy. */
  command?: string;
  /** Link to the install documentation. */
  docs?: boolean;
  /** The main way out. */
  action?: StatusAction;
  /** A quieter second way (host missing in auto mode: browser mode, set up in the options). */
  alternative?: 'browser-mode';
  /** Browser mode's store state, when it is the source. */
  browser?: 'not_set_up' | 'locked' | 'unlocked';
}

interface Hello {
  ok: boolean;
  version?: string;
  store?: { state?: string; backend?: string; detail?: unknown; address?: string };
  error?: { code: string };
}

const view = (v: Omit<StatusView, 'attention'> & { attention?: boolean }): StatusView => ({ attention: true, ...v });

export function describeSource(s: StatusReply | null | undefined): StatusView {
  if (!s || !('hello' in s)) {
    return view({ tone: 'error', state: 'extension_error', title: t('statusErrorTitle'), text: t('err_extension_error'), action: 'retry' });
  }
  const hello = s.hello as unknown as Hello;
  if (!hello.ok) {
    const code = hello.error?.code ?? 'extension_error';
    switch (code) {
      case 'host_not_installed':
        return view({ tone: 'error', state: code, title: t('uiHostMissingTitle'), text: t('uiHostMissingText'), command: 'eproc-a2f install', docs: true, action: 'retry' });
      case 'host_forbidden':
        return view({ tone: 'error', state: code, title: t('uiHostForbiddenTitle'), text: t('uiHostForbiddenText'), command: 'eproc-a2f install', action: 'retry' });
      case 'host_exited':
      case 'host_timeout':
        return view({ tone: 'error', state: code, title: t('uiHostFailedTitle'), text: t('uiDoctorText'), command: 'eproc-a2f doctor', action: 'retry' });
      default:
        return view({ tone: 'error', state: code, title: t('statusErrorTitle'), text: t(errorMessageKey(code)), action: 'retry' });
    }
  }
  const store = hello.store ?? {};
  const state = store.state ?? 'ok';
  if (s.source === 'browser') {
    switch (state) {
      case 'locked':
        return view({ tone: 'warn', state: 'store_locked', title: t('uiStoreLockedTitle'), text: t('uiStoreLockedText'), action: 'unlock', browser: 'locked' });
      case 'not_set_up':
        // Auto mode came here because the program was not found: installing it is the way;
        // keeping the keys in the browser is the quieter second one.
        if (s.mode === 'auto') {
          return view({ tone: 'warn', state: 'host_not_installed', title: t('uiHostMissingTitle'), text: t('uiHostMissingText'), command: 'eproc-a2f install', docs: true, action: 'retry', alternative: 'browser-mode', browser: 'not_set_up' });
        }
        return view({ tone: 'warn', state: 'store_not_set_up', title: t('uiStoreNotSetUpTitle'), text: t('uiStoreNotSetUpText'), action: 'open-options', browser: 'not_set_up' });
      case 'error':
      case 'corrupt':
        return view({ tone: 'error', state: 'store_corrupt', title: t('uiStoreCorruptTitle'), text: t('err_store_corrupt'), action: 'open-options' });
      default:
        return { attention: false, tone: 'ok', state: 'unlocked', title: t('uiLockedHere'), text: '', action: 'lock', browser: 'unlocked' };
    }
  }
  const address = String(store.address ?? (typeof store.detail === 'string' ? store.detail : '') ?? '');
  switch (state) {
    case 'ok':
      return { attention: false, tone: 'ok', state: 'ok', title: t('statusSourceNative', [String(hello.version ?? '?')]), text: '' };
    case 'locked':
      return view({ tone: 'warn', state: 'keyring_locked', title: t('uiKeyringLockedTitle'), text: t('uiKeyringLockedText'), action: 'retry' });
    case 'unavailable':
      return view({ tone: 'error', state: 'keyring_unavailable', title: t('uiKeyringUnavailableTitle'), text: t('uiDoctorText'), command: 'eproc-a2f doctor', action: 'retry' });
    case 'sealed':
      return view({ tone: 'error', state, title: t('uiBaoSealedTitle'), text: t('uiBaoSealedText', [address]), action: 'retry' });
    case 'unreachable':
      return view({ tone: 'error', state, title: t('uiBaoUnreachableTitle'), text: t('uiBaoUnreachableText', [address]), action: 'retry' });
    case 'token_expired':
      return view({ tone: 'warn', state, title: t('uiBaoTokenTitle'), text: t('uiBaoTokenText'), command: 'eproc-a2f store login', action: 'retry' });
    case 'permission_denied':
      return view({ tone: 'error', state, title: t('uiBaoPermissionTitle'), text: t('uiBaoPermissionText', [address]), action: 'retry' });
    case 'tls_error':
      return view({ tone: 'error', state, title: t('uiBaoTlsTitle'), text: t('uiBaoTlsText', [address]), action: 'retry' });
    case 'error':
      return view({ tone: 'error', state: 'keyring_error', title: t('uiKeyringErrorTitle'), text: t('uiDoctorText'), command: 'eproc-a2f doctor', action: 'retry' });
    default:
      return view({ tone: 'error', state, title: t('uiStoreUnknownTitle'), text: t('uiDoctorText'), command: 'eproc-a2f doctor', action: 'retry' });
  }
}

/** The small line under the status: where the keys are and the store's state, generically
 * (`store.backend`, `store.state` of `hello`: "secret-service", "browser", "openbao"...). Null when
 * the source did not answer. */
export function storeLine(s: StatusReply | null | undefined): string | null {
  if (!s || !('hello' in s)) return null;
  const hello = s.hello as unknown as Hello;
  if (!hello.ok || !hello.store || typeof hello.store.backend !== 'string' || hello.store.backend === '') return null;
  return t('uiStoreBackend', [hello.store.backend, String(hello.store.state ?? 'ok')]);
}
