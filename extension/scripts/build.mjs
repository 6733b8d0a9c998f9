#!/usr/bin/env node
// Builds the unpacked extension (one manifest for Chromium browsers and Firefox).
//   node extension/scripts/build.mjs --out <DIR> [--zip <DIR>] [--no-minify]
// Reads <repo>/core/registry.json for the content-script match patterns, bundles the TypeScript
// with esbuild, copies _locales, static pages, schema.json, generated icons and (when present)
// <repo>/target/wasm-pkg/ to <DIR>/wasm/. With --zip, writes eproc-a2f-extension.zip (Chrome) and
// eproc-a2f.xpi (Firefox, same content) into that folder.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { zipSync } from 'fflate';
import { matchPatterns } from '../src/shared/patterns.js';
import { ICON_SIZES, iconPng } from './icons.mjs';

const EXT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = resolve(EXT_DIR, '..');

export const NATIVE_HOST_NAME = 'io.github.eproc_a2f';
export const GECKO_ID = 'eproc-a2f@eproc-a2f.github.io';

export function readRegistry() {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'core', 'registry.json'), 'utf8'));
}

export function buildManifest({ registry, version, key }) {
  const patterns = matchPatterns(registry.systems);
  const icons = Object.fromEntries(ICON_SIZES.map((s) => [String(s), `icons/icon-${s}.png`]));
  return {
    manifest_version: 3,
    name: '__MSG_extName__',
    short_name: 'eproc-a2f',
    description: '__MSG_extDescription__',
    version,
    default_locale: 'pt_BR',
    icons,
    key,
    browser_specific_settings: {
      gecko: {
        id: GECKO_ID,
        strict_min_version: '140.0',
        data_collection_permissions: { required: ['none'] },
      },
    },
    background: { service_worker: 'background.js', scripts: ['background.js'], type: 'module' },
    // webRequest (non-blocking, registry hosts only): the `Date` of the court's answers, for the
    // court clock (issue 10).
    permissions: ['nativeMessaging', 'storage', 'scripting', 'webRequest'],
    host_permissions: patterns,
    // Only for courts an administrator adds by policy (extraSystems); asked from the options page.
    optional_host_permissions: ['https://*/*'],
    // At document_start (issue 10): the content script sees the code field as it is parsed. The
    // MAIN-world script (src/content/main-world.ts) only reports the page's own alert() texts (the
    // court's rejection message) to the content script; it holds nothing and asks nothing.
    content_scripts: [
      {
        matches: patterns,
        js: ['content.js'],
        run_at: 'document_start',
        all_frames: false,
      },
      {
        matches: patterns,
        js: ['content-main.js'],
        run_at: 'document_start',
        all_frames: false,
        world: 'MAIN',
      },
    ],
    action: { default_popup: 'popup.html', default_title: '__MSG_extName__', default_icon: icons },
    options_ui: { page: 'options.html', open_in_tab: true },
    storage: { managed_schema: 'schema.json' },
    content_security_policy: { extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'" },
  };
}

/** Whether browser mode can be built: its module and the wasm-bindgen glue (wasm/build.sh) exist. */
export function browserModeAvailable() {
  return existsSync(join(EXT_DIR, 'src', 'background', 'browser-mode', 'index.ts')) &&
    existsSync(join(REPO_ROOT, 'target', 'wasm-pkg', 'eproc_a2f_wasm.js'))
    && existsSync(join(REPO_ROOT, 'target', 'wasm-pkg', 'eproc_a2f_wasm_login.js'));
}

/** Resolves `@browser-mode` to the browser-mode module, or to the fallback (answers
 * `browser_mode_unavailable`) when it or the WASM build is absent, so the extension always builds. */
const browserModePlugin = {
  name: 'browser-mode',
  setup(build) {
    build.onResolve({ filter: /^@browser-mode$/ }, () => ({
      path: browserModeAvailable()
        ? join(EXT_DIR, 'src', 'background', 'browser-mode', 'index.ts')
        : join(EXT_DIR, 'src', 'background', 'browser-mode-fallback.ts'),
    }));
  },
};

function listFiles(dir, base = dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, base));
    else out.push(relative(base, p).split('\\').join('/'));
  }
  return out.sort();
}

