// How accounts are named for people (popup and options): by court, from the `accounts` answer's
// display names; the current tab's court first; the search ignores case and accents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountName, authenticatorOfUrl, courtScope, matchesSearch, orderAccounts } from '../src/popup/account-view';
import { codeGroups } from '../src/popup/code-view';

const also = (l: string) => `também ${l}`;
const trf4 = { authenticator: 'trf4', user: 'PR012345', label: null, systems: ['trf4', 'jfpr', 'jfsc', 'jfrs'], title: 'TRF4', systems_short: ['TRF4', 'JFPR', 'JFSC', 'JFRS'] };
const tjrs = { authenticator: 'tjrs', user: 'RS1', label: 'Escritório', systems: ['tjrs-1g', 'tjrs-2g'], title: 'TJRS', systems_short: ['TJRS 1º grau', 'TJRS 2º grau'] };

test('accounts are titled by court, the way courts call themselves', () => {
  assert.deepEqual(accountName(trf4, also), { heading: 'TRF4 · PR012345', detail: 'também JFPR, JFSC, JFRS', short: 'TRF4 · PR012345' });
  assert.equal(courtScope(tjrs, also), '1º e 2º grau');
  assert.deepEqual(accountName(tjrs, also), { heading: 'Escritório', detail: 'TJRS · RS1 · 1º e 2º grau', short: 'Escritório (TJRS · RS1)' });
  const one = { authenticator: 'trf2', user: 'X', label: null, systems: ['trf2'], title: 'TRF2', systems_short: ['TRF2'] };
  assert.equal(accountName(one, also).detail, '');
  // an older host without display names: the ids, never an empty title
  assert.equal(accountName({ authenticator: 'tjsc', user: 'S', label: null, systems: ['tjsc-1g'] }, also).heading, 'TJSC · S');
});

test('the current tab\'s court comes first; the URL match is by registry prefix only', () => {
  const systems = [{ authenticator: 'trf4', app: 'https://eproc.jfpr.jus.br/eprocV2/', login: ['https://eproc-sso.trf4.jus.br/realms/eproc/'] }];
  assert.equal(authenticatorOfUrl('https://eproc.jfpr.jus.br/eprocV2/x.php?a=1', systems), 'trf4');
  assert.equal(authenticatorOfUrl('https://eproc-sso.trf4.jus.br/realms/eproc/login', systems), 'trf4');
  assert.equal(authenticatorOfUrl('http://eproc.jfpr.jus.br/eprocV2/', systems), null);
  assert.equal(authenticatorOfUrl('https://eproc.jfpr.jus.br.evil.example/eprocV2/', systems), null);
  assert.equal(authenticatorOfUrl('https://eproc.jfpr.jus.br/eprocV2x/', systems), null);
  assert.deepEqual(orderAccounts([tjrs, trf4], 'trf4').map((a) => a.authenticator), ['trf4', 'tjrs']);
  assert.deepEqual(orderAccounts([trf4, tjrs], null).map((a) => a.authenticator), ['tjrs', 'trf4']);
});

test('search: court, other courts, user, label; no case, no accents', () => {
  assert.ok(matchesSearch(trf4, 'jfsc'));
  assert.ok(matchesSearch(trf4, 'trf4 pr01'));
  assert.ok(matchesSearch(tjrs, 'escritorio'));
  assert.ok(!matchesSearch(tjrs, 'jfpr'));
});

test('code groups: digits only, spacing is CSS', () => {
  assert.deepEqual(codeGroups('454375'), ['454', '375']);
  assert.deepEqual(codeGroups('12345678'), ['1234', '5678']);
  assert.deepEqual(codeGroups('1234567'), ['123', '4567']);
});
