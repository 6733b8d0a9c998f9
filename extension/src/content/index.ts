// Content script: runs only on the registry's pages (manifest match patterns) and only in the top
// frame. Fills the login code, offers to save keys on enrollment pages. It never sends a URL: the
// background takes the page URL from the browser. Testing hooks on <html>:
//   data-eproc-a2f-state     filled|waiting|choose|no-account|error|enroll-offered|enroll-saved
//   data-eproc-a2f-filled-ms ms from the code field appearing (observer callback) to the fill
//   data-eproc-a2f-wait-ms   the fresh-code wait included in filled-ms (0 when none)
//   data-eproc-a2f-error     the error code of the last failure
//   data-eproc-a2f-key-check enrollment: match|mismatch|no-otpauth|unavailable|failed|no-qr
import { ext } from '../shared/api';
import { choiceList, pickUser } from '../shared/choose';
import { errorMessageKey } from '../shared/errors';
import { t } from './page-i18n';
import type { ContentNotice, ContentRequest, KeyCheckReply, PageSettings } from '../shared/messages';
import {
  type EnrollmentPage, type LoginField,
  detectEnrollment, findLoginField, findLoginSubmit, groupKey, isForbiddenControl, isInstitutionalEmail,
  otpauthUri, userOnPage,
} from './detect';
import { fillInput, fillSplit } from './fill';
import { type HeldCode, heldCodeUse } from './prefetch';
import { closePanel, inputField, keyBlock, listOfButtons, qrSvg, showPanel, textBlock } from './ui';

type Answer = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string; [k: string]: unknown } };

const ATTR_STATE = 'data-eproc-a2f-state';
const ATTR_FILLED_MS = 'data-eproc-a2f-filled-ms';
const ATTR_ERROR = 'data-eproc-a2f-error';
const ATTR_WAIT_MS = 'data-eproc-a2f-wait-ms';
const SESSION_USER = 'eproc-a2f:user';

type State = 'filled' | 'waiting' | 'choose' | 'no-account' | 'error' | 'enroll-offered' | 'enroll-saved';

