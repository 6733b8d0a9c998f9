// The login code: a code field is seen → the code is asked for at once → typed into the copy the
// user sees → submitted automatically only on the known forms, when the background's answer says
// `autoSubmit`, once per page, after DOMContentLoaded showed no rejection. The court's rejection of
// a code (markup or an alert) is reported to the background and stops automatic submits; a
// post-login page reports the login accepted. At a real password submit the code is asked for
// ahead (`ahead: true`): the background holds it across the navigation to the code page.
import { choiceList } from '../shared/choose';
import type { ContentNotice, Rejection } from '../shared/messages';
import { type Answer, post, send } from './channel';
import {
  KNOWN_FORMS, type LoginField, copiesOf, domVisible, findLoginField, findLoginSubmit, isForbiddenControl, passwordTyped,
} from './detect';
import { fillInput, fillSplit } from './fill';
import {
  setAttr, setState, showError, showFilled, showNoAccount, showRejection, showWaiting, state,
} from './notices';
import { classifyPage, hasCaptcha, isAfterLogin, isHandsOff, rejectionEvidence } from './page-facts';
import { t } from './page-i18n';
import { closePanel, listOfButtons, showPanel } from './ui';
import { currentUser, directUser, rememberUser } from './users';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves once the document is parsed (DOMContentLoaded). */
export function domReady(): Promise<void> {
  if (document.readyState !== 'loading') return Promise.resolve();
  return new Promise((r) => document.addEventListener('DOMContentLoaded', () => r(), { once: true }));
}

/** Resolves at the load event, or after `maxMs` (whichever first). */
function loadedOr(maxMs: number): Promise<void> {
  if (document.readyState === 'complete') return Promise.resolve();
  return new Promise((r) => {
    const timer = setTimeout(r, maxMs);
    window.addEventListener('load', () => { clearTimeout(timer); r(); }, { once: true });
  });
}

/** Elements whose appearance was already handled: one code per field appearance. */
const handled = new WeakSet<Element>();
/** A code request or its wait is under way: a field re-rendered meanwhile is the same appearance. */
let busy = false;
/** Automatic submits on this page (at most one). */
let submitted = 0;
/** The court's rejection seen on this page (its evidence): no automatic submit on this page again. */
let rejectedHere: string | null = null;
/** The current rejection episode was reported (reset when the markup goes away). */
let reported = false;
/** The answer of the code on this page carried a rejection record, or said "withheld". */
let answerRejection: Rejection | null = null;
/** The user of the last code asked for on this page. */
let lastUser: string | null = null;
/** The last code typed: to type it into the copy the user sees when the page swaps copies. */
let lastFill: { el: HTMLInputElement; kind: LoginField['kind']; code: string; until: number } | null = null;

const AUTO_SUBMIT_KEY = 'eproc-a2f:auto-submitted-at';
/** A code page shown again this soon after an automatic submit in this tab means the court most
 * likely refused the code: no automatic submit then, whatever the markup says. */
const RESUBMIT_GUARD_MS = 90_000;

function recentAutoSubmit(): boolean {
  try {
    const at = Number(sessionStorage.getItem(AUTO_SUBMIT_KEY));
    return Number.isFinite(at) && at > 0 && Date.now() - at < RESUBMIT_GUARD_MS;
  } catch {
    return false;
  }
}

export function isBusy(): boolean {
  return busy;
}

/** Whether these inputs were handled already (this appearance of the field). */
export function alreadyHandled(field: LoginField): boolean {
  return field.inputs.some((i) => handled.has(i));
}

/** A new appearance of a code field: every copy of it (same id) belongs to it. */
export function takeField(field: LoginField): void {
  for (const el of [...field.inputs, ...copiesOf(document, field)]) handled.add(el);
}

function fieldConnected(f: LoginField): boolean {
  return f.inputs.every((i) => i.isConnected);
}

function typeCode(f: LoginField, code: string): void {
  if (f.kind === 'split') fillSplit(f.inputs, code);
  else fillInput(f.inputs[0]!, code);
}

export async function handleLogin(field: LoginField, t0: number, user?: string | null): Promise<void> {
  busy = true;
  try {
    const u = user === undefined ? await currentUser() : user;
    lastUser = u;
    // After a password submit the background answers from the code it holds for this tab.
    const a = await send<Answer>({ kind: 'code', ...(u ? { user: u } : {}) });
    await onCodeAnswer(field, a, t0);
  } finally {
    busy = false;
  }
}

