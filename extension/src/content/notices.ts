// The page's testing hooks on <html> and the in-page notices (panels: ui.ts) of the login flow:
//   data-eproc-a2f-state     filled|waiting|choose|no-account|error|rejected|withheld|enroll-offered|enroll-saved
//   data-eproc-a2f-filled-ms ms from the code field being seen (observer callback) to the fill
//   data-eproc-a2f-wait-ms   the fresh-code wait included in filled-ms (0 when none)
//   data-eproc-a2f-error     the error code of the last failure
//   data-eproc-a2f-submitted automatic submits on this page (0 or 1)
//   data-eproc-a2f-rejection the evidence of the court's rejection seen on this page
//   data-eproc-a2f-clock     the court clock's state given with the code (none|corrected|absurd)
//   data-eproc-a2f-key-check enrollment: match|mismatch|no-otpauth|unavailable|failed|no-qr
import { errorMessageKey } from '../shared/errors';
import { post } from './channel';
import { pageLang, t } from './page-i18n';
import { closePanel, showPanel, textBlock } from './ui';

export type State =
  | 'filled' | 'waiting' | 'choose' | 'no-account' | 'error' | 'rejected' | 'withheld' | 'enroll-offered' | 'enroll-saved';

export function setAttr(name: string, value: string): void {
  document?.documentElement?.setAttribute(`data-eproc-a2f-${name}`, value);
}

export function state(): string | null {
  return document?.documentElement?.getAttribute('data-eproc-a2f-state') ?? null;
}

export function setState(s: State, error?: string): void {
  setAttr('state', s);
  if (error) setAttr('error', error);
}

/** What to do when the background says the browser store was unlocked (set while the page shows
 * the store_locked notice). */
let retryAfterUnlock: (() => void) | null = null;

export function takeUnlockRetry(): (() => void) | null {
  const r = retryAfterUnlock;
  retryAfterUnlock = null;
  if (r) closePanel('error', { silent: true });
  return r;
}

export function showError(code: string, detail?: string, retry?: () => void): void {
  setState('error', code);
  const text = t(errorMessageKey(code));
  const buttons = [];
  retryAfterUnlock = null;
  if (code === 'store_locked' && retry) {
    // The passphrase is typed in the extension's own window, never in this page (its scripts see
    // every key event); the code is filled as soon as the store is unlocked there.
    retryAfterUnlock = retry;
    buttons.push({ label: t('unlockOnPage'), action: 'unlock', primary: true, onClick: () => post({ kind: 'open-unlock' }) });
  }
  if (retry) buttons.push({ label: t('retry'), action: 'retry', onClick: () => { retryAfterUnlock = null; closePanel('error', { silent: true }); retry(); } });
  showPanel({
    name: 'error', tone: 'error', title: t('noticeErrorTitle'), text, closeLabel: t('close'),
    ...(detail ? { body: [textBlock(detail, 'muted')] } : {}),
    ...(buttons.length ? { buttons } : {}),
    onClose: () => { retryAfterUnlock = null; },
  });
}

export function showNoAccount(): void {
  setState('no-account', 'no_account');
  showPanel({
    name: 'no-account', tone: 'info', title: t('noAccountTitle'), text: t('noAccountText'),
    body: [textBlock(t('noAccountCli'), 'muted')], closeLabel: t('close'),
  });
}

export function showWaiting(waitMs: number): void {
  setState('waiting');
  showPanel({
    name: 'waiting', tone: 'info', title: t('waitingTitle'),
    text: t('waitingText', [String(Math.ceil(waitMs / 1000))]), closeLabel: t('close'),
  });
}

export function showFilled(who: string, clockAbsurd: boolean): void {
  if (clockAbsurd) {
    // The court's Date header is absurd: no correction was made; say so (it may explain a refusal).
    showPanel({
      name: 'clock', tone: 'warn', title: t('filledTitle'), text: t('filledText', [who]),
      body: [textBlock(t('clockAbsurdText'))], closeLabel: t('close'),
    });
    return;
  }
  showPanel({ name: 'filled', tone: 'ok', title: t('filledTitle'), text: t('filledText', [who]), autoCloseMs: 4000, closeLabel: t('close') });
}

/** "HH:MM" of a time in ms, in the page's language. */
export function clockTime(ms: number): string {
  const lang = pageLang(document) === 'en' ? 'en-GB' : 'pt-BR';
  try {
    return new Date(ms).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
  } catch {
    return new Date(ms).toISOString().slice(11, 16);
  }
}

function untilText(untilMs: number | null | undefined): string {
  return typeof untilMs === 'number' && Number.isFinite(untilMs) && untilMs > Date.now() ? `\n${t('rejectedUntil', [clockTime(untilMs)])}` : '';
}

export type RejectionNotice =
  /** The court's rejection markup was seen on this page. */
  | 'rejected'
  /** The source withholds codes for this account (`code_withheld`): nothing filled. */
  | 'withheld'
  /** A code filled after a recent rejection: not submitted automatically. */
  | 'refilled';

/** What to check after the court refused a code, and that the extension will not submit
 * automatically again until a login by hand succeeds (until `untilMs` when known). */
export function showRejection(kind: RejectionNotice, untilMs?: number | null, waitMs = 0): void {
  const title = kind === 'withheld' ? t('withheldTitle') : kind === 'refilled' ? t('refilledTitle') : t('rejectedTitle');
  const lead = kind === 'withheld' ? t('withheldText') : kind === 'refilled' ? t('refilledText') : t('rejectedText');
  showPanel({
    name: kind === 'withheld' ? 'withheld' : kind === 'refilled' ? 'refilled' : 'rejected',
    tone: kind === 'refilled' ? 'warn' : 'error',
    title,
    text: lead,
    body: [
      textBlock(t('rejectedCheck')),
      textBlock(t('rejectedNoAuto') + untilText(untilMs), 'muted'),
      // The one more fill waits for a new step: said inside this notice, which must stay visible.
      ...(waitMs > 0 ? [textBlock(t('waitingText', [String(Math.ceil(waitMs / 1000))]), 'muted')] : []),
    ],
    closeLabel: t('close'),
  });
}
