// HTML of the simulated pages. Ids, names and texts follow shared/docs/eproc.md (eproc's own login
// and enrollment, Keycloak's standard theme in pt-BR). Page scripts are inline, as on the real sites.

export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

// User-visible timing, in the page's own script (issue 10): performance.now() when the code field
// is parsed (an inline script right after it) or inserted (page script), and when its value first
// holds 6 digits (input/change/keyup) -> window.__eprocFieldAt, window.__eprocFilledAt. The bench
// (bench-fill.mjs) reports __eprocFilledAt - __eprocFieldAt: the latency a user sees.
export const TIMING = `
function simTime(el) {
  if (!el || el.__simTimed) return;
  el.__simTimed = true;
  if (window.__eprocFieldAt == null) window.__eprocFieldAt = performance.now();
  var chk = function () { if (window.__eprocFilledAt == null && /^[0-9]{6}$/.test(el.value)) window.__eprocFilledAt = performance.now(); };
  ['input', 'change', 'keyup'].forEach(function (t) { el.addEventListener(t, chk); });
}`;

export function layout(title, body, { head = '' } = {}) {
  return `<!DOCTYPE html>
<html lang="pt-br">
<head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:2em} .erro{color:#b00} .masked{-webkit-text-security:disc} .infraMensagem{color:#b00;font-weight:bold}</style>
<script>${TIMING}</script>
${head}</head>
<body>
${body}
</body>
</html>`;
}

// A small script shared by every page with a code field: it records which events the page saw on
// the field (a fill without input/change/keyup events is visible in the submission) and reports
// clicks on buttons that must never be clicked on the user's behalf.
const TRACKER = `
window.__simEvents = window.__simEvents || {};
function simTrack(el, hidden) {
  if (!el || el.__simTracked) return;
  el.__simTracked = true;
  ['focus', 'keydown', 'keypress', 'input', 'keyup', 'change', 'paste'].forEach(function (t) {
    el.addEventListener(t, function () {
      window.__simEvents[el.id] = window.__simEvents[el.id] || [];
      if (window.__simEvents[el.id].indexOf(t) < 0) window.__simEvents[el.id].push(t);
      if (hidden) hidden.value = window.__simEvents[el.id].join(',');
    });
  });
}
function simForbidden(what) {
  try {
    navigator.sendBeacon('/__sim/beacon', JSON.stringify({ type: 'forbidden', what: what, user: window.__simUser || null }));
  } catch (e) {}
}
`;

