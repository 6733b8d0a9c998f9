// What the page is (page-facts.ts) and the court's rejection markup, on jsdom pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyPage, hasCaptcha, isAfterLogin, isAlterarCadastro, isCloudflareChallenge, isHandsOff, isProfileChoice, rejectionEvidence,
} from '../src/content/page-facts';
import { isRejectionText, normalize } from '../src/content/reject-text';
import { EPROC_CODE_STEP, EPROC_ENROLL, EPROC_LOGIN, KC_CONFIGURE, KC_OTP, dom, visible } from './helpers';

const KC = 'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate';

function withTitle(html: string, title: string, url?: string): Document {
  const d = dom(html, url);
  d.title = title;
  return d;
}

test('classifyPage: each page of the flow', () => {
  const cases: [Document, string][] = [
    [dom(EPROC_LOGIN), 'login'],
    [dom(EPROC_LOGIN + EPROC_CODE_STEP), 'code'],
    [dom(`<form id="frmValidar">${EPROC_CODE_STEP}</form>`), 'code'],
    [dom(KC_OTP, KC), 'code'],
    [dom(EPROC_ENROLL), 'enrollment'],
    [dom(KC_CONFIGURE, KC), 'enrollment'],
    [dom('<div id="divInfraCaptcha"><img src="captcha.php"><input id="txtInfraCaptcha" maxlength="5"><button>Enviar</button></div>'), 'captcha'],
    [dom('<h3>Selecione o perfil</h3><button data-descricao="ADVOGADO">Advogado</button><button data-descricao="PROCURADOR">Procurador</button>'), 'profile-choice'],
    [dom('<h1>Alterar Cadastro</h1><input id="txtNome"><button>Salvar</button>'), 'alterar-cadastro'],
    [dom('<input id="txtNome"><button>Salvar</button>', 'https://eproc.trf2.jus.br/eproc/controlador.php?acao=pessoa_alterar&hash=ab12'), 'alterar-cadastro'],
    [withTitle('<div class="main-content"><h1>eproc.trf2.jus.br</h1><h2>Verifique se você é humano realizando a ação abaixo.</h2></div>', 'Um momento…'), 'cloudflare'],
    [dom('<h2 id="challenge-error-title">Verify you are human by completing the action below.</h2>'), 'cloudflare'],
    [dom('<p>Confirme que é humano</p><script src="https://challenges.cloudflare.com/turnstile/v0/api.js"></script>'), 'cloudflare'],
    [dom('<h1 id="painel">eproc - TRF2</h1><p>Bem-vindo(a), <span>RS123</span>.</p>'), 'app'],
    [dom('<h1 id="kc-page-title">A página expirou</h1>', 'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate'), 'sso-other'],
    [dom('<h1 id="msgCadastroA2F">Cadastro realizado</h1><p>Um link de confirmação foi enviado.</p>'), 'other'],
    [dom('<h1>Autenticação em dois fatores</h1><form><button type="submit">Prosseguir</button></form>'), 'other'],
    [dom('<p>Sua sessão expirada. Entre novamente.</p>'), 'other'],
  ];
  for (const [d, kind] of cases) assert.equal(classifyPage(d, visible), kind, d.body.innerHTML.slice(0, 80));
  assert.equal(isHandsOff('cloudflare') && isHandsOff('alterar-cadastro') && isHandsOff('profile-choice'), true);
  for (const k of ['login', 'code', 'captcha', 'enrollment', 'app', 'other'] as const) assert.equal(isHandsOff(k), false, k);
  assert.deepEqual((['app', 'profile-choice', 'alterar-cadastro', 'login', 'code', 'captcha', 'other', 'sso-other'] as const).filter(isAfterLogin), ['app', 'profile-choice', 'alterar-cadastro']);
});

test('page facts: negatives (a login page is no challenge, no captcha, no profile choice)', () => {
  const d = dom(EPROC_LOGIN + '<p>Perfil do usuário</p>');
  assert.equal(isCloudflareChallenge(d), false);
  assert.equal(hasCaptcha(d, visible), false);
  assert.equal(isProfileChoice(d), false);
  assert.equal(isAlterarCadastro(d), false);
  // a hidden captcha leftover is not a captcha step
  assert.equal(hasCaptcha(dom('<div id="divInfraCaptcha" style="display:none"><input id="txtInfraCaptcha"></div>'), visible), false);
  // "Cloudflare" in a footer of the app is not the challenge
  assert.equal(isCloudflareChallenge(dom('<footer>CDN: Cloudflare</footer>')), false);
});

