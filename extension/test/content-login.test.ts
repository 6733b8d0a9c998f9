// The content script's login flow on the page variants of issue 10 (docs/eproc.md section 5):
// auto-submit rules, duplicate ids, the court's rejection, withheld codes, the court clock, pages
// the extension never acts on, the login accepted, document_start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { EPROC_CODE_STEP, EPROC_LOGIN, KC_OTP } from './helpers';
import { TRF2, err, ok, page, sleep, until, watchClicks } from './content-page';
import { MAIN_WORLD_MARK } from '../src/content/reject-text';

const KC_URL = 'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate?x=1';
const auto = (code: string, extra: Record<string, unknown> = {}) => ok(code, { autoSubmit: true, clock: { offsetMs: 0, state: 'none' }, rejection: null, ...extra });
const results = (p: ReturnType<typeof page>) => p.sent.filter((m) => m.kind === 'login-result');
const value = (p: ReturnType<typeof page>, id: string) => (p.doc.getElementById(id) as HTMLInputElement).value;

test('auto-submit needs the answer\'s autoSubmit: absent or false, filled and not submitted', async () => {
  for (const extra of [{}, { autoSubmit: false }]) {
    const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => ok('123456', extra), { autoSubmit: true, disableExport: false });
    const clicks = watchClicks(p.doc, ['btnValidar']);
    await until('filled', () => p.state() === 'filled');
    await sleep(250);
    assert.equal(clicks.btnValidar, 0);
    assert.equal(p.attr('submitted'), '0');
    p.close();
  }
});

test('generic fallbacks (one-time-code, a stray #otp, split boxes) are filled, never submitted', async () => {
  const pages = [
    '<form id="f"><input autocomplete="one-time-code" id="c" name="c"><button id="go">OK</button></form>',
    '<form id="f"><input id="otp" name="otp"><button id="go">OK</button></form>',
    '<form id="f"><div>' + [1, 2, 3, 4, 5, 6].map((i) => `<input maxlength="1" id="d${i}">`).join('') + '</div><button id="go">OK</button></form>',
  ];
  for (const html of pages) {
    const p = page(html, TRF2, () => auto('123456'));
    let submits = 0;
    p.doc.getElementById('f')!.addEventListener('submit', (e) => { submits++; e.preventDefault(); });
    const clicks = watchClicks(p.doc, ['go']);
    await until('filled', () => p.state() === 'filled');
    await sleep(300);
    assert.equal(clicks.go, 0, html);
    assert.equal(submits, 0, html);
    assert.equal(p.attr('submitted'), '0');
    p.close();
  }
});

test('duplicate ids: the copy the user sees is filled and its #btnValidar clicked, the hidden copy untouched', async () => {
  const hidden = `<div id="barMobile" style="display:none"><input type="text" id="txtAcessoCodigo" name="txtAcessoCodigo" maxlength="6"><button type="button" id="btnValidar">Validar</button></div>`;
  const p = page(hidden + EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => auto('135790'));
  const [h, v] = [...p.doc.querySelectorAll<HTMLInputElement>('[id="txtAcessoCodigo"]')];
  const [hb, vb] = [...p.doc.querySelectorAll<HTMLButtonElement>('[id="btnValidar"]')];
  let hc = 0;
  let vc = 0;
  hb!.addEventListener('click', () => hc++);
  vb!.addEventListener('click', () => vc++);
  await until('submitted', () => vc === 1);
  assert.equal(v!.value, '135790');
  assert.equal(h!.value, '');
  assert.equal(hc, 0);
  assert.equal(p.codes().length, 1);
  // A copy shown later (phone layout) is the same appearance: same code, no new request.
  p.close();
});

test('copies swapped after the fill (a stylesheet arrived): the same code goes into the copy now shown', async () => {
  const twoCopies = `<div id="wide"><input type="text" id="txtAcessoCodigo" maxlength="6"></div><div id="narrow"><input type="text" id="txtAcessoCodigo" maxlength="6"></div>`;
  const p = page(twoCopies, TRF2, () => ok('246802'));
  await until('filled', () => p.state() === 'filled');
  const [a, b] = [...p.doc.querySelectorAll<HTMLInputElement>('[id="txtAcessoCodigo"]')];
  assert.equal(a!.value, '246802');
  p.doc.getElementById('wide')!.style.display = 'none';
  await until('copy filled', () => b!.value === '246802');
  assert.equal(p.codes().length, 1);
  p.close();
});