// ---------------------------------------------------------------- eproc's own login (trf2, ...)
// Variants (issue 10, tests/e2e/lib/variants.mjs): `twoPage` (Entrar is a real form post: no code
// field on this page), `infraMsg` (eproc's message box #divInfraMensagens/.infraMensagem, as after
// a refused code), `dupIds` (the code field rendered twice with the same ids, the first copy in a
// hidden phone-layout bar, as eproc renders its bars).
export function eprocLogin({ systemName, error = '', user = '', showCode = false, twoPage = false, infraMsg = '', dupIds = false }) {
  const hiddenCopy = dupIds
    ? `'<div id="divInfraBarraComandosMobile" class="d-md-none" style="display:none">' +
    '<input type="text" id="txtAcessoCodigo" name="txtAcessoCodigoMobile" maxlength="6" autocomplete="off" size="8"> ' +
    '<button type="button" id="btnValidar" onclick="simForbidden(\\'hidden Validar\\')">Validar</button></div>' +`
    : '';
  return layout(`${systemName} - eproc`, `
<div id="divInfraBarraSistema"><h1>eproc - ${esc(systemName)}</h1></div>
${infraMsg ? `<div id="divInfraMensagens"><div class="infraMensagem">${esc(infraMsg)}</div></div>` : ''}
<form id="frmLogin" name="frmLogin" method="post" action="index.php" autocomplete="off">
  <input type="hidden" id="hdnAcao" name="acao" value="">
  <input type="hidden" id="hdnEventos" name="hdnEventos" value="">
  <div id="divUsuario"><label for="txtUsuario">Usuário</label>
    <input type="text" id="txtUsuario" name="txtUsuario" value="${esc(user)}" maxlength="100"></div>
  <div id="divSenha"><label for="pwdSenha">Senha</label>
    <input type="text" id="pwdSenha" class="masked" autocomplete="off" value="">
    <input type="password" name="pwdSenha" id="pwdSenhaOculta" style="display:none" value=""></div>
  <div id="divBotoes">
    <button type="button" id="sbmEntrar" name="sbmEntrar" onclick="Submit('login')">Entrar</button>
    <a href="#" id="lnkAutenticacaoDoisFatores" onclick="Submit('a2f'); return false;">Autenticação em dois fatores</a>
  </div>
  <div id="divErro" class="erro">${esc(error)}</div>
  <div id="divA2F"></div>
</form>
<script>
${TRACKER}
function showCodeField() {
  var d = document.getElementById('divA2F');
  d.innerHTML = ${hiddenCopy}
    '<p id="lblA2F">Informe o código de 6 dígitos gerado pelo aplicativo autenticador.</p>' +
    '<label for="txtAcessoCodigo">Código</label> ' +
    '<input type="text" id="txtAcessoCodigo" name="txtAcessoCodigo" maxlength="6" autocomplete="off" size="8"> ' +
    '<button type="button" id="btnValidar" name="btnValidar" onclick="Submit(\\'validar\\')">Validar</button>' +
    '<div><input type="checkbox" id="chkNaoUsarA2F" name="chkNaoUsarA2F" value="S"> ' +
    '<label for="chkNaoUsarA2F">Não usar o 2FA neste dispositivo e navegador</label></div>' +
    '<div><button type="button" id="btnDesativarA2F">Desativar 2FA</button> ' +
    '<button type="button" id="btnCancelarDispositivos">Cancelar Dispositivos Liberados</button></div>';
  var codes = document.querySelectorAll('#txtAcessoCodigo');
  simTrack(codes[codes.length - 1], document.getElementById('hdnEventos'));
  simTime(codes[codes.length - 1]);
  document.getElementById('btnDesativarA2F').addEventListener('click', function () { simForbidden('Desativar 2FA'); });
  document.getElementById('btnCancelarDispositivos').addEventListener('click', function () { simForbidden('Cancelar Dispositivos Liberados'); });
  document.getElementById('chkNaoUsarA2F').addEventListener('change', function () { simForbidden('Não usar o 2FA neste dispositivo e navegador'); });
}
function Submit(acao) {
  var f = document.getElementById('frmLogin');
  var user = document.getElementById('txtUsuario').value;
  window.__simUser = user;
  document.getElementById('pwdSenhaOculta').value = document.getElementById('pwdSenha').value;
  if (acao === 'login' && ${twoPage ? 'true' : 'false'}) {
    document.getElementById('hdnAcao').value = 'login';
    f.submit();
    return;
  }
  if (acao === 'login') {
    document.getElementById('divErro').textContent = '';
    fetch('controlador_ajax.php?acao=usuario_validar', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ usuario: user, senha: document.getElementById('pwdSenha').value })
    }).then(function (r) { return r.json(); }).then(function (j) {
      if (!j.ok) { document.getElementById('divErro').textContent = j.erro; return; }
      setTimeout(showCodeField, j.delay);
    });
    return;
  }
  document.getElementById('hdnAcao').value = acao === 'validar' ? 'validar_codigo' : 'a2f_aviso';
  if (acao === 'validar') {
    // the visible copy's value is what is sent (a hidden duplicate is outside the form's name)
    var cs = document.querySelectorAll('#txtAcessoCodigo');
    window.__simCode = cs[cs.length - 1].value;
  }
  f.submit();
}
${showCode ? 'window.__simUser = document.getElementById("txtUsuario").value; showCodeField();' : ''}
</script>`);
}

export function eprocA2fWarning({ systemName, user }) {
  return layout(`${systemName} - Autenticação em dois fatores`, `
<h1>Autenticação em dois fatores</h1>
<form id="frmA2FAviso" method="post" action="index.php">
  <input type="hidden" name="acao" value="a2f_cadastro">
  <input type="hidden" name="txtUsuario" value="${esc(user)}">
  <p id="divAviso">Atenção: se você já cadastrou um aplicativo autenticador para este usuário, remova a conta antiga do aplicativo antes de prosseguir.</p>
  <button type="submit" id="sbmProsseguir" name="sbmProsseguir">Prosseguir</button>
  <button type="button" id="btnVoltar" onclick="location.href='index.php'">Voltar</button>
</form>`);
}

