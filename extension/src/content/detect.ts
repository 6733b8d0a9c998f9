// Finding things on eproc and Keycloak pages. DOM-only and free of extension APIs, so the unit
// tests run it on jsdom. Visibility is a parameter (jsdom has no layout).

export type Visible = (el: Element) => boolean;

// Tag checks instead of `instanceof`: they work across realms (content-script worlds, jsdom).
export function isInput(el: unknown): el is HTMLInputElement {
  return !!el && (el as Element).tagName === 'INPUT';
}
function isForm(el: unknown): el is HTMLFormElement {
  return !!el && (el as Element).tagName === 'FORM';
}
function isHtml(el: unknown): el is HTMLElement {
  return !!el && typeof (el as HTMLElement).click === 'function' && (el as Element).nodeType === 1;
}

/** What the user sees: connected, rendered with a non-empty box, no display:none /
 * visibility:hidden (inherited), no `hidden`, `inert` or `aria-hidden="true"` ancestor, not
 * type=hidden, not disabled. eproc renders its bars twice with the same ids, one copy hidden. */
export const domVisible: Visible = (el) => {
  if (!isHtml(el) || !el.isConnected) return false;
  if (isInput(el) && (el.type === 'hidden' || el.disabled)) return false;
  if (el.closest('[hidden], [inert], [aria-hidden="true"]')) return false;
  const rects = el.getClientRects();
  if (rects.length === 0) return false;
  let area = false;
  for (const r of rects) if (r.width > 0 || r.height > 0) area = true;
  if (!area) return false;
  const st = el.ownerDocument.defaultView?.getComputedStyle(el);
  return !st || (st.visibility !== 'hidden' && st.visibility !== 'collapse' && st.display !== 'none');
};

/** Every element with this id (ids are not unique on eproc pages), in document order. */
export function allById(root: ParentNode, id: string): Element[] {
  return [...root.querySelectorAll(`[id="${id}"]`)];
}

/** The first element with this id that the user sees, else the first one. */
export function shownById(doc: Document, id: string, visible: Visible = domVisible): Element | null {
  const all = allById(doc, id);
  return all.find((e) => visible(e)) ?? all[0] ?? null;
}

/** A captcha's answer box (eproc `#txtInfraCaptcha`, reCAPTCHA/hCaptcha/Turnstile): never typed into. */
export function isCaptchaInput(el: Element): boolean {
  const i = el as HTMLInputElement;
  const hints = `${el.id} ${el.getAttribute('name') ?? ''} ${el.className} ${i.placeholder ?? ''} ${el.getAttribute('aria-label') ?? ''}`;
  if (/captcha|turnstile/i.test(hints)) return true;
  return el.closest('#divInfraCaptcha, [id*="captcha" i], [class*="captcha" i], .cf-turnstile') !== null;
}

const TEXTLIKE = new Set(['', 'text', 'tel', 'number', 'password', 'search']);

function fillable(el: Element | null, visible: Visible): el is HTMLInputElement {
  return (
    isInput(el) &&
    TEXTLIKE.has(el.type) && !el.disabled && !el.readOnly && visible(el) && !isCaptchaInput(el)
  );
}

/** `eproc` (#txtAcessoCodigo) and `keycloak` (#otp in #kc-otp-login-form) are the known forms, the
 * only ones ever submitted automatically; the others (a stray #otp, autocomplete=one-time-code,
 * split boxes) are filled, never submitted: they may be another kind of code. */
export type LoginKind = 'eproc' | 'keycloak' | 'otp' | 'one-time-code' | 'split';

export const KNOWN_FORMS: ReadonlySet<LoginKind> = new Set(['eproc', 'keycloak']);

export interface LoginField {
  kind: LoginKind;
  /** One input, or the single-digit boxes in order. */
  inputs: HTMLInputElement[];
}

/** Controls that must never be activated on the user's behalf. */
const FORBIDDEN_RE = /desativar|cancelar\s+dispositivos|dispositivos\s+liberados|n[ãa]o\s+usar\s+o\s+2fa|confiar\s+neste|trust\s+this|savedevice|save-device|lembrar\s+(este\s+)?dispositivo/i;

export function isForbiddenControl(el: Element): boolean {
  if (isInput(el) && (el.type === 'checkbox' || el.type === 'radio')) {
    return true;
  }
  const parts = [
    el.id, el.getAttribute('name'), el.getAttribute('value'), el.getAttribute('title'),
    el.getAttribute('onclick'), el.textContent,
  ];
  return parts.some((p) => typeof p === 'string' && FORBIDDEN_RE.test(p));
}

