// The simulator tested by itself: TOTP verification, one use per step, page structure, flows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import tls from 'node:tls';
import { startSimulator } from './lib/simulator.mjs';
import { Client, attrById, textById } from './lib/client.mjs';
import * as totp from './lib/totp.mjs';

let sim;
before(async () => { sim = await startSimulator({}); });
after(async () => { await sim?.close(); });

const decodeEntities = (s) => s.replace(/&amp;/g, '&');
const last = (type, pred = () => true) => sim.events().filter((e) => e.type === type && pred(e)).at(-1);

// Waits, if needed, so that at least `ms` remain in the current step (keeps tests deterministic).
async function roomInStep(ms = 4000) {
  const left = totp.msLeftInStep();
  if (left < ms) await new Promise((r) => setTimeout(r, left + 50));
}

test('TOTP matches RFC 6238 vectors and oathtool semantics', () => {
  const key = Buffer.from('12345678901234567890');
  assert.equal(totp.hotp(key, Math.floor(59 / 30), { digits: 8 }), '94287082');
  assert.equal(totp.hotp(key, Math.floor(1111111109 / 30), { digits: 8 }), '07081804');
  assert.equal(totp.hotp(key, Math.floor(20000000000 / 30), { digits: 8 }), '65353130');
  assert.equal(totp.base32Encode(key), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.deepEqual(totp.base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq'), key);
});

test('eproc own login (trf2): page structure, late code field, accepted / reused / wrong codes', async () => {
  await roomInStep();
  const c = new Client(sim);
  const key = sim.addUser('trf2', 'RJ111');
  const url = 'https://eproc.trf2.jus.br/eproc/index.php';
  const page = await c.get(url);
  assert.equal(page.status, 200);
  for (const id of ['frmLogin', 'txtUsuario', 'pwdSenha', 'sbmEntrar', 'divA2F']) assert.ok(page.text.includes(`id="${id}"`), id);
  assert.match(page.text, /<button type="button" id="sbmEntrar" name="sbmEntrar" onclick="Submit\('login'\)">/);
  assert.match(page.text, /<input type="password" name="pwdSenha"/);
  const markup = page.text.slice(0, page.text.indexOf('<script>'));
  assert.ok(!markup.includes('txtAcessoCodigo'), 'the code field is not in the initial markup');
  // the page script builds it after the password check
  assert.ok(page.text.includes("id=\"txtAcessoCodigo\" name=\"txtAcessoCodigo\""));
  assert.ok(page.text.includes('Não usar o 2FA neste dispositivo e navegador'));
  assert.ok(page.text.includes('Desativar 2FA') && page.text.includes('Cancelar Dispositivos Liberados'));
  const aj = await c.post('https://eproc.trf2.jus.br/eproc/controlador_ajax.php?acao=usuario_validar',
    { body: JSON.stringify({ usuario: 'RJ111', senha: 'x' }), headers: { 'content-type': 'application/json' } });
  assert.equal(JSON.parse(aj.text).ok, true);
  const wrong = String((Number(totp.totpNow(key)) + 1) % 1e6).padStart(6, '0');
  let r = await c.post(url, { form: { acao: 'validar_codigo', txtUsuario: 'RJ111', pwdSenha: 'x', txtAcessoCodigo: wrong } });
  assert.equal(r.status, 200);
  assert.ok(r.text.includes('Código autenticador inválido.'));
  assert.equal(last('otp').reason, 'invalid');
  const code = totp.totpNow(key);
  r = await c.post(url, { form: { acao: 'validar_codigo', txtUsuario: 'RJ111', pwdSenha: 'x', txtAcessoCodigo: code, hdnEventos: 'input,keyup' } });
  assert.equal(r.status, 302);
  assert.equal(last('otp').reason, 'accepted');
  assert.deepEqual(last('otp').fieldEvents, ['input', 'keyup']);
  assert.equal(last('login').user, 'RJ111');
  const panel = await c.get(r.location);
  assert.equal(textById(panel.text, 'usuario-logado'), 'RJ111');
  // the same code again (another browser, same step) is refused
  const c2 = new Client(sim);
  r = await c2.post(url, { form: { acao: 'validar_codigo', txtUsuario: 'RJ111', pwdSenha: 'x', txtAcessoCodigo: code } });
  assert.equal(r.status, 200);
  assert.equal(last('otp').reason, 'reused');
});

test('a code of the next step is refused before its time (filled too early)', async () => {
  await roomInStep();
  const key = sim.addUser('trf2', 'RJ222');
  const c = new Client(sim);
  const next = totp.totpAtStep(key, totp.stepAt() + 1);
  await c.post('https://eproc.trf2.jus.br/eproc/index.php', { form: { acao: 'validar_codigo', txtUsuario: 'RJ222', txtAcessoCodigo: next } });
  const e = last('otp');
  assert.equal(e.reason, 'invalid');
  assert.equal(e.nearOffset, 1);
});

test('forbidden buttons are reported through the beacon', async () => {
  const c = new Client(sim);
  await c.post('https://eproc.trf2.jus.br/__sim/beacon', { body: JSON.stringify({ type: 'forbidden', what: 'Desativar 2FA' }) });
  assert.equal(last('forbidden').what, 'Desativar 2FA');
});

test('Keycloak (jfpr app -> eproc-sso.trf4.jus.br realm): login, OTP with the shared trf4 key', async () => {
  await roomInStep();
  const key = sim.addUser('trf4', 'PR333');
  const c = new Client(sim);
  let r = await c.get('https://eproc.jfpr.jus.br/eprocV2/');
  assert.equal(r.status, 302);
  const auth = new URL(r.location);
  assert.equal(auth.host, 'eproc-sso.trf4.jus.br');
  assert.equal(auth.pathname, '/realms/eproc/protocol/openid-connect/auth');
  assert.equal(auth.searchParams.get('eproc_client_id'), 'eproc.jfpr.jus.br');
  r = await c.get(r.location);
  for (const id of ['kc-form-login', 'username', 'password', 'kc-login']) assert.ok(r.text.includes(`id="${id}"`), id);
  const action = new URL(decodeEntities(attrById(r.text, 'kc-form-login', 'action')), auth).href;
  assert.match(action, /login-actions\/authenticate/);
  r = await c.post(action, { form: { username: 'PR333', password: 'x' } });
  assert.equal(r.status, 200);
  for (const id of ['kc-otp-login-form', 'otp', 'kc-login', 'kc-attempted-username']) assert.ok(r.text.includes(`id="${id}"`), id);
  assert.equal(textById(r.text, 'kc-attempted-username'), 'PR333');
  assert.ok(!r.text.includes('id="saveDevice"'), 'saveDevice only on TJRS');
  const otpAction = new URL(decodeEntities(attrById(r.text, 'kc-otp-login-form', 'action')), auth).href;
  assert.match(otpAction, /login-actions\/authenticate/);
  r = await c.post(otpAction, { form: { otp: totp.totpNow(key) } });
  assert.equal(r.status, 302);
  assert.equal(new URL(r.location).host, 'eproc.jfpr.jus.br');
  r = await c.follow(r.location);
  assert.equal(textById(r.text, 'usuario-logado'), 'PR333');
  const login = last('login');
  assert.equal(login.host, 'eproc.jfpr.jus.br');
  assert.equal(login.authenticator, 'trf4');
});

test('Keycloak TJRS (eproc1g.tjrs.jus.br -> keycloak-eks.tjrs.jus.br) shows #saveDevice', async () => {
  sim.addUser('tjrs', 'RS444');
  const c = new Client(sim);
  let r = await c.get('https://eproc1g.tjrs.jus.br/eproc/');
  assert.equal(new URL(r.location).host, 'keycloak-eks.tjrs.jus.br');
  const authUrl = r.location;
  r = await c.get(authUrl);
  const action = new URL(decodeEntities(attrById(r.text, 'kc-form-login', 'action')), authUrl).href;
  r = await c.post(action, { form: { username: 'RS444', password: 'x' } });
  assert.ok(r.text.includes('id="saveDevice"'));
});

test('Keycloak configure-OTP: raw secret in totpSecret, base32 of it shown grouped; the code is checked', async () => {
  await roomInStep();
  const c = new Client(sim);
  let r = await c.get('https://eproc.trf4.jus.br/eproc2trf4/');
  const authUrl = r.location;
  r = await c.get(authUrl);
  const action = new URL(decodeEntities(attrById(r.text, 'kc-form-login', 'action')), authUrl).href;
  r = await c.post(action, { form: { username: 'NEW555', password: 'x' } });
  assert.equal(r.status, 302);
  assert.match(r.location, /required-action\?.*execution=CONFIGURE_TOTP/);
  const qrPage = await c.get(r.location);
  for (const id of ['kc-totp-settings-form', 'kc-totp-secret-qr-code', 'mode-manual', 'totp', 'userLabel', 'saveTOTPBtn', 'totpSecret']) assert.ok(qrPage.text.includes(`id="${id}"`), id);
  assert.match(attrById(qrPage.text, 'kc-totp-secret-qr-code', 'src'), /^data:image\/png;base64,iVBOR/);
  const raw = attrById(qrPage.text, 'totpSecret', 'value');
  assert.match(raw, /^[A-Za-z0-9]{20}$/);
  const manual = await c.get(new URL(decodeEntities(attrById(qrPage.text, 'mode-manual', 'href')), r.location).href);
  const shown = textById(manual.text, 'kc-totp-secret-key');
  assert.match(shown, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
  assert.equal(shown.replace(/ /g, ''), totp.base32Encode(Buffer.from(raw, 'ascii')));
  assert.match(manual.text, /id="kc-totp-algorithm">Algoritmo: SHA1</);
  assert.match(manual.text, /id="kc-totp-digits">Dígitos: 6</);
  assert.match(manual.text, /id="kc-totp-period">Intervalo: 30</);
  const formAction = new URL(decodeEntities(attrById(manual.text, 'kc-totp-settings-form', 'action')), r.location).href;
  // treating the raw secret as base32 gives a wrong code: refused
  let bad;
  try { bad = totp.totpNow(raw.toUpperCase().replace(/[^A-Z2-7]/g, 'A')); } catch { bad = '000000'; }
  r = await c.post(formAction, { form: { totp: bad, totpSecret: raw, userLabel: 'x' } });
  assert.equal(r.status, 200);
  assert.equal(last('enroll').ok, false);
  r = await c.post(formAction, { form: { totp: totp.totpNow(shown), totpSecret: raw, userLabel: 'eproc-a2f' } });
  assert.equal(r.status, 302);
  assert.equal(last('enroll').ok, true);
  assert.equal(new URL(r.location).host, 'eproc.trf4.jus.br');
  assert.equal(sim.userKey('trf4', 'NEW555'), shown.replace(/ /g, ''));
});

test('eproc own enrollment: QR PNG, key grouped by four, e-mail rule, code checked', async () => {
  await roomInStep();
  const c = new Client(sim);
  const url = 'https://eproc.trf2.jus.br/eproc/index.php';
  let r = await c.post(url, { form: { acao: 'a2f_aviso', txtUsuario: 'RJ666', pwdSenha: 'x' } });
  assert.ok(r.text.includes('Prosseguir'));
  r = await c.post(url, { form: { acao: 'a2f_cadastro', txtUsuario: 'RJ666' } });
  assert.match(r.text, /<img id="imgQrCodeA2F" alt="QR code" src="data:image\/png;base64,iVBOR/);
  const grouped = textById(r.text, 'lblChaveDigitavel');
  assert.match(grouped, /^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
  assert.match(r.text, /<input type="text" id="txtEmail" name="txtEmail" placeholder="E-mail pessoal"/);
  assert.ok(r.text.includes('>Enviar<') && r.text.includes('>Cancelar<'));
  const code = totp.totpNow(grouped);
  r = await c.post(url, { form: { acao: 'a2f_confirmar', txtCodigoA2F: code, txtEmail: 'adv@trf2.jus.br' } });
  assert.equal(last('enroll').reason, 'email');
  r = await c.post(url, { form: { acao: 'a2f_confirmar', txtCodigoA2F: code, txtEmail: 'adv@example.com' } });
  assert.ok(r.text.includes('Cadastro realizado'));
  assert.equal(last('enroll').ok, true);
  assert.equal(sim.userKey('trf2', 'RJ666'), grouped.replace(/ /g, ''));
});

test('negative hosts: look-alike, http and the cross-origin frame page are served', async () => {
  const c = new Client(sim);
  let r = await c.get('https://eproc.trf2.jus.br.evil.example/eproc/index.php');
  assert.equal(r.status, 200);
  assert.ok(r.text.includes('id="frmLogin"'));
  r = await c.get('https://eproc.jfpr.jus.br.evil.example/eprocV2/');
  assert.equal(new URL(r.location).host, 'eproc-sso.trf4.jus.br.evil.example');
  r = await c.get('http://eproc.trf2.jus.br/eproc/index.php');
  assert.equal(r.status, 200);
  r = await c.get('http://eproc.jfpr.jus.br/eprocV2/');
  assert.equal(new URL(r.location).protocol, 'http:');
  r = await c.get('https://frame.evil.example/embed?src=' + encodeURIComponent('https://eproc.trf2.jus.br/eproc/index.php'));
  assert.match(r.text, /<iframe id="eprocFrame" src="https:\/\/eproc.trf2.jus.br\/eproc\/index.php"/);
});

test('proxy (Firefox path): CONNECT to a simulated host reaches the HTTPS pages; others refused', async () => {
  const connect = (target) => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: sim.ports.http, method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => resolve({ res, socket }));
    req.on('error', reject);
    req.end();
  });
  const { res, socket } = await connect('eproc.trf4.jus.br:443');
  assert.equal(res.statusCode, 200);
  const text = await new Promise((resolve, reject) => {
    const s = tls.connect({ socket, servername: 'eproc.trf4.jus.br', ca: sim.ca }, () => {
      s.write('GET /eproc2trf4/ HTTP/1.1\r\nHost: eproc.trf4.jus.br\r\nConnection: close\r\n\r\n');
    });
    let buf = '';
    s.on('data', (d) => { buf += d; });
    s.on('end', () => resolve(buf));
    s.on('error', reject);
  });
  assert.match(text, /^HTTP\/1.1 302/);
  const refused = await connect('example.com:443');
  assert.equal(refused.res.statusCode, 403);
  refused.socket.destroy();
});

test('control API: state, user seeding and the current code', async () => {
  const base = sim.controlUrl;
  let r = await fetch(`${base}/__sim/user`, { method: 'POST', body: JSON.stringify({ authenticator: 'trf4', user: 'CTL1' }) });
  const { secret } = await r.json();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  r = await fetch(`${base}/__sim/user?authenticator=trf4&user=CTL1`);
  const u = await r.json();
  assert.equal(u.secret, secret);
  assert.match(u.code, /^\d{6}$/);
  r = await fetch(`${base}/__sim/state`);
  const st = await r.json();
  assert.ok(st.events.length > 0);
  assert.ok(st.users.some((x) => x.user === 'CTL1' && x.hasKey));
});

test('Keycloak custom OTP themes: split boxes and a one-time-code field with another id', async () => {
  for (const [theme, needle] of [['split', 'id="otp-d6" class="otp-digit" maxlength="1"'], ['otc', 'id="codigo-otp" name="otp" autocomplete="one-time-code"'], ['old', 'id="otp"']]) {
    sim.addUser('trf4', `TH-${theme}`);
    const c = new Client(sim);
    let r = await c.get(`https://eproc.jfrs.jus.br/eprocV2/?sim_theme=${theme}`);
    const authUrl = r.location;
    assert.match(authUrl, new RegExp(`sim_theme=${theme}`));
    r = await c.get(authUrl);
    const action = new URL(decodeEntities(attrById(r.text, 'kc-form-login', 'action')), authUrl).href;
    r = await c.post(action, { form: { username: `TH-${theme}`, password: 'x' } });
    assert.ok(r.text.includes(needle), theme);
    assert.equal(r.text.includes('id="kc-attempted-username"'), theme !== 'old', theme);
  }
});

// ---- issue 10: the page variants (lib/variants.mjs), at the HTTP level
test('variants: two-page login (JFES): password post -> captcha page -> code page -> profile choice; counters', async () => {
  await roomInStep();
  const c = new Client(sim);
  const key = sim.addUser('jfes', 'ES111');
  const url = 'https://eproc.jfes.jus.br/eproc/index.php';
  const page = await c.get(url);
  assert.ok(page.text.includes("hdnAcao').value = 'login'"), 'Entrar posts the form');
  let r = await c.post(url, { form: { acao: 'login', txtUsuario: 'ES111', pwdSenha: 'x' } });
  for (const id of ['divInfraCaptcha', 'txtInfraCaptcha', 'sbmInfraCaptcha']) assert.ok(r.text.includes(`id="${id}"`), id);
  assert.ok(!r.text.includes('txtAcessoCodigo'));
  r = await c.post(url, { form: { acao: 'captcha', txtUsuario: 'ES111', txtInfraCaptcha: 'k7Wq2' } });
  assert.ok(r.text.includes('id="frmValidar"') && r.text.includes('id="txtAcessoCodigo"') && r.text.includes('id="btnValidar"'));
  assert.match(r.text, /id="txtAcessoCodigo"[^>]*>\s*<script>simTime\(/, 'the field is timed as it is parsed');
  r = await c.post(url, { form: { acao: 'validar_codigo', txtUsuario: 'ES111', txtAcessoCodigo: '000000' === totp.totpNow(key) ? '111111' : '000000' } });
  assert.ok(r.text.includes('class="infraMensagem">Código autenticador inválido.'));
  r = await c.post(url, { form: { acao: 'validar_codigo', txtUsuario: 'ES111', txtAcessoCodigo: totp.totpNow(key) } });
  assert.ok(r.text.includes('Selecione o perfil') && r.text.includes('data-descricao='));
  r = await c.post(url, { form: { acao: 'perfil', txtUsuario: 'ES111', perfil: 'ADVOGADO' } });
  assert.equal(r.status, 302);
  assert.deepEqual(sim.stats('jfes', 'ES111'), { password: 1, captcha: 1, code: 2, profile: 1, enroll: 0 });
  const ctl = JSON.parse((await new Promise((res) => http.get(`${sim.controlUrl}/__sim/stats?authenticator=jfes&user=ES111`, (x) => { let b = ''; x.on('data', (d) => b += d); x.on('end', () => res(b)); }))));
  assert.equal(ctl.code, 2);
});

test('variants: ISO-8859-1 (TJPR), duplicate ids (TJSE), Cloudflare and Alterar Cadastro (TRF2), key as a link (STM)', async () => {
  const c = new Client(sim);
  const pr = await c.get('https://eproc1g.tjpr.jus.br/index.php');
  assert.equal(pr.headers['content-type'], 'text/html; charset=ISO-8859-1');
  assert.ok(pr.raw.includes(Buffer.from('Usuário', 'latin1')) && !pr.raw.includes(Buffer.from('Usuário', 'utf8')), 'Latin-1 bytes');
  const se = await c.get('https://eproc1g.tjse.jus.br/eproc/index.php');
  assert.ok(se.text.includes('divInfraBarraComandosMobile') && se.text.includes('style="display:none"'));
  const cf = await c.get('https://eproc.trf2.jus.br/eproc/index.php?sim=cloudflare');
  assert.equal(cf.status, 403);
  assert.ok(cf.text.includes('Confirme que é humano'));
  const normal = await c.get('https://eproc.trf2.jus.br/eproc/index.php');
  assert.ok(normal.text.includes('id="frmLogin"'), 'the trf2 login page is unchanged');
  const ac = await c.get('https://eproc.trf2.jus.br/eproc/controlador.php?acao=pessoa_alterar&hash=1');
  assert.ok(ac.text.includes('Alterar Cadastro') && ac.text.includes('id="sbmSalvar"'));
  const url = 'https://eproc1g.stm.jus.br/eproc_1g_prod/index.php';
  await c.post(url, { form: { acao: 'a2f_aviso', txtUsuario: 'STM1', pwdSenha: 'x' } });
  const en = await c.post(url, { form: { acao: 'a2f_cadastro', txtUsuario: 'STM1' } });
  assert.ok(en.text.includes('clique no código alfanumérico para copiá-lo'));
  assert.ok(!en.text.includes('lblChaveDigitavel'));
  assert.match(en.text, /<a href="javascript:void\(0\)"[^>]*>([A-Z2-7]{4} ){7}[A-Z2-7]{4}<\/a>/);
});

test('variants: skewed court clocks (TJMG +150 s / -150 s, TJMS absurd): Date header and the court\'s own check', async () => {
  await roomInStep(6000);
  for (const [host, prefix, auth, skew] of [['eproc1g.tjmg.jus.br', '/eproc/', 'tjmg-1g', 150], ['eproc2g.tjmg.jus.br', '/eproc/', 'tjmg-2g', -150]]) {
    const c = new Client(sim);
    const key = sim.addUser(auth, `MG${skew}`);
    const t0 = Date.now();
    const r = await c.get(`https://${host}${prefix}index.php`);
    const off = Date.parse(r.headers.date) - t0;
    assert.ok(Math.abs(off - skew * 1000) < 2000, `${host}: Date is ${off} ms off`);
    let p = await c.post(`https://${host}${prefix}index.php`, { form: { acao: 'validar_codigo', txtUsuario: `MG${skew}`, txtAcessoCodigo: totp.totpNow(key) } });
    assert.equal(p.status, 200, `${host}: the computer's code is refused`);
    p = await c.post(`https://${host}${prefix}index.php`, { form: { acao: 'validar_codigo', txtUsuario: `MG${skew}`, txtAcessoCodigo: totp.totpNow(key, Date.now() + skew * 1000) } });
    assert.equal(p.status, 302, `${host}: the code at the court's time is accepted`);
  }
  const c = new Client(sim);
  const r = await c.get('https://eproc1g.tjms.jus.br/eproc/index.php');
  assert.equal(new Date(r.headers.date).getUTCFullYear(), 2001);
  const key = sim.addUser('tjms-1g', 'MS1');
  const p = await c.post('https://eproc1g.tjms.jus.br/eproc/index.php', { form: { acao: 'validar_codigo', txtUsuario: 'MS1', txtAcessoCodigo: totp.totpNow(key) } });
  assert.equal(p.status, 302, 'the absurd court still checks codes at the true time');
});

test('variants: rejecting courts (TRF6 eproc, TJSP Keycloak): every code refused with the courts\' markup; quick failures are a lock-out', async () => {
  await roomInStep();
  const c = new Client(sim);
  const key = sim.addUser('trf6-1g', 'T61');
  const r = await c.post('https://eproc1g.trf6.jus.br/eproc/index.php', { form: { acao: 'validar_codigo', txtUsuario: 'T61', txtAcessoCodigo: totp.totpNow(key) } });
  assert.equal(r.status, 200);
  assert.ok(r.text.includes('<div id="divInfraMensagens"><div class="infraMensagem">Código autenticador inválido.</div></div>'));
  assert.ok(r.text.includes('showCodeField();'), 'the code field is shown again');
  assert.equal(last('otp').reason, 'court-rejects');
  assert.equal(last('otp').nearOffset, 0);
  const kkey = sim.addUser('tjsp', 'SP1');
  const k = new Client(sim);
  let p = await k.follow('https://eproc1g.tjsp.jus.br/');
  const action = decodeEntities(attrById(p.text, 'kc-form-login', 'action'));
  p = await k.post(new URL(action, 'https://sso.tjsp.jus.br').href, { form: { username: 'SP1', password: 'x' } });
  for (let i = 0; i < 2; i++) {
    const a = decodeEntities(attrById(p.text, 'kc-otp-login-form', 'action'));
    p = await k.post(new URL(a, 'https://sso.tjsp.jus.br').href, { form: { otp: totp.totpNow(kkey) } });
    assert.ok(p.text.includes('<span id="input-error-otp-code" class="erro" aria-live="polite">Código autenticador inválido.</span>'));
    assert.match(p.text, /id="otp"[^>]*aria-invalid="true"/);
  }
  assert.ok(last('lockout', (e) => e.user === 'SP1'), 'two failures under 1 s apart: a lock-out');
  assert.equal(sim.stats('tjsp', 'SP1').code, 2);
});
