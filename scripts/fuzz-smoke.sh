#!/bin/sh
# Short fuzzing pass over every cargo-fuzz target (fuzz/): each target runs FUZZ_SECONDS (default
# 10) from its committed seed corpus. New inputs go to a scratch folder, never into fuzz/corpus/.
# A crash fails the script; libFuzzer leaves the input in fuzz/artifacts/<target>/.
#   sh scripts/fuzz-smoke.sh              all targets
#   sh scripts/fuzz-smoke.sh resolve      one target
#   FUZZ_SECONDS=300 sh scripts/fuzz-smoke.sh dispatch   a long run
# Needs the nightly toolchain and cargo-fuzz (installed here if missing). Without nightly it skips,
# unless FUZZ_REQUIRED=1 (CI).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
secs="${FUZZ_SECONDS:-10}"
if ! cargo +nightly --version >/dev/null 2>&1; then
  if [ "${FUZZ_REQUIRED:-}" = "1" ]; then echo "fuzz-smoke: no nightly toolchain" >&2; exit 1; fi
  echo "fuzz-smoke: SKIPPED (no nightly toolchain: rustup toolchain install nightly)"; exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz
fi
targets="${*:-frame_reader dispatch parse_key otpauth resolve import}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd "$root/fuzz"
start=$(date +%s)
if [ $# -eq 0 ]; then
  nice -n "${FUZZ_NICE:-10}" cargo +nightly fuzz build 2>&1 | grep -v '^ *Compiling' || true
else
  for t in $targets; do nice -n "${FUZZ_NICE:-10}" cargo +nightly fuzz build "$t" 2>&1 | grep -v '^ *Compiling' || true; done
fi
echo "fuzz-smoke: build $(( $(date +%s) - start )) s"
failed=0
for t in $targets; do
  case $t in
    dispatch|frame_reader) dict=dict/protocol.dict ;;
    resolve) dict=dict/url.dict ;;
    *) dict=dict/otpauth.dict ;;
  esac
  mkdir -p "$scratch/$t"
  if nice -n "${FUZZ_NICE:-10}" cargo +nightly fuzz run "$t" "$scratch/$t" "corpus/$t" -- \
       -max_total_time="$secs" -dict="$dict" -print_final_stats=1 -close_fd_mask=2 > "$scratch/$t.log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$scratch/$t.log" | awk '{print $2}')
    echo "fuzz-smoke: $t ok (${execs:-?} executions in ${secs} s)"
  else
    failed=1
    echo "fuzz-smoke: $t FAILED" >&2
    grep -E 'panicked|SUMMARY|Test unit written|ERROR' "$scratch/$t.log" >&2 || tail -20 "$scratch/$t.log" >&2
  fi
done
exit $failed
