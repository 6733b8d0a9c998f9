import { test } from 'node:test';
import assert from 'node:assert/strict';
import { format, pageLang } from '../src/content/page-i18n';
import { dom } from './helpers';
import pt from '../_locales/pt_BR/messages.json';
import en from '../_locales/en/messages.json';

test('in-page texts follow the page language (pt-BR unless the page says English)', () => {
  const d = dom('');
  d.documentElement.setAttribute('lang', 'pt-br');
  assert.equal(pageLang(d), 'pt_BR');
  d.documentElement.removeAttribute('lang');
  assert.equal(pageLang(d), 'pt_BR');
  d.documentElement.setAttribute('lang', 'en-US');
  assert.equal(pageLang(d), 'en');
});

test('chrome.i18n-style placeholders', () => {
  assert.equal(format(pt, 'waitingText', ['4']), 'O código atual expira em instantes; o próximo será preenchido em 4 s.');
  assert.equal(format(en, 'filledText', ['RS123']), 'Account: RS123');
  assert.equal(format(en, 'noSuchKey'), 'noSuchKey');
  assert.match(format(pt, 'err_keyring_locked'), /chaveiro/);
});
