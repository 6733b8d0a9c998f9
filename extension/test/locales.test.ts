// Every visible string comes from _locales: each key the code uses exists in pt_BR and en, with
// the same placeholders; every error code has its text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_ERROR_CODES } from '../src/shared/errors';

const EXT = process.env.EPROC_A2F_EXT_DIR!;
const load = (loc: string) => JSON.parse(readFileSync(join(EXT, '_locales', loc, 'messages.json'), 'utf8')) as Record<string, { message: string; placeholders?: object }>;
const pt = load('pt_BR');
const en = load('en');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('pt_BR and en have the same keys and placeholders', () => {
  assert.deepEqual(Object.keys(pt).sort(), Object.keys(en).sort());
  for (const k of Object.keys(pt)) assert.deepEqual(Object.keys(pt[k]!.placeholders ?? {}), Object.keys(en[k]!.placeholders ?? {}), k);
});

test('every key used by the code and pages exists', () => {
  const used = new Set<string>();
  for (const f of [...files(join(EXT, 'src')), ...files(join(EXT, 'static'))]) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/\bt\('([A-Za-z_]+)'/g)) used.add(m[1]!);
    for (const m of src.matchAll(/data-i18n(?:-title|-placeholder)?="([A-Za-z_]+)"/g)) used.add(m[1]!);
  }
  assert.ok(used.size > 40);
  for (const k of used) assert.ok(pt[k] && en[k], `missing locale key ${k}`);
  for (const k of ['extName', 'extDescription']) assert.ok(pt[k], k);
});

test('every error code has a localized text', () => {
  for (const code of [...ALL_ERROR_CODES, 'unknown']) {
    assert.ok(pt[`err_${code}`]?.message, `pt_BR err_${code}`);
    assert.ok(en[`err_${code}`]?.message, `en err_${code}`);
  }
  assert.match(pt.err_host_not_installed!.message, /eproc-a2f install/);
});
