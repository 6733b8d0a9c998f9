// Options: the keys to a new phone, as Google Authenticator transfer QR codes — only on an explicit
// request, after the warning that the QR shows the keys; hidden when the organisation sets
// `disableExport`. The code source answers `export` (docs/protocol.md) with the
// `otpauth-migration://` texts; this page draws them (qrcode-generator) and removes them on close.
import qrcode from 'qrcode-generator';
import { clear, h } from '../shared/dom';
import { errorMessageKey } from '../shared/errors';
import { t } from '../shared/i18n';
import type { Answer, Send } from './accounts-table';

function qrSvg(text: string): SVGSVGElement {
  const qr = qrcode(0, 'L');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const size = n + 8;
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('class', 'qr');
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('role', 'img');
  const bg = document.createElementNS(NS, 'rect');
  bg.setAttribute('width', String(size));
  bg.setAttribute('height', String(size));
  bg.setAttribute('fill', '#fff');
  let d = '';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(bg, path);
  return svg;
}

/** `native`: the host keeps keys in the keyring and answers `export_refused`; the way is the
 * terminal command, which writes the same codes as PNG files. */
export function renderExport(box: HTMLElement, send: Send, native: boolean): void {
  clear(box);
  if (native) {
    box.append(h('p', { class: 'warnbox', text: t('uiExportWarn') }), h('p', { text: t('uiExportNative') }),
      h('pre', { class: 'cmd', text: 'eproc-a2f export --format google-migration --qr contas.png' }));
    return;
  }
  const show = h('button', { type: 'button', class: 'b', 'data-action': 'export-qr', text: t('uiExportShow') });
  const out = h('div', { class: 'export-out', 'data-role': 'export-out' });
  const msg = h('p', { class: 'msg', 'aria-live': 'polite' });
  box.append(h('p', { class: 'warnbox', text: t('uiExportWarn') }), h('div', { class: 'row' }, show), msg, out);
  show.addEventListener('click', async () => {
    if (out.childElementCount) {
      clear(out);
      show.textContent = t('uiExportShow');
      return;
    }
    show.disabled = true;
    const r = await send<Answer>({ kind: 'import', request: { type: 'export', format: 'google-migration' } });
    show.disabled = false;
    if (!r.ok) {
      msg.textContent = r.error.code === 'unknown_type' ? t('uiImportUnavailable') : r.error.code === 'export_refused' ? t('uiExportNative') : t(errorMessageKey(r.error.code));
      msg.className = 'msg error';
      return;
    }
    msg.textContent = '';
    const uris = (Array.isArray(r.uris) ? r.uris : Array.isArray(r.qr) ? r.qr : []) as string[];
    out.append(h('p', { text: t('uiExportScan') }));
    uris.forEach((u, i) => {
      const fig = h('figure', {});
      const svg = qrSvg(u);
      svg.setAttribute('aria-label', `QR ${i + 1}/${uris.length}`);
      fig.append(svg, h('figcaption', { text: `${i + 1}/${uris.length}` }));
      out.append(fig);
    });
    show.textContent = t('uiExportHide');
  });
}
