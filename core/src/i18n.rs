//! User-facing texts of the core in Portuguese (pt-BR, the default) and English.

use crate::protocol::ErrorCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    PtBr,
    En,
}

impl Lang {
    /// Picks the language from a locale string such as `en_US.UTF-8` or `pt-BR`; anything that is
    /// not English is Portuguese, since the users are Brazilian.
    pub fn from_locale(locale: &str) -> Lang {
        let l = locale.trim().to_ascii_lowercase();
        if l.starts_with("en") {
            Lang::En
        } else {
            Lang::PtBr
        }
    }

    pub fn pick(self, pt: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::PtBr => pt,
            Lang::En => en,
        }
    }
}

/// One text in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub pt: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn pick(self, lang: Lang) -> &'static str {
        lang.pick(self.pt, self.en)
    }
}

// The texts of the login path's answers are named constants: the WASM login module links only
// these, not every message below.
pub const NO_ACCOUNT: Text = Text {
    pt: "Nenhuma chave cadastrada para este tribunal. Cadastre na página de autenticação em dois fatores do eproc ou com: eproc-a2f add.",
    en: "No key saved for this court. Enroll on eproc's two-factor page or with: eproc-a2f add.",
};
pub const UNKNOWN_ACCOUNT: Text = Text {
    pt: "Não há chave para este usuário neste tribunal.",
    en: "There is no key for this user at this court.",
};
pub const CHOOSE_ACCOUNT: Text = Text {
    pt: "Há mais de uma conta para este tribunal: escolha o usuário.",
    en: "There is more than one account for this court: choose the user.",
};

pub const CODE_WITHHELD: Text = Text {
    pt: "O tribunal recusou o código mais de uma vez: o eproc-a2f parou de preencher para não bloquear sua conta. Confira o relógio deste computador (data, hora e fuso), se a chave não foi trocada por um novo cadastro (Substituir) e se esta é a conta certa. Entre digitando o código do celular ou, depois de conferir, limpe o aviso no ícone do eproc-a2f.",
    en: "The court refused the code more than once: eproc-a2f stopped filling so as not to lock your account. Check this computer's clock (date, time and time zone), whether the key was replaced by a new enrollment (Replace) and whether this is the right account. Log in typing the code from your phone or, once checked, clear the notice in the eproc-a2f icon.",
};
/// The enroll answer (`notice`) and the CLI after a replacing enrollment.
pub const REPLACED_KEPT: Text = Text {
    pt: "A chave anterior continua guardada até que um login com a chave nova dê certo; só então ela é apagada. Se o tribunal não aceitar a chave nova, volte à anterior com: eproc-a2f restore (ou na página de opções).",
    en: "The previous key stays saved until a login with the new key succeeds; only then is it deleted. If the court does not accept the new key, go back to the previous one with: eproc-a2f restore (or on the options page).",
};

