// Background (Chrome: module service worker; Firefox: event page). Owns the code source and is
// the only place a page URL is taken from: the sender's URL as the browser reports it.
import { ext } from '../shared/api';
import type {
  ClockReply, ContentNotice, ContentRequest, ExtRequest, PageRequest, PageSettings, SettingsReply, StatusReply,
} from '../shared/messages';
import { IMPORT_TYPES } from '../shared/messages';
import {
  type EffectiveSettings, type ManagedSettings, type UserSettings,
  effectiveSettings, parseManaged, parseUser,
} from '../shared/settings';
import { browserModeCommand, checkEnrollmentKey, openBrowserSource } from './browser-adapter';
import { SourceManager, errorAnswer, isSource } from './sources/select';
import type { ProtocolAnswer, ProtocolRequest } from './sources/types';
import { UserMemory } from './user-memory';
import { originOf, pageUrlOf } from './sender';
import { extraStatus, syncExtraSystems } from './extra-systems';
import { HeldCodes } from './held-codes';
import { CourtClock, dateHeaderOf, hostOf } from './court-clock';
import { HandedCodes } from './rejections';
import { PageCodes } from './page-codes';
import { authenticatorOfUrl, type SystemPrefixes } from './authenticator';

// ---------------------------------------------------------------- settings

let userSettings: UserSettings | null = null;
let managedSettings: ManagedSettings | null = null;

/** How long a code request waits for managed storage before using the last copy seen. */
const MANAGED_WAIT_MS = 250;

async function fetchManaged(): Promise<ManagedSettings> {
  try {
    // Chrome: {} until the policy arrives (then storage.onChanged 'managed'); Firefox rejects
    // when nothing is configured.
    const raw = await ext.storage.managed.get(null);
    const parsed = parseManaged(raw);
    void ext.storage.local.set({ managedCache: raw ?? {} }).catch(() => {});
    return parsed;
  } catch {
    return {};
  }
}

async function readManaged(): Promise<ManagedSettings> {
  // The first managed.get() after the browser starts takes about 3 s in Chromium (measured on a
  // fresh profile): a login must not wait for it. Use the copy from the last read when it is
  // late, and switch to the real values as soon as they come.
  const fresh = fetchManaged();
  const late = Symbol('late');
  const first = await Promise.race([fresh, new Promise<typeof late>((r) => setTimeout(() => r(late), MANAGED_WAIT_MS))]);
  if (first !== late) return first;
  void fresh.then((m) => {
    managedSettings = m;
    sources.invalidate();
  });
  try {
    const r = await ext.storage.local.get('managedCache');
    return parseManaged(r.managedCache);
  } catch {
    return {};
  }
}

async function readUser(): Promise<UserSettings> {
  try {
    const r = await ext.storage.local.get('settings');
    return parseUser(r.settings);
  } catch {
    return parseUser(undefined);
  }
}

async function settings(): Promise<EffectiveSettings> {
  userSettings ??= await readUser();
  managedSettings ??= await readManaged();
  return effectiveSettings(userSettings, managedSettings);
}

const sources = new SourceManager(settings, (s) =>
  openBrowserSource({ extraSystems: s.extraSystems, lockAfterMinutes: s.lockAfterMinutes, disableExport: s.disableExport }),
);

async function syncExtra(): Promise<void> {
  const s = await settings();
  await syncExtraSystems(s.extraSystems);
}

ext.storage.onChanged.addListener((changes, area) => {
  if (area === 'managed') {
    managedSettings = null;
    sources.invalidate();
    void syncExtra();
  } else if (area === 'local' && 'settings' in changes) {
    userSettings = null;
    sources.invalidate();
  } else {
    return;
  }
  systemsCache = null;
});

// ---------------------------------------------------------------- user names per tab

const users = new UserMemory(ext.storage.session ?? null);
/** Codes fetched ahead at a password submit, held per tab (held-codes.ts). */
const held = new HeldCodes(ext.storage.session ?? null);
/** The last code handed to each tab, for the court's answer to it (rejections.ts). */
const handed = new HandedCodes(ext.storage.session ?? null);
ext.tabs?.onRemoved?.addListener((tabId) => {
  void users.forgetTab(tabId);
  void held.forgetTab(tabId);
  void handed.forgetTab(tabId);
  waitingUnlock.delete(tabId);
});

// ---------------------------------------------------------------- the court's clock

const clock = new CourtClock(ext.storage.session ?? null);

/** The registry's patterns (host permissions): the court answers whose `Date` is read. */
function courtPatterns(): string[] {
  try {
    const m = ext.runtime.getManifest() as { host_permissions?: string[] };
    return (m.host_permissions ?? []).filter((p) => p.startsWith('https://') && !p.startsWith('https://*'));
  } catch {
    return [];
  }
}