test('eproc rejection markup on the code page: filled once more, never submitted, reported, notice says what to check', async () => {
  const msg = '<div id="divInfraMensagens"><div class="infraMensagem">CODIGO AUTENTICADOR INVALIDO.</div></div>';
  const p = page(msg + EPROC_LOGIN + EPROC_CODE_STEP, TRF2, (m) => (m.kind === 'login-result'
    ? { ok: true, forwarded: true, rejection: { count: 1, at_ms: Date.now(), until_ms: Date.now() + 1_800_000, auto_submit: false, fill: true } }
    : auto('112233')));
  const clicks = watchClicks(p.doc, ['btnValidar']);
  await until('reported', () => results(p).length === 1);
  assert.equal(results(p)[0]!.outcome, 'rejected');
  assert.match(String(results(p)[0]!.evidence), /infraMensagem|divInfraMensagens/);
  await until('filled', () => value(p, 'txtAcessoCodigo') === '112233');
  await sleep(400);
  assert.equal(clicks.btnValidar, 0);
  assert.equal(p.attr('submitted'), '0');
  assert.equal(p.state(), 'rejected');
  assert.match(p.panelText(), /relógio deste computador/);
  assert.match(p.panelText(), /nova|novo cadastro/);
  assert.match(p.panelText(), /conta certa/);
  assert.match(p.panelText(), /não enviará o código automaticamente/);
  await sleep(700);
  assert.equal(results(p).length, 1, 'reported once while the message stays');
  p.close();
});

test('eproc AJAX: rejected after the automatic submit on the same page → reported, never submitted again', async () => {
  let n = 0;
  const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, (m) => (m.kind === 'login-result' ? { ok: true, forwarded: true, rejection: null } : auto(String(111111 * ++n))));
  let clicks = 0;
  p.doc.addEventListener('click', (e) => { if ((e.target as Element).id === 'btnValidar') clicks++; }, true);
  await until('submitted', () => p.attr('submitted') === '1');
  // The court answers on the same page and shows the code step again.
  p.doc.getElementById('divA2F')!.innerHTML = '<div class="infraMensagem">Código autenticador inválido.</div>' + EPROC_CODE_STEP;
  await until('reported', () => results(p).length === 1);
  assert.equal(p.state(), 'rejected');
  await until('asked again', () => p.codes().length === 2);
  await until('refilled', () => value(p, 'txtAcessoCodigo') === '222222');
  await sleep(400);
  assert.equal(clicks, 1, 'one automatic submit per page, none after a rejection');
  assert.equal(p.attr('submitted'), '1');
  p.close();
});

test('Keycloak re-rendered OTP form with the error (pt-BR and English): no submit, reported', async () => {
  const variants = [
    { html: KC_OTP.replace('autofocus>', 'autofocus aria-invalid="true"><span id="input-error-otp-code" aria-live="polite">Código autenticador inválido.</span>'), lang: 'pt-br', re: /O tribunal recusou/ },
    { html: KC_OTP.replace('<form', '<div class="alert-error"><span class="kc-feedback-text">Invalid authenticator code.</span></div><form'), lang: 'en', re: /The court refused/ },
    { html: KC_OTP.replace('autofocus>', 'autofocus aria-invalid="true">'), lang: 'pt-br', re: /O tribunal recusou/ },
  ];
  for (const v of variants) {
    const p = page(v.html, KC_URL, (m) => (m.kind === 'login-result' ? { ok: true, forwarded: true } : auto('765432')), undefined, { lang: v.lang });
    const clicks = watchClicks(p.doc, ['kc-login']);
    p.doc.getElementById('kc-otp-login-form')!.addEventListener('submit', (e) => e.preventDefault());
    await until('reported', () => results(p).length === 1);
    await until('filled', () => value(p, 'otp') === '765432');
    await sleep(300);
    assert.equal(clicks['kc-login'], 0, v.html);
    assert.equal(p.state(), 'rejected');
    assert.match(p.panelText(), v.re);
    p.close();
  }
});

