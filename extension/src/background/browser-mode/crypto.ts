// WebCrypto helpers of the browser-mode store: PBKDF2-SHA256 key derivation and AES-GCM.
// Works in browsers (service worker, event page) and in node (globalThis.crypto) for the tests.

/** OWASP 2023 recommendation for PBKDF2-HMAC-SHA256; the store never writes fewer. */
/** Bytes backed by a plain ArrayBuffer (what WebCrypto's BufferSource accepts). */
export type Bytes = Uint8Array<ArrayBuffer>;

export const PBKDF2_MIN_ITERATIONS = 600_000;
export const SALT_BYTES = 16;
export const IV_BYTES = 12;
/** Authenticated (not encrypted) with every vault blob: a blob of another kind never decrypts. */
const VAULT_AAD = new TextEncoder().encode('eproc-a2f/vault/1');

export function subtle(): SubtleCrypto {
  const c = globalThis.crypto;
  if (!c?.subtle) throw new Error('WebCrypto is not available');
  return c.subtle;
}

export function randomBytes(n: number): Bytes {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}

export function toB64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Decodes base64; throws on anything that is not base64. */
export function fromB64(text: string): Bytes {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new Error('not base64');
  }
  const s = atob(text);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

export interface KdfParams {
  name: 'PBKDF2';
  hash: 'SHA-256';
  iterations: number;
  /** base64 of SALT_BYTES random bytes. */
  salt: string;
}

export interface EncryptedBlob {
  /** base64 of the 12-byte AES-GCM nonce. */
  iv: string;
  /** base64 of ciphertext + 16-byte tag. */
  ct: string;
}

/** What a passphrase derives: the vault key and a check value that tells a wrong passphrase
 * apart from a corrupted blob (SHA-256 of a second, independent 256-bit output). */
export interface Derived {
  /** Raw AES-256 key bytes (kept in memory or storage.session only, never in storage.local). */
  raw: Bytes;
  check: string;
}

export function newKdfParams(iterations = PBKDF2_MIN_ITERATIONS): KdfParams {
  return { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toB64(randomBytes(SALT_BYTES)) };
}

export function validKdf(k: unknown): k is KdfParams {
  if (!k || typeof k !== 'object') return false;
  const o = k as Record<string, unknown>;
  if (o.name !== 'PBKDF2' || o.hash !== 'SHA-256') return false;
  if (typeof o.iterations !== 'number' || !Number.isInteger(o.iterations) || o.iterations < 1 || o.iterations > 100_000_000) return false;
  try {
    return typeof o.salt === 'string' && fromB64(o.salt).length >= SALT_BYTES;
  } catch {
    return false;
  }
}

export async function derive(passphrase: string, kdf: KdfParams): Promise<Derived> {
  const s = subtle();
  const base = await s.importKey('raw', new TextEncoder().encode(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
  const bits = new Uint8Array(
    await s.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: fromB64(kdf.salt), iterations: kdf.iterations }, base, 512),
  );
  const raw = bits.slice(0, 32);
  const check = toB64(new Uint8Array(await s.digest('SHA-256', bits.slice(32))));
  bits.fill(0);
  return { raw, check };
}

export async function aesKey(raw: Bytes): Promise<CryptoKey> {
  return subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

export async function encrypt(key: CryptoKey, plaintext: string): Promise<EncryptedBlob> {
  const iv = randomBytes(IV_BYTES);
  const ct = new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: VAULT_AAD }, key, new TextEncoder().encode(plaintext)),
  );
  return { iv: toB64(iv), ct: toB64(ct) };
}

export function validBlob(b: unknown): b is EncryptedBlob {
  return !!b && typeof b === 'object' && typeof (b as EncryptedBlob).iv === 'string' && typeof (b as EncryptedBlob).ct === 'string';
}

/** Decrypts a blob; throws when the blob was altered (or the key is not the blob's). */
export async function decrypt(key: CryptoKey, blob: EncryptedBlob): Promise<string> {
  const iv = fromB64(blob.iv);
  if (iv.length !== IV_BYTES) throw new Error('bad nonce');
  const pt = await subtle().decrypt({ name: 'AES-GCM', iv, additionalData: VAULT_AAD }, key, fromB64(blob.ct));
  return new TextDecoder('utf-8', { fatal: true }).decode(pt);
}

/** Constant-time comparison of two check strings. */
export function sameCheck(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}
