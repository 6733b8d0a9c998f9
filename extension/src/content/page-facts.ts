// What the page is, from its DOM alone (pure, unit-tested on jsdom): a login step, a code step, a
// captcha, the profile choice, the forced "Alterar Cadastro", a Cloudflare challenge, the
// application after login; and whether it shows the court's rejection of a code. The content
// script acts only on login, code and enrollment pages; the others are the court's or the user's.
import { CODE_FIELD_SELECTOR, type Visible, allById, domVisible } from './detect';
import { isRejectionText, normalize } from './reject-text';

export type PageKind =
  | 'cloudflare' // a "confirm you are human" challenge: never touched
  | 'alterar-cadastro' // eproc's forced "Alterar Cadastro" (acao=pessoa_alterar): never touched
  | 'profile-choice' // "Selecione o perfil": the user picks, never the extension
  | 'captcha' // a captcha step (no code field): never typed into
  | 'code' // a code field (any copy, shown or not)
  | 'login' // the user name / password step
  | 'enrollment' // a key shown for enrollment (eproc or Keycloak)
  | 'sso-other' // another page of the SSO server (errors, expired sessions...)
  | 'other' // a page about two-factor setup, an expired session, an error: says nothing of a login
  | 'app'; // the court's application: a login went through

const SKIP_TEXT = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE']);

/** The page's text as a reader sees it (scripts and styles left out), normalized, up to `max`. */
export function pageText(doc: Document, max = 60_000): string {
  const root = doc.body ?? doc.documentElement;
  if (!root) return '';
  const parts: string[] = [];
  let len = 0;
  const walker = doc.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
  for (let n = walker.nextNode(); n && len < max; n = walker.nextNode()) {
    const p = n.parentElement;
    if (p && (SKIP_TEXT.has(p.tagName) || p.closest('script, style, noscript, template'))) continue;
    const v = n.nodeValue ?? '';
    if (v.trim() === '') continue;
    parts.push(v);
    len += v.length;
  }
  return normalize(parts.join(' '));
}

const CF_SELECTOR = '#challenge-form, #challenge-running, #challenge-stage, #challenge-error-title, #cf-challenge-running, #cf-wrapper, .cf-turnstile, '
  + 'script[src*="challenges.cloudflare.com"], iframe[src*="challenges.cloudflare.com"], form[action*="__cf_chl"], input[name="cf-turnstile-response"]';
const CF_TITLES = ['just a moment', 'um momento', 'attention required', 'um instante', 'aguarde um momento'];
const CF_TEXTS = [
  'verify you are human', 'verifying you are human', 'confirme que e humano', 'confirme que voce e humano', 'confirme que voce e um humano',
  'verifique se voce e humano', 'verificando se voce e humano', 'checking your browser', 'checking if the site connection is secure',
  'performance & security by cloudflare', 'desempenho e seguranca por cloudflare',
];

/** Cloudflare's "confirm you are human" / "Verify you are human" interstitial. */
export function isCloudflareChallenge(doc: Document, text?: string): boolean {
  if (doc.querySelector(CF_SELECTOR)) return true;
  const title = normalize(doc.title ?? '');
  if (CF_TITLES.some((t) => title.startsWith(t))) return true;
  const body = text ?? pageText(doc, 20_000);
  return CF_TEXTS.some((t) => body.includes(t));
}

const CAPTCHA_SELECTOR = '#divInfraCaptcha, [id="txtInfraCaptcha"], input[id*="captcha" i], input[name*="captcha" i], img[src*="captcha" i], img[id*="captcha" i], '
  + '.g-recaptcha, .h-captcha, iframe[src*="recaptcha"], iframe[src*="hcaptcha"], textarea[name="g-recaptcha-response"]';

/** A captcha on the page (eproc's `#divInfraCaptcha`/`#txtInfraCaptcha`, reCAPTCHA, hCaptcha). */
export function hasCaptcha(doc: Document, visible: Visible = domVisible): boolean {
  return [...doc.querySelectorAll(CAPTCHA_SELECTOR)].some((e) => visible(e) || e.tagName === 'IFRAME');
}

