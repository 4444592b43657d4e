#!/usr/bin/env python3
"""Milter latency and throughput through a real Postfix (not a test).

    .venv/bin/python bench/milter_bench.py [--quick] [--json OUT] [--workers N] [--scanner MODULE:CLASS]

Starts a private Postfix on 127.0.0.1 (the same set-up as tests/gateway) with
``mailward milter`` running the real scanner (``mailward.scan:Scanner``; ``--scanner`` names
another, such as the scan-nothing ``StaticScanner`` of the tests) and default
actions, then sends messages over SMTP with 1 and 4 concurrent clients, small
(~1-1.5 KB: a plain message with a small PDF, a tracked HTML newsletter) and large (~1 MB,
the same two shapes with a long body). Half of the messages are defused (scan,
rewrite, quarantine write with fsync, REPLBODY), half delivered with headers.

Reports per configuration:
- SMTP latency per message (connect to QUIT, client side): p50/p95/p99;
- milter latency per message (end-of-message to reply, from the audit log's ``ms``);
- throughput in messages/s;
- the same small and large messages through the milter-free listener of the same
  Postfix, as the baseline (what Postfix and the sending client cost on their own);
- CPU time of the milter and its workers per message (from /proc);
- peak RSS of the milter process and of its process tree (scanning workers included),
  sampled every 20 ms from /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from proctree import children  # noqa: E402  (bench/ is on sys.path when run as a script)
from tests.gateway import messages as M  # noqa: E402
from tests.gateway.postfix_instance import Milter, PrivatePostfix, free_port, write_milter_config  # noqa: E402


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_main = 0
        self.peak_tree = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            main = _rss(self.pid)
            tree = main
            stack = children(self.pid)
            while stack:
                child = stack.pop()
                tree += _rss(child)
                stack += children(child)
            self.peak_main = max(self.peak_main, main)
            self.peak_tree = max(self.peak_tree, tree)
            self.halt.wait(0.02)


def tree_cpu(pid: int, *, descendants: bool = True) -> float:
    """User + system CPU seconds of ``pid`` and (by default) its live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            pass
        if descendants:
            stack += children(current)
    return total


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def send_one(port: int, raw: bytes) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        smtp.sendmail("sender@example.org", ["alice@test.local"], raw)
    return time.perf_counter() - start


def make_batch(kind: str, count: int) -> list[bytes]:
    size = 1_000_000 if kind == "large" else 0
    out = []
    for i in range(count):
        build = M.benign if i % 2 == 0 else M.newsletter
        out.append(build(pinned=None, size=size)[1])  # type: ignore[operator]
    return out


def audit_ms(audit: Path, offset: int) -> tuple[list[float], int, dict[str, int]]:
    data = audit.read_bytes()
    values: list[float] = []
    actions: dict[str, int] = {}
    for line in data[offset:].splitlines():
        event = json.loads(line)
        if event.get("event") == "message":
            values.append(float(event["ms"]))
            actions[event["action"]] = actions.get(event["action"], 0) + 1
    return values, len(data), actions