test('rejection text: accents, case, pt-BR and English; other messages are not', () => {
  for (const s of ['Código autenticador inválido.', 'CODIGO AUTENTICADOR INVALIDO', 'código  autenticador\ninválido!', 'Codigo do autenticador invalido',
    'Código de autenticação inválido', 'Invalid authenticator code.', 'INVALID AUTHENTICATOR CODE']) {
    assert.equal(isRejectionText(s, true), true, s);
  }
  for (const s of ['Código inválido.', 'Invalid code', 'O código informado é inválido']) {
    assert.equal(isRejectionText(s), true, s);
    assert.equal(isRejectionText(s, true), false, `${s} (strict)`);
  }
  for (const s of ['Usuário ou senha inválidos.', 'Invalid username or password.', 'Informe o código de 6 dígitos gerado pelo aplicativo.',
    'Senha inválida', 'Captcha inválido', 'Bem-vindo', '', 'x'.repeat(3000)]) {
    assert.equal(isRejectionText(s), false, s);
  }
  assert.equal(normalize('  Código\u00a0Autenticador  '), 'codigo autenticador');
});

test('rejection markup: eproc message boxes, Keycloak error, aria-invalid, the full sentence anywhere', () => {
  const yes: [string, string | undefined][] = [
    ['<div id="divInfraMensagens"><div class="infraMensagem">Código autenticador inválido.</div></div>' + EPROC_CODE_STEP, undefined],
    ['<div id="divInfraMensagens">CODIGO AUTENTICADOR INVALIDO</div>' + EPROC_CODE_STEP, undefined],
    ['<div class="infraMensagem">Código inválido</div>' + EPROC_CODE_STEP, undefined],
    ['<table><tr><td><font color="red">Código autenticador inválido.</font></td></tr></table>' + EPROC_LOGIN, undefined],
    [KC_OTP.replace('autofocus>', 'autofocus><span id="input-error-otp-code">Código autenticador inválido.</span>'), KC],
    [KC_OTP.replace('autofocus>', 'autofocus><span id="input-error-otp-code">Invalid authenticator code.</span>'), KC],
    [KC_OTP.replace('<form', '<div class="alert alert-error"><span class="kc-feedback-text">Código inválido.</span></div><form'), KC],
    [KC_OTP.replace('<form', '<div class="alert-error"><span class="kc-feedback-text">Invalid authenticator code.</span></div><form'), KC],
    [KC_OTP.replace('autofocus>', 'autofocus aria-invalid="true">'), KC],
  ];
  for (const [html, url] of yes) assert.ok(rejectionEvidence(dom(html, url), visible), html.slice(0, 120));
  const no: [string, string | undefined][] = [
    [EPROC_LOGIN + EPROC_CODE_STEP, undefined],
    [KC_OTP, KC],
    [KC_OTP.replace('autofocus>', 'autofocus aria-invalid="">'), KC],
    // the wrong password on Keycloak's login form
    ['<div class="alert-error"><span class="kc-feedback-text">Usuário ou senha inválidos.</span></div><form id="kc-form-login"><input id="username"><input id="password" type="password"></form>', KC],
    ['<span id="input-error" class="erro">Invalid username or password.</span><form id="kc-form-login"><input id="password" type="password"></form>', KC],
    // eproc: a wrong password, a hidden template, the sentence in a script
    ['<div class="infraMensagem">Usuário ou senha inválidos.</div>' + EPROC_LOGIN, undefined],
    ['<div id="tplErro" style="display:none"><div class="infraMensagem">Código autenticador inválido.</div></div>' + EPROC_CODE_STEP, undefined],
    ['<script>var msg = "Código autenticador inválido.";</script>' + EPROC_CODE_STEP, undefined],
    ['<div class="infraMensagem"></div>' + EPROC_CODE_STEP, undefined],
    // Keycloak's error span with no text, or outside the OTP step
    [KC_OTP.replace('autofocus>', 'autofocus><span id="input-error-otp-code"> </span>'), KC],
  ];
  for (const [html, url] of no) assert.equal(rejectionEvidence(dom(html, url), visible), null, html.slice(0, 120));
  // without the full-text pass only the message boxes count
  const loose = dom('<p>Código autenticador inválido.</p>' + EPROC_CODE_STEP);
  assert.equal(rejectionEvidence(loose, visible, { fullText: false }), null);
  assert.match(rejectionEvidence(loose, visible)!, /^text: /);
});