test('the MAIN-world hook\'s alert text is a rejection; forged or unrelated messages are not', async () => {
  const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, (m) => (m.kind === 'login-result' ? { ok: true } : ok('123456')));
  await until('filled', () => p.state() === 'filled');
  const w = p.w as unknown as Window & typeof globalThis;
  // jsdom's postMessage sets neither source nor origin: the browser's event, by hand.
  const post = (data: unknown, origin = 'https://eproc.trf2.jus.br', source: unknown = w) =>
    w.dispatchEvent(new w.MessageEvent('message', { data, origin, source: source as Window }));
  const REJ = 'Código autenticador inválido.';
  post({ kind: 'dialog', text: REJ }); // no marker
  post({ [MAIN_WORLD_MARK]: 1, kind: 'dialog', text: 'Bem-vindo!' }); // not a rejection
  post({ [MAIN_WORLD_MARK]: 1, kind: 'dialog', text: REJ }, 'https://evil.example'); // another origin
  post({ [MAIN_WORLD_MARK]: 1, kind: 'dialog', text: REJ }, undefined, null); // not this window
  post({ [MAIN_WORLD_MARK]: 1, kind: 'dialog', text: REJ.repeat(40) }); // too long
  await sleep(50);
  assert.equal(results(p).length, 0);
  post({ [MAIN_WORLD_MARK]: 1, kind: 'dialog', dialog: 'alert', text: REJ });
  await until('reported', () => results(p).length === 1);
  assert.match(String(results(p)[0]!.evidence), /^alert: /);
  assert.equal(p.state(), 'rejected');
  p.close();
});

test('main-world.ts: alert/confirm still show; only a rejection text is posted, with the marker', async () => {
  const EXT = process.env.EPROC_A2F_EXT_DIR!;
  const main = (await esbuild.build({ entryPoints: [join(EXT, 'src/content/main-world.ts')], bundle: true, write: false, format: 'iife', target: 'es2022', logLevel: 'error' })).outputFiles[0]!.text;
  const shown: string[] = [];
  const posted: unknown[] = [];
  const p = page('', TRF2, () => ok('1'), undefined, {
    before: (w) => {
      (w as unknown as { alert: (m: string) => void }).alert = (m: string) => void shown.push(`alert:${m}`);
      (w as unknown as { confirm: (m: string) => boolean }).confirm = (m: string) => { shown.push(`confirm:${m}`); return true; };
      (w as unknown as { eval(c: string): void }).eval(main);
      w.addEventListener('message', (e) => posted.push((e as MessageEvent).data));
    },
  });
  const w = p.w as unknown as { alert(m: string): void; confirm(m: string): boolean; eval(c: string): void };
  w.eval(main); // a second injection does not wrap twice
  w.alert('Bem-vindo');
  assert.equal(w.confirm('Código Autenticador Inválido!'), true);
  w.alert('Código autenticador inválido.');
  await sleep(30);
  assert.deepEqual(shown, ['alert:Bem-vindo', 'confirm:Código Autenticador Inválido!', 'alert:Código autenticador inválido.']);
  assert.equal(posted.length, 2);
  assert.deepEqual(JSON.parse(JSON.stringify(posted[1])), { [MAIN_WORLD_MARK]: 1, kind: 'dialog', dialog: 'alert', text: 'Código autenticador inválido.' });
  p.close();
});

test('code_withheld: state withheld, nothing filled, the notice with the time it ends', async () => {
  const until_ms = Date.now() + 30 * 60_000;
  const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => err('code_withheld', { rejections: 2, until_ms }));
  await until('withheld', () => p.state() === 'withheld');
  assert.equal(value(p, 'txtAcessoCodigo'), '');
  assert.equal(p.panel(), 'withheld');
  assert.match(p.panelText(), /relógio deste computador/);
  assert.match(p.panelText(), /ou até as \d\d:\d\d/);
  p.close();
});

