// Page variants of the simulator (issue 10), from the public field reports in
// shared/docs/eproc.md section 5 and formats-and-stores.md section 4 — not from the product's
// content script. Each variant lives on one registry host (core/registry.json), so the ordinary
// pages of the other hosts stay as they were:
//
//   eproc.jfes.jus.br     two-page login: Entrar is a real form post, then a captcha page
//                         (#divInfraCaptcha, #txtInfraCaptcha, "Enviar"), then the code page
//                         (form frmValidar: #txtAcessoCodigo, #btnValidar), then the profile choice
//                         ("Selecione o perfil", buttons with data-descricao)
//   eproc1g.tjpr.jus.br   ISO-8859-1 pages (Content-Type charset and Latin-1 bytes)
//   eproc1g.tjse.jus.br   duplicate ids: a hidden first copy of #txtAcessoCodigo / #btnValidar
//   eproc1g.trf6.jus.br   rejects every code: "Código autenticador inválido." in
//                         #divInfraMensagens/.infraMensagem, the code field shown again
//   sso.tjsp.jus.br       Keycloak realm that rejects every code: span#input-error-otp-code
//                         ("Código autenticador inválido.", Keycloak's pt_BR invalidTotpMessage),
//                         aria-invalid="true" on #otp; Keycloak's quick-login check (two failures
//                         under 1 s apart: a 60 s lock-out) is recorded as a `lockout` event
//   eproc1g.tjmg.jus.br   court clock 150 s ahead: Date header and its own TOTP check at its time
//   eproc2g.tjmg.jus.br   court clock 150 s behind
//   eproc1g.tjms.jus.br   absurd Date header (year 2001); codes checked at the true time
//   eproc1g.stm.jus.br    enrollment with the key as a clickable link ("clique no código
//                         alfanumérico para copiá-lo"), no #lblChaveDigitavel
//   eproc.trf2.jus.br     index.php?sim=cloudflare: a Cloudflare interstitial ("Confirme que é
//                         humano"); controlador.php?acao=pessoa_alterar: the forced "Alterar
//                         Cadastro" page (editable identity fields, "Salvar")
import { esc, layout } from './pages.mjs';

export const CLOCK_SKEW_MS = 150_000;
// An absurd court clock: the Date header says 2001 (and moves on from there with real time)
export const ABSURD_OFFSET_MS = Date.UTC(2001, 0, 1) - Date.now();

export const VARIANTS = {
  'eproc.jfes.jus.br': { twoPage: true, captcha: true },
  'eproc1g.tjpr.jus.br': { latin1: true },
  'eproc1g.tjse.jus.br': { dupIds: true },
  'eproc1g.trf6.jus.br': { rejectAll: true },
  'sso.tjsp.jus.br': { rejectAll: true, keycloak: true },
  'eproc1g.tjmg.jus.br': { clockOffsetMs: CLOCK_SKEW_MS },
  'eproc2g.tjmg.jus.br': { clockOffsetMs: -CLOCK_SKEW_MS },
  'eproc1g.tjms.jus.br': { dateOffsetMs: ABSURD_OFFSET_MS },
  'eproc1g.stm.jus.br': { keyAsLink: true },
  'eproc.trf2.jus.br': { cloudflareQuery: true, alterarCadastro: true },
};

/** The variant of a host (look-alikes and plain hosts have none). */
export const variantOf = (host) => VARIANTS[host] ?? {};

export const REJECT_TEXT = 'Código autenticador inválido.';

/** Re-encodes a page as ISO-8859-1: the meta charset and the bytes. */
export function toLatin1(html) {
  return Buffer.from(html.replace('<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'), 'latin1');
}

// A captcha image (SVG data: URL with distorted letters); the answer is whatever the user reads.
const CAPTCHA_IMG = 'data:image/svg+xml;base64,' + Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#eee"/>' +
  '<text x="10" y="28" font-size="24" transform="rotate(-4 60 20)" fill="#333">k7Wq2</text></svg>').toString('base64');

export function eprocCaptcha({ systemName, user, error = '' }) {
  return layout(`${systemName} - eproc`, `
<div id="divInfraBarraSistema"><h1>eproc - ${esc(systemName)}</h1></div>
<form id="frmCaptcha" name="frmCaptcha" method="post" action="index.php">
  <input type="hidden" name="acao" value="captcha">
  <input type="hidden" name="txtUsuario" value="${esc(user)}">
  <div id="divInfraCaptcha">
    <p>Digite os caracteres da imagem:</p>
    <img id="imgInfraCaptcha" src="${CAPTCHA_IMG}" alt="captcha" width="120" height="40">
    <input type="text" id="txtInfraCaptcha" name="txtInfraCaptcha" maxlength="6" size="8" autocomplete="off">
  </div>
  ${error ? `<div id="divInfraMensagens"><div class="infraMensagem">${esc(error)}</div></div>` : ''}
  <button type="submit" id="sbmInfraCaptcha" name="sbmInfraCaptcha">Enviar</button>
</form>
<script>
(function () {
  var el = document.getElementById('txtInfraCaptcha');
  ['input', 'keydown', 'change', 'paste'].forEach(function (t) {
    el.addEventListener(t, function (e) { window.__simCaptchaEvents = (window.__simCaptchaEvents || []).concat([t + ':' + (e.isTrusted ? 'trusted' : 'script')]); });
  });
})();
</script>`);
}

