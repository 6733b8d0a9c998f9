import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeSource, type PortLike } from '../src/background/sources/native';
import { SourceManager } from '../src/background/sources/select';
import type { CodeSource, ProtocolAnswer, ProtocolRequest } from '../src/background/sources/types';
import { effectiveSettings, type ManagedSettings, type UserSettings } from '../src/shared/settings';

/** A fake native port: `reply` decides the answer to each posted message (or null: none). */
function fakeConnect(reply: (msg: Record<string, unknown>, port: FakePort) => unknown) {
  const ports: FakePort[] = [];
  const connect = () => {
    const p = new FakePort(reply);
    ports.push(p);
    return p;
  };
  return { connect, ports };
}

class FakePort implements PortLike {
  msgL: ((m: unknown) => void)[] = [];
  discL: ((p: unknown) => void)[] = [];
  posted: Record<string, unknown>[] = [];
  disconnected = false;
  constructor(private reply: (msg: Record<string, unknown>, port: FakePort) => unknown) {}
  postMessage(msg: unknown) {
    if (this.disconnected) throw new Error('Attempt to postMessage on disconnected port');
    const m = msg as Record<string, unknown>;
    this.posted.push(m);
    const r = this.reply(m, this);
    if (r !== null && r !== undefined) queueMicrotask(() => this.msgL.forEach((f) => f(r)));
  }
  disconnect() { this.disconnected = true; }
  die(message: string) {
    this.disconnected = true;
    this.discL.forEach((f) => f({ error: { message } }));
  }
  onMessage = { addListener: (f: (m: unknown) => void) => void this.msgL.push(f) };
  onDisconnect = { addListener: (f: (p: unknown) => void) => void this.discL.push(f) };
}

test('one port for many requests, answers matched by id (out of order too)', async () => {
  const held: { m: Record<string, unknown>; p: FakePort }[] = [];
  const { connect, ports } = fakeConnect((m, p) => {
    held.push({ m, p });
    return null;
  });
  const src = new NativeSource(connect);
  const a = src.request({ type: 'hello' });
  const b = src.request({ type: 'code', url: 'https://eproc.trf4.jus.br/eproc2trf4/' });
  assert.equal(ports.length, 1);
  const [h1, h2] = held;
  assert.notEqual(h1!.m.id, h2!.m.id);
  h2!.p.msgL.forEach((f) => f({ id: h2!.m.id, ok: true, code: '123456' }));
  h1!.p.msgL.forEach((f) => f({ id: h1!.m.id, ok: true, protocol: 1 }));
  assert.equal(((await b) as Record<string, unknown>).code, '123456');
  assert.equal(((await a) as Record<string, unknown>).protocol, 1);
});

test('a host that is not installed rejects with host_not_installed; the next request reconnects', async () => {
  let n = 0;
  const { connect, ports } = fakeConnect((m, p) => {
    n++;
    if (n === 1) {
      queueMicrotask(() => p.die('Specified native messaging host not found.'));
      return null;
    }
    return { id: m.id, ok: true, protocol: 1 };
  });
  const src = new NativeSource(connect);
  await assert.rejects(src.request({ type: 'hello' }), (e: { code?: string }) => e.code === 'host_not_installed');
  const ok = await src.request({ type: 'hello' });
  assert.equal(ok.ok, true);
  assert.equal(ports.length, 2);
});

test('requests time out without killing the port', async () => {
  const { connect, ports } = fakeConnect((m) => (m.type === 'hello' ? { id: m.id, ok: true } : null));
  const src = new NativeSource(connect, { default: 30, enroll: 30 });
  await assert.rejects(src.request({ type: 'code', url: 'x' }), (e: { code?: string }) => e.code === 'host_timeout');
  assert.equal((await src.request({ type: 'hello' })).ok, true);
  assert.equal(ports.length, 1);
  src.close();
});

function staticSource(kind: 'native' | 'browser', answer: (r: ProtocolRequest) => ProtocolAnswer | Error): CodeSource & { calls: ProtocolRequest[] } {
  const calls: ProtocolRequest[] = [];
  return {
    kind, calls,
    async request(r) {
      calls.push(r);
      const a = answer(r);
      if (a instanceof Error) throw a;
      return a;
    },
    close() {},
  };
}

function manager(user: UserSettings, managed: ManagedSettings, native: CodeSource, browser: CodeSource) {
  return new SourceManager(async () => effectiveSettings(user, managed), async () => browser, () => native as unknown as NativeSource);
}

const { TransportError } = await import('../src/background/sources/native');
const notInstalled = () => new TransportError('host_not_installed', 'Specified native messaging host not found.');

test('auto: native when hello works', async () => {
  const native = staticSource('native', (r) => ({ id: 1, ok: true, type: r.type }));
  const browser = staticSource('browser', () => ({ id: 1, ok: true }));
  const m = manager({ mode: 'auto', autoSubmit: false }, {}, native, browser);
  assert.equal(((await m.current()) as CodeSource).kind, 'native');
  assert.equal(browser.calls.length, 0);
});

test('auto: browser mode when the host is missing, unless the policy forbids it', async () => {
  const native = staticSource('native', notInstalled);
  const browser = staticSource('browser', () => ({ id: 1, ok: true }));
  let m = manager({ mode: 'auto', autoSubmit: false }, {}, native, browser);
  assert.equal(((await m.current()) as CodeSource).kind, 'browser');
  m = manager({ mode: 'auto', autoSubmit: false }, { allowBrowserStorage: false }, native, browser);
  assert.equal(((await m.current()) as CodeSource).kind, 'native');
  const a = await m.request({ type: 'code', url: 'https://eproc.trf4.jus.br/eproc2trf4/' });
  assert.equal(!a.ok && a.error.code, 'host_not_installed');
});

test('auto: when browser mode is unavailable too, the native error is what people see', async () => {
  const native = staticSource('native', notInstalled);
  const browser = staticSource('browser', () => ({ id: null, ok: false, error: { code: 'browser_mode_unavailable', message: '' } }));
  const m = manager({ mode: 'auto', autoSubmit: false }, {}, native, browser);
  const a = await m.request({ type: 'hello' });
  assert.equal(!a.ok && a.error.code, 'host_not_installed');
});

test('managed mode wins over the user option', async () => {
  const native = staticSource('native', () => ({ id: 1, ok: true }));
  const browser = staticSource('browser', () => ({ id: 1, ok: true }));
  const m = manager({ mode: 'browser', autoSubmit: false }, { mode: 'native' }, native, browser);
  assert.equal(((await m.current()) as CodeSource).kind, 'native');
  const m2 = manager({ mode: 'browser', autoSubmit: false }, { mode: 'browser', allowBrowserStorage: false }, native, browser);
  // contradictory policy: no keys in the browser beats mode=browser
  assert.equal(((await m2.current()) as CodeSource).kind, 'native');
});