(() => {
  const wr = (ext as unknown as { webRequest?: typeof chrome.webRequest }).webRequest;
  const urls = courtPatterns();
  if (!wr || urls.length === 0) return;
  const time = (t: unknown) => (typeof t === 'number' && Number.isFinite(t) ? t : Date.now());
  try {
    wr.onSendHeaders.addListener((d) => {
      clock.onSend(d.requestId, time(d.timeStamp));
      // A page of the court loads in a tab: codes handed before it may have been submitted.
      if (d.type === 'main_frame' && typeof d.tabId === 'number' && d.tabId >= 0) handed.noteNavigation(d.tabId, time(d.timeStamp));
    }, { urls });
    wr.onHeadersReceived.addListener((d) => {
      void clock.onHeaders(d.requestId, d.url, dateHeaderOf(d.responseHeaders), time(d.timeStamp));
      return undefined;
    }, { urls }, ['responseHeaders']);
  } catch {
    /* no webRequest (a build without the permission): no clock correction */
  }
})();

// ---------------------------------------------------------------- authenticator of a page

/** The registry's systems from the source in use, cached (prefix match is enough to key held
 * codes and handed codes: the source itself decides what a page gets). */
let systemsCache: { at: number; list: SystemPrefixes[] } | null = null;
const SYSTEMS_TTL_MS = 10 * 60_000;

async function authenticatorOf(url: string): Promise<string | null> {
  const src = await sources.current();
  const own = isSource(src) ? (src as { authenticatorOf?: (u: string) => Promise<string | null> | string | null }).authenticatorOf : undefined;
  if (typeof own === 'function') {
    try {
      return (await own.call(src, url)) ?? null;
    } catch {
      /* fall back to the systems list */
    }
  }
  if (!systemsCache || Date.now() - systemsCache.at > SYSTEMS_TTL_MS) {
    const a = await sources.request({ type: 'systems' });
    if (!a.ok || !Array.isArray(a.systems)) return null;
    systemsCache = { at: Date.now(), list: a.systems as SystemPrefixes[] };
  }
  return authenticatorOfUrl(url, systemsCache.list);
}

// ---------------------------------------------------------------- unlocking from a page

/** Tabs whose page asked to unlock the browser store: told when it is unlocked, to fill then. */
const waitingUnlock = new Set<number>();

/** The popup's unlock form in a small window of its own: an extension page, so the passphrase is
 * typed where the court page's scripts cannot see it. */
async function openUnlockWindow(): Promise<{ ok: boolean }> {
  const url = ext.runtime.getURL('popup.html?unlock=1');
  try {
    await ext.windows.create({ url, type: 'popup', width: 420, height: 560, focused: true });
    return { ok: true };
  } catch {
    try {
      await ext.tabs.create({ url });
      return { ok: true };
    } catch {
      return { ok: false };
    }
  }
}

function notifyUnlocked(): void {
  const notice: ContentNotice = { kind: 'store-unlocked' };
  for (const tabId of waitingUnlock) void ext.tabs.sendMessage(tabId, notice).catch(() => {});
  waitingUnlock.clear();
}

// ---------------------------------------------------------------- senders

type Sender = chrome.runtime.MessageSender;

function isExtensionPage(sender: Sender): boolean {
  const base = ext.runtime.getURL('');
  return sender.id === ext.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(base);
}

const CONTENT_KINDS = new Set(['code', 'login-result', 'remember-user', 'recall-user', 'enroll', 'page-settings', 'check-key', 'warm', 'open-unlock']);

// ---------------------------------------------------------------- codes for pages

const pageCodes = new PageCodes({
  request: (req) => sources.request(req as ProtocolRequest),
  autoSubmit: async () => (await settings()).autoSubmit,
  clock,
  held,
  handed,
  authenticatorOf,
  notify: (tabId, notice) => void ext.tabs.sendMessage(tabId, notice, { frameId: 0 }).catch(() => {}),
});

// ---------------------------------------------------------------- handlers

async function handleContent(msg: ContentRequest, sender: Sender): Promise<unknown> {
  const page = pageUrlOf(sender, ext.runtime.id);
  if ('error' in page) return errorAnswer(page.error);
  const origin = originOf(page.url)!;
  switch (msg.kind) {
    case 'code':
      return pageCodes.code(msg, page);
    case 'login-result':
      return pageCodes.loginResult(msg, page);
    case 'enroll': {
      const req: Record<string, unknown> = { type: 'enroll', url: page.url, user: String(msg.user ?? '').trim(), secret: String(msg.secret ?? '') };
      if (typeof msg.label === 'string' && msg.label) req.label = msg.label;
      if (typeof msg.algorithm === 'string') req.algorithm = msg.algorithm;
      if (typeof msg.digits === 'number') req.digits = msg.digits;
      if (typeof msg.period === 'number') req.period = msg.period;
      if (msg.replace === true) req.replace = true;
      // The code the enrollment answer shows (and the step it claims) at the court's time.
      const info = await clock.infoFor(hostOf(page.url));
      if (info.state === 'corrected') req.clock_offset_ms = info.offsetMs;
      return sources.request(req as { type: 'enroll' });
    }
    case 'remember-user':
      if (typeof msg.user === 'string' && msg.user.trim() !== '' && msg.user.length <= 256) {
        await users.remember(page.tabId, origin, msg.user.trim());
      }
      return { ok: true };
    case 'recall-user':
      return { ok: true, user: await users.recall(page.tabId, origin) };
    case 'warm': {
      // A login form is on screen: start the code source now (host process, keyring connection)
      // so that the code is there the moment the code field appears. Answers nothing of value.
      const a = await sources.request({ type: 'hello' });
      return { ok: a.ok };
    }
    case 'check-key':
      return checkEnrollmentKey(msg.qr, msg.shown);
    case 'open-unlock': {
      if (typeof sender.tab?.id === 'number') waitingUnlock.add(sender.tab.id);
      return openUnlockWindow();
    }
    case 'page-settings': {
      const s = await settings();
      const reply: PageSettings = { autoSubmit: s.autoSubmit, disableExport: s.disableExport };
      return reply;
    }
  }
}

