// In-page notices of the content script added by issue 10 (rejected codes, the court clock).
// Each entry: key -> [pt_BR, en]; merged into MESSAGES by locales-src.mjs.
export const CONTENT_MESSAGES = {
  rejectedTitle: ['O tribunal recusou o código', 'The court refused the code'],
  rejectedText: [
    'O tribunal respondeu que o código autenticador é inválido. Tentativas erradas contam para o bloqueio da conta.',
    'The court answered that the authenticator code is invalid. Wrong attempts count toward locking the account.',
  ],
  rejectedCheck: [
    'Verifique: o relógio deste computador (data, hora e fuso horário); se a chave foi substituída por um novo cadastro no tribunal (salve a chave nova); se esta é a conta certa.',
    'Check: this computer\'s clock (date, time and time zone); whether the key was replaced by a new enrollment at the court (save the new key); whether this is the right account.',
  ],
  rejectedNoAuto: [
    'A extensão não enviará o código automaticamente de novo até que um login feito por você dê certo.',
    'The extension will not submit the code automatically again until a login you make by hand succeeds.',
  ],
  rejectedUntil: ['(ou até as $1)', '(or until $1)'],
  withheldTitle: ['Código não preenchido', 'Code not filled'],
  withheldText: [
    'O tribunal recusou mais de um código desta conta. Para não bloquear a conta, a extensão não preenche códigos por enquanto.',
    'The court refused more than one code of this account. So as not to lock the account, the extension does not fill codes for now.',
  ],
  refilledTitle: ['Código preenchido: confira antes de enviar', 'Code filled: check before submitting'],
  refilledText: [
    'O tribunal recusou o último código desta conta. Este foi preenchido, mas não será enviado automaticamente.',
    'The court refused the last code of this account. This one was filled but will not be submitted automatically.',
  ],
  clockAbsurdText: [
    'Não foi possível usar o relógio do tribunal (a hora que ele informa é absurda): o código foi calculado com o relógio deste computador.',
    'The court\'s clock could not be used (the time it reports is absurd): the code was computed with this computer\'s clock.',
  ],
};
