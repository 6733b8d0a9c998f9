// Popup: the accounts with live codes (peek: uses up nothing), titled by court, the current tab's
// court first; a countdown ring that warns in the last seconds and shows the next code then;
// click the code (or the copy button) to copy its digits. The status box appears only when
// something needs attention, with one way out.
import { ext } from '../shared/api';
import { clear, h } from '../shared/dom';
import { errorMessageKey } from '../shared/errors';
import { t } from '../shared/i18n';
import type { ClockReply, PageRequest, StatusReply } from '../shared/messages';
import { type AccountInfo, type SystemPrefixes, accountName, authenticatorOfUrl, matchesSearch, orderAccounts } from './account-view';
import { ENDING_S, fillCode, ring, type Ring } from './code-view';
import { renderExtraNotices } from './extra-notices';
import { localizePage } from './page-lang';
import { DOCS_URL, describeSource, storeLine } from './status-view';
import { rejectionBlock, renderClock } from './court-state';

type Answer = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string } };

/** More accounts than this get a search box. */
const SEARCH_FROM = 5;

interface Live {
  acc: AccountInfo;
  name: string;
  code: string | null;
  next: string | null;
  expires: number;
  period: number;
  error: string | null;
  row: HTMLElement;
  codeEl: HTMLButtonElement;
  nextEl: HTMLElement;
  ring: Ring;
  copyBtn: HTMLButtonElement;
  loading: boolean;
}

const send = async <T>(msg: PageRequest): Promise<T> => {
  try {
    return (await ext.runtime.sendMessage(msg)) as T;
  } catch {
    return { ok: false, error: { code: 'extension_error' } } as T;
  }
};

const lives: Live[] = [];

/** This popup was opened in a window of its own by a court page's "Unlock" button. */
const UNLOCK_WINDOW = new URLSearchParams(location.search).get('unlock') === '1';

const also = (list: string) => t('uiAlso', [list]);

async function peek(l: Live): Promise<void> {
  if (l.loading) return;
  l.loading = true;
  const a = await send<Answer>({ kind: 'peek', authenticator: l.acc.authenticator, user: l.acc.user });
  l.loading = false;
  if (a.ok) {
    l.code = String(a.code);
    l.next = typeof a.next_code === 'string' ? a.next_code : null;
    l.period = Number(a.period) || 30;
    l.expires = Date.now() + (Number(a.valid_for_s) || 1) * 1000;
    l.error = null;
  } else {
    l.code = null;
    l.next = null;
    l.error = a.error.code;
    l.expires = Date.now() + 5000;
  }
  render(l);
}

function render(l: Live): void {
  const left = Math.max(0, Math.ceil((l.expires - Date.now()) / 1000));
  if (l.code) {
    if (l.codeEl.dataset.code !== l.code) fillCode(l.codeEl, l.code);
    l.codeEl.dataset.code = l.code;
    l.codeEl.disabled = false;
    l.ring.set(left, l.period);
    l.row.classList.toggle('ending', left <= ENDING_S);
    const showNext = left <= ENDING_S && !!l.next;
    l.nextEl.hidden = !showNext;
    if (showNext && l.nextEl.dataset.code !== l.next) {
      l.nextEl.dataset.code = l.next!;
      const digits = h('span', { class: 'digits' });
      fillCode(digits, l.next!);
      clear(l.nextEl);
      l.nextEl.append(t('uiNextCode', ['']).trim(), ' ', digits);
    }
    l.copyBtn.disabled = false;
  } else {
    clear(l.codeEl);
    l.codeEl.append(h('span', { class: l.error ? 'err' : 'wait', text: l.error ? t(errorMessageKey(l.error)) : '…' }));
    delete l.codeEl.dataset.code;
    l.codeEl.disabled = true;
    l.ring.set(0, l.period);
    l.row.classList.remove('ending');
    l.nextEl.hidden = true;
    l.copyBtn.disabled = true;
  }
}

function tick(): void {
  for (const l of lives) {
    if (Date.now() >= l.expires) void peek(l);
    else render(l);
  }
}

const liveRegion = () => document.getElementById('live')!;

async function copyText(l: Live, text: string | null): Promise<void> {
  if (!text) return;
  let ok = true;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    ok = false;
  }
  l.copyBtn.textContent = ok ? t('uiCopied') : t('uiCopyFailed');
  l.copyBtn.classList.toggle('done', ok);
  liveRegion().textContent = ok ? t('uiCopiedLive', [l.name]) : t('uiCopyFailed');
  setTimeout(() => {
    l.copyBtn.textContent = t('uiCopyCode');
    l.copyBtn.classList.remove('done');
  }, 1500);
}

function openOptions(hash = ''): void {
  if (hash) void ext.tabs.create({ url: ext.runtime.getURL(`options.html${hash}`) }).catch(() => ext.runtime.openOptionsPage());
  else void ext.runtime.openOptionsPage();
  if (!UNLOCK_WINDOW) window.close();
}

