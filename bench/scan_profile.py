#!/usr/bin/env python3
"""CPU per message of ``Scanner.scan_bytes`` and where it goes, per stage.

    python bench/scan_profile.py [--limit N] [--repeat N] [--stages] [--cprofile N] PATH...

Loads the messages into memory, builds a ``Scanner``, scans one message to warm
up, then reports CPU milliseconds per message (``time.process_time`` around
``scan_bytes`` over all messages; with ``--repeat N`` the fastest of N passes,
which filters out the noise of a shared machine). ``--stages`` runs each stage of the pipeline
by hand and reports its CPU share: parse (with HTML extraction, also shown on
its own), beacons, identity, facts, rules (CEL context + evaluation), policy
and output (``to_json`` + ``json.dumps``). ``--cprofile N`` prints the top N
functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from mailward import parse as parse_module  # noqa: E402
from mailward.parse import parse_message  # noqa: E402
from mailward.pipeline import ANALYSERS, Found  # noqa: E402
from mailward.scan import Scanner  # noqa: E402
from mailward.sources import iter_sources  # noqa: E402


def load(paths: list[str], limit: int) -> list[tuple[str, bytes]]:
    out = []
    for item in iter_sources(paths):
        data = getattr(item, "data", None)
        if data is not None:
            out.append((item.source, data))
        if limit and len(out) >= limit:
            break
    return out


def cpu_per_message(scanner: Scanner, messages: list[tuple[str, bytes]]) -> float:
    start = time.process_time()
    for source, data in messages:
        scanner.scan_bytes(data, source)
    return (time.process_time() - start) * 1000 / len(messages)


def stages(scanner: Scanner, messages: list[tuple[str, bytes]]) -> dict[str, float]:
    clock = time.process_time
    totals: dict[str, float] = defaultdict(float)
    real_extract = parse_module.extract_html

    def timed_extract(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = clock()
        try:
            return real_extract(*args, **kwargs)
        finally:
            totals["  of which html"] += clock() - t

    parse_module.extract_html = timed_extract
    analyser = scanner.analyser
    try:
        for _source, data in messages:
            t0 = clock()
            message = parse_message(data, limits=scanner.limits)
            t1 = clock()
            if message.extra.get("parse_failed") or not message.headers:
                totals["parse"] += t1 - t0
                continue
            found = Found()
            times = {}
            t2 = clock()
            for name, step in ANALYSERS:
                step(message, analyser.context, found)
                t3 = clock()
                times[name] = t3 - t2
                t2 = t3
            facts = analyser.facts_from(message, found, model=False)
            t4m = clock()
            analyser.score_model(message, facts, found)  # the content model, on the facts (when configured)
            t4 = clock()
            times["model"] = t4 - t4m
            hits = analyser.ruleset.evaluate(facts, skip=analyser.policy.disabled)
            t5 = clock()
            analyser.policy.decide(hits, facts)
            t6 = clock()
            result = scanner.scan_message(message, _source)
            t7 = clock()
            json.dumps(result.to_json())
            t8 = clock()
            for name, value in (("parse", t1 - t0), *times.items(),
                                ("facts", t4m - t3), ("rules", t5 - t4), ("policy", t6 - t5), ("output", t8 - t7)):
                totals[name] += value
    finally:
        parse_module.extract_html = real_extract
    return {name: value * 1000 / len(messages) for name, value in totals.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="passes over the messages; the fastest is reported")
    ap.add_argument("--stages", action="store_true")
    ap.add_argument("--cprofile", type=int, default=0)
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args(argv)
    messages = load(args.paths, args.limit)
    t = time.process_time()
    scanner = Scanner()
    scanner.scan_bytes(messages[0][1])
    print(f"start-up (Scanner() + first scan, in-process): {time.process_time() - t:.2f} s CPU")
    best = min(cpu_per_message(scanner, messages) for _ in range(max(1, args.repeat)))
    print(f"{len(messages)} messages: {best:.2f} ms CPU/message")
    if args.stages:
        for name, ms in stages(scanner, messages).items():
            print(f"  {name:16} {ms:7.3f} ms/message")
    if args.cprofile:
        profile = cProfile.Profile()
        profile.enable()
        for source, data in messages:
            scanner.scan_bytes(data, source)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.cprofile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
