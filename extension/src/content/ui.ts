// The in-page panel (banner, chooser, notices): one element with an open shadow root so page CSS
// cannot reach it (open so automated tests can read and click it). Strings come from the caller
// (already localized). Built with DOM calls only (no innerHTML).
import qrcode from 'qrcode-generator';

export const UI_HOST_ID = 'eproc-a2f-ui';

export interface PanelButton {
  label: string;
  /** Stable hook for tests: data-action on the button. */
  action: string;
  primary?: boolean;
  onClick: () => void;
}

export interface PanelOptions {
  /** Stable hook for tests: data-panel on the panel. */
  name: string;
  tone: 'info' | 'ok' | 'warn' | 'error';
  title: string;
  text?: string;
  body?: Node[];
  buttons?: PanelButton[];
  closeLabel?: string;
  onClose?: () => void;
  autoCloseMs?: number;
}

const CSS = `
:host { all: initial; }
.panel { position: fixed; top: 12px; right: 12px; z-index: 2147483647; box-sizing: border-box;
  width: 340px; max-width: calc(100vw - 24px); max-height: calc(100vh - 24px); overflow: auto;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1f24;
  background: #fff; border: 1px solid #c9d1d9; border-left: 5px solid #15478c; border-radius: 8px;
  box-shadow: 0 6px 24px rgba(0,0,0,.18); padding: 12px 14px; }
.panel.ok { border-left-color: #1f883d; } .panel.warn { border-left-color: #bf8700; }
.panel.error { border-left-color: #cf222e; }
.head { display: flex; align-items: flex-start; gap: 8px; }
.title { font-weight: 600; flex: 1; margin: 0 0 4px; font-size: 14px; }
.brand { font-size: 11px; color: #57606a; letter-spacing: .02em; }
.close { all: unset; cursor: pointer; font-size: 18px; line-height: 1; color: #57606a; padding: 0 2px; }
.text { margin: 4px 0 8px; white-space: pre-line; }
.buttons { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
button.b { font: inherit; cursor: pointer; border-radius: 6px; padding: 5px 10px; border: 1px solid #c9d1d9;
  background: #f6f8fa; color: #1b1f24; }
button.b.primary { background: #15478c; border-color: #15478c; color: #fff; }
button.b:focus-visible, .close:focus-visible { outline: 2px solid #0969da; outline-offset: 1px; }
label.field { display: block; margin: 6px 0; }
label.field input { display: block; box-sizing: border-box; width: 100%; margin-top: 2px; padding: 5px 7px;
  font: inherit; border: 1px solid #8c959f; border-radius: 5px; }
.key { font: 600 15px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; letter-spacing: .04em;
  background: #f6f8fa; padding: 6px 8px; border-radius: 5px; user-select: all; word-break: break-word; }
.qr { display: block; margin: 8px auto; width: 200px; height: 200px; background: #fff; }
.list { display: flex; flex-direction: column; gap: 4px; margin-top: 6px; }
.list button.b { text-align: left; }
.muted { color: #57606a; font-size: 12px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa; padding: 0 3px; }
`;

let current: { host: HTMLElement; name: string; onClose?: () => void; timer?: ReturnType<typeof setTimeout> } | null = null;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function closePanel(name?: string, { silent = false } = {}): void {
  if (!current || (name && current.name !== name)) return;
  const c = current;
  current = null;
  if (c.timer) clearTimeout(c.timer);
  c.host.remove();
  if (!silent) c.onClose?.();
}

export function panelName(): string | null {
  return current?.name ?? null;
}

/** Shows a panel, replacing any other. Returns the shadow root's panel element. */
export function showPanel(o: PanelOptions): HTMLElement {
  closePanel(undefined, { silent: true });
  const host = document.createElement('div');
  host.id = UI_HOST_ID;
  host.dataset.panel = o.name;
  const root = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = CSS;
  root.append(style);
  const panel = el('div', `panel ${o.tone}`);
  panel.setAttribute('role', o.tone === 'error' || o.tone === 'warn' ? 'alert' : 'status');
  panel.dataset.panel = o.name;
  const head = el('div', 'head');
  const titles = el('div');
  titles.style.flex = '1';
  titles.append(el('div', 'brand', 'eproc-a2f'), el('p', 'title', o.title));
  const close = el('button', 'close', '×');
  close.type = 'button';
  close.dataset.action = 'close';
  close.setAttribute('aria-label', o.closeLabel ?? 'Fechar');
  close.title = o.closeLabel ?? 'Fechar';
  close.addEventListener('click', () => closePanel(o.name));
  head.append(titles, close);
  panel.append(head);
  if (o.text) panel.append(el('div', 'text', o.text));
  for (const n of o.body ?? []) panel.append(n);
  if (o.buttons?.length) {
    const bar = el('div', 'buttons');
    for (const b of o.buttons) bar.append(button(b));
    panel.append(bar);
  }
  root.append(panel);
  (document.body ?? document.documentElement).append(host);
  current = { host, name: o.name, ...(o.onClose ? { onClose: o.onClose } : {}) };
  if (o.autoCloseMs) {
    const c = current;
    c.timer = setTimeout(() => {
      if (current === c) closePanel(o.name, { silent: true });
    }, o.autoCloseMs);
  }
  return panel;
}

export function button(b: PanelButton): HTMLButtonElement {
  const e = el('button', b.primary ? 'b primary' : 'b', b.label);
  e.type = 'button';
  e.dataset.action = b.action;
  e.addEventListener('click', (ev) => {
    ev.preventDefault();
    ev.stopPropagation();
    b.onClick();
  });
  return e;
}

export function textBlock(text: string, cls = 'text'): HTMLElement {
  return el('div', cls, text);
}

export function listOfButtons(buttons: PanelButton[]): HTMLElement {
  const list = el('div', 'list');
  for (const b of buttons) list.append(button(b));
  return list;
}

export function inputField(label: string, name: string, value: string): { wrap: HTMLElement; input: HTMLInputElement } {
  const wrap = el('label', 'field', label);
  const input = el('input');
  input.type = 'text';
  input.name = name;
  input.value = value;
  input.autocomplete = 'off';
  input.spellcheck = false;
  wrap.append(input);
  return { wrap, input };
}

export function keyBlock(grouped: string): HTMLElement {
  const k = el('div', 'key', grouped);
  k.dataset.role = 'key';
  return k;
}

/** A QR code of `text` as an SVG element (one path of dark modules). */
export function qrSvg(text: string): SVGSVGElement {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const margin = 4;
  const size = n + margin * 2;
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('class', 'qr');
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.dataset.role = 'qr';
  const bg = document.createElementNS(NS, 'rect');
  bg.setAttribute('width', String(size));
  bg.setAttribute('height', String(size));
  bg.setAttribute('fill', '#fff');
  let d = '';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + margin} ${r + margin}h1v1h-1z`;
  }
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(bg, path);
  return svg;
}