test('an answer carrying a rejection record: filled, not submitted (whatever autoSubmit says), told why', async () => {
  const rejection = { count: 1, at_ms: Date.now(), until_ms: Date.now() + 1_800_000, auto_submit: false, fill: true };
  const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => auto('909090', { rejection }));
  const clicks = watchClicks(p.doc, ['btnValidar']);
  await until('filled', () => p.state() === 'filled');
  await sleep(300);
  assert.equal(value(p, 'txtAcessoCodigo'), '909090');
  assert.equal(clicks.btnValidar, 0);
  assert.equal(p.panel(), 'refilled');
  p.close();
});

test('court clock: an absurd Date → a notice; corrected → the usual one', async () => {
  const p = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => ok('121212', { clock: { offsetMs: 0, state: 'absurd' } }));
  await until('filled', () => p.state() === 'filled');
  assert.equal(p.attr('clock'), 'absurd');
  assert.equal(p.panel(), 'clock');
  assert.match(p.panelText(), /relógio deste computador/);
  p.close();
  const q = page(EPROC_LOGIN + EPROC_CODE_STEP, TRF2, () => ok('121212', { clock: { offsetMs: 150_000, state: 'corrected' } }));
  await until('filled', () => q.state() === 'filled');
  assert.equal(q.panel(), 'filled');
  q.close();
});

test('never typed into a captcha, even one that looks like a code field', async () => {
  const captcha = `<div id="divInfraCaptcha"><img src="/captcha.php" alt="captcha"><input type="text" id="txtInfraCaptcha" name="txtInfraCaptcha" autocomplete="one-time-code" maxlength="6"><button type="submit">Enviar</button></div>`;
  const split = `<div class="captcha-boxes">${'<input maxlength="1">'.repeat(5)}</div>`;
  for (const html of [captcha, split]) {
    const p = page(html, TRF2, () => ok('123456'));
    await sleep(300);
    assert.equal(p.codes().length, 0, html);
    for (const i of p.doc.querySelectorAll('input')) assert.equal(i.value, '');
    p.close();
  }
});

test('hands off: Cloudflare challenge, "Alterar Cadastro", the profile choice', async () => {
  const cases: [string, string, string?][] = [
    ['<h1>Verifique se você é humano</h1><div class="cf-turnstile"></div><input autocomplete="one-time-code">', TRF2, 'Um momento…'],
    ['<h2>Verify you are human by completing the action below.</h2><input autocomplete="one-time-code">', TRF2],
    [`<h1>Alterar Cadastro</h1><form><input id="txtNome" value="Fulano"><input id="txtEmail" placeholder="E-mail pessoal"><input autocomplete="one-time-code"><button id="sbmSalvar">Salvar</button></form>`,
      'https://eproc.trf2.jus.br/eproc/controlador.php?acao=pessoa_alterar&hash=1'],
    [`<h3>Selecione o perfil</h3><button data-descricao="ADVOGADO" id="p1">Advogado</button><button data-descricao="PROCURADOR" id="p2">Procurador</button><input autocomplete="one-time-code">`, TRF2],
  ];
  for (const [html, url, title] of cases) {
    const p = page(html, url, () => ok('123456'), undefined, title ? { title } : {});
    let clicks = 0;
    p.doc.addEventListener('click', () => clicks++, true);
    await sleep(300);
    assert.equal(p.codes().length, 0, html);
    assert.equal(clicks, 0);
    for (const i of p.doc.querySelectorAll('input')) assert.ok(i.value === '' || i.value === 'Fulano', html);
    assert.equal(p.panel(), null, html);
    p.close();
  }
});

test('the application after login: login-result accepted once; the profile choice counts too; a login page does not', async () => {
  const p = page('<h1 id="painel">eproc - TRF2</h1><p>Bem-vindo(a), RS123.</p>', 'https://eproc.trf2.jus.br/eproc/controlador.php?acao=painel', () => ({ ok: true }));
  await until('accepted', () => results(p).length === 1, 4000);
  assert.equal(results(p)[0]!.outcome, 'accepted');
  p.close();
  const q = page('<h3>Selecione o perfil</h3><button data-descricao="ADVOGADO">Advogado</button>', TRF2, () => ({ ok: true }));
  await until('accepted', () => results(q).length === 1, 4000);
  q.close();
  const r = page(EPROC_LOGIN, TRF2, () => ({ ok: true }));
  const s = page('<div class="infraMensagem">Código autenticador inválido</div>', TRF2, () => ({ ok: true }));
  await sleep(2200);
  assert.equal(results(r).length, 0);
  assert.deepEqual(results(s).map((m) => m.outcome), ['rejected']);
  r.close();
  s.close();
});