async function loadStatus(retry = false): Promise<void> {
  const box = document.getElementById('status')!;
  const s = await send<StatusReply>({ kind: 'status', retry });
  clear(box);
  const line = document.getElementById('store-line');
  if (line) {
    // Only when all is well: otherwise the status box already says what the store's state is.
    const text = describeSource(s).attention ? null : storeLine(s);
    line.textContent = text ?? '';
    line.hidden = !text;
  }
  const v = describeSource(s);
  box.className = `status ${v.tone}${v.attention ? '' : ' quiet'}`;
  box.dataset.state = v.tone;
  box.dataset.source = v.state;
  if (!v.attention) {
    // All is well: no box. Browser mode keeps a quiet line with its lock button.
    box.hidden = v.browser !== 'unlocked';
    if (v.browser === 'unlocked') {
      const b = h('button', { type: 'button', class: 'b small', 'data-action': 'lock', text: t('bmLock') });
      b.addEventListener('click', async () => {
        await send<Answer>({ kind: 'browser-mode', command: { op: 'lock' } });
        void loadAll();
      });
      box.append(h('span', { class: 'muted', text: v.title }), b);
    }
    return;
  }
  box.hidden = false;
  box.setAttribute('role', v.tone === 'error' ? 'alert' : 'status');
  box.append(h('strong', { class: 'title', text: v.title }));
  if (v.text) box.append(h('p', { text: v.text }));
  if (v.command) box.append(h('pre', { class: 'cmd', text: v.command }));
  if (v.docs) box.append(h('p', {}, h('a', { href: DOCS_URL, target: '_blank', rel: 'noopener', 'data-action': 'docs', text: t('uiHostMissingDocs') })));
  if (v.action === 'unlock') {
    const pass = h('input', { type: 'password', name: 'passphrase', autocomplete: 'current-password', 'aria-label': t('bmPassphrase'), placeholder: t('bmPassphrase') });
    const b = h('button', { type: 'button', class: 'b primary', 'data-action': 'unlock', text: t('bmUnlock') });
    const msg = h('p', { class: 'muted', 'aria-live': 'polite' });
    const go = async () => {
      b.disabled = true;
      const r = await send<Answer>({ kind: 'browser-mode', command: { op: 'unlock', passphrase: pass.value } });
      pass.value = '';
      b.disabled = false;
      // Opened from a court page's notice (its own window): that page fills the code now.
      if (r.ok && UNLOCK_WINDOW) window.close();
      else if (r.ok) void loadAll();
      else msg.textContent = t(errorMessageKey(r.error.code));
    };
    b.addEventListener('click', () => void go());
    pass.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        void go();
      }
    });
    box.append(h('div', { class: 'row' }, pass, b), msg);
    pass.focus();
    return;
  }
  const row = h('div', { class: 'row' });
  if (v.action === 'retry') {
    const b = h('button', { type: 'button', class: 'b primary', 'data-action': 'retry', text: t('retry') });
    b.addEventListener('click', () => void loadAll(true));
    row.append(b);
  }
  if (v.action === 'open-options') {
    const b = h('button', { type: 'button', class: 'b primary', 'data-action': 'open-options', text: t('uiOpenOptions') });
    b.addEventListener('click', () => openOptions());
    row.append(b);
  }
  if (row.childElementCount) box.append(row);
  if (v.alternative === 'browser-mode') {
    const a = h('a', { href: '#', class: 'alt', 'data-action': 'open-options', text: t('uiHostMissingAlt') });
    a.addEventListener('click', (e) => { e.preventDefault(); openOptions('#bm-section'); });
    box.append(h('p', { class: 'muted' }, a));
  }
}

/** The current tab's court: its authenticator, display name and host. */
interface TabCourt {
  authenticator: string;
  title: string;
  host: string;
}

let tabCourt: TabCourt | null = null;

async function currentCourt(): Promise<string | null> {
  tabCourt = null;
  try {
    const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
    if (!tab?.url) return null;
    const s = await send<Answer>({ kind: 'systems' });
    if (!s.ok || !Array.isArray(s.systems)) return null;
    const systems = s.systems as (SystemPrefixes & { title?: string; short?: string })[];
    const auth = authenticatorOfUrl(tab.url, systems);
    if (auth) {
      const sys = systems.find((x) => x.authenticator === auth);
      tabCourt = { authenticator: auth, title: sys?.title || sys?.short || auth.toUpperCase(), host: new URL(tab.url).hostname };
    }
    return auth;
  } catch {
    return null;
  }
}

