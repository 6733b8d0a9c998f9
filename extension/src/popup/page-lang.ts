// Localizes an extension page: the shared data-i18n attributes, plus accessible names
// (data-i18n-aria) and <html lang>, which follows the language of the texts shown (the locale
// chrome.i18n picked), not a fixed "pt-BR".
import { localizeDocument, t } from '../shared/i18n';

export function localizePage(root: Document = document): void {
  localizeDocument(root);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria!));
  const lang = t('uiLang');
  root.documentElement.lang = lang === 'uiLang' ? 'pt-BR' : lang;
}