test('document_start: injected before the root exists, the field is filled as it is parsed, submitted only after DOMContentLoaded', async () => {
  const order: string[] = [];
  let ready = 'loading';
  const p = page('', TRF2, () => auto('343434'), undefined, {
    before: (w) => {
      const d = w.document;
      assert.equal(d.readyState, 'loading');
      d.removeChild(d.documentElement);
      // jsdom parses at once: hold DOMContentLoaded back to stand for a page still being parsed.
      Object.defineProperty(d, 'readyState', { configurable: true, get: () => ready });
      w.addEventListener('DOMContentLoaded', (e) => { if (e.isTrusted) e.stopImmediatePropagation(); }, true);
    },
  });
  const d = p.doc;
  const html = d.createElement('html');
  d.append(html);
  const body = d.createElement('body');
  html.append(body);
  body.innerHTML = EPROC_CODE_STEP;
  const field = d.getElementById('txtAcessoCodigo') as HTMLInputElement;
  field.addEventListener('input', () => { if (field.value.length === 6) order.push('filled'); });
  d.getElementById('btnValidar')!.addEventListener('click', () => order.push('submitted'));
  await until('filled', () => field.value === '343434');
  assert.equal(d.documentElement.getAttribute('data-eproc-a2f-state'), 'filled');
  await sleep(300);
  assert.deepEqual(order, ['filled'], 'no submit before DOMContentLoaded');
  ready = 'interactive';
  order.push('DOMContentLoaded');
  d.dispatchEvent(new p.w.Event('DOMContentLoaded', { bubbles: true }));
  await until('submitted', () => order.includes('submitted'), 3000);
  assert.deepEqual(order, ['filled', 'DOMContentLoaded', 'submitted']);
  assert.equal(p.codes().length, 1);
  p.close();
});

test('copies swapped between the fill and the automatic submit: the copy shown gets the code and its button is clicked', async () => {
  const twoCopies = `<div id="wide"><input type="text" id="txtAcessoCodigo" maxlength="6"><button type="button" id="btnValidar">Validar</button></div>`
    + `<div id="narrow"><input type="text" id="txtAcessoCodigo" maxlength="6"><button type="button" id="btnValidar">Validar</button></div>`;
  let ready = 'loading';
  const p = page(twoCopies, TRF2, () => auto('575757'), undefined, {
    before: (w) => {
      Object.defineProperty(w.document, 'readyState', { configurable: true, get: () => ready });
      w.addEventListener('DOMContentLoaded', (e) => { if (e.isTrusted) e.stopImmediatePropagation(); }, true);
    },
  });
  const [a, b] = [...p.doc.querySelectorAll<HTMLInputElement>('[id="txtAcessoCodigo"]')];
  const [ab, bb] = [...p.doc.querySelectorAll<HTMLButtonElement>('[id="btnValidar"]')];
  const clicks = { a: 0, b: 0 };
  ab!.addEventListener('click', () => clicks.a++);
  bb!.addEventListener('click', () => clicks.b++);
  await until('filled', () => a!.value === '575757');
  // The stylesheet arrives: the wide copy is hidden, no mutation of the field itself.
  (p.doc.getElementById('wide') as HTMLElement).hidden = true;
  ready = 'interactive';
  p.doc.dispatchEvent(new p.w.Event('DOMContentLoaded', { bubbles: true }));
  await until('submitted', () => clicks.a + clicks.b === 1, 3000);
  assert.deepEqual(clicks, { a: 0, b: 1 });
  assert.equal(b!.value, '575757');
  assert.equal(p.codes().length, 1);
  p.close();
});
