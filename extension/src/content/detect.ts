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

/** Rendered and not hidden: has boxes, not visibility:hidden, not type=hidden. */
export const domVisible: Visible = (el) => {
  if (!isHtml(el)) return false;
  if (isInput(el) && el.type === 'hidden') return false;
  if (el.hidden) return false;
  if (el.getClientRects().length === 0) return false;
  const st = el.ownerDocument.defaultView?.getComputedStyle(el);
  return !st || (st.visibility !== 'hidden' && st.visibility !== 'collapse' && st.display !== 'none');
};

const TEXTLIKE = new Set(['', 'text', 'tel', 'number', 'password', 'search']);

function fillable(el: Element | null, visible: Visible): el is HTMLInputElement {
  return (
    isInput(el) &&
    TEXTLIKE.has(el.type) && !el.disabled && !el.readOnly && visible(el)
  );
}

export type LoginKind = 'eproc' | 'keycloak' | 'one-time-code' | 'split';

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

/** The login code field on the page, if one is shown. */
export function findLoginField(doc: Document, visible: Visible = domVisible): LoginField | null {
  const eproc = doc.getElementById('txtAcessoCodigo');
  if (fillable(eproc, visible)) return { kind: 'eproc', inputs: [eproc] };
  const kc = doc.querySelector('#kc-otp-login-form #otp, #kc-otp-login-form input[name="otp"]') ?? doc.getElementById('otp');
  if (fillable(kc, visible) && !inEnrollmentForm(kc) && kc.maxLength !== 1) return { kind: 'keycloak', inputs: [kc] };
  for (const el of doc.querySelectorAll('input[autocomplete="one-time-code" i]')) {
    if (fillable(el, visible) && !inEnrollmentForm(el) && el.maxLength !== 1) return { kind: 'one-time-code', inputs: [el] };
  }
  for (const g of findSplitBoxes(doc, visible)) {
    if (!g.some(inEnrollmentForm)) return { kind: 'split', inputs: g };
  }
  return null;
}

/** The button that submits the code (only the known ones), never a forbidden control. */
export function findLoginSubmit(doc: Document, field: LoginField): HTMLElement | null {
  let btn: Element | null = null;
  const first = field.inputs[0]!;
  if (field.kind === 'eproc') btn = doc.getElementById('btnValidar');
  else if (field.kind === 'keycloak') {
    btn = doc.querySelector('#kc-otp-login-form #kc-login') ?? first.form?.querySelector('#kc-login') ?? null;
  } else {
    const form = first.form;
    const submits = form ? [...form.querySelectorAll('button[type="submit"], input[type="submit"], button:not([type])')] : [];
    btn = submits.length === 1 ? submits[0]! : null;
  }
  if (!isHtml(btn) || isForbiddenControl(btn)) return null;
  if ((btn as HTMLButtonElement).disabled) return null;
  return btn;
}

/** The user name visible on the page: Keycloak's attempted user name, or a login field's value. */
export function userOnPage(doc: Document): { attempted: string | null; typed: string | null } {
  const att = doc.getElementById('kc-attempted-username');
  const attempted = att?.textContent?.trim() || null;
  let typed: string | null = null;
  const fields = [doc.getElementById('txtUsuario'), doc.getElementById('username'), doc.querySelector('input[name="txtUsuario"]')];
  for (const el of fields) {
    if (isInput(el) && el.type !== 'password' && el.value.trim() !== '') {
      typed = el.value.trim();
      break;
    }
  }
  return { attempted, typed };
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
    const key = g[1]!.replace(/[ \u00a0]/g, '').toUpperCase();
    if (key.replace(/=+$/, '').length >= 16) return key;
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
  if (!secret) {
    for (const el of doc.querySelectorAll('label, span, div, p, td, th, strong, b, code, pre, li, dd, h1, h2, h3, h4, font')) {
      // Only the innermost elements that hold the key (short text).
      const txt = el.textContent ?? '';
      if (txt.length > 400 || txt.length < 16) continue;
      const k = extractBase32Key(txt);
      if (k && ![...el.children].some((c) => extractBase32Key(c.textContent ?? '') === k)) {
        secret = k;
        break;
      }
    }
  }
  if (!secret) {
    for (const i of doc.querySelectorAll<HTMLInputElement>('input[readonly], input[type="hidden"]')) {
      const k = extractBase32Key(i.value);
      if (k) {
        secret = k;
        break;
      }
    }
  }
  if (!secret) return null;
  const qr = [...doc.querySelectorAll('img')].some((img) => (img.getAttribute('src') ?? '').startsWith('data:image') || /qr/i.test(`${img.id} ${img.className} ${img.alt}`));
  const inputs = [...doc.querySelectorAll<HTMLInputElement>('input')].filter((i) => TEXTLIKE.has(i.type) || i.type === 'email');
  const emailInput = inputs.find(isEmailInput) ?? null;
  const candidates = inputs.filter((i) => i !== emailInput && !i.readOnly && !i.disabled && visible(i) && !isEmailInput(i));
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
