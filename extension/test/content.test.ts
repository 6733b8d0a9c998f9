// The content script as it runs (test/content-page.ts): the login flow, notices, enrollment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM, VirtualConsole } from 'jsdom';
import { EPROC_CODE_STEP, EPROC_ENROLL, EPROC_LOGIN, KC_CONFIGURE, KC_OTP } from './helpers';
import { TRF2, bundle, err, ok, page, sleep, until, watchClicks } from './content-page';

test('eproc: the late code field is filled once, with the typed user, not submitted', async () => {
  const p = page(EPROC_LOGIN, TRF2, () => ok('123456'));
  await sleep(50);
  assert.equal(p.codes().length, 0, 'no request before a code field exists');
  const user = p.doc.getElementById('txtUsuario') as HTMLInputElement;
  user.value = 'RS999';
  user.dispatchEvent(new p.w.Event('input', { bubbles: true }));
  p.doc.getElementById('divA2F')!.innerHTML = EPROC_CODE_STEP;
  const clicks = watchClicks(p.doc, ['btnValidar', 'btnDesativarA2F', 'btnCancelarDispositivos', 'chkNaoUsarA2F']);
  const field = p.doc.getElementById('txtAcessoCodigo') as HTMLInputElement;
  const inputs: string[] = [];
  field.addEventListener('input', () => inputs.push(field.value));
  await until('filled', () => p.state() === 'filled');
  assert.equal(field.value, '123456');
  assert.deepEqual(inputs, ['1', '12', '123', '1234', '12345', '123456']);
  assert.equal(p.codes().length, 1);
  assert.equal(p.codes()[0]!.user, 'RS999');
  assert.equal(p.codes()[0]!.url, undefined, 'the content script never sends a URL');
  assert.ok(Number(p.attr('filled-ms')) >= 0);
  assert.equal(p.attr('wait-ms'), '0');
  // more mutations around the same field: no second code
  field.className = 'x';
  p.doc.body.append(p.doc.createElement('div'));
  await sleep(1200);
  assert.equal(p.codes().length, 1);
  assert.deepEqual(clicks, { btnValidar: 0, btnDesativarA2F: 0, btnCancelarDispositivos: 0, chkNaoUsarA2F: 0 });
  assert.equal((p.doc.getElementById('chkNaoUsarA2F') as HTMLInputElement).checked, false);
  assert.equal(p.sent.find((m) => m.kind === 'remember-user')?.user, 'RS999');
  p.close();
});

test('eproc: a field that becomes visible later is filled when shown', async () => {
  const p = page(EPROC_LOGIN.replace('<div id="divA2F"></div>', `<div id="divA2F" style="display:none">${EPROC_CODE_STEP}</div>`), TRF2, () => ok('222333'));
  await sleep(100);
  assert.equal(p.codes().length, 0);
  p.doc.getElementById('divA2F')!.style.display = '';
  await until('filled', () => p.state() === 'filled');
  assert.equal((p.doc.getElementById('txtAcessoCodigo') as HTMLInputElement).value, '222333');
  p.close();
});

test('auto-submit clicks #btnValidar only, never the forbidden controls', async () => {
  const p = page(EPROC_LOGIN + EPROC_CODE_STEP.replace(/<p id="lblA2F">/, '<p>'), TRF2, () => ok('123456', { autoSubmit: true }));
  // the field is there from the start here
  const clicks = watchClicks(p.doc, ['btnValidar', 'btnDesativarA2F', 'btnCancelarDispositivos', 'chkNaoUsarA2F']);
  await until('clicked', () => clicks.btnValidar === 1);
  await sleep(100);
  assert.deepEqual(clicks, { btnValidar: 1, btnDesativarA2F: 0, btnCancelarDispositivos: 0, chkNaoUsarA2F: 0 });
  assert.equal(p.attr('submitted'), '1');
  p.close();
});

test('Keycloak OTP: #otp filled for #kc-attempted-username, #saveDevice untouched', async () => {
  const p = page(KC_OTP, 'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate?x=1', () => ok('765432', { autoSubmit: true }));
  const clicks = watchClicks(p.doc, ['kc-login', 'saveDevice']);
  await until('filled', () => p.state() === 'filled');
  assert.equal((p.doc.getElementById('otp') as HTMLInputElement).value, '765432');
  assert.equal(p.codes()[0]!.user, 'RS123');
  await until('submit', () => clicks['kc-login'] === 1);
  assert.equal(clicks.saveDevice, 0);
  assert.equal((p.doc.getElementById('saveDevice') as HTMLInputElement).checked, false);
  p.close();
});

