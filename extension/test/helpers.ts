import { JSDOM } from 'jsdom';

/** A jsdom document; its window's DOM classes are made global for code that uses them. */
export function dom(html: string, url = 'https://eproc.trf2.jus.br/eproc/index.php'): Document {
  const jsdom = new JSDOM(`<!doctype html><html><body>${html}</body></html>`, { url });
  const w = jsdom.window as unknown as Record<string, unknown>;
  for (const k of ['HTMLElement', 'HTMLInputElement', 'HTMLButtonElement', 'HTMLFormElement', 'Element', 'Node', 'Event', 'KeyboardEvent', 'InputEvent', 'FocusEvent']) {
    (globalThis as Record<string, unknown>)[k] = w[k];
  }
  (globalThis as Record<string, unknown>).document = jsdom.window.document;
  return jsdom.window.document;
}

/** jsdom has no layout: visible = not display:none / hidden / type=hidden up the tree. */
export function visible(el: Element): boolean {
  if ((el as HTMLInputElement).type === 'hidden' || (el as HTMLInputElement).disabled) return false;
  for (let e: Element | null = el; e; e = e.parentElement) {
    if ((e as HTMLElement).hidden || e.getAttribute('aria-hidden') === 'true') return false;
    const st = (e as HTMLElement).style;
    if (st && (st.display === 'none' || st.visibility === 'hidden')) return false;
  }
  return true;
}

export const EPROC_LOGIN = `
<form id="frmLogin" name="frmLogin" method="post" action="index.php" autocomplete="off">
  <input type="text" id="txtUsuario" name="txtUsuario" value="RS123" maxlength="100">
  <input type="text" id="pwdSenha" class="masked" autocomplete="off" value="">
  <input type="password" name="pwdSenha" id="pwdSenhaOculta" style="display:none" value="">
  <button type="button" id="sbmEntrar" name="sbmEntrar" onclick="Submit('login')">Entrar</button>
  <a href="#" id="lnkAutenticacaoDoisFatores">Autenticação em dois fatores</a>
  <div id="divA2F"></div>
</form>`;

export const EPROC_CODE_STEP = `
<p id="lblA2F">Informe o código de 6 dígitos gerado pelo aplicativo autenticador.</p>
<input type="text" id="txtAcessoCodigo" name="txtAcessoCodigo" maxlength="6" autocomplete="off" size="8">
<button type="button" id="btnValidar" name="btnValidar" onclick="Submit('validar')">Validar</button>
<div><input type="checkbox" id="chkNaoUsarA2F" name="chkNaoUsarA2F" value="S"> Não usar o 2FA neste dispositivo e navegador</div>
<div><button type="button" id="btnDesativarA2F">Desativar 2FA</button>
<button type="button" id="btnCancelarDispositivos">Cancelar Dispositivos Liberados</button></div>`;

export const KC_OTP = `
<div id="kc-username"><label id="kc-attempted-username">RS123</label></div>
<form id="kc-otp-login-form" class="form-horizontal" action="https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate" method="post">
  <input id="otp" name="otp" autocomplete="one-time-code" type="text" inputmode="numeric" autofocus>
  <div class="checkbox"><label><input type="checkbox" id="saveDevice" name="saveDevice"> Confiar neste dispositivo</label></div>
  <div id="kc-form-buttons"><input name="login" id="kc-login" type="submit" value="Entrar"></div>
</form>`;

export const KC_CONFIGURE = `
<div id="kc-username"><label id="kc-attempted-username">RS123</label></div>
<ol id="kc-totp-settings">
  <li><p><span id="kc-totp-secret-key">MFRDCMTDMQZTIRKGGU3GO2BXHBEUUOJQ</span></p>
  <ul><li id="kc-totp-type">Tipo: Baseado em tempo</li>
  <li id="kc-totp-algorithm">Algoritmo: SHA256</li>
  <li id="kc-totp-digits">Dígitos: 8</li>
  <li id="kc-totp-period">Intervalo: 60</li></ul></li>
</ol>
<form action="x" class="form-horizontal" id="kc-totp-settings-form" method="post">
  <input type="text" id="totp" name="totp" autocomplete="off">
  <input type="hidden" id="totpSecret" name="totpSecret" value="ab12cd34EF56gh78IJ90">
  <input type="text" id="userLabel" name="userLabel" autocomplete="off">
  <input type="submit" id="saveTOTPBtn" value="Enviar">
</form>`;

export const EPROC_ENROLL = `
<form id="frmCadastroA2F" name="frmCadastroA2F" method="post" action="index.php">
  <input type="hidden" name="acao" value="a2f_confirmar">
  <input type="hidden" name="txtUsuario" value="RS123">
  <p>Escaneie o QR code com o aplicativo autenticador:</p>
  <img id="imgQrCodeA2F" alt="QR code" src="data:image/png;base64,iVBORw0KGgo=" width="200" height="200">
  <p>Ou digite a chave: <label id="lblChaveDigitavel">MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW</label></p>
  <p>Código de 6 dígitos: <input type="text" id="txtCodigoA2F" name="txtCodigoA2F" maxlength="6" size="8" autocomplete="off"></p>
  <p>E-mail pessoal: <input type="text" id="txtEmail" name="txtEmail" placeholder="E-mail pessoal" size="40"></p>
  <button type="submit" id="sbmEnviar" name="sbmEnviar">Enviar</button>
  <button type="button" id="btnCancelar" name="btnCancelar">Cancelar</button>
</form>`;