def run_config(port: int, batch: list[bytes], clients: int) -> dict[str, Any]:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = list(pool.map(lambda raw: send_one(port, raw), batch))
    wall = time.perf_counter() - start
    return {
        "messages": len(batch),
        "clients": clients,
        "avg_bytes": round(statistics.mean(len(b) for b in batch)),
        "throughput_msg_s": round(len(batch) / wall, 1),
        "smtp_ms": {f"p{int(q * 100)}": round(percentile(latencies, q) * 1000, 1) for q in (0.5, 0.95, 0.99)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages")
    parser.add_argument("--json", type=Path, default=os.environ.get("MAILWARD_BENCH_OUT") or None,
                        help="write the results here as JSON")
    parser.add_argument("--workers", type=int, default=2, help="scanning processes in the milter (default 2)")
    parser.add_argument("--small", type=int, default=0, help="small messages per run (default 400, --quick 60)")
    parser.add_argument("--large", type=int, default=0, help="large messages per run (default 40, --quick 8)")
    parser.add_argument("--scanner", default="mailward.scan:Scanner",
                        help="the scanner the milter runs (default the real one); "
                             "tests.gateway.fake_scanner:StaticScanner scans nothing (every message clean), "
                             "which measures the milter's own transport")
    parser.add_argument("--history", action="store_true",
                        help="sender history on ([gateway] history = true, SQLite store in the scratch dir)")
    args = parser.parse_args()
    small_n, large_n = (60, 8) if args.quick else (400, 40)
    small_n, large_n = args.small or small_n, args.large or large_n

    scratch = Path(tempfile.mkdtemp(prefix="mailward-milter-bench-"))
    milter_port = free_port()
    postfix = PrivatePostfix(milter_port=milter_port)
    postfix.start()
    config = scratch / "mailward.toml"
    write_milter_config(config, scratch, postfix.release_port, scanner=args.scanner, workers=args.workers,
                        timeout=30.0, **({"history": True} if args.history else {}))
    milter = Milter(config, milter_port, scratch / "milter.log")
    results: dict[str, Any] = {
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "milter_workers": args.workers,
        "scanner": args.scanner,
        "history": args.history,
        "runs": [],
    }
    try:
        milter.start()
        sampler = RssSampler(milter.pid)
        sampler.start()
        audit = scratch / "audit.jsonl"
        for raw in make_batch("small", min(10, small_n)):  # warm-up: workers' first defuse, Postfix processes
            send_one(postfix.smtp_port, raw)
        offset = audit.stat().st_size
        for kind, count in (("small", small_n), ("large", large_n)):
            batch = make_batch(kind, count)
            for clients in (1, 4):
                cpu_before = tree_cpu(milter.pid)
                main_before = tree_cpu(milter.pid, descendants=False)
                run = run_config(postfix.smtp_port, batch, clients)
                run["milter_cpu_ms_per_msg"] = round((tree_cpu(milter.pid) - cpu_before) * 1000 / len(batch), 1)
                run["milter_main_cpu_ms_per_msg"] = round(
                    (tree_cpu(milter.pid, descendants=False) - main_before) * 1000 / len(batch), 1)
                ms, offset, actions = audit_ms(audit, offset)
                run.update(kind=kind, actions=actions,
                           milter_ms={f"p{int(q * 100)}": round(percentile(ms, q), 1) for q in (0.5, 0.95, 0.99)})
                results["runs"].append(run)
                print(json.dumps(run), flush=True)
            for clients in (1, 4):  # baseline: the same Postfix, listener without the milter
                run = run_config(postfix.release_port, batch, clients)
                run.update(kind=f"{kind}, no milter (baseline)")
                results["runs"].append(run)
                print(json.dumps(run), flush=True)
        sampler.halt.set()
        sampler.join()
        results["milter_peak_rss_mb"] = round(sampler.peak_main / 2**20, 1)
        results["milter_tree_peak_rss_mb"] = round(sampler.peak_tree / 2**20, 1)
    finally:
        milter.stop()
        postfix.stop()
        shutil.rmtree(scratch, ignore_errors=True)  # quarantined copies of every 1 MB message: tens of MB a run

    print()
    print("| messages | clients | avg size | msg/s | SMTP p50/p95/p99 ms | milter p50/p95/p99 ms | milter CPU ms/msg (all / protocol process) | actions |")
    print("|---|---|---|---|---|---|---|---|")
    for run in results["runs"]:
        smtp = run["smtp_ms"]
        mil = run.get("milter_ms")
        mil_s = f"{mil['p50']} / {mil['p95']} / {mil['p99']}" if mil else "-"
        print(f"| {run['kind']} | {run['clients']} | {run['avg_bytes'] / 1024:.0f} KB | {run['throughput_msg_s']} | "
              f"{smtp['p50']} / {smtp['p95']} / {smtp['p99']} | {mil_s} | {run.get('milter_cpu_ms_per_msg', '-')} / {run.get('milter_main_cpu_ms_per_msg', '-')} | "
              f"{run.get('actions', '-')} |")
    print(f"\nmilter peak RSS: {results['milter_peak_rss_mb']} MB (main process), "
          f"{results['milter_tree_peak_rss_mb']} MB (with {args.workers} scanning workers)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
