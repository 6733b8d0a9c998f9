import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base32Encode, detectEnrollment, domVisible, extractBase32Key, findLoginField, findLoginSubmit, findSplitBoxes, groupKey,
  isCaptchaInput, isForbiddenControl, isInstitutionalEmail, keyShownOnPage, otpauthUri, userOnPage,
} from '../src/content/detect';
import { EPROC_CODE_STEP, EPROC_ENROLL, EPROC_LOGIN, KC_CONFIGURE, KC_OTP, dom, visible } from './helpers';

test('eproc login: no code field until the password step, then #txtAcessoCodigo', () => {
  const doc = dom(EPROC_LOGIN);
  assert.equal(findLoginField(doc, visible), null);
  doc.getElementById('divA2F')!.innerHTML = EPROC_CODE_STEP;
  const f = findLoginField(doc, visible)!;
  assert.equal(f.kind, 'eproc');
  assert.equal(f.inputs[0]!.id, 'txtAcessoCodigo');
  assert.equal(findLoginSubmit(doc, f, visible)!.id, 'btnValidar');
});

test('a hidden code field is not filled until shown', () => {
  const doc = dom(EPROC_LOGIN);
  doc.getElementById('divA2F')!.innerHTML = EPROC_CODE_STEP;
  doc.getElementById('divA2F')!.style.display = 'none';
  assert.equal(findLoginField(doc, visible), null);
  doc.getElementById('divA2F')!.style.display = '';
  assert.equal(findLoginField(doc, visible)!.kind, 'eproc');
});

test('the eproc password field is not taken for a code field', () => {
  const doc = dom(EPROC_LOGIN);
  assert.equal(findLoginField(doc, visible), null);
});

test('Keycloak OTP form: #otp, submit #kc-login, user from #kc-attempted-username', () => {
  const doc = dom(KC_OTP, 'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate');
  const f = findLoginField(doc, visible)!;
  assert.equal(f.kind, 'keycloak');
  assert.equal(f.inputs[0]!.id, 'otp');
  assert.equal(findLoginSubmit(doc, f, visible)!.id, 'kc-login');
  assert.deepEqual(userOnPage(doc), { attempted: 'RS123', typed: null });
});

test('forbidden controls are recognised', () => {
  const doc = dom(EPROC_CODE_STEP + KC_OTP);
  for (const id of ['btnDesativarA2F', 'btnCancelarDispositivos', 'chkNaoUsarA2F', 'saveDevice']) {
    assert.equal(isForbiddenControl(doc.getElementById(id)!), true, id);
  }
  for (const id of ['btnValidar', 'kc-login']) assert.equal(isForbiddenControl(doc.getElementById(id)!), false, id);
});

test('autocomplete=one-time-code and split boxes', () => {
  let doc = dom('<form><input autocomplete="one-time-code" name="c"><button>OK</button></form>');
  assert.equal(findLoginField(doc, visible)!.kind, 'one-time-code');
  doc = dom('<form><div class="otp">' + '<input maxlength="1" type="tel">'.repeat(6) + '</div><button>OK</button></form>');
  const f = findLoginField(doc, visible)!;
  assert.equal(f.kind, 'split');
  assert.equal(f.inputs.length, 6);
  // 3 boxes or 10 boxes are not a code
  doc = dom('<div>' + '<input maxlength="1">'.repeat(3) + '</div>');
  assert.deepEqual(findSplitBoxes(doc, visible), []);
  doc = dom('<div>' + '<input maxlength="1">'.repeat(10) + '</div>');
  assert.deepEqual(findSplitBoxes(doc, visible), []);
  // wrapped boxes (one div each) still form one group
  doc = dom('<div class="g">' + '<div><input maxlength="1"></div>'.repeat(6) + '</div>');
  assert.equal(findSplitBoxes(doc, visible)[0]!.length, 6);
});

