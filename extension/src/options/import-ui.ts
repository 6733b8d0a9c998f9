// Options: "Importar chaves" (issue 11). A file (Aegis, 2FAS, Bitwarden, KeePassXC, otpauth lines)
// or an image (Google Authenticator's transfer QR, an otpauth QR: decoded here by the QR WASM
// module, only the texts are sent) goes to the code source as `import_preview` (docs/protocol.md:
// entries without keys); the preview lets the user choose (new ones ticked, conflicts only with
// "replace", ambiguous ones need a court, HOTP and unknown courts are listed and skipped), and
// `import_apply` stores the chosen ones: in the keyring through the host, or in browser mode's
// encrypted store through the full WASM module. Nothing is stored before the user confirms.
import { clear, h } from '../shared/dom';
import { errorMessageKey } from '../shared/errors';
import { t } from '../shared/i18n';
import type { Answer, Send } from './accounts-table';
import { isImage, qrTextsOfImage } from './qr-image';

/** What the file gave, as sent to `import_preview` and again to `import_apply`. */
export interface ImportSource {
  /** Text content (otpauth lines, JSON, CSV, XML, or the QR texts of an image, one a line). */
  text?: string;
  /** Other bytes, standard base64 (the core says what it is, e.g. a .kdbx: use the CLI). */
  data?: string;
  format: string;
  password?: string;
}

export interface PreviewEntry {
  index?: number;
  system: string | null;
  authenticator?: string | null;
  user: string;
  label?: string | null;
  issuer?: string | null;
  status: 'new' | 'same' | 'conflict' | 'ambiguous' | 'unmatched' | 'hotp' | 'unsupported' | 'duplicate';
  reason?: string | null;
  candidates?: (string | { system?: string; id?: string; authenticator?: string; title?: string; short?: string })[];
  title?: string;
  short?: string;
}

export interface Choice {
  index: number;
  system?: string;
  replace?: boolean;
}

export interface SystemOption {
  id: string;
  authenticator: string;
  short: string;
  title: string;
}

/** The native host takes frames up to 1 MiB: bigger files go through the CLI (docs/protocol.md). */
const MAX_FILE = 700 * 1024;