/** Runs of 4-8 consecutive single-character inputs (split code boxes), in document order. */
export function findSplitBoxes(root: ParentNode, visible: Visible): HTMLInputElement[][] {
  const inputs = [...root.querySelectorAll<HTMLInputElement>('input')].filter((i) => fillable(i, visible));
  const groups: HTMLInputElement[][] = [];
  let run: HTMLInputElement[] = [];
  const flush = () => {
    if (run.length >= 4 && run.length <= 8) groups.push(run);
    run = [];
  };
  for (const i of inputs) {
    if (i.maxLength === 1) {
      // Boxes of one group share a form (or both have none) and a nearby ancestor.
      const prev = run[run.length - 1];
      if (prev && (prev.form !== i.form || !nearby(prev, i))) flush();
      run.push(i);
    } else {
      flush();
    }
  }
  flush();
  return groups;
}

function nearby(a: Element, b: Element): boolean {
  let p: Element | null = a.parentElement;
  for (let depth = 0; p && depth < 3; depth++, p = p.parentElement) if (p.contains(b)) return true;
  return false;
}

/** Inside an enrollment form (never login-filled: its code comes from `enroll`). */
function inEnrollmentForm(el: Element): boolean {
  return el.closest('#kc-totp-settings-form') !== null;
}

/** Whether the page holds a code field at all (any copy, shown or not): a cheap selector check
 * that runs before the visibility checks (which force a layout). */
export const CODE_FIELD_SELECTOR =
  '[id="txtAcessoCodigo"], [id="otp"], input[name="otp"], input[autocomplete="one-time-code" i], input[maxlength="1"]';

/** The login code field on the page that the user sees, if one is shown. */
export function findLoginField(doc: Document, visible: Visible = domVisible): LoginField | null {
  if (!doc.querySelector(CODE_FIELD_SELECTOR)) return null;
  const eproc = allById(doc, 'txtAcessoCodigo').find((e) => fillable(e, visible));
  if (eproc) return { kind: 'eproc', inputs: [eproc as HTMLInputElement] };
  const otpOk = (e: Element): e is HTMLInputElement => fillable(e, visible) && !inEnrollmentForm(e) && (e as HTMLInputElement).maxLength !== 1;
  const kc = [...doc.querySelectorAll('#kc-otp-login-form #otp, #kc-otp-login-form input[name="otp"]')].find(otpOk);
  if (kc) return { kind: 'keycloak', inputs: [kc] };
  const stray = allById(doc, 'otp').find(otpOk);
  if (stray) return { kind: 'otp', inputs: [stray] };
  for (const el of doc.querySelectorAll('input[autocomplete="one-time-code" i]')) {
    if (otpOk(el)) return { kind: 'one-time-code', inputs: [el] };
  }
  for (const g of findSplitBoxes(doc, visible)) {
    if (!g.some(inEnrollmentForm)) return { kind: 'split', inputs: g };
  }
  return null;
}

/** Every element of the page that is the same code field as `field` (its copies by id). */
export function copiesOf(doc: Document, field: LoginField): Element[] {
  const id = field.inputs[0]?.id;
  return id && field.kind !== 'split' ? allById(doc, id) : [...field.inputs];
}

/**
 * The button that submits the code, on the known forms only (eproc `#btnValidar` with
 * `#txtAcessoCodigo`; `#kc-login` of `#kc-otp-login-form`), the copy the user sees, never a
 * forbidden control. The generic fallbacks get null: they are never submitted automatically.
 */
export function findLoginSubmit(doc: Document, field: LoginField, visible: Visible = domVisible): HTMLElement | null {
  const first = field.inputs[0]!;
  let candidates: Element[] = [];
  if (field.kind === 'eproc') {
    candidates = allById(doc, 'btnValidar');
    // The copy in the field's own form (or next to it) first.
    const form = first.form;
    candidates.sort((a, b) => Number(!!form && (b as HTMLButtonElement).form === form) - Number(!!form && (a as HTMLButtonElement).form === form));
  } else if (field.kind === 'keycloak') {
    const form = first.closest('#kc-otp-login-form');
    if (form) candidates = allById(form, 'kc-login');
    // Several registered authenticators: the user picks which one; never submit for them.
    if (form && form.querySelectorAll('input[name="selectedCredentialId"]').length > 1) return null;
  } else {
    return null;
  }
  const btn = candidates.find((b) => visible(b)) ?? null;
  if (!isHtml(btn) || isForbiddenControl(btn)) return null;
  if ((btn as HTMLButtonElement).disabled) return null;
  return btn;
}