/** The court clock of the current tab's court, in the notices box. */
async function loadClock(): Promise<void> {
  const box = document.getElementById('notices')!;
  if (!tabCourt) {
    renderClock(box, null, '');
    return;
  }
  const r = await send<ClockReply>({ kind: 'clock', host: tabCourt.host });
  renderClock(box, r && typeof r === 'object' && 'clock' in r ? r : null, tabCourt.title);
}

function accountRow(acc: AccountInfo, current: boolean): Live {
  const name = accountName(acc, also);
  // The code's accessible name is its digits (what is seen); the copy button names the account.
  const codeEl = h('button', { type: 'button', class: 'code', 'data-role': 'code', title: t('uiClickToCopy', [name.short]) });
  const copyBtn = h('button', { type: 'button', class: 'b copy', 'data-action': 'copy', 'aria-label': t('uiCopyCodeOf', [name.short]), text: t('uiCopyCode') });
  const nextEl = h('button', { type: 'button', class: 'next', 'data-role': 'next', hidden: true });
  const r = ring();
  const row = h('li', { class: 'account', 'data-authenticator': acc.authenticator, 'data-user': acc.user, 'data-current': current ? 'true' : undefined },
    h('div', { class: 'who' },
      h('strong', { class: 'title', text: name.heading }),
      current ? h('span', { class: 'badge', text: t('uiThisPage') }) : null,
      name.detail ? h('span', { class: 'detail', text: name.detail }) : null),
    h('div', { class: 'row' }, codeEl, r.el, copyBtn),
    nextEl,
    // Issue 10: the court refused a code of this account: what to check, and a way to clear it.
    rejectionBlock(acc.rejection, Date.now(), name.short, async () => {
      const a = await send<Answer>({ kind: 'login-reset', authenticator: acc.authenticator, user: acc.user });
      if (a.ok) void loadAccounts();
      return a.ok;
    }));
  if (row.querySelector('[data-role=rejection]')) row.classList.add('rejected');
  const l: Live = { acc, name: name.short, code: null, next: null, expires: 0, period: 30, error: null, row, codeEl, nextEl, ring: r, copyBtn, loading: false };
  codeEl.addEventListener('click', () => void copyText(l, l.code));
  copyBtn.addEventListener('click', () => void copyText(l, l.code));
  nextEl.addEventListener('click', () => void copyText(l, l.next));
  return l;
}

function applySearch(q: string): void {
  let shown = 0;
  for (const l of lives) {
    const ok = matchesSearch(l.acc, q);
    l.row.hidden = !ok;
    if (ok) shown++;
  }
  const none = document.getElementById('no-match')!;
  none.hidden = shown > 0;
}

async function loadAccounts(): Promise<void> {
  const list = document.getElementById('accounts')!;
  const empty = document.getElementById('empty')!;
  const searchWrap = document.getElementById('search-wrap')!;
  clear(list);
  lives.length = 0;
  empty.hidden = true;
  searchWrap.hidden = true;
  const [a, current] = await Promise.all([send<Answer>({ kind: 'accounts' }), currentCourt()]);
  if (!a.ok) {
    // The status box already explains a locked or missing store.
    if (!['store_locked', 'store_not_set_up', 'host_not_installed', 'host_forbidden', 'host_exited', 'host_timeout', 'keyring_locked', 'keyring_unavailable', 'browser_mode_unavailable'].includes(a.error.code)) {
      list.append(h('li', { class: 'muted', text: t(errorMessageKey(a.error.code)) }));
    }
    return;
  }
  const accounts = orderAccounts((Array.isArray(a.accounts) ? a.accounts : []) as AccountInfo[], current);
  if (accounts.length === 0) {
    empty.hidden = false;
    return;
  }
  searchWrap.hidden = accounts.length <= SEARCH_FROM;
  for (const acc of accounts) {
    const l = accountRow(acc, acc.authenticator === current);
    list.append(l.row);
    lives.push(l);
    render(l);
    void peek(l);
  }
  const q = (document.getElementById('search') as HTMLInputElement).value;
  if (q) applySearch(q);
}

async function loadAll(retry = false): Promise<void> {
  await loadStatus(retry);
  await loadAccounts();
  await loadClock();
  await renderExtraNotices(document.getElementById('notices')!);
}

localizePage();
document.getElementById('open-options')?.addEventListener('click', (ev) => {
  ev.preventDefault();
  openOptions();
});
document.getElementById('empty-import')?.addEventListener('click', (ev) => {
  ev.preventDefault();
  openOptions('#import');
});
const search = document.getElementById('search') as HTMLInputElement;
search.addEventListener('input', () => applySearch(search.value));
search.addEventListener('keydown', (e) => {
  // Enter copies the first account the search left.
  if (e.key === 'Enter') {
    e.preventDefault();
    const first = lives.find((l) => !l.row.hidden);
    if (first) void copyText(first, first.code);
  }
});
void loadAll();
setInterval(tick, 250);
