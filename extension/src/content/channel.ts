// The content script's channels: requests to the background (runtime.sendMessage; never a URL,
// the background takes the sender's), the background's notices, and the MAIN-world hook's window
// messages (main-world.ts), validated here.
import { ext } from '../shared/api';
import type { ContentNotice, ContentRequest, PageSettings } from '../shared/messages';
import { MAIN_WORLD_MARK, isRejectionText } from './reject-text';

export type Answer = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string; [k: string]: unknown }; [k: string]: unknown };

export async function send<T = Answer>(msg: ContentRequest): Promise<T> {
  try {
    const r = await ext.runtime.sendMessage(msg);
    if (r === undefined || r === null) throw new Error('no answer from the background');
    return r as T;
  } catch (e) {
    return { ok: false, error: { code: 'extension_error', detail: e instanceof Error ? e.message : String(e) } } as T;
  }
}

/** Sends and forgets (e.g. the code asked ahead at a password submit: the background holds it). */
export function post(msg: ContentRequest): void {
  void send(msg);
}

let pageSettings: Promise<PageSettings> | null = null;
/** Settings a content script needs (asked once per page). */
export function settings(): Promise<PageSettings> {
  pageSettings ??= send<PageSettings | Answer>({ kind: 'page-settings' }).then((r) =>
    'disableExport' in r || 'autoSubmit' in r ? (r as PageSettings) : { autoSubmit: false, disableExport: false });
  return pageSettings;
}

export function onBackgroundNotice(listener: (n: ContentNotice) => void): void {
  ext.runtime.onMessage?.addListener((msg: unknown) => {
    const kind = (msg as { kind?: unknown } | null)?.kind;
    if (kind === 'store-unlocked' || kind === 'login-state') listener(msg as ContentNotice);
  });
}

/** A dialog text the MAIN-world hook saw (alert/confirm), already known to be a rejection. Only
 * messages from this window, this origin, with the marker, a short text that says so. */
export function onMainWorldDialog(listener: (text: string) => void): void {
  window.addEventListener('message', (ev: MessageEvent) => {
    if (ev.source !== window || ev.origin !== location.origin) return;
    const d = ev.data as Record<string, unknown> | null;
    if (!d || typeof d !== 'object' || d[MAIN_WORLD_MARK] !== 1 || d.kind !== 'dialog') return;
    if (typeof d.text !== 'string' || d.text.length > 500 || !isRejectionText(d.text)) return;
    listener(d.text);
  });
}
