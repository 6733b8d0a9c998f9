import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choiceList, pickUser } from '../src/shared/choose';
import { DEFAULT_USER_SETTINGS, effectiveSettings, parseManaged, parseUser } from '../src/shared/settings';
import { classifyNativeError, errorMessageKey } from '../src/shared/errors';
import { UserMemory } from '../src/background/user-memory';

test('user name: Keycloak attempted > typed field > session > background', () => {
  assert.equal(pickUser({ attempted: 'A', typed: 'B', session: 'C', remembered: 'D' }), 'A');
  assert.equal(pickUser({ attempted: '  ', typed: ' B ', session: 'C' }), 'B');
  assert.equal(pickUser({ typed: '', session: 'C', remembered: 'D' }), 'C');
  assert.equal(pickUser({ remembered: 'D' }), 'D');
  assert.equal(pickUser({}), null);
  assert.equal(pickUser({ typed: 'x'.repeat(300) }), null);
});

test('chooser entries from choose_account / unknown_account', () => {
  const list = choiceList({ code: 'choose_account', accounts: [{ user: 'RS1', label: 'Escritório' }, { user: 'RS2', label: null }, { user: 'RS1' }, { nope: 1 }] });
  assert.deepEqual(list, [{ user: 'RS1', label: 'Escritório' }, { user: 'RS2', label: null }]);
  assert.deepEqual(choiceList({ code: 'unknown_account' }), []);
});

test('managed settings: false and 0 count, junk is dropped, managed wins', () => {
  const m = parseManaged({ mode: 'native', allowBrowserStorage: false, autoSubmit: false, disableExport: 0, lockAfterMinutes: 0, extraSystems: [{ nope: 1 }] });
  assert.deepEqual(m, { mode: 'native', allowBrowserStorage: false, autoSubmit: false, disableExport: false, lockAfterMinutes: 0, extraSystems: [] });
  assert.deepEqual(parseManaged({ mode: 'cloud', autoSubmit: 'yes', lockAfterMinutes: -1 }), {});
  assert.deepEqual(parseManaged(undefined), {});
  const eff = effectiveSettings({ mode: 'browser', autoSubmit: true }, m);
  assert.equal(eff.mode, 'native');
  assert.equal(eff.autoSubmit, false);
  assert.equal(eff.allowBrowserStorage, false);
  assert.equal(eff.lockAfterMinutes, 0);
  assert.deepEqual(eff.managedKeys.sort(), ['allowBrowserStorage', 'autoSubmit', 'disableExport', 'extraSystems', 'lockAfterMinutes', 'mode']);
  // allowBrowserStorage false with a user choice of browser falls back to native
  assert.equal(effectiveSettings({ mode: 'browser', autoSubmit: false }, { allowBrowserStorage: false }).mode, 'native');
  // nothing managed: the user's choices
  const u = effectiveSettings({ mode: 'browser', autoSubmit: true }, {});
  assert.equal(u.mode, 'browser');
  assert.equal(u.autoSubmit, true);
  assert.deepEqual(u.managedKeys, []);
  assert.deepEqual(parseUser({ mode: 'x', autoSubmit: 'y' }), DEFAULT_USER_SETTINGS);
  assert.equal(DEFAULT_USER_SETTINGS.autoSubmit, false);
  // extraSystems as a JSON string (Windows registry policies) is accepted
  const sys = { id: 'tjxx-1g', court: 'TJXX', name: 'TJXX', app: 'https://eproc1g.tjxx.jus.br/eproc/', login_style: 'eproc', two_factor: 'obrigatorio', authenticator: 'tjxx-1g' };
  assert.deepEqual(parseManaged({ extraSystems: JSON.stringify([sys]) }).extraSystems, [sys]);
});

