// Options: add a key by pasting it, with the court chosen from a list (one entry per key: "TRF4
// (também JFPR, JFSC, JFRS)"). Stored by the code source's `enroll`, on the chosen court's
// application address, exactly as the enrollment helper on the court's page would.
import { clear, h } from '../shared/dom';
import { errorMessageKey } from '../shared/errors';
import { t } from '../shared/i18n';
import { courtScope } from '../popup/account-view';
import type { Answer, Send } from './accounts-table';

export interface RegistrySystemView {
  id: string;
  authenticator: string;
  app: string;
  short?: string;
  title?: string;
  court?: string;
  two_factor?: string;
}

const also = (list: string) => t('uiAlso', [list]);

/** One choice per authenticator (one key serves all its systems), in registry order. */
export function courtChoices(systems: RegistrySystemView[]): { value: string; text: string; app: string }[] {
  const byAuth = new Map<string, RegistrySystemView[]>();
  for (const s of systems) {
    if (s.two_factor === 'indisponivel') continue;
    byAuth.set(s.authenticator, [...(byAuth.get(s.authenticator) ?? []), s]);
  }
  const out: { value: string; text: string; app: string }[] = [];
  for (const [auth, list] of byAuth) {
    const title = list[0]!.title ?? list[0]!.court ?? auth.toUpperCase();
    const scope = courtScope({ authenticator: auth, user: '', label: null, systems: list.map((s) => s.id), title, systems_short: list.map((s) => s.short ?? s.id.toUpperCase()) }, also);
    out.push({ value: list[0]!.id, text: scope ? `${title} (${scope})` : title, app: list[0]!.app });
  }
  return out.sort((a, b) => a.text.localeCompare(b.text, 'pt-BR'));
}

export function renderAddKey(box: HTMLElement, systems: RegistrySystemView[], send: Send, reload: () => Promise<void>): void {
  clear(box);
  const choices = courtChoices(systems);
  const court = h('select', { id: 'add-court', 'data-role': 'add-court' });
  court.append(h('option', { value: '', text: t('uiAddChoose') }));
  for (const c of choices) court.append(h('option', { value: c.value, text: c.text }));
  const user = h('input', { type: 'text', id: 'add-user', class: 'text', 'data-role': 'add-user', autocomplete: 'off', spellcheck: 'false' });
  const key = h('input', { type: 'password', id: 'add-key', class: 'text mono', 'data-role': 'add-key', autocomplete: 'off', spellcheck: 'false' });
  const label = h('input', { type: 'text', id: 'add-label', class: 'text', 'data-role': 'add-label', maxlength: '256', placeholder: t('uiLabelHint') });
  const save = h('button', { type: 'button', class: 'b primary', 'data-action': 'add-save', text: t('uiAddSave') });
  const msg = h('p', { class: 'msg', 'data-role': 'add-message', 'aria-live': 'polite' });
  box.append(
    h('p', { class: 'muted', text: t('uiAddHelp') }),
    h('div', { class: 'form' },
      h('label', { for: 'add-court', text: t('uiAddCourt') }), court,
      h('label', { for: 'add-user', text: t('uiUser') }), user,
      h('label', { for: 'add-key', text: t('uiAddKey') }), key,
      h('label', { for: 'add-label', text: t('uiLabel') }), label),
    h('div', { class: 'row' }, save), msg);
  save.addEventListener('click', async () => {
    const c = choices.find((x) => x.value === court.value);
    msg.className = 'msg';
    if (!c || !user.value.trim() || !key.value.trim()) {
      msg.textContent = t('uiAddMissing');
      msg.className = 'msg error';
      return;
    }
    save.disabled = true;
    const r = await send<Answer>({
      kind: 'import',
      request: { type: 'enroll', url: c.app, user: user.value.trim(), secret: key.value.trim(), ...(label.value.trim() ? { label: label.value.trim() } : {}) },
    });
    save.disabled = false;
    if (!r.ok) {
      const pos = (r.error as { position?: number }).position;
      msg.textContent = t(errorMessageKey(r.error.code)) + (pos ? ` (${pos})` : '');
      msg.className = 'msg error';
      return;
    }
    key.value = '';
    msg.textContent = t('uiAddSaved', [`${c.text.split(' (')[0]} · ${String(r.user ?? user.value.trim())}`]);
    msg.className = 'msg ok';
    user.value = '';
    label.value = '';
    await reload();
  });
}