/** The user name visible on the page: Keycloak's attempted user name, or a login field's value. */
export function userOnPage(doc: Document): { attempted: string | null; typed: string | null } {
  const attempted = allById(doc, 'kc-attempted-username').map((e) => e.textContent?.trim() ?? '').find((s) => s !== '') || null;
  let typed: string | null = null;
  const fields = [...allById(doc, 'txtUsuario'), ...allById(doc, 'username'), ...doc.querySelectorAll('input[name="txtUsuario"]')];
  for (const el of fields) {
    if (isInput(el) && el.type !== 'password' && el.value.trim() !== '') {
      typed = el.value.trim();
      break;
    }
  }
  return { attempted, typed };
}

/** A password typed in the login step (eproc's visible `#pwdSenha` or its hidden mirror; Keycloak
 * `#password`). */
export function passwordTyped(doc: Document): boolean {
  const els = [...allById(doc, 'pwdSenha'), ...doc.querySelectorAll('input[name="pwdSenha"]'), ...allById(doc, 'password'), ...doc.querySelectorAll('#kc-form-login input[type="password"]')];
  return els.some((el) => isInput(el) && el.value !== '');
}

// ------------------------------------------------------------------ enrollment pages

/** A base32 key shown for typing: groups of four (16+ characters), or one long token with a digit. */
const GROUPED_RE = /(?:^|[^A-Z2-7])((?:[A-Z2-7]{4}[ \u00a0]+){3,}[A-Z2-7]{2,4}(?:=*))(?![A-Z2-7])/i;
const TOKEN_RE = /^[A-Z2-7]{16,128}=*$/;

/** The key in a text, without spaces and upper-cased, or null. */
export function extractBase32Key(text: string): string | null {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length > 400) return null;
  const g = GROUPED_RE.exec(t);
  if (g) {
    const groups = g[1]!.trim().split(/[ \u00a0]+/);
    const key = groups.join('').toUpperCase();
    const bare = key.replace(/=+$/, '');
    // Court acronyms in a row ("TRF4 JFPR JFSC JFRS") are not a key.
    const acronyms = groups.filter((x) => /^(?:TRF[1-6]|TJ[A-Z]{2}|JF[A-Z]{2}|STM|STJ|TSE|OAB[A-Z]{0,2})$/i.test(x)).length;
    if (bare.length >= 16 && acronyms * 2 < groups.length) return key;
  }
  if (TOKEN_RE.test(t) && /[2-7]/.test(t) && /[A-Z]/i.test(t) && t === t.toUpperCase()) return t;
  return null;
}

export interface EnrollmentPage {
  kind: 'keycloak' | 'eproc';
  secret: string;
  algorithm?: string;
  digits?: number;
  period?: number;
  codeInput: HTMLInputElement;
  emailInput: HTMLInputElement | null;
  form: HTMLFormElement | null;
  /** Buttons that send the enrollment form (blocked until the key is stored). */
  submitButtons: HTMLElement[];
  /** The QR image's data: URL, decoded by the background to cross-check the key. */
  qrSrc?: string;
}

function qrDataUrl(doc: Document): string | undefined {
  const img = doc.getElementById('kc-totp-secret-qr-code') ?? doc.querySelector('img[src^="data:image"]');
  const src = img?.getAttribute('src') ?? '';
  return src.startsWith('data:image/') && src.length < 2_000_000 ? src : undefined;
}

function numberIn(el: Element | null): number | undefined {
  const m = el?.textContent?.match(/(\d+)/);
  return m ? Number(m[1]) : undefined;
}

function algorithmIn(el: Element | null): string | undefined {
  const m = el?.textContent?.match(/SHA-?(1|256|512)\b/i);
  return m ? `SHA${m[1]}` : undefined;
}

const SEND_RE = /enviar|salvar|confirmar|validar|cadastrar|submit|save|send|ok\b/i;
const CANCEL_RE = /cancel/i;

