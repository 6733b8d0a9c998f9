// The enrollment helper: on a page that shows a new key (eproc's own enrollment, Keycloak's
// configure-OTP), offer to save it; the form's submit is blocked until the key is stored (or the
// user says "not now"), the QR code is cross-checked by the background, the backup (key text +
// QR for a phone app) is offered unless the policy forbids it, and an institutional e-mail is
// warned about before the form is sent.
import { pickUser } from '../shared/choose';
import { errorMessageKey } from '../shared/errors';
import type { KeyCheckReply, PageSettings } from '../shared/messages';
import { send, settings } from './channel';
import { type EnrollmentPage, groupKey, isInstitutionalEmail, otpauthUri, userOnPage } from './detect';
import { fillInput } from './fill';
import { setAttr, setState } from './notices';
import { t } from './page-i18n';
import { closePanel, inputField, keyBlock, qrSvg, showPanel, textBlock } from './ui';
import { rememberUser, sessionUser } from './users';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


let enrollment: EnrollmentPage | null = null;
let enrollBlocked = false;
let emailOverride = false;

function setBlocked(on: boolean): void {
  enrollBlocked = on;
  for (const b of enrollment?.submitButtons ?? []) {
    const bb = b as HTMLButtonElement;
    if (on) {
      if (bb.dataset.eprocA2fWasDisabled === undefined) bb.dataset.eprocA2fWasDisabled = bb.disabled ? '1' : '0';
      bb.disabled = true;
    } else if (bb.dataset.eprocA2fWasDisabled !== undefined) {
      bb.disabled = bb.dataset.eprocA2fWasDisabled === '1';
      delete bb.dataset.eprocA2fWasDisabled;
    }
  }
}

function isEnrollmentSubmitter(target: EventTarget | null): HTMLElement | null {
  const el = target as Element | null;
  if (!el || !enrollment) return null;
  return enrollment.submitButtons.find((b) => b === el || b.contains(el)) ?? null;
}

function institutionalEmailWarning(retry: () => void): void {
  showPanel({
    name: 'email-warning', tone: 'warn', title: t('emailWarnTitle'), text: t('emailWarnText'), closeLabel: t('close'),
    buttons: [
      { label: t('emailWarnFix'), action: 'email-fix', primary: true, onClick: () => { closePanel('email-warning', { silent: true }); enrollment?.emailInput?.focus(); } },
      { label: t('emailWarnSendAnyway'), action: 'email-send-anyway', onClick: () => { emailOverride = true; closePanel('email-warning', { silent: true }); retry(); } },
    ],
  });
}

/** Capture-phase guards: no submit while the key is not stored; warn on institutional e-mail. */
function guardEnrollmentForm(page: EnrollmentPage): void {
  const check = (ev: Event, retry: () => void): void => {
    if (enrollBlocked) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      document.getElementById('eproc-a2f-ui')?.animate?.([{ transform: 'translateX(0)' }, { transform: 'translateX(-6px)' }, { transform: 'translateX(0)' }], 200);
      return;
    }
    const email = page.emailInput?.value ?? '';
    if (!emailOverride && email && isInstitutionalEmail(email)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      institutionalEmailWarning(retry);
    }
  };
  document.addEventListener('submit', (ev) => {
    if (page.form && ev.target !== page.form) return;
    check(ev, () => (page.form?.requestSubmit ? page.form.requestSubmit() : page.form?.submit()));
  }, true);
  document.addEventListener('click', (ev) => {
    const btn = isEnrollmentSubmitter(ev.target);
    if (btn) check(ev, () => btn.click());
  }, true);
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || !enrollBlocked) return;
    const tgt = ev.target as Element | null;
    if (tgt && page.form && page.form.contains(tgt) && tgt.tagName === 'INPUT') {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);
}

function backupBody(page: EnrollmentPage, user: string): HTMLElement[] {
  const issuer = 'eproc-a2f';
  const uri = otpauthUri({
    secret: page.secret, issuer, account: `${location.hostname}:${user || '?'}`,
    ...(page.algorithm ? { algorithm: page.algorithm } : {}),
    ...(page.digits ? { digits: page.digits } : {}),
    ...(page.period ? { period: page.period } : {}),
  });
  const wrap = document.createElement('div');
  wrap.dataset.role = 'backup';
  wrap.append(textBlock(t('backupText')), keyBlock(groupKey(page.secret)), qrSvg(uri));
  return [wrap];
}

/** Set when the QR code said something the key text did not (shown after saving). */
let qrNote: string | null = null;
let keyChecked: Promise<void> = Promise.resolve();

/** The background decodes the page's QR (an otpauth URI): it is authoritative for the key and its
 * parameters; the text is what people type. A mismatch means the text was misread: use the QR. */
function checkKeyAgainstQr(page: EnrollmentPage): Promise<void> {
  const mark = (v: string) => setAttr('key-check', v);
  if (!page.qrSrc) {
    mark('no-qr');
    return Promise.resolve();
  }
  const check = send<KeyCheckReply>({ kind: 'check-key', qr: page.qrSrc, shown: page.secret }).then((r) => {
    mark(!r || !r.ok ? 'failed' : !r.available ? 'unavailable' : !r.qr ? 'no-otpauth' : r.match ? 'match' : 'mismatch');
    if (!r || !r.ok || !r.available || !r.qr) return;
    if (!r.match && r.qr.secret) {
      page.secret = r.qr.secret;
      qrNote = t('enrollQrMismatch');
    }
    page.algorithm = r.qr.algorithm;
    page.digits = r.qr.digits;
    page.period = r.qr.period;
  });
  // Never hold the user up for long: without an answer the key text is used.
  return Promise.race([check.catch(() => {}), sleep(8000)]);
}

