#!/bin/sh
# Builds the browser-mode WASM modules into OUT_DIR (default <repo>/target/wasm-pkg):
#   eproc_a2f_wasm_login.js + eproc_a2f_wasm_login_bg.wasm  login path (every login page; budget 40 KB gzip)
#   eproc_a2f_wasm.js       + eproc_a2f_wasm_bg.wasm        full core (enrollment, popup, options, errors)
#   eproc_a2f_wasm_qr.js    + eproc_a2f_wasm_qr_bg.wasm     QR decoding (enrollment pages only)
#   sizes.txt                                           raw and gzip sizes of the .wasm files
# Reproducible: same sources and toolchain give the same bytes (no timestamps, paths remapped,
# pinned wasm-bindgen, a dedicated target dir).
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli equal to the crate's pin
# (installed here when missing), optionally node + wasm/node_modules/binaryen for wasm-opt
# (`npm ci` in wasm/; skipped when absent: Debian's wasm-opt is too old, never use it).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/target/wasm-pkg}
case "$OUT" in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
cd "$ROOT"

WB_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' wasm/Cargo.toml)
[ -n "$WB_VERSION" ] || { echo "wasm/build.sh: no exact wasm-bindgen pin in wasm/Cargo.toml" >&2; exit 1; }
for sub in qr login; do
  SUB_WB_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' wasm/$sub/Cargo.toml)
  [ "$SUB_WB_VERSION" = "$WB_VERSION" ] || { echo "wasm/build.sh: wasm/$sub pins wasm-bindgen $SUB_WB_VERSION, wasm pins $WB_VERSION" >&2; exit 1; }
done

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "== rustup target add wasm32-unknown-unknown" >&2
  rustup target add wasm32-unknown-unknown >&2
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WB_VERSION\$\| $WB_VERSION "; then
  echo "== cargo install wasm-bindgen-cli $WB_VERSION" >&2
  cargo install -q wasm-bindgen-cli --version "$WB_VERSION" >&2
fi

# Reproducibility: no absolute paths of this checkout or of ~/.cargo in the binary.
CARGO_HOME_DIR=${CARGO_HOME:-$HOME/.cargo}
RUSTFLAGS="${RUSTFLAGS:-} --remap-path-prefix=$ROOT=/eproc-a2f --remap-path-prefix=$CARGO_HOME_DIR=/cargo"
# Size: the compact software SHA-256/512 (a loop instead of unrolled rounds; about 12 KB less in
# every module, and TOTP hashes one block per code, so the speed does not matter).
RUSTFLAGS="$RUSTFLAGS --cfg sha2_backend=\"soft\" --cfg sha2_backend_soft=\"compact\""
export RUSTFLAGS
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
# The release profile strips symbols, which also drops the `target_features` section wasm-bindgen
# reads; keep it here and let wasm-bindgen remove the name and producers sections instead.
export CARGO_PROFILE_WASM_RELEASE_STRIP=false
# A separate target dir: other RUSTFLAGS would otherwise invalidate the workspace's shared cache.
TARGET_DIR="$ROOT/target/wasm-build"

echo "== cargo build (wasm32, wasm-release)" >&2
cargo build -q --locked --target wasm32-unknown-unknown --profile wasm-release \
  --target-dir "$TARGET_DIR" -p eproc-a2f-wasm -p eproc-a2f-wasm-login -p eproc-a2f-wasm-qr >&2 \
  || cargo build -q --target wasm32-unknown-unknown --profile wasm-release \
       --target-dir "$TARGET_DIR" -p eproc-a2f-wasm -p eproc-a2f-wasm-login -p eproc-a2f-wasm-qr >&2

BUILT="$TARGET_DIR/wasm32-unknown-unknown/wasm-release"
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

WASM_OPT=""
if [ -x "$ROOT/wasm/node_modules/.bin/wasm-opt" ] && command -v node >/dev/null 2>&1; then
  WASM_OPT="$ROOT/wasm/node_modules/.bin/wasm-opt"
fi

for crate in eproc_a2f_wasm_login eproc_a2f_wasm eproc_a2f_wasm_qr; do
  echo "== wasm-bindgen $crate" >&2
  wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$TMP" "$BUILT/$crate.wasm"
  if [ -n "$WASM_OPT" ]; then
    echo "== wasm-opt -Oz $crate (npm binaryen)" >&2
    "$WASM_OPT" -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$TMP/${crate}_bg.wasm" -o "$TMP/${crate}_bg.opt.wasm"
    mv "$TMP/${crate}_bg.opt.wasm" "$TMP/${crate}_bg.wasm"
  fi
  # Replace the files (new inodes), never rewrite them in place.
  for f in "$crate.js" "$crate.d.ts" "${crate}_bg.wasm"; do rm -f "$OUT/$f"; cp "$TMP/$f" "$OUT/$f"; done
done

{
  for f in eproc_a2f_wasm_login_bg.wasm eproc_a2f_wasm_bg.wasm eproc_a2f_wasm_qr_bg.wasm eproc_a2f_wasm_login.js eproc_a2f_wasm.js eproc_a2f_wasm_qr.js; do
    raw=$(wc -c < "$OUT/$f")
    gz=$(gzip -9n < "$OUT/$f" | wc -c)
    printf '%s raw=%s gzip=%s\n' "$f" "$raw" "$gz"
  done
  [ -n "$WASM_OPT" ] && echo "wasm-opt: $("$WASM_OPT" --version)" || echo "wasm-opt: skipped (run npm ci in wasm/ to enable)"
} > "$OUT/sizes.txt"
cat "$OUT/sizes.txt" >&2

# Budget: the module login pages need (the login module) is at most 40 KB gzip. Without wasm-opt
# (wasm/node_modules missing) the module is larger, so the check needs the optimised build.
login_gz=$(gzip -9n < "$OUT/eproc_a2f_wasm_login_bg.wasm" | wc -c)
if [ -n "$WASM_OPT" ] && [ "$login_gz" -gt 40960 ]; then
  echo "wasm/build.sh: eproc_a2f_wasm_login_bg.wasm is $login_gz bytes gzip, over the 40 KB budget" >&2
  exit 1
fi
exit 0
