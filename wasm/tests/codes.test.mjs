// The WASM core and the native side give identical codes: a property test over random keys
// (10/20/32 bytes), algorithms (SHA1/256/512), digits (6/7/8), periods and times, against
// `oathtool` (an independent RFC 6238 implementation) and, when it is built and a keyring is
// reachable, the native host's CLI (`eproc-a2f code <system> --time T`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, base32, loadCore, rng } from './helpers.mjs';

const core = await loadCore();
const SEED = Number(process.env.EPROC_TEST_SEED ?? 20261129);
const CASES = Number(process.env.EPROC_TEST_CASES ?? 240);
const ALGS = ['SHA1', 'SHA256', 'SHA512'];

function cases(n, seed) {
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const len = [10, 20, 32][Math.floor(r() * 3)];
    const key = Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
    out.push({
      secret: base32(key),
      algorithm: ALGS[i % 3],
      digits: i % 5 === 4 ? 7 : [6, 8][Math.floor(r() * 2)],
      period: r() < 0.8 ? 30 : 60,
      // 1970 .. 2242, plus the 2038 boundary region
      t: i % 17 === 0 ? 2 ** 31 - 30 + Math.floor(r() * 60) : Math.floor(r() * 2 ** 33),
    });
  }
  return out;
}

function oathtool(c) {
  const r = spawnSync('oathtool', [
    `--totp=${c.algorithm.toLowerCase()}`, '-d', String(c.digits), '-s', `${c.period}s`,
    '--now', `@${c.t}`, '--base32', c.secret,
  ], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`oathtool failed: ${r.error ?? r.stderr}`);
  return r.stdout.trim();
}

const haveOathtool = spawnSync('oathtool', ['--version']).status === 0;

test(`WASM code_at equals oathtool on ${CASES} random cases (seed ${SEED})`, { skip: !haveOathtool && 'oathtool not installed (apt-get install oathtool)' }, () => {
  const seen = { SHA1: 0, SHA256: 0, SHA512: 0, len10: 0, len20: 0, len32: 0, d6: 0, d8: 0 };
  for (const c of cases(CASES, SEED)) {
    const params = JSON.stringify({ algorithm: c.algorithm, digits: c.digits, period: c.period });
    const mine = core.code_at(c.secret, params, c.t);
    assert.equal(mine, oathtool(c), `case ${JSON.stringify({ ...c, secret: `<${c.secret.length} chars>` })}`);
    seen[c.algorithm]++;
    seen[`len${Math.floor((c.secret.length * 5) / 8)}`]++;
    if (c.digits === 6 || c.digits === 8) seen[`d${c.digits}`]++;
  }
  for (const [k, v] of Object.entries(seen)) assert.ok(v > 10, `too few cases with ${k}: ${v}`);
});

test('the protocol answer (handle: enroll, then code peek) carries the same codes', { skip: !haveOathtool && 'no oathtool' }, () => {
  for (const c of cases(60, SEED + 1)) {
    const nowMs = c.t * 1000 + 1234;
    const url = 'https://eproc.trf4.jus.br/eproc2trf4/';
    let out = JSON.parse(core.handle(JSON.stringify({ id: 1, type: 'enroll', url, user: 'RS1', secret: c.secret,
      algorithm: c.algorithm, digits: c.digits === 7 ? 6 : c.digits, period: c.period }), '', nowMs, 'en'));
    assert.equal(out.answer.ok, true, JSON.stringify(out.answer));
    const vault = out.vault;
    out = JSON.parse(core.handle(JSON.stringify({ id: 2, type: 'code', authenticator: 'trf4', peek: true }), vault, nowMs, 'en'));
    assert.equal(out.answer.ok, true);
    assert.equal(out.vault, null, 'peek changes nothing');
    assert.equal(out.answer.code, oathtool({ ...c, digits: c.digits === 7 ? 6 : c.digits }));
  }
});

test('RFC 6238 appendix B vectors through the WASM module', () => {
  const seed = (n) => base32(new TextEncoder().encode('1234567890'.repeat(7).slice(0, n)));
  const p = (algorithm) => JSON.stringify({ algorithm, digits: 8, period: 30 });
  assert.equal(core.code_at(seed(20), p('SHA1'), 59), '94287082');
  assert.equal(core.code_at(seed(32), p('SHA256'), 1111111109), '68084774');
  assert.equal(core.code_at(seed(64), p('SHA512'), 20000000000), '47863826');
});

// ---------------------------------------------------------------- the native host's CLI (optional)

const HOST = process.env.EPROC_A2F_BIN ?? join(ROOT, 'target', 'release', 'eproc-a2f');
function hostUsable() {
  if (!existsSync(HOST)) return `${HOST} not built`;
  if (!process.env.DBUS_SESSION_BUS_ADDRESS && process.platform === 'linux') return 'no Secret Service session (run inside dbus-run-session with gnome-keyring)';
  return null;
}
const hostSkip = hostUsable();

test('the native host CLI gives the same codes as the WASM core (12 keys x 17 times)', { skip: hostSkip ?? false }, () => {
  const config = mkdtempSync(join(tmpdir(), 'eproc-a2f-cfg-'));
  const env = { ...process.env, EPROC_A2F_CONFIG_DIR: config, LANG: 'en_US.UTF-8' };
  const run = (args, input) => spawnSync(HOST, args, { env, input, encoding: 'utf8' });
  const users = [];
  const r = rng(SEED + 2);
  let compared = 0;
  try {
    for (const [i, c] of cases(12, SEED + 3).entries()) {
      const user = `wasmprop${process.pid}x${i}`;
      const digits = c.digits === 7 ? 6 : c.digits;
      const add = run(['add', 'trf4', '--user', user, '--secret-stdin', '--algorithm', c.algorithm, '--digits', String(digits), '--period', String(c.period), '--replace'], c.secret + '\n');
      assert.equal(add.status, 0, `add failed: ${add.stderr}`);
      users.push(user);
      const params = JSON.stringify({ algorithm: c.algorithm, digits, period: c.period });
      for (let k = 0; k < 17; k++) {
        const t = Math.floor(r() * 2 ** 33);
        const code = run(['code', 'trf4', '--user', user, '--time', String(t)]);
        assert.equal(code.status, 0, `code failed: ${code.stderr}`);
        assert.equal(code.stdout.trim(), core.code_at(c.secret, params, t), `key ${i} (${c.algorithm}, ${digits} digits, ${c.period} s) at ${t}`);
        compared++;
      }
    }
    assert.ok(compared >= 200);
  } finally {
    for (const u of users) run(['remove', 'trf4', '--user', u, '--yes']);
    rmSync(config, { recursive: true, force: true });
  }
});
