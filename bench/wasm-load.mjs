#!/usr/bin/env node
// Benchmark (not a test): what a cold start of browser mode costs, i.e. an MV3 service worker woken
// by a login page after it was stopped for being idle: compile + instantiate the WASM module it
// needs, then answer one page code. Each sample runs in a fresh node process (V8 caches compiled
// modules within a process), interleaving the login module (what a login needs now) and the full
// module (what it needed before). Prints medians and p95 in ms; writes JSON to argv[3] if given.
//   node bench/wasm-load.mjs [SAMPLES] [OUT.json]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PKG = process.env.EPROC_WASM_PKG ?? join(ROOT, 'target', 'wasm-pkg');

if (process.argv[2] === '--child') {
  const which = process.argv[3];
  const glueFile = which === 'login' ? 'eproc_a2f_wasm_login.js' : 'eproc_a2f_wasm.js';
  const bytes = readFileSync(join(PKG, glueFile.replace('.js', '_bg.wasm')));
  const glue = await import(pathToFileURL(join(PKG, glueFile)).href);
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const t0 = performance.now();
  const module = new WebAssembly.Module(bytes);
  const tc = performance.now();
  glue.initSync({ module });
  const t1 = performance.now();
  let code;
  if (which === 'login') {
    const c = glue.choose('https', false, 'eproc.trf2.jus.br', '', '/eproc/index.php', '', ['trf2'], ['u'], undefined, 'pt-BR');
    const k = glue.code(secret, 'SHA1', 6, 30, Date.now(), undefined, false);
    code = k.code;
    c.free(); k.free();
  } else {
    const vault = JSON.stringify({ format: 'eproc-a2f-vault', v: 1, accounts: [{ authenticator: 'trf2', user: 'u', secret }] });
    code = JSON.parse(glue.handle('{"id":1,"type":"code","url":"https://eproc.trf2.jus.br/eproc/index.php"}', vault, Date.now(), 'pt-BR')).answer.code;
  }
  const t2 = performance.now();
  if (!/^\d{6}$/.test(code)) throw new Error(`no code from ${which}`);
  process.stdout.write(JSON.stringify({ compile: tc - t0, instantiate: t1 - t0, first_code: t2 - t1 }));
  process.exit(0);
}

const samples = Number(process.argv[2] ?? 30);
const out = { login: [], full: [] };
for (let i = 0; i < samples; i++) {
  for (const which of ['login', 'full']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', which], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    out[which].push(JSON.parse(r.stdout));
  }
}
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const summary = {};
for (const which of ['login', 'full']) {
  const tot = out[which].map((x) => x.instantiate + x.first_code);
  summary[which] = {
    compile_median_ms: q(out[which].map((x) => x.compile), 0.5),
    instantiate_median_ms: q(out[which].map((x) => x.instantiate), 0.5),
    first_code_median_ms: q(out[which].map((x) => x.first_code), 0.5),
    total_median_ms: q(tot, 0.5),
    total_p95_ms: q(tot, 0.95),
  };
  const s = summary[which];
  console.log(`${which.padEnd(5)} module: compile ${s.compile_median_ms.toFixed(2)} ms, compile+instantiate ${s.instantiate_median_ms.toFixed(2)} ms, first page code ${s.first_code_median_ms.toFixed(2)} ms; total median ${s.total_median_ms.toFixed(2)} ms, p95 ${s.total_p95_ms.toFixed(2)} ms (${samples} fresh processes)`);
}
if (process.argv[3]) writeFileSync(process.argv[3], JSON.stringify({ samples, summary }, null, 2));