test('fresh-code rule: waits wait_ms, shows "aguardando", then fills', async () => {
  const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => ok('111222', { wait_ms: 400 }));
  await until('waiting', () => p.state() === 'waiting');
  assert.match(p.panelText(), /Aguardando o próximo código/);
  assert.equal((p.doc.getElementById('txtAcessoCodigo') as HTMLInputElement).value, '');
  await until('filled', () => p.state() === 'filled', 2000);
  assert.ok(Number(p.attr('filled-ms')) >= 390, p.attr('filled-ms')!);
  assert.equal(p.attr('wait-ms'), '400');
  assert.equal(p.codes().length, 1);
  p.close();
});

test('several accounts: the chooser asks, the choice is sent, then filled', async () => {
  const p = page(EPROC_LOGIN.replace('value="RS123"', 'value=""') + EPROC_CODE_STEP, TRF2, (m) =>
    m.user === 'RS2' ? ok('333444', { user: 'RS2' }) : err('choose_account', { accounts: [{ user: 'RS1', label: 'Escritório' }, { user: 'RS2', label: null }] }));
  await until('choose', () => p.state() === 'choose');
  assert.equal(p.codes()[0]!.user, undefined);
  assert.match(p.panelText(), /Qual conta usar/);
  p.click('choose', '[data-user="RS2"]');
  await until('filled', () => p.state() === 'filled');
  assert.equal(p.codes()[1]!.user, 'RS2');
  assert.equal((p.doc.getElementById('txtAcessoCodigo') as HTMLInputElement).value, '333444');
  p.close();
});

test('no account: the enrollment hint, nothing filled', async () => {
  const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => err('no_account', { authenticator: 'trf2' }));
  await until('no-account', () => p.state() === 'no-account');
  assert.equal(p.panel(), 'no-account');
  assert.match(p.panelText(), /Autenticação em dois fatores/);
  assert.equal((p.doc.getElementById('txtAcessoCodigo') as HTMLInputElement).value, '');
  p.close();
});

test('after an error, "Tentar de novo" asks again for the same field', async () => {
  let n = 0;
  const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => (++n === 1 ? err('keyring_locked') : ok('454545')));
  await until('error', () => p.state() === 'error');
  p.click('retry');
  await until('filled', () => p.state() === 'filled');
  assert.equal(p.codes().length, 2);
  assert.equal((p.doc.getElementById('txtAcessoCodigo') as HTMLInputElement).value, '454545');
  p.close();
});

test('locked browser store: "Desbloquear" opens the extension\'s unlock window, and the code is filled once it is unlocked', async () => {
  let locked = true;
  const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, (m) => {
    if (m.kind === 'open-unlock') return { ok: true };
    return locked ? err('store_locked') : ok('676767');
  });
  await until('error', () => p.state() === 'error');
  assert.equal(p.attr('error'), 'store_locked');
  assert.equal(p.doc.getElementById('eproc-a2f-ui')?.shadowRoot?.querySelector('input'), null, 'no passphrase field in the court page');
  p.click('unlock');
  await until('open-unlock', () => p.sent.some((m) => m.kind === 'open-unlock'));
  // An unrelated notice, or one before the store is unlocked, changes nothing.
  p.notify({ kind: 'something-else' });
  await sleep(30);
  assert.equal(p.codes().length, 1);
  locked = false;
  p.notify({ kind: 'store-unlocked' });
  await until('filled', () => p.state() === 'filled');
  assert.equal((p.doc.getElementById('txtAcessoCodigo') as HTMLInputElement).value, '676767');
  assert.equal(p.codes().length, 2);
  // Filled: a later unlock notice does not ask again.
  p.notify({ kind: 'store-unlocked' });
  await sleep(30);
  assert.equal(p.codes().length, 2);
  p.close();
});

