// Options: accounts (by court; rename, remove with a confirmation naming the account), add a key
// by pasting it, import keys from other apps (issue 11) and export to a new phone on request,
// auto-submit, code source mode, browser mode only where it can serve, and the organisation's
// policy only when one is set. Settings fixed by the organisation are shown as such and disabled.
import { ext } from '../shared/api';
import { clear, h } from '../shared/dom';
import { errorMessageKey } from '../shared/errors';
import { t } from '../shared/i18n';
import type { BrowserModeCommand, PageRequest, SettingsReply, StatusReply } from '../shared/messages';
import type { Mode } from '../shared/settings';
import { localizePage } from '../popup/page-lang';
import { DOCS_URL, describeSource, storeLine } from '../popup/status-view';
import { renderAccounts } from './accounts-table';
import { type RegistrySystemView, renderAddKey } from './add-key';
import { renderExport } from './export-ui';
import { type SystemOption, renderImport } from './import-ui';

type Answer = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string } };

const send = async <T>(msg: PageRequest): Promise<T> => {
  try {
    return (await ext.runtime.sendMessage(msg)) as T;
  } catch {
    return { ok: false, error: { code: 'extension_error' } } as T;
  }
};

const $ = (id: string) => document.getElementById(id)!;

/** The last status: whether the host is connected decides where browser mode is offered. */
let lastStatus: StatusReply | null = null;

async function loadStatus(retry = false): Promise<void> {
  const box = $('status');
  const s = await send<StatusReply>({ kind: 'status', retry });
  lastStatus = s && 'hello' in s ? s : null;
  const line = document.getElementById('store-line');
  if (line) {
    // Only when all is well: otherwise the status box already says what the store's state is.
    const text = describeSource(s).attention ? null : storeLine(s);
    line.textContent = text ?? '';
    line.hidden = !text;
  }
  clear(box);
  const v = describeSource(s);
  box.className = `status ${v.tone}`;
  box.dataset.state = v.tone;
  box.dataset.source = v.state;
  // Only when something needs attention (the unlock form of browser mode is in its own section).
  box.hidden = !v.attention;
  if (!v.attention) return;
  box.append(h('strong', { class: 'title', text: v.title }));
  if (v.text) box.append(h('p', { text: v.text }));
  if (v.command) box.append(h('pre', { class: 'cmd', text: v.command }));
  if (v.docs) box.append(h('p', {}, h('a', { href: DOCS_URL, target: '_blank', rel: 'noopener', text: t('uiHostMissingDocs') })));
  // Browser mode's passphrase is typed in its own section below: go there.
  const toBrowserMode = () => {
    $('bm-section').scrollIntoView();
    document.querySelector<HTMLElement>('#bm input[type=password]')?.focus();
  };
  if (v.action === 'unlock') {
    const b = h('button', { type: 'button', class: 'b primary', 'data-action': 'go-unlock', text: t('bmUnlock') });
    b.addEventListener('click', toBrowserMode);
    box.append(h('div', { class: 'row' }, b));
  }
  if (v.action === 'retry') {
    const b = h('button', { type: 'button', class: 'b', 'data-action': 'retry', text: t('retry') });
    b.addEventListener('click', () => void loadAll(true));
    box.append(h('div', { class: 'row' }, b));
  }
  if (v.alternative === 'browser-mode') {
    const a = h('a', { href: '#bm-section', class: 'alt', text: t('uiHostMissingAlt') });
    a.addEventListener('click', (e) => {
      e.preventDefault();
      toBrowserMode();
    });
    box.append(h('p', { class: 'muted' }, a));
  }
}

function hostConnected(): boolean {
  return lastStatus?.source === 'native' && (lastStatus.hello as { ok?: boolean }).ok === true;
}

let systemsCache: RegistrySystemView[] = [];

async function loadSystems(): Promise<RegistrySystemView[]> {
  const r = await send<Answer>({ kind: 'systems' });
  systemsCache = r.ok && Array.isArray(r.systems) ? (r.systems as RegistrySystemView[]) : [];
  return systemsCache;
}

const systemOptions = (): SystemOption[] =>
  systemsCache.map((s) => ({ id: s.id, authenticator: s.authenticator, short: s.short ?? s.id.toUpperCase(), title: s.title ?? s.court ?? s.authenticator.toUpperCase() }));

let exportDisabled = false;

async function loadAccounts(): Promise<void> {
  const list = $('accounts');
  const usable = await renderAccounts(list, send, loadAccounts).then(() => !list.querySelector('[data-role=accounts-error]'));
  // Adding and importing need a code source that answers; export needs accounts and no policy against it.
  $('add-section').hidden = !usable;
  $('import-section').hidden = !usable;
  $('export-section').hidden = !usable || exportDisabled || !list.querySelector('tr[data-user]');
}