export function eprocEnrollment({ systemName, user, qrDataUrl, groupedKey, error = '' }) {
  return layout(`${systemName} - Cadastro do autenticador`, `
<h1>Cadastro de aplicativo autenticador</h1>
<form id="frmCadastroA2F" name="frmCadastroA2F" method="post" action="index.php">
  <input type="hidden" name="acao" value="a2f_confirmar">
  <input type="hidden" name="txtUsuario" value="${esc(user)}">
  <p>1. Leia o QR code abaixo com o aplicativo autenticador (Google Authenticator, Microsoft Authenticator, ...):</p>
  <img id="imgQrCodeA2F" alt="QR code" src="${qrDataUrl}" width="200" height="200">
  <p>Ou digite a chave: <label id="lblChaveDigitavel">${esc(groupedKey)}</label></p>
  <p>2. Informe o código de 6 dígitos gerado pelo aplicativo:</p>
  <input type="text" id="txtCodigoA2F" name="txtCodigoA2F" maxlength="6" size="8" autocomplete="off">
  <p>3. Informe um e-mail pessoal para receber o link de confirmação:</p>
  <input type="text" id="txtEmail" name="txtEmail" placeholder="E-mail pessoal" size="40">
  <div class="erro" id="divErroCadastro">${esc(error)}</div>
  <button type="submit" id="sbmEnviar" name="sbmEnviar">Enviar</button>
  <button type="button" id="btnCancelar" name="btnCancelar" onclick="location.href='index.php'">Cancelar</button>
</form>`);
}

export function eprocEnrolled({ systemName, email }) {
  return layout(`${systemName} - Cadastro realizado`, `
<h1 id="msgCadastroA2F">Cadastro realizado</h1>
<p>Um link de confirmação foi enviado para ${esc(email)}.</p>
<p><a id="lnkLogin" href="index.php">Voltar ao login</a></p>`);
}

export function panel({ title, user, host }) {
  return layout(`${title} - Painel`, `
<h1 id="painel">eproc - ${esc(title)}</h1>
<p>Bem-vindo(a), <span id="usuario-logado">${esc(user)}</span> (${esc(host)}).</p>`);
}

// ---------------------------------------------------------------- Keycloak (standard theme, pt-BR)
function kcLayout(title, body, realmTitle) {
  return layout(title, `
<div id="kc-container"><div id="kc-header"><div id="kc-header-wrapper">${esc(realmTitle)}</div></div>
<div id="kc-content"><div id="kc-content-wrapper">
${body}
</div></div></div>`);
}

export function kcLogin({ action, realmTitle, error = '', username = '' }) {
  return kcLayout('Entrar em eproc', `
<h1 id="kc-page-title">Entrar na sua conta</h1>
${error ? `<div class="alert-error"><span id="input-error" class="erro">${esc(error)}</span></div>` : ''}
<form id="kc-form-login" onsubmit="login.disabled = true; return true;" action="${esc(action)}" method="post">
  <div class="form-group"><label for="username">Usuário ou e-mail</label>
    <input tabindex="1" id="username" name="username" value="${esc(username)}" type="text" autofocus autocomplete="off"></div>
  <div class="form-group"><label for="password">Senha</label>
    <input tabindex="2" id="password" name="password" type="password" autocomplete="off"></div>
  <div id="kc-form-buttons"><input type="hidden" id="id-hidden-input" name="credentialId">
    <input tabindex="4" name="login" id="kc-login" type="submit" value="Entrar"></div>
</form>`, realmTitle);
}

export function kcOtp({ action, realmTitle, username, error = '', saveDevice = false, oldTheme = false, theme = null }) {
  // Older Keycloak themes do not show the user name on the OTP step. Custom themes: 'split' (six
  // single-digit boxes assembled into a hidden otp by page script), 'otc' (a field with another id
  // and autocomplete="one-time-code").
  const timeIt = (id) => `<script>simTime(document.getElementById('${id}'));</script>`;
  let field = `<input id="otp" name="otp" autocomplete="one-time-code" type="text" inputmode="numeric" autofocus aria-invalid="${error ? 'true' : 'false'}">` + timeIt('otp');
  let script = `simTrack(document.getElementById('otp'), document.getElementById('simEventos'));`;
  if (theme === 'split') {
    field = '<div id="otp-boxes">' + [1, 2, 3, 4, 5, 6].map((i) => `<input type="text" id="otp-d${i}" class="otp-digit" maxlength="1" inputmode="numeric" size="1" aria-label="Dígito ${i}">`).join('') +
      '</div><input type="hidden" id="otp" name="otp">';
    script = `simTrack(document.getElementById('otp-d1'), document.getElementById('simEventos'));
var boxes = Array.prototype.slice.call(document.querySelectorAll('.otp-digit'));
boxes.forEach(function (b, i) { b.addEventListener('input', function () { if (b.value.length === 1 && boxes[i + 1]) boxes[i + 1].focus(); }); });
document.getElementById('kc-otp-login-form').addEventListener('submit', function () {
  document.getElementById('otp').value = boxes.map(function (b) { return b.value; }).join('');
});`;
  } else if (theme === 'otc') {
    field = `<input id="codigo-otp" name="otp" autocomplete="one-time-code" type="text" inputmode="numeric">` + timeIt('codigo-otp');
    script = `simTrack(document.getElementById('codigo-otp'), document.getElementById('simEventos'));`;
  }
  return kcLayout('Entrar em eproc', `
${oldTheme ? '' : `<div id="kc-username"><label id="kc-attempted-username">${esc(username)}</label>
  <a id="reset-login" href="#"><span>Reiniciar login</span></a></div>`}
<h1 id="kc-page-title">Autenticação de dois fatores</h1>
<form id="kc-otp-login-form" class="form-horizontal" action="${esc(action)}" method="post">
  <input type="hidden" id="simEventos" name="simEventos" value="">
  <div class="form-group"><label for="otp" class="control-label">Código de uso único</label>
    ${field}
    ${error ? `<span id="input-error-otp-code" class="erro" aria-live="polite">${esc(error)}</span>` : ''}</div>
  ${saveDevice ? '<div class="checkbox"><label><input type="checkbox" id="saveDevice" name="saveDevice"> Confiar neste dispositivo</label></div>' : ''}
  <div id="kc-form-buttons"><input name="login" id="kc-login" type="submit" value="Entrar"></div>
</form>
<script>
${TRACKER}
window.__simUser = ${JSON.stringify(String(username))};
${script}
var sd = document.getElementById('saveDevice');
if (sd) sd.addEventListener('change', function () { simForbidden('saveDevice'); });
</script>`, realmTitle);
}

