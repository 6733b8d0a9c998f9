// The browser-mode store's export file (extension/src/background/browser-mode/store.ts,
// `exportEncrypted`/`openExport`), written and read with node:crypto. The e2e suites put keys into
// browser mode through the product's import (options page: file + passphrase + "Importar"), the
// same way a user restores an exported file; no test-only entry point in the extension.
//
// File: {format: "eproc-a2f-export", v: 1, created, kdf: {PBKDF2, SHA-256, iterations, salt},
// check, vault: {iv, ct}}; 512 bits from PBKDF2-SHA256(passphrase NFC) = AES-256 key || check
// half; check = base64(SHA-256(check half)); vault = AES-256-GCM(vault JSON), AAD
// "eproc-a2f/vault/1". Vault JSON: the WASM core's format (wasm/src/lib.rs).
import { createCipheriv, createDecipheriv, createHash, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const AAD = Buffer.from('eproc-a2f/vault/1');
const ITERATIONS = 600_000;

async function derive(passphrase, salt, iterations) {
  const bits = await promisify(pbkdf2)(Buffer.from(passphrase.normalize('NFC'), 'utf8'), salt, iterations, 64, 'sha256');
  return { raw: bits.subarray(0, 32), check: createHash('sha256').update(bits.subarray(32)).digest('base64') };
}

/** accounts: [{authenticator, user, secret (base32), label?}] -> the export file's text. */
export async function makeExportFile(accounts, passphrase) {
  const vault = {
    format: 'eproc-a2f-vault', v: 1,
    accounts: accounts.map((a) => ({
      authenticator: a.authenticator, user: a.user, label: a.label ?? null, algorithm: 'SHA1', digits: 6, period: 30,
      created: Math.floor(Date.now() / 1000), secret: a.secret.replace(/\s/g, '').toUpperCase(),
    })),
  };
  const salt = randomBytes(16);
  const { raw, check } = await derive(passphrase, salt, ITERATIONS);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', raw, iv);
  c.setAAD(AAD);
  const ct = Buffer.concat([c.update(JSON.stringify(vault), 'utf8'), c.final(), c.getAuthTag()]);
  const file = {
    format: 'eproc-a2f-export', v: 1, created: new Date().toISOString(),
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: ITERATIONS, salt: salt.toString('base64') },
    check, vault: { iv: iv.toString('base64'), ct: ct.toString('base64') },
  };
  return JSON.stringify(file, null, 2) + '\n';
}

/** Decrypts a vault blob {iv, ct} of a store (bm.meta's kdf) or an export file: the vault JSON. */
export async function decryptBlob(blob, kdf, passphrase) {
  const { raw } = await derive(passphrase, Buffer.from(kdf.salt, 'base64'), kdf.iterations);
  const ct = Buffer.from(blob.ct, 'base64');
  const d = createDecipheriv('aes-256-gcm', raw, Buffer.from(blob.iv, 'base64'));
  d.setAAD(AAD);
  d.setAuthTag(ct.subarray(ct.length - 16));
  return JSON.parse(Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]).toString('utf8'));
}

/** Opens an export file's text: the vault object inside. */
export async function openExportFile(text, passphrase) {
  const f = JSON.parse(text);
  if (f.format !== 'eproc-a2f-export') throw new Error('not an export file');
  return decryptBlob(f.vault, f.kdf, passphrase);
}

/** The browser store's own records in a storage.local snapshot (bm.meta, bm.current, bm.vault.*, bm.migration). */
export function storeRecords(all) {
  return Object.fromEntries(Object.entries(all ?? {}).filter(([k]) => k.startsWith('bm.')).sort(([a], [b]) => a.localeCompare(b)));
}
