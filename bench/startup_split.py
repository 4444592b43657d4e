#!/usr/bin/env python3
"""Where a process's start-up CPU goes: imports, rules, the first ``Scanner()``, the first message.

    python bench/startup_split.py [--runs 5] [MESSAGE.eml]

Each run is a fresh interpreter (``python -c``) timing ``time.process_time()`` around
``from mailward.scan import Scanner``, ``default_ruleset()``, ``Scanner()`` and the
first ``scan_bytes``; "total" is the process's CPU up to then, interpreter start-up
included. Prints the fastest run (by total) as JSON, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TINY = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: s\r\n\r\nhello\r\n"

_CHILD = """
import sys, time, json
T = time.process_time
t0 = T()
from mailward.scan import Scanner
from mailward.rules.engine import default_ruleset
t1 = T(); default_ruleset(); t2 = T(); scanner = Scanner(); t3 = T()
scanner.scan_bytes(sys.stdin.buffer.read()); t4 = T()
print(json.dumps({"imports": t1 - t0, "rules": t2 - t1, "first_scanner": t3 - t2,
                  "first_message": t4 - t3, "total": t4}))
"""


def split_once(message: bytes) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", _CHILD], input=message, capture_output=True, check=True, env=env)
    values: dict[str, float] = json.loads(out.stdout)
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("message", nargs="?", type=Path)
    args = parser.parse_args(argv)
    message = args.message.read_bytes() if args.message else TINY
    best = min((split_once(message) for _ in range(max(args.runs, 1))), key=lambda r: r["total"])
    report = {k: round(v, 3) for k, v in best.items()}
    print(json.dumps({**report, "runs": args.runs, "load_average": list(os.getloadavg())}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