test('source errors: a pt-BR notice by error code, nothing filled', async () => {
  for (const [code, re] of [['keyring_locked', /chaveiro/], ['host_not_installed', /eproc-a2f install/]] as const) {
    const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => err(code));
    await until('error', () => p.state() === 'error');
    assert.equal(p.attr('error'), code);
    assert.match(p.panelText(), re);
    assert.equal((p.doc.getElementById('txtAcessoCodigo') as HTMLInputElement).value, '');
    p.close();
  }
});

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('eproc enrollment: submit blocked until the key is stored, then the code is filled', async () => {
  const answer = deferred<unknown>();
  const p = page(EPROC_ENROLL, TRF2, (m) => (m.kind === 'enroll' ? answer.promise : err('internal_error')));
  await until('offered', () => p.state() === 'enroll-offered');
  assert.equal(p.codes().length, 0, 'no login autofill on an enrollment page');
  const form = p.doc.getElementById('frmCadastroA2F') as HTMLFormElement;
  const send = p.doc.getElementById('sbmEnviar') as HTMLButtonElement;
  const code = p.doc.getElementById('txtCodigoA2F') as HTMLInputElement;
  let submitted = 0;
  form.addEventListener('submit', (e) => { submitted++; e.preventDefault(); });
  assert.equal(send.disabled, true);
  form.dispatchEvent(new p.w.Event('submit', { bubbles: true, cancelable: true }));
  assert.equal(submitted, 0, 'submit blocked while undecided');
  const userBox = p.doc.getElementById('eproc-a2f-ui')!.shadowRoot!.querySelector('input[name="eproc-a2f-user"]') as HTMLInputElement;
  assert.equal(userBox.value, 'RS123');
  p.click('enroll-backup');
  assert.ok(p.doc.getElementById('eproc-a2f-ui')!.shadowRoot!.querySelector('svg[data-role="qr"] path'));
  assert.match(p.panelText(), /MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW/);
  p.click('enroll-save');
  await until('enroll sent', () => p.sent.some((m) => m.kind === 'enroll'));
  const en = p.sent.find((m) => m.kind === 'enroll')!;
  assert.equal(en.user, 'RS123');
  assert.equal(en.secret, 'MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW');
  await sleep(50);
  assert.equal(code.value, '', 'nothing filled before ok: true');
  form.dispatchEvent(new p.w.Event('submit', { bubbles: true, cancelable: true }));
  assert.equal(submitted, 0, 'still blocked while storing');
  answer.resolve(ok('654321', { outcome: 'created', warnings: [] }));
  await until('saved', () => p.state() === 'enroll-saved');
  assert.equal(code.value, '654321');
  assert.equal(send.disabled, false);
  // institutional e-mail: warned before submit; "send anyway" goes through
  const email = p.doc.getElementById('txtEmail') as HTMLInputElement;
  email.value = 'fulano@trf2.jus.br';
  send.click();
  assert.equal(submitted, 0);
  assert.equal(p.panel(), 'email-warning');
  p.click('email-send-anyway');
  await until('submitted', () => submitted === 1);
  p.close();
});

test('eproc enrollment: storing fails -> said so, nothing filled, form released on dismiss', async () => {
  const p = page(EPROC_ENROLL, TRF2, () => err('keyring_locked'));
  await until('offered', () => p.state() === 'enroll-offered');
  p.click('enroll-save');
  await until('error', () => p.state() === 'error');
  assert.equal(p.panel(), 'enroll-failed');
  assert.match(p.panelText(), /NÃO foi salva/);
  assert.equal((p.doc.getElementById('txtCodigoA2F') as HTMLInputElement).value, '');
  assert.equal((p.doc.getElementById('sbmEnviar') as HTMLButtonElement).disabled, true);
  p.click('enroll-dismiss');
  assert.equal((p.doc.getElementById('sbmEnviar') as HTMLButtonElement).disabled, false);
  p.close();
});

