// QR decoding (the separate module wasm/qr) on codes drawn like Keycloak's and eproc's enrollment
// QR images, and the cross-check of the QR's key against the key shown as text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import qrcode from 'qrcode-generator';
import { loadBrowserMode, loadQrGlue, qrBytes } from './helpers.mjs';

const URI = 'otpauth://totp/eproc%20TRF4:RS123?secret=MMZDIMRUGZRGCNRQGA2GMMRWMVQWIZBW&issuer=eproc%20TRF4&algorithm=SHA1&digits=6&period=30';

/** RGBA pixels of a QR code: `px` pixels per module, `quiet` modules of margin, optional
 * transparent background and colours. */
function draw(text, { px = 4, quiet = 4, transparent = false, dark = [0, 0, 0], light = [255, 255, 255] } = {}) {
  const q = qrcode(0, 'M');
  q.addData(text);
  q.make();
  const n = q.getModuleCount();
  const side = (n + 2 * quiet) * px;
  const rgba = new Uint8Array(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / px) - quiet;
      const my = Math.floor(y / px) - quiet;
      const isDark = mx >= 0 && my >= 0 && mx < n && my < n && q.isDark(my, mx);
      const i = (y * side + x) * 4;
      if (isDark) rgba.set([...dark, 255], i);
      else rgba.set(transparent ? [0, 0, 0, 0] : [...light, 255], i);
    }
  }
  return { rgba, side };
}

const qr = await loadQrGlue();

test('decodes QR images of several scales, margins and backgrounds', () => {
  for (const opts of [{}, { px: 1, quiet: 0 }, { px: 2, quiet: 1, transparent: true }, { px: 7, quiet: 2, dark: [30, 40, 90], light: [250, 250, 230] }]) {
    const { rgba, side } = draw(URI, opts);
    const out = JSON.parse(qr.decode_qr(rgba, side, side));
    assert.deepEqual(out, { ok: true, texts: [URI] }, JSON.stringify(opts));
  }
});

test('no QR code, and bad input, are answers, not crashes', () => {
  const blank = new Uint8Array(64 * 64 * 4).fill(255);
  assert.deepEqual(JSON.parse(qr.decode_qr(blank, 64, 64)), { ok: true, texts: [] });
  assert.equal(JSON.parse(qr.decode_qr(new Uint8Array(10), 5, 5)).ok, false);
  assert.equal(JSON.parse(qr.decode_qr(new Uint8Array(0), 0, 0)).ok, false);
  assert.equal(JSON.parse(qr.decode_qr(new Uint8Array(4), 5000, 1)).ok, false);
});

test('the enrollment cross-check: QR and text agree, or the difference is caught', async () => {
  const bm = await loadBrowserMode();
  const { rgba, side } = draw(URI);
  const texts = await bm.decodeQrRgba(rgba, side, side, qrBytes());
  assert.deepEqual(texts, [URI]);
  let c = await bm.crossCheckKey(texts, 'mmzd imru gzrg cnrq ga2g mmrw mvqw izbw');
  assert.equal(c.match, true);
  assert.equal(c.qr.account, 'RS123');
  assert.equal(c.qr.issuer, 'eproc TRF4');
  c = await bm.crossCheckKey(texts, 'MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBX');
  assert.equal(c.match, false);
  c = await bm.crossCheckKey(texts, 'MMZD IMRU GZRG CNR0');
  assert.equal(c.match, false);
  assert.equal(c.shownError.position, 19);
});