/** The import errors of docs/protocol.md, with the way out; others use the shared texts. */
export function importErrorText(code: string, reason?: string): string {
  switch (code) {
    case 'unknown_type':
      return t('uiImportUnavailable');
    case 'message_too_large':
    case 'import_too_large':
      return t('uiImportTooLarge');
    case 'import_unknown_format':
      return reason === 'kdbx' ? t('uiImportKdbx') : reason === 'bitwarden_encrypted' ? t('uiImportBitwardenEncrypted') : t('uiImportUnknownFormat');
    case 'import_invalid':
      return t('uiImportInvalid');
    case 'import_password_required':
      return t('uiImportPasswordRequired');
    case 'import_wrong_password':
      return t('uiImportWrongPassword');
    case 'import_empty':
      return t('uiImportNothing');
    default:
      return t(errorMessageKey(code));
  }
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Reads the chosen file into what `import_preview` takes. */
export async function readImportFile(file: File, password: string): Promise<ImportSource | { error: string }> {
  if (file.size > MAX_FILE) return { error: t('uiImportTooLarge') };
  const pw = password ? { password } : {};
  if (isImage(file)) {
    const texts = await qrTextsOfImage(file);
    if (texts === null) return { error: t('uiImportQrUnavailable') };
    if (texts.length === 0) return { error: t('uiImportNoQr') };
    return { text: texts.join('\n'), format: 'auto', ...pw };
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return { text: text.decode(bytes), format: 'auto', ...pw };
  } catch {
    // Not UTF-8 text (a KeePass database...): the bytes, and the core says what they are.
    return { data: base64(bytes), format: 'auto', ...pw };
  }
}

export function choicesOf(entries: PreviewEntry[], table: HTMLElement): Choice[] {
  const out: Choice[] = [];
  entries.forEach((e, i) => {
    const row = table.querySelector<HTMLElement>(`tr[data-index="${i}"]`);
    const include = row?.querySelector<HTMLInputElement>('input[data-role=include]');
    if (!row || !include || !include.checked || include.disabled) return;
    const c: Choice = { index: e.index ?? i };
    const sel = row.querySelector<HTMLSelectElement>('select[data-role=system]');
    if (sel) c.system = sel.value;
    else if (e.system) c.system = e.system;
    if (row.querySelector<HTMLInputElement>('input[data-role=replace]')?.checked) c.replace = true;
    out.push(c);
  });
  return out;
}

function candidateId(c: NonNullable<PreviewEntry['candidates']>[number]): string {
  return typeof c === 'string' ? c : c.system ?? c.id ?? c.authenticator ?? '';
}

function candidateName(c: NonNullable<PreviewEntry['candidates']>[number], systems: SystemOption[]): string {
  const id = candidateId(c);
  const s = systems.find((x) => x.id === id);
  if (s) return s.short === s.title ? s.title : `${s.title} (${s.short})`;
  return typeof c === 'string' ? c.toUpperCase() : c.title ?? id.toUpperCase();
}

function systemName(id: string | null | undefined, systems: SystemOption[]): string {
  if (!id) return '—';
  const s = systems.find((x) => x.id === id) ?? systems.find((x) => x.authenticator === id);
  return s ? s.short : id.toUpperCase();
}

/** The preview table: one row per entry of the file, with the choices each one allows. */
export function previewTable(entries: PreviewEntry[], systems: SystemOption[], onChange: () => void): HTMLTableElement {
  const body = h('tbody');
  entries.forEach((e, i) => {
    const who = [e.issuer, e.label && e.label !== e.user ? e.label : null, e.user].filter(Boolean).join(' · ');
    const include = h('input', { type: 'checkbox', 'data-role': 'include', 'aria-label': `${t('uiImportInclude')}: ${who}` });
    const status = h('span', { class: `st st-${e.status}`, text: t(`uiImportStatus_${e.status}`) });
    const what = h('td', { class: 'what' }, status);
    let court: Node = document.createTextNode(e.status === 'unmatched' || e.status === 'hotp' ? '—' : e.short ?? systemName(e.system ?? e.authenticator, systems));
    switch (e.status) {
      case 'new':
        include.checked = true;
        break;
      case 'conflict': {
        // Keep both visible: replacing is a separate, explicit choice.
        const replace = h('input', { type: 'checkbox', 'data-role': 'replace' });
        replace.addEventListener('change', () => {
          include.checked = replace.checked;
          include.disabled = !replace.checked;
          onChange();
        });
        include.addEventListener('change', () => {
          if (!include.checked) {
            replace.checked = false;
            include.disabled = true;
          }
        });
        include.disabled = true;
        what.append(h('label', { class: 'check inline' }, replace, ` ${t('uiImportReplace')}`));
        break;
      }
      case 'ambiguous': {
        const sel = h('select', { 'data-role': 'system', 'aria-label': `${t('uiImportColCourt')}: ${who}` });
        sel.append(h('option', { value: '', text: t('uiAddChoose') }));
        for (const c of e.candidates ?? []) {
          const id = candidateId(c);
          if (id) sel.append(h('option', { value: id, text: candidateName(c, systems) }));
        }
        sel.addEventListener('change', () => {
          include.checked = sel.value !== '';
          include.disabled = sel.value === '';
          onChange();
        });
        include.disabled = true;
        court = sel;
        break;
      }
      default:
        include.disabled = true;
    }
    include.addEventListener('change', onChange);
    body.append(h('tr', { 'data-index': String(i), 'data-status': e.status },
      h('td', { class: 'pick' }, include), h('td', { text: who }), h('td', {}, court), what));
  });
  return h('table', { class: 'accounts preview', 'data-role': 'import-preview' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', class: 'pick' }, h('span', { class: 'sr-only', text: t('uiImportInclude') })),
      h('th', { scope: 'col', text: t('uiImportColAccount') }), h('th', { scope: 'col', text: t('uiImportColCourt') }),
      h('th', { scope: 'col', text: t('uiImportColWhat') }))),
    body);
}