export function kcConfigureTotp({ action, realmTitle, username, manual, manualHref, barcodeHref, qrDataUrl, rawSecret, groupedKey, error = '' }) {
  const step2 = manual
    ? `<li><p>Abra o aplicativo e digite a chave:</p>
        <p><span id="kc-totp-secret-key">${esc(groupedKey)}</span></p>
        <p><a href="${esc(barcodeHref)}" id="mode-barcode">Escanear código de barras?</a></p></li>
      <li><p>Use as seguintes configurações se o aplicativo permitir:</p>
        <ul><li id="kc-totp-type">Tipo: Baseado em tempo</li>
        <li id="kc-totp-algorithm">Algoritmo: SHA1</li>
        <li id="kc-totp-digits">Dígitos: 6</li>
        <li id="kc-totp-period">Intervalo: 30</li></ul></li>`
    : `<li><p>Abra o aplicativo e escaneie o código de barras:</p>
        <img id="kc-totp-secret-qr-code" src="${qrDataUrl}" alt="Figure: Barcode"><br>
        <p><a href="${esc(manualHref)}" id="mode-manual">Não consegue escanear?</a></p></li>`;
  return kcLayout('Configurar autenticador móvel', `
<div id="kc-username"><label id="kc-attempted-username">${esc(username)}</label></div>
<h1 id="kc-page-title">Configurar autenticador móvel</h1>
<ol id="kc-totp-settings">
  <li><p>Instale um dos seguintes aplicativos no seu celular: FreeOTP, Google Authenticator, Microsoft Authenticator</p></li>
  ${step2}
  <li><p>Digite o código de uso único fornecido pelo aplicativo e clique em Enviar para finalizar a configuração.</p>
      <p>Informe um nome de dispositivo para ajudar a gerenciar seus dispositivos OTP.</p></li>
</ol>
<form action="${esc(action)}" class="form-horizontal" id="kc-totp-settings-form" method="post">
  <div class="form-group"><label for="totp" class="control-label">Código de uso único</label> <span class="required">*</span>
    <input type="text" id="totp" name="totp" autocomplete="off" aria-invalid="${error ? 'true' : ''}">
    ${error ? `<span id="input-error-otp-code" class="erro" aria-live="polite">${esc(error)}</span>` : ''}
    <input type="hidden" id="totpSecret" name="totpSecret" value="${esc(rawSecret)}"></div>
  <div class="form-group"><label for="userLabel" class="control-label">Nome do dispositivo</label>
    <input type="text" id="userLabel" name="userLabel" autocomplete="off"></div>
  <input type="submit" id="saveTOTPBtn" value="Enviar">
</form>`, realmTitle);
}

export function framePage({ src }) {
  return layout('Portal de notícias jurídicas', `
<h1>Portal (outra origem)</h1>
<iframe id="eprocFrame" src="${esc(src)}" width="900" height="700"></iframe>`);
}

export function notFound(msg = 'Not Found') {
  return layout('404', `<h1>404</h1><p>${esc(msg)}</p>`);
}
