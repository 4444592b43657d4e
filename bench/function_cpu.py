#!/usr/bin/env python3
"""Inclusive CPU per message of chosen functions during ``Scanner.scan_bytes``.

    python bench/function_cpu.py [--functions MODULE:NAME,...] [--limit N] PATH...

Loads the messages, builds a ``Scanner``, scans one message to warm up, then wraps
each chosen function with a ``time.process_time`` timer (in every mailward module that
imported it by name) and scans every message once: the first pass, so per-process
caches are as cold as they are on a stream of new mail. Prints the whole scan's CPU per
message, then each function's inclusive CPU per message. The default functions are
the facts, identity and beacons stages. A function that calls another chosen one is
charged for both; a function held in a data structure (not looked up by name) is not
seen.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from scan_profile import load  # noqa: E402  (bench/ is on the path: this script's own folder)

from mailward.scan import Scanner  # noqa: E402

DEFAULT = "mailward.facts.build:build_facts,mailward.identity.analyse:analyse_identity,mailward.beacons:find_beacons"


def _wrap(target: str, totals: dict[str, float]) -> None:
    module_name, _, attr = target.partition(":")
    real = getattr(importlib.import_module(module_name), attr)
    key = f"{module_name.rsplit('.', 1)[-1]}.{attr}"
    totals[key] = 0.0
    clock = time.process_time

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return real(*args, **kwargs)
        finally:
            totals[key] += clock() - start

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("mailward") and getattr(module, attr, None) is real:
            setattr(module, attr, timed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--functions", default=DEFAULT, help="MODULE:NAME, comma-separated")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args(argv)
    messages = load(args.paths, args.limit)
    if not messages:
        print("no messages", file=sys.stderr)
        return 1
    scanner = Scanner()
    scanner.scan_bytes(messages[0][1], messages[0][0])
    totals: dict[str, float] = {}
    for target in filter(None, args.functions.split(",")):
        _wrap(target.strip(), totals)
    scan: Callable[[bytes, str], Any] = scanner.scan_bytes
    start = time.process_time()
    for source, data in messages:
        scan(data, source)
    count = len(messages)
    print(f"{count} messages: {(time.process_time() - start) * 1000 / count:.3f} ms CPU/message")
    for key, spent in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {key:40s} {spent * 1000 / count:.3f} ms/message")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
