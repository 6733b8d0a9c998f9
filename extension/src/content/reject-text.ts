// The court's words for a refused code, shared by the content script and the MAIN-world hook
// (main-world.ts): kept tiny, free of DOM and extension APIs.

/** Lower case, accents removed, runs of white space as one space. */
export function normalize(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** eproc's message for a refused code (pt-BR, and the English some themes use). */
const STRICT = [/codigo (?:do )?autenticador invalido/, /codigo de autenticacao invalido/, /invalid authenticator code/];
/** In a message box of the code page, a shorter "código inválido" / "invalid code" is enough. */
const LOOSE = [...STRICT, /codigo (?:informado |de acesso |de verificacao )?(?:e |esta )?invalido/, /invalid (?:otp |totp |verification )?code/, /code is invalid/];

/** A text that says the court refused the code. `strict`: only eproc/Keycloak's full sentence
 * (used for text anywhere on the page); otherwise also the short forms (message boxes, alerts). */
export function isRejectionText(text: string, strict = false): boolean {
  if (!text || text.length > 2000) return false;
  const n = normalize(text);
  return (strict ? STRICT : LOOSE).some((re) => re.test(n));
}

/** Marker of the MAIN-world hook's window messages (main-world.ts → channel.ts). */
export const MAIN_WORLD_MARK = '__eprocA2fMainWorld_v1';
