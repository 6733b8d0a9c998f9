// Options: the accounts table, by court ("TRF4" with "também JFPR, JFSC, JFRS"), user and name.
// Rename opens a styled editor in the name cell (Enter saves, Escape cancels); remove asks on a row
// of its own under the account, naming the account and court; a replaced key kept by the code
// source (issue 10 `replaced_kept`, contract 6 `replaced`) is shown with a button to restore it.
import { clear, h } from '../shared/dom';
import { errorMessageKey } from '../shared/errors';
import { t } from '../shared/i18n';
import type { PageRequest } from '../shared/messages';
import { type AccountInfo, accountName, courtScope, courtTitle, orderAccounts } from '../popup/account-view';

export type Answer = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string } };
export type Send = <T>(msg: PageRequest) => Promise<T>;

const also = (list: string) => t('uiAlso', [list]);

const EXPLAINED_BY_STATUS = new Set(['store_locked', 'store_not_set_up', 'host_not_installed', 'host_forbidden', 'host_exited', 'host_timeout', 'keyring_locked', 'keyring_unavailable']);

export async function renderAccounts(list: HTMLElement, send: Send, reload: () => Promise<void>): Promise<AccountInfo[]> {
  clear(list);
  const a = await send<Answer>({ kind: 'accounts' });
  if (!a.ok) {
    // A locked or missing store is the status box's to explain; the marker stays for the page.
    const said = EXPLAINED_BY_STATUS.has(a.error.code);
    list.append(h('p', { class: 'muted', 'data-role': 'accounts-error', hidden: said, text: t(errorMessageKey(a.error.code)) }));
    return [];
  }
  const accounts = orderAccounts((Array.isArray(a.accounts) ? a.accounts : []) as AccountInfo[], null);
  if (accounts.length === 0) {
    list.append(h('p', { class: 'muted', 'data-role': 'no-accounts', text: t('popupNoAccounts') }));
    return [];
  }
  const table = h('table', { class: 'accounts' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', text: t('uiCourt') }), h('th', { scope: 'col', text: t('uiUser') }),
      h('th', { scope: 'col', text: t('uiLabel') }), h('th', { scope: 'col', class: 'actions', text: t('uiActions') }))));
  const body = h('tbody');
  for (const acc of accounts) body.append(...accountRows(acc, send, reload));
  table.append(body);
  list.append(table);
  return accounts;
}

