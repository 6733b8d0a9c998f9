// The content script as it runs: bundled (IIFE, like content.js) and evaluated inside a jsdom page
// with a fake `chrome.runtime`; the background's answers are scripted per test.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { JSDOM, VirtualConsole } from 'jsdom';

const EXT = process.env.EPROC_A2F_EXT_DIR!;
export const bundle = (await esbuild.build({
  entryPoints: [join(EXT, 'src/content/index.ts')], bundle: true, write: false, format: 'iife', target: 'es2022', logLevel: 'error',
})).outputFiles[0]!.text;

export type Msg = Record<string, unknown> & { kind: string };

// Windows left open by a failed test would keep the process alive (the script's interval).
const openWindows: { close(): void }[] = [];
after(() => openWindows.forEach((w) => w.close()));
type Reply = (msg: Msg) => unknown | Promise<unknown>;

export function page(html: string, url: string, reply: Reply, settings = { autoSubmit: false, disableExport: false }, opts: { lang?: string; title?: string; before?: (w: Window) => void } = {}) {
  // Form navigation is not implemented by jsdom: its "not implemented" reports are expected.
  const virtualConsole = new VirtualConsole();
  virtualConsole.on('jsdomError', (e) => { if (!/Not implemented/.test(e.message)) console.error(e); });
  const jsdom = new JSDOM(`<!doctype html><html lang="${opts.lang ?? 'pt-br'}"><head><title>${opts.title ?? 'eproc'}</title></head><body>${html}</body></html>`, { url, runScripts: 'outside-only', pretendToBeVisual: true, virtualConsole });
  const w = jsdom.window as unknown as Omit<Window & typeof globalThis, 'chrome'> & { eval(code: string): unknown; chrome: unknown };
  // jsdom has no layout: an element has boxes when neither it nor an ancestor is display:none/hidden.
  w.Element.prototype.getClientRects = function (this: Element) {
    for (let e: Element | null = this; e; e = e.parentElement) {
      if ((e as HTMLElement).hidden || (e as HTMLElement).style?.display === 'none') return [] as unknown as DOMRectList;
    }
    return [{ width: 120, height: 20 }] as unknown as DOMRectList;
  };
  const sent: Msg[] = [];
  const listeners: ((m: unknown) => void)[] = [];
  w.chrome = {
    runtime: {
      id: 'test',
      onMessage: { addListener: (f: (m: unknown) => void) => listeners.push(f) },
      sendMessage: async (msg: Msg) => {
        sent.push(msg);
        if (msg.kind === 'page-settings') return settings;
        if (msg.kind === 'remember-user') return { ok: true };
        if (msg.kind === 'recall-user') return { ok: true, user: null };
        if (msg.kind === 'warm') return { ok: true };
        return reply(msg);
      },
    },
    i18n: { getMessage: () => '' },
  };
  openWindows.push(w);
  opts.before?.(w as unknown as Window);
  w.eval(bundle);
  const doc = w.document;
  const html_ = doc.documentElement;
  const ui = () => doc.getElementById('eproc-a2f-ui')?.shadowRoot ?? null;
  return {
    w, doc, sent,
    state: () => html_.getAttribute('data-eproc-a2f-state'),
    attr: (n: string) => html_.getAttribute(`data-eproc-a2f-${n}`),
    codes: () => sent.filter((m) => m.kind === 'code'),
    panel: () => doc.getElementById('eproc-a2f-ui')?.dataset.panel ?? null,
    panelText: () => ui()?.textContent ?? '',
    click: (action: string, extra = '') => {
      const b = ui()?.querySelector<HTMLButtonElement>(`[data-action="${action}"]${extra}`);
      assert.ok(b, `panel button ${action}${extra}`);
      b.click();
    },
    /** A message from the background to this content script. */
    notify: (m: unknown) => listeners.forEach((f) => f(m)),
    close: () => w.close(),
  };
}

export async function until(what: string, fn: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const TRF2 = 'https://eproc.trf2.jus.br/eproc/index.php';
export const ok = (code: string, extra: Record<string, unknown> = {}) => ({ id: 1, ok: true, code, user: 'RS123', label: null, wait_ms: 0, valid_for_s: 20, ...extra });
export const err = (code: string, extra: Record<string, unknown> = {}) => ({ id: 1, ok: false, error: { code, message: '', ...extra } });

export function watchClicks(doc: Document, ids: string[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const id of ids) {
    n[id] = 0;
    doc.getElementById(id)!.addEventListener('click', () => n[id]!++);
  }
  return n;
}