/// The message for an error code: it says what happened and what to do.
pub fn error_message(code: ErrorCode, lang: Lang) -> &'static str {
    use ErrorCode::*;
    match code {
        InvalidJson => lang.pick(
            "Mensagem inválida: não é JSON em UTF-8.",
            "Invalid message: not UTF-8 JSON.",
        ),
        InvalidRequest => lang.pick(
            "Pedido inválido: um campo está faltando, tem o tipo errado ou é longo demais.",
            "Invalid request: a field is missing, has the wrong type or is too long.",
        ),
        UnknownType => lang.pick(
            "Tipo de pedido desconhecido. Atualize o eproc-a2f.",
            "Unknown request type. Update eproc-a2f.",
        ),
        MessageTooLarge => lang.pick(
            "Mensagem grande demais (limite de 1 MiB).",
            "Message too large (limit 1 MiB).",
        ),
        ForbiddenCaller => lang.pick(
            "Esta extensão não está autorizada a usar o eproc-a2f. Reinstale com: eproc-a2f install --extension-id <ID>.",
            "This extension is not allowed to use eproc-a2f. Reinstall with: eproc-a2f install --extension-id <ID>.",
        ),
        UnknownSite => lang.pick(
            "Esta página não é um eproc conhecido (é preciso HTTPS e o endereço exato do tribunal). Nenhum código foi fornecido.",
            "This page is not a known eproc (HTTPS and the court's exact address are required). No code was given.",
        ),
        NoAccount => NO_ACCOUNT.pick(lang),
        UnknownAccount => UNKNOWN_ACCOUNT.pick(lang),
        ChooseAccount => CHOOSE_ACCOUNT.pick(lang),
        InvalidKey => lang.pick(
            "Chave inválida: confira a chave alfanumérica mostrada pelo eproc (letras A-Z e números 2-7).",
            "Invalid key: check the alphanumeric key eproc shows (letters A-Z and digits 2-7).",
        ),
        KeyExists => lang.pick(
            "Já existe outra chave para este usuário neste tribunal. Para substituí-la, confirme a substituição.",
            "Another key already exists for this user at this court. Confirm to replace it.",
        ),
        ConfirmRequired => lang.pick(
            "Confirme a remoção: a chave será apagada do chaveiro do sistema.",
            "Confirm the removal: the key will be deleted from the system keyring.",
        ),
        KeyringUnavailable => lang.pick(
            "O chaveiro do sistema não está disponível (Secret Service/Keychain/Gerenciador de Credenciais). No Linux, instale e inicie o gnome-keyring ou o KWallet e entre novamente na sessão.",
            "The system keyring is not available (Secret Service/Keychain/Credential Manager). On Linux, install and start gnome-keyring or KWallet and log in again.",
        ),
        KeyringLocked => lang.pick(
            "O chaveiro do sistema está bloqueado. Desbloqueie-o (entre na sessão ou abra o gerenciador de senhas) e tente de novo.",
            "The system keyring is locked. Unlock it (log in or open the password manager) and try again.",
        ),
        KeyringError => lang.pick(
            "O chaveiro do sistema recusou a operação. Rode 'eproc-a2f doctor' para ver o motivo.",
            "The system keyring refused the operation. Run 'eproc-a2f doctor' to see why.",
        ),
        SecretMissing => lang.pick(
            "A conta existe no índice mas a chave não está no chaveiro. Rode 'eproc-a2f doctor' e cadastre a chave de novo a partir do seu backup.",
            "The account is in the index but its key is not in the keyring. Run 'eproc-a2f doctor' and enroll the key again from your backup.",
        ),
        IndexCorrupt => lang.pick(
            "O índice de contas está corrompido; nenhuma chave foi apagada. Rode 'eproc-a2f doctor' para reconstruí-lo a partir do chaveiro.",
            "The account index is corrupted; no key was deleted. Run 'eproc-a2f doctor' to rebuild it from the keyring.",
        ),
        StorageError => lang.pick(
            "Não foi possível gravar o índice de contas (disco cheio ou pasta sem permissão). Nada foi perdido.",
            "Could not write the account index (disk full or folder not writable). Nothing was lost.",
        ),
        Busy => lang.pick(
            "Outro processo do eproc-a2f está gravando; tente de novo em instantes.",
            "Another eproc-a2f process is writing; try again in a moment.",
        ),
        InternalError => lang.pick(
            "Erro interno do eproc-a2f. Nada foi perdido; informe o problema.",
            "Internal eproc-a2f error. Nothing was lost; please report it.",
        ),
        ImportTooLarge => lang.pick(
            "Arquivo grande demais para importar (limite de 8 MiB). Nada foi importado.",
            "File too large to import (limit 8 MiB). Nothing was imported.",
        ),
        ImportUnknownFormat => lang.pick(
            "Formato de arquivo desconhecido. Use a exportação do Google Authenticator (QR), Aegis, 2FAS, Bitwarden (JSON sem criptografia), KeePassXC (CSV/XML) ou linhas otpauth://.",
            "Unknown file format. Use an export of Google Authenticator (QR), Aegis, 2FAS, Bitwarden (unencrypted JSON), KeePassXC (CSV/XML) or otpauth:// lines.",
        ),
        ImportInvalid => lang.pick(
            "O arquivo está danificado ou incompleto. Nada foi importado; exporte de novo no aplicativo.",
            "The file is damaged or incomplete. Nothing was imported; export it again in the app.",
        ),
        ImportPasswordRequired => lang.pick(
            "Este arquivo é protegido por senha: informe a senha da exportação.",
            "This file is password-protected: give the export's password.",
        ),
        ImportWrongPassword => lang.pick(
            "Senha incorreta para este arquivo. Nada foi importado.",
            "Wrong password for this file. Nothing was imported.",
        ),
        ImportEmpty => lang.pick(
            "O arquivo não contém nenhuma conta.",
            "The file holds no account.",
        ),
        ExportRefused => lang.pick(
            "Com o eproc-a2f instalado no computador, as chaves só saem do chaveiro pelo terminal: eproc-a2f export --format google-migration --qr ARQUIVO.png",
            "With eproc-a2f installed on the computer, keys leave the keyring only from a terminal: eproc-a2f export --format google-migration --qr FILE.png",
        ),
        CodeWithheld => CODE_WITHHELD.pick(lang),
        NothingToRestore => lang.pick(
            "Não há chave anterior guardada para esta conta: nada a restaurar.",
            "No previous key is kept for this account: nothing to restore.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_two_distinct_texts() {
        for c in ErrorCode::ALL {
            let pt = error_message(c, Lang::PtBr);
            let en = error_message(c, Lang::En);
            assert!(!pt.is_empty() && !en.is_empty());
            assert_ne!(pt, en, "{c:?}");
        }
    }

    #[test]
    fn locale_detection_defaults_to_portuguese() {
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("pt_BR.UTF-8"), Lang::PtBr);
        assert_eq!(Lang::from_locale(""), Lang::PtBr);
        assert_eq!(Lang::from_locale("C"), Lang::PtBr);
    }
}