function submitButtonsOf(form: ParentNode | null, extra: (Element | null)[]): HTMLElement[] {
  const out = new Set<HTMLElement>();
  for (const e of extra) if (isHtml(e)) out.add(e);
  if (form) {
    for (const b of form.querySelectorAll<HTMLElement>('button, input[type="submit"], input[type="button"], input[type="image"]')) {
      const label = `${b.textContent ?? ''} ${b.getAttribute('value') ?? ''} ${b.id} ${b.getAttribute('name') ?? ''}`;
      const type = (b.getAttribute('type') ?? (b.tagName === 'BUTTON' ? 'submit' : 'text')).toLowerCase();
      const isSubmit = type === 'submit' || type === 'image';
      if (CANCEL_RE.test(label) || isForbiddenControl(b)) continue;
      if (isSubmit || SEND_RE.test(label)) out.add(b);
    }
  }
  return [...out];
}

const EMAIL_RE = /e-?mail/i;
const CODE_HINT_RE = /c[oó]d|token|otp|totp|verifica|autentica/i;

function isEmailInput(i: HTMLInputElement): boolean {
  if (i.type === 'email') return true;
  const hints = `${i.id} ${i.name} ${i.placeholder} ${i.getAttribute('aria-label') ?? ''} ${i.labels?.[0]?.textContent ?? ''}`;
  return i.type === 'text' && EMAIL_RE.test(hints);
}

const NOT_TEXT = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TEXTAREA', 'SELECT', 'OPTION', 'svg', 'SVG']);
/** Attributes a page may keep the key in for its "click to copy" (a link, a button, a label). */
const KEY_ATTRS = ['data-clipboard-text', 'data-chave', 'data-key', 'data-secret', 'data-copy', 'data-texto'];

/**
 * The key as the page shows it, found by its text in any element, not by a list of tags: a link
 * or button ("clique no código alfanumérico para copiá-lo"), a label with a click handler, a table
 * cell, a read-only or hidden input's value, a copy button's data attribute. Only the innermost
 * element holding the key counts (short text); texts that are not a key are refused by
 * `extractBase32Key`.
 */
export function keyShownOnPage(doc: Document): string | null {
  const root = doc.body ?? doc.documentElement;
  if (!root) return null;
  for (const el of root.querySelectorAll('*')) {
    if (NOT_TEXT.has(el.tagName) || el.closest('script, style, noscript, template')) continue;
    for (const a of KEY_ATTRS) {
      const v = el.getAttribute(a);
      const k = v ? extractBase32Key(v) : null;
      if (k) return k;
    }
    if (isInput(el)) {
      if (el.readOnly || el.disabled || ['hidden', 'button', 'submit'].includes(el.type)) {
        const k = extractBase32Key(el.value);
        if (k) return k;
      }
      continue;
    }
    const txt = el.textContent ?? '';
    if (txt.length > 400 || txt.length < 16) continue;
    const k = extractBase32Key(txt);
    // A child holding a key: that child (innermost) is read instead ("Chave" + key in cells).
    if (k && ![...el.children].some((c) => extractBase32Key(c.textContent ?? '') !== null)) return k;
  }
  return null;
}

