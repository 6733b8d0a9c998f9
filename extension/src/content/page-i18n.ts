// In-page texts (banners, chooser, notices) speak the court page's language, not the browser's:
// eproc pages are Portuguese, so a lawyer with an English browser still gets pt-BR notices inside
// the pt-BR page. The strings are the same _locales files, bundled at build time.
import en from '../../_locales/en/messages.json';
import pt from '../../_locales/pt_BR/messages.json';

type Messages = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;

export type PageLang = 'pt_BR' | 'en';

/** `en` only when the page declares English; everything else (pt, none) is pt_BR. */
export function pageLang(doc: Document): PageLang {
  const l = (doc.documentElement.getAttribute('lang') ?? '').trim().toLowerCase();
  return l.startsWith('en') ? 'en' : 'pt_BR';
}

/** chrome.i18n-compatible formatting: named placeholders, then $1..$9, then $$ -> $. */
export function format(messages: Messages, key: string, subs: string[] = []): string {
  const m = messages[key] ?? (pt as Messages)[key];
  if (!m) return key;
  let s = m.message.replace(/\$([A-Za-z0-9_@]+)\$/g, (all, name: string) => {
    const ph = m.placeholders?.[name.toLowerCase()];
    return ph ? ph.content : all;
  });
  s = s.replace(/\$(\d)/g, (_a, n: string) => subs[Number(n) - 1] ?? '');
  return s.replace(/\$\$/g, '$');
}

let lang: PageLang | null = null;

export function t(key: string, subs?: string | string[]): string {
  lang ??= pageLang(document);
  const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
  return format((lang === 'en' ? en : pt) as Messages, key, list);
}
