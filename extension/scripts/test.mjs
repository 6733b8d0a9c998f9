#!/usr/bin/env node
// Unit tests: bundles test/*.test.ts with esbuild (node platform, npm packages external) into a
// temporary folder and runs them with node's built-in test runner.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';

const EXT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(EXT_DIR, 'test');

// Type check first (strict TypeScript; tsc is fast).
const tsc = spawnSync(process.execPath, [join(EXT_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', EXT_DIR], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('typecheck failed');
  process.exit(1);
}
const only = process.argv.slice(2);
const files = readdirSync(testDir)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
// Inside node_modules so that the bundles' bare imports (jsdom, fflate...) resolve from ours.
const out = mkdtempSync(join(EXT_DIR, 'node_modules', '.eproc-a2f-test-'));
try {
  await esbuild.build({
    entryPoints: files.map((f) => join(testDir, f)),
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'error',
    define: { __REGISTRY_VERSION__: '"test"' },
    plugins: [{
      name: 'browser-mode',
      setup(b) {
        b.onResolve({ filter: /^@browser-mode$/ }, () => ({ path: join(EXT_DIR, 'src/background/browser-mode-fallback.ts') }));
        // The build script is imported as it is (it finds the repo from its own location).
        b.onResolve({ filter: /scripts\/build\.mjs$/ }, () => ({ path: join(EXT_DIR, 'scripts/build.mjs'), external: true }));
      },
    }],
  });
  const bundled = readdirSync(out).filter((f) => f.endsWith('.mjs')).map((f) => join(out, f));
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-force-exit', '--test-timeout=120000', ...bundled], {
    stdio: 'inherit',
    env: { ...process.env, NODE_PATH: join(EXT_DIR, 'node_modules'), EPROC_A2F_EXT_DIR: EXT_DIR },
  });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
