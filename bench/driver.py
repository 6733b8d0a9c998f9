#!/usr/bin/env python3
"""Benchmark driver for scripts/bench.sh (standard library only).

spawn   Interleaved spawn benchmark: every round runs each command once, in turn, so slow drift of
        the machine hits all commands alike. Each run: spawn, feed stdin from a file, wait for
        exit; wall time measured around it. Prints and writes JSON with median/p95 per command
        and ratios against the first (the eproc-a2f host).
port    Long-lived port: one host process, many requests over its stdin/stdout (what
        runtime.connectNative does); per-request round trip.
"""
import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import time


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summary(ms):
    return {"n": len(ms), "median_ms": statistics.median(ms), "p95_ms": pct(ms, 95), "p99_ms": pct(ms, 99),
            "min_ms": min(ms), "mean_ms": statistics.fmean(ms)}


def read_frames(b):
    out = []
    while len(b) >= 4:
        (n,) = struct.unpack("=I", b[:4])
        out.append(json.loads(b[4:4 + n]))
        b = b[4 + n:]
    return out


def spawn(args):
    spec = json.load(open(args.spec))
    names = [c["name"] for c in spec]
    # Check each command once: it must do its job, or the timing means nothing.
    for c in spec:
        with open(c.get("stdin", os.devnull), "rb") as si:
            r = subprocess.run(c["argv"], stdin=si, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **c.get("env", {})})
        check = c.get("check")
        if check == "frame":
            fr = read_frames(r.stdout)
            ok = len(fr) == 1 and fr[0].get("ok") is True and str(fr[0].get("code", "")).isdigit()
        elif check == "nonempty":
            ok = r.returncode == 0 and len(r.stdout.strip()) > 0
        else:
            ok = r.returncode == 0
        if not ok:
            sys.exit(f"{c['name']}: does not do its job (rc={r.returncode}): {r.stdout[:300]!r} {r.stderr[:300]!r}")
    times = {n: [] for n in names}
    for i in range(args.warmup + args.runs):
        for c in spec:
            with open(c.get("stdin", os.devnull), "rb") as si:
                t0 = time.perf_counter_ns()
                subprocess.run(c["argv"], stdin=si, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **c.get("env", {})})
                dt = (time.perf_counter_ns() - t0) / 1e6
            if i >= args.warmup:
                times[c["name"]].append(dt)
    res = {n: summary(times[n]) for n in names}
    base = names[0]
    for n in names:
        res[n]["median_over_host"] = res[n]["median_ms"] / res[base]["median_ms"]
    json.dump(res, open(args.out, "w"), indent=2)
    print(f"{'command':<34}{'median ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'x host':>9}")
    for n in names:
        r = res[n]
        print(f"{n:<34}{r['median_ms']:>10.2f}{r['p95_ms']:>10.2f}{r['p99_ms']:>10.2f}{r['median_over_host']:>9.2f}")


def port(args):
    env = {**os.environ}
    p = subprocess.Popen(args.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    code = json.loads(args.request)
    out = {}
    # accounts: the index only (no keyring); peek: + the keyring lookup; fill: + the step claim
    # (lock, steps.json written atomically).
    kinds = (("accounts", {"type": "accounts"}), ("peek", {**code, "peek": True}), ("fill", {**code, "peek": False}))
    # The firm store (OpenBao) hands out each step once across clients: a fill waits for its step,
    # so its port run measures accounts and peek only (--kinds accounts,peek).
    kinds = tuple(k for k in kinds if k[0] in args.kinds.split(","))
    for label, req in kinds:
        ms = []
        for i in range(args.warmup + args.requests):
            req["id"] = i
            body = json.dumps(req).encode()
            t0 = time.perf_counter_ns()
            p.stdin.write(struct.pack("=I", len(body)) + body)
            p.stdin.flush()
            head = p.stdout.read(4)
            (n,) = struct.unpack("=I", head)
            ans = json.loads(p.stdout.read(n))
            dt = (time.perf_counter_ns() - t0) / 1e6
            if ans.get("ok") is not True:
                sys.exit(f"port {label}: {ans}")
            if i >= args.warmup:
                ms.append(dt)
        out[label] = summary(ms)
    p.stdin.close()
    p.wait()
    json.dump(out, open(args.out, "w"), indent=2)
    for label, r in out.items():
        print(f"port/{label:<9} n={r['n']}  median {r['median_ms']*1000:.0f} µs  p95 {r['p95_ms']*1000:.0f} µs  p99 {r['p99_ms']*1000:.0f} µs")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("spawn")
    s.add_argument("--spec", required=True)
    s.add_argument("--runs", type=int, default=200)
    s.add_argument("--warmup", type=int, default=10)
    s.add_argument("--out", required=True)
    q = sub.add_parser("port")
    q.add_argument("--requests", type=int, default=2000)
    q.add_argument("--warmup", type=int, default=50)
    q.add_argument("--request", required=True)
    q.add_argument("--out", required=True)
    q.add_argument("--kinds", default="accounts,peek,fill")
    q.add_argument("argv", nargs="+")
    args = ap.parse_args()
    {"spawn": spawn, "port": port}[args.cmd](args)


if __name__ == "__main__":
    main()
