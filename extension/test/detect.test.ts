import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base32Encode, detectEnrollment, extractBase32Key, findLoginField, findLoginSubmit, findSplitBoxes, groupKey,
  isForbiddenControl, isInstitutionalEmail, otpauthUri, userOnPage,
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