async function handlePage(msg: PageRequest): Promise<unknown> {
  switch (msg.kind) {
    case 'status': {
      if (msg.retry) sources.invalidate();
      const s = await settings();
      const src = await sources.current();
      const hello: ProtocolAnswer = isSource(src) ? await SourceManager.ask(src, { type: 'hello' }) : src;
      const reply: StatusReply = { mode: s.mode, source: isSource(src) ? src.kind : null, hello };
      return reply;
    }
    case 'accounts':
      return sources.request({ type: 'accounts' });
    case 'systems':
      return sources.request({ type: 'systems' });
    case 'peek':
      return sources.request({ type: 'code', authenticator: msg.authenticator, user: msg.user, peek: true });
    case 'remove':
      return sources.request({ type: 'remove', authenticator: msg.authenticator, user: msg.user, confirm: true });
    case 'label':
      return sources.request({ type: 'label', authenticator: msg.authenticator, user: msg.user, label: msg.label });
    case 'login-reset':
      // The popup's "Já entrei / liberar": the user says the login went through (or wants to try
      // again): the source clears the account's rejection record.
      return sources.request({ type: 'login_result', authenticator: msg.authenticator, user: msg.user, outcome: 'reset' });
    case 'restore':
      return sources.request({ type: 'restore', authenticator: msg.authenticator, user: msg.user });
    case 'clock': {
      const host = typeof msg.host === 'string' ? msg.host.toLowerCase() : null;
      const e = await clock.estimateFor(host);
      const reply: ClockReply = { host, clock: await clock.infoFor(host), estimateMs: e?.estimateMs ?? null, samples: e?.samples ?? 0 };
      return reply;
    }
    case 'import': {
      // Only the import/export kinds, with the page's fields as given (the code source checks
      // them like any request).
      const req = msg.request;
      if (!req || typeof req !== 'object' || !IMPORT_TYPES.has(String(req.type))) return errorAnswer('invalid_request');
      // The organisation's disableExport covers the transfer codes too.
      if (req.type === 'export' && (await settings()).disableExport) return errorAnswer('export_disabled');
      return sources.request({ ...req } as unknown as Parameters<typeof sources.request>[0]);
    }
    case 'get-settings': {
      const effective = await settings();
      const extra = await extraStatus(effective.extraSystems);
      const reply: SettingsReply = { user: userSettings!, managed: managedSettings!, effective, extra };
      return reply;
    }
    case 'browser-mode': {
      const s = await settings();
      if (!s.allowBrowserStorage) return errorAnswer('browser_mode_forbidden');
      let lang = 'pt-BR';
      try {
        lang = ext.i18n.getUILanguage();
      } catch {
        /* default */
      }
      const reply = await browserModeCommand(
        msg.command,
        { extraSystems: s.extraSystems, lockAfterMinutes: s.lockAfterMinutes, disableExport: s.disableExport },
        msg.command?.op === 'migrate' ? sources.nativeSource() : null,
        lang,
      );
      if (msg.command?.op === 'unlock' && (reply as { ok?: boolean })?.ok) notifyUnlocked();
      return reply;
    }
    case 'set-settings': {
      const current = userSettings ?? (await readUser());
      const next = parseUser({ ...current, ...msg.patch });
      await ext.storage.local.set({ settings: next });
      userSettings = next;
      sources.invalidate();
      return { ok: true };
    }
  }
}

ext.runtime.onMessage.addListener((msg: ExtRequest, sender, sendResponse) => {
  if (!msg || typeof msg !== 'object' || typeof msg.kind !== 'string') return false;
  let work: Promise<unknown>;
  if (CONTENT_KINDS.has(msg.kind)) {
    // Content requests are only honoured from content scripts (a tab), never from extension pages.
    work = isExtensionPage(sender) ? Promise.resolve(errorAnswer('not_top_frame')) : handleContent(msg as ContentRequest, sender);
  } else if (isExtensionPage(sender)) {
    work = handlePage(msg as PageRequest);
  } else {
    return false;
  }
  work.then(sendResponse, (e: unknown) => sendResponse(errorAnswer('extension_error', e instanceof Error ? e.message : String(e))));
  return true;
});

ext.permissions?.onAdded?.addListener(() => void syncExtra());
ext.permissions?.onRemoved?.addListener(() => void syncExtra());

// Read the policy once at start so that an early request does not wait for it.
void syncExtra();