/** The code screen as a page of its own (two-page login). The field is parsed: an inline script
 * right after it records the time. */
export function eprocCodePage({ systemName, user, infraMsg = '' }) {
  return layout(`${systemName} - eproc`, `
<div id="divInfraBarraSistema"><h1>eproc - ${esc(systemName)}</h1></div>
${infraMsg ? `<div id="divInfraMensagens"><div class="infraMensagem">${esc(infraMsg)}</div></div>` : ''}
<form id="frmValidar" name="frmValidar" method="post" action="index.php" autocomplete="off">
  <input type="hidden" name="acao" value="validar_codigo">
  <input type="hidden" name="txtUsuario" value="${esc(user)}">
  <input type="hidden" id="hdnEventos" name="hdnEventos" value="">
  <p id="lblA2F">Informe o código de 6 dígitos gerado pelo aplicativo autenticador.</p>
  <label for="txtAcessoCodigo">Código</label>
  <input type="text" id="txtAcessoCodigo" name="txtAcessoCodigo" maxlength="6" autocomplete="off" size="8">
  <script>simTime(document.getElementById('txtAcessoCodigo'));</script>
  <button type="submit" id="btnValidar" name="btnValidar">Validar</button>
  <div><input type="checkbox" id="chkNaoUsarA2F" name="chkNaoUsarA2F" value="S">
    <label for="chkNaoUsarA2F">Não usar o 2FA neste dispositivo e navegador</label></div>
  <div><button type="button" id="btnDesativarA2F">Desativar 2FA</button>
    <button type="button" id="btnCancelarDispositivos">Cancelar Dispositivos Liberados</button></div>
</form>
<script>
window.__simUser = ${JSON.stringify(String(user))};
simTrack(document.getElementById('txtAcessoCodigo'), document.getElementById('hdnEventos'));
document.getElementById('btnDesativarA2F').addEventListener('click', function () { simForbidden('Desativar 2FA'); });
document.getElementById('btnCancelarDispositivos').addEventListener('click', function () { simForbidden('Cancelar Dispositivos Liberados'); });
document.getElementById('chkNaoUsarA2F').addEventListener('change', function () { simForbidden('Não usar o 2FA neste dispositivo e navegador'); });
</script>`);
}

export const PROFILES = [
  ['ADVOGADO', 'Advogado(a) - OAB/ES 12345'],
  ['PROCURADOR', 'Procurador(a) - Município de Vitória'],
];

/** "Selecione o perfil" after the code: never picked for the user. */
export function eprocProfile({ systemName, user }) {
  return layout(`${systemName} - Selecione o perfil`, `
<div id="divInfraBarraSistema"><h1>eproc - ${esc(systemName)}</h1></div>
<h2 id="lblSelecionePerfil">Selecione o perfil</h2>
<p>Usuário: <span id="usuario-perfil">${esc(user)}</span></p>
<form id="frmPerfil" method="post" action="index.php">
  <input type="hidden" name="acao" value="perfil">
  <input type="hidden" name="txtUsuario" value="${esc(user)}">
  ${PROFILES.map(([v, desc], i) => `<button type="submit" class="btn btn-perfil" id="btnPerfil${i}" name="perfil" value="${esc(v)}" data-descricao="${esc(desc)}">${esc(desc)}</button>`).join('\n  ')}
</form>
<script>
document.querySelectorAll('.btn-perfil').forEach(function (b) {
  b.addEventListener('click', function (e) { if (!e.isTrusted) simForbidden('perfil by script: ' + b.value); });
});
</script>`);
}

