// Content script: runs only on the registry's pages (manifest match patterns), only in the top
// frame, from document_start: an observer on the document sees the code field as it is parsed or
// inserted, and the code is asked for and typed at once. It never sends a URL: the background
// takes the page URL from the browser. This file only wires the parts:
//   page-facts.ts what the page is (login, code, captcha, profile choice, Alterar Cadastro,
//                 Cloudflare, the application) and the court's rejection markup
//   login.ts      code field → code → fill → maybe submit; the code asked ahead; login results
//   enrollment.ts the enrollment helper;  users.ts user names;  notices.ts hooks and notices
//   channel.ts    the background and the MAIN-world hook (main-world.ts: alert texts)
// Testing hooks on <html>: notices.ts.
import { onBackgroundNotice, onMainWorldDialog, post } from './channel';
import { detectEnrollment, findLoginField } from './detect';
import { offerEnrollment } from './enrollment';
import {
  alreadyHandled, checkRejection, handleLogin, isBusy, onDialogRejection, onLoginState, refillShownCopy,
  reportAcceptedIfAfterLogin, takeField, watchPasswordSubmit,
} from './login';
import { setAttr, takeUnlockRetry } from './notices';
import {
  CODE_FIELD_SELECTOR, classifyPage, hasCodeField, hasLoginForm, isCloudflareChallenge, isHandsOff, rejectionEvidence,
} from './page-facts';
import { watchUserNames } from './users';

let enrollChecked = -Infinity;
let enrollFound = false;
let rejectionChecked = -Infinity;
let warmed = false;

/** Markers of a login step: the background starts the code source ahead of the code field. */
const LOGIN_STEP = '#txtUsuario, #frmLogin, #kc-form-login, #kc-otp-login-form, #kc-totp-settings-form, [id="txtAcessoCodigo"]';

/** Hands off the court's own controls: Cloudflare, "Alterar Cadastro", the profile choice. */
function handsOff(): boolean {
  return isHandsOff(classifyPage(document));
}

function scan(fromObserver: boolean): void {
  if (!document?.documentElement) return; // the page is going away
  const now = performance.now();
  // Cloudflare's interstitial: never touched (a cheap selector/title check first).
  if (isCloudflareChallenge(document, '')) return;
  if (!warmed && document.querySelector(LOGIN_STEP)) {
    warmed = true;
    post({ kind: 'warm' });
  }
  // The court's rejection of a code, on this page or after a submit on it (eproc's AJAX,
  // Keycloak's re-rendered form). The full-text pass is throttled.
  if ((!fromObserver || now - rejectionChecked > 150) && (hasCodeField(document) || hasLoginForm(document))) {
    rejectionChecked = now;
    checkRejection(rejectionEvidence(document));
  } else {
    const quick = rejectionEvidence(document, undefined, { fullText: false });
    if (quick) checkRejection(quick);
  }
  if (!enrollFound && (now - enrollChecked > 250 || !fromObserver)) {
    enrollChecked = now;
    const page = detectEnrollment(document);
    if (page) {
      if (handsOff()) return;
      enrollFound = true;
      void offerEnrollment(page);
      return;
    }
  }
  if (enrollFound) return;
  refillShownCopy();
  if (isBusy()) return;
  // A cheap selector check before the visibility checks (which force a layout).
  if (!document.querySelector(CODE_FIELD_SELECTOR)) return;
  const field = findLoginField(document);
  if (!field || alreadyHandled(field)) return;
  // Make sure this is not an enrollment page whose key text showed up in this same mutation.
  const page = detectEnrollment(document);
  if (page) {
    if (handsOff()) return;
    enrollFound = true;
    void offerEnrollment(page);
    return;
  }
  if (handsOff()) return;
  // Parsing an enrollment page whose key comes after its code box: wait for the whole page.
  if (document.readyState === 'loading' && document.querySelector('img[src^="data:image"], #lblChaveDigitavel, input[type="email"]')) return;
  takeField(field);
  void handleLogin(field, now);
}

function start(): void {
  const root = document.documentElement;
  if (root.hasAttribute('data-eproc-a2f-loaded')) return;
  root.setAttribute('data-eproc-a2f-loaded', '');
  setAttr('submitted', '0');
  watchUserNames();
  watchPasswordSubmit();
  onBackgroundNotice((n) => {
    if (n.kind === 'store-unlocked') takeUnlockRetry()?.();
    else onLoginState(n);
  });
  onMainWorldDialog((text) => onDialogRejection(text));
  // From document_start: the document is observed before <body> exists; fields are handled as
  // they are parsed (each parser batch), without waiting for DOMContentLoaded.
  const observer = new MutationObserver(() => scan(true));
  observer.observe(document, {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ['style', 'class', 'hidden', 'type', 'disabled', 'readonly', 'aria-hidden', 'aria-invalid'],
  });
  scan(false);
  document.addEventListener('DOMContentLoaded', () => scan(false), { once: true });
  // A page that exists only after the code was accepted: said once, when the page has settled.
  const afterLoad = () => setTimeout(() => { scan(false); reportAcceptedIfAfterLogin(); }, 1500);
  if (document.readyState === 'complete') afterLoad();
  else window.addEventListener('load', afterLoad, { once: true });
  // Fallback for reveals no mutation reports (stylesheet swaps, animations).
  setInterval(() => scan(false), 1000);
}

function main(): void {
  // Top frame only (the manifest already says all_frames: false; this guards about:blank tricks).
  if (window.top !== window) return;
  if (location.protocol !== 'https:') return;
  // Match patterns ignore ports; registry systems only live on the default https port, so any
  // other port is not an eproc origin: no host call, no notice.
  if (location.port !== '') return;
  if (document.documentElement) {
    start();
    return;
  }
  // At document_start the root element may not exist yet.
  const wait = new MutationObserver(() => {
    if (!document.documentElement) return;
    wait.disconnect();
    start();
  });
  wait.observe(document, { childList: true });
}

main();
