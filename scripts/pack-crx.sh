#!/bin/sh
# Self-hosted update channel for a firm: a signed CRX3 of the extension + a gupdate updates.xml
# (what ExtensionInstallForcelist / ExtensionSettings point at), and the Firefox xpi.
#
#   scripts/pack-crx.sh --key firm-extension.pem --base-url https://intranet.example/eproc-a2f \
#       [--extension target/dist/extension] [--xpi target/dist/eproc-a2f.xpi] [--out target/dist/channel]
#       [--new-key] [--keep-key-field]
#
# --key       the firm's RSA private key (PEM). Keep it secret and keep it forever: the extension ID
#             is derived from it, and every later version must be signed with the same key.
# --new-key   create the key (openssl genrsa 2048) when the file does not exist (tests, first run).
# --base-url  where the files will be served from (the .crx URL is BASE/eproc-a2f-VERSION.crx).
# The `key` field of the project's manifest belongs to the project's key: it is removed from the
# packed copy, unless --keep-key-field. (Tried with Chromium 156: a kept `key` of another key pair does
# not matter either; the installed ID is the CRX signing key's, the manifest key is overwritten.)
#
# Prints the extension ID; writes OUT/eproc-a2f-VERSION.crx, OUT/updates.xml, OUT/extension-id.txt,
# OUT/eproc-a2f-VERSION.xpi and OUT/updates.json (Firefox) when the xpi exists.
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
EXT="$ROOT/target/dist/extension"
XPI="$ROOT/target/dist/eproc-a2f.xpi"
OUT="$ROOT/target/dist/channel"
KEY=""
BASE=""
NEWKEY=0
KEEP=0
CHROMIUM=${CHROMIUM_BIN:-/usr/bin/chromium}

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --key) KEY=$2; shift 2 ;;
    --base-url) BASE=${2%/}; shift 2 ;;
    --extension) EXT=$2; shift 2 ;;
    --xpi) XPI=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --new-key) NEWKEY=1; shift ;;
    --keep-key-field) KEEP=1; shift ;;
    -h|--help) usage ;;
    *) echo "pack-crx: unknown argument $1" >&2; usage ;;
  esac
done
[ -n "$KEY" ] && [ -n "$BASE" ] || usage
[ -f "$EXT/manifest.json" ] || { echo "pack-crx: $EXT/manifest.json not found (run cargo xtask dist)" >&2; exit 1; }
case "$BASE" in http://*|https://*) ;; *) echo "pack-crx: --base-url must be http(s)://" >&2; exit 1 ;; esac

if [ ! -f "$KEY" ]; then
  if [ "$NEWKEY" = 1 ]; then
    (umask 077; openssl genrsa -out "$KEY" 2048 2>/dev/null)
    echo "pack-crx: new key $KEY (keep it secret; the extension ID depends on it)" >&2
  else
    echo "pack-crx: key $KEY not found (use --new-key to create it)" >&2; exit 1
  fi
fi

# Extension ID: first 32 hex digits of sha256(DER SubjectPublicKeyInfo), 0-f mapped to a-p.
ID=$(openssl pkey -in "$KEY" -pubout -outform DER 2>/dev/null | sha256sum | cut -c1-32 | tr 0-9a-f a-p)
[ ${#ID} -eq 32 ] || { echo "pack-crx: cannot read the public key of $KEY" >&2; exit 1; }

VERSION=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version)' "$EXT/manifest.json")

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
cp -R "$EXT" "$TMP/eproc-a2f"
if [ "$KEEP" = 0 ]; then
  node -e '
    const fs = require("fs"); const p = process.argv[1];
    const m = JSON.parse(fs.readFileSync(p, "utf8")); delete m.key;
    fs.writeFileSync(p, JSON.stringify(m, null, 2) + "\n");' "$TMP/eproc-a2f/manifest.json"
fi

# Chromium packs without a display; as root it needs --no-sandbox.
"$CHROMIUM" --no-sandbox --headless=new --disable-gpu --user-data-dir="$TMP/udd" \
  --pack-extension="$TMP/eproc-a2f" --pack-extension-key="$KEY" >"$TMP/pack.log" 2>&1 || true
if [ ! -s "$TMP/eproc-a2f.crx" ]; then
  echo "pack-crx: chromium did not write the .crx:" >&2; cat "$TMP/pack.log" >&2; exit 1
fi

mkdir -p "$OUT"
CRX="eproc-a2f-$VERSION.crx"
cp "$TMP/eproc-a2f.crx" "$OUT/$CRX"
chmod 644 "$OUT/$CRX"
cat >"$OUT/updates.xml" <<EOF
<?xml version='1.0' encoding='UTF-8'?>
<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>
  <app appid='$ID'>
    <updatecheck codebase='$BASE/$CRX' version='$VERSION' />
  </app>
</gupdate>
EOF
echo "$ID" >"$OUT/extension-id.txt"

if [ -f "$XPI" ]; then
  GECKO=$(node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write(((m.browser_specific_settings || {}).gecko || {}).id || "")' "$EXT/manifest.json")
  cp "$XPI" "$OUT/eproc-a2f-$VERSION.xpi"
  if [ -n "$GECKO" ]; then
    cat >"$OUT/updates.json" <<EOF
{
  "addons": {
    "$GECKO": {
      "updates": [
        { "version": "$VERSION", "update_link": "$BASE/eproc-a2f-$VERSION.xpi" }
      ]
    }
  }
}
EOF
  fi
fi

echo "pack-crx: $OUT/$CRX (ID $ID, version $VERSION), $OUT/updates.xml" >&2
echo "$ID"
