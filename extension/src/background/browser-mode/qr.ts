// QR decoding for the enrollment helper (both modes): the page shows the key as a QR image and as
// text; reading both and comparing them catches a mistyped or partly selected key before enrolling.
// The QR module (wasm/qr, ~110 KB gzip) is initialised on the first decode only: login pages never
// cause it to load.

import { type WasmSource, loadCore, loadQr } from './wasm';

/** Decodes the QR codes in RGBA pixels (ImageData.data). Returns their texts (empty: none found). */
export async function decodeQrRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, source?: WasmSource): Promise<string[]> {
  const qr = await loadQr(source);
  const bytes = rgba instanceof Uint8Array ? rgba : new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const out = JSON.parse(qr.decode_qr(bytes, width, height)) as { ok: boolean; texts?: string[]; detail?: string };
  if (!out.ok) throw new Error(out.detail ?? 'QR decoding failed');
  return out.texts ?? [];
}

/** Decodes the QR image at `url` (a `data:image/png;base64,...` src, as eproc and Keycloak show it)
 * in the background: fetch, createImageBitmap and OffscreenCanvas work in MV3 service workers and
 * in Firefox's event page. */
export async function decodeQrImage(url: string): Promise<string[]> {
  const blob = await (await fetch(url)).blob();
  const bitmap = await createImageBitmap(blob);
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, bitmap.width, bitmap.height);
    ctx.drawImage(bitmap, 0, 0);
    const img = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return decodeQrRgba(img.data, img.width, img.height);
  } finally {
    bitmap.close();
  }
}

export interface KeyCheck {
  /** True when a QR code holds the same key as the text shown. */
  match: boolean;
  /** The key as the text shows it, canonical base32 (null: the text is not a key). */
  shown: string | null;
  /** From the QR's otpauth URI, when one was read. */
  qr: { secret: string; algorithm: string; digits: number; period: number; issuer: string | null; account: string } | null;
  /** Why the text did not parse (`invalid_key` detail, with `position`). */
  shownError?: { detail: string; position?: number };
}

/** Compares the QR texts with the key shown as text. Nothing is stored. */
export async function crossCheckKey(qrTexts: string[], shownText: string, source?: WasmSource): Promise<KeyCheck> {
  const core = await loadCore(source);
  const shown = JSON.parse(core.parse_key(shownText)) as { ok: boolean; secret?: string; detail?: string; position?: number };
  let qr: KeyCheck['qr'] = null;
  for (const t of qrTexts) {
    const u = JSON.parse(core.parse_otpauth(t)) as { ok: boolean } & NonNullable<KeyCheck['qr']>;
    if (u.ok) {
      qr = { secret: u.secret, algorithm: u.algorithm, digits: u.digits, period: u.period, issuer: u.issuer, account: u.account };
      if (shown.ok && u.secret === shown.secret) break;
    }
  }
  return {
    match: !!(shown.ok && qr && qr.secret === shown.secret),
    shown: shown.ok ? shown.secret! : null,
    qr,
    ...(shown.ok ? {} : { shownError: { detail: shown.detail ?? '', ...(shown.position ? { position: shown.position } : {}) } }),
  };
}