function writeZip(srcDir, file) {
  const entries = {};
  // A fixed date keeps archives byte-identical across builds of the same tree.
  const mtime = new Date('2026-01-01T00:00:00Z');
  for (const rel of listFiles(srcDir)) entries[rel] = [readFileSync(join(srcDir, rel)), { mtime }];
  writeFileSync(file, zipSync(entries, { level: 9 }));
}

export async function build({ out, zip = null, minify = true, quiet = false }) {
  out = resolve(out);
  if (out === REPO_ROOT || out === EXT_DIR || out === '/' || REPO_ROOT.startsWith(out + '/')) {
    throw new Error(`refusing to use ${out} as output folder`);
  }
  const registry = readRegistry();
  const pkg = JSON.parse(readFileSync(join(EXT_DIR, 'package.json'), 'utf8'));
  const key = readFileSync(join(REPO_ROOT, 'manifest', 'extension-key.b64'), 'utf8').trim();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const common = {
    bundle: true,
    minify,
    sourcemap: false,
    legalComments: 'none',
    target: ['chrome120', 'firefox128'],
    logLevel: quiet ? 'error' : 'warning',
    plugins: [browserModePlugin],
    define: { __REGISTRY_VERSION__: JSON.stringify(registry.version) },
  };
  await esbuild.build({
    ...common,
    entryPoints: { background: join(EXT_DIR, 'src/background/index.ts') },
    format: 'esm',
    outdir: out,
  });
  // The MAIN-world script (CONTENT's src/content/main-world.ts); an empty one until it exists, so
  // the manifest's entry always has its file.
  const mainWorld = join(EXT_DIR, 'src/content/main-world.ts');
  if (!existsSync(mainWorld)) writeFileSync(join(out, 'content-main.js'), '');
  await esbuild.build({
    ...common,
    entryPoints: {
      ...(existsSync(mainWorld) ? { 'content-main': mainWorld } : {}),
      content: join(EXT_DIR, 'src/content/index.ts'),
      popup: join(EXT_DIR, 'src/popup/popup.ts'),
      options: join(EXT_DIR, 'src/options/options.ts'),
    },
    format: 'iife',
    outdir: out,
  });

  cpSync(join(EXT_DIR, '_locales'), join(out, '_locales'), { recursive: true });
  cpSync(join(EXT_DIR, 'static'), out, { recursive: true });
  cpSync(join(EXT_DIR, 'schema.json'), join(out, 'schema.json'));
  mkdirSync(join(out, 'icons'), { recursive: true });
  for (const s of ICON_SIZES) writeFileSync(join(out, 'icons', `icon-${s}.png`), iconPng(s));
  const wasmPkg = join(REPO_ROOT, 'target', 'wasm-pkg');
  if (existsSync(wasmPkg)) {
    cpSync(wasmPkg, join(out, 'wasm'), {
      recursive: true,
      // the glue is bundled into background.js; only the modules (and the glue for reference) ship
      filter: (p) => p === wasmPkg || /\.(wasm|js)$/.test(p),
    });
  }
  const manifest = buildManifest({ registry, version: pkg.version, key });
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  if (zip) {
    const zdir = resolve(zip);
    mkdirSync(zdir, { recursive: true });
    writeZip(out, join(zdir, 'eproc-a2f-extension.zip'));
    writeZip(out, join(zdir, 'eproc-a2f.xpi'));
  }
  if (!quiet) {
    if (!browserModeAvailable()) {
      console.warn('warning: target/wasm-pkg/ is missing (run wasm/build.sh): browser mode is left out of this build');
    }
    console.log(`extension built in ${out} (${manifest.content_scripts[0].matches.length} match patterns` +
      `${browserModeAvailable() ? ', browser mode + wasm' : ', no browser mode'})${zip ? `; archives in ${resolve(zip)}` : ''}`);
  }
  return { out, manifest };
}

function parseArgs(argv) {
  const args = { out: null, zip: null, minify: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') args.out = argv[++i];
    else if (a === '--zip') args.zip = argv[++i];
    else if (a === '--no-minify') args.minify = false;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node extension/scripts/build.mjs --out <DIR> [--zip <DIR>] [--no-minify]');
      process.exit(0);
    } else {
      console.error(`unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!args.out) {
    console.error('usage: node extension/scripts/build.mjs --out <DIR> [--zip <DIR>] [--no-minify]');
    process.exit(2);
  }
  return args;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  build(parseArgs(process.argv.slice(2))).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