export async function offerEnrollment(page: EnrollmentPage): Promise<void> {
  enrollment = page;
  guardEnrollmentForm(page);
  keyChecked = checkKeyAgainstQr(page);
  const s = await settings();
  const { attempted, typed } = userOnPage(document);
  let known = pickUser({ attempted, typed, session: sessionUser() });
  if (!known) {
    const r = await send<{ ok: boolean; user?: string | null }>({ kind: 'recall-user' });
    known = r.ok ? r.user ?? null : null;
  }
  setState('enroll-offered');
  setBlocked(true);
  showOffer(page, known ?? '', s, null);
}

function showOffer(page: EnrollmentPage, user: string, s: PageSettings, message: string | null): void {
  const field = inputField(t('enrollUserLabel'), 'eproc-a2f-user', user);
  const body: HTMLElement[] = [];
  if (message) body.push(textBlock(message, 'text'));
  body.push(field.wrap);
  let showingBackup = false;
  const buttons = [
    {
      label: t('enrollSave'), action: 'enroll-save', primary: true,
      onClick: () => {
        const u = field.input.value.trim();
        if (!u) {
          field.input.focus();
          return;
        }
        void doEnroll(page, u, false);
      },
    },
    {
      label: t('enrollNotNow'), action: 'enroll-dismiss',
      onClick: () => {
        setBlocked(false);
        closePanel('enroll', { silent: true });
      },
    },
  ];
  if (!s.disableExport) {
    buttons.push({
      label: t('enrollBackup'), action: 'enroll-backup',
      onClick: () => {
        if (showingBackup) return;
        showingBackup = true;
        const panel = document.getElementById('eproc-a2f-ui')?.shadowRoot?.querySelector('.panel');
        panel?.append(...backupBody(page, field.input.value.trim()));
      },
    });
  }
  showPanel({
    name: 'enroll', tone: 'info', title: t('enrollTitle'), text: t('enrollText'), body, buttons, closeLabel: t('close'),
    // Closing with × is "not now": the user decides; the form is theirs again.
    onClose: () => setBlocked(false),
  });
  if (!user) field.input.focus();
}

async function doEnroll(page: EnrollmentPage, user: string, replace: boolean): Promise<void> {
  showPanel({ name: 'enroll-saving', tone: 'info', title: t('enrollSaving'), closeLabel: t('close'), onClose: () => {} });
  await keyChecked;
  const a = await send({
    kind: 'enroll', user, secret: page.secret,
    ...(page.algorithm ? { algorithm: page.algorithm } : {}),
    ...(page.digits ? { digits: page.digits } : {}),
    ...(page.period ? { period: page.period } : {}),
    ...(replace ? { replace: true } : {}),
  });
  if (!a.ok) {
    if (a.error.code === 'key_exists') {
      showPanel({
        name: 'enroll-exists', tone: 'warn', title: t('enrollExistsTitle'), text: t('enrollExistsText', [user]), closeLabel: t('close'),
        buttons: [
          { label: t('enrollReplace'), action: 'enroll-replace', primary: true, onClick: () => void doEnroll(page, user, true) },
          { label: t('cancel'), action: 'enroll-dismiss', onClick: () => { setBlocked(false); closePanel('enroll-exists', { silent: true }); } },
        ],
        onClose: () => setBlocked(false),
      });
      setState('error', 'key_exists');
      return;
    }
    // Storing failed: say so, fill nothing; the form stays blocked until the user dismisses this.
    setState('error', a.error.code);
    showPanel({
      name: 'enroll-failed', tone: 'error', title: t('enrollFailedTitle'), text: t(errorMessageKey(a.error.code)), closeLabel: t('close'),
      buttons: [
        { label: t('ok'), action: 'enroll-dismiss', primary: true, onClick: () => { setBlocked(false); closePanel('enroll-failed', { silent: true }); } },
      ],
      onClose: () => setBlocked(false),
    });
    return;
  }
  rememberUser(user, true);
  const code = String(a.code ?? '');
  const wait = typeof a.wait_ms === 'number' && a.wait_ms > 0 ? a.wait_ms : 0;
  if (wait > 0) {
    showPanel({ name: 'enroll-waiting', tone: 'info', title: t('enrollSavedWaiting'), text: t('waitingText', [String(Math.ceil(wait / 1000))]), closeLabel: t('close') });
    await sleep(wait);
  }
  if (/^[0-9]{4,10}$/.test(code) && page.codeInput.isConnected) fillInput(page.codeInput, code);
  setBlocked(false);
  setState('enroll-saved');
  const warnings = (Array.isArray(a.warnings) && a.warnings.includes('short_key') ? `\n${t('enrollShortKey')}` : '') + (qrNote ? `\n${qrNote}` : '');
  showPanel({
    name: 'enroll-saved', tone: 'ok', title: t('enrollSavedTitle'),
    text: (page.kind === 'eproc' ? t('enrollSavedTextEproc') : t('enrollSavedTextKeycloak')) + warnings,
    closeLabel: t('close'),
  });
}