/** eproc's profile choice after the code ("Selecione o perfil", buttons with data-descricao). */
export function isProfileChoice(doc: Document, text?: string): boolean {
  const body = text ?? pageText(doc, 20_000);
  const asks = /(selecione|escolha|selecionar|escolher) (o |um |seu )?perfil|select (a |your )?profile/.test(body);
  const buttons = doc.querySelectorAll('[data-descricao]').length;
  return (asks && buttons >= 1) || (asks && !!doc.querySelector('[id*="perfil" i] button, [id*="perfil" i] a, [id*="Perfil"] input[type="button"]')) || (buttons >= 2 && body.includes('perfil'));
}

/** eproc's forced "Alterar Cadastro" page (`acao=pessoa_alterar`). */
export function isAlterarCadastro(doc: Document): boolean {
  const url = doc.location?.href ?? doc.URL ?? '';
  if (/[?&]acao=pessoa_alterar(?:&|$|#)/i.test(url)) return true;
  const heads = [doc.title, ...[...doc.querySelectorAll('h1, h2, h3, legend, #divInfraBarraLocalizacao, .infraBarraLocalizacao, #lblTitulo, .titulo')].map((e) => e.textContent ?? '')];
  return heads.some((h) => normalize(h).includes('alterar cadastro'));
}

/** A login step: user name and/or password (eproc `#frmLogin`, Keycloak `#kc-form-login`). */
export function hasLoginForm(doc: Document): boolean {
  return !!doc.querySelector('#frmLogin, [id="txtUsuario"], [id="pwdSenha"], #kc-form-login, input[type="password"], [id="sbmEntrar"]');
}

/** A code field anywhere on the page, shown or not. */
export function hasCodeField(doc: Document): boolean {
  return !!doc.querySelector('[id="txtAcessoCodigo"], #kc-otp-login-form, [id="otp"], input[name="otp"], input[autocomplete="one-time-code" i]');
}

/** The markers of an enrollment page (a cheap check; detect.ts recognises the page itself). */
export function hasEnrollmentMarkers(doc: Document): boolean {
  return !!doc.querySelector('#kc-totp-settings-form, #lblChaveDigitavel, #kc-totp-secret-qr-code, img[src^="data:image"]');
}

/** A page of the SSO server (Keycloak) rather than of the court's application. */
export function isSsoPage(doc: Document): boolean {
  const path = doc.location?.pathname ?? '';
  return /\/realms\//.test(path) || !!doc.querySelector('#kc-header, #kc-page-title, #kc-container, #kc-content, .login-pf-page');
}

const NOT_APP_RE = /dois fatores|autenticador|cadastro realizado|link de confirmacao|two-factor|two factor|authenticator|sessao (?:expirada|encerrada|invalida)|session (?:expired|timed out)|acesso negado|access denied|nao autorizado|usuario ou senha|erro inesperado|pagina nao encontrada/;

/** What the page is. Order matters: the court's controls (Cloudflare, Alterar Cadastro, profile
 * choice) first, then the steps the extension works on. */
export function classifyPage(doc: Document, visible: Visible = domVisible): PageKind {
  const text = pageText(doc, 30_000);
  if (isCloudflareChallenge(doc, text)) return 'cloudflare';
  if (isAlterarCadastro(doc)) return 'alterar-cadastro';
  if (isProfileChoice(doc, text)) return 'profile-choice';
  const code = hasCodeField(doc);
  if (!code && hasCaptcha(doc, visible)) return 'captcha';
  if (code) return 'code';
  if (hasEnrollmentMarkers(doc)) return 'enrollment';
  if (hasLoginForm(doc)) return 'login';
  if (isSsoPage(doc)) return 'sso-other';
  // Pages around the login that are not the application: the two-factor notice and "Cadastro
  // realizado" after an enrollment (a new key not yet proven by a login), expired sessions, errors.
  if (NOT_APP_RE.test(text)) return 'other';
  return 'app';
}

/** Pages the extension never acts on (no fill, no submit, no enrollment offer). */
export function isHandsOff(kind: PageKind): boolean {
  return kind === 'cloudflare' || kind === 'alterar-cadastro' || kind === 'profile-choice';
}

/** Pages that exist only once a code was accepted (what `login-result accepted` reports). */
export function isAfterLogin(kind: PageKind): boolean {
  return kind === 'app' || kind === 'profile-choice' || kind === 'alterar-cadastro';
}

/** Cheap: whether any of the containers the rejection check reads is on the page. */
const REJECTION_SELECTOR = '.infraMensagem, [id="divInfraMensagens"], [id="input-error-otp-code"], .kc-feedback-text, [id="otp"][aria-invalid="true"], '
  + '[role="alert"], .alert, .alert-error, .erro, .error, .msgErro, .infraExcecao, [id="divErro"], [id="divInfraExcecao"]';

function shortText(el: Element): string {
  return (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 120);
}

/**
 * The court's rejection of a code on the page, as evidence (selector: text), or null.
 * eproc: "Código autenticador inválido" (any case, accents optional) in `.infraMensagem`,
 * `#divInfraMensagens` or another message box, or anywhere as that full sentence. Keycloak (on its
 * OTP form): `#input-error-otp-code` with a text, `.kc-feedback-text` saying invalid ("Código
 * inválido", "Invalid authenticator code"), `aria-invalid="true"` on `#otp`. Only what is shown.
 */
export function rejectionEvidence(doc: Document, visible: Visible = domVisible, opts: { fullText?: boolean } = {}): string | null {
  const fullText = opts.fullText ?? true;
  if (doc.querySelector(REJECTION_SELECTOR)) {
    for (const el of doc.querySelectorAll('.infraMensagem, [id="divInfraMensagens"], [role="alert"], .alert, .alert-error, .erro, .error, .msgErro, .infraExcecao, [id="divErro"], [id="divInfraExcecao"]')) {
      if (el.closest('#kc-form-login')) continue;
      const txt = el.textContent ?? '';
      if (txt.length < 2000 && isRejectionText(txt) && visible(el)) return `${el.id ? `#${el.id}` : `.${(el.className || el.tagName).toString().split(/\s+/)[0]}`}: ${shortText(el)}`;
    }
    const otpForm = doc.querySelector('#kc-otp-login-form');
    if (otpForm) {
      for (const el of allById(doc, 'input-error-otp-code')) {
        if (shortText(el) !== '' && visible(el)) return `#input-error-otp-code: ${shortText(el)}`;
      }
      for (const el of doc.querySelectorAll('.kc-feedback-text')) {
        const n = normalize(el.textContent ?? '');
        if (/invalid|bloquead|desabilitad|disabled|locked|tente novamente mais tarde|try again later/.test(n) && visible(el)) return `.kc-feedback-text: ${shortText(el)}`;
      }
      for (const el of otpForm.querySelectorAll('[id="otp"][aria-invalid="true"], input[name="otp"][aria-invalid="true"]')) {
        if (!el.closest('#kc-totp-settings-form')) return '#otp[aria-invalid=true]';
      }
    }
  }
  if (!fullText) return null;
  // The full sentence anywhere it is shown (eproc's message boxes vary by court and version).
  const root = doc.body;
  if (!root) return null;
  const walker = doc.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
  let seen = 0;
  for (let n = walker.nextNode(); n && seen < 200_000; n = walker.nextNode()) {
    const v = n.nodeValue ?? '';
    seen += v.length;
    if (v.length < 20 || v.length > 1000) continue;
    const p = n.parentElement;
    if (!p || SKIP_TEXT.has(p.tagName) || p.closest('script, style, noscript, template')) continue;
    if (isRejectionText(v, true) && visible(p)) return `text: ${v.replace(/\s+/g, ' ').trim().slice(0, 120)}`;
  }
  return null;
}

export { CODE_FIELD_SELECTOR };