async function loadSettings(): Promise<void> {
  const s = await send<SettingsReply>({ kind: 'get-settings' });
  if (!s || !('effective' in s)) return;
  const managed = new Set<string>(s.effective.managedKeys);

  const auto = $('autoSubmit') as HTMLInputElement;
  auto.checked = s.effective.autoSubmit;
  auto.disabled = managed.has('autoSubmit');
  $('autoSubmit-managed').hidden = !managed.has('autoSubmit');
  auto.onchange = () => void send({ kind: 'set-settings', patch: { autoSubmit: auto.checked } });

  const modeManaged = managed.has('mode');
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="mode"]')) {
    r.checked = r.value === s.effective.mode;
    r.disabled = modeManaged || (r.value === 'browser' && !s.effective.allowBrowserStorage);
    r.onchange = async () => {
      if (r.checked) {
        await send({ kind: 'set-settings', patch: { mode: r.value as Mode } });
        await loadAll(true);
      }
    };
  }
  $('mode-managed').hidden = !modeManaged;
  exportDisabled = s.effective.disableExport;
  void loadBrowserMode(s.effective.allowBrowserStorage && s.effective.mode !== 'native', s.effective.disableExport, s.effective.mode);
  $('browser-forbidden').hidden = s.effective.allowBrowserStorage;

  // The organisation's section only when an organisation set something.
  $('policy-section').hidden = managed.size === 0 && !(s.extra && s.extra.patterns.length > 0);
  const pol = $('policy');
  clear(pol);
  if (managed.size > 0) {
    const dl = h('dl', { 'data-role': 'policy' });
    for (const k of [...managed].sort()) {
      const v = (s.managed as Record<string, unknown>)[k];
      const shown = k === 'extraSystems' && Array.isArray(v) ? v.map((x: { id?: string }) => x.id).join(', ') : JSON.stringify(v);
      dl.append(h('dt', { text: k }), h('dd', { text: shown }));
    }
    pol.append(h('p', { text: t('optPolicyIntro') }), dl);
  }

  // Courts added by policy need a host permission for the content script (asked here, on a click).
  const extra = $('extra');
  clear(extra);
  if (s.extra && s.extra.patterns.length > 0) {
    extra.append(h('p', { text: t('optExtraText') }), h('pre', { class: 'cmd', text: s.extra.patterns.join('\n') }));
    if (s.extra.granted) {
      extra.append(h('p', { class: 'muted', 'data-role': 'extra-granted', text: t('optExtraGranted') }));
    } else {
      const b = h('button', { type: 'button', class: 'b', 'data-action': 'grant-extra', text: t('optExtraGrant') });
      b.addEventListener('click', async () => {
        const ok = await ext.permissions.request({ origins: s.extra.patterns }).catch(() => false);
        if (ok) setTimeout(() => void loadSettings(), 300);
      });
      extra.append(b);
    }
  }
}

// ------------------------------------------------------------------ browser mode

async function bmCommand(command: BrowserModeCommand): Promise<Answer> {
  return send<Answer>({ kind: 'browser-mode', command });
}

function passField(name: string, label: string, autocomplete: string): HTMLInputElement {
  return h('input', { type: 'password', name, autocomplete, 'aria-label': label, placeholder: label });
}

