// Shared helpers of the node tests of the WASM core and of the extension's browser mode.
// The modules under test are the ones wasm/build.sh writes (target/wasm-pkg, or $EPROC_WASM_PKG).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PKG = process.env.EPROC_WASM_PKG ? resolve(process.env.EPROC_WASM_PKG) : join(ROOT, 'target', 'wasm-pkg');

function need(file) {
  const p = join(PKG, file);
  if (!existsSync(p)) throw new Error(`${p} is missing: run wasm/build.sh first`);
  return p;
}

export function coreBytes() {
  return readFileSync(need('eproc_a2f_wasm_bg.wasm'));
}

export function loginBytes() {
  return readFileSync(need('eproc_a2f_wasm_login_bg.wasm'));
}

export function qrBytes() {
  return readFileSync(need('eproc_a2f_wasm_qr_bg.wasm'));
}

/** The core glue, initialised synchronously from the bytes (wasm-bindgen --target web output). */
export async function loadCore() {
  const glue = await import(pathToFileURL(need('eproc_a2f_wasm.js')).href);
  glue.initSync({ module: coreBytes() });
  return glue;
}

export async function loadQrGlue() {
  const glue = await import(pathToFileURL(need('eproc_a2f_wasm_qr.js')).href);
  glue.initSync({ module: qrBytes() });
  return glue;
}

let browserMode = null;
/** extension/src/background/browser-mode/index.ts bundled for node by esbuild (glue included). */
export async function loadBrowserMode() {
  if (browserMode) return browserMode;
  need('eproc_a2f_wasm.js');
  need('eproc_a2f_wasm_login.js');
  need('eproc_a2f_wasm_qr.js');
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'eproc-a2f-bm-'));
  const out = join(dir, 'browser-mode.mjs');
  await esbuild.build({
    entryPoints: [join(ROOT, 'extension/src/background/browser-mode/index.ts')],
    outfile: out,
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    plugins: [{
      // The source imports the glue from target/wasm-pkg; tests may point elsewhere.
      name: 'wasm-pkg',
      setup(b) {
        b.onResolve({ filter: /target\/wasm-pkg\/[a-z_]+\.js$/ }, (a) => ({ path: join(PKG, a.path.split('/').pop()) }));
      },
    }],
  });
  const mod = await import(pathToFileURL(out).href);
  rmSync(dir, { recursive: true, force: true });
  await mod.loadCore(coreBytes());
  await mod.loadLogin(loginBytes());
  browserMode = mod;
  return mod;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export function base32(bytes) {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** A small deterministic PRNG (mulberry32) so that a failing case can be replayed from its seed. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * In-memory stand-in for chrome.storage.local / storage.session (promise API). The real storage is
 * exercised by the browser e2e suites (tests/e2e); this one can simulate the browser closing: after
 * `crashAfter` writes, that write and every later call throw, as if the process had died.
 */
export class FakeArea {
  constructor(data = new Map()) {
    this.data = data;
    this.writes = 0;
    this.crashAfter = Infinity;
    this.dead = false;
  }
  check() {
    if (this.dead) throw new Error('browser closed');
  }
  async get(keys) {
    this.check();
    const out = {};
    const list = keys == null ? [...this.data.keys()] : typeof keys === 'string' ? [keys] : keys;
    for (const k of list) if (this.data.has(k)) out[k] = structuredClone(this.data.get(k));
    return out;
  }
  write() {
    this.check();
    if (this.writes >= this.crashAfter) {
      this.dead = true;
      throw new Error('browser closed');
    }
    this.writes++;
  }
  async set(items) {
    this.write();
    for (const [k, v] of Object.entries(items)) this.data.set(k, structuredClone(v));
  }
  async remove(keys) {
    this.write();
    for (const k of typeof keys === 'string' ? [keys] : keys) this.data.delete(k);
  }
  /** The same data after a browser restart (a fresh, living area). */
  reopen() {
    return new FakeArea(this.data);
  }
  snapshot() {
    return JSON.stringify([...this.data.entries()].sort());
  }
}

/**
 * A stand-in for the native host: the same core `handle` over its own in-memory vault (the real
 * host runs that very handler over the OS keyring). It can die after `crashAfter` requests: the
 * request that kills it is processed (the key may be stored) but its answer never arrives.
 */
export class FakeNative {
  constructor(core, now = () => Date.now()) {
    this.kind = 'native';
    this.core = core;
    this.now = now;
    this.vault = '';
    this.requests = 0;
    this.crashAfter = Infinity;
    this.nextId = 1;
  }
  async request(req) {
    if (this.requests >= this.crashAfter) throw new Error('Native host has exited.');
    this.requests++;
    const out = JSON.parse(this.core.handle(JSON.stringify({ ...req, id: this.nextId++ }), this.vault, this.now(), 'en'));
    if (out.vault !== null) this.vault = out.vault;
    if (this.requests >= this.crashAfter) throw new Error('Native host has exited.');
    return out.answer;
  }
  close() {}
  /** {`authenticator/user`: base32 key} of what the host holds. */
  keys() {
    const v = this.vault ? JSON.parse(this.vault) : { accounts: [] };
    return Object.fromEntries(v.accounts.map((a) => [`${a.authenticator}/${a.user.toLowerCase()}`, a.secret]));
  }
}