/** A Cloudflare managed-challenge interstitial in front of the login page (served with 403). */
export function cloudflare({ host }) {
  return `<!DOCTYPE html><html lang="pt-BR"><head><title>Um momento…</title>
<meta charset="UTF-8"><meta name="robots" content="noindex,nofollow">
<style>body{font-family:system-ui,sans-serif;margin:4em}</style></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">${esc(host)}</h1>
<h2 id="challenge-running" class="h2">Confirme que é humano realizando a ação abaixo.</h2>
<div id="challenge-stage"><div class="cf-turnstile" id="cf-chl-widget">
  <label class="cb-lb"><input type="checkbox" id="cf-chl-checkbox"><span class="cb-i"></span><span class="cb-lb-t">Confirme que é humano</span></label>
  <input type="hidden" name="cf-turnstile-response" id="cf-chl-widget_response" value="">
</div></div>
<div id="challenge-body-text" class="core-msg spacer">${esc(host)} precisa revisar a segurança da sua conexão antes de prosseguir.</div>
<div class="footer" role="contentinfo">Ray ID: <code>8c0f1e2d3a4b5c6d</code> · Desempenho e segurança por Cloudflare</div>
</div></div>
<script>
var cb = document.getElementById('cf-chl-checkbox');
cb.addEventListener('change', function () { navigator.sendBeacon('/__sim/beacon', JSON.stringify({ type: 'forbidden', what: 'cloudflare checkbox' })); });
</script></body></html>`;
}

export const CADASTRO_FIELDS = [
  ['txtNome', 'Nome', 'ADVOGADA DE TESTE DA SILVA'],
  ['txtCpf', 'CPF', '123.456.789-09'],
  ['txtOab', 'OAB', 'RJ123456'],
  ['txtEmail', 'E-mail', ''],
  ['txtTelefone', 'Telefone', ''],
  ['txtCep', 'CEP', ''],
];

/** The forced "Alterar Cadastro" page (acao=pessoa_alterar): editable identity fields, Salvar. */
export function alterarCadastro({ systemName }) {
  return layout(`${systemName} - Alterar Cadastro`, `
<div id="divInfraBarraSistema"><h1>eproc - ${esc(systemName)}</h1></div>
<h2 id="lblTitulo">Alterar Cadastro</h2>
<p>Confira e atualize seus dados cadastrais antes de prosseguir.</p>
<form id="frmPessoaAlterar" method="post" action="controlador.php?acao=pessoa_alterar&amp;hash=5f1c0e9b8a">
  ${CADASTRO_FIELDS.map(([id, label, value]) => `<div><label for="${id}">${esc(label)}</label> <input type="text" id="${id}" name="${id}" value="${esc(value)}" size="40"></div>`).join('\n  ')}
  <button type="submit" id="sbmSalvar" name="sbmSalvar">Salvar</button>
</form>
<script>
document.querySelectorAll('#frmPessoaAlterar input').forEach(function (el) {
  ['input', 'change', 'keydown'].forEach(function (t) {
    el.addEventListener(t, function (e) { window.__simCadastroEvents = (window.__simCadastroEvents || []).concat([el.id + ':' + t + ':' + (e.isTrusted ? 'trusted' : 'script')]); });
  });
});
document.getElementById('frmPessoaAlterar').addEventListener('submit', function () { simForbidden('Alterar Cadastro submitted'); });
</script>`);
}

/** eproc's enrollment page with the key as a clickable link that copies it (STM-like). */
export function eprocEnrollmentKeyLink({ systemName, user, qrDataUrl, groupedKey, error = '' }) {
  return layout(`${systemName} - Cadastro do autenticador`, `
<h1>Autenticação em dois fatores</h1>
<form id="frmCadastroA2F" name="frmCadastroA2F" method="post" action="index.php">
  <input type="hidden" name="acao" value="a2f_confirmar">
  <input type="hidden" name="txtUsuario" value="${esc(user)}">
  <div class="row"><div class="col-md-4">
    <img alt="" src="${qrDataUrl}" width="200" height="200" class="img-fluid">
  </div><div class="col-md-8">
    <p>Escaneie o QR code com o aplicativo autenticador ou, se preferir, clique no código alfanumérico para copiá-lo:</p>
    <p><a href="javascript:void(0)" class="text-monospace" onclick="navigator.clipboard && navigator.clipboard.writeText(this.textContent.replace(/\\s/g, '')); return false;">${esc(groupedKey)}</a></p>
  </div></div>
  <p>Informe o código de 6 dígitos gerado pelo aplicativo:</p>
  <input type="text" id="txtCodigoA2F" name="txtCodigoA2F" maxlength="6" size="8" autocomplete="off">
  <p>Informe um e-mail pessoal para receber o link de confirmação:</p>
  <input type="text" id="txtEmail" name="txtEmail" placeholder="E-mail pessoal" size="40">
  <div class="erro" id="divErroCadastro">${esc(error)}</div>
  <button type="submit" id="sbmEnviar" name="sbmEnviar">Enviar</button>
  <button type="button" id="btnCancelar" name="btnCancelar" onclick="location.href='index.php'">Cancelar</button>
</form>`);
}
