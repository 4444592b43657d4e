#!/usr/bin/env python3
"""Scan endpoint throughput and latency (not a test).

    .venv/bin/python bench/web_bench.py [--quick] [--json OUT] [--requests N]

Starts ``mailward serve`` on 127.0.0.1 (a free port, an empty temporary store, an
analyst token), then POSTs raw messages to /api/v1/scan over keep-alive HTTP with 1
and 8 concurrent clients. The messages are the demo builders' shapes (a recon lure
with a per-recipient beacon, a tracked newsletter, a journalist's enquiry, a
constituent's letter), 2-10 KB each. Reports per concurrency: requests/s,
client-side latency p50/p99 (ms), and the server's CPU ms per request (from /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
MAILWARD = str(Path(sys.executable).with_name("mailward"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def messages() -> list[bytes]:
    from mailward.demo import builders

    who = ("Rhys Lindgren", "rhys.lindgren@parliament.example")
    return [
        builders.recon_lure(who),
        builders.newsletter(who),
        builders.journalist_enquiry(who),
        builders.constituent(who),
    ]


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rpartition(")")[2].split()


def cpu_seconds(pid: int) -> float:
    """User+system CPU of ``pid`` and its live children (the worker processes)."""
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(int(entry))[1]) == pid:
                    pids.append(int(entry))
            except (OSError, IndexError):
                continue
    total = 0
    for one in pids:
        try:
            fields = _stat(one)
            total += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def start_server(scratch: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], str, str]:
    db = f"sqlite:///{scratch / 'bench.db'}"
    config = scratch / "mailward.toml"
    config.write_text(f'[mailward]\ndata_dir = "{scratch / "var"}"\n')
    token = subprocess.run([MAILWARD, "token", "create", "--role", "analyst", "--db", db, "--config", str(config)],
                           check=True, capture_output=True, text=True).stdout.strip()
    log_path = scratch / "serve.log"
    with log_path.open("wb") as handle:
        proc = subprocess.Popen([MAILWARD, "serve", "--port", "0", "--db", db, "--config", str(config),
                                 "--log-level", "warning", "--workers", str(workers)],
                                stdout=handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"serving (http://127\.0\.0\.1:\d+)/", log_path.read_text(errors="replace"))
        if found:
            return proc, found.group(1), token
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"mailward serve did not start: {log_path.read_text(errors='replace')}")


def run(url: str, token: str, pid: int, bodies: list[bytes], clients: int, total: int) -> dict[str, Any]:
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))
    errors = 0

    def worker() -> None:
        nonlocal errors
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}",
                                                 "Content-Type": "message/rfc822"}, timeout=60) as c:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                began = time.perf_counter()
                r = c.post("/api/v1/scan", content=bodies[n % len(bodies)])
                spent = time.perf_counter() - began
                with lock:
                    latencies.append(spent)
                    if r.status_code != 200:
                        errors += 1

    cpu0 = cpu_seconds(pid)
    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    cpu = cpu_seconds(pid) - cpu0
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "wall_s": round(wall, 3),
        "requests_per_s": round(len(latencies) / wall, 1),
        "latency_ms_p50": round(percentile(latencies, 50) * 1000, 2),
        "latency_ms_p99": round(percentile(latencies, 99) * 1000, 2),
        "latency_ms_mean": round(statistics.fmean(latencies) * 1000, 2),
        "server_cpu_ms_per_request": round(cpu / len(latencies) * 1000, 2),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", type=Path, help="write the results as JSON here")
    p.add_argument("--quick", action="store_true", help="200 requests per run instead of 2,000")
    p.add_argument("--requests", type=int, default=0, help="requests per run")
    p.add_argument("--workers", type=int, default=1, help="mailward serve --workers")
    args = p.parse_args()
    total = args.requests or (200 if args.quick else 2000)
    bodies = messages()
    with tempfile.TemporaryDirectory(prefix="mailward-web-bench-") as tmp:
        proc, url, token = start_server(Path(tmp), args.workers)
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
                for _ in range(args.workers * 4):  # warm up every worker: rules, reference data
                    for body in bodies:
                        r = c.post("/api/v1/scan", content=body, timeout=120, headers={"Connection": "close"})
                        assert r.status_code == 200
            results = []
            for clients in (1, 8):
                res = run(url, token, proc.pid, bodies, clients, total)
                log(json.dumps(res))
                results.append(res)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    out = {
        "bench": "web_scan_endpoint",
        "workers": args.workers,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "message_sizes": [len(b) for b in bodies],
        "runs": results,
    }
    text = json.dumps(out, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
