// Every code-source state the popup and options can meet (docs/protocol.md `hello`, contract 3's
// OpenBao states included) gets a title, a text and one way out; "all is well" gets no box.
import { test } from 'node:test';
import assert from 'node:assert/strict';

(globalThis as unknown as { chrome: unknown }).chrome = { runtime: {}, i18n: { getMessage: (k: string, s?: string[]) => (s ? `${k}(${s.join(',')})` : k) } };
const { describeSource } = await import('../src/popup/status-view');

const hello = (store: Record<string, unknown>) => ({ ok: true, version: '0.1.0', store });
const native = (store: Record<string, unknown>) => describeSource({ mode: 'auto', source: 'native', hello: hello(store) });

test('all is well: no status box', () => {
  assert.equal(native({ state: 'ok', backend: 'secret-service' }).attention, false);
  const bm = describeSource({ mode: 'browser', source: 'browser', hello: hello({ state: 'ok', backend: 'browser' }) });
  assert.equal(bm.attention, false);
  assert.equal(bm.action, 'lock', 'browser mode keeps its lock button');
});

test('every store state has one clear way out', () => {
  for (const state of ['locked', 'unavailable', 'error', 'sealed', 'unreachable', 'token_expired', 'permission_denied', 'tls_error', 'something_new']) {
    const v = native({ state, backend: state === 'locked' ? 'secret-service' : 'openbao', address: 'https://bao.escritorio.example:8200' });
    assert.equal(v.attention, true, state);
    assert.ok(v.title && v.text, state);
    assert.equal(v.action, 'retry', state);
    if (['sealed', 'unreachable', 'permission_denied', 'tls_error'].includes(state)) assert.match(v.text, /bao\.escritorio\.example/, `${state} names the vault`);
  }
  assert.equal(native({ state: 'token_expired', backend: 'openbao' }).command, 'eproc-a2f store login');
});

test('host missing: what to install, the docs and the command; in auto mode browser mode is the quiet second way', () => {
  const v = describeSource({ mode: 'native', source: null, hello: { ok: false, error: { code: 'host_not_installed' } } });
  assert.equal(v.title, 'uiHostMissingTitle');
  assert.equal(v.command, 'eproc-a2f install');
  assert.equal(v.docs, true);
  assert.equal(v.alternative, undefined);
  const auto = describeSource({ mode: 'auto', source: 'browser', hello: hello({ state: 'not_set_up', backend: 'browser' }) });
  assert.equal(auto.title, 'uiHostMissingTitle');
  assert.equal(auto.alternative, 'browser-mode');
  const locked = describeSource({ mode: 'browser', source: 'browser', hello: hello({ state: 'locked', backend: 'browser' }) });
  assert.equal(locked.action, 'unlock');
  assert.equal(describeSource(null).state, 'extension_error');
});