test('Keycloak configure-OTP page: enrollment, never login autofill', () => {
  const doc = dom(KC_CONFIGURE, 'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/required-action');
  assert.equal(findLoginField(doc, visible), null);
  const e = detectEnrollment(doc, visible)!;
  assert.equal(e.kind, 'keycloak');
  assert.equal(e.secret, 'MFRDCMTDMQZTIRKGGU3GO2BXHBEUUOJQ');
  assert.equal(e.algorithm, 'SHA256');
  assert.equal(e.digits, 8);
  assert.equal(e.period, 60);
  assert.equal(e.codeInput.id, 'totp');
  assert.ok(e.submitButtons.some((b) => b.id === 'saveTOTPBtn'));
});

test('Keycloak barcode mode (no key text): the raw hidden totpSecret is base32-encoded', () => {
  const doc = dom(KC_CONFIGURE.replace(/<span id="kc-totp-secret-key">[^<]*<\/span>/, ''));
  // base32("ab12cd34EF56gh78IJ90")
  assert.equal(detectEnrollment(doc, visible)!.secret, 'MFRDCMTDMQZTIRKGGU3GO2BXHBEUUOJQ');
  assert.equal(base32Encode(new TextEncoder().encode('foobar')), 'MZXW6YTBOI');
  assert.equal(base32Encode(new TextEncoder().encode('f')), 'MY');
});

test('eproc enrollment page recognised by content, with or without the SIP ids', () => {
  const doc = dom(EPROC_ENROLL);
  const e = detectEnrollment(doc, visible)!;
  assert.equal(e.kind, 'eproc');
  assert.equal(e.secret, 'MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW');
  assert.equal(e.codeInput.id, 'txtCodigoA2F');
  assert.equal(e.emailInput!.id, 'txtEmail');
  const ids = e.submitButtons.map((b) => b.id);
  assert.ok(ids.includes('sbmEnviar'));
  assert.ok(!ids.includes('btnCancelar'));
  assert.equal(userOnPage(doc).typed, 'RS123');

  const noIds = EPROC_ENROLL.replace('id="lblChaveDigitavel"', 'class="chave"').replace(/id="txtEmail"/, 'id="e1"').replace('id="txtCodigoA2F"', 'id="c1"');
  const doc2 = dom(noIds);
  const e2 = detectEnrollment(doc2, visible)!;
  assert.equal(e2.secret, 'MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW');
  assert.equal(e2.codeInput.id, 'c1');
  assert.equal(e2.emailInput!.id, 'e1');
});

test('a login page is not an enrollment page', () => {
  const doc = dom(EPROC_LOGIN + EPROC_CODE_STEP);
  assert.equal(detectEnrollment(doc, visible), null);
  const doc2 = dom(KC_OTP);
  assert.equal(detectEnrollment(doc2, visible), null);
  // a key-looking text alone (no QR, no e-mail field) is not enough
  const doc3 = dom('<p>MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW</p><input maxlength="6">');
  assert.equal(detectEnrollment(doc3, visible), null);
});

test('base32 key extraction', () => {
  assert.equal(extractBase32Key('Ou digite a chave: MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW'), 'MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW');
  assert.equal(extractBase32Key('mmzd imru gzrg cnrq'), 'MMZDIMRUGZRGCNRQ');
  assert.equal(extractBase32Key('JBSWY3DPEHPK3PXP'), 'JBSWY3DPEHPK3PXP');
  assert.equal(extractBase32Key('INFORME O CODIGO DE SEIS DIGITOS'), null);
  assert.equal(extractBase32Key('ABCD EFGH'), null);
  assert.equal(extractBase32Key('Código autenticador inválido.'), null);
  // 52-character keys (32 bytes) grouped by four
  const k52 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRST';
  assert.equal(extractBase32Key(groupKey(k52)), k52);
});

