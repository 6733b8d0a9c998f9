// Source of _locales/*/messages.json (run `node scripts/locales-src.mjs` to regenerate them).
// Each entry: key -> [pt_BR, en]. $1, $2 are substitutions (chrome.i18n placeholders).
import { UI_MESSAGES } from './locales-ui.mjs';
import { CONTENT_MESSAGES } from './locales-content.mjs';

export const MESSAGES = {
  extName: ['eproc-a2f', 'eproc-a2f'],
  extDescription: [
    'Preenche o código de 6 dígitos (A2F) no login do eproc dos tribunais (TRF4, TRF2, TJRS, TJSC...).',
    'Fills the 6-digit two-factor code on the login pages of eproc courts (TRF4, TRF2, TJRS, TJSC...).',
  ],
  close: ['Fechar', 'Close'],
  cancel: ['Cancelar', 'Cancel'],
  optLabelEdit: ['editar nome', 'edit name'],
  optLabelSave: ['Salvar', 'Save'],
  ok: ['OK', 'OK'],
  retry: ['Tentar de novo', 'Try again'],
  unlockOnPage: ['Desbloquear…', 'Unlock…'],
  loading: ['Carregando…', 'Loading…'],

  // In-page notices (login)
  noticeErrorTitle: ['Não foi possível preencher o código', 'Could not fill the code'],
  waitingTitle: ['Aguardando o próximo código…', 'Waiting for the next code…'],
  waitingText: [
    'O código atual expira em instantes; o próximo será preenchido em $1 s.',
    'The current code is about to expire; the next one will be filled in $1 s.',
  ],
  filledTitle: ['Código preenchido', 'Code filled'],
  filledText: ['Conta: $1', 'Account: $1'],
  chooseTitle: ['Qual conta usar?', 'Which account?'],
  chooseText: [
    'Há mais de uma conta cadastrada para este tribunal. Escolha uma:',
    'More than one account is saved for this court. Choose one:',
  ],
  chooseUnknownText: [
    'Não há chave salva para o usuário digitado. Contas com chave neste tribunal:',
    'No key is saved for the user name typed. Accounts with a key for this court:',
  ],
  noAccountTitle: ['Nenhuma chave salva para este tribunal', 'No key saved for this court'],
  noAccountText: [
    'Para cadastrar: na tela de login do eproc, digite usuário e senha e clique em "Autenticação em dois fatores" (no SSO, configure o autenticador). Quando a chave aparecer, o eproc-a2f oferece salvá-la.',
    'To enroll: on the eproc login page, type user and password and click "Autenticação em dois fatores" (on SSO courts, set up the authenticator). When the key is shown, eproc-a2f offers to save it.',
  ],
  noAccountCli: [
    'Já tem a chave? Pelo terminal: eproc-a2f add <sistema> --user <usuário>',
    'Already have the key? In a terminal: eproc-a2f add <system> --user <user>',
  ],

  // Enrollment helper
  enrollTitle: ['Salvar esta chave no eproc-a2f', 'Save this key in eproc-a2f'],
  enrollText: [
    'Esta página mostra a chave do autenticador uma única vez. Salve-a no eproc-a2f antes de enviar o formulário: o código de confirmação será preenchido depois que a chave estiver guardada.',
    'This page shows the authenticator key only once. Save it in eproc-a2f before sending the form: the confirmation code is filled once the key is stored.',
  ],
  enrollUserLabel: ['Usuário do eproc', 'eproc user name'],
  enrollSave: ['Salvar chave', 'Save key'],
  enrollNotNow: ['Agora não', 'Not now'],
  enrollBackup: ['Mostrar chave para o celular', 'Show key for a phone app'],
  backupText: [
    'Cópia de segurança: digite esta chave ou escaneie o QR em um aplicativo autenticador do celular. Guarde-a em local seguro.',
    'Backup: type this key or scan the QR code in a phone authenticator app. Keep it somewhere safe.',
  ],
  enrollSaving: ['Salvando a chave…', 'Saving the key…'],
  enrollSavedWaiting: ['Chave salva. Aguardando o próximo código…', 'Key saved. Waiting for the next code…'],
  enrollSavedTitle: ['Chave salva no eproc-a2f', 'Key saved in eproc-a2f'],
  enrollSavedTextEproc: [
    'O código de confirmação foi preenchido. Informe seu e-mail pessoal (não institucional) e clique em Enviar.',
    'The confirmation code was filled. Enter your personal (not institutional) e-mail and click Enviar.',
  ],
  enrollSavedTextKeycloak: [
    'O código de confirmação foi preenchido. Confira e clique em Enviar.',
    'The confirmation code was filled. Check it and click Submit.',
  ],
  enrollShortKey: [
    'Atenção: a chave é curta (menos de 128 bits); funciona, mas é menos segura.',
    'Note: the key is short (under 128 bits); it works but is weaker.',
  ],
  enrollQrMismatch: [
    'A chave em texto da página não conferia com o QR code; foi usada a chave do QR code.',
    'The key text on the page did not match the QR code; the QR code\'s key was used.',
  ],
  enrollExistsTitle: ['Já existe outra chave para este usuário', 'Another key is saved for this user'],
  enrollExistsText: [
    'Há uma chave diferente salva para $1 neste tribunal. Substituir pela chave desta página? A antiga deixará de funcionar quando você concluir este cadastro.',
    'A different key is saved for $1 at this court. Replace it with this page\'s key? The old one stops working once you finish this enrollment.',
  ],
  enrollReplace: ['Substituir', 'Replace'],
  enrollFailedTitle: ['A chave NÃO foi salva', 'The key was NOT saved'],
  emailWarnTitle: ['E-mail institucional?', 'Institutional e-mail?'],
  emailWarnText: [
    'O eproc pede um e-mail pessoal e recusa endereços institucionais (jus.br, gov.br, mp.br...). O link de confirmação pode não chegar.',
    'eproc asks for a personal e-mail and refuses institutional addresses (jus.br, gov.br, mp.br...). The confirmation link may not arrive.',
  ],
  emailWarnFix: ['Corrigir o e-mail', 'Fix the e-mail'],
  emailWarnSendAnyway: ['Enviar assim mesmo', 'Send anyway'],

  // Popup
  popupAccounts: ['Contas', 'Accounts'],
  popupOptions: ['Opções', 'Options'],
  popupCopy: ['Copiar', 'Copy'],
  popupCopied: ['Copiado', 'Copied'],
  popupCopyFailed: ['Falhou', 'Failed'],
  popupSeconds: ['$1 s', '$1 s'],
  popupNoAccounts: [
    'Nenhuma conta salva. Abra a página de cadastro do autenticador no eproc e o eproc-a2f oferecerá salvar a chave.',
    'No account saved. Open eproc\'s authenticator enrollment page and eproc-a2f offers to save the key.',
  ],
  statusErrorTitle: ['Sem acesso às chaves', 'No access to the keys'],
  statusSourceNative: ['Programa eproc-a2f $1 conectado', 'eproc-a2f program $1 connected'],
  statusSourceBrowser: ['Modo navegador (chaves cifradas no navegador)', 'Browser mode (keys encrypted in the browser)'],
  statusReady: ['Pronto para preencher os códigos.', 'Ready to fill codes.'],
  statusInstallHelp: [
    'Instale o programa eproc-a2f e registre-o nos navegadores rodando no terminal:',
    'Install the eproc-a2f program and register it with your browsers by running:',
  ],

  // Options
  optTitle: ['eproc-a2f: opções', 'eproc-a2f: options'],
  optAccounts: ['Contas', 'Accounts'],
  optAccountsHelp: [
    'As chaves ficam no chaveiro do sistema (ou cifradas no navegador, no modo navegador) e nunca são mostradas aqui.',
    'Keys stay in the system keyring (or encrypted in the browser, in browser mode) and are never shown here.',
  ],
  optUser: ['Usuário', 'User'],
  optLabel: ['Nome', 'Label'],
  optSystems: ['Sistemas', 'Systems'],
  optRemove: ['Remover', 'Remove'],
  optRemoveQuestion: ['Remover a chave? Sem cópia, será preciso recadastrar.', 'Remove the key? Without a backup you must enroll again.'],
  optRemoveConfirm: ['Sim, remover', 'Yes, remove'],
  optFill: ['Preenchimento', 'Filling'],
  optAutoSubmit: ['Enviar automaticamente depois de preencher o código', 'Submit automatically after filling the code'],
  optAutoSubmitHelp: [
    'Desligado: o código é preenchido e você clica em Validar/Entrar. O eproc-a2f nunca clica em "Desativar 2FA", "Cancelar Dispositivos Liberados" nem marca "confiar neste dispositivo".',
    'Off: the code is filled and you click Validar/Entrar. eproc-a2f never clicks "Desativar 2FA", "Cancelar Dispositivos Liberados" nor ticks "trust this device".',
  ],
  optManaged: ['Definido pela organização.', 'Set by your organisation.'],
  optMode: ['Origem dos códigos', 'Code source'],
  optModeAuto: ['Automático: o programa eproc-a2f se instalado, senão o navegador', 'Automatic: the eproc-a2f program when installed, else the browser'],
  optModeNative: ['Programa eproc-a2f (chaves no chaveiro do sistema)', 'eproc-a2f program (keys in the system keyring)'],
  optModeBrowser: ['Navegador (chaves cifradas no navegador)', 'Browser (keys encrypted in the browser)'],
  optBrowserForbidden: ['A organização não permite guardar chaves no navegador.', 'Your organisation does not allow keys in the browser.'],
  optPolicy: ['Política da organização', 'Organisation policy'],
  optPolicyNone: ['Nenhuma configuração definida pela organização.', 'No settings set by an organisation.'],
  optPolicyIntro: ['Estas configurações foram definidas pela organização:', 'These settings are set by your organisation:'],
  optExtraText: [
    'A organização acrescentou tribunais à lista. Para preencher o código neles, o eproc-a2f precisa de acesso a estes endereços:',
    'Your organisation added courts to the list. To fill codes there, eproc-a2f needs access to these addresses:',
  ],
  optExtraGrant: ['Permitir acesso a esses tribunais', 'Allow access to these courts'],
  optExtraGranted: ['Acesso permitido.', 'Access granted.'],
  bmTitle: ['Modo navegador', 'Browser mode'],
  bmIntro: [
    'Sem o programa eproc-a2f, as chaves podem ficar neste navegador, cifradas com uma senha sua (ela nunca é guardada; sem ela, as chaves não podem ser recuperadas).',
    'Without the eproc-a2f program, keys can stay in this browser, encrypted with your passphrase (it is never stored; without it the keys cannot be recovered).',
  ],
  bmStateNotSetUp: ['Não configurado.', 'Not set up.'],
  bmStateLocked: ['Bloqueado.', 'Locked.'],
  bmStateUnlocked: ['Desbloqueado.', 'Unlocked.'],
  bmPassphrase: ['Senha', 'Passphrase'],
  bmPassphraseAgain: ['Repita a senha', 'Passphrase again'],
  bmMismatch: ['As senhas não conferem.', 'The passphrases do not match.'],
  bmSetup: ['Criar', 'Create'],
  bmUnlock: ['Desbloquear', 'Unlock'],
  bmLock: ['Bloquear', 'Lock'],
  bmExport: ['Exportar (arquivo cifrado)', 'Export (encrypted file)'],
  bmImport: ['Importar', 'Import'],
  bmImportFile: ['Arquivo exportado', 'Exported file'],
  bmImported: ['Importadas: $1; já existentes: $2; conflitos: $3.', 'Imported: $1; already there: $2; conflicts: $3.'],
  bmMigrate: ['Passar as chaves para o programa eproc-a2f', 'Move the keys to the eproc-a2f program'],
  bmMigrated: ['Migração concluída.', 'Migration finished.'],
  bmResume: ['Uma migração não terminou: rode-a de novo para concluir.', 'A migration did not finish: run it again to complete it.'],
  bmOpenOptions: ['Configurar', 'Set up'],
  bmCorruptHelp: [
    'Os dados danificados podem ser guardados à parte (nada é apagado); depois crie uma senha e importe o arquivo exportado.',
    'The damaged data can be put aside (nothing is deleted); then create a passphrase and import your exported file.',
  ],
  bmCorruptReset: ['Guardar os dados danificados à parte e recomeçar', 'Put the damaged data aside and start over'],
  bmQuarantined: [
    'Dados danificados guardados à parte. Crie uma senha e importe o arquivo exportado.',
    'The damaged data was put aside. Create a passphrase and import your exported file.',
  ],
  optHelp: ['Ajuda', 'Help'],
  optDocs: ['Documentação do eproc-a2f', 'eproc-a2f documentation'],
  optPrivacy: [
    'O eproc-a2f só age nas páginas de login dos tribunais da sua lista e não envia nada para a internet.',
    'eproc-a2f only acts on the login pages of the courts in its list and sends nothing to the internet.',
  ],

  // Errors, by code (protocol codes and the extension's own)
  err_unknown: ['Erro inesperado no eproc-a2f.', 'Unexpected eproc-a2f error.'],
  err_invalid_json: ['Mensagem inválida para o programa eproc-a2f (erro interno).', 'Invalid message to the eproc-a2f program (internal error).'],
  err_invalid_request: ['Pedido inválido ao programa eproc-a2f (erro interno).', 'Invalid request to the eproc-a2f program (internal error).'],
  err_unknown_type: [
    'O programa eproc-a2f instalado é de outra versão. Atualize o programa e a extensão.',
    'The installed eproc-a2f program is a different version. Update the program and the extension.',
  ],
  err_message_too_large: ['Pedido grande demais (erro interno).', 'Request too large (internal error).'],
  err_forbidden_caller: [
    'O programa eproc-a2f não reconhece esta extensão. Rode no terminal: eproc-a2f install',
    'The eproc-a2f program does not recognise this extension. Run: eproc-a2f install',
  ],
  err_unknown_site: ['Esta página não está na lista de tribunais do eproc-a2f.', 'This page is not in eproc-a2f\'s list of courts.'],
  err_no_account: ['Nenhuma chave salva para este tribunal.', 'No key saved for this court.'],
  err_unknown_account: ['Não há chave salva para este usuário neste tribunal.', 'No key is saved for this user at this court.'],
  err_choose_account: ['Escolha a conta.', 'Choose the account.'],
  err_invalid_key: ['A chave mostrada não é válida (base32).', 'The key shown is not valid (base32).'],
  err_key_exists: ['Outra chave já está salva para este usuário.', 'Another key is already saved for this user.'],
  err_confirm_required: ['Confirmação necessária.', 'Confirmation required.'],
  err_keyring_unavailable: [
    'O chaveiro do sistema não está disponível (no Linux: gnome-keyring ou KWallet). Rode no terminal: eproc-a2f doctor',
    'The system keyring is not available (on Linux: gnome-keyring or KWallet). Run: eproc-a2f doctor',
  ],
  err_keyring_locked: [
    'O chaveiro do sistema está bloqueado. Desbloqueie-o (entre na sessão ou digite a senha do chaveiro) e tente de novo.',
    'The system keyring is locked. Unlock it (log in or type the keyring password) and try again.',
  ],
  err_keyring_error: ['O chaveiro do sistema recusou o acesso. Rode no terminal: eproc-a2f doctor', 'The system keyring refused access. Run: eproc-a2f doctor'],
  err_secret_missing: [
    'A chave desta conta sumiu do chaveiro. Recadastre-a a partir da sua cópia de segurança (eproc-a2f doctor).',
    'This account\'s key is missing from the keyring. Enroll it again from your backup (eproc-a2f doctor).',
  ],
  err_index_corrupt: [
    'A lista de contas do eproc-a2f está corrompida; nada foi apagado. Rode no terminal: eproc-a2f doctor',
    'eproc-a2f\'s account list is corrupt; nothing was deleted. Run: eproc-a2f doctor',
  ],
  err_storage_error: ['Não foi possível gravar a lista de contas (disco cheio ou somente leitura).', 'Could not write the account list (disk full or read-only).'],
  err_busy: ['O eproc-a2f está ocupado em outra janela. Tente de novo.', 'eproc-a2f is busy in another window. Try again.'],
  err_internal_error: ['Erro interno do eproc-a2f; nada foi perdido.', 'Internal eproc-a2f error; nothing was lost.'],
  err_host_not_installed: [
    'O programa eproc-a2f não está instalado neste computador (ou não foi registrado neste navegador). Instale-o e rode no terminal: eproc-a2f install',
    'The eproc-a2f program is not installed on this computer (or not registered with this browser). Install it and run: eproc-a2f install',
  ],
  err_host_forbidden: [
    'O navegador não permite que esta extensão use o programa eproc-a2f. Rode no terminal: eproc-a2f install',
    'The browser does not let this extension use the eproc-a2f program. Run: eproc-a2f install',
  ],
  err_host_exited: [
    'O programa eproc-a2f fechou inesperadamente. Rode no terminal: eproc-a2f doctor',
    'The eproc-a2f program exited unexpectedly. Run: eproc-a2f doctor',
  ],
  err_host_timeout: ['O programa eproc-a2f não respondeu a tempo.', 'The eproc-a2f program did not answer in time.'],
  err_browser_mode_unavailable: [
    'O modo navegador não está disponível. Instale o programa eproc-a2f ou escolha outra origem nas opções.',
    'Browser mode is not available. Install the eproc-a2f program or choose another source in the options.',
  ],
  err_browser_mode_forbidden: [
    'A organização não permite guardar chaves no navegador; use o programa eproc-a2f.',
    'Your organisation does not allow keys in the browser; use the eproc-a2f program.',
  ],
  err_store_not_set_up: [
    'O modo navegador ainda não foi configurado: crie uma senha nas opções do eproc-a2f.',
    'Browser mode is not set up yet: create a passphrase in the eproc-a2f options.',
  ],
  err_store_locked: [
    'As chaves do eproc-a2f neste navegador estão bloqueadas. Clique em “Desbloquear…” ou no ícone do eproc-a2f e digite sua senha.',
    'eproc-a2f\'s keys in this browser are locked. Click “Unlock…” or the eproc-a2f icon and type your passphrase.',
  ],
  err_wrong_passphrase: ['Senha incorreta.', 'Wrong passphrase.'],
  err_store_corrupt: [
    'Os dados guardados neste navegador estão danificados; nada foi apagado. Importe o arquivo exportado.',
    'The data stored in this browser is damaged; nothing was deleted. Import your exported file.',
  ],
  err_store_exists: ['O modo navegador já está configurado.', 'Browser mode is already set up.'],
  err_weak_passphrase: ['A senha precisa ter pelo menos 8 caracteres.', 'The passphrase needs at least 8 characters.'],
  err_export_disabled: ['A exportação foi desativada pela sua organização.', 'Export is disabled by your organisation.'],
  err_import_invalid: ['O arquivo não é uma exportação do eproc-a2f ou foi alterado.', 'The file is not an eproc-a2f export or it was altered.'],
  err_migration_failed: [
    'Não foi possível passar as chaves para o programa eproc-a2f; elas continuam neste navegador.',
    'Could not move the keys to the eproc-a2f program; they stay in this browser.',
  ],
  err_not_top_frame: ['O eproc-a2f só preenche a página principal, não quadros internos.', 'eproc-a2f only fills the main page, not inner frames.'],
  err_page_changed: ['A página mudou durante o preenchimento. Recarregue e tente de novo.', 'The page changed while filling. Reload and try again.'],
  err_extension_error: [
    'A extensão eproc-a2f não respondeu (foi atualizada?). Recarregue a página.',
    'The eproc-a2f extension did not answer (was it updated?). Reload the page.',
  ],

  // Popup and options (issue 14, U-ui): scripts/locales-ui.mjs
  ...UI_MESSAGES,
  ...CONTENT_MESSAGES,
};

export function localeFiles() {
  const out = { pt_BR: {}, en: {} };
  for (const [key, [pt, en]] of Object.entries(MESSAGES)) {
    for (const [loc, text] of [['pt_BR', pt], ['en', en]]) {
      const entry = { message: text.replace(/\$(?!\d)/g, '$$$$') };
      const n = [...text.matchAll(/\$(\d)/g)].map((m) => Number(m[1]));
      if (n.length) {
        // chrome.i18n substitutions: $1 -> placeholder p1 with content $1.
        entry.message = text.replace(/\$(\d)/g, '$$p$1$$');
        entry.placeholders = Object.fromEntries([...new Set(n)].map((i) => [`p${i}`, { content: `$${i}` }]));
      }
      out[loc][key] = entry;
    }
  }
  return out;
}

if (process.argv[1] && process.argv[1].endsWith('locales-src.mjs')) {
  const { writeFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '_locales');
  for (const [loc, msgs] of Object.entries(localeFiles())) {
    writeFileSync(join(dir, loc, 'messages.json'), JSON.stringify(msgs, null, 2) + '\n');
  }
  console.log('wrote _locales/pt_BR and _locales/en');
}
