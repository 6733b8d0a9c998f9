// Popup: the accounts with live codes (peek: uses up nothing), a countdown, copy buttons, and the
// code source's state (how to install the host when it is missing).
import { ext } from '../shared/api';
import { clear, h } from '../shared/dom';
import { errorMessageKey } from '../shared/errors';
import { localizeDocument, t } from '../shared/i18n';
import type { PageRequest, StatusReply } from '../shared/messages';
import { describeStatus } from '../shared/status';

type Answer = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string } };

interface Account {
  authenticator: string;
  user: string;
  label: string | null;
  systems: string[];
}

interface Live {
  acc: Account;
  code: string | null;
  expires: number;
  period: number;
  error: string | null;
  codeEl: HTMLElement;
  barEl: HTMLElement;
  secsEl: HTMLElement;
  copyBtn: HTMLButtonElement;
  loading: boolean;
}

const send = async <T>(msg: PageRequest): Promise<T> => {
  try {
    return (await ext.runtime.sendMessage(msg)) as T;
  } catch (e) {
    return { ok: false, error: { code: 'extension_error' } } as T;
  }
};

const lives: Live[] = [];

/** This popup was opened in a window of its own by a court page's "Unlock" button. */
const UNLOCK_WINDOW = new URLSearchParams(location.search).get('unlock') === '1';

async function peek(l: Live): Promise<void> {
  if (l.loading) return;
  l.loading = true;
  const a = await send<Answer>({ kind: 'peek', authenticator: l.acc.authenticator, user: l.acc.user });
  l.loading = false;
  if (a.ok) {
    l.code = String(a.code);
    l.period = Number(a.period) || 30;
    l.expires = Date.now() + (Number(a.valid_for_s) || 1) * 1000;
    l.error = null;
  } else {
    l.code = null;
    l.error = a.error.code;
    l.expires = Date.now() + 5000;
  }
  render(l);
}

function render(l: Live): void {
  const left = Math.max(0, Math.ceil((l.expires - Date.now()) / 1000));
  if (l.code) {
    l.codeEl.textContent = `${l.code.slice(0, 3)} ${l.code.slice(3)}`;
    l.codeEl.dataset.code = l.code;
    l.secsEl.textContent = t('popupSeconds', [String(left)]);
    l.barEl.style.width = `${Math.min(100, (left / l.period) * 100)}%`;
    l.copyBtn.disabled = false;
  } else {
    l.codeEl.textContent = l.error ? t(errorMessageKey(l.error)) : '…';
    delete l.codeEl.dataset.code;
    l.secsEl.textContent = '';
    l.barEl.style.width = '0';
    l.copyBtn.disabled = true;
  }
}

function tick(): void {
  for (const l of lives) {
    if (Date.now() >= l.expires) void peek(l);
    else render(l);
  }
}

async function copy(l: Live): Promise<void> {
  if (!l.code) return;
  try {
    await navigator.clipboard.writeText(l.code);
    l.copyBtn.textContent = t('popupCopied');
  } catch {
    l.copyBtn.textContent = t('popupCopyFailed');
  }
  setTimeout(() => (l.copyBtn.textContent = t('popupCopy')), 1500);
}

