// Popup and options texts (issue 14 "a lawyer understands at a glance", and the options page's
// "Importar chaves" of issue 11). Spread into MESSAGES by locales-src.mjs; keys prefixed `ui`.
// Each entry: key -> [pt_BR, en]; $1, $2 are substitutions.
export const UI_MESSAGES = {
  // <html lang>: the language of the texts shown (the locale chrome.i18n picked).
  uiLang: ['pt-BR', 'en'],

  // Popup: accounts
  uiAlso: ['também $1', 'also $1'],
  uiCopyCode: ['Copiar', 'Copy'],
  uiCopyCodeOf: ['Copiar o código de $1', 'Copy the code of $1'],
  uiClickToCopy: ['Clique para copiar o código de $1', 'Click to copy the code of $1'],
  uiCopied: ['Copiado', 'Copied'],
  uiCopiedLive: ['Código de $1 copiado', 'Code of $1 copied'],
  uiCopyFailed: ['Não copiou', 'Not copied'],
  uiSecondsLeft: ['$1 s restantes', '$1 s left'],
  uiNextCode: ['Próximo: $1', 'Next: $1'],
  uiSearch: ['Buscar tribunal ou usuário', 'Search court or user'],
  uiNoMatch: ['Nenhuma conta corresponde à busca.', 'No account matches the search.'],
  uiThisPage: ['Esta página', 'This page'],
  uiOptions: ['Opções', 'Options'],
  uiNoAccountsTitle: ['Nenhuma conta ainda', 'No account yet'],
  uiNoAccountsText: [
    'Entre no eproc do seu tribunal e abra a página de cadastro da autenticação em dois fatores (A2F): o eproc-a2f oferece salvar a chave. Já tem a chave ou usa o Google Authenticator? Importe nas opções.',
    'Log in to your court\'s eproc and open its two-factor (A2F) enrollment page: eproc-a2f offers to save the key. Already have the key, or use Google Authenticator? Import it in the options.',
  ],
  uiImportLink: ['Importar chaves', 'Import keys'],
  uiLockedHere: ['Chaves guardadas neste navegador', 'Keys kept in this browser'],

  // Status (only when something needs attention)
  uiHostMissingTitle: ['Programa eproc-a2f não encontrado', 'eproc-a2f program not found'],
  uiHostMissingText: [
    'A extensão precisa do programa eproc-a2f, que guarda as chaves no chaveiro do computador. Instale o pacote do seu sistema (veja a documentação) e depois rode no terminal:',
    'The extension needs the eproc-a2f program, which keeps the keys in the computer\'s keyring. Install the package for your system (see the documentation), then run in a terminal:',
  ],
  uiHostMissingDocs: ['Como instalar', 'How to install'],
  uiHostMissingAlt: ['Não pode instalar programas? Guarde as chaves neste navegador', 'Cannot install programs? Keep the keys in this browser'],
  uiHostForbiddenTitle: ['O programa eproc-a2f não aceita esta extensão', 'The eproc-a2f program does not accept this extension'],
  uiHostForbiddenText: ['Registre-a de novo rodando no terminal:', 'Register it again by running in a terminal:'],
  uiHostFailedTitle: ['O programa eproc-a2f não respondeu', 'The eproc-a2f program did not answer'],
  uiDoctorText: ['Para ver o motivo, rode no terminal:', 'To see why, run in a terminal:'],
  uiKeyringLockedTitle: ['Chaveiro bloqueado', 'Keyring locked'],
  uiKeyringLockedText: [
    'Desbloqueie o chaveiro do sistema (abra o aplicativo Senhas e chaves, ou saia e entre de novo na sessão) e clique em Tentar de novo.',
    'Unlock the system keyring (open the Passwords and Keys app, or log out and back in) and click Try again.',
  ],
  uiKeyringUnavailableTitle: ['Chaveiro do sistema indisponível', 'System keyring unavailable'],
  uiKeyringErrorTitle: ['O chaveiro recusou o acesso', 'The keyring refused access'],
  uiStoreLockedTitle: ['Chaves bloqueadas', 'Keys locked'],
  uiStoreLockedText: ['Digite a senha das chaves guardadas neste navegador.', 'Type the passphrase of the keys kept in this browser.'],
  uiStoreNotSetUpTitle: ['Modo navegador não configurado', 'Browser mode not set up'],
  uiStoreNotSetUpText: ['Crie uma senha nas opções para guardar as chaves neste navegador.', 'Create a passphrase in the options to keep the keys in this browser.'],
  uiStoreCorruptTitle: ['Chaves do navegador danificadas', 'Browser keys damaged'],
  uiOpenOptions: ['Abrir as opções', 'Open the options'],
  // OpenBao (contract 3): hello.store.state with backend "openbao" and its address.
  uiBaoSealedTitle: ['Cofre OpenBao selado', 'OpenBao vault sealed'],
  uiBaoSealedText: ['O cofre $1 está selado. Peça ao administrador para abri-lo (unseal).', 'The vault $1 is sealed. Ask your administrator to unseal it.'],
  uiBaoUnreachableTitle: ['Cofre OpenBao fora do ar', 'OpenBao vault unreachable'],
  uiBaoUnreachableText: ['Sem conexão com $1. Confira a rede (VPN do escritório) e tente de novo.', 'No connection to $1. Check the network (office VPN) and try again.'],
  uiBaoTokenTitle: ['Acesso ao cofre expirou', 'Vault access expired'],
  uiBaoTokenText: ['Entre de novo no cofre rodando no terminal:', 'Log in to the vault again by running in a terminal:'],
  uiBaoPermissionTitle: ['Sem permissão no cofre', 'No permission in the vault'],
  uiBaoPermissionText: ['O cofre $1 não dá acesso a estas chaves. Peça ao administrador.', 'The vault $1 does not grant access to these keys. Ask your administrator.'],
  uiBaoTlsTitle: ['Certificado do cofre não confere', 'Vault certificate not trusted'],
  uiBaoTlsText: ['A conexão segura com $1 falhou (certificado). Fale com o administrador; nada foi enviado.', 'The secure connection to $1 failed (certificate). Talk to your administrator; nothing was sent.'],
  uiStoreUnknownTitle: ['As chaves não estão acessíveis', 'The keys are not reachable'],

  // Options: accounts
  uiCourt: ['Tribunal', 'Court'],
  uiUser: ['Usuário', 'User'],
  uiLabel: ['Nome', 'Name'],
  uiActions: ['Ações', 'Actions'],
  uiRename: ['Renomear', 'Rename'],
  uiRenameOf: ['Renomear $1', 'Rename $1'],
  uiLabelFor: ['Nome da conta $1', 'Name of account $1'],
  uiLabelHint: ['Ex.: Escritório, Pessoal', 'E.g. Office, Personal'],
  uiSave: ['Salvar', 'Save'],
  uiRemoveOf: ['Remover $1', 'Remove $1'],
  uiRemoveAsk: [
    'Remover a chave de $1? Sem uma cópia, será preciso cadastrar a A2F de novo no tribunal.',
    'Remove the key of $1? Without a copy you must enroll A2F again at the court.',
  ],
  uiRemoveYes: ['Sim, remover', 'Yes, remove'],
  uiReplacedKept: ['Chave anterior guardada ($1)', 'Previous key kept ($1)'],
  uiRestore: ['Restaurar a anterior', 'Restore the previous one'],

  // Options: add a key by pasting it
  uiAddTitle: ['Adicionar uma chave', 'Add a key'],
  uiAddHelp: [
    'Cole a chave que o tribunal mostrou no cadastro da A2F (letras e números, com ou sem espaços) ou um endereço otpauth://.',
    'Paste the key the court showed when you enrolled A2F (letters and digits, spaces or not) or an otpauth:// address.',
  ],
  uiAddCourt: ['Tribunal', 'Court'],
  uiAddChoose: ['Escolha o tribunal', 'Choose the court'],
  uiAddKey: ['Chave', 'Key'],
  uiAddSave: ['Salvar chave', 'Save key'],
  uiAddSaved: ['Chave salva: $1.', 'Key saved: $1.'],
  uiAddMissing: ['Escolha o tribunal e preencha usuário e chave.', 'Choose the court and fill in user and key.'],

  // Options: import (issue 11)
  uiImportTitle: ['Importar chaves', 'Import keys'],
  uiImportHelp: [
    'Do Google Authenticator ("Transferir contas": uma foto ou captura de tela do QR), de outro autenticador (Aegis, 2FAS), de um gerenciador de senhas (Bitwarden, KeePassXC) ou de linhas otpauth://. Nada é salvo antes da sua confirmação.',
    'From Google Authenticator ("Transfer accounts": a photo or screenshot of the QR), another authenticator (Aegis, 2FAS), a password manager (Bitwarden, KeePassXC) or otpauth:// lines. Nothing is saved before you confirm.',
  ],
  uiImportFile: ['Arquivo ou imagem', 'File or image'],
  uiImportPassword: ['Senha do arquivo (se cifrado)', 'File password (if encrypted)'],
  uiImportRead: ['Ler o arquivo', 'Read the file'],
  uiImportReading: ['Lendo…', 'Reading…'],
  uiImportNoQr: ['Nenhum código QR encontrado na imagem.', 'No QR code found in the image.'],
  uiImportQrUnavailable: ['Esta versão não lê imagens; use o programa: eproc-a2f import', 'This build cannot read images; use the program: eproc-a2f import'],
  uiImportNothing: ['Nenhuma conta encontrada no arquivo.', 'No account found in the file.'],
  uiImportColAccount: ['Conta no arquivo', 'Account in the file'],
  uiImportColCourt: ['Tribunal', 'Court'],
  uiImportColWhat: ['O que fazer', 'What to do'],
  uiImportStatus_new: ['Nova: será importada', 'New: will be imported'],
  uiImportStatus_same: ['Já salva (mesma chave)', 'Already saved (same key)'],
  uiImportStatus_conflict: ['Outra chave já salva para esta conta', 'Another key is saved for this account'],
  uiImportStatus_ambiguous: ['Escolha o tribunal', 'Choose the court'],
  uiImportStatus_unmatched: ['Não é de um tribunal conhecido: ignorada', 'Not from a known court: skipped'],
  uiImportStatus_hotp: ['Código por contador (HOTP): ignorada', 'Counter-based code (HOTP): skipped'],
  uiImportInclude: ['Importar', 'Import'],
  uiImportReplace: ['Substituir a chave salva', 'Replace the saved key'],
  uiImportApply: ['Importar as selecionadas', 'Import the selected ones'],
  uiImportDone: ['Importadas: $1.', 'Imported: $1.'],
  uiImportCompare: ['Confira com o aplicativo do celular: os códigos devem ser iguais.', 'Compare with the phone app: the codes must be the same.'],
  uiImportUnavailable: ['A importação ainda não está disponível nesta versão do programa eproc-a2f; atualize-o ou use: eproc-a2f import ARQUIVO', 'Import is not available in this version of the eproc-a2f program yet; update it or use: eproc-a2f import FILE'],

  // Options: export to Google Authenticator (explicit request only)
  uiExportTitle: ['Levar as chaves para um celular novo', 'Take the keys to a new phone'],
  uiExportWarn: [
    'Atenção: o QR de exportação mostra as suas chaves. Quem fotografá-lo pode gerar os seus códigos. Gere-o só com o celular na mão, longe de câmeras e de compartilhamento de tela, e feche-o depois.',
    'Warning: the export QR shows your keys. Anyone who photographs it can make your codes. Create it only with the phone in hand, away from cameras and screen sharing, and close it afterwards.',
  ],
  uiExportShow: ['Mostrar QR para o Google Authenticator', 'Show QR for Google Authenticator'],
  uiExportHide: ['Fechar o QR', 'Close the QR'],
  uiExportScan: ['No celular: Google Authenticator → Transferir contas → Importar contas → escanear.', 'On the phone: Google Authenticator → Transfer accounts → Import accounts → scan.'],

  // Options: sections
  uiNeedsAttention: ['Atenção', 'Attention'],
  uiBrowserOnlyHere: [
    'O programa eproc-a2f está conectado: as chaves ficam no chaveiro do sistema. O modo navegador serve só para computadores onde o programa não pode ser instalado.',
    'The eproc-a2f program is connected: keys stay in the system keyring. Browser mode is only for computers where the program cannot be installed.',
  ],
};
