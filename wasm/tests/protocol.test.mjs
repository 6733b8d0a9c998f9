// The WASM core and the native host answer the same protocol: one sequence of requests (enroll,
// duplicates, bad keys, accounts, peek, fill, foreign sites, remove, malformed frames) sent to the
// real host binary in host mode over native-messaging frames, and to the WASM `handle` over a JSON
// vault; the answers must be equal except the fields that depend on the process (hello's mode and
// store) and on the instant (created, valid_for_s, wait_ms). Needs the built host and a Secret
// Service (scripts/with-keyring.sh); skipped otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, loadCore } from './helpers.mjs';

const HOST = process.env.EPROC_A2F_BIN ?? join(ROOT, 'target', 'release', 'eproc-a2f');
const CALLER = 'chrome-extension://phjpcgphmkfhfkbfpbodepiflibgalle/';
const skip = !existsSync(HOST) ? `${HOST} not built`
  : !process.env.DBUS_SESSION_BUS_ADDRESS ? 'no Secret Service session (run inside scripts/with-keyring.sh)' : false;

const KEY = 'MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW';
const TRF4 = 'https://eproc.trf4.jus.br/eproc2trf4/index.php';
const JFPR_SSO = 'https://eproc-sso.trf4.jus.br/realms/eproc/login-actions/authenticate?client_id=eproc.jfpr.jus.br';
const user = `proto${process.pid}`;
const REQUESTS = [
  { type: 'hello' },
  { type: 'systems' },
  { type: 'enroll', url: TRF4, user, secret: KEY, label: 'Escritório' },
  { type: 'enroll', url: TRF4, user: user.toUpperCase(), secret: KEY.toLowerCase() },
  { type: 'enroll', url: TRF4, user, secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' },
  { type: 'enroll', url: TRF4, user, secret: 'MMZD IMR0' },
  { type: 'enroll', url: 'http://eproc.trf4.jus.br/eproc2trf4/', user, secret: KEY },
  { type: 'accounts' },
  { type: 'accounts', url: 'https://eproc1g.tjrs.jus.br/eproc/' },
  { type: 'code', authenticator: 'trf4', peek: true },
  { type: 'code', url: JFPR_SSO },
  { type: 'code', url: TRF4, user: 'someone-else' },
  { type: 'code', url: 'https://eproc.trf4.jus.br.evil.example/eproc2trf4/' },
  { type: 'code', url: 'https://eproc.trf4.jus.br:8443/eproc2trf4/' },
  { type: 'remove', authenticator: 'trf4', user },
  { type: 'remove', url: TRF4, user, confirm: true },
  { type: 'code', url: TRF4 },
  { type: 'steal' },
  { type: 'code', url: 42 },
];

function frames(list) {
  const bufs = [];
  for (const body of list) {
    const b = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    bufs.push(len, b);
  }
  return Buffer.concat(bufs);
}

function readFrames(buf) {
  const out = [];
  for (let i = 0; i + 4 <= buf.length;) {
    const n = buf.readUInt32LE(i);
    out.push(JSON.parse(buf.subarray(i + 4, i + 4 + n).toString('utf8')));
    i += 4 + n;
  }
  return out;
}

/** Drops what depends on the process or the instant. */
function comparable(a) {
  const c = structuredClone(a);
  delete c.valid_for_s;
  delete c.wait_ms;
  if (c.mode) delete c.mode;
  if (c.store) delete c.store;
  for (const acc of c.accounts ?? []) delete acc.created;
  return c;
}

test('the native host and the WASM core give the same answers', { skip }, async () => {
  const core = await loadCore();
  const bodies = [...REQUESTS.map((r, i) => ({ id: i + 1, ...r })), '{"id": 99, "type": "code", '];
  for (let attempt = 0; attempt < 3; attempt++) {
    const config = mkdtempSync(join(tmpdir(), 'eproc-a2f-proto-'));
    try {
      const t0 = Date.now();
      const r = spawnSync(HOST, [CALLER], { input: frames(bodies), env: { ...process.env, EPROC_A2F_CONFIG_DIR: config } });
      const t1 = Date.now();
      assert.equal(r.status, 0, `host exited ${r.status}: ${r.stderr}`);
      const host = readFrames(r.stdout);
      assert.equal(host.length, bodies.length);
      // Codes depend on the instant: retry when the 30 s step (or the 5 s fresh-code margin) changed meanwhile.
      const phase = (t) => [Math.floor(t / 30_000), (t % 30_000) >= 25_000];
      if (JSON.stringify(phase(t0)) !== JSON.stringify(phase(t1))) continue;
      let vault = '';
      for (const [i, body] of bodies.entries()) {
        const out = JSON.parse(core.handle(typeof body === 'string' ? body : JSON.stringify(body), vault, t0, 'pt-BR'));
        if (out.vault !== null) vault = out.vault;
        assert.deepEqual(comparable(out.answer), comparable(host[i]), `request ${i + 1} (${typeof body === 'string' ? 'bad frame' : body.type})`);
      }
      assert.equal(host[0].mode, 'native');
      assert.equal(host[2].ok, true, JSON.stringify(host[2]));
      assert.match(host[9].code, /^\d{6}$/);
      assert.equal(host[4].error.code, 'key_exists');
      assert.equal(host[19].error.code, 'invalid_json');
      return;
    } finally {
      spawnSync(HOST, ['remove', 'trf4', '--user', user, '--yes'], { env: { ...process.env } });
      rmSync(config, { recursive: true, force: true });
    }
  }
  assert.fail('the time step changed during every attempt');
});