test('institutional e-mail suffixes', () => {
  for (const e of ['fulano@trf4.jus.br', 'a@jfpr.jus.br', 'x@economia.gov.br', 'y@mprs.mp.br', 'z@al.rs.leg.br', 'w@dpe.rs.def.br', 'q@JUS.BR']) {
    assert.equal(isInstitutionalEmail(e), true, e);
  }
  for (const e of ['fulano@gmail.com', 'a@adv.br', 'b@escritorio.com.br', 'justo@jusbrasil.com.br', 'nope']) {
    assert.equal(isInstitutionalEmail(e), false, e);
  }
});

test('otpauth URI for the backup QR', () => {
  const uri = otpauthUri({ secret: 'mmzd imru gzrg cnrq', issuer: 'eproc-a2f', account: 'eproc.trf4.jus.br:RS123' });
  assert.equal(uri, 'otpauth://totp/eproc-a2f%3Aeproc.trf4.jus.br%3ARS123?secret=MMZDIMRUGZRGCNRQ&issuer=eproc-a2f');
  const u2 = otpauthUri({ secret: 'AAAA', issuer: 'i', account: 'a', algorithm: 'SHA256', digits: 8, period: 60 });
  assert.match(u2, /algorithm=SHA256&digits=8&period=60$/);
});

// ---------------------------------------------------------------- issue 10: field choice, keys by text

test('duplicate ids: the copy the user sees is chosen, with its own #btnValidar', () => {
  const hiddenCopy = '<div style="display:none"><input id="txtAcessoCodigo" maxlength="6"><button type="button" id="btnValidar">Validar</button></div>';
  const doc = dom(hiddenCopy + `<form id="frmValidar">${EPROC_CODE_STEP}</form>`);
  const f = findLoginField(doc, visible)!;
  const all = doc.querySelectorAll('[id="txtAcessoCodigo"]');
  assert.equal(all.length, 2);
  assert.equal(f.inputs[0], all[1]);
  assert.equal(findLoginSubmit(doc, f, visible), doc.querySelectorAll('[id="btnValidar"]')[1]);
  // aria-hidden and disabled copies are not the one the user sees either
  for (const bad of ['<div aria-hidden="true"><input id="txtAcessoCodigo"></div>', '<input id="txtAcessoCodigo" disabled>', '<div hidden><input id="txtAcessoCodigo"></div>']) {
    const d = dom(bad + EPROC_CODE_STEP);
    assert.equal(findLoginField(d, visible)!.inputs[0], d.querySelectorAll('[id="txtAcessoCodigo"]')[1], bad);
  }
});

test('domVisible: connected, a box with an area, no hidden/aria-hidden/inert ancestor, not disabled', () => {
  const doc = dom('<div id="a"><input id="i1"></div><div aria-hidden="true"><input id="i2"></div><input id="i3" disabled><div inert><input id="i4"></div><input id="i5">');
  const w = doc.defaultView as unknown as { Element: typeof Element };
  const area = new Map<string, { width: number; height: number }[]>([['i1', [{ width: 100, height: 20 }]], ['i5', [{ width: 0, height: 0 }]]]);
  w.Element.prototype.getClientRects = function (this: Element) {
    return (area.get(this.id) ?? [{ width: 10, height: 10 }]) as unknown as DOMRectList;
  };
  assert.equal(domVisible(doc.getElementById('i1')!), true);
  for (const id of ['i2', 'i3', 'i4', 'i5']) assert.equal(domVisible(doc.getElementById(id)!), false, id);
  const detached = doc.createElement('input');
  assert.equal(domVisible(detached), false);
});