function numberOr(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
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
        showNoAccount();
        return;
      case 'unknown_site':
        // Not a page of a registry system after all (the background's exact match): stay silent.
        setState('error', 'unknown_site');
        return;
      case 'code_withheld':
        // The court refused codes of this account: nothing is filled until a login by hand works.
        answerRejection = { count: numberOr(err.rejections) ?? 2, at_ms: 0, until_ms: numberOr(err.until_ms) ?? 0, auto_submit: false, fill: false };
        setState('withheld', 'code_withheld');
        showRejection('withheld', numberOr(err.until_ms));
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
  const rejection = (a.rejection ?? null) as Rejection | null;
  if (rejection) answerRejection = rejection;
  const clock = a.clock as { state?: unknown } | undefined;
  if (typeof clock?.state === 'string') setAttr('clock', clock.state);
  const wait = typeof a.wait_ms === 'number' && a.wait_ms > 0 ? a.wait_ms : 0;
  setAttr('wait-ms', String(Math.round(wait)));
  if (wait > 0) {
    // After a refusal the court's answer matters more than the countdown: the refusal notice (and
    // the state "rejected") stays, with the wait said inside it.
    if (rejectedHere) showRejection('rejected', rejection?.until_ms ?? answerRejection?.until_ms ?? null, wait);
    else if (rejection) showRejection('refilled', rejection.until_ms, wait);
    else showWaiting(wait);
    await sleep(wait);
  }
  // The copy the user sees now (the page may have re-rendered the field, or swapped copies).
  let target: LoginField | null = field;
  if (!fieldConnected(field) || !field.inputs.every((i) => domVisible(i))) {
    const now = findLoginField(document);
    if (now && (now.kind === field.kind || !fieldConnected(field))) {
      target = now;
      takeField(now);
    } else if (!fieldConnected(field)) {
      target = null;
    }
  }
  if (!target) {
    showError('page_changed');
    return;
  }
  typeCode(target, code);
  setAttr('filled-ms', String(Math.round(performance.now() - t0)));
  const validFor = typeof a.valid_for_s === 'number' ? a.valid_for_s * 1000 : 20_000;
  if (target.kind !== 'split') lastFill = { el: target.inputs[0]!, kind: target.kind, code, until: Date.now() + validFor };
  if (rejectedHere) {
    // This page shows the court's rejection: the state stays "rejected" (filled, not submitted).
    showRejection('refilled', rejection?.until_ms ?? null);
    return;
  }
  setState('filled');
  if (rejection) showRejection('refilled', rejection.until_ms);
  else {
    const who = typeof a.label === 'string' && a.label ? a.label : String(a.user ?? '');
    showFilled(who, clock?.state === 'absurd');
  }
  await maybeAutoSubmit(target, code, a);
}

/** Auto-submit: the known forms only, when the answer says so, once per page, after
 * DOMContentLoaded (and the load event, 1.5 s at most) showed no rejection on the page. */
