// Keyboard-only use of the popup and the options page: every step is a key press (Tab, Enter,
// typing, Escape), never a click; what happened is read from the stub (copied texts, sent
// messages) and the DOM.
import assert from 'node:assert/strict';

/** Presses Tab until the focused element matches `sel` (at most `max` times). */
async function tabTo(p, sel, max = 40, key = 'Tab') {
  for (let i = 0; i < max; i++) {
    if (await p.evaluate((s) => document.activeElement?.matches(s) ?? false, sel)) return;
    await p.keyboard.press(key);
  }
  throw new Error(`${sel} never got the focus with ${key}`);
}

const copied = (p) => p.evaluate(() => window.__copied);
const sent = (p, kind) => p.evaluate((k) => window.__sent.filter((m) => m.kind === k), kind);

export const keyboardChecks = [
  ['popup: Tab to a code, Enter copies its digits only; the copy button names its account', async (open) => {
    const p = await open('popup', 'six');
    const first = await p.evaluate(() => document.querySelector('#accounts .account')?.dataset.authenticator);
    assert.equal(first, 'trf4', 'the current tab\'s court (JFPR → TRF4) comes first');
    await tabTo(p, '#accounts .account:first-child [data-role=code]');
    await p.keyboard.press('Enter');
    const code = await p.evaluate(() => document.querySelector('#accounts .account:first-child [data-role=code]').dataset.code);
    assert.match(code, /^\d{6}$/);
    assert.deepEqual(await copied(p), [code], 'digits only, no space');
    await p.keyboard.press('Tab');
    const name = await p.evaluate(() => document.activeElement.getAttribute('aria-label'));
    assert.match(name, /TRF4 · PR012345/);
    await p.keyboard.press('Space');
    assert.equal((await copied(p)).length, 2);
    assert.match(await p.evaluate(() => document.activeElement.textContent), /Copiado/);
    const names = await p.evaluate(() => [...document.querySelectorAll('[data-action=copy]')].map((b) => b.getAttribute('aria-label')));
    assert.equal(new Set(names).size, names.length, 'one accessible name per account');
    const widths = await p.evaluate(() => [...document.querySelectorAll('[data-action=copy]')].map((b) => b.getBoundingClientRect().width));
    assert.equal(new Set(widths).size, 1, `copy buttons have one width (${widths})`);
    await p.close();
  }],
  ['popup: the last seconds show the next code, the ring warns', async (open) => {
    const p = await open('popup', 'six');
    const r = await p.evaluate(() => {
      const row = document.querySelector('.account[data-authenticator=tjsc]');
      return { ending: row.classList.contains('ending'), next: !row.querySelector('[data-role=next]').hidden, ring: row.querySelector('.ring').classList.contains('ending') };
    });
    assert.deepEqual(r, { ending: true, next: true, ring: true });
    const calm = await p.evaluate(() => document.querySelector('.account[data-authenticator=trf4]').classList.contains('ending'));
    assert.equal(calm, false);
    await p.close();
  }],
  ['popup: search by keyboard filters the list, Enter copies the one left', async (open) => {
    const p = await open('popup', 'six');
    await tabTo(p, '#search');
    await p.keyboard.type('tjsc');
    const shown = await p.evaluate(() => [...document.querySelectorAll('#accounts .account')].filter((a) => !a.hidden).map((a) => a.dataset.authenticator));
    assert.deepEqual(shown, ['tjsc']);
    await p.keyboard.press('Enter');
    assert.equal((await copied(p)).length, 1);
    await p.keyboard.press('Control+A');
    await p.keyboard.type('escritorio');
    const byLabel = await p.evaluate(() => [...document.querySelectorAll('#accounts .account')].filter((a) => !a.hidden).map((a) => a.dataset.user));
    assert.deepEqual(byLabel, ['RS123456'], 'the label, without accents');
    await p.close();
  }],
  ['popup: one account has no search box; the store-locked popup unlocks from the keyboard', async (open) => {
    const p = await open('popup', 'one');
    assert.equal(await p.evaluate(() => document.getElementById('search-wrap').hidden), true);
    assert.equal(await p.evaluate(() => document.getElementById('status').hidden), true, 'no status box when all is well');
    await p.close();
    const q = await open('popup', 'storeLocked');
    assert.equal(await q.evaluate(() => document.activeElement?.name), 'passphrase', 'the passphrase field has the focus');
    await q.keyboard.type('senha longa 123');
    await q.keyboard.press('Enter');
    await q.waitForFunction(() => window.__sent.some((m) => m.kind === 'browser-mode' && m.command.op === 'unlock'));
    await q.close();
  }],
  ['options: rename by keyboard (Enter saves, focus comes back)', async (open) => {
    const p = await open('options', 'six');
    await tabTo(p, 'tr[data-authenticator=trf4] [data-action=label-edit]');
    await p.keyboard.press('Enter');
    assert.equal(await p.evaluate(() => document.activeElement?.dataset.role), 'label-input');
    await p.keyboard.type('Pessoal');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => document.querySelector('tr[data-authenticator=trf4] td.label')?.textContent === 'Pessoal');
    const msgs = await sent(p, 'label');
    assert.deepEqual(msgs.map((m) => [m.authenticator, m.user, m.label]), [['trf4', 'PR012345', 'Pessoal']]);
    await p.waitForFunction(() => document.activeElement?.matches('tr[data-authenticator=trf4] [data-action=label-edit]'));
    // Escape leaves the name as it was.
    await p.keyboard.press('Enter');
    await p.keyboard.type('x');
    await p.keyboard.press('Escape');
    assert.equal(await p.evaluate(() => document.querySelector('tr[data-authenticator=trf4] td.label').textContent), 'Pessoal');
    await p.close();
  }],
  ['options: remove by keyboard, confirmed on its own row that names account and court', async (open) => {
    const p = await open('options', 'six');
    await tabTo(p, 'tr[data-authenticator=tjsc] [data-action=remove]');
    await p.keyboard.press('Enter');
    const ask = await p.evaluate(() => {
      const row = document.querySelector('tr[data-authenticator=tjsc]').nextElementSibling;
      return { confirm: row.classList.contains('confirm'), text: row.textContent, focus: document.activeElement?.dataset.action, scroll: document.documentElement.scrollWidth <= document.documentElement.clientWidth };
    });
    assert.equal(ask.confirm, true);
    assert.match(ask.text, /TJSC · SC054321/);
    assert.equal(ask.focus, 'remove-cancel', 'the safe answer has the focus');
    assert.equal(ask.scroll, true, 'no horizontal scrollbar');
    await p.keyboard.press('Shift+Tab');
    assert.equal(await p.evaluate(() => document.activeElement?.dataset.action), 'remove-confirm');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => !document.querySelector('tr[data-authenticator=tjsc]'));
    assert.deepEqual((await sent(p, 'remove')).map((m) => m.user), ['SC054321']);
    await p.close();
  }],
  ['options: import preview: new ticked, conflict only with replace, ambiguous needs a court, others skipped', async (open) => {
    const p = await open('options', 'importMix');
    await p.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['otpauth://totp/x?secret=JBSWY3DPEHPK3PXP'], 'contas.txt', { type: 'text/plain' }));
      document.querySelector('#import-file').files = dt.files;
    });
    await tabTo(p, '[data-action=import-read]');
    await p.keyboard.press('Enter');
    await p.waitForSelector('[data-role=import-preview] tr[data-index="4"]');
    const rows = await p.evaluate(() => [...document.querySelectorAll('[data-role=import-preview] tr[data-index]')].map((r) => {
      const inc = r.querySelector('input[data-role=include]');
      return [r.dataset.status, inc.checked, inc.disabled];
    }));
    assert.deepEqual(rows, [['new', true, false], ['conflict', false, true], ['ambiguous', false, true], ['unmatched', false, true], ['hotp', false, true]]);
    // the conflict's replace box and the ambiguous entry's court, by keyboard
    await tabTo(p, 'tr[data-index="1"] input[data-role=replace]');
    await p.keyboard.press('Space');
    await tabTo(p, 'tr[data-index="2"] select[data-role=system]');
    await p.keyboard.press('ArrowDown');
    await tabTo(p, '[data-action=import-apply]');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => document.querySelector('[data-role=import-message]')?.classList.contains('ok'));
    const apply = (await sent(p, 'import')).find((m) => m.request.type === 'import_apply');
    assert.deepEqual(apply.request.choices, [{ index: 0, system: 'trf4' }, { index: 1, system: 'tjsc-1g', replace: true }, { index: 2, system: 'tjrs-1g' }]);
    assert.equal(apply.request.text, 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP', 'the file goes again with the choices');
    assert.equal(await p.evaluate(() => document.querySelector('[data-role=imported] code')?.textContent), '123456', 'the imported code to compare with the phone');
    await p.close();
  }],
  ['options: bad import files get a clear message and send nothing (blank image, too large, wrong password)', async (open) => {
    const p = await open('options', 'importBad');
    const put = (name, type, kind) => p.evaluate(async ({ name, type, kind }) => {
      let blob;
      if (kind === 'blank') {
        // a real PNG with no QR code: decoded by the extension's QR WASM module, in the page
        const c = document.createElement('canvas');
        c.width = 200; c.height = 120;
        const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, 200, 120); g.fillStyle = '#000'; g.fillText('sem QR aqui', 20, 60);
        blob = await new Promise((r) => c.toBlob(r, 'image/png'));
      } else if (kind === 'big') blob = new Blob([new Uint8Array(800 * 1024).fill(65)]);
      else blob = new Blob(['{"db": {"version": 2}}']);
      const dt = new DataTransfer();
      dt.items.add(new File([blob], name, { type }));
      document.querySelector('#import-file').files = dt.files;
      document.querySelector('[data-role=import-message]').textContent = '';
      document.querySelector('[data-action=import-read]').click();
    }, { name, type, kind });
    const message = () => p.waitForFunction(() => {
      const m = document.querySelector('[data-role=import-message]');
      return m?.classList.contains('error') && m.textContent ? m.textContent : null;
    }, null, { timeout: 20000 }).then((h) => h.jsonValue());
    await put('foto.png', 'image/png', 'blank');
    assert.match(await message(), /Nenhum código QR/);
    await put('enorme.txt', 'text/plain', 'big');
    assert.match(await message(), /grande demais.*eproc-a2f import/);
    assert.equal((await sent(p, 'import')).length, 0, 'nothing sent for an image without QR or a file too large');
    await put('aegis.json', 'application/json', 'aegis');
    assert.match(await message(), /senha/i);
    assert.equal(await p.evaluate(() => document.activeElement?.id), 'import-pass', 'the password field gets the focus');
    assert.equal(await p.evaluate(() => document.querySelector('[data-role=import-preview]')), null, 'no preview');
    await p.close();
  }],
  ['options: export to a new phone only on request, after the warning; with the host, the terminal command', async (open) => {
    const p = await open('options', 'bmUnlocked');
    assert.equal(await p.evaluate(() => document.querySelectorAll('#export svg.qr').length), 0, 'no code before the request');
    assert.match(await p.evaluate(() => document.querySelector('#export .warnbox')?.textContent ?? ''), /mostra as suas chaves/);
    await tabTo(p, '[data-action=export-qr]');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => document.querySelectorAll('#export svg.qr').length === 2);
    assert.deepEqual((await sent(p, 'import')).map((m) => m.request), [{ type: 'export', format: 'google-migration' }]);
    await p.keyboard.press('Enter');
    assert.equal(await p.evaluate(() => document.querySelectorAll('#export svg.qr').length), 0, 'closing removes the codes');
    await p.close();
    const q = await open('options', 'six');
    const r = await q.evaluate(() => ({ button: !!document.querySelector('[data-action=export-qr]'), cmd: document.querySelector('#export pre.cmd')?.textContent }));
    assert.deepEqual(r, { button: false, cmd: 'eproc-a2f export --format google-migration --qr contas.png' });
    await q.close();
  }],
  ['options: browser-mode setup hidden while the host answers; no organisation section without a policy', async (open) => {
    const p = await open('options', 'six');
    const r = await p.evaluate(() => ({ bm: document.getElementById('bm-section').hidden, policy: document.getElementById('policy-section').hidden, status: document.getElementById('status').hidden }));
    assert.deepEqual(r, { bm: true, policy: true, status: true });
    await p.close();
    const q = await open('options', 'hostMissing');
    assert.equal(await q.evaluate(() => document.getElementById('bm-section').hidden), false, 'host missing: browser mode is offered');
    await q.close();
  }],
  ['popup: a refused code says when and what to check; "Já entrei / liberar" by keyboard clears it (login-reset)', async (open) => {
    const p = await open('popup', 'rejected');
    const rej = await p.evaluate(() => [...document.querySelectorAll('[data-role=rejection]')].map((e) => ({ who: e.closest('.account').dataset.authenticator, count: e.dataset.count, fill: e.dataset.fill, text: e.textContent })));
    rej.sort((a, b) => a.who.localeCompare(b.who));
    assert.deepEqual(rej.map((r) => [r.who, r.count, r.fill]), [['tjsc', '2', 'false'], ['trf4', '1', 'true']]);
    assert.match(rej[1].text, /13:55/, 'the time of the refusal');
    assert.match(rej[1].text, /relógio/);
    assert.match(rej[0].text, /parou de preencher/, 'withheld after two');
    const clock = await p.evaluate(() => { const e = document.querySelector('[data-role=clock]'); return e && { state: e.dataset.clockState, text: e.textContent }; });
    assert.equal(clock?.state, 'corrected');
    assert.match(clock.text, /150 s atrasado/);
    await tabTo(p, '.account[data-authenticator=trf4] [data-action=login-reset]');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => !document.querySelector('.account[data-authenticator=trf4] [data-role=rejection]'));
    assert.deepEqual(await sent(p, 'login-reset'), [{ kind: 'login-reset', authenticator: 'trf4', user: 'PR012345' }]);
    await p.close();
  }],
  ['options: a kept replaced key: "Restaurar chave anterior" by keyboard sends restore', async (open) => {
    const p = await open('options', 'rejected');
    assert.match(await p.evaluate(() => document.querySelector('[data-role=replaced]')?.textContent ?? ''), /chave anterior guardada/);
    await tabTo(p, '[data-action=restore]', 80);
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => !document.querySelector('[data-action=restore]'));
    assert.deepEqual(await sent(p, 'restore'), [{ kind: 'restore', authenticator: 'tjrs', user: 'RS123456' }]);
    await p.close();
  }],
];