/** Keycloak's configure-OTP page, or eproc's own enrollment page recognised by its content. */
export function detectEnrollment(doc: Document, visible: Visible = domVisible): EnrollmentPage | null {
  // Keycloak: #kc-totp-settings-form, key in the hidden totpSecret input or #kc-totp-secret-key.
  const kcForm = doc.getElementById('kc-totp-settings-form');
  if (isForm(kcForm)) {
    const code = doc.getElementById('totp') ?? kcForm.querySelector('input[name="totp"]');
    // `#kc-totp-secret-key` (manual mode) shows the base32 key. The hidden `totpSecret` input holds
    // Keycloak's RAW secret (a string whose bytes are the HMAC key): base32-encode it.
    let secret: string | null = null;
    const keyEl = doc.getElementById('kc-totp-secret-key');
    if (keyEl?.textContent?.trim()) secret = extractBase32Key(keyEl.textContent) ?? keyEl.textContent.replace(/\s+/g, '').toUpperCase();
    const hidden = kcForm.querySelector('input[name="totpSecret"]') ?? doc.querySelector('input[name="totpSecret"]');
    if (!secret && isInput(hidden) && hidden.value !== '') secret = base32Encode(new TextEncoder().encode(hidden.value));
    if (secret && isInput(code)) {
      const page: EnrollmentPage = {
        kind: 'keycloak', secret, codeInput: code, emailInput: null, form: kcForm,
        submitButtons: submitButtonsOf(kcForm, [doc.getElementById('saveTOTPBtn')]),
      };
      const qrSrc = qrDataUrl(doc);
      if (qrSrc) page.qrSrc = qrSrc;
      const alg = algorithmIn(doc.getElementById('kc-totp-algorithm'));
      const digits = numberIn(doc.getElementById('kc-totp-digits'));
      const period = numberIn(doc.getElementById('kc-totp-period'));
      if (alg) page.algorithm = alg;
      if (digits) page.digits = digits;
      if (period) page.period = period;
      return page;
    }
    return null;
  }

  // eproc: QR image + key text in groups of four + a 6-digit input + an e-mail input. A cheap
  // pre-check first (this runs on every page of the registry's systems).
  if (!doc.querySelector('img[src^="data:image"], input[type="email"], input[placeholder*="mail" i], input[name*="mail" i], input[id*="mail" i], #lblChaveDigitavel')) {
    return null;
  }
  let secret: string | null = null;
  const hint = doc.getElementById('lblChaveDigitavel');
  if (hint?.textContent) secret = extractBase32Key(hint.textContent);
  if (!secret) secret = keyShownOnPage(doc);
  if (!secret) return null;
  const qr = [...doc.querySelectorAll('img')].some((img) => (img.getAttribute('src') ?? '').startsWith('data:image') || /qr/i.test(`${img.id} ${img.className} ${img.alt}`));
  const inputs = [...doc.querySelectorAll<HTMLInputElement>('input')].filter((i) => TEXTLIKE.has(i.type) || i.type === 'email');
  const emailInput = inputs.find(isEmailInput) ?? null;
  const candidates = inputs.filter((i) => i !== emailInput && !i.readOnly && !i.disabled && visible(i) && !isEmailInput(i) && !isCaptchaInput(i));
  const codeInput =
    candidates.find((i) => i.id === 'txtAcessoCodigo') ??
    candidates.find((i) => i.maxLength === 6) ??
    candidates.find((i) => i.autocomplete === 'one-time-code') ??
    candidates.find((i) => CODE_HINT_RE.test(`${i.id} ${i.name} ${i.placeholder}`)) ??
    null;
  if (!codeInput || !(qr || emailInput)) return null;
  const form = codeInput.form ?? (codeInput.closest('form') as HTMLFormElement | null);
  const page: EnrollmentPage = {
    kind: 'eproc', secret, codeInput, emailInput, form,
    submitButtons: submitButtonsOf(form ?? doc.body, []),
  };
  const qrSrc = qrDataUrl(doc);
  if (qrSrc) page.qrSrc = qrSrc;
  return page;
}

/** Personal e-mail required: the court refuses institutional addresses. */
const INSTITUTIONAL_SUFFIXES = ['jus.br', 'gov.br', 'mp.br', 'leg.br', 'def.br', 'mil.br', 'tc.br', 'edu.br'];

export function isInstitutionalEmail(email: string): boolean {
  const at = email.lastIndexOf('@');
  if (at < 0) return false;
  const domain = email.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
  return INSTITUTIONAL_SUFFIXES.some((s) => domain === s || domain.endsWith(`.${s}`));
}

/** The otpauth URI for the phone-app backup. */
export function otpauthUri(p: { secret: string; issuer: string; account: string; algorithm?: string; digits?: number; period?: number }): string {
  const label = encodeURIComponent(`${p.issuer}:${p.account}`);
  const q = new URLSearchParams({ secret: p.secret.replace(/[\s=]/g, '').toUpperCase(), issuer: p.issuer });
  if (p.algorithm && p.algorithm !== 'SHA1') q.set('algorithm', p.algorithm);
  if (p.digits && p.digits !== 6) q.set('digits', String(p.digits));
  if (p.period && p.period !== 30) q.set('period', String(p.period));
  return `otpauth://totp/${label}?${q.toString()}`;
}

/** RFC 4648 base32 without padding. */
export function base32Encode(bytes: Uint8Array): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += A[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += A[(value << (5 - bits)) & 31];
  return out;
}

/** The key grouped by four for reading aloud / typing. */
export function groupKey(secret: string): string {
  return secret.replace(/[\s=]/g, '').toUpperCase().replace(/(.{4})(?=.)/g, '$1 ');
}