async function loadStatus(retry = false): Promise<void> {
  const box = document.getElementById('status')!;
  clear(box);
  box.append(h('p', { class: 'muted', text: t('loading') }));
  const s = await send<StatusReply>({ kind: 'status', retry });
  clear(box);
  if (!s || !('hello' in s)) {
    box.className = 'status error';
    box.append(h('p', { text: t('err_extension_error') }));
    return;
  }
  const v = describeStatus(s);
  box.className = `status ${v.tone}`;
  box.dataset.state = v.tone;
  box.append(h('strong', { text: v.title }), h('p', { text: v.text }));
  if (v.command) {
    box.append(h('p', { text: t('statusInstallHelp') }), h('pre', { class: 'cmd', text: v.command }));
  }
  if (v.browser === 'locked') {
    const pass = h('input', { type: 'password', name: 'passphrase', autocomplete: 'current-password', 'aria-label': t('bmPassphrase'), placeholder: t('bmPassphrase') });
    const b = h('button', { type: 'button', class: 'b', 'data-action': 'unlock', text: t('bmUnlock') });
    const msg = h('p', { class: 'muted' });
    const go = async () => {
      const r = await send<Answer>({ kind: 'browser-mode', command: { op: 'unlock', passphrase: pass.value } });
      pass.value = '';
      // Opened from a court page's notice (its own window): that page fills the code now.
      if (r.ok && UNLOCK_WINDOW) window.close();
      else if (r.ok) void loadAll();
      else msg.textContent = t(errorMessageKey(r.error.code));
    };
    b.addEventListener('click', () => void go());
    pass.addEventListener('keydown', (e) => { if (e.key === 'Enter') void go(); });
    box.append(h('div', { class: 'row' }, pass, b), msg);
    pass.focus();
    return;
  }
  if (v.browser === 'not_set_up') {
    const b = h('button', { type: 'button', class: 'b', 'data-action': 'open-options', text: t('bmOpenOptions') });
    b.addEventListener('click', () => { void ext.runtime.openOptionsPage(); window.close(); });
    box.append(b);
    return;
  }
  if (v.browser === 'unlocked') {
    const b = h('button', { type: 'button', class: 'b', 'data-action': 'lock', text: t('bmLock') });
    b.addEventListener('click', async () => {
      await send<Answer>({ kind: 'browser-mode', command: { op: 'lock' } });
      void loadAll();
    });
    box.append(b);
  }
  if (v.tone !== 'ok') {
    const b = h('button', { type: 'button', class: 'b', 'data-action': 'retry', text: t('retry') });
    b.addEventListener('click', () => void loadAll(true));
    box.append(b);
  }
}

async function loadAccounts(): Promise<void> {
  const list = document.getElementById('accounts')!;
  clear(list);
  lives.length = 0;
  const a = await send<Answer>({ kind: 'accounts' });
  if (!a.ok) {
    // The status box already explains a locked or missing store.
    if (!['store_locked', 'store_not_set_up'].includes(a.error.code)) {
      list.append(h('p', { class: 'muted', text: t(errorMessageKey(a.error.code)) }));
    }
    return;
  }
  const accounts = (Array.isArray(a.accounts) ? a.accounts : []) as Account[];
  if (accounts.length === 0) {
    list.append(h('p', { class: 'muted', 'data-role': 'no-accounts', text: t('popupNoAccounts') }));
    return;
  }
  for (const acc of accounts) {
    const codeEl = h('span', { class: 'code', 'data-role': 'code', text: '…' });
    const barEl = h('span', { class: 'bar' });
    const secsEl = h('span', { class: 'secs' });
    const copyBtn = h('button', { type: 'button', class: 'b', 'data-action': 'copy', text: t('popupCopy') });
    const l: Live = { acc, code: null, expires: 0, period: 30, error: null, codeEl, barEl, secsEl, copyBtn, loading: false };
    copyBtn.addEventListener('click', () => void copy(l));
    const title = acc.label ? `${acc.label} · ${acc.user}` : acc.user;
    list.append(
      h('div', { class: 'account', 'data-authenticator': acc.authenticator, 'data-user': acc.user },
        h('div', { class: 'who' }, h('strong', { text: title }), h('span', { class: 'muted', text: (acc.systems ?? []).join(', ') || acc.authenticator })),
        h('div', { class: 'row' }, codeEl, copyBtn),
        h('div', { class: 'timer' }, h('span', { class: 'track' }, barEl), secsEl),
      ),
    );
    lives.push(l);
    void peek(l);
  }
}

async function loadAll(retry = false): Promise<void> {
  await loadStatus(retry);
  await loadAccounts();
}

localizeDocument();
document.getElementById('open-options')?.addEventListener('click', (ev) => {
  ev.preventDefault();
  void ext.runtime.openOptionsPage();
  window.close();
});
void loadAll();
setInterval(tick, 500);