/** The whole section: file, password, read → preview → apply. */
export function renderImport(box: HTMLElement, send: Send, systems: () => SystemOption[], reload: () => Promise<void>): void {
  clear(box);
  const file = h('input', { type: 'file', id: 'import-file', 'data-role': 'import-file', accept: '.txt,.json,.2fas,.csv,.xml,.kdbx,image/*' });
  const pass = h('input', { type: 'password', id: 'import-pass', class: 'text', 'data-role': 'import-pass', autocomplete: 'off' });
  const read = h('button', { type: 'button', class: 'b primary', 'data-action': 'import-read', text: t('uiImportRead') });
  const msg = h('p', { class: 'msg', 'data-role': 'import-message', 'aria-live': 'polite' });
  const preview = h('div', { 'data-role': 'import-preview-box' });
  box.append(
    h('p', { class: 'muted', text: t('uiImportHelp') }),
    h('div', { class: 'form' },
      h('label', { for: 'import-file', text: t('uiImportFile') }), file,
      h('label', { for: 'import-pass', text: t('uiImportPassword') }), pass),
    h('div', { class: 'row' }, read), msg, preview);

  read.addEventListener('click', async () => {
    clear(preview);
    msg.textContent = '';
    msg.className = 'msg';
    const f = file.files?.[0];
    if (!f) return;
    read.disabled = true;
    msg.textContent = t('uiImportReading');
    const source = await readImportFile(f, pass.value).catch(() => ({ error: t('err_import_invalid') }));
    if ('error' in source) {
      read.disabled = false;
      msg.textContent = source.error;
      msg.className = 'msg error';
      return;
    }
    const r = await send<Answer>({ kind: 'import', request: { type: 'import_preview', ...source } });
    read.disabled = false;
    if (!r.ok) {
      msg.textContent = importErrorText(r.error.code, (r.error as { reason?: string }).reason);
      msg.className = 'msg error';
      if (r.error.code === 'import_password_required' || r.error.code === 'import_wrong_password') pass.focus();
      return;
    }
    const entries = (Array.isArray(r.entries) ? r.entries : []) as PreviewEntry[];
    if (entries.length === 0) {
      msg.textContent = t('uiImportNothing');
      return;
    }
    msg.textContent = '';
    const apply = h('button', { type: 'button', class: 'b primary', 'data-action': 'import-apply', text: t('uiImportApply') });
    const table = previewTable(entries, systems(), () => {
      apply.disabled = choicesOf(entries, table).length === 0;
    });
    apply.disabled = choicesOf(entries, table).length === 0;
    apply.addEventListener('click', async () => {
      const choices = choicesOf(entries, table);
      if (choices.length === 0) return;
      apply.disabled = true;
      const done = await send<Answer>({ kind: 'import', request: { type: 'import_apply', ...source, choices } });
      pass.value = '';
      if (!done.ok) {
        apply.disabled = false;
        msg.textContent = importErrorText(done.error.code, (done.error as { reason?: string }).reason);
        msg.className = 'msg error';
        return;
      }
      clear(preview);
      const imported = (Array.isArray(done.imported) ? done.imported : []) as { user: string; authenticator?: string; system?: string; code?: string }[];
      msg.className = 'msg ok';
      msg.textContent = `${t('uiImportDone', [String(imported.length)])}${imported.length ? ` ${t('uiImportCompare')}` : ''}`;
      if (imported.some((i) => i.code)) {
        const ul = h('ul', { class: 'imported', 'data-role': 'imported' });
        for (const i of imported) {
          ul.append(h('li', {}, `${systemName(i.system ?? i.authenticator, systems())} · ${i.user}: `, h('code', { text: i.code ?? '' })));
        }
        preview.append(ul);
      }
      file.value = '';
      await reload();
    });
    preview.append(table, h('div', { class: 'row' }, apply));
  });
}