function setState(s: State, error?: string): void {
  const html = document.documentElement;
  html.setAttribute(ATTR_STATE, s);
  if (error) html.setAttribute(ATTR_ERROR, error);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function send<T = Answer>(msg: ContentRequest): Promise<T> {
  try {
    const r = await ext.runtime.sendMessage(msg);
    if (r === undefined || r === null) throw new Error('no answer from the background');
    return r as T;
  } catch (e) {
    return { ok: false, error: { code: 'extension_error', detail: e instanceof Error ? e.message : String(e) } } as T;
  }
}

let pageSettings: PageSettings | null = null;
async function settings(): Promise<PageSettings> {
  if (pageSettings) return pageSettings;
  const r = await send<PageSettings | Answer>({ kind: 'page-settings' });
  const got: PageSettings = 'autoSubmit' in r ? (r as PageSettings) : { autoSubmit: false, disableExport: false };
  pageSettings = got;
  return got;
}

// ------------------------------------------------------------------ user names

function sessionUser(): string | null {
  try {
    return sessionStorage.getItem(SESSION_USER);
  } catch {
    return null;
  }
}

let rememberTimer: ReturnType<typeof setTimeout> | undefined;
function rememberUser(user: string, now = false): void {
  const u = user.trim();
  if (u === '' || u.length > 256) return;
  try {
    sessionStorage.setItem(SESSION_USER, u);
  } catch {
    /* storage disabled */
  }
  clearTimeout(rememberTimer);
  const go = () => void send({ kind: 'remember-user', user: u });
  if (now) go();
  else rememberTimer = setTimeout(go, 400);
}

/** Remembers what is typed in the login step's user name field (eproc `#txtUsuario`, Keycloak `#username`). */
function watchUserNames(): void {
  const isUserField = (el: EventTarget | null): el is HTMLInputElement =>
    !!el && (el as Element).tagName === 'INPUT' && ['txtUsuario', 'username'].includes((el as Element).id);
  const onInput = (ev: Event) => {
    if (isUserField(ev.target)) rememberUser(ev.target.value);
  };
  document.addEventListener('input', onInput, true);
  document.addEventListener('change', onInput, true);
  // A login click or submit: take the field's value as it is now (autofilled values fire no event).
  const snapshot = () => {
    const { typed } = userOnPage(document);
    if (typed) rememberUser(typed, true);
  };
  document.addEventListener('submit', snapshot, true);
  document.addEventListener('click', (ev) => {
    const t = ev.target as Element | null;
    if (t && t.closest?.('#sbmEntrar, #kc-login, #lnkAutenticacaoDoisFatores, a, button, input[type="submit"]')) snapshot();
  }, true);
}

/** The user shown on the page (Keycloak's attempted user, a typed user name, this tab's session). */
function directUser(): string | null {
  const { attempted, typed } = userOnPage(document);
  return pickUser({ attempted, typed, session: sessionUser() });
}

async function currentUser(): Promise<string | null> {
  const direct = directUser();
  if (direct) return direct;
  const r = await send<{ ok: boolean; user?: string | null }>({ kind: 'recall-user' });
  return pickUser({ remembered: r.ok ? r.user ?? null : null });
}

// ------------------------------------------------------------------ login autofill

/** Elements whose appearance was already handled: one code per field appearance. */
const handled = new WeakSet<Element>();

function fieldConnected(f: LoginField): boolean {
  return f.inputs.every((i) => i.isConnected);
}

function fill(f: LoginField, code: string): void {
  if (f.kind === 'split') fillSplit(f.inputs, code);
  else fillInput(f.inputs[0]!, code);
}

/** What to do when the background says the browser store was unlocked (set while the page shows
 * the store_locked notice). */
let retryAfterUnlock: (() => void) | null = null;

function showError(code: string, detail?: string, retry?: () => void): void {
  setState('error', code);
  const text = t(errorMessageKey(code));
  const buttons = [];
  retryAfterUnlock = null;
  if (code === 'store_locked' && retry) {
    // The passphrase is typed in the extension's own window, never in this page (its scripts see
    // every key event); the code is filled as soon as the store is unlocked there.
    retryAfterUnlock = retry;
    buttons.push({ label: t('unlockOnPage'), action: 'unlock', primary: true, onClick: () => void send({ kind: 'open-unlock' }) });
  }
  if (retry) buttons.push({ label: t('retry'), action: 'retry', onClick: () => { retryAfterUnlock = null; closePanel('error', { silent: true }); retry(); } });
  showPanel({
    name: 'error', tone: 'error', title: t('noticeErrorTitle'), text, closeLabel: t('close'),
    ...(detail ? { body: [textBlock(detail, 'muted')] } : {}),
    ...(buttons.length ? { buttons } : {}),
    onClose: () => { retryAfterUnlock = null; },
  });
}

function onNotice(msg: unknown): void {
  if ((msg as ContentNotice | null)?.kind !== 'store-unlocked' || !retryAfterUnlock) return;
  const retry = retryAfterUnlock;
  retryAfterUnlock = null;
  closePanel('error', { silent: true });
  retry();
}

/** A code request or its wait is under way: a field re-rendered meanwhile is the same appearance. */
let loginBusy = false;

// ------------------------------------------------------------------ code fetched ahead (eproc's own form)

/** The code asked for when eproc's password step was submitted, until its field appears. */
let prefetched: { user: string; promise: Promise<HeldCode>; held: HeldCode | null } | null = null;

function passwordTyped(): boolean {
  for (const el of [document.getElementById('pwdSenha'), document.querySelector('input[name="pwdSenha"]')]) {
    if (el && el.tagName === 'INPUT' && (el as HTMLInputElement).value !== '') return true;
  }
  return false;
}

/**
 * eproc's own login form (`#frmLogin`: the code field appears on this page after the password):
 * at a real password submit (Entrar clicked, or Enter in the password box, with a user name and a
 * password typed, no code field shown yet) ask for the code now and hold it for the field. Never
 * at page load: a code request claims a TOTP step. A code still held (the password was refused and
 * is sent again) is kept instead of claiming another step.
 */
function prefetchAtPasswordSubmit(): void {
  if (enrollFound || loginBusy) return;
  if (!document.getElementById('frmLogin') || !document.getElementById('sbmEntrar')) return;
  if (findLoginField(document) || !passwordTyped()) return;
  const user = directUser();
  if (!user) return;
  if (prefetched && prefetched.user === user) {
    if (!prefetched.held) return; // still on its way
    if (heldCodeUse(prefetched.held, user, Date.now()).use) return;
  }
  const entry: { user: string; promise: Promise<HeldCode>; held: HeldCode | null } = { user, held: null, promise: null! };
  entry.promise = send({ kind: 'code', user }).then((answer) => (entry.held = { user, answer, receivedAt: Date.now() }));
  prefetched = entry;
}

function watchPasswordSubmit(): void {
  document.addEventListener('click', (ev) => {
    if ((ev.target as Element | null)?.closest?.('#sbmEntrar')) prefetchAtPasswordSubmit();
  }, true);
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.target as Element | null)?.id === 'pwdSenha') prefetchAtPasswordSubmit();
  }, true);
}

