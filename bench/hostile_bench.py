"""Worst-case time and memory per hostile message (issue: bounded cost on hostile input).

Each message of tests/hardening/hostile.py goes through each entry point in a fresh
process (so peak RSS is that message's), after a warm-up message that loads the
reference data and rules:

- ``scan``: ``Scanner.scan_bytes`` then ``defuse`` (timed apart);
- ``hunt``: ``hunt.analysis.analyse_item`` (parse, scan, the stored record; time budget);
- ``web``: the web worker's ``scan_task`` (scan and safe preview; time budget);
- ``milter``: the protocol ``Session`` fed the message as packets, then the worker's
  ``prepare_message`` (scan, action, defuse; time budget).

    python bench/hostile_bench.py [--entries scan,hunt,web,milter] [--only NAME...] [--json OUT]

Reports wall time, CPU time and peak RSS above the warm baseline, the verdict, and
the worst case per entry point.
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
sys.path.insert(0, sys.argv[3])
from tests.hardening.hostile import ALL
name, entry = sys.argv[1], sys.argv[2]
WARM = b"From: a@example.org\r\nContent-Type: text/html\r\n\r\n<p>warm</p>"
if entry == "scan":
    from mailward.scan import Scanner
    from mailward.gateway.defuse import defuse
    scanner = Scanner()
    scanner.scan_bytes(WARM, "warm")
    steps = [("scan", lambda raw: scanner.scan_bytes(raw, name)), ("defuse", lambda raw, r: defuse(raw, r))]
elif entry == "hunt":
    from mailward.hunt.analysis import WorkItem, WorkerSettings, analyse_item
    settings = WorkerSettings({}, None)
    analyse_item(WorkItem("warm", WARM), settings)
    steps = [("hunt", lambda raw: analyse_item(WorkItem(name, raw), settings))]
elif entry == "web":
    from mailward.web import workers
    workers._init({}, None)
    workers.scan_task(WARM, "warm", True, 30.0)
    steps = [("web", lambda raw: workers.scan_task(raw, name, True, 30.0)[0])]
else:  # milter: the decoder's packets, then scan + action + defuse as a worker does them
    from mailward.config import Config
    from mailward.gateway import protocol as p, scanning
    from mailward.gateway.settings import GatewaySettings
    from mailward.model import Envelope
    scanning._init_worker(Config(), GatewaySettings(workers=1))
    scanning.prepare_message(WARM, "warm", Envelope())
    def milter(raw):
        head, _, body = raw.partition(b"\r\n\r\n")
        session = p.Session(GatewaySettings().wire_limits())
        session.handle(p.CMD_MAIL, p.cstrings("<a@example.org>"))
        session.handle(p.CMD_RCPT, p.cstrings("<b@example.net>"))
        for line in head.split(b"\r\n"):
            name_, _, value = line.partition(b":")
            session.handle(p.CMD_HEADER, name_ + b"\0" + value + b"\0")
        for i in range(0, len(body), 65535):
            session.handle(p.CMD_BODY, body[i:i + 65535])
        message = session.conn.message
        if message.over_limit:
            return type("R", (), {"verdict": "refused", "reason": message.over_limit})()
        rebuilt = p.rebuild_message(message.headers, bytes(message.body), False)
        return scanning.prepare_message(rebuilt, name, Envelope()).result
    steps = [("milter", milter)]
raw = ALL[name]()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {"size": len(raw), "entry": entry}
result = None
for step, fn in steps:
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn(raw) if step != "defuse" else fn(raw, result)
    out[step + "_s"], out[step + "_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    if step != "defuse":
        out["verdict"] = str(result.verdict)
        out["reason"] = (result.reason or "")[:120]
out.update(rss_base_mb=base / 1024, rss_peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(out))
"""
ENTRIES = ("scan", "hunt", "web", "milter")  # "scan" measures scan and defuse separately


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--only", nargs="*", help="names of hostile messages to run")
    parser.add_argument("--entries", default="scan", help=f"comma-separated entry points: {', '.join(ENTRIES)}")
    args = parser.parse_args()
    from tests.hardening.hostile import ALL

    names = args.only or sorted(ALL)
    entries = [e for e in args.entries.split(",") if e]
    unknown = sorted(set(entries) - set(ENTRIES))
    if unknown:
        raise SystemExit(f"unknown entry point(s): {', '.join(unknown)}")
    rows: dict[str, dict[str, dict[str, object]]] = {}
    print(f"{'message':24} {'entry':7} {'size':>10} {'verdict':>12} {'seconds':>16} {'peak MB':>8} {'+MB':>6}")
    for entry in entries:
        for name in names:
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", CHILD, name, entry, str(ROOT)], capture_output=True,
                                  text=True, timeout=1800, check=False)
            if proc.returncode != 0:
                print(f"{name:24} {entry:7} FAILED after {time.perf_counter() - start:.1f}s: "
                      f"{proc.stderr.strip().splitlines()[-1:]}")
                rows.setdefault(entry, {})[name] = {"error": proc.stderr[-2000:]}
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.setdefault(entry, {})[name] = row
            times = " + ".join(f"{row[k]:.2f}" for k in row if k.endswith("_s") and not k.endswith("cpu_s"))
            print(f"{name:24} {entry:7} {row['size']:>10} {row['verdict']:>12} {times:>16} "
                  f"{row['rss_peak_mb']:>8.0f} {row['rss_peak_mb'] - row['rss_base_mb']:>6.0f}")
    print()
    for entry, by_name in rows.items():
        ok = {k: v for k, v in by_name.items() if "error" not in v}
        steps = ["scan", "defuse"] if entry == "scan" else [entry]
        for step in steps:
            if not ok:
                continue
            worst_t = max(ok, key=lambda k: float(ok[k][step + "_s"]))  # type: ignore[arg-type]
            worst_m = max(ok, key=lambda k: float(ok[k]["rss_peak_mb"]))  # type: ignore[arg-type]
            print(f"{step:7} worst time: {worst_t} ({float(ok[worst_t][step + '_s']):.2f} s); "  # type: ignore[arg-type]
                  f"worst memory: {worst_m} ({float(ok[worst_m]['rss_peak_mb']):.0f} MB peak RSS)")  # type: ignore[arg-type]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1))
    print(f"(this process: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime:.1f} s CPU in children)")


if __name__ == "__main__":
    main()