function accountRows(acc: AccountInfo, send: Send, reload: () => Promise<void>): HTMLElement[] {
  const name = accountName(acc, also);
  const scope = courtScope(acc, also);
  const court = h('td', { class: 'court' }, h('strong', { text: courtTitle(acc) }), scope ? h('span', { class: 'detail', text: scope }) : null);
  const row = h('tr', { 'data-authenticator': acc.authenticator, 'data-user': acc.user },
    court, h('td', { class: 'user', text: acc.user }));
  const labelCell = h('td', { class: 'label', 'data-role': 'label' });
  const actions = h('td', { class: 'actions' });
  row.append(labelCell, actions);

  const rename = h('button', { type: 'button', class: 'b', 'data-action': 'label-edit', 'aria-label': t('uiRenameOf', [name.short]), text: t('uiRename') });
  const remove = h('button', { type: 'button', class: 'b danger', 'data-action': 'remove', 'aria-label': t('uiRemoveOf', [name.short]), text: t('optRemove') });
  actions.append(rename, remove);

  const showLabel = (): void => {
    clear(labelCell);
    labelCell.append(acc.label ? h('span', { text: acc.label }) : h('span', { class: 'muted', text: '—' }));
  };
  showLabel();

  rename.addEventListener('click', () => {
    clear(labelCell);
    const input = h('input', { type: 'text', class: 'text', maxlength: '256', 'data-role': 'label-input', 'aria-label': t('uiLabelFor', [name.short]), placeholder: t('uiLabelHint') });
    input.value = acc.label ?? '';
    const save = h('button', { type: 'button', class: 'b primary', 'data-action': 'label-save', text: t('uiSave') });
    const cancel = h('button', { type: 'button', class: 'b', 'data-action': 'label-cancel', text: t('cancel') });
    const msg = h('span', { class: 'error', 'aria-live': 'polite' });
    const done = () => {
      showLabel();
      rename.focus();
    };
    const go = async () => {
      save.disabled = true;
      const r = await send<Answer>({ kind: 'label', authenticator: acc.authenticator, user: acc.user, label: input.value });
      if (r.ok) {
        await reload();
        // Keyboard users land back on the same account's rename button.
        document.querySelector<HTMLElement>(`tr[data-authenticator="${CSS.escape(acc.authenticator)}"][data-user="${CSS.escape(acc.user)}"] [data-action=label-edit]`)?.focus();
      } else {
        save.disabled = false;
        msg.textContent = t(errorMessageKey(r.error.code));
      }
    };
    save.addEventListener('click', () => void go());
    cancel.addEventListener('click', done);
    input.addEventListener('keydown', (e) => {
      // preventDefault: the focus moves to the rename button once saved, and the same key
      // press must not reach it.
      if (e.key === 'Enter') {
        e.preventDefault();
        void go();
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        done();
      }
    });
    labelCell.append(h('div', { class: 'editor' }, input, save, cancel), msg);
    input.focus();
    input.select();
  });

  const rows: HTMLElement[] = [row];
  remove.addEventListener('click', () => {
    if (row.nextElementSibling?.classList.contains('confirm')) return;
    const yes = h('button', { type: 'button', class: 'b danger solid', 'data-action': 'remove-confirm', text: t('uiRemoveYes') });
    const no = h('button', { type: 'button', class: 'b', 'data-action': 'remove-cancel', text: t('cancel') });
    const msg = h('span', { class: 'error', 'aria-live': 'polite' });
    const ask = h('tr', { class: 'confirm', 'data-confirm-for': `${acc.authenticator}/${acc.user}` },
      h('td', { colspan: '4' },
        h('div', { class: 'ask', role: 'alertdialog', 'aria-label': t('uiRemoveOf', [name.short]) },
          h('p', { text: t('uiRemoveAsk', [name.short]) }), h('div', { class: 'buttons' }, yes, no, msg))));
    const close = () => {
      ask.remove();
      remove.focus();
    };
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      const r = await send<Answer>({ kind: 'remove', authenticator: acc.authenticator, user: acc.user });
      if (r.ok) {
        await reload();
        document.querySelector<HTMLElement>('#accounts [data-action=remove], #accounts h2, #add select')?.focus();
      } else {
        yes.disabled = false;
        msg.textContent = t(errorMessageKey(r.error.code));
      }
    });
    no.addEventListener('click', close);
    ask.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
    row.after(ask);
    no.focus();
  });

  // Issue 10 (and contract 6): the previous key, kept by the code source after a replacing
  // enrollment until a login with the new one is accepted; `restore` swaps them back.
  const replaced = Array.isArray(acc.replaced) ? acc.replaced : [];
  if (acc.replaced_kept === true || replaced.length > 0) {
    const atMs = typeof acc.replaced_at === 'number' ? acc.replaced_at * 1000 : replaced.length > 0 ? Number(replaced[replaced.length - 1]!.at_ms) : NaN;
    const when = Number.isFinite(atMs) ? new Date(atMs).toLocaleString(t('uiLang')) : '';
    const restore = h('button', { type: 'button', class: 'b small', 'data-action': 'restore', 'aria-label': t('uiRestoreKeyOf', [name.short]), text: t('uiRestoreKey') });
    const msg = h('span', { class: 'msg', 'aria-live': 'polite', 'data-role': 'restore-msg' });
    restore.addEventListener('click', async () => {
      restore.disabled = true;
      const r = await send<Answer>({ kind: 'restore', authenticator: acc.authenticator, user: acc.user });
      if (r.ok) {
        msg.className = 'msg ok';
        msg.textContent = t('uiRestored');
        await reload();
        // Keyboard users land on the same account (its rename button).
        const same = [...document.querySelectorAll<HTMLElement>('tr[data-user]')].find((r) => r.dataset.authenticator === acc.authenticator && r.dataset.user === acc.user);
        same?.querySelector<HTMLElement>('[data-action=label-edit]')?.focus();
      } else {
        restore.disabled = false;
        msg.className = 'msg error';
        msg.textContent = t(errorMessageKey(r.error.code));
      }
    });
    rows.push(h('tr', { class: 'replaced', 'data-replaced-for': `${acc.authenticator}/${acc.user}` }, h('td', { colspan: '4' },
      h('div', { class: 'replaced-kept' },
        h('strong', { 'data-role': 'replaced', text: when ? `${t('uiReplacedKeptShort')} (${when})` : t('uiReplacedKeptShort') }),
        h('span', { class: 'muted', text: t('uiReplacedKeptText') }),
        h('div', { class: 'buttons' }, restore, msg)))));
  }
  return rows;
}