async function maybeAutoSubmit(field: LoginField, code: string, a: Answer): Promise<void> {
  if (a.autoSubmit !== true || !KNOWN_FORMS.has(field.kind)) return;
  const blocked = () => submitted > 0 || rejectedHere !== null || answerRejection !== null || recentAutoSubmit();
  if (blocked()) return;
  await domReady();
  await loadedOr(1500);
  // Let the page's own handlers run first (input events, an alert raised at load).
  await sleep(60);
  await sleep(0);
  if (blocked()) return;
  const evidence = rejectionEvidence(document);
  if (evidence) {
    noteRejection(evidence);
    return;
  }
  if (hasCaptcha(document) || isHandsOff(classifyPage(document))) return;
  refillShownCopy(); // the copy shown now (a stylesheet may have swapped them since the fill)
  let target = field;
  if (!fieldConnected(target) || target.inputs[0]!.value !== code || !domVisible(target.inputs[0]!)) {
    const now = findLoginField(document);
    if (!now || now.kind !== field.kind || now.inputs[0]!.value !== code) return;
    target = now;
  }
  const btn = findLoginSubmit(document, target);
  if (!btn || isForbiddenControl(btn)) return;
  submitted++;
  setAttr('submitted', String(submitted));
  try {
    sessionStorage.setItem(AUTO_SUBMIT_KEY, String(Date.now()));
  } catch {
    /* storage disabled */
  }
  btn.click();
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

/** The page swapped the copies of a filled field (a stylesheet arrived, the phone layout): type
 * the same code into the copy now shown. No new request: the code is the same appearance's. */
export function refillShownCopy(): void {
  const f = lastFill;
  if (!f || rejectedHere || submitted > 0 || !f.el.isConnected || domVisible(f.el) || Date.now() > f.until) return;
  const now = findLoginField(document);
  if (!now || now.kind !== f.kind || now.inputs[0] === f.el || now.inputs[0]!.value !== '') return;
  takeField(now);
  typeCode(now, f.code);
  lastFill = { ...f, el: now.inputs[0]! };
}

// ------------------------------------------------------------------ the court's answer

/** The court refused a code (markup on the page, or an alert): report, stop automatic submits on
 * this page, say what to check. */
export function noteRejection(evidence: string, force = false): void {
  rejectedHere = evidence;
  setAttr('rejection', evidence.slice(0, 200));
  if (reported && !force) return;
  reported = true;
  if (state() !== 'withheld') setState('rejected');
  // The notice at once when this page typed or sent a code; otherwise once the background says the
  // rejection concerns a code it handed to this tab (not a code the user typed from a phone).
  const ours = lastFill !== null || submitted > 0;
  if (ours) showRejection('rejected', answerRejection?.until_ms ?? null);
  const user = lastUser ?? directUser();
  void send<{ ok: boolean; forwarded?: boolean; rejection?: Rejection | null }>({
    kind: 'login-result', outcome: 'rejected', ...(user ? { user } : {}), evidence: evidence.slice(0, 200),
  }).then((r) => {
    if (!document?.documentElement || !r.ok || state() !== 'rejected') return;
    if (r.rejection) answerRejection = r.rejection;
    if (ours || r.forwarded === true) showRejection('rejected', r.rejection?.until_ms ?? answerRejection?.until_ms ?? null);
  });
}

/** Called on every scan with what the page shows now. */
export function checkRejection(evidence: string | null): void {
  if (evidence) {
    if (!reported) noteRejection(evidence);
  } else if (reported) {
    reported = false; // the message went away: the next one is a new rejection
  }
}

export function onDialogRejection(text: string): void {
  noteRejection(`alert: ${text.replace(/\s+/g, ' ').trim().slice(0, 120)}`, true);
}

/** The background's notice: the account's rejection state changed (another tab, the popup). */
export function onLoginState(n: ContentNotice): void {
  if (n.kind !== 'login-state') return;
  answerRejection = n.rejection;
}

let acceptedSent = false;
/** A page that exists only after a login went through (the application, the profile choice),
 * with no login, code or enrollment form and no rejection: the login was accepted (once per page). */
export function reportAcceptedIfAfterLogin(): void {
  if (acceptedSent || rejectedHere) return;
  const kind = classifyPage(document);
  if (!isAfterLogin(kind) || rejectionEvidence(document)) return;
  acceptedSent = true;
  const user = directUser();
  post({ kind: 'login-result', outcome: 'accepted', ...(user ? { user } : {}), evidence: `page: ${kind}` });
  try {
    sessionStorage.removeItem(AUTO_SUBMIT_KEY);
  } catch {
    /* storage disabled */
  }
}

// ------------------------------------------------------------------ the code asked ahead

let lastAhead: { user: string; at: number } | null = null;
const AHEAD_AGAIN_MS = 30_000;

/**
 * A real password submit (eproc `#sbmEntrar` / Enter in `#pwdSenha`; Keycloak `#kc-login` or the
 * submit of `#kc-form-login`), with a user name and a password typed and no code field shown:
 * ask for the code now; the background holds it for this tab (the code page may be a new page,
 * after a captcha). Never at page load: a code request claims a TOTP step. Once per user per 30 s
 * (a double click, a refused password sent again).
 */
function aheadAtPasswordSubmit(): void {
  if (findLoginField(document) || !passwordTyped(document)) return;
  const user = directUser();
  if (!user) return;
  const now = Date.now();
  if (lastAhead && lastAhead.user === user && now - lastAhead.at < AHEAD_AGAIN_MS) return;
  lastAhead = { user, at: now };
  rememberUser(user, true);
  post({ kind: 'code', user, ahead: true });
}

function isKeycloakPasswordForm(el: Element | null): boolean {
  const form = el?.closest('#kc-form-login, form');
  return !!form && (form.id === 'kc-form-login' || !!form.querySelector('input[type="password"]')) && !form.closest('#kc-otp-login-form') && form.id !== 'kc-otp-login-form';
}

export function watchPasswordSubmit(): void {
  document.addEventListener('click', (ev) => {
    const t = ev.target as Element | null;
    if (t?.closest?.('[id="sbmEntrar"]')) aheadAtPasswordSubmit();
    else {
      const kc = t?.closest?.('[id="kc-login"]');
      if (kc && isKeycloakPasswordForm(kc)) aheadAtPasswordSubmit();
    }
  }, true);
  document.addEventListener('keydown', (ev) => {
    const t = ev.target as Element | null;
    if (ev.key === 'Enter' && (t?.id === 'pwdSenha' || (t?.id === 'password' && isKeycloakPasswordForm(t)))) aheadAtPasswordSubmit();
  }, true);
  document.addEventListener('submit', (ev) => {
    const f = ev.target as Element | null;
    if (f?.id === 'kc-form-login') aheadAtPasswordSubmit();
  }, true);
}
