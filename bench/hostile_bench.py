"""Worst-case time and memory per hostile message (issue: bounded cost on hostile input).

    python bench/hostile_bench.py [--json OUT]

Each message of tests/hardening/hostile.py is scanned AND defused in a fresh
process (so peak RSS is that message's), after a warm-up scan that loads the
reference data and rules. Reports wall time, CPU time and peak RSS above the
warm baseline, the verdict, and the worst case.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from tests.hardening.hostile import ALL
from mailward.scan import Scanner
from mailward.gateway.defuse import defuse
scanner = Scanner()
scanner.scan_bytes(b"From: a@example.org\r\nContent-Type: text/html\r\n\r\n<p>warm</p>", "warm")
raw = ALL[sys.argv[1]]()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
c0, t0 = time.process_time(), time.perf_counter()
result = scanner.scan_bytes(raw, sys.argv[1])
c1, t1 = time.process_time(), time.perf_counter()
defused = defuse(raw, result)
c2, t2 = time.process_time(), time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"size": len(raw), "verdict": str(result.verdict), "reason": result.reason[:120],
                  "scan_s": t1 - t0, "scan_cpu_s": c1 - c0, "defuse_s": t2 - t1, "defuse_cpu_s": c2 - c1,
                  "rss_base_mb": base / 1024, "rss_peak_mb": peak / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--only", nargs="*", help="names of hostile messages to run")
    args = parser.parse_args()
    from tests.hardening.hostile import ALL

    names = args.only or sorted(ALL)
    rows = {}
    print(f"{'message':24} {'size':>10} {'verdict':>12} {'scan s':>8} {'defuse s':>9} {'peak MB':>8} {'+MB':>6}")
    for name in names:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", CHILD, name, str(ROOT)], capture_output=True, text=True, timeout=1800, check=False)
        if proc.returncode != 0:
            print(f"{name:24} FAILED after {time.perf_counter() - start:.1f}s: {proc.stderr.strip().splitlines()[-1:]}")
            rows[name] = {"error": proc.stderr[-2000:]}
            continue
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        rows[name] = row
        print(f"{name:24} {row['size']:>10} {row['verdict']:>12} {row['scan_s']:>8.2f} {row['defuse_s']:>9.2f} "
              f"{row['rss_peak_mb']:>8.0f} {row['rss_peak_mb'] - row['rss_base_mb']:>6.0f}")
    ok = {k: v for k, v in rows.items() if "error" not in v}
    if ok:
        worst_t = max(ok, key=lambda k: ok[k]["scan_s"] + ok[k]["defuse_s"])
        worst_m = max(ok, key=lambda k: ok[k]["rss_peak_mb"])
        print(f"\nworst time:   {worst_t} ({ok[worst_t]['scan_s'] + ok[worst_t]['defuse_s']:.2f} s scan+defuse)")
        print(f"worst memory: {worst_m} ({ok[worst_m]['rss_peak_mb']:.0f} MB peak RSS)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1))
    print(f"(this process: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime:.1f} s CPU in children)")


if __name__ == "__main__":
    main()