/** The held code for `user`, if it may be typed now (one use: it is dropped either way). */
async function takePrefetched(user: string | null): Promise<Answer | null> {
  const p = prefetched;
  prefetched = null;
  if (!p || p.user !== user) return null;
  const h = await p.promise;
  const verdict = heldCodeUse(h, user, Date.now());
  if (!verdict.use) return null;
  // The wait left now (a next-step code fetched in the last seconds of a step).
  return { ...(h.answer as Answer & { ok: true }), wait_ms: verdict.waitMs };
}

async function handleLogin(field: LoginField, t0: number, user?: string | null): Promise<void> {
  loginBusy = true;
  try {
    const u = user === undefined ? await currentUser() : user;
    // A field appearance after eproc's password step: the code asked for at the submit, if good.
    const held = user === undefined ? await takePrefetched(u) : null;
    const a = held ?? (await send<Answer>({ kind: 'code', ...(u ? { user: u } : {}) }));
    await onCodeAnswer(field, a, t0);
  } finally {
    loginBusy = false;
  }
}

async function onCodeAnswer(field: LoginField, a: Answer, t0: number): Promise<void> {
  if (!a.ok) {
    const err = a.error;
    switch (err.code) {
      case 'choose_account':
      case 'unknown_account':
        showChooser(field, err, t0);
        return;
      case 'no_account':
        setState('no-account', 'no_account');
        showPanel({
          name: 'no-account', tone: 'info', title: t('noAccountTitle'), text: t('noAccountText'),
          body: [textBlock(t('noAccountCli'), 'muted')], closeLabel: t('close'),
        });
        return;
      case 'unknown_site':
        // Not a page of a registry system after all (the background's exact match): stay silent.
        setState('error', 'unknown_site');
        return;
      default:
        // After unlocking the keyring or installing the host, the same field can be retried.
        showError(err.code, typeof err.detail === 'string' && err.code === 'extension_error' ? err.detail : undefined,
          fieldConnected(field) ? () => void handleLogin(field, performance.now()) : undefined);
        return;
    }
  }
  const code = String(a.code ?? '');
  if (!/^[0-9]{4,10}$/.test(code)) {
    showError('internal_error');
    return;
  }
  const wait = typeof a.wait_ms === 'number' && a.wait_ms > 0 ? a.wait_ms : 0;
  document.documentElement.setAttribute(ATTR_WAIT_MS, String(Math.round(wait)));
  if (wait > 0) {
    setState('waiting');
    showPanel({
      name: 'waiting', tone: 'info', title: t('waitingTitle'),
      text: t('waitingText', [String(Math.ceil(wait / 1000))]), closeLabel: t('close'),
    });
    await sleep(wait);
  }
  let target: LoginField | null = field;
  if (!fieldConnected(field)) {
    // The page re-rendered the field while we waited: fill the one shown now (same appearance).
    target = findLoginField(document);
    if (target) for (const i of target.inputs) handled.add(i);
  }
  if (!target) {
    showError('page_changed');
    return;
  }
  fill(target, code);
  document.documentElement.setAttribute(ATTR_FILLED_MS, String(Math.round(performance.now() - t0)));
  setState('filled');
  const who = typeof a.label === 'string' && a.label ? a.label : String(a.user ?? '');
  showPanel({ name: 'filled', tone: 'ok', title: t('filledTitle'), text: t('filledText', [who]), autoCloseMs: 4000, closeLabel: t('close') });
  const s = await settings();
  if (s.autoSubmit) {
    const btn = findLoginSubmit(document, target);
    if (btn && !isForbiddenControl(btn)) {
      await sleep(60); // let page scripts react to the input events first
      btn.click();
    }
  }
}

