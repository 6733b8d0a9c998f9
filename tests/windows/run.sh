#!/bin/sh
# windows (Wine stand-in): the Windows build of the host and CLI under Debian's Wine, and the MSIs.
#
# Needs `cargo xtask dist --windows` first (target/dist/windows/: eproc-a2f.exe and both MSIs;
# `cargo xtask test` runs it in this stage). Everything happens in a fresh WINEPREFIX under a
# temporary folder that is removed at the end (KEEP_WINE_PREFIX=1 keeps it for a look):
#   1. wineboot -i; the test-only ProcessPrng shim into the prefix's system32 (README.md: why);
#   2. the Rust integration tests that spawn the host and speak frames, and the CLI end-to-end
#      tests, against eproc-a2f.exe under Wine (EPROC_A2F_TEST_HOST), on Wine's Credential Manager;
#   3. tests/windows/msi.rs: MSI install/uninstall, registry keys, Chrome-style launch, install
#      --scope user|system, doctor.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
DIST=$ROOT/target/dist/windows
WINE=${WINE64:-/usr/lib/wine/wine64}
[ -x "$WINE" ] || WINE=$(command -v wine64)
WINESERVER=$(dirname "$WINE")/wineserver
[ -x "$WINESERVER" ] || WINESERVER=$(command -v wineserver)
MINGW_CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}

for f in "$DIST/eproc-a2f.exe" "$DIST"/eproc-a2f-*-x64.msi "$DIST"/eproc-a2f-*-x64-user.msi; do
  [ -f "$f" ] || { echo "tests/windows: $f is missing: run cargo xtask dist --windows" >&2; exit 1; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/eproc-a2f-wine.XXXXXX")
export WINEPREFIX="$TMP/prefix" WINEARCH=win64 WINEDEBUG=-all
# No Mono/Gecko install prompts: nothing here needs .NET or an HTML engine.
export WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
  "$WINESERVER" -k 2>/dev/null || true
  if [ "${KEEP_WINE_PREFIX:-}" = 1 ]; then echo "tests/windows: prefix kept in $WINEPREFIX"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT INT TERM

t0=$(date +%s)
# One persistent wineserver for the whole run (started before the prefix is filled): each
# Windows process then starts in ~0.1 s.
mkdir -p "$WINEPREFIX"
"$WINESERVER" -p
"$WINE" wineboot -i >/dev/null 2>&1
"$MINGW_CC" -shared -O2 -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" tests/windows/prng-shim.c -ladvapi32
"$MINGW_CC" -O2 -s -o "$TMP/chrome-launch.exe" tests/windows/chrome-launch.c
echo "tests/windows: prefix ready in $(( $(date +%s) - t0 )) s ($WINEPREFIX)"

export EPROC_A2F_TEST_HOST="$WINE $DIST/eproc-a2f.exe"
export EPROC_A2F_WINE="$WINE" EPROC_A2F_WINE_DIST="$DIST" EPROC_A2F_CHROME_LAUNCH="$TMP/chrome-launch.exe"
cargo test --locked --no-fail-fast -p eproc-a2f --test host_protocol --test cli --test windows_msi -- --test-threads=2 --nocapture