async function loadBrowserMode(allowed: boolean, disableExport: boolean, mode: string): Promise<void> {
  const section = $('bm-section');
  section.hidden = !allowed;
  if (!allowed) return;
  const box = $('bm');
  clear(box);
  const st = await bmCommand({ op: 'state' });
  // Setting up browser mode serves only where the program cannot: not while the host answers in
  // automatic mode. A store that exists (locked, unlocked, damaged) stays reachable, to migrate it.
  if (st.ok && String(st.state) === 'not_set_up' && mode !== 'browser' && hostConnected()) {
    section.hidden = true;
    return;
  }
  const msg = h('p', { class: 'muted', 'data-role': 'bm-message' });
  const refresh = async (note?: string) => {
    await loadBrowserMode(allowed, disableExport, mode);
    if (note) {
      const m = document.querySelector<HTMLElement>('#bm [data-role=bm-message]');
      if (m) m.textContent = note;
    }
    await loadStatus(true);
    await loadAccounts();
  };
  // Damaged store data (store_corrupt, from `state` or from unlocking with the right passphrase):
  // offer to move it aside (kept under bm.quarantine.*, never deleted) so that setup and import work.
  let resetShown = false;
  const offerReset = () => {
    if (resetShown) return;
    resetShown = true;
    const b = h('button', { type: 'button', class: 'b danger', 'data-action': 'bm-reset-corrupt', text: t('bmCorruptReset') });
    b.addEventListener('click', async () => {
      b.disabled = true;
      const r = await bmCommand({ op: 'reset-corrupt' });
      if (r.ok) await refresh(t('bmQuarantined'));
      else {
        b.disabled = false;
        msg.textContent = t(errorMessageKey(r.error.code));
      }
    });
    box.append(h('div', { class: 'row', 'data-role': 'bm-corrupt' }, h('p', { text: t('bmCorruptHelp') }), b));
  };
  const show = (r: Answer, okText?: string) => {
    msg.textContent = r.ok ? okText ?? '' : t(errorMessageKey(r.error.code));
    if (!r.ok && r.error.code === 'store_corrupt') offerReset();
  };
  if (!st.ok) {
    box.dataset.state = st.error.code;
    box.append(msg);
    show(st);
    return;
  }
  const state = String(st.state);
  box.dataset.state = state;
  if (state === 'not_set_up') {
    const p1 = passField('bm-new', t('bmPassphrase'), 'new-password');
    const p2 = passField('bm-new2', t('bmPassphraseAgain'), 'new-password');
    const b = h('button', { type: 'button', class: 'b', 'data-action': 'bm-setup', text: t('bmSetup') });
    b.addEventListener('click', async () => {
      if (p1.value !== p2.value) {
        msg.textContent = t('bmMismatch');
        return;
      }
      const r = await bmCommand({ op: 'setup', passphrase: p1.value });
      p1.value = p2.value = '';
      show(r);
      if (r.ok) await refresh();
    });
    box.append(h('p', { text: t('bmStateNotSetUp') }), h('div', { class: 'row' }, p1, p2, b), msg);
    return;
  }
  if (state === 'locked') {
    const p1 = passField('bm-pass', t('bmPassphrase'), 'current-password');
    const b = h('button', { type: 'button', class: 'b', 'data-action': 'bm-unlock', text: t('bmUnlock') });
    b.addEventListener('click', async () => {
      const r = await bmCommand({ op: 'unlock', passphrase: p1.value });
      p1.value = '';
      show(r);
      if (r.ok) await refresh();
    });
    box.append(h('p', { text: t('bmStateLocked') }), h('div', { class: 'row' }, p1, b), msg);
    return;
  }
  // unlocked
  const lock = h('button', { type: 'button', class: 'b', 'data-action': 'bm-lock', text: t('bmLock') });
  lock.addEventListener('click', async () => {
    show(await bmCommand({ op: 'lock' }));
    await refresh();
  });
  const row = h('div', { class: 'row' }, lock);
  if (!disableExport) {
    const exp = h('button', { type: 'button', class: 'b', 'data-action': 'bm-export', text: t('bmExport') });
    exp.addEventListener('click', async () => {
      const r = await bmCommand({ op: 'export' });
      show(r);
      if (r.ok && typeof r.file === 'string') {
        const url = URL.createObjectURL(new Blob([r.file], { type: 'application/json' }));
        const a = h('a', { href: url, download: String(r.filename ?? 'eproc-a2f-chaves.json') });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }
    });
    row.append(exp);
  }
  const migrate = h('button', { type: 'button', class: 'b', 'data-action': 'bm-migrate', text: t('bmMigrate') });
  migrate.addEventListener('click', async () => {
    migrate.disabled = true;
    const r = await bmCommand({ op: 'migrate' });
    migrate.disabled = false;
    show(r, t('bmMigrated'));
    if (r.ok) await loadAccounts();
  });
  row.append(migrate);
  const file = h('input', { type: 'file', accept: '.json,application/json', 'aria-label': t('bmImportFile') });
  const pass = passField('bm-import-pass', t('bmPassphrase'), 'current-password');
  const imp = h('button', { type: 'button', class: 'b', 'data-action': 'bm-import', text: t('bmImport') });
  imp.addEventListener('click', async () => {
    const f = file.files?.[0];
    if (!f) return;
    const r = await bmCommand({ op: 'import', text: await f.text(), passphrase: pass.value });
    pass.value = '';
    const rep = (r.ok ? r.report : null) as { added?: number; unchanged?: number; conflicts?: unknown[] } | null;
    show(r, rep ? t('bmImported', [String(rep.added ?? 0), String(rep.unchanged ?? 0), String(rep.conflicts?.length ?? 0)]) : '');
    if (r.ok) await loadAccounts();
  });
  box.append(h('p', { text: t('bmStateUnlocked') }), row, h('div', { class: 'row' }, file, pass, imp), msg);
  const pending = await bmCommand({ op: 'pending-migration' });
  if (pending.ok && pending.journal) box.append(h('p', { class: 'warn', text: t('bmResume') }));
}

async function loadAll(retry = false): Promise<void> {
  await loadStatus(retry);
  await loadSettings();
  await loadAccounts();
}

localizePage();
void (async () => {
  await loadAll();
  const systems = await loadSystems();
  renderAddKey($('add'), systems, send, loadAccounts);
  renderImport($('import'), send, systemOptions, loadAccounts);
  renderExport($('export'), send, hostConnected());
  if (location.hash) document.querySelector(location.hash)?.scrollIntoView();
})();
ext.storage.onChanged.addListener((_c, area) => {
  if (area === 'managed') setTimeout(() => void loadSettings(), 300);
});