function showChooser(field: LoginField, err: Record<string, unknown>, t0: number): void {
  const accounts = choiceList(err);
  if (accounts.length === 0) {
    showError(String(err.code));
    return;
  }
  setState('choose', String(err.code));
  const buttons = accounts.map((acc) => ({
    label: acc.label ? `${acc.label} (${acc.user})` : acc.user,
    action: 'choose',
    onClick: () => {
      closePanel('choose', { silent: true });
      rememberUser(acc.user, true);
      void handleLogin(field, t0, acc.user);
    },
  }));
  const list = listOfButtons(buttons);
  list.querySelectorAll('button').forEach((b, i) => (b.dataset.user = accounts[i]!.user));
  showPanel({
    name: 'choose', tone: 'info', title: t('chooseTitle'),
    text: err.code === 'unknown_account' ? t('chooseUnknownText') : t('chooseText'),
    body: [list], closeLabel: t('close'),
  });
}

// ------------------------------------------------------------------ enrollment helper

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
  const mark = (v: string) => document.documentElement.setAttribute('data-eproc-a2f-key-check', v);
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

async function offerEnrollment(page: EnrollmentPage): Promise<void> {
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

// ------------------------------------------------------------------ watching the page

let enrollChecked = 0;
let enrollFound = false;

function scan(fromObserver: boolean): void {
  if (!document?.documentElement) return; // the page is going away
  const now = performance.now();
  if (!enrollFound && (now - enrollChecked > 250 || !fromObserver)) {
    enrollChecked = now;
    const page = detectEnrollment(document);
    if (page) {
      enrollFound = true;
      void offerEnrollment(page);
      return;
    }
  }
  if (enrollFound || loginBusy) return;
  const field = findLoginField(document);
  if (!field || field.inputs.some((i) => handled.has(i))) return;
  // Make sure this is not an enrollment page whose key text showed up in this same mutation.
  const page = detectEnrollment(document);
  if (page) {
    enrollFound = true;
    void offerEnrollment(page);
    return;
  }
  for (const i of field.inputs) handled.add(i);
  void handleLogin(field, now);
}

function main(): void {
  // Top frame only (the manifest already says all_frames: false; this guards about:blank tricks).
  if (window.top !== window) return;
  if (location.protocol !== 'https:') return;
  // Match patterns ignore ports; registry systems only live on the default https port, so any
  // other port is not an eproc origin: no host call, no notice.
  if (location.port !== '') return;
  if (document.documentElement.hasAttribute('data-eproc-a2f-loaded')) return;
  document.documentElement.setAttribute('data-eproc-a2f-loaded', '');
  watchUserNames();
  watchPasswordSubmit();
  ext.runtime.onMessage?.addListener((msg: unknown) => onNotice(msg));
  // A login step is on screen: let the background start the code source ahead of the code field.
  if (document.querySelector('#txtUsuario, #frmLogin, #kc-form-login, #kc-otp-login-form, #kc-totp-settings-form')) {
    void send({ kind: 'warm' });
  }
  const observer = new MutationObserver(() => scan(true));
  observer.observe(document.documentElement, {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ['style', 'class', 'hidden', 'type', 'disabled', 'readonly'],
  });
  scan(false);
  // Fallback for reveals no mutation reports (stylesheet swaps, animations).
  setInterval(() => scan(false), 1000);
}

main();
