import { ext } from './api';
import { errorMessageKey } from './errors';

/** A localized string from _locales (pt_BR by default). Returns the key itself when missing. */
export function t(key: string, subs?: string | string[]): string {
  const s = ext.i18n.getMessage(key, subs);
  return s === '' ? key : s;
}

/** The localized text for an error code (protocol or extension code). */
export function errorText(code: string): string {
  return t(errorMessageKey(code));
}

/** Fills every element with data-i18n="<key>" (textContent) and data-i18n-title (title). */
export function localizeDocument(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n!);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle!);
  for (const el of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder!);
  }
}