test('Keycloak configure-OTP: the shown key and parameters are enrolled, #totp filled', async () => {
  const p = page(KC_CONFIGURE, 'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/required-action?execution=CONFIGURE_TOTP',
    (m) => (m.kind === 'enroll' ? ok('87654321', { outcome: 'created' }) : err('internal_error')), { autoSubmit: true, disableExport: true });
  await until('offered', () => p.state() === 'enroll-offered');
  assert.equal(p.doc.getElementById('eproc-a2f-ui')!.shadowRoot!.querySelector('[data-action="enroll-backup"]'), null, 'disableExport hides the backup');
  const save = p.doc.getElementById('saveTOTPBtn') as HTMLInputElement;
  assert.equal(save.disabled, true);
  p.click('enroll-save');
  await until('saved', () => p.state() === 'enroll-saved');
  const en = p.sent.find((m) => m.kind === 'enroll')!;
  assert.deepEqual([en.secret, en.algorithm, en.digits, en.period, en.user], ['MFRDCMTDMQZTIRKGGU3GO2BXHBEUUOJQ', 'SHA256', 8, 60, 'RS123']);
  assert.equal((p.doc.getElementById('totp') as HTMLInputElement).value, '87654321');
  assert.equal(save.disabled, false);
  assert.equal(p.codes().length, 0);
  p.close();
});

test('enrollment: the QR code (decoded by the background) wins over a misread key text', async () => {
  const p = page(EPROC_ENROLL, TRF2, (m) => {
    if (m.kind === 'check-key') {
      assert.match(String(m.qr), /^data:image\/png;base64,/);
      return { ok: true, available: true, match: false, shown: 'MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW', qr: { secret: 'JBSWY3DPEHPK3PXP', algorithm: 'SHA1', digits: 6, period: 30 } };
    }
    return m.kind === 'enroll' ? ok('123123', { outcome: 'created' }) : err('internal_error');
  });
  await until('offered', () => p.state() === 'enroll-offered');
  p.click('enroll-save');
  await until('saved', () => p.state() === 'enroll-saved');
  const en = p.sent.find((m) => m.kind === 'enroll')!;
  assert.deepEqual([en.secret, en.algorithm, en.digits, en.period], ['JBSWY3DPEHPK3PXP', 'SHA1', 6, 30]);
  assert.match(p.panelText(), /QR code/);
  p.close();
});

test('in a frame the content script does nothing (top frame only)', async () => {
  const virtualConsole = new VirtualConsole();
  const top = new JSDOM(`<!doctype html><html><body><iframe id="f" srcdoc="<html><body>${EPROC_CODE_STEP.replace(/"/g, '&quot;')}</body></html>"></iframe></body></html>`,
    { url: TRF2, runScripts: 'outside-only', virtualConsole });
  await new Promise((r) => setTimeout(r, 200));
  const fw = (top.window.document.getElementById('f') as HTMLIFrameElement).contentWindow as unknown as Omit<Window, 'chrome'> & { eval(c: string): unknown; chrome: unknown };
  assert.notEqual(fw.top, fw);
  const sent: unknown[] = [];
  fw.chrome = { runtime: { id: 't', sendMessage: async (m: unknown) => { sent.push(m); return {}; } }, i18n: { getMessage: () => '' } };
  fw.eval(bundle);
  await sleep(300);
  assert.equal(fw.document.documentElement.hasAttribute('data-eproc-a2f-loaded'), false);
  assert.deepEqual(sent, []);
  top.window.close();
});

test('a field re-rendered during the wait is the same appearance: one request, the new field filled', async () => {
  const p = page(EPROC_LOGIN, TRF2, () => ok('999000', { wait_ms: 300 }));
  p.doc.getElementById('divA2F')!.innerHTML = EPROC_CODE_STEP;
  await until('waiting', () => p.state() === 'waiting');
  p.doc.getElementById('divA2F')!.innerHTML = EPROC_CODE_STEP; // the page rebuilds the field
  await until('filled', () => p.state() === 'filled', 2000);
  await sleep(1100);
  assert.equal(p.codes().length, 1);
  assert.equal((p.doc.getElementById('txtAcessoCodigo') as HTMLInputElement).value, '999000');
  p.close();
});

test('a login form on screen warms the code source up (no code asked)', async () => {
  const p = page(EPROC_LOGIN, TRF2, () => err('internal_error'));
  await until('warm', () => p.sent.some((m) => m.kind === 'warm'));
  assert.equal(p.codes().length, 0);
  p.close();
});

// ---------------------------------------------------------------- code asked ahead at the password submit

