// RFC 4648 base32 and RFC 6238 TOTP, on node:crypto only. The simulator's own implementation, kept
// independent of the project's Rust core on purpose: a bug there must not hide here.
import { createHmac, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(buf) {
  let bits = 0, value = 0, out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text) {
  const clean = String(text).replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0, value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** Groups a base32 key by four, as eproc and Keycloak show it. */
export const groupBy4 = (s) => s.replace(/(.{4})/g, '$1 ').trim();

export const PERIOD = 30;

export function stepAt(ms = Date.now(), period = PERIOD) {
  return Math.floor(ms / 1000 / period);
}

/** HOTP value for `key` (Buffer) at counter `step`. */
export function hotp(key, step, { digits = 6, algorithm = 'sha1' } = {}) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(algorithm, key).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** TOTP for a base32 key at a step. */
export function totpAtStep(base32Key, step, opts) {
  return hotp(base32Decode(base32Key), step, opts);
}

export function totpNow(base32Key, ms = Date.now()) {
  return totpAtStep(base32Key, stepAt(ms));
}

/** Milliseconds left in the current step. */
export function msLeftInStep(ms = Date.now(), period = PERIOD) {
  return period * 1000 - (ms % (period * 1000));
}

/** A fresh 20-byte key as base32 (32 characters), as eproc shows. */
export function newBase32Key(bytes = 20) {
  return base32Encode(randomBytes(bytes));
}

/** Keycloak's raw secret: 20 characters of [A-Za-z0-9]; the HMAC key is its ASCII bytes. */
export function newKeycloakRawSecret(len = 20) {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const rnd = randomBytes(len);
  return Array.from(rnd, (b) => chars[b % chars.length]).join('');
}