test('a captcha box is never a code field; generic fallbacks have no submit; a stray #otp is not Keycloak', () => {
  let doc = dom('<div id="divInfraCaptcha"><input id="txtInfraCaptcha" autocomplete="one-time-code"></div>');
  assert.equal(findLoginField(doc, visible), null);
  doc = dom('<input name="captcha" maxlength="6" autocomplete="one-time-code"><div class="g-recaptcha"></div>');
  assert.equal(findLoginField(doc, visible), null);
  assert.equal(isCaptchaInput(doc.querySelector('input')!), true);
  doc = dom('<form><input id="otp" name="otp"><button id="kc-login">Entrar</button></form>');
  const f = findLoginField(doc, visible)!;
  assert.equal(f.kind, 'otp');
  assert.equal(findLoginSubmit(doc, f, visible), null);
  doc = dom('<form><input autocomplete="one-time-code"><button>OK</button></form>');
  assert.equal(findLoginSubmit(doc, findLoginField(doc, visible)!, visible), null);
  // Keycloak with several authenticators to pick from: the user picks, never submitted for them
  doc = dom(KC_OTP.replace('<input id="otp"', '<input type="radio" name="selectedCredentialId" value="a" checked><input type="radio" name="selectedCredentialId" value="b"><input id="otp"'));
  assert.equal(findLoginSubmit(doc, findLoginField(doc, visible)!, visible), null);
});

test('enrollment key found by its text in any element: link, button, read-only input, clickable label, table cell, copy attribute', () => {
  const KEY = 'MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW';
  const shown = [
    `<p>Clique no código alfanumérico para copiá-lo: <a href="#" onclick="copiar(this)">${KEY}</a></p>`,
    `<button type="button" class="btnCopiar">${KEY}</button>`,
    `<input type="text" readonly value="${KEY}" size="50">`,
    `<label onclick="copiar()" style="cursor:pointer">${KEY}</label>`,
    `<table><tr><th>Chave</th><td>${KEY}</td></tr></table>`,
    `<span role="button" data-clipboard-text="${KEY.replace(/ /g, '')}">copiar chave</span>`,
    `<div><em>${KEY}</em></div>`,
  ];
  for (const s of shown) {
    const html = EPROC_ENROLL.replace(/<p>Ou digite a chave: <label id="lblChaveDigitavel">[^<]*<\/label><\/p>/, s);
    assert.notEqual(html, EPROC_ENROLL);
    const doc = dom(html);
    assert.equal(keyShownOnPage(doc), 'MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW', `${s} → ${doc.body.innerHTML.slice(0, 400)}`);
    const e = detectEnrollment(doc, visible)!;
    assert.equal(e?.secret, 'MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW', s);
    assert.equal(e.codeInput.id, 'txtCodigoA2F', 'a read-only key box is not the code box');
  }
});

test('texts that are not a key are refused', () => {
  const negatives = [
    'TRF4 JFPR JFSC JFRS', 'TJRS TJSC TJSP TRF4', 'ABCD EFGH', 'INFORME O CODIGO DE SEIS DIGITOS', 'AUTENTICACAODOISFATORES', 'RS123456',
    'PR012345', '3f2a9b7c1d0e4f5a6b7c8d9e0f1a2b3c', 'aGVsbG8gd29ybGQgaGVsbG8=', 'Código autenticador inválido.', 'Selecione o perfil',
    '2026 1203 1645 0000', '123.456.789-00', 'fulano@gmail.com', 'https://eproc.trf4.jus.br/eproc/controlador.php?acao=painel&hash=3f2a9b',
    'MMZD IMRU', 'Ou digite a chave:', 'eproc - Tribunal Regional Federal da 4ª Região', 'ABCDEFGHIJKLMNOP', 'abcdefghijklmnop2345',
    'CLIQUE NO CODIGO PARA COPIAR', 'E-MAIL PESSOAL', '', ' '.repeat(30), 'A'.repeat(500),
  ];
  for (const n of negatives) assert.equal(extractBase32Key(n), null, n);
  // a page full of such texts has no key
  const doc = dom(negatives.map((n) => `<a href="#">${n}</a><input readonly value="${n}">`).join('') + '<img src="data:image/png;base64,iVBORw0KGgo="><input id="txtEmail" placeholder="E-mail pessoal"><input maxlength="6">');
  assert.equal(keyShownOnPage(doc), null);
  assert.equal(detectEnrollment(doc, visible), null);
});