function submitPassword(p: ReturnType<typeof page>, how: 'click' | 'enter' = 'click', password = 'senha'): void {
  const pwd = p.doc.getElementById('pwdSenha') as HTMLInputElement;
  pwd.value = password;
  if (how === 'click') p.doc.getElementById('sbmEntrar')!.click();
  else pwd.dispatchEvent(new p.w.KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
}

const aheads = (p: ReturnType<typeof page>) => p.codes().filter((m) => m.ahead === true);
const plain = (p: ReturnType<typeof page>) => p.codes().filter((m) => m.ahead !== true);

test('eproc: the code is asked ahead at the password submit (never at load), then asked plainly when the field appears', async () => {
  const p = page(EPROC_LOGIN, TRF2, (m) => (m.ahead ? { ok: true, held: true } : ok('123456', { valid_for_s: 20 })));
  await sleep(50);
  assert.equal(p.codes().length, 0, 'no code request at page load');
  submitPassword(p);
  assert.equal(aheads(p).length, 1, 'asked at the submit, before the field exists');
  assert.equal(aheads(p)[0]!.user, 'RS123');
  assert.equal(p.state(), null, 'the ahead answer is not waited for (the background holds it)');
  p.doc.getElementById('divA2F')!.innerHTML = EPROC_CODE_STEP;
  await until('filled', () => p.state() === 'filled');
  assert.equal((p.doc.getElementById('txtAcessoCodigo') as HTMLInputElement).value, '123456');
  assert.equal(plain(p).length, 1, 'the field asks once (the background answers from the held code)');
  assert.equal(plain(p)[0]!.user, 'RS123');
  await sleep(1100);
  assert.equal(p.codes().length, 2);
  p.close();
});

test('eproc: Enter in the password box also asks ahead; no password, no user or a shown field: nothing asked ahead', async () => {
  const p = page(EPROC_LOGIN, TRF2, () => ok('123456', { valid_for_s: 20 }));
  submitPassword(p, 'click', '');
  await sleep(30);
  assert.equal(p.codes().length, 0, 'no password typed: not a real submit');
  submitPassword(p, 'enter');
  assert.equal(aheads(p).length, 1);
  p.close();
  const q = page(EPROC_LOGIN.replace('value="RS123"', 'value=""'), TRF2, () => ok('123456', { valid_for_s: 20 }));
  submitPassword(q);
  await sleep(30);
  assert.equal(q.codes().length, 0, 'no user name: not a real submit');
  q.close();
  const r = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => ok('123456', { valid_for_s: 20 }));
  await until('filled', () => r.state() === 'filled');
  submitPassword(r);
  await sleep(30);
  assert.equal(aheads(r).length, 0, 'a code field on screen: the normal path only');
  r.close();
});

test('eproc: a double click or a refused password sent again asks ahead once', async () => {
  const p = page(EPROC_LOGIN, TRF2, () => ok('654321', { valid_for_s: 25 }));
  submitPassword(p);
  submitPassword(p);
  await sleep(30);
  submitPassword(p);
  assert.equal(aheads(p).length, 1);
  p.close();
});

test('Keycloak: #kc-login on the user/password form asks ahead; the OTP form\'s #kc-login does not', async () => {
  const KC_LOGIN = `<form id="kc-form-login" action="x" method="post"><input id="username" name="username" value="RS123">
    <input id="password" name="password" type="password"><input name="login" id="kc-login" type="submit" value="Entrar"></form>`;
  const p = page(KC_LOGIN, 'https://eproc-sso.trf4.jus.br/realms/eproc/protocol/openid-connect/auth?client_id=x', () => ({ ok: true }));
  (p.doc.getElementById('password') as HTMLInputElement).value = 'senha';
  p.doc.getElementById('kc-form-login')!.addEventListener('submit', (e) => e.preventDefault());
  p.doc.getElementById('kc-login')!.click();
  await sleep(20);
  assert.equal(aheads(p).length, 1);
  assert.equal(aheads(p)[0]!.user, 'RS123');
  p.close();
  const q = page(KC_OTP, 'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate', () => ok('765432'));
  await until('filled', () => q.state() === 'filled');
  q.doc.getElementById('kc-otp-login-form')!.addEventListener('submit', (e) => e.preventDefault());
  q.doc.getElementById('kc-login')!.click();
  await sleep(20);
  assert.equal(aheads(q).length, 0);
  q.close();
});
