// Reads the QR codes of an image file (a screenshot or photo of Google Authenticator's "Transferir
// contas" QR, an otpauth QR) in the options page with the extension's QR WASM module
// (wasm/eproc_a2f_wasm_qr.js, copied by the build from target/wasm-pkg). Only the texts leave this
// page: the pixels are never sent to the code source.
import { ext } from '../shared/api';

interface QrModule {
  default(opts: { module_or_path: string }): Promise<unknown>;
  decode_qr(rgba: Uint8Array, width: number, height: number): string;
}

/** The QR module's largest side (wasm/README.md). */
const MAX_SIDE = 4096;

let qr: Promise<QrModule | null> | null = null;

function loadQr(): Promise<QrModule | null> {
  qr ??= (async () => {
    try {
      // A constant path (web-ext lint accepts no computed import), split so that the bundler
      // leaves it to the browser: the module is the built extension's, not a source file.
      const mod = (await import('./wasm/' + 'eproc_a2f_wasm_qr.js')) as QrModule;
      await mod.default({ module_or_path: ext.runtime.getURL('wasm/eproc_a2f_wasm_qr_bg.wasm') });
      return mod;
    } catch {
      return null;
    }
  })();
  return qr;
}

export function isImage(file: File): boolean {
  return /^image\//.test(file.type) || /\.(png|jpe?g|gif|webp|bmp)$/i.test(file.name);
}

/** The texts of every QR code in the image; null when this build cannot decode images. */
export async function qrTextsOfImage(file: Blob): Promise<string[] | null> {
  const mod = await loadQr();
  if (!mod) return null;
  const bitmap = await createImageBitmap(file);
  try {
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return null;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(bitmap, 0, 0, w, h);
    const img = ctx.getImageData(0, 0, w, h);
    const out = JSON.parse(mod.decode_qr(new Uint8Array(img.data.buffer), w, h)) as { ok: boolean; texts?: string[] };
    return out.ok ? out.texts ?? [] : [];
  } finally {
    bitmap.close();
  }
}