test('native messaging failures are classified (Chrome and Firefox wordings)', () => {
  assert.equal(classifyNativeError('Specified native messaging host not found.'), 'host_not_installed');
  assert.equal(classifyNativeError('No such native application io.github.eproc_a2f'), 'host_not_installed');
  assert.equal(classifyNativeError('Access to the specified native messaging host is forbidden.'), 'host_forbidden');
  assert.equal(classifyNativeError('Native host has exited.'), 'host_exited');
  assert.equal(errorMessageKey('keyring_locked'), 'err_keyring_locked');
  assert.equal(errorMessageKey('something_new'), 'err_unknown');
});

test('user names are remembered per tab and origin, survive a restart, expire', async () => {
  const store: Record<string, unknown> = {};
  const area = { get: async (k: string) => ({ [k]: store[k] }), set: async (o: Record<string, unknown>) => void Object.assign(store, o) };
  let now = 1_000_000;
  const m = new UserMemory(area, () => now);
  await m.remember(7, 'https://eproc.trf2.jus.br', 'RS123');
  assert.equal(await m.recall(7, 'https://eproc.trf2.jus.br'), 'RS123');
  assert.equal(await m.recall(7, 'https://eproc.jfrj.jus.br'), null);
  assert.equal(await m.recall(8, 'https://eproc.trf2.jus.br'), null);
  const restarted = new UserMemory(area, () => now);
  assert.equal(await restarted.recall(7, 'https://eproc.trf2.jus.br'), 'RS123');
  now += 2 * 60 * 60 * 1000;
  assert.equal(await restarted.recall(7, 'https://eproc.trf2.jus.br'), null);
  await m.remember(9, 'https://a', 'X');
  await m.forgetTab(9);
  assert.equal(await m.recall(9, 'https://a'), null);
});

test('extra systems by policy: only new, valid prefixes become patterns', async () => {
  const { extraPatterns } = await import('../src/background/extra-systems');
  const sys = (id: string, app: string, login: string[] = []) =>
    ({ id, court: 'X', name: id, app, login_style: 'eproc' as const, login, two_factor: 'obrigatorio', authenticator: id });
  const builtin = ['https://eproc.trf4.jus.br/eproc2trf4/*'];
  assert.deepEqual(
    extraPatterns([sys('a', 'https://eproc1g.tjxx.jus.br/eproc'), sys('b', 'http://bad.example/'), sys('c', 'https://eproc.trf4.jus.br/eproc2trf4/', ['https://sso.tjxx.jus.br/realms/eproc/'])], builtin),
    ['https://eproc1g.tjxx.jus.br/eproc/*', 'https://sso.tjxx.jus.br/realms/eproc/*'],
  );
});

test('the page URL is the sender top frame\'s, as the browser reports it', async () => {
  const { pageUrlOf } = await import('../src/background/sender');
  const tab = { id: 3, url: 'https://eproc.trf2.jus.br/eproc/index.php' } as chrome.tabs.Tab;
  const url = 'https://eproc.trf2.jus.br/eproc/index.php?acao=login';
  assert.deepEqual(pageUrlOf({ id: 'me', tab, frameId: 0, url }, 'me'), { url, tabId: 3 });
  assert.deepEqual(pageUrlOf({ id: 'me', tab, frameId: 2, url }, 'me'), { error: 'not_top_frame' });
  assert.deepEqual(pageUrlOf({ id: 'me', frameId: 0, url }, 'me'), { error: 'not_top_frame' });
  assert.deepEqual(pageUrlOf({ id: 'other', tab, frameId: 0, url }, 'me'), { error: 'extension_error' });
  assert.deepEqual(pageUrlOf({ id: 'me', tab: { ...tab, url: 'https://evil.example/' }, frameId: 0, url }, 'me'), { error: 'page_changed' });
  // without tab.url (no permission for it) the sender's URL stands
  assert.deepEqual(pageUrlOf({ id: 'me', tab: { ...tab, url: undefined }, frameId: 0, url }, 'me'), { url, tabId: 3 });
});
