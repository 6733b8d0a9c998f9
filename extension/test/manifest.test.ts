// Drift checks: the manifest's match patterns are generated from core/registry.json with the same
// rule as the Rust core's Registry::match_patterns(); a built manifest must match the registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { matchPattern, matchPatterns, parsePrefix } from '../src/shared/patterns.js';
import { buildManifest, readRegistry, GECKO_ID } from '../scripts/build.mjs';

const EXT = process.env.EPROC_A2F_EXT_DIR!;
const REPO = join(EXT, '..');
const registry = JSON.parse(readFileSync(join(REPO, 'core', 'registry.json'), 'utf8')) as {
  systems: { id: string; app: string; login: string[] }[];
};

test('every registry prefix has exactly its pattern, sorted and de-duplicated', () => {
  const pats = matchPatterns(registry.systems);
  const expected = new Set<string>();
  for (const s of registry.systems) for (const p of [s.app, ...s.login]) expected.add(p.endsWith('/') ? `${p}*` : `${p}/*`);
  assert.deepEqual(new Set(pats), expected);
  assert.deepEqual(pats, [...pats].sort());
  assert.equal(new Set(pats).size, pats.length);
  assert.ok(pats.includes('https://eproc.trf4.jus.br/eproc2trf4/*'));
  assert.ok(pats.includes('https://eproc-sso.trf4.jus.br/realms/eproc/*'));
  assert.ok(pats.every((p) => /^https:\/\/[a-z0-9.-]+\/([^*]*\/)?\*$/.test(p)), 'https://host/path/* only');
});

test('the generated manifest uses the registry patterns for content scripts and hosts', () => {
  const key = readFileSync(join(REPO, 'manifest', 'extension-key.b64'), 'utf8').trim();
  const m = buildManifest({ registry: readRegistry(), version: '0.0.0', key });
  const pats = matchPatterns(registry.systems);
  assert.deepEqual(m.content_scripts[0]!.matches, pats);
  assert.deepEqual(m.host_permissions, pats);
  assert.equal(m.content_scripts[0]!.all_frames, false);
  // Issue 10: at document_start, and the MAIN-world script on the same pages.
  assert.equal(m.content_scripts[0]!.run_at, 'document_start');
  assert.deepEqual(m.content_scripts[1], { matches: pats, js: ['content-main.js'], run_at: 'document_start', all_frames: false, world: 'MAIN' });
  assert.equal(m.content_scripts.length, 2);
  assert.equal(m.manifest_version, 3);
  assert.equal(m.background.service_worker, 'background.js');
  assert.deepEqual(m.background.scripts, ['background.js']);
  assert.equal(m.browser_specific_settings.gecko.id, GECKO_ID);
  assert.equal(m.default_locale, 'pt_BR');
  assert.deepEqual([...m.permissions].sort(), ['nativeMessaging', 'scripting', 'storage', 'webRequest']);
  assert.deepEqual(m.optional_host_permissions, ['https://*/*']);
  assert.equal(m.storage.managed_schema, 'schema.json');
  assert.match(m.content_security_policy.extension_pages, /'wasm-unsafe-eval'/);
});

test('a built extension (target/dist/extension) matches the current registry', (t) => {
  const dir = process.env.EPROC_A2F_EXTENSION ?? join(REPO, 'target', 'dist', 'extension');
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) {
    t.skip(`no built extension at ${dir}`);
    return;
  }
  const m = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(m.content_scripts[0]!.matches, matchPatterns(registry.systems), 'rebuild the extension: the registry changed');
});

test('prefix rules follow the core (https, default port, no credentials, no query)', () => {
  assert.equal(matchPattern('https://EPROC.TRF4.jus.br./eproc2trf4'), 'https://eproc.trf4.jus.br/eproc2trf4/*');
  assert.deepEqual(parsePrefix('https://sso.tjrs.jus.br/realms/eproc/'), { host: 'sso.tjrs.jus.br', path: '/realms/eproc/' });
  for (const bad of ['http://eproc.trf4.jus.br/eproc/', 'https://eproc.trf4.jus.br:8443/eproc/', 'https://u:p@eproc.trf4.jus.br/',
    'https://eproc.trf4.jus.br/eproc/?x=1', 'https://127.0.0.1/eproc/', 'not a url']) {
    assert.throws(() => parsePrefix(bad), bad);
  }
});

test('the managed-storage schema has the policy keys', () => {
  const schema = JSON.parse(readFileSync(join(EXT, 'schema.json'), 'utf8'));
  assert.deepEqual(Object.keys(schema.properties).sort(),
    ['allowBrowserStorage', 'autoSubmit', 'disableExport', 'extraSystems', 'lockAfterMinutes', 'mode', 'store']);
  assert.deepEqual(schema.properties.mode.enum, ['native', 'browser', 'auto']);
});
